//! The filters of one network interface, in delivery order, each with a bounded
//! queue of delivered packets.
//!
//! # Delivery semantics (GNU Mach's `net_filter`)
//! A packet is offered to the filters of its direction in list order. Every filter
//! that accepts it gets its own copy, queued for the filter's receive port; if that
//! queue is full the copy is dropped and counted (GNU Mach sends with a zero timeout
//! and drops on failure). A filter with priority >= [`NET_HI_PRI`] that accepts the
//! packet ends the walk, so lower filters do not see it, even when its own queue
//! was full.
//!
//! # List order
//! GNU Mach means the list to be sorted by decreasing priority: `net_set_filter`
//! looks for the first filter of lower priority, but then inserts with `queue_enter`,
//! which appends at the tail, so in practice GNU Mach keeps filters in the order they
//! were set. [`InsertOrder::Priority`] implements the intent (higher priority first,
//! equal priorities in the order set); [`InsertOrder::GnuMachTail`] reproduces what
//! GNU Mach actually does.
//!
//! Setting a filter for a handle that already has one replaces it (GNU Mach removes
//! the old filter of the same receive port); the queue and drop counter, which in
//! GNU Mach belong to the port, are kept.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::{Direction, Filter, FilterError, FilterWord, Packet, NET_HI_PRI};

/// Where [`FilterSet::insert`] puts a new filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InsertOrder {
    /// Higher priority first; equal priorities in the order set.
    #[default]
    Priority,
    /// Always at the end, as GNU Mach's code actually behaves.
    GnuMachTail,
}

/// What happened to one filter's copy of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery<H> {
    /// The filter's handle.
    pub id: H,
    /// Packet bytes the filter accepted (packet header included).
    pub bytes: usize,
    /// Whether the copy was queued (false: the queue was full and it was dropped).
    pub queued: bool,
}

struct Entry<H, T> {
    id: H,
    priority: i32,
    filter: Filter,
    queue: VecDeque<T>,
    limit: usize,
    dropped: u64,
    accepted: u64,
}

/// The filters of one interface. `H` identifies a filter (in the kernel: its receive
/// port); `T` is what is queued per accepted packet (in the kernel: a message).
pub struct FilterSet<H, T> {
    order: InsertOrder,
    entries: Vec<Entry<H, T>>,
}

impl<H: PartialEq + Clone, T> FilterSet<H, T> {
    /// An empty set.
    pub const fn new(order: InsertOrder) -> FilterSet<H, T> {
        FilterSet {
            order,
            entries: Vec::new(),
        }
    }

    /// Number of filters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Handles in delivery order.
    pub fn ids(&self) -> impl Iterator<Item = &H> {
        self.entries.iter().map(|e| &e.id)
    }

    /// Validate `words` and install the filter: `device_set_filter`.
    ///
    /// # Errors
    /// A [`FilterError`] (reply `D_INVALID_OPERATION`) if the program is invalid; the
    /// set is then unchanged.
    pub fn set_filter(
        &mut self,
        id: H,
        priority: i32,
        words: &[FilterWord],
        queue_limit: usize,
    ) -> Result<(), FilterError> {
        let filter = Filter::parse(words)?;
        self.insert(id, priority, filter, queue_limit);
        Ok(())
    }

    /// Install a validated filter, replacing any filter with the same handle (its
    /// queued items and drop count are kept).
    pub fn insert(&mut self, id: H, priority: i32, filter: Filter, queue_limit: usize) {
        let (queue, dropped, accepted) = match self.entries.iter().position(|e| e.id == id) {
            Some(i) => {
                let old = self.entries.remove(i);
                (old.queue, old.dropped, old.accepted)
            }
            None => (VecDeque::new(), 0, 0),
        };
        let entry = Entry {
            id,
            priority,
            filter,
            queue,
            limit: queue_limit,
            dropped,
            accepted,
        };
        let at = match self.order {
            InsertOrder::Priority => self
                .entries
                .iter()
                .position(|e| e.priority < priority)
                .unwrap_or(self.entries.len()),
            InsertOrder::GnuMachTail => self.entries.len(),
        };
        self.entries.insert(at, entry);
    }

    /// Remove a filter (its port died); returns its queued items.
    pub fn remove(&mut self, id: &H) -> Option<VecDeque<T>> {
        let i = self.entries.iter().position(|e| &e.id == id)?;
        Some(self.entries.remove(i).queue)
    }

    /// Whether any filter looks at packets going `dir` (else nothing need
    /// be prepared for them).
    pub fn wants(&self, dir: Direction) -> bool {
        self.entries.iter().any(|e| e.filter.applies_to(dir))
    }

    /// The filters that accept `pkt` going `dir`, with the bytes each accepts, under
    /// the delivery rules of the module (no queueing).
    pub fn matches(&self, pkt: &Packet<'_>, dir: Direction) -> Vec<(H, usize)> {
        let mut out = Vec::new();
        for e in self.entries.iter().filter(|e| e.filter.applies_to(dir)) {
            if let Some(bytes) = e.filter.run(pkt) {
                out.push((e.id.clone(), bytes));
                if e.priority >= NET_HI_PRI {
                    break;
                }
            }
        }
        out
    }

    /// Offer `pkt` to the filters: each accepting filter gets `make(id, bytes)`
    /// queued, or a drop counted if its queue is full. Returns every accepting
    /// filter in delivery order.
    pub fn deliver(
        &mut self,
        pkt: &Packet<'_>,
        dir: Direction,
        mut make: impl FnMut(&H, usize) -> T,
    ) -> Vec<Delivery<H>> {
        let mut out = Vec::new();
        for e in self.entries.iter_mut().filter(|e| e.filter.applies_to(dir)) {
            let Some(bytes) = e.filter.run(pkt) else {
                continue;
            };
            e.accepted += 1;
            let queued = e.queue.len() < e.limit;
            if queued {
                e.queue.push_back(make(&e.id, bytes));
            } else {
                e.dropped += 1;
            }
            out.push(Delivery {
                id: e.id.clone(),
                bytes,
                queued,
            });
            if e.priority >= NET_HI_PRI {
                break;
            }
        }
        out
    }

    /// Take the oldest queued item of a filter.
    pub fn pop(&mut self, id: &H) -> Option<T> {
        self.entry_mut(id)?.queue.pop_front()
    }

    /// Items queued for a filter (0 if unknown).
    pub fn queued(&self, id: &H) -> usize {
        self.entry(id).map_or(0, |e| e.queue.len())
    }

    /// Copies dropped because a filter's queue was full (0 if unknown).
    pub fn dropped(&self, id: &H) -> u64 {
        self.entry(id).map_or(0, |e| e.dropped)
    }

    /// Packets a filter accepted, queued or dropped (0 if unknown).
    pub fn accepted(&self, id: &H) -> u64 {
        self.entry(id).map_or(0, |e| e.accepted)
    }

    fn entry(&self, id: &H) -> Option<&Entry<H, T>> {
        self.entries.iter().find(|e| &e.id == id)
    }

    fn entry_mut(&mut self, id: &H) -> Option<&mut Entry<H, T>> {
        self.entries.iter_mut().find(|e| &e.id == id)
    }
}
