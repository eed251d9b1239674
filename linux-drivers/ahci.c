/*
 * ahci.c - AHCI SATA disks (Serial ATA AHCI 1.3 HBAs: Intel ICH9 and
 * others of PCI class 01:06:01), Linux 2.0 style, written for this kernel
 * from the AHCI and ATA specifications (no code of GNU Mach's or Linux's
 * AHCI drivers). Disks are SCSI_DISK_MAJOR minors of 16 per disk, as GNU
 * Mach names them: sd0, sd1, ... in port order, partitions sdNsM.
 *
 * The HBA's registers are memory (ABAR, BAR5; vremap). Per port with a
 * device (SStatus DET 3) whose signature is an ATA disk: one page holds
 * the command list (1 KiB; slot 0 is the only one used), the received-FIS
 * area (256 bytes) and the command table (the H2D register FIS and a PRD
 * table of AHCI_PRDS entries). IDENTIFY DEVICE is polled at probe time;
 * reads and writes are READ/WRITE DMA EXT (LBA48, up to a request's 256
 * sectors per command), one command at a time for the whole HBA,
 * completed by the port's interrupt (D2H register FIS, or task-file error)
 * and bounded by a timer; a failed command is retried AHCI_ERRORS times
 * after restarting the port, then the request fails.
 */
#include <linux/config.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/interrupt.h>
#include <linux/major.h>
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/genhd.h>
#include <linux/hdreg.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/malloc.h>
#include <linux/pci.h>
#include <linux/bios32.h>
#include <asm/io.h>
#include <asm/system.h>

#define MAJOR_NR SCSI_DISK_MAJOR
#include <linux/blk.h>

#define AHCI_MAX_DISKS 8
#define AHCI_SHIFT 4			/* 16 minors per disk */
#define AHCI_PRDS 64
#define AHCI_TIMEOUT (5 * HZ)
#define AHCI_ERRORS 4

/* HBA registers. */
#define HBA_CAP 0x00
#define HBA_GHC 0x04
#define HBA_IS 0x08
#define HBA_PI 0x0c
#define GHC_AE 0x80000000
#define GHC_IE 0x00000002

/* Port registers, at 0x100 + 0x80 * port. */
#define PX_CLB 0x00
#define PX_CLBU 0x04
#define PX_FB 0x08
#define PX_FBU 0x0c
#define PX_IS 0x10
#define PX_IE 0x14
#define PX_CMD 0x18
#define PX_TFD 0x20
#define PX_SIG 0x24
#define PX_SSTS 0x28
#define PX_SERR 0x30
#define PX_CI 0x38

#define CMD_ST 0x0001
#define CMD_SUD 0x0002
#define CMD_POD 0x0004
#define CMD_FRE 0x0010
#define CMD_FR 0x4000
#define CMD_CR 0x8000

#define PXIS_DHRS 0x00000001		/* D2H register FIS: a command ended */
#define PXIS_ERRORS 0x78000000		/* TFES, HBFS, HBDS, IFS */

#define SIG_ATA 0x00000101

struct ahci_disk {
	unsigned char *base;		/* the port's registers */
	unsigned long *mem;		/* command list, FIS area, command table */
	int port;
	unsigned long capacity;		/* sectors (32-bit: a request's reach) */
	char name[8];
};

static unsigned char *ahci_abar;
static struct ahci_disk ahci_disks[AHCI_MAX_DISKS];
static int ahci_ndisks;
static struct hd_struct ahci_part[AHCI_MAX_DISKS << AHCI_SHIFT];
static int ahci_sizes[AHCI_MAX_DISKS << AHCI_SHIFT];
static int ahci_blksizes[AHCI_MAX_DISKS << AHCI_SHIFT];
static struct ahci_disk *ahci_active;	/* the disk of the command in flight */
static struct timer_list ahci_timer;

static inline unsigned long px_read(struct ahci_disk *d, int reg)
{
	return readl(d->base + reg);
}

static inline void px_write(struct ahci_disk *d, int reg, unsigned long v)
{
	writel(v, d->base + reg);
}

#define CMD_HEADER(d) ((d)->mem)
#define FIS_AREA(d) ((unsigned long)(d)->mem + 0x400)
#define CMD_TABLE(d) ((unsigned char *)(d)->mem + 0x800)

/* Waits until (register & mask) == want, up to `ms` milliseconds. */
static int px_wait(struct ahci_disk *d, int reg, unsigned long mask, unsigned long want, int ms)
{
	int i;

	for (i = 0; i < ms * 10; i++) {
		if ((px_read(d, reg) & mask) == want)
			return 0;
		udelay(100);
	}
	return -1;
}

/* Stops and starts the port's command engine with our memory. */
static int ahci_port_start(struct ahci_disk *d)
{
	px_write(d, PX_CMD, px_read(d, PX_CMD) & ~(CMD_ST | CMD_FRE));
	if (px_wait(d, PX_CMD, CMD_CR | CMD_FR, 0, 500) < 0)
		return -1;
	px_write(d, PX_CLB, virt_to_bus(d->mem));
	px_write(d, PX_CLBU, 0);
	px_write(d, PX_FB, virt_to_bus((void *)FIS_AREA(d)));
	px_write(d, PX_FBU, 0);
	px_write(d, PX_SERR, 0xffffffff);
	px_write(d, PX_IS, 0xffffffff);
	px_write(d, PX_CMD, px_read(d, PX_CMD) | CMD_FRE | CMD_SUD | CMD_POD);
	if (px_wait(d, PX_TFD, 0x88, 0, 1000) < 0)	/* BSY, DRQ clear */
		return -1;
	px_write(d, PX_CMD, px_read(d, PX_CMD) | CMD_ST);
	return 0;
}

/*
 * Loads slot 0 with an ATA command on `sectors` sectors at `lba`, the data
 * in the request's buffers from its current position (`rq`), or in `buf`
 * (`bytes`, polled commands). Returns 0, or -1 if the buffers need more
 * PRD entries than the table has.
 */
static int ahci_load(struct ahci_disk *d, unsigned char cmd, int write, unsigned long long lba,
		     unsigned long sectors, struct request *rq, void *buf, unsigned long bytes)
{
	unsigned char *ct = CMD_TABLE(d);
	unsigned long *prd = (unsigned long *)(ct + 0x80);
	int n = 0;

	memset(ct, 0, 0x80);
	ct[0] = 0x27;			/* register FIS, host to device */
	ct[1] = 0x80;			/* a command */
	ct[2] = cmd;
	ct[4] = lba;
	ct[5] = lba >> 8;
	ct[6] = lba >> 16;
	ct[7] = 0x40;			/* LBA */
	ct[8] = lba >> 24;
	ct[9] = lba >> 32;
	ct[10] = lba >> 40;
	ct[12] = sectors;
	ct[13] = sectors >> 8;
	if (rq != NULL) {
		struct buffer_head *bh = rq->bh;
		unsigned long left = sectors << 9, seg = rq->current_nr_sectors << 9, m;
		char *p = rq->buffer;

		while (left) {
			if (seg == 0) {
				bh = bh ? bh->b_reqnext : NULL;
				if (bh == NULL)
					return -1;
				p = bh->b_data;
				seg = bh->b_size;
			}
			m = seg < left ? seg : left;
			if (n > 0 && prd[4 * (n - 1)] + (prd[4 * (n - 1) + 3] & 0x3fffff) + 1 == virt_to_bus(p) &&
			    (prd[4 * (n - 1) + 3] & 0x3fffff) + m < 0x400000) {
				prd[4 * (n - 1) + 3] += m;	/* contiguous: one region */
			} else {
				if (n == AHCI_PRDS)
					return -1;
				prd[4 * n] = virt_to_bus(p);
				prd[4 * n + 1] = 0;
				prd[4 * n + 2] = 0;
				prd[4 * n + 3] = m - 1;	/* byte count - 1 */
				n++;
			}
			p += m;
			seg -= m;
			left -= m;
		}
	} else if (bytes) {
		prd[0] = virt_to_bus(buf);
		prd[1] = prd[2] = 0;
		prd[3] = bytes - 1;
		n = 1;
	}
	if (n)
		prd[4 * (n - 1) + 3] |= 0x80000000;	/* interrupt when done */
	CMD_HEADER(d)[0] = 5 | (write ? 0x40 : 0) | ((unsigned long)n << 16);	/* 5-dword FIS */
	CMD_HEADER(d)[1] = 0;
	CMD_HEADER(d)[2] = virt_to_bus(ct);
	CMD_HEADER(d)[3] = 0;
	return 0;
}

/* IDENTIFY DEVICE, polled (port interrupts off). */
static int ahci_identify(struct ahci_disk *d, struct hd_driveid *id)
{
	ahci_load(d, WIN_IDENTIFY, 0, 0, 0, NULL, id, 512);
	px_write(d, PX_IS, 0xffffffff);
	px_write(d, PX_CI, 1);
	if (px_wait(d, PX_CI, 1, 0, 2000) < 0 || (px_read(d, PX_TFD) & ERR_STAT) || (px_read(d, PX_IS) & PXIS_ERRORS))
		return -1;
	px_write(d, PX_IS, 0xffffffff);
	return 0;
}

static void ahci_end_request(int uptodate)
{
	struct request *req = CURRENT;

	if (!__glue_end_buffer(req, uptodate, (BLOCK_SIZE >> 9) - 1))
		return;
	CURRENT = req->next;
	__glue_retire_request(req);
}

static void ahci_start(void);

static void ahci_fail(const char *why)
{
	struct request *rq = CURRENT;
	struct ahci_disk *d = ahci_active;

	printk("%s: %s (task file 0x%02lx, port status 0x%08lx)\n", d ? d->name : "ahci", why,
	       d ? px_read(d, PX_TFD) & 0xffff : 0, d ? px_read(d, PX_IS) : 0);
	ahci_active = NULL;
	if (d)
		(void)ahci_port_start(d);	/* clears the error state */
	if (rq && ++rq->errors >= AHCI_ERRORS)
		while (CURRENT == rq)
			ahci_end_request(0);
	ahci_start();
}

static void ahci_complete(struct ahci_disk *d)
{
	struct request *rq = CURRENT;
	unsigned long n = ((CMD_TABLE(d)[13] << 8) | CMD_TABLE(d)[12]), m;

	if (n == 0)
		n = 65536;
	del_timer(&ahci_timer);
	ahci_active = NULL;
	while (n && CURRENT == rq) {
		m = n < rq->current_nr_sectors ? n : rq->current_nr_sectors;
		rq->sector += m;
		rq->buffer += m << 9;
		rq->nr_sectors -= m;
		rq->current_nr_sectors -= m;
		rq->errors = 0;
		n -= m;
		if (rq->current_nr_sectors == 0)
			ahci_end_request(1);
	}
	ahci_start();
}

static void ahci_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	unsigned long is, pis;
	int i;

	(void)irq;
	(void)dev_id;
	(void)regs;
	is = readl(ahci_abar + HBA_IS);
	if (!is)
		return;
	for (i = 0; i < ahci_ndisks; i++) {
		struct ahci_disk *d = &ahci_disks[i];

		if (!(is & (1UL << d->port)))
			continue;
		pis = px_read(d, PX_IS);
		px_write(d, PX_IS, pis);
		if (d != ahci_active)
			continue;
		if ((pis & PXIS_ERRORS) || (px_read(d, PX_TFD) & ERR_STAT))
			ahci_fail("command failed");
		else if (!(px_read(d, PX_CI) & 1))
			ahci_complete(d);
	}
	writel(is, ahci_abar + HBA_IS);
}

static void ahci_timeout(unsigned long data)
{
	unsigned long flags;

	(void)data;
	save_flags(flags);
	cli();
	if (ahci_active)
		ahci_fail("timeout");
	restore_flags(flags);
}

/* Starts the request at the head of the queue unless a command is in flight. */
static void ahci_start(void)
{
	struct request *rq;
	struct ahci_disk *d;
	unsigned int minor;
	unsigned long n;

	while (ahci_active == NULL && (rq = CURRENT) != NULL) {
		minor = MINOR(rq->rq_dev);
		if ((minor >> AHCI_SHIFT) >= (unsigned int)ahci_ndisks || (rq->cmd != READ && rq->cmd != WRITE) ||
		    rq->sector >= (unsigned long)ahci_part[minor].nr_sects ||
		    rq->nr_sectors > (unsigned long)ahci_part[minor].nr_sects - rq->sector) {
			printk("ahci: bad request for %s\n", kdevname(rq->rq_dev));
			while (CURRENT == rq)
				ahci_end_request(0);
			continue;
		}
		d = &ahci_disks[minor >> AHCI_SHIFT];
		n = rq->nr_sectors > 65535 ? 65535 : rq->nr_sectors;
		if (ahci_load(d, rq->cmd == READ ? 0x25 : 0x35, rq->cmd == WRITE,
			      (unsigned long long)rq->sector + ahci_part[minor].start_sect, n, rq, NULL, 0) < 0) {
			printk("%s: request buffers too scattered\n", d->name);
			while (CURRENT == rq)
				ahci_end_request(0);
			continue;
		}
		ahci_active = d;
		del_timer(&ahci_timer);
		ahci_timer.expires = jiffies + AHCI_TIMEOUT;
		add_timer(&ahci_timer);
		px_write(d, PX_CI, 1);
	}
}

/* linux/blk.h's request function name for the SCSI disk major. */
static void DEVICE_REQUEST(void)
{
	CLEAR_INTR;	/* (linux/blk.h's DEVICE_INTR: unused here) */
	ahci_start();
}

static int ahci_open(struct inode *inode, struct file *filp)
{
	(void)filp;
	return (MINOR(inode->i_rdev) >> AHCI_SHIFT) < (unsigned int)ahci_ndisks ? 0 : -ENXIO;
}

static void ahci_release(struct inode *inode, struct file *filp)
{
	(void)inode;
	(void)filp;
}

static struct file_operations ahci_fops = {
	NULL, block_read, block_write, NULL, NULL, NULL, NULL,
	ahci_open, ahci_release, block_fsync, NULL, NULL, NULL
};

static void ahci_geninit(struct gendisk *gd)
{
	int i;

	for (i = 0; i < ahci_ndisks; i++) {
		gd->part[i << AHCI_SHIFT].start_sect = 0;
		gd->part[i << AHCI_SHIFT].nr_sects = ahci_disks[i].capacity;
		gd->sizes[i << AHCI_SHIFT] = ahci_disks[i].capacity >> 1;
	}
}

static struct gendisk ahci_gendisk = {
	.major = MAJOR_NR,
	.major_name = "sd",
	.minor_shift = AHCI_SHIFT,
	.max_p = 1 << AHCI_SHIFT,
	.max_nr = AHCI_MAX_DISKS,
	.init = ahci_geninit,
	.part = ahci_part,
	.sizes = ahci_sizes,
};

/* IDENTIFY strings: byte-swapped words, blank-padded. */
static void ahci_fixstring(unsigned char *s, int bytes)
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

/* Takes the disk on port `port`, if an ATA disk answers there. */
static void ahci_probe_port(int port)
{
	struct ahci_disk *d = &ahci_disks[ahci_ndisks];
	struct hd_driveid *id;
	unsigned long long cap;

	d->base = ahci_abar + 0x100 + 0x80 * port;
	d->port = port;
	if ((px_read(d, PX_SSTS) & 0xf) != 3 || px_read(d, PX_SIG) != SIG_ATA)
		return;
	d->mem = (unsigned long *)__get_free_page(GFP_KERNEL);
	id = kmalloc(sizeof(*id), GFP_KERNEL);
	if (d->mem == NULL || id == NULL)
		goto fail;
	memset(d->mem, 0, PAGE_SIZE);
	d->name[0] = 's';
	d->name[1] = 'd';
	d->name[2] = 'a' + ahci_ndisks;
	d->name[3] = 0;
	px_write(d, PX_IE, 0);
	if (ahci_port_start(d) < 0 || ahci_identify(d, id) < 0) {
		printk("ahci: port %d: the disk does not answer\n", port);
		goto fail;
	}
	cap = id->lba_capacity;
	if ((id->command_sets & 0x0400) || (id->word83 & 0x0400))
		cap = (unsigned long long)id->word100 | (unsigned long long)id->word101 << 16 |
		      (unsigned long long)id->word102 << 32 | (unsigned long long)id->word103 << 48;
	d->capacity = cap > 0xffffffffULL ? 0xffffffffUL : (unsigned long)cap;
	ahci_fixstring(id->model, sizeof(id->model));
	printk("%s: AHCI port %d: %.40s, %lu MiB, %lu sectors\n", d->name, port, id->model, d->capacity >> 11,
	       d->capacity);
	kfree(id);
	px_write(d, PX_IE, PXIS_DHRS | PXIS_ERRORS);
	ahci_ndisks++;
	return;
fail:
	if (id)
		kfree(id);
	if (d->mem)
		free_page((unsigned long)d->mem);
	d->mem = NULL;
}

int ahci_init(void)
{
	unsigned char bus, fn, irq;
	unsigned int abar;
	unsigned short cmd;
	unsigned long pi;
	int i;

	if (!pcibios_present() || pcibios_find_class(0x010601, 0, &bus, &fn))
		return -ENODEV;
	pcibios_read_config_dword(bus, fn, PCI_BASE_ADDRESS_5, &abar);
	pcibios_read_config_byte(bus, fn, PCI_INTERRUPT_LINE, &irq);
	if ((abar & PCI_BASE_ADDRESS_SPACE_IO) || (abar & PCI_BASE_ADDRESS_MEM_MASK) == 0) {
		printk("ahci: no register memory\n");
		return -ENODEV;
	}
	pcibios_read_config_word(bus, fn, PCI_COMMAND, &cmd);
	pcibios_write_config_word(bus, fn, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ahci_abar = vremap(abar & PCI_BASE_ADDRESS_MEM_MASK, 0x1100);
	if (ahci_abar == NULL)
		return -ENOMEM;
	writel(readl(ahci_abar + HBA_GHC) | GHC_AE, ahci_abar + HBA_GHC);
	pi = readl(ahci_abar + HBA_PI);
	printk("ahci: HBA at 0x%08x, irq %d, ports 0x%08lx\n", (unsigned int)(abar & PCI_BASE_ADDRESS_MEM_MASK), irq, pi);
	for (i = 0; i < 32 && ahci_ndisks < AHCI_MAX_DISKS; i++)
		if (pi & (1UL << i))
			ahci_probe_port(i);
	if (ahci_ndisks == 0)
		return -ENODEV;
	init_timer(&ahci_timer);
	ahci_timer.function = ahci_timeout;
	if (request_irq(irq, ahci_interrupt, SA_SHIRQ, "ahci", ahci_disks)) {
		printk("ahci: cannot get irq %d\n", irq);
		return -EBUSY;
	}
	if (register_blkdev(MAJOR_NR, "sd", &ahci_fops)) {
		free_irq(irq, ahci_disks);
		return -EBUSY;
	}
	for (i = 0; i < (AHCI_MAX_DISKS << AHCI_SHIFT); i++)
		ahci_blksizes[i] = BLOCK_SIZE;
	blksize_size[MAJOR_NR] = ahci_blksizes;
	blk_size[MAJOR_NR] = ahci_sizes;
	blk_dev[MAJOR_NR].request_fn = DEVICE_REQUEST;
	ahci_gendisk.nr_real = ahci_ndisks;
	ahci_gendisk.next = gendisk_head;
	gendisk_head = &ahci_gendisk;
	writel(readl(ahci_abar + HBA_IS), ahci_abar + HBA_IS);
	writel(readl(ahci_abar + HBA_GHC) | GHC_IE, ahci_abar + HBA_GHC);
	return 0;
}
