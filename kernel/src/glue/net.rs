//! Network interfaces driven by the Linux glue: the Rust end of
//! `linux-glue/src/net.c` (probe chain, transmit queue, receive backlog).
//!
//! [`init`] starts the glue, runs the Ethernet probe chain and registers
//! every interface it found with the device server as `eth0`, `eth1`...
//! (see [`crate::device::net_io`]). Frames cross the seam as plain bytes
//! with the interface's index: [`xmit`] towards the driver,
//! `mach_net_receive` (called from NET_BH) towards the packet filters.

use alloc::string::String;
use core::ffi::{c_ulong, c_uchar, c_uint};

use super::sys;
use crate::kern::sched_prim as sched;

/// What the probe found about one interface.
#[derive(Clone, Debug)]
pub struct NetInfo {
    /// Linux name (`eth0`...).
    pub name: String,
    /// Station address.
    pub addr: [u8; 6],
    /// Payload MTU (1500).
    pub mtu: u32,
    /// Link header length (14).
    pub header_len: u32,
    /// Linux `IFF_*` flags.
    pub flags: u32,
    /// I/O base and interrupt line.
    pub base_addr: u32,
    pub irq: u32,
}

/// An interface's counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetStats {
    pub rx_packets: u32,
    pub tx_packets: u32,
    pub rx_errors: u32,
    pub tx_errors: u32,
    pub rx_dropped: u32,
    pub tx_dropped: u32,
    pub collisions: u32,
    pub rx_over_errors: u32,
    pub tx_queued: u32,
    pub backlog_dropped: u32,
    /// `Some(true)` link up, `Some(false)` down, `None` the driver cannot tell.
    pub link: Option<bool>,
}

/// Linux errno values the seam returns.
pub const EAGAIN: i32 = 11;
pub const ENODEV: i32 = 19;
pub const EINVAL: i32 = 22;
pub const ENOMEM: i32 = 12;
pub const ENETDOWN: i32 = 100;

/// Starts the glue (once), probes the Ethernet interfaces and registers
/// each with the device server. Returns how many were found.
///
/// # Errors
/// The glue could not start.
pub fn init() -> Result<usize, String> {
    super::init()?;
    // SAFETY: the glue is started (glue_late_init ran); thread context.
    let n = unsafe { sys::glue_net_init() };
    let n = n.max(0) as usize;
    for index in 0..n {
        if let Some(info) = info(index as u32) {
            crate::kprintln!(
                "net: {} at {:#x} irq {} address {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                info.name,
                info.base_addr,
                info.irq,
                info.addr[0],
                info.addr[1],
                info.addr[2],
                info.addr[3],
                info.addr[4],
                info.addr[5]
            );
            crate::device::net_io::register(index as u32, info);
        }
    }
    Ok(n)
}

/// The probe's facts about interface `index`.
pub fn info(index: u32) -> Option<NetInfo> {
    let mut raw = sys::mach_net_info { name: [0; 16], addr: [0; 8], addr_len: 0, mtu: 0, header_len: 0, flags: 0, base_addr: 0, irq: 0 };
    // SAFETY: `raw` is a writable mach_net_info.
    if unsafe { sys::glue_net_info(index, &mut raw) } != 0 {
        return None;
    }
    let end = raw.name.iter().position(|&c| c == 0).unwrap_or(raw.name.len());
    let name: String = raw.name[..end].iter().map(|&c| c as u8 as char).collect();
    let mut addr = [0u8; 6];
    addr.copy_from_slice(&raw.addr[..6]);
    Some(NetInfo { name, addr, mtu: raw.mtu, header_len: raw.header_len, flags: raw.flags, base_addr: raw.base_addr, irq: raw.irq })
}

/// Opens interface `index` (idempotent).
///
/// # Errors
/// The driver's negative errno, made positive.
pub fn open(index: u32) -> Result<(), i32> {
    // SAFETY: a plain call; thread context.
    match unsafe { sys::glue_net_open(index) } {
        0 => Ok(()),
        e => Err(-e),
    }
}

/// Interface `index`'s counters.
pub fn stats(index: u32) -> Option<NetStats> {
    // SAFETY: an all-integer C struct; zero is a valid value.
    let mut s: sys::mach_net_stats = unsafe { core::mem::zeroed() };
    // SAFETY: `s` is writable.
    if unsafe { sys::glue_net_stats(index, &mut s) } != 0 {
        return None;
    }
    Some(NetStats {
        rx_packets: s.rx_packets,
        tx_packets: s.tx_packets,
        rx_errors: s.rx_errors,
        tx_errors: s.tx_errors,
        rx_dropped: s.rx_dropped,
        tx_dropped: s.tx_dropped,
        collisions: s.collisions,
        rx_over_errors: s.rx_over_errors,
        tx_queued: s.tx_queued,
        backlog_dropped: s.backlog_dropped,
        link: match s.link {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        },
    })
}

/// Sets interface `index`'s Linux `IFF_*` flags (`IFF_PROMISC`,
/// `IFF_ALLMULTI`...; up and running stay as they are) and has the driver
/// load the receive mode.
///
/// # Errors
/// A positive Linux errno: ENODEV, ENETDOWN (not open).
pub fn set_flags(index: u32, flags: u32) -> Result<(), i32> {
    // SAFETY: a plain call; thread context.
    match unsafe { sys::glue_net_set_flags(index, flags) } {
        0 => Ok(()),
        e => Err(-e),
    }
}

/// The event writers wait on while interface `index`'s queue is full.
fn tx_event(index: u32) -> usize {
    static TX_EVENTS: [u8; 8] = [0; 8];
    &TX_EVENTS[(index as usize) % TX_EVENTS.len()] as *const u8 as usize
}

/// Sends one Ethernet frame (header included) on interface `index`. When
/// the driver's queue is full the calling thread waits for room (woken
/// from NET_BH, re-checking every few ticks), so no frame is lost.
///
/// # Errors
/// A positive Linux errno: ENODEV, ENETDOWN (not open), EINVAL (length),
/// ENOMEM.
pub fn xmit(index: u32, frame: &[u8]) -> Result<u32, i32> {
    loop {
        // SAFETY: `frame` is readable for its length; thread context.
        let r = unsafe { sys::glue_net_xmit(index, frame.as_ptr(), frame.len() as c_uint) };
        if r >= 0 {
            return Ok(r as u32);
        }
        if -r != EAGAIN {
            return Err(-r);
        }
        sched::assert_wait(tx_event(index), Some(5));
        sched::thread_block();
    }
}

/// As [`xmit`], without a copy: the driver is handed `frame`'s own memory
/// (its DMA reads the frame where the request brought it), and the buffer
/// is freed once the driver is done with it ([`mach_net_tx_done`]).
/// Frames shorter than the minimum (60 bytes), which drivers pad in their
/// buffer, are copied by [`xmit`].
///
/// # Errors
/// As [`xmit`].
pub fn xmit_owned(index: u32, frame: alloc::vec::Vec<u8>) -> Result<u32, i32> {
    const ETH_ZLEN: usize = 60;
    if frame.len() < ETH_ZLEN {
        return xmit(index, &frame);
    }
    let len = frame.len() as c_uint;
    let mut holder = alloc::boxed::Box::new(frame);
    let data = holder.as_mut_ptr();
    let cookie = alloc::boxed::Box::into_raw(holder);
    loop {
        // SAFETY: `data` is the frame's heap buffer, which stays put while
        // `cookie` owns it (moving the Box moves no bytes); kernel heap
        // blocks are power-of-two classes or whole pages, so the length
        // rounded up to 4 is readable. The glue takes it on success and
        // gives it back through mach_net_tx_done; on error it is ours.
        let r = unsafe { sys::glue_net_xmit_buf(index, data, len, cookie as c_ulong) };
        if r >= 0 {
            return Ok(r as u32);
        }
        if -r != EAGAIN {
            // SAFETY: the glue refused it: `cookie` is still the Box made above.
            drop(unsafe { alloc::boxed::Box::from_raw(cookie) });
            return Err(-r);
        }
        sched::assert_wait(tx_event(index), Some(5));
        sched::thread_block();
    }
}

/// `mach_net_tx_done`: the driver freed the skb of an [`xmit_owned`] frame.
///
/// # Safety
/// `cookie` is the cookie of an accepted `glue_net_xmit_buf`, given back once.
#[no_mangle]
pub unsafe extern "C" fn mach_net_tx_done(cookie: c_ulong) {
    // SAFETY: the caller's contract: the Box `xmit_owned` leaked.
    drop(unsafe { alloc::boxed::Box::from_raw(cookie as *mut alloc::vec::Vec<u8>) });
}

/// `mach_net_receive`: a frame from NET_BH, for the packet filters.
///
/// # Safety
/// `frame` points at `len` readable bytes for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn mach_net_receive(index: c_uint, frame: *const c_uchar, len: c_uint) {
    if frame.is_null() {
        return;
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { core::slice::from_raw_parts(frame, len as usize) };
    crate::device::net_io::receive(index, bytes);
}

/// `mach_net_tx_ready`: the transmit queue of `index` has room.
#[no_mangle]
pub extern "C" fn mach_net_tx_ready(index: c_uint) {
    sched::thread_wakeup(tx_event(index));
}
