/* linux/types.h - the kernel's scalar types (i386, Linux 2.0). */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <linux/glue_kernel.h>

#include <linux/config.h>
#include <linux/stddef.h>
#include <asm/types.h>

#ifndef _SSIZE_T
#define _SSIZE_T
typedef int ssize_t;
#endif

#ifndef _PTRDIFF_T
#define _PTRDIFF_T
typedef int ptrdiff_t;
#endif

#ifndef _TIME_T
#define _TIME_T
typedef long time_t;
#endif

#ifndef _CLOCK_T
#define _CLOCK_T
typedef long clock_t;
#endif

typedef int pid_t;
typedef unsigned short uid_t;
typedef unsigned short gid_t;
typedef unsigned short dev_t;
typedef unsigned long ino_t;
typedef unsigned short mode_t;
typedef unsigned short nlink_t;
typedef int daddr_t;
typedef long off_t;
typedef int key_t;
typedef long long loff_t;
typedef char *caddr_t;
typedef unsigned long kernel_off_t;

typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;

typedef unsigned char unchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;

typedef unsigned int __kernel_size_t;

#define __FD_SETSIZE 256
#define __NFDBITS (8 * sizeof(unsigned long))
#define __FDSET_LONGS (__FD_SETSIZE / __NFDBITS)

typedef struct fd_set {
	unsigned long fds_bits[__FDSET_LONGS];
} fd_set;

struct ustat {
	daddr_t f_tfree;
	ino_t f_tinode;
	char f_fname[6];
	char f_fpack[6];
};

#endif
