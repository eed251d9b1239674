//! The `time` device: one page holding GNU Mach's `mapped_time_value`
//! (seconds, microseconds, check_seconds), updated at every clock tick, for
//! tasks to map read-only through `device_map` and `vm_map`. The writer
//! stores `check_seconds`, then `microseconds`, then `seconds`; a reader
//! reads them in the other order and retries while `seconds` and
//! `check_seconds` differ.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use ::device::codes::DeviceError;
use ::device::emul::Device;
use kerncore::vm_entries::{PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ};

use crate::vm::pmap::phys_to_virt;
use crate::vm::vm_page::{self, Zone};

/// Physical address of the time page (0 until `init`).
static PAGE: AtomicU32 = AtomicU32::new(0);

struct Time;

impl Device for Time {
    fn open(&self, _mode: u32) -> Result<(), DeviceError> {
        Ok(())
    }

    fn close(&self) {}

    fn read(&self, _mode: u32, _recnum: u64, _bytes: u32) -> Result<alloc::vec::Vec<u8>, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn write(&self, _mode: u32, _recnum: u64, _data: &[u8]) -> Result<u32, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn get_status(&self, _flavor: u32, _max: u32) -> Result<alloc::vec::Vec<u32>, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn set_status(&self, _flavor: u32, _status: &[u32]) -> Result<(), DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn map(&self, _prot: u32) -> Result<(u32, u32, bool), DeviceError> {
        match PAGE.load(Ordering::Relaxed) {
            0 => Err(DeviceError::NoMemory),
            pa => Ok((pa, PAGE_SIZE, false)),
        }
    }
}

/// Allocates the time page and registers the device.
pub fn init() {
    let Some(pa) = vm_page::alloc_page(Zone::Any) else {
        crate::kprintln!("time: no page for the mapped time");
        return;
    };
    // SAFETY: a fresh page in the linear map, kept for the kernel's life.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
    PAGE.store(pa, Ordering::Relaxed);
    tick();
    // Its memory object (and port) exists from the start, like the device.
    let rights = crate::vm::vm_object::physical_object(pa, PAGE_SIZE, VM_PROT_READ | VM_PROT_EXECUTE);
    crate::ipc::with_ipc(|ipc| rights.into_iter().for_each(|r| ipc.release_right(r)));
    super::register("time", Arc::new(Time));
}

/// Publishes the time of day (called at every clock tick).
pub fn tick() {
    let pa = PAGE.load(Ordering::Relaxed);
    if pa == 0 {
        return;
    }
    // The host's time: what host_set_time and host_adjust_time made of it.
    let [s, us] = crate::kern::host::time();
    let words = phys_to_virt(pa) as *mut u32;
    // SAFETY: the time page is the kernel's, in the linear map; volatile
    // stores in this order are what lock-free readers rely on.
    unsafe {
        words.add(2).write_volatile(s as u32);
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        words.add(1).write_volatile(us);
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        words.write_volatile(s as u32);
    }
}
