/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory region between sn-dataplane and sn-control (sn_shm.h).
 *
 * The dataplane always creates a NEW file (unlink, then O_EXCL create), so a
 * control process still mapping the previous one never faults on a resized
 * file; control notices the new inode or generation and re-attaches.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sn_ring.h"
#include "sn_shm.h"

#define SN_SHM_ALIGN 4096
#define SN_SHM_READ_RETRIES 1000
#define SN_GENERATION_MASK 0x7fffffffffffffffull

static size_t
align_up(size_t v)
{
	return (v + SN_SHM_ALIGN - 1) & ~(size_t)(SN_SHM_ALIGN - 1);
}

/* Offsets of each part; returns the total size. */
static size_t
shm_layout(uint32_t max_sessions, uint32_t max_allocs, uint32_t cmd_slots, uint32_t cpl_slots,
	uint64_t *cmd_off, uint64_t *cpl_off, uint64_t *stats_off, uint64_t *sess_off,
	uint64_t *alloc_off)
{
	size_t off = align_up(SN_HDR_SIZE);

	*cmd_off = off;
	off = align_up(off + sn_ring_mem_size(cmd_slots, SN_CMD_SIZE));
	*cpl_off = off;
	off = align_up(off + sn_ring_mem_size(cpl_slots, SN_CPL_SIZE));
	*stats_off = off;
	off = align_up(off + (size_t)SN_MAX_LCORES * SN_LCORE_STATS_SIZE);
	*sess_off = off;
	off = align_up(off + (size_t)max_sessions * sizeof(struct sn_session));
	*alloc_off = off;
	off = align_up(off + (size_t)max_allocs * sizeof(struct sn_alloc));
	return off;
}

size_t
sn_shm_size(uint32_t max_sessions, uint32_t max_allocs, uint32_t cmd_slots, uint32_t cpl_slots)
{
	uint64_t a, b, c, d, e;

	return shm_layout(max_sessions, max_allocs, cmd_slots, cpl_slots, &a, &b, &c, &d, &e);
}

/* Point the typed pointers of s at the parts named by the header. */
static void
shm_bind(struct sn_shm *s)
{
	uint8_t *base = s->base;

	s->hdr = s->base;
	s->cmd = (struct sn_ring_hdr *)(base + s->hdr->cmd_ring_off);
	s->cpl = (struct sn_ring_hdr *)(base + s->hdr->cpl_ring_off);
	s->stats = (struct sn_lcore_stats *)(base + s->hdr->stats_off);
	s->sessions = (struct sn_session *)(base + s->hdr->sessions_off);
	s->allocs = (struct sn_alloc *)(base + s->hdr->allocs_off);
}

int
sn_shm_create(struct sn_shm *s, const char *path, uint32_t max_sessions, uint32_t max_allocs,
	uint32_t cmd_slots, uint32_t cpl_slots)
{
	uint64_t cmd_off, cpl_off, stats_off, sess_off, alloc_off;
	struct sn_shm_hdr *h;
	size_t size;
	void *base;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (max_sessions == 0 || cmd_slots < 2 || (cmd_slots & (cmd_slots - 1)) != 0 ||
			cpl_slots < 2 || (cpl_slots & (cpl_slots - 1)) != 0)
		return -EINVAL;
	size = shm_layout(max_sessions, max_allocs, cmd_slots, cpl_slots, &cmd_off, &cpl_off,
		&stats_off, &sess_off, &alloc_off);

	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		ret = -errno;
		goto fail_fd;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		goto fail_fd;
	}
	/* A fresh file is zero-filled: no memset of the session table. */
	h = base;
	h->abi_version = SN_ABI_VERSION;
	h->hdr_size = SN_HDR_SIZE;
	h->total_size = size;
	h->max_sessions = max_sessions;
	h->cmd_ring_off = cmd_off;
	h->cpl_ring_off = cpl_off;
	h->stats_off = stats_off;
	h->sessions_off = sess_off;
	h->max_allocs = max_allocs;
	h->allocs_off = alloc_off;
	h->cmd_slots = cmd_slots;
	h->cpl_slots = cpl_slots;
	h->dp_pid = (uint32_t)getpid();
	h->dp_state = SN_DP_STARTING;
	s->base = base;
	s->size = size;
	s->fd = fd;
	shm_bind(s);
	sn_ring_init(s->cmd, cmd_slots, SN_CMD_SIZE);
	sn_ring_init(s->cpl, cpl_slots, SN_CPL_SIZE);
	__atomic_store_n(&h->magic, SN_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;

fail_fd:
	close(fd);
	unlink(path);
	return ret;
}

uint64_t
sn_shm_publish(struct sn_shm *s)
{
	struct timespec ts;
	uint64_t gen;

	clock_gettime(CLOCK_REALTIME, &ts);
	gen = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
	gen &= SN_GENERATION_MASK; /* fits a signed 64-bit JSON integer */
	if (gen == 0 || gen == s->hdr->generation)
		gen = (gen + 1) & SN_GENERATION_MASK;
	if (gen == 0)
		gen = 1;
	__atomic_store_n(&s->hdr->dp_state, SN_DP_RUNNING, __ATOMIC_RELAXED);
	__atomic_store_n(&s->hdr->generation, gen, __ATOMIC_RELEASE);
	return gen;
}

int
sn_shm_attach(struct sn_shm *s, const char *path)
{
	struct sn_shm_hdr hdr;
	struct stat st;
	void *base;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto fail_fd;
	}
	if ((size_t)st.st_size < SN_HDR_SIZE) {
		ret = -EAGAIN;
		goto fail_fd;
	}
	if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		ret = -EAGAIN;
		goto fail_fd;
	}
	if (hdr.magic != SN_SHM_MAGIC) {
		ret = hdr.magic == 0 ? -EAGAIN : -EPROTO;
		goto fail_fd;
	}
	if (hdr.abi_version != SN_ABI_VERSION || hdr.hdr_size != SN_HDR_SIZE ||
			hdr.total_size != (uint64_t)st.st_size ||
			hdr.total_size != sn_shm_size(hdr.max_sessions, hdr.max_allocs, hdr.cmd_slots,
						 hdr.cpl_slots)) {
		ret = -EPROTO;
		goto fail_fd;
	}
	if (hdr.generation == 0) {
		ret = -EAGAIN;
		goto fail_fd;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		goto fail_fd;
	}
	s->base = base;
	s->size = (size_t)st.st_size;
	s->fd = fd;
	shm_bind(s);
	return 0;

fail_fd:
	close(fd);
	return ret;
}

void
sn_shm_detach(struct sn_shm *s)
{
	if (s->base != NULL && s->size != 0)
		munmap(s->base, s->size);
	if (s->fd > 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

uint64_t
sn_shm_generation(const struct sn_shm *s)
{
	return __atomic_load_n(&s->hdr->generation, __ATOMIC_ACQUIRE);
}

int
sn_shm_read_lcore(const struct sn_shm *s, unsigned i, struct sn_lcore_stats *out)
{
	const struct sn_lcore_stats *src;
	uint64_t s1, s2;
	int tries;

	if (i >= SN_MAX_LCORES)
		return -EINVAL;
	src = sn_shm_lcore_stats(s, i);
	for (tries = 0; tries < SN_SHM_READ_RETRIES; tries++) {
		s1 = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(out, src, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&src->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return 0;
	}
	return -EBUSY;
}
