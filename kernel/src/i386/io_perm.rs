//! I/O port permissions (GNU Mach's `io_perm.c`), from `mach_i386.defs`:
//!
//! - `i386_io_perm_create(master, from, to)` on the device master port
//!   makes a port standing for the right to use ports `from..=to`
//!   (`KERN_INVALID_ARGUMENT` on any other port or when `from > to`). A
//!   range that includes the PCI configuration ports 0xcf8..0xcff is given
//!   to one holder at a time (`KERN_PROTECTION_FAILURE` while another
//!   lives), as GNU Mach does. The object goes when its last send right
//!   does.
//! - `i386_io_perm_modify(task, io_perm, enable)` grants (or withdraws)
//!   that range to a task: a per-task I/O permission bitmap, put into the
//!   TSS whenever one of its threads runs. A port not granted makes `in` and
//!   `out` in user mode fault (`EXC_BAD_INSTRUCTION`, general protection),
//!   since user code runs with IOPL 0.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mach_ipc::{PortId, Right};
use spin::Mutex;

use super::cpu;
use super::gdt::{self, IOPB_BYTES};
use crate::ipc::{with_ipc, KOBJ_DEVICE_MASTER, KOBJ_IO_PERM, KOBJ_TASK};
use crate::kern::task::TaskId;
use kerncore::kern_return::*;

/// The PCI configuration mechanism #1 ports.
const PCI_CFG_START: u16 = 0xcf8;
const PCI_CFG_END: u16 = 0xcff;

/// One I/O permission object.
struct IoPerm {
    from: u16,
    to: u16,
    port: PortId,
}

static PERMS: Mutex<BTreeMap<u64, IoPerm>> = Mutex::new(BTreeMap::new());
static NEXT_PERM: AtomicUsize = AtomicUsize::new(1);
/// An object covering the PCI configuration ports exists.
static PCI_CFG_TAKEN: AtomicBool = AtomicBool::new(false);

fn has_pci_cfg(from: u16, to: u16) -> bool {
    from <= PCI_CFG_END && to >= PCI_CFG_START
}

/// A task's bitmap (a set bit denies the port) and how many of its bytes
/// grant anything (GNU Mach's `iopb_size`).
struct Bitmap {
    bits: Box<[u8; IOPB_BYTES]>,
    len: usize,
}

/// Bitmaps of the tasks that were granted ports; a leaf lock (taken with
/// interrupts off, also by the scheduler's switch).
static BITMAPS: Mutex<BTreeMap<TaskId, Bitmap>> = Mutex::new(BTreeMap::new());
/// What the TSS holds: whose bitmap, how many bytes of it.
static LOADED: Mutex<(Option<TaskId>, usize)> = Mutex::new((None, 0));
/// Bitmaps in `BITMAPS`, and bytes of one in the TSS (`LOADED.1`): when
/// both are 0 a switch has nothing to do and takes no lock.
static COUNT: AtomicUsize = AtomicUsize::new(0);
static LOADED_LEN: AtomicUsize = AtomicUsize::new(0);

/// `i386_io_perm_create`, sent to `target`: a send right to a new object
/// for ports `from..=to`.
pub fn create(target: Option<(u32, u64)>, from: u16, to: u16) -> Result<Right, i32> {
    if !matches!(target, Some((KOBJ_DEVICE_MASTER, _))) || from > to {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let pci = has_pci_cfg(from, to);
    if pci && PCI_CFG_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(KERN_PROTECTION_FAILURE);
    }
    let id = NEXT_PERM.fetch_add(1, Ordering::Relaxed) as u64;
    let (port, right) = with_ipc(|ipc| {
        let p = ipc.alloc_kernel_port(Some((KOBJ_IO_PERM, id)));
        let so = ipc.make_send_once(p).expect("fresh kernel port");
        // The caller's send right makes the make-send count 1.
        let prev = ipc.port_request_no_senders(p, 1, so).expect("fresh kernel port");
        ipc.release_right(prev);
        (p, ipc.make_send(p).expect("fresh kernel port"))
    });
    cpu::without_interrupts(|| PERMS.lock().insert(id, IoPerm { from, to, port }));
    Ok(right)
}

/// The last send right to I/O permission object `id` went: it goes too.
pub fn no_senders(id: u64) {
    let Some(p) = cpu::without_interrupts(|| PERMS.lock().remove(&id)) else { return };
    if has_pci_cfg(p.from, p.to) {
        PCI_CFG_TAKEN.store(false, Ordering::SeqCst);
    }
    with_ipc(|ipc| {
        let _ = ipc.destroy_kernel_port(p.port);
    });
}

/// `i386_io_perm_modify`, sent to `target` (a task port) with `perm` (a
/// send right to an I/O permission object).
pub fn modify(target: Option<(u32, u64)>, perm: &Right, enable: bool) -> Result<(), i32> {
    let Some((KOBJ_TASK, task)) = target else { return Err(KERN_INVALID_ARGUMENT) };
    let task = task as TaskId;
    let kobj = perm.port_id().and_then(|p| with_ipc(|ipc| ipc.port_kobject(p)));
    let Some((KOBJ_IO_PERM, id)) = kobj else { return Err(KERN_INVALID_ARGUMENT) };
    let (from, to) = cpu::without_interrupts(|| PERMS.lock().get(&id).map(|p| (p.from, p.to))).ok_or(KERN_INVALID_ARGUMENT)?;
    // Made outside the lock; dropped unused if the task has one.
    let mut fresh = Some(Box::new([0xFFu8; IOPB_BYTES]));
    let unused = cpu::without_interrupts(|| {
        let mut maps = BITMAPS.lock();
        if !maps.contains_key(&task) {
            if !enable {
                return fresh.take();
            }
            maps.insert(task, Bitmap { bits: fresh.take().expect("made above"), len: 0 });
            COUNT.fetch_add(1, Ordering::Relaxed);
        }
        let m = maps.get_mut(&task).expect("inserted above");
        let (f, t) = (usize::from(from), usize::from(to));
        if enable {
            for port in f..=t {
                m.bits[port >> 3] &= !(1 << (port & 7));
            }
            m.len = m.len.max((t >> 3) + 1);
        } else if (f >> 3) < m.len {
            for port in f..=t {
                m.bits[port >> 3] |= 1 << (port & 7);
            }
            while m.len > 0 && m.bits[m.len - 1] == 0xFF {
                m.len -= 1;
            }
        }
        drop(maps);
        // The running task's threads see the change at once.
        if crate::kern::task::current() == Some(task) {
            let mut loaded = LOADED.lock();
            loaded.0 = None;
            drop(loaded);
            load(task);
        }
        fresh.take()
    });
    drop(unused);
    Ok(())
}

/// Puts task `task`'s bitmap into the TSS unless it is there already.
/// Interrupts are off.
fn load(task: TaskId) {
    // Called from the scheduler's switch too: never wait on these locks
    // (their holders run with interrupts off on the one CPU).
    let (Some(mut loaded), Some(maps)) = (LOADED.try_lock(), BITMAPS.try_lock()) else { return };
    if loaded.0 == Some(task) {
        return;
    }
    let (bytes, len): (&[u8], usize) = match maps.get(&task) {
        Some(m) => (&m.bits[..m.len], m.len),
        None => (&[], 0),
    };
    gdt::load_iopb(bytes, loaded.1);
    *loaded = (Some(task), len);
    LOADED_LEN.store(len, Ordering::Relaxed);
}

/// The I/O half of a switch to a thread of user task `task` (GNU Mach's
/// `update_ktss_iopb`). Interrupts are off.
pub fn switch_to(task: TaskId) {
    if COUNT.load(Ordering::Relaxed) == 0 && LOADED_LEN.load(Ordering::Relaxed) == 0 {
        return;
    }
    load(task);
}

/// Forgets the bitmap of a task that has ended.
pub fn task_gone(task: TaskId) {
    let gone = cpu::without_interrupts(|| {
        let g = BITMAPS.lock().remove(&task);
        if g.is_some() {
            COUNT.fetch_sub(1, Ordering::Relaxed);
        }
        g
    });
    drop(gone);
}

/// The first bytes of task `task`'s bitmap (all ones where it has none),
/// for `i386_ISA_PORT_MAP_STATE`.
pub fn read_bitmap(task: TaskId, out: &mut [u8]) {
    cpu::without_interrupts(|| match BITMAPS.lock().get(&task) {
        Some(m) => out.copy_from_slice(&m.bits[..out.len()]),
        None => out.fill(0xFF),
    });
}
