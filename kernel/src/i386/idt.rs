//! The interrupt descriptor table: exception and IRQ gates to the stubs of `trap`.

use core::arch::asm;
use core::cell::UnsafeCell;

use super::gdt::KERNEL_CS;

const ENTRIES: usize = 256;

struct Idt(UnsafeCell<[u64; ENTRIES]>);
// SAFETY: written only by `set_gate` during single-threaded start-up.
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new([0; ENTRIES]));

/// An interrupt gate (interrupts off on entry) to `handler` at privilege `dpl`.
const fn interrupt_gate(handler: u32, dpl: u8) -> u64 {
    (handler as u64 & 0xFFFF)
        | ((KERNEL_CS as u64) << 16)
        | ((0x8E | ((dpl as u64 & 3) << 5)) << 40)
        | (((handler as u64) >> 16) << 48)
}

/// Points vector `n` at `handler`.
pub fn set_gate(n: u8, handler: u32, dpl: u8) {
    // SAFETY: start-up runs alone on the CPU; each entry is one aligned store.
    unsafe { (*IDT.0.get())[usize::from(n)] = interrupt_gate(handler, dpl) };
}

/// Loads the IDT register.
pub fn load() {
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u32,
    }
    let p = Pointer { limit: (ENTRIES * 8 - 1) as u16, base: IDT.0.get() as u32 };
    // SAFETY: the IDT is static and its gates point at valid stubs or are not present.
    unsafe { asm!("lidt [{}]", in(reg) &p, options(readonly, nostack, preserves_flags)) };
}
