//! Numbers of GNU Mach's interfaces beyond the message format (which is in
//! [`crate::message`]): return codes, port rights and types, notification ids,
//! the device interface, VM and exception constants.
//!
//! The test programs compare what the kernel answers against these, so they are
//! written out here from GNU Mach's headers (`mach/kern_return.h`,
//! `mach/port.h`, `mach/notify.h`, `device/device_types.h`, `device/tty_status.h`,
//! `device/net_status.h`, `mach/vm_*.h`, `mach/exception.h`), never taken from
//! the kernel's own definitions.

use crate::KernReturn;

// `mach/kern_return.h`.
pub const KERN_INVALID_ADDRESS: KernReturn = 1;
pub const KERN_PROTECTION_FAILURE: KernReturn = 2;
pub const KERN_NO_SPACE: KernReturn = 3;
pub const KERN_INVALID_ARGUMENT: KernReturn = 4;
pub const KERN_FAILURE: KernReturn = 5;
pub const KERN_INVALID_NAME: KernReturn = 15;
pub const KERN_UREFS_OVERFLOW: KernReturn = 19;
pub const KERN_INVALID_HOST: KernReturn = 22;
pub const KERN_INVALID_TASK: KernReturn = 16;
pub const KERN_NO_ACCESS: KernReturn = 8;

// `mach/mig_errors.h`.
pub const MIG_BAD_ID: KernReturn = -303;
pub const MIG_BAD_ARGUMENTS: KernReturn = -304;

// `mach/port.h`: `mach_port_right_t`.
pub const MACH_PORT_RIGHT_SEND: u32 = 0;
pub const MACH_PORT_RIGHT_RECEIVE: u32 = 1;
pub const MACH_PORT_RIGHT_PORT_SET: u32 = 3;
pub const MACH_PORT_RIGHT_DEAD_NAME: u32 = 4;
// `mach/port.h`: `mach_port_type_t` bits.
pub const MACH_PORT_TYPE_SEND: u32 = 1 << 16;
pub const MACH_PORT_TYPE_RECEIVE: u32 = 1 << 17;
pub const MACH_PORT_TYPE_DEAD_NAME: u32 = 1 << 20;

// `mach/notify.h`: notification message ids.
pub const MACH_NOTIFY_PORT_DELETED: u32 = 65;
pub const MACH_NOTIFY_MSG_ACCEPTED: u32 = 66;
pub const MACH_NOTIFY_PORT_DESTROYED: u32 = 69;
pub const MACH_NOTIFY_NO_SENDERS: u32 = 70;
pub const MACH_NOTIFY_SEND_ONCE: u32 = 71;

// `device/device_types.h`: `dev_mode_t` bits.
pub const D_READ: u32 = 1;
pub const D_WRITE: u32 = 2;
pub const D_NOWAIT: u32 = 8;
// `device/device_types.h`: `io_return_t` codes.
pub const D_IO_ERROR: i32 = 2500;
pub const D_WOULD_BLOCK: i32 = 2501;
pub const D_NO_SUCH_DEVICE: i32 = 2502;
pub const D_INVALID_OPERATION: i32 = 2505;
pub const D_INVALID_RECNUM: i32 = 2506;
pub const D_INVALID_SIZE: i32 = 2507;
pub const D_READ_ONLY: i32 = 2509;
// `device/device_types.h`: status flavors every device answers.
pub const DEV_GET_SIZE: u32 = 0;
pub const DEV_GET_RECORDS: u32 = 1;
// `device/tty_status.h`: the `TTY_STATUS` flavor and two speeds.
pub const TTY_STATUS: u32 = ((b't' as u32) << 16) + 1;
pub const B9600: u32 = 13;
pub const B115200: u32 = 17;
// `device/net_status.h`: network status flavors.
pub const NET_STATUS: u32 = ((b'n' as u32) << 16) + 1;
pub const NET_ADDRESS: u32 = ((b'n' as u32) << 16) + 2;
pub const NET_FLAGS: u32 = ((b'n' as u32) << 16) + 4;
// This kernel's network flavors (GNU Mach has none): the link state (1 up,
// 0 down, u32::MAX unknown) and 10 counters (received, sent, receive and
// send errors, received and to-send frames dropped, collisions, receive
// overruns, frames waiting, frames the glue's backlog dropped).
pub const NET_LINK: u32 = ((b'N' as u32) << 16) + 1;
pub const NET_STATISTICS: u32 = ((b'N' as u32) << 16) + 2;
// Linux `IFF_*` interface flags, the values `NET_FLAGS` carries.
pub const IFF_UP: u32 = 0x1;
pub const IFF_PROMISC: u32 = 0x100;
pub const IFF_ALLMULTI: u32 = 0x200;

// `mach/vm_inherit.h`, `mach/vm_prot.h`.
pub const VM_INHERIT_NONE: u32 = 2;
pub const VM_PROT_READ: u32 = 1;
pub const VM_PROT_WRITE: u32 = 2;

// `mach/exception.h`, `mach/task_special_ports.h`.
pub const EXC_BAD_ACCESS: u32 = 1;
pub const TASK_EXCEPTION_PORT: u32 = 3;
