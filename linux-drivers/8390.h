/*
 * 8390.h - the National Semiconductor DP8390 network interface controller
 * core, shared by the NE1000/NE2000 driver (ne.c) and its PCI clones.
 *
 * Written for this kernel in Linux 2.0 style from the DP8390D datasheet:
 * register offsets, command and status bits are the chip's. The card
 * driver fills the callbacks of `struct ei_device` (dev->priv): how to
 * reset the chip and how to move bytes between host memory and the card's
 * packet RAM; the core (8390.c) does the rest.
 */
#ifndef _8390_H
#define _8390_H

#include <linux/if_ether.h>
#include <linux/ioport.h>
#include <linux/skbuff.h>

#define TX_PAGES 6			/* one transmit buffer: 6 x 256 bytes */
#define ETHER_ADDR_LEN 6

/* The 4-byte header the chip writes in front of every received frame. */
struct e8390_pkt_hdr {
	unsigned char status;		/* receive status (RSR) */
	unsigned char next;		/* page of the next frame */
	unsigned short count;		/* bytes, this header included */
};

struct device;
struct pt_regs;

/* Per-interface state, at dev->priv. */
struct ei_device {
	const char *name;
	void (*reset_8390)(struct device *dev);
	/* Reads the header of the frame at ring page `ring_page`. */
	void (*get_8390_hdr)(struct device *dev, struct e8390_pkt_hdr *hdr, int ring_page);
	/* Reads `count` bytes at card address `ring_offset` into the skb's
	 * data (the card driver handles the wrap at stop_page). */
	void (*block_input)(struct device *dev, int count, struct sk_buff *skb, int ring_offset);
	/* Writes `count` bytes of `buf` at card page `start_page`. */
	void (*block_output)(struct device *dev, int count, const unsigned char *buf, int start_page);
	unsigned open:1;
	unsigned word16:1;		/* 16-bit transfers */
	unsigned txing:1;		/* the transmitter is busy */
	unsigned dmaing:1;		/* a remote DMA is in progress */
	unsigned char tx_start_page, rx_start_page, stop_page;
	unsigned char current_page;	/* next receive page we expect */
	unsigned char saved_irq;
	unsigned short tx_len;		/* bytes of the frame being sent */
	unsigned long irq_flags;	/* request_irq flags the card needs (SA_SHIRQ on PCI) */
	struct enet_statistics stat;
	unsigned char mcfilter[8];
};

/* The state of `dev`, as Linux 2.0 drivers name it. */
#define ei_status (*(struct ei_device *)(dev->priv))

#ifndef ei_debug
extern int ei_debug;
#endif

/* The core's entry points (8390.c). */
extern int ethdev_init(struct device *dev);
extern void NS8390_init(struct device *dev, int startp);
extern int ei_open(struct device *dev);
extern int ei_close(struct device *dev);
extern void ei_interrupt(int irq, void *dev_id, struct pt_regs *regs);

/* Register offsets from the card's base (E8390_CMD at +0). */
#define E8390_CMD	0x00	/* command register, every page */

/* Page 0, read. */
#define EN0_CLDALO	0x01	/* current local DMA address */
#define EN0_BOUNDARY	0x03	/* boundary page (read and write) */
#define EN0_TSR		0x04	/* transmit status */
#define EN0_NCR		0x05	/* collision count */
#define EN0_FIFO	0x06
#define EN0_ISR		0x07	/* interrupt status (read and write) */
#define EN0_CRDALO	0x08	/* current remote DMA address */
#define EN0_CRDAHI	0x09
#define EN0_RSR		0x0c	/* receive status */
#define EN0_COUNTER0	0x0d	/* frame alignment errors */
#define EN0_COUNTER1	0x0e	/* CRC errors */
#define EN0_COUNTER2	0x0f	/* missed frames */

/* Page 0, write. */
#define EN0_STARTPG	0x01	/* receive ring start page */
#define EN0_STOPPG	0x02	/* receive ring end page (exclusive) */
#define EN0_TPSR	0x04	/* transmit start page */
#define EN0_TCNTLO	0x05	/* transmit byte count */
#define EN0_TCNTHI	0x06
#define EN0_RSARLO	0x08	/* remote start address */
#define EN0_RSARHI	0x09
#define EN0_RCNTLO	0x0a	/* remote byte count */
#define EN0_RCNTHI	0x0b
#define EN0_RXCR	0x0c	/* receive configuration */
#define EN0_TXCR	0x0d	/* transmit configuration */
#define EN0_DCFG	0x0e	/* data configuration */
#define EN0_IMR		0x0f	/* interrupt mask */

/* Page 1. */
#define EN1_PHYS	0x01	/* station address, 6 registers */
#define EN1_CURPAG	0x07	/* current receive page */
#define EN1_MULT	0x08	/* multicast hash, 8 registers */

/* Command register bits. */
#define E8390_STOP	0x01
#define E8390_START	0x02
#define E8390_TRANS	0x04	/* transmit the buffer at TPSR */
#define E8390_RREAD	0x08	/* remote read */
#define E8390_RWRITE	0x10	/* remote write */
#define E8390_NODMA	0x20	/* abort / complete remote DMA */
#define E8390_PAGE0	0x00
#define E8390_PAGE1	0x40
#define E8390_PAGE2	0x80

/* Interrupt status / mask bits. */
#define ENISR_RX	0x01	/* frame received */
#define ENISR_TX	0x02	/* frame sent */
#define ENISR_RX_ERR	0x04	/* receive error */
#define ENISR_TX_ERR	0x08	/* transmit error (aborted) */
#define ENISR_OVER	0x10	/* receive ring overwrite warning */
#define ENISR_COUNTERS	0x20	/* a tally counter passed 128 */
#define ENISR_RDC	0x40	/* remote DMA complete */
#define ENISR_RESET	0x80	/* reset state / ring overflow stop */
#define ENISR_ALL	0x3f	/* what the core unmasks */

/* Data configuration. */
#define ENDCFG_WTS	0x01	/* word-wide DMA */
#define ENDCFG_BOS	0x02
#define ENDCFG_LS	0x08	/* normal operation (not loopback) */
#define ENDCFG_FT1	0x40	/* FIFO threshold 8 bytes */

/* Receive configuration. */
#define ENRXCR_SEP	0x01
#define ENRXCR_RUNT	0x02
#define ENRXCR_BCST	0x04	/* accept broadcast */
#define ENRXCR_MULTI	0x08	/* accept multicast (hash) */
#define ENRXCR_PROMP	0x10	/* promiscuous */
#define ENRXCR_MON	0x20	/* monitor: check but do not store */

/* Transmit configuration. */
#define ENTXCR_CRC	0x01	/* inhibit CRC */
#define ENTXCR_LOOP	0x02	/* internal loopback (mode 1) */

/* Transmit status. */
#define ENTSR_PTX	0x01	/* sent without error */
#define ENTSR_COL	0x04	/* collided at least once */
#define ENTSR_ABT	0x08	/* aborted: too many collisions */
#define ENTSR_CRS	0x10	/* carrier lost */
#define ENTSR_FU	0x20	/* FIFO underrun */
#define ENTSR_CDH	0x40	/* no collision-detect heartbeat */
#define ENTSR_OWC	0x80	/* out-of-window collision */

/* Receive status. */
#define ENRSR_RXOK	0x01	/* received without error */
#define ENRSR_CRC	0x02
#define ENRSR_FAE	0x04
#define ENRSR_FO	0x08	/* FIFO overrun */
#define ENRSR_MPA	0x10	/* missed packet */
#define ENRSR_PHY	0x20	/* multicast/broadcast address */
#define ENRSR_DIS	0x40
#define ENRSR_DEF	0x80

#endif
