/* asm/irq.h - the 16 ISA interrupt lines and their PIC masks. */
#ifndef _ASM_IRQ_H
#define _ASM_IRQ_H

#include <linux/linkage.h>

#define NR_IRQS 16
#define TIMER_IRQ 0

extern void disable_irq(unsigned int irq);
extern void enable_irq(unsigned int irq);

#endif
