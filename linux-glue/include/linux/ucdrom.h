/*
 * linux/ucdrom.h - the Uniform CD-ROM layer's declarations (Linux 2.0.3x):
 * the capability, status and option bits a driver describes its drive
 * with. Linux 2.0's ide-cd.c includes this header; its ide.c path uses
 * none of the layer's functions, which this glue does not have.
 */
#ifndef _LINUX_UCDROM_H
#define _LINUX_UCDROM_H

#include <linux/cdrom.h>

/* Drive capabilities (cdrom_device_info.capability). */
#define CDC_CLOSE_TRAY 0x1
#define CDC_OPEN_TRAY 0x2
#define CDC_LOCK 0x4
#define CDC_SELECT_SPEED 0x8
#define CDC_SELECT_DISC 0x10
#define CDC_MULTI_SESSION 0x20
#define CDC_MCN 0x40
#define CDC_MEDIA_CHANGED 0x80
#define CDC_PLAY_AUDIO 0x100

/* CDROM_DRIVE_STATUS / CDROM_DISC_STATUS answers. */
#define CDS_NO_INFO 0
#define CDS_NO_DISC 1
#define CDS_TRAY_OPEN 2
#define CDS_DRIVE_NOT_READY 3
#define CDS_DISC_OK 4
#define CDS_AUDIO 100
#define CDS_DATA_1 101
#define CDS_DATA_2 102
#define CDS_XA_2_1 103
#define CDS_XA_2_2 104

/* CDROM_SET_OPTIONS bits. */
#define CDO_AUTO_CLOSE 0x1
#define CDO_AUTO_EJECT 0x2
#define CDO_USE_FFLAGS 0x4
#define CDO_LOCK 0x8
#define CDO_CHECK_TYPE 0x10

#endif /* _LINUX_UCDROM_H */
