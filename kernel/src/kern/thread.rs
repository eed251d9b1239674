//! Thread routines of `mach.defs` and `gnumach.defs` that read or name a
//! thread: `thread_info` (with the 64-bit times of GNU Mach's 2026
//! `thread_info.h`), `thread_set_name` / `thread_get_name`.
//!
//! # Locking
//! `NAMES` is taken with interrupts off, never across a scheduler call.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use spin::Mutex;

use kerncore::kern_return::*;

use super::sched_prim::{self as sched, ThreadId};
use crate::i386::cpu;

pub const THREAD_BASIC_INFO: u32 = 1;
pub const THREAD_SCHED_INFO: u32 = 2;
/// `THREAD_BASIC_INFO_COUNT` of the 2026 headers: the 13 words of old, then
/// `user_time64`, `system_time64` and `creation_time64` (4 words each).
pub const THREAD_BASIC_INFO_COUNT: u32 = 25;
pub const THREAD_SCHED_INFO_COUNT: u32 = 7;

/// GNU Mach's `THREAD_NAME_SIZE`: names are kept to 31 bytes and a NUL.
pub const THREAD_NAME_SIZE: usize = 32;

/// Names given with `thread_set_name` (threads never named have none).
static NAMES: Mutex<BTreeMap<ThreadId, [u8; THREAD_NAME_SIZE]>> = Mutex::new(BTreeMap::new());

/// `thread_set_name`: keeps the first 31 bytes of `name` (up to its NUL).
pub fn set_name(th: ThreadId, name: &[u8]) -> Result<(), KernReturn> {
    sched::with_thread(th, |_| ()).ok_or(KERN_INVALID_ARGUMENT)?;
    let mut kept = [0u8; THREAD_NAME_SIZE];
    let end = name.iter().position(|&c| c == 0).unwrap_or(name.len()).min(THREAD_NAME_SIZE - 1);
    kept[..end].copy_from_slice(&name[..end]);
    cpu::without_interrupts(|| NAMES.lock().insert(th, kept));
    Ok(())
}

/// `thread_get_name`: the name with its NUL (an empty string for a thread
/// never named).
pub fn name(th: ThreadId) -> Result<Vec<u8>, KernReturn> {
    sched::with_thread(th, |_| ()).ok_or(KERN_INVALID_ARGUMENT)?;
    let kept = cpu::without_interrupts(|| NAMES.lock().get(&th).copied()).unwrap_or([0; THREAD_NAME_SIZE]);
    let end = kept.iter().position(|&c| c == 0).unwrap_or(THREAD_NAME_SIZE - 1);
    Ok(kept[..=end].to_vec())
}

/// Forgets what this module keeps of thread `th` (it is ending).
pub fn forget(th: ThreadId) {
    cpu::without_interrupts(|| NAMES.lock().remove(&th));
}

/// Ticks as a `time_value_t`: (seconds, microseconds).
pub fn ticks_to_time(ticks: u64) -> [u32; 2] {
    let hz = u64::from(crate::i386::clock::HZ);
    [(ticks / hz) as u32, ((ticks % hz) * (1_000_000 / hz)) as u32]
}

/// A `time_value_t` as the four words of a `time_value64_t` (64-bit
/// seconds, then 64-bit nanoseconds, little-endian).
pub fn time64_words(t: [u32; 2]) -> [u32; 4] {
    [t[0], 0, t[1] * 1000, 0]
}

/// The reply words of a flavour whose newer count adds 64-bit times, as GNU
/// Mach answers: `KERN_INVALID_ARGUMENT` below the old count; the new
/// fields only when `capacity` holds them all; at most `full` words, else
/// as many as asked (the words past what is filled are zero).
pub fn with_old_count(capacity: u32, old: &[u32], new: &[u32]) -> Result<Vec<u32>, KernReturn> {
    if capacity < old.len() as u32 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let full = (old.len() + new.len()) as u32;
    let mut words = old.to_vec();
    if capacity >= full {
        words.extend_from_slice(new);
    }
    words.resize(capacity.min(full) as usize, 0);
    Ok(words)
}

/// `thread_info` of `th` for `flavor`, with at most `capacity` words.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown thread or flavour, or a capacity
/// below the flavour's (old) count.
pub fn info(th: ThreadId, flavor: u32, capacity: u32) -> Result<Vec<u32>, KernReturn> {
    let s = sched::snapshot(th).ok_or(KERN_INVALID_ARGUMENT)?;
    match flavor {
        THREAD_BASIC_INFO => {
            let u = ticks_to_time(s.ticks);
            let state = if s.halted { 5 } else if s.suspend_count > 0 { 2 } else if s.waiting { 3 } else { 1 };
            let old = [u[0], u[1], 0, 0, s.cpu_usage, u32::from(s.base_pri), u32::from(s.sched_pri), state, 0, s.suspend_count, 0, 0, 0];
            let mut new = vec![];
            new.extend_from_slice(&time64_words(u));
            new.extend_from_slice(&time64_words([0, 0]));
            new.extend_from_slice(&time64_words([0, 0]));
            debug_assert_eq!((old.len() + new.len()) as u32, THREAD_BASIC_INFO_COUNT);
            with_old_count(capacity, &old, &new)
        }
        THREAD_SCHED_INFO => {
            if capacity < THREAD_SCHED_INFO_COUNT {
                return Err(KERN_INVALID_ARGUMENT);
            }
            Ok(vec![s.policy, s.policy_data, u32::from(s.base_pri), u32::from(s.max_pri), u32::from(s.sched_pri), u32::from(s.depressed), 0])
        }
        _ => Err(KERN_INVALID_ARGUMENT),
    }
}
