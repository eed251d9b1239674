//! PCI: configuration mechanism #1 (ports 0xCF8/0xCFC), a scan of every bus
//! reachable from bus 0 with `pci_types`, and the device list kept for drivers.

use alloc::vec::Vec;

use pci_types::{Bar, ConfigRegionAccess, EndpointHeader, HeaderType, PciAddress, PciHeader, PciPciBridgeHeader};
use spin::{Mutex, Once};

use crate::i386::cpu;
use crate::i386::io::{inl, outl};

const CONFIG_ADDRESS: u16 = 0xCF8;
const CONFIG_DATA: u16 = 0xCFC;

static CONFIG_LOCK: Mutex<()> = Mutex::new(());

/// Configuration space through mechanism #1.
#[derive(Clone, Copy)]
pub struct ConfigPorts;

fn config_word(a: PciAddress, offset: u16) -> u32 {
    0x8000_0000
        | (u32::from(a.bus()) << 16)
        | (u32::from(a.device()) << 11)
        | (u32::from(a.function()) << 8)
        | u32::from(offset & 0xFC)
}

impl ConfigRegionAccess for ConfigPorts {
    unsafe fn read(&self, address: PciAddress, offset: u16) -> u32 {
        cpu::without_interrupts(|| {
            let _g = CONFIG_LOCK.lock();
            // SAFETY: the address/data pair is used under CONFIG_LOCK with interrupts off.
            unsafe {
                outl(CONFIG_ADDRESS, config_word(address, offset));
                inl(CONFIG_DATA)
            }
        })
    }

    unsafe fn write(&self, address: PciAddress, offset: u16, value: u32) {
        cpu::without_interrupts(|| {
            let _g = CONFIG_LOCK.lock();
            // SAFETY: as in `read`; the caller vouches for the register written.
            unsafe {
                outl(CONFIG_ADDRESS, config_word(address, offset));
                outl(CONFIG_DATA, value);
            }
        })
    }
}

/// A BAR as the kernel keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PciBar {
    Io { port: u32 },
    Mem { address: u64, size: u64, prefetchable: bool },
}

/// One PCI function found at boot.
#[derive(Clone, Debug)]
pub struct PciDevice {
    pub bus: u8,
    pub device: u8,
    pub function: u8,
    pub vendor: u16,
    pub device_id: u16,
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
    pub revision: u8,
    pub bars: [Option<PciBar>; 6],
    pub irq_line: u8,
    pub irq_pin: u8,
}

static DEVICES: Once<Vec<PciDevice>> = Once::new();

/// The functions found by [`init`].
pub fn devices() -> &'static [PciDevice] {
    DEVICES.get().map_or(&[], |v| v.as_slice())
}

fn read_bars(ep: &EndpointHeader) -> [Option<PciBar>; 6] {
    let mut bars = [None; 6];
    let mut slot = 0u8;
    while slot < 6 {
        let bar = ep.bar(slot, ConfigPorts);
        bars[usize::from(slot)] = match bar {
            Some(Bar::Io { port }) => Some(PciBar::Io { port }),
            Some(Bar::Memory32 { address, size, prefetchable }) => {
                Some(PciBar::Mem { address: u64::from(address), size: u64::from(size), prefetchable })
            }
            Some(Bar::Memory64 { address, size, prefetchable }) => {
                slot += 1; // the upper half takes the next slot
                Some(PciBar::Mem { address, size, prefetchable })
            }
            None => None,
        };
        slot += 1;
    }
    bars
}

fn scan_bus(bus: u8, seen: &mut [bool; 256], out: &mut Vec<PciDevice>) {
    if core::mem::replace(&mut seen[usize::from(bus)], true) {
        return;
    }
    for dev in 0..32u8 {
        let h0 = PciHeader::new(PciAddress::new(0, bus, dev, 0));
        if h0.id(ConfigPorts).0 == 0xFFFF {
            continue;
        }
        let functions = if h0.has_multiple_functions(ConfigPorts) { 8 } else { 1 };
        for func in 0..functions {
            let h = PciHeader::new(PciAddress::new(0, bus, dev, func));
            let (vendor, device_id) = h.id(ConfigPorts);
            if vendor == 0xFFFF {
                continue;
            }
            let (revision, class, subclass, prog_if) = h.revision_and_class(ConfigPorts);
            let mut d = PciDevice {
                bus, device: dev, function: func, vendor, device_id, class, subclass, prog_if, revision,
                bars: [None; 6], irq_line: 0xFF, irq_pin: 0,
            };
            match h.header_type(ConfigPorts) {
                HeaderType::Endpoint => {
                    if let Some(ep) = EndpointHeader::from_header(h, ConfigPorts) {
                        d.bars = read_bars(&ep);
                        let (pin, line) = ep.interrupt(ConfigPorts);
                        d.irq_pin = pin;
                        d.irq_line = line;
                    }
                    out.push(d);
                }
                HeaderType::PciPciBridge => {
                    out.push(d);
                    if let Some(br) = PciPciBridgeHeader::from_header(h, ConfigPorts) {
                        let secondary = br.secondary_bus_number(ConfigPorts);
                        if secondary > bus {
                            scan_bus(secondary, seen, out);
                        }
                    }
                }
                _ => out.push(d),
            }
        }
    }
}

/// Scans the buses, prints each function, and keeps the list.
pub fn init() -> &'static [PciDevice] {
    DEVICES.call_once(|| {
        let mut out = Vec::new();
        let mut seen = [false; 256];
        scan_bus(0, &mut seen, &mut out);
        for d in &out {
            crate::kprint!(
                "pci {:02x}:{:02x}.{} {:04x}:{:04x} class {:02x}.{:02x}.{:02x} rev {:02x} irq {}",
                d.bus, d.device, d.function, d.vendor, d.device_id, d.class, d.subclass, d.prog_if, d.revision,
                d.irq_line
            );
            for (i, b) in d.bars.iter().enumerate() {
                match b {
                    Some(PciBar::Io { port }) => crate::kprint!(" bar{}=io:{:#x}", i, port),
                    Some(PciBar::Mem { address, size, .. }) => crate::kprint!(" bar{}=mem:{:#x}+{:#x}", i, address, size),
                    None => {}
                }
            }
            crate::kprintln!();
        }
        out
    })
}
