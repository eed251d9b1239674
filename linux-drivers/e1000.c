/*
 * e1000.c - Intel PRO/1000 gigabit Ethernet, 8254x family (82540EM,
 * 8086:100e, QEMU's default NIC, and its close kin).
 *
 * Written for this kernel in Linux 2.0 style (Linux 2.0 has no driver for
 * it) from the chips' programming facts (Intel's PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual): 128 KiB of
 * memory-mapped registers at BAR 0; the station address in EEPROM words
 * 0-2, read through EERD; receive and transmit through rings of 16-byte
 * legacy descriptors (a 64-bit buffer address, then length and status
 * fields) whose head the chip advances and whose tail the driver writes:
 * the chip owns the entries from head up to tail, and marks each one done
 * (DD) as it finishes it. Receive buffers are 2048 bytes (RCTL.BSIZE 0),
 * the CRC is stripped (RCTL.SECRC). A frame of ETH_ZLEN bytes or more is
 * sent from its sk_buff (the chip's DMA reads it there; the sk_buff is
 * freed once its descriptor is done); a shorter one is padded by the
 * driver in the ring's own buffer.
 *
 * Probed through the Linux 2.0 chain (Space.c: ethif_probe -> e1000_probe):
 * every unclaimed card of the device ids below.
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
#include <linux/mm.h>
#include <linux/interrupt.h>
#include <linux/bios32.h>
#include <linux/pci.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <asm/system.h>
#include <asm/io.h>

#define E1000_MMIO_SIZE	0x20000

/* Registers (byte offsets into BAR 0). */
#define E1000_CTRL	0x0000
#define E1000_STATUS	0x0008
#define E1000_EERD	0x0014	/* EEPROM read */
#define E1000_MDIC	0x0020	/* MDI control: PHY register access */
#define E1000_ICR	0x00c0	/* interrupt cause (reading clears) */
#define E1000_IMS	0x00d0	/* interrupt mask set */
#define E1000_IMC	0x00d8	/* interrupt mask clear */
#define E1000_RCTL	0x0100
#define E1000_TCTL	0x0400
#define E1000_TIPG	0x0410
#define E1000_RDBAL	0x2800
#define E1000_RDBAH	0x2804
#define E1000_RDLEN	0x2808
#define E1000_RDH	0x2810
#define E1000_RDT	0x2818
#define E1000_TDBAL	0x3800
#define E1000_TDBAH	0x3804
#define E1000_TDLEN	0x3808
#define E1000_TDH	0x3810
#define E1000_TDT	0x3818
#define E1000_CRCERRS	0x4000	/* statistics: each read clears */
#define E1000_MPC	0x4010
#define E1000_COLC	0x4028
#define E1000_MTA	0x5200	/* multicast table, 128 words */
#define E1000_RAL0	0x5400
#define E1000_RAH0	0x5404

#define CTRL_ASDE	0x00000020	/* auto speed detection */
#define CTRL_SLU	0x00000040	/* set link up */
#define CTRL_RST	0x04000000

#define STATUS_LU	0x00000002	/* link up */

#define MDIC_OP_READ	0x08000000
#define MDIC_READY	0x10000000
#define MDIC_ERROR	0x40000000
#define E1000_PHY_ADDR	1	/* the internal PHY */

#define EERD_START	0x00000001
#define EERD_DONE	0x00000010

#define ICR_TXDW	0x00000001	/* a transmit descriptor written back */
#define ICR_LSC		0x00000004	/* link status change */
#define ICR_RXSEQ	0x00000008
#define ICR_RXDMT0	0x00000010	/* receive ring running low */
#define ICR_RXO		0x00000040	/* receiver overrun */
#define ICR_RXT0	0x00000080	/* receive timer: frames are in */
#define IMS_VALUE	(ICR_TXDW | ICR_LSC | ICR_RXSEQ | ICR_RXDMT0 | ICR_RXO | ICR_RXT0)

#define RCTL_EN		0x00000002
#define RCTL_UPE	0x00000008	/* every unicast (promiscuous) */
#define RCTL_MPE	0x00000010	/* every multicast */
#define RCTL_BAM	0x00008000	/* broadcast */
#define RCTL_SECRC	0x04000000	/* strip the CRC */

#define TCTL_EN		0x00000002
#define TCTL_PSP	0x00000008	/* pad short frames */
#define TCTL_CT		(0x0f << 4)	/* collision threshold */
#define TCTL_COLD	(0x40 << 12)	/* collision distance, full duplex */
#define TIPG_VALUE	(10 | (8 << 10) | (6 << 20))	/* IEEE 802.3 copper */

#define RAH_AV		0x80000000	/* the address is valid */

/* Descriptor bits. */
#define TXD_CMD_EOP	0x01
#define TXD_CMD_IFCS	0x02	/* insert the CRC */
#define TXD_CMD_RS	0x08	/* report status (DD) */
#define TXD_STAT_DD	0x01
#define RXD_STAT_DD	0x01
#define RXD_STAT_EOP	0x02

struct e1000_rx_desc {
	u32 addr_lo, addr_hi;
	u16 length;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
};

struct e1000_tx_desc {
	u32 addr_lo, addr_hi;
	u16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	u16 special;
};

#define RX_RING_SIZE	32
#define TX_RING_SIZE	16
#define RX_BUF_SZ	2048
#define TX_BUF_SZ	1536
#define TX_TIMEOUT	(HZ / 2)

struct e1000_private {
	/* 16-byte aligned (kmalloc gives 16), lengths multiples of 128. */
	struct e1000_rx_desc rx_ring[RX_RING_SIZE];
	struct e1000_tx_desc tx_ring[TX_RING_SIZE];
	unsigned char *regs;		/* the mapped BAR 0 */
	unsigned char *rx_bufs, *tx_bufs;
	unsigned int cur_rx;
	unsigned int cur_tx, dirty_tx;
	/* Frames sent from their own sk_buff, freed once the chip is done. */
	struct sk_buff *tx_skb[TX_RING_SIZE];
	struct enet_statistics stats;
};

int e1000_probe(struct device *dev);
static int e1000_probe1(struct device *dev, unsigned long phys, int irq);
static int e1000_open(struct device *dev);
static int e1000_close(struct device *dev);
static int e1000_start_xmit(struct sk_buff *skb, struct device *dev);
static void e1000_interrupt(int irq, void *dev_id, struct pt_regs *regs);
static struct enet_statistics *e1000_get_stats(struct device *dev);
static void e1000_set_multicast_list(struct device *dev);
static int e1000_ioctl(struct device *dev, struct ifreq *rq, int cmd);

/* The 8254x parts with this programming model. */
static unsigned short e1000_ids[] = {
	0x100e,		/* 82540EM desktop (QEMU's e1000) */
	0x100f,		/* 82545EM copper */
	0x1004,		/* 82543GC copper */
	0x1015,		/* 82540EM LOM */
	0x1026,		/* 82545GM copper */
	0x107c,		/* 82541PI */
	0
};

static inline u32 er32(struct e1000_private *ep, int reg)
{
	return readl(ep->regs + reg);
}

static inline void ew32(struct e1000_private *ep, int reg, u32 val)
{
	writel(val, ep->regs + reg);
}

int e1000_probe(struct device *dev)
{
	int id, found = 0;

	if (dev && dev->base_addr != 0)
		return -ENXIO;		/* "do not probe": PCI cards only */
	if (!pcibios_present())
		return -ENODEV;
	for (id = 0; e1000_ids[id]; id++) {
		unsigned short index;

		for (index = 0; index < 8; index++) {
			unsigned char bus, devfn, irq;
			unsigned int bar;
			unsigned short cmd;
			struct device *d;
			unsigned long phys;

			if (pcibios_find_device(PCI_VENDOR_ID_INTEL, e1000_ids[id], index, &bus, &devfn)
			    != PCIBIOS_SUCCESSFUL)
				break;
			pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_0, &bar);
			pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
			if (bar & PCI_BASE_ADDRESS_SPACE_IO)
				continue;
			phys = bar & PCI_BASE_ADDRESS_MEM_MASK;
			if (phys == 0)
				continue;
			for (d = dev_base; d; d = d->next)
				if (d->mem_start == phys)
					break;
			if (d)
				continue;	/* another ethN has it */
			pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
			if ((cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) != (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
				pcibios_write_config_word(bus, devfn, PCI_COMMAND,
							  cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
			if (e1000_probe1(dev, phys, irq) == 0) {
				found++;
				dev = NULL;	/* more cards get devices of their own */
			}
		}
	}
	return found ? 0 : -ENODEV;
}

/* EEPROM word `addr`, or -1 if the read does not complete. */
static int e1000_read_eeprom(struct e1000_private *ep, int addr)
{
	int i;

	ew32(ep, E1000_EERD, (addr << 8) | EERD_START);
	for (i = 0; i < 1000; i++) {
		u32 v = er32(ep, E1000_EERD);

		if (v & EERD_DONE)
			return v >> 16;
		udelay(5);
	}
	return -1;
}

static void e1000_reset(struct e1000_private *ep)
{
	int i;

	ew32(ep, E1000_IMC, 0xffffffff);
	ew32(ep, E1000_CTRL, er32(ep, E1000_CTRL) | CTRL_RST);
	udelay(10);
	for (i = 0; i < 1000 && (er32(ep, E1000_CTRL) & CTRL_RST); i++)
		udelay(10);
	ew32(ep, E1000_IMC, 0xffffffff);
	er32(ep, E1000_ICR);
}

static int e1000_probe1(struct device *dev, unsigned long phys, int irq)
{
	struct e1000_private *ep;
	unsigned char *regs;
	int words[3];
	int i;

	regs = vremap(phys, E1000_MMIO_SIZE);
	if (regs == NULL)
		return -ENOMEM;
	ep = kmalloc(sizeof(*ep), GFP_KERNEL);
	if (ep == NULL)
		return -ENOMEM;
	memset(ep, 0, sizeof(*ep));
	ep->regs = regs;
	e1000_reset(ep);
	for (i = 0; i < 3; i++)
		if ((words[i] = e1000_read_eeprom(ep, i)) < 0)
			break;
	dev = init_etherdev(dev, 0);
	if (dev == NULL) {
		kfree(ep);
		return -ENOMEM;
	}
	dev->priv = ep;
	if (i == 3) {
		for (i = 0; i < 3; i++) {
			dev->dev_addr[2 * i] = words[i] & 0xff;
			dev->dev_addr[2 * i + 1] = words[i] >> 8;
		}
	} else {
		/* No EEPROM answer: the address the chip loaded into RAR0. */
		u32 lo = er32(ep, E1000_RAL0), hi = er32(ep, E1000_RAH0);

		for (i = 0; i < 4; i++)
			dev->dev_addr[i] = lo >> (8 * i);
		dev->dev_addr[4] = hi;
		dev->dev_addr[5] = hi >> 8;
	}
	dev->base_addr = phys;		/* for the record: registers go through ep->regs */
	dev->mem_start = phys;
	dev->mem_end = phys + E1000_MMIO_SIZE;
	dev->irq = irq;
	printk("%s: Intel PRO/1000 at %#lx, IRQ %d, ", dev->name, phys, irq);
	for (i = 0; i < 6; i++)
		printk("%2.2x%c", dev->dev_addr[i], i == 5 ? '\n' : ':');

	dev->open = e1000_open;
	dev->stop = e1000_close;
	dev->hard_start_xmit = e1000_start_xmit;
	dev->get_stats = e1000_get_stats;
	dev->set_multicast_list = e1000_set_multicast_list;
	dev->do_ioctl = e1000_ioctl;
	return 0;
}

static int e1000_open(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	int i;

	if (request_irq(dev->irq, e1000_interrupt, SA_SHIRQ, dev->name, dev))
		return -EAGAIN;
	ep->rx_bufs = kmalloc(RX_RING_SIZE * RX_BUF_SZ, GFP_KERNEL);
	ep->tx_bufs = kmalloc(TX_RING_SIZE * TX_BUF_SZ, GFP_KERNEL);
	if (ep->rx_bufs == NULL || ep->tx_bufs == NULL) {
		kfree(ep->rx_bufs);
		kfree(ep->tx_bufs);
		ep->rx_bufs = ep->tx_bufs = NULL;
		free_irq(dev->irq, dev);
		return -ENOMEM;
	}
	e1000_reset(ep);
	ew32(ep, E1000_CTRL, (er32(ep, E1000_CTRL) | CTRL_SLU | CTRL_ASDE));
	/* Our address in receive address register 0. */
	ew32(ep, E1000_RAL0, dev->dev_addr[0] | (dev->dev_addr[1] << 8) |
	     (dev->dev_addr[2] << 16) | ((u32)dev->dev_addr[3] << 24));
	ew32(ep, E1000_RAH0, dev->dev_addr[4] | (dev->dev_addr[5] << 8) | RAH_AV);

	memset(ep->rx_ring, 0, sizeof(ep->rx_ring));
	for (i = 0; i < RX_RING_SIZE; i++)
		ep->rx_ring[i].addr_lo = virt_to_bus(ep->rx_bufs + i * RX_BUF_SZ);
	ep->cur_rx = 0;
	ew32(ep, E1000_RDBAL, virt_to_bus(ep->rx_ring));
	ew32(ep, E1000_RDBAH, 0);
	ew32(ep, E1000_RDLEN, sizeof(ep->rx_ring));
	ew32(ep, E1000_RDH, 0);
	ew32(ep, E1000_RDT, RX_RING_SIZE - 1);

	memset(ep->tx_ring, 0, sizeof(ep->tx_ring));
	for (i = 0; i < TX_RING_SIZE; i++) {
		ep->tx_ring[i].addr_lo = virt_to_bus(ep->tx_bufs + i * TX_BUF_SZ);
		ep->tx_skb[i] = NULL;
	}
	ep->cur_tx = ep->dirty_tx = 0;
	ew32(ep, E1000_TDBAL, virt_to_bus(ep->tx_ring));
	ew32(ep, E1000_TDBAH, 0);
	ew32(ep, E1000_TDLEN, sizeof(ep->tx_ring));
	ew32(ep, E1000_TDH, 0);
	ew32(ep, E1000_TDT, 0);
	ew32(ep, E1000_TIPG, TIPG_VALUE);
	ew32(ep, E1000_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);

	dev->tbusy = 0;
	dev->interrupt = 0;
	dev->start = 1;
	e1000_set_multicast_list(dev);	/* writes RCTL: the receiver starts */
	ew32(ep, E1000_IMS, IMS_VALUE);
	MOD_INC_USE_COUNT;
	return 0;
}

static int e1000_close(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	int i;

	dev->start = 0;
	dev->tbusy = 1;
	ew32(ep, E1000_IMC, 0xffffffff);
	ew32(ep, E1000_RCTL, 0);
	ew32(ep, E1000_TCTL, 0);
	free_irq(dev->irq, dev);
	e1000_get_stats(dev);
	for (i = 0; i < TX_RING_SIZE; i++)
		if (ep->tx_skb[i]) {
			dev_kfree_skb(ep->tx_skb[i], FREE_WRITE);
			ep->tx_skb[i] = NULL;
		}
	kfree(ep->rx_bufs);
	kfree(ep->tx_bufs);
	ep->rx_bufs = ep->tx_bufs = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

static void e1000_tx_done(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;

	while (ep->dirty_tx != ep->cur_tx) {
		struct e1000_tx_desc *d = &ep->tx_ring[ep->dirty_tx % TX_RING_SIZE];

		if (!(d->status & TXD_STAT_DD))
			break;
		if (ep->tx_skb[ep->dirty_tx % TX_RING_SIZE]) {
			dev_kfree_skb(ep->tx_skb[ep->dirty_tx % TX_RING_SIZE], FREE_WRITE);
			ep->tx_skb[ep->dirty_tx % TX_RING_SIZE] = NULL;
		}
		ep->stats.tx_packets++;
		ep->dirty_tx++;
	}
	/* One entry stays empty: head == tail means "none for the chip". */
	if (dev->tbusy && ep->cur_tx - ep->dirty_tx < TX_RING_SIZE - 1) {
		dev->tbusy = 0;
		mark_bh(NET_BH);	/* the glue's queue goes on */
	}
}

static int e1000_start_xmit(struct sk_buff *skb, struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	struct e1000_tx_desc *d;
	unsigned long flags;
	int entry, len, kept;

	if (dev->tbusy) {
		if (jiffies - dev->trans_start < TX_TIMEOUT)
			return 1;
		printk(KERN_WARNING "%s: transmit timed out (head %u tail %u)\n", dev->name,
		       er32(ep, E1000_TDH), er32(ep, E1000_TDT));
		ep->stats.tx_errors++;
		save_flags(flags);
		cli();
		e1000_tx_done(dev);
		restore_flags(flags);
		if (dev->tbusy)
			return 1;
	}
	len = skb->len;
	if (len > TX_BUF_SZ) {
		ep->stats.tx_dropped++;
		dev_kfree_skb(skb, FREE_WRITE);
		return 0;
	}
	save_flags(flags);
	cli();
	entry = ep->cur_tx % TX_RING_SIZE;
	d = &ep->tx_ring[entry];
	kept = len >= ETH_ZLEN;
	if (kept) {
		/* The chip reads the frame from the sk_buff itself (freed in
		 * e1000_tx_done). */
		d->addr_lo = virt_to_bus(skb->data);
		ep->tx_skb[entry] = skb;
	} else {
		/* Short frames are padded in the ring's own buffer. */
		d->addr_lo = virt_to_bus(ep->tx_bufs + entry * TX_BUF_SZ);
		memcpy(ep->tx_bufs + entry * TX_BUF_SZ, skb->data, len);
		memset(ep->tx_bufs + entry * TX_BUF_SZ + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	d->length = len;
	d->cso = 0;
	d->cmd = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	ep->cur_tx++;
	if (ep->cur_tx - ep->dirty_tx >= TX_RING_SIZE - 1)
		dev->tbusy = 1;
	ew32(ep, E1000_TDT, ep->cur_tx % TX_RING_SIZE);
	dev->trans_start = jiffies;
	restore_flags(flags);
	if (!kept)
		dev_kfree_skb(skb, FREE_WRITE);
	return 0;
}

static void e1000_rx(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	int budget = RX_RING_SIZE;

	while (budget-- > 0) {
		int entry = ep->cur_rx % RX_RING_SIZE;
		struct e1000_rx_desc *d = &ep->rx_ring[entry];
		int len = d->length;

		if (!(d->status & RXD_STAT_DD))
			break;
		if (!(d->status & RXD_STAT_EOP) || d->errors || len < ETH_HLEN || len > ETH_FRAME_LEN) {
			ep->stats.rx_errors++;
			if (!(d->status & RXD_STAT_EOP) || len > ETH_FRAME_LEN)
				ep->stats.rx_length_errors++;
		} else {
			struct sk_buff *skb = dev_alloc_skb(len + 2);

			if (skb == NULL) {
				ep->stats.rx_dropped++;
			} else {
				skb->dev = dev;
				skb_reserve(skb, 2);
				memcpy(skb_put(skb, len), ep->rx_bufs + entry * RX_BUF_SZ, len);
				skb->protocol = eth_type_trans(skb, dev);
				netif_rx(skb);
				ep->stats.rx_packets++;
			}
		}
		d->status = 0;
		ew32(ep, E1000_RDT, entry);	/* back to the chip */
		ep->cur_rx++;
	}
}

static void e1000_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct device *dev = (struct device *)dev_id;
	struct e1000_private *ep;
	int work = 20;

	(void)irq;
	(void)regs;
	if (dev == NULL || dev->priv == NULL)
		return;
	ep = (struct e1000_private *)dev->priv;
	dev->interrupt = 1;
	while (work-- > 0) {
		u32 icr = er32(ep, E1000_ICR);		/* reading acknowledges */

		if (!(icr & IMS_VALUE))
			break;
		if (icr & (ICR_RXT0 | ICR_RXDMT0 | ICR_RXO | ICR_RXSEQ))
			e1000_rx(dev);
		if (icr & ICR_RXO) {
			ep->stats.rx_over_errors++;
			ep->stats.rx_errors++;
		}
		if (icr & ICR_TXDW)
			e1000_tx_done(dev);
		if (icr & ICR_LSC)
			ew32(ep, E1000_CTRL, er32(ep, E1000_CTRL) | CTRL_SLU);
	}
	dev->interrupt = 0;
}

static struct enet_statistics *e1000_get_stats(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	u32 crc = er32(ep, E1000_CRCERRS), missed = er32(ep, E1000_MPC);

	ep->stats.rx_crc_errors += crc;
	ep->stats.rx_missed_errors += missed;
	ep->stats.rx_errors += crc + missed;
	ep->stats.collisions += er32(ep, E1000_COLC);
	return &ep->stats;
}

/* RCTL and the multicast table from dev->flags and the multicast list
 * (filter type 0: the hash is bits 47:36 of the address). RCTL is written
 * only when it changes: QEMU's model holds received frames back for a
 * second after every RCTL write. */
static void e1000_set_multicast_list(struct device *dev)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	u32 rctl = RCTL_EN | RCTL_BAM | RCTL_SECRC;
	struct dev_mc_list *m;
	int i;

	if (dev->flags & IFF_PROMISC)
		rctl |= RCTL_UPE | RCTL_MPE;
	else if (dev->flags & IFF_ALLMULTI)
		rctl |= RCTL_MPE;
	for (i = 0; i < 128; i++)
		ew32(ep, E1000_MTA + 4 * i, 0);
	for (i = 0, m = dev->mc_list; m && i < dev->mc_count; i++, m = m->next) {
		unsigned char *a = (unsigned char *)m->dmi_addr;
		unsigned int hash = ((a[4] >> 4) | (a[5] << 4)) & 0xfff;
		int reg = E1000_MTA + 4 * (hash >> 5);

		ew32(ep, reg, er32(ep, reg) | (1U << (hash & 31)));
	}
	if (er32(ep, E1000_RCTL) != rctl)
		ew32(ep, E1000_RCTL, rctl);
}

/* The MII controls of Linux 2.0 drivers (data[0] PHY, data[1] register,
 * data[3] value), through MDIC. */
static int e1000_ioctl(struct device *dev, struct ifreq *rq, int cmd)
{
	struct e1000_private *ep = (struct e1000_private *)dev->priv;
	unsigned short *data = (unsigned short *)&rq->ifr_data;
	u32 mdic = 0;
	int i;

	switch (cmd) {
	case SIOCDEVPRIVATE:
		data[0] = E1000_PHY_ADDR;
		return 0;
	case SIOCDEVPRIVATE + 1:
		ew32(ep, E1000_MDIC, ((data[1] & 0x1f) << 16) | ((data[0] & 0x1f) << 21) | MDIC_OP_READ);
		for (i = 0; i < 100; i++) {
			mdic = er32(ep, E1000_MDIC);
			if (mdic & MDIC_READY)
				break;
			udelay(10);
		}
		if (!(mdic & MDIC_READY) || (mdic & MDIC_ERROR))
			return -EIO;
		data[3] = mdic & 0xffff;
		/* The MAC's own view too: its link comes up after the PHY's
		 * (auto-negotiation), and frames wait until it does. */
		if (data[1] == 1 && !(er32(ep, E1000_STATUS) & STATUS_LU))
			data[3] &= ~0x0004;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
