/*
 * asm/system.h - the CPU interrupt flag and memory barriers.
 *
 * cli/sti act on the real EFLAGS.IF; save_flags/restore_flags save and
 * restore the whole EFLAGS word (so restore_flags may re-enable interrupts).
 * One CPU: no global (SMP) variants.
 */
#ifndef __ASM_SYSTEM_H
#define __ASM_SYSTEM_H

#define cli() __asm__ __volatile__("cli" : : : "memory")
#define sti() __asm__ __volatile__("sti" : : : "memory")
#define nop() __asm__ __volatile__("nop")

#define save_flags(x) \
	__asm__ __volatile__("pushfl ; popl %0" : "=g" (x) : : "memory")

#define restore_flags(x) \
	__asm__ __volatile__("pushl %0 ; popfl" : : "g" (x) : "memory", "cc")

/* Interrupts-off bracket in one statement, as later kernels spell it. */
#define save_and_cli(x) do { save_flags(x); cli(); } while (0)

#define barrier() __asm__ __volatile__("" : : : "memory")
#define mb() __asm__ __volatile__("lock; addl $0,0(%%esp)" : : : "memory")

#define iret() __asm__ __volatile__("iret" : : : "memory")

/* Atomically exchanges *ptr with x; returns the old value. */
static inline unsigned long __glue_xchg(unsigned long x, volatile void *ptr, int size)
{
	switch (size) {
	case 1:
		__asm__ __volatile__("xchgb %b0,%1" : "=q" (x) : "m" (*(volatile unsigned char *)ptr), "0" (x) : "memory");
		break;
	case 2:
		__asm__ __volatile__("xchgw %w0,%1" : "=r" (x) : "m" (*(volatile unsigned short *)ptr), "0" (x) : "memory");
		break;
	default:
		__asm__ __volatile__("xchgl %0,%1" : "=r" (x) : "m" (*(volatile unsigned int *)ptr), "0" (x) : "memory");
		break;
	}
	return x;
}

#define xchg(ptr, x) ((__typeof__(*(ptr)))__glue_xchg((unsigned long)(x), (ptr), sizeof(*(ptr))))
#define tas(ptr) (xchg((ptr), 1))

#endif
