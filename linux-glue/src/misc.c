/*
 * misc.c - small kernel variables and helpers 2.0 drivers link against,
 * and the glue's start-up.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <linux/interrupt.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include "glue.h"

int EISA_bus;
char x86 = 5;
char hard_math = 1;
char wp_works_ok = 1;
int securelevel;
unsigned long glue_fs_value = KERNEL_DS;

/* The network layer's IRQ -> interface map (struct device * entries). */
void *irq2dev_map[16];

struct new_utsname system_utsname = {
	"Linux", "mach", UTS_RELEASE, "#1 (GNU Mach Linux glue)", "i586", "(none)"
};

/* Drivers get kernel buffers from the glue: always accessible. */
int verify_area(int type, const void *addr, unsigned long size)
{
	(void)type;
	(void)addr;
	(void)size;
	return 0;
}

char *kdevname(kdev_t dev)
{
	static char buffer[32];

	glue_snprintf(buffer, sizeof(buffer), "%02x:%02x", MAJOR(dev), MINOR(dev));
	return buffer;
}

void glue_early_init(void)
{
	unsigned long j;

	high_memory = mach_high_memory();
	glue_sched_init();
	glue_pci_init();

	/* Auto-configuration mode works: jiffies advance under a busy wait. */
	mach_jiffies_sync();
	j = jiffies;
	glue_wait_jiffies(2);
	if ((long)(jiffies - j) < 2)
		printk(KERN_ERR "linux-glue: jiffies do not advance (%lu -> %lu)\n", j, jiffies);
}

void glue_late_init(void)
{
	glue_auto_config = 0;
	calibrate_delay();
}
