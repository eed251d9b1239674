//! Host tests: exact counts, names, codes and message bytes.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use crate::consts::bits::*;
use crate::consts::kern::*;
use crate::consts::msg::*;
use crate::consts::notify::*;
use crate::consts::port::*;
use crate::consts::ty::*;
use crate::*;

/// A fake address space for out-of-line memory.
#[derive(Default)]
pub(crate) struct FakeMem {
    pub regions: BTreeMap<u32, Vec<u8>>,
    pub next: u32,
    pub deallocated: Vec<(u32, u32)>,
    pub full: bool,
}

impl OolMemory for FakeMem {
    fn read(&mut self, addr: u32, len: u32) -> Result<Vec<u8>, ()> {
        let r = self.regions.get(&addr).ok_or(())?;
        if r.len() < len as usize {
            return Err(());
        }
        Ok(r[..len as usize].to_vec())
    }
    fn deallocate(&mut self, addr: u32, len: u32) -> Result<(), ()> {
        self.regions.remove(&addr).ok_or(())?;
        self.deallocated.push((addr, len));
        Ok(())
    }
    fn allocate(&mut self, data: &[u8]) -> Result<u32, ()> {
        if self.full {
            return Err(());
        }
        self.next += 0x1000;
        let a = 0x4000_0000 + self.next;
        self.regions.insert(a, data.to_vec());
        Ok(a)
    }
}

pub(crate) fn desc(name: u32, size: u32, number: u32, inline: bool) -> u32 {
    name | (size << 8) | (number << 16) | ((inline as u32) << 28)
}

pub(crate) fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

pub(crate) fn w(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

/// A user message: header words (size is filled in) then body words.
pub(crate) fn umsg(bits: u32, dest: u32, reply: u32, id: u32, body: &[u32]) -> Vec<u8> {
    let size = 24 + 4 * body.len() as u32;
    let mut v = vec![bits, size, dest, reply, 0, id];
    v.extend_from_slice(body);
    words(&v)
}

pub(crate) fn ok(ipc: &Ipc) {
    if let Err(e) = ipc.check() {
        panic!("check failed: {e}");
    }
}

pub(crate) fn quiet(ipc: &Ipc) {
    if let Err(e) = ipc.check_quiescent() {
        panic!("check_quiescent failed: {e}");
    }
}

fn send(ipc: &mut Ipc, sp: SpaceId, m: &[u8]) -> Result<(), u32> {
    let mut mem = FakeMem::default();
    let k = ipc.copyin_msg(sp, m, &mut mem, 0)?;
    ipc.send(k, 0).map_err(|k| {
        ipc.destroy_kmsg(k);
        MACH_SEND_TIMED_OUT
    })
}

fn recv(ipc: &mut Ipc, sp: SpaceId, name: u32) -> Vec<u8> {
    let k = ipc.receive(sp, name, 0, 4096).expect("message");
    let mut mem = FakeMem::default();
    let (b, code) = ipc.copyout_msg(sp, k, &mut mem);
    assert_eq!(code, MACH_MSG_SUCCESS);
    b
}

fn refs(ipc: &mut Ipc, sp: SpaceId, name: u32, right: u32) -> u32 {
    ipc.mach_port_get_refs(sp, name, right).unwrap()
}

fn port_of(ipc: &Ipc, sp: SpaceId, name: u32) -> PortId {
    ipc.lookup_port(sp, name).unwrap()
}

/// A task with a receive right and a send right made from it (same name).
fn port_with_send(ipc: &mut Ipc, sp: SpaceId) -> u32 {
    let n = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(sp, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    ipc.mach_port_insert_right(sp, n, r).unwrap();
    n
}

#[test]
fn lowest_free_names_like_gnumach_boot() {
    let mut ipc = Ipc::new();
    let host = ipc.alloc_kernel_port(Some((1, 0)));
    let device = ipc.alloc_kernel_port(Some((2, 0)));
    let task_port = ipc.alloc_kernel_port(Some((3, 7)));
    let sp = ipc.space_create();
    let r = ipc.make_send(host).unwrap();
    assert_eq!(ipc.copyout_right(sp, r), 1);
    let r = ipc.make_send(device).unwrap();
    assert_eq!(ipc.copyout_right(sp, r), 2);
    // mach_task_self()
    let r = ipc.make_send(task_port).unwrap();
    assert_eq!(ipc.copyout_right(sp, r), 3);
    // mach_reply_port()
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE), Ok(4));
    // mach_task_self() again: same name, one more uref.
    let r = ipc.make_send(task_port).unwrap();
    assert_eq!(ipc.copyout_right(sp, r), 3);
    assert_eq!(refs(&mut ipc, sp, 3, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(ipc.port_counts(task_port), Some((1, 0, 2)));
    // Freeing name 2 makes it the lowest free again.
    assert_eq!(ipc.mach_port_deallocate(sp, 2), Ok(()));
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_PORT_SET), Ok(2));
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_DEAD_NAME), Ok(5));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(sp).unwrap();
    assert_eq!(ipc.port_counts(task_port), Some((0, 0, 2)));
    quiet(&ipc);
}

#[test]
fn allocate_errors_types_and_refs() {
    let mut ipc = Ipc::new();
    let sp = ipc.space_create();
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_SEND), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_SEND_ONCE), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_allocate(sp, 5), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_allocate_name(sp, MACH_PORT_RIGHT_RECEIVE, 0), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_allocate_name(sp, MACH_PORT_RIGHT_RECEIVE, !0), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_allocate_name(sp, MACH_PORT_RIGHT_RECEIVE, 100), Ok(()));
    assert_eq!(ipc.mach_port_allocate_name(sp, MACH_PORT_RIGHT_DEAD_NAME, 100), Err(KERN_NAME_EXISTS));
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE), Ok(1));
    assert_eq!(ipc.mach_port_type(sp, 100), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.mach_port_type(sp, 7), Err(KERN_INVALID_NAME));
    assert_eq!(refs(&mut ipc, sp, 100, MACH_PORT_RIGHT_RECEIVE), 1);
    assert_eq!(refs(&mut ipc, sp, 100, MACH_PORT_RIGHT_SEND), 0);
    assert_eq!(ipc.mach_port_get_refs(sp, 100, 5), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_get_refs(sp, 99, 0), Err(KERN_INVALID_NAME));
    // Receive alone and port sets cannot be deallocated.
    assert_eq!(ipc.mach_port_deallocate(sp, 100), Err(KERN_INVALID_RIGHT));
    let set = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(set, 2);
    assert_eq!(ipc.mach_port_deallocate(sp, set), Err(KERN_INVALID_RIGHT));
    assert_eq!(refs(&mut ipc, sp, set, MACH_PORT_RIGHT_PORT_SET), 1);
    assert_eq!(ipc.mach_port_deallocate(sp, 55), Err(KERN_INVALID_NAME));
    let names = ipc.mach_port_names(sp).unwrap();
    assert_eq!(
        names,
        vec![(1, MACH_PORT_TYPE_RECEIVE), (2, MACH_PORT_TYPE_PORT_SET), (100, MACH_PORT_TYPE_RECEIVE)]
    );
    ok(&ipc);
    ipc.space_destroy(sp).unwrap();
    assert_eq!(ipc.port_count(), 0);
    assert_eq!(ipc.pset_count(), 0);
    quiet(&ipc);
}

#[test]
fn mod_refs_and_deallocate() {
    let mut ipc = Ipc::new();
    let sp = ipc.space_create();
    let n = port_with_send(&mut ipc, sp);
    let p = port_of(&ipc, sp, n);
    assert_eq!(ipc.mach_port_type(sp, n), Ok(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_counts(p), Some((1, 0, 1)));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, 3), Ok(()));
    assert_eq!(refs(&mut ipc, sp, n, MACH_PORT_RIGHT_SEND), 4);
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, -5), Err(KERN_INVALID_VALUE));
    assert_eq!(
        ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, MACH_PORT_UREFS_MAX as i32),
        Err(KERN_UREFS_OVERFLOW)
    );
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_RECEIVE, 2), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_RECEIVE, 0), Ok(()));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_DEAD_NAME, 1), Err(KERN_INVALID_RIGHT));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND_ONCE, -1), Err(KERN_INVALID_RIGHT));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, 9, -1), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, -4), Ok(()));
    assert_eq!(ipc.mach_port_type(sp, n), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_counts(p), Some((0, 0, 1)));
    ok(&ipc);
    // Dead names.
    let d = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(ipc.mach_port_mod_refs(sp, d, MACH_PORT_RIGHT_DEAD_NAME, 2), Ok(()));
    assert_eq!(refs(&mut ipc, sp, d, MACH_PORT_RIGHT_DEAD_NAME), 3);
    assert_eq!(ipc.mach_port_deallocate(sp, d), Ok(()));
    assert_eq!(ipc.mach_port_mod_refs(sp, d, MACH_PORT_RIGHT_DEAD_NAME, -2), Ok(()));
    assert_eq!(ipc.mach_port_type(sp, d), Err(KERN_INVALID_NAME));
    // Port set: only 0 / -1.
    let s = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(ipc.mach_port_mod_refs(sp, s, MACH_PORT_RIGHT_PORT_SET, 1), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_mod_refs(sp, s, MACH_PORT_RIGHT_PORT_SET, -1), Ok(()));
    assert_eq!(ipc.pset_count(), 0);
    // Receive -1 destroys the port.
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_RECEIVE, -1), Ok(()));
    assert_eq!(ipc.port_count(), 0);
    assert!(ipc.mach_port_names(sp).unwrap().is_empty());
    quiet(&ipc);
}

#[test]
fn insert_right_cases() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let p = port_of(&ipc, a, n);
    // Insert a send right into b under 10, then again: merges.
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 10, r), Ok(()));
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 10, r), Ok(()));
    assert_eq!(refs(&mut ipc, b, 10, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(ipc.port_counts(p), Some((1, 0, 2)));
    // Another name for the same port: KERN_RIGHT_EXISTS (right destroyed).
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 11, r), Err(KERN_RIGHT_EXISTS));
    assert_eq!(ipc.port_counts(p), Some((1, 0, 3)));
    // Name used for something else.
    let other = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(other, 1);
    let q = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(a, q, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, other, r), Err(KERN_NAME_EXISTS));
    // The port is already named 10 in b.
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, other, r), Err(KERN_RIGHT_EXISTS));
    // Send-once rights always get their own name.
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 12, r), Ok(()));
    assert_eq!(ipc.mach_port_type(b, 12), Ok(MACH_PORT_TYPE_SEND_ONCE));
    assert_eq!(ipc.port_counts(p), Some((1, 1, 4)));
    // Invalid names and rights.
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 0, r), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_insert_right(b, 13, Right::dead()), Err(KERN_INVALID_CAPABILITY));
    assert_eq!(ipc.copyin_right(a, n, MACH_MSG_TYPE_COPY_SEND).unwrap_err(), KERN_INVALID_RIGHT);
    assert_eq!(ipc.copyin_right(a, 77, MACH_MSG_TYPE_COPY_SEND).unwrap_err(), KERN_INVALID_NAME);
    assert_eq!(ipc.copyin_right(a, n, 15).unwrap_err(), KERN_INVALID_VALUE);
    // Moving the receive right into b where b names the port: same name.
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MOVE_RECEIVE).unwrap();
    assert_eq!(ipc.mach_port_insert_right(b, 10, r), Ok(()));
    assert_eq!(ipc.mach_port_type(b, 10), Ok(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_receiver(p), Some(Receiver::Space { space: b, name: 10 }));
    assert_eq!(ipc.mach_port_type(a, n), Err(KERN_INVALID_NAME));
    // mscount was reset when the receive right moved.
    assert_eq!(ipc.mach_port_get_receive_status(b, 10).unwrap().mps_mscount, 0);
    ok(&ipc);
    // Destroying b's receive right: b's send-once right to it goes dead too.
    assert_eq!(ipc.mach_port_destroy(b, 10), Ok(()));
    assert_eq!(ipc.mach_port_type(b, 12), Ok(MACH_PORT_TYPE_DEAD_NAME));
    ok(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn send_receive_round_trip() {
    let mut ipc = Ipc::new();
    let server = ipc.space_create();
    let client = ipc.space_create();
    let srv = ipc.mach_port_allocate(server, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let sp = port_of(&ipc, server, srv);
    let r = ipc.copyin_right(server, srv, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let cname = ipc.copyout_right(client, r);
    assert_eq!(cname, 1);
    let reply = ipc.mach_port_allocate(client, MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(reply, 2);
    let rp = port_of(&ipc, client, reply);
    // Request: COPY_SEND dest, MAKE_SEND_ONCE reply, one integer.
    let bits = MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8);
    let m = umsg(bits, cname, reply, 1234, &[desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 42]);
    assert_eq!(send(&mut ipc, client, &m), Ok(()));
    assert_eq!(ipc.port_counts(sp), Some((2, 0, 1)));
    assert_eq!(ipc.port_counts(rp), Some((0, 1, 0)));
    let ev = ipc.take_events();
    assert!(ev.contains(&Event::MessageQueued { port: sp, pset: None, kernel: false }));
    ok(&ipc);
    quiet(&ipc);
    let got = recv(&mut ipc, server, srv);
    // remote = reply name in the server (new send-once name 2), local = srv.
    assert_eq!(w(&got, 0), MACH_MSG_TYPE_PORT_SEND_ONCE | (MACH_MSG_TYPE_PORT_SEND << 8));
    assert_eq!(w(&got, 1), 32);
    assert_eq!(w(&got, 2), 2);
    assert_eq!(w(&got, 3), srv);
    assert_eq!(w(&got, 4), 0);
    assert_eq!(w(&got, 5), 1234);
    assert_eq!(w(&got, 6), desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true));
    assert_eq!(w(&got, 7), 42);
    assert_eq!(ipc.mach_port_type(server, 2), Ok(MACH_PORT_TYPE_SEND_ONCE));
    // The destination send right was consumed.
    assert_eq!(ipc.port_counts(sp), Some((1, 0, 1)));
    // Reply with MOVE_SEND_ONCE.
    let m = umsg(MACH_MSG_TYPE_MOVE_SEND_ONCE, 2, 0, 1334, &[desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 0]);
    assert_eq!(send(&mut ipc, server, &m), Ok(()));
    assert_eq!(ipc.mach_port_type(server, 2), Err(KERN_INVALID_NAME));
    let got = recv(&mut ipc, client, reply);
    assert_eq!(w(&got, 0), MACH_MSG_TYPE_PORT_SEND_ONCE << 8);
    assert_eq!(w(&got, 2), 0);
    assert_eq!(w(&got, 3), reply);
    assert_eq!(w(&got, 5), 1334);
    assert_eq!(ipc.port_counts(rp), Some((0, 0, 0)));
    // Second request gets seqno 1.
    let m = umsg(MACH_MSG_TYPE_COPY_SEND, cname, 0, 1, &[]);
    send(&mut ipc, client, &m).unwrap();
    assert_eq!(w(&recv(&mut ipc, server, srv), 4), 1);
    assert_eq!(ipc.mach_port_get_receive_status(server, srv).unwrap().mps_seqno, 2);
    ipc.mach_port_set_seqno(server, srv, 100).unwrap();
    send(&mut ipc, client, &m).unwrap();
    assert_eq!(w(&recv(&mut ipc, server, srv), 4), 100);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(client).unwrap();
    ipc.space_destroy(server).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn body_dispositions() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let dst = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(b, dst, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let d = ipc.copyout_right(a, r); // a: 1
    assert_eq!(d, 1);
    let x = port_with_send(&mut ipc, a); // a: 2 (send+receive)
    ipc.mach_port_mod_refs(a, x, MACH_PORT_RIGHT_SEND, 2).unwrap(); // 3 urefs
    let px = port_of(&ipc, a, x);
    let y = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 3
    let py = port_of(&ipc, a, y);
    let so = ipc.copyin_right(a, y, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    let son = ipc.copyout_right(a, so); // 4
    assert_eq!(son, 4);
    let pt = |disp, name| [desc(disp, 32, 1, true), name];
    let mut body = Vec::new();
    body.extend(pt(MACH_MSG_TYPE_MOVE_SEND, x));
    body.extend(pt(MACH_MSG_TYPE_COPY_SEND, x));
    body.extend(pt(MACH_MSG_TYPE_MAKE_SEND, x));
    body.extend(pt(MACH_MSG_TYPE_MAKE_SEND_ONCE, y));
    body.extend(pt(MACH_MSG_TYPE_MOVE_SEND_ONCE, son));
    body.extend(pt(MACH_MSG_TYPE_MOVE_RECEIVE, y));
    body.extend(pt(MACH_MSG_TYPE_COPY_SEND, 0));
    body.extend(pt(MACH_MSG_TYPE_COPY_SEND, !0));
    let m = umsg(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND, d, 0, 7, &body);
    send(&mut ipc, a, &m).unwrap();
    assert_eq!(refs(&mut ipc, a, x, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(ipc.port_counts(px), Some((4, 0, 2)));
    assert_eq!(ipc.mach_port_type(a, y), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.mach_port_type(a, son), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.port_receiver(py), Some(Receiver::InTransit { dest: Some(port_of(&ipc, b, dst)) }));
    ok(&ipc);
    quiet(&ipc);
    let got = recv(&mut ipc, b, dst);
    assert_eq!(w(&got, 0), MACH_MSGH_BITS_COMPLEX | (MACH_MSG_TYPE_PORT_SEND << 8));
    // b already holds name 1 (dst); x's three send rights merge under 2,
    // the send-once rights take 3 and 4, the receive right 5.
    let expect = [
        (MACH_MSG_TYPE_PORT_SEND, 2),
        (MACH_MSG_TYPE_PORT_SEND, 2),
        (MACH_MSG_TYPE_PORT_SEND, 2),
        (MACH_MSG_TYPE_PORT_SEND_ONCE, 3),
        (MACH_MSG_TYPE_PORT_SEND_ONCE, 4),
        (MACH_MSG_TYPE_PORT_RECEIVE, 5),
        (MACH_MSG_TYPE_PORT_SEND, 0),
        (MACH_MSG_TYPE_PORT_SEND, !0),
    ];
    for (i, (t, n)) in expect.iter().enumerate() {
        assert_eq!(w(&got, 6 + 2 * i), desc(*t, 32, 1, true), "item {i}");
        assert_eq!(w(&got, 7 + 2 * i), *n, "item {i}");
    }
    assert_eq!(refs(&mut ipc, b, 2, MACH_PORT_RIGHT_SEND), 3);
    assert_eq!(ipc.port_counts(px), Some((2, 0, 2)));
    assert_eq!(ipc.mach_port_type(b, 5), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_receiver(py), Some(Receiver::Space { space: b, name: 5 }));
    assert_eq!(ipc.port_counts(py), Some((0, 2, 0)));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ok(&ipc);
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn header_errors() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a); // 1
    let dn = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_DEAD_NAME).unwrap(); // 2
    let ps = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET).unwrap(); // 3
    let cs = MACH_MSG_TYPE_COPY_SEND;
    let mut mem = FakeMem::default();
    let mut try_send = |ipc: &mut Ipc, m: Vec<u8>| ipc.copyin_msg(a, &m, &mut mem, 0).map(|k| ipc.destroy_kmsg(k));
    assert_eq!(try_send(&mut ipc, words(&[cs, 20, n, 0, 0])), Err(MACH_SEND_MSG_TOO_SMALL));
    let mut m = umsg(cs, n, 0, 0, &[]);
    m.push(0);
    assert_eq!(try_send(&mut ipc, m), Err(MACH_SEND_MSG_TOO_SMALL));
    assert_eq!(try_send(&mut ipc, umsg(0, n, 0, 0, &[])), Err(MACH_SEND_INVALID_HEADER));
    assert_eq!(try_send(&mut ipc, umsg(MACH_MSG_TYPE_MOVE_RECEIVE, n, 0, 0, &[])), Err(MACH_SEND_INVALID_HEADER));
    assert_eq!(try_send(&mut ipc, umsg(cs, n, 5, 0, &[])), Err(MACH_SEND_INVALID_HEADER));
    assert_eq!(try_send(&mut ipc, umsg(cs | (15 << 8), n, 5, 0, &[])), Err(MACH_SEND_INVALID_HEADER));
    assert_eq!(try_send(&mut ipc, umsg(cs, 9, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    assert_eq!(try_send(&mut ipc, umsg(cs, dn, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    assert_eq!(try_send(&mut ipc, umsg(MACH_MSG_TYPE_MOVE_SEND, dn, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    assert_eq!(refs(&mut ipc, a, dn, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(try_send(&mut ipc, umsg(cs, ps, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    assert_eq!(try_send(&mut ipc, umsg(MACH_MSG_TYPE_MOVE_SEND_ONCE, n, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    let mso = MACH_MSG_TYPE_MAKE_SEND_ONCE << 8;
    assert_eq!(try_send(&mut ipc, umsg(cs | mso, n, 9, 0, &[])), Err(MACH_SEND_INVALID_REPLY));
    assert_eq!(try_send(&mut ipc, umsg(cs | mso, n, dn, 0, &[])), Err(MACH_SEND_INVALID_REPLY));
    // A dead name is a fine reply for COPY_SEND: it travels as MACH_PORT_DEAD.
    assert_eq!(try_send(&mut ipc, umsg(cs | (cs << 8), n, dn, 0, &[])), Ok(()));
    assert_eq!(refs(&mut ipc, a, dn, MACH_PORT_RIGHT_DEAD_NAME), 1);
    // Same name for destination and reply.
    // (destroying that message sent a send-once notification to n itself)
    assert_eq!(try_send(&mut ipc, umsg(cs | mso, n, n, 0, &[])), Ok(()));
    let ms = MACH_MSG_TYPE_MOVE_SEND;
    assert_eq!(try_send(&mut ipc, umsg(ms | (ms << 8), n, n, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), 1);
    let p = port_of(&ipc, a, n);
    assert_eq!(ipc.port_counts(p), Some((1, 1, 1)));
    assert_eq!(ipc.port_msgcount(p), Some(1));
    assert_eq!(w(&recv(&mut ipc, a, n), 5), MACH_NOTIFY_SEND_ONCE);
    assert_eq!(ipc.port_counts(p), Some((1, 0, 1)));
    // Header failures changed nothing.
    ok(&ipc);
    quiet(&ipc);
    // MACH_SEND_CANCEL notify must be a receive right.
    assert_eq!(ipc.copyin_msg(a, &umsg(cs, n, 0, 0, &[]), &mut FakeMem::default(), dn).unwrap_err(), MACH_SEND_INVALID_NOTIFY);
    ipc.space_destroy(a).unwrap();
    quiet(&ipc);
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn body_errors_and_complex_bit() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a); // 1
    let x = port_with_send(&mut ipc, a); // 2
    let px = port_of(&ipc, a, x);
    let c = MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND;
    let mut mem = FakeMem::default();
    // MOVE_SEND of x, then a bad right: x's right is lost, as in GNU Mach.
    let body = [desc(MACH_MSG_TYPE_MOVE_SEND, 32, 1, true), x, desc(MACH_MSG_TYPE_MOVE_SEND, 32, 1, true), 77];
    assert_eq!(ipc.copyin_msg(a, &umsg(c, n, 0, 0, &body), &mut mem, 0).unwrap_err(), MACH_SEND_INVALID_RIGHT);
    assert_eq!(ipc.mach_port_type(a, x), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_counts(px), Some((0, 0, 1)));
    let body = [desc(MACH_MSG_TYPE_COPY_SEND, 16, 1, true), n];
    assert_eq!(ipc.copyin_msg(a, &umsg(c, n, 0, 0, &body), &mut mem, 0).unwrap_err(), MACH_SEND_INVALID_TYPE);
    let body = [desc(MACH_MSG_TYPE_INTEGER_32, 32, 2, true), 1];
    assert_eq!(ipc.copyin_msg(a, &umsg(c, n, 0, 0, &body), &mut mem, 0).unwrap_err(), MACH_SEND_MSG_TOO_SMALL);
    let body = [desc(MACH_MSG_TYPE_INTEGER_8, 8, 16, false), 0x1234];
    assert_eq!(ipc.copyin_msg(a, &umsg(c, n, 0, 0, &body), &mut mem, 0).unwrap_err(), MACH_SEND_INVALID_MEMORY);
    // Without the complex bit the body is plain data: names are not rights.
    let body = [desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), x];
    let k = ipc.copyin_msg(a, &umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 0, &body), &mut mem, 0).unwrap();
    assert!(k.ports().is_empty());
    assert_eq!(k.body, words(&body));
    ipc.destroy_kmsg(k);
    assert_eq!(ipc.mach_port_type(a, x), Ok(MACH_PORT_TYPE_RECEIVE));
    // Complex bit with plain data only: cleared.
    let body = [desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 5];
    let k = ipc.copyin_msg(a, &umsg(c, n, 0, 0, &body), &mut mem, 0).unwrap();
    assert_eq!(k.bits, MACH_MSG_TYPE_PORT_SEND);
    ipc.destroy_kmsg(k);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn out_of_line_data_and_ports() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let dst = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(b, dst, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let d = ipc.copyout_right(a, r);
    let x = port_with_send(&mut ipc, a); // 2
    let mut mem = FakeMem::default();
    mem.regions.insert(0x1000, (0..10u8).collect());
    mem.regions.insert(0x2000, words(&[x, 0]));
    let body = [
        desc(MACH_MSG_TYPE_INTEGER_8, 8, 10, false) | (1 << 30),
        0x1000,
        desc(MACH_MSG_TYPE_COPY_SEND, 32, 2, false),
        0x2000,
    ];
    let m = umsg(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND, d, 0, 3, &body);
    let k = ipc.copyin_msg(a, &m, &mut mem, 0).unwrap();
    assert_eq!(mem.deallocated, vec![(0x1000, 10)]);
    assert_eq!(k.ool.len(), 2);
    assert_eq!(k.ool[0].data, (0..10u8).collect::<Vec<_>>());
    assert_eq!(k.ports().len(), 2);
    assert_eq!(k.ports()[0].loc, PortLoc::Ool { region: 1, index: 0 });
    ipc.send(k, 0).unwrap();
    ok(&ipc);
    let k = ipc.receive(b, dst, 0, 100).unwrap();
    let mut rmem = FakeMem::default();
    let (got, code) = ipc.copyout_msg(b, k, &mut rmem);
    assert_eq!(code, MACH_MSG_SUCCESS);
    let a1 = w(&got, 7);
    let a2 = w(&got, 9);
    assert_eq!(rmem.regions[&a1], (0..10u8).collect::<Vec<_>>());
    // Received out-of-line descriptors carry msgt_deallocate, as GNU Mach's.
    assert_eq!(w(&got, 6), desc(MACH_MSG_TYPE_INTEGER_8, 8, 10, false) | (1 << 30));
    assert_eq!(w(&got, 8), desc(MACH_MSG_TYPE_PORT_SEND, 32, 2, false) | (1 << 30));
    assert_eq!(rmem.regions[&a2], words(&[2, 0]));
    assert_eq!(refs(&mut ipc, b, 2, MACH_PORT_RIGHT_SEND), 1);
    ok(&ipc);
    quiet(&ipc);
    // A full receiver address space: body error, address 0.
    mem.regions.insert(0x1000, vec![1, 2, 3, 4]);
    let body = [desc(MACH_MSG_TYPE_INTEGER_8, 8, 4, false), 0x1000];
    let m = umsg(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND, d, 0, 3, &body);
    let k = ipc.copyin_msg(a, &m, &mut mem, 0).unwrap();
    ipc.send(k, 0).unwrap();
    let k = ipc.receive(b, dst, 0, 100).unwrap();
    rmem.full = true;
    let (got, code) = ipc.copyout_msg(b, k, &mut rmem);
    assert_eq!(code, MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE);
    assert_eq!(w(&got, 7), 0);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn qlimit_and_send_once_bypass() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a);
    let p = port_of(&ipc, a, n);
    let m = umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 1, &[]);
    let mut mem = FakeMem::default();
    for _ in 0..MACH_PORT_QLIMIT_DEFAULT {
        let k = ipc.copyin_msg(a, &m, &mut mem, 0).unwrap();
        assert!(ipc.send(k, 0).is_ok());
    }
    let k = ipc.copyin_msg(a, &m, &mut mem, 0).unwrap();
    let k = ipc.send(k, 0).unwrap_err();
    // A send-once destination is not limited.
    let so = umsg(MACH_MSG_TYPE_MAKE_SEND_ONCE, n, 0, 2, &[]);
    let k2 = ipc.copyin_msg(a, &so, &mut mem, 0).unwrap();
    assert!(ipc.send(k2, 0).is_ok());
    assert_eq!(ipc.port_msgcount(p), Some(6));
    ipc.take_events();
    // Time out: the message goes back to the sender.
    let (bytes, code) = ipc.copyout_pseudo(a, k, &mut mem);
    assert_eq!(code, MACH_MSG_SUCCESS);
    assert_eq!(w(&bytes, 0), MACH_MSG_TYPE_PORT_SEND);
    assert_eq!(w(&bytes, 2), n);
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), 2);
    ok(&ipc);
    quiet(&ipc);
    // Dequeue one: still 5 >= 5, no room event; the next makes room.
    let _ = recv(&mut ipc, a, n);
    assert!(ipc.take_events().contains(&Event::SendersMayRetry(p)));
    let _ = recv(&mut ipc, a, n);
    assert!(ipc.take_events().contains(&Event::SendersMayRetry(p)));
    let _ = recv(&mut ipc, a, n);
    assert!(!ipc.take_events().contains(&Event::SendersMayRetry(p)));
    assert_eq!(ipc.mach_port_set_qlimit(a, n, 17), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_set_qlimit(a, 99, 1), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.mach_port_set_qlimit(a, n, 16), Ok(()));
    assert!(ipc.take_events().contains(&Event::SendersMayRetry(p)));
    let st = ipc.mach_port_get_receive_status(a, n).unwrap();
    assert_eq!(
        st,
        PortStatus {
            mps_pset: 0,
            mps_seqno: 3,
            mps_mscount: 1,
            mps_qlimit: 16,
            mps_msgcount: 3,
            mps_sorights: 1,
            mps_srights: true,
            mps_pdrequest: false,
            mps_nsrequest: false
        }
    );
    assert_eq!(w(&st.to_bytes(), 3), 16);
    ok(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn rcv_too_large_with_and_without_large() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a); // 1
    let reply = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let rp = port_of(&ipc, a, reply);
    let bits = MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8);
    let m = umsg(bits, n, reply, 9, &[desc(MACH_MSG_TYPE_INTEGER_32, 32, 2, true), 1, 2]);
    send(&mut ipc, a, &m).unwrap();
    assert_eq!(ipc.receive(a, n, MACH_RCV_LARGE, 24).unwrap_err(), RecvError::TooLarge { size: 36, header: None });
    assert_eq!(ipc.port_msgcount(port_of(&ipc, a, n)), Some(1));
    ok(&ipc);
    // Without LARGE: dequeued (seqno 0 used), reply right destroyed with a
    // send-once notification, header handed back.
    let Err(RecvError::TooLarge { size: 36, header: Some(h) }) = ipc.receive(a, n, 0, 24) else { panic!() };
    assert_eq!(w(&h, 0), MACH_MSG_TYPE_PORT_SEND_ONCE | (MACH_MSG_TYPE_PORT_SEND << 8));
    assert_eq!(w(&h, 1), 36);
    assert_eq!(w(&h, 2), 0);
    assert_eq!(w(&h, 3), n);
    assert_eq!(w(&h, 4), 0);
    assert_eq!(w(&h, 5), 9);
    assert_eq!(ipc.port_msgcount(port_of(&ipc, a, n)), Some(0));
    let got = recv(&mut ipc, a, reply);
    assert_eq!(got, words(&[MACH_MSG_TYPE_PORT_SEND_ONCE << 8, 24, 0, reply, 0, MACH_NOTIFY_SEND_ONCE]));
    assert_eq!(ipc.port_counts(rp), Some((0, 0, 0)));
    assert_eq!(ipc.mach_port_get_receive_status(a, n).unwrap().mps_seqno, 1);
    let pn = port_of(&ipc, a, n);
    assert_eq!(ipc.receive(a, n, 0, 24).unwrap_err(), RecvError::WouldBlock(WaitObj::Port(pn)));
    assert_eq!(ipc.receive(a, 77, 0, 24).unwrap_err(), RecvError::Code(MACH_RCV_INVALID_NAME));
    let d = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(ipc.receive(a, d, 0, 24).unwrap_err(), RecvError::Code(MACH_RCV_INVALID_NAME));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn port_sets() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let s = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET).unwrap(); // 1
    let p1 = port_with_send(&mut ipc, a); // 2
    let p2 = port_with_send(&mut ipc, a); // 3
    let pid1 = port_of(&ipc, a, p1);
    let pset = match ipc.receive(a, s, 0, 100) {
        Err(RecvError::WouldBlock(WaitObj::Pset(x))) => x,
        other => panic!("{other:?}"),
    };
    // A message queued on p2 before it joins.
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, p2, 0, 20, &[])).unwrap();
    assert_eq!(ipc.mach_port_move_member(a, p1, s), Ok(()));
    ipc.take_events();
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, p1, 0, 10, &[])).unwrap();
    assert_eq!(ipc.take_events(), vec![Event::MessageQueued { port: pid1, pset: Some(pset), kernel: false }]);
    assert_eq!(ipc.mach_port_move_member(a, p2, s), Ok(()));
    assert!(ipc.take_events().contains(&Event::ReceiversAbort {
        obj: WaitObj::Port(port_of(&ipc, a, p2)),
        code: MACH_RCV_PORT_CHANGED
    }));
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, p1, 0, 11, &[])).unwrap();
    assert_eq!(ipc.mach_port_get_set_status(a, s), Ok(vec![p1, p2]));
    assert_eq!(ipc.mach_port_get_receive_status(a, p1).unwrap().mps_pset, s);
    assert_eq!(ipc.receive(a, p1, 0, 100).unwrap_err(), RecvError::Code(MACH_RCV_IN_SET));
    // FIFO over the set: p1's 10, then p2's 20 (moved in after), then 11.
    let ids: Vec<u32> = (0..3).map(|_| w(&recv(&mut ipc, a, s), 5)).collect();
    assert_eq!(ids, vec![10, 20, 11]);
    ok(&ipc);
    assert_eq!(ipc.mach_port_move_member(a, p1, 0), Ok(()));
    assert_eq!(ipc.mach_port_move_member(a, p1, 0), Err(KERN_NOT_IN_SET));
    assert_eq!(ipc.mach_port_move_member(a, p1, p2), Err(KERN_INVALID_RIGHT));
    assert_eq!(ipc.mach_port_move_member(a, p1, 50), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.mach_port_move_member(a, s, s), Err(KERN_INVALID_RIGHT));
    assert_eq!(ipc.mach_port_get_set_status(a, p1), Err(KERN_INVALID_RIGHT));
    // Destroying the set frees its members.
    assert_eq!(ipc.mach_port_destroy(a, s), Ok(()));
    assert!(ipc
        .take_events()
        .contains(&Event::ReceiversAbort { obj: WaitObj::Pset(pset), code: MACH_RCV_PORT_DIED }));
    assert_eq!(ipc.mach_port_get_receive_status(a, p2).unwrap().mps_pset, 0);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

fn int32_desc() -> u32 {
    desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true)
}

#[test]
fn no_senders_notification() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 1
    let notify = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    // No senders yet, mscount 0 < sync 1: registered, not fired.
    let prev = ipc.mach_port_request_notification(a, n, MACH_NOTIFY_NO_SENDERS, 1, so).unwrap();
    assert!(prev.is_null());
    assert!(ipc.mach_port_get_receive_status(a, n).unwrap().mps_nsrequest);
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.copyout_right(b, r), 1);
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.copyout_right(b, r), 1);
    assert_eq!(ipc.mach_port_deallocate(b, 1), Ok(()));
    assert_eq!(ipc.port_msgcount(port_of(&ipc, a, notify)), Some(0));
    ok(&ipc);
    assert_eq!(ipc.mach_port_deallocate(b, 1), Ok(()));
    let got = recv(&mut ipc, a, notify);
    assert_eq!(
        got,
        words(&[MACH_MSG_TYPE_PORT_SEND_ONCE << 8, 32, 0, notify, 0, MACH_NOTIFY_NO_SENDERS, int32_desc(), 2])
    );
    assert_eq!(int32_desc(), 0x1001_2002);
    assert!(!ipc.mach_port_get_receive_status(a, n).unwrap().mps_nsrequest);
    // Registering with sync <= mscount and no senders fires at once.
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    let prev = ipc.mach_port_request_notification(a, n, MACH_NOTIFY_NO_SENDERS, 2, so).unwrap();
    assert!(prev.is_null());
    assert_eq!(w(&recv(&mut ipc, a, notify), 7), 2);
    // Replacing a request returns the previous right.
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(a, n, MACH_NOTIFY_NO_SENDERS, 3, so).unwrap().is_null());
    let prev = ipc.mach_port_request_notification(a, n, MACH_NOTIFY_NO_SENDERS, 3, Right::null()).unwrap();
    assert_eq!(prev.port_id(), Some(port_of(&ipc, a, notify)));
    let pname = ipc.copyout_right(a, prev);
    assert_eq!(ipc.mach_port_type(a, pname), Ok(MACH_PORT_TYPE_SEND_ONCE));
    // Bad requests: the notify right is destroyed (send-once notification).
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert_eq!(ipc.mach_port_request_notification(a, n, 99, 0, so).unwrap_err(), KERN_INVALID_VALUE);
    assert_eq!(w(&recv(&mut ipc, a, notify), 5), MACH_NOTIFY_SEND_ONCE);
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert_eq!(
        ipc.mach_port_request_notification(a, n, MACH_NOTIFY_PORT_DESTROYED, 1, so).unwrap_err(),
        KERN_INVALID_VALUE
    );
    assert_eq!(w(&recv(&mut ipc, a, notify), 5), MACH_NOTIFY_SEND_ONCE);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(b).unwrap();
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn dead_name_notification_and_urefs() {
    let mut ipc = Ipc::new();
    let server = ipc.space_create();
    let client = ipc.space_create();
    let n = ipc.mach_port_allocate(server, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let p = port_of(&ipc, server, n);
    let r = ipc.copyin_right(server, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let s = ipc.copyout_right(client, r); // 1
    ipc.mach_port_mod_refs(client, s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    let notify = ipc.mach_port_allocate(client, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let so = ipc.copyin_right(client, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(client, s, MACH_NOTIFY_DEAD_NAME, 0, so).unwrap().is_null());
    assert_eq!(ipc.mach_port_type(client, s), Ok(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST));
    ok(&ipc);
    // The server dies.
    ipc.space_destroy(server).unwrap();
    assert!(!ipc.port_alive(p));
    let got = recv(&mut ipc, client, notify);
    assert_eq!(
        got,
        words(&[
            MACH_MSG_TYPE_PORT_SEND_ONCE << 8,
            32,
            0,
            notify,
            0,
            MACH_NOTIFY_DEAD_NAME,
            desc(MACH_MSG_TYPE_PORT_NAME, 32, 1, true),
            s
        ])
    );
    assert_eq!(desc(MACH_MSG_TYPE_PORT_NAME, 32, 1, true), 0x1001_200f);
    ok(&ipc);
    // The name became a dead name with one extra uref for the notification.
    assert_eq!(ipc.mach_port_type(client, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&mut ipc, client, s, MACH_PORT_RIGHT_DEAD_NAME), 3);
    assert_eq!(ipc.port_count(), 1); // only the notify port: p was freed
    // Sending to it: MACH_SEND_INVALID_DEST.
    assert_eq!(send(&mut ipc, client, &umsg(MACH_MSG_TYPE_COPY_SEND, s, 0, 0, &[])), Err(MACH_SEND_INVALID_DEST));
    // Dead-name request on a dead name: needs sync, then fires at once.
    let so = ipc.copyin_right(client, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert_eq!(
        ipc.mach_port_request_notification(client, s, MACH_NOTIFY_DEAD_NAME, 0, so).unwrap_err(),
        KERN_INVALID_ARGUMENT
    );
    assert_eq!(w(&recv(&mut ipc, client, notify), 5), MACH_NOTIFY_SEND_ONCE);
    let so = ipc.copyin_right(client, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(client, s, MACH_NOTIFY_DEAD_NAME, 1, so).unwrap().is_null());
    assert_eq!(w(&recv(&mut ipc, client, notify), 7), s);
    assert_eq!(refs(&mut ipc, client, s, MACH_PORT_RIGHT_DEAD_NAME), 4);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(client).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn port_deleted_notification() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let target = port_with_send(&mut ipc, a); // 1
    let notify = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let b = ipc.space_create();
    let r = ipc.copyin_right(a, target, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let s = ipc.copyout_right(b, r);
    let r = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let bn = ipc.copyout_right(b, r);
    assert_eq!(bn, 2);
    let bnotify = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let so = ipc.copyin_right(b, bnotify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(b, s, MACH_NOTIFY_DEAD_NAME, 0, so).unwrap().is_null());
    // Deallocating the send right: port-deleted.
    ipc.mach_port_deallocate(b, s).unwrap();
    let got = recv(&mut ipc, b, bnotify);
    assert_eq!(
        got,
        words(&[
            MACH_MSG_TYPE_PORT_SEND_ONCE << 8,
            32,
            0,
            bnotify,
            0,
            MACH_NOTIFY_PORT_DELETED,
            desc(MACH_MSG_TYPE_PORT_NAME, 32, 1, true),
            s
        ])
    );
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(b).unwrap();
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn port_destroyed_notification_returns_receive_right() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let guardian = ipc.space_create();
    let n = port_with_send(&mut ipc, a); // 1
    let p = port_of(&ipc, a, n);
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 5, &[])).unwrap();
    let g = ipc.mach_port_allocate(guardian, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let so = ipc.copyin_right(guardian, g, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    ipc.mach_port_insert_right(a, 9, so).unwrap();
    let so = ipc.copyin_right(a, 9, MACH_MSG_TYPE_MOVE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(a, n, MACH_NOTIFY_PORT_DESTROYED, 0, so).unwrap().is_null());
    assert!(ipc.mach_port_get_receive_status(a, n).unwrap().mps_pdrequest);
    ipc.space_destroy(a).unwrap();
    // The port lives on, in transit to the guardian, with its message.
    assert!(ipc.port_alive(p));
    ok(&ipc);
    let got = recv(&mut ipc, guardian, g);
    assert_eq!(
        got,
        words(&[
            MACH_MSGH_BITS_COMPLEX | (MACH_MSG_TYPE_PORT_SEND_ONCE << 8),
            32,
            0,
            g,
            0,
            MACH_NOTIFY_PORT_DESTROYED,
            desc(MACH_MSG_TYPE_PORT_RECEIVE, 32, 1, true),
            2
        ])
    );
    assert_eq!(desc(MACH_MSG_TYPE_PORT_RECEIVE, 32, 1, true), 0x1001_2010);
    assert_eq!(ipc.port_receiver(p), Some(Receiver::Space { space: guardian, name: 2 }));
    // The task's send right went with the task; the queued message stayed.
    assert_eq!(ipc.port_counts(p), Some((1, 0, 0)));
    let st = ipc.mach_port_get_receive_status(guardian, 2).unwrap();
    assert_eq!((st.mps_msgcount, st.mps_seqno, st.mps_pdrequest), (1, 0, false));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(guardian).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn teardown_makes_dead_names_and_frees_everything() {
    let mut ipc = Ipc::new();
    let server = ipc.space_create();
    let client = ipc.space_create();
    let srv = port_with_send(&mut ipc, server);
    let r = ipc.copyin_right(server, srv, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let cs = ipc.copyout_right(client, r);
    let creply = ipc.mach_port_allocate(client, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let crp = port_of(&ipc, client, creply);
    // Queue requests carrying send-once replies and a receive right.
    let extra = ipc.mach_port_allocate(client, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let bits = MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8);
    let m = umsg(bits, cs, creply, 1, &[desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), extra]);
    send(&mut ipc, client, &m).unwrap();
    let m = umsg(MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), cs, creply, 2, &[]);
    send(&mut ipc, client, &m).unwrap();
    assert_eq!(ipc.port_counts(crp), Some((0, 2, 0)));
    ok(&ipc);
    quiet(&ipc);
    let before = ipc.port_count();
    assert_eq!(before, 3);
    ipc.space_destroy(server).unwrap();
    // Both reply rights were destroyed: two send-once notifications.
    let a = recv(&mut ipc, client, creply);
    let b = recv(&mut ipc, client, creply);
    assert_eq!((w(&a, 5), w(&b, 5)), (MACH_NOTIFY_SEND_ONCE, MACH_NOTIFY_SEND_ONCE));
    assert_eq!(ipc.mach_port_type(client, cs), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&mut ipc, client, cs, MACH_PORT_RIGHT_DEAD_NAME), 1);
    // srv's port and the in-transit port are gone.
    assert_eq!(ipc.port_count(), 1);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(client).unwrap();
    assert_eq!(ipc.port_count(), 0);
    assert_eq!(ipc.space_count(), 0);
    quiet(&ipc);
}

#[test]
fn circular_message_is_destroyed() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a);
    let p = port_of(&ipc, a, n);
    let m = umsg(
        MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND,
        n,
        0,
        1,
        &[desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), n],
    );
    assert_eq!(send(&mut ipc, a, &m), Ok(()));
    assert!(!ipc.port_alive(p));
    assert_eq!(ipc.mach_port_type(a, n), Ok(MACH_PORT_TYPE_DEAD_NAME));
    ok(&ipc);
    // Indirect cycle: x's receive right travels to y, then y's to x.
    let x = port_with_send(&mut ipc, a);
    let y = port_with_send(&mut ipc, a);
    let px = port_of(&ipc, a, x);
    let py = port_of(&ipc, a, y);
    let m = umsg(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND, y, 0, 1, &[desc(16, 32, 1, true), x]);
    send(&mut ipc, a, &m).unwrap();
    assert_eq!(ipc.port_receiver(px), Some(Receiver::InTransit { dest: Some(py) }));
    // x is in transit inside y; now send y's receive right to x.
    let r = ipc.copyin_right(a, x, MACH_MSG_TYPE_COPY_SEND).unwrap();
    let yr = ipc.copyin_right(a, y, MACH_MSG_TYPE_MOVE_RECEIVE).unwrap();
    let _ = (r.port_id(), yr.port_id());
    ipc.release_right(r);
    ipc.release_right(yr);
    // y destroyed -> the message holding x destroyed -> x destroyed.
    assert!(!ipc.port_alive(px) && !ipc.port_alive(py));
    ok(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn kernel_port_messages_are_served_by_stamp() {
    let mut ipc = Ipc::new();
    let kp = ipc.alloc_kernel_port(Some((3, 42)));
    let t = ipc.space_create();
    let r = ipc.make_send(kp).unwrap();
    let name = ipc.copyout_right(t, r);
    for id in [10, 11, 12] {
        send(&mut ipc, t, &umsg(MACH_MSG_TYPE_COPY_SEND, name, 0, id, &[int32_desc(), 7])).unwrap();
    }
    let queued = ipc.take_kernel_queued();
    assert_eq!(queued.len(), 3);
    assert!(queued.iter().all(|&(p, _)| p == kp));
    assert!(ipc.take_kernel_queued().is_empty(), "drained");
    // Each sender takes its own message, wherever it is in the queue.
    let second = ipc.dequeue_stamped(kp, queued[1].1).unwrap();
    assert_eq!(second.id, 11);
    assert!(ipc.dequeue_stamped(kp, queued[1].1).is_none(), "taken once only");
    assert_eq!(ipc.dequeue_stamped(kp, queued[2].1).unwrap().id, 12);
    assert_eq!(ipc.dequeue(kp).unwrap().id, 10);
    // Messages to ports a task receives from are not listed.
    let p = ipc.mach_port_allocate(t, MACH_PORT_RIGHT_RECEIVE).unwrap();
    send(&mut ipc, t, &umsg(MACH_MSG_TYPE_MAKE_SEND, p, 0, 13, &[int32_desc(), 7])).unwrap();
    assert!(ipc.take_kernel_queued().is_empty());
}

#[test]
fn kernel_port_rpc() {
    let mut ipc = Ipc::new();
    let kp = ipc.alloc_kernel_port(Some((3, 42)));
    let t = ipc.space_create();
    let r = ipc.make_send(kp).unwrap();
    let name = ipc.copyout_right(t, r);
    let reply = ipc.mach_port_allocate(t, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let bits = MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8);
    let m = umsg(bits, name, reply, 3201, &[int32_desc(), 7]);
    // Queue limits do not apply to kernel ports.
    for _ in 0..10 {
        send(&mut ipc, t, &m).unwrap();
    }
    let ev = ipc.take_events();
    assert!(ev.contains(&Event::MessageQueued { port: kp, pset: None, kernel: true }));
    for i in 0..10 {
        let mut req = ipc.dequeue(kp).unwrap();
        assert_eq!(req.seqno, i);
        assert_eq!(req.remote_port(), Some(kp));
        assert_eq!(ipc.port_kobject(kp), Some((3, 42)));
        let reply_right = req.take_local();
        ipc.destroy_received_kmsg(req);
        let rep = KMsgBuilder::new(reply_right, Right::null(), 3301).int32(0).build();
        ipc.send_always(rep);
        let got = recv(&mut ipc, t, reply);
        assert_eq!(got, words(&[MACH_MSG_TYPE_PORT_SEND_ONCE << 8, 32, 0, reply, i, 3301, int32_desc(), 0]));
    }
    ok(&ipc);
    quiet(&ipc);
    // The kernel object goes away: the task's name becomes dead.
    ipc.destroy_kernel_port(kp).unwrap();
    assert!(ipc.take_events().contains(&Event::KObjectDied { port: kp, kobject: (3, 42) }));
    assert_eq!(ipc.mach_port_type(t, name), Ok(MACH_PORT_TYPE_DEAD_NAME));
    ipc.space_destroy(t).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn rename_and_extract() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a); // 1
    let s = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET).unwrap(); // 2
    ipc.mach_port_move_member(a, n, s).unwrap();
    assert_eq!(ipc.mach_port_rename(a, n, 0), Err(KERN_INVALID_VALUE));
    assert_eq!(ipc.mach_port_rename(a, n, s), Err(KERN_NAME_EXISTS));
    assert_eq!(ipc.mach_port_rename(a, 77, 78), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.mach_port_rename(a, n, 50), Ok(()));
    assert_eq!(ipc.mach_port_rename(a, s, 60), Ok(()));
    assert_eq!(ipc.mach_port_get_set_status(a, 60), Ok(vec![50]));
    assert_eq!(ipc.mach_port_get_receive_status(a, 50).unwrap().mps_pset, 60);
    ok(&ipc);
    let (r, t) = ipc.mach_port_extract_right(a, 50, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert_eq!(t, MACH_MSG_TYPE_PORT_SEND_ONCE);
    ipc.release_right(r);
    let got = recv(&mut ipc, a, 60);
    assert_eq!(w(&got, 5), MACH_NOTIFY_SEND_ONCE);
    let (r, t) = ipc.mach_port_extract_right(a, 50, MACH_MSG_TYPE_MOVE_SEND).unwrap();
    assert_eq!(t, MACH_MSG_TYPE_PORT_SEND);
    assert_eq!(ipc.mach_port_type(a, 50), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.copyout_right(a, r), 50);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

/// A tiny deterministic generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// A disposition that usually fits what `name` holds.
fn fitting_disp(ipc: &mut Ipc, sp: SpaceId, name: u32, rng: &mut Rng, receive_ok: bool) -> u32 {
    let ty = ipc.mach_port_type(sp, name).unwrap_or(0);
    if rng.below(10) == 0 {
        return MACH_MSG_TYPE_MOVE_SEND + rng.below(5);
    }
    let mut choices = Vec::new();
    if ty & MACH_PORT_TYPE_RECEIVE != 0 {
        choices.extend([MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE]);
        if receive_ok {
            choices.push(MACH_MSG_TYPE_MOVE_RECEIVE);
        }
    }
    if ty & MACH_PORT_TYPE_SEND != 0 {
        choices.extend([MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND]);
    }
    if ty & MACH_PORT_TYPE_SEND_ONCE != 0 {
        choices.push(MACH_MSG_TYPE_MOVE_SEND_ONCE);
    }
    if ty & MACH_PORT_TYPE_DEAD_NAME != 0 {
        choices.extend([MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND]);
    }
    if choices.is_empty() {
        return MACH_MSG_TYPE_COPY_SEND;
    }
    choices[rng.below(choices.len() as u32) as usize]
}

#[test]
fn randomized_operations_keep_counts_consistent() {
    let (mut sent, mut received, mut moved_receive, mut died) = (0u32, 0u32, 0u32, 0u32);
    let mut errs: BTreeMap<u32, u32> = BTreeMap::new();
    for seed in 1..=120u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut ipc = Ipc::new();
        let mut spaces: Vec<SpaceId> = (0..3).map(|_| ipc.space_create()).collect();
        let mut held: Vec<Right> = Vec::new();
        let mut kports: Vec<PortId> = Vec::new();
        let mut mem = FakeMem::default();
        for step in 0..600 {
            if spaces.is_empty() {
                spaces.push(ipc.space_create());
            }
            let sp = spaces[rng.below(spaces.len() as u32) as usize];
            let existing: Vec<u32> = ipc.mach_port_names(sp).unwrap().into_iter().map(|(n, _)| n).collect();
            let name = if !existing.is_empty() && rng.below(5) != 0 {
                existing[rng.below(existing.len() as u32) as usize]
            } else {
                1 + rng.below(8)
            };
            let disp = MACH_MSG_TYPE_MOVE_RECEIVE + rng.below(6);
            match rng.below(21) {
                17 => {
                    // A kernel object appears and a task gets a send right.
                    let kp = ipc.alloc_kernel_port(Some((1, step as u64)));
                    kports.push(kp);
                    let r = ipc.make_send(kp).unwrap();
                    let _ = ipc.copyout_right(sp, r);
                }
                18 => {
                    // The kernel serves (and drops) a request queued on one of its ports.
                    if !kports.is_empty() {
                        let kp = kports[rng.below(kports.len() as u32) as usize];
                        if let Some(mut k) = ipc.dequeue(kp) {
                            let reply = k.take_local();
                            ipc.destroy_received_kmsg(k);
                            if reply.port().is_some() && rng.below(2) == 0 {
                                let m = KMsgBuilder::new(reply, Right::null(), 99).int32(0).build();
                                ipc.send_always(m);
                            } else {
                                ipc.release_right(reply);
                            }
                        }
                    }
                }
                19 => {
                    if !kports.is_empty() && rng.below(4) == 0 {
                        let kp = kports.swap_remove(rng.below(kports.len() as u32) as usize);
                        ipc.destroy_kernel_port(kp).unwrap();
                    }
                }
                20 => {
                    // Move a right from one task to another.
                    let other = spaces[rng.below(spaces.len() as u32) as usize];
                    if let Ok((r, _)) = ipc.mach_port_extract_right(sp, name, disp) {
                        let _ = ipc.copyout_right(other, r);
                    }
                }
                0 => {
                    let right = if rng.below(2) == 0 { MACH_PORT_RIGHT_RECEIVE } else { rng.below(5) };
                    let _ = ipc.mach_port_allocate(sp, right);
                }
                1 => {
                    let _ = ipc.mach_port_deallocate(sp, name);
                }
                2 => {
                    let _ = ipc.mach_port_destroy(sp, name);
                }
                3 => {
                    let d = rng.below(5) as i32 - 2;
                    let _ = ipc.mach_port_mod_refs(sp, name, rng.below(5), d);
                }
                4 => {
                    if let Ok(r) = ipc.copyin_right(sp, name, disp) {
                        held.push(r);
                    }
                }
                5 => {
                    if !held.is_empty() {
                        let r = held.swap_remove(rng.below(held.len() as u32) as usize);
                        if rng.below(2) == 0 {
                            let _ = ipc.copyout_right(sp, r);
                        } else {
                            let _ = ipc.mach_port_insert_right(sp, name, r);
                        }
                    }
                }
                6 => {
                    if !held.is_empty() {
                        let r = held.swap_remove(rng.below(held.len() as u32) as usize);
                        ipc.release_right(r);
                    }
                }
                7 | 8 => {
                    let live: Vec<u32> = ipc
                        .mach_port_names(sp)
                        .unwrap()
                        .into_iter()
                        .filter(|(_, t)| t & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND_ONCE) != 0)
                        .map(|(n, _)| n)
                        .collect();
                    let name = if !live.is_empty() && rng.below(10) != 0 {
                        live[rng.below(live.len() as u32) as usize]
                    } else {
                        name
                    };
                    let name = if live.is_empty() {
                        ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap()
                    } else {
                        name
                    };
                    let dest_disp = fitting_disp(&mut ipc, sp, name, &mut rng, false);
                    let pick = |rng: &mut Rng| {
                        if live.is_empty() || rng.below(8) == 0 {
                            1 + rng.below(6)
                        } else {
                            live[rng.below(live.len() as u32) as usize]
                        }
                    };
                    let reply = if rng.below(2) == 0 { 0 } else { pick(&mut rng) };
                    let reply_disp = if reply == 0 { 0 } else { fitting_disp(&mut ipc, sp, reply, &mut rng, false) };
                    let bn = pick(&mut rng);
                    let body: Vec<u32> = match rng.below(3) {
                        0 => vec![],
                        1 => vec![desc(fitting_disp(&mut ipc, sp, bn, &mut rng, true), 32, 1, true), bn],
                        _ => vec![desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 5],
                    };
                    let m = umsg(MACH_MSGH_BITS_COMPLEX | dest_disp | (reply_disp << 8), name, reply, 1, &body);
                    let res = ipc.copyin_msg(sp, &m, &mut mem, 0);
                    if let Err(e) = &res {
                        *errs.entry(*e).or_insert(0u32) += 1;
                    }
                    if let Ok(k) = res {
                        sent += 1;
                        if k.ports().iter().any(|s| s.type_name == MACH_MSG_TYPE_PORT_RECEIVE && !s.right.is_null()) {
                            moved_receive += 1;
                        }
                        if let Err(k) = ipc.send(k, 0) {
                            if rng.below(2) == 0 {
                                let _ = ipc.copyout_pseudo(sp, k, &mut mem);
                            } else {
                                ipc.destroy_kmsg(k);
                            }
                        }
                    }
                }
                9 | 10 => {
                    let opt = if rng.below(2) == 0 { MACH_RCV_LARGE } else { 0 };
                    if let Ok(k) = ipc.receive(sp, name, opt, 24 + 8 * rng.below(2)) {
                        received += 1;
                        let _ = ipc.copyout_msg(sp, k, &mut mem);
                    }
                }
                11 => {
                    let _ = ipc.mach_port_move_member(sp, name, if rng.below(3) == 0 { 0 } else { 1 + rng.below(8) });
                }
                12 => {
                    let id = [MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DESTROYED][rng.below(3) as usize];
                    let notify = match ipc.copyin_right(sp, 1 + rng.below(8), MACH_MSG_TYPE_MAKE_SEND_ONCE) {
                        Ok(r) => r,
                        Err(_) => Right::null(),
                    };
                    if let Ok(prev) = ipc.mach_port_request_notification(sp, name, id, rng.below(2), notify) {
                        held.push(prev);
                    }
                }
                13 => {
                    let _ = ipc.mach_port_rename(sp, name, 1 + rng.below(10));
                }
                14 => {
                    let _ = ipc.mach_port_set_qlimit(sp, name, rng.below(4));
                }
                15 => {
                    if rng.below(8) == 0 {
                        let i = rng.below(spaces.len() as u32) as usize;
                        let s = spaces.swap_remove(i);
                        ipc.space_destroy(s).unwrap();
                    }
                }
                _ => {
                    let _ = ipc.mach_port_names(sp);
                    let _ = ipc.mach_port_type(sp, name);
                }
            }
            died += ipc.take_events().iter().filter(|e| matches!(e, Event::SendersMayRetry(_))).count() as u32;
            if let Err(e) = ipc.check() {
                panic!("seed {seed} step {step}: {e}");
            }
        }
        for r in held.drain(..) {
            ipc.release_right(r);
        }
        for kp in kports.drain(..) {
            ipc.destroy_kernel_port(kp).unwrap();
        }
        if let Err(e) = ipc.check_quiescent() {
            panic!("seed {seed} end: {e}");
        }
        for s in spaces.drain(..) {
            ipc.space_destroy(s).unwrap();
            ok(&ipc);
        }
        assert_eq!(ipc.port_count(), 0, "seed {seed}: leaked ports");
        assert_eq!(ipc.pset_count(), 0);
        quiet(&ipc);
    }
    std::eprintln!("errors {errs:?}");
    std::eprintln!("random: sent {sent} received {received} moved-receive {moved_receive} retry-events {died}");
    assert!(sent > 500 && received > 200 && moved_receive > 50 && died > 50);
}

#[test]
fn same_name_destination_and_reply() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a);
    let p = port_of(&ipc, a, n);
    let cs = MACH_MSG_TYPE_COPY_SEND;
    let ms = MACH_MSG_TYPE_MOVE_SEND;
    // COPY_SEND + MAKE_SEND_ONCE on the same name.
    send(&mut ipc, a, &umsg(cs | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), n, n, 1, &[])).unwrap();
    assert_eq!(ipc.port_counts(p), Some((2, 1, 1)));
    let got = recv(&mut ipc, a, n);
    // The send-once reply gets a fresh name; the destination is n.
    assert_eq!((w(&got, 2), w(&got, 3)), (2, n));
    assert_eq!(ipc.mach_port_type(a, 2), Ok(MACH_PORT_TYPE_SEND_ONCE));
    ipc.mach_port_deallocate(a, 2).unwrap();
    assert_eq!(w(&recv(&mut ipc, a, n), 5), MACH_NOTIFY_SEND_ONCE);
    // MOVE_SEND + MOVE_SEND needs two user references.
    ipc.mach_port_mod_refs(a, n, MACH_PORT_RIGHT_SEND, 1).unwrap();
    send(&mut ipc, a, &umsg(ms | (ms << 8), n, n, 2, &[])).unwrap();
    assert_eq!(ipc.mach_port_type(a, n), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ipc.port_counts(p), Some((2, 0, 1)));
    let got = recv(&mut ipc, a, n);
    // Both rights come back merged under n.
    assert_eq!((w(&got, 0), w(&got, 2), w(&got, 3)), (ms | (ms << 8), n, n));
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(ipc.port_counts(p), Some((1, 0, 1)));
    // MOVE_SEND dest + COPY_SEND reply with one uref: the copy happens first.
    send(&mut ipc, a, &umsg(ms | (cs << 8), n, n, 3, &[])).unwrap();
    assert_eq!(ipc.mach_port_type(a, n), Ok(MACH_PORT_TYPE_RECEIVE));
    let got = recv(&mut ipc, a, n);
    assert_eq!((w(&got, 2), w(&got, 3)), (n, n));
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), 1);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn delivered_move_send_fires_no_senders() {
    let mut ipc = Ipc::new();
    let srv = ipc.space_create();
    let cli = ipc.space_create();
    let n = ipc.mach_port_allocate(srv, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let notify = ipc.mach_port_allocate(srv, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let so = ipc.copyin_right(srv, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    let r = ipc.copyin_right(srv, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let c = ipc.copyout_right(cli, r);
    assert!(ipc.mach_port_request_notification(srv, n, MACH_NOTIFY_NO_SENDERS, 0, so).unwrap().is_null());
    // The client gives its only send right away in the message itself.
    send(&mut ipc, cli, &umsg(MACH_MSG_TYPE_MOVE_SEND, c, 0, 1, &[])).unwrap();
    assert_eq!(ipc.mach_port_type(cli, c), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.port_msgcount(port_of(&ipc, srv, notify)), Some(0));
    // Receiving consumes the destination right: now there are no senders.
    let got = recv(&mut ipc, srv, n);
    assert_eq!(w(&got, 0), MACH_MSG_TYPE_PORT_SEND << 8);
    let ns = recv(&mut ipc, srv, notify);
    assert_eq!((w(&ns, 5), w(&ns, 7)), (MACH_NOTIFY_NO_SENDERS, 1));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(cli).unwrap();
    ipc.space_destroy(srv).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn send_cancel_suppresses_port_deleted() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(b, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let s = ipc.copyout_right(a, r); // 1
    let notify = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let np = port_of(&ipc, a, notify);
    let so = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(a, s, MACH_NOTIFY_DEAD_NAME, 0, so).unwrap().is_null());
    assert_eq!(ipc.port_counts(np), Some((0, 1, 0)));
    let m = umsg(MACH_MSG_TYPE_MOVE_SEND, s, 0, 1, &[]);
    let k = ipc.copyin_msg(a, &m, &mut FakeMem::default(), notify).unwrap();
    ipc.send(k, 0).unwrap();
    // The request's send-once right vanished quietly: no port-deleted.
    assert_eq!(ipc.port_counts(np), Some((0, 0, 0)));
    assert_eq!(ipc.port_msgcount(np), Some(0));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn copyout_pegs_send_urefs() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = port_with_send(&mut ipc, a);
    let p = port_of(&ipc, a, n);
    ipc.mach_port_mod_refs(a, n, MACH_PORT_RIGHT_SEND, (MACH_PORT_UREFS_MAX - 2) as i32).unwrap();
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX - 1);
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.copyout_right(a, r), n);
    assert_eq!(refs(&mut ipc, a, n, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX - 1);
    assert_eq!(ipc.port_counts(p), Some((1, 0, 2)));
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(ipc.mach_port_insert_right(a, n, r), Err(KERN_UREFS_OVERFLOW));
    assert_eq!(ipc.port_counts(p), Some((1, 0, 3)));
    // GNU Mach keeps the last reference in reserve: 65,534 is the most.
    assert_eq!(ipc.mach_port_mod_refs(a, n, MACH_PORT_RIGHT_SEND, 1), Err(KERN_UREFS_OVERFLOW));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn a_kernel_port_given_away_becomes_an_ordinary_port() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let p = ipc.alloc_kernel_port(Some((8, 1)));
    let send = ipc.make_send(p).unwrap();
    let n = ipc.copyout_right(a, send);
    let r = ipc.kernel_port_into_receive(p).unwrap();
    assert_eq!(ipc.port_kobject(p), None);
    assert_eq!(ipc.kernel_port_into_receive(p).unwrap_err(), KERN_INVALID_ARGUMENT, "only once");
    assert_eq!(ipc.copyout_right(a, r), n, "the receive right joins the send right's name");
    assert_eq!(ipc.port_receiver(p), Some(Receiver::Space { space: a, name: n }));
    ok(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn moving_a_receive_right_aborts_its_receivers() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let p = port_of(&ipc, a, n);
    assert_eq!(ipc.receive(a, n, 0, 100).unwrap_err(), RecvError::WouldBlock(WaitObj::Port(p)));
    ipc.take_events();
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MOVE_RECEIVE).unwrap();
    assert!(ipc
        .take_events()
        .contains(&Event::ReceiversAbort { obj: WaitObj::Port(p), code: MACH_RCV_PORT_DIED }));
    assert_eq!(ipc.port_receiver(p), Some(Receiver::InTransit { dest: None }));
    assert_eq!(ipc.copyout_right(b, r), 1);
    assert_eq!(ipc.port_receiver(p), Some(Receiver::Space { space: b, name: 1 }));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn port_destroyed_request_to_itself_just_dies() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let n = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let p = port_of(&ipc, a, n);
    let so = ipc.copyin_right(a, n, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(a, n, MACH_NOTIFY_PORT_DESTROYED, 0, so).unwrap().is_null());
    assert_eq!(ipc.mach_port_get_receive_status(a, n).unwrap().mps_sorights, 1);
    ipc.mach_port_destroy(a, n).unwrap();
    assert!(!ipc.port_alive(p));
    assert_eq!(ipc.port_count(), 0);
    assert_eq!(ipc.mach_port_request_notification(a, 1, MACH_NOTIFY_DEAD_NAME, 0, Right::dead()), Err(KERN_INVALID_CAPABILITY));
    ok(&ipc);
    quiet(&ipc);
}

#[test]
fn send_to_port_that_died_after_copyin_is_discarded() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let p = port_of(&ipc, b, n);
    let r = ipc.copyin_right(b, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let s = ipc.copyout_right(a, r);
    let reply = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let m = umsg(MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), s, reply, 1, &[]);
    let k = ipc.copyin_msg(a, &m, &mut FakeMem::default(), 0).unwrap();
    ipc.space_destroy(b).unwrap();
    assert!(!ipc.port_alive(p));
    // Counts as sent; the reply right is destroyed with a send-once notification.
    assert!(ipc.send(k, 0).is_ok());
    assert_eq!(w(&recv(&mut ipc, a, reply), 5), MACH_NOTIFY_SEND_ONCE);
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn names_report_dead_names_and_requests() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(b, n, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let s = ipc.copyout_right(a, r); // 1
    let r = ipc.copyin_right(b, n, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    let so = ipc.copyout_right(a, r); // 2
    let notify = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 3
    let nso = ipc.copyin_right(a, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
    assert!(ipc.mach_port_request_notification(a, so, MACH_NOTIFY_DEAD_NAME, 0, nso).unwrap().is_null());
    assert_eq!(
        ipc.mach_port_names(a).unwrap(),
        vec![
            (1, MACH_PORT_TYPE_SEND),
            (2, MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DNREQUEST),
            (3, MACH_PORT_TYPE_RECEIVE)
        ]
    );
    ipc.mach_port_destroy(b, n).unwrap();
    assert_eq!(
        ipc.mach_port_names(a).unwrap(),
        vec![(s, MACH_PORT_TYPE_DEAD_NAME), (so, MACH_PORT_TYPE_DEAD_NAME), (3, MACH_PORT_TYPE_RECEIVE)]
    );
    // The send-once name carries the request's extra reference.
    assert_eq!(refs(&mut ipc, a, so, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(refs(&mut ipc, a, s, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(w(&recv(&mut ipc, a, notify), 7), so);
    // Deallocating dead names.
    ipc.mach_port_deallocate(a, s).unwrap();
    assert_eq!(ipc.mach_port_type(a, s), Err(KERN_INVALID_NAME));
    assert_eq!(ipc.mach_port_mod_refs(a, so, MACH_PORT_RIGHT_SEND_ONCE, -1), Err(KERN_INVALID_RIGHT));
    assert_eq!(ipc.mach_port_mod_refs(a, so, MACH_PORT_RIGHT_DEAD_NAME, -2), Ok(()));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn ool_receive_rights_and_empty_regions() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let dst = ipc.mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r = ipc.copyin_right(b, dst, MACH_MSG_TYPE_MAKE_SEND).unwrap();
    let d = ipc.copyout_right(a, r); // 1
    let x = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 2
    let y = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap(); // 3
    let (px, py) = (port_of(&ipc, a, x), port_of(&ipc, a, y));
    let mut mem = FakeMem::default();
    mem.regions.insert(0x3000, words(&[x, y]));
    let body = [
        desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 2, false) | (1 << 30),
        0x3000,
        desc(MACH_MSG_TYPE_INTEGER_8, 8, 0, false),
        0x9999,
    ];
    let m = umsg(MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND, d, 0, 4, &body);
    let k = ipc.copyin_msg(a, &m, &mut mem, 0).unwrap();
    assert_eq!(mem.deallocated, vec![(0x3000, 8)]);
    assert_eq!(k.ool[1].data.len(), 0);
    ipc.send(k, 0).unwrap();
    assert!(ipc.mach_port_names(a).unwrap().iter().all(|&(n, _)| n == d));
    ok(&ipc);
    let k = ipc.receive(b, dst, 0, 100).unwrap();
    let mut rmem = FakeMem::default();
    let (got, code) = ipc.copyout_msg(b, k, &mut rmem);
    assert_eq!(code, MACH_MSG_SUCCESS);
    assert_eq!(w(&got, 6), desc(MACH_MSG_TYPE_PORT_RECEIVE, 32, 2, false) | (1 << 30));
    assert_eq!(rmem.regions[&w(&got, 7)], words(&[2, 3]));
    assert_eq!(w(&got, 9), 0);
    assert_eq!(ipc.port_receiver(px), Some(Receiver::Space { space: b, name: 2 }));
    assert_eq!(ipc.port_receiver(py), Some(Receiver::Space { space: b, name: 3 }));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn port_set_too_large_keeps_fifo() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let s = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET).unwrap();
    let p1 = port_with_send(&mut ipc, a);
    ipc.mach_port_move_member(a, p1, s).unwrap();
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, p1, 0, 1, &[int32_desc(), 9])).unwrap();
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, p1, 0, 2, &[])).unwrap();
    assert_eq!(
        ipc.receive(a, s, MACH_RCV_LARGE, 24).unwrap_err(),
        RecvError::TooLarge { size: 32, header: None }
    );
    let got = recv(&mut ipc, a, s);
    assert_eq!((w(&got, 5), w(&got, 4), w(&got, 3)), (1, 0, p1));
    let got = recv(&mut ipc, a, s);
    assert_eq!((w(&got, 5), w(&got, 4)), (2, 1));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn protected_payload_replaces_the_local_name() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let b = ipc.space_create();
    let n = port_with_send(&mut ipc, a);
    assert_eq!(ipc.mach_port_set_protected_payload(a, 99, 1), Err(KERN_INVALID_NAME));
    ipc.mach_port_set_protected_payload(a, n, 0xdead_beef).unwrap();
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 1, &[])).unwrap();
    let got = recv(&mut ipc, a, n);
    assert_eq!((w(&got, 0), w(&got, 2), w(&got, 3)), (MACH_MSG_TYPE_PROTECTED_PAYLOAD << 8, 0, 0xdead_beef));
    ipc.mach_port_clear_protected_payload(a, n).unwrap();
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 1, &[])).unwrap();
    let got = recv(&mut ipc, a, n);
    assert_eq!((w(&got, 0), w(&got, 3)), (MACH_MSG_TYPE_PORT_SEND << 8, n));
    // Moving the receive right clears the payload.
    ipc.mach_port_set_protected_payload(a, n, 7).unwrap();
    let r = ipc.copyin_right(a, n, MACH_MSG_TYPE_MOVE_RECEIVE).unwrap();
    let bn = ipc.copyout_right(b, r);
    send(&mut ipc, a, &umsg(MACH_MSG_TYPE_COPY_SEND, n, 0, 1, &[])).unwrap();
    let got = recv(&mut ipc, b, bn);
    assert_eq!((w(&got, 0), w(&got, 3)), (MACH_MSG_TYPE_PORT_SEND << 8, bn));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    ipc.space_destroy(b).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn kernel_port_no_senders() {
    let mut ipc = Ipc::new();
    let kp = ipc.alloc_kernel_port(Some((2, 5)));
    let t = ipc.space_create();
    let r = ipc.make_send(kp).unwrap();
    let name = ipc.copyout_right(t, r);
    // The kernel asks for no-senders on its own port, notified to itself.
    let so = ipc.make_send_once(kp).unwrap();
    assert!(ipc.port_request_no_senders(kp, 1, so).unwrap().is_null());
    ipc.take_events();
    ipc.mach_port_deallocate(t, name).unwrap();
    assert_eq!(ipc.take_events(), vec![Event::MessageQueued { port: kp, pset: None, kernel: true }]);
    let k = ipc.dequeue(kp).unwrap();
    assert_eq!((k.id, k.remote_type()), (MACH_NOTIFY_NO_SENDERS, MACH_MSG_TYPE_PORT_SEND_ONCE));
    assert_eq!(k.body, words(&[int32_desc(), 1]));
    ipc.destroy_received_kmsg(k);
    assert_eq!(ipc.port_counts(kp), Some((0, 0, 1)));
    ok(&ipc);
    quiet(&ipc);
    ipc.destroy_kernel_port(kp).unwrap();
    ipc.space_destroy(t).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn destroying_a_send_once_request_to_a_kernel_port_does_not_loop() {
    let mut ipc = Ipc::new();
    let kp = ipc.alloc_kernel_port(None);
    let so = ipc.make_send_once(kp).unwrap();
    let m = KMsgBuilder::new(so, Right::null(), 1).build();
    ipc.send_always(m);
    let k = ipc.dequeue(kp).unwrap();
    ipc.destroy_kmsg(k);
    assert_eq!(ipc.port_msgcount(kp), Some(0));
    assert_eq!(ipc.port_counts(kp), Some((0, 0, 0)));
    quiet(&ipc);
    ipc.destroy_kernel_port(kp).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn deep_chain_of_receive_rights_is_destroyed_iteratively() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    // Port k's receive right travels in a message queued on port k+1.
    let first = ipc.mach_port_allocate(a, MACH_PORT_RIGHT_RECEIVE).unwrap();
    let mut prev = first;
    for _ in 0..20_000 {
        let next = port_with_send(&mut ipc, a);
        let m = umsg(
            MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND,
            next,
            0,
            1,
            &[desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), prev],
        );
        send(&mut ipc, a, &m).unwrap();
        ipc.mach_port_mod_refs(a, next, MACH_PORT_RIGHT_SEND, -1).unwrap();
        prev = next;
    }
    assert_eq!(ipc.port_count(), 20_001);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
    quiet(&ipc);
}

#[test]
fn indirect_circularity_through_messages() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    let x = port_with_send(&mut ipc, a); // 1
    let y = port_with_send(&mut ipc, a); // 2
    let (px, py) = (port_of(&ipc, a, x), port_of(&ipc, a, y));
    let c = MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND;
    // x's receive right goes into y's queue.
    send(&mut ipc, a, &umsg(c, y, 0, 1, &[desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), x])).unwrap();
    assert_eq!(ipc.port_receiver(px), Some(Receiver::InTransit { dest: Some(py) }));
    // y's receive right sent to x would close the loop: the message is
    // accepted and destroyed, which destroys y, its queue, and so x.
    send(&mut ipc, a, &umsg(c, x, 0, 2, &[desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), y])).unwrap();
    assert!(!ipc.port_alive(px) && !ipc.port_alive(py));
    assert_eq!(ipc.mach_port_type(a, x), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(ipc.mach_port_type(a, y), Ok(MACH_PORT_TYPE_DEAD_NAME));
    ok(&ipc);
    quiet(&ipc);
    ipc.space_destroy(a).unwrap();
    assert_eq!(ipc.port_count(), 0);
}

#[test]
fn lowest_free_fills_holes_in_order() {
    let mut ipc = Ipc::new();
    let a = ipc.space_create();
    for want in 1..=5 {
        assert_eq!(ipc.mach_port_allocate(a, MACH_PORT_RIGHT_DEAD_NAME), Ok(want));
    }
    ipc.mach_port_allocate_name(a, MACH_PORT_RIGHT_DEAD_NAME, 7).unwrap();
    ipc.mach_port_deallocate(a, 4).unwrap();
    ipc.mach_port_deallocate(a, 2).unwrap();
    ok(&ipc);
    let got: Vec<u32> = (0..4).map(|_| ipc.mach_port_allocate(a, MACH_PORT_RIGHT_DEAD_NAME).unwrap()).collect();
    assert_eq!(got, vec![2, 4, 6, 8]);
    ipc.mach_port_rename(a, 1, 100).unwrap();
    assert_eq!(ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET), Ok(1));
    assert_eq!(ipc.mach_port_allocate(a, MACH_PORT_RIGHT_PORT_SET), Ok(9));
    ok(&ipc);
    ipc.space_destroy(a).unwrap();
    quiet(&ipc);
}

/// Names on both sides of the entry table's limit: lookups, sends,
/// renames across it, name order in `mach_port_names`, and the lowest free
/// name, all as with one kind of storage.
#[test]
fn entry_table_and_large_names() {
    let mut ipc = Ipc::new();
    let sp = ipc.space_create();
    let big = [0x4000u32, 0x4001, 0x1234_5678, 0xFFFF_FFFE];
    for &n in &big {
        ipc.mach_port_allocate_name(sp, MACH_PORT_RIGHT_RECEIVE, n).unwrap();
    }
    let small: Vec<u32> = (0..40).map(|_| ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap()).collect();
    assert_eq!(small, (1..=40).collect::<Vec<u32>>());
    ipc.mach_port_rename(sp, 7, 0x5000).unwrap();
    ipc.mach_port_rename(sp, 0x4001, 7).unwrap();
    let names: Vec<u32> = ipc.mach_port_names(sp).unwrap().into_iter().map(|(n, _)| n).collect();
    let mut want: Vec<u32> = (1..=40).chain([0x4000, 0x5000, 0x1234_5678, 0xFFFF_FFFE]).collect();
    want.sort_unstable();
    assert_eq!(names, want);
    for n in [1, 7, 40, 0x4000, 0x5000, 0x1234_5678, 0xFFFF_FFFE] {
        assert_eq!(ipc.mach_port_type(sp, n), Ok(MACH_PORT_TYPE_RECEIVE), "name {n:#x}");
        send(&mut ipc, sp, &umsg(MACH_MSG_TYPE_MAKE_SEND, n, 0, 9, &[])).unwrap();
        assert_eq!(u32::from_le_bytes(recv(&mut ipc, sp, n)[12..16].try_into().unwrap()), n);
    }
    assert_eq!(ipc.mach_port_type(sp, 0x4001), Err(KERN_INVALID_NAME));
    ipc.mach_port_destroy(sp, 3).unwrap();
    ipc.mach_port_destroy(sp, 0x1234_5678).unwrap();
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE), Ok(3));
    assert_eq!(ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE), Ok(41));
    ok(&ipc);
    let _ = ipc.space_destroy(sp);
    quiet(&ipc);
}

/// GNU Mach keeps one user reference of a send right in reserve: send
/// rights stop at 65,534 references, dead names at 65,535.
#[test]
fn uref_limits_of_send_rights_and_dead_names() {
    let mut ipc = Ipc::new();
    let sp = ipc.space_create();
    let n = port_with_send(&mut ipc, sp);
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, 65_533), Ok(()));
    assert_eq!(refs(&mut ipc, sp, n, MACH_PORT_RIGHT_SEND), 65_534);
    assert_eq!(ipc.mach_port_mod_refs(sp, n, MACH_PORT_RIGHT_SEND, 1), Err(KERN_UREFS_OVERFLOW));
    let d = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(ipc.mach_port_mod_refs(sp, d, MACH_PORT_RIGHT_DEAD_NAME, 65_534), Ok(()));
    assert_eq!(refs(&mut ipc, sp, d, MACH_PORT_RIGHT_DEAD_NAME), 65_535);
    assert_eq!(ipc.mach_port_mod_refs(sp, d, MACH_PORT_RIGHT_DEAD_NAME, 1), Err(KERN_UREFS_OVERFLOW));
    ok(&ipc);
}
