//! A Mach 3.0 microkernel for i386, interface-compatible with GNU Mach.
//!
//! Design principles:
//! - GNU Mach's names for GNU Mach's things: `i386/` (CPU and PC platform),
//!   `kern/` (start-up, log, panics), `vm/` (physical pages, heap, pmap),
//!   `platform/` (PCI, ACPI), `glue` (the seam with the Linux driver glue).
//! - Logic that needs no hardware lives in `kerncore` and is tested on the
//!   host; this crate feeds it memory and ports.
//! - `unsafe` is confined to hardware access, physical memory and the C seam,
//!   and each use says why it is sound.
//! - User input never panics the kernel; malformed boot data is reported and
//!   skipped.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

mod device;
mod glue;
mod i386;
mod ipc;
mod kern;
mod platform;
mod vm;
