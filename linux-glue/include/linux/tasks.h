/* linux/tasks.h - task-table limits. One CPU. */
#ifndef _LINUX_TASKS_H
#define _LINUX_TASKS_H

#define NR_CPUS 1
#define NO_PROC_ID -1
#define NR_TASKS 512
#define MAX_TASKS_PER_USER (NR_TASKS / 2)
#define MIN_TASKS_LEFT_FOR_ROOT 4

#endif
