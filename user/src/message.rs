//! Mach 3 messages as GNU Mach's i386 user space sees them (`mach/message.h`).
//!
//! A message is a [`MachMsgHeader`] followed by typed items: each item starts with
//! a 32-bit [`MachMsgType`] descriptor (or a 12-byte [`MachMsgTypeLong`]), then its
//! data padded to 4 bytes, or a 4-byte address for out-of-line data.

/// `mach_msg_return_t` (= `kern_return_t`).
pub type MachMsgReturn = i32;

/// The 24-byte message header.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MachMsgHeader {
    /// Remote disposition | local disposition << 8 | [`MACH_MSGH_BITS_COMPLEX`].
    pub bits: u32,
    /// Size in bytes of the whole message, header included.
    pub size: u32,
    /// Destination port (on receipt: the reply port).
    pub remote_port: u32,
    /// Reply port (on receipt: the port received from).
    pub local_port: u32,
    /// Set on receipt: the port's sequence number.
    pub seqno: u32,
    pub id: i32,
}

const _: () = assert!(core::mem::size_of::<MachMsgHeader>() == 24);

/// The header's `bits` for a remote and a local disposition.
pub const fn msgh_bits(remote: u32, local: u32) -> u32 {
    remote | (local << 8)
}
pub const MACH_MSGH_BITS_REMOTE_MASK: u32 = 0x0000_00FF;
pub const MACH_MSGH_BITS_LOCAL_MASK: u32 = 0x0000_FF00;
/// The body carries port rights or out-of-line memory.
pub const MACH_MSGH_BITS_COMPLEX: u32 = 0x8000_0000;
pub const MACH_MSGH_BITS_CIRCULAR: u32 = 0x4000_0000;

/// The remote disposition in `bits`.
pub const fn msgh_bits_remote(bits: u32) -> u32 {
    bits & MACH_MSGH_BITS_REMOTE_MASK
}
/// The local disposition in `bits`.
pub const fn msgh_bits_local(bits: u32) -> u32 {
    (bits & MACH_MSGH_BITS_LOCAL_MASK) >> 8
}

// Type names of data items.
pub const MACH_MSG_TYPE_UNSTRUCTURED: u32 = 0;
pub const MACH_MSG_TYPE_BIT: u32 = 0;
pub const MACH_MSG_TYPE_BOOLEAN: u32 = 0;
pub const MACH_MSG_TYPE_INTEGER_16: u32 = 1;
pub const MACH_MSG_TYPE_INTEGER_32: u32 = 2;
pub const MACH_MSG_TYPE_CHAR: u32 = 8;
pub const MACH_MSG_TYPE_BYTE: u32 = 9;
pub const MACH_MSG_TYPE_INTEGER_8: u32 = 9;
pub const MACH_MSG_TYPE_REAL: u32 = 10;
pub const MACH_MSG_TYPE_INTEGER_64: u32 = 11;
pub const MACH_MSG_TYPE_STRING: u32 = 12;
pub const MACH_MSG_TYPE_STRING_C: u32 = 12;

// Dispositions: how a right is sent, and what the receiver gets.
pub const MACH_MSG_TYPE_PORT_NAME: u32 = 15;
pub const MACH_MSG_TYPE_MOVE_RECEIVE: u32 = 16;
pub const MACH_MSG_TYPE_MOVE_SEND: u32 = 17;
pub const MACH_MSG_TYPE_MOVE_SEND_ONCE: u32 = 18;
pub const MACH_MSG_TYPE_COPY_SEND: u32 = 19;
pub const MACH_MSG_TYPE_MAKE_SEND: u32 = 20;
pub const MACH_MSG_TYPE_MAKE_SEND_ONCE: u32 = 21;
pub const MACH_MSG_TYPE_PORT_RECEIVE: u32 = MACH_MSG_TYPE_MOVE_RECEIVE;
pub const MACH_MSG_TYPE_PORT_SEND: u32 = MACH_MSG_TYPE_MOVE_SEND;
pub const MACH_MSG_TYPE_PORT_SEND_ONCE: u32 = MACH_MSG_TYPE_MOVE_SEND_ONCE;
pub const MACH_MSG_TYPE_POLYMORPHIC: u32 = !0;

// `mach_msg` options.
pub const MACH_MSG_OPTION_NONE: i32 = 0;
pub const MACH_SEND_MSG: i32 = 0x1;
pub const MACH_RCV_MSG: i32 = 0x2;
pub const MACH_SEND_TIMEOUT: i32 = 0x10;
pub const MACH_SEND_NOTIFY: i32 = 0x20;
pub const MACH_SEND_INTERRUPT: i32 = 0x40;
pub const MACH_SEND_CANCEL: i32 = 0x80;
pub const MACH_RCV_TIMEOUT: i32 = 0x100;
pub const MACH_RCV_NOTIFY: i32 = 0x200;
pub const MACH_RCV_INTERRUPT: i32 = 0x400;
pub const MACH_RCV_LARGE: i32 = 0x800;
/// No timeout.
pub const MACH_MSG_TIMEOUT_NONE: u32 = 0;

// Return codes.
pub const MACH_MSG_SUCCESS: MachMsgReturn = 0;
/// The special bits some errors carry.
pub const MACH_MSG_MASK: MachMsgReturn = 0x3c00;
pub const MACH_MSG_IPC_SPACE: MachMsgReturn = 0x2000;
pub const MACH_MSG_VM_SPACE: MachMsgReturn = 0x1000;
pub const MACH_MSG_IPC_KERNEL: MachMsgReturn = 0x800;
pub const MACH_MSG_VM_KERNEL: MachMsgReturn = 0x400;
pub const MACH_SEND_IN_PROGRESS: MachMsgReturn = 0x1000_0001;
pub const MACH_SEND_INVALID_DATA: MachMsgReturn = 0x1000_0002;
pub const MACH_SEND_INVALID_DEST: MachMsgReturn = 0x1000_0003;
pub const MACH_SEND_TIMED_OUT: MachMsgReturn = 0x1000_0004;
pub const MACH_SEND_WILL_NOTIFY: MachMsgReturn = 0x1000_0005;
pub const MACH_SEND_NOTIFY_IN_PROGRESS: MachMsgReturn = 0x1000_0006;
pub const MACH_SEND_INTERRUPTED: MachMsgReturn = 0x1000_0007;
pub const MACH_SEND_MSG_TOO_SMALL: MachMsgReturn = 0x1000_0008;
pub const MACH_SEND_INVALID_REPLY: MachMsgReturn = 0x1000_0009;
pub const MACH_SEND_INVALID_RIGHT: MachMsgReturn = 0x1000_000a;
pub const MACH_SEND_INVALID_NOTIFY: MachMsgReturn = 0x1000_000b;
pub const MACH_SEND_INVALID_MEMORY: MachMsgReturn = 0x1000_000c;
pub const MACH_SEND_NO_BUFFER: MachMsgReturn = 0x1000_000d;
pub const MACH_SEND_NO_NOTIFY: MachMsgReturn = 0x1000_000e;
pub const MACH_SEND_INVALID_TYPE: MachMsgReturn = 0x1000_000f;
pub const MACH_SEND_INVALID_HEADER: MachMsgReturn = 0x1000_0010;
pub const MACH_RCV_IN_PROGRESS: MachMsgReturn = 0x1000_4001;
pub const MACH_RCV_INVALID_NAME: MachMsgReturn = 0x1000_4002;
pub const MACH_RCV_TIMED_OUT: MachMsgReturn = 0x1000_4003;
pub const MACH_RCV_TOO_LARGE: MachMsgReturn = 0x1000_4004;
pub const MACH_RCV_INTERRUPTED: MachMsgReturn = 0x1000_4005;
pub const MACH_RCV_PORT_CHANGED: MachMsgReturn = 0x1000_4006;
pub const MACH_RCV_INVALID_NOTIFY: MachMsgReturn = 0x1000_4007;
pub const MACH_RCV_INVALID_DATA: MachMsgReturn = 0x1000_4008;
pub const MACH_RCV_PORT_DIED: MachMsgReturn = 0x1000_4009;
pub const MACH_RCV_IN_SET: MachMsgReturn = 0x1000_400a;
pub const MACH_RCV_HEADER_ERROR: MachMsgReturn = 0x1000_400b;
pub const MACH_RCV_BODY_ERROR: MachMsgReturn = 0x1000_400c;

/// A short type descriptor: bit fields from the least significant bit: name 8,
/// size 8 (bits per element), number 12, inline 1, longform 1, deallocate 1,
/// unused 1.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MachMsgType(pub u32);

const INLINE: u32 = 1 << 28;
const LONGFORM: u32 = 1 << 29;
const DEALLOCATE: u32 = 1 << 30;

impl MachMsgType {
    /// A descriptor for `number` (< 4096) elements of `size_bits` bits of type
    /// `name`. Out-of-range values are truncated to their fields.
    pub const fn new(name: u32, size_bits: u32, number: u32, inline: bool, deallocate: bool) -> Self {
        let mut v = (name & 0xFF) | ((size_bits & 0xFF) << 8) | ((number & 0xFFF) << 16);
        if inline {
            v |= INLINE;
        }
        if deallocate {
            v |= DEALLOCATE;
        }
        MachMsgType(v)
    }
    /// The header word of a long descriptor (only inline/longform/deallocate set).
    pub const fn long_header(inline: bool, deallocate: bool) -> Self {
        let mut v = LONGFORM;
        if inline {
            v |= INLINE;
        }
        if deallocate {
            v |= DEALLOCATE;
        }
        MachMsgType(v)
    }
    pub const fn name(self) -> u32 {
        self.0 & 0xFF
    }
    pub const fn size(self) -> u32 {
        (self.0 >> 8) & 0xFF
    }
    pub const fn number(self) -> u32 {
        (self.0 >> 16) & 0xFFF
    }
    pub const fn is_inline(self) -> bool {
        self.0 & INLINE != 0
    }
    pub const fn is_longform(self) -> bool {
        self.0 & LONGFORM != 0
    }
    pub const fn is_deallocate(self) -> bool {
        self.0 & DEALLOCATE != 0
    }
}

/// One inline 32-bit integer's descriptor (what MIG uses for return codes).
pub const INTEGER_32_DESC: MachMsgType = MachMsgType::new(MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false);

/// The 12-byte long descriptor: a header word with only inline/longform/
/// deallocate meaningful, then name, size (bits) and number in full.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MachMsgTypeLong {
    pub header: MachMsgType,
    pub name: u16,
    pub size: u16,
    pub number: u32,
}

const _: () = assert!(core::mem::size_of::<MachMsgTypeLong>() == 12);
const _: () = assert!(INTEGER_32_DESC.0 == 0x1001_2002);
