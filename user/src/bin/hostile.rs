//! `hostile`: a task that feeds the kernel bad input and checks each answer:
//! wild buffer pointers, short and odd-sized messages, bad header
//! dispositions, unknown destination and reply names, port descriptors
//! naming nothing, descriptor counts past the message end, out-of-line data
//! at kernel addresses, receives into kernel memory and on bad names, kernel
//! RPCs with malformed bodies, and traps with wild pointers. At the end it
//! writes into the kernel, which must end only this task. Given the device
//! master port, it dies holding the `time` device open: the kernel must close
//! the device when the task's send right goes.
//!
//! Boot-script line: `/hostile [${device-port}] $(task-create) $(task-resume)`.
//! Prints `user-test: hostile ok` before its final, fatal write.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::trap::{mach_msg_trap, mach_print, mach_reply_port, mach_task_self, syscall_vm_allocate};
use mach_user::{entry, uprintln, Args};
use mach_user::abi::{KERN_INVALID_ADDRESS, MIG_BAD_ARGUMENTS};

const NAME: &str = "hostile";
const KERNEL: u32 = 0xC010_0000;

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    if let Some(master) = args.number(1) {
        let n = mach_user::device_name("time");
        match mach_user::mig::device::device_open(&mut mach_user::mig::Mach::new(), master, 1, &n) {
            Ok(_) => uprintln!("{}: dies holding the time device", NAME),
            Err(_) => uprintln!("user-test: {} FAILED: device_open time", NAME),
        }
    }
    match run() {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => {
            uprintln!("user-test: {} FAILED: {}", NAME, why);
            return 0;
        }
    }
    // The last straw: a write into the kernel. Only this task may die.
    // SAFETY: not sound on purpose; the kernel must end this task.
    unsafe { core::ptr::write_volatile(KERNEL as *mut u32, 0xDEAD) };
    uprintln!("user-test: {} FAILED: wrote kernel memory", NAME);
    0
}

fn msg(buf: *mut u32, option: i32, send: u32, rcv: u32, name: u32) -> i32 {
    // SAFETY: deliberately hostile pointers are the point; the kernel checks them.
    unsafe { mach_msg_trap(buf.cast(), option, send, rcv, name, 0, 0) }
}

fn check(what: &'static str, got: i32, want: i32) -> Result<(), &'static str> {
    if got == want {
        Ok(())
    } else {
        uprintln!("{}: {}: got {:#x}, want {:#x}", NAME, what, got, want);
        Err(what)
    }
}

fn run() -> Result<(), &'static str> {
    // SAFETY: no arguments.
    let (task, port) = unsafe { (mach_task_self(), mach_reply_port()) };
    let mut b = [0u32; 64];
    let p = b.as_mut_ptr();

    check("buffer in the kernel", msg(KERNEL as *mut u32, MACH_SEND_MSG, 32, 0, 0), MACH_SEND_INVALID_DATA)?;
    check("buffer past the end of user space", msg(0xBFFF_FFF0 as *mut u32, MACH_SEND_MSG, 32, 0, 0), MACH_SEND_INVALID_DATA)?;
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND, 24, port, 0, 0, 1]);
    check("20-byte message", msg(p, MACH_SEND_MSG, 20, 0, 0), MACH_SEND_MSG_TOO_SMALL)?;
    check("26-byte message", msg(p, MACH_SEND_MSG, 26, 0, 0), MACH_SEND_MSG_TOO_SMALL)?;
    b[..6].copy_from_slice(&[5, 24, port, 0, 0, 1]);
    check("bad remote disposition", msg(p, MACH_SEND_MSG, 24, 0, 0), MACH_SEND_INVALID_HEADER)?;
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_COPY_SEND, 24, 0x4321, 0, 0, 1]);
    check("unknown destination", msg(p, MACH_SEND_MSG, 24, 0, 0), MACH_SEND_INVALID_DEST)?;
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), 24, port, 0x4321, 0, 1]);
    check("unknown reply port", msg(p, MACH_SEND_MSG, 24, 0, 0), MACH_SEND_INVALID_REPLY)?;
    b[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 32, port, 0, 0, 1, MachMsgType::new(MACH_MSG_TYPE_COPY_SEND, 32, 1, true, false).0, 0x4321]);
    check("port item naming nothing", msg(p, MACH_SEND_MSG, 32, 0, 0), MACH_SEND_INVALID_RIGHT)?;
    // A simple message's body is not the kernel's business (GNU Mach leaves
    // it alone); a complex one is walked, and its counts are checked.
    b[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 32, port, 0, 0, 1, MachMsgType::new(2, 32, 4000, true, false).0, 7]);
    check("count past the message end", msg(p, MACH_SEND_MSG, 32, 0, 0), MACH_SEND_MSG_TOO_SMALL)?;
    b[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 1, 1 << 29, 9 | (8 << 16), 4096, KERNEL]);
    check("out-of-line data in the kernel", msg(p, MACH_SEND_MSG, 40, 0, 0), MACH_SEND_INVALID_MEMORY)?;

    // Receives.
    check("receive on a bad name", msg(p, MACH_RCV_MSG, 0, 256, 0x4321), MACH_RCV_INVALID_NAME)?;
    b[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND, 24, port, 0, 0, 2]);
    check("send to self", msg(p, MACH_SEND_MSG, 24, 0, 0), 0)?;
    check("receive into the kernel", msg(KERNEL as *mut u32, MACH_RCV_MSG, 0, 256, port), MACH_RCV_INVALID_DATA)?;

    // A kernel RPC with a malformed body: vm_allocate (2021) whose first item
    // has the wrong type.
    b[..14].copy_from_slice(&[
        MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), 56, task, port, 0, 2021,
        MachMsgType::new(9, 8, 4, true, false).0, 0,
        MachMsgType::new(2, 32, 1, true, false).0, 4096,
        MachMsgType::new(2, 32, 1, true, false).0, 1,
        0, 0,
    ]);
    check("malformed RPC send", msg(p, MACH_SEND_MSG | MACH_RCV_MSG, 48, 256, port), 0)?;
    check("malformed RPC answer id", b[5] as i32, 2121)?;
    check("malformed RPC return code", b[7] as i32, MIG_BAD_ARGUMENTS)?;

    // Traps with wild pointers.
    // SAFETY: deliberately bad pointers; the kernel checks them.
    let r = unsafe { syscall_vm_allocate(task, KERNEL as *mut u32, 4096, 1) };
    check("vm_allocate into a kernel pointer", r, KERN_INVALID_ADDRESS)?;
    // SAFETY: as above.
    let r = unsafe { mach_print(KERNEL as *const u8) };
    let _ = r;
    uprintln!("{}: the kernel refused everything", NAME);
    Ok(())
}

entry!(main);
