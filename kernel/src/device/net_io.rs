//! Network interfaces behind device ports (GNU Mach's `device/net_io.c`):
//! the `ethN` devices, their packet filters and the delivery of frames as
//! `net_rcv_msg` messages.
//!
//! - `device_write` of a frame sends it ([`crate::glue::net::xmit`]);
//!   filters with `NETF_OUT` see it too.
//! - `device_get_status`: `NET_STATUS`, `NET_ADDRESS`, `NET_FLAGS`, and
//!   this kernel's `NET_LINK` and `NET_STATISTICS` (see `ether`).
//! - `device_set_status`: `NET_FLAGS` (one word, Linux `IFF_*` values, as
//!   GNU Mach takes it): `IFF_PROMISC` and `IFF_ALLMULTI` reach the NIC's
//!   receive filter through the driver's `set_multicast_list`.
//! - `device_set_filter(receive_port, priority, filter)`: the filter is
//!   validated by `device::net_filter` (refused: `D_INVALID_OPERATION`);
//!   the kernel keeps the send right to `receive_port`. A filter set again
//!   for the same port replaces the old one.
//! - Each received frame is copied once, into a `net_rcv_msg` body the
//!   filters run on, and offered to them in priority order
//!   (`FilterSet`: every accepting filter gets a message, the last the
//!   body itself and the others one copy of it each; one of priority
//!   at least `NET_HI_PRI` ends the walk) and sent as a `net_rcv_msg` (id 2999)
//!   to the filter's port without `MACH_SEND_ALWAYS`: the port's queue
//!   limit bounds what waits for a slow receiver, and a copy that does not
//!   fit is dropped and counted. A filter whose port died is removed.
//!
//! # Locking
//! `FILTERS` is taken with interrupts off; the only IPC call made under it
//! copies send rights (which raises no events). Messages are sent after it
//! is released.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use ::device::codes::{DeviceError, IoReturn, D_INVALID_OPERATION};
use ::device::emul::Device;
use ::device::net_filter::{Direction, FilterSet, FilterWord, InsertOrder, NET_MAX_FILTER};
use mach_ipc::{KMsgBuilder, PortId, Right};

use super::ether;
use crate::glue::net::{self as glue_net, NetInfo};
use crate::i386::cpu;
use crate::ipc::with_ipc;

/// The filters of one interface and the send rights they deliver to.
struct IfFilters {
    set: FilterSet<PortId, ()>,
    /// One send right per filter, by its port.
    rights: Vec<(PortId, Right)>,
    /// Per port: copies delivered, and copies dropped because the
    /// receiver's queue was full.
    counts: Vec<(PortId, Counts)>,
}

/// What one filter's port got.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Copies queued on the port.
    pub delivered: u64,
    /// Copies dropped: the port's queue was full.
    pub dropped: u64,
}

impl IfFilters {
    const fn new() -> IfFilters {
        IfFilters { set: FilterSet::new(InsertOrder::Priority), rights: Vec::new(), counts: Vec::new() }
    }

    /// Removes the filter of `port` (its port died); returns its right and
    /// what it got.
    fn remove(&mut self, port: PortId) -> Option<(Right, Counts)> {
        let counts = self.counts.iter().find(|(p, _)| *p == port).map_or(Counts::default(), |&(_, c)| c);
        self.set.remove(&port);
        self.counts.retain(|(p, _)| *p != port);
        let i = self.rights.iter().position(|(p, _)| *p == port)?;
        Some((self.rights.remove(i).1, counts))
    }

    fn count(&mut self, port: PortId, delivered: bool) {
        let i = match self.counts.iter().position(|(p, _)| *p == port) {
            Some(i) => i,
            None => {
                self.counts.push((port, Counts::default()));
                self.counts.len() - 1
            }
        };
        let c = &mut self.counts[i].1;
        if delivered {
            c.delivered += 1;
        } else {
            c.dropped += 1;
        }
    }
}

/// Releases the rights of removed filters and logs what each got.
fn release_removed(ifx: u32, removed: Vec<(Right, Counts)>) {
    if removed.is_empty() {
        return;
    }
    for (_, c) in &removed {
        crate::kprintln!("net_io: eth{} filter removed (its port died): {} delivered, {} dropped", ifx, c.delivered, c.dropped);
    }
    if let Some(s) = summary(ifx) {
        crate::kprintln!("net_io: eth{}: {}", ifx, s);
    }
    with_ipc(|ipc| removed.into_iter().for_each(|(r, _)| ipc.release_right(r)));
}

/// Filters by interface index.
static FILTERS: Mutex<Vec<IfFilters>> = Mutex::new(Vec::new());

/// One `ethN` device.
pub struct NetDevice {
    index: u32,
    info: NetInfo,
    opened: AtomicBool,
}

/// Registers interface `index` as device `info.name` (`eth0`...).
pub fn register(index: u32, info: NetInfo) {
    let name = info.name.clone();
    cpu::without_interrupts(|| {
        let mut f = FILTERS.lock();
        while f.len() <= index as usize {
            f.push(IfFilters::new());
        }
    });
    super::register(&name, Arc::new(NetDevice { index, info, opened: AtomicBool::new(false) }));
}

fn errno_to_device(e: i32) -> DeviceError {
    match e {
        glue_net::EINVAL => DeviceError::InvalidSize,
        glue_net::ENOMEM => DeviceError::NoMemory,
        glue_net::ENETDOWN => DeviceError::DeviceDown,
        glue_net::ENODEV => DeviceError::NoSuchDevice,
        _ => DeviceError::IoError,
    }
}

impl Device for NetDevice {
    /// The filter goes to `net_io` for this interface (errors release the
    /// port there, so none comes back).
    fn set_filter(&self, port: ::device::emul::FilterPort, priority: i32, filter: &[u16]) -> Result<(), (DeviceError, ::device::emul::FilterPort)> {
        let right = match port.downcast::<Right>() {
            Ok(r) => *r,
            Err(p) => return Err((DeviceError::InvalidOperation, p)),
        };
        set_filter_on(self.index, right, priority, filter).map_err(|_| (DeviceError::InvalidOperation, alloc::boxed::Box::new(Right::null()) as ::device::emul::FilterPort))
    }

    fn open(&self, _mode: u32) -> Result<(), DeviceError> {
        if !self.opened.load(Ordering::Acquire) {
            glue_net::open(self.index).map_err(errno_to_device)?;
            self.opened.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Interfaces stay up once opened, as in GNU Mach; filters whose
    /// receive port died go (their owner usually closed the device by
    /// dying).
    fn close(&self) {
        purge_dead(self.index);
    }

    /// Filters whose receive port died go, also after an explicit
    /// `device_close` (their owner ended since).
    fn port_released(&self) {
        purge_dead(self.index);
    }

    fn read(&self, _mode: u32, _recnum: u64, _bytes: u32) -> Result<Vec<u8>, DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }

    fn write(&self, _mode: u32, _recnum: u64, data: &[u8]) -> Result<u32, DeviceError> {
        let n = glue_net::xmit(self.index, data).map_err(errno_to_device)?;
        deliver(self.index, data, Direction::Out);
        Ok(n)
    }

    fn get_status(&self, flavor: u32, max: u32) -> Result<Vec<u32>, DeviceError> {
        let words = match flavor {
            ether::NET_STATUS => ether::net_status(self.info.header_len, self.info.mtu, self.info.addr.len() as u32, self.flags()),
            ether::NET_ADDRESS => ether::address_words(&self.info.addr),
            ether::NET_FLAGS => alloc::vec![self.flags()],
            ether::NET_LINK => {
                let s = glue_net::stats(self.index).ok_or(DeviceError::NoSuchDevice)?;
                alloc::vec![s.link.map_or(u32::MAX, u32::from)]
            }
            ether::NET_STATISTICS => {
                let s = glue_net::stats(self.index).ok_or(DeviceError::NoSuchDevice)?;
                alloc::vec![
                    s.rx_packets,
                    s.tx_packets,
                    s.rx_errors,
                    s.tx_errors,
                    s.rx_dropped,
                    s.tx_dropped,
                    s.collisions,
                    s.rx_over_errors,
                    s.tx_queued,
                    s.backlog_dropped
                ]
            }
            _ => return Err(DeviceError::InvalidOperation),
        };
        debug_assert!(flavor != ether::NET_STATUS || words.len() == ether::NET_STATUS_COUNT);
        debug_assert!(flavor != ether::NET_STATISTICS || words.len() == ether::NET_STATISTICS_COUNT);
        if (max as usize) < words.len() {
            return Err(DeviceError::InvalidOperation);
        }
        Ok(words)
    }

    /// `NET_FLAGS` with exactly one word (else `D_INVALID_SIZE`, as GNU
    /// Mach); the interface must be open.
    fn set_status(&self, flavor: u32, status: &[u32]) -> Result<(), DeviceError> {
        match flavor {
            ether::NET_FLAGS => {
                let &[flags] = status else {
                    return Err(DeviceError::InvalidSize);
                };
                glue_net::set_flags(self.index, flags).map_err(errno_to_device)
            }
            _ => Err(DeviceError::InvalidOperation),
        }
    }
}

impl NetDevice {
    /// `device_write` of a frame the kernel holds in its own buffer (a
    /// request's out-of-line data): the driver sends it from that buffer,
    /// no copy made for it. Filters that watch outgoing frames (`NETF_OUT`)
    /// get theirs from one copy made first, only when there are such.
    ///
    /// # Errors
    /// As [`Device::write`].
    pub fn write_owned(&self, frame: Vec<u8>) -> Result<u32, DeviceError> {
        let watched = cpu::without_interrupts(|| FILTERS.lock().get(self.index as usize).is_some_and(|i| i.set.wants(Direction::Out)));
        let copy = if watched { Some(frame.clone()) } else { None };
        let n = glue_net::xmit_owned(self.index, frame).map_err(errno_to_device)?;
        if let Some(c) = copy {
            deliver(self.index, &c, Direction::Out);
        }
        Ok(n)
    }

    fn flags(&self) -> u32 {
        glue_net::info(self.index).map_or(self.info.flags, |i| i.flags)
    }
}

/// `device_set_filter` on interface `ifx` (through `Device::set_filter`):
/// installs the filter, keeping `right` (a send right to the receive port).
///
/// # Errors
/// `D_INVALID_OPERATION` if the port is not a live send right or the filter
/// is invalid. The right is released on error.
fn set_filter_on(ifx: u32, right: Right, priority: i32, words: &[FilterWord]) -> Result<(), IoReturn> {
    let release = |r: Right| with_ipc(|ipc| ipc.release_right(r));
    let Some((mach_ipc::RightKind::Send, port)) = right.port() else {
        release(right);
        return Err(D_INVALID_OPERATION);
    };
    if words.len() > NET_MAX_FILTER {
        release(right);
        return Err(D_INVALID_OPERATION);
    }
    let old = cpu::without_interrupts(|| {
        let mut f = FILTERS.lock();
        let Some(itf) = f.get_mut(ifx as usize) else {
            return Err(right);
        };
        if itf.set.set_filter(port, priority, words, usize::MAX).is_err() {
            return Err(right);
        }
        // Replacing this port's filter: keep one right.
        let old = itf.rights.iter().position(|(p, _)| *p == port).map(|i| itf.rights.remove(i).1);
        itf.rights.push((port, right));
        Ok(old)
    });
    match old {
        Ok(Some(r)) => {
            release(r);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(r) => {
            release(r);
            Err(D_INVALID_OPERATION)
        }
    }
}

/// Removes the filters of `ifx` whose receive port died, releasing their
/// send rights.
pub fn purge_dead(ifx: u32) {
    let ports: Vec<PortId> =
        cpu::without_interrupts(|| FILTERS.lock().get(ifx as usize).map(|i| i.rights.iter().map(|(p, _)| *p).collect()).unwrap_or_default());
    let dead: Vec<PortId> = with_ipc(|ipc| ports.into_iter().filter(|&p| !ipc.port_alive(p)).collect());
    if dead.is_empty() {
        return;
    }
    let removed: Vec<(Right, Counts)> = cpu::without_interrupts(|| {
        let mut f = FILTERS.lock();
        match f.get_mut(ifx as usize) {
            Some(itf) => dead.into_iter().filter_map(|p| itf.remove(p)).collect(),
            None => Vec::new(),
        }
    });
    release_removed(ifx, removed);
}

/// [`purge_dead`] on every interface: a task ended, and the ports of its
/// filters may have died with it. (A delivery finds a dead port too, but
/// no frame may come; until then the filter would keep the port.)
pub fn purge_all_dead() {
    let n = cpu::without_interrupts(|| FILTERS.lock().len());
    for ifx in 0..n as u32 {
        purge_dead(ifx);
    }
}

/// A frame received on interface `ifx` (from NET_BH).
pub fn receive(ifx: u32, frame: &[u8]) {
    deliver(ifx, frame, Direction::In);
}

/// Offers `frame` to the filters of `ifx` for direction `dir` and sends a
/// `net_rcv_msg` to each that accepts it. The frame is copied once, into
/// the first message's body, on which the filters run; each further
/// accepting filter's message is one copy of that body (GNU Mach copies its
/// kmsg the same way), and none is made when no filter accepts.
fn deliver(ifx: u32, frame: &[u8], dir: Direction) {
    let has_filters = cpu::without_interrupts(|| FILTERS.lock().get(ifx as usize).is_some_and(|i| !i.set.is_empty()));
    if !has_filters {
        return;
    }
    let Some(body) = ether::net_rcv_body(frame) else {
        return;
    };
    let len = frame.len() - ::device::net_filter::ETHER_HEADER_SIZE + ::device::net_filter::PACKET_HEADER_SIZE;
    let pkt = ether::rcv_packet(&body, len);
    // Who gets a copy, with a send right each.
    let targets: Vec<(PortId, Right, usize)> = cpu::without_interrupts(|| {
        let f = FILTERS.lock();
        let Some(itf) = f.get(ifx as usize) else {
            return Vec::new();
        };
        itf.set
            .matches(&pkt, dir)
            .into_iter()
            .filter_map(|(port, bytes)| {
                let r = itf.rights.iter().find(|(p, _)| *p == port).map(|(_, r)| r)?;
                Some((port, with_ipc(|ipc| ipc.copy_send(r)), bytes))
            })
            .collect()
    });
    if targets.is_empty() {
        return;
    }
    // The last whole-packet target takes the body itself.
    let owner = targets.iter().rposition(|&(_, _, bytes)| bytes >= len);
    let mut body = Some(body);
    let mut dead = Vec::new();
    let mut sent = Vec::new();
    for (i, (port, right, bytes)) in targets.into_iter().enumerate() {
        let whole = body.as_deref().unwrap_or(&[]);
        let msg_body = if Some(i) == owner {
            body.take()
        } else if bytes >= len {
            let mut v = Vec::new();
            v.try_reserve_exact(whole.len()).ok().map(|_| {
                v.extend_from_slice(whole);
                v
            })
        } else {
            ether::net_rcv_body_cut(whole, bytes)
        };
        with_ipc(|ipc| {
            if right.is_dead() || !ipc.port_alive(port) {
                ipc.release_right(right);
                dead.push(port);
                return;
            }
            let Some(msg_body) = msg_body else {
                // No memory for this copy: dropped, as a full queue.
                ipc.release_right(right);
                sent.push((port, false));
                return;
            };
            let kmsg = KMsgBuilder::new(right, Right::null(), ether::NET_RCV_MSG_ID).body(msg_body).build();
            // No MACH_SEND_ALWAYS: a full queue refuses the copy.
            match ipc.send(kmsg, 0) {
                Ok(()) => sent.push((port, true)),
                Err(k) => {
                    ipc.destroy_kmsg(k);
                    sent.push((port, false));
                }
            }
        });
    }
    let removed: Vec<(Right, Counts)> = cpu::without_interrupts(|| {
        let mut f = FILTERS.lock();
        let Some(itf) = f.get_mut(ifx as usize) else {
            return Vec::new();
        };
        for (port, delivered) in sent {
            itf.count(port, delivered);
        }
        dead.into_iter().filter_map(|port| itf.remove(port)).collect()
    });
    release_removed(ifx, removed);
}

/// A one-line summary of interface `ifx`'s counters, for the log.
pub fn summary(ifx: u32) -> Option<String> {
    let s = glue_net::stats(ifx)?;
    Some(alloc::format!(
        "rx {} tx {} rx-errors {} tx-errors {} rx-dropped {} queued {} backlog-dropped {}",
        s.rx_packets,
        s.tx_packets,
        s.rx_errors,
        s.tx_errors,
        s.rx_dropped,
        s.tx_queued,
        s.backlog_dropped
    ))
}
