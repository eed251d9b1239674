//! `irq_test`: interrupts for a user-level driver through the `irq`
//! device. It registers for IRQ 14 (the first IDE channel, shared with the
//! kernel's disk driver), reads a record of `hd0` through the kernel, and
//! gets `DEVICE_INTR_NOTIFY` messages naming line 14; it acknowledges each
//! (`device_intr_ack`), after which the line interrupts again. Bad
//! registrations (another device, a line out of range, flags) and an ack
//! with nothing outstanding answer `D_INVALID_OPERATION`.
//!
//! Then it holds an interrupt unacknowledged: the line stays masked, so the
//! kernel's IDE driver never hears from the drive. Its next read must end
//! with `D_IO_ERROR` after the driver's timeouts, retries and resets, not
//! hang; when the user driver's port goes, so does its registration, and
//! the disk works again.
//!
//! Boot-script line: `/irq_test ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "irq_test";
const DEVICE_INTR_NOTIFY: u32 = 100;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// Waits up to 2 s for a notification on `port`; returns the line.
fn notification(port: u32) -> Option<u32> {
    let mut buf = [0u32; 16];
    // SAFETY: a 64-byte buffer.
    let r = unsafe { mach_msg_trap(buf.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 2000, 0) };
    (r == 0 && buf[5] == DEVICE_INTR_NOTIFY && buf[1] == 32).then_some(buf[7])
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let irq = ds::device_open(&mut m, master, D_READ, &mach_user::device_name("irq")).map_err(|_| "open irq")?.device;
    let hd = ds::device_open(&mut m, master, D_READ, &mach_user::device_name("hd0")).map_err(|_| "open hd0")?.device;
    let port = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, port, rt::PolyPort { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;

    let reg = |m: &mut Mach, dev: u32, line: u32, flags: u32| ds::device_intr_register(m, dev, line, flags, send(port));
    expect(reg(&mut m, hd, 14, 0).err() == Some(D_INVALID_OPERATION), "registered on a disk")?;
    expect(reg(&mut m, irq, 16, 0).err() == Some(D_INVALID_OPERATION), "line 16 accepted")?;
    expect(reg(&mut m, irq, 14, 1).err() == Some(D_INVALID_OPERATION), "flags accepted")?;
    expect(ds::device_intr_ack(&mut m, irq, send(port)).err() == Some(D_INVALID_OPERATION), "ack without a registration")?;
    reg(&mut m, irq, 14, 0).map_err(|_| "device_intr_register")?;
    expect(ds::device_intr_ack(&mut m, irq, send(port)).err() == Some(D_INVALID_OPERATION), "ack with nothing outstanding")?;

    for round in 1..=3 {
        let r = ds::device_read(&mut m, hd, 0, round, 512).map_err(|_| "device_read hd0")?;
        expect(r.data.count == 512, "short disk read")?;
        mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate")?;
        let line = notification(port).ok_or("no interrupt notification")?;
        expect(line == 14, "notification for another line")?;
        // Until the ack the line is masked: drain what came meanwhile.
        let mut extra = 0;
        while notification_now(port) {
            extra += 1;
        }
        for _ in 0..=extra {
            ds::device_intr_ack(&mut m, irq, send(port)).map_err(|_| "device_intr_ack")?;
        }
        uprintln!("{}: round {}: IRQ {} notified and acknowledged", NAME, round, line);
    }
    expect(ds::device_intr_ack(&mut m, irq, send(port)).err() == Some(D_INVALID_OPERATION), "extra ack accepted")?;

    // A lost interrupt: notified, not acknowledged, so IRQ 14 stays masked.
    let r = ds::device_read(&mut m, hd, 0, 4, 512).map_err(|_| "device_read hd0")?;
    mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate")?;
    expect(notification(port) == Some(14), "no notification before the lost-interrupt read")?;
    uprintln!("{}: IRQ 14 held masked; reading hd0 without interrupts", NAME);
    expect(ds::device_read(&mut m, hd, 0, 5, 512).err() == Some(D_IO_ERROR), "a read without interrupts did not fail with D_IO_ERROR")?;
    uprintln!("{}: the read timed out with D_IO_ERROR", NAME);
    // The user driver goes away without acknowledging: its registration
    // goes with its port, the line is let through, the disk works again.
    mach_port::mach_port_destroy(&mut m, task, port).map_err(|_| "destroy")?;
    let r = ds::device_read(&mut m, hd, 0, 6, 512).map_err(|_| "device_read after the driver went")?;
    expect(r.data.count == 512, "short read after the driver went")?;
    mach::vm_deallocate(&mut m, task, r.data.addr, r.data.count).map_err(|_| "vm_deallocate")?;
    uprintln!("{}: the disk works again after the driver went", NAME);
    Ok(())
}

/// A send right made from our receive right, for the call.
fn send(port: u32) -> rt::PolyPort {
    rt::PolyPort { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND }
}

/// Whether a notification is already queued.
fn notification_now(port: u32) -> bool {
    let mut buf = [0u32; 16];
    // SAFETY: a 64-byte buffer.
    let r = unsafe { mach_msg_trap(buf.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 0, 0) };
    r == 0 && buf[5] == DEVICE_INTR_NOTIFY
}

entry!(main);
