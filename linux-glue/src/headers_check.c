/*
 * headers_check.c - compile-time proof that every Linux 2.0 header of the
 * glue builds with the kernel's C flags and that the main macros and
 * inlines expand as drivers use them. Nothing here is called: the object
 * is never pulled out of the glue library.
 */
#include <linux/config.h>
#include <linux/version.h>
#include <linux/module.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/ctype.h>
#include <linux/timer.h>
#include <linux/tqueue.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/delay.h>
#include <linux/malloc.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/fcntl.h>
#include <linux/in.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <linux/pci.h>
#include <linux/bios32.h>
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/genhd.h>
#include <linux/hdreg.h>
#include <linux/major.h>
#include <linux/stat.h>
#include <linux/head.h>
#include <linux/utsname.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <asm/system.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/dma.h>
#include <asm/bitops.h>
#include <asm/byteorder.h>
#include <asm/segment.h>
#include <asm/semaphore.h>
#include <asm/ptrace.h>
#include <asm/processor.h>
#include <asm/unaligned.h>
#include <asm/atomic.h>
/* Headers the ones above already pull in, named once more for the record. */
#include <asm/delay.h>
#include <asm/errno.h>
#include <asm/ioctl.h>
#include <asm/page.h>
#include <asm/param.h>
#include <asm/signal.h>
#include <asm/string.h>
#include <asm/types.h>
#include <linux/autoconf.h>
#include <linux/binfmts.h>
#include <linux/glue_kernel.h>
#include <linux/ioctl.h>
#include <linux/kdev_t.h>
#include <linux/linkage.h>
#include <linux/locks.h>
#include <linux/notifier.h>
#include <linux/personality.h>
#include <linux/signal.h>
#include <linux/socket.h>
#include <linux/stddef.h>
#include <linux/tasks.h>
#include <linux/time.h>
#include <linux/wait.h>
#include <linux/fd.h>
#include <linux/fdreg.h>
#include <linux/mc146818rtc.h>

/* Positional initialisers below leave the later members zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define GLUE_CHECK(cond, name) typedef char name[(cond) ? 1 : -1]

GLUE_CHECK(LINUX_VERSION_CODE == 0x020024, check_version);
GLUE_CHECK(HZ == 100, check_hz);
GLUE_CHECK(sizeof(struct hd_driveid) == 512, check_driveid_size);
GLUE_CHECK(__builtin_offsetof(struct hd_driveid, lba_capacity) == 120, check_driveid_lba);
GLUE_CHECK(__builtin_offsetof(struct hd_driveid, dma_ultra) == 176, check_driveid_udma);
GLUE_CHECK(sizeof(struct partition) == 16, check_partition_size);
GLUE_CHECK(__builtin_offsetof(struct device, init) == 36, check_device_init_slot);
GLUE_CHECK(__builtin_offsetof(struct timer_list, function) == 16, check_timer_list);
GLUE_CHECK(__builtin_offsetof(struct sk_buff_head, prev) == __builtin_offsetof(struct sk_buff, prev), check_skb_head);
GLUE_CHECK(sizeof(unsigned long) == 4, check_long);
GLUE_CHECK(MAX_DMA_ADDRESS == PAGE_OFFSET + 0x1000000, check_dma_limit);

/* A positional struct device initialiser, as the ethN probe table writes it. */
static int check_probe(struct device *dev)
{
	return dev->base_addr == 0 ? -ENODEV : 0;
}

struct device glue_check_eth0 = { "eth0", 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, check_probe };

static struct timer_list check_timer = { NULL, NULL, 0, 0, NULL };
static struct tq_struct check_tq = { NULL, 0, NULL, NULL };
static struct semaphore check_sem = MUTEX;
static struct wait_queue *check_wq = NULL;

static void check_handler(int irq, void *dev_id, struct pt_regs *regs)
{
	(void)irq;
	(void)dev_id;
	(void)regs;
}

int glue_headers_check(struct device *dev, struct sk_buff *skb, struct request *rq)
{
	unsigned long flags;
	unsigned char bus, devfn;
	unsigned short vendor;
	unsigned char buf[16];
	int r = 0;

	save_flags(flags);
	cli();
	outb(0x21, dev->base_addr);
	outb_p(inb_p(dev->base_addr + 1), dev->base_addr + 2);
	outw(inw(0x1f0), 0x1f0);
	outl(inl(0xcfc), 0xcfc);
	insw(0x1f0, buf, 4);
	outsw(0x1f0, buf, 4);
	insb(0x300, buf, 16);
	outsb(0x300, buf, 16);
	insl(0x1f0, buf, 4);
	outsl(0x1f0, buf, 4);
	restore_flags(flags);
	sti();
	barrier();

	set_bit(0, (void *)&dev->tbusy);
	if (test_and_set_bit(0, (void *)&dev->tbusy))
		r++;
	clear_bit(0, (void *)&dev->tbusy);
	r += test_bit(1, &dev->tbusy) + ffz(0xffUL);

	mark_bh(NET_BH);
	disable_bh(TIMER_BH);
	enable_bh(TIMER_BH);
	queue_task(&check_tq, &tq_immediate);
	run_task_queue(&tq_immediate);

	init_timer(&check_timer);
	check_timer.expires = jiffies + HZ / 10;
	add_timer(&check_timer);
	r += del_timer(&check_timer);

	udelay(10);
	udelay(r);
	__delay(loops_per_sec / HZ);

	if (check_region(0x300, 32) == 0)
		request_region(0x300, 32, "check");
	release_region(0x300, 32);
	if (request_irq(dev->irq, check_handler, SA_SHIRQ | SA_INTERRUPT, dev->name, dev) == 0)
		free_irq(dev->irq, dev);
	disable_irq(dev->irq);
	enable_irq(dev->irq);
	r += probe_irq_off(probe_irq_on());
	autoirq_setup(0);
	r += autoirq_report(1);

	if (request_dma(2, "check") == 0) {
		disable_dma(2);
		clear_dma_ff(2);
		set_dma_mode(2, DMA_MODE_READ);
		set_dma_addr(2, virt_to_bus(buf));
		set_dma_count(2, sizeof(buf));
		enable_dma(2);
		r += get_dma_residue(5);
		free_dma(2);
	}

	if (pcibios_present() &&
	    pcibios_find_device(PCI_VENDOR_ID_REALTEK, PCI_DEVICE_ID_REALTEK_8029, 0, &bus, &devfn) == PCIBIOS_SUCCESSFUL &&
	    pcibios_read_config_word(bus, devfn, PCI_VENDOR_ID, &vendor) == PCIBIOS_SUCCESSFUL)
		r += vendor + PCI_SLOT(devfn) + PCI_FUNC(devfn);

	dev->priv = kmalloc(sizeof(struct enet_statistics), GFP_KERNEL | GFP_DMA);
	kfree_s(dev->priv, sizeof(struct enet_statistics));
	free_pages(__get_free_pages(GFP_ATOMIC, 1, 1), 1);
	free_page(get_free_page(GFP_KERNEL));
	vfree(vmalloc(8192));
	r += (bus_to_virt(virt_to_bus(dev)) == (void *)dev);
	r += readb(0xf0000) + readw(0xf0102) + readl(0xf00f1);

	skb_reserve(skb, 2);
	memcpy(skb_put(skb, 6), dev->dev_addr, ETH_ALEN);
	skb_pull(skb, 2);
	skb_trim(skb, 4);
	r += skb_headroom(skb) + skb_tailroom(skb);
	r += ntohs(htons(ETH_P_IP)) + ntohl(htonl(1)) + le16_to_cpu(2) + le32_to_cpu(3);

	down(&check_sem);
	up(&check_sem);
	sleep_on(&check_wq);
	interruptible_sleep_on(&check_wq);
	wake_up(&check_wq);
	wake_up_interruptible(&check_wq);
	current->state = TASK_INTERRUPTIBLE;
	current->timeout = jiffies + HZ;
	schedule();

	r += strlen("abc") + strcmp("a", "b") + strncmp("ab", "ac", 1);
	r += (strchr("abc", 'b') != NULL) + (strstr("abc", "bc") != NULL);
	r += memcmp(buf, buf, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	r += isdigit('1') + isxdigit('a') + toupper('a');
	r += simple_strtoul("0x10", NULL, 0);
	sprintf((char *)buf, "%d", r);
	printk(KERN_INFO "%s: %02x:%02x %lx %p\n", dev->name, dev->dev_addr[0], dev->dev_addr[1], dev->base_addr, dev);

	r += MAJOR(rq->rq_dev) + MINOR(rq->rq_dev) + MKDEV(IDE0_MAJOR, 0);
	r += (rq->cmd == READ) + rq->errors + (int)rq->nr_sectors + (rq->bh ? (int)rq->bh->b_size : 0);
	if (rq->bh && buffer_locked(rq->bh))
		mark_buffer_uptodate(rq->bh, 1);
	put_user(r, (int *)buf);
	r += get_user((int *)buf);
	r += get_unaligned((unsigned int *)(buf + 1));
	r += suser() + intr_count;
	return r;
}
