//! `mach_msg_trap`: send, receive, or both, on the user's one buffer, with
//! GNU Mach's options and return codes.

use mach_ipc::consts::{bits::*, msg::*, port::*, ty::MACH_MSG_TYPE_MAKE_SEND_ONCE};
use mach_ipc::{RecvError, WaitObj};

use super::{current_space, wait_event, with_ipc, UserMem};
use crate::i386::{clock, uaccess};
use crate::kern::sched_prim::{self as sched, WaitResult};

/// `MACH_RCV_INTERRUPT`: return `MACH_RCV_INTERRUPTED` when the wait is interrupted.
const MACH_RCV_INTERRUPT: u32 = 0x400;

/// `MACH_SEND_INTERRUPT`: return `MACH_SEND_INTERRUPTED` when the wait is interrupted.
const MACH_SEND_INTERRUPT: u32 = 0x40;

/// Largest message the kernel copies in (inline data); larger sends get
/// `MACH_SEND_NO_BUFFER`. Out-of-line data is not counted.
pub const MAX_INLINE: u32 = 1 << 20;

fn ms_to_ticks(ms: u32) -> u64 {
    u64::from(ms).div_ceil(u64::from(1000 / clock::HZ)).max(1)
}

/// The trap: `msg` is the user buffer, sizes in bytes, `timeout` in ms.
pub fn trap(msg: u32, option: u32, send_size: u32, rcv_size: u32, rcv_name: u32, timeout: u32, notify: u32) -> u32 {
    let Some(space) = current_space() else { return MACH_SEND_INVALID_DEST };
    if option & MACH_SEND_MSG != 0 {
        let r = send(space, msg, option, send_size, timeout, notify);
        if r != MACH_MSG_SUCCESS {
            return r;
        }
    }
    if option & MACH_RCV_MSG != 0 {
        return receive(space, msg, option, rcv_size, rcv_name, timeout);
    }
    MACH_MSG_SUCCESS
}

fn send(space: mach_ipc::SpaceId, msg: u32, option: u32, send_size: u32, timeout: u32, notify: u32) -> u32 {
    if send_size < 24 || send_size % 4 != 0 {
        return MACH_SEND_MSG_TOO_SMALL;
    }
    if send_size > MAX_INLINE {
        return MACH_SEND_NO_BUFFER;
    }
    let Some(mut buf) = crate::vm::kalloc::try_zeroed(send_size as usize) else { return MACH_SEND_NO_BUFFER };
    if uaccess::copyin(msg, &mut buf).is_err() {
        return MACH_SEND_INVALID_DATA;
    }
    let cancel = if option & MACH_SEND_CANCEL != 0 { notify } else { MACH_PORT_NULL };
    prefault_ool(&buf);
    let mut mem = UserMem { receiver: None };
    let mut kmsg = match with_ipc(|ipc| ipc.copyin_msg(space, &buf, &mut mem, cancel)) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let deadline = (option & MACH_SEND_TIMEOUT != 0).then(|| clock::ticks() + ms_to_ticks(timeout));
    let dest_name = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
    loop {
        let dest = kmsg.remote_port();
        if option & MACH_SEND_NOTIFY != 0 {
            // A full queue takes the message anyway and the sender hears when
            // there is room again (msg-accepted), instead of blocking.
            let r = with_ipc(|ipc| match ipc.send(kmsg, option) {
                Ok(()) => Ok(MACH_MSG_SUCCESS),
                Err(k) => match ipc.copyin_right(space, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE) {
                    Ok(right) => {
                        let _ = ipc.send(k, option | MACH_SEND_ALWAYS);
                        Ok(super::defer_msg_accepted(dest.expect("has a destination"), right, dest_name))
                    }
                    Err(_) => Err(k),
                },
            });
            match r {
                Ok(code) => return code,
                Err(k) => {
                    let mut mem = UserMem { receiver: None };
                    let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, k, &mut mem));
                    let _ = uaccess::copyout(&bytes, msg);
                    return MACH_SEND_INVALID_NOTIFY;
                }
            }
        }
        let full = with_ipc(|ipc| match ipc.send(kmsg, option) {
            Ok(()) => None,
            Err(k) => {
                // Assert the wait under the lock, so a wake-up cannot slip in
                // between the full queue and the block.
                let ev = wait_event(WaitObj::Port(dest.expect("has a destination")), true);
                let left = deadline.map(|d| d.saturating_sub(clock::ticks()));
                if left != Some(0) {
                    sched::assert_wait(ev, left);
                }
                Some(k)
            }
        });
        let Some(k) = full else { return MACH_MSG_SUCCESS };
        kmsg = k;
        if deadline.is_some_and(|d| clock::ticks() >= d) {
            let mut mem = UserMem { receiver: None };
            let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, kmsg, &mut mem));
            let _ = uaccess::copyout(&bytes, msg);
            return MACH_SEND_TIMED_OUT;
        }
        match sched::thread_block() {
            WaitResult::Interrupted if option & MACH_SEND_INTERRUPT != 0 || sched::halt_pending() => {
                let mut mem = UserMem { receiver: None };
                let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, kmsg, &mut mem));
                let _ = uaccess::copyout(&bytes, msg);
                return MACH_SEND_INTERRUPTED;
            }
            _ => continue,
        }
    }
}

fn receive(space: mach_ipc::SpaceId, msg: u32, option: u32, rcv_size: u32, rcv_name: u32, timeout: u32) -> u32 {
    let deadline = (option & MACH_RCV_TIMEOUT != 0).then(|| clock::ticks() + if timeout == 0 { 0 } else { ms_to_ticks(timeout) });
    loop {
        let got = with_ipc(|ipc| {
            let r = ipc.receive(space, rcv_name, option, rcv_size);
            if let Err(RecvError::WouldBlock(obj)) = &r {
                let left = deadline.map(|d| d.saturating_sub(clock::ticks()));
                if left != Some(0) {
                    sched::assert_wait(wait_event(*obj, false), left);
                }
            }
            r
        });
        match got {
            Ok(kmsg) => {
                let mut mem = UserMem { receiver: None };
                let (bytes, code) = with_ipc(|ipc| ipc.copyout_msg(space, kmsg, &mut mem));
                if uaccess::copyout(&bytes, msg).is_err() {
                    return MACH_RCV_INVALID_DATA;
                }
                return code;
            }
            Err(RecvError::Code(c)) => return c,
            Err(RecvError::TooLarge { size, header }) => {
                match header {
                    Some(h) => {
                        let _ = uaccess::copyout(&h, msg);
                    }
                    None => {
                        let _ = uaccess::copyout(&size.to_le_bytes(), msg + 4);
                    }
                }
                return MACH_RCV_TOO_LARGE;
            }
            Err(RecvError::WouldBlock(_)) => {
                if deadline.is_some_and(|d| clock::ticks() >= d) {
                    return MACH_RCV_TIMED_OUT;
                }
                match sched::thread_block() {
                    WaitResult::TimedOut => return MACH_RCV_TIMED_OUT,
                    WaitResult::Interrupted if option & MACH_RCV_INTERRUPT != 0 || sched::halt_pending() => {
                        return MACH_RCV_INTERRUPTED
                    }
                    _ => continue,
                }
            }
        }
    }
}

/// Brings in the memory-object pages of the message's out-of-line regions
/// before the IPC lock is taken for the copy: they may need their pager, and
/// a fault under that lock cannot wait for one. (Errors are left for the
/// copy itself to report.)
fn prefault_ool(msg: &[u8]) {
    // Only complex messages carry out-of-line regions.
    if u32::from_le_bytes([msg[0], msg[1], msg[2], msg[3]]) & 0x8000_0000 == 0 {
        return;
    }
    let Ok(items) = mach_ipc::parse_body(&msg[24..]) else { return };
    let Some(t) = crate::kern::task::current() else { return };
    for it in items.iter().filter(|i| !i.inline && i.length > 0) {
        let off = 24 + it.data_offset as usize;
        let Some(a) = msg.get(off..off + 4) else { continue };
        let addr = u32::from_le_bytes([a[0], a[1], a[2], a[3]]);
        let missing = crate::kern::task::with_task(t, |tk| tk.map.unmapped_object_pages(addr, it.length)).unwrap_or_default();
        for va in missing {
            let _ = crate::kern::task::vm_fault(va, false, true);
        }
    }
}
