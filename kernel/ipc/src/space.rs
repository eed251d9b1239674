//! IPC spaces and their entries (GNU Mach `ipc_space`, `ipc_entry`): the
//! names a task uses for its rights.

use alloc::collections::{BTreeMap, BTreeSet};

use crate::consts::port::MACH_PORT_DEAD;
use crate::{PortId, PsetId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// What an entry refers to.
pub(crate) enum Obj {
    None,
    Port(PortId),
    Pset(PsetId),
}

#[derive(Clone, Copy, Debug)]
/// One name in a space.
pub(crate) struct Entry {
    /// `MACH_PORT_TYPE_*` bits (without DNREQUEST).
    pub(crate) ty: u32,
    /// User references: send and dead-name rights count them; send-once has
    /// 1; receive alone and port sets have 0.
    pub(crate) urefs: u32,
    pub(crate) obj: Obj,
    /// A dead-name request is registered for this name.
    pub(crate) dnreq: bool,
}

/// A task's IPC space.
///
/// Free names are tracked so the lowest free name is found in logarithmic
/// time: every name below `next` is either used or in `holes`, and `next`
/// itself is free (names above it may be used, by `mach_port_allocate_name`).
pub(crate) struct Space {
    entries: BTreeMap<u32, Entry>,
    /// Port -> name for entries holding send and/or receive rights.
    pub(crate) reverse: BTreeMap<PortId, u32>,
    holes: BTreeSet<u32>,
    next: u32,
}

impl Space {
    pub(crate) fn new() -> Space {
        Space { entries: BTreeMap::new(), reverse: BTreeMap::new(), holes: BTreeSet::new(), next: 1 }
    }

    /// The lowest name from 1 up not in use.
    pub(crate) fn lowest_free(&self) -> Option<u32> {
        match self.holes.first() {
            Some(&h) => Some(h),
            None if self.next == MACH_PORT_DEAD => None,
            None => Some(self.next),
        }
    }

    /// The entries, in name order.
    pub(crate) fn entries(&self) -> &BTreeMap<u32, Entry> {
        &self.entries
    }

    /// Stores the entry under `name` (new or replacing).
    pub(crate) fn insert(&mut self, name: u32, e: Entry) {
        if self.entries.insert(name, e).is_none() {
            if name < self.next {
                self.holes.remove(&name);
            } else if name == self.next {
                while self.next != MACH_PORT_DEAD && self.entries.contains_key(&self.next) {
                    self.next += 1;
                }
            }
        }
    }

    /// Removes the entry under `name`.
    pub(crate) fn remove(&mut self, name: u32) -> Option<Entry> {
        let e = self.entries.remove(&name)?;
        if name < self.next {
            self.holes.insert(name);
        }
        Some(e)
    }

    /// Checks the free-name bookkeeping.
    pub(crate) fn check_names(&self) -> Result<(), alloc::string::String> {
        if self.entries.contains_key(&self.next) {
            return Err(alloc::format!("next free name {} is used", self.next));
        }
        for &h in &self.holes {
            if h == 0 || h >= self.next || self.entries.contains_key(&h) {
                return Err(alloc::format!("bad hole {h}"));
            }
        }
        let below = self.entries.range(1..self.next).count() + self.holes.len();
        if below as u64 != self.next as u64 - 1 {
            return Err(alloc::format!("names below {} not all used or free", self.next));
        }
        Ok(())
    }
}
