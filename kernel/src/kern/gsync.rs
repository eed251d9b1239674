//! `gsync_wait`, `gsync_wake` and `gsync_requeue` (gnumach.defs): the
//! address-keyed waits glibc's locks and condition variables use on the
//! Hurd.
//!
//! A waiter is keyed by its task and address, or, with `GSYNC_SHARED` on
//! memory shared through a memory object, by the object and offset, so that
//! tasks sharing the memory meet on the same key. Waiters queue in arrival
//! order. The kernel checks the expected value and queues the waiter under
//! one lock, which `gsync_wake` takes too, so a wake-up that follows a change
//! of the value is never missed.
//!
//! As in GNU Mach the calling thread sleeps in the RPC (each kernel request
//! is served by the thread that sent it): `KERN_SUCCESS` when woken,
//! `KERN_TIMEDOUT` when a `GSYNC_TIMED` wait runs out, `KERN_INTERRUPTED`
//! when `thread_abort` (or the end of its task) interrupts it.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use kerncore::kern_return::*;
use kerncore::vm_entries::{VM_PROT_READ, VM_PROT_WRITE};
use spin::Mutex;

use crate::i386::cpu;
use crate::kern::sched_prim::{self as sched, ThreadId, WaitResult};
use crate::kern::task::{self, TaskId};

/// The address may be shared among tasks.
pub const GSYNC_SHARED: u32 = 0x01;
/// Also compare the next 32-bit word with the second value.
pub const GSYNC_QUAD: u32 = 0x02;
/// Wait at most the given milliseconds.
pub const GSYNC_TIMED: u32 = 0x04;
/// Wake (or move) every waiter, not just one.
pub const GSYNC_BROADCAST: u32 = 0x08;
/// Store the value before waking.
pub const GSYNC_MUTATE: u32 = 0x10;
/// GNU Mach's return codes for a wait that did not end with a wake.
pub const KERN_TIMEDOUT: i32 = 27;
pub const KERN_INTERRUPTED: i32 = 28;

/// What waiters meet on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A task's own address.
    Local(TaskId, u32),
    /// A memory object and an offset in it.
    Object(u32, u32),
}

struct Waiter {
    key: Key,
    thread: ThreadId,
}

static WAITERS: Mutex<VecDeque<Waiter>> = Mutex::new(VecDeque::new());

/// The word a waiting thread sleeps on (its own).
fn event(th: ThreadId) -> usize {
    // The thread's slot is unique among live threads (ids grow past 2^22).
    0xFD00_0000usize - crate::kern::sched_prim::thread_slot(th) * 4 | 3
}

/// The key of `addr` in `task` for `flags`, checking that the word (two
/// with `GSYNC_QUAD`) is mapped with `prot`.
fn key_of(map: &crate::vm::vm_map::VmMap, task: TaskId, addr: u32, flags: u32, prot: u32) -> Result<Key, i32> {
    let len = if flags & GSYNC_QUAD != 0 { 8 } else { 4 };
    let last = addr.checked_add(len - 1).ok_or(KERN_INVALID_ADDRESS)?;
    for a in [addr, last] {
        let e = map.region(a).filter(|e| e.start <= a).ok_or(KERN_INVALID_ADDRESS)?;
        if e.attrs.prot & prot != prot {
            return Err(KERN_INVALID_ADDRESS);
        }
    }
    let e = map.region(addr).filter(|e| e.start <= addr).ok_or(KERN_INVALID_ADDRESS)?;
    if flags & GSYNC_SHARED != 0 && e.attrs.object != 0 && !e.attrs.copy {
        Ok(Key::Object(e.attrs.object, e.attrs.offset(addr)))
    } else {
        Ok(Key::Local(task, addr))
    }
}

/// Reads the word(s) at `addr` without waiting: `KERN_FAULT_RETRY` when a
/// page must come back first.
fn peek(map: &mut crate::vm::vm_map::VmMap, addr: u32, flags: u32) -> Result<(u32, u32), i32> {
    let len = if flags & GSYNC_QUAD != 0 { 8 } else { 4 };
    let b = map.read_kernel(addr, len)?;
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    Ok((w(0), if len == 8 { w(4) } else { 0 }))
}

/// Runs `f` on `task`'s map with WAITERS held (interrupts off), after making
/// the words at `addr` resident; `f` must not wait.
fn locked<R>(task: TaskId, addr: u32, flags: u32, mut f: impl FnMut(&mut crate::vm::vm_map::VmMap, &mut VecDeque<Waiter>) -> Result<R, i32>) -> Result<R, i32> {
    for _ in 0..8 {
        // Bring the page in (this may wait for a pager), then look again
        // under the lock, where nothing may wait.
        task::with_map(task, |m| peek(m, addr, flags))?;
        let r = cpu::without_interrupts(|| {
            let mut q = WAITERS.lock();
            task::with_task(task, |tk| f(&mut tk.map, &mut q)).unwrap_or(Err(KERN_INVALID_TASK))
        });
        match r {
            Err(kerncore::vm_map::KERN_FAULT_RETRY) => continue,
            r => return r,
        }
    }
    Err(KERN_MEMORY_FAILURE)
}

/// `gsync_wait` by the running thread: if the word(s) at `addr` hold `val1`
/// (and `val2`), sleeps until a wake (or `msec` with `GSYNC_TIMED`).
///
/// # Errors
/// `KERN_INVALID_ADDRESS` for an unaligned or unreadable address,
/// `KERN_INVALID_ARGUMENT` when the value differs, `KERN_TIMEDOUT`,
/// `KERN_INTERRUPTED`.
pub fn wait(task: TaskId, addr: u32, val1: u32, val2: u32, msec: u32, flags: u32) -> Result<(), i32> {
    if addr % 4 != 0 {
        return Err(KERN_INVALID_ADDRESS);
    }
    let timeout = (flags & GSYNC_TIMED != 0).then(|| u64::from(msec).div_ceil(1000 / u64::from(crate::i386::clock::HZ)).max(1));
    let me = sched::current();
    locked(task, addr, flags, |map, q| {
        let key = key_of(map, task, addr, flags, VM_PROT_READ)?;
        let (a, b) = peek(map, addr, flags)?;
        if a != val1 || (flags & GSYNC_QUAD != 0 && b != val2) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        q.push_back(Waiter { key, thread: me });
        // Asserted under the lock the wake takes: no wake-up slips between.
        sched::assert_wait(event(me), timeout);
        Ok(())
    })?;
    match sched::thread_block() {
        WaitResult::Awakened => Ok(()),
        other => {
            // Still queued unless a wake took us just now.
            cpu::without_interrupts(|| WAITERS.lock().retain(|w| w.thread != me));
            Err(if other == WaitResult::TimedOut { KERN_TIMEDOUT } else { KERN_INTERRUPTED })
        }
    }
}

/// Wakes each of `ws` still waiting; returns how many were.
fn answer(ws: Vec<Waiter>) -> usize {
    ws.iter().filter(|w| sched::wake_thread(w.thread, event(w.thread))).count()
}

/// Takes the first waiter on `key` (every one with `all`).
fn take(q: &mut VecDeque<Waiter>, key: Key, all: bool) -> Vec<Waiter> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < q.len() {
        if q[i].key == key {
            out.extend(q.remove(i));
            if !all {
                break;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// `gsync_wake`: with `GSYNC_MUTATE` stores `val` at `addr` first, then
/// wakes the first waiter on the address (all with `GSYNC_BROADCAST`).
///
/// # Errors
/// `KERN_INVALID_ADDRESS` (unaligned, unmapped, or not writable for
/// `GSYNC_MUTATE`); `KERN_INVALID_ARGUMENT` when nobody waited.
pub fn wake(task: TaskId, addr: u32, val: u32, flags: u32) -> Result<(), i32> {
    if addr % 4 != 0 {
        return Err(KERN_INVALID_ADDRESS);
    }
    let flags = flags & !GSYNC_QUAD;
    let all = flags & GSYNC_BROADCAST != 0;
    loop {
        let ws = locked(task, addr, flags, |map, q| {
            let prot = if flags & GSYNC_MUTATE != 0 { VM_PROT_READ | VM_PROT_WRITE } else { VM_PROT_READ };
            let key = key_of(map, task, addr, flags, prot)?;
            if flags & GSYNC_MUTATE != 0 {
                map.write_kernel(addr, &val.to_le_bytes())?;
            }
            Ok(take(q, key, all))
        })?;
        if ws.is_empty() {
            return Err(KERN_INVALID_ARGUMENT);
        }
        // A waiter whose wait ended meanwhile does not count: wake the next.
        if answer(ws) > 0 || all {
            return Ok(());
        }
    }
}

/// `gsync_requeue`: moves the first waiter on `src` to `dst` (every one
/// with `GSYNC_BROADCAST`; one more with `wake_one`, and then wakes the
/// first moved), as GNU Mach does.
///
/// # Errors
/// `KERN_INVALID_ADDRESS`; `KERN_INVALID_ARGUMENT` when nobody waited on `src`.
pub fn requeue(task: TaskId, src: u32, dst: u32, wake_one: bool, flags: u32) -> Result<(), i32> {
    if src % 4 != 0 || dst % 4 != 0 {
        return Err(KERN_INVALID_ADDRESS);
    }
    let flags = flags & !(GSYNC_QUAD | GSYNC_MUTATE);
    let dst_key = locked(task, dst, flags, |map, _| key_of(map, task, dst, flags, VM_PROT_READ))?;
    let woken = locked(task, src, flags, |map, q| {
        let src_key = key_of(map, task, src, flags, VM_PROT_READ)?;
        let mut left = if flags & GSYNC_BROADCAST != 0 { usize::MAX } else { 1 + usize::from(wake_one) };
        let mut first = None;
        for (i, w) in q.iter_mut().enumerate() {
            if left == 0 {
                break;
            }
            if w.key == src_key {
                w.key = dst_key;
                first.get_or_insert(i);
                left -= 1;
            }
        }
        let first = first.ok_or(KERN_INVALID_ARGUMENT)?;
        Ok(if wake_one { q.remove(first) } else { None })
    })?;
    if let Some(w) = woken {
        answer(alloc::vec![w]);
    }
    Ok(())
}

/// Drops the entries of threads that are gone. A waiting thread whose task
/// ends is interrupted and removes its own entry; this is the safety net
/// for one that never ran again.
pub fn forget_gone_threads() {
    cpu::without_interrupts(|| WAITERS.lock().retain(|w| sched::with_thread(w.thread, |_| ()).is_some()));
}

/// Waits queued right now (for tests and the leak check).
pub fn parked() -> usize {
    cpu::without_interrupts(|| WAITERS.lock().len())
}

// ---------------------------------------------------------------------------
// MIG routines on this object (decoded and dispatched by `ipc::server`).

pub(crate) use routines::*;

mod routines {
    use super::*;
    
    

    
    

    use crate::ipc::server::Ctx;
    
    use crate::kern::mig::gnumach;
    
    
    
    

    /// `gsync_wait`: the calling thread sleeps here (see `kern::gsync`).
    pub(crate) fn gsync_wait(ctx: &mut Ctx, req: gnumach::GsyncWaitRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::wait(t, req.addr, req.val1, req.val2, req.msec, req.flags)
    }

    pub(crate) fn gsync_wake(ctx: &mut Ctx, req: gnumach::GsyncWakeRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::wake(t, req.addr, req.val, req.flags)
    }

    pub(crate) fn gsync_requeue(ctx: &mut Ctx, req: gnumach::GsyncRequeueRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::requeue(t, req.src_addr, req.dst_addr, req.wake_one != 0, req.flags)
    }
}
