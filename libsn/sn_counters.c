/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names generated from the X-macro lists in sn_counters.h. */
#include "sn_counters.h"

#define SN_NAME_(name, str, desc) str,
#define SN_DESC_(name, str, desc) desc,

const char *const sn_event_names[SN_EV_MAX] = { SN_EVENT_COUNTERS(SN_NAME_) };
const char *const sn_punt_names[SN_PUNT_MAX] = { SN_PUNT_REASONS(SN_NAME_) };
const char *const sn_drop_names[SN_DROP_MAX] = { "none", SN_DROP_REASONS(SN_NAME_) };
const char *const sn_drop_descs[SN_DROP_MAX] = { "not a drop", SN_DROP_REASONS(SN_DESC_) };
