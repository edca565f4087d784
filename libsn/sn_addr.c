/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and endpoint text forms (see sn_addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_addr.h"

#define SN_ADDR_TEXT_MAX 64

int
sn_addr_parse(const char *s, struct sn_abi_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = SN_FAM_IPV4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = SN_FAM_IPV6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

int
sn_prefix_parse(const char *s, struct sn_abi_addr *a, uint8_t *prefix_len, bool need_prefix)
{
	char buf[SN_ADDR_TEXT_MAX];
	const char *slash;
	unsigned long plen;
	char *endp;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sn_addr_parse(buf, a) != 0)
		return -EINVAL;
	if (slash == NULL) {
		if (need_prefix)
			return -EINVAL;
		*prefix_len = a->family == SN_FAM_IPV4 ? 32 : 128;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	plen = strtoul(slash + 1, &endp, 10);
	if (errno != 0 || *endp != '\0' || plen > (a->family == SN_FAM_IPV4 ? 32u : 128u))
		return -EINVAL;
	*prefix_len = (uint8_t)plen;
	return 0;
}

/* Parse a decimal port 1..65535 occupying all of s. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *endp;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &endp, 10);
	if (errno != 0 || *endp != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
sn_endpoint_parse(const char *s, struct sn_abi_addr *a, uint16_t *port)
{
	char buf[SN_ADDR_TEXT_MAX];
	const char *colon;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		if (sn_addr_parse(buf, a) != 0 || a->family != SN_FAM_IPV6)
			return -EINVAL;
		return parse_port(close + 2, port);
	}
	colon = strrchr(s, ':');
	if (colon == NULL || strchr(s, ':') != colon)
		return -EINVAL; /* IPv6 needs brackets */
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sn_addr_parse(buf, a) != 0 || a->family != SN_FAM_IPV4)
		return -EINVAL;
	return parse_port(colon + 1, port);
}

char *
sn_addr_fmt(const struct sn_abi_addr *a, char *buf, size_t len)
{
	int af = a->family == SN_FAM_IPV4 ? AF_INET : a->family == SN_FAM_IPV6 ? AF_INET6 : 0;

	if (len == 0)
		return buf;
	if (af == 0 || inet_ntop(af, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "-");
	return buf;
}

char *
sn_endpoint_fmt(const struct sn_abi_addr *a, uint16_t port, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	sn_addr_fmt(a, tmp, sizeof(tmp));
	if (a->family == SN_FAM_IPV6)
		snprintf(buf, len, "[%s]:%u", tmp, port);
	else
		snprintf(buf, len, "%s:%u", tmp, port);
	return buf;
}

bool
sn_addr_eq(const struct sn_abi_addr *a, const struct sn_abi_addr *b)
{
	size_t n = sn_fam_len(a->family);

	return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}
