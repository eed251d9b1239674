//! The kernel's RPC server: messages queued to kernel-object ports are
//! decoded and answered by the MIG-generated dispatchers of `kern::mig`.
//!
//! A request is handed to the dispatchers as bytes whose port fields hold
//! *handles* (the index + 1 of the right in the request) and whose
//! out-of-line address fields hold handles to the request's regions; the
//! reply is written the same way and turned into a message by
//! `Ipc::kernel_message`. As with MIG, a request whose routine fails has its
//! rights and memory destroyed; a routine that succeeds consumes the rights it
//! takes, and the rest are released.

use alloc::vec;
use alloc::vec::Vec;

use mach_ipc::consts::port::*;
use mach_ipc::{KMsg, PortId, PortLoc, Right, SpaceId};

use super::{with_ipc, KernelPort, KOBJ_HOST, KOBJ_HOST_PRIV, KOBJ_TASK, KOBJ_THREAD};
use crate::kern::mig::{gnumach, mach, mach_host, mach_port, rt};
use crate::kern::sched_prim::{self as sched, ThreadId};
use crate::kern::task::{self, TaskId};
use crate::vm::vm_object;
use kerncore::kern_return::*;

/// Header value standing for the request's target port.
const TARGET: u32 = 0xFFFF_FF00;
/// Header value standing for the request's reply port.
const REPLY: u32 = 0xFFFF_FF01;

/// Serves the message `stamp` queued on kernel port `p` (if it is still
/// there: a destroyed port takes its queue with it).
pub fn serve_stamped(p: PortId, stamp: u64) {
    if let Some((kmsg, kobj)) = with_ipc(|ipc| {
        let k = ipc.dequeue_stamped(p, stamp)?;
        Some((k, ipc.port_kobject(p)))
    }) {
        serve(kmsg, kobj);
    }
}

/// What a routine sees of its request and builds for its reply.
pub(crate) struct Ctx {
    pub(crate) target: Option<(u32, u64)>,
    rights: Vec<Option<Right>>,
    ool: Vec<Option<Vec<u8>>>,
    reply_rights: Vec<Right>,
    reply_ool: Vec<Vec<u8>>,
    /// Out-of-line reply data held as pages: (index in `reply_ool`, pages).
    reply_pages: Vec<(usize, alloc::boxed::Box<dyn mach_ipc::OolPages>)>,
    /// A task or thread to terminate once the request is cleaned up (the
    /// caller may be ending itself, which does not return).
    terminate_after: Option<After>,
    /// The routine cannot answer yet (its device would block): keep the
    /// request and run it again when the device has news.
    pub(crate) defer: bool,
}

impl Ctx {
    /// The target task. Another kind of port: GNU Mach's conversion gives
    /// no task, and its routines answer `KERN_INVALID_ARGUMENT`.
    fn task(&self) -> Result<TaskId, i32> {
        match self.target {
            Some((KOBJ_TASK, id)) => Ok(id as TaskId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The target task's space (`KERN_INVALID_TASK` for another kind of
    /// port, as the `mach_port_*` routines of GNU Mach answer).
    fn space(&self) -> Result<SpaceId, i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        super::space_of(t).ok_or(KERN_INVALID_TASK)
    }

    /// The target thread (`KERN_INVALID_ARGUMENT` for another kind of port).
    fn thread(&self) -> Result<ThreadId, i32> {
        match self.target {
            Some((KOBJ_THREAD, id)) => Ok(id as ThreadId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The request went to the privileged host port (`KERN_INVALID_HOST`
    /// for the ordinary one).
    fn host_priv(&self) -> Result<(), i32> {
        match self.target {
            Some((KOBJ_HOST_PRIV, _)) => Ok(()),
            _ => Err(KERN_INVALID_HOST),
        }
    }

    /// The request went to the processor set's control port (or, with
    /// `name_ok`, its name port).
    fn pset(&self, name_ok: bool) -> Result<(), i32> {
        match self.target {
            Some((super::KOBJ_PSET, _)) => Ok(()),
            Some((super::KOBJ_PSET_NAME, _)) if name_ok => Ok(()),
            // GNU Mach's conversion yields no set: an invalid argument.
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The kernel object behind request handle `h`.
    fn kobject_of_handle(&self, h: u32) -> Option<(u32, u64)> {
        let p = self.rights.get((h as usize).wrapping_sub(1))?.as_ref()?.port_id()?;
        with_ipc(|ipc| ipc.port_kobject(p))
    }

    fn host(&self) -> Result<(), i32> {
        match self.target {
            Some((KOBJ_HOST | KOBJ_HOST_PRIV, _)) => Ok(()),
            _ => Err(KERN_INVALID_HOST),
        }
    }

    /// Takes the out-of-line bytes behind request handle `h` (empty for 0).
    pub(crate) fn take_ool(&mut self, h: u32) -> Result<Vec<u8>, i32> {
        match h {
            0 => Ok(Vec::new()),
            h => self.ool.get_mut(h as usize - 1).and_then(Option::take).ok_or(rt::MIG_BAD_ARGUMENTS),
        }
    }

    /// Takes the right behind request handle `h` (null for 0).
    fn take(&mut self, h: u32) -> Result<Right, i32> {
        match h {
            0 => Ok(Right::null()),
            MACH_PORT_DEAD => Ok(Right::dead()),
            h => self.rights.get_mut(h as usize - 1).and_then(Option::take).ok_or(rt::MIG_BAD_ARGUMENTS),
        }
    }

    /// Takes the right behind request handle `h`, for routines outside this
    /// module (null for 0).
    pub(crate) fn take_right(&mut self, h: u32) -> Result<Right, i32> {
        self.take(h)
    }

    /// Puts `right` in the reply; returns its handle.
    pub(crate) fn give(&mut self, right: Right) -> u32 {
        if right.is_null() {
            return 0;
        }
        if right.is_dead() {
            return MACH_PORT_DEAD;
        }
        self.reply_rights.push(right);
        self.reply_rights.len() as u32
    }

    /// A send right to a kernel object, for the reply.
    fn give_send(&mut self, which: KernelPort) -> u32 {
        match super::make_send(which) {
            Some(r) => self.give(r),
            None => 0,
        }
    }

    /// Puts out-of-line bytes in the reply; returns the `Ool` value.
    pub(crate) fn give_ool(&mut self, data: Vec<u8>, elem_bytes: u32) -> rt::Ool {
        let count = data.len() as u32 / elem_bytes.max(1);
        self.reply_ool.push(data);
        rt::Ool { addr: self.reply_ool.len() as u32, count, dealloc: false }
    }

    /// Puts out-of-line bytes held as pages in the reply (the receiver gets
    /// the pages themselves); returns its handle and count.
    pub(crate) fn give_ool_pages(&mut self, run: alloc::boxed::Box<dyn mach_ipc::OolPages>) -> rt::Ool {
        let count = run.len();
        self.reply_ool.push(Vec::new());
        self.reply_pages.push((self.reply_ool.len() - 1, run));
        rt::Ool { addr: self.reply_ool.len() as u32, count, dealloc: false }
    }
}

#[derive(Clone, Copy)]
enum After {
    Task(TaskId),
    Thread(ThreadId),
}


fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// A request being served, or waiting for its device (`io_done`).
struct Request {
    target: Option<(u32, u64)>,
    /// The message as the dispatchers read it (ports and OOL as handles).
    req: Vec<u8>,
    rights: Vec<Option<Right>>,
    ool: Vec<Option<Vec<u8>>>,
    reply_to: Right,
}

/// Requests whose device would block, run again when a device has news.
static PENDING: spin::Mutex<Vec<Request>> = spin::Mutex::new(Vec::new());

fn serve(mut kmsg: KMsg, target: Option<(u32, u64)>) {
    // The request as the dispatchers read it.
    let mut req = Vec::with_capacity(24 + kmsg.body.len());
    for w in [kmsg.bits, kmsg.size, TARGET, if kmsg.local().is_null() { 0 } else { REPLY }, kmsg.seqno, kmsg.id] {
        req.extend_from_slice(&w.to_le_bytes());
    }
    req.extend_from_slice(&kmsg.body);
    let mut rights = Vec::new();
    let n = kmsg.ports().len();
    for i in 0..n {
        let loc = kmsg.ports()[i].loc;
        let right = kmsg.take_port(i);
        rights.push(Some(right));
        let h = (i + 1) as u32;
        match loc {
            PortLoc::Inline { offset } => req[24 + offset as usize..28 + offset as usize].copy_from_slice(&h.to_le_bytes()),
            PortLoc::Ool { region, index } => {
                let r = &mut kmsg.ool[region as usize];
                r.data[index as usize * 4..index as usize * 4 + 4].copy_from_slice(&h.to_le_bytes());
            }
        }
    }
    let mut ool = Vec::new();
    let mut short = false;
    for (j, r) in kmsg.ool.iter_mut().enumerate() {
        let off = 24 + r.addr_offset as usize;
        req[off..off + 4].copy_from_slice(&((j + 1) as u32).to_le_bytes());
        let bytes = r.take_bytes();
        short |= bytes.is_none();
        ool.push(bytes);
    }
    let reply_to = kmsg.take_local();
    with_ipc(|ipc| ipc.destroy_received_kmsg(kmsg));
    if short {
        // Out-of-line data the heap cannot copy (its size is the sender's):
        // the request fails as a whole, before any routine sees it.
        refuse(&req, rights, reply_to, KERN_RESOURCE_SHORTAGE);
        return;
    }
    run(Request { target, req, rights, ool, reply_to });
}

/// Answers request `req` with `code` alone, releasing what it brought.
fn refuse(req: &[u8], rights: Vec<Option<Right>>, reply_to: Right, code: i32) {
    let mut reply = [0u8; 32];
    let ports = rt::Header::read(req).map(|h| rt::RequestPorts::of(&h, mach::HEADER_VIEW));
    with_ipc(|ipc| {
        rights.into_iter().flatten().for_each(|r| ipc.release_right(r));
        match ports {
            Some(p) if !reply_to.is_null() => {
                rt::start_reply(&mut reply, &p, rd32(req, 20), code);
                if let Ok(m) = ipc.kernel_message(reply_to, &reply, Vec::new(), Vec::new()) {
                    ipc.send_always(m);
                }
            }
            _ => ipc.release_right(reply_to),
        }
    });
}

/// Dispatches a request and answers it, or keeps it for later when its
/// routine deferred (a device read that would block).
fn run(r: Request) {
    let Request { target, req, rights, ool, reply_to } = r;
    let generation = crate::device::io_generation();
    let mut ctx = Ctx { target, rights, ool, reply_rights: Vec::new(), reply_ool: Vec::new(), reply_pages: Vec::new(), terminate_after: None, defer: false };
    let mut reply = vec![0u8; REPLY_BUF];
    let out = dispatch(&mut ctx, &req, &mut reply);
    if ctx.defer {
        park(ctx, req, reply_to, generation);
        return;
    }
    finish(ctx, &req, &mut reply, out, reply_to);
}

/// Keeps a deferred request (its routine would block on a device) for
/// [`retry_pending`].
fn park(ctx: Ctx, req: Vec<u8>, reply_to: Right, generation: u32) {
    let Ctx { target, rights, ool, reply_rights, .. } = ctx;
    with_ipc(|ipc| reply_rights.into_iter().for_each(|r| ipc.release_right(r)));
    crate::i386::cpu::without_interrupts(|| PENDING.lock().push(Request { target, req, rights, ool, reply_to }));
    // News that came while the routine ran may have been missed: the
    // request is on the list now, so one more round finds it.
    if crate::device::io_generation() != generation {
        crate::device::io_done();
    }
}

/// Answers a request whose routine ran: queues the reply on `reply_to`,
/// releases what the routine left, and ends a task or thread it asked to.
fn finish(ctx: Ctx, req: &[u8], reply: &mut [u8], mut out: rt::Outcome, reply_to: Right) {
    if !out.known {
        let id = rd32(req, 20);
        rt::start_reply(reply, &rt::RequestPorts::of(&rt::Header::read(req).unwrap(), mach::HEADER_VIEW), id, rt::MIG_BAD_ID);
        out = rt::Outcome { known: false, ret_code: rt::MIG_BAD_ID, reply_size: 32, send_reply: !reply_to.is_null() };
    }
    let Ctx { rights, reply_rights, reply_ool, reply_pages, terminate_after, .. } = ctx;
    with_ipc(|ipc| {
        for r in rights.into_iter().flatten() {
            ipc.release_right(r);
        }
        if out.send_reply && !reply_to.is_null() && out.reply_size >= 24 {
            if let Ok(m) = ipc.kernel_message_pages(reply_to, &reply[..out.reply_size], reply_rights, reply_ool, reply_pages) {
                ipc.send_always(m);
            }
        } else {
            ipc.release_right(reply_to);
            for r in reply_rights {
                ipc.release_right(r);
            }
        }
    });
    after_request(terminate_after);
}

/// What every answered request ends with: memory objects the request left
/// unmapped (`vm_deallocate`) go back to their pagers, and a task or thread
/// the routine ended goes.
fn after_request(terminate_after: Option<After>) {
    vm_object::reap();
    match terminate_after {
        Some(After::Task(t)) => task::terminate(t),
        Some(After::Thread(th)) => task::terminate_thread(th),
        None => {}
    }
}

/// Largest reply of the subsystem serving request `id` (a reply buffer of
/// that size is enough for the dispatcher).
fn max_reply(id: u32) -> usize {
    match id {
        3200..=3299 => mach_port::MAX_REPLY_SIZE,
        4200..=4299 => gnumach::MAX_REPLY_SIZE,
        _ => REPLY_BUF,
    }
}

/// Reply buffer on the stack for the subsystems whose replies are small.
const SMALL_REPLY: usize = 128;

/// What [`serve_in_place`] did with a request.
pub enum InPlace {
    /// The reply was written to the caller's buffer: the `mach_msg` result.
    Received(u32),
    /// The reply (or, for a deferred routine, the request) went the
    /// ordinary way: the caller receives from its reply port as usual.
    Queued,
}

/// The kernel RPC fast path (GNU Mach's `mach_msg` fast path for kernel
/// objects): serves a simple request sent with `COPY_SEND` to a kernel port
/// and `MAKE_SEND_ONCE` of `reply_name`, in the sender's context, without
/// queueing it. `req` is the request as the user wrote it (its header is
/// rewritten here). A simple reply that fits `rcv_size` goes straight into
/// the user's buffer at `msg`, with the reply port's next sequence number;
/// anything else (a reply carrying rights or memory, too large, no reply, a
/// routine that waits for a device) takes the send-once right the message
/// would have made and continues the ordinary way.
pub fn serve_in_place(target: (u32, u64), req: &mut [u8], space: SpaceId, reply_port: PortId, reply_name: u32, msg: u32, rcv_size: u32) -> InPlace {
    use mach_ipc::consts::ty::{MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE};
    // The header as the dispatchers read it: carried types, handles.
    let bits = (rd32(req, 0) & !0xFFFF) | MACH_MSG_TYPE_PORT_SEND | (MACH_MSG_TYPE_PORT_SEND_ONCE << 8);
    for (off, w) in [(0, bits), (8, TARGET), (12, REPLY), (16, 0)] {
        req[off..off + 4].copy_from_slice(&w.to_le_bytes());
    }
    let id = rd32(req, 20);
    let generation = crate::device::io_generation();
    let mut ctx = Ctx { target: Some(target), rights: Vec::new(), ool: Vec::new(), reply_rights: Vec::new(), reply_ool: Vec::new(), reply_pages: Vec::new(), terminate_after: None, defer: false };
    let mut small = [0u8; SMALL_REPLY];
    let mut large = Vec::new();
    let reply: &mut [u8] = if max_reply(id) <= SMALL_REPLY {
        &mut small
    } else {
        large.resize(REPLY_BUF, 0);
        &mut large
    };
    let out = dispatch(&mut ctx, req, reply);
    let simple = !ctx.defer && out.known && out.send_reply && ctx.reply_rights.is_empty() && ctx.reply_ool.is_empty();
    let size = out.reply_size;
    if simple && (24..=rcv_size as usize).contains(&size) && rd32(reply, 0) & mach_ipc::consts::bits::MACH_MSGH_BITS_COMPLEX == 0 {
        if let Some(seqno) = with_ipc(|ipc| ipc.rpc_fast_deliver(space, reply_port, reply_name)) {
            // As the queued reply would arrive: the send-once right it
            // carried names the reply port, and nothing comes as a reply port.
            let mut header = [0u8; 24];
            for (i, w) in [MACH_MSG_TYPE_PORT_SEND_ONCE << 8, size as u32, 0, reply_name, seqno, rd32(reply, 20)].into_iter().enumerate() {
                header[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            let code = if crate::i386::uaccess::copyout(&header, msg).is_ok() && crate::i386::uaccess::copyout(&reply[24..size], msg + 24).is_ok() {
                mach_ipc::consts::msg::MACH_MSG_SUCCESS
            } else {
                mach_ipc::consts::msg::MACH_RCV_INVALID_DATA
            };
            after_request(ctx.terminate_after.take());
            return InPlace::Received(code);
        }
    }
    // The ordinary way, with the send-once right the request would have carried.
    let reply_to = with_ipc(|ipc| ipc.make_send_once(reply_port)).unwrap_or_else(|_| Right::null());
    if ctx.defer {
        park(ctx, req.to_vec(), reply_to, generation);
    } else {
        finish(ctx, req, reply, out, reply_to);
    }
    InPlace::Queued
}

/// Runs the deferred requests again (a device has news). Requests whose
/// reply port died are dropped.
pub fn retry_pending() {
    let list = crate::i386::cpu::without_interrupts(|| core::mem::take(&mut *PENDING.lock()));
    for r in list {
        let alive = r.reply_to.port_id().is_some_and(|p| with_ipc(|ipc| ipc.port_alive(p)));
        if alive {
            run(r);
        } else {
            with_ipc(|ipc| {
                ipc.release_right(r.reply_to);
                r.rights.into_iter().flatten().for_each(|x| ipc.release_right(x));
            });
        }
    }
}

/// `thread_priority`'s rule: `priority` must not be above (numerically
/// below) the thread's maximum; with `set_max` it becomes the maximum too.
fn set_thread_priority(th: ThreadId, priority: u32, set_max: bool) -> Result<(), i32> {
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
fn notify_new_task(child: TaskId, parent: TaskId) {
    let Some(dest) = crate::i386::cpu::without_interrupts(|| NEW_TASK_NOTIFY.lock().as_ref().and_then(|r| r.port_id())) else { return };
    let Some(dest) = super::make_send_port(dest) else { return };
    let child = super::make_send(KernelPort::Task(child)).unwrap_or_else(Right::null);
    let parent = super::make_send(KernelPort::Task(parent)).unwrap_or_else(Right::null);
    crate::vm::vm_object::send(dest, alloc::vec![child, parent], Vec::new(), |m| crate::kern::mig::task_notify::mach_notify_new_task(m, 0, 1, 2));
}

/// Room for the largest reply of every served interface.
const REPLY_BUF: usize = {
    let a = if mach::MAX_REPLY_SIZE > crate::kern::mig::device::MAX_REPLY_SIZE { mach::MAX_REPLY_SIZE } else { crate::kern::mig::device::MAX_REPLY_SIZE };
    let b = mach_port::MAX_REPLY_SIZE;
    let c = mach_host::MAX_REPLY_SIZE;
    let d = gnumach::MAX_REPLY_SIZE;
    let ab = if a > b { a } else { b };
    let cd = if c > d { c } else { d };
    if ab > cd { ab } else { cd }
};

fn dispatch(ctx: &mut Ctx, req: &[u8], reply: &mut [u8]) -> rt::Outcome {
    let id = rd32(req, 20);
    if let Some((super::KOBJ_DEVICE, idx)) = ctx.target {
        if id == mach_ipc::consts::notify::MACH_NOTIFY_NO_SENDERS {
            crate::device::no_senders(idx as usize);
            return rt::Outcome { known: true, ret_code: rt::MIG_NO_REPLY, reply_size: 0, send_reply: false };
        }
    }
    if let Some((super::KOBJ_IO_PERM, idx)) = ctx.target {
        if id == mach_ipc::consts::notify::MACH_NOTIFY_NO_SENDERS {
            crate::i386::io_perm::no_senders(idx);
            return rt::Outcome { known: true, ret_code: rt::MIG_NO_REPLY, reply_size: 0, send_reply: false };
        }
    }
    match id {
        2800..=2899 => crate::kern::mig::device::device_server(ctx, req, reply),
        3200..=3299 => mach_port::mach_port_server(ctx, req, reply),
        2600..=2699 => mach_host::mach_host_server(ctx, req, reply),
        4200..=4299 => gnumach::gnumach_server(ctx, req, reply),
        3800..=3899 => crate::kern::mig::mach_i386::mach_i386_server(ctx, req, reply),
        _ => mach::mach_server(ctx, req, reply),
    }
}

fn ok_or<T>(r: Result<T, u32>) -> Result<T, i32> {
    r.map_err(|e| e as i32)
}

// ---------------------------------------------------------------------------
// mach_port.defs: the target is a task; the routines act on its space.

impl mach_port::MachPortServer for Ctx {
    fn mach_port_names(&mut self, _: mach_port::MachPortNamesRequest) -> Result<mach_port::MachPortNamesReply, i32> {
        let space = self.space()?;
        let list = ok_or(with_ipc(|ipc| ipc.mach_port_names(space)))?;
        let names: Vec<u8> = list.iter().flat_map(|(n, _)| n.to_le_bytes()).collect();
        let types: Vec<u8> = list.iter().flat_map(|(_, t)| t.to_le_bytes()).collect();
        Ok(mach_port::MachPortNamesReply { names: self.give_ool(names, 4), types: self.give_ool(types, 4) })
    }

    fn mach_port_type(&mut self, req: mach_port::MachPortTypeRequest) -> Result<mach_port::MachPortTypeReply, i32> {
        let space = self.space()?;
        Ok(mach_port::MachPortTypeReply { ptype: ok_or(with_ipc(|ipc| ipc.mach_port_type(space, req.name)))? })
    }

    fn mach_port_rename(&mut self, req: mach_port::MachPortRenameRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_rename(space, req.old_name, req.new_name)))
    }

    fn mach_port_allocate_name(&mut self, req: mach_port::MachPortAllocateNameRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_allocate_name(space, req.right, req.name)))
    }

    fn mach_port_allocate(&mut self, req: mach_port::MachPortAllocateRequest) -> Result<mach_port::MachPortAllocateReply, i32> {
        let space = self.space()?;
        Ok(mach_port::MachPortAllocateReply { name: ok_or(with_ipc(|ipc| ipc.mach_port_allocate(space, req.right)))? })
    }

    /// Messages received from the port carry `payload` in their local
    /// field, with the local type `MACH_MSG_TYPE_PROTECTED_PAYLOAD`.
    fn mach_port_set_protected_payload(&mut self, req: mach_port::MachPortSetProtectedPayloadRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_set_protected_payload(space, req.name, req.payload)))
    }

    fn mach_port_clear_protected_payload(&mut self, req: mach_port::MachPortClearProtectedPayloadRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_clear_protected_payload(space, req.name)))
    }

    fn mach_port_destroy(&mut self, req: mach_port::MachPortDestroyRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_destroy(space, req.name)))
    }

    fn mach_port_deallocate(&mut self, req: mach_port::MachPortDeallocateRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_deallocate(space, req.name)))
    }

    fn mach_port_get_refs(&mut self, req: mach_port::MachPortGetRefsRequest) -> Result<mach_port::MachPortGetRefsReply, i32> {
        let space = self.space()?;
        Ok(mach_port::MachPortGetRefsReply { refs: ok_or(with_ipc(|ipc| ipc.mach_port_get_refs(space, req.name, req.right)))? })
    }

    fn mach_port_mod_refs(&mut self, req: mach_port::MachPortModRefsRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_mod_refs(space, req.name, req.right, req.delta as i32)))
    }

    fn mach_port_set_qlimit(&mut self, req: mach_port::MachPortSetQlimitRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_set_qlimit(space, req.name, req.qlimit)))
    }

    fn mach_port_set_mscount(&mut self, req: mach_port::MachPortSetMscountRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_set_mscount(space, req.name, req.mscount)))
    }

    fn mach_port_get_set_status(&mut self, req: mach_port::MachPortGetSetStatusRequest) -> Result<mach_port::MachPortGetSetStatusReply, i32> {
        let space = self.space()?;
        let members = ok_or(with_ipc(|ipc| ipc.mach_port_get_set_status(space, req.name)))?;
        let bytes: Vec<u8> = members.iter().flat_map(|n| n.to_le_bytes()).collect();
        Ok(mach_port::MachPortGetSetStatusReply { members: self.give_ool(bytes, 4) })
    }

    fn mach_port_move_member(&mut self, req: mach_port::MachPortMoveMemberRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_move_member(space, req.member, req.after)))
    }

    fn mach_port_request_notification(&mut self, req: mach_port::MachPortRequestNotificationRequest) -> Result<mach_port::MachPortRequestNotificationReply, i32> {
        let space = self.space()?;
        let notify = self.take(req.notify)?;
        let prev = ok_or(with_ipc(|ipc| ipc.mach_port_request_notification(space, req.name, req.id, req.sync, notify)))?;
        Ok(mach_port::MachPortRequestNotificationReply { previous: self.give(prev) })
    }

    fn mach_port_insert_right(&mut self, req: mach_port::MachPortInsertRightRequest) -> Result<(), i32> {
        let space = self.space()?;
        let right = self.take(req.poly.name)?;
        ok_or(with_ipc(|ipc| ipc.mach_port_insert_right(space, req.name, right)))
    }

    fn mach_port_extract_right(&mut self, req: mach_port::MachPortExtractRightRequest) -> Result<mach_port::MachPortExtractRightReply, i32> {
        let space = self.space()?;
        let (right, ty) = ok_or(with_ipc(|ipc| ipc.mach_port_extract_right(space, req.name, req.msgt_name)))?;
        Ok(mach_port::MachPortExtractRightReply { poly: rt::PolyPort { name: self.give(right), disposition: ty } })
    }

    fn mach_port_get_receive_status(&mut self, req: mach_port::MachPortGetReceiveStatusRequest) -> Result<mach_port::MachPortGetReceiveStatusReply, i32> {
        let space = self.space()?;
        let st = ok_or(with_ipc(|ipc| ipc.mach_port_get_receive_status(space, req.name)))?;
        let b = st.to_bytes();
        let mut status = [0u32; 9];
        for (i, w) in b.chunks_exact(4).enumerate() {
            status[i] = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        }
        Ok(mach_port::MachPortGetReceiveStatusReply { status })
    }

    fn mach_port_set_seqno(&mut self, req: mach_port::MachPortSetSeqnoRequest) -> Result<(), i32> {
        let space = self.space()?;
        ok_or(with_ipc(|ipc| ipc.mach_port_set_seqno(space, req.name, req.seqno)))
    }
}

// ---------------------------------------------------------------------------
// mach.defs: tasks, threads and VM.

const TASK_BASIC_INFO: u32 = 1;
const TASK_EVENTS_INFO: u32 = 2;
const TASK_THREAD_TIMES_INFO: u32 = 3;
const THREAD_BASIC_INFO: u32 = 1;
const THREAD_SCHED_INFO: u32 = 2;

/// Copies `words` into a MIG reply array, checking the caller's capacity.
fn fill(out: &mut [u32; 1024], cnt: &mut u32, capacity: u32, words: &[u32]) -> Result<(), i32> {
    if (capacity as usize) < words.len() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    out[..words.len()].copy_from_slice(words);
    *cnt = words.len() as u32;
    Ok(())
}

fn ticks_to_time(ticks: u64) -> [u32; 2] {
    let hz = u64::from(crate::i386::clock::HZ);
    [(ticks / hz) as u32, ((ticks % hz) * (1_000_000 / hz)) as u32]
}

impl mach::MachServer for Ctx {
    fn task_create(&mut self, req: mach::TaskCreateRequest) -> Result<mach::TaskCreateReply, i32> {
        let parent = self.task()?;
        let child = task::create_child(parent, req.inherit_memory != 0)?;
        super::ports_inherit(parent, child);
        notify_new_task(child, parent);
        Ok(mach::TaskCreateReply { child_task: self.give_send(KernelPort::Task(child)) })
    }

    fn task_terminate(&mut self, _: mach::TaskTerminateRequest) -> Result<(), i32> {
        let t = self.task()?;
        // After the request is cleaned up (the caller may be ending itself).
        self.terminate_after = Some(After::Task(t));
        Ok(())
    }

    fn task_suspend(&mut self, _: mach::TaskSuspendRequest) -> Result<(), i32> {
        task::suspend(self.task()?)
    }

    fn task_resume(&mut self, _: mach::TaskResumeRequest) -> Result<(), i32> {
        task::resume(self.task()?)
    }

    fn task_info(&mut self, req: mach::TaskInfoRequest) -> Result<mach::TaskInfoReply, i32> {
        let t = self.task()?;
        let (suspend, virt, resident, threads) = task::with_task(t, |tk| (tk.suspend_count, tk.map.virtual_size(), tk.map.resident_pages() as u32 * 4096, tk.threads.clone())).ok_or(KERN_INVALID_TASK)?;
        let ticks: u64 = threads.iter().filter_map(|&th| sched::with_thread(th, |x| x.ticks)).sum();
        let words: Vec<u32> = match req.flavor {
            TASK_BASIC_INFO => {
                let u = ticks_to_time(ticks);
                vec![suspend, u32::from(sched::BASEPRI_USER), virt, resident, u[0], u[1], 0, 0, 0, 0]
            }
            TASK_EVENTS_INFO => vec![0; 7],
            TASK_THREAD_TIMES_INFO => {
                let u = ticks_to_time(ticks);
                vec![u[0], u[1], 0, 0]
            }
            _ => return Err(KERN_INVALID_ARGUMENT),
        };
        let mut r = mach::TaskInfoReply { task_info_out: [0; 1024], task_info_out_cnt: 0 };
        fill(&mut r.task_info_out, &mut r.task_info_out_cnt, req.task_info_out_cnt, &words)?;
        Ok(r)
    }

    fn task_get_special_port(&mut self, req: mach::TaskGetSpecialPortRequest) -> Result<mach::TaskGetSpecialPortReply, i32> {
        let t = self.task()?;
        let right = match req.which_port {
            super::TASK_KERNEL_PORT => super::make_send(KernelPort::Task(t)).unwrap_or(Right::null()),
            super::TASK_EXCEPTION_PORT | super::TASK_BOOTSTRAP_PORT => super::copy_special_port(t, req.which_port),
            _ => return Err(KERN_INVALID_ARGUMENT),
        };
        Ok(mach::TaskGetSpecialPortReply { special_port: self.give(right) })
    }

    fn task_set_special_port(&mut self, req: mach::TaskSetSpecialPortRequest) -> Result<(), i32> {
        let t = self.task()?;
        let right = self.take(req.special_port)?;
        let right = if right.is_null() { None } else { Some(right) };
        match super::set_special_port(t, req.which_port, right) {
            0 => Ok(()),
            e => Err(e as i32),
        }
    }

    /// `mach_ports_register`: up to four send rights the task keeps (and
    /// its children inherit) for `mach_ports_lookup`.
    fn mach_ports_register(&mut self, req: mach::MachPortsRegisterRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        let data = self.take_ool(req.init_port_set.addr)?;
        let count = (req.init_port_set.count as usize).min(data.len() / 4);
        if count > super::TASK_PORT_REGISTER_MAX {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let mut rights = Vec::with_capacity(count);
        for c in data[..count * 4].chunks_exact(4) {
            let h = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
            let r = match h {
                0 => Right::null(),
                h => self.rights.get_mut(h - 1).and_then(Option::take).unwrap_or_else(Right::null),
            };
            rights.push(r);
        }
        super::ports_register(t, rights);
        Ok(())
    }

    fn mach_ports_lookup(&mut self, _: mach::MachPortsLookupRequest) -> Result<mach::MachPortsLookupReply, i32> {
        let t = self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        let mut handles = Vec::with_capacity(16);
        for r in super::ports_lookup(t) {
            let h = self.give(r);
            handles.extend_from_slice(&h.to_le_bytes());
        }
        Ok(mach::MachPortsLookupReply { init_port_set: self.give_ool(handles, 4) })
    }

    fn task_threads(&mut self, _: mach::TaskThreadsRequest) -> Result<mach::TaskThreadsReply, i32> {
        let t = self.task()?;
        let threads = task::with_task(t, |tk| tk.threads.clone()).ok_or(KERN_INVALID_TASK)?;
        let mut handles = Vec::with_capacity(threads.len() * 4);
        for th in threads {
            let h = self.give_send(KernelPort::Thread(th));
            handles.extend_from_slice(&h.to_le_bytes());
        }
        Ok(mach::TaskThreadsReply { thread_list: self.give_ool(handles, 4) })
    }

    fn thread_create(&mut self, _: mach::ThreadCreateRequest) -> Result<mach::ThreadCreateReply, i32> {
        let t = self.task()?;
        let th = task::create_user_thread(t, 0, 0, false)?;
        Ok(mach::ThreadCreateReply { child_thread: self.give_send(KernelPort::Thread(th)) })
    }

    fn thread_get_special_port(&mut self, req: mach::ThreadGetSpecialPortRequest) -> Result<mach::ThreadGetSpecialPortReply, i32> {
        let th = self.thread()?;
        let right = match req.which_port {
            super::THREAD_KERNEL_PORT => super::make_send(KernelPort::Thread(th)).unwrap_or(Right::null()),
            super::THREAD_EXCEPTION_PORT => super::thread_exception_port(th),
            _ => return Err(KERN_INVALID_ARGUMENT),
        };
        Ok(mach::ThreadGetSpecialPortReply { special_port: self.give(right) })
    }

    fn thread_set_special_port(&mut self, req: mach::ThreadSetSpecialPortRequest) -> Result<(), i32> {
        let th = self.thread()?;
        if req.which_port != super::THREAD_EXCEPTION_PORT {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let right = self.take(req.special_port)?;
        super::set_thread_exception_port(th, if right.is_null() { None } else { Some(right) });
        Ok(())
    }

    fn thread_resume(&mut self, _: mach::ThreadResumeRequest) -> Result<(), i32> {
        if sched::resume(self.thread()?) { Ok(()) } else { Err(KERN_FAILURE) }
    }

    fn thread_suspend(&mut self, _: mach::ThreadSuspendRequest) -> Result<(), i32> {
        if sched::suspend(self.thread()?) { Ok(()) } else { Err(KERN_INVALID_ARGUMENT) }
    }

    fn thread_terminate(&mut self, _: mach::ThreadTerminateRequest) -> Result<(), i32> {
        self.terminate_after = Some(After::Thread(self.thread()?));
        Ok(())
    }

    fn thread_abort(&mut self, _: mach::ThreadAbortRequest) -> Result<(), i32> {
        sched::clear_wait(self.thread()?, sched::WaitResult::Interrupted);
        Ok(())
    }

    /// The flavours of GNU Mach on i386 (`i386::pcb::get_status`); never
    /// on the calling thread itself (`KERN_INVALID_ARGUMENT`, as GNU Mach).
    fn thread_get_state(&mut self, req: mach::ThreadGetStateRequest) -> Result<mach::ThreadGetStateReply, i32> {
        let th = self.thread()?;
        if th == sched::current() {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let words = crate::i386::pcb::get_status(th, req.flavor, req.old_state_cnt)?;
        let mut r = mach::ThreadGetStateReply { old_state: [0; 1024], old_state_cnt: 0 };
        fill(&mut r.old_state, &mut r.old_state_cnt, req.old_state_cnt, &words)?;
        Ok(r)
    }

    /// As `thread_get_state` (`i386::pcb::set_status`).
    fn thread_set_state(&mut self, req: mach::ThreadSetStateRequest<'_>) -> Result<(), i32> {
        let th = self.thread()?;
        if th == sched::current() {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let w: Vec<u32> = req.new_state.iter().collect();
        crate::i386::pcb::set_status(th, req.flavor, &w)
    }

    fn thread_info(&mut self, req: mach::ThreadInfoRequest) -> Result<mach::ThreadInfoReply, i32> {
        let th = self.thread()?;
        let s = sched::snapshot(th).ok_or(KERN_INVALID_ARGUMENT)?;
        let words: Vec<u32> = match req.flavor {
            THREAD_BASIC_INFO => {
                let u = ticks_to_time(s.ticks);
                let state = if s.halted { 5 } else if s.suspend_count > 0 { 2 } else if s.waiting { 3 } else { 1 };
                vec![u[0], u[1], 0, 0, s.cpu_usage, u32::from(s.base_pri), u32::from(s.sched_pri), state, 0, s.suspend_count, 0, 0, 0]
            }
            THREAD_SCHED_INFO => vec![s.policy, s.policy_data, u32::from(s.base_pri), u32::from(s.max_pri), u32::from(s.sched_pri), u32::from(s.depressed), 0],
            _ => return Err(KERN_INVALID_ARGUMENT),
        };
        let mut r = mach::ThreadInfoReply { thread_info_out: [0; 1024], thread_info_out_cnt: 0 };
        fill(&mut r.thread_info_out, &mut r.thread_info_out_cnt, req.thread_info_out_cnt, &words)?;
        Ok(r)
    }

    fn vm_allocate(&mut self, req: mach::VmAllocateRequest) -> Result<mach::VmAllocateReply, i32> {
        let t = self.task()?;
        let at = task::with_task(t, |tk| tk.map.allocate(req.address, req.size, req.anywhere != 0)).ok_or(KERN_INVALID_TASK)??;
        Ok(mach::VmAllocateReply { address: at })
    }

    /// `vm_map`: anonymous memory (null object) or a memory object: a pager's
    /// port (the kernel makes the object and sends `memory_object_init` at
    /// its first mapping) or a kernel one from `device_map`.
    fn vm_map(&mut self, req: mach::VmMapRequest) -> Result<mach::VmMapReply, i32> {
        let t = self.task()?;
        let right = self.take(req.memory_object)?;
        let r = vm_object::MapRequest {
            address: req.address,
            size: req.size,
            mask: req.mask,
            anywhere: req.anywhere != 0,
            offset: req.offset,
            copy: req.copy != 0,
            cur_protection: req.cur_protection,
            max_protection: req.max_protection,
            inheritance: req.inheritance,
        };
        Ok(mach::VmMapReply { address: vm_object::map(t, right, &r)? })
    }

    fn memory_object_ready(&mut self, req: mach::MemoryObjectReadyRequest) -> Result<(), i32> {
        vm_object::ready(self.target, req.may_cache != 0, req.copy_strategy)
    }

    fn memory_object_get_attributes(&mut self, _: mach::MemoryObjectGetAttributesRequest) -> Result<mach::MemoryObjectGetAttributesReply, i32> {
        let (ready, may_cache, copy_strategy) = vm_object::attributes(self.target)?;
        Ok(mach::MemoryObjectGetAttributesReply { object_ready: u32::from(ready), may_cache: u32::from(may_cache), copy_strategy })
    }

    fn memory_object_change_attributes(&mut self, req: mach::MemoryObjectChangeAttributesRequest) -> Result<(), i32> {
        let reply_to = self.take(req.reply_to.name)?;
        vm_object::change_attributes(self.target, req.may_cache != 0, req.copy_strategy, reply_to)
    }

    fn memory_object_data_supply(&mut self, req: mach::MemoryObjectDataSupplyRequest) -> Result<(), i32> {
        let data = self.take_ool(req.data.addr)?;
        let reply_to = self.take(req.reply_to.name)?;
        let n = (req.data.count as usize).min(data.len());
        vm_object::data_supply(self.target, req.offset, &data[..n], req.lock_value, req.precious != 0, reply_to)
    }

    fn memory_object_data_unavailable(&mut self, req: mach::MemoryObjectDataUnavailableRequest) -> Result<(), i32> {
        vm_object::data_unavailable(self.target, req.offset, req.size)
    }

    fn memory_object_data_error(&mut self, req: mach::MemoryObjectDataErrorRequest) -> Result<(), i32> {
        vm_object::data_error(self.target, req.offset, req.size, req.error_value as i32)
    }

    fn memory_object_lock_request(&mut self, req: mach::MemoryObjectLockRequestRequest) -> Result<(), i32> {
        let reply_to = self.take(req.reply_to.name)?;
        vm_object::lock_request(self.target, req.offset, req.size, req.should_return, req.should_flush != 0, req.lock_value, reply_to)
    }

    fn memory_object_destroy(&mut self, _: mach::MemoryObjectDestroyRequest) -> Result<(), i32> {
        vm_object::destroy(self.target)
    }

    /// Sets the default memory manager (host_priv only); a null port only
    /// asks for the current one.
    fn vm_set_default_memory_manager(&mut self, req: mach::VmSetDefaultMemoryManagerRequest) -> Result<mach::VmSetDefaultMemoryManagerReply, i32> {
        if !matches!(self.target, Some((super::KOBJ_HOST_PRIV, _))) {
            return Err(if matches!(self.target, Some((super::KOBJ_HOST, _))) { KERN_INVALID_HOST } else { rt::MIG_BAD_ID });
        }
        let new = self.take(req.default_manager)?;
        let old = vm_object::set_default_pager(new, task::current());
        Ok(mach::VmSetDefaultMemoryManagerReply { default_manager: self.give(old) })
    }

    fn vm_deallocate(&mut self, req: mach::VmDeallocateRequest) -> Result<(), i32> {
        let t = self.task()?;
        task::with_task(t, |tk| tk.map.deallocate(req.address, req.size)).ok_or(KERN_INVALID_TASK)?
    }

    fn vm_protect(&mut self, req: mach::VmProtectRequest) -> Result<(), i32> {
        let t = self.task()?;
        task::with_task(t, |tk| tk.map.protect(req.address, req.size, req.set_maximum != 0, req.new_protection)).ok_or(KERN_INVALID_TASK)?
    }

    fn vm_inherit(&mut self, req: mach::VmInheritRequest) -> Result<(), i32> {
        let t = self.task()?;
        task::with_task(t, |tk| tk.map.inherit(req.address, req.size, req.new_inheritance)).ok_or(KERN_INVALID_TASK)?
    }

    /// From two pages up the reply carries the task's pages, copy-on-write
    /// (as an out-of-line send does), so its size is bounded by the address
    /// space, not by a kernel buffer; memory-object mappings, and pages on
    /// their way back from the default pager, are copied.
    fn vm_read(&mut self, req: mach::VmReadRequest) -> Result<mach::VmReadReply, i32> {
        let t = self.task()?;
        if req.size >= crate::vm::vm_map::OOL_COW_MIN {
            let (r, wait) = task::with_task(t, |tk| (tk.map.copy_out_of(req.address, req.size), tk.map.machine_mut().wait.take())).ok_or(KERN_INVALID_ARGUMENT)?;
            match r {
                Ok(Some(segs)) => {
                    let copy = crate::vm::vm_map::ObjectCopy::new(segs, req.address & 0xFFF, req.size);
                    return Ok(mach::VmReadReply { data: self.give_ool_pages(alloc::boxed::Box::new(copy)) });
                }
                Ok(None) => {}
                Err(kerncore::vm_map::KERN_FAULT_RETRY) => wait.into_iter().for_each(vm_object::cancel),
                Err(e) => return Err(e),
            }
        }
        let data = task::with_map(t, |m| m.read_kernel(req.address, req.size))?;
        Ok(mach::VmReadReply { data: self.give_ool(data, 1) })
    }

    /// `vm_write`: the destination must be page-aligned (GNU Mach's
    /// `vm_map_copy_overwrite` refuses anything else with
    /// `KERN_INVALID_ARGUMENT`).
    fn vm_write(&mut self, req: mach::VmWriteRequest) -> Result<(), i32> {
        let t = self.task()?;
        let data = self.take_ool(req.data.addr)?;
        if req.address % kerncore::vm_entries::PAGE_SIZE != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let n = (req.data.count as usize).min(data.len());
        task::with_map(t, |map| -> Result<(), i32> {
            // The destination must be writable, as for the task itself.
            let (s, e) = kerncore::vm_entries::page_range(req.address, n as u32).ok_or(KERN_INVALID_ADDRESS)?;
            let mut page = s;
            while page < e {
                let r = map.region(page).filter(|r| r.start <= page).ok_or(KERN_INVALID_ADDRESS)?;
                if r.attrs.prot & kerncore::vm_entries::VM_PROT_WRITE == 0 {
                    return Err(KERN_PROTECTION_FAILURE);
                }
                page = r.end.min(e);
            }
            map.write_kernel(req.address, &data[..n])
        })
    }

    fn vm_copy(&mut self, req: mach::VmCopyRequest) -> Result<(), i32> {
        let t = self.task()?;
        task::with_map(t, |map| -> Result<(), i32> {
            let data = map.read_kernel(req.source_address, req.size)?;
            let r = map.region(req.dest_address).filter(|r| r.start <= req.dest_address).ok_or(KERN_INVALID_ADDRESS)?;
            if r.attrs.prot & kerncore::vm_entries::VM_PROT_WRITE == 0 {
                return Err(KERN_PROTECTION_FAILURE);
            }
            map.write_kernel(req.dest_address, &data)
        })
    }

    fn vm_statistics(&mut self, _: mach::VmStatisticsRequest) -> Result<mach::VmStatisticsReply, i32> {
        self.task()?;
        let (_, free) = crate::vm::vm_page::free_counts();
        let s = &crate::vm::vm_map::STATS;
        let f = s.faults.load(core::sync::atomic::Ordering::Relaxed);
        let z = s.zero_fills.load(core::sync::atomic::Ordering::Relaxed);
        let c = s.cow_faults.load(core::sync::atomic::Ordering::Relaxed);
        let pageouts = crate::vm::pageout::PAGEOUTS.load(core::sync::atomic::Ordering::Relaxed) as u32;
        let pageins = s.pageins.load(core::sync::atomic::Ordering::Relaxed);
        Ok(mach::VmStatisticsReply { vm_stats: [4096, free as u32, 0, 0, 0, z, 0, pageins, pageouts, f, c, 0, 0] })
    }

    fn vm_machine_attribute(&mut self, _: mach::VmMachineAttributeRequest) -> Result<mach::VmMachineAttributeReply, i32> {
        self.task()?;
        Err(KERN_INVALID_ARGUMENT)
    }

    fn vm_region(&mut self, req: mach::VmRegionRequest) -> Result<mach::VmRegionReply, i32> {
        let t = self.task()?;
        let e = task::with_task(t, |tk| tk.map.region(req.address)).ok_or(KERN_INVALID_TASK)?.ok_or(KERN_NO_SPACE)?;
        Ok(mach::VmRegionReply {
            address: e.start,
            size: e.end - e.start,
            protection: e.attrs.prot,
            max_protection: e.attrs.max_prot,
            inheritance: e.attrs.inheritance,
            // Memory of an object mapped without copy is shared with whoever
            // else maps it; the offset is the object's at `address`.
            is_shared: u32::from(e.attrs.object != 0 && !e.attrs.copy),
            object_name: 0,
            offset: if e.attrs.object != 0 { e.attrs.offset(e.start) } else { 0 },
        })
    }
}

// ---------------------------------------------------------------------------
// mach_host.defs.

impl mach_host::MachHostServer for Ctx {
    fn host_info(&mut self, req: mach_host::HostInfoRequest) -> Result<mach_host::HostInfoReply, i32> {
        self.host()?;
        let mem = crate::kern::bootinfo::get().info.usable_bytes();
        let words = crate::kern::host::info(req.flavor, req.host_info_out_cnt, mem)?;
        let mut r = mach_host::HostInfoReply { host_info_out: [0; 1024], host_info_out_cnt: 0 };
        fill(&mut r.host_info_out, &mut r.host_info_out_cnt, req.host_info_out_cnt, &words)?;
        Ok(r)
    }

    fn host_get_time(&mut self, _: mach_host::HostGetTimeRequest) -> Result<mach_host::HostGetTimeReply, i32> {
        self.host()?;
        Ok(mach_host::HostGetTimeReply { current_time: crate::kern::host::time() })
    }

    /// `vm_wire`: the range is made resident and never paged out (or, with
    /// `VM_PROT_NONE`, pageable again). Host or host_priv port, as GNU Mach.
    fn vm_wire(&mut self, req: mach_host::VmWireRequest) -> Result<(), i32> {
        self.host().map_err(|_| KERN_INVALID_HOST)?;
        let t = self.task_of_handle(req.task).map_err(|_| KERN_INVALID_TASK)?;
        if req.access & !kerncore::vm_entries::VM_PROT_ALL != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        task::with_map(t, |m| m.wire(req.address, req.size, req.access))
    }

    /// `host_reboot`: privileged host port only. There is no kernel
    /// debugger, so `RB_DEBUGGER` fails with `KERN_FAILURE`.
    fn host_reboot(&mut self, req: mach_host::HostRebootRequest) -> Result<(), i32> {
        if !matches!(self.target, Some((super::KOBJ_HOST_PRIV, _))) {
            return Err(if matches!(self.target, Some((super::KOBJ_HOST, _))) { KERN_INVALID_HOST } else { rt::MIG_BAD_ID });
        }
        if req.options & crate::kern::host::RB_DEBUGGER != 0 {
            crate::kwarn!("host_reboot: RB_DEBUGGER asked, but this kernel has no debugger");
            return Err(KERN_FAILURE);
        }
        crate::kern::host::reboot(req.options)
    }

    fn host_set_time(&mut self, req: mach_host::HostSetTimeRequest) -> Result<(), i32> {
        self.host_priv()?;
        crate::kern::host::set_time(req.new_time)
    }

    fn host_adjust_time(&mut self, req: mach_host::HostAdjustTimeRequest) -> Result<mach_host::HostAdjustTimeReply, i32> {
        self.host_priv()?;
        Ok(mach_host::HostAdjustTimeReply { old_adjustment: crate::kern::host::adjust_time(req.new_adjustment)? })
    }

    /// `host_get_boot_info`: the kernel command line.
    fn host_get_boot_info(&mut self, _: mach_host::HostGetBootInfoRequest) -> Result<mach_host::HostGetBootInfoReply, i32> {
        self.host_priv()?;
        let mut boot_info = [0u8; 4096];
        let line = crate::kern::bootinfo::get().cmdline.as_bytes();
        let n = line.len().min(boot_info.len() - 1);
        boot_info[..n].copy_from_slice(&line[..n]);
        Ok(mach_host::HostGetBootInfoReply { boot_info })
    }

    /// `thread_wire`: a wired thread may take pages from the reserve kept
    /// for paging (what a default pager's threads need).
    fn thread_wire(&mut self, req: mach_host::ThreadWireRequest) -> Result<(), i32> {
        self.host_priv()?;
        let Some((super::KOBJ_THREAD, th)) = self.kobject_of_handle(req.thread) else { return Err(KERN_INVALID_ARGUMENT) };
        sched::with_thread(th as ThreadId, |t| t.vm_privileged = req.wired != 0).ok_or(KERN_INVALID_ARGUMENT)
    }

    /// `processor_set_default`: the name port of the one processor set.
    fn processor_set_default(&mut self, _: mach_host::ProcessorSetDefaultRequest) -> Result<mach_host::ProcessorSetDefaultReply, i32> {
        self.host().map_err(|_| KERN_INVALID_HOST)?;
        Ok(mach_host::ProcessorSetDefaultReply { default_set: self.give_send(KernelPort::PsetName) })
    }

    /// `host_processor_sets`: the name ports of every processor set (one).
    fn host_processor_sets(&mut self, _: mach_host::HostProcessorSetsRequest) -> Result<mach_host::HostProcessorSetsReply, i32> {
        self.host().map_err(|_| KERN_INVALID_HOST)?;
        let h = self.give_send(KernelPort::PsetName);
        Ok(mach_host::HostProcessorSetsReply { processor_sets: self.give_ool(h.to_le_bytes().to_vec(), 4) })
    }

    /// `host_processor_set_priv`: the control port of a set, for its name
    /// port and the privileged host port.
    fn host_processor_set_priv(&mut self, req: mach_host::HostProcessorSetPrivRequest) -> Result<mach_host::HostProcessorSetPrivReply, i32> {
        self.host_priv()?;
        if !matches!(self.kobject_of_handle(req.set_name), Some((super::KOBJ_PSET_NAME | super::KOBJ_PSET, _))) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        Ok(mach_host::HostProcessorSetPrivReply { set: self.give_send(KernelPort::Pset) })
    }

    /// `processor_set_tasks`: send rights to every task's port.
    fn processor_set_tasks(&mut self, _: mach_host::ProcessorSetTasksRequest) -> Result<mach_host::ProcessorSetTasksReply, i32> {
        self.pset(false)?;
        let mut handles = Vec::new();
        for t in task::all() {
            let h = self.give_send(KernelPort::Task(t));
            if h != 0 {
                handles.extend_from_slice(&h.to_le_bytes());
            }
        }
        Ok(mach_host::ProcessorSetTasksReply { task_list: self.give_ool(handles, 4) })
    }

    /// `processor_set_threads`: send rights to every thread of every task.
    fn processor_set_threads(&mut self, _: mach_host::ProcessorSetThreadsRequest) -> Result<mach_host::ProcessorSetThreadsReply, i32> {
        self.pset(false)?;
        let mut handles = Vec::new();
        for t in task::all() {
            for th in task::with_task(t, |tk| tk.threads.clone()).unwrap_or_default() {
                let h = self.give_send(KernelPort::Thread(th));
                if h != 0 {
                    handles.extend_from_slice(&h.to_le_bytes());
                }
            }
        }
        Ok(mach_host::ProcessorSetThreadsReply { thread_list: self.give_ool(handles, 4) })
    }

    /// `processor_set_info` on the control or the name port.
    fn processor_set_info(&mut self, req: mach_host::ProcessorSetInfoRequest) -> Result<mach_host::ProcessorSetInfoReply, i32> {
        self.pset(true)?;
        let tasks = task::all();
        let threads: usize = tasks.iter().map(|&t| task::with_task(t, |tk| tk.threads.len()).unwrap_or(0)).sum();
        let words = crate::kern::host::pset_info(req.flavor, req.info_out_cnt, tasks.len() as u32, threads as u32)?;
        let mut r = mach_host::ProcessorSetInfoReply { host: 0, info_out: [0; 1024], info_out_cnt: 0 };
        fill(&mut r.info_out, &mut r.info_out_cnt, req.info_out_cnt, &words)?;
        r.host = self.give_send(KernelPort::Host);
        Ok(r)
    }

    /// `host_processors`: the one processor's port.
    fn host_processors(&mut self, _: mach_host::HostProcessorsRequest) -> Result<mach_host::HostProcessorsReply, i32> {
        self.host_priv()?;
        let h = self.give_send(KernelPort::Processor);
        Ok(mach_host::HostProcessorsReply { processor_list: self.give_ool(h.to_le_bytes().to_vec(), 4) })
    }

    fn processor_info(&mut self, req: mach_host::ProcessorInfoRequest) -> Result<mach_host::ProcessorInfoReply, i32> {
        if !matches!(self.target, Some((super::KOBJ_PROCESSOR, _))) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let words = crate::kern::host::processor_info(req.flavor, req.processor_info_out_cnt)?;
        let mut r = mach_host::ProcessorInfoReply { host: 0, processor_info_out: [0; 1024], processor_info_out_cnt: 0 };
        fill(&mut r.processor_info_out, &mut r.processor_info_out_cnt, req.processor_info_out_cnt, &words)?;
        r.host = self.give_send(KernelPort::Host);
        Ok(r)
    }

    /// `thread_priority`: a new base priority, not above the thread's
    /// maximum (`KERN_FAILURE`); with `set_max` the maximum becomes it too.
    fn thread_priority(&mut self, req: mach_host::ThreadPriorityRequest) -> Result<(), i32> {
        let th = self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
        set_thread_priority(th, req.priority, req.set_max != 0)
    }

    /// `thread_max_priority`: the thread's maximum, given its processor
    /// set's control port; a base priority above it comes down to it.
    fn thread_max_priority(&mut self, req: mach_host::ThreadMaxPriorityRequest) -> Result<(), i32> {
        let th = self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
        if !matches!(self.kobject_of_handle(req.processor_set), Some((super::KOBJ_PSET, _))) || !sched::valid_pri(req.max_priority) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let (base, _) = sched::priorities(th).ok_or(KERN_INVALID_ARGUMENT)?;
        let max = req.max_priority as u8;
        sched::set_priorities(th, (max > base).then_some(max), Some(max)).ok_or(KERN_INVALID_ARGUMENT)
    }

    /// `task_priority`: the priority of the task's new threads, and with
    /// `change_threads` of its threads now (`KERN_FAILURE` if one may not).
    fn task_priority(&mut self, req: mach_host::TaskPriorityRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
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
                if set_thread_priority(th, req.priority, false).is_err() {
                    ret = Err(KERN_FAILURE);
                }
            }
        }
        ret
    }

    /// `processor_set_max_priority`: the maximum of threads made from now
    /// on, and with `change_threads` of the threads now.
    fn processor_set_max_priority(&mut self, req: mach_host::ProcessorSetMaxPriorityRequest) -> Result<(), i32> {
        self.pset(false)?;
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

    /// With one processor set, every thread and task is assigned to it.
    fn thread_assign(&mut self, req: mach_host::ThreadAssignRequest) -> Result<(), i32> {
        self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
        match self.kobject_of_handle(req.new_set) {
            Some((super::KOBJ_PSET, _)) => Ok(()),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    fn thread_assign_default(&mut self, _: mach_host::ThreadAssignDefaultRequest) -> Result<(), i32> {
        self.thread().map(|_| ()).map_err(|_| KERN_INVALID_ARGUMENT)
    }

    fn thread_get_assignment(&mut self, _: mach_host::ThreadGetAssignmentRequest) -> Result<mach_host::ThreadGetAssignmentReply, i32> {
        self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
        Ok(mach_host::ThreadGetAssignmentReply { assigned_set: self.give_send(KernelPort::PsetName) })
    }

    fn task_assign(&mut self, req: mach_host::TaskAssignRequest) -> Result<(), i32> {
        self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        match self.kobject_of_handle(req.new_set) {
            Some((super::KOBJ_PSET, _)) => Ok(()),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    fn task_assign_default(&mut self, _: mach_host::TaskAssignDefaultRequest) -> Result<(), i32> {
        self.task().map(|_| ()).map_err(|_| KERN_INVALID_ARGUMENT)
    }

    fn task_get_assignment(&mut self, _: mach_host::TaskGetAssignmentRequest) -> Result<mach_host::TaskGetAssignmentReply, i32> {
        self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        Ok(mach_host::TaskGetAssignmentReply { assigned_set: self.give_send(KernelPort::PsetName) })
    }

    /// `thread_policy`: timesharing, or fixed priority with a quantum of
    /// `data` milliseconds, if the processor set allows the policy
    /// (`KERN_FAILURE` otherwise).
    fn thread_policy(&mut self, req: mach_host::ThreadPolicyRequest) -> Result<(), i32> {
        let th = self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
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

    fn processor_set_policy_enable(&mut self, req: mach_host::ProcessorSetPolicyEnableRequest) -> Result<(), i32> {
        self.pset(false)?;
        if !matches!(req.policy, sched::POLICY_TIMESHARE | sched::POLICY_FIXEDPRI) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        sched::PSET_POLICIES.fetch_or(req.policy, core::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Timesharing cannot be disabled; with `change_threads` the threads
    /// under the disabled policy go back to timesharing.
    fn processor_set_policy_disable(&mut self, req: mach_host::ProcessorSetPolicyDisableRequest) -> Result<(), i32> {
        self.pset(false)?;
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

    fn thread_depress_abort(&mut self, _: mach_host::ThreadDepressAbortRequest) -> Result<(), i32> {
        sched::depress_abort(self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?).ok_or(KERN_INVALID_ARGUMENT)
    }

    fn host_kernel_version(&mut self, _: mach_host::HostKernelVersionRequest) -> Result<mach_host::HostKernelVersionReply, i32> {
        self.host()?;
        let mut kernel_version = [0u8; 512];
        let v = crate::kern::host::VERSION.as_bytes();
        kernel_version[..v.len()].copy_from_slice(v);
        Ok(mach_host::HostKernelVersionReply { kernel_version })
    }
}

impl gnumach::GnumachServer for Ctx {
    /// `register_new_task_notification`: `mach_notify_new_task` goes to
    /// `notification` for every task created from now on. Once only, for the
    /// privileged host port (`KERN_NO_ACCESS` when a port is registered).
    fn register_new_task_notification(&mut self, req: gnumach::RegisterNewTaskNotificationRequest) -> Result<(), i32> {
        self.host_priv()?;
        let h = req.notification as usize;
        let right = self.rights.get(h.wrapping_sub(1)).and_then(|r| r.as_ref()).filter(|r| !r.is_null() && !r.is_dead()).ok_or(KERN_INVALID_ARGUMENT)?;
        if right.port_id().is_none() {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let right = self.rights[h - 1].take().unwrap_or_else(Right::null);
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
                self.rights[h - 1] = Some(r);
                Err(KERN_NO_ACCESS)
            }
            None => Ok(()),
        }
    }

    /// `thread_terminate_release`: what glibc's thread exit asks in one go:
    /// the thread's name and reply port go from `task`'s space, its stack
    /// from `task`'s map, and the thread ends (after the request is cleaned
    /// up, as the caller is usually the thread itself).
    fn thread_terminate_release(&mut self, req: gnumach::ThreadTerminateReleaseRequest) -> Result<(), i32> {
        let th = self.thread().map_err(|_| KERN_INVALID_ARGUMENT)?;
        let t = self.task_of_handle(req.task)?;
        let space = super::space_of(t).ok_or(KERN_INVALID_ARGUMENT)?;
        // As GNU Mach, what cannot be released is passed over.
        let _ = with_ipc(|ipc| ipc.mach_port_deallocate(space, req.thread_name));
        if req.reply_port != 0 {
            let _ = with_ipc(|ipc| ipc.mach_port_destroy(space, req.reply_port));
        }
        if req.address != 0 || req.size != 0 {
            let _ = task::with_task(t, |tk| tk.map.deallocate(req.address, req.size));
        }
        self.terminate_after = Some(After::Thread(th));
        Ok(())
    }

    /// `vm_wire_all`: wires every mapping of the task now
    /// (`VM_WIRE_CURRENT`) and anonymous memory allocated later
    /// (`VM_WIRE_FUTURE`); `VM_WIRE_NONE` unwires it all.
    fn vm_wire_all(&mut self, req: gnumach::VmWireAllRequest) -> Result<(), i32> {
        self.host().map_err(|_| KERN_INVALID_HOST)?;
        let t = self.task_of_handle(req.task).map_err(|_| KERN_INVALID_TASK)?;
        if req.flags & !3 != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        task::with_map(t, |m| m.wire_all(req.flags & 1 != 0, req.flags & 2 != 0))
    }

    fn task_set_essential(&mut self, req: gnumach::TaskSetEssentialRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        task::with_task(t, |tk| tk.essential = req.essential != 0).ok_or(KERN_INVALID_TASK)
    }

    /// `vm_cache_statistics`: memory objects and their resident pages
    /// (the cache), anonymous pages of task maps (temporary), object pages
    /// (permanent), pages of the kernel heap (slab); this kernel keeps no
    /// active/inactive split (all count as active) and no laundry queue.
    fn vm_cache_statistics(&mut self, _: gnumach::VmCacheStatisticsRequest) -> Result<gnumach::VmCacheStatisticsReply, i32> {
        self.task().map_err(|_| KERN_INVALID_TASK)?;
        let (objects, object_pages) = crate::vm::vm_object::counts();
        let (anon, _) = crate::vm::vm_map::page_counts();
        let (_, heap_pages) = crate::vm::kalloc::stats();
        let s = [objects, object_pages, anon, 0, object_pages, 0, 0, 0, 0, heap_pages, 0];
        Ok(gnumach::VmCacheStatisticsReply { vm_cache_stats: s.map(|v| v as u32) })
    }

    /// `vm_object_sync` on a memory object's name port (what `vm_region`
    /// gives): its pages in the range go back to the pager, and with
    /// `should_flush` leave memory.
    fn vm_object_sync(&mut self, req: gnumach::VmObjectSyncRequest) -> Result<(), i32> {
        let Some((super::KOBJ_PAGER_NAME, obj)) = self.target else { return Err(KERN_INVALID_ARGUMENT) };
        let (start, end) = kerncore::vm_entries::page_range(req.offset, req.size).ok_or(KERN_INVALID_ARGUMENT)?;
        vm_object::sync(obj as u32, start, end - start, req.should_return != 0, req.should_flush != 0)
    }

    /// `vm_msync`: for each memory object mapped in the range, its pages
    /// there go back to the pager (`msync`); `VM_SYNC_INVALIDATE` also
    /// drops them. Asking for both `VM_SYNC_ASYNCHRONOUS` and
    /// `VM_SYNC_SYNCHRONOUS` is an invalid argument, a hole in the range an
    /// invalid address. (The data is on its way to the pager when the call
    /// returns either way.)
    fn vm_msync(&mut self, req: gnumach::VmMsyncRequest) -> Result<(), i32> {
        const VM_SYNC_ASYNCHRONOUS: u32 = 0x01;
        const VM_SYNC_SYNCHRONOUS: u32 = 0x02;
        const VM_SYNC_INVALIDATE: u32 = 0x04;
        let t = self.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
        if req.sync_flags & (VM_SYNC_ASYNCHRONOUS | VM_SYNC_SYNCHRONOUS) == VM_SYNC_ASYNCHRONOUS | VM_SYNC_SYNCHRONOUS {
            return Err(KERN_INVALID_ARGUMENT);
        }
        if req.size == 0 {
            return Ok(());
        }
        let (start, end) = kerncore::vm_entries::page_range(req.address, req.size).ok_or(KERN_INVALID_ARGUMENT)?;
        // (object, object offset, bytes) of each object mapping in the range.
        let pieces = task::with_map(t, |m| {
            let mut out = Vec::new();
            let mut at = start;
            while at < end {
                let e = m.region(at).filter(|e| e.start <= at).ok_or(KERN_INVALID_ADDRESS)?;
                let stop = e.end.min(end);
                if e.attrs.object != 0 {
                    out.push((e.attrs.object, e.attrs.offset(at), stop - at));
                }
                at = stop;
            }
            Ok(out)
        })?;
        for (obj, off, len) in pieces {
            vm_object::sync(obj, off, len, true, req.sync_flags & VM_SYNC_INVALIDATE != 0)?;
        }
        Ok(())
    }

    /// `task_set_name`: the name the kernel's messages use for the task.
    fn task_set_name(&mut self, req: gnumach::TaskSetNameRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        let bytes = req.name.as_bytes();
        let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
        let name: alloc::string::String = bytes[..end].iter().map(|&c| if c.is_ascii_graphic() || c == b' ' { c as char } else { '?' }).collect();
        task::with_task(t, |tk| tk.name = name).ok_or(KERN_INVALID_TASK)
    }

    /// `gsync_wait`: the calling thread sleeps here (see `kern::gsync`).
    fn gsync_wait(&mut self, req: gnumach::GsyncWaitRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::wait(t, req.addr, req.val1, req.val2, req.msec, req.flags)
    }

    fn gsync_wake(&mut self, req: gnumach::GsyncWakeRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::wake(t, req.addr, req.val, req.flags)
    }

    fn gsync_requeue(&mut self, req: gnumach::GsyncRequeueRequest) -> Result<(), i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        crate::kern::gsync::requeue(t, req.src_addr, req.dst_addr, req.wake_one != 0, req.flags)
    }

    /// Physically contiguous memory for user-level drivers, for the holder
    /// of the privileged host port only.
    fn vm_allocate_contiguous(&mut self, req: gnumach::VmAllocateContiguousRequest) -> Result<gnumach::VmAllocateContiguousReply, i32> {
        if !matches!(self.target, Some((super::KOBJ_HOST_PRIV, _))) {
            return Err(if matches!(self.target, Some((super::KOBJ_HOST, _))) { KERN_INVALID_HOST } else { rt::MIG_BAD_ID });
        }
        let t = self.task_of_handle(req.target_task)?;
        let align = req.palign.max(4096);
        if req.size == 0 || !align.is_power_of_two() || req.pmax <= req.pmin {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let (vaddr, paddr) = task::with_task(t, |tk| tk.map.allocate_contiguous(req.size, req.pmin, req.pmax, align)).ok_or(KERN_INVALID_TASK)??;
        Ok(gnumach::VmAllocateContiguousReply { vaddr, paddr })
    }
}

impl Ctx {
    /// The task a port argument (request handle `h`) stands for.
    fn task_of_handle(&self, h: u32) -> Result<TaskId, i32> {
        match self.kobject_of_handle(h) {
            Some((KOBJ_TASK, id)) => Ok(id as TaskId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }
}

