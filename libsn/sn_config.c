/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader (see sn_config.h, conf/supernode.conf).
 *
 * libinih splits lines into sections and key = value pairs; this file owns
 * the meaning.  inih is fed through ini_parse_stream() with our own line
 * reader, which:
 * - counts lines, so every message names file:line (the handler gets no
 *   line number: the packaged libinih is built with INI_HANDLER_LINENO 0);
 * - strips leading blanks, so an indented line is never taken as an inih
 *   continuation line (a silent trap: "  mtu = 9000" would otherwise be
 *   appended to the previous key's value);
 * - sees section headers, so an empty, unknown or repeated section is an
 *   error on its own line, not silently ignored;
 * - refuses lines longer than inih's line buffer instead of letting inih
 *   split them.
 * Keys are table-driven: one row per key with its section, type, field and
 * range.  The first error wins and loading stops being meaningful after it;
 * nothing is started on a bad file.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include <ini.h>

#include "sn_addr.h"
#include "sn_config.h"
#include "sn_pkt.h"
#include "sn_stun.h"

/* Defaults (documented in sn_config.h and conf/supernode.conf) */
#define DEF_MAIN_LCORE	      0
#define DEF_WORKER_LCORE      1
#define DEF_MEM_MB	      512
#define DEF_MBUFS	      16383
#define DEF_MAX_SESSIONS      1048576
#define DEF_MAX_ALLOCS	      131072
#define DEF_BURST	      32
#define DEF_PUNT_RATE_PPS     10000
#define DEF_PUNT_RATE_STREAM  50000 /* TURN peer data for TCP/TLS clients */
#define DEF_CMDS_PER_LOOP     256
#define DEF_IDLE_SLEEP_US     500  /* longest worker nap when idle; 0 = always poll */
#define DEF_IDLE_AFTER_US     1000 /* without packets before the first nap */
#define DEF_RING_SLOTS	      65536
#define DEF_FILE_PREFIX	      "supernode"
#define DEF_DESC	      1024
#define DEF_MTU		      1500
#define DEF_TAP_FMT	      "sntap%u" /* sntapN, N = port index in config order */
#define DEF_PORT_MIN	      49152
#define DEF_PORT_MAX	      65535
#define DEF_ADMIN_SOCKET      "/run/supernode/admin.sock"
#define DEF_IDLE_TIMEOUT_S    120
#define DEF_REPLAY_TIMEOUT_MS 1000
#define DEF_LOG_LEVEL	      "info"
#define DEF_TURN_REALM	      "supernode"
#define DEF_TURN_SOFTWARE     "supernode"
#define DEF_TURN_TCP_PORT     3478
#define DEF_TURN_TLS_PORT     5349 /* RFC 8656 section 18: turns */
#define DEF_TURN_TLS_PORT_ALT 443  /* for clients behind firewalls that only pass HTTPS */
#define DEF_TURN_USERS	      "/var/lib/supernode/turn-users"
#define DEF_TURN_SECRETS      "/var/lib/supernode/turn-secrets"
#define DEF_NONCE_LIFETIME_S  600
#define DEF_ALLOC_LIFETIME_S  600  /* RFC 8656 section 3.9 */
#define DEF_ALLOC_MAX_LIFE_S  3600 /* RFC 8656 section 7.2 */
#define DEF_ERROR_RATE_PPS    20

/* Ranges */
#define MAX_LCORE_ID	   127 /* DPDK RTE_MAX_LCORE (128 in Debian's build) - 1 */
#define MEM_MB_MIN	   64
#define MEM_MB_MAX	   1048576
#define MBUFS_MIN	   511
#define MBUFS_MAX	   16777215
#define SESSIONS_MIN	   1
#define SESSIONS_MAX	   16777216
#define ALLOCS_MIN	   1
#define ALLOCS_MAX	   4194304
#define BURST_MIN	   1
#define BURST_MAX	   64
#define PUNT_RATE_MIN	   1
#define PUNT_RATE_MAX	   10000000
#define CMDS_PER_LOOP_MIN  1
#define CMDS_PER_LOOP_MAX  65536
#define IDLE_SLEEP_MAX_US  10000
#define IDLE_AFTER_MIN_US  1
#define IDLE_AFTER_MAX_US  10000000
#define SLOTS_MIN	   64
#define SLOTS_MAX	   1048576
#define DESC_MIN	   64
#define DESC_MAX	   16384
#define MTU_MIN		   576
#define MTU_MAX		   9216
#define MTU_IPV6_MIN	   1280 /* RFC 8200 section 5 */
#define PORT_NUM_MIN	   1
#define PORT_NUM_MAX	   65535
#define RELAY_PORT_MIN	   1024
#define IDLE_MAX_S	   31536000 /* a year */
#define NONCE_LIFE_MIN	   10
#define NONCE_LIFE_MAX	   86400
#define ALLOC_LIFE_MIN	   600 /* RFC 8656 section 7.2: never below the default */
#define ALLOC_LIFE_MAX	   86400
#define QUOTA_MAX	   16777216
#define KBPS_MAX	   UINT32_MAX
#define ERROR_RATE_MAX	   1000000
#define REPLAY_MIN_MS	   10
#define REPLAY_MAX_MS	   600000
#define IFNAME_MAX	   15 /* IFNAMSIZ - 1 */
#define SUN_PATH_MAX	   (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define PORT_NAME_MAX	   31
#define MAC_TEXT_LEN	   17 /* xx:xx:xx:xx:xx:xx */
#define MAC_OCTET_TEXT	   3  /* "xx:" */
#define HEX_DIGIT_BITS	   4
#define MAC_MULTICAST_BIT  0x01
#define ERR_MAX		   512
#define UTF8_BOM	   "\xef\xbb\xbf"
#define UTF8_BOM_LEN	   3
#define SECT_PORT_WORD	   "port"
#define SECT_PORT_WORD_LEN (sizeof(SECT_PORT_WORD) - 1)

/* Address sanity, RFC 6890 special-purpose blocks */
#define V4_MULTICAST_HI		 0xe0 /* 224.0.0.0/4 and up (240/4 reserved) */
#define V4_LOOPBACK_HI		 127
#define V4_THIS_NET_HI		 0
#define V4_HOST_PREFIX_MIN_BCAST 31 /* /31 and /32 have no network/broadcast */
#define V6_MULTICAST_HI		 0xff
#define IPV4_BITS		 32
#define IPV6_BITS		 128
#define DECIMAL_DIGITS_A	 10 /* value of hex digit 'a' */

enum sect_kind {
	SECT_NONE = 0,
	SECT_DATAPLANE,
	SECT_PORT,
	SECT_RELAY,
	SECT_CONTROL,
	SECT_TURN,
};

static const char *const sect_names[] = {
	[SECT_NONE] = "",
	[SECT_DATAPLANE] = "dataplane",
	[SECT_PORT] = "port",
	[SECT_RELAY] = "relay",
	[SECT_CONTROL] = "control",
	[SECT_TURN] = "turn",
};

enum key_type {
	T_UINT,	    /* unsigned decimal in [min, max] (unsigned or uint16_t field) */
	T_STR,	    /* any text shorter than the field */
	T_PATH,	    /* absolute path shorter than min(field, max) */
	T_TOKEN,    /* [A-Za-z0-9_-]+ */
	T_IFNAME,   /* Linux netdev name */
	T_DEVICE,   /* non-empty, no blanks */
	T_HUGE,	    /* auto|on|off */
	T_LOGLEVEL, /* error|warn|info|debug */
	T_WORKERS,  /* comma list of lcore ids */
	T_ADDRESS,  /* ADDR/PREFIX, repeatable */
	T_GW4,
	T_GW6,
	T_MAC,
	T_BOOL,	     /* yes|no|true|false|on|off|1|0 */
	T_PORTLIST,  /* comma list of UDP/TCP ports */
	T_RELAYADDR, /* an appliance address, repeatable */
	T_CIDR,	     /* ADDR/PREFIX, repeatable; field: array of struct sn_cidr */
};

#define F_POW2 0x1 /* T_UINT: power of two */

struct conf_key {
	enum sect_kind sect;
	const char *name;
	enum key_type type;
	size_t off;  /* in struct sn_config, or in struct sn_port_conf for SECT_PORT */
	size_t size; /* field size */
	uint32_t min, max;
	unsigned flags;
};

#define FLD(s, f) offsetof(s, f), sizeof(((s *)0)->f)
#define CFG(f)	  FLD(struct sn_config, f)
#define PRT(f)	  FLD(struct sn_port_conf, f)

enum {
	K_MAIN_LCORE,
	K_WORKERS,
	K_HUGE,
	K_MEM_MB,
	K_MBUFS,
	K_MAX_SESSIONS,
	K_MAX_ALLOCS,
	K_BURST,
	K_PUNT_RATE,
	K_PUNT_RATE_STREAM,
	K_CMDS_PER_LOOP,
	K_IDLE_SLEEP,
	K_IDLE_AFTER,
	K_CMD_SLOTS,
	K_CPL_SLOTS,
	K_SHM_PATH,
	K_FILE_PREFIX,
	K_EAL_ARGS,
	K_DEVICE,
	K_TAP,
	K_RX_DESC,
	K_TX_DESC,
	K_MTU,
	K_ADDRESS,
	K_GATEWAY4,
	K_GATEWAY6,
	K_GATEWAY_MAC,
	K_STUN_PORT,
	K_PORT_MIN,
	K_PORT_MAX,
	K_ADMIN_SOCKET,
	K_IDLE_TIMEOUT,
	K_REPLAY_TIMEOUT,
	K_LOG_LEVEL,
	K_TURN_ENABLED,
	K_TURN_REALM,
	K_TURN_SOFTWARE,
	K_TURN_TCP_PORT,
	K_TURN_TLS_PORTS,
	K_TURN_TLS_CERT,
	K_TURN_TLS_KEY,
	K_TURN_USERS,
	K_TURN_SECRETS,
	K_TURN_NONCE_LIFE,
	K_TURN_DEF_LIFE,
	K_TURN_MAX_LIFE,
	K_TURN_RELAY_ADDR,
	K_TURN_ALLOWED,
	K_TURN_DENIED,
	K_TURN_USER_QUOTA,
	K_TURN_TOTAL_QUOTA,
	K_TURN_ALLOC_KBPS,
	K_TURN_USER_KBPS,
	K_TURN_KBPS_CAP,
	K_TURN_ERROR_RATE,
	K_MAX,
};

static const struct conf_key conf_keys[K_MAX] = {
	[K_MAIN_LCORE] = {SECT_DATAPLANE, "main_lcore", T_UINT, CFG(dp.main_lcore), 0, MAX_LCORE_ID,
		0},
	[K_WORKERS] = {SECT_DATAPLANE, "workers", T_WORKERS, CFG(dp.workers), 0, MAX_LCORE_ID, 0},
	[K_HUGE] = {SECT_DATAPLANE, "huge", T_HUGE, CFG(dp.huge), 0, 0, 0},
	[K_MEM_MB] = {SECT_DATAPLANE, "mem_mb", T_UINT, CFG(dp.mem_mb), MEM_MB_MIN, MEM_MB_MAX, 0},
	[K_MBUFS] = {SECT_DATAPLANE, "mbufs", T_UINT, CFG(dp.mbufs), MBUFS_MIN, MBUFS_MAX, 0},
	[K_MAX_SESSIONS] = {SECT_DATAPLANE, "max_sessions", T_UINT, CFG(dp.max_sessions),
		SESSIONS_MIN, SESSIONS_MAX, 0},
	[K_MAX_ALLOCS] = {SECT_DATAPLANE, "max_allocs", T_UINT, CFG(dp.max_allocs), ALLOCS_MIN,
		ALLOCS_MAX, 0},
	[K_BURST] = {SECT_DATAPLANE, "burst", T_UINT, CFG(dp.burst), BURST_MIN, BURST_MAX, 0},
	[K_PUNT_RATE] = {SECT_DATAPLANE, "punt_rate_pps", T_UINT, CFG(dp.punt_rate_pps),
		PUNT_RATE_MIN, PUNT_RATE_MAX, 0},
	[K_PUNT_RATE_STREAM] = {SECT_DATAPLANE, "punt_rate_stream_pps", T_UINT,
		CFG(dp.punt_rate_stream_pps), PUNT_RATE_MIN, PUNT_RATE_MAX, 0},
	[K_CMDS_PER_LOOP] = {SECT_DATAPLANE, "cmds_per_loop", T_UINT, CFG(dp.cmds_per_loop),
		CMDS_PER_LOOP_MIN, CMDS_PER_LOOP_MAX, 0},
	[K_IDLE_SLEEP] = {SECT_DATAPLANE, "idle_sleep_us", T_UINT, CFG(dp.idle_sleep_us), 0,
		IDLE_SLEEP_MAX_US, 0},
	[K_IDLE_AFTER] = {SECT_DATAPLANE, "idle_after_us", T_UINT, CFG(dp.idle_after_us),
		IDLE_AFTER_MIN_US, IDLE_AFTER_MAX_US, 0},
	[K_CMD_SLOTS] = {SECT_DATAPLANE, "cmd_slots", T_UINT, CFG(dp.cmd_slots), SLOTS_MIN,
		SLOTS_MAX, F_POW2},
	[K_CPL_SLOTS] = {SECT_DATAPLANE, "cpl_slots", T_UINT, CFG(dp.cpl_slots), SLOTS_MIN,
		SLOTS_MAX, F_POW2},
	[K_SHM_PATH] = {SECT_DATAPLANE, "shm_path", T_PATH, CFG(dp.shm_path), 0, SN_CONF_STR - 1,
		0},
	[K_FILE_PREFIX] = {SECT_DATAPLANE, "file_prefix", T_TOKEN, CFG(dp.file_prefix), 0, 0, 0},
	[K_EAL_ARGS] = {SECT_DATAPLANE, "eal_args", T_STR, CFG(dp.eal_args), 0, 0, 0},
	[K_DEVICE] = {SECT_PORT, "device", T_DEVICE, PRT(device), 0, 0, 0},
	[K_TAP] = {SECT_PORT, "tap", T_IFNAME, PRT(tap), 0, 0, 0},
	[K_RX_DESC] = {SECT_PORT, "rx_desc", T_UINT, PRT(rx_desc), DESC_MIN, DESC_MAX, 0},
	[K_TX_DESC] = {SECT_PORT, "tx_desc", T_UINT, PRT(tx_desc), DESC_MIN, DESC_MAX, 0},
	[K_MTU] = {SECT_PORT, "mtu", T_UINT, PRT(mtu), MTU_MIN, MTU_MAX, 0},
	[K_ADDRESS] = {SECT_PORT, "address", T_ADDRESS, 0, 0, 0, 0, 0},
	[K_GATEWAY4] = {SECT_PORT, "gateway4", T_GW4, PRT(gateway4), 0, 0, 0},
	[K_GATEWAY6] = {SECT_PORT, "gateway6", T_GW6, PRT(gateway6), 0, 0, 0},
	[K_GATEWAY_MAC] = {SECT_PORT, "gateway_mac", T_MAC, PRT(gateway_mac), 0, 0, 0},
	[K_STUN_PORT] = {SECT_RELAY, "stun_port", T_UINT, CFG(relay.stun_port), PORT_NUM_MIN,
		PORT_NUM_MAX, 0},
	[K_PORT_MIN] = {SECT_RELAY, "port_min", T_UINT, CFG(relay.port_min), RELAY_PORT_MIN,
		PORT_NUM_MAX, 0},
	[K_PORT_MAX] = {SECT_RELAY, "port_max", T_UINT, CFG(relay.port_max), RELAY_PORT_MIN,
		PORT_NUM_MAX, 0},
	[K_ADMIN_SOCKET] = {SECT_CONTROL, "admin_socket", T_PATH, CFG(cp.admin_socket), 0,
		SUN_PATH_MAX, 0},
	[K_IDLE_TIMEOUT] = {SECT_CONTROL, "idle_timeout_s", T_UINT, CFG(cp.idle_timeout_s), 0,
		IDLE_MAX_S, 0},
	[K_REPLAY_TIMEOUT] = {SECT_CONTROL, "replay_timeout_ms", T_UINT, CFG(cp.replay_timeout_ms),
		REPLAY_MIN_MS, REPLAY_MAX_MS, 0},
	[K_LOG_LEVEL] = {SECT_CONTROL, "log_level", T_LOGLEVEL, CFG(cp.log_level), 0, 0, 0},
	[K_TURN_ENABLED] = {SECT_TURN, "enabled", T_BOOL, CFG(turn.enabled), 0, 0, 0},
	[K_TURN_REALM] = {SECT_TURN, "realm", T_STR, CFG(turn.realm), 0, 0, 0},
	[K_TURN_SOFTWARE] = {SECT_TURN, "software", T_STR, CFG(turn.software), 0, 0, 0},
	[K_TURN_TCP_PORT] = {SECT_TURN, "tcp_port", T_UINT, CFG(turn.tcp_port), 0, PORT_NUM_MAX, 0},
	[K_TURN_TLS_PORTS] = {SECT_TURN, "tls_ports", T_PORTLIST, CFG(turn.tls_ports), 0, 0, 0},
	[K_TURN_TLS_CERT] = {SECT_TURN, "tls_cert", T_PATH, CFG(turn.tls_cert), 0, 0, 0},
	[K_TURN_TLS_KEY] = {SECT_TURN, "tls_key", T_PATH, CFG(turn.tls_key), 0, 0, 0},
	[K_TURN_USERS] = {SECT_TURN, "users_file", T_PATH, CFG(turn.users_file), 0, 0, 0},
	[K_TURN_SECRETS] = {SECT_TURN, "secrets_file", T_PATH, CFG(turn.secrets_file), 0, 0, 0},
	[K_TURN_NONCE_LIFE] = {SECT_TURN, "nonce_lifetime_s", T_UINT, CFG(turn.nonce_lifetime_s),
		NONCE_LIFE_MIN, NONCE_LIFE_MAX, 0},
	[K_TURN_DEF_LIFE] = {SECT_TURN, "default_lifetime_s", T_UINT,
		CFG(turn.default_lifetime_s), ALLOC_LIFE_MIN, ALLOC_LIFE_MAX, 0},
	[K_TURN_MAX_LIFE] = {SECT_TURN, "max_lifetime_s", T_UINT, CFG(turn.max_lifetime_s),
		ALLOC_LIFE_MIN, ALLOC_LIFE_MAX, 0},
	[K_TURN_RELAY_ADDR] = {SECT_TURN, "relay_address", T_RELAYADDR, 0, 0, 0, 0, 0},
	[K_TURN_ALLOWED] = {SECT_TURN, "allowed_peer", T_CIDR, CFG(turn.allowed_peers), 0, 0, 0},
	[K_TURN_DENIED] = {SECT_TURN, "denied_peer", T_CIDR, CFG(turn.denied_peers), 0, 0, 0},
	[K_TURN_USER_QUOTA] = {SECT_TURN, "user_quota", T_UINT, CFG(turn.user_quota), 0, QUOTA_MAX,
		0},
	[K_TURN_TOTAL_QUOTA] = {SECT_TURN, "total_quota", T_UINT, CFG(turn.total_quota), 0,
		QUOTA_MAX, 0},
	[K_TURN_ALLOC_KBPS] = {SECT_TURN, "max_alloc_kbps", T_UINT, CFG(turn.max_alloc_kbps), 0,
		KBPS_MAX, 0},
	[K_TURN_USER_KBPS] = {SECT_TURN, "user_kbps_quota", T_UINT, CFG(turn.user_kbps_quota), 0,
		KBPS_MAX, 0},
	[K_TURN_KBPS_CAP] = {SECT_TURN, "kbps_capacity", T_UINT, CFG(turn.kbps_capacity), 0,
		KBPS_MAX, 0},
	[K_TURN_ERROR_RATE] = {SECT_TURN, "error_rate_pps", T_UINT, CFG(turn.error_rate_pps), 1,
		ERROR_RATE_MAX, 0},
};

_Static_assert(K_MAX <= 64, "key bitmask is 64 bits");

static const char *const huge_names[] = {
	[SN_HUGE_AUTO] = "auto",
	[SN_HUGE_ON] = "on",
	[SN_HUGE_OFF] = "off",
};

static const char *const log_levels[] = {"error", "warn", "info", "debug"};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Where keys were seen: for duplicate detection and post-parse messages. */
struct key_seen {
	uint64_t mask;
	unsigned line[K_MAX];
};

/* Loader state, shared by the line reader and the inih handler. */
struct conf_ctx {
	struct sn_config *c;
	const char *path;
	FILE *f;
	char *line; /* getline() buffer */
	size_t linecap;
	unsigned lineno;

	bool failed;
	unsigned err_line;
	char msg[ERR_MAX];

	enum sect_kind kind;		      /* current section */
	unsigned port;			      /* current port when kind == SECT_PORT */
	char sect_disp[48];		      /* "dataplane", "port p0" for messages */
	unsigned sect_line[SECT_TURN + 1]; /* first line of the fixed sections */
	unsigned port_line[SN_MAX_PORTS];
	struct key_seen global; /* dataplane, relay, control keys */
	struct key_seen ports[SN_MAX_PORTS];
	unsigned addr_line[SN_MAX_ADDRS];
	unsigned relay_addr_line[SN_MAX_ADDRS];
	int read_errno; /* errno of a failed read */
};

static void __attribute__((format(printf, 3, 4)))
conf_fail(struct conf_ctx *x, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->failed)
		return;
	x->failed = true;
	x->err_line = line;
	if (line != 0)
		n = snprintf(x->msg, sizeof(x->msg), "%s:%u: ", x->path, line);
	else
		n = snprintf(x->msg, sizeof(x->msg), "%s: ", x->path);
	if (n < 0 || (size_t)n >= sizeof(x->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(x->msg + n, sizeof(x->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- values */

/* Unsigned decimal occupying all of s (no sign, no blanks).  0 or -EINVAL/-ERANGE. */
static int
parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *endp;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &endp, 10);
	if (*endp != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static bool
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void
store_uint(void *field, size_t size, uint32_t v)
{
	if (size == sizeof(uint16_t)) {
		uint16_t v16 = (uint16_t)v;

		memcpy(field, &v16, sizeof(v16));
	} else {
		unsigned vu = v;

		memcpy(field, &vu, sizeof(vu));
	}
}

/* Linux netdev name: 1..15 characters, no '/', ':' or blanks, not "." or "..". */
static bool
valid_ifname(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == '/' || s[i] == ':')
			return false;
	return true;
}

static bool
valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static bool
valid_port_name(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > PORT_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
			    s[i] == '-'))
			return false;
	return true;
}

static unsigned
hex_val(char ch)
{
	return isdigit((unsigned char)ch)
		       ? (unsigned)(ch - '0')
		       : (unsigned)(tolower((unsigned char)ch) - 'a' + DECIMAL_DIGITS_A);
}

static int
parse_mac(const char *s, uint8_t mac[SN_ETH_ALEN])
{
	unsigned i;

	if (strlen(s) != MAC_TEXT_LEN)
		return -EINVAL;
	for (i = 0; i < SN_ETH_ALEN; i++) {
		const char *p = s + i * MAC_OCTET_TEXT;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
			(i + 1 < SN_ETH_ALEN && p[2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hex_val(p[0]) << HEX_DIGIT_BITS | hex_val(p[1]));
	}
	return 0;
}

/*
 * Is a usable as an appliance (unicast host) address?  Refuses the RFC 6890
 * "this network", loopback, multicast/reserved and limited-broadcast IPv4
 * blocks, the network and broadcast addresses of its own prefix (for
 * prefixes up to /30), and IPv6 unspecified, loopback, multicast and
 * IPv4-mapped (RFC 4291 section 2.5.5.2) addresses.
 */
static const char *
address_problem(const struct sn_abi_addr *a, uint8_t plen)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	static const uint8_t v6_zero[16];
	static const uint8_t v4_mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

	if (plen == 0)
		return "prefix length must not be 0";
	if (a->family == SN_FAM_IPV4) {
		uint32_t v = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
			     (uint32_t)a->bytes[2] << 8 | a->bytes[3];
		uint32_t host_mask = plen >= IPV4_BITS ? 0 : UINT32_MAX >> plen;

		if (a->bytes[0] == V4_THIS_NET_HI || a->bytes[0] == V4_LOOPBACK_HI ||
			a->bytes[0] >= V4_MULTICAST_HI)
			return "not a unicast address";
		if (plen < V4_HOST_PREFIX_MIN_BCAST &&
			((v & host_mask) == 0 || (v & host_mask) == host_mask))
			return "network or broadcast address of its prefix";
		return NULL;
	}
	if (memcmp(a->bytes, v6_zero, sizeof(v6_zero)) == 0 ||
		memcmp(a->bytes, v6_loopback, sizeof(v6_loopback)) == 0 ||
		a->bytes[0] == V6_MULTICAST_HI)
		return "not a unicast address";
	if (memcmp(a->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0)
		return "IPv4-mapped IPv6 address";
	return NULL;
}

/* ------------------------------------------------------------- keys */

static void
key_fail(struct conf_ctx *x, const struct conf_key *k, const char *what, const char *value)
{
	conf_fail(x, x->lineno, "[%s] %s: %s: '%s'", x->sect_disp, k->name, what, value);
}

static int
set_workers(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	struct sn_config *c = x->c;
	unsigned ids[SN_MAX_WORKERS];
	char buf[SN_CONF_STR];
	char *tok, *save = NULL;
	unsigned n = 0, i;
	uint32_t v;
	int rc;

	if (strlen(value) >= sizeof(buf)) {
		key_fail(x, k, "too long", value);
		return -EINVAL;
	}
	strcpy(buf, value);
	/* strtok_r would skip empty items: walk commas by hand */
	for (tok = buf; tok != NULL; tok = save) {
		char *comma = strchr(tok, ',');
		char *e;

		save = comma != NULL ? comma + 1 : NULL;
		if (comma != NULL)
			*comma = '\0';
		while (isspace((unsigned char)*tok))
			tok++;
		e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = '\0';
		rc = parse_u32(tok, &v);
		if (rc == -EINVAL) {
			key_fail(x, k, "not a comma-separated list of lcore ids", value);
			return -EINVAL;
		}
		if (rc != 0 || v > k->max) {
			char what[64];

			snprintf(what, sizeof(what), "lcore id out of range (0..%u)", k->max);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (ids[i] == v) {
				key_fail(x, k, "lcore listed twice", value);
				return -EINVAL;
			}
		}
		if (n == SN_MAX_WORKERS) {
			char what[64];

			snprintf(what, sizeof(what), "more than %u workers", SN_MAX_WORKERS);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
		ids[n++] = v;
	}
	memcpy(c->dp.workers, ids, n * sizeof(ids[0]));
	c->dp.n_workers = n;
	return 0;
}

static int
add_address(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	struct sn_config *c = x->c;
	struct sn_port_conf *p = &c->ports[x->port];
	struct sn_addr_info *ai;
	struct sn_abi_addr a;
	const char *problem;
	uint8_t plen;
	unsigned i;

	if (sn_prefix_parse(value, &a, &plen, true) != 0) {
		key_fail(x, k, "not ADDRESS/PREFIX (like 198.18.0.1/24 or 2001:db8::1/64)", value);
		return -EINVAL;
	}
	problem = address_problem(&a, plen);
	if (problem != NULL) {
		key_fail(x, k, problem, value);
		return -EINVAL;
	}
	for (i = 0; i < c->n_addrs; i++) {
		if (sn_addr_eq(&c->addrs[i].addr, &a)) {
			char what[96];

			snprintf(what, sizeof(what),
				"address already configured on line %u (port %s)", x->addr_line[i],
				c->ports[c->addrs[i].port_idx].name);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
	}
	if (c->n_addrs == SN_MAX_ADDRS) {
		char what[64];

		snprintf(what, sizeof(what), "more than %u addresses in total", SN_MAX_ADDRS);
		key_fail(x, k, what, value);
		return -EINVAL;
	}
	ai = &c->addrs[c->n_addrs];
	memset(ai, 0, sizeof(*ai));
	ai->addr = a;
	ai->prefix_len = plen;
	ai->port_idx = (uint8_t)x->port;
	ai->used = 1;
	x->addr_line[c->n_addrs] = x->lineno;
	c->n_addrs++;
	p->n_addrs++;
	return 0;
}

static int
set_bool(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	bool v;
	unsigned i;

	for (i = 0; i < N_ELEM(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			v = true;
			goto found;
		}
		if (strcasecmp(value, no[i]) == 0) {
			v = false;
			goto found;
		}
	}
	key_fail(x, k, "want yes or no", value);
	return -EINVAL;
found:
	memcpy(field, &v, sizeof(v));
	return 0;
}

/* tls_ports: "5349, 443"; an empty value turns the TLS listeners off. */
static int
set_portlist(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	struct sn_config *c = x->c;
	char buf[SN_CONF_STR];
	char *tok, *next;
	unsigned n = 0, i;
	uint32_t v;

	if (strlen(value) >= sizeof(buf)) {
		key_fail(x, k, "too long", value);
		return -EINVAL;
	}
	strcpy(buf, value);
	for (tok = buf; tok != NULL && *tok != '\0'; tok = next) {
		char *comma = strchr(tok, ',');
		char *e;

		next = comma != NULL ? comma + 1 : NULL;
		if (comma != NULL)
			*comma = '\0';
		while (isspace((unsigned char)*tok))
			tok++;
		e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (parse_u32(tok, &v) != 0 || v < PORT_NUM_MIN || v > PORT_NUM_MAX) {
			key_fail(x, k, "not a comma-separated list of ports (1..65535)", value);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (c->turn.tls_ports[i] == v) {
				key_fail(x, k, "port listed twice", value);
				return -EINVAL;
			}
		}
		if (n == SN_TURN_MAX_TLS_PORTS) {
			char what[64];

			snprintf(what, sizeof(what), "more than %u ports", SN_TURN_MAX_TLS_PORTS);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
		c->turn.tls_ports[n++] = (uint16_t)v;
	}
	c->turn.n_tls_ports = n;
	return 0;
}

/* relay_address: resolved against the [port] addresses in conf_validate(). */
static int
add_relay_addr(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	struct sn_config *c = x->c;
	struct sn_abi_addr a;
	unsigned i;

	if (sn_addr_parse(value, &a) != 0) {
		key_fail(x, k, "not an IPv4 or IPv6 address", value);
		return -EINVAL;
	}
	for (i = 0; i < c->turn.n_relay_addrs; i++) {
		if (sn_addr_eq(&c->turn.relay_addrs[i], &a)) {
			key_fail(x, k, "listed twice", value);
			return -EINVAL;
		}
	}
	if (c->turn.n_relay_addrs == SN_MAX_ADDRS) {
		key_fail(x, k, "too many relay addresses", value);
		return -EINVAL;
	}
	x->relay_addr_line[c->turn.n_relay_addrs] = x->lineno;
	c->turn.relay_addrs[c->turn.n_relay_addrs++] = a;
	return 0;
}

/* allowed_peer / denied_peer: ADDR/PREFIX (host bits must be zero) or a single address. */
static int
add_cidr(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	struct sn_config *c = x->c;
	bool allow = k == &conf_keys[K_TURN_ALLOWED];
	struct sn_cidr *list = allow ? c->turn.allowed_peers : c->turn.denied_peers;
	unsigned *n = allow ? &c->turn.n_allowed_peers : &c->turn.n_denied_peers;
	struct sn_cidr cd;
	unsigned bits, i;

	memset(&cd, 0, sizeof(cd));
	if (sn_prefix_parse(value, &cd.addr, &cd.prefix_len, false) != 0) {
		key_fail(x, k, "not ADDRESS or ADDRESS/PREFIX", value);
		return -EINVAL;
	}
	bits = cd.addr.family == SN_FAM_IPV4 ? IPV4_BITS : IPV6_BITS;
	if (strchr(value, '/') == NULL)
		cd.prefix_len = (uint8_t)bits;
	for (i = cd.prefix_len; i < bits; i++) {
		if (cd.addr.bytes[i / 8] & (0x80u >> (i % 8))) {
			key_fail(x, k, "host bits set after the prefix", value);
			return -EINVAL;
		}
	}
	if (*n == SN_TURN_MAX_CIDRS) {
		char what[64];

		snprintf(what, sizeof(what), "more than %u entries", SN_TURN_MAX_CIDRS);
		key_fail(x, k, what, value);
		return -EINVAL;
	}
	list[(*n)++] = cd;
	return 0;
}

/* Parse value for key k into the current section's struct.  0 or -EINVAL. */
static int
set_key(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	uint8_t *base = k->sect == SECT_PORT ? (uint8_t *)&x->c->ports[x->port] : (uint8_t *)x->c;
	void *field = base + k->off;
	size_t len = strlen(value);
	struct sn_abi_addr a;
	char what[96];
	uint32_t v;
	unsigned i;
	int rc;

	switch (k->type) {
	case T_UINT:
		rc = parse_u32(value, &v);
		if (rc == -EINVAL) {
			key_fail(x, k, "not a number", value);
			return -EINVAL;
		}
		if (rc != 0 || v < k->min || v > k->max) {
			snprintf(what, sizeof(what), "out of range (%" PRIu32 "..%" PRIu32 ")",
				k->min, k->max);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
		if ((k->flags & F_POW2) && !is_pow2(v)) {
			key_fail(x, k, "not a power of two", value);
			return -EINVAL;
		}
		store_uint(field, k->size, v);
		return 0;
	case T_STR:
	case T_PATH:
	case T_TOKEN:
	case T_DEVICE:
		if (len >= k->size || (k->max != 0 && len > k->max)) {
			snprintf(what, sizeof(what), "longer than %zu characters",
				k->max != 0 && k->max < k->size ? (size_t)k->max : k->size - 1);
			key_fail(x, k, what, value);
			return -EINVAL;
		}
		if (k->type == T_PATH && value[0] != '/') {
			key_fail(x, k, "not an absolute path", value);
			return -EINVAL;
		}
		if (k->type == T_TOKEN && !valid_token(value, k->size - 1)) {
			key_fail(x, k, "want letters, digits, '_' or '-'", value);
			return -EINVAL;
		}
		if (k->type == T_DEVICE) {
			if (len == 0) {
				key_fail(x, k, "empty", value);
				return -EINVAL;
			}
			for (i = 0; i < len; i++) {
				if (!isgraph((unsigned char)value[i])) {
					key_fail(x, k, "must not contain blanks", value);
					return -EINVAL;
				}
			}
		}
		memcpy(field, value, len + 1);
		return 0;
	case T_IFNAME:
		if (!valid_ifname(value) || len >= k->size) {
			key_fail(x, k, "not a network interface name (1..15 characters)", value);
			return -EINVAL;
		}
		memcpy(field, value, len + 1);
		return 0;
	case T_HUGE:
		for (i = 0; i < N_ELEM(huge_names); i++) {
			if (strcmp(value, huge_names[i]) == 0) {
				x->c->dp.huge = (enum sn_huge_mode)i;
				return 0;
			}
		}
		key_fail(x, k, "want auto, on or off", value);
		return -EINVAL;
	case T_LOGLEVEL:
		for (i = 0; i < N_ELEM(log_levels); i++) {
			if (strcmp(value, log_levels[i]) == 0) {
				memcpy(field, value, len + 1);
				return 0;
			}
		}
		key_fail(x, k, "want error, warn, info or debug", value);
		return -EINVAL;
	case T_WORKERS:
		return set_workers(x, k, value);
	case T_ADDRESS:
		return add_address(x, k, value);
	case T_GW4:
	case T_GW6:
		if (sn_addr_parse(value, &a) != 0 ||
			a.family != (k->type == T_GW4 ? SN_FAM_IPV4 : SN_FAM_IPV6)) {
			key_fail(x, k,
				k->type == T_GW4 ? "not an IPv4 address" : "not an IPv6 address",
				value);
			return -EINVAL;
		}
		if (address_problem(&a, k->type == T_GW4 ? IPV4_BITS : IPV6_BITS) != NULL) {
			key_fail(x, k, "not a unicast address", value);
			return -EINVAL;
		}
		memcpy(field, &a, sizeof(a));
		return 0;
	case T_BOOL:
		return set_bool(x, k, field, value);
	case T_PORTLIST:
		return set_portlist(x, k, value);
	case T_RELAYADDR:
		return add_relay_addr(x, k, value);
	case T_CIDR:
		return add_cidr(x, k, value);
	case T_MAC: {
		uint8_t mac[SN_ETH_ALEN];

		if (parse_mac(value, mac) != 0) {
			key_fail(x, k, "not a MAC address (xx:xx:xx:xx:xx:xx)", value);
			return -EINVAL;
		}
		if ((mac[0] & MAC_MULTICAST_BIT) ||
			memcmp(mac, (uint8_t[SN_ETH_ALEN]){0}, SN_ETH_ALEN) == 0) {
			key_fail(x, k, "not a unicast MAC address", value);
			return -EINVAL;
		}
		memcpy(field, mac, sizeof(mac));
		x->c->ports[x->port].has_gateway_mac = true;
		return 0;
	}
	}
	return -EINVAL;
}

/* inih handler: one key = value line of the current section. */
static int
conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_ctx *x = user;
	struct key_seen *seen;
	const struct conf_key *k = NULL;
	unsigned i;

	(void)section; /* the reader tracks sections, with line numbers */
	if (x->failed)
		return 1; /* the first error is the one reported */
	if (x->kind == SECT_NONE) {
		conf_fail(x, x->lineno, "%s: key outside any section: '%s'", name, value);
		return 0;
	}
	for (i = 0; i < K_MAX; i++) {
		if (conf_keys[i].sect == x->kind && strcmp(conf_keys[i].name, name) == 0) {
			k = &conf_keys[i];
			break;
		}
	}
	if (k == NULL) {
		conf_fail(x, x->lineno, "[%s] %s: unknown key: '%s'", x->sect_disp, name, value);
		return 0;
	}
	seen = x->kind == SECT_PORT ? &x->ports[x->port] : &x->global;
	if (k->type != T_ADDRESS && k->type != T_RELAYADDR && k->type != T_CIDR &&
		(seen->mask & (1ull << i))) {
		char what[64];

		snprintf(what, sizeof(what), "duplicate key (first set on line %u)", seen->line[i]);
		key_fail(x, k, what, value);
		return 0;
	}
	if (set_key(x, k, value) != 0)
		return 0;
	if (!(seen->mask & (1ull << i)))
		seen->line[i] = x->lineno;
	seen->mask |= 1ull << i;
	return 1;
}

/* ------------------------------------------------------------- sections */

static void
open_port(struct conf_ctx *x, const char *name)
{
	struct sn_config *c = x->c;
	struct sn_port_conf *p;
	unsigned i;

	snprintf(x->sect_disp, sizeof(x->sect_disp), "port %.31s", name);
	if (!valid_port_name(name)) {
		conf_fail(x, x->lineno, "[port %s]: bad port name (want 1..%u of a-z 0-9 _ -)",
			name, PORT_NAME_MAX);
		return;
	}
	for (i = 0; i < c->n_ports; i++) {
		if (strcmp(c->ports[i].name, name) == 0) {
			conf_fail(x, x->lineno, "[port %s]: duplicate section (first on line %u)",
				name, x->port_line[i]);
			return;
		}
	}
	if (c->n_ports == SN_MAX_PORTS) {
		conf_fail(x, x->lineno, "[port %s]: more than %u ports", name, SN_MAX_PORTS);
		return;
	}
	x->port = c->n_ports++;
	x->port_line[x->port] = x->lineno;
	p = &c->ports[x->port];
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	snprintf(p->tap, sizeof(p->tap), DEF_TAP_FMT, x->port);
	p->rx_desc = DEF_DESC;
	p->tx_desc = DEF_DESC;
	p->mtu = DEF_MTU;
	p->first_addr = c->n_addrs;
	p->n_addrs = 0;
	x->kind = SECT_PORT;
}

/*
 * A "[...]" line (s starts at '[').  Opens the section or records an error;
 * after an error every key is ignored (the first error is reported).
 */
static void
open_section(struct conf_ctx *x, char *s)
{
	char *close = strchr(s, ']');
	char *name, *e, *rest;
	enum sect_kind k;

	x->kind = SECT_NONE;
	if (close == NULL)
		return; /* inih reports the syntax error on this line */
	for (rest = close + 1; isspace((unsigned char)*rest); rest++)
		;
	*close = '\0';
	for (name = s + 1; isspace((unsigned char)*name); name++)
		;
	for (e = name + strlen(name); e > name && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		conf_fail(x, x->lineno, "[%s]: text after the section header: '%s'", name, rest);
		return;
	}
	if (strncmp(name, SECT_PORT_WORD, SECT_PORT_WORD_LEN) == 0 &&
		(name[SECT_PORT_WORD_LEN] == '\0' ||
			isspace((unsigned char)name[SECT_PORT_WORD_LEN]))) {
		for (s = name + SECT_PORT_WORD_LEN; isspace((unsigned char)*s); s++)
			;
		open_port(x, s);
		return;
	}
	snprintf(x->sect_disp, sizeof(x->sect_disp), "%.40s", name);
	for (k = SECT_DATAPLANE; k <= SECT_TURN; k++) {
		if (k != SECT_PORT && strcmp(name, sect_names[k]) == 0)
			break;
	}
	if (k > SECT_TURN) {
		conf_fail(x, x->lineno,
			"[%s]: unknown section (want dataplane, port NAME, relay, control or turn)",
			name);
		return;
	}
	if (x->sect_line[k] != 0) {
		conf_fail(x, x->lineno, "[%s]: duplicate section (first on line %u)", name,
			x->sect_line[k]);
		return;
	}
	x->sect_line[k] = x->lineno;
	x->kind = k;
}

/*
 * fgets-like reader for ini_parse_stream(): one whole line per call, leading
 * blanks and a UTF-8 BOM removed; section headers are handled here first.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_ctx *x = stream;
	ssize_t n;
	size_t len;
	char *s;

	errno = 0;
	n = getline(&x->line, &x->linecap, x->f);
	if (n < 0) {
		x->read_errno = errno;
		return NULL;
	}
	x->lineno++;
	s = x->line;
	len = (size_t)n;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (x->lineno == 1 && strncmp(s, UTF8_BOM, UTF8_BOM_LEN) == 0)
		s += UTF8_BOM_LEN;
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	if (num < 2 || len > (size_t)num - 2) {
		/* inih would split the line and parse the tail as another line */
		conf_fail(x, x->lineno, "line longer than %d characters", num < 2 ? 0 : num - 2);
		str[0] = '\0';
		return str;
	}
	memcpy(str, s, len + 1);
	if (*s == '[' && !x->failed)
		open_section(x, s);
	return str;
}

/* ------------------------------------------------------------- checks */

static void
post_fail_key(struct conf_ctx *x, const char *sect, unsigned key, unsigned line,
	const char *fmt_what, const char *value)
{
	conf_fail(x, line, "[%s] %s: %s: '%s'", sect, conf_keys[key].name, fmt_what, value);
}

/* Line where key was set, or fallback (the section header) when defaulted. */
static unsigned
key_line(const struct key_seen *ks, unsigned key, unsigned fallback)
{
	return (ks->mask & (1ull << key)) ? ks->line[key] : fallback;
}

/* [turn]: resolve relay addresses, lifetimes, listener ports. */
static void
turn_validate(struct conf_ctx *x)
{
	struct sn_config *c = x->c;
	char what[128], val[64];
	unsigned i;
	int idx;

	if (c->turn.n_relay_addrs == 0) {
		for (i = 0; i < c->n_addrs; i++)
			c->turn.relay_addr_idx[i] = (uint8_t)i;
		c->turn.n_relay_addrs = c->n_addrs;
		for (i = 0; i < c->n_addrs; i++)
			c->turn.relay_addrs[i] = c->addrs[i].addr;
	} else {
		for (i = 0; i < c->turn.n_relay_addrs; i++) {
			idx = sn_config_addr_index(c, &c->turn.relay_addrs[i]);
			if (idx < 0) {
				sn_addr_fmt(&c->turn.relay_addrs[i], val, sizeof(val));
				post_fail_key(x, "turn", K_TURN_RELAY_ADDR, x->relay_addr_line[i],
					"not one of the [port] addresses", val);
				return;
			}
			c->turn.relay_addr_idx[i] = (uint8_t)idx;
		}
	}
	if (c->turn.default_lifetime_s > c->turn.max_lifetime_s) {
		snprintf(what, sizeof(what), "above max_lifetime_s %u", c->turn.max_lifetime_s);
		snprintf(val, sizeof(val), "%u", c->turn.default_lifetime_s);
		post_fail_key(x, "turn", K_TURN_DEF_LIFE,
			key_line(&x->global, K_TURN_DEF_LIFE, x->sect_line[SECT_TURN]), what, val);
		return;
	}
	if (c->turn.tcp_port != 0 && c->turn.tcp_port >= c->relay.port_min &&
		c->turn.tcp_port <= c->relay.port_max) {
		snprintf(what, sizeof(what), "inside the relay port range %u-%u", c->relay.port_min,
			c->relay.port_max);
		snprintf(val, sizeof(val), "%u", c->turn.tcp_port);
		post_fail_key(x, "turn", K_TURN_TCP_PORT,
			key_line(&x->global, K_TURN_TCP_PORT, x->sect_line[SECT_TURN]), what, val);
		return;
	}
	if (c->turn.realm[0] == '\0') {
		post_fail_key(x, "turn", K_TURN_REALM,
			key_line(&x->global, K_TURN_REALM, x->sect_line[SECT_TURN]),
			"must not be empty (RFC 8489 section 14.9)", c->turn.realm);
		return;
	}
	for (i = 0; c->turn.tls_cert[0] != '\0' && i < c->turn.n_tls_ports; i++) {
		uint16_t p = c->turn.tls_ports[i];

		if ((p >= c->relay.port_min && p <= c->relay.port_max) ||
			(c->turn.tcp_port != 0 && p == c->turn.tcp_port)) {
			snprintf(what, sizeof(what), "%u clashes with tcp_port or the relay range",
				p);
			snprintf(val, sizeof(val), "%u", p);
			post_fail_key(x, "turn", K_TURN_TLS_PORTS,
				key_line(&x->global, K_TURN_TLS_PORTS, x->sect_line[SECT_TURN]),
				what, val);
			return;
		}
	}
	if (c->turn.tls_key[0] == '\0')
		snprintf(c->turn.tls_key, sizeof(c->turn.tls_key), "%s", c->turn.tls_cert);
}

/* Cross-key rules, once the whole file is read. */
static void
conf_validate(struct conf_ctx *x)
{
	struct sn_config *c = x->c;
	char what[128], val[32];
	unsigned i, j, line;

	if (c->n_ports == 0) {
		conf_fail(x, 0, "[port NAME]: no port configured (at least one is required)");
		return;
	}
	for (i = 0; i < c->n_ports; i++) {
		struct sn_port_conf *p = &c->ports[i];
		const struct key_seen *ks = &x->ports[i];
		char sect[40];

		snprintf(sect, sizeof(sect), "port %s", p->name);
		if (!(x->ports[i].mask & (1ull << K_DEVICE))) {
			conf_fail(x, x->port_line[i], "[%s] device: missing (required)", sect);
			return;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(c->ports[j].device, p->device) == 0) {
				snprintf(what, sizeof(what), "same device as port %s",
					c->ports[j].name);
				post_fail_key(x, sect, K_DEVICE,
					key_line(ks, K_DEVICE, x->port_line[i]), what, p->device);
				return;
			}
			if (strcmp(c->ports[j].tap, p->tap) == 0) {
				snprintf(what, sizeof(what), "same tap as port %s",
					c->ports[j].name);
				post_fail_key(x, sect, K_TAP, key_line(ks, K_TAP, x->port_line[i]),
					what, p->tap);
				return;
			}
		}
		for (j = p->first_addr; j < p->first_addr + p->n_addrs; j++) {
			if (c->addrs[j].addr.family == SN_FAM_IPV6 && p->mtu < MTU_IPV6_MIN) {
				snprintf(what, sizeof(what),
					"below %u with an IPv6 address (RFC 8200 section 5)",
					MTU_IPV6_MIN);
				snprintf(val, sizeof(val), "%u", p->mtu);
				post_fail_key(x, sect, K_MTU, key_line(ks, K_MTU, x->port_line[i]),
					what, val);
				return;
			}
		}
	}
	for (i = 0; i < c->dp.n_workers; i++) {
		if (c->dp.workers[i] == c->dp.main_lcore) {
			unsigned wl = x->global.line[K_WORKERS], ml = x->global.line[K_MAIN_LCORE];

			snprintf(what, sizeof(what), "lcore %u is also main_lcore",
				c->dp.main_lcore);
			snprintf(val, sizeof(val), "%u", c->dp.workers[i]);
			if (wl >= ml)
				post_fail_key(x, "dataplane", K_WORKERS, wl, what, val);
			else
				post_fail_key(x, "dataplane", K_MAIN_LCORE, ml,
					"is also in workers", val);
			return;
		}
	}
	if (c->relay.port_min > c->relay.port_max) {
		snprintf(what, sizeof(what), "port_min %u > port_max %u", c->relay.port_min,
			c->relay.port_max);
		if (x->global.line[K_PORT_MAX] >= x->global.line[K_PORT_MIN]) {
			snprintf(val, sizeof(val), "%u", c->relay.port_max);
			post_fail_key(
				x, "relay", K_PORT_MAX, x->global.line[K_PORT_MAX], what, val);
		} else {
			snprintf(val, sizeof(val), "%u", c->relay.port_min);
			post_fail_key(
				x, "relay", K_PORT_MIN, x->global.line[K_PORT_MIN], what, val);
		}
		return;
	}
	if (c->relay.stun_port >= c->relay.port_min && c->relay.stun_port <= c->relay.port_max) {
		snprintf(what, sizeof(what), "inside the relay port range %u-%u", c->relay.port_min,
			c->relay.port_max);
		snprintf(val, sizeof(val), "%u", c->relay.stun_port);
		/* report on the last of the three lines: the one that made the clash */
		line = x->global.line[K_STUN_PORT];
		if (x->global.line[K_PORT_MIN] > line)
			line = x->global.line[K_PORT_MIN];
		if (x->global.line[K_PORT_MAX] > line)
			line = x->global.line[K_PORT_MAX];
		post_fail_key(x, "relay", K_STUN_PORT, line, what, val);
		return;
	}
	turn_validate(x);
}

/* ------------------------------------------------------------- API */

void
sn_config_defaults(struct sn_config *c)
{
	memset(c, 0, sizeof(*c));
	c->dp.main_lcore = DEF_MAIN_LCORE;
	c->dp.workers[0] = DEF_WORKER_LCORE;
	c->dp.n_workers = 1;
	c->dp.huge = SN_HUGE_AUTO;
	c->dp.mem_mb = DEF_MEM_MB;
	c->dp.mbufs = DEF_MBUFS;
	c->dp.max_sessions = DEF_MAX_SESSIONS;
	c->dp.max_allocs = DEF_MAX_ALLOCS;
	c->dp.burst = DEF_BURST;
	c->dp.punt_rate_pps = DEF_PUNT_RATE_PPS;
	c->dp.punt_rate_stream_pps = DEF_PUNT_RATE_STREAM;
	c->dp.cmds_per_loop = DEF_CMDS_PER_LOOP;
	c->dp.idle_sleep_us = DEF_IDLE_SLEEP_US;
	c->dp.idle_after_us = DEF_IDLE_AFTER_US;
	c->dp.cmd_slots = DEF_RING_SLOTS;
	c->dp.cpl_slots = DEF_RING_SLOTS;
	snprintf(c->dp.shm_path, sizeof(c->dp.shm_path), "%s", SN_SHM_DEFAULT_PATH);
	snprintf(c->dp.file_prefix, sizeof(c->dp.file_prefix), "%s", DEF_FILE_PREFIX);
	c->relay.stun_port = SN_STUN_DEFAULT_PORT;
	c->relay.port_min = DEF_PORT_MIN;
	c->relay.port_max = DEF_PORT_MAX;
	snprintf(c->cp.admin_socket, sizeof(c->cp.admin_socket), "%s", DEF_ADMIN_SOCKET);
	c->cp.idle_timeout_s = DEF_IDLE_TIMEOUT_S;
	c->cp.replay_timeout_ms = DEF_REPLAY_TIMEOUT_MS;
	snprintf(c->cp.log_level, sizeof(c->cp.log_level), "%s", DEF_LOG_LEVEL);
	c->turn.enabled = true;
	snprintf(c->turn.realm, sizeof(c->turn.realm), "%s", DEF_TURN_REALM);
	snprintf(c->turn.software, sizeof(c->turn.software), "%s", DEF_TURN_SOFTWARE);
	c->turn.tcp_port = DEF_TURN_TCP_PORT;
	c->turn.tls_ports[0] = DEF_TURN_TLS_PORT;
	c->turn.tls_ports[1] = DEF_TURN_TLS_PORT_ALT;
	c->turn.n_tls_ports = 2;
	snprintf(c->turn.users_file, sizeof(c->turn.users_file), "%s", DEF_TURN_USERS);
	snprintf(c->turn.secrets_file, sizeof(c->turn.secrets_file), "%s", DEF_TURN_SECRETS);
	c->turn.nonce_lifetime_s = DEF_NONCE_LIFETIME_S;
	c->turn.default_lifetime_s = DEF_ALLOC_LIFETIME_S;
	c->turn.max_lifetime_s = DEF_ALLOC_MAX_LIFE_S;
	c->turn.error_rate_pps = DEF_ERROR_RATE_PPS;
}

/*
 * Contract in sn_config.h.  Returns 0; -ENOENT (no such file) or another
 * -errno when the file cannot be opened or read; -EINVAL for any content
 * error.  err always receives a one-line message on failure.
 */
int
sn_config_load(const char *path, struct sn_config *c, char *err, size_t errlen)
{
	struct conf_ctx *x;
	int rc, ret = 0;

	sn_config_defaults(c);
	if (err != NULL && errlen != 0)
		err[0] = '\0';
	if (path == NULL) {
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "no configuration file given");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	x->c = c;
	x->path = path;
	if (strlen(path) >= sizeof(c->path)) {
		conf_fail(x, 0, "path longer than %zu characters", sizeof(c->path) - 1);
		ret = -EINVAL;
		goto out;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	x->f = fopen(path, "r");
	if (x->f == NULL) {
		ret = -errno;
		conf_fail(x, 0, "cannot open: %s", strerror(errno));
		goto out;
	}

	rc = ini_parse_stream(conf_reader, x, conf_handler, x);
	if (ferror(x->f)) {
		ret = x->read_errno != 0 ? -x->read_errno : -EIO;
		x->failed = false;
		conf_fail(x, 0, "cannot read after line %u: %s", x->lineno, strerror(-ret));
		goto out;
	}
	if (rc > 0 && (!x->failed || (unsigned)rc < x->err_line)) {
		/* inih found a line that is neither [section], key = value nor a comment */
		x->failed = false;
		conf_fail(x, (unsigned)rc,
			"syntax error: expected '[section]', 'key = value' or a comment");
	} else if (rc < 0 && !x->failed) {
		conf_fail(x, 0, "parser error %d", rc);
	}
	if (!x->failed)
		conf_validate(x);
	if (x->failed)
		ret = -EINVAL;
out:
	if (ret != 0 && err != NULL && errlen != 0)
		snprintf(err, errlen, "%s", x->msg);
	if (x->f != NULL)
		fclose(x->f);
	free(x->line);
	free(x);
	return ret;
}

/* Index of the appliance address equal to a (family and bytes), or -1. */
int
sn_config_addr_index(const struct sn_config *c, const struct sn_abi_addr *a)
{
	unsigned i;

	for (i = 0; i < c->n_addrs; i++)
		if (sn_addr_eq(&c->addrs[i].addr, a))
			return (int)i;
	return -1;
}
