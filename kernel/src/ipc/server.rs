//! The kernel's RPC server: messages queued to kernel-object ports are
//! decoded and answered by the MIG-generated dispatchers of `kern::mig`.

use mach_ipc::PortId;

/// Serves every message queued on kernel port `p`.
pub fn serve_port(p: PortId) {
    // Not yet: every request is destroyed unanswered.
    loop {
        let Some(kmsg) = super::with_ipc(|ipc| ipc.dequeue(p)) else { break };
        super::with_ipc(|ipc| ipc.destroy_kmsg(kmsg));
    }
}
