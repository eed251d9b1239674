//! Physical page allocator: a binary buddy system over page frame numbers.
//!
//! One [`Buddy`] manages one zone (the kernel keeps one below 16 MiB for ISA DMA
//! and one above). Blocks are `2^order` pages, aligned to their size in absolute
//! frame numbers, so a block of order 4 or less (64 KiB) never crosses a 64 KiB
//! boundary, as ISA DMA requires. Runs of any page count are carved from the
//! next block size up and the tail is given back at once.
//!
//! The per-page bookkeeping lives in a caller-provided slice (the kernel carves
//! it from RAM before its heap exists), one [`Frame`] per page.

/// Largest block: 2^10 pages = 4 MiB.
pub const MAX_ORDER: usize = 10;
const NIL: u32 = u32::MAX;

/// State of one page frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrameState {
    /// Not RAM, or held by the kernel image and boot data: never handed out.
    #[default]
    Reserved,
    /// Part of an allocation.
    Used,
    /// The first page of a free block of `order`.
    FreeHead,
    /// A page inside a free block (not its first).
    FreeTail,
}

/// Bookkeeping for one page frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Frame {
    next: u32,
    prev: u32,
    order: u8,
    state: FrameState,
}

/// Why a free was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The page is not in this zone.
    OutOfRange,
    /// The page is not allocated (double free, or reserved memory).
    NotAllocated,
}

/// A buddy allocator for the frames `base .. base + frames.len()`.
pub struct Buddy<'a> {
    base: u32,
    frames: &'a mut [Frame],
    heads: [u32; MAX_ORDER + 1],
    free_pages: usize,
    total_pages: usize,
}

impl<'a> Buddy<'a> {
    /// A zone for frames starting at `base`, all reserved until [`Buddy::add_free`].
    pub fn new(base: u32, frames: &'a mut [Frame]) -> Self {
        frames.fill(Frame { next: NIL, prev: NIL, order: 0, state: FrameState::Reserved });
        Buddy { base, frames, heads: [NIL; MAX_ORDER + 1], free_pages: 0, total_pages: 0 }
    }

    /// Pages free now.
    pub fn free_pages(&self) -> usize {
        self.free_pages
    }

    /// Pages ever given to the allocator.
    pub fn total_pages(&self) -> usize {
        self.total_pages
    }

    /// Whether `pfn` belongs to this zone.
    pub fn contains(&self, pfn: u32) -> bool {
        pfn >= self.base && ((pfn - self.base) as usize) < self.frames.len()
    }

    /// State of frame `pfn`, if it is in this zone.
    pub fn state(&self, pfn: u32) -> Option<FrameState> {
        self.contains(pfn).then(|| self.frames[(pfn - self.base) as usize].state)
    }

    fn idx(&self, pfn: u32) -> usize {
        (pfn - self.base) as usize
    }

    fn push(&mut self, pfn: u32, order: usize) {
        let i = self.idx(pfn);
        let head = self.heads[order];
        self.frames[i] = Frame { next: head, prev: NIL, order: order as u8, state: FrameState::FreeHead };
        if head != NIL {
            let h = self.idx(head);
            self.frames[h].prev = pfn;
        }
        self.heads[order] = pfn;
        let end = i + (1 << order);
        for f in &mut self.frames[i + 1..end] {
            f.state = FrameState::FreeTail;
        }
    }

    fn unlink(&mut self, pfn: u32, order: usize) {
        let i = self.idx(pfn);
        let Frame { next, prev, .. } = self.frames[i];
        if prev == NIL {
            self.heads[order] = next;
        } else {
            let p = self.idx(prev);
            self.frames[p].next = next;
        }
        if next != NIL {
            let n = self.idx(next);
            self.frames[n].prev = prev;
        }
    }

    fn mark_used(&mut self, pfn: u32, order: usize) {
        let i = self.idx(pfn);
        for f in &mut self.frames[i..i + (1 << order)] {
            f.state = FrameState::Used;
            f.order = 0;
        }
        self.frames[i].order = order as u8;
    }

    /// Gives the frames `start .. end` to the allocator (clipped to the zone).
    pub fn add_free(&mut self, start: u32, end: u32) {
        let lo = start.max(self.base);
        let hi = end.min(self.base + self.frames.len() as u32);
        let mut pfn = lo;
        while pfn < hi {
            if self.frames[self.idx(pfn)].state != FrameState::Reserved {
                pfn += 1;
                continue;
            }
            self.total_pages += 1;
            self.mark_used(pfn, 0);
            self.free_block(pfn, 0);
            pfn += 1;
        }
    }

    /// Takes `2^order` contiguous pages, aligned to their size. `None` when no block is left.
    pub fn alloc(&mut self, order: usize) -> Option<u32> {
        if order > MAX_ORDER {
            return None;
        }
        let mut o = order;
        while o <= MAX_ORDER && self.heads[o] == NIL {
            o += 1;
        }
        if o > MAX_ORDER {
            return None;
        }
        let pfn = self.heads[o];
        self.unlink(pfn, o);
        // Split: give the upper halves back at each step down.
        while o > order {
            o -= 1;
            self.push(pfn + (1 << o), o);
        }
        self.mark_used(pfn, order);
        self.free_pages -= 1 << order;
        Some(pfn)
    }

    /// Returns a block taken by [`Buddy::alloc`] with the same `order`.
    ///
    /// # Errors
    /// [`FreeError`] when the block is outside the zone or not allocated; the
    /// allocator is left unchanged.
    pub fn free(&mut self, pfn: u32, order: usize) -> Result<(), FreeError> {
        if order > MAX_ORDER || !self.contains(pfn) || !self.contains(pfn + (1 << order) - 1) {
            return Err(FreeError::OutOfRange);
        }
        let i = self.idx(pfn);
        if self.frames[i..i + (1 << order)].iter().any(|f| f.state != FrameState::Used) {
            return Err(FreeError::NotAllocated);
        }
        self.free_block(pfn, order);
        Ok(())
    }

    fn free_block(&mut self, mut pfn: u32, mut order: usize) {
        self.free_pages += 1 << order;
        while order < MAX_ORDER {
            let buddy = pfn ^ (1 << order);
            if !self.contains(buddy) {
                break;
            }
            let b = self.frames[self.idx(buddy)];
            if b.state != FrameState::FreeHead || b.order as usize != order {
                break;
            }
            self.unlink(buddy, order);
            pfn = pfn.min(buddy);
            order += 1;
        }
        self.push(pfn, order);
    }

    /// Takes exactly `count` physically contiguous pages (any count up to
    /// `2^MAX_ORDER`), aligned to the next power of two.
    pub fn alloc_run(&mut self, count: usize) -> Option<u32> {
        if count == 0 {
            return None;
        }
        let order = count.next_power_of_two().trailing_zeros() as usize;
        let pfn = self.alloc(order)?;
        // Give back the tail beyond `count`.
        let mut at = pfn + count as u32;
        let end = pfn + (1u32 << order);
        let (lo, hi) = (self.idx(pfn), self.idx(end));
        for f in &mut self.frames[lo..hi] {
            f.order = 0;
        }
        while at < end {
            self.free_block(at, 0);
            at += 1;
        }
        Some(pfn)
    }

    /// Returns `count` pages taken by [`Buddy::alloc_run`] (or any allocated pages).
    ///
    /// # Errors
    /// As [`Buddy::free`]; nothing is freed when any page of the run is not allocated.
    pub fn free_run(&mut self, pfn: u32, count: usize) -> Result<(), FreeError> {
        if count == 0 || !self.contains(pfn) || !self.contains(pfn + count as u32 - 1) {
            return Err(FreeError::OutOfRange);
        }
        let i = self.idx(pfn);
        if self.frames[i..i + count].iter().any(|f| f.state != FrameState::Used) {
            return Err(FreeError::NotAllocated);
        }
        for p in pfn..pfn + count as u32 {
            let i = self.idx(p);
            self.frames[i].order = 0;
            self.free_block(p, 0);
        }
        Ok(())
    }

    /// Checks every invariant (free lists consistent with frame states, counts);
    /// for tests and the kernel's self-check.
    pub fn check(&self) -> Result<(), &'static str> {
        let mut counted = 0usize;
        for (order, &head) in self.heads.iter().enumerate() {
            let mut pfn = head;
            let mut prev = NIL;
            while pfn != NIL {
                if !self.contains(pfn) {
                    return Err("free list points outside the zone");
                }
                let f = self.frames[self.idx(pfn)];
                if f.state != FrameState::FreeHead || f.order as usize != order || f.prev != prev {
                    return Err("free list entry inconsistent");
                }
                if pfn & ((1 << order) - 1) != 0 {
                    return Err("free block misaligned");
                }
                counted += 1 << order;
                prev = pfn;
                pfn = f.next;
            }
        }
        if counted != self.free_pages {
            return Err("free page count wrong");
        }
        let free_states = self.frames.iter().filter(|f| matches!(f.state, FrameState::FreeHead | FrameState::FreeTail)).count();
        if free_states != self.free_pages {
            return Err("frame states disagree with free count");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(base: u32, n: usize) -> Vec<Frame> {
        let _ = base;
        vec![Frame::default(); n]
    }

    #[test]
    fn add_alloc_free_merges_back() {
        let mut f = zone(1024, 1024);
        let mut b = Buddy::new(1024, &mut f);
        b.add_free(1024, 2048);
        assert_eq!(b.free_pages(), 1024);
        b.check().unwrap();
        let a = b.alloc(0).unwrap();
        let c = b.alloc(3).unwrap();
        assert_eq!(c % 8, 0);
        assert_eq!(b.free_pages(), 1024 - 9);
        b.check().unwrap();
        b.free(a, 0).unwrap();
        b.free(c, 3).unwrap();
        b.check().unwrap();
        assert_eq!(b.free_pages(), 1024);
        // Fully merged again: one order-10 block can be had.
        assert!(b.alloc(10).is_some());
    }

    #[test]
    fn double_free_and_foreign_free_are_refused() {
        let mut f = zone(0, 64);
        let mut b = Buddy::new(0, &mut f);
        b.add_free(8, 64);
        let p = b.alloc(1).unwrap();
        b.free(p, 1).unwrap();
        assert_eq!(b.free(p, 1), Err(FreeError::NotAllocated));
        assert_eq!(b.free(2, 0), Err(FreeError::NotAllocated)); // reserved
        assert_eq!(b.free(100, 0), Err(FreeError::OutOfRange));
        b.check().unwrap();
    }

    #[test]
    fn reserved_pages_are_never_handed_out() {
        let mut f = zone(0, 32);
        let mut b = Buddy::new(0, &mut f);
        b.add_free(0, 10);
        b.add_free(12, 32);
        let mut got = Vec::new();
        while let Some(p) = b.alloc(0) {
            got.push(p);
        }
        got.sort();
        assert_eq!(got.len(), 30);
        assert!(!got.contains(&10) && !got.contains(&11));
    }

    #[test]
    fn runs_of_any_length_are_contiguous_and_tails_return() {
        let mut f = zone(0, 256);
        let mut b = Buddy::new(0, &mut f);
        b.add_free(0, 256);
        let r = b.alloc_run(5).unwrap();
        assert_eq!(b.free_pages(), 251);
        for p in r..r + 5 {
            assert_eq!(b.state(p), Some(FrameState::Used));
        }
        assert_ne!(b.state(r + 5), Some(FrameState::Used));
        b.check().unwrap();
        let r2 = b.alloc_run(3).unwrap();
        assert!(r2 >= r + 5 || r2 + 3 <= r);
        b.free_run(r, 5).unwrap();
        b.free_run(r2, 3).unwrap();
        b.check().unwrap();
        assert_eq!(b.free_pages(), 256);
        assert!(b.alloc(8).is_some());
    }

    #[test]
    fn exhaustion_returns_none() {
        let mut f = zone(0, 16);
        let mut b = Buddy::new(0, &mut f);
        b.add_free(0, 16);
        assert!(b.alloc(5).is_none());
        assert!(b.alloc_run(17).is_none());
        assert!(b.alloc(4).is_some());
        assert!(b.alloc(0).is_none());
    }

    #[test]
    fn random_workload_keeps_invariants() {
        let mut f = zone(0, 2048);
        let mut b = Buddy::new(0, &mut f);
        b.add_free(3, 2000);
        let total = b.free_pages();
        let mut held: Vec<(u32, usize, bool)> = Vec::new();
        let mut seed = 0x1234_5678u32;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            if seed % 3 != 0 || held.is_empty() {
                let n = (seed >> 8) as usize % 40 + 1;
                if seed % 2 == 0 {
                    if let Some(p) = b.alloc_run(n) {
                        held.push((p, n, true));
                    }
                } else if let Some(p) = b.alloc(n % 5) {
                    held.push((p, n % 5, false));
                }
            } else {
                let (p, n, run) = held.swap_remove((seed as usize >> 4) % held.len());
                if run { b.free_run(p, n).unwrap() } else { b.free(p, n).unwrap() }
            }
        }
        b.check().unwrap();
        for (p, n, run) in held {
            if run { b.free_run(p, n).unwrap() } else { b.free(p, n).unwrap() }
        }
        b.check().unwrap();
        assert_eq!(b.free_pages(), total);
    }
}
