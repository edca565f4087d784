/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin protocol: request parsing and dispatch (see cp_admin.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_admin.h"
#include "cp_csv.h"
#include "cp_json.h"
#include "cp_log.h"
#include "cp_turn.h"
#include "cp_turn_files.h"

#ifndef CP_VERSION
#define CP_VERSION "unknown"
#endif

#define CP_EP_HINT "want 1.2.3.4:5000 or [2001:db8::1]:5000"

struct cp_admin_cmd {
	const char *name;
	/* Fields accepted besides "cmd" and "tag" (NULL-terminated). */
	const char *const *fields;
	/* 0: reply sent (or deferred); <0: send {"ok":false,"error":err}. */
	int (*fn)(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err,
		size_t errlen);
};

static void
reply_ok(struct cp_core *c, uint64_t conn_id, json_t *tag, json_t *body)
{
	json_object_set_new(body, "ok", json_true());
	cp_core_reply(c, conn_id, tag, body);
}

/* Unsigned integer field; absent: *v unchanged.  0 or -EINVAL. */
static int
get_uint(json_t *req, const char *key, uint64_t max, uint64_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(req, key);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
		(uint64_t)json_integer_value(j) > max) {
		snprintf(err, errlen, "%s: must be an integer 0..%" PRIu64, key, max);
		return -EINVAL;
	}
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

/* String field or null/absent (*s = NULL).  0 or -EINVAL. */
static int
get_str(json_t *req, const char *key, const char **s, char *err, size_t errlen)
{
	json_t *j = json_object_get(req, key);

	*s = NULL;
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_string(j)) {
		snprintf(err, errlen, "%s: must be a string", key);
		return -EINVAL;
	}
	*s = json_string_value(j);
	return 0;
}

int
cp_admin_parse_add(json_t *req, struct cp_session_spec *spec, char *err, size_t errlen)
{
	static const char *const leg_keys[2][2] = {
		{"a_local", "a_remote"},
		{"b_local", "b_remote"},
	};
	uint64_t v;
	const char *s;
	json_t *j;
	unsigned i;

	memset(spec, 0, sizeof(*spec));
	for (i = 0; i < 2; i++) {
		struct cp_leg_spec *l = &spec->leg[i];

		if (get_str(req, leg_keys[i][0], &s, err, errlen) != 0)
			return -EINVAL;
		if (s != NULL &&
			(*s == '\0' || cp_parse_local(s, &l->local, &l->local_port) != 0)) {
			snprintf(err, errlen,
				"%s: bad endpoint or address '%.64s' (%s, or an address)",
				leg_keys[i][0], s, CP_EP_HINT);
			return -EINVAL;
		}
		if (get_str(req, leg_keys[i][1], &s, err, errlen) != 0)
			return -EINVAL;
		if (s != NULL &&
			(*s == '\0' || cp_parse_remote(s, &l->remote, &l->remote_port) != 0)) {
			snprintf(err, errlen, "%s: bad endpoint '%.64s' (%s)", leg_keys[i][1], s,
				CP_EP_HINT);
			return -EINVAL;
		}
	}
	j = json_object_get(req, "latch");
	if (j != NULL && !json_is_null(j)) {
		if (!json_is_boolean(j)) {
			snprintf(err, errlen, "latch: must be true or false");
			return -EINVAL;
		}
		spec->latch = json_is_true(j);
	}
	v = 0;
	if (get_uint(req, "rate_bytes_per_s", UINT32_MAX, &v, err, errlen) != 0)
		return -EINVAL;
	spec->rate_bytes_per_s = (uint32_t)v;
	v = 0;
	if (get_uint(req, "burst_bytes", UINT32_MAX, &v, err, errlen) != 0)
		return -EINVAL;
	spec->burst_bytes = (uint32_t)v;
	v = 0;
	if (get_uint(req, "family", SN_FAM_IPV6, &v, err, errlen) != 0)
		return -EINVAL;
	if (v != 0 && v != SN_FAM_IPV4 && v != SN_FAM_IPV6) {
		snprintf(err, errlen, "family: must be 4 or 6");
		return -EINVAL;
	}
	spec->family = (uint8_t)v;
	return 0;
}

/* --------------------------------------------------------- commands */

static int
cmd_ping(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	reply_ok(c, conn_id, tag, json_pack("{s:s}", "version", CP_VERSION));
	return 0;
}

static int
cmd_status(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	reply_ok(c, conn_id, tag, cp_json_status(c));
	return 0;
}

static int
cmd_stats(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	reply_ok(c, conn_id, tag, cp_json_stats(c));
	return 0;
}

static int
cmd_list(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	uint64_t offset = 0, limit = 0;
	size_t len;
	char *text;

	if (get_uint(req, "offset", UINT32_MAX, &offset, err, errlen) != 0 ||
		get_uint(req, "limit", UINT32_MAX, &limit, err, errlen) != 0)
		return -EINVAL;
	if (tag != NULL) {
		/* Rare: take the tree path to add the tag. */
		text = cp_json_list_text(c, offset, limit, &len);
		if (text != NULL) {
			json_t *o = json_loadb(text, len, 0, NULL);

			free(text);
			if (o != NULL) {
				cp_core_reply(c, conn_id, tag, o);
				return 0;
			}
		}
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	text = cp_json_list_text(c, offset, limit, &len);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->reply(c->reply_arg, conn_id, text, len);
	return 0;
}

static int
get_id(json_t *j, uint32_t *id, const char *what, char *err, size_t errlen)
{
	if (j == NULL || !json_is_integer(j) || json_integer_value(j) < 0 ||
		json_integer_value(j) > UINT32_MAX) {
		snprintf(err, errlen, "%s: must be a session id (integer >= 0)", what);
		return -EINVAL;
	}
	*id = (uint32_t)json_integer_value(j);
	return 0;
}

static int
cmd_show(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_session *s;
	uint32_t id;

	if (get_id(json_object_get(req, "id"), &id, "id", err, errlen) != 0)
		return -EINVAL;
	s = cp_sessions_find(&c->sess, id);
	if (s == NULL) {
		snprintf(err, errlen, "no session %" PRIu32, id);
		return -ENOENT;
	}
	reply_ok(c, conn_id, tag, json_pack("{s:o}", "session", cp_json_session(c, s)));
	return 0;
}

static int
cmd_add(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_session_spec spec;

	if (cp_admin_parse_add(req, &spec, err, errlen) != 0)
		return -EINVAL;
	return cp_core_add(c, &spec, conn_id, tag, err, errlen);
}

static int
cmd_del(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	json_t *ids = json_object_get(req, "ids"), *one = json_object_get(req, "id"), *j;
	uint32_t *v;
	size_t n, i;
	int ret;

	if (ids == NULL && one == NULL) {
		snprintf(err, errlen, "ids: required (array of session ids)");
		return -EINVAL;
	}
	if (ids != NULL && (!json_is_array(ids) || json_array_size(ids) == 0 ||
				   json_array_size(ids) > CP_ADMIN_MAX_DEL_IDS)) {
		snprintf(err, errlen, "ids: must be a non-empty array of session ids");
		return -EINVAL;
	}
	n = (ids != NULL ? json_array_size(ids) : 0) + (one != NULL ? 1 : 0);
	v = malloc(n * sizeof(*v));
	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	i = 0;
	if (one != NULL && get_id(one, &v[i++], "id", err, errlen) != 0) {
		free(v);
		return -EINVAL;
	}
	if (ids != NULL) {
		size_t k;

		json_array_foreach(ids, k, j)
		{
			if (get_id(j, &v[i++], "ids", err, errlen) != 0) {
				free(v);
				return -EINVAL;
			}
		}
	}
	ret = cp_core_del(c, v, n, conn_id, tag, err, errlen);
	free(v);
	return ret;
}

static int
cmd_load(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	const char *path;

	if (get_str(req, "path", &path, err, errlen) != 0)
		return -EINVAL;
	if (path == NULL || path[0] != '/') {
		snprintf(err, errlen, "path: required, an absolute path readable by sn-control");
		return -EINVAL;
	}
	return cp_core_load(c, path, conn_id, tag, err, errlen);
}

static int
cmd_flush(struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	return cp_core_flush(c, conn_id, tag, err, errlen);
}

/* ------------------------------------------------------------ TURN */

/* The TURN server, or NULL with err set. */
static struct cp_turn *
turn_of(struct cp_core *c, char *err, size_t errlen)
{
	if (c->turn == NULL)
		snprintf(err, errlen, "no TURN server: [turn] enabled = no in %s", c->cfg.path);
	return c->turn;
}

static int
cmd_alloc_list(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	uint64_t offset = 0, limit = 0;
	json_t *o;
	size_t len;
	char *text;

	if (turn_of(c, err, errlen) == NULL)
		return -ENOTSUP;
	if (get_uint(req, "offset", UINT32_MAX, &offset, err, errlen) != 0 ||
		get_uint(req, "limit", UINT32_MAX, &limit, err, errlen) != 0)
		return -EINVAL;
	text = cp_json_alloc_list_text(c, offset, limit, &len);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (tag == NULL) {
		c->reply(c->reply_arg, conn_id, text, len);
		return 0;
	}
	/* Rare: take the tree path to add the tag. */
	o = json_loadb(text, len, 0, NULL);
	free(text);
	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cp_core_reply(c, conn_id, tag, o);
	return 0;
}

static int
get_alloc(struct cp_core *c, json_t *req, struct cp_turn_alloc **a, char *err, size_t errlen)
{
	struct cp_turn *t = turn_of(c, err, errlen);
	json_t *j = json_object_get(req, "id");
	uint32_t id;

	if (t == NULL)
		return -ENOTSUP;
	if (j == NULL || !json_is_integer(j) || json_integer_value(j) < 0 ||
		json_integer_value(j) > UINT32_MAX) {
		snprintf(err, errlen, "id: must be an allocation id (integer >= 0)");
		return -EINVAL;
	}
	id = (uint32_t)json_integer_value(j);
	*a = cp_turn_find(t, id);
	if (*a == NULL) {
		snprintf(err, errlen, "no allocation %" PRIu32, id);
		return -ENOENT;
	}
	return 0;
}

static int
cmd_alloc_show(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_turn_alloc *a;
	int ret = get_alloc(c, req, &a, err, errlen);

	if (ret != 0)
		return ret;
	reply_ok(c, conn_id, tag, json_pack("{s:o}", "allocation", cp_json_alloc(c, a)));
	return 0;
}

static int
cmd_alloc_kill(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_turn_alloc *a;
	uint32_t id;
	json_t *o;
	int ret = get_alloc(c, req, &a, err, errlen);

	if (ret != 0)
		return ret;
	id = a->id;
	/* the allocation as it was, for the operator's record */
	o = cp_json_alloc(c, a);
	ret = cp_turn_kill(c->turn, id);
	if (ret != 0) {
		json_decref(o);
		snprintf(err, errlen, "allocation %" PRIu32 ": %s", id, strerror(-ret));
		return ret;
	}
	CP_INFO("TURN: allocation %" PRIu32 " killed by the operator", id);
	cp_mbox_flush(&c->mbox);
	reply_ok(c, conn_id, tag, json_pack("{s:o}", "killed", o));
	return 0;
}

static int
reload_users(void *arg, char *err, size_t errlen)
{
	return cp_turn_reload_users(arg, err, errlen);
}

static int
reload_secrets(void *arg, char *err, size_t errlen)
{
	return cp_turn_reload_secrets(arg, err, errlen);
}

/* Users with allocations: {name: allocations}. */
static json_t *
active_users(const struct cp_turn *t)
{
	json_t *o = json_object();
	uint32_t i;

	if (t->users == NULL)
		return o;
	for (i = 0; i <= t->users_mask; i++) {
		const struct cp_turn_user *u;

		for (u = t->users[i]; u != NULL; u = u->hnext)
			if (u->name != NULL && u->allocs != 0)
				json_object_set_new(o, u->name, json_integer(u->allocs));
	}
	return o;
}

static int
cmd_users_list(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_turn *t = turn_of(c, err, errlen);
	struct cp_turn_file_user *v;
	struct cp_turn_text text;
	json_t *users, *act, *others, *j;
	const char *name;
	bool existed;
	int n, i, ret;

	if (t == NULL)
		return -ENOTSUP;
	ret = cp_turn_text_read(c->cfg.turn.users_file, &text, err, errlen);
	if (ret != 0)
		return ret;
	existed = text.existed;
	n = cp_turn_users_parse(text.buf, text.len, &v);
	cp_turn_text_free(&text);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return n;
	}
	act = active_users(t);
	users = json_array();
	for (i = 0; i < n; i++) {
		j = json_object_get(act, v[i].name);
		json_array_append_new(
			users, json_pack("{s:s, s:b, s:i, s:I}", "name", v[i].name, "key", v[i].key,
				       "line", (int)v[i].line, "allocations",
				       (json_int_t)(j != NULL ? json_integer_value(j) : 0)));
		json_object_del(act, v[i].name);
	}
	cp_turn_users_free(v, (size_t)n);
	/* the rest: REST API users ("expiry:name"), or file users removed since */
	others = json_array();
	json_object_foreach(act, name, j) json_array_append_new(
		others, json_pack("{s:s, s:O}", "name", name, "allocations", j));
	json_decref(act);
	reply_ok(c, conn_id, tag,
		json_pack("{s:s, s:b, s:i, s:I, s:o, s:o}", "file", c->cfg.turn.users_file,
			"file_exists", existed, "count", n, "loaded", (json_int_t)t->auth.n_users,
			"users", users, "others", others));
	return 0;
}

/* Edit the users file (password NULL: delete name), reload, reply. */
static int
users_change(struct cp_core *c, uint64_t conn_id, json_t *tag, const char *name,
	const char *password, char *err, size_t errlen)
{
	struct cp_turn *t = turn_of(c, err, errlen);
	const char *path = c->cfg.turn.users_file;
	struct cp_turn_text old, nt = {0};
	int edit, ret;

	if (t == NULL)
		return -ENOTSUP;
	ret = cp_turn_text_read(path, &old, err, errlen);
	if (ret != 0)
		return ret;
	edit = cp_turn_users_edit(old.buf, old.len, name, password, &nt.buf, &nt.len, err, errlen);
	if (edit < 0) {
		cp_turn_text_free(&old);
		return edit;
	}
	nt.existed = true;
	ret = cp_turn_file_commit(path, &old, &nt, reload_users, t, err, errlen);
	cp_turn_text_free(&old);
	cp_turn_text_free(&nt);
	if (ret != 0)
		return ret;
	CP_INFO("TURN: user '%s' %s in %s", name,
		password == NULL ? "deleted"
		: edit == 1	 ? "added"
				 : "given a new password",
		path);
	reply_ok(c, conn_id, tag,
		json_pack("{s:s, s:s, s:I}", "name", name, "action",
			password == NULL ? "deleted"
			: edit == 1	 ? "added"
					 : "updated",
			"users", (json_int_t)t->auth.n_users));
	return 0;
}

static int
cmd_users_add(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	const char *name, *password;

	if (turn_of(c, err, errlen) == NULL)
		return -ENOTSUP;
	if (get_str(req, "name", &name, err, errlen) != 0 ||
		get_str(req, "password", &password, err, errlen) != 0)
		return -EINVAL;
	if (name == NULL || password == NULL) {
		snprintf(err, errlen, "%s: required", name == NULL ? "name" : "password");
		return -EINVAL;
	}
	return users_change(c, conn_id, tag, name, password, err, errlen);
}

static int
cmd_users_del(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	const char *name;

	if (turn_of(c, err, errlen) == NULL)
		return -ENOTSUP;
	if (get_str(req, "name", &name, err, errlen) != 0)
		return -EINVAL;
	if (name == NULL) {
		snprintf(err, errlen, "name: required");
		return -EINVAL;
	}
	return users_change(c, conn_id, tag, name, NULL, err, errlen);
}

static int
cmd_secrets_list(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	struct cp_turn_file_secret v[CP_AUTH_MAX_SECRETS];
	struct cp_turn *t = turn_of(c, err, errlen);
	struct cp_turn_text text;
	unsigned n, i;
	bool existed;
	json_t *a;
	int ret;

	if (t == NULL)
		return -ENOTSUP;
	ret = cp_turn_text_read(c->cfg.turn.secrets_file, &text, err, errlen);
	if (ret != 0)
		return ret;
	existed = text.existed;
	n = cp_turn_secrets_parse(text.buf, text.len, v, CP_AUTH_MAX_SECRETS);
	cp_turn_text_free(&text);
	a = json_array();
	for (i = 0; i < n && i < CP_AUTH_MAX_SECRETS; i++)
		json_array_append_new(
			a, json_pack("{s:i, s:s, s:i, s:i}", "index", (int)i, "fingerprint",
				   v[i].fp, "length", (int)v[i].len, "line", (int)v[i].line));
	reply_ok(c, conn_id, tag,
		json_pack("{s:s, s:b, s:i, s:i, s:i, s:o}", "file", c->cfg.turn.secrets_file,
			"file_exists", existed, "count", (int)n, "loaded", (int)t->auth.n_secrets,
			"max", CP_AUTH_MAX_SECRETS, "secrets", a));
	return 0;
}

/* Edit the secrets file (add, or delete del / del_index), reload, reply. */
static int
secrets_change(struct cp_core *c, uint64_t conn_id, json_t *tag, const char *add, const char *del,
	long del_index, char *err, size_t errlen)
{
	struct cp_turn *t = turn_of(c, err, errlen);
	const char *path = c->cfg.turn.secrets_file;
	struct cp_turn_text old, nt = {0};
	char fp[CP_TURN_FP_LEN];
	int idx, ret;

	if (t == NULL)
		return -ENOTSUP;
	ret = cp_turn_text_read(path, &old, err, errlen);
	if (ret != 0)
		return ret;
	idx = cp_turn_secrets_edit(
		old.buf, old.len, add, del, del_index, &nt.buf, &nt.len, fp, err, errlen);
	if (idx < 0) {
		cp_turn_text_free(&old);
		return idx;
	}
	nt.existed = true;
	ret = cp_turn_file_commit(path, &old, &nt, reload_secrets, t, err, errlen);
	cp_turn_text_free(&old);
	cp_turn_text_free(&nt);
	if (ret != 0)
		return ret;
	CP_INFO("TURN: REST secret %s (index %d, fingerprint %s) %s %s",
		add != NULL ? "added" : "deleted", idx, fp, add != NULL ? "to" : "from", path);
	reply_ok(c, conn_id, tag,
		json_pack("{s:s, s:i, s:s, s:i}", "action", add != NULL ? "added" : "deleted",
			"index", idx, "fingerprint", fp, "secrets", (int)t->auth.n_secrets));
	return 0;
}

static int
cmd_secrets_add(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	const char *secret;

	if (turn_of(c, err, errlen) == NULL)
		return -ENOTSUP;
	if (get_str(req, "secret", &secret, err, errlen) != 0)
		return -EINVAL;
	if (secret == NULL) {
		snprintf(err, errlen, "secret: required");
		return -EINVAL;
	}
	return secrets_change(c, conn_id, tag, secret, NULL, -1, err, errlen);
}

static int
cmd_secrets_del(
	struct cp_core *c, json_t *req, uint64_t conn_id, json_t *tag, char *err, size_t errlen)
{
	const char *secret;
	uint64_t index = UINT64_MAX;

	if (turn_of(c, err, errlen) == NULL)
		return -ENOTSUP;
	if (get_str(req, "secret", &secret, err, errlen) != 0 ||
		get_uint(req, "index", INT32_MAX, &index, err, errlen) != 0)
		return -EINVAL;
	if ((secret == NULL) == (index == UINT64_MAX)) {
		snprintf(err, errlen,
			"give either secret (the secret, or its index as text) or index");
		return -EINVAL;
	}
	return secrets_change(
		c, conn_id, tag, NULL, secret, index == UINT64_MAX ? -1 : (long)index, err, errlen);
}

static const char *const no_fields[] = {NULL};
static const char *const list_fields[] = {"offset", "limit", NULL};
static const char *const show_fields[] = {"id", NULL};
static const char *const add_fields[] = {"a_local", "a_remote", "b_local", "b_remote", "latch",
	"rate_bytes_per_s", "burst_bytes", "family", NULL};
static const char *const del_fields[] = {"id", "ids", NULL};
static const char *const load_fields[] = {"path", NULL};
static const char *const user_add_fields[] = {"name", "password", NULL};
static const char *const user_del_fields[] = {"name", NULL};
static const char *const secret_add_fields[] = {"secret", NULL};
static const char *const secret_del_fields[] = {"secret", "index", NULL};

static const struct cp_admin_cmd cp_admin_cmds[] = {
	{"ping", no_fields, cmd_ping},
	{"status", no_fields, cmd_status},
	{"stats", no_fields, cmd_stats},
	{"sessions.list", list_fields, cmd_list},
	{"sessions.show", show_fields, cmd_show},
	{"sessions.add", add_fields, cmd_add},
	{"sessions.del", del_fields, cmd_del},
	{"sessions.load", load_fields, cmd_load},
	{"sessions.flush", no_fields, cmd_flush},
	{"allocations.list", list_fields, cmd_alloc_list},
	{"allocations.show", show_fields, cmd_alloc_show},
	{"allocations.kill", show_fields, cmd_alloc_kill},
	{"users.list", no_fields, cmd_users_list},
	{"users.add", user_add_fields, cmd_users_add},
	{"users.del", user_del_fields, cmd_users_del},
	{"secrets.list", no_fields, cmd_secrets_list},
	{"secrets.add", secret_add_fields, cmd_secrets_add},
	{"secrets.del", secret_del_fields, cmd_secrets_del},
};

/* Every key of req is "cmd", "tag" or one of fields. */
static int
check_fields(json_t *req, const struct cp_admin_cmd *cmd, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	unsigned i;

	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "cmd") == 0 || strcmp(key, "tag") == 0)
			continue;
		for (i = 0; cmd->fields[i] != NULL; i++)
			if (strcmp(key, cmd->fields[i]) == 0)
				break;
		if (cmd->fields[i] == NULL) {
			snprintf(err, errlen, "%s: unknown field '%.64s'", cmd->name, key);
			return -EINVAL;
		}
	}
	return 0;
}

void
cp_admin_handle(struct cp_core *c, const char *line, size_t len, uint64_t conn_id)
{
	char err[CP_ERR_LEN] = "";
	const struct cp_admin_cmd *cmd = NULL;
	json_t *req, *tag = NULL;
	json_error_t jerr;
	const char *name;
	unsigned i;
	int ret = -EINVAL;

	c->cnt[CP_CNT_ADMIN_REQUESTS]++;
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, sizeof(err), "bad JSON: %s (column %d)", jerr.text, jerr.column);
		goto fail;
	}
	if (!json_is_object(req)) {
		snprintf(err, sizeof(err), "request must be a JSON object");
		goto fail;
	}
	tag = json_object_get(req, "tag");
	name = json_string_value(json_object_get(req, "cmd"));
	if (name == NULL) {
		snprintf(err, sizeof(err), "missing \"cmd\" (a string)");
		goto fail;
	}
	for (i = 0; i < sizeof(cp_admin_cmds) / sizeof(cp_admin_cmds[0]); i++)
		if (strcmp(name, cp_admin_cmds[i].name) == 0)
			cmd = &cp_admin_cmds[i];
	if (cmd == NULL) {
		snprintf(err, sizeof(err), "unknown cmd '%.64s'", name);
		goto fail;
	}
	if (check_fields(req, cmd, err, sizeof(err)) != 0)
		goto fail;
	CP_DEBUG("admin conn %" PRIu64 ": %s", conn_id, cmd->name);
	ret = cmd->fn(c, req, conn_id, tag, err, sizeof(err));
	if (ret == 0) {
		json_decref(req);
		return;
	}
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "%s", strerror(-ret));
fail:
	c->cnt[CP_CNT_ADMIN_ERRORS]++;
	cp_core_reply(c, conn_id, tag, json_pack("{s:b, s:s}", "ok", 0, "error", err));
	json_decref(req);
}
