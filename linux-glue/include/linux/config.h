/* linux/config.h - configuration switches (see linux/autoconf.h). */
#ifndef _LINUX_CONFIG_H
#define _LINUX_CONFIG_H

#include <linux/glue_kernel.h>

#include <linux/autoconf.h>

#endif
