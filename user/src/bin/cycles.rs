//! `cycles`: task create/terminate cycles back to the baseline (issue 16,
//! load). Each cycle makes a child task (a copy of us) with three running
//! threads, eight receive rights (its threads make send rights for their
//! messages) and a port set, 256 KiB
//! of memory with a page written into it by `vm_write`, and `hd0` opened
//! for it (its only send right is the child's); the threads send messages
//! to their own ports and read the disk. Then the task is terminated.
//! After a warm-up cycle the free pages and our own names are taken as the
//! baseline; after N cycles both must be back (pages within the few the
//! kernel heap may keep for its size classes), and the kernel's leak check
//! after the boot task ends holds the rest.
//!
//! Boot-script line: `/cycles ${device-port} N $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self, thread_switch, SWITCH_OPTION_WAIT};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "cycles";
const PAGE: u32 = 4096;
const STACK: u32 = 8 * PAGE;
const THREADS: u32 = 3;
/// The child's name for hd0, and the first of its eight ports.
const DEV_NAME: u32 = 0x600;
const PORT0: u32 = 0x610;
/// Free pages may differ by this much (kernel heap size-class pages).
const SLACK: u32 = 8;

static STACKS: AtomicU32 = AtomicU32::new(0);
/// Shared with the children: messages sent and disk reads done.
static SHARED: AtomicU32 = AtomicU32::new(0);

fn counters() -> &'static [AtomicU32; 2] {
    // SAFETY: a page shared with the children for the whole run.
    unsafe { &*(SHARED.load(Ordering::SeqCst) as *const [AtomicU32; 2]) }
}

extern "C" fn worker() -> ! {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let c = counters();
    let mut i = 0u32;
    loop {
        let port = PORT0 + i % 8;
        let mut b = [MACH_MSG_TYPE_MAKE_SEND, 24, port, 0, 0, 77];
        // SAFETY: a 24-byte message to one of the task's own ports (its
        // queue may be full: the send times out at once then).
        if unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 24, 0, 0, 0, 0) } == 0 {
            c[0].fetch_add(1, Ordering::SeqCst);
        }
        if let Ok(r) = ds::device_read(&mut m, DEV_NAME, 0, i % 64, 4096) {
            c[1].fetch_add(1, Ordering::SeqCst);
            let _ = mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count);
        }
        i += 1;
        // SAFETY: a trap without pointers.
        unsafe { thread_switch(0, SWITCH_OPTION_WAIT, 1) };
    }
}

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// Free pages and the names in our space.
fn baseline(m: &mut Mach, task: u32) -> Result<(u32, u32), &'static str> {
    let free = mach::vm_statistics(m, task).map_err(|_| "vm_statistics")?.vm_stats[1];
    let names = mach_port::mach_port_names(m, task).map_err(|_| "mach_port_names")?;
    let n = names.names.count;
    mach::vm_deallocate(m, task, names.names.addr, n * 4).map_err(|_| "vm_deallocate")?;
    mach::vm_deallocate(m, task, names.types.addr, names.types.count * 4).map_err(|_| "vm_deallocate")?;
    Ok((free, n))
}

fn cycle(m: &mut Mach, task: u32, master: u32, page: u32) -> Result<(), &'static str> {
    let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
    for i in 0..8 {
        mach_port::mach_port_allocate_name(m, child, MACH_PORT_RIGHT_RECEIVE, PORT0 + i).map_err(|_| "mach_port_allocate_name")?;
    }
    let set = mach_port::mach_port_allocate(m, child, MACH_PORT_RIGHT_PORT_SET).map_err(|_| "port set")?.name;
    mach_port::mach_port_move_member(m, child, PORT0, set).map_err(|_| "move_member")?;
    let mem = mach::vm_allocate(m, child, 0, 64 * PAGE, 1).map_err(|_| "vm_allocate in the child")?.address;
    mach::vm_write(m, child, mem + 8 * PAGE, rt::Ool { addr: page, count: PAGE, dealloc: false }).map_err(|_| "vm_write")?;
    let hd = ds::device_open(m, master, D_READ, &mach_user::device_name("hd0")).map_err(|_| "device_open")?.device;
    mach_port::mach_port_insert_right(m, child, DEV_NAME, rt::PolyPort { name: hd, disposition: MACH_MSG_TYPE_MOVE_SEND }).map_err(|_| "give hd0")?;
    let stacks = STACKS.load(Ordering::SeqCst);
    for i in 0..THREADS {
        let th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
        let mut state = [0u32; 17];
        state[12] = worker as *const () as usize as u32;
        state[15] = stacks + (i + 1) * STACK - 16;
        mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
        mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
        mach_port::mach_port_deallocate(m, task, th).map_err(|_| "deallocate thread")?;
    }
    // SAFETY: a trap without pointers.
    unsafe { thread_switch(0, SWITCH_OPTION_WAIT, 3) };
    mach::task_terminate(m, child).map_err(|_| "task_terminate")?;
    mach_port::mach_port_deallocate(m, task, child).map_err(|_| "deallocate child")?;
    Ok(())
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let n = args.number(2).ok_or("argv[2] is not a count")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let stacks = mach::vm_allocate(&mut m, task, 0, THREADS * STACK, 1).map_err(|_| "stacks")?.address;
    STACKS.store(stacks, Ordering::SeqCst);
    let shared = mach::vm_allocate(&mut m, task, 0, PAGE, 1).map_err(|_| "shared")?.address;
    mach::vm_inherit(&mut m, task, shared, PAGE, 0).map_err(|_| "vm_inherit")?;
    SHARED.store(shared, Ordering::SeqCst);
    let page = mach::vm_allocate(&mut m, task, 0, PAGE, 1).map_err(|_| "page")?.address;
    // SAFETY: our own page.
    unsafe { core::ptr::write_volatile(page as *mut u32, 0xC1C1_E5) };
    // Touch what the cycles touch, then take the baseline.
    cycle(&mut m, task, master, page)?;
    let (free0, names0) = baseline(&mut m, task)?;
    for k in 0..n {
        cycle(&mut m, task, master, page)?;
        if (k + 1) % 250 == 0 {
            uprintln!("{}: {} cycles", NAME, k + 1);
        }
    }
    let (free1, names1) = baseline(&mut m, task)?;
    let c = counters();
    let (msgs, reads) = (c[0].load(Ordering::SeqCst), c[1].load(Ordering::SeqCst));
    uprintln!("{}: {} cycles ({} threads, {} messages, {} disk reads); free pages {} -> {}, our names {} -> {}", NAME, n, n * THREADS, msgs, reads, free0, free1, names0, names1);
    expect(names1 == names0, "our names did not come back to the baseline")?;
    expect(free1 + SLACK >= free0, "free pages did not come back to the baseline")?;
    expect(msgs > 0 && reads > 0, "the children did nothing")?;
    for a in [stacks, shared, page] {
        let size = if a == stacks { THREADS * STACK } else { PAGE };
        mach::vm_deallocate(&mut m, task, a, size).map_err(|_| "vm_deallocate")?;
    }
    Ok(())
}

entry!(main);
