//! `crashers`: one regression check per input that once brought the kernel
//! down or hung it (issue 16), each from an unprivileged task:
//!
//! - out-of-line port arrays with huge counts answer `MACH_SEND_INVALID_MEMORY`;
//! - `device_read` of 20 MiB from `hd0` returns the data (large reads go
//!   into pages, past the kernel heap's 4 MiB runs), and so does 2 MiB;
//! - a trap entered with EFLAGS.TF set runs, and the single step after it
//!   reaches the child's exception port as `EXC_BREAKPOINT`/`EXC_I386_SGL`;
//! - `vm_read` of 64 MiB returns the data (as pages), of 1.5 GiB an answer;
//! - `swtch_pri(0)` and `thread_switch(0, SWITCH_OPTION_DEPRESS, 10)` return,
//!   also with a depressed thread spinning beside and behind a thread that
//!   never blocks, and a task whose thread spins in them can be terminated;
//! - trap number 0 (a hole in the trap table) answers `KERN_INVALID_ARGUMENT`
//!   in a child, and -130 (past the table) is an `EXC_BAD_INSTRUCTION`;
//! - child threads given random register states, resumed and terminated.
//!
//! Boot-script line: `/crashers ${device-port} ${host-port} $(task-create) $(task-resume)`
//! (without the device port the `device_read` check is skipped, without the
//! privileged host port the fixed-priority one). Run with
//! `test=bootstrap`: the leak check after it holds the kernel to its ports
//! and pages.
#![no_std]
#![no_main]

use core::arch::global_asm;
use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::{KERN_INVALID_ARGUMENT, MACH_PORT_RIGHT_RECEIVE, TASK_EXCEPTION_PORT};
use mach_user::message::*;
use mach_user::mig::{device as ds, gnumach, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self, swtch_pri, thread_switch, SWITCH_OPTION_DEPRESS, SWITCH_OPTION_WAIT};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "crashers";
const EXC_BAD_INSTRUCTION: u32 = 2;
const EXC_BREAKPOINT: u32 = 6;
const EXC_I386_SGL: u32 = 1;
const D_NO_MEMORY: i32 = 2508;
const STACK: u32 = 16 * 4096;
/// `thread_set_state` calls of the state storm.
const STORM: u32 = 40_000;

// Child entry points, in assembly so that their registers are known.
// `tf_child`: sets TF, calls mach_task_self, and goes on one instruction
// (which single-steps). `trap0_child`/`trap130_child`: a trap by number,
// then a spin at a known address with the result in %eax.
global_asm!(
    r#"
    .pushsection .text.crashers_children, "ax"
    .globl tf_child
tf_child:
    pushfl
    orl $0x100, (%esp)
    popfl
    movl $-28, %eax
    lcall $7, $0
    nop
    nop
1:  jmp 1b
    .globl trap0_child
trap0_child:
    movl $0, %eax
    lcall $7, $0
    .globl trap0_done
trap0_done:
    jmp trap0_done
    .globl trap_loop_child
trap_loop_child:
    movl $-28, %eax
    lcall $7, $0
    jmp trap_loop_child
    .globl trap130_child
trap130_child:
    movl $-130, %eax
    lcall $7, $0
2:  jmp 2b
    .popsection
"#,
    options(att_syntax)
);

extern "C" {
    fn tf_child() -> !;
    fn trap0_child() -> !;
    fn trap0_done() -> !;
    fn trap130_child() -> !;
    fn trap_loop_child() -> !;
}

extern "C" fn swtch_pri_child() -> ! {
    loop {
        // SAFETY: a trap without pointers.
        unsafe { swtch_pri(0) };
    }
}

extern "C" fn busy_child() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

extern "C" fn depress_child() -> ! {
    loop {
        // SAFETY: as above.
        unsafe { thread_switch(0, SWITCH_OPTION_DEPRESS, 10) };
    }
}

/// Stack of the children (inherited, copy-on-write).
static CHILD_STACK: AtomicU32 = AtomicU32::new(0);

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let stack = mach::vm_allocate(&mut m, task, 0, STACK, 1).map_err(|_| "stack")?.address;
    CHILD_STACK.store(stack, Ordering::SeqCst);
    ool_port_arrays(task)?;
    if let Some(master) = args.number(1) {
        big_device_read(&mut m, task, master)?;
    }
    if let Some(host_priv) = args.number(2) {
        // GNU Mach's default size limit is the machine's memory; the 1.5 GiB
        // vm_read below needs more address space than that.
        gnumach::vm_set_size_limit(&mut m, host_priv, task, u32::MAX, u32::MAX).map_err(|_| "vm_set_size_limit")?;
    }
    big_vm_read(&mut m, task)?;
    depressed_yields(&mut m, task)?;
    if let Some(host_priv) = args.number(2) {
        depressed_behind_fixed_priority(&mut m, task, host_priv)?;
    }
    trace_trap(&mut m, task)?;
    trap_table_holes(&mut m, task)?;
    random_states(&mut m, task)?;
    state_storm(&mut m, task)?;
    mach::vm_deallocate(&mut m, task, stack, STACK).map_err(|_| "vm_deallocate stack")?;
    Ok(())
}

/// A message to ourselves with one out-of-line port array of `count` names at `addr`.
fn send_port_array(port: u32, count: u32, addr: u32) -> i32 {
    let mut b = [0u32; 10];
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 7]);
    b[6] = MachMsgType::long_header(false, false).0;
    b[7] = MACH_MSG_TYPE_COPY_SEND | (32 << 16);
    b[8] = count;
    b[9] = addr;
    // SAFETY: a 40-byte message in `b`; the kernel checks the array's address.
    unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG, 40, 0, 0, 0, 0) }
}

fn ool_port_arrays(task: u32) -> Result<(), &'static str> {
    let mut m = Mach::new();
    let port = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    let names = [task; 4];
    let here = names.as_ptr() as u32;
    // The counts the fuzzer found (4 x count bytes: 1 GiB, and past what
    // the heap can even ask for), the largest count, and a mapped start.
    // A count whose size overflows 32 bits is a malformed descriptor.
    expect(send_port_array(port, 0xFFFF_FFFF, 0x1000_0000) == MACH_SEND_MSG_TOO_SMALL, "a port array of 2^32 - 1 names")?;
    for (count, addr) in [(0x1001_72f8, 0x1000_0000), (0x235b_2aa8, 0x1000_0000), (0x3FFF_FFFF, 0x1000), (0x1001_72f8, here), (0x0010_0000, here)] {
        let r = send_port_array(port, count, addr);
        if r != MACH_SEND_INVALID_MEMORY {
            uprintln!("{}: port array of {:#x} at {:#x}: {:#x}", NAME, count, addr, r);
            return Err("a huge port array was not MACH_SEND_INVALID_MEMORY");
        }
    }
    // The same descriptor with a sane count still works.
    expect(send_port_array(port, 4, here) == 0, "a 4-port array was refused")?;
    let mut b = [0u32; 16];
    // SAFETY: a 64-byte receive buffer.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 100, 0) };
    expect(r == 0 && b[5] == 7, "the 4-port array did not arrive")?;
    // Four more references on our task port, and the array's memory.
    for _ in 0..4 {
        mach_port::mach_port_deallocate(&mut m, task, task).map_err(|_| "deallocate")?;
    }
    mach::vm_deallocate(&mut m, task, b[9], 4096).map_err(|_| "vm_deallocate array")?;
    mach_port::mach_port_destroy(&mut m, task, port).map_err(|_| "destroy")?;
    uprintln!("{}: huge out-of-line port arrays refused", NAME);
    Ok(())
}

fn big_device_read(m: &mut Mach, task: u32, master: u32) -> Result<(), &'static str> {
    let hd = ds::device_open(m, master, mach_user::abi::D_READ, &mach_user::device_name("hd0")).map_err(|_| "device_open hd0")?.device;
    // 20 MiB (past the kernel heap's largest run) and 2 MiB: the data
    // (D_NO_MEMORY only when pages truly lack, never a panic).
    for (bytes, may_lack) in [(20u32 << 20, true), (2 << 20, false)] {
        match ds::device_read(m, hd, 0, 0, bytes) {
            Ok(r) => {
                expect(r.data.count == bytes, "device_read gave a short count")?;
                // The harness's image: each record starts with its number.
                for rec in [0u32, 1, 4097 % (bytes / 512), bytes / 512 - 1] {
                    // SAFETY: the reply's out-of-line data, mapped for us.
                    let w = unsafe { core::ptr::read_volatile((r.data.addr + rec * 512) as *const u32) };
                    if w != rec {
                        uprintln!("{}: record {} starts with {:#x}", NAME, rec, w);
                        return Err("device_read returned wrong data");
                    }
                }
                mach::vm_deallocate(m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate data")?;
                uprintln!("{}: device_read of {} MiB returned the data", NAME, bytes >> 20);
            }
            Err(D_NO_MEMORY) if may_lack => uprintln!("{}: device_read of {} MiB: D_NO_MEMORY", NAME, bytes >> 20),
            Err(e) => {
                uprintln!("{}: device_read of {} MiB: {}", NAME, bytes >> 20, e);
                return Err("device_read failed");
            }
        }
    }
    ds::device_close(m, hd).map_err(|_| "device_close")?;
    mach_port::mach_port_deallocate(m, task, hd).map_err(|_| "deallocate hd0")?;
    Ok(())
}

fn big_vm_read(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    // 64 MiB, one page of it touched: the data comes back as pages (it
    // once was one kernel buffer, and anything past 4 MiB panicked).
    const SIZE: u32 = 64 << 20;
    let a = mach::vm_allocate(m, task, 0, SIZE, 1).map_err(|_| "vm_allocate 64 MiB")?.address;
    // SAFETY: our own fresh allocation.
    unsafe { core::ptr::write_volatile((a + SIZE / 2 + 12) as *mut u32, 0x1605_2026) };
    let r = mach::vm_read(m, task, a, SIZE).map_err(|_| "vm_read of 64 MiB")?;
    expect(r.data.count == SIZE, "vm_read gave a short count")?;
    // SAFETY: the reply's out-of-line data, mapped for us.
    let (w, z) = unsafe { (core::ptr::read_volatile((r.data.addr + SIZE / 2 + 12) as *const u32), core::ptr::read_volatile((r.data.addr + 8) as *const u32)) };
    expect(w == 0x1605_2026 && z == 0, "vm_read returned wrong data")?;
    mach::vm_deallocate(m, task, r.data.addr, SIZE).map_err(|_| "vm_deallocate copy")?;
    // 1.5 GiB, more than the address space has room for twice: refused, not a panic.
    const HUGE: u32 = 3 << 29;
    if let Ok(h) = mach::vm_allocate(m, task, 0, HUGE, 1).map(|r| r.address) {
        match mach::vm_read(m, task, h, HUGE) {
            Ok(r) => {
                expect(r.data.count == HUGE, "vm_read of 1.5 GiB gave a short count")?;
                mach::vm_deallocate(m, task, r.data.addr, HUGE).map_err(|_| "vm_deallocate huge copy")?;
                uprintln!("{}: vm_read of 1.5 GiB: the data", NAME);
            }
            Err(e) => uprintln!("{}: vm_read of 1.5 GiB: {:#x}", NAME, e),
        }
        mach::vm_deallocate(m, task, h, HUGE).map_err(|_| "vm_deallocate huge")?;
    }
    mach::vm_deallocate(m, task, a, SIZE).map_err(|_| "vm_deallocate 64 MiB")?;
    uprintln!("{}: vm_read of 64 MiB returned the data", NAME);
    Ok(())
}

/// A child task running `entry` on a copy of our memory, its exception
/// port `exc` (0: none). Returns (task, thread).
fn spawn(m: &mut Mach, task: u32, entry: usize, exc: u32) -> Result<(u32, u32), &'static str> {
    let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
    if exc != 0 {
        mach::task_set_special_port(m, child, TASK_EXCEPTION_PORT, exc).map_err(|_| "task_set_special_port")?;
    }
    let th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
    let mut state = [0u32; 17];
    state[12] = entry as u32;
    state[15] = CHILD_STACK.load(Ordering::SeqCst) + STACK - 16;
    mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
    mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
    Ok((child, th))
}

/// Terminates a child and drops our names for it.
fn reap(m: &mut Mach, task: u32, (child, th): (u32, u32)) -> Result<(), &'static str> {
    mach::task_terminate(m, child).map_err(|_| "task_terminate")?;
    mach_port::mach_port_deallocate(m, task, th).map_err(|_| "deallocate thread")?;
    mach_port::mach_port_deallocate(m, task, child).map_err(|_| "deallocate task")?;
    Ok(())
}

fn sleep_ms(ms: u32) {
    // SAFETY: a trap without pointers.
    unsafe { thread_switch(0, SWITCH_OPTION_WAIT, ms) };
}

fn depressed_yields(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    // SAFETY: traps without pointers.
    unsafe {
        swtch_pri(0);
        expect(thread_switch(0, SWITCH_OPTION_DEPRESS, 10) == 0, "thread_switch DEPRESS")?;
        swtch_pri(0);
    }
    // A thread of ours spinning depressed does not starve us.
    let spin_stack = mach::vm_allocate(m, task, 0, STACK, 1).map_err(|_| "stack")?.address;
    let th = mach_user::start_thread(m, swtch_pri_child, spin_stack, STACK)?;
    for _ in 0..20 {
        // SAFETY: as above.
        unsafe {
            swtch_pri(0);
            thread_switch(0, SWITCH_OPTION_DEPRESS, 10);
        }
    }
    mach::thread_terminate(m, th).map_err(|_| "thread_terminate")?;
    mach_port::mach_port_deallocate(m, task, th).map_err(|_| "deallocate thread")?;
    mach::vm_deallocate(m, task, spin_stack, STACK).map_err(|_| "vm_deallocate")?;
    // Behind a time-sharing thread that never blocks, a depressed thread
    // runs again (see also depressed_behind_fixed_priority).
    let busy_stack = mach::vm_allocate(m, task, 0, STACK, 1).map_err(|_| "stack")?.address;
    let busy = mach_user::start_thread(m, busy_child, busy_stack, STACK)?;
    for _ in 0..3 {
        // SAFETY: as above.
        unsafe {
            swtch_pri(0);
            thread_switch(0, SWITCH_OPTION_DEPRESS, 10);
        }
    }
    mach::thread_terminate(m, busy).map_err(|_| "thread_terminate")?;
    mach_port::mach_port_deallocate(m, task, busy).map_err(|_| "deallocate thread")?;
    mach::vm_deallocate(m, task, busy_stack, STACK).map_err(|_| "vm_deallocate")?;
    // Tasks spinning in them can be terminated.
    for entry in [swtch_pri_child as *const () as usize, depress_child as *const () as usize] {
        let c = spawn(m, task, entry, 0)?;
        sleep_ms(30);
        reap(m, task, c)?;
    }
    uprintln!("{}: depressed yields return", NAME);
    Ok(())
}

/// A thread of fixed priority 47 that never blocks: better than a depressed
/// thread (49 - 1), worse than ours (25 and what our CPU use adds, which
/// decays while we wait). A depressed thread
/// behind it once never ran again (found by the fuzzer): its depression
/// must end on its own after a quantum.
fn depressed_behind_fixed_priority(m: &mut Mach, task: u32, host_priv: u32) -> Result<(), &'static str> {
    use mach_user::mig::mach_host;
    // SAFETY: no arguments.
    let host = unsafe { mach_user::trap::mach_host_self() };
    let name = mach_host::processor_set_default(m, host).map_err(|_| "processor_set_default")?.default_set;
    let set = mach_host::host_processor_set_priv(m, host_priv, name).map_err(|_| "host_processor_set_priv")?.set;
    mach_host::processor_set_policy_enable(m, set, 2).map_err(|_| "processor_set_policy_enable")?;
    let busy_stack = mach::vm_allocate(m, task, 0, STACK, 1).map_err(|_| "stack")?.address;
    let busy = mach::thread_create(m, task).map_err(|_| "thread_create")?.child_thread;
    let mut state = [0u32; 17];
    state[12] = busy_child as *const () as usize as u32;
    state[15] = busy_stack + STACK - 16;
    mach::thread_set_state(m, busy, 1, &state).map_err(|_| "thread_set_state")?;
    mach_host::thread_policy(m, busy, 2, 10).map_err(|_| "thread_policy")?;
    mach_host::thread_priority(m, busy, 47, 0).map_err(|_| "thread_priority")?;
    mach::thread_resume(m, busy).map_err(|_| "thread_resume")?;
    for _ in 0..3 {
        // SAFETY: traps without pointers.
        unsafe {
            swtch_pri(0);
            thread_switch(0, SWITCH_OPTION_DEPRESS, 10);
        }
    }
    mach::thread_terminate(m, busy).map_err(|_| "thread_terminate")?;
    mach_port::mach_port_deallocate(m, task, busy).map_err(|_| "deallocate thread")?;
    mach::vm_deallocate(m, task, busy_stack, STACK).map_err(|_| "vm_deallocate")?;
    mach_host::processor_set_policy_disable(m, set, 2, 0).map_err(|_| "processor_set_policy_disable")?;
    for n in [set, name, host] {
        mach_port::mach_port_deallocate(m, task, n).map_err(|_| "deallocate")?;
    }
    uprintln!("{}: depressed yields return behind a fixed-priority thread", NAME);
    Ok(())
}

/// Receives one exception message on `port`: (exception, code, thread,
/// task, reply) names and numbers.
fn receive_exception(port: u32) -> Result<[u32; 5], &'static str> {
    let mut b = [0u32; 32];
    // SAFETY: a 128-byte receive buffer.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 128, port, 5000, 0) };
    expect(r == 0, "no exception message")?;
    expect(b[5] == 2400, "not exception_raise")?;
    Ok([b[11], b[13], b[7], b[9], b[2]])
}

/// Drops the rights an exception message brought.
fn drop_exception(m: &mut Mach, task: u32, e: &[u32; 5]) -> Result<(), &'static str> {
    for &n in &e[2..5] {
        mach_port::mach_port_deallocate(m, task, n).map_err(|_| "deallocate exception right")?;
    }
    Ok(())
}

fn exception_port(m: &mut Mach, task: u32) -> Result<u32, &'static str> {
    let e = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate")?.name;
    mach_port::mach_port_insert_right(m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    Ok(e)
}

fn trace_trap(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let exc = exception_port(m, task)?;
    let c = spawn(m, task, tf_child as *const () as usize, exc)?;
    let e = receive_exception(exc)?;
    uprintln!("{}: trap with TF set: exception {} code {}", NAME, e[0], e[1]);
    expect(e[0] == EXC_BREAKPOINT && e[1] == EXC_I386_SGL, "not a single-step exception")?;
    reap(m, task, c)?;
    drop_exception(m, task, &e)?;
    mach_port::mach_port_destroy(m, task, exc).map_err(|_| "destroy")?;
    Ok(())
}

fn trap_table_holes(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let exc = exception_port(m, task)?;
    // Trap 0 names nothing: KERN_INVALID_ARGUMENT, and the child goes on.
    let c = spawn(m, task, trap0_child as *const () as usize, exc)?;
    let mut landed = None;
    for _ in 0..100 {
        sleep_ms(10);
        let st = mach::thread_get_state(m, c.1, 1, 17).map_err(|_| "thread_get_state")?;
        if st.old_state[12] == trap0_done as *const () as usize as u32 {
            landed = Some(st.old_state[11]);
            break;
        }
    }
    let Some(eax) = landed else { return Err("the child of trap 0 never came back") };
    uprintln!("{}: trap 0 returned {:#x}", NAME, eax);
    expect(eax == KERN_INVALID_ARGUMENT as u32, "trap 0 did not answer KERN_INVALID_ARGUMENT")?;
    reap(m, task, c)?;
    // Past the table: the invalid-instruction exception.
    let c = spawn(m, task, trap130_child as *const () as usize, exc)?;
    let e = receive_exception(exc)?;
    uprintln!("{}: trap -130: exception {}", NAME, e[0]);
    expect(e[0] == EXC_BAD_INSTRUCTION, "trap -130 was not EXC_BAD_INSTRUCTION")?;
    reap(m, task, c)?;
    drop_exception(m, task, &e)?;
    mach_port::mach_port_destroy(m, task, exc).map_err(|_| "destroy")?;
    Ok(())
}

/// xorshift32.
fn next(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

fn random_states(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let mut x = 0x1605_2026u32;
    let text = tf_child as *const () as usize as u32;
    let stack = CHILD_STACK.load(Ordering::SeqCst);
    for round in 0..40 {
        let child = mach::task_create(m, task, 1).map_err(|_| "task_create")?.child_task;
        let mut ths = [0u32; 2];
        for th in ths.iter_mut() {
            *th = mach::thread_create(m, child).map_err(|_| "thread_create")?.child_thread;
        }
        // The first may end the task before the second starts.
        for th in ths.iter_mut() {
            let mut state = [0u32; 17];
            for w in state.iter_mut() {
                *w = next(&mut x);
            }
            // Half of them start somewhere plausible.
            if round % 2 == 0 {
                state[12] = text.wrapping_add(next(&mut x) % 64);
                state[15] = stack + next(&mut x) % STACK;
            }
            let _ = mach::thread_set_state(m, *th, 1, &state);
            let _ = mach::thread_resume(m, *th);
        }
        sleep_ms(next(&mut x) % 20);
        // The task may have ended already (a fault); terminate answers either way.
        let _ = mach::task_terminate(m, child);
        for th in ths {
            mach_port::mach_port_deallocate(m, task, th).map_err(|_| "deallocate thread")?;
        }
        mach_port::mach_port_deallocate(m, task, child).map_err(|_| "deallocate task")?;
    }
    uprintln!("{}: 40 tasks of random thread states came and went", NAME);
    Ok(())
}

/// A child thread loops on a trap (most of its time is spent entering and
/// leaving the kernel) while we set its state over and over: a thread
/// preempted with half a trap frame once had that half overwritten, and
/// the kernel died at `iret`. Two CPU-bound threads switch every quantum,
/// each switch somewhere in the child's loop.
fn state_storm(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    let c = spawn(m, task, trap_loop_child as *const () as usize, 0)?;
    let mut state = [0u32; 17];
    state[12] = trap_loop_child as *const () as usize as u32;
    state[15] = CHILD_STACK.load(Ordering::SeqCst) + STACK - 16;
    let mut n = 0u32;
    for _ in 0..STORM {
        mach::thread_set_state(m, c.1, 1, &state).map_err(|_| "thread_set_state")?;
        n += 1;
    }
    reap(m, task, c)?;
    uprintln!("{}: {} thread_set_state calls on a thread looping on a trap", NAME, n);
    Ok(())
}

entry!(main);
