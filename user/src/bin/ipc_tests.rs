//! `ipc_tests`: Mach IPC semantics seen from user space, with exact codes and
//! counts: port sets (FIFO across members, MACH_RCV_IN_SET), receive
//! timeouts, queue limits with a send timeout, MACH_RCV_TOO_LARGE with and
//! without MACH_RCV_LARGE, out-of-line memory (copied, sender's copy
//! deallocated on request), a receive right moved in a message, the
//! dead-name and no-senders notifications, and RPCs handed off directly to
//! a server blocked on a port set (ids, sequence numbers, queue order, its
//! receive timeout).
//!
//! Boot-script line: `/ipc_tests $(task-create) $(task-resume)`.
//! Last line: `user-test: ipc_tests ok` or `user-test: ipc_tests FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::mig::{mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{MACH_NOTIFY_MSG_ACCEPTED, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED, MACH_NOTIFY_PORT_DESTROYED, MACH_NOTIFY_SEND_ONCE, MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_RECEIVE};

const NAME: &str = "ipc_tests";
const TYPE_DEAD_NAME: u32 = 1 << 20;
const NOTIFY_DEAD_NAME: u32 = 72;

fn main(_args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    match run() {
        // The last check: thread_set_self_state (-77) lands in `landing`,
        // which reports success, on a stack of its own.
        Ok(()) => {
            let mut state = [0u32; 17];
            state[12] = landing as *const () as usize as u32;
            // LANDING_STACK is only used by `landing`, which never returns.
            state[15] = core::ptr::addr_of_mut!(LANDING_STACK) as u32 + 4096 - 16;
            // SAFETY: a valid 17-word state.
            let r = unsafe { mach_user::trap::thread_set_self_state(1, state.as_ptr(), 17) };
            uprintln!("user-test: {} FAILED: thread_set_self_state returned {}", NAME, r);
        }
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

static mut LANDING_STACK: [u8; 4096] = [0; 4096];

extern "C" fn landing() -> ! {
    uprintln!("{}: landed through thread_set_self_state", NAME);
    uprintln!("user-test: {} ok", NAME);
    mach_user::exit()
}

/// A message buffer of 64 words.
type Buf = [u32; 64];

fn msg(buf: &mut Buf, option: i32, send_size: u32, rcv_size: u32, rcv_name: u32, timeout: u32) -> i32 {
    // SAFETY: `buf` is 256 bytes, enough for both sizes used here.
    unsafe { mach_msg_trap(buf.as_mut_ptr().cast(), option, send_size, rcv_size, rcv_name, timeout, 0) }
}

/// Sends a message with `id` and one MACH_MSG_TYPE_INTEGER_32 `value` to `dest` (MACH_MSG_TYPE_MAKE_SEND).
fn send_int(dest: u32, id: u32, value: u32, timeout: Option<u32>) -> i32 {
    let mut b: Buf = [0; 64];
    b[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND, 32, dest, 0, 0, id, MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false).0, value]);
    let opt = MACH_SEND_MSG | if timeout.is_some() { MACH_SEND_TIMEOUT } else { 0 };
    msg(&mut b, opt, 32, 0, 0, timeout.unwrap_or(0))
}

/// Receives on `name`; returns (code, buffer).
fn recv(name: u32, size: u32, extra: i32, timeout: u32) -> (i32, Buf) {
    let mut b: Buf = [0; 64];
    let r = msg(&mut b, MACH_RCV_MSG | extra, 0, size, name, timeout);
    (r, b)
}

/// Sends `len` bytes at `addr` out of line to `port` (with `dealloc`),
/// without receiving.
fn send_ool(port: u32, addr: u32, len: u32, dealloc: bool) -> i32 {
    let mut b: Buf = [0; 64];
    let d = if dealloc { 1 << 30 } else { 0 };
    b[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 9, (1 << 29) | d, MACH_MSG_TYPE_INTEGER_8 | (8 << 16), len, addr]);
    msg(&mut b, MACH_SEND_MSG, 40, 0, 0, 0)
}

/// Receives one out-of-line message on `port`: the data's address and length.
fn recv_ool(port: u32) -> Result<(u32, u32), &'static str> {
    let (r, h) = recv(port, 256, MACH_RCV_TIMEOUT, 1000);
    if r != 0 || h[9] == 0 {
        return Err("out-of-line receive");
    }
    Ok((h[9], h[8]))
}

/// The `len` bytes at `addr`.
fn bytes(addr: u32, len: u32) -> &'static mut [u8] {
    // SAFETY: callers name memory mapped in this task for the test's duration.
    unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len as usize) }
}

/// Out-of-line memory moves copy-on-write (map entries, not bytes): each
/// side's writes after the send stay its own, for regions that are not page
/// aligned, partly resident, spread over several map entries, sent twice,
/// sent after being written, and sent with the deallocate bit; `vm_read`
/// copies the same way.
fn ool_copy_on_write(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    const P: u32 = 4096;
    let port = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map_err(|_| "allocate cow port")?.name;
    let pat = |i: usize, k: u8| if (i / P as usize) % 8 >= 6 { 0 } else { (i as u8).wrapping_mul(13).wrapping_add(k) };
    let base = mach::vm_allocate(m, task, 0, 8 * P, 1).map_err(|_| "vm_allocate cow")?.address;
    // Three entries (pages 2-3 read-only), pages 6 and 7 never touched.
    for (i, x) in bytes(base, 6 * P).iter_mut().enumerate() {
        *x = pat(i, 1);
    }
    mach::vm_protect(m, task, base + 2 * P, 2 * P, 0, 1).map_err(|_| "vm_protect cow")?;
    let (off, len) = (0x321u32, 8 * P - 0x400);
    let check = |addr: u32, k: u8, what: &'static str| -> Result<(), &'static str> {
        let ok = bytes(addr, len).iter().enumerate().all(|(i, &x)| x == pat(i + off as usize, k));
        expect(ok, what)
    };
    // The same region twice, both queued before the sender writes.
    expect(send_ool(port, base + off, len, false) == 0, "cow send 1")?;
    expect(send_ool(port, base + off, len, false) == 0, "cow send 2")?;
    mach::vm_protect(m, task, base + 2 * P, 2 * P, 0, 3).map_err(|_| "vm_protect cow back")?;
    for (i, x) in bytes(base, 8 * P).iter_mut().enumerate() {
        *x = pat(i, 2);
    }
    let (r1, n1) = recv_ool(port)?;
    let (r2, n2) = recv_ool(port)?;
    expect(n1 == len && n2 == len && r1 & 0xFFF == off && r2 & 0xFFF == off, "cow sizes or offsets")?;
    check(r1, 1, "the first copy saw the sender's later writes")?;
    check(r2, 1, "the second copy saw the sender's later writes")?;
    // The receiver writes one copy: the other copy and the sender keep theirs.
    for x in bytes(r1, len).iter_mut() {
        *x = 0xEE;
    }
    check(r2, 1, "one copy's writes reached the other")?;
    expect(bytes(base, 8 * P).iter().enumerate().all(|(i, &x)| x == pat(i, 2)), "the receiver's writes reached the sender")?;
    mach::vm_deallocate(m, task, r1, len).map_err(|_| "vm_deallocate cow 1")?;
    // Sent again after being written: the new data travels.
    expect(send_ool(port, base + off, len, false) == 0, "cow send 3")?;
    let (r3, _) = recv_ool(port)?;
    check(r3, 2, "a copy sent after writes lacks them")?;
    for x in bytes(base, 8 * P).iter_mut() {
        *x = 0x11;
    }
    check(r3, 2, "the third copy saw the sender's later writes")?;
    check(r2, 1, "the second copy changed")?;
    // vm_read copies the same way.
    let rd = mach::vm_read(m, task, base, 8 * P).map_err(|_| "vm_read cow")?.data;
    for x in bytes(base, P).iter_mut() {
        *x = 0x22;
    }
    expect(bytes(rd.addr, 8 * P).iter().all(|&x| x == 0x11), "a vm_read copy saw later writes")?;
    mach::vm_deallocate(m, task, rd.addr, 8 * P).map_err(|_| "vm_deallocate vm_read")?;
    // With the deallocate bit the region leaves the sender.
    expect(send_ool(port, base, 8 * P, true) == 0, "cow send dealloc")?;
    expect(mach::vm_region(m, task, base).map(|r| r.address != base).unwrap_or(true), "the deallocate bit left the region")?;
    let (r4, _) = recv_ool(port)?;
    expect(bytes(r4, P).iter().all(|&x| x == 0x22) && bytes(r4 + P, 7 * P).iter().all(|&x| x == 0x11), "a deallocated region's data")?;
    for addr in [r2, r3] {
        mach::vm_deallocate(m, task, addr, len).map_err(|_| "vm_deallocate cow")?;
    }
    mach::vm_deallocate(m, task, r4, 8 * P).map_err(|_| "vm_deallocate cow 4")?;
    mach_port::mach_port_mod_refs(m, task, port, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32).map_err(|_| "cow port")?;
    uprintln!("{}: out-of-line copy-on-write ok", NAME);
    Ok(())
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments; adds a send right to our own space.
    let task = unsafe { mach_task_self() };
    let alloc = |m: &mut Mach, right| mach_port::mach_port_allocate(m, task, right).map(|r| r.name).map_err(|_| "allocate");

    // Port sets: one FIFO over the members.
    let set = alloc(&mut m, MACH_PORT_RIGHT_PORT_SET)?;
    let a = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let b = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_move_member(&mut m, task, a, set).map_err(|_| "move_member a")?;
    mach_port::mach_port_move_member(&mut m, task, b, set).map_err(|_| "move_member b")?;
    expect(send_int(b, 1, 11, None) == 0 && send_int(a, 2, 22, None) == 0, "send to set members")?;
    let (r, got) = recv(a, 256, 0, 0);
    expect(r == MACH_RCV_IN_SET, "receive on a set member did not say MACH_RCV_IN_SET")?;
    let (r1, m1) = recv(set, 256, 0, 0);
    let (r2, m2) = recv(set, 256, 0, 0);
    let _ = got;
    expect(r1 == 0 && r2 == 0 && m1[5] == 1 && m1[7] == 11 && m1[3] == b && m2[5] == 2 && m2[3] == a, "set receive order or local port")?;
    uprintln!("{}: port set ok", NAME);

    // Receive timeout.
    let (r, _) = recv(set, 256, MACH_RCV_TIMEOUT, 30);
    expect(r == MACH_RCV_TIMED_OUT, "empty receive did not time out")?;

    // Queue limit and send timeout.
    mach_port::mach_port_move_member(&mut m, task, a, 0).map_err(|_| "move out of set")?;
    mach_port::mach_port_set_qlimit(&mut m, task, a, 1).map_err(|_| "set_qlimit")?;
    expect(send_int(a, 3, 33, Some(0)) == 0, "first send to qlimit 1")?;
    expect(send_int(a, 4, 44, Some(20)) == MACH_SEND_TIMED_OUT, "second send did not time out")?;
    let (r, _) = recv(a, 256, 0, 0);
    expect(r == 0, "drain")?;
    uprintln!("{}: qlimit ok", NAME);

    // Too large, kept (RCV_LARGE) then received; too large, destroyed.
    expect(send_int(a, 5, 55, None) == 0, "send for too-large")?;
    let (r, h) = recv(a, 24, MACH_RCV_LARGE, 0);
    expect(r == MACH_RCV_TOO_LARGE && h[1] == 32, "RCV_LARGE did not report the size")?;
    let (r, h) = recv(a, 256, 0, 0);
    expect(r == 0 && h[5] == 5, "message not kept after RCV_LARGE")?;
    expect(send_int(a, 6, 66, None) == 0, "send for too-large 2")?;
    let (r, _) = recv(a, 24, 0, 0);
    expect(r == MACH_RCV_TOO_LARGE, "small receive not too large")?;
    let (r, _) = recv(a, 256, MACH_RCV_TIMEOUT, 0);
    expect(r == MACH_RCV_TIMED_OUT, "too-large message not destroyed")?;
    uprintln!("{}: too large ok", NAME);

    // A protected payload replaces the local name of received messages
    // (local type MACH_MSG_TYPE_PROTECTED_PAYLOAD, 23) until cleared.
    mach_port::mach_port_set_protected_payload(&mut m, task, a, 0xfeed_beef).map_err(|_| "set_protected_payload")?;
    expect(send_int(a, 7, 77, None) == 0, "send for payload")?;
    let (r, h) = recv(a, 256, 0, 0);
    expect(r == 0 && (h[0] >> 8) & 0xff == 23 && h[3] == 0xfeed_beef && h[7] == 77, "the protected payload did not replace the local name")?;
    mach_port::mach_port_clear_protected_payload(&mut m, task, a).map_err(|_| "clear_protected_payload")?;
    expect(send_int(a, 8, 88, None) == 0, "send after clearing")?;
    let (r, h) = recv(a, 256, 0, 0);
    expect(r == 0 && (h[0] >> 8) & 0xff != 23 && h[3] == a, "a cleared payload still replaced the local name")?;
    uprintln!("{}: protected payload ok", NAME);

    // Out-of-line memory: copied, and the sender's pages go with dealloc.
    let size = 3 * 4096u32;
    let src = mach::vm_allocate(&mut m, task, 0, size, 1).map_err(|_| "vm_allocate")?.address;
    // SAFETY: our own fresh pages.
    let s = unsafe { core::slice::from_raw_parts_mut(src as *mut u8, size as usize) };
    for (i, x) in s.iter_mut().enumerate() {
        *x = (i * 7 % 251) as u8;
    }
    let mut bb: Buf = [0; 64];
    // Long-form OOL descriptor: short word with longform | deallocate, name MACH_MSG_TYPE_INTEGER_8, size 8, number.
    bb[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, a, 0, 0, 7, (1 << 29) | (1 << 30), MACH_MSG_TYPE_INTEGER_8 | (8 << 16), size, src]);
    expect(msg(&mut bb, MACH_SEND_MSG, 40, 0, 0, 0) == 0, "OOL send")?;
    expect(mach::vm_region(&mut m, task, src).map(|r| r.address != src).unwrap_or(true), "sender's OOL pages not deallocated")?;
    let (r, h) = recv(a, 256, 0, 0);
    let dst = h[9];
    expect(r == 0 && h[8] == size && dst != 0, "OOL receive")?;
    // SAFETY: the kernel mapped the region into our space.
    let d = unsafe { core::slice::from_raw_parts(dst as *const u8, size as usize) };
    expect(d.iter().enumerate().all(|(i, &x)| x == (i * 7 % 251) as u8), "OOL data differs")?;
    mach::vm_deallocate(&mut m, task, dst, size).map_err(|_| "vm_deallocate OOL")?;
    // As GNU Mach hands them over: the receiver owns the region
    // (msgt_deallocate set in the long form's header word).
    expect(h[6] & (1 << 30) != 0, "received out-of-line descriptor lacks msgt_deallocate")?;
    // Data not starting on a page boundary arrives at the same offset
    // within its page, whether copied (100 bytes) or moved as pages (2 pages).
    let buf = mach::vm_allocate(&mut m, task, 0, 4 * 4096, 1).map_err(|_| "vm_allocate offsets")?.address;
    for (len, off) in [(100u32, 0x123u32), (2 * 4096, 0x456)] {
        let from = buf + off;
        // SAFETY: inside our allocation.
        unsafe { core::ptr::write_bytes(from as *mut u8, 0x3C, len as usize) };
        let mut ob: Buf = [0; 64];
        ob[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, a, 0, 0, 8, 1 << 29, MACH_MSG_TYPE_INTEGER_8 | (8 << 16), len, from]);
        expect(msg(&mut ob, MACH_SEND_MSG, 40, 0, 0, 0) == 0, "OOL send at an offset")?;
        let (r, h) = recv(a, 256, 0, 0);
        expect(r == 0 && h[8] == len && h[9] & 0xFFF == off, "out-of-line data did not keep its offset within the page")?;
        // SAFETY: the kernel mapped `len` bytes there.
        let d = unsafe { core::slice::from_raw_parts(h[9] as *const u8, len as usize) };
        expect(d.iter().all(|&x| x == 0x3C), "out-of-line data at an offset differs")?;
        mach::vm_deallocate(&mut m, task, h[9], len).map_err(|_| "vm_deallocate offset OOL")?;
    }
    mach::vm_deallocate(&mut m, task, buf, 4 * 4096).map_err(|_| "vm_deallocate offsets")?;
    uprintln!("{}: out-of-line ok", NAME);
    ool_copy_on_write(&mut m, task)?;

    // A receive right moved in a message gets a new name and keeps working.
    let c = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let mut bb: Buf = [0; 64];
    bb[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 32, a, 0, 0, 8, MachMsgType::new(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true, false).0, c]);
    expect(msg(&mut bb, MACH_SEND_MSG, 32, 0, 0, 0) == 0, "send MACH_MSG_TYPE_MOVE_RECEIVE")?;
    expect(mach_port::mach_port_type(&mut m, task, c).is_err(), "moved name still valid before receipt")?;
    let (r, h) = recv(a, 256, 0, 0);
    let c2 = h[7];
    expect(r == 0 && h[6] & 0xff == MACH_MSG_TYPE_MOVE_RECEIVE && c2 != 0, "receive right not received")?;
    expect(send_int(c2, 9, 99, None) == 0 && recv(c2, 256, 0, 0).1[7] == 99, "moved receive right does not work")?;
    uprintln!("{}: receive right moved ok", NAME);

    // Notifications to a port of ours.
    let n = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    // No-senders: requested with sync 1 while one send right exists (made
    // once: mscount 1), fired when that right goes. (With no send right and
    // sync <= mscount it would fire at once, as in GNU Mach.)
    let e = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_insert_right(&mut m, task, e, rt::PolyPort { name: e, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert send")?;
    let prev = mach_port::mach_port_request_notification(&mut m, task, e, MACH_NOTIFY_NO_SENDERS, 1, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request no-senders")?;
    expect(prev.previous == 0, "a previous no-senders request")?;
    let (r, _) = recv(n, 256, MACH_RCV_TIMEOUT, 0);
    expect(r == MACH_RCV_TIMED_OUT, "no-senders fired while a send right exists")?;
    mach_port::mach_port_mod_refs(&mut m, task, e, MACH_PORT_RIGHT_SEND, -1i32 as u32).map_err(|_| "drop send")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    uprintln!("{}: no-senders: code {:#x} id {} mscount {}", NAME, r, h[5], h[7]);
    expect(r == 0 && h[5] == MACH_NOTIFY_NO_SENDERS && h[7] == 1, "no-senders notification")?;
    // Dead name: a send right whose port dies.
    let d = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let mut bb: Buf = [0; 64];
    // Move d's receive right into a message to e, keep a send right under d's name first.
    mach_port::mach_port_insert_right(&mut m, task, d, rt::PolyPort { name: d, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert send d")?;
    bb[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 32, e, 0, 0, 10, MachMsgType::new(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true, false).0, d]);
    expect(msg(&mut bb, MACH_SEND_MSG, 32, 0, 0, 0) == 0, "move d's receive right")?;
    mach_port::mach_port_request_notification(&mut m, task, d, NOTIFY_DEAD_NAME, 0, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request dead-name")?;
    // Destroying e destroys the queued message, and with it d's receive right.
    mach_port::mach_port_destroy(&mut m, task, e).map_err(|_| "destroy e")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    uprintln!("{}: dead-name: code {:#x} id {} name {} (d {})", NAME, r, h[5], h[7], d);
    expect(r == 0 && h[5] == NOTIFY_DEAD_NAME && h[7] == d, "dead-name notification")?;
    let ty = mach_port::mach_port_type(&mut m, task, d).map_err(|_| "type of dead name")?.ptype;
    expect(ty & TYPE_DEAD_NAME != 0, "d is not a dead name")?;
    // Send-once: a send-once right destroyed unused notifies its port (71).
    let so = mach_port::mach_port_extract_right(&mut m, task, n, MACH_MSG_TYPE_MAKE_SEND_ONCE).map_err(|_| "extract send-once")?.poly.name;
    mach_port::mach_port_deallocate(&mut m, task, so).map_err(|_| "deallocate send-once")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    expect(r == 0 && h[5] == MACH_NOTIFY_SEND_ONCE, "send-once notification")?;
    // Port-deleted: a name with a dead-name request is deallocated (65).
    let f = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let g = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    let fs = mach_port::mach_port_extract_right(&mut m, task, f, MACH_MSG_TYPE_MAKE_SEND).map_err(|_| "extract send")?.poly.name;
    let mut bb: Buf = [0; 64];
    bb[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 32, g, 0, 0, 11, MachMsgType::new(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true, false).0, f]);
    expect(msg(&mut bb, MACH_SEND_MSG, 32, 0, 0, 0) == 0, "park f's receive right")?;
    mach_port::mach_port_request_notification(&mut m, task, fs, NOTIFY_DEAD_NAME, 0, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request dead-name on fs")?;
    mach_port::mach_port_deallocate(&mut m, task, fs).map_err(|_| "deallocate fs")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    expect(r == 0 && h[5] == MACH_NOTIFY_PORT_DELETED && h[7] == fs, "port-deleted notification")?;
    // Port-destroyed: a receive right with a backup comes back instead of dying (69).
    let k = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_request_notification(&mut m, task, k, MACH_NOTIFY_PORT_DESTROYED, 0, rt::PolyPort { name: n, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE }).map_err(|_| "request port-destroyed")?;
    mach_port::mach_port_destroy(&mut m, task, k).map_err(|_| "destroy k")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    expect(r == 0 && h[5] == MACH_NOTIFY_PORT_DESTROYED && h[6] & 0xff == MACH_MSG_TYPE_MOVE_RECEIVE && h[7] != 0, "port-destroyed notification")?;
    let back = mach_port::mach_port_type(&mut m, task, h[7]).map_err(|_| "type of returned right")?.ptype;
    expect(back & MACH_PORT_TYPE_RECEIVE != 0, "the receive right did not come back")?;
    // Msg-accepted: a send to a full queue with MACH_SEND_NOTIFY is queued
    // anyway (MACH_SEND_WILL_NOTIFY) and room brings notification 66.
    let q2 = alloc(&mut m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_set_qlimit(&mut m, task, q2, 1).map_err(|_| "qlimit q2")?;
    expect(send_int(q2, 30, 1, None) == 0, "fill q2")?;
    let mut bb: Buf = [0; 64];
    bb[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND, 32, q2, 0, 0, 31, MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false).0, 2]);
    // SAFETY: a 256-byte buffer.
    let r = unsafe { mach_msg_trap(bb.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_SEND_NOTIFY, 32, 0, 0, 0, n) };
    expect(r == MACH_SEND_WILL_NOTIFY, "MACH_SEND_NOTIFY did not answer MACH_SEND_WILL_NOTIFY")?;
    let (r, h) = recv(q2, 256, 0, 0);
    expect(r == 0 && h[5] == 30, "q2 first message")?;
    let (r, h) = recv(n, 256, MACH_RCV_TIMEOUT, 1000);
    expect(r == 0 && h[5] == MACH_NOTIFY_MSG_ACCEPTED && h[7] == q2, "msg-accepted notification")?;
    let (r, h) = recv(q2, 256, MACH_RCV_TIMEOUT, 0);
    expect(r == 0 && h[5] == 31, "the notified message was queued")?;
    uprintln!("{}: notifications ok", NAME);

    // A sender blocked on a full queue runs again when a message is taken.
    blocked_sender(&mut m, task)
}

static BLOCKED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
static QPORT: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

extern "C" fn sender() -> ! {
    use core::sync::atomic::Ordering::SeqCst;
    BLOCKED.store(1, SeqCst);
    let r = send_int(QPORT.load(SeqCst), 21, 2, None); // blocks: the queue is full
    BLOCKED.store(if r == 0 { 2 } else { 3 }, SeqCst);
    loop {
        // SAFETY: no arguments.
        unsafe { mach_user::trap::swtch() };
    }
}

fn blocked_sender(m: &mut Mach, task: u32) -> Result<(), &'static str> {
    use core::sync::atomic::Ordering::SeqCst;
    let q = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate q")?;
    QPORT.store(q, SeqCst);
    mach_port::mach_port_set_qlimit(m, task, q, 1).map_err(|_| "qlimit q")?;
    expect(send_int(q, 20, 1, None) == 0, "fill q")?;
    let stack = mach::vm_allocate(m, task, 0, 8 * 4096, 1).map_err(|_| "stack")?.address;
    let th = mach_user::start_thread(m, sender, stack, 8 * 4096)?;
    // Give the sender time to block.
    for _ in 0..50 {
        if BLOCKED.load(SeqCst) != 0 {
            break;
        }
        // SAFETY: wait 10 ms.
        unsafe { mach_user::trap::thread_switch(0, 2, 10) };
    }
    // SAFETY: wait 50 ms more: a sender that did not block would be done.
    unsafe { mach_user::trap::thread_switch(0, 2, 50) };
    expect(BLOCKED.load(SeqCst) == 1, "sender did not block on the full queue")?;
    let (r, h) = recv(q, 256, 0, 0);
    expect(r == 0 && h[5] == 20, "first message")?;
    let (r, h) = recv(q, 256, MACH_RCV_TIMEOUT, 2000);
    expect(r == 0 && h[5] == 21, "blocked sender's message")?;
    for _ in 0..100 {
        if BLOCKED.load(SeqCst) == 2 {
            break;
        }
        // SAFETY: wait 10 ms.
        unsafe { mach_user::trap::thread_switch(0, 2, 10) };
    }
    expect(BLOCKED.load(SeqCst) == 2, "sender did not finish")?;
    mach::thread_terminate(m, th).map_err(|_| "thread_terminate")?;
    uprintln!("{}: blocked sender ok", NAME);
    interrupted_receiver(m, task, stack)
}

static RCV_RESULT: core::sync::atomic::AtomicI32 = core::sync::atomic::AtomicI32::new(0);

extern "C" fn receiver() -> ! {
    use core::sync::atomic::Ordering::SeqCst;
    let (r, _) = recv(QPORT.load(SeqCst), 256, MACH_RCV_INTERRUPT, 0);
    RCV_RESULT.store(r, SeqCst);
    loop {
        // SAFETY: no arguments.
        unsafe { mach_user::trap::swtch() };
    }
}

/// thread_abort on a thread blocked in a receive with MACH_RCV_INTERRUPT
/// makes it return MACH_RCV_INTERRUPTED.
fn interrupted_receiver(m: &mut Mach, task: u32, stack: u32) -> Result<(), &'static str> {
    use core::sync::atomic::Ordering::SeqCst;
    let q = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate q")?;
    QPORT.store(q, SeqCst);
    let th = mach_user::start_thread(m, receiver, stack, 4 * 4096)?;
    // SAFETY: wait 50 ms for it to block.
    unsafe { mach_user::trap::thread_switch(0, 2, 50) };
    expect(RCV_RESULT.load(SeqCst) == 0, "receiver did not block")?;
    mach::thread_abort(m, th).map_err(|_| "thread_abort")?;
    for _ in 0..100 {
        if RCV_RESULT.load(SeqCst) != 0 {
            break;
        }
        // SAFETY: wait 10 ms.
        unsafe { mach_user::trap::thread_switch(0, 2, 10) };
    }
    uprintln!("{}: aborted receive returned {:#x}", NAME, RCV_RESULT.load(SeqCst));
    expect(RCV_RESULT.load(SeqCst) == MACH_RCV_INTERRUPTED, "aborted receive did not answer MACH_RCV_INTERRUPTED")?;
    mach::thread_terminate(m, th).map_err(|_| "thread_terminate")?;
    handoff(m, task, stack)
}

static HS_SET: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
static HS_A: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
/// What the hand-off server received, in order: `id << 16 | seqno << 8 | port`
/// (1 for A, 2 for B, 3 for anything else).
static HS_LOG: [core::sync::atomic::AtomicU32; 16] = [const { core::sync::atomic::AtomicU32::new(0) }; 16];
static HS_N: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
/// The code that ended the server's loop (0: still running).
static HS_END: core::sync::atomic::AtomicI32 = core::sync::atomic::AtomicI32::new(0);

/// A server on a port set, as MIG servers loop: it replies and receives
/// the next request in one call, with a receive timeout. Each request it
/// blocks for reaches it by a direct hand-off from the client's
/// `mach_msg`, and each reply hands the CPU back to the client.
extern "C" fn handoff_server() -> ! {
    use core::sync::atomic::Ordering::SeqCst;
    let set = HS_SET.load(SeqCst);
    let mut b: Buf = [0; 64];
    let (mut option, mut send_size) = (MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0);
    loop {
        let r = msg(&mut b, option, send_size, 256, set, 500);
        if r != 0 {
            HS_END.store(r, SeqCst);
            loop {
                // SAFETY: no arguments.
                unsafe { mach_user::trap::swtch() };
            }
        }
        let (reply, local, seqno, id) = (b[2], b[3], b[4], b[5]);
        let port = if local == HS_A.load(SeqCst) { 1 } else if local == QPORT.load(SeqCst) { 2 } else { 3 };
        let n = HS_N.fetch_add(1, SeqCst) as usize;
        if n < HS_LOG.len() {
            HS_LOG[n].store(id << 16 | (seqno & 0xFF) << 8 | port, SeqCst);
        }
        if reply != 0 {
            b[..8].copy_from_slice(&[MACH_MSG_TYPE_MOVE_SEND_ONCE, 32, reply, 0, 0, id + 100, MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false).0, seqno]);
            (option, send_size) = (MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 32);
        } else {
            (option, send_size) = (MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0);
        }
    }
}

/// Direct hand-off between a client's `mach_msg` (send, then receive the
/// reply) and a server blocked on a port set: replies carry the right
/// request ids and sequence numbers, messages queued before a request are
/// received before it (the set's order), and the server's receive timeout
/// still ends its wait when no request comes.
fn handoff(m: &mut Mach, task: u32, stack: u32) -> Result<(), &'static str> {
    use core::sync::atomic::Ordering::SeqCst;
    let alloc = |m: &mut Mach, right| mach_port::mach_port_allocate(m, task, right).map(|r| r.name).map_err(|_| "allocate");
    let set = alloc(m, MACH_PORT_RIGHT_PORT_SET)?;
    let a = alloc(m, MACH_PORT_RIGHT_RECEIVE)?;
    let b = alloc(m, MACH_PORT_RIGHT_RECEIVE)?;
    mach_port::mach_port_move_member(m, task, a, set).map_err(|_| "move_member a")?;
    mach_port::mach_port_move_member(m, task, b, set).map_err(|_| "move_member b")?;
    // SAFETY: no arguments.
    let reply = unsafe { mach_user::trap::mach_reply_port() };
    HS_SET.store(set, SeqCst);
    HS_A.store(a, SeqCst);
    QPORT.store(b, SeqCst);
    let th = mach_user::start_thread(m, handoff_server, stack, 4 * 4096)?;
    // SAFETY: wait 50 ms for it to block on the set.
    unsafe { mach_user::trap::thread_switch(0, 2, 50) };
    let rpc = |dest: u32, id: u32| -> (i32, u32, u32) {
        let mut buf: Buf = [0; 64];
        buf[..8].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE << 8, 32, dest, reply, 0, id, MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false).0, 0]);
        let r = msg(&mut buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 32, 256, reply, 2000);
        (r, buf[5], buf[7])
    };
    for (dest, id, seqno) in [(a, 101, 0), (b, 102, 0), (a, 103, 1)] {
        let (r, rid, rseq) = rpc(dest, id);
        expect(r == 0 && rid == id + 100 && rseq == seqno, "hand-off RPC reply: code, id or sequence number")?;
    }
    // Two messages queued on B, then a request to A: B's come first.
    expect(send_int(b, 10, 0, None) == 0 && send_int(b, 11, 0, None) == 0, "send to b")?;
    let (r, rid, rseq) = rpc(a, 104);
    expect(r == 0 && rid == 204 && rseq == 2, "RPC after queued messages")?;
    for _ in 0..300 {
        if HS_END.load(SeqCst) != 0 {
            break;
        }
        // SAFETY: wait 10 ms.
        unsafe { mach_user::trap::thread_switch(0, 2, 10) };
    }
    expect(HS_END.load(SeqCst) == MACH_RCV_TIMED_OUT, "the server's receive did not time out")?;
    let want = [101 << 16 | 1, 102 << 16 | 2, 103 << 16 | 1 << 8 | 1, 10 << 16 | 1 << 8 | 2, 11 << 16 | 2 << 8 | 2, 104 << 16 | 2 << 8 | 1];
    expect(HS_N.load(SeqCst) == want.len() as u32, "the server received another number of messages")?;
    for (i, w) in want.iter().enumerate() {
        expect(HS_LOG[i].load(SeqCst) == *w, "the server received out of order or with wrong sequence numbers")?;
    }
    mach::thread_terminate(m, th).map_err(|_| "thread_terminate")?;
    for name in [a, b, reply] {
        mach_port::mach_port_mod_refs(m, task, name, MACH_PORT_RIGHT_RECEIVE, -1i32 as u32).map_err(|_| "mod_refs")?;
    }
    mach_port::mach_port_destroy(m, task, set).map_err(|_| "destroy set")?;
    uprintln!("{}: hand-off ok", NAME);
    Ok(())
}

entry!(main);
