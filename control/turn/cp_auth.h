/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN/STUN long-term credential authentication (RFC 8489 section 9.2,
 * RFC 8656 sections 7.2 and 9): key derivation, stateless nonces with the
 * RFC 8489 nonce cookie, a coturn-compatible users file and TURN REST API
 * ephemeral credentials (coturn's use-auth-secret), and the decision for
 * one request.
 *
 * Strings: usernames, realms and passwords are used as the bytes given
 * (ASCII or UTF-8); no SASLprep/OpaqueString (RFC 4013, RFC 8265)
 * normalisation is applied, so operators must store them already prepared
 * (RFC 5769 section 2.4's "TheMatrIX", not "The<U+00AD>M<U+00AA>tr<U+2168>").
 * This is what coturn does too.
 *
 * Not thread-safe: one struct cp_auth is owned by one thread (the TURN
 * signalling loop); reloading users or rotating keys happens there too.
 */
#ifndef CP_AUTH_H
#define CP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

/* RFC 8489 sections 14.3, 14.9, 14.10: attribute limits */
#define CP_AUTH_USERNAME_MAX   512 /* USERNAME: fewer than 513 bytes */
#define CP_AUTH_REALM_MAX      763 /* REALM: fewer than 128 characters, 763 bytes */
#define CP_AUTH_NONCE_ATTR_MAX 763 /* NONCE: fewer than 128 characters, 763 bytes */

#define CP_AUTH_PASSWORD_MAX 512  /* our limit on a users-file password */
#define CP_AUTH_SECRET_MAX   512  /* our limit on a REST shared secret */
#define CP_AUTH_MAX_SECRETS  8	  /* REST secrets accepted at once (rotation) */
#define CP_AUTH_LINE_MAX     2048 /* users-file line */

/* RFC 8489 section 18.5: password algorithms; 9.2.2: key lengths */
#define CP_AUTH_ALG_MD5	       0x0001
#define CP_AUTH_ALG_SHA256     0x0002
#define CP_AUTH_MD5_KEY_LEN    16
#define CP_AUTH_SHA256_KEY_LEN 32
#define CP_AUTH_KEY_MAX	       CP_AUTH_SHA256_KEY_LEN
#define CP_AUTH_USERHASH_LEN   32 /* section 14.4: SHA-256 */

/*
 * RFC 8489 section 9.2 and 18.1: the nonce cookie "obMatJos2" followed by
 * the 24-bit security feature set in base64 (4 characters).  Bit numbering
 * as corrected by erratum 6290: bit 0 is the least significant bit (the
 * Appendix B.1 vector's "AAAC" is username anonymity).
 */
#define CP_AUTH_NONCE_COOKIE		    "obMatJos2"
#define CP_AUTH_NONCE_COOKIE_LEN	    9
#define CP_AUTH_FEATURES_B64_LEN	    4
#define CP_AUTH_FEATURES_LEN		    3
#define CP_AUTH_FEATURE_PASSWORD_ALGORITHMS 0x000001
#define CP_AUTH_FEATURE_USERNAME_ANONYMITY  0x000002

/*
 * Our nonce: cookie, features, then base64 of {version, key id, reserved,
 * expiry (64-bit seconds, big endian), 16 bytes of HMAC-SHA256(nonce key,
 * cookie+features || version || key id || reserved || expiry || client
 * family || client address (16) || client port)}: 49 characters.
 */
#define CP_AUTH_NONCE_VERSION  1
#define CP_AUTH_NONCE_BLOB_LEN 27
#define CP_AUTH_NONCE_MAC_LEN  16
#define CP_AUTH_NONCE_LEN \
	(CP_AUTH_NONCE_COOKIE_LEN + CP_AUTH_FEATURES_B64_LEN + CP_AUTH_NONCE_BLOB_LEN / 3 * 4)
#define CP_AUTH_NONCE_KEY_LEN		 32
#define CP_AUTH_DEFAULT_NONCE_LIFETIME_S 600

/* PASSWORD-ALGORITHMS as we offer it (section 14.11): SHA-256 then MD5, no parameters */
#define CP_AUTH_ALGORITHMS_ATTR_LEN 8

/*
 * Why a request was (not) accepted: name, the error code sent, and text.
 * The code is what the client sees; the reason is for counters and logs
 * only (never sent: the client cannot tell a wrong user from a wrong
 * password).
 */
#define CP_AUTH_REASONS(X)                                                                       \
	X(OK, 0, "authenticated")                                                                \
	X(NO_INTEGRITY, SN_STUN_ERR_UNAUTHENTICATED, "no MESSAGE-INTEGRITY(-SHA256): challenge") \
	X(MISSING_ATTR, SN_STUN_ERR_BAD_REQUEST,                                                 \
		"integrity without USERNAME/USERHASH, REALM or NONCE")                           \
	X(BAD_ATTR, SN_STUN_ERR_BAD_REQUEST, "oversized USERNAME, REALM or NONCE")               \
	X(BAD_ALGORITHM, SN_STUN_ERR_BAD_REQUEST,                                                \
		"PASSWORD-ALGORITHM(S) do not match what the nonce offered")                     \
	X(REALM, SN_STUN_ERR_UNAUTHENTICATED, "another realm")                                   \
	X(UNKNOWN_USER, SN_STUN_ERR_UNAUTHENTICATED, "no such user")                             \
	X(REST_EXPIRED, SN_STUN_ERR_UNAUTHENTICATED, "REST username past its expiry")            \
	X(NO_KEY, SN_STUN_ERR_UNAUTHENTICATED,                                                   \
		"user has no key for the chosen password algorithm")                             \
	X(BAD_INTEGRITY, SN_STUN_ERR_UNAUTHENTICATED, "integrity does not match")                \
	X(NONCE_INVALID, SN_STUN_ERR_STALE_NONCE,                                                \
		"nonce not ours, from a retired key, or for another client")                     \
	X(NONCE_EXPIRED, SN_STUN_ERR_STALE_NONCE, "nonce expired")                               \
	X(INTERNAL, SN_STUN_ERR_SERVER_ERROR, "libcrypto failure")

#define CP_AUTH_REASON_ENUM(name, code, text) CP_AUTH_R_##name,
enum cp_auth_reason { CP_AUTH_REASONS(CP_AUTH_REASON_ENUM) CP_AUTH_R_COUNT };
#undef CP_AUTH_REASON_ENUM

/* Configuration, fixed at cp_auth_init(). */
struct cp_auth_cfg {
	char realm[CP_AUTH_REALM_MAX + 1];
	uint32_t nonce_lifetime_s;	/* default 600 */
	bool offer_password_algorithms; /* PASSWORD-ALGORITHMS in challenges (section 9.2.3) */
	bool username_anonymity;	/* accept USERHASH (section 9.2.1) for users-file users */
	bool nonce_bind_port;		/* nonce bound to address and port (else address only) */
};

/* One users-file entry with its keys precomputed for the realm. */
struct cp_auth_user {
	char *name;
	size_t name_len;
	unsigned line;
	bool has_sha256; /* false for "user:0x<MD5 key>" lines */
	uint8_t key_md5[CP_AUTH_MD5_KEY_LEN];
	uint8_t key_sha256[CP_AUTH_SHA256_KEY_LEN];
	uint8_t userhash[CP_AUTH_USERHASH_LEN];
};

struct cp_auth_secret {
	char s[CP_AUTH_SECRET_MAX + 1];
	size_t len;
};

struct cp_auth {
	struct cp_auth_cfg cfg;
	size_t realm_len;
	struct cp_auth_user *users; /* sorted by name */
	size_t n_users;
	struct cp_auth_secret secrets[CP_AUTH_MAX_SECRETS];
	unsigned n_secrets;
	uint8_t nonce_key[2][CP_AUTH_NONCE_KEY_LEN]; /* indexed by key id & 1 */
	uint8_t nonce_kid;			     /* id of the current key */
	bool nonce_prev_valid;			     /* the previous key still verifies */
	uint32_t features;			     /* CP_AUTH_FEATURE_* we offer */
};

/* The decision for one request (cp_auth_request()). */
struct cp_auth_result {
	int code;		    /* 0: authenticated; else the error code to send */
	enum cp_auth_reason reason; /* for counters and logs only */
	uint16_t algorithm;	    /* CP_AUTH_ALG_* the key was derived with */
	bool sha256_integrity;	    /* request used MESSAGE-INTEGRITY-SHA256: so does the answer */
	uint8_t key[CP_AUTH_KEY_MAX];
	size_t key_len;
	char username[CP_AUTH_USERNAME_MAX + 1]; /* authenticated user (USERHASH resolved) */
	size_t username_len;
	char nonce[CP_AUTH_NONCE_LEN + 1]; /* fresh nonce for a 401/438 answer */
	size_t nonce_len;
};

/* Defaults: realm "supernode", lifetime 600 s, PASSWORD-ALGORITHMS offered, port bound. */
void cp_auth_cfg_defaults(struct cp_auth_cfg *cfg);

/*
 * Initialise with cfg (copied): no users, no REST secrets, a random nonce
 * key.  Returns 0, -EINVAL for an empty or oversized realm or a zero
 * lifetime, -EIO when the random generator fails.
 */
int cp_auth_init(struct cp_auth *a, const struct cp_auth_cfg *cfg);

/* Free the users and wipe every key. */
void cp_auth_fini(struct cp_auth *a);

/* Readable name of a reason (its text in CP_AUTH_REASONS). */
const char *cp_auth_reason_str(enum cp_auth_reason r);

/* Reason phrase for an error code we send (RFC 8489 section 14.8). */
const char *cp_auth_code_phrase(int code);

/*
 * Long-term key (RFC 8489 section 9.2.2, 18.5): alg CP_AUTH_ALG_MD5 ->
 * MD5(user ":" realm ":" password), 16 bytes; CP_AUTH_ALG_SHA256 ->
 * SHA-256 of the same, 32 bytes.  Inputs are used as given (no SASLprep).
 * Returns the key length, -EINVAL for another algorithm or a too small
 * out, -EIO on libcrypto failure.
 */
int cp_auth_key_derive(uint16_t alg, const void *user, size_t user_len, const void *realm,
	size_t realm_len, const void *password, size_t password_len, uint8_t *out, size_t cap);

/*
 * TURN REST API password (draft-uberti-behave-turn-rest-00 section 2.2,
 * coturn use-auth-secret): base64(HMAC-SHA1(secret, username)), NUL
 * terminated in out.  Returns the length (28), -ENOSPC, -EIO.
 */
int cp_auth_rest_password(const void *secret, size_t secret_len, const void *username,
	size_t username_len, char *out, size_t cap);

/*
 * The expiry of a REST username "expiry-unix-time:user" or "expiry-unix-
 * time" (coturn's rest-api-separator ':'): 0 and *expiry when it starts
 * with 1..20 decimal digits followed by ':' or the end, else -EINVAL.
 */
int cp_auth_rest_expiry(const char *username, size_t len, uint64_t *expiry);

/* Add a REST shared secret (tried in the order added).  0, -EINVAL, -ENOSPC. */
int cp_auth_add_secret(struct cp_auth *a, const char *secret);

/* Forget all REST secrets (wiped). */
void cp_auth_clear_secrets(struct cp_auth *a);

/*
 * Replace the users with those of a users file (coturn turnuserdb
 * format), held in [text, text+len): one "user:password" or
 * "user:0x<32 hex digits of the MD5 long-term key>" per line, the user
 * being everything before the first ':'; surrounding blanks ignored;
 * blank lines and lines starting with '#' skipped.  On an error nothing
 * changes, -EINVAL is returned and err says "line N: what".  Returns the
 * number of users loaded.
 */
int cp_auth_users_load_buf(
	struct cp_auth *a, const char *text, size_t len, char *err, size_t errlen);

/* Same, from a file (reload: call again).  -errno when the file cannot be read. */
int cp_auth_users_load(struct cp_auth *a, const char *path, char *err, size_t errlen);

/* The users-file entry for a name, or NULL. */
const struct cp_auth_user *cp_auth_user_find(const struct cp_auth *a, const void *name, size_t len);

/*
 * Start using a new nonce key (NULL: random); nonces made with the
 * previous key keep verifying until the next rotation, so rotating at
 * most once per nonce lifetime never turns a live nonce stale.  0 or -EIO.
 */
int cp_auth_rotate_nonce_key(struct cp_auth *a, const uint8_t *key);

/*
 * Make a nonce (format above) for the client transport address
 * (addr, port host order), valid until now_s + lifetime.  Writes
 * CP_AUTH_NONCE_LEN characters plus a NUL.  Returns the length, -ENOSPC,
 * -EINVAL for an address family other than SN_FAM_IPV4/6, -EIO.
 */
int cp_auth_nonce_make(const struct cp_auth *a, const struct sn_abi_addr *addr, uint16_t port,
	uint64_t now_s, char *out, size_t cap);

/*
 * Check a NONCE value [nonce, nonce+len) from the client (addr, port):
 * CP_AUTH_R_OK when we made it with a live key for this client and it has
 * not expired (expiry >= now_s), CP_AUTH_R_NONCE_EXPIRED when authentic
 * but expired, CP_AUTH_R_NONCE_INVALID otherwise.  *features (may be
 * NULL) gets the feature bits of an authentic nonce.
 */
enum cp_auth_reason cp_auth_nonce_check(const struct cp_auth *a, const uint8_t *nonce, size_t len,
	const struct sn_abi_addr *addr, uint16_t port, uint64_t now_s, uint32_t *features);

/*
 * Parse the security feature bits from the nonce cookie at the start of a
 * NONCE value (RFC 8489 section 9.2): 0 and *features, or -ENOENT when
 * there is no cookie followed by 4 base64 characters.
 */
int cp_auth_nonce_features(const uint8_t *nonce, size_t len, uint32_t *features);

/*
 * Authenticate request m (parsed, class request or indication) from
 * (addr, port) at now_s (unix seconds) per RFC 8489 section 9.2.4, in its
 * order:
 * 1. no MESSAGE-INTEGRITY(-SHA256): 401 (challenge);
 * 2. no USERNAME (or USERHASH when enabled), REALM or NONCE: 400;
 *    any of them oversized: 400;
 * 3. a nonce cookie with the password-algorithms bit: PASSWORD-ALGORITHM
 *    and PASSWORD-ALGORITHMS both absent -> MD5; else both present,
 *    PASSWORD-ALGORITHMS equal to our offer and PASSWORD-ALGORITHM one of
 *    them, else 400.  Without the bit the algorithm is MD5;
 * 4. REALM other than ours, unknown user, expired REST user, no key for
 *    the algorithm, integrity mismatch (MESSAGE-INTEGRITY-SHA256 when
 *    present, else MESSAGE-INTEGRITY): 401, identical on the wire;
 *    candidate keys: the users-file entry, then every REST secret;
 * 5. nonce not ours / other client / expired: 438.
 * On success r->code is 0 and r->key signs the answer (cp_auth_sign());
 * on 401 and 438 r->nonce holds a fresh nonce for cp_auth_write_error().
 */
void cp_auth_request(const struct cp_auth *a, const struct sn_stun_msg *m,
	const struct sn_abi_addr *addr, uint16_t port, uint64_t now_s, struct cp_auth_result *r);

/*
 * Append the error attributes for a rejected request (r->code != 0):
 * ERROR-CODE with its reason phrase, then for 401 and 438 REALM, NONCE
 * (r->nonce) and, when offered, PASSWORD-ALGORITHMS (RFC 8489 sections
 * 9.2.4, 14.11; RFC 8656 section 7.2).  Nothing that identifies the user.
 * Returns the writer's status.
 */
int cp_auth_write_error(
	const struct cp_auth *a, const struct cp_auth_result *r, struct sn_stun_writer *w);

/*
 * Sign an answer to an authenticated request (RFC 8489 section 9.2.4:
 * the response uses the integrity attribute the request used, keyed with
 * r->key).  Returns the writer's status, -EINVAL when r is not a success.
 */
int cp_auth_sign(const struct cp_auth_result *r, struct sn_stun_writer *w);

#endif /* CP_AUTH_H */
