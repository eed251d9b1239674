//! A task's address map: entries (`kerncore::vm_entries`), the pages behind
//! them, and the hardware pmap. Anonymous memory is demand-zero: a page is
//! allocated, zeroed and mapped at its first touch ([`VmMap::fault`], from
//! the page-fault handler or a kernel copy).
//!
//! Copy-on-write: `task_create` with inherited memory shares the parent's
//! resident pages with the child, mapped read-only on both sides; the first
//! write on either side copies the page (or, for its last owner, just makes
//! it writable again). Shared pages are counted in one table; a page goes
//! back to the allocator when its last owner lets it go. Memory objects and
//! paging come with the rest of the VM work.

use alloc::collections::BTreeMap;

use kerncore::kern_return::*;
use kerncore::vm_entries::{self, Attrs, Entry, EntryMap, PAGE_SIZE, VM_PROT_READ, VM_PROT_WRITE};

use super::pmap::{phys_to_virt, Pmap};
use super::vm_page::{self, Zone};
use crate::i386::uaccess::VM_MAX_ADDRESS;

/// Lowest user address (GNU Mach's `VM_MIN_ADDRESS` on i386). Fixed
/// allocations may use page 0; "anywhere" allocations start above it.
pub const VM_MIN_ADDRESS: u32 = 0;

pub struct VmMap {
    entries: EntryMap,
    /// Resident pages: user page address -> physical page.
    pages: BTreeMap<u32, u32>,
    /// Resident pages that must be copied before they are written.
    cow: alloc::collections::BTreeSet<u32>,
    pmap: Pmap,
}

/// Physical pages held by all task maps (for leak checks).
pub static USER_PAGES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// (pages held by task maps, pages shared by more than one map).
pub fn page_counts() -> (usize, usize) {
    (USER_PAGES.load(core::sync::atomic::Ordering::Relaxed), crate::i386::cpu::without_interrupts(|| SHARED.lock().len()))
}

/// Extra owners of shared physical pages (a page absent here has one owner).
static SHARED: spin::Mutex<BTreeMap<u32, u32>> = spin::Mutex::new(BTreeMap::new());

/// Adds an owner to page `pa`.
fn page_ref(pa: u32) {
    crate::i386::cpu::without_interrupts(|| *SHARED.lock().entry(pa).or_insert(0) += 1);
}

/// Drops an owner of page `pa`, freeing it with its last owner.
fn page_unref(pa: u32) {
    let last = crate::i386::cpu::without_interrupts(|| {
        let mut m = SHARED.lock();
        match m.get_mut(&pa) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                m.remove(&pa);
                false
            }
            None => true,
        }
    });
    if last {
        let _ = vm_page::free_pages(pa, 0);
        USER_PAGES.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether page `pa` has more than one owner.
fn page_shared(pa: u32) -> bool {
    crate::i386::cpu::without_interrupts(|| SHARED.lock().contains_key(&pa))
}

/// System-wide VM counters (`vm_statistics`).
pub struct Stats {
    pub faults: core::sync::atomic::AtomicU32,
    pub zero_fills: core::sync::atomic::AtomicU32,
    pub cow_faults: core::sync::atomic::AtomicU32,
}

pub static STATS: Stats = Stats {
    faults: core::sync::atomic::AtomicU32::new(0),
    zero_fills: core::sync::atomic::AtomicU32::new(0),
    cow_faults: core::sync::atomic::AtomicU32::new(0),
};

fn zeroed_page() -> Option<u32> {
    let pa = vm_page::alloc_page(Zone::Any)?;
    USER_PAGES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: a fresh page from the allocator, in the linear map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(pa)
}

impl VmMap {
    /// An empty map.
    ///
    /// # Errors
    /// `KERN_RESOURCE_SHORTAGE` without a page for the page directory.
    pub fn new() -> Result<Self, KernReturn> {
        Ok(VmMap {
            entries: EntryMap::new(VM_MIN_ADDRESS, VM_MAX_ADDRESS),
            pages: BTreeMap::new(),
            cow: alloc::collections::BTreeSet::new(),
            pmap: Pmap::new().map_err(|_| KERN_RESOURCE_SHORTAGE)?,
        })
    }

    /// Physical address of the page directory.
    pub fn page_dir(&self) -> u32 {
        self.pmap.dir()
    }

    /// Bytes mapped (all entries).
    pub fn virtual_size(&self) -> u32 {
        self.entries.entries().map(|e| e.end - e.start).sum()
    }

    /// Pages resident in this map.
    pub fn resident_pages(&self) -> usize {
        self.pages.len()
    }

    fn map_page(&mut self, va: u32, pa: u32, prot: u32) -> Result<(), KernReturn> {
        if prot & (VM_PROT_READ | VM_PROT_WRITE | vm_entries::VM_PROT_EXECUTE) == 0 {
            let _ = self.pmap.remove(va);
            return Ok(());
        }
        // A copy-on-write page stays read-only until it is copied.
        let writable = prot & VM_PROT_WRITE != 0 && !self.cow.contains(&va);
        self.pmap.enter(va, pa, writable).map_err(|_| KERN_RESOURCE_SHORTAGE)
    }

    /// Gives page `va` (copy-on-write) an owner of its own: a copy when the
    /// physical page is shared, or just the page when this map is its last
    /// owner. Returns the physical page now behind `va`.
    fn break_cow(&mut self, va: u32) -> Result<u32, KernReturn> {
        let old = *self.pages.get(&va).ok_or(KERN_INVALID_ADDRESS)?;
        if !self.cow.contains(&va) {
            return Ok(old);
        }
        let pa = if page_shared(old) {
            let new = vm_page::alloc_page(Zone::Any).ok_or(KERN_RESOURCE_SHORTAGE)?;
            USER_PAGES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            // SAFETY: both are whole pages in the linear map; `new` is fresh.
            unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(old) as *const u8, phys_to_virt(new) as *mut u8, PAGE_SIZE as usize) };
            page_unref(old);
            self.pages.insert(va, new);
            new
        } else {
            old
        };
        self.cow.remove(&va);
        STATS.cow_faults.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        Ok(pa)
    }

    /// `vm_allocate`: zero-filled memory at `addr` (or anywhere from `addr` up).
    ///
    /// # Errors
    /// As [`EntryMap::allocate`], plus `KERN_RESOURCE_SHORTAGE` when pages run out
    /// (nothing stays allocated then).
    pub fn allocate(&mut self, addr: u32, size: u32, anywhere: bool) -> Result<u32, KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ARGUMENT)?;
        if end == start {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let size = end - start;
        // "Anywhere" never hands out page 0, so no allocation is at NULL.
        let start = if anywhere { start.max(PAGE_SIZE) } else { start };
        // Demand-zero: pages come at their first touch.
        self.entries.allocate(start, size, anywhere, Attrs::default())
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
        let zone = if pmax <= u64::from(vm_page::DMA_LIMIT) { Zone::Dma } else { Zone::Any };
        // Buddy runs are aligned to their power-of-two size: ask for enough
        // pages that the run's alignment covers `palign`.
        let want = pages.max((palign / u64::from(PAGE_SIZE)) as usize).next_power_of_two();
        let pa = vm_page::alloc_contig(want, zone).ok_or(KERN_RESOURCE_SHORTAGE)?;
        let end = u64::from(pa) + u64::from(size);
        if u64::from(pa) < pmin || end > pmax || u64::from(pa) % palign != 0 {
            let _ = vm_page::free_contig(pa, want);
            return Err(KERN_RESOURCE_SHORTAGE);
        }
        if want > pages {
            let _ = vm_page::free_contig(pa + (pages as u32) * PAGE_SIZE, want - pages);
        }
        USER_PAGES.fetch_add(pages, core::sync::atomic::Ordering::Relaxed);
        let at = match self.entries.allocate(PAGE_SIZE, pages as u32 * PAGE_SIZE, true, Attrs::default()) {
            Ok(a) => a,
            Err(e) => {
                let _ = vm_page::free_contig(pa, pages);
                USER_PAGES.fetch_sub(pages, core::sync::atomic::Ordering::Relaxed);
                return Err(e);
            }
        };
        for i in 0..pages as u32 {
            let (va, p) = (at + i * PAGE_SIZE, pa + i * PAGE_SIZE);
            // SAFETY: a page just allocated to this map, in the linear map.
            unsafe { core::ptr::write_bytes(phys_to_virt(p) as *mut u8, 0, PAGE_SIZE as usize) };
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
        if end > VM_MAX_ADDRESS {
            return Err(KERN_INVALID_ARGUMENT);
        }
        for e in self.entries.remove(start, end) {
            self.free_pages(e.start, e.end);
        }
        Ok(())
    }

    fn free_pages(&mut self, start: u32, end: u32) {
        let vas: alloc::vec::Vec<u32> = self.pages.range(start..end).map(|(va, _)| *va).collect();
        for va in vas {
            let pa = self.pages.remove(&va).expect("listed above");
            self.cow.remove(&va);
            let _ = self.pmap.remove(va);
            page_unref(pa);
        }
    }

    /// `vm_protect`: sets the protection (or, with `set_max`, the maximum
    /// protection, which also lowers the current one) of a mapped range.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` for a hole in the range, `KERN_PROTECTION_FAILURE`
    /// for a protection above the maximum; nothing changes then.
    pub fn protect(&mut self, addr: u32, size: u32, set_max: bool, prot: u32) -> Result<(), KernReturn> {
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ARGUMENT)?;
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
            let pages: alloc::vec::Vec<(u32, u32)> = self.pages.range(e.start..e.end).map(|(a, b)| (*a, *b)).collect();
            for (va, pa) in pages {
                self.map_page(va, pa, e.attrs.prot)?;
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
        let (start, end) = vm_entries::page_range(addr, size).ok_or(KERN_INVALID_ARGUMENT)?;
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
        STATS.faults.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        let pa = match self.pages.get(&page) {
            Some(_) if write => self.break_cow(page)?,
            Some(&pa) => pa,
            None => {
                let pa = zeroed_page().ok_or(KERN_RESOURCE_SHORTAGE)?;
                self.pages.insert(page, pa);
                STATS.zero_fills.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                pa
            }
        };
        self.map_page(page, pa, prot)
    }

    /// The physical page behind `page`, made this map's own to write
    /// (allocated now if the entry has none yet, copied if copy-on-write).
    fn resident(&mut self, page: u32) -> Result<u32, KernReturn> {
        if self.pages.contains_key(&page) {
            let pa = self.break_cow(page)?;
            let prot = self.entries.lookup(page).map_or(0, |e| e.attrs.prot);
            self.map_page(page, pa, prot)?;
            return Ok(pa);
        }
        let e = self.entries.lookup(page).copied().ok_or(KERN_INVALID_ADDRESS)?;
        let pa = zeroed_page().ok_or(KERN_RESOURCE_SHORTAGE)?;
        self.pages.insert(page, pa);
        STATS.zero_fills.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        self.map_page(page, pa, e.attrs.prot)?;
        Ok(pa)
    }

    /// Reads `len` bytes at user address `va` through the kernel's view
    /// (`vm_read`): untouched pages read as zeros.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if part of the range is not allocated,
    /// `KERN_PROTECTION_FAILURE` if it is not readable.
    pub fn read_kernel(&self, va: u32, len: u32) -> Result<alloc::vec::Vec<u8>, KernReturn> {
        let end = va.checked_add(len).ok_or(KERN_INVALID_ADDRESS)?;
        let (pstart, pend) = vm_entries::page_range(va, len).ok_or(KERN_INVALID_ADDRESS)?;
        if !self.entries.covered(pstart, pend) {
            return Err(KERN_INVALID_ADDRESS);
        }
        let mut out = alloc::vec![0u8; len as usize];
        let mut at = va;
        while at < end {
            let page = at & !(PAGE_SIZE - 1);
            let e = self.entries.lookup(page).ok_or(KERN_INVALID_ADDRESS)?;
            if e.attrs.prot & VM_PROT_READ == 0 {
                return Err(KERN_PROTECTION_FAILURE);
            }
            let off = (at - page) as usize;
            let n = ((page + PAGE_SIZE).min(end) - at) as usize;
            if let Some(&pa) = self.pages.get(&page) {
                let dst = (at - va) as usize;
                // SAFETY: `pa` is a page of this map in the linear map; `off + n` stays in it.
                unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(pa) + off) as *const u8, out[dst..dst + n].as_mut_ptr(), n) };
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
            // SAFETY: `pa` is a page of this map, in the linear map; `off + n` stays in the page.
            unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), (phys_to_virt(pa) + off) as *mut u8, n) };
            data = &data[n..];
            va += n as u32;
        }
        Ok(())
    }
}

impl VmMap {
    /// Gives this empty map the inheritable entries of `parent`, for
    /// `task_create` with inherited memory: `VM_INHERIT_COPY` pages are shared
    /// copy-on-write (read-only on both sides until written), `VM_INHERIT_SHARE`
    /// pages are shared writable (for the pages resident now; pages touched
    /// later are each side's own until shared memory objects exist).
    ///
    /// # Errors
    /// `KERN_RESOURCE_SHORTAGE` without memory for page tables (what was
    /// shared stays; the caller destroys the map).
    pub fn copy_from(&mut self, parent: &mut VmMap) -> Result<(), KernReturn> {
        let entries: alloc::vec::Vec<Entry> = parent.entries.entries().copied().collect();
        for e in entries.iter().filter(|e| e.attrs.inheritance != vm_entries::VM_INHERIT_NONE) {
            self.entries.allocate(e.start, e.end - e.start, false, e.attrs)?;
            let pages: alloc::vec::Vec<(u32, u32)> = parent.pages.range(e.start..e.end).map(|(a, b)| (*a, *b)).collect();
            let cow = e.attrs.inheritance == vm_entries::VM_INHERIT_COPY;
            for (va, pa) in pages {
                page_ref(pa);
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

impl Drop for VmMap {
    fn drop(&mut self) {
        let all: alloc::vec::Vec<u32> = self.pages.values().copied().collect();
        self.pages.clear();
        for pa in all {
            page_unref(pa);
        }
    }
}
