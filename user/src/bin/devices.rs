//! `devices`: the device interface of `device.defs` on the device master port
//! (argv[1], from `${device-port}`): names (unknown, malformed and absent
//! devices answer D_NO_SUCH_DEVICE), the console (inband and out-of-line
//! writes), `com1` (TTY_STATUS get/set, D_NOWAIT reads, a blocking read of
//! what the host typed into the second serial port, unsupported calls),
//! `device_close`, and the port going away with its last send right.
//!
//! Boot-script line: `/devices ${device-port} $(task-create) $(task-resume)`.
//! Last line: `user-test: devices ok` or `user-test: devices FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{B115200, B9600, D_INVALID_OPERATION, D_INVALID_RECNUM, D_INVALID_SIZE, DEV_GET_SIZE, D_NOWAIT, D_NO_SUCH_DEVICE, D_READ, D_WOULD_BLOCK, D_WRITE, MACH_PORT_TYPE_DEAD_NAME, TTY_STATUS};
use mach_user::message::MACH_MSG_TYPE_MAKE_SEND;

const NAME: &str = "devices";

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let open = |m: &mut Mach, n: &str| ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name(n)).map(|r| r.device);

    for bad in ["nosuchdev", "hd0", "eth7", "com9", "hd0sX", ""] {
        expect(open(&mut m, bad).err() == Some(D_NO_SUCH_DEVICE), "a bad or absent device name did not answer D_NO_SUCH_DEVICE")?;
    }
    let mut long = [b'a'; 128];
    long[127] = b'a';
    expect(ds::device_open(&mut m, master, D_READ, &long).err() == Some(D_NO_SUCH_DEVICE), "unterminated name")?;

    // The console.
    let con = open(&mut m, "console").map_err(|_| "open console")?;
    let msg = b"devices: written through the console device\n";
    expect(ds::device_write_inband(&mut m, con, 0, 0, msg).map(|r| r.bytes_written) == Ok(msg.len() as u32), "console inband write")?;
    let mut big = [b'='; 301];
    big[..13].copy_from_slice(b"devices: big ");
    big[300] = b'\n';
    let r = ds::device_write(&mut m, con, 0, 0, rt::Ool { addr: big.as_ptr() as u32, count: 301, dealloc: false });
    expect(r.map(|r| r.bytes_written) == Ok(301), "console out-of-line write")?;
    let con2 = open(&mut m, "com0").map_err(|_| "open com0")?;
    expect(con2 == con, "console and com0 are different ports")?;

    // com1: status, reads.
    let c1 = open(&mut m, "com1").map_err(|_| "open com1")?;
    let st = ds::device_get_status(&mut m, c1, TTY_STATUS, 4).map_err(|_| "get TTY_STATUS")?;
    expect(st.status_cnt == 4 && st.status[0] == B115200 && st.status[1] == B115200, "TTY_STATUS speed")?;
    ds::device_set_status(&mut m, c1, TTY_STATUS, &[B9600, B9600, 0, 0]).map_err(|_| "set TTY_STATUS")?;
    expect(ds::device_get_status(&mut m, c1, TTY_STATUS, 4).map(|s| s.status[1]) == Ok(B9600), "TTY_STATUS not kept")?;
    ds::device_set_status(&mut m, c1, TTY_STATUS, &[B115200, B115200, 0, 0]).map_err(|_| "restore TTY_STATUS")?;
    expect(ds::device_get_status(&mut m, c1, 12345, 4).err() == Some(D_INVALID_OPERATION), "unknown flavor")?;
    expect(ds::device_set_filter(&mut m, c1, rt::PolyPort { name: 0, disposition: MACH_MSG_TYPE_MAKE_SEND }, 0, &[0]).err() == Some(D_INVALID_OPERATION), "set_filter on a tty")?;
    // What the host typed arrives: "ping\n" for this read, the rest later.
    let mut got = [0u8; 16];
    let mut n = 0;
    while n < 5 {
        let r = ds::device_read_inband(&mut m, c1, 0, 0, (5 - n) as u32).map_err(|_| "read com1")?;
        got[n..n + r.data_cnt as usize].copy_from_slice(&r.data[..r.data_cnt as usize]);
        n += r.data_cnt as usize;
    }
    uprintln!("{}: com1 read {:?}", NAME, core::str::from_utf8(&got[..n]).unwrap_or("?"));
    expect(&got[..5] == b"ping\n", "com1 input differs")?;
    expect(ds::device_write_inband(&mut m, c1, 0, 0, b"pong\n").map(|r| r.bytes_written) == Ok(5), "write com1")?;
    asynchronous(&mut m, task, c1)?;
    ram_disk(&mut m, task, master)?;

    // Close, as GNU Mach: every open wants its close; the last one closes
    // the device and destroys its port, whose name becomes a dead name.
    let c1_again = open(&mut m, "com1").map_err(|_| "second open of com1")?;
    expect(c1_again == c1, "a second open gave another port")?;
    ds::device_close(&mut m, c1).map_err(|_| "device_close")?;
    expect(ds::device_write_inband(&mut m, c1, 0, 0, b"open\n").is_ok(), "write after the first of two closes")?;
    ds::device_close(&mut m, c1).map_err(|_| "device_close")?;
    expect(ds::device_write_inband(&mut m, c1, 0, 0, b"x").err() == Some(mach_user::message::MACH_SEND_INVALID_DEST), "write after the last close")?;
    let ty = mach_port::mach_port_type(&mut m, task, c1).map(|r| r.ptype).unwrap_or(0);
    expect(ty == MACH_PORT_TYPE_DEAD_NAME, "the closed device's name is not a dead name")?;
    mach_port::mach_port_destroy(&mut m, task, c1).map_err(|_| "destroy the dead name")?;
    let c1b = open(&mut m, "com1").map_err(|_| "reopen com1")?;
    expect(ds::device_write_inband(&mut m, c1b, 0, 0, b"again\n").is_ok(), "write after reopen")?;
    expect(ds::device_open(&mut m, task, D_READ, &mach_user::device_name("com1")).err() == Some(D_INVALID_OPERATION), "device_open on a task port")?;
    expect(ds::device_write_inband(&mut m, task, 0, 0, b"x").err() == Some(D_NO_SUCH_DEVICE), "device_write on a task port")?;
    for p in [c1b, con] {
        let refs = mach_port::mach_port_get_refs(&mut m, task, p, 0).map(|r| r.refs).unwrap_or(0);
        for _ in 0..refs {
            let _ = mach_port::mach_port_deallocate(&mut m, task, p);
        }
    }
    uprintln!("{}: device ports given back", NAME);
    Ok(())
}

/// What the replies of the asynchronous requests said.
#[derive(Default)]
struct Replies {
    /// The data of every read reply, in order.
    read: ([u8; 32], usize),
    reads: u32,
    written: Option<u32>,
}

impl mach_user::mig::device_reply::DeviceReplyServer for Replies {
    fn device_open_reply(&mut self, _: mach_user::mig::device_reply::DeviceOpenReplyRequest) -> Result<(), i32> {
        Ok(())
    }
    fn device_write_reply(&mut self, _: mach_user::mig::device_reply::DeviceWriteReplyRequest) -> Result<(), i32> {
        Ok(())
    }
    fn device_write_reply_inband(&mut self, r: mach_user::mig::device_reply::DeviceWriteReplyInbandRequest) -> Result<(), i32> {
        self.written = Some(if r.return_code == 0 { r.bytes_written } else { u32::MAX });
        Ok(())
    }
    fn device_read_reply(&mut self, _: mach_user::mig::device_reply::DeviceReadReplyRequest) -> Result<(), i32> {
        Ok(())
    }
    fn device_read_reply_inband(&mut self, r: mach_user::mig::device_reply::DeviceReadReplyInbandRequest<'_>) -> Result<(), i32> {
        let (data, len) = &mut self.read;
        *len += r.data.copy_to(&mut data[*len..]);
        self.reads += 1;
        Ok(())
    }
}

/// `ram0` (64 KiB, from `ramdisk=64`): records written and read back
/// through every read form, sizes, and the range checks at the end.
fn ram_disk(m: &mut Mach, task: u32, master: u32) -> Result<(), &'static str> {
    let dev = ds::device_open(m, master, D_READ | D_WRITE, &mach_user::device_name("ram0")).map_err(|_| "open ram0")?.device;
    let size = ds::device_get_status(m, dev, DEV_GET_SIZE, 2).map_err(|_| "DEV_GET_SIZE")?;
    expect(size.status_cnt == 2 && size.status[0] == 64 * 1024 && size.status[1] == 512, "ram0 size")?;
    let mut pat = [0u8; 1536];
    for (i, b) in pat.iter_mut().enumerate() {
        *b = (i * 13 % 256) as u8;
    }
    let w = ds::device_write(m, dev, 0, 3, rt::Ool { addr: pat.as_ptr() as u32, count: 1536, dealloc: false }).map_err(|_| "ram0 write")?;
    expect(w.bytes_written == 1536, "ram0 write count")?;
    let r = ds::device_read(m, dev, 0, 3, 1536).map_err(|_| "ram0 read")?;
    // SAFETY: the kernel mapped `count` bytes here.
    let got = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, r.data.count as usize) };
    expect(got == &pat[..], "ram0 read back differs")?;
    mach::vm_deallocate(m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate")?;
    let ri = ds::device_read_inband(m, dev, 0, 4, 100).map_err(|_| "ram0 read_inband")?;
    expect(ri.data_cnt == 100 && ri.data[..100] == pat[512..612], "ram0 inband read differs")?;
    // Over the end: a short count; at the end: nothing; past it: D_INVALID_RECNUM.
    let tail = ds::device_read(m, dev, 0, 127, 1024).map_err(|_| "ram0 read over the end")?;
    expect(tail.data.count == 512, "ram0 read over the end is not short")?;
    mach::vm_deallocate(m, task, tail.data.addr, tail.data.count).map_err(|_| "vm_deallocate")?;
    let end = ds::device_read_inband(m, dev, 0, 128, 16).map_err(|_| "ram0 read at the end")?;
    expect(end.data_cnt == 0, "ram0 read at the end gave data")?;
    expect(ds::device_read_inband(m, dev, 0, 129, 16).err() == Some(D_INVALID_RECNUM), "ram0 read past the end")?;
    expect(ds::device_write_inband(m, dev, 0, 200, &[7u8; 16]).err() == Some(D_INVALID_RECNUM), "ram0 write past the end")?;
    // DEV_RECORD_BASE (this kernel's way past 32-bit record numbers): with
    // base 100, record 0 is record 100.
    const DEV_RECORD_BASE: u32 = ((b'R' as u32) << 16) | 1;
    let st = ds::device_get_status(m, dev, DEV_RECORD_BASE, 4).map_err(|_| "get DEV_RECORD_BASE")?;
    expect(st.status_cnt == 4 && st.status[..4] == [0, 0, 128, 0], "DEV_RECORD_BASE status")?;
    ds::device_set_status(m, dev, DEV_RECORD_BASE, &[100, 0]).map_err(|_| "set DEV_RECORD_BASE")?;
    expect(ds::device_write_inband(m, dev, 0, 0, b"based").map(|r| r.bytes_written) == Ok(5), "write at base")?;
    expect(ds::device_read_inband(m, dev, 0, 29, 16).err() == Some(D_INVALID_RECNUM), "base + recnum past the end")?;
    ds::device_set_status(m, dev, DEV_RECORD_BASE, &[0, 0]).map_err(|_| "reset DEV_RECORD_BASE")?;
    let back = ds::device_read_inband(m, dev, 0, 100, 5).map_err(|_| "read record 100")?;
    expect(back.data_cnt == 5 && &back.data[..5] == b"based", "the base did not move the record")?;
    expect(ds::device_set_status(m, dev, DEV_RECORD_BASE, &[1]).err() == Some(D_INVALID_SIZE), "short base accepted")?;
    ds::device_close(m, dev).map_err(|_| "close ram0")?;
    mach_port::mach_port_deallocate(m, task, dev).map_err(|_| "deallocate ram0")?;
    uprintln!("{}: ram0 ok", NAME);
    Ok(())
}

/// device_request.defs: two reads and a write in flight from one thread;
/// the write's reply comes while the second read still waits for input.
fn asynchronous(m: &mut Mach, task: u32, c1: u32) -> Result<(), &'static str> {
    use mach_user::mig::{device_reply, device_request as dr};
    use mach_user::trap::mach_msg_trap;
    let rp = mach_port::mach_port_allocate(m, task, 1).map(|r| r.name).map_err(|_| "allocate reply port")?;
    dr::device_read_request_inband(m, c1, rp, 0, 0, 16).map_err(|_| "read request 1")?;
    dr::device_read_request_inband(m, c1, rp, 0, 0, 16).map_err(|_| "read request 2")?;
    dr::device_write_request_inband(m, c1, rp, 0, 0, b"async\n").map_err(|_| "write request")?;
    let mut replies = Replies::default();
    let mut buf = rt::MsgBuf::<256>::new();
    let mut out = rt::MsgBuf::<256>::new();
    // The write's reply and the input: one read reply, or two when the host's
    // bytes arrived in pieces (a tty read answers with what has come).
    while replies.written.is_none() || (replies.read.1 < 9 && replies.reads < 2) {
        // SAFETY: a 256-byte buffer.
        let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 256, rp, 3000, 0) };
        expect(r == 0, "an asynchronous reply did not come")?;
        let o = device_reply::device_reply_server(&mut replies, &buf.0, &mut out.0);
        expect(o.known && o.ret_code == 0, "a reply did not decode")?;
    }
    // More pieces than reads in flight (a slow host): the rest of the line
    // with ordinary reads.
    while replies.read.1 < 9 {
        let r = ds::device_read_inband(m, c1, 0, 0, 16).map_err(|_| "reading the rest of the line")?;
        let (data, len) = &mut replies.read;
        let take = (r.data_cnt as usize).min(data.len() - *len);
        data[*len..*len + take].copy_from_slice(&r.data[..take]);
        *len += take;
    }
    let (data, n) = replies.read;
    uprintln!("{}: async read {:?}, write {:?}", NAME, core::str::from_utf8(&data[..n]).unwrap_or("?"), replies.written);
    expect(&data[..n] == b"async-in\n", "async read data")?;
    expect(replies.written == Some(6), "async write reply")?;
    // No read answers without input: no further reply.
    // SAFETY: as above.
    let r = unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), mach_user::message::MACH_RCV_MSG | mach_user::message::MACH_RCV_TIMEOUT, 0, 256, rp, 100, 0) };
    expect(r == mach_user::message::MACH_RCV_TIMED_OUT, "a read answered without input")?;
    // Nothing to read now: D_NOWAIT answers at once.
    expect(ds::device_read_inband(m, c1, D_NOWAIT, 0, 16).err() == Some(D_WOULD_BLOCK), "D_NOWAIT read did not answer D_WOULD_BLOCK")?;
    uprintln!("{}: asynchronous requests ok", NAME);
    Ok(())
}

entry!(main);
