//! A memory object's pages as the kernel caches them, without IPC: which
//! pages are resident, which were asked of the pager and not yet answered,
//! which are dirty or precious or locked by the pager, and which faults must
//! wait. The kernel's `vm::vm_object` pairs this with the pager's ports and
//! the `memory_object.defs` messages; physical pages are plain numbers here.
//!
//! Dirty tracking needs no hardware dirty bit: a page is mapped writable only
//! by a write fault, which marks it dirty; cleaning it unmaps it everywhere,
//! so the next write faults again.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::kern_return::*;
use crate::vm_entries::{PAGE_SIZE, VM_PROT_WRITE};

/// `memory_object_return_t` (`memory_object_lock_request`'s `should_return`).
pub const MEMORY_OBJECT_RETURN_NONE: u32 = 0;
pub const MEMORY_OBJECT_RETURN_DIRTY: u32 = 1;
pub const MEMORY_OBJECT_RETURN_ALL: u32 = 2;
/// `lock_value` that keeps each page's lock as it is (mach/vm_prot.h).
pub const VM_PROT_NO_CHANGE: u32 = 0x08;

/// Where an object's data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Physical memory at `base` (a device's registers or a kernel page),
    /// `size` bytes: always resident, never paged.
    Physical { base: u32, size: u32 },
    /// A pager task answering `memory_object_data_request`.
    Pager,
    /// Anonymous memory shared between maps (`VM_INHERIT_SHARE`): missing
    /// pages are zero-filled by the kernel; nothing goes to a pager.
    Anonymous,
}

/// A resident page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub pa: u32,
    pub dirty: bool,
    /// The kernel must hand it back before discarding it.
    pub precious: bool,
    /// Accesses the pager forbids (`lock_value`): a fault that needs them
    /// asks the pager with `memory_object_data_unlock`.
    pub lock: u32,
}

/// What a fault at one page of the object gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The page is resident at `pa`; map it writable only if `writable`.
    Resident { pa: u32, writable: bool },
    /// Ask the pager for the page (`memory_object_data_request`), then wait.
    Request,
    /// No page yet in anonymous memory: supply a zeroed one.
    ZeroFill,
    /// Ask the pager to unlock the page (`memory_object_data_unlock`), then wait.
    Unlock,
    /// Wait: the object is not ready yet, or the page is already asked for.
    Wait,
    /// The pager answered with an error, or the offset is past the object.
    Error(KernReturn),
}

/// What a `memory_object_lock_request` (or termination) asks of the kernel.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LockResult {
    /// Offsets whose mappings must go (they fault again and see the change).
    pub unmap: Vec<u32>,
    /// Pages to hand back with `memory_object_data_return`: (offset, page, dirty).
    pub returns: Vec<(u32, u32, bool)>,
    /// Pages to free once their data is returned.
    pub free: Vec<u32>,
}

/// The kernel's side of one memory object.
#[derive(Debug)]
pub struct Object {
    pub backing: Backing,
    /// The pager said `memory_object_ready`: requests may go out.
    pub ready: bool,
    pub may_cache: bool,
    pub copy_strategy: u32,
    pages: BTreeMap<u32, Page>,
    requested: BTreeSet<u32>,
    unlock_asked: BTreeSet<u32>,
    errors: BTreeMap<u32, KernReturn>,
}

impl Object {
    pub fn new(backing: Backing) -> Self {
        Object {
            backing,
            ready: backing != Backing::Pager,
            may_cache: false,
            copy_strategy: 0,
            pages: BTreeMap::new(),
            requested: BTreeSet::new(),
            unlock_asked: BTreeSet::new(),
            errors: BTreeMap::new(),
        }
    }

    /// An object of `backing` already holding `pages` ((offset, page)
    /// pairs in offset order), dirty when `dirty` (data no pager has seen).
    /// Built in one pass from the ordered list.
    pub fn with_pages(backing: Backing, pages: &[(u32, u32)], dirty: bool) -> Self {
        let mut o = Object::new(backing);
        o.pages = pages.iter().map(|&(off, pa)| (off & !(PAGE_SIZE - 1), Page { pa, dirty, precious: false, lock: 0 })).collect();
        o
    }

    /// Puts page `pa` at `offset` in place of the one there (returned, for
    /// the caller to free), dirty: the kernel wrote data its pager (if any)
    /// has not seen.
    pub fn replace(&mut self, offset: u32, pa: u32) -> Option<u32> {
        let off = offset & !(PAGE_SIZE - 1);
        self.requested.remove(&off);
        self.pages.insert(off, Page { pa, dirty: true, precious: false, lock: 0 }).map(|p| p.pa)
    }

    /// Pages resident in the object.
    pub fn resident(&self) -> usize {
        self.pages.len()
    }

    /// The page at `offset` if resident (physical objects: always).
    pub fn peek(&self, offset: u32) -> Option<u32> {
        let off = offset & !(PAGE_SIZE - 1);
        match self.backing {
            Backing::Physical { base, size } => (off < size).then(|| base + off),
            Backing::Pager | Backing::Anonymous => self.pages.get(&off).map(|p| p.pa),
        }
    }

    /// Resolves a fault at `offset` (a write when `write`). A write to a
    /// resident page marks it dirty.
    pub fn lookup(&mut self, offset: u32, write: bool) -> Lookup {
        let off = offset & !(PAGE_SIZE - 1);
        if let Backing::Physical { base, size } = self.backing {
            return if off < size { Lookup::Resident { pa: base + off, writable: write } } else { Lookup::Error(KERN_INVALID_ADDRESS) };
        }
        if let Some(e) = self.errors.remove(&off) {
            return Lookup::Error(e);
        }
        if let Some(p) = self.pages.get_mut(&off) {
            if write && p.lock & VM_PROT_WRITE != 0 {
                return if self.unlock_asked.insert(off) { Lookup::Unlock } else { Lookup::Wait };
            }
            p.dirty |= write;
            return Lookup::Resident { pa: p.pa, writable: write };
        }
        if self.backing == Backing::Anonymous {
            return Lookup::ZeroFill;
        }
        if !self.ready || !self.requested.insert(off) {
            return Lookup::Wait;
        }
        Lookup::Request
    }

    /// The pager's data for `offset` (`memory_object_data_supply`, or a
    /// zero page for `memory_object_data_unavailable`). Returns the page
    /// back when the object holds that offset already (the new data is
    /// ignored, as Mach specifies) so the caller frees it.
    pub fn supply(&mut self, offset: u32, pa: u32, lock: u32, precious: bool) -> Option<u32> {
        let off = offset & !(PAGE_SIZE - 1);
        self.requested.remove(&off);
        if matches!(self.backing, Backing::Physical { .. }) || self.pages.contains_key(&off) {
            return Some(pa);
        }
        self.pages.insert(off, Page { pa, dirty: false, precious, lock });
        None
    }

    /// The first resident page at or after `offset` (for the page-out
    /// daemon's walk).
    pub fn resident_from(&self, offset: u32) -> Option<u32> {
        self.pages.range(offset..).next().map(|(o, _)| *o)
    }

    /// Takes page `offset` out of the object (the kernel gives it to a map
    /// whose paged-out page it was).
    pub fn take(&mut self, offset: u32) -> Option<u32> {
        self.pages.remove(&(offset & !(PAGE_SIZE - 1))).map(|p| p.pa)
    }

    /// Marks resident page `offset` dirty (the kernel put data there that
    /// its pager does not have yet).
    pub fn set_dirty(&mut self, offset: u32) {
        if let Some(p) = self.pages.get_mut(&(offset & !(PAGE_SIZE - 1))) {
            p.dirty = true;
        }
    }

    /// Whether a supply for `offset` would be taken (no page there yet).
    pub fn wants(&self, offset: u32) -> bool {
        !matches!(self.backing, Backing::Physical { .. }) && !self.pages.contains_key(&(offset & !(PAGE_SIZE - 1)))
    }

    /// Forgets the request or unlock a fault marked for `offset` but could
    /// not send (a kernel copy that may not sleep): the next fault asks.
    pub fn cancel(&mut self, offset: u32) {
        let off = offset & !(PAGE_SIZE - 1);
        self.requested.remove(&off);
        self.unlock_asked.remove(&off);
    }

    /// `memory_object_data_error`: the threads waiting for `[offset, offset
    /// + size)` fail with `error` (only requests outstanding now).
    pub fn error(&mut self, offset: u32, size: u32, error: KernReturn) {
        let end = offset.saturating_add(size);
        let hit: Vec<u32> = self.requested.range(offset & !(PAGE_SIZE - 1)..end).copied().collect();
        for off in hit {
            self.requested.remove(&off);
            self.errors.insert(off, if error == KERN_SUCCESS { KERN_MEMORY_ERROR } else { error });
        }
    }

    /// `memory_object_lock_request` over `[offset, offset + size)`.
    pub fn lock(&mut self, offset: u32, size: u32, should_return: u32, flush: bool, lock_value: u32) -> LockResult {
        let mut r = LockResult::default();
        let start = offset & !(PAGE_SIZE - 1);
        let end = offset.saturating_add(size);
        let offs: Vec<u32> = self.pages.range(start..end).map(|(o, _)| *o).collect();
        for off in offs {
            let p = self.pages.get_mut(&off).expect("listed above");
            let give = match should_return {
                MEMORY_OBJECT_RETURN_DIRTY => p.dirty,
                MEMORY_OBJECT_RETURN_ALL => p.dirty || p.precious,
                _ => false,
            };
            let lock_value = if lock_value == VM_PROT_NO_CHANGE { p.lock } else { lock_value };
            let relock = lock_value & !p.lock != 0;
            p.lock = lock_value;
            if lock_value & VM_PROT_WRITE == 0 {
                self.unlock_asked.remove(&off);
            }
            if give {
                r.returns.push((off, p.pa, p.dirty));
                p.dirty = false;
            }
            if flush {
                let p = self.pages.remove(&off).expect("listed above");
                r.free.push(p.pa);
                r.unmap.push(off);
            } else if give || relock {
                r.unmap.push(off);
            }
        }
        r
    }

    /// Empties the object (its last mapping went, or the pager destroyed
    /// it): the pages to return (dirty or precious) and every page to free.
    pub fn drain(&mut self) -> LockResult {
        self.requested.clear();
        self.unlock_asked.clear();
        self.errors.clear();
        let mut r = LockResult::default();
        let pager = self.backing == Backing::Pager;
        for (off, p) in core::mem::take(&mut self.pages) {
            if pager && (p.dirty || p.precious) {
                r.returns.push((off, p.pa, p.dirty));
            }
            r.unmap.push(off);
            r.free.push(p.pa);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm_entries::VM_PROT_NONE;

    fn ready() -> Object {
        let mut o = Object::new(Backing::Pager);
        o.ready = true;
        o
    }

    #[test]
    fn faults_wait_for_ready_and_ask_once_per_page() {
        let mut o = Object::new(Backing::Pager);
        assert_eq!(o.lookup(0x1234, false), Lookup::Wait, "not ready: no request goes out");
        o.ready = true;
        assert_eq!(o.lookup(0x1234, false), Lookup::Request);
        assert_eq!(o.lookup(0x1000, true), Lookup::Wait, "one request per page");
        assert_eq!(o.lookup(0x2000, false), Lookup::Request);
        o.cancel(0x2000);
        assert_eq!(o.lookup(0x2000, false), Lookup::Request, "a cancelled request is asked again");
        assert_eq!(o.supply(0x1000, 0xA000, VM_PROT_NONE, false), None);
        assert_eq!(o.lookup(0x1fff, false), Lookup::Resident { pa: 0xA000, writable: false });
        assert_eq!(o.supply(0x1000, 0xB000, VM_PROT_NONE, false), Some(0xB000), "second supply is ignored");
        assert_eq!(o.resident(), 1);
        assert_eq!(o.peek(0x1000), Some(0xA000));
        assert_eq!(o.peek(0x2000), None);
    }

    #[test]
    fn errors_reach_only_outstanding_requests() {
        let mut o = ready();
        assert_eq!(o.lookup(0x3000, false), Lookup::Request);
        o.error(0, 0x10000, KERN_SUCCESS);
        assert_eq!(o.lookup(0x3000, false), Lookup::Error(KERN_MEMORY_ERROR), "a success code still fails the fault");
        assert_eq!(o.lookup(0x3000, false), Lookup::Request, "the error is for the waiters of that time");
        o.error(0x4000, 0x1000, KERN_MEMORY_FAILURE);
        assert_eq!(o.lookup(0x4000, false), Lookup::Request, "no request was outstanding there");
    }

    #[test]
    fn writes_dirty_pages_and_lock_requests_return_and_flush() {
        let mut o = ready();
        for (i, off) in [0u32, 0x1000, 0x2000].iter().enumerate() {
            assert_eq!(o.lookup(*off, false), Lookup::Request);
            o.supply(*off, 0x10_0000 + i as u32 * 0x1000, VM_PROT_NONE, *off == 0x2000);
        }
        assert_eq!(o.lookup(0x1000, true), Lookup::Resident { pa: 0x10_1000, writable: true });
        // Clean: only the dirty page comes back, and is unmapped (writes fault again).
        let r = o.lock(0, 0x3000, MEMORY_OBJECT_RETURN_DIRTY, false, VM_PROT_NONE);
        assert_eq!(r.returns, vec![(0x1000, 0x10_1000, true)]);
        assert_eq!((r.unmap, r.free.len()), (vec![0x1000], 0));
        assert_eq!(o.lock(0, 0x3000, MEMORY_OBJECT_RETURN_DIRTY, false, VM_PROT_NONE).returns, vec![], "clean now");
        // RETURN_ALL includes the precious page; flush frees everything.
        let r = o.lock(0, 0x3000, MEMORY_OBJECT_RETURN_ALL, true, VM_PROT_NONE);
        assert_eq!(r.returns, vec![(0x2000, 0x10_2000, false)]);
        assert_eq!(r.free, vec![0x10_0000, 0x10_1000, 0x10_2000]);
        assert_eq!(o.resident(), 0);
    }

    #[test]
    fn write_locked_pages_ask_for_unlock_once() {
        let mut o = ready();
        o.lookup(0, false);
        o.supply(0, 0x5000, VM_PROT_WRITE, false);
        assert_eq!(o.lookup(0, false), Lookup::Resident { pa: 0x5000, writable: false });
        assert_eq!(o.lookup(0, true), Lookup::Unlock);
        assert_eq!(o.lookup(0, true), Lookup::Wait);
        let r = o.lock(0, PAGE_SIZE, MEMORY_OBJECT_RETURN_NONE, false, VM_PROT_NONE);
        assert!(r.returns.is_empty() && r.free.is_empty());
        assert_eq!(o.lookup(0, true), Lookup::Resident { pa: 0x5000, writable: true });
        // Locking writes again unmaps the page so the lock takes hold.
        assert_eq!(o.lock(0, PAGE_SIZE, MEMORY_OBJECT_RETURN_NONE, false, VM_PROT_WRITE).unmap, vec![0]);
        // VM_PROT_NO_CHANGE (a clean or flush that leaves locks alone) keeps it.
        o.lock(0, PAGE_SIZE, MEMORY_OBJECT_RETURN_DIRTY, false, VM_PROT_NO_CHANGE);
        assert_eq!(o.lookup(0, true), Lookup::Unlock, "the write lock went");
    }

    #[test]
    fn physical_objects_are_resident_and_bounded() {
        let mut o = Object::new(Backing::Physical { base: 0x20_0000, size: 0x2000 });
        assert!(o.ready);
        assert_eq!(o.lookup(0x1800, true), Lookup::Resident { pa: 0x20_1000, writable: true });
        assert_eq!(o.lookup(0x2000, false), Lookup::Error(KERN_INVALID_ADDRESS));
        assert_eq!(o.supply(0, 0x9000, 0, false), Some(0x9000));
        assert_eq!(o.drain(), LockResult::default(), "nothing of a physical object is freed");
    }

    #[test]
    fn anonymous_objects_zero_fill_and_return_nothing() {
        let mut o = Object::new(Backing::Anonymous);
        assert_eq!(o.lookup(0x3000, true), Lookup::ZeroFill);
        assert_eq!(o.supply(0x3000, 0x7000, VM_PROT_NONE, false), None);
        assert_eq!(o.lookup(0x3000, true), Lookup::Resident { pa: 0x7000, writable: true });
        let r = o.drain();
        assert!(r.returns.is_empty(), "anonymous pages have no pager to go to");
        assert_eq!(r.free, vec![0x7000]);
    }

    #[test]
    fn objects_built_from_pages_and_replaced_pages() {
        let mut o = Object::with_pages(Backing::Anonymous, &[(0x1000, 0xA000), (0x3000, 0xB000)], true);
        assert_eq!(o.resident(), 2);
        assert_eq!(o.lookup(0x3004, false), Lookup::Resident { pa: 0xB000, writable: false });
        assert_eq!(o.replace(0x3000, 0xC000), Some(0xB000));
        assert_eq!(o.replace(0x5000, 0xD000), None);
        assert_eq!(o.peek(0x3000), Some(0xC000));
        assert_eq!(o.drain().free, vec![0xA000, 0xC000, 0xD000]);
    }

    #[test]
    fn resident_pages_are_walked_in_order() {
        let mut o = Object::new(Backing::Anonymous);
        for off in [0x5000u32, 0x1000, 0x9000] {
            o.supply(off, off + 0x10_0000, VM_PROT_NONE, false);
        }
        assert_eq!(o.resident_from(0), Some(0x1000));
        assert_eq!(o.resident_from(0x1001), Some(0x5000));
        assert_eq!(o.resident_from(0x9001), None);
    }

    #[test]
    fn drain_returns_dirty_and_precious_and_frees_all() {
        let mut o = ready();
        for off in [0u32, 0x1000, 0x2000] {
            o.lookup(off, false);
            o.supply(off, 0x30_0000 + off, VM_PROT_NONE, off == 0x2000);
        }
        o.lookup(0, true);
        o.lookup(0x5000, false);
        let r = o.drain();
        assert_eq!(r.returns, vec![(0, 0x30_0000, true), (0x2000, 0x30_2000, false)]);
        assert_eq!(r.free.len(), 3);
        assert_eq!(o.lookup(0x5000, false), Lookup::Request, "requests were forgotten");
    }
}
