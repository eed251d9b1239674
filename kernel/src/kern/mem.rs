//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp` for Rust's generated code
//! and for the C glue (the i586 Linux target expects a C library to give them).
//! String instructions keep them short and fast on every i386.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.mem, "ax"
    .global memcpy
    .type memcpy, @function
memcpy:
    push edi
    push esi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    mov eax, edi
    mov edx, ecx
    shr ecx, 2
    rep movsd
    mov ecx, edx
    and ecx, 3
    rep movsb
    pop esi
    pop edi
    ret

    .global memmove
    .type memmove, @function
memmove:
    push edi
    push esi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    mov eax, edi
    cmp edi, esi
    jbe 2f
    lea edx, [esi + ecx]
    cmp edi, edx
    jae 2f
    /* Overlap with the destination above the source: copy backwards. */
    lea esi, [esi + ecx - 1]
    lea edi, [edi + ecx - 1]
    std
    rep movsb
    cld
    pop esi
    pop edi
    ret
2:
    rep movsb
    pop esi
    pop edi
    ret

    .global memset
    .type memset, @function
memset:
    push edi
    mov edi, [esp + 8]
    movzx eax, byte ptr [esp + 12]
    mov ecx, [esp + 16]
    mov edx, eax
    shl edx, 8
    or eax, edx
    mov edx, eax
    shl edx, 16
    or eax, edx
    mov edx, ecx
    shr ecx, 2
    rep stosd
    mov ecx, edx
    and ecx, 3
    rep stosb
    mov eax, [esp + 8]
    pop edi
    ret

    .global memcmp
    .type memcmp, @function
    .global bcmp
    .type bcmp, @function
memcmp:
bcmp:
    push esi
    push edi
    mov esi, [esp + 12]
    mov edi, [esp + 16]
    mov ecx, [esp + 20]
    xor eax, eax
    test ecx, ecx
    jz 3f
    repe cmpsb
    je 3f
    movzx eax, byte ptr [esi - 1]
    movzx edx, byte ptr [edi - 1]
    sub eax, edx
3:
    pop edi
    pop esi
    ret
"#
);
