/*
 * selftest.c - the glue's service self-test (glue_selftest), run in QEMU by
 * the kernel test `test=linux-glue` with an NE2000 PCI card (10ec:8029).
 * The kernel runs it before the drivers probe: the interrupt part requests
 * the card's line with every flag and autoprobes it, which it cannot once a
 * driver holds the line (Linux 2.0's ne.c requests it in its probe).
 *
 * Each part checks real behaviour: formatted strings compared byte for
 * byte, memory contents and addresses, jiffies-measured times, interrupts
 * actually raised by the card.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/tqueue.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/delay.h>
#include <linux/malloc.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/bios32.h>
#include <asm/io.h>
#include <asm/dma.h>
#include <asm/irq.h>
#include <asm/system.h>
#include <asm/semaphore.h>
#include "glue.h"

#define FAIL(...) do { glue_snprintf(why, len, __VA_ARGS__); return -1; } while (0)

static int reached(unsigned long deadline)
{
	return (long)(jiffies - deadline) >= 0;
}

/* Polls (interrupts on) until *flag is set or `ticks` jiffies pass. */
static int wait_flag(volatile int *flag, unsigned long ticks)
{
	unsigned long deadline;

	mach_jiffies_sync();
	deadline = jiffies + ticks;
	while (!*flag && !reached(deadline))
		glue_poll();
	return *flag;
}

static int irqs_on(void)
{
	unsigned long flags;

	save_flags(flags);
	return (flags & GLUE_EFLAGS_IF) != 0;
}

/* ---- printk and friends -------------------------------------------- */

static int test_printk(char *why, unsigned int len)
{
	const char *volatile null_string = NULL;
	char buf[128];
	char *end;
	int n;

#define EXPECT(want, ...) do {						\
		n = sprintf(buf, __VA_ARGS__);				\
		if (strcmp(buf, want) || n != (int)strlen(want))	\
			FAIL("sprintf(%s) gave \"%s\" (%d), want \"%s\"", #__VA_ARGS__, buf, n, want); \
	} while (0)

	EXPECT("-42 17 4000000000", "%d %i %u", -42, 17, 4000000000U);
	EXPECT("beef BEEF deadbeef -5 123456", "%x %X %lx %ld %lu", 0xbeef, 0xbeef, 0xdeadbeefUL, -5L, 123456UL);
	EXPECT("05:ab:00", "%02x:%02x:%02x", 5, 0xab, 0);
	EXPECT("[   42|42   |00042|-0042]", "[%5d|%-5d|%05d|%05d]", 42, 42, 42, -42);
	EXPECT("eth0|      ne2k|x   |ok", "%s|%10s|%-4s|%c%c", "eth0", "ne2k", "x", 'o', 'k');
	EXPECT("c0123456 0000abcd", "%p %p", (void *)0xc0123456UL, (void *)0xabcdUL);
	EXPECT("0xff 10 % +7 ab", "%#x %o %% %+d %.2s", 255, 8, 7, "abc");
	EXPECT("[  1f][1f  ][*7]", "[%*x][%-*x][*%d]", 4, 0x1f, 4, 0x1f, 7);
	EXPECT("-1 65535 -1 4294967295", "%hd %hu %ld %lu", (short)-1, (unsigned short)0xffff, -1L, 0xffffffffUL);
	EXPECT("(<NULL>)", "(%s)", null_string);

	if (simple_strtoul("0x1f", &end, 0) != 31 || *end)
		FAIL("simple_strtoul(0x1f) wrong");
	if (simple_strtoul("077", NULL, 0) != 63)
		FAIL("simple_strtoul(077) wrong");
	if (simple_strtoul("123abc", &end, 10) != 123 || *end != 'a')
		FAIL("simple_strtoul(123abc) wrong");
	if (glue_snprintf(buf, 6, "%s", "truncated") != 9 || strcmp(buf, "trunc"))
		FAIL("bounded formatting gave \"%s\"", buf);

	n = printk(KERN_INFO "linux-glue: printk works: %s %d %04x\n", "eth0", 42, 0xbe);
	if (n != (int)strlen(KERN_INFO "linux-glue: printk works: eth0 42 00be\n"))
		FAIL("printk returned %d", n);
#undef EXPECT
	return 0;
}

/* ---- kmalloc, pages, vmalloc, virt_to_bus --------------------------- */

static const unsigned int km_sizes[] = {
	1, 15, 16, 17, 31, 100, 500, 1000, 2000, 2032, 2033, 3000,
	4080, 4096, 5000, 16384, 32784, 65536, 131072
};
#define KM_N (sizeof(km_sizes) / sizeof(km_sizes[0]))
static const int km_prios[] = { GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | GFP_DMA, GFP_ATOMIC | GFP_DMA };
#define KM_P (sizeof(km_prios) / sizeof(km_prios[0]))

static int test_kmalloc(char *why, unsigned int len)
{
	static unsigned char *blocks[KM_P][KM_N];
	unsigned int p, i, k;
	unsigned long page;
	unsigned char *v;

	for (p = 0; p < KM_P; p++) {
		for (i = 0; i < KM_N; i++) {
			unsigned int size = km_sizes[i];
			unsigned char *b = kmalloc(size, km_prios[p]);
			unsigned long bus;

			if (!b)
				FAIL("kmalloc(%u, 0x%x) failed", size, km_prios[p]);
			if ((unsigned long)b & 15)
				FAIL("kmalloc(%u) = %p is not 16-byte aligned", size, b);
			bus = virt_to_bus(b);
			if (bus_to_virt(bus) != b || phys_to_virt(virt_to_phys(b)) != b)
				FAIL("virt_to_bus(%p) = %lx does not map back", b, bus);
			if (virt_to_bus(b + size - 1) != bus + size - 1)
				FAIL("kmalloc(%u) block is not contiguous", size);
			if ((km_prios[p] & GFP_DMA) && bus + size > 0x1000000)
				FAIL("kmalloc(%u, GFP_DMA) at bus %lx is above 16 MiB", size, bus);
			if ((unsigned long)b < PAGE_OFFSET || (unsigned long)b + size > high_memory)
				FAIL("kmalloc(%u) = %p outside RAM (high_memory %lx)", size, b, high_memory);
			memset(b, (int)(p * KM_N + i + 1), size);
			blocks[p][i] = b;
		}
	}
	for (p = 0; p < KM_P; p++)
		for (i = 0; i < KM_N; i++)
			for (k = 0; k < km_sizes[i]; k++)
				if (blocks[p][i][k] != (unsigned char)(p * KM_N + i + 1))
					FAIL("kmalloc(%u) block %p lost byte %u", km_sizes[i], blocks[p][i], k);
	for (p = 0; p < KM_P; p++)
		for (i = 0; i < KM_N; i++)
			kfree(blocks[p][i]);
	/* Freed blocks come back. */
	for (i = 0; i < 64; i++) {
		void *a = kmalloc(100, GFP_ATOMIC), *b = kmalloc(40000, GFP_KERNEL | GFP_DMA);

		if (!a || !b)
			FAIL("kmalloc after kfree failed (round %u)", i);
		kfree(a);
		kfree(b);
	}

	page = __get_free_pages(GFP_KERNEL, 2, 1);
	if (!page || (page & (4 * PAGE_SIZE - 1)) || virt_to_bus((void *)page) + 4 * PAGE_SIZE > 0x1000000)
		FAIL("__get_free_pages(order 2, dma) = %lx", page);
	memset((void *)page, 0x5a, 4 * PAGE_SIZE);
	free_pages(page, 2);
	page = get_free_page(GFP_KERNEL);
	if (!page || *(unsigned long *)(page + 100))
		FAIL("get_free_page gave %lx (not zeroed?)", page);
	free_page(page);

	v = vmalloc(20000);
	if (!v)
		FAIL("vmalloc(20000) failed");
	memset(v, 0xa5, 20000);
	if (v[19999] != 0xa5)
		FAIL("vmalloc memory does not hold");
	vfree(v);
	return 0;
}

/* ---- jiffies, timers, bottom halves, udelay ------------------------- */

static int test_jiffies(char *why, unsigned int len)
{
	unsigned long j0, rounds = 0;

	mach_jiffies_sync();
	j0 = jiffies;
	while (!reached(j0 + 5) && rounds < 100000) {
		glue_poll();
		rounds++;
	}
	if (!reached(j0 + 5))
		FAIL("jiffies stuck at %lu (from %lu)", jiffies, j0);
	return 0;
}

static volatile int timer_fired, timer_bad_fired, timer_irqs_on;
static volatile unsigned long timer_fired_at, timer_intr_count;

static void test_timer_fn(unsigned long data)
{
	timer_fired = (int)data;
	timer_fired_at = jiffies;
	timer_intr_count = intr_count;
	timer_irqs_on = irqs_on();
}

static void test_bad_timer_fn(unsigned long data)
{
	(void)data;
	timer_bad_fired = 1;
}

static int test_timers(char *why, unsigned int len)
{
	struct timer_list t1, t2;
	unsigned long expires;

	init_timer(&t1);
	init_timer(&t2);
	mach_jiffies_sync();
	expires = jiffies + 5;
	t1.expires = expires;
	t1.data = 7;
	t1.function = test_timer_fn;
	t2.expires = jiffies + 3;
	t2.data = 0;
	t2.function = test_bad_timer_fn;
	add_timer(&t1);
	add_timer(&t2);
	if (del_timer(&t2) != 1)
		FAIL("del_timer of a pending timer did not return 1");
	if (del_timer(&t2) != 0)
		FAIL("del_timer of an idle timer did not return 0");
	if (!wait_flag(&timer_fired, 100))
		FAIL("timer (expires %lu) did not fire by jiffies %lu", expires, jiffies);
	if (timer_fired != 7)
		FAIL("timer got data %d", timer_fired);
	if ((long)(timer_fired_at - expires) < 0)
		FAIL("timer fired early: at %lu, expires %lu", timer_fired_at, expires);
	if (!timer_intr_count || !timer_irqs_on)
		FAIL("timer ran outside bottom-half context (intr_count %lu, IF %d)",
		     timer_intr_count, timer_irqs_on);
	if (t1.next || t1.prev)
		FAIL("a fired timer is still linked");
	glue_wait_jiffies(3);
	if (timer_bad_fired)
		FAIL("a deleted timer fired");
	return 0;
}

static volatile int bh_ran, bh_irqs_on, tq_ran;
static volatile unsigned int bh_intr_count;

static void test_bh_fn(void)
{
	bh_ran++;
	bh_irqs_on = irqs_on();
	bh_intr_count = intr_count;
}

static void test_tq_fn(void *arg)
{
	tq_ran = (int)(unsigned long)arg;
}

#define TEST_BH 30

static int test_bottom_halves(char *why, unsigned int len)
{
	static struct tq_struct tq = { NULL, 0, test_tq_fn, (void *)3 };

	init_bh(TEST_BH, test_bh_fn);
	mark_bh(TEST_BH);
	if (!wait_flag(&bh_ran, 50))
		FAIL("bottom half did not run after mark_bh");
	if (!bh_irqs_on || !bh_intr_count)
		FAIL("bottom half ran with IF %d intr_count %u", bh_irqs_on, bh_intr_count);
	disable_bh(TEST_BH);
	bh_ran = 0;
	mark_bh(TEST_BH);
	glue_wait_jiffies(3);
	if (bh_ran)
		FAIL("a disabled bottom half ran");
	enable_bh(TEST_BH);
	if (!wait_flag(&bh_ran, 50))
		FAIL("a re-enabled bottom half did not run");
	bh_base[TEST_BH] = NULL;
	bh_mask &= ~(1UL << TEST_BH);

	queue_task(&tq, &tq_immediate);
	mark_bh(IMMEDIATE_BH);
	if (!wait_flag(&tq_ran, 50) || tq_ran != 3)
		FAIL("tq_immediate task did not run");
	return 0;
}

static int test_udelay(char *why, unsigned int len)
{
	volatile unsigned long usecs = 10000;
	unsigned long start, elapsed;
	int i;

	if (loops_per_sec < 1000)
		FAIL("loops_per_sec is %lu", loops_per_sec);
	mach_jiffies_sync();
	start = jiffies;
	while (jiffies == start)
		glue_poll();
	start = jiffies;
	for (i = 0; i < 5; i++)
		udelay(10000);
	for (i = 0; i < 5; i++)
		udelay(usecs);
	mach_jiffies_sync();
	elapsed = jiffies - start;
	printk("linux-glue: 10 x udelay(10000) took %lu jiffies\n", elapsed);
	/* Loose bounds: under an emulator the loop speed follows the host's load. */
	if (elapsed < 3 || elapsed > 100)
		FAIL("10 x udelay(10000) took %lu jiffies (want about 10)", elapsed);
	return 0;
}

/* ---- sleeping, waking, semaphores ----------------------------------- */

static struct wait_queue *sleeper_q;
static volatile int sleeper_state;

static void sleeper_thread(void *arg)
{
	(void)arg;
	sleeper_state = 1;
	sleep_on(&sleeper_q);
	sleeper_state = 2;
}

static struct wait_queue *timer_q;
static volatile int timer_woke, safety_woke;

static void wake_timer_fn(unsigned long data)
{
	(void)data;
	timer_woke = 1;
	wake_up(&timer_q);
}

static void safety_timer_fn(unsigned long data)
{
	(void)data;
	safety_woke = 1;
	wake_up(&timer_q);
}

static struct semaphore test_sem = MUTEX_LOCKED;
static volatile int sem_taken;

static void sem_thread(void *arg)
{
	(void)arg;
	down(&test_sem);
	sem_taken = 1;
}

static int test_sleep(char *why, unsigned int len)
{
	struct timer_list t, safety;
	struct semaphore mutex = MUTEX;
	unsigned long expires, target;

	/* A kernel thread sleeps; this thread wakes it. */
	if (mach_thread_spawn(sleeper_thread, NULL) < 0)
		FAIL("cannot start a thread");
	mach_jiffies_sync();
	expires = jiffies + 200;
	while (!sleeper_q && !reached(expires))
		glue_poll();
	if (!sleeper_q || sleeper_state != 1)
		FAIL("the thread did not go to sleep (state %d)", sleeper_state);
	glue_wait_jiffies(2);
	if (sleeper_state != 1)
		FAIL("the sleeper woke up by itself");
	wake_up(&sleeper_q);
	expires = jiffies + 100;
	while (sleeper_state != 2 && !reached(expires))
		glue_poll();
	if (sleeper_state != 2)
		FAIL("wake_up did not wake the sleeping thread (state %d)", sleeper_state);

	/* A timer wakes this thread. */
	init_timer(&t);
	init_timer(&safety);
	mach_jiffies_sync();
	expires = jiffies + 3;
	t.expires = expires;
	t.function = wake_timer_fn;
	safety.expires = jiffies + 300;
	safety.function = safety_timer_fn;
	add_timer(&safety);
	add_timer(&t);
	sleep_on(&timer_q);
	del_timer(&safety);
	del_timer(&t);
	if (!timer_woke || safety_woke)
		FAIL("sleep_on was not ended by the timer's wake_up (timer %d, safety %d)",
		     timer_woke, safety_woke);
	if ((long)(jiffies - expires) < 0)
		FAIL("woke at %lu before the timer's %lu", jiffies, expires);

	/* Semaphores: the fast path, then a thread blocked in down(). */
	down(&mutex);
	if (mutex.count != 0)
		FAIL("down on a free mutex left count %d", mutex.count);
	up(&mutex);
	if (mach_thread_spawn(sem_thread, NULL) < 0)
		FAIL("cannot start a thread");
	expires = jiffies + 200;
	while (test_sem.count >= 0 && !reached(expires))
		glue_poll();
	if (test_sem.count >= 0 || sem_taken)
		FAIL("the thread did not block in down() (count %d)", test_sem.count);
	up(&test_sem);
	if (!wait_flag(&sem_taken, 100))
		FAIL("up() did not let the blocked thread through");

	/* schedule() honours current->timeout. */
	mach_jiffies_sync();
	target = jiffies + 5;
	current->state = TASK_INTERRUPTIBLE;
	current->timeout = target;
	schedule();
	if ((long)(jiffies - target) < 0 || current->state != TASK_RUNNING)
		FAIL("schedule() with a timeout returned at %lu, before %lu", jiffies, target);
	return 0;
}

/* ---- regions and DMA channels -------------------------------------- */

static int test_regions(char *why, unsigned int len)
{
	if (check_region(0x2a0, 8) != 0)
		FAIL("0x2a0 is taken before the test");
	request_region(0x2a0, 8, "glue-test");
	if (check_region(0x2a0, 8) != -EBUSY)
		FAIL("a requested region is not busy");
	if (check_region(0x2a4, 2) != -EBUSY || check_region(0x298, 9) != -EBUSY)
		FAIL("an overlapping region is not busy");
	if (check_region(0x2a8, 8) != 0 || check_region(0x298, 8) != 0)
		FAIL("a neighbouring region is busy");
	release_region(0x2a0, 8);
	if (check_region(0x2a0, 8) != 0)
		FAIL("a released region is still busy");

	if (request_dma(3, "glue-test") != 0)
		FAIL("DMA 3 is not free");
	if (request_dma(3, "glue-test") != -EBUSY)
		FAIL("DMA 3 was given twice");
	if (request_dma(4, "glue-test") != -EBUSY)
		FAIL("the cascade channel was given");
	if (request_dma(8, "glue-test") != -EINVAL)
		FAIL("DMA 8 was accepted");
	free_dma(3);
	if (request_dma(3, "glue-test") != 0)
		FAIL("a freed DMA channel is busy");
	free_dma(3);
	return 0;
}

/* ---- PCI ------------------------------------------------------------ */

static unsigned char ne_bus, ne_devfn, ne_irq;
static unsigned int ne_io;

static int test_pci(char *why, unsigned int len)
{
	unsigned char bus, devfn, line, saved;
	unsigned short vendor, device;
	unsigned int id, bar;
	struct pci_dev *dev;

	if (!pcibios_present())
		FAIL("pcibios_present() is 0");
	if (pcibios_find_device(PCI_VENDOR_ID_REALTEK, PCI_DEVICE_ID_REALTEK_8029, 0, &bus, &devfn) != PCIBIOS_SUCCESSFUL)
		FAIL("pcibios_find_device found no 10ec:8029");
	if (pcibios_read_config_word(bus, devfn, PCI_VENDOR_ID, &vendor) != PCIBIOS_SUCCESSFUL ||
	    pcibios_read_config_word(bus, devfn, PCI_DEVICE_ID, &device) != PCIBIOS_SUCCESSFUL)
		FAIL("pcibios_read_config_word failed");
	if (vendor != 0x10ec || device != 0x8029)
		FAIL("config space says %04x:%04x", vendor, device);
	if (pcibios_read_config_dword(bus, devfn, PCI_VENDOR_ID, &id) != PCIBIOS_SUCCESSFUL || id != 0x802910ec)
		FAIL("pcibios_read_config_dword gave %08x", id);
	if (pcibios_read_config_word(bus, devfn, 1, &vendor) != PCIBIOS_BAD_REGISTER_NUMBER)
		FAIL("a misaligned word read was accepted");
	if (pcibios_find_device(PCI_VENDOR_ID_REALTEK, PCI_DEVICE_ID_REALTEK_8029, 1, &line, &saved) != PCIBIOS_DEVICE_NOT_FOUND)
		FAIL("a second 10ec:8029 was found");
	if (pcibios_find_class(PCI_CLASS_NETWORK_ETHERNET << 8, 0, &line, &saved) != PCIBIOS_SUCCESSFUL)
		FAIL("pcibios_find_class found no Ethernet controller");

	pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &line);
	pcibios_write_config_byte(bus, devfn, PCI_INTERRUPT_LINE, line ^ 0x5a);
	pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &saved);
	pcibios_write_config_byte(bus, devfn, PCI_INTERRUPT_LINE, line);
	if (saved != (line ^ 0x5a))
		FAIL("pcibios_write_config_byte did not stick (%02x, want %02x)", saved, line ^ 0x5a);
	pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &saved);
	if (saved != line)
		FAIL("interrupt line not restored");

	for (dev = pci_devices; dev; dev = dev->next)
		if (dev->vendor == 0x10ec && dev->device == 0x8029)
			break;
	if (!dev || dev->devfn != devfn || dev->bus->number != bus || dev->irq != line ||
	    (dev->class >> 8) != PCI_CLASS_NETWORK_ETHERNET)
		FAIL("pci_devices does not list the card right");

	pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
	if (!(bar & PCI_BASE_ADDRESS_SPACE_IO))
		FAIL("BAR 0 of the card is not I/O (%08x)", bar);
	ne_bus = bus;
	ne_devfn = devfn;
	ne_irq = line;
	ne_io = bar & PCI_BASE_ADDRESS_IO_MASK;
	printk("linux-glue: NE2000 PCI at bus %d devfn %02x, I/O 0x%x, IRQ %d\n", bus, devfn, ne_io, line);
	return 0;
}

/* ---- interrupts ----------------------------------------------------- */

/* Makes the card raise "remote DMA complete" with that interrupt enabled. */
static void ne_trigger(void)
{
	outb(0x21, ne_io);		/* page 0, abort remote DMA, stop */
	outb(0xff, ne_io + 0x07);	/* clear ISR */
	outb(0x40, ne_io + 0x0f);	/* IMR: remote DMA complete */
	outb(0x00, ne_io + 0x0a);	/* remote byte count 0 ... */
	outb(0x00, ne_io + 0x0b);
	outb(0x0a, ne_io);		/* ... remote read, start: completes at once */
}

static void ne_quiet(void)
{
	outb(0x00, ne_io + 0x0f);
	outb(0xff, ne_io + 0x07);
	outb(0x21, ne_io);
}

struct irq_ctx {
	volatile int calls;
	volatile int acked;
	volatile int irqs_on;
	volatile int irqs_off;
	volatile unsigned int nesting;
	volatile int waited;		/* ticks seen by a busy wait in the handler */
};

static void ne_handler(int irq, void *dev_id, struct pt_regs *regs)
{
	struct irq_ctx *ctx = dev_id;
	unsigned char isr = inb(ne_io + 0x07);

	(void)irq;
	(void)regs;
	ctx->calls++;
	if (irqs_on())
		ctx->irqs_on = 1;
	else
		ctx->irqs_off = 1;
	ctx->nesting = intr_count;
	if (isr & 0x40) {
		outb(isr, ne_io + 0x07);
		outb(0x00, ne_io + 0x0f);
		ctx->acked++;
	}
}

/*
 * Busy-waits two jiffies inside the handler, as 8390.c's receiver-overrun
 * recovery does: a slow handler runs with interrupts on and jiffies moving.
 */
static void ne_waiting_handler(int irq, void *dev_id, struct pt_regs *regs)
{
	struct irq_ctx *ctx = dev_id;
	unsigned long start = jiffies, n;

	for (n = 0; jiffies - start < 2 && n < 400000000UL; n++)
		barrier();
	ctx->waited = jiffies - start;
	ne_handler(irq, dev_id, regs);
}

static void dummy_handler(int irq, void *dev_id, struct pt_regs *regs)
{
	(void)irq;
	(void)dev_id;
	(void)regs;
}

static int test_irq(char *why, unsigned int len)
{
	static struct irq_ctx a, b;
	static int x, y, z;
	unsigned long irqs;
	int r;

	if (request_irq(0, dummy_handler, 0, "glue-test", &x) != -EBUSY)
		FAIL("request_irq on the clock line did not say -EBUSY");
	if (request_irq(16, dummy_handler, 0, "glue-test", &x) != -EINVAL)
		FAIL("request_irq(16) did not say -EINVAL");

	/* A free ISA line: exclusive, then shared. */
	if ((r = request_irq(5, dummy_handler, 0, "glue-test", &x)) != 0)
		FAIL("request_irq(5) failed: %d", r);
	if (request_irq(5, dummy_handler, SA_SHIRQ, "glue-test", &y) != -EBUSY)
		FAIL("an exclusive line was shared");
	free_irq(5, &x);
	if (request_irq(5, dummy_handler, SA_SHIRQ, "glue-test", &x) != 0 ||
	    request_irq(5, dummy_handler, SA_SHIRQ, "glue-test", &y) != 0)
		FAIL("two SA_SHIRQ handlers could not share IRQ 5");
	if (request_irq(5, dummy_handler, SA_SHIRQ | SA_INTERRUPT, "glue-test", &z) != -EBUSY)
		FAIL("a fast handler joined a slow shared line");
	free_irq(5, &y);
	free_irq(5, &x);

	if (!ne_irq || ne_irq >= 16)
		FAIL("the card has no usable IRQ line (%d)", ne_irq);

	/* probe_irq_on/off finds the card's line. */
	ne_quiet();
	irqs = probe_irq_on();
	if (!(irqs & (1UL << ne_irq)))
		FAIL("probe_irq_on did not open IRQ %d (mask %lx)", ne_irq, irqs);
	ne_trigger();
	glue_wait_jiffies(2);
	r = probe_irq_off(irqs);
	ne_quiet();
	if (r != ne_irq)
		FAIL("probe_irq_off gave %d, want %d", r, ne_irq);

	/* Two shared handlers on the card's line both run on a real interrupt. */
	if ((r = request_irq(ne_irq, ne_handler, SA_SHIRQ, "glue-test-a", &a)) != 0)
		FAIL("request_irq(%d, SA_SHIRQ) failed: %d", ne_irq, r);
	if ((r = request_irq(ne_irq, ne_handler, SA_SHIRQ, "glue-test-b", &b)) != 0)
		FAIL("second request_irq(%d, SA_SHIRQ) failed: %d", ne_irq, r);
	ne_trigger();
	wait_flag(&b.calls, 50);
	free_irq(ne_irq, &b);
	free_irq(ne_irq, &a);
	ne_quiet();
	if (!a.calls || !b.calls || a.acked + b.acked < 1)
		FAIL("shared handlers on IRQ %d: calls %d/%d, acked %d/%d", ne_irq,
		     a.calls, b.calls, a.acked, b.acked);
	if (a.irqs_off || !a.irqs_on || !a.nesting)
		FAIL("a slow handler ran with interrupts %s, intr_count %u",
		     a.irqs_off ? "off" : "on", a.nesting);

	/* A fast (SA_INTERRUPT) handler runs with interrupts off. */
	{
		static struct irq_ctx f;

		if ((r = request_irq(ne_irq, ne_handler, SA_INTERRUPT, "glue-test-fast", &f)) != 0)
			FAIL("request_irq(%d, SA_INTERRUPT) failed: %d", ne_irq, r);
		ne_trigger();
		wait_flag(&f.calls, 50);
		free_irq(ne_irq, &f);
		ne_quiet();
		if (!f.calls || !f.acked || f.irqs_on || !f.nesting)
			FAIL("fast handler: calls %d, acked %d, interrupts %s, intr_count %u",
			     f.calls, f.acked, f.irqs_on ? "on" : "off", f.nesting);
	}

	/* A slow handler may busy-wait on jiffies. */
	{
		static struct irq_ctx w;

		if ((r = request_irq(ne_irq, ne_waiting_handler, 0, "glue-test-wait", &w)) != 0)
			FAIL("request_irq(%d, 0) failed: %d", ne_irq, r);
		ne_trigger();
		wait_flag(&w.calls, 100);
		free_irq(ne_irq, &w);
		ne_quiet();
		if (!w.calls || w.waited < 2)
			FAIL("jiffies did not move in a slow handler (calls %d, waited %d)", w.calls, w.waited);
	}

	/* autoirq_setup/autoirq_report, as ne.c detects its IRQ. */
	autoirq_setup(0);
	ne_trigger();
	r = autoirq_report(HZ / 5);
	ne_quiet();
	if (r != ne_irq)
		FAIL("autoirq_report gave %d, want %d", r, ne_irq);

	/* disable_irq keeps a handler from running until enable_irq. */
	a.calls = 0;
	if (request_irq(ne_irq, ne_handler, SA_SHIRQ, "glue-test-a", &a) != 0)
		FAIL("request_irq after autoirq failed");
	disable_irq(ne_irq);
	ne_trigger();
	glue_wait_jiffies(2);
	if (a.calls)
		FAIL("a handler ran on a disabled line");
	enable_irq(ne_irq);
	wait_flag(&a.calls, 50);
	free_irq(ne_irq, &a);
	ne_quiet();
	if (!a.calls)
		FAIL("enable_irq did not deliver the pending interrupt");
	return 0;
}

int glue_selftest(char *why, unsigned int len)
{
	static const struct {
		const char *name;
		int (*fn)(char *, unsigned int);
	} parts[] = {
		{ "printk", test_printk },
		{ "kmalloc", test_kmalloc },
		{ "jiffies", test_jiffies },
		{ "timers", test_timers },
		{ "bottom halves", test_bottom_halves },
		{ "udelay", test_udelay },
		{ "sleep", test_sleep },
		{ "regions", test_regions },
		{ "pci", test_pci },
		{ "irq", test_irq },
	};
	unsigned int i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *msg = why;
		unsigned int n = glue_snprintf(why, len, "%s: ", parts[i].name);

		if (n >= len)
			n = len - 1;
		if (parts[i].fn(msg + n, len - n))
			return -1;
		printk("linux-glue: self-test %s ok\n", parts[i].name);
	}
	why[0] = 0;
	return 0;
}
