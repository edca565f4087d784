/* SPDX-License-Identifier: BSD-3-Clause */
/* snctl human-readable renderers of sn-control replies. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "snctl.h"
#include "snctl_fmt.h"

#define NUM 32

long long
snctl_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return 0;
}

double
snctl_dbl(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

const char *
snctl_str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

/* Nonzero members of a {name: count} object as a NAME COUNT table. */
static void
print_nonzero(const char *title, json_t *o)
{
	struct snctl_tbl t;
	const char *k;
	json_t *v;
	int n = 0;

	snctl_tbl_init(&t, "|>");
	json_object_foreach(o, k, v)
	{
		if (json_integer_value(v) == 0)
			continue;
		snctl_tbl_row(&t, "%s|%" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		n++;
	}
	printf("%s%s\n", title, n == 0 ? ": none" : ":");
	if (n == 0) {
		snctl_tbl_free(&t);
		return;
	}
	t.skip_header = true;
	snctl_tbl_print(&t, stdout, 2);
}

void
snctl_print_status(json_t *r)
{
	json_t *d = json_object_get(r, "dataplane"), *c = json_object_get(r, "control");
	json_t *s = json_object_get(r, "sessions"), *m = json_object_get(r, "mailbox");
	char a[NUM], b[NUM], e[NUM], f[NUM];
	struct snctl_tbl t;
	json_t *v;
	size_t i;

	if (!json_is_true(json_object_get(d, "attached"))) {
		if (json_object_get(d, "error") != NULL)
			printf("dataplane  absent: waiting for %s (%s)\n",
				snctl_str(d, "shm_path", "?"), snctl_str(d, "error", ""));
		else
			printf("dataplane  absent: waiting for %s\n",
				snctl_str(d, "shm_path", "?"));
	} else {
		printf("dataplane  %s  pid %lld  generation %#" PRIx64 "  uptime %s  mailbox %s\n",
			snctl_str(d, "state", "?"), snctl_int(d, "pid"),
			(uint64_t)snctl_int(d, "generation"),
			snctl_fmt_duration((uint64_t)snctl_int(d, "uptime_s"), a, sizeof(a)),
			snctl_str(d, "mailbox", "?"));
	}
	printf("control    pid %lld  uptime %s  version %s  allocator %s  last replay %lld ms\n",
		snctl_int(c, "pid"),
		snctl_fmt_duration((uint64_t)snctl_int(c, "uptime_s"), a, sizeof(a)),
		snctl_str(c, "version", "?"), snctl_str(c, "allocator", "?"),
		snctl_int(c, "last_replay_ms"));
	printf("sessions   %lld active, %lld pending, %lld deleting (max %lld)",
		snctl_int(s, "active"), snctl_int(s, "pending"), snctl_int(s, "deleting"),
		snctl_int(s, "max"));
	if (json_object_get(s, "dp_active") != NULL)
		printf("; dataplane %lld active, tables %s", snctl_int(s, "dp_active"),
			snctl_fmt_bytes((uint64_t)snctl_int(s, "table_bytes"), a, sizeof(a)));
	printf("\n");
	snctl_print_turn_status(json_object_get(r, "turn"));
	if (m != NULL)
		printf("mailbox    applied %lld  rejected %lld  cmd ring %lld/%lld  cpl ring "
		       "%lld/%lld  "
		       "queued %lld  in flight %lld\n",
			snctl_int(m, "cmds_applied"), snctl_int(m, "cmds_rejected"),
			snctl_int(m, "cmd_ring_depth"), snctl_int(m, "cmd_ring_slots"),
			snctl_int(m, "cpl_ring_depth"), snctl_int(m, "cpl_ring_slots"),
			snctl_int(m, "queued"), snctl_int(m, "inflight"));

	printf("\n");
	snctl_tbl_init(&t, "ADDR|ADDRESS|>PORT|>RELAY PORTS FREE");
	json_array_foreach(json_object_get(r, "addresses"), i, v) snctl_tbl_row(&t,
		"%lld|%s|%lld|%lld", snctl_int(v, "index"), snctl_str(v, "addr", "?"),
		snctl_int(v, "port"), snctl_int(v, "relay_ports_free"));
	snctl_tbl_print(&t, stdout, 0);

	if (json_object_get(r, "ports") != NULL) {
		printf("\n");
		snctl_tbl_init(&t, "PORT|NAME|LINK|>SPEED|MAC|>RX|>RX RATE|>TX|>TX RATE|>RX PKTS|"
				   ">TX PKTS|>MISSED|>ERRORS|DEVICE");
		json_array_foreach(json_object_get(r, "ports"), i, v)
		{
			char g[NUM], h[NUM];

			snctl_tbl_row(&t, "%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%lld|%lld|%s",
				snctl_int(v, "index"), snctl_str(v, "name", "?"),
				snctl_str(v, "link", "?"),
				snctl_fmt_si((double)snctl_int(v, "speed_mbps") * 1e6, "b/s", a,
					sizeof(a)),
				snctl_str(v, "mac", "?"),
				snctl_fmt_si(snctl_dbl(v, "rx_pps"), "pps", b, sizeof(b)),
				snctl_fmt_si(snctl_dbl(v, "rx_bps"), "b/s", e, sizeof(e)),
				snctl_fmt_si(snctl_dbl(v, "tx_pps"), "pps", f, sizeof(f)),
				snctl_fmt_si(snctl_dbl(v, "tx_bps"), "b/s", g, sizeof(g)),
				snctl_int(v, "ipackets"), snctl_int(v, "opackets"),
				snctl_int(v, "imissed"),
				snctl_int(v, "ierrors") + snctl_int(v, "oerrors"),
				snctl_str(v, "device", "?"));
			(void)h;
		}
		snctl_tbl_print(&t, stdout, 0);
	}
	if (json_object_get(r, "lcores") != NULL) {
		printf("\n");
		snctl_tbl_init(&t,
			"LCORE|ROLE|>BUSY|>RX RATE|>TX RATE|>RX PKTS|>TX PKTS|>RELAY PKTS|"
			">DROPS|>PUNTS");
		json_array_foreach(json_object_get(r, "lcores"), i, v) snctl_tbl_row(&t,
			"%lld|%s|%.1f%%|%s|%s|%lld|%lld|%lld|%lld|%lld", snctl_int(v, "lcore"),
			snctl_str(v, "role", "?"), snctl_dbl(v, "busy_pct"),
			snctl_fmt_si(snctl_dbl(v, "rx_pps"), "pps", a, sizeof(a)),
			snctl_fmt_si(snctl_dbl(v, "tx_pps"), "pps", b, sizeof(b)),
			snctl_int(v, "rx_pkts"), snctl_int(v, "tx_pkts"),
			snctl_int(v, "relay_pkts"), snctl_int(v, "drops"), snctl_int(v, "punts"));
		snctl_tbl_print(&t, stdout, 0);
	}
	if (json_object_get(r, "drops") != NULL) {
		printf("\n");
		print_nonzero("drops by reason", json_object_get(r, "drops"));
		print_nonzero("punts by reason", json_object_get(r, "punts"));
	}
	print_nonzero("control counters", json_object_get(c, "counters"));
}

/* One counter group ("events", "punts", "drops") as rows of the stats table. */
static void
stats_group(struct snctl_tbl *t, json_t *lcores, json_t *total, const char *group)
{
	json_t *names = json_object_get(total, group), *v, *lc;
	char row[SNCTL_TBL_MAX_COLS * NUM];
	const char *k;
	size_t i, n;

	json_object_foreach(names, k, v)
	{
		n = (size_t)snprintf(row, sizeof(row), "%s%s",
			strcmp(group, "events") == 0  ? ""
			: strcmp(group, "punts") == 0 ? "punt."
						      : "drop.",
			k);
		json_array_foreach(lcores, i, lc)
		{
			if (i + 2 >= SNCTL_TBL_MAX_COLS)
				break;
			n += (size_t)snprintf(row + n, sizeof(row) - n, "|%" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(json_object_get(lc, group), k)));
		}
		snprintf(row + n, sizeof(row) - n, "|%" JSON_INTEGER_FORMAT, json_integer_value(v));
		snctl_tbl_row(t, "%s", row);
	}
}

void
snctl_print_stats(json_t *r)
{
	json_t *lcores = json_object_get(r, "lcores"), *total = json_object_get(r, "total"), *lc;
	char hdr[SNCTL_TBL_MAX_COLS * NUM];
	struct snctl_tbl t;
	size_t i, n;

	if (total == NULL) {
		printf("dataplane not attached: no dataplane counters\n");
	} else {
		n = (size_t)snprintf(hdr, sizeof(hdr), "COUNTER");
		json_array_foreach(lcores, i, lc)
		{
			if (i + 2 >= SNCTL_TBL_MAX_COLS)
				break;
			n += (size_t)snprintf(hdr + n, sizeof(hdr) - n, "|>LCORE %lld %s",
				snctl_int(lc, "lcore"), snctl_str(lc, "role", ""));
		}
		snprintf(hdr + n, sizeof(hdr) - n, "|>TOTAL");
		snctl_tbl_init(&t, hdr);
		stats_group(&t, lcores, total, "events");
		stats_group(&t, lcores, total, "punts");
		stats_group(&t, lcores, total, "drops");
		snctl_tbl_print(&t, stdout, 0);
	}
	printf("\n");
	{
		json_t *c = json_object_get(r, "control"), *v;
		const char *k;

		snctl_tbl_init(&t, "CONTROL COUNTER|>VALUE");
		json_object_foreach(c, k, v)
			snctl_tbl_row(&t, "%s|%" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		snctl_tbl_print(&t, stdout, 0);
	}
	snctl_print_turn_stats(json_object_get(r, "turn"));
}

static const char *
remote_text(json_t *leg, char *buf, size_t len)
{
	const char *r = json_string_value(json_object_get(leg, "remote"));

	if (r == NULL)
		snprintf(buf, len, json_is_true(json_object_get(leg, "latch")) ? "- (latch)" : "-");
	else
		snprintf(buf, len, "%s%s", r,
			json_is_true(json_object_get(leg, "latched")) ? "*" : "");
	return buf;
}

void
snctl_print_session(json_t *s)
{
	char a[NUM], b[NUM], rem[96];
	unsigned i;

	printf("session %lld  %s  IPv%lld  token %s%s\n", snctl_int(s, "id"),
		snctl_str(s, "state", "?"), snctl_int(s, "family"), snctl_str(s, "token", "?"),
		json_is_true(json_object_get(s, "adopted")) ? "  (adopted)" : "");
	for (i = 0; i < 2; i++) {
		json_t *leg = json_object_get(s, i == 0 ? "a" : "b");
		json_t *p = json_object_get(s, "pkts"), *by = json_object_get(s, "bytes");

		printf("  leg %s  local %s  remote %s  in: %" JSON_INTEGER_FORMAT " pkts, %s\n",
			i == 0 ? "a" : "b", snctl_str(leg, "local", "?"),
			remote_text(leg, rem, sizeof(rem)),
			json_integer_value(json_array_get(p, i)),
			snctl_fmt_bytes(
				(uint64_t)json_integer_value(json_array_get(by, i)), a, sizeof(a)));
	}
	if (snctl_int(s, "rate_bytes_per_s") != 0)
		printf("  rate %s (burst %s), %lld packets over the rate",
			snctl_fmt_si((double)snctl_int(s, "rate_bytes_per_s"), "B/s", a, sizeof(a)),
			snctl_fmt_bytes((uint64_t)snctl_int(s, "burst_bytes"), b, sizeof(b)),
			snctl_int(s, "rl_drops"));
	else
		printf("  rate unlimited");
	printf("  idle %s\n", snctl_fmt_duration((uint64_t)snctl_int(s, "idle_s"), a, sizeof(a)));
}

void
snctl_print_list(json_t *r)
{
	json_t *list = json_object_get(r, "sessions"), *s;
	char ra[96], rb[96], by[NUM], idle[NUM];
	bool latched = false;
	struct snctl_tbl t;
	size_t i;

	snctl_tbl_init(
		&t, ">ID|STATE|FAM|A LOCAL|A REMOTE|B LOCAL|B REMOTE|>PKTS A|>PKTS B|>BYTES|>IDLE");
	json_array_foreach(list, i, s)
	{
		json_t *a = json_object_get(s, "a"), *b = json_object_get(s, "b");
		json_t *p = json_object_get(s, "pkts"), *bt = json_object_get(s, "bytes");

		latched |= json_is_true(json_object_get(a, "latched")) ||
			   json_is_true(json_object_get(b, "latched"));
		snctl_tbl_row(&t,
			"%lld|%s|%lld|%s|%s|%s|%s|%" JSON_INTEGER_FORMAT "|%" JSON_INTEGER_FORMAT
			"|%s|%s",
			snctl_int(s, "id"), snctl_str(s, "state", "?"), snctl_int(s, "family"),
			snctl_str(a, "local", "?"), remote_text(a, ra, sizeof(ra)),
			snctl_str(b, "local", "?"), remote_text(b, rb, sizeof(rb)),
			json_integer_value(json_array_get(p, 0)),
			json_integer_value(json_array_get(p, 1)),
			snctl_fmt_bytes((uint64_t)(json_integer_value(json_array_get(bt, 0)) +
						   json_integer_value(json_array_get(bt, 1))),
				by, sizeof(by)),
			snctl_fmt_duration((uint64_t)snctl_int(s, "idle_s"), idle, sizeof(idle)));
	}
	snctl_tbl_print(&t, stdout, 0);
	printf("%lld of %lld sessions%s\n", snctl_int(r, "count"), snctl_int(r, "total"),
		latched ? "  (* = remote latched from a probe)" : "");
}
