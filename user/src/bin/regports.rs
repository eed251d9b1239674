//! `regports`: `mach_ports_register` and `mach_ports_lookup` (mach.defs).
//! A task registers up to four send rights (five are refused with
//! `KERN_INVALID_ARGUMENT`), looks them up again (four slots, null where
//! none), and a task it creates inherits them.
//!
//! Boot-script line: `/regports $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use mach_user::abi::{KERN_INVALID_ARGUMENT, MACH_PORT_RIGHT_RECEIVE};
use mach_user::message::MACH_MSG_TYPE_MAKE_SEND;
use mach_user::mig::{mach, mach_port, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "regports";

fn main(_: &Args) -> i32 {
    mach_user::test_main(NAME, run)
}

fn register(m: &mut Mach, task: u32, names: &[u32]) -> Result<(), i32> {
    mach::mach_ports_register(m, task, rt::Ool { addr: names.as_ptr() as u32, count: names.len() as u32, dealloc: false })
}

/// The names `mach_ports_lookup` gives (its memory given back).
fn lookup(m: &mut Mach, task: u32) -> Result<Vec<u32>, &'static str> {
    let l = mach::mach_ports_lookup(m, task).map_err(|_| "mach_ports_lookup")?.init_port_set;
    // SAFETY: the kernel mapped `count` names at `addr` for us.
    let v = unsafe { core::slice::from_raw_parts(l.addr as *const u32, l.count as usize) }.to_vec();
    // SAFETY: no arguments.
    let me = unsafe { mach_task_self() };
    let _ = mach::vm_deallocate(m, me, l.addr, l.count * 4);
    Ok(v)
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let mut ports = [0u32; 5];
    for p in ports.iter_mut() {
        *p = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
        mach_port::mach_port_insert_right(&mut m, task, *p, rt::PolyPort { name: *p, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    }
    expect(lookup(&mut m, task)? == [0, 0, 0, 0], "a fresh task has registered ports")?;
    expect(register(&mut m, task, &ports).err() == Some(KERN_INVALID_ARGUMENT), "five ports were registered")?;
    register(&mut m, task, &ports[..2]).map_err(|_| "mach_ports_register")?;
    let got = lookup(&mut m, task)?;
    expect(got == [ports[0], ports[1], 0, 0], "mach_ports_lookup does not give back what was registered")?;
    uprintln!("{}: registered two ports, looked up {:?}", NAME, got);

    let child = mach::task_create(&mut m, task, 0).map_err(|_| "task_create")?.child_task;
    let inherited = lookup(&mut m, child)?;
    expect(inherited == [ports[0], ports[1], 0, 0], "the child did not inherit the registered ports")?;
    uprintln!("{}: the child inherited them", NAME);
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate")?;
    let _ = mach_port::mach_port_deallocate(&mut m, task, child);
    register(&mut m, task, &[]).map_err(|_| "register none")?;
    expect(lookup(&mut m, task)? == [0, 0, 0, 0], "registering nothing did not clear")?;
    // Each lookup gave a send right to each of the two.
    for &p in &ports {
        let _ = mach_port::mach_port_destroy(&mut m, task, p);
    }
    Ok(())
}

entry!(main);
