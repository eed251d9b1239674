/* linux/time.h - time values. */
#ifndef _LINUX_TIME_H
#define _LINUX_TIME_H

#include <linux/glue_kernel.h>

#ifndef _STRUCT_TIMESPEC
#define _STRUCT_TIMESPEC
struct timespec {
	long tv_sec;
	long tv_nsec;
};
#endif

struct timeval {
	int tv_sec;
	int tv_usec;
};

struct timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

#define NFDBITS __NFDBITS

#ifdef __KERNEL__
extern void do_gettimeofday(struct timeval *tv);
extern void do_settimeofday(struct timeval *tv);
extern struct timeval xtime;
#endif

#define FD_SETSIZE __FD_SETSIZE

struct itimerspec {
	struct timespec it_interval;
	struct timespec it_value;
};

struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

#endif
