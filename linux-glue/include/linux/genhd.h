/*
 * linux/genhd.h - partitioned disks: the MBR partition entry, per-minor
 * extents and the per-major struct gendisk linked on gendisk_head.
 */
#ifndef _LINUX_GENHD_H
#define _LINUX_GENHD_H

#include <linux/config.h>

#define CONFIG_MSDOS_PARTITION 1

#define EXTENDED_PARTITION 5
#define DOS_EXTENDED_PARTITION 5
#define LINUX_EXTENDED_PARTITION 0x85
#define WIN98_EXTENDED_PARTITION 0x0f
#define LINUX_SWAP_PARTITION 0x82
#define DM6_PARTITION 0x54
#define EZD_PARTITION 0x55
#define DM6_AUX1PARTITION 0x51
#define DM6_AUX3PARTITION 0x53
#define BSD_PARTITION 0xa5
#define SOLARIS_X86_PARTITION LINUX_SWAP_PARTITION

/* One MBR entry (16 bytes, little endian; start_sect/nr_sects unaligned on disk). */
struct partition {
	unsigned char boot_ind;
	unsigned char head;
	unsigned char sector;
	unsigned char cyl;
	unsigned char sys_ind;
	unsigned char end_head;
	unsigned char end_sector;
	unsigned char end_cyl;
	unsigned int start_sect;
	unsigned int nr_sects;
};

struct hd_struct {
	long start_sect;
	long nr_sects;
};

struct gendisk {
	int major;
	const char *major_name;
	int minor_shift;
	int max_p;
	int max_nr;
	void (*init)(struct gendisk *);
	struct hd_struct *part;
	int *sizes;
	int nr_real;
	void *real_devices;
	struct gendisk *next;
};

extern struct gendisk *gendisk_head;

#endif
