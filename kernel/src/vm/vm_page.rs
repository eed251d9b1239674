//! Physical pages: two buddy zones, below 16 MiB (ISA DMA) and above.
//!
//! The frame bookkeeping is carved from RAM right after the kernel image;
//! the kernel image, the boot data (multiboot info, memory map, modules and
//! their strings) and the first 64 KiB (real-mode vectors, BIOS data) are
//! never handed out.

use spin::Mutex;

use kerncore::fixedvec::FixedVec;
use kerncore::multiboot::{BootInfo, MemRegion, MAX_REGIONS};
use kerncore::physmem::{Buddy, Frame, FreeError};

use super::pmap::{phys_to_virt, LINEAR_MAX};
use crate::i386::cpu;

pub const PAGE_SIZE: u32 = 4096;
/// Top of the ISA DMA zone.
pub const DMA_LIMIT: u32 = 16 << 20;
const DMA_PFNS: u32 = DMA_LIMIT / PAGE_SIZE;

/// Which memory a request may be served from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Below 16 MiB, for ISA DMA.
    Dma,
    /// Anywhere (above 16 MiB first).
    Any,
}

struct Zones {
    dma: Buddy<'static>,
    normal: Buddy<'static>,
}

static ZONES: Mutex<Option<Zones>> = Mutex::new(None);

fn with_zones<R>(f: impl FnOnce(&mut Zones) -> R) -> R {
    cpu::without_interrupts(|| f(ZONES.lock().as_mut().expect("vm_page used before init")))
}

/// Physical ranges not to hand out, `[start, end)`.
pub type Reserved = FixedVec<(u64, u64), 48>;

/// Free ranges: `ram` less every reserved range, page-aligned inward.
fn free_ranges(ram: &FixedVec<MemRegion, MAX_REGIONS>, reserved: &Reserved) -> FixedVec<(u64, u64), 96> {
    let mut out: FixedVec<(u64, u64), 96> = FixedVec::default();
    for r in ram.as_slice() {
        let mut pieces: FixedVec<(u64, u64), 96> = FixedVec::default();
        let _ = pieces.push((r.base, r.end().min(u64::from(LINEAR_MAX))));
        for &(lo, hi) in reserved.as_slice() {
            let mut next: FixedVec<(u64, u64), 96> = FixedVec::default();
            for &(a, b) in pieces.as_slice() {
                if b <= lo || a >= hi {
                    let _ = next.push((a, b));
                    continue;
                }
                if a < lo {
                    let _ = next.push((a, lo));
                }
                if b > hi {
                    let _ = next.push((hi, b));
                }
            }
            pieces = next;
        }
        for &(a, b) in pieces.as_slice() {
            let (a, b) = (a.next_multiple_of(u64::from(PAGE_SIZE)), b & !u64::from(PAGE_SIZE - 1));
            if a < b {
                let _ = out.push((a, b));
            }
        }
    }
    out
}

/// Builds the zones from the boot memory map. Returns (total, free) pages.
pub fn init(bi: &BootInfo, mut reserved: Reserved) -> (usize, usize) {
    let ram = bi.usable_ram();
    let top = ram.as_slice().iter().map(|r| r.end()).max().unwrap_or(0).min(u64::from(LINEAR_MAX));
    let max_pfn = (top / u64::from(PAGE_SIZE)) as u32;
    let _ = reserved.push((0, 0x1_0000));

    // Place the frame array in the first free range large enough.
    let frames_bytes = max_pfn as u64 * core::mem::size_of::<Frame>() as u64;
    let place = free_ranges(&ram, &reserved)
        .as_slice()
        .iter()
        .find(|(a, b)| b - a >= frames_bytes)
        .map(|(a, _)| *a)
        .expect("no room for the page frame table");
    let _ = reserved.push((place, place + frames_bytes));

    let dma_n = max_pfn.min(DMA_PFNS) as usize;
    let normal_n = max_pfn.saturating_sub(DMA_PFNS) as usize;
    // SAFETY: [place, place + frames_bytes) is free RAM inside the linear map,
    // now reserved so nothing else will use it; the two slices do not overlap
    // and live for the rest of the kernel's life.
    let (dma_frames, normal_frames) = unsafe {
        let base = phys_to_virt(place as u32) as *mut Frame;
        (
            core::slice::from_raw_parts_mut(base, dma_n),
            core::slice::from_raw_parts_mut(base.add(dma_n), normal_n),
        )
    };
    let mut zones = Zones { dma: Buddy::new(0, dma_frames), normal: Buddy::new(DMA_PFNS, normal_frames) };
    for &(a, b) in free_ranges(&ram, &reserved).as_slice() {
        let (a, b) = ((a / u64::from(PAGE_SIZE)) as u32, (b / u64::from(PAGE_SIZE)) as u32);
        zones.dma.add_free(a, b);
        zones.normal.add_free(a, b);
    }
    let total = zones.dma.total_pages() + zones.normal.total_pages();
    let free = zones.dma.free_pages() + zones.normal.free_pages();
    *ZONES.lock() = Some(zones);
    (total, free)
}

/// Takes `2^order` contiguous pages aligned to their size; returns the physical address.
pub fn alloc_pages(order: usize, zone: Zone) -> Option<u32> {
    with_zones(|z| match zone {
        Zone::Dma => z.dma.alloc(order),
        Zone::Any => z.normal.alloc(order).or_else(|| z.dma.alloc(order)),
    })
    .map(|pfn| pfn * PAGE_SIZE)
}

/// Takes one page.
pub fn alloc_page(zone: Zone) -> Option<u32> {
    alloc_pages(0, zone)
}

/// Returns pages taken by [`alloc_pages`].
///
/// # Errors
/// [`FreeError`] for an address that is not allocated: nothing is changed.
pub fn free_pages(pa: u32, order: usize) -> Result<(), FreeError> {
    let pfn = pa / PAGE_SIZE;
    with_zones(|z| if pfn < DMA_PFNS { z.dma.free(pfn, order) } else { z.normal.free(pfn, order) })
}

/// Takes `count` physically contiguous pages (up to 4 MiB).
pub fn alloc_contig(count: usize, zone: Zone) -> Option<u32> {
    with_zones(|z| match zone {
        Zone::Dma => z.dma.alloc_run(count),
        Zone::Any => z.normal.alloc_run(count).or_else(|| z.dma.alloc_run(count)),
    })
    .map(|pfn| pfn * PAGE_SIZE)
}

/// Returns pages taken by [`alloc_contig`].
///
/// # Errors
/// As [`free_pages`].
pub fn free_contig(pa: u32, count: usize) -> Result<(), FreeError> {
    let pfn = pa / PAGE_SIZE;
    with_zones(|z| if pfn < DMA_PFNS { z.dma.free_run(pfn, count) } else { z.normal.free_run(pfn, count) })
}

/// Free pages (DMA zone, all zones).
pub fn free_counts() -> (usize, usize) {
    with_zones(|z| (z.dma.free_pages(), z.dma.free_pages() + z.normal.free_pages()))
}

/// Checks the allocator's invariants.
pub fn check() -> Result<(), &'static str> {
    with_zones(|z| z.dma.check().and(z.normal.check()))
}
