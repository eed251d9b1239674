/* linux/if_arp.h - hardware types (the ones the glue reports). */
#ifndef _LINUX_IF_ARP_H
#define _LINUX_IF_ARP_H

#define ARPHRD_NETROM 0
#define ARPHRD_ETHER 1
#define ARPHRD_EETHER 2
#define ARPHRD_AX25 3
#define ARPHRD_PRONET 4
#define ARPHRD_CHAOS 5
#define ARPHRD_IEEE802 6
#define ARPHRD_ARCNET 7
#define ARPHRD_APPLETLK 8
#define ARPHRD_DLCI 15
#define ARPHRD_METRICOM 23
#define ARPHRD_LOOPBACK 772

#endif
