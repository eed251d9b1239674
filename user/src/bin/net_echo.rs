//! `net_echo`: frames through `eth0` both ways, for a host-side test on the
//! other end of QEMU's network. It installs a BPF filter for Ethernet type
//! 0x88B5 (IEEE local experimental), announces itself with a broadcast
//! "READY" frame, then sends every frame it receives back with the two MAC
//! addresses swapped, until a frame whose payload starts with "STOP" (also
//! echoed). Then it writes [`BURST`] full-size frames back to back, more
//! than the NE2000 can hold at once, so that writers wait for the driver
//! (`tbusy`) instead of losing frames. The host checks every byte and the
//! count.
//!
//! Last, the receive modes through `NET_FLAGS` (`device_set_status`): for
//! plain, `IFF_PROMISC` and `IFF_ALLMULTI` in turn it sends "MODE" and a
//! digit; the host answers with a frame for a foreign unicast address, one
//! for a multicast group, and one for us ("DONE"), and the NIC's own filter
//! must let through exactly what the mode asks (nothing foreign; both;
//! the multicast one).
//!
//! Boot-script line: `/net_echo ${device-port} [ethN] $(task-create) $(task-resume)`
//! (the interface, `eth0` if not given, names every line it prints:
//! `net_echo ethN: ...`; the station address is the interface's own).
#![no_std]
#![no_main]

use mach_user::abi::{D_READ, D_WRITE, IFF_ALLMULTI, IFF_PROMISC, MACH_PORT_RIGHT_RECEIVE, NET_ADDRESS, NET_FLAGS};
use mach_user::message::{MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_RCV_TIMEOUT};
use mach_user::mig::{device as ds, mach_port, rt, Mach};
use mach_user::net::{self, NET_RCV_MSG_ID};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "net_echo";
/// The host end's address (the test's).
const HOST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 1];
const ETHERTYPE: u16 = 0x88B5;
/// Frames of the closing burst.
const BURST: u32 = 64;

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    let ifname = args.arg_str(2).unwrap_or("eth0");
    match run(args, ifname) {
        Ok(n) => {
            uprintln!("{} {}: {} frames echoed", NAME, ifname, n);
            uprintln!("user-test: {} ok", NAME);
        }
        Err(why) => uprintln!("user-test: {} FAILED: {}: {}", NAME, ifname, why),
    }
    0
}

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// The frame a `net_rcv_msg` carries (link header, then the packet after
/// its 4-byte packet header), written into `out`; its length.
fn frame_of(msg: &[u8], out: &mut [u8]) -> Result<usize, &'static str> {
    expect(rd32(msg, 20) == NET_RCV_MSG_ID, "not a net_rcv_msg")?;
    let count = ((rd32(msg, 92) >> 16) & 0xfff) as usize;
    expect(count >= 4 && rd32(msg, 4) as usize >= 96 + count, "packet count")?;
    let n = 14 + count - 4;
    expect(n <= out.len(), "frame too long")?;
    out[..14].copy_from_slice(&msg[28..42]);
    out[14..n].copy_from_slice(&msg[100..96 + count]);
    Ok(n)
}

fn run(args: &Args, ifname: &str) -> Result<u32, &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let n = mach_user::device_name(ifname);
    let eth = ds::device_open(&mut m, master, D_READ | D_WRITE, &n).map(|r| r.device).map_err(|_| "open the interface")?;
    let a = ds::device_get_status(&mut m, eth, NET_ADDRESS, 2).map_err(|_| "get NET_ADDRESS")?;
    let our_mac = net::mac_of_status(&a.status[..2]);
    expect(net::wait_for_link(&mut m, eth, 3000), "the link stayed down")?;
    let rp = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    // Room for a burst while we write.
    mach_port::mach_port_set_qlimit(&mut m, task, rp, 16).map_err(|_| "qlimit")?;
    ds::device_set_filter(&mut m, eth, rt::PolyPort { name: rp, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &net::ethertype_filter(ETHERTYPE)).map_err(|_| "set filter")?;

    let mut frame = [0u8; 1514];
    frame[..6].fill(0xff);
    frame[6..12].copy_from_slice(&our_mac);
    frame[12..14].copy_from_slice(&ETHERTYPE.to_be_bytes());
    frame[14..19].copy_from_slice(b"READY");
    let send = |m: &mut Mach, f: &[u8]| -> Result<(), &'static str> {
        let w = ds::device_write(m, eth, 0, 0, rt::Ool { addr: f.as_ptr() as u32, count: f.len() as u32, dealloc: false });
        expect(w.map(|r| r.bytes_written) == Ok(f.len() as u32), "device_write")
    };
    send(&mut m, &frame[..60])?;
    uprintln!("{} {}: ready", NAME, ifname);

    let mut buf = rt::MsgBuf::<4300>::new();
    let mut echoed = 0;
    loop {
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 4300, rp, 20_000, 0) };
        expect(r == 0, "no frame for 20 s")?;
        let len = frame_of(&buf.0, &mut frame)?;
        let (dst, src) = (<[u8; 6]>::try_from(&frame[..6]).unwrap(), <[u8; 6]>::try_from(&frame[6..12]).unwrap());
        frame[..6].copy_from_slice(&src);
        frame[6..12].copy_from_slice(&dst);
        send(&mut m, &frame[..len])?;
        if frame[14..18] == *b"STOP" {
            break;
        }
        echoed += 1;
    }
    // The burst: "BRST", a sequence number, then a pattern of it.
    for seq in 0..BURST {
        frame[14..18].copy_from_slice(b"BRST");
        frame[18..22].copy_from_slice(&seq.to_le_bytes());
        for (k, b) in frame[22..].iter_mut().enumerate() {
            *b = (seq as usize * 3 + k) as u8;
        }
        send(&mut m, &frame)?;
    }
    uprintln!("{} {}: {} frames of 1514 bytes written back to back", NAME, ifname, BURST);

    let flags = ds::device_get_status(&mut m, eth, NET_FLAGS, 1).map_err(|_| "get NET_FLAGS")?.status[0] & !(IFF_PROMISC | IFF_ALLMULTI);
    let modes = [("plain", 0, false, false), ("promiscuous", IFF_PROMISC, true, true), ("all-multicast", IFF_ALLMULTI, false, true)];
    for (k, &(name, bits, want_foreign, want_multi)) in modes.iter().enumerate() {
        ds::device_set_status(&mut m, eth, NET_FLAGS, &[flags | bits]).map_err(|_| "set NET_FLAGS")?;
        frame[..6].copy_from_slice(&HOST_MAC);
        frame[14..18].copy_from_slice(b"MODE");
        frame[18] = b'0' + k as u8;
        frame[19..60].fill(0);
        send(&mut m, &frame[..60])?;
        let (mut foreign, mut multi) = (false, false);
        loop {
            // SAFETY: a 4300-byte buffer.
            let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 4300, rp, 5_000, 0) };
            expect(r == 0, "no DONE frame for 5 s")?;
            let len = frame_of(&buf.0, &mut frame)?;
            expect(len >= 19 && frame[18] == b'0' + k as u8, "a frame of another mode")?;
            match &frame[14..18] {
                b"FORN" => foreign = true,
                b"MCST" => multi = true,
                b"DONE" => break,
                _ => return Err("unexpected frame in the mode test"),
            }
        }
        uprintln!("{} {}: {} mode: foreign unicast {}, multicast {}", NAME, ifname, name, if foreign { "in" } else { "out" }, if multi { "in" } else { "out" });
        expect(foreign == want_foreign && multi == want_multi, "the NIC's receive filter does not follow NET_FLAGS")?;
    }
    // Back to what the interface had (all-multicast, as opened).
    ds::device_set_status(&mut m, eth, NET_FLAGS, &[flags | IFF_ALLMULTI]).map_err(|_| "restore NET_FLAGS")?;
    Ok(echoed)
}

entry!(main);
