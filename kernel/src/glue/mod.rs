//! The Rust end of the seam with the Linux glue (`linux-glue/include/seam.h`).
//!
//! `sys` holds what bindgen generated from the header: the C functions Rust
//! may call. Every function C may call into Rust is defined in this module
//! or its submodules, and only here, with the signature the header declares:
//!
//! - [`mem`]: pages, contiguous runs and device mappings for kmalloc,
//!   `__get_free_pages`, vmalloc and vremap; `high_memory`; panic.
//! - [`sched`]: jiffies fed from the kernel clock, the bottom-half thread,
//!   waiting and waking (assert_wait/thread_block/thread_wakeup), threads.
//! - [`irq`]: routing 8259 lines to the glue's handler chains.
//! - [`region`]: the I/O-port reservation table, shared with native drivers.
//! - [`pci`]: the kernel's PCI scan and configuration space for `pcibios_*`.
//! - [`net`]: network interfaces: the probe chain, frames in and out.
//! - [`block`]: block requests to Linux disk drivers, their completions,
//!   and partition scans for `resetup_one_dev`.
//!
//! Only plain data and opaque addresses cross: Linux structures stay in C.

use alloc::format;
use alloc::string::String;

pub mod block;
pub mod irq;
pub mod mem;
pub mod net;
pub mod pci;
pub mod region;
pub mod sched;

#[allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code)]
pub mod sys {
    include!(concat!(env!("OUT_DIR"), "/seam.rs"));
}

/// `mach_log_write`: printk's sink.
///
/// # Safety
/// `msg` points at `len` readable bytes (C passes its own buffers).
#[no_mangle]
pub unsafe extern "C" fn mach_log_write(msg: *const core::ffi::c_char, len: core::ffi::c_uint) {
    if msg.is_null() {
        return;
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { core::slice::from_raw_parts(msg.cast::<u8>(), len as usize) };
    crate::kern::log::write_bytes(bytes);
}

/// `mach_seam_mix`: the seam self-test's Rust half.
#[no_mangle]
pub extern "C" fn mach_seam_mix(a: core::ffi::c_int, b: core::ffi::c_int) -> core::ffi::c_int {
    a.wrapping_mul(1000).wrapping_add(b)
}

/// Calls through the seam both ways; returns C's result.
pub fn seam_selftest(a: i32, b: i32) -> i32 {
    // SAFETY: a plain C function with no preconditions.
    unsafe { sys::glue_seam_selftest(a, b) }
}

/// The Linux version code the glue emulates.
pub fn linux_version_code() -> u32 {
    // SAFETY: a plain C function with no preconditions.
    unsafe { sys::glue_linux_version_code() }
}

static STARTED: spin::Once<Result<(), String>> = spin::Once::new();

/// Starts the Linux glue once: jiffies (Rust), bottom halves and the PCI
/// list (C, still in auto-configuration mode: waits poll), the tick,
/// interrupt and bottom-half threads (Rust), then thread mode and the
/// delay-loop calibration (C). Needs the scheduler, the clock and
/// interrupts on; later calls return the first call's result.
///
/// # Errors
/// The bottom-half thread could not be created.
pub fn init() -> Result<(), String> {
    STARTED
        .call_once(|| {
            sched::start_jiffies();
            // SAFETY: called once, with the scheduler running, as the header asks.
            unsafe { sys::glue_early_init() };
            sched::start_threads()?;
            // SAFETY: called once, after the bottom-half thread started.
            unsafe { sys::glue_late_init() };
            crate::kprintln!("linux-glue: started (Linux {:#08x} services)", linux_version_code());
            Ok(())
        })
        .clone()
}

/// For the kernel's clock interrupt: brings jiffies up to date (see
/// [`sched::jiffies_sync`]). Until the clock calls it, the tick thread
/// keeps jiffies within a tick of the clock.
pub fn clock_tick() {
    sched::jiffies_sync();
}

/// The Linux glue's own self-tests, run by `test=linux-glue`: the seam, then
/// the glue's services (`glue_selftest` in `linux-glue/src/selftest.c`).
///
/// # Errors
/// What failed.
pub fn selftest() -> Result<(), String> {
    let r = seam_selftest(3, 4);
    if r != 6009 {
        return Err(format!("seam self-test returned {}", r));
    }
    init()?;
    let mut why = [0u8; 256];
    // SAFETY: `why` is writable for its length; the glue is started.
    let rc = unsafe { sys::glue_selftest(why.as_mut_ptr().cast(), why.len() as core::ffi::c_uint) };
    if rc != 0 {
        let end = why.iter().position(|&b| b == 0).unwrap_or(why.len());
        return Err(String::from_utf8_lossy(&why[..end]).into_owned());
    }
    Ok(())
}
