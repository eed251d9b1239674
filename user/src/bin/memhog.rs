//! `memhog`: memory pressure. With a default pager (`defpager`), it fills
//! more anonymous memory than the machine has free, each page repeating its
//! own word, then reads every page back: the kernel must have paged pages
//! out to the pager and in again (vm_statistics pageouts and pageins), and
//! no byte may be lost. Memory shared with a child task (`VM_INHERIT_SHARE`,
//! an anonymous memory object) goes to the pager too and comes back intact.
//! It then wires a range (`vm_wire`), which stays resident, and terminates
//! the pager task.
//!
//! With `nopager` instead, it touches memory until the kernel refuses a
//! page: the fault becomes EXC_BAD_ACCESS with KERN_RESOURCE_SHORTAGE for
//! its exception handler, and the task ends; the kernel goes on.
//!
//! With `killpager` after the pager's task port, a child task does the
//! filling; once the kernel has paged out 64 pages, memhog terminates the
//! default pager in the middle of the page-out. The child is then
//! terminated whatever it was waiting for (pages gone with the pager), and
//! fresh memory still works; memhog wires its own memory first
//! (`vm_wire_all`), so none of it waits on the dead pager.
//!
//! Boot-script lines: `/memhog ${host-port} ${pager} $(task-create) $(task-resume)`,
//! `/memhog ${host-port} ${pager} killpager $(task-create) $(task-resume)`
//! or `/memhog ${host-port} nopager $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{exc_server as es, gnumach, mach, mach_host, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "memhog";
const PAGE: u32 = 4096;
const KERN_RESOURCE_SHORTAGE: u32 = 6;

fn word(page: u32) -> u32 {
    page.wrapping_mul(0x9E37_79B9) ^ 0x5A5A_0000
}

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    // GNU Mach (2026) limits a task to the machine's memory by default; this
    // program touches more, so it raises its limit with the privileged host
    // port first, as a GNU Mach program must.
    if let Some(host_priv) = args.number(1) {
        // SAFETY: no arguments.
        let task = unsafe { mach_task_self() };
        if gnumach::vm_set_size_limit(&mut Mach::new(), host_priv, task, u32::MAX, u32::MAX).is_err() {
            uprintln!("user-test: {} FAILED: vm_set_size_limit", NAME);
            return 0;
        }
    }
    let r = match args.arg_str(2) {
        Some("nopager") => exhaust(),
        _ if args.arg_str(3) == Some("killpager") => kill_pager(args),
        _ => pressure(args),
    };
    match r {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

/// Sleeps about `ms` milliseconds in a receive timeout.
fn sleep(m: &mut Mach, task: u32, ms: u32) {
    if let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) {
        let mut buf = rt::MsgBuf::<64>::new();
        // SAFETY: a 64-byte buffer; nothing is sent to `port`.
        unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, ms, 0) };
        let _ = mach_port::mach_port_destroy(m, task, port);
    }
}

fn pressure(args: &Args) -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let host_priv = args.number(1).ok_or("argv[1] is not the host port")?;
    let pager_task = args.number(2).ok_or("argv[2] is not the pager's task port")?;
    // Wait for the default pager to register.
    let mut tries = 0;
    loop {
        let cur = mach::vm_set_default_memory_manager(&mut m, host_priv, 0).map_err(|_| "vm_set_default_memory_manager")?.default_manager;
        if cur != 0 {
            let _ = mach_port::mach_port_deallocate(&mut m, task, cur);
            break;
        }
        tries += 1;
        expect(tries < 200, "no default pager registered")?;
        sleep(&mut m, task, 10);
    }
    // 2 MiB shared with a child: an anonymous memory object.
    const SHARED: u32 = 512;
    let sh = mach::vm_allocate(&mut m, task, 0, SHARED * PAGE, 1).map_err(|_| "vm_allocate shared")?.address;
    for p in 0..SHARED {
        // SAFETY: our own allocation.
        unsafe { core::slice::from_raw_parts_mut((sh + p * PAGE) as *mut u32, PAGE as usize / 4).fill(word(0x10_0000 + p)) };
    }
    mach::vm_inherit(&mut m, task, sh, SHARED * PAGE, 0).map_err(|_| "vm_inherit share")?;
    let child = mach::task_create(&mut m, task, 1).map_err(|_| "task_create")?.child_task;
    let stats = |m: &mut Mach| mach::vm_statistics(m, task).map(|s| s.vm_stats).unwrap_or([0; 13]);
    let s0 = stats(&mut m);
    // Free memory and 8 MiB more.
    let pages = s0[1] + 2048;
    let size = pages * PAGE;
    let at = mach::vm_allocate(&mut m, task, 0, size, 1).map_err(|_| "vm_allocate")?.address;
    uprintln!("{}: filling {} MiB with {} MiB free", NAME, size >> 20, (s0[1] * PAGE) >> 20);
    for p in 0..pages {
        let w = word(p);
        // SAFETY: our own allocation.
        let s = unsafe { core::slice::from_raw_parts_mut((at + p * PAGE) as *mut u32, PAGE as usize / 4) };
        s.fill(w);
    }
    let mut bad = 0;
    for p in 0..pages {
        let w = word(p);
        // SAFETY: as above.
        let s = unsafe { core::slice::from_raw_parts((at + p * PAGE) as *const u32, PAGE as usize / 4) };
        if s.iter().any(|&x| x != w) {
            bad += 1;
        }
    }
    let mut bad_shared = 0;
    for p in 0..SHARED {
        // SAFETY: our own shared allocation.
        let s = unsafe { core::slice::from_raw_parts((sh + p * PAGE) as *const u32, PAGE as usize / 4) };
        if s.iter().any(|&x| x != word(0x10_0000 + p)) {
            bad_shared += 1;
        }
    }
    uprintln!("{}: shared memory checked, {} pages wrong", NAME, bad_shared);
    expect(bad_shared == 0, "shared pages came back wrong")?;
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate child")?;
    let s1 = stats(&mut m);
    let (outs, ins) = (s1[8] - s0[8], s1[7] - s0[7]);
    uprintln!("{}: {} pages checked, {} wrong; {} pageouts, {} pageins", NAME, pages, bad, outs, ins);
    expect(bad == 0, "pages came back wrong")?;
    expect(outs > 0 && ins > 0, "nothing was paged out and in")?;
    // vm_wire: a wired range is resident and stays so under pressure.
    mach_host::vm_wire(&mut m, host_priv, task, at, 16 * PAGE, VM_PROT_READ | VM_PROT_WRITE).map_err(|_| "vm_wire")?;
    expect(mach_host::vm_wire(&mut m, host_priv, task, 0xB000_0000, PAGE, VM_PROT_READ).err() == Some(KERN_INVALID_ADDRESS), "wiring a hole")?;
    mach::vm_deallocate(&mut m, task, at, size).map_err(|_| "vm_deallocate")?;
    mach::task_terminate(&mut m, pager_task).map_err(|_| "task_terminate pager")?;
    Ok(())
}

/// The child's fill: its region's address and size in pages.
static FILL_AT: AtomicU32 = AtomicU32::new(0);
static FILL_PAGES: AtomicU32 = AtomicU32::new(0);

/// Fills the region page by page, then reads it over and over.
extern "C" fn fill_child() -> ! {
    let (at, pages) = (FILL_AT.load(Ordering::SeqCst), FILL_PAGES.load(Ordering::SeqCst));
    for p in 0..pages {
        // SAFETY: the region inherited from the parent (copy-on-write).
        unsafe { core::slice::from_raw_parts_mut((at + p * PAGE) as *mut u32, PAGE as usize / 4).fill(word(p)) };
    }
    loop {
        for p in 0..pages {
            // SAFETY: as above.
            core::hint::black_box(unsafe { core::ptr::read_volatile((at + p * PAGE) as *const u32) });
        }
    }
}

/// The default pager terminated during page-out (see the module doc).
fn kill_pager(args: &Args) -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let host_priv = args.number(1).ok_or("argv[1] is not the host port")?;
    let pager_task = args.number(2).ok_or("argv[2] is not the pager's task port")?;
    let mut tries = 0;
    loop {
        let cur = mach::vm_set_default_memory_manager(&mut m, host_priv, 0).map_err(|_| "vm_set_default_memory_manager")?.default_manager;
        if cur != 0 {
            let _ = mach_port::mach_port_deallocate(&mut m, task, cur);
            break;
        }
        tries += 1;
        expect(tries < 200, "no default pager registered")?;
        sleep(&mut m, task, 10);
    }
    let stats = |m: &mut Mach| mach::vm_statistics(m, task).map(|s| s.vm_stats).unwrap_or([0; 13]);
    let s0 = stats(&mut m);
    let pages = s0[1] + 2048;
    // Not touched here: the child's copy is its own.
    let at = mach::vm_allocate(&mut m, task, 0, pages * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    FILL_AT.store(at, Ordering::SeqCst);
    FILL_PAGES.store(pages, Ordering::SeqCst);
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * PAGE, 1).map_err(|_| "stack")?.address;
    let child = mach::task_create(&mut m, task, 1).map_err(|_| "task_create")?.child_task;
    mach::vm_deallocate(&mut m, task, at, pages * PAGE).map_err(|_| "vm_deallocate")?;
    // Our own memory, now and later, stays resident (the child, made
    // before, is not wired).
    mach_user::mig::gnumach::vm_wire_all(&mut m, host_priv, task, 3).map_err(|_| "vm_wire_all")?;
    let e = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    mach::task_set_special_port(&mut m, child, TASK_EXCEPTION_PORT, e).map_err(|_| "task_set_special_port")?;
    let th = mach::thread_create(&mut m, child).map_err(|_| "thread_create")?.child_thread;
    let mut state = [0u32; 17];
    state[12] = fill_child as *const () as usize as u32;
    state[15] = stack + 8 * PAGE - 16;
    mach::thread_set_state(&mut m, th, 1, &state).map_err(|_| "thread_set_state")?;
    mach::thread_resume(&mut m, th).map_err(|_| "thread_resume")?;
    uprintln!("{}: a child fills {} MiB with {} MiB free", NAME, (pages * PAGE) >> 20, (s0[1] * PAGE) >> 20);
    let mut outs = 0;
    for _ in 0..3000 {
        outs = stats(&mut m)[8] - s0[8];
        if outs >= 64 {
            break;
        }
        sleep(&mut m, task, 10);
    }
    expect(outs >= 64, "nothing was paged out")?;
    mach::task_terminate(&mut m, pager_task).map_err(|_| "task_terminate pager")?;
    uprintln!("{}: default pager terminated after {} pageouts", NAME, outs);
    // The child goes on as far as it can; an exception may come (its pages
    // went with the pager, or none is left).
    let mut b = rt::MsgBuf::<256>::new();
    // SAFETY: a 256-byte receive buffer.
    let r = unsafe { mach_msg_trap(b.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, e, 1500, 0) };
    if r == 0 {
        let w = |i: usize| u32::from_le_bytes([b.0[4 * i], b.0[4 * i + 1], b.0[4 * i + 2], b.0[4 * i + 3]]);
        uprintln!("{}: the child's exception {} code {}", NAME, w(11), w(13));
        for i in [7, 9, 2] {
            let _ = mach_port::mach_port_deallocate(&mut m, task, w(i));
        }
    } else {
        uprintln!("{}: the child raised no exception", NAME);
    }
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate child")?;
    for n in [th, child, pager_task] {
        mach_port::mach_port_deallocate(&mut m, task, n).map_err(|_| "deallocate")?;
    }
    mach_port::mach_port_destroy(&mut m, task, e).map_err(|_| "destroy")?;
    mach::vm_deallocate(&mut m, task, stack, 8 * PAGE).map_err(|_| "vm_deallocate stack")?;
    // Memory works without a pager: 4 MiB touched and read back.
    let a = mach::vm_allocate(&mut m, task, 0, 1024 * PAGE, 1).map_err(|_| "vm_allocate after")?.address;
    for p in 0..1024 {
        // SAFETY: our own fresh allocation.
        unsafe { core::ptr::write_volatile((a + p * PAGE) as *mut u32, word(p)) };
    }
    // SAFETY: as above.
    let bad = (0..1024).filter(|&p| unsafe { core::ptr::read_volatile((a + p * PAGE) as *const u32) } != word(p)).count();
    mach::vm_deallocate(&mut m, task, a, 1024 * PAGE).map_err(|_| "vm_deallocate after")?;
    uprintln!("{}: after the pager's death 4 MiB read back, {} pages wrong", NAME, bad);
    expect(bad == 0, "memory read back wrong")
}

static EXC_PORT: AtomicU32 = AtomicU32::new(0);
static TOUCHED: AtomicU32 = AtomicU32::new(0);

struct Handler;

impl es::ExcServer for Handler {
    fn exception_raise(&mut self, req: es::ExceptionRaiseRequest) -> Result<(), i32> {
        uprintln!(
            "{}: exception {} code {} after {} MiB",
            NAME,
            req.exception,
            req.code,
            (TOUCHED.load(Ordering::SeqCst) * PAGE) >> 20
        );
        if req.exception == EXC_BAD_ACCESS && req.code == KERN_RESOURCE_SHORTAGE {
            uprintln!("user-test: {} ok", NAME);
        } else {
            uprintln!("user-test: {} FAILED: unexpected exception", NAME);
        }
        // Refused: the kernel ends the task.
        Err(KERN_FAILURE)
    }
}

extern "C" fn handler_thread() -> ! {
    mach_user::mig::serve_forever(EXC_PORT.load(Ordering::SeqCst), |req, reply| es::exc_server(&mut Handler, req, reply))
}

/// Touches memory until the kernel has no page left for it.
fn exhaust() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let e = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    EXC_PORT.store(e, Ordering::SeqCst);
    mach::task_set_special_port(&mut m, task, TASK_EXCEPTION_PORT, e).map_err(|_| "task_set_special_port")?;
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * PAGE, 1).map_err(|_| "stack")?.address;
    // Its stack is touched now, before memory runs out.
    // SAFETY: our own fresh pages.
    unsafe { core::slice::from_raw_parts_mut(stack as *mut u8, 8 * PAGE as usize).fill(0) };
    mach_user::start_thread(&mut m, handler_thread, stack, 8 * PAGE)?;
    let size = 1u32 << 30;
    let at = mach::vm_allocate(&mut m, task, 0, size, 1).map_err(|_| "vm_allocate 1 GiB")?.address;
    uprintln!("{}: touching memory until it runs out", NAME);
    for p in 0..size / PAGE {
        // SAFETY: our own allocation; a fault the kernel cannot serve goes
        // to the handler, which ends the task.
        unsafe { core::ptr::write_volatile((at + p * PAGE) as *mut u32, p) };
        TOUCHED.store(p + 1, Ordering::SeqCst);
    }
    Err("1 GiB of memory was touched without running out")
}

entry!(main);
