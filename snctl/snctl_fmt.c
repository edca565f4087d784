/* SPDX-License-Identifier: BSD-3-Clause */
/* snctl text output: aligned tables and numbers with units (see snctl_fmt.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "snctl_fmt.h"

#define SI_STEP	   1000.0
#define IEC_STEP   1024.0
#define S_PER_MIN  60
#define S_PER_HOUR 3600
#define S_PER_DAY  86400
#define TBL_GAP	   2

/* Split text at '|' into one row. */
static void
tbl_add_split(struct snctl_tbl *t, const char *text, bool header)
{
	const char *p = text, *bar;
	unsigned col;
	size_t need = (t->nrows + 1) * t->ncols;

	if (need > t->cap) {
		size_t ncap = t->cap != 0 ? t->cap : 64;
		char **nc;

		while (ncap < need)
			ncap *= 2;
		nc = realloc(t->cells, ncap * sizeof(*nc));
		if (nc == NULL)
			abort();
		t->cells = nc;
		t->cap = ncap;
	}
	for (col = 0; col < t->ncols; col++) {
		size_t n;

		bar = p != NULL ? strchr(p, '|') : NULL;
		n = p == NULL ? 0 : bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (header && p != NULL && *p == '>') {
			t->right[col] = true;
			p++;
			n--;
		}
		t->cells[t->nrows * t->ncols + col] = p != NULL ? strndup(p, n) : strdup("");
		p = bar != NULL ? bar + 1 : NULL;
	}
	t->nrows++;
}

void
snctl_tbl_init(struct snctl_tbl *t, const char *header)
{
	const char *p;

	memset(t, 0, sizeof(*t));
	t->ncols = 1;
	for (p = header; *p != '\0'; p++)
		if (*p == '|')
			t->ncols++;
	if (t->ncols > SNCTL_TBL_MAX_COLS)
		t->ncols = SNCTL_TBL_MAX_COLS;
	tbl_add_split(t, header, true);
}

void
snctl_tbl_row(struct snctl_tbl *t, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	tbl_add_split(t, text, false);
	free(text);
}

void
snctl_tbl_print(struct snctl_tbl *t, FILE *f, unsigned indent)
{
	size_t w[SNCTL_TBL_MAX_COLS] = {0}, r, n, first = t->skip_header ? 1 : 0;
	unsigned c;

	for (r = first; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			n = strlen(t->cells[r * t->ncols + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (r = first; r < t->nrows; r++) {
		fprintf(f, "%*s", (int)indent, "");
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (t->right[c])
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			if (!last)
				fprintf(f, "%*s", TBL_GAP, "");
		}
		fputc('\n', f);
	}
	snctl_tbl_free(t);
}

void
snctl_tbl_free(struct snctl_tbl *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

char *
snctl_fmt_si(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pfx[] = {"", "k", "M", "G", "T", "P"};
	unsigned i = 0;

	if (v < SI_STEP) {
		snprintf(buf, len, "%.0f %s", v, unit);
		return buf;
	}
	while (v >= SI_STEP && i + 1 < sizeof(pfx) / sizeof(pfx[0])) {
		v /= SI_STEP;
		i++;
	}
	snprintf(buf, len, "%.*f %s%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, pfx[i], unit);
	return buf;
}

char *
snctl_fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const pfx[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double d = (double)v;
	unsigned i = 0;

	if (v < IEC_STEP) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= IEC_STEP && i + 1 < sizeof(pfx) / sizeof(pfx[0])) {
		d /= IEC_STEP;
		i++;
	}
	snprintf(buf, len, "%.*f %s", d < 10 ? 2 : d < 100 ? 1 : 0, d, pfx[i]);
	return buf;
}

char *
snctl_fmt_duration(uint64_t s, char *buf, size_t len)
{
	if (s < S_PER_MIN)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < S_PER_HOUR)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / S_PER_MIN, s % S_PER_MIN);
	else if (s < S_PER_DAY)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s", s / S_PER_HOUR,
			s % S_PER_HOUR / S_PER_MIN, s % S_PER_MIN);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m", s / S_PER_DAY,
			s % S_PER_DAY / S_PER_HOUR, s % S_PER_HOUR / S_PER_MIN);
	return buf;
}
