//! `cpushare`: a CPU-bound task alone on the machine gets (nearly) all of
//! the CPU. It spins for three seconds of wall-clock time (`host_get_time`)
//! and compares the time charged to its thread (`thread_info`,
//! `THREAD_BASIC_INFO` user plus system time) with the time that passed.
//! Nothing else is runnable, so only interrupt handling may take a share;
//! a kernel thread that keeps the CPU (halted or not) shows up here.
//! It then halts the machine with `host_reboot(RB_HALT)`, so it runs on a
//! normal boot, as users boot, with no test mode in the kernel.
//!
//! Boot-script line: `/cpushare ${host-port} $(task-create) $(task-resume)`.
//! Last lines: `cpushare: N.N% of the CPU over M ms` and the verdict.
#![no_std]
#![no_main]

use mach_user::mig::{mach, mach_host, Mach};
use mach_user::trap::{mach_host_self, mach_thread_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "cpushare";
const THREAD_BASIC_INFO: u32 = 1;
const RB_HALT: u32 = 0x08;
/// The share the task must get, in tenths of a percent.
const MIN_PERMILLE: u64 = 970;
const SPIN_US: u64 = 3_000_000;

fn now_us(m: &mut Mach, host: u32) -> Result<u64, &'static str> {
    let t = mach_host::host_get_time(m, host).map_err(|_| "host_get_time")?.current_time;
    Ok(u64::from(t[0]) * 1_000_000 + u64::from(t[1]))
}

/// Microseconds charged to `thread` (user plus system time).
fn charged_us(m: &mut Mach, thread: u32) -> Result<u64, &'static str> {
    let i = mach::thread_info(m, thread, THREAD_BASIC_INFO, 13).map_err(|_| "thread_info")?;
    let w = &i.thread_info_out;
    Ok(u64::from(w[0]) * 1_000_000 + u64::from(w[1]) + u64::from(w[2]) * 1_000_000 + u64::from(w[3]))
}

fn run(m: &mut Mach, host: u32, me: u32) -> Result<(), &'static str> {
    let (wall0, cpu0) = (now_us(m, host)?, charged_us(m, me)?);
    let mut x: u32 = 1;
    loop {
        // About a millisecond of arithmetic under emulation between clock reads.
        for _ in 0..20_000 {
            x = core::hint::black_box(x.wrapping_mul(1_103_515_245).wrapping_add(12_345));
        }
        if now_us(m, host)? - wall0 >= SPIN_US {
            break;
        }
    }
    let (wall, cpu) = (now_us(m, host)? - wall0, charged_us(m, me)? - cpu0);
    let permille = cpu * 1000 / wall.max(1);
    uprintln!("{}: {}.{}% of the CPU over {} ms ({} us charged)", NAME, permille / 10, permille % 10, wall / 1000, cpu);
    expect(permille >= MIN_PERMILLE, "a CPU-bound task alone got less than 97% of the CPU")
}

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (host, me) = unsafe { (mach_host_self(), mach_thread_self()) };
    match run(&mut m, host, me) {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    if let Some(host_priv) = args.number(1) {
        let _ = mach_host::host_reboot(&mut m, host_priv, RB_HALT);
    }
    0
}

entry!(main);
