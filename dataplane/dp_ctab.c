/* SPDX-License-Identifier: BSD-3-Clause */
/* The TURN client table's hash key (dp_ctab.h). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <rte_log.h>

#include "dp_ctab.h"

int
dp_ctab_hkey_init(struct dp_ctab_hkey *hk)
{
	ssize_t n = getrandom(hk, sizeof(*hk), 0);

	if (n != (ssize_t)sizeof(*hk)) {
		int err = n < 0 ? errno : EIO;

		RTE_LOG(ERR, DP, "client table hash key: getrandom: %s\n", strerror(err));
		return -err;
	}
	return 0;
}
