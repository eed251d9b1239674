/*
 * eepro100.c - Intel EtherExpress Pro/100 (i82557/8/9, 8086:1229; QEMU's
 * i82557b and kin).
 *
 * Written for this kernel in Linux 2.0 style from the chip's programming
 * facts (Intel 8255x 10/100 Mbps Ethernet Controller Family Open Source
 * Software Developer Manual): the System Control Block (SCB) in I/O space
 * (BAR 1): a status word whose high byte holds the interrupt causes
 * (written back to acknowledge), a command byte for the command unit (CU)
 * and receive unit (RU), an interrupt mask byte, a general pointer, the
 * PORT register (software reset), the serial EEPROM control bits and the
 * MDI (PHY) control register.
 *
 * Both units work on lists in memory, addressed linearly here (CU and RU
 * bases loaded with 0). The CU runs a ring of command blocks (status,
 * command with end-of-list/suspend/interrupt bits, link to the next):
 * configure, individual address setup, multicast setup, and transmit in
 * simplified mode (the frame follows the block). Every block carries the
 * suspend bit; a new block clears its predecessor's and resumes the CU.
 * The RU fills a ring of receive frame descriptors (simplified mode, the
 * frame follows), the last one marked end-of-list; a full ring leaves the
 * RU without resources (RNR) and it is started again where the driver is.
 *
 * Probed through the Linux 2.0 chain (Space.c: ethif_probe ->
 * eepro100_probe): every unclaimed 8086:1229.
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

#define SPEEDO_IO_EXTENT	0x20

/* SCB registers. */
#define SCB_STATUS	0x00	/* 16-bit: causes in the high byte, CU/RU state */
#define SCB_CMD		0x02	/* command byte */
#define SCB_MASK	0x03	/* interrupt mask byte */
#define SCB_POINTER	0x04	/* general pointer */
#define SCB_PORT	0x08
#define SCB_EEPROM	0x0e	/* 16-bit serial EEPROM control */
#define SCB_MDI		0x10	/* 32-bit MDI control */

/* Causes (SCB status, high byte). */
#define STAT_CX		0x8000	/* a command with the I bit completed */
#define STAT_FR		0x4000	/* a frame was received */
#define STAT_CNA	0x2000	/* the CU left the active state */
#define STAT_RNR	0x1000	/* the RU is not ready */
#define STAT_ACK_MASK	0xfd00
#define RU_STATE(s)	(((s) >> 2) & 0x0f)
#define RU_READY	4

/* SCB command byte. */
#define CUC_START	0x10
#define CUC_RESUME	0x20
#define CUC_LOAD_BASE	0x60
#define RUC_START	0x01
#define RUC_LOAD_BASE	0x06

/* Command block bits. */
#define CB_C		0x8000	/* status: complete */
#define CB_OK		0x2000	/* status: without error */
#define CB_EL		0x8000	/* command: end of list */
#define CB_S		0x4000	/* command: suspend after this one */
#define CB_I		0x2000	/* command: interrupt when done */
#define CB_IA_SETUP	1
#define CB_CONFIGURE	2
#define CB_MC_SETUP	3
#define CB_TX		4

/* Receive frame descriptor bits. */
#define RFD_C		0x8000
#define RFD_OK		0x2000
#define RFD_EL		0x8000

/* EEPROM control bits. */
#define EE_SK		0x01
#define EE_CS		0x02
#define EE_DI		0x04
#define EE_DO		0x08

#define RX_RING_SIZE	32
#define TX_RING_SIZE	16
#define PKT_BUF_SZ	1536
#define TX_TIMEOUT	(HZ / 2)

/* A command block; `body` holds what the command takes (for a simplified
 * transmit: the TBD array address, byte count, threshold, TBD number, then
 * the frame). */
struct speedo_cb {
	volatile u16 status;
	volatile u16 command;
	u32 link;
	unsigned char body[8 + PKT_BUF_SZ];
};

/* A receive frame descriptor, simplified mode. */
struct speedo_rfd {
	volatile u16 status;
	volatile u16 command;
	u32 link;
	u32 rbd;		/* 0xffffffff: none */
	volatile u16 count;	/* actual count, EOF, F */
	u16 size;
	unsigned char data[PKT_BUF_SZ];
};

struct speedo_private {
	struct speedo_cb *tx_ring;	/* TX_RING_SIZE blocks, contiguous */
	struct speedo_rfd *rx_ring;	/* RX_RING_SIZE descriptors */
	unsigned char is_tx[TX_RING_SIZE];
	unsigned int cur_tx, dirty_tx;	/* blocks given, and taken back */
	unsigned int cur_rx;		/* the next descriptor to look at */
	int cu_started;
	int phy;
	struct enet_statistics stats;
};

int eepro100_probe(struct device *dev);
static int speedo_probe1(struct device *dev, int ioaddr, int irq);
static int speedo_open(struct device *dev);
static int speedo_close(struct device *dev);
static int speedo_start_xmit(struct sk_buff *skb, struct device *dev);
static void speedo_interrupt(int irq, void *dev_id, struct pt_regs *regs);
static struct enet_statistics *speedo_get_stats(struct device *dev);
static void speedo_set_multicast_list(struct device *dev);
static int speedo_ioctl(struct device *dev, struct ifreq *rq, int cmd);

/* The configure block's 22 bytes: the manual's usual values, with short
 * frames kept (byte 7; QEMU delivers frames without their CRC) and the
 * receive mode in bytes 15 (bit 0 promiscuous) and 21 (bit 3 all
 * multicast), filled in by speedo_configure. */
static const unsigned char speedo_config[22] = {
	22, 0x08, 0x00, 0x00, 0x00, 0x00, 0x32, 0x02,
	0x01, 0x00, 0x2e, 0x00, 0x60, 0x00, 0xf2, 0x48,
	0x00, 0x40, 0xf2, 0x80, 0x3f, 0x05
};

int eepro100_probe(struct device *dev)
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

		if (pcibios_find_device(PCI_VENDOR_ID_INTEL, PCI_DEVICE_ID_INTEL_82557, index, &bus, &devfn)
		    != PCIBIOS_SUCCESSFUL)
			break;
		pcibios_read_config_dword(bus, devfn, PCI_BASE_ADDRESS_1, &bar);
		pcibios_read_config_byte(bus, devfn, PCI_INTERRUPT_LINE, &irq);
		ioaddr = bar & PCI_BASE_ADDRESS_IO_MASK;
		if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) || ioaddr == 0)
			continue;
		if (check_region(ioaddr, SPEEDO_IO_EXTENT))
			continue;	/* another ethN has it */
		pcibios_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
		if ((cmd & (PCI_COMMAND_IO | PCI_COMMAND_MASTER)) != (PCI_COMMAND_IO | PCI_COMMAND_MASTER))
			pcibios_write_config_word(bus, devfn, PCI_COMMAND,
						  cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
		if (speedo_probe1(dev, ioaddr, irq) == 0) {
			found++;
			dev = NULL;	/* more cards get devices of their own */
		}
	}
	return found ? 0 : -ENODEV;
}

/* Word `addr` of the serial EEPROM (93C46-style: start bit, read opcode
 * 10, `abits` address bits, then 16 data bits, most significant first). */
static int speedo_read_eeprom(int ioaddr, int addr, int abits)
{
	unsigned int cmd = (6 << abits) | addr;	/* 1, 1, 0, address */
	int i, value = 0;
	long ee = ioaddr + SCB_EEPROM;

	outw(EE_CS, ee);
	udelay(2);
	for (i = abits + 2; i >= 0; i--) {
		int di = (cmd & (1 << i)) ? EE_DI : 0;

		outw(EE_CS | di, ee);
		udelay(2);
		outw(EE_CS | di | EE_SK, ee);
		udelay(2);
	}
	outw(EE_CS, ee);
	for (i = 0; i < 16; i++) {
		outw(EE_CS | EE_SK, ee);
		udelay(2);
		value = (value << 1) | ((inw(ee) & EE_DO) ? 1 : 0);
		outw(EE_CS, ee);
		udelay(2);
	}
	outw(0, ee);
	udelay(2);
	return value;
}

/* Waits for the SCB to take the last command; 0, or -1 after ~1 ms. */
static int speedo_wait_cmd(int ioaddr)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (inb(ioaddr + SCB_CMD) == 0)
			return 0;
		udelay(1);
	}
	return -1;
}

static void speedo_reset(int ioaddr)
{
	outl(0, ioaddr + SCB_PORT);	/* software reset */
	udelay(20);
	outb(1, ioaddr + SCB_MASK);	/* interrupts masked */
	/* Linear addressing: both bases 0. */
	speedo_wait_cmd(ioaddr);
	outl(0, ioaddr + SCB_POINTER);
	outb(CUC_LOAD_BASE, ioaddr + SCB_CMD);
	speedo_wait_cmd(ioaddr);
	outl(0, ioaddr + SCB_POINTER);
	outb(RUC_LOAD_BASE, ioaddr + SCB_CMD);
	speedo_wait_cmd(ioaddr);
}

static int speedo_probe1(struct device *dev, int ioaddr, int irq)
{
	struct speedo_private *sp;
	unsigned short words[64];
	int abits, i, sum = 0;

	speedo_reset(ioaddr);
	/* 64-word EEPROMs take 6 address bits, 256-word ones 8: the one whose
	 * words add up to 0xbaba is right. */
	for (abits = 6; abits <= 8; abits += 2) {
		for (i = 0, sum = 0; i < (1 << abits) && i < 64; i++) {
			words[i] = speedo_read_eeprom(ioaddr, i, abits);
			sum += words[i];
		}
		if ((1 << abits) > 64) {
			for (; i < (1 << abits); i++)
				sum += speedo_read_eeprom(ioaddr, i, abits);
		}
		if ((sum & 0xffff) == 0xbaba)
			break;
	}
	if ((sum & 0xffff) != 0xbaba)
		printk(KERN_WARNING "eepro100: EEPROM checksum %#x at %#x, using it anyway\n",
		       sum & 0xffff, ioaddr);
	if (abits > 8)
		abits = 6;
	dev = init_etherdev(dev, 0);
	if (dev == NULL)
		return -ENOMEM;
	sp = kmalloc(sizeof(*sp), GFP_KERNEL);
	if (sp == NULL)
		return -ENOMEM;
	memset(sp, 0, sizeof(*sp));
	dev->priv = sp;
	dev->base_addr = ioaddr;
	dev->irq = irq;
	for (i = 0; i < 3; i++) {
		dev->dev_addr[2 * i] = words[i] & 0xff;
		dev->dev_addr[2 * i + 1] = words[i] >> 8;
	}
	/* EEPROM word 6: the primary PHY's address in its low five bits. */
	sp->phy = words[6] & 0x1f;
	printk("%s: Intel EtherExpress Pro/100 at %#x, IRQ %d, PHY %d, ", dev->name, ioaddr, irq, sp->phy);
	for (i = 0; i < 6; i++)
		printk("%2.2x%c", dev->dev_addr[i], i == 5 ? '\n' : ':');
	request_region(ioaddr, SPEEDO_IO_EXTENT, "eepro100");

	dev->open = speedo_open;
	dev->stop = speedo_close;
	dev->hard_start_xmit = speedo_start_xmit;
	dev->get_stats = speedo_get_stats;
	dev->set_multicast_list = speedo_set_multicast_list;
	dev->do_ioctl = speedo_ioctl;
	return 0;
}

/* Takes back the command blocks the CU has completed. Interrupts off. */
static void speedo_tx_done(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;

	while (sp->dirty_tx != sp->cur_tx) {
		int entry = sp->dirty_tx % TX_RING_SIZE;
		struct speedo_cb *cb = &sp->tx_ring[entry];

		if (!(cb->status & CB_C))
			break;
		if (sp->is_tx[entry]) {
			if (cb->status & CB_OK)
				sp->stats.tx_packets++;
			else
				sp->stats.tx_errors++;
		}
		sp->dirty_tx++;
	}
	/* One block stays back for receive-mode commands. */
	if (dev->tbusy && sp->cur_tx - sp->dirty_tx < TX_RING_SIZE - 1) {
		dev->tbusy = 0;
		mark_bh(NET_BH);	/* the glue's queue goes on */
	}
}

/* The next free command block, or NULL. Interrupts off. */
static struct speedo_cb *speedo_next_cb(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;

	if (sp->cur_tx - sp->dirty_tx >= TX_RING_SIZE)
		speedo_tx_done(dev);
	if (sp->cur_tx - sp->dirty_tx >= TX_RING_SIZE)
		return NULL;
	return &sp->tx_ring[sp->cur_tx % TX_RING_SIZE];
}

/* Hands the block just filled at cur_tx to the CU. Interrupts off. */
static void speedo_queue_cb(struct device *dev, int command, int is_tx)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int ioaddr = dev->base_addr;
	int entry = sp->cur_tx % TX_RING_SIZE;
	struct speedo_cb *cb = &sp->tx_ring[entry];
	struct speedo_cb *prev = &sp->tx_ring[(sp->cur_tx + TX_RING_SIZE - 1) % TX_RING_SIZE];

	sp->is_tx[entry] = is_tx;
	cb->status = 0;
	cb->command = command | CB_S | CB_I;
	sp->cur_tx++;
	speedo_wait_cmd(ioaddr);
	if (!sp->cu_started) {
		sp->cu_started = 1;
		outl(virt_to_bus(cb), ioaddr + SCB_POINTER);
		outb(CUC_START, ioaddr + SCB_CMD);
	} else {
		prev->command &= ~CB_S;
		outb(CUC_RESUME, ioaddr + SCB_CMD);
	}
}

/* The configure block with the receive mode of dev->flags. Interrupts off. */
static int speedo_configure(struct device *dev)
{
	struct speedo_cb *cb = speedo_next_cb(dev);

	if (cb == NULL)
		return -EBUSY;
	memcpy(cb->body, speedo_config, sizeof(speedo_config));
	if (dev->flags & IFF_PROMISC)
		cb->body[15] |= 0x01;
	if (dev->flags & (IFF_PROMISC | IFF_ALLMULTI))
		cb->body[21] |= 0x08;
	speedo_queue_cb(dev, CB_CONFIGURE, 0);
	return 0;
}

/* The multicast list (the chip hashes it). Interrupts off. */
static int speedo_mc_setup(struct device *dev)
{
	struct speedo_cb *cb = speedo_next_cb(dev);
	struct dev_mc_list *m;
	int i;

	if (cb == NULL)
		return -EBUSY;
	for (i = 0, m = dev->mc_list; m && i < dev->mc_count && i < 200; i++, m = m->next)
		memcpy(cb->body + 2 + 6 * i, m->dmi_addr, 6);
	cb->body[0] = (6 * i) & 0xff;
	cb->body[1] = (6 * i) >> 8;
	speedo_queue_cb(dev, CB_MC_SETUP, 0);
	return 0;
}

static void speedo_init_rx(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int i;

	for (i = 0; i < RX_RING_SIZE; i++) {
		struct speedo_rfd *rfd = &sp->rx_ring[i];

		rfd->status = 0;
		rfd->command = (i == RX_RING_SIZE - 1) ? RFD_EL : 0;
		rfd->link = virt_to_bus(&sp->rx_ring[(i + 1) % RX_RING_SIZE]);
		rfd->rbd = 0xffffffff;
		rfd->count = 0;
		rfd->size = PKT_BUF_SZ;
	}
	sp->cur_rx = 0;
}

/* Starts the RU at the descriptor the driver looks at next. */
static void speedo_start_rx(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int ioaddr = dev->base_addr;

	speedo_wait_cmd(ioaddr);
	outl(virt_to_bus(&sp->rx_ring[sp->cur_rx % RX_RING_SIZE]), ioaddr + SCB_POINTER);
	outb(RUC_START, ioaddr + SCB_CMD);
}

static int speedo_open(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int ioaddr = dev->base_addr;
	unsigned long flags;
	struct speedo_cb *cb;
	int i;

	if (request_irq(dev->irq, speedo_interrupt, SA_SHIRQ, dev->name, dev))
		return -EAGAIN;
	sp->tx_ring = kmalloc(TX_RING_SIZE * sizeof(struct speedo_cb), GFP_KERNEL);
	sp->rx_ring = kmalloc(RX_RING_SIZE * sizeof(struct speedo_rfd), GFP_KERNEL);
	if (sp->tx_ring == NULL || sp->rx_ring == NULL) {
		kfree(sp->tx_ring);
		kfree(sp->rx_ring);
		sp->tx_ring = NULL;
		sp->rx_ring = NULL;
		free_irq(dev->irq, dev);
		return -ENOMEM;
	}
	for (i = 0; i < TX_RING_SIZE; i++) {
		sp->tx_ring[i].status = CB_C;
		sp->tx_ring[i].command = 0;
		sp->tx_ring[i].link = virt_to_bus(&sp->tx_ring[(i + 1) % TX_RING_SIZE]);
	}
	sp->cur_tx = sp->dirty_tx = 0;
	sp->cu_started = 0;
	speedo_reset(ioaddr);
	speedo_init_rx(dev);

	dev->tbusy = 0;
	dev->interrupt = 0;
	dev->start = 1;
	save_flags(flags);
	cli();
	speedo_configure(dev);
	cb = speedo_next_cb(dev);
	memcpy(cb->body, dev->dev_addr, 6);
	speedo_queue_cb(dev, CB_IA_SETUP, 0);
	speedo_start_rx(dev);
	speedo_wait_cmd(ioaddr);
	outb(0, ioaddr + SCB_MASK);	/* interrupts on */
	restore_flags(flags);
	MOD_INC_USE_COUNT;
	return 0;
}

static int speedo_close(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int ioaddr = dev->base_addr;

	dev->start = 0;
	dev->tbusy = 1;
	outb(1, ioaddr + SCB_MASK);
	outl(0, ioaddr + SCB_PORT);
	udelay(20);
	free_irq(dev->irq, dev);
	kfree(sp->tx_ring);
	kfree(sp->rx_ring);
	sp->tx_ring = NULL;
	sp->rx_ring = NULL;
	MOD_DEC_USE_COUNT;
	return 0;
}

static int speedo_start_xmit(struct sk_buff *skb, struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	struct speedo_cb *cb;
	unsigned long flags;
	int len;

	if (dev->tbusy) {
		if (jiffies - dev->trans_start < TX_TIMEOUT)
			return 1;
		printk(KERN_WARNING "%s: transmit timed out (SCB status %#x), resuming the CU\n",
		       dev->name, inw(dev->base_addr + SCB_STATUS));
		sp->stats.tx_errors++;
		save_flags(flags);
		cli();
		speedo_tx_done(dev);
		speedo_wait_cmd(dev->base_addr);
		outb(CUC_RESUME, dev->base_addr + SCB_CMD);
		restore_flags(flags);
		if (dev->tbusy)
			return 1;
	}
	len = skb->len;
	if (len > PKT_BUF_SZ) {
		sp->stats.tx_dropped++;
		dev_kfree_skb(skb, FREE_WRITE);
		return 0;
	}
	save_flags(flags);
	cli();
	cb = speedo_next_cb(dev);
	if (cb == NULL) {
		dev->tbusy = 1;
		restore_flags(flags);
		return 1;
	}
	memcpy(cb->body + 8, skb->data, len);
	if (len < ETH_ZLEN) {
		memset(cb->body + 8 + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	/* Simplified mode: no TBD array, the frame follows. */
	cb->body[0] = cb->body[1] = cb->body[2] = cb->body[3] = 0xff;
	cb->body[4] = len & 0xff;
	cb->body[5] = ((len >> 8) & 0x3f) | 0x80;	/* EOF */
	cb->body[6] = 0xe0;				/* transmit threshold */
	cb->body[7] = 0;				/* TBD number */
	speedo_queue_cb(dev, CB_TX, 1);
	if (sp->cur_tx - sp->dirty_tx >= TX_RING_SIZE - 1)
		dev->tbusy = 1;
	dev->trans_start = jiffies;
	restore_flags(flags);
	dev_kfree_skb(skb, FREE_WRITE);
	return 0;
}

/* Hands every filled descriptor to netif_rx and gives it back. */
static void speedo_rx(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	int budget = RX_RING_SIZE;

	while (budget-- > 0) {
		int entry = sp->cur_rx % RX_RING_SIZE;
		struct speedo_rfd *rfd = &sp->rx_ring[entry];
		struct speedo_rfd *last = &sp->rx_ring[(entry + RX_RING_SIZE - 1) % RX_RING_SIZE];
		int len;

		if (!(rfd->status & RFD_C))
			break;
		/* The actual count; EOF and F are not looked at, QEMU's model
		 * leaves them clear (a simplified-mode frame is whole anyway). */
		len = rfd->count & 0x3fff;
		if (!(rfd->status & RFD_OK) || len < ETH_HLEN || len > PKT_BUF_SZ) {
			sp->stats.rx_errors++;
		} else {
			struct sk_buff *skb = dev_alloc_skb(len + 2);

			if (skb == NULL) {
				sp->stats.rx_dropped++;
			} else {
				skb->dev = dev;
				skb_reserve(skb, 2);
				memcpy(skb_put(skb, len), rfd->data, len);
				skb->protocol = eth_type_trans(skb, dev);
				netif_rx(skb);
				sp->stats.rx_packets++;
			}
		}
		/* This one becomes the end of the list, the old end goes on. */
		rfd->status = 0;
		rfd->count = 0;
		rfd->command = RFD_EL;
		last->command = 0;
		sp->cur_rx++;
	}
}

static void speedo_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct device *dev = (struct device *)dev_id;
	struct speedo_private *sp;
	int ioaddr, work = 20;

	(void)irq;
	(void)regs;
	if (dev == NULL || dev->priv == NULL)
		return;
	sp = (struct speedo_private *)dev->priv;
	ioaddr = dev->base_addr;
	dev->interrupt = 1;
	while (work-- > 0) {
		unsigned int status = inw(ioaddr + SCB_STATUS);

		if (!(status & STAT_ACK_MASK) || status == 0xffff)
			break;
		outw(status & STAT_ACK_MASK, ioaddr + SCB_STATUS);	/* acknowledge */
		if (status & (STAT_FR | STAT_RNR))
			speedo_rx(dev);
		if ((status & STAT_RNR) || RU_STATE(inw(ioaddr + SCB_STATUS)) != RU_READY) {
			/* Out of descriptors: start again where we are. */
			if (RU_STATE(inw(ioaddr + SCB_STATUS)) != RU_READY) {
				sp->stats.rx_over_errors++;
				speedo_start_rx(dev);
			}
		}
		if (status & (STAT_CX | STAT_CNA))
			speedo_tx_done(dev);
	}
	dev->interrupt = 0;
}

static struct enet_statistics *speedo_get_stats(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;

	return &sp->stats;
}

/* The receive mode: a configure block (promiscuous, all multicast) and the
 * multicast list, queued behind what the CU has. */
static void speedo_set_multicast_list(struct device *dev)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	unsigned long flags;

	if (!dev->start || sp->tx_ring == NULL)
		return;
	save_flags(flags);
	cli();
	if (speedo_configure(dev) != 0 || speedo_mc_setup(dev) != 0)
		printk(KERN_WARNING "%s: no command block free for the receive mode\n", dev->name);
	if (sp->cur_tx - sp->dirty_tx >= TX_RING_SIZE - 1)
		dev->tbusy = 1;
	restore_flags(flags);
}

/* The MII controls of Linux 2.0 drivers (data[0] PHY, data[1] register,
 * data[3] value), through the MDI control register. */
static int speedo_ioctl(struct device *dev, struct ifreq *rq, int cmd)
{
	struct speedo_private *sp = (struct speedo_private *)dev->priv;
	unsigned short *data = (unsigned short *)&rq->ifr_data;
	unsigned int mdi = 0;
	int i;

	switch (cmd) {
	case SIOCDEVPRIVATE:
		data[0] = sp->phy;
		return 0;
	case SIOCDEVPRIVATE + 1:
		outl(0x08000000 | ((data[0] & 0x1f) << 21) | ((data[1] & 0x1f) << 16),
		     dev->base_addr + SCB_MDI);
		for (i = 0; i < 1000; i++) {
			mdi = inl(dev->base_addr + SCB_MDI);
			if (mdi & 0x10000000)
				break;
			udelay(1);
		}
		if (!(mdi & 0x10000000))
			return -EIO;
		data[3] = mdi & 0xffff;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
