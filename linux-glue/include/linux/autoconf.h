/*
 * linux/autoconf.h - the static configuration the glue is built with.
 *
 * No modules, no /proc, PCI on, networking on. The IDE disk driver is
 * on, with triton.c's bus-master DMA (CONFIG_BLK_DEV_TRITON: a genuine
 * ide.c then needs a triton.c beside it). The other companions Linux
 * 2.0's ide.c calls into when their switch is set (ide-cd.c, ide-tape.c,
 * ide-floppy.c, ide-scsi.c, the rz1000.c and cmd640.c chipset fixes, the
 * VLB chipset tuners) are not part of the glue, so their switches stay
 * off: ide.c then reports ATAPI devices as unsupported. Per-driver
 * CONFIG_* switches are added by the driver build.
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
#undef CONFIG_BLK_DEV_IDETAPE
#undef CONFIG_BLK_DEV_IDEFLOPPY
#undef CONFIG_BLK_DEV_IDESCSI
#define CONFIG_BLK_DEV_TRITON 1
#undef CONFIG_BLK_DEV_RZ1000
#undef CONFIG_BLK_DEV_CMD640
#undef CONFIG_IDE_CHIPSETS
#undef CONFIG_BLK_DEV_PROMISE
#undef CONFIG_BLK_DEV_HD
#undef CONFIG_MODULES
#undef CONFIG_PROC_FS
#undef CONFIG_MAX_16M
#undef CONFIG_SMP

#endif
