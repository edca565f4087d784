/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's loop.
 */
#ifndef DP_MAIN_LCORE_H
#define DP_MAIN_LCORE_H

/*
 * Run until dp.quit: refresh hdr->now_tsc, advance hdr->now_s and its
 * worker copy dp.now_s once a second (TURN lifetimes), mailbox (commands, reclaim,
 * latch events), tap -> port, punt rings -> taps, neighbour probes, port
 * info and gauges at DP_REFRESH_HZ, counters to stats slot 0.  After
 * DP_MAIN_SPIN_US without work it naps an eighth of the silence so far
 * per pass, at most DP_MAIN_NAP_MAX_US (the main lcore is not a worker:
 * its latency budget is the exception path's and sn-control's, which
 * polls its completions every millisecond; and the machine may be shared).
 */
void dp_main_loop(void);

#endif /* DP_MAIN_LCORE_H */
