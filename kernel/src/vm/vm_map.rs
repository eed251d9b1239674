//! Task address maps: `kerncore::vm_map::VmMap` (entries, demand-zero pages,
//! copy-on-write; tested on the host) over [`KernelMachine`], the i386 pmap
//! and the page allocator, with system-wide page owner counts.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use kerncore::kern_return::*;
use kerncore::vm_entries::PAGE_SIZE;
use kerncore::vm_map::{CopySeg, Machine, Note};

use super::pmap::{phys_to_virt, Pmap};
use super::vm_page::{self, Zone};
use crate::i386::cpu;
use crate::i386::uaccess::VM_MAX_ADDRESS;
use crate::kern::task::TaskId;

/// A task's address map.
pub type VmMap = kerncore::vm_map::VmMap<KernelMachine>;

/// A new, empty task map.
///
/// # Errors
/// `KERN_RESOURCE_SHORTAGE` without a page for the page directory.
pub fn new_map(task: TaskId) -> Result<VmMap, KernReturn> {
    let pmap = Pmap::new().map_err(|_| KERN_RESOURCE_SHORTAGE)?;
    let mut map = VmMap::new(KernelMachine { pmap, task, wait: None, swap: None }, VM_MAX_ADDRESS);
    // GNU Mach's default size limits: the machine's memory, both current and
    // maximum (`vm_set_size_limit` with the privileged host port raises them).
    let mem = u32::try_from(crate::kern::bootinfo::get().info.usable_bytes()).unwrap_or(u32::MAX);
    map.set_size_limit(mem, mem, true)?;
    Ok(map)
}

/// System-wide VM counters (`vm_statistics`).
pub struct Stats {
    pub faults: AtomicU32,
    pub zero_fills: AtomicU32,
    pub cow_faults: AtomicU32,
    /// Paged-out pages brought back.
    pub pageins: AtomicU32,
}

pub static STATS: Stats = Stats { faults: AtomicU32::new(0), zero_fills: AtomicU32::new(0), cow_faults: AtomicU32::new(0), pageins: AtomicU32::new(0) };

/// Physical pages held by all task maps (for leak checks).
static USER_PAGES: AtomicUsize = AtomicUsize::new(0);



/// Extra owners of shared physical pages (a page absent here has one owner).
static SHARED: spin::Mutex<kerncore::page_table::PageTable> = spin::Mutex::new(kerncore::page_table::PageTable::new());

/// (pages held by task maps, pages shared by more than one map).
pub fn page_counts() -> (usize, usize) {
    (USER_PAGES.load(Ordering::Relaxed), cpu::without_interrupts(|| SHARED.lock().len()))
}

/// Out-of-line regions from this size up travel copy-on-write.
pub const OOL_COW_MIN: u32 = 2 * PAGE_SIZE;

/// One more owner of user page `pa`.
fn share_page(pa: u32) {
    cpu::without_interrupts(|| {
        let mut m = SHARED.lock();
        let n = m.get(&pa).copied().unwrap_or(0);
        m.insert(pa, n + 1);
    });
}

/// One owner fewer of user page `pa`; the last one frees it.
fn release_page(pa: u32) {
    let last = cpu::without_interrupts(|| {
        let mut m = SHARED.lock();
        match m.get(&pa).copied() {
            Some(n) if n > 1 => {
                m.insert(pa, n - 1);
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
        USER_PAGES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Out-of-line data held as a sender's pages (copy-on-write), with an owner
/// of each page until the message is received or destroyed.
#[derive(Debug)]
pub struct PageRun {
    pages: alloc::vec::Vec<Option<u32>>,
    /// Offset of the data in its first page.
    offset: u32,
    len: u32,
}

impl PageRun {
    /// A run of `pages` (already owned for the run) holding `len` bytes from
    /// `offset` in the first page.
    pub fn new(pages: alloc::vec::Vec<Option<u32>>, offset: u32, len: u32) -> Self {
        PageRun { pages, offset, len }
    }

    /// `len` bytes of fresh pages as the allocator gives them (taken as a
    /// task's would be, never below the kernel's reserve), for a device's
    /// DMA to fill: whoever makes the run writes every byte of every page
    /// (or zeroes it) before it reaches a task. `None` without the pages
    /// (those taken go back).
    pub fn unzeroed(len: u32) -> Option<Self> {
        let n = len.div_ceil(PAGE_SIZE) as usize;
        let mut pages = alloc::vec::Vec::new();
        pages.try_reserve_exact(n).ok()?;
        let mut run = PageRun { pages, offset: 0, len };
        let task = crate::kern::task::current().unwrap_or(0);
        for _ in 0..n {
            let pa = alloc_user_page(task)?;
            USER_PAGES.fetch_add(1, Ordering::Relaxed);
            run.pages.push(Some(pa));
        }
        Some(run)
    }

    /// Copies `out.len()` bytes of the data from byte `at` into `out`
    /// (zeros for holes); what lies past the data is left alone.
    pub fn read(&self, at: u32, out: &mut [u8]) {
        let mut done = 0usize;
        let end = out.len().min(self.len.saturating_sub(at) as usize);
        while done < end {
            let pos = (self.offset + at) as usize + done;
            let Some(p) = self.pages.get(pos / PAGE_SIZE as usize) else { return };
            let off = pos % PAGE_SIZE as usize;
            let n = (PAGE_SIZE as usize - off).min(end - done);
            match p {
                // SAFETY: a page the run owns, in the linear map; `off + n` stays in it.
                Some(pa) => unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(*pa) + off) as *const u8, out[done..].as_mut_ptr(), n) },
                None => out[done..done + n].fill(0),
            }
            done += n;
        }
    }

    /// Copies `data` into the run at byte `at` (a run made by [`PageRun::zeroed`]);
    /// what does not fit is left out.
    pub fn write(&mut self, at: u32, data: &[u8]) {
        let mut done = 0usize;
        while done < data.len() {
            let pos = at as usize + done;
            let Some(Some(pa)) = self.pages.get(pos / PAGE_SIZE as usize) else { return };
            let off = pos % PAGE_SIZE as usize;
            let n = (PAGE_SIZE as usize - off).min(data.len() - done);
            // SAFETY: a page the run owns, in the linear map; `off + n` stays in it.
            unsafe { core::ptr::copy_nonoverlapping(data[done..].as_ptr(), (phys_to_virt(*pa) + off) as *mut u8, n) };
            done += n;
        }
    }

    /// Shortens the run to `len` bytes, giving back the pages past them.
    pub fn truncate(&mut self, len: u32) {
        if len >= self.len {
            return;
        }
        self.len = len;
        let keep = (self.offset + len).div_ceil(PAGE_SIZE) as usize;
        for pa in self.pages.drain(keep.min(self.pages.len())..).flatten() {
            release_page(pa);
        }
    }

    pub fn pages(&self) -> &[Option<u32>] {
        &self.pages
    }

    pub fn offset(&self) -> u32 {
        self.offset
    }
}

impl mach_ipc::OolPages for PageRun {
    fn len(&self) -> u32 {
        self.len
    }

    fn to_bytes(&self) -> Option<alloc::vec::Vec<u8>> {
        let mut out = crate::vm::kalloc::try_zeroed(self.len as usize)?;
        let mut at = 0usize;
        let mut off = self.offset as usize;
        for p in &self.pages {
            if at >= out.len() {
                break;
            }
            let n = (PAGE_SIZE as usize - off).min(out.len() - at);
            if let Some(pa) = p {
                // SAFETY: a page the run owns, in the linear map.
                unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(*pa) + off) as *const u8, out[at..].as_mut_ptr(), n) };
            }
            at += n;
            off = 0;
        }
        Some(out)
    }

    fn into_any(self: alloc::boxed::Box<Self>) -> alloc::boxed::Box<dyn core::any::Any> {
        self
    }
}

impl Drop for PageRun {
    fn drop(&mut self) {
        for pa in self.pages.iter().flatten() {
            release_page(*pa);
        }
    }
}

/// Out-of-line data held as pieces of frozen memory objects (see
/// `VmMap::copy_out_of`): a copy of the sender's memory made by moving map
/// entries, not pages. Each object is held until the copy is mapped into
/// the receiver (`VmMap::insert_copy`) or destroyed.
#[derive(Debug)]
pub struct ObjectCopy {
    segs: alloc::vec::Vec<CopySeg>,
    /// Offset of the data in its first page.
    offset: u32,
    len: u32,
}

impl ObjectCopy {
    /// A copy of `len` bytes starting `offset` bytes into the first page
    /// of `segs` (whose holds it takes over).
    pub fn new(segs: alloc::vec::Vec<CopySeg>, offset: u32, len: u32) -> Self {
        ObjectCopy { segs, offset, len }
    }

    pub fn segs(&self) -> &[CopySeg] {
        &self.segs
    }

    pub fn offset(&self) -> u32 {
        self.offset
    }
}

impl ObjectCopy {
    /// Hands the data to `put` a page's piece at a time, in order, as
    /// (byte offset in the data, bytes): zeros where the sender never wrote.
    /// `None` when a page is with the default pager (the kernel may not wait
    /// here) or there is no memory for the one-page buffer.
    fn each_piece(&self, mut put: impl FnMut(u32, &[u8])) -> Option<()> {
        let mut page = crate::vm::kalloc::try_zeroed(PAGE_SIZE as usize)?;
        let (mut at, mut skip) = (0usize, self.offset as usize);
        let len = self.len as usize;
        for s in &self.segs {
            let mut off = 0u32;
            while off < s.size && at < len {
                let from = skip.min(PAGE_SIZE as usize);
                let n = (PAGE_SIZE as usize - from).min(len - at);
                skip -= from;
                if n > 0 {
                    page[..n].fill(0);
                    if s.object != 0 && !super::vm_object::read(s.object, s.offset + off + from as u32, &mut page[..n]) {
                        return None;
                    }
                    put(at as u32, &page[..n]);
                }
                at += n;
                off += PAGE_SIZE;
            }
        }
        Some(())
    }

    /// The data in fresh kernel pages, starting at the first page's start
    /// (for a device whose DMA reads a [`PageRun`]): one copy, with no
    /// buffer sized by the message. `None` as for [`Self::each_piece`], or
    /// without the pages.
    pub fn to_page_run(&self) -> Option<PageRun> {
        let mut run = PageRun::unzeroed(self.len)?;
        self.each_piece(|at, bytes| run.write(at, bytes))?;
        Some(run)
    }
}

impl mach_ipc::OolPages for ObjectCopy {
    fn len(&self) -> u32 {
        self.len
    }

    /// For the kernel as receiver: reads the objects' pages (zeros where
    /// never touched); `None` without memory, or when a page is with the
    /// default pager (the kernel may not wait here).
    fn to_bytes(&self) -> Option<alloc::vec::Vec<u8>> {
        let mut out = crate::vm::kalloc::try_zeroed(self.len as usize)?;
        self.each_piece(|at, bytes| out[at as usize..at as usize + bytes.len()].copy_from_slice(bytes))?;
        Some(out)
    }

    fn into_any(self: alloc::boxed::Box<Self>) -> alloc::boxed::Box<dyn core::any::Any> {
        self
    }
}

impl Drop for ObjectCopy {
    fn drop(&mut self) {
        for s in self.segs.iter().filter(|s| s.object != 0) {
            super::vm_object::unhold(s.object);
        }
    }
}

fn zero(pa: u32) {
    // SAFETY: a whole page from the allocator, in the linear map, owned by the caller.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
}

/// The i386 side of a task map: its pmap, pages from `vm_page`, and the
/// memory objects of `vm_object`.
pub struct KernelMachine {
    pub pmap: Pmap,
    /// The task whose map this is (objects know their mappers).
    pub task: TaskId,
    /// What the last fault must wait for (it returned `KERN_FAULT_RETRY`).
    pub wait: Option<super::vm_object::Wait>,
    /// The temporary object holding this map's paged-out pages (made at the
    /// first page-out).
    pub swap: Option<u32>,
}

impl Drop for KernelMachine {
    fn drop(&mut self) {
        if let Some(obj) = self.swap.take() {
            super::vm_object::release(obj, self.task);
        }
    }
}

/// Whether task `task` may have a page brought in now: a page-in takes a
/// free page (the pager's data lands in one), so below the reserve it waits
/// for the page-out daemon like any allocation.
fn may_page_in(task: TaskId) -> bool {
    let (_, free) = vm_page::free_counts();
    if free <= super::pageout::LOW {
        super::pageout::wake();
    }
    free > super::pageout::RESERVE || pages_for_paging(task)
}

/// Whether the running thread works for paging: the default pager's task,
/// or a thread made VM-privileged with `thread_wire`.
fn pages_for_paging(task: TaskId) -> bool {
    super::vm_object::default_pager_task() == Some(task) || crate::kern::sched_prim::current_vm_privileged()
}

/// A fresh page for a task map, unless free memory is down to what the
/// kernel keeps for itself (the default pager's task may go lower, so that
/// paging can go on); running low wakes the page-out daemon.
fn alloc_user_page(task: TaskId) -> Option<u32> {
    let (_, free) = vm_page::free_counts();
    let reserve = if pages_for_paging(task) { super::pageout::PAGER_RESERVE } else { super::pageout::RESERVE };
    if free <= super::pageout::LOW {
        super::pageout::wake();
    }
    if free <= reserve {
        return None;
    }
    vm_page::alloc_page(Zone::Any)
}

impl Machine for KernelMachine {
    fn alloc_zeroed(&mut self) -> Option<u32> {
        let pa = alloc_user_page(self.task)?;
        zero(pa);
        USER_PAGES.fetch_add(1, Ordering::Relaxed);
        Some(pa)
    }

    fn alloc_copy(&mut self, from: u32) -> Option<u32> {
        let pa = alloc_user_page(self.task)?;
        // SAFETY: both are whole pages in the linear map; `pa` is fresh.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(from) as *const u8, phys_to_virt(pa) as *mut u8, PAGE_SIZE as usize) };
        USER_PAGES.fetch_add(1, Ordering::Relaxed);
        Some(pa)
    }

    fn alloc_contig(&mut self, count: usize, pmin: u64, pmax: u64, align: u64) -> Option<u32> {
        let zone = if pmax <= u64::from(vm_page::DMA_LIMIT) { Zone::Dma } else { Zone::Any };
        // Buddy runs are aligned to their power-of-two size: ask for enough
        // pages that the run's alignment covers `align`.
        let want = count.max((align / u64::from(PAGE_SIZE)) as usize).next_power_of_two();
        let pa = vm_page::alloc_contig(want, zone)?;
        let end = u64::from(pa) + (count as u64) * u64::from(PAGE_SIZE);
        if u64::from(pa) < pmin || end > pmax || u64::from(pa) % align.max(1) != 0 {
            let _ = vm_page::free_contig(pa, want);
            return None;
        }
        if want > count {
            let _ = vm_page::free_contig(pa + (count as u32) * PAGE_SIZE, want - count);
        }
        for i in 0..count as u32 {
            zero(pa + i * PAGE_SIZE);
        }
        USER_PAGES.fetch_add(count, Ordering::Relaxed);
        Some(pa)
    }

    fn share(&mut self, pa: u32) {
        share_page(pa);
    }

    fn release(&mut self, pa: u32) {
        release_page(pa);
    }

    fn is_shared(&self, pa: u32) -> bool {
        cpu::without_interrupts(|| SHARED.lock().contains_key(&pa))
    }

    fn map(&mut self, va: u32, pa: u32, writable: bool) -> Result<(), ()> {
        self.pmap.enter(va, pa, writable).map_err(|_| ())
    }

    fn unmap(&mut self, va: u32) {
        let _ = self.pmap.remove(va);
    }

    fn batch_begin(&mut self) {
        self.pmap.batch_begin();
    }

    fn batch_end(&mut self) {
        self.pmap.batch_end();
    }

    fn read(&self, pa: u32, off: usize, buf: &mut [u8]) {
        assert!(off + buf.len() <= PAGE_SIZE as usize);
        // SAFETY: `pa` is a page of this map in the linear map; the range stays in it.
        unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(pa) + off) as *const u8, buf.as_mut_ptr(), buf.len()) };
    }

    fn write(&mut self, pa: u32, off: usize, data: &[u8]) {
        assert!(off + data.len() <= PAGE_SIZE as usize);
        // SAFETY: as in `read`, for a page this map owns.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), (phys_to_virt(pa) + off) as *mut u8, data.len()) };
    }

    fn object_page(&mut self, obj: u32, offset: u32, write: bool) -> Result<u32, KernReturn> {
        if super::vm_object::peek_resident(obj, offset).is_none() && !may_page_in(self.task) {
            return Err(KERN_RESOURCE_SHORTAGE);
        }
        match super::vm_object::lookup(obj, offset, write) {
            Ok(pa) => Ok(pa),
            Err(Ok(w)) => {
                self.wait = Some(w);
                Err(kerncore::vm_map::KERN_FAULT_RETRY)
            }
            Err(Err(e)) => Err(e),
        }
    }

    fn object_peek(&self, obj: u32, offset: u32) -> Option<u32> {
        super::vm_object::peek(obj, offset)
    }

    fn swap_in(&mut self, va: u32) -> Result<u32, KernReturn> {
        let obj = self.swap.ok_or(KERN_MEMORY_FAILURE)?;
        if !may_page_in(self.task) {
            return Err(KERN_RESOURCE_SHORTAGE);
        }
        match super::vm_object::swap_in(obj, va) {
            Ok(pa) => {
                USER_PAGES.fetch_add(1, Ordering::Relaxed);
                STATS.pageins.fetch_add(1, Ordering::Relaxed);
                Ok(pa)
            }
            Err(Ok(w)) => {
                self.wait = Some(w);
                Err(kerncore::vm_map::KERN_FAULT_RETRY)
            }
            Err(Err(e)) => Err(e),
        }
    }

    fn object_create_anonymous(&mut self, pages: &[(u32, u32)]) -> Option<u32> {
        let obj = super::vm_object::create_anonymous(pages)?;
        // The pages are the object's now.
        USER_PAGES.fetch_sub(pages.len(), Ordering::Relaxed);
        Some(obj)
    }

    fn object_ref(&mut self, obj: u32) {
        super::vm_object::reference(obj, self.task);
    }

    fn object_paged(&self, obj: u32) -> bool {
        super::vm_object::is_paged(obj)
    }

    fn object_create_frozen(&mut self, pages: &[(u32, u32)]) -> Option<u32> {
        let obj = super::vm_object::create_frozen(pages);
        // The pages are the object's now.
        USER_PAGES.fetch_sub(pages.len(), Ordering::Relaxed);
        Some(obj)
    }

    fn object_frozen(&self, obj: u32) -> bool {
        super::vm_object::is_frozen(obj)
    }

    fn object_exclusive(&self, obj: u32) -> bool {
        super::vm_object::exclusive(obj, self.task)
    }

    fn object_fold(&mut self, obj: u32, pages: &[(u32, u32)]) {
        super::vm_object::fold(obj, pages);
        USER_PAGES.fetch_sub(pages.len(), Ordering::Relaxed);
    }

    fn object_hold(&mut self, obj: u32) {
        super::vm_object::hold(obj);
    }

    fn object_unhold(&mut self, obj: u32) {
        super::vm_object::unhold(obj);
    }

    fn object_unref(&mut self, obj: u32) {
        super::vm_object::release(obj, self.task);
    }

    fn note(&mut self, what: Note) {
        let c = match what {
            Note::Fault => &STATS.faults,
            Note::ZeroFill => &STATS.zero_fills,
            Note::CowCopy => &STATS.cow_faults,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}
