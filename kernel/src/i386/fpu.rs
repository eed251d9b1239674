//! The x87 FPU (and SSE registers) per user thread, as GNU Mach's `fpu.c`
//! does it: every thread starts with a clean FPU; the state is loaded
//! lazily (a thread's first FPU instruction after a switch traps with
//! `#NM` because `CR0.TS` is set, and the handler restores its state, or
//! initialises the FPU for a thread that never used it) and saved when the
//! thread is switched out. State never passes from one thread to another.
//!
//! The kernel itself never uses the FPU: an `#NM` in kernel mode panics.
//! A new thread's clean FPU takes the control word of the thread that
//! created it in the same task, as GNU Mach's does.
//! With FXSR (every CPU since the Pentium III and QEMU's `qemu32`) the
//! state is saved with `fxsave` and SSE is enabled for user code
//! (`CR4.OSFXSR`), as GNU Mach's `FP_387FX`; otherwise with `fnsave`
//! (`FP_387`).
//!
//! An unmasked x87 exception (`#MF`, `CR0.NE` set) saves the state and
//! becomes `EXC_ARITHMETIC` / `EXC_I386_EXTERR` with the status word.
//! `i386_FLOAT_STATE` (30 words: kind, initialised, the 108-byte `fnsave`
//! image, exception status) reads and writes a thread's saved state.

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

use alloc::boxed::Box;

use super::pcb::{with_machine, MachineState};
use crate::kern::sched_prim::ThreadId;

/// GNU Mach's `fp_kind` values (`mach/i386/fp_reg.h`).
const FP_387: u32 = 3;
const FP_387FX: u32 = 4;
/// `i386_FLOAT_STATE` (`mach/i386/thread_status.h`) and its word count.
pub const I386_FLOAT_STATE: u32 = 2;
pub const I386_FLOAT_STATE_COUNT: usize = 30;
/// Bytes of the `fnsave` image in `i386_float_state.hw_state`.
const FP_STATE_BYTES: usize = 108;

const CR0_MP: u32 = 1 << 1;
const CR0_EM: u32 = 1 << 2;
const CR0_TS: u32 = 1 << 3;
const CR0_NE: u32 = 1 << 5;
const CR4_OSFXSR: u32 = 1 << 9;

/// A thread's saved FPU state: an `fxsave` image (512 bytes, 16-aligned)
/// or, without FXSR, an `fnsave` image in its first 108 bytes.
#[repr(C, align(16))]
pub struct FpuArea {
    image: [u8; 512],
}

/// `fxsave` is in use (the CPU has FXSR).
static FXSR: AtomicBool = AtomicBool::new(false);
/// The running thread's state is in the FPU (`CR0.TS` clear).
static LIVE: AtomicBool = AtomicBool::new(false);

fn cr0() -> u32 {
    let v: u32;
    // SAFETY: reading CR0 has no side effect.
    unsafe { asm!("mov {}, cr0", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

fn set_ts() {
    // SAFETY: setting CR0.TS only makes the next FPU instruction trap.
    unsafe { asm!("mov {0}, cr0", "or {0}, 8", "mov cr0, {0}", out(reg) _, options(nomem, nostack)) };
}

fn clts() {
    // SAFETY: clearing CR0.TS lets FPU instructions run; done only with
    // interrupts off by the handlers below, which then load the right state.
    unsafe { asm!("clts", options(nomem, nostack, preserves_flags)) };
}

/// Enables the FPU for user threads: native error reporting (`CR0.NE`),
/// `wait` traps with `TS` (`CR0.MP`), no emulation, SSE when the CPU has
/// FXSR; leaves `TS` set so the first use traps.
pub fn init(fxsr: bool) {
    FXSR.store(fxsr, Ordering::Relaxed);
    // SAFETY: start-up, interrupts off; these control bits only change how
    // FPU instructions behave, and the kernel executes none but fninit here.
    unsafe {
        let c = (cr0() & !(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
        asm!("mov cr0, {}", in(reg) c, options(nomem, nostack));
        if fxsr {
            asm!("mov {0}, cr4", "or {0}, {1}", "mov cr4, {0}", out(reg) _, const CR4_OSFXSR, options(nomem, nostack));
        }
        asm!("fninit", options(nomem, nostack));
    }
    set_ts();
}

/// Saves the FPU into `area` (which `fnsave` leaves reinitialised).
///
/// # Safety
/// `CR0.TS` is clear and interrupts are off.
unsafe fn save(area: &mut FpuArea) {
    let p = area.image.as_mut_ptr();
    // SAFETY: `p` is a 512-byte, 16-aligned buffer, as both forms need.
    unsafe {
        if FXSR.load(Ordering::Relaxed) {
            asm!("fxsave [{}]", in(reg) p, options(nostack));
        } else {
            asm!("fnsave [{}]", in(reg) p, options(nostack));
        }
    }
}

/// Loads the FPU from `area`.
///
/// # Safety
/// As [`save`]; `area` holds an image of the form in use.
unsafe fn restore(area: &FpuArea) {
    let p = area.image.as_ptr();
    // SAFETY: as in `save`. A user-supplied image may hold pending
    // exceptions; they are raised by the thread's next FPU instruction.
    unsafe {
        if FXSR.load(Ordering::Relaxed) {
            asm!("fxrstor [{}]", in(reg) p, options(nostack, readonly));
        } else {
            asm!("frstor [{}]", in(reg) p, options(nostack, readonly));
        }
    }
}

/// A switch away from a thread: its live FPU state goes to its record.
/// Called by the scheduler (interrupts off).
pub fn switch_out(prev: Option<&mut MachineState>) {
    if !LIVE.swap(false, Ordering::Relaxed) {
        return;
    }
    if let Some(area) = prev.and_then(|m| m.fpu.as_deref_mut()) {
        // SAFETY: LIVE means TS is clear; interrupts are off.
        unsafe { save(area) };
    }
    set_ts();
}

/// `#NM` from user mode: the running thread `th` uses the FPU; load its
/// state (a clean FPU the first time). Interrupts are off.
pub fn device_not_available(th: ThreadId) {
    clts();
    // The area is allocated here, outside the scheduler's switch path.
    let area = with_machine(th, |m| m.fpu.take());
    let area = match area {
        Some(a) => {
            // SAFETY: TS is clear, interrupts off, the image is ours.
            unsafe { restore(&a) };
            a
        }
        None => {
            // SAFETY: TS is clear; fninit only resets the FPU.
            unsafe { asm!("fninit", options(nomem, nostack)) };
            let cw = with_machine(th, |m| m.init_control);
            if cw != 0 {
                // SAFETY: loads a control word (the creator's) into the
                // clean FPU of this thread.
                unsafe { asm!("fldcw word ptr [{}]", in(reg) &cw, options(nostack, readonly)) };
            }
            if FXSR.load(Ordering::Relaxed) {
                // SSE state clean too: MXCSR's default (all masked).
                let mxcsr: u32 = 0x1F80;
                // SAFETY: OSFXSR is set whenever FXSR is in use.
                unsafe { asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack, readonly)) };
            }
            Box::new(FpuArea { image: [0; 512] })
        }
    };
    with_machine(th, |m| m.fpu = Some(area));
    LIVE.store(true, Ordering::Relaxed);
}

/// A new thread `child` created by the running thread `parent` of the same
/// task starts with `parent`'s FPU control word (GNU Mach's `fpinherit`),
/// if `parent` has used the FPU.
pub fn inherit(parent: ThreadId, child: ThreadId) {
    super::cpu::without_interrupts(|| {
        let cw = with_machine(parent, |m| {
            m.fpu.as_deref()?;
            if LIVE.load(Ordering::Relaxed) {
                let mut cw = 0u16;
                // SAFETY: the running thread's state is in the FPU (TS is
                // clear); fnstcw only reads its control word.
                unsafe { asm!("fnstcw word ptr [{}]", in(reg) &mut cw, options(nostack)) };
                Some(cw)
            } else {
                m.fpu.as_deref().map(|a| u16::from_le_bytes([a.image[0], a.image[1]]))
            }
        });
        if let Some(cw) = cw {
            with_machine(child, |m| m.init_control = cw);
        }
    });
}

/// `#MF` from user mode: saves the running thread's state (the FPU is
/// reinitialised and turned off) and returns the status word for
/// `EXC_I386_EXTERR`. Interrupts are off.
pub fn error(th: ThreadId) -> u32 {
    if !LIVE.swap(false, Ordering::Relaxed) {
        return 0;
    }
    let status = with_machine(th, |m| {
        let area = m.fpu.as_deref_mut()?;
        // SAFETY: LIVE means TS is clear; interrupts are off.
        unsafe {
            save(area);
            asm!("fninit", options(nomem, nostack));
        }
        Some(u32::from(u16::from_le_bytes(if FXSR.load(Ordering::Relaxed) { [area.image[2], area.image[3]] } else { [area.image[4], area.image[5]] })))
    });
    set_ts();
    status.unwrap_or(0)
}

/// The 16-bit fields of the 28-byte `fnsave` environment at their offsets.
const ENV_CONTROL: usize = 0;
const ENV_STATUS: usize = 4;
const ENV_TAG: usize = 8;
const ENV_EIP: usize = 12;
const ENV_CS: usize = 16;
const ENV_OPCODE: usize = 18;
const ENV_DP: usize = 20;
const ENV_DS: usize = 24;

/// The full x87 tag word of an `fxsave` image (which keeps one bit per
/// register: valid or empty), worked out from the registers themselves
/// as the CPU's `fnsave` would: 0 valid, 1 zero, 2 special, 3 empty.
fn full_tag(img: &[u8; 512]) -> u16 {
    let top = (u16::from_le_bytes([img[2], img[3]]) >> 11) & 7;
    let abridged = img[4];
    let mut tag = 0u16;
    for phys in 0..8u16 {
        let t = if abridged & (1 << phys) == 0 {
            3
        } else {
            // Physical register `phys` is ST((phys - top) mod 8).
            let st = usize::from((phys + 8 - top) & 7);
            let r = &img[32 + st * 16..32 + st * 16 + 10];
            let exp = u16::from_le_bytes([r[8], r[9]]) & 0x7FFF;
            let mant = u64::from_le_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]);
            match exp {
                0x7FFF => 2,
                0 if mant == 0 => 1,
                0 => 2,
                _ if mant & (1 << 63) != 0 => 0,
                _ => 2,
            }
        };
        tag |= t << (2 * phys);
    }
    tag
}

/// `thread_get_state(i386_FLOAT_STATE)` of thread `th` (not the running
/// one): all zero when it never used the FPU, as GNU Mach answers.
pub fn get_state(th: ThreadId) -> [u32; I386_FLOAT_STATE_COUNT] {
    let mut hw = [0u8; FP_STATE_BYTES];
    let fx = FXSR.load(Ordering::Relaxed);
    let have = with_machine(th, |m| {
        let Some(a) = m.fpu.as_deref() else { return false };
        let img = &a.image;
        let mut put16 = |off: usize, v: u16| hw[off..off + 2].copy_from_slice(&v.to_le_bytes());
        if fx {
            put16(ENV_CONTROL, u16::from_le_bytes([img[0], img[1]]));
            put16(ENV_STATUS, u16::from_le_bytes([img[2], img[3]]));
            put16(ENV_TAG, full_tag(img));
            put16(ENV_OPCODE, u16::from_le_bytes([img[6], img[7]]));
            put16(ENV_CS, u16::from_le_bytes([img[12], img[13]]));
            put16(ENV_DS, u16::from_le_bytes([img[20], img[21]]));
            hw[ENV_EIP..ENV_EIP + 4].copy_from_slice(&img[8..12]);
            hw[ENV_DP..ENV_DP + 4].copy_from_slice(&img[16..20]);
            for i in 0..8 {
                hw[28 + i * 10..38 + i * 10].copy_from_slice(&img[32 + i * 16..42 + i * 16]);
            }
        } else {
            // The fnsave image as it is, reserved halves cleared.
            hw.copy_from_slice(&img[..FP_STATE_BYTES]);
            for off in [2, 6, 10, 26] {
                hw[off] = 0;
                hw[off + 1] = 0;
            }
        }
        true
    });
    let mut w = [0u32; I386_FLOAT_STATE_COUNT];
    if !have {
        return w;
    }
    w[0] = if fx { FP_387FX } else { FP_387 };
    w[1] = 1;
    for (i, c) in hw.chunks_exact(4).enumerate() {
        w[2 + i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    w[I386_FLOAT_STATE_COUNT - 1] = 0;
    w
}

/// `thread_set_state(i386_FLOAT_STATE)` of thread `th` (not the running
/// one): `initialized` 0 drops its state (the FPU starts clean at its next
/// use), anything else makes `hw_state` its state, as GNU Mach does.
pub fn set_state(th: ThreadId, w: &[u32]) {
    if w[1] == 0 {
        let old = with_machine(th, |m| m.fpu.take());
        drop(old);
        return;
    }
    let mut hw = [0u8; FP_STATE_BYTES];
    for (i, c) in hw.chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&w[2 + i].to_le_bytes());
    }
    let get16 = |off: usize| u16::from_le_bytes([hw[off], hw[off + 1]]);
    let mut area = Box::new(FpuArea { image: [0; 512] });
    let img = &mut area.image;
    if FXSR.load(Ordering::Relaxed) {
        img[0..2].copy_from_slice(&get16(ENV_CONTROL).to_le_bytes());
        img[2..4].copy_from_slice(&get16(ENV_STATUS).to_le_bytes());
        // Abridged tag: a register is valid unless its tag says empty.
        let tag = get16(ENV_TAG);
        img[4] = (0..8).filter(|r| (tag >> (2 * r)) & 3 != 3).fold(0u8, |a, r| a | 1 << r);
        img[6..8].copy_from_slice(&(get16(ENV_OPCODE) & 0x7FF).to_le_bytes());
        img[8..12].copy_from_slice(&hw[ENV_EIP..ENV_EIP + 4]);
        img[12..14].copy_from_slice(&get16(ENV_CS).to_le_bytes());
        img[16..20].copy_from_slice(&hw[ENV_DP..ENV_DP + 4]);
        img[20..22].copy_from_slice(&get16(ENV_DS).to_le_bytes());
        // MXCSR: the default, all SSE exceptions masked.
        img[24..28].copy_from_slice(&0x1F80u32.to_le_bytes());
        for i in 0..8 {
            img[32 + i * 16..42 + i * 16].copy_from_slice(&hw[28 + i * 10..38 + i * 10]);
        }
    } else {
        img[..FP_STATE_BYTES].copy_from_slice(&hw);
        for off in [2, 6, 10, 26] {
            img[off] = 0;
            img[off + 1] = 0;
        }
    }
    let old = with_machine(th, |m| m.fpu.replace(area));
    drop(old);
}
