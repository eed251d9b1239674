/*
 * 8390.c - the DP8390 core: open/close, transmit, the interrupt handler,
 * the receive ring and overrun recovery. Written for this kernel in Linux
 * 2.0 style from the DP8390D datasheet; the card driver (ne.c) supplies
 * reset and packet-RAM access through struct ei_device.
 *
 * Buffers: the card's packet RAM is split into one transmit buffer of
 * TX_PAGES pages at tx_start_page and the receive ring
 * [rx_start_page, stop_page). The chip writes received frames at CURR and
 * stops at BOUNDARY; the host reads from BOUNDARY + 1 up to CURR.
 *
 * Flow control: dev->tbusy is set while a frame is on the wire; the
 * transmit-done interrupt clears it and marks NET_BH, where the network
 * layer sends what waited.
 *
 * Locking: ei_start_xmit runs with interrupts off while it drives the
 * chip; the interrupt handler runs with the card's line masked, and marks
 * dev->interrupt so a transmit started from the same context is refused.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/malloc.h>
#include <linux/mm.h>
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/ptrace.h>
#include <linux/delay.h>
#include <asm/system.h>
#include <asm/bitops.h>
#include <asm/io.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "8390.h"

int ei_debug = 1;

#define TX_TIMEOUT (2 * HZ)

static int ei_start_xmit(struct sk_buff *skb, struct device *dev);
static void ei_receive(struct device *dev);
static void ei_rx_overrun(struct device *dev);
static struct enet_statistics *get_stats(struct device *dev);
static void set_multicast_list(struct device *dev);

/* Switches the chip to register page `page` (0 or 1), no remote DMA. */
static inline void ei_page(long e8390_base, int page)
{
	outb_p(E8390_NODMA | E8390_START | (page ? E8390_PAGE1 : E8390_PAGE0),
	       e8390_base + E8390_CMD);
}

int ei_open(struct device *dev)
{
	struct ei_device *ei_local = (struct ei_device *)dev->priv;

	if (!ei_local) {
		printk(KERN_ERR "%s: ei_open called before ethdev_init\n", dev->name);
		return -ENXIO;
	}
	irq2dev_map[dev->irq] = dev;
	NS8390_init(dev, 1);
	dev->start = 1;
	ei_local->open = 1;
	return 0;
}

int ei_close(struct device *dev)
{
	struct ei_device *ei_local = (struct ei_device *)dev->priv;

	NS8390_init(dev, 0);
	ei_local->open = 0;
	dev->start = 0;
	return 0;
}

/* Starts sending the `length` bytes staged at `start_page`. */
static void NS8390_trigger_send(struct device *dev, unsigned int length, int start_page)
{
	long e8390_base = dev->base_addr;

	ei_page(e8390_base, 0);
	if (inb_p(e8390_base + E8390_CMD) & E8390_TRANS) {
		printk(KERN_WARNING "%s: trigger_send while the transmitter is busy\n", dev->name);
		return;
	}
	outb_p(length & 0xff, e8390_base + EN0_TCNTLO);
	outb_p(length >> 8, e8390_base + EN0_TCNTHI);
	outb_p(start_page, e8390_base + EN0_TPSR);
	outb_p(E8390_NODMA | E8390_TRANS | E8390_START, e8390_base + E8390_CMD);
}

static int ei_start_xmit(struct sk_buff *skb, struct device *dev)
{
	long e8390_base = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	unsigned char pad[ETH_ZLEN];
	const unsigned char *buf;
	unsigned long flags;
	int length;

	if (dev->tbusy) {
		/* Busy: retry later, unless the transmitter hung. */
		int waited = jiffies - dev->trans_start;

		if (waited < TX_TIMEOUT)
			return 1;
		printk(KERN_WARNING "%s: transmit timed out (TSR %#2x, ISR %#2x), resetting\n",
		       dev->name, inb(e8390_base + EN0_TSR), inb(e8390_base + EN0_ISR));
		ei_local->stat.tx_errors++;
		ei_local->reset_8390(dev);
		NS8390_init(dev, 1);
		ei_local->txing = 0;
		dev->tbusy = 0;
		dev->trans_start = jiffies;
	}

	/* The old "poke the transmitter" convention. */
	if (skb == NULL) {
		dev_tint(dev);
		return 0;
	}
	if (skb->len <= 0) {
		dev_kfree_skb(skb, FREE_WRITE);
		return 0;
	}

	if (set_bit(0, (void *)&dev->tbusy) != 0) {
		printk(KERN_WARNING "%s: transmitter access conflict\n", dev->name);
		return 1;
	}
	if (dev->interrupt) {
		/* Called from within our own interrupt handler: retry later. */
		dev->tbusy = 0;
		return 1;
	}

	length = skb->len;
	buf = skb->data;
	if (length < ETH_ZLEN) {
		memcpy(pad, skb->data, length);
		memset(pad + length, 0, ETH_ZLEN - length);
		length = ETH_ZLEN;
		buf = pad;
	}
	if (length > TX_PAGES * 256)
		length = TX_PAGES * 256;

	save_flags(flags);
	cli();
	/* No interrupt from the card while the packet RAM is being written. */
	outb_p(0x00, e8390_base + EN0_IMR);
	ei_local->dmaing = 1;
	ei_local->block_output(dev, length, buf, ei_local->tx_start_page);
	ei_local->dmaing = 0;
	ei_local->txing = 1;
	ei_local->tx_len = length;
	NS8390_trigger_send(dev, length, ei_local->tx_start_page);
	dev->trans_start = jiffies;
	outb_p(ENISR_ALL, e8390_base + EN0_IMR);
	restore_flags(flags);

	dev_kfree_skb(skb, FREE_WRITE);
	return 0;
}

/* The transmit finished (ENISR_TX) or was aborted (ENISR_TX_ERR). */
static void ei_tx_done(struct device *dev, int error)
{
	long e8390_base = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	unsigned char status = inb(e8390_base + EN0_TSR);

	outb_p(error ? ENISR_TX_ERR : ENISR_TX, e8390_base + EN0_ISR);
	if (status & ENTSR_COL)
		ei_local->stat.collisions++;
	if (status & ENTSR_PTX) {
		ei_local->stat.tx_packets++;
	} else {
		ei_local->stat.tx_errors++;
		if (status & ENTSR_ABT)
			ei_local->stat.tx_aborted_errors++;
		if (status & ENTSR_CRS)
			ei_local->stat.tx_carrier_errors++;
		if (status & ENTSR_FU)
			ei_local->stat.tx_fifo_errors++;
		if (status & ENTSR_CDH)
			ei_local->stat.tx_heartbeat_errors++;
		if (status & ENTSR_OWC)
			ei_local->stat.tx_window_errors++;
	}
	ei_local->txing = 0;
	dev->tbusy = 0;
	mark_bh(NET_BH);
}

void ei_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct device *dev = (struct device *)irq2dev_map[irq];
	struct ei_device *ei_local;
	long e8390_base;
	int interrupts, boguscount = 0;

	(void)regs;
	if (dev == NULL)
		dev = (struct device *)dev_id;
	if (dev == NULL) {
		printk(KERN_WARNING "8390: interrupt from unknown device %d\n", irq);
		return;
	}
	ei_local = (struct ei_device *)dev->priv;
	e8390_base = dev->base_addr;
	if (dev->interrupt || ei_local->dmaing) {
		printk(KERN_WARNING "%s: re-entered the interrupt handler\n", dev->name);
		return;
	}
	dev->interrupt = 1;
	ei_page(e8390_base, 0);

	while ((interrupts = inb_p(e8390_base + EN0_ISR)) != 0 && ++boguscount < 10) {
		if (!dev->start) {
			/* Not open: just acknowledge. */
			outb_p(0xff, e8390_base + EN0_ISR);
			break;
		}
		if (interrupts & ENISR_OVER) {
			ei_rx_overrun(dev);
		} else if (interrupts & (ENISR_RX | ENISR_RX_ERR)) {
			ei_receive(dev);
		}
		if (interrupts & ENISR_TX)
			ei_tx_done(dev, 0);
		else if (interrupts & ENISR_TX_ERR)
			ei_tx_done(dev, 1);
		if (interrupts & ENISR_COUNTERS) {
			ei_local->stat.rx_frame_errors += inb_p(e8390_base + EN0_COUNTER0);
			ei_local->stat.rx_crc_errors += inb_p(e8390_base + EN0_COUNTER1);
			ei_local->stat.rx_missed_errors += inb_p(e8390_base + EN0_COUNTER2);
			outb_p(ENISR_COUNTERS, e8390_base + EN0_ISR);
		}
		if (interrupts & ENISR_RDC)
			outb_p(ENISR_RDC, e8390_base + EN0_ISR);
		if (interrupts & ENISR_RESET)
			outb_p(ENISR_RESET, e8390_base + EN0_ISR);
		ei_page(e8390_base, 0);
	}
	if (interrupts && ei_debug > 1)
		printk(KERN_DEBUG "%s: unhandled ISR bits %#2x\n", dev->name, interrupts);
	dev->interrupt = 0;
}

/* Moves every complete frame of the receive ring to the network layer. */
static void ei_receive(struct device *dev)
{
	long e8390_base = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	int rx_pkt_count = 0;
	int num_rx_pages = ei_local->stop_page - ei_local->rx_start_page;
	struct e8390_pkt_hdr rx_frame;

	/* Empty the ring (bounded, in case the chip keeps writing). */
	while (++rx_pkt_count < 64) {
		int pkt_len, this_frame, next_frame, rxing_page;
		unsigned short current_offset;

		/* Where the chip writes now. */
		ei_page(e8390_base, 1);
		rxing_page = inb_p(e8390_base + EN1_CURPAG);
		ei_page(e8390_base, 0);

		this_frame = inb_p(e8390_base + EN0_BOUNDARY) + 1;
		if (this_frame >= ei_local->stop_page)
			this_frame = ei_local->rx_start_page;
		if (this_frame == rxing_page)
			break;

		current_offset = this_frame << 8;
		ei_local->get_8390_hdr(dev, &rx_frame, this_frame);
		pkt_len = rx_frame.count - sizeof(struct e8390_pkt_hdr);
		/* The chip may leave one page for the CRC beyond the frame. */
		next_frame = this_frame + ((rx_frame.count + 255) >> 8);
		if (next_frame >= ei_local->stop_page)
			next_frame -= num_rx_pages;

		if (rx_frame.next != next_frame &&
		    rx_frame.next != (next_frame + 1 >= ei_local->stop_page ?
				      next_frame + 1 - num_rx_pages : next_frame + 1)) {
			/* The header does not describe a frame that fits: skip to
			 * where the chip writes, losing what is in between. */
			ei_local->stat.rx_errors++;
			ei_local->current_page = rxing_page;
			outb(ei_local->current_page - 1 < ei_local->rx_start_page ?
			     ei_local->stop_page - 1 : ei_local->current_page - 1,
			     e8390_base + EN0_BOUNDARY);
			continue;
		}

		if (pkt_len < 60 || pkt_len > 1518) {
			ei_local->stat.rx_errors++;
			ei_local->stat.rx_length_errors++;
		} else if ((rx_frame.status & 0x0f) == ENRSR_RXOK) {
			struct sk_buff *skb = dev_alloc_skb(pkt_len + 2);

			if (skb == NULL) {
				ei_local->stat.rx_dropped++;
				break;
			}
			skb_reserve(skb, 2);	/* IP header on a 4-byte boundary */
			skb->dev = dev;
			skb_put(skb, pkt_len);
			ei_local->block_input(dev, pkt_len, skb, current_offset + sizeof(rx_frame));
			skb->protocol = eth_type_trans(skb, dev);
			netif_rx(skb);
			ei_local->stat.rx_packets++;
		} else {
			ei_local->stat.rx_errors++;
			if (rx_frame.status & ENRSR_FO)
				ei_local->stat.rx_fifo_errors++;
		}

		next_frame = rx_frame.next;
		if (next_frame >= ei_local->stop_page || next_frame < ei_local->rx_start_page) {
			printk(KERN_WARNING "%s: next frame page %#x out of the ring\n", dev->name, next_frame);
			next_frame = ei_local->rx_start_page;
		}
		ei_local->current_page = next_frame;
		outb_p(next_frame - 1 < ei_local->rx_start_page ? ei_local->stop_page - 1 : next_frame - 1,
		       e8390_base + EN0_BOUNDARY);
	}
	outb_p(ENISR_RX | ENISR_RX_ERR, e8390_base + EN0_ISR);
}

/*
 * The ring filled up (ENISR_OVER). The datasheet's recovery: stop the chip,
 * wait for it to settle, clear the remote byte count, remember whether a
 * transmit was cut short, restart in loopback, empty the ring, acknowledge
 * the overwrite, leave loopback and resend what was cut short.
 */
static void ei_rx_overrun(struct device *dev)
{
	long e8390_base = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	unsigned char was_txing, must_resend = 0;

	was_txing = inb_p(e8390_base + E8390_CMD) & E8390_TRANS;
	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_STOP, e8390_base + E8390_CMD);
	ei_local->stat.rx_over_errors++;
	udelay(2000);
	outb_p(0x00, e8390_base + EN0_RCNTLO);
	outb_p(0x00, e8390_base + EN0_RCNTHI);
	if (was_txing && !(inb_p(e8390_base + EN0_ISR) & (ENISR_TX | ENISR_TX_ERR)))
		must_resend = 1;
	outb_p(ENTXCR_LOOP, e8390_base + EN0_TXCR);
	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, e8390_base + E8390_CMD);
	ei_receive(dev);
	outb_p(ENISR_OVER, e8390_base + EN0_ISR);
	outb_p(0x00, e8390_base + EN0_TXCR);
	if (must_resend)
		outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START | E8390_TRANS, e8390_base + E8390_CMD);
}

static struct enet_statistics *get_stats(struct device *dev)
{
	long ioaddr = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;

	if (dev->start) {
		ei_local->stat.rx_frame_errors += inb_p(ioaddr + EN0_COUNTER0);
		ei_local->stat.rx_crc_errors += inb_p(ioaddr + EN0_COUNTER1);
		ei_local->stat.rx_missed_errors += inb_p(ioaddr + EN0_COUNTER2);
	}
	return &ei_local->stat;
}

/* The receive configuration for dev->flags (promiscuous, all multicast). */
static int rx_config(struct device *dev)
{
	if (dev->flags & IFF_PROMISC)
		return ENRXCR_BCST | ENRXCR_MULTI | ENRXCR_PROMP;
	if ((dev->flags & IFF_ALLMULTI) || dev->mc_list)
		return ENRXCR_BCST | ENRXCR_MULTI;
	return ENRXCR_BCST;
}

static void set_multicast_list(struct device *dev)
{
	long ioaddr = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	unsigned long flags;
	int i, all = (dev->flags & (IFF_PROMISC | IFF_ALLMULTI)) || dev->mc_list;

	/* Without a hash computation, accept every multicast when any is wanted. */
	save_flags(flags);
	cli();
	ei_page(ioaddr, 1);
	for (i = 0; i < 8; i++) {
		ei_local->mcfilter[i] = all ? 0xff : 0x00;
		outb_p(ei_local->mcfilter[i], ioaddr + EN1_MULT + i);
	}
	ei_page(ioaddr, 0);
	outb_p(rx_config(dev), ioaddr + EN0_RXCR);
	restore_flags(flags);
}

/* Fills in the 8390 parts of `dev`; allocates its ei_device. */
int ethdev_init(struct device *dev)
{
	if (ei_debug > 1)
		printk(KERN_DEBUG "8390.c: DP8390 core for %s\n", dev->name);
	if (dev->priv == NULL) {
		dev->priv = kmalloc(sizeof(struct ei_device), GFP_KERNEL);
		if (dev->priv == NULL)
			return -ENOMEM;
		memset(dev->priv, 0, sizeof(struct ei_device));
	}
	dev->hard_start_xmit = ei_start_xmit;
	dev->get_stats = get_stats;
	dev->set_multicast_list = set_multicast_list;
	ether_setup(dev);
	return 0;
}

/*
 * Brings the chip to a known state: stopped, rings set up, station address
 * loaded, interrupts acknowledged; with `startp` it is started and its
 * interrupts are unmasked.
 */
void NS8390_init(struct device *dev, int startp)
{
	long e8390_base = dev->base_addr;
	struct ei_device *ei_local = (struct ei_device *)dev->priv;
	int endcfg = ei_local->word16 ? (ENDCFG_FT1 | ENDCFG_LS | ENDCFG_WTS) : (ENDCFG_FT1 | ENDCFG_LS);
	unsigned long flags;
	int i;

	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_STOP, e8390_base + E8390_CMD);
	outb_p(endcfg, e8390_base + EN0_DCFG);
	outb_p(0x00, e8390_base + EN0_RCNTLO);
	outb_p(0x00, e8390_base + EN0_RCNTHI);
	outb_p(ENRXCR_MON, e8390_base + EN0_RXCR);	/* nothing stored yet */
	outb_p(ENTXCR_LOOP, e8390_base + EN0_TXCR);	/* loopback while set up */
	outb_p(ei_local->tx_start_page, e8390_base + EN0_TPSR);
	outb_p(ei_local->rx_start_page, e8390_base + EN0_STARTPG);
	outb_p(ei_local->stop_page - 1, e8390_base + EN0_BOUNDARY);
	outb_p(ei_local->stop_page, e8390_base + EN0_STOPPG);
	outb_p(0xff, e8390_base + EN0_ISR);
	outb_p(0x00, e8390_base + EN0_IMR);

	save_flags(flags);
	cli();
	outb_p(E8390_NODMA | E8390_PAGE1 | E8390_STOP, e8390_base + E8390_CMD);
	for (i = 0; i < ETHER_ADDR_LEN; i++)
		outb_p(dev->dev_addr[i], e8390_base + EN1_PHYS + i);
	for (i = 0; i < 8; i++)
		outb_p(ei_local->mcfilter[i], e8390_base + EN1_MULT + i);
	ei_local->current_page = ei_local->rx_start_page;
	outb_p(ei_local->rx_start_page, e8390_base + EN1_CURPAG);
	outb_p(E8390_NODMA | E8390_PAGE0 | E8390_STOP, e8390_base + E8390_CMD);
	restore_flags(flags);

	dev->tbusy = 0;
	dev->interrupt = 0;
	ei_local->txing = 0;
	ei_local->dmaing = 0;
	if (startp) {
		outb_p(0xff, e8390_base + EN0_ISR);
		outb_p(ENISR_ALL, e8390_base + EN0_IMR);
		outb_p(E8390_NODMA | E8390_PAGE0 | E8390_START, e8390_base + E8390_CMD);
		outb_p(0x00, e8390_base + EN0_TXCR);		/* normal transmit */
		outb_p(rx_config(dev), e8390_base + EN0_RXCR);
	}
}
