//! `hello`: the first user program. Prints a greeting and its arguments, and
//! checks the port names the boot script promises.
//!
//! Boot-script line: `/hello ${host-port} ${device-port} $(task-create) $(task-resume)`.
//! Given those two rights, `argv[1]` and `argv[2]` must be `1` and `2` (rights
//! are inserted at the lowest free names), `mach_task_self()` must then be `3`
//! (and stay `3` when called again: one more user reference, same name) and the
//! first `mach_reply_port()` must be `4`. Started with other arguments it only
//! prints what it gets.
//!
//! Last line: `user-test: hello ok` or `user-test: hello FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::trap::{mach_host_self, mach_reply_port, mach_task_self, mach_thread_self, print_str};
use mach_user::{entry, uprintln, Args};

const NAME: &str = "hello";

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    // The greeting goes straight through the trap, without the formatter.
    print_str("hello from user space\n");
    uprintln!("{}: argc = {}", NAME, args.argc());
    for (i, a) in args.args().enumerate() {
        uprintln!("{}: argv[{}] = {:?}", NAME, i, a);
    }
    for e in args.env() {
        uprintln!("{}: env {:?}", NAME, e);
    }

    // SAFETY: these traps take no arguments and only add rights to our own space.
    // In this order: names 3 and 4 are promised to the first two of these calls.
    let (task, task_again, reply, thread, host) = unsafe {
        let task = mach_task_self();
        let task_again = mach_task_self();
        let reply = mach_reply_port();
        (task, task_again, reply, mach_thread_self(), mach_host_self())
    };
    uprintln!(
        "{}: mach_task_self() = {} (again {}), mach_reply_port() = {}, mach_thread_self() = {}, mach_host_self() = {}",
        NAME,
        task,
        task_again,
        reply,
        thread,
        host
    );

    match check(args, task, task_again, reply) {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

fn check(args: &Args, task: u32, task_again: u32, reply: u32) -> Result<(), &'static str> {
    if args.argc() == 0 || args.arg(0).is_none() {
        return Err("no argv[0]");
    }
    if task == 0 {
        return Err("mach_task_self() returned MACH_PORT_NULL");
    }
    if task_again != task {
        return Err("mach_task_self() changed names between calls");
    }
    if reply == 0 || reply == task {
        return Err("mach_reply_port() gave no fresh name");
    }
    let numeric = |i: usize| args.arg_str(i).is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if args.argc() >= 3 && numeric(1) && numeric(2) {
        // Started with `${host-port} ${device-port}`.
        if args.arg_str(1) != Some("1") || args.arg_str(2) != Some("2") {
            return Err("the two rights were not given names 1 and 2");
        }
        if task != 3 {
            return Err("mach_task_self() is not 3 after two inserted rights");
        }
        if reply != 4 {
            return Err("the first mach_reply_port() is not 4");
        }
    }
    Ok(())
}

entry!(main);
