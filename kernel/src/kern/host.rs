//! The host: what `host_info`, `host_get_time` and `host_kernel_version`
//! report (layouts from GNU Mach's `mach/host_info.h`), and `host_reboot`.

use alloc::vec::Vec;

use kerncore::kern_return::*;

use crate::i386::{cpu, rtc};
use crate::kern::sched_prim::QUANTUM_TICKS;

pub const HOST_BASIC_INFO: u32 = 1;
pub const HOST_PROCESSOR_SLOTS: u32 = 2;
pub const HOST_SCHED_INFO: u32 = 3;
pub const HOST_LOAD_INFO: u32 = 4;

const CPU_TYPE_I386: u32 = 7;
const CPU_TYPE_I486: u32 = 17;
const CPU_TYPE_PENTIUM: u32 = 18;
const CPU_TYPE_PENTIUMPRO: u32 = 19;
const CPU_SUBTYPE_AT386: u32 = 1;

/// `host_reboot` options (Mach's `sys/reboot.h`): halt instead of reboot.
pub const RB_HALT: u32 = 0x08;
/// `host_reboot` options: enter the kernel debugger instead.
pub const RB_DEBUGGER: u32 = 0x1000;

/// `host_reboot`: with `RB_HALT`, powers the machine off through ACPI (or,
/// where that fails, stops the CPU); otherwise resets it. GNU Mach does the
/// same; like it, nothing is synced first (writes are on the disk once
/// `device_write` has answered).
pub fn reboot(options: u32) -> ! {
    if options & RB_HALT != 0 {
        crate::kprintln!("host_reboot: halting");
        crate::platform::acpi::poweroff();
        crate::kprintln!("host_reboot: halted; it is now safe to turn the machine off");
        cpu::halt_forever()
    }
    crate::kprintln!("host_reboot: rebooting");
    cpu::reset()
}

/// The kernel's version string (`host_kernel_version`).
pub const VERSION: &str = concat!("Rust Mach ", env!("CARGO_PKG_VERSION"), " (GNU Mach interface, i386)\n");

/// The words of host-info `flavor`, given room for `capacity` words.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an unknown flavor, `KERN_FAILURE` when
/// `capacity` is below the flavor's size (as GNU Mach answers).
pub fn info(flavor: u32, capacity: u32, memory_bytes: u64) -> Result<Vec<u32>, KernReturn> {
    let words: Vec<u32> = match flavor {
        HOST_BASIC_INFO => {
            let mem = u32::try_from(memory_bytes).unwrap_or(u32::MAX);
            alloc::vec![1, 1, mem, cpu_type(), CPU_SUBTYPE_AT386]
        }
        HOST_PROCESSOR_SLOTS => alloc::vec![0],
        HOST_SCHED_INFO => {
            let tick_ms = 1000 / crate::i386::clock::HZ;
            alloc::vec![tick_ms, tick_ms * QUANTUM_TICKS]
        }
        HOST_LOAD_INFO => alloc::vec![0; 6],
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    if (capacity as usize) < words.len() {
        return Err(KERN_FAILURE);
    }
    Ok(words)
}

/// The processor's `cpu_type_t` (from its family).
fn cpu_type() -> u32 {
    match cpu::features().family {
        0..=3 => CPU_TYPE_I386,
        4 => CPU_TYPE_I486,
        5 => CPU_TYPE_PENTIUM,
        _ => CPU_TYPE_PENTIUMPRO,
    }
}

/// `processor_info` flavor: `processor_basic_info`.
pub const PROCESSOR_BASIC_INFO: u32 = 1;
/// `processor_set_info` flavors.
pub const PROCESSOR_SET_BASIC_INFO: u32 = 1;
pub const PROCESSOR_SET_SCHED_INFO: u32 = 2;
/// Scale of load figures.
const LOAD_SCALE: u32 = 1000;

/// The words of `processor_info` for the one processor.
///
/// # Errors
/// As [`info`].
pub fn processor_info(flavor: u32, capacity: u32) -> Result<Vec<u32>, KernReturn> {
    if flavor != PROCESSOR_BASIC_INFO {
        return Err(KERN_INVALID_ARGUMENT);
    }
    // cpu_type, cpu_subtype, running, slot_num, is_master.
    let words = alloc::vec![cpu_type(), CPU_SUBTYPE_AT386, 1, 0, 1];
    if (capacity as usize) < words.len() {
        return Err(KERN_FAILURE);
    }
    Ok(words)
}

/// The words of `processor_set_info` for the one processor set, which holds
/// `tasks` tasks and `threads` threads.
///
/// # Errors
/// As [`info`].
pub fn pset_info(flavor: u32, capacity: u32, tasks: u32, threads: u32) -> Result<Vec<u32>, KernReturn> {
    let words = match flavor {
        // processor_count, task_count, thread_count, load_average, mach_factor
        // (the load is not computed: an idle machine's figures).
        PROCESSOR_SET_BASIC_INFO => alloc::vec![1, tasks, threads, 0, LOAD_SCALE],
        // policies, max_priority
        PROCESSOR_SET_SCHED_INFO => {
            let policies = crate::kern::sched_prim::PSET_POLICIES.load(core::sync::atomic::Ordering::Relaxed);
            alloc::vec![policies, u32::from(crate::kern::sched_prim::PSET_MAX_PRI.load(core::sync::atomic::Ordering::Relaxed))]
        }
        _ => return Err(KERN_INVALID_ARGUMENT),
    };
    if (capacity as usize) < words.len() {
        return Err(KERN_FAILURE);
    }
    Ok(words)
}

/// What `host_set_time` and `host_adjust_time` did to the clock: an
/// offset from the RTC-based time, and an adjustment still to apply.
struct Adjust {
    /// Microseconds added to the RTC-based time.
    offset_us: i64,
    /// Microseconds of `host_adjust_time` not yet applied.
    pending_us: i64,
    /// Clock tick up to which `pending_us` was applied.
    applied_at: u64,
}

static ADJUST: spin::Mutex<Adjust> = spin::Mutex::new(Adjust { offset_us: 0, pending_us: 0, applied_at: 0 });

/// How much of an adjustment goes in per clock tick (GNU Mach's `tickadj`,
/// 240000 / (60 HZ) microseconds: 40 at HZ=100).
const TICKADJ_US: i64 = 240_000 / (60 * crate::i386::clock::HZ as i64);

fn rtc_us() -> i64 {
    let (s, us) = rtc::now();
    s as i64 * 1_000_000 + i64::from(us)
}

/// Moves the part of the pending adjustment whose time has come into the offset.
fn apply(a: &mut Adjust) {
    let now = crate::i386::clock::ticks();
    let room = (now.saturating_sub(a.applied_at) as i64).saturating_mul(TICKADJ_US);
    let step = a.pending_us.clamp(-room, room);
    a.offset_us += step;
    a.pending_us -= step;
    a.applied_at = now;
}

/// `host_get_time`: (seconds, microseconds) since the epoch.
pub fn time() -> [u32; 2] {
    let t = cpu::without_interrupts(|| {
        let mut a = ADJUST.lock();
        apply(&mut a);
        rtc_us() + a.offset_us
    })
    .max(0);
    [(t / 1_000_000) as u32, (t % 1_000_000) as u32]
}

/// A `time_value_t` (seconds, microseconds) in microseconds.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` when the microseconds are not below a million.
fn time_value_us(t: [u32; 2]) -> Result<i64, KernReturn> {
    if t[1] >= 1_000_000 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    Ok(i64::from(t[0] as i32) * 1_000_000 + i64::from(t[1]))
}

/// `host_set_time`: the clock reads `new` from now on (a pending
/// adjustment is dropped).
///
/// # Errors
/// As [`time_value_us`].
pub fn set_time(new: [u32; 2]) -> Result<(), KernReturn> {
    let us = time_value_us(new)?;
    cpu::without_interrupts(|| {
        let mut a = ADJUST.lock();
        a.offset_us = us - rtc_us();
        a.pending_us = 0;
        a.applied_at = crate::i386::clock::ticks();
    });
    Ok(())
}

/// `host_adjust_time`: the clock drifts by `delta` gradually (at most
/// `TICKADJ_US` per tick); returns the adjustment that was still pending.
///
/// # Errors
/// As [`time_value_us`] (a negative delta has negative seconds and
/// non-negative microseconds).
pub fn adjust_time(delta: [u32; 2]) -> Result<[u32; 2], KernReturn> {
    let us = time_value_us(delta)?;
    let old = cpu::without_interrupts(|| {
        let mut a = ADJUST.lock();
        apply(&mut a);
        core::mem::replace(&mut a.pending_us, us)
    });
    // Back to a time_value_t: seconds rounded down, microseconds positive.
    let secs = old.div_euclid(1_000_000);
    Ok([secs as i32 as u32, old.rem_euclid(1_000_000) as u32])
}

// ---------------------------------------------------------------------------
// MIG routines on this object (decoded and dispatched by `ipc::server`).

pub(crate) use routines::*;

mod routines {
    use super::*;
    
    

    
    

    use crate::ipc::server::{fill, Ctx};
    use crate::ipc::KernelPort;
    use crate::kern::mig::mach_host;
    
    
    
    

    pub(crate) fn host_info(ctx: &mut Ctx, req: mach_host::HostInfoRequest) -> Result<mach_host::HostInfoReply, i32> {
        ctx.host()?;
        let mem = crate::kern::bootinfo::get().info.usable_bytes();
        let words = crate::kern::host::info(req.flavor, req.host_info_out_cnt, mem)?;
        let mut r = mach_host::HostInfoReply { host_info_out: [0; 1024], host_info_out_cnt: 0 };
        fill(&mut r.host_info_out, &mut r.host_info_out_cnt, req.host_info_out_cnt, &words)?;
        Ok(r)
    }

    pub(crate) fn host_get_time(ctx: &mut Ctx, _: mach_host::HostGetTimeRequest) -> Result<mach_host::HostGetTimeReply, i32> {
        ctx.host()?;
        Ok(mach_host::HostGetTimeReply { current_time: crate::kern::host::time() })
    }

    /// `host_reboot`: privileged host port only. There is no kernel
    /// debugger, so `RB_DEBUGGER` fails with `KERN_FAILURE`.
    pub(crate) fn host_reboot(ctx: &mut Ctx, req: mach_host::HostRebootRequest) -> Result<(), i32> {
        ctx.host_priv()?;
        if req.options & crate::kern::host::RB_DEBUGGER != 0 {
            crate::kwarn!("host_reboot: RB_DEBUGGER asked, but this kernel has no debugger");
            return Err(KERN_FAILURE);
        }
        crate::kern::host::reboot(req.options)
    }

    pub(crate) fn host_set_time(ctx: &mut Ctx, req: mach_host::HostSetTimeRequest) -> Result<(), i32> {
        ctx.host_priv()?;
        crate::kern::host::set_time(req.new_time)
    }

    pub(crate) fn host_adjust_time(ctx: &mut Ctx, req: mach_host::HostAdjustTimeRequest) -> Result<mach_host::HostAdjustTimeReply, i32> {
        ctx.host_priv()?;
        Ok(mach_host::HostAdjustTimeReply { old_adjustment: crate::kern::host::adjust_time(req.new_adjustment)? })
    }

    /// `host_processor_sets`: the name ports of every processor set (one).
    pub(crate) fn host_processor_sets(ctx: &mut Ctx, _: mach_host::HostProcessorSetsRequest) -> Result<mach_host::HostProcessorSetsReply, i32> {
        ctx.host().map_err(|_| KERN_INVALID_HOST)?;
        let h = ctx.give_send(KernelPort::PsetName);
        Ok(mach_host::HostProcessorSetsReply { processor_sets: ctx.give_ool(h.to_le_bytes().to_vec(), 4) })
    }

    /// `host_processor_set_priv`: the control port of a set, for its name
    /// port and the privileged host port.
    pub(crate) fn host_processor_set_priv(ctx: &mut Ctx, req: mach_host::HostProcessorSetPrivRequest) -> Result<mach_host::HostProcessorSetPrivReply, i32> {
        ctx.host_priv()?;
        if !matches!(ctx.kobject_of_handle(req.set_name), Some((crate::ipc::KOBJ_PSET_NAME | crate::ipc::KOBJ_PSET, _))) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        Ok(mach_host::HostProcessorSetPrivReply { set: ctx.give_send(KernelPort::Pset) })
    }

    /// `host_processors`: the one processor's port.
    pub(crate) fn host_processors(ctx: &mut Ctx, _: mach_host::HostProcessorsRequest) -> Result<mach_host::HostProcessorsReply, i32> {
        ctx.host_priv()?;
        let h = ctx.give_send(KernelPort::Processor);
        Ok(mach_host::HostProcessorsReply { processor_list: ctx.give_ool(h.to_le_bytes().to_vec(), 4) })
    }

    pub(crate) fn host_kernel_version(ctx: &mut Ctx, _: mach_host::HostKernelVersionRequest) -> Result<mach_host::HostKernelVersionReply, i32> {
        ctx.host()?;
        Ok(mach_host::HostKernelVersionReply { kernel_version: kernel_version() })
    }

    pub(crate) fn host_get_kernel_version(ctx: &mut Ctx, _: mach_host::HostGetKernelVersionRequest) -> Result<mach_host::HostGetKernelVersionReply, i32> {
        ctx.host()?;
        Ok(mach_host::HostGetKernelVersionReply { kernel_version: kernel_version() })
    }

    pub(crate) fn host_get_time64(ctx: &mut Ctx, _: mach_host::HostGetTime64Request) -> Result<mach_host::HostGetTime64Reply, i32> {
        ctx.host()?;
        Ok(mach_host::HostGetTime64Reply { current_time: time64() })
    }

    pub(crate) fn host_set_time64(ctx: &mut Ctx, req: mach_host::HostSetTime64Request) -> Result<(), i32> {
        ctx.host_priv()?;
        set_time64(req.new_time)
    }

    pub(crate) fn host_adjust_time64(ctx: &mut Ctx, req: mach_host::HostAdjustTime64Request) -> Result<mach_host::HostAdjustTime64Reply, i32> {
        ctx.host_priv()?;
        Ok(mach_host::HostAdjustTime64Reply { old_adjustment: adjust_time64(req.new_adjustment)? })
    }

    pub(crate) fn host_get_uptime64(ctx: &mut Ctx, _: mach_host::HostGetUptime64Request) -> Result<mach_host::HostGetUptime64Reply, i32> {
        ctx.host()?;
        Ok(mach_host::HostGetUptime64Reply { uptime: uptime64() })
    }
}

/// `host_get_time64` (2026 `mach_host.defs`): seconds and nanoseconds since
/// the epoch.
pub fn time64() -> [u64; 2] {
    let t = time();
    [u64::from(t[0]), u64::from(t[1]) * 1000]
}

/// A `time_value64_t` as a `time_value_t` (microseconds).
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for nanoseconds of a second or more, or seconds
/// past what the 32-bit clock holds.
fn from_time64(t: [u64; 2]) -> Result<[u32; 2], KernReturn> {
    let secs = t[0] as i64;
    if t[1] >= 1_000_000_000 || secs < i64::from(i32::MIN) || secs > i64::from(i32::MAX) {
        return Err(KERN_INVALID_ARGUMENT);
    }
    Ok([secs as i32 as u32, (t[1] / 1000) as u32])
}

/// `host_set_time64`: as [`set_time`].
///
/// # Errors
/// As [`from_time64`] and [`set_time`].
pub fn set_time64(new: [u64; 2]) -> Result<(), KernReturn> {
    set_time(from_time64(new)?)
}

/// `host_adjust_time64`: as [`adjust_time`], in 64-bit time values.
///
/// # Errors
/// As [`from_time64`] and [`adjust_time`].
pub fn adjust_time64(delta: [u64; 2]) -> Result<[u64; 2], KernReturn> {
    let old = adjust_time(from_time64(delta)?)?;
    Ok([i64::from(old[0] as i32) as u64, u64::from(old[1]) * 1000])
}

/// `host_get_uptime64`: the time since boot, in seconds and nanoseconds.
pub fn uptime64() -> [u64; 2] {
    let ticks = crate::i386::clock::ticks();
    let hz = u64::from(crate::i386::clock::HZ);
    [ticks / hz, (ticks % hz) * (1_000_000_000 / hz)]
}

/// `host_kernel_version` / `host_get_kernel_version`: [`VERSION`], NUL-padded.
pub fn kernel_version() -> [u8; 512] {
    let mut v = [0u8; 512];
    v[..VERSION.len()].copy_from_slice(VERSION.as_bytes());
    v
}
