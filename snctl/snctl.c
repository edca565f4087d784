/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snctl: the command-line client of sn-control's admin socket (JSON lines,
 * protocol in control/cp_admin.h).  One request per run; human tables by
 * default, one JSON object per line with --json.
 *
 * Exit status: 0 success, 1 error (one line on stderr), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sn_config.h"
#include "snctl.h"
#include "snctl_fmt.h"

#define SNCTL_DEFAULT_SOCKET	"/run/supernode/admin.sock"
#define SNCTL_DEFAULT_TIMEOUT_S 300
#define SNCTL_READ_CHUNK	65536
#define MS_PER_S		1000
#define NS_PER_MS		1000000L
#define NUM			32
#define SNCTL_SECRET_MAX	4096 /* longest password/secret read from stdin */

struct snctl {
	const char *sock;
	const char *config;
	bool json;
	int timeout_s;
};

static const char snctl_usage[] =
	"usage: snctl [--socket PATH | -c FILE] [--json] [--timeout S] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  status                 dataplane state, ports (link, MAC, pps, bps), lcores,\n"
	"                         drops and punts by reason, sessions, mailbox\n"
	"  stats                  every counter per lcore and in total, TURN counters\n"
	"  sessions list          all sessions [--limit N] [--offset N]\n"
	"  sessions show ID       one session\n"
	"  sessions add [...]     add a relay session (snctl sessions add --help)\n"
	"  sessions del ID...     delete sessions\n"
	"  sessions load FILE     bulk add from CSV lines a_local,a_remote,b_local,b_remote\n"
	"  sessions flush         delete every session\n"
	"  allocations list       TURN allocations [--limit N] [--offset N]\n"
	"  allocations show ID    one allocation: permissions, channels, counters\n"
	"  allocations kill ID    remove an allocation now\n"
	"  users list             TURN users of [turn] users_file (never their passwords)\n"
	"  users add NAME PASS    add a user, or set its password (PASS -: read from stdin)\n"
	"  users del NAME         remove a user\n"
	"  secrets list           TURN REST API shared secrets: index and fingerprint only\n"
	"  secrets add SECRET     add a shared secret (SECRET -: read from stdin)\n"
	"  secrets del SECRET|INDEX  remove a shared secret\n"
	"\n"
	"options:\n"
	"  -s, --socket PATH      admin socket (default " SNCTL_DEFAULT_SOCKET ")\n"
	"  -c, --config FILE      take the socket from [control] admin_socket of FILE\n"
	"  -j, --json             print the reply as one JSON object (for scripts)\n"
	"  -t, --timeout S        seconds to wait for the reply (default 300)\n"
	"  -h, --help             this help; COMMAND --help for a command\n";

static const char usage_status[] =
	"usage: snctl [OPTIONS] status\n"
	"Dataplane state/pid/generation/uptime, ports with link, MAC, pps and bps\n"
	"(sampled by sn-control every second), lcores with role and load, drops and\n"
	"punts by reason, sessions, the TURN server (realm, allocations, users,\n"
	"secrets, listeners), the mailbox, sn-control's own counters.\n";
static const char usage_stats[] =
	"usage: snctl [OPTIONS] stats\n"
	"Every dataplane counter (events, punts by reason, drops by reason) per lcore\n"
	"and in total, sn-control's counters, and the TURN server's counters with\n"
	"authentication failures by reason and peer-policy verdicts (nonzero ones).\n";
static const char usage_list[] =
	"usage: snctl [OPTIONS] sessions list [--limit N] [--offset N]\n"
	"Sessions sorted by id.  Remotes marked * were latched from a probe.\n";
static const char usage_show[] = "usage: snctl [OPTIONS] sessions show ID\n";
static const char usage_add[] =
	"usage: snctl [OPTIONS] sessions add [--a-remote EP] [--b-remote EP]\n"
	"         [--a-local EP|ADDR] [--b-local EP|ADDR] [--latch]\n"
	"         [--rate BYTES_PER_S] [--burst BYTES] [--family 4|6]\n"
	"\n"
	"EP is 1.2.3.4:5000 or [2001:db8::1]:5000.  Local ports are allocated from the\n"
	"relay port range unless given; the local address defaults to the first\n"
	"appliance address of the family.  --latch: legs may learn (latch) their\n"
	"remote from a probe carrying the session token; a leg without --X-remote\n"
	"needs it.  Prints the session once the dataplane has installed it.\n";
static const char usage_del[] = "usage: snctl [OPTIONS] sessions del ID...\n";
static const char usage_load[] =
	"usage: snctl [OPTIONS] sessions load FILE\n"
	"FILE: CSV lines a_local,a_remote,b_local,b_remote (locals: EP, ADDR or empty;\n"
	"remotes: EP, or empty for a latching leg); '#' comments and blank lines skipped.\n"
	"Read by sn-control (the path is made absolute).  Reports added/failed and the\n"
	"seconds from the first command enqueued to the last completion.\n";
static const char usage_flush[] = "usage: snctl [OPTIONS] sessions flush\nDelete every session.\n";
static const char usage_alist[] =
	"usage: snctl [OPTIONS] allocations list [--limit N] [--offset N]\n"
	"TURN allocations sorted by id: user, client transport and address, relayed\n"
	"addresses, peers with a permission, channels (number->peer), bytes and\n"
	"packets client->peer (C2P) and peer->client (P2C), age, time left.\n";
static const char usage_ashow[] =
	"usage: snctl [OPTIONS] allocations show ID\n"
	"One TURN allocation with its permissions, channels and counters.\n";
static const char usage_akill[] =
	"usage: snctl [OPTIONS] allocations kill ID\n"
	"Remove a TURN allocation now: its relayed ports are freed and the fast path\n"
	"stops relaying; a TCP/TLS client's connection is closed.  The client may\n"
	"allocate again.\n";
static const char usage_users[] =
	"usage: snctl [OPTIONS] users list\n"
	"       snctl [OPTIONS] users add NAME PASSWORD\n"
	"       snctl [OPTIONS] users del NAME\n"
	"Long-term credential users of the TURN server, kept in [turn] users_file\n"
	"(coturn turnuserdb format, name:password lines, mode 0600).  sn-control\n"
	"edits the file atomically and reloads it; existing allocations stay.\n"
	"list shows names, never passwords.  NAME: no ':', blanks or control\n"
	"characters.  PASSWORD - reads it from stdin (keeps it out of ps and shell\n"
	"history); a PASSWORD 0x<32 hex digits> is stored as the MD5 key\n"
	"MD5(name:realm:password), as coturn's turnadmin -k prints it.\n";
static const char usage_secrets[] =
	"usage: snctl [OPTIONS] secrets list\n"
	"       snctl [OPTIONS] secrets add SECRET\n"
	"       snctl [OPTIONS] secrets del SECRET|INDEX\n"
	"TURN REST API shared secrets (coturn use-auth-secret: username\n"
	"EXPIRY:NAME, password base64(HMAC-SHA1(secret, username))), kept in\n"
	"[turn] secrets_file, one per line, mode 0600; at most 8, all accepted,\n"
	"for rotation: add the new one, move the issuer to it, delete the old one.\n"
	"list shows each secret's index and fingerprint (first 8 hex digits of its\n"
	"SHA-256), never the secret.  SECRET - reads it from stdin.  del takes the\n"
	"secret itself or, when no secret equals it, its index.\n";

static int
usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "snctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return SNCTL_EXIT_USAGE;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* ------------------------------------------------------------ transport */

static int
connect_socket(const struct snctl *o)
{
	struct sockaddr_un sa;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(o->sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "snctl: socket path too long: %s\n", o->sock);
		return -1;
	}
	memcpy(sa.sun_path, o->sock, strlen(o->sock));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "snctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
			fprintf(stderr,
				"snctl: sn-control is not running (socket %s): connect: %s\n",
				o->sock, strerror(e));
		else
			fprintf(stderr, "snctl: cannot reach sn-control (socket %s): connect: %s\n",
				o->sock, strerror(e));
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n != 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

/*
 * Send req (a JSON object) and read one reply line.  Returns the reply
 * object, or NULL after printing why on stderr.
 */
static json_t *
request(const struct snctl *o, json_t *req)
{
	int64_t deadline = now_ms() + (int64_t)o->timeout_s * MS_PER_S;
	size_t len = 0, cap = 0;
	char *line, *buf = NULL, *nl = NULL;
	struct pollfd pfd;
	json_error_t jerr;
	json_t *reply;
	ssize_t n;
	int fd, ret;

	fd = connect_socket(o);
	if (fd < 0)
		return NULL;
	line = json_dumps(req, JSON_COMPACT);
	if (line == NULL || send_all(fd, line, strlen(line)) != 0 || send_all(fd, "\n", 1) != 0) {
		fprintf(stderr, "snctl: sending to sn-control (socket %s): %s\n", o->sock,
			strerror(errno));
		free(line);
		close(fd);
		return NULL;
	}
	free(line);
	while (nl == NULL) {
		if (cap - len < SNCTL_READ_CHUNK) {
			char *nb = realloc(buf, cap + SNCTL_READ_CHUNK * 4);

			if (nb == NULL) {
				fprintf(stderr, "snctl: out of memory\n");
				goto fail;
			}
			buf = nb;
			cap += SNCTL_READ_CHUNK * 4;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0));
		if (ret == 0) {
			fprintf(stderr, "snctl: no reply from sn-control within %d s (socket %s)\n",
				o->timeout_s, o->sock);
			goto fail;
		}
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "snctl: poll: %s\n", strerror(errno));
			goto fail;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "snctl: sn-control closed the connection (socket %s)%s%s\n",
				o->sock, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			goto fail;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	reply = json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
	free(buf);
	if (reply == NULL || !json_is_object(reply)) {
		fprintf(stderr, "snctl: bad reply from sn-control: %s\n",
			reply == NULL ? jerr.text : "not an object");
		json_decref(reply);
		return NULL;
	}
	return reply;

fail:
	free(buf);
	close(fd);
	return NULL;
}

/* Print a JSON value on one line. */
static void
print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s != NULL) {
		puts(s);
		free(s);
	}
}

/*
 * Run req; on {"ok":false} print the error and return 1.  On success,
 * *out (if given) receives the reply (caller frees) with "ok" removed.
 */
static int
run(const struct snctl *o, json_t *req, json_t **out)
{
	json_t *r = request(o, req);

	json_decref(req);
	if (r == NULL)
		return SNCTL_EXIT_ERR;
	if (!json_is_true(json_object_get(r, "ok"))) {
		fprintf(stderr, "snctl: %s\n", snctl_str(r, "error", "request failed"));
		json_decref(r);
		return SNCTL_EXIT_ERR;
	}
	json_object_del(r, "ok");
	if (out != NULL)
		*out = r;
	else
		json_decref(r);
	return SNCTL_EXIT_OK;
}

/* ------------------------------------------------------------- commands */

/* Leading --help/-h of a command's arguments. */
static bool
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* Print reply part v as JSON or with printer, free the whole reply r; exit code. */
static int
print_reply(const struct snctl *o, json_t *r, json_t *v, void (*printer)(json_t *))
{
	if (o->json)
		print_json(v);
	else
		printer(v);
	json_decref(r);
	return SNCTL_EXIT_OK;
}

/* A command without arguments: send {"cmd": cmd}, print with printer or as JSON. */
static int
cmd_plain(const struct snctl *o, int argc, char **argv, const char *cmd, const char *usage,
	void (*printer)(json_t *))
{
	json_t *r;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return SNCTL_EXIT_OK;
	}
	if (argc != 1) {
		fprintf(stderr, "snctl: %s: unexpected argument '%s'\n%s", cmd, argv[1], usage);
		return SNCTL_EXIT_USAGE;
	}
	rc = run(o, json_pack("{s:s}", "cmd", cmd), &r);
	if (rc != 0)
		return rc;
	return print_reply(o, r, r, printer);
}

static int
cmd_status(const struct snctl *o, int argc, char **argv)
{
	return cmd_plain(o, argc, argv, "status", usage_status, snctl_print_status);
}

static int
cmd_stats(const struct snctl *o, int argc, char **argv)
{
	return cmd_plain(o, argc, argv, "stats", usage_stats, snctl_print_stats);
}

/* "X list [--limit N] [--offset N]" for sessions and allocations. */
static int
list_common(const struct snctl *o, int argc, char **argv, const char *cmd, const char *usage,
	void (*printer)(json_t *))
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, 'l'},
		{"offset", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t limit = 0, offset = 0;
	json_t *r;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_u64(optarg, UINT32_MAX, &limit) != 0)
				return usage_error(usage, "list: bad --limit '%s'", optarg);
			break;
		case 'o':
			if (parse_u64(optarg, UINT32_MAX, &offset) != 0)
				return usage_error(usage, "list: bad --offset '%s'", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return SNCTL_EXIT_OK;
		default:
			fputs(usage, stderr);
			return SNCTL_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage, "list: unexpected argument '%s'", argv[optind]);
	rc = run(o,
		json_pack("{s:s, s:I, s:I}", "cmd", cmd, "limit", (json_int_t)limit, "offset",
			(json_int_t)offset),
		&r);
	if (rc != 0)
		return rc;
	return print_reply(o, r, r, printer);
}

static int
cmd_list(const struct snctl *o, int argc, char **argv)
{
	return list_common(o, argc, argv, "sessions.list", usage_list, snctl_print_list);
}

static int
cmd_show(const struct snctl *o, int argc, char **argv)
{
	uint64_t id;
	json_t *r;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_show, stdout);
		return SNCTL_EXIT_OK;
	}
	if (argc != 2)
		return usage_error(usage_show, "sessions show: expected one session id%s", "");
	if (parse_u64(argv[1], UINT32_MAX, &id) != 0)
		return usage_error(usage_show, "sessions show: bad session id '%s'", argv[1]);
	rc = run(o, json_pack("{s:s, s:I}", "cmd", "sessions.show", "id", (json_int_t)id), &r);
	if (rc != 0)
		return rc;
	return print_reply(o, r, json_object_get(r, "session"), snctl_print_session);
}

static int
cmd_add(const struct snctl *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"a-remote", required_argument, NULL, 'A'},
		{"b-remote", required_argument, NULL, 'B'},
		{"a-local", required_argument, NULL, 'a'},
		{"b-local", required_argument, NULL, 'b'},
		{"latch", no_argument, NULL, 'L'},
		{"rate", required_argument, NULL, 'r'},
		{"burst", required_argument, NULL, 'u'},
		{"family", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *req = json_pack("{s:s}", "cmd", "sessions.add"), *r;
	uint64_t v;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			json_object_set_new(req, "a_remote", json_string(optarg));
			break;
		case 'B':
			json_object_set_new(req, "b_remote", json_string(optarg));
			break;
		case 'a':
			json_object_set_new(req, "a_local", json_string(optarg));
			break;
		case 'b':
			json_object_set_new(req, "b_local", json_string(optarg));
			break;
		case 'L':
			json_object_set_new(req, "latch", json_true());
			break;
		case 'r':
		case 'u':
			if (parse_u64(optarg, UINT32_MAX, &v) != 0) {
				json_decref(req);
				return usage_error(
					usage_add, "sessions add: bad byte count '%s'", optarg);
			}
			json_object_set_new(req, c == 'r' ? "rate_bytes_per_s" : "burst_bytes",
				json_integer((json_int_t)v));
			break;
		case 'f':
			if (strcmp(optarg, "4") != 0 && strcmp(optarg, "6") != 0) {
				json_decref(req);
				return usage_error(usage_add,
					"sessions add: --family must be 4 or 6, not '%s'", optarg);
			}
			json_object_set_new(req, "family", json_integer(atoi(optarg)));
			break;
		case 'h':
			json_decref(req);
			fputs(usage_add, stdout);
			return SNCTL_EXIT_OK;
		default:
			json_decref(req);
			fputs(usage_add, stderr);
			return SNCTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		json_decref(req);
		return usage_error(
			usage_add, "sessions add: unexpected argument '%s'", argv[optind]);
	}
	rc = run(o, req, &r);
	if (rc != 0)
		return rc;
	return print_reply(o, r, json_object_get(r, "session"), snctl_print_session);
}

static int
cmd_del(const struct snctl *o, int argc, char **argv)
{
	json_t *ids, *r, *req;
	uint64_t id;
	int i;

	if (wants_help(argc, argv)) {
		fputs(usage_del, stdout);
		return SNCTL_EXIT_OK;
	}
	if (argc < 2)
		return usage_error(usage_del, "sessions del: expected session ids%s", "");
	ids = json_array();
	for (i = 1; i < argc; i++) {
		if (parse_u64(argv[i], UINT32_MAX, &id) != 0) {
			json_decref(ids);
			return usage_error(usage_del, "sessions del: bad session id '%s'", argv[i]);
		}
		json_array_append_new(ids, json_integer((json_int_t)id));
	}
	req = json_pack("{s:s, s:o}", "cmd", "sessions.del", "ids", ids);
	r = request(o, req);
	json_decref(req);
	if (r == NULL)
		return SNCTL_EXIT_ERR;
	if (!json_is_true(json_object_get(r, "ok"))) {
		fprintf(stderr, "snctl: %s (deleted %lld)\n",
			snctl_str(r, "error", "request failed"), snctl_int(r, "deleted"));
		json_decref(r);
		return SNCTL_EXIT_ERR;
	}
	json_object_del(r, "ok");
	if (o->json)
		print_json(r);
	else
		printf("deleted %lld session%s\n", snctl_int(r, "deleted"),
			snctl_int(r, "deleted") == 1 ? "" : "s");
	json_decref(r);
	return SNCTL_EXIT_OK;
}

static int
cmd_load(const struct snctl *o, int argc, char **argv)
{
	char path[PATH_MAX], a[NUM];
	json_t *r, *e;
	size_t i;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_load, stdout);
		return SNCTL_EXIT_OK;
	}
	if (argc != 2)
		return usage_error(usage_load, "sessions load: expected one FILE%s", "");
	if (realpath(argv[1], path) == NULL) {
		fprintf(stderr, "snctl: %s: %s\n", argv[1], strerror(errno));
		return SNCTL_EXIT_ERR;
	}
	rc = run(o, json_pack("{s:s, s:s}", "cmd", "sessions.load", "path", path), &r);
	if (rc != 0)
		return rc;
	json_array_foreach(json_object_get(r, "errors"), i, e)
		fprintf(stderr, "snctl: %s: %s\n", argv[1], json_string_value(e));
	if (o->json) {
		print_json(r);
	} else {
		printf("added %lld sessions", snctl_int(r, "added"));
		if (json_is_integer(json_object_get(r, "first_id")))
			printf(" (first id %lld)", snctl_int(r, "first_id"));
		printf(" in %.3f s", snctl_dbl(r, "seconds"));
		if (snctl_dbl(r, "sessions_per_s") > 0)
			printf(" (%s)", snctl_fmt_si(snctl_dbl(r, "sessions_per_s"), "sessions/s",
						a, sizeof(a)));
		printf(", %lld failed\n", snctl_int(r, "failed"));
	}
	json_decref(r);
	return SNCTL_EXIT_OK;
}

static int
cmd_flush(const struct snctl *o, int argc, char **argv)
{
	json_t *r;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_flush, stdout);
		return SNCTL_EXIT_OK;
	}
	if (argc != 1)
		return usage_error(
			usage_flush, "sessions flush: unexpected argument '%s'", argv[1]);
	rc = run(o, json_pack("{s:s}", "cmd", "sessions.flush"), &r);
	if (rc != 0)
		return rc;
	if (o->json)
		print_json(r);
	else
		printf("deleted %lld sessions\n", snctl_int(r, "deleted"));
	json_decref(r);
	return SNCTL_EXIT_OK;
}

/* ------------------------------------------------------------- TURN */

static int
cmd_alist(const struct snctl *o, int argc, char **argv)
{
	return list_common(o, argc, argv, "allocations.list", usage_alist, snctl_print_allocs);
}

/* "allocations show|kill ID": the id, or a usage error. */
static int
alloc_id_arg(int argc, char **argv, const char *usage, const char *what, uint64_t *id)
{
	if (argc != 2)
		return usage_error(usage, "allocations %s: expected one allocation id", what);
	if (parse_u64(argv[1], UINT32_MAX, id) != 0)
		return usage_error(usage, "allocations: bad allocation id '%s'", argv[1]);
	return 0;
}

static int
cmd_ashow(const struct snctl *o, int argc, char **argv)
{
	uint64_t id;
	json_t *r;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_ashow, stdout);
		return SNCTL_EXIT_OK;
	}
	rc = alloc_id_arg(argc, argv, usage_ashow, "show", &id);
	if (rc != 0)
		return rc;
	rc = run(o, json_pack("{s:s, s:I}", "cmd", "allocations.show", "id", (json_int_t)id), &r);
	if (rc != 0)
		return rc;
	return print_reply(o, r, json_object_get(r, "allocation"), snctl_print_alloc);
}

static int
cmd_akill(const struct snctl *o, int argc, char **argv)
{
	json_t *r, *a;
	uint64_t id;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_akill, stdout);
		return SNCTL_EXIT_OK;
	}
	rc = alloc_id_arg(argc, argv, usage_akill, "kill", &id);
	if (rc != 0)
		return rc;
	rc = run(o, json_pack("{s:s, s:I}", "cmd", "allocations.kill", "id", (json_int_t)id), &r);
	if (rc != 0)
		return rc;
	a = json_object_get(r, "killed");
	if (o->json)
		print_json(r);
	else
		printf("killed allocation %lld (user %s, %s client %s)\n", snctl_int(a, "id"),
			json_string_value(json_object_get(a, "user")) != NULL
				? json_string_value(json_object_get(a, "user"))
				: "-",
			snctl_str(a, "transport", "?"), snctl_str(a, "client", "?"));
	json_decref(r);
	return SNCTL_EXIT_OK;
}

/*
 * A password or secret argument: itself, or for "-" the first line of
 * stdin (no echo on a terminal).  Returns a malloc'd string or NULL after
 * printing why.
 */
static char *
secret_arg(const char *arg, const char *what)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) == 1, echo_off = false;
	char *buf;
	size_t n;

	if (strcmp(arg, "-") != 0)
		return strdup(arg);
	buf = calloc(1, SNCTL_SECRET_MAX + 2);
	if (buf == NULL)
		return NULL;
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		fprintf(stderr, "%s: ", what);
	}
	if (fgets(buf, SNCTL_SECRET_MAX + 2, stdin) == NULL)
		buf[0] = '\0';
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(buf, "\r\n");
	if (n > SNCTL_SECRET_MAX) {
		fprintf(stderr, "snctl: %s longer than %d bytes\n", what, SNCTL_SECRET_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "snctl: no %s on stdin\n", what);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Overwrite and free a string that held a credential. */
static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Wipe the string values of a request (credentials) before it is freed. */
static void
wipe_request(json_t *req, const char *key)
{
	const char *v = json_string_value(json_object_get(req, key));

	if (v != NULL)
		explicit_bzero((char *)v, strlen(v));
}

enum snctl_op { OP_LIST, OP_ADD, OP_DEL };

static int
users_op(const struct snctl *o, int argc, char **argv, enum snctl_op op)
{
	json_t *req, *r;
	char *pw;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_users, stdout);
		return SNCTL_EXIT_OK;
	}
	if (op == OP_LIST) {
		if (argc != 1)
			return usage_error(
				usage_users, "users list: unexpected argument '%s'", argv[1]);
		rc = run(o, json_pack("{s:s}", "cmd", "users.list"), &r);
		if (rc != 0)
			return rc;
		return print_reply(o, r, r, snctl_print_users);
	}
	if (op == OP_ADD) {
		if (argc != 3)
			return usage_error(usage_users, "users add: expected NAME PASSWORD%s", "");
		pw = secret_arg(argv[2], "password");
		if (pw == NULL)
			return SNCTL_EXIT_ERR;
		req = json_pack(
			"{s:s, s:s, s:s}", "cmd", "users.add", "name", argv[1], "password", pw);
		wipe_free(pw);
		if (req == NULL) {
			fprintf(stderr, "snctl: user name and password must be UTF-8 text\n");
			return SNCTL_EXIT_ERR;
		}
		r = request(o, req);
		wipe_request(req, "password");
		json_decref(req);
	} else {
		if (argc != 2)
			return usage_error(usage_users, "users del: expected one NAME%s", "");
		req = json_pack("{s:s, s:s}", "cmd", "users.del", "name", argv[1]);
		if (req == NULL) {
			fprintf(stderr, "snctl: user name must be UTF-8 text\n");
			return SNCTL_EXIT_ERR;
		}
		r = request(o, req);
		json_decref(req);
	}
	if (r == NULL)
		return SNCTL_EXIT_ERR;
	if (!json_is_true(json_object_get(r, "ok"))) {
		fprintf(stderr, "snctl: %s\n", snctl_str(r, "error", "request failed"));
		json_decref(r);
		return SNCTL_EXIT_ERR;
	}
	json_object_del(r, "ok");
	if (o->json)
		print_json(r);
	else if (strcmp(snctl_str(r, "action", ""), "updated") == 0)
		printf("new password for user %s; %lld user%s loaded\n", snctl_str(r, "name", "?"),
			snctl_int(r, "users"), snctl_int(r, "users") == 1 ? "" : "s");
	else
		printf("%s user %s; %lld user%s loaded\n", snctl_str(r, "action", "?"),
			snctl_str(r, "name", "?"), snctl_int(r, "users"),
			snctl_int(r, "users") == 1 ? "" : "s");
	json_decref(r);
	return SNCTL_EXIT_OK;
}

static int
secrets_op(const struct snctl *o, int argc, char **argv, enum snctl_op op)
{
	bool add = op == OP_ADD;
	json_t *req, *r;
	char *sec;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(usage_secrets, stdout);
		return SNCTL_EXIT_OK;
	}
	if (op == OP_LIST) {
		if (argc != 1)
			return usage_error(
				usage_secrets, "secrets list: unexpected argument '%s'", argv[1]);
		rc = run(o, json_pack("{s:s}", "cmd", "secrets.list"), &r);
		if (rc != 0)
			return rc;
		return print_reply(o, r, r, snctl_print_secrets);
	}
	if (argc != 2)
		return usage_error(
			usage_secrets, "secrets %s: expected one argument", add ? "add" : "del");
	sec = secret_arg(argv[1], "secret");
	if (sec == NULL)
		return SNCTL_EXIT_ERR;
	req = json_pack("{s:s, s:s}", "cmd", add ? "secrets.add" : "secrets.del", "secret", sec);
	wipe_free(sec);
	if (req == NULL) {
		fprintf(stderr, "snctl: the secret must be UTF-8 text\n");
		return SNCTL_EXIT_ERR;
	}
	r = request(o, req);
	wipe_request(req, "secret");
	json_decref(req);
	if (r == NULL)
		return SNCTL_EXIT_ERR;
	if (!json_is_true(json_object_get(r, "ok"))) {
		fprintf(stderr, "snctl: %s\n", snctl_str(r, "error", "request failed"));
		json_decref(r);
		return SNCTL_EXIT_ERR;
	}
	json_object_del(r, "ok");
	if (o->json)
		print_json(r);
	else
		printf("%s secret %lld (fingerprint %s); %lld secret%s loaded\n",
			snctl_str(r, "action", "?"), snctl_int(r, "index"),
			snctl_str(r, "fingerprint", "?"), snctl_int(r, "secrets"),
			snctl_int(r, "secrets") == 1 ? "" : "s");
	json_decref(r);
	return SNCTL_EXIT_OK;
}

struct snctl_sub {
	const char *name;
	int (*fn)(const struct snctl *o, int argc, char **argv);
	/* or, for list|add|del groups: one function taking the operation */
	int (*op_fn)(const struct snctl *o, int argc, char **argv, enum snctl_op op);
	enum snctl_op op;
};

/* "snctl GROUP SUB ARGS": run SUB with argv[0] = "snctl GROUP SUB". */
static int
dispatch(const struct snctl *o, int argc, char **argv, const struct snctl_sub *subs, unsigned n,
	const char *usage)
{
	char name[NUM];
	unsigned i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? SNCTL_EXIT_USAGE : SNCTL_EXIT_OK;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		/* getopt names argv[0] in its messages: "snctl sessions add: ..." */
		snprintf(name, sizeof(name), "snctl %s %s", argv[0], subs[i].name);
		argv[1] = name;
		if (subs[i].op_fn != NULL)
			return subs[i].op_fn(o, argc - 1, argv + 1, subs[i].op);
		return subs[i].fn(o, argc - 1, argv + 1);
	}
	fprintf(stderr, "snctl: unknown %s subcommand '%s'\n", argv[0], argv[1]);
	fputs(usage, stderr);
	return SNCTL_EXIT_USAGE;
}

static int
cmd_sessions(const struct snctl *o, int argc, char **argv)
{
	static const struct snctl_sub subs[] = {
		{"list", cmd_list},
		{"show", cmd_show},
		{"add", cmd_add},
		{"del", cmd_del},
		{"load", cmd_load},
		{"flush", cmd_flush},
	};

	return dispatch(o, argc, argv, subs, sizeof(subs) / sizeof(subs[0]),
		"usage: snctl [OPTIONS] sessions list|show|add|del|load|flush [ARGS]\n"
		"       snctl sessions SUBCOMMAND --help\n");
}

static int
cmd_allocations(const struct snctl *o, int argc, char **argv)
{
	static const struct snctl_sub subs[] = {
		{"list", cmd_alist},
		{"show", cmd_ashow},
		{"kill", cmd_akill},
	};

	return dispatch(o, argc, argv, subs, sizeof(subs) / sizeof(subs[0]),
		"usage: snctl [OPTIONS] allocations list|show|kill [ARGS]\n"
		"       snctl allocations SUBCOMMAND --help\n");
}

static int
cmd_user_group(const struct snctl *o, int argc, char **argv)
{
	static const struct snctl_sub subs[] = {
		{"list", NULL, users_op, OP_LIST},
		{"add", NULL, users_op, OP_ADD},
		{"del", NULL, users_op, OP_DEL},
	};

	return dispatch(o, argc, argv, subs, sizeof(subs) / sizeof(subs[0]), usage_users);
}

static int
cmd_secret_group(const struct snctl *o, int argc, char **argv)
{
	static const struct snctl_sub subs[] = {
		{"list", NULL, secrets_op, OP_LIST},
		{"add", NULL, secrets_op, OP_ADD},
		{"del", NULL, secrets_op, OP_DEL},
	};

	return dispatch(o, argc, argv, subs, sizeof(subs) / sizeof(subs[0]), usage_secrets);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct snctl o = {.sock = SNCTL_DEFAULT_SOCKET, .timeout_s = SNCTL_DEFAULT_TIMEOUT_S};
	static struct sn_config cfg;
	char err[512];
	const char *cmd;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+s:c:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.sock = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			if (parse_u64(optarg, INT_MAX / MS_PER_S, &v) != 0 || v == 0)
				return usage_error(snctl_usage, "bad --timeout '%s'", optarg);
			o.timeout_s = (int)v;
			break;
		case 'h':
			fputs(snctl_usage, stdout);
			return SNCTL_EXIT_OK;
		default:
			fputs(snctl_usage, stderr);
			return SNCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error(snctl_usage, "missing COMMAND%s", "");
	if (o.config != NULL) {
		if (sn_config_load(o.config, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "snctl: %s\n", err);
			return SNCTL_EXIT_ERR;
		}
		o.sock = cfg.cp.admin_socket;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "status") == 0)
		return cmd_status(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "sessions") == 0)
		return cmd_sessions(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "allocations") == 0)
		return cmd_allocations(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "users") == 0)
		return cmd_user_group(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "secrets") == 0)
		return cmd_secret_group(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "help") == 0) {
		fputs(snctl_usage, stdout);
		return SNCTL_EXIT_OK;
	}
	return usage_error(snctl_usage, "unknown command '%s'", cmd);
}
