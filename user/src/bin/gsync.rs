//! `gsync`: the address-keyed waits of gnumach.defs, as glibc's locks use
//! them. Checks the refusals (unaligned or unmapped address:
//! `KERN_INVALID_ADDRESS`; a value that differs: `KERN_INVALID_ARGUMENT`),
//! a timed wait ending in `KERN_TIMEDOUT`, then with waiter threads: a wake
//! ends exactly one wait (the first to come), `GSYNC_MUTATE |
//! GSYNC_BROADCAST` stores the value and ends all, `GSYNC_QUAD` compares two
//! words, and `gsync_requeue` moves a waiter to another address (and with
//! `wake_one` also ends one); `thread_abort` ends a wait with
//! `KERN_INTERRUPTED`. It ends with a thread still waiting, which the
//! kernel must drop with the task (the test checks nothing leaks).
//!
//! Boot-script line: `/gsync $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use mach_user::abi::{KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT};
use mach_user::mig::{gnumach, mach, Mach};
use mach_user::trap::{mach_task_self, mach_thread_self, thread_switch};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "gsync";
const GSYNC_QUAD: u32 = 0x02;
const GSYNC_TIMED: u32 = 0x04;
const GSYNC_BROADCAST: u32 = 0x08;
const GSYNC_MUTATE: u32 = 0x10;
const KERN_TIMEDOUT: i32 = 27;
const WAITERS: usize = 8;
const KERN_INTERRUPTED: u32 = 28;

/// The words waited on (two of them adjacent, for GSYNC_QUAD).
static WORD: [AtomicU32; 2] = [AtomicU32::new(5), AtomicU32::new(9)];
static OTHER: AtomicU32 = AtomicU32::new(1);
/// What each waiter thread waits on: (address, expected, second, flags).
static PLAN: [[AtomicU32; 4]; WAITERS] = [const { [const { AtomicU32::new(0) }; 4] }; WAITERS];
/// Each waiter's order of waking (0: still waiting) and result.
static WOKEN_AS: [AtomicU32; WAITERS] = [const { AtomicU32::new(0) }; WAITERS];
static RESULT: [AtomicU32; WAITERS] = [const { AtomicU32::new(u32::MAX) }; WAITERS];
static WOKEN: AtomicU32 = AtomicU32::new(0);
static NEXT: AtomicU32 = AtomicU32::new(0);

fn main(_: &Args) -> i32 {
    mach_user::test_main(NAME, run)
}

fn addr(w: &AtomicU32) -> u32 {
    w.as_ptr() as u32
}

fn nap(ms: u32) {
    // SAFETY: SWITCH_OPTION_WAIT for `ms` milliseconds.
    unsafe { thread_switch(0, 2, ms) };
}

extern "C" fn waiter() -> ! {
    let i = NEXT.fetch_add(1, SeqCst) as usize;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let p = &PLAN[i];
    let r = gnumach::gsync_wait(&mut m, task, p[0].load(SeqCst), p[1].load(SeqCst), p[2].load(SeqCst), 0, p[3].load(SeqCst));
    RESULT[i].store(r.err().unwrap_or(0) as u32, SeqCst);
    WOKEN_AS[i].store(WOKEN.fetch_add(1, SeqCst) + 1, SeqCst);
    // SAFETY: no arguments; the thread stops for good.
    let me = unsafe { mach_thread_self() };
    let _ = mach::thread_suspend(&mut m, me);
    loop {
        nap(1000);
    }
}

/// Starts waiter `i` on `word` expecting `val` (and `val2`).
fn start(m: &mut Mach, i: usize, word: u32, val: u32, val2: u32, flags: u32) -> Result<u32, &'static str> {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    for (slot, v) in PLAN[i].iter().zip([word, val, val2, flags]) {
        slot.store(v, SeqCst);
    }
    let stack = mach::vm_allocate(m, task, 0, 4 * 4096, 1).map_err(|_| "stack")?.address;
    let th = mach_user::start_thread(m, waiter, stack, 4 * 4096)?;
    // Waiters start in order: each is parked before the next starts.
    nap(50);
    expect(NEXT.load(SeqCst) as usize == i + 1, "a waiter thread did not start")?;
    Ok(th)
}

fn woken() -> u32 {
    WOKEN.load(SeqCst)
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let w = addr(&WORD[0]);

    // Refusals.
    expect(gnumach::gsync_wait(&mut m, task, w + 1, 5, 0, 0, 0) == Err(KERN_INVALID_ADDRESS), "unaligned address not refused")?;
    expect(gnumach::gsync_wait(&mut m, task, 0x10, 0, 0, 0, 0) == Err(KERN_INVALID_ADDRESS), "unmapped address not refused")?;
    expect(gnumach::gsync_wait(&mut m, task, w, 4, 0, 0, 0) == Err(KERN_INVALID_ARGUMENT), "a different value did not return at once")?;
    expect(gnumach::gsync_wait(&mut m, task, w, 5, 8, 0, GSYNC_QUAD) == Err(KERN_INVALID_ARGUMENT), "GSYNC_QUAD ignored the second word")?;
    expect(gnumach::gsync_wait(&mut m, task, w, 5, 0, 30, GSYNC_TIMED) == Err(KERN_TIMEDOUT), "a timed wait did not time out")?;
    uprintln!("{}: refusals and timeout ok", NAME);

    // One wake, one waiter, in arrival order.
    start(&mut m, 0, w, 5, 0, 0)?;
    start(&mut m, 1, w, 5, 9, GSYNC_QUAD)?;
    start(&mut m, 2, w, 5, 0, 0)?;
    expect(woken() == 0, "a waiter did not wait")?;
    gnumach::gsync_wake(&mut m, task, w, 0, 0).map_err(|_| "gsync_wake")?;
    nap(50);
    expect(woken() == 1 && WOKEN_AS[0].load(SeqCst) == 1 && RESULT[0].load(SeqCst) == 0, "one wake did not end exactly the first wait")?;
    gnumach::gsync_wake(&mut m, task, w, 7, GSYNC_MUTATE | GSYNC_BROADCAST).map_err(|_| "gsync_wake broadcast")?;
    nap(50);
    expect(WORD[0].load(SeqCst) == 7, "GSYNC_MUTATE did not store the value")?;
    expect(woken() == 3 && (1..3).all(|i| RESULT[i].load(SeqCst) == 0), "a broadcast did not end every wait")?;
    uprintln!("{}: wake ends the first wait, broadcast with mutate ends all", NAME);

    // Requeue: two waiters on OTHER; one moves to WORD[1].
    let o = addr(&OTHER);
    let w2 = addr(&WORD[1]);
    start(&mut m, 3, o, 1, 0, 0)?;
    start(&mut m, 4, o, 1, 0, 0)?;
    gnumach::gsync_requeue(&mut m, task, o, w2, 0, 0).map_err(|_| "gsync_requeue")?;
    gnumach::gsync_wake(&mut m, task, o, 0, GSYNC_BROADCAST).map_err(|_| "gsync_wake")?;
    nap(50);
    expect(woken() == 4 && WOKEN_AS[4].load(SeqCst) == 4, "after a requeue, waking the old address ended the wrong wait")?;
    gnumach::gsync_wake(&mut m, task, w2, 0, 0).map_err(|_| "gsync_wake")?;
    nap(50);
    expect(woken() == 5 && WOKEN_AS[3].load(SeqCst) == 5, "the moved waiter did not wake on its new address")?;
    // With wake_one: the one waiter is moved and woken at once.
    start(&mut m, 5, o, 1, 0, 0)?;
    gnumach::gsync_requeue(&mut m, task, o, w2, 1, 0).map_err(|_| "gsync_requeue wake_one")?;
    nap(50);
    expect(woken() == 6 && RESULT[5].load(SeqCst) == 0, "gsync_requeue with wake_one did not wake")?;
    uprintln!("{}: requeue moves a waiter, wake_one wakes", NAME);
    // thread_abort ends a wait with KERN_INTERRUPTED, as in GNU Mach.
    let th = start(&mut m, 6, o, 1, 0, 0)?;
    mach::thread_abort(&mut m, th).map_err(|_| "thread_abort")?;
    nap(50);
    expect(woken() == 7 && RESULT[6].load(SeqCst) == KERN_INTERRUPTED, "an aborted wait did not end with KERN_INTERRUPTED")?;
    uprintln!("{}: thread_abort interrupts a wait", NAME);
    // One wait is left when the task ends: the kernel drops it.
    start(&mut m, 7, o, 1, 0, 0)?;
    expect(woken() == 7, "the last waiter did not wait")?;
    Ok(())
}

entry!(main);
