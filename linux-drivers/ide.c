/*
 * ide.c - IDE/ATA disks, Linux 2.0 style, written for this kernel from the
 * ATA specifications (no code of Linux's ide.c).
 *
 * Both legacy channels (0x1f0/0x3f6 IRQ 14 as ide0, 0x170/0x376 IRQ 15 as
 * ide1), master and slave. Drives are found with IDENTIFY DEVICE (polled,
 * drive interrupts off); ATAPI devices are recognised and left alone.
 * Transfers are bus-master DMA where the channel belongs to an Intel PIIX
 * (triton.c: ide_init_triton, the hwif's dmaproc) and the drive can DMA,
 * one command per request chunk (up to 256 sectors, 65536 with LBA48).
 * Otherwise PIO, interrupt driven: READ/WRITE SECTORS, or READ/WRITE
 * MULTIPLE once SET MULTIPLE succeeded, 32 bits per port access (insl) on a
 * PCI controller, 16 elsewhere; LBA28, LBA48 (the EXT commands) for sectors
 * the 28-bit form cannot reach, CHS for drives without LBA.
 *
 * Options (ide_setup, from the kernel command line): "hdX=nodma" or
 * "hdX=noautotune" (PIO only for drive X), "hdX=noio32" (16-bit PIO),
 * "ideN=nodma" (no DMA on channel N).
 *
 * Block layer: register_blkdev(IDEn_MAJOR, "iden", &ide_fops), a request
 * function per major working on blk_dev[major].current_request, one
 * struct gendisk per channel (64 minors per drive: PARTN_BITS), sizes
 * from IDENTIFY. Requests finish with ide_end_request (linux/blk.h).
 *
 * Errors: every command arms the hwgroup's timer; a drive that does not
 * answer in WAIT_CMD, or answers with ERR, makes the request retry, every
 * ERROR_RESET-th retry after a software reset of the channel; after
 * ERROR_MAX failures the request fails (end_request(0) on all of it). A
 * reset that does not finish in WAIT_RESET fails it too. Nothing waits
 * forever.
 */
#define _IDE_C
#define IDE_DRIVER

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
#include <linux/blkdev.h>
#include <linux/errno.h>
#include <linux/hdreg.h>
#include <linux/genhd.h>
#include <linux/malloc.h>
#include <linux/string.h>
#include <linux/pci.h>
#include <linux/bios32.h>
#include <asm/byteorder.h>
#include <asm/irq.h>
#include <asm/segment.h>
#include <asm/io.h>
#include <asm/system.h>

#include "ide.h"
#include <linux/blk.h>

ide_hwif_t ide_hwifs[MAX_HWIFS] = {
	{ .io_base = 0x1f0, .ctl_port = 0x3f6, .irq = 14, .index = 0, .major = IDE0_MAJOR, .name = "ide0" },
	{ .io_base = 0x170, .ctl_port = 0x376, .irq = 15, .index = 1, .major = IDE1_MAJOR, .name = "ide1" },
};

static int ide_blksizes[MAX_HWIFS][MAX_DRIVES << PARTN_BITS];
static int ide_hardsects[MAX_HWIFS][MAX_DRIVES << PARTN_BITS];

static void ide_do_rw(ide_drive_t *drive, struct request *rq, unsigned long block);

/* Option bits from ide_setup, per drive (hda..hdd) and per channel. */
static byte ide_opt_nodma[MAX_HWIFS * MAX_DRIVES], ide_opt_noio32[MAX_HWIFS * MAX_DRIVES];
static byte ide_opt_hwif_nodma[MAX_HWIFS];

/* ---- small helpers ----------------------------------------------------- */

static inline byte ide_status(ide_hwif_t *hwif)
{
	return inb_p(IDE_PORT(hwif, STATUS));
}

/* The 400 ns a drive needs after a select before its status is valid. */
static inline void ide_settle(ide_hwif_t *hwif)
{
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
}

/* Polls until BUSY clears: the status, or -1 after `usecs` microseconds. */
static int ide_wait_not_busy(ide_hwif_t *hwif, unsigned long usecs)
{
	unsigned long i;
	byte stat;

	for (i = 0; i <= usecs / 10; i++) {
		stat = ide_status(hwif);
		if (!(stat & BUSY_STAT))
			return stat;
		udelay(10);
	}
	return -1;
}

void ide_set_handler(ide_drive_t *drive, ide_handler_t *handler, unsigned long timeout)
{
	ide_hwgroup_t *hwgroup = &drive->hwif->hwgroup;

	hwgroup->handler = handler;
	del_timer(&hwgroup->timer);
	hwgroup->timer.expires = jiffies + timeout;
	add_timer(&hwgroup->timer);
}

static inline unsigned long ide_start_sect(ide_drive_t *drive, struct request *rq)
{
	return drive->hwif->gd->part[MINOR(rq->rq_dev)].start_sect;
}

/* Fails what is left of the current request, buffer by buffer. */
static void ide_fail_request(ide_hwgroup_t *hwgroup)
{
	struct request *rq = hwgroup->rq;

	while (rq != NULL && hwgroup->rq == rq)
		ide_end_request(0, hwgroup);
	hwgroup->rq = NULL;
}

/* Accounts `n` sectors done: moves the request on, finishing its buffers. */
static void ide_advance(ide_hwgroup_t *hwgroup, unsigned long n)
{
	struct request *rq;
	unsigned long m;

	while (n && (rq = hwgroup->rq) != NULL) {
		m = n < rq->current_nr_sectors ? n : rq->current_nr_sectors;
		rq->sector += m;
		rq->buffer += m << 9;
		rq->nr_sectors -= m;
		rq->current_nr_sectors -= m;
		rq->errors = 0;
		hwgroup->cmd_left -= m;
		n -= m;
		if (rq->current_nr_sectors == 0)
			ide_end_request(1, hwgroup);
	}
}

/* PIO data transfers: `words` 16-bit words, 32 bits at a time where allowed. */
static inline void ide_input_data(ide_drive_t *drive, void *buf, unsigned long words)
{
	if (drive->io_32bit)
		insl(IDE_PORT(drive->hwif, DATA), buf, words >> 1);
	else
		insw(IDE_PORT(drive->hwif, DATA), buf, words);
}

static inline void ide_output_data(ide_drive_t *drive, void *buf, unsigned long words)
{
	if (drive->io_32bit)
		outsl(IDE_PORT(drive->hwif, DATA), buf, words >> 1);
	else
		outsw(IDE_PORT(drive->hwif, DATA), buf, words);
}

/* Ends `n` sectors of the command on the wire, part of it (ide-cd.c). */
void ide_end_part(ide_drive_t *drive, unsigned long n)
{
	ide_advance(&drive->hwif->hwgroup, n);
}

/*
 * Ends `n` sectors of the command on the wire (all of a DMA command), then
 * starts the next command of the request if any of it is left.
 */
void ide_end_sectors(ide_drive_t *drive, unsigned long n)
{
	ide_hwgroup_t *hwgroup = &drive->hwif->hwgroup;
	struct request *rq = hwgroup->rq;

	ide_advance(hwgroup, n);
	if (rq != NULL && hwgroup->rq == rq)
		ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
}

/* ---- probing ----------------------------------------------------------- */

/* Lets triton.c choose a DMA mode for a drive (polled), unless told not to. */
static void ide_select_dma(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;

	drive->nodma = ide_opt_nodma[hwif->index * MAX_DRIVES + drive->unit] || ide_opt_hwif_nodma[hwif->index];
	if (hwif->dmaproc != NULL)
		(void)hwif->dmaproc(ide_dma_check, drive);
}

void ide_fixstring(unsigned char *s, int bytes)
{
	int i;
	unsigned char c;

	for (i = 0; i + 1 < bytes; i += 2) {
		c = s[i];
		s[i] = s[i + 1];
		s[i + 1] = c;
	}
	for (i = bytes - 1; i >= 0 && (s[i] == ' ' || s[i] == 0); i--)
		s[i] = 0;
}

/* Issues a polled command (drive interrupts off); the status, -1 on timeout. */
int ide_polled_cmd(ide_drive_t *drive, byte cmd, byte nsect, unsigned long usecs)
{
	ide_hwif_t *hwif = drive->hwif;

	outb_p(drive->select, IDE_PORT(hwif, SELECT));
	ide_settle(hwif);
	if (ide_wait_not_busy(hwif, usecs) < 0)
		return -1;
	outb_p(nsect, IDE_PORT(hwif, NSECTOR));
	outb_p(cmd, IDE_PORT(hwif, COMMAND));
	ide_settle(hwif);
	return ide_wait_not_busy(hwif, usecs);
}

static void ide_probe_drive(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	struct hd_driveid *id;
	int stat;
	byte lcyl, hcyl;
	unsigned int n;

	outb_p(drive->select, IDE_PORT(hwif, SELECT));
	ide_settle(hwif);
	stat = ide_status(hwif);
	if (stat == 0xff)
		return;		/* nothing drives the bus */
	lcyl = inb_p(IDE_PORT(hwif, LCYL));
	hcyl = inb_p(IDE_PORT(hwif, HCYL));
	if ((lcyl == 0x14 && hcyl == 0xeb) || (lcyl == 0x69 && hcyl == 0x96)) {
		if (ide_cdrom_probe(drive) && drive->cd_dma_wanted)
			ide_select_dma(drive);
		return;
	}
	if (!(stat & (READY_STAT | BUSY_STAT)))
		return;		/* no drive answers */

	stat = ide_polled_cmd(drive, WIN_IDENTIFY, 0, WAIT_ID * (1000000 / HZ));
	if (stat < 0 || (stat & ERR_STAT) || !(stat & DRQ_STAT)) {
		lcyl = inb_p(IDE_PORT(hwif, LCYL));
		hcyl = inb_p(IDE_PORT(hwif, HCYL));
		if ((lcyl == 0x14 && hcyl == 0xeb) || (lcyl == 0x69 && hcyl == 0x96))
			if (ide_cdrom_probe(drive) && drive->cd_dma_wanted)
				ide_select_dma(drive);
		return;
	}
	id = kmalloc(sizeof(*id), GFP_KERNEL);
	if (id == NULL) {
		printk("%s: no memory for IDENTIFY data\n", drive->name);
		return;
	}
	insw(IDE_PORT(hwif, DATA), id, 256);	/* before 32-bit I/O is known to work */
	(void)ide_status(hwif);
	if (id->config & 0x8000) {	/* word 0 bit 15: not an ATA device */
		kfree(id);
		return;
	}
	ide_fixstring(id->model, sizeof(id->model));
	ide_fixstring(id->fw_rev, sizeof(id->fw_rev));
	ide_fixstring(id->serial_no, sizeof(id->serial_no));

	drive->id = id;
	drive->media = ide_disk;
	drive->cyl = id->cyls;
	drive->head = id->heads;
	drive->sect = id->sectors;
	drive->lba = (id->capability & 2) != 0;
	/* Words 83 and 86, bit 10: the 48-bit address feature set, supported and enabled. */
	drive->lba48 = drive->lba && (id->word83 & 0xc400) == 0x4400 && (id->word86 & 0x0400);
	if (drive->lba48)
		drive->capacity48 = (unsigned long long)id->word100 | (unsigned long long)id->word101 << 16 |
			(unsigned long long)id->word102 << 32 | (unsigned long long)id->word103 << 48;
	if (drive->lba48 && drive->capacity48 > id->lba_capacity)
		drive->capacity = drive->capacity48 > 0xffffffffULL ? 0xffffffffUL : (unsigned long)drive->capacity48;
	else if (drive->lba)
		drive->capacity = id->lba_capacity;
	else
		drive->capacity = (unsigned long)drive->cyl * drive->head * drive->sect;
	if (drive->capacity == 0 || (!drive->lba && (!drive->head || !drive->sect))) {
		printk("%s: %s: no usable geometry\n", drive->name, id->model);
		drive->id = NULL;
		kfree(id);
		return;
	}

	/* Multiple mode: the largest power of two both sides accept. */
	drive->max_mult = id->max_multsect;
	for (n = IDE_MAX_MULT; n > 1 && n > drive->max_mult; n >>= 1)
		;
	if (drive->max_mult >= 2 && n >= 2) {
		stat = ide_polled_cmd(drive, WIN_SETMULT, n, WAIT_CMD * (1000000 / HZ));
		if (stat >= 0 && !(stat & ERR_STAT))
			drive->mult_count = n;
	}
	drive->present = 1;
	printk("%s: %s, %lu MiB, %lu sectors, %s%s, multiple %u\n", drive->name, id->model,
	       drive->capacity >> 11, drive->capacity, drive->lba ? "LBA" : "CHS",
	       drive->lba48 ? " LBA48" : "", drive->mult_count);
	/* 32-bit data port accesses: PCI controllers (the PIIX) take them. */
	drive->io_32bit = hwif->pci_device != 0 && !ide_opt_noio32[hwif->index * MAX_DRIVES + drive->unit];
	ide_select_dma(drive);
	if (!drive->using_dma)
		printk("%s: PIO, %d-bit\n", drive->name, drive->io_32bit ? 32 : 16);
}

/* ---- commands ---------------------------------------------------------- */

/* Waits (briefly: interrupts may be off) for the drive to want data. */
int ide_wait_drq(ide_hwif_t *hwif, byte *stat)
{
	int i;

	for (i = 0; i < 10000; i++) {
		*stat = ide_status(hwif);
		if (!(*stat & BUSY_STAT) && (*stat & (DRQ_STAT | ERR_STAT)))
			return (*stat & DRQ_STAT) && !(*stat & ERR_STAT);
		udelay(1);
	}
	return 0;
}

/* Writes the next DRQ block (one sector, or mult_count) from the write cursor. */
static void ide_output_block(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	unsigned long n = drive->mult_count ? drive->mult_count : 1, m;

	if (n > hwgroup->cmd_left)
		n = hwgroup->cmd_left;
	hwgroup->last_block = n;
	while (n) {
		m = n < hwgroup->wr_left ? n : hwgroup->wr_left;
		if (m == 0)
			break;	/* the buffers ran out: cannot happen */
		ide_output_data(drive, hwgroup->wr_buf, m << 8);
		hwgroup->wr_buf += m << 9;
		hwgroup->wr_left -= m;
		n -= m;
		/*
		 * Step to the next buffer now: once the interrupt has ended this
		 * one (end_request), its b_reqnext link is gone.
		 */
		if (hwgroup->wr_left == 0 && hwgroup->wr_bh != NULL && hwgroup->wr_bh->b_reqnext != NULL) {
			hwgroup->wr_bh = hwgroup->wr_bh->b_reqnext;
			hwgroup->wr_buf = hwgroup->wr_bh->b_data;
			hwgroup->wr_left = hwgroup->wr_bh->b_size >> 9;
		}
	}
}

static void read_intr(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq = hwgroup->rq;
	byte stat = ide_status(hwif);
	unsigned long n, m;

	if (!OK_STAT(stat, DATA_READY, BAD_R_STAT)) {
		ide_error(drive, "read_intr", stat);
		return;
	}
	n = drive->mult_count ? drive->mult_count : 1;
	if (n > hwgroup->cmd_left)
		n = hwgroup->cmd_left;
	while (n && hwgroup->rq == rq) {
		m = n < rq->current_nr_sectors ? n : rq->current_nr_sectors;
		ide_input_data(drive, rq->buffer, m << 8);
		n -= m;
		ide_advance(hwgroup, m);
	}
	if (hwgroup->rq != rq)
		return;		/* done */
	if (hwgroup->cmd_left)
		ide_set_handler(drive, read_intr, WAIT_CMD);
	else
		ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
}

static void write_intr(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq = hwgroup->rq;
	byte stat = ide_status(hwif);

	if (!OK_STAT(stat, 0, BAD_W_STAT)) {
		ide_error(drive, "write_intr", stat);
		return;
	}
	ide_advance(hwgroup, hwgroup->last_block);
	if (hwgroup->rq != rq)
		return;		/* done */
	if (!hwgroup->cmd_left) {
		ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
		return;
	}
	if (!(stat & DRQ_STAT) && !ide_wait_drq(hwif, &stat)) {
		ide_error(drive, "write_intr: no DRQ", stat);
		return;
	}
	ide_set_handler(drive, write_intr, WAIT_CMD);
	ide_output_block(drive);
}

/* Starts a read or write command for as much of `rq` as one command carries. */
static void ide_do_rw(ide_drive_t *drive, struct request *rq, unsigned long block)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	unsigned long nsect = rq->nr_sectors;
	unsigned long long end = (unsigned long long)block + nsect;
	int multi = drive->mult_count != 0, rd = rq->cmd == READ;
	byte cmd, stat;

	if (drive->media == ide_cdrom) {
		ide_do_rw_cdrom(drive, rq, block);
		return;
	}

	/* PIO moves at most one multiple block per interrupt; DMA a whole command. */
	drive->cmd_ext = 0;

	stat = ide_status(hwif);
	if (stat & (BUSY_STAT | DRQ_STAT)) {
		ide_error(drive, "drive not ready", stat);
		return;
	}
	if (drive->lba48 && end > 0x0fffffffULL) {
		if (nsect > 65536)
			nsect = 65536;
		outb_p(drive->select | 0x40, IDE_PORT(hwif, SELECT));
		outb_p(nsect >> 8, IDE_PORT(hwif, NSECTOR));	/* high-order bytes first */
		outb_p(block >> 24, IDE_PORT(hwif, SECTOR));
		outb_p(0, IDE_PORT(hwif, LCYL));
		outb_p(0, IDE_PORT(hwif, HCYL));
		outb_p(nsect, IDE_PORT(hwif, NSECTOR));
		outb_p(block, IDE_PORT(hwif, SECTOR));
		outb_p(block >> 8, IDE_PORT(hwif, LCYL));
		outb_p(block >> 16, IDE_PORT(hwif, HCYL));
		cmd = rd ? (multi ? WIN_MULTREAD_EXT : WIN_READ_EXT) : (multi ? WIN_MULTWRITE_EXT : WIN_WRITE_EXT);
		drive->cmd_ext = 1;
	} else {
		if (nsect > 256)
			nsect = 256;
		if (drive->lba) {
			outb_p(drive->select | 0x40 | ((block >> 24) & 0x0f), IDE_PORT(hwif, SELECT));
			outb_p(block, IDE_PORT(hwif, SECTOR));
			outb_p(block >> 8, IDE_PORT(hwif, LCYL));
			outb_p(block >> 16, IDE_PORT(hwif, HCYL));
		} else {
			unsigned long sect = block % drive->sect + 1, track = block / drive->sect;
			unsigned long head = track % drive->head, cyl = track / drive->head;

			outb_p(drive->select | head, IDE_PORT(hwif, SELECT));
			outb_p(sect, IDE_PORT(hwif, SECTOR));
			outb_p(cyl, IDE_PORT(hwif, LCYL));
			outb_p(cyl >> 8, IDE_PORT(hwif, HCYL));
		}
		outb_p(nsect & 0xff, IDE_PORT(hwif, NSECTOR));	/* 0 means 256 */
		cmd = rd ? (multi ? WIN_MULTREAD : WIN_READ) : (multi ? WIN_MULTWRITE : WIN_WRITE);
	}
	hwgroup->cmd_left = nsect;
	if (drive->using_dma && !hwif->dmaproc(rd ? ide_dma_read : ide_dma_write, drive))
		return;		/* the engine has it; dma_intr ends it */
	ide_set_handler(drive, rd ? read_intr : write_intr, WAIT_CMD);
	outb_p(cmd, IDE_PORT(hwif, COMMAND));
	if (rd)
		return;
	hwgroup->wr_bh = rq->bh;
	hwgroup->wr_buf = rq->buffer;
	hwgroup->wr_left = rq->current_nr_sectors;
	if (!ide_wait_drq(hwif, &stat)) {
		hwgroup->handler = NULL;
		del_timer(&hwgroup->timer);
		ide_error(drive, "write: no DRQ", stat);
		return;
	}
	ide_output_block(drive);
}

/* ---- errors, resets, timeouts ------------------------------------------ */

static void reset_pollfunc(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq = hwgroup->rq;
	byte stat = ide_status(hwif);
	int unit;

	if (stat & BUSY_STAT) {
		if ((long)(jiffies - hwgroup->poll_timeout) < 0) {
			hwgroup->handler = reset_pollfunc;
			hwgroup->timer.expires = jiffies + 1;
			add_timer(&hwgroup->timer);
			return;
		}
		printk("%s: reset timed out, status=0x%02x\n", hwif->name, stat);
		hwgroup->poll_timeout = 0;
		outb_p(0, hwif->ctl_port);
		ide_fail_request(hwgroup);
		return;
	}
	hwgroup->poll_timeout = 0;
	/*
	 * A reset may drop the multiple-mode setting: go on one sector at a
	 * time. It may drop the DMA mode too: choose it again (polled; drive
	 * interrupts are still off).
	 */
	for (unit = 0; unit < MAX_DRIVES; unit++) {
		hwif->drives[unit].mult_count = 0;
		if (hwif->drives[unit].using_dma)
			(void)hwif->dmaproc(ide_dma_check, &hwif->drives[unit]);
	}
	outb_p(0, hwif->ctl_port);
	printk("%s: reset done, status=0x%02x\n", hwif->name, stat);
	if (rq)
		ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
}

/* Software reset of the channel, finished by reset_pollfunc from the timer. */
static void ide_do_reset(ide_drive_t *drive)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;

	if (hwif->dmaproc != NULL)
		(void)hwif->dmaproc(ide_dma_abort, drive);
	printk("%s: resetting\n", hwif->name);
	outb_p(IDE_CTL_SRST | IDE_CTL_NIEN, hwif->ctl_port);
	udelay(10);
	outb_p(IDE_CTL_NIEN, hwif->ctl_port);
	hwgroup->poll_timeout = jiffies + WAIT_RESET;
	ide_set_handler(drive, reset_pollfunc, HZ / 20 + 1);
}

void ide_error(ide_drive_t *drive, const char *msg, byte stat)
{
	ide_hwif_t *hwif = drive->hwif;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq = hwgroup->rq;
	byte err = 0;

	if (drive->using_dma)
		(void)hwif->dmaproc(ide_dma_abort, drive);	/* the engine stops first */

	if (stat & ERR_STAT)
		err = inb_p(IDE_PORT(hwif, ERROR));
	printk("%s: %s: status=0x%02x error=0x%02x sector=%lu\n", drive->name, msg, stat, err,
	       rq ? rq->sector : 0);
	if (rq == NULL)
		return;
	if (drive->media == ide_cdrom) {
		/* ATAPI: the sense key is the error register's high nibble. */
		/*
		 * A changed disc (UNIT ATTENTION) or none (NOT READY) fails
		 * the request, as Linux 2.0's ide-cd does; the next open
		 * reads the new disc (ide_media_change).
		 */
		if ((err >> 4) == UNIT_ATTENTION) {
			printk("%s: medium changed\n", drive->name);
			drive->cd_changed = 1;
			rq->errors = ERROR_MAX;
		} else if ((err >> 4) == NOT_READY) {
			drive->cd_nomedium = 1;
			rq->errors = ERROR_MAX;
		}
	} else if (err & (BBD_ERR | ABRT_ERR | ID_ERR))
		rq->errors = ERROR_MAX;	/* the drive refuses: retrying will not help */
	else
		rq->errors++;
	if (rq->errors >= ERROR_MAX) {
		ide_fail_request(hwgroup);
		return;
	}
	if ((stat & (BUSY_STAT | DRQ_STAT)) || rq->errors % ERROR_RESET == 0) {
		ide_do_reset(drive);
		return;
	}
	ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
}

/* ---- request queue, interrupt, timer ----------------------------------- */

static void ide_start_request(ide_hwif_t *hwif, struct request *rq)
{
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	unsigned int minor = MINOR(rq->rq_dev), unit = minor >> PARTN_BITS;
	ide_drive_t *drive;
	unsigned long size;

	hwgroup->rq = rq;
	if (unit >= MAX_DRIVES || !hwif->drives[unit].present || (rq->cmd != READ && rq->cmd != WRITE)) {
		printk("%s: bad request for %s\n", hwif->name, kdevname(rq->rq_dev));
		ide_fail_request(hwgroup);
		return;
	}
	drive = &hwif->drives[unit];
	hwgroup->drive = drive;
	size = (unsigned long)hwif->gd->part[minor].nr_sects;
	if (drive->media == ide_cdrom && (rq->cmd != READ || ((rq->sector | rq->nr_sectors) & (CD_SECTS - 1)))) {
		printk("%s: CD-ROM requests are reads of whole 2048-byte blocks\n", drive->name);
		ide_fail_request(hwgroup);
		return;
	}
	if (rq->nr_sectors == 0 || rq->sector >= size || rq->nr_sectors > size - rq->sector) {
		printk("%s: access beyond the end of %s (sector %lu, %lu sectors)\n", drive->name,
		       kdevname(rq->rq_dev), rq->sector, rq->nr_sectors);
		ide_fail_request(hwgroup);
		return;
	}
	ide_do_rw(drive, rq, rq->sector + ide_start_sect(drive, rq));
}

/* Starts the next queued request unless one is in progress. */
static void do_hwgroup_request(ide_hwif_t *hwif)
{
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq;
	unsigned long flags;

	save_flags(flags);
	cli();
	while (!hwgroup->active && (rq = blk_dev[hwif->major].current_request) != NULL) {
		hwgroup->active = 1;
		ide_start_request(hwif, rq);
		if (hwgroup->handler)
			break;
		hwgroup->active = 0;	/* it ended at once (failed) */
	}
	restore_flags(flags);
}

/* After a handler ran: if nothing more is expected, take the next request. */
static void ide_kick(ide_hwif_t *hwif)
{
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;

	if (hwgroup->handler)
		return;
	if (hwgroup->rq)
		ide_fail_request(hwgroup);	/* a handler left it hanging */
	hwgroup->active = 0;
	do_hwgroup_request(hwif);
}

static void do_ide0_request(void)
{
	do_hwgroup_request(&ide_hwifs[0]);
}

static void do_ide1_request(void)
{
	do_hwgroup_request(&ide_hwifs[1]);
}

static void ide_intr(int irq, void *dev_id, struct pt_regs *regs)
{
	ide_hwif_t *hwif = dev_id;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	ide_handler_t *handler = hwgroup->handler;

	(void)irq;
	(void)regs;
	if (handler == NULL || hwgroup->poll_timeout) {
		(void)ide_status(hwif);	/* unexpected: acknowledge it */
		return;
	}
	hwgroup->handler = NULL;
	del_timer(&hwgroup->timer);
	handler(hwgroup->drive);
	ide_kick(hwif);
}

static void ide_timer_expiry(unsigned long data)
{
	ide_hwif_t *hwif = (ide_hwif_t *)data;
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	ide_handler_t *handler;
	unsigned long flags;

	save_flags(flags);
	cli();
	handler = hwgroup->handler;
	if (handler != NULL) {
		hwgroup->handler = NULL;
		if (hwgroup->poll_timeout)
			handler(hwgroup->drive);	/* a reset being polled */
		else
			ide_error(hwgroup->drive, "timeout", ide_status(hwif));
		ide_kick(hwif);
	}
	restore_flags(flags);
}

/* ---- block device interface -------------------------------------------- */

static ide_hwif_t *ide_hwif_of(kdev_t dev)
{
	int i;

	for (i = 0; i < MAX_HWIFS; i++)
		if (ide_hwifs[i].present && ide_hwifs[i].major == MAJOR(dev))
			return &ide_hwifs[i];
	return NULL;
}

/*
 * The channel for polled commands from thread context: taken as a request
 * takes it (hwgroup->active), once no request is in progress, so queued
 * requests wait; given back with the queue restarted.
 */
static void ide_claim_channel(ide_hwif_t *hwif)
{
	unsigned long flags;

	for (;;) {
		save_flags(flags);
		cli();
		if (!hwif->hwgroup.active) {
			hwif->hwgroup.active = 1;
			restore_flags(flags);
			return;
		}
		restore_flags(flags);
		current->timeout = jiffies + 1;
		current->state = TASK_INTERRUPTIBLE;
		schedule();
	}
}

static void ide_release_channel(ide_hwif_t *hwif)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	hwif->hwgroup.active = 0;
	do_hwgroup_request(hwif);
	restore_flags(flags);
}

/*
 * check_media_change: for a CD-ROM, looks at the disc (TEST UNIT READY,
 * READ CAPACITY: ide_cdrom_check_media) and answers whether it changed
 * since the last look (UNIT ATTENTION then, or on a request since).
 */
static int ide_media_change(kdev_t dev)
{
	ide_hwif_t *hwif = ide_hwif_of(dev);
	unsigned int unit = MINOR(dev) >> PARTN_BITS;
	ide_drive_t *drive;
	int changed;

	if (hwif == NULL || unit >= MAX_DRIVES || !hwif->drives[unit].present)
		return 0;
	drive = &hwif->drives[unit];
	if (drive->media != ide_cdrom)
		return 0;
	ide_claim_channel(hwif);
	(void)ide_cdrom_check_media(drive);
	ide_release_channel(hwif);
	changed = drive->cd_changed;
	drive->cd_changed = 0;
	return changed;
}

/* revalidate: the drive's size from what ide_media_change read. */
static int ide_revalidate(kdev_t dev)
{
	ide_hwif_t *hwif = ide_hwif_of(dev);
	unsigned int unit = MINOR(dev) >> PARTN_BITS, minor = unit << PARTN_BITS;
	ide_drive_t *drive;

	if (hwif == NULL || unit >= MAX_DRIVES || !hwif->drives[unit].present)
		return -ENXIO;
	drive = &hwif->drives[unit];
	if (drive->media == ide_cdrom) {
		hwif->gd->part[minor].nr_sects = drive->capacity;
		hwif->gd->sizes[minor] = drive->capacity >> 1;
		printk("%s: %lu blocks of %d bytes\n", drive->name, drive->capacity / CD_SECTS, CD_FRAMESIZE);
	}
	return 0;
}

static int ide_open(struct inode *inode, struct file *filp)
{
	ide_hwif_t *hwif = ide_hwif_of(inode->i_rdev);
	unsigned int unit = MINOR(inode->i_rdev) >> PARTN_BITS;
	ide_drive_t *drive;

	(void)filp;
	if (hwif == NULL || unit >= MAX_DRIVES || !hwif->drives[unit].present)
		return -ENXIO;
	drive = &hwif->drives[unit];
	if (drive->media == ide_cdrom) {
		/* The disc may have changed: look (the first look at start-up found it). */
		check_disk_change(inode->i_rdev);
		if (drive->cd_nomedium)
			return -ENXIO;
	}
	return 0;
}

static void ide_release(struct inode *inode, struct file *filp)
{
	(void)inode;
	(void)filp;
}

static int ide_ioctl(struct inode *inode, struct file *filp, unsigned int cmd, unsigned long arg)
{
	ide_hwif_t *hwif = ide_hwif_of(inode->i_rdev);
	unsigned int minor = MINOR(inode->i_rdev), unit = minor >> PARTN_BITS;
	ide_drive_t *drive;

	(void)filp;
	if (hwif == NULL || unit >= MAX_DRIVES || !hwif->drives[unit].present)
		return -ENODEV;
	drive = &hwif->drives[unit];
	switch (cmd) {
	case HDIO_GETGEO: {
		struct hd_geometry *geo = (struct hd_geometry *)arg;

		if (geo == NULL)
			return -EINVAL;
		put_user(drive->head, &geo->heads);
		put_user(drive->sect, &geo->sectors);
		put_user(drive->cyl, &geo->cylinders);
		put_user((unsigned long)hwif->gd->part[minor].start_sect, &geo->start);
		return 0;
	}
	case BLKGETSIZE:
		if (arg == 0)
			return -EINVAL;
		put_user((long)hwif->gd->part[minor].nr_sects, (long *)arg);
		return 0;
	case BLKRRPART:
		resetup_one_dev(hwif->gd, unit);
		return 0;
	default:
		return -EINVAL;
	}
}

static struct file_operations ide_fops = {
	NULL,			/* lseek */
	block_read,
	block_write,
	NULL,			/* readdir */
	NULL,			/* select */
	ide_ioctl,
	NULL,			/* mmap */
	ide_open,
	ide_release,
	block_fsync,
	NULL,			/* fasync */
	ide_media_change,
	ide_revalidate
};

/* gendisk init: the whole-drive minors get the sizes IDENTIFY gave. */
static void ide_geninit(struct gendisk *gd)
{
	ide_hwif_t *hwif = gd->real_devices;
	int unit, minor;

	for (unit = 0; unit < MAX_DRIVES; unit++) {
		ide_drive_t *drive = &hwif->drives[unit];

		minor = unit << PARTN_BITS;
		gd->part[minor].start_sect = 0;
		gd->part[minor].nr_sects = drive->present ? (long)drive->capacity : 0;
		gd->sizes[minor] = drive->present ? drive->capacity >> 1 : 0;
		if (drive->present && drive->media == ide_cdrom) {
			/* 2048-byte blocks, read-only; capacity counts 512-byte sectors. */
			ide_hardsects[hwif->index][minor] = CD_FRAMESIZE;
			ide_blksizes[hwif->index][minor] = CD_FRAMESIZE;
			set_device_ro(MKDEV(hwif->major, minor), 1);
		}
	}
}

static int ide_register(ide_hwif_t *hwif)
{
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct gendisk *gd;
	int nminors = MAX_DRIVES << PARTN_BITS, i;

	gd = kmalloc(sizeof(*gd), GFP_KERNEL);
	if (gd == NULL)
		return -ENOMEM;
	memset(gd, 0, sizeof(*gd));
	gd->part = kmalloc(nminors * sizeof(struct hd_struct), GFP_KERNEL);
	gd->sizes = kmalloc(nminors * sizeof(int), GFP_KERNEL);
	if (gd->part == NULL || gd->sizes == NULL) {
		kfree(gd->part);
		kfree(gd->sizes);
		kfree(gd);
		return -ENOMEM;
	}
	memset(gd->part, 0, nminors * sizeof(struct hd_struct));
	memset(gd->sizes, 0, nminors * sizeof(int));

	init_timer(&hwgroup->timer);
	hwgroup->timer.function = ide_timer_expiry;
	hwgroup->timer.data = (unsigned long)hwif;
	if (request_irq(hwif->irq, ide_intr, SA_INTERRUPT, hwif->name, hwif)) {
		printk("%s: cannot get irq %d\n", hwif->name, hwif->irq);
		goto fail;
	}
	if (register_blkdev(hwif->major, hwif->name, &ide_fops)) {
		printk("%s: cannot get major %d\n", hwif->name, hwif->major);
		free_irq(hwif->irq, hwif);
		goto fail;
	}
	request_region(hwif->io_base, 8, hwif->name);
	request_region(hwif->ctl_port, 1, hwif->name);
	for (i = 0; i < nminors; i++) {
		ide_blksizes[hwif->index][i] = BLOCK_SIZE;
		ide_hardsects[hwif->index][i] = 512;
	}
	blksize_size[hwif->major] = ide_blksizes[hwif->index];
	hardsect_size[hwif->major] = ide_hardsects[hwif->index];
	read_ahead[hwif->major] = 8;
	blk_dev[hwif->major].request_fn = hwif->index ? do_ide1_request : do_ide0_request;

	gd->major = hwif->major;
	gd->major_name = hwif->name;
	gd->minor_shift = PARTN_BITS;
	gd->max_p = 1 << PARTN_BITS;
	gd->max_nr = MAX_DRIVES;
	gd->init = ide_geninit;
	gd->nr_real = MAX_DRIVES;
	gd->real_devices = hwif;
	gd->next = gendisk_head;
	gendisk_head = gd;
	blk_size[hwif->major] = gd->sizes;
	hwif->gd = gd;
	hwif->present = 1;

	outb_p(0, hwif->ctl_port);	/* drive interrupts on */
	(void)ide_status(hwif);
	printk("%s: at 0x%03x-0x%03x,0x%03x on irq %d\n", hwif->name, hwif->io_base, hwif->io_base + 7,
	       hwif->ctl_port, hwif->irq);
	return 0;
fail:
	kfree(gd->part);
	kfree(gd->sizes);
	kfree(gd);
	return -EBUSY;
}

/*
 * Command-line options ("hdX=..." and "ideN=...", Linux 2.0's ide_setup):
 * nodma and noautotune (PIO only), noio32 (16-bit PIO). Others are
 * reported and ignored.
 */
void ide_setup(char *s)
{
	char *opt = strchr(s, '=');
	int n;

	if (opt == NULL)
		goto bad;
	opt++;
	if (s[0] == 'h' && s[1] == 'd' && s[2] >= 'a' && s[2] < 'a' + MAX_HWIFS * MAX_DRIVES && s[3] == '=') {
		n = s[2] - 'a';
		if (!strcmp(opt, "nodma") || !strcmp(opt, "noautotune"))
			ide_opt_nodma[n] = 1;
		else if (!strcmp(opt, "noio32"))
			ide_opt_noio32[n] = 1;
		else
			goto bad;
		printk("ide_setup: %s\n", s);
		return;
	}
	if (!strncmp(s, "ide", 3) && s[3] >= '0' && s[3] < '0' + MAX_HWIFS && s[4] == '=' && !strcmp(opt, "nodma")) {
		ide_opt_hwif_nodma[s[3] - '0'] = 1;
		printk("ide_setup: %s\n", s);
		return;
	}
bad:
	printk("ide_setup: %s: not understood, ignored\n", s);
}

/*
 * The PCI IDE functions whose legacy channels are ours: the Intel PIIX
 * family, which also has the bus-master DMA engine (triton.c). A PC has
 * one; the newest is taken first (QEMU can add a piix4-ide beside the pc
 * machine's built-in piix3-ide, and then the PIIX4 answers the ports).
 */
static void ide_probe_pci(void)
{
	static const unsigned short ids[] = {
		PCI_DEVICE_ID_INTEL_82371AB, PCI_DEVICE_ID_INTEL_82371SB_1, PCI_DEVICE_ID_INTEL_82371_1
	};
	unsigned char bus, fn;
	unsigned int i, h;

	if (!pcibios_present())
		return;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (pcibios_find_device(PCI_VENDOR_ID_INTEL, ids[i], 0, &bus, &fn))
			continue;
		for (h = 0; h < MAX_HWIFS; h++)
			ide_hwifs[h].pci_device = ids[i];
		ide_init_triton(bus, fn);
		return;
	}
}

/* Probes both channels and registers those with ATA disks. */
int ide_init(void)
{
	int h, u, found = 0;

	ide_probe_pci();
	for (h = 0; h < MAX_HWIFS; h++) {
		ide_hwif_t *hwif = &ide_hwifs[h];
		int any = 0;

		if (check_region(hwif->io_base, 8) || check_region(hwif->ctl_port, 1)) {
			printk("%s: ports 0x%03x taken, not probed\n", hwif->name, hwif->io_base);
			continue;
		}
		outb_p(IDE_CTL_NIEN, hwif->ctl_port);
		for (u = 0; u < MAX_DRIVES; u++) {
			ide_drive_t *drive = &hwif->drives[u];

			drive->hwif = hwif;
			drive->unit = u;
			drive->select = 0xa0 | (u << 4);
			drive->name[0] = 'h';
			drive->name[1] = 'd';
			drive->name[2] = 'a' + h * MAX_DRIVES + u;
			drive->name[3] = 0;
			ide_probe_drive(drive);
			any |= drive->present;
		}
		if (!any) {
			outb_p(0, hwif->ctl_port);
			continue;
		}
		if (ide_register(hwif) == 0)
			found++;
		else
			for (u = 0; u < MAX_DRIVES; u++)
				hwif->drives[u].present = 0;
	}
	return found;
}
