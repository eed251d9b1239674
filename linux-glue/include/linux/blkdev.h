/*
 * linux/blkdev.h - block I/O requests and the per-major request queues.
 *
 * A request covers nr_sectors consecutive 512-byte sectors from `sector`,
 * as a chain of buffer heads (bh .. bhtail); buffer and
 * current_nr_sectors describe the first one. The driver's request_fn takes
 * requests from blk_dev[major].current_request.
 */
#ifndef _LINUX_BLKDEV_H
#define _LINUX_BLKDEV_H

#include <linux/major.h>
#include <linux/sched.h>
#include <linux/genhd.h>
#include <linux/tqueue.h>
#include <linux/fs.h>

struct request {
	volatile int rq_status;
#define RQ_INACTIVE (-1)
#define RQ_ACTIVE 1
#define RQ_SCSI_BUSY 0xffff
#define RQ_SCSI_DONE 0xfffe
#define RQ_SCSI_DISCONNECTING 0xffe0
	kdev_t rq_dev;
	int cmd;
	int errors;
	unsigned long sector;
	unsigned long nr_sectors;
	unsigned long current_nr_sectors;
	char *buffer;
	struct semaphore *sem;
	struct buffer_head *bh;
	struct buffer_head *bhtail;
	struct request *next;
};

struct blk_dev_struct {
	void (*request_fn)(void);
	struct request *current_request;
	struct request plug;
	struct tq_struct plug_tq;
};

struct sec_size {
	unsigned block_size;
	unsigned block_size_bits;
};

extern struct sec_size *blk_sec[MAX_BLKDEV];
extern struct blk_dev_struct blk_dev[MAX_BLKDEV];
extern struct wait_queue *wait_for_request;
extern void resetup_one_dev(struct gendisk *dev, int drive);
extern void unplug_device(void *data);
extern void make_request(int major, int rw, struct buffer_head *bh);

extern int *blk_size[MAX_BLKDEV];
extern int *blksize_size[MAX_BLKDEV];
extern int *hardsect_size[MAX_BLKDEV];
extern int read_ahead[MAX_BLKDEV];

#endif
