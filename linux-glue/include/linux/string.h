/* linux/string.h - the kernel's string functions (asm/string.h). */
#ifndef _LINUX_STRING_H_
#define _LINUX_STRING_H_

#include <linux/types.h>
#include <asm/string.h>

extern char *strtok(char *, const char *);

#endif
