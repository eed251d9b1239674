//! Segments: the GDT, the kernel TSS and the user LDT, in GNU Mach's layout.
//!
//! GDT: 0x08 kernel code, 0x10 kernel data, 0x18 the LDT, 0x20 the TSS,
//! 0x28 a thread's own LDT (`i386_set_ldt`), 0x48 and 0x50 the two
//! per-thread user slots of `i386_set_gdt` (GNU Mach's `USER_GDT`,
//! `USER_GDT_SLOTS`): 14 entries, as GNU Mach's i386 GDT.
//! LDT (what user code sees): entry 0 (selector 0x07) is the Mach trap call
//! gate (installed by the trap layer), 0x17 user code, 0x1f user data, as
//! GNU Mach's `USER_CS`/`USER_DS`, all flat over 0 .. 0xC0000000.
//!
//! The TSS carries a full I/O permission bitmap (65536 ports, all denied
//! unless a task was granted some with `i386_io_perm_modify`).

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::size_of;
use core::sync::atomic::{AtomicBool, Ordering};

/// LDTR holds [`USER_LDT`] (a thread's own LDT), not the default one.
static USER_LDT_LOADED: AtomicBool = AtomicBool::new(false);

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const KERNEL_LDT: u16 = 0x18;
pub const KERNEL_TSS: u16 = 0x20;
pub const USER_SCALL: u16 = 0x07;
pub const USER_CS: u16 = 0x17;
pub const USER_DS: u16 = 0x1f;
/// Where a thread's own LDT is described while it runs.
pub const USER_LDT: u16 = 0x28;
/// The first per-thread user GDT slot (selector 0x4b with RPL 3).
pub const USER_GDT: u16 = 0x48;
/// Per-thread user GDT slots (GNU Mach's `USER_GDT_SLOTS`).
pub const USER_GDT_SLOTS: usize = 2;

/// Entries of the default LDT (GNU Mach's `LDTSZ`).
pub const LDT_ENTRIES: usize = 4;
const GDT_ENTRIES: usize = 14;
/// Bytes of the I/O permission bitmap: one bit per port.
pub const IOPB_BYTES: usize = 65536 / 8;

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
/// entries from user mode) and the I/O permission bitmap that follows it
/// (a set bit denies the port; the byte after the map must be all ones).
#[repr(C, packed)]
pub struct Tss {
    link: u32,
    pub esp0: u32,
    pub ss0: u32,
    rest: [u32; 22],
    trap: u16,
    iomap_base: u16,
    iomap: [u8; IOPB_BYTES + 1],
}

struct Tables {
    gdt: [u64; GDT_ENTRIES],
    ldt: [u64; LDT_ENTRIES],
    tss: Tss,
}

struct TablesCell(UnsafeCell<Tables>);
// SAFETY: the tables are written during single-threaded start-up (`init`) and
// afterwards only by `set_kernel_stack`/`set_ldt_entry`, which run with
// interrupts off on the one CPU.
unsafe impl Sync for TablesCell {}

static TABLES: TablesCell = TablesCell(UnsafeCell::new(Tables {
    gdt: [0; GDT_ENTRIES],
    ldt: [0; LDT_ENTRIES],
    tss: Tss {
        link: 0,
        esp0: 0,
        ss0: KERNEL_DS as u32,
        rest: [0; 22],
        trap: 0,
        iomap_base: (size_of::<Tss>() - IOPB_BYTES - 1) as u16,
        iomap: [0xFF; IOPB_BYTES + 1],
    },
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
        t.gdt = [0; GDT_ENTRIES];
        t.gdt[1] = descriptor(0, 0xFFFFF, 0x9A, true); // kernel code, ring 0
        t.gdt[2] = descriptor(0, 0xFFFFF, 0x92, true); // kernel data, ring 0
        t.gdt[3] = system_descriptor(ldt_base, (LDT_ENTRIES * 8 - 1) as u32, 0x82);
        t.gdt[4] = system_descriptor(tss_base, (size_of::<Tss>() - 1) as u32, 0x89);
        // User segments end at 0xC0000000: limit 0xBFFFF pages.
        t.ldt[2] = descriptor(0, 0xBFFFF, 0xFA, true); // user code, ring 3
        t.ldt[3] = descriptor(0, 0xBFFFF, 0xF2, true); // user data, ring 3
        t.tss.esp0 = kernel_stack_top;

        let gdtr = Pointer { limit: (size_of::<[u64; GDT_ENTRIES]>() - 1) as u16, base: t.gdt.as_ptr() as u32 };
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

/// The default LDT's entries (what a thread's own LDT starts from).
pub fn default_ldt() -> [u64; LDT_ENTRIES] {
    // SAFETY: the default LDT is written only during start-up.
    unsafe { (*TABLES.0.get()).ldt }
}

/// The user segment state loaded is the default one (no user GDT slot,
/// the default LDT), as after `load_user_segments(&[0; N], None)`.
static DEFAULT_SEGMENTS: AtomicBool = AtomicBool::new(false);

/// Whether the loaded user segment state is the default one: a switch to a
/// thread without segments of its own then has nothing to load.
pub fn user_segments_default() -> bool {
    DEFAULT_SEGMENTS.load(Ordering::Relaxed)
}

/// Loads a running user thread's segment state: its two user GDT slots and
/// its own LDT (`Some((linear base, entries))`) or the default one. Called
/// by the scheduler with interrupts off, before the thread returns to user
/// mode (which reloads its segment registers from these tables).
pub fn load_user_segments(slots: &[u64; USER_GDT_SLOTS], ldt: Option<(u32, usize)>) {
    DEFAULT_SEGMENTS.store(ldt.is_none() && *slots == [0; USER_GDT_SLOTS], Ordering::Relaxed);
    // SAFETY: interrupts are off on the one CPU; the GDT entries written
    // are not the ones the kernel runs on, and a thread's LDT stays
    // allocated while it is loaded (it is freed only with the thread's
    // machine state, after another thread's tables were loaded).
    unsafe {
        let t = &mut *TABLES.0.get();
        let first = usize::from(USER_GDT >> 3);
        t.gdt[first..first + USER_GDT_SLOTS].copy_from_slice(slots);
        match ldt {
            Some((base, n)) => {
                t.gdt[usize::from(USER_LDT >> 3)] = system_descriptor(base, (n * 8 - 1) as u32, 0x82);
                asm!("lldt {0:x}", in(reg) u32::from(USER_LDT), options(nostack, preserves_flags));
            }
            None => {
                if USER_LDT_LOADED.swap(false, Ordering::Relaxed) {
                    asm!("lldt {0:x}", in(reg) u32::from(KERNEL_LDT), options(nostack, preserves_flags));
                }
                return;
            }
        }
        USER_LDT_LOADED.store(true, Ordering::Relaxed);
    }
}

/// Puts `map` (a task's I/O permission bitmap, its first bytes) into the
/// TSS; the rest of the `prev_len` bytes loaded before deny again.
pub fn load_iopb(map: &[u8], prev_len: usize) {
    // SAFETY: interrupts are off on the one CPU; the CPU reads the bitmap
    // only on an I/O instruction in user mode.
    unsafe {
        let t = &mut *TABLES.0.get();
        let n = map.len().min(IOPB_BYTES);
        t.tss.iomap[..n].copy_from_slice(&map[..n]);
        if prev_len > n {
            t.tss.iomap[n..prev_len.min(IOPB_BYTES)].fill(0xFF);
        }
    }
}
