//! Consistency checker: recomputes every count from scratch.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use crate::consts::port::*;
use crate::{Ipc, KMsg, Obj, PortId, PsetId, Receiver, Right, RightKind, SpaceId};

#[derive(Default, Clone, Copy)]
struct Tally {
    entries: u32,
    send_entries: u32,
    so_entries: u32,
    recv_entries: u32,
    send: u32,
    so: u32,
    recv: u32,
}

impl Ipc {
    /// Verifies every invariant and recomputes every count: entry types and
    /// user references, reverse maps, receivers, port-set membership,
    /// dead-name requests, `srights`/`sorights` against the rights held by
    /// entries, queued messages and requests, and that no dead port lingers
    /// unreferenced. Rights in the kernel's hands (outside queues) are
    /// allowed; see [`Ipc::check_quiescent`].
    ///
    /// # Errors
    /// A description of the first inconsistency found.
    pub fn check(&self) -> Result<(), String> {
        self.check_inner(false)
    }

    /// Like [`Ipc::check`], and also requires that every right outside the
    /// spaces is in a queued message or a notification request (the kernel
    /// holds none: no leaks).
    ///
    /// # Errors
    /// A description of the first inconsistency found.
    pub fn check_quiescent(&self) -> Result<(), String> {
        self.check_inner(true)
    }

    fn check_inner(&self, strict: bool) -> Result<(), String> {
        let mut t: BTreeMap<PortId, Tally> = BTreeMap::new();
        let mut pset_seen: BTreeMap<PsetId, (SpaceId, u32)> = BTreeMap::new();
        for (si, sg, sp) in self.spaces.iter() {
            let sid = SpaceId { idx: si, gen: sg };
            if let Err(e) = sp.check_names() {
                return Err(format!("{sid:?}: {e}"));
            }
            for (name, e) in sp.entries().iter() {
                if name == MACH_PORT_NULL || name == MACH_PORT_DEAD {
                    return Err(format!("{sid:?}: invalid name {name:#x}"));
                }
                let ok_urefs = match e.ty {
                    MACH_PORT_TYPE_SEND => (1..=MACH_PORT_UREFS_MAX).contains(&e.urefs),
                    x if x == MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE => {
                        (1..=MACH_PORT_UREFS_MAX).contains(&e.urefs)
                    }
                    MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET => e.urefs == 0,
                    MACH_PORT_TYPE_SEND_ONCE => e.urefs == 1,
                    MACH_PORT_TYPE_DEAD_NAME => (1..=MACH_PORT_UREFS_MAX).contains(&e.urefs),
                    _ => return Err(format!("{sid:?} name {name}: bad type {:#x}", e.ty)),
                };
                if !ok_urefs {
                    return Err(format!("{sid:?} name {name}: type {:#x} urefs {}", e.ty, e.urefs));
                }
                match e.obj {
                    Obj::None => {
                        if e.ty != MACH_PORT_TYPE_DEAD_NAME || e.dnreq {
                            return Err(format!("{sid:?} name {name}: no object"));
                        }
                    }
                    Obj::Pset(s) => {
                        let Some(set) = self.psets.get(s.idx, s.gen) else {
                            return Err(format!("{sid:?} name {name}: stale pset"));
                        };
                        if e.ty != MACH_PORT_TYPE_PORT_SET || set.space != sid || set.name != name || e.dnreq {
                            return Err(format!("{sid:?} name {name}: pset mismatch"));
                        }
                        if pset_seen.insert(s, (sid, name)).is_some() {
                            return Err(format!("{s:?} named twice"));
                        }
                    }
                    Obj::Port(p) => {
                        let Some(port) = self.ports.get(p.idx, p.gen) else {
                            return Err(format!("{sid:?} name {name}: stale port"));
                        };
                        if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND_ONCE) == 0 {
                            return Err(format!("{sid:?} name {name}: port with type {:#x}", e.ty));
                        }
                        let tl = t.entry(p).or_default();
                        tl.entries += 1;
                        if e.ty & MACH_PORT_TYPE_SEND != 0 {
                            tl.send_entries += 1;
                        }
                        if e.ty & MACH_PORT_TYPE_SEND_ONCE != 0 {
                            tl.so_entries += 1;
                        }
                        if e.ty & MACH_PORT_TYPE_RECEIVE != 0 {
                            tl.recv_entries += 1;
                            if port.receiver != (Receiver::Space { space: sid, name }) {
                                return Err(format!("{sid:?} name {name}: receiver is {:?}", port.receiver));
                            }
                        }
                        if e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE) != 0
                            && sp.reverse.get(&p) != Some(&name)
                        {
                            return Err(format!("{sid:?} name {name}: reverse map missing"));
                        }
                        if port.alive() {
                            let n = port.dnrequests.iter().filter(|r| r.space == sid && r.name == name).count();
                            if n != e.dnreq as usize {
                                return Err(format!("{sid:?} name {name}: dnreq flag {} but {n} requests", e.dnreq));
                            }
                        }
                    }
                }
            }
            for (&p, &name) in &sp.reverse {
                match sp.entries().get(&name) {
                    Some(e)
                        if e.obj == Obj::Port(p)
                            && e.ty & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE) != 0 => {}
                    _ => return Err(format!("{sid:?}: stale reverse entry {p:?} -> {name}")),
                }
            }
        }
        for (si, sg, set) in self.psets.iter() {
            let s = PsetId { idx: si, gen: sg };
            if pset_seen.get(&s) != Some(&(set.space, set.name)) {
                return Err(format!("{s:?}: not named by its space"));
            }
            for &m in &set.members {
                let Some(port) = self.ports.get(m.idx, m.gen) else {
                    return Err(format!("{s:?}: stale member"));
                };
                if port.pset != Some(s) {
                    return Err(format!("{s:?}: member {m:?} disagrees"));
                }
                if !matches!(port.receiver, Receiver::Space { space, .. } if space == set.space) {
                    return Err(format!("{s:?}: member {m:?} not received in the set's space"));
                }
            }
        }
        // Rights held by queued messages and requests.
        let count = |t: &mut BTreeMap<PortId, Tally>, r: &Right| {
            if let Some((k, p)) = r.port() {
                let tl = t.entry(p).or_default();
                match k {
                    RightKind::Send => tl.send += 1,
                    RightKind::SendOnce => tl.so += 1,
                    RightKind::Receive => tl.recv += 1,
                }
            }
        };
        let count_msg = |t: &mut BTreeMap<PortId, Tally>, m: &KMsg| {
            count(t, &m.remote);
            count(t, &m.local);
            for s in &m.ports {
                count(t, &s.right);
            }
        };
        for (_, _, port) in self.ports.iter() {
            for m in &port.queue {
                count_msg(&mut t, m);
            }
            for r in port.nsrequest.iter().chain(port.pdrequest.iter()) {
                count(&mut t, r);
            }
            for d in &port.dnrequests {
                count(&mut t, &d.notify);
            }
        }
        for (pi, pg, port) in self.ports.iter() {
            let p = PortId { idx: pi, gen: pg };
            let tl = t.get(&p).copied().unwrap_or_default();
            if port.entries != tl.entries {
                return Err(format!("{p:?}: entries {} counted {}", port.entries, tl.entries));
            }
            if port.srights != tl.send_entries + port.loose_send {
                return Err(format!(
                    "{p:?}: srights {} but {} entries + {} loose",
                    port.srights, tl.send_entries, port.loose_send
                ));
            }
            if port.sorights != tl.so_entries + port.loose_so {
                return Err(format!(
                    "{p:?}: sorights {} but {} entries + {} loose",
                    port.sorights, tl.so_entries, port.loose_so
                ));
            }
            let (ls, lso, lr) = (port.loose_send, port.loose_so, port.loose_recv);
            if tl.send > ls || tl.so > lso || tl.recv > lr {
                return Err(format!("{p:?}: queued rights exceed loose counts"));
            }
            if strict && (tl.send != ls || tl.so != lso || tl.recv != lr) {
                return Err(format!(
                    "{p:?}: rights outside queues: send {}/{ls} so {}/{lso} recv {}/{lr}",
                    tl.send, tl.so, tl.recv
                ));
            }
            match port.receiver {
                Receiver::Space { .. } => {
                    if tl.recv_entries != 1 || lr != 0 {
                        return Err(format!("{p:?}: receive right not held once by its space"));
                    }
                }
                Receiver::InTransit { .. } => {
                    if tl.recv_entries != 0 || lr != 1 {
                        return Err(format!("{p:?}: in transit but {lr} loose receive rights"));
                    }
                }
                Receiver::Kernel | Receiver::Dead => {
                    if tl.recv_entries != 0 || lr != 0 {
                        return Err(format!("{p:?}: stray receive right"));
                    }
                }
            }
            if let Some(s) = port.pset {
                match self.psets.get(s.idx, s.gen) {
                    Some(set) if set.members.iter().filter(|&&m| m == p).count() == 1 => {}
                    _ => return Err(format!("{p:?}: pset membership mismatch")),
                }
            }
            for m in &port.queue {
                if m.remote.port_id() != Some(p) {
                    return Err(format!("{p:?}: queued message for another port"));
                }
            }
            for d in &port.dnrequests {
                let ok = self
                    .spaces
                    .get(d.space.idx, d.space.gen)
                    .and_then(|s| s.entries().get(&d.name))
                    .is_some_and(|e| e.dnreq && e.obj == Obj::Port(p));
                if !ok {
                    return Err(format!("{p:?}: dead-name request for a missing entry"));
                }
            }
            if !port.alive() {
                if !port.queue.is_empty()
                    || port.pset.is_some()
                    || port.nsrequest.is_some()
                    || port.pdrequest.is_some()
                    || !port.dnrequests.is_empty()
                {
                    return Err(format!("{p:?}: dead port keeps state"));
                }
                if port.entries == 0 && ls == 0 && lso == 0 {
                    return Err(format!("{p:?}: unreferenced dead port not freed"));
                }
            }
            // No cycle of ports in transit.
            let mut cur = p;
            for _ in 0..=self.ports.len() {
                match self.ports.get(cur.idx, cur.gen).map(|x| x.receiver) {
                    // (A chain may end at a freed port if the kernel dropped
                    // the carrying message's destination right.)
                    Some(Receiver::InTransit { dest: Some(d) }) => {
                        if d == p {
                            return Err(format!("{p:?}: circular chain of ports in transit"));
                        }
                        cur = d;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }
}
