//! `net_test`: an Ethernet interface through `device.defs` (argv[1], from
//! `${device-port}`): opens `eth0`, checks `NET_ADDRESS` (QEMU's MAC
//! 52:54:00:12:34:56, as the test gives it) and `NET_STATUS`, is refused
//! invalid filters with D_INVALID_OPERATION, installs a BPF filter for ARP
//! replies, sends an ARP request for 10.0.2.2 (QEMU's user-mode gateway)
//! as a raw frame with `device_write`, and receives the reply as a
//! `net_rcv_msg` (id 2999) on its own port, checking the gateway's MAC and
//! IP address in it. Then it pings the gateway (ICMP echo through a second
//! BPF filter) and checks the reply's identifier, sequence and data.
//!
//! With argv[2] `flap`, it first follows the link through `NET_LINK`: up,
//! then (the host's QEMU monitor runs `set_link <id> off` when it prints
//! `net_test: flap: link up, drop it`) down, then (`set_link <id> on` on
//! `net_test: flap: link down, raise it`) up again, and only then does all
//! of the above, which proves the NIC carries traffic after the link came
//! back.
//!
//! Boot-script line: `/net_test ${device-port} [flap] $(task-create) $(task-resume)`.
//! Last line: `user-test: net_test ok` or `user-test: net_test FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::mig::{device as ds, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{D_INVALID_OPERATION, D_INVALID_SIZE, D_READ, D_WRITE, IFF_ALLMULTI, IFF_PROMISC, IFF_UP, MACH_PORT_RIGHT_RECEIVE, NET_ADDRESS, NET_FLAGS, NET_LINK, NET_STATISTICS, NET_STATUS};
use mach_user::message::{MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_TIMED_OUT};
use mach_user::net::{self, insn, NETF_BPF, NETF_IN, NET_RCV_MSG_ID};

const NAME: &str = "net_test";

const OUR_MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const OUR_IP: [u8; 4] = [10, 0, 2, 15];
const GATEWAY_IP: [u8; 4] = [10, 0, 2, 2];
/// QEMU's user-mode network answers for its gateway with 52:55 + the IP.
const GATEWAY_MAC: [u8; 6] = [0x52, 0x55, 10, 0, 2, 2];

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn arp_reply_filter() -> [u16; 28] {
    mach_user::net::arp_reply_filter()
}

fn arp_request() -> [u8; 42] {
    mach_user::net::arp_request(OUR_MAC, OUR_IP, GATEWAY_IP)
}

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let eth = ds::device_open(&mut m, master, D_READ | D_WRITE, &mach_user::device_name("eth0")).map(|r| r.device).map_err(|_| "open eth0")?;
    // Send errors the flap run met (a NIC may count its frame sent with
    // the link down as one: PCnet's lost carrier).
    let tx_errors_before = if args.arg_str(2) == Some("flap") { flap(&mut m, task, eth)? } else { 0 };

    let a = ds::device_get_status(&mut m, eth, NET_ADDRESS, 2).map_err(|_| "get NET_ADDRESS")?;
    uprintln!("{}: NET_ADDRESS {:#010x} {:#010x}", NAME, a.status[0], a.status[1]);
    expect(a.status_cnt == 2 && a.status[0] == 0x5254_0012 && a.status[1] == 0x3456_0000, "NET_ADDRESS is not QEMU's 52:54:00:12:34:56")?;
    let s = ds::device_get_status(&mut m, eth, NET_STATUS, 7).map_err(|_| "get NET_STATUS")?;
    expect(s.status_cnt == 7, "NET_STATUS count")?;
    expect(s.status[0] == 14 && s.status[1] == 1514 && s.status[2] == 1 && s.status[3] == 14 && s.status[4] == 6, "NET_STATUS: not Ethernet")?;
    expect(s.status[5] & 1 != 0, "NET_STATUS: interface not up")?;

    let rp = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate receive port")?;
    let port = rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND };
    // Invalid filters: an unknown language, a BPF jump past the end, no direction.
    let bad_type = [NETF_IN | (5 << 10), 0];
    expect(ds::device_set_filter(&mut m, eth, port, 0, &bad_type).err() == Some(D_INVALID_OPERATION), "a filter of unknown type was accepted")?;
    let mut bad_jump = [0u16; 12];
    bad_jump[..4].copy_from_slice(&insn(NETF_IN | NETF_BPF, 0, 0, 0));
    bad_jump[4..8].copy_from_slice(&insn(0x15, 0, 9, 1));
    bad_jump[8..12].copy_from_slice(&insn(0x06, 0, 0, 0));
    expect(ds::device_set_filter(&mut m, eth, port, 0, &bad_jump).err() == Some(D_INVALID_OPERATION), "a BPF jump out of range was accepted")?;
    expect(ds::device_set_filter(&mut m, eth, port, 0, &[0]).err() == Some(D_INVALID_OPERATION), "a filter without direction was accepted")?;
    uprintln!("{}: invalid filters refused", NAME);

    ds::device_set_filter(&mut m, eth, port, 0, &arp_reply_filter()).map_err(|_| "set the ARP filter")?;

    let frame = arp_request();
    let mut buf = rt::MsgBuf::<4300>::new();
    for attempt in 0..4 {
        let w = ds::device_write(&mut m, eth, 0, 0, rt::Ool { addr: frame.as_ptr() as u32, count: frame.len() as u32, dealloc: false });
        expect(w.map(|r| r.bytes_written) == Ok(frame.len() as u32), "device_write of the ARP request")?;
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 4300, rp, 1000, 0) };
        if r == MACH_RCV_TIMED_OUT {
            uprintln!("{}: no reply yet (attempt {})", NAME, attempt + 1);
            continue;
        }
        expect(r == 0, "receiving on the filter port failed")?;
        let gw = check_reply(&buf.0)?;
        uprintln!("{}: ARP reply: 10.0.2.2 is at {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", NAME, gw[0], gw[1], gw[2], gw[3], gw[4], gw[5]);
        bursts(&mut m, task, eth, rp, &frame)?;
        ping(&mut m, task, eth)?;
        return status(&mut m, eth, tx_errors_before);
    }
    Err("no ARP reply came")
}

/// Waits up to `ms` milliseconds for `NET_LINK` to read `want` (1 up,
/// 0 down); false if it never did. Any other answer (unknown, an error)
/// fails: a NIC in the `flap` run must know its link.
fn link_becomes(m: &mut Mach, eth: u32, want: u32, ms: u32) -> Result<bool, &'static str> {
    let mut waited = 0;
    loop {
        let s = ds::device_get_status(m, eth, NET_LINK, 1).map_err(|_| "get NET_LINK")?;
        expect(s.status_cnt == 1 && s.status[0] <= 1, "NET_LINK is unknown")?;
        if s.status[0] == want {
            return Ok(true);
        }
        if waited >= ms {
            return Ok(false);
        }
        // SAFETY: SWITCH_OPTION_WAIT for 10 ms; no other arguments.
        unsafe { mach_user::trap::thread_switch(0, mach_user::trap::SWITCH_OPTION_WAIT, 10) };
        waited += 10;
    }
}

/// The `flap` run: the link is up, goes down and comes back, each seen
/// through `NET_LINK`; the host's QEMU monitor acts on the lines printed.
/// While it is down, an ARP request to the gateway is sent (the write
/// succeeds) and no reply comes: the link is down on the wire too.
/// Returns the send errors counted by then.
fn flap(m: &mut Mach, task: u32, eth: u32) -> Result<u32, &'static str> {
    expect(link_becomes(m, eth, 1, 3000)?, "flap: the link never came up")?;
    uprintln!("{}: flap: link up, drop it", NAME);
    expect(link_becomes(m, eth, 0, 10000)?, "flap: the link never went down")?;
    let rp = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate flap port")?;
    ds::device_set_filter(m, eth, rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &arp_reply_filter()).map_err(|_| "set the flap ARP filter")?;
    let frame = arp_request();
    let w = ds::device_write(m, eth, 0, 0, rt::Ool { addr: frame.as_ptr() as u32, count: frame.len() as u32, dealloc: false });
    expect(w.map(|r| r.bytes_written) == Ok(frame.len() as u32), "flap: device_write with the link down")?;
    let mut buf = rt::MsgBuf::<4300>::new();
    // SAFETY: a 4300-byte buffer.
    let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 4300, rp, 500, 0) };
    expect(r == MACH_RCV_TIMED_OUT, "flap: an ARP reply came with the link down")?;
    // Its filter goes with the port (removed when a frame next matches it).
    mach_port::mach_port_destroy(m, task, rp).map_err(|_| "destroy the flap port")?;
    uprintln!("{}: flap: no reply while the link is down", NAME);
    uprintln!("{}: flap: link down, raise it", NAME);
    expect(link_becomes(m, eth, 1, 10000)?, "flap: the link never came back")?;
    let s = ds::device_get_status(m, eth, NET_STATISTICS, 10).map_err(|_| "get NET_STATISTICS")?;
    uprintln!("{}: flap: link back up ({} send errors while down)", NAME, s.status[3]);
    expect(s.status[2] == 0 && s.status[3] <= 1, "flap: errors beyond the frame sent while down")?;
    Ok(s.status[3])
}

/// Receives every ARP reply queued on `rp` (waiting up to `ms` for each).
fn drain(rp: u32, ms: u32) -> Result<u32, &'static str> {
    let mut buf = rt::MsgBuf::<4300>::new();
    let mut n = 0;
    loop {
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 4300, rp, ms, 0) };
        if r == MACH_RCV_TIMED_OUT {
            return Ok(n);
        }
        expect(r == 0, "receiving on the filter port failed")?;
        check_reply(&buf.0)?;
        n += 1;
    }
}

/// Back-to-back sends lose nothing on the way out (5 requests, 5 replies);
/// a receiver that does not keep up gets what its port queue holds (the
/// default limit, 5) and the kernel drops the rest.
fn bursts(m: &mut Mach, task: u32, eth: u32, rp: u32, frame: &[u8; 42]) -> Result<(), &'static str> {
    let send = |m: &mut Mach| {
        let w = ds::device_write(m, eth, 0, 0, rt::Ool { addr: frame.as_ptr() as u32, count: frame.len() as u32, dealloc: false });
        expect(w.map(|r| r.bytes_written) == Ok(frame.len() as u32), "device_write in a burst")
    };
    drain(rp, 300)?;
    for _ in 0..5 {
        send(m)?;
    }
    let got = drain(rp, 500)?;
    uprintln!("{}: burst of 5 requests, {} replies", NAME, got);
    expect(got == 5, "a burst of 5 requests did not get 5 replies")?;

    let idle = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate idle port")?;
    for _ in 0..8 {
        send(m)?;
    }
    // Let every reply arrive while nobody receives.
    let mut buf = rt::MsgBuf::<64>::new();
    // SAFETY: a 64-byte buffer; nothing is ever sent to `idle`.
    unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 64, idle, 500, 0) };
    let got = drain(rp, 300)?;
    uprintln!("{}: burst of 8 requests to a slow receiver, {} replies queued", NAME, got);
    expect(got == 5, "a slow receiver's queue did not hold exactly its limit (5)")?;
    Ok(())
}

/// A `net_rcv_msg` holding the gateway's ARP reply to us; returns the
/// gateway's MAC from it.
fn check_reply(b: &[u8]) -> Result<[u8; 6], &'static str> {
    let size = rd32(b, 4) as usize;
    expect(rd32(b, 20) == NET_RCV_MSG_ID, "message id is not NET_RCV_MSG_ID")?;
    // header_type: BYTE x 64, inline.
    expect(rd32(b, 24) == 9 | 8 << 8 | 64 << 16 | 1 << 28, "header_type descriptor")?;
    let header = &b[28..92];
    let ptype = rd32(b, 92);
    let count = ((ptype >> 16) & 0xfff) as usize;
    expect(ptype & 0xffff == (9 | 8 << 8) && count >= 4 + 28, "packet_type descriptor")?;
    expect(size >= 96 + count, "message size")?;
    let packet = &b[96..96 + count];
    let payload = &packet[4..];
    expect(u16::from_le_bytes([packet[0], packet[1]]) as usize == count, "packet_header length")?;
    expect(packet[2..4] == [0x08, 0x06], "packet_header type is not ARP")?;
    expect(header[0..6] == OUR_MAC, "reply not addressed to us")?;
    expect(header[6..12] == GATEWAY_MAC, "reply not from the gateway's MAC")?;
    expect(payload[6..8] == [0, 2], "not an ARP reply")?;
    expect(payload[8..14] == GATEWAY_MAC && payload[14..18] == GATEWAY_IP, "wrong sender MAC/IP in the reply")?;
    expect(payload[18..24] == OUR_MAC && payload[24..28] == OUR_IP, "wrong target MAC/IP in the reply")?;
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&payload[8..14]);
    Ok(mac)
}

/// An ICMP echo request to the gateway, and its reply through a BPF filter
/// for ICMP echo replies.
fn ping(m: &mut Mach, task: u32, eth: u32) -> Result<(), &'static str> {
    let rp = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate ping port")?;
    let filter = net::icmp_echo_reply_filter();
    ds::device_set_filter(m, eth, rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &filter).map_err(|_| "set the ICMP filter")?;
    let f = net::icmp_echo_request(OUR_MAC, OUR_IP, GATEWAY_MAC, GATEWAY_IP, 0x4d41, 1);
    let mut buf = rt::MsgBuf::<4300>::new();
    for attempt in 0..4 {
        let w = ds::device_write(m, eth, 0, 0, rt::Ool { addr: f.as_ptr() as u32, count: f.len() as u32, dealloc: false });
        expect(w.map(|r| r.bytes_written) == Ok(f.len() as u32), "device_write of the echo request")?;
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 4300, rp, 1000, 0) };
        if r == MACH_RCV_TIMED_OUT {
            uprintln!("{}: no echo reply yet (attempt {})", NAME, attempt + 1);
            continue;
        }
        expect(r == 0, "receiving the echo reply")?;
        net::check_icmp_echo_reply(&buf.0, &f)?;
        uprintln!("{}: ping 10.0.2.2: echo reply, 32 bytes of data", NAME);
        return Ok(());
    }
    Err("no ICMP echo reply")
}

/// The link state and the counters (`NET_LINK`, `NET_STATISTICS`) after
/// the exchanges above (at least 15 frames each way, no errors), and
/// `NET_FLAGS`: read, refused with a wrong count, set with IFF_PROMISC and
/// back. `tx_errors_before`: send errors counted before the exchanges.
fn status(m: &mut Mach, eth: u32, tx_errors_before: u32) -> Result<(), &'static str> {
    let link = ds::device_get_status(m, eth, NET_LINK, 1).map_err(|_| "get NET_LINK")?;
    expect(link.status_cnt == 1, "NET_LINK count")?;
    uprintln!("{}: link {}", NAME, match link.status[0] { 1 => "up", 0 => "down", _ => "unknown" });
    let s = ds::device_get_status(m, eth, NET_STATISTICS, 10).map_err(|_| "get NET_STATISTICS")?;
    expect(s.status_cnt == 10, "NET_STATISTICS count")?;
    let st = &s.status[..10];
    uprintln!("{}: statistics: rx {} tx {} rx-errors {} tx-errors {}", NAME, st[0], st[1], st[2], st[3]);
    expect(st[0] >= 15 && st[1] >= 15, "NET_STATISTICS: fewer frames than went each way")?;
    expect(st[2] == 0 && st[3] == tx_errors_before, "NET_STATISTICS: errors")?;

    let f = ds::device_get_status(m, eth, NET_FLAGS, 1).map_err(|_| "get NET_FLAGS")?;
    let flags = f.status[0];
    expect(flags & IFF_UP != 0 && flags & IFF_ALLMULTI != 0 && flags & IFF_PROMISC == 0, "NET_FLAGS: not up, all-multicast, not promiscuous")?;
    expect(ds::device_set_status(m, eth, NET_FLAGS, &[]).err() == Some(D_INVALID_SIZE), "NET_FLAGS without a word was accepted")?;
    expect(ds::device_set_status(m, eth, NET_STATUS, &[0; 7]).err() == Some(D_INVALID_OPERATION), "NET_STATUS was settable")?;
    ds::device_set_status(m, eth, NET_FLAGS, &[flags | IFF_PROMISC]).map_err(|_| "set IFF_PROMISC")?;
    let f = ds::device_get_status(m, eth, NET_FLAGS, 1).map_err(|_| "get NET_FLAGS")?;
    expect(f.status[0] == flags | IFF_PROMISC, "NET_FLAGS: IFF_PROMISC did not stick")?;
    ds::device_set_status(m, eth, NET_FLAGS, &[flags]).map_err(|_| "clear IFF_PROMISC")?;
    uprintln!("{}: NET_FLAGS {:#x}, promiscuous and back", NAME, flags);
    Ok(())
}

entry!(main);
