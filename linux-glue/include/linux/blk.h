/*
 * linux/blk.h - the request-queue helpers a block driver instantiates.
 *
 * A driver defines MAJOR_NR (or IDE_DRIVER, for ide.c and its helpers)
 * before including this header and gets, for its major: DEVICE_NAME,
 * DEVICE_REQUEST, DEVICE_NR, DEVICE_ON/OFF, DEVICE_INTR with SET_INTR and
 * CLEAR_INTR, CURRENT (the head request), INIT_REQUEST, and
 * end_request(uptodate) (ide_end_request(uptodate, hwgroup) for IDE).
 *
 * end_request finishes the first buffer of the current request: marks it
 * up to date (or not), unlocks it (waking its waiters) and moves the
 * request on to its next buffer; after the last buffer it unlinks the
 * request, ups its semaphore if one waits, makes the slot inactive and
 * wakes wait_for_request. On an error only that buffer fails; sector and
 * nr_sectors move on to the next soft block.
 */
#ifndef _BLK_H
#define _BLK_H

#include <linux/blkdev.h>
#include <linux/locks.h>
#include <linux/config.h>

/* Sectors per soft block of the current request's minor, minus one. */
#define SECTOR_MASK (blksize_size[MAJOR_NR] &&					\
	blksize_size[MAJOR_NR][MINOR(CURRENT->rq_dev)] ?			\
	((blksize_size[MAJOR_NR][MINOR(CURRENT->rq_dev)] >> 9) - 1) :		\
	((BLOCK_SIZE >> 9) - 1))

#define SUBSECTOR(block) (CURRENT->current_nr_sectors > 0)

extern void add_blkdev_randomness(int major);
extern int blk_dev_init(void);
extern int ide_init(void);
extern int floppy_init(void);
extern int ahci_init(void);
extern int scsi_dev_init(void);
extern int net_dev_init(void);
extern void set_device_ro(kdev_t dev, int flag);
extern unsigned long rd_init(unsigned long mem_start, int length);
/* The glue's block bridge: told of every retiring request (interrupts
 * off), it completes the kernel's own requests (linux-glue/src/block.c). */
extern void glue_blk_retired(struct request *req);

#if defined(MAJOR_NR) || defined(IDE_DRIVER)

#if defined(IDE_DRIVER)

#define DEVICE_NAME "ide"
/* Each drive owns 1 << PARTN_BITS minors (ide.h's PARTN_BITS, 6). */
#define DEVICE_NR(device) (MINOR(device) >> PARTN_BITS)
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#elif (MAJOR_NR == RAMDISK_MAJOR)

#define DEVICE_NAME "ramdisk"
#define DEVICE_REQUEST rd_request
#define DEVICE_NR(device) (MINOR(device))
#define DEVICE_ON(device)
#define DEVICE_OFF(device)
#define DEVICE_NO_RANDOM

#elif (MAJOR_NR == FLOPPY_MAJOR)

/* The floppy driver's own (static, as in Linux 2.0). */
static void floppy_off(unsigned int nr);
#define DEVICE_NAME "floppy"
#define DEVICE_INTR do_floppy
#define DEVICE_REQUEST do_fd_request
#define DEVICE_NR(device) ((MINOR(device) & 3) | ((MINOR(device) & 0x80) >> 5))
#define DEVICE_ON(device)
#define DEVICE_OFF(device) floppy_off(DEVICE_NR(device))

#elif (MAJOR_NR == HD_MAJOR)

#define DEVICE_NAME "harddisk"
#define DEVICE_INTR do_hd
#define DEVICE_TIMEOUT HD_TIMER
#define TIMEOUT_VALUE (6 * HZ)
#define DEVICE_REQUEST do_hd_request
#define DEVICE_NR(device) (MINOR(device) >> 6)
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#elif (MAJOR_NR == SCSI_DISK_MAJOR)

#define DEVICE_NAME "scsidisk"
#define DEVICE_INTR do_sd
#define TIMEOUT_VALUE (2 * HZ)
#define DEVICE_REQUEST do_sd_request
#define DEVICE_NR(device) (MINOR(device) >> 4)
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#elif (MAJOR_NR == SCSI_TAPE_MAJOR)

#define DEVICE_NAME "scsitape"
#define DEVICE_INTR do_st
#define DEVICE_NR(device) (MINOR(device) & 0x7f)
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#elif (MAJOR_NR == SCSI_CDROM_MAJOR)

#define DEVICE_NAME "CD-ROM"
#define DEVICE_REQUEST do_sr_request
#define DEVICE_NR(device) (MINOR(device))
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#elif (MAJOR_NR == XT_DISK_MAJOR)

#define DEVICE_NAME "xt disk"
#define DEVICE_REQUEST do_xd_request
#define DEVICE_NR(device) (MINOR(device) >> 6)
#define DEVICE_ON(device)
#define DEVICE_OFF(device)

#else

/* Any other major: the driver names itself. */
#ifndef DEVICE_NAME
#define DEVICE_NAME "block device"
#endif
#ifndef DEVICE_NR
#define DEVICE_NR(device) (MINOR(device))
#endif
#ifndef DEVICE_ON
#define DEVICE_ON(device)
#endif
#ifndef DEVICE_OFF
#define DEVICE_OFF(device)
#endif

#endif /* per-major definitions */

#if !defined(IDE_DRIVER)

#ifndef CURRENT
#define CURRENT (blk_dev[MAJOR_NR].current_request)
#endif

#define CURRENT_DEV DEVICE_NR(CURRENT->rq_dev)

#ifdef DEVICE_INTR
static void (*DEVICE_INTR)(void) = NULL;
#endif

#ifdef DEVICE_TIMEOUT
#define SET_TIMER							\
	((timer_table[DEVICE_TIMEOUT].expires = jiffies + TIMEOUT_VALUE),	\
	 (timer_active |= 1 << DEVICE_TIMEOUT))
#define CLEAR_TIMER timer_active &= ~(1 << DEVICE_TIMEOUT)
#define SET_INTR(x)							\
	if ((DEVICE_INTR = (x)) != NULL)				\
		SET_TIMER;						\
	else								\
		CLEAR_TIMER;
#else
#define SET_INTR(x) (DEVICE_INTR = (x))
#endif

#ifdef DEVICE_INTR
#define CLEAR_INTR SET_INTR(NULL)
#else
#define CLEAR_INTR
#endif

#ifdef DEVICE_REQUEST
static void (DEVICE_REQUEST)(void);
#endif

/* Returns from the request function when the queue is empty; stops on a corrupted queue. */
#define INIT_REQUEST							\
	if (!CURRENT) {							\
		CLEAR_INTR;						\
		return;							\
	}								\
	if (MAJOR(CURRENT->rq_dev) != MAJOR_NR)				\
		panic(DEVICE_NAME ": request list destroyed");		\
	if (CURRENT->bh) {						\
		if (!buffer_locked(CURRENT->bh))			\
			panic(DEVICE_NAME ": block not locked");	\
	}

#endif /* !IDE_DRIVER */

/* Finishes the first buffer of `req`; returns 1 when the whole request is done. */
static inline int __glue_end_buffer(struct request *req, int uptodate, unsigned long sector_mask)
{
	struct buffer_head *bh;

	req->errors = 0;
	if (!uptodate) {
		printk("end_request: I/O error, dev %s, sector %lu\n",
		       kdevname(req->rq_dev), req->sector);
		req->nr_sectors--;
		req->nr_sectors &= ~sector_mask;
		req->sector += BLOCK_SIZE / 512;
		req->sector &= ~sector_mask;
	}
	bh = req->bh;
	if (bh) {
		req->bh = bh->b_reqnext;
		bh->b_reqnext = NULL;
		mark_buffer_uptodate(bh, uptodate);
		unlock_buffer(bh);
		bh = req->bh;
		if (bh) {
			req->current_nr_sectors = bh->b_size >> 9;
			if (req->nr_sectors < req->current_nr_sectors) {
				req->nr_sectors = req->current_nr_sectors;
				printk("end_request: buffer-list destroyed\n");
			}
			req->buffer = bh->b_data;
			return 0;
		}
	}
	return 1;
}

/* Retires a finished request whose queue has already moved past it. */
static inline void __glue_retire_request(struct request *req)
{
#ifndef DEVICE_NO_RANDOM
	add_blkdev_randomness(MAJOR(req->rq_dev));
#endif
	if (req->sem != NULL)
		up(req->sem);
	req->rq_status = RQ_INACTIVE;
	wake_up(&wait_for_request);
	glue_blk_retired(req);
}

#if !SCSI_BLK_MAJOR(MAJOR_NR)

#if defined(IDE_DRIVER)

#if !defined(_IDE_C)
void ide_end_request(byte uptodate, ide_hwgroup_t *hwgroup);
#else
void ide_end_request(byte uptodate, ide_hwgroup_t *hwgroup)
{
	struct request *req = hwgroup->rq;

	if (!__glue_end_buffer(req, uptodate, (BLOCK_SIZE >> 9) - 1))
		return;
	blk_dev[MAJOR(req->rq_dev)].current_request = req->next;
	hwgroup->rq = NULL;
	__glue_retire_request(req);
}
#endif

#else /* !IDE_DRIVER */

static void end_request(int uptodate)
{
	struct request *req = CURRENT;

	if (!__glue_end_buffer(req, uptodate, SECTOR_MASK))
		return;
	DEVICE_OFF(req->rq_dev);
	CURRENT = req->next;
	__glue_retire_request(req);
}

#endif /* IDE_DRIVER */

#endif /* !SCSI_BLK_MAJOR(MAJOR_NR) */

#endif /* defined(MAJOR_NR) || defined(IDE_DRIVER) */

#endif
