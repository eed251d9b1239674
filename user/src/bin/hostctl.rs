//! `hostctl`: the privileged host routines of mach_host.defs that set
//! things, and `task_set_name`: `host_set_time` moves the clock
//! (`host_get_time` and the mapped `time` device follow), `host_adjust_time`
//! queues a gradual change and returns the one still pending,
//! the 64-bit forms of GNU Mach's 2026 `mach_host.defs` (`host_get_time64`,
//! `host_set_time64`, `host_get_uptime64`, `host_get_kernel_version`); the
//! ordinary host port is refused the setters. `task_set_name` renames this task (the kernel's
//! "terminated" line shows the new name); `vm_cache_statistics` counts
//! pages; `task_set_essential` makes the kernel warn when the task ends.
//!
//! Boot-script line: `/hostctl ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_INVALID_HOST};
use mach_user::mig::{gnumach, mach_host, Mach};
use mach_user::trap::{mach_host_self, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "hostctl";

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host) = unsafe { (mach_task_self(), mach_host_self()) };

    // 2001-09-09 01:46:40 UTC.
    let target = [1_000_000_000u32, 250_000];
    expect(mach_host::host_set_time(&mut m, host, &target).err() == Some(KERN_INVALID_HOST), "the ordinary host port set the time")?;
    expect(mach_host::host_set_time(&mut m, host_priv, &[5, 1_000_000]).err() == Some(KERN_INVALID_ARGUMENT), "a million microseconds accepted")?;
    mach_host::host_set_time(&mut m, host_priv, &target).map_err(|_| "host_set_time")?;
    let now = mach_host::host_get_time(&mut m, host).map_err(|_| "host_get_time")?.current_time;
    expect(now[0] == target[0] && now[1] < 1_000_000, "host_get_time does not follow host_set_time")?;
    uprintln!("{}: time set to {}.{:06}", NAME, now[0], now[1]);

    expect(mach_host::host_adjust_time(&mut m, host, &[1, 0]).err() == Some(KERN_INVALID_HOST), "the ordinary host port adjusted the time")?;
    let old = mach_host::host_adjust_time(&mut m, host_priv, &[3600, 0]).map_err(|_| "host_adjust_time")?.old_adjustment;
    expect(old == [0, 0], "a fresh adjustment had something pending")?;
    // A tenth of a second later, 40 us per tick of it has gone in.
    // SAFETY: SWITCH_OPTION_WAIT for 100 ms.
    unsafe { mach_user::trap::thread_switch(0, 2, 100) };
    let old = mach_host::host_adjust_time(&mut m, host_priv, &[0, 0]).map_err(|_| "host_adjust_time")?.old_adjustment;
    expect(old[0] == 3599 && (990_000..1_000_000).contains(&old[1]), "the pending adjustment came back wrong")?;
    let later = mach_host::host_get_time(&mut m, host).map_err(|_| "host_get_time")?.current_time;
    expect(later[0] >= target[0] && later[0] < target[0] + 10, "the adjustment was applied at once")?;
    uprintln!("{}: adjustment pending {}.{:06} s when cancelled", NAME, old[0], old[1]);

    // The 64-bit forms of GNU Mach's 2026 mach_host.defs.
    let t64 = mach_host::host_get_time64(&mut m, host).map_err(|_| "host_get_time64")?.current_time;
    let t32 = mach_host::host_get_time(&mut m, host).map_err(|_| "host_get_time")?.current_time;
    expect(t64[0] <= u64::from(t32[0]) && u64::from(t32[0]) <= t64[0] + 1 && t64[1] < 1_000_000_000, "host_get_time64 disagrees with host_get_time")?;
    expect(mach_host::host_set_time64(&mut m, host, &[t64[0], 0]).err() == Some(KERN_INVALID_HOST), "the ordinary host port set the time")?;
    mach_host::host_set_time64(&mut m, host_priv, &[2_000_000_000, 5_000]).map_err(|_| "host_set_time64")?;
    let t = mach_host::host_get_time64(&mut m, host).map_err(|_| "host_get_time64")?.current_time;
    expect(t[0] == 2_000_000_000, "host_get_time64 does not follow host_set_time64")?;
    let up = mach_host::host_get_uptime64(&mut m, host).map_err(|_| "host_get_uptime64")?.uptime;
    expect(up[1] < 1_000_000_000 && up[0] < 3600, "host_get_uptime64")?;
    let v = mach_host::host_get_kernel_version(&mut m, host).map_err(|_| "host_get_kernel_version")?.kernel_version;
    let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
    let line = core::str::from_utf8(&v[..end]).map_err(|_| "kernel version is not text")?;
    uprintln!("{}: time64 set to {}; uptime {}.{:09}; version '{}'", NAME, t[0], up[0], up[1], line.trim_end());

    gnumach::task_set_name(&mut m, task, b"renamed-task!\0").map_err(|_| "task_set_name")?;
    let c = gnumach::vm_cache_statistics(&mut m, task).map_err(|_| "vm_cache_statistics")?.vm_cache_stats;
    expect(c[2] > 0 && c[9] > 0, "vm_cache_statistics counts no anonymous or heap pages")?;
    uprintln!("{}: vm_cache_statistics: {} anonymous pages, {} heap pages", NAME, c[2], c[9]);
    gnumach::task_set_essential(&mut m, task, 1).map_err(|_| "task_set_essential")?;
    Ok(())
}

entry!(main);
