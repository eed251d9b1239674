//! The kernel RPC fast path's questions (GNU Mach's `mach_msg` fast paths):
//! a request to a kernel port whose reply comes straight back is served
//! without queueing either message, and the checks here make sure nothing
//! observable differs from the queued way: the same rights exist before and
//! after, and the reply takes the reply port's next sequence number.

use crate::consts::port::{MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND};
use crate::{Ipc, Obj, PortId, Receiver, SpaceId};

impl Ipc {
    /// For a request sent with `COPY_SEND` to `dest_name` and
    /// `MAKE_SEND_ONCE` of `reply_name`, received from `reply_name`: the
    /// kernel port (and its kernel-object tag) and the reply port, when the
    /// request can be served in place: `dest_name` names a send right to a
    /// live kernel port, and `reply_name` a receive right whose port is in
    /// no set, has no message queued and carries no protected payload (so
    /// the reply is the next message received there). `None` sends the
    /// caller down the ordinary path, which gives every error its code.
    /// No count changes.
    pub fn rpc_fast_lookup(&self, space: SpaceId, dest_name: u32, reply_name: u32) -> Option<(PortId, (u32, u64), PortId)> {
        let sp = self.spaces.get(space.idx, space.gen)?;
        let d = sp.entries().get(&dest_name)?;
        let Obj::Port(dest) = d.obj else { return None };
        if d.ty & MACH_PORT_TYPE_SEND == 0 {
            return None;
        }
        let dp = self.ports.get(dest.idx, dest.gen)?;
        if dp.receiver != Receiver::Kernel {
            return None;
        }
        let kobject = dp.kobject?;
        let r = sp.entries().get(&reply_name)?;
        let Obj::Port(reply) = r.obj else { return None };
        if r.ty & MACH_PORT_TYPE_RECEIVE == 0 || !self.rpc_fast_reply_ready(space, reply, reply_name) {
            return None;
        }
        Some((dest, kobject, reply))
    }

    fn rpc_fast_reply_ready(&self, space: SpaceId, reply: PortId, reply_name: u32) -> bool {
        self.ports.get(reply.idx, reply.gen).is_some_and(|p| {
            p.receiver == Receiver::Space { space, name: reply_name } && p.pset.is_none() && p.queue.is_empty() && p.payload.is_none()
        })
    }

    /// Takes the sequence number of a reply delivered in place on `reply`,
    /// checking again that it is still the next message `space` receives
    /// under `reply_name` (the routine ran without the lock). `None`: the
    /// caller queues the reply the ordinary way instead.
    pub fn rpc_fast_deliver(&mut self, space: SpaceId, reply: PortId, reply_name: u32) -> Option<u32> {
        if !self.rpc_fast_reply_ready(space, reply, reply_name) {
            return None;
        }
        let p = self.ports.get_mut(reply.idx, reply.gen)?;
        let seqno = p.seqno;
        p.seqno = p.seqno.wrapping_add(1);
        Some(seqno)
    }
}
