/*
 * linux/major.h - device major numbers of Linux 2.0.
 */
#ifndef _LINUX_MAJOR_H
#define _LINUX_MAJOR_H

/* Block and character majors share one number space of 128 entries. */
#define MAX_CHRDEV 128
#define MAX_BLKDEV 128

#define UNNAMED_MAJOR              0
#define MEM_MAJOR                  1
#define RAMDISK_MAJOR              1
#define FLOPPY_MAJOR               2
#define PTY_MASTER_MAJOR           2
#define IDE0_MAJOR                 3
#define PTY_SLAVE_MAJOR            3
#define HD_MAJOR                   IDE0_MAJOR
#define TTY_MAJOR                  4
#define TTYAUX_MAJOR               5
#define LP_MAJOR                   6
#define VCS_MAJOR                  7
#define LOOP_MAJOR                 7
#define SCSI_DISK_MAJOR            8
#define SCSI_TAPE_MAJOR            9
#define MD_MAJOR                   9
#define MISC_MAJOR                 10
#define SCSI_CDROM_MAJOR           11
#define QIC02_TAPE_MAJOR           12
#define XT_DISK_MAJOR              13
#define SOUND_MAJOR                14
#define CDU31A_CDROM_MAJOR         15
#define JOYSTICK_MAJOR             15
#define GOLDSTAR_CDROM_MAJOR       16
#define OPTICS_CDROM_MAJOR         17
#define SANYO_CDROM_MAJOR          18
#define CYCLADES_MAJOR             19
#define CYCLADESAUX_MAJOR          20
#define MITSUMI_X_CDROM_MAJOR      20
#define SCSI_GENERIC_MAJOR         21
#define IDE1_MAJOR                 22
#define DIGI_MAJOR                 22
#define DIGICU_MAJOR               23
#define MITSUMI_CDROM_MAJOR        23
#define CDU535_CDROM_MAJOR         24
#define STL_SERIALMAJOR            24
#define MATSUSHITA_CDROM_MAJOR     25
#define STL_CALLOUTMAJOR           25
#define MATSUSHITA_CDROM2_MAJOR    26
#define QIC117_TAPE_MAJOR          27
#define MATSUSHITA_CDROM3_MAJOR    27
#define MATSUSHITA_CDROM4_MAJOR    28
#define STL_SIOMEMMAJOR            28
#define AZTECH_CDROM_MAJOR         29
#define CM206_CDROM_MAJOR          32
#define IDE2_MAJOR                 33
#define IDE3_MAJOR                 34
#define NETLINK_MAJOR              36
#define IDETAPE_MAJOR              37
#define RISCOM8_NORMAL_MAJOR       48
#define RISCOM8_CALLOUT_MAJOR      49
#define MKISS_MAJOR                55
#define IDE4_MAJOR                 56	/* later 2.0.x ide.c: ide4 and ide5 */
#define IDE5_MAJOR                 57
#define APBLOCK_MAJOR              60
#define DDV_MAJOR                  61
#define SPECIALIX_NORMAL_MAJOR     75
#define SPECIALIX_CALLOUT_MAJOR    76

/* Majors whose minors are SCSI devices. */
#define SCSI_BLK_MAJOR(M) ((M) == SCSI_DISK_MAJOR || (M) == SCSI_CDROM_MAJOR)

#endif
