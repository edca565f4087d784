/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snctl text output: aligned tables and numbers with units.
 */
#ifndef SNCTL_FMT_H
#define SNCTL_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SNCTL_TBL_MAX_COLS 16
#define SNCTL_CELL_MAX	   128

/* A table of text cells printed with each column as wide as its widest cell. */
struct snctl_tbl {
	unsigned ncols;
	bool right[SNCTL_TBL_MAX_COLS]; /* right-aligned (numbers) */
	bool skip_header;		/* print the rows only */
	char **cells;			/* row-major, header row first */
	size_t nrows, cap;
};

/* Start a table; header is a '|'-separated list, a leading '>' right-aligns a column. */
void snctl_tbl_init(struct snctl_tbl *t, const char *header);
/* Append a row of ncols cells (printf-formatted, '|'-separated). */
void snctl_tbl_row(struct snctl_tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print (indent spaces first) and free. */
void snctl_tbl_print(struct snctl_tbl *t, FILE *f, unsigned indent);
void snctl_tbl_free(struct snctl_tbl *t);

/* "0", "950", "1.23 k", "45.6 M", "7.89 G" followed by unit (e.g. "pps", "b/s"). */
char *snctl_fmt_si(double v, const char *unit, char *buf, size_t len);
/* Bytes as "512 B", "1.50 KiB", "3.20 MiB", "1.00 GiB". */
char *snctl_fmt_bytes(uint64_t v, char *buf, size_t len);
/* Seconds as "12s", "5m03s", "1h02m03s", "3d04h05m". */
char *snctl_fmt_duration(uint64_t s, char *buf, size_t len);

#endif /* SNCTL_FMT_H */
