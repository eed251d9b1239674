/*
 * linux/tqueue.h - task queues: lists of deferred calls.
 *
 * A queue is a NULL-terminated list of tq_struct. queue_task links an entry
 * once (its `sync` bit guards double queueing); run_task_queue detaches the
 * whole list and calls each routine(data). tq_timer runs every tick
 * (TQUEUE_BH), tq_immediate when IMMEDIATE_BH is marked, tq_scheduler from
 * schedule(), tq_disk when block I/O is unplugged.
 */
#ifndef _LINUX_TQUEUE_H
#define _LINUX_TQUEUE_H

#include <linux/stddef.h>
#include <asm/bitops.h>
#include <asm/system.h>

struct tq_struct {
	struct tq_struct *next;
	int sync;
	void (*routine)(void *);
	void *data;
};

typedef struct tq_struct *task_queue;

#define DECLARE_TASK_QUEUE(q) task_queue q = NULL

extern task_queue tq_timer, tq_immediate, tq_scheduler, tq_disk;

/* Queues with interrupts already off (from an interrupt handler). */
static inline void queue_task_irq(struct tq_struct *bh_pointer, task_queue *bh_list)
{
	if (!set_bit(0, &bh_pointer->sync)) {
		bh_pointer->next = *bh_list;
		*bh_list = bh_pointer;
	}
}

static inline void queue_task_irq_off(struct tq_struct *bh_pointer, task_queue *bh_list)
{
	queue_task_irq(bh_pointer, bh_list);
}

static inline void queue_task(struct tq_struct *bh_pointer, task_queue *bh_list)
{
	unsigned long flags;

	save_flags(flags);
	cli();
	queue_task_irq(bh_pointer, bh_list);
	restore_flags(flags);
}

static inline void run_task_queue(task_queue *list)
{
	struct tq_struct *p, *next;
	unsigned long flags;

	save_flags(flags);
	cli();
	p = *list;
	*list = NULL;
	restore_flags(flags);
	while (p) {
		void (*f)(void *) = p->routine;
		void *arg = p->data;

		next = p->next;
		p->sync = 0;
		f(arg);
		p = next;
	}
}

#endif
