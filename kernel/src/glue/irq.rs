//! Interrupt lines for the Linux glue: a line attached to the glue runs
//! `glue_irq_dispatch` (the C handler chain) from the kernel's 8259
//! dispatch. Lines the kernel itself owns are refused.

use core::ffi::{c_int, c_uint};
use core::sync::atomic::{AtomicU16, Ordering};

use super::sys;
use crate::i386::pic;

/// EBUSY, as the seam returns it.
const EBUSY: c_int = 16;

/// Lines the kernel's own drivers own: the clock (0) and the cascade (2).
static NATIVE: AtomicU16 = AtomicU16::new(1 << 0 | 1 << 2);
/// Lines attached to the glue.
static LINUX: AtomicU16 = AtomicU16::new(0);

/// Claims `irq` for a native (Rust) driver; false if the glue has it.
pub fn reserve_native(irq: u8) -> bool {
    if irq >= 16 || LINUX.load(Ordering::Acquire) & (1 << irq) != 0 {
        return false;
    }
    NATIVE.fetch_or(1 << irq, Ordering::AcqRel);
    true
}

fn linux_irq(irq: u8) {
    super::sched::jiffies_sync();
    // SAFETY: called from the kernel's IRQ dispatch with interrupts off,
    // before the end of interrupt, as glue_irq_dispatch requires.
    let work = unsafe { sys::glue_irq_dispatch(c_uint::from(irq)) };
    if work & 2 != 0 {
        super::sched::wake_irq();
    }
    if work & 1 != 0 {
        super::sched::wake_bh();
    }
}

/// `mach_irq_attach`.
#[no_mangle]
pub extern "C" fn mach_irq_attach(irq: c_uint) -> c_int {
    if irq >= 16 || NATIVE.load(Ordering::Acquire) & (1 << irq) != 0 {
        return -EBUSY;
    }
    LINUX.fetch_or(1 << irq, Ordering::AcqRel);
    pic::register(irq as u8, linux_irq);
    0
}

/// `mach_irq_mask`.
#[no_mangle]
pub extern "C" fn mach_irq_mask(irq: c_uint) {
    if irq < 16 && NATIVE.load(Ordering::Acquire) & (1 << irq) == 0 {
        pic::mask(irq as u8);
    }
}

/// `mach_irq_unmask`. A line the `irq` device holds masked for a
/// user-level driver stays masked until that driver acknowledges it (Linux
/// 2.0's ide.c brackets every request start with disable_irq/enable_irq).
#[no_mangle]
pub extern "C" fn mach_irq_unmask(irq: c_uint) {
    if irq < 16 && LINUX.load(Ordering::Acquire) & (1 << irq) != 0 && !crate::device::intr::held(irq as u8) {
        pic::unmask(irq as u8);
    }
}
