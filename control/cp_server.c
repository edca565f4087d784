/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin socket (see cp_server.h). */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cp_admin.h"
#include "cp_log.h"
#include "cp_server.h"

#define CP_READ_CHUNK	  16384
#define CP_CONN_SLOT_BITS 8
#define CP_CONN_SLOT_MASK ((1u << CP_CONN_SLOT_BITS) - 1)

_Static_assert(CP_MAX_CONNS <= (1u << CP_CONN_SLOT_BITS), "conn slot bits");

/* mkdir -p for the parent directory of path. */
static int
make_parent_dir(const char *path)
{
	char buf[SN_CONF_STR], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	p = strrchr(buf, '/');
	if (p == NULL || p == buf)
		return 0;
	*p = '\0';
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, CP_SOCKET_DIR_MODE) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, CP_SOCKET_DIR_MODE) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file at path: remove it unless someone is listening.  0 or -errno. */
static int
remove_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0) {
		snprintf(err, errlen, "another sn-control is serving %s", sa->sun_path);
		return -EADDRINUSE;
	}
	CP_INFO("removing stale admin socket %s", sa->sun_path);
	if (unlink(sa->sun_path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
cp_server_open(struct cp_server *s, struct cp_core *core, const char *path, int epfd, char *err,
	size_t errlen)
{
	struct sockaddr_un sa;
	struct epoll_event ev;
	int ret;

	memset(s, 0, sizeof(*s));
	s->kind = CP_EP_LISTEN;
	s->lfd = -1;
	s->epfd = epfd;
	s->core = core;
	s->next_id = 1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "admin_socket: path longer than %zu bytes",
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));
	ret = make_parent_dir(path);
	if (ret != 0) {
		snprintf(
			err, errlen, "cannot create the directory of %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = remove_stale(&sa, err, errlen);
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail_errno;
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail_errno;
	if (chmod(path, CP_SOCKET_MODE) != 0 || listen(s->lfd, CP_LISTEN_BACKLOG) != 0)
		goto fail_errno;
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev) != 0)
		goto fail_errno;
	return 0;

fail_errno:
	ret = -errno;
	snprintf(err, errlen, "admin socket %s: %s", path, strerror(errno));
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
	return ret;
}

static void
conn_close(struct cp_server *s, struct cp_conn *c)
{
	CP_DEBUG("admin conn %" PRIu64 " closed", c->id);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	s->conns[c->id & CP_CONN_SLOT_MASK] = NULL;
	free(c->in);
	free(c->out);
	free(c);
}

void
cp_server_close(struct cp_server *s)
{
	unsigned i;

	for (i = 0; i < CP_MAX_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_close(s, s->conns[i]);
	if (s->lfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
		close(s->lfd);
		unlink(s->path);
	}
	s->lfd = -1;
}

static void
conn_arm(struct cp_server *s, struct cp_conn *c, bool want_out)
{
	struct epoll_event ev;

	if (c->pollout == want_out)
		return;
	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->pollout = want_out;
}

/* Write what we can.  false: the connection was closed. */
static bool
conn_write(struct cp_server *s, struct cp_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(s, c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
		conn_arm(s, c, false);
		if (c->closing || (c->eof && !c->busy)) {
			conn_close(s, c);
			return false;
		}
		return true;
	}
	conn_arm(s, c, true);
	return true;
}

static struct cp_conn *
conn_find(struct cp_server *s, uint64_t id)
{
	struct cp_conn *c = s->conns[id & CP_CONN_SLOT_MASK];

	return c != NULL && c->id == id ? c : NULL;
}

void
cp_server_reply(void *arg, uint64_t conn_id, char *text, size_t len)
{
	struct cp_server *s = arg;
	struct cp_conn *c = conn_find(s, conn_id);
	char *nb;

	if (c == NULL) {
		free(text); /* the client went away */
		return;
	}
	c->busy = false;
	if (c->out == NULL) {
		nb = realloc(text, len + 1);
		if (nb == NULL) {
			free(text);
			c->closing = true;
			return;
		}
		c->out = nb;
		c->out_len = len;
		c->out_off = 0;
	} else {
		nb = realloc(c->out, c->out_len + len + 1);
		if (nb == NULL) {
			free(text);
			c->closing = true;
			return;
		}
		c->out = nb;
		memcpy(c->out + c->out_len, text, len);
		c->out_len += len;
		free(text);
	}
	c->out[c->out_len++] = '\n';
	/* Written by the event loop (cp_server_kick), never from inside a callback. */
}

/* Handle complete request lines while no reply is outstanding. */
static void
conn_process(struct cp_server *s, struct cp_conn *c)
{
	uint64_t id = c->id;
	size_t used = 0, len;
	char *nl;

	while (!c->busy && !c->closing && used < c->in_len &&
		(nl = memchr(c->in + used, '\n', c->in_len - used)) != NULL) {
		len = (size_t)(nl - (c->in + used));
		if (len != 0 && c->in[used + len - 1] == '\r')
			len--;
		if (len == 0) {
			used = (size_t)(nl - c->in) + 1;
			continue;
		}
		c->busy = true;
		cp_admin_handle(s->core, c->in + used, len, id);
		used = (size_t)(nl - c->in) + 1;
	}
	if (used != 0) {
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
	if (!c->busy && c->in_len > CP_ADMIN_LINE_MAX) {
		c->busy = true;
		cp_core_reply(s->core, id, NULL,
			json_pack("{s:b, s:s}", "ok", 0, "error", "request line too long"));
		c->closing = true;
		c->in_len = 0;
	}
}

static void
conn_read(struct cp_server *s, struct cp_conn *c)
{
	ssize_t n;
	char *nb;

	for (;;) {
		if (c->in_cap - c->in_len < CP_READ_CHUNK) {
			nb = realloc(c->in, c->in_cap + CP_READ_CHUNK);
			if (nb == NULL) {
				conn_close(s, c);
				return;
			}
			c->in = nb;
			c->in_cap += CP_READ_CHUNK;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			if (c->in_len > CP_ADMIN_LINE_MAX * 2)
				break; /* let conn_process answer before buffering more */
			continue;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		conn_close(s, c);
		return;
	}
	conn_process(s, c);
	if (c->out_len != 0)
		conn_write(s, c);
	else if (c->eof && !c->busy)
		conn_close(s, c);
}

static void
accept_all(struct cp_server *s)
{
	struct epoll_event ev;
	struct cp_conn *c;
	unsigned slot;
	int fd;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				CP_WARN("admin accept: %s", strerror(errno));
			return;
		}
		for (slot = 0; slot < CP_MAX_CONNS && s->conns[slot] != NULL; slot++)
			;
		c = slot < CP_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			static const char busy[] =
				"{\"ok\":false,\"error\":\"too many admin connections\"}\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)errno;
			close(fd);
			continue;
		}
		c->kind = CP_EP_CONN;
		c->fd = fd;
		c->id = (s->next_id++ << CP_CONN_SLOT_BITS) | slot;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(c);
			continue;
		}
		s->conns[slot] = c;
		s->core->cnt[CP_CNT_ADMIN_CONNS]++;
	}
}

void
cp_server_event(struct cp_server *s, void *ptr, uint32_t events)
{
	struct cp_conn *c;

	if (ptr == s) {
		accept_all(s);
		return;
	}
	c = ptr;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(s, c);
		return;
	}
	if (events & EPOLLOUT && !conn_write(s, c))
		return;
	if (events & EPOLLIN)
		conn_read(s, c);
}

void
cp_server_kick(struct cp_server *s)
{
	struct cp_conn *c;
	unsigned i;

	for (i = 0; i < CP_MAX_CONNS; i++) {
		c = s->conns[i];
		if (c == NULL)
			continue;
		if (!c->busy && c->in_len != 0)
			conn_process(s, c);
		if (c->out_len != 0 && !c->pollout) {
			if (!conn_write(s, c))
				continue;
		}
		if (c->eof && !c->busy && c->out_len == 0)
			conn_close(s, c);
	}
}
