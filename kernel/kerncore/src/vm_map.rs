//! A task's address map, without hardware: entries (`vm_entries`), the
//! pages behind them, copy-on-write bookkeeping, and a [`Machine`] that
//! owns physical pages and the hardware mapping. The kernel's machine is the
//! i386 pmap over the page allocator; host tests use an emulated one.
//!
//! Anonymous memory is demand-zero: a page is allocated and mapped at its
//! first touch ([`VmMap::fault`]). `task_create` with inherited memory shares
//! the parent's resident pages copy-on-write ([`VmMap::copy_from`]): mapped
//! read-only on both sides, the first write copies the page, or, for its last
//! owner, just makes it writable again.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::kern_return::*;
use crate::vm_entries::{self, Attrs, Entry, EntryMap, PAGE_SIZE, VM_PROT_READ, VM_PROT_WRITE};

/// Events the machine may count (`vm_statistics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    Fault,
    ZeroFill,
    CowCopy,
}

/// Physical pages (with owner counts for shared ones) and the hardware map
/// of one address space.
pub trait Machine {
    /// A fresh zeroed page (one owner).
    fn alloc_zeroed(&mut self) -> Option<u32>;
    /// A fresh page holding a copy of page `from` (one owner).
    fn alloc_copy(&mut self, from: u32) -> Option<u32>;
    /// `count` physically contiguous zeroed pages in `[pmin, pmax)` aligned to
    /// `align` (each with one owner); the first page's address.
    fn alloc_contig(&mut self, count: usize, pmin: u64, pmax: u64, align: u64) -> Option<u32>;
    /// Adds an owner to page `pa`.
    fn share(&mut self, pa: u32);
    /// Drops an owner of page `pa` (the last one frees it).
    fn release(&mut self, pa: u32);
    /// Whether page `pa` has more than one owner.
    fn is_shared(&self, pa: u32) -> bool;
    /// Maps user page `va` to `pa`.
    ///
    /// # Errors
    /// No memory for the mapping structures.
    fn map(&mut self, va: u32, pa: u32, writable: bool) -> Result<(), ()>;
    /// Unmaps user page `va`.
    fn unmap(&mut self, va: u32);
    /// Starts a run of [`Machine::map`]/[`Machine::unmap`] calls over many
    /// pages, which the machine may finish with one TLB flush at
    /// [`Machine::batch_end`].
    fn batch_begin(&mut self) {}
    /// Ends the run begun by [`Machine::batch_begin`].
    fn batch_end(&mut self) {}
    /// Copies bytes of page `pa` from offset `off` into `buf`.
    fn read(&self, pa: u32, off: usize, buf: &mut [u8]);
    /// Copies `data` into page `pa` at offset `off`.
    fn write(&mut self, pa: u32, off: usize, data: &[u8]);
    /// Counts an event.
    fn note(&mut self, _what: Note) {}
    /// The page of memory object `obj` at `offset` for a fault (a write when
    /// `write`: the object marks it dirty).
    ///
    /// # Errors
    /// [`KERN_FAULT_RETRY`] when the page must come from its pager first
    /// (the machine has arranged the wait), or the pager's error.
    fn object_page(&mut self, _obj: u32, _offset: u32, _write: bool) -> Result<u32, KernReturn> {
        Err(KERN_MEMORY_ERROR)
    }
    /// The page of `obj` at `offset` if resident or if it can be made
    /// resident without a pager (anonymous memory is zero-filled).
    fn object_peek(&self, _obj: u32, _offset: u32) -> Option<u32> {
        None
    }
    /// A new anonymous shared object holding `pages` ((offset, page) pairs,
    /// each page handed over from a map with its one owner); `None` without
    /// memory for it.
    fn object_create_anonymous(&mut self, _pages: &[(u32, u32)]) -> Option<u32> {
        None
    }
    /// Brings back page `va` of this map that was paged out (its data is
    /// with the default pager); the page returned is the map's own.
    ///
    /// # Errors
    /// [`KERN_FAULT_RETRY`] while the pager has not answered (the machine
    /// has arranged the wait), or the pager's error.
    fn swap_in(&mut self, _va: u32) -> Result<u32, KernReturn> {
        Err(KERN_MEMORY_FAILURE)
    }
    /// This map now maps `obj` (first entry referring to it).
    fn object_ref(&mut self, _obj: u32) {}
    /// This map no longer maps `obj` (its last entry went).
    fn object_unref(&mut self, _obj: u32) {}
    /// Whether a fault on a missing page of `obj` may have to wait for a
    /// pager (anonymous memory is zero-filled by the kernel instead).
    fn object_paged(&self, _obj: u32) -> bool {
        true
    }
    /// A new frozen object (see [`VmMap::copy_out_of`]) holding `pages`
    /// ((offset, page) pairs in offset order, each page handed over with
    /// its one owner); missing pages are zeros. `None` without memory.
    fn object_create_frozen(&mut self, _pages: &[(u32, u32)]) -> Option<u32> {
        None
    }
    /// Whether `obj` is a frozen object.
    fn object_frozen(&self, _obj: u32) -> bool {
        false
    }
    /// Whether only this map refers to frozen object `obj` (no message or
    /// other map holds it), so its pages may be replaced.
    fn object_exclusive(&self, _obj: u32) -> bool {
        false
    }
    /// Replaces pages of frozen object `obj` ((offset, page) pairs, each
    /// page handed over with its one owner); the pages they replace go.
    fn object_fold(&mut self, _obj: u32, _pages: &[(u32, u32)]) {}
    /// One more hold on `obj` for a copy of it (a message); the holder
    /// gives it back, without this map.
    fn object_hold(&mut self, _obj: u32) {}
    /// Gives back a hold taken by [`Machine::object_hold`].
    fn object_unhold(&mut self, _obj: u32) {}
}

/// One piece of a copy of memory made by [`VmMap::copy_out_of`]: `size`
/// bytes (a page multiple) of frozen object `object` from `offset`, or
/// zeros for object 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopySeg {
    pub object: u32,
    pub offset: u32,
    pub size: u32,
}

/// Not an error a caller sees: the fault must wait for a pager and run again.
pub const KERN_FAULT_RETRY: KernReturn = 0x7FFF_0001;

/// A task's address map.
pub struct VmMap<M: Machine> {
    entries: EntryMap,
    /// Resident pages: user page address -> physical page.
    pages: crate::page_table::PageTable,
    /// Resident pages that must be copied before they are written.
    cow: crate::page_table::PageSet,
    /// Memory-object pages mapped here (owned by their objects).
    obj_pages: BTreeMap<u32, u32>,
    /// Private pages paged out (their data is with the default pager).
    swapped: BTreeSet<u32>,
    m: M,
    max: u32,
    /// `vm_wire_all(VM_WIRE_FUTURE)`: new anonymous memory comes wired.
    wire_future: bool,
    /// `vm_set_size_limit`: (current, maximum) bytes of accessible memory
    /// (mappings other than `VM_PROT_NONE`) the map may hold.
    size_limit: (u32, u32),
}

impl<M: Machine> VmMap<M> {
    /// An empty map of user space `[0, max)` over machine `m`.
    pub fn new(m: M, max: u32) -> Self {
        VmMap { entries: EntryMap::new(0, max), pages: crate::page_table::PageTable::new(), cow: crate::page_table::PageSet::new(), obj_pages: BTreeMap::new(), swapped: BTreeSet::new(), m, max, wire_future: false, size_limit: (u32::MAX, u32::MAX) }
    }

    /// `vm_get_size_limit`: the (current, maximum) limits on the bytes of
    /// accessible memory (`u32::MAX` each until set).
    pub fn size_limit(&self) -> (u32, u32) {
        self.size_limit
    }

    /// `vm_set_size_limit`, as GNU Mach: the maximum may only rise with
    /// `privileged` (the privileged host port). The limits apply to later
    /// allocations only.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` when `current` exceeds `max`, `KERN_NO_ACCESS`
    /// when an unprivileged caller raises the maximum.
    pub fn set_size_limit(&mut self, current: u32, max: u32, privileged: bool) -> Result<(), KernReturn> {
        if current > max {
            return Err(KERN_INVALID_ARGUMENT);
        }
        if max > self.size_limit.1 && !privileged {
            return Err(KERN_NO_ACCESS);
        }
        self.size_limit = (current, max);
        Ok(())
    }

    /// Bytes of accessible memory mapped: every entry except `VM_PROT_NONE` ones.
    fn accessible_size(&self) -> u64 {
        self.entries.entries().filter(|e| e.attrs.prot != vm_entries::VM_PROT_NONE).map(|e| u64::from(e.end - e.start)).sum()
    }

    /// GNU Mach's check before a mapping of `size` accessible bytes:
    /// `KERN_NO_SPACE` past the current size limit.
    fn enforce_limit(&self, size: u32) -> Result<(), KernReturn> {
        if self.accessible_size() + u64::from(size) > u64::from(self.size_limit.0) {
            return Err(KERN_NO_SPACE);
        }
        Ok(())
    }

    /// `vm_wire_all`: with `current`, wires every mapping now (with its
    /// protection; inaccessible ones stay as they are), or, without, unwires
    /// them all; with `future`, anonymous memory allocated later comes wired.
    ///
    /// # Errors
    /// As [`VmMap::wire`] (what was wired before the error stays wired).
    pub fn wire_all(&mut self, current: bool, future: bool) -> Result<(), KernReturn> {
        self.wire_future = future;
        let ranges: Vec<(u32, u32, u32)> = self.entries.entries().map(|e| (e.start, e.end, e.attrs.prot)).collect();
        for (start, end, prot) in ranges {
            let access = if current { prot & vm_entries::VM_PROT_ALL } else { vm_entries::VM_PROT_NONE };
            if current && access == vm_entries::VM_PROT_NONE {
                continue;
            }
            self.wire(start, end - start, access)?;
        }
        Ok(())
    }

    /// The machine side (for the kernel: the pmap).
    pub fn machine(&self) -> &M {
        &self.m
    }

    pub fn machine_mut(&mut self) -> &mut M {
        &mut self.m
    }

    /// `vm_map`: maps `size` bytes of memory object `attrs.object` (0:
    /// anonymous zero-fill memory) at `addr` or anywhere from `addr` up at an
    /// address with the bits of `mask` clear; `offset` is the object offset of
    /// the first byte. Returns the address.
    ///
    /// # Errors
    /// As [`EntryMap::allocate`]; `KERN_INVALID_ARGUMENT` for an unaligned
    /// offset or a current protection above the maximum.
    pub fn map_object(&mut self, addr: u32, size: u32, mask: u32, anywhere: bool, offset: u32, attrs: Attrs) -> Result<u32, KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ADDRESS)?;
        if end == start || offset % PAGE_SIZE != 0 || attrs.prot & !attrs.max_prot != 0 || attrs.inheritance > vm_entries::VM_INHERIT_NONE {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let size = end - start;
        if attrs.prot != vm_entries::VM_PROT_NONE {
            self.enforce_limit(size)?;
        }
        let start = if anywhere { start.max(PAGE_SIZE) } else { start };
        let mut a = attrs;
        let had = a.object != 0 && self.entries.entries().any(|e| e.attrs.object == a.object);
        // Offsets are computed from the final address, known after the search.
        let at = self.entries.allocate_masked(start, size, mask, anywhere, Attrs { object: 0, delta: 0, ..a })?;
        if a.object != 0 {
            a.delta = offset.wrapping_sub(at);
            self.entries.update(at, at + size, |_| Ok(a))?;
            if !had {
                self.m.object_ref(a.object);
            }
        } else {
            a.copy = false;
            self.entries.update(at, at + size, |_| Ok(a))?;
        }
        Ok(at)
    }

    /// Drops this map's reference on each of `objs` it no longer maps.
    fn unref_unmapped(&mut self, mut objs: Vec<u32>) {
        objs.sort_unstable();
        objs.dedup();
        for obj in objs {
            if obj != 0 && !self.entries.entries().any(|e| e.attrs.object == obj) {
                self.m.object_unref(obj);
            }
        }
    }

    /// Removes the mappings of page `offset` of `obj` (the object dropped or
    /// cleaned it, or the pager changed its lock): the next access faults.
    pub fn object_page_gone(&mut self, obj: u32, offset: u32) {
        let hits: Vec<u32> = self
            .entries
            .entries()
            .filter(|e| e.attrs.object == obj)
            .map(|e| offset.wrapping_sub(e.attrs.delta))
            .filter(|va| self.entries.lookup(*va).is_some_and(|e| e.attrs.object == obj))
            .collect();
        for va in hits {
            if self.obj_pages.remove(&va).is_some() {
                self.m.unmap(va);
            }
        }
    }

    /// Pages of `[addr, addr + len)` that are paged out or map a memory
    /// object whose pager may be needed and are not mapped yet (the kernel
    /// faults them in before it copies from them; anonymous objects are
    /// zero-filled without waiting, so their entries cost nothing here).
    pub fn unmapped_object_pages(&self, addr: u32, len: u32) -> Vec<u32> {
        let Some((start, end)) = vm_entries::page_range(addr, len) else { return Vec::new() };
        let mut out: Vec<u32> = self.swapped.range(start..end).copied().collect();
        for e in self.entries.entries().filter(|e| e.attrs.object != 0 && e.end > start && e.start < end && self.m.object_paged(e.attrs.object)) {
            for va in (e.start.max(start)..e.end.min(end)).step_by(PAGE_SIZE as usize) {
                if !self.obj_pages.contains_key(&va) && !self.pages.contains_key(&va) {
                    out.push(va);
                }
            }
        }
        out
    }

    /// The memory objects this map refers to.
    pub fn objects(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.entries.entries().map(|e| e.attrs.object).filter(|o| *o != 0).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Bytes mapped (all entries).
    pub fn virtual_size(&self) -> u32 {
        self.entries.entries().map(|e| e.end - e.start).sum()
    }

    /// Pages resident in this map.
    pub fn resident_pages(&self) -> usize {
        self.pages.len()
    }

    /// `vm_pages_phys`: the physical page mapped at user page `va` (private
    /// or a memory object's), `None` when none is resident there.
    pub fn phys_page(&self, va: u32) -> Option<u32> {
        let va = va & !(PAGE_SIZE - 1);
        self.pages.get(&va).or_else(|| self.obj_pages.get(&va)).copied()
    }

    fn map_page(&mut self, va: u32, pa: u32, prot: u32) -> Result<(), KernReturn> {
        if prot & (VM_PROT_READ | VM_PROT_WRITE | vm_entries::VM_PROT_EXECUTE) == 0 {
            self.m.unmap(va);
            return Ok(());
        }
        // A copy-on-write page stays read-only until it is copied.
        let writable = prot & VM_PROT_WRITE != 0 && !self.cow.contains(&va);
        self.m.map(va, pa, writable).map_err(|_| KERN_RESOURCE_SHORTAGE)
    }

    /// Gives page `va` (copy-on-write) an owner of its own: a copy when the
    /// physical page is shared, or just the page when this map is its last
    /// owner. Returns the physical page now behind `va`.
    fn break_cow(&mut self, va: u32) -> Result<u32, KernReturn> {
        let old = *self.pages.get(&va).ok_or(KERN_INVALID_ADDRESS)?;
        if !self.cow.contains(&va) {
            return Ok(old);
        }
        let pa = if self.m.is_shared(old) {
            let new = self.m.alloc_copy(old).ok_or(KERN_RESOURCE_SHORTAGE)?;
            self.m.release(old);
            self.pages.insert(va, new);
            new
        } else {
            old
        };
        self.cow.remove(&va);
        self.m.note(Note::CowCopy);
        Ok(pa)
    }

    /// `vm_allocate`: zero-filled memory at `addr` (or anywhere from `addr` up).
    ///
    /// # Errors
    /// As [`EntryMap::allocate`], plus `KERN_RESOURCE_SHORTAGE` when pages run out
    /// (nothing stays allocated then).
    pub fn allocate(&mut self, addr: u32, size: u32, anywhere: bool) -> Result<u32, KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ADDRESS)?;
        if end == start {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let size = end - start;
        self.enforce_limit(size)?;
        // "Anywhere" never hands out page 0, so no allocation is at NULL.
        let start = if anywhere { start.max(PAGE_SIZE) } else { start };
        // Demand-zero: pages come at their first touch (or now, wired).
        let at = self.entries.allocate(start, size, anywhere, Attrs::default())?;
        if self.wire_future {
            if let Err(e) = self.wire(at, size, Attrs::default().prot) {
                let _ = self.deallocate(at, size);
                return Err(e);
            }
        }
        Ok(at)
    }

    /// `vm_allocate_contiguous`: `size` bytes of physically contiguous,
    /// resident memory between physical `pmin` and `pmax`, aligned to
    /// `palign`, mapped anywhere; returns (virtual, physical) addresses.
    ///
    /// # Errors
    /// `KERN_RESOURCE_SHORTAGE` when no such run is free, `KERN_NO_SPACE`
    /// when the address space is full.
    pub fn allocate_contiguous(&mut self, size: u32, pmin: u64, pmax: u64, palign: u64) -> Result<(u32, u64), KernReturn> {
        let pages = size.div_ceil(PAGE_SIZE) as usize;
        let pa = self.m.alloc_contig(pages, pmin, pmax, palign).ok_or(KERN_RESOURCE_SHORTAGE)?;
        let at = match self.entries.allocate(PAGE_SIZE, pages as u32 * PAGE_SIZE, true, Attrs::default()) {
            Ok(a) => a,
            Err(e) => {
                for i in 0..pages as u32 {
                    self.m.release(pa + i * PAGE_SIZE);
                }
                return Err(e);
            }
        };
        for i in 0..pages as u32 {
            let (va, p) = (at + i * PAGE_SIZE, pa + i * PAGE_SIZE);
            self.pages.insert(va, p);
            self.map_page(va, p, Attrs::default().prot)?;
        }
        Ok((at, u64::from(pa)))
    }

    /// `vm_deallocate`: frees `[addr, addr + size)`; holes are fine.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` for a range that wraps or leaves user space.
    pub fn deallocate(&mut self, addr: u32, size: u32) -> Result<(), KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ARGUMENT)?;
        if end > self.max {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let gone = self.entries.remove(start, end);
        for e in &gone {
            self.free_pages(e.start, e.end);
        }
        self.unref_unmapped(gone.iter().map(|e| e.attrs.object).collect());
        Ok(())
    }

    fn free_pages(&mut self, start: u32, end: u32) {
        self.m.batch_begin();
        self.free_pages_batched(start, end);
        self.m.batch_end();
    }

    fn free_pages_batched(&mut self, start: u32, end: u32) {
        let vas: Vec<u32> = self.pages.range(start..end).map(|(va, _)| va).collect();
        for va in vas {
            let pa = self.pages.remove(&va).expect("listed above");
            self.cow.remove(&va);
            self.m.unmap(va);
            self.m.release(pa);
        }
        let vas: Vec<u32> = self.obj_pages.range(start..end).map(|(va, _)| *va).collect();
        for va in vas {
            self.obj_pages.remove(&va);
            self.m.unmap(va);
        }
        let gone: Vec<u32> = self.swapped.range(start..end).copied().collect();
        for va in gone {
            self.swapped.remove(&va);
        }
    }

    /// Pages paged out of this map.
    pub fn swapped_pages(&self) -> usize {
        self.swapped.len()
    }

    /// Brings page `page` back if it was paged out.
    fn swap_back(&mut self, page: u32) -> Result<(), KernReturn> {
        if !self.swapped.contains(&page) {
            return Ok(());
        }
        let pa = self.m.swap_in(page)?;
        self.swapped.remove(&page);
        self.pages.insert(page, pa);
        let prot = self.entries.lookup(page).map_or(0, |e| e.attrs.prot);
        self.map_page(page, pa, prot)
    }

    /// Brings back the paged-out pages a child would inherit (`task_create`).
    ///
    /// # Errors
    /// [`KERN_FAULT_RETRY`] while one is on its way.
    pub fn swap_back_inherited(&mut self) -> Result<(), KernReturn> {
        let inherited: Vec<(u32, u32)> =
            self.entries.entries().filter(|e| e.attrs.inheritance != vm_entries::VM_INHERIT_NONE).map(|e| (e.start, e.end)).collect();
        for (s, e) in inherited {
            self.swap_back_range(s, e)?;
        }
        Ok(())
    }

    /// Brings back every paged-out page of `[start, end)`.
    fn swap_back_range(&mut self, start: u32, end: u32) -> Result<(), KernReturn> {
        let vas: Vec<u32> = self.swapped.range(start..end).copied().collect();
        for va in vas {
            self.swap_back(va)?;
        }
        Ok(())
    }

    /// Up to `max` pages after `after` that could be paged out: private
    /// (anonymous, or written over a copy mapping), resident, owned by this
    /// map alone, not wired.
    pub fn eviction_candidates(&self, after: u32, max: usize) -> Vec<u32> {
        self.pages
            .range(after.saturating_add(1)..u32::MAX)
            .filter(|&(va, pa)| !self.m.is_shared(pa) && self.entries.lookup(va).is_some_and(|e| !e.attrs.wired && (e.attrs.object == 0 || e.attrs.copy)))
            .take(max)
            .map(|(va, _)| va)
            .collect()
    }

    /// Pages out page `va` (a candidate of [`VmMap::eviction_candidates`]):
    /// it leaves the map, which remembers it is with the pager; the caller
    /// gets the physical page (and its owner) to send and free.
    pub fn evict(&mut self, va: u32) -> Option<u32> {
        let &pa = self.pages.get(&va)?;
        if self.m.is_shared(pa) || self.entries.lookup(va).is_none_or(|e| e.attrs.wired) {
            return None;
        }
        // A copy-on-write page whose other owners are gone is this map's alone.
        self.cow.remove(&va);
        self.pages.remove(&va);
        self.m.unmap(va);
        self.swapped.insert(va);
        Some(pa)
    }

    /// Bytes of the map that are wired (GNU Mach's `size_wired`).
    pub fn wired_bytes(&self) -> u64 {
        self.entries.entries().filter(|e| e.attrs.wired).map(|e| u64::from(e.end - e.start)).sum()
    }

    /// `vm_wire`: with `access`, the pages of the range are made resident
    /// and kept (never paged out); with `VM_PROT_NONE`, unwired.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole, `KERN_PROTECTION_FAILURE` for an
    /// access the memory does not allow, or a fault's error
    /// ([`KERN_FAULT_RETRY`]: wait, then wire again).
    pub fn wire(&mut self, addr: u32, size: u32, access: u32) -> Result<(), KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ADDRESS)?;
        if end > self.max || !self.entries.covered(start, end) {
            return Err(KERN_INVALID_ADDRESS);
        }
        let access = access & vm_entries::VM_PROT_ALL;
        let wired = access != vm_entries::VM_PROT_NONE;
        if wired {
            let mut at = start;
            while at < end {
                let e = *self.entries.lookup(at).ok_or(KERN_INVALID_ADDRESS)?;
                if access & !e.attrs.prot != 0 {
                    return Err(KERN_PROTECTION_FAILURE);
                }
                at = e.end;
            }
            for va in (start..end).step_by(PAGE_SIZE as usize) {
                let present = self.pages.contains_key(&va) || self.obj_pages.contains_key(&va);
                if !present || (access & VM_PROT_WRITE != 0 && self.cow.contains(&va)) {
                    self.fault(va, access & VM_PROT_WRITE != 0)?;
                }
            }
        }
        self.entries.update(start, end, |a| Ok(Attrs { wired, ..a })).map(|_| ())
    }

    /// `vm_protect`: sets the protection (or, with `set_max`, the maximum
    /// protection, which also lowers the current one) of a mapped range.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole in the range, `KERN_PROTECTION_FAILURE`
    /// for a protection above the maximum; nothing changes then.
    pub fn protect(&mut self, addr: u32, size: u32, set_max: bool, prot: u32) -> Result<(), KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ADDRESS)?;
        let prot = prot & vm_entries::VM_PROT_ALL;
        let changed = self.entries.update(start, end, |a| {
            if set_max {
                Ok(Attrs { max_prot: prot, prot: a.prot & prot, ..a })
            } else if prot & !a.max_prot != 0 {
                Err(KERN_PROTECTION_FAILURE)
            } else {
                Ok(Attrs { prot, ..a })
            }
        })?;
        for e in changed {
            let pages: Vec<(u32, u32)> = self.pages.range(e.start..e.end).collect();
            for (va, pa) in pages {
                self.map_page(va, pa, e.attrs.prot)?;
            }
            // Object pages fault in again under the new protection.
            let vas: Vec<u32> = self.obj_pages.range(e.start..e.end).map(|(va, _)| *va).collect();
            for va in vas {
                self.obj_pages.remove(&va);
                self.m.unmap(va);
            }
        }
        Ok(())
    }

    /// `vm_inherit`: sets the inheritance of a mapped range.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` for an unknown inheritance, `KERN_INVALID_ADDRESS` for a hole.
    pub fn inherit(&mut self, addr: u32, size: u32, inheritance: u32) -> Result<(), KernReturn> {
        if inheritance > vm_entries::VM_INHERIT_NONE {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ADDRESS)?;
        self.entries.update(start, end, |a| Ok(Attrs { inheritance, ..a })).map(|_| ())
    }

    /// The entry containing `addr` or the next one (`vm_region`).
    pub fn region(&self, addr: u32) -> Option<Entry> {
        self.entries.at_or_after(addr).copied()
    }

    /// Resolves a fault at `va`: a page of an entry that allows the access
    /// gets a zeroed page (or its mapping back). Counts faults and zero fills.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` outside every entry, `KERN_PROTECTION_FAILURE`
    /// when the entry's protection forbids the access, `KERN_RESOURCE_SHORTAGE`
    /// without a free page.
    pub fn fault(&mut self, va: u32, write: bool) -> Result<(), KernReturn> {
        let page = va & !(PAGE_SIZE - 1);
        let e = self.entries.lookup(page).copied().ok_or(KERN_INVALID_ADDRESS)?;
        let prot = e.attrs.prot;
        if (write && prot & VM_PROT_WRITE == 0) || prot & (VM_PROT_READ | VM_PROT_WRITE | vm_entries::VM_PROT_EXECUTE) == 0 {
            return Err(KERN_PROTECTION_FAILURE);
        }
        self.m.note(Note::Fault);
        self.swap_back(page)?;
        if e.attrs.object != 0 && !self.pages.contains_key(&page) {
            return self.fault_object(page, write, &e);
        }
        let pa = match self.pages.get(&page) {
            Some(_) if write => self.break_cow(page)?,
            Some(&pa) => pa,
            None => {
                let pa = self.m.alloc_zeroed().ok_or(KERN_RESOURCE_SHORTAGE)?;
                self.pages.insert(page, pa);
                self.m.note(Note::ZeroFill);
                pa
            }
        };
        self.map_page(page, pa, prot)
    }

    /// A fault on a page of a memory object this map has no private copy of:
    /// the object's page is mapped (writable only for a write, so the object
    /// sees every page that becomes dirty), or, for a write to a copy
    /// mapping, copied into a private page.
    fn fault_object(&mut self, page: u32, write: bool, e: &Entry) -> Result<(), KernReturn> {
        let (obj, off) = (e.attrs.object, e.attrs.offset(page));
        if write && e.attrs.copy {
            let src = self.m.object_page(obj, off, false)?;
            let pa = self.m.alloc_copy(src).ok_or(KERN_RESOURCE_SHORTAGE)?;
            if self.obj_pages.remove(&page).is_some() {
                self.m.unmap(page);
            }
            self.pages.insert(page, pa);
            self.m.note(Note::CowCopy);
            return self.map_page(page, pa, e.attrs.prot);
        }
        let pa = self.m.object_page(obj, off, write)?;
        self.obj_pages.insert(page, pa);
        let writable = write && !e.attrs.copy && e.attrs.prot & VM_PROT_WRITE != 0;
        self.m.map(page, pa, writable).map_err(|_| KERN_RESOURCE_SHORTAGE)
    }

    /// The physical page behind `page`, made this map's own to write
    /// (allocated now if the entry has none yet, copied if copy-on-write).
    fn resident(&mut self, page: u32) -> Result<u32, KernReturn> {
        self.swap_back(page)?;
        if self.pages.contains_key(&page) {
            let pa = self.break_cow(page)?;
            let prot = self.entries.lookup(page).map_or(0, |e| e.attrs.prot);
            self.map_page(page, pa, prot)?;
            return Ok(pa);
        }
        let e = self.entries.lookup(page).copied().ok_or(KERN_INVALID_ADDRESS)?;
        if e.attrs.object != 0 {
            // The kernel writes into a resident object page (marking it
            // dirty), or into a private copy for a copy mapping; it does not
            // wait for pagers here.
            let off = e.attrs.offset(page);
            let src = self.m.object_peek(e.attrs.object, off).ok_or(KERN_MEMORY_FAILURE)?;
            if !e.attrs.copy {
                self.m.object_page(e.attrs.object, off, true)?;
                return Ok(src);
            }
            let pa = self.m.alloc_copy(src).ok_or(KERN_RESOURCE_SHORTAGE)?;
            if self.obj_pages.remove(&page).is_some() {
                self.m.unmap(page);
            }
            self.pages.insert(page, pa);
            self.map_page(page, pa, e.attrs.prot)?;
            return Ok(pa);
        }
        let pa = self.m.alloc_zeroed().ok_or(KERN_RESOURCE_SHORTAGE)?;
        self.pages.insert(page, pa);
        self.m.note(Note::ZeroFill);
        self.map_page(page, pa, e.attrs.prot)?;
        Ok(pa)
    }

    /// Reads `len` bytes at user address `va` through the kernel's view
    /// (`vm_read`): untouched pages read as zeros.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if part of the range is not allocated,
    /// `KERN_PROTECTION_FAILURE` if it is not readable,
    /// `KERN_RESOURCE_SHORTAGE` when the kernel has no buffer that large.
    pub fn read_kernel(&mut self, va: u32, len: u32) -> Result<Vec<u8>, KernReturn> {
        let end = va.checked_add(len).ok_or(KERN_INVALID_ADDRESS)?;
        let (pstart, pend) = vm_entries::page_range(va, len).ok_or(KERN_INVALID_ADDRESS)?;
        if !self.entries.covered(pstart, pend) {
            return Err(KERN_INVALID_ADDRESS);
        }
        self.swap_back_range(pstart, pend)?;
        // The length is the caller's: no memory is an answer, not a panic.
        let mut out = Vec::new();
        out.try_reserve_exact(len as usize).map_err(|_| KERN_RESOURCE_SHORTAGE)?;
        out.resize(len as usize, 0);
        let mut at = va;
        while at < end {
            let page = at & !(PAGE_SIZE - 1);
            let e = self.entries.lookup(page).ok_or(KERN_INVALID_ADDRESS)?;
            if e.attrs.prot & VM_PROT_READ == 0 {
                return Err(KERN_PROTECTION_FAILURE);
            }
            let off = (at - page) as usize;
            let n = ((page + PAGE_SIZE).min(end) - at) as usize;
            let dst = (at - va) as usize;
            if let Some(&pa) = self.pages.get(&page) {
                self.m.read(pa, off, &mut out[dst..dst + n]);
            } else if e.attrs.object != 0 {
                // Object data the kernel holds; what its pager has not
                // supplied yet cannot be read without waiting for it.
                let pa = self.m.object_peek(e.attrs.object, e.attrs.offset(page)).ok_or(KERN_MEMORY_FAILURE)?;
                self.m.read(pa, off, &mut out[dst..dst + n]);
            }
            at += n as u32;
        }
        Ok(out)
    }

    /// Writes `data` at user address `va` through the kernel's view of the
    /// pages (protection does not apply: the loader fills read-only text).
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if a page of the range is not allocated.
    pub fn write_kernel(&mut self, mut va: u32, mut data: &[u8]) -> Result<(), KernReturn> {
        while !data.is_empty() {
            let page = va & !(PAGE_SIZE - 1);
            let off = (va - page) as usize;
            let n = data.len().min(PAGE_SIZE as usize - off);
            let pa = self.resident(page)?;
            self.m.write(pa, off, &data[..n]);
            data = &data[n..];
            va += n as u32;
        }
        Ok(())
    }
}

impl<M: Machine> VmMap<M> {
    /// Gives this empty map the inheritable entries of `parent`, for
    /// `task_create` with inherited memory: `VM_INHERIT_COPY` pages are shared
    /// copy-on-write (read-only on both sides until written), `VM_INHERIT_SHARE`
    /// pages are shared writable (for the pages resident now; pages touched
    /// later are each side's own until shared memory objects exist).
    ///
    /// # Errors
    /// `KERN_RESOURCE_SHORTAGE` without memory for page tables (what was
    /// shared stays; the caller destroys the map); [`KERN_FAULT_RETRY`] when
    /// a paged-out page of the parent must come back first (wait, then
    /// start over with a new map).
    pub fn copy_from(&mut self, parent: &mut VmMap<M>) -> Result<(), KernReturn> {
        parent.swap_back_inherited()?;
        parent.share_anonymous()?;
        let entries: Vec<Entry> = parent.entries.entries().copied().collect();
        for e in entries.iter().filter(|e| e.attrs.inheritance != vm_entries::VM_INHERIT_NONE) {
            let cow = e.attrs.inheritance == vm_entries::VM_INHERIT_COPY;
            let obj = e.attrs.object;
            let had = obj != 0 && self.entries.entries().any(|x| x.attrs.object == obj);
            // A copied object mapping keeps the object's data until the child
            // writes (then the child's own copy).
            let attrs = Attrs { copy: e.attrs.copy || (cow && obj != 0), ..e.attrs };
            self.entries.allocate(e.start, e.end - e.start, false, attrs)?;
            if obj != 0 && !had {
                self.m.object_ref(obj);
            }
            let pages: Vec<(u32, u32)> = parent.pages.range(e.start..e.end).collect();
            for (va, pa) in pages {
                self.m.share(pa);
                self.pages.insert(va, pa);
                if cow {
                    self.cow.insert(va);
                    parent.cow.insert(va);
                    parent.map_page(va, pa, e.attrs.prot)?;
                }
                self.map_page(va, pa, e.attrs.prot)?;
            }
        }
        Ok(())
    }
}

impl<M: Machine> VmMap<M> {
    /// Takes `[addr, addr + len)` (rounded out to pages) for an out-of-line
    /// message or `vm_read`, copy-on-write at the level of map entries, as
    /// GNU Mach's `vm_map_copyin` does: each piece of the range becomes a
    /// [`CopySeg`] naming a frozen memory object (one that nobody writes:
    /// its data is the data of the moment of the copy) held for the copy,
    /// or zeros.
    ///
    /// - Private anonymous memory: its resident pages move, without being
    ///   copied, into a new frozen object, and the entry maps that object
    ///   copy-on-write (its first write to a page makes the page private
    ///   again). The pages leave this map's pmap; reads fault them back
    ///   read-only.
    /// - An entry already mapping a frozen object copy-on-write (a range
    ///   sent before, or received) is taken as it is; pages written since
    ///   then replace the object's when only this map's entries, at one
    ///   offset, refer to the object, and the copy falls back to bytes
    ///   otherwise.
    /// - Untouched private memory is zeros: the copy maps fresh memory.
    ///
    /// The cost is per entry plus, for pages still private, one move each
    /// (the first time a range travels). `Ok(None)` means the caller copies
    /// bytes: memory objects of pagers or shared memory, wired memory.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole, `KERN_PROTECTION_FAILURE` for
    /// memory that is not readable (nothing changes then);
    /// `KERN_RESOURCE_SHORTAGE` without memory for a private copy of a page
    /// still shared with another map, [`KERN_FAULT_RETRY`] while a
    /// paged-out page is on its way back.
    pub fn copy_out_of(&mut self, addr: u32, len: u32) -> Result<Option<Vec<CopySeg>>, KernReturn> {
        let (start, end) = vm_entries::page_range(addr, len).ok_or(KERN_INVALID_ADDRESS)?;
        if end > self.max || !self.entries.covered(start, end) {
            return Err(KERN_INVALID_ADDRESS);
        }
        // First look, changing nothing: every piece must be movable.
        let mut at = start;
        while at < end {
            let e = *self.entries.lookup(at).ok_or(KERN_INVALID_ADDRESS)?;
            if e.attrs.prot & VM_PROT_READ == 0 {
                return Err(KERN_PROTECTION_FAILURE);
            }
            let t = e.end.min(end);
            if e.attrs.wired {
                return Ok(None);
            }
            if e.attrs.object != 0 {
                let obj = e.attrs.object;
                if !e.attrs.copy || !self.m.object_frozen(obj) {
                    return Ok(None);
                }
                let written = self.pages.range(at..t).next().is_some() || self.swapped.range(at..t).next().is_some();
                if written && !self.may_fold_into(obj, e.attrs.delta) {
                    return Ok(None);
                }
            }
            at = t;
        }
        self.swap_back_range(start, end)?;
        // Pages still shared copy-on-write with another map get a copy of
        // their own first: a frozen object owns its pages alone. (A shared
        // page is always marked copy-on-write: the mark is checked first.)
        let shared: Vec<u32> = self.pages.range(start..end).filter(|&(va, pa)| self.cow.contains(&va) && self.m.is_shared(pa)).map(|(va, _)| va).collect();
        for va in shared {
            self.break_cow(va)?;
        }
        let mut segs: Vec<CopySeg> = Vec::new();
        self.m.batch_begin();
        let r = self.copy_pieces(start, end, &mut segs);
        self.m.batch_end();
        match r {
            Ok(()) => Ok(Some(segs)),
            Err(e) => {
                for s in segs.iter().filter(|s| s.object != 0) {
                    self.m.object_unhold(s.object);
                }
                Err(e)
            }
        }
    }

    /// Whether the pages this map wrote over frozen object `obj` (mapped at
    /// `delta`) may replace the object's: no other map and no message holds
    /// the object, and every entry of this map mapping it does so at the
    /// same offsets, so none sees another's pages.
    fn may_fold_into(&self, obj: u32, delta: u32) -> bool {
        self.entries.entries().filter(|e| e.attrs.object == obj).all(|e| e.attrs.delta == delta) && self.m.object_exclusive(obj)
    }

    /// The changing part of [`VmMap::copy_out_of`], piece by piece (the
    /// pieces were checked); `segs` gets each piece, held.
    fn copy_pieces(&mut self, start: u32, end: u32, segs: &mut Vec<CopySeg>) -> Result<(), KernReturn> {
        let mut at = start;
        while at < end {
            let e = *self.entries.lookup(at).ok_or(KERN_INVALID_ADDRESS)?;
            let t = e.end.min(end);
            // Pages written here since the piece was last frozen (or ever).
            let vas: Vec<(u32, u32)> = self.pages.range(at..t).collect();
            let obj = if e.attrs.object != 0 {
                if !vas.is_empty() {
                    let pages: Vec<(u32, u32)> = vas.iter().map(|&(va, pa)| (e.attrs.offset(va), pa)).collect();
                    self.m.object_fold(e.attrs.object, &pages);
                }
                e.attrs.object
            } else if vas.is_empty() {
                0
            } else {
                // Offsets in the new object are this map's addresses.
                let obj = self.m.object_create_frozen(&vas).ok_or(KERN_RESOURCE_SHORTAGE)?;
                self.m.object_ref(obj);
                let a = Attrs { object: obj, delta: 0, copy: true, ..e.attrs };
                self.entries.set(at, t, a)?;
                obj
            };
            // The pages are the object's now: out of this map and its pmap.
            for &(va, _) in &vas {
                self.pages.remove(&va);
                self.cow.remove(&va);
                self.m.unmap(va);
            }
            // A new object's offsets are addresses; an old one's, the entry's.
            let offset = match (obj, e.attrs.object) {
                (0, _) => 0,
                (_, 0) => at,
                _ => e.attrs.offset(at),
            };
            if obj != 0 {
                self.m.object_hold(obj);
            }
            segs.push(CopySeg { object: obj, offset, size: t - at });
            at = t;
        }
        Ok(())
    }

    /// Maps a copy made by [`VmMap::copy_out_of`] anywhere: each frozen
    /// object copy-on-write, zeros as fresh memory. Nothing is mapped in
    /// the pmap until touched. The caller keeps its holds on the objects.
    /// Returns the address of the first page.
    ///
    /// # Errors
    /// `KERN_NO_SPACE` when the address space is full.
    pub fn insert_copy(&mut self, segs: &[CopySeg]) -> Result<u32, KernReturn> {
        let size = segs.iter().try_fold(0u32, |n, s| n.checked_add(s.size)).ok_or(KERN_NO_SPACE)?;
        if size == 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let attrs = |s: &CopySeg, va: u32| {
            if s.object == 0 {
                Attrs::default()
            } else {
                Attrs { object: s.object, delta: s.offset.wrapping_sub(va), copy: true, ..Attrs::default() }
            }
        };
        let refers = |m: &Self, obj: u32| obj != 0 && m.entries.entries().any(|e| e.attrs.object == obj);
        // The whole range as the first piece, then the others over it.
        let had = refers(self, segs[0].object);
        let at = self.entries.allocate_with(PAGE_SIZE, size, 0, true, |at| attrs(&segs[0], at))?;
        if segs[0].object != 0 && !had {
            self.m.object_ref(segs[0].object);
        }
        let mut va = at + segs[0].size;
        for s in &segs[1..] {
            let had = refers(self, s.object);
            self.entries.set(va, va + s.size, attrs(s, va))?;
            if s.object != 0 && !had {
                self.m.object_ref(s.object);
            }
            va += s.size;
        }
        Ok(at)
    }

    /// Maps captured pages (see [`VmMap::capture`]) anywhere, copy-on-write;
    /// `None` pages read as zeros. The caller keeps its own owners of the
    /// pages. Returns the address of the first page.
    ///
    /// # Errors
    /// `KERN_NO_SPACE` when the address space is full.
    pub fn insert_pages(&mut self, pages: &[Option<u32>]) -> Result<u32, KernReturn> {
        let size = u32::try_from(pages.len()).ok().and_then(|n| n.checked_mul(PAGE_SIZE)).ok_or(KERN_NO_SPACE)?;
        let at = self.entries.allocate(PAGE_SIZE, size, true, Attrs::default())?;
        for (i, p) in pages.iter().enumerate() {
            if let Some(pa) = *p {
                let va = at + i as u32 * PAGE_SIZE;
                self.m.share(pa);
                self.pages.insert(va, pa);
                self.cow.insert(va);
                self.map_page(va, pa, Attrs::default().prot)?;
            }
        }
        Ok(at)
    }

    /// Makes each `VM_INHERIT_SHARE` entry that maps a frozen object (its
    /// memory was sent out of line) private anonymous memory again, each
    /// page this map's own copy, so that it is shared like any other.
    fn thaw_shared(&mut self) -> Result<(), KernReturn> {
        let frozen: Vec<Entry> = self
            .entries
            .entries()
            .filter(|e| e.attrs.inheritance == vm_entries::VM_INHERIT_SHARE && e.attrs.object != 0 && e.attrs.copy && self.m.object_frozen(e.attrs.object))
            .copied()
            .collect();
        for e in frozen {
            for va in (e.start..e.end).step_by(PAGE_SIZE as usize) {
                if !self.pages.contains_key(&va) {
                    self.resident(va)?;
                }
            }
            let vas: Vec<u32> = self.obj_pages.range(e.start..e.end).map(|(va, _)| *va).collect();
            for va in vas {
                self.obj_pages.remove(&va);
                self.m.unmap(va);
            }
            let a = Attrs { object: 0, delta: 0, copy: false, ..e.attrs };
            self.entries.set(e.start, e.end, a)?;
            self.unref_unmapped(alloc::vec![e.attrs.object]);
        }
        Ok(())
    }

    /// Turns each anonymous `VM_INHERIT_SHARE` entry into a mapping of a
    /// new anonymous object that takes its pages, so that every map
    /// inheriting it shares all its pages, those touched later too.
    fn share_anonymous(&mut self) -> Result<(), KernReturn> {
        self.thaw_shared()?;
        let shared: Vec<Entry> =
            self.entries.entries().filter(|e| e.attrs.inheritance == vm_entries::VM_INHERIT_SHARE && e.attrs.object == 0).copied().collect();
        for e in shared {
            let vas: Vec<u32> = self.pages.range(e.start..e.end).map(|(va, _)| va).collect();
            let mut pages = Vec::with_capacity(vas.len());
            for va in vas {
                // A page still shared copy-on-write gets its own copy first.
                let pa = self.break_cow(va)?;
                pages.push((va - e.start, pa));
            }
            let obj = self.m.object_create_anonymous(&pages).ok_or(KERN_RESOURCE_SHORTAGE)?;
            self.m.object_ref(obj);
            for &(off, pa) in &pages {
                self.pages.remove(&(e.start + off));
                self.obj_pages.insert(e.start + off, pa);
            }
            let a = Attrs { object: obj, delta: 0u32.wrapping_sub(e.start), copy: false, ..e.attrs };
            self.entries.update(e.start, e.end, |_| Ok(a))?;
        }
        Ok(())
    }
}

impl<M: Machine> Drop for VmMap<M> {
    fn drop(&mut self) {
        let all: Vec<(u32, u32)> = self.pages.iter().collect();
        self.pages.clear();
        for (va, pa) in all {
            self.m.unmap(va);
            self.m.release(pa);
        }
        for va in core::mem::take(&mut self.obj_pages).into_keys() {
            self.m.unmap(va);
        }
        for obj in self.objects() {
            self.m.object_unref(obj);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;

    /// Emulated physical memory shared by several maps: pages and owners.
    #[derive(Default)]
    struct Phys {
        pages: HashMap<u32, Vec<u8>>,
        owners: HashMap<u32, u32>,
        next: u32,
        /// Emulated memory objects: (object, offset) -> (page, dirty).
        objects: HashMap<(u32, u32), (u32, bool)>,
        /// Object pages asked for and not supplied.
        requests: Vec<(u32, u32)>,
        /// Per object: how many maps refer to it.
        refs: HashMap<u32, i32>,
        /// Anonymous objects (zero-filled on demand) and the next object id.
        anon: Vec<u32>,
        next_obj: u32,
        /// Frozen objects (also anonymous) and the holds of copies on objects.
        frozen: Vec<u32>,
        holds: HashMap<u32, i32>,
    }

    impl Phys {
        /// A fresh zeroed page with one owner.
        fn fresh(&mut self) -> u32 {
            self.next += 0x1000;
            let pa = self.next;
            self.pages.insert(pa, vec![0; 4096]);
            self.owners.insert(pa, 1);
            pa
        }

        /// A copy gives back its hold on `obj`.
        fn unhold(&mut self, obj: u32) {
            *self.holds.get_mut(&obj).expect("held") -= 1;
            self.maybe_free(obj);
        }

        /// Frees frozen object `obj` and its pages once nothing refers to it.
        fn maybe_free(&mut self, obj: u32) {
            let unused = self.refs.get(&obj).copied().unwrap_or(0) <= 0 && self.holds.get(&obj).copied().unwrap_or(0) <= 0;
            if !self.frozen.contains(&obj) || !unused {
                return;
            }
            let keys: Vec<(u32, u32)> = self.objects.keys().filter(|k| k.0 == obj).copied().collect();
            for k in keys {
                let (pa, _) = self.objects.remove(&k).unwrap();
                self.owners.remove(&pa);
                self.pages.remove(&pa);
            }
        }

        /// A zeroed page for anonymous object `obj` at `offset`.
        fn zero_fill(&mut self, obj: u32, offset: u32, dirty: bool) -> u32 {
            let pa = self.fresh();
            self.objects.insert((obj, offset), (pa, dirty));
            pa
        }
    }

    /// An emulated machine: shared physical memory plus this map's page table.
    struct Emu {
        phys: Rc<RefCell<Phys>>,
        table: HashMap<u32, (u32, bool)>,
        notes: Vec<Note>,
        /// The emulated default pager's copy of paged-out pages.
        swap: HashMap<u32, Vec<u8>>,
        /// The pager has not answered yet: swap-ins must wait.
        pager_slow: bool,
    }

    impl Emu {
        fn new(phys: &Rc<RefCell<Phys>>) -> Emu {
            Emu { phys: phys.clone(), table: HashMap::new(), notes: Vec::new(), swap: HashMap::new(), pager_slow: false }
        }
        /// What a user access sees: `Err` where the hardware would fault.
        fn user_read(&self, va: u32) -> Result<u8, ()> {
            let (pa, _) = self.table.get(&(va & !0xFFF)).ok_or(())?;
            Ok(self.phys.borrow().pages[pa][(va & 0xFFF) as usize])
        }
        fn user_write(&mut self, va: u32, b: u8) -> Result<(), ()> {
            let &(pa, w) = self.table.get(&(va & !0xFFF)).ok_or(())?;
            if !w {
                return Err(());
            }
            self.phys.borrow_mut().pages.get_mut(&pa).unwrap()[(va & 0xFFF) as usize] = b;
            Ok(())
        }
    }

    impl Machine for Emu {
        fn alloc_zeroed(&mut self) -> Option<u32> {
            Some(self.phys.borrow_mut().fresh())
        }
        fn alloc_copy(&mut self, from: u32) -> Option<u32> {
            let pa = self.alloc_zeroed()?;
            let mut p = self.phys.borrow_mut();
            let data = p.pages[&from].clone();
            p.pages.insert(pa, data);
            Some(pa)
        }
        fn alloc_contig(&mut self, count: usize, _pmin: u64, _pmax: u64, _align: u64) -> Option<u32> {
            let first = self.alloc_zeroed()?;
            for _ in 1..count {
                self.alloc_zeroed()?;
            }
            Some(first)
        }
        fn share(&mut self, pa: u32) {
            *self.phys.borrow_mut().owners.get_mut(&pa).unwrap() += 1;
        }
        fn release(&mut self, pa: u32) {
            let mut p = self.phys.borrow_mut();
            let n = p.owners.get_mut(&pa).expect("release of a free page");
            *n -= 1;
            if *n == 0 {
                p.owners.remove(&pa);
                p.pages.remove(&pa);
            }
        }
        fn is_shared(&self, pa: u32) -> bool {
            self.phys.borrow().owners[&pa] > 1
        }
        fn map(&mut self, va: u32, pa: u32, writable: bool) -> Result<(), ()> {
            self.table.insert(va, (pa, writable));
            Ok(())
        }
        fn unmap(&mut self, va: u32) {
            self.table.remove(&va);
        }
        fn read(&self, pa: u32, off: usize, buf: &mut [u8]) {
            buf.copy_from_slice(&self.phys.borrow().pages[&pa][off..off + buf.len()]);
        }
        fn write(&mut self, pa: u32, off: usize, data: &[u8]) {
            self.phys.borrow_mut().pages.get_mut(&pa).unwrap()[off..off + data.len()].copy_from_slice(data);
        }
        fn note(&mut self, what: Note) {
            self.notes.push(what);
        }
        fn object_page(&mut self, obj: u32, offset: u32, write: bool) -> Result<u32, KernReturn> {
            let mut p = self.phys.borrow_mut();
            let anon = p.anon.contains(&obj);
            match p.objects.get_mut(&(obj, offset)) {
                Some((pa, dirty)) => {
                    *dirty |= write;
                    Ok(*pa)
                }
                None if anon => Ok(p.zero_fill(obj, offset, write)),
                None => {
                    p.requests.push((obj, offset));
                    Err(KERN_FAULT_RETRY)
                }
            }
        }
        fn object_peek(&self, obj: u32, offset: u32) -> Option<u32> {
            let known = self.phys.borrow().objects.get(&(obj, offset)).map(|x| x.0);
            let anon = self.phys.borrow().anon.contains(&obj);
            match known {
                None if anon => Some(self.phys.borrow_mut().zero_fill(obj, offset, false)),
                k => k,
            }
        }
        fn object_ref(&mut self, obj: u32) {
            *self.phys.borrow_mut().refs.entry(obj).or_default() += 1;
        }
        fn swap_in(&mut self, va: u32) -> Result<u32, KernReturn> {
            if self.pager_slow {
                return Err(KERN_FAULT_RETRY);
            }
            let data = self.swap.remove(&va).expect("swapped page known to the pager");
            let pa = self.alloc_zeroed().unwrap();
            self.write(pa, 0, &data);
            Ok(pa)
        }
        fn object_create_anonymous(&mut self, pages: &[(u32, u32)]) -> Option<u32> {
            let mut p = self.phys.borrow_mut();
            p.next_obj += 1;
            let obj = 1000 + p.next_obj;
            p.anon.push(obj);
            for &(off, pa) in pages {
                p.objects.insert((obj, off), (pa, false));
            }
            Some(obj)
        }
        fn object_unref(&mut self, obj: u32) {
            let mut p = self.phys.borrow_mut();
            *p.refs.entry(obj).or_default() -= 1;
            p.maybe_free(obj);
        }
        fn object_paged(&self, obj: u32) -> bool {
            !self.phys.borrow().anon.contains(&obj)
        }
        fn object_create_frozen(&mut self, pages: &[(u32, u32)]) -> Option<u32> {
            let obj = self.object_create_anonymous(pages)?;
            self.phys.borrow_mut().frozen.push(obj);
            Some(obj)
        }
        fn object_frozen(&self, obj: u32) -> bool {
            self.phys.borrow().frozen.contains(&obj)
        }
        fn object_exclusive(&self, obj: u32) -> bool {
            let p = self.phys.borrow();
            p.refs.get(&obj).copied().unwrap_or(0) == 1 && p.holds.get(&obj).copied().unwrap_or(0) == 0
        }
        fn object_fold(&mut self, obj: u32, pages: &[(u32, u32)]) {
            let mut p = self.phys.borrow_mut();
            for &(off, pa) in pages {
                if let Some((old, _)) = p.objects.insert((obj, off), (pa, true)) {
                    p.owners.remove(&old);
                    p.pages.remove(&old);
                }
            }
        }
        fn object_hold(&mut self, obj: u32) {
            *self.phys.borrow_mut().holds.entry(obj).or_default() += 1;
        }
        fn object_unhold(&mut self, obj: u32) {
            self.phys.borrow_mut().unhold(obj);
        }
    }

    const MAX: u32 = 0xC000_0000;

    /// Touches `va` as the hardware would: resolve faults, then access.
    fn touch_write(m: &mut VmMap<Emu>, va: u32, b: u8) -> Result<(), KernReturn> {
        if m.m.user_write(va, b).is_err() {
            m.fault(va, true)?;
            m.m.user_write(va, b).expect("resolved fault");
        }
        Ok(())
    }

    fn touch_read(m: &mut VmMap<Emu>, va: u32) -> Result<u8, KernReturn> {
        if let Ok(b) = m.m.user_read(va) {
            return Ok(b);
        }
        m.fault(va, false)?;
        Ok(m.m.user_read(va).expect("resolved fault"))
    }

    #[test]
    fn size_limits_stop_allocations_as_gnu_mach() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        assert_eq!(m.size_limit(), (u32::MAX, u32::MAX));
        m.set_size_limit(8 * PAGE_SIZE, 16 * PAGE_SIZE, false).unwrap();
        assert_eq!(m.set_size_limit(2 * PAGE_SIZE, PAGE_SIZE, true), Err(KERN_INVALID_ARGUMENT));
        assert_eq!(m.set_size_limit(PAGE_SIZE, 17 * PAGE_SIZE, false), Err(KERN_NO_ACCESS), "raised without privilege");
        m.set_size_limit(PAGE_SIZE, 12 * PAGE_SIZE, false).unwrap();
        m.set_size_limit(8 * PAGE_SIZE, 16 * PAGE_SIZE, true).unwrap();
        let a = m.allocate(0, 6 * PAGE_SIZE, true).unwrap();
        assert_eq!(m.allocate(0, 3 * PAGE_SIZE, true), Err(KERN_NO_SPACE));
        assert_eq!(m.map_object(0, 3 * PAGE_SIZE, 0, true, 0, Attrs::default()), Err(KERN_NO_SPACE));
        // Inaccessible reservations do not count.
        let none = Attrs { prot: vm_entries::VM_PROT_NONE, ..Attrs::default() };
        m.map_object(0, 32 * PAGE_SIZE, 0, true, 0, none).unwrap();
        m.allocate(0, 2 * PAGE_SIZE, true).unwrap();
        assert_eq!(m.allocate(0, PAGE_SIZE, true), Err(KERN_NO_SPACE));
        m.deallocate(a, 6 * PAGE_SIZE).unwrap();
        m.allocate(0, 6 * PAGE_SIZE, true).unwrap();
    }

    #[test]
    fn memory_is_demand_zero() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let a = m.allocate(0, 64 << 20, true).unwrap();
        assert_eq!(a, PAGE_SIZE, "anywhere allocations skip page 0");
        assert_eq!(phys.borrow().pages.len(), 0, "allocation took pages");
        assert_eq!(touch_read(&mut m, a + 5000).unwrap(), 0);
        touch_write(&mut m, a + (32 << 20), 7).unwrap();
        assert_eq!(phys.borrow().pages.len(), 2);
        assert_eq!(m.resident_pages(), 2);
        assert_eq!(m.m.notes.iter().filter(|n| **n == Note::ZeroFill).count(), 2);
        // Outside every entry, and against protection.
        assert_eq!(m.fault(a + (64 << 20), false), Err(KERN_INVALID_ADDRESS));
        m.protect(a, PAGE_SIZE, false, VM_PROT_READ).unwrap();
        assert_eq!(touch_write(&mut m, a, 1), Err(KERN_PROTECTION_FAILURE));
        m.deallocate(a, 64 << 20).unwrap();
        assert_eq!(phys.borrow().pages.len(), 0, "pages not freed");
    }

    #[test]
    fn inherited_memory_is_copy_on_write_both_ways() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut parent = VmMap::new(Emu::new(&phys), MAX);
        let a = parent.allocate(0x10000, 3 * PAGE_SIZE, false).unwrap();
        for i in 0..3 {
            touch_write(&mut parent, a + i * PAGE_SIZE, b'A').unwrap();
        }
        let none = parent.allocate(0x40000, PAGE_SIZE, false).unwrap();
        touch_write(&mut parent, none, b'N').unwrap();
        parent.inherit(none, PAGE_SIZE, vm_entries::VM_INHERIT_NONE).unwrap();
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut parent).unwrap();
        assert_eq!(phys.borrow().pages.len(), 4, "inheritance copied pages");
        assert_eq!(touch_read(&mut child, a).unwrap(), b'A');
        assert_eq!(child.fault(none, false), Err(KERN_INVALID_ADDRESS));
        // Parent writes page 0; child writes page 1; page 2 stays shared.
        touch_write(&mut parent, a, b'P').unwrap();
        touch_write(&mut child, a + PAGE_SIZE, b'C').unwrap();
        assert_eq!(touch_read(&mut child, a).unwrap(), b'A');
        assert_eq!(touch_read(&mut parent, a + PAGE_SIZE).unwrap(), b'A');
        assert_eq!(touch_read(&mut child, a + PAGE_SIZE).unwrap(), b'C');
        assert_eq!(phys.borrow().pages.len(), 6, "two copies made");
        // Kernel writes into a shared page copy it too.
        child.write_kernel(a + 2 * PAGE_SIZE, b"K").unwrap();
        assert_eq!(touch_read(&mut parent, a + 2 * PAGE_SIZE).unwrap(), b'A');
        assert_eq!(child.read_kernel(a + 2 * PAGE_SIZE, 1).unwrap(), b"K");
        drop(child);
        // The parent's last shared pages are its own again: writing copies nothing.
        let before = phys.borrow().pages.len();
        touch_write(&mut parent, a + 2 * PAGE_SIZE, b'Z').unwrap();
        assert_eq!(phys.borrow().pages.len(), before);
        drop(parent);
        assert!(phys.borrow().pages.is_empty() && phys.borrow().owners.is_empty(), "pages leaked");
    }

    /// Supplies page `offset` of `obj` filled with `b` (the pager's answer).
    fn supply(phys: &Rc<RefCell<Phys>>, obj: u32, offset: u32, b: u8) -> u32 {
        let mut p = phys.borrow_mut();
        let pa = p.zero_fill(obj, offset, false);
        p.pages.get_mut(&pa).unwrap().fill(b);
        p.requests.retain(|r| *r != (obj, offset));
        pa
    }

    #[test]
    fn object_mappings_fault_through_the_object_and_track_dirt_and_refs() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let shared = Attrs { object: 5, ..Attrs::default() };
        let a = m.map_object(0, 4 * PAGE_SIZE, 0xFFFF, true, 0x2000, shared).unwrap();
        assert_eq!(a % 0x10000, 0, "mask honoured");
        assert_eq!(phys.borrow().refs[&5], 1);
        // A second mapping of the same object (a copy one) adds no reference.
        let c = m.map_object(0, PAGE_SIZE, 0, true, 0x2000, Attrs { copy: true, ..shared }).unwrap();
        assert_eq!(phys.borrow().refs[&5], 1);
        // First touch: the object has no page yet; the fault must wait.
        assert_eq!(touch_read(&mut m, a + 10), Err(KERN_FAULT_RETRY));
        assert_eq!(phys.borrow().requests, vec![(5, 0x2000)]);
        let pa = supply(&phys, 5, 0x2000, b'P');
        assert_eq!(touch_read(&mut m, a + 10).unwrap(), b'P');
        assert!(!phys.borrow().objects[&(5, 0x2000)].1, "read faults leave the page clean");
        assert_eq!(m.resident_pages(), 0, "object pages are not the map's");
        // Writing through the shared mapping dirties the object's page.
        touch_write(&mut m, a + 11, b'W').unwrap();
        assert!(phys.borrow().objects[&(5, 0x2000)].1);
        assert_eq!(phys.borrow().pages[&pa][11], b'W');
        // Writing through the copy mapping copies; the object is unchanged.
        assert_eq!(touch_read(&mut m, c + 11).unwrap(), b'W');
        touch_write(&mut m, c + 11, b'C').unwrap();
        assert_eq!(phys.borrow().pages[&pa][11], b'W');
        assert_eq!(touch_read(&mut m, c + 11).unwrap(), b'C');
        assert_eq!(m.resident_pages(), 1);
        // The object drops the page: the shared mapping faults again.
        m.object_page_gone(5, 0x2000);
        assert!(m.m.user_read(a).is_err());
        assert!(m.m.user_read(c).is_ok(), "private copies stay");
        // The kernel reads resident object data; unsupplied data is an error.
        assert_eq!(m.read_kernel(a + 11, 1).unwrap(), b"W");
        assert_eq!(m.unmapped_object_pages(a, 2 * PAGE_SIZE), vec![a, a + PAGE_SIZE]);
        assert_eq!(m.read_kernel(a + PAGE_SIZE, 1), Err(KERN_MEMORY_FAILURE));
        // Splitting the mapping keeps the reference; removing all of it drops it.
        m.deallocate(a + PAGE_SIZE, PAGE_SIZE).unwrap();
        m.deallocate(a, PAGE_SIZE).unwrap();
        m.deallocate(c, PAGE_SIZE).unwrap();
        assert_eq!(phys.borrow().refs[&5], 1);
        m.deallocate(a + 2 * PAGE_SIZE, 2 * PAGE_SIZE).unwrap();
        assert_eq!(phys.borrow().refs[&5], 0);
        assert!(m.m.table.is_empty());
        // Bad arguments.
        assert_eq!(m.map_object(0, PAGE_SIZE, 0, true, 0x10, shared), Err(KERN_INVALID_ARGUMENT), "unaligned offset");
        let too_much = Attrs { prot: VM_PROT_WRITE, max_prot: VM_PROT_READ, ..shared };
        assert_eq!(m.map_object(0, PAGE_SIZE, 0, true, 0, too_much), Err(KERN_INVALID_ARGUMENT));
        // A child inheriting a mapping refers to the object too; dropping it lets go.
        let s = m.map_object(0, PAGE_SIZE, 0, true, 0, shared).unwrap();
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut m).unwrap();
        assert_eq!(phys.borrow().refs[&5], 2);
        assert!(child.region(s).unwrap().attrs.copy, "inherited by copy");
        drop(child);
        drop(m);
        assert_eq!(phys.borrow().refs[&5], 0);
    }

    #[test]
    fn shared_inheritance_shares_every_page_both_ways() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut parent = VmMap::new(Emu::new(&phys), MAX);
        let a = parent.allocate(0x10000, 3 * PAGE_SIZE, false).unwrap();
        touch_write(&mut parent, a, b'S').unwrap();
        parent.inherit(a, 3 * PAGE_SIZE, vm_entries::VM_INHERIT_SHARE).unwrap();
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut parent).unwrap();
        let obj = parent.region(a).unwrap().attrs.object;
        assert!(obj != 0 && child.region(a).unwrap().attrs.object == obj, "both map one object");
        assert_eq!(parent.resident_pages(), 0, "the page moved to the object");
        assert_eq!(touch_read(&mut child, a).unwrap(), b'S');
        // A write on either side, to a page resident before or touched after, shows on the other.
        touch_write(&mut parent, a, b'P').unwrap();
        assert_eq!(touch_read(&mut child, a).unwrap(), b'P');
        touch_write(&mut child, a + 2 * PAGE_SIZE, b'C').unwrap();
        assert_eq!(touch_read(&mut parent, a + 2 * PAGE_SIZE).unwrap(), b'C');
        child.write_kernel(a + PAGE_SIZE, b"K").unwrap();
        assert_eq!(touch_read(&mut parent, a + PAGE_SIZE).unwrap(), b'K');
        assert_eq!(phys.borrow().refs[&obj], 2);
        drop(child);
        assert_eq!(phys.borrow().refs[&obj], 1);
        drop(parent);
        assert_eq!(phys.borrow().refs[&obj], 0);
    }

    #[test]
    fn copies_move_entries_and_writes_stay_on_their_side() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut sender = VmMap::new(Emu::new(&phys), MAX);
        let mut receiver = VmMap::new(Emu::new(&phys), MAX);
        let a = sender.allocate(0, 4 * PAGE_SIZE, true).unwrap();
        touch_write(&mut sender, a, b'1').unwrap();
        touch_write(&mut sender, a + 2 * PAGE_SIZE, b'3').unwrap();
        let before = phys.borrow().pages.len();
        // Not page aligned: the pages around the bytes travel.
        let segs = sender.copy_out_of(a + 10, 3 * PAGE_SIZE - 10).unwrap().unwrap();
        assert_eq!(segs.len(), 1);
        let obj = segs[0].object;
        assert!(obj != 0 && segs[0].offset == a && segs[0].size == 3 * PAGE_SIZE);
        assert_eq!(phys.borrow().pages.len(), before, "nothing was copied");
        assert_eq!(sender.resident_pages(), 0, "the pages moved into the frozen object");
        assert!(sender.m.table.is_empty(), "and left the pmap");
        assert_eq!(phys.borrow().holds[&obj], 1);
        assert_eq!(sender.region(a).unwrap().end, a + 3 * PAGE_SIZE, "the entry was clipped at the copy's end");
        let r = receiver.insert_copy(&segs).unwrap();
        assert!(receiver.m.table.is_empty(), "the receiver maps nothing until touched");
        phys.borrow_mut().unhold(obj);
        assert_eq!(touch_read(&mut receiver, r).unwrap(), b'1');
        assert_eq!(touch_read(&mut receiver, r + PAGE_SIZE).unwrap(), 0);
        assert_eq!(touch_read(&mut sender, a + 2 * PAGE_SIZE).unwrap(), b'3');
        // Either side's write stays on its side.
        touch_write(&mut sender, a, b'S').unwrap();
        touch_write(&mut receiver, r + 2 * PAGE_SIZE, b'R').unwrap();
        touch_write(&mut receiver, r + PAGE_SIZE, b'Z').unwrap();
        assert_eq!(touch_read(&mut receiver, r).unwrap(), b'1');
        assert_eq!(touch_read(&mut sender, a + 2 * PAGE_SIZE).unwrap(), b'3');
        assert_eq!(touch_read(&mut sender, a + PAGE_SIZE).unwrap(), 0);
        // Sending the same range again: the receiver still maps the object,
        // so the sender's written page cannot be folded in: bytes.
        assert_eq!(sender.copy_out_of(a, 3 * PAGE_SIZE), Ok(None));
        // Unwritten parts travel as the same object, again without copies.
        let again = sender.copy_out_of(a + PAGE_SIZE, 2 * PAGE_SIZE).unwrap().unwrap();
        assert_eq!(again, vec![CopySeg { object: obj, offset: a + PAGE_SIZE, size: 2 * PAGE_SIZE }]);
        let r2 = receiver.insert_copy(&again).unwrap();
        phys.borrow_mut().unhold(obj);
        assert_eq!(touch_read(&mut receiver, r2 + PAGE_SIZE).unwrap(), b'3');
        receiver.deallocate(r, 3 * PAGE_SIZE).unwrap();
        receiver.deallocate(r2, 2 * PAGE_SIZE).unwrap();
        // Now only the sender maps the object: its written page replaces the object's.
        let third = sender.copy_out_of(a, 3 * PAGE_SIZE).unwrap().unwrap();
        assert_eq!(third, vec![CopySeg { object: obj, offset: a, size: 3 * PAGE_SIZE }]);
        assert_eq!(sender.resident_pages(), 0);
        let r3 = receiver.insert_copy(&third).unwrap();
        phys.borrow_mut().unhold(obj);
        assert_eq!(touch_read(&mut receiver, r3).unwrap(), b'S');
        // Bad ranges change nothing.
        assert_eq!(sender.copy_out_of(a, 5 * PAGE_SIZE), Err(KERN_INVALID_ADDRESS));
        sender.protect(a + 3 * PAGE_SIZE, PAGE_SIZE, false, vm_entries::VM_PROT_NONE).unwrap();
        assert_eq!(sender.copy_out_of(a + 2 * PAGE_SIZE, 2 * PAGE_SIZE), Err(KERN_PROTECTION_FAILURE));
        let o = sender.map_object(0, PAGE_SIZE, 0, true, 0, Attrs { object: 9, ..Attrs::default() }).unwrap();
        assert_eq!(sender.copy_out_of(o, PAGE_SIZE), Ok(None), "a pager's memory is copied as bytes");
        drop(sender);
        drop(receiver);
        assert!(phys.borrow().owners.is_empty(), "pages leaked");
    }

    #[test]
    fn copies_span_entries_and_untouched_memory_is_zeros() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let a = m.allocate(0x10000, 6 * PAGE_SIZE, false).unwrap();
        // Three entries: read-only in the middle; the last two pages never touched.
        m.protect(a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, false, VM_PROT_READ).unwrap();
        touch_write(&mut m, a + PAGE_SIZE, b'A').unwrap();
        touch_read(&mut m, a + 2 * PAGE_SIZE).unwrap();
        // A page shared with a child (inherited copy-on-write) is copied for the object.
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut m).unwrap();
        let segs = m.copy_out_of(a, 6 * PAGE_SIZE).unwrap().unwrap();
        let shape: Vec<(bool, u32)> = segs.iter().map(|s| (s.object != 0, s.size)).collect();
        assert_eq!(shape, vec![(true, 2 * PAGE_SIZE), (true, 2 * PAGE_SIZE), (false, 2 * PAGE_SIZE)]);
        let r = m.insert_copy(&segs).unwrap();
        for s in segs.iter().filter(|s| s.object != 0) {
            phys.borrow_mut().unhold(s.object);
        }
        assert_eq!(touch_read(&mut m, r + PAGE_SIZE).unwrap(), b'A');
        assert_eq!(touch_read(&mut m, r + 5 * PAGE_SIZE).unwrap(), 0);
        touch_write(&mut m, r + 5 * PAGE_SIZE, b'z').unwrap();
        touch_write(&mut m, a + 5 * PAGE_SIZE, b'y').unwrap();
        touch_write(&mut child, a + PAGE_SIZE, b'C').unwrap();
        assert_eq!(touch_read(&mut m, r + 5 * PAGE_SIZE).unwrap(), b'z');
        assert_eq!(touch_read(&mut m, r + PAGE_SIZE).unwrap(), b'A');
        assert_eq!(touch_read(&mut m, a + PAGE_SIZE).unwrap(), b'A');
        assert_eq!(m.region(r).unwrap().attrs.prot, vm_entries::VM_PROT_DEFAULT, "the copy is writable");
        touch_write(&mut m, r + 2 * PAGE_SIZE, b'w').unwrap();
        assert_eq!(touch_read(&mut m, a + 2 * PAGE_SIZE).unwrap(), 0);
        // The kernel reads a copy through its objects.
        assert_eq!(m.read_kernel(r + PAGE_SIZE, 1).unwrap(), b"A");
        // Wired memory is copied as bytes.
        m.wire(a, PAGE_SIZE, VM_PROT_READ).unwrap();
        assert_eq!(m.copy_out_of(a, PAGE_SIZE), Ok(None));
        drop(child);
        drop(m);
        assert!(phys.borrow().owners.is_empty(), "pages leaked");
        assert!(phys.borrow().objects.is_empty(), "frozen objects leaked");
    }

    #[test]
    fn shared_inheritance_of_sent_memory_shares_it_again() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut parent = VmMap::new(Emu::new(&phys), MAX);
        let a = parent.allocate(0x10000, 2 * PAGE_SIZE, false).unwrap();
        touch_write(&mut parent, a, b'P').unwrap();
        let segs = parent.copy_out_of(a, 2 * PAGE_SIZE).unwrap().unwrap();
        parent.inherit(a, 2 * PAGE_SIZE, vm_entries::VM_INHERIT_SHARE).unwrap();
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut parent).unwrap();
        touch_write(&mut child, a + PAGE_SIZE, b'C').unwrap();
        assert_eq!(touch_read(&mut parent, a + PAGE_SIZE).unwrap(), b'C', "the child's write is shared");
        assert_eq!(touch_read(&mut child, a).unwrap(), b'P');
        touch_write(&mut parent, a, b'Q').unwrap();
        assert_eq!(touch_read(&mut child, a).unwrap(), b'Q', "the parent's write is shared");
        // The copy in flight kept the data of its time.
        let mut receiver = VmMap::new(Emu::new(&phys), MAX);
        let r = receiver.insert_copy(&segs).unwrap();
        phys.borrow_mut().unhold(segs[0].object);
        assert_eq!((touch_read(&mut receiver, r).unwrap(), touch_read(&mut receiver, r + PAGE_SIZE).unwrap()), (b'P', 0));
        drop(receiver);
        drop(child);
        drop(parent);
        // What is left is the shared object's (this emulation never frees those).
        let p = phys.borrow();
        assert!(p.owners.keys().all(|pa| p.objects.iter().any(|(k, v)| v.0 == *pa && !p.frozen.contains(&k.0))), "pages leaked");
        assert!(p.objects.keys().all(|k| !p.frozen.contains(&k.0)), "the frozen object leaked");
    }

    /// Pages out `va` as the kernel's daemon does: to the pager, page freed.
    fn page_out(m: &mut VmMap<Emu>, va: u32) -> bool {
        let Some(pa) = m.evict(va) else { return false };
        let mut data = vec![0; 4096];
        m.m.read(pa, 0, &mut data);
        m.m.swap.insert(va, data);
        m.m.release(pa);
        true
    }

    #[test]
    fn paged_out_pages_come_back_on_every_path() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let a = m.allocate(0x10000, 4 * PAGE_SIZE, false).unwrap();
        for i in 0..4 {
            touch_write(&mut m, a + i * PAGE_SIZE + 9, b'0' + i as u8).unwrap();
        }
        m.wire(a + 3 * PAGE_SIZE, PAGE_SIZE, VM_PROT_READ).unwrap();
        assert_eq!(m.eviction_candidates(0, 10), vec![a, a + PAGE_SIZE, a + 2 * PAGE_SIZE], "wired pages stay");
        for i in 0..3 {
            assert!(page_out(&mut m, a + i * PAGE_SIZE));
        }
        assert_eq!((m.resident_pages(), m.swapped_pages(), phys.borrow().pages.len()), (1, 3, 1));
        // A fault waits while the pager is slow, then gets the data back.
        m.m.pager_slow = true;
        assert_eq!(touch_read(&mut m, a + 9), Err(KERN_FAULT_RETRY));
        m.m.pager_slow = false;
        assert_eq!(touch_read(&mut m, a + 9).unwrap(), b'0');
        // The kernel's reads and writes bring pages back too.
        assert_eq!(m.read_kernel(a + PAGE_SIZE + 9, 1).unwrap(), b"1");
        m.write_kernel(a + 2 * PAGE_SIZE, b"w").unwrap();
        assert_eq!(m.read_kernel(a + 2 * PAGE_SIZE + 9, 1).unwrap(), b"2");
        assert_eq!(m.swapped_pages(), 0);
        // A page shared copy-on-write is not paged out.
        let mut child = VmMap::new(Emu::new(&phys), MAX);
        child.copy_from(&mut m).unwrap();
        assert!(m.eviction_candidates(0, 10).is_empty() && m.evict(a).is_none());
        drop(child);
        // Paged-out pages of a freed range are forgotten.
        touch_write(&mut m, a, b'x').unwrap();
        assert!(page_out(&mut m, a));
        m.deallocate(a, PAGE_SIZE).unwrap();
        assert_eq!(m.swapped_pages(), 0);
        // Wiring needs the access allowed and the range mapped.
        assert_eq!(m.wire(a + PAGE_SIZE, PAGE_SIZE, VM_PROT_READ | vm_entries::VM_PROT_EXECUTE), Err(KERN_PROTECTION_FAILURE));
        assert_eq!(m.wire(a, PAGE_SIZE, VM_PROT_READ), Err(KERN_INVALID_ADDRESS), "a freed range");
        m.wire(a + 3 * PAGE_SIZE, PAGE_SIZE, vm_entries::VM_PROT_NONE).unwrap();
        assert!(m.eviction_candidates(0, 10).contains(&(a + 3 * PAGE_SIZE)), "unwired pages may go again");
    }

    #[test]
    fn wire_all_wires_what_is_mapped_and_what_comes_later() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let a = m.allocate(0x10000, 3 * PAGE_SIZE, false).unwrap();
        let none = m.allocate(0x20000, PAGE_SIZE, false).unwrap();
        m.protect(none, PAGE_SIZE, false, vm_entries::VM_PROT_NONE).unwrap();
        m.wire_all(true, true).unwrap();
        assert_eq!(m.resident_pages(), 3, "mapped pages come in; an inaccessible one does not");
        assert!(m.eviction_candidates(0, 10).is_empty(), "wired pages stay");
        assert!(m.region(a).is_some_and(|e| e.attrs.wired));
        let b = m.allocate(0, 2 * PAGE_SIZE, true).unwrap();
        assert_eq!(m.resident_pages(), 5, "later allocations come wired");
        assert!(m.region(b).is_some_and(|e| e.attrs.wired));
        m.wire_all(false, false).unwrap();
        assert_eq!(m.eviction_candidates(0, 10).len(), 5, "everything unwired may go again");
        m.allocate(0, PAGE_SIZE, true).unwrap();
        assert_eq!(m.resident_pages(), 5, "and new memory is demand-zero again");
    }

    #[test]
    fn read_and_write_through_the_kernel_respect_entries() {
        let phys = Rc::new(RefCell::new(Phys::default()));
        let mut m = VmMap::new(Emu::new(&phys), MAX);
        let a = m.allocate(0x8000, 2 * PAGE_SIZE, false).unwrap();
        m.write_kernel(a + 4090, b"across").unwrap();
        assert_eq!(m.read_kernel(a + 4090, 6).unwrap(), b"across");
        assert_eq!(m.read_kernel(a + 2 * PAGE_SIZE - 2, 4), Err(KERN_INVALID_ADDRESS));
        assert_eq!(m.read_kernel(a, 3).unwrap(), vec![0, 0, 0], "untouched pages read as zeros");
        m.protect(a, PAGE_SIZE, false, vm_entries::VM_PROT_NONE).unwrap();
        assert_eq!(m.read_kernel(a, 1), Err(KERN_PROTECTION_FAILURE));
        assert_eq!(m.deallocate(0xBFFF_F000, 0x2000), Err(KERN_INVALID_ARGUMENT));
    }
}
