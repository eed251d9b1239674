//! `segments`: per-thread user descriptors of `mach_i386.defs`, as glibc's
//! thread-local storage uses them.
//!
//! Two threads of this task each take a GDT slot with `i386_set_gdt(-1)`
//! (both get selector 0x4b: the slots are per thread) for a data segment
//! over their own word, load it into `%gs`, and read their own value
//! through `%gs:0` many times, yielding and being preempted in between.
//! The same with an LDT entry of their own (`i386_set_ldt`, selector 0x27)
//! through `%fs`. Then GNU Mach's checks: a third slot is `KERN_NO_SPACE`,
//! privilege-0 and system descriptors and bad selectors are
//! `KERN_INVALID_ARGUMENT`, the running thread may not rewrite the first
//! four LDT entries, `i386_get_gdt`/`i386_get_ldt` give back what was set.
//!
//! Boot-script line: `/segments $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_NO_SPACE};
use mach_user::mig::{mach, mach_i386 as mi, rt, Mach};
use mach_user::trap::{mach_task_self, mach_thread_self, thread_switch};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "segments";
/// The first user GDT slot's selector (GNU Mach's `USER_GDT` | RPL 3).
const GDT_SEL: u32 = 0x4b;
/// LDT entry 4 with RPL 3: the first one past the default LDT.
const LDT_SEL: u32 = (4 << 3) | 4 | 3;
const ROUNDS: u32 = 400;

static VALUE_A: AtomicU32 = AtomicU32::new(0xA11C_E000);
static VALUE_B: AtomicU32 = AtomicU32::new(0xB0B0_0000);
static DONE_B: AtomicU32 = AtomicU32::new(0);
/// 1: thread B passed; 2 + n: it failed at step n.
static RESULT_B: AtomicU32 = AtomicU32::new(0);
static STEP: AtomicU32 = AtomicU32::new(0);
static GS_SEEN: AtomicU32 = AtomicU32::new(0xFFFF_FFFF);

fn main(_args: &Args) -> i32 {
    mach_user::test_main(NAME, run)
}

/// A 32-bit byte-granular segment descriptor: `[low word, high word]`.
fn descriptor(base: u32, limit: u32, access: u8) -> [u32; 2] {
    let low = (limit & 0xFFFF) | (base & 0xFFFF) << 16;
    let high = ((base >> 16) & 0xFF) | u32::from(access) << 8 | (limit & 0xF_0000) | 0x4 << 20 | (base & 0xFF00_0000);
    [low, high]
}

/// Present, privilege 3, read/write data.
const USER_DATA: u8 = 0xF2;

fn read_gs(sel: u32) -> u32 {
    let v: u32;
    // SAFETY: loads a selector this thread set up for its own word and
    // reads through it; nothing else in the program uses %gs.
    unsafe { core::arch::asm!("mov gs, {s:x}", "mov {v}, dword ptr gs:[0]", s = in(reg) sel, v = out(reg) v, options(nostack, readonly)) };
    v
}

fn read_fs(sel: u32) -> u32 {
    let v: u32;
    // SAFETY: as `read_gs`, through %fs and an LDT entry.
    unsafe { core::arch::asm!("mov fs, {s:x}", "mov {v}, dword ptr fs:[0]", s = in(reg) sel, v = out(reg) v, options(nostack, readonly)) };
    v
}

/// What each thread does with its own word `value`: a GDT slot in %gs and
/// an LDT entry in %fs, read back across many switches.
fn own_segments(m: &mut Mach, value: &AtomicU32) -> Result<(), &'static str> {
    // SAFETY: no arguments.
    let me = unsafe { mach_thread_self() };
    let base = value as *const AtomicU32 as u32;
    let want = value.load(SeqCst);
    let d = descriptor(base, 3, USER_DATA);
    let sel = mi::i386_set_gdt(m, me, u32::MAX, &d).map_err(|_| "i386_set_gdt(-1)")?.selector;
    expect(sel == GDT_SEL, "the first free slot is not selector 0x4b")?;
    let got = mi::i386_get_gdt(m, me, sel).map_err(|_| "i386_get_gdt")?.desc;
    expect(got == d, "i386_get_gdt gave another descriptor")?;
    let ldt = [d[0], d[1]];
    mi::i386_set_ldt(m, me, LDT_SEL, rt::Ool { addr: ldt.as_ptr() as u32, count: 2, dealloc: false }).map_err(|_| "i386_set_ldt")?;
    for i in 0..ROUNDS {
        expect(read_gs(sel) == want, "%gs:0 read another thread's word")?;
        expect(read_fs(LDT_SEL) == want, "%fs:0 read another thread's word")?;
        if i % 4 == 0 {
            // SAFETY: yields the processor.
            unsafe { thread_switch(0, 0, 0) };
        } else {
            // Long enough for the clock to preempt now and then.
            for k in 0..2000u32 {
                core::hint::black_box(k);
            }
        }
    }
    Ok(())
}

extern "C" fn thread_b() -> ! {
    let mut m = Mach::new();
    let r = own_segments(&mut m, &VALUE_B);
    RESULT_B.store(if r.is_ok() { 1 } else { 2 }, SeqCst);
    if let Err(why) = r {
        uprintln!("{}: thread B: {}", NAME, why);
    }
    DONE_B.store(1, SeqCst);
    // Told to, report %gs (which the main thread changes with
    // i386_REGS_SEGS_STATE meanwhile).
    while STEP.load(SeqCst) != 1 {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
    let gs: u32;
    // SAFETY: copies the %gs selector.
    unsafe { core::arch::asm!("mov {0:x}, gs", out(reg) gs, options(nostack, nomem)) };
    GS_SEEN.store(gs & 0xFFFF, SeqCst);
    STEP.store(2, SeqCst);
    loop {
        // SAFETY: waits; the task ends with the main thread.
        unsafe { thread_switch(0, 2, 1000) };
    }
}

/// `i386_set_ldt` with the descriptor list in line, as GNU MIG's stubs send
/// short lists (this repository's stubs send it out of line): a request
/// built by hand with a long-form in-line descriptor, two entries (LDT
/// entries 5 and 6) at once. Returns the reply's code.
fn set_ldt_inline(me: u32, first: u32, descs: &[[u32; 2]]) -> i32 {
    let mut msg = [0u32; 64];
    let words = 2 * descs.len();
    let size = (24 + 8 + 12 + 4 * words) as u32;
    // SAFETY: no arguments.
    let reply = unsafe { mach_user::trap::mach_reply_port() };
    // COPY_SEND to the thread, MAKE_SEND_ONCE for the reply; not complex.
    msg[..6].copy_from_slice(&[19 | 21 << 8, size, me, reply, 0, 3803]);
    msg[6] = 0x1001_2002; // int, inline, short form
    msg[7] = first;
    msg[8] = 1 << 28 | 1 << 29; // inline, long form
    msg[9] = 2 | 32 << 16; // INTEGER_32, 32 bits
    msg[10] = words as u32;
    for (i, d) in descs.iter().enumerate() {
        msg[11 + 2 * i] = d[0];
        msg[12 + 2 * i] = d[1];
    }
    // SAFETY: `msg` holds the request and has room for the reply.
    let r = unsafe { mach_user::trap::mach_msg_trap(msg.as_mut_ptr().cast(), 3, size, 256, reply, 0, 0) };
    // SAFETY: our reply port.
    unsafe { mach_user::trap::syscall_mach_port_deallocate(mach_task_self(), reply) };
    if r != 0 {
        return r;
    }
    if msg[5] != 3903 { -1 } else { msg[7] as i32 }
}

fn inline_ldt(m: &mut Mach, task: u32, me: u32) -> Result<(), &'static str> {
    let (va, vb) = (&VALUE_A as *const AtomicU32 as u32, &VALUE_B as *const AtomicU32 as u32);
    let (da, db) = (descriptor(va, 3, USER_DATA), descriptor(vb, 3, USER_DATA));
    let sel5 = LDT_SEL + 8;
    let r = set_ldt_inline(me, sel5, &[da, db]);
    if r != 0 {
        uprintln!("{}: in-line i386_set_ldt answered {:#x}", NAME, r);
        return Err("i386_set_ldt with an in-line list failed");
    }
    expect(read_fs(sel5) == VALUE_A.load(SeqCst) && read_fs(sel5 + 8) == VALUE_B.load(SeqCst), "the in-line LDT entries do not read their words")?;
    let l = mi::i386_get_ldt(m, me, sel5, 2).map_err(|_| "i386_get_ldt of the in-line entries")?.desc_list;
    // SAFETY: the kernel mapped `count` words at `addr` for us.
    let words = unsafe { core::slice::from_raw_parts(l.addr as *const u32, l.count as usize) };
    let ok = l.count == 4 && words[0] == da[0] && words[1] & !0x100 == da[1] && words[2] == db[0] && words[3] & !0x100 == db[1];
    let _ = mach::vm_deallocate(m, task, l.addr, 4096);
    expect(ok, "i386_get_ldt gave other than the in-line entries")?;
    // In line, the same checks: a privilege-0 segment is refused.
    expect(set_ldt_inline(me, sel5, &[descriptor(0, 0, 0x92)]) == KERN_INVALID_ARGUMENT, "an in-line privilege-0 entry was taken")?;
    uprintln!("{}: i386_set_ldt with an in-line list of 2 entries", NAME);
    Ok(())
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, me) = unsafe { (mach_task_self(), mach_thread_self()) };
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    let b = mach_user::start_thread(&mut m, thread_b, stack, 8 * 4096)?;
    own_segments(&mut m, &VALUE_A)?;
    while DONE_B.load(SeqCst) == 0 {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
    expect(RESULT_B.load(SeqCst) == 1, "thread B read the wrong words")?;
    uprintln!("{}: two threads read their own %gs and %fs words {} times each", NAME, ROUNDS);

    // The other thread's slot and LDT, seen from here.
    let vb = &VALUE_B as *const AtomicU32 as u32;
    let got = mi::i386_get_gdt(&mut m, b, GDT_SEL).map_err(|_| "i386_get_gdt of B")?.desc;
    expect(got == descriptor(vb, 3, USER_DATA), "B's slot as seen from A")?;
    let l = mi::i386_get_ldt(&mut m, b, LDT_SEL, 8).map_err(|_| "i386_get_ldt of B")?.desc_list;
    expect(l.count == 2, "i386_get_ldt gave other than the one entry set")?;
    // SAFETY: the kernel mapped `count` words at `addr` for us.
    let words = unsafe { core::slice::from_raw_parts(l.addr as *const u32, 2) };
    // The CPU marks a loaded segment accessed (bit 0 of the access byte).
    if [words[0], words[1] & !0x100] != descriptor(vb, 3, USER_DATA) {
        uprintln!("{}: i386_get_ldt gave {:#x?} at {:#x}", NAME, words, l.addr);
        return Err("i386_get_ldt gave another descriptor");
    }
    let _ = mach::vm_deallocate(&mut m, task, l.addr, 4096);
    let l = mi::i386_get_ldt(&mut m, b, 0x17, 1).map_err(|_| "i386_get_ldt of USER_CS")?.desc_list;
    expect(l.count == 2, "the default entries are not in a thread's own LDT")?;
    let _ = mach::vm_deallocate(&mut m, task, l.addr, 4096);

    inline_ldt(&mut m, task, me)?;

    // GNU Mach's checks.
    let d = descriptor(0, 0, USER_DATA);
    let second = mi::i386_set_gdt(&mut m, me, u32::MAX, &d).map_err(|_| "second slot")?.selector;
    expect(second == GDT_SEL + 8, "the second slot is not selector 0x53")?;
    expect(mi::i386_set_gdt(&mut m, me, u32::MAX, &d).err() == Some(KERN_NO_SPACE), "a third slot was given")?;
    let bad = |m: &mut Mach, sel: u32, d: [u32; 2]| mi::i386_set_gdt(m, me, sel, &d).err() == Some(KERN_INVALID_ARGUMENT);
    expect(bad(&mut m, GDT_SEL, descriptor(0, 0, 0x92)), "a privilege-0 data segment was taken")?;
    expect(bad(&mut m, GDT_SEL, [0x0000_0000, 0x0000_EC00]), "a call gate was taken")?;
    expect(bad(&mut m, GDT_SEL, descriptor(0, 0, 0xE9)), "a TSS descriptor was taken")?;
    expect(bad(&mut m, GDT_SEL | 4, d), "an LDT selector was taken as a GDT slot")?;
    expect(bad(&mut m, GDT_SEL + 16, d), "a selector past the slots was taken")?;
    expect(bad(&mut m, GDT_SEL & !3, d), "a privilege-0 selector was taken")?;
    // A descriptor that is not present frees the slot.
    mi::i386_set_gdt(&mut m, me, second, &[0, 0]).map_err(|_| "freeing the second slot")?;
    let again = mi::i386_set_gdt(&mut m, me, u32::MAX, &d).map_err(|_| "slot after freeing")?.selector;
    expect(again == second, "a freed slot was not given again")?;
    let ldt = descriptor(0, 0, USER_DATA);
    let set_ldt = |m: &mut Mach, th: u32, sel: u32, d: &[u32; 2]| mi::i386_set_ldt(m, th, sel, rt::Ool { addr: d.as_ptr() as u32, count: 2, dealloc: false });
    expect(set_ldt(&mut m, me, 0x17, &ldt).err() == Some(KERN_INVALID_ARGUMENT), "the running thread rewrote USER_CS")?;
    expect(set_ldt(&mut m, me, LDT_SEL + 8, &descriptor(0, 0, 0x92)).err() == Some(KERN_INVALID_ARGUMENT), "a privilege-0 LDT entry was taken")?;
    expect(set_ldt(&mut m, me, LDT_SEL + 8, &[0, 0x0000_EC00]).err() == Some(KERN_INVALID_ARGUMENT), "a user call gate was taken")?;
    expect(set_ldt(&mut m, me, 8191 << 3, &ldt).err() == Some(KERN_INVALID_ARGUMENT), "an LDT entry past 8191 was taken")?;
    // i386_REGS_SEGS_STATE: B's segment registers as it loaded them; %gs
    // set to B's free second slot, which does not load: B goes on with a
    // null %gs (the kernel's return to user mode puts it in).
    mach::thread_suspend(&mut m, b).map_err(|_| "thread_suspend")?;
    let st = mach::thread_get_state(&mut m, b, 5, 17).map_err(|_| "i386_REGS_SEGS_STATE of B")?;
    let mut s = [0u32; 17];
    s.copy_from_slice(&st.old_state[..17]);
    if s[0] != GDT_SEL || s[1] != LDT_SEL {
        uprintln!("{}: B's state: gs {:#x} fs {:#x} es {:#x} ds {:#x} cs {:#x} ss {:#x}", NAME, s[0], s[1], s[2], s[3], s[13], s[16]);
        return Err("B's %gs and %fs are not the selectors it loaded");
    }
    let mut nocs = s;
    nocs[13] = 0;
    expect(mach::thread_set_state(&mut m, b, 5, &nocs).err() == Some(KERN_INVALID_ARGUMENT), "a null code selector was taken")?;
    s[0] = GDT_SEL + 8;
    mach::thread_set_state(&mut m, b, 5, &s).map_err(|_| "setting B's %gs")?;
    STEP.store(1, SeqCst);
    mach::thread_resume(&mut m, b).map_err(|_| "thread_resume")?;
    while STEP.load(SeqCst) != 2 {
        // SAFETY: yields the processor.
        unsafe { thread_switch(0, 0, 0) };
    }
    expect(GS_SEEN.load(SeqCst) == 0, "a %gs that does not load was not made null")?;
    uprintln!("{}: i386_REGS_SEGS_STATE: B's %gs {:#x} -> {:#x} (a free slot) -> null", NAME, GDT_SEL, GDT_SEL + 8);
    // On another (stopped) thread, the first entries may change.
    mach::thread_suspend(&mut m, b).map_err(|_| "thread_suspend")?;
    set_ldt(&mut m, b, 0x1f, &ldt).map_err(|_| "rewriting B's USER_DS")?;
    // A task port is no thread: GNU Mach's conversion gives none.
    expect(mi::i386_set_gdt(&mut m, task, u32::MAX, &d).err() == Some(KERN_INVALID_ARGUMENT), "i386_set_gdt on a task port")?;
    let _ = mach::thread_terminate(&mut m, b);
    Ok(())
}

entry!(main);
