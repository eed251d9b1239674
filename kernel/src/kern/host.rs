//! The host: what `host_info`, `host_get_time` and `host_kernel_version`
//! report (layouts from GNU Mach's `mach/host_info.h`), and `host_reboot`.

use alloc::vec::Vec;

use kerncore::kern_return::*;

use crate::i386::{cpu, rtc};
use crate::kern::sched_prim::QUANTUM_TICKS;

pub const HOST_BASIC_INFO: u32 = 1;
pub const HOST_PROCESSOR_SLOTS: u32 = 2;
pub const HOST_SCHED_INFO: u32 = 3;
pub const HOST_LOAD_INFO: u32 = 4;

const CPU_TYPE_I386: u32 = 7;
const CPU_TYPE_I486: u32 = 17;
const CPU_TYPE_PENTIUM: u32 = 18;
const CPU_TYPE_PENTIUMPRO: u32 = 19;
const CPU_SUBTYPE_AT386: u32 = 1;

/// `host_reboot` options (Mach's `sys/reboot.h`): halt instead of reboot.
pub const RB_HALT: u32 = 0x08;
/// `host_reboot` options: enter the kernel debugger instead.
pub const RB_DEBUGGER: u32 = 0x1000;

/// `host_reboot`: with `RB_HALT`, powers the machine off through ACPI (or,
/// where that fails, stops the CPU); otherwise resets it. GNU Mach does the
/// same; like it, nothing is synced first (writes are on the disk once
/// `device_write` has answered).
pub fn reboot(options: u32) -> ! {
    if options & RB_HALT != 0 {
        crate::kprintln!("host_reboot: halting");
        crate::platform::acpi::poweroff();
        crate::kprintln!("host_reboot: halted; it is now safe to turn the machine off");
        cpu::halt_forever()
    }
    crate::kprintln!("host_reboot: rebooting");
    cpu::reset()
}

/// The kernel's version string (`host_kernel_version`).
pub const VERSION: &str = concat!("Rust Mach ", env!("CARGO_PKG_VERSION"), " (GNU Mach interface, i386)\n");

/// The words of host-info `flavor`, given room for `capacity` words.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown flavor, `KERN_FAILURE` when
/// `capacity` is below the flavor's size (as GNU Mach answers).
pub fn info(flavor: u32, capacity: u32, memory_bytes: u64) -> Result<Vec<u32>, KernReturn> {
    let words: Vec<u32> = match flavor {
        HOST_BASIC_INFO => {
            let cpu_type = match cpu::features().family {
                0..=3 => CPU_TYPE_I386,
                4 => CPU_TYPE_I486,
                5 => CPU_TYPE_PENTIUM,
                _ => CPU_TYPE_PENTIUMPRO,
            };
            let mem = u32::try_from(memory_bytes).unwrap_or(u32::MAX);
            alloc::vec![1, 1, mem, cpu_type, CPU_SUBTYPE_AT386]
        }
        HOST_PROCESSOR_SLOTS => alloc::vec![0],
        HOST_SCHED_INFO => {
            let tick_ms = 1000 / crate::i386::clock::HZ;
            alloc::vec![tick_ms, tick_ms * QUANTUM_TICKS]
        }
        HOST_LOAD_INFO => alloc::vec![0; 6],
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    if (capacity as usize) < words.len() {
        return Err(KERN_FAILURE);
    }
    Ok(words)
}

/// `host_get_time`: (seconds, microseconds) since the epoch.
pub fn time() -> [u32; 2] {
    let (s, us) = rtc::now();
    [s as u32, us]
}
