//! `rpc`: drives the kernel's RPC server through MIG stubs generated from GNU
//! Mach's own `.defs`, checking values, right counts and error codes:
//! host_info / host_get_time / host_kernel_version; the mach_port routines
//! (allocate, type, insert_right, get_refs, mod_refs, names, deallocate,
//! destroy, bad names); vm_allocate / vm_protect / vm_region / vm_deallocate;
//! task_info; a routine the kernel does not serve (MIG_BAD_ID); and a second
//! thread made with thread_create + thread_set_state + thread_resume that
//! sends the first one a message, seen in task_threads.
//!
//! Boot-script line: `/rpc $(task-create) $(task-resume)`.
//! Last line: `user-test: rpc ok` or `user-test: rpc FAILED: <why>`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::message::*;
use mach_user::mig::{mach, mach_host, mach_port, rt, Mach};
use mach_user::trap::{mach_host_self, mach_msg_trap, mach_task_self, mach_thread_self};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_INVALID_NAME, KERN_UREFS_OVERFLOW, MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND, MIG_BAD_ID, VM_PROT_READ};

const NAME: &str = "rpc";

fn main(_: &Args) -> i32 {
    mach_user::test_main(NAME, run)
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: these traps take no arguments and only add rights to our space.
    let (task, host) = unsafe { (mach_task_self(), mach_host_self()) };

    // The host.
    let hi = mach_host::host_info(&mut m, host, 1, 1024).map_err(|_| "host_info failed")?;
    uprintln!("rpc: host_info basic: cpus {} mem {} type {} subtype {}", hi.host_info_out[0], hi.host_info_out[2], hi.host_info_out[3], hi.host_info_out[4]);
    expect(hi.host_info_out_cnt == 5 && hi.host_info_out[0] == 1 && hi.host_info_out[2] > (16 << 20), "host_info values")?;
    expect(mach_host::host_info(&mut m, host, 1, 2) .is_err(), "host_info accepted a short buffer")?;
    let t = mach_host::host_get_time(&mut m, host).map_err(|_| "host_get_time failed")?;
    expect(t.current_time[0] > 1_000_000_000, "host_get_time before 2001")?;
    let v = mach_host::host_kernel_version(&mut m, host).map_err(|_| "host_kernel_version failed")?;
    expect(v.kernel_version.starts_with(b"Rust Mach"), "kernel version string")?;

    // Port rights and their counts.
    let p = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "mach_port_allocate")?.name;
    let ty = mach_port::mach_port_type(&mut m, task, p).map_err(|_| "mach_port_type")?.ptype;
    expect(ty == MACH_PORT_TYPE_RECEIVE, "new port is not a receive right")?;
    mach_port::mach_port_insert_right(&mut m, task, p, rt::PolyPort { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert_right")?;
    let refs = mach_port::mach_port_get_refs(&mut m, task, p, MACH_PORT_RIGHT_SEND).map_err(|_| "get_refs")?.refs;
    expect(refs == 1, "one send reference after insert_right")?;
    mach_port::mach_port_mod_refs(&mut m, task, p, MACH_PORT_RIGHT_SEND, 2).map_err(|_| "mod_refs")?;
    let refs = mach_port::mach_port_get_refs(&mut m, task, p, MACH_PORT_RIGHT_SEND).map_err(|_| "get_refs")?.refs;
    expect(refs == 3, "three send references after mod_refs +2")?;
    let names = mach_port::mach_port_names(&mut m, task).map_err(|_| "mach_port_names")?;
    // SAFETY: the kernel mapped both out-of-line arrays into our space.
    let (ns, ts) = unsafe {
        (core::slice::from_raw_parts(names.names.addr as *const u32, names.names.count as usize),
         core::slice::from_raw_parts(names.types.addr as *const u32, names.types.count as usize))
    };
    uprintln!("rpc: mach_port_names: {} names", ns.len());
    let i = ns.iter().position(|&n| n == p).ok_or("names lacks the new port")?;
    expect(ts[i] == MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, "names gives the wrong type")?;
    for _ in 0..3 {
        mach_port::mach_port_deallocate(&mut m, task, p).map_err(|_| "deallocate")?;
    }
    let ty = mach_port::mach_port_type(&mut m, task, p).map_err(|_| "mach_port_type")?.ptype;
    expect(ty == MACH_PORT_TYPE_RECEIVE, "send rights remain after three deallocates")?;
    mach_port::mach_port_destroy(&mut m, task, p).map_err(|_| "destroy")?;
    expect(mach_port::mach_port_type(&mut m, task, p).err() == Some(KERN_INVALID_NAME), "destroyed name still valid")?;
    expect(mach_port::mach_port_deallocate(&mut m, task, 0x7777) == Err(KERN_INVALID_NAME), "bad name not refused")?;

    // User references: GNU Mach keeps one of a send right's in reserve
    // (65,534 at most); dead names go to 65,535.
    let q = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate q")?.name;
    mach_port::mach_port_insert_right(&mut m, task, q, rt::PolyPort { name: q, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert q")?;
    mach_port::mach_port_mod_refs(&mut m, task, q, MACH_PORT_RIGHT_SEND, 65_533).map_err(|_| "send refs to 65,534")?;
    expect(mach_port::mach_port_mod_refs(&mut m, task, q, MACH_PORT_RIGHT_SEND, 1) == Err(KERN_UREFS_OVERFLOW), "a 65,535th send reference was taken")?;
    mach_port::mach_port_destroy(&mut m, task, q).map_err(|_| "destroy q")?;
    let d = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_DEAD_NAME).map_err(|_| "allocate dead name")?.name;
    mach_port::mach_port_mod_refs(&mut m, task, d, MACH_PORT_RIGHT_DEAD_NAME, 65_534).map_err(|_| "dead-name refs to 65,535")?;
    expect(mach_port::mach_port_mod_refs(&mut m, task, d, MACH_PORT_RIGHT_DEAD_NAME, 1) == Err(KERN_UREFS_OVERFLOW), "a 65,536th dead-name reference was taken")?;
    mach_port::mach_port_destroy(&mut m, task, d).map_err(|_| "destroy dead name")?;
    uprintln!("rpc: user reference limits as GNU Mach");

    // Memory.
    let a = mach::vm_allocate(&mut m, task, 0, 3 * 4096, 1).map_err(|_| "vm_allocate")?.address;
    // SAFETY: three fresh pages of our own.
    unsafe {
        let s = core::slice::from_raw_parts_mut(a as *mut u32, 3 * 1024);
        expect(s.iter().all(|&w| w == 0), "vm_allocate memory not zero")?;
        s[2000] = 0x1234_5678;
        expect(core::ptr::read_volatile(&s[2000]) == 0x1234_5678, "memory lost a write")?;
    }
    mach::vm_protect(&mut m, task, a + 4096, 4096, 0, VM_PROT_READ).map_err(|_| "vm_protect")?;
    let r = mach::vm_region(&mut m, task, a + 4096).map_err(|_| "vm_region")?;
    expect(r.address == a + 4096 && r.size == 4096 && r.protection == VM_PROT_READ, "vm_region after vm_protect")?;
    expect(mach::vm_protect(&mut m, task, 0xBF00_0000, 4096, 0, VM_PROT_READ) == Err(KERN_INVALID_ADDRESS), "vm_protect of a hole")?;
    mach::vm_deallocate(&mut m, task, a, 3 * 4096).map_err(|_| "vm_deallocate")?;
    // Demand-zero: 64 MiB cost nothing until touched, then a page per touch.
    let resident = |m: &mut Mach| mach::task_info(m, task, 1, 1024).map(|t| t.task_info_out[3]).unwrap_or(0);
    let zf = |m: &mut Mach| mach::vm_statistics(m, task).map(|s| s.vm_stats[5]).unwrap_or(0);
    let (r0, z0) = (resident(&mut m), zf(&mut m));
    let big = mach::vm_allocate(&mut m, task, 0, 64 << 20, 1).map_err(|_| "vm_allocate 64 MiB")?.address;
    expect(resident(&mut m) == r0, "allocation made pages resident")?;
    for i in 0..16u32 {
        // SAFETY: inside our 64 MiB allocation.
        unsafe { core::ptr::write_volatile((big + i * (4 << 20)) as *mut u32, i) };
    }
    let (r1, z1) = (resident(&mut m), zf(&mut m));
    uprintln!("rpc: 64 MiB allocated, 16 touched: resident {} -> {} bytes, zero fills +{}", r0, r1, z1 - z0);
    expect(r1 - r0 == 16 * 4096 && z1 - z0 >= 16, "touching 16 pages did not make exactly 16 resident")?;
    // vm_write / vm_read / vm_copy through the kernel, protection enforced.
    // GNU Mach writes only to page-aligned addresses.
    let unaligned = mach::vm_write(&mut m, task, big + 100, rt::Ool { addr: b"x".as_ptr() as u32, count: 1, dealloc: false });
    expect(unaligned == Err(KERN_INVALID_ARGUMENT), "vm_write to an address that is not page-aligned was not refused")?;
    mach::vm_write(&mut m, task, big, rt::Ool { addr: b"written by vm_write".as_ptr() as u32, count: 19, dealloc: false }).map_err(|_| "vm_write")?;
    let rd = mach::vm_read(&mut m, task, big, 19).map_err(|_| "vm_read")?;
    // SAFETY: the kernel mapped the read data into our space.
    let got = unsafe { core::slice::from_raw_parts(rd.data.addr as *const u8, rd.data.count as usize) };
    expect(got == b"written by vm_write", "vm_read differs")?;
    mach::vm_deallocate(&mut m, task, rd.data.addr, rd.data.count).map_err(|_| "vm_deallocate read data")?;
    mach::vm_copy(&mut m, task, big, 4096, big + 8192).map_err(|_| "vm_copy")?;
    // SAFETY: inside our allocation.
    expect(unsafe { core::ptr::read_volatile((big + 8192) as *const u8) } == b'w', "vm_copy did not copy")?;
    mach::vm_protect(&mut m, task, big, 4096, 0, VM_PROT_READ).map_err(|_| "vm_protect big")?;
    expect(mach::vm_write(&mut m, task, big, rt::Ool { addr: b"x".as_ptr() as u32, count: 1, dealloc: false }) == Err(2), "vm_write to read-only memory")?;
    mach::vm_deallocate(&mut m, task, big, 64 << 20).map_err(|_| "vm_deallocate 64 MiB")?;
    expect(resident(&mut m) == r0, "vm_deallocate left pages resident")?;

    let ti = mach::task_info(&mut m, task, 1, 1024).map_err(|_| "task_info")?;
    expect(ti.task_info_out_cnt == 22 && ti.task_info_out[0] == 0 && ti.task_info_out[2] > 0, "task_info values")?;

    // The user heap (vm_allocate underneath): small and page-sized blocks.
    {
        extern crate alloc;
        let mut v: alloc::vec::Vec<alloc::boxed::Box<[u32]>> = alloc::vec::Vec::new();
        for i in 0..200u32 {
            v.push(alloc::vec![i; (i as usize % 700) + 1].into_boxed_slice());
        }
        expect(v.iter().enumerate().all(|(i, b)| b.iter().all(|&x| x == i as u32)), "heap blocks corrupted")?;
        uprintln!("rpc: user heap ok");
    }

    // A routine the kernel does not serve.
    expect(mach::task_ras_control(&mut m, task, 0, 0, 0) == Err(MIG_BAD_ID), "unserved routine did not answer MIG_BAD_ID")?;

    // A second thread.
    two_threads(&mut m, task)
}

static PORT: AtomicU32 = AtomicU32::new(0);

#[repr(C)]
struct Simple {
    header: MachMsgHeader,
}

extern "C" fn child() -> ! {
    uprintln!("rpc: child thread runs");
    let mut msg = Simple { header: MachMsgHeader { bits: MACH_MSG_TYPE_MAKE_SEND, size: 24, remote_port: PORT.load(Ordering::SeqCst), local_port: 0, seqno: 0, id: 777 } };
    // SAFETY: a valid 24-byte message buffer.
    unsafe { mach_msg_trap(&mut msg.header, MACH_SEND_MSG, 24, 0, 0, 0, 0) };
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let me = unsafe { mach_thread_self() };
    let _ = mach::thread_terminate(&mut m, me);
    loop {
        // SAFETY: no arguments.
        unsafe { mach_user::trap::swtch() };
    }
}

fn two_threads(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let port = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    PORT.store(port, Ordering::SeqCst);
    let stack = mach::vm_allocate(m, task, 0, 16 * 4096, 1).map_err(|_| "stack")?.address;
    let th = mach::thread_create(m, task).map_err(|_| "thread_create")?.child_thread;
    let mut state = [0u32; 17];
    state[12] = child as *const () as usize as u32; // eip
    state[15] = stack + 16 * 4096 - 16; // uesp
    mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
    let got = mach::thread_get_state(m, th, 1, 17).map_err(|_| "thread_get_state")?;
    expect(got.old_state_cnt == 17 && got.old_state[12] == state[12] && got.old_state[13] == 0x17, "thread state not kept")?;
    let list = mach::task_threads(m, task).map_err(|_| "task_threads")?;
    uprintln!("rpc: task_threads: {} threads", list.thread_list.count);
    expect(list.thread_list.count == 2, "task_threads does not list two threads")?;
    mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
    let mut buf = [0u32; 16];
    // SAFETY: a 64-byte receive buffer.
    let r = unsafe { mach_msg_trap(buf.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 5000, 0) };
    expect(r == 0 && buf[5] == 777, "no message from the child thread")?;
    uprintln!("rpc: message from the child thread received");
    Ok(())
}

entry!(main);
