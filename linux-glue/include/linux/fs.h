/*
 * linux/fs.h - what block drivers see of the file system layer: device
 * numbers, buffer heads, minimal inode and file, file operations, block
 * device registration and the generic block read/write entry points.
 *
 * The glue has no Linux VFS: inode and file carry only what drivers read
 * (i_rdev, f_mode, f_flags, f_pos ...); the block glue fills them in.
 */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/glue_kernel.h>

#include <linux/config.h>
#include <linux/linkage.h>
#include <linux/wait.h>
#include <linux/types.h>
#include <linux/kdev_t.h>
#include <linux/ioctl.h>
#include <linux/major.h>
#include <asm/bitops.h>
#include <asm/semaphore.h>

#define NR_OPEN 256
#define NR_INODE 3072
#define NR_FILE 1024
#define NR_SUPER 64
#define NR_IHASH 131
#define BLOCK_SIZE_BITS 10
#define BLOCK_SIZE (1 << BLOCK_SIZE_BITS)

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

#define FMODE_READ 1
#define FMODE_WRITE 2

#define READ 0
#define WRITE 1
#define READA 2
#define WRITEA 3

#define SEL_IN 1
#define SEL_OUT 2
#define SEL_EX 4

#define MS_RDONLY 1
#define MS_NOSUID 2
#define MS_NODEV 4
#define MS_NOEXEC 8
#define MS_SYNCHRONOUS 16
#define MS_REMOUNT 32

#define IS_RDONLY(inode) (0)

/* Block device ioctls. */
#define BLKROSET _IO(0x12, 93)
#define BLKROGET _IO(0x12, 94)
#define BLKRRPART _IO(0x12, 95)
#define BLKGETSIZE _IO(0x12, 96)
#define BLKFLSBUF _IO(0x12, 97)
#define BLKRASET _IO(0x12, 98)
#define BLKRAGET _IO(0x12, 99)

#define BMAP_IOCTL 1
#define FIBMAP _IO(0x00, 1)
#define FIGETBSZ _IO(0x00, 2)

#ifdef __KERNEL__

#include <linux/errno.h>
#include <asm/segment.h>

#ifndef VERIFY_READ
#define VERIFY_READ 0
#define VERIFY_WRITE 1
#endif
extern int verify_area(int type, const void *addr, unsigned long size);

extern void buffer_init(void);
extern unsigned long inode_init(unsigned long start, unsigned long end);
extern unsigned long file_table_init(unsigned long start, unsigned long end);
extern unsigned long name_cache_init(unsigned long start, unsigned long end);

/* buffer_head b_state bits. */
#define BH_Uptodate 0
#define BH_Dirty 1
#define BH_Lock 2
#define BH_Req 3
#define BH_Touched 4
#define BH_Has_aged 5
#define BH_Protected 6
#define BH_FreeOnIO 7
#define BH_MD 8

/* One block of a block device, the unit of block I/O requests. */
struct buffer_head {
	unsigned long b_blocknr;
	kdev_t b_dev;
	kdev_t b_rdev;
	unsigned long b_rsector;
	struct buffer_head *b_next;
	struct buffer_head *b_this_page;
	unsigned long b_state;
	struct buffer_head *b_next_free;
	unsigned int b_count;
	unsigned long b_size;
	char *b_data;
	unsigned int b_list;
	unsigned long b_flushtime;
	unsigned long b_lru_time;
	struct wait_queue *b_wait;
	struct buffer_head *b_prev;
	struct buffer_head *b_prev_free;
	struct buffer_head *b_reqnext;
	void *personality;
	struct buffer_head *private_bh;
};

static inline int buffer_uptodate(struct buffer_head *bh)
{
	return test_bit(BH_Uptodate, &bh->b_state);
}

static inline int buffer_dirty(struct buffer_head *bh)
{
	return test_bit(BH_Dirty, &bh->b_state);
}

static inline int buffer_locked(struct buffer_head *bh)
{
	return test_bit(BH_Lock, &bh->b_state);
}

static inline int buffer_req(struct buffer_head *bh)
{
	return test_bit(BH_Req, &bh->b_state);
}

static inline int buffer_touched(struct buffer_head *bh)
{
	return test_bit(BH_Touched, &bh->b_state);
}

static inline int buffer_has_aged(struct buffer_head *bh)
{
	return test_bit(BH_Has_aged, &bh->b_state);
}

static inline int buffer_protected(struct buffer_head *bh)
{
	return test_bit(BH_Protected, &bh->b_state);
}

static inline void mark_buffer_uptodate(struct buffer_head *bh, int on)
{
	if (on)
		set_bit(BH_Uptodate, &bh->b_state);
	else
		clear_bit(BH_Uptodate, &bh->b_state);
}

static inline void mark_buffer_clean(struct buffer_head *bh)
{
	clear_bit(BH_Dirty, &bh->b_state);
}

extern void mark_buffer_dirty(struct buffer_head *bh, int flag);
extern void __wait_on_buffer(struct buffer_head *bh);
extern void unlock_buffer(struct buffer_head *bh);

static inline void wait_on_buffer(struct buffer_head *bh)
{
	if (test_bit(BH_Lock, &bh->b_state))
		__wait_on_buffer(bh);
}

static inline void lock_buffer(struct buffer_head *bh)
{
	while (set_bit(BH_Lock, &bh->b_state))
		__wait_on_buffer(bh);
}

struct file_operations;
struct inode_operations;
struct super_block;
struct vm_area_struct;

/* The inode fields drivers read. */
struct inode {
	kdev_t i_dev;
	unsigned long i_ino;
	umode_t i_mode;
	nlink_t i_nlink;
	uid_t i_uid;
	gid_t i_gid;
	kdev_t i_rdev;
	off_t i_size;
	time_t i_atime;
	time_t i_mtime;
	time_t i_ctime;
	unsigned long i_blksize;
	unsigned long i_blocks;
	unsigned long i_version;
	struct semaphore i_sem;
	struct inode_operations *i_op;
	struct super_block *i_sb;
	struct wait_queue *i_wait;
	unsigned short i_count;
	unsigned short i_flags;
	void *u_generic_ip;
};

/* The open-file fields drivers read. */
struct file {
	mode_t f_mode;
	loff_t f_pos;
	unsigned short f_flags;
	unsigned short f_count;
	unsigned long f_reada, f_ramax, f_raend, f_ralen, f_rawin;
	struct file *f_next, *f_prev;
	int f_owner;
	struct inode *f_inode;
	struct file_operations *f_op;
	unsigned long f_version;
	void *private_data;
};

typedef int (*filldir_t)(void *, const char *, int, off_t, ino_t);

struct file_operations {
	int (*lseek)(struct inode *, struct file *, off_t, int);
	int (*read)(struct inode *, struct file *, char *, int);
	int (*write)(struct inode *, struct file *, const char *, int);
	int (*readdir)(struct inode *, struct file *, void *, filldir_t);
	int (*select)(struct inode *, struct file *, int, select_table *);
	int (*ioctl)(struct inode *, struct file *, unsigned int, unsigned long);
	int (*mmap)(struct inode *, struct file *, struct vm_area_struct *);
	int (*open)(struct inode *, struct file *);
	void (*release)(struct inode *, struct file *);
	int (*fsync)(struct inode *, struct file *);
	int (*fasync)(struct inode *, struct file *, int);
	int (*check_media_change)(kdev_t dev);
	int (*revalidate)(kdev_t dev);
};

extern int register_blkdev(unsigned int major, const char *name, struct file_operations *fops);
extern int unregister_blkdev(unsigned int major, const char *name);
extern int register_chrdev(unsigned int major, const char *name, struct file_operations *fops);
extern int unregister_chrdev(unsigned int major, const char *name);
extern int blkdev_open(struct inode *inode, struct file *filp);
extern struct file_operations def_blk_fops;

extern int block_read(struct inode *, struct file *, char *, int);
extern int block_write(struct inode *, struct file *, const char *, int);
extern int block_fsync(struct inode *, struct file *);
extern int file_fsync(struct inode *, struct file *);

extern int check_disk_change(kdev_t dev);
extern void invalidate_inodes(kdev_t dev);
extern void invalidate_buffers(kdev_t dev);
extern int floppy_is_wp(int minor);
extern void sync_dev(kdev_t dev);
extern int fsync_dev(kdev_t dev);
extern int is_read_only(kdev_t dev);
/* 0 if access `mask` (2: write) to the inode is allowed: always, the kernel is the only caller. */
extern int permission(struct inode *inode, int mask);
extern void set_device_ro(kdev_t dev, int flag);
extern void set_blocksize(kdev_t dev, int size);

extern struct buffer_head *get_hash_table(kdev_t dev, int block, int size);
extern struct buffer_head *getblk(kdev_t dev, int block, int size);
extern struct buffer_head *bread(kdev_t dev, int block, int size);
extern struct buffer_head *breada(kdev_t dev, int block, int size,
				  unsigned int pos, unsigned int filesize);
extern void ll_rw_block(int rw, int nr, struct buffer_head *bh[]);
extern void ll_rw_page(int rw, kdev_t dev, unsigned long nr, char *buffer);
extern void ll_rw_swap_file(int rw, kdev_t dev, unsigned int *b, int nb, char *buffer);
extern void __brelse(struct buffer_head *buf);
extern void __bforget(struct buffer_head *buf);

static inline void brelse(struct buffer_head *buf)
{
	if (buf)
		__brelse(buf);
}

static inline void bforget(struct buffer_head *buf)
{
	if (buf)
		__bforget(buf);
}

extern char *kdevname(kdev_t dev);

extern struct wait_queue *wait_for_request;

/* The read-only ioctls every block driver's ioctl switch includes. */
#define RO_IOCTLS(dev, where)						\
	case BLKROSET: {						\
		int __err;						\
		if (!suser())						\
			return -EACCES;					\
		__err = verify_area(VERIFY_READ, (void *)(where), sizeof(long)); \
		if (!__err)						\
			set_device_ro((dev), get_fs_long((long *)(where))); \
		return __err;						\
	}								\
	case BLKROGET: {						\
		int __err = verify_area(VERIFY_WRITE, (void *)(where), sizeof(long)); \
		if (!__err)						\
			put_fs_long(0 != is_read_only(dev), (long *)(where)); \
		return __err;						\
	}

#endif /* __KERNEL__ */

#endif
