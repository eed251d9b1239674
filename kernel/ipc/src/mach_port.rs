//! The `mach_port_*` interface (`mach_port.defs`) and space teardown, with
//! GNU Mach's semantics and return codes.

use alloc::vec::Vec;

use crate::consts::kern::*;
use crate::consts::notify::*;
use crate::consts::port::*;
use crate::{Entry, Ipc, Obj, PortId, Pset, PsetId, Receiver, Right, RightKind, SpaceId};

/// `mach_port_status_t` (`mach_port_get_receive_status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortStatus {
    /// Name of the containing port set in this space, or 0.
    pub mps_pset: u32,
    /// Next sequence number.
    pub mps_seqno: u32,
    /// Make-send count.
    pub mps_mscount: u32,
    /// Queue limit.
    pub mps_qlimit: u32,
    /// Messages queued.
    pub mps_msgcount: u32,
    /// Send-once rights.
    pub mps_sorights: u32,
    /// Send rights exist.
    pub mps_srights: bool,
    /// A port-destroyed request is registered.
    pub mps_pdrequest: bool,
    /// A no-senders request is registered.
    pub mps_nsrequest: bool,
}

impl PortStatus {
    /// The 36-byte i386 layout of `mach_port_status_t` (booleans as 0/1 words).
    pub fn to_bytes(&self) -> [u8; 36] {
        let mut b = [0u8; 36];
        let w = [
            self.mps_pset,
            self.mps_seqno,
            self.mps_mscount,
            self.mps_qlimit,
            self.mps_msgcount,
            self.mps_sorights,
            self.mps_srights as u32,
            self.mps_pdrequest as u32,
            self.mps_nsrequest as u32,
        ];
        for (i, v) in w.iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }
}

fn valid_name(n: u32) -> bool {
    n != MACH_PORT_NULL && n != MACH_PORT_DEAD
}

impl Ipc {
    fn lookup(&self, space: SpaceId, name: u32) -> Result<Entry, u32> {
        self.spaces
            .get(space.idx, space.gen)
            .ok_or(KERN_INVALID_TASK)?
            .entries()
            .get(&name)
            .copied()
            .ok_or(KERN_INVALID_NAME)
    }

    fn translate_receive(&self, space: SpaceId, name: u32) -> Result<PortId, u32> {
        let e = self.lookup(space, name)?;
        match e.obj {
            Obj::Port(p) if e.ty & MACH_PORT_TYPE_RECEIVE != 0 => Ok(p),
            _ => Err(KERN_INVALID_RIGHT),
        }
    }

    fn alloc_under(&mut self, space: SpaceId, right: u32, name: u32) -> Result<(), u32> {
        let e = match right {
            MACH_PORT_RIGHT_RECEIVE => {
                let p = self.alloc_port(Receiver::Space { space, name });
                Entry { ty: MACH_PORT_TYPE_RECEIVE, urefs: 0, obj: Obj::Port(p), dnreq: false }
            }
            MACH_PORT_RIGHT_PORT_SET => {
                let (idx, gen) = self.psets.insert(Pset { space, name, members: Vec::new() });
                Entry { ty: MACH_PORT_TYPE_PORT_SET, urefs: 0, obj: Obj::Pset(PsetId { idx, gen }), dnreq: false }
            }
            MACH_PORT_RIGHT_DEAD_NAME => Entry { ty: MACH_PORT_TYPE_DEAD_NAME, urefs: 1, obj: Obj::None, dnreq: false },
            _ => return Err(KERN_INVALID_VALUE),
        };
        self.add_entry(space, name, e);
        Ok(())
    }

    /// `mach_port_allocate`: a receive right, port set or dead name under the
    /// lowest free name.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (other right), `KERN_NO_SPACE`, `KERN_INVALID_TASK`.
    pub fn mach_port_allocate(&mut self, space: SpaceId, right: u32) -> Result<u32, u32> {
        if !matches!(right, MACH_PORT_RIGHT_RECEIVE | MACH_PORT_RIGHT_PORT_SET | MACH_PORT_RIGHT_DEAD_NAME) {
            return Err(KERN_INVALID_VALUE);
        }
        let sp = self.spaces.get(space.idx, space.gen).ok_or(KERN_INVALID_TASK)?;
        let name = sp.lowest_free().ok_or(KERN_NO_SPACE)?;
        self.alloc_under(space, right, name)?;
        Ok(name)
    }

    /// `mach_port_allocate_name`: like allocate, under `name`.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (bad right, or name null/dead), `KERN_NAME_EXISTS`,
    /// `KERN_INVALID_TASK`.
    pub fn mach_port_allocate_name(&mut self, space: SpaceId, right: u32, name: u32) -> Result<(), u32> {
        if !valid_name(name)
            || !matches!(right, MACH_PORT_RIGHT_RECEIVE | MACH_PORT_RIGHT_PORT_SET | MACH_PORT_RIGHT_DEAD_NAME)
        {
            return Err(KERN_INVALID_VALUE);
        }
        match self.lookup(space, name) {
            Ok(_) => Err(KERN_NAME_EXISTS),
            Err(KERN_INVALID_NAME) => self.alloc_under(space, right, name),
            Err(e) => Err(e),
        }
    }

    /// Drops one send right of `p` held by an entry; returns the no-senders
    /// request to fire (with the mscount) when it was the last.
    fn take_send(&mut self, p: PortId) -> Option<(Right, u32)> {
        let port = self.port_mut(p);
        port.srights -= 1;
        if port.alive() && port.srights == 0 {
            let ms = port.mscount;
            return port.nsrequest.take().map(|r| (r, ms));
        }
        None
    }

    fn fire_ns(&mut self, ns: Option<(Right, u32)>) {
        if let Some((r, ms)) = ns {
            self.notify_no_senders(r, ms);
        }
    }

    /// Destroys every right under `name` (`ipc_right_destroy`/`ipc_right_clean`).
    fn destroy_entry(&mut self, space: SpaceId, name: u32) {
        let Some(e) = self.entry(space, name) else { return };
        match e.obj {
            Obj::None => {
                self.remove_entry(space, name);
            }
            Obj::Pset(s) => {
                self.remove_entry(space, name);
                self.pset_destroy(s);
            }
            Obj::Port(p) => {
                if !self.port(p).alive() {
                    let port = self.port_mut(p);
                    if e.ty & MACH_PORT_TYPE_SEND != 0 {
                        port.srights -= 1;
                    }
                    if e.ty & MACH_PORT_TYPE_SEND_ONCE != 0 {
                        port.sorights -= 1;
                    }
                    self.remove_entry(space, name);
                    return;
                }
                let dn = self.dncancel(space, name);
                let so = (e.ty & MACH_PORT_TYPE_SEND_ONCE != 0).then(|| self.loose(RightKind::SendOnce, p));
                let recv = (e.ty & MACH_PORT_TYPE_RECEIVE != 0).then(|| self.loose(RightKind::Receive, p));
                self.remove_entry(space, name);
                let ns = if e.ty & MACH_PORT_TYPE_SEND != 0 { self.take_send(p) } else { None };
                if let Some(r) = recv {
                    self.clear_receiver(p);
                    self.release_right(r);
                }
                if let Some(r) = so {
                    self.release_right(r);
                }
                self.fire_ns(ns);
                self.port_deleted(dn, name, None);
            }
        }
    }

    /// `mach_port_destroy`: destroys all rights under `name`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_TASK`.
    pub fn mach_port_destroy(&mut self, space: SpaceId, name: u32) -> Result<(), u32> {
        self.lookup(space, name)?;
        self.destroy_entry(space, name);
        Ok(())
    }

    /// `mach_port_deallocate`: releases one user reference of a send,
    /// send-once or dead-name right.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT` (receive right alone or port
    /// set), `KERN_INVALID_TASK`.
    pub fn mach_port_deallocate(&mut self, space: SpaceId, name: u32) -> Result<(), u32> {
        let mut e = self.lookup(space, name)?;
        if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE) != 0
            && e.ty & MACH_PORT_TYPE_RECEIVE == 0
            && self.right_check(space, name)
        {
            e = self.entry(space, name).expect("converted");
        }
        if e.ty == MACH_PORT_TYPE_DEAD_NAME {
            if e.urefs == 1 {
                self.remove_entry(space, name);
            } else {
                e.urefs -= 1;
                self.set_entry(space, name, e);
            }
            return Ok(());
        }
        let Obj::Port(p) = e.obj else { return Err(KERN_INVALID_RIGHT) };
        if e.ty == MACH_PORT_TYPE_SEND_ONCE {
            let dn = self.dncancel(space, name);
            let so = self.loose(RightKind::SendOnce, p);
            self.remove_entry(space, name);
            self.release_right(so);
            self.port_deleted(dn, name, None);
            return Ok(());
        }
        if e.ty & MACH_PORT_TYPE_SEND == 0 {
            return Err(KERN_INVALID_RIGHT);
        }
        if e.urefs > 1 {
            e.urefs -= 1;
            self.set_entry(space, name, e);
            return Ok(());
        }
        self.drop_last_send(space, name, e, p);
        Ok(())
    }

    /// The entry's last send user reference goes.
    fn drop_last_send(&mut self, space: SpaceId, name: u32, mut e: Entry, p: PortId) {
        if e.ty & MACH_PORT_TYPE_RECEIVE != 0 {
            e.ty &= !MACH_PORT_TYPE_SEND;
            e.urefs = 0;
            self.set_entry(space, name, e);
            let ns = self.take_send(p);
            self.fire_ns(ns);
        } else {
            let dn = self.dncancel(space, name);
            // Keep the port referenced while the entry goes.
            self.port_mut(p).pin += 1;
            self.remove_entry(space, name);
            self.port_mut(p).pin -= 1;
            let ns = self.take_send(p);
            self.maybe_free(p);
            self.fire_ns(ns);
            self.port_deleted(dn, name, None);
        }
    }

    /// `mach_port_mod_refs`: changes the user references of one right kind.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (bad right, delta other than 0/-1 for receive,
    /// send-once and port sets, or underflow), `KERN_INVALID_NAME`,
    /// `KERN_INVALID_RIGHT`, `KERN_UREFS_OVERFLOW`, `KERN_INVALID_TASK`.
    pub fn mach_port_mod_refs(&mut self, space: SpaceId, name: u32, right: u32, delta: i32) -> Result<(), u32> {
        if right >= MACH_PORT_RIGHT_NUMBER {
            return Err(KERN_INVALID_VALUE);
        }
        let mut e = self.lookup(space, name)?;
        match right {
            MACH_PORT_RIGHT_RECEIVE => {
                if e.ty & MACH_PORT_TYPE_RECEIVE == 0 {
                    return Err(KERN_INVALID_RIGHT);
                }
                if delta == 0 {
                    return Ok(());
                }
                if delta != -1 {
                    return Err(KERN_INVALID_VALUE);
                }
                let Obj::Port(p) = e.obj else { unreachable!() };
                let r = self.loose(RightKind::Receive, p);
                let mut dn = None;
                if e.ty & MACH_PORT_TYPE_SEND != 0 {
                    e.ty &= !MACH_PORT_TYPE_RECEIVE;
                    self.set_entry(space, name, e);
                } else {
                    dn = self.dncancel(space, name);
                    self.remove_entry(space, name);
                }
                self.clear_receiver(p);
                self.release_right(r);
                self.port_deleted(dn, name, None);
                Ok(())
            }
            MACH_PORT_RIGHT_SEND_ONCE => {
                if e.ty & MACH_PORT_TYPE_SEND_ONCE == 0 || self.right_check(space, name) {
                    return Err(KERN_INVALID_RIGHT);
                }
                if delta == 0 {
                    return Ok(());
                }
                if delta != -1 {
                    return Err(KERN_INVALID_VALUE);
                }
                self.destroy_entry(space, name);
                Ok(())
            }
            MACH_PORT_RIGHT_PORT_SET => {
                if e.ty & MACH_PORT_TYPE_PORT_SET == 0 {
                    return Err(KERN_INVALID_RIGHT);
                }
                if delta == 0 {
                    return Ok(());
                }
                if delta != -1 {
                    return Err(KERN_INVALID_VALUE);
                }
                self.destroy_entry(space, name);
                Ok(())
            }
            MACH_PORT_RIGHT_DEAD_NAME => {
                if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE) != 0 && self.right_check(space, name) {
                    e = self.entry(space, name).expect("converted");
                }
                if e.ty & MACH_PORT_TYPE_DEAD_NAME == 0 {
                    return Err(KERN_INVALID_RIGHT);
                }
                let n = urefs_add(e.urefs, delta, MACH_PORT_UREFS_MAX)?;
                if n == 0 {
                    self.remove_entry(space, name);
                } else {
                    e.urefs = n;
                    self.set_entry(space, name, e);
                }
                Ok(())
            }
            _ => {
                // MACH_PORT_RIGHT_SEND
                if e.ty & MACH_PORT_TYPE_SEND == 0 || self.right_check(space, name) {
                    return Err(KERN_INVALID_RIGHT);
                }
                let n = urefs_add(e.urefs, delta, MACH_PORT_UREFS_MAX - 1)?;
                let Obj::Port(p) = e.obj else { unreachable!() };
                if n == 0 {
                    self.drop_last_send(space, name, e, p);
                } else {
                    e.urefs = n;
                    self.set_entry(space, name, e);
                }
                Ok(())
            }
        }
    }

    /// `mach_port_get_refs`: user references of one right kind under `name`
    /// (receive, send-once and port set count 1 when present).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (bad right), `KERN_INVALID_NAME`, `KERN_INVALID_TASK`.
    pub fn mach_port_get_refs(&mut self, space: SpaceId, name: u32, right: u32) -> Result<u32, u32> {
        if right >= MACH_PORT_RIGHT_NUMBER {
            return Err(KERN_INVALID_VALUE);
        }
        self.lookup(space, name)?;
        self.right_check(space, name);
        let e = self.entry(space, name).expect("present");
        if e.ty & (1 << (right + 16)) == 0 {
            return Ok(0);
        }
        Ok(match right {
            MACH_PORT_RIGHT_SEND | MACH_PORT_RIGHT_DEAD_NAME => e.urefs,
            _ => 1,
        })
    }

    /// `mach_port_type`: the type bits of `name` (with
    /// `MACH_PORT_TYPE_DNREQUEST` when a dead-name request is registered).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_TASK`.
    pub fn mach_port_type(&mut self, space: SpaceId, name: u32) -> Result<u32, u32> {
        self.lookup(space, name)?;
        self.right_check(space, name);
        let e = self.entry(space, name).expect("present");
        Ok(e.ty | if e.dnreq { MACH_PORT_TYPE_DNREQUEST } else { 0 })
    }

    /// `mach_port_names`: every name with its type, in name order.
    ///
    /// # Errors
    /// `KERN_INVALID_TASK`.
    pub fn mach_port_names(&mut self, space: SpaceId) -> Result<Vec<(u32, u32)>, u32> {
        let names: Vec<u32> =
            self.spaces.get(space.idx, space.gen).ok_or(KERN_INVALID_TASK)?.entries().keys().collect();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            out.push((n, self.mach_port_type(space, n)?));
        }
        Ok(out)
    }

    /// `mach_port_rename`: moves the rights under `old` to `new`.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (new name null/dead), `KERN_NAME_EXISTS`,
    /// `KERN_INVALID_NAME`, `KERN_INVALID_TASK`.
    pub fn mach_port_rename(&mut self, space: SpaceId, old: u32, new: u32) -> Result<(), u32> {
        if !valid_name(new) {
            return Err(KERN_INVALID_VALUE);
        }
        if self.lookup(space, new).is_ok() {
            return Err(KERN_NAME_EXISTS);
        }
        self.lookup(space, old)?;
        self.right_check(space, old);
        let e = self.space_mut(space).remove(old).expect("present");
        self.space_mut(space).insert(new, e);
        match e.obj {
            Obj::Port(p) => {
                let sp = self.space_mut(space);
                if sp.reverse.get(&p) == Some(&old) {
                    sp.reverse.insert(p, new);
                }
                let port = self.port_mut(p);
                if port.receiver == (Receiver::Space { space, name: old }) {
                    port.receiver = Receiver::Space { space, name: new };
                }
                for r in port.dnrequests.iter_mut() {
                    if r.space == space && r.name == old {
                        r.name = new;
                    }
                }
            }
            Obj::Pset(s) => self.pset_mut(s).name = new,
            Obj::None => {}
        }
        Ok(())
    }

    /// `mach_port_move_member`: puts receive right `member` into port set
    /// `after`, or out of any set when `after` is `MACH_PORT_NULL`. Threads
    /// receiving on the port get `MACH_RCV_PORT_CHANGED`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT` (member not a receive right,
    /// after not a port set), `KERN_NOT_IN_SET` (removing a port in no set),
    /// `KERN_INVALID_TASK`.
    pub fn mach_port_move_member(&mut self, space: SpaceId, member: u32, after: u32) -> Result<(), u32> {
        let p = self.translate_receive(space, member)?;
        let nset = if after == MACH_PORT_NULL {
            None
        } else {
            let e = self.lookup(space, after)?;
            match e.obj {
                Obj::Pset(s) => Some(s),
                _ => return Err(KERN_INVALID_RIGHT),
            }
        };
        let oset = self.port(p).pset;
        if oset == nset {
            return if nset.is_none() { Err(KERN_NOT_IN_SET) } else { Ok(()) };
        }
        if let Some(o) = oset {
            self.pset_remove(o, p);
        }
        if let Some(n) = nset {
            self.pset_add(n, p);
        }
        Ok(())
    }

    /// `mach_port_get_set_status`: the names of the members of port set `name`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_get_set_status(&self, space: SpaceId, name: u32) -> Result<Vec<u32>, u32> {
        let e = self.lookup(space, name)?;
        let Obj::Pset(s) = e.obj else { return Err(KERN_INVALID_RIGHT) };
        let set = self.psets.get(s.idx, s.gen).expect("pset");
        let mut v: Vec<u32> = set
            .members
            .iter()
            .filter_map(|&p| match self.port(p).receiver {
                Receiver::Space { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        Ok(v)
    }

    /// `mach_port_set_qlimit`. Raising the limit lets blocked senders retry.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` (above `MACH_PORT_QLIMIT_MAX`), `KERN_INVALID_NAME`,
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_set_qlimit(&mut self, space: SpaceId, name: u32, qlimit: u32) -> Result<(), u32> {
        if qlimit > MACH_PORT_QLIMIT_MAX {
            return Err(KERN_INVALID_VALUE);
        }
        let p = self.translate_receive(space, name)?;
        let port = self.port_mut(p);
        let raised = qlimit > port.qlimit;
        port.qlimit = qlimit;
        if raised {
            self.push_event(crate::Event::SendersMayRetry(p));
        }
        Ok(())
    }

    /// `mach_port_set_mscount`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_set_mscount(&mut self, space: SpaceId, name: u32, mscount: u32) -> Result<(), u32> {
        let p = self.translate_receive(space, name)?;
        self.port_mut(p).mscount = mscount;
        Ok(())
    }

    /// `mach_port_set_seqno`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_set_seqno(&mut self, space: SpaceId, name: u32, seqno: u32) -> Result<(), u32> {
        let p = self.translate_receive(space, name)?;
        self.port_mut(p).seqno = seqno;
        Ok(())
    }

    /// `mach_port_set_protected_payload`: messages received from the port
    /// carry `payload` in `msgh_local_port` (local type
    /// `MACH_MSG_TYPE_PROTECTED_PAYLOAD`) instead of its name. Moving the
    /// receive right clears it.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_set_protected_payload(&mut self, space: SpaceId, name: u32, payload: u32) -> Result<(), u32> {
        let p = self.translate_receive(space, name)?;
        self.port_mut(p).payload = Some(payload);
        Ok(())
    }

    /// `mach_port_clear_protected_payload`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_clear_protected_payload(&mut self, space: SpaceId, name: u32) -> Result<(), u32> {
        let p = self.translate_receive(space, name)?;
        self.port_mut(p).payload = None;
        Ok(())
    }

    /// `mach_port_get_receive_status`.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_TASK`.
    pub fn mach_port_get_receive_status(&self, space: SpaceId, name: u32) -> Result<PortStatus, u32> {
        let p = self.translate_receive(space, name)?;
        let port = self.port(p);
        let mps_pset = match port.pset {
            Some(s) => {
                let set = self.psets.get(s.idx, s.gen).expect("pset");
                if set.space == space {
                    set.name
                } else {
                    0
                }
            }
            None => 0,
        };
        Ok(PortStatus {
            mps_pset,
            mps_seqno: port.seqno,
            mps_mscount: port.mscount,
            mps_qlimit: port.qlimit,
            mps_msgcount: port.queue.len() as u32,
            mps_sorights: port.sorights,
            mps_srights: port.srights > 0,
            mps_pdrequest: port.pdrequest.is_some(),
            mps_nsrequest: port.nsrequest.is_some(),
        })
    }

    /// `mach_port_request_notification`: registers `notify` (a send-once
    /// right, or null to cancel) for `MACH_NOTIFY_PORT_DESTROYED` or
    /// `MACH_NOTIFY_NO_SENDERS` (receive rights) or `MACH_NOTIFY_DEAD_NAME`
    /// (send, send-once, receive rights; with nonzero `sync` also dead names,
    /// notified at once). Returns the previously registered right (or null).
    /// A no-senders request fires at once when there are no send rights and
    /// `mscount >= sync`. `notify` is consumed (destroyed on error).
    ///
    /// # Errors
    /// `KERN_INVALID_CAPABILITY` (notify is dead), `KERN_INVALID_VALUE`
    /// (unknown id, or nonzero sync for port-destroyed), `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`,
    /// `KERN_INVALID_ARGUMENT` (dead name without sync),
    /// `KERN_UREFS_OVERFLOW`, `KERN_INVALID_TASK`.
    pub fn mach_port_request_notification(
        &mut self,
        space: SpaceId,
        name: u32,
        id: u32,
        sync: u32,
        notify: Right,
    ) -> Result<Right, u32> {
        let r = self.request_notification_inner(space, name, id, sync, notify);
        match r {
            Ok(prev) => Ok(prev),
            Err((code, notify)) => {
                self.release_right(notify);
                Err(code)
            }
        }
    }

    fn request_notification_inner(
        &mut self,
        space: SpaceId,
        name: u32,
        id: u32,
        sync: u32,
        notify: Right,
    ) -> Result<Right, (u32, Right)> {
        if notify.is_dead() {
            return Err((KERN_INVALID_CAPABILITY, notify));
        }
        match id {
            MACH_NOTIFY_PORT_DESTROYED => {
                if sync != 0 {
                    return Err((KERN_INVALID_VALUE, notify));
                }
                let p = match self.translate_receive(space, name) {
                    Ok(p) => p,
                    Err(e) => return Err((e, notify)),
                };
                let new = if notify.is_null() { None } else { Some(notify) };
                Ok(core::mem::replace(&mut self.port_mut(p).pdrequest, new).unwrap_or(Right::null()))
            }
            MACH_NOTIFY_NO_SENDERS => {
                let p = match self.translate_receive(space, name) {
                    Ok(p) => p,
                    Err(e) => return Err((e, notify)),
                };
                let port = self.port_mut(p);
                let prev = port.nsrequest.take().unwrap_or(Right::null());
                if !notify.is_null() {
                    if port.srights == 0 && sync <= port.mscount {
                        let ms = port.mscount;
                        self.notify_no_senders(notify, ms);
                    } else {
                        port.nsrequest = Some(notify);
                    }
                }
                Ok(prev)
            }
            MACH_NOTIFY_DEAD_NAME => self.dnrequest(space, name, sync != 0, notify),
            _ => Err((KERN_INVALID_VALUE, notify)),
        }
    }

    /// Kernel side of a no-senders request on a port the kernel holds (or
    /// any live port): as `mach_port_request_notification` with
    /// `MACH_NOTIFY_NO_SENDERS`, without a name. Returns the previous request.
    ///
    /// # Errors
    /// `KERN_INVALID_CAPABILITY` if the port is dead or unknown, or `notify`
    /// is dead (`notify` is destroyed then).
    pub fn port_request_no_senders(&mut self, p: PortId, sync: u32, notify: Right) -> Result<Right, u32> {
        if !self.port_alive(p) || notify.is_dead() {
            self.release_right(notify);
            return Err(KERN_INVALID_CAPABILITY);
        }
        let port = self.port_mut(p);
        let prev = port.nsrequest.take().unwrap_or(Right::null());
        if !notify.is_null() {
            if port.srights == 0 && sync <= port.mscount {
                let ms = port.mscount;
                self.notify_no_senders(notify, ms);
            } else {
                port.nsrequest = Some(notify);
            }
        }
        Ok(prev)
    }

    fn dnrequest(&mut self, space: SpaceId, name: u32, immediate: bool, notify: Right) -> Result<Right, (u32, Right)> {
        let mut e = match self.lookup(space, name) {
            Ok(e) => e,
            Err(c) => return Err((c, notify)),
        };
        if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_RECEIVE) != 0 {
            if !self.right_check(space, name) {
                let prev = self.dncancel(space, name).unwrap_or(Right::null());
                if notify.is_null() {
                    return Ok(prev);
                }
                let Obj::Port(p) = e.obj else { unreachable!() };
                self.port_mut(p).dnrequests.push(crate::DnRequest { space, name, notify });
                let mut e2 = self.entry(space, name).expect("present");
                e2.dnreq = true;
                self.set_entry(space, name, e2);
                return Ok(prev);
            }
            e = self.entry(space, name).expect("converted");
        }
        if e.ty & MACH_PORT_TYPE_DEAD_NAME != 0 && immediate && !notify.is_null() {
            if e.urefs + 1 > MACH_PORT_UREFS_MAX {
                return Err((KERN_UREFS_OVERFLOW, notify));
            }
            e.urefs += 1;
            self.set_entry(space, name, e);
            self.notify_dead_name(notify, name);
            return Ok(Right::null());
        }
        if e.ty & MACH_PORT_TYPE_DEAD_NAME != 0 {
            Err((KERN_INVALID_ARGUMENT, notify))
        } else {
            Err((KERN_INVALID_RIGHT, notify))
        }
    }

    /// Destroys a space (task death): every right under every name is
    /// destroyed as by `mach_port_destroy` (receive rights destroy their
    /// ports, so senders' names become dead names with dead-name
    /// notifications; send-once rights send send-once notifications;
    /// registered dead-name requests send port-deleted notifications).
    ///
    /// # Errors
    /// `KERN_INVALID_TASK` for an unknown space.
    pub fn space_destroy(&mut self, space: SpaceId) -> Result<(), u32> {
        let names: Vec<u32> =
            self.spaces.get(space.idx, space.gen).ok_or(KERN_INVALID_TASK)?.entries().keys().collect();
        for n in names {
            self.destroy_entry(space, n);
        }
        // Notifications queued to ports of this space were destroyed with
        // them; the space must now be empty.
        debug_assert!(self.space_ref(space).entries().is_empty());
        self.spaces.remove(space.idx, space.gen);
        Ok(())
    }
}

/// `urefs` changed by `delta`, at most `max` (GNU Mach keeps one user
/// reference of a send right in reserve, so send rights stop at
/// `MACH_PORT_UREFS_MAX - 1` and dead names at `MACH_PORT_UREFS_MAX`).
fn urefs_add(urefs: u32, delta: i32, max: u32) -> Result<u32, u32> {
    if delta < 0 && delta.unsigned_abs() > urefs {
        return Err(KERN_INVALID_VALUE);
    }
    let n = urefs as i64 + delta as i64;
    if delta > 0 && n > max as i64 {
        return Err(KERN_UREFS_OVERFLOW);
    }
    Ok(n as u32)
}
