//! `media_change`: a removable medium (floppy, CD-ROM) changed under an
//! open device, as GNU Mach's Linux glue reports it. argv[1] is the device
//! master port, argv[2] the drive's name (`fd0`, `wcd2`).
//!
//! The steps, each logged for the host to check against its images:
//! open, DEV_GET_SIZE, record 0's first bytes; then `media_change: change
//! the medium now` (the harness's cue for QEMU's monitor `change`); reads of
//! record 0 and a middle record in turn until one fails (GNU Mach: the driver fails the first request
//! after a change, D_IO_ERROR), at most about 20 s; then a new device_open
//! (the driver's open sees the change and reads the new medium), its
//! DEV_GET_SIZE and record 0 again; then `media_change: take the medium out
//! now` (the cue for `eject`): reads until one fails, and an open that
//! fails (GNU Mach: the driver's open answers ENXIO, D_NO_SUCH_DEVICE).
//!
//! Boot-script line: `/media_change ${device-port} fd0 $(task-create) $(task-resume)`.
//! Last line: `user-test: media_change ok` or `user-test: media_change FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::abi::{DEV_GET_SIZE, D_READ, MACH_PORT_RIGHT_RECEIVE};
use mach_user::message::{MACH_RCV_MSG, MACH_RCV_TIMEOUT};
use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprint, uprintln, Args};

const NAME: &str = "media_change";

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// DEV_GET_SIZE: (bytes, record size).
fn size(m: &mut Mach, dev: u32) -> Result<(u32, u32), &'static str> {
    let s = ds::device_get_status(m, dev, DEV_GET_SIZE, 2).map_err(|_| "DEV_GET_SIZE")?;
    expect(s.status_cnt == 2 && s.status[1] != 0, "DEV_GET_SIZE's answer")?;
    Ok((s.status[0], s.status[1]))
}

/// Reads record 0 (`record` bytes) and logs its first 16 bytes under `what`.
fn show_record0(m: &mut Mach, task: u32, dev: u32, record: u32, what: &str) -> Result<(), &'static str> {
    let r = ds::device_read(m, dev, 0, 0, record).map_err(|_| "device_read of record 0")?;
    let n = r.data.count as usize;
    expect(n == record as usize, "a short read of record 0")?;
    // SAFETY: the kernel mapped `n` bytes of out-of-line data at `addr`.
    let data = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, n) };
    uprint!("{}: {} record 0:", NAME, what);
    for b in &data[..16] {
        uprint!(" {:02x}", b);
    }
    uprintln!("");
    let _ = mach::vm_deallocate(m, task, r.data.addr, n as u32);
    Ok(())
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let name = args.arg_str(2).ok_or("argv[2]: the drive's name")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let dname = mach_user::device_name(name);

    let dev = ds::device_open(&mut m, master, D_READ, &dname).map_err(|_| "first open")?.device;
    let (bytes, record) = size(&mut m, dev)?;
    uprintln!("{}: {} opened: {} bytes in records of {}", NAME, name, bytes, record);
    show_record0(&mut m, task, dev, record, "first medium")?;
    uprintln!("{}: change the medium now", NAME);

    let code = read_until_failure(&mut m, task, dev, bytes, record).ok_or("no read failed after the change")?;
    uprintln!("{}: read after the change failed: {}", NAME, code);
    let _ = ds::device_close(&mut m, dev);

    // A new open sees the new medium.
    let dev = ds::device_open(&mut m, master, D_READ, &dname).map_err(|_| "open after the change")?.device;
    let (bytes, record) = size(&mut m, dev)?;
    uprintln!("{}: {} reopened: {} bytes in records of {}", NAME, name, bytes, record);
    show_record0(&mut m, task, dev, record, "second medium")?;

    // Taken out: reads fail, and an open finds no medium.
    uprintln!("{}: take the medium out now", NAME);
    let code = read_until_failure(&mut m, task, dev, bytes, record).ok_or("no read failed after the eject")?;
    uprintln!("{}: read after the eject failed: {}", NAME, code);
    let _ = ds::device_close(&mut m, dev);
    let code = ds::device_open(&mut m, master, D_READ, &dname).err().ok_or("an open with no medium worked")?;
    uprintln!("{}: open with no medium failed: {}", NAME, code);
    Ok(())
}

/// Reads record 0 and one from the middle in turn (a driver's own read
/// buffer, as Linux 2.0's ide-cd keeps, cannot answer both), 100 ms apart,
/// until one fails (its code), for about 20 s at most.
fn read_until_failure(m: &mut Mach, task: u32, dev: u32, bytes: u32, record: u32) -> Option<i32> {
    let sleeper = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).ok()?.name;
    let mut buf = rt::MsgBuf::<64>::new();
    let mut failed = None;
    let middle = bytes / record / 2;
    for i in 0..200u32 {
        match ds::device_read(m, dev, 0, if i % 2 == 0 { 0 } else { middle }, record) {
            Ok(r) => {
                let _ = mach::vm_deallocate(m, task, r.data.addr, r.data.count);
            }
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
        // SAFETY: a 64-byte buffer; nothing is ever sent to `sleeper`: a 100 ms wait.
        unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, sleeper, 100, 0) };
    }
    let _ = mach_port::mach_port_destroy(m, task, sleeper);
    failed
}

entry!(main);
