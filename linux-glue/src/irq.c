/*
 * irq.c - Linux interrupt handlers on the kernel's 8259 lines.
 *
 * request_irq links an irqaction onto the line's chain and, for the first
 * one, routes the line to glue_irq_dispatch (mach_irq_attach) and unmasks
 * it. A line may be shared only if every action has SA_SHIRQ and all agree
 * on SA_INTERRUPT. Lines the kernel owns (the clock, the cascade) are
 * refused with -EBUSY.
 *
 * SA_INTERRUPT ("fast") handlers run from the kernel's interrupt dispatch,
 * interrupts off, before the end of interrupt. Ordinary ("slow") handlers
 * run as in Linux 2.0 with interrupts on and their line masked: the
 * dispatch masks the line and hands it to the glue's interrupt thread (top
 * priority but for the tick thread, so it runs as the interrupt returns and
 * jiffies keep going under a handler that busy-waits on them), which runs
 * the chain and unmasks the line. intr_count is raised around every
 * handler. Until the glue's threads exist (auto-configuration), slow
 * handlers run like fast ones. Bottom halves run after, in their thread.
 *
 * A line that interrupts with no action is masked and, when it was opened
 * by probe_irq_on, remembered for probe_irq_off.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/malloc.h>
#include <asm/irq.h>
#include <asm/system.h>
#include <asm/ptrace.h>
#include "glue.h"

static struct irqaction *irq_action[NR_IRQS];
static struct pt_regs dummy_regs;

/* Lines opened by probe_irq_on and lines that fired meanwhile. */
static unsigned long probe_open;
static volatile unsigned long probe_fired;

/* Per-line interrupt counts (for the curious and the self-test). */
unsigned long glue_irq_count[NR_IRQS];

/* Lines whose slow chain waits for the interrupt thread (masked meanwhile). */
static volatile unsigned long irq_pending;
/* Lines masked by disable_irq. */
static unsigned long irq_disabled;

static int bh_waiting(void)
{
	return (bh_active & bh_mask) != 0;
}

int glue_irq_dispatch(unsigned int irq)
{
	struct irqaction *action;

	if (irq >= NR_IRQS)
		return 0;
	glue_irq_count[irq]++;
	action = irq_action[irq];
	if (!action) {
		/* Nobody listens: keep the line quiet (it may be level-triggered). */
		mach_irq_mask(irq);
		if (probe_open & (1UL << irq))
			probe_fired |= 1UL << irq;
		return bh_waiting();
	}
	if ((action->flags & SA_INTERRUPT) || glue_auto_config) {
		intr_count++;
		for (; action; action = action->next)
			action->handler(irq, action->dev_id, &dummy_regs);
		intr_count--;
		return bh_waiting();
	}
	mach_irq_mask(irq);
	irq_pending |= 1UL << irq;
	return bh_waiting() | 2;
}

int glue_irqs_pending(void)
{
	return irq_pending != 0;
}

int glue_run_irqs(void)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	while (irq_pending) {
		unsigned int irq = __builtin_ctzl(irq_pending);
		struct irqaction *action;

		irq_pending &= ~(1UL << irq);
		intr_count++;
		sti();
		for (action = irq_action[irq]; action; action = action->next)
			action->handler(irq, action->dev_id, &dummy_regs);
		cli();
		intr_count--;
		if (irq_action[irq] && !(irq_disabled & (1UL << irq)))
			mach_irq_unmask(irq);
	}
	restore_flags(flags);
	return bh_waiting();
}

int request_irq(unsigned int irq, void (*handler)(int, void *, struct pt_regs *),
		unsigned long irqflags, const char *devname, void *dev_id)
{
	struct irqaction *action, *old, **pp;
	unsigned long flags;
	int ret;

	if (irq >= NR_IRQS || !handler)
		return -EINVAL;
	action = kmalloc(sizeof(*action), GFP_KERNEL);
	if (!action)
		return -ENOMEM;
	action->handler = handler;
	action->flags = irqflags;
	action->mask = 0;
	action->name = devname;
	action->dev_id = dev_id;
	action->next = NULL;

	save_flags(flags);
	cli();
	old = irq_action[irq];
	if (old) {
		if (!(old->flags & irqflags & SA_SHIRQ) ||
		    ((old->flags ^ irqflags) & SA_INTERRUPT)) {
			restore_flags(flags);
			kfree(action);
			return -EBUSY;
		}
		for (pp = &irq_action[irq]; *pp; pp = &(*pp)->next)
			;
		*pp = action;
	} else {
		ret = mach_irq_attach(irq);
		if (ret) {
			restore_flags(flags);
			kfree(action);
			return -EBUSY;
		}
		irq_action[irq] = action;
		probe_open &= ~(1UL << irq);
		irq_disabled &= ~(1UL << irq);
		mach_irq_unmask(irq);
	}
	restore_flags(flags);
	return 0;
}

void free_irq(unsigned int irq, void *dev_id)
{
	struct irqaction *action = NULL, **pp;
	unsigned long flags;

	if (irq >= NR_IRQS) {
		printk(KERN_ERR "free_irq: no IRQ %u\n", irq);
		return;
	}
	save_flags(flags);
	cli();
	for (pp = &irq_action[irq]; *pp; pp = &(*pp)->next)
		if ((*pp)->dev_id == dev_id) {
			action = *pp;
			*pp = action->next;
			break;
		}
	if (action && !irq_action[irq])
		mach_irq_mask(irq);
	restore_flags(flags);
	if (!action) {
		printk(KERN_ERR "free_irq: IRQ %u has no handler for %p\n", irq, dev_id);
		return;
	}
	kfree(action);
}

/* Linux 2.0 does not count nesting: one enable undoes any disables. */
void disable_irq(unsigned int irq)
{
	unsigned long flags;

	if (irq >= NR_IRQS)
		return;
	save_flags(flags);
	cli();
	irq_disabled |= 1UL << irq;
	mach_irq_mask(irq);
	restore_flags(flags);
}

/* A line whose slow chain is still pending is unmasked by the thread. */
void enable_irq(unsigned int irq)
{
	unsigned long flags;

	if (irq >= NR_IRQS)
		return;
	save_flags(flags);
	cli();
	irq_disabled &= ~(1UL << irq);
	if (!(irq_pending & (1UL << irq)))
		mach_irq_unmask(irq);
	restore_flags(flags);
}

/*
 * Opens every line without a handler that the kernel does not own, waits
 * HZ/10 for stray interrupts, and returns the lines that stayed quiet.
 */
unsigned long probe_irq_on(void)
{
	unsigned long flags, lines = 0;
	unsigned int irq;

	save_flags(flags);
	cli();
	probe_fired = 0;
	for (irq = 1; irq < NR_IRQS; irq++) {
		if (irq_action[irq] || mach_irq_attach(irq))
			continue;
		lines |= 1UL << irq;
	}
	probe_open = lines;
	for (irq = 1; irq < NR_IRQS; irq++)
		if (lines & (1UL << irq))
			mach_irq_unmask(irq);
	restore_flags(flags);

	glue_wait_jiffies(HZ / 10);

	save_flags(flags);
	cli();
	lines &= ~probe_fired;
	probe_open = lines;
	probe_fired = 0;
	restore_flags(flags);
	return lines;
}

/*
 * Closes the probe: the one line of `irqs` that interrupted since
 * probe_irq_on, 0 if none did, minus the first one if several did.
 */
int probe_irq_off(unsigned long irqs)
{
	unsigned long flags, fired;
	unsigned int irq;

	save_flags(flags);
	cli();
	fired = probe_fired & irqs;
	for (irq = 1; irq < NR_IRQS; irq++)
		if ((probe_open & (1UL << irq)) && !irq_action[irq])
			mach_irq_mask(irq);
	probe_open = 0;
	probe_fired = 0;
	restore_flags(flags);
	if (!fired)
		return 0;
	irq = __builtin_ctzl(fired);
	if (fired & (fired - 1))
		return -(int)irq;
	return irq;
}

/* ---- autoirq: the network drivers' IRQ detection ------------------- */

static volatile int autoirq_number;
static volatile unsigned long autoirq_handled;
static unsigned long autoirq_bitmap;

static void autoirq_probe(int irq, void *dev_id, struct pt_regs *regs)
{
	(void)dev_id;
	(void)regs;
	autoirq_number = irq;
	autoirq_handled |= 1UL << irq;
	mach_irq_mask(irq);
}

/*
 * Hooks every free line, waits `waittime` jiffies and drops the lines that
 * fired meanwhile (they belong to something else). Returns how many lines
 * are being watched.
 */
int autoirq_setup(int waittime)
{
	unsigned int irq;
	int count = 0;

	autoirq_number = 0;
	autoirq_handled = 0;
	autoirq_bitmap = 0;
	for (irq = 0; irq < NR_IRQS; irq++)
		if (request_irq(irq, autoirq_probe, SA_INTERRUPT, "irq probe", NULL) == 0)
			autoirq_bitmap |= 1UL << irq;
	if (waittime > 0)
		glue_wait_jiffies(waittime);
	for (irq = 0; irq < NR_IRQS; irq++) {
		if (!(autoirq_bitmap & (1UL << irq)))
			continue;
		if (autoirq_handled & (1UL << irq)) {
			free_irq(irq, NULL);
			autoirq_bitmap &= ~(1UL << irq);
		} else {
			count++;
		}
	}
	autoirq_handled = 0;
	autoirq_number = 0;
	return count;
}

/*
 * Waits up to `waittime` jiffies for a watched line to fire, releases all
 * of them and returns the line that fired (the last one seen), 0 if none.
 */
int autoirq_report(int waittime)
{
	unsigned long flags, until;
	unsigned int irq;

	save_flags(flags);
	sti();
	mach_jiffies_sync();
	until = jiffies + waittime;
	while ((long)(jiffies - until) < 0 && !autoirq_number)
		glue_poll();
	restore_flags(flags);
	for (irq = 0; irq < NR_IRQS; irq++)
		if (autoirq_bitmap & (1UL << irq))
			free_irq(irq, NULL);
	autoirq_bitmap = 0;
	return autoirq_number;
}
