/* linux/kdev_t.h - 16-bit device numbers (major << 8 | minor). */
#ifndef _LINUX_KDEV_T_H
#define _LINUX_KDEV_T_H

#define MINORBITS 8
#define MINORMASK ((1U << MINORBITS) - 1)

typedef unsigned short kdev_t;

#define MAJOR(dev) ((unsigned int)((dev) >> MINORBITS))
#define MINOR(dev) ((unsigned int)((dev) & MINORMASK))
#define HASHDEV(dev) ((unsigned int)(dev))
#define NODEV 0
#define MKDEV(ma, mi) (((ma) << MINORBITS) | (mi))
#define B_FREE 0xffff

extern char *kdevname(kdev_t dev);

static inline unsigned int kdev_t_to_nr(kdev_t dev)
{
	return (MAJOR(dev) << 8) | MINOR(dev);
}

static inline kdev_t to_kdev_t(int dev)
{
	return MKDEV(((unsigned int)dev >> 8) & 0xff, (unsigned int)dev & 0xff);
}

#endif
