//! Scratch: fast-path figures on a normal boot.
#![no_std]
#![no_main]
extern crate alloc;
use alloc::vec::Vec;
use mach_user::message::*;
use mach_user::mig::{mach_host, mach_port, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, uprintln, Args};

fn rdtsc() -> u64 {
    // SAFETY: user rdtsc.
    unsafe { core::arch::x86::_rdtsc() }
}
fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = rdtsc();
        f();
        v.push(rdtsc() - t);
    }
    v.sort_unstable();
    uprintln!("fast: {} median={} p10={} p90={}", name, v[runs / 2], v[runs / 10], v[runs * 9 / 10]);
}
fn main(args: &Args) -> i32 {
    let mut m = Mach::new();
    // SAFETY: no args.
    let task = unsafe { mach_task_self() };
    let port = mach_port::mach_port_allocate(&mut m, task, 1).map(|r| r.name).unwrap_or(0);
    let runs = args.number(2).unwrap_or(3000) as usize;
    let mode = args.arg_str(3).unwrap_or("all");
    for _ in 0..3 {
        // SAFETY: no args.
        if mode == "all" || mode == "trap" { measure("trap", runs, || unsafe { core::hint::black_box(mach_task_self()); }); }
        if mode == "all" || mode == "msg" { measure("msg_self", runs, || {
            let mut b = [MACH_MSG_TYPE_MAKE_SEND, 56, port, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
            // SAFETY: buffer.
            unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 56, 56, port, 0, 0) };
        }); }
        if mode == "all" || mode == "rpc" { measure("rpc", runs, || {
            let _ = mach_port::mach_port_type(&mut m, task, port);
        }); }
    }
    if let Some(hp) = args.number(1) {
        let _ = mach_host::host_reboot(&mut m, hp, 8);
    }
    0
}
entry!(main);
