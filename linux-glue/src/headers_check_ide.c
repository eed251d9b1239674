/*
 * headers_check_ide.c - compile-time proof for linux/blk.h in its IDE form
 * (IDE_DRIVER, as ide.h includes it, and _IDE_C, as ide.c does): the
 * hwgroup type below stands in for ide.h's. The generated ide_end_request
 * is renamed so this object never defines the real one. Never linked in.
 */
#include <linux/config.h>
#include <linux/types.h>
#include <linux/kernel.h>
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
#include <asm/byteorder.h>
#include <asm/irq.h>
#include <asm/segment.h>
#include <asm/io.h>
#include <linux/bios32.h>
#include <linux/pci.h>

typedef unsigned char byte;

typedef struct hwgroup_s {
	void (*handler)(void *);
	struct request *rq;
	struct timer_list timer;
	struct request wrq;
	unsigned long poll_timeout;
	int active;
} ide_hwgroup_t;

#define _IDE_C
#define IDE_DRIVER
#define ide_end_request glue_check_ide_end_request
#include <linux/blk.h>

int glue_check_ide(ide_hwgroup_t *hwgroup, struct hd_driveid *id, struct gendisk *gd)
{
	struct semaphore sem = MUTEX_LOCKED;
	struct request rq;
	struct hd_geometry geo;

	rq.sem = &sem;
	rq.rq_status = RQ_ACTIVE;
	hwgroup->rq = &rq;
	ide_end_request(1, hwgroup);
	down(&sem);
	geo.heads = id->heads;
	geo.sectors = id->sectors;
	geo.cylinders = id->cyls;
	geo.start = gd->part[0].start_sect;
	return (id->capability & 2) + id->lba_capacity + id->dma_ultra + id->word93 +
		geo.heads + MAJOR(MKDEV(IDE0_MAJOR, 0)) + gd->sizes[0] + (gd->major == IDE1_MAJOR) +
		ntohs(id->config) + (int)sizeof(id->model);
}
