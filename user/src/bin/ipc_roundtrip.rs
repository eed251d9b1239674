//! `ipc_roundtrip`: sends itself a message and receives it in one `mach_msg`.
//!
//! Allocates a receive right with `mach_reply_port`, then calls `mach_msg_trap`
//! with `MACH_SEND_MSG | MACH_RCV_MSG` on one buffer: the message goes to that
//! port (remote disposition `MAKE_SEND`, no reply port) carrying one inline
//! `INTEGER_32` item, and is received back from the same port. Checks the
//! received size, id, item descriptor, data, and the port names in the header.
//!
//! Boot-script line: `/ipc_roundtrip $(task-create) $(task-resume)`.
//! Last line: `user-test: ipc_roundtrip ok` or `user-test: ipc_roundtrip FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::trap::{mach_msg_trap, mach_reply_port};
use mach_user::{entry, uprintln, Args, MACH_PORT_NULL};

const NAME: &str = "ipc_roundtrip";
const MSG_ID: i32 = 4242;
const PAYLOAD: u32 = 0xC0FF_EE42;

/// Header, one INTEGER_32 descriptor, its data: 32 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
struct SimpleMsg {
    header: MachMsgHeader,
    desc: MachMsgType,
    value: u32,
}

/// The receive buffer: room for the message and more.
#[repr(C)]
#[derive(Clone, Copy)]
struct Buffer {
    msg: SimpleMsg,
    spare: [u32; 8],
}

fn main(_args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    match roundtrip() {
        Ok(()) => {
            uprintln!("ipc-roundtrip ok");
            uprintln!("user-test: {} ok", NAME);
        }
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

fn roundtrip() -> Result<(), &'static str> {
    // SAFETY: no arguments; adds a receive right to our own space.
    let port = unsafe { mach_reply_port() };
    uprintln!("{}: reply port {}", NAME, port);
    if port == MACH_PORT_NULL {
        return Err("mach_reply_port() returned MACH_PORT_NULL");
    }
    let send_size = core::mem::size_of::<SimpleMsg>() as u32;
    let mut buf = Buffer {
        msg: SimpleMsg {
            header: MachMsgHeader {
                bits: msgh_bits(MACH_MSG_TYPE_MAKE_SEND, 0),
                size: send_size,
                remote_port: port,
                local_port: MACH_PORT_NULL,
                seqno: 0,
                id: MSG_ID,
            },
            desc: INTEGER_32_DESC,
            value: PAYLOAD,
        },
        spare: [0; 8],
    };
    // SAFETY: `buf` is a valid, writable message buffer of `rcv_size` bytes; the
    // kernel reads `send_size` bytes from it and writes the received message back.
    let kr = unsafe {
        mach_msg_trap(
            // Derived from the whole buffer: the kernel writes up to rcv_size bytes.
            core::ptr::addr_of_mut!(buf).cast::<MachMsgHeader>(),
            MACH_SEND_MSG | MACH_RCV_MSG,
            send_size,
            core::mem::size_of::<Buffer>() as u32,
            port,
            MACH_MSG_TIMEOUT_NONE,
            MACH_PORT_NULL,
        )
    };
    let h = buf.msg.header;
    uprintln!(
        "{}: mach_msg -> {:#x}; bits {:#x} size {} remote {} local {} seqno {} id {}; desc {:#x} value {:#x}",
        NAME,
        kr,
        h.bits,
        h.size,
        h.remote_port,
        h.local_port,
        h.seqno,
        h.id,
        buf.msg.desc.0,
        buf.msg.value
    );
    if kr != MACH_MSG_SUCCESS {
        return Err("mach_msg did not return MACH_MSG_SUCCESS");
    }
    if h.size != send_size {
        return Err("received size differs from the size sent");
    }
    if h.id != MSG_ID {
        return Err("received id differs from the id sent");
    }
    if h.bits & MACH_MSGH_BITS_COMPLEX != 0 {
        return Err("a simple message came back complex");
    }
    if h.local_port != port {
        return Err("msgh_local_port is not the port received from");
    }
    if h.remote_port != MACH_PORT_NULL {
        return Err("msgh_remote_port is not null (no reply port was sent)");
    }
    if buf.msg.desc != INTEGER_32_DESC {
        return Err("the INTEGER_32 descriptor changed");
    }
    if buf.msg.value != PAYLOAD {
        return Err("the data changed");
    }
    Ok(())
}

entry!(main);
