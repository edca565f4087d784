/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses and endpoints as text and as struct sn_abi_addr.
 */
#ifndef SN_ADDR_H
#define SN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"

/* Longest text form of an endpoint "[v6addr%scope]:65535" plus NUL. */
#define SN_ENDPOINT_STRLEN 64

/*
 * Parse "1.2.3.4" or "2001:db8::1" into a.  Returns 0 or -EINVAL.
 */
int sn_addr_parse(const char *s, struct sn_abi_addr *a);

/*
 * Parse "1.2.3.4/24" or "2001:db8::1/64" (prefix required when
 * need_prefix, else optional and defaulting to 32/128).  0 or -EINVAL.
 */
int sn_prefix_parse(const char *s, struct sn_abi_addr *a, uint8_t *prefix_len, bool need_prefix);

/*
 * Parse an endpoint "1.2.3.4:5000" or "[2001:db8::1]:5000".  port is
 * returned in host order.  0 or -EINVAL.
 */
int sn_endpoint_parse(const char *s, struct sn_abi_addr *a, uint16_t *port);

/* Format an address; returns buf. */
char *sn_addr_fmt(const struct sn_abi_addr *a, char *buf, size_t len);
/* Format an endpoint (port in host order); returns buf. */
char *sn_endpoint_fmt(const struct sn_abi_addr *a, uint16_t port, char *buf, size_t len);

/* Address length in bytes for a family code (4, 16, or 0). */
static inline size_t
sn_fam_len(uint8_t family)
{
	return family == SN_FAM_IPV4 ? 4 : family == SN_FAM_IPV6 ? 16 : 0;
}

/* True when a and b are the same family and address. */
bool sn_addr_eq(const struct sn_abi_addr *a, const struct sn_abi_addr *b);

#endif /* SN_ADDR_H */
