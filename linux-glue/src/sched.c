/*
 * sched.c - jiffies, timers, bottom halves, sleeping and waking,
 * semaphores, schedule() and the calibrated delay loop.
 *
 * Time: the kernel's clock interrupt (HZ = 100) reaches glue_timer_tick
 * through mach_jiffies_sync, which increments jiffies and marks TIMER_BH.
 *
 * Bottom halves run in a kernel thread of top priority (kernel/src/glue),
 * woken after every interrupt that left one pending and once per tick: in
 * Linux terms, right after the interrupt, with interrupts on and
 * intr_count raised. Timers run from TIMER_BH.
 *
 * Sleeping: a wait queue is known to the kernel by the address of its head
 * (assert_wait/thread_wakeup on that address). Before the bottom-half
 * thread exists (glue_auto_config), every wait busy-waits instead, keeping
 * jiffies and bottom halves going itself, as GNU Mach does while it
 * autoconfigures.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/tqueue.h>
#include <linux/interrupt.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <asm/system.h>
#include <asm/bitops.h>
#include <asm/semaphore.h>
#include "glue.h"

unsigned long volatile jiffies;
unsigned int intr_count;
int need_resched;
int glue_auto_config = 1;

unsigned long bh_active;
unsigned long bh_mask;
int bh_mask_count[32];
void (*bh_base[32])(void);

task_queue tq_timer;
task_queue tq_immediate;
task_queue tq_scheduler;
task_queue tq_disk;

unsigned long timer_active;
struct timer_struct timer_table[32];

/* The one task the glue's callers share (see linux/sched.h). */
struct task_struct init_task = {
	.state = TASK_RUNNING,
	.comm = "mach",
};
struct task_struct *current_set[NR_CPUS] = { &init_task };

/* Woken by every wake_up: what schedule() sleeps on. */
static int schedule_event;

/* ---- time ---------------------------------------------------------- */

static inline int time_reached(unsigned long deadline)
{
	return (long)(jiffies - deadline) >= 0;
}

static struct timer_list timer_head;

/* Marks TIMER_BH only when a timer is due, to spare idle wake-ups. */
int glue_timer_tick(void)
{
	jiffies++;
	if (timer_active ||
	    (timer_head.next != &timer_head && time_reached(timer_head.next->expires)))
		mark_bh(TIMER_BH);
	if (tq_timer)
		mark_bh(TQUEUE_BH);
	return (bh_active & bh_mask) != 0;
}

void glue_poll(void)
{
	mach_jiffies_sync();
	if (glue_auto_config || intr_count) {
		if (!intr_count)
			glue_run_bh();
		__asm__ __volatile__("sti ; hlt" : : : "memory");
		return;
	}
	/* A thread: sleep one tick, letting everything else run meanwhile. */
	mach_assert_wait((unsigned long)&schedule_event + 1, 1);
	mach_thread_block();
}

void glue_wait_jiffies(unsigned long ticks)
{
	unsigned long flags, until;

	save_flags(flags);
	sti();
	mach_jiffies_sync();
	until = jiffies + ticks;
	while (!time_reached(until))
		glue_poll();
	restore_flags(flags);
}

/* ---- timers -------------------------------------------------------- */

/* Pending timers, sorted by expiry, on a circular list around this head. */
static struct timer_list timer_head = { &timer_head, &timer_head, 0, 0, NULL };

void add_timer(struct timer_list *timer)
{
	struct timer_list *p;
	unsigned long flags;

	save_flags(flags);
	cli();
	if (timer->next || timer->prev) {
		restore_flags(flags);
		printk(KERN_ERR "add_timer: timer %p is pending already (from %p)\n",
		       timer, __builtin_return_address(0));
		return;
	}
	p = &timer_head;
	while (p->next != &timer_head && (long)(p->next->expires - timer->expires) <= 0)
		p = p->next;
	timer->next = p->next;
	timer->prev = p;
	p->next->prev = timer;
	p->next = timer;
	restore_flags(flags);
}

int del_timer(struct timer_list *timer)
{
	unsigned long flags;
	int pending = 0;

	save_flags(flags);
	cli();
	if (timer->next) {
		timer->next->prev = timer->prev;
		timer->prev->next = timer->next;
		timer->next = NULL;
		timer->prev = NULL;
		pending = 1;
	}
	restore_flags(flags);
	return pending;
}

static void timer_bh(void)
{
	unsigned long mask, flags;
	struct timer_struct *tp;

	for (mask = 1, tp = timer_table; mask; tp++, mask <<= 1) {
		if (!(timer_active & mask) || !tp->fn || !time_reached(tp->expires))
			continue;
		timer_active &= ~mask;
		tp->fn();
	}

	save_flags(flags);
	cli();
	while (timer_head.next != &timer_head && time_reached(timer_head.next->expires)) {
		struct timer_list *t = timer_head.next;
		void (*fn)(unsigned long) = t->function;
		unsigned long data = t->data;

		t->next->prev = t->prev;
		t->prev->next = t->next;
		t->next = NULL;
		t->prev = NULL;
		sti();
		if (fn)
			fn(data);
		cli();
	}
	restore_flags(flags);
}

static void tqueue_bh(void)
{
	run_task_queue(&tq_timer);
}

static void immediate_bh(void)
{
	run_task_queue(&tq_immediate);
}

/* ---- bottom halves ------------------------------------------------- */

int glue_bh_pending(void)
{
	return (bh_active & bh_mask) != 0;
}

void glue_run_bh(void)
{
	unsigned long flags, active;
	int nr;

	save_flags(flags);
	cli();
	if (intr_count) {
		restore_flags(flags);
		return;
	}
	intr_count++;
	sti();
	while ((active = bh_active & bh_mask) != 0) {
		for (nr = 0; nr < 32; nr++) {
			if (!(active & (1UL << nr)))
				continue;
			clear_bit(nr, &bh_active);
			if (bh_base[nr])
				bh_base[nr]();
		}
	}
	cli();
	intr_count--;
	restore_flags(flags);
}

asmlinkage void do_bottom_half(void)
{
	glue_run_bh();
}

void glue_sched_init(void)
{
	init_bh(TIMER_BH, timer_bh);
	init_bh(TQUEUE_BH, tqueue_bh);
	init_bh(IMMEDIATE_BH, immediate_bh);
}

/* ---- sleeping and waking ------------------------------------------- */

static void queue_add(struct wait_queue **q, struct wait_queue *wait)
{
	wait->next = *q;
	*q = wait;
}

static void queue_remove(struct wait_queue **q, struct wait_queue *wait)
{
	struct wait_queue **pp;

	for (pp = q; *pp; pp = &(*pp)->next)
		if (*pp == wait) {
			*pp = wait->next;
			break;
		}
	wait->next = NULL;
}

void add_wait_queue(struct wait_queue **q, struct wait_queue *wait)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	queue_add(q, wait);
	restore_flags(flags);
}

void remove_wait_queue(struct wait_queue **q, struct wait_queue *wait)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	queue_remove(q, wait);
	restore_flags(flags);
}

/*
 * Sleeps until wake_up(q). Entered with any interrupt flag (drivers often
 * cli() first); interrupts are on while asleep; the flag is restored.
 */
static void sleep_on_common(struct wait_queue **q)
{
	struct wait_queue wait = { current, NULL };
	unsigned long flags;

	if (intr_count) {
		printk(KERN_ERR "sleep_on: called from interrupt context (from %p)\n",
		       __builtin_return_address(0));
		return;
	}
	save_flags(flags);
	cli();
	queue_add(q, &wait);
	if (glue_auto_config) {
		while (wait.task) {
			sti();
			glue_poll();
			cli();
		}
	} else {
		mach_assert_wait((unsigned long)q, 0);
		sti();
		mach_thread_block();
		cli();
	}
	queue_remove(q, &wait);
	restore_flags(flags);
}

void sleep_on(struct wait_queue **q)
{
	sleep_on_common(q);
}

void interruptible_sleep_on(struct wait_queue **q)
{
	sleep_on_common(q);
}

void wake_up(struct wait_queue **q)
{
	struct wait_queue *w;
	unsigned long flags;

	if (!q)
		return;
	save_flags(flags);
	cli();
	for (w = *q; w; w = w->next) {
		if (w->task)
			w->task->state = TASK_RUNNING;
		w->task = NULL;
	}
	restore_flags(flags);
	mach_thread_wakeup((unsigned long)q);
	mach_thread_wakeup((unsigned long)&schedule_event);
}

void wake_up_interruptible(struct wait_queue **q)
{
	wake_up(q);
}

void wake_up_process(struct task_struct *tsk)
{
	if (tsk)
		tsk->state = TASK_RUNNING;
	mach_thread_wakeup((unsigned long)&schedule_event);
}

/*
 * Gives up the processor as Linux's schedule() does for a driver: runs the
 * scheduler task queue; if current->state is not TASK_RUNNING, sleeps until
 * a wake_up (any queue) or until current->timeout (absolute jiffies, if
 * set), then makes the task running again.
 */
asmlinkage void schedule(void)
{
	struct task_struct *tsk = current;
	unsigned long flags, timeout = 0;

	if (intr_count) {
		printk(KERN_ERR "schedule: called from interrupt context (from %p)\n",
		       __builtin_return_address(0));
		return;
	}
	run_task_queue(&tq_scheduler);
	save_flags(flags);
	cli();
	if (tsk->state == TASK_RUNNING) {
		restore_flags(flags);
		mach_jiffies_sync();
		return;
	}
	if (tsk->timeout) {
		mach_jiffies_sync();
		if (time_reached(tsk->timeout)) {
			tsk->timeout = 0;
			tsk->state = TASK_RUNNING;
			restore_flags(flags);
			return;
		}
		timeout = tsk->timeout - jiffies;
	}
	if (glue_auto_config) {
		while (tsk->state != TASK_RUNNING && !(tsk->timeout && time_reached(tsk->timeout))) {
			sti();
			glue_poll();
			cli();
		}
	} else {
		mach_assert_wait((unsigned long)&schedule_event, timeout);
		sti();
		mach_thread_block();
		cli();
	}
	tsk->timeout = 0;
	tsk->state = TASK_RUNNING;
	restore_flags(flags);
}

/* ---- semaphores (slow paths of down/up in asm/semaphore.h) ---------- */

static int down_common(struct semaphore *sem)
{
	struct wait_queue wait = { current, NULL };
	unsigned long flags;

	save_flags(flags);
	cli();
	queue_add(&sem->wait, &wait);
	for (;;) {
		if (sem->waking > 0) {
			sem->waking--;
			break;
		}
		if (glue_auto_config || intr_count) {
			sti();
			glue_poll();
			cli();
		} else {
			mach_assert_wait((unsigned long)&sem->wait, 0);
			sti();
			mach_thread_block();
			cli();
		}
	}
	queue_remove(&sem->wait, &wait);
	restore_flags(flags);
	return 0;
}

void __down(struct semaphore *sem)
{
	down_common(sem);
}

/* There are no signals: an interruptible down always gets the semaphore. */
int __down_interruptible(struct semaphore *sem)
{
	return down_common(sem);
}

void __up(struct semaphore *sem)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	sem->waking++;
	restore_flags(flags);
	wake_up(&sem->wait);
}

/* ---- buffer locks -------------------------------------------------- */

void __wait_on_buffer(struct buffer_head *bh)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	while (buffer_locked(bh))
		sleep_on(&bh->b_wait);
	restore_flags(flags);
}

void unlock_buffer(struct buffer_head *bh)
{
	clear_bit(BH_Lock, &bh->b_state);
	wake_up(&bh->b_wait);
}

/* ---- delays -------------------------------------------------------- */

unsigned long loops_per_sec = 1UL << 22;

void __delay(unsigned long loops)
{
	if (!loops)
		return;
	__asm__ __volatile__("1: decl %0\n\tjnz 1b" : "+r" (loops) : : "cc");
}

/* xloops = microseconds * 2^32 / 10^6 */
void __const_udelay(unsigned long xloops)
{
	unsigned long long loops = (unsigned long long)xloops * loops_per_sec;

	__delay((unsigned long)(loops >> 32) + 1);
}

void __udelay(unsigned long usecs)
{
	unsigned long long loops = (unsigned long long)usecs * loops_per_sec;

	__delay((unsigned long)(loops / 1000000) + 1);
}

/* Waits for the next jiffies edge; returns the new value. */
static unsigned long jiffies_edge(void)
{
	unsigned long j;

	mach_jiffies_sync();
	j = jiffies;
	while (jiffies == j)
		glue_poll();
	return jiffies;
}

/*
 * loops_per_sec from jiffies: doubles a loop count until __delay of it
 * spans at least 10 ticks (started on a tick edge), then times that count
 * twice more and keeps the fastest of the three. The span is in
 * [ticks, ticks + 1) ticks; dividing by the shorter end and keeping the
 * fastest run both err towards more loops per second, so that udelay does
 * not wait too little when the processor was slowed down (an emulator on a
 * busy host) while it was being measured.
 */
static unsigned long long time_loops(unsigned long long loops)
{
	unsigned long start, ticks;

	start = jiffies_edge();
	__delay((unsigned long)loops);
	mach_jiffies_sync();
	ticks = jiffies - start;
	return ticks ? ticks : 1;
}

void calibrate_delay(void)
{
	unsigned long long loops = 1UL << 16, ticks, best;
	unsigned long flags;
	int i;

	save_flags(flags);
	sti();
	for (;;) {
		ticks = time_loops(loops);
		if (ticks >= 10 || loops >= (1ULL << 31))
			break;
		loops <<= (ticks >= 3 ? 1 : 2);
	}
	best = loops * HZ / ticks;
	for (i = 0; i < 2; i++) {
		unsigned long long rate = loops * HZ / time_loops(loops);

		if (rate > best)
			best = rate;
	}
	restore_flags(flags);
	loops_per_sec = (unsigned long)best;
	printk("linux-glue: delay loop calibrated: %lu loops per second (%lu.%02lu BogoMIPS)\n",
	       loops_per_sec, loops_per_sec / 500000, (loops_per_sec / 5000) % 100);
}
