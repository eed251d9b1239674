//! Messages between spaces and queues: copyin of a user message, sending to a
//! port's queue, receiving from a port or port set, copyout into the
//! receiver, and destruction of undelivered messages.

use alloc::vec::Vec;

use crate::consts::bits::*;
use crate::consts::msg::*;
use crate::consts::port::*;
use crate::consts::ty::*;
use crate::kmsg::{parse_body_partial, read32, set_item_name, write32, HEADER_SIZE};
use crate::right::copyin_type;
use crate::{
    Event, Ipc, KMsg, Obj, OolMemory, OolRegion, PortId, PortLoc, PortSlot, PsetId, Receiver, Right,
    RightKind, SpaceId,
};

/// What a blocked thread waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitObj {
    /// A port (receiving, or sending when the queue is full).
    Port(PortId),
    /// A port set (receiving).
    Pset(PsetId),
}

/// Why [`Ipc::receive`] returned no message.
#[derive(Debug, PartialEq, Eq)]
pub enum RecvError {
    /// A mach_msg return code (`MACH_RCV_INVALID_NAME`, `MACH_RCV_IN_SET`).
    Code(u32),
    /// Nothing queued: block on this object (or return `MACH_RCV_TIMED_OUT`
    /// for a zero timeout), then call [`Ipc::receive`] again.
    WouldBlock(WaitObj),
    /// `MACH_RCV_TOO_LARGE`: the message needs `size` bytes. With
    /// `MACH_RCV_LARGE` it stays queued and `header` is `None` (write `size`
    /// into the user's `msgh_size`); without, it was dequeued and destroyed
    /// and `header` holds the 24 header bytes to write to the user buffer.
    TooLarge {
        /// The message size.
        size: u32,
        /// The header to give the user, when the message was destroyed.
        header: Option<[u8; HEADER_SIZE]>,
    },
}

fn valid_name(n: u32) -> bool {
    n != MACH_PORT_NULL && n != MACH_PORT_DEAD
}

fn any_send(t: u32) -> bool {
    (MACH_MSG_TYPE_MOVE_SEND..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&t)
}

impl Ipc {
    /// Copies in a user message (GNU Mach `ipc_kmsg_get` + `ipc_kmsg_copyin`):
    /// `msg` holds the `send_size` bytes the user passed. The header's
    /// `msgh_size` is replaced by `send_size`. Rights named in the header and
    /// (when `MACH_MSGH_BITS_COMPLEX` is set) the body are taken from `space`
    /// and out-of-line memory is read through `mem`. Without the complex bit
    /// the body is plain data; with it but no rights or memory the bit is
    /// cleared. `cancel` is the `MACH_SEND_CANCEL` notify name or
    /// `MACH_PORT_NULL`.
    ///
    /// # Errors
    /// `MACH_SEND_MSG_TOO_SMALL`, `MACH_SEND_INVALID_HEADER`,
    /// `MACH_SEND_INVALID_NOTIFY`, `MACH_SEND_INVALID_DEST` (unknown name, no
    /// send right, or a dead name), `MACH_SEND_INVALID_REPLY`,
    /// `MACH_SEND_INVALID_TYPE`, `MACH_SEND_INVALID_RIGHT`,
    /// `MACH_SEND_INVALID_MEMORY`; `MACH_SEND_INVALID_DEST` also for an
    /// unknown (dead) space. Header errors leave the space untouched;
    /// after a body error every right already taken (header included) is
    /// destroyed, as in GNU Mach.
    pub fn copyin_msg(
        &mut self,
        space: SpaceId,
        msg: &[u8],
        mem: &mut dyn OolMemory,
        cancel: u32,
    ) -> Result<KMsg, u32> {
        if msg.len() < HEADER_SIZE || !msg.len().is_multiple_of(4) {
            return Err(MACH_SEND_MSG_TOO_SMALL);
        }
        if !self.space_exists(space) {
            return Err(MACH_SEND_INVALID_DEST);
        }
        let mbits = read32(msg, 0) & !MACH_MSGH_BITS_CIRCULAR;
        let dest_name = read32(msg, 8);
        let reply_name = read32(msg, 12);
        let id = read32(msg, 20);
        // Before any right moves: the body's size is the sender's.
        let mut body = Vec::new();
        body.try_reserve_exact(msg.len() - HEADER_SIZE).map_err(|_| MACH_SEND_NO_BUFFER)?;
        body.extend_from_slice(&msg[HEADER_SIZE..]);
        let (remote, local) = self.copyin_header(space, mbits, dest_name, reply_name, cancel)?;
        let dest_type = copyin_type(mbits & 0xff);
        let reply_type = copyin_type((mbits >> 8) & 0xff);
        let mut kmsg = KMsg {
            bits: (mbits & !(MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK)) | dest_type | (reply_type << 8),
            size: msg.len() as u32,
            remote,
            local,
            seqno: 0,
            id,
            body,
            ports: Vec::new(),
            ool: Vec::new(),
            circular: false,
            stamp: 0,
        };
        if kmsg.bits & MACH_MSGH_BITS_COMPLEX != 0 {
            if let Err(e) = self.copyin_body(space, &mut kmsg, mem) {
                self.destroy_kmsg(kmsg);
                return Err(e);
            }
        }
        Ok(kmsg)
    }

    fn copyin_header(
        &mut self,
        space: SpaceId,
        mbits: u32,
        dest_name: u32,
        reply_name: u32,
        cancel: u32,
    ) -> Result<(Right, Right), u32> {
        let dest_type = mbits & 0xff;
        let reply_type = (mbits >> 8) & 0xff;
        if !any_send(dest_type) {
            return Err(MACH_SEND_INVALID_HEADER);
        }
        if if reply_type == 0 { reply_name != MACH_PORT_NULL } else { !any_send(reply_type) } {
            return Err(MACH_SEND_INVALID_HEADER);
        }
        let cancel_port = if cancel != MACH_PORT_NULL {
            match self.entry(space, cancel) {
                Some(e) if e.ty & MACH_PORT_TYPE_RECEIVE != 0 => match e.obj {
                    Obj::Port(p) => Some(p),
                    _ => None,
                },
                _ => return Err(MACH_SEND_INVALID_NOTIFY),
            }
        } else {
            None
        };
        let dest_dead = |ipc: &mut Ipc| {
            // A dead destination is refused (deadok is false for the destination).
            let e = ipc.entry(space, dest_name);
            match e {
                Some(e) if e.ty & MACH_PORT_TYPE_DEAD_NAME != 0 => true,
                Some(e) => match e.obj {
                    Obj::Port(_) => ipc.right_check(space, dest_name),
                    _ => false,
                },
                None => false,
            }
        };
        if dest_name == reply_name {
            let name = dest_name;
            if self.entry(space, name).is_none() {
                return Err(MACH_SEND_INVALID_DEST);
            }
            if !self.copyin_check(space, name, reply_type) {
                return Err(MACH_SEND_INVALID_REPLY);
            }
            if dest_type == MACH_MSG_TYPE_MOVE_SEND_ONCE || reply_type == MACH_MSG_TYPE_MOVE_SEND_ONCE {
                return Err(MACH_SEND_INVALID_DEST);
            }
            if dest_dead(self) || !self.copyin_check(space, name, dest_type) {
                return Err(MACH_SEND_INVALID_DEST);
            }
            if dest_type == MACH_MSG_TYPE_MOVE_SEND && reply_type == MACH_MSG_TYPE_MOVE_SEND {
                let e = self.entry(space, name).expect("checked");
                if e.urefs < 2 {
                    return Err(MACH_SEND_INVALID_DEST);
                }
            }
            // Copy dispositions first so a move cannot take the entry away
            // from under the other copyin.
            let dest_first = dest_type != MACH_MSG_TYPE_MOVE_SEND || reply_type == MACH_MSG_TYPE_MOVE_SEND;
            let (d, r) = if dest_first {
                let d = self.copyin_right_inner(space, name, dest_type, false, cancel_port);
                let r = self.copyin_right_inner(space, name, reply_type, true, cancel_port);
                (d, r)
            } else {
                let r = self.copyin_right_inner(space, name, reply_type, true, cancel_port);
                let d = self.copyin_right_inner(space, name, dest_type, false, cancel_port);
                (d, r)
            };
            return Ok((d.expect("checked dest"), r.expect("checked reply")));
        }
        if !valid_name(reply_name) {
            if self.entry(space, dest_name).is_none() {
                return Err(MACH_SEND_INVALID_DEST);
            }
            let d = self
                .copyin_right_inner(space, dest_name, dest_type, false, cancel_port)
                .map_err(|_| MACH_SEND_INVALID_DEST)?;
            let r = if reply_name == MACH_PORT_DEAD { Right::dead() } else { Right::null() };
            return Ok((d, r));
        }
        if self.entry(space, dest_name).is_none() {
            return Err(MACH_SEND_INVALID_DEST);
        }
        if self.entry(space, reply_name).is_none() || !self.copyin_check(space, reply_name, reply_type) {
            return Err(MACH_SEND_INVALID_REPLY);
        }
        let d = self
            .copyin_right_inner(space, dest_name, dest_type, false, cancel_port)
            .map_err(|_| MACH_SEND_INVALID_DEST)?;
        let r = self.copyin_right_inner(space, reply_name, reply_type, true, cancel_port).expect("checked reply");
        Ok((d, r))
    }

    fn copyin_body(&mut self, space: SpaceId, kmsg: &mut KMsg, mem: &mut dyn OolMemory) -> Result<(), u32> {
        let (items, err) = parse_body_partial(&kmsg.body);
        let dest = kmsg.remote.port_id();
        let mut complex = false;
        for item in &items {
            let is_port = item.is_port();
            let mut data: Option<Vec<u8>> = None;
            let mut page_offset = 0;
            if !item.inline && !is_port && item.length > 0 {
                // Page-sized data may travel as the sender's pages.
                let addr = read32(&kmsg.body, item.data_offset as usize);
                if let Some(pages) = mem.capture(addr, item.length, item.dealloc).map_err(|_| MACH_SEND_INVALID_MEMORY)? {
                    write32(&mut kmsg.body, item.data_offset as usize, 0);
                    kmsg.ool.push(OolRegion { addr_offset: item.data_offset, data: Vec::new(), is_port: false, pages: Some(pages), page_offset: addr & 0xFFF });
                    complex = true;
                    continue;
                }
            }
            if !item.inline {
                let addr = read32(&kmsg.body, item.data_offset as usize);
                let length = if is_port { item.number.checked_mul(4).ok_or(MACH_SEND_INVALID_MEMORY)? } else { item.length };
                let bytes = if length == 0 {
                    Vec::new()
                } else {
                    let b = mem.read(addr, length).map_err(|_| MACH_SEND_INVALID_MEMORY)?;
                    if b.len() != length as usize {
                        return Err(MACH_SEND_INVALID_MEMORY);
                    }
                    if item.dealloc {
                        mem.deallocate(addr, length).map_err(|_| MACH_SEND_INVALID_MEMORY)?;
                    }
                    b
                };
                write32(&mut kmsg.body, item.data_offset as usize, 0);
                data = Some(bytes);
                page_offset = addr & 0xFFF;
                complex = true;
            }
            if is_port {
                let newname = copyin_type(item.name);
                set_item_name(&mut kmsg.body, item, newname);
                let region = data.as_ref().map(|_| kmsg.ool.len() as u32);
                for i in 0..item.number {
                    let name = match &data {
                        Some(d) => read32(d, 4 * i as usize),
                        None => read32(&kmsg.body, (item.data_offset + 4 * i) as usize),
                    };
                    let right = if name == MACH_PORT_NULL {
                        Right::null()
                    } else if name == MACH_PORT_DEAD {
                        Right::dead()
                    } else {
                        match self.copyin_right_inner(space, name, item.name, true, None) {
                            Ok(r) => r,
                            Err(_) => {
                                if let (Some(d), Some(_)) = (data.take(), region) {
                                    kmsg.ool.push(OolRegion::bytes(item.data_offset, d, true));
                                }
                                return Err(MACH_SEND_INVALID_RIGHT);
                            }
                        }
                    };
                    if let Some((RightKind::Receive, p)) = right.port() {
                        match dest {
                            Some(d) if self.circular(p, d) => kmsg.circular = true,
                            _ => self.port_mut(p).receiver = Receiver::InTransit { dest },
                        }
                    }
                    let loc = match region {
                        Some(r) => PortLoc::Ool { region: r, index: i },
                        None => {
                            let off = item.data_offset + 4 * i;
                            write32(&mut kmsg.body, off as usize, 0);
                            PortLoc::Inline { offset: off }
                        }
                    };
                    kmsg.ports.push(PortSlot { loc, type_name: newname, right });
                }
                complex = true;
            }
            if let Some(d) = data {
                let mut r = OolRegion::bytes(item.data_offset, d, is_port);
                if !is_port {
                    r.page_offset = page_offset;
                }
                kmsg.ool.push(r);
            }
        }
        if let Some(e) = err {
            return Err(e);
        }
        if !complex {
            kmsg.bits &= !MACH_MSGH_BITS_COMPLEX;
        }
        Ok(())
    }

    /// Queues a copied-in message on its destination (GNU Mach
    /// `ipc_mqueue_send`). A message to a dead port, or one that would make a
    /// circle of ports in transit, is destroyed and counts as sent.
    ///
    /// # Errors
    /// `Err(kmsg)` when the queue is full (`msgcount >= qlimit`, the
    /// destination is a send right, the receiver is not the kernel, and
    /// `option` lacks `MACH_SEND_ALWAYS`): the kernel blocks the sender on
    /// [`WaitObj::Port`] and retries on [`Event::SendersMayRetry`], or, on
    /// timeout/interrupt, gives the message back with [`Ipc::copyout_pseudo`].
    ///
    /// # Panics
    /// If the message has no destination port (a kernel-built message with
    /// a null destination must go through [`Ipc::send_always`]).
    #[allow(clippy::result_large_err)] // the message goes back to the caller by value
    pub fn send(&mut self, kmsg: KMsg, option: u32) -> Result<(), KMsg> {
        let p = kmsg.remote.port_id().expect("copied-in message has a destination");
        let port = self.port(p);
        if !port.alive() {
            self.destroy_kmsg_nodest(kmsg);
            return Ok(());
        }
        if port.queue.len() as u32 >= port.qlimit
            && option & MACH_SEND_ALWAYS == 0
            && kmsg.remote_type() != MACH_MSG_TYPE_PORT_SEND_ONCE
            && port.receiver != Receiver::Kernel
        {
            return Err(kmsg);
        }
        if kmsg.circular {
            self.destroy_kmsg(kmsg);
            return Ok(());
        }
        self.enqueue(p, kmsg);
        Ok(())
    }

    /// Queues a kernel-built message (notification or kernel-server reply)
    /// without regard to the queue limit.
    pub fn send_always(&mut self, kmsg: KMsg) {
        if kmsg.remote.port_id().is_none() {
            self.destroy_kmsg(kmsg);
            return;
        }
        let r = self.send(kmsg, MACH_SEND_ALWAYS);
        debug_assert!(r.is_ok());
    }

    fn enqueue(&mut self, p: PortId, mut kmsg: KMsg) {
        self.stamp += 1;
        kmsg.stamp = self.stamp;
        let stamp = kmsg.stamp;
        let port = self.port_mut(p);
        port.queue.push_back(kmsg);
        let kernel = port.receiver == Receiver::Kernel;
        let ev = Event::MessageQueued { port: p, pset: port.pset, kernel };
        self.push_event(ev);
        if kernel {
            self.kernel_queued.push((p, stamp));
        }
    }

    /// Receives from `name` in `space` (a receive right not in a set, or a
    /// port set: its member with the oldest message, so the set is one FIFO
    /// as in GNU Mach). The dequeued message gets the port's next sequence
    /// number. Copy it out with [`Ipc::copyout_msg`].
    ///
    /// # Errors
    /// See [`RecvError`]: `MACH_RCV_INVALID_NAME` (unknown name, or not a
    /// receive right or port set), `MACH_RCV_IN_SET`, would-block, and
    /// `MACH_RCV_TOO_LARGE` (with `MACH_RCV_LARGE` the message stays queued;
    /// without it the message is dequeued, its reply and body destroyed).
    /// An unknown space gives `MACH_RCV_INVALID_NAME`.
    pub fn receive(&mut self, space: SpaceId, name: u32, option: u32, rcv_size: u32) -> Result<KMsg, RecvError> {
        let e = self
            .spaces
            .get(space.idx, space.gen)
            .and_then(|s| s.entries().get(&name).copied())
            .ok_or(RecvError::Code(MACH_RCV_INVALID_NAME))?;
        let (obj, port) = if e.ty & MACH_PORT_TYPE_RECEIVE != 0 {
            let Obj::Port(p) = e.obj else { unreachable!() };
            if self.port(p).pset.is_some() {
                return Err(RecvError::Code(MACH_RCV_IN_SET));
            }
            (WaitObj::Port(p), (!self.port(p).queue.is_empty()).then_some(p))
        } else if e.ty & MACH_PORT_TYPE_PORT_SET != 0 {
            let Obj::Pset(s) = e.obj else { unreachable!() };
            (WaitObj::Pset(s), self.pset_oldest(s))
        } else {
            return Err(RecvError::Code(MACH_RCV_INVALID_NAME));
        };
        let Some(p) = port else { return Err(RecvError::WouldBlock(obj)) };
        let size = self.port(p).queue.front().expect("nonempty").size;
        if size > rcv_size {
            if option & MACH_RCV_LARGE != 0 {
                return Err(RecvError::TooLarge { size, header: None });
            }
            let kmsg = self.dequeue(p).expect("nonempty");
            let header = self.copyout_dest(space, kmsg);
            return Err(RecvError::TooLarge { size, header: Some(header) });
        }
        Ok(self.dequeue(p).expect("nonempty"))
    }

    fn pset_oldest(&self, s: PsetId) -> Option<PortId> {
        let set = self.psets.get(s.idx, s.gen)?;
        set.members
            .iter()
            .filter_map(|&p| self.port(p).queue.front().map(|m| (m.stamp, p)))
            .min()
            .map(|(_, p)| p)
    }

    /// Takes the message with `stamp` (see [`Ipc::take_kernel_queued`]) off
    /// port `p`'s queue, wherever it is in it; `None` if it is gone.
    pub fn dequeue_stamped(&mut self, p: PortId, stamp: u64) -> Option<KMsg> {
        let port = self.ports.get_mut(p.idx, p.gen)?;
        let at = port.queue.iter().position(|k| k.stamp == stamp)?;
        let was_full = port.queue.len() as u32 >= port.qlimit;
        let mut kmsg = port.queue.remove(at)?;
        kmsg.seqno = port.seqno;
        port.seqno = port.seqno.wrapping_add(1);
        if was_full {
            self.push_event(Event::SendersMayRetry(p));
        }
        Some(kmsg)
    }

    /// Dequeues the first message of `port` (for kernel-held ports, or after
    /// a successful [`Ipc::receive`] decision), assigning its sequence number.
    pub fn dequeue(&mut self, p: PortId) -> Option<KMsg> {
        let port = self.ports.get_mut(p.idx, p.gen)?;
        let was_full = port.queue.len() as u32 >= port.qlimit;
        let mut kmsg = port.queue.pop_front()?;
        kmsg.seqno = port.seqno;
        port.seqno = port.seqno.wrapping_add(1);
        if was_full {
            self.push_event(Event::SendersMayRetry(p));
        }
        Some(kmsg)
    }

    /// Copies a received message out into `space`: the reply right first, then
    /// the destination (consumed; its name is the receive right's name), then
    /// body rights (new or merged names; dead ports as `MACH_PORT_DEAD`) and
    /// out-of-line regions (allocated through `mem`). Returns the bytes to
    /// write to the user buffer (header with remote = reply name and local =
    /// destination name, dispositions swapped; when the destination has a
    /// protected payload, the local type is `MACH_MSG_TYPE_PROTECTED_PAYLOAD`
    /// and the local field holds the payload) and the return code.
    ///
    /// # Errors
    /// The second value is `MACH_MSG_SUCCESS`, or `MACH_RCV_BODY_ERROR |
    /// MACH_MSG_VM_SPACE` when some out-of-line region could not be
    /// allocated (its address is then 0); the bytes are valid either way.
    ///
    /// # Panics
    /// If `space` is not a live space of this `Ipc` (a kernel bug).
    pub fn copyout_msg(&mut self, space: SpaceId, kmsg: KMsg, mem: &mut dyn OolMemory) -> (Vec<u8>, u32) {
        let (header, kmsg, code) = self.copyout_msg_parts(space, kmsg, mem);
        let mut out = Vec::with_capacity(HEADER_SIZE + kmsg.body.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&kmsg.body);
        (out, code)
    }

    /// [`Ipc::copyout_msg`] without joining header and body into one
    /// buffer: returns the header to write at the start of the user's
    /// buffer, the message whose [`KMsg::body`] follows it (every right and
    /// region already copied out of it), and the return code.
    pub fn copyout_msg_parts(&mut self, space: SpaceId, mut kmsg: KMsg, mem: &mut dyn OolMemory) -> ([u8; HEADER_SIZE], KMsg, u32) {
        let reply = kmsg.local.take();
        let reply_name = self.copyout_right(space, reply);
        let dest = kmsg.remote.take();
        let payload = dest.port_id().and_then(|p| self.ports.get(p.idx, p.gen)).and_then(|p| p.payload);
        let dest_name = self.consume_dest(space, dest);
        let (dest_type, dest_field) = match payload {
            Some(pl) => (MACH_MSG_TYPE_PROTECTED_PAYLOAD, pl),
            None => (kmsg.remote_type(), dest_name),
        };
        let bits = (kmsg.bits & !(MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK))
            | kmsg.local_type()
            | (dest_type << 8);
        let code = self.copyout_body(space, &mut kmsg, mem);
        let mut header = [0u8; HEADER_SIZE];
        for (i, w) in [bits, kmsg.size, reply_name, dest_field, kmsg.seqno, kmsg.id].into_iter().enumerate() {
            header[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        (header, kmsg, code)
    }

    /// Gives an unsent message back to its sender (send timed out or was
    /// interrupted; GNU Mach `ipc_kmsg_copyout_pseudo`): every right is copied
    /// back out into `space` and memory re-allocated there. Returns the bytes
    /// for the user buffer (remote = destination name, local = reply name)
    /// and the return-code bits to OR into the send error
    /// (`MACH_MSG_VM_SPACE` when memory could not be re-allocated).
    ///
    /// # Panics
    /// If `space` is not a live space of this `Ipc` (a kernel bug).
    pub fn copyout_pseudo(&mut self, space: SpaceId, mut kmsg: KMsg, mem: &mut dyn OolMemory) -> (Vec<u8>, u32) {
        let dest = kmsg.remote.take();
        let dest_name = self.copyout_right(space, dest);
        let reply = kmsg.local.take();
        let reply_name = self.copyout_right(space, reply);
        let bits = kmsg.bits & !MACH_MSGH_BITS_CIRCULAR;
        let code = self.copyout_body(space, &mut kmsg, mem);
        (Self::put(&kmsg, bits, dest_name, reply_name), code)
    }

    fn put(kmsg: &KMsg, bits: u32, remote: u32, local: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_SIZE + kmsg.body.len());
        for w in [bits, kmsg.size, remote, local, kmsg.seqno, kmsg.id] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&kmsg.body);
        out
    }

    fn copyout_body(&mut self, space: SpaceId, kmsg: &mut KMsg, mem: &mut dyn OolMemory) -> u32 {
        let mut code = MACH_MSG_SUCCESS;
        if !kmsg.ool.is_empty() {
            // The receiver owns what arrives out of line: GNU Mach hands
            // every such descriptor over with `msgt_deallocate` set (MIG
            // stubs compare descriptors word for word).
            let (items, _) = crate::kmsg::parse_body_partial(&kmsg.body);
            for it in items.iter().filter(|i| !i.inline) {
                let d = it.desc_offset as usize;
                let w = read32(&kmsg.body, d) | 1 << 30;
                write32(&mut kmsg.body, d, w);
            }
        }
        let slots = core::mem::take(&mut kmsg.ports);
        for slot in slots {
            let name = self.copyout_right(space, slot.right);
            match slot.loc {
                PortLoc::Inline { offset } => write32(&mut kmsg.body, offset as usize, name),
                PortLoc::Ool { region, index } => {
                    write32(&mut kmsg.ool[region as usize].data, 4 * index as usize, name)
                }
            }
        }
        for mut region in core::mem::take(&mut kmsg.ool) {
            let addr = if let Some(pages) = region.pages.take() {
                match mem.map_pages(pages) {
                    Ok(a) => a,
                    Err(()) => {
                        code = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
                        0
                    }
                }
            } else if region.data.is_empty() {
                0
            } else {
                match mem.allocate_at(&region.data, region.page_offset) {
                    Ok(a) => a,
                    Err(()) => {
                        code = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
                        0
                    }
                }
            };
            write32(&mut kmsg.body, region.addr_offset as usize, addr);
        }
        code
    }

    /// Consumes the destination right of a received message and returns the
    /// name the receiver knows the port by.
    fn consume_dest(&mut self, space: SpaceId, dest: Right) -> u32 {
        let Some((kind, p)) = dest.port() else {
            return if dest.is_dead() { MACH_PORT_DEAD } else { MACH_PORT_NULL };
        };
        let (name, ours) = match self.port(p).receiver {
            Receiver::Space { space: s, name } if s == space => (name, true),
            Receiver::Dead => (MACH_PORT_DEAD, false),
            _ => (MACH_PORT_NULL, false),
        };
        match kind {
            RightKind::SendOnce if ours => {
                let _ = self.unloose(dest);
                self.port_mut(p).sorights -= 1;
                self.maybe_free(p);
            }
            _ => self.release_right(dest),
        }
        name
    }

    /// GNU Mach `ipc_kmsg_copyout_dest`: consumes the destination, destroys
    /// the reply right and the body, and returns the header to give the user.
    fn copyout_dest(&mut self, space: SpaceId, mut kmsg: KMsg) -> [u8; HEADER_SIZE] {
        let dest = kmsg.remote.take();
        let dest_name = self.consume_dest(space, dest);
        let reply = kmsg.local.take();
        let reply_name = if reply.port().is_some() {
            self.release_right(reply);
            MACH_PORT_NULL
        } else if reply.is_dead() {
            MACH_PORT_DEAD
        } else {
            MACH_PORT_NULL
        };
        let bits = (kmsg.bits & !(MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK))
            | kmsg.local_type()
            | (kmsg.remote_type() << 8);
        let mut h = [0u8; HEADER_SIZE];
        for (i, w) in [bits, kmsg.size, reply_name, dest_name, kmsg.seqno, kmsg.id].into_iter().enumerate() {
            h[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        self.destroy_kmsg(kmsg);
        h
    }

    /// Destroys a message and every right and region it carries (GNU Mach
    /// `ipc_kmsg_destroy`): send rights may cause no-senders notifications,
    /// send-once rights send send-once notifications, receive rights destroy
    /// their ports.
    pub fn destroy_kmsg(&mut self, mut kmsg: KMsg) {
        let r = kmsg.remote.take();
        self.release_right(r);
        self.destroy_kmsg_nodest(kmsg);
    }

    /// Destroys a message the kernel received from one of its ports (GNU
    /// `ipc_kobject_server`), or one whose destination died: the destination
    /// right is consumed as by a receiver ([`Ipc::release_dest`]: no
    /// send-once notification, which would loop back to the kernel port);
    /// the reply right, body rights and memory are destroyed.
    pub fn destroy_received_kmsg(&mut self, kmsg: KMsg) {
        self.destroy_kmsg_nodest(kmsg);
    }

    /// Consumes the destination right of a received message: a send right
    /// goes as by [`Ipc::release_right`] (maybe a no-senders notification),
    /// a send-once right silently (it was used by the message).
    pub fn release_dest(&mut self, dest: Right) {
        if let Some((kind, p)) = self.unloose(dest) {
            match kind {
                RightKind::Send => self.drop_send(p),
                RightKind::SendOnce => {
                    self.port_mut(p).sorights -= 1;
                    self.maybe_free(p);
                }
                RightKind::Receive => unreachable!("destination is a send right"),
            }
        }
    }

    /// Destroys a message whose destination port is dead or dying: the
    /// destination right is dropped silently (no send-once notification).
    pub(crate) fn destroy_kmsg_nodest(&mut self, mut kmsg: KMsg) {
        let dest = kmsg.remote.take();
        self.release_dest(dest);
        // The rest may destroy ports whose queues hold more messages: queue
        // it and let the outermost call do the work, iteratively.
        self.reap.push_back(kmsg);
        if self.reaping {
            return;
        }
        self.reaping = true;
        while let Some(mut k) = self.reap.pop_front() {
            let l = k.local.take();
            self.release_right(l);
            for slot in core::mem::take(&mut k.ports) {
                self.release_right(slot.right);
            }
        }
        self.reaping = false;
    }

    // ---- port sets ----

    pub(crate) fn pset_add(&mut self, s: PsetId, p: PortId) {
        self.pset_mut(s).members.push(p);
        self.port_mut(p).pset = Some(s);
        // The port's messages join the end of the set's queue.
        let n = self.port(p).queue.len();
        for i in 0..n {
            self.stamp += 1;
            let st = self.stamp;
            self.port_mut(p).queue[i].stamp = st;
        }
        self.push_event(Event::ReceiversAbort { obj: WaitObj::Port(p), code: MACH_RCV_PORT_CHANGED });
        if n > 0 {
            self.push_event(Event::MessageQueued { port: p, pset: Some(s), kernel: false });
        }
    }

    pub(crate) fn pset_remove(&mut self, s: PsetId, p: PortId) {
        let set = self.pset_mut(s);
        set.members.retain(|&m| m != p);
        self.port_mut(p).pset = None;
    }

    pub(crate) fn pset_destroy(&mut self, s: PsetId) {
        let members = core::mem::take(&mut self.pset_mut(s).members);
        for p in members {
            self.port_mut(p).pset = None;
        }
        self.push_event(Event::ReceiversAbort { obj: WaitObj::Pset(s), code: MACH_RCV_PORT_DIED });
        self.psets.remove(s.idx, s.gen);
    }
}
