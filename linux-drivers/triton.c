/*
 * triton.c - PCI bus-master IDE DMA on the Intel PIIX (82371FB, "Triton"),
 * PIIX3 (82371SB) and PIIX4 (82371AB), Linux 2.0 style, written for this
 * kernel from the PIIX datasheets and the ATA specifications (no code of
 * Linux's triton.c). ide.c finds the controller's IDE function on the PCI
 * bus and calls ide_init_triton; from then on each channel's hwif has a
 * dmaproc, which ide.c asks for every read and write of a drive using DMA.
 *
 * Hardware (PIIX datasheet): the IDE function's BAR4 (config 0x20) is the
 * bus-master base BMIBA, 16 I/O ports: the primary channel's registers at
 * +0, the secondary's at +8. Per channel: BMICX (+0: bit 0 start, bit 3
 * direction, 1 = the engine writes memory, a disk read), BMISX (+2: bit 0
 * active, bit 1 error, bit 2 interrupt, the last two cleared by writing 1;
 * bits 5 and 6 "drive 0/1 DMA capable", kept for the BIOS), BMIDTP (+4: the
 * physical address of the PRD table, dword aligned). The PRD table is a list
 * of (physical address, byte count) pairs: the address even, the count even
 * with 0 meaning 64 KiB, bit 31 of the count word marks the last entry, and
 * no region may cross a 64 KiB boundary; the table itself must not cross one
 * either (one page, page aligned, satisfies that).
 *
 * Drives: a drive that says it can DMA (IDENTIFY word 49 bit 8) gets
 * multiword DMA mode 2 (or the fastest it offers), or Ultra DMA mode 2 on
 * a PIIX4 when it offers that, chosen with SET FEATURES 03h; on the PIIX4 the
 * Ultra DMA enable bit (UDMACTL, config 0x48) and cycle time (UDMATIM, 0x4a)
 * for that drive are set to match. The PIO/DMA timing registers (IDETIM,
 * 0x40/0x42) stay as the BIOS left them: compatible timing is slow but
 * valid for every mode.
 *
 * An ATAPI CD-ROM (ide-cd.c) works the same way, except that ide-cd.c
 * issues the PACKET command itself once the table is loaded and then asks
 * for ide_dma_begin.
 *
 * A transfer: ide.c has loaded the task file and set hwgroup->cmd_left; the
 * PRD table is built from the request's buffers (merging physically
 * contiguous ones, splitting at 64 KiB boundaries), the engine is loaded and
 * the DMA command issued, the engine started. dma_intr stops it, checks the
 * engine's and the drive's status and ends the command's sectors, or hands
 * the failure to ide_error (an engine error also turns DMA off for the drive:
 * the retries go by PIO).
 */
#include <linux/config.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/ioport.h>
#include <linux/interrupt.h>
#include <linux/blkdev.h>
#include <linux/hdreg.h>
#include <linux/pci.h>
#include <linux/bios32.h>
#include <asm/io.h>
#include <asm/dma.h>
#include <asm/irq.h>

#include "ide.h"

/* Bus-master registers, offsets from a channel's dma_base. */
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRD 4

#define BM_CMD_START 0x01
#define BM_CMD_TOMEM 0x08	/* the engine writes memory: a read from the drive */

#define BM_STAT_ACTIVE 0x01
#define BM_STAT_ERROR 0x02
#define BM_STAT_INTR 0x04
#define BM_STAT_CAPABLE 0x60	/* drive 0/1 DMA capable: BIOS scratch bits */

#define PRD_EOT 0x80000000UL
#define PRD_MAX_ENTRIES (PAGE_SIZE / 8)

/* PIIX configuration registers. */
#define PIIX_IDETIM 0x40	/* + 2 * channel; bit 15: the channel's ports decode */
#define PIIX_IDETIM_IDE 0x8000
#define PIIX4_UDMACTL 0x48	/* bit (2 * channel + unit): Ultra DMA on */
#define PIIX4_UDMATIM 0x4a	/* 2 bits per drive at bit 4 * (2 * channel + unit): the mode */

#define PCI_DEVICE_ID_INTEL_PIIX4_IDE 0x7111

/*
 * Builds the PRD table for the hwgroup->cmd_left sectors from the current
 * position of the request. Returns the number of entries, 0 when these
 * buffers cannot be described (odd address, too many pieces).
 */
static int triton_build_dmatable(ide_drive_t *drive)
{
	ide_hwif_t *hwif = HWIF(drive);
	struct request *rq = hwif->hwgroup.rq;
	struct buffer_head *bh = rq->bh;
	unsigned long *table = hwif->dmatable;
	unsigned long left = hwif->hwgroup.cmd_left << 9;
	unsigned long seg = rq->current_nr_sectors << 9;
	unsigned long start = 0, len = 0, addr, n, piece, room;
	char *p = rq->buffer;
	unsigned int count = 0;

	while (left) {
		if (seg == 0) {
			bh = bh ? bh->b_reqnext : NULL;
			if (bh == NULL)
				return 0;	/* fewer buffers than sectors: not ours to fix */
			p = bh->b_data;
			seg = bh->b_size;
		}
		n = seg < left ? seg : left;
		addr = virt_to_bus(p);
		if (addr & 1)
			return 0;
		p += n;
		seg -= n;
		left -= n;
		while (n) {
			room = 0x10000 - (addr & 0xffff);
			piece = n < room ? n : room;
			if (len && start + len == addr && ((start ^ addr) & ~0xffffUL) == 0) {
				len += piece;	/* continues the last region, same 64 KiB */
			} else {
				if (len) {
					if (count >= PRD_MAX_ENTRIES)
						return 0;
					table[2 * count] = start;
					table[2 * count + 1] = len & 0xfffe;	/* 0: 64 KiB */
					count++;
				}
				start = addr;
				len = piece;
			}
			addr += piece;
			n -= piece;
		}
	}
	if (len == 0 || count >= PRD_MAX_ENTRIES)
		return 0;
	table[2 * count] = start;
	table[2 * count + 1] = (len & 0xfffe) | PRD_EOT;
	return count + 1;
}

static void dma_intr(ide_drive_t *drive)
{
	ide_hwif_t *hwif = HWIF(drive);
	int bad = hwif->dmaproc(ide_dma_status_bad, drive);
	byte stat = inb_p(IDE_PORT(hwif, STATUS));

	if (!bad && OK_STAT(stat, READY_STAT, BAD_STAT)) {
		ide_end_sectors(drive, hwif->hwgroup.cmd_left);
		return;
	}
	if (bad && !(stat & ERR_STAT)) {
		/* The engine failed, not the drive: go on without DMA. */
		printk("%s: bus-master DMA error, going on by PIO\n", drive->name);
		drive->using_dma = 0;
	}
	ide_error(drive, "dma_intr", stat);
}

/* Starts a DMA read or write of the command ide.c has set up. */
static int triton_start(ide_drive_t *drive, int reading)
{
	ide_hwif_t *hwif = HWIF(drive);
	unsigned short base = hwif->dma_base;
	byte cmd;

	if (!triton_build_dmatable(drive))
		return 1;	/* PIO for this one */
	outb(0, base + BM_CMD);	/* stopped, direction cleared */
	outl(virt_to_bus(hwif->dmatable), base + BM_PRD);
	outb(reading ? BM_CMD_TOMEM : 0, base + BM_CMD);
	outb((inb(base + BM_STATUS) & BM_STAT_CAPABLE) | BM_STAT_ERROR | BM_STAT_INTR, base + BM_STATUS);
	if (drive->media == ide_cdrom) {
		/* ide-cd.c sends the packet, then starts the engine (ide_dma_begin). */
		ide_set_handler(drive, dma_intr, WAIT_CMD);
		return 0;
	}
	if (drive->cmd_ext)
		cmd = reading ? WIN_READDMA_EXT : WIN_WRITEDMA_EXT;
	else
		cmd = reading ? WIN_READDMA : WIN_WRITEDMA;
	ide_set_handler(drive, dma_intr, WAIT_CMD);
	outb_p(cmd, IDE_PORT(hwif, COMMAND));
	outb((reading ? BM_CMD_TOMEM : 0) | BM_CMD_START, base + BM_CMD);
	return 0;
}

/* The Ultra DMA mode (0..2) the PIIX4 and the drive both do, or -1. */
static int triton_udma(ide_drive_t *drive)
{
	struct hd_driveid *id = drive->id;
	int mode;

	if (HWIF(drive)->pci_device != PCI_DEVICE_ID_INTEL_PIIX4_IDE || !(id->field_valid & 4))
		return -1;
	for (mode = 2; mode >= 0; mode--)
		if (id->dma_ultra & (1 << mode))
			return mode;
	return -1;
}

/* Programs the PIIX4's Ultra DMA enable and cycle time for the drive. */
static void triton_set_udma(ide_drive_t *drive, int mode)
{
	ide_hwif_t *hwif = HWIF(drive);
	int n = hwif->index * 2 + drive->unit;
	unsigned char ctl;
	unsigned short tim;

	pcibios_read_config_byte(hwif->pci_bus, hwif->pci_fn, PIIX4_UDMACTL, &ctl);
	pcibios_read_config_word(hwif->pci_bus, hwif->pci_fn, PIIX4_UDMATIM, &tim);
	if (mode < 0) {
		ctl &= ~(1 << n);
	} else {
		ctl |= 1 << n;
		tim = (tim & ~(3 << (4 * n))) | (mode << (4 * n));
	}
	pcibios_write_config_word(hwif->pci_bus, hwif->pci_fn, PIIX4_UDMATIM, tim);
	pcibios_write_config_byte(hwif->pci_bus, hwif->pci_fn, PIIX4_UDMACTL, ctl);
}

/*
 * Chooses and sets a DMA mode for a drive (polled, drive interrupts off).
 * Returns 0 if the drive now uses DMA.
 */
static int triton_check(ide_drive_t *drive)
{
	struct hd_driveid *id = drive->id;
	int udma, mode;
	byte xfer;
	int stat;

	drive->using_dma = 0;
	if (id == NULL || !(id->capability & 1) || drive->nodma)
		return 1;
	udma = triton_udma(drive);
	if (udma >= 0) {
		xfer = XFER_UDMA_0 + udma;
	} else {
		if (!(id->field_valid & 2) && !(id->dma_mword & 7))
			return 1;
		for (mode = 2; mode >= 0 && !(id->dma_mword & (1 << mode)); mode--)
			;
		if (mode < 0)
			return 1;
		xfer = XFER_MW_DMA_0 + mode;
	}
	outb_p(SETFEATURES_XFER, IDE_PORT(HWIF(drive), FEATURE));
	stat = ide_polled_cmd(drive, WIN_SETFEATURES, xfer, WAIT_CMD * (1000000 / HZ));
	if (stat < 0 || (stat & ERR_STAT)) {
		printk("%s: SET FEATURES transfer mode 0x%02x refused, PIO\n", drive->name, xfer);
		if (udma >= 0)
			triton_set_udma(drive, -1);
		return 1;
	}
	if (HWIF(drive)->pci_device == PCI_DEVICE_ID_INTEL_PIIX4_IDE)
		triton_set_udma(drive, udma);
	drive->dma_mode = xfer;
	drive->using_dma = 1;
	printk("%s: bus-master DMA, %s mode %d\n", drive->name, udma >= 0 ? "Ultra DMA" : "multiword DMA",
	       xfer & 7);
	return 0;
}

static int triton_dmaproc(ide_dma_action_t func, ide_drive_t *drive)
{
	unsigned short base = HWIF(drive)->dma_base;
	byte stat;

	switch (func) {
	case ide_dma_read:
		return triton_start(drive, 1);
	case ide_dma_write:
		return triton_start(drive, 0);
	case ide_dma_check:
		return triton_check(drive);
	case ide_dma_begin:
		outb(inb(base + BM_CMD) | BM_CMD_START, base + BM_CMD);
		return 0;
	case ide_dma_abort:
	case ide_dma_status_bad:
		outb(inb(base + BM_CMD) & ~BM_CMD_START, base + BM_CMD);
		stat = inb(base + BM_STATUS);
		outb((stat & BM_STAT_CAPABLE) | BM_STAT_ERROR | BM_STAT_INTR, base + BM_STATUS);
		/* Good: the drive interrupted, no error, the table consumed. */
		return (stat & (BM_STAT_ACTIVE | BM_STAT_ERROR | BM_STAT_INTR)) != BM_STAT_INTR;
	case ide_dma_transferred:
	default:
		return 1;
	}
}

/*
 * Sets up bus-master DMA for both channels of the PIIX IDE function at
 * PCI (bus, fn): the engine's ports, a PRD table per channel, bus
 * mastering on. A channel whose ports are not decoded gets nothing.
 */
void ide_init_triton(byte bus, byte fn)
{
	unsigned int bmiba;
	unsigned short cmd, device, timing;
	int h;

	pcibios_read_config_word(bus, fn, PCI_DEVICE_ID, &device);
	pcibios_read_config_dword(bus, fn, PCI_BASE_ADDRESS_4, &bmiba);
	if (!(bmiba & PCI_BASE_ADDRESS_SPACE_IO) || (bmiba & PCI_BASE_ADDRESS_IO_MASK & 0xffff) == 0) {
		printk("ide: PIIX at %02x:%02x has no bus-master ports, PIO only\n", bus, fn);
		return;
	}
	bmiba &= PCI_BASE_ADDRESS_IO_MASK & 0xfff0;
	pcibios_read_config_word(bus, fn, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_IO)) {
		printk("ide: PIIX at %02x:%02x has its I/O decode off, PIO only\n", bus, fn);
		return;
	}
	if (!(cmd & PCI_COMMAND_MASTER))
		pcibios_write_config_word(bus, fn, PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
	if (check_region(bmiba, 16)) {
		printk("ide: PIIX bus-master ports 0x%04x taken, PIO only\n", bmiba);
		return;
	}
	request_region(bmiba, 16, "ide dma");
	printk("ide: Intel PIIX%s bus-master DMA at 0x%04x-0x%04x\n",
	       device == PCI_DEVICE_ID_INTEL_PIIX4_IDE ? "4" : device == 0x7010 ? "3" : "", bmiba, bmiba + 15);
	for (h = 0; h < MAX_HWIFS; h++) {
		ide_hwif_t *hwif = &ide_hwifs[h];
		unsigned long table;

		pcibios_read_config_word(bus, fn, PIIX_IDETIM + 2 * h, &timing);
		if (!(timing & PIIX_IDETIM_IDE)) {
			printk("%s: decode off in the PIIX, no DMA\n", hwif->name);
			continue;
		}
		table = __get_free_pages(GFP_KERNEL, 0, 0);
		if (table == 0) {
			printk("%s: no memory for a PRD table, no DMA\n", hwif->name);
			continue;
		}
		hwif->dmatable = (unsigned long *)table;
		hwif->dma_base = bmiba + 8 * h;
		hwif->pci_bus = bus;
		hwif->pci_fn = fn;
		hwif->pci_device = device;
		hwif->dmaproc = triton_dmaproc;
	}
}
