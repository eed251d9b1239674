//! Time: the 8253/8254 PIT programmed at HZ = 100 on IRQ 0 with a tick
//! counter, and the TSC rate measured against PIT channel 2.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::i386::atomic64::AtomicU64;

use super::io::{inb, outb};
use super::{cpu, pic};

/// Clock interrupts per second, as GNU Mach's and Linux 2.0's `HZ`.
pub const HZ: u32 = 100;
/// The PIT's input clock.
pub const PIT_HZ: u32 = 1_193_182;

static TICKS: AtomicU64 = AtomicU64::new(0);
static TSC_KHZ: AtomicU32 = AtomicU32::new(0);

/// Ticks since the clock started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// TSC cycles per millisecond (0 before [`calibrate_tsc`]).
pub fn tsc_khz() -> u32 {
    TSC_KHZ.load(Ordering::Relaxed)
}

/// Milliseconds for `cycles` TSC cycles, once calibrated.
pub fn cycles_to_ms(cycles: u64) -> u64 {
    match tsc_khz() {
        0 => 0,
        k => cycles / u64::from(k),
    }
}

fn tick(_irq: u8) {
    TICKS.fetch_add(1, Ordering::Relaxed);
    crate::kern::sched_prim::clock_tick();
    crate::device::time::tick();
    crate::glue::clock_tick();
}

/// Measures the TSC against a 10 ms one-shot count of PIT channel 2.
/// Call with interrupts off, before [`start`].
pub fn calibrate_tsc() -> u32 {
    const MS: u32 = 10;
    let count = (PIT_HZ * MS / 1000) as u16;
    // SAFETY: port 0x61 (speaker/gate) and PIT channel 2 belong to the kernel;
    // the sequence gates channel 2 in mode 0 and polls its output bit.
    let cycles = unsafe {
        let gate = inb(0x61);
        outb(0x61, (gate & !0x02) | 0x01); // speaker off, gate on
        outb(0x43, 0xB0); // channel 2, lo/hi, mode 0
        outb(0x42, count as u8);
        outb(0x42, (count >> 8) as u8);
        let start = cpu::rdtsc();
        let mut spins = 0u32;
        while inb(0x61) & 0x20 == 0 && spins < 50_000_000 {
            spins += 1;
        }
        let end = cpu::rdtsc();
        outb(0x61, gate);
        end - start
    };
    let khz = (cycles / u64::from(MS)) as u32;
    TSC_KHZ.store(khz.max(1), Ordering::Relaxed);
    khz
}

/// Programs PIT channel 0 at [`HZ`] and starts counting ticks on IRQ 0.
pub fn start() {
    let divisor = (PIT_HZ + HZ / 2) / HZ;
    // SAFETY: PIT channel 0 command and data ports belong to the kernel.
    unsafe {
        outb(0x43, 0x34); // channel 0, lo/hi, mode 2 (rate generator)
        outb(0x40, divisor as u8);
        outb(0x40, (divisor >> 8) as u8);
    }
    pic::register(0, tick);
}

/// The TSC value `ms` milliseconds from now (assuming 1 GHz before calibration);
/// usable with interrupts off, unlike [`ticks`].
pub fn tsc_deadline(ms: u64) -> u64 {
    let khz = match tsc_khz() {
        0 => 1_000_000,
        k => u64::from(k),
    };
    cpu::rdtsc().saturating_add(ms.saturating_mul(khz))
}
