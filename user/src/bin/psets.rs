//! `psets`: the processor-set and processor routines of mach_host.defs, as
//! the Hurd's proc server and `ps` use them: `processor_set_default` gives
//! the set's name port, `processor_set_info` counts its tasks and threads,
//! `host_processor_set_priv` turns the name into the control port for the
//! privileged host port only (argv[1], `${host-port}`), and the control
//! port lists every task and thread (`processor_set_tasks`/`_threads`),
//! which the name port may not. `host_processors` and `processor_info`
//! describe the one processor.
//!
//! Boot-script line: `/psets ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_INVALID_HOST};
use mach_user::mig::{mach, mach_host, Mach};
use mach_user::trap::{mach_host_self, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "psets";

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// The port names of an out-of-line port array the kernel gave us.
fn names(m: &mut Mach, addr: u32, count: u32) -> alloc::vec::Vec<u32> {
    // SAFETY: the kernel mapped `count` names at `addr` for us.
    let v = unsafe { core::slice::from_raw_parts(addr as *const u32, count as usize) }.to_vec();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    if count > 0 {
        let _ = mach::vm_deallocate(m, task, addr, count * 4);
    }
    v
}

extern crate alloc;

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host) = unsafe { (mach_task_self(), mach_host_self()) };
    let name = mach_host::processor_set_default(&mut m, host).map_err(|_| "processor_set_default")?.default_set;
    let info = mach_host::processor_set_info(&mut m, name, 1, 5).map_err(|_| "processor_set_info basic")?;
    expect(info.info_out_cnt == 5 && info.host == host, "basic info count or host port")?;
    let (cpus, tasks, threads) = (info.info_out[0], info.info_out[1], info.info_out[2]);
    expect(cpus == 1 && tasks >= 1 && threads >= 1, "basic info figures")?;
    let sched = mach_host::processor_set_info(&mut m, name, 2, 2).map_err(|_| "processor_set_info sched")?;
    expect(sched.info_out[0] == 1 && sched.info_out[1] == 25, "sched info: timesharing, max priority 25")?;
    expect(mach_host::processor_set_info(&mut m, name, 1, 4).err() == Some(mach_user::abi::KERN_FAILURE), "a short info buffer was not refused")?;
    uprintln!("{}: default set: {} processor, {} tasks, {} threads", NAME, cpus, tasks, threads);

    expect(mach_host::processor_set_tasks(&mut m, name).err() == Some(KERN_INVALID_ARGUMENT), "the name port listed tasks")?;
    expect(mach_host::host_processor_set_priv(&mut m, host, name).err() == Some(KERN_INVALID_HOST), "the unprivileged host port gave the control port")?;
    let set = mach_host::host_processor_set_priv(&mut m, host_priv, name).map_err(|_| "host_processor_set_priv")?.set;
    let l = mach_host::processor_set_tasks(&mut m, set).map_err(|_| "processor_set_tasks")?.task_list;
    let ts = names(&mut m, l.addr, l.count);
    expect(ts.len() as u32 == tasks && ts.contains(&task), "processor_set_tasks does not list this task")?;
    let l = mach_host::processor_set_threads(&mut m, set).map_err(|_| "processor_set_threads")?.thread_list;
    let ths = names(&mut m, l.addr, l.count);
    expect(ths.len() as u32 == threads, "processor_set_threads count")?;
    uprintln!("{}: control port lists {} tasks and {} threads", NAME, ts.len(), ths.len());

    let l = mach_host::host_processors(&mut m, host_priv).map_err(|_| "host_processors")?.processor_list;
    let ps = names(&mut m, l.addr, l.count);
    expect(ps.len() == 1, "host_processors: not one processor")?;
    let pi = mach_host::processor_info(&mut m, ps[0], 1, 5).map_err(|_| "processor_info")?;
    expect(pi.processor_info_out_cnt == 5 && pi.processor_info_out[2] == 1 && pi.processor_info_out[4] == 1, "processor_info: running master")?;
    expect(mach_host::host_processors(&mut m, host).err() == Some(KERN_INVALID_HOST), "host_processors on the unprivileged port")?;
    uprintln!("{}: processor type {} running", NAME, pi.processor_info_out[0]);

    // Give back every right we were given.
    for n in ts.iter().chain(&ths).chain(&ps).copied().chain([name, set]) {
        if n != task {
            let _ = mach_user::mig::mach_port::mach_port_deallocate(&mut m, task, n);
        }
    }
    Ok(())
}

entry!(main);
