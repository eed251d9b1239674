//! Mach IPC in the kernel: the `mach-ipc` state under one lock, the ports of
//! kernel objects (tasks, threads, the host), waiting and waking around
//! message queues, and user memory for out-of-line data.
//!
//! # Locking
//! `IPC` is taken with interrupts off and never held while a thread blocks.
//! Lock order: `IPC` before the task table (out-of-line memory is allocated
//! in the receiver while the message is copied out).

pub mod mach_msg;
pub(crate) mod mach_port;
pub(crate) mod server;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use mach_ipc::{Event, Ipc, OolMemory, PortId, SpaceId, WaitObj};
use spin::Mutex;

use crate::i386::{cpu, uaccess};
use crate::kern::sched_prim::{self as sched, ThreadId};
use crate::kern::task::{self, TaskId};

/// Kernel-object kinds tagged on ports.
pub const KOBJ_TASK: u32 = 1;
pub const KOBJ_THREAD: u32 = 2;
pub const KOBJ_HOST: u32 = 3;
pub const KOBJ_HOST_PRIV: u32 = 4;
pub const KOBJ_DEVICE_MASTER: u32 = 5;
pub const KOBJ_DEVICE: u32 = 6;
/// A kernel reply port a thread waits on itself (exception replies).
pub const KOBJ_KREPLY: u32 = 7;
/// A kernel-provided memory object (`device_map`'s pager).
pub const KOBJ_MEMORY_OBJECT: u32 = 8;
/// A memory object's control port (the pager's calls come here).
pub const KOBJ_PAGER_CONTROL: u32 = 9;
/// A memory object's name port (the pager gets it in `memory_object_init`;
/// `vm_object_sync` is sent to it; `vm_region` answers null, not it).
pub const KOBJ_PAGER_NAME: u32 = 10;
/// The default processor set's control port (`processor_set_t`).
pub const KOBJ_PSET: u32 = 11;
/// The default processor set's name port (`processor_set_name_t`).
pub const KOBJ_PSET_NAME: u32 = 12;
/// The processor's port (`processor_t`).
pub const KOBJ_PROCESSOR: u32 = 13;
/// An I/O port range (`i386_io_perm_create`; see `i386::io_perm`).
pub const KOBJ_IO_PERM: u32 = 14;

struct State {
    ipc: Ipc,
    host: PortId,
    host_priv: PortId,
    device_master: PortId,
    /// The one processor set (control and name ports) and processor.
    pset: PortId,
    pset_name: PortId,
    processor: PortId,
    tasks: BTreeMap<TaskId, (SpaceId, PortId)>,
    threads: BTreeMap<ThreadId, PortId>,
}

static IPC: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    cpu::without_interrupts(|| f(IPC.lock().as_mut().expect("IPC not initialized")))
}

/// Runs `f` on the IPC state, then acts on the events it raised (wakes
/// threads, serves messages queued to kernel ports).
pub fn with_ipc<R>(f: impl FnOnce(&mut Ipc) -> R) -> R {
    let (r, events) = with(|s| {
        let r = f(&mut s.ipc);
        (r, Drained::of(&mut s.ipc))
    });
    handle_events(events);
    r
}

/// The wait event of a port or port set (`assert_wait` words never used by
/// object addresses: the top of the address space, above the kernel window).
pub fn wait_event(obj: WaitObj, sending: bool) -> usize {
    match obj {
        WaitObj::Port(p) => 0xFF00_0000usize.wrapping_sub((p.index() as usize) * 4 + if sending { 2 } else { 0 }),
        WaitObj::Pset(s) => 0xFE00_0000usize.wrapping_sub((s.index() as usize) * 4),
    }
}

/// What one critical section leaves for after the lock: serving the
/// messages it queued on kernel ports (by stamp) and msg-accepted
/// notifications. Wake-ups are done under the lock (IPC before SCHED), so
/// the common case, a message for a user port, leaves nothing here and
/// allocates nothing.
#[derive(Default)]
struct Drained {
    /// The first message queued on a kernel port (one per RPC).
    kernel_first: Option<(PortId, u64)>,
    /// Anything more.
    later: Vec<Later>,
}

enum Later {
    Serve(PortId, u64),
    MsgAccepted(PortId),
}

impl Drained {
    /// Wakes the threads the events name and keeps the rest for after the lock.
    fn of(ipc: &mut Ipc) -> Drained {
        let mut d = Drained::default();
        if !ipc.has_pending() {
            return d;
        }
        ipc.drain_events(|e| match e {
            Event::MessageQueued { port, pset, kernel } => {
                // Kernel ports are served after the lock, each message by its stamp.
                if !kernel {
                    sched::thread_wakeup_receiver(wait_event(WaitObj::Port(port), false));
                    if let Some(s) = pset {
                        sched::thread_wakeup_receiver(wait_event(WaitObj::Pset(s), false));
                    }
                }
            }
            Event::SendersMayRetry(p) => {
                sched::thread_wakeup(wait_event(WaitObj::Port(p), true));
                d.later.push(Later::MsgAccepted(p));
            }
            Event::ReceiversAbort { obj, .. } => {
                sched::thread_wakeup(wait_event(obj, false));
            }
            Event::KObjectDied { .. } => {}
        });
        ipc.drain_kernel_queued(|(p, stamp)| {
            match d.kernel_first {
                None => d.kernel_first = Some((p, stamp)),
                Some(_) => d.later.push(Later::Serve(p, stamp)),
            }
        });
        d
    }
}

fn handle_events(d: Drained) {
    // Each message is served by the thread whose critical section queued
    // it (usually its sender), so that a routine that blocks holds up only
    // the thread that asked for it.
    if let Some((p, stamp)) = d.kernel_first {
        serve_or_wake(p, stamp);
    }
    for l in d.later {
        match l {
            Later::Serve(p, stamp) => serve_or_wake(p, stamp),
            Later::MsgAccepted(p) => send_msg_accepted(p),
        }
    }
}

/// Serves message `stamp` on kernel port `p`, or wakes the kernel thread
/// waiting for it when `p` is a kernel reply port.
fn serve_or_wake(p: PortId, stamp: u64) {
    if matches!(with(|s| s.ipc.port_kobject(p)), Some((KOBJ_KREPLY, _))) {
        sched::thread_wakeup(wait_event(WaitObj::Port(p), false));
    } else {
        server::serve_stamped(p, stamp);
    }
}

/// Creates the host, host-privilege and device-master ports.
pub fn init() {
    let mut ipc = Ipc::new();
    let host = ipc.alloc_kernel_port(Some((KOBJ_HOST, 0)));
    let host_priv = ipc.alloc_kernel_port(Some((KOBJ_HOST_PRIV, 0)));
    let device_master = ipc.alloc_kernel_port(Some((KOBJ_DEVICE_MASTER, 0)));
    let pset = ipc.alloc_kernel_port(Some((KOBJ_PSET, 0)));
    let pset_name = ipc.alloc_kernel_port(Some((KOBJ_PSET_NAME, 0)));
    let processor = ipc.alloc_kernel_port(Some((KOBJ_PROCESSOR, 0)));
    cpu::without_interrupts(|| {
        *IPC.lock() = Some(State { ipc, host, host_priv, device_master, pset, pset_name, processor, tasks: BTreeMap::new(), threads: BTreeMap::new() });
    });
}

/// Gives `task` its IPC space and task port.
pub fn task_init(t: TaskId) {
    with(|s| {
        let space = s.ipc.space_create();
        let port = s.ipc.alloc_kernel_port(Some((KOBJ_TASK, u64::from(t))));
        s.tasks.insert(t, (space, port));
    });
}

/// `mach_ports_register`'s limit (GNU Mach's `TASK_PORT_REGISTER_MAX`).
pub const TASK_PORT_REGISTER_MAX: usize = 4;

/// The ports each task registered with `mach_ports_register`.
static REGISTERED: Mutex<BTreeMap<TaskId, Vec<mach_ipc::Right>>> = Mutex::new(BTreeMap::new());

/// `mach_ports_register`: `rights` (at most [`TASK_PORT_REGISTER_MAX`])
/// replace what task `t` had registered.
pub fn ports_register(t: TaskId, rights: Vec<mach_ipc::Right>) {
    let old = cpu::without_interrupts(|| REGISTERED.lock().insert(t, rights));
    if let Some(old) = old {
        with_ipc(|ipc| old.into_iter().for_each(|r| ipc.release_right(r)));
    }
}

/// `mach_ports_lookup`: copies of task `t`'s registered send rights,
/// [`TASK_PORT_REGISTER_MAX`] of them (null where none).
pub fn ports_lookup(t: TaskId) -> Vec<mach_ipc::Right> {
    // Lock order: IPC, then REGISTERED.
    with_ipc(|ipc| {
        let reg = cpu::without_interrupts(|| REGISTERED.lock().get(&t).map(|v| v.iter().map(|r| ipc.copy_send(r)).collect::<Vec<_>>()));
        let mut out = reg.unwrap_or_default();
        out.resize_with(TASK_PORT_REGISTER_MAX, mach_ipc::Right::null);
        out
    })
}

/// A new task inherits copies of its parent's registered ports.
pub fn ports_inherit(parent: TaskId, child: TaskId) {
    let copies: Vec<mach_ipc::Right> = ports_lookup(parent).into_iter().filter(|r| !r.is_null()).collect();
    if !copies.is_empty() {
        ports_register(child, copies);
    }
}

/// Destroys `task`'s space and port (its rights die, notifications go out).
pub fn task_destroy(t: TaskId) {
    if let Some(reg) = cpu::without_interrupts(|| REGISTERED.lock().remove(&t)) {
        with_ipc(|ipc| reg.into_iter().for_each(|r| ipc.release_right(r)));
    }
    let special = cpu::without_interrupts(|| SPECIAL.lock().remove(&t));
    if let Some(sp) = special {
        for r in [sp.exception, sp.bootstrap].into_iter().flatten() {
            with_ipc(|ipc| ipc.release_right(r));
        }
    }
    let events = with(|s| {
        if let Some((space, port)) = s.tasks.remove(&t) {
            let _ = s.ipc.space_destroy(space);
            let _ = s.ipc.destroy_kernel_port(port);
        }
        Drained::of(&mut s.ipc)
    });
    handle_events(events);
    // Deferred device requests whose reply port died with the task go now.
    server::retry_pending();
}

/// Destroys the port of thread `th`, if it has one.
pub fn thread_destroy(th: ThreadId) {
    set_thread_exception_port(th, None);
    let events = with(|s| {
        if let Some(p) = s.threads.remove(&th) {
            let _ = s.ipc.destroy_kernel_port(p);
        }
        Drained::of(&mut s.ipc)
    });
    handle_events(events);
}

/// The space of `task`.
pub fn space_of(t: TaskId) -> Option<SpaceId> {
    with(|s| s.tasks.get(&t).map(|x| x.0))
}

/// The space of the running thread's task: one load, no lock (GNU Mach's
/// `current_space()`; the scheduler keeps it beside the current thread).
pub fn current_space() -> Option<SpaceId> {
    match sched::current_space_raw() {
        (0, _) => None,
        (idx, gen) => Some(SpaceId::from_raw(idx - 1, gen)),
    }
}

/// A space as the scheduler keeps it for [`current_space`].
pub fn space_raw(s: SpaceId) -> (u32, u32) {
    let (idx, gen) = s.to_raw();
    (idx + 1, gen)
}

/// Which kernel port a send right is made for.
#[derive(Clone, Copy, Debug)]
pub enum KernelPort {
    Task(TaskId),
    Thread(ThreadId),
    Host,
    HostPriv,
    DeviceMaster,
    Pset,
    PsetName,
    Processor,
}

fn port_of(s: &mut State, which: KernelPort) -> Option<PortId> {
    match which {
        KernelPort::Task(t) => s.tasks.get(&t).map(|x| x.1),
        KernelPort::Thread(th) => {
            // Thread ports are made on first use, for live threads only.
            sched::with_thread(th, |_| ())?;
            let State { ipc, threads, .. } = s;
            Some(*threads.entry(th).or_insert_with(|| ipc.alloc_kernel_port(Some((KOBJ_THREAD, u64::from(th))))))
        }
        KernelPort::Host => Some(s.host),
        KernelPort::HostPriv => Some(s.host_priv),
        KernelPort::DeviceMaster => Some(s.device_master),
        KernelPort::Pset => Some(s.pset),
        KernelPort::PsetName => Some(s.pset_name),
        KernelPort::Processor => Some(s.processor),
    }
}

/// A send right to `which`, held by the kernel (`None` when it has no port).
pub fn make_send(which: KernelPort) -> Option<mach_ipc::Right> {
    with_ipc_state(|s| {
        let p = port_of(s, which)?;
        s.ipc.make_send(p).ok()
    })
}

/// A send right to kernel port `p`, held by the kernel.
pub fn make_send_port(p: PortId) -> Option<mach_ipc::Right> {
    with_ipc(|ipc| ipc.make_send(p).ok())
}

/// Makes a send right to `which` and copies it out into `space`; returns the
/// name (`MACH_PORT_NULL` when the object has no port).
pub fn give_send(space: SpaceId, which: KernelPort) -> u32 {
    with_ipc_state(|s| {
        let port = port_of(s, which);
        match port.and_then(|p| s.ipc.make_send(p).ok()) {
            Some(r) => s.ipc.copyout_right(space, r),
            None => 0,
        }
    })
}

fn with_ipc_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let (r, events) = with(|s| {
        let r = f(s);
        (r, Drained::of(&mut s.ipc))
    });
    handle_events(events);
    r
}

/// The task a name in `space` denotes (a send right to a task port).
pub fn task_from_name(space: SpaceId, name: u32) -> Option<TaskId> {
    with(|s| {
        let p = s.ipc.lookup_port(space, name)?;
        match s.ipc.port_kobject(p)? {
            (KOBJ_TASK, id) => Some(id as TaskId),
            _ => None,
        }
    })
}

/// Out-of-line memory of the running task (sender) and of a receiver.
pub struct UserMem {
    /// The receiving task, for `allocate` (None: the running task).
    pub receiver: Option<TaskId>,
}

impl OolMemory for UserMem {
    /// A range outside user space fails before anything is allocated, and
    /// a buffer the heap cannot give fails too (`MACH_SEND_INVALID_MEMORY`):
    /// the size comes from the sender.
    fn read(&mut self, addr: u32, len: u32) -> Result<Vec<u8>, ()> {
        if addr.checked_add(len).is_none_or(|end| end > uaccess::VM_MAX_ADDRESS) {
            return Err(());
        }
        let mut v = crate::vm::kalloc::try_zeroed(len as usize).ok_or(())?;
        uaccess::copyin(addr, &mut v).map_err(|_| ())?;
        Ok(v)
    }

    fn deallocate(&mut self, addr: u32, len: u32) -> Result<(), ()> {
        let t = task::current().ok_or(())?;
        task::with_task(t, |tk| tk.map.deallocate(addr, len)).ok_or(())?.map_err(|_| ())
    }

    fn allocate(&mut self, data: &[u8]) -> Result<u32, ()> {
        self.allocate_at(data, 0)
    }

    /// The copy lands `page_offset` bytes into its first page, where the
    /// sender's data started (GNU Mach moves whole pages).
    fn allocate_at(&mut self, data: &[u8], page_offset: u32) -> Result<u32, ()> {
        let t = self.receiver.or_else(task::current).ok_or(())?;
        let off = page_offset & 0xFFF;
        task::with_task(t, |tk| {
            if data.is_empty() {
                return Ok(0);
            }
            let size = (data.len() as u32).checked_add(off).ok_or(())?;
            let at = tk.map.allocate(0, size, true).map_err(|_| ())?;
            tk.map.write_kernel(at + off, data).map_err(|_| ())?;
            Ok(at + off)
        })
        .ok_or(())?
    }

    /// Regions of at least [`crate::vm::vm_map::OOL_COW_MIN`] bytes travel
    /// as the sender's map entries, copy-on-write (`VmMap::copy_out_of`);
    /// smaller ones, memory-object mappings and wired memory are copied.
    fn capture(&mut self, addr: u32, len: u32, dealloc: bool) -> Result<Option<alloc::boxed::Box<dyn mach_ipc::OolPages>>, ()> {
        if len < crate::vm::vm_map::OOL_COW_MIN {
            return Ok(None);
        }
        let t = task::current().ok_or(())?;
        let (segs, wait) = task::with_task(t, |tk| (tk.map.copy_out_of(addr, len), tk.map.machine_mut().wait.take())).ok_or(())?;
        let segs = match segs {
            // A page went to the pager since mach_msg brought it back: no
            // waiting under the IPC lock; the byte copy reports it.
            Err(kerncore::vm_map::KERN_FAULT_RETRY) => {
                wait.into_iter().for_each(crate::vm::vm_object::cancel);
                return Ok(None);
            }
            r => r.map_err(|_| ())?,
        };
        let Some(segs) = segs else { return Ok(None) };
        let copy = crate::vm::vm_map::ObjectCopy::new(segs, addr & 0xFFF, len);
        if dealloc {
            self.deallocate(addr, len)?;
        }
        Ok(Some(alloc::boxed::Box::new(copy)))
    }

    /// Maps a copy of map entries ([`crate::vm::vm_map::ObjectCopy`]) or
    /// the kernel's own pages ([`crate::vm::vm_map::PageRun`]).
    fn map_pages(&mut self, pages: alloc::boxed::Box<dyn mach_ipc::OolPages>) -> Result<u32, ()> {
        let t = self.receiver.or_else(task::current).ok_or(())?;
        let any = pages.into_any();
        let any = match any.downcast::<crate::vm::vm_map::ObjectCopy>() {
            Ok(copy) => {
                let at = task::with_task(t, |tk| tk.map.insert_copy(copy.segs())).ok_or(())?.map_err(|_| ())?;
                return Ok(at + copy.offset());
            }
            Err(any) => any,
        };
        let run = any.downcast::<crate::vm::vm_map::PageRun>().map_err(|_| ())?;
        let at = task::with_task(t, |tk| tk.map.insert_pages(run.pages())).ok_or(())?.map_err(|_| ())?;
        Ok(at + run.offset())
    }
}

/// Thread special ports (`mach/thread_special_ports.h`).
pub const THREAD_KERNEL_PORT: u32 = 1;
pub const THREAD_EXCEPTION_PORT: u32 = 3;

static THREAD_EXC: Mutex<BTreeMap<ThreadId, mach_ipc::Right>> = Mutex::new(BTreeMap::new());

/// `thread_set_special_port(THREAD_EXCEPTION_PORT)`: stores `right` (or clears).
pub fn set_thread_exception_port(th: ThreadId, right: Option<mach_ipc::Right>) {
    let old = cpu::without_interrupts(|| {
        let mut m = THREAD_EXC.lock();
        match right {
            Some(r) => m.insert(th, r),
            None => m.remove(&th),
        }
    });
    if let Some(r) = old {
        with_ipc(|ipc| ipc.release_right(r));
    }
}

/// A copy of the exception port of thread `th` (null when unset).
pub fn thread_exception_port(th: ThreadId) -> mach_ipc::Right {
    with_ipc(|ipc| match THREAD_EXC.lock().get(&th) {
        Some(r) => ipc.copy_send(r),
        None => mach_ipc::Right::null(),
    })
}

/// The port an exception of thread `th` in task `t` goes to: the thread's,
/// else the task's (a send right held for the message).
pub fn exception_port(t: TaskId, th: ThreadId) -> Option<mach_ipc::Right> {
    let r = thread_exception_port(th);
    if !r.is_null() {
        return Some(r);
    }
    let r = copy_special_port(t, TASK_EXCEPTION_PORT);
    (!r.is_null()).then_some(r)
}

/// Task special ports (`mach/task_special_ports.h`).
pub const TASK_KERNEL_PORT: u32 = 1;
pub const TASK_EXCEPTION_PORT: u32 = 3;
pub const TASK_BOOTSTRAP_PORT: u32 = 4;

/// The special ports a task holds (send rights, kept by the kernel).
#[derive(Default)]
pub struct SpecialPorts {
    pub exception: Option<mach_ipc::Right>,
    pub bootstrap: Option<mach_ipc::Right>,
}

static SPECIAL: Mutex<BTreeMap<TaskId, SpecialPorts>> = Mutex::new(BTreeMap::new());

/// `task_set_special_port` with the right named `name` in `from` (COPY_SEND).
pub fn task_set_special_port_from(from: Option<SpaceId>, t: TaskId, which: u32, name: u32) -> u32 {
    use mach_ipc::consts::kern::*;
    let Some(from) = from else { return KERN_INVALID_ARGUMENT };
    if !matches!(which, TASK_KERNEL_PORT | TASK_EXCEPTION_PORT | TASK_BOOTSTRAP_PORT) {
        return KERN_INVALID_ARGUMENT;
    }
    let right = if name == 0 {
        None
    } else {
        match with_ipc(|ipc| ipc.copyin_right(from, name, mach_ipc::consts::ty::MACH_MSG_TYPE_COPY_SEND)) {
            Ok(r) => Some(r),
            Err(e) => return e,
        }
    };
    set_special_port(t, which, right)
}

/// A copy of special port `which` of `t` (null when unset).
pub fn copy_special_port(t: TaskId, which: u32) -> mach_ipc::Right {
    // Lock order: IPC, then SPECIAL.
    with_ipc(|ipc| {
        let sp = SPECIAL.lock();
        let slot = sp.get(&t).and_then(|e| match which {
            TASK_EXCEPTION_PORT => e.exception.as_ref(),
            TASK_BOOTSTRAP_PORT => e.bootstrap.as_ref(),
            _ => None,
        });
        match slot {
            Some(r) => ipc.copy_send(r),
            None => mach_ipc::Right::null(),
        }
    })
}

/// Stores `right` as special port `which` of `t`, releasing the old one.
pub fn set_special_port(t: TaskId, which: u32, right: Option<mach_ipc::Right>) -> u32 {
    use mach_ipc::consts::kern::*;
    let old = cpu::without_interrupts(|| {
        let mut sp = SPECIAL.lock();
        let e = sp.entry(t).or_default();
        match which {
            TASK_EXCEPTION_PORT => Ok(core::mem::replace(&mut e.exception, right)),
            TASK_BOOTSTRAP_PORT => Ok(core::mem::replace(&mut e.bootstrap, right)),
            _ => Err(right),
        }
    });
    match old {
        Ok(Some(r)) => with_ipc(|ipc| ipc.release_right(r)),
        Ok(None) => {}
        Err(r) => {
            // TASK_KERNEL_PORT: GNU Mach does not let the task port be replaced this way.
            if let Some(r) = r {
                with_ipc(|ipc| ipc.release_right(r));
            }
            return KERN_INVALID_ARGUMENT;
        }
    }
    KERN_SUCCESS
}

/// Checks every IPC count from scratch; returns (ports, spaces) alive.
///
/// # Errors
/// The inconsistency found.
pub fn check() -> Result<(usize, usize), alloc::string::String> {
    with(|s| {
        s.ipc.check()?;
        Ok((s.ipc.port_count(), s.ipc.space_count()))
    })
}

/// Prints every port (for leak reports).
pub fn report_ports() {
    let r = with(|s| s.ipc.port_report());
    for (id, kobj, recv, counts) in r {
        crate::kprintln!("ipc: port {:?} kobject {:?} receiver {:?} counts {:?}", id, kobj, recv, counts);
    }
}

/// Senders told `MACH_SEND_WILL_NOTIFY`: (destination port, their send-once
/// notify right, the destination's name in their space).
static MSG_ACCEPTED: Mutex<Vec<(PortId, mach_ipc::Right, u32)>> = Mutex::new(Vec::new());

/// Records a msg-accepted notification to send when `port` has room;
/// returns `MACH_SEND_WILL_NOTIFY`. Called with the IPC lock held.
pub fn defer_msg_accepted(port: PortId, notify: mach_ipc::Right, name: u32) -> u32 {
    cpu::without_interrupts(|| MSG_ACCEPTED.lock().push((port, notify, name)));
    mach_ipc::consts::msg::MACH_SEND_WILL_NOTIFY
}

/// Sends the msg-accepted notifications (id 66) waiting for room on `port`.
fn send_msg_accepted(port: PortId) {
    let due: Vec<(PortId, mach_ipc::Right, u32)> = cpu::without_interrupts(|| {
        let mut list = MSG_ACCEPTED.lock();
        let (due, keep): (Vec<_>, Vec<_>) = core::mem::take(&mut *list).into_iter().partition(|(p, _, _)| *p == port);
        *list = keep;
        due
    });
    for (_, right, name) in due {
        let msg = mach_ipc::KMsgBuilder::new(right, mach_ipc::Right::null(), mach_ipc::consts::notify::MACH_NOTIFY_MSG_ACCEPTED)
            .port_name(name)
            .build();
        with_ipc(|ipc| ipc.send_always(msg));
    }
}
