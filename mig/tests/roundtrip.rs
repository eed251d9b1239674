//! Round trips: user stub → (loopback kernel) → server dispatch → reply → user,
//! for every routine of device.defs, mach_port.defs and several more. The test
//! bodies are generated from the `.defs` by `mig::codegen::testgen`; the
//! loopback kernel below is written by hand from the message format.
#![cfg(not(mig_no_defs))]
#![allow(clippy::all)]

use mig::rt::{self, HeaderView, MachMsg};

#[allow(dead_code)]
mod gen {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

/// Converts a message the way the kernel does in transit: every port right's
/// disposition becomes the right the receiver gets (`COPY_SEND`/`MAKE_SEND` →
/// `PORT_SEND`, `MAKE_SEND_ONCE` → `PORT_SEND_ONCE`), in the header and in
/// every body descriptor; `swap` exchanges the header's remote and local
/// fields as a receiving task sees them.
pub fn transit(msg: &mut [u8], swap: bool) {
    let rd = |m: &[u8], o: usize| u32::from_le_bytes(m[o..o + 4].try_into().unwrap());
    let wr = |m: &mut [u8], o: usize, v: u32| m[o..o + 4].copy_from_slice(&v.to_le_bytes());
    let conv = |n: u32| match n {
        19 | 20 => 17,
        21 => 18,
        n => n,
    };
    let bits = rd(msg, 0);
    let (mut remote, mut local) = (conv(bits & 0xff), conv((bits >> 8) & 0xff));
    let (mut rp, mut lp) = (rd(msg, 8), rd(msg, 12));
    if swap {
        std::mem::swap(&mut remote, &mut local);
        std::mem::swap(&mut rp, &mut lp);
    }
    wr(msg, 0, (bits & 0x8000_0000) | remote | local << 8);
    wr(msg, 8, rp);
    wr(msg, 12, lp);
    let size = rd(msg, 4) as usize;
    let mut off = 24;
    while off < size {
        let w = rd(msg, off);
        let inline = w & (1 << 28) != 0;
        let (name, bits, number, dlen) = if w & (1 << 29) != 0 {
            let ns = rd(msg, off + 4);
            let n = conv(ns & 0xffff);
            wr(msg, off + 4, (ns & 0xffff_0000) | n);
            (n, ns >> 16, rd(msg, off + 8), 12)
        } else {
            let n = conv(w & 0xff);
            wr(msg, off, (w & !0xff) | n);
            (n, (w >> 8) & 0xff, (w >> 16) & 0xfff, 4)
        };
        let _ = name;
        off += dlen;
        off += if inline { ((bits as usize * number as usize + 7) / 8 + 3) & !3 } else { 4 };
    }
    assert_eq!(off, size, "descriptors must cover the message exactly");
}

/// A pretend kernel: hands each request to `serve` (a generated dispatch
/// function) and copies the reply back, converting rights in transit.
pub struct Loopback<F: FnMut(&[u8], &mut [u8]) -> rt::Outcome> {
    view: HeaderView,
    reply_port: u32,
    serve: F,
    /// The last request as the server received it.
    pub last_request: Vec<u8>,
}

impl<F: FnMut(&[u8], &mut [u8]) -> rt::Outcome> Loopback<F> {
    /// A loopback delivering requests in `view` and handing out `reply_port`.
    pub fn new(view: HeaderView, reply_port: u32, serve: F) -> Self {
        Loopback { view, reply_port, serve, last_request: Vec::new() }
    }
}

impl<F: FnMut(&[u8], &mut [u8]) -> rt::Outcome> MachMsg for Loopback<F> {
    fn mach_msg(&mut self, msg: &mut [u8], option: u32, send_size: u32, rcv_size: u32, _rcv: u32, _t: u32, _n: u32) -> u32 {
        assert!(option & rt::MACH_SEND_MSG != 0);
        let mut req = msg[..send_size as usize].to_vec();
        assert_eq!(u32::from_le_bytes(req[4..8].try_into().unwrap()), send_size, "msgh_size = send size");
        transit(&mut req, self.view == HeaderView::Received);
        self.last_request = req.clone();
        let mut reply = vec![0u8; 16384];
        let out = (self.serve)(&req, &mut reply);
        if option & rt::MACH_RCV_MSG == 0 {
            assert!(!out.send_reply, "no reply to a simpleroutine");
            assert_eq!(out.ret_code, rt::KERN_SUCCESS);
            return 0;
        }
        assert!(out.known && out.send_reply, "{out:?}");
        let mut rep = reply[..out.reply_size].to_vec();
        transit(&mut rep, true);
        assert!(rep.len() <= rcv_size as usize);
        msg[..rep.len()].copy_from_slice(&rep);
        0
    }
    fn reply_port(&mut self) -> u32 {
        self.reply_port
    }
}

include!(concat!(env!("OUT_DIR"), "/roundtrip.rs"));

#[test]
fn every_device_and_mach_port_routine_is_covered() {
    // device.defs (2026): ids 2800..=2814 with two skips (device_open_new,
    // 2806, took the third).
    assert_eq!(device_roundtrip::TOTAL, 13);
    assert_eq!(device_roundtrip::COVERED, device_roundtrip::TOTAL);
    // mach_port.defs (2026): ids 3200..=3223 with three skips
    // (mach_port_set_ktype is new).
    assert_eq!(mach_port_roundtrip::TOTAL, 21);
    assert_eq!(mach_port_roundtrip::COVERED, mach_port_roundtrip::TOTAL);
    // The others are covered except routines with arrays of polymorphic ports.
    for (name, covered, total) in [
        ("mach", mach_roundtrip::COVERED, mach_roundtrip::TOTAL),
        ("mach_host", mach_host_roundtrip::COVERED, mach_host_roundtrip::TOTAL),
        ("notify", notify_roundtrip::COVERED, notify_roundtrip::TOTAL),
        ("memory_object", memory_object_roundtrip::COVERED, memory_object_roundtrip::TOTAL),
        ("device_reply", device_reply_roundtrip::COVERED, device_reply_roundtrip::TOTAL),
        ("synthetic", synth_roundtrip::COVERED, synth_roundtrip::TOTAL),
    ] {
        assert_eq!(covered, total, "{name}");
    }
}
