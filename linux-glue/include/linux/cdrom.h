/*
 * linux/cdrom.h - the CD-ROM interface of Linux 2.0 that CD-ROM drivers
 * (ide-cd.c) are written against: disc geometry constants, address
 * formats, the CDROM* ioctl numbers and their argument structures.
 *
 * Written for this glue from the interface's documented names and values;
 * the kernel never passes these ioctls on from user space (GNU Mach's
 * device interface has no CD audio calls), so they matter only to the
 * driver's own code.
 */
#ifndef _LINUX_CDROM_H
#define _LINUX_CDROM_H

#include <linux/types.h>

/* Disc geometry (Red Book / Yellow Book). */
#define CD_MINS 74			/* minutes on a disc at most */
#define CD_SECS 60			/* seconds per minute */
#define CD_FRAMES 75			/* frames (sectors) per second */
#define CD_SYNC_SIZE 12
#define CD_HEAD_SIZE 4
#define CD_SUBHEAD_SIZE 8
#define CD_XA_HEAD (CD_HEAD_SIZE + CD_SUBHEAD_SIZE)
#define CD_XA_SYNC_HEAD (CD_SYNC_SIZE + CD_XA_HEAD)
#define CD_FRAMESIZE 2048		/* user data of a mode 1 frame */
#define CD_FRAMESIZE_RAW 2352		/* a whole frame */
#define CD_FRAMESIZE_RAW0 (CD_FRAMESIZE_RAW - CD_SYNC_SIZE - CD_HEAD_SIZE)
#define CD_FRAMESIZE_RAW1 (CD_FRAMESIZE_RAW - CD_SYNC_SIZE)
#define CD_FRAMESIZE_XA CD_FRAMESIZE_RAW1
#define CD_FRAMESIZE_SUB 96		/* subchannel data per frame */
#define CD_MSF_OFFSET 150		/* MSF 00:02:00 is LBA 0 */
#define CD_BLOCK_OFFSET CD_MSF_OFFSET
#define CD_CHUNK_SIZE 24
#define CD_NUM_OF_CHUNKS 98
#define CD_ECC_SIZE 276
#define CD_EDC_SIZE 4
#define CD_ZERO_SIZE 8
#define CD_AUX_SIZE 288

/* Address formats. */
#define CDROM_LBA 0x01
#define CDROM_MSF 0x02

/* Track control bits, the lead-out's track number. */
#define CDROM_DATA_TRACK 0x04
#define CDROM_LEADOUT 0xAA

/* Audio status (cdrom_subchnl.cdsc_audiostatus). */
#define CDROM_AUDIO_INVALID 0x00
#define CDROM_AUDIO_PLAY 0x11
#define CDROM_AUDIO_PAUSED 0x12
#define CDROM_AUDIO_COMPLETED 0x13
#define CDROM_AUDIO_ERROR 0x14
#define CDROM_AUDIO_NO_STATUS 0x15

/* The ioctls (type 0x53, 'S'). */
#define CDROMPAUSE 0x5301
#define CDROMRESUME 0x5302
#define CDROMPLAYMSF 0x5303		/* struct cdrom_msf */
#define CDROMPLAYTRKIND 0x5304		/* struct cdrom_ti */
#define CDROMREADTOCHDR 0x5305		/* struct cdrom_tochdr */
#define CDROMREADTOCENTRY 0x5306	/* struct cdrom_tocentry */
#define CDROMSTOP 0x5307
#define CDROMSTART 0x5308
#define CDROMEJECT 0x5309
#define CDROMVOLCTRL 0x530a		/* struct cdrom_volctrl */
#define CDROMSUBCHNL 0x530b		/* struct cdrom_subchnl */
#define CDROMREADMODE2 0x530c		/* struct cdrom_read, 2336 bytes */
#define CDROMREADMODE1 0x530d		/* struct cdrom_read, 2048 bytes */
#define CDROMREADAUDIO 0x530e		/* struct cdrom_read_audio */
#define CDROMEJECT_SW 0x530f		/* automatic eject on/off */
#define CDROMMULTISESSION 0x5310	/* struct cdrom_multisession */
#define CDROM_GET_UPC 0x5311		/* struct cdrom_mcn */
#define CDROM_GET_MCN CDROM_GET_UPC
#define CDROMRESET 0x5312
#define CDROMVOLREAD 0x5313		/* struct cdrom_volctrl */
#define CDROMREADRAW 0x5314		/* struct cdrom_msf in, 2352 bytes out */
#define CDROMREADCOOKED 0x5315
#define CDROMSEEK 0x5316
#define CDROMPLAYBLK 0x5317		/* struct cdrom_blk */
#define CDROMREADALL 0x5318
#define CDROMCLOSETRAY 0x5319
#define CDROMLOADFROMSLOT 0x531a	/* changer: load the disc of a slot */
#define CDROM_SET_OPTIONS 0x5320
#define CDROM_CLEAR_OPTIONS 0x5321
#define CDROM_SELECT_SPEED 0x5322
#define CDROM_SELECT_DISC 0x5323
#define CDROM_MEDIA_CHANGED 0x5325
#define CDROM_DRIVE_STATUS 0x5326
#define CDROM_DISC_STATUS 0x5327
#define CDROM_CHANGER_NSLOTS 0x5328
#define CDROMREADMODE CDROMREADMODE1	/* older name */

/* Audio and table-of-contents command codes (SCSI-2/MMC operation codes). */
#define SCMD_READ_SUBCHANNEL 0x42
#define SCMD_READ_TOC 0x43
#define SCMD_READ_HEADER 0x44
#define SCMD_PLAYAUDIO10 0x45
#define SCMD_PLAYAUDIO_MSF 0x47
#define SCMD_PLAYAUDIO_TI 0x48
#define SCMD_PLAYTRACK_REL10 0x49
#define SCMD_PAUSE_RESUME 0x4B
#define SCMD_PLAYAUDIO12 0xA5
#define SCMD_PLAYTRACK_REL12 0xA9

/* CDROM_SELECT_DISC / CDROM_MEDIA_CHANGED: "any slot" and "the current one". */
#define CDSL_NONE ((int)(~0U >> 1) - 1)
#define CDSL_CURRENT ((int)(~0U >> 1))

/* A time on the disc (minute, second, frame). */
struct cdrom_msf0 {
	u_char minute;
	u_char second;
	u_char frame;
};

union cdrom_addr {
	struct cdrom_msf0 msf;
	int lba;
};

/* CDROMPLAYMSF, CDROMREADRAW...: a range of MSF times. */
struct cdrom_msf {
	u_char cdmsf_min0;
	u_char cdmsf_sec0;
	u_char cdmsf_frame0;
	u_char cdmsf_min1;
	u_char cdmsf_sec1;
	u_char cdmsf_frame1;
};

/* CDROMPLAYTRKIND: from track/index to track/index. */
struct cdrom_ti {
	u_char cdti_trk0;
	u_char cdti_ind0;
	u_char cdti_trk1;
	u_char cdti_ind1;
};

/* CDROMREADTOCHDR: first and last track. */
struct cdrom_tochdr {
	u_char cdth_trk0;
	u_char cdth_trk1;
};

/* CDROMVOLCTRL, CDROMVOLREAD: the four output channels' volumes. */
struct cdrom_volctrl {
	u_char channel0;
	u_char channel1;
	u_char channel2;
	u_char channel3;
};

/* CDROMSUBCHNL: where the audio play is. */
struct cdrom_subchnl {
	u_char cdsc_format;
	u_char cdsc_audiostatus;
	u_char cdsc_adr : 4;
	u_char cdsc_ctrl : 4;
	u_char cdsc_trk;
	u_char cdsc_ind;
	union cdrom_addr cdsc_absaddr;
	union cdrom_addr cdsc_reladdr;
};

/* CDROMREADTOCENTRY: one track's start. */
struct cdrom_tocentry {
	u_char cdte_track;
	u_char cdte_adr : 4;
	u_char cdte_ctrl : 4;
	u_char cdte_format;
	union cdrom_addr cdte_addr;
	u_char cdte_datamode;
};

/* CDROMREADMODE1/2. */
struct cdrom_read {
	int cdread_lba;
	char *cdread_bufaddr;
	int cdread_buflen;
};

/* CDROMREADAUDIO: raw audio frames. */
struct cdrom_read_audio {
	union cdrom_addr addr;
	u_char addr_format;
	int nframes;
	u_char *buf;
};

/* CDROMMULTISESSION: the last session's start. */
struct cdrom_multisession {
	union cdrom_addr addr;
	u_char xa_flag;
	u_char addr_format;
};

/* CDROM_GET_MCN: the medium catalogue number (13 digits). */
struct cdrom_mcn {
	u_char medium_catalog_number[14];
};

/* CDROMPLAYBLK. */
struct cdrom_blk {
	unsigned from;
	unsigned short len;
};

#endif /* _LINUX_CDROM_H */
