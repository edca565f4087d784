/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-dataplane: command line, configuration, EAL and module initialisation,
 * signals, launch and orderly stop.
 *
 *   sn-dataplane -c FILE [--] [extra EAL arguments]
 *
 * A configuration error is reported (naming file, line and key) and exits 1
 * before anything is touched.  SIGTERM/SIGINT: dp_state STOPPED, workers
 * stop, ports and taps are closed, exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp_addr.h"
#include "dp_eal.h"
#include "dp_flow.h"
#include "dp_main_lcore.h"
#include "dp_mbox.h"
#include "dp_neigh.h"
#include "dp_port.h"
#include "dp_punt.h"
#include "dp_stats.h"
#include "dp_types.h"
#include "dp_worker.h"
#include "sn_addr.h"

#define DP_PROG		 "sn-dataplane"
#define DP_MEMPOOL_CACHE 256
#define DP_EXIT_USAGE	 2
#define DP_LOG_LINE	 2048

struct dp_ctx dp;

static void
usage(FILE *f)
{
	fprintf(f, "usage: " DP_PROG " -c FILE [--] [extra EAL arguments]\n"
		   "  -c FILE   configuration (conf/supernode.conf documents every key)\n"
		   "  -h        this help\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED);
}

static void
signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Header fields that describe this run (before publishing). */
static void
hdr_fill(void)
{
	struct sn_shm_hdr *h = dp.shm.hdr;
	unsigned i;

	h->tsc_hz = dp.tsc_hz;
	h->start_tsc = rte_rdtsc();
	h->now_tsc = h->start_tsc;
	h->n_ports = dp.n_ports;
	h->n_lcores = 1 + dp.n_workers;
	h->n_addrs = dp.n_addrs;
	h->table_bytes =
		dp.flow_table_bytes + (uint64_t)dp.max_sessions * sizeof(struct sn_session);
	/* dataplane seconds start at 1 (0 marks an unused expiry) */
	h->now_s = DP_NOW_S_START;
	dp.now_s = DP_NOW_S_START;
	for (i = 0; i < dp.n_ports; i++) {
		struct sn_port_info *pi = &h->ports[i];

		snprintf(pi->name, sizeof(pi->name), "%s", dp.cfg.ports[i].name);
		snprintf(pi->device, sizeof(pi->device), "%s", dp.cfg.ports[i].device);
		memcpy(pi->mac, dp.ports[i].mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		pi->used = 1;
	}
	for (i = 0; i < dp.n_addrs; i++)
		h->addrs[i] = dp.cfg.addrs[i];
	dp_stats_refresh(h->now_tsc);
}

/* The one INFO line that says what this run is. */
static void
log_startup(bool huge)
{
	char line[DP_LOG_LINE], a[SN_ENDPOINT_STRLEN];
	size_t off = 0;
	unsigned i;

#define APPEND(...)               \
	(off += (size_t)snprintf( \
		 line + off, off < sizeof(line) ? sizeof(line) - off : 0, __VA_ARGS__))
	APPEND("up: generation %" PRIu64 "; ports", dp.generation);
	for (i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];

		APPEND(" %s=%s mac " RTE_ETHER_ADDR_PRT_FMT " rxq %u txq %u%s tap %s mtu %u",
			p->name, dp.cfg.ports[i].device, RTE_ETHER_ADDR_BYTES(&p->mac), p->nb_rxq,
			p->nb_txq, p->main_txq == DP_NO_QUEUE ? " (exc via worker 0)" : "",
			p->tap_name, p->mtu);
	}
	APPEND("; addresses");
	for (i = 0; i < dp.n_addrs; i++)
		APPEND(" %s/%u@%s", sn_addr_fmt(&dp.cfg.addrs[i].addr, a, sizeof(a)),
			dp.cfg.addrs[i].prefix_len, dp.ports[dp.addr_port[i]].name);
	APPEND("; lcores main %u workers", dp.cfg.dp.main_lcore);
	for (i = 0; i < dp.n_workers; i++)
		APPEND("%s%u", i ? "," : " ", dp.cfg.dp.workers[i]);
	APPEND("; %s %u MB; shm %s (%u sessions, table %" PRIu64 " bytes; %u TURN allocations,"
	       " client table %" PRIu64 " bytes); stun port %u, relay ports %u-%u",
		huge ? "hugepages" : "no-huge", dp.cfg.dp.mem_mb, dp.cfg.dp.shm_path,
		dp.max_sessions, dp.shm.hdr->table_bytes, dp.max_allocs, dp.ctab_bytes,
		dp.stun_port, dp.relay_port_min, dp.relay_port_max);
#undef APPEND
	RTE_LOG(INFO, DP, "%s\n", line);
}

/*
 * Data room of an mbuf: one frame of the largest port MTU (plus Ethernet
 * header, one VLAN tag and FCS) in a single segment after the headroom;
 * never less than DPDK's default.
 */
static uint16_t
mbuf_data_room(void)
{
	unsigned i, mtu = 0, room;

	for (i = 0; i < dp.cfg.n_ports; i++)
		mtu = RTE_MAX(mtu, (unsigned)dp.cfg.ports[i].mtu);
	room = RTE_PKTMBUF_HEADROOM + mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
	return (uint16_t)RTE_MAX(room, (unsigned)RTE_MBUF_DEFAULT_BUF_SIZE);
}

/*
 * Warn when the pool cannot cover what the queues, rings and per-lcore
 * caches can hold at once (rx starves silently otherwise).
 */
static void
mbufs_check(void)
{
	uint64_t need = (uint64_t)(1 + dp.n_workers) * DP_MEMPOOL_CACHE +
			(uint64_t)dp.n_workers * (DP_PUNT_RING_SIZE + DP_EXC_RING_SIZE);
	unsigned i;

	for (i = 0; i < dp.n_ports; i++)
		need += (uint64_t)dp.ports[i].nb_rxq * dp.cfg.ports[i].rx_desc +
			(uint64_t)dp.ports[i].nb_txq * dp.cfg.ports[i].tx_desc + 2u * DP_TAP_DESC;
	if (need > dp.cfg.dp.mbufs)
		RTE_LOG(WARNING, DP,
			"[dataplane] mbufs = %u, but queues, rings and caches can hold "
			"%" PRIu64 ": raise mbufs\n",
			dp.cfg.dp.mbufs, need);
}

/* Everything between EAL init and launching the workers. */
static int
dp_init(void)
{
	unsigned i;
	int ret;

	dp.tsc_hz = rte_get_tsc_hz();
	dp.n_workers = dp.cfg.dp.n_workers;
	dp.max_sessions = dp.cfg.dp.max_sessions;
	dp.max_allocs = dp.cfg.dp.max_allocs;
	dp.stun_port = dp.cfg.relay.stun_port;
	dp.relay_port_min = dp.cfg.relay.port_min;
	dp.relay_port_max = dp.cfg.relay.port_max;
	for (i = 0; i < dp.n_workers; i++) {
		if (!rte_lcore_is_enabled(dp.cfg.dp.workers[i])) {
			RTE_LOG(ERR, DP, "worker lcore %u is not enabled\n", dp.cfg.dp.workers[i]);
			return -EINVAL;
		}
	}
	dp.pool = rte_pktmbuf_pool_create("dp_mbufs", dp.cfg.dp.mbufs, DP_MEMPOOL_CACHE, 0,
		mbuf_data_room(), (int)rte_socket_id());
	if (dp.pool == NULL) {
		RTE_LOG(ERR, DP, "mbuf pool (%u): %s\n", dp.cfg.dp.mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	ret = sn_shm_create(&dp.shm, dp.cfg.dp.shm_path, dp.max_sessions, dp.cfg.dp.max_allocs,
		dp.cfg.dp.cmd_slots,
		dp.cfg.dp.cpl_slots);
	if (ret != 0) {
		RTE_LOG(ERR, DP, "shared memory %s: %s\n", dp.cfg.dp.shm_path, strerror(-ret));
		return ret;
	}
	dp.sessions = dp.shm.sessions;
	dp.allocs = dp.shm.allocs;
	dp_addr_init();
	ret = dp_flow_init(dp.max_sessions, dp.max_allocs);
	if (ret == 0)
		ret = dp_mbox_init();
	if (ret == 0)
		ret = dp_ports_init();
	if (ret == 0)
		ret = dp_neigh_init();
	if (ret == 0)
		ret = dp_workers_init();
	if (ret == 0)
		ret = dp_punt_init();
	if (ret != 0)
		return ret;
	mbufs_check();
	dp_stats_page_init(DP_STATS_SLOT_MAIN, rte_lcore_id(), SN_ROLE_MAIN);
	hdr_fill();
	return 0;
}

int
main(int argc, char **argv)
{
	char err[512];
	struct dp_eal_args *ea;
	const char *conf = NULL;
	unsigned i;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+c:h")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return DP_EXIT_USAGE;
		}
	}
	if (conf == NULL) {
		usage(stderr);
		return DP_EXIT_USAGE;
	}
	if (sn_config_load(conf, &dp.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, DP_PROG ": %s\n", err);
		return EXIT_FAILURE;
	}
	ea = calloc(1, sizeof(*ea));
	if (ea == NULL)
		return EXIT_FAILURE;
	ret = dp_eal_build(&dp.cfg, argc - optind, argv + optind, ea);
	if (ret != 0) {
		fprintf(stderr, DP_PROG ": EAL arguments too long\n");
		return EXIT_FAILURE;
	}
	ret = rte_eal_init(ea->argc, ea->argv);
	if (ret < 0) {
		fprintf(stderr,
			DP_PROG ": EAL initialisation failed (see the EAL messages above)\n");
		return EXIT_FAILURE;
	}
	signals_init();
	ret = dp_init();
	if (ret != 0) {
		RTE_LOG(ERR, DP, "initialisation failed: %s\n", strerror(-ret));
		if (dp.shm.hdr != NULL)
			__atomic_store_n(&dp.shm.hdr->dp_state, SN_DP_STOPPED, __ATOMIC_RELEASE);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	dp.generation = sn_shm_publish(&dp.shm);
	log_startup(ea->huge);
	free(ea);

	for (i = 0; i < dp.n_workers; i++) {
		ret = rte_eal_remote_launch(dp_worker_main, &dp.workers[i], dp.workers[i].lcore_id);
		if (ret != 0) {
			RTE_LOG(ERR, DP, "launching worker on lcore %u: %s\n",
				dp.workers[i].lcore_id, rte_strerror(-ret));
			__atomic_store_n(&dp.quit, 1, __ATOMIC_RELAXED);
		}
	}
	dp_main_loop();

	__atomic_store_n(&dp.shm.hdr->dp_state, SN_DP_STOPPED, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	RTE_LOG(INFO, DP, "stopping (generation %" PRIu64 ")\n", dp.generation);
	dp_stats_log_summary();
	dp_ports_close();
	sn_shm_detach(&dp.shm);
	rte_eal_cleanup();
	return 0;
}
