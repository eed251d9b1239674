//! A 64-bit atomic that never touches the FPU.
//!
//! On i586 LLVM turns plain 64-bit atomic loads and stores into x87
//! `fild`/`fistp` pairs. The FPU belongs to user threads (see [`super::fpu`]:
//! it is switched lazily, so a kernel FPU instruction would trap, or worse,
//! change a user thread's registers), so every access here is a
//! `lock cmpxchg8b` instead.

use core::sync::atomic::Ordering;

/// `core::sync::atomic::AtomicU64` with FPU-free loads and stores (the
/// orderings given are strengthened to sequential consistency).
#[repr(transparent)]
pub struct AtomicU64(core::sync::atomic::AtomicU64);

impl AtomicU64 {
    /// A new atomic holding `v`.
    pub const fn new(v: u64) -> Self {
        AtomicU64(core::sync::atomic::AtomicU64::new(v))
    }

    /// The value (a compare-and-exchange that never changes it).
    pub fn load(&self, _order: Ordering) -> u64 {
        match self.0.compare_exchange(0, 0, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(v) | Err(v) => v,
        }
    }

    /// Stores `v`.
    pub fn store(&self, v: u64, order: Ordering) {
        self.swap(v, order);
    }

    /// Stores `v`, returning the old value.
    pub fn swap(&self, v: u64, _order: Ordering) -> u64 {
        let mut cur = self.load(Ordering::SeqCst);
        loop {
            match self.0.compare_exchange_weak(cur, v, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(old) => return old,
                Err(now) => cur = now,
            }
        }
    }

    /// Adds `v`, returning the old value.
    pub fn fetch_add(&self, v: u64, _order: Ordering) -> u64 {
        let mut cur = self.load(Ordering::SeqCst);
        loop {
            match self.0.compare_exchange_weak(cur, cur.wrapping_add(v), Ordering::SeqCst, Ordering::SeqCst) {
                Ok(old) => return old,
                Err(now) => cur = now,
            }
        }
    }
}
