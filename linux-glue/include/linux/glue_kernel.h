/*
 * linux/glue_kernel.h - every file built against these headers is kernel
 * code: __KERNEL__ is defined here (the build does not pass -D__KERNEL__),
 * and every header that tests it includes this one first.
 */
#ifndef _LINUX_GLUE_KERNEL_H
#define _LINUX_GLUE_KERNEL_H

#ifndef __KERNEL__
#define __KERNEL__ 1
#endif

#endif
