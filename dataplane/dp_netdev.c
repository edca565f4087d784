/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel netdev configuration at init (contract in dp_netdev.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <rte_log.h>

#include "dp_netdev.h"
#include "dp_types.h"
#include "sn_addr.h"

#define SYSCTL_V6_FMT	    "/proc/sys/net/ipv6/conf/%s/%s"
#define SYSCTL_V4_FMT	    "/proc/sys/net/ipv4/conf/%s/%s"
#define SYSCTL_PATH_LEN	    128
#define AF_PACKET_DRIVER    "net_af_packet"
#define AF_PACKET_IFACE_ARG "iface="
#define ARP_IGNORE_ALL	    "8" /* Documentation/networking/ip-sysctl: no replies */
#define RP_FILTER_STRICT    "1" /* RFC 3704 strict reverse path */
#define NL_BUF_SIZE	    4096
#define NL_ATTR_SPACE	    128

struct nl_addr_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	uint8_t attrs[NL_ATTR_SPACE];
};

static void
nl_attr(struct nl_addr_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its acknowledgement.  0 or -errno. */
static int
nl_request(int fd, struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *rh;
	ssize_t n;

	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	for (rh = (struct nlmsghdr *)buf; NLMSG_OK(rh, (unsigned)n); rh = NLMSG_NEXT(rh, n)) {
		if (rh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(rh);

			return e->error;
		}
	}
	return -EPROTO;
}

static int
addr_add(int fd, unsigned ifindex, const struct sn_addr_info *ai, uint32_t seq)
{
	struct nl_addr_req r;
	size_t alen = sn_fam_len(ai->addr.family);
	uint32_t flags = IFA_F_PERMANENT;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.nh.nlmsg_type = RTM_NEWADDR;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	r.nh.nlmsg_seq = seq;
	r.ifa.ifa_family = ai->addr.family == SN_FAM_IPV4 ? AF_INET : AF_INET6;
	r.ifa.ifa_prefixlen = ai->prefix_len;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	if (ai->addr.family == SN_FAM_IPV6)
		flags |= IFA_F_NODAD; /* RFC 4862 section 5.4: usable at once */
	r.ifa.ifa_flags = (uint8_t)flags;
	nl_attr(&r, IFA_LOCAL, ai->addr.bytes, alen);
	nl_attr(&r, IFA_ADDRESS, ai->addr.bytes, alen);
	nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	return nl_request(fd, &r.nh);
}

/* Write value to the sysctl file fmt(ifname, key).  0 or -errno. */
static int
sysctl_write(const char *fmt, const char *ifname, const char *key, const char *value)
{
	char path[SYSCTL_PATH_LEN];
	size_t len = strlen(value);
	int fd, ret = 0;

	snprintf(path, sizeof(path), fmt, ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

static int
link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

int
dp_netdev_tap_configure(const char *ifname, unsigned port_idx)
{
	const struct sn_port_conf *pc = &dp.cfg.ports[port_idx];
	unsigned ifindex = if_nametoindex(ifname), i;
	char txt[SN_ENDPOINT_STRLEN];
	int fd, ret;

	if (ifindex == 0)
		return -ENODEV;
	if (sysctl_write(SYSCTL_V6_FMT, ifname, "accept_dad", "0") != 0)
		RTE_LOG(WARNING, DP, "%s: cannot turn IPv6 DAD off\n", ifname);
	/*
	 * A TURN client's data for another allocation of this box whose client is
	 * on TCP/TLS arrives here with one of our own addresses as its source
	 * (the hairpin, dp_turn.c): without accept_local the kernel drops it as a
	 * martian before sn-control's relay socket sees it.
	 */
	if (sysctl_write(SYSCTL_V4_FMT, ifname, "accept_local", "1") != 0)
		RTE_LOG(WARNING, DP, "%s: cannot set accept_local\n", ifname);
	ret = link_up(ifname);
	if (ret != 0)
		return ret;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	for (i = pc->first_addr; i < pc->first_addr + pc->n_addrs; i++) {
		ret = addr_add(fd, ifindex, &dp.cfg.addrs[i], i + 1);
		if (ret != 0 && ret != -EEXIST) {
			RTE_LOG(ERR, DP, "%s: adding %s/%u: %s\n", ifname,
				sn_addr_fmt(&dp.cfg.addrs[i].addr, txt, sizeof(txt)),
				dp.cfg.addrs[i].prefix_len, strerror(-ret));
			close(fd);
			return ret;
		}
	}
	close(fd);
	return 0;
}

int
dp_netdev_quiesce(const char *device)
{
	char ifname[IF_NAMESIZE];
	const char *arg;
	size_t n;
	int ret;

	if (strncmp(device, AF_PACKET_DRIVER, strlen(AF_PACKET_DRIVER)) != 0)
		return 0;
	arg = strstr(device, AF_PACKET_IFACE_ARG);
	if (arg == NULL)
		return 0;
	arg += strlen(AF_PACKET_IFACE_ARG);
	n = strcspn(arg, ",");
	if (n == 0 || n >= sizeof(ifname))
		return -EINVAL;
	memcpy(ifname, arg, n);
	ifname[n] = '\0';
	/* IPv6 may already be off or absent from the kernel: not an error */
	sysctl_write(SYSCTL_V6_FMT, ifname, "disable_ipv6", "1");
	ret = sysctl_write(SYSCTL_V4_FMT, ifname, "arp_ignore", ARP_IGNORE_ALL);
	if (ret == 0)
		ret = sysctl_write(SYSCTL_V4_FMT, ifname, "rp_filter", RP_FILTER_STRICT);
	if (ret != 0)
		RTE_LOG(WARNING, DP, "%s: cannot keep the kernel stack off it: %s\n", ifname,
			strerror(-ret));
	return ret;
}
