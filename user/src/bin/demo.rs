//! `demo`: what `cargo xtask run` shows: a user task that reads the IDE
//! disk and exchanges packets through device ports. It opens `hd0`, prints
//! its size and the partition table of its first sector, opens the first
//! partition (`hd0s1`) and prints its size; then opens `eth0`, sends an ARP
//! request for QEMU's gateway (10.0.2.2) with `device_write`, waits for the
//! reply through a BPF packet filter, and pings the gateway (ICMP echo).
//!
//! Boot-script line: `/demo ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::net;
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, uprintln, Args};
use mach_user::abi::{DEV_GET_SIZE, D_READ, D_WRITE, NET_ADDRESS};
use mach_user::message::MACH_MSG_TYPE_MAKE_SEND;


fn main(args: &Args) -> i32 {
    let Some(master) = args.number(1) else {
        uprintln!("demo: give me ${{device-port}}");
        return 1;
    };
    let mut m = Mach::new();
    disk(&mut m, master);
    network(&mut m, master);
    0
}

fn disk(m: &mut Mach, master: u32) {
    let hd = match ds::device_open(m, master, D_READ, &mach_user::device_name("hd0")) {
        Ok(r) => r.device,
        Err(e) => {
            uprintln!("demo: no hd0 ({})", e);
            return;
        }
    };
    if let Ok(s) = ds::device_get_status(m, hd, DEV_GET_SIZE, 2) {
        uprintln!("demo: hd0 holds {} bytes in records of {}", s.status[0], s.status[1]);
    }
    let mut sector = [0u8; 512];
    match ds::device_read(m, hd, 0, 0, 512) {
        Ok(r) if r.data.count == 512 => {
            // SAFETY: the kernel mapped the 512 bytes of out-of-line data at `addr`.
            sector.copy_from_slice(unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, 512) });
            // SAFETY: no arguments.
            let _ = mach::vm_deallocate(m, unsafe { mach_task_self() }, r.data.addr, 512);
        }
        Ok(_) => uprintln!("demo: hd0 record 0 came back short"),
        Err(e) => uprintln!("demo: hd0 read failed ({})", e),
    }
    if sector[510..512] != [0x55, 0xaa] {
        uprintln!("demo: hd0 has no partition table (no 55 aa signature)");
        return;
    }
    for (i, e) in sector[446..510].chunks(16).enumerate() {
        let le = |o: usize| u32::from_le_bytes([e[o], e[o + 1], e[o + 2], e[o + 3]]);
        if e[4] != 0 {
            uprintln!("demo: hd0 partition {}: type {:#04x}, sectors {}..{}", i + 1, e[4], le(8), u64::from(le(8)) + u64::from(le(12)));
        }
    }
    if let Ok(p) = ds::device_open(m, master, D_READ, &mach_user::device_name("hd0s1")) {
        if let Ok(s) = ds::device_get_status(m, p.device, DEV_GET_SIZE, 2) {
            uprintln!("demo: hd0s1 holds {} bytes", s.status[0]);
        }
        let _ = ds::device_close(m, p.device);
    }
}

fn network(m: &mut Mach, master: u32) {
    let eth = match ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name("eth0")) {
        Ok(r) => r.device,
        Err(e) => {
            uprintln!("demo: no eth0 ({})", e);
            return;
        }
    };
    let mac = match ds::device_get_status(m, eth, NET_ADDRESS, 2) {
        Ok(s) => net::mac_of_status(&s.status[..2]),
        Err(_) => return,
    };
    uprintln!("demo: eth0 is {:02x?}", mac);
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(rp) = mach_port::mach_port_allocate(m, task, 1).map(|r| r.name) else { return };
    let filter = net::arp_reply_filter();
    if ds::device_set_filter(m, eth, rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND }, 100, &filter).is_err() {
        uprintln!("demo: packet filter refused");
        return;
    }
    let frame = net::arp_request(mac, [10, 0, 2, 15], [10, 0, 2, 2]);
    if ds::device_write_inband(m, eth, 0, 0, &frame).is_err() {
        uprintln!("demo: send failed");
        return;
    }
    let mut b = [0u32; 128];
    // SAFETY: a 512-byte buffer.
    let r = unsafe { mach_msg_trap(b.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 512, rp, 3000, 0) };
    if r != 0 || b[5] != net::NET_RCV_MSG_ID {
        uprintln!("demo: no ARP reply ({:#x})", r);
        return;
    }
    // SAFETY: the 512 bytes of `b`, viewed as bytes.
    let bytes: &[u8] = unsafe { core::slice::from_raw_parts(b.as_ptr().cast(), 512) };
    // header (64 bytes from offset 28): the source MAC follows the destination.
    let mut gateway = [0u8; 6];
    gateway.copy_from_slice(&bytes[34..40]);
    uprintln!("demo: ARP reply from {:02x?} (10.0.2.2)", gateway);
    ping(m, eth, mac, gateway);
}

/// An ICMP echo request to the gateway and its reply.
fn ping(m: &mut Mach, eth: u32, mac: [u8; 6], gateway: [u8; 6]) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(rp) = mach_port::mach_port_allocate(m, task, 1).map(|r| r.name) else { return };
    let filter = net::icmp_echo_reply_filter();
    if ds::device_set_filter(m, eth, rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND }, 100, &filter).is_err() {
        return;
    }
    let mut buf = rt::MsgBuf::<4300>::new();
    for seq in 1..=3u16 {
        let f = net::icmp_echo_request(mac, [10, 0, 2, 15], gateway, [10, 0, 2, 2], 0x4d41, seq);
        if ds::device_write_inband(m, eth, 0, 0, &f).is_err() {
            uprintln!("demo: send failed");
            return;
        }
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 4300, rp, 1000, 0) };
        match (r, net::check_icmp_echo_reply(&buf.0, &f)) {
            (0, Ok(())) => uprintln!("demo: ping 10.0.2.2 seq {}: echo reply, 32 bytes of data", seq),
            (0, Err(why)) => uprintln!("demo: ping 10.0.2.2 seq {}: bad reply ({})", seq, why),
            _ => uprintln!("demo: ping 10.0.2.2 seq {}: no reply ({:#x})", seq, r),
        }
    }
}

entry!(main);
