//! The `vm_*` routines of `mach.defs`, `mach_host.defs` and `gnumach.defs`
//! (GNU Mach's `vm/vm_user.c`): they act on the target task's map.
//! `ipc::server` decodes the request and calls these.

use alloc::vec::Vec;


use crate::ipc::server::Ctx;
use crate::kern::mig::{gnumach, mach, mach_host};
use crate::kern::task::{self, TaskId};
use crate::vm::vm_object;
use kerncore::kern_return::*;

pub(crate) fn vm_allocate(ctx: &mut Ctx, req: mach::VmAllocateRequest) -> Result<mach::VmAllocateReply, i32> {
    let t = ctx.task()?;
    let at = task::with_task(t, |tk| tk.map.allocate(req.address, req.size, req.anywhere != 0)).ok_or(KERN_INVALID_TASK)??;
    Ok(mach::VmAllocateReply { address: at })
}

/// `vm_map`: anonymous memory (null object) or a memory object: a pager's
/// port (the kernel makes the object and sends `memory_object_init` at
/// its first mapping) or a kernel one from `device_map`.
pub(crate) fn vm_map(ctx: &mut Ctx, req: mach::VmMapRequest) -> Result<mach::VmMapReply, i32> {
    let t = ctx.task()?;
    let right = ctx.take(req.memory_object)?;
    let r = vm_object::MapRequest {
        address: req.address,
        size: req.size,
        mask: req.mask,
        anywhere: req.anywhere != 0,
        offset: req.offset,
        copy: req.copy != 0,
        cur_protection: req.cur_protection,
        max_protection: req.max_protection,
        inheritance: req.inheritance,
    };
    Ok(mach::VmMapReply { address: vm_object::map(t, right, &r)? })
}

/// Sets the default memory manager (host_priv only); a null port only
/// asks for the current one.
pub(crate) fn vm_set_default_memory_manager(ctx: &mut Ctx, req: mach::VmSetDefaultMemoryManagerRequest) -> Result<mach::VmSetDefaultMemoryManagerReply, i32> {
    ctx.host_priv()?;
    let new = ctx.take(req.default_manager)?;
    let old = vm_object::set_default_pager(new, task::current());
    Ok(mach::VmSetDefaultMemoryManagerReply { default_manager: ctx.give(old) })
}

pub(crate) fn vm_deallocate(ctx: &mut Ctx, req: mach::VmDeallocateRequest) -> Result<(), i32> {
    let t = ctx.task()?;
    task::with_task(t, |tk| tk.map.deallocate(req.address, req.size)).ok_or(KERN_INVALID_TASK)?
}

pub(crate) fn vm_protect(ctx: &mut Ctx, req: mach::VmProtectRequest) -> Result<(), i32> {
    let t = ctx.task()?;
    task::with_task(t, |tk| tk.map.protect(req.address, req.size, req.set_maximum != 0, req.new_protection)).ok_or(KERN_INVALID_TASK)?
}

pub(crate) fn vm_inherit(ctx: &mut Ctx, req: mach::VmInheritRequest) -> Result<(), i32> {
    let t = ctx.task()?;
    task::with_task(t, |tk| tk.map.inherit(req.address, req.size, req.new_inheritance)).ok_or(KERN_INVALID_TASK)?
}

/// From two pages up the reply carries the task's pages, copy-on-write
/// (as an out-of-line send does), so its size is bounded by the address
/// space, not by a kernel buffer; memory-object mappings, and pages on
/// their way back from the default pager, are copied.
pub(crate) fn vm_read(ctx: &mut Ctx, req: mach::VmReadRequest) -> Result<mach::VmReadReply, i32> {
    let t = ctx.task()?;
    if req.size >= crate::vm::vm_map::OOL_COW_MIN {
        let (r, wait) = task::with_task(t, |tk| (tk.map.copy_out_of(req.address, req.size), tk.map.machine_mut().wait.take())).ok_or(KERN_INVALID_ARGUMENT)?;
        match r {
            Ok(Some(segs)) => {
                let copy = crate::vm::vm_map::ObjectCopy::new(segs, req.address & 0xFFF, req.size);
                return Ok(mach::VmReadReply { data: ctx.give_ool_pages(alloc::boxed::Box::new(copy)) });
            }
            Ok(None) => {}
            Err(kerncore::vm_map::KERN_FAULT_RETRY) => wait.into_iter().for_each(vm_object::cancel),
            Err(e) => return Err(e),
        }
    }
    let data = task::with_map(t, |m| m.read_kernel(req.address, req.size))?;
    Ok(mach::VmReadReply { data: ctx.give_ool(data, 1) })
}

/// `vm_write`: the destination must be page-aligned (GNU Mach's
/// `vm_map_copy_overwrite` refuses anything else with
/// `KERN_INVALID_ARGUMENT`).
pub(crate) fn vm_write(ctx: &mut Ctx, req: mach::VmWriteRequest) -> Result<(), i32> {
    let t = ctx.task()?;
    let data = ctx.take_ool(req.data.addr)?;
    if req.address % kerncore::vm_entries::PAGE_SIZE != 0 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let n = (req.data.count as usize).min(data.len());
    task::with_map(t, |map| -> Result<(), i32> {
        writable(map, req.address, n as u32)?;
        map.write_kernel(req.address, &data[..n])
    })
}

pub(crate) fn vm_copy(ctx: &mut Ctx, req: mach::VmCopyRequest) -> Result<(), i32> {
    let t = ctx.task()?;
    task::with_map(t, |map| -> Result<(), i32> {
        let data = map.read_kernel(req.source_address, req.size)?;
        writable(map, req.dest_address, req.size)?;
        map.write_kernel(req.dest_address, &data)
    })
}

pub(crate) fn vm_statistics(ctx: &mut Ctx, _: mach::VmStatisticsRequest) -> Result<mach::VmStatisticsReply, i32> {
    ctx.task()?;
    let (_, free) = crate::vm::vm_page::free_counts();
    let s = &crate::vm::vm_map::STATS;
    let f = s.faults.load(core::sync::atomic::Ordering::Relaxed);
    let z = s.zero_fills.load(core::sync::atomic::Ordering::Relaxed);
    let c = s.cow_faults.load(core::sync::atomic::Ordering::Relaxed);
    let pageouts = crate::vm::pageout::PAGEOUTS.load(core::sync::atomic::Ordering::Relaxed) as u32;
    let pageins = s.pageins.load(core::sync::atomic::Ordering::Relaxed);
    Ok(mach::VmStatisticsReply { vm_stats: [4096, free as u32, 0, 0, 0, z, 0, pageins, pageouts, f, c, 0, 0] })
}

pub(crate) fn vm_machine_attribute(ctx: &mut Ctx, _: mach::VmMachineAttributeRequest) -> Result<mach::VmMachineAttributeReply, i32> {
    ctx.task()?;
    Err(KERN_INVALID_ARGUMENT)
}

pub(crate) fn vm_region(ctx: &mut Ctx, req: mach::VmRegionRequest) -> Result<mach::VmRegionReply, i32> {
    let t = ctx.task()?;
    let e = task::with_task(t, |tk| tk.map.region(req.address)).ok_or(KERN_INVALID_TASK)?.ok_or(KERN_NO_SPACE)?;
    Ok(mach::VmRegionReply {
        address: e.start,
        size: e.end - e.start,
        protection: e.attrs.prot,
        max_protection: e.attrs.max_prot,
        inheritance: e.attrs.inheritance,
        // Memory of an object mapped without copy is shared with whoever
        // else maps it; the offset is the object's at `address`.
        is_shared: u32::from(e.attrs.object != 0 && !e.attrs.copy),
        object_name: 0,
        offset: if e.attrs.object != 0 { e.attrs.offset(e.start) } else { 0 },
    })
}

/// `vm_wire`: the range is made resident and never paged out (or, with
/// `VM_PROT_NONE`, pageable again). Host or host_priv port, as GNU Mach;
/// through the ordinary host port a task may wire at most 8 MiB in all
/// (`KERN_NO_ACCESS` past it, GNU Mach's limit).
pub(crate) fn vm_wire(ctx: &mut Ctx, req: mach_host::VmWireRequest) -> Result<(), i32> {
    ctx.host().map_err(|_| KERN_INVALID_HOST)?;
    let privileged = ctx.host_priv().is_ok();
    let t = ctx.task_of_handle(req.task).map_err(|_| KERN_INVALID_TASK)?;
    if req.access & !kerncore::vm_entries::VM_PROT_ALL != 0 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    task::with_map(t, |m| {
        if !privileged && req.access != 0 && m.wired_bytes() + u64::from(req.size) > UNPRIVILEGED_WIRE_LIMIT {
            return Err(KERN_NO_ACCESS);
        }
        m.wire(req.address, req.size, req.access)
    })
}

/// `vm_wire_all`: wires every mapping of the task now
/// (`VM_WIRE_CURRENT`) and anonymous memory allocated later
/// (`VM_WIRE_FUTURE`); `VM_WIRE_NONE` unwires it all.
/// Privileged host port only (`KERN_INVALID_HOST`), as GNU Mach.
pub(crate) fn vm_wire_all(ctx: &mut Ctx, req: gnumach::VmWireAllRequest) -> Result<(), i32> {
    ctx.host_priv()?;
    let t = ctx.task_of_handle(req.task).map_err(|_| KERN_INVALID_TASK)?;
    if req.flags & !3 != 0 {
        return Err(KERN_INVALID_ARGUMENT);
    }
    task::with_map(t, |m| m.wire_all(req.flags & 1 != 0, req.flags & 2 != 0))
}

/// `vm_cache_statistics`: memory objects and their resident pages
/// (the cache), anonymous pages of task maps (temporary), object pages
/// (permanent), pages of the kernel heap (slab); this kernel keeps no
/// active/inactive split (all count as active) and no laundry queue.
pub(crate) fn vm_cache_statistics(ctx: &mut Ctx, _: gnumach::VmCacheStatisticsRequest) -> Result<gnumach::VmCacheStatisticsReply, i32> {
    ctx.task().map_err(|_| KERN_INVALID_TASK)?;
    let (objects, object_pages) = crate::vm::vm_object::counts();
    let (anon, _) = crate::vm::vm_map::page_counts();
    let (_, heap_pages) = crate::vm::kalloc::stats();
    let s = [objects, object_pages, anon, 0, object_pages, 0, 0, 0, 0, heap_pages, 0];
    Ok(gnumach::VmCacheStatisticsReply { vm_cache_stats: s.map(|v| v as u32) })
}

/// `vm_object_sync` on a memory object's name port (what `vm_region`
/// gives): its pages in the range go back to the pager, and with
/// `should_flush` leave memory.
pub(crate) fn vm_object_sync(ctx: &mut Ctx, req: gnumach::VmObjectSyncRequest) -> Result<(), i32> {
    let Some((crate::ipc::KOBJ_PAGER_NAME, obj)) = ctx.target else { return Err(KERN_INVALID_ARGUMENT) };
    let (start, end) = kerncore::vm_entries::page_range(req.offset, req.size).ok_or(KERN_INVALID_ARGUMENT)?;
    vm_object::sync(obj as u32, start, end - start, req.should_return != 0, req.should_flush != 0)
}

/// `vm_msync`: for each memory object mapped in the range, its pages
/// there go back to the pager (`msync`); `VM_SYNC_INVALIDATE` also
/// drops them. Asking for both `VM_SYNC_ASYNCHRONOUS` and
/// `VM_SYNC_SYNCHRONOUS` is an invalid argument, a hole in the range an
/// invalid address. (The data is on its way to the pager when the call
/// returns either way.)
pub(crate) fn vm_msync(ctx: &mut Ctx, req: gnumach::VmMsyncRequest) -> Result<(), i32> {
    const VM_SYNC_ASYNCHRONOUS: u32 = 0x01;
    const VM_SYNC_SYNCHRONOUS: u32 = 0x02;
    const VM_SYNC_INVALIDATE: u32 = 0x04;
    let t = ctx.task().map_err(|_| KERN_INVALID_ARGUMENT)?;
    if req.sync_flags & (VM_SYNC_ASYNCHRONOUS | VM_SYNC_SYNCHRONOUS) == VM_SYNC_ASYNCHRONOUS | VM_SYNC_SYNCHRONOUS {
        return Err(KERN_INVALID_ARGUMENT);
    }
    if req.size == 0 {
        return Ok(());
    }
    let (start, end) = kerncore::vm_entries::page_range(req.address, req.size).ok_or(KERN_INVALID_ARGUMENT)?;
    // (object, object offset, bytes) of each object mapping in the range.
    let pieces = task::with_map(t, |m| {
        let mut out = Vec::new();
        let mut at = start;
        while at < end {
            let e = m.region(at).filter(|e| e.start <= at).ok_or(KERN_INVALID_ADDRESS)?;
            let stop = e.end.min(end);
            if e.attrs.object != 0 {
                out.push((e.attrs.object, e.attrs.offset(at), stop - at));
            }
            at = stop;
        }
        Ok(out)
    })?;
    for (obj, off, len) in pieces {
        vm_object::sync(obj, off, len, true, req.sync_flags & VM_SYNC_INVALIDATE != 0)?;
    }
    Ok(())
}

/// Physically contiguous memory for user-level drivers, for the holder
/// of the privileged host port only.
pub(crate) fn vm_allocate_contiguous(ctx: &mut Ctx, req: gnumach::VmAllocateContiguousRequest) -> Result<gnumach::VmAllocateContiguousReply, i32> {
    ctx.host_priv()?;
    let t = ctx.task_of_handle(req.target_task)?;
    let align = req.palign.max(4096);
    if req.size == 0 || !align.is_power_of_two() || req.pmax <= req.pmin {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let (vaddr, paddr) = task::with_task(t, |tk| tk.map.allocate_contiguous(req.size, req.pmin, req.pmax, align)).ok_or(KERN_INVALID_TASK)??;
    Ok(gnumach::VmAllocateContiguousReply { vaddr, paddr })
}

/// What a task may wire in all through the ordinary host port (`vm_wire`),
/// GNU Mach's limit.
const UNPRIVILEGED_WIRE_LIMIT: u64 = 8 << 20;

/// `[addr, addr + len)` is mapped and writable in `map`, as for the task
/// itself (`KERN_INVALID_ADDRESS` for a hole or the kernel half,
/// `KERN_PROTECTION_FAILURE` for read-only memory).
fn writable(map: &crate::vm::vm_map::VmMap, addr: u32, len: u32) -> Result<(), i32> {
    let (s, e) = kerncore::vm_entries::page_range(addr, len).ok_or(KERN_INVALID_ADDRESS)?;
    let mut page = s;
    while page < e {
        let r = map.region(page).filter(|r| r.start <= page).ok_or(KERN_INVALID_ADDRESS)?;
        if r.attrs.prot & kerncore::vm_entries::VM_PROT_WRITE == 0 {
            return Err(KERN_PROTECTION_FAILURE);
        }
        page = r.end.min(e);
    }
    Ok(())
}

use kerncore::vm_entries::PAGE_SIZE;

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

/// `vm_pages_phys` (privileged host port): see [`pages_phys`].
pub(crate) fn vm_pages_phys(ctx: &mut Ctx, req: gnumach::VmPagesPhysRequest) -> Result<gnumach::VmPagesPhysReply, i32> {
    ctx.host_priv()?;
    let t = ctx.task_of_handle(req.target_task).map_err(|_| KERN_INVALID_TASK)?;
    let pages = pages_phys(t, req.vaddr, req.size)?;
    Ok(gnumach::VmPagesPhysReply { pages: ctx.give_ool(pages, 8) })
}

/// `vm_set_size_limit`, on the host port (the privileged one may raise
/// the maximum), with GNU Mach's order of checks.
pub(crate) fn vm_set_size_limit(ctx: &mut Ctx, req: gnumach::VmSetSizeLimitRequest) -> Result<(), i32> {
    if req.current_limit > req.max_limit {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let t = ctx.task_of_handle(req.map).map_err(|_| KERN_INVALID_TASK)?;
    ctx.host()?;
    let privileged = ctx.host_priv().is_ok();
    set_size_limit(t, req.current_limit, req.max_limit, privileged)
}

/// `vm_get_size_limit` of the target task.
pub(crate) fn vm_get_size_limit(ctx: &mut Ctx, _: gnumach::VmGetSizeLimitRequest) -> Result<gnumach::VmGetSizeLimitReply, i32> {
    let t = ctx.task().map_err(|_| KERN_INVALID_TASK)?;
    let (current_limit, max_limit) = size_limit(t)?;
    Ok(gnumach::VmGetSizeLimitReply { current_limit, max_limit })
}
