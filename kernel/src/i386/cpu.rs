//! CPU control: interrupt flag, halting, time-stamp counter, features (with `x86`).

use core::arch::asm;

const EFLAGS_IF: u32 = 1 << 9;

/// Whether interrupts are enabled on this CPU.
#[inline]
pub fn interrupts_enabled() -> bool {
    let flags: u32;
    // SAFETY: reading EFLAGS has no side effect.
    unsafe { asm!("pushfd", "pop {}", out(reg) flags, options(preserves_flags)) };
    flags & EFLAGS_IF != 0
}

/// Enables interrupts.
#[inline]
pub fn enable_interrupts() {
    // SAFETY: the IDT and PIC are set up before the first call (kern::startup).
    unsafe { asm!("sti", options(nomem, nostack)) };
}

/// Disables interrupts.
#[inline]
pub fn disable_interrupts() {
    // SAFETY: masking interrupts cannot break memory safety.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

/// Runs `f` with interrupts off, restoring the previous state after.
#[inline]
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    let was = interrupts_enabled();
    disable_interrupts();
    let r = f();
    if was {
        enable_interrupts();
    }
    r
}

/// Enables interrupts and halts until the next one, atomically (no wake-up lost).
#[inline]
pub fn enable_and_halt() {
    // SAFETY: `sti; hlt` only waits for an interrupt.
    unsafe { asm!("sti", "hlt", options(nomem, nostack)) };
}

/// Stops this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: halting with interrupts off only stops the CPU.
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// Resets the machine: the keyboard controller's reset line, then the PCI
/// reset control register (0xCF9), then a triple fault (an empty IDT and
/// an exception). Interrupts go off first.
pub fn reset() -> ! {
    use super::io::{inb, outb};
    disable_interrupts();
    // SAFETY: the 8042's status and command ports and the chipset's reset
    // control register; each asks the board to restart the CPU.
    unsafe {
        for _ in 0..100_000 {
            if inb(0x64) & 2 == 0 {
                break;
            }
        }
        outb(0x64, 0xFE);
        let until = super::clock::tsc_deadline(100);
        while rdtsc() < until {
            core::hint::spin_loop();
        }
        outb(0xCF9, 0x02);
        outb(0xCF9, 0x06);
        let until = super::clock::tsc_deadline(100);
        while rdtsc() < until {
            core::hint::spin_loop();
        }
        // No IDT: the next exception is a triple fault.
        let empty: [u16; 3] = [0; 3];
        asm!("lidt [{}]", "int3", in(reg) &empty, options(nostack));
    }
    halt_forever()
}

/// The time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: the kernel requires a TSC (checked in `features`); rdtsc has no side effect.
    unsafe { core::arch::x86::_rdtsc() }
}

/// The faulting linear address of the last page fault.
#[inline]
pub fn cr2() -> u32 {
    let v: u32;
    // SAFETY: reading CR2 has no side effect.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// The current frame pointer.
#[inline(always)]
pub fn frame_pointer() -> u32 {
    let v: u32;
    // SAFETY: copying %ebp has no side effect.
    unsafe { asm!("mov {}, ebp", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// The `cpuid` instruction for leaf `leaf`, sub-leaf `sub`.
fn cpuid(leaf: u32, sub: u32) -> x86::cpuid::CpuIdResult {
    let (eax, ebx, ecx, edx);
    // SAFETY: cpuid only reads identification registers (every CPU this
    // kernel runs on, Pentium and later, has it); %ebx is saved by hand
    // because LLVM may reserve it.
    unsafe {
        asm!(
            "mov {tmp}, ebx",
            "cpuid",
            "xchg {tmp}, ebx",
            tmp = out(reg) ebx,
            inout("eax") leaf => eax,
            inout("ecx") sub => ecx,
            out("edx") edx,
            options(nomem, nostack, preserves_flags),
        );
    }
    x86::cpuid::CpuIdResult { eax, ebx, ecx, edx }
}

/// What the kernel learned of the CPU.
#[derive(Clone, Copy, Default)]
pub struct Features {
    pub vendor: [u8; 12],
    pub family: u8,
    pub model: u8,
    pub stepping: u8,
    pub fpu: bool,
    pub tsc: bool,
    pub pse: bool,
    pub pge: bool,
    pub apic: bool,
    pub mmx: bool,
    pub sse: bool,
    pub fxsr: bool,
}

/// Reads the CPU's identification and feature bits with `x86`'s cpuid.
pub fn features() -> Features {
    let id = x86::cpuid::CpuId::with_cpuid_fn(cpuid);
    let mut f = Features::default();
    if let Some(v) = id.get_vendor_info() {
        let s = v.as_str().as_bytes();
        let n = s.len().min(12);
        f.vendor[..n].copy_from_slice(&s[..n]);
    }
    if let Some(fi) = id.get_feature_info() {
        f.family = fi.family_id();
        f.model = fi.model_id();
        f.stepping = fi.stepping_id();
        f.fpu = fi.has_fpu();
        f.tsc = fi.has_tsc();
        f.pse = fi.has_pse();
        f.pge = fi.has_pge();
        f.apic = fi.has_apic();
        f.mmx = fi.has_mmx();
        f.sse = fi.has_sse();
        f.fxsr = fi.has_fxsave_fxstor();
    }
    f
}
