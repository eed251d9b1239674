//! IPC spaces and their entries (GNU Mach `ipc_space`, `ipc_entry`): the
//! names a task uses for its rights.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

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

/// A space's entries: a table indexed by name for the names tasks use
/// (GNU Mach's `ipc_entry` table, so a lookup is one index), and a tree for
/// the few large names `mach_port_allocate_name` or a rename may pick.
pub(crate) struct Entries {
    table: Vec<Option<Entry>>,
    tree: BTreeMap<u32, Entry>,
    len: usize,
}

/// Names below this live in the table (which grows on demand up to it).
const TABLE_NAMES: u32 = 1 << 14;

impl Entries {
    fn new() -> Entries {
        Entries { table: Vec::new(), tree: BTreeMap::new(), len: 0 }
    }

    /// The entry named `name`.
    pub(crate) fn get(&self, name: &u32) -> Option<&Entry> {
        if *name < TABLE_NAMES {
            self.table.get(*name as usize).and_then(Option::as_ref)
        } else {
            self.tree.get(name)
        }
    }

    pub(crate) fn contains_key(&self, name: &u32) -> bool {
        self.get(name).is_some()
    }

    fn insert(&mut self, name: u32, e: Entry) -> Option<Entry> {
        let old = if name < TABLE_NAMES {
            let i = name as usize;
            if i >= self.table.len() {
                let want = (i + 1).max(self.table.len() * 2).max(32).min(TABLE_NAMES as usize);
                self.table.resize(want, None);
            }
            self.table[i].replace(e)
        } else {
            self.tree.insert(name, e)
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    fn remove(&mut self, name: u32) -> Option<Entry> {
        let old = if name < TABLE_NAMES { self.table.get_mut(name as usize).and_then(Option::take) } else { self.tree.remove(&name) };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// The entries with their names, in name order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Entry)> {
        let table = self.table.iter().enumerate().filter_map(|(n, e)| e.as_ref().map(|e| (n as u32, e)));
        table.chain(self.tree.iter().map(|(&n, e)| (n, e)))
    }

    /// The names in use, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().map(|(n, _)| n)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A task's IPC space.
///
/// Free names are tracked so the lowest free name is found in logarithmic
/// time: every name below `next` is either used or in `holes`, and `next`
/// itself is free (names above it may be used, by `mach_port_allocate_name`).
pub(crate) struct Space {
    entries: Entries,
    /// Port -> name for entries holding send and/or receive rights.
    pub(crate) reverse: BTreeMap<PortId, u32>,
    holes: BTreeSet<u32>,
    next: u32,
}

impl Space {
    pub(crate) fn new() -> Space {
        Space { entries: Entries::new(), reverse: BTreeMap::new(), holes: BTreeSet::new(), next: 1 }
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
    pub(crate) fn entries(&self) -> &Entries {
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
        let e = self.entries.remove(name)?;
        if name + 1 == self.next {
            // The top name (a reply port's send-once right, most often):
            // `next` moves down over it and the holes below, so the usual
            // take-and-give-back touches no tree.
            self.next = name;
            while self.next > 1 && self.holes.remove(&(self.next - 1)) {
                self.next -= 1;
            }
        } else if name < self.next {
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
        let below = self.entries.keys().filter(|&n| (1..self.next).contains(&n)).count() + self.holes.len();
        if below as u64 != self.next as u64 - 1 {
            return Err(alloc::format!("names below {} not all used or free", self.next));
        }
        Ok(())
    }
}
