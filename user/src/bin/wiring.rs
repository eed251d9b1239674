//! `wiring`: what a default pager and glibc's thread exit ask of the kernel.
//! `thread_wire` and `vm_wire_all` (privileged host port only, argv[1]):
//! with `VM_WIRE_ALL` later allocations come resident at once, with
//! `VM_WIRE_NONE` they are demand-zero again; unknown flags are refused.
//! `thread_terminate_release`: a thread ends itself and, in the same call,
//! its port name, its reply port and its stack go.
//!
//! Boot-script line: `/wiring ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_INVALID_HOST};
use mach_user::mig::{gnumach, mach, mach_host, mach_port, Mach};
use mach_user::trap::{mach_host_self, mach_reply_port, mach_task_self, mach_thread_self, thread_switch};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "wiring";
const PAGE: u32 = 4096;
const STACK_SIZE: u32 = 8 * PAGE;
const KERN_INVALID_NAME: i32 = 15;

static STACK: AtomicU32 = AtomicU32::new(0);
static REPLY: AtomicU32 = AtomicU32::new(0);

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn resident(m: &mut Mach, task: u32) -> u32 {
    mach::task_info(m, task, 1, 1024).map(|t| t.task_info_out[3]).unwrap_or(0)
}

/// Ends itself with thread_terminate_release, stack and reply port included.
extern "C" fn exiter() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, me, reply) = unsafe { (mach_task_self(), mach_thread_self(), mach_reply_port()) };
    REPLY.store(reply, SeqCst);
    let _ = gnumach::thread_terminate_release(&mut m, me, task, me, reply, STACK.load(SeqCst), STACK_SIZE);
    loop {
        // Not reached: the thread is gone.
        // SAFETY: wait 1 s.
        unsafe { thread_switch(0, 2, 1000) };
    }
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host, me) = unsafe { (mach_task_self(), mach_host_self(), mach_thread_self()) };

    expect(mach_host::thread_wire(&mut m, host, me, 1).err() == Some(KERN_INVALID_HOST), "thread_wire on the ordinary host port")?;
    mach_host::thread_wire(&mut m, host_priv, me, 1).map_err(|_| "thread_wire")?;
    mach_host::thread_wire(&mut m, host_priv, me, 0).map_err(|_| "thread_wire off")?;

    // vm_wire_all wants the privileged host port, as in GNU Mach.
    expect(gnumach::vm_wire_all(&mut m, host, task, 3).err() == Some(KERN_INVALID_HOST), "vm_wire_all on the ordinary host port")?;
    expect(gnumach::vm_wire_all(&mut m, host_priv, task, 4).err() == Some(KERN_INVALID_ARGUMENT), "unknown vm_wire_all flags accepted")?;
    gnumach::vm_wire_all(&mut m, host_priv, task, 3).map_err(|_| "vm_wire_all")?;
    let r0 = resident(&mut m, task);
    let a = mach::vm_allocate(&mut m, task, 0, 64 * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    let r1 = resident(&mut m, task);
    expect(r1 >= r0 + 64 * PAGE, "memory allocated after VM_WIRE_FUTURE is not resident")?;
    gnumach::vm_wire_all(&mut m, host_priv, task, 0).map_err(|_| "vm_wire_all none")?;
    let b = mach::vm_allocate(&mut m, task, 0, 64 * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    let r2 = resident(&mut m, task);
    expect(r2 < r1 + 64 * PAGE, "memory allocated after VM_WIRE_NONE came resident")?;
    let _ = mach::vm_deallocate(&mut m, task, a, 64 * PAGE);
    let _ = mach::vm_deallocate(&mut m, task, b, 64 * PAGE);
    uprintln!("{}: vm_wire_all: {} KiB resident at once, then demand-zero again", NAME, (r1 - r0) / 1024);

    let stack = mach::vm_allocate(&mut m, task, 0, STACK_SIZE, 1).map_err(|_| "stack")?.address;
    STACK.store(stack, SeqCst);
    let th = mach_user::start_thread(&mut m, exiter, stack, STACK_SIZE)?;
    let mut gone = false;
    for _ in 0..100 {
        // SAFETY: wait 10 ms.
        unsafe { thread_switch(0, 2, 10) };
        // The list comes out of line: give its memory and rights back, or it
        // would land where the stack was.
        let Ok(l) = mach::task_threads(&mut m, task).map(|r| r.thread_list) else { continue };
        // SAFETY: the kernel mapped `count` names at `addr` for us.
        let names = unsafe { core::slice::from_raw_parts(l.addr as *const u32, l.count as usize) };
        for &n in names {
            let _ = mach_port::mach_port_deallocate(&mut m, task, n);
        }
        let _ = mach::vm_deallocate(&mut m, task, l.addr, l.count * 4);
        if l.count == 1 {
            gone = true;
            break;
        }
    }
    expect(gone, "the thread did not end")?;
    let reply = REPLY.load(SeqCst);
    expect(mach_port::mach_port_type(&mut m, task, reply).err() == Some(KERN_INVALID_NAME), "its reply port is still there")?;
    let region = mach::vm_region(&mut m, task, stack).map(|r| r.address);
    expect(region.map_or(true, |at| at > stack), "its stack is still mapped")?;
    uprintln!("{}: thread_terminate_release ended the thread with its reply port and stack", NAME);
    let _ = mach_port::mach_port_deallocate(&mut m, task, th);
    Ok(())
}

entry!(main);
