/*
 * asm/io.h - port I/O, memory-mapped I/O and address translation (i386).
 *
 * out*(value, port): Linux's argument order. The _p forms pause after the
 * access with a write to port 0x80 (SLOW_DOWN_IO). ins and outs move
 * `count` units with rep ins/outs.
 *
 * Addresses: physical memory is linearly mapped at PAGE_OFFSET (asm/page.h),
 * so virt_to_phys/phys_to_virt and virt_to_bus/bus_to_virt are exact
 * inverses for kmalloc and __get_free_pages memory. readb..writel accept a
 * kernel virtual address; an address below 1 MiB is taken as ISA physical
 * memory (the BIOS area, option ROMs, ISA shared memory) and reached through
 * the linear map, which keeps Linux 2.0's "physical == virtual below 1 MiB"
 * uses working.
 */
#ifndef _ASM_IO_H
#define _ASM_IO_H

#include <asm/page.h>

#define SLOW_DOWN_IO __asm__ __volatile__("outb %%al,$0x80" : : : "memory")

#define __GLUE_IN(name, type, insn, reg)					\
static inline unsigned type name(unsigned short port)			\
{									\
	unsigned type v;						\
	__asm__ __volatile__(insn " %w1,%" reg "0" : "=a" (v) : "Nd" (port));	\
	return v;							\
}									\
static inline unsigned type name##_p(unsigned short port)		\
{									\
	unsigned type v = name(port);					\
	SLOW_DOWN_IO;							\
	return v;							\
}

#define __GLUE_OUT(name, type, insn, reg)					\
static inline void name(unsigned type value, unsigned short port)	\
{									\
	__asm__ __volatile__(insn " %" reg "0,%w1" : : "a" (value), "Nd" (port));	\
}									\
static inline void name##_p(unsigned type value, unsigned short port)	\
{									\
	name(value, port);						\
	SLOW_DOWN_IO;							\
}

#define __GLUE_INS(name, insn)							\
static inline void name(unsigned short port, void *addr, unsigned long count)	\
{									\
	__asm__ __volatile__("cld ; rep ; " insn				\
		: "+D" (addr), "+c" (count) : "d" (port) : "memory");	\
}

#define __GLUE_OUTS(name, insn)							\
static inline void name(unsigned short port, const void *addr, unsigned long count)	\
{									\
	__asm__ __volatile__("cld ; rep ; " insn				\
		: "+S" (addr), "+c" (count) : "d" (port) : "memory");	\
}

__GLUE_IN(__glue_inb, char, "inb", "b")
__GLUE_IN(__glue_inw, short, "inw", "w")
__GLUE_IN(__glue_inl, int, "inl", "")
__GLUE_OUT(__glue_outb, char, "outb", "b")
__GLUE_OUT(__glue_outw, short, "outw", "w")
__GLUE_OUT(__glue_outl, int, "outl", "")
__GLUE_INS(insb, "insb")
__GLUE_INS(insw, "insw")
__GLUE_INS(insl, "insl")
__GLUE_OUTS(outsb, "outsb")
__GLUE_OUTS(outsw, "outsw")
__GLUE_OUTS(outsl, "outsl")

/* The public names are macros, as in Linux (drivers pass ints and longs). */
#define inb(port) __glue_inb(port)
#define inw(port) __glue_inw(port)
#define inl(port) __glue_inl(port)
#define inb_p(port) __glue_inb_p(port)
#define inw_p(port) __glue_inw_p(port)
#define inl_p(port) __glue_inl_p(port)
#define outb(val, port) __glue_outb((val), (port))
#define outw(val, port) __glue_outw((val), (port))
#define outl(val, port) __glue_outl((val), (port))
#define outb_p(val, port) __glue_outb_p((val), (port))
#define outw_p(val, port) __glue_outw_p((val), (port))
#define outl_p(val, port) __glue_outl_p((val), (port))

/* Linux's own constant-port spellings. */
#define __inb(port) inb(port)
#define __inw(port) inw(port)
#define __inl(port) inl(port)
#define __outb(val, port) outb((val), (port))
#define __outw(val, port) outw((val), (port))
#define __outl(val, port) outl((val), (port))
#define __inbc(port) inb(port)
#define __inwc(port) inw(port)
#define __inlc(port) inl(port)
#define __outbc(val, port) outb((val), (port))
#define __outwc(val, port) outw((val), (port))
#define __outlc(val, port) outl((val), (port))

/* --- address translation -------------------------------------------- */

static inline unsigned long virt_to_phys(volatile void *address)
{
	return (unsigned long)address - PAGE_OFFSET;
}

static inline void *phys_to_virt(unsigned long address)
{
	return (void *)(address + PAGE_OFFSET);
}

#define virt_to_bus virt_to_phys
#define bus_to_virt phys_to_virt

/* ISA addresses (below 1 MiB) are physical; everything else is virtual. */
#define __glue_io_virt(addr) \
	((unsigned long)(addr) < 0x100000UL ? \
	 (unsigned long)(addr) + PAGE_OFFSET : (unsigned long)(addr))

#define readb(addr) (*(volatile unsigned char *)__glue_io_virt(addr))
#define readw(addr) (*(volatile unsigned short *)__glue_io_virt(addr))
#define readl(addr) (*(volatile unsigned int *)__glue_io_virt(addr))
#define writeb(b, addr) (*(volatile unsigned char *)__glue_io_virt(addr) = (b))
#define writew(b, addr) (*(volatile unsigned short *)__glue_io_virt(addr) = (b))
#define writel(b, addr) (*(volatile unsigned int *)__glue_io_virt(addr) = (b))

#define memset_io(a, b, c) __builtin_memset((void *)__glue_io_virt(a), (b), (c))
#define memcpy_fromio(a, b, c) __builtin_memcpy((a), (void *)__glue_io_virt(b), (c))
#define memcpy_toio(a, b, c) __builtin_memcpy((void *)__glue_io_virt(a), (b), (c))

#define eth_io_copy_and_sum(skb, src, len, unused) \
	memcpy_fromio((skb)->data, (src), (len))

/* Compares a string of bytes at an I/O memory address; 1 if they match. */
static inline int check_signature(unsigned long io_addr, const unsigned char *signature, int length)
{
	int i;

	for (i = 0; i < length; i++)
		if (readb(io_addr + i) != signature[i])
			return 0;
	return 1;
}

#endif
