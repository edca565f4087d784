/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel netdevs the dataplane touches at init (syscalls, netlink, sysctl;
 * never on the data path): the exception taps, and the kernel interface
 * behind a net_af_packet port.
 */
#ifndef DP_NETDEV_H
#define DP_NETDEV_H

/*
 * Configure tap netdev ifname for dp port port_idx: IPv6 duplicate address
 * detection off (accept_dad = 0 and IFA_F_NODAD, so the addresses work at
 * once, RFC 4862 section 5.4), link up, every appliance address of the
 * port added with its prefix (RTM_NEWADDR; already present is fine).
 * 0 or -errno.
 */
int dp_netdev_tap_configure(const char *ifname, unsigned port_idx);

/*
 * A net_af_packet port reads a kernel interface that the kernel's own stack
 * also processes; with the appliance addresses on the tap of the same
 * namespace (weak host model) the kernel would answer ARP, ICMP and UDP
 * arriving there a second time.  For device strings naming net_af_packet
 * with iface=NAME this turns NAME's stack off for us: IPv6 disabled,
 * arp_ignore = 8 (no ARP replies), rp_filter = 1 (strict: no local address
 * is reached through NAME, so its IPv4 input is dropped).  Other devices:
 * nothing.  Returns 0 or -errno (logged; not fatal for the caller).
 */
int dp_netdev_quiesce(const char *device);

#endif /* DP_NETDEV_H */
