/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake dataplane for the control-plane tests (see fake_dp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_dp.h"
#include "sn_ring.h"

int
fake_dp_start(struct fake_dp *dp, const char *path, const struct sn_config *cfg,
	uint32_t max_sessions, uint32_t cmd_slots, uint32_t cpl_slots)
{
	struct sn_shm_hdr *h;
	unsigned i;
	int ret;

	memset(dp, 0, sizeof(*dp));
	snprintf(dp->path, sizeof(dp->path), "%s", path);
	ret = sn_shm_create(&dp->shm, path, max_sessions, FAKE_DP_MAX_ALLOCS, cmd_slots, cpl_slots);
	if (ret != 0)
		return ret;
	h = dp->shm.hdr;
	h->tsc_hz = FAKE_DP_TSC_HZ;
	h->now_tsc = h->start_tsc = FAKE_DP_TSC_HZ; /* never 0 */
	h->n_lcores = 2;
	h->n_ports = cfg->n_ports;
	for (i = 0; i < cfg->n_ports && i < SN_MAX_PORTS; i++) {
		snprintf(h->ports[i].name, sizeof(h->ports[i].name), "%s", cfg->ports[i].name);
		snprintf(
			h->ports[i].device, sizeof(h->ports[i].device), "%s", cfg->ports[i].device);
		h->ports[i].mac[0] = 0x02;
		h->ports[i].mac[5] = (uint8_t)(i + 1);
		h->ports[i].link_up = 1;
		h->ports[i].used = 1;
		h->ports[i].speed_mbps = 10000;
	}
	h->n_addrs = cfg->n_addrs;
	for (i = 0; i < cfg->n_addrs; i++)
		h->addrs[i] = cfg->addrs[i];
	sn_shm_lcore_stats(&dp->shm, 0)->role = SN_ROLE_MAIN;
	sn_shm_lcore_stats(&dp->shm, 1)->role = SN_ROLE_WORKER;
	sn_shm_lcore_stats(&dp->shm, 1)->lcore_id = 1;
	dp->gen = sn_shm_publish(&dp->shm);
	return 0;
}

void
fake_dp_stop(struct fake_dp *dp)
{
	if (dp->shm.hdr == NULL)
		return;
	__atomic_store_n(&dp->shm.hdr->dp_state, SN_DP_STOPPED, __ATOMIC_RELEASE);
	sn_shm_detach(&dp->shm);
}

void
fake_dp_destroy(struct fake_dp *dp)
{
	if (dp->shm.hdr != NULL)
		sn_shm_detach(&dp->shm);
	unlink(dp->path);
}

static int32_t
apply_add(struct fake_dp *dp, const struct sn_cmd *c)
{
	struct sn_session *s = &dp->shm.sessions[c->flow_id];
	const struct sn_cmd_session *cs = &c->u.session;
	bool was_active = s->state == SN_SESS_ACTIVE;
	unsigned i;

	if (dp->add_status != 0)
		return dp->add_status;
	memset(s, 0, sizeof(*s));
	s->flow_id = c->flow_id;
	s->token = cs->token;
	s->family = dp->shm.hdr->addrs[cs->leg[0].local_addr_idx].addr.family;
	for (i = 0; i < 2; i++) {
		struct sn_leg *l = &s->leg[i];

		l->local_port = cs->leg[i].local_port;
		l->local_addr_idx = cs->leg[i].local_addr_idx;
		l->flags = cs->leg[i].flags & SN_LEG_LATCH;
		if (cs->leg[i].remote.family != SN_FAM_NONE) {
			memcpy(l->remote_addr, cs->leg[i].remote.bytes, sizeof(l->remote_addr));
			l->remote_port = cs->leg[i].remote_port;
			l->flags |= SN_LEG_REMOTE_SET;
		}
	}
	s->rate_bytes_per_s = cs->rate_bytes_per_s;
	s->burst_bytes = cs->burst_bytes;
	__atomic_store_n(&s->state, SN_SESS_ACTIVE, __ATOMIC_RELEASE);
	if (!was_active)
		dp->shm.hdr->sessions_active++;
	return 0;
}

static int32_t
apply_del(struct fake_dp *dp, const struct sn_cmd *c)
{
	struct sn_session *s = &dp->shm.sessions[c->flow_id];

	if (s->state == SN_SESS_ACTIVE)
		dp->shm.hdr->sessions_active--;
	memset(s, 0, sizeof(*s));
	return 0;
}

unsigned
fake_dp_step(struct fake_dp *dp, unsigned max)
{
	struct sn_shm_hdr *h = dp->shm.hdr;
	const struct sn_cmd *c;
	struct sn_cpl *cpl;
	unsigned n = 0;
	int32_t st;

	while ((max == 0 || n < max) && (c = sn_ring_cons_slot(dp->shm.cmd)) != NULL) {
		cpl = sn_ring_prod_slot(dp->shm.cpl);
		if (cpl == NULL)
			break; /* completion ring full: back-pressure on the command ring */
		if (n != 0 || dp->applied + dp->rejected != 0)
			if ((int32_t)(c->seq - dp->last_seq) <= 0)
				dp->seq_disorder = true;
		dp->last_seq = c->seq;
		if (c->version != SN_ABI_VERSION || c->generation != dp->gen)
			st = -ESTALE;
		else if (c->type != SN_CMD_HELLO && c->flow_id >= h->max_sessions)
			st = -EINVAL;
		else if (c->type == SN_CMD_SESSION_ADD)
			st = apply_add(dp, c);
		else if (c->type == SN_CMD_SESSION_DEL)
			st = apply_del(dp, c);
		else if (c->type == SN_CMD_HELLO) {
			dp->n_hello++;
			st = 0;
		} else
			st = -EOPNOTSUPP;
		memset(cpl, 0, sizeof(*cpl));
		cpl->version = SN_ABI_VERSION;
		cpl->type = SN_CPL_RESULT;
		cpl->status = st;
		cpl->seq = c->seq;
		cpl->flow_id = c->flow_id;
		sn_ring_cons_release(dp->shm.cmd);
		sn_ring_prod_commit(dp->shm.cpl);
		if (st == 0) {
			dp->applied++;
			h->cmds_applied++;
		} else {
			dp->rejected++;
			h->cmds_rejected++;
		}
		n++;
	}
	return n;
}

int
fake_dp_latch(
	struct fake_dp *dp, uint32_t flow, unsigned leg, const struct sn_abi_addr *a, uint16_t port)
{
	struct sn_session *s = &dp->shm.sessions[flow];
	struct sn_cpl *cpl = sn_ring_prod_slot(dp->shm.cpl);

	if (cpl == NULL)
		return -ENOSPC;
	memcpy(s->leg[leg].remote_addr, a->bytes, sizeof(s->leg[leg].remote_addr));
	s->leg[leg].remote_port = htons(port);
	s->leg[leg].flags |= SN_LEG_REMOTE_SET | SN_LEG_LATCHED;
	memset(cpl, 0, sizeof(*cpl));
	cpl->version = SN_ABI_VERSION;
	cpl->type = SN_EVT_LATCHED;
	cpl->flow_id = flow;
	cpl->leg = (uint8_t)leg;
	cpl->port = htons(port);
	cpl->addr = *a;
	sn_ring_prod_commit(dp->shm.cpl);
	return 0;
}

void
fake_dp_advance(struct fake_dp *dp, uint64_t ns)
{
	dp->shm.hdr->now_tsc += ns;
}

void
fake_dp_packet(struct fake_dp *dp, uint32_t flow, unsigned leg, uint32_t bytes)
{
	struct sn_session *s = &dp->shm.sessions[flow];

	s->pkts[leg]++;
	s->bytes[leg] += bytes;
	s->last_seen_tsc = dp->shm.hdr->now_tsc;
}
