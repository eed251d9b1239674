/* linux/version.h - the Linux release the glue emulates: 2.0.36. */
#ifndef _LINUX_VERSION_H
#define _LINUX_VERSION_H

#define UTS_RELEASE "2.0.36"
#define LINUX_VERSION_CODE 131108	/* 0x020024 */
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))

#endif
