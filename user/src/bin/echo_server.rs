//! `echo_server`: serves `user/defs/echo.defs` on a receive right it
//! allocates under the well-known name 100, with the server side the MIG
//! generator made from that file. It keeps every right it is given, so that
//! its death releases them (the client checks the notifications).
//!
//! Boot-script line: `/echo_server $(srv=task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::mig::{echo_server as es, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, uprintln, Args};
use mach_user::abi::MACH_PORT_RIGHT_RECEIVE;

/// The name the client asks for.
const SERVICE: u32 = 100;

struct Echo;

impl es::EchoServer for Echo {
    fn echo_add(&mut self, req: es::EchoAddRequest) -> Result<es::EchoAddReply, i32> {
        Ok(es::EchoAddReply { sum: req.a.wrapping_add(req.b) })
    }

    fn echo_port(&mut self, req: es::EchoPortRequest) -> Result<es::EchoPortReply, i32> {
        Ok(es::EchoPortReply { ptype: req.port.disposition, name: req.port.name })
    }

    fn echo_data(&mut self, req: es::EchoDataRequest) -> Result<es::EchoDataReply, i32> {
        // SAFETY: the kernel mapped the out-of-line bytes into our space.
        let data = unsafe { core::slice::from_raw_parts(req.data.addr as *const u8, req.data.count as usize) };
        let sum = data.iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
        Ok(es::EchoDataReply { count: req.data.count, sum })
    }
}

fn main(_args: &Args) -> i32 {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    if mach_port::mach_port_allocate_name(&mut m, task, MACH_PORT_RIGHT_RECEIVE, SERVICE).is_err() {
        uprintln!("echo_server: cannot allocate name {}", SERVICE);
        return 1;
    }
    uprintln!("echo_server: serving on {}", SERVICE);
    let mut req = rt::MsgBuf::<1024>::new();
    let mut reply = rt::MsgBuf::<1024>::new();
    loop {
        // SAFETY: a 1024-byte buffer.
        let r = unsafe { mach_msg_trap(req.0.as_mut_ptr().cast(), MACH_RCV_MSG, 0, 1024, SERVICE, 0, 0) };
        if r != 0 {
            uprintln!("echo_server: receive failed {:#x}", r);
            continue;
        }
        let out = es::echo_server(&mut Echo, &req.0, &mut reply.0);
        if out.send_reply {
            // SAFETY: the generated server wrote `reply_size` bytes.
            unsafe { mach_msg_trap(reply.0.as_mut_ptr().cast(), MACH_SEND_MSG, out.reply_size as u32, 0, 0, 0, 0) };
        }
    }
}

entry!(main);
