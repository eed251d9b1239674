//! `faults`: tasks left waiting on something that never comes, then
//! terminated (issue 16, faults). Each case must leave the kernel working,
//! the terminating caller must get its answer, and the leak check after the
//! boot tasks end must hold.
//!
//! - An external pager that never answers: a child task maps our memory
//!   object with `vm_map`; three of its threads wait on it, one touching the
//!   memory, one in `mach_print` from it (a kernel copy), one in `vm_read`
//!   of it. Three pagers: one silent from the start (no
//!   `memory_object_ready`), one that answers `ready` and then no
//!   `data_request`, one that dies (its port destroyed) at the first
//!   `data_request`. The child is terminated; the silent pagers then get
//!   `memory_object_terminate`.
//! - A task killed in the middle of a device request: a child task loops on
//!   `device_read` (4 MiB), `device_write` (1 MiB), or keeps asynchronous
//!   reads or writes (`device_read_request`, `device_write_request`) in
//!   flight, and is terminated after 1 to 60 ms; a page shared with it says
//!   whether a request was in flight. Then the disk reads back: its first
//!   16 MiB unchanged (each record starts with its number), each record of
//!   the written area either old or whole new.
//!
//! Boot-script line: `/faults ${device-port} $(task-create) $(task-resume)`,
//! with a 24 MiB `hd0` whose records start with their numbers. Run with
//! `test=bootstrap`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, device_request as dr, mach, mach_port, memory_object_server as mos, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_print, mach_task_self, thread_switch, SWITCH_OPTION_WAIT};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "faults";
const PAGE: u32 = 4096;
const STACK: u32 = 16 * PAGE;
/// Where the child maps the pager's object.
const MAP_AT: u32 = 0x6000_0000;
const MAP_PAGES: u32 = 8;
/// The name the child's device right gets.
const DEV_NAME: u32 = 0x777;
/// The written area: records 32768.. (16 MiB on), 1 MiB per write.
const WRITE_REC: u32 = 32768;
const WRITE_BYTES: u32 = 1 << 20;
/// The first word of every record a child writes.
const WRITTEN: u32 = 0xD15C_0000;
const MEMORY_OBJECT_COPY_NONE: u32 = 1;

/// Stacks of the children (four per child task, inherited copy-on-write).
static STACKS: AtomicU32 = AtomicU32::new(0);
/// A page shared with the device children: [started, done] requests.
static SHARED: AtomicU32 = AtomicU32::new(0);
/// The buffer device_write children write.
static WBUF: AtomicU32 = AtomicU32::new(0);

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let stacks = mach::vm_allocate(&mut m, task, 0, 4 * STACK, 1).map_err(|_| "stacks")?.address;
    STACKS.store(stacks, Ordering::SeqCst);
    for p in [Pager::Silent, Pager::ReadyThenSilent, Pager::Dies] {
        pager_case(&mut m, task, p)?;
        alive(&mut m, task)?;
    }
    if let Some(master) = args.number(1) {
        device_cases(&mut m, task, master)?;
    }
    mach::vm_deallocate(&mut m, task, stacks, 4 * STACK).map_err(|_| "vm_deallocate stacks")?;
    Ok(())
}

fn sleep_ms(ms: u32) {
    // SAFETY: a trap without pointers.
    unsafe { thread_switch(0, SWITCH_OPTION_WAIT, ms) };
}

/// The kernel still serves memory: 16 fresh pages written and read back.
fn alive(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let a = mach::vm_allocate(m, task, 0, 16 * PAGE, 1).map_err(|_| "vm_allocate after the fault")?.address;
    for p in 0..16 {
        // SAFETY: our own fresh allocation.
        unsafe { core::ptr::write_volatile((a + p * PAGE) as *mut u32, p * 7) };
    }
    // SAFETY: as above.
    let ok = (0..16).all(|p| unsafe { core::ptr::read_volatile((a + p * PAGE) as *const u32) } == p * 7);
    mach::vm_deallocate(m, task, a, 16 * PAGE).map_err(|_| "vm_deallocate")?;
    expect(ok, "fresh memory read back wrong")
}

// ---- Pagers that never answer ----

extern "C" fn touch_child() -> ! {
    // SAFETY: the pager's mapping; the fault waits for it.
    let w = unsafe { core::ptr::read_volatile(MAP_AT as *const u32) };
    loop {
        core::hint::black_box(w);
        sleep_ms(1000);
    }
}

extern "C" fn print_child() -> ! {
    // SAFETY: the kernel copies the string in from the pager's mapping.
    unsafe { mach_print((MAP_AT + 2 * PAGE) as *const u8) };
    loop {
        sleep_ms(1000);
    }
}

extern "C" fn vm_read_child() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let _ = mach::vm_read(&mut m, task, MAP_AT + 4 * PAGE, 2 * PAGE);
    loop {
        sleep_ms(1000);
    }
}

/// A child task (a copy of us) whose threads run `entries`, each on its own stack.
fn spawn(m: &mut Mach, task: u32, entries: &[extern "C" fn() -> !], setup: impl FnOnce(&mut Mach, u32) -> Result<(), &'static str>) -> Result<u32, &'static str> {
    let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
    setup(m, child)?;
    let stacks = STACKS.load(Ordering::SeqCst);
    for (i, &e) in entries.iter().enumerate() {
        let th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
        let mut state = [0u32; 17];
        state[12] = e as usize as u32;
        state[15] = stacks + (i as u32 + 1) * STACK - 16;
        mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
        mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
        mach_port::mach_port_deallocate(m, task, th).map_err(|_| "deallocate thread")?;
    }
    Ok(child)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Pager {
    /// Never answers anything (no `memory_object_ready`).
    Silent,
    /// Answers `memory_object_init` with `ready`, then nothing.
    ReadyThenSilent,
    /// Answers `ready`, and its port dies at the first `data_request`.
    Dies,
}

/// What the pager saw.
#[derive(Default)]
struct Seen {
    inits: u32,
    requests: u32,
    terminates: u32,
    control: u32,
    name: u32,
}

struct PagerServer<'a> {
    m: &'a mut Mach,
    mode: Pager,
    seen: &'a mut Seen,
}

impl mos::MemoryObjectServer for PagerServer<'_> {
    fn memory_object_init(&mut self, req: mos::MemoryObjectInitRequest) -> Result<(), i32> {
        self.seen.inits += 1;
        self.seen.control = req.memory_control;
        self.seen.name = req.memory_object_name;
        if self.mode != Pager::Silent {
            mach::memory_object_ready(self.m, req.memory_control, 0, MEMORY_OBJECT_COPY_NONE)?;
        }
        Ok(())
    }

    fn memory_object_data_request(&mut self, _: mos::MemoryObjectDataRequestRequest) -> Result<(), i32> {
        self.seen.requests += 1;
        Ok(())
    }

    fn memory_object_terminate(&mut self, req: mos::MemoryObjectTerminateRequest) -> Result<(), i32> {
        self.seen.terminates += 1;
        self.seen.control = req.memory_control;
        self.seen.name = req.memory_object_name;
        Ok(())
    }
}

/// Receives and serves one message on `port` within `ms`; false on a timeout.
fn serve_one(port: u32, server: &mut PagerServer) -> bool {
    let mut req = rt::MsgBuf::<512>::new();
    let mut reply = rt::MsgBuf::<512>::new();
    // SAFETY: a 512-byte receive buffer.
    let r = unsafe { mach_msg_trap(req.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 512, port, 300, 0) };
    if r != 0 {
        return false;
    }
    let _ = mos::memory_object_server(server, &req.0, &mut reply.0);
    true
}

fn pager_case(m: &mut Mach, task: u32, mode: Pager) -> Result<(), &'static str> {
    let obj = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate object")?.name;
    mach_port::mach_port_insert_right(m, task, obj, rt::PolyPort { name: obj, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    let child = spawn(m, task, &[touch_child, print_child, vm_read_child], |m, child| {
        mach::vm_map(m, child, MAP_AT, MAP_PAGES * PAGE, 0, 0, obj, 0, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, 1)
            .map(|_| ())
            .map_err(|_| "vm_map of the pager's object")
    })?;
    // Our send right is no longer needed: the child's map holds the object.
    mach_port::mach_port_deallocate(m, task, obj).map_err(|_| "deallocate object send")?;
    let mut seen = Seen::default();
    let mut s = PagerServer { m: &mut Mach::new(), mode, seen: &mut seen };
    let mut dead = false;
    // Up to 2 s for init and the three threads' requests.
    for _ in 0..7 {
        if !serve_one(obj, &mut s) {
            continue;
        }
        if mode == Pager::Dies && s.seen.requests > 0 {
            // The pager dies with requests outstanding.
            mach_port::mach_port_destroy(m, task, obj).map_err(|_| "destroy object")?;
            dead = true;
            break;
        }
        if mode == Pager::Silent || s.seen.requests >= 3 {
            break;
        }
    }
    expect(s.seen.inits == 1, "the kernel did not send memory_object_init")?;
    expect(mode == Pager::Silent || s.seen.requests >= 1, "no data_request came")?;
    sleep_ms(50);
    // The threads wait (or, after the pager died, have been refused): the
    // task ends either way, and this call answers.
    mach::task_terminate(m, child).map_err(|_| "task_terminate of the waiting child")?;
    mach_port::mach_port_deallocate(m, task, child).map_err(|_| "deallocate child")?;
    if !dead {
        // The last mapping went with the task: memory_object_terminate,
        // with the control and name receive rights.
        for _ in 0..10 {
            if s.seen.terminates > 0 || !serve_one(obj, &mut s) {
                continue;
            }
        }
        expect(s.seen.terminates == 1, "no memory_object_terminate after the task ended")?;
        mach_port::mach_port_destroy(m, task, obj).map_err(|_| "destroy object")?;
    }
    let (requests, terminated) = (s.seen.requests, s.seen.terminates);
    for n in [s.seen.control, s.seen.name] {
        let _ = mach_port::mach_port_destroy(m, task, n);
    }
    uprintln!("{}: pager {:?}: {} data requests; task with 3 waiting threads terminated; terminate {}", NAME, mode, requests, terminated);
    Ok(())
}

// ---- Tasks killed in the middle of a device request ----

fn counters() -> (&'static AtomicU32, &'static AtomicU32) {
    let p = SHARED.load(Ordering::SeqCst) as *const AtomicU32;
    // SAFETY: a page shared with the parent, live for the whole run.
    unsafe { (&*p, &*p.add(1)) }
}

extern "C" fn read_child() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let (started, done) = counters();
    loop {
        started.fetch_add(1, Ordering::SeqCst);
        if let Ok(r) = ds::device_read(&mut m, DEV_NAME, 0, 0, 4 << 20) {
            let _ = mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count);
        }
        done.fetch_add(1, Ordering::SeqCst);
    }
}

extern "C" fn write_child() -> ! {
    let mut m = Mach::new();
    let (started, done) = counters();
    let buf = WBUF.load(Ordering::SeqCst);
    loop {
        started.fetch_add(1, Ordering::SeqCst);
        let _ = ds::device_write(&mut m, DEV_NAME, 0, WRITE_REC, rt::Ool { addr: buf, count: WRITE_BYTES, dealloc: false });
        done.fetch_add(1, Ordering::SeqCst);
    }
}

/// Keeps eight asynchronous requests (reads, or writes with `WRITE`) in
/// flight, taking each reply as it comes.
fn async_child<const WRITE: bool>() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let (started, done) = counters();
    let Ok(reply) = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else {
        loop {
            sleep_ms(1000);
        }
    };
    let buf = WBUF.load(Ordering::SeqCst);
    let send = |m: &mut Mach| {
        started.fetch_add(1, Ordering::SeqCst);
        if WRITE {
            let _ = dr::device_write_request(m, DEV_NAME, reply, 0, WRITE_REC, rt::Ool { addr: buf, count: WRITE_BYTES / 2, dealloc: false });
        } else {
            let _ = dr::device_read_request(m, DEV_NAME, reply, 0, 0, 1 << 20);
        }
    };
    for _ in 0..8 {
        send(&mut m);
    }
    let mut b = rt::MsgBuf::<128>::new();
    loop {
        // SAFETY: a 128-byte receive buffer; read replies bring out-of-line
        // data we leave mapped (the task's end takes it).
        let r = unsafe { mach_msg_trap(b.0.as_mut_ptr().cast(), MACH_RCV_MSG, 0, 128, reply, 0, 0) };
        if r == 0 {
            done.fetch_add(1, Ordering::SeqCst);
            send(&mut m);
        }
    }
}

extern "C" fn async_read_child() -> ! {
    async_child::<false>()
}

extern "C" fn async_write_child() -> ! {
    async_child::<true>()
}

fn device_cases(m: &mut Mach, task: u32, master: u32) -> Result<(), &'static str> {
    let hd = ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name("hd0")).map_err(|_| "device_open hd0")?.device;
    let shared = mach::vm_allocate(m, task, 0, PAGE, 1).map_err(|_| "vm_allocate shared")?.address;
    mach::vm_inherit(m, task, shared, PAGE, 0).map_err(|_| "vm_inherit share")?;
    SHARED.store(shared, Ordering::SeqCst);
    let buf = mach::vm_allocate(m, task, 0, WRITE_BYTES, 1).map_err(|_| "vm_allocate buffer")?.address;
    for r in 0..WRITE_BYTES / 512 {
        // SAFETY: our own buffer.
        unsafe { core::ptr::write_volatile((buf + r * 512) as *mut u32, WRITTEN | r) };
    }
    WBUF.store(buf, Ordering::SeqCst);
    let kinds: [(&str, extern "C" fn() -> !); 4] =
        [("device_read", read_child), ("device_write", write_child), ("device_read_request", async_read_child), ("device_write_request", async_write_child)];
    let (mut kills, mut in_flight) = (0, 0);
    for (what, entry) in kinds {
        let mut mid = 0;
        for delay in [1u32, 5, 20, 60] {
            let (started, done) = counters();
            started.store(0, Ordering::SeqCst);
            done.store(0, Ordering::SeqCst);
            let child = spawn(m, task, &[entry], |m, child| {
                mach_port::mach_port_insert_right(m, child, DEV_NAME, rt::PolyPort { name: hd, disposition: MACH_MSG_TYPE_COPY_SEND }).map_err(|_| "insert the device right")
            })?;
            sleep_ms(delay);
            let (s0, d0) = (started.load(Ordering::SeqCst), done.load(Ordering::SeqCst));
            mach::task_terminate(m, child).map_err(|_| "task_terminate mid-request")?;
            mach_port::mach_port_deallocate(m, task, child).map_err(|_| "deallocate child")?;
            kills += 1;
            if s0 > d0 {
                mid += 1;
            }
        }
        uprintln!("{}: {}: 4 tasks killed, {} with a request in flight", NAME, what, mid);
        in_flight += mid;
    }
    expect(in_flight >= 4, "too few tasks were killed with a request in flight")?;
    // The disk goes on: the first 16 MiB as they were, the written area
    // old or new record by record.
    for (rec, bytes) in [(0u32, 16u32 << 20), (WRITE_REC, 8 << 20)] {
        let r = ds::device_read(m, hd, 0, rec, bytes).map_err(|_| "device_read after the kills")?;
        expect(r.data.count == bytes, "short read after the kills")?;
        let mut wrong = 0;
        for i in 0..bytes / 512 {
            // SAFETY: the reply's out-of-line data, mapped for us.
            let w = unsafe { core::ptr::read_volatile((r.data.addr + i * 512) as *const u32) };
            let n = rec + i;
            let new = rec == WRITE_REC && i < WRITE_BYTES / 512 && w == WRITTEN | i;
            if w != n && !new {
                wrong += 1;
            }
        }
        mach::vm_deallocate(m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate data")?;
        if wrong != 0 {
            uprintln!("{}: {} records wrong from record {}", NAME, wrong, rec);
            return Err("the disk holds wrong data after the kills");
        }
    }
    ds::device_close(m, hd).map_err(|_| "device_close")?;
    mach_port::mach_port_deallocate(m, task, hd).map_err(|_| "deallocate hd0")?;
    mach::vm_deallocate(m, task, shared, PAGE).map_err(|_| "vm_deallocate shared")?;
    mach::vm_deallocate(m, task, buf, WRITE_BYTES).map_err(|_| "vm_deallocate buffer")?;
    uprintln!("{}: {} tasks killed mid-request ({} in flight), the disk reads back right", NAME, kills, in_flight);
    Ok(())
}

entry!(main);
