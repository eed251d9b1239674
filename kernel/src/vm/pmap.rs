//! The kernel's page directory and the linear map of physical memory.
//!
//! As in GNU Mach on i386, physical memory is mapped linearly at
//! `KERNEL_BASE` = 0xC0000000 (here with 4 MiB pages, up to [`LINEAR_MAX`]),
//! user space is 0 .. 0xC0000000, and 0xF0000000 and up is kept for kernel
//! virtual mappings (device memory) of later work. Every address space will
//! share the kernel half of this directory.

use core::arch::asm;

/// Where physical address 0 appears in every address space.
pub const KERNEL_BASE: u32 = 0xC000_0000;
/// Bytes of physical memory the linear map can cover (768 MiB).
pub const LINEAR_MAX: u32 = 0x3000_0000;
const PDE_SHIFT: u32 = 22;
const PDE_PRESENT: u32 = 1;

extern "C" {
    static mut boot_page_dir: [u32; 1024];
    static __kernel_start: u8;
    static __kernel_end: u8;
}

/// The kernel-virtual address of physical `pa` (which must be below [`LINEAR_MAX`]).
#[inline]
pub const fn phys_to_virt(pa: u32) -> usize {
    (pa + KERNEL_BASE) as usize
}

/// The physical address behind a linear-map address.
#[inline]
pub fn virt_to_phys(va: usize) -> u32 {
    debug_assert!(va >= KERNEL_BASE as usize && va < (KERNEL_BASE + LINEAR_MAX) as usize);
    va as u32 - KERNEL_BASE
}

/// Physical range `[start, end)` of the kernel image (text, data and bss).
pub fn kernel_image() -> (u32, u32) {
    // SAFETY: linker-script symbols; only their addresses are used.
    unsafe { (virt_to_phys(&__kernel_start as *const u8 as usize), virt_to_phys(&__kernel_end as *const u8 as usize)) }
}

/// Physical address of the kernel page directory.
pub fn kernel_page_dir() -> u32 {
    // SAFETY: only the address of the static is taken.
    virt_to_phys(core::ptr::addr_of!(boot_page_dir) as usize)
}

/// Drops the boot identity map and the linear map beyond `ram_top`, so that a
/// stray pointer into user space or past RAM faults instead of reading junk.
/// Returns the bytes the linear map covers now.
pub fn init(ram_top: u64) -> u32 {
    let top = ram_top.min(u64::from(LINEAR_MAX));
    let pdes = top.div_ceil(1 << PDE_SHIFT) as usize;
    // SAFETY: start-up runs alone with interrupts off; the entries cleared map
    // nothing the kernel uses (the boot code left the identity region, RAM
    // ends before `top`), and CR3 is reloaded to flush the TLB.
    unsafe {
        let pd = &mut *core::ptr::addr_of_mut!(boot_page_dir);
        pd[0] = 0;
        for pde in pd[768 + pdes..768 + (LINEAR_MAX >> PDE_SHIFT) as usize].iter_mut() {
            *pde = 0;
        }
        asm!("mov {0}, cr3", "mov cr3, {0}", out(reg) _, options(nostack));
    }
    (pdes as u32) << PDE_SHIFT
}

/// Whether `[va, va + len)` lies in the present part of the linear map.
pub fn linear_mapped(va: usize, len: usize) -> bool {
    let Some(end) = va.checked_add(len) else { return false };
    if va < KERNEL_BASE as usize || end > (KERNEL_BASE + LINEAR_MAX) as usize {
        return false;
    }
    // SAFETY: reads of the static page directory.
    let pd = unsafe { &*core::ptr::addr_of!(boot_page_dir) };
    (va >> PDE_SHIFT..=(end.max(va + 1) - 1) >> PDE_SHIFT).all(|i| pd[i] & PDE_PRESENT != 0)
}

/// First page-directory slot of the kernel's window onto physical memory
/// outside the linear map (0xF0000000 up to 0xFFC00000).
const WINDOW_FIRST_PDE: usize = 960;
const WINDOW_LAST_PDE: usize = 1023; // exclusive: the top 4 MiB stay unmapped
const PDE_LARGE_RW: u32 = 0x83;
const PDE_PCD: u32 = 0x10;

static WINDOW: spin::Mutex<()> = spin::Mutex::new(());

/// The kernel-virtual address of physical range `[pa, pa + len)`: in the
/// linear map when it is there, else through 4 MiB pages in the window at
/// 0xF0000000 (uncached when `device` is set). Frames already in the window
/// are reused, so mapping the same range again costs nothing.
/// `None` when the window is full or the range is empty or wraps.
pub fn map_phys(pa: u64, len: usize, device: bool) -> Option<usize> {
    let end = pa.checked_add(len as u64)?;
    if len == 0 || end > 1 << 32 {
        return None;
    }
    if end <= u64::from(LINEAR_MAX) && linear_mapped(phys_to_virt(pa as u32), len) {
        return Some(phys_to_virt(pa as u32));
    }
    let first_frame = (pa >> PDE_SHIFT) as u32;
    let frames = ((end - 1) >> PDE_SHIFT) as u32 - first_frame + 1;
    let flags = PDE_LARGE_RW | if device { PDE_PCD } else { 0 };
    let _guard = WINDOW.lock();
    // SAFETY: the window slots belong to this function (under WINDOW); new
    // entries only add mappings, so no stale TLB entry can exist for them.
    let pd = unsafe { &mut *core::ptr::addr_of_mut!(boot_page_dir) };
    let want = |slot: usize, i: u32| pd[slot] == ((first_frame + i) << PDE_SHIFT) | flags;
    let fits = |pd: &[u32; 1024], slot: usize| (0..frames).all(|i| pd[slot + i as usize] == 0);
    let mut found = None;
    for slot in WINDOW_FIRST_PDE..=WINDOW_LAST_PDE.saturating_sub(frames as usize) {
        if (0..frames).all(|i| want(slot + i as usize, i)) {
            found = Some(slot);
            break;
        }
    }
    if found.is_none() {
        let slot = (WINDOW_FIRST_PDE..=WINDOW_LAST_PDE.saturating_sub(frames as usize)).find(|&s| fits(pd, s))?;
        for i in 0..frames {
            pd[slot + i as usize] = ((first_frame + i) << PDE_SHIFT) | flags;
        }
        // Every task's directory shares the kernel half.
        crate::i386::cpu::without_interrupts(|| {
            for &dir in DIRECTORIES.lock().iter() {
                let d = table(dir);
                d[slot..slot + frames as usize].copy_from_slice(&pd[slot..slot + frames as usize]);
            }
        });
        found = Some(slot);
    }
    let slot = found?;
    Some((slot << PDE_SHIFT) + (pa as usize & ((1 << PDE_SHIFT) - 1)))
}

/// Loads page directory `dir` (physical) into CR3.
pub fn activate(dir: u32) {
    // SAFETY: `dir` is a page directory whose kernel half equals the kernel's
    // (every directory is made by copying it), so the running code stays mapped.
    unsafe { asm!("mov cr3, {}", in(reg) dir, options(nostack, preserves_flags)) };
}

// ---------------------------------------------------------------------------
// Address spaces: a page directory per task whose kernel half (entries 768 and
// up) is the kernel's, and whose user half maps 4 KiB pages.

const PTE_PRESENT: u32 = 1;
const PTE_WRITE: u32 = 2;
const PTE_USER: u32 = 4;
const KERNEL_PDE_FIRST: usize = 768;

/// Physical addresses of every task page directory, so kernel-half changes
/// (the device window) reach all of them.
static DIRECTORIES: spin::Mutex<alloc::vec::Vec<u32>> = spin::Mutex::new(alloc::vec::Vec::new());

/// No page could be had for a page table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// A task's hardware address space.
pub struct Pmap {
    dir: u32,
    /// Inside [`Pmap::batch_begin`] .. [`Pmap::batch_end`]: TLB entries to
    /// drop are not dropped one by one; the end flushes once if any were.
    batching: bool,
    flush_due: bool,
}

fn table(pa: u32) -> &'static mut [u32; 1024] {
    // SAFETY: page directories and tables are whole pages from vm_page, in
    // the linear map, owned by one Pmap and touched with interrupts off or by
    // its owner only.
    unsafe { &mut *(phys_to_virt(pa) as *mut [u32; 1024]) }
}

fn current_dir() -> u32 {
    let v: u32;
    // SAFETY: reading CR3 has no side effect.
    unsafe { asm!("mov {}, cr3", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v & !0xFFF
}

fn invlpg(va: u32) {
    // SAFETY: invalidating a TLB entry has no other effect.
    unsafe { asm!("invlpg [{}]", in(reg) va, options(nostack, preserves_flags)) };
}

impl Pmap {
    /// An empty user half over the kernel's half.
    pub fn new() -> Result<Pmap, NoMemory> {
        let dir = super::vm_page::alloc_page(super::vm_page::Zone::Any).ok_or(NoMemory)?;
        let d = table(dir);
        // SAFETY: reading the kernel directory's entries.
        let k = unsafe { &*core::ptr::addr_of!(boot_page_dir) };
        d[..KERNEL_PDE_FIRST].fill(0);
        crate::i386::cpu::without_interrupts(|| {
            d[KERNEL_PDE_FIRST..].copy_from_slice(&k[KERNEL_PDE_FIRST..]);
            DIRECTORIES.lock().push(dir);
        });
        Ok(Pmap { dir, batching: false, flush_due: false })
    }

    /// Physical address of the page directory (for CR3).
    pub fn dir(&self) -> u32 {
        self.dir
    }

    fn pte(&self, va: u32, create: bool) -> Result<Option<&'static mut u32>, NoMemory> {
        let d = table(self.dir);
        let pdi = (va >> PDE_SHIFT) as usize;
        debug_assert!(pdi < KERNEL_PDE_FIRST);
        if d[pdi] & PDE_PRESENT == 0 {
            if !create {
                return Ok(None);
            }
            let pt = super::vm_page::alloc_page(super::vm_page::Zone::Any).ok_or(NoMemory)?;
            table(pt).fill(0);
            d[pdi] = pt | PTE_PRESENT | PTE_WRITE | PTE_USER;
        }
        let pt = table(d[pdi] & !0xFFF);
        Ok(Some(&mut pt[((va >> 12) & 0x3FF) as usize]))
    }

    /// Maps user page `va` to physical page `pa`.
    ///
    /// # Errors
    /// [`NoMemory`] when a page table cannot be allocated.
    pub fn enter(&mut self, va: u32, pa: u32, writable: bool) -> Result<(), NoMemory> {
        let pte = self.pte(va, true)?.expect("created");
        let new = pa | PTE_PRESENT | PTE_USER | if writable { PTE_WRITE } else { 0 };
        let old = core::mem::replace(pte, new);
        // The TLB never holds a not-present translation: a new mapping
        // needs no invalidation, nor does an unchanged one.
        if old & PTE_PRESENT != 0 && old != new {
            self.invalidate(va);
        }
        Ok(())
    }

    /// Drops the TLB entry of `va` (now, or at the end of a batch).
    fn invalidate(&mut self, va: u32) {
        if self.batching {
            self.flush_due = true;
        } else if current_dir() == self.dir {
            invlpg(va);
        }
    }

    /// Starts a batch of changes to many pages: their TLB entries go in one
    /// flush at [`Pmap::batch_end`] instead of one `invlpg` each. Between
    /// the two, nothing may reach user memory through this address space
    /// (the VM layer works on pages through the linear map).
    pub fn batch_begin(&mut self) {
        self.batching = true;
    }

    /// Ends a batch: one TLB flush if any entry changed.
    pub fn batch_end(&mut self) {
        self.batching = false;
        if core::mem::take(&mut self.flush_due) && current_dir() == self.dir {
            activate(self.dir);
        }
    }

    /// Unmaps user page `va`; returns the physical page it mapped.
    pub fn remove(&mut self, va: u32) -> Option<u32> {
        let pte = self.pte(va, false).ok().flatten()?;
        if *pte & PTE_PRESENT == 0 {
            return None;
        }
        let pa = *pte & !0xFFF;
        *pte = 0;
        self.invalidate(va);
        Some(pa)
    }
}

impl Drop for Pmap {
    /// Frees the page tables and the directory (not the pages they mapped,
    /// which belong to the VM layer). The directory must not be loaded.
    fn drop(&mut self) {
        assert_ne!(current_dir(), self.dir, "destroying the active address space");
        let d = table(self.dir);
        for pde in d[..KERNEL_PDE_FIRST].iter_mut() {
            if *pde & PDE_PRESENT != 0 {
                let _ = super::vm_page::free_pages(*pde & !0xFFF, 0);
                *pde = 0;
            }
        }
        crate::i386::cpu::without_interrupts(|| DIRECTORIES.lock().retain(|&x| x != self.dir));
        let _ = super::vm_page::free_pages(self.dir, 0);
    }
}
