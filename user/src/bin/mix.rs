//! `mix`: 32 (or up to 64) tasks doing IPC and disk I/O at once (issue
//! 16, load), each result checked. Tasks are paired: each round a task sends its peer a
//! message carrying (round, its number) and receives the peer's message of
//! the same round, which must carry exactly that; then it writes 4 KiB of
//! its own 128 KiB region of `hd0` (records `64 i + 256` on, each record
//! tagged with the task, the round and its record number), reads them back
//! and compares. The network runs beside it (the test boots `net_echo`
//! with its host peer in the same machine). The host checks the disk
//! afterwards: nothing outside the regions changed, every record of a
//! region is either as it was or tagged by its owner.
//!
//! Boot-script line: `/mix ${device-port} ROUNDS TASKS $(task-create) $(task-resume)`
//! (TASKS: an even number up to 64). With 64 tasks more
//! reads wait at once than `hd0` has request slots (32), and more than its
//! list of kept reads held before (16): the regression test of a read op
//! freed while its request was still with the driver.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self, thread_switch, SWITCH_OPTION_WAIT};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "mix";
const PAGE: u32 = 4096;
/// Tasks at most.
const MAX_TASKS: u32 = 64;
const STACK: u32 = 8 * PAGE;
/// Names in each child: its own port, its peer's, hd0.
const OWN: u32 = 0x500;
const PEER: u32 = 0x501;
const DEV: u32 = 0x502;
/// First record of task i's region: `REGION0 + i * REGION` (records).
pub const REGION0: u32 = 256;
pub const REGION: u32 = 256;

/// The task number and round count, set before each task_create.
static INDEX: AtomicU32 = AtomicU32::new(0);
static ROUNDS: AtomicU32 = AtomicU32::new(0);
static STACKS: AtomicU32 = AtomicU32::new(0);
/// Shared page: rounds done per task (0..64), errors per task (64..128).
static SHARED: AtomicU32 = AtomicU32::new(0);
/// Index of the first error counter in the shared page.
const ERR: usize = MAX_TASKS as usize;

fn shared() -> &'static [AtomicU32; 2 * MAX_TASKS as usize] {
    // SAFETY: a page shared with the children for the whole run.
    unsafe { &*(SHARED.load(Ordering::SeqCst) as *const [AtomicU32; 2 * MAX_TASKS as usize]) }
}

/// Word 0 of a record task `i` wrote in round `r`.
fn tag(i: u32, r: u32) -> u32 {
    0xA000_0000 | i << 20 | (r & 0xFFFFF)
}

fn child_round(m: &mut Mach, task: u32, i: u32, r: u32, buf: u32) -> Result<(), &'static str> {
    // IPC with the peer.
    let mut b = [MACH_MSG_TYPE_COPY_SEND, 32, PEER, 0, 0, 1000 + r, r, i];
    // SAFETY: a 32-byte message in `b`.
    let s = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 32, 0, 0, 10_000, 0) };
    expect(s == 0, "send to the peer")?;
    let mut rb = [0u32; 16];
    // SAFETY: a 64-byte receive buffer.
    let s = unsafe { mach_msg_trap(rb.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, OWN, 10_000, 0) };
    expect(s == 0, "receive from the peer")?;
    expect(rb[5] == 1000 + r && rb[6] == r && rb[7] == i ^ 1, "the peer's message carried the wrong round or sender")?;
    // Disk: 8 records of our region, written then read back.
    let rec = REGION0 + i * REGION + (r * 8) % REGION;
    for k in 0..8 {
        for w in 0..128u32 {
            let v = match w {
                0 => tag(i, r),
                1 => rec + k,
                _ => tag(i, r) ^ w.wrapping_mul(0x0101_0101),
            };
            // SAFETY: our own 4 KiB buffer.
            unsafe { core::ptr::write_volatile((buf + k * 512 + 4 * w) as *mut u32, v) };
        }
    }
    let w = ds::device_write(m, DEV, 0, rec, rt::Ool { addr: buf, count: PAGE, dealloc: false }).map_err(|_| "device_write")?;
    expect(w.bytes_written == PAGE, "short write")?;
    let rd = ds::device_read(m, DEV, 0, rec, PAGE).map_err(|_| "device_read")?;
    // SAFETY: the reply's data and our buffer, both 4 KiB.
    let (got, want) = unsafe { (core::slice::from_raw_parts(rd.data.addr as *const u32, 1024), core::slice::from_raw_parts(buf as *const u32, 1024)) };
    let first = (0..1024).find(|&j| got[j] != want[j]);
    if let Some(j) = first {
        let n = (0..1024).filter(|&k| got[k] != want[k]).count();
        let last = (0..1024).rev().find(|&k| got[k] != want[k]).unwrap_or(j);
        uprintln!(
            "{}: task {} round {} record {}: {} words differ, bytes {}..{}; first {:#x} read, {:#x} written; count {}",
            NAME, i, r, rec, n, 4 * j, 4 * last + 4, got[j], want[j], rd.data.count
        );
        // Read again: is it the disk or the first read?
        if let Ok(again) = ds::device_read(m, DEV, 0, rec, PAGE) {
            // SAFETY: the reply's data, 4 KiB.
            let g2 = unsafe { core::slice::from_raw_parts(again.data.addr as *const u32, 1024) };
            let n2 = (0..1024).filter(|&k| g2[k] != want[k]).count();
            uprintln!("{}: task {} read again: {} words differ", NAME, i, n2);
            let _ = mach::vm_deallocate(m, task, again.data.addr, again.data.count);
        }
    }
    mach::vm_deallocate(m, task, rd.data.addr, rd.data.count).map_err(|_| "vm_deallocate")?;
    expect(first.is_none(), "the disk read back other data")
}

extern "C" fn child() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let (i, rounds) = (INDEX.load(Ordering::SeqCst), ROUNDS.load(Ordering::SeqCst));
    let s = shared();
    match mach::vm_allocate(&mut m, task, 0, PAGE, 1) {
        Ok(b) => {
            for r in 0..rounds {
                if let Err(why) = child_round(&mut m, task, i, r, b.address) {
                    uprintln!("{}: task {} round {}: {}", NAME, i, r, why);
                    s[ERR + i as usize].fetch_add(1, Ordering::SeqCst);
                    break;
                }
                s[i as usize].store(r + 1, Ordering::SeqCst);
            }
        }
        Err(_) => {
            s[ERR + i as usize].fetch_add(1, Ordering::SeqCst);
        }
    }
    loop {
        // SAFETY: a trap without pointers.
        unsafe { thread_switch(0, SWITCH_OPTION_WAIT, 1000) };
    }
}

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let rounds = args.number(2).ok_or("argv[2] is not a round count")?;
    let tasks = args.number(3).filter(|&n| n >= 2 && n <= MAX_TASKS && n % 2 == 0).ok_or("argv[3] is not an even task count up to 64")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let stacks = mach::vm_allocate(&mut m, task, 0, STACK, 1).map_err(|_| "stacks")?.address;
    STACKS.store(stacks, Ordering::SeqCst);
    let sh = mach::vm_allocate(&mut m, task, 0, PAGE, 1).map_err(|_| "shared")?.address;
    mach::vm_inherit(&mut m, task, sh, PAGE, 0).map_err(|_| "vm_inherit")?;
    SHARED.store(sh, Ordering::SeqCst);
    ROUNDS.store(rounds, Ordering::SeqCst);
    let hd = ds::device_open(&mut m, master, D_READ | D_WRITE, &mach_user::device_name("hd0")).map_err(|_| "device_open hd0")?.device;
    let mut all = [0u32; MAX_TASKS as usize];
    let children = &mut all[..tasks as usize];
    for (i, c) in children.iter_mut().enumerate() {
        INDEX.store(i as u32, Ordering::SeqCst);
        *c = mach::task_create(&mut m, task, 1).map_err(|_| "task_create")?.child_task;
        mach_port::mach_port_allocate_name(&mut m, *c, MACH_PORT_RIGHT_RECEIVE, OWN).map_err(|_| "allocate_name")?;
        mach_port::mach_port_insert_right(&mut m, *c, DEV, rt::PolyPort { name: hd, disposition: MACH_MSG_TYPE_COPY_SEND }).map_err(|_| "give hd0")?;
    }
    // Each task gets a send right to its peer's port.
    for i in 0..tasks as usize {
        let peer = children[i ^ 1];
        let r = mach_port::mach_port_extract_right(&mut m, peer, OWN, MACH_MSG_TYPE_MAKE_SEND).map_err(|_| "extract_right")?;
        mach_port::mach_port_insert_right(&mut m, children[i], PEER, rt::PolyPort { name: r.poly.name, disposition: MACH_MSG_TYPE_MOVE_SEND })
            .map_err(|_| "give the peer's port")?;
    }
    for &c in children.iter() {
        let th = mach::thread_create(&mut m, c).map_err(|_| "thread_create")?.child_thread;
        let mut state = [0u32; 17];
        state[12] = child as *const () as usize as u32;
        state[15] = stacks + STACK - 16;
        mach::thread_set_state(&mut m, th, 1, &state).map_err(|_| "thread_set_state")?;
        mach::thread_resume(&mut m, th).map_err(|_| "thread_resume")?;
        mach_port::mach_port_deallocate(&mut m, task, th).map_err(|_| "deallocate thread")?;
    }
    let s = shared();
    let finished = |s: &[AtomicU32; 2 * MAX_TASKS as usize]| (0..tasks as usize).all(|i| s[i].load(Ordering::SeqCst) == rounds || s[ERR + i].load(Ordering::SeqCst) != 0);
    for _ in 0..6000 {
        if finished(s) {
            break;
        }
        // SAFETY: a trap without pointers.
        unsafe { thread_switch(0, SWITCH_OPTION_WAIT, 50) };
    }
    let done: u32 = (0..tasks as usize).map(|i| s[i].load(Ordering::SeqCst)).sum();
    let errors: u32 = (0..tasks as usize).map(|i| s[ERR + i].load(Ordering::SeqCst)).sum();
    for &c in children.iter() {
        mach::task_terminate(&mut m, c).map_err(|_| "task_terminate")?;
        mach_port::mach_port_deallocate(&mut m, task, c).map_err(|_| "deallocate")?;
    }
    ds::device_close(&mut m, hd).map_err(|_| "device_close")?;
    mach_port::mach_port_deallocate(&mut m, task, hd).map_err(|_| "deallocate hd0")?;
    uprintln!("{}: {} tasks, {} rounds checked ({} messages, {} KiB written and read back), {} errors", NAME, tasks, done, done, done * 4, errors);
    expect(errors == 0 && done == tasks * rounds, "some rounds failed")?;
    mach::vm_deallocate(&mut m, task, stacks, STACK).map_err(|_| "vm_deallocate")?;
    mach::vm_deallocate(&mut m, task, sh, PAGE).map_err(|_| "vm_deallocate")?;
    Ok(())
}

entry!(main);
