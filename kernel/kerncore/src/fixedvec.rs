//! A vector with its storage inline, for data gathered before the kernel heap exists.

/// At most `N` items of `T`, kept in place; pushes past the capacity are refused.
#[derive(Clone)]
pub struct FixedVec<T: Copy + Default, const N: usize> {
    items: [T; N],
    len: usize,
}

impl<T: Copy + Default, const N: usize> Default for FixedVec<T, N> {
    fn default() -> Self {
        Self { items: [T::default(); N], len: 0 }
    }
}

impl<T: Copy + Default, const N: usize> FixedVec<T, N> {
    /// Appends `item`.
    ///
    /// # Errors
    /// Gives `item` back when the vector is full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        if self.len == N {
            return Err(item);
        }
        self.items[self.len] = item;
        self.len += 1;
        Ok(())
    }

    /// The items pushed so far.
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    /// The items pushed so far, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes the item at `index`, keeping the order of the rest.
    pub fn remove(&mut self, index: usize) -> T {
        assert!(index < self.len);
        let item = self.items[index];
        self.items.copy_within(index + 1..self.len, index);
        self.len -= 1;
        item
    }
}

#[cfg(test)]
mod tests {
    use super::FixedVec;

    #[test]
    fn push_until_full_then_refuse() {
        let mut v: FixedVec<u32, 2> = FixedVec::default();
        assert_eq!(v.push(1), Ok(()));
        assert_eq!(v.push(2), Ok(()));
        assert_eq!(v.push(3), Err(3));
        assert_eq!(v.as_slice(), &[1, 2]);
        assert_eq!(v.remove(0), 1);
        assert_eq!(v.as_slice(), &[2]);
    }
}
