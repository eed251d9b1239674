/*
 * asm/segment.h - segment selectors and the "user space" copy helpers.
 *
 * Linux 2.0 reaches user memory through %fs. Under the Mach glue, ioctl and
 * read/write buffers handed to drivers are kernel buffers (the glue copies
 * from and to the user task itself), so these helpers are plain memory
 * accesses, and get_fs/set_fs only keep a value for drivers that save and
 * restore it.
 */
#ifndef _ASM_SEGMENT_H
#define _ASM_SEGMENT_H

/* This kernel's selectors (GNU Mach's layout). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x17
#define USER_DS 0x1f

#ifndef __ASSEMBLY__

static inline unsigned long __glue_get_user(const void *addr, int size)
{
	switch (size) {
	case 1:
		return *(const volatile unsigned char *)addr;
	case 2:
		return *(const volatile unsigned short *)addr;
	default:
		return *(const volatile unsigned int *)addr;
	}
}

static inline void __glue_put_user(unsigned long x, void *addr, int size)
{
	switch (size) {
	case 1:
		*(volatile unsigned char *)addr = (unsigned char)x;
		break;
	case 2:
		*(volatile unsigned short *)addr = (unsigned short)x;
		break;
	default:
		*(volatile unsigned int *)addr = (unsigned int)x;
		break;
	}
}

#define get_user(ptr) ((__typeof__(*(ptr)))__glue_get_user((ptr), sizeof(*(ptr))))
#define put_user(x, ptr) __glue_put_user((unsigned long)(x), (ptr), sizeof(*(ptr)))

#define get_fs_byte(addr) ((unsigned char)__glue_get_user((addr), 1))
#define get_fs_word(addr) ((unsigned short)__glue_get_user((addr), 2))
#define get_fs_long(addr) ((unsigned long)__glue_get_user((addr), 4))
#define put_fs_byte(x, addr) __glue_put_user((x), (addr), 1)
#define put_fs_word(x, addr) __glue_put_user((x), (addr), 2)
#define put_fs_long(x, addr) __glue_put_user((x), (addr), 4)

#define memcpy_fromfs(to, from, n) __builtin_memcpy((to), (from), (n))
#define memcpy_tofs(to, from, n) __builtin_memcpy((to), (from), (n))

extern unsigned long glue_fs_value;

static inline unsigned long get_fs(void)
{
	return glue_fs_value;
}

static inline unsigned long get_ds(void)
{
	return KERNEL_DS;
}

static inline void set_fs(unsigned long val)
{
	glue_fs_value = val;
}

#endif /* __ASSEMBLY__ */

#endif
