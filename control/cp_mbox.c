/* SPDX-License-Identifier: BSD-3-Clause */
/* Mailbox client: command/completion rings in shared memory (see cp_mbox.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cp_counters.h"
#include "cp_log.h"
#include "cp_mbox.h"
#include "sn_ring.h"

#define NS_PER_MS    1000000ull
#define CP_SEQ_FIRST 1

static const char *const cp_mbox_state_names[] = {
	[CP_MBOX_DETACHED] = "detached",
	[CP_MBOX_SYNCING] = "syncing",
	[CP_MBOX_READY] = "ready",
	[CP_MBOX_DOWN] = "down",
};

const char *
cp_mbox_state_name(enum cp_mbox_state st)
{
	return (unsigned)st < sizeof(cp_mbox_state_names) / sizeof(cp_mbox_state_names[0])
		       ? cp_mbox_state_names[st]
		       : "?";
}

int
cp_mbox_init(struct cp_mbox *m, const char *path, const struct cp_mbox_ops *ops, void *arg,
	uint64_t *cnt)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->shm.fd = -1;
	m->ops = ops;
	m->arg = arg;
	m->cnt = cnt;
	m->next_seq = CP_SEQ_FIRST;
	if (cp_fifo_init(&m->pending, sizeof(struct cp_mbox_rec), CP_MBOX_INITIAL_QUEUE) != 0)
		return -ENOMEM;
	if (cp_fifo_init(&m->inflight, sizeof(struct cp_mbox_rec), CP_MBOX_INITIAL_QUEUE) != 0) {
		cp_fifo_fini(&m->pending);
		return -ENOMEM;
	}
	return 0;
}

void
cp_mbox_fini(struct cp_mbox *m)
{
	if (m->state != CP_MBOX_DETACHED)
		sn_shm_detach(&m->shm);
	cp_fifo_fini(&m->pending);
	cp_fifo_fini(&m->inflight);
	m->state = CP_MBOX_DETACHED;
}

/* The dataplane process still exists (kill(pid, 0); EPERM means it does). */
static bool
pid_alive(uint32_t pid)
{
	if (pid == 0)
		return true;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Drop every queued and in-flight command and tell the owner the dp is gone. */
static void
go_down(struct cp_mbox *m, const char *why)
{
	bool was_up = m->state == CP_MBOX_SYNCING || m->state == CP_MBOX_READY;

	cp_fifo_clear(&m->pending);
	cp_fifo_clear(&m->inflight);
	if (!was_up)
		return;
	m->state = CP_MBOX_DOWN;
	m->cnt[CP_CNT_DP_DOWN]++;
	CP_WARN("dataplane down (%s): %s", m->path, why);
	m->ops->event(m->arg, CP_MBOX_EV_DOWN);
}

void
cp_mbox_detach(struct cp_mbox *m)
{
	if (m->state == CP_MBOX_DETACHED)
		return;
	go_down(m, "detaching");
	sn_shm_detach(&m->shm);
	m->state = CP_MBOX_DETACHED;
	m->gen = 0;
	m->cnt[CP_CNT_DETACHES]++;
}

/* Liveness of an attached dataplane: state RUNNING and its pid exists. */
static bool
dp_running(struct cp_mbox *m)
{
	uint32_t st = __atomic_load_n(&m->shm.hdr->dp_state, __ATOMIC_ACQUIRE);

	m->dp_alive = pid_alive(m->shm.hdr->dp_pid);
	return st == SN_DP_RUNNING && m->dp_alive;
}

static void
try_attach(struct cp_mbox *m, uint64_t now_ns)
{
	struct cp_mbox_rec hello;
	struct stat st;
	int ret;

	ret = sn_shm_attach(&m->shm, m->path);
	if (ret != 0) {
		if (ret != m->last_err) {
			if (ret == -ENOENT || ret == -EAGAIN)
				CP_INFO("waiting for the dataplane (%s: %s)", m->path,
					ret == -ENOENT ? "absent" : "not ready");
			else
				CP_WARN("cannot attach %s: %s", m->path, strerror(-ret));
		}
		m->last_err = ret;
		return;
	}
	m->last_err = 0;
	if (fstat(m->shm.fd, &st) == 0) {
		m->dev = st.st_dev;
		m->ino = st.st_ino;
	}
	m->gen = sn_shm_generation(&m->shm);
	m->attached_ns = now_ns;
	m->cnt[CP_CNT_ATTACHES]++;
	cp_fifo_clear(&m->pending);
	cp_fifo_clear(&m->inflight);
	if (!dp_running(m)) {
		m->state = CP_MBOX_DOWN;
		CP_WARN("attached %s (generation %#" PRIx64 ") but the dataplane is %s (pid %u)",
			m->path, m->gen, m->dp_alive ? "not running" : "gone", m->shm.hdr->dp_pid);
		return;
	}
	m->state = CP_MBOX_SYNCING;
	CP_INFO("attached %s: generation %#" PRIx64 ", dataplane pid %u, %u session slots, "
		"command ring %u, completion ring %u",
		m->path, m->gen, m->shm.hdr->dp_pid, m->shm.hdr->max_sessions,
		m->shm.hdr->cmd_slots, m->shm.hdr->cpl_slots);
	memset(&hello, 0, sizeof(hello));
	hello.type = SN_CMD_HELLO;
	cp_fifo_push(&m->pending, &hello);
	m->hello_seq = m->next_seq; /* the HELLO is the first record flushed */
	m->ops->event(m->arg, CP_MBOX_EV_ATTACHED);
}

/* Re-check the file, the generation and the dataplane's liveness. */
static void
check_region(struct cp_mbox *m, uint64_t now_ns, bool periodic)
{
	struct stat st;
	bool gone;

	if (sn_shm_generation(&m->shm) != m->gen) {
		CP_INFO("dataplane generation changed (%#" PRIx64 " -> %#" PRIx64 ")", m->gen,
			sn_shm_generation(&m->shm));
		cp_mbox_detach(m);
		try_attach(m, now_ns);
		return;
	}
	if (!periodic)
		return;
	gone = stat(m->path, &st) != 0;
	if (gone || st.st_ino != m->ino || st.st_dev != m->dev) {
		CP_INFO("%s %s: re-attaching", m->path, gone ? "removed" : "replaced");
		cp_mbox_detach(m);
		try_attach(m, now_ns);
		return;
	}
	if (m->state != CP_MBOX_DOWN && !dp_running(m))
		go_down(m, m->dp_alive ? "state stopped" : "process gone");
}

int
cp_mbox_submit(struct cp_mbox *m, uint16_t type, uint32_t flow_id)
{
	struct cp_mbox_rec r = {.type = type, .flow_id = flow_id};

	return cp_fifo_push(&m->pending, &r);
}

int
cp_mbox_submit_sub(struct cp_mbox *m, uint16_t type, uint32_t flow_id, uint8_t sub)
{
	struct cp_mbox_rec r = {.type = type, .flow_id = flow_id, .sub = sub};

	return cp_fifo_push(&m->pending, &r);
}

int
cp_mbox_flush(struct cp_mbox *m)
{
	struct cp_mbox_rec *r;
	struct sn_cmd *c;
	int moved = 0;

	if (m->state != CP_MBOX_SYNCING && m->state != CP_MBOX_READY)
		return 0;
	while (cp_fifo_len(&m->pending) != 0) {
		c = sn_ring_prod_slot(m->shm.cmd);
		if (c == NULL) {
			/* Back-pressure: everything queued now waits for the next poll. */
			m->cnt[CP_CNT_CMD_RING_FULL]++;
			m->deferred_mark = m->pending.head;
			break;
		}
		r = cp_fifo_at(&m->pending, 0);
		memset(c, 0, sizeof(*c));
		c->version = SN_ABI_VERSION;
		c->type = r->type;
		c->flow_id = r->flow_id;
		c->generation = m->gen;
		if (r->type == SN_CMD_SESSION_ADD) {
			if (m->ops->build_add(m->arg, r->flow_id, &c->u.session) != 0) {
				cp_fifo_pop(&m->pending); /* session gone meanwhile */
				continue;
			}
			c->len = sizeof(c->u.session);
		} else if (r->type >= SN_CMD_ALLOC_SET && r->type <= SN_CMD_CHAN_SET) {
			int len = m->ops->build_turn != NULL
					  ? m->ops->build_turn(m->arg, r->type, r->flow_id, r->sub, c)
					  : -EOPNOTSUPP;

			if (len < 0) {
				/* allocation gone meanwhile: the owner counts it as answered */
				struct cp_mbox_rec gone = *r;

				cp_fifo_pop(&m->pending);
				m->ops->result(m->arg, gone.type, gone.flow_id, -ECANCELED);
				continue;
			}
			c->len = (uint16_t)len;
		}
		r->seq = m->next_seq++;
		c->seq = r->seq;
		sn_ring_prod_commit(m->shm.cmd);
		cp_fifo_push(&m->inflight, r);
		if (m->pending.tail < m->deferred_mark)
			m->cnt[CP_CNT_CMDS_RETRIED]++;
		cp_fifo_pop(&m->pending);
		m->cnt[CP_CNT_CMDS_SENT]++;
		moved++;
	}
	return moved;
}

/* Find and retire the in-flight record of seq.  false: unknown seq. */
static bool
retire(struct cp_mbox *m, uint32_t seq, struct cp_mbox_rec *out)
{
	size_t n = cp_fifo_len(&m->inflight), i;
	struct cp_mbox_rec *r;

	for (i = 0; i < n; i++) {
		r = cp_fifo_at(&m->inflight, i);
		if (r->seq == seq && !r->done)
			break;
	}
	if (i == n)
		return false;
	*out = *r;
	r->done = 1;
	/* Completions normally come in order: pop every answered record in front. */
	while (cp_fifo_len(&m->inflight) != 0 &&
		((struct cp_mbox_rec *)cp_fifo_at(&m->inflight, 0))->done)
		cp_fifo_pop(&m->inflight);
	return true;
}

int
cp_mbox_drain(struct cp_mbox *m)
{
	struct cp_mbox_rec r;
	const void *slot;
	struct sn_cpl c;
	int n = 0;

	if (m->state != CP_MBOX_SYNCING && m->state != CP_MBOX_READY)
		return 0;
	while ((slot = sn_ring_cons_slot(m->shm.cpl)) != NULL) {
		memcpy(&c, slot, sizeof(c));
		sn_ring_cons_release(m->shm.cpl);
		n++;
		if (c.version != SN_ABI_VERSION) {
			m->cnt[CP_CNT_CPL_BAD]++;
			continue;
		}
		switch (c.type) {
		case SN_CPL_RESULT:
			if (!retire(m, c.seq, &r)) {
				m->cnt[CP_CNT_CPL_UNKNOWN]++;
				break;
			}
			if (r.type == SN_CMD_HELLO) {
				if (m->state == CP_MBOX_SYNCING && r.seq == m->hello_seq) {
					m->state = CP_MBOX_READY;
					m->ops->event(m->arg, CP_MBOX_EV_SYNCED);
				}
				break;
			}
			m->cnt[c.status == 0 ? CP_CNT_CMDS_OK : CP_CNT_CMDS_FAILED]++;
			m->ops->result(m->arg, r.type, r.flow_id, c.status);
			break;
		case SN_EVT_LATCHED:
			m->ops->latched(m->arg, &c);
			break;
		default:
			m->cnt[CP_CNT_CPL_BAD]++;
			break;
		}
		/* An owner callback may have detached us. */
		if (m->state != CP_MBOX_SYNCING && m->state != CP_MBOX_READY)
			break;
	}
	return n;
}

int
cp_mbox_poll(struct cp_mbox *m, uint64_t now_ns)
{
	bool periodic = now_ns >= m->next_check_ns;
	int n;

	if (periodic)
		m->next_check_ns = now_ns + CP_MBOX_RETRY_MS * NS_PER_MS;
	if (m->state == CP_MBOX_DETACHED) {
		if (!periodic)
			return 0;
		try_attach(m, now_ns);
		if (m->state == CP_MBOX_DETACHED)
			return 0;
	} else {
		check_region(m, now_ns, periodic);
	}
	n = cp_mbox_drain(m);
	n += cp_mbox_flush(m);
	return n;
}
