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
];

/// Outcome of a trap the table does not have.
pub enum Unknown {
    Number(i32),
    BadArguments,
}

/// Runs the trap the frame asks for; the result goes to `frame.eax`.
/// Returns the trap number when it is unknown (the caller raises the
/// invalid-instruction exception) or the arguments are unreadable.
pub fn entry(frame: &mut TrapFrame) -> Result<(), Unknown> {
    let number = frame.eax as i32;
    let Some(trap) = TRAPS.iter().find(|t| t.number == number) else {
        return Err(Unknown::Number(number));
    };
    let mut args = [0u32; 11];
    let mut bytes = [0u8; 44];
    let n = trap.args * 4;
    if n > 0 {
        uaccess::copyin(frame.user_esp.wrapping_add(4), &mut bytes[..n]).map_err(|_| Unknown::BadArguments)?;
        for (i, w) in bytes[..n].chunks_exact(4).enumerate() {
            args[i] = u32::from_le_bytes(w.try_into().unwrap());
        }
    }
    let _ = trap.name;
    frame.eax = (trap.handler)(&args);
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

/// `swtch_pri(pri)`: yields at the lowest priority; true if other threads could run.
fn swtch_pri(_: &[u32; 11]) -> u32 {
    u32::from(sched::depress_and_yield())
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
            sched::depress_and_yield();
        }
        SWITCH_OPTION_WAIT => {
            let ticks = u64::from(a[2]).div_ceil(1000 / u64::from(crate::i386::clock::HZ));
            sched::sleep_ticks(ticks.max(1));
        }
        _ => return KERN_INVALID_ARGUMENT as u32,
    }
    KERN_SUCCESS as u32
}

/// Ends the running task after a user fault it cannot survive (no exception
/// port support yet): reports it and terminates the task.
pub fn fatal_user_fault(what: core::fmt::Arguments, frame: &TrapFrame) -> ! {
    let t = task::current();
    crate::kprintln!("task {}: {} at eip {:#010x}; terminating the task", t.unwrap_or(0), what, frame.eip);
    match t {
        Some(t) => task::terminate(t),
        None => sched::terminate(sched::current()),
    }
    unreachable!("terminated task kept running")
}
