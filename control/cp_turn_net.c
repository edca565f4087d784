/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN sockets (contract in cp_turn_net.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cp_log.h"
#include "cp_server.h"
#include "cp_turn_int.h"
#include "cp_turn_net.h"
#include "sn_addr.h"
#include "sn_bytes.h"
#include "sn_stun.h"

#define UDP_BATCH     32
#define UDP_BUF	      2048
#define LISTEN_BACKLOG 1024
#define MAX_LISTENERS (SN_MAX_ADDRS * (2 + SN_TURN_MAX_TLS_PORTS))
#define CONN_ID_SHIFT 32
#define OUT_MAX	      (4u << 20) /* bytes queued to one stream client before we drop it */
#define SOCK_BUF      (4 << 20)
#define CONN_IN_INITIAL 2048
/* A stream client without an allocation that says nothing for this long is closed. */
#define CONN_IDLE_NS (60ull * 1000000000ull)
#define STUN_PAD      4
#define CHAN_HLEN     4

enum tag_kind {
	TAG_UDP = 1, /* a signalling socket */
	TAG_LISTEN,  /* TCP or TLS listener */
	TAG_CONN,    /* a stream client */
	TAG_RELAY,   /* a stream allocation's relayed address */
};

struct tag {
	enum cp_ep_kind kind; /* CP_EP_TURN: first, as cp_main expects */
	enum tag_kind sub;
	int fd;
};

struct udp_sock {
	struct tag tag;
	uint8_t idx; /* appliance address */
	uint16_t port;
};

struct listener {
	struct tag tag;
	uint8_t idx;
	uint16_t port;
	bool tls;
};

struct conn {
	struct tag tag;
	uint32_t slot;
	uint64_t id;
	struct cp_turn_src src;
	SSL *ssl;
	bool handshake_done;
	bool want_write; /* EPOLLOUT armed */
	uint8_t *in;
	size_t in_len, in_cap; /* grows with the largest message seen */
	uint64_t last_ns;      /* last byte received */
	uint8_t *out;
	size_t out_len, out_cap;
};

struct relay_sock {
	struct tag tag;
	uint32_t alloc_id;
	unsigned r;
};

struct cp_turn_net {
	struct cp_core *core;
	struct cp_turn turn;
	int epfd;
	SSL_CTX *tls;
	struct udp_sock udp[SN_MAX_ADDRS];
	unsigned n_udp;
	struct listener lst[MAX_LISTENERS];
	unsigned n_lst;
	struct relay_sock **relay_by_fd; /* stream allocations' relay sockets */
	int relay_cap;
	struct conn **conns; /* by slot */
	uint32_t *conn_gen;
	unsigned n_conns;
	uint64_t udp_tx_errors;
};

/* ------------------------------------------------------------ helpers */

static uint64_t
unix_now(void)
{
	return (uint64_t)time(NULL);
}

static socklen_t
to_sockaddr(const struct sn_abi_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == SN_FAM_IPV4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof(*s6);
}

static void
from_sockaddr(const struct sockaddr_storage *ss, struct sn_abi_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a->family = SN_FAM_IPV4;
		memcpy(a->bytes, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a->family = SN_FAM_IPV6;
		memcpy(a->bytes, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	}
}

static int
ep_add(struct cp_turn_net *n, struct tag *t, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = t};

	return epoll_ctl(n->epfd, EPOLL_CTL_ADD, t->fd, &ev);
}

static void
ep_mod(struct cp_turn_net *n, struct tag *t, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = t};

	epoll_ctl(n->epfd, EPOLL_CTL_MOD, t->fd, &ev);
}

/* A non-blocking socket bound to (a, port) even before the address exists. */
static int
bound_socket(const struct sn_abi_addr *a, uint16_t port, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(a, port, &ss);
	int fd, one = 1, buf = SOCK_BUF;

	fd = socket(a->family == SN_FAM_IPV4 ? AF_INET : AF_INET6,
		type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == SN_FAM_IPV4)
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	}
	if (type == SOCK_DGRAM) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* ---------------------------------------------------------- streams */

static struct conn *
conn_by_id(struct cp_turn_net *n, uint64_t id)
{
	uint32_t slot = (uint32_t)id;

	if (slot >= CP_TURN_NET_MAX_CONNS || n->conns[slot] == NULL || n->conns[slot]->id != id)
		return NULL;
	return n->conns[slot];
}

static void
conn_close(struct cp_turn_net *n, struct conn *c)
{
	cp_turn_conn_closed(&n->turn, &c->src);
	epoll_ctl(n->epfd, EPOLL_CTL_DEL, c->tag.fd, NULL);
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->tag.fd);
	n->conns[c->slot] = NULL;
	n->n_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

/* Write queued output; false when the connection broke. */
static bool
conn_flush(struct cp_turn_net *n, struct conn *c)
{
	size_t off = 0;

	while (off < c->out_len) {
		ssize_t w;

		if (c->ssl != NULL) {
			int r = SSL_write(c->ssl, c->out + off, (int)(c->out_len - off));

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					break;
				return false;
			}
			w = r;
		} else {
			w = send(c->tag.fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return false;
			}
		}
		off += (size_t)w;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
	if ((c->out_len != 0) != c->want_write) {
		c->want_write = c->out_len != 0;
		ep_mod(n, &c->tag, EPOLLIN | (c->want_write ? EPOLLOUT : 0));
	}
	return true;
}

static bool
conn_queue(struct conn *c, const uint8_t *p, size_t len)
{
	if (c->out_len + len > OUT_MAX)
		return false;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap != 0 ? c->out_cap : 4096;
		uint8_t *o;

		while (cap < c->out_len + len)
			cap *= 2;
		o = realloc(c->out, cap);
		if (o == NULL)
			return false;
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, len);
	c->out_len += len;
	return true;
}

/* Length of the framed message at the start of [p, p+len), 0 if incomplete, <0 if bad. */
static long
frame_len(const uint8_t *p, size_t len)
{
	size_t need;

	if (len < CHAN_HLEN)
		return 0;
	if (p[0] >= (SN_TURN_CHAN_MIN >> 8) && p[0] <= (SN_TURN_CHAN_MAX >> 8)) {
		/* RFC 8656 section 12.5: padded to a multiple of 4 over streams */
		need = CHAN_HLEN + sn_rd16(p + 2);
		need = (need + STUN_PAD - 1) & ~(size_t)(STUN_PAD - 1);
	} else if (p[0] <= 3) {
		if (len < SN_STUN_HLEN)
			return 0;
		need = SN_STUN_HLEN + sn_rd16(p + 2);
	} else {
		return -1;
	}
	return len >= need ? (long)need : 0;
}

static void
conn_input(struct cp_turn_net *n, struct conn *c)
{
	uint8_t buf[16384];
	bool closed = false;

	for (;;) {
		ssize_t r;

		if (c->ssl != NULL) {
			int k;

			if (!c->handshake_done) {
				k = SSL_accept(c->ssl);
				if (k != 1) {
					int e = SSL_get_error(c->ssl, k);

					if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
						return;
					conn_close(n, c);
					return;
				}
				c->handshake_done = true;
			}
			k = SSL_read(c->ssl, buf, sizeof(buf));
			if (k <= 0) {
				int e = SSL_get_error(c->ssl, k);

				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					break;
				closed = true;
				break;
			}
			r = k;
		} else {
			r = recv(c->tag.fd, buf, sizeof(buf), 0);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				closed = true;
				break;
			}
			if (r == 0) {
				closed = true;
				break;
			}
		}
		if (c->in_len + (size_t)r > CP_TURN_STREAM_MAX + sizeof(buf)) {
			closed = true;
			break;
		}
		if (c->in_len + (size_t)r > c->in_cap) {
			size_t cap = c->in_cap * 2;
			uint8_t *in;

			while (cap < c->in_len + (size_t)r)
				cap *= 2;
			in = realloc(c->in, cap);
			if (in == NULL) {
				closed = true;
				break;
			}
			c->in = in;
			c->in_cap = cap;
		}
		c->last_ns = cp_clock_monotonic();
		memcpy(c->in + c->in_len, buf, (size_t)r);
		c->in_len += (size_t)r;
		/* deliver every complete message */
		for (;;) {
			long fl = frame_len(c->in, c->in_len);
			uint64_t id = c->id;

			if (fl < 0) {
				conn_close(n, c);
				return;
			}
			if (fl == 0)
				break;
			cp_turn_input(&n->turn, &c->src, c->in, (size_t)fl, cp_clock_monotonic(),
				unix_now());
			if (conn_by_id(n, id) != c)
				return;
			memmove(c->in, c->in + fl, c->in_len - (size_t)fl);
			c->in_len -= (size_t)fl;
		}
	}
	if (!conn_flush(n, c) || closed)
		conn_close(n, c);
}

static void
listener_accept(struct cp_turn_net *n, struct listener *l)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct conn *c;
		uint32_t slot;
		int fd, one = 1;

		fd = accept4(l->tag.fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (n->n_conns >= CP_TURN_NET_MAX_CONNS) {
			close(fd);
			continue;
		}
		for (slot = 0; slot < CP_TURN_NET_MAX_CONNS && n->conns[slot] != NULL; slot++)
			;
		c = calloc(1, sizeof(*c));
		if (c != NULL)
			c->in = malloc(CONN_IN_INITIAL); /* grown on demand: idle connections stay small */
		if (c == NULL || c->in == NULL) {
			free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->tag.kind = CP_EP_TURN;
		c->tag.sub = TAG_CONN;
		c->tag.fd = fd;
		c->in_cap = CONN_IN_INITIAL;
		c->last_ns = cp_clock_monotonic();
		c->slot = slot;
		c->id = ((uint64_t)++n->conn_gen[slot] << CONN_ID_SHIFT) | slot;
		c->src.transport = l->tls ? CP_TURN_TLS : CP_TURN_TCP;
		from_sockaddr(&ss, &c->src.client, &c->src.client_port);
		c->src.server_idx = l->idx;
		c->src.server_port = l->port;
		c->src.conn_id = c->id;
		if (l->tls) {
			c->ssl = SSL_new(n->tls);
			if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
				SSL_free(c->ssl);
				free(c->in);
				free(c);
				close(fd);
				continue;
			}
		}
		n->conns[slot] = c;
		n->n_conns++;
		if (ep_add(n, &c->tag, EPOLLIN) != 0) {
			conn_close(n, c);
			continue;
		}
		if (c->ssl != NULL)
			conn_input(n, c); /* start the handshake */
	}
}

/* ----------------------------------------------------------- UDP */

static void
udp_input(struct cp_turn_net *n, struct udp_sock *u)
{
	static uint8_t bufs[UDP_BATCH][UDP_BUF];
	struct sockaddr_storage from[UDP_BATCH];
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	unsigned i, rounds = 0;
	int got;

	do {
		for (i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = UDP_BUF;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		got = recvmmsg(u->tag.fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;
		for (i = 0; i < (unsigned)got; i++) {
			struct cp_turn_src src;

			memset(&src, 0, sizeof(src));
			src.transport = CP_TURN_UDP;
			from_sockaddr(&from[i], &src.client, &src.client_port);
			src.server_idx = u->idx;
			src.server_port = u->port;
			cp_turn_input(&n->turn, &src, bufs[i], mm[i].msg_len, cp_clock_monotonic(),
				unix_now());
		}
	} while (got == UDP_BATCH && ++rounds < 64);
}

/* ------------------------------------------------------ turn ops */

static void
op_send(void *arg, const struct cp_turn_src *src, const uint8_t *msg, size_t len)
{
	struct cp_turn_net *n = arg;
	unsigned i;

	if (src->transport == CP_TURN_UDP) {
		struct sockaddr_storage ss;
		socklen_t sl = to_sockaddr(&src->client, src->client_port, &ss);

		for (i = 0; i < n->n_udp; i++) {
			if (n->udp[i].idx != src->server_idx || n->udp[i].port != src->server_port)
				continue;
			if (sendto(n->udp[i].tag.fd, msg, len, 0, (struct sockaddr *)&ss, sl) < 0)
				n->udp_tx_errors++;
			return;
		}
		return;
	}
	struct conn *c = conn_by_id(n, src->conn_id);

	if (c == NULL)
		return;
	if (!conn_queue(c, msg, len)) {
		CP_WARN("TURN: stream client too slow: output over %u bytes, closing", OUT_MAX);
		conn_close(n, c);
		return;
	}
	if (c->handshake_done || c->ssl == NULL)
		if (!conn_flush(n, c))
			conn_close(n, c);
}

static int
op_relay_open(void *arg, struct cp_turn_alloc *a, unsigned r)
{
	struct cp_turn_net *n = arg;
	const struct sn_abi_addr *ad = &n->core->cfg.addrs[a->relay[r].idx].addr;
	struct relay_sock *rs;
	int fd;

	fd = bound_socket(ad, a->relay[r].port, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		close(fd);
		return -ENOMEM;
	}
	rs->tag.kind = CP_EP_TURN;
	rs->tag.sub = TAG_RELAY;
	rs->tag.fd = fd;
	rs->alloc_id = a->id;
	rs->r = r;
	if (fd >= n->relay_cap) {
		int cap = n->relay_cap != 0 ? n->relay_cap : 1024;
		struct relay_sock **t;

		while (cap <= fd)
			cap *= 2;
		t = realloc(n->relay_by_fd, sizeof(*t) * (size_t)cap);
		if (t == NULL) {
			free(rs);
			close(fd);
			return -ENOMEM;
		}
		memset(t + n->relay_cap, 0, sizeof(*t) * (size_t)(cap - n->relay_cap));
		n->relay_by_fd = t;
		n->relay_cap = cap;
	}
	if (ep_add(n, &rs->tag, EPOLLIN) != 0) {
		free(rs);
		close(fd);
		return -errno;
	}
	n->relay_by_fd[fd] = rs;
	return fd;
}

static void
op_relay_close(void *arg, int fd)
{
	struct cp_turn_net *n = arg;

	epoll_ctl(n->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (fd >= 0 && fd < n->relay_cap) {
		free(n->relay_by_fd[fd]);
		n->relay_by_fd[fd] = NULL;
	}
	close(fd);
}

static int
op_relay_send(void *arg, int fd, const struct sn_abi_addr *peer, uint16_t port, const uint8_t *data,
	size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(peer, port, &ss);

	(void)arg;
	return sendto(fd, data, len, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

static void
relay_input(struct cp_turn_net *n, struct relay_sock *rs)
{
	struct cp_turn_alloc *a = cp_turn_find(&n->turn, rs->alloc_id);
	uint8_t buf[UDP_BUF];
	unsigned k;

	if (a == NULL || a->relay[rs->r].fd != rs->tag.fd)
		return; /* cannot happen: op_relay_close() unregisters first */
	for (k = 0; k < UDP_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct sn_abi_addr peer;
		uint16_t port;
		ssize_t r;

		r = recvfrom(rs->tag.fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (r < 0)
			return;
		from_sockaddr(&ss, &peer, &port);
		cp_turn_peer_input(&n->turn, a, &peer, port, buf, (size_t)r);
		a = cp_turn_find(&n->turn, rs->alloc_id);
		if (a == NULL)
			return;
	}
}

static const struct cp_turn_ops net_ops = {
	.send = op_send,
	.relay_open = op_relay_open,
	.relay_close = op_relay_close,
	.relay_send = op_relay_send,
	.alloc_gone = NULL,
};

/* -------------------------------------------------------- setup */

static int
tls_setup(struct cp_turn_net *n, const struct sn_config *cfg, char *err, size_t errlen)
{
	n->tls = SSL_CTX_new(TLS_server_method());
	if (n->tls == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(n->tls, TLS1_2_VERSION);
	SSL_CTX_set_mode(n->tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(n->tls, cfg->turn.tls_cert) != 1) {
		snprintf(err, errlen, "%s: [turn] tls_cert: cannot load '%s': %s", cfg->path,
			cfg->turn.tls_cert, ERR_reason_error_string(ERR_get_error()));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(n->tls, cfg->turn.tls_key, SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_check_private_key(n->tls) != 1) {
		snprintf(err, errlen, "%s: [turn] tls_key: cannot load '%s' (or it does not match "
				      "tls_cert): %s",
			cfg->path, cfg->turn.tls_key, ERR_reason_error_string(ERR_get_error()));
		return -EINVAL;
	}
	return 0;
}

static int
listen_on(struct cp_turn_net *n, uint8_t idx, uint16_t port, bool tls, char *err, size_t errlen)
{
	const struct sn_config *cfg = &n->core->cfg;
	const struct sn_abi_addr *a = &cfg->addrs[idx].addr;
	struct listener *l = &n->lst[n->n_lst];
	char ep[SN_ENDPOINT_STRLEN];
	int fd = bound_socket(a, port, SOCK_STREAM);

	if (fd < 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, errlen, "%s: [turn] %s: cannot listen on %s: %s", cfg->path,
			tls ? "tls_ports" : "tcp_port", sn_endpoint_fmt(a, port, ep, sizeof(ep)),
			strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return -EADDRINUSE;
	}
	l->tag.kind = CP_EP_TURN;
	l->tag.sub = TAG_LISTEN;
	l->tag.fd = fd;
	l->idx = idx;
	l->port = port;
	l->tls = tls;
	n->n_lst++;
	return ep_add(n, &l->tag, EPOLLIN) == 0 ? 0 : -errno;
}

int
cp_turn_net_open(struct cp_turn_net **out, struct cp_core *c, int epfd, char *err, size_t errlen)
{
	const struct sn_config *cfg = &c->cfg;
	struct cp_turn_net *n;
	char ep[SN_ENDPOINT_STRLEN];
	unsigned i, k;
	int ret;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->conns = calloc(CP_TURN_NET_MAX_CONNS, sizeof(*n->conns));
	n->conn_gen = calloc(CP_TURN_NET_MAX_CONNS, sizeof(*n->conn_gen));
	if (n->conns == NULL || n->conn_gen == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	n->core = c;
	n->epfd = epfd;
	ret = cp_turn_init(&n->turn, cfg, &c->sess, &c->mbox, &net_ops, n, err, errlen);
	if (ret != 0) {
		free(n->conns);
		free(n->conn_gen);
		free(n);
		return ret;
	}
	if (cfg->turn.tls_cert[0] != '\0' && cfg->turn.n_tls_ports != 0) {
		ret = tls_setup(n, cfg, err, errlen);
		if (ret != 0)
			goto fail;
	}
	for (i = 0; i < cfg->n_addrs; i++) {
		struct udp_sock *u = &n->udp[n->n_udp];
		int fd = bound_socket(&cfg->addrs[i].addr, cfg->relay.stun_port, SOCK_DGRAM);

		if (fd < 0) {
			snprintf(err, errlen, "%s: [relay] stun_port: cannot bind UDP %s: %s",
				cfg->path,
				sn_endpoint_fmt(&cfg->addrs[i].addr, cfg->relay.stun_port, ep,
					sizeof(ep)),
				strerror(-fd));
			ret = fd;
			goto fail;
		}
		u->tag.kind = CP_EP_TURN;
		u->tag.sub = TAG_UDP;
		u->tag.fd = fd;
		u->idx = (uint8_t)i;
		u->port = cfg->relay.stun_port;
		n->n_udp++;
		if (ep_add(n, &u->tag, EPOLLIN) != 0) {
			ret = -errno;
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
		if (cfg->turn.tcp_port != 0) {
			ret = listen_on(n, (uint8_t)i, cfg->turn.tcp_port, false, err, errlen);
			if (ret != 0)
				goto fail;
		}
		for (k = 0; n->tls != NULL && k < cfg->turn.n_tls_ports; k++) {
			ret = listen_on(n, (uint8_t)i, cfg->turn.tls_ports[k], true, err, errlen);
			if (ret != 0)
				goto fail;
		}
	}
	c->turn = &n->turn;
	*out = n;
	CP_INFO("TURN: realm %s, UDP port %u, TCP port %u, TLS %s, on %u addresses; "
		"%u relay addresses, max %u allocations",
		cfg->turn.realm, cfg->relay.stun_port, cfg->turn.tcp_port,
		n->tls != NULL ? "on" : "off (no tls_cert)", cfg->n_addrs, cfg->turn.n_relay_addrs,
		cfg->dp.max_allocs);
	return 0;
fail:
	cp_turn_net_close(n);
	return ret;
}

void
cp_turn_net_close(struct cp_turn_net *n)
{
	unsigned i;

	if (n == NULL)
		return;
	if (n->core != NULL && n->core->turn == &n->turn)
		n->core->turn = NULL;
	for (i = 0; n->conns != NULL && i < CP_TURN_NET_MAX_CONNS; i++) {
		struct conn *c = n->conns[i];

		if (c == NULL)
			continue;
		epoll_ctl(n->epfd, EPOLL_CTL_DEL, c->tag.fd, NULL);
		SSL_free(c->ssl);
		close(c->tag.fd);
		free(c->in);
		free(c->out);
		free(c);
	}
	for (i = 0; i < n->n_udp; i++)
		close(n->udp[i].tag.fd);
	for (i = 0; i < n->n_lst; i++)
		close(n->lst[i].tag.fd);
	/* UDP allocations stay in the dataplane (fail static); stream ones end with us */
	if (n->turn.slot != NULL)
		cp_turn_fini(&n->turn);
	SSL_CTX_free(n->tls);
	free(n->relay_by_fd);
	free(n->conns);
	free(n->conn_gen);
	free(n);
}

void
cp_turn_net_event(struct cp_turn_net *n, void *tagp, uint32_t events)
{
	struct tag *t = tagp;

	switch (t->sub) {
	case TAG_UDP:
		udp_input(n, (struct udp_sock *)t);
		break;
	case TAG_LISTEN:
		listener_accept(n, (struct listener *)t);
		break;
	case TAG_CONN: {
		struct conn *c = (struct conn *)t;

		if (events & (EPOLLERR | EPOLLHUP)) {
			conn_close(n, c);
			break;
		}
		if ((events & EPOLLOUT) && !conn_flush(n, c)) {
			conn_close(n, c);
			break;
		}
		if (events & EPOLLIN)
			conn_input(n, c);
		break;
	}
	case TAG_RELAY:
		relay_input(n, (struct relay_sock *)t);
		break;
	}
}

void
cp_turn_net_tick(struct cp_turn_net *n)
{
	uint64_t now = cp_clock_monotonic();
	unsigned i;

	for (i = 0; i < CP_TURN_NET_MAX_CONNS && n->n_conns != 0; i++) {
		struct conn *c = n->conns[i];

		/* idle and without an allocation: a half-open or abandoned client */
		if (c != NULL && now - c->last_ns > CONN_IDLE_NS &&
			cp_turn_find_src(&n->turn, &c->src) == NULL)
			conn_close(n, c);
	}
}
