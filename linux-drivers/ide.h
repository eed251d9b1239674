/*
 * ide.h - the IDE/ATA disk driver's types (Linux 2.0 style, written for
 * this kernel from the ATA specifications).
 *
 * One interface (hwif) per ATA channel: its task-file ports, its IRQ, its
 * block major (IDE0_MAJOR for the first channel, IDE1_MAJOR for the second)
 * and up to two drives (master, slave). Each interface has one hwgroup: the
 * request in progress, the interrupt handler the next interrupt goes to,
 * and the timer that fails a command the drive never answers.
 *
 * Minors: unit << PARTN_BITS is the whole drive, + n its partition n.
 */
#ifndef _IDE_H
#define _IDE_H

#include <linux/config.h>
#include <linux/types.h>
#include <linux/timer.h>
#include <linux/hdreg.h>
#include <linux/blkdev.h>
#include <linux/genhd.h>

typedef unsigned char byte;

#define MAX_HWIFS 2
#define MAX_DRIVES 2
#define PARTN_BITS 6
#define PARTN_MASK ((1 << PARTN_BITS) - 1)

/* Task-file register offsets from io_base. */
#define IDE_DATA_OFFSET 0
#define IDE_ERROR_OFFSET 1
#define IDE_NSECTOR_OFFSET 2
#define IDE_SECTOR_OFFSET 3
#define IDE_LCYL_OFFSET 4
#define IDE_HCYL_OFFSET 5
#define IDE_SELECT_OFFSET 6
#define IDE_STATUS_OFFSET 7
#define IDE_FEATURE_OFFSET IDE_ERROR_OFFSET
#define IDE_COMMAND_OFFSET IDE_STATUS_OFFSET

/* Device control register bits. */
#define IDE_CTL_NIEN 0x02	/* interrupts from the drive off */
#define IDE_CTL_SRST 0x04	/* software reset of both drives */
#define IDE_CTL_HOB 0x80	/* read back the high-order LBA48 bytes */

/* LBA48 commands (ATA/ATAPI-6). */
#define WIN_READ_EXT 0x24
#define WIN_MULTREAD_EXT 0x29
#define WIN_WRITE_EXT 0x34
#define WIN_MULTWRITE_EXT 0x39

/* DMA commands, LBA48 forms (ATA/ATAPI-6; the 28-bit ones are in hdreg.h). */
#define WIN_READDMA_EXT 0x25
#define WIN_WRITEDMA_EXT 0x35

/* SET FEATURES subcommand 0x03: the transfer mode in the sector count. */
#define SETFEATURES_XFER 0x03
#define XFER_UDMA_0 0x40
#define XFER_MW_DMA_0 0x20

#define OK_STAT(stat, good, bad) (((stat) & ((good) | (bad))) == (good))
#define BAD_R_STAT (BUSY_STAT | ERR_STAT)
#define BAD_W_STAT (BAD_R_STAT | WRERR_STAT)
#define BAD_STAT (BAD_R_STAT | DRQ_STAT)
#define DRIVE_READY (READY_STAT | SEEK_STAT)
#define DATA_READY (DRQ_STAT)

/* Ticks a drive has for one command, for a reset, for IDENTIFY. */
#define WAIT_CMD (5 * HZ)
#define WAIT_RESET (10 * HZ)
#define WAIT_ID (3 * HZ)

/* Retries of a failing request, and how often a retry resets the channel. */
#define ERROR_MAX 4
#define ERROR_RESET 2

/* Sectors per multiple-mode block we ask for at most. */
#define IDE_MAX_MULT 16

struct hwif_s;
struct ide_drive_s;

typedef void (ide_handler_t)(struct ide_drive_s *);

/*
 * What ide.c asks of a bus-master DMA engine (triton.c), as in Linux 2.0:
 * ide_dma_read/ide_dma_write build the PRD table for the command
 * hwgroup->cmd_left describes, arm dma_intr, issue the DMA command and start
 * the engine (0), or answer 1 when this request cannot go by DMA (then ide.c
 * uses PIO); ide_dma_abort stops the engine; ide_dma_check decides whether
 * a drive uses DMA (sets using_dma; 0 if it does); ide_dma_status_bad stops
 * the engine and answers nonzero if the transfer did not end well;
 * ide_dma_begin starts the engine.
 */
typedef enum {
	ide_dma_read = 0, ide_dma_write = 1,
	ide_dma_abort = 2, ide_dma_check = 3,
	ide_dma_status_bad = 4, ide_dma_transferred = 5,
	ide_dma_begin = 6
} ide_dma_action_t;

typedef int (ide_dmaproc_t)(ide_dma_action_t, struct ide_drive_s *);

/* What answered on a drive position. */
#define ide_disk 0x20
#define ide_cdrom 0x5

/* ATAPI packet commands (MMC) ide-cd.c sends. */
#define GPCMD_TEST_UNIT_READY 0x00
#define GPCMD_REQUEST_SENSE 0x03
#define GPCMD_READ_CDVD_CAPACITY 0x25
#define GPCMD_READ_10 0x28

/* ATAPI sense keys (the error register's high nibble). */
#define NOT_READY 0x02
#define UNIT_ATTENTION 0x06

#define CD_FRAMESIZE 2048
#define CD_SECTS 4		/* 512-byte sectors per CD block */

typedef struct ide_drive_s {
	struct hwif_s *hwif;
	unsigned present : 1;	/* an ATA disk answered IDENTIFY */
	unsigned lba : 1;	/* LBA28 addressing */
	unsigned lba48 : 1;	/* LBA48 addressing (48-bit feature set) */
	unsigned nowerr : 1;
	unsigned using_dma : 1;	/* reads and writes go by bus-master DMA */
	unsigned io_32bit : 1;	/* PIO data moves 32 bits at a time (insl/outsl) */
	unsigned nodma : 1;	/* "hdX=nodma"/"hdX=noautotune": never DMA */
	unsigned cmd_ext : 1;	/* the command being set up is an LBA48 one */
	byte dma_mode;		/* SET FEATURES transfer mode chosen (XFER_*), 0 if none */
	byte media;		/* ide_disk or ide_cdrom */
	unsigned cd_changed : 1;	/* the CD reported a medium change (UNIT ATTENTION) */
	unsigned cd_nomedium : 1;	/* no disc in the drive at the last look */
	unsigned cd_dma_wanted : 1;	/* a CD-ROM on a channel with a DMA engine */
	byte unit;		/* 0 master, 1 slave */
	byte select;		/* base value of the drive/head register */
	byte mult_count;	/* sectors per DRQ block in multiple mode, 0 if off */
	byte max_mult;		/* what IDENTIFY offers */
	unsigned short cyl;
	byte head, sect;
	unsigned long capacity;	/* sectors (32-bit: a struct request's reach) */
	unsigned long long capacity48;
	char name[4];		/* hda, hdb, ... */
	struct hd_driveid *id;
} ide_drive_t;

typedef struct hwgroup_s {
	ide_handler_t *handler;	/* where the next interrupt goes; NULL: none expected */
	struct request *rq;	/* the request in progress */
	struct timer_list timer;	/* fails a command the drive does not answer */
	struct request wrq;	/* (unused; kept for the 2.0 layout) */
	unsigned long poll_timeout;	/* deadline of a reset in progress */
	int active;		/* a request is being worked on */
	ide_drive_t *drive;	/* the drive of rq */
	unsigned long cmd_left;	/* sectors left in the command on the wire */
	unsigned long last_block;	/* sectors written in the last DRQ block */
	struct buffer_head *wr_bh;	/* write cursor: current buffer */
	char *wr_buf;
	unsigned long wr_left;	/* sectors left in wr_bh */
} ide_hwgroup_t;

typedef struct hwif_s {
	unsigned short io_base;	/* 0x1f0, 0x170 */
	unsigned short ctl_port;	/* 0x3f6, 0x376 */
	byte irq;
	byte index;
	byte major;
	byte present;
	char name[6];		/* ide0, ide1 */
	ide_drive_t drives[MAX_DRIVES];
	struct gendisk *gd;
	ide_hwgroup_t hwgroup;
	ide_dmaproc_t *dmaproc;	/* the bus-master engine, NULL if none */
	unsigned long *dmatable;	/* its PRD table (one page) */
	unsigned short dma_base;	/* its registers (command, status, PRD pointer) */
	byte pci_bus, pci_fn;	/* the PCI IDE function it belongs to */
	unsigned short pci_device;
} ide_hwif_t;

#define IDE_PORT(hwif, reg) ((hwif)->io_base + IDE_##reg##_OFFSET)

#define HWIF(drive) ((drive)->hwif)

extern ide_hwif_t ide_hwifs[MAX_HWIFS];

int ide_init(void);
void ide_setup(char *s);

/* ide.c's services for triton.c. */
void ide_set_handler(ide_drive_t *drive, ide_handler_t *handler, unsigned long timeout);
void ide_error(ide_drive_t *drive, const char *msg, byte stat);
void ide_end_sectors(ide_drive_t *drive, unsigned long n);
void ide_end_part(ide_drive_t *drive, unsigned long n);
int ide_wait_drq(ide_hwif_t *hwif, byte *stat);
void ide_fixstring(unsigned char *s, int bytes);
int ide_polled_cmd(ide_drive_t *drive, byte cmd, byte nsect, unsigned long usecs);

/* ide-cd.c: ATAPI CD-ROM drives. */
int ide_cdrom_probe(ide_drive_t *drive);
void ide_do_rw_cdrom(ide_drive_t *drive, struct request *rq, unsigned long block);
int ide_cdrom_check_media(ide_drive_t *drive);

/* triton.c: the PIIX bus-master function at PCI (bus, fn). */
void ide_init_triton(byte bus, byte fn);

#endif
