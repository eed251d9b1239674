/*
 * asm/dma.h - the two 8237A ISA DMA controllers and their page registers.
 *
 * Channels 0-3 (8-bit) are on DMA1, 4-7 (16-bit, channel 4 cascades DMA1)
 * on DMA2. Program a transfer with interrupts off:
 * disable_dma, clear_dma_ff, set_dma_mode, set_dma_addr (physical address
 * below 16 MiB, not crossing 64 KiB), set_dma_count, enable_dma.
 *
 * MAX_DMA_ADDRESS is the *virtual* address of the 16 MiB limit, so that
 * 2.0 drivers comparing kernel pointers with it stay right under this
 * kernel's linear map (see asm/page.h).
 */
#ifndef _ASM_DMA_H
#define _ASM_DMA_H

#include <asm/io.h>
#include <asm/page.h>

#define MAX_DMA_CHANNELS 8
#define MAX_DMA_ADDRESS (PAGE_OFFSET + 0x1000000)

#define IO_DMA1_BASE 0x00
#define IO_DMA2_BASE 0xC0

#define DMA1_CMD_REG 0x08
#define DMA1_STAT_REG 0x08
#define DMA1_REQ_REG 0x09
#define DMA1_MASK_REG 0x0A
#define DMA1_MODE_REG 0x0B
#define DMA1_CLEAR_FF_REG 0x0C
#define DMA1_TEMP_REG 0x0D
#define DMA1_RESET_REG 0x0D
#define DMA1_CLR_MASK_REG 0x0E
#define DMA1_MASK_ALL_REG 0x0F

#define DMA2_CMD_REG 0xD0
#define DMA2_STAT_REG 0xD0
#define DMA2_REQ_REG 0xD2
#define DMA2_MASK_REG 0xD4
#define DMA2_MODE_REG 0xD6
#define DMA2_CLEAR_FF_REG 0xD8
#define DMA2_TEMP_REG 0xDA
#define DMA2_RESET_REG 0xDA
#define DMA2_CLR_MASK_REG 0xDC
#define DMA2_MASK_ALL_REG 0xDE

#define DMA_ADDR_0 0x00
#define DMA_ADDR_1 0x02
#define DMA_ADDR_2 0x04
#define DMA_ADDR_3 0x06
#define DMA_ADDR_4 0xC0
#define DMA_ADDR_5 0xC4
#define DMA_ADDR_6 0xC8
#define DMA_ADDR_7 0xCC

#define DMA_CNT_0 0x01
#define DMA_CNT_1 0x03
#define DMA_CNT_2 0x05
#define DMA_CNT_3 0x07
#define DMA_CNT_4 0xC2
#define DMA_CNT_5 0xC6
#define DMA_CNT_6 0xCA
#define DMA_CNT_7 0xCE

#define DMA_PAGE_0 0x87
#define DMA_PAGE_1 0x83
#define DMA_PAGE_2 0x81
#define DMA_PAGE_3 0x82
#define DMA_PAGE_5 0x8B
#define DMA_PAGE_6 0x89
#define DMA_PAGE_7 0x8A

#define DMA_MODE_READ 0x44
#define DMA_MODE_WRITE 0x48
#define DMA_MODE_CASCADE 0xC0
#define DMA_AUTOINIT 0x10

static inline void enable_dma(unsigned int dmanr)
{
	if (dmanr <= 3)
		outb(dmanr, DMA1_MASK_REG);
	else
		outb(dmanr & 3, DMA2_MASK_REG);
}

static inline void disable_dma(unsigned int dmanr)
{
	if (dmanr <= 3)
		outb(dmanr | 4, DMA1_MASK_REG);
	else
		outb((dmanr & 3) | 4, DMA2_MASK_REG);
}

/* Resets the address/count byte flip-flop: the next access is the low byte. */
static inline void clear_dma_ff(unsigned int dmanr)
{
	if (dmanr <= 3)
		outb(0, DMA1_CLEAR_FF_REG);
	else
		outb(0, DMA2_CLEAR_FF_REG);
}

static inline void set_dma_mode(unsigned int dmanr, char mode)
{
	if (dmanr <= 3)
		outb(mode | dmanr, DMA1_MODE_REG);
	else
		outb(mode | (dmanr & 3), DMA2_MODE_REG);
}

static inline void set_dma_page(unsigned int dmanr, char pagenr)
{
	static const unsigned char page_port[8] = {
		DMA_PAGE_0, DMA_PAGE_1, DMA_PAGE_2, DMA_PAGE_3,
		0, DMA_PAGE_5, DMA_PAGE_6, DMA_PAGE_7
	};

	if (dmanr >= 8 || dmanr == 4)
		return;
	outb(dmanr <= 3 ? pagenr : pagenr & 0xfe, page_port[dmanr]);
}

static inline unsigned short __glue_dma_port(unsigned int dmanr, int count)
{
	if (dmanr <= 3)
		return (unsigned short)(IO_DMA1_BASE + (dmanr << 1) + count);
	return (unsigned short)(IO_DMA2_BASE + ((dmanr & 3) << 2) + (count << 1));
}

static inline void set_dma_addr(unsigned int dmanr, unsigned int a)
{
	unsigned short port = __glue_dma_port(dmanr, 0);

	set_dma_page(dmanr, a >> 16);
	if (dmanr <= 3) {
		outb(a & 0xff, port);
		outb((a >> 8) & 0xff, port);
	} else {
		outb((a >> 1) & 0xff, port);
		outb((a >> 9) & 0xff, port);
	}
}

/* `count` is in bytes (even for 16-bit channels), 1 to 64 KiB (128 KiB on 5-7). */
static inline void set_dma_count(unsigned int dmanr, unsigned int count)
{
	unsigned short port = __glue_dma_port(dmanr, 1);

	count--;
	if (dmanr <= 3) {
		outb(count & 0xff, port);
		outb((count >> 8) & 0xff, port);
	} else {
		outb((count >> 1) & 0xff, port);
		outb((count >> 9) & 0xff, port);
	}
}

/* Bytes still to transfer; call after clear_dma_ff with the channel disabled. */
static inline int get_dma_residue(unsigned int dmanr)
{
	unsigned short port = __glue_dma_port(dmanr, 1);
	unsigned short count;

	count = 1 + inb(port);
	count += inb(port) << 8;
	return dmanr <= 3 ? count : count << 1;
}

extern int request_dma(unsigned int dmanr, const char *device_id);
extern void free_dma(unsigned int dmanr);

#endif
