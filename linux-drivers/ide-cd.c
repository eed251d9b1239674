/*
 * ide-cd.c - ATAPI CD-ROM drives on the IDE channels, Linux 2.0 style,
 * written for this kernel from the ATA/ATAPI and MMC specifications (no
 * code of Linux's ide-cd.c). ide.c finds the drive by its ATAPI signature
 * and hands it here (ide_cdrom_probe); requests for it come to
 * ide_do_rw_cdrom.
 *
 * A packet command: the task file gets the byte count the host takes per
 * data phase (LCYL/HCYL) and PACKET (A0h); once the drive sets DRQ the 12
 * command bytes go out through the data port. The drive then interrupts
 * for each data phase (DRQ set, the byte count in LCYL/HCYL) and once at
 * the end (DRQ clear; ERR with the sense key in the error register's high
 * nibble on failure). Reads go by bus-master DMA where triton.c drives the
 * channel (FEATURES bit 0 set, the engine started after the packet, one
 * interrupt at the end), else by PIO.
 *
 * The drive is a read-only block device of 2048-byte blocks
 * (hardsect_size), its capacity from READ CAPACITY in 512-byte sectors as
 * the block layer counts; requests are READ(10) of whole blocks, up to a
 * request's 256 sectors (64 blocks) per command. A UNIT ATTENTION (the
 * medium may have changed) marks the drive cd_changed and fails the
 * request, as NOT READY (no disc) does; the next open looks at the disc
 * again (ide.c's ide_media_change, check_disk_change). Probing and
 * ide_cdrom_check_media (TEST UNIT READY, READ CAPACITY) are polled.
 */
#include <linux/config.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/interrupt.h>
#include <linux/blkdev.h>
#include <linux/errno.h>
#include <linux/hdreg.h>
#include <linux/malloc.h>
#include <linux/string.h>
#include <asm/io.h>

#include "ide.h"

/* Bytes per data phase we offer: a multiple of 2048 below 64 KiB. */
#define CD_BYTE_LIMIT 0xf800

static inline byte cd_status(ide_hwif_t *hwif)
{
	return inb_p(IDE_PORT(hwif, STATUS));
}

static void cd_settle(ide_hwif_t *hwif)
{
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
	inb(hwif->ctl_port);
}

/* Polls until BUSY clears: the status, or -1 after `usecs`. */
static int cd_wait(ide_hwif_t *hwif, unsigned long usecs)
{
	unsigned long i;
	byte stat;

	for (i = 0; i <= usecs / 10; i++) {
		stat = cd_status(hwif);
		if (!(stat & BUSY_STAT))
			return stat;
		udelay(10);
	}
	return -1;
}

/* Loads the task file for a packet command and issues PACKET. */
static void cd_issue_packet(ide_drive_t *drive, unsigned int limit)
{
	ide_hwif_t *hwif = HWIF(drive);

	outb_p(drive->select, IDE_PORT(hwif, SELECT));
	outb_p(0, IDE_PORT(hwif, FEATURE));	/* PIO data, no overlap */
	outb_p(limit & 0xff, IDE_PORT(hwif, LCYL));
	outb_p(limit >> 8, IDE_PORT(hwif, HCYL));
	outb_p(WIN_PACKETCMD, IDE_PORT(hwif, COMMAND));
}

/* Reads and drops `bytes` the drive offers beyond what we want. */
static void cd_discard(ide_hwif_t *hwif, unsigned int bytes)
{
	for (; bytes >= 2; bytes -= 2)
		(void)inw(IDE_PORT(hwif, DATA));
}

/*
 * A polled packet command (drive interrupts off): data into `buf` (up to
 * `len` bytes). Returns the bytes received, or -1 with the error register
 * in *err (0 if the drive did not answer).
 */
static int cd_polled_packet(ide_drive_t *drive, const byte *pkt, void *buf, unsigned int len, byte *err)
{
	ide_hwif_t *hwif = HWIF(drive);
	unsigned int got = 0, n, take;
	int stat;

	*err = 0;
	outb_p(drive->select, IDE_PORT(hwif, SELECT));
	cd_settle(hwif);
	if (cd_wait(hwif, WAIT_CMD * (1000000 / HZ)) < 0)
		return -1;
	cd_issue_packet(drive, len ? len : 2);
	cd_settle(hwif);
	stat = cd_wait(hwif, 100000);
	if (stat < 0 || !(stat & DRQ_STAT)) {
		if (stat >= 0 && (stat & ERR_STAT))
			*err = inb_p(IDE_PORT(hwif, ERROR));
		return -1;
	}
	outsw(IDE_PORT(hwif, DATA), pkt, 6);
	for (;;) {
		cd_settle(hwif);
		stat = cd_wait(hwif, WAIT_CMD * (1000000 / HZ));
		if (stat < 0)
			return -1;
		if (stat & ERR_STAT) {
			*err = inb_p(IDE_PORT(hwif, ERROR));
			return -1;
		}
		if (!(stat & DRQ_STAT))
			return got;
		n = inb_p(IDE_PORT(hwif, LCYL)) | inb_p(IDE_PORT(hwif, HCYL)) << 8;
		take = len - got < n ? len - got : n;
		take &= ~1U;
		if (take)
			insw(IDE_PORT(hwif, DATA), (char *)buf + got, take / 2);
		got += take;
		cd_discard(hwif, n - take);
	}
}

/*
 * Looks at the disc (polled): TEST UNIT READY until the drive stops
 * reporting a medium change (each read back with REQUEST SENSE, which
 * ends it), or, a few times, not ready; then READ CAPACITY. Sets the capacity (0
 * without a disc). Returns 0 if a disc is there.
 */
int ide_cdrom_check_media(ide_drive_t *drive)
{
	byte pkt[12], cap[8], sense[18], err;
	unsigned long blocks, bsize;
	int i, w, tries, rc = -1;

	for (i = 0, tries = 0; i < 8; i++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = GPCMD_TEST_UNIT_READY;
		rc = cd_polled_packet(drive, pkt, NULL, 0, &err);
		if (rc >= 0)
			break;
		if ((err >> 4) == UNIT_ATTENTION) {
			/* The drive keeps it pending until REQUEST SENSE reads it. */
			drive->cd_changed = 1;
			memset(pkt, 0, sizeof(pkt));
			pkt[0] = GPCMD_REQUEST_SENSE;
			pkt[4] = sizeof(sense);
			(void)cd_polled_packet(drive, pkt, sense, sizeof(sense), &err);
			continue;
		}
		/*
		 * NOT READY: no disc, or one just put in (a drive reports its
		 * tray closing so before the UNIT ATTENTION): asked again a
		 * few times, 10 ms apart.
		 */
		if ((err >> 4) == NOT_READY && ++tries < 4) {
			for (w = 0; w < 10; w++)
				udelay(1000);
			continue;
		}
		break;
	}
	drive->capacity = 0;
	drive->cd_nomedium = 1;
	if (rc < 0)
		return -1;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = GPCMD_READ_CDVD_CAPACITY;
	if (cd_polled_packet(drive, pkt, cap, sizeof(cap), &err) != sizeof(cap))
		return -1;
	blocks = ((unsigned long)cap[0] << 24 | cap[1] << 16 | cap[2] << 8 | cap[3]) + 1;
	bsize = (unsigned long)cap[4] << 24 | cap[5] << 16 | cap[6] << 8 | cap[7];
	if (bsize != CD_FRAMESIZE)
		printk("%s: block size %lu reported, using %d\n", drive->name, bsize, CD_FRAMESIZE);
	if (blocks > 0xffffffffUL / CD_SECTS)
		blocks = 0xffffffffUL / CD_SECTS;
	drive->capacity = blocks * CD_SECTS;
	drive->cd_nomedium = 0;
	return 0;
}

/* An ATAPI device answered: IDENTIFY PACKET DEVICE, keep it if a CD-ROM. */
int ide_cdrom_probe(ide_drive_t *drive)
{
	ide_hwif_t *hwif = HWIF(drive);
	struct hd_driveid *id;
	int stat, type;

	stat = ide_polled_cmd(drive, WIN_PIDENTIFY, 0, WAIT_ID * (1000000 / HZ));
	if (stat < 0 || (stat & ERR_STAT) || !(stat & DRQ_STAT)) {
		printk("%s: ATAPI device does not answer IDENTIFY PACKET DEVICE\n", drive->name);
		return 0;
	}
	id = kmalloc(sizeof(*id), GFP_KERNEL);
	if (id == NULL)
		return 0;
	insw(IDE_PORT(hwif, DATA), id, 256);
	(void)cd_status(hwif);
	type = (id->config >> 8) & 0x1f;
	if ((id->config & 0xc000) != 0x8000 || type != ide_cdrom || (id->config & 3) != 0) {
		printk("%s: ATAPI device of type %d, not handled\n", drive->name, type);
		kfree(id);
		return 0;
	}
	ide_fixstring(id->model, sizeof(id->model));
	ide_fixstring(id->fw_rev, sizeof(id->fw_rev));
	ide_fixstring(id->serial_no, sizeof(id->serial_no));
	drive->id = id;
	drive->media = ide_cdrom;
	drive->present = 1;
	drive->using_dma = 0;
	drive->io_32bit = 0;
	drive->nodma = 0;
	ide_cdrom_check_media(drive);
	drive->cd_changed = 0;		/* the disc found at power-on is no change */
	/* triton.c chooses the DMA mode as for a disk (after the polled probe). */
	drive->cd_dma_wanted = hwif->dmaproc != NULL;
	if (drive->cd_nomedium)
		printk("%s: ATAPI CD-ROM %s, no disc\n", drive->name, id->model);
	else
		printk("%s: ATAPI CD-ROM %s, %lu blocks of %d bytes\n", drive->name, id->model,
		       drive->capacity / CD_SECTS, CD_FRAMESIZE);
	return 1;
}

static void cdrom_read_intr(ide_drive_t *drive)
{
	ide_hwif_t *hwif = HWIF(drive);
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	struct request *rq = hwgroup->rq;
	byte stat = cd_status(hwif);
	unsigned int n, m;

	if (stat & ERR_STAT) {
		ide_error(drive, "cdrom_read_intr", stat);
		return;
	}
	if (!(stat & DRQ_STAT)) {
		/* The command ended: all of it should have come. */
		if (hwgroup->cmd_left == 0 || hwgroup->cmd_left != hwgroup->last_block) {
			ide_error(drive, "cdrom_read_intr: data missing", stat);
			return;
		}
		/* The last sectors end now, then the next command, if any. */
		ide_end_sectors(drive, hwgroup->last_block);
		return;
	}
	n = inb_p(IDE_PORT(hwif, LCYL)) | inb_p(IDE_PORT(hwif, HCYL)) << 8;
	while (n >= 512 && hwgroup->cmd_left > hwgroup->last_block) {
		m = n >> 9;
		if (m > rq->current_nr_sectors)
			m = rq->current_nr_sectors;
		if (m > hwgroup->cmd_left)
			m = hwgroup->cmd_left;
		insw(IDE_PORT(hwif, DATA), rq->buffer, m << 8);
		n -= m << 9;
		if (m == hwgroup->cmd_left) {
			/*
			 * The command's last sectors: they end with the command's
			 * status interrupt, so the request (and the next one)
			 * waits for it.
			 */
			hwgroup->last_block = m;
			break;
		}
		ide_end_part(drive, m);
	}
	cd_discard(hwif, n);
	ide_set_handler(drive, cdrom_read_intr, WAIT_CMD);
}

/*
 * Starts READ(10) for as much of `rq` as one command carries; `block` is
 * the request's first 512-byte sector on the drive.
 */
void ide_do_rw_cdrom(ide_drive_t *drive, struct request *rq, unsigned long block)
{
	ide_hwif_t *hwif = HWIF(drive);
	ide_hwgroup_t *hwgroup = &hwif->hwgroup;
	unsigned long lba = block / CD_SECTS, nblocks = rq->nr_sectors / CD_SECTS;
	byte pkt[12], stat;
	int dma;

	stat = cd_status(hwif);
	if (stat & (BUSY_STAT | DRQ_STAT)) {
		ide_error(drive, "cdrom: drive not ready", stat);
		return;
	}
	if (nblocks > 0xffff)
		nblocks = 0xffff;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = GPCMD_READ_10;
	pkt[2] = lba >> 24;
	pkt[3] = lba >> 16;
	pkt[4] = lba >> 8;
	pkt[5] = lba;
	pkt[7] = nblocks >> 8;
	pkt[8] = nblocks;
	hwgroup->cmd_left = nblocks * CD_SECTS;
	hwgroup->last_block = 0;
	dma = drive->using_dma && !hwif->dmaproc(ide_dma_read, drive);	/* arms dma_intr */
	if (!dma)
		ide_set_handler(drive, cdrom_read_intr, WAIT_CMD);
	outb_p(drive->select, IDE_PORT(hwif, SELECT));
	outb_p(dma ? 1 : 0, IDE_PORT(hwif, FEATURE));	/* bit 0: the data goes by DMA */
	outb_p(CD_BYTE_LIMIT & 0xff, IDE_PORT(hwif, LCYL));
	outb_p(CD_BYTE_LIMIT >> 8, IDE_PORT(hwif, HCYL));
	outb_p(WIN_PACKETCMD, IDE_PORT(hwif, COMMAND));
	if (!ide_wait_drq(hwif, &stat)) {
		hwgroup->handler = NULL;
		del_timer(&hwgroup->timer);
		ide_error(drive, "cdrom: no DRQ for the packet", stat);
		return;
	}
	outsw(IDE_PORT(hwif, DATA), pkt, 6);
	if (dma)
		(void)hwif->dmaproc(ide_dma_begin, drive);
}
