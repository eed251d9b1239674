//! Port sets (GNU Mach `ipc_pset`): a named group of receive rights of one
//! space, received from as one queue.

use alloc::vec::Vec;

use crate::{PortId, SpaceId};

/// A port set, named `name` in `space`.
pub(crate) struct Pset {
    pub(crate) space: SpaceId,
    pub(crate) name: u32,
    pub(crate) members: Vec<PortId>,
}
