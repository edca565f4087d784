/* SPDX-License-Identifier: BSD-3-Clause */
/* Session spec text forms and the sessions.load CSV line parser (see cp_csv.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_csv.h"
#include "sn_addr.h"

#define CP_CSV_HEADER "a_local"

static const char *const cp_csv_field_names[CP_CSV_FIELDS] = {
	"a_local",
	"a_remote",
	"b_local",
	"b_remote",
};

int
cp_parse_local(const char *s, struct sn_abi_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (sn_endpoint_parse(s, a, port) == 0)
		return 0;
	*port = 0;
	return sn_addr_parse(s, a);
}

int
cp_parse_remote(const char *s, struct sn_abi_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (s == NULL || *s == '\0')
		return 0;
	return sn_endpoint_parse(s, a, port);
}

/* Strip leading and trailing white space (including CR/LF) in place. */
static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
cp_csv_parse_line(
	char *line, unsigned lineno, struct cp_session_spec *spec, char *err, size_t errlen)
{
	char *f[CP_CSV_FIELDS], *p = trim(line), *comma;
	unsigned n = 0, i;
	int ret;

	if (*p == '\0' || *p == '#' || strncasecmp(p, CP_CSV_HEADER, strlen(CP_CSV_HEADER)) == 0)
		return 0;
	/* Split at commas; n counts fields, one past CP_CSV_FIELDS means "more". */
	for (;;) {
		if (n == CP_CSV_FIELDS) {
			n++;
			break;
		}
		f[n++] = p;
		comma = strchr(p, ',');
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	if (n != CP_CSV_FIELDS) {
		snprintf(err, errlen,
			"line %u: expected %u fields (a_local,a_remote,b_local,b_remote), "
			"got %s%u",
			lineno, CP_CSV_FIELDS, n > CP_CSV_FIELDS ? "more than " : "",
			n > CP_CSV_FIELDS ? CP_CSV_FIELDS : n);
		return -EINVAL;
	}
	memset(spec, 0, sizeof(*spec));
	for (i = 0; i < CP_CSV_FIELDS; i++) {
		struct cp_leg_spec *l = &spec->leg[i / 2];

		f[i] = trim(f[i]);
		if (i % 2 == 0)
			ret = cp_parse_local(f[i], &l->local, &l->local_port);
		else
			ret = cp_parse_remote(f[i], &l->remote, &l->remote_port);
		if (ret != 0) {
			snprintf(err, errlen, "line %u: %s: bad %s '%.64s'", lineno,
				cp_csv_field_names[i],
				i % 2 == 0 ? "endpoint or address" : "endpoint", f[i]);
			return -EINVAL;
		}
		if (i % 2 == 1 && l->remote.family == SN_FAM_NONE)
			spec->latch = true; /* a leg without a remote learns it from a probe */
	}
	return 1;
}
