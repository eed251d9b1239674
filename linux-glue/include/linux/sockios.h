/*
 * linux/sockios.h - the socket I/O control numbers drivers' do_ioctl
 * handlers compare against (Linux 2.0 values). Only the device-private
 * range and the interface controls a driver may see are given; nothing in
 * this kernel issues them yet.
 */
#ifndef _LINUX_SOCKIOS_H
#define _LINUX_SOCKIOS_H

#define SIOCGIFFLAGS	0x8913	/* get interface flags */
#define SIOCSIFFLAGS	0x8914	/* set interface flags */
#define SIOCGIFMTU	0x8921	/* get the MTU */
#define SIOCSIFMTU	0x8922	/* set the MTU */
#define SIOCGIFHWADDR	0x8927	/* get the hardware address */
#define SIOCADDMULTI	0x8931	/* add a multicast address */
#define SIOCDELMULTI	0x8932	/* delete a multicast address */
#define SIOCGIFMAP	0x8970	/* get the device's I/O map */
#define SIOCSIFMAP	0x8971	/* set the device's I/O map */

/* 16 controls each driver may give its own meaning (MII access in many). */
#define SIOCDEVPRIVATE	0x89F0	/* to 0x89FF */

#endif
