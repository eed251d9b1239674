/* linux/binfmts.h - executable formats (only the names sched.h needs). */
#ifndef _LINUX_BINFMTS_H
#define _LINUX_BINFMTS_H

#include <linux/ptrace.h>

struct linux_binprm;
struct linux_binfmt;

#endif
