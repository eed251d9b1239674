//! The kernel heap behind `#[global_allocator]`.
//!
//! Requests up to 2 KiB come from power-of-two size classes (16 .. 2048
//! bytes) carved from whole pages; a block of class `c` is aligned to `c`.
//! Larger requests take physically contiguous pages from `vm_page` directly and
//! give them back on free. Class pages stay with their class once carved.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};

use spin::Mutex;

use super::pmap::{phys_to_virt, virt_to_phys};
use super::vm_page::{self, Zone, PAGE_SIZE};
use crate::i386::cpu;

const MIN_SHIFT: usize = 4;
const MAX_SMALL: usize = 2048;
const CLASSES: usize = 8; // 16, 32, ..., 2048

struct FreeBlock {
    next: Option<NonNull<FreeBlock>>,
}

struct Classes {
    heads: [Option<NonNull<FreeBlock>>; CLASSES],
}

// SAFETY: the free lists point into pages owned by the heap; they are only
// touched under the heap lock with interrupts off.
unsafe impl Send for Classes {}

pub struct KernelHeap {
    classes: Mutex<Classes>,
    in_use: AtomicUsize,
    pages_carved: AtomicUsize,
}

/// Bytes in use and pages carved into size classes.
pub fn stats() -> (usize, usize) {
    (HEAP.in_use.load(Ordering::Relaxed), HEAP.pages_carved.load(Ordering::Relaxed))
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap {
    classes: Mutex::new(Classes { heads: [None; CLASSES] }),
    in_use: AtomicUsize::new(0),
    pages_carved: AtomicUsize::new(0),
};

/// How a layout is served: a size class, a run of pages, or an aligned block of `2^order` pages.
enum Plan {
    Class(usize),
    Run(usize),
    Block(usize),
}

fn plan(layout: Layout) -> Plan {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    if size <= MAX_SMALL {
        let shift = size.next_power_of_two().trailing_zeros() as usize;
        return Plan::Class(shift - MIN_SHIFT);
    }
    let pages = layout.size().div_ceil(PAGE_SIZE as usize);
    if layout.align() <= PAGE_SIZE as usize {
        Plan::Run(pages)
    } else {
        let need = pages.max(layout.align() / PAGE_SIZE as usize);
        Plan::Block(need.next_power_of_two().trailing_zeros() as usize)
    }
}

fn plan_bytes(p: &Plan) -> usize {
    match *p {
        Plan::Class(c) => 1 << (c + MIN_SHIFT),
        Plan::Run(n) => n * PAGE_SIZE as usize,
        Plan::Block(o) => (1 << o) * PAGE_SIZE as usize,
    }
}

impl KernelHeap {
    fn alloc_class(&self, c: usize) -> *mut u8 {
        let mut cl = self.classes.lock();
        if cl.heads[c].is_none() {
            let Some(pa) = vm_page::alloc_page(Zone::Any) else { return ptr::null_mut() };
            self.pages_carved.fetch_add(1, Ordering::Relaxed);
            let size = 1usize << (c + MIN_SHIFT);
            let base = phys_to_virt(pa);
            for off in (0..PAGE_SIZE as usize).step_by(size).rev() {
                let b = (base + off) as *mut FreeBlock;
                // SAFETY: `b` is a size-aligned block inside the fresh page, which the heap owns.
                unsafe { b.write(FreeBlock { next: cl.heads[c] }) };
                cl.heads[c] = NonNull::new(b);
            }
        }
        let head = cl.heads[c].expect("class refilled above");
        // SAFETY: `head` is a free block of this class; its first word is the link.
        cl.heads[c] = unsafe { head.as_ref().next };
        head.as_ptr().cast()
    }
}

// SAFETY: blocks are handed out once until freed (free lists and the buddy
// allocator never give the same memory twice), sized and aligned per `plan`.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = plan(layout);
        let bytes = plan_bytes(&p);
        let ptr = cpu::without_interrupts(|| match p {
            Plan::Class(c) => self.alloc_class(c),
            Plan::Run(n) => vm_page::alloc_contig(n, Zone::Any).map_or(ptr::null_mut(), |pa| phys_to_virt(pa) as *mut u8),
            Plan::Block(o) => vm_page::alloc_pages(o, Zone::Any).map_or(ptr::null_mut(), |pa| phys_to_virt(pa) as *mut u8),
        });
        if !ptr.is_null() {
            self.in_use.fetch_add(bytes, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let p = plan(layout);
        self.in_use.fetch_sub(plan_bytes(&p), Ordering::Relaxed);
        cpu::without_interrupts(|| match p {
            Plan::Class(c) => {
                let mut cl = self.classes.lock();
                let b = ptr.cast::<FreeBlock>();
                // SAFETY: the caller gives back a block this class handed out.
                unsafe { b.write(FreeBlock { next: cl.heads[c] }) };
                cl.heads[c] = NonNull::new(b);
            }
            Plan::Run(n) => {
                vm_page::free_contig(virt_to_phys(ptr as usize), n).expect("heap: freeing pages it did not hand out");
            }
            Plan::Block(o) => {
                vm_page::free_pages(virt_to_phys(ptr as usize), o).expect("heap: freeing pages it did not hand out");
            }
        });
    }
}

/// `len` zero bytes, or `None` when the heap cannot give them: for buffers
/// whose size a user chose (a message, a device transfer), which must fail
/// with an error code instead of ending the kernel.
pub fn try_zeroed(len: usize) -> Option<alloc::vec::Vec<u8>> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, 0);
    Some(v)
}

/// As [`try_zeroed`], boxed.
pub fn try_zeroed_box(len: usize) -> Option<alloc::boxed::Box<[u8]>> {
    try_zeroed(len).map(alloc::vec::Vec::into_boxed_slice)
}
