/*
 * resource.c - I/O-port regions (kept by the kernel, shared with native
 * drivers) and ISA DMA channel ownership.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/ioport.h>
#include <asm/dma.h>
#include <asm/system.h>
#include "glue.h"

int check_region(unsigned int from, unsigned int extent)
{
	return mach_region_check(from, extent) ? -EBUSY : 0;
}

/* Cannot fail in Linux 2.0: a conflicting request is reported and dropped. */
void request_region(unsigned int from, unsigned int extent, const char *name)
{
	if (mach_region_request(from, extent, name ? name : "linux"))
		printk(KERN_WARNING "request_region: 0x%x-0x%x for %s is taken\n",
		       from, from + extent - 1, name ? name : "?");
}

void release_region(unsigned int from, unsigned int extent)
{
	mach_region_release(from, extent);
}

/* Channel 4 cascades the first controller into the second. */
static const char *dma_owner[MAX_DMA_CHANNELS] = {
	[4] = "cascade",
};

int request_dma(unsigned int dmanr, const char *device_id)
{
	unsigned long flags;
	int ret = 0;

	if (dmanr >= MAX_DMA_CHANNELS)
		return -EINVAL;
	save_flags(flags);
	cli();
	if (dma_owner[dmanr])
		ret = -EBUSY;
	else
		dma_owner[dmanr] = device_id ? device_id : "?";
	restore_flags(flags);
	return ret;
}

void free_dma(unsigned int dmanr)
{
	if (dmanr >= MAX_DMA_CHANNELS || dmanr == 4)
		return;
	if (!dma_owner[dmanr])
		printk(KERN_WARNING "free_dma: channel %u is free already\n", dmanr);
	dma_owner[dmanr] = NULL;
}
