/*
 * asm/floppy.h - what Linux 2.0's floppy.c takes from the architecture on
 * a PC: port access to the controller, ISA DMA on its channel
 * (FLOPPY_DMA, an int of the driver), its interrupt, DMA buffer memory,
 * the controllers' base ports and the drives' CMOS types.
 *
 * Written for this glue. Transfers go by real ISA DMA only, through
 * asm/dma.h: the driver's "virtual DMA" (programmed I/O from the
 * interrupt handler, its `floppy=nodma` option) is not offered, so
 * use_virtual_dma must stay 0. Buffers must lie below 16 MiB and not
 * cross a 64 KiB boundary (CROSS_64KB), which the driver checks.
 *
 * Included by floppy.c after it declares FLOPPY_IRQ, FLOPPY_DMA,
 * use_virtual_dma and floppy_interrupt.
 */
#ifndef _ASM_FLOPPY_H
#define _ASM_FLOPPY_H

#include <asm/io.h>
#include <asm/dma.h>
#include <linux/mc146818rtc.h>

#define fd_inb(port) inb_p(port)
#define fd_outb(value, port) outb_p((value), (port))

#define fd_enable_dma() enable_dma(FLOPPY_DMA)
#define fd_disable_dma() disable_dma(FLOPPY_DMA)
#define fd_request_dma() request_dma(FLOPPY_DMA, "floppy")
#define fd_free_dma() free_dma(FLOPPY_DMA)
#define fd_clear_dma_ff() clear_dma_ff(FLOPPY_DMA)
#define fd_set_dma_mode(mode) set_dma_mode(FLOPPY_DMA, (mode))
#define fd_set_dma_addr(addr) set_dma_addr(FLOPPY_DMA, (addr))
#define fd_set_dma_count(count) set_dma_count(FLOPPY_DMA, (count))
#define fd_get_dma_residue() get_dma_residue(FLOPPY_DMA)
#define fd_cacheflush(addr, size) do { } while (0)	/* x86 DMA is coherent */

#define fd_enable_irq() enable_irq(FLOPPY_IRQ)
#define fd_disable_irq() disable_irq(FLOPPY_IRQ)
#define fd_request_irq() request_irq(FLOPPY_IRQ, floppy_interrupt, SA_INTERRUPT | SA_SAMPLE_RANDOM, "floppy", NULL)
#define fd_free_irq() free_irq(FLOPPY_IRQ, NULL)

/* Whole pages below 16 MiB, as many as `size` rounds up to (a power of two). */
#define fd_dma_mem_alloc(size) __get_dma_pages(GFP_KERNEL, __get_order(size))
#define fd_dma_mem_free(addr, size) free_pages((addr), __get_order(size))

/* Base ports of the first and second controllers (-1: none); options may change them. */
static int FDC1 = 0x3f0;
static int FDC2 = -1;

/* CMOS byte 0x10: the first drive's type in the high nibble, the second's in the low. */
#define FLOPPY0_TYPE ((CMOS_READ(0x10) >> 4) & 15)
#define FLOPPY1_TYPE (CMOS_READ(0x10) & 15)

#define N_FDC 2				/* controllers */
#define N_DRIVE 8			/* drives, four a controller */

/* Whether `s` bytes at `a` cross a 64 KiB boundary (ISA DMA cannot). */
#define CROSS_64KB(a, s) ((unsigned long)(a) / 0x10000 != ((unsigned long)(a) + (s) - 1) / 0x10000)

#endif
