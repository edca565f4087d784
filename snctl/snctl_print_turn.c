/* SPDX-License-Identifier: BSD-3-Clause */
/* snctl renderers of the TURN replies: allocations, users, secrets, counters. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snctl.h"
#include "snctl_fmt.h"

#define NUM	     32
#define LIST_MAX     1024 /* longest peers/channels cell */
#define NAME_SHOWN   128  /* user names are cut there in tables */
#define ASCII_DEL    0x7f
#define FIRST_PRINT  0x20
#define CELL_SEP     '|' /* the table's column separator */
#define SAFE_REPLACE '?'

/*
 * s with table separators and control characters replaced (names come
 * from clients: REST user names, users-file names).  Returns buf.
 */
static const char *
safe(const char *s, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", s);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == CELL_SEP || (unsigned char)buf[i] < FIRST_PRINT ||
			(unsigned char)buf[i] == ASCII_DEL)
			buf[i] = SAFE_REPLACE;
	return buf;
}

static long long
pair_at(json_t *o, const char *key, size_t i)
{
	return json_integer_value(json_array_get(json_object_get(o, key), i));
}

/* Writes one element of a list into [buf, buf+len); returns what snprintf returns. */
typedef int (*item_fmt)(json_t *item, char *buf, size_t len);

/* The elements of array key of a, comma separated ("-" when none). */
static const char *
join_text(json_t *a, const char *key, item_fmt fmt, char *buf, size_t len)
{
	size_t i, n = 0;
	json_t *it;

	buf[0] = '\0';
	json_array_foreach(json_object_get(a, key), i, it)
	{
		if (n < len && i != 0)
			n += (size_t)snprintf(buf + n, len - n, ", ");
		if (n < len)
			n += (size_t)fmt(it, buf + n, len - n);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	return buf;
}

static int
peer_fmt(json_t *p, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", snctl_str(p, "addr", "?"));
}

/* A channel as "0x4000->a:p", " (cooling)" after its lifetime. */
static int
channel_fmt(json_t *ch, char *buf, size_t len)
{
	return snprintf(buf, len, "%#llx->%s%s", snctl_int(ch, "number"), snctl_str(ch, "peer", "?"),
		strcmp(snctl_str(ch, "state", ""), "bound") == 0 ? "" : " (cooling)");
}

static int
string_fmt(json_t *r, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", json_string_value(r) != NULL ? json_string_value(r) : "?");
}

static const char *
peers_text(json_t *a, char *buf, size_t len)
{
	return join_text(a, "peers", peer_fmt, buf, len);
}

static const char *
channels_text(json_t *a, char *buf, size_t len)
{
	return join_text(a, "channels", channel_fmt, buf, len);
}

static const char *
relayed_text(json_t *a, char *buf, size_t len)
{
	return join_text(a, "relayed", string_fmt, buf, len);
}

static const char *
user_text(json_t *a, char *buf, size_t len)
{
	const char *u = json_string_value(json_object_get(a, "user"));

	return u != NULL ? safe(u, buf, len) : "-";
}

void
snctl_print_allocs(json_t *r)
{
	char user[NAME_SHOWN], rel[LIST_MAX], peers[LIST_MAX], chans[LIST_MAX];
	char b0[NUM], b1[NUM], age[NUM], exp[NUM];
	json_t *a;
	struct snctl_tbl t;
	size_t i;

	snctl_tbl_init(&t, ">ID|USER|PROTO|CLIENT|RELAYED|PEERS|CHANNELS|>BYTES C2P|>BYTES P2C|"
			   ">PKTS C2P|>PKTS P2C|>AGE|>EXPIRES");
	json_array_foreach(json_object_get(r, "allocations"), i, a)
	{
		snctl_tbl_row(&t, "%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%s|%s",
			snctl_int(a, "id"), user_text(a, user, sizeof(user)),
			snctl_str(a, "transport", "?"), snctl_str(a, "client", "?"),
			relayed_text(a, rel, sizeof(rel)), peers_text(a, peers, sizeof(peers)),
			channels_text(a, chans, sizeof(chans)),
			snctl_fmt_bytes((uint64_t)pair_at(a, "bytes", 0), b0, sizeof(b0)),
			snctl_fmt_bytes((uint64_t)pair_at(a, "bytes", 1), b1, sizeof(b1)),
			pair_at(a, "pkts", 0), pair_at(a, "pkts", 1),
			snctl_fmt_duration((uint64_t)snctl_int(a, "age_s"), age, sizeof(age)),
			snctl_fmt_duration(
				(uint64_t)snctl_int(a, "expires_in_s"), exp, sizeof(exp)));
	}
	snctl_tbl_print(&t, stdout, 0);
	printf("%lld of %lld allocations\n", snctl_int(r, "count"), snctl_int(r, "total"));
}

void
snctl_print_alloc(json_t *a)
{
	static const char *const dir_name[2] = {"client->peer", "peer->client"};
	char user[NAME_SHOWN], rel[LIST_MAX], x[NUM], y[NUM], z[NUM];
	struct snctl_tbl t;
	json_t *p;
	size_t i;

	printf("allocation %lld  user %s  %s  client %s  server %s\n", snctl_int(a, "id"),
		user_text(a, user, sizeof(user)), snctl_str(a, "transport", "?"),
		snctl_str(a, "client", "?"), snctl_str(a, "server", "?"));
	printf("  relayed   %s\n", relayed_text(a, rel, sizeof(rel)));
	printf("  lifetime  %lld s, expires in %s, age %s", snctl_int(a, "lifetime_s"),
		snctl_fmt_duration((uint64_t)snctl_int(a, "expires_in_s"), x, sizeof(x)),
		snctl_fmt_duration((uint64_t)snctl_int(a, "age_s"), y, sizeof(y)));
	if (json_is_integer(json_object_get(a, "idle_s")))
		printf(", idle %s",
			snctl_fmt_duration((uint64_t)snctl_int(a, "idle_s"), z, sizeof(z)));
	if (snctl_int(a, "kbps") != 0)
		printf(", %lld kbit/s per direction", snctl_int(a, "kbps"));
	printf("\n");
	for (i = 0; i < 2; i++) {
		printf("  %-12s  %lld pkts, %s, %lld dropped (%lld over the rate)", dir_name[i],
			pair_at(a, "pkts", i),
			snctl_fmt_bytes((uint64_t)pair_at(a, "bytes", i), x, sizeof(x)),
			pair_at(a, "drops", i), pair_at(a, "rl_drops", i));
		if (pair_at(a, "stream_pkts", i) != 0)
			printf("; %lld pkts relayed by sn-control", pair_at(a, "stream_pkts", i));
		printf("\n");
	}
	if (json_array_size(json_object_get(a, "peers")) == 0) {
		printf("  permissions: none\n");
	} else {
		printf("  permissions:\n");
		snctl_tbl_init(&t, "PEER|>EXPIRES IN");
		json_array_foreach(json_object_get(a, "peers"), i, p) snctl_tbl_row(&t, "%s|%s",
			snctl_str(p, "addr", "?"),
			snctl_fmt_duration((uint64_t)snctl_int(p, "expires_in_s"), x, sizeof(x)));
		t.skip_header = true;
		snctl_tbl_print(&t, stdout, 4);
	}
	if (json_array_size(json_object_get(a, "channels")) == 0) {
		printf("  channels: none\n");
	} else {
		printf("  channels:\n");
		snctl_tbl_init(&t, "CHANNEL|PEER|STATE|>EXPIRES IN");
		json_array_foreach(json_object_get(a, "channels"), i, p) snctl_tbl_row(&t,
			"%#llx|%s|%s|%s", snctl_int(p, "number"), snctl_str(p, "peer", "?"),
			snctl_str(p, "state", "?"),
			snctl_fmt_duration((uint64_t)snctl_int(p, "expires_in_s"), x, sizeof(x)));
		t.skip_header = true;
		snctl_tbl_print(&t, stdout, 4);
	}
	if (json_is_true(json_object_get(a, "adopted")) ||
		json_is_true(json_object_get(a, "dont_fragment")) ||
		!json_is_true(json_object_get(a, "dp_ok")))
		printf("  flags:%s%s%s\n",
			json_is_true(json_object_get(a, "adopted")) ? " adopted-after-restart" : "",
			json_is_true(json_object_get(a, "dont_fragment")) ? " dont-fragment" : "",
			!json_is_true(json_object_get(a, "dp_ok")) ? " not-in-dataplane" : "");
}

void
snctl_print_users(json_t *r)
{
	char name[NAME_SHOWN];
	struct snctl_tbl t;
	json_t *u;
	size_t i;

	if (!json_is_true(json_object_get(r, "file_exists")))
		printf("%s does not exist yet: no users (snctl users add NAME PASSWORD)\n",
			snctl_str(r, "file", "?"));
	if (json_array_size(json_object_get(r, "users")) != 0) {
		snctl_tbl_init(&t, "USER|CREDENTIAL|>ALLOCATIONS");
		json_array_foreach(json_object_get(r, "users"), i, u) snctl_tbl_row(&t,
			"%s|%s|%lld", safe(snctl_str(u, "name", "?"), name, sizeof(name)),
			json_is_true(json_object_get(u, "key")) ? "md5 key" : "password",
			snctl_int(u, "allocations"));
		snctl_tbl_print(&t, stdout, 0);
	}
	printf("%lld user%s in %s, %lld loaded by sn-control\n", snctl_int(r, "count"),
		snctl_int(r, "count") == 1 ? "" : "s", snctl_str(r, "file", "?"),
		snctl_int(r, "loaded"));
	if (json_array_size(json_object_get(r, "others")) != 0) {
		printf("\nusers with allocations not in the file (TURN REST API credentials):\n");
		snctl_tbl_init(&t, "USER|>ALLOCATIONS");
		json_array_foreach(json_object_get(r, "others"), i, u) snctl_tbl_row(&t, "%s|%lld",
			safe(snctl_str(u, "name", "?"), name, sizeof(name)),
			snctl_int(u, "allocations"));
		snctl_tbl_print(&t, stdout, 0);
	}
}

void
snctl_print_secrets(json_t *r)
{
	struct snctl_tbl t;
	json_t *s;
	size_t i;

	if (json_array_size(json_object_get(r, "secrets")) != 0) {
		snctl_tbl_init(&t, ">INDEX|FINGERPRINT|>LENGTH");
		json_array_foreach(json_object_get(r, "secrets"), i, s)
			snctl_tbl_row(&t, "%lld|%s|%lld", snctl_int(s, "index"),
				snctl_str(s, "fingerprint", "?"), snctl_int(s, "length"));
		snctl_tbl_print(&t, stdout, 0);
	}
	printf("%lld secret%s (at most %lld) in %s%s, %lld loaded by sn-control\n",
		snctl_int(r, "count"), snctl_int(r, "count") == 1 ? "" : "s", snctl_int(r, "max"),
		snctl_str(r, "file", "?"),
		json_is_true(json_object_get(r, "file_exists")) ? "" : " (no file yet)",
		snctl_int(r, "loaded"));
	if (snctl_int(r, "count") > 0)
		printf("fingerprint: the first 8 hex digits of the secret's SHA-256 "
		       "(printf %%s SECRET | sha256sum)\n");
}

void
snctl_print_turn_status(json_t *tu)
{
	json_t *v;
	size_t i;

	if (tu == NULL)
		return;
	if (!json_is_true(json_object_get(tu, "enabled"))) {
		printf("turn       disabled ([turn] enabled = no)\n");
		return;
	}
	printf("turn       realm %s  %lld allocations (quota %lld, table %lld)  %lld users  "
	       "%lld REST secrets  tcp %lld  tls",
		snctl_str(tu, "realm", "?"), snctl_int(tu, "allocations"),
		snctl_int(tu, "total_quota"), snctl_int(tu, "max_allocs"), snctl_int(tu, "users"),
		snctl_int(tu, "secrets"), snctl_int(tu, "tcp_port"));
	if (json_array_size(json_object_get(tu, "tls_ports")) == 0)
		printf(" off");
	json_array_foreach(json_object_get(tu, "tls_ports"), i, v)
		printf("%s%" JSON_INTEGER_FORMAT, i == 0 ? " " : ",", json_integer_value(v));
	printf("\n");
}

/* {name: count} as NAME COUNT rows, all of them or only the nonzero ones. */
static void
counter_rows(struct snctl_tbl *t, json_t *o, const char *prefix, bool nonzero)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (nonzero && json_integer_value(v) == 0)
			continue;
		snctl_tbl_row(t, "%s%s|%" JSON_INTEGER_FORMAT, prefix, k, json_integer_value(v));
	}
}

void
snctl_print_turn_stats(json_t *tu)
{
	struct snctl_tbl t;

	if (tu == NULL)
		return;
	printf("\n");
	if (!json_is_true(json_object_get(tu, "enabled"))) {
		printf("TURN server disabled ([turn] enabled = no)\n");
		return;
	}
	snctl_tbl_init(&t, "TURN COUNTER|>VALUE");
	snctl_tbl_row(&t, "allocations (now)|%lld", snctl_int(tu, "allocations"));
	counter_rows(&t, json_object_get(tu, "counters"), "", false);
	/* authentication reasons and policy verdicts: only those seen */
	counter_rows(&t, json_object_get(tu, "auth"), "auth.", true);
	counter_rows(&t, json_object_get(tu, "policy"), "policy.", true);
	snctl_tbl_print(&t, stdout, 0);
}
