/* asm/param.h - clock rate and sizes of i386 Linux. */
#ifndef _ASMi386_PARAM_H
#define _ASMi386_PARAM_H

#ifndef HZ
#define HZ 100
#endif

#define EXEC_PAGESIZE 4096

#ifndef NGROUPS
#define NGROUPS 32
#endif

#ifndef NOGROUP
#define NOGROUP (-1)
#endif

#define MAXHOSTNAMELEN 64

#endif
