/*
 * linux/interrupt.h - bottom halves and interrupt actions.
 *
 * A bottom half is a deferred handler numbered 0..31. mark_bh (safe from
 * interrupt handlers) requests it; the glue runs every marked and enabled
 * bottom half after interrupt handlers, with interrupts on and intr_count
 * raised, in number order (a dedicated kernel thread of top priority, see
 * linux-glue/src/sched.c).
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/kernel.h>
#include <asm/bitops.h>

struct pt_regs;

struct irqaction {
	void (*handler)(int, void *, struct pt_regs *);
	unsigned long flags;
	unsigned long mask;
	const char *name;
	void *dev_id;
	struct irqaction *next;
};


extern unsigned long bh_active;
extern unsigned long bh_mask;
extern int bh_mask_count[32];
extern void (*bh_base[32])(void);

asmlinkage void do_bottom_half(void);

enum {
	TIMER_BH = 0,
	CONSOLE_BH,
	TQUEUE_BH,
	DIGI_BH,
	SERIAL_BH,
	RISCOM8_BH,
	SPECIALIX_BH,
	BAYCOM_BH,
	NET_BH,
	IMMEDIATE_BH,
	KEYBOARD_BH,
	CYCLADES_BH,
	CM206_BH,
	ISICOM_BH
};

static inline void init_bh(int nr, void (*routine)(void))
{
	bh_base[nr] = routine;
	bh_mask_count[nr] = 0;
	set_bit(nr, &bh_mask);
}

static inline void mark_bh(int nr)
{
	set_bit(nr, &bh_active);
}

static inline void disable_bh(int nr)
{
	clear_bit(nr, &bh_mask);
	bh_mask_count[nr]++;
}

static inline void enable_bh(int nr)
{
	if (!--bh_mask_count[nr])
		set_bit(nr, &bh_mask);
}

extern unsigned int intr_count;

/* Keeps bottom halves from running (counted, like intr_count). */
static inline void start_bh_atomic(void)
{
	intr_count++;
	__asm__ __volatile__("" : : : "memory");
}

static inline void end_bh_atomic(void)
{
	__asm__ __volatile__("" : : : "memory");
	intr_count--;
}

/* Autoprobing of an unknown interrupt line (see probe_irq_on). */
extern unsigned long probe_irq_on(void);
extern int probe_irq_off(unsigned long irqs);

#endif
