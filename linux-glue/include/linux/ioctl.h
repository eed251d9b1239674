/* linux/ioctl.h - ioctl command encoding (asm/ioctl.h). */
#ifndef _LINUX_IOCTL_H
#define _LINUX_IOCTL_H

#include <asm/ioctl.h>

#endif
