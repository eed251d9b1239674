//! The I/O-port reservation table: Linux drivers reach it through
//! `check_region`/`request_region`/`release_region`, native drivers through
//! [`request`]/[`release`], so neither takes the other's ports.
//!
//! # Locking
//! One spin lock, taken with interrupts off (C may call from anywhere).

use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_uint, CStr};

use spin::Mutex;

use crate::i386::cpu;

/// EBUSY, as the seam returns it.
const EBUSY: c_int = 16;

/// One reservation: ports `from .. from + extent`.
#[derive(Clone, Debug)]
pub struct Region {
    pub from: u32,
    pub extent: u32,
    pub name: String,
}

impl Region {
    fn overlaps(&self, from: u32, extent: u32) -> bool {
        let (a, b) = (u64::from(self.from), u64::from(self.from) + u64::from(self.extent));
        let (c, d) = (u64::from(from), u64::from(from) + u64::from(extent));
        a < d && c < b
    }
}

/// The range asked for overlaps a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Busy {
    pub owner: String,
}

static REGIONS: Mutex<Vec<Region>> = Mutex::new(Vec::new());

fn with<R>(f: impl FnOnce(&mut Vec<Region>) -> R) -> R {
    cpu::without_interrupts(|| f(&mut REGIONS.lock()))
}

/// Whether `from .. from + extent` is free.
pub fn is_free(from: u32, extent: u32) -> bool {
    extent == 0 || with(|r| !r.iter().any(|x| x.overlaps(from, extent)))
}

/// Reserves `from .. from + extent` for `name`.
///
/// # Errors
/// [`Busy`] with the owner of an overlapping reservation.
pub fn request(from: u32, extent: u32, name: &str) -> Result<(), Busy> {
    if extent == 0 {
        return Ok(());
    }
    let entry = Region { from, extent, name: String::from(name) };
    with(|r| {
        if let Some(x) = r.iter().find(|x| x.overlaps(from, extent)) {
            return Err(Busy { owner: x.name.clone() });
        }
        r.push(entry);
        Ok(())
    })
}

/// Drops the reservation that starts at `from` (with `extent`, if one matches
/// exactly; else the first starting there).
pub fn release(from: u32, extent: u32) {
    let dropped = with(|r| {
        let i = r.iter().position(|x| x.from == from && x.extent == extent).or_else(|| r.iter().position(|x| x.from == from));
        i.map(|i| r.remove(i))
    });
    if dropped.is_none() {
        crate::kprintln!("linux-glue: release_region({:#x}, {}): not reserved", from, extent);
    }
}

/// The current reservations.
#[allow(dead_code)] // for a future "ports in use" report
pub fn list() -> Vec<Region> {
    with(|r| r.clone())
}

/// `mach_region_check`.
#[no_mangle]
pub extern "C" fn mach_region_check(from: c_uint, extent: c_uint) -> c_int {
    if is_free(from, extent) { 0 } else { -EBUSY }
}

/// `mach_region_request`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mach_region_request(from: c_uint, extent: c_uint, name: *const c_char) -> c_int {
    let name = if name.is_null() {
        String::from("linux")
    } else {
        // SAFETY: the caller's contract.
        let s = unsafe { CStr::from_ptr(name) };
        s.to_string_lossy().chars().take(32).collect()
    };
    match request(from, extent, &name) {
        Ok(()) => 0,
        Err(_) => -EBUSY,
    }
}

/// `mach_region_release`.
#[no_mangle]
pub extern "C" fn mach_region_release(from: c_uint, extent: c_uint) {
    release(from, extent);
}
