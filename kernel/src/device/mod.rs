//! The device subsystem's kernel side (GNU Mach's `device/`): the registry
//! of devices by name (`dev_lookup`), their ports, and the `device.defs`
//! routines (`ds_routines`). Devices implement `device::emul::Device`.
//!
//! A device has one port, made at its first open; every open gives the
//! caller another send right to it. When the last send right dies (the
//! client closed it, deallocated it, or died) the kernel gets the port's
//! no-senders notification and closes the device.

pub mod block;
pub mod com;
pub mod ds_routines;
pub mod ether;
pub mod intr;
pub mod net_io;
pub mod ram;
pub mod time;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use ::device::emul::Device;
use mach_ipc::PortId;

use crate::i386::cpu;
use crate::ipc::{with_ipc, KOBJ_DEVICE};

struct Entry {
    name: String,
    dev: Arc<dyn Device>,
    port: Option<PortId>,
    /// `device_open`s not yet matched by a `device_close` (GNU Mach's
    /// `open_count`): the last close closes the device and destroys its port.
    opens: u32,
    /// `DEV_RECORD_BASE`: added to every record number.
    base: u64,
}

static DEVICES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
/// The name `console` stands for.
static CONSOLE: Mutex<String> = Mutex::new(String::new());

/// Registers `dev` under `name` (as users type it: `com0`, `hd0`...).
pub fn register(name: &str, dev: Arc<dyn Device>) {
    cpu::without_interrupts(|| DEVICES.lock().push(Entry { name: name.into(), dev, port: None, opens: 0, base: 0 }));
}

/// Makes `console` an alias of device `name`.
pub fn set_console(name: &str) {
    cpu::without_interrupts(|| *CONSOLE.lock() = name.into());
}

/// The index of the device a user-typed name denotes.
pub fn lookup(name: &str) -> Option<usize> {
    let name = if name == "console" { cpu::without_interrupts(|| CONSOLE.lock().clone()) } else { String::from(name) };
    cpu::without_interrupts(|| DEVICES.lock().iter().position(|e| e.name == name))
}

/// The record base of device `idx` (`DEV_RECORD_BASE`).
pub fn record_base(idx: usize) -> u64 {
    cpu::without_interrupts(|| DEVICES.lock().get(idx).map_or(0, |e| e.base))
}

/// Sets the record base of device `idx`.
pub fn set_record_base(idx: usize, base: u64) {
    cpu::without_interrupts(|| {
        if let Some(e) = DEVICES.lock().get_mut(idx) {
            e.base = base;
        }
    });
}

/// The registered name of device `idx`.
pub fn name_of(idx: usize) -> Option<String> {
    cpu::without_interrupts(|| DEVICES.lock().get(idx).map(|e| e.name.clone()))
}

/// The device at `idx` and whether it is open.
pub fn get(idx: usize) -> Option<(Arc<dyn Device>, bool)> {
    cpu::without_interrupts(|| DEVICES.lock().get(idx).map(|e| (e.dev.clone(), e.opens > 0)))
}

/// Marks device `idx` open and returns its port (made on first use, with a
/// no-senders request that comes back to the port itself).
pub fn opened(idx: usize) -> Option<PortId> {
    let existing = cpu::without_interrupts(|| {
        let mut d = DEVICES.lock();
        let e = d.get_mut(idx)?;
        e.opens = e.opens.saturating_add(1);
        Some(e.port)
    })?;
    if let Some(p) = existing {
        return Some(p);
    }
    let p = with_ipc(|ipc| {
        let p = ipc.alloc_kernel_port(Some((KOBJ_DEVICE, idx as u64)));
        let so = ipc.make_send_once(p).expect("fresh kernel port");
        // mscount is 1 once the caller's send right is made.
        let prev = ipc.port_request_no_senders(p, 1, so).expect("fresh kernel port");
        ipc.release_right(prev);
        p
    });
    cpu::without_interrupts(|| {
        if let Some(e) = DEVICES.lock().get_mut(idx) {
            e.port = Some(p);
        }
    });
    Some(p)
}

/// `device_close`: one open fewer. The last one closes the device and
/// destroys its port, as GNU Mach does: later requests on it fail with
/// `MACH_SEND_INVALID_DEST` and the holders' names become dead names.
/// Whether the device was open.
pub fn close(idx: usize) -> bool {
    let last = cpu::without_interrupts(|| {
        let mut d = DEVICES.lock();
        let e = d.get_mut(idx)?;
        if e.opens == 0 {
            return None;
        }
        e.opens -= 1;
        Some(e.opens == 0)
    });
    match last {
        None => false,
        Some(false) => true,
        Some(true) => {
            shut(idx, true);
            true
        }
    }
}

/// The last send right to device `idx`'s port died: close it, drop the port.
pub fn no_senders(idx: usize) {
    let was_open = cpu::without_interrupts(|| DEVICES.lock().get_mut(idx).is_some_and(|e| core::mem::take(&mut e.opens) > 0));
    if was_open {
        crate::kprintln!("device {}: closed (its last send right went)", name_of(idx).unwrap_or_default());
    }
    shut(idx, was_open);
}

/// Closes device `idx` in its driver (when it was open) and destroys its
/// port (if any).
fn shut(idx: usize, was_open: bool) {
    let Some((dev, port)) = cpu::without_interrupts(|| DEVICES.lock().get_mut(idx).map(|e| (e.dev.clone(), e.port.take()))) else { return };
    if was_open {
        dev.close();
    }
    dev.port_released();
    if let Some(p) = port {
        with_ipc(|ipc| {
            let _ = ipc.destroy_kernel_port(p);
        });
    }
}

/// The event devices raise when they have news for deferred requests.
pub fn io_event() -> usize {
    &DEVICES as *const _ as usize
}

/// Device news so far (see [`io_generation`]).
static IO_GENERATION: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// A count of device news: a request deferred after a change of this count
/// may have missed the news and must be retried.
pub fn io_generation() -> u32 {
    IO_GENERATION.load(core::sync::atomic::Ordering::Acquire)
}

/// Tells the `io_done` thread that a device has news (interrupt-safe).
pub fn io_done() {
    IO_GENERATION.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
    crate::kern::sched_prim::thread_wakeup(io_event());
}

/// The `io_done` thread: runs deferred requests again whenever a device has news.
extern "C" fn io_done_thread(_: usize) {
    use crate::kern::sched_prim as sched;
    loop {
        sched::assert_wait(io_event(), None);
        block::release_finished();
        crate::ipc::server::retry_pending();
        sched::thread_block();
    }
}

/// Registers the native devices and starts the `io_done` thread.
pub fn init(console: kerncore::cmdline::Console, ramdisk_kib: u32) {
    use crate::kern::sched_prim as sched;
    sched::spawn("io_done", io_done_thread, 0, sched::BASEPRI_SYSTEM, sched::Policy::Timeshare).expect("no memory for io_done");
    for unit in 0..4 {
        if let Some(dev) = com::Com::probe(unit) {
            register(&alloc::format!("com{unit}"), dev);
        }
    }
    let name = match console {
        kerncore::cmdline::Console::Com(n) => alloc::format!("com{n}"),
        kerncore::cmdline::Console::Vga => String::from("com0"),
    };
    set_console(&name);
    time::init();
    intr::init();
    ram::init(ramdisk_kib);
    block::init();
    crate::glue::net::init().map(|_| ()).unwrap_or_else(|e| crate::kprintln!("net: linux glue not started: {}", e));
}
