//! Packet filters as `device_set_filter` receives them, and the delivery of received
//! frames to the filters of an interface.
//!
//! # Wire form
//! A filter is an array of 16-bit `filter_t` words, at most [`NET_MAX_FILTER`] (512).
//! Word 0 holds the flags in its low 10 bits ([`NETF_IN`], [`NETF_OUT`]; at least one
//! is required) and the language in its top 6 bits ([`NETF_TYPE_MASK`]): 0 for the
//! CMU/Stanford stack language ("CSPF", module [`cspf`]) or [`NETF_BPF`] (`1 << 10`)
//! for BPF (module [`bpf`]). Values from GNU Mach's `net_status.h` and `bpf.h`.
//!
//! - CSPF: the program is words 1.. .
//! - BPF: the whole array is read as an array of 8-byte `struct bpf_insn {u16 code;
//!   u8 jt; u8 jf; i32 k}` in i386 memory order; instruction 0 is a header whose
//!   `code` is word 0 (so `NETF_BPF | flags`), and the program is instructions 1.. .
//!   Trailing words that do not fill an instruction are ignored, as GNU Mach does.
//!
//! # What a filter sees
//! GNU Mach hands filters the frame as its `net_rcv_msg` carries it ([`Packet`]): the
//! link header (for Ethernet the 14-byte header) in a separate buffer of up to
//! [`NET_HDW_HDR_MAX`] bytes, and the *packet*, which starts with a 4-byte
//! `packet_header {u16 length; u16 type}` (`length` = payload + 4, in host order;
//! `type` = the Ethernet type as on the wire) followed by the payload.
//! [`NetRcv::from_ethernet`] builds that form from a raw frame.
//!
//! - CSPF words index the packet (packet header included) and the link header as
//!   16-bit words read in host (i386, little-endian) order, so programs compare
//!   against `htons()` constants.
//! - BPF offsets address the link header followed by the payload (the packet header
//!   is skipped); loads are big-endian; `BPF_LEN` is the payload length; the return
//!   value is clipped to the payload length and, when non-zero, the message carries
//!   that many payload bytes plus the 4-byte packet header.
//!
//! # Errors
//! Every refusal ([`FilterError`]) maps to `D_INVALID_OPERATION` (2505), GNU Mach's
//! answer to a filter it cannot parse.
//!
//! # Delivery ([`FilterSet`])
//! GNU Mach's `net_filter` runs the filters of the packet's direction in list order
//! and gives a copy of the packet to *every* filter that accepts it, except that a
//! filter whose priority is at least [`NET_HI_PRI`] (100) ends the walk after it
//! accepts. See [`set`] for the list order.

pub mod bpf;
pub mod cspf;
pub mod set;

use alloc::vec::Vec;

use crate::codes::{DeviceError, IoReturn, D_INVALID_OPERATION};

pub use set::{Delivery, FilterSet, InsertOrder};

/// `filter_t`.
pub type FilterWord = u16;

/// Most words in a filter (`NET_MAX_FILTER`).
pub const NET_MAX_FILTER: usize = 512;
/// Depth of the CSPF evaluation stack (`NET_FILTER_STACK_DEPTH`).
pub const NET_FILTER_STACK_DEPTH: usize = 32;
/// Bits of a CSPF word that hold the argument (`NETF_NBPA`).
pub const NETF_NBPA: u32 = 10;
/// Filter applies to received packets.
pub const NETF_IN: u16 = 0x1;
/// Filter applies to sent packets.
pub const NETF_OUT: u16 = 0x2;
/// Language bits of word 0.
pub const NETF_TYPE_MASK: u16 = 0x3F << NETF_NBPA;
/// Language: BPF.
pub const NETF_BPF: u16 = 1 << NETF_NBPA;
/// Priorities at or above this end delivery after the filter accepts (`NET_HI_PRI`).
pub const NET_HI_PRI: i32 = 100;
/// Highest priority GNU Mach documents (`NET_PRI_MAX`); not enforced by GNU Mach.
pub const NET_PRI_MAX: i32 = 255;
/// Size of the link-header buffer of a `net_rcv_msg` (`NET_HDW_HDR_MAX`).
pub const NET_HDW_HDR_MAX: usize = 64;
/// Size of the packet buffer of a `net_rcv_msg` (`NET_RCV_MAX`).
pub const NET_RCV_MAX: usize = 4095;
/// Size of the `packet_header` that starts the packet buffer.
pub const PACKET_HEADER_SIZE: usize = 4;
/// Length of an Ethernet header.
pub const ETHER_HEADER_SIZE: usize = 14;

/// Why a filter was refused. All map to `D_INVALID_OPERATION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// No words at all.
    Empty,
    /// More than [`NET_MAX_FILTER`] words.
    TooLong,
    /// Neither [`NETF_IN`] nor [`NETF_OUT`] in word 0.
    NoDirection,
    /// Language bits neither 0 nor [`NETF_BPF`].
    UnknownType,
    /// CSPF: operator code above `NETF_SUB`, at this word index.
    CspfBadOperator(usize),
    /// CSPF: argument code 3..=13 (unassigned), at this word index.
    CspfBadArgument(usize),
    /// CSPF: `NETF_PUSHLIT` as the last word.
    CspfMissingLiteral(usize),
    /// CSPF: pops more than the stack holds, or ends with an empty stack.
    CspfStackUnderflow(usize),
    /// CSPF: pushes past the stack depth GNU Mach allows.
    CspfStackOverflow(usize),
    /// CSPF: `NETF_PUSHSTK + n` below the bottom of the stack.
    CspfBadStackIndex(usize),
    /// BPF: no instruction after the header.
    BpfTooShort,
    /// BPF: opcode GNU Mach does not execute, at this instruction index.
    BpfBadOpcode(usize),
    /// BPF: jump target at or past the end.
    BpfJumpOutOfRange(usize),
    /// BPF: scratch memory index not below 16.
    BpfBadMemIndex(usize),
    /// BPF: division or modulo by constant 0.
    BpfDivByZero(usize),
    /// BPF: left shift by a constant of 32 or more.
    BpfShiftTooLarge(usize),
    /// BPF: the last instruction is not a return.
    BpfNoFinalRet,
    /// BPF: GNU Mach's hashed-session extension (`BPF_RET|BPF_MATCH_IMM`,
    /// `BPF_MISC|BPF_KEY`), not implemented.
    BpfMatchUnsupported(usize),
}

impl FilterError {
    /// The reply code: `D_INVALID_OPERATION`.
    pub const fn code(self) -> IoReturn {
        D_INVALID_OPERATION
    }
}

impl From<FilterError> for DeviceError {
    fn from(_: FilterError) -> DeviceError {
        DeviceError::InvalidOperation
    }
}

/// A received (or sent) frame as filters see it: GNU Mach's `net_rcv_msg` buffers.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Link header (14 bytes for Ethernet).
    pub header: &'a [u8],
    /// `packet_header` (4 bytes) followed by the payload.
    pub packet: &'a [u8],
}

impl Packet<'_> {
    /// The payload: the packet without its `packet_header` (empty if too short).
    pub fn payload(&self) -> &[u8] {
        self.packet.get(PACKET_HEADER_SIZE..).unwrap_or(&[])
    }
}

/// An owned `net_rcv_msg`-style copy of a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRcv {
    /// Link header, zero-padded to [`NET_HDW_HDR_MAX`].
    pub header: [u8; NET_HDW_HDR_MAX],
    /// Meaningful bytes of `header`.
    pub header_len: usize,
    /// `packet_header` + payload.
    pub packet: Vec<u8>,
}

impl NetRcv {
    /// Split an Ethernet frame the way GNU Mach's glue does: the 14-byte header, then
    /// a packet of `{length = payload + 4 (host order), type = frame[12..14]}` and the
    /// payload.
    ///
    /// # Errors
    /// `None` if the frame is shorter than an Ethernet header or its packet would not
    /// fit in [`NET_RCV_MAX`] bytes.
    pub fn from_ethernet(frame: &[u8]) -> Option<NetRcv> {
        if frame.len() < ETHER_HEADER_SIZE {
            return None;
        }
        let payload = &frame[ETHER_HEADER_SIZE..];
        let len = payload.len() + PACKET_HEADER_SIZE;
        if len > NET_RCV_MAX {
            return None;
        }
        let mut header = [0u8; NET_HDW_HDR_MAX];
        header[..ETHER_HEADER_SIZE].copy_from_slice(&frame[..ETHER_HEADER_SIZE]);
        let mut packet = Vec::with_capacity(len);
        packet.extend_from_slice(&(len as u16).to_le_bytes());
        packet.extend_from_slice(&frame[12..14]);
        packet.extend_from_slice(payload);
        Some(NetRcv {
            header,
            header_len: ETHER_HEADER_SIZE,
            packet,
        })
    }

    /// The view filters run on.
    pub fn as_packet(&self) -> Packet<'_> {
        Packet {
            header: &self.header[..self.header_len],
            packet: &self.packet,
        }
    }
}

/// Which way a packet travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Received from the wire (filters with [`NETF_IN`]).
    In,
    /// Sent by a local user (filters with [`NETF_OUT`]).
    Out,
}

/// A validated filter program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Program {
    /// Stack language.
    Cspf(cspf::CspfProgram),
    /// Berkeley Packet Filter.
    Bpf(bpf::BpfProgram),
}

/// A validated filter: flags and program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    flags: u16,
    program: Program,
}

impl Filter {
    /// Validate the `filter_t` array of a `device_set_filter` request.
    ///
    /// # Errors
    /// A [`FilterError`] (reply `D_INVALID_OPERATION`) for an empty or overlong
    /// array, missing direction flags, an unknown language, or a program that fails
    /// its language's validator.
    pub fn parse(words: &[FilterWord]) -> Result<Filter, FilterError> {
        let Some(&flags) = words.first() else {
            return Err(FilterError::Empty);
        };
        if words.len() > NET_MAX_FILTER {
            return Err(FilterError::TooLong);
        }
        if flags & (NETF_IN | NETF_OUT) == 0 {
            return Err(FilterError::NoDirection);
        }
        let program = match flags & NETF_TYPE_MASK {
            0 => Program::Cspf(cspf::CspfProgram::validate(words)?),
            NETF_BPF => Program::Bpf(bpf::BpfProgram::validate(words)?),
            _ => return Err(FilterError::UnknownType),
        };
        Ok(Filter { flags, program })
    }

    /// Word 0 as given.
    pub const fn flags(&self) -> u16 {
        self.flags
    }

    /// The program.
    pub const fn program(&self) -> &Program {
        &self.program
    }

    /// Whether the filter sees packets going `dir`.
    pub const fn applies_to(&self, dir: Direction) -> bool {
        match dir {
            Direction::In => self.flags & NETF_IN != 0,
            Direction::Out => self.flags & NETF_OUT != 0,
        }
    }

    /// Run the filter: `None` to reject, or `Some(n)`, the number of packet bytes
    /// (packet header included) to deliver. CSPF accepts the whole packet; BPF
    /// accepts what its return value says, clipped to the payload, plus the header.
    pub fn run(&self, pkt: &Packet<'_>) -> Option<usize> {
        match &self.program {
            Program::Cspf(p) => p.run(pkt.header, pkt.packet).then_some(pkt.packet.len()),
            Program::Bpf(p) => {
                if pkt.packet.len() < PACKET_HEADER_SIZE {
                    return None;
                }
                match p.run(pkt.header, pkt.payload()) {
                    0 => None,
                    n => Some(n as usize + PACKET_HEADER_SIZE),
                }
            }
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
