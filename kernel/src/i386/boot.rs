//! Multiboot v1 header and the 32-bit entry point.
//!
//! The loader enters `_start` at its physical address with paging off, `%eax` =
//! the multiboot magic and `%ebx` = the info structure. The entry code builds
//! the boot page directory with 4 MiB pages: an identity map of the first 4 MiB
//! (only while it jumps up) and the linear map of physical memory at
//! `KERNEL_BASE` (0xC0000000, 768 MiB worth of entries, trimmed to real RAM by
//! `vm::pmap::init`), turns paging on and calls `kernel_main(magic, info)` on
//! the boot stack, with `%ebp` = 0 to end backtraces.

use core::arch::global_asm;

global_asm!(
    r#"
    .set MB_MAGIC, 0x1BADB002
    .set MB_FLAGS, 0x00000003          /* page-align modules, give memory info */
    .set KERNEL_BASE, 0xC0000000
    .set LINEAR_PDES, 192              /* 768 MiB of 4 MiB pages */

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .boot.text, "ax"
    .global _start
    .code32
_start:
    cli
    cld
    mov edi, eax
    mov esi, ebx

    /* Page directory: PDE 0 identity, PDEs 768.. the linear map (PS|RW|P). */
    lea edx, [boot_page_dir - KERNEL_BASE]
    mov dword ptr [edx], 0x83
    xor ecx, ecx
2:
    mov eax, ecx
    shl eax, 22
    or eax, 0x83
    mov [edx + ecx * 4 + 768 * 4], eax
    inc ecx
    cmp ecx, LINEAR_PDES
    jb 2b

    mov eax, cr4
    or eax, 0x10                       /* CR4.PSE */
    mov cr4, eax
    mov cr3, edx
    mov eax, cr0
    or eax, 0x80010000                 /* CR0.PG | CR0.WP */
    mov cr0, eax
    lea eax, [3f]
    jmp eax
3:
    lea esp, [boot_stack_top]
    xor ebp, ebp
    push esi
    push edi
    call kernel_main
4:
    cli
    hlt
    jmp 4b

    .section .bss.boot, "aw", @nobits
    .balign 4096
    .global boot_page_dir
boot_page_dir:
    .space 4096
    .global boot_stack_bottom
boot_stack_bottom:
    .space 65536
    .global boot_stack_top
boot_stack_top:
"#
);
