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

#endif /* _LINUX_GLUE_SEAM_H */
