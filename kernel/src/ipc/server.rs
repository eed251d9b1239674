//! The kernel's RPC server: messages queued to kernel-object ports are
//! decoded and answered by the MIG-generated dispatchers of `kern::mig`.
//! The server only decodes and dispatches: each routine lives beside its
//! object, as in GNU Mach (`ipc::mach_port`, `kern::task`, `kern::thread`,
//! `kern::host`, `kern::processor`, `kern::gsync`, `vm::vm_user`,
//! `vm::memory_object`, `device::ds_routines`, `i386::user_ldt`).
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
use crate::kern::sched_prim::ThreadId;
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

/// Out-of-line data of a request as it came: bytes, or the sender's pages
/// (copy-on-write), kept as pages until a routine asks for bytes, so that
/// one that can use them as they are (a block device's `device_write`)
/// copies nothing.
pub(crate) enum OolData {
    Bytes(Vec<u8>),
    Pages(alloc::boxed::Box<dyn mach_ipc::OolPages>),
}

/// What a routine sees of its request and builds for its reply.
pub(crate) struct Ctx {
    pub(crate) target: Option<(u32, u64)>,
    pub(crate) rights: Vec<Option<Right>>,
    ool: Vec<Option<OolData>>,
    reply_rights: Vec<Right>,
    reply_ool: Vec<Vec<u8>>,
    /// Out-of-line reply data held as pages: (index in `reply_ool`, pages).
    reply_pages: Vec<(usize, alloc::boxed::Box<dyn mach_ipc::OolPages>)>,
    /// A task or thread to terminate once the request is cleaned up (the
    /// caller may be ending itself, which does not return).
    pub(crate) terminate_after: Option<After>,
    /// The routine cannot answer yet (its device would block): keep the
    /// request and run it again when the device has news.
    pub(crate) defer: bool,
}

impl Ctx {
    /// The target task. Another kind of port: GNU Mach's conversion gives
    /// no task, and its routines answer `KERN_INVALID_ARGUMENT`.
    pub(crate) fn task(&self) -> Result<TaskId, i32> {
        match self.target {
            Some((KOBJ_TASK, id)) => Ok(id as TaskId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The target task's space (`KERN_INVALID_TASK` for another kind of
    /// port, as the `mach_port_*` routines of GNU Mach answer).
    pub(crate) fn space(&self) -> Result<SpaceId, i32> {
        let t = self.task().map_err(|_| KERN_INVALID_TASK)?;
        super::space_of(t).ok_or(KERN_INVALID_TASK)
    }

    /// The target thread (`KERN_INVALID_ARGUMENT` for another kind of port).
    pub(crate) fn thread(&self) -> Result<ThreadId, i32> {
        match self.target {
            Some((KOBJ_THREAD, id)) => Ok(id as ThreadId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The request went to the privileged host port (`KERN_INVALID_HOST`
    /// for the ordinary one).
    pub(crate) fn host_priv(&self) -> Result<(), i32> {
        match self.target {
            Some((KOBJ_HOST_PRIV, _)) => Ok(()),
            _ => Err(KERN_INVALID_HOST),
        }
    }

    /// The request went to the processor set's control port (or, with
    /// `name_ok`, its name port).
    pub(crate) fn pset(&self, name_ok: bool) -> Result<(), i32> {
        match self.target {
            Some((super::KOBJ_PSET, _)) => Ok(()),
            Some((super::KOBJ_PSET_NAME, _)) if name_ok => Ok(()),
            // GNU Mach's conversion yields no set: an invalid argument.
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The request went to the processor's port (`KERN_INVALID_ARGUMENT`
    /// otherwise: GNU Mach's conversion yields no processor).
    pub(crate) fn processor(&self) -> Result<(), i32> {
        match self.target {
            Some((super::KOBJ_PROCESSOR, _)) => Ok(()),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }

    /// The kernel object behind request handle `h`.
    pub(crate) fn kobject_of_handle(&self, h: u32) -> Option<(u32, u64)> {
        let p = self.rights.get((h as usize).wrapping_sub(1))?.as_ref()?.port_id()?;
        with_ipc(|ipc| ipc.port_kobject(p))
    }

    pub(crate) fn host(&self) -> Result<(), i32> {
        match self.target {
            Some((KOBJ_HOST | KOBJ_HOST_PRIV, _)) => Ok(()),
            _ => Err(KERN_INVALID_HOST),
        }
    }

    /// Takes the out-of-line bytes behind request handle `h` (empty for 0).
    /// Pages that the heap cannot copy (their size is the sender's):
    /// `KERN_RESOURCE_SHORTAGE`.
    pub(crate) fn take_ool(&mut self, h: u32) -> Result<Vec<u8>, i32> {
        match self.take_ool_data(h)? {
            OolData::Bytes(b) => Ok(b),
            OolData::Pages(p) => p.to_bytes().ok_or(KERN_RESOURCE_SHORTAGE),
        }
    }

    /// Takes the out-of-line data behind request handle `h` as it came.
    pub(crate) fn take_ool_data(&mut self, h: u32) -> Result<OolData, i32> {
        match h {
            0 => Ok(OolData::Bytes(Vec::new())),
            h => self.ool.get_mut(h as usize - 1).and_then(Option::take).ok_or(rt::MIG_BAD_ARGUMENTS),
        }
    }

    /// Takes the right behind request handle `h` (null for 0).
    pub(crate) fn take(&mut self, h: u32) -> Result<Right, i32> {
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
    pub(crate) fn give_send(&mut self, which: KernelPort) -> u32 {
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
pub(crate) enum After {
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
    ool: Vec<Option<OolData>>,
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
        // Pages stay pages (a routine copies them if it wants bytes);
        // nothing is copied for a block device's device_write.
        let data = match r.pages.take() {
            Some(p) if !r.is_port => Some(OolData::Pages(p)),
            p => {
                r.pages = p;
                r.take_bytes().map(OolData::Bytes)
            }
        };
        short |= data.is_none();
        ool.push(data);
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
            // The device drops what it read for nobody (its pages).
            crate::device::ds_routines::abandon(r.target, &r.req);
            with_ipc(|ipc| {
                ipc.release_right(r.reply_to);
                r.rights.into_iter().flatten().for_each(|x| ipc.release_right(x));
            });
        }
    }
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

pub(crate) fn ok_or<T>(r: Result<T, u32>) -> Result<T, i32> {
    r.map_err(|e| e as i32)
}

// ---------------------------------------------------------------------------
// mach_port.defs: the target is a task; the routines act on its space.

impl mach_port::MachPortServer for Ctx {
    fn mach_port_names(&mut self, r: mach_port::MachPortNamesRequest) -> Result<mach_port::MachPortNamesReply, i32> {
        crate::ipc::mach_port::mach_port_names(self, r)
    }

    fn mach_port_type(&mut self, req: mach_port::MachPortTypeRequest) -> Result<mach_port::MachPortTypeReply, i32> {
        crate::ipc::mach_port::mach_port_type(self, req)
    }

    fn mach_port_rename(&mut self, req: mach_port::MachPortRenameRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_rename(self, req)
    }

    fn mach_port_allocate_name(&mut self, req: mach_port::MachPortAllocateNameRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_allocate_name(self, req)
    }

    fn mach_port_allocate(&mut self, req: mach_port::MachPortAllocateRequest) -> Result<mach_port::MachPortAllocateReply, i32> {
        crate::ipc::mach_port::mach_port_allocate(self, req)
    }

    fn mach_port_set_protected_payload(&mut self, req: mach_port::MachPortSetProtectedPayloadRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_set_protected_payload(self, req)
    }

    fn mach_port_clear_protected_payload(&mut self, req: mach_port::MachPortClearProtectedPayloadRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_clear_protected_payload(self, req)
    }

    fn mach_port_destroy(&mut self, req: mach_port::MachPortDestroyRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_destroy(self, req)
    }

    fn mach_port_deallocate(&mut self, req: mach_port::MachPortDeallocateRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_deallocate(self, req)
    }

    fn mach_port_get_refs(&mut self, req: mach_port::MachPortGetRefsRequest) -> Result<mach_port::MachPortGetRefsReply, i32> {
        crate::ipc::mach_port::mach_port_get_refs(self, req)
    }

    fn mach_port_mod_refs(&mut self, req: mach_port::MachPortModRefsRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_mod_refs(self, req)
    }

    fn mach_port_set_qlimit(&mut self, req: mach_port::MachPortSetQlimitRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_set_qlimit(self, req)
    }

    fn mach_port_set_mscount(&mut self, req: mach_port::MachPortSetMscountRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_set_mscount(self, req)
    }

    fn mach_port_get_set_status(&mut self, req: mach_port::MachPortGetSetStatusRequest) -> Result<mach_port::MachPortGetSetStatusReply, i32> {
        crate::ipc::mach_port::mach_port_get_set_status(self, req)
    }

    fn mach_port_move_member(&mut self, req: mach_port::MachPortMoveMemberRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_move_member(self, req)
    }

    fn mach_port_request_notification(&mut self, req: mach_port::MachPortRequestNotificationRequest) -> Result<mach_port::MachPortRequestNotificationReply, i32> {
        crate::ipc::mach_port::mach_port_request_notification(self, req)
    }

    fn mach_port_insert_right(&mut self, req: mach_port::MachPortInsertRightRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_insert_right(self, req)
    }

    fn mach_port_extract_right(&mut self, req: mach_port::MachPortExtractRightRequest) -> Result<mach_port::MachPortExtractRightReply, i32> {
        crate::ipc::mach_port::mach_port_extract_right(self, req)
    }

    fn mach_port_get_receive_status(&mut self, req: mach_port::MachPortGetReceiveStatusRequest) -> Result<mach_port::MachPortGetReceiveStatusReply, i32> {
        crate::ipc::mach_port::mach_port_get_receive_status(self, req)
    }

    fn mach_port_set_seqno(&mut self, req: mach_port::MachPortSetSeqnoRequest) -> Result<(), i32> {
        crate::ipc::mach_port::mach_port_set_seqno(self, req)
    }

}

// ---------------------------------------------------------------------------
// mach.defs: tasks, threads and VM.


/// Copies `words` into a MIG reply array, checking the caller's capacity.
pub(crate) fn fill(out: &mut [u32; 1024], cnt: &mut u32, capacity: u32, words: &[u32]) -> Result<(), i32> {
    if (capacity as usize) < words.len() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    out[..words.len()].copy_from_slice(words);
    *cnt = words.len() as u32;
    Ok(())
}


impl mach::MachServer for Ctx {
    fn task_create(&mut self, req: mach::TaskCreateRequest) -> Result<mach::TaskCreateReply, i32> {
        crate::kern::task::task_create(self, req)
    }

    fn task_terminate(&mut self, r: mach::TaskTerminateRequest) -> Result<(), i32> {
        crate::kern::task::task_terminate(self, r)
    }

    fn task_suspend(&mut self, r: mach::TaskSuspendRequest) -> Result<(), i32> {
        crate::kern::task::task_suspend(self, r)
    }

    fn task_resume(&mut self, r: mach::TaskResumeRequest) -> Result<(), i32> {
        crate::kern::task::task_resume(self, r)
    }

    fn task_info(&mut self, req: mach::TaskInfoRequest) -> Result<mach::TaskInfoReply, i32> {
        crate::kern::task::task_info(self, req)
    }

    fn task_get_special_port(&mut self, req: mach::TaskGetSpecialPortRequest) -> Result<mach::TaskGetSpecialPortReply, i32> {
        crate::kern::task::task_get_special_port(self, req)
    }

    fn task_set_special_port(&mut self, req: mach::TaskSetSpecialPortRequest) -> Result<(), i32> {
        crate::kern::task::task_set_special_port(self, req)
    }

    fn mach_ports_register(&mut self, req: mach::MachPortsRegisterRequest) -> Result<(), i32> {
        crate::kern::task::mach_ports_register(self, req)
    }

    fn mach_ports_lookup(&mut self, r: mach::MachPortsLookupRequest) -> Result<mach::MachPortsLookupReply, i32> {
        crate::kern::task::mach_ports_lookup(self, r)
    }

    fn task_threads(&mut self, r: mach::TaskThreadsRequest) -> Result<mach::TaskThreadsReply, i32> {
        crate::kern::task::task_threads(self, r)
    }

    fn thread_create(&mut self, r: mach::ThreadCreateRequest) -> Result<mach::ThreadCreateReply, i32> {
        crate::kern::thread::thread_create(self, r)
    }

    fn thread_get_special_port(&mut self, req: mach::ThreadGetSpecialPortRequest) -> Result<mach::ThreadGetSpecialPortReply, i32> {
        crate::kern::thread::thread_get_special_port(self, req)
    }

    fn thread_set_special_port(&mut self, req: mach::ThreadSetSpecialPortRequest) -> Result<(), i32> {
        crate::kern::thread::thread_set_special_port(self, req)
    }

    fn thread_resume(&mut self, r: mach::ThreadResumeRequest) -> Result<(), i32> {
        crate::kern::thread::thread_resume(self, r)
    }

    fn thread_suspend(&mut self, r: mach::ThreadSuspendRequest) -> Result<(), i32> {
        crate::kern::thread::thread_suspend(self, r)
    }

    fn thread_terminate(&mut self, r: mach::ThreadTerminateRequest) -> Result<(), i32> {
        crate::kern::thread::thread_terminate(self, r)
    }

    fn thread_abort(&mut self, r: mach::ThreadAbortRequest) -> Result<(), i32> {
        crate::kern::thread::thread_abort(self, r)
    }

    fn thread_get_state(&mut self, req: mach::ThreadGetStateRequest) -> Result<mach::ThreadGetStateReply, i32> {
        crate::kern::thread::thread_get_state(self, req)
    }

    fn thread_set_state(&mut self, req: mach::ThreadSetStateRequest<'_>) -> Result<(), i32> {
        crate::kern::thread::thread_set_state(self, req)
    }

    fn thread_info(&mut self, req: mach::ThreadInfoRequest) -> Result<mach::ThreadInfoReply, i32> {
        crate::kern::thread::thread_info(self, req)
    }

    fn vm_allocate(&mut self, req: mach::VmAllocateRequest) -> Result<mach::VmAllocateReply, i32> {
        crate::vm::vm_user::vm_allocate(self, req)
    }

    fn vm_map(&mut self, req: mach::VmMapRequest) -> Result<mach::VmMapReply, i32> {
        crate::vm::vm_user::vm_map(self, req)
    }

    fn memory_object_ready(&mut self, req: mach::MemoryObjectReadyRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_ready(self, req)
    }

    fn memory_object_get_attributes(&mut self, r: mach::MemoryObjectGetAttributesRequest) -> Result<mach::MemoryObjectGetAttributesReply, i32> {
        crate::vm::memory_object::memory_object_get_attributes(self, r)
    }

    fn memory_object_change_attributes(&mut self, req: mach::MemoryObjectChangeAttributesRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_change_attributes(self, req)
    }

    fn memory_object_data_supply(&mut self, req: mach::MemoryObjectDataSupplyRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_data_supply(self, req)
    }

    fn memory_object_data_unavailable(&mut self, req: mach::MemoryObjectDataUnavailableRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_data_unavailable(self, req)
    }

    fn memory_object_data_error(&mut self, req: mach::MemoryObjectDataErrorRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_data_error(self, req)
    }

    fn memory_object_lock_request(&mut self, req: mach::MemoryObjectLockRequestRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_lock_request(self, req)
    }

    fn memory_object_destroy(&mut self, r: mach::MemoryObjectDestroyRequest) -> Result<(), i32> {
        crate::vm::memory_object::memory_object_destroy(self, r)
    }

    fn vm_set_default_memory_manager(&mut self, req: mach::VmSetDefaultMemoryManagerRequest) -> Result<mach::VmSetDefaultMemoryManagerReply, i32> {
        crate::vm::vm_user::vm_set_default_memory_manager(self, req)
    }

    fn vm_deallocate(&mut self, req: mach::VmDeallocateRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_deallocate(self, req)
    }

    fn vm_protect(&mut self, req: mach::VmProtectRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_protect(self, req)
    }

    fn vm_inherit(&mut self, req: mach::VmInheritRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_inherit(self, req)
    }

    fn vm_read(&mut self, req: mach::VmReadRequest) -> Result<mach::VmReadReply, i32> {
        crate::vm::vm_user::vm_read(self, req)
    }

    fn vm_write(&mut self, req: mach::VmWriteRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_write(self, req)
    }

    /// The whole destination is checked before anything is written (a
    /// range running into the kernel half once had its first pages written).
    fn vm_copy(&mut self, req: mach::VmCopyRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_copy(self, req)
    }

    fn vm_statistics(&mut self, r: mach::VmStatisticsRequest) -> Result<mach::VmStatisticsReply, i32> {
        crate::vm::vm_user::vm_statistics(self, r)
    }

    fn vm_machine_attribute(&mut self, r: mach::VmMachineAttributeRequest) -> Result<mach::VmMachineAttributeReply, i32> {
        crate::vm::vm_user::vm_machine_attribute(self, r)
    }

    fn vm_region(&mut self, req: mach::VmRegionRequest) -> Result<mach::VmRegionReply, i32> {
        crate::vm::vm_user::vm_region(self, req)
    }

}

// ---------------------------------------------------------------------------
// mach_host.defs.

impl mach_host::MachHostServer for Ctx {
    fn host_info(&mut self, req: mach_host::HostInfoRequest) -> Result<mach_host::HostInfoReply, i32> {
        crate::kern::host::host_info(self, req)
    }

    fn host_get_time(&mut self, r: mach_host::HostGetTimeRequest) -> Result<mach_host::HostGetTimeReply, i32> {
        crate::kern::host::host_get_time(self, r)
    }

    fn vm_wire(&mut self, req: mach_host::VmWireRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_wire(self, req)
    }

    fn host_reboot(&mut self, req: mach_host::HostRebootRequest) -> Result<(), i32> {
        crate::kern::host::host_reboot(self, req)
    }

    fn host_set_time(&mut self, req: mach_host::HostSetTimeRequest) -> Result<(), i32> {
        crate::kern::host::host_set_time(self, req)
    }

    fn host_adjust_time(&mut self, req: mach_host::HostAdjustTimeRequest) -> Result<mach_host::HostAdjustTimeReply, i32> {
        crate::kern::host::host_adjust_time(self, req)
    }

    fn thread_wire(&mut self, req: mach_host::ThreadWireRequest) -> Result<(), i32> {
        crate::kern::thread::thread_wire(self, req)
    }

    fn processor_set_default(&mut self, r: mach_host::ProcessorSetDefaultRequest) -> Result<mach_host::ProcessorSetDefaultReply, i32> {
        crate::kern::processor::processor_set_default(self, r)
    }

    fn host_processor_sets(&mut self, r: mach_host::HostProcessorSetsRequest) -> Result<mach_host::HostProcessorSetsReply, i32> {
        crate::kern::host::host_processor_sets(self, r)
    }

    fn host_processor_set_priv(&mut self, req: mach_host::HostProcessorSetPrivRequest) -> Result<mach_host::HostProcessorSetPrivReply, i32> {
        crate::kern::host::host_processor_set_priv(self, req)
    }

    fn processor_set_tasks(&mut self, r: mach_host::ProcessorSetTasksRequest) -> Result<mach_host::ProcessorSetTasksReply, i32> {
        crate::kern::processor::processor_set_tasks(self, r)
    }

    fn processor_set_threads(&mut self, r: mach_host::ProcessorSetThreadsRequest) -> Result<mach_host::ProcessorSetThreadsReply, i32> {
        crate::kern::processor::processor_set_threads(self, r)
    }

    fn processor_set_info(&mut self, req: mach_host::ProcessorSetInfoRequest) -> Result<mach_host::ProcessorSetInfoReply, i32> {
        crate::kern::processor::processor_set_info(self, req)
    }

    fn host_processors(&mut self, r: mach_host::HostProcessorsRequest) -> Result<mach_host::HostProcessorsReply, i32> {
        crate::kern::host::host_processors(self, r)
    }

    fn processor_start(&mut self, r: mach_host::ProcessorStartRequest) -> Result<(), i32> {
        crate::kern::processor::processor_start(self, r)
    }

    fn processor_exit(&mut self, r: mach_host::ProcessorExitRequest) -> Result<(), i32> {
        crate::kern::processor::processor_exit(self, r)
    }

    fn processor_control(&mut self, r: mach_host::ProcessorControlRequest<'_>) -> Result<(), i32> {
        crate::kern::processor::processor_control(self, r)
    }

    fn processor_get_assignment(&mut self, r: mach_host::ProcessorGetAssignmentRequest) -> Result<mach_host::ProcessorGetAssignmentReply, i32> {
        crate::kern::processor::processor_get_assignment(self, r)
    }

    fn processor_info(&mut self, req: mach_host::ProcessorInfoRequest) -> Result<mach_host::ProcessorInfoReply, i32> {
        crate::kern::processor::processor_info(self, req)
    }

    fn thread_priority(&mut self, req: mach_host::ThreadPriorityRequest) -> Result<(), i32> {
        crate::kern::thread::thread_priority(self, req)
    }

    fn thread_max_priority(&mut self, req: mach_host::ThreadMaxPriorityRequest) -> Result<(), i32> {
        crate::kern::thread::thread_max_priority(self, req)
    }

    fn task_priority(&mut self, req: mach_host::TaskPriorityRequest) -> Result<(), i32> {
        crate::kern::task::task_priority(self, req)
    }

    fn processor_set_max_priority(&mut self, req: mach_host::ProcessorSetMaxPriorityRequest) -> Result<(), i32> {
        crate::kern::processor::processor_set_max_priority(self, req)
    }

    fn thread_assign(&mut self, req: mach_host::ThreadAssignRequest) -> Result<(), i32> {
        crate::kern::thread::thread_assign(self, req)
    }

    fn thread_assign_default(&mut self, r: mach_host::ThreadAssignDefaultRequest) -> Result<(), i32> {
        crate::kern::thread::thread_assign_default(self, r)
    }

    fn thread_get_assignment(&mut self, r: mach_host::ThreadGetAssignmentRequest) -> Result<mach_host::ThreadGetAssignmentReply, i32> {
        crate::kern::thread::thread_get_assignment(self, r)
    }

    fn task_assign(&mut self, req: mach_host::TaskAssignRequest) -> Result<(), i32> {
        crate::kern::task::task_assign(self, req)
    }

    fn task_assign_default(&mut self, r: mach_host::TaskAssignDefaultRequest) -> Result<(), i32> {
        crate::kern::task::task_assign_default(self, r)
    }

    fn task_get_assignment(&mut self, r: mach_host::TaskGetAssignmentRequest) -> Result<mach_host::TaskGetAssignmentReply, i32> {
        crate::kern::task::task_get_assignment(self, r)
    }

    fn thread_policy(&mut self, req: mach_host::ThreadPolicyRequest) -> Result<(), i32> {
        crate::kern::thread::thread_policy(self, req)
    }

    fn processor_set_policy_enable(&mut self, req: mach_host::ProcessorSetPolicyEnableRequest) -> Result<(), i32> {
        crate::kern::processor::processor_set_policy_enable(self, req)
    }

    fn processor_set_policy_disable(&mut self, req: mach_host::ProcessorSetPolicyDisableRequest) -> Result<(), i32> {
        crate::kern::processor::processor_set_policy_disable(self, req)
    }

    fn thread_depress_abort(&mut self, r: mach_host::ThreadDepressAbortRequest) -> Result<(), i32> {
        crate::kern::thread::thread_depress_abort(self, r)
    }

    fn host_kernel_version(&mut self, r: mach_host::HostKernelVersionRequest) -> Result<mach_host::HostKernelVersionReply, i32> {
        crate::kern::host::host_kernel_version(self, r)
    }


    fn host_get_kernel_version(&mut self, r: mach_host::HostGetKernelVersionRequest) -> Result<mach_host::HostGetKernelVersionReply, i32> {
        crate::kern::host::host_get_kernel_version(self, r)
    }

    fn host_get_time64(&mut self, r: mach_host::HostGetTime64Request) -> Result<mach_host::HostGetTime64Reply, i32> {
        crate::kern::host::host_get_time64(self, r)
    }

    fn host_set_time64(&mut self, req: mach_host::HostSetTime64Request) -> Result<(), i32> {
        crate::kern::host::host_set_time64(self, req)
    }

    fn host_adjust_time64(&mut self, req: mach_host::HostAdjustTime64Request) -> Result<mach_host::HostAdjustTime64Reply, i32> {
        crate::kern::host::host_adjust_time64(self, req)
    }

    fn host_get_uptime64(&mut self, r: mach_host::HostGetUptime64Request) -> Result<mach_host::HostGetUptime64Reply, i32> {
        crate::kern::host::host_get_uptime64(self, r)
    }
}

impl gnumach::GnumachServer for Ctx {
    fn register_new_task_notification(&mut self, req: gnumach::RegisterNewTaskNotificationRequest) -> Result<(), i32> {
        crate::kern::task::register_new_task_notification(self, req)
    }

    fn thread_terminate_release(&mut self, req: gnumach::ThreadTerminateReleaseRequest) -> Result<(), i32> {
        crate::kern::thread::thread_terminate_release(self, req)
    }

    fn vm_wire_all(&mut self, req: gnumach::VmWireAllRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_wire_all(self, req)
    }

    fn task_set_essential(&mut self, req: gnumach::TaskSetEssentialRequest) -> Result<(), i32> {
        crate::kern::task::task_set_essential(self, req)
    }

    fn vm_cache_statistics(&mut self, r: gnumach::VmCacheStatisticsRequest) -> Result<gnumach::VmCacheStatisticsReply, i32> {
        crate::vm::vm_user::vm_cache_statistics(self, r)
    }

    fn vm_object_sync(&mut self, req: gnumach::VmObjectSyncRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_object_sync(self, req)
    }

    fn vm_msync(&mut self, req: gnumach::VmMsyncRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_msync(self, req)
    }

    fn task_set_name(&mut self, req: gnumach::TaskSetNameRequest) -> Result<(), i32> {
        crate::kern::task::task_set_name(self, req)
    }

    fn gsync_wait(&mut self, req: gnumach::GsyncWaitRequest) -> Result<(), i32> {
        crate::kern::gsync::gsync_wait(self, req)
    }

    fn gsync_wake(&mut self, req: gnumach::GsyncWakeRequest) -> Result<(), i32> {
        crate::kern::gsync::gsync_wake(self, req)
    }

    fn gsync_requeue(&mut self, req: gnumach::GsyncRequeueRequest) -> Result<(), i32> {
        crate::kern::gsync::gsync_requeue(self, req)
    }

    fn vm_allocate_contiguous(&mut self, req: gnumach::VmAllocateContiguousRequest) -> Result<gnumach::VmAllocateContiguousReply, i32> {
        crate::vm::vm_user::vm_allocate_contiguous(self, req)
    }


    fn vm_pages_phys(&mut self, req: gnumach::VmPagesPhysRequest) -> Result<gnumach::VmPagesPhysReply, i32> {
        crate::vm::vm_user::vm_pages_phys(self, req)
    }

    fn thread_set_name(&mut self, req: gnumach::ThreadSetNameRequest) -> Result<(), i32> {
        crate::kern::thread::thread_set_name(self, req)
    }

    fn thread_get_name(&mut self, r: gnumach::ThreadGetNameRequest) -> Result<gnumach::ThreadGetNameReply, i32> {
        crate::kern::thread::thread_get_name(self, r)
    }

    fn vm_set_size_limit(&mut self, req: gnumach::VmSetSizeLimitRequest) -> Result<(), i32> {
        crate::vm::vm_user::vm_set_size_limit(self, req)
    }

    fn vm_get_size_limit(&mut self, r: gnumach::VmGetSizeLimitRequest) -> Result<gnumach::VmGetSizeLimitReply, i32> {
        crate::vm::vm_user::vm_get_size_limit(self, r)
    }
}

impl Ctx {
    /// The task a port argument (request handle `h`) stands for.
    pub(crate) fn task_of_handle(&self, h: u32) -> Result<TaskId, i32> {
        match self.kobject_of_handle(h) {
            Some((KOBJ_TASK, id)) => Ok(id as TaskId),
            _ => Err(KERN_INVALID_ARGUMENT),
        }
    }
}

