/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's loop (contract in dp_main_lcore.h).
 */
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dp_main_lcore.h"
#include "dp_mbox.h"
#include "dp_neigh.h"
#include "dp_punt.h"
#include "dp_stats.h"
#include "dp_types.h"

#define DP_REFRESH_HZ	    10
#define DP_MAIN_SPIN_US	    20	 /* keep polling this long after the last work */
#define DP_MAIN_NAP_MAX_US  1000 /* then dp_idle_nap(), at most this long */

void
dp_main_loop(void)
{
	struct sn_lcore_stats *page = sn_shm_lcore_stats(&dp.shm, DP_STATS_SLOT_MAIN);
	struct sn_shm_hdr *h = dp.shm.hdr;
	uint64_t refresh = dp.tsc_hz / DP_REFRESH_HZ, next_refresh = 0, busy = 0;
	uint64_t start = rte_rdtsc(), next_second = start + dp.tsc_hz, last_work = start;
	uint64_t spin = dp.tsc_hz / US_PER_S * DP_MAIN_SPIN_US;

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc();
		unsigned work;

		__atomic_store_n(&h->now_tsc, now, __ATOMIC_RELAXED);
		if (unlikely(now >= next_second)) {
			/* whole seconds since the loop started (catches up after a stall) */
			uint64_t secs = (now - start) / dp.tsc_hz;
			uint32_t now_s = (uint32_t)(DP_NOW_S_START + secs);

			next_second = start + (secs + 1) * dp.tsc_hz;
			__atomic_store_n(&h->now_s, now_s, __ATOMIC_RELAXED);
			__atomic_store_n(&dp.now_s, now_s, __ATOMIC_RELAXED);
		}
		work = dp_mbox_poll(now);
		work += dp_exc_poll();
		work += dp_punt_drain(now);
		dp_neigh_poll(now);
		dp_main_tx_flush();
		DP_CNT_EV(&dp.main_c, LOOPS)++;
		if (work > 0) {
			DP_CNT_EV(&dp.main_c, BUSY_LOOPS)++;
			busy += rte_rdtsc() - now;
			dp_stats_publish(page, &dp.main_c, busy);
			last_work = now;
		} else if (now - last_work > spin) {
			dp_idle_nap(now - last_work, DP_MAIN_NAP_MAX_US);
		}
		if (now >= next_refresh) {
			dp_stats_refresh(now);
			dp_stats_publish(page, &dp.main_c, busy);
			next_refresh = now + refresh;
		}
	}
	dp_stats_publish(page, &dp.main_c, busy);
}
