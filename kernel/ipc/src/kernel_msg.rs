//! Messages the kernel builds from MIG-encoded bytes: kernel-server replies.
//!
//! The kernel's MIG dispatchers write a whole message whose port fields and
//! out-of-line address fields hold *handles* instead of names and addresses:
//! a port handle `i` (1-based) stands for `rights[i - 1]`, 0 for
//! `MACH_PORT_NULL` and `!0` for `MACH_PORT_DEAD`; an out-of-line handle `j`
//! stands for the bytes `ool[j - 1]` (for an out-of-line port array, those
//! bytes are port handles again).

use alloc::vec::Vec;

use crate::consts::bits::*;
use crate::consts::port::MACH_PORT_DEAD;
use crate::kmsg::{parse_body, write32, KMsg, OolPages, OolRegion, PortLoc, PortSlot, HEADER_SIZE};
use crate::right::copyin_type;
use crate::{Ipc, PortId, Right};

/// `MACH_SEND_INVALID_RIGHT`: a handle names no right.
const BAD_HANDLE: u32 = crate::consts::msg::MACH_SEND_INVALID_RIGHT;

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl Ipc {
    /// Builds a message to `dest` from `bytes` (header and typed body, as a
    /// MIG server writes them) with handles for ports and out-of-line data.
    /// Port descriptors get the carried type names; the reply carries no
    /// reply port. Rights not used by the message are released.
    ///
    /// # Errors
    /// The body walk's `MACH_SEND_*` codes, or `MACH_SEND_INVALID_RIGHT` for a
    /// handle naming no right or region. Every right is released then,
    /// `dest` included.
    pub fn kernel_message(&mut self, dest: Right, bytes: &[u8], rights: Vec<Right>, ool: Vec<Vec<u8>>) -> Result<KMsg, u32> {
        self.kernel_message_pages(dest, bytes, rights, ool, Vec::new())
    }

    /// As [`Ipc::kernel_message`], where out-of-line data handle `j + 1` of
    /// each `(j, run)` of `pages` is the run of pages instead of `ool[j]`
    /// (data too large for one kernel buffer, given to the receiver as its
    /// pages). Runs no descriptor takes are dropped.
    ///
    /// # Errors
    /// As [`Ipc::kernel_message`].
    pub fn kernel_message_pages(
        &mut self,
        dest: Right,
        bytes: &[u8],
        rights: Vec<Right>,
        ool: Vec<Vec<u8>>,
        pages: Vec<(usize, alloc::boxed::Box<dyn OolPages>)>,
    ) -> Result<KMsg, u32> {
        let mut rights: Vec<Option<Right>> = rights.into_iter().map(Some).collect();
        let mut runs: Vec<Option<alloc::boxed::Box<dyn OolPages>>> = (0..ool.len()).map(|_| None).collect();
        for (j, run) in pages {
            if let Some(slot) = runs.get_mut(j) {
                *slot = Some(run);
            }
        }
        let mut ool: Vec<Option<Vec<u8>>> = ool.into_iter().map(Some).collect();
        let mut msg = KMsg {
            bits: dest.type_name().unwrap_or(0),
            size: bytes.len() as u32,
            remote: Right::null(),
            local: Right::null(),
            seqno: 0,
            id: if bytes.len() >= HEADER_SIZE { rd32(bytes, 20) } else { 0 },
            body: bytes.get(HEADER_SIZE..).unwrap_or(&[]).to_vec(),
            ports: Vec::new(),
            ool: Vec::new(),
            circular: false,
            stamp: 0,
        };
        let built = self.fill_kernel_body(&mut msg, &mut rights, &mut ool, &mut runs);
        for r in rights.into_iter().flatten() {
            self.release_right(r);
        }
        match built {
            Ok(()) => {
                msg.remote = dest;
                if !msg.ports.is_empty() || !msg.ool.is_empty() {
                    msg.bits |= MACH_MSGH_BITS_COMPLEX;
                }
                Ok(msg)
            }
            Err(e) => {
                self.release_right(dest);
                self.destroy_kmsg(msg);
                Err(e)
            }
        }
    }

    /// As [`Ipc::kernel_message`], for a request the kernel sends and whose
    /// answer comes to `reply` (a send-once right the kernel made).
    ///
    /// # Errors
    /// As [`Ipc::kernel_message`]; `reply` is released too.
    pub fn kernel_request(&mut self, dest: Right, reply: Right, bytes: &[u8], rights: Vec<Right>) -> Result<KMsg, u32> {
        let lt = reply.type_name().unwrap_or(0);
        match self.kernel_message(dest, bytes, rights, Vec::new()) {
            Ok(mut m) => {
                m.bits = (m.bits & !MACH_MSGH_BITS_LOCAL_MASK) | (lt << 8);
                m.local = reply;
                Ok(m)
            }
            Err(e) => {
                self.release_right(reply);
                Err(e)
            }
        }
    }

    fn fill_kernel_body(
        &mut self,
        msg: &mut KMsg,
        rights: &mut [Option<Right>],
        ool: &mut [Option<Vec<u8>>],
        runs: &mut [Option<alloc::boxed::Box<dyn OolPages>>],
    ) -> Result<(), u32> {
        if msg.size < HEADER_SIZE as u32 || !msg.size.is_multiple_of(4) {
            return Err(crate::consts::msg::MACH_SEND_MSG_TOO_SMALL);
        }
        let items = parse_body(&msg.body)?;
        let take = |h: u32, rights: &mut [Option<Right>]| -> Result<Right, u32> {
            match h {
                0 => Ok(Right::null()),
                MACH_PORT_DEAD => Ok(Right::dead()),
                h => rights.get_mut(h as usize - 1).and_then(Option::take).ok_or(BAD_HANDLE),
            }
        };
        for item in items {
            if item.is_port() {
                let carried = copyin_type(item.name);
                // The descriptor names the carried type from now on.
                let d = item.desc_offset as usize;
                if item.longform {
                    msg.body[d + 4..d + 6].copy_from_slice(&(carried as u16).to_le_bytes());
                } else {
                    msg.body[d] = carried as u8;
                }
                if item.inline {
                    for k in 0..item.number {
                        let offset = item.data_offset + 4 * k;
                        let h = rd32(&msg.body, offset as usize);
                        let right = take(h, rights)?;
                        write32(&mut msg.body, offset as usize, 0);
                        msg.ports.push(PortSlot { loc: PortLoc::Inline { offset }, type_name: carried, right });
                    }
                } else {
                    let h = rd32(&msg.body, item.data_offset as usize);
                    write32(&mut msg.body, item.data_offset as usize, 0);
                    let data = if h == 0 { Vec::new() } else { ool.get_mut(h as usize - 1).and_then(Option::take).ok_or(BAD_HANDLE)? };
                    let region = msg.ool.len() as u32;
                    for (index, w) in data.chunks_exact(4).enumerate() {
                        let right = take(u32::from_le_bytes([w[0], w[1], w[2], w[3]]), rights)?;
                        msg.ports.push(PortSlot { loc: PortLoc::Ool { region, index: index as u32 }, type_name: carried, right });
                    }
                    msg.ool.push(OolRegion::bytes(item.data_offset, alloc::vec![0; data.len()], true));
                }
            } else if !item.inline {
                let h = rd32(&msg.body, item.data_offset as usize);
                write32(&mut msg.body, item.data_offset as usize, 0);
                if let Some(run) = h.checked_sub(1).and_then(|j| runs.get_mut(j as usize)).and_then(Option::take) {
                    ool.get_mut(h as usize - 1).and_then(Option::take);
                    msg.ool.push(OolRegion { addr_offset: item.data_offset, data: Vec::new(), is_port: false, pages: Some(run), page_offset: 0 });
                    continue;
                }
                let data = if h == 0 { Vec::new() } else { ool.get_mut(h as usize - 1).and_then(Option::take).ok_or(BAD_HANDLE)? };
                msg.ool.push(OolRegion::bytes(item.data_offset, data, false));
            }
        }
        Ok(())
    }
}

/// One line of [`Ipc::port_report`]: port, kernel-object tag, receiver, counts.
pub type PortReport = (PortId, Option<(u32, u64)>, crate::Receiver, (u32, u32, u32));

impl Ipc {
    /// Every port that exists, with its kernel-object tag, receiver and
    /// (send, send-once, make-send count) numbers: for leak reports.
    pub fn port_report(&self) -> Vec<PortReport> {
        self.ports
            .iter()
            .map(|(idx, gen, p)| {
                let id = PortId { idx, gen };
                (id, p.kobject, p.receiver, self.port_counts(id).unwrap_or((0, 0, 0)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::port::MACH_PORT_RIGHT_RECEIVE;
    use crate::consts::ty::*;

    struct NoMem;
    impl crate::OolMemory for NoMem {
        fn read(&mut self, _: u32, _: u32) -> Result<Vec<u8>, ()> {
            Err(())
        }
        fn deallocate(&mut self, _: u32, _: u32) -> Result<(), ()> {
            Ok(())
        }
        fn allocate(&mut self, data: &[u8]) -> Result<u32, ()> {
            Ok(0x1000 + data.len() as u32)
        }
    }

    fn desc(name: u32, size: u32, number: u32, inline: bool) -> u32 {
        name | (size << 8) | (number << 16) | ((inline as u32) << 28)
    }

    #[test]
    fn reply_with_a_port_reaches_the_client_with_a_name() {
        let mut ipc = Ipc::new();
        let sp = ipc.space_create();
        let reply_name = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap();
        let dest = ipc.copyin_right(sp, reply_name, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
        let kport = ipc.alloc_kernel_port(Some((1, 7)));
        let given = ipc.make_send(kport).unwrap();
        // A MIG reply: header, RetCode, then a MOVE_SEND port holding handle 1.
        let mut b = Vec::new();
        for w in [0x12u32, 40, 0, 0, 0, 2128, desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 0, desc(MACH_MSG_TYPE_MOVE_SEND, 32, 1, true), 1] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        let unused = ipc.make_send(kport).unwrap();
        let msg = ipc.kernel_message(dest, &b, alloc::vec![given, unused], Vec::new()).unwrap();
        ipc.send_always(msg);
        let m = ipc.receive(sp, reply_name, 0, 1024).unwrap();
        let (bytes, code) = ipc.copyout_msg(sp, m, &mut NoMem);
        assert_eq!(code, 0);
        assert_eq!(rd32(&bytes, 0) & MACH_MSGH_BITS_COMPLEX, MACH_MSGH_BITS_COMPLEX);
        assert_eq!(rd32(&bytes, 20), 2128);
        // The descriptor now says PORT_SEND and the field holds a new name.
        assert_eq!(rd32(&bytes, 32) & 0xff, MACH_MSG_TYPE_PORT_SEND);
        let name = rd32(&bytes, 36);
        assert_eq!(ipc.lookup_port(sp, name), Some(kport));
        // The unused right was released: only the delivered send right remains.
        assert_eq!(ipc.port_counts(kport).map(|c| c.0), Some(1));
        ipc.check().unwrap();
    }

    /// Pages standing for `len` bytes; `map_pages` of [`PageMem`] places them.
    #[derive(Debug)]
    struct Run(u32);
    impl crate::OolPages for Run {
        fn len(&self) -> u32 {
            self.0
        }
        fn to_bytes(&self) -> Option<Vec<u8>> {
            None
        }
        fn into_any(self: alloc::boxed::Box<Self>) -> alloc::boxed::Box<dyn core::any::Any> {
            self
        }
    }

    struct PageMem(Vec<u32>);
    impl crate::OolMemory for PageMem {
        fn read(&mut self, _: u32, _: u32) -> Result<Vec<u8>, ()> {
            Err(())
        }
        fn deallocate(&mut self, _: u32, _: u32) -> Result<(), ()> {
            Ok(())
        }
        fn allocate(&mut self, _: &[u8]) -> Result<u32, ()> {
            Err(())
        }
        fn map_pages(&mut self, pages: alloc::boxed::Box<dyn crate::OolPages>) -> Result<u32, ()> {
            self.0.push(pages.len());
            Ok(0x4000_0000)
        }
    }

    #[test]
    fn reply_data_held_as_pages_reaches_the_client_as_pages() {
        let mut ipc = Ipc::new();
        let sp = ipc.space_create();
        let reply_name = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap();
        let dest = ipc.copyin_right(sp, reply_name, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
        // device_read's reply: RetCode, then out-of-line bytes (long form) at handle 1.
        let mut b = Vec::new();
        let long = 1u32 << 29;
        for w in [0x12u32, 48, 0, 0, 0, 2900, desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 0, long, 9 | (8 << 16), 20 << 20, 1] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        let pages: Vec<(usize, alloc::boxed::Box<dyn crate::OolPages>)> = alloc::vec![(0, alloc::boxed::Box::new(Run(20 << 20)))];
        let msg = ipc.kernel_message_pages(dest, &b, Vec::new(), alloc::vec![Vec::new()], pages).unwrap();
        assert!(msg.ool[0].pages.is_some() && msg.ool[0].data.is_empty());
        ipc.send_always(msg);
        let m = ipc.receive(sp, reply_name, 0, 1024).unwrap();
        let mut mem = PageMem(Vec::new());
        let (bytes, code) = ipc.copyout_msg(sp, m, &mut mem);
        assert_eq!(code, 0);
        // The receiver got the run itself, mapped at the address in the descriptor.
        assert_eq!(mem.0, alloc::vec![20 << 20]);
        assert_eq!(rd32(&bytes, 44), 0x4000_0000);
        ipc.check().unwrap();
    }

    #[test]
    fn receive_rights_sent_to_a_dead_port_die() {
        let mut ipc = Ipc::new();
        let sp = ipc.space_create();
        let pager = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap();
        let dest = ipc.copyin_right(sp, pager, MACH_MSG_TYPE_MAKE_SEND).unwrap();
        ipc.space_destroy(sp).unwrap();
        let (c, n) = (ipc.alloc_kernel_port(Some((9, 1))), ipc.alloc_kernel_port(Some((10, 1))));
        let (rc, rn) = (ipc.kernel_port_into_receive(c).unwrap(), ipc.kernel_port_into_receive(n).unwrap());
        // memory_object_terminate: two MOVE_RECEIVE ports (handles 1 and 2).
        let mut b = Vec::new();
        for w in [0x13u32, 40, 0, 0, 0, 2201, desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), 1, desc(MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, true), 2] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        let msg = ipc.kernel_message(dest, &b, alloc::vec![rc, rn], Vec::new()).unwrap();
        ipc.send_always(msg);
        ipc.check().unwrap();
        assert_eq!(ipc.port_count(), 0, "ports left after a message to a dead port");
    }

    #[test]
    fn bad_handle_releases_everything() {
        let mut ipc = Ipc::new();
        let sp = ipc.space_create();
        let reply_name = ipc.mach_port_allocate(sp, MACH_PORT_RIGHT_RECEIVE).unwrap();
        let dest = ipc.copyin_right(sp, reply_name, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
        let mut b = Vec::new();
        for w in [0x12u32, 40, 0, 0, 0, 2128, desc(MACH_MSG_TYPE_INTEGER_32, 32, 1, true), 0, desc(MACH_MSG_TYPE_MOVE_SEND, 32, 1, true), 5] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        assert_eq!(ipc.kernel_message(dest, &b, Vec::new(), Vec::new()).err(), Some(BAD_HANDLE));
        ipc.check().unwrap();
    }
}
