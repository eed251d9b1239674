//! `exceptions`: Mach exceptions from `exc.defs`. A handler thread serves
//! the task's exception port with the MIG server for `exc.defs`. A read of
//! kernel memory raises EXC_BAD_ACCESS (code KERN_PROTECTION_FAILURE,
//! subcode the address); the handler moves the thread past the faulting
//! instruction with thread_set_state, sets %eax, and answers KERN_SUCCESS:
//! the thread goes on. Then a division by zero raises EXC_ARITHMETIC, which
//! the handler refuses: the kernel ends the task.
//!
//! Boot-script line: `/exceptions $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::message::*;
use mach_user::mig::{exc_server as es, mach, mach_port, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{EXC_BAD_ACCESS, KERN_FAILURE, KERN_PROTECTION_FAILURE, TASK_EXCEPTION_PORT};

const NAME: &str = "exceptions";
const BAD: u32 = 0xC000_1000;
const FIXED: u32 = 0x600D;

static EXC_PORT: AtomicU32 = AtomicU32::new(0);

struct Handler {
    m: Mach,
}

impl es::ExcServer for Handler {
    fn exception_raise(&mut self, req: es::ExceptionRaiseRequest) -> Result<(), i32> {
        uprintln!("{}: handler saw exception {} code {} subcode {:#x}", NAME, req.exception, req.code, req.subcode);
        if req.exception != EXC_BAD_ACCESS {
            return Err(KERN_FAILURE);
        }
        if req.code != KERN_PROTECTION_FAILURE as u32 || req.subcode != BAD {
            return Err(KERN_FAILURE);
        }
        let st = mach::thread_get_state(&mut self.m, req.thread, 1, 17).map_err(|_| KERN_FAILURE)?;
        let mut s = [0u32; 17];
        s.copy_from_slice(&st.old_state[..17]);
        s[11] = FIXED; // eax
        s[12] += 2; // eip: past `mov eax, [ecx]` (8B 01)
        mach::thread_set_state(&mut self.m, req.thread, 1, &s).map_err(|_| KERN_FAILURE)?;
        Ok(())
    }
}

extern "C" fn handler_thread() -> ! {
    let mut h = Handler { m: Mach::new() };
    mach_user::mig::serve_forever(EXC_PORT.load(Ordering::SeqCst), |req, reply| es::exc_server(&mut h, req, reply))
}

fn main(_args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    if let Err(why) = run() {
        uprintln!("user-test: {} FAILED: {}", NAME, why);
        return 0;
    }
    uprintln!("user-test: {} ok", NAME);
    // Refused by the handler: the task ends here.
    let q: u32;
    // SAFETY: not sound on purpose: #DE, which the handler refuses.
    unsafe { core::arch::asm!("div ecx", in("ecx") 0u32, inout("eax") 7u32 => q, inout("edx") 0u32 => _, options(nostack)) };
    uprintln!("user-test: {} FAILED: division by zero gave {}", NAME, q);
    0
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let e = mach_port::mach_port_allocate(&mut m, task, 1).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    EXC_PORT.store(e, Ordering::SeqCst);
    mach::task_set_special_port(&mut m, task, TASK_EXCEPTION_PORT, e).map_err(|_| "task_set_special_port")?;
    let got = mach::task_get_special_port(&mut m, task, TASK_EXCEPTION_PORT).map_err(|_| "task_get_special_port")?.special_port;
    expect(got == e, "task_get_special_port gave another port")?;
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    mach_user::start_thread(&mut m, handler_thread, stack, 8 * 4096)?;

    let eax: u32;
    // SAFETY: not sound by itself: the read faults, and the handler resumes
    // us two bytes on with %eax set.
    unsafe {
        core::arch::asm!(".byte 0x8b, 0x01", in("ecx") BAD, out("eax") eax, options(nostack));
    }
    uprintln!("{}: resumed after the fault with eax {:#x}", NAME, eax);
    expect(eax == FIXED, "the handler's state did not take")?;
    Ok(())
}

entry!(main);
