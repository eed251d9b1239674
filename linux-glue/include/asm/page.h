/*
 * asm/page.h - page size and the kernel's address model.
 *
 * Unlike Linux 2.0 (kernel virtual == physical), this kernel maps all of
 * physical memory linearly at PAGE_OFFSET = 0xC0000000, as GNU Mach does:
 * __pa/__va (and virt_to_phys/phys_to_virt in asm/io.h) are exact inverses
 * on that linear map.
 */
#ifndef _I386_PAGE_H
#define _I386_PAGE_H

#include <linux/glue_kernel.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#ifdef __KERNEL__

#define PAGE_OFFSET ((unsigned long)0xC0000000)

#define PAGE_ALIGN(addr) (((addr) + PAGE_SIZE - 1) & PAGE_MASK)

#define __pa(x) ((unsigned long)(x) - PAGE_OFFSET)
#define __va(x) ((void *)((unsigned long)(x) + PAGE_OFFSET))
#define MAP_NR(addr) (__pa(addr) >> PAGE_SHIFT)

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;

#define pte_val(x) ((x).pte)
#define pmd_val(x) ((x).pmd)
#define pgd_val(x) ((x).pgd)
#define pgprot_val(x) ((x).pgprot)

#define __pte(x) ((pte_t) { (x) })
#define __pmd(x) ((pmd_t) { (x) })
#define __pgd(x) ((pgd_t) { (x) })
#define __pgprot(x) ((pgprot_t) { (x) })

#endif /* __KERNEL__ */

#endif
