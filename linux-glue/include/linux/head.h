/* linux/head.h - descriptor tables (declarations only). */
#ifndef _LINUX_HEAD_H
#define _LINUX_HEAD_H

typedef struct desc_struct {
	unsigned long a, b;
} desc_table[256];

extern unsigned long swapper_pg_dir[1024];

#define IDT_ENTRIES 256
#define GDT_ENTRIES (12 + 2 * NR_TASKS)

#endif
