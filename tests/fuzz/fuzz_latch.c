/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the latch probe parser (sn_relay.h).  A probe that
 * parses must re-build to the same magic, version and token; any token
 * built must parse back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sn_relay.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define LATCH_HDR_LEN 5 /* magic + version */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[SN_LATCH_LEN];
	uint64_t token = 0, t2 = 0;
	size_t i;

	if (size > UINT16_MAX)
		return 0;
	if (sn_latch_parse(data, (uint16_t)size, &token)) {
		CHECK(size == SN_LATCH_LEN);
		sn_latch_build(out, token);
		CHECK(memcmp(out, data, LATCH_HDR_LEN) == 0);
		CHECK(memcmp(out + SN_LATCH_TOKEN_OFF, data + SN_LATCH_TOKEN_OFF,
			      SN_LATCH_LEN - SN_LATCH_TOKEN_OFF) == 0);
	}
	/* any 8 input bytes as a token round-trip */
	for (i = 0; i < 8 && i < size; i++)
		t2 = t2 << 8 | data[i];
	sn_latch_build(out, t2);
	CHECK(sn_latch_parse(out, SN_LATCH_LEN, &token) && token == t2);
	return 0;
}
