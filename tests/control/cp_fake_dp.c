/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp-fake-dp: a stand-in for sn-dataplane in control-plane experiments
 * without DPDK.  Creates [dataplane] shm_path from the config, answers the
 * mailbox until SIGTERM/SIGINT (then dp_state STOPPED, exit 0).
 *
 * usage: cp-fake-dp -c FILE [--cmds-per-loop N] [--loop-us N]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_dp.h"

#define NS_PER_S	      1000000000ull
#define DEFAULT_CMDS_PER_LOOP 256
#define DEFAULT_LOOP_US	      50

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"cmds-per-loop", required_argument, NULL, 'n'},
		{"loop-us", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	unsigned per_loop = DEFAULT_CMDS_PER_LOOP, loop_us = DEFAULT_LOOP_US;
	static struct sn_config cfg;
	struct timespec nap;
	struct fake_dp dp;
	const char *conf = NULL;
	char err[512];
	uint64_t t0;
	int c;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'n':
			per_loop = (unsigned)atoi(optarg);
			break;
		case 'l':
			loop_us = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (conf == NULL || sn_config_load(conf, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "cp-fake-dp: %s\n", conf == NULL ? "-c FILE required" : err);
		return 1;
	}
	if (fake_dp_start(&dp, cfg.dp.shm_path, &cfg, cfg.dp.max_sessions, cfg.dp.cmd_slots,
		    cfg.dp.cpl_slots) != 0) {
		perror("cp-fake-dp: sn_shm_create");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "cp-fake-dp: pid %d, %s generation %#llx\n", (int)getpid(), cfg.dp.shm_path,
		(unsigned long long)dp.gen);
	t0 = mono_ns();
	nap.tv_sec = 0;
	nap.tv_nsec = (long)loop_us * 1000;
	while (!stop) {
		dp.shm.hdr->now_tsc = FAKE_DP_TSC_HZ + (mono_ns() - t0);
		if (fake_dp_step(&dp, per_loop) == 0)
			nanosleep(&nap, NULL);
	}
	fprintf(stderr, "cp-fake-dp: signal %d, %llu applied, %llu rejected\n", (int)stop,
		(unsigned long long)dp.applied, (unsigned long long)dp.rejected);
	fake_dp_stop(&dp);
	return 0;
}
