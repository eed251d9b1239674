/* linux/in.h - Internet addresses and protocol numbers (the basics). */
#ifndef _LINUX_IN_H
#define _LINUX_IN_H

#include <linux/types.h>

enum {
	IPPROTO_IP = 0,
	IPPROTO_ICMP = 1,
	IPPROTO_IGMP = 2,
	IPPROTO_IPIP = 4,
	IPPROTO_TCP = 6,
	IPPROTO_EGP = 8,
	IPPROTO_PUP = 12,
	IPPROTO_UDP = 17,
	IPPROTO_IDP = 22,
	IPPROTO_RAW = 255,
	IPPROTO_MAX
};

struct in_addr {
	__u32 s_addr;
};

#define __SOCK_SIZE__ 16

struct sockaddr_in {
	short int sin_family;
	unsigned short int sin_port;
	struct in_addr sin_addr;
	unsigned char __pad[__SOCK_SIZE__ - sizeof(short int) -
			    sizeof(unsigned short int) - sizeof(struct in_addr)];
};

#define INADDR_ANY ((unsigned long int)0x00000000)
#define INADDR_BROADCAST ((unsigned long int)0xffffffff)
#define INADDR_NONE ((unsigned long int)0xffffffff)
#define INADDR_LOOPBACK 0x7f000001

#include <asm/byteorder.h>

#endif
