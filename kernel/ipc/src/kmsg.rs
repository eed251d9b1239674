//! Kernel messages (`KMsg`), the i386 typed-body walker, a builder for
//! kernel-generated messages, and the out-of-line memory seam.

use alloc::vec::Vec;

use crate::consts::bits::*;
use crate::consts::msg::*;
use crate::consts::ty::*;
use crate::Right;

/// Size of `mach_msg_header_t` on i386.
pub const HEADER_SIZE: usize = 24;

/// Where a carried right sits in a message body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortLoc {
    /// Inline: byte offset of the 32-bit name field, relative to the body start.
    Inline {
        /// Offset from the start of the body (just after the header).
        offset: u32,
    },
    /// Element `index` of the out-of-line port array `region` (index into [`KMsg::ool`]).
    Ool {
        /// Index into the message's OOL regions.
        region: u32,
        /// Element index.
        index: u32,
    },
}

/// A right carried in a message body, with its position.
#[derive(Debug)]
pub struct PortSlot {
    /// Where the name goes on copyout.
    pub loc: PortLoc,
    /// The carried type name (`MACH_MSG_TYPE_PORT_RECEIVE/SEND/SEND_ONCE`).
    pub type_name: u32,
    /// The right (null or dead for `MACH_PORT_NULL` / `MACH_PORT_DEAD` names).
    pub right: Right,
}

/// Out-of-line memory carried by a message.
#[derive(Debug)]
pub struct OolRegion {
    /// Byte offset (relative to the body start) of the 4-byte address field.
    pub addr_offset: u32,
    /// The data (for port arrays: the names as sent, 4 bytes each; patched on copyout).
    pub data: Vec<u8>,
    /// The region holds port rights.
    pub is_port: bool,
    /// The data as a copy-on-write copy of the sender's memory (map
    /// entries, or the kernel's own pages) instead of bytes (`data` is
    /// empty then).
    pub pages: Option<alloc::boxed::Box<dyn OolPages>>,
    /// Where the sender's data started within its page: copied data
    /// arrives at the same offset (GNU Mach moves whole pages).
    pub page_offset: u32,
}

impl OolRegion {
    /// A region of copied bytes.
    pub fn bytes(addr_offset: u32, data: Vec<u8>, is_port: bool) -> Self {
        OolRegion { addr_offset, data, is_port, pages: None, page_offset: 0 }
    }

    /// The data as bytes, whichever way it is held; `None` when pages
    /// would have to be copied and there is no memory for the copy (the
    /// pages stay with the region).
    pub fn take_bytes(&mut self) -> Option<Vec<u8>> {
        match &self.pages {
            Some(p) => {
                let b = p.to_bytes()?;
                self.pages = None;
                Some(b)
            }
            None => Some(core::mem::take(&mut self.data)),
        }
    }
}

/// Out-of-line data the kernel holds as a copy-on-write copy of memory
/// rather than bytes (see [`OolMemory::capture`]); dropping it lets the
/// memory go.
pub trait OolPages: core::fmt::Debug + Send {
    /// Bytes of data.
    fn len(&self) -> u32;
    /// Whether there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A copy of the data (for a receiver that wants bytes: the kernel);
    /// `None` when there is no memory for it (the sender chose the size).
    fn to_bytes(&self) -> Option<Vec<u8>>;
    /// For the kernel's receive side, which knows the concrete type.
    fn into_any(self: alloc::boxed::Box<Self>) -> alloc::boxed::Box<dyn core::any::Any>;
}

/// One item of a typed body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyItem {
    /// Offset of the descriptor, relative to the body start.
    pub desc_offset: u32,
    /// Type name.
    pub name: u32,
    /// Element size in bits.
    pub size: u32,
    /// Number of elements.
    pub number: u32,
    /// Data is inline.
    pub inline: bool,
    /// Long-form descriptor.
    pub longform: bool,
    /// Deallocate bit.
    pub dealloc: bool,
    /// Offset of the inline data or of the 4-byte OOL address.
    pub data_offset: u32,
    /// Data length in bytes (`(number * size + 7) / 8`).
    pub length: u32,
}

impl BodyItem {
    /// True for port-right type names (16..=21).
    pub fn is_port(&self) -> bool {
        (MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&self.name)
    }
}

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn wr32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// Walks a typed message body (the bytes after the header) as GNU Mach i386
/// lays it out, validating every descriptor.
///
/// # Errors
/// - `MACH_SEND_MSG_TOO_SMALL`: a descriptor, inline data or OOL address runs
///   past the end of the body.
/// - `MACH_SEND_INVALID_TYPE`: a port type whose size is not 32 bits, a long
///   form whose short word has a nonzero name/size/number, the unused bit
///   set, or the deallocate bit on inline data.
pub fn parse_body(body: &[u8]) -> Result<Vec<BodyItem>, u32> {
    match parse_body_partial(body) {
        (items, None) => Ok(items),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`parse_body`], but returns the items before the first error too
/// (GNU Mach processes items one by one, so earlier items take effect).
pub(crate) fn parse_body_partial(body: &[u8]) -> (Vec<BodyItem>, Option<u32>) {
    let mut items = Vec::new();
    match parse_into(body, &mut items) {
        Ok(()) => (items, None),
        Err(e) => (items, Some(e)),
    }
}

fn parse_into(body: &[u8], items: &mut Vec<BodyItem>) -> Result<(), u32> {
    let end = body.len();
    let mut off = 0usize;
    while off < end {
        if end - off < 4 {
            return Err(MACH_SEND_MSG_TOO_SMALL);
        }
        let w = rd32(body, off);
        let inline = w & (1 << 28) != 0;
        let longform = w & (1 << 29) != 0;
        let dealloc = w & (1 << 30) != 0;
        let unused = w & (1 << 31) != 0;
        let (name, size, number, data_off) = if longform {
            if end - off < 12 {
                return Err(MACH_SEND_MSG_TOO_SMALL);
            }
            if w & 0x0fff_ffff != 0 {
                return Err(MACH_SEND_INVALID_TYPE);
            }
            let ns = rd32(body, off + 4);
            (ns & 0xffff, ns >> 16, rd32(body, off + 8), off + 12)
        } else {
            (w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xfff, off + 4)
        };
        let is_port = (MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&name);
        if (is_port && size != 32) || unused || (dealloc && inline) {
            return Err(MACH_SEND_INVALID_TYPE);
        }
        let length = (number as u64 * size as u64).div_ceil(8);
        let next = if inline {
            if ((end - data_off) as u64) < length {
                return Err(MACH_SEND_MSG_TOO_SMALL);
            }
            data_off + length as usize
        } else {
            if end - data_off < 4 {
                return Err(MACH_SEND_MSG_TOO_SMALL);
            }
            data_off + 4
        };
        if length > u32::MAX as u64 {
            return Err(MACH_SEND_MSG_TOO_SMALL);
        }
        items.push(BodyItem {
            desc_offset: off as u32,
            name,
            size,
            number,
            inline,
            longform,
            dealloc,
            data_offset: data_off as u32,
            length: length as u32,
        });
        off = (next + 3) & !3;
    }
    Ok(())
}

/// Rewrites the type name of a descriptor in place.
pub(crate) fn set_item_name(body: &mut [u8], item: &BodyItem, name: u32) {
    let off = item.desc_offset as usize;
    if item.longform {
        let ns = rd32(body, off + 4);
        wr32(body, off + 4, (ns & 0xffff_0000) | name);
    } else {
        let w = rd32(body, off);
        wr32(body, off, (w & !0xff) | name);
    }
}

pub(crate) fn read32(b: &[u8], off: usize) -> u32 {
    rd32(b, off)
}

pub(crate) fn write32(b: &mut [u8], off: usize, v: u32) {
    wr32(b, off, v)
}

/// The kernel's access to user memory for out-of-line data.
#[allow(clippy::result_unit_err)]
pub trait OolMemory {
    /// Reads `len` bytes at `addr` of the sending task.
    ///
    /// # Errors
    /// `Err(())` when the range is not readable.
    fn read(&mut self, addr: u32, len: u32) -> Result<Vec<u8>, ()>;
    /// Deallocates `len` bytes at `addr` in the sending task (deallocate bit).
    ///
    /// # Errors
    /// `Err(())` when the range cannot be deallocated.
    fn deallocate(&mut self, addr: u32, len: u32) -> Result<(), ()>;
    /// Allocates fresh memory in the receiving task, fills it with `data`, and
    /// returns its address.
    ///
    /// # Errors
    /// `Err(())` when the receiver's address space is full.
    fn allocate(&mut self, data: &[u8]) -> Result<u32, ()>;
    /// As [`OolMemory::allocate`], with the data starting `page_offset`
    /// bytes into its first page; returns the data's address.
    ///
    /// # Errors
    /// `Err(())` when the receiver's address space is full.
    fn allocate_at(&mut self, data: &[u8], page_offset: u32) -> Result<u32, ()> {
        let _ = page_offset;
        self.allocate(data)
    }
    /// Takes `len` bytes at `addr` of the sending task copy-on-write
    /// (by map entries) instead of copying them (deallocating them from the sender with
    /// `dealloc`); `Ok(None)` means copy bytes with [`OolMemory::read`].
    ///
    /// # Errors
    /// `Err(())` when the range is not readable.
    fn capture(&mut self, _addr: u32, _len: u32, _dealloc: bool) -> Result<Option<alloc::boxed::Box<dyn OolPages>>, ()> {
        Ok(None)
    }
    /// Maps a captured copy into the receiving task; returns the address
    /// of the data.
    ///
    /// # Errors
    /// `Err(())` when the receiver's address space is full.
    fn map_pages(&mut self, _pages: alloc::boxed::Box<dyn OolPages>) -> Result<u32, ()> {
        Err(())
    }
}

/// A message inside the kernel: header fields with carried rights, the body
/// bytes, the body's rights with their positions, and out-of-line regions.
#[derive(Debug)]
pub struct KMsg {
    /// Header bits; after copyin the port fields hold carried type names
    /// (`MACH_MSG_TYPE_PORT_SEND` ...), not the sender's dispositions.
    pub bits: u32,
    /// Message size in bytes, header included.
    pub size: u32,
    pub(crate) remote: Right,
    pub(crate) local: Right,
    /// Sequence number (set when dequeued).
    pub seqno: u32,
    /// Message id.
    pub id: u32,
    /// Body bytes (after the header); port name fields hold 0 until copyout.
    pub body: Vec<u8>,
    pub(crate) ports: Vec<PortSlot>,
    /// Out-of-line regions, in body order.
    pub ool: Vec<OolRegion>,
    pub(crate) circular: bool,
    pub(crate) stamp: u64,
}

impl KMsg {
    /// The destination port, if any.
    pub fn remote_port(&self) -> Option<crate::PortId> {
        self.remote.port_id()
    }

    /// The carried destination right.
    pub fn remote(&self) -> &Right {
        &self.remote
    }

    /// The carried reply right.
    pub fn local(&self) -> &Right {
        &self.local
    }

    /// Takes the reply right out (leaving null), e.g. for a kernel server reply.
    pub fn take_local(&mut self) -> Right {
        self.local.take()
    }

    /// Takes the destination right out (leaving null).
    pub fn take_remote(&mut self) -> Right {
        self.remote.take()
    }

    /// The carried body rights.
    pub fn ports(&self) -> &[PortSlot] {
        &self.ports
    }

    /// Takes body right `i` out (leaving null).
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn take_port(&mut self, i: usize) -> Right {
        self.ports[i].right.take()
    }

    /// The remote disposition/type field of `bits`.
    pub fn remote_type(&self) -> u32 {
        self.bits & MACH_MSGH_BITS_REMOTE_MASK
    }

    /// The local disposition/type field of `bits`.
    pub fn local_type(&self) -> u32 {
        (self.bits & MACH_MSGH_BITS_LOCAL_MASK) >> 8
    }
}

/// Builds kernel-generated messages (notifications, kernel server replies).
pub struct KMsgBuilder {
    msg: KMsg,
}

impl KMsgBuilder {
    /// Starts a message to `dest` (a send or send-once right) with reply right
    /// `reply` (may be null), message id `id`.
    pub fn new(dest: Right, reply: Right, id: u32) -> KMsgBuilder {
        let rt = dest.type_name().unwrap_or(0);
        let lt = reply.type_name().unwrap_or(0);
        KMsgBuilder {
            msg: KMsg {
                bits: rt | (lt << 8),
                size: HEADER_SIZE as u32,
                remote: dest,
                local: reply,
                seqno: 0,
                id,
                body: Vec::new(),
                ports: Vec::new(),
                ool: Vec::new(),
                circular: false,
                stamp: 0,
            },
        }
    }

    fn desc(name: u32, size: u32, number: u32, inline: bool) -> u32 {
        name | (size << 8) | (number << 16) | ((inline as u32) << 28)
    }

    /// Appends raw bytes (padded to 4).
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.msg.body.extend_from_slice(bytes);
        while !self.msg.body.len().is_multiple_of(4) {
            self.msg.body.push(0);
        }
        self
    }

    /// Appends `bytes` (padded to 4), taken as they are when the body is
    /// still empty (no copy).
    pub fn body(mut self, bytes: Vec<u8>) -> Self {
        if self.msg.body.is_empty() {
            self.msg.body = bytes;
            while !self.msg.body.len().is_multiple_of(4) {
                self.msg.body.push(0);
            }
            self
        } else {
            self.raw(&bytes)
        }
    }

    /// Appends an `INTEGER_32` item with one value.
    pub fn int32(self, v: u32) -> Self {
        let d = Self::desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true);
        self.raw(&d.to_le_bytes()).raw(&v.to_le_bytes())
    }

    /// Appends a `PORT_NAME` item (an uninterpreted name).
    pub fn port_name(self, name: u32) -> Self {
        let d = Self::desc(MACH_MSG_TYPE_PORT_NAME, 32, 1, true);
        self.raw(&d.to_le_bytes()).raw(&name.to_le_bytes())
    }

    /// Appends one inline port right item (marks the message complex). A null
    /// or dead right is sent as a send right field holding NULL/DEAD.
    pub fn port(mut self, right: Right) -> Self {
        let tn = right.type_name().unwrap_or(MACH_MSG_TYPE_PORT_SEND);
        let d = Self::desc(tn, 32, 1, true);
        self.msg.body.extend_from_slice(&d.to_le_bytes());
        let offset = self.msg.body.len() as u32;
        self.msg.body.extend_from_slice(&0u32.to_le_bytes());
        self.msg.ports.push(PortSlot { loc: PortLoc::Inline { offset }, type_name: tn, right });
        self.msg.bits |= MACH_MSGH_BITS_COMPLEX;
        self
    }

    /// Appends out-of-line data as a long-form item of `name` with element
    /// size `size` bits (marks the message complex).
    pub fn ool(mut self, name: u32, size: u32, data: Vec<u8>) -> Self {
        let number = if size == 0 { 0 } else { (data.len() as u64 * 8 / size as u64) as u32 };
        let short = 1u32 << 29; // longform, not inline
        self.msg.body.extend_from_slice(&short.to_le_bytes());
        self.msg.body.extend_from_slice(&(name | (size << 16)).to_le_bytes());
        self.msg.body.extend_from_slice(&number.to_le_bytes());
        let addr_offset = self.msg.body.len() as u32;
        self.msg.body.extend_from_slice(&0u32.to_le_bytes());
        self.msg.ool.push(OolRegion::bytes(addr_offset, data, false));
        self.msg.bits |= MACH_MSGH_BITS_COMPLEX;
        self
    }

    /// Finishes the message.
    pub fn build(mut self) -> KMsg {
        self.msg.size = (HEADER_SIZE + self.msg.body.len()) as u32;
        self.msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(name: u32, size: u32, number: u32, inline: bool) -> u32 {
        name | (size << 8) | (number << 16) | ((inline as u32) << 28)
    }

    #[test]
    fn walker_short_long_and_padding() {
        let mut b = Vec::new();
        b.extend_from_slice(&d(MACH_MSG_TYPE_INTEGER_8, 8, 3, true).to_le_bytes());
        b.extend_from_slice(&[1, 2, 3, 0]);
        b.extend_from_slice(&(1u32 << 28 | 1 << 29).to_le_bytes());
        b.extend_from_slice(&(MACH_MSG_TYPE_STRING | (1024 << 16)).to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&[0u8; 128]);
        let items = parse_body(&b).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].length, 3);
        assert_eq!(items[0].data_offset, 4);
        assert_eq!(items[1].desc_offset, 8);
        assert_eq!(items[1].name, MACH_MSG_TYPE_STRING);
        assert_eq!(items[1].size, 1024);
        assert_eq!(items[1].data_offset, 20);
        assert_eq!(items[1].length, 128);
    }

    #[test]
    fn walker_errors() {
        // Truncated descriptor.
        assert_eq!(parse_body(&[1, 2]), Err(MACH_SEND_MSG_TOO_SMALL));
        // Inline data past the end.
        let b = d(MACH_MSG_TYPE_INTEGER_32, 32, 2, true).to_le_bytes();
        let mut v = b.to_vec();
        v.extend_from_slice(&[0; 4]);
        assert_eq!(parse_body(&v), Err(MACH_SEND_MSG_TOO_SMALL));
        // Port with a bad size.
        let v = [d(MACH_MSG_TYPE_COPY_SEND, 16, 1, true).to_le_bytes(), [0; 4]].concat();
        assert_eq!(parse_body(&v), Err(MACH_SEND_INVALID_TYPE));
        // Deallocate on inline data.
        let v = [(d(MACH_MSG_TYPE_INTEGER_32, 32, 1, true) | 1 << 30).to_le_bytes(), [0; 4]].concat();
        assert_eq!(parse_body(&v), Err(MACH_SEND_INVALID_TYPE));
        // Unused bit.
        let v = [(d(MACH_MSG_TYPE_INTEGER_32, 32, 1, true) | 1 << 31).to_le_bytes(), [0; 4]].concat();
        assert_eq!(parse_body(&v), Err(MACH_SEND_INVALID_TYPE));
        // Long form with a nonzero short name.
        let mut v = (1u32 << 28 | 1 << 29 | 2).to_le_bytes().to_vec();
        v.extend_from_slice(&(2u32 | 32 << 16).to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&[0; 4]);
        assert_eq!(parse_body(&v), Err(MACH_SEND_INVALID_TYPE));
        // Long form truncated.
        let v = (1u32 << 28 | 1 << 29).to_le_bytes().to_vec();
        assert_eq!(parse_body(&v), Err(MACH_SEND_MSG_TOO_SMALL));
        // OOL address missing.
        let v = d(MACH_MSG_TYPE_INTEGER_8, 8, 10, false).to_le_bytes().to_vec();
        assert_eq!(parse_body(&v), Err(MACH_SEND_MSG_TOO_SMALL));
    }
}
