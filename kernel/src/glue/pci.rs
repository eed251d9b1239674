//! PCI for the Linux glue: the functions of the kernel's scan, and
//! configuration space through mechanism #1 with byte/word/dword accesses
//! (a sub-dword write must not rewrite its neighbours: PCI_STATUS bits are
//! write-one-to-clear).
//!
//! # Locking
//! Each access runs with interrupts off, so it cannot interleave with the
//! kernel's own configuration accesses (also made with interrupts off) on
//! this single CPU.

use core::ffi::{c_int, c_uint};

use super::sys;
use crate::i386::cpu;
use crate::i386::io::{inb, inl, inw, outb, outl, outw};
use crate::platform::pci;

const CONFIG_ADDRESS: u16 = 0xCF8;
const CONFIG_DATA: u16 = 0xCFC;

fn address(bus: c_uint, devfn: c_uint, reg: c_uint) -> u32 {
    0x8000_0000 | (bus & 0xff) << 16 | (devfn & 0xff) << 8 | (reg & 0xfc)
}

/// Reads `size` (1, 2 or 4) bytes of configuration space at `reg`.
pub fn config_read(bus: c_uint, devfn: c_uint, reg: c_uint, size: c_uint) -> u32 {
    let data = CONFIG_DATA + (reg & 3) as u16;
    cpu::without_interrupts(|| {
        // SAFETY: the configuration address/data pair, used with interrupts
        // off; reads of configuration space have no side effects.
        unsafe {
            outl(CONFIG_ADDRESS, address(bus, devfn, reg));
            match size {
                1 => u32::from(inb(data)),
                2 => u32::from(inw(data)),
                _ => inl(CONFIG_DATA),
            }
        }
    })
}

/// Writes `size` (1, 2 or 4) bytes of configuration space at `reg`.
pub fn config_write(bus: c_uint, devfn: c_uint, reg: c_uint, size: c_uint, value: u32) {
    let data = CONFIG_DATA + (reg & 3) as u16;
    cpu::without_interrupts(|| {
        // SAFETY: as in `config_read`; the Linux driver asking owns the function.
        unsafe {
            outl(CONFIG_ADDRESS, address(bus, devfn, reg));
            match size {
                1 => outb(data, value as u8),
                2 => outw(data, value as u16),
                _ => outl(CONFIG_DATA, value),
            }
        }
    });
}

/// `mach_pci_device`.
///
/// # Safety
/// `info` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn mach_pci_device(index: c_uint, info: *mut sys::mach_pci_info) -> c_int {
    let Some(d) = pci::devices().get(index as usize) else { return -1 };
    if info.is_null() {
        return -1;
    }
    let devfn = c_uint::from(d.device) << 3 | c_uint::from(d.function);
    let out = sys::mach_pci_info {
        bus: d.bus,
        devfn: devfn as u8,
        vendor: d.vendor,
        device: d.device_id,
        irq: d.irq_line,
        header_type: config_read(c_uint::from(d.bus), devfn, 0x0e, 1) as u8,
        class_rev: u32::from(d.class) << 24 | u32::from(d.subclass) << 16 | u32::from(d.prog_if) << 8 | u32::from(d.revision),
    };
    // SAFETY: the caller's contract.
    unsafe { info.write(out) };
    0
}

/// `mach_pci_config_read`.
#[no_mangle]
pub extern "C" fn mach_pci_config_read(bus: c_uint, devfn: c_uint, reg: c_uint, size: c_uint) -> c_uint {
    config_read(bus, devfn, reg, size)
}

/// `mach_pci_config_write`.
#[no_mangle]
pub extern "C" fn mach_pci_config_write(bus: c_uint, devfn: c_uint, reg: c_uint, size: c_uint, value: c_uint) {
    config_write(bus, devfn, reg, size, value);
}
