/* SPDX-License-Identifier: BSD-3-Clause */
/* snctl internals shared by its files. */
#ifndef SNCTL_H
#define SNCTL_H

#include <stdint.h>

#include <jansson.h>

#define SNCTL_EXIT_OK	 0
#define SNCTL_EXIT_ERR	 1
#define SNCTL_EXIT_USAGE 2

/* Field accessors tolerant of absent keys (0 / "" / 0.0). */
long long snctl_int(json_t *o, const char *key);
double snctl_dbl(json_t *o, const char *key);
const char *snctl_str(json_t *o, const char *key, const char *dflt);

/* Human renderers of replies (snctl_print.c). */
void snctl_print_status(json_t *r);
void snctl_print_stats(json_t *r);
void snctl_print_session(json_t *s);
void snctl_print_list(json_t *r);

/* TURN renderers (snctl_print_turn.c). */
void snctl_print_allocs(json_t *r);
void snctl_print_alloc(json_t *a);
void snctl_print_users(json_t *r);
void snctl_print_secrets(json_t *r);
/* The "turn" member of status / stats replies (NULL: nothing printed). */
void snctl_print_turn_status(json_t *tu);
void snctl_print_turn_stats(json_t *tu);

#endif /* SNCTL_H */
