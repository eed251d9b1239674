//! Kernel-generated notifications (`notify.defs`, subsystem 64), laid out
//! exactly as GNU Mach's templates: header with a send-once destination and
//! no reply, then one typed item (none for send-once).

use crate::consts::notify::*;
use crate::kmsg::KMsgBuilder;
use crate::{Ipc, Right};

impl Ipc {
    /// Queues a notification, never blocking on the queue limit.
    fn send_notification(&mut self, b: KMsgBuilder) {
        let kmsg = b.build();
        self.send_always(kmsg);
    }

    /// Port-deleted: `name` no longer denotes the right the request was for.
    pub(crate) fn notify_port_deleted(&mut self, so: Right, name: u32) {
        self.send_notification(KMsgBuilder::new(so, Right::null(), MACH_NOTIFY_PORT_DELETED).port_name(name));
    }

    /// Dead-name: the port `name` denoted died.
    pub(crate) fn notify_dead_name(&mut self, so: Right, name: u32) {
        self.send_notification(KMsgBuilder::new(so, Right::null(), MACH_NOTIFY_DEAD_NAME).port_name(name));
    }

    /// No-senders, carrying the make-send count.
    pub(crate) fn notify_no_senders(&mut self, so: Right, mscount: u32) {
        self.send_notification(KMsgBuilder::new(so, Right::null(), MACH_NOTIFY_NO_SENDERS).int32(mscount));
    }

    /// Send-once: the send-once right `so` was destroyed unused.
    pub(crate) fn notify_send_once(&mut self, so: Right) {
        self.send_notification(KMsgBuilder::new(so, Right::null(), MACH_NOTIFY_SEND_ONCE));
    }

    /// Port-destroyed: carries the receive right back.
    pub(crate) fn notify_port_destroyed(&mut self, so: Right, receive: Right) {
        self.send_notification(KMsgBuilder::new(so, Right::null(), MACH_NOTIFY_PORT_DESTROYED).port(receive));
    }
}
