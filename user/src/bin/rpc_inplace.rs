//! `rpc_inplace`: kernel RPCs served in the caller's context (the fast
//! path: no request or reply queued) look exactly like queued ones, as GNU
//! Mach delivers them. Each check makes a raw `mach_port_type` RPC with
//! `mach_msg` (`COPY_SEND` to the task port, `MAKE_SEND_ONCE` of a reply
//! port, received there) and reads the whole reply:
//! - header: bits `MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE)`, size,
//!   no remote port, the reply port as local port, one sequence number per
//!   reply, id + 100; body: the return code and the type;
//! - the reply port's status after 200 RPCs: sequence number 200, nothing
//!   queued, no send-once right left; the task port's send references unchanged;
//! - a message already queued on the reply port comes first, the reply after;
//! - a receive buffer too small: `MACH_RCV_TOO_LARGE` (the reply is gone),
//!   or with `MACH_RCV_LARGE` the size and the reply stays for the next receive;
//! - a reply port in a port set: `MACH_RCV_IN_SET`, the reply waits in the set;
//! - an unknown reply name: `MACH_SEND_INVALID_REPLY`; a dead task port:
//!   `MACH_SEND_INVALID_DEST`; an unknown routine id: a `MIG_BAD_ID` reply.
//!
//! Boot-script line: `/rpc_inplace $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_INVALID_HOST, KERN_INVALID_TASK, MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_RECEIVE, MIG_BAD_ID};
use mach_user::message::*;
use mach_user::mig::{mach, mach_port, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "rpc_inplace";
const MACH_PORT_TYPE_ID: u32 = 3201;

/// A raw `mach_port_type(task, name)` with reply port `reply`; returns the
/// mach_msg code and the buffer as received.
fn type_rpc(task: u32, name: u32, reply: u32, id: u32, option: i32, rcv_size: u32) -> (i32, [u32; 16]) {
    let mut b = [0u32; 16];
    b[..8].copy_from_slice(&[msgh_bits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 32, task, reply, 0, id, 0x1001_200f, name]);
    // SAFETY: a 64-byte buffer, larger than any size given.
    let code = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG | option, 32, rcv_size, reply, 0, 0) };
    (code, b)
}

fn receive(port: u32, size: u32) -> (i32, [u32; 16]) {
    let mut b = [0u32; 16];
    // SAFETY: a 64-byte buffer.
    let code = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, port, 0, 0) };
    (code, b)
}

/// (seqno, msgcount, sorights) of receive right `name`.
fn status(m: &mut Mach, task: u32, name: u32) -> Result<(u32, u32, u32), &'static str> {
    let s = mach_port::mach_port_get_receive_status(m, task, name).map_err(|_| "mach_port_get_receive_status")?.status;
    Ok((s[1], s[4], s[5]))
}

/// The reply of a successful `mach_port_type` on `reply` with sequence number `seqno`.
fn good_reply(b: &[u32; 16], reply: u32, seqno: u32) -> bool {
    b[..6] == [msgh_bits(0, MACH_MSG_TYPE_PORT_SEND_ONCE), 40, 0, reply, seqno, MACH_PORT_TYPE_ID + 100]
        && b[6] == 0x1001_2002
        && b[7] == 0
        && b[9] == MACH_PORT_TYPE_RECEIVE
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let alloc = |m: &mut Mach, right| mach_port::mach_port_allocate(m, task, right).map(|r| r.name).map_err(|_| "mach_port_allocate");
    let refs = |m: &mut Mach| mach_port::mach_port_get_refs(m, task, task, MACH_PORT_RIGHT_SEND).map(|r| r.refs).map_err(|_| "mach_port_get_refs");
    let r = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let task_refs = refs(&mut m)?;

    for i in 0..200 {
        let (code, b) = type_rpc(task, r, r, MACH_PORT_TYPE_ID, 0, 64);
        expect(code == MACH_MSG_SUCCESS, "an RPC failed")?;
        if !good_reply(&b, r, i) {
            uprintln!("{}: reply {} was {:x?}", NAME, i, &b[..10]);
            return Err("a reply differs from GNU Mach's");
        }
    }
    expect(status(&mut m, task, r)? == (200, 0, 0), "the reply port's seqno, queue or send-once count is off after 200 RPCs")?;
    expect(refs(&mut m)? == task_refs, "RPCs changed the task port's send references")?;
    uprintln!("{}: 200 replies as GNU Mach's, counts unchanged", NAME);

    // A message already on the reply port comes first.
    let mut own = [msgh_bits(MACH_MSG_TYPE_MAKE_SEND, 0), 24, r, 0, 0, 777];
    // SAFETY: a 24-byte buffer.
    let sent = unsafe { mach_msg_trap(own.as_mut_ptr().cast(), MACH_SEND_MSG, 24, 0, 0, 0, 0) };
    expect(sent == MACH_MSG_SUCCESS, "sending to the reply port")?;
    let (code, b) = type_rpc(task, r, r, MACH_PORT_TYPE_ID, 0, 64);
    expect(code == MACH_MSG_SUCCESS && b[5] == 777 && b[4] == 200, "the queued message did not come first")?;
    let (code, b) = receive(r, 64);
    expect(code == MACH_MSG_SUCCESS && good_reply(&b, r, 201), "the reply did not follow the queued message")?;

    // Too small a buffer.
    let (code, _) = type_rpc(task, r, r, MACH_PORT_TYPE_ID, 0, 24);
    expect(code == MACH_RCV_TOO_LARGE, "a 24-byte buffer did not get MACH_RCV_TOO_LARGE")?;
    expect(status(&mut m, task, r)? == (203, 0, 0), "the reply too large was not dropped")?;
    let (code, b) = type_rpc(task, r, r, MACH_PORT_TYPE_ID, MACH_RCV_LARGE, 24);
    expect(code == MACH_RCV_TOO_LARGE && b[1] == 40, "MACH_RCV_LARGE did not give the size")?;
    let (code, b) = receive(r, 64);
    expect(code == MACH_MSG_SUCCESS && good_reply(&b, r, 203), "the large reply did not stay queued")?;
    uprintln!("{}: queued messages first, small buffers as GNU Mach", NAME);

    // A reply port in a set.
    let set = alloc(&mut m, MACH_PORT_RIGHT_PORT_SET)?;
    let r2 = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_move_member(&mut m, task, r2, set).map_err(|_| "mach_port_move_member")?;
    let (code, _) = type_rpc(task, r2, r2, MACH_PORT_TYPE_ID, 0, 64);
    expect(code == MACH_RCV_IN_SET, "receiving on a member did not give MACH_RCV_IN_SET")?;
    let (code, b) = receive(set, 64);
    expect(code == MACH_MSG_SUCCESS && good_reply(&b, r2, 0), "the reply did not wait in the set")?;

    // Refusals.
    let (code, _) = type_rpc(task, r, 0x4242, MACH_PORT_TYPE_ID, 0, 64);
    expect(code == MACH_SEND_INVALID_REPLY, "an unknown reply name was not refused")?;
    let child = mach::task_create(&mut m, task, 0).map_err(|_| "task_create")?.child_task;
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate")?;
    let (code, _) = type_rpc(child, r, r, MACH_PORT_TYPE_ID, 0, 64);
    expect(code == MACH_SEND_INVALID_DEST, "a dead task port was not refused")?;
    let (code, b) = type_rpc(task, r, r, 3299, 0, 64);
    expect(code == MACH_MSG_SUCCESS && b[5] == 3399 && b[7] as i32 == MIG_BAD_ID, "an unknown routine did not answer MIG_BAD_ID")?;
    expect(status(&mut m, task, r)? == (205, 0, 0), "counts off after the refusals")?;
    // A routine sent to a kernel port of another kind answers with its own
    // check, as GNU Mach's (not MIG_BAD_ID).
    // SAFETY: no arguments.
    let (host, me) = unsafe { (mach_user::trap::mach_host_self(), mach_user::trap::mach_thread_self()) };
    expect(mach_port::mach_port_type(&mut m, host, r).err() == Some(KERN_INVALID_TASK), "mach_port_type on the host port")?;
    expect(mach::vm_allocate(&mut m, me, 0, 4096, 1).err() == Some(KERN_INVALID_ARGUMENT), "vm_allocate on a thread port")?;
    expect(mach::thread_suspend(&mut m, task).err() == Some(KERN_INVALID_ARGUMENT), "thread_suspend on a task port")?;
    expect(mach_user::mig::mach_host::host_info(&mut m, task, 1, 12).err() == Some(KERN_INVALID_HOST), "host_info on a task port")?;
    let _ = mach_port::mach_port_deallocate(&mut m, task, me);
    uprintln!("{}: sets and refusals as GNU Mach", NAME);

    for name in [r, r2, set, child] {
        let _ = mach_port::mach_port_destroy(&mut m, task, name);
    }
    Ok(())
}

fn main(_: &Args) -> i32 {
    mach_user::test_main(NAME, run)
}

entry!(main);
