//! Processor and processor-set routines of `mach_host.defs` (GNU Mach's
//! `kern/processor.c`): one processor in one default set.
//! `ipc::server` decodes the request and calls these.

use alloc::vec::Vec;


use crate::ipc::server::{fill, Ctx};
use crate::ipc::KernelPort;
use crate::kern::mig::mach_host;
use crate::kern::sched_prim::{self as sched};
use crate::kern::task::{self};
use kerncore::kern_return::*;

/// `processor_set_default`: the name port of the one processor set.
pub(crate) fn processor_set_default(ctx: &mut Ctx, _: mach_host::ProcessorSetDefaultRequest) -> Result<mach_host::ProcessorSetDefaultReply, i32> {
    ctx.host().map_err(|_| KERN_INVALID_HOST)?;
    Ok(mach_host::ProcessorSetDefaultReply { default_set: ctx.give_send(KernelPort::PsetName) })
}

/// `processor_set_tasks`: send rights to every task's port.
pub(crate) fn processor_set_tasks(ctx: &mut Ctx, _: mach_host::ProcessorSetTasksRequest) -> Result<mach_host::ProcessorSetTasksReply, i32> {
    ctx.pset(false)?;
    let mut handles = Vec::new();
    for t in task::all() {
        let h = ctx.give_send(KernelPort::Task(t));
        if h != 0 {
            handles.extend_from_slice(&h.to_le_bytes());
        }
    }
    Ok(mach_host::ProcessorSetTasksReply { task_list: ctx.give_ool(handles, 4) })
}

/// `processor_set_threads`: send rights to every thread of every task.
pub(crate) fn processor_set_threads(ctx: &mut Ctx, _: mach_host::ProcessorSetThreadsRequest) -> Result<mach_host::ProcessorSetThreadsReply, i32> {
    ctx.pset(false)?;
    let mut handles = Vec::new();
    for t in task::all() {
        for th in task::with_task(t, |tk| tk.threads.clone()).unwrap_or_default() {
            let h = ctx.give_send(KernelPort::Thread(th));
            if h != 0 {
                handles.extend_from_slice(&h.to_le_bytes());
            }
        }
    }
    Ok(mach_host::ProcessorSetThreadsReply { thread_list: ctx.give_ool(handles, 4) })
}

/// `processor_set_info` on the control or the name port.
pub(crate) fn processor_set_info(ctx: &mut Ctx, req: mach_host::ProcessorSetInfoRequest) -> Result<mach_host::ProcessorSetInfoReply, i32> {
    ctx.pset(true)?;
    let tasks = task::all();
    let threads: usize = tasks.iter().map(|&t| task::with_task(t, |tk| tk.threads.len()).unwrap_or(0)).sum();
    let words = crate::kern::host::pset_info(req.flavor, req.info_out_cnt, tasks.len() as u32, threads as u32)?;
    let mut r = mach_host::ProcessorSetInfoReply { host: 0, info_out: [0; 1024], info_out_cnt: 0 };
    fill(&mut r.info_out, &mut r.info_out_cnt, req.info_out_cnt, &words)?;
    r.host = ctx.give_send(KernelPort::Host);
    Ok(r)
}

pub(crate) fn processor_info(ctx: &mut Ctx, req: mach_host::ProcessorInfoRequest) -> Result<mach_host::ProcessorInfoReply, i32> {
    ctx.processor()?;
    let words = crate::kern::host::processor_info(req.flavor, req.processor_info_out_cnt)?;
    let mut r = mach_host::ProcessorInfoReply { host: 0, processor_info_out: [0; 1024], processor_info_out_cnt: 0 };
    fill(&mut r.processor_info_out, &mut r.processor_info_out_cnt, req.processor_info_out_cnt, &words)?;
    r.host = ctx.give_send(KernelPort::Host);
    Ok(r)
}

/// `processor_set_max_priority`: the maximum of threads made from now
/// on, and with `change_threads` of the threads now.
pub(crate) fn processor_set_max_priority(ctx: &mut Ctx, req: mach_host::ProcessorSetMaxPriorityRequest) -> Result<(), i32> {
    ctx.pset(false)?;
    if !sched::valid_pri(req.max_priority) {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let max = req.max_priority as u8;
    sched::PSET_MAX_PRI.store(max, core::sync::atomic::Ordering::Relaxed);
    if req.change_threads != 0 {
        for t in task::all() {
            for th in task::with_task(t, |tk| tk.threads.clone()).unwrap_or_default() {
                // GNU Mach lowers only maxima above the new one.
                if let Some((base, cur)) = sched::priorities(th) {
                    if cur < max {
                        sched::set_priorities(th, (max > base).then_some(max), Some(max));
                    }
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn processor_set_policy_enable(ctx: &mut Ctx, req: mach_host::ProcessorSetPolicyEnableRequest) -> Result<(), i32> {
    ctx.pset(false)?;
    if !matches!(req.policy, sched::POLICY_TIMESHARE | sched::POLICY_FIXEDPRI) {
        return Err(KERN_INVALID_ARGUMENT);
    }
    sched::PSET_POLICIES.fetch_or(req.policy, core::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Timesharing cannot be disabled; with `change_threads` the threads
/// under the disabled policy go back to timesharing.
pub(crate) fn processor_set_policy_disable(ctx: &mut Ctx, req: mach_host::ProcessorSetPolicyDisableRequest) -> Result<(), i32> {
    ctx.pset(false)?;
    if req.policy != sched::POLICY_FIXEDPRI {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let was = sched::PSET_POLICIES.fetch_and(!req.policy, core::sync::atomic::Ordering::Relaxed);
    if was & req.policy != 0 && req.change_threads != 0 {
        for t in task::all() {
            for th in task::with_task(t, |tk| tk.threads.clone()).unwrap_or_default() {
                if sched::policy_of(th) == Some(req.policy) {
                    sched::set_policy(th, sched::Policy::Timeshare);
                }
            }
        }
    }
    Ok(())
}

/// `processor_start`: the one processor already runs (`KERN_FAILURE`,
/// what GNU Mach's i386 `cpu_start` answers for a running processor).
pub(crate) fn processor_start(ctx: &mut Ctx, _: mach_host::ProcessorStartRequest) -> Result<(), i32> {
    ctx.processor()?;
    Err(KERN_FAILURE)
}

/// `processor_exit`: the one processor is never taken off line
/// (`KERN_FAILURE`; GNU Mach would stop it).
pub(crate) fn processor_exit(ctx: &mut Ctx, _: mach_host::ProcessorExitRequest) -> Result<(), i32> {
    ctx.processor()?;
    Err(KERN_FAILURE)
}

/// `processor_control`: i386 has no processor controls (`KERN_FAILURE`,
/// as GNU Mach's `cpu_control`).
pub(crate) fn processor_control(ctx: &mut Ctx, _: mach_host::ProcessorControlRequest<'_>) -> Result<(), i32> {
    ctx.processor()?;
    Err(KERN_FAILURE)
}

/// `processor_get_assignment`: the name port of the one processor set.
pub(crate) fn processor_get_assignment(ctx: &mut Ctx, _: mach_host::ProcessorGetAssignmentRequest) -> Result<mach_host::ProcessorGetAssignmentReply, i32> {
    ctx.processor()?;
    Ok(mach_host::ProcessorGetAssignmentReply { assigned_set: ctx.give_send(KernelPort::PsetName) })
}
