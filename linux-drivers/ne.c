/*
 * ne.c - NE1000/NE2000 Ethernet cards and their PCI clones (Realtek
 * RTL8029, 10ec:8029), on the DP8390 core of 8390.c.
 *
 * Written for this kernel in Linux 2.0 style from the cards' programming
 * facts: a DP8390 at the base port, the remote-DMA data port at +0x10, a
 * reset port at +0x1f (reading it resets the card), 16 KiB of packet RAM
 * at 0x4000 on NE2000s (8 KiB at 0x2000 on NE1000s), and a station-address
 * PROM at card address 0 whose bytes a word-wide card returns doubled,
 * with 0x57 0x57 at bytes 14-15 on an NE2000.
 *
 * Probed through the Linux 2.0 chain (Space.c: ethif_probe -> ne_probe):
 * base_addr 0 means autoprobe, PCI clones first (pcibios_find_device),
 * then the usual ISA ports 0x300, 0x280, 0x320, 0x340, 0x360.
 */
#include <linux/config.h>
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/interrupt.h>
#include <linux/bios32.h>
#include <linux/pci.h>
#include <asm/system.h>
#include <asm/io.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>

#include "8390.h"

#define NE_BASE		(dev->base_addr)
#define NE_CMD		0x00
#define NE_DATAPORT	0x10	/* remote DMA data */
#define NE_RESET	0x1f	/* read to reset */
#define NE_IO_EXTENT	0x20

#define NE1SM_START_PG	0x20	/* NE1000: 8 KiB at 0x2000 */
#define NE1SM_STOP_PG	0x40
#define NESM_START_PG	0x40	/* NE2000: 16 KiB at 0x4000 */
#define NESM_STOP_PG	0x80

static unsigned int netcard_portlist[] = { 0x300, 0x280, 0x320, 0x340, 0x360, 0 };

int ne_probe(struct device *dev);
static int ne_probe1(struct device *dev, int ioaddr, int pci_irq);
static int ne_open(struct device *dev);
static int ne_close(struct device *dev);
static void ne_reset_8390(struct device *dev);
static void ne_get_8390_hdr(struct device *dev, struct e8390_pkt_hdr *hdr, int ring_page);
static void ne_block_input(struct device *dev, int count, struct sk_buff *skb, int ring_offset);
static void ne_block_output(struct device *dev, int count, const unsigned char *buf, int start_page);

#ifdef CONFIG_PCI
/* The PCI clones: each unclaimed 10ec:8029, by index. */
static int ne_probe_pci(struct device *dev)
{
	unsigned short index;

	if (!pcibios_present())
		return -ENODEV;
	for (index = 0; index < 8; index++) {
		unsigned char bus, devfn, irq;
		unsigned int bar;
		unsigned short cmd;
		int ioaddr;

		if (pcibios_find_device(PCI_VENDOR_ID_REALTEK, PCI_DEVICE_ID_REALTEK_8029,
					index, &bus, &devfn) != PCIBIOS_SUCCESSFUL)
			break;
		pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
		pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
		ioaddr = bar & PCI_BASE_ADDRESS_IO_MASK;
		if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) || ioaddr == 0)
			continue;
		if (check_region(ioaddr, NE_IO_EXTENT))
			continue;	/* another ethN has it */
		pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
		if (!(cmd & PCI_COMMAND_IO))
			pcibios_write_config_word(bus, devfn, PCI_COMMAND, cmd | PCI_COMMAND_IO);
		if (ne_probe1(dev, ioaddr, irq) == 0)
			return 0;
	}
	return -ENODEV;
}
#endif

int ne_probe(struct device *dev)
{
	int base_addr = dev ? dev->base_addr : 0;
	int i;

	if (base_addr > 0x1ff)		/* one given address */
		return ne_probe1(dev, base_addr, 0);
	if (base_addr != 0)		/* "do not probe" */
		return -ENXIO;
#ifdef CONFIG_PCI
	if (ne_probe_pci(dev) == 0)
		return 0;
#endif
	for (i = 0; netcard_portlist[i]; i++) {
		int ioaddr = netcard_portlist[i];

		if (check_region(ioaddr, NE_IO_EXTENT))
			continue;
		if (ne_probe1(dev, ioaddr, 0) == 0)
			return 0;
	}
	return -ENODEV;
}

/* Waits (at most ~20 ms, interrupts either way) for the reset bit. */
static int ne_wait_reset(int ioaddr)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (inb_p(ioaddr + EN0_ISR) & ENISR_RESET)
			return 0;
		udelay(10);
	}
	return -1;
}

/* A DP8390 at `ioaddr`? Its MAR5 (page 1) is CNTR0 (page 0), which a read clears. */
static int ne_is_8390(int ioaddr)
{
	int reg0 = inb_p(ioaddr);
	int regd;

	if (reg0 == 0xff)
		return 0;
	outb_p(E8390_NODMA | E8390_PAGE1 | E8390_STOP, ioaddr + E8390_CMD);
	regd = inb_p(ioaddr + 0x0d);
	outb_p(0xff, ioaddr + 0x0d);
	outb_p(E8390_NODMA | E8390_PAGE0, ioaddr + E8390_CMD);
	inb_p(ioaddr + EN0_COUNTER0);
	if (inb_p(ioaddr + EN0_COUNTER0) != 0) {
		outb_p(reg0, ioaddr);
		outb_p(regd, ioaddr + 0x0d);
		return 0;
	}
	return 1;
}

static int ne_probe1(struct device *dev, int ioaddr, int pci_irq)
{
	unsigned char SA_prom[32];
	int wordlength = 2;
	const char *name;
	int start_page, stop_page;
	int neX000, i;

	if (!ne_is_8390(ioaddr))
		return -ENODEV;

	/* Reset: read the reset port, write it back, wait for ENISR_RESET. */
	outb(inb(ioaddr + NE_RESET), ioaddr + NE_RESET);
	if (ne_wait_reset(ioaddr)) {
		printk(KERN_INFO "ne.c: no reset acknowledge at %#3x\n", ioaddr);
		return -ENODEV;
	}
	outb_p(0xff, ioaddr + EN0_ISR);

	/* Read the 32-byte station-address PROM, byte-wide. */
	{
		static const struct { unsigned char value, offset; } seq[] = {
			{ E8390_NODMA | E8390_PAGE0 | E8390_STOP, E8390_CMD },
			{ ENDCFG_FT1 | ENDCFG_LS, EN0_DCFG },	/* byte-wide */
			{ 0x00, EN0_RCNTLO },
			{ 0x00, EN0_RCNTHI },
			{ 0x00, EN0_IMR },
			{ 0xff, EN0_ISR },
			{ ENRXCR_MON, EN0_RXCR },
			{ ENTXCR_LOOP, EN0_TXCR },
			{ 32, EN0_RCNTLO },
			{ 0x00, EN0_RCNTHI },
			{ 0x00, EN0_RSARLO },
			{ 0x00, EN0_RSARHI },
			{ E8390_RREAD | E8390_START, E8390_CMD },
		};

		for (i = 0; i < (int)(sizeof(seq) / sizeof(seq[0])); i++)
			outb_p(seq[i].value, ioaddr + seq[i].offset);
	}
	for (i = 0; i < 32; i += 2) {
		SA_prom[i] = inb(ioaddr + NE_DATAPORT);
		SA_prom[i + 1] = inb(ioaddr + NE_DATAPORT);
		if (SA_prom[i] != SA_prom[i + 1])
			wordlength = 1;
	}
	outb_p(ENISR_RDC, ioaddr + EN0_ISR);

	if (wordlength == 2) {
		/* Word-wide card: every byte came twice. */
		for (i = 0; i < 16; i++)
			SA_prom[i] = SA_prom[i + i];
		outb_p(ENDCFG_FT1 | ENDCFG_LS | ENDCFG_WTS, ioaddr + EN0_DCFG);
		start_page = NESM_START_PG;
		stop_page = NESM_STOP_PG;
	} else {
		start_page = NE1SM_START_PG;
		stop_page = NE1SM_STOP_PG;
	}

	neX000 = SA_prom[14] == 0x57 && SA_prom[15] == 0x57;
	if (!neX000 && !pci_irq) {
		printk(KERN_INFO "ne.c: %#3x: no NE1000/NE2000 signature (%02x %02x)\n",
		       ioaddr, SA_prom[14], SA_prom[15]);
		return -ENXIO;
	}
	name = pci_irq ? "RTL8029" : (wordlength == 2 ? "NE2000" : "NE1000");

	if (pci_irq) {
		dev->irq = pci_irq;
	} else if (dev->irq < 2) {
		/* Find the line: make the card interrupt with an empty remote read. */
		autoirq_setup(0);
		outb_p(ENISR_RDC, ioaddr + EN0_IMR);
		outb_p(0x00, ioaddr + EN0_RCNTLO);
		outb_p(0x00, ioaddr + EN0_RCNTHI);
		outb_p(E8390_RREAD | E8390_START, ioaddr + E8390_CMD);
		dev->irq = autoirq_report(4);
		outb_p(0x00, ioaddr + EN0_IMR);
		outb_p(0xff, ioaddr + EN0_ISR);
		if (dev->irq == 0) {
			printk(KERN_WARNING "ne.c: %s at %#3x: no interrupt line found\n", name, ioaddr);
			return -EAGAIN;
		}
	} else if (dev->irq == 2) {
		dev->irq = 9;		/* the cascade line is IRQ 9 on the slave */
	}

	if (ethdev_init(dev)) {
		printk(KERN_ERR "ne.c: %s: no memory for the interface\n", name);
		return -ENOMEM;
	}
	request_region(ioaddr, NE_IO_EXTENT, name);
	dev->base_addr = ioaddr;
	for (i = 0; i < ETHER_ADDR_LEN; i++)
		dev->dev_addr[i] = SA_prom[i];

	printk(KERN_INFO "%s: %s found at %#3x, IRQ %d, %02x:%02x:%02x:%02x:%02x:%02x\n",
	       dev->name, name, ioaddr, dev->irq,
	       dev->dev_addr[0], dev->dev_addr[1], dev->dev_addr[2],
	       dev->dev_addr[3], dev->dev_addr[4], dev->dev_addr[5]);

	ei_status.name = name;
	ei_status.tx_start_page = start_page;
	ei_status.rx_start_page = start_page + TX_PAGES;
	ei_status.stop_page = stop_page;
	ei_status.word16 = wordlength == 2;
	ei_status.irq_flags = pci_irq ? SA_SHIRQ : 0;
	ei_status.reset_8390 = ne_reset_8390;
	ei_status.get_8390_hdr = ne_get_8390_hdr;
	ei_status.block_input = ne_block_input;
	ei_status.block_output = ne_block_output;
	dev->open = ne_open;
	dev->stop = ne_close;
	NS8390_init(dev, 0);
	return 0;
}

/* The interrupt line is taken while the interface is open. */
static int ne_open(struct device *dev)
{
	int err = request_irq(dev->irq, ei_interrupt, ei_status.irq_flags, ei_status.name, dev);

	if (err) {
		printk(KERN_WARNING "%s: cannot get IRQ %d (%d)\n", dev->name, dev->irq, err);
		return -EAGAIN;
	}
	irq2dev_map[dev->irq] = dev;
	ei_open(dev);
	MOD_INC_USE_COUNT;
	return 0;
}

static int ne_close(struct device *dev)
{
	ei_close(dev);
	free_irq(dev->irq, dev);
	irq2dev_map[dev->irq] = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

/* Hard reset through the reset port; the chip comes back stopped. */
static void ne_reset_8390(struct device *dev)
{
	outb(inb(NE_BASE + NE_RESET), NE_BASE + NE_RESET);
	ei_status.txing = 0;
	ei_status.dmaing = 0;
	if (ne_wait_reset(NE_BASE))
		printk(KERN_WARNING "%s: reset not acknowledged\n", dev->name);
	outb_p(ENISR_RESET, NE_BASE + EN0_ISR);
}

/* Remote read of `count` bytes at card address `offset` into `buf`. */
static void ne_get_data(struct device *dev, unsigned char *buf, int count, int offset)
{
	int nic_base = NE_BASE;
	int programmed = ei_status.word16 ? (count + 1) & ~1 : count;

	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, nic_base + NE_CMD);
	outb_p(programmed & 0xff, nic_base + EN0_RCNTLO);
	outb_p(programmed >> 8, nic_base + EN0_RCNTHI);
	outb_p(offset & 0xff, nic_base + EN0_RSARLO);
	outb_p(offset >> 8, nic_base + EN0_RSARHI);
	outb_p(E8390_RREAD | E8390_START, nic_base + NE_CMD);
	if (ei_status.word16) {
		insw(nic_base + NE_DATAPORT, buf, count >> 1);
		if (count & 1)
			buf[count - 1] = inw(nic_base + NE_DATAPORT) & 0xff;
	} else {
		insb(nic_base + NE_DATAPORT, buf, count);
	}
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
}

static void ne_get_8390_hdr(struct device *dev, struct e8390_pkt_hdr *hdr, int ring_page)
{
	ei_status.dmaing = 1;
	ne_get_data(dev, (unsigned char *)hdr, sizeof(*hdr), ring_page << 8);
	ei_status.dmaing = 0;
}

/* Reads a frame out of the receive ring, in two pieces if it wraps. */
static void ne_block_input(struct device *dev, int count, struct sk_buff *skb, int ring_offset)
{
	int ring_end = ei_status.stop_page << 8;

	ei_status.dmaing = 1;
	if (ring_offset + count > ring_end) {
		int semi = ring_end - ring_offset;

		ne_get_data(dev, skb->data, semi, ring_offset);
		ne_get_data(dev, skb->data + semi, count - semi, ei_status.rx_start_page << 8);
	} else {
		ne_get_data(dev, skb->data, count, ring_offset);
	}
	ei_status.dmaing = 0;
}

/* Writes a frame to the transmit buffer; waits for the remote DMA to end. */
static void ne_block_output(struct device *dev, int count, const unsigned char *buf, int start_page)
{
	int nic_base = NE_BASE;
	int i;

	if (ei_status.word16 && (count & 1))
		count++;	/* the caller's buffer has the byte (kmalloc rounding) */
	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, nic_base + NE_CMD);
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
	outb_p(count & 0xff, nic_base + EN0_RCNTLO);
	outb_p(count >> 8, nic_base + EN0_RCNTHI);
	outb_p(0x00, nic_base + EN0_RSARLO);
	outb_p(start_page, nic_base + EN0_RSARHI);
	outb_p(E8390_RWRITE | E8390_START, nic_base + NE_CMD);
	if (ei_status.word16)
		outsw(nic_base + NE_DATAPORT, buf, count >> 1);
	else
		outsb(nic_base + NE_DATAPORT, buf, count);
	/* Interrupts may be off: bound the wait by iterations, not jiffies. */
	for (i = 0; i < 100000; i++)
		if (inb_p(nic_base + EN0_ISR) & ENISR_RDC)
			break;
	if (i == 100000) {
		printk(KERN_WARNING "%s: remote DMA write did not complete, resetting\n", dev->name);
		ne_reset_8390(dev);
		NS8390_init(dev, 1);
		return;
	}
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
}
