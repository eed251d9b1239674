//! `fuzz`: seeded random and malformed messages and traps at the kernel's
//! ports, from an unprivileged task (issue 16).
//!
//! Each message goes to one of: a victim task and its thread (a child task
//! this program creates and destroys over and over: every destructive call
//! lands there), the host port, the default processor set's name port, the
//! device master port (when given), a port of ours, a dead name, a name we
//! do not have, or a random number. It varies the header bits (every
//! disposition, the complex bit, random bytes), the size (short, odd,
//! past the buffer), the id (every subsystem the kernel serves and random
//! ones) and the body: typed items in short and long form, inline and out
//! of line, port items of every disposition, out-of-line pointers to
//! unmapped and kernel memory, and huge counts. Requests ask for a reply,
//! received with a timeout; replies' out-of-line memory is freed, and every
//! round ends with the victim terminated and every name the round made
//! destroyed (task ports first terminated: an RPC may have made tasks).
//! Traps: random numbers inside GNU Mach's table with arguments from the
//! same pools (never our own task or thread: the trap would end the fuzzer,
//! not test the kernel), waits bounded.
//!
//! Every `CHECK` messages a liveness check runs: a message to ourselves comes
//! back, `host_info` answers the same as at the start, and with a device
//! port record 0 of `hd0` reads back unchanged. At the end it prints a
//! histogram of the return codes; the kernel's leak check (`test=bootstrap`)
//! does the rest.
//!
//! Boot-script line: `/fuzz MESSAGES SEED ${device-port} ${host-port} [trace] $(task-create) $(task-resume)`
//! (0 for a port it should do without). The privileged host port only
//! serves the cleanup after each round: every task but this one is ended
//! (so run it alone).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use mach_user::abi::{MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND};
use mach_user::message::*;
use mach_user::mig::{device as ds, mach, mach_host, mach_port, rt, Mach};
use mach_user::trap::{mach_host_self, mach_msg_trap, mach_task_self, mach_thread_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "fuzz";
/// Messages between liveness checks (and victim rounds).
const CHECK: u32 = 2000;
/// Messages per victim.
const ROUND: u32 = 250;
/// Names of our own receive rights, far from the names the kernel hands out
/// (so that a random name in a port item rarely moves them away).
const OWN: u32 = 0x7FFF_0001;
const KERNEL: u32 = 0xC010_0000;
const BUF_WORDS: usize = 2048;
/// Our buffer for out-of-line data and trap results.
const BUFFER: u32 = 0x3000_0000;
/// Addresses that are not ours (nothing of this program is mapped there).
const NOT_OURS: [u32; 5] = [0, 0x7000_0000, KERNEL, 0xA000_0000, 0xFFFF_F000];
/// Offset in the buffer of the page of names that out-of-line port arrays
/// carry (no trap writes there).
const NAMES_PAGE: u32 = 2 * 4096;

/// `trace` (argv[4]): each message and trap is printed before it goes, to
/// find the one that hangs or crashes.
static TRACE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Messages found on the MIG stubs' reply port that were not the answer.
static STRAYS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

fn tracing() -> bool {
    TRACE.load(core::sync::atomic::Ordering::Relaxed)
}

/// The MIG stubs' runtime, with one reply port at a fixed name far from
/// the kernel's (`OWN + 1`): mach_user's `Mach` takes a fresh reply port
/// after a failed receive, at a small name the fuzzing could then give
/// away. A stale message is drained instead.
struct Stubs;

const STUB_REPLY: u32 = OWN + 1;

impl rt::MachMsg for Stubs {
    fn mach_msg(&mut self, msg: &mut [u8], option: u32, send_size: u32, rcv_size: u32, rcv_name: u32, timeout: u32, notify: u32) -> u32 {
        // SAFETY: the stubs pass a live buffer at least as long as both sizes.
        unsafe { mach_msg_trap(msg.as_mut_ptr().cast(), option as i32, send_size, rcv_size, rcv_name, timeout, notify) as u32 }
    }
    fn reply_port(&mut self) -> u32 {
        STUB_REPLY
    }
    fn dealloc_reply_port(&mut self, _port: u32) {
        strays(self, "a failed call");
    }
}

/// xorshift32 with helpers.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
    fn one_in(&mut self, n: u32) -> bool {
        self.below(n) == 0
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u32) as usize]
    }
}

/// What the fuzzer holds for one round.
struct World {
    task: u32,
    thread: u32,
    host: u32,
    pset: u32,
    master: u32,
    /// The privileged host port, for the end of each round only: tasks made
    /// by RPCs and traps whose rights went astray are found with
    /// `processor_set_tasks` and ended (never fuzzed).
    host_priv: u32,
    victim: u32,
    victim_thread: u32,
    /// The `time` device, opened each round (reads and maps only: writing
    /// any other device could change the disk the liveness check reads).
    device: u32,
    reply: u32,
    fodder: u32,
    dead: u32,
    /// Names present before the round (kept).
    baseline: Vec<u32>,
    buffer: u32,
}

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let total = args.number(1).unwrap_or(20_000);
    let seed = args.number(2).unwrap_or(1).max(1);
    let master = args.number(3).unwrap_or(0);
    let host_priv = args.number(4).unwrap_or(0);
    TRACE.store(args.arg_str(5) == Some("trace"), core::sync::atomic::Ordering::Relaxed);
    let mut boot = Mach::new();
    // SAFETY: no arguments.
    let (task, thread, host) = unsafe { (mach_task_self(), mach_thread_self(), mach_host_self()) };
    mach_port::mach_port_allocate_name(&mut boot, task, MACH_PORT_RIGHT_RECEIVE, STUB_REPLY).map_err(|_| "allocate_name")?;
    let mut m = Stubs;
    let pset = mach_host::processor_set_default(&mut m, host).map_err(|_| "processor_set_default")?.default_set;
    // At a fixed place, away from the low addresses used as "not ours".
    let buffer = mach::vm_allocate(&mut m, task, BUFFER, 4 * 4096, 0).map_err(|_| "vm_allocate")?.address;
    mach_port::mach_port_allocate_name(&mut m, task, MACH_PORT_RIGHT_RECEIVE, OWN).map_err(|_| "allocate_name")?;
    let host0 = mach_host::host_info(&mut m, host, 1, 5).map_err(|_| "host_info")?;
    let disk0 = disk_record(&mut m, master);
    let mut w = World { task, thread, host, pset, master, host_priv, victim: 0, victim_thread: 0, device: 0, reply: 0, fodder: 0, dead: 0, baseline: Vec::new(), buffer };
    w.baseline = names(&mut m, task).into_iter().map(|(n, _)| n).collect();
    let mut rng = Rng(seed);
    let mut hist: BTreeMap<u32, u32> = BTreeMap::new();
    uprintln!("{}: {} messages, seed {}", NAME, total, seed);
    let mut sent = 0;
    while sent < total {
        new_round(&mut m, &mut w, &mut rng)?;
        for _ in 0..ROUND.min(total - sent) {
            let (code, to_victim) = match rng.below(64) {
                0 => (random_state(&mut m, &w, &mut rng), false),
                1..=8 => (random_trap(&w, &mut rng), false),
                _ => random_message(&w, &mut rng),
            };
            *hist.entry(code).or_insert(0) += 1;
            sent += 1;
            // A victim that died (a random state, a task_terminate) takes no
            // more messages: the round ends and a new victim comes.
            let victim_gone = to_victim && code == MACH_SEND_INVALID_DEST as u32;
            if sent % CHECK == 0 {
                if let Err(e) = live(&mut m, task, host, &host0.host_info_out, master, &disk0) {
                    // Leave no victim behind for the kernel's checks.
                    end_round(&mut m, &mut w)?;
                    return Err(e);
                }
                uprintln!("{}: {} messages, alive", NAME, sent);
            }
            if victim_gone {
                break;
            }
        }
        end_round(&mut m, &mut w)?;
    }
    live(&mut m, task, host, &host0.host_info_out, master, &disk0)?;
    uprintln!("{}: histogram of {} return codes (code: count)", NAME, sent);
    for (code, n) in &hist {
        uprintln!("{}:   {:#010x}: {}", NAME, code, n);
    }
    mach_port::mach_port_destroy(&mut m, task, OWN).map_err(|_| "destroy")?;
    mach::vm_deallocate(&mut m, task, buffer, 4 * 4096).map_err(|_| "vm_deallocate")?;
    uprintln!("{}: {} stray messages on the stubs' reply port", NAME, STRAYS.load(core::sync::atomic::Ordering::Relaxed));
    uprintln!("{}: {} messages and traps, the kernel is alive", NAME, sent);
    Ok(())
}

/// Every name of our space with its type (sorted by name).
fn names(m: &mut Stubs, task: u32) -> Vec<(u32, u32)> {
    let Ok(r) = mach_port::mach_port_names(m, task) else { return Vec::new() };
    let mut out = Vec::new();
    for i in 0..r.names.count.min(r.types.count) {
        // SAFETY: the reply's out-of-line arrays, `count` words each.
        out.push(unsafe { (core::ptr::read_volatile((r.names.addr as *const u32).add(i as usize)), core::ptr::read_volatile((r.types.addr as *const u32).add(i as usize))) });
    }
    let _ = mach::vm_deallocate(m, task, r.names.addr, r.names.count * 4);
    let _ = mach::vm_deallocate(m, task, r.types.addr, r.types.count * 4);
    out.sort_unstable();
    out
}

fn disk_record(m: &mut Stubs, master: u32) -> Option<[u8; 128]> {
    if master == 0 {
        return None;
    }
    let hd = ds::device_open(m, master, mach_user::abi::D_READ, &mach_user::device_name("hd0")).ok()?.device;
    let r = ds::device_read_inband(m, hd, 0, 0, 128).ok().map(|r| r.data);
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let _ = mach_port::mach_port_deallocate(m, task, hd);
    r
}

/// The liveness check.
fn live(m: &mut Stubs, task: u32, host: u32, host0: &[u32], master: u32, disk0: &Option<[u8; 128]>) -> Result<(), &'static str> {
    strays(m, "liveness");
    let mut b = [0u32; 64];
    // Late answers of terminate_task may wait there: drop them.
    // SAFETY: a 256-byte buffer.
    while unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, OWN, 0, 0) } != MACH_RCV_TIMED_OUT {}
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND_ONCE, 24, OWN, 0, 0, 1234]);
    // SAFETY: a 32-byte buffer.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 24, 32, OWN, 1000, 0) };
    expect(r == 0 && b[5] == 1234, "liveness: a message to ourselves did not come back")?;
    let _ = host;
    // SAFETY: no arguments (a fresh right: a message may have moved ours).
    let host = unsafe { mach_host_self() };
    let h = mach_host::host_info(m, host, 1, 5).map_err(|_| "liveness: host_info failed")?;
    expect(h.host_info_out[..5] == host0[..5], "liveness: host_info changed")?;
    if master != 0 {
        expect(disk_record(m, master) == *disk0, "liveness: disk record 0 changed")?;
        strays(m, "after the disk read");
    }
    let _ = task;
    Ok(())
}

/// Spinning code for the victim's thread (it runs in the victim's copy).
extern "C" fn victim_body() -> ! {
    let mut x = 0u32;
    loop {
        x = x.wrapping_add(1);
        if x % 4096 == 0 {
            // SAFETY: a trap without pointers.
            unsafe { mach_user::trap::swtch() };
        }
    }
}

fn new_round(m: &mut Stubs, w: &mut World, rng: &mut Rng) -> Result<(), &'static str> {
    let task = w.task;
    // A random message may have moved our host right away.
    // SAFETY: no arguments.
    w.host = unsafe { mach_host_self() };
    strays(m, "new round");
    w.pset = mach_host::processor_set_default(m, w.host).map_err(|_| "processor_set_default")?.default_set;
    w.victim = mach::task_create(m, task, u32::from(rng.one_in(2))).map_err(|_| "task_create")?.child_task;
    w.victim_thread = mach::thread_create(m, w.victim).map_err(|_| "thread_create")?.child_thread;
    // Spare references: messages move these rights away (MOVE_SEND), and
    // the victim must stay ours to end.
    for n in [w.victim, w.victim_thread] {
        mach_port::mach_port_mod_refs(m, task, n, mach_user::abi::MACH_PORT_RIGHT_SEND, 1000).map_err(|_| "mod_refs")?;
    }
    let stack = mach::vm_allocate(m, w.victim, 0, 4 * 4096, 1).map_err(|_| "victim stack")?.address;
    let mut state = [0u32; 17];
    state[12] = victim_body as *const () as usize as u32;
    state[15] = stack + 4 * 4096 - 16;
    mach::thread_set_state(m, w.victim_thread, 1, &state).map_err(|_| "thread_set_state")?;
    if rng.one_in(2) {
        let _ = mach::thread_resume(m, w.victim_thread);
    }
    if w.master != 0 {
        w.device = ds::device_open(m, w.master, mach_user::abi::D_READ, &mach_user::device_name("time")).map(|r| r.device).unwrap_or(0);
    }
    w.reply = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    w.fodder = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    mach_port::mach_port_insert_right(m, task, w.fodder, rt::PolyPort { name: w.fodder, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    let d = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    mach_port::mach_port_insert_right(m, task, d, rt::PolyPort { name: d, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    mach_port::mach_port_mod_refs(m, task, d, MACH_PORT_RIGHT_RECEIVE, u32::MAX).map_err(|_| "mod_refs")?;
    w.dead = d;
    let names = [w.fodder, w.victim, w.victim_thread, w.dead, 0, !0];
    for i in 0..1024u32 {
        // SAFETY: our buffer's names page.
        unsafe { core::ptr::write_volatile((w.buffer + NAMES_PAGE + 4 * i) as *mut u32, names[i as usize % names.len()]) };
    }
    Ok(())
}

/// Receives (and prints) what waits on the stubs' reply port: nothing
/// should, and a message there would be taken for the next call's answer.
fn strays(m: &mut Stubs, at: &str) {
    let port = rt::MachMsg::reply_port(m);
    let mut b = [0u32; 512];
    // SAFETY: a 2 KiB buffer.
    while unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 2048, port, 0, 0) } == 0 {
        STRAYS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        uprintln!("{}: stray before {} on {:#x}: {:08x?}", NAME, at, port, &b[..16]);
    }
}

/// Terminates the victim and every task an RPC may have made, and drops
/// every name the round made.
fn end_round(m: &mut Stubs, w: &mut World) -> Result<(), &'static str> {
    strays(m, "end of round");
    terminate_task(w.victim, OWN);
    // Answers nobody received may carry task ports (task_create on the
    // victim): received, their rights get names, ended below.
    for port in [w.reply, w.fodder, OWN] {
        drain(w, port);
    }
    for (n, ty) in names(m, w.task) {
        if w.baseline.binary_search(&n).is_ok() || n == OWN {
            continue;
        }
        // An RPC may have made a task (task_create on the victim): end it.
        // Anything else answers an error. Never ourselves, never a port
        // of ours (nobody would answer).
        if n != w.task && n != w.thread && ty & MACH_PORT_TYPE_SEND != 0 && ty & MACH_PORT_TYPE_RECEIVE == 0 {
            terminate_task(n, OWN);
        }
        if n != w.host && n != w.pset && n != w.master {
            let _ = mach_port::mach_port_destroy(m, w.task, n);
        }
    }
    end_strays(m, w);
    Ok(())
}

/// Ends every task but ourselves that a processor set lists: tasks whose
/// every right went astray (an RPC or trap moved them into the victim, or
/// a destroyed message carried them) live on, as in any Mach.
fn end_strays(m: &mut Stubs, w: &World) {
    if w.host_priv == 0 {
        return;
    }
    strays(m, "stray tasks");
    let Ok(set) = mach_host::host_processor_set_priv(m, w.host_priv, w.pset).map(|r| r.set) else { return };
    if let Ok(r) = mach_host::processor_set_tasks(m, set) {
        for i in 0..r.task_list.count {
            // SAFETY: the reply's out-of-line array of `count` names.
            let t = unsafe { core::ptr::read_volatile((r.task_list.addr as *const u32).add(i as usize)) };
            if t == w.task {
                let _ = mach_port::mach_port_deallocate(m, w.task, t);
            } else if t != 0 {
                terminate_task(t, OWN);
                let _ = mach_port::mach_port_destroy(m, w.task, t);
            }
        }
        let _ = mach::vm_deallocate(m, w.task, r.task_list.addr, r.task_list.count * 4);
    }
    let _ = mach_port::mach_port_destroy(m, w.task, set);
    drain(w, OWN);
}

/// Receives every message queued on `port` (freeing out-of-line memory).
fn drain(w: &World, port: u32) {
    let mut b = [0u32; BUF_WORDS];
    loop {
        // SAFETY: `b` is BUF_WORDS words.
        let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, (BUF_WORDS * 4) as u32, port, 0, 0) };
        match r {
            0 => free_reply(w, &b),
            MACH_RCV_TOO_LARGE => {}
            _ => return,
        }
    }
}

/// `task_terminate(name)` (id 2008), its answer awaited for at most a second.
fn terminate_task(name: u32, reply: u32) {
    let mut b = [0u32; 16];
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), 24, name, reply, 0, 2008]);
    let opt = MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_RCV_MSG | MACH_RCV_TIMEOUT;
    // SAFETY: a 64-byte buffer.
    let _ = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), opt, 24, 64, reply, 1000, 0) };
}

/// Subsystem bases of the interfaces the kernel serves (and one it does not).
const BASES: [u32; 9] = [2000, 2200, 2400, 2600, 2800, 3200, 4200, 2900, 5000];
const DISPOSITIONS: [u32; 8] = [0, 15, 16, 17, 18, 19, 20, 21];

fn target(w: &World, rng: &mut Rng) -> u32 {
    match rng.below(12) {
        0..=3 => w.victim,
        4..=5 => w.victim_thread,
        6 => w.host,
        7 => w.pset,
        8 => if w.master != 0 { rng.pick(&[w.master, w.device]) } else { w.victim },
        9 => w.fodder,
        10 => w.dead,
        _ => rng.pick(&[0x4321, rng.0, MACH_PORT_DEAD_NAME, 0]),
    }
}

const MACH_PORT_DEAD_NAME: u32 = !0;

/// A name for a port item: ours to give, the victim's, dead, or random.
fn item_name(w: &World, rng: &mut Rng) -> u32 {
    rng.pick(&[w.fodder, w.victim, w.victim_thread, w.dead, 0, MACH_PORT_DEAD_NAME, 0x1234_5678, rng.0 | 0x100])
}

/// An address for out-of-line data.
fn ool_addr(w: &World, rng: &mut Rng) -> u32 {
    let not_ours = rng.pick(&NOT_OURS);
    rng.pick(&[not_ours, not_ours, KERNEL, w.buffer, w.buffer + 4090, rng.0])
}

/// A number for an integer or count field: small, page-sized, huge, random.
fn number(rng: &mut Rng) -> u32 {
    match rng.below(6) {
        0 => rng.below(8),
        1 => rng.below(16) * 4096,
        2 => rng.pick(&[0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0x1001_72f8, 0x235b_2aa8, 0xC000_0000]),
        3 => rng.below(256),
        _ => rng.next(),
    }
}

/// One random message; returns its code and whether it went to the victim's task port.
fn random_message(w: &World, rng: &mut Rng) -> (u32, bool) {
    let mut b = [0u32; BUF_WORDS];
    let dest = target(w, rng);
    let kept = dest == w.host || dest == w.pset || (dest == w.master && dest != 0);
    let remote = if kept { MACH_MSG_TYPE_COPY_SEND } else if rng.one_in(16) { rng.below(256) } else { rng.pick(&[MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE]) };
    let want_reply = !rng.one_in(6);
    let (local, reply) = if want_reply { (MACH_MSG_TYPE_MAKE_SEND_ONCE, w.reply) } else if rng.one_in(2) { (rng.pick(&DISPOSITIONS), item_name(w, rng)) } else { (0, 0) };
    let id = if rng.one_in(10) { rng.next() } else { rng.pick(&BASES) + rng.below(100) };
    // The body: typed items.
    let mut at = 6usize;
    let items = rng.below(8);
    let mut complex = false;
    for _ in 0..items {
        if at + 8 >= 64 {
            break;
        }
        match rng.below(8) {
            // Inline integers, as MIG sends them.
            0..=2 => {
                let n = 1 + rng.below(3);
                b[at] = MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, n, true, false).0;
                at += 1;
                for _ in 0..n {
                    b[at] = number(rng);
                    at += 1;
                }
            }
            // An inline port.
            3 => {
                b[at] = MachMsgType::new(rng.pick(&DISPOSITIONS[1..]), 32, 1, true, false).0;
                b[at + 1] = item_name(w, rng);
                at += 2;
                complex = true;
            }
            // Out-of-line data, long form.
            4 => {
                // The deallocate bit only with memory that is not ours (it
                // would unmap our stack or text, legitimately).
                let dealloc = rng.one_in(4);
                b[at] = MachMsgType::long_header(false, dealloc).0;
                b[at + 1] = rng.pick(&[8, 2, 9]) | (rng.pick(&[8u32, 32]) << 16);
                b[at + 2] = number(rng);
                b[at + 3] = if dealloc { rng.pick(&NOT_OURS) } else { ool_addr(w, rng) };
                at += 4;
                complex = true;
            }
            // An out-of-line port array: names from our page of names
            // (any other memory of ours holds names we keep: the stubs'
            // reply port, in a stack frame, would be given away), or
            // memory that is not ours.
            5 => {
                b[at] = MachMsgType::long_header(false, false).0;
                b[at + 1] = rng.pick(&DISPOSITIONS[1..]) | (32 << 16);
                b[at + 2] = number(rng);
                let within = w.buffer + NAMES_PAGE + 4 * rng.below(1024);
                let not_ours = rng.pick(&NOT_OURS);
                b[at + 3] = rng.pick(&[within, w.buffer + NAMES_PAGE, not_ours]);
                at += 4;
                complex = true;
            }
            // A random descriptor and a random word.
            6 => {
                b[at] = (rng.next() & !(1 << 30)) | (1 << 28); // inline: a random address could be ours
                b[at + 1] = rng.next();
                at += 2;
            }
            // A short descriptor with a random count.
            _ => {
                let inline = !rng.one_in(3);
                b[at] = MachMsgType::new(rng.pick(&[2, 8, 9, 16, 17, 19]), rng.pick(&[8, 16, 32]), rng.below(4096), inline, false).0;
                // Out of line: never memory of ours but the names page.
                b[at + 1] = if inline { rng.next() } else { rng.pick(&[w.buffer + NAMES_PAGE, 0x7000_0000, KERNEL]) };
                at += 2;
                complex |= rng.one_in(2);
            }
        }
    }
    let mut size = (at * 4) as u32;
    if rng.one_in(12) {
        size = rng.pick(&[0, 4, 20, 26, size + 2, size.saturating_sub(4), 8192, 0x10_0000, rng.0]);
    }
    let mut bits = remote | (local << 8);
    if complex || rng.one_in(10) {
        bits |= MACH_MSGH_BITS_COMPLEX;
    }
    if rng.one_in(20) && !kept {
        bits = rng.next();
    }
    b[..6].copy_from_slice(&[bits, size, dest, reply, 0, id]);
    let mut option = MACH_SEND_MSG | MACH_SEND_TIMEOUT;
    if want_reply {
        option |= MACH_RCV_MSG | MACH_RCV_TIMEOUT;
    }
    let rcv_size = (BUF_WORDS * 4) as u32;
    if tracing() {
        uprintln!("{}: msg {:08x?} option {:#x}", NAME, &b[..at.max(6)], option);
    }
    // SAFETY: `b` is BUF_WORDS words; a size past it makes the kernel read
    // our stack beyond (or fault), never write. The kernel checks the rest.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), option, size, rcv_size, w.reply, 0, 0) };
    let to_victim = dest == w.victim;
    if r == 0 && want_reply {
        let code = if b[1] >= 32 && b[6] == INTEGER_32_DESC.0 { b[7] } else { 0 };
        free_reply(w, &b);
        return (code, to_victim);
    }
    (r as u32, to_victim)
}

/// Frees the out-of-line memory of a received message (rights go at the
/// end of the round).
fn free_reply(w: &World, b: &[u32; BUF_WORDS]) {
    if b[0] & MACH_MSGH_BITS_COMPLEX == 0 {
        return;
    }
    let end = (b[1] as usize / 4).min(BUF_WORDS);
    let mut at = 6;
    while at < end {
        let d = MachMsgType(b[at]);
        let (size, number, hdr) = if d.is_longform() {
            if at + 2 >= end {
                return;
            }
            (b[at + 1] >> 16, b[at + 2], 3)
        } else {
            (d.size(), d.number(), 1)
        };
        at += hdr;
        if d.is_inline() {
            let bytes = (u64::from(size) * u64::from(number)).div_ceil(8);
            at += bytes.div_ceil(4) as usize;
        } else {
            if at >= end {
                return;
            }
            let bytes = (u64::from(size) * u64::from(number)).div_ceil(8).min(u64::from(u32::MAX)) as u32;
            if bytes > 0 {
                // SAFETY: memory the message brought us, unused.
                let _ = unsafe { mach_user::trap::syscall_vm_deallocate(w.task, b[at], bytes) };
            }
            at += 1;
        }
    }
}

/// The victim's thread gets a random register state (half of them at a
/// plausible place) and is resumed: it faults, loops or calls traps.
fn random_state(m: &mut Stubs, w: &World, rng: &mut Rng) -> u32 {
    strays(m, "random state");
    let mut state = [0u32; 17];
    for x in state.iter_mut() {
        *x = rng.next();
    }
    if rng.one_in(2) {
        state[12] = victim_body as *const () as usize as u32 + rng.below(64);
        state[15] = 0xBFFF_0000 + rng.below(0x1_0000);
    }
    if tracing() {
        uprintln!("{}: state {:08x?}", NAME, state);
    }
    let r = match mach::thread_set_state(m, w.victim_thread, 1, &state) {
        Ok(()) => 0,
        Err(e) => e as u32,
    };
    let _ = mach::thread_resume(m, w.victim_thread);
    r
}

/// Trap numbers of GNU Mach's table (0 .. -129) with the real ones weighted.
const TRAPS: [i32; 16] = [-26, -27, -28, -29, -59, -60, -61, -64, -65, -66, -68, -70, -72, -73, -74, -76];

fn random_trap(w: &World, rng: &mut Rng) -> u32 {
    let trap = if rng.one_in(3) { -(rng.below(130) as i32) } else { rng.pick(&TRAPS) };
    let mut a = [0u32; 11];
    for x in a.iter_mut() {
        *x = match rng.below(5) {
            0 => item_name(w, rng),
            1 => ool_addr(w, rng),
            2 => w.victim,
            _ => number(rng),
        };
    }
    // Never ourselves (a trap could end or suspend this task) nor a name
    // we keep (a trap could give it to the victim, whose ports could then
    // send to it), never our state (thread_set_self_state), no long waits,
    // no text to print.
    for x in a.iter_mut() {
        if *x == w.task || *x == w.thread || *x == OWN || w.baseline.binary_search(x).is_ok() {
            *x = w.victim;
        }
    }
    match trap {
        -25 | -30 | -77 => return 0,
        -59 | -61 => {
            a[2] %= 30;
            if a[1] == 2 {
                a[2] %= 5;
            }
        }
        // task_create: the child's name lands in our buffer; it is ended
        // with the round (its name is not in the baseline).
        -68 => a[2] = w.buffer + 3 * 4096,
        _ => {}
    }
    if tracing() {
        uprintln!("{}: trap {} {:08x?}", NAME, trap, a);
    }
    // SAFETY: the kernel checks every pointer argument; none names our own
    // task or thread.
    unsafe { raw_trap(trap, &a) }
}

/// Trap `number` with the 11 words of `a` as its arguments.
///
/// # Safety
/// The trap may write where its arguments point.
unsafe fn raw_trap(number: i32, a: &[u32; 11]) -> u32 {
    let r: u32;
    // SAFETY: the caller's; the stack gets the words and a dummy return
    // address, as a stub call would leave them, and is restored.
    unsafe {
        core::arch::asm!(
            "sub esp, 48",
            "mov ecx, 0",
            "2:",
            "mov edx, [edi + ecx * 4]",
            "mov [esp + 4 + ecx * 4], edx",
            "inc ecx",
            "cmp ecx, 11",
            "jne 2b",
            "mov dword ptr [esp], 0",
            ".byte 0x9a",
            ".long 0",
            ".short 7",
            "add esp, 48",
            in("edi") a.as_ptr(),
            inout("eax") number => r,
            out("ecx") _,
            out("edx") _,
        );
    }
    r
}

entry!(main);
