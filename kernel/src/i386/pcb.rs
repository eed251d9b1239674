//! Per-thread machine state (GNU Mach's `pcb`): kernel stacks, the context
//! switch, and the first frames of a new thread.
//!
//! A switched-out thread's kernel stack holds, at its saved `%esp`: `%edi`,
//! `%esi`, `%ebx`, `%ebp`, then the address to return to. A new kernel thread
//! starts in `thread_trampoline` (which enables interrupts and calls the
//! thread's body); a new user thread returns through `trap_return` with the
//! [`TrapFrame`](super::trap::TrapFrame) at the top of its kernel stack.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.switch, "ax"
    /* switch_context(save: *mut u32 [esp+4], next_esp: u32 [esp+8]) */
    .global switch_context
switch_context:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

    /* First code of a new kernel thread: %ebx = body, %esi = argument. */
    /* First code of a new user thread: may end here if asked to, then
       enters user mode through the common trap exit. */
    .global user_thread_start
user_thread_start:
    call user_start_hook
    jmp trap_return

    .global thread_trampoline
thread_trampoline:
    xor ebp, ebp
    call thread_start_hook
    push esi
    call ebx
    call thread_exit_current
    ud2
"#
);

extern "C" {
    /// Saves the callee-saved registers and `%esp` into `*save`, then resumes
    /// the thread whose saved stack pointer is `next_esp`.
    pub fn switch_context(save: *mut u32, next_esp: u32);
    fn thread_trampoline();
    fn user_thread_start();
}

/// Size of every kernel stack.
pub const KSTACK_SIZE: usize = 32 * 1024;

/// Lays out the first switch frame of a kernel thread on the stack ending at
/// `top`; returns the `%esp` to give [`switch_context`].
///
/// # Safety
/// `[top - 32, top)` is writable memory owned by the new thread's stack.
pub unsafe fn prepare_kernel_thread(top: u32, body: extern "C" fn(usize), arg: usize) -> u32 {
    let frame = [0u32 /* edi */, arg as u32 /* esi */, body as *const () as usize as u32 /* ebx */, 0 /* ebp */, thread_trampoline as *const () as usize as u32];
    let esp = top - (frame.len() * 4) as u32;
    // SAFETY: the caller guarantees the words below `top` belong to the stack.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), esp as *mut u32, frame.len()) };
    esp
}

/// Lays out a user thread's entry: the trap frame at `frame_at` (already
/// filled by the caller) and below it a switch frame returning into
/// `trap_return`; returns the `%esp` to give [`switch_context`].
///
/// # Safety
/// `[frame_at - 20, frame_at)` is writable memory of the new thread's stack.
pub unsafe fn prepare_user_thread(frame_at: u32) -> u32 {
    let frame = [0u32, 0, 0, 0, user_thread_start as *const () as usize as u32];
    let esp = frame_at - (frame.len() * 4) as u32;
    // SAFETY: the caller guarantees the words below `frame_at` belong to the stack.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), esp as *mut u32, frame.len()) };
    esp
}

// ---------------------------------------------------------------------------
// Machine state beyond the registers (GNU Mach's `pcb->ims`): the per-thread
// user GDT slots and LDT, and the x87/SSE state. Kept beside the scheduler's
// thread records, under a lock of its own that is a leaf (taken with
// interrupts off, never held while calling out), so the scheduler can load
// it on every switch.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::gdt::USER_GDT_SLOTS;
use crate::kern::sched_prim::{thread_slot, ThreadId};

/// What a user thread has beyond its saved registers.
#[derive(Default)]
pub struct MachineState {
    /// `i386_set_gdt`'s slots, copied into the GDT when the thread runs.
    pub user_gdt: [u64; USER_GDT_SLOTS],
    /// The thread's own LDT (`i386_set_ldt`); `None`: the default LDT.
    pub ldt: Option<Vec<u64>>,
    /// The saved FPU state; `None`: the thread starts from a clean FPU
    /// the next time it uses it.
    pub fpu: Option<Box<super::fpu::FpuArea>>,
    /// The control word a clean FPU gets (inherited from the thread that
    /// created this one in its own task, as GNU Mach's `fpinherit`); 0:
    /// the default.
    pub init_control: u16,
}

impl MachineState {
    fn is_default(&self) -> bool {
        self.user_gdt == [0; USER_GDT_SLOTS] && self.ldt.is_none() && self.fpu.is_none() && self.init_control == 0
    }
}

/// Machine states by thread slot ([`sched_prim::thread_slot`]), each with
/// its thread's id: found in one index on every switch.
struct Pcbs {
    slots: Vec<Option<(ThreadId, MachineState)>>,
    /// Threads with a state here: none (the usual case) lets a switch skip
    /// the table.
    count: usize,
}

impl Pcbs {
    fn get_mut(&mut self, th: ThreadId) -> Option<&mut MachineState> {
        match self.slots.get_mut(thread_slot(th)) {
            Some(Some((id, m))) if *id == th => Some(m),
            _ => None,
        }
    }

    fn entry(&mut self, th: ThreadId) -> &mut MachineState {
        let slot = thread_slot(th);
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        let e = &mut self.slots[slot];
        if !matches!(e, Some((id, _)) if *id == th) {
            // A stale state of an ended thread in the same slot goes.
            if e.is_none() {
                self.count += 1;
            }
            *e = Some((th, MachineState::default()));
        }
        &mut e.as_mut().expect("just set").1
    }

    fn remove(&mut self, th: ThreadId) -> Option<MachineState> {
        let e = self.slots.get_mut(thread_slot(th))?;
        if !matches!(e, Some((id, _)) if *id == th) {
            return None;
        }
        self.count -= 1;
        e.take().map(|(_, m)| m)
    }
}

static PCBS: spin::Mutex<Pcbs> = spin::Mutex::new(Pcbs { slots: Vec::new(), count: 0 });

/// Runs `f` on thread `th`'s machine state (made empty on first use).
pub fn with_machine<R>(th: ThreadId, f: impl FnOnce(&mut MachineState) -> R) -> R {
    super::cpu::without_interrupts(|| {
        let mut m = PCBS.lock();
        let r = f(m.entry(th));
        if m.get_mut(th).is_some_and(|s| s.is_default()) {
            m.remove(th);
        }
        r
    })
}

/// Forgets the machine state of a thread that has ended.
pub fn forget(th: ThreadId) {
    let gone = super::cpu::without_interrupts(|| PCBS.lock().remove(th));
    drop(gone);
}

/// The machine half of a thread switch (GNU Mach's `switch_ktss` and
/// `fpu_save_context`): the FPU state of `prev` goes to its record if it
/// used the FPU, and a user thread `next` (of `next_task`) gets its GDT
/// slots, its LDT and its task's I/O permission bitmap.
/// Called by the scheduler with interrupts off.
pub fn switch_machine(prev: ThreadId, next: ThreadId, next_task: Option<u32>) {
    // The scheduler's lock is held: never wait for PCBS (its holders run
    // with interrupts off and never switch, so it is free here).
    let Some(mut m) = PCBS.try_lock() else { panic!("pcb: machine state locked across a switch") };
    if m.count == 0 {
        // Nobody has state of their own: no FPU image to save (a live FPU
        // keeps its owner's state until that owner's #NM), nothing to load.
        drop(m);
        super::fpu::switch_out(None);
        if let Some(task) = next_task {
            if !super::gdt::user_segments_default() {
                super::gdt::load_user_segments(&[0; USER_GDT_SLOTS], None);
            }
            super::io_perm::switch_to(task);
        }
        return;
    }
    super::fpu::switch_out(m.get_mut(prev));
    if let Some(task) = next_task {
        match m.get_mut(next) {
            Some(s) => super::gdt::load_user_segments(&s.user_gdt, s.ldt.as_ref().map(|l| (l.as_ptr() as u32, l.len()))),
            None => {
                if !super::gdt::user_segments_default() {
                    super::gdt::load_user_segments(&[0; USER_GDT_SLOTS], None);
                }
            }
        }
        drop(m);
        super::io_perm::switch_to(task);
    }
}

/// Thread-state flavours of GNU Mach on i386 (`mach/i386/thread_status.h`).
pub const THREAD_STATE_FLAVOR_LIST: u32 = 0;
pub const I386_THREAD_STATE: u32 = 1;
pub const I386_ISA_PORT_MAP_STATE: u32 = 3;
pub const I386_V86_ASSIST_STATE: u32 = 4;
pub const I386_REGS_SEGS_STATE: u32 = 5;
pub const I386_DEBUG_STATE: u32 = 6;
const I386_THREAD_STATE_COUNT: usize = 17;
const I386_ISA_PORT_MAP_STATE_COUNT: usize = 0x400 / 8 / 4;
const I386_V86_ASSIST_STATE_COUNT: usize = 2;
const I386_DEBUG_STATE_COUNT: usize = 8;

/// GNU Mach's `thread_getstatus`: flavour `flavor` of user thread `th`
/// (not the running one), for a caller with room for `capacity` words.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown flavour, too small a capacity,
/// or a thread without user state.
pub fn get_status(th: ThreadId, flavor: u32, capacity: u32) -> Result<Vec<u32>, i32> {
    use kerncore::kern_return::KERN_INVALID_ARGUMENT;
    let need = match flavor {
        THREAD_STATE_FLAVOR_LIST => 4,
        I386_THREAD_STATE | I386_REGS_SEGS_STATE => I386_THREAD_STATE_COUNT,
        super::fpu::I386_FLOAT_STATE => super::fpu::I386_FLOAT_STATE_COUNT,
        I386_ISA_PORT_MAP_STATE => I386_ISA_PORT_MAP_STATE_COUNT,
        I386_V86_ASSIST_STATE => I386_V86_ASSIST_STATE_COUNT,
        I386_DEBUG_STATE => I386_DEBUG_STATE_COUNT,
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    if (capacity as usize) < need {
        return Err(KERN_INVALID_ARGUMENT);
    }
    Ok(match flavor {
        THREAD_STATE_FLAVOR_LIST => alloc::vec![I386_THREAD_STATE, super::fpu::I386_FLOAT_STATE, I386_ISA_PORT_MAP_STATE, I386_V86_ASSIST_STATE],
        I386_THREAD_STATE | I386_REGS_SEGS_STATE => {
            let mut w = crate::kern::task::thread_state(th).ok_or(KERN_INVALID_ARGUMENT)?.to_vec();
            w[7] = 0; // esp: unused, as GNU Mach answers
            w
        }
        super::fpu::I386_FLOAT_STATE => super::fpu::get_state(th).to_vec(),
        I386_ISA_PORT_MAP_STATE => {
            let task = crate::kern::sched_prim::with_thread(th, |t| t.task).flatten().ok_or(KERN_INVALID_ARGUMENT)?;
            let mut bytes = [0xFFu8; I386_ISA_PORT_MAP_STATE_COUNT * 4];
            super::io_perm::read_bitmap(task, &mut bytes);
            bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        }
        // No virtual-8086 mode and no debug registers here: all zero.
        _ => alloc::vec![0; need],
    })
}

/// GNU Mach's `thread_setstatus`: sets flavour `flavor` of user thread `th`
/// (not the running one) from `w`.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown flavour, too few words, bad code
/// or stack selectors (`i386_REGS_SEGS_STATE`), or a thread without user
/// state; `KERN_FAILURE` for flavours this kernel cannot honour
/// (virtual-8086 assist, debug registers set to anything but zero).
pub fn set_status(th: ThreadId, flavor: u32, w: &[u32]) -> Result<(), i32> {
    use kerncore::kern_return::{KERN_FAILURE, KERN_INVALID_ARGUMENT};
    match flavor {
        I386_THREAD_STATE | I386_REGS_SEGS_STATE => {
            if w.len() < I386_THREAD_STATE_COUNT {
                return Err(KERN_INVALID_ARGUMENT);
            }
            let mut s = [0u32; I386_THREAD_STATE_COUNT];
            s.copy_from_slice(&w[..I386_THREAD_STATE_COUNT]);
            let segs = flavor == I386_REGS_SEGS_STATE;
            if segs {
                for i in [0, 1, 2, 3, 13, 16] {
                    s[i] &= 0xFFFF;
                }
                // Code and stack selectors: not null, user privilege.
                let (cs, ss) = (s[13], s[16]);
                if cs == 0 || cs & 3 != 3 || ss == 0 || ss & 3 != 3 {
                    return Err(KERN_INVALID_ARGUMENT);
                }
            }
            if crate::kern::task::set_thread_state(th, &s, segs) { Ok(()) } else { Err(KERN_INVALID_ARGUMENT) }
        }
        super::fpu::I386_FLOAT_STATE => {
            if w.len() < super::fpu::I386_FLOAT_STATE_COUNT {
                return Err(KERN_INVALID_ARGUMENT);
            }
            super::fpu::set_state(th, w);
            Ok(())
        }
        // GNU Mach accepts the port map and ignores it (the I/O bitmap is
        // set with i386_io_perm_modify).
        I386_ISA_PORT_MAP_STATE if w.len() >= I386_ISA_PORT_MAP_STATE_COUNT => Ok(()),
        I386_DEBUG_STATE if w.len() >= I386_DEBUG_STATE_COUNT => {
            if w[..I386_DEBUG_STATE_COUNT].iter().all(|&x| x == 0) { Ok(()) } else { Err(KERN_FAILURE) }
        }
        I386_V86_ASSIST_STATE if w.len() >= I386_V86_ASSIST_STATE_COUNT => Err(KERN_FAILURE),
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}
