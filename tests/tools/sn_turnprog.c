/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-turnprog: program TURN allocations into a running sn-dataplane
 * directly through the shared-memory mailbox (sn_abi.h), without
 * sn-control.  For tests and benchmarks only: the command ring is
 * single-producer, so sn-control must NOT be running on the same region.
 *
 *   sn-turnprog [-s SHM] COMMAND [ARGS...]
 *
 * Commands (IDs are allocation ids = flow ids < max_allocs; ADDRIDX is
 * the appliance address index, config order; lifetime=S is relative to
 * the dataplane's clock: expiry_s = now_s + S, 0 = free the entry):
 *   alloc ID client=ADDR:PORT server=ADDRIDX:PORT
 *         relay=ADDRIDX:PORT[,ADDRIDX:PORT] lifetime=S [stream] [rate=BPS]
 *         [burst=BYTES]
 *   perm ID IDX PEERADDR lifetime=S
 *   chan ID IDX NUMBER PERMIDX PEERPORT lifetime=S     (NUMBER 0 frees)
 *   del ID
 *   bulk        the four commands above, one per line on stdin (blank
 *               lines and '#' comments skipped), pipelined through the
 *               ring with back-pressure; prints a summary line
 *   now         the dataplane's now_s
 *   stats       every counter summed over lcores, as JSON
 *               {"now_s": .., "allocs_active": .., "neigh_resolved": ..,
 *                "total": {"events": {...}, "punts": {...}, "drops": {...}}}
 *   show ID     allocation slot ID as JSON (state, tuple, permissions,
 *               channels, per-direction counters)
 *
 * Each command waits for its completion.  Exit status 0 when every
 * command succeeded, 1 when one failed (the first MAX_REPORTED failures
 * are printed on stderr with their line number and errno name), 2 on
 * usage errors.
 *
 * The mailbox protocol is cp_mbox.c's: attach, read the generation, write
 * a slot, publish head (release); completions come back with the
 * command's seq.  Sequence numbers start at a random base so completions
 * left in the ring by an earlier process are ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "sn_abi.h"
#include "sn_addr.h"
#include "sn_counters.h"
#include "sn_ring.h"
#include "sn_shm.h"

#define PROG		 "sn-turnprog"
#define EXIT_USAGE	 2
#define MAX_TOKENS	 16
#define LINE_MAX_LEN	 1024
#define IDLE_SLEEP_NS	 20000		/* no progress: let the dataplane's main lcore run */
#define STALL_TIMEOUT_NS 10000000000ull /* 10 s without a completion: give up */
#define NS_PER_S	 1000000000ull
#define ARG_MAX_LEN	 128
#define MAX_REPORTED	 20 /* failures printed one by one; the rest only counted */

struct prog {
	struct sn_shm shm;
	uint64_t gen;
	uint32_t seq0, next_seq; /* our commands: seq in [seq0, next_seq) */
	uint64_t inflight;
	uint64_t sent, ok, failed;
	uint32_t *line_of; /* [map_mask + 1]: input line of seq (bulk) */
	uint32_t map_mask;
	uint64_t last_progress_ns;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
idle(void)
{
	struct timespec ts = {0, IDLE_SLEEP_NS};

	nanosleep(&ts, NULL);
}

static const char *
cmd_name(uint16_t type)
{
	switch (type) {
	case SN_CMD_ALLOC_SET:
		return "alloc";
	case SN_CMD_ALLOC_DEL:
		return "del";
	case SN_CMD_PERM_SET:
		return "perm";
	case SN_CMD_CHAN_SET:
		return "chan";
	default:
		return "?";
	}
}

static const char *
errno_name(int e)
{
	switch (e) {
	case 0:
		return "ok";
	case ERANGE:
		return "ERANGE";
	case EINVAL:
		return "EINVAL";
	case EEXIST:
		return "EEXIST";
	case ENOENT:
		return "ENOENT";
	case ENOSPC:
		return "ENOSPC";
	case ESTALE:
		return "ESTALE";
	case EPROTO:
		return "EPROTO";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return "error";
	}
}

static int
prog_attach(struct prog *p, const char *path)
{
	size_t slots;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = sn_shm_attach(&p->shm, path);
	if (ret != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-ret));
		return ret;
	}
	if (__atomic_load_n(&p->shm.hdr->dp_state, __ATOMIC_ACQUIRE) != SN_DP_RUNNING) {
		fprintf(stderr, PROG ": %s: dataplane not running\n", path);
		return -ENOTCONN;
	}
	p->gen = sn_shm_generation(&p->shm);
	p->seq0 = (uint32_t)(mono_ns() ^ ((uint64_t)getpid() << 16));
	p->next_seq = p->seq0;
	/* commands in flight <= command ring + completion ring */
	slots = 1;
	while (slots < (size_t)p->shm.hdr->cmd_slots + p->shm.hdr->cpl_slots)
		slots <<= 1;
	p->line_of = calloc(slots, sizeof(*p->line_of));
	if (p->line_of == NULL)
		return -ENOMEM;
	p->map_mask = (uint32_t)(slots - 1);
	p->last_progress_ns = mono_ns();
	return 0;
}

/* Read completions; report failures.  Returns completions of ours. */
static unsigned
prog_drain(struct prog *p)
{
	const void *slot;
	struct sn_cpl c;
	unsigned n = 0;

	while ((slot = sn_ring_cons_slot(p->shm.cpl)) != NULL) {
		memcpy(&c, slot, sizeof(c));
		sn_ring_cons_release(p->shm.cpl);
		if (c.type != SN_CPL_RESULT || (uint32_t)(c.seq - p->seq0) >= p->next_seq - p->seq0)
			continue; /* an event, or left over from someone else */
		n++;
		p->inflight--;
		if (c.status == 0) {
			p->ok++;
			continue;
		}
		p->failed++;
		if (p->failed <= MAX_REPORTED)
			fprintf(stderr, PROG ": line %u: id %u: %s (%d)\n",
				p->line_of[c.seq & p->map_mask], c.flow_id, errno_name(-c.status),
				c.status);
	}
	if (n > 0)
		p->last_progress_ns = mono_ns();
	return n;
}

/* Is the dataplane we attached still there? */
static bool
prog_alive(const struct prog *p)
{
	return sn_shm_generation(&p->shm) == p->gen &&
	       __atomic_load_n(&p->shm.hdr->dp_state, __ATOMIC_ACQUIRE) == SN_DP_RUNNING;
}

/* Wait for progress; false after STALL_TIMEOUT_NS without any, or when the dp went away. */
static bool
prog_wait(struct prog *p)
{
	if (prog_drain(p) > 0)
		return true;
	if (!prog_alive(p)) {
		fprintf(stderr, PROG ": the dataplane stopped or restarted\n");
		return false;
	}
	if (mono_ns() - p->last_progress_ns > STALL_TIMEOUT_NS) {
		fprintf(stderr, PROG ": no completion for 10 s (%" PRIu64 " in flight)\n",
			p->inflight);
		return false;
	}
	idle();
	return true;
}

/* Post one command (waits for ring space). */
static int
prog_post(struct prog *p, struct sn_cmd *c, uint32_t line)
{
	struct sn_cmd *slot;

	while ((slot = sn_ring_prod_slot(p->shm.cmd)) == NULL)
		if (!prog_wait(p))
			return -ETIMEDOUT;
	c->version = SN_ABI_VERSION;
	c->seq = p->next_seq++;
	c->generation = p->gen;
	p->line_of[c->seq & p->map_mask] = line;
	memcpy(slot, c, sizeof(*slot));
	sn_ring_prod_commit(p->shm.cmd);
	p->inflight++;
	p->sent++;
	return 0;
}

/* Wait until every posted command is answered. */
static int
prog_flush(struct prog *p)
{
	while (p->inflight > 0)
		if (!prog_wait(p))
			return -ETIMEDOUT;
	return 0;
}

/* ---------------------------------------------------------------- parsing */

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "IDX:PORT" (appliance address index, port) */
static int
parse_idx_port(const char *s, uint8_t *idx, uint16_t *port_be)
{
	char buf[ARG_MAX_LEN], *colon;
	uint32_t i, port;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	if (parse_u32(buf, SN_MAX_ADDRS - 1, &i) != 0 ||
		parse_u32(colon + 1, UINT16_MAX, &port) != 0)
		return -EINVAL;
	*idx = (uint8_t)i;
	*port_be = htons((uint16_t)port);
	return 0;
}

/* Value of "key=value" if tok starts with key=, else NULL. */
static const char *
kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	return strncmp(tok, key, n) == 0 && tok[n] == '=' ? tok + n + 1 : NULL;
}

/* Lifetime (seconds from now) to an expiry in dataplane seconds; 0 stays 0. */
static uint32_t
expiry_of(const struct prog *p, uint32_t lifetime)
{
	uint32_t now = __atomic_load_n(&p->shm.hdr->now_s, __ATOMIC_RELAXED);

	return lifetime == 0 ? 0 : now + lifetime;
}

static int
build_alloc(const struct prog *p, int n, char **t, struct sn_cmd *c)
{
	struct sn_cmd_alloc *ca = &c->u.alloc;
	bool have_client = false, have_server = false, have_relay = false, have_life = false;
	uint32_t v;
	int i;

	c->type = SN_CMD_ALLOC_SET;
	c->len = sizeof(*ca);
	for (i = 2; i < n; i++) {
		const char *val;
		uint16_t port;

		if ((val = kv(t[i], "client")) != NULL) {
			if (sn_endpoint_parse(val, &ca->client, &port) != 0)
				return -EINVAL;
			ca->client_port = htons(port);
			have_client = true;
		} else if ((val = kv(t[i], "server")) != NULL) {
			if (parse_idx_port(val, &ca->server_addr_idx, &ca->server_port) != 0)
				return -EINVAL;
			have_server = true;
		} else if ((val = kv(t[i], "relay")) != NULL) {
			char buf[ARG_MAX_LEN], *comma;

			if (strlen(val) >= sizeof(buf))
				return -EINVAL;
			strcpy(buf, val);
			comma = strchr(buf, ',');
			if (comma != NULL)
				*comma = '\0';
			if (parse_idx_port(buf, &ca->relay[0].addr_idx, &ca->relay[0].port) != 0)
				return -EINVAL;
			ca->relay[0].used = 1;
			if (comma != NULL) {
				if (parse_idx_port(comma + 1, &ca->relay[1].addr_idx,
					    &ca->relay[1].port) != 0)
					return -EINVAL;
				ca->relay[1].used = 1;
			}
			have_relay = true;
		} else if ((val = kv(t[i], "lifetime")) != NULL) {
			if (parse_u32(val, UINT32_MAX, &v) != 0)
				return -EINVAL;
			ca->expiry_s = expiry_of(p, v);
			have_life = true;
		} else if ((val = kv(t[i], "rate")) != NULL) {
			if (parse_u32(val, UINT32_MAX, &ca->rate_bytes_per_s) != 0)
				return -EINVAL;
		} else if ((val = kv(t[i], "burst")) != NULL) {
			if (parse_u32(val, UINT32_MAX, &ca->burst_bytes) != 0)
				return -EINVAL;
		} else if (strcmp(t[i], "stream") == 0) {
			ca->flags |= SN_ALLOC_STREAM;
		} else {
			return -EINVAL;
		}
	}
	return have_client && have_server && have_relay && have_life ? 0 : -EINVAL;
}

static int
build_perm(const struct prog *p, int n, char **t, struct sn_cmd *c)
{
	struct sn_cmd_perm *cp = &c->u.perm;
	const char *life;
	uint32_t idx, v;

	c->type = SN_CMD_PERM_SET;
	c->len = sizeof(*cp);
	if (n != 5 || parse_u32(t[2], UINT8_MAX, &idx) != 0 ||
		sn_addr_parse(t[3], &cp->peer) != 0 || (life = kv(t[4], "lifetime")) == NULL ||
		parse_u32(life, UINT32_MAX, &v) != 0)
		return -EINVAL;
	cp->idx = (uint8_t)idx;
	cp->expiry_s = expiry_of(p, v);
	return 0;
}

static int
build_chan(const struct prog *p, int n, char **t, struct sn_cmd *c)
{
	struct sn_cmd_chan *cc = &c->u.chan;
	uint32_t idx, num, perm, port, v;
	const char *life;

	c->type = SN_CMD_CHAN_SET;
	c->len = sizeof(*cc);
	if (n != 7 || parse_u32(t[2], UINT8_MAX, &idx) != 0 ||
		parse_u32(t[3], UINT16_MAX, &num) != 0 || parse_u32(t[4], UINT8_MAX, &perm) != 0 ||
		parse_u32(t[5], UINT16_MAX, &port) != 0 || (life = kv(t[6], "lifetime")) == NULL ||
		parse_u32(life, UINT32_MAX, &v) != 0)
		return -EINVAL;
	cc->idx = (uint8_t)idx;
	cc->number = (uint16_t)num;
	cc->perm_idx = (uint8_t)perm;
	cc->peer_port = htons((uint16_t)port);
	cc->expiry_s = expiry_of(p, v);
	return 0;
}

/* One command line (tokens t[0..n)) into c.  0 or -EINVAL. */
static int
build_cmd(const struct prog *p, int n, char **t, struct sn_cmd *c)
{
	uint32_t id;

	memset(c, 0, sizeof(*c));
	if (n < 2 || parse_u32(t[1], UINT32_MAX, &id) != 0)
		return -EINVAL;
	c->flow_id = id;
	if (strcmp(t[0], "alloc") == 0)
		return build_alloc(p, n, t, c);
	if (strcmp(t[0], "perm") == 0)
		return build_perm(p, n, t, c);
	if (strcmp(t[0], "chan") == 0)
		return build_chan(p, n, t, c);
	if (strcmp(t[0], "del") == 0 && n == 2) {
		c->type = SN_CMD_ALLOC_DEL;
		return 0;
	}
	return -EINVAL;
}

/* --------------------------------------------------------------- commands */

static int
run_one(struct prog *p, int n, char **t)
{
	struct sn_cmd c;

	if (build_cmd(p, n, t, &c) != 0) {
		fprintf(stderr, PROG ": bad command (see the usage in the source or -h)\n");
		return EXIT_USAGE;
	}
	if (prog_post(p, &c, 0) != 0 || prog_flush(p) != 0)
		return EXIT_FAILURE;
	if (p->failed == 0)
		printf("%s %u: ok\n", cmd_name(c.type), c.flow_id);
	return p->failed == 0 ? 0 : EXIT_FAILURE;
}

static int
run_bulk(struct prog *p)
{
	char line[LINE_MAX_LEN], *t[MAX_TOKENS];
	uint64_t t0 = mono_ns(), bad = 0;
	uint32_t lineno = 0;
	struct sn_cmd c;
	double secs;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *save = NULL, *tok;
		int n = 0;

		lineno++;
		for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL && n < MAX_TOKENS;
			tok = strtok_r(NULL, " \t\r\n", &save))
			t[n++] = tok;
		if (n == 0 || t[0][0] == '#')
			continue;
		if (build_cmd(p, n, t, &c) != 0) {
			fprintf(stderr, PROG ": line %u: bad command\n", lineno);
			bad++;
			continue;
		}
		if (prog_post(p, &c, lineno) != 0)
			return EXIT_FAILURE;
		prog_drain(p);
	}
	if (prog_flush(p) != 0)
		return EXIT_FAILURE;
	if (p->failed > MAX_REPORTED)
		fprintf(stderr, PROG ": ... %" PRIu64 " failures in all\n", p->failed);
	secs = (double)(mono_ns() - t0) / NS_PER_S;
	printf("commands=%" PRIu64 " ok=%" PRIu64 " failed=%" PRIu64 " bad_lines=%" PRIu64
	       " seconds=%.3f commands_per_second=%.0f\n",
		p->sent, p->ok, p->failed, bad, secs, secs > 0 ? (double)p->sent / secs : 0.0);
	return p->failed == 0 && bad == 0 ? 0 : EXIT_FAILURE;
}

static int
run_stats(struct prog *p)
{
	static uint64_t tot[SN_CNT_MAX];
	struct sn_lcore_stats st;
	unsigned i, k;

	for (i = 0; i < p->shm.hdr->n_lcores && i < SN_MAX_LCORES; i++) {
		if (sn_shm_read_lcore(&p->shm, i, &st) != 0)
			continue;
		for (k = 0; k < SN_CNT_MAX; k++)
			tot[k] += st.cnt[k];
	}
	printf("{\"now_s\": %u, \"allocs_active\": %" PRIu64 ", \"neigh_resolved\": %" PRIu64
	       ", \"total\": {\"events\": {",
		p->shm.hdr->now_s, p->shm.hdr->allocs_active, p->shm.hdr->neigh_resolved);
	for (k = 0; k < SN_EV_MAX; k++)
		printf("%s\"%s\": %" PRIu64, k ? ", " : "", sn_event_names[k],
			tot[SN_CNT_EVENT(k)]);
	printf("}, \"punts\": {");
	for (k = 0; k < SN_PUNT_MAX; k++)
		printf("%s\"%s\": %" PRIu64, k ? ", " : "", sn_punt_names[k], tot[SN_CNT_PUNT(k)]);
	printf("}, \"drops\": {");
	for (k = 1; k < SN_DROP_MAX; k++)
		printf("%s\"%s\": %" PRIu64, k > 1 ? ", " : "", sn_drop_names[k],
			tot[SN_CNT_DROP(k)]);
	printf("}}}\n");
	return 0;
}

static void
print_addr(uint8_t fam, const uint8_t *bytes)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(fam == SN_FAM_IPV4 ? AF_INET : AF_INET6, bytes, buf, sizeof(buf)) == NULL)
		strcpy(buf, "?");
	printf("\"%s\"", buf);
}

static int
run_show(struct prog *p, const char *arg)
{
	const struct sn_alloc *a;
	uint32_t id;
	unsigned i;

	if (parse_u32(arg, UINT32_MAX, &id) != 0 || id >= p->shm.hdr->max_allocs) {
		fprintf(stderr, PROG ": show: bad id %s\n", arg);
		return EXIT_USAGE;
	}
	a = &p->shm.allocs[id];
	printf("{\"id\": %u, \"state\": %u, \"flags\": %u, \"expiry_s\": %u, \"now_s\": %u, "
	       "\"client_family\": %u, \"client\": ",
		id, a->state, a->flags, a->expiry_s, p->shm.hdr->now_s, a->client_family);
	print_addr(
		a->client_family == SN_FAM_NONE ? SN_FAM_IPV4 : a->client_family, a->client_addr);
	printf(", \"client_port\": %u, \"server_addr_idx\": %u, \"server_port\": %u, \"relay\": [",
		ntohs(a->client_port), a->server_addr_idx, ntohs(a->server_port));
	for (i = 0; i < SN_TURN_MAX_RELAYS; i++)
		printf("%s{\"used\": %u, \"addr_idx\": %u, \"port\": %u}", i ? ", " : "",
			a->relay[i].used, a->relay[i].addr_idx, ntohs(a->relay[i].port));
	printf("], \"perms\": [");
	for (i = 0; i < SN_TURN_MAX_PERMS; i++) {
		printf("%s{\"family\": %u, \"addr\": ", i ? ", " : "", a->perm_family[i]);
		print_addr(a->perm_family[i] == SN_FAM_IPV6 ? SN_FAM_IPV6 : SN_FAM_IPV4,
			a->perm_addr[i]);
		printf(", \"expiry_s\": %u}", a->perm_expiry_s[i]);
	}
	printf("], \"chans\": [");
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++)
		printf("%s{\"number\": %u, \"perm\": %u, \"port\": %u, \"expiry_s\": %u}",
			i ? ", " : "", a->chan_num[i], a->chan_perm[i], ntohs(a->chan_port[i]),
			a->chan_expiry_s[i]);
	printf("], \"rate_bytes_per_s\": %u, \"burst_bytes\": %u, \"dir\": [", a->rate_bytes_per_s,
		a->burst_bytes);
	for (i = 0; i < 2; i++)
		printf("%s{\"pkts\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"drops\": %" PRIu64
		       ", \"rl_drops\": %u}",
			i ? ", " : "", a->dir[i].pkts, a->dir[i].bytes, a->dir[i].drops,
			a->dir[i].rl_drops);
	printf("]}\n");
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-s SHM] COMMAND [ARGS...]   (sn-control must not be running)\n"
		   "  alloc ID client=ADDR:PORT server=ADDRIDX:PORT "
		   "relay=ADDRIDX:PORT[,ADDRIDX:PORT]\n"
		   "        lifetime=S [stream] [rate=BPS] [burst=BYTES]\n"
		   "  perm ID IDX PEERADDR lifetime=S          (lifetime=0 frees)\n"
		   "  chan ID IDX NUMBER PERMIDX PEERPORT lifetime=S   (NUMBER 0 frees)\n"
		   "  del ID\n"
		   "  bulk      the commands above from stdin, one per line, pipelined\n"
		   "  now | stats | show ID\n"
		   "  -s SHM    shared-memory file (default " SN_SHM_DEFAULT_PATH ")\n");
}

int
main(int argc, char **argv)
{
	const char *path = SN_SHM_DEFAULT_PATH;
	struct prog p;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+s:h")) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (prog_attach(&p, path) != 0)
		return EXIT_FAILURE;
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "now") == 0) {
		printf("%u\n", __atomic_load_n(&p.shm.hdr->now_s, __ATOMIC_RELAXED));
		ret = 0;
	} else if (strcmp(argv[0], "stats") == 0) {
		ret = run_stats(&p);
	} else if (strcmp(argv[0], "show") == 0 && argc == 2) {
		ret = run_show(&p, argv[1]);
	} else if (strcmp(argv[0], "bulk") == 0) {
		ret = run_bulk(&p);
	} else {
		ret = run_one(&p, argc, argv);
	}
	free(p.line_of);
	sn_shm_detach(&p.shm);
	return ret;
}
