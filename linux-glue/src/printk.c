/*
 * printk.c - printk, panic, sprintf/vsprintf and simple_strtoul.
 *
 * The formatter knows what Linux 2.0 drivers write: %d %i %u %o %x %X %c
 * %s %p %n %%, the flags '-' '+' ' ' '#' '0', a field width and precision
 * (numbers or '*'), and the h/l/L qualifiers. %p prints the pointer as
 * eight zero-padded hex digits, as Linux 2.0 does.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/string.h>
#include <asm/system.h>
#include "glue.h"

#define F_ZEROPAD 1
#define F_SIGN 2
#define F_PLUS 4
#define F_SPACE 8
#define F_LEFT 16
#define F_SPECIAL 32
#define F_LARGE 64

/* An output cursor that counts everything but stores only what fits. */
struct out {
	char *buf;
	unsigned int size;
	unsigned int len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_number(struct out *o, unsigned long num, int base, int width,
		       int precision, int flags)
{
	const char *digits = (flags & F_LARGE) ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char sign = 0;
	int i = 0;

	if (flags & F_LEFT)
		flags &= ~F_ZEROPAD;
	if (flags & F_SIGN) {
		if ((long)num < 0) {
			sign = '-';
			num = -(long)num;
			width--;
		} else if (flags & F_PLUS) {
			sign = '+';
			width--;
		} else if (flags & F_SPACE) {
			sign = ' ';
			width--;
		}
	}
	if (flags & F_SPECIAL) {
		if (base == 16)
			width -= 2;
		else if (base == 8)
			width--;
	}
	if (num == 0)
		tmp[i++] = '0';
	while (num != 0) {
		tmp[i++] = digits[num % base];
		num /= base;
	}
	if (i > precision)
		precision = i;
	width -= precision;
	if (!(flags & (F_ZEROPAD | F_LEFT)))
		while (width-- > 0)
			put(o, ' ');
	if (sign)
		put(o, sign);
	if (flags & F_SPECIAL) {
		if (base == 8) {
			put(o, '0');
		} else if (base == 16) {
			put(o, '0');
			put(o, (flags & F_LARGE) ? 'X' : 'x');
		}
	}
	if (!(flags & F_LEFT))
		while (width-- > 0)
			put(o, (flags & F_ZEROPAD) ? '0' : ' ');
	while (i < precision--)
		put(o, '0');
	while (i-- > 0)
		put(o, tmp[i]);
	while (width-- > 0)
		put(o, ' ');
}

static int read_int(const char **s)
{
	int v = 0;

	while (isdigit(**s))
		v = v * 10 + *((*s)++) - '0';
	return v;
}

int glue_vsnprintf(char *buf, unsigned int size, const char *fmt, va_list args)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int flags = 0, width = -1, precision = -1, qualifier = 0, base = 10;
		unsigned long num;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) {
			fmt++;
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_SPECIAL;
			else if (*fmt == '0')
				flags |= F_ZEROPAD;
			else
				break;
		}
		if (isdigit(*fmt)) {
			width = read_int(&fmt);
		} else if (*fmt == '*') {
			fmt++;
			width = va_arg(args, int);
			if (width < 0) {
				width = -width;
				flags |= F_LEFT;
			}
		}
		if (*fmt == '.') {
			fmt++;
			if (isdigit(*fmt)) {
				precision = read_int(&fmt);
			} else if (*fmt == '*') {
				fmt++;
				precision = va_arg(args, int);
			} else {
				precision = 0;
			}
			if (precision < 0)
				precision = 0;
		}
		if (*fmt == 'h' || *fmt == 'l' || *fmt == 'L') {
			qualifier = *fmt++;
			if (qualifier == 'l' && *fmt == 'l') {
				qualifier = 'L';
				fmt++;
			}
		}

		switch (*fmt) {
		case 'c':
			if (!(flags & F_LEFT))
				while (--width > 0)
					put(&o, ' ');
			put(&o, (unsigned char)va_arg(args, int));
			while (--width > 0)
				put(&o, ' ');
			continue;
		case 's': {
			const char *s = va_arg(args, const char *);
			int len;

			if (!s)
				s = "<NULL>";
			len = strnlen(s, precision < 0 ? 0x7fffffffU : (unsigned int)precision);
			if (!(flags & F_LEFT))
				while (len < width--)
					put(&o, ' ');
			for (int i = 0; i < len; i++)
				put(&o, s[i]);
			while (len < width--)
				put(&o, ' ');
			continue;
		}
		case 'p':
			if (width == -1) {
				width = 2 * sizeof(void *);
				flags |= F_ZEROPAD;
			}
			put_number(&o, (unsigned long)va_arg(args, void *), 16, width, precision, flags);
			continue;
		case 'n':
			if (qualifier == 'l')
				*va_arg(args, long *) = o.len;
			else
				*va_arg(args, int *) = o.len;
			continue;
		case '%':
			put(&o, '%');
			continue;
		case 'o':
			base = 8;
			break;
		case 'X':
			flags |= F_LARGE;
			base = 16;
			break;
		case 'x':
			base = 16;
			break;
		case 'd':
		case 'i':
			flags |= F_SIGN;
			break;
		case 'u':
			break;
		default:
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
			continue;
		}
		if (qualifier == 'L') {
			/* 64-bit values are printed by their low 32 bits' rules
			 * only when they fit; Linux 2.0 drivers do not use them. */
			unsigned long long v = va_arg(args, unsigned long long);
			num = (unsigned long)v;
		} else if (qualifier == 'l') {
			num = va_arg(args, unsigned long);
		} else if (qualifier == 'h') {
			num = (unsigned short)va_arg(args, int);
			if (flags & F_SIGN)
				num = (short)num;
		} else if (flags & F_SIGN) {
			num = va_arg(args, int);
		} else {
			num = va_arg(args, unsigned int);
		}
		put_number(&o, num, base, width, precision, flags);
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
	return o.len;
}

int glue_snprintf(char *buf, unsigned int size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = glue_vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

int vsprintf(char *buf, const char *fmt, va_list args)
{
	return glue_vsnprintf(buf, 0x7fffffffU, fmt, args);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsprintf(buf, fmt, args);
	va_end(args);
	return n;
}

static char printk_buf[1024];

/*
 * Formats into one static buffer with interrupts off (printk may be called
 * from interrupt handlers) and hands the text to the kernel log, dropping
 * the "<n>" level markers at line starts. Returns the characters formatted.
 */
asmlinkage int printk(const char *fmt, ...)
{
	unsigned long flags;
	va_list args;
	int n, len, start, i;

	save_flags(flags);
	cli();
	va_start(args, fmt);
	n = glue_vsnprintf(printk_buf, sizeof(printk_buf), fmt, args);
	va_end(args);
	len = n < (int)sizeof(printk_buf) ? n : (int)sizeof(printk_buf) - 1;
	start = 0;
	for (i = 0; i <= len; i++) {
		if (i == start && i + 2 < len && printk_buf[i] == '<' &&
		    printk_buf[i + 1] >= '0' && printk_buf[i + 1] <= '7' &&
		    printk_buf[i + 2] == '>') {
			start = i + 3;
			i += 2;
			continue;
		}
		if (i == len || printk_buf[i] == '\n') {
			int end = i < len ? i + 1 : i;

			if (end > start)
				mach_log_write(printk_buf + start, end - start);
			start = end;
		}
	}
	restore_flags(flags);
	return n;
}

NORET_TYPE void panic(const char *fmt, ...)
{
	static char buf[256];
	va_list args;
	int n;

	cli();
	va_start(args, fmt);
	n = glue_vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	mach_panic(buf, n);
}

unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	unsigned long result = 0, value;

	if (!base) {
		base = 10;
		if (*cp == '0') {
			base = 8;
			cp++;
			if ((*cp == 'x' || *cp == 'X') && isxdigit(cp[1])) {
				cp++;
				base = 16;
			}
		}
	} else if (base == 16 && cp[0] == '0' && (cp[1] == 'x' || cp[1] == 'X')) {
		cp += 2;
	}
	while (isxdigit(*cp) &&
	       (value = isdigit(*cp) ? *cp - '0' : toupper(*cp) - 'A' + 10) < base) {
		result = result * base + value;
		cp++;
	}
	if (endp)
		*endp = (char *)cp;
	return result;
}

long simple_strtol(const char *cp, char **endp, unsigned int base)
{
	if (*cp == '-')
		return -(long)simple_strtoul(cp + 1, endp, base);
	return simple_strtoul(cp, endp, base);
}
