//! Per-thread machine state (GNU Mach's `pcb`): kernel stacks, the context
//! switch, and the first frames of a new thread.
//!
//! A switched-out thread's kernel stack holds, at its saved `%esp`: `%edi`,
//! `%esi`, `%ebx`, `%ebp`, then the address to return to. A new kernel thread
//! starts in `thread_trampoline` (which enables interrupts and calls the
//! thread's body); a new user thread returns through `trap_return` with the
//! [`TrapFrame`](super::trap::TrapFrame) at the top of its kernel stack.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.switch, "ax"
    /* switch_context(save: *mut u32 [esp+4], next_esp: u32 [esp+8]) */
    .global switch_context
switch_context:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

    /* First code of a new kernel thread: %ebx = body, %esi = argument. */
    /* First code of a new user thread: may end here if asked to, then
       enters user mode through the common trap exit. */
    .global user_thread_start
user_thread_start:
    call user_start_hook
    jmp trap_return

    .global thread_trampoline
thread_trampoline:
    xor ebp, ebp
    call thread_start_hook
    push esi
    call ebx
    call thread_exit_current
    ud2
"#
);

extern "C" {
    /// Saves the callee-saved registers and `%esp` into `*save`, then resumes
    /// the thread whose saved stack pointer is `next_esp`.
    pub fn switch_context(save: *mut u32, next_esp: u32);
    fn thread_trampoline();
    fn user_thread_start();
}

/// Size of every kernel stack.
pub const KSTACK_SIZE: usize = 32 * 1024;

/// Lays out the first switch frame of a kernel thread on the stack ending at
/// `top`; returns the `%esp` to give [`switch_context`].
///
/// # Safety
/// `[top - 32, top)` is writable memory owned by the new thread's stack.
pub unsafe fn prepare_kernel_thread(top: u32, body: extern "C" fn(usize), arg: usize) -> u32 {
    let frame = [0u32 /* edi */, arg as u32 /* esi */, body as *const () as usize as u32 /* ebx */, 0 /* ebp */, thread_trampoline as *const () as usize as u32];
    let esp = top - (frame.len() * 4) as u32;
    // SAFETY: the caller guarantees the words below `top` belong to the stack.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), esp as *mut u32, frame.len()) };
    esp
}

/// Lays out a user thread's entry: the trap frame at `frame_at` (already
/// filled by the caller) and below it a switch frame returning into
/// `trap_return`; returns the `%esp` to give [`switch_context`].
///
/// # Safety
/// `[frame_at - 20, frame_at)` is writable memory of the new thread's stack.
pub unsafe fn prepare_user_thread(frame_at: u32) -> u32 {
    let frame = [0u32, 0, 0, 0, user_thread_start as *const () as usize as u32];
    let esp = frame_at - (frame.len() * 4) as u32;
    // SAFETY: the caller guarantees the words below `frame_at` belong to the stack.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), esp as *mut u32, frame.len()) };
    esp
}
