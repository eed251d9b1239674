/*
 * asm/string.h - string and memory functions.
 *
 * mem* go to GCC's builtins (which call the kernel's memcpy/memset/memmove/
 * memcmp for sizes they do not expand). The str* functions are inline here;
 * linux-glue/src/string.c also emits them out of line (defining
 * __GLUE_STRING_OUTLINE) for code that takes their address.
 */
#ifndef _I386_STRING_H_
#define _I386_STRING_H_

#include <linux/stddef.h>

extern void *memcpy(void *, const void *, size_t);
extern void *memmove(void *, const void *, size_t);
extern void *memset(void *, int, size_t);
extern int memcmp(const void *, const void *, size_t);
extern char *strstr(const char *, const char *);

#ifdef __GLUE_STRING_OUTLINE
#define __GLUE_STR
#else
#define __GLUE_STR extern inline __attribute__((gnu_inline))
#endif

__GLUE_STR size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

__GLUE_STR size_t strnlen(const char *s, size_t count)
{
	const char *p = s;

	while (count-- && *p)
		p++;
	return p - s;
}

__GLUE_STR char *strcpy(char *dest, const char *src)
{
	char *d = dest;

	while ((*d++ = *src++) != 0)
		;
	return dest;
}

__GLUE_STR char *strncpy(char *dest, const char *src, size_t count)
{
	char *d = dest;

	while (count && (*d = *src) != 0) {
		d++;
		src++;
		count--;
	}
	while (count--)
		*d++ = 0;
	return dest;
}

__GLUE_STR char *strcat(char *dest, const char *src)
{
	strcpy(dest + strlen(dest), src);
	return dest;
}

__GLUE_STR char *strncat(char *dest, const char *src, size_t count)
{
	char *d = dest + strlen(dest);

	while (count-- && *src)
		*d++ = *src++;
	*d = 0;
	return dest;
}

__GLUE_STR int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

__GLUE_STR int strncmp(const char *a, const char *b, size_t count)
{
	for (; count; count--, a++, b++) {
		if (*a != *b)
			return (int)(unsigned char)*a - (int)(unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

__GLUE_STR char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

__GLUE_STR char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

__GLUE_STR size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

__GLUE_STR char *strpbrk(const char *s, const char *accept)
{
	for (; *s; s++)
		if (strchr(accept, *s))
			return (char *)s;
	return NULL;
}

__GLUE_STR void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

__GLUE_STR void *memscan(void *addr, int c, size_t size)
{
	unsigned char *p = (unsigned char *)addr;

	while (size && *p != (unsigned char)c) {
		p++;
		size--;
	}
	return p;
}

#ifndef __GLUE_STRING_OUTLINE
#define memcpy(t, f, n) __builtin_memcpy((t), (f), (n))
#define memmove(t, f, n) __builtin_memmove((t), (f), (n))
#define memset(s, c, n) __builtin_memset((s), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#endif

#define __HAVE_ARCH_STRCPY
#define __HAVE_ARCH_STRNCPY
#define __HAVE_ARCH_STRCAT
#define __HAVE_ARCH_STRNCAT
#define __HAVE_ARCH_STRCMP
#define __HAVE_ARCH_STRNCMP
#define __HAVE_ARCH_STRCHR
#define __HAVE_ARCH_STRRCHR
#define __HAVE_ARCH_STRSPN
#define __HAVE_ARCH_STRPBRK
#define __HAVE_ARCH_STRLEN
#define __HAVE_ARCH_MEMCPY
#define __HAVE_ARCH_MEMMOVE
#define __HAVE_ARCH_MEMCHR
#define __HAVE_ARCH_MEMSET
#define __HAVE_ARCH_MEMSCAN
#define __HAVE_ARCH_STRNLEN

#endif
