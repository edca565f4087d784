/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A growable FIFO of fixed-size records (process-local, single thread).
 * Used for commands waiting for ring space and commands in flight: it never
 * refuses a push short of running out of memory, so back-pressure from the
 * shared ring never loses a command.
 */
#ifndef CP_FIFO_H
#define CP_FIFO_H

#include <stddef.h>
#include <stdint.h>

struct cp_fifo {
	uint8_t *buf;
	size_t esize; /* bytes per record */
	size_t cap;   /* records; power of two */
	size_t head;  /* records ever pushed (absolute position of the next push) */
	size_t tail;  /* records ever popped (absolute position of the oldest) */
};

/* Initialise for records of esize bytes, room for cap (rounded up).  0 or -ENOMEM. */
int cp_fifo_init(struct cp_fifo *f, size_t esize, size_t cap);
void cp_fifo_fini(struct cp_fifo *f);
/* Append a copy of rec, growing when full.  0 or -ENOMEM. */
int cp_fifo_push(struct cp_fifo *f, const void *rec);

static inline size_t
cp_fifo_len(const struct cp_fifo *f)
{
	return f->head - f->tail;
}

/* Record i (0 = oldest); i < cp_fifo_len(). */
static inline void *
cp_fifo_at(const struct cp_fifo *f, size_t i)
{
	return f->buf + ((f->tail + i) & (f->cap - 1)) * f->esize;
}

/* Drop the oldest record (the FIFO must not be empty). */
static inline void
cp_fifo_pop(struct cp_fifo *f)
{
	f->tail++;
}

/* Drop every record (positions stay absolute: tail catches up with head). */
static inline void
cp_fifo_clear(struct cp_fifo *f)
{
	f->tail = f->head;
}

#endif /* CP_FIFO_H */
