/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The users file (coturn's turnuserdb.conf format): static long-term
 * credentials, keys precomputed for our realm at load time (RFC 8489
 * section 9.2.2), USERHASH values too (section 14.4).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cp_log.h"
#include "cp_auth.h"

#define KEY_HEX_PREFIX	   "0x" /* coturn: "user:0x<hex MD5 key>" */
#define KEY_HEX_PREFIX_LEN 2
#define HEX_PER_BYTE	   2
#define NIBBLE_BITS	   4
#define HEX_ALPHA_OFFSET   10
#define COMMENT_CHAR	   '#'
#define FIELD_SEPARATOR	   ':'
#define USERS_FILE_MAX	   (64u << 20) /* refuse absurd files */
#define USERS_INITIAL	   16	       /* entries allocated first, then doubled */
#define READ_CHUNK	   4096	       /* first read buffer, then doubled */


static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + HEX_ALPHA_OFFSET;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + HEX_ALPHA_OFFSET;
	return -1;
}

static int
user_cmp_raw(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int
user_cmp(const void *x, const void *y)
{
	const struct cp_auth_user *a = x, *b = y;
	int c = user_cmp_raw(a->name, a->name_len, b->name, b->name_len);

	return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static void
users_free(struct cp_auth_user *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		OPENSSL_cleanse(&v[i], sizeof(v[i]));
	}
	free(v);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * One non-comment line [p, p+len) (blanks trimmed) into u.  Returns 0 or
 * -EINVAL with err set.
 */
static int
parse_line(const struct cp_auth *a, const char *p, size_t len, unsigned line,
	struct cp_auth_user *u, char *err, size_t errlen)
{
	const char *colon = memchr(p, FIELD_SEPARATOR, len), *pw;
	size_t ulen, pwlen, i;
	int hi, lo;

	if (colon == NULL) {
		cp_errf(err, errlen, "line %u: expected user:password", line);
		return -EINVAL;
	}
	ulen = (size_t)(colon - p);
	pw = colon + 1;
	pwlen = len - ulen - 1;
	if (ulen == 0) {
		cp_errf(err, errlen, "line %u: empty user name", line);
		return -EINVAL;
	}
	if (ulen > CP_AUTH_USERNAME_MAX) {
		cp_errf(err, errlen, "line %u: user name longer than %d bytes", line,
			CP_AUTH_USERNAME_MAX);
		return -EINVAL;
	}
	if (pwlen == 0) {
		cp_errf(err, errlen, "line %u: empty password", line);
		return -EINVAL;
	}
	if (pwlen > CP_AUTH_PASSWORD_MAX) {
		cp_errf(err, errlen, "line %u: password longer than %d bytes", line,
			CP_AUTH_PASSWORD_MAX);
		return -EINVAL;
	}
	memset(u, 0, sizeof(*u));
	u->line = line;
	if (pwlen > KEY_HEX_PREFIX_LEN && memcmp(pw, KEY_HEX_PREFIX, KEY_HEX_PREFIX_LEN) == 0) {
		if (pwlen != KEY_HEX_PREFIX_LEN + HEX_PER_BYTE * CP_AUTH_MD5_KEY_LEN) {
			cp_errf(err, errlen, "line %u: a 0x key needs %d hex digits", line,
				HEX_PER_BYTE * CP_AUTH_MD5_KEY_LEN);
			return -EINVAL;
		}
		for (i = 0; i < CP_AUTH_MD5_KEY_LEN; i++) {
			hi = hex_nibble(pw[KEY_HEX_PREFIX_LEN + HEX_PER_BYTE * i]);
			lo = hex_nibble(pw[KEY_HEX_PREFIX_LEN + HEX_PER_BYTE * i + 1]);
			if (hi < 0 || lo < 0) {
				cp_errf(err, errlen, "line %u: bad hex digit in key", line);
				return -EINVAL;
			}
			u->key_md5[i] = (uint8_t)(hi << NIBBLE_BITS | lo);
		}
	} else {
		if (cp_auth_key_derive(CP_AUTH_ALG_MD5, p, ulen, a->cfg.realm, a->realm_len, pw,
			    pwlen, u->key_md5, sizeof(u->key_md5)) < 0 ||
			cp_auth_key_derive(CP_AUTH_ALG_SHA256, p, ulen, a->cfg.realm, a->realm_len,
				pw, pwlen, u->key_sha256, sizeof(u->key_sha256)) < 0) {
			cp_errf(err, errlen, "line %u: key derivation failed", line);
			return -EINVAL;
		}
		u->has_sha256 = true;
	}
	/* RFC 8489 section 14.4: USERHASH = SHA-256(username ":" realm) */
	{
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		static const char sep = FIELD_SEPARATOR;
		unsigned int n = 0;
		int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
			 EVP_DigestUpdate(ctx, p, ulen) == 1 &&
			 EVP_DigestUpdate(ctx, &sep, 1) == 1 &&
			 EVP_DigestUpdate(ctx, a->cfg.realm, a->realm_len) == 1 &&
			 EVP_DigestFinal_ex(ctx, u->userhash, &n) == 1 && n == CP_AUTH_USERHASH_LEN;

		EVP_MD_CTX_free(ctx);
		if (!ok) {
			cp_errf(err, errlen, "line %u: userhash failed", line);
			return -EINVAL;
		}
	}
	u->name = malloc(ulen + 1);
	if (u->name == NULL) {
		cp_errf(err, errlen, "line %u: out of memory", line);
		return -ENOMEM;
	}
	memcpy(u->name, p, ulen);
	u->name[ulen] = '\0';
	u->name_len = ulen;
	return 0;
}

/* Contract in cp_auth.h: all or nothing, errors name the line. */
int
cp_auth_users_load_buf(struct cp_auth *a, const char *text, size_t len, char *err, size_t errlen)
{
	struct cp_auth_user *v = NULL, *nv;
	size_t n = 0, cap = 0, i, llen;
	const char *p = text, *end = text + len, *nl, *s, *e;
	unsigned line = 0;
	int ret;

	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl != NULL ? nl : end;
		s = p;
		p = nl != NULL ? nl + 1 : end;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		llen = (size_t)(e - s);
		if (llen == 0 || *s == COMMENT_CHAR)
			continue;
		if (llen > CP_AUTH_LINE_MAX) {
			cp_errf(err, errlen, "line %u: longer than %d bytes", line,
				CP_AUTH_LINE_MAX);
			ret = -EINVAL;
			goto fail;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : USERS_INITIAL;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				cp_errf(err, errlen, "line %u: out of memory", line);
				ret = -ENOMEM;
				goto fail;
			}
			v = nv;
		}
		ret = parse_line(a, s, llen, line, &v[n], err, errlen);
		if (ret < 0)
			goto fail;
		n++;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), user_cmp);
	for (i = 1; i < n; i++)
		if (user_cmp_raw(v[i - 1].name, v[i - 1].name_len, v[i].name, v[i].name_len) == 0) {
			cp_errf(err, errlen, "line %u: duplicate user '%s' (first on line %u)",
				v[i].line, v[i].name, v[i - 1].line);
			ret = -EINVAL;
			goto fail;
		}
	users_free(a->users, a->n_users);
	a->users = v;
	a->n_users = n;
	return (int)n;
fail:
	users_free(v, n);
	return ret;
}

/* Contract in cp_auth.h: read the whole file, then load_buf. */
int
cp_auth_users_load(struct cp_auth *a, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int ret;

	if (f == NULL) {
		ret = -errno;
		cp_errf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (n == cap) {
			char *nb;

			cap = cap ? 2 * cap : READ_CHUNK;
			if (cap > USERS_FILE_MAX) {
				cp_errf(err, errlen, "%s: larger than %u bytes", path,
					USERS_FILE_MAX);
				ret = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				cp_errf(err, errlen, "%s: out of memory", path);
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cp_errf(err, errlen, "%s: read error", path);
		ret = -EIO;
		goto out;
	}
	ret = cp_auth_users_load_buf(a, buf != NULL ? buf : "", n, err, errlen);
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	fclose(f);
	return ret;
}

/* Binary search by name (exact bytes). */
const struct cp_auth_user *
cp_auth_user_find(const struct cp_auth *a, const void *name, size_t len)
{
	size_t lo = 0, hi = a->n_users, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = user_cmp_raw(a->users[mid].name, a->users[mid].name_len, name, len);
		if (c == 0)
			return &a->users[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
