/* SPDX-License-Identifier: BSD-3-Clause */
/* Growable FIFO of fixed-size records (see cp_fifo.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_fifo.h"

#define CP_FIFO_MIN_CAP 64

int
cp_fifo_init(struct cp_fifo *f, size_t esize, size_t cap)
{
	size_t c = CP_FIFO_MIN_CAP;

	while (c < cap)
		c <<= 1;
	memset(f, 0, sizeof(*f));
	f->buf = malloc(c * esize);
	if (f->buf == NULL)
		return -ENOMEM;
	f->esize = esize;
	f->cap = c;
	return 0;
}

void
cp_fifo_fini(struct cp_fifo *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/*
 * Double the capacity.  head and tail are absolute counts, so every record
 * moves to its position modulo the new capacity and callers may keep
 * absolute positions across a growth.
 */
static int
fifo_grow(struct cp_fifo *f)
{
	size_t ncap = f->cap * 2, p;
	uint8_t *nb;

	nb = malloc(ncap * f->esize);
	if (nb == NULL)
		return -ENOMEM;
	for (p = f->tail; p != f->head; p++)
		memcpy(nb + (p & (ncap - 1)) * f->esize, f->buf + (p & (f->cap - 1)) * f->esize,
			f->esize);
	free(f->buf);
	f->buf = nb;
	f->cap = ncap;
	return 0;
}

int
cp_fifo_push(struct cp_fifo *f, const void *rec)
{
	if (cp_fifo_len(f) == f->cap && fifo_grow(f) != 0)
		return -ENOMEM;
	memcpy(f->buf + (f->head & (f->cap - 1)) * f->esize, rec, f->esize);
	f->head++;
	return 0;
}
