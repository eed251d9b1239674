//! The `memory_object_*` routines a pager sends to a memory object's
//! control port (GNU Mach's `vm/memory_object.c`); the objects are in
//! `vm_object`. `ipc::server` decodes the request and calls these.



use crate::ipc::server::Ctx;
use crate::kern::mig::mach;
use crate::vm::vm_object;

pub(crate) fn memory_object_ready(ctx: &mut Ctx, req: mach::MemoryObjectReadyRequest) -> Result<(), i32> {
    vm_object::ready(ctx.target, req.may_cache != 0, req.copy_strategy)
}

pub(crate) fn memory_object_get_attributes(ctx: &mut Ctx, _: mach::MemoryObjectGetAttributesRequest) -> Result<mach::MemoryObjectGetAttributesReply, i32> {
    let (ready, may_cache, copy_strategy) = vm_object::attributes(ctx.target)?;
    Ok(mach::MemoryObjectGetAttributesReply { object_ready: u32::from(ready), may_cache: u32::from(may_cache), copy_strategy })
}

pub(crate) fn memory_object_change_attributes(ctx: &mut Ctx, req: mach::MemoryObjectChangeAttributesRequest) -> Result<(), i32> {
    let reply_to = ctx.take(req.reply_to.name)?;
    vm_object::change_attributes(ctx.target, req.may_cache != 0, req.copy_strategy, reply_to)
}

pub(crate) fn memory_object_data_supply(ctx: &mut Ctx, req: mach::MemoryObjectDataSupplyRequest) -> Result<(), i32> {
    let data = ctx.take_ool(req.data.addr)?;
    let reply_to = ctx.take(req.reply_to.name)?;
    let n = (req.data.count as usize).min(data.len());
    vm_object::data_supply(ctx.target, req.offset, &data[..n], req.lock_value, req.precious != 0, reply_to)
}

pub(crate) fn memory_object_data_unavailable(ctx: &mut Ctx, req: mach::MemoryObjectDataUnavailableRequest) -> Result<(), i32> {
    vm_object::data_unavailable(ctx.target, req.offset, req.size)
}

pub(crate) fn memory_object_data_error(ctx: &mut Ctx, req: mach::MemoryObjectDataErrorRequest) -> Result<(), i32> {
    vm_object::data_error(ctx.target, req.offset, req.size, req.error_value as i32)
}

pub(crate) fn memory_object_lock_request(ctx: &mut Ctx, req: mach::MemoryObjectLockRequestRequest) -> Result<(), i32> {
    let reply_to = ctx.take(req.reply_to.name)?;
    vm_object::lock_request(ctx.target, req.offset, req.size, req.should_return, req.should_flush != 0, req.lock_value, reply_to)
}

pub(crate) fn memory_object_destroy(ctx: &mut Ctx, _: mach::MemoryObjectDestroyRequest) -> Result<(), i32> {
    vm_object::destroy(ctx.target)
}
