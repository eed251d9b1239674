/*
 * asm/delay.h - calibrated busy-wait delays.
 *
 * loops_per_sec is measured against jiffies at glue start-up
 * (calibrate_delay). udelay(n) waits at least about n microseconds; a
 * constant n goes through __const_udelay(n * 2^32 / 10^6).
 */
#ifndef _I386_DELAY_H
#define _I386_DELAY_H

extern unsigned long loops_per_sec;

extern void __udelay(unsigned long usecs);
extern void __const_udelay(unsigned long usecs_times_2_32_div_1e6);
extern void __delay(unsigned long loops);

#define udelay(n) (__builtin_constant_p(n) ? \
	__const_udelay((n) * 0x10c6ul) : __udelay(n))

/* a * b / c without overflow of the intermediate product. */
static inline unsigned long muldiv(unsigned long a, unsigned long b, unsigned long c)
{
	return (unsigned long)(((unsigned long long)a * b) / c);
}

#endif
