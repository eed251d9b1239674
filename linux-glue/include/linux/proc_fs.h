/* linux/proc_fs.h - /proc is not configured: registration is a no-op. */
#ifndef _LINUX_PROC_FS_H
#define _LINUX_PROC_FS_H

struct proc_dir_entry {
	unsigned short low_ino;
	unsigned short namelen;
	const char *name;
	unsigned short mode;
	unsigned short nlink;
	unsigned short uid;
	unsigned short gid;
	unsigned long size;
	void *ops;
	int (*get_info)(char *, char **, long, int, int);
	void (*fill_inode)(void *);
	struct proc_dir_entry *next, *parent, *subdir;
	void *data;
};

extern struct proc_dir_entry proc_root;
extern struct proc_dir_entry proc_net;
extern struct proc_dir_entry proc_scsi;

#define proc_register(dir, entry) (0)
#define proc_register_dynamic(dir, entry) (0)
#define proc_unregister(dir, ino) (0)
#define proc_scsi_register(dir, entry) (0)

#define PROC_SCSI_NOT_PRESENT 0

#endif
