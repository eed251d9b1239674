//! The bookkeeping of a task's address map: non-overlapping entries
//! `[start, end)` with protection, maximum protection and inheritance, kept
//! sorted; clipping at any page boundary, lookup, first-fit search, and
//! coalescing of equal neighbours. The kernel's `vm_map` pairs this with the
//! pages and the pmap.

use alloc::collections::BTreeMap;

use crate::kern_return::*;

pub const PAGE_SIZE: u32 = 4096;
pub const VM_PROT_NONE: u32 = 0;
pub const VM_PROT_READ: u32 = 1;
pub const VM_PROT_WRITE: u32 = 2;
pub const VM_PROT_EXECUTE: u32 = 4;
pub const VM_PROT_DEFAULT: u32 = VM_PROT_READ | VM_PROT_WRITE;
pub const VM_PROT_ALL: u32 = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE;
pub const VM_INHERIT_SHARE: u32 = 0;
pub const VM_INHERIT_COPY: u32 = 1;
pub const VM_INHERIT_NONE: u32 = 2;
pub const VM_INHERIT_DEFAULT: u32 = VM_INHERIT_COPY;

/// One map entry's attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attrs {
    pub prot: u32,
    pub max_prot: u32,
    pub inheritance: u32,
    /// The memory object behind the entry (0: anonymous memory of this map).
    pub object: u32,
    /// Object offset of address `va` is `va + delta` (wrapping), so that
    /// clipping and coalescing keep offsets right without adjusting them.
    pub delta: u32,
    /// Writes go to private copies of the object's pages (`vm_map` with copy).
    pub copy: bool,
    /// `vm_wire`d: resident, never paged out.
    pub wired: bool,
}

impl Attrs {
    /// The object offset that address `va` of an entry with these attributes maps.
    pub fn offset(&self, va: u32) -> u32 {
        va.wrapping_add(self.delta)
    }
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs { prot: VM_PROT_DEFAULT, max_prot: VM_PROT_ALL, inheritance: VM_INHERIT_DEFAULT, object: 0, delta: 0, copy: false, wired: false }
    }
}

/// A map entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub start: u32,
    pub end: u32,
    pub attrs: Attrs,
}

/// Entries of one map between `min` and `max`.
#[derive(Clone, Debug)]
pub struct EntryMap {
    min: u32,
    max: u32,
    entries: BTreeMap<u32, Entry>,
}

/// Rounds `[addr, addr + size)` out to pages; `None` when it wraps.
pub fn page_range(addr: u32, size: u32) -> Option<(u32, u32)> {
    let start = addr & !(PAGE_SIZE - 1);
    let end = (u64::from(addr) + u64::from(size) + u64::from(PAGE_SIZE - 1)) & !u64::from(PAGE_SIZE - 1);
    u32::try_from(end).ok().map(|end| (start, end))
}

impl EntryMap {
    /// An empty map of `[min, max)`.
    pub fn new(min: u32, max: u32) -> Self {
        EntryMap { min, max, entries: BTreeMap::new() }
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The entry containing `addr`.
    pub fn lookup(&self, addr: u32) -> Option<&Entry> {
        self.entries.range(..=addr).next_back().map(|(_, e)| e).filter(|e| addr < e.end)
    }

    /// The first entry that ends after `addr` (for `vm_region`).
    pub fn at_or_after(&self, addr: u32) -> Option<&Entry> {
        self.lookup(addr).or_else(|| self.entries.range(addr..).next().map(|(_, e)| e))
    }

    fn overlaps(&self, start: u32, end: u32) -> bool {
        self.entries.range(..end).next_back().is_some_and(|(_, e)| e.end > start)
    }

    /// Finds room for `size` bytes at or above `hint` (first fit), at an
    /// address with the bits of `mask` clear.
    fn find_space(&self, hint: u32, size: u32, mask: u32) -> Option<u32> {
        let align = |a: u32| a.checked_add(mask).map(|x| x & !mask);
        let mut at = align(hint.max(self.min))?;
        for e in self.entries.values() {
            if e.end <= at {
                continue;
            }
            if e.start >= at && e.start - at >= size {
                return Some(at);
            }
            at = align(at.max(e.end))?;
        }
        (u64::from(at) + u64::from(size) <= u64::from(self.max)).then_some(at)
    }

    /// Enters a new entry for `size` bytes (page multiple) at `addr` or,
    /// with `anywhere`, at the first free place at or above `addr`.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` for a zero size, `KERN_INVALID_ADDRESS` for a
    /// fixed range outside the map, `KERN_NO_SPACE` when it overlaps or no room is left.
    pub fn allocate(&mut self, addr: u32, size: u32, anywhere: bool, attrs: Attrs) -> Result<u32, KernReturn> {
        self.allocate_masked(addr, size, 0, anywhere, attrs)
    }

    /// As [`EntryMap::allocate`]; an address found `anywhere` also has the
    /// bits of `mask` clear (`vm_map`'s alignment mask).
    ///
    /// # Errors
    /// As [`EntryMap::allocate`].
    pub fn allocate_masked(&mut self, addr: u32, size: u32, mask: u32, anywhere: bool, attrs: Attrs) -> Result<u32, KernReturn> {
        self.allocate_with(addr, size, mask, anywhere, |_| attrs)
    }

    /// As [`EntryMap::allocate_masked`], with the attributes made from the
    /// address found (object offsets depend on it).
    ///
    /// # Errors
    /// As [`EntryMap::allocate`].
    pub fn allocate_with(&mut self, addr: u32, size: u32, mask: u32, anywhere: bool, attrs: impl FnOnce(u32) -> Attrs) -> Result<u32, KernReturn> {
        let mask = mask | (PAGE_SIZE - 1);
        if size == 0 || size % PAGE_SIZE != 0 || addr % PAGE_SIZE != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let start = if anywhere {
            self.find_space(addr, size, mask).or_else(|| self.find_space(self.min, size, mask)).ok_or(KERN_NO_SPACE)?
        } else {
            let end = u64::from(addr) + u64::from(size);
            if addr < self.min || end > u64::from(self.max) {
                return Err(KERN_INVALID_ADDRESS);
            }
            if self.overlaps(addr, end as u32) {
                return Err(KERN_NO_SPACE);
            }
            addr
        };
        self.entries.insert(start, Entry { start, end: start + size, attrs: attrs(start) });
        Ok(start)
    }

    /// Splits the entry containing `addr` so that an entry starts at `addr`.
    fn clip(&mut self, addr: u32) {
        let Some(&e) = self.lookup(addr) else { return };
        if e.start == addr {
            return;
        }
        self.entries.insert(e.start, Entry { end: addr, ..e });
        self.entries.insert(addr, Entry { start: addr, ..e });
    }

    /// Removes `[start, end)` (page-aligned); holes are fine. Returns the removed pieces.
    pub fn remove(&mut self, start: u32, end: u32) -> alloc::vec::Vec<Entry> {
        self.clip(start);
        self.clip(end);
        let keys: alloc::vec::Vec<u32> = self.entries.range(start..end).map(|(k, _)| *k).collect();
        keys.iter().filter_map(|k| self.entries.remove(k)).collect()
    }

    /// Whether `[start, end)` is entirely covered by entries.
    pub fn covered(&self, start: u32, end: u32) -> bool {
        let mut at = start;
        while at < end {
            match self.lookup(at) {
                Some(e) => at = e.end,
                None => return false,
            }
        }
        true
    }

    /// Applies `f` to the attributes of `[start, end)`, which must be fully
    /// covered; coalesces after. Returns the changed pieces.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole in the range (nothing changes), or
    /// the error `f` returns for some piece (nothing changes).
    pub fn update(&mut self, start: u32, end: u32, f: impl Fn(Attrs) -> Result<Attrs, KernReturn>) -> Result<alloc::vec::Vec<Entry>, KernReturn> {
        if !self.covered(start, end) {
            return Err(KERN_INVALID_ADDRESS);
        }
        // Validate first so a refusal leaves the map as it was.
        for e in self.entries.range(..end).filter(|(_, e)| e.end > start) {
            f(e.1.attrs)?;
        }
        self.clip(start);
        self.clip(end);
        let mut changed = alloc::vec::Vec::new();
        for e in self.entries.range_mut(start..end).map(|(_, e)| e) {
            e.attrs = f(e.attrs)?;
            changed.push(*e);
        }
        self.coalesce_around(start, end);
        Ok(changed)
    }

    /// Merges touching entries with equal attributes from the entry
    /// before `start` to the one starting at `end` (what a change of
    /// `[start, end)` may have made mergeable): the cost is the entries
    /// changed, not the map's.
    fn coalesce_around(&mut self, start: u32, end: u32) {
        let mut k = self.entries.range(..start).next_back().map_or(start, |(k, _)| *k);
        while let Some((&ka, &a)) = self.entries.range(k..).next() {
            if ka > end {
                break;
            }
            match self.entries.get(&a.end) {
                Some(b) if b.attrs == a.attrs => {
                    let e = b.end;
                    self.entries.remove(&a.end);
                    self.entries.get_mut(&ka).expect("found above").end = e;
                    k = ka;
                }
                _ => k = a.end,
            }
        }
    }

    /// Sets the attributes of `[start, end)` (page-aligned, fully
    /// covered) to `attrs`, clipping and coalescing as [`EntryMap::update`].
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole in the range (nothing changes).
    pub fn set(&mut self, start: u32, end: u32, attrs: Attrs) -> Result<(), KernReturn> {
        if !self.covered(start, end) {
            return Err(KERN_INVALID_ADDRESS);
        }
        self.clip(start);
        self.clip(end);
        for e in self.entries.range_mut(start..end).map(|(_, e)| e) {
            e.attrs = attrs;
        }
        self.coalesce_around(start, end);
        Ok(())
    }

    /// Merges touching entries with equal attributes.
    pub fn coalesce(&mut self) {
        let mut out: BTreeMap<u32, Entry> = BTreeMap::new();
        let mut last: Option<Entry> = None;
        for e in self.entries.values() {
            match &mut last {
                Some(l) if l.end == e.start && l.attrs == e.attrs => l.end = e.end,
                _ => {
                    if let Some(l) = last.take() {
                        out.insert(l.start, l);
                    }
                    last = Some(*e);
                }
            }
        }
        if let Some(l) = last {
            out.insert(l.start, l);
        }
        self.entries = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u32 = 1 << 20;

    fn map() -> EntryMap {
        EntryMap::new(0, 0xC000_0000)
    }

    #[test]
    fn anywhere_is_first_fit_and_fixed_refuses_overlap() {
        let mut m = map();
        let a = m.allocate(0, 2 * PAGE_SIZE, true, Attrs::default()).unwrap();
        let b = m.allocate(0, PAGE_SIZE, true, Attrs::default()).unwrap();
        assert_eq!((a, b), (0, 2 * PAGE_SIZE));
        assert_eq!(m.allocate(PAGE_SIZE, PAGE_SIZE, false, Attrs::default()), Err(KERN_NO_SPACE));
        assert_eq!(m.allocate(0xC000_0000 - PAGE_SIZE, 2 * PAGE_SIZE, false, Attrs::default()), Err(KERN_INVALID_ADDRESS));
        assert_eq!(m.allocate(0, 0, true, Attrs::default()), Err(KERN_INVALID_ARGUMENT));
        let c = m.allocate(MB, PAGE_SIZE, true, Attrs::default()).unwrap();
        assert_eq!(c, MB);
        // Removing a middle piece leaves a hole the next first fit takes.
        m.remove(PAGE_SIZE, 2 * PAGE_SIZE);
        assert_eq!(m.allocate(0, PAGE_SIZE, true, Attrs::default()).unwrap(), PAGE_SIZE);
    }

    #[test]
    fn masked_allocations_are_aligned_and_object_offsets_survive_clipping() {
        let mut m = map();
        m.allocate(0, PAGE_SIZE, true, Attrs::default()).unwrap();
        let a = m.allocate_masked(0, PAGE_SIZE, 0xFFFF, true, Attrs::default()).unwrap();
        assert_eq!(a, 0x10000, "mask 0xFFFF asks for 64 KiB alignment");
        assert_eq!(m.allocate_masked(0xFFFF_F000, PAGE_SIZE, 0xFFF_FFFF, true, Attrs::default()), Ok(0x1000_0000), "a hint that wraps when aligned falls back to the bottom");
        // An object mapped at 0x40000 from offset 0x3000: clipping keeps offsets.
        let at = 0x40000;
        let attrs = Attrs { object: 7, delta: 0x3000u32.wrapping_sub(at), ..Attrs::default() };
        m.allocate(at, 4 * PAGE_SIZE, false, attrs).unwrap();
        m.update(at + PAGE_SIZE, at + 2 * PAGE_SIZE, |a| Ok(Attrs { prot: VM_PROT_READ, ..a })).unwrap();
        let mid = *m.lookup(at + PAGE_SIZE).unwrap();
        assert_eq!((mid.start, mid.attrs.offset(mid.start)), (at + PAGE_SIZE, 0x4000));
        assert_eq!(m.lookup(at + 3 * PAGE_SIZE).unwrap().attrs.offset(at + 3 * PAGE_SIZE), 0x6000);
        m.update(at + PAGE_SIZE, at + 2 * PAGE_SIZE, |a| Ok(Attrs { prot: VM_PROT_DEFAULT, ..a })).unwrap();
        assert_eq!(m.lookup(at).unwrap().end, at + 4 * PAGE_SIZE, "same object and delta coalesce");
    }

    #[test]
    fn clipping_on_partial_remove_and_protect() {
        let mut m = map();
        m.allocate(0x10000, 8 * PAGE_SIZE, false, Attrs::default()).unwrap();
        let gone = m.remove(0x12000, 0x14000);
        assert_eq!(gone.len(), 1);
        assert_eq!((gone[0].start, gone[0].end), (0x12000, 0x14000));
        let es: Vec<(u32, u32)> = m.entries().map(|e| (e.start, e.end)).collect();
        assert_eq!(es, vec![(0x10000, 0x12000), (0x14000, 0x18000)]);
        let ro = |a: Attrs| Ok(Attrs { prot: VM_PROT_READ, ..a });
        assert_eq!(m.update(0x11000, 0x15000, ro), Err(KERN_INVALID_ADDRESS));
        m.update(0x15000, 0x16000, ro).unwrap();
        let es: Vec<(u32, u32, u32)> = m.entries().map(|e| (e.start, e.end, e.attrs.prot)).collect();
        assert_eq!(es, vec![(0x10000, 0x12000, 3), (0x14000, 0x15000, 3), (0x15000, 0x16000, 1), (0x16000, 0x18000, 3)]);
        // Restoring the protection coalesces the three pieces back.
        m.update(0x15000, 0x16000, |a| Ok(Attrs { prot: VM_PROT_DEFAULT, ..a })).unwrap();
        let es: Vec<(u32, u32)> = m.entries().map(|e| (e.start, e.end)).collect();
        assert_eq!(es, vec![(0x10000, 0x12000), (0x14000, 0x18000)]);
    }

    #[test]
    fn refused_update_changes_nothing() {
        let mut m = map();
        m.allocate(0, 4 * PAGE_SIZE, false, Attrs::default()).unwrap();
        let before: Vec<Entry> = m.entries().copied().collect();
        let r = m.update(PAGE_SIZE, 3 * PAGE_SIZE, |_| Err(KERN_PROTECTION_FAILURE));
        assert_eq!(r, Err(KERN_PROTECTION_FAILURE));
        assert_eq!(m.entries().copied().collect::<Vec<_>>(), before);
    }

    #[test]
    fn lookup_and_region_search() {
        let mut m = map();
        m.allocate(0x8000, PAGE_SIZE, false, Attrs::default()).unwrap();
        assert!(m.lookup(0x7fff).is_none());
        assert_eq!(m.lookup(0x8fff).unwrap().start, 0x8000);
        assert!(m.lookup(0x9000).is_none());
        assert_eq!(m.at_or_after(0).unwrap().start, 0x8000);
        assert!(m.at_or_after(0x9000).is_none());
    }

    #[test]
    fn page_range_rounds_and_refuses_wrap() {
        assert_eq!(page_range(0x1001, 1), Some((0x1000, 0x2000)));
        assert_eq!(page_range(0x1000, 0), Some((0x1000, 0x1000)));
        assert_eq!(page_range(0xFFFF_F000, 0x2000), None);
    }

    #[test]
    fn full_map_has_no_space() {
        let mut m = EntryMap::new(0, 4 * PAGE_SIZE);
        m.allocate(0, 4 * PAGE_SIZE, true, Attrs::default()).unwrap();
        assert_eq!(m.allocate(0, PAGE_SIZE, true, Attrs::default()), Err(KERN_NO_SPACE));
    }
}
