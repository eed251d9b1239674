//! `bench_mach`: the costs of Mach's primitives, measured the same way on
//! this kernel and on GNU Mach (`cargo xtask bench --against gnumach` boots
//! it on both). It uses only GNU Mach's i386 ABI: raw traps, messages in
//! MIG's layout and MIG stubs generated from GNU Mach's own `.defs`.
//!
//! Boot-script line (a normal boot, as users boot):
//! `/bench_mach ${host-port} ${device-port} $(task-create) $(task-resume)`.
//!
//! It prints, through `mach_print` (which Debian's GNU Mach 1.8 serves too):
//! - `bench: tsc_khz=N`: the TSC rate, timed against `host_get_time`;
//! - `bench: NAME median=N mean=M p90= p99= max= runs=R`: TSC cycles per
//!   operation, the median of R runs (the mean and the 90th and 99th
//!   percentiles and the maximum show stalls that the median hides), for `task_self_trap` (`mach_task_self()`), `msg_self_32`
//!   (`mach_msg` SEND|RCV to a port of its own, a 32-byte inline body),
//!   `null_rpc` (`mach_port_type(task_self, name)`), `rpc_two_tasks` (a
//!   request and its reply between this task and a server task it made
//!   with `task_create`, raw `mach_msg` in MIG's layout), `page_fault` (first
//!   touch of demand-zero memory), `ool_1mib`/`ool_64mib` (an out-of-line
//!   message of touched memory to itself, sent, received and freed) and
//!   `disk_rand_512` (a `device_read` of 512 bytes at a pseudo-random record
//!   of `hd0`);
//! - `bench: disk_seq_64k ops=N bytes=B cycles=C`: `device_read`s of 64 KiB
//!   records from the first byte of `hd0` to the last, C cycles in all;
//! - `bench: done`, then it halts the machine with `host_reboot(RB_HALT)` on
//!   the privileged host port (GNU Mach then loops: the host ends QEMU).
//!
//! Words after the two ports choose what runs, for `cargo xtask profile`:
//! `only=NAME+NAME...` runs only those figures (`+` between names: commas
//! separate QEMU's modules), `repeat=N` runs them N
//! times over (e.g. `/bench_mach ${host-port} ${device-port} only=null_rpc
//! repeat=50 $(task-create) $(task-resume)`).
//!
//! A step that fails prints `bench: NAME failed: WHY` and the others go on.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use mach_user::abi::{DEV_GET_SIZE, D_READ, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND};
use mach_user::message::*;
use mach_user::mig::{device as ds, mach, mach_host, mach_port, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, uprintln, Args};

const RB_HALT: u32 = 0x08;
/// `i386_THREAD_STATE` and its size in words.
const I386_THREAD_STATE: u32 = 1;
const I386_THREAD_STATE_COUNT: u32 = 17;
/// The name of the server task's receive right, chosen by this task
/// (`mach_port_allocate_name`) before the server starts.
const SERVICE_NAME: u32 = 0x4d;
/// The id of the two-task request (its reply is `+ 100`, as MIG's).
const REQUEST_ID: u32 = 4000;
/// A type descriptor: `INTEGER_32`, 32 bits, `number` elements, inline.
const fn int32_desc(number: u32) -> u32 {
    MACH_MSG_TYPE_INTEGER_32 | (32 << 8) | (number << 16) | (1 << 28)
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in user mode (CR4.TSD clear on both kernels).
    unsafe { core::arch::x86::_rdtsc() }
}

/// Which figures run, and how many times over (the words after the ports).
struct Sel {
    only: Vec<&'static [u8]>,
    repeat: u32,
}

impl Sel {
    fn parse(args: &Args) -> Sel {
        let mut sel = Sel { only: Vec::new(), repeat: 1 };
        for w in (3..args.argc()).filter_map(|i| args.arg(i)) {
            if let Some(list) = w.strip_prefix(b"only=") {
                sel.only.extend(list.split(|&c| c == b'+' || c == b',').filter(|n| !n.is_empty()));
            } else if let Some(n) = w.strip_prefix(b"repeat=") {
                sel.repeat = core::str::from_utf8(n).ok().and_then(|n| n.parse().ok()).unwrap_or(1);
            }
        }
        sel
    }

    /// Whether any of `names` runs.
    fn any(&self, names: &[&str]) -> bool {
        self.only.is_empty() || names.iter().any(|n| self.only.contains(&n.as_bytes()))
    }
}

/// Times `f` `runs` times and prints the median (unless `name` is not chosen).
fn measure(sel: &Sel, name: &str, runs: usize, mut f: impl FnMut()) {
    if !sel.any(&[name]) {
        return;
    }
    // A few calls first: caches, lazily made kernel state, the heap.
    for _ in 0..(runs / 4).clamp(1, 8) {
        f();
    }
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = rdtsc();
        f();
        v.push(rdtsc() - t);
    }
    let mean = v.iter().sum::<u64>() / runs.max(1) as u64;
    v.sort_unstable();
    let at = |q: usize| v[(v.len() * q / 100).min(v.len() - 1)];
    uprintln!("bench: {} median={} mean={} p90={} p99={} max={} runs={}", name, at(50), mean, at(90), at(99), v[v.len() - 1], runs);
}

/// The host clock in microseconds.
fn now_us(m: &mut Mach, host: u32) -> Option<u64> {
    let t = mach_host::host_get_time(m, host).ok()?.current_time;
    Some(u64::from(t[0]) * 1_000_000 + u64::from(t[1]))
}

/// TSC kHz against the host clock over about half a second, measured from
/// one change of the clock to another (the clock may move in ticks).
fn tsc_khz(m: &mut Mach, host: u32) -> Option<u64> {
    let edge = |m: &mut Mach| -> Option<(u64, u64)> {
        let t0 = now_us(m, host)?;
        loop {
            let t = now_us(m, host)?;
            if t != t0 {
                return Some((t, rdtsc()));
            }
        }
    };
    let (us0, c0) = edge(m)?;
    while now_us(m, host)? < us0 + 500_000 {}
    let (us1, c1) = edge(m)?;
    Some((c1 - c0) * 1000 / (us1 - us0).max(1))
}

fn main(args: &Args) -> i32 {
    mach_user::set_test_name("bench_mach");
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    // SAFETY: no arguments.
    let host = unsafe { mach_user::trap::mach_host_self() };
    match tsc_khz(&mut m, host) {
        Some(khz) => uprintln!("bench: tsc_khz={}", khz),
        None => uprintln!("bench: tsc_khz failed: host_get_time"),
    }
    let sel = Sel::parse(args);
    for _ in 0..sel.repeat {
        if sel.any(&["task_self_trap", "msg_self_32", "null_rpc"]) {
            traps_and_ipc(&sel, &mut m, task);
        }
        if sel.any(&["rpc_two_tasks"]) {
            two_tasks(&sel, &mut m, task);
        }
        if sel.any(&["page_fault", "ool_1mib", "ool_64mib"]) {
            vm(&sel, &mut m, task);
        }
        if sel.any(&["disk_seq_64k", "disk_rand_512"]) {
            match args.number(2) {
                Some(master) => disk(&sel, &mut m, task, master),
                None => uprintln!("bench: disk failed: no ${{device-port}} argument"),
            }
        }
    }
    uprintln!("bench: done");
    match args.number(1) {
        Some(host_priv) => {
            let _ = mach_host::host_reboot(&mut m, host_priv, RB_HALT);
        }
        None => uprintln!("bench: no ${{host-port}} argument: not halting"),
    }
    0
}

fn traps_and_ipc(sel: &Sel, m: &mut Mach, task: u32) {
    const RUNS: usize = 5000;
    measure(sel, "task_self_trap", RUNS, || {
        // SAFETY: no arguments.
        core::hint::black_box(unsafe { mach_task_self() });
    });
    if sel.any(&["task_self_trap"]) {
        // Each call (the 8 of the warm-up too) added a user reference to the task's send right.
        let _ = mach_port::mach_port_mod_refs(m, task, task, MACH_PORT_RIGHT_SEND, (RUNS + 8).wrapping_neg() as u32);
    }

    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else {
        uprintln!("bench: msg_self_32 failed: mach_port_allocate");
        return;
    };
    let mut bad = 0u32;
    measure(sel, "msg_self_32", RUNS, || {
        // Header (24 bytes), then a 32-byte body: a descriptor and 7 words.
        let mut b = [0u32; 14];
        b[..6].copy_from_slice(&[msgh_bits(MACH_MSG_TYPE_MAKE_SEND, 0), 56, port, 0, 0, 1]);
        b[6] = int32_desc(7);
        // SAFETY: a 56-byte buffer for both directions.
        let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 56, 56, port, 0, 0) };
        bad += u32::from(r != 0);
    });
    if bad != 0 {
        uprintln!("bench: msg_self_32 failed: {} calls did not succeed", bad);
    }
    bad = 0;
    measure(sel, "null_rpc", RUNS, || {
        if mach_port::mach_port_type(m, task, port).is_err() {
            bad += 1;
        }
    });
    if bad != 0 {
        uprintln!("bench: null_rpc failed: {} calls did not succeed", bad);
    }
    let _ = mach_port::mach_port_mod_refs(m, task, port, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32);
}

/// The server task's stack (its copy of this memory, after `task_create`).
static mut SERVER_STACK: [u32; 1024] = [0; 1024];

/// The server task's only thread: answers every request on `SERVICE_NAME`
/// with a MIG-style reply (return code 0), sending the reply and receiving
/// the next request in one `mach_msg`, as MIG servers do.
extern "C" fn server() -> ! {
    let mut b = [0u32; 16];
    let mut option = MACH_RCV_MSG;
    loop {
        // SAFETY: a 64-byte buffer for both directions.
        let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), option, 32, 64, SERVICE_NAME, 0, 0) };
        if r != 0 {
            option = MACH_RCV_MSG;
            continue;
        }
        // The reply goes to the request's reply port (a send-once right),
        // which the received header names as its remote port.
        let (reply_to, id) = (b[2], b[5]);
        b[..8].copy_from_slice(&[msgh_bits(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), 32, reply_to, 0, 0, id + 100, int32_desc(1), 0]);
        option = MACH_SEND_MSG | MACH_RCV_MSG;
    }
}

/// A request/reply round trip to a server in another task, which this task
/// makes with `task_create` (inheriting its memory, so the server's code is
/// there) and a thread started at [`server`].
fn two_tasks(sel: &Sel, m: &mut Mach, task: u32) {
    let step = |what: &'static str, ok: bool| if ok { Ok(()) } else { Err(what) };
    let run = |m: &mut Mach| -> Result<(u32, u32, u32), &'static str> {
        let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
        let made = (|| {
            mach_port::mach_port_allocate_name(m, child, MACH_PORT_RIGHT_RECEIVE, SERVICE_NAME).map_err(|_| "mach_port_allocate_name")?;
            let service = mach_port::mach_port_extract_right(m, child, SERVICE_NAME, MACH_MSG_TYPE_MAKE_SEND)
                .map_err(|_| "mach_port_extract_right")?
                .poly
                .name;
            let th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
            // Start from the state the kernel gave the new thread (its
            // segment registers), with our entry point and stack.
            let st = mach::thread_get_state(m, th, I386_THREAD_STATE, I386_THREAD_STATE_COUNT).map_err(|_| "thread_get_state")?;
            step("thread_get_state count", st.old_state_cnt == I386_THREAD_STATE_COUNT)?;
            let mut state = [0u32; I386_THREAD_STATE_COUNT as usize];
            state.copy_from_slice(&st.old_state[..I386_THREAD_STATE_COUNT as usize]);
            // Only the address is taken; the server task has its own copy.
            let top = core::ptr::addr_of!(SERVER_STACK) as u32 + 4096 - 16;
            state[12] = server as extern "C" fn() -> ! as usize as u32;
            state[15] = top;
            mach::thread_set_state(m, th, I386_THREAD_STATE, &state).map_err(|_| "thread_set_state")?;
            mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
            Ok((service, th))
        })();
        match made {
            Ok((service, th)) => Ok((child, service, th)),
            Err(e) => {
                let _ = mach::task_terminate(m, child);
                Err(e)
            }
        }
    };
    let (child, service, th) = match run(m) {
        Ok(v) => v,
        Err(why) => {
            uprintln!("bench: rpc_two_tasks failed: {}", why);
            return;
        }
    };
    // SAFETY: no arguments.
    let reply = unsafe { mach_user::trap::mach_reply_port() };
    let call = |option: i32, timeout: u32| -> bool {
        let mut b = [0u32; 16];
        b[..8].copy_from_slice(&[
            msgh_bits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
            32,
            service,
            reply,
            0,
            REQUEST_ID,
            int32_desc(1),
            7,
        ]);
        // SAFETY: a 64-byte buffer for both directions.
        let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), option, 32, 64, reply, timeout, 0) };
        r == 0 && b[5] == REQUEST_ID + 100 && b[7] == 0
    };
    // The first call waits at most 5 s for the server to answer.
    if call(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 5000) {
        let mut bad = 0u32;
        measure(sel, "rpc_two_tasks", 2000, || bad += u32::from(!call(MACH_SEND_MSG | MACH_RCV_MSG, 0)));
        if bad != 0 {
            uprintln!("bench: rpc_two_tasks failed: {} round trips did not succeed", bad);
        }
    } else {
        let eip = mach::thread_get_state(m, th, I386_THREAD_STATE, I386_THREAD_STATE_COUNT).map(|s| s.old_state[12]);
        let info = mach::thread_info(m, th, 1, 13).map(|i| (i.thread_info_out[7], i.thread_info_out[9]));
        uprintln!("bench: rpc_two_tasks failed: no answer in 5 s (server eip {:x?}, run state and suspend count {:?})", eip, info);
    }
    let _ = mach_port::mach_port_deallocate(m, task, th);
    let _ = mach::task_terminate(m, child);
    let _ = mach_port::mach_port_deallocate(m, task, child);
    let _ = mach_port::mach_port_deallocate(m, task, service);
    let _ = mach_port::mach_port_mod_refs(m, task, reply, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32);
}

fn vm(sel: &Sel, m: &mut Mach, task: u32) {
    const PAGES: u32 = 2000;
    match mach::vm_allocate(m, task, 0, PAGES * 4096, 1) {
        _ if !sel.any(&["page_fault"]) => {}
        Ok(r) => {
            let mut i = 0u32;
            measure(sel, "page_fault", PAGES as usize - 8, || {
                // SAFETY: a fresh page of our allocation, touched once.
                unsafe { core::ptr::write_volatile((r.address + i * 4096) as *mut u32, i) };
                i += 1;
            });
            let _ = mach::vm_deallocate(m, task, r.address, PAGES * 4096);
        }
        Err(_) => uprintln!("bench: page_fault failed: vm_allocate"),
    }
    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return };
    // Touched memory sent out of line to oneself, received and freed.
    for (name, size, runs) in [("ool_1mib", 1u32 << 20, 31), ("ool_64mib", 64 << 20, 5)] {
        if !sel.any(&[name]) {
            continue;
        }
        let Ok(src) = mach::vm_allocate(m, task, 0, size, 1).map(|r| r.address) else {
            uprintln!("bench: {} failed: vm_allocate", name);
            continue;
        };
        // SAFETY: our own fresh memory.
        unsafe { core::ptr::write_bytes(src as *mut u8, 0x5A, size as usize) };
        let send = |m: &mut Mach, keep: bool| -> bool {
            let mut b = [0u32; 16];
            // A complex message: one out-of-line item of `size` bytes.
            b[..10].copy_from_slice(&[
                msgh_bits(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                40,
                port,
                0,
                0,
                9,
                1 << 29,
                MACH_MSG_TYPE_BYTE | (8 << 16),
                size,
                src,
            ]);
            // SAFETY: a 64-byte buffer; the message refers to our own memory.
            let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 40, 64, port, 0, 0) };
            if r != 0 || b[8] != size {
                return false;
            }
            if keep {
                // Once, untimed: the data arrived (first and last bytes).
                // SAFETY: the kernel mapped `size` bytes at `b[9]` for us.
                let ends = unsafe { [*(b[9] as *const u8), *((b[9] + size - 1) as *const u8)] };
                let _ = mach::vm_deallocate(m, task, b[9], size);
                return ends == [0x5A; 2];
            }
            let _ = mach::vm_deallocate(m, task, b[9], size);
            true
        };
        if !send(m, true) {
            uprintln!("bench: {} failed: the data did not arrive", name);
        }
        let mut bad = 0u32;
        measure(sel, name, runs, || bad += u32::from(!send(m, false)));
        if bad != 0 {
            uprintln!("bench: {} failed: {} messages did not go through", name, bad);
        }
        let _ = mach::vm_deallocate(m, task, src, size);
    }
    let _ = mach_port::mach_port_mod_refs(m, task, port, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32);
}

fn disk(sel: &Sel, m: &mut Mach, task: u32, master: u32) {
    let hd = match ds::device_open(m, master, D_READ, &mach_user::device_name("hd0")) {
        Ok(r) => r.device,
        Err(e) => {
            uprintln!("bench: disk failed: device_open hd0: {}", e);
            return;
        }
    };
    let Ok(size) = ds::device_get_status(m, hd, DEV_GET_SIZE, 2).map(|s| s.status[0]) else {
        uprintln!("bench: disk failed: device_get_status");
        return;
    };
    let read = |m: &mut Mach, rec: u32, bytes: u32| -> bool {
        match ds::device_read(m, hd, 0, rec, bytes) {
            Ok(r) => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
                r.data.count == bytes
            }
            Err(_) => false,
        }
    };
    const CHUNK: u32 = 64 * 1024;
    let calls = if sel.any(&["disk_seq_64k"]) { size / CHUNK } else { 0 };
    let t = rdtsc();
    for i in 0..calls {
        if !read(m, i * (CHUNK / 512), CHUNK) {
            uprintln!("bench: disk_seq_64k failed: the read of record {}", i * (CHUNK / 512));
            return;
        }
    }
    if calls != 0 {
        uprintln!("bench: disk_seq_64k ops={} bytes={} cycles={}", calls, u64::from(calls) * u64::from(CHUNK), rdtsc() - t);
    }
    let records = size / 512;
    let mut x: u32 = 12345;
    let mut bad = 0u32;
    measure(sel, "disk_rand_512", 2000, || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bad += u32::from(!read(m, (x >> 4) % records, 512));
    });
    if bad != 0 {
        uprintln!("bench: disk_rand_512 failed: {} reads did not succeed", bad);
    }
    let _ = ds::device_close(m, hd);
}

entry!(main);
