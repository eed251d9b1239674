/*
 * asm/bitops.h - atomic bit operations on little-endian bitmaps of longs.
 *
 * Linux 2.0 semantics: set_bit, clear_bit and change_bit return the old
 * value of the bit (nonzero if it was set). The test_and_* names of later
 * kernels are provided as the same operations.
 */
#ifndef _I386_BITOPS_H
#define _I386_BITOPS_H

#define __GLUE_BITOP(name, insn)						\
static inline int name(int nr, volatile void *addr)			\
{									\
	int old;							\
	__asm__ __volatile__("lock ; " insn " %2,%1\n\tsbbl %0,%0"	\
		: "=r" (old), "+m" (*(volatile long *)addr)		\
		: "Ir" (nr) : "memory");				\
	return old;							\
}

__GLUE_BITOP(set_bit, "btsl")
__GLUE_BITOP(clear_bit, "btrl")
__GLUE_BITOP(change_bit, "btcl")
__GLUE_BITOP(test_and_set_bit, "btsl")
__GLUE_BITOP(test_and_clear_bit, "btrl")
__GLUE_BITOP(test_and_change_bit, "btcl")

static inline int test_bit(int nr, const volatile void *addr)
{
	return (((const volatile unsigned int *)addr)[nr >> 5] >> (nr & 31)) & 1;
}

/* Index of the lowest clear bit of `word` (undefined if none). */
static inline unsigned long ffz(unsigned long word)
{
	return __builtin_ctzl(~word);
}

/* 1 + index of the lowest set bit of x, 0 if x is 0. */
static inline int ffs(int x)
{
	return __builtin_ffs(x);
}

static inline int find_first_zero_bit(void *addr, unsigned size)
{
	const unsigned long *p = (const unsigned long *)addr;
	unsigned i;

	for (i = 0; i < size; i += 32, p++)
		if (*p != ~0UL) {
			unsigned bit = i + ffz(*p);
			return bit < size ? (int)bit : (int)size;
		}
	return size;
}

static inline int find_next_zero_bit(void *addr, int size, int offset)
{
	int i;

	for (i = offset; i < size; i++)
		if (!test_bit(i, addr))
			return i;
	return size;
}

static inline unsigned int generic_hweight32(unsigned int w)
{
	return __builtin_popcount(w);
}

#define hweight32(x) generic_hweight32(x)
#define hweight16(x) generic_hweight32((x) & 0xffff)
#define hweight8(x) generic_hweight32((x) & 0xff)

#endif
