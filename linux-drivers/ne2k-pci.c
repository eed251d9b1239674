/*
 * ne2k-pci.c - PCI NE2000 clones (RTL8029, Winbond 89C940, Compex RL2000,
 * KTI ET32P2, NetVin NV5000SC, Via 82C926, SureCom NE34, Holtek
 * HT80232/HT80229), on the DP8390 core of 8390.c.
 *
 * Written for this kernel in Linux 2.0 style. It probes the way Linux
 * 2.0's ne2k-pci.c does: every PCI function of class "Ethernet controller"
 * (pcibios_find_class), in bus order, whose vendor and device ids are in
 * the clone table below. The cards' facts are the NE2000's (see ne.c):
 * the DP8390 at I/O BAR 0, the remote-DMA data port at +0x10, the reset
 * port at +0x1f, 16 KiB of packet RAM at 0x4000, and the station address
 * in the PROM at card address 0, each byte doubled. PCI clones are always
 * word-wide, their interrupt line comes from configuration space and may
 * be shared.
 *
 * Space.c tries ne2k_pci_probe before ne_probe (as Linux 2.0.40 does), so
 * ne.c's own PCI probe only sees clones this driver left alone.
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

/* Angle brackets: with LINUX_DRIVERS_SRC naming a genuine 8390.c and
 * 8390.h, this file must see that 8390.h (its struct ei_device), not the
 * one beside it, which the quoted form would find first. */
#include <8390.h>

#define NE_BASE		(dev->base_addr)
#define NE_CMD		0x00
#define NE_DATAPORT	0x10
#define NE_RESET	0x1f
#define NE_IO_EXTENT	0x20

/* DP8390 values not every 8390.h names. */
#define NE2K_DCFG_WORD	0x49	/* FIFO threshold, normal operation, word transfers */
#define NE2K_RXCR_MON	0x20	/* monitor mode: nothing stored */
#define NE2K_TXCR_LOOP	0x02	/* internal loopback */

#define NESM_START_PG	0x40	/* 16 KiB at 0x4000 */
#define NESM_STOP_PG	0x80

static const struct {
	unsigned short vendor, device;
	const char *name;
} ne2k_pci_clones[] = {
	{ 0x10ec, 0x8029, "RealTek RTL-8029" },
	{ 0x1050, 0x0940, "Winbond 89C940" },
	{ 0x1050, 0x5a5a, "Winbond W89C940F" },
	{ 0x11f6, 0x1401, "Compex RL2000" },
	{ 0x8e2e, 0x3000, "KTI ET32P2" },
	{ 0x4a14, 0x5000, "NetVin NV5000SC" },
	{ 0x1106, 0x0926, "Via 82C926" },
	{ 0x10bd, 0x0e34, "SureCom NE34" },
	{ 0x12c3, 0x0058, "Holtek HT80232" },
	{ 0x12c3, 0x5598, "Holtek HT80229" },
	{ 0, 0, NULL }
};

int ne2k_pci_probe(struct device *dev);
static int ne2k_pci_probe1(struct device *dev, int ioaddr, int irq, const char *name);
static int ne2k_pci_open(struct device *dev);
static int ne2k_pci_close(struct device *dev);
static void ne2k_pci_reset_8390(struct device *dev);
static void ne2k_pci_get_8390_hdr(struct device *dev, struct e8390_pkt_hdr *hdr, int ring_page);
static void ne2k_pci_block_input(struct device *dev, int count, struct sk_buff *skb, int ring_offset);
static void ne2k_pci_block_output(struct device *dev, int count, const unsigned char *buf, int start_page);

int ne2k_pci_probe(struct device *dev)
{
	unsigned short index;
	int found = 0;

	if (dev && dev->base_addr != 0)
		return -ENXIO;		/* "do not probe": PCI cards only */
	if (!pcibios_present())
		return -ENODEV;
	for (index = 0; index < 32; index++) {
		unsigned char bus, devfn, irq;
		unsigned short vendor, device, cmd;
		unsigned int bar;
		int i, ioaddr;

		if (pcibios_find_class(PCI_CLASS_NETWORK_ETHERNET << 8, index, &bus, &devfn)
		    != PCIBIOS_SUCCESSFUL)
			break;
		pcibios_read_config_word(bus, devfn, PCI_VENDOR_ID, &vendor);
		pcibios_read_config_word(bus, devfn, PCI_DEVICE_ID, &device);
		for (i = 0; ne2k_pci_clones[i].vendor; i++)
			if (ne2k_pci_clones[i].vendor == vendor && ne2k_pci_clones[i].device == device)
				break;
		if (ne2k_pci_clones[i].vendor == 0)
			continue;	/* another kind of Ethernet card */
		pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
		pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
		ioaddr = bar & PCI_BASE_ADDRESS_IO_MASK;
		if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) || ioaddr == 0 || irq == 0)
			continue;
		if (check_region(ioaddr, NE_IO_EXTENT))
			continue;	/* another ethN has it */
		pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
		if (!(cmd & PCI_COMMAND_IO))
			pcibios_write_config_word(bus, devfn, PCI_COMMAND, cmd | PCI_COMMAND_IO);
		if (ne2k_pci_probe1(dev, ioaddr, irq, ne2k_pci_clones[i].name) == 0) {
			found++;
			dev = NULL;	/* more cards get devices of their own */
		}
	}
	return found ? 0 : -ENODEV;
}

/* Waits (at most ~20 ms) for the reset bit. */
static int ne2k_pci_wait_reset(int ioaddr)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (inb_p(ioaddr + EN0_ISR) & ENISR_RESET)
			return 0;
		udelay(10);
	}
	return -1;
}

static int ne2k_pci_probe1(struct device *dev, int ioaddr, int irq, const char *name)
{
	unsigned char prom[32];
	int i;

	if (inb(ioaddr) == 0xff)
		return -ENODEV;
	outb(inb(ioaddr + NE_RESET), ioaddr + NE_RESET);
	if (ne2k_pci_wait_reset(ioaddr)) {
		printk(KERN_INFO "ne2k-pci: %s at %#x does not acknowledge a reset\n", name, ioaddr);
		return -ENODEV;
	}
	outb_p(0xff, ioaddr + EN0_ISR);

	/* The station-address PROM, word-wide: 16 words, each byte doubled. */
	{
		static const struct { unsigned char value, offset; } seq[] = {
			{ E8390_NODMA | E8390_PAGE0 | E8390_STOP, E8390_CMD },
			{ NE2K_DCFG_WORD, EN0_DCFG },
			{ 0x00, EN0_RCNTLO },
			{ 0x00, EN0_RCNTHI },
			{ 0x00, EN0_IMR },
			{ 0xff, EN0_ISR },
			{ NE2K_RXCR_MON, EN0_RXCR },
			{ NE2K_TXCR_LOOP, EN0_TXCR },
			{ 32, EN0_RCNTLO },
			{ 0x00, EN0_RCNTHI },
			{ 0x00, EN0_RSARLO },
			{ 0x00, EN0_RSARHI },
			{ E8390_RREAD | E8390_START, E8390_CMD },
		};

		for (i = 0; i < (int)(sizeof(seq) / sizeof(seq[0])); i++)
			outb_p(seq[i].value, ioaddr + seq[i].offset);
	}
	for (i = 0; i < 16; i++) {
		unsigned short w = inw(ioaddr + NE_DATAPORT);

		prom[2 * i] = w & 0xff;
		prom[2 * i + 1] = w >> 8;
	}
	outb_p(ENISR_RDC, ioaddr + EN0_ISR);

	if (dev == NULL)
		dev = init_etherdev(NULL, 0);	/* a second card */
	if (dev == NULL || ethdev_init(dev)) {
		printk(KERN_ERR "ne2k-pci: %s: no memory for the interface\n", name);
		return -ENOMEM;
	}
	request_region(ioaddr, NE_IO_EXTENT, "ne2k-pci");
	dev->base_addr = ioaddr;
	dev->irq = irq;
	for (i = 0; i < ETHER_ADDR_LEN; i++)
		dev->dev_addr[i] = prom[2 * i];	/* each byte came twice */

	printk(KERN_INFO "%s: %s (ne2k-pci) at %#x, IRQ %d, %02x:%02x:%02x:%02x:%02x:%02x\n",
	       dev->name, name, ioaddr, irq,
	       dev->dev_addr[0], dev->dev_addr[1], dev->dev_addr[2],
	       dev->dev_addr[3], dev->dev_addr[4], dev->dev_addr[5]);

	ei_status.name = name;
	ei_status.tx_start_page = NESM_START_PG;
	ei_status.rx_start_page = NESM_START_PG + TX_PAGES;
	ei_status.stop_page = NESM_STOP_PG;
	ei_status.word16 = 1;
	ei_status.reset_8390 = ne2k_pci_reset_8390;
	ei_status.get_8390_hdr = ne2k_pci_get_8390_hdr;
	ei_status.block_input = ne2k_pci_block_input;
	ei_status.block_output = ne2k_pci_block_output;
	dev->open = ne2k_pci_open;
	dev->stop = ne2k_pci_close;
	NS8390_init(dev, 0);
	return 0;
}

static int ne2k_pci_open(struct device *dev)
{
	int err = request_irq(dev->irq, ei_interrupt, SA_SHIRQ, ei_status.name, dev);

	if (err) {
		printk(KERN_WARNING "%s: cannot get IRQ %d (%d)\n", dev->name, dev->irq, err);
		return -EAGAIN;
	}
	irq2dev_map[dev->irq] = dev;
	ei_open(dev);
	MOD_INC_USE_COUNT;
	return 0;
}

static int ne2k_pci_close(struct device *dev)
{
	ei_close(dev);
	free_irq(dev->irq, dev);
	irq2dev_map[dev->irq] = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

static void ne2k_pci_reset_8390(struct device *dev)
{
	outb(inb(NE_BASE + NE_RESET), NE_BASE + NE_RESET);
	ei_status.txing = 0;
	ei_status.dmaing = 0;
	if (ne2k_pci_wait_reset(NE_BASE))
		printk(KERN_WARNING "%s: reset not acknowledged\n", dev->name);
	outb_p(ENISR_RESET, NE_BASE + EN0_ISR);
}

/* Remote read of `count` bytes at card address `offset`, word-wide. */
static void ne2k_pci_get_data(struct device *dev, unsigned char *buf, int count, int offset)
{
	int nic_base = NE_BASE;
	int words = (count + 1) >> 1;

	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, nic_base + NE_CMD);
	outb_p((2 * words) & 0xff, nic_base + EN0_RCNTLO);
	outb_p((2 * words) >> 8, nic_base + EN0_RCNTHI);
	outb_p(offset & 0xff, nic_base + EN0_RSARLO);
	outb_p(offset >> 8, nic_base + EN0_RSARHI);
	outb_p(E8390_RREAD | E8390_START, nic_base + NE_CMD);
	insw(nic_base + NE_DATAPORT, buf, count >> 1);
	if (count & 1)
		buf[count - 1] = inw(nic_base + NE_DATAPORT) & 0xff;
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
}

static void ne2k_pci_get_8390_hdr(struct device *dev, struct e8390_pkt_hdr *hdr, int ring_page)
{
	ei_status.dmaing = 1;
	ne2k_pci_get_data(dev, (unsigned char *)hdr, sizeof(*hdr), ring_page << 8);
	ei_status.dmaing = 0;
}

static void ne2k_pci_block_input(struct device *dev, int count, struct sk_buff *skb, int ring_offset)
{
	int ring_end = ei_status.stop_page << 8;

	ei_status.dmaing = 1;
	if (ring_offset + count > ring_end) {
		int semi = ring_end - ring_offset;

		ne2k_pci_get_data(dev, skb->data, semi, ring_offset);
		ne2k_pci_get_data(dev, skb->data + semi, count - semi, ei_status.rx_start_page << 8);
	} else {
		ne2k_pci_get_data(dev, skb->data, count, ring_offset);
	}
	ei_status.dmaing = 0;
}

static void ne2k_pci_block_output(struct device *dev, int count, const unsigned char *buf, int start_page)
{
	int nic_base = NE_BASE;
	int i;

	if (count & 1)
		count++;	/* the caller's buffer has the byte (kmalloc rounding) */
	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, nic_base + NE_CMD);
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
	outb_p(count & 0xff, nic_base + EN0_RCNTLO);
	outb_p(count >> 8, nic_base + EN0_RCNTHI);
	outb_p(0x00, nic_base + EN0_RSARLO);
	outb_p(start_page, nic_base + EN0_RSARHI);
	outb_p(E8390_RWRITE | E8390_START, nic_base + NE_CMD);
	outsw(nic_base + NE_DATAPORT, buf, count >> 1);
	for (i = 0; i < 100000; i++)
		if (inb_p(nic_base + EN0_ISR) & ENISR_RDC)
			break;
	if (i == 100000) {
		printk(KERN_WARNING "%s: remote DMA write did not complete, resetting\n", dev->name);
		ne2k_pci_reset_8390(dev);
		NS8390_init(dev, 1);
		return;
	}
	outb_p(ENISR_RDC, nic_base + EN0_ISR);
}
