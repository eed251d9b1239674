//! The MIG routines whose target is a thread (GNU Mach's `kern/thread.c`):
//! suspend/resume/abort/terminate, state, info, special ports, priorities,
//! policy and assignment. The thread records themselves live in
//! `sched_prim`; `ipc::server` decodes the request and calls these. Also
//! thread names (`thread_set_name`) and `thread_info` with the 64-bit
//! times of GNU Mach's 2026 `thread_info.h`.
//!
//! # Locking
//! `NAMES` is taken with interrupts off, never across a scheduler call.

use alloc::vec;
use alloc::vec::Vec;

use mach_ipc::Right;

use alloc::collections::BTreeMap;

use spin::Mutex;

use crate::i386::cpu;
use crate::ipc::server::{fill, After, Ctx};
use crate::ipc::{with_ipc, KernelPort};
use crate::kern::mig::{gnumach, mach, mach_host};
use crate::kern::sched_prim::{self as sched, ThreadId};
use crate::kern::task::{self};
use kerncore::kern_return::*;

/// `thread_info` flavours (mach/thread_info.h).
pub const THREAD_BASIC_INFO: u32 = 1;
/// Scheduling parameters.
pub const THREAD_SCHED_INFO: u32 = 2;

pub(crate) fn thread_create(ctx: &mut Ctx, _: mach::ThreadCreateRequest) -> Result<mach::ThreadCreateReply, i32> {
    let t = ctx.task()?;
    let th = task::create_user_thread(t, 0, 0, false)?;
    Ok(mach::ThreadCreateReply { child_thread: ctx.give_send(KernelPort::Thread(th)) })
}

pub(crate) fn thread_get_special_port(ctx: &mut Ctx, req: mach::ThreadGetSpecialPortRequest) -> Result<mach::ThreadGetSpecialPortReply, i32> {
    let th = ctx.thread()?;
    let right = match req.which_port {
        crate::ipc::THREAD_KERNEL_PORT => crate::ipc::make_send(KernelPort::Thread(th)).unwrap_or(Right::null()),
        crate::ipc::THREAD_EXCEPTION_PORT => crate::ipc::thread_exception_port(th),
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    Ok(mach::ThreadGetSpecialPortReply { special_port: ctx.give(right) })
}

pub(crate) fn thread_set_special_port(ctx: &mut Ctx, req: mach::ThreadSetSpecialPortRequest) -> Result<(), i32> {
    let th = ctx.thread()?;
    if req.which_port != crate::ipc::THREAD_EXCEPTION_PORT {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let right = ctx.take(req.special_port)?;
    crate::ipc::set_thread_exception_port(th, if right.is_null() { None } else { Some(right) });
    Ok(())
}

pub(crate) fn thread_resume(ctx: &mut Ctx, _: mach::ThreadResumeRequest) -> Result<(), i32> {
    if sched::resume(ctx.thread()?) { Ok(()) } else { Err(KERN_FAILURE) }
}

pub(crate) fn thread_suspend(ctx: &mut Ctx, _: mach::ThreadSuspendRequest) -> Result<(), i32> {
    if sched::suspend(ctx.thread()?) { Ok(()) } else { Err(KERN_INVALID_ARGUMENT) }
}

pub(crate) fn thread_terminate(ctx: &mut Ctx, _: mach::ThreadTerminateRequest) -> Result<(), i32> {
    ctx.terminate_after = Some(After::Thread(ctx.thread()?));
    Ok(())
}

pub(crate) fn thread_abort(ctx: &mut Ctx, _: mach::ThreadAbortRequest) -> Result<(), i32> {
    sched::clear_wait(ctx.thread()?, sched::WaitResult::Interrupted);
    Ok(())
}

/// The flavours of GNU Mach on i386 (`i386::pcb::get_status`); never
/// on the calling thread itself (`KERN_INVALID_ARGUMENT`, as GNU Mach).
pub(crate) fn thread_get_state(ctx: &mut Ctx, req: mach::ThreadGetStateRequest) -> Result<mach::ThreadGetStateReply, i32> {
    let th = ctx.thread()?;
    if th == sched::current() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let words = crate::i386::pcb::get_status(th, req.flavor, req.old_state_cnt)?;
    let mut r = mach::ThreadGetStateReply { old_state: [0; 1024], old_state_cnt: 0 };
    fill(&mut r.old_state, &mut r.old_state_cnt, req.old_state_cnt, &words)?;
    Ok(r)
}

/// As `thread_get_state` (`i386::pcb::set_status`).
pub(crate) fn thread_set_state(ctx: &mut Ctx, req: mach::ThreadSetStateRequest<'_>) -> Result<(), i32> {
    let th = ctx.thread()?;
    if th == sched::current() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let w: Vec<u32> = req.new_state.iter().collect();
    crate::i386::pcb::set_status(th, req.flavor, &w)
}

pub(crate) fn thread_info(ctx: &mut Ctx, req: mach::ThreadInfoRequest) -> Result<mach::ThreadInfoReply, i32> {
    let words = info(ctx.thread()?, req.flavor, req.thread_info_out_cnt)?;
    let mut r = mach::ThreadInfoReply { thread_info_out: [0; 1024], thread_info_out_cnt: 0 };
    fill(&mut r.thread_info_out, &mut r.thread_info_out_cnt, req.thread_info_out_cnt, &words)?;
    Ok(r)
}

/// `thread_wire`: a wired thread may take pages from the reserve kept
/// for paging (what a default pager's threads need).
pub(crate) fn thread_wire(ctx: &mut Ctx, req: mach_host::ThreadWireRequest) -> Result<(), i32> {
    ctx.host_priv()?;
    let Some((crate::ipc::KOBJ_THREAD, th)) = ctx.kobject_of_handle(req.thread) else { return Err(KERN_INVALID_ARGUMENT) };
    sched::with_thread(th as ThreadId, |t| t.vm_privileged = req.wired != 0).ok_or(KERN_INVALID_ARGUMENT)
}

/// `thread_priority`: a new base priority, not above the thread's
/// maximum (`KERN_FAILURE`); with `set_max` the maximum becomes it too.
pub(crate) fn thread_priority(ctx: &mut Ctx, req: mach_host::ThreadPriorityRequest) -> Result<(), i32> {
    let th = ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    set_thread_priority(th, req.priority, req.set_max != 0)
}

/// `thread_max_priority`: the thread's maximum, given its processor
/// set's control port; a base priority above it comes down to it.
pub(crate) fn thread_max_priority(ctx: &mut Ctx, req: mach_host::ThreadMaxPriorityRequest) -> Result<(), i32> {
    let th = ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    if !matches!(ctx.kobject_of_handle(req.processor_set), Some((crate::ipc::KOBJ_PSET, _))) || !sched::valid_pri(req.max_priority) {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let (base, _) = sched::priorities(th).ok_or(KERN_INVALID_ARGUMENT)?;
    let max = req.max_priority as u8;
    sched::set_priorities(th, (max > base).then_some(max), Some(max)).ok_or(KERN_INVALID_ARGUMENT)
}

/// With one processor set, every thread and task is assigned to it.
pub(crate) fn thread_assign(ctx: &mut Ctx, req: mach_host::ThreadAssignRequest) -> Result<(), i32> {
    ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    match ctx.kobject_of_handle(req.new_set) {
        Some((crate::ipc::KOBJ_PSET, _)) => Ok(()),
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}

pub(crate) fn thread_assign_default(ctx: &mut Ctx, _: mach_host::ThreadAssignDefaultRequest) -> Result<(), i32> {
    ctx.thread().map(|_| ()).map_err(|_| KERN_INVALID_ARGUMENT)
}

pub(crate) fn thread_get_assignment(ctx: &mut Ctx, _: mach_host::ThreadGetAssignmentRequest) -> Result<mach_host::ThreadGetAssignmentReply, i32> {
    ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    Ok(mach_host::ThreadGetAssignmentReply { assigned_set: ctx.give_send(KernelPort::PsetName) })
}

/// `thread_policy`: timesharing, or fixed priority with a quantum of
/// `data` milliseconds, if the processor set allows the policy
/// (`KERN_FAILURE` otherwise).
pub(crate) fn thread_policy(ctx: &mut Ctx, req: mach_host::ThreadPolicyRequest) -> Result<(), i32> {
    let th = ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    let policy = match req.policy {
        sched::POLICY_TIMESHARE => sched::Policy::Timeshare,
        sched::POLICY_FIXEDPRI => {
            // Milliseconds to ticks, rounded up (GNU Mach's sched_data).
            let ms_per_tick = 1000 / crate::i386::clock::HZ;
            sched::Policy::FixedPri { quantum: (req.data as u32).div_ceil(ms_per_tick).max(1) }
        }
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    if sched::PSET_POLICIES.load(core::sync::atomic::Ordering::Relaxed) & req.policy == 0 {
        return Err(KERN_FAILURE);
    }
    sched::set_policy(th, policy).ok_or(KERN_INVALID_ARGUMENT)
}

pub(crate) fn thread_depress_abort(ctx: &mut Ctx, _: mach_host::ThreadDepressAbortRequest) -> Result<(), i32> {
    sched::depress_abort(ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?).ok_or(KERN_INVALID_ARGUMENT)
}

/// `thread_terminate_release`: what glibc's thread exit asks in one go:
/// the thread's name and reply port go from `task`'s space, its stack
/// from `task`'s map, and the thread ends (after the request is cleaned
/// up, as the caller is usually the thread itself).
pub(crate) fn thread_terminate_release(ctx: &mut Ctx, req: gnumach::ThreadTerminateReleaseRequest) -> Result<(), i32> {
    let th = ctx.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
    let t = ctx.task_of_handle(req.task)?;
    let space = crate::ipc::space_of(t).ok_or(KERN_INVALID_ARGUMENT)?;
    // As GNU Mach, what cannot be released is passed over.
    let _ = with_ipc(|ipc| ipc.mach_port_deallocate(space, req.thread_name));
    if req.reply_port != 0 {
        let _ = with_ipc(|ipc| ipc.mach_port_destroy(space, req.reply_port));
    }
    if req.address != 0 || req.size != 0 {
        let _ = task::with_task(t, |tk| tk.map.deallocate(req.address, req.size));
    }
    ctx.terminate_after = Some(After::Thread(th));
    Ok(())
}

/// `thread_priority`'s rule: `priority` must not be above (numerically
/// below) the thread's maximum; with `set_max` it becomes the maximum too.
pub(crate) fn set_thread_priority(th: ThreadId, priority: u32, set_max: bool) -> Result<(), i32> {
    if !sched::valid_pri(priority) {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let (_, max) = sched::priorities(th).ok_or(KERN_INVALID_ARGUMENT)?;
    let p = priority as u8;
    if p < max {
        return Err(KERN_FAILURE);
    }
    sched::set_priorities(th, Some(p), set_max.then_some(p)).ok_or(KERN_INVALID_ARGUMENT)
}


/// `THREAD_BASIC_INFO_COUNT` of the 2026 headers: the 13 words of old, then
/// `user_time64`, `system_time64` and `creation_time64` (4 words each).
pub const THREAD_BASIC_INFO_COUNT: u32 = 25;
pub const THREAD_SCHED_INFO_COUNT: u32 = 7;

/// GNU Mach's `THREAD_NAME_SIZE`: names are kept to 31 bytes and a NUL.
pub const THREAD_NAME_SIZE: usize = 32;

/// Names given with `thread_set_name` (threads never named have none).
static NAMES: Mutex<BTreeMap<ThreadId, [u8; THREAD_NAME_SIZE]>> = Mutex::new(BTreeMap::new());

/// `thread_set_name`: keeps the first 31 bytes of `name` (up to its NUL).
pub fn set_name(th: ThreadId, name: &[u8]) -> Result<(), KernReturn> {
    sched::with_thread(th, |_| ()).ok_or(KERN_INVALID_ARGUMENT)?;
    let mut kept = [0u8; THREAD_NAME_SIZE];
    let end = name.iter().position(|&c| c == 0).unwrap_or(name.len()).min(THREAD_NAME_SIZE - 1);
    kept[..end].copy_from_slice(&name[..end]);
    cpu::without_interrupts(|| NAMES.lock().insert(th, kept));
    Ok(())
}

/// `thread_get_name`: the name with its NUL (an empty string for a thread
/// never named).
pub fn name(th: ThreadId) -> Result<Vec<u8>, KernReturn> {
    sched::with_thread(th, |_| ()).ok_or(KERN_INVALID_ARGUMENT)?;
    let kept = cpu::without_interrupts(|| NAMES.lock().get(&th).copied()).unwrap_or([0; THREAD_NAME_SIZE]);
    let end = kept.iter().position(|&c| c == 0).unwrap_or(THREAD_NAME_SIZE - 1);
    Ok(kept[..=end].to_vec())
}

/// Forgets what this module keeps of thread `th` (it is ending).
pub fn forget(th: ThreadId) {
    cpu::without_interrupts(|| NAMES.lock().remove(&th));
}

/// Ticks as a `time_value_t`: (seconds, microseconds).
pub fn ticks_to_time(ticks: u64) -> [u32; 2] {
    let hz = u64::from(crate::i386::clock::HZ);
    [(ticks / hz) as u32, ((ticks % hz) * (1_000_000 / hz)) as u32]
}

/// A `time_value_t` as the four words of a `time_value64_t` (64-bit
/// seconds, then 64-bit nanoseconds, little-endian).
pub fn time64_words(t: [u32; 2]) -> [u32; 4] {
    [t[0], 0, t[1] * 1000, 0]
}

/// The reply words of a flavour whose newer count adds 64-bit times, as GNU
/// Mach answers: `KERN_INVALID_ARGUMENT` below the old count; the new
/// fields only when `capacity` holds them all; at most `full` words, else
/// as many as asked (the words past what is filled are zero).
pub fn with_old_count(capacity: u32, old: &[u32], new: &[u32]) -> Result<Vec<u32>, KernReturn> {
    if capacity < old.len() as u32 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let full = (old.len() + new.len()) as u32;
    let mut words = old.to_vec();
    if capacity >= full {
        words.extend_from_slice(new);
    }
    words.resize(capacity.min(full) as usize, 0);
    Ok(words)
}

/// `thread_info` of `th` for `flavor`, with at most `capacity` words.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown thread or flavour, or a capacity
/// below the flavour's (old) count.
pub fn info(th: ThreadId, flavor: u32, capacity: u32) -> Result<Vec<u32>, KernReturn> {
    let s = sched::snapshot(th).ok_or(KERN_INVALID_ARGUMENT)?;
    match flavor {
        THREAD_BASIC_INFO => {
            let u = ticks_to_time(s.ticks);
            let state = if s.halted { 5 } else if s.suspend_count > 0 { 2 } else if s.waiting { 3 } else { 1 };
            let old = [u[0], u[1], 0, 0, s.cpu_usage, u32::from(s.base_pri), u32::from(s.sched_pri), state, 0, s.suspend_count, 0, 0, 0];
            let mut new = vec![];
            new.extend_from_slice(&time64_words(u));
            new.extend_from_slice(&time64_words([0, 0]));
            new.extend_from_slice(&time64_words([0, 0]));
            debug_assert_eq!((old.len() + new.len()) as u32, THREAD_BASIC_INFO_COUNT);
            with_old_count(capacity, &old, &new)
        }
        THREAD_SCHED_INFO => {
            if capacity < THREAD_SCHED_INFO_COUNT {
                return Err(KERN_INVALID_ARGUMENT);
            }
            Ok(vec![s.policy, s.policy_data, u32::from(s.base_pri), u32::from(s.max_pri), u32::from(s.sched_pri), u32::from(s.depressed), 0])
        }
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}

/// `thread_set_name`: a debugging name for the thread.
pub(crate) fn thread_set_name(ctx: &mut Ctx, req: gnumach::ThreadSetNameRequest) -> Result<(), i32> {
    set_name(ctx.thread()?, req.name.as_bytes())
}

/// `thread_get_name`: the name `thread_set_name` gave (empty if none).
pub(crate) fn thread_get_name(ctx: &mut Ctx, _: gnumach::ThreadGetNameRequest) -> Result<gnumach::ThreadGetNameReply, i32> {
    let n = name(ctx.thread()?)?;
    let mut r = gnumach::ThreadGetNameReply { name: [0; 64], name_cnt: n.len() as u32 };
    r.name[..n.len()].copy_from_slice(&n);
    Ok(r)
}
