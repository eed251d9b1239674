//! User segment descriptors (GNU Mach's `user_ldt.c`), served through
//! `mach_i386.defs` on thread ports:
//!
//! - `i386_set_gdt` / `i386_get_gdt`: two descriptor slots per thread at
//!   selectors 0x4b and 0x53 (GNU Mach's `USER_GDT`, `USER_GDT_SLOTS`),
//!   copied into the GDT whenever the thread runs. Selector -1 takes the
//!   first free slot and answers its selector (`KERN_NO_SPACE` when both
//!   are in use). glibc puts its thread pointer there and reads it
//!   through `%gs`.
//! - `i386_set_ldt` / `i386_get_ldt`: a thread's own LDT, which starts as a
//!   copy of the default one (the trap call gate, `USER_CS`, `USER_DS`) and
//!   grows to the highest entry set. As in GNU Mach the LDT belongs to the
//!   thread (a new thread starts with the default one), and the running
//!   thread may not change its first four entries.
//!
//! Descriptors are checked as GNU Mach checks them: GDT slots take present
//! code or data segments of privilege 3 only (or a non-present descriptor,
//! which frees the slot); LDT entries take those, empty descriptors, and a
//! privilege-0 call gate, which becomes the kernel's own trap gate. GNU
//! Mach also accepts call gates of privilege 3, which would let a task
//! name any kernel code as a gate's target; this kernel refuses them.
//!
//! The I/O port routines of the same interface are in [`super::io_perm`].

use alloc::vec;
use alloc::vec::Vec;

use super::gdt::{self, USER_GDT, USER_GDT_SLOTS, USER_SCALL};
use super::pcb::with_machine;
use crate::ipc::server::Ctx;
use crate::ipc::KOBJ_THREAD;
use crate::kern::mig::mach_i386 as mi;
use crate::kern::sched_prim::{self as sched, ThreadId};
use kerncore::kern_return::*;

/// Access-byte bits (`i386/seg.h`).
const ACC_A: u8 = 0x01;
const ACC_P: u8 = 0x80;
const ACC_PL: u8 = 0x60;
const ACC_PL_U: u8 = 0x60;
const ACC_TYPE_USER: u8 = 0x10;
const ACC_CALL_GATE: u8 = 0x0C;
/// Selector bits: table indicator, requested privilege.
const SEL_LDT: u32 = 0x4;
const SEL_PL: u32 = 0x3;
const SEL_PL_U: u32 = 0x3;
/// The 64-bit code flag (`SZ_64`), in the descriptor's flags nibble.
const DESC_L: u64 = 1 << 53;
/// An LDT holds at most 8192 descriptors.
const LDT_MAX: usize = 8192;

fn access(d: u64) -> u8 {
    (d >> 40) as u8
}

/// The index of a selector in its table.
fn sel_idx(sel: u32) -> usize {
    (sel >> 3) as usize
}

/// The thread a request's target port stands for (GNU Mach's
/// `convert_port_to_thread` gives none for any other port: an invalid
/// argument).
fn target_thread(ctx: &Ctx) -> Result<ThreadId, i32> {
    match ctx.target {
        Some((KOBJ_THREAD, id)) if sched::with_thread(id as ThreadId, |t| t.task.is_some()) == Some(true) => Ok(id as ThreadId),
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}

/// GDT slot `idx` of a selector `i386_set_gdt` may name.
fn gdt_slot(sel: u32) -> Result<usize, i32> {
    let first = sel_idx(u32::from(USER_GDT));
    if sel & (SEL_LDT | SEL_PL) != SEL_PL_U || sel_idx(sel) < first || sel_idx(sel) >= first + USER_GDT_SLOTS {
        return Err(KERN_INVALID_ARGUMENT);
    }
    Ok(sel_idx(sel) - first)
}

fn gdt_selector(slot: usize) -> u32 {
    (((slot + sel_idx(u32::from(USER_GDT))) as u32) << 3) | SEL_PL_U
}

/// Reloads the running thread's descriptors after a change to its own.
fn reload_if_current(th: ThreadId) {
    if th == sched::current() {
        crate::i386::cpu::without_interrupts(|| {
            with_machine(th, |m| gdt::load_user_segments(&m.user_gdt, m.ldt.as_ref().map(|l| (l.as_ptr() as u32, l.len()))));
        });
    }
}

/// `i386_set_gdt`: sets slot `sel` (or, for -1, the first free one) of
/// thread `th`; returns the selector.
pub fn set_gdt(th: ThreadId, sel: u32, desc: u64) -> Result<u32, i32> {
    let r = with_machine(th, |m| {
        let slot = if sel == u32::MAX {
            match m.user_gdt.iter().position(|d| access(*d) & ACC_P == 0) {
                Some(i) => i,
                None => return Err(KERN_NO_SPACE),
            }
        } else {
            gdt_slot(sel)?
        };
        if access(desc) & ACC_P == 0 {
            m.user_gdt[slot] = 0;
        } else if access(desc) & (ACC_TYPE_USER | ACC_PL) != ACC_TYPE_USER | ACC_PL_U || desc & DESC_L != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        } else {
            m.user_gdt[slot] = desc;
        }
        Ok(gdt_selector(slot))
    });
    if r.is_ok() {
        reload_if_current(th);
    }
    r
}

/// `i386_get_gdt`: slot `sel` of thread `th`.
pub fn get_gdt(th: ThreadId, sel: u32) -> Result<u64, i32> {
    let slot = gdt_slot(sel)?;
    Ok(with_machine(th, |m| m.user_gdt[slot]))
}

/// The kernel's trap call gate (default LDT entry 0).
fn trap_gate() -> u64 {
    gdt::default_ldt()[sel_idx(u32::from(USER_SCALL))]
}

/// One LDT entry as GNU Mach accepts it (a privilege-0 call gate becomes
/// the trap gate); `None` when refused.
fn checked_ldt_entry(d: u64) -> Option<u64> {
    let a = access(d) & !ACC_A;
    match a {
        0 | ACC_P => Some(d),
        x if x == ACC_P | ACC_CALL_GATE => Some(trap_gate()),
        // Present code and data segments (every type with the S bit) at
        // privilege 3.
        x if x & (ACC_P | ACC_PL | ACC_TYPE_USER) == ACC_P | ACC_PL_U | ACC_TYPE_USER => Some(d),
        _ => None,
    }
}

/// `i386_set_ldt`: entries `first_sel >> 3` onwards of thread `th`'s LDT.
pub fn set_ldt(th: ThreadId, first_sel: u32, descs: &[u64]) -> Result<(), i32> {
    let first = sel_idx(first_sel);
    let min = if th == sched::current() { gdt::LDT_ENTRIES } else { 0 };
    if first < min || first >= LDT_MAX || first + descs.len() >= LDT_MAX {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let checked: Vec<u64> = descs.iter().map(|&d| checked_ldt_entry(d)).collect::<Option<_>>().ok_or(KERN_INVALID_ARGUMENT)?;
    // Sized outside the machine-state lock (no allocation under it).
    let need = first + checked.len();
    let old_len = with_machine(th, |m| m.ldt.as_ref().map_or(0, Vec::len));
    let mut grown = (old_len < need).then(|| {
        // Beyond the default entries: empty, non-present descriptors.
        let mut v = vec![u64::from(ACC_P) << 40; need];
        let def = gdt::default_ldt();
        v[..def.len()].copy_from_slice(&def);
        v
    });
    let old = crate::i386::cpu::without_interrupts(|| {
        with_machine(th, |m| {
            let mut old = None;
            if let Some(mut v) = grown.take() {
                if let Some(prev) = m.ldt.as_ref() {
                    if prev.len() >= need {
                        grown = Some(v);
                    } else {
                        v[..prev.len()].copy_from_slice(prev);
                        old = m.ldt.replace(v);
                    }
                } else {
                    m.ldt = Some(v);
                }
            }
            if let Some(l) = m.ldt.as_mut() {
                l[first..need].copy_from_slice(&checked);
            }
            // A thread that runs loads its new LDT before the old one goes.
            if th == sched::current() {
                gdt::load_user_segments(&m.user_gdt, m.ldt.as_ref().map(|l| (l.as_ptr() as u32, l.len())));
            }
            old
        })
    });
    drop(old);
    drop(grown);
    Ok(())
}

/// `i386_get_ldt`: up to `count` entries of thread `th`'s LDT from
/// `first_sel >> 3` (none when it has the default LDT, as GNU Mach).
pub fn get_ldt(th: ThreadId, first_sel: u32, count: i32) -> Result<Vec<u64>, i32> {
    let first = sel_idx(first_sel);
    if first >= LDT_MAX || count < 0 || first + count as usize >= LDT_MAX {
        return Err(KERN_INVALID_ARGUMENT);
    }
    Ok(with_machine(th, |m| match m.ldt.as_ref() {
        Some(l) if first < l.len() => l[first..l.len().min(first + count as usize)].to_vec(),
        _ => Vec::new(),
    }))
}

fn desc_of(w: [u32; 2]) -> u64 {
    u64::from(w[0]) | u64::from(w[1]) << 32
}

impl mi::MachI386Server for Ctx {
    fn i386_set_gdt(&mut self, req: mi::I386SetGdtRequest) -> Result<mi::I386SetGdtReply, i32> {
        let th = target_thread(self)?;
        Ok(mi::I386SetGdtReply { selector: set_gdt(th, req.selector, desc_of(req.desc))? })
    }

    fn i386_get_gdt(&mut self, req: mi::I386GetGdtRequest) -> Result<mi::I386GetGdtReply, i32> {
        let th = target_thread(self)?;
        let d = get_gdt(th, req.selector)?;
        Ok(mi::I386GetGdtReply { desc: [d as u32, (d >> 32) as u32] })
    }

    /// `i386_set_ldt`: the descriptor list comes in line (GNU MIG's stubs
    /// send short lists so) or out of line.
    fn i386_set_ldt(&mut self, req: mi::I386SetLdtRequest<'_>) -> Result<(), i32> {
        let th = target_thread(self)?;
        let words: Vec<u32> = match req.desc_list_inline {
            Some(inline) => inline.iter().collect(),
            None => {
                let bytes = self.take_ool(req.desc_list.addr)?;
                if bytes.len() % 4 != 0 {
                    return Err(KERN_INVALID_ARGUMENT);
                }
                bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
            }
        };
        if words.len() % 2 != 0 {
            return Err(KERN_INVALID_ARGUMENT);
        }
        let descs: Vec<u64> = words.chunks_exact(2).map(|w| u64::from(w[0]) | u64::from(w[1]) << 32).collect();
        set_ldt(th, req.first_selector, &descs)
    }

    fn i386_get_ldt(&mut self, req: mi::I386GetLdtRequest) -> Result<mi::I386GetLdtReply, i32> {
        let th = target_thread(self)?;
        let list = get_ldt(th, req.first_selector, req.selector_count as i32)?;
        let bytes: Vec<u8> = list.iter().flat_map(|d| d.to_le_bytes()).collect();
        Ok(mi::I386GetLdtReply { desc_list: self.give_ool(bytes, 4) })
    }

    fn i386_io_perm_create(&mut self, req: mi::I386IoPermCreateRequest) -> Result<mi::I386IoPermCreateReply, i32> {
        let right = super::io_perm::create(self.target, req.from, req.to)?;
        Ok(mi::I386IoPermCreateReply { io_perm: self.give(right) })
    }

    fn i386_io_perm_modify(&mut self, req: mi::I386IoPermModifyRequest) -> Result<(), i32> {
        let perm = self.take_right(req.io_perm)?;
        let r = super::io_perm::modify(self.target, &perm, req.enable != 0);
        crate::ipc::with_ipc(|ipc| ipc.release_right(perm));
        r
    }
}
