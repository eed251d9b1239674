/*
 * string.c - out-of-line copies of the string inlines of asm/string.h (for
 * code that takes their address or is built without inlining), strstr,
 * strtok and the ctype table.
 */
#define __GLUE_STRING_OUTLINE
#include <linux/string.h>
#include <linux/ctype.h>

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return (char *)haystack;
	for (; *haystack; haystack++)
		if (*haystack == *needle && !strncmp(haystack, needle, n))
			return (char *)haystack;
	return NULL;
}

static char *strtok_next;

char *strtok(char *s, const char *delim)
{
	char *token;

	if (!s)
		s = strtok_next;
	if (!s)
		return NULL;
	s += strspn(s, delim);
	if (!*s) {
		strtok_next = NULL;
		return NULL;
	}
	token = s;
	s = strpbrk(token, delim);
	if (s)
		*s++ = 0;
	strtok_next = s;
	return token;
}

char _ctmp;

/* Classes of the 256 byte values (ISO 8859-1). */
unsigned char _ctype[256] = {
	_C, _C, _C, _C, _C, _C, _C, _C,				/* 0-7 */
	_C, _C | _S, _C | _S, _C | _S, _C | _S, _C | _S, _C, _C,	/* 8-15 */
	_C, _C, _C, _C, _C, _C, _C, _C,				/* 16-23 */
	_C, _C, _C, _C, _C, _C, _C, _C,				/* 24-31 */
	_S | _SP, _P, _P, _P, _P, _P, _P, _P,			/* 32-39 */
	_P, _P, _P, _P, _P, _P, _P, _P,				/* 40-47 */
	_D, _D, _D, _D, _D, _D, _D, _D,				/* 48-55 */
	_D, _D, _P, _P, _P, _P, _P, _P,				/* 56-63 */
	_P, _U | _X, _U | _X, _U | _X, _U | _X, _U | _X, _U | _X, _U,	/* 64-71 */
	_U, _U, _U, _U, _U, _U, _U, _U,				/* 72-79 */
	_U, _U, _U, _U, _U, _U, _U, _U,				/* 80-87 */
	_U, _U, _U, _P, _P, _P, _P, _P,				/* 88-95 */
	_P, _L | _X, _L | _X, _L | _X, _L | _X, _L | _X, _L | _X, _L,	/* 96-103 */
	_L, _L, _L, _L, _L, _L, _L, _L,				/* 104-111 */
	_L, _L, _L, _L, _L, _L, _L, _L,				/* 112-119 */
	_L, _L, _L, _P, _P, _P, _P, _C,				/* 120-127 */
	[160] = _S | _SP,
	[161 ... 191] = _P,
	[192 ... 214] = _U,
	[215] = _P,
	[216 ... 222] = _U,
	[223 ... 246] = _L,
	[247] = _P,
	[248 ... 255] = _L,
};
