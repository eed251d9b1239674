/*
 * linux/autoconf.h - the static configuration the glue is built with.
 *
 * No modules, no /proc, PCI on, networking on; the block options ide.c
 * tests. Per-driver CONFIG_* switches are added by the driver build.
 */
#ifndef _LINUX_AUTOCONF_H
#define _LINUX_AUTOCONF_H

#define CONFIG_M586 1
#define CONFIG_NET 1
#define CONFIG_INET 1
#define CONFIG_PCI 1
#define CONFIG_PCI_OPTIMIZE 1
#define CONFIG_BLK_DEV_IDE 1
#define CONFIG_BLK_DEV_IDECD 1
#define CONFIG_BLK_DEV_RZ1000 1
#define CONFIG_BLK_DEV_TRITON 1
#undef CONFIG_MODULES
#undef CONFIG_PROC_FS
#undef CONFIG_MAX_16M
#undef CONFIG_SMP

#endif
