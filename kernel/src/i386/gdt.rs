//! Segments: the GDT, the kernel TSS and the user LDT, in GNU Mach's layout.
//!
//! GDT: 0x08 kernel code, 0x10 kernel data, 0x18 the LDT, 0x20 the TSS.
//! LDT (what user code sees): entry 0 (selector 0x07) is the Mach trap call
//! gate (installed by the trap layer), 0x17 user code, 0x1f user data, as
//! GNU Mach's `USER_CS`/`USER_DS`, all flat over 0 .. 0xC0000000.

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::size_of;

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const KERNEL_LDT: u16 = 0x18;
pub const KERNEL_TSS: u16 = 0x20;
pub const USER_SCALL: u16 = 0x07;
pub const USER_CS: u16 = 0x17;
pub const USER_DS: u16 = 0x1f;

const LDT_ENTRIES: usize = 4;

/// A segment descriptor from base, limit (in 4 KiB pages when `gran`), access byte.
const fn descriptor(base: u32, limit: u32, access: u8, gran: bool) -> u64 {
    let flags: u64 = if gran { 0xC } else { 0x4 }; // G, D/B=32-bit
    (limit as u64 & 0xFFFF)
        | ((base as u64 & 0xFF_FFFF) << 16)
        | ((access as u64) << 40)
        | (((limit as u64 >> 16) & 0xF) << 48)
        | (flags << 52)
        | (((base as u64 >> 24) & 0xFF) << 56)
}

/// A system descriptor (TSS, LDT): byte granularity, no D bit.
const fn system_descriptor(base: u32, limit: u32, access: u8) -> u64 {
    descriptor(base, limit, access, false) & !(0x4u64 << 52)
}

/// The i386 task-state segment; only `esp0`/`ss0` matter (the stack for
/// entries from user mode) and the I/O map offset (past the limit: no I/O map).
#[repr(C, packed)]
pub struct Tss {
    link: u32,
    pub esp0: u32,
    pub ss0: u32,
    rest: [u32; 22],
    trap: u16,
    iomap_base: u16,
}

struct Tables {
    gdt: [u64; 5],
    ldt: [u64; LDT_ENTRIES],
    tss: Tss,
}

struct TablesCell(UnsafeCell<Tables>);
// SAFETY: the tables are written during single-threaded start-up (`init`) and
// afterwards only by `set_kernel_stack`/`set_ldt_entry`, which run with
// interrupts off on the one CPU.
unsafe impl Sync for TablesCell {}

static TABLES: TablesCell = TablesCell(UnsafeCell::new(Tables {
    gdt: [0; 5],
    ldt: [0; LDT_ENTRIES],
    tss: Tss { link: 0, esp0: 0, ss0: KERNEL_DS as u32, rest: [0; 22], trap: 0, iomap_base: size_of::<Tss>() as u16 },
}));

#[repr(C, packed)]
struct Pointer {
    limit: u16,
    base: u32,
}

/// Loads the GDT, the segment registers, the LDT and the TSS.
pub fn init(kernel_stack_top: u32) {
    // SAFETY: start-up runs alone on the CPU with interrupts off; the tables
    // are static, so the addresses loaded into GDTR/LDTR/TR stay valid.
    unsafe {
        let t = &mut *TABLES.0.get();
        let ldt_base = t.ldt.as_ptr() as u32;
        let tss_base = &t.tss as *const Tss as u32;
        t.gdt = [
            0,
            descriptor(0, 0xFFFFF, 0x9A, true), // kernel code, ring 0
            descriptor(0, 0xFFFFF, 0x92, true), // kernel data, ring 0
            system_descriptor(ldt_base, (LDT_ENTRIES * 8 - 1) as u32, 0x82),
            system_descriptor(tss_base, (size_of::<Tss>() - 1) as u32, 0x89),
        ];
        // User segments end at 0xC0000000: limit 0xBFFFF pages.
        t.ldt[2] = descriptor(0, 0xBFFFF, 0xFA, true); // user code, ring 3
        t.ldt[3] = descriptor(0, 0xBFFFF, 0xF2, true); // user data, ring 3
        t.tss.esp0 = kernel_stack_top;

        let gdtr = Pointer { limit: (size_of::<[u64; 5]>() - 1) as u16, base: t.gdt.as_ptr() as u32 };
        asm!(
            "lgdt [{gdtr}]",
            "mov ds, {ds:x}",
            "mov es, {ds:x}",
            "mov fs, {ds:x}",
            "mov gs, {ds:x}",
            "mov ss, {ds:x}",
            "push {cs}",
            "lea {tmp}, [2f]",
            "push {tmp}",
            "retf",
            "2:",
            "lldt {ldt:x}",
            "ltr {tss:x}",
            gdtr = in(reg) &gdtr,
            ds = in(reg) u32::from(KERNEL_DS),
            cs = const KERNEL_CS as u32,
            tmp = out(reg) _,
            ldt = in(reg) u32::from(KERNEL_LDT),
            tss = in(reg) u32::from(KERNEL_TSS),
        );
    }
}

/// Sets the stack the CPU switches to on an entry from user mode.
pub fn set_kernel_stack(top: u32) {
    // SAFETY: a single aligned word store to the TSS, done with interrupts off
    // by the scheduler; the CPU reads it only on the next ring transition.
    unsafe { core::ptr::addr_of_mut!((*TABLES.0.get()).tss.esp0).write_unaligned(top) };
}

/// Installs a raw descriptor in LDT entry `index` (the trap layer's call gate).
pub fn set_ldt_entry(index: usize, desc: u64) {
    assert!(index < LDT_ENTRIES);
    // SAFETY: one store into the static LDT with interrupts off during start-up.
    unsafe { (*TABLES.0.get()).ldt[index] = desc };
}
