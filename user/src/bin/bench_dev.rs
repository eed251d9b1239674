//! `bench_dev`: disk and network figures through the device ports, for
//! `cargo xtask bench`, printed as
//! `bench: NAME ops=N bytes=B cycles=C [lost=L]` (TSC cycles over all ops).
//!
//! Disk (`hd0`, the whole disk): sequential `device_read` of 64 KiB records
//! from the first byte to the last, then 2000 `device_read`s of 512 bytes at
//! pseudo-random records. CD-ROM (`wcd2`, ATAPI, 2048-byte records):
//! sequential `device_read` of 64 KiB records over the disc. Floppy
//! (`fd0`, 1.44 MB): sequential `device_read` of 9 KiB (one track side).
//! AHCI (`sd0`): sequential `device_read` of 64 KiB records.
//!
//! Network (`eth0`, a QEMU `dgram` netdev whose other end is the bench's
//! host-side peer), frames of Ethernet type 0x88B5 whose payload starts
//! with a 4-byte tag:
//! - sending: back-to-back `device_write`s of "SINK" frames of 64 and 1514
//!   bytes; then "CNT?" and a number, which the peer answers with "CNT=",
//!   how many SINK frames it got (`lost` is the difference) and the number;
//! - receiving: "BRST" with a count and a size asks the peer for that many
//!   frames back to back; the task asks for bursts (16 small frames, 8
//!   large ones: what the NE2000's receive ring holds) until it has asked
//!   for the total, counting what arrives through its packet filter;
//! - round trips: 1000 times a 64-byte "PING" with a sequence number and
//!   the peer's "PONG" back (`net_rtt_64`; cycles/op is the round trip).
//!
//! Gateway (`ping` mode, `eth0` on QEMU's user network): 200 ICMP echo
//! requests to 10.0.2.2 from 10.0.2.15, each waiting for its reply, after
//! one untimed first (`ping_gw`; cycles/op is the round trip).
//!
//! Boot-script line: `/bench_dev ${device-port} [all|net|ping] $(task-create) $(task-resume)`
//! (`net`: the network figures only, no disk; `ping`: the gateway only).
#![no_std]
#![no_main]

use mach_user::abi::{DEV_GET_SIZE, D_READ, D_WRITE, MACH_PORT_RIGHT_RECEIVE, NET_ADDRESS};
use mach_user::message::{MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_RCV_TIMEOUT};
use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::net::{self, NET_RCV_MSG_ID};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, uprintln, Args};

const ETHERTYPE: u16 = 0x88B5;
/// The peer's made-up station address.
const PEER: [u8; 6] = [0x02, 0, 0, 0, 0, 1];

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in user mode (CR4.TSD clear).
    unsafe { core::arch::x86::_rdtsc() }
}

fn main(args: &Args) -> i32 {
    let Some(master) = args.number(1) else {
        uprintln!("bench_dev: give me ${{device-port}}");
        return 1;
    };
    let mut m = Mach::new();
    let mode = args.arg_str(2).unwrap_or("all");
    if mode == "ping" {
        ping_gateway(&mut m, master);
    } else {
        if mode != "net" {
            disk(&mut m, master);
            cdrom(&mut m, master);
            floppy(&mut m, master);
            ahci(&mut m, master);
        }
        network(&mut m, master);
    }
    uprintln!("bench_dev: done");
    0
}

fn disk(m: &mut Mach, master: u32) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(hd) = ds::device_open(m, master, D_READ, &mach_user::device_name("hd0")).map(|r| r.device) else {
        uprintln!("bench_dev: no hd0");
        return;
    };
    let Ok(size) = ds::device_get_status(m, hd, DEV_GET_SIZE, 2).map(|s| s.status[0]) else { return };
    let records = size / 512;
    let read = |m: &mut Mach, rec: u32, bytes: u32| -> bool {
        match ds::device_read(m, hd, 0, rec, bytes) {
            Ok(r) => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
                r.data.count == bytes
            }
            Err(_) => false,
        }
    };
    const CHUNK: u32 = 64 * 1024;
    let calls = size / CHUNK;
    let t = rdtsc();
    for i in 0..calls {
        if !read(m, i * (CHUNK / 512), CHUNK) {
            uprintln!("bench_dev: hd0 read of record {} failed", i * (CHUNK / 512));
            return;
        }
    }
    uprintln!("bench: disk_seq_64k ops={} bytes={} cycles={}", calls, calls * CHUNK, rdtsc() - t);
    let mut x: u32 = 12345;
    const RANDOM: u32 = 2000;
    let t = rdtsc();
    for _ in 0..RANDOM {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        if !read(m, (x >> 4) % records, 512) {
            uprintln!("bench_dev: hd0 random read failed");
            return;
        }
    }
    uprintln!("bench: disk_rand_512 ops={} bytes={} cycles={}", RANDOM, RANDOM * 512, rdtsc() - t);
    let _ = ds::device_close(m, hd);
}

fn cdrom(m: &mut Mach, master: u32) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(cd) = ds::device_open(m, master, D_READ, &mach_user::device_name("wcd2")).map(|r| r.device) else {
        uprintln!("bench_dev: no wcd2");
        return;
    };
    let Ok(size) = ds::device_get_status(m, cd, DEV_GET_SIZE, 2).map(|s| s.status[0]) else { return };
    const CHUNK: u32 = 64 * 1024;
    let calls = size / CHUNK;
    let t = rdtsc();
    for i in 0..calls {
        let rec = i * (CHUNK / 2048);
        match ds::device_read(m, cd, 0, rec, CHUNK) {
            Ok(r) if r.data.count == CHUNK => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
            }
            _ => {
                uprintln!("bench_dev: wcd2 read of record {} failed", rec);
                return;
            }
        }
    }
    uprintln!("bench: cd_seq_64k ops={} bytes={} cycles={}", calls, calls * CHUNK, rdtsc() - t);
    let _ = ds::device_close(m, cd);
}

fn floppy(m: &mut Mach, master: u32) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(fd) = ds::device_open(m, master, D_READ, &mach_user::device_name("fd0")).map(|r| r.device) else {
        uprintln!("bench_dev: no fd0");
        return;
    };
    const CHUNK: u32 = 18 * 512;
    let calls = 2880 * 512 / CHUNK;
    let t = rdtsc();
    for i in 0..calls {
        match ds::device_read(m, fd, 0, i * 18, CHUNK) {
            Ok(r) if r.data.count == CHUNK => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
            }
            _ => {
                uprintln!("bench_dev: fd0 read of record {} failed", i * 18);
                return;
            }
        }
    }
    uprintln!("bench: fd_seq_9k ops={} bytes={} cycles={}", calls, calls * CHUNK, rdtsc() - t);
    let _ = ds::device_close(m, fd);
}

fn ahci(m: &mut Mach, master: u32) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(sd) = ds::device_open(m, master, D_READ, &mach_user::device_name("sd0")).map(|r| r.device) else {
        uprintln!("bench_dev: no sd0");
        return;
    };
    let Ok(size) = ds::device_get_status(m, sd, DEV_GET_SIZE, 2).map(|s| s.status[0]) else { return };
    const CHUNK: u32 = 64 * 1024;
    let calls = size / CHUNK;
    let t = rdtsc();
    for i in 0..calls {
        match ds::device_read(m, sd, 0, i * (CHUNK / 512), CHUNK) {
            Ok(r) if r.data.count == CHUNK => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
            }
            _ => {
                uprintln!("bench_dev: sd0 read of record {} failed", i * (CHUNK / 512));
                return;
            }
        }
    }
    uprintln!("bench: ahci_seq_64k ops={} bytes={} cycles={}", calls, calls * CHUNK, rdtsc() - t);
    let _ = ds::device_close(m, sd);
}

struct Eth {
    dev: u32,
    port: u32,
    frame: [u8; 1514],
    buf: rt::MsgBuf<4300>,
    /// Questions asked of the peer ("CNT?").
    asked: u32,
}

impl Eth {
    /// Sends a frame of `len` bytes to the peer with `tag` and `words` after it.
    fn send(&mut self, m: &mut Mach, len: usize, tag: &[u8; 4], words: &[u32]) -> bool {
        self.frame[14..18].copy_from_slice(tag);
        for (i, w) in words.iter().enumerate() {
            self.frame[18 + 4 * i..22 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        let f = rt::Ool { addr: self.frame.as_ptr() as u32, count: len as u32, dealloc: false };
        ds::device_write(m, self.dev, 0, 0, f).map(|r| r.bytes_written) == Ok(len as u32)
    }

    /// How many "SINK" frames the peer has counted ("CNT?", up to `tries`
    /// times). Each question carries a number the answer repeats, so a late
    /// answer to an earlier one is not taken for this one's (QEMU's e1000
    /// holds received frames for a second after each receive-control write).
    fn peer_count(&mut self, m: &mut Mach, tries: u32) -> Option<u32> {
        for _ in 0..tries {
            self.asked += 1;
            let asked = self.asked;
            self.send(m, 64, b"CNT?", &[asked]);
            while let Some((tag, n)) = self.receive(500) {
                if tag == *b"CNT=" && self.second_word() == asked {
                    return Some(n);
                }
            }
        }
        None
    }

    /// The second word of the last frame received.
    fn second_word(&self) -> u32 {
        let b = &self.buf.0;
        u32::from_le_bytes([b[108], b[109], b[110], b[111]])
    }

    /// The next frame's tag and first word, waiting at most `ms`.
    fn receive(&mut self, ms: u32) -> Option<([u8; 4], u32)> {
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(self.buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 4300, self.port, ms, 0) };
        let b = &self.buf.0;
        let rd = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        if r != 0 || rd(20) != NET_RCV_MSG_ID || (rd(92) >> 16) & 0xfff < 12 {
            return None;
        }
        // The payload follows the 4-byte packet header at 96.
        Some(([b[100], b[101], b[102], b[103]], rd(104)))
    }
}

fn network(m: &mut Mach, master: u32) {
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(dev) = ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name("eth0")).map(|r| r.device) else {
        uprintln!("bench_dev: no eth0");
        return;
    };
    if !net::wait_for_link(m, dev, 3000) {
        uprintln!("bench_dev: eth0 link down");
        return;
    }
    let Ok(mac) = ds::device_get_status(m, dev, NET_ADDRESS, 2).map(|s| net::mac_of_status(&s.status[..2])) else { return };
    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return };
    let _ = mach_port::mach_port_set_qlimit(m, task, port, 16);
    let sf = ds::device_set_filter(m, dev, rt::PolyPort { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &net::ethertype_filter(ETHERTYPE));
    if sf.is_err() {
        uprintln!("bench_dev: filter refused");
        return;
    }
    let mut e = Eth { dev, port, frame: [0; 1514], buf: rt::MsgBuf::new(), asked: 0 };
    e.frame[..6].copy_from_slice(&PEER);
    e.frame[6..12].copy_from_slice(&mac);
    e.frame[12..14].copy_from_slice(&ETHERTYPE.to_be_bytes());
    // The peer answers "CNT?" once it is there.
    let Some(mut sunk) = e.peer_count(m, 20) else {
        uprintln!("bench_dev: no peer on eth0");
        return;
    };
    for (size, frames) in [(64usize, 4000u32), (1514, 2000)] {
        let t = rdtsc();
        for _ in 0..frames {
            if !e.send(m, size, b"SINK", &[]) {
                uprintln!("bench_dev: device_write failed");
                return;
            }
        }
        let cycles = rdtsc() - t;
        // Frames still queued in the driver go out before the question.
        let now = e.peer_count(m, 10).unwrap_or(sunk);
        let lost = frames.saturating_sub(now.wrapping_sub(sunk));
        sunk = now;
        uprintln!("bench: net_tx_{} ops={} bytes={} cycles={} lost={}", size, frames, frames * size as u32, cycles, lost);
    }
    // Bursts the NE2000's 16 KiB receive ring holds whole: the 8390 has
    // nowhere to put frames beyond it.
    for (size, frames, burst) in [(64u32, 4000u32, 16u32), (1514, 2000, 8)] {
        let (mut asked, mut got, mut cycles) = (0, 0, 0u64);
        while asked < frames {
            let t = rdtsc();
            if !e.send(m, 64, b"BRST", &[burst, size]) {
                return;
            }
            asked += burst;
            let mut n = 0;
            while n < burst {
                match e.receive(300) {
                    Some((tag, _)) if tag == *b"DATA" => n += 1,
                    Some(_) => {}
                    None => break,
                }
            }
            got += n;
            cycles += rdtsc() - t;
        }
        uprintln!("bench: net_rx_{} ops={} bytes={} cycles={} lost={}", size, got, got * size, cycles, asked - got);
    }
    // Round trips: a 64-byte "PING" with a sequence number, the peer's
    // "PONG" back with it (the time from device_write to net_rcv_msg).
    let (mut done, mut cycles, mut lost) = (0u32, 0u64, 0u32);
    for seq in 0..1000u32 {
        let t = rdtsc();
        if !e.send(m, 64, b"PING", &[seq]) {
            return;
        }
        loop {
            match e.receive(300) {
                Some((tag, n)) if tag == *b"PONG" && n == seq => {
                    cycles += rdtsc() - t;
                    done += 1;
                    break;
                }
                Some(_) => {}
                None => {
                    lost += 1;
                    break;
                }
            }
        }
    }
    uprintln!("bench: net_rtt_64 ops={} bytes={} cycles={} lost={}", done, done * 128, cycles, lost);
    let _ = ds::device_close(m, dev);
}

/// 200 timed ICMP echo round trips to QEMU's gateway after an ARP
/// exchange and one untimed echo (Linux's first pays for its ARP), each
/// reply checked.
fn ping_gateway(m: &mut Mach, master: u32) {
    const OUR_IP: [u8; 4] = [10, 0, 2, 15];
    const GATEWAY_IP: [u8; 4] = [10, 0, 2, 2];
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Ok(dev) = ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name("eth0")).map(|r| r.device) else {
        uprintln!("bench_dev: no eth0");
        return;
    };
    if !net::wait_for_link(m, dev, 3000) {
        uprintln!("bench_dev: eth0 link down");
        return;
    }
    let Ok(mac) = ds::device_get_status(m, dev, NET_ADDRESS, 2).map(|s| net::mac_of_status(&s.status[..2])) else { return };
    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return };
    let mut buf = rt::MsgBuf::<4300>::new();
    // An ARP request first: QEMU's user network learns our address from it
    // (it sends nothing to an address it has not learnt) and answers with
    // the gateway's.
    let arp = ds::device_set_filter(m, dev, rt::PolyPort { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &net::arp_reply_filter());
    if arp.is_err() {
        uprintln!("bench_dev: filter refused");
        return;
    }
    let request = net::arp_request(mac, OUR_IP, GATEWAY_IP);
    let mut gateway = None;
    for _ in 0..4 {
        let _ = ds::device_write(m, dev, 0, 0, rt::Ool { addr: request.as_ptr() as u32, count: request.len() as u32, dealloc: false });
        // SAFETY: a 4300-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 4300, port, 1000, 0) };
        // The ARP payload follows the 4-byte packet header at 96; its
        // sender's MAC is at 8.
        if r == 0 && buf.0[114..118] == GATEWAY_IP {
            let mut g = [0u8; 6];
            g.copy_from_slice(&buf.0[108..114]);
            gateway = Some(g);
            break;
        }
    }
    let Some(gateway) = gateway else {
        uprintln!("bench_dev: no ARP reply from 10.0.2.2");
        return;
    };
    let _ = mach_port::mach_port_destroy(m, task, port);
    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return };
    let filter = net::icmp_echo_reply_filter();
    if ds::device_set_filter(m, dev, rt::PolyPort { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &filter).is_err() {
        uprintln!("bench_dev: filter refused");
        return;
    }
    let (mut done, mut cycles, mut lost) = (0u32, 0u64, 0u32);
    for seq in 0..=200u16 {
        let f = net::icmp_echo_request(mac, OUR_IP, gateway, GATEWAY_IP, 0x4d41, seq);
        let t = rdtsc();
        let w = ds::device_write(m, dev, 0, 0, rt::Ool { addr: f.as_ptr() as u32, count: f.len() as u32, dealloc: false });
        if w.map(|r| r.bytes_written) != Ok(f.len() as u32) {
            uprintln!("bench_dev: device_write failed");
            return;
        }
        loop {
            // SAFETY: a 4300-byte buffer.
            let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 4300, port, 1000, 0) };
            if r != 0 {
                lost += u32::from(seq != 0);
                break;
            }
            if net::check_icmp_echo_reply(&buf.0, &f).is_ok() {
                if seq != 0 {
                    cycles += rdtsc() - t;
                    done += 1;
                }
                break;
            }
        }
    }
    uprintln!("bench: ping_gw ops={} bytes={} cycles={} lost={}", done, done * 2 * net::ECHO_FRAME_LEN as u32, cycles, lost);
    let _ = ds::device_close(m, dev);
}

entry!(main);
