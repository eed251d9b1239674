/* asm/byteorder.h - byte order of i386 (little endian) and the swappers. */
#ifndef _I386_BYTEORDER_H
#define _I386_BYTEORDER_H

#ifndef __LITTLE_ENDIAN
#define __LITTLE_ENDIAN 1234
#endif
#ifndef __LITTLE_ENDIAN_BITFIELD
#define __LITTLE_ENDIAN_BITFIELD
#endif

static inline unsigned long __glue_swab32(unsigned long x)
{
	return __builtin_bswap32(x);
}

static inline unsigned short __glue_swab16(unsigned short x)
{
	return (unsigned short)((x << 8) | (x >> 8));
}

#define __swab32(x) __glue_swab32(x)
#define __swab16(x) __glue_swab16(x)

#define ntohl(x) __glue_swab32(x)
#define htonl(x) __glue_swab32(x)
#define ntohs(x) __glue_swab16(x)
#define htons(x) __glue_swab16(x)

#define __ntohl(x) ntohl(x)
#define __htonl(x) htonl(x)
#define __ntohs(x) ntohs(x)
#define __htons(x) htons(x)

#define cpu_to_le32(x) ((unsigned int)(x))
#define le32_to_cpu(x) ((unsigned int)(x))
#define cpu_to_le16(x) ((unsigned short)(x))
#define le16_to_cpu(x) ((unsigned short)(x))
#define cpu_to_be32(x) htonl(x)
#define be32_to_cpu(x) ntohl(x)
#define cpu_to_be16(x) htons(x)
#define be16_to_cpu(x) ntohs(x)

#endif
