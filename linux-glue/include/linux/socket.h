/* linux/socket.h - socket address families (the names drivers see). */
#ifndef _LINUX_SOCKET_H
#define _LINUX_SOCKET_H

#include <linux/sockios.h>	/* the SIOCxxx I/O controls */

struct sockaddr {
	unsigned short sa_family;
	char sa_data[14];
};

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_AX25 3
#define AF_IPX 4
#define AF_APPLETALK 5
#define AF_NETROM 6
#define AF_BRIDGE 7
#define AF_AAL5 8
#define AF_X25 9
#define AF_INET6 10
#define AF_MAX 12

#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET

#endif
