//! Time and threads for the Linux glue.
//!
//! Jiffies: [`jiffies_sync`] counts every kernel clock tick not yet counted
//! into the C side (`glue_timer_tick`), so jiffies advance at exactly HZ.
//! It runs from the bottom-half thread every tick, from every Linux
//! interrupt, from the glue's busy waits, and (once the clock calls
//! [`super::clock_tick`]) from the clock interrupt itself.
//!
//! Threads, above every other kernel thread, so they run as soon as the
//! interrupt that woke them returns, which is where Linux runs this work:
//! - `linux-tick` (priority 0) syncs jiffies every tick;
//! - `linux-irq` (1) runs the slow interrupt handlers (`glue_run_irqs`),
//!   interrupts on, their line masked;
//! - `linux-bh` (2) runs the bottom halves (`glue_run_bh`) after them.
//!
//! Waiting: `mach_assert_wait`/`mach_thread_block`/`mach_thread_wakeup` are
//! the scheduler's `assert_wait`/`thread_block`/`thread_wakeup`; events are
//! the addresses of Linux wait-queue heads.

use alloc::boxed::Box;
use alloc::string::String;
use core::ffi::{c_int, c_ulong, c_void};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::i386::atomic64::AtomicU64;

use super::sys;
use crate::i386::{clock, cpu};
use crate::kern::sched_prim::{self as sched, Policy, WaitResult};

/// Whether jiffies follow the clock (set by [`start_jiffies`]).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Kernel clock ticks already counted into jiffies.
static COUNTED: AtomicU64 = AtomicU64::new(0);
/// Whether the glue's threads run.
static THREADS: AtomicBool = AtomicBool::new(false);

/// Wake-up events of the three threads (these statics' addresses).
static TICK_EVENT: u8 = 0;
static IRQ_EVENT: u8 = 0;
static BH_EVENT: u8 = 0;

fn event(e: &'static u8) -> usize {
    e as *const u8 as usize
}

/// Priorities: above every other kernel thread (BASEPRI_SYSTEM is 6). The
/// tick thread outranks the interrupt thread so that jiffies advance under
/// a slow handler that busy-waits on them; both outrank the bottom halves.
const TICK_PRI: u8 = 0;
const IRQ_PRI: u8 = 1;
const BH_PRI: u8 = 2;

/// Counts the clock ticks not yet seen into jiffies; wakes the bottom-half
/// thread if that (or anything else) left a bottom half pending.
/// Any context.
pub fn jiffies_sync() {
    if !ACTIVE.load(Ordering::Acquire) {
        return;
    }
    let pending = cpu::without_interrupts(|| {
        let now = clock::ticks();
        let mut counted = COUNTED.load(Ordering::Relaxed);
        let mut pending = false;
        while counted < now {
            counted += 1;
            // SAFETY: interrupts are off, as glue_timer_tick requires.
            pending |= unsafe { sys::glue_timer_tick() } != 0;
        }
        COUNTED.store(counted, Ordering::Relaxed);
        // SAFETY: a plain query of C state.
        pending || unsafe { sys::glue_bh_pending() } != 0
    });
    if pending {
        wake_bh();
    }
}

/// Wakes the bottom-half thread (no-op before it exists). Any context.
pub fn wake_bh() {
    if THREADS.load(Ordering::Acquire) {
        sched::thread_wakeup(event(&BH_EVENT));
    }
}

/// Wakes the interrupt thread (no-op before it exists). Any context.
pub fn wake_irq() {
    if THREADS.load(Ordering::Acquire) {
        sched::thread_wakeup(event(&IRQ_EVENT));
    }
}

/// Sleeps on `ev` (for at most `timeout` ticks) unless `more_work` says
/// there is something to do: the check comes after the wait is asserted,
/// so a wake-up between the two is not lost.
fn wait_for_work(ev: usize, timeout: Option<u64>, more_work: impl Fn() -> bool) {
    sched::assert_wait(ev, timeout);
    if more_work() {
        sched::thread_wakeup(ev);
    }
    sched::thread_block();
}

/// Every tick: brings jiffies up to the clock (which also wakes the
/// bottom-half thread when a timer is due).
extern "C" fn tick_thread(_: usize) {
    loop {
        jiffies_sync();
        wait_for_work(event(&TICK_EVENT), Some(1), || false);
    }
}

/// Runs the slow interrupt handlers the dispatch left pending.
extern "C" fn irq_thread(_: usize) {
    loop {
        // SAFETY: thread context; glue_run_irqs manages the interrupt flag.
        if unsafe { sys::glue_run_irqs() } != 0 {
            wake_bh();
        }
        // SAFETY: a plain query of C state.
        wait_for_work(event(&IRQ_EVENT), None, || unsafe { sys::glue_irqs_pending() } != 0);
    }
}

/// Runs the pending bottom halves.
extern "C" fn bh_thread(_: usize) {
    loop {
        jiffies_sync();
        // SAFETY: thread context; glue_run_bh enables interrupts itself.
        unsafe { sys::glue_run_bh() };
        // SAFETY: a plain query of C state.
        wait_for_work(event(&BH_EVENT), None, || unsafe { sys::glue_bh_pending() } != 0);
    }
}

/// Makes jiffies follow the kernel clock from now on (through
/// [`jiffies_sync`]; before [`start_threads`] only the glue's own busy
/// waits call it).
pub fn start_jiffies() {
    if !ACTIVE.load(Ordering::Acquire) {
        COUNTED.store(clock::ticks(), Ordering::Relaxed);
        ACTIVE.store(true, Ordering::Release);
    }
}

/// Starts the tick, interrupt and bottom-half threads.
///
/// # Errors
/// No memory for a thread.
pub fn start_threads() -> Result<(), String> {
    start_jiffies();
    let threads: [(&'static str, extern "C" fn(usize), u8); 3] =
        [("linux-tick", tick_thread, TICK_PRI), ("linux-irq", irq_thread, IRQ_PRI), ("linux-bh", bh_thread, BH_PRI)];
    for (name, body, pri) in threads {
        sched::spawn(name, body, 0, pri, Policy::FixedPri { quantum: 1 })
            .ok_or_else(|| alloc::format!("no memory for the {} thread", name))?;
    }
    THREADS.store(true, Ordering::Release);
    Ok(())
}

/// `mach_jiffies_sync`.
#[no_mangle]
pub extern "C" fn mach_jiffies_sync() {
    jiffies_sync();
}

/// `mach_assert_wait`.
#[no_mangle]
pub extern "C" fn mach_assert_wait(event: c_ulong, timeout: c_ulong) {
    sched::assert_wait(event as usize, (timeout != 0).then_some(u64::from(timeout)));
}

/// `mach_thread_block`.
#[no_mangle]
pub extern "C" fn mach_thread_block() -> c_int {
    match sched::thread_block() {
        WaitResult::Awakened => 0,
        WaitResult::TimedOut => 1,
        WaitResult::Interrupted => 2,
        WaitResult::NotWaiting => 3,
    }
}

/// `mach_thread_wakeup`.
#[no_mangle]
pub extern "C" fn mach_thread_wakeup(event: c_ulong) -> c_int {
    sched::thread_wakeup(event as usize) as c_int
}

type ThreadFn = unsafe extern "C" fn(*mut c_void);

/// What a glue thread runs: the C function and its argument.
struct Start {
    f: ThreadFn,
    arg: *mut c_void,
}

extern "C" fn thread_trampoline(start: usize) {
    // SAFETY: `start` is the Box leaked by `mach_thread_spawn` for this thread.
    let s = unsafe { Box::from_raw(start as *mut Start) };
    // SAFETY: the C caller of mach_thread_spawn vouched for f(arg).
    unsafe { (s.f)(s.arg) };
}

/// `mach_thread_spawn`: a kernel thread at system priority.
#[no_mangle]
pub extern "C" fn mach_thread_spawn(f: Option<ThreadFn>, arg: *mut c_void) -> c_int {
    let Some(f) = f else { return -1 };
    let start = Box::into_raw(Box::new(Start { f, arg }));
    match sched::spawn("linux-glue", thread_trampoline, start as usize, sched::BASEPRI_SYSTEM, Policy::Timeshare) {
        Some(id) => id as c_int,
        None => {
            // SAFETY: the thread was not created, so the Box is still ours.
            drop(unsafe { Box::from_raw(start) });
            -1
        }
    }
}
