/*
 * linux/fdreg.h - the PC floppy disk controller (NEC uPD765, Intel
 * 8272A/82077AA/82078 and compatibles) as Linux 2.0's floppy.c names it:
 * register offsets, main status and ST0..ST3 result bits, command codes
 * and the version codes of FD_VERSION/FD_PARTID.
 *
 * Written for this glue from the controllers' datasheets (82077AA,
 * 82078) and the interface's names; values are the hardware's.
 */
#ifndef _LINUX_FDREG_H
#define _LINUX_FDREG_H

/*
 * Registers. A driver handling more than one controller defines FDPATCHES
 * first and FD_IOPORT then names the base of the controller `fdc`
 * (fdc_state[fdc].address); otherwise the first controller's fixed ports.
 */
#ifdef FDPATCHES
#define FD_IOPORT fdc_state[fdc].address
#define FD_STATUS (FD_IOPORT + 4)	/* main status register (read) */
#define FD_DATA (FD_IOPORT + 5)		/* command/result FIFO */
#define FD_DOR (FD_IOPORT + 2)		/* digital output register */
#define FD_DIR (FD_IOPORT + 7)		/* digital input register (read) */
#define FD_DCR (FD_IOPORT + 7)		/* data-rate (configuration) control (write) */
#else
#define FD_STATUS 0x3f4
#define FD_DATA 0x3f5
#define FD_DOR 0x3f2
#define FD_DIR 0x3f7
#define FD_DCR 0x3f7
#endif

/* Main status register. */
#define STATUS_BUSYMASK 0x0f		/* drives 0..3 seeking */
#define STATUS_BUSY 0x10		/* a command is in progress */
#define STATUS_DMA 0x20			/* non-DMA execution phase */
#define STATUS_DIR 0x40			/* set: the FIFO has a byte for the host */
#define STATUS_READY 0x80		/* the FIFO is ready (RQM) */

/* ST0. */
#define ST0_DS 0x03			/* unit */
#define ST0_HA 0x04			/* head */
#define ST0_NR 0x08			/* not ready */
#define ST0_ECE 0x10			/* equipment check (recalibrate did not find track 0) */
#define ST0_SE 0x20			/* seek (or recalibrate) ended */
#define ST0_INTR 0xc0			/* interrupt code: 00 normal, 01 abnormal, 10 invalid, 11 polling */

/* ST1. */
#define ST1_MAM 0x01			/* no ID address mark */
#define ST1_WP 0x02			/* medium write-protected */
#define ST1_ND 0x04			/* sector not found */
#define ST1_OR 0x10			/* overrun/underrun */
#define ST1_CRC 0x20			/* CRC error (ID or data) */
#define ST1_EOC 0x80			/* end of cylinder */

/* ST2. */
#define ST2_MAM 0x01			/* no data address mark */
#define ST2_BC 0x02			/* bad cylinder */
#define ST2_SNS 0x04			/* scan not satisfied */
#define ST2_SEH 0x08			/* scan equal hit */
#define ST2_WC 0x10			/* wrong cylinder */
#define ST2_CRC 0x20			/* CRC error in the data field */
#define ST2_CM 0x40			/* deleted data address mark met */

/* ST3 (SENSE DRIVE STATUS). */
#define ST3_HA 0x04			/* head */
#define ST3_DS 0x08			/* two-sided drive */
#define ST3_TZ 0x10			/* head on track 0 */
#define ST3_RY 0x20			/* drive ready */
#define ST3_WP 0x40			/* write-protected */
#define ST3_FT 0x80			/* drive fault */

/* Commands (first byte). */
#define FD_RECALIBRATE 0x07
#define FD_SEEK 0x0f
#define FD_READ 0xe6			/* READ DATA, multi-track, MFM, skip deleted */
#define FD_WRITE 0xc5			/* WRITE DATA, multi-track, MFM */
#define FD_SENSEI 0x08			/* SENSE INTERRUPT STATUS */
#define FD_SPECIFY 0x03
#define FD_FORMAT 0x4d			/* FORMAT TRACK, MFM */
#define FD_VERSION 0x10
#define FD_CONFIGURE 0x13
#define FD_PERPENDICULAR 0x12
#define FD_GETSTATUS 0x04		/* SENSE DRIVE STATUS */
#define FD_DUMPREGS 0x0e
#define FD_READID 0xea			/* READ ID, MFM */
#define FD_UNLOCK 0x14
#define FD_LOCK 0x94
#define FD_RSEEK_OUT 0x8f		/* relative seek towards track 0 */
#define FD_RSEEK_IN 0xcf		/* relative seek away from track 0 */
/* 82078 additions. */
#define FD_PARTID 0x18
#define FD_SAVE 0x2e
#define FD_DRIVESPEC 0x8e
#define FD_RESTORE 0x4e
#define FD_POWERDOWN 0x27
#define FD_FORMAT_N_WRITE 0xef
#define FD_OPTION 0x33

/* 8237A mode bytes for channel 2 (single transfer, increment). */
#define DMA_READ 0x46			/* device to memory */
#define DMA_WRITE 0x4a			/* memory to device */

/*
 * Controller kinds, ordered by features: a driver tests for a feature by
 * comparing with the oldest kind that has it.
 */
#define FDC_NONE 0x00
#define FDC_UNKNOWN 0x10
#define FDC_8272A 0x20			/* 8272A, uPD765 */
#define FDC_765ED 0x30			/* 765 with 1 Mbit/s, not detectable */
#define FDC_82072 0x40			/* FIFO and DUMPREGS */
#define FDC_82072A 0x45
#define FDC_82077_ORIG 0x51		/* 82077AA without LOCK */
#define FDC_82077 0x52
#define FDC_82078_UNKN 0x5f
#define FDC_82078 0x60
#define FDC_82078_1 0x61
#define FDC_S82078B 0x62
#define FDC_87306 0x63			/* National PC87306 */

/* Microseconds the reset bit stays down. */
#define FD_RESET_DELAY 20

#endif
