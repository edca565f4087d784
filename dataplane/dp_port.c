/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and taps (contract in dp_port.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp_eal.h"
#include "dp_port.h"
#include "dp_netdev.h"
#include "dp_types.h"

#define DP_DEV_NAME_LEN	 128
#define AF_PACKET_DRIVER "net_af_packet"

/* RSS on the 5-tuple where the device hashes it (RFC-free: device capability). */
#define DP_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP)

static int
queues_setup(uint16_t pid, uint16_t nb_rxq, uint16_t nb_txq, uint16_t rx_desc, uint16_t tx_desc,
	const struct rte_eth_conf *conf)
{
	int socket = rte_eth_dev_socket_id(pid);
	uint16_t q;
	int ret;

	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_dev_configure(pid, nb_rxq, nb_txq, conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rx_desc, &tx_desc);
	if (ret != 0)
		return ret;
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, rx_desc, (unsigned)socket, NULL, dp.pool);
		if (ret != 0)
			return ret;
	}
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(pid, q, tx_desc, (unsigned)socket, NULL);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
port_setup(unsigned i)
{
	const struct sn_port_conf *pc = &dp.cfg.ports[i];
	struct dp_port *p = &dp.ports[i];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[DP_DEV_NAME_LEN];
	uint16_t pid, mtu;
	int ret;

	dp_eal_dev_name(pc->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		RTE_LOG(ERR, DP, "port %s: no ethdev named %s (device %s)\n", pc->name, name,
			pc->device);
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ret;
	RTE_BUILD_BUG_ON(sizeof(p->name) != sizeof(pc->name));
	memcpy(p->name, pc->name, sizeof(p->name));
	p->port_id = pid;
	/* one rx queue per worker; af_packet opens every queue's socket at
	 * probe and fans traffic out over all of them, so there every queue
	 * is configured and the workers share them round-robin */
	p->nb_rxq = (uint16_t)RTE_MIN(dp.n_workers, (unsigned)info.max_rx_queues);
	if (strcmp(info.driver_name, AF_PACKET_DRIVER) == 0)
		p->nb_rxq = info.max_rx_queues;
	p->nb_txq = (uint16_t)RTE_MIN(dp.n_workers + 1, (unsigned)info.max_tx_queues);
	if (p->nb_rxq == 0 || p->nb_txq < dp.n_workers) {
		RTE_LOG(ERR, DP, "port %s: %u rx / %u tx queues, need 1 / %u (one per worker)\n",
			pc->name, info.max_rx_queues, info.max_tx_queues, dp.n_workers);
		return -EINVAL;
	}
	p->main_txq = p->nb_txq > dp.n_workers ? (uint16_t)dp.n_workers : DP_NO_QUEUE;
	if (p->nb_rxq < dp.n_workers)
		RTE_LOG(WARNING, DP, "port %s: %u rx queue(s) for %u workers\n", pc->name,
			p->nb_rxq, dp.n_workers);

	memset(&conf, 0, sizeof(conf));
	if (p->nb_rxq > 1 && (info.flow_type_rss_offloads & DP_RSS_HF) != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & DP_RSS_HF;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	ret = queues_setup(pid, p->nb_rxq, p->nb_txq, pc->rx_desc, pc->tx_desc, &conf);
	if (ret != 0) {
		RTE_LOG(ERR, DP, "port %s: queue setup: %s\n", pc->name, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_set_mtu(pid, pc->mtu);
	if (ret != 0 && ret != -ENOTSUP)
		RTE_LOG(WARNING, DP, "port %s: mtu %u: %s\n", pc->name, pc->mtu,
			rte_strerror(-ret));
	if (rte_eth_dev_get_mtu(pid, &mtu) != 0 || mtu == 0 || mtu > pc->mtu)
		mtu = pc->mtu;
	p->mtu = mtu;
	rte_eth_macaddr_get(pid, &p->mac);
	p->eth_src_ip4 = 0;
	memcpy(&p->eth_src_ip4, &p->mac, RTE_ETHER_ADDR_LEN);
	p->eth_src_ip4 |= (uint64_t)rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) << 48;
	p->has_gw_mac = pc->has_gateway_mac;
	memcpy(p->gw_mac.addr_bytes, pc->gateway_mac, RTE_ETHER_ADDR_LEN);
	p->gw4 = pc->gateway4;
	p->gw6 = pc->gateway6;
	dp_netdev_quiesce(pc->device);
	ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		RTE_LOG(ERR, DP, "port %s: start: %s\n", pc->name, rte_strerror(-ret));
		return ret;
	}
	/* IPv6 ND reaches us on solicited-node multicast MACs (RFC 4861 section
	 * 7.2.1, RFC 2464 section 7): a NIC's multicast filter must let them in */
	ret = rte_eth_allmulticast_enable(pid);
	if (ret != 0 && ret != -ENOTSUP)
		RTE_LOG(WARNING, DP, "port %s: all-multicast: %s\n", pc->name, rte_strerror(-ret));
	dp.port_of_ethdev[pid] = (uint8_t)i;
	return 0;
}

static int
tap_setup(unsigned i)
{
	const struct sn_port_conf *pc = &dp.cfg.ports[i];
	struct dp_port *p = &dp.ports[i];
	struct rte_eth_conf conf;
	char name[DP_DEV_NAME_LEN];
	uint16_t tid;
	int ret;

	snprintf(name, sizeof(name), DP_TAP_VDEV_PREFIX "%s", pc->name);
	RTE_BUILD_BUG_ON(sizeof(p->tap_name) != sizeof(pc->tap));
	memcpy(p->tap_name, pc->tap, sizeof(p->tap_name));
	if (rte_eth_dev_get_port_by_name(name, &tid) != 0) {
		RTE_LOG(ERR, DP, "port %s: tap %s not probed\n", pc->name, name);
		return -ENODEV;
	}
	p->tap_id = tid;
	memset(&conf, 0, sizeof(conf));
	ret = queues_setup(tid, 1, 1, DP_TAP_DESC, DP_TAP_DESC, &conf);
	if (ret == 0)
		ret = rte_eth_dev_default_mac_addr_set(tid, &p->mac);
	if (ret == 0)
		ret = rte_eth_dev_start(tid);
	if (ret != 0) {
		RTE_LOG(ERR, DP, "port %s: tap %s: %s\n", pc->name, pc->tap, rte_strerror(-ret));
		return ret;
	}
	ret = dp_netdev_tap_configure(pc->tap, i);
	if (ret != 0) {
		RTE_LOG(ERR, DP, "port %s: configuring %s: %s\n", pc->name, pc->tap,
			strerror(-ret));
		return ret;
	}
	return 0;
}

/* First address of the family on port i, or -1 (ARP/NS source). */
static int
first_addr(unsigned i, uint8_t family)
{
	const struct sn_port_conf *pc = &dp.cfg.ports[i];
	unsigned k;

	for (k = pc->first_addr; k < pc->first_addr + pc->n_addrs; k++)
		if (dp.cfg.addrs[k].addr.family == family)
			return (int)k;
	return -1;
}

int
dp_ports_init(void)
{
	unsigned i;
	int ret;

	memset(dp.port_of_ethdev, DP_NO_PORT, sizeof(dp.port_of_ethdev));
	dp.n_ports = dp.cfg.n_ports;
	dp.min_mtu = UINT16_MAX;
	for (i = 0; i < dp.n_ports; i++) {
		ret = port_setup(i);
		if (ret != 0)
			return ret;
		dp.min_mtu = RTE_MIN(dp.min_mtu, dp.ports[i].mtu);
		dp.ports[i].src4 = first_addr(i, SN_FAM_IPV4);
		dp.ports[i].src6 = first_addr(i, SN_FAM_IPV6);
		ret = tap_setup(i);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void
dp_ports_close(void)
{
	unsigned i;

	for (i = 0; i < dp.n_ports; i++) {
		rte_eth_dev_stop(dp.ports[i].port_id);
		rte_eth_dev_stop(dp.ports[i].tap_id);
		rte_eth_dev_close(dp.ports[i].port_id);
		rte_eth_dev_close(dp.ports[i].tap_id);
	}
}
