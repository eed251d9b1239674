//! Exception and interrupt entry: the stubs, the saved-register frame, and
//! dispatch to exception handling or the IRQ handlers.
//!
//! Every vector pushes the same [`TrapFrame`] (a zero error code where the CPU
//! pushes none) and calls [`trap_dispatch`]. A kernel fault whose address is
//! in the exception fix-up table (`.ex_table`: pairs of faulting and resume
//! addresses, written next to the instruction that may fault) resumes there;
//! any other kernel fault prints a register dump with the faulting address
//! and panics.

use core::arch::global_asm;
use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

use super::{cpu, idt, pic};

global_asm!(
    r#"
    .macro STUB_NOERR n
    .global trap_stub_\n
trap_stub_\n:
    push 0
    push \n
    jmp trap_common
    .endm

    .macro STUB_ERR n
    .global trap_stub_\n
trap_stub_\n:
    push \n
    jmp trap_common
    .endm

    .section .text.trap, "ax"
    .irp n, 0,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    STUB_NOERR \n
    .endr
    .irp n, 8,10,11,12,13,14,17,21,29,30
    STUB_ERR \n
    .endr
    .irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    STUB_NOERR \n
    .endr

    /* Debug (single step). A call gate keeps EFLAGS.TF, so a Mach trap
       entered with TF set single-steps at `syscall_entry`, in kernel mode
       (GNU Mach's t_debug makes the same check). Then the CPU has just
       pushed eip, cs and the user's eflags: dropping eip and cs leaves the
       eflags where `syscall_entry`'s pushfd would have put them, and the
       trap goes on past `syscall_entry`'s own pushes, with interrupts off as
       there. The gate cleared TF: the kernel runs unstepped. The user's TF
       comes back on the return to user mode, where the next instruction
       single-steps as an ordinary user debug trap. */
    .global trap_stub_1
trap_stub_1:
    cmp dword ptr [esp], offset syscall_entry
    jne 1f
    test dword ptr [esp + 4], 3
    jnz 1f
    add esp, 8
    jmp syscall_entry_2
1:
    push 0
    push 1
    jmp trap_common

    /* Segment pushes and pops are spelled as bytes: LLVM's Intel syntax
       assembles `push ds` as a 16-bit push. 1e/06/0fa0/0fa8 = push
       ds/es/fs/gs, 0fa9/0fa1/07/1f = pop gs/fs/es/ds (32-bit forms). */
trap_common:
    pushad
    .byte 0x1e, 0x06, 0x0f, 0xa0, 0x0f, 0xa8
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    cld
    push esp
    call trap_dispatch
    add esp, 4
    /* Interrupts stay off while the frame is taken apart (iret restores
       the interrupted IF): an interrupt here could switch threads, and
       another thread's thread_set_state would write the frame this one is
       halfway through. */
    .global trap_return
trap_return:
    cli
    /* A user segment selector that no longer loads (its GDT slot or LDT
       entry was changed) faults here; `trap_dispatch` then loads the null
       selector instead (see `segment_fixup`). */
    .global trap_pop_gs
trap_pop_gs:
    .byte 0x0f, 0xa9
    .global trap_pop_fs
trap_pop_fs:
    .byte 0x0f, 0xa1
    .global trap_pop_es
trap_pop_es:
    .byte 0x07
    .global trap_pop_ds
trap_pop_ds:
    .byte 0x1f
    popad
    add esp, 8
    .global trap_iret
trap_iret:
    iretd

    /* Mach traps: `lcall $7,$0` through the LDT call gate. The gate pushes
       eip, cs, esp, ss (no eflags) and, unlike an interrupt gate, leaves
       interrupts on: they go off first, until the frame is whole (the
       dispatcher turns them on again), so that no other thread sees this
       one with half a frame (thread_set_state writes the user frame). The
       user always runs with IF set, which the saved eflags keep. Then
       eflags go in to make an interrupt frame, and the common path goes on
       with vector SYSCALL_VECTOR. */
    .global syscall_entry
syscall_entry:
    cli
    pushfd
    or dword ptr [esp], 0x200
syscall_entry_2:
    push eax
    mov eax, [esp + 4]
    xchg eax, [esp + 12]
    xchg eax, [esp + 8]
    mov [esp + 4], eax
    pop eax
    push 0
    push 0x80
    jmp trap_common
    .global syscall_entry_end
syscall_entry_end:

    .section .rodata.trap, "a"
    .balign 4
    .global trap_stub_table
trap_stub_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long trap_stub_\n
    .endr
"#
);

extern "C" {
    fn syscall_entry();
    fn trap_pop_gs();
    fn trap_pop_fs();
    fn trap_pop_es();
    fn trap_pop_ds();
    fn trap_iret();
    fn syscall_entry_end();
    static trap_stub_table: [u32; 48];
    static __ex_table_start: [u32; 0];
    static __ex_table_end: [u32; 0];
}

/// First IDT vector of the remapped 8259 IRQs.
pub const IRQ_BASE: u8 = 32;
pub const VEC_DIVIDE: u32 = 0;
pub const VEC_NO_FPU: u32 = 7;
pub const VEC_PAGE_FAULT: u32 = 14;
pub const VEC_FPU_ERROR: u32 = 16;
/// Frame vector of a Mach trap entered through the call gate.
pub const SYSCALL_VECTOR: u32 = 0x80;

/// The registers saved on every entry, lowest address first.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct TrapFrame {
    pub gs: u32,
    pub fs: u32,
    pub es: u32,
    pub ds: u32,
    pub edi: u32,
    pub esi: u32,
    pub ebp: u32,
    pub esp_at_pushad: u32,
    pub ebx: u32,
    pub edx: u32,
    pub ecx: u32,
    pub eax: u32,
    pub vector: u32,
    pub err: u32,
    pub eip: u32,
    pub cs: u32,
    pub eflags: u32,
    /// Only present when the trap came from user mode.
    pub user_esp: u32,
    pub user_ss: u32,
}

impl TrapFrame {
    /// Whether the trap came from user mode (ring 3).
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The stack pointer of the interrupted code.
    pub fn interrupted_esp(&self) -> u32 {
        if self.from_user() {
            self.user_esp
        } else {
            // The CPU pushed no esp/ss: the old stack ends right after eflags.
            core::ptr::addr_of!(self.user_esp) as u32
        }
    }
}

const NAMES: [&str; 32] = [
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "no FPU", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection", "page fault", "reserved 15", "FPU error",
    "alignment check", "machine check", "SIMD error", "virtualization", "control protection",
    "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27",
    "hypervisor injection", "VMM communication", "security", "reserved 31",
];

/// The name of exception `vector`.
pub fn exception_name(vector: u32) -> &'static str {
    NAMES.get(vector as usize).copied().unwrap_or("interrupt")
}

/// A register dump with the exception name and, for page faults, the faulting address.
pub struct Dump<'a> {
    pub frame: &'a TrapFrame,
    pub cr2: u32,
}

impl fmt::Display for Dump<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.frame;
        write!(f, "trap {} ({}) err={:#x}", t.vector, exception_name(t.vector), t.err)?;
        if t.vector == VEC_PAGE_FAULT {
            let kind = if t.err & 2 != 0 { "write" } else { "read" };
            let why = if t.err & 1 != 0 { "protection" } else { "not present" };
            write!(f, " cr2={:#010x} ({kind}, {why}, {})", self.cr2, if t.err & 4 != 0 { "user" } else { "kernel" })?;
        }
        writeln!(f)?;
        writeln!(f, "  eip={:#010x} cs={:#06x} eflags={:#010x} esp={:#010x}", t.eip, t.cs, t.eflags, t.interrupted_esp())?;
        writeln!(f, "  eax={:#010x} ebx={:#010x} ecx={:#010x} edx={:#010x}", t.eax, t.ebx, t.ecx, t.edx)?;
        write!(f, "  esi={:#010x} edi={:#010x} ebp={:#010x} ds={:#06x} es={:#06x}", t.esi, t.edi, t.ebp, t.ds, t.es)
    }
}

/// The last fault resumed through the fix-up table, for callers that want to
/// know what happened (copy-in/out, the kernel's self-tests).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct RecoveredFault {
    pub vector: u32,
    pub eip: u32,
    pub cr2: u32,
}

static LAST_RECOVERED: [AtomicU32; 3] = [AtomicU32::new(u32::MAX), AtomicU32::new(0), AtomicU32::new(0)];

/// Takes the record of the last recovered fault, if any.
pub fn take_recovered_fault() -> Option<RecoveredFault> {
    let vector = LAST_RECOVERED[0].swap(u32::MAX, Ordering::SeqCst);
    (vector != u32::MAX).then(|| RecoveredFault {
        vector,
        eip: LAST_RECOVERED[1].load(Ordering::SeqCst),
        cr2: LAST_RECOVERED[2].load(Ordering::SeqCst),
    })
}

/// The resume address registered for a fault at `eip`, if any.
fn fixup(eip: u32) -> Option<u32> {
    // SAFETY: the linker script brackets `.ex_table` with these symbols; the
    // section holds (u32, u32) pairs written by `asm!` blocks.
    let table = unsafe {
        let start = __ex_table_start.as_ptr();
        let len = (__ex_table_end.as_ptr() as usize - start as usize) / 4;
        core::slice::from_raw_parts(start, len)
    };
    table.chunks_exact(2).find(|p| p[0] == eip).map(|p| p[1])
}

/// A fault of the return to user mode on a segment register that no
/// longer loads: the null selector goes in its place (the thread faults in
/// user mode if it uses it), or for `iret` the flat user code and stack
/// segments. True when the fault was one of these and may be retried.
fn segment_fixup(frame: &mut TrapFrame) -> bool {
    if frame.from_user() || !matches!(frame.vector, 10..=13) {
        return false;
    }
    let eip = frame.eip;
    // The value being popped (or the iret frame) starts at the kernel's
    // stack pointer of the faulting instruction: right after this frame
    // (a fault in kernel mode pushes no stack pointer). `frame` is taken
    // mutably so that the writes below are not assumed away.
    let at = frame.interrupted_esp() as usize as *mut u32;
    let pops = [trap_pop_gs as *const () as usize as u32, trap_pop_fs as *const () as usize as u32, trap_pop_es as *const () as usize as u32, trap_pop_ds as *const () as usize as u32];
    if pops.contains(&eip) {
        // SAFETY: `at` is the word the pop reads, on this thread's stack.
        unsafe { at.write(0) };
        return true;
    }
    if eip == trap_iret as *const () as usize as u32 {
        // SAFETY: the iret frame (eip, cs, eflags, esp, ss) lies at `at`.
        unsafe {
            let (cs, ss) = (at.add(1).read(), at.add(4).read());
            let (ucs, uds) = (u32::from(super::gdt::USER_CS), u32::from(super::gdt::USER_DS));
            if cs == ucs && ss == uds {
                return false;
            }
            at.add(1).write(ucs);
            at.add(4).write(uds);
        }
        return true;
    }
    false
}

/// Installs the gates for the 32 exceptions and the 16 legacy IRQs.
pub fn init() {
    // SAFETY: `trap_stub_table` is a static table of 48 stub addresses emitted above.
    let stubs = unsafe { &trap_stub_table };
    for (n, &stub) in stubs.iter().enumerate() {
        // Breakpoint and overflow may be raised by user code on purpose.
        let dpl = if n == 3 || n == 4 { 3 } else { 0 };
        idt::set_gate(n as u8, stub, dpl);
    }
    idt::load();
    // The Mach trap gate: LDT entry 0 (selector 7), callable from ring 3.
    super::gdt::set_ldt_entry(usize::from(super::gdt::USER_SCALL >> 3), call_gate(syscall_entry as *const () as usize as u32));
}

/// A 32-bit call gate to `offset` in the kernel code segment, DPL 3, no copied parameters.
const fn call_gate(offset: u32) -> u64 {
    (offset as u64 & 0xFFFF)
        | ((super::gdt::KERNEL_CS as u64) << 16)
        | (0xECu64 << 40) // present, DPL 3, 32-bit call gate
        | ((offset as u64 >> 16) << 48)
}

/// Whether `frame` interrupted the kernel inside `syscall_entry`, before
/// the Mach trap's frame is complete.
fn in_syscall_entry(frame: &TrapFrame) -> bool {
    let (start, end) = (syscall_entry as *const () as usize as u32, syscall_entry_end as *const () as usize as u32);
    !frame.from_user() && (start..end).contains(&frame.eip)
}

/// Common entry of every exception and interrupt; called by `trap_common`.
#[no_mangle]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    let vector = frame.vector;
    if vector >= u32::from(IRQ_BASE) && vector < u32::from(IRQ_BASE) + 16 {
        pic::dispatch((vector - u32::from(IRQ_BASE)) as u8);
        // An interrupt between the call gate and `syscall_entry`'s `cli`
        // finds half a frame: no switch there (the trap's end reschedules).
        if crate::kern::sched_prim::need_resched() && !in_syscall_entry(frame) {
            crate::kern::sched_prim::preempt();
        }
        if frame.from_user() {
            crate::kern::sched_prim::halt_if_requested();
        }
        return;
    }
    if vector == SYSCALL_VECTOR {
        // `syscall_entry` turned interrupts off until the frame was whole.
        cpu::enable_interrupts();
        match crate::kern::syscall_sw::entry(frame) {
            Ok(()) => {}
            Err(crate::kern::syscall_sw::Unknown::Number(n)) => {
                // GNU Mach raises an invalid-instruction exception.
                let handled = crate::kern::exception::raise(frame, crate::kern::exception::EXC_BAD_INSTRUCTION, 1, 0);
                if !handled {
                    crate::kern::syscall_sw::fatal_user_fault(format_args!("unknown Mach trap {} (invalid opcode)", n), frame)
                }
            }
            Err(crate::kern::syscall_sw::Unknown::BadArguments) => {
                crate::kern::syscall_sw::fatal_user_fault(format_args!("Mach trap {} with unreadable arguments", frame.eax as i32), frame)
            }
        }
        // One load decides whether anything is due before user mode.
        if crate::kern::sched_prim::ast_pending() {
            if crate::kern::sched_prim::need_resched() {
                cpu::disable_interrupts();
                crate::kern::sched_prim::preempt();
            }
            crate::kern::sched_prim::halt_if_requested();
        }
        return;
    }
    if segment_fixup(frame) {
        return;
    }
    if vector == VEC_NO_FPU && frame.from_user() {
        super::fpu::device_not_available(crate::kern::sched_prim::current());
        return;
    }
    let fpu_status = if vector == VEC_FPU_ERROR && frame.from_user() { Some(super::fpu::error(crate::kern::sched_prim::current())) } else { None };
    let cr2 = if vector == VEC_PAGE_FAULT { cpu::cr2() } else { 0 };
    // A user address: demand-zero memory may just need its page. (Kernel
    // copies to and from user memory fault here too.)
    let mut fault_code = None;
    if vector == VEC_PAGE_FAULT && cr2 < super::uaccess::VM_MAX_ADDRESS {
        // A fault may sleep for a pager unless the kernel took it with
        // interrupts off (a copy under a lock).
        let block = frame.from_user() || frame.eflags & 0x200 != 0;
        match crate::kern::task::vm_fault(cr2, frame.err & 2 != 0, block) {
            Ok(()) => {
                if frame.from_user() {
                    crate::kern::sched_prim::halt_if_requested();
                }
                return;
            }
            Err(kerncore::kern_return::KERN_ABORTED) if frame.from_user() => {
                crate::kern::sched_prim::halt_if_requested();
                return;
            }
            Err(e) => fault_code = Some(e as u32),
        }
    }
    if !frame.from_user() {
        if let Some(resume) = fixup(frame.eip) {
            LAST_RECOVERED[1].store(frame.eip, Ordering::SeqCst);
            LAST_RECOVERED[2].store(cr2, Ordering::SeqCst);
            LAST_RECOVERED[0].store(vector, Ordering::SeqCst);
            frame.eip = resume;
            return;
        }
    }
    if frame.from_user() {
        // A Mach exception to the thread's or task's exception port; with
        // no handler (or a refusal) the task ends, never the kernel.
        cpu::enable_interrupts();
        let (exc, mut code, mut sub) = crate::kern::exception::from_trap(vector, frame.err, cr2);
        if let Some(status) = fpu_status {
            sub = status; // EXC_I386_EXTERR with the status word, as GNU Mach
        }
        if let Some(c) = fault_code {
            code = c; // KERN_INVALID_ADDRESS or KERN_PROTECTION_FAILURE, as the map says
        }
        if crate::kern::exception::raise(frame, exc, code, sub) {
            cpu::disable_interrupts();
            crate::kern::sched_prim::halt_if_requested();
            return;
        }
        crate::kprintln!("{}", Dump { frame, cr2 });
        crate::kern::syscall_sw::fatal_user_fault(format_args!("{} (cr2 {:#x})", exception_name(vector), cr2), frame);
    }
    crate::kprintln!("{}", Dump { frame, cr2 });
    panic!("unhandled {} in {} mode at eip {:#010x}", exception_name(vector), if frame.from_user() { "user" } else { "kernel" }, frame.eip);
}
