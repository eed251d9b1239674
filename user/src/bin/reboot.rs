//! `reboot`: `host_reboot` (mach_host.defs) as the Hurd's `reboot` and
//! `halt` use it. It checks that the unprivileged host port is refused
//! (`KERN_INVALID_HOST`) and that `RB_DEBUGGER` fails (`KERN_FAILURE`: no
//! kernel debugger), then calls `host_reboot` on the privileged host port
//! (argv[1], `${host-port}`) with the options in argv[2] (`halt`: RB_HALT,
//! `reboot`: 0). That call does not come back.
//!
//! Boot-script line: `/reboot ${host-port} halt $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_FAILURE, KERN_INVALID_HOST};
use mach_user::mig::{mach_host, Mach};
use mach_user::trap::mach_host_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "reboot";
const RB_HALT: u32 = 0x08;
const RB_DEBUGGER: u32 = 0x1000;

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    if let Err(why) = run(args) {
        uprintln!("user-test: {} FAILED: {}", NAME, why);
    }
    0
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let options = match args.arg_str(2) {
        Some("halt") => RB_HALT,
        Some("reboot") => 0,
        _ => return Err("argv[2] is neither halt nor reboot"),
    };
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let host = unsafe { mach_host_self() };
    expect(mach_host::host_reboot(&mut m, host, RB_HALT) == Err(KERN_INVALID_HOST), "the unprivileged host port was not refused")?;
    expect(mach_host::host_reboot(&mut m, host_priv, RB_DEBUGGER) == Err(KERN_FAILURE), "RB_DEBUGGER did not fail")?;
    uprintln!("{}: refusals ok; host_reboot({:#x})", NAME, options);
    let _ = mach_host::host_reboot(&mut m, host_priv, options);
    Err("host_reboot came back")
}

entry!(main);
