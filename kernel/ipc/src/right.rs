//! Rights: moving them between spaces and [`Right`] values (copyin/copyout),
//! destroying them, lazy dead-name conversion, and port destruction.

use alloc::vec::Vec;

use crate::consts::kern::*;
use crate::consts::msg::MACH_RCV_PORT_DIED;
use crate::consts::port::*;
use crate::consts::ty::*;
use crate::mqueue::WaitObj;
use crate::{Entry, Event, Ipc, Obj, PortId, Receiver, Right, RightInner, RightKind, SpaceId};

impl Ipc {
    pub(crate) fn entry(&self, space: SpaceId, name: u32) -> Option<Entry> {
        self.space_ref(space).entries().get(&name).copied()
    }

    pub(crate) fn set_entry(&mut self, space: SpaceId, name: u32, e: Entry) {
        self.space_mut(space).insert(name, e);
    }

    /// Adds a new entry that refers to `obj`, keeping the object's counters.
    pub(crate) fn add_entry(&mut self, space: SpaceId, name: u32, e: Entry) {
        if let Obj::Port(p) = e.obj {
            self.port_mut(p).entries += 1;
            if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE) != 0 {
                self.space_mut(space).reverse.insert(p, name);
            }
        }
        self.set_entry(space, name, e);
    }

    /// Removes an entry, keeping the object's counters; frees a dead port
    /// nothing refers to any more.
    pub(crate) fn remove_entry(&mut self, space: SpaceId, name: u32) -> Option<Entry> {
        let e = self.space_mut(space).remove(name)?;
        if let Obj::Port(p) = e.obj {
            let sp = self.space_mut(space);
            if sp.reverse.get(&p) == Some(&name) {
                sp.reverse.remove(&p);
            }
            self.port_mut(p).entries -= 1;
            self.maybe_free(p);
        }
        Some(e)
    }

    /// If `name` denotes a send or send-once right to a dead port, turns it
    /// into a dead name (one more user reference if a dead-name request was
    /// registered) and returns true.
    pub(crate) fn right_check(&mut self, space: SpaceId, name: u32) -> bool {
        let Some(mut e) = self.entry(space, name) else { return false };
        let Obj::Port(p) = e.obj else { return false };
        if self.port(p).alive() {
            return false;
        }
        debug_assert!(e.ty & MACH_PORT_TYPE_RECEIVE == 0);
        {
            let port = self.port_mut(p);
            if e.ty & MACH_PORT_TYPE_SEND != 0 {
                port.srights -= 1;
            }
            if e.ty & MACH_PORT_TYPE_SEND_ONCE != 0 {
                port.sorights -= 1;
            }
        }
        let mut urefs = if e.ty & MACH_PORT_TYPE_SEND != 0 { e.urefs } else { 1 };
        if e.dnreq {
            urefs = (urefs + 1).min(MACH_PORT_UREFS_MAX);
        }
        self.remove_entry(space, name);
        e = Entry { ty: MACH_PORT_TYPE_DEAD_NAME, urefs, obj: Obj::None, dnreq: false };
        self.set_entry(space, name, e);
        true
    }

    /// Cancels the dead-name request of `name` (if any), returning its
    /// send-once right.
    pub(crate) fn dncancel(&mut self, space: SpaceId, name: u32) -> Option<Right> {
        let mut e = self.entry(space, name)?;
        if !e.dnreq {
            return None;
        }
        e.dnreq = false;
        self.set_entry(space, name, e);
        let Obj::Port(p) = e.obj else { return None };
        let port = self.port_mut(p);
        let i = port.dnrequests.iter().position(|r| r.space == space && r.name == name)?;
        Some(port.dnrequests.remove(i).notify)
    }

    /// Sends a port-deleted notification for `name` unless the request's
    /// port is `cancel` (MACH_SEND_CANCEL), in which case the right is dropped.
    pub(crate) fn port_deleted(&mut self, soright: Option<Right>, name: u32, cancel: Option<PortId>) {
        if let Some(r) = soright {
            if cancel.is_some() && r.port_id() == cancel {
                let (_, p) = self.unloose(r).expect("send-once");
                self.port_mut(p).sorights -= 1;
                self.maybe_free(p);
            } else {
                self.notify_port_deleted(r, name);
            }
        }
    }

    /// True if copying in `name` with `disp` would succeed (dead names and
    /// dead ports count as success, as GNU Mach's reply check does).
    pub(crate) fn copyin_check(&self, space: SpaceId, name: u32, disp: u32) -> bool {
        let Some(e) = self.entry(space, name) else { return false };
        match disp {
            MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE | MACH_MSG_TYPE_MOVE_RECEIVE => {
                e.ty & MACH_PORT_TYPE_RECEIVE != 0
            }
            MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                if e.ty & MACH_PORT_TYPE_DEAD_NAME != 0 {
                    return true;
                }
                if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE) == 0 {
                    return false;
                }
                let Obj::Port(p) = e.obj else { return false };
                if !self.port(p).alive() {
                    return true;
                }
                if disp == MACH_MSG_TYPE_MOVE_SEND_ONCE {
                    e.ty & MACH_PORT_TYPE_SEND_ONCE != 0
                } else {
                    e.ty & MACH_PORT_TYPE_SEND != 0
                }
            }
            _ => false,
        }
    }

    /// Copies in one right from `space` (GNU Mach `ipc_right_copyin`):
    /// `disp` is a `MACH_MSG_TYPE_MOVE_*/COPY_*/MAKE_*` disposition. With
    /// `deadok`, a dead name yields [`Right::dead`]. A registered dead-name
    /// request on a name that goes away produces a port-deleted notification.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` if `name` is unused, `KERN_INVALID_RIGHT` if it
    /// does not hold the needed right (or is dead and `deadok` is false),
    /// `KERN_INVALID_VALUE` for a bad disposition.
    pub(crate) fn copyin_right_inner(
        &mut self,
        space: SpaceId,
        name: u32,
        disp: u32,
        deadok: bool,
        cancel: Option<PortId>,
    ) -> Result<Right, u32> {
        if !(MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&disp) {
            return Err(KERN_INVALID_VALUE);
        }
        let Some(e) = self.entry(space, name) else { return Err(KERN_INVALID_NAME) };
        match disp {
            MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE => {
                if e.ty & MACH_PORT_TYPE_RECEIVE == 0 {
                    return Err(KERN_INVALID_RIGHT);
                }
                let Obj::Port(p) = e.obj else { unreachable!() };
                if disp == MACH_MSG_TYPE_MAKE_SEND {
                    let port = self.port_mut(p);
                    port.mscount = port.mscount.wrapping_add(1);
                    port.srights += 1;
                    Ok(self.loose(RightKind::Send, p))
                } else {
                    self.port_mut(p).sorights += 1;
                    Ok(self.loose(RightKind::SendOnce, p))
                }
            }
            MACH_MSG_TYPE_MOVE_RECEIVE => {
                if e.ty & MACH_PORT_TYPE_RECEIVE == 0 {
                    return Err(KERN_INVALID_RIGHT);
                }
                let Obj::Port(p) = e.obj else { unreachable!() };
                // The right becomes loose before the entry may go, so the
                // port is never seen unreferenced.
                let r = self.loose(RightKind::Receive, p);
                let mut soright = None;
                if e.ty & MACH_PORT_TYPE_SEND != 0 {
                    let mut e2 = e;
                    e2.ty &= !MACH_PORT_TYPE_RECEIVE;
                    self.set_entry(space, name, e2);
                } else {
                    soright = self.dncancel(space, name);
                    self.remove_entry(space, name);
                }
                self.clear_receiver(p);
                let port = self.port_mut(p);
                port.receiver = Receiver::InTransit { dest: None };
                port.payload = None;
                self.port_deleted(soright, name, cancel);
                Ok(r)
            }
            MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                let mut e = e;
                if e.ty & MACH_PORT_TYPE_DEAD_NAME == 0 {
                    if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE) == 0 {
                        return Err(KERN_INVALID_RIGHT);
                    }
                    if self.right_check(space, name) {
                        e = self.entry(space, name).expect("converted");
                    }
                }
                if e.ty & MACH_PORT_TYPE_DEAD_NAME != 0 {
                    if !deadok {
                        return Err(KERN_INVALID_RIGHT);
                    }
                    if disp != MACH_MSG_TYPE_COPY_SEND {
                        if e.urefs == 1 {
                            self.remove_entry(space, name);
                        } else {
                            e.urefs -= 1;
                            self.set_entry(space, name, e);
                        }
                    }
                    return Ok(Right::dead());
                }
                let Obj::Port(p) = e.obj else { unreachable!() };
                match disp {
                    MACH_MSG_TYPE_COPY_SEND => {
                        if e.ty & MACH_PORT_TYPE_SEND == 0 {
                            return Err(KERN_INVALID_RIGHT);
                        }
                        self.port_mut(p).srights += 1;
                        Ok(self.loose(RightKind::Send, p))
                    }
                    MACH_MSG_TYPE_MOVE_SEND => {
                        if e.ty & MACH_PORT_TYPE_SEND == 0 {
                            return Err(KERN_INVALID_RIGHT);
                        }
                        let r = self.loose(RightKind::Send, p);
                        if e.urefs == 1 {
                            if e.ty & MACH_PORT_TYPE_RECEIVE != 0 {
                                e.ty &= !MACH_PORT_TYPE_SEND;
                                e.urefs = 0;
                                self.set_entry(space, name, e);
                            } else {
                                let so = self.dncancel(space, name);
                                self.remove_entry(space, name);
                                self.port_deleted(so, name, cancel);
                            }
                        } else {
                            e.urefs -= 1;
                            self.set_entry(space, name, e);
                            self.port_mut(p).srights += 1;
                        }
                        Ok(r)
                    }
                    _ => {
                        if e.ty & MACH_PORT_TYPE_SEND_ONCE == 0 {
                            return Err(KERN_INVALID_RIGHT);
                        }
                        let r = self.loose(RightKind::SendOnce, p);
                        let so = self.dncancel(space, name);
                        self.remove_entry(space, name);
                        self.port_deleted(so, name, cancel);
                        Ok(r)
                    }
                }
            }
            _ => Err(KERN_INVALID_VALUE),
        }
    }

    /// Copies in a right from `space` for the kernel (e.g. the right argument
    /// of `mach_port_insert_right`, or `mach_port_extract_right`). Dead names
    /// give [`Right::dead`].
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (bad disposition), `KERN_INVALID_NAME`,
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK` (unknown space).
    pub fn copyin_right(&mut self, space: SpaceId, name: u32, disp: u32) -> Result<Right, u32> {
        if !self.space_exists(space) {
            return Err(KERN_INVALID_TASK);
        }
        self.copyin_right_inner(space, name, disp, true, None)
    }

    /// `mach_port_extract_right`: takes the right `disp` from `name`.
    /// Returns the right and its carried type name.
    ///
    /// # Errors
    /// As [`Ipc::copyin_right`].
    pub fn mach_port_extract_right(&mut self, space: SpaceId, name: u32, disp: u32) -> Result<(Right, u32), u32> {
        let r = self.copyin_right(space, name, disp)?;
        Ok((r, copyin_type(disp)))
    }

    /// Copies a right out into `space`, choosing the name: the existing name
    /// for send/receive rights to a port the space already names, otherwise
    /// the lowest free name. Dead ports give `MACH_PORT_DEAD`. Send-right
    /// user references that would overflow stay pegged (GNU Mach).
    ///
    /// # Panics
    /// If `space` is not a live space of this `Ipc` (a kernel bug).
    pub fn copyout_right(&mut self, space: SpaceId, right: Right) -> u32 {
        match right.0 {
            RightInner::Null => MACH_PORT_NULL,
            RightInner::Dead => MACH_PORT_DEAD,
            RightInner::Port(kind, p) => {
                if !self.port(p).alive() {
                    self.release_right(right);
                    return MACH_PORT_DEAD;
                }
                let existing = if kind == RightKind::SendOnce {
                    None
                } else {
                    self.space_ref(space).reverse.get(&p).copied()
                };
                match existing {
                    Some(name) => {
                        self.merge_right(space, name, right, true).expect("overflow allowed");
                        name
                    }
                    None => {
                        let name = match self.space_ref(space).lowest_free() {
                            Some(n) => n,
                            None => {
                                // Name space full: the right is lost.
                                self.release_right(right);
                                return MACH_PORT_NULL;
                            }
                        };
                        self.new_entry_for(space, name, right);
                        name
                    }
                }
            }
        }
    }

    /// Puts a live right under a fresh (unused) name.
    fn new_entry_for(&mut self, space: SpaceId, name: u32, right: Right) {
        let (kind, p) = self.unloose(right).expect("port right");
        let (ty, urefs) = match kind {
            RightKind::Send => (MACH_PORT_TYPE_SEND, 1),
            RightKind::SendOnce => (MACH_PORT_TYPE_SEND_ONCE, 1),
            RightKind::Receive => (MACH_PORT_TYPE_RECEIVE, 0),
        };
        self.add_entry(space, name, Entry { ty, urefs, obj: Obj::Port(p), dnreq: false });
        if kind == RightKind::Receive {
            let port = self.port_mut(p);
            port.receiver = Receiver::Space { space, name };
            port.payload = None;
        }
    }

    /// Merges a send or receive right into the entry `name` that already holds
    /// send or receive rights for the same (live) port.
    fn merge_right(&mut self, space: SpaceId, name: u32, right: Right, overflow_ok: bool) -> Result<(), Right> {
        let mut e = self.entry(space, name).expect("reverse entry");
        let (kind, p) = right.port().expect("port right");
        match kind {
            RightKind::Send => {
                if e.ty & MACH_PORT_TYPE_SEND != 0 {
                    if e.urefs + 1 >= MACH_PORT_UREFS_MAX {
                        if !overflow_ok {
                            return Err(right);
                        }
                        // Pegged: the extra right is dropped.
                        let _ = self.unloose(right);
                        self.port_mut(p).srights -= 1;
                        return Ok(());
                    }
                    let _ = self.unloose(right);
                    self.port_mut(p).srights -= 1;
                    e.urefs += 1;
                } else {
                    let _ = self.unloose(right);
                    e.ty |= MACH_PORT_TYPE_SEND;
                    e.urefs = 1;
                }
            }
            RightKind::Receive => {
                let _ = self.unloose(right);
                e.ty |= MACH_PORT_TYPE_RECEIVE;
                let port = self.port_mut(p);
                port.receiver = Receiver::Space { space, name };
                port.payload = None;
            }
            RightKind::SendOnce => unreachable!(),
        }
        self.set_entry(space, name, e);
        Ok(())
    }

    /// `mach_port_insert_right`: gives `space` the right under `name`. The
    /// right is consumed (destroyed on error, as the kernel server does).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (name null or dead), `KERN_INVALID_CAPABILITY`
    /// (null, dead right or dead port), `KERN_RIGHT_EXISTS` (the space names
    /// the port under another name), `KERN_NAME_EXISTS` (name in use for
    /// something else), `KERN_UREFS_OVERFLOW`, `KERN_INVALID_TASK`.
    pub fn mach_port_insert_right(&mut self, space: SpaceId, name: u32, right: Right) -> Result<(), u32> {
        if !self.space_exists(space) {
            self.release_right(right);
            return Err(KERN_INVALID_TASK);
        }
        if name == MACH_PORT_NULL || name == MACH_PORT_DEAD {
            self.release_right(right);
            return Err(KERN_INVALID_VALUE);
        }
        let Some((kind, p)) = right.port() else {
            return Err(KERN_INVALID_CAPABILITY);
        };
        let alive = self.port(p).alive();
        if kind != RightKind::SendOnce && alive {
            if let Some(&oname) = self.space_ref(space).reverse.get(&p) {
                if oname != name {
                    self.release_right(right);
                    return Err(KERN_RIGHT_EXISTS);
                }
                return match self.merge_right(space, name, right, false) {
                    Ok(()) => Ok(()),
                    Err(r) => {
                        self.release_right(r);
                        Err(KERN_UREFS_OVERFLOW)
                    }
                };
            }
        }
        if self.entry(space, name).is_some() {
            self.release_right(right);
            return Err(KERN_NAME_EXISTS);
        }
        if !alive {
            self.release_right(right);
            return Err(KERN_INVALID_CAPABILITY);
        }
        self.new_entry_for(space, name, right);
        Ok(())
    }

    /// Destroys a right (GNU Mach `ipc_object_destroy`): a send right may
    /// trigger a no-senders notification, a send-once right sends a
    /// send-once notification (silently dropped for a port the kernel holds,
    /// whose server would ignore it), a receive right destroys its port.
    pub fn release_right(&mut self, right: Right) {
        match right.0 {
            RightInner::Null | RightInner::Dead => {}
            RightInner::Port(RightKind::Send, p) => {
                let _ = self.unloose(right);
                self.drop_send(p);
            }
            RightInner::Port(RightKind::SendOnce, p) => {
                // A send-once notification to a kernel-held port would only
                // be dropped by the kernel server (and destroying it again
                // would loop), so it is dropped here.
                let r = self.port(p).receiver;
                if r != Receiver::Dead && r != Receiver::Kernel {
                    self.notify_send_once(right);
                } else {
                    let _ = self.unloose(right);
                    self.port_mut(p).sorights -= 1;
                    self.maybe_free(p);
                }
            }
            RightInner::Port(RightKind::Receive, p) => {
                let _ = self.unloose(right);
                self.port_mut(p).receiver = Receiver::InTransit { dest: None };
                self.port_destroy(p);
            }
        }
    }

    /// One send right to `p` went away: no-senders if it was the last.
    pub(crate) fn drop_send(&mut self, p: PortId) {
        let port = self.port_mut(p);
        port.srights -= 1;
        if port.alive() && port.srights == 0 {
            if let Some(ns) = port.nsrequest.take() {
                let mscount = port.mscount;
                self.notify_no_senders(ns, mscount);
            }
        }
        self.maybe_free(p);
    }

    /// Detaches a receive right from its holder's bookkeeping: leaves its
    /// port set, aborts its receivers, resets mscount and seqno.
    pub(crate) fn clear_receiver(&mut self, p: PortId) {
        if let Some(s) = self.port(p).pset {
            self.pset_remove(s, p);
        }
        self.push_event(Event::ReceiversAbort { obj: WaitObj::Port(p), code: MACH_RCV_PORT_DIED });
        let port = self.port_mut(p);
        port.mscount = 0;
        port.seqno = 0;
    }

    /// True if putting receive right `p` in a message for `dest` would make a
    /// cycle of ports in transit.
    pub(crate) fn circular(&self, p: PortId, dest: PortId) -> bool {
        let mut cur = dest;
        let mut steps = 0usize;
        loop {
            if cur == p {
                return true;
            }
            let Some(port) = self.ports.get(cur.idx, cur.gen) else { return false };
            match port.receiver {
                Receiver::InTransit { dest: Some(next) } => cur = next,
                _ => return false,
            }
            steps += 1;
            if steps > self.ports.len() {
                return true;
            }
        }
    }

    /// Destroys port `p` whose receive right is gone (GNU Mach
    /// `ipc_port_destroy`): with a port-destroyed request the receive right
    /// is sent back instead; otherwise the port dies, its queue is destroyed,
    /// its no-senders request is dropped with a send-once notification, and
    /// dead-name notifications go out.
    pub(crate) fn port_destroy(&mut self, p: PortId) {
        if let Some(s) = self.port(p).pset {
            self.pset_remove(s, p);
        }
        if let Some(pd) = self.port_mut(p).pdrequest.take() {
            let target = pd.port_id().expect("send-once");
            if !self.circular(p, target) {
                // The port lives on, in transit to the backup.
                let port = self.port_mut(p);
                port.receiver = Receiver::InTransit { dest: Some(target) };
                port.mscount = 0;
                port.seqno = 0;
                port.payload = None;
                let r = self.loose(RightKind::Receive, p);
                self.notify_port_destroyed(pd, r);
                return;
            }
            // Circular: the backup right is dropped silently (no send-once
            // notification) and the port dies.
            let _ = self.unloose(pd);
            self.port_mut(target).sorights -= 1;
            self.maybe_free(target);
        }
        self.port_mut(p).receiver = Receiver::Dead;
        self.port_mut(p).pin += 1;
        self.push_event(Event::SendersMayRetry(p));
        self.push_event(Event::ReceiversAbort { obj: WaitObj::Port(p), code: MACH_RCV_PORT_DIED });
        if let Some(ns) = self.port_mut(p).nsrequest.take() {
            self.release_right(ns);
        }
        let msgs: Vec<_> = self.port_mut(p).queue.drain(..).collect();
        for m in msgs {
            self.destroy_kmsg_nodest(m);
        }
        let dns: Vec<_> = core::mem::take(&mut self.port_mut(p).dnrequests);
        for d in dns {
            self.notify_dead_name(d.notify, d.name);
        }
        if let Some(k) = self.port(p).kobject {
            self.push_event(Event::KObjectDied { port: p, kobject: k });
        }
        self.port_mut(p).pin -= 1;
        self.maybe_free(p);
    }

    // ---- kernel-side rights ----

    /// Creates a port whose receive right the kernel holds, tagged with a
    /// kernel object (task, thread, host, device ...).
    pub fn alloc_kernel_port(&mut self, kobject: Option<(u32, u64)>) -> PortId {
        let p = self.alloc_port(Receiver::Kernel);
        self.port_mut(p).kobject = kobject;
        p
    }

    /// Makes a send right to a live port (mscount and srights rise).
    ///
    /// # Errors
    /// `KERN_INVALID_CAPABILITY` if the port is dead or unknown.
    pub fn make_send(&mut self, p: PortId) -> Result<Right, u32> {
        if !self.port_alive(p) {
            return Err(KERN_INVALID_CAPABILITY);
        }
        let port = self.port_mut(p);
        port.mscount = port.mscount.wrapping_add(1);
        port.srights += 1;
        Ok(self.loose(RightKind::Send, p))
    }

    /// Makes a send-once right to a live port.
    ///
    /// # Errors
    /// `KERN_INVALID_CAPABILITY` if the port is dead or unknown.
    pub fn make_send_once(&mut self, p: PortId) -> Result<Right, u32> {
        if !self.port_alive(p) {
            return Err(KERN_INVALID_CAPABILITY);
        }
        self.port_mut(p).sorights += 1;
        Ok(self.loose(RightKind::SendOnce, p))
    }

    /// Copies a send right (null stays null; dead or a dead port gives dead).
    ///
    /// # Panics
    /// If `r` is a send-once or receive right.
    pub fn copy_send(&mut self, r: &Right) -> Right {
        match r.0 {
            RightInner::Null => Right::null(),
            RightInner::Dead => Right::dead(),
            RightInner::Port(RightKind::Send, p) => {
                if self.port(p).alive() {
                    self.port_mut(p).srights += 1;
                    self.loose(RightKind::Send, p)
                } else {
                    Right::dead()
                }
            }
            _ => panic!("copy_send of a non-send right"),
        }
    }

    /// Gives away the receive right of kernel port `p` (as a loose right to
    /// put in a message: `memory_object_terminate` moves a pager's control
    /// and name ports to it); the port stops being a kernel object.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` if the kernel does not hold its receive right.
    pub fn kernel_port_into_receive(&mut self, p: PortId) -> Result<Right, u32> {
        if self.port_receiver(p) != Some(Receiver::Kernel) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let r = self.loose(RightKind::Receive, p);
        self.clear_receiver(p);
        let port = self.port_mut(p);
        port.receiver = Receiver::InTransit { dest: None };
        port.kobject = None;
        Ok(r)
    }

    /// Destroys a kernel-held port (its kernel object is gone): senders'
    /// names become dead names, with dead-name notifications.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` if the kernel does not hold its receive right.
    pub fn destroy_kernel_port(&mut self, p: PortId) -> Result<(), u32> {
        if self.port_receiver(p) != Some(Receiver::Kernel) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        self.port_mut(p).receiver = Receiver::InTransit { dest: None };
        self.port_destroy(p);
        Ok(())
    }
}

/// The carried type name for a disposition (`ipc_object_copyin_type`).
pub fn copyin_type(disp: u32) -> u32 {
    match disp {
        MACH_MSG_TYPE_MOVE_RECEIVE => MACH_MSG_TYPE_PORT_RECEIVE,
        MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MAKE_SEND => MACH_MSG_TYPE_PORT_SEND,
        MACH_MSG_TYPE_MOVE_SEND_ONCE | MACH_MSG_TYPE_MAKE_SEND_ONCE => MACH_MSG_TYPE_PORT_SEND_ONCE,
        other => other,
    }
}
