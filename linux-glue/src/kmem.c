/*
 * kmem.c - kmalloc/kfree, __get_free_pages/free_pages, vmalloc/vfree and
 * vremap, on the kernel's page allocator.
 *
 * Every block is physically contiguous and linearly mapped, so
 * virt_to_bus/bus_to_virt are exact inverses on it. Two zones: GFP_DMA
 * blocks come from memory below 16 MiB, the others from anywhere.
 *
 * kmalloc: each block starts with a 16-byte header (so the caller's pointer
 * is 16-byte aligned) naming its size class or page count. Classes of 32 to
 * 2048 bytes (header included) are carved from single pages and kept on
 * free lists per zone; larger blocks are page runs of their own, returned
 * to the kernel on kfree.
 *
 * Locking: interrupts off around the lists (kmalloc is called from
 * interrupt handlers with GFP_ATOMIC). Nothing here sleeps.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/malloc.h>
#include <linux/string.h>
#include <asm/system.h>
#include <asm/io.h>
#include "glue.h"

#define KM_MAGIC 0x4b4d414cUL		/* "KMAL" */
#define KM_HEADER 16
#define KM_MIN_SHIFT 5			/* 32-byte class */
#define KM_MAX_SHIFT 11			/* 2048-byte class */
#define KM_CLASSES (KM_MAX_SHIFT - KM_MIN_SHIFT + 1)
#define KM_LIMIT (128 * 1024 + KM_HEADER)
#define KM_LARGE 0xff

struct km_header {
	unsigned long magic;
	unsigned char class;		/* class index, or KM_LARGE */
	unsigned char dma;
	unsigned short unused;
	unsigned long pages;		/* KM_LARGE: pages of the run */
	unsigned long size;		/* what the caller asked for */
};

struct km_free {
	struct km_free *next;
};

static struct km_free *km_lists[2][KM_CLASSES];

unsigned long high_memory;

static int class_of(unsigned int total)
{
	int c = 0;

	while ((1U << (KM_MIN_SHIFT + c)) < total)
		c++;
	return c;
}

/* Refills class `c` of zone `dma` with one page; 0 without memory. */
static int km_refill(int dma, int c)
{
	unsigned long page = mach_alloc_pages(0, dma);
	unsigned int size = 1U << (KM_MIN_SHIFT + c);
	unsigned int off;

	if (!page)
		return 0;
	for (off = 0; off + size <= PAGE_SIZE; off += size) {
		struct km_free *f = (struct km_free *)(page + off);

		f->next = km_lists[dma][c];
		km_lists[dma][c] = f;
	}
	return 1;
}

void *kmalloc(unsigned int size, int priority)
{
	unsigned int total = size + KM_HEADER;
	int dma = (priority & GFP_DMA) != 0;
	struct km_header *h;
	unsigned long flags;

	if (size == 0 || total > KM_LIMIT) {
		printk(KERN_WARNING "kmalloc: cannot serve %u bytes\n", size);
		return NULL;
	}
	if (total <= (1U << KM_MAX_SHIFT)) {
		int c = class_of(total);

		save_flags(flags);
		cli();
		if (!km_lists[dma][c] && !km_refill(dma, c)) {
			restore_flags(flags);
			return NULL;
		}
		h = (struct km_header *)km_lists[dma][c];
		km_lists[dma][c] = km_lists[dma][c]->next;
		restore_flags(flags);
		h->class = c;
		h->pages = 0;
	} else {
		unsigned long pages = (total + PAGE_SIZE - 1) >> PAGE_SHIFT;

		h = (struct km_header *)mach_alloc_contig(pages, dma);
		if (!h)
			return NULL;
		h->class = KM_LARGE;
		h->pages = pages;
	}
	h->magic = KM_MAGIC;
	h->dma = dma;
	h->size = size;
	return (char *)h + KM_HEADER;
}

void kfree(void *obj)
{
	struct km_header *h;
	unsigned long flags;

	if (!obj)
		return;
	h = (struct km_header *)((char *)obj - KM_HEADER);
	if (h->magic != KM_MAGIC) {
		printk(KERN_ERR "kfree: %p was not kmalloc'd (or freed twice)\n", obj);
		return;
	}
	h->magic = 0;
	if (h->class == KM_LARGE) {
		mach_free_contig((unsigned long)h, h->pages);
		return;
	}
	save_flags(flags);
	cli();
	((struct km_free *)h)->next = km_lists[h->dma][h->class];
	km_lists[h->dma][h->class] = (struct km_free *)h;
	restore_flags(flags);
}

unsigned long __get_free_pages(int priority, unsigned long order, int dma)
{
	if (order > 10)
		return 0;
	return mach_alloc_pages(order, dma || (priority & GFP_DMA));
}

void free_pages(unsigned long addr, unsigned long order)
{
	if (addr)
		mach_free_pages(addr, order);
}

/*
 * vmalloc and vremap areas, remembered so that vfree knows what it frees.
 * vmalloc memory is a contiguous page run (the glue has no separate kernel
 * virtual space); vremap windows stay mapped (the kernel never unmaps them).
 */
struct varea {
	struct varea *next;
	unsigned long addr;
	unsigned long pages;		/* 0: a vremap window */
};

static struct varea *vareas;

static void varea_add(unsigned long addr, unsigned long pages)
{
	struct varea *v = kmalloc(sizeof(*v), GFP_ATOMIC);
	unsigned long flags;

	if (!v)
		return;
	v->addr = addr;
	v->pages = pages;
	save_flags(flags);
	cli();
	v->next = vareas;
	vareas = v;
	restore_flags(flags);
}

void *vmalloc(unsigned long size)
{
	unsigned long pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned long addr;

	if (!size)
		return NULL;
	addr = mach_alloc_contig(pages, 0);
	if (addr)
		varea_add(addr, pages);
	return (void *)addr;
}

void *vremap(unsigned long offset, unsigned long size)
{
	unsigned long addr = mach_map_device(offset, size);

	if (addr)
		varea_add(addr, 0);
	return (void *)addr;
}

void vfree(void *addr)
{
	struct varea **pp, *v = NULL;
	unsigned long flags;

	if (!addr)
		return;
	save_flags(flags);
	cli();
	for (pp = &vareas; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == (unsigned long)addr) {
			v = *pp;
			*pp = v->next;
			break;
		}
	restore_flags(flags);
	if (!v) {
		printk(KERN_ERR "vfree: %p was not vmalloc'd\n", addr);
		return;
	}
	if (v->pages)
		mach_free_contig(v->addr, v->pages);
	kfree(v);
}
