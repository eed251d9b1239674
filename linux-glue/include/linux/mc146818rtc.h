/*
 * linux/mc146818rtc.h - the PC's real-time clock and CMOS memory (Motorola
 * MC146818 and compatibles): an index port (0x70) and a data port (0x71).
 * CMOS_READ/CMOS_WRITE access one byte, bit 7 of the index (NMI masking)
 * left clear. Register numbers are the chip's.
 *
 * Written for this glue from the chip's documented registers.
 */
#ifndef _MC146818RTC_H
#define _MC146818RTC_H

#include <asm/io.h>

#define RTC_PORT(x) (0x70 + (x))

static inline unsigned char glue_cmos_read(unsigned char addr)
{
	outb_p(addr, RTC_PORT(0));
	return inb_p(RTC_PORT(1));
}

static inline void glue_cmos_write(unsigned char val, unsigned char addr)
{
	outb_p(addr, RTC_PORT(0));
	outb_p(val, RTC_PORT(1));
}

#define CMOS_READ(addr) glue_cmos_read(addr)
#define CMOS_WRITE(val, addr) glue_cmos_write(val, addr)

/* Clock registers (BCD unless RTC_DM_BINARY). */
#define RTC_SECONDS 0
#define RTC_SECONDS_ALARM 1
#define RTC_MINUTES 2
#define RTC_MINUTES_ALARM 3
#define RTC_HOURS 4
#define RTC_HOURS_ALARM 5
#define RTC_DAY_OF_WEEK 6
#define RTC_DAY_OF_MONTH 7
#define RTC_MONTH 8
#define RTC_YEAR 9

/* Status registers. */
#define RTC_REG_A 10
#define RTC_REG_B 11
#define RTC_REG_C 12
#define RTC_REG_D 13
#define RTC_FREQ_SELECT RTC_REG_A
#define RTC_UIP 0x80			/* update in progress */
#define RTC_CONTROL RTC_REG_B
#define RTC_SET 0x80
#define RTC_PIE 0x40
#define RTC_AIE 0x20
#define RTC_UIE 0x10
#define RTC_SQWE 0x08
#define RTC_DM_BINARY 0x04
#define RTC_24H 0x02
#define RTC_DST_EN 0x01
#define RTC_INTR_FLAGS RTC_REG_C
#define RTC_VALID RTC_REG_D
#define RTC_VRT 0x80

#define BCD_TO_BIN(v) ((v) = ((v) & 15) + ((v) >> 4) * 10)
#define BIN_TO_BCD(v) ((v) = (((v) / 10) << 4) + (v) % 10)

#endif
