//! `mach_msg_trap`: send, receive, or both, on the user's one buffer, with
//! GNU Mach's options and return codes.

use alloc::vec::Vec;

use mach_ipc::consts::{bits::*, msg::*, port::*, ty::{MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE}};
use mach_ipc::{RecvError, WaitObj};

use super::{current_space, server, wait_event, with_ipc, UserMem};
use crate::i386::{clock, uaccess};
use crate::kern::sched_prim::{self as sched, WaitResult};

/// `MACH_RCV_INTERRUPT`: return `MACH_RCV_INTERRUPTED` when the wait is interrupted.
const MACH_RCV_INTERRUPT: u32 = 0x400;

/// `MACH_SEND_INTERRUPT`: return `MACH_SEND_INTERRUPTED` when the wait is interrupted.
const MACH_SEND_INTERRUPT: u32 = 0x40;

/// Largest message the kernel copies in (inline data); larger sends get
/// `MACH_SEND_NO_BUFFER`. Out-of-line data is not counted.
pub const MAX_INLINE: u32 = 1 << 20;

/// Messages up to this size are copied in through a buffer on the stack.
const SMALL_MSG: usize = 256;

fn ms_to_ticks(ms: u32) -> u64 {
    u64::from(ms).div_ceil(u64::from(1000 / clock::HZ)).max(1)
}

/// The trap: `msg` is the user buffer, sizes in bytes, `timeout` in ms.
///
/// A send followed by a receive hands the CPU straight to a receiver the
/// send wakes when this thread then blocks (see [`sched::handoff_begin`]).
pub fn trap(msg: u32, option: u32, send_size: u32, rcv_size: u32, rcv_name: u32, timeout: u32, notify: u32) -> u32 {
    let _window = HandoffWindow::open(option & (MACH_SEND_MSG | MACH_RCV_MSG) == MACH_SEND_MSG | MACH_RCV_MSG);
    let Some(space) = current_space() else { return MACH_SEND_INVALID_DEST };
    let mut receive_only = false;
    if option & MACH_SEND_MSG != 0 {
        if send_size < 24 || send_size % 4 != 0 {
            return MACH_SEND_MSG_TOO_SMALL;
        }
        if send_size > MAX_INLINE {
            return MACH_SEND_NO_BUFFER;
        }
        // Small messages are copied in on the stack, into a buffer nothing
        // clears first: no allocation, no memset.
        let mut small = [core::mem::MaybeUninit::<u8>::uninit(); SMALL_MSG];
        let mut large = Vec::new();
        let buf: &mut [u8] = if send_size as usize <= SMALL_MSG {
            match uaccess::copyin_uninit(msg, &mut small, send_size as usize) {
                Ok(b) => b,
                Err(_) => return MACH_SEND_INVALID_DATA,
            }
        } else {
            if large.try_reserve_exact(send_size as usize).is_err() {
                return MACH_SEND_NO_BUFFER;
            }
            large.resize(send_size as usize, 0);
            if uaccess::copyin(msg, &mut large).is_err() {
                return MACH_SEND_INVALID_DATA;
            }
            &mut large
        };
        let candidate = in_place_candidate(buf, option, rcv_name);
        match send(space, buf, msg, option, timeout, notify, candidate) {
            Sent::Code(MACH_MSG_SUCCESS) => {}
            Sent::Code(r) => return r,
            Sent::ToKernel(target, reply_port) => {
                let size = buf.len() as u32;
                buf[4..8].copy_from_slice(&size.to_le_bytes());
                match server::serve_in_place(target, buf, space, reply_port, rcv_name, msg, rcv_size) {
                    server::InPlace::Received(code) => return code,
                    server::InPlace::Queued => receive_only = true,
                }
            }
        }
    }
    if option & MACH_RCV_MSG != 0 || receive_only {
        return receive(space, msg, option, rcv_size, rcv_name, timeout);
    }
    MACH_MSG_SUCCESS
}

/// A [`sched::handoff_begin`] window, closed when the trap returns.
struct HandoffWindow(bool);

impl HandoffWindow {
    #[inline]
    fn open(send_then_receive: bool) -> HandoffWindow {
        if send_then_receive {
            sched::handoff_begin();
        }
        HandoffWindow(send_then_receive)
    }
}

impl Drop for HandoffWindow {
    #[inline]
    fn drop(&mut self) {
        if self.0 {
            sched::handoff_end();
        }
    }
}

/// Options a request served in place may carry (it never waits to send,
/// and a reply that cannot be delivered in place is received as usual).
const IN_PLACE_OPTIONS: u32 = MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT | MACH_SEND_INTERRUPT | MACH_RCV_INTERRUPT | MACH_RCV_LARGE;

/// What the send half did.
enum Sent {
    /// Queued (or refused): the `mach_msg` code so far.
    Code(u32),
    /// A request to serve in place: the kernel object and the reply port.
    ToKernel((u32, u64), mach_ipc::PortId),
}

/// The kernel RPC fast path's shape test: a simple request made the way MIG
/// makes RPCs (`COPY_SEND` to the object, `MAKE_SEND_ONCE` of the reply
/// port, received from that port in the same call); its destination and
/// reply names. Whether the destination is a kernel object is asked in the
/// send's critical section (see [`send`] and [`server::serve_in_place`]).
fn in_place_candidate(buf: &[u8], option: u32, rcv_name: u32) -> Option<(u32, u32)> {
    let word = |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
    let (bits, dest, reply) = (word(0), word(8), word(12));
    let shaped = option & MACH_RCV_MSG != 0
        && option & !IN_PLACE_OPTIONS == 0
        && bits & MACH_MSGH_BITS_COMPLEX == 0
        && bits & 0xFF == MACH_MSG_TYPE_COPY_SEND
        && (bits >> 8) & 0xFF == MACH_MSG_TYPE_MAKE_SEND_ONCE
        && reply == rcv_name
        && reply != MACH_PORT_NULL;
    shaped.then_some((dest, reply))
}

fn send(space: mach_ipc::SpaceId, buf: &[u8], msg: u32, option: u32, timeout: u32, notify: u32, candidate: Option<(u32, u32)>) -> Sent {
    match send_queued(space, buf, msg, option, timeout, notify, candidate) {
        Ok(code) => Sent::Code(code),
        Err(kernel) => kernel,
    }
}

/// The send: `Err` hands a request to a kernel object back for serving in
/// place, found in the same critical section that would have queued it.
fn send_queued(space: mach_ipc::SpaceId, buf: &[u8], msg: u32, option: u32, timeout: u32, notify: u32, candidate: Option<(u32, u32)>) -> Result<u32, Sent> {
    let cancel = if option & MACH_SEND_CANCEL != 0 { notify } else { MACH_PORT_NULL };
    prefault_ool(buf);
    let mut mem = UserMem { receiver: None };
    // Copied in and, usually, queued in one critical section.
    let first = with_ipc(|ipc| -> Result<Option<mach_ipc::KMsg>, Sent> {
        if let Some((dest, reply)) = candidate {
            if let Some((_, target, reply_port)) = ipc.rpc_fast_lookup(space, dest, reply) {
                if target.0 != super::KOBJ_KREPLY {
                    return Err(Sent::ToKernel(target, reply_port));
                }
            }
        }
        let k = ipc.copyin_msg(space, buf, &mut mem, cancel).map_err(Sent::Code)?;
        if option & MACH_SEND_NOTIFY != 0 {
            return Ok(Some(k));
        }
        Ok(ipc.send(k, option).err())
    });
    let mut kmsg = match first {
        Ok(Some(k)) => k,
        Ok(None) => return Ok(MACH_MSG_SUCCESS),
        Err(e) => return Err(e),
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
                Ok(code) => return Ok(code),
                Err(k) => {
                    let mut mem = UserMem { receiver: None };
                    let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, k, &mut mem));
                    let _ = uaccess::copyout(&bytes, msg);
                    return Ok(MACH_SEND_INVALID_NOTIFY);
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
        let Some(k) = full else { return Ok(MACH_MSG_SUCCESS) };
        kmsg = k;
        if deadline.is_some_and(|d| clock::ticks() >= d) {
            let mut mem = UserMem { receiver: None };
            let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, kmsg, &mut mem));
            let _ = uaccess::copyout(&bytes, msg);
            return Ok(MACH_SEND_TIMED_OUT);
        }
        match sched::thread_block() {
            WaitResult::Interrupted if option & MACH_SEND_INTERRUPT != 0 || sched::halt_pending() => {
                let mut mem = UserMem { receiver: None };
                let (bytes, _) = with_ipc(|ipc| ipc.copyout_pseudo(space, kmsg, &mut mem));
                let _ = uaccess::copyout(&bytes, msg);
                return Ok(MACH_SEND_INTERRUPTED);
            }
            _ => continue,
        }
    }
}

fn receive(space: mach_ipc::SpaceId, msg: u32, option: u32, rcv_size: u32, rcv_name: u32, timeout: u32) -> u32 {
    let deadline = (option & MACH_RCV_TIMEOUT != 0).then(|| clock::ticks() + if timeout == 0 { 0 } else { ms_to_ticks(timeout) });
    loop {
        // Taken off the queue and copied out (rights, memory) in one critical section.
        let mut mem = UserMem { receiver: None };
        let got = with_ipc(|ipc| {
            let r = ipc.receive(space, rcv_name, option, rcv_size);
            if let Err(RecvError::WouldBlock(obj)) = &r {
                let left = deadline.map(|d| d.saturating_sub(clock::ticks()));
                if left != Some(0) {
                    sched::assert_wait(wait_event(*obj, false), left);
                }
            }
            r.map(|kmsg| ipc.copyout_msg_parts(space, kmsg, &mut mem))
        });
        match got {
            Ok((header, kmsg, code)) => {
                if uaccess::copyout(&header, msg).is_err() || uaccess::copyout(&kmsg.body, msg + 24).is_err() {
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
