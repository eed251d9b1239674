/*
 * linux/wait.h - wait queues.
 *
 * A queue is a `struct wait_queue *` head, initially NULL. In this glue the
 * *address of the head* identifies the queue to the kernel's sleep/wake-up
 * (assert_wait/thread_wakeup); entries linked on it are the sleepers of the
 * busy-wait mode and of add_wait_queue users. The list is NULL-terminated.
 */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/glue_kernel.h>

#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002

#ifdef __KERNEL__

struct task_struct;

struct wait_queue {
	struct task_struct *task;
	struct wait_queue *next;
};

#define WAIT_QUEUE_HEAD(x) ((struct wait_queue *)((x) - 1))

struct select_table_entry {
	struct wait_queue wait;
	struct wait_queue **wait_address;
};

typedef struct select_table_struct {
	int nr;
	struct select_table_entry *entry;
} select_table;

#define __MAX_SELECT_TABLE_ENTRIES (4096 / sizeof(struct select_table_entry))

#endif /* __KERNEL__ */

#endif
