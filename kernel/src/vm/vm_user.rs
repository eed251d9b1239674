//! VM routines of GNU Mach's 2026 `gnumach.defs` that act on a task's map:
//! `vm_pages_phys`, `vm_set_size_limit`, `vm_get_size_limit`. The request
//! decoding is the MIG server's (`ipc::server`); the rules are GNU Mach's.

use alloc::vec::Vec;

use kerncore::kern_return::*;
use kerncore::vm_entries::PAGE_SIZE;

use crate::kern::task::{self, TaskId};

/// `vm_pages_phys`: the physical address of each page of
/// `[addr, addr + size)` in task `t` (64-bit each, 0 where no page is
/// resident), as little-endian bytes for the reply.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an address or size that is not page-aligned,
/// `KERN_INVALID_TASK` for a task gone, `KERN_RESOURCE_SHORTAGE` when the
/// answer cannot be allocated.
pub fn pages_phys(t: TaskId, addr: u32, size: u32) -> Result<Vec<u8>, KernReturn> {
    if addr % PAGE_SIZE != 0 || size % PAGE_SIZE != 0 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let count = (size / PAGE_SIZE) as usize;
    let mut out = Vec::new();
    out.try_reserve_exact(count * 8).map_err(|_| KERN_RESOURCE_SHORTAGE)?;
    task::with_task(t, |tk| {
        for i in 0..count {
            let va = addr.wrapping_add((i as u32) * PAGE_SIZE);
            let pa = tk.map.phys_page(va).map_or(0u64, u64::from);
            out.extend_from_slice(&pa.to_le_bytes());
        }
    })
    .ok_or(KERN_INVALID_TASK)?;
    Ok(out)
}

/// `vm_set_size_limit` on task `t`'s map; `privileged` when the request
/// came on the privileged host port (only that port may raise the maximum).
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` when `current` exceeds `max`, `KERN_INVALID_TASK`
/// for a task gone, `KERN_NO_ACCESS` for an unprivileged raise.
pub fn set_size_limit(t: TaskId, current: u32, max: u32, privileged: bool) -> Result<(), KernReturn> {
    if current > max {
        return Err(KERN_INVALID_ARGUMENT);
    }
    task::with_task(t, |tk| tk.map.set_size_limit(current, max, privileged)).ok_or(KERN_INVALID_TASK)?
}

/// `vm_get_size_limit`: task `t`'s (current, maximum) limits.
///
/// # Errors
/// `KERN_INVALID_TASK` for a task gone.
pub fn size_limit(t: TaskId) -> Result<(u32, u32), KernReturn> {
    task::with_task(t, |tk| tk.map.size_limit()).ok_or(KERN_INVALID_TASK)
}
