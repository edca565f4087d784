# SPDX-License-Identifier: BSD-3-Clause
# Sourced by scripts/bench and scripts/bench_ab: the rig's sn-dataplane
# configuration (port "in" = net_pcap replaying a pcap forever, port
# "out" = net_null; main lcore 0, one worker on lcore 1).

BENCH_MBUFS=131071 # both sides of the rig (testpmd --total-num-mbufs)

# bench_write_conf N PCAP CONF SHM SOCK PREFIX TAP MEM_MB: the config for
# N sessions/allocations, in CONF: leg-A addresses on port "in", leg-B
# (relayed and TURN server) addresses on port "out"; shm file SHM, admin
# socket SOCK, DPDK file prefix PREFIX, taps TAP0 and TAP1, MEM_MB of
# memory.  Needs $GEN (scripts/bench_gen.py).
bench_write_conf() {
	local n=$1 pcap=$2 conf=$3 shm=$4 sock=$5 prefix=$6 tap=$7 mem=$8 addrs_in addrs_out
	{ read -r addrs_in; read -r addrs_out; } < <($GEN addrs "$n")
	{
		cat <<EOF
[dataplane]
main_lcore = 0
workers = 1
huge = auto
mem_mb = $mem
mbufs = $BENCH_MBUFS
max_sessions = 1048576
shm_path = $shm
file_prefix = $prefix
[port in]
device = net_pcap0,rx_pcap=$pcap,infinite_rx=1
tap = ${tap}0
gateway_mac = 02:00:00:00:00:01
EOF
		for a in $addrs_in; do echo "address = $a/24"; done
		cat <<EOF
[port out]
device = net_null0,no-rx=1
tap = ${tap}1
gateway_mac = 02:00:00:00:00:02
EOF
		for a in $addrs_out; do echo "address = $a/24"; done
		cat <<EOF
[relay]
stun_port = 3478
port_min = 4000
port_max = 65535
[control]
admin_socket = $sock
idle_timeout_s = 0
log_level = warn
[turn]
# the default 5349 is inside the relay range above
tls_ports = 443
EOF
	} >"$conf"
}
