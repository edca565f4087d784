/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and their exception taps: queues, RSS, MTU, start/stop.
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#define DP_TAP_DESC 512 /* descriptors per tap queue */

/*
 * Bring up every configured port and its tap (EAL already probed both):
 * one rx queue per worker (as many as the device has; RSS on IP/UDP when
 * more than one), one tx queue per worker plus one for the main lcore when
 * the device has it, the configured MTU and descriptor counts.  The tap
 * gets one queue pair, the port's MAC, the port's addresses, link up.
 * Fills dp.ports and dp.port_of_ethdev.  0 or -errno (logged).
 */
int dp_ports_init(void);

/* Stop and close ports and taps (the taps' netdevs disappear). */
void dp_ports_close(void);

#endif /* DP_PORT_H */
