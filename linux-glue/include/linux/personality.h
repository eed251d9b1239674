/* linux/personality.h - execution domains (names only). */
#ifndef _PERSONALITY_H
#define _PERSONALITY_H

#define PER_LINUX 0x0000

struct exec_domain;

#endif
