/*
 * linux/mm.h - page allocation, vmalloc and the address checks.
 *
 * Every allocation is physically contiguous and linearly mapped, so
 * virt_to_bus works on it; GFP_DMA (or dma != 0) puts it below 16 MiB.
 * vmalloc memory is page-granular and contiguous too (the glue has no
 * separate kernel virtual space); vremap maps device memory.
 */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/page.h>
#include <asm/atomic.h>

#ifndef VERIFY_READ
#define VERIFY_READ 0
#define VERIFY_WRITE 1
#endif

/* Checks a caller's buffer; the glue's buffers are kernel memory: always 0. */
extern int verify_area(int type, const void *addr, unsigned long size);

extern unsigned long high_memory;

#define GFP_BUFFER 0x00
#define GFP_ATOMIC 0x01
#define GFP_USER 0x02
#define GFP_KERNEL 0x03
#define GFP_NOBUFFER 0x04
#define GFP_NFS 0x05
#define GFP_IO 0x06

/* OR-able: memory an ISA bus master or the 8237 can reach (below 16 MiB). */
#define GFP_DMA 0x80

#define GFP_LEVEL_MASK 0xf

extern unsigned long __get_free_pages(int priority, unsigned long gfporder, int dma);
extern void free_pages(unsigned long addr, unsigned long order);

#define __get_free_page(priority) __get_free_pages((priority), 0, 0)
#define __get_dma_pages(priority, order) __get_free_pages((priority), (order), 1)
#define free_page(addr) free_pages((addr), 0)

/* One zero-filled page. */
static inline unsigned long get_free_page(int priority)
{
	unsigned long page = __get_free_page(priority);

	if (page)
		__builtin_memset((void *)page, 0, PAGE_SIZE);
	return page;
}

extern void *vmalloc(unsigned long size);
extern void *vremap(unsigned long offset, unsigned long size);
extern void vfree(void *addr);

#endif
