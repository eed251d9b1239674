//! `prio`: priorities and assignments of mach_host.defs. A thread's base
//! priority may go anywhere at or below its maximum (`KERN_FAILURE` above,
//! `KERN_INVALID_ARGUMENT` outside 0..49); `thread_max_priority` needs the
//! processor set's control port; `task_priority` sets the priority of the
//! task's threads and of those it makes later; `processor_set_max_priority`
//! caps threads made later; every thread and task is assigned to the one
//! processor set. Figures come back through `thread_info(THREAD_SCHED_INFO)`.
//!
//! Boot-script line: `/prio ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_FAILURE, KERN_INVALID_ARGUMENT};
use mach_user::mig::{mach, mach_host, mach_port, Mach};
use mach_user::trap::{mach_host_self, mach_task_self, mach_thread_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "prio";
const THREAD_SCHED_INFO: u32 = 2;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// (base, max) priority of `thread`.
fn pri(m: &mut Mach, thread: u32) -> Result<(u32, u32), &'static str> {
    let i = mach::thread_info(m, thread, THREAD_SCHED_INFO, 7).map_err(|_| "thread_info")?;
    Ok((i.thread_info_out[2], i.thread_info_out[3]))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host, me) = unsafe { (mach_task_self(), mach_host_self(), mach_thread_self()) };
    let name = mach_host::processor_set_default(&mut m, host).map_err(|_| "processor_set_default")?.default_set;
    let set = mach_host::host_processor_set_priv(&mut m, host_priv, name).map_err(|_| "host_processor_set_priv")?.set;

    expect(pri(&mut m, me)? == (25, 25), "a new user thread is not at 25 with maximum 25")?;
    mach_host::thread_priority(&mut m, me, 30, 0).map_err(|_| "thread_priority 30")?;
    expect(pri(&mut m, me)? == (30, 25), "thread_priority did not lower the base")?;
    expect(mach_host::thread_priority(&mut m, me, 20, 0).err() == Some(KERN_FAILURE), "a priority above the maximum was taken")?;
    expect(mach_host::thread_priority(&mut m, me, 50, 0).err() == Some(KERN_INVALID_ARGUMENT), "priority 50 was taken")?;
    expect(mach_host::thread_max_priority(&mut m, me, name, 28).err() == Some(KERN_INVALID_ARGUMENT), "thread_max_priority took the name port")?;
    mach_host::thread_max_priority(&mut m, me, set, 32).map_err(|_| "thread_max_priority")?;
    expect(pri(&mut m, me)? == (32, 32), "a lower maximum did not pull the base down with it")?;
    expect(mach_host::thread_priority(&mut m, me, 31, 0).err() == Some(KERN_FAILURE), "the new maximum does not hold")?;
    mach_host::thread_priority(&mut m, me, 40, 1).map_err(|_| "thread_priority set_max")?;
    expect(pri(&mut m, me)? == (40, 40), "set_max did not move the maximum")?;
    uprintln!("{}: thread priorities and maxima hold", NAME);

    mach_host::task_priority(&mut m, task, 42, 1).map_err(|_| "task_priority")?;
    expect(pri(&mut m, me)?.0 == 42, "task_priority did not change the threads")?;
    mach_host::processor_set_max_priority(&mut m, set, 30, 0).map_err(|_| "processor_set_max_priority")?;
    let child = mach::thread_create(&mut m, task).map_err(|_| "thread_create")?.child_thread;
    expect(pri(&mut m, child)? == (42, 30), "a new thread did not get the task's priority and the set's maximum")?;
    mach_host::processor_set_max_priority(&mut m, set, 25, 0).map_err(|_| "processor_set_max_priority back")?;
    let _ = mach::thread_terminate(&mut m, child);
    let _ = mach_port::mach_port_deallocate(&mut m, task, child);
    uprintln!("{}: task priority and set maximum reach new threads", NAME);

    mach_host::thread_assign(&mut m, me, set).map_err(|_| "thread_assign")?;
    expect(mach_host::thread_assign(&mut m, me, name).err() == Some(KERN_INVALID_ARGUMENT), "thread_assign took the name port")?;
    mach_host::thread_assign_default(&mut m, me).map_err(|_| "thread_assign_default")?;
    mach_host::task_assign(&mut m, task, set, 1).map_err(|_| "task_assign")?;
    mach_host::task_assign_default(&mut m, task, 1).map_err(|_| "task_assign_default")?;
    let a = mach_host::thread_get_assignment(&mut m, me).map_err(|_| "thread_get_assignment")?.assigned_set;
    let b = mach_host::task_get_assignment(&mut m, task).map_err(|_| "task_get_assignment")?.assigned_set;
    expect(a == name && b == name, "assignments do not name the default set")?;
    mach_host::thread_depress_abort(&mut m, me).map_err(|_| "thread_depress_abort")?;

    // Fixed priority only once the set allows it; 25 ms is 3 ticks (30 ms).
    let policy = |m: &mut Mach| mach::thread_info(m, me, THREAD_SCHED_INFO, 7).map(|i| (i.thread_info_out[0], i.thread_info_out[1]));
    expect(mach_host::thread_policy(&mut m, me, 2, 25).err() == Some(KERN_FAILURE), "fixed priority taken before the set allowed it")?;
    expect(mach_host::processor_set_policy_enable(&mut m, name, 2).err() == Some(KERN_INVALID_ARGUMENT), "the name port enabled a policy")?;
    mach_host::processor_set_policy_enable(&mut m, set, 2).map_err(|_| "processor_set_policy_enable")?;
    mach_host::thread_policy(&mut m, me, 2, 25).map_err(|_| "thread_policy fixed")?;
    expect(policy(&mut m) == Ok((2, 30)), "thread_info does not show fixed priority with a 30 ms quantum")?;
    expect(mach_host::processor_set_policy_disable(&mut m, set, 1, 0).err() == Some(KERN_INVALID_ARGUMENT), "timesharing was disabled")?;
    mach_host::processor_set_policy_disable(&mut m, set, 2, 1).map_err(|_| "processor_set_policy_disable")?;
    expect(policy(&mut m) == Ok((1, 0)), "disabling with change_threads left the thread at fixed priority")?;
    uprintln!("{}: fixed priority when the set allows it", NAME);
    uprintln!("{}: everything is assigned to the default set", NAME);
    for n in [name, a, b, set] {
        let _ = mach_port::mach_port_deallocate(&mut m, task, n);
    }
    Ok(())
}

entry!(main);
