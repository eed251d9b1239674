//! Mach IPC semantics without hardware: ports, port sets, IPC spaces, rights,
//! message queues and notifications, binary-compatible with GNU Mach on i386.
//!
//! # Design
//! - One [`Ipc`] owns every port, port set and space in generational arenas
//!   ([`PortId`], [`PsetId`], [`SpaceId`]); objects refer to each other by id,
//!   so there are no reference cycles and the whole state is easy to test.
//! - The kernel wraps this crate under one lock. It copies user memory, blocks
//!   and wakes threads and runs kernel servers; this crate decides every
//!   semantic question and keeps every count right. Operations never block:
//!   they return "would block" results, and record [`Event`]s (a message was
//!   queued, a queue has room, a port died) that tell the kernel whom to wake.
//! - A right held outside any space (in a message, in a notification request,
//!   or in the kernel's hands) is a [`Right`] value: not `Clone`, created and
//!   consumed only by this crate, so counts cannot drift. [`Ipc::check`]
//!   recomputes every count from scratch.
//! - Dead ports are turned into dead names lazily, when a name is next used,
//!   exactly as GNU Mach does (so user-reference counts match).
//! - Names are allocated lowest-free-first from 1 (GNU Mach 1.8 behaviour).
//! - No `unsafe`.
//!
//! Modules follow GNU Mach's `ipc/`: `port` (ipc_port), `pset` (ipc_pset),
//! `space` (ipc_space, ipc_entry), `right` (ipc_right, ipc_object: copyin,
//! copyout, destruction), `kmsg` (ipc_kmsg: message layout, body walker,
//! builder), `mqueue` (ipc_mqueue, mach_msg: send, receive, copyout),
//! `notify` (ipc_notify), `mach_port` (the `mach_port_*` calls), `check`
//! (the consistency checker).
//!
//! # How the kernel drives it
//! Ids given to this crate must come from it and be live (a stale
//! [`SpaceId`] panics in the copyout functions; the `mach_port_*` calls
//! return `KERN_INVALID_TASK`). After every call, drain
//! [`Ipc::drain_events`] (or [`Ipc::take_events`]) and act on each [`Event`].
//!
//! **Task creation**: [`Ipc::space_create`]. Kernel objects get ports with
//! [`Ipc::alloc_kernel_port`]; hand out send rights with [`Ipc::make_send`]
//! and put them in a task with [`Ipc::copyout_right`] (lowest free name, or
//! the existing name plus one user reference: `mach_task_self`) or
//! [`Ipc::mach_port_insert_right`] (boot script).
//!
//! **mach_msg send**: copy `send_size` bytes from the user, then
//! [`Ipc::copyin_msg`] (returns a `MACH_SEND_*` code or a [`KMsg`]; out-of-line
//! memory is read through your [`OolMemory`]). Then [`Ipc::send`]: `Ok` means
//! sent; `Err(kmsg)` means the queue is full: with `MACH_SEND_TIMEOUT` and a
//! zero timeout, or when the wait times out or is interrupted, give the
//! message back with [`Ipc::copyout_pseudo`], write its bytes to the user
//! buffer and return `MACH_SEND_TIMED_OUT`/`MACH_SEND_INTERRUPTED` (OR the
//! returned bits in); otherwise block the thread on
//! [`WaitObj::Port`] and call [`Ipc::send`] again on
//! [`Event::SendersMayRetry`]. `MACH_SEND_NOTIFY` is not supported.
//!
//! **Kernel servers**: [`Event::MessageQueued`] with `kernel: true` means a
//! message waits on a kernel-held port: [`Ipc::dequeue`] it, decode
//! [`KMsg::body`] (rights in [`KMsg::ports`], memory in [`KMsg::ool`]), take
//! the reply right with [`KMsg::take_local`], build the reply with
//! [`KMsgBuilder`] and [`Ipc::send_always`] it, and
//! [`Ipc::destroy_received_kmsg`] the request (or what is left of it: rights
//! taken out are yours to place). Not [`Ipc::destroy_kmsg`]: that treats the
//! destination as unused, so a send-once destination (a notification sent
//! to a kernel port) would send a send-once notification back to the same
//! port, forever.
//!
//! **mach_msg receive**: [`Ipc::receive`]. On `Ok(kmsg)`, [`Ipc::copyout_msg`]
//! gives the bytes to write to the user buffer and the return code. On
//! [`RecvError::WouldBlock`], return `MACH_RCV_TIMED_OUT` for a zero timeout,
//! else block on the [`WaitObj`] and retry on [`Event::MessageQueued`] (for
//! the port, or its `pset`); on [`Event::ReceiversAbort`] for that object,
//! return its code (`MACH_RCV_PORT_DIED`, `MACH_RCV_PORT_CHANGED`). On
//! [`RecvError::TooLarge`], write either the size into the user's
//! `msgh_size` (`MACH_RCV_LARGE`: the message stays queued) or the returned
//! 24-byte header, and return `MACH_RCV_TOO_LARGE`. `MACH_RCV_NOTIFY` is not
//! supported.
//!
//! **Task death**: [`Ipc::space_destroy`] after the task's threads stopped
//! (wake any of its threads still blocked in IPC first). Every right goes:
//! receive rights die (or go to their port-destroyed backup), queued
//! messages are destroyed, other tasks' names become dead names with
//! dead-name notifications, send-once rights send send-once notifications.
//! When a kernel object dies, [`Ipc::destroy_kernel_port`].
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod consts;
mod slab;
mod kmsg;
mod right;
mod mqueue;
mod notify;
mod mach_port;
mod check;
mod port;
mod pset;
mod space;
mod kernel_msg;
mod fast;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

pub use kmsg::{
    parse_body, BodyItem, KMsg, KMsgBuilder, OolMemory, OolPages, OolRegion, PortLoc, PortSlot,
    HEADER_SIZE,
};
pub use mach_port::PortStatus;
pub use mqueue::{RecvError, WaitObj};
pub use port::Receiver;
pub use right::copyin_type;

pub(crate) use port::{DnRequest, Port};
pub(crate) use pset::Pset;
pub(crate) use space::{Entry, Obj, Space};

use slab::Slab;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name {
            idx: u32,
            gen: u32,
        }
        impl $name {
            /// The arena index (stable while the object lives; for kernel tables).
            pub fn index(self) -> u32 {
                self.idx
            }
            /// The (index, generation) pair, for a kernel that keeps ids in
            /// plain words (a per-processor record).
            pub fn to_raw(self) -> (u32, u32) {
                (self.idx, self.gen)
            }
            /// The id from [`Self::to_raw`]'s pair. An id that was never
            /// handed out, or whose object is gone, is stale: the arena's
            /// generation check refuses it.
            pub fn from_raw(idx: u32, gen: u32) -> Self {
                Self { idx, gen }
            }
        }
    };
}

id_type!(
    /// Identifies a port.
    PortId
);
id_type!(
    /// Identifies a port set.
    PsetId
);
id_type!(
    /// Identifies an IPC space (one per task).
    SpaceId
);

/// Which kind of right a [`Right`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RightKind {
    /// A send right.
    Send,
    /// A send-once right.
    SendOnce,
    /// A receive right.
    Receive,
}

#[derive(Debug, PartialEq, Eq)]
enum RightInner {
    Null,
    Dead,
    Port(RightKind, PortId),
}

/// A port right held outside any space: carried in a message, registered in a
/// notification request, or held by the kernel. Only this crate creates and
/// consumes rights; give every right back (send it, insert it, or
/// [`Ipc::release_right`]) or its port's counts stay raised.
#[must_use = "a Right must be given back to the Ipc"]
#[derive(Debug, PartialEq, Eq)]
pub struct Right(RightInner);

impl Right {
    /// The null right (`MACH_PORT_NULL`); needs no release.
    pub const fn null() -> Right {
        Right(RightInner::Null)
    }

    /// The dead right (`MACH_PORT_DEAD`); needs no release.
    pub const fn dead() -> Right {
        Right(RightInner::Dead)
    }

    /// True for the null right.
    pub fn is_null(&self) -> bool {
        matches!(self.0, RightInner::Null)
    }

    /// True for the dead right.
    pub fn is_dead(&self) -> bool {
        matches!(self.0, RightInner::Dead)
    }

    /// The kind and port, unless null or dead.
    pub fn port(&self) -> Option<(RightKind, PortId)> {
        match self.0 {
            RightInner::Port(k, p) => Some((k, p)),
            _ => None,
        }
    }

    /// The port id, unless null or dead.
    pub fn port_id(&self) -> Option<PortId> {
        self.port().map(|(_, p)| p)
    }

    /// The carried type name (`MACH_MSG_TYPE_PORT_*`), unless null or dead.
    pub fn type_name(&self) -> Option<u32> {
        self.port().map(|(k, _)| match k {
            RightKind::Send => consts::ty::MACH_MSG_TYPE_PORT_SEND,
            RightKind::SendOnce => consts::ty::MACH_MSG_TYPE_PORT_SEND_ONCE,
            RightKind::Receive => consts::ty::MACH_MSG_TYPE_PORT_RECEIVE,
        })
    }

    fn take(&mut self) -> Right {
        core::mem::replace(self, Right::null())
    }
}

/// Something the kernel must act on after an operation (drain with
/// [`Ipc::take_events`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message was queued on `port`. Wake one thread receiving on the port,
    /// or on `pset` when the port is in a set; if `kernel` is true the port
    /// belongs to the kernel: dequeue and serve it with [`Ipc::dequeue`].
    MessageQueued {
        /// The port.
        port: PortId,
        /// Its port set, if any.
        pset: Option<PsetId>,
        /// The kernel holds the receive right.
        kernel: bool,
    },
    /// Senders blocked on `port` (queue full) may retry: room appeared, the
    /// limit rose, or the port died (the retry then succeeds and discards).
    SendersMayRetry(PortId),
    /// Threads blocked receiving on `obj` must return `code`
    /// (`MACH_RCV_PORT_DIED` or `MACH_RCV_PORT_CHANGED`).
    ReceiversAbort {
        /// What they wait on.
        obj: WaitObj,
        /// The mach_msg return code to give them.
        code: u32,
    },
    /// A port carrying a kernel-object tag died.
    KObjectDied {
        /// The port (its id stays valid until its last reference goes).
        port: PortId,
        /// The tag.
        kobject: (u32, u64),
    },
}

/// All IPC state: ports, port sets and spaces.
pub struct Ipc {
    ports: Slab<Port>,
    psets: Slab<Pset>,
    spaces: Slab<Space>,
    events: Vec<Event>,
    /// (port, stamp) of each message queued on a kernel port since the last
    /// [`Ipc::take_kernel_queued`], in order.
    kernel_queued: Vec<(PortId, u64)>,
    stamp: u64,
    /// Messages waiting to be destroyed (destruction is iterative, so a deep
    /// chain of receive rights in messages cannot exhaust the kernel stack).
    reap: VecDeque<KMsg>,
    reaping: bool,
}

impl Default for Ipc {
    fn default() -> Self {
        Self::new()
    }
}

impl Ipc {
    /// An empty IPC state.
    pub const fn new() -> Ipc {
        Ipc {
            ports: Slab::new(),
            psets: Slab::new(),
            spaces: Slab::new(),
            events: Vec::new(),
            kernel_queued: Vec::new(),
            stamp: 0,
            reap: VecDeque::new(),
            reaping: false,
        }
    }

    /// Creates an empty space (for a new task).
    pub fn space_create(&mut self) -> SpaceId {
        let (idx, gen) = self.spaces.insert(Space::new());
        SpaceId { idx, gen }
    }

    /// True if the space exists.
    pub fn space_exists(&self, space: SpaceId) -> bool {
        self.spaces.get(space.idx, space.gen).is_some()
    }

    /// Drains the events recorded since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    /// Whether events or kernel-queued messages wait to be drained (one
    /// test lets a critical section that raised nothing skip the drains).
    pub fn has_pending(&self) -> bool {
        !self.events.is_empty() || !self.kernel_queued.is_empty()
    }

    /// Hands each event recorded since the last drain to `f`, keeping the
    /// queue's storage (no allocation on the next operation's events).
    pub fn drain_events(&mut self, mut f: impl FnMut(Event)) {
        self.events.drain(..).for_each(&mut f);
    }

    /// Like [`Ipc::take_kernel_queued`], keeping the storage.
    pub fn drain_kernel_queued(&mut self, mut f: impl FnMut((PortId, u64))) {
        self.kernel_queued.drain(..).for_each(&mut f);
    }

    /// Drains the (port, stamp) of the messages queued on kernel ports since
    /// the last call, so that each can be served by name with
    /// [`Ipc::dequeue_stamped`] (by the thread that sent it).
    pub fn take_kernel_queued(&mut self) -> Vec<(PortId, u64)> {
        core::mem::take(&mut self.kernel_queued)
    }

    /// Number of live port objects (including dead ports still referenced).
    pub fn port_count(&self) -> usize {
        self.ports.len()
    }

    /// Number of port sets.
    pub fn pset_count(&self) -> usize {
        self.psets.len()
    }

    /// Number of spaces.
    pub fn space_count(&self) -> usize {
        self.spaces.len()
    }

    /// The receiver of `port`, or `None` for an unknown id.
    pub fn port_receiver(&self, port: PortId) -> Option<Receiver> {
        self.ports.get(port.idx, port.gen).map(|p| p.receiver)
    }

    /// True if `port` exists and is alive.
    pub fn port_alive(&self, port: PortId) -> bool {
        self.ports.get(port.idx, port.gen).is_some_and(|p| p.alive())
    }

    /// `(srights, sorights, mscount)` of `port`.
    pub fn port_counts(&self, port: PortId) -> Option<(u32, u32, u32)> {
        self.ports.get(port.idx, port.gen).map(|p| (p.srights, p.sorights, p.mscount))
    }

    /// Number of messages queued on `port`.
    pub fn port_msgcount(&self, port: PortId) -> Option<u32> {
        self.ports.get(port.idx, port.gen).map(|p| p.queue.len() as u32)
    }

    /// The kernel-object tag of `port`.
    pub fn port_kobject(&self, port: PortId) -> Option<(u32, u64)> {
        self.ports.get(port.idx, port.gen).and_then(|p| p.kobject)
    }

    /// Sets or clears the kernel-object tag of `port` (no effect on unknown ids).
    pub fn set_port_kobject(&mut self, port: PortId, kobject: Option<(u32, u64)>) {
        if let Some(p) = self.ports.get_mut(port.idx, port.gen) {
            p.kobject = kobject;
        }
    }

    /// The port named `name` in `space` with a send, send-once or receive
    /// right, if alive (no references change; for kernel lookups).
    pub fn lookup_port(&self, space: SpaceId, name: u32) -> Option<PortId> {
        let e = self.spaces.get(space.idx, space.gen)?.entries().get(&name)?;
        match e.obj {
            Obj::Port(p) if self.port_alive(p) => Some(p),
            _ => None,
        }
    }

    /// The name under which `space` holds send or receive rights for `port`.
    pub fn reverse_lookup(&self, space: SpaceId, port: PortId) -> Option<u32> {
        self.spaces.get(space.idx, space.gen)?.reverse.get(&port).copied()
    }

    // ---- internal accessors (ids held internally are always valid) ----

    fn port(&self, p: PortId) -> &Port {
        self.ports.get(p.idx, p.gen).expect("stale PortId")
    }

    fn port_mut(&mut self, p: PortId) -> &mut Port {
        self.ports.get_mut(p.idx, p.gen).expect("stale PortId")
    }

    fn pset_mut(&mut self, s: PsetId) -> &mut Pset {
        self.psets.get_mut(s.idx, s.gen).expect("stale PsetId")
    }

    fn space_mut(&mut self, s: SpaceId) -> &mut Space {
        self.spaces.get_mut(s.idx, s.gen).expect("stale SpaceId")
    }

    fn space_ref(&self, s: SpaceId) -> &Space {
        self.spaces.get(s.idx, s.gen).expect("stale SpaceId")
    }

    fn alloc_port(&mut self, receiver: Receiver) -> PortId {
        let (idx, gen) = self.ports.insert(Port::new(receiver));
        PortId { idx, gen }
    }

    /// Frees a dead port once nothing refers to it.
    fn maybe_free(&mut self, p: PortId) {
        let free = match self.ports.get(p.idx, p.gen) {
            Some(port) => {
                !port.alive()
                    && port.entries == 0
                    && port.loose_send == 0
                    && port.loose_so == 0
                    && port.loose_recv == 0
                    && port.pin == 0
            }
            None => false,
        };
        if free {
            self.ports.remove(p.idx, p.gen);
        }
    }

    /// Wraps a new loose right (the caller has already counted the right in
    /// srights/sorights if needed).
    fn loose(&mut self, kind: RightKind, p: PortId) -> Right {
        let port = self.port_mut(p);
        match kind {
            RightKind::Send => port.loose_send += 1,
            RightKind::SendOnce => port.loose_so += 1,
            RightKind::Receive => port.loose_recv += 1,
        }
        Right(RightInner::Port(kind, p))
    }

    /// Unwraps a loose right (the right itself still exists: the caller moves
    /// it somewhere or destroys it).
    fn unloose(&mut self, r: Right) -> Option<(RightKind, PortId)> {
        let (k, p) = r.port()?;
        let port = self.port_mut(p);
        match k {
            RightKind::Send => port.loose_send -= 1,
            RightKind::SendOnce => port.loose_so -= 1,
            RightKind::Receive => port.loose_recv -= 1,
        }
        Some((k, p))
    }

    fn push_event(&mut self, ev: Event) {
        self.events.push(ev);
    }
}

#[cfg(test)]
mod tests;
