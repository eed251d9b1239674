/*
 * pcnet32.c - AMD PCnet-PCI Ethernet (Am79C970A and kin, 1022:2000).
 *
 * Written for this kernel in Linux 2.0 style from the chip's programming
 * facts (Am79C970A datasheet): 32 bytes of I/O space (BAR 0) holding the
 * station address PROM (bytes 0-5) and, in 16-bit I/O mode, the register
 * data port RDP (0x10), the address port RAP (0x12), a reset port (0x14,
 * reading it resets) and the bus configuration data port BDP (0x16).
 * Control and status registers (CSRs) and bus configuration registers
 * (BCRs) are reached by writing their number to RAP, then using RDP/BDP.
 *
 * The driver selects software style 2 (BCR20: 32-bit PCnet-PCI structures)
 * and hands the chip an initialization block (mode, ring lengths as log2,
 * station address, multicast filter, ring addresses) through CSR1/CSR2.
 * Each ring entry is four 32-bit words: buffer address; OWN and status
 * bits over the negated buffer length (with the top four "ones" bits);
 * the received length (receive) or error bits (transmit); and a word for
 * the driver. The host gives an entry to the chip by setting OWN. A frame
 * of ETH_ZLEN bytes or more is sent from its sk_buff (the chip's DMA reads
 * it there; the sk_buff is freed once the chip gave the entry back); a
 * shorter one is padded in the ring's own buffer.
 *
 * Probed through the Linux 2.0 chain (Space.c: ethif_probe ->
 * pcnet32_probe): every unclaimed 1022:2000, first into the device handed in.
 */
#include <linux/config.h>
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/malloc.h>
#include <linux/interrupt.h>
#include <linux/bios32.h>
#include <linux/pci.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <asm/system.h>
#include <asm/io.h>

#define PCNET_IO_EXTENT	0x20

/* Word I/O mode ports. */
#define PCNET_RDP	0x10
#define PCNET_RAP	0x12
#define PCNET_RESET	0x14
#define PCNET_BDP	0x16

/* CSR0 bits. */
#define CSR0_INIT	0x0001
#define CSR0_STRT	0x0002
#define CSR0_STOP	0x0004
#define CSR0_TDMD	0x0008	/* transmit demand: look at the ring now */
#define CSR0_TXON	0x0010
#define CSR0_RXON	0x0020
#define CSR0_IENA	0x0040
#define CSR0_INTR	0x0080
#define CSR0_IDON	0x0100	/* initialization done */
#define CSR0_TINT	0x0200
#define CSR0_RINT	0x0400
#define CSR0_MERR	0x0800
#define CSR0_MISS	0x1000
#define CSR0_CERR	0x2000
#define CSR0_BABL	0x4000
#define CSR0_ERR	0x8000
/* The bits a write of 1 clears. */
#define CSR0_ACK	(CSR0_IDON | CSR0_TINT | CSR0_RINT | CSR0_MERR | CSR0_MISS | CSR0_CERR | CSR0_BABL)

#define CSR15_PROM	0x8000	/* promiscuous */
#define BCR20_SWSTYLE2	0x0002	/* 32-bit PCnet-PCI descriptors and init block */
#define BCR4_LEDOUT	0x8000	/* the LED's signals (link status, by default) */

/* Descriptor word 1 bits (both rings), and ring word 2 of transmit. */
#define DESC_OWN	0x80000000
#define DESC_ERR	0x40000000
#define DESC_STP	0x02000000
#define DESC_ENP	0x01000000
#define DESC_ONES	0x0000f000
#define RMD1_FRAM	0x20000000
#define RMD1_OFLO	0x10000000
#define RMD1_CRC	0x08000000
#define RMD1_BUFF	0x04000000
#define TMD1_ADD_FCS	0x20000000
#define TMD2_UFLO	0x40000000
#define TMD2_LCOL	0x10000000
#define TMD2_LCAR	0x08000000
#define TMD2_RTRY	0x04000000

#define RX_LOG2		5	/* 32 receive entries */
#define TX_LOG2		4	/* 16 transmit entries */
#define RX_RING_SIZE	(1 << RX_LOG2)
#define TX_RING_SIZE	(1 << TX_LOG2)
#define PKT_BUF_SZ	1544
#define TX_TIMEOUT	(HZ / 2)

struct pcnet32_desc {
	u32 addr;
	u32 flags;	/* OWN, status, ones and negated buffer length */
	u32 misc;	/* receive: message length; transmit: error bits */
	u32 user;
};

struct pcnet32_init_block {
	u16 mode;
	u8 rlen;	/* log2 of the receive ring length, in bits 4-7 */
	u8 tlen;
	u8 phys_addr[6];
	u16 reserved;
	u32 filter[2];	/* logical address (multicast hash) filter */
	u32 rx_ring;
	u32 tx_ring;
};

struct pcnet32_private {
	/* Rings need 16-byte alignment, the init block 4: kmalloc gives 16. */
	struct pcnet32_desc rx_ring[RX_RING_SIZE];
	struct pcnet32_desc tx_ring[TX_RING_SIZE];
	struct pcnet32_init_block init_block;
	unsigned char *rx_buf[RX_RING_SIZE];
	unsigned char *tx_buf[TX_RING_SIZE];
	/* Frames sent from their own sk_buff, freed once the chip is done. */
	struct sk_buff *tx_skb[TX_RING_SIZE];
	unsigned char *bufs;		/* every buffer, one block */
	unsigned int cur_rx;
	unsigned int cur_tx, dirty_tx;
	struct enet_statistics stats;
};

int pcnet32_probe(struct device *dev);
static int pcnet32_probe1(struct device *dev, int ioaddr, int irq);
static int pcnet32_open(struct device *dev);
static int pcnet32_close(struct device *dev);
static int pcnet32_start_xmit(struct sk_buff *skb, struct device *dev);
static void pcnet32_interrupt(int irq, void *dev_id, struct pt_regs *regs);
static struct enet_statistics *pcnet32_get_stats(struct device *dev);
static void pcnet32_set_multicast_list(struct device *dev);
static int pcnet32_ioctl(struct device *dev, struct ifreq *rq, int cmd);

static inline unsigned int read_csr(int ioaddr, int r)
{
	outw(r, ioaddr + PCNET_RAP);
	return inw(ioaddr + PCNET_RDP);
}

static inline void write_csr(int ioaddr, int r, unsigned int v)
{
	outw(r, ioaddr + PCNET_RAP);
	outw(v, ioaddr + PCNET_RDP);
}

static inline unsigned int read_bcr(int ioaddr, int r)
{
	outw(r, ioaddr + PCNET_RAP);
	return inw(ioaddr + PCNET_BDP);
}

static inline void write_bcr(int ioaddr, int r, unsigned int v)
{
	outw(r, ioaddr + PCNET_RAP);
	outw(v, ioaddr + PCNET_BDP);
}

int pcnet32_probe(struct device *dev)
{
	unsigned short index;
	int found = 0;

	if (dev && dev->base_addr != 0)
		return -ENXIO;		/* "do not probe": PCI cards only */
	if (!pcibios_present())
		return -ENODEV;
	for (index = 0; index < 8; index++) {
		unsigned char bus, devfn, irq;
		unsigned int bar;
		unsigned short cmd;
		int ioaddr;

		if (pcibios_find_device(PCI_VENDOR_ID_AMD, PCI_DEVICE_ID_AMD_LANCE, index, &bus, &devfn)
		    != PCIBIOS_SUCCESSFUL)
			break;
		pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
		pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
		ioaddr = bar & PCI_BASE_ADDRESS_IO_MASK;
		if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) || ioaddr == 0)
			continue;
		if (check_region(ioaddr, PCNET_IO_EXTENT))
			continue;	/* another ethN has it */
		pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
		if ((cmd & (PCI_COMMAND_IO | PCI_COMMAND_MASTER)) != (PCI_COMMAND_IO | PCI_COMMAND_MASTER))
			pcibios_write_config_word(bus, devfn, PCI_COMMAND,
						  cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
		if (pcnet32_probe1(dev, ioaddr, irq) == 0) {
			found++;
			dev = NULL;	/* more cards get devices of their own */
		}
	}
	return found ? 0 : -ENODEV;
}

static int pcnet32_probe1(struct device *dev, int ioaddr, int irq)
{
	struct pcnet32_private *lp;
	int i;

	inw(ioaddr + PCNET_RESET);	/* reset: word I/O mode, stopped */
	if (read_csr(ioaddr, 0) != CSR0_STOP) {
		printk(KERN_WARNING "pcnet32: no stopped PCnet at %#x after reset\n", ioaddr);
		return -ENODEV;
	}
	dev = init_etherdev(dev, 0);
	if (dev == NULL)
		return -ENOMEM;
	lp = kmalloc(sizeof(*lp), GFP_KERNEL | GFP_DMA);
	if (lp == NULL)
		return -ENOMEM;
	memset(lp, 0, sizeof(*lp));
	dev->priv = lp;
	dev->base_addr = ioaddr;
	dev->irq = irq;
	for (i = 0; i < 6; i++)
		dev->dev_addr[i] = inb(ioaddr + i);
	printk("%s: PCnet-PCI at %#x, IRQ %d, chip id %#x, ", dev->name, ioaddr, irq,
	       (read_csr(ioaddr, 89) << 16) | read_csr(ioaddr, 88));
	for (i = 0; i < 6; i++)
		printk("%2.2x%c", dev->dev_addr[i], i == 5 ? '\n' : ':');
	request_region(ioaddr, PCNET_IO_EXTENT, "pcnet32");

	dev->open = pcnet32_open;
	dev->stop = pcnet32_close;
	dev->hard_start_xmit = pcnet32_start_xmit;
	dev->get_stats = pcnet32_get_stats;
	dev->set_multicast_list = pcnet32_set_multicast_list;
	dev->do_ioctl = pcnet32_ioctl;
	return 0;
}

/* The receive entry `i` back to the chip, empty. */
static inline void pcnet32_give_rx(struct pcnet32_private *lp, int i)
{
	lp->rx_ring[i].misc = 0;
	lp->rx_ring[i].flags = DESC_OWN | DESC_ONES | ((-PKT_BUF_SZ) & 0x0fff);
}

/* The multicast filter of the init block from the device's flags and list. */
static void pcnet32_load_filter(struct device *dev, struct pcnet32_init_block *ib)
{
	ib->mode = (dev->flags & IFF_PROMISC) ? CSR15_PROM : 0;
	if (dev->flags & (IFF_PROMISC | IFF_ALLMULTI)) {
		ib->filter[0] = ib->filter[1] = 0xffffffff;
	} else {
		struct dev_mc_list *m;
		int i;

		ib->filter[0] = ib->filter[1] = 0;
		for (i = 0, m = dev->mc_list; m && i < dev->mc_count; i++, m = m->next) {
			/* The top six bits of the little-endian CRC-32, reversed. */
			unsigned int crc = 0xffffffff;
			int j, k, bit = 0;

			for (j = 0; j < ETH_ALEN; j++) {
				unsigned char b = m->dmi_addr[j];

				for (k = 0; k < 8; k++, b >>= 1)
					crc = (crc >> 1) ^ (((crc ^ b) & 1) ? 0xedb88320 : 0);
			}
			bit = crc >> 26;
			ib->filter[bit >> 5] |= 1U << (bit & 31);
		}
	}
}

/* Stops the chip, loads the init block and rings and starts it. */
/* Frees the sk_buffs the transmit ring still holds (the ring is reset). */
static void pcnet32_free_tx_skbs(struct pcnet32_private *lp)
{
	int i;

	for (i = 0; i < TX_RING_SIZE; i++)
		if (lp->tx_skb[i]) {
			dev_kfree_skb(lp->tx_skb[i], FREE_WRITE);
			lp->tx_skb[i] = NULL;
		}
}

static int pcnet32_start(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;
	int ioaddr = dev->base_addr;
	unsigned long ib = virt_to_bus(&lp->init_block);
	int i;

	write_csr(ioaddr, 0, CSR0_STOP);
	write_bcr(ioaddr, 20, BCR20_SWSTYLE2);
	lp->init_block.rlen = RX_LOG2 << 4;
	lp->init_block.tlen = TX_LOG2 << 4;
	memcpy(lp->init_block.phys_addr, dev->dev_addr, 6);
	pcnet32_load_filter(dev, &lp->init_block);
	lp->init_block.rx_ring = virt_to_bus(lp->rx_ring);
	lp->init_block.tx_ring = virt_to_bus(lp->tx_ring);
	for (i = 0; i < RX_RING_SIZE; i++) {
		lp->rx_ring[i].addr = virt_to_bus(lp->rx_buf[i]);
		pcnet32_give_rx(lp, i);
	}
	pcnet32_free_tx_skbs(lp);
	for (i = 0; i < TX_RING_SIZE; i++) {
		lp->tx_ring[i].addr = virt_to_bus(lp->tx_buf[i]);
		lp->tx_ring[i].flags = 0;
		lp->tx_ring[i].misc = 0;
	}
	lp->cur_rx = 0;
	lp->cur_tx = lp->dirty_tx = 0;
	write_csr(ioaddr, 1, ib & 0xffff);
	write_csr(ioaddr, 2, ib >> 16);
	write_csr(ioaddr, 0, CSR0_INIT);
	for (i = 0; i < 1000 && !(read_csr(ioaddr, 0) & CSR0_IDON); i++)
		udelay(10);
	if (!(read_csr(ioaddr, 0) & CSR0_IDON)) {
		printk(KERN_WARNING "%s: initialization did not complete (CSR0 %#x)\n",
		       dev->name, read_csr(ioaddr, 0));
		return -EIO;
	}
	write_csr(ioaddr, 0, CSR0_IDON | CSR0_IENA | CSR0_STRT);
	return 0;
}

static int pcnet32_open(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;
	int i;

	if (request_irq(dev->irq, pcnet32_interrupt, SA_SHIRQ, dev->name, dev))
		return -EAGAIN;
	lp->bufs = kmalloc((RX_RING_SIZE + TX_RING_SIZE) * PKT_BUF_SZ, GFP_KERNEL);
	if (lp->bufs == NULL) {
		free_irq(dev->irq, dev);
		return -ENOMEM;
	}
	for (i = 0; i < RX_RING_SIZE; i++)
		lp->rx_buf[i] = lp->bufs + i * PKT_BUF_SZ;
	for (i = 0; i < TX_RING_SIZE; i++)
		lp->tx_buf[i] = lp->bufs + (RX_RING_SIZE + i) * PKT_BUF_SZ;
	dev->tbusy = 0;
	dev->interrupt = 0;
	dev->start = 1;
	if (pcnet32_start(dev) != 0) {
		dev->start = 0;
		free_irq(dev->irq, dev);
		kfree(lp->bufs);
		lp->bufs = NULL;
		return -EIO;
	}
	MOD_INC_USE_COUNT;
	return 0;
}

static int pcnet32_close(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;

	dev->start = 0;
	dev->tbusy = 1;
	write_csr(dev->base_addr, 0, CSR0_STOP);
	free_irq(dev->irq, dev);
	pcnet32_free_tx_skbs(lp);
	kfree(lp->bufs);
	lp->bufs = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

static int pcnet32_start_xmit(struct sk_buff *skb, struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;
	int ioaddr = dev->base_addr;
	unsigned long flags;
	int entry, len, kept;

	if (dev->tbusy) {
		if (jiffies - dev->trans_start < TX_TIMEOUT)
			return 1;
		printk(KERN_WARNING "%s: transmit timed out (CSR0 %#x), restarting\n",
		       dev->name, read_csr(ioaddr, 0));
		lp->stats.tx_errors++;
		save_flags(flags);
		cli();
		pcnet32_start(dev);
		dev->tbusy = 0;
		restore_flags(flags);
	}
	len = skb->len;
	if (len > PKT_BUF_SZ) {
		lp->stats.tx_dropped++;
		dev_kfree_skb(skb, FREE_WRITE);
		return 0;
	}
	save_flags(flags);
	cli();
	entry = lp->cur_tx % TX_RING_SIZE;
	kept = len >= ETH_ZLEN;
	if (kept) {
		/* The chip reads the frame from the sk_buff itself (freed in
		 * pcnet32_tx_done). */
		lp->tx_ring[entry].addr = virt_to_bus(skb->data);
		lp->tx_skb[entry] = skb;
	} else {
		/* Short frames are padded in the ring's own buffer. */
		lp->tx_ring[entry].addr = virt_to_bus(lp->tx_buf[entry]);
		memcpy(lp->tx_buf[entry], skb->data, len);
		memset(lp->tx_buf[entry] + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	lp->tx_ring[entry].misc = 0;
	lp->tx_ring[entry].flags = DESC_OWN | DESC_STP | DESC_ENP | DESC_ONES | ((-len) & 0x0fff);
	lp->cur_tx++;
	if (lp->cur_tx - lp->dirty_tx >= TX_RING_SIZE)
		dev->tbusy = 1;
	write_csr(ioaddr, 0, CSR0_IENA | CSR0_TDMD);
	dev->trans_start = jiffies;
	restore_flags(flags);
	if (!kept)
		dev_kfree_skb(skb, FREE_WRITE);
	return 0;
}

static void pcnet32_rx(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;
	int budget = RX_RING_SIZE;

	while (budget-- > 0) {
		int entry = lp->cur_rx % RX_RING_SIZE;
		u32 status = lp->rx_ring[entry].flags;

		if (status & DESC_OWN)
			break;
		if ((status & (DESC_ERR | DESC_STP | DESC_ENP)) != (DESC_STP | DESC_ENP)) {
			lp->stats.rx_errors++;
			if (status & RMD1_FRAM)
				lp->stats.rx_frame_errors++;
			if (status & RMD1_OFLO)
				lp->stats.rx_over_errors++;
			if (status & RMD1_CRC)
				lp->stats.rx_crc_errors++;
			if (!(status & (DESC_STP | DESC_ENP)) || (status & RMD1_BUFF))
				lp->stats.rx_length_errors++;
		} else {
			int pkt_len = (lp->rx_ring[entry].misc & 0x0fff) - 4;	/* less the CRC */
			struct sk_buff *skb;

			if (pkt_len < ETH_HLEN || pkt_len > PKT_BUF_SZ) {
				lp->stats.rx_errors++;
				lp->stats.rx_length_errors++;
			} else if ((skb = dev_alloc_skb(pkt_len + 2)) == NULL) {
				lp->stats.rx_dropped++;
			} else {
				skb->dev = dev;
				skb_reserve(skb, 2);
				memcpy(skb_put(skb, pkt_len), lp->rx_buf[entry], pkt_len);
				skb->protocol = eth_type_trans(skb, dev);
				netif_rx(skb);
				lp->stats.rx_packets++;
			}
		}
		pcnet32_give_rx(lp, entry);
		lp->cur_rx++;
	}
}

static void pcnet32_tx_done(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;

	while (lp->dirty_tx != lp->cur_tx) {
		int entry = lp->dirty_tx % TX_RING_SIZE;
		u32 status = lp->tx_ring[entry].flags;

		if (status & DESC_OWN)
			break;
		if (status & DESC_ERR) {
			u32 err = lp->tx_ring[entry].misc;

			lp->stats.tx_errors++;
			if (err & TMD2_RTRY)
				lp->stats.tx_aborted_errors++;
			if (err & TMD2_LCAR)
				lp->stats.tx_carrier_errors++;
			if (err & TMD2_LCOL)
				lp->stats.tx_window_errors++;
			if (err & TMD2_UFLO)
				lp->stats.tx_fifo_errors++;
		} else {
			lp->stats.tx_packets++;
		}
		if (lp->tx_skb[entry]) {
			dev_kfree_skb(lp->tx_skb[entry], FREE_WRITE);
			lp->tx_skb[entry] = NULL;
		}
		lp->dirty_tx++;
	}
	if (dev->tbusy && lp->cur_tx - lp->dirty_tx < TX_RING_SIZE) {
		dev->tbusy = 0;
		mark_bh(NET_BH);	/* the glue's queue goes on */
	}
}

static void pcnet32_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct device *dev = (struct device *)dev_id;
	struct pcnet32_private *lp;
	int ioaddr, work = 20;
	unsigned int csr0;

	(void)irq;
	(void)regs;
	if (dev == NULL || dev->priv == NULL)
		return;
	lp = (struct pcnet32_private *)dev->priv;
	ioaddr = dev->base_addr;
	dev->interrupt = 1;
	while (work-- > 0) {
		csr0 = read_csr(ioaddr, 0);
		if (!(csr0 & CSR0_INTR))
			break;
		/* Acknowledge what is seen; keep interrupts on. */
		write_csr(ioaddr, 0, (csr0 & CSR0_ACK) | CSR0_IENA);
		if (csr0 & CSR0_RINT)
			pcnet32_rx(dev);
		if (csr0 & CSR0_TINT)
			pcnet32_tx_done(dev);
		if (csr0 & CSR0_MISS) {
			lp->stats.rx_missed_errors++;
			lp->stats.rx_errors++;
		}
		if (csr0 & CSR0_MERR)
			printk(KERN_WARNING "%s: bus master error (CSR0 %#x)\n", dev->name, csr0);
	}
	/* Entries the interrupt raced with. */
	pcnet32_rx(dev);
	pcnet32_tx_done(dev);
	dev->interrupt = 0;
}

static struct enet_statistics *pcnet32_get_stats(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;

	return &lp->stats;
}

/* Promiscuous mode and the multicast filter go through the init block:
 * the chip is restarted with the new one (frames in its rings are kept
 * only if they were already handed over). */
static void pcnet32_set_multicast_list(struct device *dev)
{
	struct pcnet32_private *lp = (struct pcnet32_private *)dev->priv;
	unsigned long flags;

	if (!dev->start || lp->bufs == NULL)
		return;
	save_flags(flags);
	cli();
	pcnet32_tx_done(dev);
	pcnet32_rx(dev);
	pcnet32_start(dev);
	dev->tbusy = 0;
	restore_flags(flags);
	mark_bh(NET_BH);
}

/* The MII controls of Linux 2.0 drivers (data[0] PHY, data[1] register,
 * data[3] value). The Am79C970A has no MII: PHY 0's status register (1) is
 * made up with its link bit (2) from BCR4, the link-status LED output. */
static int pcnet32_ioctl(struct device *dev, struct ifreq *rq, int cmd)
{
	unsigned short *data = (unsigned short *)&rq->ifr_data;

	switch (cmd) {
	case SIOCDEVPRIVATE:
		data[0] = 0;
		return 0;
	case SIOCDEVPRIVATE + 1: {
		unsigned long flags;
		unsigned int bcr4;

		/* RAP is shared with the interrupt handler. */
		save_flags(flags);
		cli();
		bcr4 = read_bcr(dev->base_addr, 4);
		restore_flags(flags);
		data[3] = (data[0] == 0 && data[1] == 1 && (bcr4 & BCR4_LEDOUT)) ? 0x0004 : 0;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}
