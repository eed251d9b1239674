/*
 * net.c - the network layer Linux 2.0 drivers see, bridged to the kernel:
 * socket buffers, ether_setup/init_etherdev/register_netdev, net_dev_init
 * (the probe chain of Space.c), netif_rx and NET_BH, dev_queue_xmit.
 *
 * Receive: a driver's netif_rx queues the skb on a bounded backlog and
 * marks NET_BH; net_bh hands each frame (Ethernet header included) to the
 * kernel as plain bytes with mach_net_receive(index, ...), then frees it.
 *
 * Transmit: glue_net_xmit copies the kernel's frame into an skb, and
 * glue_net_xmit_buf wraps the kernel's own buffer (a device_write's data)
 * in one, no copy made: the driver's DMA (or PIO) reads the frame where
 * the request brought it, and freeing the skb gives the buffer back
 * (mach_net_tx_done). Either skb is queued on dev->buffs[0] (at most dev->tx_queue_len frames); the queue is fed
 * to hard_start_xmit in order. A driver that answers "busy" (non-zero,
 * dev->tbusy) keeps nothing: the skb goes back to the head of the queue
 * and is retried from NET_BH, which the driver marks when its transmitter
 * frees. mach_net_tx_ready tells the kernel when the queue has room again.
 *
 * Interfaces are numbered in dev_base order among those whose probe found a
 * card; that index is what crosses the seam.
 */
#include <linux/config.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/malloc.h>
#include <linux/mm.h>
#include <linux/interrupt.h>
#include <linux/socket.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <asm/system.h>
#include <asm/byteorder.h>
#include "glue.h"

/* A list head is the sentinel sk_buff of its list (skbuff.h): GCC sees the
 * overlay as an out-of-bounds access. */
#pragma GCC diagnostic ignored "-Warray-bounds"

#define MAX_NETDEVS 8
#define BACKLOG_MAX 300

static struct device *netdevs[MAX_NETDEVS];
static int netdev_count;
static struct sk_buff_head backlog;
static int backlog_dropped;
static int net_started;
int dev_lockct;

/* --- socket buffers ------------------------------------------------------ */

/* The sk_buff header starts the block; the data (rounded up to 4 bytes, so
 * word-wide drivers may read a byte past an odd length) follows it. */
struct sk_buff *alloc_skb(unsigned int size, int priority)
{
	unsigned int data_size = (size + 3) & ~3U;
	struct sk_buff *skb = kmalloc(sizeof(struct sk_buff) + data_size, priority);

	if (skb == NULL)
		return NULL;
	memset(skb, 0, sizeof(*skb));
	skb->head = (unsigned char *)(skb + 1);
	skb->data = skb->head;
	skb->tail = skb->head;
	skb->end = skb->head + size;
	skb->truesize = sizeof(struct sk_buff) + data_size;
	skb->free = 1;
	skb->users = 1;
	atomic_set(&skb->count, 1);
	return skb;
}

/* A receive buffer with 16 bytes of headroom, as Linux 2.0 gives. */
struct sk_buff *dev_alloc_skb(unsigned int length)
{
	struct sk_buff *skb = alloc_skb(length + 16, GFP_ATOMIC);

	if (skb)
		skb_reserve(skb, 16);
	return skb;
}

void kfree_skb(struct sk_buff *skb, int rw)
{
	(void)rw;
	if (skb == NULL)
		return;
	if (skb->list)
		skb_unlink(skb);
	if (skb->destructor)
		skb->destructor(skb);
	kfree(skb);
}

void dev_kfree_skb(struct sk_buff *skb, int mode)
{
	kfree_skb(skb, mode);
}

/* A private copy (header and data). */
struct sk_buff *skb_copy(struct sk_buff *skb, int priority)
{
	struct sk_buff *n = alloc_skb(skb->end - skb->head, priority);

	if (n == NULL)
		return NULL;
	memcpy(n->head, skb->head, skb->end - skb->head);
	n->data = n->head + (skb->data - skb->head);
	n->tail = n->head + (skb->tail - skb->head);
	n->len = skb->len;
	n->dev = skb->dev;
	n->protocol = skb->protocol;
	n->pkt_type = skb->pkt_type;
	if (skb->mac.raw)
		n->mac.raw = n->head + (skb->mac.raw - skb->head);
	return n;
}

struct sk_buff *skb_clone(struct sk_buff *skb, int priority)
{
	return skb_copy(skb, priority);
}

/* Zeroes `pad` bytes after the data, in place when the buffer has room,
 * else in a longer copy (the original is freed either way but the first). */
struct sk_buff *skb_pad(struct sk_buff *skb, int pad)
{
	struct sk_buff *n;

	if (pad <= 0)
		return skb;
	if (skb_tailroom(skb) >= pad) {
		memset(skb->tail, 0, pad);
		return skb;
	}
	n = alloc_skb(skb->len + pad, GFP_ATOMIC);
	if (n == NULL) {
		kfree_skb(skb, FREE_WRITE);
		return NULL;
	}
	memcpy(skb_put(n, skb->len), skb->data, skb->len);
	memset(n->tail, 0, pad);
	n->dev = skb->dev;
	n->free = skb->free;
	n->protocol = skb->protocol;
	kfree_skb(skb, FREE_WRITE);
	return n;
}

void skb_device_lock(struct sk_buff *skb)
{
	skb->lock++;
}

void skb_device_unlock(struct sk_buff *skb)
{
	if (skb->lock)
		skb->lock--;
}

int skb_device_locked(struct sk_buff *skb)
{
	return skb->lock != 0;
}

/* --- Ethernet helpers ------------------------------------------------------ */

/* Marks where the link header starts, classifies the destination, pulls the
 * header and returns the protocol (Linux 2.0 semantics). */
unsigned short eth_type_trans(struct sk_buff *skb, struct device *dev)
{
	struct ethhdr *eth = (struct ethhdr *)skb->data;
	unsigned short proto;

	skb->mac.raw = skb->data;
	skb_pull(skb, dev->hard_header_len);
	if (eth->h_dest[0] & 1) {
		if (memcmp(eth->h_dest, dev->broadcast, ETH_ALEN) == 0)
			skb->pkt_type = PACKET_BROADCAST;
		else
			skb->pkt_type = PACKET_MULTICAST;
	} else if (memcmp(eth->h_dest, dev->dev_addr, ETH_ALEN)) {
		skb->pkt_type = PACKET_OTHERHOST;
	}
	proto = ntohs(eth->h_proto);
	if (proto >= 1536)
		return eth->h_proto;
	if (*(unsigned short *)skb->data == 0xFFFF)
		return htons(ETH_P_802_3);
	return htons(ETH_P_802_2);
}

void eth_copy_and_sum(struct sk_buff *dest, unsigned char *src, int length, int base)
{
	(void)base;
	memcpy(dest->data, src, length);
}

void ether_setup(struct device *dev)
{
	int i;

	for (i = 0; i < DEV_NUMBUFFS; i++)
		skb_queue_head_init(&dev->buffs[i]);
	dev->hard_header = NULL;
	dev->rebuild_header = NULL;
	dev->set_mac_address = NULL;
	dev->header_cache_bind = NULL;
	dev->header_cache_update = NULL;
	dev->change_mtu = NULL;
	dev->type = ARPHRD_ETHER;
	dev->hard_header_len = ETH_HLEN;
	dev->mtu = 1500;
	dev->addr_len = ETH_ALEN;
	dev->tx_queue_len = 100;
	memset(dev->broadcast, 0xff, ETH_ALEN);
	dev->flags = IFF_BROADCAST | IFF_MULTICAST;
	dev->family = AF_INET;
	dev->pa_addr = 0;
	dev->pa_brdaddr = 0;
	dev->pa_mask = 0;
	dev->pa_alen = 4;
}

/*
 * With dev == NULL: a new device (with sizeof_priv bytes of private data
 * after it) named after the first free ethN, appended to dev_base.
 * Either way ether_setup is applied.
 */
struct device *init_etherdev(struct device *dev, int sizeof_priv)
{
	if (dev == NULL) {
		struct device **pp;
		char *name;
		int n;

		dev = kmalloc(sizeof(*dev) + 8 + sizeof_priv, GFP_KERNEL);
		if (dev == NULL)
			return NULL;
		memset(dev, 0, sizeof(*dev) + 8 + sizeof_priv);
		name = (char *)(dev + 1);
		for (n = 0; n < 100; n++) {
			glue_snprintf(name, 8, "eth%d", n);
			if (!dev_get(name))
				break;
		}
		dev->name = name;
		if (sizeof_priv)
			dev->priv = name + 8;
		for (pp = &dev_base; *pp; pp = &(*pp)->next)
			;
		*pp = dev;
	} else if (sizeof_priv && dev->priv == NULL) {
		dev->priv = kmalloc(sizeof_priv, GFP_KERNEL);
		if (dev->priv)
			memset(dev->priv, 0, sizeof_priv);
	}
	ether_setup(dev);
	return dev;
}

struct device *dev_get(const char *name)
{
	struct device *d;

	for (d = dev_base; d; d = d->next)
		if (d->name && strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static int index_of(struct device *dev)
{
	int i;

	for (i = 0; i < netdev_count; i++)
		if (netdevs[i] == dev)
			return i;
	return -1;
}

/* Module-style registration: runs dev->init and numbers the interface. */
int register_netdev(struct device *dev)
{
	struct device **pp;

	if (dev->init && dev->init(dev) != 0)
		return -EIO;
	for (pp = &dev_base; *pp && *pp != dev; pp = &(*pp)->next)
		;
	if (*pp == NULL) {
		dev->next = NULL;
		*pp = dev;
	}
	if (net_started && index_of(dev) < 0 && netdev_count < MAX_NETDEVS)
		netdevs[netdev_count++] = dev;
	return 0;
}

void unregister_netdev(struct device *dev)
{
	struct device **pp;
	int i;

	for (pp = &dev_base; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	i = index_of(dev);
	if (i >= 0)
		netdevs[i] = NULL;	/* indexes stay stable */
}

int dev_open(struct device *dev)
{
	int ret = 0;

	if (dev->flags & IFF_UP)
		return 0;
	if (dev->open)
		ret = dev->open(dev);
	if (ret == 0) {
		dev->flags |= IFF_UP | IFF_RUNNING;
		if (dev->set_multicast_list)
			dev->set_multicast_list(dev);
	}
	return ret;
}

int dev_close(struct device *dev)
{
	(void)dev;
	return 0;		/* interfaces stay open, as in GNU Mach */
}

void dev_tint(struct device *dev)
{
	(void)dev;
	mark_bh(NET_BH);
}

/* --- transmit ---------------------------------------------------------------- */

/* Feeds dev->buffs[0] to the driver until it is empty or the driver is busy.
 * Returns nonzero if frames still wait. */
static int dev_transmit(struct device *dev)
{
	struct sk_buff_head *q = &dev->buffs[0];
	struct sk_buff *skb;
	unsigned long flags;
	int waiting;

	save_flags(flags);
	cli();
	while ((skb = skb_peek(q)) != NULL) {
		__skb_unlink(skb);
		if (dev->hard_start_xmit(skb, dev) != 0) {
			/* Busy: the frame stays first in line. */
			__skb_insert(skb, (struct sk_buff *)q, q->next, q);
			break;
		}
	}
	waiting = !skb_queue_empty(q);
	restore_flags(flags);
	return waiting;
}

/* Queues `skb` for `dev` and starts sending; `pri` is ignored (one queue). */
void dev_queue_xmit(struct sk_buff *skb, struct device *dev, int pri)
{
	(void)pri;
	if (dev == NULL)
		dev = skb->dev;
	if (dev == NULL || !(dev->flags & IFF_UP)) {
		kfree_skb(skb, FREE_WRITE);
		return;
	}
	skb->dev = dev;
	skb_queue_tail(&dev->buffs[0], skb);
	if (dev_transmit(dev))
		mark_bh(NET_BH);
}

/* --- receive ------------------------------------------------------------------ */

void netif_rx(struct sk_buff *skb)
{
	if (skb_queue_len(&backlog) >= BACKLOG_MAX || !net_started) {
		backlog_dropped++;
		kfree_skb(skb, FREE_READ);
		return;
	}
	skb_queue_tail(&backlog, skb);
	mark_bh(NET_BH);
}

void net_bh(void)
{
	struct sk_buff *skb;
	int i;

	while ((skb = skb_dequeue(&backlog)) != NULL) {
		unsigned char *frame = skb->data;
		int idx = index_of(skb->dev);

		/* The frame starts at the link header if eth_type_trans pulled it. */
		if (skb->mac.raw && skb->mac.raw >= skb->head && skb->mac.raw <= skb->data)
			frame = skb->mac.raw;
		if (idx >= 0)
			mach_net_receive(idx, frame, skb->tail - frame);
		kfree_skb(skb, FREE_READ);
	}
	for (i = 0; i < netdev_count; i++) {
		struct device *dev = netdevs[i];
		__u32 before;

		if (dev == NULL || !(dev->flags & IFF_UP))
			continue;
		before = skb_queue_len(&dev->buffs[0]);
		if (before == 0)
			continue;
		dev_transmit(dev);
		if (skb_queue_len(&dev->buffs[0]) < before)
			mach_net_tx_ready(i);
	}
}

/* Runs the probe chain: devices whose init fails leave dev_base. */
int net_dev_init(void)
{
	struct device *dev, **pp;

	skb_queue_head_init(&backlog);
	pp = &dev_base;
	while ((dev = *pp) != NULL) {
		if (dev->init && dev->init(dev) != 0) {
			*pp = dev->next;	/* nothing there */
			continue;
		}
		pp = &dev->next;
	}
	for (dev = dev_base; dev && netdev_count < MAX_NETDEVS; dev = dev->next)
		netdevs[netdev_count++] = dev;
	init_bh(NET_BH, net_bh);
	net_started = 1;
	return 0;
}

/* --- the seam ------------------------------------------------------------------ */

int glue_net_init(void)
{
	if (!net_started)
		net_dev_init();
	return netdev_count;
}

static struct device *netdev_at(unsigned int index)
{
	return index < (unsigned int)netdev_count ? netdevs[index] : NULL;
}

int glue_net_info(unsigned int index, struct mach_net_info *info)
{
	struct device *dev = netdev_at(index);
	int n;

	if (dev == NULL)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	glue_snprintf(info->name, sizeof(info->name), "%s", dev->name ? dev->name : "");
	n = dev->addr_len < sizeof(info->addr) ? dev->addr_len : sizeof(info->addr);
	memcpy(info->addr, dev->dev_addr, n);
	info->addr_len = n;
	info->mtu = dev->mtu;
	info->header_len = dev->hard_header_len;
	info->flags = dev->flags;
	info->base_addr = dev->base_addr;
	info->irq = dev->irq;
	return 0;
}

int glue_net_open(unsigned int index)
{
	struct device *dev = netdev_at(index);

	if (dev == NULL)
		return -ENODEV;
	/* GNU Mach's choice: receive broadcast and every multicast. */
	dev->flags |= IFF_ALLMULTI;
	return dev_open(dev);
}

int glue_net_xmit(unsigned int index, const unsigned char *frame, unsigned int len)
{
	struct device *dev = netdev_at(index);
	struct sk_buff *skb;

	if (dev == NULL)
		return -ENODEV;
	if (!(dev->flags & IFF_UP))
		return -ENETDOWN;
	if (len < ETH_HLEN || len > (unsigned int)dev->mtu + dev->hard_header_len)
		return -EINVAL;
	if (skb_queue_len(&dev->buffs[0]) >= dev->tx_queue_len)
		return -EAGAIN;
	/* Room for the minimum frame, zeroed, for drivers that pad with
	 * skb_padto (in place then) or send ETH_ZLEN bytes regardless. */
	skb = alloc_skb(len < ETH_ZLEN ? ETH_ZLEN : len, GFP_KERNEL);
	if (skb == NULL)
		return -ENOMEM;
	if (len < ETH_ZLEN)
		memset(skb->data + len, 0, ETH_ZLEN - len);
	memcpy(skb_put(skb, len), frame, len);
	skb->dev = dev;
	skb->free = 1;
	dev_queue_xmit(skb, dev, 0);
	/* Frames left waiting go out from NET_BH once the driver frees up. */
	if (!skb_queue_empty(&dev->buffs[0]))
		mach_jiffies_sync();
	return len;
}

/* An skb around a buffer of the kernel's: the header block holds the
 * kernel's cookie after the sk_buff, and the destructor hands it back. */
struct glue_buf_skb {
	struct sk_buff skb;
	unsigned long cookie;
};

static void glue_buf_skb_done(struct sk_buff *skb)
{
	mach_net_tx_done(((struct glue_buf_skb *)skb)->cookie);
}

int glue_net_xmit_buf(unsigned int index, unsigned char *frame, unsigned int len, unsigned long cookie)
{
	struct device *dev = netdev_at(index);
	struct glue_buf_skb *b;
	struct sk_buff *skb;

	if (dev == NULL)
		return -ENODEV;
	if (!(dev->flags & IFF_UP))
		return -ENETDOWN;
	if (len < ETH_ZLEN || len > (unsigned int)dev->mtu + dev->hard_header_len)
		return -EINVAL;
	if (skb_queue_len(&dev->buffs[0]) >= dev->tx_queue_len)
		return -EAGAIN;
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (b == NULL)
		return -ENOMEM;
	skb = &b->skb;
	memset(skb, 0, sizeof(*skb));
	b->cookie = cookie;
	skb->head = skb->data = frame;
	skb->tail = frame + len;
	skb->end = frame + len;
	skb->len = len;
	skb->truesize = sizeof(*b) + len;
	skb->free = 1;
	skb->users = 1;
	atomic_set(&skb->count, 1);
	skb->destructor = glue_buf_skb_done;
	skb->dev = dev;
	dev_queue_xmit(skb, dev, 0);
	if (!skb_queue_empty(&dev->buffs[0]))
		mach_jiffies_sync();
	return len;
}

/* The MII controls of Linux 2.0 drivers: data[0] the PHY, data[1] the
 * register, data[3] the value read. 1 link up, 0 down, -1 unknown. The
 * status register's link bit latches low, so it is read twice. */
static int net_link_state(struct device *dev)
{
	struct ifreq ifr;
	unsigned short *data = (unsigned short *)&ifr.ifr_data;
	int i;

	if (dev->do_ioctl == NULL || !(dev->flags & IFF_UP))
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	glue_snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->name);
	if (dev->do_ioctl(dev, &ifr, SIOCDEVPRIVATE) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		data[1] = 1;		/* MII basic mode status */
		if (dev->do_ioctl(dev, &ifr, SIOCDEVPRIVATE + 1) != 0)
			return -1;
	}
	return (data[3] & 0x0004) != 0;
}

int glue_net_stats(unsigned int index, struct mach_net_stats *st)
{
	struct device *dev = netdev_at(index);
	struct enet_statistics *s;

	if (dev == NULL)
		return -ENODEV;
	memset(st, 0, sizeof(*st));
	s = dev->get_stats ? dev->get_stats(dev) : NULL;
	if (s) {
		st->rx_packets = s->rx_packets;
		st->tx_packets = s->tx_packets;
		st->rx_errors = s->rx_errors;
		st->tx_errors = s->tx_errors;
		st->rx_dropped = s->rx_dropped;
		st->tx_dropped = s->tx_dropped;
		st->collisions = s->collisions;
		st->rx_over_errors = s->rx_over_errors;
	}
	st->tx_queued = skb_queue_len(&dev->buffs[0]);
	st->backlog_dropped = backlog_dropped;
	st->link = net_link_state(dev);
	return 0;
}

int glue_net_set_flags(unsigned int index, unsigned int flags)
{
	struct device *dev = netdev_at(index);
	unsigned short keep = IFF_UP | IFF_RUNNING | IFF_SOFTHEADERS;
	unsigned long cpu_flags;

	if (dev == NULL)
		return -ENODEV;
	if (!(dev->flags & IFF_UP))
		return -ENETDOWN;
	save_flags(cpu_flags);
	cli();
	dev->flags = (flags & ~keep & 0xffff) | (dev->flags & keep);
	if (dev->set_multicast_list)
		dev->set_multicast_list(dev);
	restore_flags(cpu_flags);
	return 0;
}
