//! The page-out daemon: when free memory runs low, anonymous pages of task
//! maps go to the default pager (each task's paged-out pages live in one
//! temporary memory object, made at its first page-out with
//! `memory_object_create`) and are reused. Without a default pager nothing
//! is paged out, and user allocations fail with `KERN_RESOURCE_SHORTAGE`
//! once only the kernel's reserve is left.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::vm_object;
use super::vm_page;
use crate::kern::sched_prim as sched;
use crate::kern::task::{self, TaskId};

/// Free pages user maps never take: the kernel's heap, stacks, page tables
/// and messages need them.
pub const RESERVE: usize = 256;
/// The default pager's task may go this low, so that paging goes on.
pub const PAGER_RESERVE: usize = 64;
/// Below this the daemon starts.
pub const LOW: usize = RESERVE + 256;
/// The daemon stops above this.
const HIGH: usize = RESERVE + 768;
/// Pages sent to the pager before the daemon lets it run.
const BATCH: usize = 32;
/// Messages the pager may have waiting before the daemon waits for it
/// (each holds a page of data in the kernel heap).
const BACKLOG: u32 = 32;

static WOKEN: AtomicBool = AtomicBool::new(false);
static DAEMON_EVENT: u8 = 0;
static MEMORY_EVENT: u8 = 0;
/// Pages paged out since boot (`vm_statistics` pageouts).
pub static PAGEOUTS: AtomicUsize = AtomicUsize::new(0);
/// Rounds that freed nothing in a row (threads waiting for memory give up).
static FUTILE: AtomicUsize = AtomicUsize::new(0);

fn ev(x: &'static u8) -> usize {
    x as *const u8 as usize
}

fn free() -> usize {
    vm_page::free_counts().1
}

/// Asks the daemon for a round (memory is low).
pub fn wake() {
    if !WOKEN.swap(true, Ordering::Relaxed) {
        sched::thread_wakeup(ev(&DAEMON_EVENT));
    }
}

/// Waits for a page-out round, for a fault that found no free page; false
/// when paging cannot help (no default pager, or nothing left to page out).
pub fn wait_for_memory() -> bool {
    // The pager's own faults cannot wait for page-outs, which wait for it.
    let me = task::current();
    if !vm_object::default_pager_present() || FUTILE.load(Ordering::Relaxed) > 2 || me.is_some() && me == vm_object::default_pager_task() {
        return false;
    }
    sched::assert_wait(ev(&MEMORY_EVENT), Some(u64::from(crate::i386::clock::HZ)));
    wake();
    sched::thread_block();
    !sched::halt_pending()
}

/// Starts the daemon.
pub fn init() {
    sched::spawn("pageout", daemon, 0, sched::BASEPRI_SYSTEM, sched::Policy::Timeshare).expect("no memory for the pageout thread");
}

extern "C" fn daemon(_: usize) {
    let mut cursors: BTreeMap<TaskId, u32> = BTreeMap::new();
    let mut objects = (0u32, 0u32);
    loop {
        sched::assert_wait(ev(&DAEMON_EVENT), Some(u64::from(crate::i386::clock::HZ)));
        if !WOKEN.load(Ordering::Relaxed) {
            sched::thread_block();
        } else {
            sched::clear_wait(sched::current(), sched::WaitResult::Awakened);
        }
        WOKEN.store(false, Ordering::Relaxed);
        if free() <= LOW && vm_object::default_pager_present() {
            let n = round(&mut cursors, &mut objects);
            if n == 0 {
                FUTILE.fetch_add(1, Ordering::Relaxed);
            } else {
                FUTILE.store(0, Ordering::Relaxed);
            }
        }
        sched::thread_wakeup(ev(&MEMORY_EVENT));
    }
}

/// Pages out until free memory is above [`HIGH`] or nothing is left to
/// page out; returns the pages paged out. Task memory and memory objects'
/// pages take turns.
fn round(cursors: &mut BTreeMap<TaskId, u32>, objects: &mut (u32, u32)) -> usize {
    let pager = vm_object::default_pager_task();
    let tasks: Vec<TaskId> = task::with_threads().into_iter().filter(|t| Some(*t) != pager).collect();
    cursors.retain(|t, _| tasks.contains(t));
    let mut total = 0;
    loop {
        let mut progress = 0;
        for &t in &tasks {
            if free() >= HIGH {
                return total + progress;
            }
            progress += page_out_some(t, cursors.entry(t).or_insert(0));
            // Let the pager take what was sent.
            sched::sleep_ticks(1);
        }
        if free() < HIGH {
            let n = vm_object::reclaim(BATCH, objects);
            PAGEOUTS.fetch_add(n, Ordering::Relaxed);
            progress += n;
            if n > 0 {
                sched::sleep_ticks(1);
            }
        }
        total += progress;
        if progress == 0 {
            return total;
        }
    }
}

/// Pages out up to [`BATCH`] pages of task `t` after `cursor`.
fn page_out_some(t: TaskId, cursor: &mut u32) -> usize {
    let mut cands = task::with_task(t, |tk| tk.map.eviction_candidates(*cursor, BATCH)).unwrap_or_default();
    if cands.is_empty() && *cursor != 0 {
        // Past the last page: start again from the first.
        *cursor = 0;
        cands = task::with_task(t, |tk| tk.map.eviction_candidates(0, BATCH)).unwrap_or_default();
    }
    if cands.is_empty() {
        return 0;
    }
    let obj = match task::with_task(t, |tk| tk.map.machine().swap).flatten() {
        Some(o) => o,
        None => {
            let Some(o) = vm_object::create_swap_object(t) else { return 0 };
            if task::with_task(t, |tk| tk.map.machine_mut().swap = Some(o)).is_none() {
                vm_object::release(o, t);
                vm_object::reap();
                return 0;
            }
            o
        }
    };
    let mut n = 0;
    for va in cands {
        // A pager that falls behind makes the daemon wait, rather than
        // fill the kernel heap with queued pages.
        let mut waited = 0;
        while vm_object::backlog(obj) >= BACKLOG {
            if waited == 100 {
                return n;
            }
            sched::sleep_ticks(1);
            waited += 1;
        }
        *cursor = va;
        let evicted = task::with_task(t, |tk| {
            let pa = tk.map.evict(va)?;
            vm_object::mark_in_transit(obj, va);
            Some(pa)
        });
        if let Some(pa) = evicted.flatten() {
            vm_object::page_out(obj, va, pa);
            n += 1;
        }
    }
    PAGEOUTS.fetch_add(n, Ordering::Relaxed);
    n
}
