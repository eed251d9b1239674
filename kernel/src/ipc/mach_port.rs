//! `mach_port.defs`: the routines on a task's port name space (GNU Mach's
//! `ipc/mach_port.c`). The target is a task port; each routine acts on that
//! task's space through the IPC layer. `ipc::server` decodes the request and
//! calls these.

use alloc::vec::Vec;


use crate::ipc::server::{ok_or, Ctx};
use crate::ipc::with_ipc;
use crate::kern::mig::{mach_port, rt};

pub(crate) fn mach_port_names(ctx: &mut Ctx, _: mach_port::MachPortNamesRequest) -> Result<mach_port::MachPortNamesReply, i32> {
    let space = ctx.space()?;
    let list = ok_or(with_ipc(|ipc| ipc.mach_port_names(space)))?;
    let names: Vec<u8> = list.iter().flat_map(|(n, _)| n.to_le_bytes()).collect();
    let types: Vec<u8> = list.iter().flat_map(|(_, t)| t.to_le_bytes()).collect();
    Ok(mach_port::MachPortNamesReply { names: ctx.give_ool(names, 4), types: ctx.give_ool(types, 4) })
}

pub(crate) fn mach_port_type(ctx: &mut Ctx, req: mach_port::MachPortTypeRequest) -> Result<mach_port::MachPortTypeReply, i32> {
    let space = ctx.space()?;
    Ok(mach_port::MachPortTypeReply { ptype: ok_or(with_ipc(|ipc| ipc.mach_port_type(space, req.name)))? })
}

pub(crate) fn mach_port_rename(ctx: &mut Ctx, req: mach_port::MachPortRenameRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_rename(space, req.old_name, req.new_name)))
}

pub(crate) fn mach_port_allocate_name(ctx: &mut Ctx, req: mach_port::MachPortAllocateNameRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_allocate_name(space, req.right, req.name)))
}

pub(crate) fn mach_port_allocate(ctx: &mut Ctx, req: mach_port::MachPortAllocateRequest) -> Result<mach_port::MachPortAllocateReply, i32> {
    let space = ctx.space()?;
    Ok(mach_port::MachPortAllocateReply { name: ok_or(with_ipc(|ipc| ipc.mach_port_allocate(space, req.right)))? })
}

/// Messages received from the port carry `payload` in their local
/// field, with the local type `MACH_MSG_TYPE_PROTECTED_PAYLOAD`.
pub(crate) fn mach_port_set_protected_payload(ctx: &mut Ctx, req: mach_port::MachPortSetProtectedPayloadRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_set_protected_payload(space, req.name, req.payload)))
}

pub(crate) fn mach_port_clear_protected_payload(ctx: &mut Ctx, req: mach_port::MachPortClearProtectedPayloadRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_clear_protected_payload(space, req.name)))
}

pub(crate) fn mach_port_destroy(ctx: &mut Ctx, req: mach_port::MachPortDestroyRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_destroy(space, req.name)))
}

pub(crate) fn mach_port_deallocate(ctx: &mut Ctx, req: mach_port::MachPortDeallocateRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_deallocate(space, req.name)))
}

pub(crate) fn mach_port_get_refs(ctx: &mut Ctx, req: mach_port::MachPortGetRefsRequest) -> Result<mach_port::MachPortGetRefsReply, i32> {
    let space = ctx.space()?;
    Ok(mach_port::MachPortGetRefsReply { refs: ok_or(with_ipc(|ipc| ipc.mach_port_get_refs(space, req.name, req.right)))? })
}

pub(crate) fn mach_port_mod_refs(ctx: &mut Ctx, req: mach_port::MachPortModRefsRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_mod_refs(space, req.name, req.right, req.delta as i32)))
}

pub(crate) fn mach_port_set_qlimit(ctx: &mut Ctx, req: mach_port::MachPortSetQlimitRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_set_qlimit(space, req.name, req.qlimit)))
}

pub(crate) fn mach_port_set_mscount(ctx: &mut Ctx, req: mach_port::MachPortSetMscountRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_set_mscount(space, req.name, req.mscount)))
}

pub(crate) fn mach_port_get_set_status(ctx: &mut Ctx, req: mach_port::MachPortGetSetStatusRequest) -> Result<mach_port::MachPortGetSetStatusReply, i32> {
    let space = ctx.space()?;
    let members = ok_or(with_ipc(|ipc| ipc.mach_port_get_set_status(space, req.name)))?;
    let bytes: Vec<u8> = members.iter().flat_map(|n| n.to_le_bytes()).collect();
    Ok(mach_port::MachPortGetSetStatusReply { members: ctx.give_ool(bytes, 4) })
}

pub(crate) fn mach_port_move_member(ctx: &mut Ctx, req: mach_port::MachPortMoveMemberRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_move_member(space, req.member, req.after)))
}

pub(crate) fn mach_port_request_notification(ctx: &mut Ctx, req: mach_port::MachPortRequestNotificationRequest) -> Result<mach_port::MachPortRequestNotificationReply, i32> {
    let space = ctx.space()?;
    let notify = ctx.take(req.notify)?;
    let prev = ok_or(with_ipc(|ipc| ipc.mach_port_request_notification(space, req.name, req.id, req.sync, notify)))?;
    Ok(mach_port::MachPortRequestNotificationReply { previous: ctx.give(prev) })
}

pub(crate) fn mach_port_insert_right(ctx: &mut Ctx, req: mach_port::MachPortInsertRightRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    let right = ctx.take(req.poly.name)?;
    ok_or(with_ipc(|ipc| ipc.mach_port_insert_right(space, req.name, right)))
}

pub(crate) fn mach_port_extract_right(ctx: &mut Ctx, req: mach_port::MachPortExtractRightRequest) -> Result<mach_port::MachPortExtractRightReply, i32> {
    let space = ctx.space()?;
    let (right, ty) = ok_or(with_ipc(|ipc| ipc.mach_port_extract_right(space, req.name, req.msgt_name)))?;
    Ok(mach_port::MachPortExtractRightReply { poly: rt::PolyPort { name: ctx.give(right), disposition: ty } })
}

pub(crate) fn mach_port_get_receive_status(ctx: &mut Ctx, req: mach_port::MachPortGetReceiveStatusRequest) -> Result<mach_port::MachPortGetReceiveStatusReply, i32> {
    let space = ctx.space()?;
    let st = ok_or(with_ipc(|ipc| ipc.mach_port_get_receive_status(space, req.name)))?;
    let b = st.to_bytes();
    let mut status = [0u32; 9];
    for (i, w) in b.chunks_exact(4).enumerate() {
        status[i] = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    Ok(mach_port::MachPortGetReceiveStatusReply { status })
}

pub(crate) fn mach_port_set_seqno(ctx: &mut Ctx, req: mach_port::MachPortSetSeqnoRequest) -> Result<(), i32> {
    let space = ctx.space()?;
    ok_or(with_ipc(|ipc| ipc.mach_port_set_seqno(space, req.name, req.seqno)))
}
