/* asm/processor.h - CPU and bus facts drivers test. */
#ifndef __ASM_I386_PROCESSOR_H
#define __ASM_I386_PROCESSOR_H

extern char x86;
extern char hard_math;
extern char wp_works_ok;

/* Nonzero on EISA machines (never here); MCA is not supported. */
extern int EISA_bus;
#define MCA_bus 0
#define MCA_bus__is_a_macro

#define TASK_SIZE 0xC0000000UL

#endif
