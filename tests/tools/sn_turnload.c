/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-turnload: TURN (RFC 8656) allocation load generator over UDP.
 *
 * N clients, each with its own source transport address (a port of its own,
 * or with several --bind addresses a port shared by one client per address:
 * N / addresses sockets), run the long-term-credential flow of RFC 8656
 * section 7.2 / RFC 8489 section 9.2:
 *
 *   Allocate (no credentials)            -> 401 with REALM and NONCE
 *   Allocate + USERNAME/REALM/NONCE + MESSAGE-INTEGRITY,
 *     REQUESTED-TRANSPORT UDP [, REQUESTED-ADDRESS-FAMILY][, LIFETIME]
 *                                        -> success, XOR-RELAYED-ADDRESS
 *   ChannelBind CHANNEL-NUMBER + XOR-PEER-ADDRESS (--peer)  -> success
 *
 * with at most --window clients in flight and the client retransmission of
 * RFC 8489 section 6.2.1 (shortened: --rto, doubling, --retries sends).
 * A 438 (stale nonce) is answered with the new NONCE, up to
 * STALE_RETRIES times per step (section 9.2.5).  Prints one line:
 *
 *   allocations=N allocations_per_second=X failed=F seconds=T ...
 *
 * where allocations_per_second counts completed Allocate+ChannelBind flows
 * over the wall time from the first request to the last completion.
 *
 * Afterwards, optionally:
 *   --send-secs S   ChannelData (RFC 8656 section 12.4) on every client's
 *                   channel, round robin, for S seconds (0: until SIGINT/
 *                   SIGTERM), at --rate packets/s (0: as fast as it goes);
 *                   prints "sending clients=K" on stdout when it starts;
 *   --hold          keep the allocations alive (Refresh and ChannelBind
 *                   again every --refresh seconds) until SIGINT/SIGTERM;
 *   --refresh-delete  release them at the end (Refresh, LIFETIME 0,
 *                   section 7.3).
 *
 * Credentials: --user/--password, or --secret for the TURN REST API
 * ephemeral credentials coturn's use-auth-secret accepts (username
 * "expiry:user", password base64(HMAC-SHA1(secret, username))).  The key
 * is MD5(username ":" realm ":" password) (RFC 8489 section 9.2.2).
 *
 * A test tool: numeric addresses only, single thread, epoll.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sn_abi.h"
#include "sn_bytes.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

/* RFC 8656 section 18.7 / 18.1 / 18.11 / 18.2: attribute values */
#define TURN_TRANSPORT_UDP   17 /* REQUESTED-TRANSPORT protocol (IANA UDP) */
#define TURN_U32_ATTR_LEN    4
#define TURN_CHANNEL_HLEN    4	 /* ChannelData header: number, length (12.4) */
#define TURN_LIFETIME_DELETE 0	 /* Refresh with LIFETIME 0 deletes (7.3) */
#define TURN_PERM_LIFETIME_S 300 /* permission lifetime (9), refreshed by ChannelBind */

/* RFC 8489 section 9.2.2: key = MD5(username ":" realm ":" password) */
#define MD5_LEN	      16
#define HMAC_SHA1_LEN 20
#define SHA1_BLOCK    64
#define HMAC_IPAD     0x36
#define HMAC_OPAD     0x5c
#define REST_TTL_S    86400 /* REST username expiry: now + a day */

#define MAX_MSG	       1500 /* one UDP datagram we build or read */
#define MAX_STR	       513  /* USERNAME, REALM (RFC 8489 14.3, 14.9: < 513 bytes) */
#define MAX_NONCE      763  /* RFC 8489 section 14.10 */
#define STALE_RETRIES  2    /* 438 answered this many times per step */
#define EPOLL_BATCH    1024
#define SCAN_NS	       1000000ULL /* retransmission timer granularity */
#define NS_PER_S       1000000000ULL
#define NS_PER_MS      1000000ULL
#define SEND_BATCH_MAX 64
#define SERVICE_NS     (5 * NS_PER_MS) /* while sending: rx and timers every 5 ms */
#define NO_SLOT	       UINT32_MAX
#define ERR_TIMEOUT    0 /* errors[] index: no answer */
#define ERR_BAD	       1 /* errors[] index: answer without what it must carry */
#define ERR_INTEGRITY  2 /* errors[] index: success with a wrong MESSAGE-INTEGRITY */
#define ERR_SOCKET     3 /* errors[] index: send() failed */
#define ERR_CODES      700

/* RFC 8489 section 14.8: ERROR-CODE value = 21 reserved bits, class (3), number (8) */
#define ERROR_CLASS_OFF	 2
#define ERROR_CLASS_MASK 0x7
#define ERROR_NUMBER_OFF 3

/* Client states: what the outstanding request (if any) is. */
enum tl_state {
	TL_IDLE = 0, /* not started */
	TL_ALLOC0,   /* Allocate without credentials sent */
	TL_ALLOC1,   /* authenticated Allocate sent */
	TL_CHANBIND, /* ChannelBind sent */
	TL_DONE,     /* allocated (and bound): nothing outstanding */
	TL_REFRESH,  /* Refresh (keep alive) sent */
	TL_REBIND,   /* ChannelBind (keep alive) sent */
	TL_DELETE,   /* Refresh LIFETIME 0 sent */
	TL_GONE,     /* deleted */
	TL_FAILED,
};

struct tl_client {
	uint8_t state; /* enum tl_state */
	uint8_t stale; /* 438s answered in this step */
	uint16_t nonce_len;
	uint32_t slot;	/* window slot while a request is outstanding */
	uint8_t *nonce; /* malloc'd, nonce_len bytes */
	uint64_t t_begin_ns;
};

/* One in-flight request. */
struct tl_slot {
	uint32_t client;
	uint8_t tries; /* transmissions so far */
	uint16_t len;
	uint64_t deadline_ns;
	uint64_t rto_ns;
	uint8_t txid[SN_STUN_TXID_LEN];
	uint8_t msg[MAX_MSG];
};

struct tl_opts {
	struct sockaddr_storage server;
	socklen_t server_len;
	struct sockaddr_storage peer;
	bool have_peer;
	struct sockaddr_storage bind[64];
	unsigned n_bind;
	unsigned port_min, port_max; /* 0: ephemeral */
	const char *user, *password, *secret, *realm;
	unsigned count, window, lifetime, retries, rto_ms, refresh_s;
	unsigned family; /* REQUESTED-ADDRESS-FAMILY: 0 (none), 4, 6 */
	bool hold, del, fingerprint, verify, quiet;
	int send_secs; /* < 0: no sending */
	unsigned rate, size, burst;
	uint16_t channel;
};

static struct tl_opts o = {
	.count = 1000,
	.window = 256,
	.lifetime = 600,
	.retries = 5,
	.rto_ms = 250,
	.send_secs = -1,
	.size = 160,
	.burst = 8,
	.channel = SN_TURN_CHAN_MIN,
	.verify = true,
};

/*
 * Sockets: client i uses socket i / spread and local address i % spread
 * (spread = the number of --bind addresses when more than one, else 1).
 * With one address per socket the socket is bound to it; with several the
 * socket is bound to the wildcard address and each datagram names its
 * source with IP_PKTINFO / IPV6_PKTINFO, and says on reception which
 * address it was sent to.  So N clients need N / spread descriptors.
 */
static int *socks;
static uint32_t n_socks, spread = 1;
static uint8_t ctl[64][CMSG_SPACE(sizeof(struct in6_pktinfo))];
static size_t ctl_len;

/* Run state */
static struct tl_client *cl;
static struct tl_slot *slots;
static uint32_t *free_slots, n_free;
static uint32_t *queue; /* clients waiting for a window slot (ring of count) */
static uint64_t q_head, q_tail;
static int ep = -1;
static uint64_t xs_state;
static volatile sig_atomic_t stop;

static char username[MAX_STR];
static char realm[MAX_STR];
static size_t realm_len;
static uint8_t key[MD5_LEN];
static bool have_key;
static EVP_MD_CTX *hmac_inner, *hmac_outer, *hmac_tmp;

/* Counters */
static uint64_t errors[ERR_CODES];
static uint64_t n_done, n_failed, n_deleted, n_refreshed, n_retrans, n_stale, n_stray;
static uint64_t n_sent_pkts, n_send_drops;
static int first_errno; /* of the first failed send(), for the report */
static uint32_t *lat_us;
static uint64_t n_lat;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: transaction ids need to be unpredictable enough for a test. */
static uint64_t
rnd64(void)
{
	xs_state ^= xs_state >> 12;
	xs_state ^= xs_state << 25;
	xs_state ^= xs_state >> 27;
	return xs_state * 0x2545F4914F6CDD1DULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ------------------------------------------------------------ crypto */

/*
 * Key the HMAC-SHA1 (RFC 2104) contexts: inner and outer digests with the
 * padded key already absorbed, so each MAC is two context copies.
 */
static int
hmac_setup(const uint8_t *k, size_t klen)
{
	uint8_t block[SHA1_BLOCK], pad[SHA1_BLOCK];
	unsigned i;

	if (klen > SHA1_BLOCK)
		return -EINVAL; /* our keys are 16-byte MD5 digests */
	memset(block, 0, sizeof(block));
	memcpy(block, k, klen);
	if (hmac_inner == NULL) {
		hmac_inner = EVP_MD_CTX_new();
		hmac_outer = EVP_MD_CTX_new();
		hmac_tmp = EVP_MD_CTX_new();
		if (hmac_inner == NULL || hmac_outer == NULL || hmac_tmp == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] = block[i] ^ HMAC_IPAD;
	if (EVP_DigestInit_ex(hmac_inner, EVP_sha1(), NULL) != 1 ||
		EVP_DigestUpdate(hmac_inner, pad, sizeof(pad)) != 1)
		return -EIO;
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] = block[i] ^ HMAC_OPAD;
	if (EVP_DigestInit_ex(hmac_outer, EVP_sha1(), NULL) != 1 ||
		EVP_DigestUpdate(hmac_outer, pad, sizeof(pad)) != 1)
		return -EIO;
	return 0;
}

/* HMAC-SHA1 with the key of hmac_setup() over a || b.  0 or -EIO. */
static int
hmac_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[HMAC_SHA1_LEN])
{
	uint8_t ih[HMAC_SHA1_LEN];
	unsigned len;

	if (EVP_MD_CTX_copy_ex(hmac_tmp, hmac_inner) != 1 ||
		EVP_DigestUpdate(hmac_tmp, a, alen) != 1 ||
		(blen > 0 && EVP_DigestUpdate(hmac_tmp, b, blen) != 1) ||
		EVP_DigestFinal_ex(hmac_tmp, ih, &len) != 1)
		return -EIO;
	if (EVP_MD_CTX_copy_ex(hmac_tmp, hmac_outer) != 1 ||
		EVP_DigestUpdate(hmac_tmp, ih, sizeof(ih)) != 1 ||
		EVP_DigestFinal_ex(hmac_tmp, out, &len) != 1)
		return -EIO;
	return 0;
}

/* One-shot HMAC-SHA1 with an arbitrary key (REST password derivation). */
static int
hmac_sha1_oneshot(const char *k, const char *msg, uint8_t out[HMAC_SHA1_LEN])
{
	uint8_t kb[HMAC_SHA1_LEN];
	unsigned len;
	size_t klen = strlen(k);

	if (klen > SHA1_BLOCK) {
		if (EVP_Digest(k, klen, kb, &len, EVP_sha1(), NULL) != 1)
			return -EIO;
		if (hmac_setup(kb, sizeof(kb)) != 0)
			return -EIO;
	} else if (hmac_setup((const uint8_t *)k, klen) != 0) {
		return -EIO;
	}
	return hmac_sha1((const uint8_t *)msg, strlen(msg), NULL, 0, out);
}

/* The long-term key once the realm is known (RFC 8489 section 9.2.2). */
static int
derive_key(void)
{
	char buf[3 * MAX_STR + 4];
	unsigned len;
	int n;

	n = snprintf(buf, sizeof(buf), "%s:%.*s:%s", username, (int)realm_len, realm, o.password);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	if (EVP_Digest(buf, (size_t)n, key, &len, EVP_md5(), NULL) != 1)
		return -EIO;
	if (hmac_setup(key, sizeof(key)) != 0)
		return -EIO;
	have_key = true;
	return 0;
}

/* coturn use-auth-secret credentials: "expiry:user", base64(HMAC-SHA1). */
static int
rest_credentials(char *pw, size_t pwlen)
{
	uint8_t mac[HMAC_SHA1_LEN];
	int n;

	n = snprintf(
		username, sizeof(username), "%lld:%s", (long long)time(NULL) + REST_TTL_S, o.user);
	if (n < 0 || (size_t)n >= sizeof(username))
		return -EINVAL;
	if (hmac_sha1_oneshot(o.secret, username, mac) != 0)
		return -EIO;
	if (pwlen < 4 * ((HMAC_SHA1_LEN + 2) / 3) + 1)
		return -ENOSPC;
	EVP_EncodeBlock((unsigned char *)pw, mac, HMAC_SHA1_LEN);
	return 0;
}

/* ----------------------------------------------------------- messages */

/*
 * Append MESSAGE-INTEGRITY (RFC 8489 section 14.5): the header length
 * already counts the attribute when the HMAC runs.
 */
static int
add_integrity(struct sn_stun_writer *w)
{
	static const uint8_t zero[SN_STUN_INTEGRITY_LEN];
	uint8_t *v;

	if (sn_stun_add_raw(w, SN_STUN_ATTR_MESSAGE_INTEGRITY, zero, sizeof(zero)) != 0)
		return w->err;
	v = w->pos - SN_STUN_INTEGRITY_LEN;
	return hmac_sha1(w->start, (size_t)(v - SN_STUN_ATTR_HLEN - w->start), NULL, 0, v);
}

/*
 * Verify MESSAGE-INTEGRITY of a parsed response with our key: HMAC over the
 * header (length patched to end after the attribute) and the attributes
 * before it.  0 match, -EBADMSG mismatch, -ENOENT absent.
 */
static int
check_integrity(const struct sn_stun_msg *m)
{
	uint8_t hdr[SN_STUN_HLEN], mac[HMAC_SHA1_LEN];
	size_t off = m->integrity_off;

	if (!m->has_integrity)
		return -ENOENT;
	memcpy(hdr, m->start, SN_STUN_HLEN);
	sn_wr16(hdr + 2,
		(uint16_t)(off - SN_STUN_HLEN + SN_STUN_ATTR_HLEN + SN_STUN_INTEGRITY_LEN));
	if (hmac_sha1(hdr, sizeof(hdr), m->start + SN_STUN_HLEN, off - SN_STUN_HLEN, mac) != 0)
		return -EIO;
	if (CRYPTO_memcmp(mac, m->start + off + SN_STUN_ATTR_HLEN, HMAC_SHA1_LEN) != 0)
		return -EBADMSG;
	return 0;
}

static void
sa_to_abi(const struct sockaddr_storage *ss, uint8_t *family, uint8_t addr[16], uint16_t *port)
{
	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;

		*family = SN_FAM_IPV4;
		memcpy(addr, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;

		*family = SN_FAM_IPV6;
		memcpy(addr, &s->sin6_addr, 16);
		*port = ntohs(s->sin6_port);
	}
}

/* Credentials of an authenticated request: USERNAME, REALM, NONCE. */
static void
add_credentials(struct sn_stun_writer *w, const struct tl_client *c)
{
	sn_stun_add_raw(w, SN_STUN_ATTR_USERNAME, username, strlen(username));
	sn_stun_add_raw(w, SN_STUN_ATTR_REALM, realm, realm_len);
	sn_stun_add_raw(w, SN_STUN_ATTR_NONCE, c->nonce, c->nonce_len);
}

/*
 * Build the request of client c's current state into slot s (new
 * transaction id).  Returns the length or a negative errno.
 */
static int
build_request(struct tl_client *c, struct tl_slot *s)
{
	struct sn_stun_writer w;
	uint8_t tp[TURN_U32_ATTR_LEN] = {TURN_TRANSPORT_UDP, 0, 0, 0};
	uint8_t fam[TURN_U32_ATTR_LEN] = {0, 0, 0, 0};
	uint8_t pf, pa[16];
	uint16_t pp, method;
	uint64_t r;
	bool auth = c->state != TL_ALLOC0;
	int len;

	r = rnd64();
	memcpy(s->txid, &r, 8);
	r = rnd64();
	memcpy(s->txid + 8, &r, 4);
	switch (c->state) {
	case TL_ALLOC0:
	case TL_ALLOC1:
		method = SN_TURN_ALLOCATE;
		break;
	case TL_CHANBIND:
	case TL_REBIND:
		method = SN_TURN_CHANNEL_BIND;
		break;
	default:
		method = SN_TURN_REFRESH;
		break;
	}
	/* RFC 8489 section 5: a request's type is its method (class bits 0;
	 * methods below 0x10 keep their bit positions) */
	sn_stun_writer_begin(
		&w, s->msg, s->msg + sizeof(s->msg), method | SN_STUN_CLASS_REQUEST, s->txid);
	switch (c->state) {
	case TL_ALLOC0:
	case TL_ALLOC1:
		sn_stun_add_raw(&w, SN_TURN_ATTR_REQUESTED_TRANSPORT, tp, sizeof(tp));
		if (o.family != 0) {
			fam[0] = o.family == 6 ? SN_STUN_FAMILY_IPV6 : SN_STUN_FAMILY_IPV4;
			sn_stun_add_raw(
				&w, SN_TURN_ATTR_REQUESTED_ADDRESS_FAMILY, fam, sizeof(fam));
		}
		if (o.lifetime != 0)
			sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, o.lifetime);
		break;
	case TL_CHANBIND:
	case TL_REBIND:
		sn_stun_add_u32(&w, SN_TURN_ATTR_CHANNEL_NUMBER, (uint32_t)o.channel << 16);
		sa_to_abi(&o.peer, &pf, pa, &pp);
		sn_stun_add_xaddr(&w, SN_TURN_ATTR_XOR_PEER_ADDRESS, pf, pa, pp);
		break;
	case TL_REFRESH:
		sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, o.lifetime);
		break;
	case TL_DELETE:
		sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, TURN_LIFETIME_DELETE);
		break;
	default:
		return -EINVAL;
	}
	if (auth) {
		add_credentials(&w, c);
		if (w.err == 0)
			add_integrity(&w);
	}
	if (o.fingerprint)
		sn_stun_add_fingerprint(&w);
	len = sn_stun_writer_finish(&w);
	if (len > 0)
		s->len = (uint16_t)len;
	return len;
}

/* ------------------------------------------------------------- window */

static void
count_error(unsigned idx)
{
	if (idx < ERR_CODES)
		errors[idx]++;
}

/* The message header that sends from client ci (destination: the server). */
static void
client_msghdr(uint32_t ci, struct msghdr *mh, struct iovec *iov)
{
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &o.server;
	mh->msg_namelen = o.server_len;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	if (spread > 1) {
		mh->msg_control = ctl[ci % spread];
		mh->msg_controllen = ctl_len;
	}
}

/*
 * Requests wait in a batch while they go to the same socket (consecutive
 * clients share one) and leave with one sendmmsg(): on a socket change, a
 * full batch and at the end of each service() round.  The messages stay
 * in their window slots, which nothing rewrites before the flush.
 */
#define TX_BATCH 64
static struct mmsghdr tx_mm[TX_BATCH];
static struct iovec tx_iov[TX_BATCH];
static unsigned tx_n;
static uint32_t tx_sock;

static void
tx_flush(void)
{
	unsigned off = 0;

	while (off < tx_n) {
		int r = sendmmsg(socks[tx_sock], tx_mm + off, tx_n - off, MSG_DONTWAIT);

		if (r > 0) {
			off += (unsigned)r;
			continue;
		}
		/* the message at off failed: count it, go on with the next */
		if (errno != EAGAIN && errno != ENOBUFS) {
			count_error(ERR_SOCKET);
			if (first_errno == 0)
				first_errno = errno;
		}
		off++;
	}
	tx_n = 0;
}

static void
transmit(struct tl_client *c, struct tl_slot *s, uint64_t now)
{
	uint32_t ci = (uint32_t)(c - cl);

	if (tx_n > 0 && (tx_sock != ci / spread || tx_n == TX_BATCH))
		tx_flush();
	tx_sock = ci / spread;
	tx_iov[tx_n].iov_base = s->msg;
	tx_iov[tx_n].iov_len = s->len;
	client_msghdr(ci, &tx_mm[tx_n].msg_hdr, &tx_iov[tx_n]);
	tx_n++;
	s->tries++;
	s->deadline_ns = now + s->rto_ns;
}

/* Send client c's request for its (new) state from its slot. */
static void
send_step(struct tl_client *c, uint64_t now)
{
	struct tl_slot *s = &slots[c->slot];

	if (build_request(c, s) < 0) {
		fprintf(stderr, "sn-turnload: cannot build a request (state %u)\n", c->state);
		exit(2);
	}
	s->tries = 0;
	s->rto_ns = (uint64_t)o.rto_ms * NS_PER_MS;
	transmit(c, s, now);
}

static void
release_slot(struct tl_client *c)
{
	if (c->slot == NO_SLOT)
		return;
	free_slots[n_free++] = c->slot;
	c->slot = NO_SLOT;
}

static void
fail(struct tl_client *c, unsigned err)
{
	count_error(err);
	if (c->state == TL_DELETE)
		c->state = TL_GONE; /* could not delete: count it, do not retry */
	else
		c->state = TL_FAILED;
	n_failed++;
	release_slot(c);
}

static void
enqueue(uint32_t ci)
{
	queue[q_tail++ % o.count] = ci;
}

/* Give window slots to queued clients; their state says what to send. */
static void
fill_window(uint64_t now)
{
	while (n_free > 0 && q_head != q_tail) {
		struct tl_client *c = &cl[queue[q_head++ % o.count]];

		c->slot = free_slots[--n_free];
		slots[c->slot].client = (uint32_t)(c - cl);
		c->stale = 0;
		if (c->state == TL_IDLE) {
			c->state = TL_ALLOC0;
			c->t_begin_ns = now;
		}
		send_step(c, now);
	}
}

/* Retransmit (RFC 8489 section 6.2.1) or give up on expired requests. */
static void
scan_timers(uint64_t now)
{
	uint32_t i;

	for (i = 0; i < o.window; i++) {
		struct tl_slot *s = &slots[i];
		struct tl_client *c;

		if (s->client == NO_SLOT || s->deadline_ns > now)
			continue;
		c = &cl[s->client];
		if (c->slot != i) {
			s->client = NO_SLOT;
			continue;
		}
		if (s->tries >= o.retries) {
			s->client = NO_SLOT;
			fail(c, ERR_TIMEOUT);
			continue;
		}
		s->rto_ns *= 2;
		n_retrans++;
		transmit(c, s, now);
	}
}

static bool
save_nonce(struct tl_client *c, const struct sn_stun_msg *m)
{
	const struct sn_stun_attr *a = sn_stun_find(m, SN_STUN_ATTR_NONCE);

	if (a == NULL || a->len == 0 || a->len > MAX_NONCE)
		return false;
	if (a->len > c->nonce_len || c->nonce == NULL) {
		uint8_t *p = realloc(c->nonce, a->len);

		if (p == NULL)
			return false;
		c->nonce = p;
	}
	memcpy(c->nonce, m->start + a->off, a->len);
	c->nonce_len = a->len;
	return true;
}

static bool
save_realm(const struct sn_stun_msg *m)
{
	const struct sn_stun_attr *a = sn_stun_find(m, SN_STUN_ATTR_REALM);

	if (a == NULL || a->len == 0 || a->len >= MAX_STR)
		return false;
	if (have_key)
		return a->len == realm_len && memcmp(realm, m->start + a->off, a->len) == 0;
	memcpy(realm, m->start + a->off, a->len);
	realm_len = a->len;
	if (o.realm != NULL && (strlen(o.realm) != realm_len || memcmp(o.realm, realm, realm_len)))
		fprintf(stderr, "sn-turnload: server realm '%.*s', not '%s'\n", (int)realm_len,
			realm, o.realm);
	return derive_key() == 0;
}

static unsigned
error_code(const struct sn_stun_msg *m)
{
	const struct sn_stun_attr *a = sn_stun_find(m, SN_STUN_ATTR_ERROR_CODE);
	const uint8_t *v;

	if (a == NULL || a->len < SN_STUN_ERROR_HLEN)
		return ERR_BAD;
	v = m->start + a->off;
	return (v[ERROR_CLASS_OFF] & ERROR_CLASS_MASK) * SN_STUN_ERROR_CLASS_DIVISOR +
	       v[ERROR_NUMBER_OFF];
}

static void
done(struct tl_client *c, uint64_t now)
{
	if (c->state == TL_CHANBIND || c->state == TL_ALLOC1 || c->state == TL_ALLOC0) {
		n_done++;
		if (lat_us != NULL)
			lat_us[n_lat++] = (uint32_t)((now - c->t_begin_ns) / 1000);
	} else if (c->state == TL_REBIND) {
		n_refreshed++;
	}
	if (c->state == TL_DELETE) {
		n_deleted++;
		c->state = TL_GONE;
	} else {
		c->state = TL_DONE;
	}
	release_slot(c);
}

/* A response for client c's outstanding request (txid already matched). */
static void
on_response(struct tl_client *c, const struct sn_stun_msg *m, uint64_t now)
{
	unsigned code;

	if (m->cls == SN_STUN_CLASS_ERROR) {
		code = error_code(m);
		if (code == SN_STUN_ERR_UNAUTHENTICATED && c->state == TL_ALLOC0) {
			if (!save_nonce(c, m) || !save_realm(m)) {
				fail(c, ERR_BAD);
				return;
			}
			c->state = TL_ALLOC1;
			send_step(c, now);
			return;
		}
		if (code == SN_STUN_ERR_STALE_NONCE && c->state != TL_ALLOC0 &&
			c->stale < STALE_RETRIES) {
			/* RFC 8489 section 9.2.5: retry with the new NONCE */
			if (!save_nonce(c, m)) {
				fail(c, ERR_BAD);
				return;
			}
			c->stale++;
			n_stale++;
			send_step(c, now);
			return;
		}
		if (code == SN_STUN_ERR_ALLOCATION_MISMATCH && c->state == TL_DELETE) {
			done(c, now); /* already gone (expired): nothing to release */
			return;
		}
		fail(c, code);
		return;
	}
	if (m->cls != SN_STUN_CLASS_SUCCESS) {
		n_stray++;
		return;
	}
	if (o.verify && c->state != TL_ALLOC0 && check_integrity(m) != 0) {
		fail(c, ERR_INTEGRITY);
		return;
	}
	switch (c->state) {
	case TL_ALLOC0:
	case TL_ALLOC1:
		if (sn_stun_find(m, SN_TURN_ATTR_XOR_RELAYED_ADDRESS) == NULL) {
			fail(c, ERR_BAD);
			return;
		}
		if (o.have_peer) {
			c->state = TL_CHANBIND;
			c->stale = 0;
			send_step(c, now);
			return;
		}
		done(c, now);
		return;
	case TL_REFRESH:
		c->state = TL_REBIND;
		c->stale = 0;
		send_step(c, now);
		return;
	default:
		done(c, now);
		return;
	}
}

static bool
from_server(const struct sockaddr_storage *ss)
{
	if (ss->ss_family != o.server.ss_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss, *b = (const void *)&o.server;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *a = (const void *)ss, *b = (const void *)&o.server;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
	}
}

/* Which --bind address a datagram was sent to (IP_PKTINFO), or -1. */
static int
dest_index(struct msghdr *mh)
{
	struct cmsghdr *cm;
	unsigned a;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		const void *addr;
		size_t len;

		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			addr = &((const struct in_pktinfo *)CMSG_DATA(cm))->ipi_addr;
			len = 4;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			addr = &((const struct in6_pktinfo *)CMSG_DATA(cm))->ipi6_addr;
			len = 16;
		} else {
			continue;
		}
		for (a = 0; a < spread; a++) {
			const void *b =
				o.bind[a].ss_family == AF_INET
					? (const void *)&((const struct sockaddr_in *)&o.bind[a])
						  ->sin_addr
					: (const void *)&((const struct sockaddr_in6 *)&o.bind[a])
						  ->sin6_addr;

			if (memcmp(addr, b, len) == 0)
				return (int)a;
		}
	}
	return -1;
}

#define RX_BATCH 32

/* Datagrams on socket si: responses to its clients' requests. */
static void
on_readable(uint32_t si, uint64_t now)
{
	static uint8_t buf[RX_BATCH][MAX_MSG + 1];
	static uint8_t cbuf[RX_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	static struct sockaddr_storage from[RX_BATCH];
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sn_stun_msg m;
	int n, k, a;

	for (k = 0; k < RX_BATCH; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = sizeof(buf[k]);
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_name = &from[k];
		mm[k].msg_hdr.msg_namelen = sizeof(from[k]);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		if (spread > 1) {
			mm[k].msg_hdr.msg_control = cbuf[k];
			mm[k].msg_hdr.msg_controllen = sizeof(cbuf[k]);
		}
	}
	n = recvmmsg(socks[si], mm, RX_BATCH, MSG_DONTWAIT, NULL);
	for (k = 0; k < n; k++) {
		struct tl_client *c;
		uint32_t ci;
		size_t len = mm[k].msg_len;

		a = spread > 1 ? dest_index(&mm[k].msg_hdr) : 0;
		ci = si * spread + (uint32_t)a;
		if (a < 0 || ci >= o.count || !from_server(&from[k]) ||
			!sn_stun_is_candidate(buf[k], len) ||
			sn_stun_parse(buf[k], buf[k] + len, &m) != SN_DROP_NONE) {
			n_stray++;
			continue;
		}
		c = &cl[ci];
		if (c->slot == NO_SLOT ||
			memcmp(m.txid, slots[c->slot].txid, SN_STUN_TXID_LEN) != 0) {
			n_stray++; /* answer to a retransmission already answered */
			continue;
		}
		on_response(c, &m, now);
	}
}

/* Serve receptions and timers for at most wait_ms (0: poll). */
static void
service(int wait_ms)
{
	static uint64_t next_scan;
	struct epoll_event ev[EPOLL_BATCH];
	uint64_t now;
	int n, i;

	n = epoll_wait(ep, ev, EPOLL_BATCH, wait_ms);
	now = now_ns();
	for (i = 0; i < n; i++)
		on_readable(ev[i].data.u32, now);
	if (now >= next_scan) {
		scan_timers(now);
		next_scan = now + SCAN_NS;
	}
	tx_flush(); /* before fill_window() reuses freed slots */
	fill_window(now);
	tx_flush();
}

static bool
busy(void)
{
	return n_free < o.window || q_head != q_tail;
}

/* Queue every client in state from, moving it to state to. */
static uint64_t
queue_all(uint8_t from, uint8_t to)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < o.count; i++) {
		if (cl[i].state != from)
			continue;
		cl[i].state = to;
		enqueue(i);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ sending */

/*
 * ChannelData (RFC 8656 section 12.4) on every allocated client's channel,
 * round robin, --burst datagrams per client per turn, for secs seconds (0:
 * until a signal); keeps serving responses, timers and refreshes.
 */
static void
send_phase(int secs)
{
	uint8_t pkt[TURN_CHANNEL_HLEN + MAX_MSG];
	struct mmsghdr mm[SEND_BATCH_MAX];
	struct iovec iov;
	struct msghdr mh;
	uint32_t *ids, n_ids = 0, i, k;
	uint64_t t0, now, next_service, next_refresh, end, want;
	unsigned burst = o.burst, loops;

	if (burst == 0 || burst > SEND_BATCH_MAX)
		burst = SEND_BATCH_MAX;
	ids = malloc(sizeof(*ids) * o.count);
	if (ids == NULL)
		exit(2);
	for (i = 0; i < o.count; i++)
		if (cl[i].state == TL_DONE)
			ids[n_ids++] = i;
	printf("sending clients=%u\n", n_ids);
	fflush(stdout);
	if (n_ids == 0) {
		free(ids);
		return;
	}
	sn_wr16(pkt, o.channel);
	sn_wr16(pkt + 2, (uint16_t)o.size);
	memset(pkt + TURN_CHANNEL_HLEN, 0, o.size);
	pkt[TURN_CHANNEL_HLEN] = 0x80; /* looks like RTP (RFC 7983) */
	iov.iov_base = pkt;
	iov.iov_len = TURN_CHANNEL_HLEN + o.size;
	memset(mm, 0, sizeof(mm));
	t0 = now_ns();
	end = secs > 0 ? t0 + (uint64_t)secs * NS_PER_S : UINT64_MAX;
	next_service = t0 + SERVICE_NS;
	next_refresh = t0 + (uint64_t)o.refresh_s * NS_PER_S;
	for (i = 0, loops = 0; !stop; loops++) {
		int sent;

		if (o.rate != 0) {
			now = now_ns();
			want = (now - t0) * o.rate / NS_PER_S;
			if (n_sent_pkts + n_send_drops >= want) {
				struct timespec ts = {0, 50000};

				nanosleep(&ts, NULL);
				goto housekeeping;
			}
		}
		if (cl[ids[i]].state != TL_DONE && cl[ids[i]].state != TL_REFRESH &&
			cl[ids[i]].state != TL_REBIND)
			goto next;
		client_msghdr(ids[i], &mh, &iov);
		for (k = 0; k < burst; k++)
			mm[k].msg_hdr = mh;
		sent = sendmmsg(socks[ids[i] / spread], mm, burst, MSG_DONTWAIT);
		if (sent < 0) {
			n_send_drops += burst;
		} else {
			n_sent_pkts += (unsigned)sent;
			n_send_drops += burst - (unsigned)sent;
		}
	next:
		if (++i == n_ids)
			i = 0;
	housekeeping:
		if ((loops & 0x1f) == 0 || o.rate != 0) {
			now = now_ns();
			if (now >= end)
				break;
			if (now >= next_service) {
				service(0);
				next_service = now + SERVICE_NS;
			}
			if (o.hold && now >= next_refresh) {
				queue_all(TL_DONE, TL_REFRESH);
				next_refresh = now + (uint64_t)o.refresh_s * NS_PER_S;
			}
		}
	}
	free(ids);
}

/* ------------------------------------------------------------ set-up */

static int
parse_addr(const char *s, struct sockaddr_storage *ss, bool need_port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *p, *port = NULL;
	size_t hl;
	unsigned long pv = 0;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (p == NULL)
			return -EINVAL;
		hl = (size_t)(p - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			return -EINVAL;
	} else {
		p = strrchr(s, ':');
		if (p != NULL && strchr(s, ':') == p) {
			hl = (size_t)(p - s);
			port = p + 1;
		} else {
			hl = strlen(s); /* bare IPv6 or IPv4 without port */
		}
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (port != NULL) {
		char *end;

		pv = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || pv > UINT16_MAX)
			return -EINVAL;
	} else if (need_port) {
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)pv);
		return sizeof(struct sockaddr_in);
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)pv);
		return sizeof(struct sockaddr_in6);
	}
	return -EINVAL;
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * Socket si: bound to --bind address si (one address) or to the wildcard
 * address with IP_PKTINFO on (several), on an explicit (--ports) or
 * ephemeral port; registered in the epoll set with data si.  Returns the
 * descriptor or a negative errno.
 */
static int
open_socket(uint32_t si, unsigned *next_port)
{
	struct sockaddr_storage la;
	struct epoll_event ev;
	unsigned span = o.port_max - o.port_min + 1, tries = 0;
	int fd, one = 1, err;

	fd = socket(o.server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&la, 0, sizeof(la));
	la.ss_family = o.server.ss_family;
	if (spread > 1) {
		if (o.server.ss_family == AF_INET
				? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))
				: setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)))
			goto err;
	} else if (o.n_bind == 1) {
		la = o.bind[0];
	}
	if (o.port_min != 0) {
		for (;;) {
			set_port(&la, (uint16_t)(o.port_min + (*next_port)++ % span));
			if (bind(fd, (struct sockaddr *)&la, o.server_len) == 0)
				break;
			if (errno != EADDRINUSE || ++tries >= span)
				goto err;
		}
	} else if (bind(fd, (struct sockaddr *)&la, o.server_len) != 0) {
		goto err;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	ev.data.u32 = si;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		goto err;
	return fd;
err:
	err = errno;
	close(fd);
	return -err;
}

/* The IP_PKTINFO / IPV6_PKTINFO control message naming each --bind address as source. */
static void
build_pktinfo(void)
{
	unsigned a;

	for (a = 0; a < spread; a++) {
		struct msghdr mh = {.msg_control = ctl[a], .msg_controllen = sizeof(ctl[a])};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		memset(ctl[a], 0, sizeof(ctl[a]));
		if (o.server.ss_family == AF_INET) {
			struct in_pktinfo pi = {0};

			pi.ipi_spec_dst = ((struct sockaddr_in *)&o.bind[a])->sin_addr;
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			ctl_len = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi = {0};

			pi.ipi6_addr = ((struct sockaddr_in6 *)&o.bind[a])->sin6_addr;
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			ctl_len = CMSG_SPACE(sizeof(pi));
		}
	}
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: sn-turnload -s ADDR:PORT (-u USER -p PASS | -u USER --secret S) [options]\n"
		"  -s, --server ADDR:PORT   TURN server (IPv4 or [IPv6]:port), UDP\n"
		"  -u, --user USER          username (with --secret: the user part)\n"
		"  -p, --password PASS      password (long-term credentials)\n"
		"  -S, --secret SECRET      REST secret: username expiry:USER, password\n"
		"                           base64(HMAC-SHA1(SECRET, username))\n"
		"  -r, --realm REALM        expected realm (warn when the server's differs)\n"
		"  -n, --count N            clients, one allocation each (1000)\n"
		"  -w, --window W           clients in flight at once (256)\n"
		"  -P, --peer ADDR:PORT     ChannelBind to this peer (no peer: Allocate only)\n"
		"  -c, --channel NUM        channel number (0x4000)\n"
		"  -l, --lifetime S         LIFETIME to request (600; 0: none)\n"
		"  -f, --family 4|6         REQUESTED-ADDRESS-FAMILY\n"
		"  -b, --bind ADDR[,ADDR..] local addresses, clients spread over them (several:\n"
		"                           one socket per address group, IP_PKTINFO)\n"
		"      --ports MIN-MAX      explicit local ports (default ephemeral)\n"
		"      --rto MS             first retransmission timeout (250)\n"
		"      --retries N          transmissions per request (5)\n"
		"      --fingerprint        add FINGERPRINT to requests\n"
		"      --no-verify          do not check MESSAGE-INTEGRITY of responses\n"
		"      --hold               keep the allocations until SIGINT/SIGTERM\n"
		"      --refresh S          keep-alive period with --hold (lifetime/2, <= 120)\n"
		"      --refresh-delete     release the allocations at the end\n"
		"      --send-secs S        then send ChannelData for S s (0: until a signal)\n"
		"      --rate PPS           ChannelData packets per second (0: unlimited)\n"
		"      --size BYTES         ChannelData application bytes (160)\n"
		"      --burst N            datagrams per client per turn (8)\n");
	exit(2);
}

enum {
	OPT_PORTS = 256,
	OPT_RTO,
	OPT_RETRIES,
	OPT_FP,
	OPT_NOVERIFY,
	OPT_HOLD,
	OPT_REFRESH,
	OPT_DELETE,
	OPT_SEND,
	OPT_RATE,
	OPT_SIZE,
	OPT_BURST,
};

static const struct option long_opts[] = {
	{"server", required_argument, NULL, 's'},
	{"user", required_argument, NULL, 'u'},
	{"password", required_argument, NULL, 'p'},
	{"secret", required_argument, NULL, 'S'},
	{"realm", required_argument, NULL, 'r'},
	{"count", required_argument, NULL, 'n'},
	{"window", required_argument, NULL, 'w'},
	{"peer", required_argument, NULL, 'P'},
	{"channel", required_argument, NULL, 'c'},
	{"lifetime", required_argument, NULL, 'l'},
	{"family", required_argument, NULL, 'f'},
	{"bind", required_argument, NULL, 'b'},
	{"quiet", no_argument, NULL, 'q'},
	{"ports", required_argument, NULL, OPT_PORTS},
	{"rto", required_argument, NULL, OPT_RTO},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"fingerprint", no_argument, NULL, OPT_FP},
	{"no-verify", no_argument, NULL, OPT_NOVERIFY},
	{"hold", no_argument, NULL, OPT_HOLD},
	{"refresh", required_argument, NULL, OPT_REFRESH},
	{"refresh-delete", no_argument, NULL, OPT_DELETE},
	{"send-secs", required_argument, NULL, OPT_SEND},
	{"rate", required_argument, NULL, OPT_RATE},
	{"size", required_argument, NULL, OPT_SIZE},
	{"burst", required_argument, NULL, OPT_BURST},
	{NULL, 0, NULL, 0},
};

static unsigned
num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "sn-turnload: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static void
parse_bind(char *list)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o.n_bind == sizeof(o.bind) / sizeof(o.bind[0]) ||
			parse_addr(tok, &o.bind[o.n_bind], false) < 0) {
			fprintf(stderr, "sn-turnload: bad --bind address '%s'\n", tok);
			exit(2);
		}
		o.n_bind++;
	}
}

static void
parse_opts(int argc, char **argv)
{
	bool have_server = false;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "s:u:p:S:r:n:w:P:c:l:f:b:q", long_opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			r = parse_addr(optarg, &o.server, true);
			if (r < 0)
				usage();
			o.server_len = (socklen_t)r;
			have_server = true;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'p':
			o.password = optarg;
			break;
		case 'S':
			o.secret = optarg;
			break;
		case 'r':
			o.realm = optarg;
			break;
		case 'n':
			o.count = num(optarg, 10000000);
			break;
		case 'w':
			o.window = num(optarg, 1000000);
			break;
		case 'P':
			if (parse_addr(optarg, &o.peer, true) < 0)
				usage();
			o.have_peer = true;
			break;
		case 'c':
			o.channel = (uint16_t)num(optarg, SN_TURN_CHAN_MAX);
			break;
		case 'l':
			o.lifetime = num(optarg, UINT32_MAX);
			break;
		case 'f':
			o.family = num(optarg, 6);
			if (o.family != 4 && o.family != 6)
				usage();
			break;
		case 'b':
			parse_bind(optarg);
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_PORTS:
			if (sscanf(optarg, "%u-%u", &o.port_min, &o.port_max) != 2 ||
				o.port_min == 0 || o.port_max < o.port_min ||
				o.port_max > UINT16_MAX)
				usage();
			break;
		case OPT_RTO:
			o.rto_ms = num(optarg, 60000);
			break;
		case OPT_RETRIES:
			o.retries = num(optarg, 100);
			break;
		case OPT_FP:
			o.fingerprint = true;
			break;
		case OPT_NOVERIFY:
			o.verify = false;
			break;
		case OPT_HOLD:
			o.hold = true;
			break;
		case OPT_REFRESH:
			o.refresh_s = num(optarg, 86400);
			break;
		case OPT_DELETE:
			o.del = true;
			break;
		case OPT_SEND:
			o.send_secs = (int)num(optarg, 86400);
			break;
		case OPT_RATE:
			o.rate = num(optarg, UINT32_MAX);
			break;
		case OPT_SIZE:
			o.size = num(optarg, MAX_MSG - 100);
			break;
		case OPT_BURST:
			o.burst = num(optarg, SEND_BATCH_MAX);
			break;
		default:
			usage();
		}
	}
	if (!have_server || o.user == NULL || (o.password == NULL) == (o.secret == NULL) ||
		o.count == 0 || o.window == 0 || o.retries == 0 || optind != argc)
		usage();
	for (unsigned i = 0; i < o.n_bind; i++)
		if (o.bind[i].ss_family != o.server.ss_family) {
			fprintf(stderr, "sn-turnload: --bind and --server families differ\n");
			exit(2);
		}
	if (o.have_peer && o.peer.ss_family != AF_INET && o.peer.ss_family != AF_INET6)
		usage();
	if (o.window > o.count)
		o.window = o.count;
	if (o.refresh_s == 0) {
		o.refresh_s = (o.lifetime ? o.lifetime : 600) / 2;
		if (o.refresh_s > TURN_PERM_LIFETIME_S / 2 - 30)
			o.refresh_s = TURN_PERM_LIFETIME_S / 2 - 30; /* permissions last 300 s */
		if (o.refresh_s == 0)
			o.refresh_s = 1;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(double p)
{
	if (n_lat == 0)
		return 0;
	return lat_us[(size_t)((double)(n_lat - 1) * p)] / 1000.0;
}

static void
print_errors(void)
{
	static const char *const names[] = {"timeout", "bad_response", "integrity", "socket"};
	bool first = true;
	unsigned i;

	printf(" errors=");
	for (i = 0; i < ERR_CODES; i++) {
		if (errors[i] == 0)
			continue;
		if (i < sizeof(names) / sizeof(names[0]))
			printf("%s%s:%" PRIu64, first ? "" : ",", names[i], errors[i]);
		else
			printf("%s%u:%" PRIu64, first ? "" : ",", i, errors[i]);
		first = false;
	}
	if (first)
		printf("none");
	if (first_errno != 0)
		printf(" socket_error=\"%s\"", strerror(first_errno));
}

int
main(int argc, char **argv)
{
	char pwbuf[64];
	struct rlimit rl;
	struct sigaction sa;
	uint64_t t_start, t_end = 0, t_setup;
	unsigned *next_port;
	uint32_t i;
	double secs;

	parse_opts(argc, argv);
	if (getrandom(&xs_state, sizeof(xs_state), 0) != sizeof(xs_state) || xs_state == 0)
		xs_state = (uint64_t)now_ns() | 1;
	if (o.secret != NULL) {
		if (rest_credentials(pwbuf, sizeof(pwbuf)) != 0) {
			fprintf(stderr, "sn-turnload: REST credentials failed\n");
			return 2;
		}
		o.password = pwbuf;
	} else if (snprintf(username, sizeof(username), "%s", o.user) >= (int)sizeof(username)) {
		fprintf(stderr, "sn-turnload: username too long\n");
		return 2;
	}

	/* one socket per spread clients, plus a few descriptors */
	if (o.n_bind > 1)
		spread = o.n_bind;
	n_socks = (o.count + spread - 1) / spread;
	build_pktinfo();
	rl.rlim_cur = rl.rlim_max = (rlim_t)n_socks + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_max < (rlim_t)n_socks + 64) {
			fprintf(stderr,
				"sn-turnload: need %u file descriptors, limit %llu: "
				"give more --bind addresses\n",
				n_socks + 64, (unsigned long long)rl.rlim_max);
			return 2;
		}
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	cl = calloc(o.count, sizeof(*cl));
	slots = calloc(o.window, sizeof(*slots));
	free_slots = calloc(o.window, sizeof(*free_slots));
	queue = calloc(o.count, sizeof(*queue));
	lat_us = calloc(o.count, sizeof(*lat_us));
	next_port = calloc(1, sizeof(*next_port));
	socks = calloc(n_socks, sizeof(*socks));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (cl == NULL || slots == NULL || free_slots == NULL || queue == NULL ||
		next_port == NULL || socks == NULL || ep < 0) {
		fprintf(stderr, "sn-turnload: out of memory\n");
		return 2;
	}
	for (i = 0; i < o.window; i++) {
		slots[i].client = NO_SLOT;
		free_slots[n_free++] = o.window - 1 - i;
	}
	t_setup = now_ns();
	for (i = 0; i < n_socks; i++) {
		int fd = open_socket(i, next_port);

		if (fd < 0) {
			fprintf(stderr, "sn-turnload: socket %u: %s\n", i, strerror(-fd));
			return 2;
		}
		socks[i] = fd;
	}
	for (i = 0; i < o.count; i++) {
		cl[i].slot = NO_SLOT;
		enqueue(i);
	}
	if (!o.quiet)
		fprintf(stderr, "sn-turnload: %u sockets in %.2f s\n", n_socks,
			(double)(now_ns() - t_setup) / NS_PER_S);

	/* phase 1: Allocate (401), Allocate, ChannelBind */
	t_start = now_ns();
	while (busy() && !stop) {
		uint64_t before = n_done;

		service(1);
		if (n_done != before)
			t_end = now_ns();
	}
	if (t_end == 0)
		t_end = now_ns();
	secs = (double)(t_end - t_start) / NS_PER_S;
	qsort(lat_us, n_lat, sizeof(*lat_us), cmp_u32);
	printf("allocations=%" PRIu64 " allocations_per_second=%.0f failed=%" PRIu64
	       " seconds=%.3f clients=%u window=%u retransmits=%" PRIu64 " stale_nonce=%" PRIu64
	       " latency_ms_p50=%.2f latency_ms_p99=%.2f",
		n_done, secs > 0 ? (double)n_done / secs : 0.0, n_failed, secs, o.count, o.window,
		n_retrans, n_stale, pct_ms(0.5), pct_ms(0.99));
	print_errors();
	printf("\n");
	fflush(stdout);

	/* phase 2: traffic and/or hold */
	if (o.send_secs >= 0 && !stop)
		send_phase(o.send_secs);
	if (o.hold && !stop) {
		uint64_t next_refresh = now_ns() + (uint64_t)o.refresh_s * NS_PER_S;

		if (!o.quiet)
			fprintf(stderr, "sn-turnload: holding %" PRIu64 " allocations\n", n_done);
		while (!stop) {
			service(10);
			if (now_ns() >= next_refresh) {
				queue_all(TL_DONE, TL_REFRESH);
				next_refresh = now_ns() + (uint64_t)o.refresh_s * NS_PER_S;
			}
		}
	}
	/* finish what is in flight (a signal interrupts it too) */
	stop = 0;
	while (busy() && !stop)
		service(1);

	/* phase 3: Refresh LIFETIME 0 */
	if (o.del) {
		uint64_t failed0 = n_failed, n, t0 = now_ns();

		n = queue_all(TL_DONE, TL_DELETE);
		while (busy() && !stop)
			service(1);
		printf("deleted=%" PRIu64 " delete_failed=%" PRIu64 " delete_seconds=%.3f\n",
			n_deleted, n_failed - failed0, (double)(now_ns() - t0) / NS_PER_S);
		(void)n;
	}
	if (o.send_secs >= 0)
		printf("sent_pkts=%" PRIu64 " send_drops=%" PRIu64 " refreshed=%" PRIu64 "\n",
			n_sent_pkts, n_send_drops, n_refreshed);
	else if (o.hold)
		printf("refreshed=%" PRIu64 "\n", n_refreshed);
	for (i = 0; i < n_socks; i++)
		close(socks[i]);
	for (i = 0; i < o.count; i++)
		free(cl[i].nonce);
	EVP_MD_CTX_free(hmac_inner);
	EVP_MD_CTX_free(hmac_outer);
	EVP_MD_CTX_free(hmac_tmp);
	free(cl);
	free(slots);
	free(free_slots);
	free(queue);
	free(lat_us);
	free(next_port);
	free(socks);
	close(ep);
	return n_failed == 0 ? 0 : 1;
}
