//! The Mach traps, as GNU Mach's i386 ABI defines them.
//!
//! Each trap is a real function (in its own section, so unused ones are dropped
//! at link time):
//!
//! ```text
//! name:  movl  $-N, %eax       # the negative trap number
//!        lcall $0x7, $0x0      # far call through the call gate in LDT entry 0
//!        ret
//! ```
//!
//! It is called with the C convention, so when the `lcall` executes the caller's
//! arguments are at `%esp + 4`, just above the stub's return address: that is
//! where the kernel copies the trap's argument words from. The result comes back
//! in `%eax`, which is also the C return register; the kernel keeps every other
//! register. The `extern "C"` declarations below give the argument lists of the
//! trap table (kern/syscall_sw.c in GNU Mach; the counts are checked against
//! gnumach-abi.md).
//!
//! # Safety
//! All traps are `unsafe` to call: pointer arguments are written by the kernel,
//! and the `syscall_*` calls change the address space and the port name space
//! that Rust code may rely on.

use crate::message::{MachMsgHeader, MachMsgReturn};
use crate::{KernReturn, MachPort};
use core::arch::global_asm;

/// Defines one trap stub `$name` with trap number `-$num` (written positive).
macro_rules! trap_stub {
    ($name:ident, $num:literal) => {
        global_asm!(
            concat!(
                ".pushsection .text.",
                stringify!($name),
                ",\"ax\",@progbits\n",
                ".globl ",
                stringify!($name),
                "\n",
                ".type ",
                stringify!($name),
                ",@function\n",
                stringify!($name),
                ":\n",
                "    movl $-",
                stringify!($num),
                ", %eax\n",
                "    lcall $0x7, $0x0\n",
                "    ret\n",
                ".size ",
                stringify!($name),
                ", . - ",
                stringify!($name),
                "\n",
                ".popsection\n",
            ),
            options(att_syntax)
        );
    };
}

trap_stub!(mach_msg_trap, 25);
trap_stub!(mach_reply_port, 26);
trap_stub!(mach_thread_self, 27);
trap_stub!(mach_task_self, 28);
trap_stub!(mach_host_self, 29);
trap_stub!(mach_print, 30);
trap_stub!(swtch_pri, 59);
trap_stub!(swtch, 60);
trap_stub!(thread_switch, 61);
trap_stub!(syscall_vm_map, 64);
trap_stub!(syscall_vm_allocate, 65);
trap_stub!(syscall_vm_deallocate, 66);
trap_stub!(syscall_task_create, 68);
trap_stub!(syscall_task_terminate, 69);
trap_stub!(syscall_task_suspend, 70);
trap_stub!(syscall_task_set_special_port, 71);
trap_stub!(syscall_mach_port_allocate, 72);
trap_stub!(syscall_mach_port_deallocate, 73);
trap_stub!(syscall_mach_port_insert_right, 74);
trap_stub!(syscall_mach_port_allocate_name, 75);
trap_stub!(syscall_thread_depress_abort, 76);
trap_stub!(thread_set_self_state, 77);

/// `thread_switch` option: no hint.
pub const SWITCH_OPTION_NONE: i32 = 0;
/// `thread_switch` option: depress priority for `option_time` ms.
pub const SWITCH_OPTION_DEPRESS: i32 = 1;
/// `thread_switch` option: wait for `option_time` ms.
pub const SWITCH_OPTION_WAIT: i32 = 2;

extern "C" {
    /// -25: send and/or receive a message, using `msg` for both (7 words).
    /// `option` is `MACH_SEND_MSG`/`MACH_RCV_MSG` and modifiers; `send_size` is
    /// the message's size in bytes, `rcv_size` the buffer's; `timeout` in ms.
    pub fn mach_msg_trap(
        msg: *mut MachMsgHeader,
        option: i32,
        send_size: u32,
        rcv_size: u32,
        rcv_name: MachPort,
        timeout: u32,
        notify: MachPort,
    ) -> MachMsgReturn;

    /// -26: a new receive right, to use as a reply port (0 on failure).
    pub fn mach_reply_port() -> MachPort;

    /// -27: a send right to the calling thread's port (adds one user reference).
    pub fn mach_thread_self() -> MachPort;

    /// -28: a send right to the calling task's port (adds one user reference).
    pub fn mach_task_self() -> MachPort;

    /// -29: a send right to the host port (adds one user reference).
    pub fn mach_host_self() -> MachPort;

    /// -30: prints the NUL-terminated string `s` on the kernel console (a
    /// debugging aid; GNU Mach has it only in kernels built with it).
    pub fn mach_print(s: *const u8);

    /// -59: yields the processor, depressing priority to `pri`; true when other
    /// threads may be runnable.
    pub fn swtch_pri(pri: i32) -> i32;

    /// -60: yields the processor; true when other threads may be runnable.
    pub fn swtch() -> i32;

    /// -61: hands the processor to `thread` (or anyone, for `MACH_PORT_NULL`),
    /// with a `SWITCH_OPTION_*` and a time in ms.
    pub fn thread_switch(thread: MachPort, option: i32, option_time: u32) -> KernReturn;

    /// -64: `vm_map` without a message (11 words).
    pub fn syscall_vm_map(
        target_task: MachPort,
        address: *mut u32,
        size: u32,
        mask: u32,
        anywhere: i32,
        memory_object: MachPort,
        offset: u32,
        copy: i32,
        cur_protection: i32,
        max_protection: i32,
        inheritance: u32,
    ) -> KernReturn;

    /// -65: `vm_allocate` without a message; `*address` in and out.
    pub fn syscall_vm_allocate(target_task: MachPort, address: *mut u32, size: u32, anywhere: i32) -> KernReturn;

    /// -66: `vm_deallocate` without a message.
    pub fn syscall_vm_deallocate(target_task: MachPort, address: u32, size: u32) -> KernReturn;

    /// -68: `task_create` without a message; the new task's port name in `*child`.
    pub fn syscall_task_create(parent_task: MachPort, inherit_memory: i32, child_task: *mut MachPort) -> KernReturn;

    /// -69: `task_terminate` without a message.
    pub fn syscall_task_terminate(task: MachPort) -> KernReturn;

    /// -70: `task_suspend` without a message.
    pub fn syscall_task_suspend(task: MachPort) -> KernReturn;

    /// -71: `task_set_special_port` without a message.
    pub fn syscall_task_set_special_port(task: MachPort, which_port: i32, special_port: MachPort) -> KernReturn;

    /// -72: `mach_port_allocate` without a message; the name in `*name`.
    pub fn syscall_mach_port_allocate(task: MachPort, right: u32, name: *mut MachPort) -> KernReturn;

    /// -73: `mach_port_deallocate` without a message.
    pub fn syscall_mach_port_deallocate(task: MachPort, name: MachPort) -> KernReturn;

    /// -74: `mach_port_insert_right` without a message.
    pub fn syscall_mach_port_insert_right(
        task: MachPort,
        name: MachPort,
        right: MachPort,
        right_type: u32,
    ) -> KernReturn;

    /// -75: `mach_port_allocate_name` without a message.
    pub fn syscall_mach_port_allocate_name(task: MachPort, right: u32, name: MachPort) -> KernReturn;

    /// -76: `thread_depress_abort` without a message.
    pub fn syscall_thread_depress_abort(thread: MachPort) -> KernReturn;

    /// -77: sets the calling thread's own state (`flavor`, `count` words at `state`).
    pub fn thread_set_self_state(flavor: i32, state: *const u32, count: u32) -> KernReturn;
}

/// Prints `s` with `mach_print` (the trap wants a NUL-terminated string).
///
/// `s` is copied in chunks of at most 255 bytes; a NUL inside `s` is printed as `?`.
pub fn print_str(s: &str) {
    let mut buf = [0u8; 256];
    for chunk in s.as_bytes().chunks(buf.len() - 1) {
        for (d, &c) in buf.iter_mut().zip(chunk) {
            *d = if c == 0 { b'?' } else { c };
        }
        buf[chunk.len()] = 0;
        // SAFETY: `buf` holds a NUL-terminated string; the kernel only reads it.
        unsafe { mach_print(buf.as_ptr()) };
    }
}

/// Terminates the calling task; never returns. If the kernel refuses, yields
/// forever.
pub fn exit() -> ! {
    // SAFETY: terminating ourselves touches no Rust state that outlives the call.
    unsafe {
        let me = mach_task_self();
        syscall_task_terminate(me);
        loop {
            swtch();
        }
    }
}
