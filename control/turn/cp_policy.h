/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN peer policy: which peer addresses and ports a relay allocation may
 * send to (CreatePermission, ChannelBind, Send indications; RFC 8656 sec. 9
 * "Permissions" and its Security Considerations: a relay must not become a
 * way into the appliance's own networks or onto special-purpose addresses
 * -- the coturn CVE-2020-26262 class).
 *
 * A struct cp_policy is a compiled object: parsed CIDR lists held as
 * (network, mask) pairs in fixed arrays, no allocation, no locks.  Build it
 * once from configuration (cp_policy_init(), then *_cidr() and add_self()),
 * then call cp_policy_check() from any number of threads (read only).
 *
 * Order of evaluation for an address (first rule that decides wins):
 *
 *   1. the operator's deny list                        -> DENY_CONFIG
 *   2. the appliance's own addresses and the directed
 *      broadcasts of its IPv4 subnets (not overridable) -> DENY_SELF / BROADCAST
 *   3. IPv6 only: an IPv6 form that embeds an IPv4 address (IPv4-mapped,
 *      IPv4-compatible, SIIT IPv4-translated, NAT64 64:ff9b::/96 and
 *      64:ff9b:1::/48, 6to4, Teredo server and client, ISATAP interface ids):
 *      every embedded IPv4 address is checked by rules 1..5 for IPv4; one
 *      refused -> DENY_EMBEDDED_V4 with the inner verdict.  An allow entry
 *      for an IPv6 range never lets an IPv4 destination through: allow the
 *      IPv4 address itself.  All embedded addresses allowed: the wrapper is
 *      allowed (ISATAP, whose prefix is an ordinary one, goes on to 4.).
 *      ::/128 and ::1/128 are not IPv4-compatible (they go on to 5.).  In
 *      64:ff9b:1::/48 every RFC 6052 reading is checked (cp_policy.c):
 *      public destinations there need the /96 format.
 *   4. the operator's allow list (overrides 5.)        -> ALLOW
 *   5. the default special-purpose table when enabled
 *      (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890; see
 *      cp_policy.c for every entry)                    -> DENY_<reason>
 *   6. otherwise                                       -> ALLOW
 *
 * Cost: a linear scan over compiled (network, mask) arrays, per family:
 * one AND and one compare per IPv4 entry, two of each per IPv6 entry, no
 * allocation.  The default tables hold 17 IPv4 and
 * 13 IPv6 entries.  Measured on the 2-vCPU dev VM (gcc -O2, one address
 * checked 10^7 times): default tables only, public IPv4 7 ns (18 TSC
 * cycles), public IPv6 9 ns, ::ffff:public 9 ns, Teredo (two embedded
 * addresses) 17 ns; with 32 operator deny entries per family 18, 18, 29 and
 * 46 ns.  Cheap next to parsing the TURN request that asks for it; a trie
 * only pays off with thousands of operator entries.
 */
#ifndef CP_POLICY_H
#define CP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"

/*
 * Verdicts, one X-macro list so logs, counters and snctl name the same
 * reasons.  X(ENUM_SUFFIX, "name", "one-line description")
 */
#define CP_POLICY_VERDICTS(X)                                                                  \
	X(ALLOW, "allow", "peer allowed")                                                      \
	X(DENY_UNSPECIFIED, "unspecified", "unspecified address 0.0.0.0 or ::")                \
	X(DENY_THIS_NETWORK, "this_network", "\"this network\" 0.0.0.0/8 (RFC 791)")           \
	X(DENY_LOOPBACK, "loopback", "loopback 127.0.0.0/8, ::1")                              \
	X(DENY_PRIVATE, "private",                                                             \
		"private-use RFC 1918, unique local fc00::/7, site-local fec0::/10")           \
	X(DENY_CGN, "cgn", "shared address space 100.64.0.0/10 (RFC 6598)")                    \
	X(DENY_LINK_LOCAL, "link_local", "link-local 169.254.0.0/16, fe80::/10")               \
	X(DENY_MULTICAST, "multicast", "multicast 224.0.0.0/4, ff00::/8")                      \
	X(DENY_BROADCAST, "broadcast",                                                         \
		"limited broadcast 255.255.255.255, directed broadcast of an own subnet")      \
	X(DENY_BENCHMARK, "benchmark", "benchmarking 198.18.0.0/15, 2001:2::/48")              \
	X(DENY_DOCUMENTATION, "documentation",                                                 \
		"documentation 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, " \
		"3fff::/20")                                                                   \
	X(DENY_IETF_PROTOCOL, "ietf_protocol",                                                 \
		"IETF protocol assignments 192.0.0.0/24, 2001::/23")                           \
	X(DENY_RESERVED, "reserved",                                                           \
		"reserved 240.0.0.0/4, deprecated 192.88.99.0/24, IPv6 outside 2000::/3")      \
	X(DENY_SELF, "self", "one of the appliance's own addresses")                           \
	X(DENY_CONFIG, "denied_by_config", "in the operator's deny list")                      \
	X(DENY_EMBEDDED_V4, "embedded_v4", "IPv6 form embedding a refused IPv4 address")       \
	X(DENY_PORT, "port", "peer port 0 or below the configured minimum")                    \
	X(DENY_INVALID, "invalid", "not an IPv4 or IPv6 address")

#define CP_POLICY_ENUM_(name, str, desc) CP_POLICY_##name,
enum cp_policy_verdict { CP_POLICY_VERDICTS(CP_POLICY_ENUM_) CP_POLICY_VERDICT_MAX };
#undef CP_POLICY_ENUM_

extern const char *const cp_policy_verdict_names[CP_POLICY_VERDICT_MAX];
extern const char *const cp_policy_verdict_descs[CP_POLICY_VERDICT_MAX];

/* Capacities of the operator lists (per family) and of the own-address list. */
#define CP_POLICY_MAX_CIDRS 256
#define CP_POLICY_MAX_SELF  64
/* Room for the compiled default tables (cp_policy.c), per family. */
#define CP_POLICY_MAX_DEFAULTS 32
/* Lowest peer port allowed by default: port 0 is never a real peer. */
#define CP_POLICY_PORT_MIN_DEFAULT 1
/* Longest text a CIDR may have: an IPv6 address with dotted quad plus "/128". */
#define CP_POLICY_CIDR_TEXT_MAX 64
/* Room for cp_policy_verdict_fmt(): "embedded_v4:denied_by_config". */
#define CP_POLICY_VERDICT_STRLEN 48

/* One compiled IPv4 rule: addr & mask == net (host order). */
struct cp_policy_rule4 {
	uint32_t net;
	uint32_t mask;
	uint8_t verdict; /* enum cp_policy_verdict */
};

/* One compiled IPv6 rule over the address as two host-order 64-bit halves. */
struct cp_policy_rule6 {
	uint64_t net[2];
	uint64_t mask[2];
	uint8_t verdict; /* enum cp_policy_verdict */
};

struct cp_policy_list4 {
	uint32_t n;
	struct cp_policy_rule4 r[CP_POLICY_MAX_CIDRS];
};

struct cp_policy_list6 {
	uint32_t n;
	struct cp_policy_rule6 r[CP_POLICY_MAX_CIDRS];
};

struct cp_policy {
	bool defaults;	   /* default special-purpose deny table enabled */
	uint16_t port_min; /* lowest peer port allowed */
	struct cp_policy_list4 deny4, allow4, self4; /* self4: own addresses, /32 */
	struct cp_policy_list4 bcast4;		     /* directed broadcasts, /32 */
	struct cp_policy_list6 deny6, allow6, self6;
	uint32_t n_def4, n_def6; /* compiled default tables (0 when disabled) */
	struct cp_policy_rule4 def4[CP_POLICY_MAX_DEFAULTS];
	struct cp_policy_rule6 def6[CP_POLICY_MAX_DEFAULTS];
};

/* A parsed CIDR: family SN_FAM_IPV4/IPV6, network bytes, prefix length. */
struct cp_policy_cidr {
	struct sn_abi_addr addr; /* host bits zero */
	uint8_t prefix_len;
};

/* Where and why a CIDR text was refused. */
struct cp_policy_err {
	size_t pos;	 /* byte offset into the text */
	const char *msg; /* static string */
};

/*
 * Reset p: empty operator lists, no own addresses, peer port minimum
 * CP_POLICY_PORT_MIN_DEFAULT, and the default special-purpose deny table
 * on when defaults is true (off: only the operator lists, own addresses and
 * embedded-IPv4 checks of those apply).
 */
void cp_policy_init(struct cp_policy *p, bool defaults);

/*
 * Parse [start, end) as "a.b.c.d/n", "a.b.c.d", "x:y::z/n" or "x:y::z" (no
 * prefix: a single address).  No spaces, no zone ids, prefix length in
 * decimal without sign, at most 32/128, and no host bits set past the
 * prefix.  Returns 0 with c filled, or -EINVAL with err->pos the offset of
 * the offending byte (0 for an address inet_pton refuses as a whole) and
 * err->msg a reason.  Never reads outside [start, end).
 */
int cp_policy_parse_cidr(
	const char *start, const char *end, struct cp_policy_cidr *c, struct cp_policy_err *err);

/*
 * Add a CIDR (NUL-terminated text, cp_policy_parse_cidr() syntax) to the
 * allow list (overrides the default table for that range) or the deny list
 * (always wins, also over allow entries and for embedded IPv4 addresses).
 * 0, -EINVAL (err filled when not NULL) or -ENOSPC (list full).
 */
int cp_policy_allow_cidr(struct cp_policy *p, const char *text, struct cp_policy_err *err);
int cp_policy_deny_cidr(struct cp_policy *p, const char *text, struct cp_policy_err *err);

/* The same from a parsed CIDR.  0 or -ENOSPC (-EINVAL: bad family). */
int cp_policy_allow(struct cp_policy *p, const struct cp_policy_cidr *c);
int cp_policy_deny(struct cp_policy *p, const struct cp_policy_cidr *c);

/*
 * Deny one of the appliance's own addresses (relay, signalling, admin).
 * Not overridable by the allow list.  0, -EINVAL (family) or -ENOSPC.
 */
int cp_policy_add_self(struct cp_policy *p, const struct sn_abi_addr *a);

/*
 * Own IPv4 subnet a/prefix_len: deny its directed broadcast address
 * (RFC 919, RFC 922) as DENY_BROADCAST, not overridable.  A no-op for IPv6
 * and for prefixes longer than /30 (no broadcast address).  0, -EINVAL or
 * -ENOSPC.
 */
int cp_policy_add_self_subnet(struct cp_policy *p, const struct sn_abi_addr *a, uint8_t prefix_len);

/* Lowest peer port allowed (default CP_POLICY_PORT_MIN_DEFAULT; 0 allows port 0). */
void cp_policy_set_port_min(struct cp_policy *p, uint16_t port_min);

/*
 * The verdict for sending to peer (order above).  When inner is not NULL it
 * receives the verdict of the embedded IPv4 address for DENY_EMBEDDED_V4,
 * else CP_POLICY_ALLOW.  Read only on p; safe from concurrent readers.
 */
enum cp_policy_verdict cp_policy_check(
	const struct cp_policy *p, const struct sn_abi_addr *peer, enum cp_policy_verdict *inner);

/* ALLOW, or DENY_PORT for a peer port (host order) below the minimum. */
enum cp_policy_verdict cp_policy_check_port(const struct cp_policy *p, uint16_t port);

/* Address then port (port in host order); inner as for cp_policy_check(). */
enum cp_policy_verdict cp_policy_check_endpoint(const struct cp_policy *p,
	const struct sn_abi_addr *peer, uint16_t port, enum cp_policy_verdict *inner);

/* "loopback", "embedded_v4", ... ("?" out of range). */
const char *cp_policy_verdict_name(enum cp_policy_verdict v);

/*
 * Verdict text for logs: the name, and for DENY_EMBEDDED_V4 the inner name
 * after a colon ("embedded_v4:loopback").  Returns buf.
 */
char *cp_policy_verdict_fmt(
	enum cp_policy_verdict v, enum cp_policy_verdict inner, char *buf, size_t len);

/* Format a parsed CIDR as "a.b.c.d/n" or "x::y/n".  Returns buf. */
char *cp_policy_cidr_fmt(const struct cp_policy_cidr *c, char *buf, size_t len);

#endif /* CP_POLICY_H */
