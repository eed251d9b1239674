/*
 * ide_modes.h - the PIO timing tables the Linux 2.0 IDE chipset tuners
 * share (cmd640, ht6560b, ali14xx, ...).
 *
 * ide.c includes this header unconditionally, but only the chipset
 * tuning drivers use what it holds. None of them is configured here
 * (linux/autoconf.h leaves CONFIG_BLK_DEV_CMD640 and
 * CONFIG_IDE_CHIPSETS undefined): drives run at whatever PIO mode the
 * BIOS or the drive's power-on default chose, so the header is empty.
 */
#ifndef _IDE_MODES_H
#define _IDE_MODES_H

#if defined(CONFIG_BLK_DEV_CMD640) || defined(CONFIG_IDE_CHIPSETS)
#error "IDE chipset tuning is not supported by this glue"
#endif

#endif /* _IDE_MODES_H */
