/* SPDX-License-Identifier: BSD-3-Clause */
/* The TURN credential files as snctl edits them (contract in cp_turn_files.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cp_log.h"
#include "cp_turn_files.h"

#define FIELD_SEPARATOR	  ':' /* coturn turnuserdb: name ":" password */
#define COMMENT_CHAR	  '#'
#define KEY_PREFIX	  "0x" /* coturn: "name:0x<hex MD5 key>" */
#define KEY_PREFIX_LEN	  2
#define KEY_HEX_LEN	  (2 * CP_AUTH_MD5_KEY_LEN)
#define TMP_SUFFIX	  ".tmp-XXXXXX"
#define SHA256_LEN	  32
#define DECIMAL_BASE	  10
#define ASCII_DEL	  0x7f
#define ASCII_FIRST_PRINT 0x20
#define MAX_INDEX_DIGITS  9


static bool
is_ctl(unsigned char c)
{
	return c < ASCII_FIRST_PRINT || c == ASCII_DEL;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ----------------------------------------------------------- file I/O */

int
cp_turn_text_read(const char *path, struct cp_turn_text *t, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			ret = -errno;
			cp_errf(err, errlen, "%s: %s", path, strerror(errno));
			return ret;
		}
		t->buf = strdup("");
		if (t->buf == NULL) {
			cp_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		cp_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		cp_errf(err, errlen, "%s: not a regular file", path);
		ret = -EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > CP_TURN_FILE_MAX) {
		cp_errf(err, errlen, "%s: larger than %u bytes", path, CP_TURN_FILE_MAX);
		ret = -EFBIG;
		goto fail;
	}
	t->buf = malloc((size_t)st.st_size + 1);
	if (t->buf == NULL) {
		cp_errf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	/* A file growing under us is cut at the size seen by fstat(). */
	while (got < (size_t)st.st_size) {
		n = read(fd, t->buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			cp_errf(err, errlen, "%s: read: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	t->buf[got] = '\0';
	t->len = got;
	t->existed = true;
	close(fd);
	return 0;
fail:
	close(fd);
	cp_turn_text_free(t);
	return ret;
}

void
cp_turn_text_free(struct cp_turn_text *t)
{
	if (t->buf != NULL) {
		OPENSSL_cleanse(t->buf, t->len);
		free(t->buf);
	}
	memset(t, 0, sizeof(*t));
}

/* Create the missing directories above path (mode CP_TURN_DIR_MODE). */
static int
make_parents(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(dir)) {
		cp_errf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(dir, path, len + 1);
	for (i = 1; i < len; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, CP_TURN_DIR_MODE) != 0 && errno != EEXIST) {
			int ret = -errno;

			cp_errf(err, errlen, "%s: mkdir: %s", dir, strerror(errno));
			return ret;
		}
		dir[i] = '/';
	}
	return 0;
}

/* fsync the directory holding path (makes the rename durable). */
static void
sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL)
		return;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir))
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
cp_turn_file_write(const char *path, const char *buf, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	size_t done = 0;
	ssize_t n;
	int fd, ret;

	if (path[0] != '/') {
		cp_errf(err, errlen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	if (snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, path) >= (int)sizeof(tmp)) {
		cp_errf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	ret = make_parents(path, err, errlen);
	if (ret != 0)
		return ret;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		cp_errf(err, errlen, "%s: cannot create a temporary file: %s", path,
			strerror(errno));
		return ret;
	}
	if (fchmod(fd, CP_TURN_FILE_MODE) != 0)
		goto fail_errno;
	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail_errno;
	if (close(fd) != 0) {
		fd = -1;
		goto fail_errno;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail_errno;
	sync_parent(path);
	return 0;
fail_errno:
	ret = -errno;
	cp_errf(err, errlen, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

int
cp_turn_file_commit(const char *path, const struct cp_turn_text *old, const struct cp_turn_text *nt,
	cp_turn_reload_fn reload, void *arg, char *err, size_t errlen)
{
	char why[CP_AUTH_LINE_MAX / 4] = "", back[CP_AUTH_LINE_MAX / 4] = "";
	int ret, rc;

	ret = cp_turn_file_write(path, nt->buf, nt->len, err, errlen);
	if (ret != 0 || reload == NULL)
		return ret;
	ret = reload(arg, why, sizeof(why));
	if (ret == 0)
		return 0;
	if (old->existed) {
		rc = cp_turn_file_write(path, old->buf, old->len, back, sizeof(back));
	} else {
		rc = unlink(path) == 0 ? 0 : -errno;
		if (rc != 0)
			snprintf(back, sizeof(back), "%s: unlink: %s", path, strerror(-rc));
	}
	/* A failed reload may have left part of the new file loaded: load the old one again. */
	if (rc == 0)
		(void)reload(arg, NULL, 0);
	cp_errf(err, errlen, "refused by the server: %s%s%s", why[0] != '\0' ? why : strerror(-ret),
		rc != 0 ? "; putting the old file back failed: " : "", rc != 0 ? back : "");
	return ret;
}

/* ------------------------------------------------------------- lines */

/* One line of a text: raw bytes [raw, raw_end) with the newline; content [s, e). */
struct line {
	const char *raw, *raw_end;
	const char *s, *e;
	unsigned no;
};

static bool
users_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Next line of [*p, end) into l, content trimmed the way the users loader
 * trims (users) or the way cp_turn_reload_secrets() does (secrets: cut at
 * the first CR or LF, then spaces and tabs).  false at the end.
 */
static bool
next_line(const char **p, const char *end, struct line *l, bool secrets)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	l->raw = *p;
	l->raw_end = nl != NULL ? nl + 1 : end;
	l->s = *p;
	l->e = nl != NULL ? nl : end;
	l->no++;
	*p = l->raw_end;
	if (secrets) {
		const char *cr = memchr(l->s, '\r', (size_t)(l->e - l->s));

		if (cr != NULL)
			l->e = cr;
		while (l->s < l->e && (*l->s == ' ' || *l->s == '\t'))
			l->s++;
		while (l->e > l->s && (l->e[-1] == ' ' || l->e[-1] == '\t'))
			l->e--;
	} else {
		while (l->s < l->e && users_blank(*l->s))
			l->s++;
		while (l->e > l->s && users_blank(l->e[-1]))
			l->e--;
	}
	return true;
}

static bool
line_skipped(const struct line *l)
{
	return l->s == l->e || *l->s == COMMENT_CHAR;
}

/* Append [s, s+n) to the output buffer (sized in advance). */
static void
put(char *out, size_t *olen, const char *s, size_t n)
{
	memcpy(out + *olen, s, n);
	*olen += n;
}

/* ---------------------------------------------------------------- users */

int
cp_turn_user_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name), i;

	if (len == 0) {
		cp_errf(err, errlen, "user name: empty");
		return -EINVAL;
	}
	if (len > CP_AUTH_USERNAME_MAX) {
		cp_errf(err, errlen, "user name: longer than %d bytes", CP_AUTH_USERNAME_MAX);
		return -EINVAL;
	}
	if (name[0] == COMMENT_CHAR) {
		cp_errf(err, errlen, "user name: must not start with '#'");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == FIELD_SEPARATOR || c == ' ' || is_ctl(c)) {
			cp_errf(err, errlen,
				"user name: must not contain ':', blanks or control characters");
			return -EINVAL;
		}
	}
	return 0;
}

int
cp_turn_user_password_check(const char *password, char *err, size_t errlen)
{
	size_t len = strlen(password), i;

	if (len == 0) {
		cp_errf(err, errlen, "password: empty");
		return -EINVAL;
	}
	if (len > CP_AUTH_PASSWORD_MAX) {
		cp_errf(err, errlen, "password: longer than %d bytes", CP_AUTH_PASSWORD_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (is_ctl((unsigned char)password[i])) {
			cp_errf(err, errlen, "password: must not contain control characters");
			return -EINVAL;
		}
	}
	if (password[0] == ' ' || password[len - 1] == ' ') {
		cp_errf(err, errlen, "password: must not start or end with a blank");
		return -EINVAL;
	}
	if (len > KEY_PREFIX_LEN && memcmp(password, KEY_PREFIX, KEY_PREFIX_LEN) == 0) {
		if (len != KEY_PREFIX_LEN + KEY_HEX_LEN) {
			cp_errf(err, errlen,
				"password: one starting with 0x is read as an MD5 key and "
				"needs exactly %d hex digits after it",
				KEY_HEX_LEN);
			return -EINVAL;
		}
		for (i = KEY_PREFIX_LEN; i < len; i++) {
			if (!is_hex(password[i])) {
				cp_errf(err, errlen,
					"password: one starting with 0x is read as an MD5 key "
					"and must be hex digits");
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* The user entry of a trimmed line: name [s, colon).  false for none. */
static bool
user_entry(const struct line *l, const char **colon)
{
	if (line_skipped(l))
		return false;
	*colon = memchr(l->s, FIELD_SEPARATOR, (size_t)(l->e - l->s));
	return *colon != NULL;
}

int
cp_turn_users_parse(const char *buf, size_t len, struct cp_turn_file_user **v)
{
	const char *p = buf, *end = buf + len, *colon;
	struct cp_turn_file_user *u = NULL, *nu;
	struct line l = {0};
	size_t n = 0, cap = 0;

	*v = NULL;
	while (next_line(&p, end, &l, false)) {
		const char *pw;
		size_t pwlen;

		if (!user_entry(&l, &colon))
			continue;
		if (n == cap) {
			cap = cap != 0 ? 2 * cap : 16;
			nu = realloc(u, cap * sizeof(*u));
			if (nu == NULL)
				goto oom;
			u = nu;
		}
		u[n].name = strndup(l.s, (size_t)(colon - l.s));
		if (u[n].name == NULL)
			goto oom;
		u[n].line = l.no;
		pw = colon + 1;
		pwlen = (size_t)(l.e - pw);
		u[n].key = pwlen > KEY_PREFIX_LEN && memcmp(pw, KEY_PREFIX, KEY_PREFIX_LEN) == 0;
		n++;
	}
	*v = u;
	return (int)n;
oom:
	cp_turn_users_free(u, n);
	return -ENOMEM;
}

void
cp_turn_users_free(struct cp_turn_file_user *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
cp_turn_users_edit(const char *buf, size_t len, const char *name, const char *password, char **out,
	size_t *outlen, char *err, size_t errlen)
{
	size_t nlen = strlen(name), plen = password != NULL ? strlen(password) : 0, olen = 0;
	const char *p = buf, *end = buf + len, *colon;
	struct line l = {0};
	bool found = false;
	char *o;
	int ret;

	*out = NULL;
	*outlen = 0;
	ret = cp_turn_user_name_check(name, err, errlen);
	if (ret == 0 && password != NULL)
		ret = cp_turn_user_password_check(password, err, errlen);
	if (ret != 0)
		return ret;
	/* the old text, a newline it may lack, and the new line */
	o = malloc(len + 1 + nlen + 1 + plen + 1 + 1);
	if (o == NULL) {
		cp_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (next_line(&p, end, &l, false)) {
		if (user_entry(&l, &colon) && (size_t)(colon - l.s) == nlen &&
			memcmp(l.s, name, nlen) == 0) {
			/* the first line of name gets the new password, repeats go */
			if (password != NULL && !found) {
				put(o, &olen, name, nlen);
				put(o, &olen, ":", 1);
				put(o, &olen, password, plen);
				put(o, &olen, "\n", 1);
			}
			found = true;
			continue;
		}
		put(o, &olen, l.raw, (size_t)(l.raw_end - l.raw));
	}
	if (password == NULL && !found) {
		OPENSSL_cleanse(o, olen);
		free(o);
		cp_errf(err, errlen, "no user '%s'", name);
		return -ENOENT;
	}
	if (password != NULL && !found) {
		if (olen != 0 && o[olen - 1] != '\n')
			put(o, &olen, "\n", 1);
		put(o, &olen, name, nlen);
		put(o, &olen, ":", 1);
		put(o, &olen, password, plen);
		put(o, &olen, "\n", 1);
	}
	o[olen] = '\0';
	*out = o;
	*outlen = olen;
	return password != NULL && !found ? 1 : 0;
}

/* -------------------------------------------------------------- secrets */

int
cp_turn_secret_check(const char *secret, char *err, size_t errlen)
{
	size_t len = strlen(secret), i;

	if (len == 0) {
		cp_errf(err, errlen, "secret: empty");
		return -EINVAL;
	}
	if (len > CP_AUTH_SECRET_MAX) {
		cp_errf(err, errlen, "secret: longer than %d bytes", CP_AUTH_SECRET_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (is_ctl((unsigned char)secret[i])) {
			cp_errf(err, errlen, "secret: must not contain control characters");
			return -EINVAL;
		}
	}
	if (secret[0] == ' ' || secret[len - 1] == ' ') {
		cp_errf(err, errlen, "secret: must not start or end with a blank");
		return -EINVAL;
	}
	if (secret[0] == COMMENT_CHAR) {
		cp_errf(err, errlen, "secret: must not start with '#'");
		return -EINVAL;
	}
	return 0;
}

void
cp_turn_secret_fingerprint(const char *secret, size_t len, char out[CP_TURN_FP_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(secret, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN) {
		snprintf(out, CP_TURN_FP_LEN, "%s", "????????");
		return;
	}
	for (i = 0; i < CP_TURN_FP_HEX / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[CP_TURN_FP_HEX] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
}

unsigned
cp_turn_secrets_parse(const char *buf, size_t len, struct cp_turn_file_secret *v, unsigned cap)
{
	const char *p = buf, *end = buf + len;
	struct line l = {0};
	unsigned n = 0;

	while (next_line(&p, end, &l, true)) {
		if (line_skipped(&l))
			continue;
		if (n < cap) {
			v[n].line = l.no;
			v[n].len = (size_t)(l.e - l.s);
			cp_turn_secret_fingerprint(l.s, v[n].len, v[n].fp);
		}
		n++;
	}
	return n;
}

/* del as an index: decimal digits only, at most MAX_INDEX_DIGITS.  -1 when not. */
static long
parse_index(const char *s)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == MAX_INDEX_DIGITS)
			return -1;
		v = v * DECIMAL_BASE + (s[i] - '0');
	}
	return i == 0 ? -1 : v;
}

int
cp_turn_secrets_edit(const char *buf, size_t len, const char *add, const char *del, long del_index,
	char **out, size_t *outlen, char fp[CP_TURN_FP_LEN], char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *target = add != NULL ? add : del;
	size_t tlen = target != NULL ? strlen(target) : 0, olen = 0;
	const struct line *victim = NULL;
	struct line l = {0}, by_index = {0}, by_value = {0};
	long idx, match_idx = -1, want_idx = del_index;
	bool have_index = false, have_value = false;
	unsigned n = 0;
	char *o;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (add != NULL) {
		ret = cp_turn_secret_check(add, err, errlen);
		if (ret != 0)
			return ret;
	} else if (del != NULL) {
		want_idx = parse_index(del);
	}
	/* find the secret equal to target, and the one with index want_idx */
	while (next_line(&p, end, &l, true)) {
		if (line_skipped(&l))
			continue;
		if (target != NULL && !have_value && (size_t)(l.e - l.s) == tlen &&
			memcmp(l.s, target, tlen) == 0) {
			by_value = l;
			have_value = true;
			match_idx = n;
		}
		if (want_idx >= 0 && (long)n == want_idx) {
			by_index = l;
			have_index = true;
		}
		n++;
	}
	if (add != NULL) {
		if (have_value) {
			cp_errf(err, errlen, "that secret is already there (index %ld)", match_idx);
			return -EEXIST;
		}
		if (n >= CP_AUTH_MAX_SECRETS) {
			cp_errf(err, errlen,
				"the file holds %u secrets already, the most the server accepts: "
				"delete one first",
				n);
			return -ENOSPC;
		}
	} else {
		if (have_value) {
			victim = &by_value;
			idx = match_idx;
		} else if (have_index) {
			victim = &by_index;
			idx = want_idx;
		} else {
			if (del != NULL && want_idx < 0)
				cp_errf(err, errlen, "no such secret");
			else
				cp_errf(err, errlen, "no secret with index %ld (there are %u)",
					want_idx, n);
			return -ENOENT;
		}
	}
	o = malloc(len + 1 + tlen + 1 + 1);
	if (o == NULL) {
		cp_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (add != NULL) {
		put(o, &olen, buf, len);
		if (olen != 0 && o[olen - 1] != '\n')
			put(o, &olen, "\n", 1);
		put(o, &olen, add, tlen);
		put(o, &olen, "\n", 1);
		idx = n;
		if (fp != NULL)
			cp_turn_secret_fingerprint(add, tlen, fp);
	} else {
		put(o, &olen, buf, (size_t)(victim->raw - buf));
		put(o, &olen, victim->raw_end, (size_t)(end - victim->raw_end));
		if (fp != NULL)
			cp_turn_secret_fingerprint(victim->s, (size_t)(victim->e - victim->s), fp);
	}
	o[olen] = '\0';
	*out = o;
	*outlen = olen;
	return (int)idx;
}
