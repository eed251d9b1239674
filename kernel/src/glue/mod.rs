//! The Rust end of the seam with the Linux glue (`linux-glue/include/seam.h`).
//!
//! `sys` holds what bindgen generated from the header: the C functions Rust
//! may call. Every function C may call into Rust is defined in this module,
//! and only here, with the signature the header declares.

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

/// The Linux glue's own self-tests, run by `test=linux-glue`.
///
/// # Errors
/// What failed.
pub fn selftest() -> Result<(), alloc::string::String> {
    let r = seam_selftest(3, 4);
    if r != 6009 {
        return Err(alloc::format!("seam self-test returned {}", r));
    }
    Ok(())
}
