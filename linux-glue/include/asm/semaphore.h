/*
 * asm/semaphore.h - counting semaphores.
 *
 * count > 0: free; count <= 0: held, -count sleepers. down() decrements and,
 * if the result is negative, sleeps in __down() until up() has handed it a
 * "waking" token; up() increments and, if the result is not positive, calls
 * __up() to hand out a token and wake the sleepers. The fast paths are
 * inline; the slow paths are the glue's (linux-glue/src/sched.c).
 */
#ifndef _I386_SEMAPHORE_H
#define _I386_SEMAPHORE_H

#include <linux/wait.h>

struct semaphore {
	int count;
	int waking;
	int lock;
	struct wait_queue *wait;
};

#define MUTEX ((struct semaphore) { 1, 0, 0, NULL })
#define MUTEX_LOCKED ((struct semaphore) { 0, 0, 0, NULL })

extern void __down(struct semaphore *sem);
extern int __down_interruptible(struct semaphore *sem);
extern void __up(struct semaphore *sem);

#define sema_init(sem, val) ((sem)->count = (val), (sem)->waking = 0, (sem)->lock = 0, (sem)->wait = NULL)

static inline void down(struct semaphore *sem)
{
	unsigned char negative;

	__asm__ __volatile__("lock ; decl %0 ; sets %1"
		: "+m" (sem->count), "=qm" (negative) : : "memory");
	if (negative)
		__down(sem);
}

static inline int down_interruptible(struct semaphore *sem)
{
	unsigned char negative;

	__asm__ __volatile__("lock ; decl %0 ; sets %1"
		: "+m" (sem->count), "=qm" (negative) : : "memory");
	if (negative)
		return __down_interruptible(sem);
	return 0;
}

static inline void up(struct semaphore *sem)
{
	unsigned char waiters;

	__asm__ __volatile__("lock ; incl %0 ; setle %1"
		: "+m" (sem->count), "=qm" (waiters) : : "memory");
	if (waiters)
		__up(sem);
}

#endif
