/*
 * linux/malloc.h - kmalloc and kfree.
 *
 * kmalloc(size, priority): physically contiguous, linearly mapped memory
 * (virt_to_bus works); GFP_DMA in priority puts it below 16 MiB. Blocks are
 * aligned to 16 bytes, or to their power-of-two size up to a page. Sizes up
 * to 128 KiB are served. GFP_ATOMIC never sleeps (none of the sizes do).
 */
#ifndef _LINUX_MALLOC_H
#define _LINUX_MALLOC_H

#include <linux/mm.h>

void *kmalloc(unsigned int size, int priority);
void kfree(void *obj);

#define kfree_s(a, b) kfree(a)

#endif
