//! A generational arena: objects live in slots addressed by (index, generation),
//! so a stale id never reaches a newer object that reused the slot.

use alloc::vec::Vec;

struct Slot<T> {
    gen: u32,
    val: Option<T>,
}

/// Arena of `T` with generational ids `(index, generation)`.
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Slab<T> {
    pub(crate) const fn new() -> Self {
        Slab { slots: Vec::new(), free: Vec::new(), len: 0 }
    }

    /// Stores `val`, returning its (index, generation).
    pub(crate) fn insert(&mut self, val: T) -> (u32, u32) {
        self.len += 1;
        if let Some(i) = self.free.pop() {
            let s = &mut self.slots[i as usize];
            s.gen = s.gen.wrapping_add(1);
            s.val = Some(val);
            (i, s.gen)
        } else {
            let i = self.slots.len() as u32;
            self.slots.push(Slot { gen: 0, val: Some(val) });
            (i, 0)
        }
    }

    pub(crate) fn get(&self, idx: u32, gen: u32) -> Option<&T> {
        match self.slots.get(idx as usize) {
            Some(s) if s.gen == gen => s.val.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, idx: u32, gen: u32) -> Option<&mut T> {
        match self.slots.get_mut(idx as usize) {
            Some(s) if s.gen == gen => s.val.as_mut(),
            _ => None,
        }
    }

    pub(crate) fn remove(&mut self, idx: u32, gen: u32) -> Option<T> {
        let s = self.slots.get_mut(idx as usize)?;
        if s.gen != gen {
            return None;
        }
        let v = s.val.take()?;
        self.free.push(idx);
        self.len -= 1;
        Some(v)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Iterates over live objects with their (index, generation).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, u32, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.val.as_ref().map(|v| (i as u32, s.gen, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_ids_miss() {
        let mut s = Slab::new();
        let (i, g) = s.insert(1u32);
        assert_eq!(s.get(i, g), Some(&1));
        assert_eq!(s.remove(i, g), Some(1));
        let (i2, g2) = s.insert(2u32);
        assert_eq!(i2, i);
        assert_ne!(g2, g);
        assert_eq!(s.get(i, g), None);
        assert_eq!(s.len(), 1);
    }
}
