/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two credential files of the TURN server as snctl edits them:
 *
 *   users file   ([turn] users_file, coturn turnuserdb format, read by
 *                cp_auth_users_load()): "name:password" or
 *                "name:0x<32 hex digits of the MD5 long-term key>" lines;
 *   secrets file ([turn] secrets_file, read by cp_turn_reload_secrets()):
 *                one TURN REST API shared secret per line, the first one
 *                tried first.
 *
 * In both, surrounding blanks are ignored and blank lines and lines
 * starting with '#' are skipped.  Edits keep every other line (comments
 * included) byte for byte.
 *
 * Edits are split in three steps so a running server never sees a file it
 * refuses: a pure edit of the file text (cp_turn_users_edit(),
 * cp_turn_secrets_edit()), then cp_turn_file_commit(), which writes the new
 * text atomically (temporary file in the same directory, mode 0600, fsync,
 * rename, fsync of the directory; missing directories created with mode
 * 0700), asks the server to reload, and puts the old file back when the
 * reload refuses the new one.
 *
 * Secrets and passwords never appear in error messages or logs; a secret is
 * shown as its fingerprint, the first CP_TURN_FP_HEX hex digits of its
 * SHA-256.
 *
 * Plain functions, no state; single thread (the control event loop).
 */
#ifndef CP_TURN_FILES_H
#define CP_TURN_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_auth.h"

#define CP_TURN_FILE_MODE 0600	      /* credential files */
#define CP_TURN_DIR_MODE  0700	      /* directories created for them */
#define CP_TURN_FILE_MAX  (64u << 20) /* refuse to edit larger files */
#define CP_TURN_FP_HEX	  8	      /* fingerprint: hex digits of SHA-256 shown */
#define CP_TURN_FP_LEN	  (CP_TURN_FP_HEX + 1)

/* The text of a credential file: malloc'd, NUL-terminated (len excludes the NUL). */
struct cp_turn_text {
	char *buf;
	size_t len;
	bool existed; /* false: the file did not exist (buf is "") */
};

/*
 * Read path whole.  A missing file reads as empty text with existed false.
 * 0, or -errno with err set ("PATH: reason"); -EFBIG above
 * CP_TURN_FILE_MAX.
 */
int cp_turn_text_read(const char *path, struct cp_turn_text *t, char *err, size_t errlen);

/* Wipe (the text holds credentials) and free. */
void cp_turn_text_free(struct cp_turn_text *t);

/*
 * Replace path with [buf, buf+len) atomically (see above), creating
 * missing parent directories.  0, or -errno with err set.
 */
int cp_turn_file_write(const char *path, const char *buf, size_t len, char *err, size_t errlen);

/* Reload hook of cp_turn_file_commit(): 0, or -errno with err set. */
typedef int (*cp_turn_reload_fn)(void *arg, char *err, size_t errlen);

/*
 * Write the edited text nt to path, then reload(arg) (may be NULL).  When
 * the reload fails, old is put back (the file is removed when it did not
 * exist) and the reload's error is returned, prefixed "refused by the
 * server: ".  0 or -errno with err set.
 */
int cp_turn_file_commit(const char *path, const struct cp_turn_text *old,
	const struct cp_turn_text *nt, cp_turn_reload_fn reload, void *arg, char *err,
	size_t errlen);

/* ---------------------------------------------------------------- users */

/*
 * A user name snctl may write: 1..CP_AUTH_USERNAME_MAX bytes, no ':' (the
 * field separator), no blank or control character, not starting with '#'.
 * 0 or -EINVAL with err set.
 */
int cp_turn_user_name_check(const char *name, char *err, size_t errlen);

/*
 * A password snctl may write: 1..CP_AUTH_PASSWORD_MAX bytes, no control
 * character, no leading or trailing blank (the loader trims them).  A
 * password starting with "0x" is how the file holds an MD5 key, so it must
 * then be "0x" and 32 hex digits (stored as that key, as in coturn).
 * 0 or -EINVAL with err set (never quoting the password).
 */
int cp_turn_user_password_check(const char *password, char *err, size_t errlen);

/* One entry of the users file. */
struct cp_turn_file_user {
	char *name;
	unsigned line; /* 1-based */
	bool key;      /* "name:0x<MD5 key>" rather than a password */
};

/*
 * The entries of a users file text, in file order (lines without ':' are
 * skipped: the loader reports them).  *v is malloc'd (NULL when none).
 * Returns the number of entries or -ENOMEM.
 */
int cp_turn_users_parse(const char *buf, size_t len, struct cp_turn_file_user **v);
void cp_turn_users_free(struct cp_turn_file_user *v, size_t n);

/*
 * Edit a users file text into *out (malloc'd, NUL-terminated, *outlen):
 * password != NULL sets the password of name (replacing its line, or
 * appending "name:password" when absent); password == NULL removes every
 * line of name.  Name and password are checked as above.
 * Returns 1 when a user was added, 0 when one was replaced or deleted,
 * -ENOENT when deleting an absent user, -EINVAL, -ENOMEM (err set).
 */
int cp_turn_users_edit(const char *buf, size_t len, const char *name, const char *password,
	char **out, size_t *outlen, char *err, size_t errlen);

/* -------------------------------------------------------------- secrets */

/*
 * A secret snctl may write: 1..CP_AUTH_SECRET_MAX bytes, no control
 * character, no leading or trailing blank, not starting with '#'.
 * 0 or -EINVAL with err set (never quoting the secret).
 */
int cp_turn_secret_check(const char *secret, char *err, size_t errlen);

/* The fingerprint of a secret: CP_TURN_FP_HEX lower-case hex digits of SHA-256. */
void cp_turn_secret_fingerprint(const char *secret, size_t len, char out[CP_TURN_FP_LEN]);

/* One secret of the secrets file (no copy of the secret itself). */
struct cp_turn_file_secret {
	unsigned line; /* 1-based */
	size_t len;
	char fp[CP_TURN_FP_LEN];
};

/*
 * The secrets of a secrets file text in file order (the order the server
 * tries them), as cp_turn_reload_secrets() reads them: each line cut at
 * its first CR or LF, blanks (space, tab) trimmed, blank lines and '#'
 * lines skipped.  At most cap are stored in v; returns how many there are
 * (may exceed cap).
 */
unsigned cp_turn_secrets_parse(
	const char *buf, size_t len, struct cp_turn_file_secret *v, unsigned cap);

/*
 * Edit a secrets file text into *out (malloc'd, *outlen):
 * add != NULL appends that secret: -EEXIST when already there, -ENOSPC when
 * the file holds CP_AUTH_MAX_SECRETS already; returns its index.
 * add == NULL removes one: with del != NULL the secret equal to del when
 * there is one, else, when del is a decimal number, the secret with that
 * index (0 = first); with del == NULL the secret with index del_index.
 * -ENOENT when there is no such secret.  Returns the index removed.
 * fp (may be NULL) receives the fingerprint of the secret added or removed.
 * -EINVAL, -ENOMEM (err set; never quoting a secret).
 */
int cp_turn_secrets_edit(const char *buf, size_t len, const char *add, const char *del,
	long del_index, char **out, size_t *outlen, char fp[CP_TURN_FP_LEN], char *err,
	size_t errlen);

#endif /* CP_TURN_FILES_H */
