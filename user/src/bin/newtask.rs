//! `newtask`: `register_new_task_notification` (gnumach.defs), as the
//! Hurd's proc server uses it. The ordinary host port is refused
//! (`KERN_INVALID_HOST`); the privileged one (argv[1], `${host-port}`)
//! registers a port of ours, a second registration is refused
//! (`KERN_NO_ACCESS`), and then every `task_create` brings a
//! `mach_notify_new_task` (id 4400) carrying send rights to the new task and
//! its parent.
//!
//! Boot-script line: `/newtask ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_INVALID_HOST, MACH_PORT_RIGHT_RECEIVE};
use mach_user::message::{MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_RCV_TIMEOUT};
use mach_user::mig::{gnumach, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_host_self, mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "newtask";
const KERN_NO_ACCESS: i32 = 8;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host) = unsafe { (mach_task_self(), mach_host_self()) };
    let port = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    let send = |p| rt::PolyPort { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND };
    expect(gnumach::register_new_task_notification(&mut m, host, send(port)).err() == Some(KERN_INVALID_HOST), "the ordinary host port registered")?;
    gnumach::register_new_task_notification(&mut m, host_priv, send(port)).map_err(|_| "register_new_task_notification")?;
    expect(gnumach::register_new_task_notification(&mut m, host_priv, send(port)).err() == Some(KERN_NO_ACCESS), "a second registration was taken")?;

    let child = mach::task_create(&mut m, task, 0).map_err(|_| "task_create")?.child_task;
    let mut b = [0u32; 64];
    // SAFETY: a 256-byte buffer.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, port, 1000, 0) };
    expect(r == 0, "no mach_notify_new_task")?;
    expect(b[5] == 4400 && b[0] & 0x8000_0000 != 0 && b[1] == 40, "not a complex 40-byte mach_notify_new_task")?;
    expect(b[7] == child && b[9] == task, "the notification does not name the child and its parent")?;
    uprintln!("{}: mach_notify_new_task for task {:#x}, parent {:#x}", NAME, b[7], b[9]);
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate")?;
    // The notification's send right to the child and our own from task_create.
    let _ = mach_port::mach_port_deallocate(&mut m, task, child);
    let _ = mach_port::mach_port_deallocate(&mut m, task, child);
    // Its send right to us (the parent) is one more reference on our name.
    let _ = mach_port::mach_port_deallocate(&mut m, task, task);
    Ok(())
}

entry!(main);
