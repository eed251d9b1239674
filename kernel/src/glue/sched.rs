//! Time and threads for the Linux glue.
//!
//! Jiffies: [`jiffies_sync`] counts every kernel clock tick not yet counted
//! into the C side (`glue_timer_tick`), so jiffies advance at exactly HZ.
//! It runs from the bottom-half thread every tick, from every Linux
//! interrupt, from the glue's busy waits, and (once the clock calls
//! [`super::clock_tick`]) from the clock interrupt itself.
//!
//! Bottom halves: one kernel thread at the top priority runs them
//! (`glue_run_bh`) whenever an interrupt left one pending, and once a tick.
//! At that priority it preempts everything when an interrupt returns, which
//! is where Linux runs its bottom halves.
//!
//! Waiting: `mach_assert_wait`/`mach_thread_block`/`mach_thread_wakeup` are
//! the scheduler's `assert_wait`/`thread_block`/`thread_wakeup`; events are
//! the addresses of Linux wait-queue heads.

use alloc::boxed::Box;
use alloc::string::String;
use core::ffi::{c_int, c_ulong, c_void};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::sys;
use crate::i386::{clock, cpu};
use crate::kern::sched_prim::{self as sched, Policy, WaitResult};

/// Whether jiffies follow the clock (set by [`start`]).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Kernel clock ticks already counted into jiffies.
static COUNTED: AtomicU64 = AtomicU64::new(0);
/// Whether the bottom-half thread runs.
static BH_THREAD: AtomicBool = AtomicBool::new(false);
/// The bottom-half thread's wake-up event (this static's address).
static BH_EVENT: u8 = 0;

fn bh_event() -> usize {
    core::ptr::addr_of!(BH_EVENT) as usize
}

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
    if BH_THREAD.load(Ordering::Acquire) {
        sched::thread_wakeup(bh_event());
    }
}

extern "C" fn bh_thread(_: usize) {
    loop {
        jiffies_sync();
        // SAFETY: thread context; glue_run_bh enables interrupts itself.
        unsafe { sys::glue_run_bh() };
        sched::assert_wait(bh_event(), Some(1));
        // A bottom half marked since the run: do not sleep on it.
        // SAFETY: a plain query of C state.
        if unsafe { sys::glue_bh_pending() } != 0 {
            sched::thread_wakeup(bh_event());
        }
        sched::thread_block();
    }
}

/// Makes jiffies follow the kernel clock from now on (through
/// [`jiffies_sync`]; before [`start_bh_thread`] only the glue's own busy
/// waits call it).
pub fn start_jiffies() {
    if !ACTIVE.load(Ordering::Acquire) {
        COUNTED.store(clock::ticks(), Ordering::Relaxed);
        ACTIVE.store(true, Ordering::Release);
    }
}

/// Starts the bottom-half thread.
///
/// # Errors
/// No memory for the thread.
pub fn start_bh_thread() -> Result<(), String> {
    start_jiffies();
    sched::spawn("linux-bh", bh_thread, 0, 0, Policy::FixedPri { quantum: 1 })
        .ok_or_else(|| String::from("no memory for the bottom-half thread"))?;
    BH_THREAD.store(true, Ordering::Release);
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
