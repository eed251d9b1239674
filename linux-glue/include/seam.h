/*
 * seam.h - the one header where the Linux glue (C) and the kernel (Rust) meet.
 *
 * bindgen reads this file to give Rust the C side; the C side includes it to
 * see the Rust functions it may call. Only plain data and opaque handles
 * cross this seam: Linux types (sk_buff, struct request, ...) never do.
 *
 * Naming: functions implemented in C start with `glue_`, functions
 * implemented in Rust (kernel/src/glue/) start with `mach_`.
 *
 * Addresses crossing the seam are kernel virtual addresses in the linear
 * map (physical + 0xC0000000) unless the name says "phys".
 */
#ifndef _LINUX_GLUE_SEAM_H
#define _LINUX_GLUE_SEAM_H

/* --- implemented in C (linux-glue/src) --------------------------------- */

/* Identifies the glue build: the Linux version code it emulates (2.0.36). */
unsigned int glue_linux_version_code(void);

/* Self-test of the seam: returns mach_seam_mix(a, b) * 2 + 1, computed by
 * calling back into Rust, so one call proves both directions. */
int glue_seam_selftest(int a, int b);

/* Start-up, first half: bottom halves, `current`, the PCI device list.
 * Leaves the glue in auto-configuration mode (waits busy-wait on jiffies).
 * Called once, with the scheduler running and jiffies following the clock,
 * before the glue's threads start. */
void glue_early_init(void);

/* Start-up, second half, once the glue's threads run: leaves
 * auto-configuration mode (waits block the calling thread) and calibrates
 * the delay loop (loops_per_sec) against jiffies. */
void glue_late_init(void);

/* One clock tick: jiffies++, marks the timer bottom halves. Interrupts off.
 * Returns nonzero if a bottom half is pending. */
int glue_timer_tick(void);

/* Takes interrupt `irq`; called by the kernel's IRQ dispatch with
 * interrupts off, before the end of interrupt. Runs SA_INTERRUPT handlers
 * at once; masks the line of a slow chain and leaves it to glue_run_irqs.
 * Returns bit 0 set if a bottom half is pending, bit 1 set if the
 * interrupt thread has work. */
int glue_irq_dispatch(unsigned int irq);

/* The interrupt thread's work: runs the slow handler chains left by
 * glue_irq_dispatch, interrupts on, and unmasks their lines. Returns
 * nonzero if a bottom half is pending. */
int glue_run_irqs(void);

/* Nonzero if glue_run_irqs has work. */
int glue_irqs_pending(void);

/* Nonzero if a marked, enabled bottom half waits to run. */
int glue_bh_pending(void);

/* Runs the pending bottom halves (enables interrupts while they run).
 * Called by the bottom-half thread; does nothing when nested
 * (intr_count != 0). */
void glue_run_bh(void);

/* The glue's service self-test: 0 if all passed, else -1 with a message
 * (NUL-terminated, at most `len` bytes) in `why`. Needs glue_late_init. */
int glue_selftest(char *why, unsigned int len);

/* --- implemented in Rust (kernel/src/glue/) ---------------------------- */

/* Writes `len` bytes of `msg` to the kernel log (printk's sink). */
void mach_log_write(const char *msg, unsigned int len);

/* Seam self-test helper: returns a * 1000 + b. */
int mach_seam_mix(int a, int b);

/* Stops the kernel with `msg` (Linux's panic). */
void mach_panic(const char *msg, unsigned int len) __attribute__((noreturn));

/* 2^order physically contiguous pages, naturally aligned; below 16 MiB if
 * `dma`. Returns their address, 0 without memory. */
unsigned long mach_alloc_pages(unsigned int order, int dma);

/* Frees what mach_alloc_pages(order, ...) returned. */
void mach_free_pages(unsigned long addr, unsigned int order);

/* `count` physically contiguous pages (page aligned); below 16 MiB if
 * `dma`. Returns their address, 0 without memory. */
unsigned long mach_alloc_contig(unsigned long count, int dma);

/* Frees what mach_alloc_contig(count, ...) returned. */
void mach_free_contig(unsigned long addr, unsigned long count);

/* A kernel address for device memory [phys, phys + size) (uncached).
 * 0 if it cannot be mapped. Mappings are never undone. */
unsigned long mach_map_device(unsigned long phys, unsigned long size);

/* The kernel address just past the linearly mapped RAM (high_memory). */
unsigned long mach_high_memory(void);

/* Brings jiffies up to the kernel clock (calls glue_timer_tick once per
 * tick not yet counted) and wakes the bottom-half thread if a bottom half
 * is pending. Any context; a no-op before the glue starts. */
void mach_jiffies_sync(void);

/* Declares that the running thread waits for `event` (a nonzero address),
 * for at most `timeout` ticks if nonzero. Nothing blocks until
 * mach_thread_block. */
void mach_assert_wait(unsigned long event, unsigned long timeout);

/* Blocks the running thread if it still waits. Returns why it runs:
 * 0 woken, 1 timed out, 2 interrupted, 3 it did not block. */
int mach_thread_block(void);

/* Wakes every thread waiting for `event`; returns how many. */
int mach_thread_wakeup(unsigned long event);

/* Starts a kernel thread running fn(arg); returns its id, -1 without memory. */
int mach_thread_spawn(void (*fn)(void *), void *arg);

/* Routes IRQ line `irq` (0..15) to glue_irq_dispatch and unmasks it.
 * 0, or -16 (EBUSY) if the kernel owns the line. */
int mach_irq_attach(unsigned int irq);

/* Masks / unmasks IRQ line `irq` at the interrupt controller. */
void mach_irq_mask(unsigned int irq);
void mach_irq_unmask(unsigned int irq);

/* I/O-port reservations, shared with the kernel's native drivers.
 * check: 0 if [from, from + extent) is free, else -16 (EBUSY).
 * request: records it for `name` (copied); 0, or -16 if it overlaps.
 * release: drops the reservation starting at `from`. */
int mach_region_check(unsigned int from, unsigned int extent);
int mach_region_request(unsigned int from, unsigned int extent, const char *name);
void mach_region_release(unsigned int from, unsigned int extent);

/* One PCI function of the kernel's scan. */
struct mach_pci_info {
	unsigned char bus;
	unsigned char devfn;		/* device << 3 | function */
	unsigned short vendor;
	unsigned short device;
	unsigned char irq;		/* interrupt line register */
	unsigned char header_type;
	unsigned int class_rev;		/* class << 24 | subclass << 16 | prog_if << 8 | revision */
};

/* The index-th PCI function: 0 and *info filled, or -1 past the end. */
int mach_pci_device(unsigned int index, struct mach_pci_info *info);

/* Configuration space access (mechanism #1); size is 1, 2 or 4 bytes and
 * `where` is aligned to it. */
unsigned int mach_pci_config_read(unsigned int bus, unsigned int devfn,
				  unsigned int where, unsigned int size);
void mach_pci_config_write(unsigned int bus, unsigned int devfn,
			   unsigned int where, unsigned int size, unsigned int value);

/* --- block devices (linux-glue/src/block.c, kernel/src/glue/block.rs) --- */

/* Sectors one glue_blk_submit carries at most. */
#define GLUE_BLK_MAX_SECTORS 256

/* A disk (the whole-drive minor of a gendisk), as glue_blk_disk_info gives it. */
struct glue_blk_disk {
	unsigned long sectors;		/* size in sectors (hd_struct.nr_sects) */
	unsigned int sector_size;	/* bytes per sector (hardsect_size, else 512) */
	unsigned int max_partitions;	/* minors after the whole drive's */
	unsigned int unit;		/* drive number within its major */
	int read_only;			/* set_device_ro was called (a CD-ROM) */
	unsigned int max_sectors;	/* sectors one glue_blk_submit should carry at most */
};

/* Block start-up (device_setup's block half): the drivers' init functions
 * (ide_init), each gendisk's init, then resetup_one_dev for every drive,
 * which calls mach_block_rescan. Thread context, glue started. Returns the
 * number of gendisks. */
int glue_blk_init(void);

/* A disk driver option from the kernel command line, "hdX=..." or
 * "ideN=..." (Linux 2.0's ide_setup), given before glue_blk_init. */
void glue_blk_setup(const char *word);

/* Size of block device (major, minor): 0 and *info filled, or -ENODEV. */
int glue_blk_disk_info(unsigned int major, unsigned int minor, struct glue_blk_disk *info);

/* Records partition `minor` of a disk: [start, start + sectors) in the
 * drive's sectors (gendisk part[] and sizes[]). 0, or -ENODEV. */
int glue_blk_set_partition(unsigned int major, unsigned int minor,
			   unsigned long start, unsigned long sectors);

/* A device_open of removable drive (major, minor), as GNU Mach's does it:
 * the driver's open runs (Linux 2.0 drivers call check_disk_change there,
 * whose revalidate reads a changed medium's size and format) and then its
 * release. Afterwards glue_blk_disk_info gives the medium's size. Thread
 * context. 0, or the open's negative errno (-ENXIO: no medium, -EROFS). */
int glue_blk_open(unsigned int major, unsigned int minor, int write);

/* Queues a transfer of `count` (1..GLUE_BLK_MAX_SECTORS) whole sectors
 * at `sector` of (major, minor), into (write 0) or from (write 1) `buf`
 * (kernel memory, count * 512 bytes, untouched by the caller until the
 * completion). Any context. 0, or -ENODEV, -EINVAL, -EROFS, -EBUSY (all
 * request slots in use: try again after a completion). The completion
 * comes through mach_block_done(cookie, ok), possibly before this returns. */
int glue_blk_submit(unsigned int major, unsigned int minor, int write, unsigned long sector,
		    unsigned long count, void *buf, unsigned long cookie);

/* A piece of contiguous kernel memory (linear map) of whole sectors. */
struct glue_blk_seg {
	void *addr;
	unsigned long len;
};

/* As glue_blk_submit, with the data in `nsegs` segments, in order, whose
 * lengths add up to count * 512 (at most GLUE_BLK_MAX_SECTORS / 8 + 1
 * pages' worth of pieces: one segment per page, a first one that starts
 * inside its page, is the shape meant). The segments' memory follows
 * glue_blk_submit's rule; the array itself is copied before the return. */
int glue_blk_submit_sg(unsigned int major, unsigned int minor, int write, unsigned long sector,
		       unsigned long count, const struct glue_blk_seg *segs, unsigned int nsegs,
		       unsigned long cookie);

/* A glue_blk_submit finished: `ok` nonzero if every sector was transferred.
 * Called with interrupts off, from the driver's interrupt handler or timer. */
void mach_block_done(unsigned long cookie, int ok);

/* The partitions of disk (major, minor) are to be read again (start-up,
 * BLKRRPART): the kernel scans them and records them with
 * glue_blk_set_partition. Thread context. */
void mach_block_rescan(unsigned int major, unsigned int minor);

/* --- network interfaces (linux-glue/src/net.c, Space.c; Rust: glue/net.rs) */

/* One interface the probe chain found. */
struct mach_net_info {
	char name[16];			/* "eth0" ... */
	unsigned char addr[8];		/* station address, addr_len bytes */
	unsigned int addr_len;
	unsigned int mtu;		/* payload bytes (1500) */
	unsigned int header_len;	/* link header bytes (14) */
	unsigned int flags;		/* Linux IFF_* */
	unsigned int base_addr;
	unsigned int irq;
};

/* An interface's counters (the driver's enet_statistics and the glue's). */
struct mach_net_stats {
	unsigned int rx_packets, tx_packets;
	unsigned int rx_errors, tx_errors;
	unsigned int rx_dropped, tx_dropped;
	unsigned int collisions, rx_over_errors;
	unsigned int tx_queued;		/* frames waiting for the driver */
	unsigned int backlog_dropped;	/* frames netif_rx dropped (all interfaces) */
	int link;			/* 1 link up, 0 down, -1 unknown (see glue_net_stats) */
};

/* Runs the Ethernet probe chain (net_dev_init) once; returns how many
 * interfaces were found. Needs glue_late_init. Thread context. */
int glue_net_init(void);

/* Fills *info for interface `index`: 0, or -19 (ENODEV). */
int glue_net_info(unsigned int index, struct mach_net_info *info);

/* Opens interface `index` (dev->open, IFF_UP|IFF_RUNNING|IFF_ALLMULTI);
 * 0 or a negative errno. Opening an open interface does nothing. */
int glue_net_open(unsigned int index);

/* Sends the Ethernet frame [frame, frame + len) (header included) on
 * interface `index`: copied, queued behind earlier frames, handed to the
 * driver when it is free. Returns len, or -19 (ENODEV), -100 (ENETDOWN:
 * not open), -22 (EINVAL: length), -11 (EAGAIN: the queue is full; wait
 * for mach_net_tx_ready), -12 (ENOMEM). Thread context. */
int glue_net_xmit(unsigned int index, const unsigned char *frame, unsigned int len);

/* As glue_net_xmit, without a copy: the skb's data is `frame` itself
 * (kernel memory of at least ETH_ZLEN bytes, `len` rounded up to 4 of them
 * readable), which the kernel leaves alone until mach_net_tx_done(cookie)
 * (from any context, interrupts off or on, once the driver freed the skb;
 * never during this call for an error return). */
int glue_net_xmit_buf(unsigned int index, unsigned char *frame, unsigned int len, unsigned long cookie);

/* Fills *stats for interface `index`: 0, or -19 (ENODEV). The link state
 * comes from the driver's MII controls, as Linux 2.0's mii-diag asked:
 * do_ioctl(SIOCDEVPRIVATE) for the PHY, then SIOCDEVPRIVATE+1 reading its
 * status register (1), whose bit 2 is "link up"; -1 if the driver has none.
 * Thread context. */
int glue_net_stats(unsigned int index, struct mach_net_stats *stats);

/* Sets the interface flags of `index` as Linux 2.0's SIOCSIFFLAGS does:
 * IFF_PROMISC, IFF_ALLMULTI and the other settable bits take the given
 * values, IFF_UP and IFF_RUNNING stay as they are (interfaces stay up, as
 * in GNU Mach), and the driver's set_multicast_list loads the new receive
 * mode. 0, or -19 (ENODEV), -100 (ENETDOWN: not open). Thread context. */
int glue_net_set_flags(unsigned int index, unsigned int flags);

/* Rust: a frame arrived on interface `index` ([frame, frame + len), the
 * Ethernet header included). Called from NET_BH (the bottom-half thread,
 * interrupts on); the bytes are valid only during the call. */
void mach_net_receive(unsigned int index, const unsigned char *frame, unsigned int len);

/* The buffer of a glue_net_xmit_buf is the kernel's again. */
void mach_net_tx_done(unsigned long cookie);

/* Rust: interface `index`'s transmit queue has room again. Called from
 * NET_BH. */
void mach_net_tx_ready(unsigned int index);

#endif /* _LINUX_GLUE_SEAM_H */
