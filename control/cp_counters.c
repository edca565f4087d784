/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of sn-control's own counters, generated from cp_counters.h. */
#include "cp_counters.h"

#define CP_NAME_(name, str, desc) str,
const char *const cp_counter_names[CP_CNT_MAX] = {CP_COUNTERS(CP_NAME_)};
#undef CP_NAME_
