/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance configuration (conf/supernode.conf), read by both processes
 * through this one loader so they agree on ports and addresses.
 *
 * Format: INI (parsed with libinih).  Sections:
 *   [dataplane]     lcores, memory, table sizes, shared memory path
 *   [port NAME]     one per port: device, tap, address (repeatable), gateway
 *   [relay]         STUN port, relay port range
 *   [control]       admin socket, idle timeout, log level
 *   [turn]          the TURN server (RFC 8656) in sn-control: realm,
 *                   listeners, credentials, lifetimes, relay addresses,
 *                   peer policy, quotas
 * Every key is documented in conf/supernode.conf.  An unknown section or
 * key, a bad value or a missing required key is an error that names the file,
 * line, section and key; nothing starts.
 */
#ifndef SN_CONFIG_H
#define SN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"

#define SN_DEFAULT_CONFIG "conf/supernode.conf"
#define SN_MAX_WORKERS (SN_MAX_LCORES - 1)
#define SN_MAX_ADDRS_PER_PORT SN_MAX_ADDRS
#define SN_CONF_STR 256

#define SN_TURN_MAX_TLS_PORTS 4
#define SN_TURN_MAX_CIDRS     64
#define SN_TURN_TEXT	      128

/* An address prefix from the configuration (allowed_peer, denied_peer). */
struct sn_cidr {
	struct sn_abi_addr addr;
	uint8_t prefix_len;
};

enum sn_huge_mode { SN_HUGE_AUTO = 0, SN_HUGE_ON, SN_HUGE_OFF };

struct sn_port_conf {
	char name[32];               /* from the section header [port NAME] */
	char device[SN_CONF_STR];    /* PCI address or vdev string (required) */
	char tap[16];                /* exception tap netdev (default sntapN, N = port index) */
	uint16_t rx_desc, tx_desc;   /* ring sizes (default 1024) */
	uint16_t mtu;                /* default 1500 */
	struct sn_abi_addr gateway4, gateway6; /* optional next hops (family NONE: on-link) */
	uint8_t gateway_mac[6];      /* static next-hop MAC for every egress packet */
	bool has_gateway_mac;
	unsigned first_addr, n_addrs; /* slice of sn_config.addrs */
};

struct sn_config {
	char path[SN_CONF_STR];
	struct {
		unsigned main_lcore;              /* default 0 */
		unsigned workers[SN_MAX_WORKERS]; /* lcore ids; default {1} */
		unsigned n_workers;
		enum sn_huge_mode huge;           /* default auto */
		unsigned mem_mb;                  /* EAL -m; default 512 */
		unsigned mbufs;                   /* mempool size; default 16383 */
		unsigned max_sessions;            /* default 1048576 */
		unsigned max_allocs;              /* TURN allocations; default 131072 */
		unsigned burst;                   /* default 32, max 64 */
		unsigned punt_rate_pps;           /* per reason per lcore; default 2000 */
		unsigned punt_rate_stream_pps;    /* turn_stream punts per lcore; default 50000 */
		unsigned cmds_per_loop;           /* default 256 */
		unsigned idle_sleep_us;           /* longest idle nap; default 500, 0 = poll */
		unsigned idle_after_us;           /* idle time before napping; default 1000 */
		unsigned cmd_slots, cpl_slots;    /* ring sizes; default 65536 */
		char shm_path[SN_CONF_STR];       /* default SN_SHM_DEFAULT_PATH */
		char file_prefix[64];             /* EAL --file-prefix; default "supernode" */
		char eal_args[SN_CONF_STR];       /* extra EAL arguments, space separated */
	} dp;
	struct sn_port_conf ports[SN_MAX_PORTS];
	unsigned n_ports;
	/* Appliance addresses over all ports, in config order (ABI addr index). */
	struct sn_addr_info addrs[SN_MAX_ADDRS];
	unsigned n_addrs;
	struct {
		uint16_t stun_port;           /* fast-path STUN Binding port; default 3478 */
		uint16_t port_min, port_max;  /* relay leg ports; default 49152-65535 */
	} relay;
	struct {
		char admin_socket[SN_CONF_STR]; /* default /run/supernode/admin.sock */
		unsigned idle_timeout_s;        /* default 120; 0 = never */
		unsigned replay_timeout_ms;     /* default 1000 */
		char log_level[16];             /* error|warn|info|debug; default info */
	} cp;
	struct {
		bool enabled;                   /* default yes */
		char realm[SN_TURN_TEXT];       /* default "supernode" */
		char software[SN_TURN_TEXT];    /* SOFTWARE attribute; default "supernode"; "" = none */
		uint16_t tcp_port;              /* TURN over TCP; default 3478; 0 = off */
		uint16_t tls_ports[SN_TURN_MAX_TLS_PORTS]; /* default 5349, 443 (with a cert) */
		unsigned n_tls_ports;
		char tls_cert[SN_CONF_STR];     /* PEM chain; "" = no TLS listener */
		char tls_key[SN_CONF_STR];      /* PEM key; default: tls_cert */
		char users_file[SN_CONF_STR];   /* coturn turnuserdb format */
		char secrets_file[SN_CONF_STR]; /* REST shared secrets, one per line */
		unsigned nonce_lifetime_s;      /* default 600 */
		unsigned default_lifetime_s;    /* allocation; default 600 (RFC 8656 s3.9) */
		unsigned max_lifetime_s;        /* allocation; default 3600 */
		/* relayed addresses: appliance addresses (indexes into addrs); default all */
		uint8_t relay_addr_idx[SN_MAX_ADDRS];
		unsigned n_relay_addrs;
		struct sn_abi_addr relay_addrs[SN_MAX_ADDRS]; /* as written, resolved at validation */
		struct sn_cidr allowed_peers[SN_TURN_MAX_CIDRS];
		unsigned n_allowed_peers;
		struct sn_cidr denied_peers[SN_TURN_MAX_CIDRS];
		unsigned n_denied_peers;
		unsigned user_quota;            /* allocations per user; 0 = unlimited */
		unsigned total_quota;           /* allocations in total; 0 = max_allocs */
		unsigned max_alloc_kbps;        /* per allocation and direction; 0 = unlimited */
		unsigned user_kbps_quota;       /* sum of a user's max_alloc_kbps; 0 = unlimited */
		unsigned kbps_capacity;         /* sum over all allocations; 0 = unlimited */
		unsigned error_rate_pps;        /* error answers per source address; default 20 */
	} turn;
};

/* Fill c with the built-in defaults (no ports). */
void sn_config_defaults(struct sn_config *c);

/*
 * Load path over the defaults and validate the result (at least one port,
 * workers distinct from the main lcore, port range sane, ...).
 * Returns 0, or -EINVAL/-ENOENT with a one-line message in err such as
 *   "conf/x.conf:12: [dataplane] max_sessions: not a number: '12x'".
 */
int sn_config_load(const char *path, struct sn_config *c, char *err, size_t errlen);

/* Index of the appliance address equal to a, or -1. */
int sn_config_addr_index(const struct sn_config *c, const struct sn_abi_addr *a);

#endif /* SN_CONFIG_H */
