/* SPDX-License-Identifier: BSD-3-Clause */
/* The control engine: sessions + mailbox + waiting admin requests (see cp_core.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_core.h"
#include "cp_csv.h"
#include "cp_json.h"
#include "cp_log.h"
#include "cp_turn.h"
#include "sn_addr.h"

#define NS_PER_S	    UINT64_C(1000000000)
#define NS_PER_MS	    UINT64_C(1000000)
#define CP_POLL_BUSY_MS	    1  /* commands outstanding: poll completions often */
#define CP_POLL_IDLE_MS	    20 /* attached, nothing outstanding: latch events */
#define CP_POLL_DETACHED_MS CP_MBOX_RETRY_MS
#define CP_ADOPT_LOG_MAX    10	/* adoption failures logged individually */
#define CP_SYNC_WAIT_MS	    500 /* an add waits this long for a HELLO in flight */
#define CP_SYNC_NAP_US	    200

uint64_t
cp_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ----------------------------------------------------------- replies */

void
cp_core_reply(struct cp_core *c, uint64_t conn_id, json_t *req_id, json_t *reply)
{
	char *text;

	if (req_id != NULL)
		json_object_set(reply, "tag", req_id);
	text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (text == NULL) {
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (text == NULL)
			return;
	}
	c->reply(c->reply_arg, conn_id, text, strlen(text));
}

/* ----------------------------------------------------------- waiters */

static struct cp_waiter *
waiter_new(struct cp_core *c, enum cp_waiter_kind kind, uint64_t conn_id, json_t *req_id,
	unsigned timeout_ms)
{
	struct cp_waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->kind = kind;
	w->conn_id = conn_id;
	w->req_id = req_id != NULL ? json_incref(req_id) : NULL;
	w->first_id = -1;
	w->t_start_ns = c->now_ns();
	w->deadline_ns = w->t_start_ns + (uint64_t)timeout_ms * NS_PER_MS;
	w->next = c->waiters;
	if (c->waiters != NULL)
		c->waiters->prev = w;
	c->waiters = w;
	return w;
}

static void
waiter_free(struct cp_core *c, struct cp_waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		c->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	json_decref(w->req_id);
	json_decref(w->session);
	json_decref(w->errors);
	free(w);
}

static double
waiter_seconds(const struct cp_waiter *w)
{
	uint64_t t0 = w->t_first_ns != 0 ? w->t_first_ns : w->t_start_ns;
	uint64_t t1 = w->t_last_ns > t0 ? w->t_last_ns : t0;

	return (double)(t1 - t0) / NS_PER_S;
}

static json_t *
waiter_result(struct cp_core *c, struct cp_waiter *w, bool early)
{
	json_t *r;

	switch (w->kind) {
	case CP_W_ADD:
		if (w->failed == 0 && w->session != NULL)
			return json_pack("{s:b, s:O}", "ok", 1, "session", w->session);
		return json_pack("{s:b, s:s}", "ok", 0, "error", w->error);
	case CP_W_DEL:
	case CP_W_FLUSH:
		r = json_pack("{s:b, s:I, s:I}", "ok",
			w->failed == 0 && !early &&
				(w->errors == NULL || json_array_size(w->errors) == 0),
			"deleted", (json_int_t)w->ok, "failed", (json_int_t)w->failed);
		if (w->kind == CP_W_DEL)
			json_object_set_new(r, "not_found",
				w->errors != NULL ? json_incref(w->errors) : json_array());
		if (w->error[0] != '\0')
			json_object_set_new(r, "error", json_string(w->error));
		else if (w->errors != NULL && json_array_size(w->errors) != 0)
			json_object_set_new(r, "error",
				json_sprintf("no session %" JSON_INTEGER_FORMAT,
					json_integer_value(json_array_get(w->errors, 0))));
		return r;
	case CP_W_LOAD:
		r = json_pack("{s:b, s:I, s:I, s:f}", "ok", !early, "added", (json_int_t)w->ok,
			"failed", (json_int_t)w->failed, "seconds", waiter_seconds(w));
		json_object_set_new(
			r, "first_id", w->first_id >= 0 ? json_integer(w->first_id) : json_null());
		if (w->ok != 0 && waiter_seconds(w) > 0)
			json_object_set_new(
				r, "sessions_per_s", json_real((double)w->ok / waiter_seconds(w)));
		json_object_set_new(
			r, "errors", w->errors != NULL ? json_incref(w->errors) : json_array());
		if (early)
			json_object_set_new(r, "error", json_string(w->error));
		return r;
	}
	return json_pack("{s:b, s:s}", "ok", 0, "error", "internal error");
}

/* Answer and free the waiter once it is sealed and nothing is outstanding. */
static void
waiter_check(struct cp_core *c, struct cp_waiter *w)
{
	if (!w->sealed || w->outstanding != 0)
		return;
	if (!w->replied) {
		cp_core_reply(c, w->conn_id, w->req_id, waiter_result(c, w, false));
		w->replied = true;
	}
	waiter_free(c, w);
}

/* One session of w is settled: ok, or failed with msg. */
static void
waiter_settle(struct cp_core *c, struct cp_waiter *w, const struct cp_session *sess, bool ok,
	const char *msg)
{
	if (w == NULL)
		return;
	if (ok) {
		w->ok++;
		if (w->kind == CP_W_ADD && sess != NULL && w->session == NULL)
			w->session = cp_json_session(c, sess);
	} else {
		w->failed++;
		if (w->error[0] == '\0')
			snprintf(w->error, sizeof(w->error), "%s", msg);
		if (w->kind == CP_W_LOAD && json_array_size(w->errors) < CP_LOAD_MAX_ERRORS)
			json_array_append_new(w->errors, json_string(msg));
	}
	w->t_last_ns = c->now_ns();
	w->outstanding--;
	waiter_check(c, w);
}

static void
settle_add(struct cp_core *c, struct cp_session *sess, bool ok, const char *msg)
{
	struct cp_waiter *w = sess->add_waiter;

	sess->add_waiter = NULL;
	waiter_settle(c, w, sess, ok, msg);
}

static void
settle_del(struct cp_core *c, struct cp_session *sess, bool ok, const char *msg)
{
	struct cp_waiter *w = sess->del_waiter;

	sess->del_waiter = NULL;
	waiter_settle(c, w, sess, ok, msg);
}

/* ---------------------------------------------------------- sessions */

static void
replay_done(struct cp_core *c, struct cp_session *sess)
{
	uint64_t ms;

	if (!(sess->flags & CP_SESS_F_REPLAY))
		return;
	sess->flags &= ~CP_SESS_F_REPLAY;
	if (c->replay_outstanding == 0 || --c->replay_outstanding != 0)
		return;
	ms = (c->now_ns() - c->replay_t0_ns) / NS_PER_MS;
	c->last_replay_ms = ms;
	if (ms > c->cfg.cp.replay_timeout_ms)
		CP_WARN("replayed %" PRIu32 " sessions to generation %#" PRIx64 " in %" PRIu64
			" ms (over replay_timeout_ms %u)",
			c->replay_total, c->replay_gen, ms, c->cfg.cp.replay_timeout_ms);
	else
		CP_INFO("replayed %" PRIu32 " sessions to generation %#" PRIx64 " in %" PRIu64
			" ms",
			c->replay_total, c->replay_gen, ms);
}

/* Remove a session whose deletion is complete (or moot). */
static void
session_free(struct cp_core *c, struct cp_session *sess)
{
	if (sess->flags & CP_SESS_F_DEL_RETRY)
		c->del_retry--;
	replay_done(c, sess);
	c->cnt[CP_CNT_SESSIONS_DELETED]++;
	cp_sessions_remove(&c->sess, sess);
}

/*
 * Start deleting sess on behalf of w (may be NULL).  Without a live
 * dataplane there is nothing to program: the session is freed now.
 */
static void
session_delete(struct cp_core *c, struct cp_session *sess, struct cp_waiter *w)
{
	bool dp_up = c->mbox.state == CP_MBOX_READY || c->mbox.state == CP_MBOX_SYNCING;

	if (sess->state == CP_SESS_DELETING) {
		if (w == NULL || sess->del_waiter == w)
			return; /* nothing to add, or the same id twice in one request */
		if (sess->del_waiter == NULL) {
			sess->del_waiter = w;
			w->outstanding++;
		} else {
			w->ok++; /* already being deleted for another request */
		}
		return;
	}
	if (sess->add_waiter != NULL)
		settle_add(c, sess, false, "session deleted before the dataplane confirmed it");
	if (!dp_up) {
		if (w != NULL)
			w->ok++;
		session_free(c, sess);
		return;
	}
	replay_done(c, sess);
	cp_sessions_set_state(&c->sess, sess, CP_SESS_DELETING);
	if (w != NULL) {
		sess->del_waiter = w;
		w->outstanding++;
	}
	cp_mbox_submit(&c->mbox, SN_CMD_SESSION_DEL, sess->id);
}

const struct sn_session *
cp_core_slot(const struct cp_core *c, uint32_t id)
{
	const struct sn_session *slot;

	if (c->mbox.state == CP_MBOX_DETACHED || id >= c->mbox.shm.hdr->max_sessions)
		return NULL;
	slot = &c->mbox.shm.sessions[id];
	if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SN_SESS_ACTIVE ||
		slot->flow_id != id)
		return NULL;
	return slot;
}

bool
cp_core_dp_ready(const struct cp_core *c, const char **why)
{
	static const char *const reasons[] = {
		[CP_MBOX_DETACHED] = "dataplane not running (no shared memory)",
		[CP_MBOX_SYNCING] = "dataplane synchronising, retry",
		[CP_MBOX_READY] = "ready",
		[CP_MBOX_DOWN] = "dataplane stopped",
	};

	if (why != NULL)
		*why = reasons[c->mbox.state];
	return c->mbox.state == CP_MBOX_READY;
}

/* ------------------------------------------------- mailbox callbacks */

static int
mb_build_add(void *arg, uint32_t flow_id, struct sn_cmd_session *spec)
{
	struct cp_core *c = arg;
	struct cp_session *sess = cp_sessions_find(&c->sess, flow_id);

	if (sess == NULL || sess->state == CP_SESS_DELETING)
		return -ENOENT;
	if (sess->add_waiter != NULL && sess->add_waiter->t_first_ns == 0)
		sess->add_waiter->t_first_ns = c->now_ns();
	cp_session_to_cmd(sess, spec);
	return 0;
}

static int
mb_build_turn(void *arg, uint16_t type, uint32_t flow_id, uint8_t sub, struct sn_cmd *cmd)
{
	struct cp_core *c = arg;

	return c->turn != NULL ? cp_turn_build_cmd(c->turn, type, flow_id, sub, cmd) : -ENOENT;
}

static void
mb_result(void *arg, uint16_t type, uint32_t flow_id, int32_t status)
{
	struct cp_core *c = arg;
	struct cp_session *sess;
	char msg[CP_ERR_LEN];
	bool replayed;

	if (type >= SN_CMD_ALLOC_SET && type <= SN_CMD_CHAN_SET) {
		if (c->turn != NULL)
			cp_turn_result(c->turn, type, flow_id, status);
		return;
	}
	sess = cp_sessions_find(&c->sess, flow_id);
	if (sess == NULL)
		return;
	if (type == SN_CMD_SESSION_ADD) {
		replayed = (sess->flags & CP_SESS_F_REPLAY) != 0;
		replay_done(c, sess);
		if (sess->state == CP_SESS_DELETING)
			return; /* its DEL follows */
		if (status != 0) {
			snprintf(msg, sizeof(msg), "dataplane refused session %" PRIu32 ": %s",
				flow_id, strerror(-status));
			if (replayed || sess->state == CP_SESS_ACTIVE) {
				c->cnt[CP_CNT_REPLAY_FAILED]++;
				CP_WARN("%s (replay): session dropped", msg);
			}
			settle_add(c, sess, false, msg);
			session_free(c, sess);
			return;
		}
		if (sess->state == CP_SESS_PENDING) {
			cp_sessions_set_state(&c->sess, sess, CP_SESS_ACTIVE);
			c->cnt[CP_CNT_SESSIONS_ADDED]++;
			settle_add(c, sess, true, NULL);
		}
		return;
	}
	if (type != SN_CMD_SESSION_DEL || sess->state != CP_SESS_DELETING)
		return;
	if (status != 0 && status != -ENOENT) {
		snprintf(msg, sizeof(msg), "dataplane refused to delete session %" PRIu32 ": %s",
			flow_id, strerror(-status));
		CP_WARN("%s (retrying)", msg);
		settle_del(c, sess, false, msg);
		if (!(sess->flags & CP_SESS_F_DEL_RETRY)) {
			sess->flags |= CP_SESS_F_DEL_RETRY;
			c->del_retry++;
		}
		return;
	}
	settle_del(c, sess, true, NULL);
	session_free(c, sess);
}

static void
mb_latched(void *arg, const struct sn_cpl *evt)
{
	struct cp_core *c = arg;
	struct cp_session *sess = cp_sessions_find(&c->sess, evt->flow_id);
	char ep[SN_ENDPOINT_STRLEN];
	struct cp_leg *l;

	if (sess == NULL || evt->leg > 1 || evt->addr.family != sess->family)
		return;
	l = &sess->leg[evt->leg];
	l->remote = evt->addr;
	l->remote_port = ntohs(evt->port);
	l->flags |= SN_LEG_LATCHED;
	c->cnt[CP_CNT_LATCHED]++;
	CP_DEBUG("session %" PRIu32 " leg %s latched to %s", sess->id, cp_leg_name(evt->leg),
		sn_endpoint_fmt(&l->remote, l->remote_port, ep, sizeof(ep)));
}

/* A new mapping: replay every session control holds. */
static void
on_attached(struct cp_core *c)
{
	struct cds_lfht_iter it;
	struct cp_session *sess;

	c->replay_t0_ns = c->now_ns();
	c->replay_total = 0;
	if (c->turn != NULL)
		cp_turn_mbox_reset(c->turn); /* the queues were reset */
	rcu_read_lock();
	CP_SESSIONS_FOREACH(&c->sess, it, sess)
	{
		if (sess->state == CP_SESS_DELETING) {
			/* A new dataplane has no such session: the delete is done. */
			settle_del(c, sess, true, NULL);
			session_free(c, sess);
			continue;
		}
		sess->flags |= CP_SESS_F_REPLAY;
		sess->idle_base_ns = c->replay_t0_ns;
		cp_mbox_submit(&c->mbox, SN_CMD_SESSION_ADD, sess->id);
		c->replay_total++;
	}
	rcu_read_unlock();
	c->replay_outstanding = c->replay_total;
	c->replay_gen = c->mbox.gen;
	if (c->turn != NULL)
		cp_turn_replay(c->turn);
	if (c->replay_total != 0) {
		c->cnt[CP_CNT_REPLAYS]++;
		c->cnt[CP_CNT_SESSIONS_REPLAYED] += c->replay_total;
		CP_INFO("replaying %" PRIu32 " sessions to generation %#" PRIx64, c->replay_total,
			c->mbox.gen);
	}
}

/* Synchronised: adopt the ACTIVE slots control does not know (fail-static reconcile). */
static void
on_synced(struct cp_core *c)
{
	const struct sn_shm *shm = &c->mbox.shm;
	uint32_t max = shm->hdr->max_sessions, id, adopted = 0, failed = 0, seen = 0;
	char err[CP_ERR_LEN];
	struct sn_session slot;
	int ret;

	for (id = 0; id < max; id++) {
		const struct sn_session *sl = &shm->sessions[id];

		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SN_SESS_ACTIVE)
			continue;
		seen++;
		memcpy(&slot, sl, sizeof(slot));
		if (cp_sessions_find(&c->sess, id) != NULL)
			continue;
		err[0] = '\0';
		ret = cp_sessions_adopt(&c->sess, &slot, id, c->now_ns(), err, sizeof(err));
		if (ret == 0) {
			adopted++;
			continue;
		}
		/* Not representable: remove it so the dataplane matches control. */
		failed++;
		if (failed <= CP_ADOPT_LOG_MAX)
			CP_WARN("cannot adopt flow %" PRIu32 ": %s (%s); deleting it", id,
				err[0] != '\0' ? err : strerror(-ret), strerror(-ret));
		cp_mbox_submit(&c->mbox, SN_CMD_SESSION_DEL, id);
	}
	cp_sessions_rebuild_free(&c->sess);
	if (c->turn != NULL && shm->allocs != NULL)
		cp_turn_adopt(c->turn, shm->allocs, shm->hdr->max_allocs, c->now_ns());
	c->cnt[CP_CNT_ADOPTIONS]++;
	c->cnt[CP_CNT_SESSIONS_ADOPTED] += adopted;
	c->cnt[CP_CNT_ADOPT_FAILED] += failed;
	if (!c->adopted_once || adopted != 0 || failed != 0)
		CP_INFO("adopted %" PRIu32 " sessions (generation %#" PRIx64 ", %" PRIu32
			" active slots, %" PRIu32 " not adoptable)",
			adopted, c->mbox.gen, seen, failed);
	c->adopted_once = true;
	cp_mbox_flush(&c->mbox);
}

/* The dataplane went away: unconfirmed adds fail, pending deletes are done. */
static void
on_down(struct cp_core *c)
{
	struct cds_lfht_iter it;
	struct cp_session *sess;

	if (c->turn != NULL)
		cp_turn_mbox_reset(c->turn);

	rcu_read_lock();
	CP_SESSIONS_FOREACH(&c->sess, it, sess)
	{
		if (sess->state == CP_SESS_PENDING) {
			settle_add(c, sess, false,
				"dataplane went down before confirming the session");
			session_free(c, sess);
		} else if (sess->state == CP_SESS_DELETING) {
			settle_del(c, sess, true, NULL);
			session_free(c, sess);
		} else {
			replay_done(c, sess);
		}
	}
	rcu_read_unlock();
	c->replay_outstanding = 0;
}

static void
mb_event(void *arg, enum cp_mbox_event ev)
{
	struct cp_core *c = arg;

	switch (ev) {
	case CP_MBOX_EV_ATTACHED:
		on_attached(c);
		break;
	case CP_MBOX_EV_SYNCED:
		on_synced(c);
		break;
	case CP_MBOX_EV_DOWN:
		on_down(c);
		break;
	}
}

static const struct cp_mbox_ops cp_core_mbox_ops = {
	.build_add = mb_build_add,
	.build_turn = mb_build_turn,
	.result = mb_result,
	.latched = mb_latched,
	.event = mb_event,
};

/* ------------------------------------------------------------ engine */

int
cp_core_init(struct cp_core *c, const struct sn_config *cfg, cp_clock_fn now, cp_reply_fn reply,
	void *reply_arg)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->now_ns = now != NULL ? now : cp_clock_monotonic;
	c->reply = reply;
	c->reply_arg = reply_arg;
	c->start_ns = c->now_ns();
	ret = cp_sessions_init(&c->sess, cfg);
	if (ret != 0)
		return ret;
	ret = cp_mbox_init(&c->mbox, cfg->dp.shm_path, &cp_core_mbox_ops, c, c->cnt);
	if (ret != 0) {
		cp_sessions_fini(&c->sess);
		return ret;
	}
	return 0;
}

void
cp_core_fini(struct cp_core *c)
{
	/* Fail static: nothing is sent to the dataplane on exit. */
	while (c->waiters != NULL)
		waiter_free(c, c->waiters);
	cp_mbox_fini(&c->mbox);
	cp_sessions_fini(&c->sess);
}

int
cp_core_poll(struct cp_core *c)
{
	return cp_mbox_poll(&c->mbox, c->now_ns());
}

int
cp_core_poll_timeout_ms(const struct cp_core *c)
{
	if (c->mbox.state == CP_MBOX_DETACHED || c->mbox.state == CP_MBOX_DOWN)
		return CP_POLL_DETACHED_MS;
	if (cp_mbox_outstanding(&c->mbox) != 0)
		return CP_POLL_BUSY_MS;
	return CP_POLL_IDLE_MS;
}

unsigned
cp_core_expire_idle(struct cp_core *c)
{
	const struct sn_shm *shm = &c->mbox.shm;
	uint64_t now_tsc, tsc_hz, now = c->now_ns(), last, idle;
	struct cds_lfht_iter it;
	struct cp_session *sess;
	unsigned n = 0;

	if (c->cfg.cp.idle_timeout_s == 0 || !cp_mbox_ready(&c->mbox) || c->sess.count == 0)
		return 0; /* (walking an empty 1M-bucket table every second is not free) */
	now_tsc = __atomic_load_n(&shm->hdr->now_tsc, __ATOMIC_ACQUIRE);
	tsc_hz = shm->hdr->tsc_hz;
	rcu_read_lock();
	CP_SESSIONS_FOREACH(&c->sess, it, sess)
	{
		const struct sn_session *slot;

		if (sess->state != CP_SESS_ACTIVE)
			continue;
		slot = cp_core_slot(c, sess->id);
		last = slot != NULL ? __atomic_load_n(&slot->last_seen_tsc, __ATOMIC_RELAXED) : 0;
		idle = cp_session_idle_s(sess, now, last, now_tsc, tsc_hz);
		if (idle < c->cfg.cp.idle_timeout_s)
			continue;
		CP_DEBUG("session %" PRIu32 " idle for %" PRIu64 " s: deleting", sess->id, idle);
		session_delete(c, sess, NULL);
		n++;
	}
	rcu_read_unlock();
	if (n != 0) {
		c->cnt[CP_CNT_IDLE_EXPIRED] += n;
		CP_INFO("expired %u idle sessions (idle_timeout_s %u)", n,
			c->cfg.cp.idle_timeout_s);
		cp_mbox_flush(&c->mbox);
	}
	return n;
}

/* Resend deletes the dataplane refused. */
static void
retry_deletes(struct cp_core *c)
{
	struct cds_lfht_iter it;
	struct cp_session *sess;

	if (c->del_retry == 0 || !cp_mbox_ready(&c->mbox))
		return;
	rcu_read_lock();
	CP_SESSIONS_FOREACH(&c->sess, it, sess)
	{
		if (!(sess->flags & CP_SESS_F_DEL_RETRY))
			continue;
		sess->flags &= ~CP_SESS_F_DEL_RETRY;
		c->del_retry--;
		cp_mbox_submit(&c->mbox, SN_CMD_SESSION_DEL, sess->id);
	}
	rcu_read_unlock();
}

/* Answer requests the dataplane is too slow for (they stay registered). */
static void
check_deadlines(struct cp_core *c)
{
	uint64_t now = c->now_ns();
	struct cp_waiter *w;

	for (w = c->waiters; w != NULL; w = w->next) {
		if (w->replied || !w->sealed || now < w->deadline_ns)
			continue;
		if (w->error[0] == '\0')
			snprintf(w->error, sizeof(w->error),
				"timed out waiting for the dataplane "
				"(%" PRIu32 " outstanding; %s)",
				w->outstanding,
				w->kind == CP_W_ADD ? "the session stays pending"
						    : "still in progress");
		c->cnt[CP_CNT_ADMIN_TIMEOUTS]++;
		if (w->kind == CP_W_ADD)
			w->failed++;
		cp_core_reply(c, w->conn_id, w->req_id, waiter_result(c, w, true));
		w->replied = true;
	}
}

/* Take a rate sample of ports and lcores. */
static void
sample(struct cp_core *c)
{
	struct cp_sampler *sp = &c->sampler;
	const struct sn_shm *shm = &c->mbox.shm;
	uint64_t now = c->now_ns();
	struct sn_lcore_stats ls;
	double dt;
	unsigned i;

	if (c->mbox.state == CP_MBOX_DETACHED) {
		memset(sp, 0, sizeof(*sp));
		return;
	}
	if (sp->gen != c->mbox.gen) {
		memset(sp, 0, sizeof(*sp));
		sp->gen = c->mbox.gen;
	}
	dt = sp->t_ns != 0 && now > sp->t_ns ? (double)(now - sp->t_ns) / NS_PER_S : 0;
	for (i = 0; i < SN_MAX_PORTS && i < shm->hdr->n_ports; i++) {
		const struct sn_port_info *pi = &shm->hdr->ports[i];
		struct cp_port_rate *r = &sp->port[i];
		uint64_t ip = pi->ipackets, ib = pi->ibytes, op = pi->opackets, ob = pi->obytes;

		if (dt > 0) {
			r->rx_pps = ip >= r->ipackets ? (double)(ip - r->ipackets) / dt : 0;
			r->rx_bps = ib >= r->ibytes ? (double)(ib - r->ibytes) * 8 / dt : 0;
			r->tx_pps = op >= r->opackets ? (double)(op - r->opackets) / dt : 0;
			r->tx_bps = ob >= r->obytes ? (double)(ob - r->obytes) * 8 / dt : 0;
		}
		r->ipackets = ip;
		r->ibytes = ib;
		r->opackets = op;
		r->obytes = ob;
	}
	for (i = 0; i < SN_MAX_LCORES && i < shm->hdr->n_lcores; i++) {
		struct cp_lcore_rate *r = &sp->lcore[i];
		uint64_t rx, tx;

		if (sn_shm_read_lcore(shm, i, &ls) != 0)
			continue;
		rx = ls.cnt[SN_CNT_EVENT(SN_EV_RX_PKTS)];
		tx = ls.cnt[SN_CNT_EVENT(SN_EV_TX_PKTS)];
		if (dt > 0) {
			r->rx_pps = rx >= r->rx_pkts ? (double)(rx - r->rx_pkts) / dt : 0;
			r->tx_pps = tx >= r->tx_pkts ? (double)(tx - r->tx_pkts) / dt : 0;
			r->busy_pct = shm->hdr->tsc_hz != 0 && ls.cycles_busy >= r->cycles_busy
					      ? 100.0 * (double)(ls.cycles_busy - r->cycles_busy) /
							((double)shm->hdr->tsc_hz * dt)
					      : 0;
			if (r->busy_pct > 100.0)
				r->busy_pct = 100.0;
		}
		r->rx_pkts = rx;
		r->tx_pkts = tx;
		r->cycles_busy = ls.cycles_busy;
	}
	sp->t_ns = now;
}

void
cp_core_tick(struct cp_core *c)
{
	sample(c);
	cp_core_expire_idle(c);
	retry_deletes(c);
	check_deadlines(c);
	if (c->turn != NULL)
		cp_turn_tick(c->turn, c->now_ns());
	cp_mbox_flush(&c->mbox);
}

/* -------------------------------------------------- admin operations */

/*
 * Right after an attach the HELLO round trip (and adoption) is still in
 * flight; an add then waits for it briefly (wall clock, bounded) instead of
 * failing, so "status shows a generation" is enough for scripts to go on.
 */
static bool
dp_ready_wait(struct cp_core *c, const char **why)
{
	uint64_t deadline = cp_clock_monotonic() + CP_SYNC_WAIT_MS * NS_PER_MS;
	const struct timespec nap = {0, CP_SYNC_NAP_US * 1000};

	while (c->mbox.state == CP_MBOX_SYNCING && cp_clock_monotonic() < deadline) {
		if (cp_mbox_poll(&c->mbox, c->now_ns()) == 0)
			nanosleep(&nap, NULL);
	}
	return cp_core_dp_ready(c, why);
}

int
cp_core_add(struct cp_core *c, const struct cp_session_spec *spec, uint64_t conn_id, json_t *req_id,
	char *err, size_t errlen)
{
	struct cp_session *sess;
	struct cp_waiter *w;
	const char *why;
	int ret;

	if (!dp_ready_wait(c, &why)) {
		snprintf(err, errlen, "%s", why);
		return -EAGAIN;
	}
	ret = cp_sessions_create(&c->sess, spec, c->now_ns(), &sess, err, errlen);
	if (ret != 0)
		return ret;
	w = waiter_new(c, CP_W_ADD, conn_id, req_id, CP_ADD_TIMEOUT_MS);
	if (w == NULL) {
		cp_sessions_remove(&c->sess, sess);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->first_id = sess->id;
	w->outstanding = 1;
	w->sealed = true;
	sess->add_waiter = w;
	cp_mbox_submit(&c->mbox, SN_CMD_SESSION_ADD, sess->id);
	cp_mbox_flush(&c->mbox);
	return 0;
}

/* qsort comparator for flow ids. */
static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int
cp_core_del(struct cp_core *c, const uint32_t *ids, size_t n, uint64_t conn_id, json_t *req_id,
	char *err, size_t errlen)
{
	struct cp_session *sess;
	struct cp_waiter *w;
	uint32_t *sorted;
	size_t i;

	w = waiter_new(c, CP_W_DEL, conn_id, req_id, CP_ADD_TIMEOUT_MS);
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->errors = json_array();
	/* Sorted copy: an id named twice is deleted once, with or without a dataplane. */
	sorted = malloc(n * sizeof(*sorted) + 1);
	if (sorted == NULL) {
		waiter_free(c, w);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(sorted, ids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	for (i = 0; i < n; i++) {
		if (i > 0 && sorted[i] == sorted[i - 1])
			continue;
		sess = cp_sessions_find(&c->sess, sorted[i]);
		if (sess == NULL) {
			json_array_append_new(w->errors, json_integer(sorted[i]));
			continue;
		}
		session_delete(c, sess, w);
	}
	free(sorted);
	w->sealed = true;
	cp_mbox_flush(&c->mbox);
	waiter_check(c, w);
	return 0;
}

int
cp_core_flush(struct cp_core *c, uint64_t conn_id, json_t *req_id, char *err, size_t errlen)
{
	struct cp_session **v;
	struct cp_waiter *w;
	size_t n, i;

	w = waiter_new(c, CP_W_FLUSH, conn_id, req_id, CP_BULK_TIMEOUT_MS);
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v = cp_sessions_snapshot(&c->sess, &n, false);
	for (i = 0; i < n; i++)
		session_delete(c, v[i], w);
	free(v);
	w->sealed = true;
	cp_mbox_flush(&c->mbox);
	waiter_check(c, w);
	return 0;
}

int
cp_core_load(struct cp_core *c, const char *path, uint64_t conn_id, json_t *req_id, char *err,
	size_t errlen)
{
	char msg[CP_ERR_LEN], *line = NULL;
	struct cp_session_spec spec;
	struct cp_session *sess;
	struct cp_waiter *w;
	unsigned lineno = 0, queued = 0;
	uint64_t t0 = c->now_ns();
	size_t cap = 0;
	const char *why;
	ssize_t len;
	FILE *f;
	int ret;

	if (!dp_ready_wait(c, &why)) {
		snprintf(err, errlen, "%s", why);
		return -EAGAIN;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	w = waiter_new(c, CP_W_LOAD, conn_id, req_id, CP_BULK_TIMEOUT_MS);
	if (w == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->errors = json_array();
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		ret = cp_csv_parse_line(line, lineno, &spec, msg, sizeof(msg));
		if (ret == 0)
			continue;
		if (ret > 0) {
			int n = snprintf(msg, sizeof(msg), "line %u: ", lineno);

			ret = cp_sessions_create(&c->sess, &spec, c->now_ns(), &sess, msg + n,
				sizeof(msg) - (size_t)n);
		}
		if (ret < 0) {
			w->failed++;
			if (json_array_size(w->errors) < CP_LOAD_MAX_ERRORS)
				json_array_append_new(w->errors, json_string(msg));
			continue;
		}
		if (w->first_id < 0)
			w->first_id = sess->id;
		sess->add_waiter = w;
		w->outstanding++;
		cp_mbox_submit(&c->mbox, SN_CMD_SESSION_ADD, sess->id);
		if (++queued % CP_LOAD_FLUSH_EVERY == 0)
			cp_mbox_poll(&c->mbox, c->now_ns()); /* start installing while parsing */
	}
	free(line);
	fclose(f);
	w->sealed = true;
	CP_INFO("sessions.load %s: %u lines, %u sessions queued, %" PRIu32
		" failed, read in %" PRIu64 " ms",
		path, lineno, queued, w->failed, (c->now_ns() - t0) / NS_PER_MS);
	cp_mbox_flush(&c->mbox);
	waiter_check(c, w);
	return 0;
}
