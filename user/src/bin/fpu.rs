//! `fpu`: the x87 FPU per thread.
//!
//! `fpu SEED CW` sums a long stream of pseudo-random 24-bit integers into
//! all eight x87 registers at once (one `fiadd` and a stack rotation per
//! number, in one long assembly loop), with control word `CW` (rounding and
//! precision that keep such sums exact). Two tasks do this at the same time
//! with different seeds and control words, across many preemptions; each
//! checks its eight sums bit for bit against the same sums in integer
//! registers, and its control word. Any FPU state lost, or leaked from the
//! other task, shows.
//!
//! With a third argument `state`, it also checks that a new thread starts
//! with its creator's control word (GNU Mach's `fpinherit`), and
//! `i386_FLOAT_STATE`: a
//! thread that never used the FPU reads as all zero; a thread's registers
//! and control word read back as it loaded them, and a value written with
//! `thread_set_state` is what the thread then stores; `thread_get_state`
//! on the calling thread is `KERN_INVALID_ARGUMENT` (GNU Mach); an unmasked
//! division by zero is `EXC_ARITHMETIC` / `EXC_I386_EXTERR` with the status
//! word, and the handler clears the state and lets the thread go on.
//!
//! Boot-script lines (control words in decimal: 0x37f, 0xe7f):
//! `/fpu 1 895 state $(task-create) $(task-resume)`,
//! `/fpu 2 3711 $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use mach_user::abi::{KERN_FAILURE, KERN_INVALID_ARGUMENT, TASK_EXCEPTION_PORT};
use mach_user::message::*;
use mach_user::mig::{exc_server as es, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_task_self, mach_thread_self, thread_switch};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "fpu";
const N: u32 = 3_000_000;
const I386_FLOAT_STATE: u32 = 2;
const FLOAT_COUNT: u32 = 30;
const EXC_ARITHMETIC: u32 = 3;
const EXC_I386_EXTERR: u32 = 5;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn lcg(x: u32) -> u32 {
    x.wrapping_mul(1_103_515_245).wrapping_add(12_345)
}

/// The eight sums in the x87 (one long loop), and the control word after.
fn x87_sums(seed: u32, cw: u16) -> ([i64; 8], u16) {
    let mut out = [0i64; 8];
    // [0]: the number being added; [1]: control word in (low half) and
    // after (high half).
    let mut io = [0u32, u32::from(cw)];
    // SAFETY: the block leaves the x87 stack empty (eight loads, eight
    // stores) and only writes `out` and `io`.
    unsafe {
        core::arch::asm!(
            "fninit",
            "fldcw word ptr [{b} + 4]",
            "fldz", "fldz", "fldz", "fldz", "fldz", "fldz", "fldz", "fldz",
            "2:",
            "imul eax, eax, 1103515245",
            "add eax, 12345",
            "mov edx, eax",
            "shr edx, 8",
            "mov dword ptr [{b}], edx",
            "fiadd dword ptr [{b}]",
            "fincstp",
            "dec ecx",
            "jnz 2b",
            "fistp qword ptr [{o}]",
            "fistp qword ptr [{o} + 8]",
            "fistp qword ptr [{o} + 16]",
            "fistp qword ptr [{o} + 24]",
            "fistp qword ptr [{o} + 32]",
            "fistp qword ptr [{o} + 40]",
            "fistp qword ptr [{o} + 48]",
            "fistp qword ptr [{o} + 56]",
            "fnstcw word ptr [{b} + 6]",
            b = in(reg) io.as_mut_ptr(),
            o = in(reg) out.as_mut_ptr(),
            inout("eax") seed => _,
            inout("ecx") N => _,
            out("edx") _,
            options(nostack),
        );
    }
    (out, (io[1] >> 16) as u16)
}

/// The same sums in integer registers: number `i` went to the register
/// that was `st(0)` then (the stack rotates once per number).
fn int_sums(seed: u32) -> [i64; 8] {
    let mut regs = [0i64; 8];
    let mut x = seed;
    for i in 0..N as usize {
        x = lcg(x);
        regs[i % 8] += i64::from(x >> 8);
    }
    // fistp stores st(0) first: after N (a multiple of 8) rotations the
    // register that took number 0 is st(0) again.
    regs
}

static STATE_STEP: AtomicU32 = AtomicU32::new(0);
static STORED: [AtomicU32; 3] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
static EXC_SEEN: [AtomicU32; 3] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
static EXC_PORT: AtomicU32 = AtomicU32::new(0);

/// Loads 1.0 and pi with control word 0x27f, then waits; when told,
/// stores st(0) (80 bits) for the main thread to check.
extern "C" fn state_thread() -> ! {
    let cw: u16 = 0x27F;
    // SAFETY: loads two values, keeping them across the waits below (no
    // other code of this thread uses the FPU).
    unsafe { core::arch::asm!("fninit", "fldcw word ptr [{}]", "fldpi", "fld1", in(reg) &cw, options(nostack)) };
    STATE_STEP.store(1, SeqCst);
    while STATE_STEP.load(SeqCst) != 2 {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
    let mut ten = [0u8; 12];
    // SAFETY: stores st(0) to a 10-byte buffer, pops both values.
    unsafe { core::arch::asm!("fstp tbyte ptr [{}]", "fstp st(0)", in(reg) ten.as_mut_ptr(), options(nostack)) };
    for (i, c) in ten.chunks_exact(4).enumerate() {
        STORED[i].store(u32::from_le_bytes([c[0], c[1], c[2], c[3]]), SeqCst);
    }
    // An unmasked division by zero: the next waiting FPU instruction
    // raises it (EXC_ARITHMETIC); the handler clears the FPU state and
    // moves this thread past the `fwait`.
    let cw: u16 = 0x37B; // zero-divide unmasked
    // SAFETY: 1/0 with the exception unmasked, then `fwait` (9B), which
    // faults; the handler resumes after it with a clean FPU.
    unsafe { core::arch::asm!("fninit", "fldcw word ptr [{}]", "fld1", "fldz", "fdivp st(1), st", ".byte 0x9b", "fninit", in(reg) &cw, options(nostack)) };
    STATE_STEP.store(3, SeqCst);
    loop {
        // SAFETY: waits for the end of the task.
        unsafe { thread_switch(0, 2, 1000) };
    }
}

static INHERITED: AtomicU32 = AtomicU32::new(0);

/// Reports the control word its FPU starts with.
extern "C" fn cw_thread() -> ! {
    let mut cw = 0u16;
    // SAFETY: reads the control word only.
    unsafe { core::arch::asm!("fnstcw word ptr [{}]", in(reg) &mut cw, options(nostack)) };
    INHERITED.store(0x1_0000 | u32::from(cw), SeqCst);
    loop {
        // SAFETY: waits for the end of the task.
        unsafe { thread_switch(0, 2, 1000) };
    }
}

struct Handler {
    m: Mach,
}

impl es::ExcServer for Handler {
    fn exception_raise(&mut self, req: es::ExceptionRaiseRequest) -> Result<(), i32> {
        EXC_SEEN[0].store(req.exception, SeqCst);
        EXC_SEEN[1].store(req.code, SeqCst);
        EXC_SEEN[2].store(req.subcode, SeqCst);
        if req.exception != EXC_ARITHMETIC {
            return Err(KERN_FAILURE);
        }
        // A clean FPU for the thread (`initialized` 0), and on past the fwait.
        mach::thread_set_state(&mut self.m, req.thread, I386_FLOAT_STATE, &[0u32; FLOAT_COUNT as usize]).map_err(|_| KERN_FAILURE)?;
        let st = mach::thread_get_state(&mut self.m, req.thread, 1, 17).map_err(|_| KERN_FAILURE)?;
        let mut s = [0u32; 17];
        s.copy_from_slice(&st.old_state[..17]);
        s[12] += 1;
        mach::thread_set_state(&mut self.m, req.thread, 1, &s).map_err(|_| KERN_FAILURE)?;
        Ok(())
    }
}

extern "C" fn handler_thread() -> ! {
    let mut h = Handler { m: Mach::new() };
    mach_user::mig::serve_forever(EXC_PORT.load(SeqCst), |req, reply| es::exc_server(&mut h, req, reply))
}

fn wait_step(n: u32) {
    while STATE_STEP.load(SeqCst) < n {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
}

fn float_state(m: &mut Mach) -> Result<(), &'static str> {
    // SAFETY: no arguments.
    let (task, me) = unsafe { (mach_task_self(), mach_thread_self()) };
    expect(mach::thread_get_state(m, me, I386_FLOAT_STATE, FLOAT_COUNT).err() == Some(KERN_INVALID_ARGUMENT), "thread_get_state on the caller")?;
    expect(mach::thread_get_state(m, me, 1, 17).err() == Some(KERN_INVALID_ARGUMENT), "thread_get_state(i386_THREAD_STATE) on the caller")?;
    let e = mach_port::mach_port_allocate(m, task, 1).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    EXC_PORT.store(e, SeqCst);
    mach::task_set_special_port(m, task, TASK_EXCEPTION_PORT, e).map_err(|_| "task_set_special_port")?;
    let hstack = mach::vm_allocate(m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    let handler = mach_user::start_thread(m, handler_thread, hstack, 8 * 4096)?;
    // A thread that never used the FPU: all zero, 30 words.
    let st = mach::thread_get_state(m, handler, I386_FLOAT_STATE, FLOAT_COUNT).map_err(|_| "FLOAT of a fresh thread")?;
    expect(st.old_state_cnt == FLOAT_COUNT && st.old_state[..30].iter().all(|&w| w == 0), "a fresh thread's float state is not all zero")?;
    expect(mach::thread_get_state(m, handler, I386_FLOAT_STATE, FLOAT_COUNT - 1).err() == Some(KERN_INVALID_ARGUMENT), "a short float state count was taken")?;

    // A new thread's FPU starts with its creator's control word (GNU
    // Mach's fpinherit).
    let cw: u16 = 0xB7F;
    // SAFETY: sets this thread's control word (rounding up).
    unsafe { core::arch::asm!("fninit", "fldcw word ptr [{}]", in(reg) &cw, options(nostack)) };
    let cstack = mach::vm_allocate(m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    let cwt = mach_user::start_thread(m, cw_thread, cstack, 8 * 4096)?;
    // SAFETY: back to the default control word.
    unsafe { core::arch::asm!("fninit", options(nostack, nomem)) };
    while INHERITED.load(SeqCst) == 0 {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
    uprintln!("{}: a new thread's control word is {:#x} (its creator's 0xb7f)", NAME, INHERITED.load(SeqCst) & 0xFFFF);
    expect(INHERITED.load(SeqCst) & 0xFFFF == 0xB7F, "a new thread did not inherit the control word")?;
    let _ = mach::thread_terminate(m, cwt);

    let stack = mach::vm_allocate(m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    let th = mach_user::start_thread(m, state_thread, stack, 8 * 4096)?;
    wait_step(1);
    mach::thread_suspend(m, th).map_err(|_| "thread_suspend")?;
    let st = mach::thread_get_state(m, th, I386_FLOAT_STATE, FLOAT_COUNT).map_err(|_| "thread_get_state FLOAT")?;
    let w = &st.old_state;
    expect(st.old_state_cnt == FLOAT_COUNT, "float state count is not 30")?;
    expect(w[0] == 3 || w[0] == 4, "fpkind is not FP_387 or FP_387FX")?;
    expect(w[1] == 1, "float state not initialized")?;
    let mut hw = [0u8; 108];
    for (i, c) in hw.chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&w[2 + i].to_le_bytes());
    }
    let cw = u16::from_le_bytes([hw[0], hw[1]]);
    let status = u16::from_le_bytes([hw[4], hw[5]]);
    let tag = u16::from_le_bytes([hw[8], hw[9]]);
    uprintln!("{}: thread state: fpkind {} control {:#x} status {:#x} tag {:#x}", NAME, w[0], cw, status, tag);
    expect(cw == 0x27F, "control word not as loaded")?;
    expect((status >> 11) & 7 == 6, "stack top is not 6 after two loads")?;
    // st(0) = 1.0, st(1) = pi in 80-bit form.
    expect(hw[28..38] == [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F], "st(0) is not 1.0")?;
    expect(hw[38..48] == [0x35, 0xC2, 0x68, 0x21, 0xA2, 0xDA, 0x0F, 0xC9, 0x00, 0x40], "st(1) is not pi")?;
    // Physical registers 6 and 7 valid (tag 0: 1.0 and pi are normal), the rest empty.
    expect(tag == 0x0FFF, "tag word")?;
    // st(0) becomes 2.0.
    let mut set = [0u32; 30];
    set.copy_from_slice(&w[..30]);
    hw[28..38].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x40]);
    for (i, c) in hw.chunks_exact(4).enumerate() {
        set[2 + i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    mach::thread_set_state(m, th, I386_FLOAT_STATE, &set).map_err(|_| "thread_set_state FLOAT")?;
    expect(mach::thread_set_state(m, th, I386_FLOAT_STATE, &set[..29]).err() == Some(KERN_INVALID_ARGUMENT), "a short float state was taken")?;
    STATE_STEP.store(2, SeqCst);
    mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
    wait_step(3);
    let mut ten = [0u8; 12];
    for (i, c) in ten.chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&STORED[i].load(SeqCst).to_le_bytes());
    }
    expect(ten[..10] == [0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x40], "the thread stored another value than the 2.0 set")?;
    uprintln!("{}: i386_FLOAT_STATE read 1.0 and pi, and the 2.0 written came back", NAME);
    let (exc, code, sub) = (EXC_SEEN[0].load(SeqCst), EXC_SEEN[1].load(SeqCst), EXC_SEEN[2].load(SeqCst));
    uprintln!("{}: division by zero: exception {} code {} status {:#x}", NAME, exc, code, sub);
    expect(exc == EXC_ARITHMETIC && code == EXC_I386_EXTERR, "no EXC_ARITHMETIC / EXC_I386_EXTERR")?;
    expect(sub & 0x4 != 0, "the status word lacks the zero-divide flag")?;
    let _ = mach::thread_terminate(m, th);
    let _ = mach::task_set_special_port(m, task, TASK_EXCEPTION_PORT, 0);
    let _ = mach::thread_terminate(m, handler);
    Ok(())
}

fn run(args: &Args) -> Result<(), &'static str> {
    let seed = args.number(1).ok_or("argv[1] is not a seed")?;
    let cw = args.number(2).ok_or("argv[2] is not a control word")? as u16;
    let mut m = Mach::new();
    if args.arg_str(3) == Some("state") {
        float_state(&mut m)?;
    }
    let want = int_sums(seed);
    for round in 0..3 {
        let (got, cw_after) = x87_sums(seed, cw);
        if got != want {
            uprintln!("{}: round {}: x87 sums {:?}, integer sums {:?}", NAME, round, got, want);
            return Err("x87 sums differ from the integer sums");
        }
        expect(cw_after == cw, "the control word changed")?;
    }
    uprintln!("{}: seed {}: 3 x {} x87 additions exact, control word {:#x} kept", NAME, seed, N, cw);
    Ok(())
}

entry!(main);
