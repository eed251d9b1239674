# memcpy, memmove, memset, memcmp and bcmp for freestanding i386 code:
# the kernel (Rust's generated code and the C glue) and the user runtime both
# include this file (`global_asm!(include_str!(...))`), since the i586 Linux
# target expects a C library to supply them. Intel syntax; string
# instructions keep them short; the direction flag is clear on entry (ABI).
    .pushsection .text.mem, "ax", @progbits
    .globl memcpy
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
    .size memcpy, . - memcpy

    .globl memmove
    .type memmove, @function
memmove:
    push edi
    push esi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    mov eax, edi
    mov edx, edi
    sub edx, esi
    cmp edx, ecx
    jb 1f
    /* dst - src >= n (unsigned): a forward copy never reads what it wrote. */
    rep movsb
    pop esi
    pop edi
    ret
1:
    /* The destination overlaps the source from above: copy backwards. */
    lea esi, [esi + ecx - 1]
    lea edi, [edi + ecx - 1]
    std
    rep movsb
    cld
    pop esi
    pop edi
    ret
    .size memmove, . - memmove

    .globl memset
    .type memset, @function
memset:
    push edi
    mov edi, [esp + 8]
    movzx eax, byte ptr [esp + 12]
    mov ecx, [esp + 16]
    imul eax, eax, 0x01010101
    mov edx, ecx
    shr ecx, 2
    rep stosd
    mov ecx, edx
    and ecx, 3
    rep stosb
    mov eax, [esp + 8]
    pop edi
    ret
    .size memset, . - memset

    .globl memcmp
    .type memcmp, @function
    .globl bcmp
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
    jz 2f
    repe cmpsb
    je 2f
    movzx eax, byte ptr [esi - 1]
    movzx edx, byte ptr [edi - 1]
    sub eax, edx
2:
    pop edi
    pop esi
    ret
    .size memcmp, . - memcmp

    .popsection
