/*
 * floppy.c - the PC floppy controller (NEC 765 / Intel 82077AA at 0x3f0,
 * IRQ 6, ISA DMA channel 2), Linux 2.0 style, written for this kernel from
 * the 82077AA datasheet (no code of Linux's floppy.c). Drive 0 only, a
 * 3.5" 1.44 MB disk (80 cylinders, 2 heads, 18 sectors of 512 bytes, MFM
 * at 500 kbit/s), as the CMOS describes it (register 0x10, high nibble 4).
 *
 * Block layer: register_blkdev(FLOPPY_MAJOR, "fd"), minor 0 = fd0, its
 * size in blk_size[] (no gendisk: a floppy has no partitions), requests
 * through do_fd_request and end_request.
 *
 * A transfer moves at most the sectors left on one track side through a
 * bounce buffer below 16 MiB that no 64 KiB boundary crosses (ISA DMA):
 * RECALIBRATE once, SEEK when the cylinder changes, then READ DATA or
 * WRITE DATA (MFM, 512-byte sectors); every command ends with an
 * interrupt, SEEK and RECALIBRATE ones with SENSE INTERRUPT STATUS. A
 * command that fails or does not answer in FD_TIMEOUT is retried after a
 * controller reset, FD_ERRORS times at most, then the request fails.
 *
 * Medium changes: the disk-change line (DIR bit 7) is looked at before
 * every request; once it is seen, requests fail until an open looks at
 * the drive (check_disk_change: fd_media_change, fd_revalidate), which
 * steps the head out and back to clear the line; if it stays set, no
 * medium is in and the open fails with ENXIO.
 */
#include <linux/config.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/ioport.h>
#include <linux/interrupt.h>
#include <linux/major.h>
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/io.h>
#include <asm/dma.h>
#include <asm/irq.h>
#include <asm/system.h>

#define MAJOR_NR FLOPPY_MAJOR
#include <linux/blk.h>

#define FD_BASE 0x3f0
#define FD_DOR (FD_BASE + 2)	/* digital output: drive, reset, DMA gate, motors */
#define FD_MSR (FD_BASE + 4)	/* main status */
#define FD_DATA (FD_BASE + 5)	/* command/result FIFO */
#define FD_CCR (FD_BASE + 7)	/* configuration control: data rate (write) */
#define FD_DIR (FD_BASE + 7)	/* digital input (read): bit 7, disk changed */
#define DIR_DSKCHG 0x80
#define FD_IRQ 6
#define FD_DMA 2

#define DOR_NRESET 0x04
#define DOR_DMAGATE 0x08
#define DOR_MOTOR0 0x10

#define MSR_RQM 0x80
#define MSR_DIO 0x40		/* the FIFO has a byte for the host */

#define FD_SPECIFY 0x03
#define FD_RECALIBRATE 0x07
#define FD_SENSEI 0x08
#define FD_SEEK 0x0f
#define FD_READ 0xe6		/* MT, MFM, skip deleted */
#define FD_WRITE 0xc5		/* MT, MFM */

#define FD_CYLS 80
#define FD_HEADS 2
#define FD_SECTS 18
#define FD_SIZE (FD_CYLS * FD_HEADS * FD_SECTS)	/* 2880 sectors */

#define FD_TIMEOUT (3 * HZ)
#define FD_ERRORS 4

enum fd_state { FD_IDLE, FD_STATE_RESET, FD_STATE_RECAL, FD_STATE_SEEK, FD_STATE_RW, FD_STATE_POLL };

static enum fd_state fd_state = FD_IDLE;
static int fd_calibrated;	/* the head position is known */
static int fd_cyl = -1;		/* where the head is */
static unsigned long fd_chunk;	/* sectors of the transfer in progress */
static char *fd_bounce;		/* ISA DMA buffer, one track side */
static struct timer_list fd_timer;
static int fd_sizes[4];
static int fd_blksizes[4];
static int fd_busy;
static int fd_changed;		/* the medium changed (or is gone) since the last open looked */
static volatile int fd_poll_done;	/* FD_STATE_POLL: the command's interrupt came */
static int fd_poll_st0;

static void fd_start(void);
static void fd_reset(void);

/* Sends a command byte; 0, or -1 if the controller does not take it. */
static int fd_out(unsigned char b)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if ((inb(FD_MSR) & (MSR_RQM | MSR_DIO)) == MSR_RQM) {
			outb(b, FD_DATA);
			return 0;
		}
		udelay(1);
	}
	printk("fd0: controller does not take a command byte\n");
	return -1;
}

/* Reads a result byte, or -1. */
static int fd_in(void)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if ((inb(FD_MSR) & (MSR_RQM | MSR_DIO)) == (MSR_RQM | MSR_DIO))
			return inb(FD_DATA);
		udelay(1);
	}
	return -1;
}

static void fd_arm(enum fd_state s)
{
	fd_state = s;
	del_timer(&fd_timer);
	fd_timer.expires = jiffies + FD_TIMEOUT;
	add_timer(&fd_timer);
}

static void floppy_off(unsigned int nr)
{
	(void)nr;
	outb(DOR_NRESET | DOR_DMAGATE, FD_DOR);
}

/* A failure: retry after a reset, or fail the request. */
static void fd_fail(const char *why)
{
	struct request *rq = CURRENT;

	printk("fd0: %s\n", why);
	fd_calibrated = 0;
	if (rq && ++rq->errors >= FD_ERRORS) {
		while (CURRENT == rq)
			end_request(0);
	}
	fd_reset();
}

/* The transfer of fd_chunk sectors went well: move the request on. */
static void fd_done_chunk(void)
{
	struct request *rq = CURRENT;
	unsigned long n = fd_chunk, m;
	char *src = fd_bounce;

	while (n && CURRENT == rq) {
		m = n < rq->current_nr_sectors ? n : rq->current_nr_sectors;
		if (rq->cmd == READ)
			memcpy(rq->buffer, src, m << 9);
		src += m << 9;
		rq->sector += m;
		rq->buffer += m << 9;
		rq->nr_sectors -= m;
		rq->current_nr_sectors -= m;
		rq->errors = 0;
		n -= m;
		if (rq->current_nr_sectors == 0)
			end_request(1);
	}
}

static void fd_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	int st0, pcn, i, res[7];

	(void)irq;
	(void)dev_id;
	(void)regs;
	switch (fd_state) {
	case FD_STATE_RESET:
		/* After a reset: a SENSE INTERRUPT STATUS per drive position. */
		for (i = 0; i < 4; i++) {
			if (fd_out(FD_SENSEI) < 0)
				break;
			(void)fd_in();
			(void)fd_in();
		}
		del_timer(&fd_timer);
		fd_state = FD_IDLE;
		outb(0, FD_CCR);		/* 500 kbit/s */
		if (fd_out(FD_SPECIFY) < 0 || fd_out(0xdf) < 0 || fd_out(0x02) < 0)
			printk("fd0: SPECIFY not taken\n");
		fd_start();
		return;
	case FD_STATE_RECAL:
	case FD_STATE_SEEK: {
		enum fd_state was = fd_state;

		if (fd_out(FD_SENSEI) < 0) {
			fd_fail("SENSE INTERRUPT STATUS not taken");
			return;
		}
		st0 = fd_in();
		pcn = fd_in();
		del_timer(&fd_timer);
		fd_state = FD_IDLE;
		if (st0 < 0 || (st0 & 0xf8) != 0x20) {
			fd_fail(was == FD_STATE_RECAL ? "recalibrate failed" : "seek failed");
			return;
		}
		fd_calibrated = 1;
		fd_cyl = pcn;
		fd_start();
		return;
	}
	case FD_STATE_RW:
		for (i = 0; i < 7; i++)
			res[i] = fd_in();
		del_timer(&fd_timer);
		fd_state = FD_IDLE;
		if (res[0] < 0 || (res[0] & 0xc0) != 0) {
			printk("fd0: %s error: ST0 %02x ST1 %02x ST2 %02x\n", CURRENT && CURRENT->cmd == READ ? "read" : "write",
			       res[0] & 0xff, res[1] & 0xff, res[2] & 0xff);
			fd_fail("transfer failed");
			return;
		}
		fd_done_chunk();
		fd_start();
		return;
	case FD_STATE_POLL:
		/* A seek of fd_revalidate's: its thread waits for this. */
		fd_poll_st0 = -1;
		if (fd_out(FD_SENSEI) == 0) {
			fd_poll_st0 = fd_in();
			fd_cyl = fd_in();
		}
		fd_state = FD_IDLE;
		fd_poll_done = 1;
		return;
	default:
		(void)inb(FD_MSR);	/* not expected */
		return;
	}
}

static void fd_timeout(unsigned long data)
{
	unsigned long flags;

	(void)data;
	save_flags(flags);
	cli();
	if (fd_state != FD_IDLE) {
		fd_state = FD_IDLE;
		fd_fail("timeout");
	}
	restore_flags(flags);
}

/* Resets the controller; the interrupt that ends it goes on with fd_start. */
static void fd_reset(void)
{
	fd_calibrated = 0;
	fd_cyl = -1;
	fd_arm(FD_STATE_RESET);
	outb(DOR_DMAGATE, FD_DOR);
	udelay(20);
	outb(DOR_NRESET | DOR_DMAGATE | DOR_MOTOR0, FD_DOR);
}

/* Starts (or goes on with) the request at the head of the queue. */
static void fd_start(void)
{
	struct request *rq;
	unsigned long block, cyl, head, sect, flags;

	for (;;) {
		rq = CURRENT;
		if (rq == NULL) {
			fd_busy = 0;
			CLEAR_INTR;	/* (linux/blk.h's DEVICE_INTR: unused here) */
			floppy_off(0);
			return;
		}
		if (MINOR(rq->rq_dev) != 0 || (rq->cmd != READ && rq->cmd != WRITE) ||
		    rq->sector >= FD_SIZE || rq->nr_sectors > FD_SIZE - rq->sector) {
			printk("fd0: bad request (sector %lu, %lu sectors)\n", rq->sector, rq->nr_sectors);
			while (CURRENT == rq)
				end_request(0);
			continue;
		}
		outb(DOR_NRESET | DOR_DMAGATE | DOR_MOTOR0, FD_DOR);
		if (fd_changed || (inb(FD_DIR) & DIR_DSKCHG)) {
			/*
			 * The disk-change line: the medium was changed or taken
			 * out. Requests fail until an open has looked at the new
			 * medium (fd_revalidate), as with Linux 2.0's driver.
			 */
			if (!fd_changed)
				printk("fd0: medium changed\n");
			fd_changed = 1;
			while (CURRENT == rq)
				end_request(0);
			continue;
		}
		break;
	}
	fd_busy = 1;
	block = rq->sector;
	sect = block % FD_SECTS;
	head = (block / FD_SECTS) % FD_HEADS;
	cyl = block / (FD_SECTS * FD_HEADS);
	if (!fd_calibrated) {
		fd_arm(FD_STATE_RECAL);
		if (fd_out(FD_RECALIBRATE) < 0 || fd_out(0) < 0)
			fd_fail("RECALIBRATE not taken");
		return;
	}
	if ((int)cyl != fd_cyl) {
		fd_arm(FD_STATE_SEEK);
		if (fd_out(FD_SEEK) < 0 || fd_out(head << 2) < 0 || fd_out(cyl) < 0)
			fd_fail("SEEK not taken");
		return;
	}
	fd_chunk = FD_SECTS - sect;
	if (fd_chunk > rq->nr_sectors)
		fd_chunk = rq->nr_sectors;
	if (rq->cmd == WRITE) {
		/* Gather the chunk from the request's buffers. */
		struct buffer_head *bh = rq->bh;
		unsigned long n = fd_chunk, m, left = rq->current_nr_sectors;
		char *src = rq->buffer, *dst = fd_bounce;

		while (n) {
			if (left == 0) {
				bh = bh ? bh->b_reqnext : NULL;
				if (bh == NULL)
					break;
				src = bh->b_data;
				left = bh->b_size >> 9;
			}
			m = n < left ? n : left;
			memcpy(dst, src, m << 9);
			dst += m << 9;
			src += m << 9;
			left -= m;
			n -= m;
		}
	}
	save_flags(flags);
	cli();
	disable_dma(FD_DMA);
	clear_dma_ff(FD_DMA);
	set_dma_mode(FD_DMA, rq->cmd == READ ? DMA_MODE_READ : DMA_MODE_WRITE);
	set_dma_addr(FD_DMA, virt_to_bus(fd_bounce));
	set_dma_count(FD_DMA, fd_chunk << 9);
	enable_dma(FD_DMA);
	restore_flags(flags);
	fd_arm(FD_STATE_RW);
	if (fd_out(rq->cmd == READ ? FD_READ : FD_WRITE) < 0 || fd_out(head << 2) < 0 || fd_out(cyl) < 0 ||
	    fd_out(head) < 0 || fd_out(sect + 1) < 0 || fd_out(2) < 0 || fd_out(FD_SECTS) < 0 ||
	    fd_out(0x1b) < 0 || fd_out(0xff) < 0)
		fd_fail("READ/WRITE DATA not taken");
}

static void do_fd_request(void)
{
	if (!fd_busy && fd_state == FD_IDLE)
		fd_start();
}

/* Sleeps one tick (thread context). */
static void fd_nap(void)
{
	current->timeout = jiffies + 1;
	current->state = TASK_INTERRUPTIBLE;
	schedule();
}

/* A polled command (RECALIBRATE or SEEK, already claimed): 0 once its interrupt came. */
static int fd_poll_cmd(unsigned char cmd, int cyl)
{
	unsigned long flags, until;

	save_flags(flags);
	cli();
	fd_poll_done = 0;
	fd_state = FD_STATE_POLL;
	restore_flags(flags);
	if (fd_out(cmd) < 0 || fd_out(0) < 0 || (cmd == FD_SEEK && fd_out(cyl) < 0)) {
		fd_state = FD_IDLE;
		return -1;
	}
	for (until = jiffies + FD_TIMEOUT; !fd_poll_done && (long)(jiffies - until) < 0;)
		fd_nap();
	if (!fd_poll_done) {
		fd_state = FD_IDLE;
		return -1;
	}
	return fd_poll_st0 >= 0 && (fd_poll_st0 & 0xf8) == 0x20 ? 0 : -1;
}

/*
 * check_media_change: the medium changed since the last open looked, or
 * the disk-change line says so now.
 */
static int fd_media_change(kdev_t dev)
{
	(void)dev;
	return fd_changed || (inb(FD_DIR) & DIR_DSKCHG) != 0;
}

/*
 * revalidate: with the controller to itself (once idle), steps the head
 * out and back (RECALIBRATE, SEEK 1, SEEK 0), which clears the
 * disk-change line if a medium is in: fd_changed then tells whether one
 * is. Queued requests then go on.
 */
static int fd_revalidate(kdev_t dev)
{
	unsigned long flags, until = jiffies + 2 * FD_TIMEOUT;
	int ok;

	(void)dev;
	for (;;) {
		save_flags(flags);
		cli();
		if (!fd_busy && fd_state == FD_IDLE) {
			fd_busy = 1;
			restore_flags(flags);
			break;
		}
		restore_flags(flags);
		if ((long)(jiffies - until) >= 0)
			return -EBUSY;
		fd_nap();
	}
	outb(DOR_NRESET | DOR_DMAGATE | DOR_MOTOR0, FD_DOR);
	ok = fd_poll_cmd(FD_RECALIBRATE, 0) == 0 && fd_poll_cmd(FD_SEEK, 1) == 0 && fd_poll_cmd(FD_SEEK, 0) == 0;
	fd_calibrated = ok;
	fd_changed = !ok || (inb(FD_DIR) & DIR_DSKCHG) != 0;
	save_flags(flags);
	cli();
	fd_busy = 0;
	if (CURRENT)
		fd_start();
	else
		floppy_off(0);
	restore_flags(flags);
	if (fd_changed)
		printk("fd0: no medium\n");
	return 0;
}

static int fd_open(struct inode *inode, struct file *filp)
{
	(void)filp;
	if (MINOR(inode->i_rdev) != 0)
		return -ENXIO;
	check_disk_change(inode->i_rdev);
	return fd_changed ? -ENXIO : 0;
}

static void fd_release(struct inode *inode, struct file *filp)
{
	(void)inode;
	(void)filp;
}

static struct file_operations fd_fops = {
	NULL,			/* lseek */
	block_read,
	block_write,
	NULL,			/* readdir */
	NULL,			/* select */
	NULL,			/* ioctl */
	NULL,			/* mmap */
	fd_open,
	fd_release,
	block_fsync,
	NULL,			/* fasync */
	fd_media_change,
	fd_revalidate
};

/* CMOS register 0x10: the drive types of the first two floppy drives. */
static int fd_cmos_type(void)
{
	outb(0x10, 0x70);
	return inb(0x71) >> 4;
}

int floppy_init(void)
{
	int type = fd_cmos_type();

	if (type != 4) {
		if (type)
			printk("fd0: CMOS drive type %d, only 1.44 MB drives (4) are handled\n", type);
		return -ENODEV;
	}
	if (check_region(FD_BASE + 2, 4)) {
		printk("fd0: ports taken\n");
		return -EBUSY;
	}
	fd_bounce = (char *)__get_dma_pages(GFP_KERNEL, 2);	/* 16 KiB, 16 KiB aligned */
	if (fd_bounce == NULL) {
		printk("fd0: no DMA buffer\n");
		return -ENOMEM;
	}
	if (request_irq(FD_IRQ, fd_interrupt, SA_INTERRUPT, "floppy", NULL)) {
		printk("fd0: cannot get irq %d\n", FD_IRQ);
		free_pages((unsigned long)fd_bounce, 2);
		return -EBUSY;
	}
	if (request_dma(FD_DMA, "floppy")) {
		printk("fd0: cannot get DMA channel %d\n", FD_DMA);
		free_irq(FD_IRQ, NULL);
		free_pages((unsigned long)fd_bounce, 2);
		return -EBUSY;
	}
	if (register_blkdev(MAJOR_NR, "fd", &fd_fops)) {
		free_dma(FD_DMA);
		free_irq(FD_IRQ, NULL);
		free_pages((unsigned long)fd_bounce, 2);
		return -EBUSY;
	}
	request_region(FD_BASE + 2, 4, "floppy");
	request_region(FD_BASE + 7, 1, "floppy");
	init_timer(&fd_timer);
	fd_timer.function = fd_timeout;
	fd_sizes[0] = FD_SIZE >> 1;
	fd_blksizes[0] = BLOCK_SIZE;
	blk_size[MAJOR_NR] = fd_sizes;
	blksize_size[MAJOR_NR] = fd_blksizes;
	blk_dev[MAJOR_NR].request_fn = do_fd_request;
	printk("fd0: 1.44 MB drive at 0x%03x, irq %d, dma %d\n", FD_BASE, FD_IRQ, FD_DMA);
	fd_reset();
	return 0;
}
