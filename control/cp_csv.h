/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text forms of session specs: the endpoint fields of `sessions add` and the
 * CSV lines of `sessions load`:
 *
 *   a_local,a_remote,b_local,b_remote
 *
 * local: "1.2.3.4:5000", "[2001:db8::1]:5000" (endpoint), "1.2.3.4" (address:
 * port allocated) or empty (first appliance address of the family, port
 * allocated); remote: an endpoint, or empty for a leg that latches (the
 * session then gets a token).  Blank lines, lines starting with '#' and a
 * header line starting with "a_local" are skipped.
 */
#ifndef CP_CSV_H
#define CP_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cp_sessions.h"

#define CP_CSV_FIELDS	4
#define CP_CSV_LINE_MAX 512

/* Parse a local endpoint or address (port 0 when absent).  0 or -EINVAL. */
int cp_parse_local(const char *s, struct sn_abi_addr *a, uint16_t *port);

/* Parse a remote endpoint ("" or NULL: none).  0 or -EINVAL. */
int cp_parse_remote(const char *s, struct sn_abi_addr *a, uint16_t *port);

/*
 * Parse one CSV line (modified in place; trailing CR/LF allowed).
 * Returns 1 with spec filled, 0 for a line to skip, or -EINVAL with err
 * naming the line and field: "line 3: a_remote: bad endpoint 'x'".
 */
int cp_csv_parse_line(
	char *line, unsigned lineno, struct cp_session_spec *spec, char *err, size_t errlen);

#endif /* CP_CSV_H */
