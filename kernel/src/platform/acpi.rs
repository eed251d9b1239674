//! ACPI, found with the `acpi` crate: the tables are located from the BIOS
//! RSDP, and the FADT plus the DSDT's `\_S5_` object give the soft-off
//! sequence used to power the machine off.

use core::ptr::NonNull;

use acpi::fadt::Fadt;
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};
use spin::Once;

use crate::i386::io::{inw, outb, outw};
use crate::i386::clock;
use crate::vm::pmap;

/// Maps ACPI tables for the `acpi` crate.
#[derive(Clone, Copy)]
struct Mapper;

impl AcpiHandler for Mapper {
    unsafe fn map_physical_region<T>(&self, physical_address: usize, size: usize) -> PhysicalMapping<Self, T> {
        let va = pmap::map_phys(physical_address as u64, size.max(1), false)
            .unwrap_or_else(|| panic!("acpi: cannot map {:#x}+{:#x}", physical_address, size));
        // SAFETY: `va` maps `size` bytes at `physical_address` for the kernel's
        // whole life (linear map or the window, never unmapped).
        unsafe { PhysicalMapping::new(physical_address, NonNull::new_unchecked(va as *mut T), size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// What powering off needs.
#[derive(Clone, Copy, Debug)]
pub struct SoftOff {
    pm1a_cnt: u16,
    pm1b_cnt: Option<u16>,
    slp_typa: u16,
    slp_typb: u16,
    smi_cmd: u32,
    acpi_enable: u8,
}

static SOFT_OFF: Once<Option<SoftOff>> = Once::new();

const SLP_EN: u16 = 1 << 13;
const SCI_EN: u16 = 1;

fn io_port(addr: &acpi::address::GenericAddress) -> Option<u16> {
    (addr.address_space == acpi::address::AddressSpace::SystemIo && addr.address != 0 && addr.address <= 0xFFFF)
        .then_some(addr.address as u16)
}

fn find() -> Result<SoftOff, &'static str> {
    // SAFETY: the BIOS areas the crate searches (EBDA, 0xE0000..0xFFFFF) are
    // in the linear map; the handler maps whatever it asks for.
    let tables = unsafe { AcpiTables::search_for_rsdp_bios(Mapper) }.map_err(|_| "no RSDP found")?;
    let fadt = tables.find_table::<Fadt>().map_err(|_| "no FADT")?;
    let pm1a = fadt.pm1a_control_block().map_err(|_| "bad PM1a_CNT")?;
    let pm1a_cnt = io_port(&pm1a).ok_or("PM1a_CNT not in I/O space")?;
    let pm1b_cnt = fadt.pm1b_control_block().ok().flatten().as_ref().and_then(io_port);
    let smi_cmd = fadt.smi_cmd_port;
    let acpi_enable = fadt.acpi_enable;
    let dsdt = tables.dsdt().map_err(|_| "no DSDT")?;
    let va = pmap::map_phys(dsdt.address as u64, dsdt.length as usize, false).ok_or("DSDT not mappable")?;
    // SAFETY: `va` maps the DSDT's AML stream for the kernel's life; it is only read.
    let aml = unsafe { core::slice::from_raw_parts(va as *const u8, dsdt.length as usize) };
    let (slp_typa, slp_typb) = kerncore::aml::s5_sleep_types(aml).ok_or("no \\_S5_ in the DSDT")?;
    Ok(SoftOff { pm1a_cnt, pm1b_cnt, slp_typa, slp_typb, smi_cmd, acpi_enable })
}

/// Finds the tables; reports what is missing. Returns whether soft-off is possible.
pub fn init() -> bool {
    SOFT_OFF
        .call_once(|| match find() {
            Ok(s) => {
                crate::kprintln!("acpi: PM1a_CNT {:#x}, S5 SLP_TYP {}/{}", s.pm1a_cnt, s.slp_typa, s.slp_typb);
                Some(s)
            }
            Err(why) => {
                crate::kwarn!("acpi: {}; no soft power-off", why);
                None
            }
        })
        .is_some()
}

/// Powers the machine off through ACPI S5. Returns only if that failed.
pub fn poweroff() {
    let Some(Some(s)) = SOFT_OFF.get().copied() else {
        crate::kwarn!("acpi: power-off not available");
        return;
    };
    crate::kprintln!("acpi: powering off");
    // SAFETY: the PM1 control ports and SMI command port come from the FADT;
    // this is the ACPI-defined enable and sleep sequence.
    unsafe {
        if inw(s.pm1a_cnt) & SCI_EN == 0 && s.smi_cmd != 0 && s.acpi_enable != 0 {
            outb(s.smi_cmd as u16, s.acpi_enable);
            let until = clock::tsc_deadline(3000);
            while inw(s.pm1a_cnt) & SCI_EN == 0 && crate::i386::cpu::rdtsc() < until {
                core::hint::spin_loop();
            }
        }
        outw(s.pm1a_cnt, (s.slp_typa << 10) | SLP_EN);
        if let Some(b) = s.pm1b_cnt {
            outw(b, (s.slp_typb << 10) | SLP_EN);
        }
    }
    // Give the chipset a moment before reporting failure.
    let until = clock::tsc_deadline(1000);
    while crate::i386::cpu::rdtsc() < until {
        core::hint::spin_loop();
    }
    crate::kwarn!("acpi: the machine did not power off");
}
