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

    /// The value: the high word, the low word, the high word again, until
    /// both readings of the high word agree (writers change all 64 bits at
    /// once with `cmpxchg8b`, so the pair read is a value it held). No
    /// locked instruction: readers are many (the tick count), and a locked
    /// `cmpxchg8b` makes TCG run each one alone.
    pub fn load(&self, _order: Ordering) -> u64 {
        let base = self.0.as_ptr().cast::<core::sync::atomic::AtomicU32>();
        // SAFETY: the u64 is 8-byte aligned memory of this atomic; its two
        // halves are read as 32-bit atomics (little-endian: low word first),
        // which never tear.
        let (lo, hi) = unsafe { (&*base, &*base.add(1)) };
        loop {
            let h1 = hi.load(Ordering::SeqCst);
            let l = lo.load(Ordering::SeqCst);
            if hi.load(Ordering::SeqCst) == h1 {
                return (u64::from(h1) << 32) | u64::from(l);
            }
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
