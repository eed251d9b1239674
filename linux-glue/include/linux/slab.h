/* linux/slab.h - later kernels' name for linux/malloc.h. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/malloc.h>

#endif
