//! `isolation`: what a task without privileges cannot do (issue 16).
//!
//! - Every routine GNU Mach's `.defs` gate behind the privileged host port,
//!   the device master port, a processor's port or a processor set's
//!   control port is called with the wrong ports (the ordinary host port,
//!   our task and thread ports, the processor set's name port, and a dead
//!   name), expecting GNU Mach's answers: `KERN_INVALID_HOST` for
//!   `host_priv_t` routines, `D_INVALID_OPERATION` for `device_open`,
//!   `KERN_INVALID_ARGUMENT` for `i386_io_perm_create` and the processor
//!   and processor-set routines, `MACH_SEND_INVALID_DEST` for the dead
//!   name. `vm_wire` through the ordinary host port stops at 8 MiB wired
//!   (`KERN_NO_ACCESS`). The same routines then work with the right ports
//!   (so the walk can fail).
//! - A child task that holds none of our rights tries every name in its
//!   space and 1..512 besides: `vm_read`, `vm_write`, `thread_get_state`
//!   (registers and FPU), `task_threads` and `mach_port_names` succeed only
//!   on its own task and threads; given a send right to one of our
//!   *threads*, it reads that thread's registers (what a thread port
//!   grants) but not our memory or ports.
//! - No kernel address is readable or writable: `vm_read`, `vm_write`,
//!   `vm_copy`, `vm_protect`, `vm_allocate`, `vm_map`, `vm_wire` and
//!   `vm_inherit` at 0xC0000000 and up answer `KERN_INVALID_ADDRESS`
//!   (`vm_region` there `KERN_NO_SPACE`); `mach_msg` with its buffer in the
//!   kernel half answers `MACH_SEND_INVALID_DATA` / `MACH_RCV_INVALID_DATA`,
//!   out-of-line data and port arrays there `MACH_SEND_INVALID_MEMORY`;
//!   trap arguments pointing there (`syscall_vm_allocate`,
//!   `syscall_mach_port_allocate`, `syscall_task_create`, `mach_print`,
//!   `thread_set_self_state`) `KERN_INVALID_ADDRESS`.
//!
//! Boot-script line: `/isolation ${host-port} ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, gnumach, mach, mach_host, mach_i386, mach_port, rt, Mach};
use mach_user::trap::*;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "isolation";
const PAGE: u32 = 4096;
const STACK: u32 = 16 * PAGE;
const KERN_NO_ACCESS: i32 = 8;
const KERN_FAILURE_: i32 = 5;
const KERN_NO_SPACE_: i32 = 3;
const RB_HALT: u32 = 8;
/// The kernel's half of the address space starts here.
const KERNEL: u32 = 0xC000_0000;
/// An address inside the kernel image.
const KTEXT: u32 = 0xC010_0000;

/// Mismatches seen (each printed).
static WRONG: AtomicU32 = AtomicU32::new(0);
/// Checks made.
static CHECKS: AtomicU32 = AtomicU32::new(0);

/// The code of a call's result (0 for success).
fn code<T>(r: Result<T, i32>) -> i32 {
    r.map_or_else(|e| e, |_| 0)
}

/// Records one check: `got` should be `want`.
fn check(what: &str, port: &str, got: i32, want: i32) {
    CHECKS.fetch_add(1, Ordering::Relaxed);
    if got != want {
        WRONG.fetch_add(1, Ordering::Relaxed);
        uprintln!("{}: {} on {} ({:#x}): {:#x}, expected {:#x}", NAME, what, port, AT.load(Ordering::Relaxed), got, want);
    }
}

/// The address the kernel-address checks are at (for the messages).
static AT: AtomicU32 = AtomicU32::new(0);
static STACKS: AtomicU32 = AtomicU32::new(0);
/// A page shared with the child: its findings.
static SHARED: AtomicU32 = AtomicU32::new(0);
/// Our thread's name in the child's space (a send right we gave it).
const GIVEN_THREAD: u32 = 400;
/// A value only our memory holds (the child's copy has the old one).
static SECRET: AtomicU32 = AtomicU32::new(0);

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the privileged host port")?;
    let master = args.number(2).ok_or("argv[2] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: traps without arguments.
    let (task, me, host) = unsafe { (mach_task_self(), mach_thread_self(), mach_host_self()) };
    let pset_name = mach_host::processor_set_default(&mut m, host).map_err(|_| "processor_set_default")?.default_set;
    let dead = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    mach_port::mach_port_insert_right(&mut m, task, dead, rt::PolyPort { name: dead, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    mach_port::mach_port_mod_refs(&mut m, task, dead, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32).map_err(|_| "mod_refs")?;

    for (port, label) in [(host, "the host port"), (task, "a task port"), (me, "a thread port"), (pset_name, "a pset name port"), (dead, "a dead name")] {
        let is_dead = port == dead;
        let want = |c: i32| if is_dead { MACH_SEND_INVALID_DEST } else { c };
        privileged_walk(&mut m, task, me, port, label, pset_name, want);
    }
    // vm_wire through the ordinary host port: up to 8 MiB in all.
    let big = mach::vm_allocate(&mut m, task, 0, 12 << 20, 1).map_err(|_| "vm_allocate 12 MiB")?.address;
    check("vm_wire 4 MiB", "the host port", code(mach_host::vm_wire(&mut m, host, task, big, 4 << 20, VM_PROT_READ)), 0);
    check("vm_wire 8 MiB more", "the host port", code(mach_host::vm_wire(&mut m, host, task, big + (4 << 20), 8 << 20, VM_PROT_READ)), KERN_NO_ACCESS);
    check("vm_wire 8 MiB more", "the privileged host port", code(mach_host::vm_wire(&mut m, host_priv, task, big + (4 << 20), 8 << 20, VM_PROT_READ)), 0);
    check("vm_wire none", "the host port", code(mach_host::vm_wire(&mut m, host, task, big, 12 << 20, 0)), 0);
    mach::vm_deallocate(&mut m, task, big, 12 << 20).map_err(|_| "vm_deallocate")?;
    let walked = CHECKS.load(Ordering::Relaxed);
    privileged_work(&mut m, task, me, host_priv, master, pset_name)?;
    uprintln!("{}: {} privileged calls with wrong ports refused as GNU Mach refuses them", NAME, walked);

    kernel_addresses(&mut m, task, host_priv)?;
    other_tasks(&mut m, task, me)?;

    for n in [pset_name, dead, host, me] {
        let _ = mach_port::mach_port_deallocate(&mut m, task, n);
    }
    let wrong = WRONG.load(Ordering::Relaxed);
    uprintln!("{}: {} checks, {} wrong", NAME, CHECKS.load(Ordering::Relaxed), wrong);
    expect(wrong == 0, "some calls were not refused as expected")
}

/// Every privileged routine on `port`.
fn privileged_walk(m: &mut Mach, task: u32, me: u32, port: u32, label: &str, pset_name: u32, want: impl Fn(i32) -> i32) {
    let ih = want(KERN_INVALID_HOST);
    let ia = want(KERN_INVALID_ARGUMENT);
    check("host_set_time", label, code(mach_host::host_set_time(m, port, &[0, 0])), ih);
    check("host_adjust_time", label, code(mach_host::host_adjust_time(m, port, &[0, 0])), ih);
    check("host_reboot", label, code(mach_host::host_reboot(m, port, RB_HALT)), ih);
    check("host_processors", label, code(mach_host::host_processors(m, port)), ih);
    check("host_processor_set_priv", label, code(mach_host::host_processor_set_priv(m, port, pset_name)), ih);
    check("host_set_time64", label, code(mach_host::host_set_time64(m, port, &[0, 0])), ih);
    check("host_adjust_time64", label, code(mach_host::host_adjust_time64(m, port, &[0, 0])), ih);
    check("thread_wire", label, code(mach_host::thread_wire(m, port, me, 1)), ih);
    check("vm_set_default_memory_manager", label, code(mach::vm_set_default_memory_manager(m, port, 0)), ih);
    check(
        "register_new_task_notification",
        label,
        code(gnumach::register_new_task_notification(m, port, rt::PolyPort { name: task, disposition: MACH_MSG_TYPE_COPY_SEND })),
        ih,
    );
    check("vm_allocate_contiguous", label, code(gnumach::vm_allocate_contiguous(m, port, task, PAGE, 0, 16 << 20, 0)), ih);
    check("vm_wire_all", label, code(gnumach::vm_wire_all(m, port, task, 3)), ih);
    if label != "the host port" {
        check("vm_wire", label, code(mach_host::vm_wire(m, port, task, 0x1000, PAGE, VM_PROT_READ)), ih);
    }
    check("device_open", label, code(ds::device_open(m, port, D_READ, &mach_user::device_name("hd0"))), want(D_INVALID_OPERATION));
    check("i386_io_perm_create", label, code(mach_i386::i386_io_perm_create(m, port, 0x80, 0x80)), ia);
    check("processor_start", label, code(mach_host::processor_start(m, port)), ia);
    check("processor_exit", label, code(mach_host::processor_exit(m, port)), ia);
    check("processor_control", label, code(mach_host::processor_control(m, port, &[0])), ia);
    check("processor_get_assignment", label, code(mach_host::processor_get_assignment(m, port)), ia);
    check("processor_set_tasks", label, code(mach_host::processor_set_tasks(m, port)), ia);
    check("processor_set_threads", label, code(mach_host::processor_set_threads(m, port)), ia);
    check("processor_set_max_priority", label, code(mach_host::processor_set_max_priority(m, port, 0, 0)), ia);
    check("processor_set_policy_enable", label, code(mach_host::processor_set_policy_enable(m, port, 2)), ia);
    check("processor_set_policy_disable", label, code(mach_host::processor_set_policy_disable(m, port, 2, 0)), ia);
    // The set as an argument: a name port (or another port) is no set. A
    // dead name travels as a dead port and converts to no set either.
    check("task_assign", label, code(mach_host::task_assign(m, task, port, 0)), KERN_INVALID_ARGUMENT);
    check("thread_assign", label, code(mach_host::thread_assign(m, me, port)), KERN_INVALID_ARGUMENT);
    check("thread_max_priority", label, code(mach_host::thread_max_priority(m, me, port, 0)), KERN_INVALID_ARGUMENT);
}

/// The same routines with the right ports: they work (harmless ones only).
fn privileged_work(m: &mut Mach, task: u32, me: u32, host_priv: u32, master: u32, pset_name: u32) -> Result<(), &'static str> {
    // GNU Mach of 2026 has no host_get_boot_info; its 64-bit time routines
    // are privileged instead (a zero adjustment changes nothing).
    mach_host::host_adjust_time64(m, host_priv, &[0, 0]).map_err(|_| "host_adjust_time64")?;
    mach_host::thread_wire(m, host_priv, me, 0).map_err(|_| "thread_wire")?;
    let procs = mach_host::host_processors(m, host_priv).map_err(|_| "host_processors")?.processor_list;
    expect(procs.count == 1, "not one processor")?;
    // SAFETY: the reply's out-of-line array, mapped for us.
    let cpu = unsafe { *(procs.addr as *const u32) };
    check("processor_start", "the processor", code(mach_host::processor_start(m, cpu)), KERN_FAILURE_);
    check("processor_control", "the processor", code(mach_host::processor_control(m, cpu, &[0])), KERN_FAILURE_);
    let set = mach_host::processor_get_assignment(m, cpu).map_err(|_| "processor_get_assignment")?.assigned_set;
    expect(set == pset_name, "processor_get_assignment gave another port")?;
    let pset = mach_host::host_processor_set_priv(m, host_priv, pset_name).map_err(|_| "host_processor_set_priv")?.set;
    let tasks = mach_host::processor_set_tasks(m, pset).map_err(|_| "processor_set_tasks")?.task_list;
    for i in 0..tasks.count {
        // SAFETY: as above.
        let _ = mach_port::mach_port_deallocate(m, task, unsafe { *((tasks.addr + 4 * i) as *const u32) });
    }
    mach::vm_deallocate(m, task, tasks.addr, tasks.count * 4).map_err(|_| "vm_deallocate")?;
    mach_host::thread_assign(m, me, pset).map_err(|_| "thread_assign")?;
    let r = ds::device_open(m, master, D_READ, &mach_user::device_name("time")).map_err(|_| "device_open time")?.device;
    ds::device_close(m, r).map_err(|_| "device_close")?;
    let perm = mach_i386::i386_io_perm_create(m, master, 0x80, 0x80).map_err(|_| "i386_io_perm_create")?.io_perm;
    for n in [cpu, set, pset, perm, r] {
        let _ = mach_port::mach_port_deallocate(m, task, n);
    }
    mach::vm_deallocate(m, task, procs.addr, 4).map_err(|_| "vm_deallocate")?;
    uprintln!("{}: with the right ports the same routines work", NAME);
    Ok(())
}

/// A message to `port` of one out-of-line region (or port array with
/// `ports`) at `addr`, `count` elements.
fn send_ool(port: u32, addr: u32, count: u32, ports: bool) -> i32 {
    let mut b = [0u32; 10];
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 7]);
    b[6] = MachMsgType::long_header(false, false).0;
    b[7] = if ports { MACH_MSG_TYPE_COPY_SEND | (32 << 16) } else { 9 | (8 << 16) };
    b[8] = count;
    b[9] = addr;
    // SAFETY: a 40-byte message in `b`; the kernel checks the data's address.
    unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG, 40, 0, 0, 0, 0) }
}

fn kernel_addresses(m: &mut Mach, task: u32, host_priv: u32) -> Result<(), &'static str> {
    let c0 = CHECKS.load(Ordering::Relaxed);
    let ia = KERN_INVALID_ADDRESS;
    let page = mach::vm_allocate(m, task, 0, 2 * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    for (at, size) in [(KERNEL, PAGE), (KTEXT, PAGE), (KERNEL - PAGE, 2 * PAGE), (0xFFFF_F000, PAGE)] {
        AT.store(at, Ordering::Relaxed);
        check("vm_read", "a kernel address", code(mach::vm_read(m, task, at, size)), ia);
        check("vm_write", "a kernel address", code(mach::vm_write(m, task, at, rt::Ool { addr: page, count: size, dealloc: false })), ia);
        check("vm_copy from", "a kernel address", code(mach::vm_copy(m, task, at, size, page)), ia);
        check("vm_copy to", "a kernel address", code(mach::vm_copy(m, task, page, size, at)), ia);
        check("vm_protect", "a kernel address", code(mach::vm_protect(m, task, at, size, 0, VM_PROT_READ | VM_PROT_WRITE)), ia);
        check("vm_inherit", "a kernel address", code(mach::vm_inherit(m, task, at, size, 0)), ia);
        check("vm_allocate", "a kernel address", code(mach::vm_allocate(m, task, at, size, 0)), ia);
        check("vm_map", "a kernel address", code(mach::vm_map(m, task, at, size, 0, 0, 0, 0, 0, 3, 7, 1)), ia);
        check("vm_wire", "a kernel address", code(mach_host::vm_wire(m, host_priv, task, at, size, VM_PROT_READ)), ia);
    }
    check("vm_region", "a kernel address", code(mach::vm_region(m, task, KERNEL)), KERN_NO_SPACE_);
    // mach_msg with its buffer in the kernel half, both ways.
    let port = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    // SAFETY: the kernel must refuse the buffer; nothing here is touched.
    let r = unsafe { mach_msg_trap(KTEXT as *mut _, MACH_SEND_MSG, 24, 0, 0, 0, 0) };
    check("mach_msg send", "a kernel buffer", r, MACH_SEND_INVALID_DATA);
    let mut b = [0u32; 6];
    b.copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND, 24, port, 0, 0, 5]);
    // SAFETY: a 24-byte message to our own port.
    expect(unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG, 24, 0, 0, 0, 0) } == 0, "send to self")?;
    // SAFETY: as above; the receive must fail before writing.
    let r = unsafe { mach_msg_trap(KTEXT as *mut _, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 0, 0) };
    check("mach_msg receive", "a kernel buffer", r, MACH_RCV_INVALID_DATA);
    // Out-of-line data and port arrays in the kernel half.
    check("out-of-line data", "a kernel address", send_ool(port, KTEXT, PAGE, false), MACH_SEND_INVALID_MEMORY);
    check("out-of-line data", "the top page", send_ool(port, 0xFFFF_F000, PAGE, false), MACH_SEND_INVALID_MEMORY);
    check("out-of-line data", "a range into the kernel", send_ool(port, KERNEL - PAGE, 2 * PAGE, false), MACH_SEND_INVALID_MEMORY);
    check("out-of-line ports", "a kernel address", send_ool(port, KTEXT, 4, true), MACH_SEND_INVALID_MEMORY);
    // Trap arguments pointing into the kernel.
    // SAFETY: every pointer here is one the kernel must refuse.
    unsafe {
        check("syscall_vm_allocate", "a kernel pointer", syscall_vm_allocate(task, KTEXT as *mut u32, PAGE, 1), ia);
        check("syscall_mach_port_allocate", "a kernel pointer", syscall_mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, KTEXT as *mut u32), ia);
        check("syscall_task_create", "a kernel pointer", syscall_task_create(task, 0, KTEXT as *mut u32), ia);
        check("thread_set_self_state", "a kernel pointer", thread_set_self_state(1, KTEXT as *const u32, 17), ia);
    }
    mach_port::mach_port_destroy(m, task, port).map_err(|_| "destroy")?;
    mach::vm_deallocate(m, task, page, 2 * PAGE).map_err(|_| "vm_deallocate")?;
    uprintln!("{}: {} calls at kernel addresses refused", NAME, CHECKS.load(Ordering::Relaxed) - c0);
    Ok(())
}

// ---- Another task's memory, registers and ports ----

fn shared() -> &'static [AtomicU32; 8] {
    // SAFETY: a page shared with the child for the whole run.
    unsafe { &*(SHARED.load(Ordering::SeqCst) as *const [AtomicU32; 8]) }
}

/// The child: holds only its own rights (and, at `GIVEN_THREAD`, one of
/// our threads). Words: 0 done, 1 names tried, 2 calls that succeeded on
/// a right not its own, 3 the secret seen, 4 registers of the given
/// thread read, 5 memory read through the thread port.
extern "C" fn prober() -> ! {
    let mut m = Mach::new();
    // SAFETY: traps without arguments.
    let (me_task, me_thread) = unsafe { (mach_task_self(), mach_thread_self()) };
    let s = shared();
    let secret_at = &SECRET as *const AtomicU32 as u32;
    let mut leaks = 0;
    let mut tried = 0;
    let mut buf = [0u8; 4096];
    for n in 1..512u32 {
        if n == me_task || n == me_thread {
            continue;
        }
        tried += 1;
        if let Ok(r) = mach::vm_read(&mut m, n, secret_at & !0xFFF, PAGE) {
            leaks += 1;
            // SAFETY: the reply's data.
            let w = unsafe { *((r.data.addr + (secret_at & 0xFFF)) as *const u32) };
            if w == 0x5EC2_E7 {
                s[3].store(1, Ordering::SeqCst);
            }
        }
        if mach::vm_write(&mut m, n, secret_at & !0xFFF, rt::Ool { addr: buf.as_mut_ptr() as u32, count: PAGE, dealloc: false }).is_ok() {
            leaks += 1;
        }
        if mach::task_threads(&mut m, n).is_ok() || mach_port::mach_port_names(&mut m, n).is_ok() {
            leaks += 1;
        }
        if mach::vm_allocate(&mut m, n, 0, PAGE, 1).is_ok() {
            leaks += 1;
        }
        if n != GIVEN_THREAD {
            // Registers and FPU state.
            if mach::thread_get_state(&mut m, n, 1, 17).is_ok() || mach::thread_get_state(&mut m, n, 2, 30).is_ok() {
                leaks += 1;
            }
        } else {
            match mach::thread_get_state(&mut m, n, 1, 17) {
                Ok(_) => s[4].store(1, Ordering::SeqCst),
                Err(e) => s[5].store(e as u32, Ordering::SeqCst),
            }
        }
    }
    s[1].store(tried, Ordering::SeqCst);
    s[2].store(leaks, Ordering::SeqCst);
    s[0].store(1, Ordering::SeqCst);
    loop {
        // SAFETY: a trap without pointers.
        unsafe { thread_switch(0, 2, 1000) };
    }
}

fn other_tasks(m: &mut Mach, task: u32, me: u32) -> Result<(), &'static str> {
    let stack = mach::vm_allocate(m, task, 0, STACK, 1).map_err(|_| "stack")?.address;
    STACKS.store(stack, Ordering::SeqCst);
    let sh = mach::vm_allocate(m, task, 0, PAGE, 1).map_err(|_| "vm_allocate shared")?.address;
    mach::vm_inherit(m, task, sh, PAGE, 0).map_err(|_| "vm_inherit")?;
    SHARED.store(sh, Ordering::SeqCst);
    SECRET.store(1, Ordering::SeqCst);
    let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
    // Our copy only: the child's memory has the old value.
    SECRET.store(0x5EC2_E7, Ordering::SeqCst);
    mach_port::mach_port_insert_right(m, child, GIVEN_THREAD, rt::PolyPort { name: me, disposition: MACH_MSG_TYPE_COPY_SEND }).map_err(|_| "insert thread")?;
    let th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
    let mut state = [0u32; 17];
    state[12] = prober as *const () as usize as u32;
    state[15] = stack + STACK - 16;
    mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
    mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
    let s = shared();
    for _ in 0..1000 {
        if s[0].load(Ordering::SeqCst) != 0 {
            break;
        }
        // SAFETY: a trap without pointers.
        unsafe { thread_switch(0, 2, 10) };
    }
    expect(s[0].load(Ordering::SeqCst) == 1, "the prober did not finish")?;
    let (tried, leaks, secret, regs) = (s[1].load(Ordering::SeqCst), s[2].load(Ordering::SeqCst), s[3].load(Ordering::SeqCst), s[4].load(Ordering::SeqCst));
    mach::task_terminate(m, child).map_err(|_| "task_terminate")?;
    for n in [th, child] {
        mach_port::mach_port_deallocate(m, task, n).map_err(|_| "deallocate")?;
    }
    expect(SECRET.load(Ordering::SeqCst) == 0x5EC2_E7, "our memory was changed")?;
    uprintln!(
        "{}: a task without our task port tried {} names: {} calls succeeded, secret seen {}, registers through our thread port {}",
        NAME,
        tried,
        leaks,
        secret,
        regs
    );
    expect(leaks == 0 && secret == 0, "another task reached our memory, threads or ports")?;
    if regs != 1 {
        uprintln!("{}: thread_get_state through our thread port: {:#x}", NAME, s[5].load(Ordering::SeqCst));
    }
    expect(regs == 1, "the thread port did not give the thread's registers")?;
    mach::vm_deallocate(m, task, sh, PAGE).map_err(|_| "vm_deallocate")?;
    mach::vm_deallocate(m, task, stack, STACK).map_err(|_| "vm_deallocate")?;
    Ok(())
}

entry!(main);
