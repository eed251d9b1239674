//! `echo_client`: calls `echo_server` (another task) through MIG stubs made
//! from `user/defs/echo.defs`, passing port rights of every disposition and
//! out-of-line data, then terminates the server and checks what its death
//! does to the client: its send right to the service becomes a dead name
//! with a dead-name notification, and a port whose only send right the server
//! held gets a no-senders notification.
//!
//! Boot-script line: `/echo_client ${srv} $(task-create) $(task-resume)`
//! (argv[1] is the name of the server's task port).
//! Last line: `user-test: echo_client ok` or `user-test: echo_client FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::mig::{echo_user as echo, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self, thread_switch};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{KERN_INVALID_NAME, MACH_NOTIFY_NO_SENDERS, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND};

const NAME: &str = "echo_client";
const SERVICE: u32 = 100;
const TYPE_DEAD_NAME: u32 = 1 << 20;
const NOTIFY_DEAD_NAME: u32 = 72;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let srv_task = args.number(1).ok_or("argv[1] is not the server's task port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };

    // A send right to the service, once the server has made it.
    let mut service = 0;
    for _ in 0..200 {
        if let Ok(r) = mach_port::mach_port_extract_right(&mut m, srv_task, SERVICE, MACH_MSG_TYPE_MAKE_SEND) {
            service = r.poly.name;
            break;
        }
        // SAFETY: plain arguments: wait 10 ms.
        unsafe { thread_switch(0, 2, 10) };
    }
    expect(service != 0, "no service port after 2 s")?;
    expect(echo::echo_add(&mut m, service, 40, 2).map(|r| r.sum) == Ok(42), "echo_add")?;

    // Every disposition; what arrives, and what stays here.
    let p = |m: &mut Mach| mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate");
    let send = |m: &mut Mach, name: u32, disp: u32| echo::echo_port(m, service, rt::PolyPort { name, disposition: disp }).map_err(|_| "echo_port");
    let a = p(&mut m)?;
    expect(send(&mut m, a, MACH_MSG_TYPE_MAKE_SEND)?.ptype == MACH_MSG_TYPE_PORT_SEND, "MACH_MSG_TYPE_MAKE_SEND arrived as something else")?;
    expect(send(&mut m, a, MACH_MSG_TYPE_MAKE_SEND_ONCE)?.ptype == MACH_MSG_TYPE_PORT_SEND_ONCE, "MACH_MSG_TYPE_MAKE_SEND_ONCE")?;
    mach_port::mach_port_insert_right(&mut m, task, a, rt::PolyPort { name: a, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    mach_port::mach_port_mod_refs(&mut m, task, a, MACH_PORT_RIGHT_SEND, 1).map_err(|_| "mod_refs")?;
    expect(send(&mut m, a, MACH_MSG_TYPE_COPY_SEND)?.ptype == MACH_MSG_TYPE_PORT_SEND, "MACH_MSG_TYPE_COPY_SEND")?;
    expect(mach_port::mach_port_get_refs(&mut m, task, a, MACH_PORT_RIGHT_SEND).map(|r| r.refs) == Ok(2), "MACH_MSG_TYPE_COPY_SEND took a reference")?;
    expect(send(&mut m, a, MACH_MSG_TYPE_MOVE_SEND)?.ptype == MACH_MSG_TYPE_PORT_SEND, "MACH_MSG_TYPE_MOVE_SEND")?;
    expect(mach_port::mach_port_get_refs(&mut m, task, a, MACH_PORT_RIGHT_SEND).map(|r| r.refs) == Ok(1), "MACH_MSG_TYPE_MOVE_SEND did not take one reference")?;
    // A send-once right made here, then moved.
    let mut hdr = [0u32; 8];
    hdr[..6].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND_ONCE, 24, a, 0, 0, 1]);
    let b = p(&mut m)?;
    let once = mach_port::mach_port_extract_right(&mut m, task, b, MACH_MSG_TYPE_MAKE_SEND_ONCE).map_err(|_| "extract send-once")?.poly.name;
    expect(send(&mut m, once, MACH_MSG_TYPE_MOVE_SEND_ONCE)?.ptype == MACH_MSG_TYPE_PORT_SEND_ONCE, "MACH_MSG_TYPE_MOVE_SEND_ONCE")?;
    expect(mach_port::mach_port_type(&mut m, task, once).is_err() || once == b, "send-once name still valid")?;
    let _ = hdr;
    // A receive right, moved: gone from here, owned by the server now.
    let c = p(&mut m)?;
    let r = send(&mut m, c, MACH_MSG_TYPE_MOVE_RECEIVE)?;
    expect(r.ptype == MACH_MSG_TYPE_PORT_RECEIVE, "MACH_MSG_TYPE_MOVE_RECEIVE")?;
    expect(mach_port::mach_port_type(&mut m, task, c).err() == Some(KERN_INVALID_NAME), "moved receive right still here")?;
    uprintln!("{}: every disposition crossed", NAME);

    // Out-of-line data.
    let buf = mach::vm_allocate(&mut m, task, 0, 8192, 1).map_err(|_| "vm_allocate")?.address;
    // SAFETY: our own fresh pages.
    let data = unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, 5000) };
    for (i, x) in data.iter_mut().enumerate() {
        *x = i as u8;
    }
    let want: u32 = data.iter().map(|&x| u32::from(x)).sum();
    let r = echo::echo_data(&mut m, service, rt::Ool { addr: buf, count: 5000, dealloc: false }).map_err(|_| "echo_data")?;
    expect(r.count == 5000 && r.sum == want, "out-of-line data differs on arrival")?;
    uprintln!("{}: out-of-line data crossed", NAME);

    // The server's death: a dead name here, and no senders left for `d`.
    let n = p(&mut m)?;
    let d = p(&mut m)?;
    send(&mut m, d, MACH_MSG_TYPE_MAKE_SEND)?; // the server's is the only send right (mscount 1)
    mach_port::mach_port_request_notification(&mut m, task, d, MACH_NOTIFY_NO_SENDERS, 1, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request no-senders")?;
    mach_port::mach_port_request_notification(&mut m, task, service, NOTIFY_DEAD_NAME, 0, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request dead-name")?;
    mach::task_terminate(&mut m, srv_task).map_err(|_| "task_terminate")?;
    let mut got = [0u32; 2];
    for slot in got.iter_mut() {
        let mut b = [0u32; 16];
        // SAFETY: a 64-byte buffer.
        let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, n, 2000, 0) };
        expect(r == 0, "a notification did not come")?;
        *slot = b[5];
    }
    got.sort_unstable();
    uprintln!("{}: notifications {} and {} after the server died", NAME, got[0], got[1]);
    expect(got == [MACH_NOTIFY_NO_SENDERS, NOTIFY_DEAD_NAME], "wrong notifications")?;
    let ty = mach_port::mach_port_type(&mut m, task, service).map_err(|_| "type of service")?.ptype;
    expect(ty & TYPE_DEAD_NAME != 0, "service name is not a dead name")?;
    Ok(())
}

entry!(main);
