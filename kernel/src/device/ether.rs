//! Ethernet status words as GNU Mach's `device/net_status.h` lays them out:
//! `NET_STATUS` (`struct net_status`) and `NET_ADDRESS`.

use alloc::vec;
use alloc::vec::Vec;

/// `NET_STATUS`: `struct net_status`, 7 words.
pub const NET_STATUS: u32 = ((b'n' as u32) << 16) + 1;
/// `NET_ADDRESS`: the station address, in words.
pub const NET_ADDRESS: u32 = ((b'n' as u32) << 16) + 2;
/// `NET_FLAGS`: the interface flags word.
pub const NET_FLAGS: u32 = ((b'n' as u32) << 16) + 4;
/// This kernel's flavor (GNU Mach has none): the link state, one word: 1
/// up, 0 down, `u32::MAX` (-1) when the driver cannot tell.
pub const NET_LINK: u32 = ((b'N' as u32) << 16) + 1;
/// This kernel's flavor: the interface's counters, [`NET_STATISTICS_COUNT`]
/// words: frames received, sent, receive errors, send errors, received
/// frames dropped, frames to send dropped, collisions, receive overruns,
/// frames waiting to be sent, frames the glue's backlog dropped.
pub const NET_STATISTICS: u32 = ((b'N' as u32) << 16) + 2;
/// Words of `NET_STATISTICS`.
pub const NET_STATISTICS_COUNT: usize = 10;
/// Words of a `struct net_status` (`NET_STATUS_COUNT`).
pub const NET_STATUS_COUNT: usize = 7;
/// `header_format` of Ethernet (`HDR_ETHERNET`).
pub const HDR_ETHERNET: u32 = 1;
/// `net_rcv_msg` message id (`NET_RCV_MSG_ID`).
pub const NET_RCV_MSG_ID: u32 = 2999;

/// `struct net_status` of an Ethernet interface, as GNU Mach's
/// `net_getstat` fills it: min_packet_size = the header size, max = header
/// + MTU, header format, header size, address size, flags, mapped_size 0.
pub fn net_status(header_len: u32, mtu: u32, addr_len: u32, flags: u32) -> Vec<u32> {
    vec![header_len, header_len + mtu, HDR_ETHERNET, header_len, addr_len, flags, 0]
}

/// `NET_ADDRESS` as GNU Mach gives it: the address bytes copied into words
/// (zero-padded), then each word converted with `htonl`, so on i386 word 0
/// of 52:54:00:12:34:56 is 0x52540012 and word 1 is 0x34560000.
pub fn address_words(addr: &[u8]) -> Vec<u32> {
    addr.chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            u32::from_be_bytes(b)
        })
        .collect()
}

/// Offset in a [`net_rcv_body`] of the link header.
pub const RCV_HEADER_AT: usize = 4;
/// Offset in a [`net_rcv_body`] of the packet (`packet_header`, payload).
pub const RCV_PACKET_AT: usize = 4 + ::device::net_filter::NET_HDW_HDR_MAX + 4;

/// `MACH_MSG_TYPE_BYTE` x `number`, inline.
fn byte_desc(number: u32) -> u32 {
    const MACH_MSG_TYPE_BYTE: u32 = 9;
    MACH_MSG_TYPE_BYTE | (8 << 8) | (number << 16) | (1 << 28)
}

/// The body of a `net_rcv_msg` after its header, made straight from an
/// Ethernet frame (the one copy of the frame a receiver's message needs):
/// the `header_type` descriptor (BYTE x NET_HDW_HDR_MAX), the link header
/// padded to 64 bytes, the `packet_type` descriptor (BYTE x count) and the
/// packet (a `packet_header` of {payload + 4 bytes, the frame's type},
/// then the payload), padded to 4 bytes. The filters run on it in place
/// ([`rcv_packet`]). `None` for a frame shorter than its header or whose
/// packet would pass `NET_RCV_MAX`, or without memory.
pub fn net_rcv_body(frame: &[u8]) -> Option<Vec<u8>> {
    use ::device::net_filter::{ETHER_HEADER_SIZE, NET_HDW_HDR_MAX, NET_RCV_MAX, PACKET_HEADER_SIZE};
    let payload = frame.get(ETHER_HEADER_SIZE..)?;
    let len = payload.len() + PACKET_HEADER_SIZE;
    if len > NET_RCV_MAX {
        return None;
    }
    let mut body = Vec::new();
    body.try_reserve_exact(RCV_PACKET_AT + len + 3).ok()?;
    body.extend_from_slice(&byte_desc(NET_HDW_HDR_MAX as u32).to_le_bytes());
    body.extend_from_slice(&frame[..ETHER_HEADER_SIZE]);
    body.resize(RCV_HEADER_AT + NET_HDW_HDR_MAX, 0);
    body.extend_from_slice(&byte_desc(len as u32).to_le_bytes());
    body.extend_from_slice(&(len as u16).to_le_bytes());
    body.extend_from_slice(&frame[12..14]);
    body.extend_from_slice(payload);
    while body.len() % 4 != 0 {
        body.push(0);
    }
    Some(body)
}

/// The view filters run on, inside a [`net_rcv_body`] of a packet of
/// `len` bytes.
pub fn rcv_packet(body: &[u8], len: usize) -> ::device::net_filter::Packet<'_> {
    use ::device::net_filter::ETHER_HEADER_SIZE;
    ::device::net_filter::Packet { header: &body[RCV_HEADER_AT..RCV_HEADER_AT + ETHER_HEADER_SIZE], packet: &body[RCV_PACKET_AT..RCV_PACKET_AT + len] }
}

/// A [`net_rcv_body`] of a packet of `len` bytes cut to its first `keep`
/// bytes (what a filter asked for), as a new body.
pub fn net_rcv_body_cut(body: &[u8], keep: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    out.try_reserve_exact(RCV_PACKET_AT + keep + 3).ok()?;
    out.extend_from_slice(&body[..RCV_PACKET_AT - 4]);
    out.extend_from_slice(&byte_desc(keep as u32).to_le_bytes());
    out.extend_from_slice(&body[RCV_PACKET_AT..RCV_PACKET_AT + keep]);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    Some(out)
}
