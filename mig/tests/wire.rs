//! Byte-exact checks of generated code: user stubs build exactly the requests
//! GNU Mach expects, check replies as MIG does, and the generated servers reject
//! malformed requests with MIG_BAD_ID / MIG_BAD_ARGUMENTS.
#![cfg(not(mig_no_defs))]
#![allow(clippy::all)]

use mig::rt::{self, KernReturn, MachMsg};

#[allow(dead_code)]
mod gen {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}
use gen::device::{server as dsrv, user as dusr};

const D_NO_SUCH_DEVICE: KernReturn = 2502;
const D_INVALID_OPERATION: KernReturn = 2505;

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}
fn bytes(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Records the request and answers with a canned reply.
struct Capture {
    request: Vec<u8>,
    reply: Vec<u8>,
    ret: u32,
    options: u32,
    calls: u32,
}

impl Capture {
    fn new(reply: Vec<u32>) -> Self {
        Capture { request: Vec::new(), reply: bytes(&reply), ret: 0, options: 0, calls: 0 }
    }
}

impl MachMsg for Capture {
    fn mach_msg(&mut self, msg: &mut [u8], option: u32, send: u32, rcv: u32, rcv_name: u32, _t: u32, _n: u32) -> u32 {
        self.calls += 1;
        self.request = msg[..send as usize].to_vec();
        self.options = option;
        if option & rt::MACH_RCV_MSG != 0 {
            assert_eq!(rcv_name, 0x44, "waits on the reply port");
            assert!(self.reply.len() <= rcv as usize);
            msg[..self.reply.len()].copy_from_slice(&self.reply);
        }
        self.ret
    }
    fn reply_port(&mut self) -> u32 {
        0x44
    }
}

const DESC_INT32: u32 = 0x1001_2002; // INTEGER_32, size 32, number 1, inline
const DESC_PORT_SEND: u32 = 0x1001_2011; // PORT_SEND (17), size 32, number 1, inline

fn device_open_reply(device: u32) -> Vec<u32> {
    vec![0x8000_0000 | 18, 40, 0, 0x44, 0, 2900, DESC_INT32, 0, DESC_PORT_SEND, device]
}

#[test]
fn device_open_request_is_byte_exact() {
    let mut name = [0u8; 128];
    name[..3].copy_from_slice(b"hd0");
    let mut k = Capture::new(device_open_reply(0x99));
    let r = dusr::device_open(&mut k, 7, 3, &name).unwrap();
    assert_eq!(r.device, 0x99);
    assert_eq!(k.options, rt::MACH_SEND_MSG | rt::MACH_RCV_MSG);
    let w = words(&k.request);
    // 24 header + mode (4 + 4) + dev_name_t (12 + 128) = 172.
    assert_eq!(k.request.len(), 172);
    // COPY_SEND (19) to the master port, MAKE_SEND_ONCE (21) for the reply port, simple.
    assert_eq!(&w[..6], &[19 | 21 << 8, 172, 7, 0x44, 0, 2800]);
    assert_eq!(&w[6..8], &[DESC_INT32, 3]);
    // Long descriptor: inline + longform bits, then name 12 / size 1024, number 1.
    assert_eq!(&w[8..11], &[0x3000_0000, 12 | 1024 << 16, 1]);
    assert_eq!(&k.request[44..48], b"hd0\0");
}

#[test]
fn user_stub_reply_checks() {
    let name = [0u8; 128];
    // An error reply is exactly 32 bytes and carries the server's code.
    let mut k = Capture::new(vec![18, 32, 0, 0x44, 0, 2900, DESC_INT32, D_NO_SUCH_DEVICE as u32]);
    assert_eq!(dusr::device_open(&mut k, 7, 3, &name).unwrap_err(), D_NO_SUCH_DEVICE);
    // Wrong reply id.
    let mut bad = device_open_reply(1);
    bad[5] = 2901;
    assert_eq!(dusr::device_open(&mut Capture::new(bad), 7, 3, &name).unwrap_err(), rt::MIG_REPLY_MISMATCH);
    // A send-once notification instead of the reply: the server died.
    let mut died = device_open_reply(1);
    died[5] = 0o107;
    assert_eq!(dusr::device_open(&mut Capture::new(died), 7, 3, &name).unwrap_err(), rt::MIG_SERVER_DIED);
    // Wrong descriptor for the port.
    let mut ty = device_open_reply(1);
    ty[8] = 0x1001_2013;
    assert_eq!(dusr::device_open(&mut Capture::new(ty), 7, 3, &name).unwrap_err(), rt::MIG_TYPE_ERROR);
    // A port in the reply but no complex bit.
    let mut simple = device_open_reply(1);
    simple[0] = 18;
    assert_eq!(dusr::device_open(&mut Capture::new(simple), 7, 3, &name).unwrap_err(), rt::MIG_TYPE_ERROR);
    // Wrong size.
    let mut size = device_open_reply(1);
    size[1] = 44;
    size.push(0);
    assert_eq!(dusr::device_open(&mut Capture::new(size), 7, 3, &name).unwrap_err(), rt::MIG_TYPE_ERROR);
    // mach_msg failing (MACH_RCV_INTERRUPTED) is returned as is.
    let mut k = Capture::new(device_open_reply(1));
    k.ret = 0x1000_4005;
    assert_eq!(dusr::device_open(&mut k, 7, 3, &name).unwrap_err(), 0x1000_4005);
}

#[test]
fn inband_arrays_are_sized_to_their_count() {
    // device_write_inband: 24 + mode 8 + recnum 8 + descriptor 4 + 5 bytes padded to 8 = 52.
    let mut k = Capture::new(vec![18, 40, 0, 0x44, 0, 2903, DESC_INT32, 0, DESC_INT32, 5]);
    let r = dusr::device_write_inband(&mut k, 9, 2, 100, b"hello").unwrap();
    assert_eq!(r.bytes_written, 5);
    let w = words(&k.request);
    assert_eq!(k.request.len(), 52);
    assert_eq!(&w[..6], &[19 | 21 << 8, 52, 9, 0x44, 0, 2803]);
    assert_eq!(&w[6..10], &[DESC_INT32, 2, DESC_INT32, 100]);
    // CHAR (8), size 8, number 5, inline.
    assert_eq!(w[10], 8 | 8 << 8 | 5 << 16 | 1 << 28);
    assert_eq!(&k.request[44..52], b"hello\0\0\0");
    // More than 128 bytes is refused before anything is sent.
    let mut k = Capture::new(vec![]);
    assert_eq!(dusr::device_write_inband(&mut k, 9, 2, 100, &[0; 129]).unwrap_err(), rt::MIG_ARRAY_TOO_LARGE);
    assert_eq!(k.calls, 0);

    // device_read_inband's reply: 36 + 5 bytes padded to 8 = 44.
    let mut reply = words(&[&bytes(&[18, 44, 0, 0x44, 0, 2905, DESC_INT32, 0, 8 | 8 << 8 | 5 << 16 | 1 << 28])[..], b"world\0\0\0"].concat());
    let r = dusr::device_read_inband(&mut Capture::new(reply.clone()), 9, 0, 0, 5).unwrap();
    assert_eq!(r.data_cnt, 5);
    assert_eq!(&r.data[..5], b"world");
    // The size must match the count exactly.
    reply[1] = 48;
    reply.push(0);
    assert_eq!(dusr::device_read_inband(&mut Capture::new(reply), 9, 0, 0, 5).unwrap_err(), rt::MIG_TYPE_ERROR);
}

#[test]
fn device_read_returns_out_of_line_data() {
    // Reply: 32 + long descriptor (not inline, longform, deallocate) INTEGER_8,
    // size 8, number 512, then the address.
    let reply = vec![0x8000_0000 | 18, 48, 0, 0x44, 0, 2904, DESC_INT32, 0, 0x6000_0000, 9 | 8 << 16, 512, 0x0804_8000];
    let r = dusr::device_read(&mut Capture::new(reply), 9, 0, 0, 512).unwrap();
    assert_eq!(r.data, rt::Ool { addr: 0x0804_8000, count: 512, dealloc: true });
}

#[test]
fn polymorphic_ports_set_the_complex_bit() {
    // device_set_filter with MAKE_SEND (20): 24 + port 8 + priority 8 +
    // descriptor 4 + 3 shorts (6 bytes padded to 8) = 52, complex.
    let mut k = Capture::new(vec![18, 32, 0, 0x44, 0, 2912, DESC_INT32, 0]);
    dusr::device_set_filter(&mut k, 9, rt::PolyPort { name: 0x33, disposition: 20 }, 5, &[1, 2, 3]).unwrap();
    let w = words(&k.request);
    assert_eq!(&w[..2], &[0x8000_0000 | 19 | 21 << 8, 52]);
    assert_eq!(&w[6..10], &[20 | 32 << 8 | 1 << 16 | 1 << 28, 0x33, DESC_INT32, 5]);
    assert_eq!(w[10], 1 | 16 << 8 | 3 << 16 | 1 << 28);
    assert_eq!(&w[11..13], &[1 | 2 << 16, 3]);
    // With a bare name (PORT_NAME 15) it is not complex.
    let mut k = Capture::new(vec![18, 32, 0, 0x44, 0, 2912, DESC_INT32, 0]);
    dusr::device_set_filter(&mut k, 9, rt::PolyPort { name: 0x33, disposition: 15 }, 5, &[]).unwrap();
    assert_eq!(words(&k.request)[0], 19 | 21 << 8);
}

#[test]
fn simpleroutine_only_sends() {
    use gen::mach::user as m;
    let mut k = Capture::new(vec![]);
    m::memory_object_data_supply(
        &mut k,
        5,
        0x2000,
        rt::Ool { addr: 0x1000, count: 4096, dealloc: true },
        3,
        1,
        0x66,
    )
    .unwrap_err_or_ok();
    assert_eq!(k.options, rt::MACH_SEND_MSG);
    let w = words(&k.request);
    // 24 + offset 8 + data (12 + 4) + lock_value 8 + precious 8 + reply_to 8 = 72.
    assert_eq!(k.request.len(), 72);
    assert_eq!(&w[..6], &[0x8000_0000 | 19, 72, 5, 0, 0, 2093]);
    assert_eq!(&w[6..8], &[DESC_INT32, 0x2000]);
    // Out of line, long form, deallocate (Dealloc[] honours the argument).
    assert_eq!(&w[8..12], &[0x6000_0000, 9 | 8 << 16, 4096, 0x1000]);
    assert_eq!(&w[12..16], &[DESC_INT32, 3, 0x1001_2000, 1]);
    // reply_to: MAKE_SEND_ONCE (21) for the sender.
    assert_eq!(&w[16..18], &[21 | 32 << 8 | 1 << 16 | 1 << 28, 0x66]);
}

trait Ignore {
    fn unwrap_err_or_ok(self);
}
impl<T, E> Ignore for Result<T, E> {
    fn unwrap_err_or_ok(self) {}
}

/// A device server that opens "hd0" only.
#[derive(Default)]
struct Dev {
    last_inband: Vec<u8>,
    last_reply_port: Option<rt::PolyPort>,
    no_reply: bool,
}

#[allow(unused_variables)]
impl dsrv::DeviceServer for Dev {
    fn device_open_new(&mut self, req: dsrv::DeviceOpenNewRequest) -> Result<dsrv::DeviceOpenNewReply, KernReturn> {
        let r = self.device_open(dsrv::DeviceOpenRequest { master_port: req.master_port, reply_port: req.reply_port, mode: req.mode, name: req.name })?;
        Ok(dsrv::DeviceOpenNewReply { device: r.device })
    }
    fn device_open(&mut self, req: dsrv::DeviceOpenRequest) -> Result<dsrv::DeviceOpenReply, KernReturn> {
        if self.no_reply {
            return Err(rt::MIG_NO_REPLY);
        }
        self.last_reply_port = Some(req.reply_port);
        if &req.name[..4] == b"hd0\0" {
            Ok(dsrv::DeviceOpenReply { device: 0x99 })
        } else {
            Err(D_NO_SUCH_DEVICE)
        }
    }
    fn device_close(&mut self, req: dsrv::DeviceCloseRequest) -> Result<(), KernReturn> {
        Err(D_NO_SUCH_DEVICE)
    }
    fn device_write(&mut self, req: dsrv::DeviceWriteRequest) -> Result<dsrv::DeviceWriteReply, KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_write_inband(&mut self, req: dsrv::DeviceWriteInbandRequest<'_>) -> Result<dsrv::DeviceWriteInbandReply, KernReturn> {
        self.last_inband = req.data.as_bytes().to_vec();
        Ok(dsrv::DeviceWriteInbandReply { bytes_written: req.data.len() as u32 })
    }
    fn device_read(&mut self, req: dsrv::DeviceReadRequest) -> Result<dsrv::DeviceReadReply, KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_read_inband(&mut self, req: dsrv::DeviceReadInbandRequest) -> Result<dsrv::DeviceReadInbandReply, KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_map(&mut self, req: dsrv::DeviceMapRequest) -> Result<dsrv::DeviceMapReply, KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_set_status(&mut self, req: dsrv::DeviceSetStatusRequest<'_>) -> Result<(), KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_get_status(&mut self, req: dsrv::DeviceGetStatusRequest) -> Result<dsrv::DeviceGetStatusReply, KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_set_filter(&mut self, req: dsrv::DeviceSetFilterRequest<'_>) -> Result<(), KernReturn> {
        Ok(())
    }
    fn device_intr_register(&mut self, req: dsrv::DeviceIntrRegisterRequest) -> Result<(), KernReturn> {
        Err(D_INVALID_OPERATION)
    }
    fn device_intr_ack(&mut self, req: dsrv::DeviceIntrAckRequest) -> Result<(), KernReturn> {
        Err(D_INVALID_OPERATION)
    }
}

/// A device_open request as GNU Mach's kernel server sees it (not swapped,
/// dispositions already converted: PORT_SEND to the master port,
/// PORT_SEND_ONCE reply port).
fn open_request(name: &[u8]) -> Vec<u32> {
    let mut n = [0u8; 128];
    n[..name.len()].copy_from_slice(name);
    let mut w = vec![17 | 18 << 8, 172, 7, 0x44, 0, 2800, DESC_INT32, 3, 0x3000_0000, 12 | 1024 << 16, 1];
    w.extend(words(&n));
    w
}

fn serve(req: &[u32]) -> (rt::Outcome, Vec<u32>) {
    serve_bytes(&bytes(req))
}

fn serve_bytes(req: &[u8]) -> (rt::Outcome, Vec<u32>) {
    let mut reply = vec![0u8; dsrv::MAX_REPLY_SIZE];
    let o = dsrv::device_server(&mut Dev::default(), req, &mut reply);
    (o, words(&reply[..o.reply_size]))
}

#[test]
fn server_answers_a_good_request() {
    let mut dev = Dev::default();
    let mut reply = vec![0u8; dsrv::MAX_REPLY_SIZE];
    dsrv::device_server(&mut dev, &bytes(&open_request(b"hd0")), &mut reply);
    // The server sees the reply port and its type (the sreplyport is polymorphic).
    assert_eq!(dev.last_reply_port, Some(rt::PolyPort { name: 0x44, disposition: 18 }));
    let (o, r) = serve(&open_request(b"hd0"));
    assert_eq!(o, rt::Outcome { known: true, ret_code: 0, reply_size: 40, send_reply: true });
    // To the reply port (0x44) with its disposition (PORT_SEND_ONCE, moved),
    // id 2900, complex (it carries the device port as PORT_SEND).
    assert_eq!(r, vec![0x8000_0000 | 18, 40, 0x44, 0, 0, 2900, DESC_INT32, 0, DESC_PORT_SEND, 0x99]);
    // A server error gives the 32-byte RetCode reply.
    let (o, r) = serve(&open_request(b"sd9"));
    assert_eq!((o.ret_code, o.reply_size), (D_NO_SUCH_DEVICE, 32));
    assert_eq!(r, vec![18, 32, 0x44, 0, 0, 2900, DESC_INT32, D_NO_SUCH_DEVICE as u32]);
}

fn expect_bad(req: &[u32], what: &str) {
    let (o, r) = serve(req);
    assert_eq!(o.ret_code, rt::MIG_BAD_ARGUMENTS, "{what}");
    assert_eq!(o.reply_size, 32, "{what}");
    assert!(o.send_reply && o.known, "{what}");
    assert_eq!(r[5], req[5] + 100, "{what}");
    assert_eq!(r[7] as i32, rt::MIG_BAD_ARGUMENTS, "{what}");
}

#[test]
fn server_rejects_malformed_requests() {
    let good = open_request(b"hd0");
    let mut m = good.clone();
    m[1] = 168;
    expect_bad(&m, "msgh_size too small");
    let mut m = good.clone();
    m[1] = 176;
    m.push(0);
    expect_bad(&m, "msgh_size too big");
    let mut m = good.clone();
    m[0] |= 0x8000_0000;
    expect_bad(&m, "complex bit on a simple request");
    let mut m = good.clone();
    m[6] |= 1 << 30;
    expect_bad(&m, "deallocate bit in a short descriptor");
    let mut m = good.clone();
    m[6] = 0x1001_2001;
    expect_bad(&m, "wrong descriptor name");
    let mut m = good.clone();
    m[8] = 0x1001_200c;
    expect_bad(&m, "short descriptor where a long one is required");
    let mut m = good.clone();
    m[10] = 2;
    expect_bad(&m, "long descriptor number");
    let mut m = good.clone();
    m[9] = 12 | 512 << 16;
    expect_bad(&m, "long descriptor size");
    // msgh_size larger than the bytes given.
    let b = bytes(&good);
    let (o, _) = serve_bytes(&b[..160]);
    assert_eq!(o.ret_code, rt::MIG_BAD_ARGUMENTS);

    // device_write_inband: descriptor count must match msgh_size exactly.
    let inband = |count: u32, size: u32, data_words: usize| {
        let mut w = vec![17 | 18 << 8, size, 7, 0x44, 0, 2803, DESC_INT32, 2, DESC_INT32, 100, 8 | 8 << 8 | count << 16 | 1 << 28];
        w.extend(std::iter::repeat(0x6161_6161).take(data_words));
        w
    };
    let (o, r) = serve(&inband(5, 52, 2));
    assert_eq!(o.ret_code, 0);
    assert_eq!(r[9], 5, "bytes_written");
    expect_bad(&inband(5, 48, 1), "5 bytes need 8 padded bytes");
    expect_bad(&inband(5, 56, 3), "trailing garbage");
    expect_bad(&inband(129, 44 + 132, 33), "more than 128 bytes");

    // device_write carries out-of-line data: the complex bit is required.
    let write = vec![0x8000_0000 | 17 | 18 << 8, 56, 7, 0x44, 0, 2802, DESC_INT32, 2, DESC_INT32, 100, 0x2000_0000, 9 | 8 << 16, 10, 0x1000];
    let (o, _) = serve(&write);
    assert_eq!(o.ret_code, D_INVALID_OPERATION, "well-formed, refused by the server");
    let mut m = write.clone();
    m[0] &= !0x8000_0000;
    expect_bad(&m, "out-of-line data without the complex bit");
    let mut m = write.clone();
    m[10] = 0x3000_0000;
    expect_bad(&m, "inline bit on out-of-line data");
    let mut m = write.clone();
    m[10] = 0x6000_0000;
    assert_eq!(serve(&m).0.ret_code, D_INVALID_OPERATION, "the deallocate bit is the sender's choice");

    // device_set_filter: the port must arrive as PORT_SEND (17), not MAKE_SEND (20).
    let filter = |port_type: u32| vec![0x8000_0000 | 17 | 18 << 8, 44, 7, 0x44, 0, 2812, port_type | 32 << 8 | 1 << 16 | 1 << 28, 0x33, DESC_INT32, 5, 1 | 16 << 8 | 1 << 28];
    assert_eq!(serve(&filter(17)).0.ret_code, 0);
    expect_bad(&filter(20), "port not received as PORT_SEND");
}

#[test]
fn server_rejects_unknown_ids() {
    // (2806 was a skip before the 2026 device.defs gave it to device_open_new.)
    for id in [2807u32, 2799, 2815, 9999] {
        let mut m = open_request(b"hd0");
        m[5] = id;
        let (o, r) = serve(&m);
        assert_eq!(o, rt::Outcome { known: false, ret_code: rt::MIG_BAD_ID, reply_size: 32, send_reply: true }, "id {id}");
        assert_eq!(r, vec![18, 32, 0x44, 0, 0, id + 100, DESC_INT32, rt::MIG_BAD_ID as u32]);
    }
}

#[test]
fn server_edge_cases() {
    // Too short to hold a header: nothing to answer.
    let (o, _) = serve_bytes(&[0; 20]);
    assert_eq!((o.ret_code, o.reply_size, o.send_reply), (rt::MIG_BAD_ARGUMENTS, 0, false));
    // A reply buffer smaller than MAX_REPLY_SIZE is refused without writing.
    let mut small = [0u8; 16];
    let o = dsrv::device_server(&mut Dev::default(), &bytes(&open_request(b"hd0")), &mut small);
    assert_eq!((o.ret_code, o.reply_size), (rt::MIG_ARRAY_TOO_LARGE, 0));
    // MIG_NO_REPLY: the server will answer later.
    let mut reply = vec![0u8; dsrv::MAX_REPLY_SIZE];
    let mut dev = Dev { no_reply: true, ..Dev::default() };
    let o = dsrv::device_server(&mut dev, &bytes(&open_request(b"hd0")), &mut reply);
    assert_eq!((o.ret_code, o.send_reply), (rt::MIG_NO_REPLY, false));
    // The server sees the inband data itself.
    let mut dev = Dev::default();
    let mut w = vec![17 | 18 << 8, 52, 7, 0x44, 0, 2803, DESC_INT32, 2, DESC_INT32, 100, 8 | 8 << 8 | 5 << 16 | 1 << 28];
    w.extend(words(b"hello\0\0\0"));
    dsrv::device_server(&mut dev, &bytes(&w), &mut reply);
    assert_eq!(dev.last_inband, b"hello");
}

#[test]
fn server_never_panics_on_mutated_requests() {
    let mut inband = vec![17 | 18 << 8, 52, 7, 0x44, 0, 2803, DESC_INT32, 2, DESC_INT32, 100, 8 | 8 << 8 | 5 << 16 | 1 << 28];
    inband.extend(words(b"hello\0\0\0"));
    let filter = vec![0x8000_0000 | 17 | 18 << 8, 52, 7, 0x44, 0, 2812, 17 | 32 << 8 | 1 << 16 | 1 << 28, 0x33, DESC_INT32, 5, 1 | 16 << 8 | 3 << 16 | 1 << 28, 0x0002_0001, 3];
    let write = vec![0x8000_0000 | 17 | 18 << 8, 56, 7, 0x44, 0, 2802, DESC_INT32, 2, DESC_INT32, 100, 0x2000_0000, 9 | 8 << 16, 10, 0x1000];
    let mut reply = vec![0u8; dsrv::MAX_REPLY_SIZE];
    for base in [open_request(b"hd0"), inband, filter, write] {
        let good = bytes(&base);
        for len in 0..good.len() {
            dsrv::device_server(&mut Dev::default(), &good[..len], &mut reply);
        }
        for i in 0..good.len() {
            for v in [0u8, 1, 0x7f, 0x80, 0xff, good[i] ^ 0x10] {
                let mut m = good.clone();
                m[i] = v;
                let o = dsrv::device_server(&mut Dev::default(), &m, &mut reply);
                assert!(o.reply_size == 0 || o.reply_size >= 32);
            }
        }
    }
}

#[test]
fn kernel_user_stubs_send_naked_rights() {
    use gen::device_reply_kernel_user as k;
    // device_open_reply (2900), a simpleroutine the kernel sends to the
    // requester's reply port with the disposition it arrived with.
    let mut c = Capture::new(vec![]);
    k::device_open_reply(&mut c, rt::PolyPort { name: 0x70, disposition: 18 }, 0, 0x99).unwrap();
    let w = words(&c.request);
    assert_eq!(c.options, rt::MACH_SEND_MSG);
    // 24 + return_code 8 + device_port 8 = 40; complex; remote = reply port with
    // MOVE_SEND_ONCE (18); the device port is MAKE_SEND (20).
    assert_eq!(&w[..6], &[0x8000_0000 | 18, 40, 0x70, 0, 0, 2900]);
    assert_eq!(&w[6..10], &[DESC_INT32, 0, 20 | 32 << 8 | 1 << 16 | 1 << 28, 0x99]);
}

#[test]
fn kernel_user_stubs_keep_declared_dispositions() {
    use gen::memory_object_kernel_user as k;
    // memory_object_init (2200): header COPY_SEND (19) to the pager, the
    // control port MAKE_SEND (20), the name port MAKE_SEND (20), page size.
    // 24 + 8 + 8 + 8 = 48, complex.
    let mut c = Capture::new(vec![]);
    k::memory_object_init(&mut c, 0x10, 0x11, 0x12, 4096).unwrap();
    let w = words(&c.request);
    assert_eq!(&w[..6], &[0x8000_0000 | 19, 48, 0x10, 0, 0, 2200]);
    assert_eq!(&w[6..12], &[20 | 32 << 8 | 1 << 16 | 1 << 28, 0x11, 20 | 32 << 8 | 1 << 16 | 1 << 28, 0x12, DESC_INT32, 4096]);
}
