/*
 * block.c - the block-device bridge: what Linux 2.0 block drivers link
 * against (register_blkdev, blk_dev[], the size tables, gendisk_head,
 * resetup_one_dev, ...) and the seam the kernel drives them through.
 *
 * I/O: glue_blk_submit (one buffer) and glue_blk_submit_sg (a list of
 * segments: the pages of a device_read's reply or of a device_write's
 * out-of-line data) build one struct request of whole sectors, its
 * buffer_heads (at most a page each) pointing straight into that memory, appends it to blk_dev[major].current_request and, as Linux 2.0's
 * add_request does, calls the driver's request_fn if the queue was empty.
 * The driver finishes it with end_request; linux/blk.h calls
 * glue_blk_retired as the request retires, which reports to the kernel
 * (mach_block_done) whether every buffer came back up to date.
 *
 * Start-up (glue_blk_init) is device_setup's block half: the BIOS disk
 * parameter tables saved into drive_info, the drives' DMA modes selected
 * as a BIOS does (bios_ide_setup), the drivers' init functions
 * (ide_init), then for every gendisk its init and, per drive not marked
 * "skip" (start_sect -1) and with a size, resetup_one_dev, which the
 * kernel answers with its own partition scan (mach_block_rescan) through
 * glue_blk_set_partition.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/errno.h>
#include <linux/major.h>
#include <linux/genhd.h>
#include <linux/blkdev.h>
#include <linux/blk.h>
#include <linux/hdreg.h>
#include <linux/mm.h>
#include <linux/malloc.h>
#include <linux/string.h>
#include <asm/system.h>
#include <asm/bitops.h>
#include <asm/io.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/pci.h>
#include "glue.h"

struct blk_dev_struct blk_dev[MAX_BLKDEV];
int *blk_size[MAX_BLKDEV];
int *blksize_size[MAX_BLKDEV];
int *hardsect_size[MAX_BLKDEV];
int read_ahead[MAX_BLKDEV];
struct sec_size *blk_sec[MAX_BLKDEV];
struct wait_queue *wait_for_request;
struct gendisk *gendisk_head;

static struct {
	const char *name;
	struct file_operations *fops;
} blkdevs[MAX_BLKDEV];

/* Read-only flags, one bit per minor, per major (set_device_ro). */
static unsigned long ro_bits[MAX_BLKDEV][256 / (8 * sizeof(unsigned long))];

int register_blkdev(unsigned int major, const char *name, struct file_operations *fops)
{
	unsigned int i;

	if (major == 0) {
		for (i = MAX_BLKDEV - 1; i > 0; i--)
			if (blkdevs[i].fops == NULL)
				break;
		if (i == 0)
			return -EBUSY;
		blkdevs[i].name = name;
		blkdevs[i].fops = fops;
		return i;
	}
	if (major >= MAX_BLKDEV)
		return -EINVAL;
	if (blkdevs[major].fops && blkdevs[major].fops != fops)
		return -EBUSY;
	blkdevs[major].name = name;
	blkdevs[major].fops = fops;
	return 0;
}

int unregister_blkdev(unsigned int major, const char *name)
{
	if (major >= MAX_BLKDEV || blkdevs[major].fops == NULL || strcmp(blkdevs[major].name, name))
		return -EINVAL;
	blkdevs[major].name = NULL;
	blkdevs[major].fops = NULL;
	return 0;
}

int is_read_only(kdev_t dev)
{
	return MAJOR(dev) < MAX_BLKDEV && test_bit(MINOR(dev), ro_bits[MAJOR(dev)]);
}

void set_device_ro(kdev_t dev, int flag)
{
	if (MAJOR(dev) >= MAX_BLKDEV)
		return;
	if (flag)
		set_bit(MINOR(dev), ro_bits[MAJOR(dev)]);
	else
		clear_bit(MINOR(dev), ro_bits[MAJOR(dev)]);
}

/*
 * Whether the medium of `dev` changed, as Linux 2.0 asks on open: the
 * driver's check_media_change says, and on a change its revalidate reads
 * the new medium (size, format) before 1 is returned. There is no buffer
 * cache to drop. GNU Mach's glue does the same.
 */
int check_disk_change(kdev_t dev)
{
	struct file_operations *fops;
	unsigned int major = MAJOR(dev);

	if (major >= MAX_BLKDEV || (fops = blkdevs[major].fops) == NULL || fops->check_media_change == NULL)
		return 0;
	if (!fops->check_media_change(dev))
		return 0;
	printk("%s: medium changed\n", kdevname(dev));
	if (fops->revalidate)
		fops->revalidate(dev);
	return 1;
}

/* Every opener is the kernel, acting for a task that holds the device port. */
int permission(struct inode *inode, int mask)
{
	(void)inode;
	(void)mask;
	return 0;
}

void set_blocksize(kdev_t dev, int size)
{
	if (MAJOR(dev) < MAX_BLKDEV && blksize_size[MAJOR(dev)])
		blksize_size[MAJOR(dev)][MINOR(dev)] = size;
}

void invalidate_buffers(kdev_t dev)
{
	(void)dev;
}

void invalidate_inodes(kdev_t dev)
{
	(void)dev;
}

void sync_dev(kdev_t dev)
{
	(void)dev;
}

int fsync_dev(kdev_t dev)
{
	(void)dev;
	return 0;
}

int block_fsync(struct inode *inode, struct file *filp)
{
	(void)inode;
	(void)filp;
	return 0;
}

/* The kernel reads and writes through glue_blk_submit, never through files. */
int block_read(struct inode *inode, struct file *filp, char *buf, int count)
{
	(void)inode;
	(void)filp;
	(void)buf;
	(void)count;
	return -EINVAL;
}

int block_write(struct inode *inode, struct file *filp, const char *buf, int count)
{
	(void)inode;
	(void)filp;
	(void)buf;
	(void)count;
	return -EINVAL;
}

/* ---- single buffers (getblk, ll_rw_block): drivers' own reads ---------- */

/*
 * A driver reading a block of its own device (Linux 2.0's floppy.c reads
 * block 0 in revalidate to learn the medium's format) gets a buffer from
 * getblk and queues it with ll_rw_block; end_request unlocks it, and
 * wait_on_buffer sleeps until then. Nothing is cached: every getblk gives
 * a fresh buffer (a page), brelse frees it. The request carrying it comes from a
 * small pool of its own, freed as it retires (glue_blk_retired).
 */
#define GLUE_IO_REQS 8

static struct glue_io_req {
	struct request rq;	/* first: the driver's pointer is ours */
	int busy;
} io_reqs[GLUE_IO_REQS];

struct buffer_head *getblk(kdev_t dev, int block, int size)
{
	struct buffer_head *bh;

	if (size < 512 || size > (int)PAGE_SIZE || (size & 511))
		return NULL;
	bh = kmalloc(sizeof(*bh), GFP_KERNEL);
	if (bh == NULL)
		return NULL;
	memset(bh, 0, sizeof(*bh));
	/* A page of its own: aligned as DMA wants it. */
	bh->b_data = (char *)__get_free_page(GFP_KERNEL);
	if (bh->b_data == NULL) {
		kfree(bh);
		return NULL;
	}
	bh->b_dev = bh->b_rdev = dev;
	bh->b_blocknr = block;
	bh->b_size = size;
	bh->b_count = 1;
	return bh;
}

void __brelse(struct buffer_head *bh)
{
	if (bh == NULL)
		return;
	wait_on_buffer(bh);
	free_page((unsigned long)bh->b_data);
	kfree(bh);
}

/*
 * Puts `rq` at the tail of the device's queue; an empty queue starts the
 * driver (its request_fn), as Linux 2.0's add_request does.
 */
static void queue_request(struct blk_dev_struct *dev, struct request *rq)
{
	struct request *q;
	unsigned long flags;

	save_flags(flags);
	cli();
	q = dev->current_request;
	if (q == NULL) {
		dev->current_request = rq;
		(dev->request_fn)();
	} else {
		while (q->next)
			q = q->next;
		q->next = rq;
	}
	restore_flags(flags);
}

/* Queues one request for the `nr` buffers (consecutive blocks of one device). */
void ll_rw_block(int rw, int nr, struct buffer_head *bh[])
{
	struct glue_io_req *r = NULL;
	struct blk_dev_struct *dev;
	unsigned long flags, sectors = 0;
	unsigned int major;
	int i;

	if (nr <= 0)
		return;
	major = MAJOR(bh[0]->b_dev);
	save_flags(flags);
	cli();
	for (i = 0; i < GLUE_IO_REQS; i++)
		if (!io_reqs[i].busy) {
			r = &io_reqs[i];
			r->busy = 1;
			break;
		}
	restore_flags(flags);
	if (major >= MAX_BLKDEV || blk_dev[major].request_fn == NULL || r == NULL ||
	    (rw == WRITE && is_read_only(bh[0]->b_dev))) {
		if (r)
			r->busy = 0;
		for (i = 0; i < nr; i++)
			clear_bit(BH_Uptodate, &bh[i]->b_state);
		return;
	}
	for (i = 0; i < nr; i++) {
		set_bit(BH_Lock, &bh[i]->b_state);
		set_bit(BH_Req, &bh[i]->b_state);
		clear_bit(BH_Uptodate, &bh[i]->b_state);
		bh[i]->b_reqnext = i + 1 < nr ? bh[i + 1] : NULL;
		sectors += bh[i]->b_size >> 9;
	}
	memset(&r->rq, 0, sizeof(r->rq));
	r->rq.rq_status = RQ_ACTIVE;
	r->rq.rq_dev = bh[0]->b_dev;
	r->rq.cmd = rw == WRITE ? WRITE : READ;
	r->rq.sector = bh[0]->b_blocknr * (bh[0]->b_size >> 9);
	r->rq.nr_sectors = sectors;
	r->rq.current_nr_sectors = bh[0]->b_size >> 9;
	r->rq.buffer = bh[0]->b_data;
	r->rq.bh = bh[0];
	r->rq.bhtail = bh[nr - 1];

	dev = &blk_dev[major];
	queue_request(dev, &r->rq);
}

struct buffer_head *bread(kdev_t dev, int block, int size)
{
	struct buffer_head *bh = getblk(dev, block, size);

	if (bh == NULL)
		return NULL;
	ll_rw_block(READ, 1, &bh);
	wait_on_buffer(bh);
	if (!buffer_uptodate(bh)) {
		__brelse(bh);
		return NULL;
	}
	return bh;
}

void add_blkdev_randomness(int major)
{
	(void)major;
}

void unplug_device(void *data)
{
	(void)data;
}

/* ---- partitions: answered by the kernel's scanner ---------------------- */

static struct gendisk *gendisk_of(unsigned int major)
{
	struct gendisk *gd;

	for (gd = gendisk_head; gd; gd = gd->next)
		if ((unsigned int)gd->major == major)
			return gd;
	return NULL;
}

void resetup_one_dev(struct gendisk *gd, int drive)
{
	unsigned int first = drive << gd->minor_shift;
	int i;

	if (drive < 0 || drive >= gd->nr_real)
		return;
	/* Forget the old partitions; the scan sets the new ones. */
	for (i = 1; i < gd->max_p; i++) {
		gd->part[first + i].start_sect = 0;
		gd->part[first + i].nr_sects = 0;
		if (gd->sizes)
			gd->sizes[first + i] = 0;
	}
	if (gd->part[first].nr_sects > 0)
		mach_block_rescan(gd->major, first);
}

int glue_blk_disk_info(unsigned int major, unsigned int minor, struct glue_blk_disk *info)
{
	struct gendisk *gd = gendisk_of(major);

	if (gd == NULL && major < MAX_BLKDEV && minor < 256 && blk_size[major] && blk_size[major][minor] > 0) {
		/* A device without partitions (a floppy): its size from blk_size, in KiB. */
		info->sectors = (unsigned long)blk_size[major][minor] << 1;
		info->sector_size = 512;
		info->max_partitions = 0;
		info->unit = minor;
		info->read_only = is_read_only(MKDEV(major, minor));
		info->max_sectors = GLUE_BLK_MAX_SECTORS;
		return 0;
	}
	if (gd == NULL || minor >= (unsigned int)(gd->max_nr << gd->minor_shift))
		return -ENODEV;
	info->sectors = (unsigned long)gd->part[minor].nr_sects;
	info->sector_size = 512;
	if (hardsect_size[major] && hardsect_size[major][minor])
		info->sector_size = hardsect_size[major][minor];
	else if (blksize_size[major] && blksize_size[major][minor] == 2048)
		info->sector_size = 2048;
	info->max_partitions = gd->max_p - 1;
	info->unit = minor >> gd->minor_shift;
	info->read_only = is_read_only(MKDEV(major, minor));
	/*
	 * Linux 2.0's ide-cd.c gives its CD-ROM's 2048-byte blocks only as the
	 * block size (blksize_size), with no hardsect_size, and refuses writes
	 * in its request function rather than with set_device_ro: a 2048-byte
	 * block device of that kind is taken as a read-only CD-ROM.
	 */
	info->max_sectors = GLUE_BLK_MAX_SECTORS;
	if (info->sector_size == 2048 && !(hardsect_size[major] && hardsect_size[major][minor])) {
		info->read_only = 1;
		/*
		 * Its commands carry a request's bytes in the 16-bit byte-count
		 * register, and Linux 2.0 never merged requests past 244 sectors:
		 * 31 frames (63488 bytes) per request.
		 */
		info->max_sectors = 124;
	}
	return 0;
}

int glue_blk_set_partition(unsigned int major, unsigned int minor, unsigned long start, unsigned long sectors)
{
	struct gendisk *gd = gendisk_of(major);

	if (gd == NULL || minor >= (unsigned int)(gd->max_nr << gd->minor_shift))
		return -ENODEV;
	gd->part[minor].start_sect = start;
	gd->part[minor].nr_sects = sectors;
	if (gd->sizes)
		gd->sizes[minor] = sectors >> 1;
	return 0;
}

/* ---- start-up ---------------------------------------------------------- */

/*
 * The BIOS fixed-disk parameter tables of the first two disks, 16 bytes
 * each, as Linux 2.0's setup code saves them (arch/i386/kernel/setup.c):
 * ide.c reads their geometry for the drives CMOS byte 0x12 announces.
 */
struct drive_info_struct { char dummy[32]; } drive_info;

/* Real-mode vectors 0x41 and 0x46 point at the tables (segment:offset). */
static void copy_bios_drive_info(void)
{
	static const unsigned long vectors[2] = { 0x41 * 4, 0x46 * 4 };
	int i;

	for (i = 0; i < 2; i++) {
		unsigned long v = *(unsigned long *)phys_to_virt(vectors[i]);
		unsigned long table = ((v >> 16) << 4) + (v & 0xffff);

		/* Only a table inside the first MiB, where the BIOS keeps them. */
		if (v != 0 && table + 16 <= 0x100000)
			memcpy(&drive_info.dummy[16 * i], phys_to_virt(table), 16);
	}
}

/*
 * The rest of what a PC BIOS does for IDE disks at power-on: on a PCI
 * bus-master IDE controller (class 01:01, programming interface bit 7) it
 * sets each ATA drive's DMA mode to one both sides do (SET FEATURES 03h):
 * on an Intel PIIX4 (8086:7111) Ultra DMA mode 2 when the drive offers it,
 * with the PIIX4's Ultra DMA enable (config 0x48) and timing (0x4a) bits
 * for the drive; elsewhere the fastest multiword DMA mode (0..2) the drive
 * offers. Linux 2.0's triton.c then uses DMA, as it does only for a drive
 * whose IDENTIFY data shows mode 2 selected; QEMU's SeaBIOS sets none
 * (QEMU's drive comes up in Ultra DMA mode 5, which a PIIX cannot do).
 * Polled, drive interrupts off; a missing or ATAPI drive (it aborts
 * IDENTIFY) is left alone.
 */
static int bios_ide_wait(unsigned int base, unsigned long usecs)
{
	unsigned long i;
	unsigned char stat;

	for (i = 0; i <= usecs / 10; i++) {
		stat = inb(base + 7);
		if (!(stat & 0x80))
			return stat;
		udelay(10);
	}
	return -1;
}

static void bios_ide_select_dma(const struct mach_pci_info *info, unsigned int ch, unsigned int unit)
{
	static const unsigned short bases[2][2] = { { 0x1f0, 0x3f6 }, { 0x170, 0x376 } };
	unsigned int base = bases[ch][0], ctl = bases[ch][1], n = 2 * ch + unit;
	unsigned short id[256];
	unsigned char xfer;
	int stat, mode;

	outb(0x02, ctl);		/* nIEN */
	outb(0xa0 | (unit << 4), base + 6);
	inb(ctl); inb(ctl); inb(ctl); inb(ctl);
	stat = inb(base + 7);
	if (stat == 0xff || !(stat & 0x40) || bios_ide_wait(base, 100000) < 0)
		return;
	outb(0xec, base + 7);		/* IDENTIFY DEVICE */
	inb(ctl);
	stat = bios_ide_wait(base, 1000000);
	if (stat < 0 || (stat & 0x01) || !(stat & 0x08))
		return;
	insw(base, id, 256);
	(void)inb(base + 7);
	if ((id[0] & 0x8000) || !(id[49] & 0x0100) || !(id[53] & 0x0002))
		return;			/* not ATA, no DMA, or no words 64-70 */
	if (info->vendor == 0x8086 && info->device == 0x7111 && (id[53] & 0x0004) && (id[88] & 0x0004)) {
		xfer = 0x42;		/* Ultra DMA mode 2 */
	} else {
		for (mode = 2; mode >= 0 && !(id[63] & (1 << mode)); mode--)
			;
		if (mode < 0)
			return;
		xfer = 0x20 | mode;	/* multiword DMA mode */
	}
	outb(0x03, base + 1);		/* set transfer mode */
	outb(xfer, base + 2);
	outb(0xef, base + 7);		/* SET FEATURES */
	inb(ctl);
	stat = bios_ide_wait(base, 1000000);
	if (info->vendor == 0x8086 && info->device == 0x7111) {
		unsigned int udmactl = mach_pci_config_read(info->bus, info->devfn, 0x48, 1);
		unsigned int udmatim = mach_pci_config_read(info->bus, info->devfn, 0x4a, 2);

		if (xfer == 0x42 && stat >= 0 && !(stat & 0x01)) {
			udmactl |= 1 << n;
			udmatim = (udmatim & ~(3 << (4 * n))) | (2 << (4 * n));
		} else {
			udmactl &= ~(1 << n);
		}
		mach_pci_config_write(info->bus, info->devfn, 0x4a, 2, udmatim);
		mach_pci_config_write(info->bus, info->devfn, 0x48, 1, udmactl);
	}
}

static void bios_ide_setup(void)
{
	struct mach_pci_info info, found;
	unsigned int i, ch, unit;
	int any = 0;

	/* The last bus-master IDE function found: QEMU's added piix4-ide
	 * answers the legacy ports beside the machine's own piix3-ide. */
	for (i = 0; mach_pci_device(i, &info) == 0; i++)
		if ((info.class_rev >> 16) == 0x0101 && (info.class_rev & 0x8000) &&
		    (mach_pci_config_read(info.bus, info.devfn, PCI_COMMAND, 2) & PCI_COMMAND_MASTER)) {
			found = info;
			any = 1;
		}
	if (!any)
		return;
	/* Legacy-mode channels only (programming interface bits 0 and 2 clear). */
	for (ch = 0; ch < 2; ch++) {
		if ((found.class_rev >> 8) & (ch ? 0x04 : 0x01))
			continue;
		if (check_region(ch ? 0x170 : 0x1f0, 8))
			continue;
		for (unit = 0; unit < 2; unit++)
			bios_ide_select_dma(&found, ch, unit);
	}
}

/*
 * A drive the driver left out of the partition check with no size yet
 * (Linux 2.0's ide.c does so for an ATAPI CD-ROM, whose size ide-cd.c
 * learns in its open from the disc's table of contents) is opened once,
 * as GNU Mach's device_open opens Linux devices; with a size then, the
 * kernel registers it (mach_block_rescan). Our own ide.c sizes CD-ROMs
 * at probe time and never takes this path.
 */
static void open_unchecked(struct gendisk *gd, int drive)
{
	unsigned int minor = drive << gd->minor_shift;
	struct file_operations *fops;
	struct inode inode;
	struct file file;

	if ((unsigned int)gd->major >= MAX_BLKDEV || (fops = blkdevs[gd->major].fops) == NULL || fops->open == NULL)
		return;
	memset(&inode, 0, sizeof(inode));
	memset(&file, 0, sizeof(file));
	inode.i_rdev = MKDEV(gd->major, minor);
	file.f_mode = 1;		/* read */
	file.f_inode = &inode;
	file.f_op = fops;
	if (fops->open(&inode, &file) != 0)
		return;
	if (gd->part[minor].nr_sects > 0)
		mach_block_rescan(gd->major, minor);
}

/*
 * Removable drives the glue keeps open from start-up on, as a mounted
 * device stays open under Linux: Linux 2.0's floppy.c takes its interrupt,
 * DMA channel and track buffer in its open and learns the medium's format
 * there (check_disk_change, revalidate), and serves requests only while
 * open. Our own floppy.c's open does nothing.
 */
#define GLUE_HELD_OPENS 4

static struct held_open {
	struct inode inode;
	struct file file;
	int open;
} held[GLUE_HELD_OPENS];

static int hold_open(unsigned int major, unsigned int minor)
{
	struct file_operations *fops;
	struct held_open *h = NULL;
	int i, err;

	if (major >= MAX_BLKDEV || (fops = blkdevs[major].fops) == NULL)
		return -ENODEV;
	for (i = 0; i < GLUE_HELD_OPENS; i++) {
		if (held[i].open && held[i].inode.i_rdev == MKDEV(major, minor))
			return 0;
		if (!held[i].open && h == NULL)
			h = &held[i];
	}
	if (h == NULL)
		return -EBUSY;
	memset(h, 0, sizeof(*h));
	h->inode.i_rdev = MKDEV(major, minor);
	h->file.f_mode = is_read_only(h->inode.i_rdev) ? 1 : 3;	/* read (and write) */
	h->file.f_inode = &h->inode;
	h->file.f_op = fops;
	if (fops->open && (err = fops->open(&h->inode, &h->file)) != 0) {
		/* A read-only medium refuses a writable open: read-only then. */
		if (err != -EROFS)
			return err;
		h->file.f_mode = 1;
		if ((err = fops->open(&h->inode, &h->file)) != 0)
			return err;
	}
	h->open = 1;
	return 0;
}

int glue_blk_open(unsigned int major, unsigned int minor, int write)
{
	struct file_operations *fops;
	struct inode inode;
	struct file file;
	int err;

	if (major >= MAX_BLKDEV || minor > 255 || (fops = blkdevs[major].fops) == NULL)
		return -ENODEV;
	if (fops->open == NULL)
		return 0;
	memset(&inode, 0, sizeof(inode));
	memset(&file, 0, sizeof(file));
	inode.i_rdev = MKDEV(major, minor);
	file.f_mode = write ? 3 : 1;
	file.f_inode = &inode;
	file.f_op = fops;
	err = fops->open(&inode, &file);
	if (err)
		return err;
	if (fops->release)
		fops->release(&inode, &file);
	return 0;
}

/*
 * Partition check, as genhd.c's check_partition starts it: a drive whose
 * whole-disk start_sect the driver set to -1 (ide.c's ide_geninit, for a
 * missing drive or an ATAPI one) is skipped, and start_sect goes back to 0.
 */
static void check_partition(struct gendisk *gd, int drive)
{
	struct hd_struct *whole = &gd->part[drive << gd->minor_shift];

	if ((long)whole->start_sect == -1) {
		whole->start_sect = 0;
		open_unchecked(gd, drive);
		return;
	}
	resetup_one_dev(gd, drive);
}

/* The disk drivers built in (linux/blk.h declares their init functions). */

void glue_blk_setup(const char *word)
{
	char buf[64];

	/* Linux's ide_setup may write into its string: give it a copy. */
	strncpy(buf, word, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	ide_setup(buf);
}

int glue_blk_init(void)
{
	struct gendisk *gd;
	int n = 0, drive;

	copy_bios_drive_info();
	bios_ide_setup();
	ide_init();
	ahci_init();
	if (floppy_init() == 0) {
		int err = hold_open(FLOPPY_MAJOR, 0);

		if (err == 0)
			mach_block_rescan(FLOPPY_MAJOR, 0);
		else
			printk("fd0: not opened (error %d)\n", -err);
	}
	for (gd = gendisk_head; gd; gd = gd->next)
		if (gd->init)
			gd->init(gd);
	for (gd = gendisk_head; gd; gd = gd->next) {
		n++;
		for (drive = 0; drive < gd->nr_real; drive++)
			check_partition(gd, drive);
	}
	return n;
}

/* ---- requests ---------------------------------------------------------- */

#define GLUE_BLK_SLOTS 32
#define GLUE_BLK_BH_BYTES PAGE_SIZE
/* A request's buffers: one per page it touches (a start inside a page
 * costs one more). */
#define GLUE_BLK_BHS (GLUE_BLK_MAX_SECTORS * 512 / GLUE_BLK_BH_BYTES + 1)

struct glue_blk_req {
	struct request rq;	/* first: the driver's pointer is ours */
	struct buffer_head bh[GLUE_BLK_BHS];
	unsigned long cookie;
	int busy;
};

static struct glue_blk_req slots[GLUE_BLK_SLOTS];

int glue_blk_submit(unsigned int major, unsigned int minor, int write, unsigned long sector,
		    unsigned long count, void *buf, unsigned long cookie)
{
	struct glue_blk_seg seg;

	if (buf == NULL)
		return -EINVAL;
	seg.addr = buf;
	seg.len = count * 512;
	return glue_blk_submit_sg(major, minor, write, sector, count, &seg, 1, cookie);
}

/*
 * One buffer_head per page-sized piece of each segment (a segment is
 * contiguous kernel memory, whole sectors), so that the pages of a reply,
 * or of a request's out-of-line data, given one segment each, are the
 * buffers themselves: the driver's PRD table, or its PIO loop, reaches
 * them through the request's bh chain as Linux 2.0 drivers do.
 */
int glue_blk_submit_sg(unsigned int major, unsigned int minor, int write, unsigned long sector,
		       unsigned long count, const struct glue_blk_seg *segs, unsigned int nsegs,
		       unsigned long cookie)
{
	struct blk_dev_struct *dev;
	struct glue_blk_req *r = NULL;
	unsigned long flags, off, n, total, in_seg;
	unsigned int i, s;
	char *p;

	if (major >= MAX_BLKDEV || blk_dev[major].request_fn == NULL || minor > 255)
		return -ENODEV;
	if (count == 0 || count > GLUE_BLK_MAX_SECTORS || segs == NULL || nsegs == 0)
		return -EINVAL;
	/* Whole sectors in every segment, as a buffer_head holds them. */
	for (s = 0, total = 0; s < nsegs; s++) {
		if (segs[s].addr == NULL || segs[s].len == 0 || (segs[s].len & 511))
			return -EINVAL;
		total += segs[s].len;
	}
	if (total != count * 512)
		return -EINVAL;
	if (write && is_read_only(MKDEV(major, minor)))
		return -EROFS;
	dev = &blk_dev[major];
	save_flags(flags);
	cli();
	for (i = 0; i < GLUE_BLK_SLOTS; i++)
		if (!slots[i].busy) {
			r = &slots[i];
			r->busy = 1;
			break;
		}
	restore_flags(flags);
	if (r == NULL)
		return -EBUSY;

	memset(r->bh, 0, sizeof(r->bh));
	for (i = 0, s = 0, off = 0, in_seg = 0; off < total; i++, off += n) {
		if (i == GLUE_BLK_BHS) {
			r->busy = 0;
			return -EINVAL;
		}
		p = (char *)segs[s].addr + in_seg;
		/* At most a page's worth per buffer_head, from the segment's start. */
		n = segs[s].len - in_seg;
		if (n > GLUE_BLK_BH_BYTES)
			n = GLUE_BLK_BH_BYTES;
		r->bh[i].b_dev = r->bh[i].b_rdev = MKDEV(major, minor);
		r->bh[i].b_blocknr = (sector + off / 512);
		r->bh[i].b_size = n;
		r->bh[i].b_data = p;
		r->bh[i].b_state = (1 << BH_Lock) | (1 << BH_Req) | (write ? 1 << BH_Dirty : 0);
		r->bh[i].b_reqnext = off + n < total ? &r->bh[i + 1] : NULL;
		r->bh[i].b_count = 1;
		in_seg += n;
		if (in_seg == segs[s].len) {
			s++;
			in_seg = 0;
		}
	}
	r->cookie = cookie;
	r->rq.rq_status = RQ_ACTIVE;
	r->rq.rq_dev = MKDEV(major, minor);
	r->rq.cmd = write ? WRITE : READ;
	r->rq.errors = 0;
	r->rq.sector = sector;
	r->rq.nr_sectors = count;
	r->rq.current_nr_sectors = r->bh[0].b_size >> 9;
	r->rq.buffer = r->bh[0].b_data;
	r->rq.sem = NULL;
	r->rq.bh = &r->bh[0];
	r->rq.bhtail = &r->bh[i - 1];
	r->rq.next = NULL;

	queue_request(dev, &r->rq);
	return 0;
}

/* linux/blk.h: a request has retired (interrupts off). */
void glue_blk_retired(struct request *req)
{
	struct glue_blk_req *r = (struct glue_blk_req *)req;
	unsigned int i;
	int ok = 1;

	if ((void *)req >= (void *)&io_reqs[0] && (void *)req < (void *)&io_reqs[GLUE_IO_REQS]) {
		((struct glue_io_req *)req)->busy = 0;
		return;
	}
	if (r < &slots[0] || r >= &slots[GLUE_BLK_SLOTS] || !r->busy)
		return;
	for (i = 0; i < GLUE_BLK_BHS && r->bh[i].b_size; i++)
		if (!buffer_uptodate(&r->bh[i]) || buffer_locked(&r->bh[i]))
			ok = 0;
	r->busy = 0;
	mach_block_done(r->cookie, ok);
}
