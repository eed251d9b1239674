//! Memory for the Linux glue: page blocks and contiguous runs from the
//! kernel's page allocator, returned as linear-map addresses (so the glue's
//! `virt_to_bus` is a subtraction), device-memory windows, and panics.

use core::ffi::{c_char, c_int, c_uint, c_ulong};

use crate::vm::{pmap, vm_page};

fn zone(dma: c_int) -> vm_page::Zone {
    if dma != 0 { vm_page::Zone::Dma } else { vm_page::Zone::Any }
}

/// Whether `addr` is a linear-map address of RAM.
fn linear(addr: c_ulong) -> bool {
    pmap::linear_mapped(addr as usize, 1)
}

/// `mach_alloc_pages`: 2^order pages, naturally aligned.
#[no_mangle]
pub extern "C" fn mach_alloc_pages(order: c_uint, dma: c_int) -> c_ulong {
    vm_page::alloc_pages(order as usize, zone(dma)).map_or(0, |pa| pmap::phys_to_virt(pa) as c_ulong)
}

/// `mach_free_pages`.
#[no_mangle]
pub extern "C" fn mach_free_pages(addr: c_ulong, order: c_uint) {
    if !linear(addr) {
        crate::kprintln!("linux-glue: free_pages of a non-RAM address {:#x}", addr);
        return;
    }
    if let Err(e) = vm_page::free_pages(pmap::virt_to_phys(addr as usize), order as usize) {
        crate::kprintln!("linux-glue: free_pages({:#x}, {}): {:?}", addr, order, e);
    }
}

/// `mach_alloc_contig`: `count` contiguous pages.
#[no_mangle]
pub extern "C" fn mach_alloc_contig(count: c_ulong, dma: c_int) -> c_ulong {
    if count == 0 {
        return 0;
    }
    vm_page::alloc_contig(count as usize, zone(dma)).map_or(0, |pa| pmap::phys_to_virt(pa) as c_ulong)
}

/// `mach_free_contig`.
#[no_mangle]
pub extern "C" fn mach_free_contig(addr: c_ulong, count: c_ulong) {
    if !linear(addr) {
        crate::kprintln!("linux-glue: freeing a non-RAM run at {:#x}", addr);
        return;
    }
    if let Err(e) = vm_page::free_contig(pmap::virt_to_phys(addr as usize), count as usize) {
        crate::kprintln!("linux-glue: free_contig({:#x}, {}): {:?}", addr, count, e);
    }
}

/// `mach_map_device`: an uncached window onto device memory.
#[no_mangle]
pub extern "C" fn mach_map_device(phys: c_ulong, size: c_ulong) -> c_ulong {
    pmap::map_phys(u64::from(phys), size as usize, true).map_or(0, |va| va as c_ulong)
}

/// `mach_high_memory`: the end of the linear map of RAM (4 MiB granular).
#[no_mangle]
pub extern "C" fn mach_high_memory() -> c_ulong {
    const STEP: u32 = 4 << 20;
    let mut top: u32 = 0;
    while top < pmap::LINEAR_MAX && pmap::linear_mapped(pmap::phys_to_virt(top), 1) {
        top += STEP;
    }
    pmap::phys_to_virt(top) as c_ulong
}

/// `mach_panic`: Linux's `panic()` ends here.
///
/// # Safety
/// `msg` points at `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mach_panic(msg: *const c_char, len: c_uint) -> ! {
    let text = if msg.is_null() {
        alloc::string::String::new()
    } else {
        // SAFETY: the caller's contract.
        let bytes = unsafe { core::slice::from_raw_parts(msg.cast::<u8>(), len as usize) };
        alloc::string::String::from_utf8_lossy(bytes).into_owned()
    };
    panic!("Linux glue: {}", text.trim_end());
}
