/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stats pages and the header's port info and gauges (sn_abi.h).
 */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dp_neigh.h"
#include "dp_stats.h"
#include "dp_types.h"

struct sn_lcore_stats *
dp_stats_page_init(unsigned slot, unsigned lcore_id, uint32_t role)
{
	struct sn_lcore_stats *page = sn_shm_lcore_stats(&dp.shm, slot);

	page->lcore_id = lcore_id;
	page->role = role;
	return page;
}

/* Copy one port's link state and counters into its sn_port_info. */
static void
refresh_port(const struct dp_port *p, struct sn_port_info *pi, uint64_t now)
{
	struct rte_eth_stats st;
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
		pi->link_up = link.link_status == RTE_ETH_LINK_UP;
		pi->speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	if (rte_eth_stats_get(p->port_id, &st) == 0) {
		pi->ipackets = st.ipackets;
		pi->ibytes = st.ibytes;
		pi->opackets = st.opackets;
		pi->obytes = st.obytes;
		pi->imissed = st.imissed;
		pi->ierrors = st.ierrors;
		pi->oerrors = st.oerrors;
	}
	pi->update_tsc = now;
}

/*
 * Main lcore, ~10 Hz: port link/counters, sessions_active is kept by the
 * mailbox, neigh_resolved by the neighbour table.
 */
void
dp_stats_refresh(uint64_t now)
{
	struct sn_shm_hdr *h = dp.shm.hdr;
	unsigned i;

	for (i = 0; i < dp.n_ports; i++)
		refresh_port(&dp.ports[i], &h->ports[i], now);
	h->neigh_resolved = dp_neigh_resolved();
}

void
dp_stats_log_summary(void)
{
	struct sn_lcore_stats s;
	unsigned slot, k;

	for (slot = 0; slot < dp.shm.hdr->n_lcores; slot++) {
		if (sn_shm_read_lcore(&dp.shm, slot, &s) != 0)
			continue;
		RTE_LOG(INFO, DP, "lcore %u (%s): cycles_busy %" PRIu64 "\n", s.lcore_id,
			s.role == SN_ROLE_MAIN ? "main" : "worker", s.cycles_busy);
		for (k = 0; k < SN_EV_MAX; k++)
			if (s.cnt[SN_CNT_EVENT(k)] != 0)
				RTE_LOG(INFO, DP, "  %-24s %" PRIu64 "\n", sn_event_names[k],
					s.cnt[SN_CNT_EVENT(k)]);
		for (k = 0; k < SN_PUNT_MAX; k++)
			if (s.cnt[SN_CNT_PUNT(k)] != 0)
				RTE_LOG(INFO, DP, "  punt %-19s %" PRIu64 "\n", sn_punt_names[k],
					s.cnt[SN_CNT_PUNT(k)]);
		for (k = 1; k < SN_DROP_MAX; k++)
			if (s.cnt[SN_CNT_DROP(k)] != 0)
				RTE_LOG(INFO, DP, "  drop %-19s %" PRIu64 "\n", sn_drop_names[k],
					s.cnt[SN_CNT_DROP(k)]);
	}
}
