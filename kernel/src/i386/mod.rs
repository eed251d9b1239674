//! The i386 CPU and the PC platform: boot entry, segments, traps, the 8259
//! PICs, the PIT, UARTs, the VGA text screen, QEMU's exit device; the
//! per-thread machine state (FPU, user descriptors) and I/O permissions
//! of `mach_i386.defs`.

pub mod atomic64;
pub mod boot;
pub mod clock;
pub mod cpu;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod io;
pub mod io_perm;
pub mod pcb;
pub mod pic;
pub mod qemu;
pub mod rtc;
pub mod serial;
pub mod trap;
pub mod uaccess;
pub mod user_ldt;
pub mod vga;
