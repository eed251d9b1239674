/* asm/atomic.h - atomic integer operations (one CPU, locked anyway). */
#ifndef __ARCH_I386_ATOMIC__
#define __ARCH_I386_ATOMIC__

typedef int atomic_t;

#define atomic_read(v) (*(volatile int *)(v))
#define atomic_set(v, i) (*(volatile int *)(v) = (i))

static inline void atomic_add(int i, volatile atomic_t *v)
{
	__asm__ __volatile__("lock ; addl %1,%0" : "+m" (*v) : "ir" (i));
}

static inline void atomic_sub(int i, volatile atomic_t *v)
{
	__asm__ __volatile__("lock ; subl %1,%0" : "+m" (*v) : "ir" (i));
}

static inline void atomic_inc(volatile atomic_t *v)
{
	__asm__ __volatile__("lock ; incl %0" : "+m" (*v));
}

static inline void atomic_dec(volatile atomic_t *v)
{
	__asm__ __volatile__("lock ; decl %0" : "+m" (*v));
}

static inline int atomic_dec_and_test(volatile atomic_t *v)
{
	unsigned char c;

	__asm__ __volatile__("lock ; decl %0; sete %1" : "+m" (*v), "=qm" (c) : : "memory");
	return c != 0;
}

#endif
