/*
 * rtl8139.c - Realtek RTL8139 PCI Fast Ethernet (10ec:8139).
 *
 * Written for this kernel in Linux 2.0 style from the chip's programming
 * facts (RTL8139 datasheet): 256 bytes of registers in I/O space (BAR 0);
 * receive into one physically contiguous ring the chip fills with
 * [status, length, frame, CRC] records, each 32-bit aligned, that the host
 * frees by moving CAPR; transmit through four descriptors, each a buffer
 * address (TSAD0-3, 32-bit aligned) and a status word (TSD0-3) whose write
 * starts the send and whose OWN/TOK bits tell when the buffer is free.
 * The chip does not pad short frames: the driver sends ETH_ZLEN bytes,
 * from the descriptor's own buffer. A frame of ETH_ZLEN bytes or more whose
 * sk_buff data is 32-bit aligned is sent from the sk_buff itself (TSAD
 * points there; the sk_buff is freed once the chip is done with it).
 *
 * Probed through the Linux 2.0 chain (Space.c: ethif_probe ->
 * rtl8139_probe): every unclaimed 10ec:8139 (pcibios_find_device), first
 * the one handed in, as Linux 2.0's PCI probes do.
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
#include <asm/bitops.h>
#include <asm/io.h>

#define RTL_IO_EXTENT	0x100

/* Registers (offsets from the I/O base). */
#define RTL_IDR0	0x00	/* station address, 6 bytes */
#define RTL_MAR0	0x08	/* multicast hash, 8 bytes */
#define RTL_TSD0	0x10	/* transmit status of descriptor 0..3 (32-bit) */
#define RTL_TSAD0	0x20	/* transmit start address of descriptor 0..3 */
#define RTL_RBSTART	0x30	/* receive ring physical address */
#define RTL_CR		0x37	/* command */
#define RTL_CAPR	0x38	/* current address of packet read (16-bit) */
#define RTL_IMR		0x3c	/* interrupt mask (16-bit) */
#define RTL_ISR		0x3e	/* interrupt status (16-bit, write 1 to clear) */
#define RTL_TCR		0x40	/* transmit configuration */
#define RTL_RCR		0x44	/* receive configuration */
#define RTL_MPC		0x4c	/* missed packet counter (24-bit; a write clears) */

/* CR bits. */
#define CR_RST		0x10
#define CR_RE		0x08
#define CR_TE		0x04
#define CR_BUFE		0x01	/* receive ring empty */

/* ISR/IMR bits. */
#define INT_ROK		0x0001
#define INT_RER		0x0002
#define INT_TOK		0x0004
#define INT_TER		0x0008
#define INT_RXOVW	0x0010	/* receive ring overflow */
#define INT_LINKCHG	0x0020
#define INT_FOVW	0x0040	/* receive FIFO overflow */
#define INT_SERR	0x8000
#define INT_MASK	(INT_ROK | INT_RER | INT_TOK | INT_TER | INT_RXOVW | INT_LINKCHG | INT_FOVW | INT_SERR)

/* TSD bits. */
#define TSD_OWN		0x00002000	/* the chip is done with the buffer */
#define TSD_TUN		0x00004000	/* FIFO underrun */
#define TSD_TOK		0x00008000
#define TSD_ERTXTH(n)	(((n) / 32) << 16)	/* early transmit threshold, bytes */
#define TSD_NCC(s)	(((s) >> 24) & 0x0f)	/* collisions */
#define TSD_OWC		0x20000000
#define TSD_TABT	0x40000000
#define TSD_CRS		0x80000000

/* RCR bits. */
#define RCR_AAP		0x0001	/* all physical addresses (promiscuous) */
#define RCR_APM		0x0002	/* our address */
#define RCR_AM		0x0004	/* multicast through the hash */
#define RCR_AB		0x0008	/* broadcast */
#define RCR_WRAP	0x0080	/* a frame runs on past the ring's end */
#define RCR_MXDMA_UNL	(7 << 8)
#define RCR_RBLEN_32K	(2 << 11)
#define RCR_RXFTH_NONE	(7 << 13)

/* TCR: unlimited DMA burst, standard interframe gap. */
#define TCR_VALUE	((7 << 8) | (3 << 24))

/* Receive record status bits. */
#define RX_ROK		0x0001
#define RX_FAE		0x0002
#define RX_CRC		0x0004
#define RX_LONG		0x0008
#define RX_RUNT		0x0010
#define RX_ISE		0x0020

/* The internal PHY's MII registers 0-7, where the chip maps them. */
static const unsigned char rtl8139_mii_map[8] = {
	0x62, 0x64, 0, 0, 0x66, 0x68, 0x6a, 0	/* BMCR, BMSR, -, -, ANAR, ANLPAR, ANER */
};

#define RX_RING_LEN	(32 * 1024)
/* With RCR_WRAP the last frame may run past the ring by up to a frame. */
#define RX_RING_ALLOC	(RX_RING_LEN + 16 + 1536)
#define NUM_TX_DESC	4
#define TX_BUF_SIZE	1536
#define TX_TIMEOUT	(HZ / 2)

struct rtl8139_private {
	unsigned char *rx_ring;		/* RX_RING_ALLOC bytes, contiguous */
	unsigned char *tx_buf[NUM_TX_DESC];
	unsigned char *tx_bufs;		/* the four tx buffers, contiguous */
	unsigned int cur_rx;		/* offset of the next record */
	unsigned int cur_tx, dirty_tx;	/* descriptors given, and taken back */
	/* Frames sent from their own sk_buff, freed once the chip is done. */
	struct sk_buff *tx_skb[NUM_TX_DESC];
	struct enet_statistics stats;
	unsigned char pci_bus, pci_devfn;
};

int rtl8139_probe(struct device *dev);
static int rtl8139_probe1(struct device *dev, int ioaddr, int irq, unsigned char bus, unsigned char devfn);
static int rtl8139_open(struct device *dev);
static int rtl8139_close(struct device *dev);
static int rtl8139_start_xmit(struct sk_buff *skb, struct device *dev);
static void rtl8139_interrupt(int irq, void *dev_id, struct pt_regs *regs);
static struct enet_statistics *rtl8139_get_stats(struct device *dev);
static void rtl8139_set_multicast_list(struct device *dev);
static void rtl8139_load_rx_mode(struct device *dev);
static void rtl8139_rx(struct device *dev);
static int rtl8139_ioctl(struct device *dev, struct ifreq *rq, int cmd);

int rtl8139_probe(struct device *dev)
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

		if (pcibios_find_device(PCI_VENDOR_ID_REALTEK, 0x8139, index, &bus, &devfn)
		    != PCIBIOS_SUCCESSFUL)
			break;
		pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
		pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
		ioaddr = bar & PCI_BASE_ADDRESS_IO_MASK;
		if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) || ioaddr == 0)
			continue;
		if (check_region(ioaddr, RTL_IO_EXTENT))
			continue;	/* another ethN has it */
		/* The chip masters the bus for both rings. */
		pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
		if ((cmd & (PCI_COMMAND_IO | PCI_COMMAND_MASTER)) != (PCI_COMMAND_IO | PCI_COMMAND_MASTER))
			pcibios_write_config_word(bus, devfn, PCI_COMMAND,
						  cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
		if (rtl8139_probe1(dev, ioaddr, irq, bus, devfn) == 0) {
			found++;
			dev = NULL;	/* more cards get devices of their own */
		}
	}
	return found ? 0 : -ENODEV;
}

static int rtl8139_probe1(struct device *dev, int ioaddr, int irq, unsigned char bus, unsigned char devfn)
{
	struct rtl8139_private *tp;
	int i;

	/* Reset: the bit clears itself when the chip is done. */
	outb(CR_RST, ioaddr + RTL_CR);
	for (i = 1000; i > 0 && (inb(ioaddr + RTL_CR) & CR_RST); i--)
		udelay(10);
	if (i == 0) {
		printk(KERN_WARNING "rtl8139: chip at %#x does not leave reset\n", ioaddr);
		return -ENODEV;
	}
	dev = init_etherdev(dev, 0);
	if (dev == NULL)
		return -ENOMEM;
	tp = kmalloc(sizeof(*tp), GFP_KERNEL);
	if (tp == NULL)
		return -ENOMEM;
	memset(tp, 0, sizeof(*tp));
	tp->pci_bus = bus;
	tp->pci_devfn = devfn;
	dev->priv = tp;
	dev->base_addr = ioaddr;
	dev->irq = irq;
	/* The chip loads IDR0-5 from its EEPROM at reset. */
	for (i = 0; i < 6; i++)
		dev->dev_addr[i] = inb(ioaddr + RTL_IDR0 + i);
	printk("%s: RTL8139 at %#x, IRQ %d, ", dev->name, ioaddr, irq);
	for (i = 0; i < 6; i++)
		printk("%2.2x%c", dev->dev_addr[i], i == 5 ? '\n' : ':');
	request_region(ioaddr, RTL_IO_EXTENT, "rtl8139");

	dev->open = rtl8139_open;
	dev->stop = rtl8139_close;
	dev->hard_start_xmit = rtl8139_start_xmit;
	dev->get_stats = rtl8139_get_stats;
	dev->set_multicast_list = rtl8139_set_multicast_list;
	dev->do_ioctl = rtl8139_ioctl;
	return 0;
}

/* Puts the receiver back at the start of an empty ring. */
static void rtl8139_rx_restart(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;

	outb(CR_TE, ioaddr + RTL_CR);
	tp->cur_rx = 0;
	outl(virt_to_bus(tp->rx_ring), ioaddr + RTL_RBSTART);
	outb(CR_RE | CR_TE, ioaddr + RTL_CR);
	outw(tp->cur_rx - 16, ioaddr + RTL_CAPR);
	rtl8139_load_rx_mode(dev);
}

static int rtl8139_open(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;
	int i;

	if (request_irq(dev->irq, rtl8139_interrupt, SA_SHIRQ, dev->name, dev))
		return -EAGAIN;
	tp->rx_ring = kmalloc(RX_RING_ALLOC, GFP_KERNEL);
	tp->tx_bufs = kmalloc(NUM_TX_DESC * TX_BUF_SIZE, GFP_KERNEL);
	if (tp->rx_ring == NULL || tp->tx_bufs == NULL) {
		kfree(tp->rx_ring);
		kfree(tp->tx_bufs);
		tp->rx_ring = tp->tx_bufs = NULL;
		free_irq(dev->irq, dev);
		return -ENOMEM;
	}
	for (i = 0; i < NUM_TX_DESC; i++)
		tp->tx_buf[i] = tp->tx_bufs + i * TX_BUF_SIZE;
	tp->cur_tx = tp->dirty_tx = 0;

	outb(CR_RST, ioaddr + RTL_CR);
	for (i = 1000; i > 0 && (inb(ioaddr + RTL_CR) & CR_RST); i--)
		udelay(10);
	for (i = 0; i < 6; i++)
		outb(dev->dev_addr[i], ioaddr + RTL_IDR0 + i);
	for (i = 0; i < NUM_TX_DESC; i++)
		outl(virt_to_bus(tp->tx_buf[i]), ioaddr + RTL_TSAD0 + i * 4);
	outl(TCR_VALUE, ioaddr + RTL_TCR);
	rtl8139_rx_restart(dev);
	outl(0, ioaddr + RTL_MPC);

	dev->tbusy = 0;
	dev->interrupt = 0;
	dev->start = 1;
	outw(INT_MASK, ioaddr + RTL_IMR);
	MOD_INC_USE_COUNT;
	return 0;
}

/* Frees the sk_buffs the descriptors still hold (the transmitter is reset). */
static void rtl8139_free_tx_skbs(struct rtl8139_private *tp)
{
	int i;

	for (i = 0; i < NUM_TX_DESC; i++)
		if (tp->tx_skb[i]) {
			dev_kfree_skb(tp->tx_skb[i], FREE_WRITE);
			tp->tx_skb[i] = NULL;
		}
}

static int rtl8139_close(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;

	dev->start = 0;
	dev->tbusy = 1;
	outw(0, ioaddr + RTL_IMR);
	outb(0, ioaddr + RTL_CR);
	tp->stats.rx_missed_errors += inl(ioaddr + RTL_MPC) & 0xffffff;
	outl(0, ioaddr + RTL_MPC);
	free_irq(dev->irq, dev);
	rtl8139_free_tx_skbs(tp);
	kfree(tp->rx_ring);
	kfree(tp->tx_bufs);
	tp->rx_ring = tp->tx_bufs = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

/* Takes back the descriptors the chip is done with; from the interrupt. */
static void rtl8139_tx_done(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;

	while (tp->dirty_tx != tp->cur_tx) {
		int entry = tp->dirty_tx % NUM_TX_DESC;
		unsigned int tsd = inl(ioaddr + RTL_TSD0 + entry * 4);

		if (!(tsd & (TSD_TOK | TSD_TUN | TSD_TABT)))
			break;		/* still sending */
		if (tsd & TSD_TOK) {
			tp->stats.tx_packets++;
		} else {
			tp->stats.tx_errors++;
			if (tsd & TSD_TABT)
				tp->stats.tx_aborted_errors++;
			if (tsd & TSD_TUN)
				tp->stats.tx_fifo_errors++;
		}
		if (tsd & TSD_CRS)
			tp->stats.tx_carrier_errors++;
		if (tsd & TSD_OWC)
			tp->stats.tx_window_errors++;
		tp->stats.collisions += TSD_NCC(tsd);
		if (tp->tx_skb[entry]) {
			dev_kfree_skb(tp->tx_skb[entry], FREE_WRITE);
			tp->tx_skb[entry] = NULL;
		}
		tp->dirty_tx++;
	}
	if (dev->tbusy && tp->cur_tx - tp->dirty_tx < NUM_TX_DESC) {
		dev->tbusy = 0;
		mark_bh(NET_BH);	/* the glue's queue goes on */
	}
}

static int rtl8139_start_xmit(struct sk_buff *skb, struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;
	unsigned long flags;
	int entry, len, kept;

	if (dev->tbusy) {
		if (jiffies - dev->trans_start < TX_TIMEOUT)
			return 1;
		/* Lost completion: start the transmitter over. */
		printk(KERN_WARNING "%s: transmit timed out, resetting the transmitter\n", dev->name);
		tp->stats.tx_errors++;
		save_flags(flags);
		cli();
		outb(CR_RE, ioaddr + RTL_CR);
		outb(CR_RE | CR_TE, ioaddr + RTL_CR);
		outl(TCR_VALUE, ioaddr + RTL_TCR);
		tp->dirty_tx = tp->cur_tx;
		rtl8139_free_tx_skbs(tp);
		dev->tbusy = 0;
		restore_flags(flags);
	}
	len = skb->len;
	if (len > TX_BUF_SIZE) {
		tp->stats.tx_dropped++;
		dev_kfree_skb(skb, FREE_WRITE);
		return 0;
	}
	save_flags(flags);
	cli();
	entry = tp->cur_tx % NUM_TX_DESC;
	kept = len >= ETH_ZLEN && ((unsigned long)skb->data & 3) == 0;
	if (kept) {
		/* The chip reads the frame from the sk_buff itself (freed in
		 * rtl8139_tx_done). */
		outl(virt_to_bus(skb->data), ioaddr + RTL_TSAD0 + entry * 4);
		tp->tx_skb[entry] = skb;
	} else {
		outl(virt_to_bus(tp->tx_buf[entry]), ioaddr + RTL_TSAD0 + entry * 4);
		memcpy(tp->tx_buf[entry], skb->data, len);
		if (len < ETH_ZLEN) {
			memset(tp->tx_buf[entry] + len, 0, ETH_ZLEN - len);
			len = ETH_ZLEN;
		}
	}
	/* Writing the status clears OWN and starts the send. */
	outl(TSD_ERTXTH(256) | len, ioaddr + RTL_TSD0 + entry * 4);
	tp->cur_tx++;
	if (tp->cur_tx - tp->dirty_tx >= NUM_TX_DESC)
		dev->tbusy = 1;
	dev->trans_start = jiffies;
	restore_flags(flags);
	if (!kept)
		dev_kfree_skb(skb, FREE_WRITE);
	return 0;
}

/* Hands every complete record in the ring to netif_rx. */
static void rtl8139_rx(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;

	while (!(inb(ioaddr + RTL_CR) & CR_BUFE)) {
		unsigned char *rec = tp->rx_ring + tp->cur_rx;
		unsigned int status = rec[0] | (rec[1] << 8);
		unsigned int size = rec[2] | (rec[3] << 8);	/* frame + CRC */
		struct sk_buff *skb;
		int pkt_len;

		if (size == 0xfff0)
			break;		/* the chip is still copying it in */
		if (!(status & RX_ROK) || size < 64 || size > ETH_FRAME_LEN + 4) {
			tp->stats.rx_errors++;
			if (status & (RX_RUNT | RX_LONG))
				tp->stats.rx_length_errors++;
			if (status & RX_CRC)
				tp->stats.rx_crc_errors++;
			if (status & RX_FAE)
				tp->stats.rx_frame_errors++;
			/* The ring cannot be trusted past a bad record. */
			rtl8139_rx_restart(dev);
			return;
		}
		pkt_len = size - 4;
		skb = dev_alloc_skb(pkt_len + 2);
		if (skb == NULL) {
			tp->stats.rx_dropped++;
		} else {
			skb->dev = dev;
			skb_reserve(skb, 2);	/* the IP header 16-byte aligned */
			/* RCR_WRAP: the frame is contiguous even past the end. */
			memcpy(skb_put(skb, pkt_len), rec + 4, pkt_len);
			skb->protocol = eth_type_trans(skb, dev);
			netif_rx(skb);
			tp->stats.rx_packets++;
		}
		tp->cur_rx = (tp->cur_rx + size + 4 + 3) & ~3;
		if (tp->cur_rx >= RX_RING_LEN)
			tp->cur_rx -= RX_RING_LEN;
		outw((tp->cur_rx - 16) & 0xffff, ioaddr + RTL_CAPR);
	}
}

static void rtl8139_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct device *dev = (struct device *)dev_id;
	struct rtl8139_private *tp;
	int ioaddr, work = 20;
	unsigned int status;

	(void)irq;
	(void)regs;
	if (dev == NULL || dev->priv == NULL)
		return;
	tp = (struct rtl8139_private *)dev->priv;
	ioaddr = dev->base_addr;
	dev->interrupt = 1;
	while (work-- > 0) {
		status = inw(ioaddr + RTL_ISR);
		if (!(status & INT_MASK) || status == 0xffff)
			break;
		outw(status, ioaddr + RTL_ISR);		/* acknowledge */
		if (status & (INT_ROK | INT_RER | INT_RXOVW | INT_FOVW))
			rtl8139_rx(dev);
		if (status & (INT_RXOVW | INT_FOVW)) {
			tp->stats.rx_over_errors++;
			tp->stats.rx_errors++;
		}
		if (status & (INT_TOK | INT_TER))
			rtl8139_tx_done(dev);
		if (status & INT_SERR)
			printk(KERN_WARNING "%s: PCI system error\n", dev->name);
	}
	dev->interrupt = 0;
}

static struct enet_statistics *rtl8139_get_stats(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	int ioaddr = dev->base_addr;

	if (dev->start) {
		tp->stats.rx_missed_errors += inl(ioaddr + RTL_MPC) & 0xffffff;
		outl(0, ioaddr + RTL_MPC);
	}
	return &tp->stats;
}

/* The Ethernet CRC-32 of `len` bytes, most significant bit first: its top
 * six bits pick the multicast hash bit. */
static unsigned int rtl8139_crc(const unsigned char *p, int len)
{
	unsigned int crc = 0xffffffff;
	int i;

	while (len-- > 0) {
		unsigned char b = *p++;

		for (i = 0; i < 8; i++, b >>= 1)
			crc = (crc << 1) ^ ((((crc >> 31) ^ b) & 1) ? 0x04c11db7 : 0);
	}
	return crc;
}

/*
 * A new receive mode. While the receiver runs, the ring is emptied and the
 * receiver started over at its beginning with the new mode: QEMU's model
 * moves its ring pointers back to the start on every RCR write, so writing
 * RCR alone would leave the driver reading where nothing is written.
 */
static void rtl8139_set_multicast_list(struct device *dev)
{
	struct rtl8139_private *tp = (struct rtl8139_private *)dev->priv;
	unsigned long flags;

	if (!dev->start || tp->rx_ring == NULL) {
		rtl8139_load_rx_mode(dev);
		return;
	}
	save_flags(flags);
	cli();
	rtl8139_rx(dev);
	rtl8139_rx_restart(dev);
	restore_flags(flags);
}

/* RCR and the hash from dev->flags (IFF_PROMISC, IFF_ALLMULTI) and the
 * multicast list. */
static void rtl8139_load_rx_mode(struct device *dev)
{
	int ioaddr = dev->base_addr;
	unsigned int mc[2] = { 0, 0 };
	unsigned int rcr = RCR_APM | RCR_AB | RCR_WRAP | RCR_MXDMA_UNL | RCR_RBLEN_32K | RCR_RXFTH_NONE;
	struct dev_mc_list *m;
	int i;

	if (dev->flags & IFF_PROMISC) {
		rcr |= RCR_AAP | RCR_AM;
		mc[0] = mc[1] = 0xffffffff;
	} else if (dev->flags & IFF_ALLMULTI) {
		rcr |= RCR_AM;
		mc[0] = mc[1] = 0xffffffff;
	} else if (dev->mc_count > 0) {
		rcr |= RCR_AM;
		for (i = 0, m = dev->mc_list; m && i < dev->mc_count; i++, m = m->next) {
			int bit = rtl8139_crc((unsigned char *)m->dmi_addr, ETH_ALEN) >> 26;

			mc[bit >> 5] |= 1U << (bit & 31);
		}
	}
	outl(rcr, ioaddr + RTL_RCR);
	outl(mc[0], ioaddr + RTL_MAR0);
	outl(mc[1], ioaddr + RTL_MAR0 + 4);
}

/* The MII controls of Linux 2.0 drivers (data[0] PHY, data[1] register,
 * data[3] value): the RTL8139's PHY is internal, numbered 32 as is usual. */
static int rtl8139_ioctl(struct device *dev, struct ifreq *rq, int cmd)
{
	unsigned short *data = (unsigned short *)&rq->ifr_data;

	switch (cmd) {
	case SIOCDEVPRIVATE:
		data[0] = 32;
		return 0;
	case SIOCDEVPRIVATE + 1:
		data[3] = data[1] < 8 && rtl8139_mii_map[data[1]] ?
			  inw(dev->base_addr + rtl8139_mii_map[data[1]]) : 0;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
