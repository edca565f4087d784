/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-control: the control process of supernode (plain Linux process, no
 * DPDK).  One thread runs the event loop: epoll over the admin socket, a
 * 1 s timerfd (rates, idle expiry, deadlines) and a signalfd; between
 * events it polls the shared-memory mailbox (1 ms while commands are
 * outstanding, 20 ms otherwise, 100 ms while waiting for the dataplane).
 *
 * Usage: sn-control -c FILE [--foreground]
 * Exit: 0 after SIGTERM/SIGINT (sessions stay in the dataplane: fail
 * static), 1 on a bad configuration or an unusable admin socket, 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <urcu.h>

#include "cp_core.h"
#include "cp_log.h"
#include "cp_server.h"
#include "cp_turn_net.h"
#include "sn_config.h"

#ifndef CP_VERSION
#define CP_VERSION "unknown"
#endif

#define CP_EXIT_USAGE 2
#define CP_MAX_EVENTS 64
#define CP_TICK_S     1
#define CP_ERRBUF     512

struct cp_ep_tag {
	enum cp_ep_kind kind;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: sn-control -c FILE [--foreground]\n"
		   "\n"
		   "  -c, --config FILE   supernode configuration (sections [dataplane], [port "
		   "NAME],\n"
		   "                      [relay], [control], [turn]); required\n"
		   "  -f, --foreground    stay in the foreground, log to stderr (the only mode)\n"
		   "  -V, --version       print the version\n"
		   "  -h, --help          this help\n"
		   "\n"
		   "Attaches to the dataplane's shared memory ([dataplane] shm_path, waiting for "
		   "it),\n"
		   "keeps the authoritative session state and serves snctl on [control] "
		   "admin_socket.\n");
}

static int
add_fd(int epfd, int fd, struct cp_ep_tag *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct cp_ep_tag timer_tag = {CP_EP_TIMER}, sig_tag = {CP_EP_SIGNAL};
	struct itimerspec its = {{CP_TICK_S, 0}, {CP_TICK_S, 0}};
	struct epoll_event evs[CP_MAX_EVENTS];
	static struct sn_config cfg;
	static struct cp_server srv;
	static struct cp_core core;
	struct cp_turn_net *turn_net = NULL;
	const char *conf = NULL;
	char err[CP_ERRBUF] = "";
	int epfd, tfd, sfd, n, i, ret, rc = 1;
	bool stop = false;
	sigset_t mask;

	while ((n = getopt_long(argc, argv, "c:fVh", opts, NULL)) != -1) {
		switch (n) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			break;
		case 'V':
			printf("sn-control %s\n", CP_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CP_EXIT_USAGE;
		}
	}
	if (conf == NULL || optind != argc) {
		fprintf(stderr, "sn-control: %s\n",
			conf == NULL ? "-c FILE is required" : "unexpected argument");
		usage(stderr);
		return CP_EXIT_USAGE;
	}
	ret = sn_config_load(conf, &cfg, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "sn-control: %s\n", err[0] != '\0' ? err : strerror(-ret));
		return 1;
	}
	if (cp_log_set_level(cfg.cp.log_level) != 0) {
		fprintf(stderr, "sn-control: %s: [control] log_level: unknown level '%s'\n", conf,
			cfg.cp.log_level);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (epfd < 0 || tfd < 0 || sfd < 0 || timerfd_settime(tfd, 0, &its, NULL) != 0 ||
		add_fd(epfd, tfd, &timer_tag) != 0 || add_fd(epfd, sfd, &sig_tag) != 0) {
		fprintf(stderr, "sn-control: event loop setup: %s\n", strerror(errno));
		return 1;
	}

	rcu_register_thread();
	ret = cp_core_init(&core, &cfg, NULL, cp_server_reply, &srv);
	if (ret != 0) {
		fprintf(stderr, "sn-control: cannot set up the session state: %s\n",
			strerror(-ret));
		goto out_rcu;
	}
	ret = cp_server_open(&srv, &core, cfg.cp.admin_socket, epfd, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "sn-control: %s\n", err);
		goto out_core;
	}
	if (cfg.turn.enabled) {
		ret = cp_turn_net_open(&turn_net, &core, epfd, err, sizeof(err));
		if (ret != 0) {
			fprintf(stderr, "sn-control: %s\n", err[0] != '\0' ? err : strerror(-ret));
			cp_server_close(&srv);
			goto out_core;
		}
	}
	CP_INFO("sn-control %s: config %s, admin socket %s, shared memory %s, max_sessions %u, "
		"relay ports %u-%u on %u addresses, idle_timeout_s %u",
		CP_VERSION, conf, cfg.cp.admin_socket, cfg.dp.shm_path, cfg.dp.max_sessions,
		cfg.relay.port_min, cfg.relay.port_max, cfg.n_addrs, cfg.cp.idle_timeout_s);

	cp_core_poll(&core);
	while (!stop) {
		n = epoll_wait(epfd, evs, CP_MAX_EVENTS, cp_core_poll_timeout_ms(&core));
		if (n < 0 && errno != EINTR) {
			CP_ERR("epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			struct cp_ep_tag *t = evs[i].data.ptr;
			struct signalfd_siginfo si;
			uint64_t ticks;

			switch (t->kind) {
			case CP_EP_TIMER:
				if (read(tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks)) {
					cp_core_tick(&core);
					if (turn_net != NULL)
						cp_turn_net_tick(turn_net);
				}
				break;
			case CP_EP_SIGNAL:
				if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					CP_INFO("signal %u: stopping", si.ssi_signo);
					stop = true;
				}
				break;
			case CP_EP_LISTEN:
			case CP_EP_CONN:
				cp_server_event(&srv, t, evs[i].events);
				break;
			case CP_EP_TURN:
				cp_turn_net_event(turn_net, t, evs[i].events);
				break;
			}
		}
		cp_core_poll(&core);
		cp_server_kick(&srv);
	}
	CP_INFO("stopped; %u sessions stay programmed in the dataplane (fail static)",
		core.sess.count);
	rc = 0;
	cp_turn_net_close(turn_net);
	cp_server_close(&srv);
out_core:
	cp_core_fini(&core);
out_rcu:
	rcu_unregister_thread();
	close(sfd);
	close(tfd);
	close(epfd);
	return rc;
}
