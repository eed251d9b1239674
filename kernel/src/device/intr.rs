//! The `irq` device: interrupts for user-level drivers, as GNU Mach has
//! them. `device_intr_register(irq, line, 0, port)` asks for a
//! `device_intr_notification_t` message (id `DEVICE_INTR_NOTIFY`, 100,
//! carrying the line) on `port` at every interrupt of `line`; the line
//! stays masked from then until `device_intr_ack(irq, port)`. Lines may be
//! shared with the kernel's own drivers, whose handlers run first. A
//! registration whose port died goes at the next interrupt.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};

use ::device::codes::DeviceError;
use ::device::emul::Device;
use mach_ipc::Right;
use spin::Mutex;

use crate::i386::{cpu, pic};
use crate::ipc::with_ipc;
use crate::kern::sched_prim as sched;

/// Interrupt lines of the two 8259s.
pub const NINTR: u32 = 16;
/// `DEVICE_INTR_NOTIFY` (`device/notify.h`).
const DEVICE_INTR_NOTIFY: u32 = 100;

struct Reg {
    line: u8,
    /// The send right the registration keeps.
    port: Right,
    /// Notifications sent and not yet acknowledged.
    unacked: u32,
}

static REGS: Mutex<Vec<Reg>> = Mutex::new(Vec::new());
/// Lines with registrations (read in interrupt context).
static USER_LINES: AtomicU16 = AtomicU16::new(0);
/// Lines masked for their users until the acknowledgement (read by the
/// Linux glue, whose `enable_irq` must not let such a line through).
static HELD: AtomicU16 = AtomicU16::new(0);
/// Interrupts taken and not yet delivered, per line.
static PENDING: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
static EVENT: u8 = 0;

fn event() -> usize {
    &EVENT as *const u8 as usize
}

/// Called by `pic::dispatch` after the kernel's handler: a line users
/// listen to is masked until they acknowledge, and the delivery thread is
/// woken.
pub fn interrupt(irq: u8) {
    if USER_LINES.load(Ordering::Relaxed) & (1 << irq) == 0 {
        return;
    }
    PENDING[usize::from(irq)].fetch_add(1, Ordering::Relaxed);
    HELD.fetch_or(1 << irq, Ordering::Relaxed);
    pic::mask(irq);
    sched::thread_wakeup(event());
}

/// Whether `irq` is masked until a user-level driver acknowledges it.
/// Any context.
pub fn held(irq: u8) -> bool {
    irq < 16 && HELD.load(Ordering::Relaxed) & (1 << irq) != 0
}

/// Lets `line` through again: nothing on it waits for an acknowledgement.
fn release(line: u8) {
    HELD.fetch_and(!(1 << line), Ordering::Relaxed);
    pic::unmask(line);
}

struct Irq;

impl Device for Irq {
    fn open(&self, _mode: u32) -> Result<(), DeviceError> {
        Ok(())
    }

    fn close(&self) {}

    fn read(&self, _mode: u32, _recnum: u64, _bytes: u32) -> Result<Vec<u8>, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn write(&self, _mode: u32, _recnum: u64, _data: &[u8]) -> Result<u32, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn get_status(&self, _flavor: u32, _max: u32) -> Result<Vec<u32>, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn set_status(&self, _flavor: u32, _status: &[u32]) -> Result<(), DeviceError> {
        Err(DeviceError::InvalidOperation)
    }
}

/// Registers the `irq` device and starts the delivery thread.
pub fn init() {
    super::register("irq", Arc::new(Irq));
    sched::spawn("intr", delivery_thread, 0, sched::BASEPRI_SYSTEM, sched::Policy::Timeshare).expect("no memory for the intr thread");
}

/// `device_intr_register`: `port` (a send right, kept) gets line `id`.
///
/// # Errors
/// `InvalidOperation` for flags, a line out of range or the cascade line 2.
pub fn register(id: u32, flags: u32, port: Right) -> Result<(), (DeviceError, Right)> {
    if flags != 0 || id >= NINTR || id == 2 || port.is_null() || port.is_dead() {
        return Err((DeviceError::InvalidOperation, port));
    }
    let line = id as u8;
    cpu::without_interrupts(|| {
        REGS.lock().push(Reg { line, port, unacked: 0 });
        USER_LINES.fetch_or(1 << line, Ordering::Relaxed);
    });
    pic::unmask(line);
    Ok(())
}

/// `device_intr_ack`: one notification on `port` is handled; the line is
/// let through again when none on it is outstanding.
///
/// # Errors
/// `InvalidOperation` when `port` has no registration with a notification
/// outstanding.
pub fn ack(port: &Right) -> Result<(), DeviceError> {
    let p = port.port_id().ok_or(DeviceError::InvalidOperation)?;
    let line = cpu::without_interrupts(|| {
        let mut regs = REGS.lock();
        let r = regs.iter_mut().find(|r| r.port.port_id() == Some(p) && r.unacked > 0)?;
        r.unacked -= 1;
        let line = r.line;
        Some((line, regs.iter().all(|r| r.line != line || r.unacked == 0)))
    });
    match line {
        Some((line, true)) => {
            release(line);
            Ok(())
        }
        Some((_, false)) => Ok(()),
        None => Err(DeviceError::InvalidOperation),
    }
}

/// One `device_intr_notification_t` for `line` to `dest` (consumed).
fn notify(dest: Right, line: u8) -> bool {
    let mut msg = Vec::with_capacity(32);
    // Header (bits and ports are the kernel's to fill), then an inline
    // MACH_MSG_TYPE_INTEGER_32 descriptor and the line.
    for w in [0u32, 32, 0, 0, 0, DEVICE_INTR_NOTIFY, 2 | (32 << 8) | (1 << 16) | (1 << 28), u32::from(line)] {
        msg.extend_from_slice(&w.to_le_bytes());
    }
    with_ipc(|ipc| match ipc.kernel_message(dest, &msg, vec![], vec![]) {
        Ok(m) => {
            ipc.send_always(m);
            true
        }
        Err(_) => false,
    })
}

extern "C" fn delivery_thread(_: usize) {
    loop {
        // Also once a second: a registration whose port died while its line
        // was masked must not keep the line masked.
        sched::assert_wait(event(), Some(u64::from(crate::i386::clock::HZ)));
        let lines = USER_LINES.load(Ordering::Relaxed);
        for line in 0..16u8 {
            let n = PENDING[usize::from(line)].swap(0, Ordering::Relaxed);
            if n > 0 || lines & (1 << line) != 0 {
                deliver(line, n);
            }
        }
        sched::thread_block();
    }
}

/// Sends `n` notifications of `line` to each live registration; drops the
/// dead ones, and unmasks the line if nobody is left to acknowledge.
fn deliver(line: u8, n: u32) {
    let targets: Vec<(usize, Option<mach_ipc::PortId>)> =
        cpu::without_interrupts(|| REGS.lock().iter().enumerate().filter(|(_, r)| r.line == line).map(|(i, r)| (i, r.port.port_id())).collect());
    let mut dead = Vec::new();
    for (i, p) in targets {
        let alive = p.is_some_and(|p| with_ipc(|ipc| ipc.port_alive(p)));
        if !alive {
            dead.push(p);
            continue;
        }
        for _ in 0..n {
            let Some(dest) = p.and_then(crate::ipc::make_send_port) else { break };
            if notify(dest, line) {
                cpu::without_interrupts(|| {
                    if let Some(r) = REGS.lock().get_mut(i) {
                        r.unacked += 1;
                    }
                });
            }
        }
    }
    let (gone, idle) = cpu::without_interrupts(|| {
        let mut regs = REGS.lock();
        let mut gone = Vec::new();
        let mut k = 0;
        while k < regs.len() {
            if regs[k].line == line && dead.contains(&regs[k].port.port_id()) {
                gone.push(regs.remove(k).port);
            } else {
                k += 1;
            }
        }
        if !regs.iter().any(|r| r.line == line) {
            USER_LINES.fetch_and(!(1 << line), Ordering::Relaxed);
        }
        (gone, regs.iter().all(|r| r.line != line || r.unacked == 0))
    });
    with_ipc(|ipc| gone.into_iter().for_each(|r| ipc.release_right(r)));
    if idle && n > 0 || !dead.is_empty() && idle {
        release(line);
    }
}
