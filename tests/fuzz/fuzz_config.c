/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: sn_config_load() on arbitrary file contents.  The input
 * goes to an in-memory file (memfd) loaded through /proc/self/fd/N, so no
 * temporary file is left behind.  A successful load must satisfy the
 * loader's promises (ports with devices, address table consistent with the
 * per-port slices, workers distinct from the main lcore); a failed one must
 * leave a message naming the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sn_config.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static struct sn_config conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	unsigned i, j;
	int rc;

	if (memfd < 0) {
		memfd = memfd_create("sn-fuzz-config", 0);
		CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);

	rc = sn_config_load(path, &conf, err, sizeof(err));
	if (rc != 0) {
		CHECK(strncmp(err, path, strlen(path)) == 0);
		return 0;
	}
	CHECK(conf.n_ports >= 1 && conf.n_ports <= SN_MAX_PORTS);
	CHECK(conf.n_addrs <= SN_MAX_ADDRS);
	CHECK(conf.dp.n_workers >= 1 && conf.dp.n_workers <= SN_MAX_WORKERS);
	for (i = 0; i < conf.dp.n_workers; i++)
		CHECK(conf.dp.workers[i] != conf.dp.main_lcore);
	CHECK(conf.relay.port_min <= conf.relay.port_max);
	CHECK(conf.dp.burst >= 1 && conf.dp.burst <= 64);
	CHECK((conf.dp.cmd_slots & (conf.dp.cmd_slots - 1)) == 0);
	CHECK((conf.dp.cpl_slots & (conf.dp.cpl_slots - 1)) == 0);
	for (i = 0; i < conf.n_ports; i++) {
		const struct sn_port_conf *p = &conf.ports[i];

		CHECK(p->device[0] != '\0');
		CHECK(p->first_addr + p->n_addrs <= conf.n_addrs);
		for (j = p->first_addr; j < p->first_addr + p->n_addrs; j++)
			CHECK(conf.addrs[j].port_idx == i);
	}
	for (i = 0; i < conf.n_addrs; i++)
		CHECK(sn_config_addr_index(&conf, &conf.addrs[i].addr) == (int)i);
	return 0;
}
