/*
 * linux/sched.h - jiffies, tasks, sleeping and waking.
 *
 * The glue has no Linux processes: `current` is one shared task whose state
 * and timeout fields are honoured by schedule() (a timed sleep of the
 * calling kernel thread), enough for the pristine 2.0 drivers' uses.
 * sleep_on/wake_up block and wake Mach threads on the queue head's address.
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/glue_kernel.h>

#include <asm/param.h>
#include <linux/binfmts.h>
#include <linux/personality.h>
#include <linux/tasks.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/time.h>
#include <linux/signal.h>
#include <linux/wait.h>
#include <asm/system.h>
#include <asm/semaphore.h>
#include <asm/page.h>
#include <asm/processor.h>

#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PID 0x00001000

#ifdef __KERNEL__

extern unsigned long volatile jiffies;
extern unsigned long itimer_ticks;
extern unsigned long itimer_next;
extern struct timeval xtime;
extern int need_resched;
extern unsigned long event;

#define TASK_RUNNING 0
#define TASK_INTERRUPTIBLE 1
#define TASK_UNINTERRUPTIBLE 2
#define TASK_ZOMBIE 3
#define TASK_STOPPED 4
#define TASK_SWAPPING 5

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2

#define PF_ALIGNWARN 0x00000001
#define PF_PTRACED 0x00000010
#define PF_TRACESYS 0x00000020
#define PF_FORKNOEXEC 0x00000040
#define PF_SUPERPRIV 0x00000100
#define PF_DUMPCORE 0x00000200
#define PF_SIGNALED 0x00000400
#define PF_STARTING 0x00000100
#define PF_EXITING 0x00000200
#define PF_USEDFPU 0x00100000

#define DEF_PRIORITY (20 * HZ / 100)

struct mm_struct;
struct buffer_head;
struct pt_regs;
struct fs_struct;
struct files_struct;
struct signal_struct;

/* The fields 2.0 drivers and the glue use, in 2.0's relative order. */
struct task_struct {
	volatile long state;
	long counter;
	long priority;
	unsigned long signal;
	unsigned long blocked;
	unsigned long flags;
	int errno;
	long debugreg[8];
	struct exec_domain *exec_domain;
	struct linux_binfmt *binfmt;
	struct task_struct *next_task, *prev_task;
	struct task_struct *next_run, *prev_run;
	unsigned long saved_kernel_stack;
	unsigned long kernel_stack_page;
	int exit_code, exit_signal;
	unsigned long personality;
	int dumpable:1;
	int did_exec:1;
	int pid;
	int pgrp;
	int tty_old_pgrp;
	int session;
	int leader;
	int groups[NGROUPS];
	struct wait_queue *wait_chldexit;
	unsigned short uid, euid, suid, fsuid;
	unsigned short gid, egid, sgid, fsgid;
	unsigned long timeout, policy, rt_priority;
	unsigned long it_real_value, it_prof_value, it_virt_value;
	unsigned long it_real_incr, it_prof_incr, it_virt_incr;
	long utime, stime, cutime, cstime, start_time;
	char comm[16];
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct files_struct *files;
	struct signal_struct *sig;
	int processor;
	int last_processor;
	int lock_depth;
};

extern struct task_struct init_task;
extern struct task_struct *task[NR_TASKS];
extern struct task_struct *last_task_used_math;
extern struct task_struct *current_set[NR_CPUS];

#define smp_processor_id() 0
#define current (current_set[smp_processor_id()])

extern unsigned int intr_count;
extern int securelevel;

extern void sleep_on(struct wait_queue **p);
extern void interruptible_sleep_on(struct wait_queue **p);
extern void wake_up(struct wait_queue **p);
extern void wake_up_interruptible(struct wait_queue **p);
extern void wake_up_process(struct task_struct *tsk);
extern void add_wait_queue(struct wait_queue **p, struct wait_queue *wait);
extern void remove_wait_queue(struct wait_queue **p, struct wait_queue *wait);
extern void __wait_on_buffer(struct buffer_head *);
extern void notify_parent(struct task_struct *tsk, int signal);
extern void force_sig(unsigned long sig, struct task_struct *p);
extern int send_sig(unsigned long sig, struct task_struct *p, int priv);
extern int in_group_p(gid_t grp);

asmlinkage void schedule(void);

extern int request_irq(unsigned int irq,
		       void (*handler)(int, void *, struct pt_regs *),
		       unsigned long flags, const char *device, void *dev_id);
extern void free_irq(unsigned int irq, void *dev_id);

/* The glue's callers are the kernel: always privileged. */
static inline int suser(void)
{
	return 1;
}

static inline void select_wait(struct wait_queue **wait_address, select_table *p)
{
	(void)wait_address;
	(void)p;
}

#endif /* __KERNEL__ */

#endif
