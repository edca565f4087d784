/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the TURN credential files (control/turn/cp_turn_files.c) --
 * users and secrets edits, atomic writes, rollback when the server refuses
 * the new file -- and the TURN admin requests (allocations.*, users.*,
 * secrets.*, the "turn" parts of status and stats) end to end through
 * cp_admin_handle() with a real struct cp_turn and a fake dataplane.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "cp_admin.h"
#include "cp_test.h"
#include "cp_turn.h"
#include "cp_turn_files.h"
#include "cp_turn_int.h"
#include "fake_dp.h"

#define MS	      1000000ull
#define ERR_LEN	      512
#define T_ALLOCS      64
#define SHA256_ABC_FP "ba7816bf" /* SHA-256("abc"), FIPS 180-2 appendix B.1 */

static char tmpdir[128];

/* mkdtemp a directory for this test's files; rm -r at the end. */
static void
tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sn-test-turn-admin-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
}

static void
tmp_cleanup(void)
{
	char cmd[192];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* The whole file as a malloc'd string (NULL when absent). */
static char *
read_text(const char *path)
{
	struct cp_turn_text t;
	char err[ERR_LEN];

	assert_int_equal(cp_turn_text_read(path, &t, err, sizeof(err)), 0);
	if (!t.existed) {
		cp_turn_text_free(&t);
		return NULL;
	}
	return t.buf; /* taken over */
}

/* -------------------------------------------------------- users edits */

/* Edit text; return the new text (malloc'd) and the edit's result in *rc. */
static char *
uedit(const char *text, const char *name, const char *pw, int *rc, char *err)
{
	char *out = NULL;
	size_t len = 0;

	*rc = cp_turn_users_edit(text, strlen(text), name, pw, &out, &len, err, ERR_LEN);
	if (*rc >= 0) {
		assert_non_null(out);
		assert_int_equal(strlen(out), len);
	} else {
		assert_null(out);
	}
	return out;
}

static void
test_users_edit(void **state)
{
	char err[ERR_LEN], *o, *o2;
	int rc;

	(void)state;
	/* add to an empty file */
	o = uedit("", "alice", "s3cret", &rc, err);
	assert_int_equal(rc, 1);
	assert_string_equal(o, "alice:s3cret\n");
	free(o);
	/* comments, blank lines and other users are kept; no final newline handled */
	o = uedit("# users\n\nbob:pw1\n  carol:x \ndave:0x000102030405060708090a0b0c0d0e0f",
		"alice", "pw2", &rc, err);
	assert_int_equal(rc, 1);
	assert_string_equal(o, "# users\n\nbob:pw1\n  carol:x \n"
			       "dave:0x000102030405060708090a0b0c0d0e0f\nalice:pw2\n");
	/* replace: the line is rewritten where it was */
	o2 = uedit(o, "bob", "new:pass word", &rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(o2, "# users\n\nbob:new:pass word\n  carol:x \n"
				"dave:0x000102030405060708090a0b0c0d0e0f\nalice:pw2\n");
	free(o2);
	/* delete: found with the loader's trimming ("  carol:x " is user "carol") */
	o2 = uedit(o, "carol ", NULL, &rc, err);
	assert_int_equal(rc, -EINVAL); /* a blank in the name */
	o2 = uedit(o, "carol", NULL, &rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(o2, "# users\n\nbob:pw1\ndave:0x000102030405060708090a0b0c0d0e0f\n"
				"alice:pw2\n");
	free(o2);
	o2 = uedit(o, "eve", NULL, &rc, err);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "no user 'eve'"));
	/* a duplicate (the loader refuses it) is folded into one line */
	o2 = uedit("bob:a\nbob:b\n", "bob", "c", &rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(o2, "bob:c\n");
	free(o2);
	/* CRLF lines are matched too */
	o2 = uedit("bob:a\r\nzed:b\r\n", "bob", NULL, &rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(o2, "zed:b\r\n");
	free(o2);
	free(o);
}

static void
test_users_checks(void **state)
{
	static const char *const bad_names[] = {"", "a:b", "a b", "a\tb", "#a", "a\nb", "a\x7f"};
	static const char *const bad_pws[] = {"", " lead", "trail ", "tab\there", "0xabc",
		"0x000102030405060708090a0b0c0d0e0g", "0x000102030405060708090a0b0c0d0e0f00"};
	char err[ERR_LEN], longname[CP_AUTH_USERNAME_MAX + 2], longpw[CP_AUTH_PASSWORD_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		if (cp_turn_user_name_check(bad_names[i], err, sizeof(err)) != -EINVAL)
			fail_msg("name %zu accepted", i);
		assert_non_null(strstr(err, "user name"));
	}
	for (i = 0; i < sizeof(bad_pws) / sizeof(bad_pws[0]); i++) {
		if (cp_turn_user_password_check(bad_pws[i], err, sizeof(err)) != -EINVAL)
			fail_msg("password %zu accepted", i);
		assert_non_null(strstr(err, "password"));
		/* the message never quotes the password */
		if (bad_pws[i][0] != '\0' && strstr(err, bad_pws[i]) != NULL)
			fail_msg("password %zu quoted: %s", i, err);
	}
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(cp_turn_user_name_check(longname, err, sizeof(err)), -EINVAL);
	longname[CP_AUTH_USERNAME_MAX] = '\0';
	assert_int_equal(cp_turn_user_name_check(longname, err, sizeof(err)), 0);
	memset(longpw, 'p', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_int_equal(cp_turn_user_password_check(longpw, err, sizeof(err)), -EINVAL);
	longpw[CP_AUTH_PASSWORD_MAX] = '\0';
	assert_int_equal(cp_turn_user_password_check(longpw, err, sizeof(err)), 0);
	/* fine: UTF-8 names, inner blanks and colons in passwords, "0x" alone, a key */
	assert_int_equal(cp_turn_user_name_check("j\xc3\xa9r\xc3\xb4me", err, sizeof(err)), 0);
	assert_int_equal(cp_turn_user_password_check("a b:c", err, sizeof(err)), 0);
	assert_int_equal(cp_turn_user_password_check("0x", err, sizeof(err)), 0);
	assert_int_equal(cp_turn_user_password_check("0X12", err, sizeof(err)), 0);
	assert_int_equal(
		cp_turn_user_password_check("0x000102030405060708090a0b0c0d0eFF", err, sizeof(err)),
		0);
}

/* What the edit writes, the loader reads: every accepted edit loads. */
static void
test_users_edit_loads(void **state)
{
	struct cp_auth_cfg acfg;
	struct cp_auth a;
	char err[ERR_LEN], *o, *o2;
	int rc;

	(void)state;
	cp_auth_cfg_defaults(&acfg);
	assert_int_equal(cp_auth_init(&a, &acfg), 0);
	o = uedit("# x\n", "alice", "0x000102030405060708090a0b0c0d0e0f", &rc, err);
	o2 = uedit(o, "bob", "a b:c", &rc, err);
	free(o);
	o = uedit(o2, "j\xc3\xa9r\xc3\xb4me", "0x", &rc, err);
	free(o2);
	rc = cp_auth_users_load_buf(&a, o, strlen(o), err, sizeof(err));
	if (rc != 3)
		fail_msg("load: %d %s", rc, err);
	assert_non_null(cp_auth_user_find(&a, "alice", 5));
	assert_false(cp_auth_user_find(&a, "alice", 5)->has_sha256); /* a key line */
	assert_true(cp_auth_user_find(&a, "bob", 3)->has_sha256);
	free(o);
	cp_auth_fini(&a);
}

static void
test_users_parse(void **state)
{
	static const char text[] =
		"# c\n\n alice:pw \nnocolon\nbob:0x000102030405060708090a0b0c0d0e0f\n"
		"carol:0x\n";
	struct cp_turn_file_user *v;
	int n;

	(void)state;
	n = cp_turn_users_parse(text, strlen(text), &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "alice");
	assert_int_equal(v[0].line, 3);
	assert_false(v[0].key);
	assert_string_equal(v[1].name, "bob");
	assert_true(v[1].key);
	assert_int_equal(v[1].line, 5);
	assert_string_equal(v[2].name, "carol");
	assert_false(v[2].key);
	cp_turn_users_free(v, (size_t)n);
	assert_int_equal(cp_turn_users_parse("", 0, &v), 0);
	assert_null(v);
}

/* ------------------------------------------------------ secrets edits */

static char *
sedit(const char *text, const char *add, const char *del, long idx, int *rc, char *fp, char *err)
{
	char *out = NULL;
	size_t len = 0;

	*rc = cp_turn_secrets_edit(text, strlen(text), add, del, idx, &out, &len, fp, err, ERR_LEN);
	if (*rc >= 0)
		assert_int_equal(strlen(out), len);
	else
		assert_null(out);
	return out;
}

static void
test_secrets_edit(void **state)
{
	struct cp_turn_file_secret v[CP_AUTH_MAX_SECRETS];
	char err[ERR_LEN], fp[CP_TURN_FP_LEN], *o, *o2, *full;
	unsigned i;
	int rc;

	(void)state;
	cp_turn_secret_fingerprint("abc", 3, fp);
	assert_string_equal(fp, SHA256_ABC_FP);

	o = sedit("# rest secrets\n", "abc", NULL, -1, &rc, fp, err);
	assert_int_equal(rc, 0);
	assert_string_equal(fp, SHA256_ABC_FP);
	assert_string_equal(o, "# rest secrets\nabc\n");
	o2 = sedit(o, "second secret", NULL, -1, &rc, fp, err);
	assert_int_equal(rc, 1);
	free(o);
	/* duplicates refused, without quoting the secret */
	o = sedit(o2, "abc", NULL, -1, &rc, fp, err);
	assert_int_equal(rc, -EEXIST);
	assert_null(strstr(err, "abc"));
	/* parse as the server reads it: trimmed, comments skipped */
	assert_int_equal(cp_turn_secrets_parse(o2, strlen(o2), v, CP_AUTH_MAX_SECRETS), 2);
	assert_string_equal(v[0].fp, SHA256_ABC_FP);
	assert_int_equal(v[0].line, 2);
	assert_int_equal(v[1].len, strlen("second secret"));
	assert_int_equal(cp_turn_secrets_parse(" \tabc \r\n#x\n\n", 12, v, 1), 1);
	assert_int_equal(v[0].len, 3);
	assert_string_equal(v[0].fp, SHA256_ABC_FP);
	/* delete by index (number or text) and by value */
	o = sedit(o2, NULL, NULL, 1, &rc, fp, err);
	assert_int_equal(rc, 1);
	assert_string_equal(o, "# rest secrets\nabc\n");
	free(o);
	o = sedit(o2, NULL, "0", -1, &rc, fp, err);
	assert_int_equal(rc, 0);
	assert_string_equal(fp, SHA256_ABC_FP);
	assert_string_equal(o, "# rest secrets\nsecond secret\n");
	free(o);
	o = sedit(o2, NULL, "second secret", -1, &rc, fp, err);
	assert_int_equal(rc, 1);
	assert_string_equal(o, "# rest secrets\nabc\n");
	free(o);
	o = sedit(o2, NULL, "2", -1, &rc, fp, err);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "no secret with index 2 (there are 2)"));
	o = sedit(o2, NULL, "nope", -1, &rc, fp, err);
	assert_int_equal(rc, -ENOENT);
	assert_string_equal(err, "no such secret");
	free(o2);
	/* a secret that looks like an index: the value wins */
	o = sedit("1\nabc\n", NULL, "1", -1, &rc, fp, err);
	assert_int_equal(rc, 0);
	assert_string_equal(o, "abc\n");
	free(o);
	/* full at CP_AUTH_MAX_SECRETS */
	full = strdup("");
	for (i = 0; i < CP_AUTH_MAX_SECRETS; i++) {
		char s[16];

		snprintf(s, sizeof(s), "secret-%u", i);
		o = sedit(full, s, NULL, -1, &rc, fp, err);
		assert_int_equal(rc, (int)i);
		free(full);
		full = o;
	}
	o = sedit(full, "one-too-many", NULL, -1, &rc, fp, err);
	assert_int_equal(rc, -ENOSPC);
	free(full);
	/* bad secrets */
	assert_int_equal(cp_turn_secret_check("", err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_turn_secret_check("#abc", err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_turn_secret_check(" abc", err, sizeof(err)), -EINVAL);
	assert_int_equal(cp_turn_secret_check("a\nb", err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "a\nb"));
}

/* ------------------------------------------------------- file writes */

static int
reload_fail(void *arg, char *err, size_t errlen)
{
	unsigned *calls = arg;

	if (err != NULL)
		snprintf(err, errlen, "line 1: expected user:password");
	return (*calls)++ == 0 ? -EINVAL : 0;
}

static int
reload_ok(void *arg, char *err, size_t errlen)
{
	unsigned *calls = arg;

	(*calls)++;
	return 0;
}

static void
test_file_write(void **state)
{
	struct cp_turn_text old, nt;
	char path[256], err[ERR_LEN], *s;
	struct stat st;
	unsigned calls = 0;

	(void)state;
	tmp_setup();
	/* missing directories are created 0700, the file is 0600 */
	snprintf(path, sizeof(path), "%s/var/lib/supernode/turn-users", tmpdir);
	assert_int_equal(cp_turn_text_read(path, &old, err, sizeof(err)), 0);
	assert_false(old.existed);
	assert_int_equal(old.len, 0);
	nt.buf = strdup("alice:pw\n");
	nt.len = strlen(nt.buf);
	nt.existed = true;
	assert_int_equal(
		cp_turn_file_commit(path, &old, &nt, reload_ok, &calls, err, sizeof(err)), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, CP_TURN_FILE_MODE);
	s = read_text(path);
	assert_string_equal(s, "alice:pw\n");
	free(s);
	snprintf(path, sizeof(path), "%s/var/lib/supernode", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, CP_TURN_DIR_MODE);
	cp_turn_text_free(&old);

	/* the server refuses: the old text comes back and is reloaded */
	snprintf(path, sizeof(path), "%s/var/lib/supernode/turn-users", tmpdir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(cp_turn_text_read(path, &old, err, sizeof(err)), 0);
	assert_true(old.existed);
	free(nt.buf);
	nt.buf = strdup("garbage\n");
	nt.len = strlen(nt.buf);
	calls = 0;
	assert_int_equal(
		cp_turn_file_commit(path, &old, &nt, reload_fail, &calls, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "refused by the server: line 1: expected user:password");
	assert_int_equal(calls, 2);
	s = read_text(path);
	assert_string_equal(s, "alice:pw\n");
	free(s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, CP_TURN_FILE_MODE);
	cp_turn_text_free(&old);

	/* ... and a file that did not exist is removed again */
	snprintf(path, sizeof(path), "%s/other/turn-secrets", tmpdir);
	assert_int_equal(cp_turn_text_read(path, &old, err, sizeof(err)), 0);
	calls = 0;
	assert_int_equal(
		cp_turn_file_commit(path, &old, &nt, reload_fail, &calls, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	cp_turn_text_free(&old);
	cp_turn_text_free(&nt);

	/* no temporary files left behind */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '*.tmp-*')\"", tmpdir);
		assert_int_equal(system(cmd), 0);
	}
	/* errors name the path */
	assert_int_equal(cp_turn_file_write("relative", "x", 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "relative"));
	snprintf(path, sizeof(path), "%s/var", tmpdir); /* a directory */
	assert_int_equal(cp_turn_text_read(path, &old, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	tmp_cleanup();
}

/* ---------------------------------------------- admin, with a TURN server */

struct tt {
	struct sn_config cfg;
	char path[128];
	struct cp_core c;
	struct cp_turn turn;
	struct t_replies r;
	struct fake_dp dp;
	bool dp_up;
};

static void
ops_send(void *arg, const struct cp_turn_src *src, const uint8_t *msg, size_t len)
{
}

static int
ops_relay_open(void *arg, struct cp_turn_alloc *a, unsigned r)
{
	return -ENOTSUP;
}

static void
ops_relay_close(void *arg, int fd)
{
}

static int
ops_relay_send(void *arg, int fd, const struct sn_abi_addr *peer, uint16_t port,
	const uint8_t *data, size_t len)
{
	return 0;
}

static const struct cp_turn_ops test_ops = {
	.send = ops_send,
	.relay_open = ops_relay_open,
	.relay_close = ops_relay_close,
	.relay_send = ops_relay_send,
};

static int
setup_turn(void **state)
{
	struct tt *t = calloc(1, sizeof(*t));
	char err[ERR_LEN];

	tmp_setup();
	t_shm_path(t->path, sizeof(t->path), "turnadmin");
	t_config(&t->cfg, 32, 16, t->path);
	t->cfg.dp.max_allocs = T_ALLOCS;
	t->cfg.turn.n_relay_addrs = 2;
	t->cfg.turn.relay_addr_idx[0] = 0;
	t->cfg.turn.relay_addr_idx[1] = 1;
	snprintf(t->cfg.turn.users_file, sizeof(t->cfg.turn.users_file), "%s/lib/turn-users",
		tmpdir);
	snprintf(t->cfg.turn.secrets_file, sizeof(t->cfg.turn.secrets_file), "%s/lib/turn-secrets",
		tmpdir);
	snprintf(t->cfg.path, sizeof(t->cfg.path), "test.conf");
	assert_int_equal(cp_core_init(&t->c, &t->cfg, t_clock, t_sink, &t->r), 0);
	if (cp_turn_init(&t->turn, &t->c.cfg, &t->c.sess, &t->c.mbox, &test_ops, NULL, err,
		    sizeof(err)) != 0)
		fail_msg("cp_turn_init: %s", err);
	t->c.turn = &t->turn;
	*state = t;
	return 0;
}

static int
teardown_turn(void **state)
{
	struct tt *t = *state;

	t->c.turn = NULL;
	cp_turn_fini(&t->turn);
	cp_core_fini(&t->c);
	if (t->dp_up)
		fake_dp_destroy(&t->dp);
	t_replies_clear(&t->r);
	free(t);
	tmp_cleanup();
	return 0;
}

static void
pump(struct tt *t)
{
	unsigned quiet = 0;

	while (quiet < 2) {
		int n = cp_core_poll(&t->c);

		if (t->dp_up)
			n += (int)fake_dp_step(&t->dp, 0);
		quiet = n == 0 ? quiet + 1 : 0;
	}
}

static json_t *
req(struct tt *t, const char *line)
{
	unsigned n = t->r.n;

	cp_admin_handle(&t->c, line, strlen(line), 7);
	pump(t);
	if (t->r.n != n + 1)
		fail_msg("request %s: %u replies", line, t->r.n - n);
	return t_last(&t->r);
}

static json_t *
req_ok(struct tt *t, const char *line)
{
	json_t *r = req(t, line);

	if (!t_ok(r))
		fail_msg("request %s: %s", line, t_err(r));
	return r;
}

static void
expect_error(struct tt *t, const char *line, const char *msg)
{
	json_t *r = req(t, line);

	if (t_ok(r) || strstr(t_err(r), msg) == NULL)
		fail_msg("request %s: error '%s', expected '%s'", line, t_err(r), msg);
}

/* The reply as text must not contain s (a password or secret). */
static void
assert_not_in_reply(json_t *r, const char *s)
{
	char *text = json_dumps(r, JSON_COMPACT);

	assert_non_null(text);
	if (strstr(text, s) != NULL)
		fail_msg("reply leaks '%s': %s", s, text);
	free(text);
}

static void
test_turn_disabled(void **state)
{
	struct tt *t = *state;
	static const char *const reqs[] = {
		"{\"cmd\":\"allocations.list\"}",
		"{\"cmd\":\"allocations.show\",\"id\":0}",
		"{\"cmd\":\"allocations.kill\",\"id\":0}",
		"{\"cmd\":\"users.list\"}",
		"{\"cmd\":\"users.add\",\"name\":\"a\",\"password\":\"b\"}",
		"{\"cmd\":\"users.del\",\"name\":\"a\"}",
		"{\"cmd\":\"secrets.list\"}",
		"{\"cmd\":\"secrets.add\",\"secret\":\"s\"}",
		"{\"cmd\":\"secrets.del\",\"index\":0}",
	};
	json_t *r;
	size_t i;

	t->c.turn = NULL;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		expect_error(t, reqs[i], "no TURN server: [turn] enabled = no in test.conf");
	r = req_ok(t, "{\"cmd\":\"stats\"}");
	assert_true(json_is_false(json_object_get(json_object_get(r, "turn"), "enabled")));
	r = req_ok(t, "{\"cmd\":\"status\"}");
	assert_true(json_is_false(json_object_get(json_object_get(r, "turn"), "enabled")));
	t->c.turn = &t->turn;
}

static void
test_users_requests(void **state)
{
	struct tt *t = *state;
	const char *path = t->cfg.turn.users_file;
	struct stat st;
	json_t *r, *u;
	char *s;

	r = req_ok(t, "{\"cmd\":\"users.list\"}");
	assert_false(json_is_true(json_object_get(r, "file_exists")));
	assert_int_equal(json_array_size(json_object_get(r, "users")), 0);

	r = req_ok(t, "{\"cmd\":\"users.add\",\"name\":\"alice\",\"password\":\"Pa55-word\"}");
	assert_string_equal(json_string_value(json_object_get(r, "action")), "added");
	assert_int_equal(json_integer_value(json_object_get(r, "users")), 1);
	assert_not_in_reply(r, "Pa55-word");
	assert_non_null(cp_auth_user_find(&t->turn.auth, "alice", 5));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	s = read_text(path);
	assert_string_equal(s, "alice:Pa55-word\n");
	free(s);

	r = req_ok(t, "{\"cmd\":\"users.add\",\"name\":\"bob\",\"password\":\"x\",\"tag\":9}");
	assert_int_equal(json_integer_value(json_object_get(r, "tag")), 9);
	r = req_ok(t, "{\"cmd\":\"users.add\",\"name\":\"alice\",\"password\":\"N3w\"}");
	assert_string_equal(json_string_value(json_object_get(r, "action")), "updated");
	assert_int_equal(json_integer_value(json_object_get(r, "users")), 2);

	r = req_ok(t, "{\"cmd\":\"users.list\"}");
	assert_not_in_reply(r, "N3w");
	assert_true(json_is_true(json_object_get(r, "file_exists")));
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "loaded")), 2);
	u = json_array_get(json_object_get(r, "users"), 0);
	assert_string_equal(json_string_value(json_object_get(u, "name")), "alice");
	assert_true(json_is_false(json_object_get(u, "key")));
	assert_int_equal(json_integer_value(json_object_get(u, "allocations")), 0);
	assert_null(json_object_get(u, "password"));

	expect_error(t, "{\"cmd\":\"users.add\",\"name\":\"a:b\",\"password\":\"x\"}",
		"user name: must not contain ':'");
	expect_error(t, "{\"cmd\":\"users.add\",\"name\":\"c\",\"password\":\"0xzz\"}",
		"password: one starting with 0x");
	expect_error(t, "{\"cmd\":\"users.add\",\"name\":\"c\"}", "password: required");
	expect_error(t, "{\"cmd\":\"users.add\",\"password\":\"c\"}", "name: required");
	expect_error(t, "{\"cmd\":\"users.add\",\"name\":1,\"password\":\"c\"}",
		"name: must be a string");
	expect_error(t, "{\"cmd\":\"users.add\",\"name\":\"c\",\"password\":\"d\",\"x\":1}",
		"users.add: unknown field 'x'");
	expect_error(t, "{\"cmd\":\"users.del\",\"name\":\"zed\"}", "no user 'zed'");

	r = req_ok(t, "{\"cmd\":\"users.del\",\"name\":\"bob\"}");
	assert_string_equal(json_string_value(json_object_get(r, "action")), "deleted");
	assert_int_equal(json_integer_value(json_object_get(r, "users")), 1);
	assert_null(cp_auth_user_find(&t->turn.auth, "bob", 3));

	/* a hand-broken file: the server refuses the edit, the file stays as it was */
	write_text(path, "alice:N3w\nbroken line\n");
	expect_error(t, "{\"cmd\":\"users.add\",\"name\":\"carol\",\"password\":\"c\"}",
		"refused by the server:");
	s = read_text(path);
	assert_string_equal(s, "alice:N3w\nbroken line\n");
	free(s);
	assert_non_null(cp_auth_user_find(&t->turn.auth, "alice", 5));
	assert_null(cp_auth_user_find(&t->turn.auth, "carol", 5));
}

static void
test_secrets_requests(void **state)
{
	struct tt *t = *state;
	json_t *r, *s;
	char line[128], *text;
	unsigned i;

	r = req_ok(t, "{\"cmd\":\"secrets.list\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "max")), CP_AUTH_MAX_SECRETS);

	r = req_ok(t, "{\"cmd\":\"secrets.add\",\"secret\":\"abc\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 0);
	assert_string_equal(json_string_value(json_object_get(r, "fingerprint")), SHA256_ABC_FP);
	assert_int_equal(json_integer_value(json_object_get(r, "secrets")), 1);
	assert_int_equal(t->turn.auth.n_secrets, 1);
	r = req_ok(t, "{\"cmd\":\"secrets.add\",\"secret\":\"north-wind-2024\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 1);
	assert_not_in_reply(r, "north-wind-2024");
	assert_int_equal(t->turn.auth.n_secrets, 2);
	expect_error(t, "{\"cmd\":\"secrets.add\",\"secret\":\"abc\"}", "already there (index 0)");

	r = req_ok(t, "{\"cmd\":\"secrets.list\"}");
	assert_not_in_reply(r, "north-wind-2024");
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "loaded")), 2);
	s = json_array_get(json_object_get(r, "secrets"), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "index")), 0);
	assert_string_equal(json_string_value(json_object_get(s, "fingerprint")), SHA256_ABC_FP);
	assert_int_equal(json_integer_value(json_object_get(s, "length")), 3);

	/* rotation: delete the old one by index, by its text, by value */
	r = req_ok(t, "{\"cmd\":\"secrets.del\",\"index\":0}");
	assert_string_equal(json_string_value(json_object_get(r, "fingerprint")), SHA256_ABC_FP);
	assert_int_equal(json_integer_value(json_object_get(r, "secrets")), 1);
	assert_int_equal(t->turn.auth.n_secrets, 1);
	assert_string_equal(t->turn.auth.secrets[0].s, "north-wind-2024");
	r = req_ok(t, "{\"cmd\":\"secrets.del\",\"secret\":\"0\"}");
	assert_int_equal(t->turn.auth.n_secrets, 0);
	expect_error(t, "{\"cmd\":\"secrets.del\",\"secret\":\"abc\"}", "no such secret");
	expect_error(t, "{\"cmd\":\"secrets.del\"}", "give either secret");
	expect_error(t, "{\"cmd\":\"secrets.del\",\"secret\":\"a\",\"index\":1}", "give either");
	expect_error(t, "{\"cmd\":\"secrets.del\",\"index\":-1}", "index: must be an integer");
	expect_error(t, "{\"cmd\":\"secrets.add\",\"secret\":\"#x\"}", "secret: must not start");

	/* the server's limit */
	for (i = 0; i < CP_AUTH_MAX_SECRETS; i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"secrets.add\",\"secret\":\"s-%u\"}", i);
		req_ok(t, line);
	}
	expect_error(t, "{\"cmd\":\"secrets.add\",\"secret\":\"s-x\"}", "delete one first");
	assert_int_equal(t->turn.auth.n_secrets, CP_AUTH_MAX_SECRETS);
	text = read_text(t->cfg.turn.secrets_file);
	assert_non_null(strstr(text, "s-7\n"));
	free(text);
}

/* Make an allocation the way an Allocate would leave it (no signalling). */
static struct cp_turn_alloc *
fake_alloc(struct tt *t, enum cp_turn_transport tr, const char *client, uint16_t cport,
	const char *user)
{
	struct cp_turn_src src = {.transport = tr,
		.client_port = cport,
		.server_idx = 0,
		.server_port = 3478,
		.conn_id = tr == CP_TURN_UDP ? 0 : 77};
	struct cp_turn_alloc *a;

	assert_int_equal(sn_addr_parse(client, &src.client), 0);
	a = cp_turn_alloc_new(&t->turn, &src);
	assert_non_null(a);
	a->created_ns = t_now_ns;
	a->lifetime_s = 600;
	a->expiry_ns = t_now_ns + 600 * NS_PER_S_T;
	a->dp_ok = true;
	a->relay[0] = (struct cp_turn_relay){.used = true, .idx = 0, .port = 50001, .fd = -1};
	if (user != NULL) {
		a->user = cp_turn_user_get(&t->turn, user, strlen(user), true);
		assert_non_null(a->user);
		a->user->allocs++;
	}
	return a;
}

static void
test_alloc_requests(void **state)
{
	struct tt *t = *state;
	struct cp_turn_alloc *a, *b;
	struct sn_alloc *slot;
	json_t *r, *o, *x;
	uint64_t killed;

	/* a dataplane, so counters come from the shared slot */
	assert_int_equal(fake_dp_start(&t->dp, t->path, &t->cfg, 32, 64, 64), 0);
	t->dp_up = true;
	t_now_ns += CP_MBOX_RETRY_MS * MS;
	pump(t);

	r = req_ok(t, "{\"cmd\":\"allocations.list\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "allocations")), 0);

	a = fake_alloc(t, CP_TURN_UDP, "203.0.113.7", 40000, "alice");
	a->relay[1] = (struct cp_turn_relay){.used = true, .idx = 1, .port = 50002, .fd = -1};
	a->perm[0].family = SN_FAM_IPV4;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.9", a->perm[0].addr), 1);
	a->perm[0].expiry_ns = t_now_ns + 300 * NS_PER_S_T;
	a->perm[3].family = SN_FAM_IPV6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:9::9", a->perm[3].addr), 1);
	a->perm[3].expiry_ns = t_now_ns + 100 * NS_PER_S_T;
	a->chan[0] = (struct cp_turn_chan){.number = 0x4000,
		.perm = 0,
		.port = 5000,
		.expiry_ns = t_now_ns + 600 * NS_PER_S_T};
	a->chan[2] = (struct cp_turn_chan){
		.number = 0x4abc, .perm = 3, .port = 6000, .expiry_ns = t_now_ns - NS_PER_S_T};
	slot = &t->dp.shm.allocs[a->id];
	slot->alloc_id = a->id;
	slot->dir[SN_DIR_C2P].pkts = 10;
	slot->dir[SN_DIR_C2P].bytes = 1000;
	slot->dir[SN_DIR_P2C].pkts = 20;
	slot->dir[SN_DIR_P2C].bytes = 4000;
	slot->dir[SN_DIR_P2C].drops = 3;
	__atomic_store_n(&slot->state, SN_SESS_ACTIVE, __ATOMIC_RELEASE);
	b = fake_alloc(t, CP_TURN_TLS, "2001:db8:77::5", 443, "2000000000:rest-user");
	b->stream_pkts[SN_DIR_C2P] = 4;
	b->stream_bytes[SN_DIR_C2P] = 400;
	t_now_ns += 5 * NS_PER_S_T;

	r = req_ok(t, "{\"cmd\":\"allocations.show\",\"id\":0}");
	o = json_object_get(r, "allocation");
	assert_int_equal(json_integer_value(json_object_get(o, "id")), a->id);
	assert_string_equal(json_string_value(json_object_get(o, "user")), "alice");
	assert_string_equal(json_string_value(json_object_get(o, "transport")), "udp");
	assert_string_equal(json_string_value(json_object_get(o, "client")), "203.0.113.7:40000");
	assert_string_equal(json_string_value(json_object_get(o, "server")), "198.18.0.1:3478");
	x = json_object_get(o, "relayed");
	assert_int_equal(json_array_size(x), 2);
	assert_string_equal(json_string_value(json_array_get(x, 0)), "198.18.0.1:50001");
	assert_string_equal(json_string_value(json_array_get(x, 1)), "[2001:db8:1::1]:50002");
	x = json_object_get(o, "peers");
	assert_int_equal(json_array_size(x), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(x, 0), "addr")), "192.0.2.9");
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(x, 0), "expires_in_s")), 295);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(x, 1), "addr")), "2001:db8:9::9");
	x = json_object_get(o, "channels");
	assert_int_equal(json_array_size(x), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(x, 0), "number")), 0x4000);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(x, 0), "peer")), "192.0.2.9:5000");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(x, 0), "state")), "bound");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 1), "peer")),
		"[2001:db8:9::9]:6000");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(x, 1), "state")), "cooldown");
	x = json_object_get(o, "bytes");
	assert_int_equal(json_integer_value(json_array_get(x, 0)), 1000);
	assert_int_equal(json_integer_value(json_array_get(x, 1)), 4000);
	x = json_object_get(o, "pkts");
	assert_int_equal(json_integer_value(json_array_get(x, 1)), 20);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "drops"), 1)), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "age_s")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "expires_in_s")), 595);
	assert_int_equal(json_integer_value(json_object_get(o, "idle_s")), 5); /* never seen */
	assert_true(json_is_true(json_object_get(o, "dp_ok")));

	r = req_ok(t, "{\"cmd\":\"allocations.list\",\"limit\":1,\"offset\":1}");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 1);
	o = json_array_get(json_object_get(r, "allocations"), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), b->id);
	assert_string_equal(json_string_value(json_object_get(o, "transport")), "tls");
	assert_string_equal(
		json_string_value(json_object_get(o, "client")), "[2001:db8:77::5]:443");
	/* control keeps no time for stream data: idle unknown */
	assert_true(json_is_null(json_object_get(o, "idle_s")));
	/* control-relayed stream data counts */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "bytes"), 0)), 400);
	assert_int_equal(
		json_integer_value(json_array_get(json_object_get(o, "stream_pkts"), 0)), 4);
	r = req_ok(t, "{\"cmd\":\"allocations.list\",\"tag\":\"x\"}");
	assert_string_equal(json_string_value(json_object_get(r, "tag")), "x");
	assert_int_equal(json_array_size(json_object_get(r, "allocations")), 2);

	/* users: file users and REST users with their allocations */
	req_ok(t, "{\"cmd\":\"users.add\",\"name\":\"alice\",\"password\":\"pw\"}");
	r = req_ok(t, "{\"cmd\":\"users.list\"}");
	o = json_array_get(json_object_get(r, "users"), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "allocations")), 1);
	o = json_array_get(json_object_get(r, "others"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "2000000000:rest-user");
	assert_int_equal(json_integer_value(json_object_get(o, "allocations")), 1);

	/* status and stats carry the TURN parts */
	t->turn.cnt[CP_TURN_C_ALLOCATED] = 2;
	t->turn.auth_reasons[CP_AUTH_R_NO_INTEGRITY] = 5;
	t->turn.policy_verdicts[CP_POLICY_DENY_LOOPBACK] = 1;
	r = req_ok(t, "{\"cmd\":\"stats\"}");
	o = json_object_get(r, "turn");
	assert_true(json_is_true(json_object_get(o, "enabled")));
	assert_int_equal(json_integer_value(json_object_get(o, "allocations")), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(o, "counters"), "allocations_created")),
		2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(o, "auth"), "no_integrity")), 5);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(o, "policy"), "loopback")), 1);
	assert_int_equal(json_object_size(json_object_get(o, "counters")), CP_TURN_C_MAX);
	r = req_ok(t, "{\"cmd\":\"status\"}");
	o = json_object_get(r, "turn");
	assert_string_equal(json_string_value(json_object_get(o, "realm")), "supernode");
	assert_int_equal(json_integer_value(json_object_get(o, "allocations")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "users")), 1);
	assert_int_equal(json_array_size(json_object_get(o, "relay_addresses")), 2);

	/* kill */
	expect_error(t, "{\"cmd\":\"allocations.kill\",\"id\":5}", "no allocation 5");
	expect_error(t, "{\"cmd\":\"allocations.kill\",\"id\":\"0\"}", "id: must be an allocation");
	expect_error(t, "{\"cmd\":\"allocations.show\",\"id\":99999999999}", "id: must be");
	killed = t->turn.cnt[CP_TURN_C_KILLED];
	r = req_ok(t, "{\"cmd\":\"allocations.kill\",\"id\":0}");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "killed"), "user")), "alice");
	assert_null(cp_turn_find(&t->turn, 0));
	assert_int_equal(t->turn.cnt[CP_TURN_C_KILLED], killed + 1);
	assert_int_equal(t->turn.count, 1);
	expect_error(t, "{\"cmd\":\"allocations.show\",\"id\":0}", "no allocation 0");
	r = req_ok(t, "{\"cmd\":\"users.list\"}");
	o = json_array_get(json_object_get(r, "users"), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "allocations")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_edit),
		cmocka_unit_test(test_users_checks),
		cmocka_unit_test(test_users_edit_loads),
		cmocka_unit_test(test_users_parse),
		cmocka_unit_test(test_secrets_edit),
		cmocka_unit_test(test_file_write),
		cmocka_unit_test_setup_teardown(test_turn_disabled, setup_turn, teardown_turn),
		cmocka_unit_test_setup_teardown(test_users_requests, setup_turn, teardown_turn),
		cmocka_unit_test_setup_teardown(test_secrets_requests, setup_turn, teardown_turn),
		cmocka_unit_test_setup_teardown(test_alloc_requests, setup_turn, teardown_turn),
	};

	cp_log_max = CP_LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
