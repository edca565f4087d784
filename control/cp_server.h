/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket of sn-control: a unix stream socket (mode 0660) serving
 * JSON lines (cp_admin.h) to snctl.  Non-blocking, driven by the control
 * event loop's epoll set; one request per connection at a time, replies in
 * order; large replies are buffered and written as the peer reads.
 */
#ifndef CP_SERVER_H
#define CP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_core.h"

#define CP_MAX_CONNS	   64
#define CP_SOCKET_MODE	   0660
#define CP_SOCKET_DIR_MODE 0750
#define CP_LISTEN_BACKLOG  64

/* What an epoll event's data.ptr points at: a struct starting with this. */
enum cp_ep_kind {
	CP_EP_LISTEN = 1,
	CP_EP_CONN,
	CP_EP_TIMER,
	CP_EP_SIGNAL,
	CP_EP_TURN, /* cp_turn_net.c */
};

struct cp_conn {
	enum cp_ep_kind kind; /* CP_EP_CONN */
	int fd;
	uint64_t id;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	bool busy;    /* a request is waiting for its reply */
	bool eof;     /* peer closed its side */
	bool closing; /* close once the output is written */
	bool pollout; /* EPOLLOUT armed */
};

struct cp_server {
	enum cp_ep_kind kind; /* CP_EP_LISTEN */
	int lfd;
	int epfd;
	char path[SN_CONF_STR];
	struct cp_core *core;
	struct cp_conn *conns[CP_MAX_CONNS];
	uint64_t next_id;
};

/*
 * Create the socket directory, remove a stale socket (refusing if another
 * sn-control answers on it), bind, chmod 0660, listen, add to epfd.
 * 0, or -errno with err set.
 */
int cp_server_open(struct cp_server *s, struct cp_core *core, const char *path, int epfd, char *err,
	size_t errlen);

/* Close every connection and the listener; unlink the socket. */
void cp_server_close(struct cp_server *s);

/* An epoll event whose data.ptr is s (listener) or one of its connections. */
void cp_server_event(struct cp_server *s, void *ptr, uint32_t events);

/* Process buffered requests of connections no longer waiting for a reply. */
void cp_server_kick(struct cp_server *s);

/* cp_reply_fn for cp_core: queue text + '\n' on connection conn_id. */
void cp_server_reply(void *arg, uint64_t conn_id, char *text, size_t len);

#endif /* CP_SERVER_H */
