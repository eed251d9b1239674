/*
 * linux/skbuff.h - socket buffers, the network packets drivers handle.
 *
 * head <= data <= tail <= end: the buffer, the packet's first byte, one
 * past its last byte, the end of the buffer; len = tail - data.
 * A sk_buff_head's first two members overlay a sk_buff's, so a list head
 * can be the sentinel of its circular list.
 */
#ifndef _LINUX_SKBUFF_H
#define _LINUX_SKBUFF_H

#include <linux/config.h>
#include <linux/kernel.h>
#include <linux/time.h>
#include <asm/atomic.h>
#include <asm/types.h>
#include <asm/system.h>

#define HAVE_ALLOC_SKB
#define HAVE_ALIGNABLE_SKB

#define FREE_READ 1
#define FREE_WRITE 0

#define CHECKSUM_NONE 0
#define CHECKSUM_HW 1
#define CHECKSUM_UNNECESSARY 2

struct sk_buff;
struct sock;
struct device;
struct tcphdr;
struct iphdr;
struct udphdr;
struct ethhdr;
struct file;

struct sk_buff_head {
	struct sk_buff *next;
	struct sk_buff *prev;
	__u32 qlen;
};

struct sk_buff {
	struct sk_buff *next;
	struct sk_buff *prev;
	struct sk_buff_head *list;
	struct sk_buff *link3;
	struct sock *sk;
	unsigned long when;
	struct timeval stamp;
	struct device *dev;
	union {
		struct tcphdr *th;
		struct ethhdr *eth;
		struct iphdr *iph;
		struct udphdr *uh;
		unsigned char *raw;
		struct file *filp;
	} h;
	union {
		unsigned char *raw;
		struct ethhdr *ethernet;
	} mac;
	struct iphdr *ip_hdr;
	unsigned long len;
	unsigned long csum;
	__u32 saddr;
	__u32 daddr;
	__u32 raddr;
	__u32 seq;
	__u32 end_seq;
	__u32 ack_seq;
	unsigned char proto_priv[16];
	volatile char acked, used, free, arp;
	unsigned char tries, lock, localroute, pkt_type;
	unsigned char pkt_bridged;
	unsigned char ip_summed;
#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3
#define PACKET_NDISC 17
	unsigned short users;
	unsigned short protocol;
	unsigned int truesize;
	atomic_t count;
	struct sk_buff *data_skb;
	unsigned char *head;
	unsigned char *data;
	unsigned char *tail;
	unsigned char *end;
	void (*destructor)(struct sk_buff *);
	__u16 redirport;
};

#define SK_WMEM_MAX 32767
#define SK_RMEM_MAX 32767

/*
 * The buffer routines below allocate, so this header brings kmalloc and the
 * GFP_* priorities along, as Linux 2.0's does: 8390.c calls kmalloc with
 * GFP_KERNEL having included only sched.h, fs.h and netdevice.h.
 */
#include <linux/malloc.h>

extern struct sk_buff *alloc_skb(unsigned int size, int priority);
extern struct sk_buff *dev_alloc_skb(unsigned int size);
extern void kfree_skb(struct sk_buff *skb, int rw);
extern void dev_kfree_skb(struct sk_buff *skb, int mode);
extern struct sk_buff *skb_clone(struct sk_buff *skb, int priority);
extern struct sk_buff *skb_copy(struct sk_buff *skb, int priority);
extern void skb_device_lock(struct sk_buff *skb);
extern void skb_device_unlock(struct sk_buff *skb);
extern int skb_device_locked(struct sk_buff *skb);
extern struct sk_buff *skb_pad(struct sk_buff *skb, int pad);

static inline unsigned char *skb_put(struct sk_buff *skb, int len)
{
	unsigned char *tmp = skb->tail;

	skb->tail += len;
	skb->len += len;
	if (skb->tail > skb->end)
		panic("skput:over: %p:%d", __builtin_return_address(0), len);
	return tmp;
}

static inline unsigned char *skb_push(struct sk_buff *skb, int len)
{
	skb->data -= len;
	skb->len += len;
	if (skb->data < skb->head)
		panic("skpush:under: %p:%d", __builtin_return_address(0), len);
	return skb->data;
}

static inline unsigned char *skb_pull(struct sk_buff *skb, int len)
{
	if ((unsigned long)len > skb->len)
		return NULL;
	skb->data += len;
	skb->len -= len;
	return skb->data;
}

static inline int skb_headroom(struct sk_buff *skb)
{
	return skb->data - skb->head;
}

static inline int skb_tailroom(struct sk_buff *skb)
{
	return skb->end - skb->tail;
}

static inline void skb_reserve(struct sk_buff *skb, int len)
{
	skb->data += len;
	skb->tail += len;
}

static inline void skb_trim(struct sk_buff *skb, int len)
{
	if (skb->len > (unsigned long)len) {
		skb->len = len;
		skb->tail = skb->data + len;
	}
}

/*
 * Makes the `len` bytes from skb->data readable, the ones past skb->len
 * zero (for NICs that do not pad short frames themselves); skb->len is
 * unchanged. Returns the buffer to use: `skb`, or a longer copy (then `skb`
 * is freed), or NULL (out of memory, `skb` freed).
 */
static inline struct sk_buff *skb_padto(struct sk_buff *skb, unsigned int len)
{
	if (skb->len >= len)
		return skb;
	return skb_pad(skb, len - skb->len);
}

static inline int skb_queue_empty(struct sk_buff_head *list)
{
	return list->next == (struct sk_buff *)list;
}

static inline struct sk_buff *skb_peek(struct sk_buff_head *list)
{
	struct sk_buff *skb = list->next;

	return skb == (struct sk_buff *)list ? NULL : skb;
}

static inline __u32 skb_queue_len(struct sk_buff_head *list)
{
	return list->qlen;
}

static inline void skb_queue_head_init(struct sk_buff_head *list)
{
	list->prev = (struct sk_buff *)list;
	list->next = (struct sk_buff *)list;
	list->qlen = 0;
}

static inline void __skb_insert(struct sk_buff *newsk, struct sk_buff *prev,
				struct sk_buff *next, struct sk_buff_head *list)
{
	newsk->next = next;
	newsk->prev = prev;
	next->prev = newsk;
	prev->next = newsk;
	newsk->list = list;
	list->qlen++;
}

static inline void skb_queue_head(struct sk_buff_head *list, struct sk_buff *newsk)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	__skb_insert(newsk, (struct sk_buff *)list, list->next, list);
	restore_flags(flags);
}

static inline void skb_queue_tail(struct sk_buff_head *list, struct sk_buff *newsk)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	__skb_insert(newsk, list->prev, (struct sk_buff *)list, list);
	restore_flags(flags);
}

static inline void __skb_unlink(struct sk_buff *skb)
{
	struct sk_buff_head *list = skb->list;

	if (list) {
		skb->next->prev = skb->prev;
		skb->prev->next = skb->next;
		skb->next = NULL;
		skb->prev = NULL;
		skb->list = NULL;
		list->qlen--;
	}
}

static inline void skb_unlink(struct sk_buff *skb)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	__skb_unlink(skb);
	restore_flags(flags);
}

static inline struct sk_buff *skb_dequeue(struct sk_buff_head *list)
{
	struct sk_buff *skb;
	unsigned long flags;

	save_flags(flags);
	cli();
	skb = skb_peek(list);
	if (skb)
		__skb_unlink(skb);
	restore_flags(flags);
	return skb;
}

#endif
