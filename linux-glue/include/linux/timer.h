/*
 * linux/timer.h - kernel timers.
 *
 * Dynamic timers (struct timer_list): add_timer arms a one-shot timer at the
 * absolute jiffies value `expires`; when it is due, `function(data)` runs
 * from the timer bottom half (TIMER_BH), interrupts enabled. del_timer
 * disarms and returns 1 if the timer was pending. (Linux 2.0 has no
 * mod_timer: drivers del_timer, set expires, add_timer.)
 *
 * Old-style static timers: timer_table[n] armed by setting bit n of
 * timer_active; checked by the same bottom half.
 */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/stddef.h>

#define BLANK_TIMER 0
#define BEEP_TIMER 1
#define RS_TIMER 2
#define SWAP_TIMER 5
#define BACKGR_TIMER 6
#define HD_TIMER 16
#define FLOPPY_TIMER 17
#define SCSI_TIMER 18
#define NET_TIMER 19
#define SOUND_TIMER 20
#define COMTROL_TIMER 21
#define DIGI_TIMER 22
#define GSCD_TIMER 23

struct timer_struct {
	unsigned long expires;
	void (*fn)(void);
};

extern unsigned long timer_active;
extern struct timer_struct timer_table[32];

struct timer_list {
	struct timer_list *next;
	struct timer_list *prev;
	unsigned long expires;
	unsigned long data;
	void (*function)(unsigned long);
};

extern void add_timer(struct timer_list *timer);
extern int del_timer(struct timer_list *timer);

static inline void init_timer(struct timer_list *timer)
{
	timer->next = NULL;
	timer->prev = NULL;
}

#endif
