/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL command line construction (contract in dp_eal.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_pci.h>

#include "dp_eal.h"
#include "dp_flow.h"

#define MEMINFO_PATH "/proc/meminfo"
#define MOUNTS_PATH  "/proc/mounts"
#define HUGETLBFS    "hugetlbfs"
#define KB_PER_MB    1024ull
#define LINE_MAX_LEN 512
#define LCORES_OPT   "--lcores"
/* huge = auto: hugepage memory the process needs beyond mbufs and the flow
 * table (EAL, rings, queues, tables), and the mbuf overhead beyond its
 * data room (mbuf header, mempool object header, cache alignment) */
#define HUGE_SLACK_MB	     128ull
#define MBUF_OVERHEAD_BYTES  256ull

/* Append one argument (printf-style). */
static int
arg_add(struct dp_eal_args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->argc >= DP_EAL_MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

bool
dp_eal_is_pci(const char *device)
{
	char name[64];
	struct rte_pci_addr pa;
	size_t n = strcspn(device, ",");

	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, device, n);
	name[n] = '\0';
	return rte_pci_addr_parse(name, &pa) == 0;
}

void
dp_eal_dev_name(const char *device, char *name, size_t len)
{
	struct rte_pci_addr pa;
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
	if (rte_pci_addr_parse(name, &pa) == 0)
		rte_pci_device_name(&pa, name, len);
}

/*
 * Hugepage memory (MB) sn-dataplane allocates for config c: the mbuf pool,
 * the relay flow table, the TURN client table and pending bits (two bytes
 * per allocation, dp_turn_cmd.c) and HUGE_SLACK_MB for the rest.  EAL maps
 * hugepages on demand, so this (not mem_mb, the --no-huge size) is what
 * must be free.
 */
static unsigned long long
huge_need_mb(const struct sn_config *c)
{
	unsigned long long b;

	b = (unsigned long long)c->dp.mbufs * (RTE_MBUF_DEFAULT_BUF_SIZE + MBUF_OVERHEAD_BYTES) +
	    dp_flow_mem_size(dp_flow_relay_keys(c->dp.max_sessions, c->dp.max_allocs)) +
	    dp_flow_mem_size(c->dp.max_allocs) + 2ull * c->dp.max_allocs;
	return (b + KB_PER_MB * KB_PER_MB - 1) / (KB_PER_MB * KB_PER_MB) + HUGE_SLACK_MB;
}

/*
 * hugetlbfs mounted and HugePages_Free * Hugepagesize >= need_mb?  (Not
 * >= mem_mb: with all pages reserved for exactly mem_mb, one page held by
 * any other process would silently put the dataplane on 4 KB pages.)
 */
static bool
huge_available(unsigned long long need_mb)
{
	char line[LINE_MAX_LEN];
	unsigned long long free_pages = 0, page_kb = 0;
	bool mounted = false;
	FILE *f;

	f = fopen(MOUNTS_PATH, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char dev[LINE_MAX_LEN], dir[LINE_MAX_LEN], type[LINE_MAX_LEN];

			if (sscanf(line, "%511s %511s %511s", dev, dir, type) == 3 &&
				strcmp(type, HUGETLBFS) == 0)
				mounted = true;
		}
		fclose(f);
	}
	if (!mounted)
		return false;
	f = fopen(MEMINFO_PATH, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %llu", &free_pages);
		sscanf(line, "Hugepagesize: %llu kB", &page_kb);
	}
	fclose(f);
	return free_pages * page_kb >= need_mb * KB_PER_MB;
}

/* Split dp.eal_args on blanks (no quoting: EAL arguments have no spaces). */
static int
add_split(struct dp_eal_args *a, const char *s)
{
	char tok[SN_CONF_STR];
	int ret;

	while (*s != '\0') {
		size_t n;

		while (isspace((unsigned char)*s))
			s++;
		n = strcspn(s, " \t");
		if (n == 0)
			break;
		if (n >= sizeof(tok))
			return -E2BIG;
		memcpy(tok, s, n);
		tok[n] = '\0';
		ret = arg_add(a, "%s", tok);
		if (ret != 0)
			return ret;
		s += n;
	}
	return 0;
}

/*
 * An explicit --lcores (lcore-to-CPU map, e.g. more lcores than CPUs on a
 * test box) in eal_args or the extra arguments replaces our -l list.
 */
static bool
has_lcores_map(const struct sn_config *c, int n_extra, char **extra)
{
	int k;

	if (strstr(c->dp.eal_args, LCORES_OPT) != NULL)
		return true;
	for (k = 0; k < n_extra; k++)
		if (strncmp(extra[k], LCORES_OPT, strlen(LCORES_OPT)) == 0)
			return true;
	return false;
}

int
dp_eal_build(const struct sn_config *c, int n_extra, char **extra, struct dp_eal_args *a)
{
	char lcores[SN_CONF_STR];
	size_t off;
	unsigned i;
	bool any_pci = false;
	int ret = 0, k;

	memset(a, 0, sizeof(*a));
	off = (size_t)snprintf(lcores, sizeof(lcores), "%u", c->dp.main_lcore);
	for (i = 0; i < c->dp.n_workers && off < sizeof(lcores); i++)
		off += (size_t)snprintf(
			lcores + off, sizeof(lcores) - off, ",%u", c->dp.workers[i]);

	ret |= arg_add(a, "sn-dataplane");
	if (!has_lcores_map(c, n_extra, extra)) {
		ret |= arg_add(a, "-l");
		ret |= arg_add(a, "%s", lcores);
	}
	ret |= arg_add(a, "--main-lcore");
	ret |= arg_add(a, "%u", c->dp.main_lcore);
	ret |= arg_add(a, "--file-prefix");
	ret |= arg_add(a, "%s", c->dp.file_prefix);

	a->huge = c->dp.huge == SN_HUGE_ON ||
		  (c->dp.huge == SN_HUGE_AUTO && huge_available(huge_need_mb(c)));
	if (a->huge) {
		ret |= arg_add(a, "--huge-unlink");
	} else {
		ret |= arg_add(a, "--no-huge");
		ret |= arg_add(a, "-m");
		ret |= arg_add(a, "%u", c->dp.mem_mb);
	}

	for (i = 0; i < c->n_ports; i++) {
		bool pci = dp_eal_is_pci(c->ports[i].device);

		any_pci |= pci;
		ret |= arg_add(a, pci ? "-a" : "--vdev");
		ret |= arg_add(a, "%s", c->ports[i].device);
	}
	if (!any_pci)
		ret |= arg_add(a, "--no-pci");
	for (i = 0; i < c->n_ports; i++) {
		ret |= arg_add(a, "--vdev");
		ret |= arg_add(
			a, DP_TAP_VDEV_PREFIX "%s,iface=%s", c->ports[i].name, c->ports[i].tap);
	}
	/* quiet libraries and drivers; our own log type (user1) at info */
	ret |= arg_add(a, "--log-level");
	ret |= arg_add(a, "*:notice");
	ret |= arg_add(a, "--log-level");
	ret |= arg_add(a, "user1:info");
	if (ret != 0)
		return -E2BIG;
	ret = add_split(a, c->dp.eal_args);
	if (ret != 0)
		return ret;
	for (k = 0; k < n_extra; k++)
		if (arg_add(a, "%s", extra[k]) != 0)
			return -E2BIG;
	return 0;
}
