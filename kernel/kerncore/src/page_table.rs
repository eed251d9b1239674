//! A map's resident pages, user page address -> physical page, kept the way
//! the hardware keeps them: a directory of 1024 tables (made on first use),
//! each of 1024 slots for 4 MiB of address space with a bitmap of the slots
//! in use. A
//! lookup, an insertion or a removal is an index, not a tree search; ranges
//! come out in address order. Keyed by any page-aligned word (the kernel
//! also counts physical pages' extra owners in one).

use alloc::boxed::Box;
#[cfg(test)]
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

const SLOTS: usize = 1024;

struct Chunk {
    used: u32,
    present: [u32; SLOTS / 32],
    pa: [u32; SLOTS],
}

impl Chunk {
    fn new() -> Chunk {
        Chunk { used: 0, present: [0; SLOTS / 32], pa: [0; SLOTS] }
    }

    fn has(&self, i: usize) -> bool {
        self.present[i / 32] & (1 << (i % 32)) != 0
    }
}

/// Page address -> physical page (both page-aligned).
#[derive(Default)]
pub struct PageTable {
    /// Indexed by the top ten bits; empty until the first insertion.
    dir: Vec<Option<Box<Chunk>>>,
    len: usize,
}

fn split(va: u32) -> (u32, usize) {
    (va >> 22, ((va >> 12) & 0x3FF) as usize)
}

impl PageTable {
    /// An empty table.
    pub const fn new() -> PageTable {
        PageTable { dir: Vec::new(), len: 0 }
    }

    fn chunk(&self, c: u32) -> Option<&Chunk> {
        self.dir.get(c as usize)?.as_deref()
    }

    /// The physical page at `va`.
    pub fn get(&self, va: &u32) -> Option<&u32> {
        let (c, i) = split(*va);
        let ch = self.chunk(c)?;
        ch.has(i).then(|| &ch.pa[i])
    }

    /// Whether `va` has a page.
    pub fn contains_key(&self, va: &u32) -> bool {
        self.get(va).is_some()
    }

    /// Puts `pa` at `va`; the page that was there.
    pub fn insert(&mut self, va: u32, pa: u32) -> Option<u32> {
        let (c, i) = split(va);
        if self.dir.is_empty() {
            self.dir.resize_with(1024, || None);
        }
        let ch = self.dir[c as usize].get_or_insert_with(|| Box::new(Chunk::new()));
        let old = ch.has(i).then(|| ch.pa[i]);
        ch.pa[i] = pa;
        if old.is_none() {
            ch.present[i / 32] |= 1 << (i % 32);
            ch.used += 1;
            self.len += 1;
        }
        old
    }

    /// Takes the page at `va` out.
    pub fn remove(&mut self, va: &u32) -> Option<u32> {
        let (c, i) = split(*va);
        let ch = self.dir.get_mut(c as usize)?.as_deref_mut()?;
        if !ch.has(i) {
            return None;
        }
        ch.present[i / 32] &= !(1 << (i % 32));
        ch.used -= 1;
        self.len -= 1;
        let pa = ch.pa[i];
        if ch.used == 0 {
            self.dir[c as usize] = None;
        }
        Some(pa)
    }

    /// Number of pages.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every page.
    pub fn clear(&mut self) {
        self.dir.clear();
        self.len = 0;
    }

    /// (page address, physical page) of the pages in `range`, in order.
    /// Only the bitmap words inside the range are read, and absent tables
    /// are skipped whole: the cost follows the range's resident part.
    pub fn range(&self, range: core::ops::Range<u32>) -> impl Iterator<Item = (u32, u32)> + '_ {
        // Page numbers [next, last) hold the pages at or above start and below end.
        let mut next = (u64::from(range.start) + 0xFFF) >> 12;
        let last = if self.dir.is_empty() { 0 } else { (u64::from(range.end) + 0xFFF) >> 12 };
        let (mut bits, mut base, mut cur): (u32, u64, Option<&Chunk>) = (0, 0, None);
        core::iter::from_fn(move || loop {
            if bits != 0 {
                let b = bits.trailing_zeros() as u64;
                bits &= bits - 1;
                let pn = base + b;
                let ch = cur.expect("bits come from a table");
                return Some(((pn << 12) as u32, ch.pa[(pn & 0x3FF) as usize]));
            }
            if next >= last {
                return None;
            }
            let Some(ch) = self.chunk((next >> 10) as u32) else {
                next = ((next >> 10) + 1) << 10;
                continue;
            };
            let i = (next & 0x3FF) as usize;
            base = next & !31;
            bits = ch.present[i / 32] & (!0u32 << (i % 32));
            if base + 32 > last {
                bits &= (1u32 << (last - base)) - 1;
            }
            cur = Some(ch);
            next = base + 32;
        })
    }

    /// Every (page address, physical page), in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.range(0..u32::MAX)
    }
}

/// A set of page addresses in the same layout: one bit per page, a bitmap
/// per 4 MiB (the copy-on-write marks).
#[derive(Default)]
pub struct PageSet {
    dir: Vec<Option<Box<[u32; SLOTS / 32]>>>,
}

impl PageSet {
    /// An empty set.
    pub const fn new() -> PageSet {
        PageSet { dir: Vec::new() }
    }

    /// Whether `va` is in the set.
    pub fn contains(&self, va: &u32) -> bool {
        let (c, i) = split(*va);
        self.dir.get(c as usize).and_then(Option::as_deref).is_some_and(|b| b[i / 32] & (1 << (i % 32)) != 0)
    }

    /// Adds `va`; whether it was not there.
    pub fn insert(&mut self, va: u32) -> bool {
        let (c, i) = split(va);
        if self.dir.is_empty() {
            self.dir.resize_with(1024, || None);
        }
        let b = self.dir[c as usize].get_or_insert_with(|| Box::new([0; SLOTS / 32]));
        let new = b[i / 32] & (1 << (i % 32)) == 0;
        b[i / 32] |= 1 << (i % 32);
        new
    }

    /// Takes `va` out; whether it was there.
    pub fn remove(&mut self, va: &u32) -> bool {
        let (c, i) = split(*va);
        let Some(b) = self.dir.get_mut(c as usize).and_then(Option::as_deref_mut) else { return false };
        let was = b[i / 32] & (1 << (i % 32)) != 0;
        b[i / 32] &= !(1 << (i % 32));
        if was && b.iter().all(|&w| w == 0) {
            self.dir[c as usize] = None;
        }
        was
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The table against a tree on the same operations.
    #[test]
    fn behaves_like_an_ordered_map() {
        let mut t = PageTable::new();
        let mut m = BTreeMap::new();
        let mut x: u32 = 12345;
        for n in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            // Pages clustered in a few 4 MiB regions, and some anywhere.
            let va = if n % 7 == 0 { x & !0xFFF } else { ((x >> 8) % 3) << 22 | (x & 0x3FF000) };
            let pa = (n + 1) << 12;
            if x % 3 == 0 {
                assert_eq!(t.remove(&va), m.remove(&va));
            } else {
                assert_eq!(t.insert(va, pa), m.insert(va, pa));
            }
            assert_eq!(t.len(), m.len());
        }
        assert_eq!(t.iter().collect::<Vec<_>>(), m.iter().map(|(a, b)| (*a, *b)).collect::<Vec<_>>());
        for (s, e) in [(0, 0x40_0000), (0x1000, 0x5000), (0x3F_F000, 0x80_1000), (0xBFFF_F000, 0xC000_0000), (0x10_0000, 0x10_0000)] {
            assert_eq!(t.range(s..e).collect::<Vec<_>>(), m.range(s..e).map(|(a, b)| (*a, *b)).collect::<Vec<_>>());
        }
        // Ranges with unaligned ends, inside and across tables.
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let s = if x % 2 == 0 { x % (3 << 22) } else { x };
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let e = s.saturating_add(x % (5 << 22));
            assert_eq!(t.range(s..e).collect::<Vec<_>>(), m.range(s..e).map(|(a, b)| (*a, *b)).collect::<Vec<_>>(), "range {s:#x}..{e:#x}");
        }
        for va in m.keys() {
            assert_eq!(t.get(va), m.get(va));
        }
        let top = 0xFFFF_F000;
        t.insert(top, 0x1000);
        assert_eq!(t.range(0xFFFF_0000..u32::MAX).collect::<Vec<_>>(), [(top, 0x1000)]);
        t.clear();
        assert!(t.is_empty() && t.iter().next().is_none());
    }

    #[test]
    fn page_set_marks_pages() {
        let mut s = PageSet::new();
        assert!(s.insert(0x40_0000) && !s.insert(0x40_0000) && s.insert(0xFFFF_F000));
        assert!(s.contains(&0x40_0000) && !s.contains(&0x40_1000) && s.contains(&0xFFFF_F000));
        assert!(s.remove(&0x40_0000) && !s.remove(&0x40_0000) && !s.contains(&0x40_0000));
        assert!(s.remove(&0xFFFF_F000) && s.dir.iter().all(Option::is_none));
    }
}
