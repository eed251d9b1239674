//! The Mach trap table, as GNU Mach's on i386: `%eax` holds the negative trap
//! number, the arguments are the words at the user's `%esp + 4`, the result
//! goes back in `%eax`.

use kerncore::kern_return::*;

use super::sched_prim as sched;
use super::task;
use crate::i386::trap::TrapFrame;
use crate::i386::uaccess;

/// A trap: its number, argument count and handler.
struct Trap {
    number: i32,
    args: usize,
    name: &'static str,
    handler: fn(&[u32; 11]) -> u32,
}

const TRAPS: &[Trap] = &[
    Trap { number: -25, args: 7, name: "mach_msg_trap", handler: mach_msg_trap },
    Trap { number: -26, args: 0, name: "mach_reply_port", handler: mach_reply_port },
    Trap { number: -27, args: 0, name: "mach_thread_self", handler: mach_thread_self },
    Trap { number: -28, args: 0, name: "mach_task_self", handler: mach_task_self },
    Trap { number: -29, args: 0, name: "mach_host_self", handler: mach_host_self },
    Trap { number: -30, args: 1, name: "mach_print", handler: mach_print },
    Trap { number: -59, args: 1, name: "swtch_pri", handler: swtch_pri },
    Trap { number: -60, args: 0, name: "swtch", handler: swtch },
    Trap { number: -61, args: 3, name: "thread_switch", handler: thread_switch },
    Trap { number: -64, args: 11, name: "syscall_vm_map", handler: sys_vm_map },
    Trap { number: -65, args: 4, name: "syscall_vm_allocate", handler: sys_vm_allocate },
    Trap { number: -66, args: 3, name: "syscall_vm_deallocate", handler: sys_vm_deallocate },
    Trap { number: -68, args: 3, name: "syscall_task_create", handler: sys_task_create },
    Trap { number: -69, args: 1, name: "syscall_task_terminate", handler: sys_task_terminate },
    Trap { number: -70, args: 1, name: "syscall_task_suspend", handler: sys_task_suspend },
    Trap { number: -71, args: 3, name: "syscall_task_set_special_port", handler: sys_task_set_special_port },
    Trap { number: -72, args: 3, name: "syscall_mach_port_allocate", handler: sys_mach_port_allocate },
    Trap { number: -73, args: 2, name: "syscall_mach_port_deallocate", handler: sys_mach_port_deallocate },
    Trap { number: -74, args: 4, name: "syscall_mach_port_insert_right", handler: sys_mach_port_insert_right },
    Trap { number: -75, args: 3, name: "syscall_mach_port_allocate_name", handler: sys_mach_port_allocate_name },
    Trap { number: -76, args: 1, name: "syscall_thread_depress_abort", handler: sys_thread_depress_abort },
    Trap { number: -77, args: 3, name: "thread_set_self_state", handler: thread_set_self_state },
];

/// Result of `thread_set_self_state` that leaves the new state's `%eax` alone.
const KEEP_FRAME: u32 = 0xFFFF_FFFF;

// ---------------------------------------------------------------------------
// The syscall_* shortcuts: the same operations as the RPCs, without a message.

fn caller_space() -> Option<mach_ipc::SpaceId> {
    crate::ipc::current_space()
}

/// The task a name of the caller denotes, or `KERN_INVALID_TASK`... GNU Mach
/// answers `MACH_SEND_INVALID_DEST` for a name that is no task port.
fn target_task(name: u32) -> Result<task::TaskId, u32> {
    let space = caller_space().ok_or(KERN_INVALID_TASK as u32)?;
    crate::ipc::task_from_name(space, name).ok_or(mach_ipc::consts::msg::MACH_SEND_INVALID_DEST)
}

fn result(r: Result<(), i32>) -> u32 {
    match r {
        Ok(()) => KERN_SUCCESS as u32,
        Err(e) => e as u32,
    }
}

/// `syscall_vm_map(target, &address, size, mask, anywhere, memory_object, offset, copy, cur_prot, max_prot, inheritance)`:
/// as the `vm_map` RPC; the memory object is a send right of the caller's
/// (copied, as GNU Mach does). glibc tries this trap first (`maptime_map`
/// maps the `time` device this way).
fn sys_vm_map(a: &[u32; 11]) -> u32 {
    if a[5] != 0 {
        return sys_vm_map_object(a);
    }
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Ok(hint) = uaccess::read_u32(a[1]) else { return KERN_INVALID_ADDRESS as u32 };
    let (size, mask, anywhere) = (a[2], a[3], a[4] != 0);
    let r = task::with_task(t, |tk| -> Result<u32, i32> {
        let align = mask.wrapping_add(1).max(4096);
        let start = if anywhere && align > 4096 { hint.next_multiple_of(align) } else { hint };
        let at = tk.map.allocate(start, size, anywhere)?;
        if a[8] != kerncore::vm_entries::VM_PROT_DEFAULT || a[9] != kerncore::vm_entries::VM_PROT_ALL {
            tk.map.protect(at, size, true, a[9])?;
            tk.map.protect(at, size, false, a[8] & a[9])?;
        }
        tk.map.inherit(at, size, a[10])?;
        Ok(at)
    });
    match r {
        Some(Ok(at)) => match uaccess::copyout(&at.to_le_bytes(), a[1]) {
            Ok(()) => KERN_SUCCESS as u32,
            Err(_) => KERN_INVALID_ADDRESS as u32,
        },
        Some(Err(e)) => e as u32,
        None => KERN_INVALID_TASK as u32,
    }
}

/// `syscall_vm_map` of a memory object.
fn sys_vm_map_object(a: &[u32; 11]) -> u32 {
    use crate::vm::vm_object;
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(space) = caller_space() else { return KERN_INVALID_TASK as u32 };
    let Ok(hint) = uaccess::read_u32(a[1]) else { return KERN_INVALID_ADDRESS as u32 };
    let right = match crate::ipc::with_ipc(|ipc| ipc.copyin_right(space, a[5], mach_ipc::consts::ty::MACH_MSG_TYPE_COPY_SEND)) {
        Ok(r) => r,
        // GNU Mach: a name that is no send right is an invalid argument.
        Err(_) => return KERN_INVALID_ARGUMENT as u32,
    };
    let req = vm_object::MapRequest {
        address: hint,
        size: a[2],
        mask: a[3],
        anywhere: a[4] != 0,
        offset: a[6],
        copy: a[7] != 0,
        cur_protection: a[8],
        max_protection: a[9],
        inheritance: a[10],
    };
    match vm_object::map(t, right, &req) {
        Ok(at) => match uaccess::copyout(&at.to_le_bytes(), a[1]) {
            Ok(()) => KERN_SUCCESS as u32,
            Err(_) => KERN_INVALID_ADDRESS as u32,
        },
        Err(e) => e as u32,
    }
}

/// `syscall_vm_allocate(target, &address, size, anywhere)`.
fn sys_vm_allocate(a: &[u32; 11]) -> u32 {
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Ok(hint) = uaccess::read_u32(a[1]) else { return KERN_INVALID_ADDRESS as u32 };
    match task::with_task(t, |tk| tk.map.allocate(hint, a[2], a[3] != 0)) {
        Some(Ok(at)) => match uaccess::copyout(&at.to_le_bytes(), a[1]) {
            Ok(()) => KERN_SUCCESS as u32,
            Err(_) => KERN_INVALID_ADDRESS as u32,
        },
        Some(Err(e)) => e as u32,
        None => KERN_INVALID_TASK as u32,
    }
}

/// `syscall_vm_deallocate(target, address, size)`.
fn sys_vm_deallocate(a: &[u32; 11]) -> u32 {
    match target_task(a[0]) {
        Ok(t) => result(task::with_task(t, |tk| tk.map.deallocate(a[1], a[2])).unwrap_or(Err(KERN_INVALID_TASK))),
        Err(e) => e,
    }
}

/// `syscall_task_create(parent, inherit_memory, &child)`.
fn sys_task_create(a: &[u32; 11]) -> u32 {
    let parent = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(space) = caller_space() else { return KERN_INVALID_TASK as u32 };
    match task::create_child(parent, a[1] != 0) {
        Ok(child) => {
            let name = crate::ipc::give_send(space, crate::ipc::KernelPort::Task(child));
            if uaccess::copyout(&name.to_le_bytes(), a[2]).is_err() {
                task::terminate(child);
                return KERN_INVALID_ADDRESS as u32;
            }
            KERN_SUCCESS as u32
        }
        Err(e) => e as u32,
    }
}

/// `syscall_task_terminate(task)`.
fn sys_task_terminate(a: &[u32; 11]) -> u32 {
    match target_task(a[0]) {
        Ok(t) => {
            task::terminate(t);
            KERN_SUCCESS as u32
        }
        Err(e) => e,
    }
}

/// `syscall_task_suspend(task)`.
fn sys_task_suspend(a: &[u32; 11]) -> u32 {
    match target_task(a[0]) {
        Ok(t) => result(task::suspend(t)),
        Err(e) => e,
    }
}

/// `syscall_task_set_special_port(task, which, port)`.
fn sys_task_set_special_port(a: &[u32; 11]) -> u32 {
    match target_task(a[0]) {
        Ok(t) => crate::ipc::task_set_special_port_from(caller_space(), t, a[1], a[2]),
        Err(e) => e,
    }
}

/// `syscall_mach_port_allocate(task, right, &name)`.
fn sys_mach_port_allocate(a: &[u32; 11]) -> u32 {
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(space) = crate::ipc::space_of(t) else { return KERN_INVALID_TASK as u32 };
    match crate::ipc::with_ipc(|ipc| ipc.mach_port_allocate(space, a[1])) {
        Ok(name) => match uaccess::copyout(&name.to_le_bytes(), a[2]) {
            Ok(()) => KERN_SUCCESS as u32,
            Err(_) => {
                crate::ipc::with_ipc(|ipc| ipc.mach_port_destroy(space, name).ok());
                KERN_INVALID_ADDRESS as u32
            }
        },
        Err(e) => e,
    }
}

/// `syscall_mach_port_deallocate(task, name)`.
fn sys_mach_port_deallocate(a: &[u32; 11]) -> u32 {
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(space) = crate::ipc::space_of(t) else { return KERN_INVALID_TASK as u32 };
    match crate::ipc::with_ipc(|ipc| ipc.mach_port_deallocate(space, a[1])) {
        Ok(()) => KERN_SUCCESS as u32,
        Err(e) => e,
    }
}

/// `syscall_mach_port_insert_right(task, name, right, right_type)`: `right`
/// is a name in the caller's space, taken with disposition `right_type`.
fn sys_mach_port_insert_right(a: &[u32; 11]) -> u32 {
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let (Some(from), Some(to)) = (caller_space(), crate::ipc::space_of(t)) else { return KERN_INVALID_TASK as u32 };
    crate::ipc::with_ipc(|ipc| {
        let right = match ipc.copyin_right(from, a[2], a[3]) {
            Ok(r) => r,
            Err(e) => return e,
        };
        match ipc.mach_port_insert_right(to, a[1], right) {
            Ok(()) => KERN_SUCCESS as u32,
            Err(e) => e,
        }
    })
}

/// `syscall_mach_port_allocate_name(task, right, name)`.
fn sys_mach_port_allocate_name(a: &[u32; 11]) -> u32 {
    let t = match target_task(a[0]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(space) = crate::ipc::space_of(t) else { return KERN_INVALID_TASK as u32 };
    match crate::ipc::with_ipc(|ipc| ipc.mach_port_allocate_name(space, a[1], a[2])) {
        Ok(()) => KERN_SUCCESS as u32,
        Err(e) => e,
    }
}

/// `thread_set_self_state(flavor, state, count)`: the running thread takes
/// the given `i386_THREAD_STATE` at once (the trap returns into it).
fn thread_set_self_state(a: &[u32; 11]) -> u32 {
    if a[0] != 1 || a[2] < 17 {
        return KERN_INVALID_ARGUMENT as u32;
    }
    let mut bytes = [0u8; 68];
    if uaccess::copyin(a[1], &mut bytes).is_err() {
        return KERN_INVALID_ADDRESS as u32;
    }
    let mut w = [0u32; 17];
    for (i, c) in bytes.chunks_exact(4).enumerate() {
        w[i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    if task::set_thread_state(sched::current(), &w, false) { KEEP_FRAME } else { KERN_INVALID_ARGUMENT as u32 }
}

/// `syscall_thread_depress_abort(thread)`: ends a priority depression.
fn sys_thread_depress_abort(_a: &[u32; 11]) -> u32 {
    KERN_SUCCESS as u32
}

/// Size of GNU Mach's trap table: numbers 0 to -(TABLE_SIZE - 1) are in it.
const TABLE_SIZE: i32 = 130;

/// The answer of a slot of GNU Mach's table that this kernel does not
/// serve, or `None` past the table (the invalid-instruction exception). As
/// GNU Mach: slots -10..-13, -55 and -56 answer `MACH_PORT_NULL` (its
/// `null_port`), every other empty slot `KERN_INVALID_ARGUMENT` (its
/// `kern_invalid`), including ones GNU Mach fills with routines this
/// kernel lacks (the eventcount waits -17/-18, the device request traps
/// -39/-40).
fn hole(number: i32) -> Option<u32> {
    if !(-(TABLE_SIZE - 1)..=0).contains(&number) {
        return None;
    }
    match -number {
        10..=13 | 55 | 56 => Some(mach_ipc::consts::port::MACH_PORT_NULL),
        _ => Some(KERN_INVALID_ARGUMENT as u32),
    }
}

/// Outcome of a trap the table does not have.
pub enum Unknown {
    Number(i32),
    BadArguments,
}

/// Runs the trap the frame asks for; the result goes to `frame.eax`.
/// Returns the trap number when it is past GNU Mach's table (the caller
/// raises the invalid-instruction exception) or the arguments are
/// unreadable.
pub fn entry(frame: &mut TrapFrame) -> Result<(), Unknown> {
    let number = frame.eax as i32;
    let Some(trap) = TRAPS.iter().find(|t| t.number == number) else {
        frame.eax = hole(number).ok_or(Unknown::Number(number))?;
        return Ok(());
    };
    let mut args = [0u32; 11];
    let n = trap.args * 4;
    if n > 0 {
        // Straight into the argument words (little-endian, as the user's stack).
        // SAFETY: `args` is 44 bytes of plain words, `n` at most 44, and any
        // byte pattern is a valid u32.
        let bytes = unsafe { core::slice::from_raw_parts_mut(args.as_mut_ptr().cast::<u8>(), n) };
        uaccess::copyin(frame.user_esp.wrapping_add(4), bytes).map_err(|_| Unknown::BadArguments)?;
    }
    let _ = trap.name;
    let r = (trap.handler)(&args);
    if r != KEEP_FRAME {
        frame.eax = r;
    }
    Ok(())
}

fn mach_msg_trap(a: &[u32; 11]) -> u32 {
    crate::ipc::mach_msg::trap(a[0], a[1], a[2], a[3], a[4], a[5], a[6])
}

/// `mach_reply_port()`: a new receive right in the caller's space.
fn mach_reply_port(_: &[u32; 11]) -> u32 {
    let Some(space) = crate::ipc::current_space() else { return 0 };
    crate::ipc::with_ipc(|ipc| ipc.mach_port_allocate(space, mach_ipc::consts::port::MACH_PORT_RIGHT_RECEIVE).unwrap_or(0))
}

fn give_self(which: impl FnOnce() -> Option<crate::ipc::KernelPort>) -> u32 {
    match (crate::ipc::current_space(), which()) {
        (Some(space), Some(w)) => crate::ipc::give_send(space, w),
        _ => 0,
    }
}

/// `mach_task_self()`: a send right (one more user reference) to the task's port.
fn mach_task_self(_: &[u32; 11]) -> u32 {
    give_self(|| task::current().map(crate::ipc::KernelPort::Task))
}

/// `mach_thread_self()`: a send right to the thread's port.
fn mach_thread_self(_: &[u32; 11]) -> u32 {
    give_self(|| Some(crate::ipc::KernelPort::Thread(sched::current())))
}

/// `mach_host_self()`: a send right to the host port.
fn mach_host_self(_: &[u32; 11]) -> u32 {
    give_self(|| Some(crate::ipc::KernelPort::Host))
}

/// `mach_print(const char *s)`: a debugging aid printing a user string.
fn mach_print(a: &[u32; 11]) -> u32 {
    let mut buf = [0u8; 1024];
    match uaccess::copyin_str(a[0], &mut buf) {
        Ok(n) => {
            crate::kern::log::write_bytes(&buf[..n]);
            KERN_SUCCESS as u32
        }
        Err(_) => KERN_INVALID_ADDRESS as u32,
    }
}

/// `swtch()`: yields; true if other threads could run.
fn swtch(_: &[u32; 11]) -> u32 {
    u32::from(sched::yield_now())
}

/// `swtch_pri(pri)`: yields at the lowest priority (for at most a quantum,
/// as GNU Mach); true if other threads could run.
fn swtch_pri(_: &[u32; 11]) -> u32 {
    u32::from(sched::depress_and_yield(u64::from(sched::QUANTUM_TICKS)))
}

const SWITCH_OPTION_NONE: u32 = 0;
const SWITCH_OPTION_DEPRESS: u32 = 1;
const SWITCH_OPTION_WAIT: u32 = 2;

/// `thread_switch(thread, option, time_ms)`: yields, depressed or waiting for `time` ms.
fn thread_switch(a: &[u32; 11]) -> u32 {
    match a[1] {
        SWITCH_OPTION_NONE => {
            sched::yield_now();
        }
        SWITCH_OPTION_DEPRESS => {
            sched::depress_and_yield(u64::from(a[2]).div_ceil(1000 / u64::from(crate::i386::clock::HZ)));
        }
        SWITCH_OPTION_WAIT => {
            let ticks = u64::from(a[2]).div_ceil(1000 / u64::from(crate::i386::clock::HZ));
            sched::sleep_ticks(ticks.max(1));
        }
        _ => return KERN_INVALID_ARGUMENT as u32,
    }
    KERN_SUCCESS as u32
}

/// Ends the running task after a user fault it cannot survive (no
/// exception handler took it): reports it and terminates the task. When
/// another thread is ending the task already, `task::terminate` returns and
/// this thread stops here, at a safe point (it holds nothing), for that
/// thread to find it stopped.
pub fn fatal_user_fault(what: core::fmt::Arguments, frame: &TrapFrame) -> ! {
    let t = task::current();
    crate::kprintln!("task {}: {} at eip {:#010x}; terminating the task", t.unwrap_or(0), what, frame.eip);
    if let Some(t) = t {
        task::terminate(t);
    }
    sched::thread_exit_current()
}
