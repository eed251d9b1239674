//! The `device.defs` routines on device ports (GNU Mach's `ds_routines`).

use alloc::vec::Vec;

use ::device::codes::{DeviceError, IoReturn, DEV_RECORD_BASE, D_INVALID_OPERATION, D_NO_SUCH_DEVICE};
use ::device::partition::RecordBase;
use ::device::emul::INBAND_MAX;
use ::device::names;

use crate::ipc::server::{Ctx, OolData};
use crate::ipc::{KOBJ_DEVICE, KOBJ_DEVICE_MASTER};
use crate::kern::mig::device as ds;

fn err(e: DeviceError) -> IoReturn {
    e.code()
}

impl Ctx {
    /// The device a request's target port stands for.
    fn device(&self) -> Result<(usize, alloc::sync::Arc<dyn ::device::emul::Device>), IoReturn> {
        match self.target {
            Some((KOBJ_DEVICE, idx)) => match super::get(idx as usize) {
                Some((dev, true)) => Ok((idx as usize, dev)),
                // Closed (device_close) but the port lives on.
                Some((_, false)) => Err(D_NO_SUCH_DEVICE),
                None => Err(D_NO_SUCH_DEVICE),
            },
            // Not a device port: GNU Mach's conversion gives no device.
            _ => Err(D_NO_SUCH_DEVICE),
        }
    }
}

impl Ctx {
    /// Reads without blocking; when the device has nothing yet and the
    /// caller did not ask for `D_NOWAIT`, the request waits (deferred) and
    /// its reply goes out when the data comes, as GNU Mach's `io_done` does:
    /// the caller waits in its receive, never in the kernel.
    fn read_or_defer(&mut self, dev: &dyn ::device::emul::Device, mode: u32, recnum: u64, bytes: u32) -> Result<Vec<u8>, IoReturn> {
        match dev.read(mode | ::device::codes::D_NOWAIT, recnum, bytes) {
            Err(DeviceError::WouldBlock) if mode & ::device::codes::D_NOWAIT == 0 => {
                self.defer = true;
                Err(crate::kern::mig::rt::MIG_NO_REPLY)
            }
            r => r.map_err(err),
        }
    }
}

/// Block-device reads from this size up land in the reply's pages; below
/// it one copy of a few sectors into the receiver costs less than a page
/// of its own (measured with `bench --against gnumach --icount`).
const PAGES_FROM: u32 = 4096;

impl Ctx {
    /// A block device's read into pages that become the reply's
    /// out-of-line memory (see [`super::block::Part::read_pages`]): any
    /// size, the driver's DMA landing in the caller's pages, deferred like
    /// [`Ctx::read_or_defer`] while the device works.
    fn read_pages_or_defer(&mut self, part: &super::block::Part, mode: u32, recnum: u64, bytes: u32) -> Result<crate::kern::mig::rt::Ool, IoReturn> {
        match part.read_pages(mode | ::device::codes::D_NOWAIT, recnum, bytes) {
            Err(DeviceError::WouldBlock) if mode & ::device::codes::D_NOWAIT == 0 => {
                self.defer = true;
                Err(crate::kern::mig::rt::MIG_NO_REPLY)
            }
            Err(e) => Err(err(e)),
            Ok(run) if mach_ipc::OolPages::is_empty(&run) => Ok(self.give_ool(Vec::new(), 1)),
            Ok(run) => Ok(self.give_ool_pages(alloc::boxed::Box::new(run))),
        }
    }
}

/// A deferred `device_read` or `device_read_inband` whose caller is gone
/// (its reply port died before the data came): a block device forgets the
/// read it kept for it, and its pages or buffer go back at once instead of
/// when newer reads push it out. `req` is the request as the dispatchers
/// read it: MIG's fixed layout, `mode`, `recnum` and `bytes_wanted` after
/// their type words.
pub(crate) fn abandon(target: Option<(u32, u64)>, req: &[u8]) {
    let Some((KOBJ_DEVICE, idx)) = target else { return };
    let word = |off: usize| req.get(off..off + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (Some(id), Some(recnum), Some(bytes)) = (word(20), word(36), word(44)) else { return };
    let (bytes, pages) = match id {
        ds::DEVICE_READ_ID => (bytes, bytes >= PAGES_FROM),
        ds::DEVICE_READ_INBAND_ID => (bytes.min(INBAND_MAX as u32), false),
        _ => return,
    };
    let Some((dev, _)) = super::get(idx as usize) else { return };
    let Some(part) = dev.as_any().and_then(|d| d.downcast_ref::<super::block::Part>()) else { return };
    if let Ok(recnum) = absolute(idx as usize, recnum) {
        part.forget_read(recnum, bytes, pages);
    }
}

/// The device record a wire `recnum` names: plus the device's record base.
fn absolute(idx: usize, recnum: u32) -> Result<u64, IoReturn> {
    RecordBase(super::record_base(idx)).absolute(recnum).map_err(|e| e.code())
}

impl ds::DeviceServer for Ctx {
    fn device_open(&mut self, req: ds::DeviceOpenRequest) -> Result<ds::DeviceOpenReply, IoReturn> {
        // GNU Mach's own check: only the master device port opens.
        if !matches!(self.target, Some((KOBJ_DEVICE_MASTER, _))) {
            return Err(D_INVALID_OPERATION);
        }
        let parsed = names::parse(&req.name).map_err(|_| D_NO_SUCH_DEVICE)?;
        let canonical = alloc::format!("{}", parsed);
        let idx = super::lookup(&canonical).ok_or(D_NO_SUCH_DEVICE)?;
        let (dev, _) = super::get(idx).ok_or(D_NO_SUCH_DEVICE)?;
        dev.open(req.mode).map_err(err)?;
        let port = super::opened(idx).ok_or(D_NO_SUCH_DEVICE)?;
        let right = crate::ipc::make_send_port(port).ok_or(D_NO_SUCH_DEVICE)?;
        Ok(ds::DeviceOpenReply { device: self.give(right) })
    }

    /// `device_open_new` (2026 `device.defs`): `device_open` with the name
    /// as a C string.
    fn device_open_new(&mut self, req: ds::DeviceOpenNewRequest) -> Result<ds::DeviceOpenNewReply, IoReturn> {
        let r = self.device_open(ds::DeviceOpenRequest { master_port: req.master_port, reply_port: req.reply_port, mode: req.mode, name: req.name })?;
        Ok(ds::DeviceOpenNewReply { device: r.device })
    }

    fn device_close(&mut self, _: ds::DeviceCloseRequest) -> Result<(), IoReturn> {
        let (idx, _) = self.device()?;
        super::close(idx);
        Ok(())
    }

    fn device_read(&mut self, req: ds::DeviceReadRequest) -> Result<ds::DeviceReadReply, IoReturn> {
        let (idx, dev) = self.device()?;
        let recnum = absolute(idx, req.recnum)?;
        if let Some(part) = dev.as_any().and_then(|d| d.downcast_ref::<super::block::Part>()).filter(|_| req.bytes_wanted >= PAGES_FROM) {
            return Ok(ds::DeviceReadReply { data: self.read_pages_or_defer(part, req.mode, recnum, req.bytes_wanted)? });
        }
        let data = self.read_or_defer(&*dev, req.mode, recnum, req.bytes_wanted)?;
        Ok(ds::DeviceReadReply { data: self.give_ool(data, 1) })
    }

    fn device_read_inband(&mut self, req: ds::DeviceReadInbandRequest) -> Result<ds::DeviceReadInbandReply, IoReturn> {
        let (idx, dev) = self.device()?;
        let want = req.bytes_wanted.min(INBAND_MAX as u32);
        let recnum = absolute(idx, req.recnum)?;
        let data = self.read_or_defer(&*dev, req.mode, recnum, want)?;
        let mut r = ds::DeviceReadInbandReply { data: [0; 128], data_cnt: data.len().min(INBAND_MAX) as u32 };
        r.data[..r.data_cnt as usize].copy_from_slice(&data[..r.data_cnt as usize]);
        Ok(r)
    }

    fn device_write(&mut self, req: ds::DeviceWriteRequest) -> Result<ds::DeviceWriteReply, IoReturn> {
        let (idx, dev) = self.device()?;
        let recnum = absolute(idx, req.recnum)?;
        let data = match self.take_ool_data(req.data.addr)? {
            // A block device writes from the request's pages as they came.
            OolData::Pages(p) if dev.as_any().is_some_and(|d| d.is::<super::block::Part>()) => {
                let part = dev.as_any().and_then(|d| d.downcast_ref::<super::block::Part>()).ok_or(D_NO_SUCH_DEVICE)?;
                // The kernel's own pages as they are; a task's memory (map
                // entries moved copy-on-write) copied a page at a time.
                let mut run = match p.into_any().downcast::<crate::vm::vm_map::PageRun>() {
                    Ok(run) => *run,
                    Err(any) => match any.downcast::<crate::vm::vm_map::ObjectCopy>() {
                        Ok(copy) => copy.to_page_run().ok_or(kerncore::kern_return::KERN_RESOURCE_SHORTAGE)?,
                        Err(_) => return Err(DeviceError::InvalidOperation.code()),
                    },
                };
                run.truncate(req.data.count);
                let n = part.write_pages(req.mode, recnum, run).map_err(err)?;
                return Ok(ds::DeviceWriteReply { bytes_written: n });
            }
            OolData::Pages(p) => p.to_bytes().ok_or(kerncore::kern_return::KERN_RESOURCE_SHORTAGE)?,
            // A NIC sends the frame from the request's own buffer.
            OolData::Bytes(mut b) if dev.as_any().is_some_and(|d| d.is::<super::net_io::NetDevice>()) => {
                let nic = dev.as_any().and_then(|d| d.downcast_ref::<super::net_io::NetDevice>()).ok_or(D_NO_SUCH_DEVICE)?;
                b.truncate(req.data.count as usize);
                let n = nic.write_owned(b).map_err(err)?;
                return Ok(ds::DeviceWriteReply { bytes_written: n });
            }
            OolData::Bytes(b) => b,
        };
        let n = dev.write(req.mode, recnum, &data[..(req.data.count as usize).min(data.len())]).map_err(err)?;
        Ok(ds::DeviceWriteReply { bytes_written: n })
    }

    fn device_write_inband(&mut self, req: ds::DeviceWriteInbandRequest<'_>) -> Result<ds::DeviceWriteInbandReply, IoReturn> {
        let (idx, dev) = self.device()?;
        let data: Vec<u8> = req.data.iter().collect();
        let n = dev.write(req.mode, absolute(idx, req.recnum)?, &data).map_err(err)?;
        Ok(ds::DeviceWriteInbandReply { bytes_written: n })
    }

    fn device_get_status(&mut self, req: ds::DeviceGetStatusRequest) -> Result<ds::DeviceGetStatusReply, IoReturn> {
        let (idx, dev) = self.device()?;
        let words = if req.flavor == DEV_RECORD_BASE {
            let records = dev.records().ok_or(DeviceError::InvalidOperation.code())?;
            let base = super::record_base(idx);
            alloc::vec![base as u32, (base >> 32) as u32, records as u32, (records >> 32) as u32]
        } else {
            dev.get_status(req.flavor, req.status_cnt).map_err(err)?
        };
        if words.len() > req.status_cnt as usize || words.len() > 1024 {
            return Err(DeviceError::InvalidSize.code());
        }
        let mut r = ds::DeviceGetStatusReply { status: [0; 1024], status_cnt: words.len() as u32 };
        r.status[..words.len()].copy_from_slice(&words);
        Ok(r)
    }

    fn device_set_status(&mut self, req: ds::DeviceSetStatusRequest<'_>) -> Result<(), IoReturn> {
        let (idx, dev) = self.device()?;
        let words: Vec<u32> = req.status.iter().collect();
        if req.flavor == DEV_RECORD_BASE {
            dev.records().ok_or(DeviceError::InvalidOperation.code())?;
            let [lo, hi] = <[u32; 2]>::try_from(words.as_slice()).map_err(|_| DeviceError::InvalidSize.code())?;
            super::set_record_base(idx, RecordBase::from_status([lo, hi]).0);
            return Ok(());
        }
        dev.set_status(req.flavor, &words).map_err(err)
    }

    /// Installs a packet filter on a network interface (`net_io`); the
    /// kernel keeps the send right to `receive_port`. Anything else, or an
    /// invalid filter: `D_INVALID_OPERATION`.
    fn device_set_filter(&mut self, req: ds::DeviceSetFilterRequest<'_>) -> Result<(), IoReturn> {
        let (_, dev) = self.device()?;
        let words: Vec<u16> = req.filter.iter().collect();
        let right = self.take_right(req.receive_port)?;
        dev.set_filter(alloc::boxed::Box::new(right), req.priority as i32, &words).map_err(|(e, port)| {
            if let Ok(r) = port.downcast::<mach_ipc::Right>() {
                crate::ipc::with_ipc(|ipc| ipc.release_right(*r));
            }
            e.code()
        })
    }

    /// `device_intr_register` on the `irq` device: interrupts of line `id`
    /// as messages to `receive_port` (see `device::intr`).
    fn device_intr_register(&mut self, req: ds::DeviceIntrRegisterRequest) -> Result<(), IoReturn> {
        let (idx, _) = self.device()?;
        let right = self.take_right(req.receive_port)?;
        if super::name_of(idx).as_deref() != Some("irq") {
            crate::ipc::with_ipc(|ipc| ipc.release_right(right));
            return Err(DeviceError::InvalidOperation.code());
        }
        super::intr::register(req.id, req.flags, right).map_err(|(e, right)| {
            crate::ipc::with_ipc(|ipc| ipc.release_right(right));
            e.code()
        })
    }

    /// `device_intr_ack` on the `irq` device: the line may interrupt again.
    fn device_intr_ack(&mut self, req: ds::DeviceIntrAckRequest) -> Result<(), IoReturn> {
        let (idx, _) = self.device()?;
        if super::name_of(idx).as_deref() != Some("irq") {
            return Err(DeviceError::InvalidOperation.code());
        }
        let right = self.take_right(req.receive_port)?;
        let r = super::intr::ack(&right);
        crate::ipc::with_ipc(|ipc| ipc.release_right(right));
        r.map_err(|e| e.code())
    }

    /// A memory object for the device's memory (the `time` page, say), to
    /// `vm_map`. Asking for write access to read-only memory, or for more
    /// than read and write: `D_INVALID_OPERATION`.
    fn device_map(&mut self, req: ds::DeviceMapRequest) -> Result<ds::DeviceMapReply, IoReturn> {
        use kerncore::vm_entries::{VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE};
        let (_, dev) = self.device()?;
        if req.prot & !(VM_PROT_READ | VM_PROT_WRITE) != 0 {
            return Err(DeviceError::InvalidOperation.code());
        }
        let (base, size, writable) = dev.map(req.prot).map_err(err)?;
        if req.prot & VM_PROT_WRITE != 0 && !writable {
            return Err(DeviceError::InvalidOperation.code());
        }
        let max = VM_PROT_READ | VM_PROT_EXECUTE | if writable { VM_PROT_WRITE } else { 0 };
        let right = crate::vm::vm_object::physical_object(base, size, max).ok_or(DeviceError::NoMemory.code())?;
        Ok(ds::DeviceMapReply { pager: self.give(right) })
    }
}
