/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: sn_stun_parse() on arbitrary UDP payloads.  When a
 * message parses, every attribute is looked up and XOR-address decoded; a
 * decoded address is re-encoded with the Binding success builder and must
 * decode to the same value.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sn_abi.h"
#include "sn_stun.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define BUILD_CAP 52

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
rebuild(const struct sn_stun_msg *m, uint8_t fam, const uint8_t *addr, uint16_t port)
{
	uint8_t out[BUILD_CAP], fam2, addr2[16];
	const struct sn_stun_attr *a;
	struct sn_stun_msg m2;
	uint16_t port2;
	int n;

	n = sn_stun_build_binding_success(
		out, sizeof(out), m->txid, fam, addr, port, (port & 1) != 0);
	CHECK(n > 0 && n <= BUILD_CAP);
	CHECK(sn_stun_parse(out, out + n, &m2) == SN_DROP_NONE);
	a = sn_stun_find(&m2, SN_STUN_ATTR_XOR_MAPPED_ADDRESS);
	CHECK(a != NULL);
	CHECK(sn_stun_xaddr_decode(&m2, a, &fam2, addr2, &port2) == 0);
	CHECK(fam2 == fam && port2 == port);
	CHECK(memcmp(addr2, addr, fam == SN_FAM_IPV4 ? 4 : 16) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sn_stun_msg m;
	unsigned i;

	(void)sn_stun_is_candidate(data, size);
	if (sn_stun_parse(data, data + size, &m) != SN_DROP_NONE)
		return 0;
	CHECK(m.start == data && m.length + (size_t)SN_STUN_HLEN == size);
	CHECK(m.n_attrs <= SN_STUN_MAX_ATTRS);
	CHECK(!m.has_integrity ||
		m.integrity_off + SN_STUN_ATTR_HLEN + SN_STUN_INTEGRITY_LEN <= size);
	CHECK(!m.has_integrity_sha256 || m.integrity_sha256_off + SN_STUN_ATTR_HLEN <= size);
	CHECK(m.unknown_required == 0 || m.unknown_required < SN_STUN_ATTR_COMPREHENSION_OPTIONAL);
	for (i = 0; i < m.n_attrs; i++) {
		const struct sn_stun_attr *a = &m.attrs[i];
		const struct sn_stun_attr *f = sn_stun_find(&m, a->type);
		uint8_t fam, addr[16];
		uint16_t port;

		CHECK(a->off >= SN_STUN_HLEN + SN_STUN_ATTR_HLEN);
		CHECK((size_t)a->off + a->len <= size);
		CHECK(f != NULL && f->type == a->type && f <= a);
		if (sn_stun_xaddr_decode(&m, a, &fam, addr, &port) == 0) {
			CHECK(fam == SN_FAM_IPV4 || fam == SN_FAM_IPV6);
			rebuild(&m, fam, addr, port);
		}
	}
	if (m.has_fingerprint)
		CHECK(m.n_attrs > 0 && m.attrs[m.n_attrs - 1].type == SN_STUN_ATTR_FINGERPRINT);
	return 0;
}
