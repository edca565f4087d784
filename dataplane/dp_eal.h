/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL command line, built from the configuration.
 */
#ifndef DP_EAL_H
#define DP_EAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sn_config.h"

#define DP_EAL_MAX_ARGS	   256
#define DP_TAP_VDEV_PREFIX "net_tap_"

/* The EAL arguments and the storage behind them. */
struct dp_eal_args {
	int argc;
	char *argv[DP_EAL_MAX_ARGS + 1];
	bool huge;	 /* hugepages in use */
	char buf[16384]; /* argument text */
	size_t used;
};

/*
 * Build the EAL command line for c plus extra[0..n_extra) (appended
 * verbatim):
 *   -l MAIN,W1,... (left out when eal_args or extra carry --lcores)
 *   --main-lcore MAIN --file-prefix PREFIX
 *   hugepages: --huge-unlink; else --no-huge -m MEM_MB
 *     (huge=auto: hugepages when a hugetlbfs is mounted and
 *      /proc/meminfo's HugePages_Free covers mem_mb)
 *   -a DEV for PCI devices, --vdev DEV for the others, --no-pci if none
 *     is PCI; --vdev net_tap_NAME,iface=TAP per port
 *   --log-level lib.*:notice etc., then dp.eal_args, then extra.
 * Returns 0 or -E2BIG.
 */
int dp_eal_build(const struct sn_config *c, int n_extra, char **extra, struct dp_eal_args *a);

/* True when a port device string names a PCI device ("0000:03:00.0[,args]"). */
bool dp_eal_is_pci(const char *device);

/* Ethdev name of a port device: the text before the first ',' (PCI: DomBDF). */
void dp_eal_dev_name(const char *device, char *name, size_t len);

#endif /* DP_EAL_H */
