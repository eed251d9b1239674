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

/// The body of a `net_rcv_msg` after its header: the `header_type`
/// descriptor (BYTE x NET_HDW_HDR_MAX), the link header padded to 64 bytes,
/// the `packet_type` descriptor (BYTE x count) and the packet (a
/// `packet_header` then the payload), padded to 4 bytes.
pub fn net_rcv_body(header: &[u8; ::device::net_filter::NET_HDW_HDR_MAX], packet: &[u8]) -> Vec<u8> {
    const MACH_MSG_TYPE_BYTE: u32 = 9;
    let desc = |number: u32| MACH_MSG_TYPE_BYTE | (8 << 8) | (number << 16) | (1 << 28);
    let mut body = Vec::with_capacity(8 + header.len() + packet.len() + 3);
    body.extend_from_slice(&desc(header.len() as u32).to_le_bytes());
    body.extend_from_slice(header);
    body.extend_from_slice(&desc(packet.len() as u32).to_le_bytes());
    body.extend_from_slice(packet);
    while body.len() % 4 != 0 {
        body.push(0);
    }
    body
}
