/* linux/locks.h - buffer locking (the inlines live in linux/fs.h). */
#ifndef _LINUX_LOCKS_H
#define _LINUX_LOCKS_H

#include <linux/fs.h>

#endif
