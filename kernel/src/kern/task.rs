//! Tasks: an address map and the threads running in it.
//!
//! # Locking
//! `TASKS` is taken with interrupts off and never held across a call into
//! the scheduler that may switch threads.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use spin::Mutex;

use kerncore::kern_return::*;

use super::sched_prim::{self as sched, Policy, ThreadId, BASEPRI_USER};
use crate::i386::gdt::{USER_CS, USER_DS};
use crate::i386::trap::TrapFrame;
use crate::i386::{cpu, pcb};
use crate::vm::vm_map::VmMap;
use crate::vm::{pmap, vm_page};

pub type TaskId = u32;

pub struct Task {
    pub id: TaskId,
    pub name: String,
    pub map: VmMap,
    pub threads: Vec<ThreadId>,
    pub suspend_count: u32,
    /// `task_priority`: the base priority of the task's new threads.
    pub priority: u8,
    /// `task_set_essential`: the system cannot go on without this task.
    pub essential: bool,
    /// [`terminate`] has begun.
    terminating: bool,
    /// Creation time stamp (`host_get_time`'s seconds, microseconds).
    pub created: [u32; 2],
}

static TASKS: Mutex<BTreeMap<TaskId, Task>> = Mutex::new(BTreeMap::new());
static NEXT_ID: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);

/// Runs `f` on task `id`; `None` if it does not exist.
pub fn with_task<R>(id: TaskId, f: impl FnOnce(&mut Task) -> R) -> Option<R> {
    cpu::without_interrupts(|| TASKS.lock().get_mut(&id).map(f))
}

/// Every task, in id order.
pub fn all() -> Vec<TaskId> {
    cpu::without_interrupts(|| TASKS.lock().keys().copied().collect())
}

/// The tasks that have threads (page-out candidates).
pub fn with_threads() -> Vec<TaskId> {
    cpu::without_interrupts(|| TASKS.lock().values().filter(|t| !t.threads.is_empty()).map(|t| t.id).collect())
}

/// A new task with an empty address space and no threads.
///
/// # Errors
/// `KERN_RESOURCE_SHORTAGE` without memory.
pub fn create(name: &str) -> Result<TaskId, KernReturn> {
    let id = NEXT_ID.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let map = crate::vm::vm_map::new_map(id)?;
    let task = Task { id, name: name.into(), map, threads: Vec::new(), suspend_count: 0, priority: BASEPRI_USER, essential: false, terminating: false, created: super::host::time() };
    cpu::without_interrupts(|| TASKS.lock().insert(id, task));
    crate::ipc::task_init(id);
    Ok(id)
}

/// The task of the running thread, if it is a user thread.
pub fn current() -> Option<TaskId> {
    sched::current_task()
}

/// A user thread in `task` that starts at `eip` with stack pointer `esp`,
/// suspended unless `run`.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown task, `KERN_RESOURCE_SHORTAGE` without memory.
pub fn create_user_thread(task: TaskId, eip: u32, esp: u32, run: bool) -> Result<ThreadId, KernReturn> {
    let dir = with_task(task, |t| t.map.machine().pmap.dir()).ok_or(KERN_INVALID_ARGUMENT)?;
    let pages = pcb::KSTACK_SIZE / vm_page::PAGE_SIZE as usize;
    let stack = vm_page::alloc_contig(pages, vm_page::Zone::Any).ok_or(KERN_RESOURCE_SHORTAGE)?;
    let top = pmap::phys_to_virt(stack) as u32 + pcb::KSTACK_SIZE as u32;
    let frame_at = top - core::mem::size_of::<TrapFrame>() as u32;
    let ds = u32::from(USER_DS);
    let frame = TrapFrame {
        gs: ds,
        fs: ds,
        es: ds,
        ds,
        eip,
        cs: u32::from(USER_CS),
        eflags: 0x202,
        user_esp: esp,
        user_ss: ds,
        ..TrapFrame::default()
    };
    // SAFETY: the stack was just allocated; the frame and the switch frame
    // below it fit in its top bytes.
    let esp0 = unsafe {
        (frame_at as *mut TrapFrame).write(frame);
        pcb::prepare_user_thread(frame_at)
    };
    let (suspended, pri) = with_task(task, |t| (t.suspend_count > 0, t.priority)).unwrap_or((false, BASEPRI_USER));
    let space = crate::ipc::space_of(task).map_or((0, 0), crate::ipc::space_raw);
    let id = sched::add_thread("user", Some(task), space, stack, esp0, dir, pri, Policy::Timeshare, run && !suspended);
    // A thread of the same task made it: its FPU control word carries over.
    if current() == Some(task) {
        crate::i386::fpu::inherit(sched::current(), id);
    }
    // New threads may not rise above their processor set's maximum.
    sched::set_priorities(id, None, Some(sched::PSET_MAX_PRI.load(core::sync::atomic::Ordering::Relaxed)));
    if run && suspended {
        // The task's suspension holds it; `resume` of the task releases it.
    }
    with_task(task, |t| t.threads.push(id));
    Ok(id)
}

/// Ends `task`: its threads stop, its memory is freed. When the running
/// thread belongs to it, this does not return, unless another thread is
/// ending the task already: then it returns at once (that thread waits for
/// this one to reach a safe point, so waiting for it in turn would be a
/// deadlock: two threads of one task faulting together). Any other caller
/// that finds the task ending waits until it is gone.
pub fn terminate(task: TaskId) {
    let me = sched::current();
    let Some((mut threads, already)) = with_task(task, |t| (core::mem::take(&mut t.threads), core::mem::replace(&mut t.terminating, true))) else { return };
    if already {
        if current() != Some(task) {
            while with_task(task, |_| ()).is_some() {
                sched::sleep_ticks(1);
            }
        }
        return;
    }
    // A thread that is ending itself has left the list but may still run
    // kernel code in this address space: the scheduler knows them all.
    for th in sched::live_threads_of(task) {
        if !threads.contains(&th) {
            threads.push(th);
        }
    }
    let others: Vec<ThreadId> = threads.iter().copied().filter(|&t| t != me).collect();
    // Let every other thread reach a safe point before its task goes away.
    for &t in &others {
        sched::request_halt(t);
    }
    sched::wait_halted(&others);
    for &t in &others {
        crate::ipc::thread_destroy(t);
        super::thread::forget(t);
    }
    let mine = threads.contains(&me);
    if mine {
        // Everything of this thread but its stack goes before the task does,
        // so whoever sees the task gone sees all of it gone.
        crate::ipc::thread_destroy(me);
        super::thread::forget(me);
    }
    crate::ipc::task_destroy(task);
    crate::i386::io_perm::task_gone(task);
    crate::kern::gsync::forget_gone_threads();
    forget_dead_registrations();
    // Filters whose port died with the task (the device may outlive it:
    // another task holds it open, or its no-senders came first).
    crate::device::net_io::purge_all_dead();
    if mine {
        // Leave the address space before it goes away.
        let kdir = pmap::kernel_page_dir();
        sched::with_thread(me, |t| t.page_dir = kdir);
        pmap::activate(kdir);
    }
    let removed = cpu::without_interrupts(|| TASKS.lock().remove(&task));
    if let Some(t) = removed {
        if t.essential {
            // GNU Mach panics here; a task may mark itself essential, so
            // this kernel says so loudly and goes on.
            crate::kwarn!("task {} ({}) was essential: the system may not work without it", t.id, t.name);
        }
        crate::kprintln!("task {} ({}) terminated", t.id, t.name);
        drop(t);
    }
    // Memory objects only this task mapped go back to their pagers.
    crate::vm::vm_object::reap();
    crate::vm::vm_object::forget_dead_pager();
    if mine {
        sched::terminate(me);
    }
}

/// Suspends every thread of `task` once more.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown task.
pub fn suspend(task: TaskId) -> Result<(), KernReturn> {
    let threads = with_task(task, |t| {
        t.suspend_count += 1;
        t.threads.clone()
    })
    .ok_or(KERN_INVALID_ARGUMENT)?;
    let me = sched::current();
    for &th in threads.iter().filter(|&&th| th != me) {
        sched::suspend(th);
    }
    if threads.contains(&me) {
        sched::suspend(me);
    }
    Ok(())
}

/// Undoes one [`suspend`].
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown task, `KERN_FAILURE` if it is not suspended.
pub fn resume(task: TaskId) -> Result<(), KernReturn> {
    let threads = with_task(task, |t| {
        if t.suspend_count == 0 {
            return None;
        }
        t.suspend_count -= 1;
        Some(t.threads.clone())
    })
    .ok_or(KERN_INVALID_ARGUMENT)?
    .ok_or(KERN_FAILURE)?;
    for th in threads {
        sched::resume(th);
    }
    Ok(())
}

/// `task_create`: a new task whose parent is `parent`; with `inherit`, its
/// address space gets the parent's memory copy-on-write (entries marked
/// `VM_INHERIT_NONE` excepted; see `VmMap::copy_from`).
///
/// # Errors
/// `KERN_RESOURCE_SHORTAGE` without memory, `KERN_INVALID_ARGUMENT` for an unknown parent.
pub fn create_child(parent: TaskId, inherit: bool) -> Result<TaskId, KernReturn> {
    let (name, priority) = with_task(parent, |p| (p.name.clone(), p.priority)).ok_or(KERN_INVALID_ARGUMENT)?;
    if inherit {
        // Paged-out pages the child inherits come back first.
        with_map(parent, |m| m.swap_back_inherited())?;
    }
    let child = create(&name)?;
    with_task(child, |c| c.priority = priority);
    if inherit {
        let copied = cpu::without_interrupts(|| {
            let mut tasks = TASKS.lock();
            let mut c = tasks.remove(&child).ok_or(KERN_INVALID_ARGUMENT)?;
            let r = match tasks.get_mut(&parent) {
                Some(p) => c.map.copy_from(&mut p.map),
                None => Err(KERN_INVALID_ARGUMENT),
            };
            tasks.insert(child, c);
            r
        });
        if let Err(e) = copied {
            terminate(child);
            return Err(e);
        }
    }
    Ok(child)
}

/// Ends one thread (`thread_terminate`); a task whose last thread ends lives
/// on, as in Mach.
pub fn terminate_thread(th: ThreadId) {
    let Some(task) = sched::with_thread(th, |t| t.task).flatten() else { return };
    with_task(task, |t| t.threads.retain(|&x| x != th));
    if th == sched::current() {
        crate::ipc::thread_destroy(th);
        super::thread::forget(th);
        sched::terminate(th);
    } else {
        sched::request_halt(th);
        sched::wait_halted(&[th]);
        crate::ipc::thread_destroy(th);
        super::thread::forget(th);
    }
}

/// The user trap frame of user thread `th` (at the top of its kernel stack).
fn user_frame(th: ThreadId) -> Option<*mut TrapFrame> {
    let top = sched::with_thread(th, |t| if t.task.is_some() { t.kstack_top() } else { None }).flatten()?;
    Some((top - core::mem::size_of::<TrapFrame>() as u32) as *mut TrapFrame)
}

/// `i386_THREAD_STATE` of user thread `th`: gs fs es ds edi esi ebp esp ebx
/// edx ecx eax eip cs efl uesp ss.
pub fn thread_state(th: ThreadId) -> Option<[u32; 17]> {
    let f = user_frame(th)?;
    // SAFETY: the frame lies at the top of the thread's live kernel stack;
    // reading it with interrupts off sees a consistent copy.
    let t = cpu::without_interrupts(|| unsafe { f.read() });
    Some([t.gs, t.fs, t.es, t.ds, t.edi, t.esi, t.ebp, t.esp_at_pushad, t.ebx, t.edx, t.ecx, t.eax, t.eip, t.cs, t.eflags, t.user_esp, t.user_ss])
}

/// Sets `i386_THREAD_STATE` of user thread `th`. Segment registers are forced
/// to the user segments (with `segs`, `i386_REGS_SEGS_STATE`: taken from
/// `w`, checked by the caller; one that does not load becomes null at the
/// return to user mode) and privileged flags are kept, as GNU Mach does.
pub fn set_thread_state(th: ThreadId, w: &[u32; 17], segs: bool) -> bool {
    let Some(f) = user_frame(th) else { return false };
    const USER_FLAGS: u32 = 0x0000_0DD5; // CF PF AF ZF SF TF DF OF
    let ds = u32::from(USER_DS);
    cpu::without_interrupts(|| {
        // SAFETY: as in `thread_state`; the thread's next return to user mode
        // uses these values.
        unsafe {
            let mut t = f.read();
            t.gs = ds;
            t.fs = ds;
            t.es = ds;
            t.ds = ds;
            t.edi = w[4];
            t.esi = w[5];
            t.ebp = w[6];
            t.ebx = w[8];
            t.edx = w[9];
            t.ecx = w[10];
            t.eax = w[11];
            t.eip = w[12];
            t.cs = u32::from(USER_CS);
            t.eflags = (t.eflags & !USER_FLAGS) | (w[14] & USER_FLAGS) | 0x200;
            t.user_esp = w[15];
            t.user_ss = ds;
            if segs {
                (t.gs, t.fs, t.es, t.ds, t.cs, t.user_ss) = (w[0], w[1], w[2], w[3], w[13], w[16]);
            }
            f.write(t);
        }
    });
    true
}

/// Resolves a page fault of the running task at `va` (a write when
/// `write`). A page its pager has not supplied yet is asked for; with
/// `block` the thread then sleeps until the object has news and the caller
/// lets the access fault again.
///
/// # Errors
/// As `VmMap::fault`; `KERN_INVALID_TASK` for a kernel thread;
/// `KERN_MEMORY_FAILURE` for a pager wait without `block`; `KERN_ABORTED`
/// when the thread is halted while waiting.
pub fn vm_fault(va: u32, write: bool, block: bool) -> Result<(), KernReturn> {
    let t = current().ok_or(KERN_INVALID_TASK)?;
    let (r, wait) = with_task(t, |tk| {
        let r = tk.map.fault(va, write);
        (r, tk.map.machine_mut().wait.take())
    })
    .ok_or(KERN_INVALID_TASK)?;
    match (r, wait) {
        (Err(kerncore::vm_map::KERN_FAULT_RETRY), Some(w)) => crate::vm::vm_object::wait(w, block),
        (Err(kerncore::vm_map::KERN_FAULT_RETRY), None) => Err(KERN_MEMORY_FAILURE),
        // No free page: with a default pager, wait for a page-out round and
        // fault again.
        (Err(KERN_RESOURCE_SHORTAGE), _) if block && crate::vm::pageout::wait_for_memory() => Ok(()),
        (r, _) => r,
    }
}

/// Runs `f` on the map of task `t`; when it must wait for a pager (a page
/// paged out, or not supplied yet) or for free memory, waits and runs it
/// again. For the kernel's own reads and writes of task memory.
///
/// # Errors
/// `f`'s error; `KERN_INVALID_TASK` for an unknown task.
pub fn with_map<R>(t: TaskId, mut f: impl FnMut(&mut crate::vm::vm_map::VmMap) -> Result<R, KernReturn>) -> Result<R, KernReturn> {
    loop {
        let (r, wait) = with_task(t, |tk| {
            let r = f(&mut tk.map);
            (r, tk.map.machine_mut().wait.take())
        })
        .ok_or(KERN_INVALID_TASK)?;
        match (r, wait) {
            (Err(kerncore::vm_map::KERN_FAULT_RETRY), Some(w)) => crate::vm::vm_object::wait(w, true)?,
            (Err(kerncore::vm_map::KERN_FAULT_RETRY), None) => return Err(KERN_MEMORY_FAILURE),
            (Err(KERN_RESOURCE_SHORTAGE), _) if crate::vm::pageout::wait_for_memory() => {}
            (r, _) => return r,
        }
    }
}

// ---------------------------------------------------------------------------
// MIG routines on this object (decoded and dispatched by `ipc::server`).

pub(crate) use routines::*;

/// `task_info` flavours (mach/task_info.h).
pub const TASK_BASIC_INFO: u32 = 1;
/// Event counters (all zero here).
pub const TASK_EVENTS_INFO: u32 = 2;
/// Times of the live threads.
pub const TASK_THREAD_TIMES_INFO: u32 = 3;

mod routines {
    use super::*;
    use alloc::vec::Vec;

    
    use mach_ipc::Right;

    use crate::ipc::server::{fill, After, Ctx};
    use crate::ipc::{with_ipc, KernelPort};
    use crate::kern::mig::{gnumach, mach, mach_host};
    use crate::kern::sched_prim::{self as sched};
    use crate::kern::task::{self, TaskId};
    
    

    pub(crate) fn task_create(ctx: &mut Ctx, req: mach::TaskCreateRequest) -> Result<mach::TaskCreateReply, i32> {
        let parent = ctx.task()?;
        let child = task::create_child(parent, req.inherit_memory != 0)?;
        crate::ipc::ports_inherit(parent, child);
        notify_new_task(child, parent);
        Ok(mach::TaskCreateReply { child_task: ctx.give_send(KernelPort::Task(child)) })
    }

    pub(crate) fn task_terminate(ctx: &mut Ctx, _: mach::TaskTerminateRequest) -> Result<(), i32> {
        let t = ctx.task()?;
        // After the request is cleaned up (the caller may be ending itself).
        ctx.terminate_after = Some(After::Task(t));
        Ok(())
    }

    pub(crate) fn task_suspend(ctx: &mut Ctx, _: mach::TaskSuspendRequest) -> Result<(), i32> {
        task::suspend(ctx.task()?)
    }

    pub(crate) fn task_resume(ctx: &mut Ctx, _: mach::TaskResumeRequest) -> Result<(), i32> {
        task::resume(ctx.task()?)
    }

    pub(crate) fn task_info(ctx: &mut Ctx, req: mach::TaskInfoRequest) -> Result<mach::TaskInfoReply, i32> {
        let words = task::info(ctx.task()?, req.flavor, req.task_info_out_cnt)?;
        let mut r = mach::TaskInfoReply { task_info_out: [0; 1024], task_info_out_cnt: 0 };
        fill(&mut r.task_info_out, &mut r.task_info_out_cnt, req.task_info_out_cnt, &words)?;
        Ok(r)
    }

    pub(crate) fn task_get_special_port(ctx: &mut Ctx, req: mach::TaskGetSpecialPortRequest) -> Result<mach::TaskGetSpecialPortReply, i32> {
        let t = ctx.task()?;
        let right = match req.which_port {
            crate::ipc::TASK_KERNEL_PORT => crate::ipc::make_send(KernelPort::Task(t)).unwrap_or(Right::null()),
            crate::ipc::TASK_EXCEPTION_PORT | crate::ipc::TASK_BOOTSTRAP_PORT => crate::ipc::copy_special_port(t, req.which_port),
            _ => return Err(KERN_INVALID_ARGUMENT),
        };
        Ok(mach::TaskGetSpecialPortReply { special_port: ctx.give(right) })
    }

    pub(crate) fn task_set_special_port(ctx: &mut Ctx, req: mach::TaskSetSpecialPortRequest) -> Result<(), i32> {
        let t = ctx.task()?;
        let right = ctx.take(req.special_port)?;
        let right = if right.is_null() { None } else { Some(right) };
        match crate::ipc::set_special_port(t, req.which_port, right) {
            0 => Ok(()),
            e => Err(e as i32),
        }
    }

    /// `mach_ports_register`: up to four send rights the task keeps (and
    /// its children inherit) for `mach_ports_lookup`.
    pub(crate) fn mach_ports_register(ctx: &mut Ctx, req: mach::MachPortsRegisterRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        let data = ctx.take_ool(req.init_port_set.addr)?;
        let count = (req.init_port_set.count as usize).min(data.len() / 4);
        if count > crate::ipc::TASK_PORT_REGISTER_MAX {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let mut rights = Vec::with_capacity(count);
        for c in data[..count * 4].chunks_exact(4) {
            let h = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
            let r = match h {
                0 => Right::null(),
                h => ctx.rights.get_mut(h - 1).and_then(Option::take).unwrap_or_else(Right::null),
            };
            rights.push(r);
        }
        crate::ipc::ports_register(t, rights);
        Ok(())
    }

    pub(crate) fn mach_ports_lookup(ctx: &mut Ctx, _: mach::MachPortsLookupRequest) -> Result<mach::MachPortsLookupReply, i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        let mut handles = Vec::with_capacity(16);
        for r in crate::ipc::ports_lookup(t) {
            let h = ctx.give(r);
            handles.extend_from_slice(&h.to_le_bytes());
        }
        Ok(mach::MachPortsLookupReply { init_port_set: ctx.give_ool(handles, 4) })
    }

    pub(crate) fn task_threads(ctx: &mut Ctx, _: mach::TaskThreadsRequest) -> Result<mach::TaskThreadsReply, i32> {
        let t = ctx.task()?;
        let threads = task::with_task(t, |tk| tk.threads.clone()).ok_or(KERN_INVALID_TASK)?;
        let mut handles = Vec::with_capacity(threads.len() * 4);
        for th in threads {
            let h = ctx.give_send(KernelPort::Thread(th));
            handles.extend_from_slice(&h.to_le_bytes());
        }
        Ok(mach::TaskThreadsReply { thread_list: ctx.give_ool(handles, 4) })
    }

    /// `task_priority`: the priority of the task's new threads, and with
    /// `change_threads` of its threads now (`KERN_FAILURE` if one may not).
    pub(crate) fn task_priority(ctx: &mut Ctx, req: mach_host::TaskPriorityRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        if !sched::valid_pri(req.priority) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let threads = task::with_task(t, |tk| {
            tk.priority = req.priority as u8;
            tk.threads.clone()
        })
        .ok_or(KERN_INVALID_ARGUMENT)?;
        let mut ret = Ok(());
        if req.change_threads != 0 {
            for th in threads {
                if crate::kern::thread::set_thread_priority(th, req.priority, false).is_err() {
                    ret = Err(KERN_FAILURE);
                }
            }
        }
        ret
    }

    pub(crate) fn task_assign(ctx: &mut Ctx, req: mach_host::TaskAssignRequest) -> Result<(), i32> {
        ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        match ctx.kobject_of_handle(req.new_set) {
            Some((crate::ipc::KOBJ_PSET, _)) => Ok(()),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    pub(crate) fn task_assign_default(ctx: &mut Ctx, _: mach_host::TaskAssignDefaultRequest) -> Result<(), i32> {
        ctx.task().map(|_| ()).map_err(|_| KERN_INVALID_ARGUMENT)
    }

    pub(crate) fn task_get_assignment(ctx: &mut Ctx, _: mach_host::TaskGetAssignmentRequest) -> Result<mach_host::TaskGetAssignmentReply, i32> {
        ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        Ok(mach_host::TaskGetAssignmentReply { assigned_set: ctx.give_send(KernelPort::PsetName) })
    }

    /// `register_new_task_notification`: `mach_notify_new_task` goes to
    /// `notification` for every task created from now on. Once only, for the
    /// privileged host port (`KERN_NO_ACCESS` when a port is registered).
    pub(crate) fn register_new_task_notification(ctx: &mut Ctx, req: gnumach::RegisterNewTaskNotificationRequest) -> Result<(), i32> {
        ctx.host_priv()?;
        let h = req.notification as usize;
        let right = ctx.rights.get(h.wrapping_sub(1)).and_then(|r| r.as_ref()).filter(|r| !r.is_null() && !r.is_dead()).ok_or(KERN_INVALID_ARGUMENT)?;
        if right.port_id().is_none() {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let right = ctx.rights[h - 1].take().unwrap_or_else(Right::null);
        let refused = crate::i386::cpu::without_interrupts(|| {
            let mut n = NEW_TASK_NOTIFY.lock();
            if n.is_some() {
                return Some(right);
            }
            *n = Some(right);
            None
        });
        match refused {
            // Back with the request's rights, which are released as usual.
            Some(r) => {
                ctx.rights[h - 1] = Some(r);
                Err(KERN_NO_ACCESS)
            }
            None => Ok(()),
        }
    }

    pub(crate) fn task_set_essential(ctx: &mut Ctx, req: gnumach::TaskSetEssentialRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
        task::with_task(t, |tk| tk.essential = req.essential != 0).ok_or(KERN_INVALID_TASK)
    }

    /// `task_set_name`: the name the kernel's messages use for the task.
    pub(crate) fn task_set_name(ctx: &mut Ctx, req: gnumach::TaskSetNameRequest) -> Result<(), i32> {
        let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
        let bytes = req.name.as_bytes();
        let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
        let name: alloc::string::String = bytes[..end].iter().map(|&c| if c.is_ascii_graphic() || c == b' ' { c as char } else { '?' }).collect();
        task::with_task(t, |tk| tk.name = name).ok_or(KERN_INVALID_TASK)
    }

    /// The port `register_new_task_notification` named (a send right the
    /// kernel holds for good).
    static NEW_TASK_NOTIFY: spin::Mutex<Option<Right>> = spin::Mutex::new(None);

    /// Forgets the registered new-task port once its receiver is gone (a task
    /// ended), so that a new one may be registered.
    pub fn forget_dead_registrations() {
        let Some(port) = crate::i386::cpu::without_interrupts(|| NEW_TASK_NOTIFY.lock().as_ref().map(|r| r.port_id())) else { return };
        if port.is_some_and(|p| with_ipc(|ipc| ipc.port_alive(p))) {
            return;
        }
        let dead = crate::i386::cpu::without_interrupts(|| {
            let mut n = NEW_TASK_NOTIFY.lock();
            if n.as_ref().map(|r| r.port_id()) == Some(port) { n.take() } else { None }
        });
        if let Some(r) = dead {
            with_ipc(|ipc| ipc.release_right(r));
        }
    }

    /// Sends `mach_notify_new_task(child, parent)` to the registered port, if any.
    pub(crate) fn notify_new_task(child: TaskId, parent: TaskId) {
        let Some(dest) = crate::i386::cpu::without_interrupts(|| NEW_TASK_NOTIFY.lock().as_ref().and_then(|r| r.port_id())) else { return };
        let Some(dest) = crate::ipc::make_send_port(dest) else { return };
        let child = crate::ipc::make_send(KernelPort::Task(child)).unwrap_or_else(Right::null);
        let parent = crate::ipc::make_send(KernelPort::Task(parent)).unwrap_or_else(Right::null);
        crate::vm::vm_object::send(dest, alloc::vec![child, parent], Vec::new(), |m| crate::kern::mig::task_notify::mach_notify_new_task(m, 0, 1, 2));
    }
}

/// `TASK_BASIC_INFO_COUNT` of GNU Mach's 2026 `task_info.h`: 10 words of
/// old, then `user_time64`, `system_time64`, `creation_time64`.
pub const TASK_BASIC_INFO_COUNT: u32 = 22;
/// `TASK_THREAD_TIMES_INFO_COUNT` of the 2026 headers (4 words of old, then
/// `user_time64` and `system_time64`).
pub const TASK_THREAD_TIMES_INFO_COUNT: u32 = 12;
pub const TASK_EVENTS_INFO_COUNT: u32 = 7;

/// `task_info` of task `t` for `flavor`, at most `capacity` words. Clients
/// built against older headers ask with the older counts (10 and 4 words)
/// and get those, as from GNU Mach.
///
/// # Errors
/// `KERN_INVALID_TASK` for a task gone, `KERN_INVALID_ARGUMENT` for an
/// unknown flavour or a capacity below the flavour's old count.
pub fn info(t: TaskId, flavor: u32, capacity: u32) -> Result<Vec<u32>, KernReturn> {
    use super::thread::{ticks_to_time, time64_words, with_old_count};
    let (suspend, virt, resident, threads, created) =
        with_task(t, |tk| (tk.suspend_count, tk.map.virtual_size(), tk.map.resident_pages() as u32 * 4096, tk.threads.clone(), tk.created)).ok_or(KERN_INVALID_TASK)?;
    let ticks: u64 = threads.iter().filter_map(|&th| sched::with_thread(th, |x| x.ticks)).sum();
    let user = ticks_to_time(ticks);
    match flavor {
        TASK_BASIC_INFO => {
            let old = [suspend, u32::from(BASEPRI_USER), virt, resident, user[0], user[1], 0, 0, created[0], created[1]];
            let mut new = Vec::new();
            new.extend_from_slice(&time64_words(user));
            new.extend_from_slice(&time64_words([0, 0]));
            new.extend_from_slice(&time64_words(created));
            debug_assert_eq!((old.len() + new.len()) as u32, TASK_BASIC_INFO_COUNT);
            with_old_count(capacity, &old, &new)
        }
        TASK_EVENTS_INFO if capacity >= TASK_EVENTS_INFO_COUNT => Ok(alloc::vec![0; TASK_EVENTS_INFO_COUNT as usize]),
        TASK_THREAD_TIMES_INFO => {
            let mut new = Vec::new();
            new.extend_from_slice(&time64_words(user));
            new.extend_from_slice(&time64_words([0, 0]));
            debug_assert_eq!(4 + new.len() as u32, TASK_THREAD_TIMES_INFO_COUNT);
            with_old_count(capacity, &[user[0], user[1], 0, 0], &new)
        }
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}
