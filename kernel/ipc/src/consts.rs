//! ABI constants shared with GNU Mach user programs (values from GNU Mach's
//! `mach/kern_return.h`, `mach/message.h`, `mach/port.h` and `mach/notify.h`).

/// `kern_return_t` values.
pub mod kern {
    /// Success.
    pub const KERN_SUCCESS: u32 = 0;
    /// No room in the name space.
    pub const KERN_NO_SPACE: u32 = 3;
    /// Bad argument.
    pub const KERN_INVALID_ARGUMENT: u32 = 4;
    /// The port is not in a port set.
    pub const KERN_NOT_IN_SET: u32 = 12;
    /// The name already denotes a right.
    pub const KERN_NAME_EXISTS: u32 = 13;
    /// The name does not denote a right.
    pub const KERN_INVALID_NAME: u32 = 15;
    /// The task is invalid.
    pub const KERN_INVALID_TASK: u32 = 16;
    /// The name denotes a right, but not an appropriate right.
    pub const KERN_INVALID_RIGHT: u32 = 17;
    /// A blatant range error.
    pub const KERN_INVALID_VALUE: u32 = 18;
    /// The operation would overflow a user-reference count.
    pub const KERN_UREFS_OVERFLOW: u32 = 19;
    /// The supplied (port) capability is improper.
    pub const KERN_INVALID_CAPABILITY: u32 = 20;
    /// The task already has send or receive rights for the port under another name.
    pub const KERN_RIGHT_EXISTS: u32 = 21;
}

/// `mach_msg_return_t` values.
pub mod msg {
    /// Success.
    pub const MACH_MSG_SUCCESS: u32 = 0;
    /// Error bit: the receiver's IPC space is full.
    pub const MACH_MSG_IPC_SPACE: u32 = 0x2000;
    /// Error bit: the receiver's VM space is full.
    pub const MACH_MSG_VM_SPACE: u32 = 0x1000;
    /// Bad user memory in the message.
    pub const MACH_SEND_INVALID_DATA: u32 = 0x1000_0002;
    /// Bad destination port.
    pub const MACH_SEND_INVALID_DEST: u32 = 0x1000_0003;
    /// Send timed out.
    pub const MACH_SEND_TIMED_OUT: u32 = 0x1000_0004;
    /// A msg-accepted notification will be sent.
    pub const MACH_SEND_WILL_NOTIFY: u32 = 0x1000_0005;
    /// Send interrupted.
    pub const MACH_SEND_INTERRUPTED: u32 = 0x1000_0007;
    /// The message is too small for its header or its typed body.
    pub const MACH_SEND_MSG_TOO_SMALL: u32 = 0x1000_0008;
    /// Bad reply port.
    pub const MACH_SEND_INVALID_REPLY: u32 = 0x1000_0009;
    /// Bad port right in the body.
    pub const MACH_SEND_INVALID_RIGHT: u32 = 0x1000_000a;
    /// Bad notify port.
    pub const MACH_SEND_INVALID_NOTIFY: u32 = 0x1000_000b;
    /// Out-of-line memory could not be read.
    pub const MACH_SEND_INVALID_MEMORY: u32 = 0x1000_000c;
    /// No message buffer.
    pub const MACH_SEND_NO_BUFFER: u32 = 0x1000_000d;
    /// Bad type descriptor.
    pub const MACH_SEND_INVALID_TYPE: u32 = 0x1000_000f;
    /// Bad header bits.
    pub const MACH_SEND_INVALID_HEADER: u32 = 0x1000_0010;
    /// The receive name is not a receive right or port set.
    pub const MACH_RCV_INVALID_NAME: u32 = 0x1000_4002;
    /// Receive timed out.
    pub const MACH_RCV_TIMED_OUT: u32 = 0x1000_4003;
    /// The message does not fit the receive buffer.
    pub const MACH_RCV_TOO_LARGE: u32 = 0x1000_4004;
    /// Receive interrupted.
    pub const MACH_RCV_INTERRUPTED: u32 = 0x1000_4005;
    /// The port was moved into a port set while receiving.
    pub const MACH_RCV_PORT_CHANGED: u32 = 0x1000_4006;
    /// Bad notify port for MACH_RCV_NOTIFY.
    pub const MACH_RCV_INVALID_NOTIFY: u32 = 0x1000_4007;
    /// The user buffer could not be written.
    pub const MACH_RCV_INVALID_DATA: u32 = 0x1000_4008;
    /// The port or port set died while receiving.
    pub const MACH_RCV_PORT_DIED: u32 = 0x1000_4009;
    /// The port is a member of a port set.
    pub const MACH_RCV_IN_SET: u32 = 0x1000_400a;
    /// Error while copying out the header.
    pub const MACH_RCV_HEADER_ERROR: u32 = 0x1000_400b;
    /// Error while copying out the body.
    pub const MACH_RCV_BODY_ERROR: u32 = 0x1000_400c;
}

/// Message type names (`msgt_name` and header dispositions).
pub mod ty {
    /// 32-bit integer.
    pub const MACH_MSG_TYPE_INTEGER_32: u32 = 2;
    /// 8-bit integer / byte.
    pub const MACH_MSG_TYPE_INTEGER_8: u32 = 9;
    /// String.
    pub const MACH_MSG_TYPE_STRING: u32 = 12;
    /// A port name the kernel does not interpret.
    pub const MACH_MSG_TYPE_PORT_NAME: u32 = 15;
    /// Move a receive right.
    pub const MACH_MSG_TYPE_MOVE_RECEIVE: u32 = 16;
    /// Move a send right.
    pub const MACH_MSG_TYPE_MOVE_SEND: u32 = 17;
    /// Move a send-once right.
    pub const MACH_MSG_TYPE_MOVE_SEND_ONCE: u32 = 18;
    /// Copy a send right.
    pub const MACH_MSG_TYPE_COPY_SEND: u32 = 19;
    /// Make a send right from a receive right.
    pub const MACH_MSG_TYPE_MAKE_SEND: u32 = 20;
    /// Make a send-once right from a receive right.
    pub const MACH_MSG_TYPE_MAKE_SEND_ONCE: u32 = 21;
    /// A carried receive right.
    pub const MACH_MSG_TYPE_PORT_RECEIVE: u32 = 16;
    /// A carried send right.
    pub const MACH_MSG_TYPE_PORT_SEND: u32 = 17;
    /// A carried send-once right.
    pub const MACH_MSG_TYPE_PORT_SEND_ONCE: u32 = 18;
    /// Received local-port type: `msgh_local_port` holds the protected payload.
    pub const MACH_MSG_TYPE_PROTECTED_PAYLOAD: u32 = 23;
}

/// Header bits and options.
pub mod bits {
    /// The body carries rights or out-of-line memory.
    pub const MACH_MSGH_BITS_COMPLEX: u32 = 0x8000_0000;
    /// Internal: the message would create a circular chain of ports.
    pub const MACH_MSGH_BITS_CIRCULAR: u32 = 0x4000_0000;
    /// Remote disposition mask.
    pub const MACH_MSGH_BITS_REMOTE_MASK: u32 = 0xff;
    /// Local disposition mask.
    pub const MACH_MSGH_BITS_LOCAL_MASK: u32 = 0xff00;
    /// Send option.
    pub const MACH_SEND_MSG: u32 = 1;
    /// Receive option.
    pub const MACH_RCV_MSG: u32 = 2;
    /// Send with timeout.
    pub const MACH_SEND_TIMEOUT: u32 = 0x10;
    /// Send with msg-accepted notification.
    pub const MACH_SEND_NOTIFY: u32 = 0x20;
    /// Send cancel (suppress port-deleted to the notify port).
    pub const MACH_SEND_CANCEL: u32 = 0x80;
    /// Receive with timeout.
    pub const MACH_RCV_TIMEOUT: u32 = 0x100;
    /// Receive with notify.
    pub const MACH_RCV_NOTIFY: u32 = 0x200;
    /// Leave a too-large message queued.
    pub const MACH_RCV_LARGE: u32 = 0x800;
    /// Internal: never block on the queue limit.
    pub const MACH_SEND_ALWAYS: u32 = 0x1_0000;
}

/// Port names, rights and types (`mach/port.h`).
pub mod port {
    /// The null name.
    pub const MACH_PORT_NULL: u32 = 0;
    /// The dead name.
    pub const MACH_PORT_DEAD: u32 = !0;
    /// `mach_port_right_t`: send.
    pub const MACH_PORT_RIGHT_SEND: u32 = 0;
    /// `mach_port_right_t`: receive.
    pub const MACH_PORT_RIGHT_RECEIVE: u32 = 1;
    /// `mach_port_right_t`: send-once.
    pub const MACH_PORT_RIGHT_SEND_ONCE: u32 = 2;
    /// `mach_port_right_t`: port set.
    pub const MACH_PORT_RIGHT_PORT_SET: u32 = 3;
    /// `mach_port_right_t`: dead name.
    pub const MACH_PORT_RIGHT_DEAD_NAME: u32 = 4;
    /// Number of right kinds.
    pub const MACH_PORT_RIGHT_NUMBER: u32 = 5;
    /// Type bit: send right.
    pub const MACH_PORT_TYPE_SEND: u32 = 1 << 16;
    /// Type bit: receive right.
    pub const MACH_PORT_TYPE_RECEIVE: u32 = 1 << 17;
    /// Type bit: send-once right.
    pub const MACH_PORT_TYPE_SEND_ONCE: u32 = 1 << 18;
    /// Type bit: port set.
    pub const MACH_PORT_TYPE_PORT_SET: u32 = 1 << 19;
    /// Type bit: dead name.
    pub const MACH_PORT_TYPE_DEAD_NAME: u32 = 1 << 20;
    /// Dummy type bit: a dead-name request is registered.
    pub const MACH_PORT_TYPE_DNREQUEST: u32 = 0x8000_0000;
    /// Default queue limit.
    pub const MACH_PORT_QLIMIT_DEFAULT: u32 = 5;
    /// Maximum queue limit.
    pub const MACH_PORT_QLIMIT_MAX: u32 = 16;
    /// Maximum user references (GNU Mach `ipc/port.h`).
    pub const MACH_PORT_UREFS_MAX: u32 = (1 << 16) - 1;
}

/// Notification message ids (`mach/notify.h`, subsystem `notify` 64).
pub mod notify {
    /// Port-deleted notification.
    pub const MACH_NOTIFY_PORT_DELETED: u32 = 65;
    /// Msg-accepted notification.
    pub const MACH_NOTIFY_MSG_ACCEPTED: u32 = 66;
    /// Port-destroyed notification.
    pub const MACH_NOTIFY_PORT_DESTROYED: u32 = 69;
    /// No-senders notification.
    pub const MACH_NOTIFY_NO_SENDERS: u32 = 70;
    /// Send-once notification.
    pub const MACH_NOTIFY_SEND_ONCE: u32 = 71;
    /// Dead-name notification.
    pub const MACH_NOTIFY_DEAD_NAME: u32 = 72;
}
