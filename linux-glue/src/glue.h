/*
 * glue.h - what the glue's own C files share (not a Linux header).
 */
#ifndef _GLUE_INTERNAL_H
#define _GLUE_INTERNAL_H

#include <linux/kernel.h>
#include "seam.h"

/* Nonzero while no thread may block: waits spin on jiffies instead. */
extern int glue_auto_config;

/* Waits `ticks` jiffies with interrupts enabled (restoring the caller's
 * interrupt flag after), keeping jiffies and bottom halves going. */
void glue_wait_jiffies(unsigned long ticks);

/* One round of a busy wait: catch up jiffies, run bottom halves when
 * nobody else can, then halt until the next interrupt. Interrupts on. */
void glue_poll(void);

/* Formats like vsprintf into at most `size` bytes (NUL included);
 * returns the length the whole output would have. */
int glue_vsnprintf(char *buf, unsigned int size, const char *fmt, va_list args);
int glue_snprintf(char *buf, unsigned int size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Builds pci_devices from the kernel's scan. */
void glue_pci_init(void);

/* Installs TIMER_BH, TQUEUE_BH and IMMEDIATE_BH. */
void glue_sched_init(void);

/* Measures loops_per_sec against jiffies. */
void calibrate_delay(void);

/* EFLAGS.IF */
#define GLUE_EFLAGS_IF 0x200UL

#endif
