//! `bench_ipc`: IPC and VM costs in TSC cycles (median of many runs), printed
//! as `bench: NAME median_cycles=N` for `cargo xtask bench`: a first-touch
//! page fault, 16 MiB allocated + touched + freed, 1 MiB and 64 MiB
//! out-of-line messages to oneself, and
//! a message to oneself (one `mach_msg` send+receive), a null kernel RPC
//! (`mach_port_get_refs` on the task's own port), `mach_reply_port`, and a
//! round trip to `echo_server` in another task (client send+receive, server
//! receive+reply). Terminates the server when done.
//!
//! With the device master port and a `ram0` (`ramdisk=KIB`), also
//! `device_read_inband` of 128 bytes and `device_read` of 4 KiB.
//!
//! Boot-script line: `/bench_ipc ${srv} ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use mach_user::message::*;
use mach_user::mig::{device as ds, echo_user as echo, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_reply_port, mach_task_self, thread_switch};
use mach_user::{entry, uprintln, Args};

const RUNS: usize = 2000;

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in user mode (CR4.TSD clear).
    unsafe { core::arch::x86::_rdtsc() }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = rdtsc();
        f();
        v.push(rdtsc() - t);
    }
    uprintln!("bench: {} median_cycles={}", name, median(v));
}

fn main(args: &Args) -> i32 {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let port = mach_port::mach_port_allocate(&mut m, task, 1).map(|r| r.name).unwrap_or(0);

    measure("mach_msg_self", RUNS, || {
        let mut b = [MACH_MSG_TYPE_MAKE_SEND, 24, port, 0, 0, 1, 0, 0];
        // SAFETY: a 32-byte buffer.
        unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 24, 32, port, 0, 0) };
    });
    measure("null_kernel_rpc", RUNS, || {
        let _ = mach_port::mach_port_get_refs(&mut m, task, task, 0);
    });
    let mut made = Vec::with_capacity(RUNS);
    measure("mach_reply_port", RUNS, || {
        // SAFETY: no arguments.
        made.push(unsafe { mach_reply_port() });
    });
    for p in made {
        let _ = mach_port::mach_port_mod_refs(&mut m, task, p, 1, -1i32 as u32);
    }

    // VM: a first-touch page fault (demand-zero), 16 MiB allocated, touched
    // and freed, and a 1 MiB out-of-line message to oneself.
    let region = mach::vm_allocate(&mut m, task, 0, (RUNS as u32) * 4096, 1).map(|r| r.address).unwrap_or(0);
    if region != 0 {
        let mut i = 0u32;
        measure("page_fault", RUNS, || {
            // SAFETY: a fresh page of our allocation.
            unsafe { core::ptr::write_volatile((region + i * 4096) as *mut u32, i) };
            i += 1;
        });
        let _ = mach::vm_deallocate(&mut m, task, region, (RUNS as u32) * 4096);
    }
    measure("vm_16mib_alloc_touch_free", 20, || {
        if let Ok(r) = mach::vm_allocate(&mut m, task, 0, 16 << 20, 1) {
            for p in 0..4096u32 {
                // SAFETY: inside the allocation.
                unsafe { core::ptr::write_volatile((r.address + p * 4096) as *mut u8, 1) };
            }
            let _ = mach::vm_deallocate(&mut m, task, r.address, 16 << 20);
        }
    });
    // Out-of-line messages to oneself (send + receive), 1 MiB and 64 MiB of
    // touched memory: copy-on-write, so the cost is per page, not per byte.
    for (name, size, runs) in [("ool_1mib_self", 1u32 << 20, 20), ("ool_64mib_self", 64 << 20, 5)] {
        if let Ok(src) = mach::vm_allocate(&mut m, task, 0, size, 1).map(|r| r.address) {
            // SAFETY: our own fresh memory.
            unsafe { core::ptr::write_bytes(src as *mut u8, 0x5A, size as usize) };
            measure(name, runs, || {
                let mut b = [0u32; 16];
                b[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | 0x8000_0000, 40, port, 0, 0, 9, 1 << 29, 9 | (8 << 16), size, src]);
                // SAFETY: a 64-byte buffer; the message refers to our own memory.
                unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 40, 64, port, 0, 0) };
                let _ = mach::vm_deallocate(&mut m, task, b[9], size);
            });
            let _ = mach::vm_deallocate(&mut m, task, src, size);
        }
    }

    // Device RPCs on the RAM disk (`ramdisk=` on the command line): the
    // device path's own cost, apart from any driver.
    if let Some(master) = args.number(2) {
        let n = mach_user::device_name("ram0");
        if let Ok(dev) = ds::device_open(&mut m, master, 3, &n).map(|r| r.device) {
            measure("device_read_inband_128", RUNS, || {
                let _ = ds::device_read_inband(&mut m, dev, 0, 8, 128);
            });
            measure("device_read_4k", RUNS, || {
                if let Ok(r) = ds::device_read(&mut m, dev, 0, 8, 4096) {
                    let _ = mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count);
                }
            });
            let _ = ds::device_close(&mut m, dev);
        }
    }

    if let Some(srv_task) = args.number(1) {
        let mut service = 0;
        for _ in 0..200 {
            if let Ok(r) = mach_port::mach_port_extract_right(&mut m, srv_task, 100, 20) {
                service = r.poly.name;
                break;
            }
            // SAFETY: wait 10 ms.
            unsafe { thread_switch(0, 2, 10) };
        }
        if service != 0 {
            measure("rpc_two_tasks", RUNS, || {
                let _ = echo::echo_add(&mut m, service, 1, 2);
            });
        }
        let _ = mach::task_terminate(&mut m, srv_task);
    }
    let _ = rt::MIG_BAD_ID;
    uprintln!("bench: done");
    0
}


entry!(main);
