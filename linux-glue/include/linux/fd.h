/*
 * linux/fd.h - the floppy interface of Linux 2.0: the medium geometry
 * (floppy_struct), per-drive parameters and state, error thresholds and
 * counters, the controller state, raw command blocks, and the FD* ioctl
 * numbers (type 2) that work on them.
 *
 * Written for this glue from the interface's names, field order and
 * types (drivers fill these structures positionally) and ioctl numbers;
 * the kernel passes no floppy ioctl on from user space, so they matter
 * only to the driver's own code.
 */
#ifndef _LINUX_FD_H
#define _LINUX_FD_H

#include <linux/ioctl.h>

/* A medium format. */
struct floppy_struct {
	unsigned int size;		/* sectors on the medium */
	unsigned int sect;		/* sectors per track */
	unsigned int head;		/* heads */
	unsigned int track;		/* cylinders */
	unsigned int stretch;		/* FD_STRETCH: step twice per cylinder; FD_SWAPSIDES */
	unsigned char gap;		/* gap 3 for reads and writes */
	unsigned char rate;		/* data-rate code, FD_2M, size code, FD_PERP */
	unsigned char spec1;		/* SPECIFY: step rate and head unload */
	unsigned char fmt_gap;		/* gap 3 for formatting */
	const char *name;		/* of the built-in formats */
};

#define FD_STRETCH 1
#define FD_SWAPSIDES 2

#define FD_2M 0x4			/* 2m format: 512-byte first track */
#define FD_SIZECODEMASK 0x38
/* The sector-size code N (bytes = 128 << N) kept in rate bits 3..5, biased by 2. */
#define FD_SIZECODE(fl) (((((fl)->rate & FD_SIZECODEMASK) >> 3) + 2) % 8)
#define FD_SECTSIZE(fl) ((fl)->rate & FD_2M ? 512 : 128 << FD_SIZECODE(fl))
#define FD_PERP 0x40			/* perpendicular recording */

/* ioctls: 0x40 in the number means write access, 0x80 super-user. */
#define FDCLRPRM _IO(2, 0x41)
#define FDSETPRM _IOW(2, 0x42, struct floppy_struct)
#define FDSETMEDIAPRM FDSETPRM
#define FDDEFPRM _IOW(2, 0x43, struct floppy_struct)
#define FDGETPRM _IOR(2, 0x04, struct floppy_struct)
#define FDDEFMEDIAPRM FDDEFPRM
#define FDGETMEDIAPRM FDGETPRM
#define FDMSGON _IO(2, 0x45)
#define FDMSGOFF _IO(2, 0x46)

/* Track formatting. */
#define FD_FILL_BYTE 0xf6

struct format_descr {
	unsigned int device;
	unsigned int head;
	unsigned int track;
};

#define FDFMTBEG _IO(2, 0x47)
#define FDFMTTRK _IOW(2, 0x48, struct format_descr)
#define FDFMTEND _IO(2, 0x49)

/* Error thresholds of a drive. */
struct floppy_max_errors {
	unsigned int abort;		/* errors that fail the request */
	unsigned int read_track;	/* errors after which whole-track reads stop */
	unsigned int reset;		/* errors after which the controller is reset */
	unsigned int recal;		/* errors after which the drive recalibrates */
	unsigned int reporting;		/* errors after which they are printed */
};

#define FDSETEMSGTRESH _IO(2, 0x4a)
#define FDFLUSH _IO(2, 0x4b)
#define FDSETMAXERRS _IOW(2, 0x4c, struct floppy_max_errors)
#define FDGETMAXERRS _IOR(2, 0x0e, struct floppy_max_errors)

typedef char floppy_drive_name[16];
#define FDGETDRVTYP _IOR(2, 0x0f, floppy_drive_name)

/* Drive parameters. */
struct floppy_drive_params {
	char cmos;			/* CMOS drive type (1..6) */
	unsigned long max_dtr;		/* fastest data rate, kbit/s */
	unsigned long hlt;		/* head load time, ms */
	unsigned long hut;		/* head unload time, ms */
	unsigned long srt;		/* step rate, us */
	unsigned long spinup;		/* spin-up time, jiffies */
	unsigned long spindown;		/* motor-off delay, jiffies */
	unsigned char spindown_offset;	/* where in the turn the motor stops */
	unsigned char select_delay;	/* wait after selecting, jiffies */
	unsigned char rps;		/* rotations per second */
	unsigned char tracks;		/* cylinders the head can reach */
	unsigned long timeout;		/* interrupt timeout, jiffies */
	unsigned char interleave_sect;	/* interleave above this many sectors */
	struct floppy_max_errors max_errors;
	char flags;			/* FTD_MSG, FD_BROKEN_DCL, ... */
	char read_track;		/* read whole tracks while probing */
	short autodetect[8];		/* formats tried in turn */
	int checkfreq;			/* disk-change poll interval, jiffies */
	int native_format;		/* the drive's own format */
};

#define FTD_MSG 0x10			/* print format detections and changes */
#define FD_BROKEN_DCL 0x20		/* the disk-change line cannot be trusted */
#define FD_DEBUG 0x02
#define FD_SILENT_DCL_CLEAR 0x4
#define FD_INVERTED_DCL 0x80

/* Bit numbers in floppy_drive_struct.flags. */
enum {
	FD_NEED_TWADDLE_BIT,
	FD_VERIFY_BIT,			/* check write protection on next access */
	FD_DISK_NEWCHANGE_BIT,		/* change seen, not acted on yet */
	FD_UNUSED_BIT,
	FD_DISK_CHANGED_BIT,		/* changed since the last I/O */
	FD_DISK_WRITABLE_BIT
};

#define FDSETDRVPRM _IOW(2, 0x90, struct floppy_drive_params)
#define FDGETDRVPRM _IOR(2, 0x11, struct floppy_drive_params)

/* Drive state. */
struct floppy_drive_struct {
	signed char flags;
	unsigned long spinup_date;
	unsigned long select_date;
	unsigned long first_read_date;
	short probed_format;
	short track;			/* head position, or a negative "unknown" code */
	short maxblock;			/* highest block read */
	short maxtrack;			/* highest half-track read */
	int generation;			/* disk changes seen */
	int keep_data;			/* keep user geometry across changes */
	int fd_ref;			/* opens */
	int fd_device;			/* minor of those opens */
	unsigned long last_checked;	/* jiffies of the last change check */
	char *dmabuf;
	int bufblocks;
};

#define FD_NEED_TWADDLE (1 << FD_NEED_TWADDLE_BIT)
#define FD_VERIFY (1 << FD_VERIFY_BIT)
#define FD_DISK_NEWCHANGE (1 << FD_DISK_NEWCHANGE_BIT)
#define FD_DISK_CHANGED (1 << FD_DISK_CHANGED_BIT)
#define FD_DISK_WRITABLE (1 << FD_DISK_WRITABLE_BIT)

#define FDGETDRVSTAT _IOR(2, 0x12, struct floppy_drive_struct)
#define FDPOLLDRVSTAT _IOR(2, 0x13, struct floppy_drive_struct)

enum reset_mode {
	FD_RESET_IF_NEEDED,
	FD_RESET_IF_RAWCMD,
	FD_RESET_ALWAYS
};
#define FDRESET _IO(2, 0x54)

/* Controller state. */
struct floppy_fdc_state {
	int spec1;			/* last SPECIFY bytes */
	int spec2;
	int dtr;			/* data rate selected */
	unsigned char version;		/* FDC_* */
	unsigned char dor;		/* last value written to the DOR */
	int address;			/* base port, or -1 */
	unsigned int rawcmd:2;
	unsigned int reset:1;
	unsigned int need_configure:1;
	unsigned int perp_mode:2;
	unsigned int has_fifo:1;
	unsigned int driver_version;
	unsigned char track[4];		/* heads' positions as the controller knows them */
};

#define FD_DRIVER_VERSION 0x100
#define FDGETFDCSTAT _IOR(2, 0x15, struct floppy_fdc_state)

/* Write errors of a drive. */
struct floppy_write_errors {
	unsigned int write_errors;
	unsigned long first_error_sector;
	int first_error_generation;
	unsigned long last_error_sector;
	int last_error_generation;
	unsigned int badness;		/* most retries one request needed */
};

#define FDWERRORCLR _IO(2, 0x56)
#define FDWERRORGET _IOR(2, 0x17, struct floppy_write_errors)

/* Raw controller commands, chained through `next` in the kernel. */
#define FDHAVEBATCHEDRAWCMD

struct floppy_raw_cmd {
	unsigned int flags;		/* FD_RAW_* */
	void *data;			/* user buffer */
	char *kernel_data;		/* its kernel copy */
	struct floppy_raw_cmd *next;
	long length;			/* DMA bytes; out: bytes left */
	long phys_length;
	int buffer_length;
	unsigned char rate;
	unsigned char cmd_count;
	unsigned char cmd[16];
	unsigned char reply_count;
	unsigned char reply[16];
	int track;
	int resultcode;
	int reserved1;
	int reserved2;
};

/* flags, in */
#define FD_RAW_READ 1
#define FD_RAW_WRITE 2
#define FD_RAW_NO_MOTOR 4
#define FD_RAW_INTR 8			/* the command ends with an interrupt */
#define FD_RAW_SPIN 0x10
#define FD_RAW_NO_MOTOR_AFTER 0x20
#define FD_RAW_NEED_DISK 0x40
#define FD_RAW_NEED_SEEK 0x80
#define FD_RAW_MORE 0x100
#define FD_RAW_STOP_IF_FAILURE 0x200
#define FD_RAW_STOP_IF_SUCCESS 0x400
#define FD_RAW_SOFTFAILURE 0x800
/* flags, out */
#define FD_RAW_DISK_CHANGE 4
#define FD_RAW_FAILURE 0x10000
#define FD_RAW_HARDFAILURE 0x20000

#define FDRAWCMD _IO(2, 0x58)
#define FDTWADDLE _IO(2, 0x59)
#define FDEJECT _IO(2, 0x5a)

#ifdef __KERNEL__
void floppy_eject(void);
#endif

#endif
