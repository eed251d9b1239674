/*
 * headers_check_blk.c - compile-time proof for linux/blk.h as a block
 * driver instantiates it: once for a MAJOR_NR driver (the floppy's major),
 * with a request function walking the queue the 2.0 way. Never linked in.
 */
#define MAJOR_NR FLOPPY_MAJOR

#include <linux/config.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/fcntl.h>
#include <linux/major.h>
#include <linux/hdreg.h>
#include <linux/genhd.h>
#include <linux/blk.h>

static void floppy_off(unsigned int nr)
{
	(void)nr;
}

static void do_floppy_check(void)
{
}

static void (DEVICE_REQUEST)(void)
{
	for (;;) {
		INIT_REQUEST;
		if (CURRENT->cmd == READ && CURRENT_DEV < 4)
			CURRENT->buffer[0] = 0;
		SET_INTR(do_floppy_check);
		end_request(1);
	}
}

static int check_ioctl(struct inode *inode, struct file *filp, unsigned int cmd, unsigned long param)
{
	kdev_t dev = inode->i_rdev;

	(void)filp;
	switch (cmd) {
	RO_IOCTLS(dev, param);
	case BLKGETSIZE:
		return put_user(0, (long *)param), 0;
	default:
		return -EINVAL;
	}
}

static struct file_operations check_fops = {
	NULL, block_read, block_write, NULL, NULL, check_ioctl,
	NULL, NULL, NULL, block_fsync, NULL, NULL, NULL
};

int glue_check_blk(void)
{
	if (register_blkdev(MAJOR_NR, DEVICE_NAME, &check_fops))
		return -EBUSY;
	blk_dev[MAJOR_NR].request_fn = DEVICE_REQUEST;
	CLEAR_INTR;
	return 0;
}
