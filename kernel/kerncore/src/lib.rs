//! Kernel algorithms that need no hardware, tested on the host with `cargo test`.
//!
//! The kernel (`kernel/src`) feeds these with memory it reads through the linear
//! map; here they only see bytes and numbers, so every rule about malformed input
//! (a corrupt multiboot map, an unknown command-line word, a double free) is
//! checked by host tests. No `unsafe` code lives in this crate.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod aml;
pub mod bootscript;
pub mod cmdline;
pub mod elf;
pub mod fixedvec;
pub mod kern_return;
pub mod multiboot;
pub mod page_table;
pub mod physmem;
pub mod userstack;
pub mod vm_entries;
pub mod vm_map;
pub mod vm_object;

#[cfg(test)]
mod proptests;
