//! Ids and byte layouts of representative routines, checked against numbers
//! worked out by hand from the `.defs` and the message format:
//!
//! - header: 24 bytes; reply header + RetCode: 24 + 4 (INTEGER_32 descriptor) + 4 = 32;
//! - a short descriptor is 4 bytes, a long one 12; inline data is padded to 4
//!   bytes; out-of-line data is a 4-byte address;
//! - the request port and the reply port travel in the header only.
//!
//! Descriptor words (short form): name | size << 8 | number << 16 | inline << 28.

use mig::ast::Subsystem;
use mig::layout::{self, Complexity, RoutineLayout};
use mig::types::MsgName;
use mig::{parse_defs, Options};

fn sub(defs: &str, opts: Options) -> Subsystem {
    parse_defs(defs, &opts).unwrap_or_else(|e| panic!("{defs}: {e}"))
}

fn routine(s: &Subsystem, name: &str) -> RoutineLayout {
    layout::routine_layout(s, s.routine(name).unwrap_or_else(|| panic!("no {name}"))).unwrap()
}

/// (request min, request max, reply min, reply max); reply sizes 0 for simpleroutines.
fn sizes(l: &RoutineLayout) -> (u32, u32, u32, u32) {
    let (a, b) = l.reply.as_ref().map(|m| (m.min_size, m.max_size)).unwrap_or((0, 0));
    (l.request.min_size, l.request.max_size, a, b)
}

#[test]
fn device_routines() {
    let dev = sub("device/device.defs", Options::kernel_server());
    let l = routine(&dev, "device_open");
    // id: device base 2800 + index 0.
    assert_eq!((l.request.id, l.reply.as_ref().unwrap().id), (2800, 2900));
    // request: 24 + mode (4 + 4) + name (dev_name_t = (STRING_C, 8*128): long
    // descriptor 12 because size 1024 > 255, then 128 bytes) = 172.
    // reply: 32 + device (4 + 4) = 40.
    assert_eq!(sizes(&l), (172, 172, 40, 40));
    let name = &l.request.items[1].ty;
    assert!(name.long_form && name.inline);
    assert_eq!((name.out_name, name.size, name.number), (MsgName::Fixed(12), 1024, 1));
    assert_eq!(l.request.recv_complexity, Complexity::Simple);
    // The kernel sends the device port as PORT_SEND (17) and the reply is complex.
    let rep = l.reply.as_ref().unwrap();
    assert_eq!(rep.items[1].ty.in_name, MsgName::Fixed(17));
    assert_eq!(rep.send_complexity, Complexity::Complex);

    // device_close 2801: request is the bare header (device is the request port).
    let l = routine(&dev, "device_close");
    assert_eq!(l.request.id, 2801);
    assert_eq!(sizes(&l), (24, 24, 32, 32));

    // device_write 2802: 24 + mode 8 + recnum 8 + data (long OOL descriptor 12 +
    // address 4) = 56, complex; reply 32 + bytes_written 8 = 40.
    let l = routine(&dev, "device_write");
    assert_eq!(l.request.id, 2802);
    assert_eq!(sizes(&l), (56, 56, 40, 40));
    assert_eq!(l.request.recv_complexity, Complexity::Complex);

    // device_write_inband 2803: 24 + 8 + 8 + data descriptor 4 + 0..=128 bytes.
    let l = routine(&dev, "device_write_inband");
    assert_eq!(l.request.id, 2803);
    assert_eq!(sizes(&l), (44, 172, 40, 40));

    // device_read 2804: request 24 + mode 8 + recnum 8 + bytes_wanted 8 = 48;
    // reply 32 + data (long OOL: 12 + 4) = 48; data is INTEGER_8 (9), size 8,
    // out of line, with the deallocate bit (`dealloc`).
    let l = routine(&dev, "device_read");
    assert_eq!(l.request.id, 2804);
    assert_eq!(sizes(&l), (48, 48, 48, 48));
    let data = &l.reply.as_ref().unwrap().items[1];
    assert!(!data.ty.inline && data.ty.long_form);
    assert_eq!((data.ty.in_name, data.ty.size), (MsgName::Fixed(9), 8));
    assert_eq!(data.dealloc, mig::ast::Dealloc::Always);

    // device_read_inband 2805: request 48; reply 32 + descriptor 4 + 0..=128
    // bytes of CHAR (8), short form (number <= 128 fits 12 bits).
    let l = routine(&dev, "device_read_inband");
    assert_eq!(l.request.id, 2805);
    assert_eq!(sizes(&l), (48, 48, 36, 164));
    let data = &l.reply.as_ref().unwrap().items[1].ty;
    assert!(!data.long_form && data.var_array);
    assert_eq!(data.in_name, MsgName::Fixed(8));

    // device_map 2809 (three skips after 2805).
    assert_eq!(routine(&dev, "device_map").request.id, 2809);

    // device_get_status 2811: 24 + flavor 8 + CountInOut statusCnt 8 = 40;
    // reply 32 + 4 + 0..=1024 ints = 36..=4132.
    let l = routine(&dev, "device_get_status");
    assert_eq!(l.request.id, 2811);
    assert_eq!(sizes(&l), (40, 40, 36, 4132));

    // device_set_filter 2812: 24 + receive_port (4 + 4) + priority (4 + 4) +
    // filter descriptor 4 + 0..=128 shorts (2 bytes each) = 44..=300.
    let l = routine(&dev, "device_set_filter");
    assert_eq!(l.request.id, 2812);
    assert_eq!(sizes(&l), (44, 300, 32, 32));
    // The server receives the port as PORT_SEND: the request must be complex.
    assert_eq!(l.request.items[0].ty.out_name, MsgName::Fixed(17));
    assert_eq!(l.request.recv_complexity, Complexity::Complex);
    assert_eq!(routine(&dev, "device_intr_ack").request.id, 2814);
}

#[test]
fn user_side_port_dispositions() {
    let dev = sub("device/device.defs", Options::user());
    // mach_port_send_t (MACH_MSG_TYPE_PORT_SEND) is polymorphic for a user sender.
    let l = routine(&dev, "device_set_filter");
    assert_eq!(l.request.items[0].ty.in_name, MsgName::Poly);
    assert_eq!(l.request.send_complexity, Complexity::Runtime);
    // device_open's reply port type is MAKE_SEND_ONCE | polymorphic.
    let l = routine(&dev, "device_open");
    let rp = l.reply_port.as_ref().unwrap();
    assert_eq!((rp.ty.in_name, rp.ty.out_name), (MsgName::Fixed(21), MsgName::Poly));
    // The user receives device_open's port as PORT_SEND (17).
    assert_eq!(l.reply.as_ref().unwrap().items[1].ty.out_name, MsgName::Fixed(17));
}

#[test]
fn mach_port_routines() {
    let mp = sub("mach/mach_port.defs", Options::kernel_server());
    // mach_port_allocate 3204: 24 + right (4 + 4) = 32; reply 32 + name
    // (PORT_NAME 15, not a right: simple) = 40.
    let l = routine(&mp, "mach_port_allocate");
    assert_eq!(l.request.id, 3204);
    assert_eq!(sizes(&l), (32, 32, 40, 40));
    let rep = l.reply.as_ref().unwrap();
    assert_eq!(rep.items[1].ty.in_name, MsgName::Fixed(15));
    assert_eq!(rep.send_complexity, Complexity::Simple);

    // mach_port_request_notification 3214: 24 + name 8 + id 8 + sync 8 +
    // notify 8 = 56; notify arrives as PORT_SEND_ONCE (18), so the request is
    // complex; the kernel returns `previous` as MOVE_SEND_ONCE (18); reply 40.
    let l = routine(&mp, "mach_port_request_notification");
    assert_eq!(l.request.id, 3214);
    assert_eq!(sizes(&l), (56, 56, 40, 40));
    assert_eq!(l.request.items[3].ty.out_name, MsgName::Fixed(18));
    assert_eq!(l.request.recv_complexity, Complexity::Complex);
    assert_eq!(l.reply.as_ref().unwrap().items[1].ty.in_name, MsgName::Fixed(18));
    // A user sender chooses notify's disposition (e.g. MAKE_SEND_ONCE).
    let user = sub("mach/mach_port.defs", Options::user());
    let u = routine(&user, "mach_port_request_notification");
    assert_eq!(u.request.items[3].ty.in_name, MsgName::Poly);

    // mach_port_insert_right 3215: 24 + name 8 + poly 8 = 40; complexity depends
    // on the polymorphic name.
    let l = routine(&mp, "mach_port_insert_right");
    assert_eq!(l.request.id, 3215);
    assert_eq!(sizes(&l), (40, 40, 32, 32));
    assert_eq!(l.request.recv_complexity, Complexity::Runtime);

    // mach_port_names 3200: reply 32 + two long OOL arrays (12 + 4 each) = 64.
    let l = routine(&mp, "mach_port_names");
    assert_eq!(sizes(&l), (24, 24, 64, 64));
    assert_eq!(routine(&mp, "mach_port_type").request.id, 3201);
    assert_eq!(routine(&mp, "mach_port_deallocate").request.id, 3206);
    assert_eq!(routine(&mp, "mach_port_set_qlimit").request.id, 3210);
}

#[test]
fn mach_routines() {
    let m = sub("mach/mach.defs", Options::kernel_server());
    // task_create 2007 (seven skips first): 24 + inherit_memory 8 = 32;
    // reply 32 + child_task 8 = 40. task_t is COPY_SEND, which the kernel sends
    // as MOVE_SEND (17) because it holds a naked right.
    let l = routine(&m, "task_create");
    assert_eq!(l.request.id, 2007);
    assert_eq!(sizes(&l), (32, 32, 40, 40));
    assert_eq!(l.reply.as_ref().unwrap().items[1].ty.in_name, MsgName::Fixed(17));
    let user = sub("mach/mach.defs", Options::user());
    let u = routine(&user, "task_create");
    assert_eq!(u.reply.as_ref().unwrap().items[1].ty.out_name, MsgName::Fixed(17));

    // task_threads: reply 32 + thread_list (^array[] of thread_t: long OOL
    // descriptor 12 + address 4) = 48; the kernel sends the threads' send rights
    // as PORT_SEND (17), deallocate bit clear.
    let l = routine(&m, "task_threads");
    assert_eq!(sizes(&l), (24, 24, 48, 48));
    let list = &l.reply.as_ref().unwrap().items[1];
    assert_eq!((list.ty.in_name, list.ty.size, list.ty.inline, list.ty.long_form), (MsgName::Fixed(17), 32, false, true));
    assert_eq!(list.dealloc, mig::ast::Dealloc::Never);

    // vm_allocate 2021: 24 + address 8 + size 8 + anywhere 8 = 48 (natural_t
    // and vm_size_t are 32 bits on i386); reply 32 + address 8 = 40.
    let l = routine(&m, "vm_allocate");
    assert_eq!(l.request.id, 2021);
    assert_eq!(sizes(&l), (48, 48, 40, 40));
    assert!(l.request.items.iter().all(|i| i.ty.size == 32));

    assert_eq!(routine(&m, "vm_deallocate").request.id, 2023);
    assert_eq!(routine(&m, "task_info").request.id, 2012);
    assert_eq!(routine(&m, "task_get_special_port").request.id, 2058);
    assert_eq!(routine(&m, "thread_create").request.id, 2061);
    // vm_map 2089: 24 + nine scalars (address, size, mask, anywhere, offset,
    // copy, cur_protection, max_protection, inheritance: 9 x 8 = 72) +
    // memory_object port 8 = 104.
    let l = routine(&m, "vm_map");
    assert_eq!(l.request.id, 2089);
    assert_eq!(sizes(&l), (104, 104, 40, 40));

    // memory_object_data_supply 2093, a simpleroutine: 24 + offset 8 + data
    // (long OOL: 12 + 4) + lock_value 8 + precious 8 + reply_to 8 = 72.
    // reply_to is MAKE_SEND_ONCE for the sender, polymorphic for the receiver;
    // data's deallocate bit is chosen at run time (`Dealloc[]`).
    let l = routine(&m, "memory_object_data_supply");
    assert_eq!(l.request.id, 2093);
    assert!(l.simple && l.reply.is_none());
    assert_eq!(sizes(&l), (72, 72, 0, 0));
    let reply_to = l.request.items.iter().find(|i| i.name == "reply_to").unwrap();
    assert_eq!((reply_to.ty.in_name, reply_to.ty.out_name), (MsgName::Fixed(21), MsgName::Poly));
    let data = l.request.items.iter().find(|i| i.name == "data").unwrap();
    assert_eq!(data.dealloc, mig::ast::Dealloc::Runtime);
    assert!(data.ty.long_form && !data.ty.inline);
}

#[test]
fn mach_host_routines() {
    let h = sub("mach/mach_host.defs", Options::kernel_server());
    assert_eq!(routine(&h, "host_get_time").request.id, 2634);
    assert_eq!(routine(&h, "host_reboot").request.id, 2635);
    // host_info 2638: 24 + flavor 8 + CountInOut count 8 = 40; reply up to
    // 32 + 4 + 1024 * 4 = 4132.
    let l = routine(&h, "host_info");
    assert_eq!(l.request.id, 2638);
    assert_eq!(sizes(&l), (40, 40, 36, 4132));
    // kernel_version_t = (STRING, 512*8): long descriptor, 512 bytes.
    let l = routine(&h, "host_kernel_version");
    assert_eq!(sizes(&l), (24, 24, 32 + 12 + 512, 32 + 12 + 512));
}

#[test]
fn notify_routines() {
    let n = sub("mach/notify.defs", Options::user());
    assert_eq!(n.base, 64);
    // mach_notify_port_deleted 65 (one skip at 64), no-senders 70, send-once 71, dead-name 72.
    assert_eq!(routine(&n, "mach_notify_port_deleted").request.id, 65);
    assert_eq!(routine(&n, "mach_notify_no_senders").request.id, 70);
    assert_eq!(routine(&n, "mach_notify_send_once").request.id, 71);
    assert_eq!(routine(&n, "mach_notify_dead_name").request.id, 72);
}

#[test]
fn synthetic_interface() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/synthetic.defs");
    let s = parse_defs(&path, &Options::default()).unwrap();
    assert_eq!((s.name.as_str(), s.base, s.count), ("synth", 5000, 5));
    assert_eq!(s.server_demux.as_deref(), Some("synth_demux"));
    assert_eq!(s.rcsid.as_deref(), Some("synthetic test interface"));
    assert_eq!(s.imports.len(), 3);
    let l = routine(&s, "synth_all");
    // request: 24 + a 8 + b (INTEGER_64: 4 + 8) 12 + d, e (long OOL 12 + 4) 32
    // + g descriptor 4 (+ 0..=64) + h's count 8 + i (c_string[32]: 4 + 32) 36
    // + j descriptor 4 (+ 0..=32) + k (struct[2]: 4 + 8) 12 + l (int32 + int64
    // struct: three INTEGER_32, 4 + 12) 16 + m 8 + o (5000 bytes: number > 4095,
    // long form 12 + 5000) 5012 + p (STRING 512 bits: long 12 + 64) 76 + q 8 + r 8
    // = 5268 ..= 5268 + 64 + 32 = 5364.
    // reply: 32 + b 12 + c (INTEGER_16: 4 + 2 padded to 4) 8 + f 16 + h 4 (+ 0..=64) + n 8
    // = 80 ..= 144.
    assert_eq!(sizes(&l), (5268, 5364, 80, 144));
    assert_eq!(l.request_port.arg, "target");
    assert_eq!(l.reply_port.as_ref().map(|p| p.arg.as_str()), Some("reply"));
    assert_eq!(l.wait_time.as_deref(), Some("timeout"));
    assert_eq!(l.msg_option.as_deref(), Some("opt"));
    assert_eq!(l.msg_seqno.as_deref(), Some("seq"));
    let item = |n: &str| l.request.items.iter().find(|i| i.name == n).unwrap().clone();
    assert_eq!(item("d").dealloc, mig::ast::Dealloc::Runtime);
    assert_eq!(item("e").dealloc, mig::ast::Dealloc::Never);
    assert!(item("o").ty.long_form);
    assert_eq!((item("l").ty.size, item("l").ty.number), (32, 3));
    assert_eq!((item("i").ty.size, item("i").ty.number, item("i").ty.c_string), (8, 32, true));
    assert_eq!((item("r").ty.in_name, item("r").ty.out_name), (MsgName::Fixed(20), MsgName::Fixed(17)));
    assert_eq!(l.args[0].ty.intran.as_deref(), Some("obj_t lookup_obj ( mach_port_t )"));
    // Ids count the skip.
    assert_eq!(routine(&s, "synth_oneway").request.id, 5002);
    assert_eq!(routine(&s, "synth_empty").request.id, 5004);
}
