//! Ports (GNU Mach `ipc_port`): who holds the receive right, the right
//! counts, the message queue and the notification requests.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::consts::port::MACH_PORT_QLIMIT_DEFAULT;
use crate::{KMsg, PortId, PsetId, Right, SpaceId};

/// Who holds a port's receive right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// A space, under a name.
    Space {
        /// The space.
        space: SpaceId,
        /// The receive right's name there.
        name: u32,
    },
    /// Carried in a message (or about to be) whose destination is `dest`.
    InTransit {
        /// The destination of the carrying message, if known.
        dest: Option<PortId>,
    },
    /// The kernel (kernel-object ports).
    Kernel,
    /// The port is dead.
    Dead,
}

/// A dead-name request: `space` names the port `name` and wants `notify`
/// (a send-once right) used when the port dies.
pub(crate) struct DnRequest {
    pub(crate) space: SpaceId,
    pub(crate) name: u32,
    pub(crate) notify: Right,
}

/// A port. `srights`/`sorights` count every send/send-once right: one per
/// space entry holding it plus every loose [`Right`].
pub(crate) struct Port {
    pub(crate) receiver: Receiver,
    pub(crate) mscount: u32,
    pub(crate) srights: u32,
    pub(crate) sorights: u32,
    pub(crate) qlimit: u32,
    pub(crate) seqno: u32,
    pub(crate) queue: VecDeque<KMsg>,
    pub(crate) pset: Option<PsetId>,
    pub(crate) nsrequest: Option<Right>,
    pub(crate) pdrequest: Option<Right>,
    pub(crate) dnrequests: Vec<DnRequest>,
    pub(crate) kobject: Option<(u32, u64)>,
    /// Protected payload delivered instead of the receiver's name.
    pub(crate) payload: Option<u32>,
    /// Space entries naming this port.
    pub(crate) entries: u32,
    /// Right values alive outside spaces.
    pub(crate) loose_send: u32,
    pub(crate) loose_so: u32,
    pub(crate) loose_recv: u32,
    /// Pinned while being destroyed (not freed even if unreferenced).
    pub(crate) pin: u32,
}

impl Port {
    pub(crate) fn new(receiver: Receiver) -> Port {
        Port {
            receiver,
            mscount: 0,
            srights: 0,
            sorights: 0,
            qlimit: MACH_PORT_QLIMIT_DEFAULT,
            seqno: 0,
            queue: VecDeque::new(),
            pset: None,
            nsrequest: None,
            pdrequest: None,
            dnrequests: Vec::new(),
            kobject: None,
            payload: None,
            entries: 0,
            loose_send: 0,
            loose_so: 0,
            loose_recv: 0,
            pin: 0,
        }
    }

    pub(crate) fn alive(&self) -> bool {
        self.receiver != Receiver::Dead
    }
}
