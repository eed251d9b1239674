/*
 * linux/module.h - module bookkeeping. Drivers are built in (no MODULE):
 * the use counts are no-ops.
 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#define MOD_INC_USE_COUNT do { } while (0)
#define MOD_DEC_USE_COUNT do { } while (0)
#define MOD_IN_USE 0
#define GET_USE_COUNT(mod) 0

struct symbol_table;
#define register_symtab(symtab) do { } while (0)

#endif
