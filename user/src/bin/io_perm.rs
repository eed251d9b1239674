//! `io_perm`: I/O port permissions of `mach_i386.defs`.
//!
//! `io_perm DEVICE-PORT grant`: `i386_io_perm_create` on the device master
//! port for COM1's ports 0x3f8..0x3ff and `i386_io_perm_modify` grant them
//! to this task; it then writes and reads back the UART's scratch register
//! (0x3ff) with `out`/`in`. Withdrawn again, the same `in` faults
//! (`EXC_BAD_INSTRUCTION`, general protection), which an exception handler
//! of the task catches, moving the thread past the instruction. GNU Mach's
//! checks: another port than the device master, or `from > to`, is
//! `KERN_INVALID_ARGUMENT`; a task port where the permission should be is
//! `KERN_INVALID_ARGUMENT`.
//!
//! `io_perm DEVICE-PORT deny`: a task never granted anything; its `in`
//! faults the same way.
//!
//! Boot-script line: `/io_perm ${device-port} grant $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use mach_user::abi::{KERN_FAILURE, KERN_INVALID_ARGUMENT, TASK_EXCEPTION_PORT};
use mach_user::message::*;
use mach_user::mig::{exc_server as es, mach, mach_i386 as mi, mach_port, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "io_perm";
const SCRATCH: u16 = 0x3ff;
const EXC_BAD_INSTRUCTION: u32 = 2;
/// What the handler leaves in %eax after skipping a faulting `in`.
const FAULTED: u32 = 0xFA17;

static EXC_PORT: AtomicU32 = AtomicU32::new(0);
static FAULTS: AtomicU32 = AtomicU32::new(0);
static LAST: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];

struct Handler {
    m: Mach,
}

impl es::ExcServer for Handler {
    fn exception_raise(&mut self, req: es::ExceptionRaiseRequest) -> Result<(), i32> {
        LAST[0].store(req.exception, SeqCst);
        LAST[1].store(req.code, SeqCst);
        if req.exception != EXC_BAD_INSTRUCTION {
            return Err(KERN_FAILURE);
        }
        FAULTS.fetch_add(1, SeqCst);
        let st = mach::thread_get_state(&mut self.m, req.thread, 1, 17).map_err(|_| KERN_FAILURE)?;
        let mut s = [0u32; 17];
        s.copy_from_slice(&st.old_state[..17]);
        s[11] = FAULTED; // eax
        s[12] += 1; // past `in al, dx` (EC)
        mach::thread_set_state(&mut self.m, req.thread, 1, &s).map_err(|_| KERN_FAILURE)?;
        Ok(())
    }
}

extern "C" fn handler_thread() -> ! {
    let mut h = Handler { m: Mach::new() };
    mach_user::mig::serve_forever(EXC_PORT.load(SeqCst), |req, reply| es::exc_server(&mut h, req, reply))
}

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// `in al, dx` at `port`; `FAULTED` when the handler skipped it.
fn inb(port: u16) -> u32 {
    let v: u32;
    // SAFETY: reads an I/O port this task may or may not use; without the
    // right the handler resumes past the one-byte instruction.
    unsafe { core::arch::asm!("xor eax, eax", ".byte 0xec", in("dx") port, out("eax") v, options(nostack, nomem)) };
    v
}

fn outb(port: u16, v: u8) {
    // SAFETY: writes the UART's scratch register, which nothing else uses.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") v, options(nostack, nomem)) };
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let grant = args.arg_str(2) == Some("grant");
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let e = mach_port::mach_port_allocate(&mut m, task, 1).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    EXC_PORT.store(e, SeqCst);
    mach::task_set_special_port(&mut m, task, TASK_EXCEPTION_PORT, e).map_err(|_| "task_set_special_port")?;
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    mach_user::start_thread(&mut m, handler_thread, stack, 8 * 4096)?;

    if !grant {
        let v = inb(SCRATCH);
        expect(v == FAULTED && FAULTS.load(SeqCst) == 1, "a task never granted the port read it")?;
        uprintln!("{}: not granted: in from {:#x} raised exception {} code {}", NAME, SCRATCH, LAST[0].load(SeqCst), LAST[1].load(SeqCst));
        return Ok(());
    }
    expect(mi::i386_io_perm_create(&mut m, task, 0x3f8, 0x3ff).err() == Some(KERN_INVALID_ARGUMENT), "io_perm_create on a task port")?;
    expect(mi::i386_io_perm_create(&mut m, master, 0x3ff, 0x3f8).err() == Some(KERN_INVALID_ARGUMENT), "io_perm_create with from > to")?;
    let perm = mi::i386_io_perm_create(&mut m, master, 0x3f8, 0x3ff).map_err(|_| "i386_io_perm_create")?.io_perm;
    expect(mi::i386_io_perm_modify(&mut m, task, task, 1).err() == Some(KERN_INVALID_ARGUMENT), "io_perm_modify with a task port as permission")?;
    mi::i386_io_perm_modify(&mut m, task, perm, 1).map_err(|_| "i386_io_perm_modify")?;
    for v in [0x5Au8, 0xA5, 0x3C] {
        outb(SCRATCH, v);
        let got = inb(SCRATCH);
        expect(got == u32::from(v), "the scratch register did not read back")?;
    }
    expect(FAULTS.load(SeqCst) == 0, "a granted port faulted")?;
    uprintln!("{}: granted 0x3f8-0x3ff: the UART scratch register reads back what was written", NAME);
    mi::i386_io_perm_modify(&mut m, task, perm, 0).map_err(|_| "withdrawing")?;
    let v = inb(SCRATCH);
    expect(v == FAULTED && FAULTS.load(SeqCst) == 1, "a withdrawn port was still readable")?;
    uprintln!("{}: withdrawn: in from {:#x} raised exception {} code {}", NAME, SCRATCH, LAST[0].load(SeqCst), LAST[1].load(SeqCst));
    let _ = mach_port::mach_port_deallocate(&mut m, task, perm);
    let _ = mach::task_set_special_port(&mut m, task, TASK_EXCEPTION_PORT, 0);
    Ok(())
}

entry!(main);
