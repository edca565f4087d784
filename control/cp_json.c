/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON views of the control state for the admin protocol (see cp_json.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_json.h"
#include "cp_log.h"
#include "cp_turn.h"
#include "sn_addr.h"
#include "sn_shm.h"
#include "sn_ring.h"

#define NS_PER_S      1000000000ull
#define CP_MAC_STRLEN 18

#ifndef CP_VERSION
#define CP_VERSION "unknown"
#endif
#ifdef CP_HAVE_JEMALLOC
#define CP_ALLOCATOR "jemalloc"
#else
#define CP_ALLOCATOR "libc"
#endif

char *
cp_token_fmt(uint64_t token, char buf[CP_TOKEN_HEX])
{
	snprintf(buf, CP_TOKEN_HEX, "%016" PRIx64, token);
	return buf;
}

static const char *
sess_state_name(uint8_t st)
{
	switch (st) {
	case CP_SESS_PENDING:
		return "pending";
	case CP_SESS_ACTIVE:
		return "active";
	case CP_SESS_DELETING:
		return "deleting";
	}
	return "?";
}

static json_t *
leg_json(const struct cp_core *c, const struct cp_leg *l)
{
	char ep[SN_ENDPOINT_STRLEN];
	json_t *o = json_object();

	sn_endpoint_fmt(&c->sess.addrs[l->local_addr_idx], l->local_port, ep, sizeof(ep));
	json_object_set_new(o, "local", json_string(ep));
	if (l->remote.family != SN_FAM_NONE)
		json_object_set_new(o, "remote",
			json_string(sn_endpoint_fmt(&l->remote, l->remote_port, ep, sizeof(ep))));
	else
		json_object_set_new(o, "remote", json_null());
	json_object_set_new(o, "latched", json_boolean(l->flags & SN_LEG_LATCHED));
	json_object_set_new(o, "latch", json_boolean(l->flags & SN_LEG_LATCH));
	return o;
}

json_t *
cp_json_session(const struct cp_core *c, const struct cp_session *s)
{
	const struct sn_session *slot = cp_core_slot(c, s->id);
	uint64_t pkts[2] = {0, 0}, bytes[2] = {0, 0}, last = 0, idle;
	const struct sn_shm_hdr *h = c->mbox.shm.hdr;
	char tok[CP_TOKEN_HEX];
	uint32_t rl_drops = 0;
	json_t *o;
	unsigned i;

	if (slot != NULL) {
		for (i = 0; i < 2; i++) {
			pkts[i] = __atomic_load_n(&slot->pkts[i], __ATOMIC_RELAXED);
			bytes[i] = __atomic_load_n(&slot->bytes[i], __ATOMIC_RELAXED);
		}
		last = __atomic_load_n(&slot->last_seen_tsc, __ATOMIC_RELAXED);
		rl_drops = slot->rl_drops;
	}
	idle = cp_session_idle_s(s, c->now_ns(), last,
		h != NULL ? __atomic_load_n(&h->now_tsc, __ATOMIC_RELAXED) : 0,
		h != NULL ? h->tsc_hz : 0);
	o = json_object();
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "token", json_string(cp_token_fmt(s->token, tok)));
	json_object_set_new(o, "family", json_integer(s->family));
	json_object_set_new(o, "state", json_string(sess_state_name(s->state)));
	json_object_set_new(o, "a", leg_json(c, &s->leg[0]));
	json_object_set_new(o, "b", leg_json(c, &s->leg[1]));
	json_object_set_new(o, "rate_bytes_per_s", json_integer(s->rate_bytes_per_s));
	json_object_set_new(o, "burst_bytes", json_integer(s->burst_bytes));
	json_object_set_new(o, "pkts", json_pack("[II]", (json_int_t)pkts[0], (json_int_t)pkts[1]));
	json_object_set_new(
		o, "bytes", json_pack("[II]", (json_int_t)bytes[0], (json_int_t)bytes[1]));
	json_object_set_new(o, "rl_drops", json_integer(rl_drops));
	json_object_set_new(o, "idle_s", cp_json_u64(idle));
	json_object_set_new(o, "adopted", json_boolean(s->flags & CP_SESS_F_ADOPTED));
	return o;
}

char *
cp_json_list_text(struct cp_core *c, uint64_t offset, uint64_t limit, size_t *len)
{
	struct cp_session **v;
	size_t n, i, shown = 0;
	char *buf = NULL, *one;
	FILE *f;

	*len = 0;
	f = open_memstream(&buf, len);
	if (f == NULL)
		return NULL;
	v = cp_sessions_snapshot(&c->sess, &n, true);
	fprintf(f, "{\"ok\":true,\"total\":%zu,\"offset\":%" PRIu64 ",\"sessions\":[", n, offset);
	for (i = offset; i < n && (limit == 0 || shown < limit); i++) {
		json_t *o = cp_json_session(c, v[i]);

		one = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (one == NULL)
			continue;
		fprintf(f, "%s%s", shown != 0 ? "," : "", one);
		free(one);
		shown++;
	}
	fprintf(f, "],\"count\":%zu}", shown);
	free(v);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------ status */

static const char *
dp_state_name(uint32_t st)
{
	switch (st) {
	case SN_DP_STARTING:
		return "starting";
	case SN_DP_RUNNING:
		return "running";
	case SN_DP_STOPPED:
		return "stopped";
	}
	return "unknown";
}

static const char *
role_name(uint32_t role)
{
	switch (role) {
	case SN_ROLE_MAIN:
		return "main";
	case SN_ROLE_WORKER:
		return "worker";
	}
	return "none";
}

/*
 * The generation as a JSON integer.  jansson integers are signed 64-bit: a
 * generation with bit 63 set shows as its two's complement (negative);
 * "generation_hex" always carries the exact value.
 */
static json_t *
gen_json(uint64_t gen)
{
	return json_integer((json_int_t)gen);
}

static json_t *
gen_hex(uint64_t gen)
{
	char b[24];

	snprintf(b, sizeof(b), "%#" PRIx64, gen);
	return json_string(b);
}

static json_t *
control_counters(const struct cp_core *c)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i < CP_CNT_MAX; i++)
		json_object_set_new(o, cp_counter_names[i], cp_json_u64(c->cnt[i]));
	return o;
}

static json_t *
control_json(struct cp_core *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "version", json_string(CP_VERSION));
	json_object_set_new(o, "uptime_s", cp_json_u64((c->now_ns() - c->start_ns) / NS_PER_S));
	json_object_set_new(o, "allocator", json_string(CP_ALLOCATOR));
	json_object_set_new(o, "config", json_string(c->cfg.path));
	json_object_set_new(o, "admin_socket", json_string(c->cfg.cp.admin_socket));
	json_object_set_new(o, "idle_timeout_s", json_integer(c->cfg.cp.idle_timeout_s));
	json_object_set_new(o, "last_replay_ms", cp_json_u64(c->last_replay_ms));
	json_object_set_new(o, "counters", control_counters(c));
	return o;
}

static json_t *
dataplane_json(struct cp_core *c)
{
	const struct sn_shm_hdr *h = c->mbox.shm.hdr;
	json_t *o = json_object();
	uint64_t now_tsc;

	json_object_set_new(o, "shm_path", json_string(c->mbox.path));
	json_object_set_new(o, "mailbox", json_string(cp_mbox_state_name(c->mbox.state)));
	json_object_set_new(o, "attached", json_boolean(c->mbox.state != CP_MBOX_DETACHED));
	if (c->mbox.state == CP_MBOX_DETACHED) {
		json_object_set_new(o, "state", json_string("absent"));
		if (c->mbox.last_err != 0)
			json_object_set_new(o, "error", json_string(strerror(-c->mbox.last_err)));
		return o;
	}
	now_tsc = __atomic_load_n(&h->now_tsc, __ATOMIC_RELAXED);
	json_object_set_new(o, "state",
		json_string(!c->mbox.dp_alive ? "dead"
					      : dp_state_name(__atomic_load_n(
							&h->dp_state, __ATOMIC_RELAXED))));
	json_object_set_new(o, "pid", json_integer(h->dp_pid));
	json_object_set_new(o, "alive", json_boolean(c->mbox.dp_alive));
	json_object_set_new(o, "generation", gen_json(c->mbox.gen));
	json_object_set_new(o, "generation_hex", gen_hex(c->mbox.gen));
	json_object_set_new(o, "uptime_s",
		cp_json_u64(h->tsc_hz != 0 && now_tsc > h->start_tsc
				    ? (now_tsc - h->start_tsc) / h->tsc_hz
				    : 0));
	json_object_set_new(o, "tsc_hz", cp_json_u64(h->tsc_hz));
	return o;
}

static json_t *
ports_json(struct cp_core *c)
{
	const struct sn_shm_hdr *h = c->mbox.shm.hdr;
	char mac[CP_MAC_STRLEN];
	json_t *a = json_array();
	unsigned i;

	for (i = 0; i < h->n_ports && i < SN_MAX_PORTS; i++) {
		const struct sn_port_info *p = &h->ports[i];
		const struct cp_port_rate *r = &c->sampler.port[i];
		char name[sizeof(p->name) + 1], dev[sizeof(p->device) + 1];

		snprintf(name, sizeof(name), "%.*s", (int)sizeof(p->name), p->name);
		snprintf(dev, sizeof(dev), "%.*s", (int)sizeof(p->device), p->device);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
			p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
		json_array_append_new(a,
			json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:f, s:f,"
				  " s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"index", (int)i, "name", name, "device", dev, "mac", mac, "link",
				p->link_up ? "up" : "down", "speed_mbps", (json_int_t)p->speed_mbps,
				"rx_pps", r->rx_pps, "rx_bps", r->rx_bps, "tx_pps", r->tx_pps,
				"tx_bps", r->tx_bps, "ipackets", (json_int_t)p->ipackets, "ibytes",
				(json_int_t)p->ibytes, "opackets", (json_int_t)p->opackets,
				"obytes", (json_int_t)p->obytes, "imissed", (json_int_t)p->imissed,
				"ierrors", (json_int_t)p->ierrors, "oerrors",
				(json_int_t)p->oerrors));
	}
	return a;
}

static json_t *
addrs_json(struct cp_core *c)
{
	json_t *a = json_array();
	char t[INET6_ADDRSTRLEN + 8];
	unsigned i;

	for (i = 0; i < c->cfg.n_addrs; i++) {
		const struct sn_addr_info *ai = &c->cfg.addrs[i];
		size_t n;

		sn_addr_fmt(&ai->addr, t, sizeof(t));
		n = strlen(t);
		snprintf(t + n, sizeof(t) - n, "/%u", ai->prefix_len);
		json_array_append_new(a, json_pack("{s:i, s:s, s:i, s:I}", "index", (int)i, "addr",
						 t, "port", ai->port_idx, "relay_ports_free",
						 (json_int_t)cp_sessions_ports_free(&c->sess, i)));
	}
	return a;
}

/* Read every lcore page; totals summed into tot (SN_CNT_MAX). Returns count read. */
static unsigned
read_lcores(struct cp_core *c, struct sn_lcore_stats *ls, uint64_t *tot)
{
	const struct sn_shm *shm = &c->mbox.shm;
	unsigned i, j, n = shm->hdr->n_lcores < SN_MAX_LCORES ? shm->hdr->n_lcores : SN_MAX_LCORES;

	memset(tot, 0, SN_CNT_MAX * sizeof(*tot));
	for (i = 0; i < n; i++) {
		if (sn_shm_read_lcore(shm, i, &ls[i]) != 0) {
			CP_DEBUG("lcore page %u never settled; using a torn copy", i);
			memcpy(&ls[i], sn_shm_lcore_stats(shm, i), sizeof(ls[i]));
		}
		for (j = 0; j < SN_CNT_MAX; j++)
			tot[j] += ls[i].cnt[j];
	}
	return n;
}

static uint64_t
sum_range(const uint64_t *cnt, unsigned from, unsigned to)
{
	uint64_t s = 0;

	for (; from < to; from++)
		s += cnt[from];
	return s;
}

static json_t *
named_counters(
	const uint64_t *cnt, unsigned base, const char *const *names, unsigned from, unsigned n)
{
	json_t *o = json_object();
	unsigned i;

	for (i = from; i < n; i++)
		json_object_set_new(o, names[i], cp_json_u64(cnt[base + i]));
	return o;
}

static json_t *
counter_groups(const uint64_t *cnt)
{
	json_t *o = json_object();

	json_object_set_new(
		o, "events", named_counters(cnt, SN_CNT_EVENT(0), sn_event_names, 0, SN_EV_MAX));
	json_object_set_new(
		o, "punts", named_counters(cnt, SN_CNT_PUNT(0), sn_punt_names, 0, SN_PUNT_MAX));
	json_object_set_new(
		o, "drops", named_counters(cnt, SN_CNT_DROP(0), sn_drop_names, 1, SN_DROP_MAX));
	return o;
}

json_t *
cp_json_status(struct cp_core *c)
{
	struct sn_lcore_stats ls[SN_MAX_LCORES];
	uint64_t tot[SN_CNT_MAX];
	const struct sn_shm_hdr *h;
	json_t *r = json_object(), *a, *o;
	unsigned i, n;

	json_object_set_new(r, "control", control_json(c));
	json_object_set_new(r, "dataplane", dataplane_json(c));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)c->sess.count, "pending",
		(json_int_t)c->sess.n_state[CP_SESS_PENDING], "active",
		(json_int_t)c->sess.n_state[CP_SESS_ACTIVE], "deleting",
		(json_int_t)c->sess.n_state[CP_SESS_DELETING], "max",
		(json_int_t)c->sess.max_sessions);
	json_object_set_new(r, "sessions", o);
	json_object_set_new(r, "addresses", addrs_json(c));
	json_object_set_new(r, "turn", cp_json_turn_status(c));
	if (c->mbox.state == CP_MBOX_DETACHED)
		return r;
	h = c->mbox.shm.hdr;
	json_object_set_new(o, "dp_active", cp_json_u64(h->sessions_active));
	json_object_set_new(o, "dp_max", json_integer(h->max_sessions));
	json_object_set_new(o, "table_bytes", cp_json_u64(h->table_bytes));

	json_object_set_new(r, "ports", ports_json(c));
	n = read_lcores(c, ls, tot);
	a = json_array();
	for (i = 0; i < n; i++) {
		const struct cp_lcore_rate *rt = &c->sampler.lcore[i];

		json_array_append_new(
			a, json_pack("{s:i, s:i, s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:I,"
				     " s:I}",
				   "index", (int)i, "lcore", (int)ls[i].lcore_id, "role",
				   role_name(ls[i].role), "busy_pct", rt->busy_pct, "rx_pps",
				   rt->rx_pps, "tx_pps", rt->tx_pps, "rx_pkts",
				   (json_int_t)ls[i].cnt[SN_CNT_EVENT(SN_EV_RX_PKTS)], "tx_pkts",
				   (json_int_t)ls[i].cnt[SN_CNT_EVENT(SN_EV_TX_PKTS)], "relay_pkts",
				   (json_int_t)ls[i].cnt[SN_CNT_EVENT(SN_EV_RELAY_PKTS)], "drops",
				   (json_int_t)sum_range(
					   ls[i].cnt, SN_CNT_DROP(1), SN_CNT_DROP(SN_DROP_MAX)),
				   "punts",
				   (json_int_t)sum_range(
					   ls[i].cnt, SN_CNT_PUNT(0), SN_CNT_PUNT(SN_PUNT_MAX))));
	}
	json_object_set_new(r, "lcores", a);
	json_object_set_new(
		r, "totals", named_counters(tot, SN_CNT_EVENT(0), sn_event_names, 0, SN_EV_MAX));
	json_object_set_new(
		r, "drops", named_counters(tot, SN_CNT_DROP(0), sn_drop_names, 1, SN_DROP_MAX));
	json_object_set_new(
		r, "punts", named_counters(tot, SN_CNT_PUNT(0), sn_punt_names, 0, SN_PUNT_MAX));
	o = json_object();
	json_object_set_new(o, "cmds_applied", cp_json_u64(h->cmds_applied));
	json_object_set_new(o, "cmds_rejected", cp_json_u64(h->cmds_rejected));
	json_object_set_new(o, "cmd_ring_depth", json_integer(sn_ring_count(c->mbox.shm.cmd)));
	json_object_set_new(o, "cmd_ring_slots", json_integer(h->cmd_slots));
	json_object_set_new(o, "cpl_ring_depth", json_integer(sn_ring_count(c->mbox.shm.cpl)));
	json_object_set_new(o, "cpl_ring_slots", json_integer(h->cpl_slots));
	json_object_set_new(o, "queued", cp_json_u64(cp_fifo_len(&c->mbox.pending)));
	json_object_set_new(o, "inflight", cp_json_u64(cp_fifo_len(&c->mbox.inflight)));
	json_object_set_new(o, "neigh_resolved", cp_json_u64(h->neigh_resolved));
	json_object_set_new(r, "mailbox", o);
	return r;
}

json_t *
cp_json_stats(struct cp_core *c)
{
	struct sn_lcore_stats ls[SN_MAX_LCORES];
	uint64_t tot[SN_CNT_MAX];
	json_t *r = json_object(), *a, *o;
	unsigned i, n;

	json_object_set_new(r, "control", control_counters(c));
	json_object_set_new(r, "turn", cp_json_turn_stats(c));
	if (c->mbox.state == CP_MBOX_DETACHED) {
		json_object_set_new(r, "lcores", json_array());
		return r;
	}
	n = read_lcores(c, ls, tot);
	a = json_array();
	for (i = 0; i < n; i++) {
		o = counter_groups(ls[i].cnt);
		json_object_set_new(o, "index", json_integer(i));
		json_object_set_new(o, "lcore", json_integer(ls[i].lcore_id));
		json_object_set_new(o, "role", json_string(role_name(ls[i].role)));
		json_object_set_new(o, "cycles_busy", cp_json_u64(ls[i].cycles_busy));
		json_array_append_new(a, o);
	}
	json_object_set_new(r, "lcores", a);
	json_object_set_new(r, "total", counter_groups(tot));
	return r;
}

/* -------------------------------------------------------------- TURN */

static const char *
turn_transport_name(enum cp_turn_transport tr)
{
	switch (tr) {
	case CP_TURN_UDP:
		return "udp";
	case CP_TURN_TCP:
		return "tcp";
	case CP_TURN_TLS:
		return "tls";
	}
	return "?";
}

/* Whole seconds from now until t (rounded up), 0 when past. */
static uint64_t
secs_until(uint64_t t_ns, uint64_t now_ns)
{
	return t_ns > now_ns ? (t_ns - now_ns + NS_PER_S - 1) / NS_PER_S : 0;
}

/* The shared slot of allocation id when it describes it, else NULL. */
static const struct sn_alloc *
alloc_slot(const struct cp_core *c, uint32_t id)
{
	const struct sn_alloc *slot;

	if (c->mbox.state == CP_MBOX_DETACHED || c->mbox.shm.allocs == NULL ||
		id >= c->mbox.shm.hdr->max_allocs)
		return NULL;
	slot = &c->mbox.shm.allocs[id];
	if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SN_SESS_ACTIVE ||
		slot->alloc_id != id)
		return NULL;
	return slot;
}

static json_t *
u64_pair(const uint64_t v[2])
{
	json_t *a = json_array();

	json_array_append_new(a, cp_json_u64(v[0]));
	json_array_append_new(a, cp_json_u64(v[1]));
	return a;
}

static const struct sn_abi_addr *
cfg_addr(const struct cp_core *c, unsigned idx)
{
	static const struct sn_abi_addr none = {.family = SN_FAM_NONE};

	return idx < c->cfg.n_addrs ? &c->cfg.addrs[idx].addr : &none;
}

json_t *
cp_json_alloc(const struct cp_core *c, const struct cp_turn_alloc *a)
{
	const struct sn_alloc *slot = alloc_slot(c, a->id);
	const struct sn_shm_hdr *h = c->mbox.shm.hdr;
	uint64_t pkts[2] = {0, 0}, bytes[2] = {0, 0}, drops[2] = {0, 0}, rl[2] = {0, 0};
	uint64_t now = c->now_ns(), last = 0, age, idle;
	char ep[SN_ENDPOINT_STRLEN];
	json_t *o = json_object(), *arr;
	struct sn_abi_addr pa;
	unsigned i;

	if (slot != NULL) {
		for (i = 0; i < 2; i++) {
			uint64_t l = __atomic_load_n(&slot->dir[i].last_seen_tsc, __ATOMIC_RELAXED);

			pkts[i] = __atomic_load_n(&slot->dir[i].pkts, __ATOMIC_RELAXED);
			bytes[i] = __atomic_load_n(&slot->dir[i].bytes, __ATOMIC_RELAXED);
			drops[i] = __atomic_load_n(&slot->dir[i].drops, __ATOMIC_RELAXED);
			rl[i] = __atomic_load_n(&slot->dir[i].rl_drops, __ATOMIC_RELAXED);
			last = l > last ? l : last;
		}
	}
	for (i = 0; i < 2; i++) {
		pkts[i] += a->stream_pkts[i];
		bytes[i] += a->stream_bytes[i];
	}
	age = now > a->created_ns ? (now - a->created_ns) / NS_PER_S : 0;
	idle = age;
	if (last != 0 && h != NULL && h->tsc_hz != 0) {
		uint64_t now_tsc = __atomic_load_n(&h->now_tsc, __ATOMIC_RELAXED);

		idle = now_tsc > last ? (now_tsc - last) / h->tsc_hz : 0;
	}

	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "user",
		a->user != NULL && a->user->name != NULL ? json_string(a->user->name)
							 : json_null());
	json_object_set_new(o, "transport", json_string(turn_transport_name(a->src.transport)));
	json_object_set_new(o, "family", json_integer(a->src.client.family));
	json_object_set_new(o, "client",
		json_string(sn_endpoint_fmt(&a->src.client, a->src.client_port, ep, sizeof(ep))));
	json_object_set_new(o, "server",
		json_string(sn_endpoint_fmt(
			cfg_addr(c, a->src.server_idx), a->src.server_port, ep, sizeof(ep))));
	arr = json_array();
	for (i = 0; i < SN_TURN_MAX_RELAYS; i++) {
		if (!a->relay[i].used)
			continue;
		json_array_append_new(arr, json_string(sn_endpoint_fmt(cfg_addr(c, a->relay[i].idx),
						   a->relay[i].port, ep, sizeof(ep))));
	}
	json_object_set_new(o, "relayed", arr);
	arr = json_array();
	for (i = 0; i < SN_TURN_MAX_PERMS; i++) {
		const struct cp_turn_perm *p = &a->perm[i];

		if (p->family == SN_FAM_NONE)
			continue;
		memset(&pa, 0, sizeof(pa));
		pa.family = p->family;
		memcpy(pa.bytes, p->addr, sizeof(pa.bytes));
		sn_addr_fmt(&pa, ep, sizeof(ep));
		json_array_append_new(arr, json_pack("{s:s, s:o}", "addr", ep, "expires_in_s",
						   cp_json_u64(secs_until(p->expiry_ns, now))));
	}
	json_object_set_new(o, "peers", arr);
	arr = json_array();
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
		const struct cp_turn_chan *ch = &a->chan[i];

		if (ch->number == 0)
			continue;
		memset(&pa, 0, sizeof(pa));
		if (ch->perm < SN_TURN_MAX_PERMS) {
			pa.family = a->perm[ch->perm].family;
			memcpy(pa.bytes, a->perm[ch->perm].addr, sizeof(pa.bytes));
		}
		if (pa.family != SN_FAM_NONE)
			sn_endpoint_fmt(&pa, ch->port, ep, sizeof(ep));
		else
			snprintf(ep, sizeof(ep), "?:%u", ch->port);
		json_array_append_new(
			arr, json_pack("{s:i, s:s, s:s, s:o}", "number", (int)ch->number, "peer",
				     ep, "state", ch->expiry_ns > now ? "bound" : "cooldown",
				     "expires_in_s", cp_json_u64(secs_until(ch->expiry_ns, now))));
	}
	json_object_set_new(o, "channels", arr);
	json_object_set_new(o, "pkts", u64_pair(pkts));
	json_object_set_new(o, "bytes", u64_pair(bytes));
	json_object_set_new(o, "drops", u64_pair(drops));
	json_object_set_new(o, "rl_drops", u64_pair(rl));
	json_object_set_new(o, "stream_pkts", u64_pair(a->stream_pkts));
	json_object_set_new(o, "stream_bytes", u64_pair(a->stream_bytes));
	json_object_set_new(o, "age_s", cp_json_u64(age));
	/* stream allocations' data goes through control, which keeps no timestamp */
	json_object_set_new(o, "idle_s",
		last == 0 && a->src.transport != CP_TURN_UDP ? json_null() : cp_json_u64(idle));
	json_object_set_new(o, "expires_in_s", cp_json_u64(secs_until(a->expiry_ns, now)));
	json_object_set_new(o, "lifetime_s", json_integer(a->lifetime_s));
	json_object_set_new(o, "kbps", json_integer(a->kbps));
	json_object_set_new(o, "dont_fragment", json_boolean(a->dont_fragment));
	json_object_set_new(o, "adopted", json_boolean(a->adopted));
	json_object_set_new(o, "dp_ok", json_boolean(a->dp_ok));
	return o;
}

char *
cp_json_alloc_list_text(struct cp_core *c, uint64_t offset, uint64_t limit, size_t *len)
{
	struct cp_turn *t = c->turn;
	uint64_t seen = 0, shown = 0;
	char *buf = NULL, *one;
	uint32_t id;
	FILE *f;

	*len = 0;
	f = open_memstream(&buf, len);
	if (f == NULL)
		return NULL;
	fprintf(f, "{\"ok\":true,\"total\":%" PRIu32 ",\"offset\":%" PRIu64 ",\"allocations\":[",
		t->count, offset);
	for (id = 0; id < t->max_allocs && (limit == 0 || shown < limit); id++) {
		const struct cp_turn_alloc *a = t->slot[id];
		json_t *o;

		if (a == NULL || seen++ < offset)
			continue;
		o = cp_json_alloc(c, a);
		one = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (one == NULL)
			continue;
		fprintf(f, "%s%s", shown != 0 ? "," : "", one);
		free(one);
		shown++;
	}
	fprintf(f, "],\"count\":%" PRIu64 "}", shown);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Reason names of cp_auth: the enum suffix in lower case ("no_integrity"). */
#define CP_JSON_AUTH_NAME_(name, code, text) #name,
static const char *const auth_reason_names[CP_AUTH_R_COUNT] = {CP_AUTH_REASONS(CP_JSON_AUTH_NAME_)};
#undef CP_JSON_AUTH_NAME_

static json_t *
auth_reasons_json(const uint64_t *cnt)
{
	json_t *o = json_object();
	char name[48];
	unsigned i, k;

	for (i = 0; i < CP_AUTH_R_COUNT; i++) {
		for (k = 0; auth_reason_names[i][k] != '\0' && k + 1 < sizeof(name); k++)
			name[k] = (char)tolower((unsigned char)auth_reason_names[i][k]);
		name[k] = '\0';
		json_object_set_new(o, name, cp_json_u64(cnt[i]));
	}
	return o;
}

json_t *
cp_json_turn_stats(const struct cp_core *c)
{
	const struct cp_turn *t = c->turn;
	json_t *o = json_object(), *n;
	unsigned i;

	json_object_set_new(o, "enabled", json_boolean(t != NULL));
	if (t == NULL)
		return o;
	json_object_set_new(o, "allocations", json_integer(t->count));
	json_object_set_new(o, "max_allocs", json_integer(t->max_allocs));
	json_object_set_new(o, "kbps_reserved", cp_json_u64(t->kbps_total));
	n = json_object();
	for (i = 0; i < CP_TURN_C_MAX; i++)
		json_object_set_new(n, cp_turn_counter_names[i], cp_json_u64(t->cnt[i]));
	json_object_set_new(o, "counters", n);
	json_object_set_new(o, "auth", auth_reasons_json(t->auth_reasons));
	n = json_object();
	for (i = 0; i < CP_POLICY_VERDICT_MAX; i++)
		json_object_set_new(
			n, cp_policy_verdict_names[i], cp_json_u64(t->policy_verdicts[i]));
	json_object_set_new(o, "policy", n);
	return o;
}

json_t *
cp_json_turn_status(const struct cp_core *c)
{
	const struct cp_turn *t = c->turn;
	const struct sn_config *cfg = &c->cfg;
	char ep[SN_ENDPOINT_STRLEN];
	json_t *o = json_object(), *a;
	unsigned i;

	json_object_set_new(o, "enabled", json_boolean(t != NULL));
	if (t == NULL)
		return o;
	json_object_set_new(o, "realm", json_string(cfg->turn.realm));
	json_object_set_new(o, "tcp_port", json_integer(cfg->turn.tcp_port));
	a = json_array();
	if (cfg->turn.tls_cert[0] != '\0')
		for (i = 0; i < cfg->turn.n_tls_ports; i++)
			json_array_append_new(a, json_integer(cfg->turn.tls_ports[i]));
	json_object_set_new(o, "tls_ports", a);
	a = json_array();
	for (i = 0; i < t->n_relay; i++)
		json_array_append_new(
			a, json_string(sn_addr_fmt(cfg_addr(c, t->relay_idx[i]), ep, sizeof(ep))));
	json_object_set_new(o, "relay_addresses", a);
	json_object_set_new(o, "allocations", json_integer(t->count));
	json_object_set_new(o, "max_allocs", json_integer(t->max_allocs));
	json_object_set_new(o, "total_quota", json_integer(t->total_quota));
	json_object_set_new(o, "user_quota", json_integer(cfg->turn.user_quota));
	json_object_set_new(o, "kbps_reserved", cp_json_u64(t->kbps_total));
	json_object_set_new(o, "kbps_capacity", json_integer(cfg->turn.kbps_capacity));
	json_object_set_new(o, "users", cp_json_u64(t->auth.n_users));
	json_object_set_new(o, "secrets", json_integer(t->auth.n_secrets));
	json_object_set_new(o, "users_file", json_string(cfg->turn.users_file));
	json_object_set_new(o, "secrets_file", json_string(cfg->turn.secrets_file));
	return o;
}
