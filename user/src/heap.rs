//! A tiny heap for user programs (`#[global_allocator]`): power-of-two size
//! classes from 16 bytes to 2 KiB carved from 64 KiB chunks of
//! `vm_allocate`d memory; larger blocks are their own `vm_allocate`d pages
//! and go back with `vm_deallocate`. A spin lock that yields (`swtch`)
//! makes it safe for several threads.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::trap::{mach_task_self, swtch, syscall_vm_allocate, syscall_vm_deallocate};

const MIN_SHIFT: usize = 4;
const CLASSES: usize = 8; // 16 .. 2048
const CHUNK: u32 = 64 * 1024;
const PAGE: usize = 4096;

struct Inner {
    heads: [usize; CLASSES],
    task: u32,
}

/// The user heap.
pub struct UserHeap {
    lock: AtomicBool,
    inner: core::cell::UnsafeCell<Inner>,
}

// SAFETY: `inner` is only touched with `lock` held.
unsafe impl Sync for UserHeap {}

#[global_allocator]
static HEAP: UserHeap = UserHeap { lock: AtomicBool::new(false), inner: core::cell::UnsafeCell::new(Inner { heads: [0; CLASSES], task: 0 }) };

fn class_of(layout: &Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    (size <= 2048).then(|| size.next_power_of_two().trailing_zeros() as usize - MIN_SHIFT)
}

fn vm_allocate(task: u32, size: u32) -> Option<usize> {
    let mut addr = 0u32;
    // SAFETY: `addr` is a valid out-parameter.
    let r = unsafe { syscall_vm_allocate(task, &mut addr, size, 1) };
    (r == 0).then_some(addr as usize)
}

impl UserHeap {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        while self.lock.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            // SAFETY: no arguments.
            unsafe { swtch() };
        }
        // SAFETY: the lock is held.
        let inner = unsafe { &mut *self.inner.get() };
        if inner.task == 0 {
            // SAFETY: no arguments.
            inner.task = unsafe { mach_task_self() };
        }
        let r = f(inner);
        self.lock.store(false, Ordering::Release);
        r
    }
}

// SAFETY: blocks are handed out once until freed; sizes and alignments follow
// the class (a block of class c is aligned to its size inside a page-aligned chunk).
unsafe impl GlobalAlloc for UserHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(&layout) {
            Some(c) => self.with(|h| {
                if h.heads[c] == 0 {
                    let size = 1usize << (c + MIN_SHIFT);
                    let Some(base) = vm_allocate(h.task, CHUNK) else { return ptr::null_mut() };
                    for off in (0..CHUNK as usize).step_by(size).rev() {
                        // SAFETY: a fresh chunk of ours; each block holds a link.
                        unsafe { ((base + off) as *mut usize).write(h.heads[c]) };
                        h.heads[c] = base + off;
                    }
                }
                let b = h.heads[c];
                // SAFETY: `b` is a free block of this class; its first word is the link.
                h.heads[c] = unsafe { (b as *const usize).read() };
                b as *mut u8
            }),
            None if layout.align() <= PAGE => {
                let size = layout.size().next_multiple_of(PAGE) as u32;
                self.with(|h| vm_allocate(h.task, size)).map_or(ptr::null_mut(), |a| a as *mut u8)
            }
            None => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match class_of(&layout) {
            Some(c) => self.with(|h| {
                // SAFETY: the caller gives back a block of this class.
                unsafe { (p as *mut usize).write(h.heads[c]) };
                h.heads[c] = p as usize;
            }),
            None => {
                let size = layout.size().next_multiple_of(PAGE) as u32;
                self.with(|h| {
                    // SAFETY: pages this heap allocated for the block.
                    unsafe { syscall_vm_deallocate(h.task, p as u32, size) };
                });
            }
        }
    }
}
