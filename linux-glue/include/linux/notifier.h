/* linux/notifier.h - notifier chains (declarations drivers may name). */
#ifndef _LINUX_NOTIFIER_H
#define _LINUX_NOTIFIER_H

struct notifier_block {
	int (*notifier_call)(struct notifier_block *this, unsigned long, void *);
	struct notifier_block *next;
	int priority;
};

#define NOTIFY_DONE 0x0000
#define NOTIFY_OK 0x0001
#define NOTIFY_STOP_MASK 0x8000
#define NOTIFY_BAD (NOTIFY_STOP_MASK | 0x0002)

#define NETDEV_UP 0x0001
#define NETDEV_DOWN 0x0002
#define NETDEV_UNREGISTER 0x0003

#endif
