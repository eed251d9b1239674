/* linux/delay.h - udelay and friends (asm/delay.h). */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H

#include <asm/delay.h>

#endif
