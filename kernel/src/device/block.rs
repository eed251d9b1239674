//! Disks: `hd0`, `hd1`, ... (whole drives) and their partitions `hd0s1`,
//! ... and BSD slices `hd0s1a`, ..., served by the Linux disk drivers
//! through the glue's block bridge (`crate::glue::block`).
//!
//! Names follow GNU Mach: `hdN` with N = 2 * channel + unit (`hd0` is the
//! first channel's master, `hd2` the second channel's); an ATAPI CD-ROM is
//! `wcdN` with the same N (and, as in GNU Mach, `hdN` reaches it too).
//! A floppy is `fdN` (Linux's floppy major), without partitions; an AHCI
//! disk `sdN` (Linux's first SCSI disk major, 16 minors a disk). Records
//! are 512 bytes; a CD-ROM's (the driver's `hardsect_size` of 2048) are
//! 2048 bytes, it has no partitions, and it is read-only (`D_READ_ONLY` on
//! an open for writing and on writes). The glue counts 512-byte sectors
//! whatever the record size. Every transfer is checked against its
//! partition's extent (`device::partition::Extent::check_bytes`): a record past the end is
//! `D_INVALID_SIZE` (GNU Mach 1.8's answer for its Linux block devices; a
//! transfer at exactly the end succeeds with nothing), a transfer that runs
//! over is shortened, so nothing ever reaches a neighbouring partition.
//!
//! Reads never wait in the kernel: the first call queues the transfer and
//! answers `WouldBlock` (the device server defers the request); each
//! completion calls `crate::device::io_done`, and the retried read finds
//! its data. Writes (and the partition scan) block the calling thread until
//! the drive has answered; the driver's timeouts bound that wait.
//!
//! No copies on the way: a transfer's memory goes to the glue as segments
//! (`glue::submit_sg`), one per page, so a `device_read` lands in fresh
//! pages that become the reply's out-of-line memory ([`Part::read_pages`])
//! and a `device_write` leaves from the request's own pages
//! ([`Part::write_pages`]); kernel buffers serve only the partition scan,
//! in-band and small reads, small writes and a partial last sector.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};

use crate::i386::atomic64::AtomicU64;

use spin::Mutex;

use ::device::codes::{DeviceError, DEV_GET_RECORDS, DEV_GET_SIZE, D_NOWAIT, D_WRITE};
use ::device::emul::Device;
use ::device::partition::{self, Extent, IoError, PartitionTable, SectorSource};

use crate::glue::block as glue;
use crate::i386::cpu;
use crate::kern::sched_prim as sched;
use crate::vm::kalloc;
use crate::vm::pmap::phys_to_virt;
use crate::vm::vm_map::PageRun;

/// Bytes per page.
const PAGE: usize = 4096;

/// GNU Mach's Linux block devices answer a record past the end with
/// `D_INVALID_SIZE` (checked on GNU Mach 1.8), where the extent check says
/// `D_INVALID_RECNUM`.
fn past_end(e: DeviceError) -> DeviceError {
    match e {
        DeviceError::InvalidRecnum => DeviceError::InvalidSize,
        e => e,
    }
}

/// A Linux driver's errno as a `D_*` code, as GNU Mach's
/// `linux_to_mach_error` maps them.
fn linux_error(errno: i32) -> DeviceError {
    match -errno {
        1 | 13 => DeviceError::InvalidOperation, // EPERM, EACCES
        6 => DeviceError::NoSuchDevice,          // ENXIO
        14 | 22 => DeviceError::InvalidSize,     // EFAULT, EINVAL
        16 => DeviceError::AlreadyOpen,          // EBUSY
        30 => DeviceError::ReadOnly,             // EROFS
        11 => DeviceError::WouldBlock,           // EWOULDBLOCK
        12 => DeviceError::NoMemory,             // ENOMEM
        _ => DeviceError::IoError,               // EIO and the rest
    }
}

/// Bytes per sector as the glue counts them, and per record of a disk.
const RECORD: u64 = 512;
/// Bytes per record of a CD-ROM (ATAPI): its block size.
const CD_RECORD: u64 = 2048;
/// Finished reads nobody came back for are dropped beyond this many (per
/// device): more than the readers that may wait at once (32 tasks of the
/// `mix` load), so that a live caller's read is seldom dropped; one that
/// is only costs a second read (an op in flight is kept alive by
/// [`IN_FLIGHT_OPS`], never freed under the driver).
const MAX_KEPT_OPS: usize = 64;

/// Op states. The completion moves `InFlight` to `ChunkDone` or `Failed`.
const IDLE: u8 = 0;
const IN_FLIGHT: u8 = 1;
const CHUNK_DONE: u8 = 2;
const FAILED: u8 = 3;
const DONE: u8 = 4;

/// One transfer of whole sectors, carried out in chunks of at most
/// the device's `max_sectors` (at most `glue::MAX_SECTORS`), one chunk
/// in flight at a time.
struct Op {
    write: bool,
    major: u32,
    minor: u32,
    /// First sector on the whole drive.
    lba: u64,
    sectors: u64,
    /// What a read was asked (record, bytes, into pages), to find it again
    /// on retry.
    key: (u64, u32, bool),
    /// The data; the driver reaches it through `at` while in flight.
    buf: Mutex<Buf>,
    at: Layout,
    state: AtomicU8,
    /// Sectors finished.
    done: AtomicU64,
    /// Sectors in the chunk in flight.
    chunk: AtomicU64,
    /// Sectors one chunk carries at most (the device's limit).
    max_chunk: u64,
    /// Serialises `advance` (a thread that finds it taken just waits).
    stepping: Mutex<()>,
}

/// Where an op's data lives.
enum Buf {
    /// One kernel buffer (partition scans, in-band reads, small writes).
    Heap(Box<[u8]>),
    /// Pages that go to the caller as a `device_read`'s reply, or came with
    /// a `device_write`'s request: the driver's DMA lands in (or leaves
    /// from) them, and they are mapped, never copied.
    Pages(PageRun),
    /// Taken by whoever collected the op.
    Gone,
}

/// The addresses of an op's data, fixed when it is made (read at every
/// submission without locking `buf`).
enum Layout {
    /// Contiguous kernel memory at this address.
    Contig(usize),
    /// Pages (physical addresses), the data starting `offset` bytes (a
    /// multiple of the sector size) into the first.
    Pages { pages: Vec<u32>, offset: u32 },
}

impl Layout {
    /// The segments of bytes `[from, from + len)` of the data, into `out`;
    /// how many. At most [`glue::MAX_SEGS`] for a chunk of at most
    /// [`glue::MAX_SECTORS`] (a page each, and a first one inside its page).
    fn segs(&self, from: u64, len: u64, out: &mut [glue::Seg; glue::MAX_SEGS]) -> usize {
        match self {
            Layout::Contig(p) => {
                out[0] = glue::Seg { addr: (p + from as usize) as *mut core::ffi::c_void, len: len as _ };
                1
            }
            Layout::Pages { pages, offset } => {
                let page = PAGE as u64;
                let mut pos = u64::from(*offset) + from;
                let end = pos + len;
                let mut k = 0;
                while pos < end && k < out.len() {
                    let n = (page - pos % page).min(end - pos);
                    let pa = pages[(pos / page) as usize];
                    out[k] = glue::Seg { addr: (phys_to_virt(pa) + (pos % page) as usize) as *mut core::ffi::c_void, len: n as _ };
                    pos += n;
                    k += 1;
                }
                k
            }
        }
    }
}

enum Progress {
    Ready,
    Pending,
}

impl Op {
    /// An op over `data`; `None` for pages that cannot be handed to the
    /// driver as they are (a hole, or data not starting on a sector).
    fn new(write: bool, disk: &Disk, lba: u64, sectors: u64, key: (u64, u32, bool), data: Buf) -> Option<Arc<Op>> {
        let mut data = data;
        let at = match &mut data {
            Buf::Heap(b) => Layout::Contig(b.as_mut_ptr() as usize),
            Buf::Pages(run) => {
                if run.offset() % RECORD as u32 != 0 {
                    return None;
                }
                let mut pages = Vec::new();
                pages.try_reserve_exact(run.pages().len()).ok()?;
                for p in run.pages() {
                    pages.push((*p)?);
                }
                Layout::Pages { pages, offset: run.offset() }
            }
            Buf::Gone => return None,
        };
        Some(Arc::new(Op {
            write,
            major: disk.major,
            minor: disk.minor,
            lba,
            sectors,
            key,
            buf: Mutex::new(data),
            at,
            state: AtomicU8::new(IDLE),
            done: AtomicU64::new(0),
            chunk: AtomicU64::new(0),
            max_chunk: disk.max_sectors,
            stepping: Mutex::new(()),
        }))
    }

    /// Takes the data out of a finished op.
    fn take(&self) -> Buf {
        cpu::without_interrupts(|| core::mem::replace(&mut *self.buf.lock(), Buf::Gone))
    }

    fn event(&self) -> usize {
        self as *const Op as usize
    }

    /// Moves the transfer on: submits the next chunk when the last one is
    /// done. Never waits. A chunk in flight keeps the op alive through
    /// [`IN_FLIGHT_OPS`], whoever else lets go of it.
    fn advance(self: &Arc<Self>) -> Result<Progress, DeviceError> {
        let Some(_guard) = self.stepping.try_lock() else { return Ok(Progress::Pending) };
        loop {
            match self.state.load(Ordering::Acquire) {
                IN_FLIGHT => return Ok(Progress::Pending),
                FAILED => return Err(DeviceError::IoError),
                DONE => return Ok(Progress::Ready),
                CHUNK_DONE => {
                    self.done.fetch_add(self.chunk.load(Ordering::Relaxed), Ordering::AcqRel);
                    self.state.store(IDLE, Ordering::Release);
                }
                _ => {
                    let done = self.done.load(Ordering::Acquire);
                    if done >= self.sectors {
                        self.state.store(DONE, Ordering::Release);
                        return Ok(Progress::Ready);
                    }
                    let n = (self.sectors - done).min(self.max_chunk);
                    // The glue's request holds the op (its memory and the
                    // completion's cookie) until the completion has come.
                    // Marked in flight in the same step, so that
                    // `release_finished` never lets go of it before.
                    let held = cpu::without_interrupts(|| {
                        let mut l = IN_FLIGHT_OPS.lock();
                        l.try_reserve(1).is_ok().then(|| {
                            l.push(self.clone());
                            self.chunk.store(n, Ordering::Relaxed);
                            self.state.store(IN_FLIGHT, Ordering::Release);
                        })
                    });
                    if held.is_none() {
                        self.state.store(FAILED, Ordering::Release);
                        return Err(DeviceError::NoMemory);
                    }
                    let mut segs = [glue::Seg { addr: core::ptr::null_mut(), len: 0 }; glue::MAX_SEGS];
                    let k = self.at.segs(done * RECORD, n * RECORD, &mut segs);
                    // SAFETY: the segments lie in this op's buffer or pages,
                    // n sectors from sector `done`; the op outlives the
                    // transfer (`IN_FLIGHT_OPS` holds it until it is no
                    // longer in flight, whatever its callers do) and nobody
                    // touches the data then.
                    let r = unsafe { glue::submit_sg(self.major, self.minor, self.write, self.lba + done, n, &segs[..k], self.event()) };
                    match r {
                        Ok(()) => {}
                        Err(glue::EBUSY) => {
                            // Every request slot is taken: a completion will come.
                            self.state.store(IDLE, Ordering::Release);
                            return Ok(Progress::Pending);
                        }
                        Err(_) => {
                            self.state.store(FAILED, Ordering::Release);
                            return Err(DeviceError::IoError);
                        }
                    }
                }
            }
        }
    }

    /// Runs the transfer to its end, blocking the calling thread.
    fn wait(self: &Arc<Self>) -> Result<(), DeviceError> {
        let ev = self.event();
        release_finished();
        loop {
            // Asserted before the check, so a completion in between is not lost;
            // the timeout covers an EBUSY retry.
            sched::assert_wait(ev, Some(5));
            let p = self.advance();
            if !matches!(p, Ok(Progress::Pending)) {
                sched::thread_wakeup(ev);
                sched::thread_block();
                return p.map(|_| ());
            }
            sched::thread_block();
        }
    }

    fn in_flight(&self) -> bool {
        self.state.load(Ordering::Acquire) == IN_FLIGHT
    }
}

/// Ops with a chunk submitted to the glue: the request's own reference,
/// so that an op nobody else holds any more (a read dropped from its
/// disk's list, see [`MAX_KEPT_OPS`]) lives on, its memory and its address
/// (the completion's cookie) with it, until the driver is done with it.
/// Without it, a read op dropped while in flight was freed and its memory
/// reused by the next op: the driver's DMA then went to or from another
/// request's memory, and the stale completion finished whichever new op
/// had the old address (a write landing on another task's sectors, a read
/// answering data it never read). Completions only mark their op (no
/// freeing in interrupt context); [`release_finished`] lets go of the
/// finished ones in thread context.
static IN_FLIGHT_OPS: Mutex<Vec<Arc<Op>>> = Mutex::new(Vec::new());

/// Lets go of the finished ops of [`IN_FLIGHT_OPS`] (their memory goes
/// back with interrupts on). Thread context: the `io_done` thread after
/// every completion, and every new transfer.
pub fn release_finished() {
    let finished: Vec<Arc<Op>> = cpu::without_interrupts(|| {
        let mut l = IN_FLIGHT_OPS.lock();
        let mut out = Vec::new();
        let mut i = 0;
        while i < l.len() {
            if l[i].in_flight() {
                i += 1;
            } else {
                // The op is no longer in flight: its completion has come.
                if out.try_reserve(1).is_err() {
                    break;
                }
                out.push(l.swap_remove(i));
            }
        }
        out
    });
    drop(finished);
}

/// A completion from the bridge (interrupts off): `cookie` is an `Op`.
pub fn done(cookie: usize, ok: bool) {
    // SAFETY: cookies are the addresses of ops in flight, which
    // `IN_FLIGHT_OPS` keeps alive until their completion was seen here.
    let op = unsafe { &*(cookie as *const Op) };
    op.state.store(if ok { CHUNK_DONE } else { FAILED }, Ordering::Release);
    sched::thread_wakeup(cookie);
    super::io_done();
}

/// A whole drive.
pub struct Disk {
    name: String,
    major: u32,
    minor: u32,
    /// Size in 512-byte sectors (the glue's unit); a removable medium's
    /// changes with the medium (read again on every open).
    sectors: AtomicU64,
    /// A floppy or a CD-ROM: every open asks the driver (see `Part::open`).
    removable: bool,
    /// Bytes per record: 512 (disks) or 2048 (CD-ROMs).
    record: u64,
    /// A CD-ROM: writes answer `D_READ_ONLY`.
    read_only: bool,
    /// Sectors one request to the driver carries at most.
    max_sectors: u64,
    max_partitions: u32,
    table: Mutex<Option<PartitionTable>>,
}

static DISKS: Mutex<Vec<Arc<Disk>>> = Mutex::new(Vec::new());

impl Disk {
    /// The medium's size in 512-byte sectors.
    fn sectors(&self) -> u64 {
        self.sectors.load(Ordering::Acquire)
    }

    /// 512-byte sectors per record.
    fn spr(&self) -> u64 {
        self.record / RECORD
    }

    /// Reads or writes whole sectors, blocking the calling thread.
    fn transfer(&self, write: bool, lba: u64, data: Box<[u8]>) -> Result<Box<[u8]>, DeviceError> {
        let sectors = data.len() as u64 / RECORD;
        let op = Op::new(write, self, lba, sectors, (0, 0, false), Buf::Heap(data)).ok_or(DeviceError::IoError)?;
        op.wait()?;
        match op.take() {
            Buf::Heap(b) => Ok(b),
            _ => Err(DeviceError::IoError),
        }
    }

    /// Writes the first `sectors` sectors of `run` at `lba` straight from
    /// its pages (which [`dma_ready`] accepts), blocking the calling thread.
    fn write_pages(&self, lba: u64, sectors: u64, run: PageRun) -> Result<(), DeviceError> {
        let op = Op::new(true, self, lba, sectors, (0, 0, true), Buf::Pages(run)).ok_or(DeviceError::NoMemory)?;
        op.wait()
    }
}

/// Whether the driver can take `run`'s pages as they are: every page
/// present, the data starting on a sector boundary.
fn dma_ready(run: &PageRun) -> bool {
    run.offset() % RECORD as u32 == 0 && run.pages().iter().all(Option::is_some)
}

/// Zeros, to use for the end of a reply's last page.
static ZEROS: [u8; PAGE] = [0; PAGE];

/// The partition scanner's view of a drive: blocking one-sector reads.
struct Source<'a>(&'a Disk);

impl SectorSource for Source<'_> {
    fn sector_size(&self) -> u32 {
        RECORD as u32
    }
    fn sectors(&self) -> u64 {
        self.0.sectors()
    }
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        if lba >= self.0.sectors() || buf.len() != RECORD as usize {
            return Err(IoError);
        }
        let got = self.0.transfer(false, lba, vec![0u8; RECORD as usize].into_boxed_slice()).map_err(|_| IoError)?;
        buf.copy_from_slice(&got);
        Ok(())
    }
}

/// `hdN`, `hdNsM` or `hdNsMx`: a view of a drive.
pub struct Part {
    disk: Arc<Disk>,
    partition: Option<u32>,
    slice: Option<u8>,
    /// Reads in progress or finished but not yet collected.
    ops: Mutex<Vec<Arc<Op>>>,
}

impl Part {
    /// `device_read` into fresh pages that become the reply's out-of-line
    /// memory as they are (GNU Mach's `vm_map_copy` of device pages): the
    /// driver's DMA lands in them, and nothing is copied. The data starts
    /// at the first page's start; the rest of the last page is zeroed.
    /// Never waits with `D_NOWAIT` (`WouldBlock`: ask again after
    /// `io_done`); otherwise blocks the calling thread.
    ///
    /// # Errors
    /// As [`Device::read`]; `D_NO_MEMORY` without the pages.
    pub fn read_pages(&self, mode: u32, recnum: u64, bytes: u32) -> Result<PageRun, DeviceError> {
        match self.read_op(mode, recnum, bytes, true)? {
            (Buf::Pages(mut run), len) => {
                run.truncate(len);
                let tail = (PAGE - len as usize % PAGE) % PAGE;
                run.write(len, &ZEROS[..tail]);
                Ok(run)
            }
            (Buf::Gone, _) => PageRun::unzeroed(0).ok_or(DeviceError::NoMemory),
            _ => Err(DeviceError::IoError),
        }
    }

    /// `device_write` straight from the request's out-of-line pages (the
    /// driver's DMA reads them where they are). Data that does not start on
    /// a sector boundary (or has holes) is first copied into fresh pages
    /// that do; a partial last sector is read, patched and written back.
    ///
    /// # Errors
    /// As [`Device::write`].
    pub fn write_pages(&self, _mode: u32, recnum: u64, run: PageRun) -> Result<u32, DeviceError> {
        if self.disk.read_only {
            return Err(DeviceError::ReadOnly);
        }
        let len = mach_ipc::OolPages::len(&run);
        let span = self.extent()?.check_bytes(recnum, u64::from(len), RECORD as u32).map_err(past_end)?;
        let n = span.bytes as u32;
        if n == 0 {
            return Ok(0);
        }
        let run = if dma_ready(&run) {
            run
        } else {
            let mut fresh = PageRun::unzeroed(n).ok_or(DeviceError::NoMemory)?;
            let mut chunk = kalloc::try_zeroed_box(PAGE).ok_or(DeviceError::NoMemory)?;
            let mut at = 0;
            while at < n {
                let k = (n - at).min(PAGE as u32);
                run.read(at, &mut chunk[..k as usize]);
                fresh.write(at, &chunk[..k as usize]);
                at += k;
            }
            fresh
        };
        let whole = u64::from(n) / RECORD;
        let rest = u64::from(n) % RECORD;
        let mut last = None;
        if rest != 0 {
            // A partial last sector keeps the rest of what is on the disk.
            let mut sector = self.disk.transfer(false, span.lba + whole, vec![0u8; RECORD as usize].into_boxed_slice())?;
            run.read((whole * RECORD) as u32, &mut sector[..rest as usize]);
            last = Some(sector);
        }
        if whole > 0 {
            self.disk.write_pages(span.lba, whole, run)?;
        }
        if let Some(sector) = last {
            self.disk.transfer(true, span.lba + whole, sector)?;
        }
        Ok(n)
    }

    /// Forgets the kept read of (`recnum`, `bytes`, `pages`): its caller is
    /// gone. A read with a chunk in flight lives on in [`IN_FLIGHT_OPS`]
    /// until the driver is done with its buffer.
    pub fn forget_read(&self, recnum: u64, bytes: u32, pages: bool) {
        let key = (recnum, bytes, pages);
        let dropped: Vec<Arc<Op>> = cpu::without_interrupts(|| {
            let mut ops = self.ops.lock();
            let mut out = Vec::new();
            while let Some(i) = ops.iter().position(|o| o.key == key && !o.write) {
                out.push(ops.remove(i));
            }
            out
        });
        // Their pages go back with interrupts on.
        drop(dropped);
    }

    /// A read of whole sectors into a heap buffer or (`pages`) fresh
    /// pages, kept across `WouldBlock` answers by its (record, bytes);
    /// answers the data and the bytes of it asked for.
    fn read_op(&self, mode: u32, recnum: u64, bytes: u32, pages: bool) -> Result<(Buf, u32), DeviceError> {
        let record = self.disk.record;
        let span = self.extent()?.check_bytes(recnum, u64::from(bytes), record as u32).map_err(past_end)?;
        if span.bytes == 0 {
            return Ok((Buf::Gone, 0));
        }
        // The glue counts 512-byte sectors: whole records of them.
        let sectors = span.bytes.div_ceil(record) * self.disk.spr();
        let lba = span.lba * self.disk.spr();
        let key = (recnum, bytes, pages);
        release_finished();
        let find = || cpu::without_interrupts(|| self.ops.lock().iter().find(|o| o.key == key && !o.write).cloned());
        let op = match find() {
            Some(op) => op,
            None => {
                // The size is the caller's: no memory is D_NO_MEMORY. The
                // pages are taken outside the list's lock.
                let size = sectors * RECORD;
                let buf = if pages {
                    Buf::Pages(PageRun::unzeroed(u32::try_from(size).map_err(|_| DeviceError::InvalidSize)?).ok_or(DeviceError::NoMemory)?)
                } else {
                    Buf::Heap(kalloc::try_zeroed_box(size as usize).ok_or(DeviceError::NoMemory)?)
                };
                let op = Op::new(false, &self.disk, lba, sectors, key, buf).ok_or(DeviceError::NoMemory)?;
                let dropped = cpu::without_interrupts(|| {
                    let mut ops = self.ops.lock();
                    let mut dropped = Vec::new();
                    // Forget reads nobody came back for (their callers died).
                    while ops.len() >= MAX_KEPT_OPS {
                        match ops.iter().position(|o| !o.in_flight()) {
                            Some(i) => dropped.push(ops.remove(i)),
                            None => break,
                        }
                    }
                    ops.push(op.clone());
                    dropped
                });
                // Their pages go back with interrupts on.
                drop(dropped);
                op
            }
        };
        let r = if mode & D_NOWAIT != 0 {
            cpu::without_interrupts(|| op.advance())
        } else {
            op.wait().map(|_| Progress::Ready)
        };
        let finish = |op: &Arc<Op>| cpu::without_interrupts(|| self.ops.lock().retain(|o| !Arc::ptr_eq(o, op)));
        match r {
            Ok(Progress::Pending) => Err(DeviceError::WouldBlock),
            Ok(Progress::Ready) => {
                finish(&op);
                match op.take() {
                    // Another caller asking the same collected it first:
                    // read again for this one.
                    Buf::Gone => self.read_op(mode, recnum, bytes, pages),
                    data => Ok((data, span.bytes as u32)),
                }
            }
            Err(e) => {
                finish(&op);
                Err(e)
            }
        }
    }

    fn extent(&self) -> Result<Extent, DeviceError> {
        let t = cpu::without_interrupts(|| self.disk.table.lock().clone());
        match t {
            Some(t) => t.resolve(self.partition, self.slice),
            None if self.partition.is_none() && self.slice.is_none() => {
                Ok(Extent { start_lba: 0, length_lba: self.disk.sectors() / self.disk.spr() })
            }
            None => Err(DeviceError::NoSuchDevice),
        }
    }
}

impl Device for Part {
    /// A removable drive's open goes to its driver, as GNU Mach's
    /// device_open does: Linux 2.0 drivers look for a medium change there
    /// (`check_disk_change`) and read the new medium's size, which the
    /// device then reports (DEV_GET_SIZE) and checks transfers against.
    /// Between a change and the next open, the drivers fail requests
    /// (`D_IO_ERROR`), as under GNU Mach.
    fn open(&self, mode: u32) -> Result<(), DeviceError> {
        if mode & D_WRITE != 0 && self.disk.read_only {
            return Err(DeviceError::ReadOnly);
        }
        if self.disk.removable {
            glue::open(self.disk.major, self.disk.minor, mode & D_WRITE != 0).map_err(linux_error)?;
            let info = glue::disk_info(self.disk.major, self.disk.minor).ok_or(DeviceError::NoSuchDevice)?;
            let was = self.disk.sectors.swap(info.sectors, Ordering::AcqRel);
            if was != info.sectors {
                crate::kprintln!("{}: new medium, {} sectors", self.disk.name, info.sectors);
            }
            if info.sectors == 0 {
                return Err(DeviceError::NoSuchDevice);
            }
        }
        self.extent().map(|_| ())
    }

    /// The last close forgets the reads kept for callers to come back for
    /// (those of callers that died would otherwise hold their memory until
    /// other reads push them out); one still in flight lives on until its
    /// completion ([`IN_FLIGHT_OPS`]).
    fn close(&self) {
        let kept = cpu::without_interrupts(|| core::mem::take(&mut *self.ops.lock()));
        drop(kept);
        release_finished();
    }

    fn read(&self, mode: u32, recnum: u64, bytes: u32) -> Result<Vec<u8>, DeviceError> {
        match self.read_op(mode, recnum, bytes, false)? {
            (Buf::Heap(b), len) => {
                let mut data = b.into_vec();
                data.truncate(len as usize);
                Ok(data)
            }
            (Buf::Gone, _) => Ok(Vec::new()),
            _ => Err(DeviceError::IoError),
        }
    }

    fn write(&self, _mode: u32, recnum: u64, data: &[u8]) -> Result<u32, DeviceError> {
        if self.disk.read_only {
            return Err(DeviceError::ReadOnly);
        }
        let span = self.extent()?.check_bytes(recnum, data.len() as u64, RECORD as u32).map_err(past_end)?;
        let n = span.bytes as usize;
        if n == 0 {
            return Ok(0);
        }
        let sectors = (n as u64).div_ceil(RECORD);
        let mut buf = kalloc::try_zeroed_box((sectors * RECORD) as usize).ok_or(DeviceError::NoMemory)?;
        if n % RECORD as usize != 0 {
            // A partial last sector keeps the rest of what is on the disk.
            let last = self.disk.transfer(false, span.lba + sectors - 1, vec![0u8; RECORD as usize].into_boxed_slice())?;
            buf[((sectors - 1) * RECORD) as usize..].copy_from_slice(&last);
        }
        buf[..n].copy_from_slice(&data[..n]);
        self.disk.transfer(true, span.lba, buf)?;
        Ok(n as u32)
    }

    fn get_status(&self, flavor: u32, _max: u32) -> Result<Vec<u32>, DeviceError> {
        let e = self.extent()?;
        let sat = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        match flavor {
            DEV_GET_SIZE => Ok(vec![sat(e.length_lba.saturating_mul(self.disk.record)), self.disk.record as u32]),
            DEV_GET_RECORDS => Ok(vec![sat(e.length_lba), self.disk.record as u32]),
            _ => Err(DeviceError::InvalidOperation),
        }
    }

    fn set_status(&self, _flavor: u32, _status: &[u32]) -> Result<(), DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn record_size(&self) -> u32 {
        self.disk.record as u32
    }

    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }

    fn records(&self) -> Option<u64> {
        self.extent().ok().map(|e| e.length_lba)
    }
}

/// Linux's floppy major: `fd0`, `fd1`.
const FLOPPY_MAJOR: u32 = 2;

/// Linux's first SCSI disk major: AHCI disks, `sdN` (16 minors each).
const SCSI_DISK_MAJOR: u32 = 8;

/// GNU Mach's number of the first drive of a Linux IDE major.
fn hd_base(major: u32) -> Option<u32> {
    match major {
        3 => Some(0),
        22 => Some(2),
        33 => Some(4),
        34 => Some(6),
        _ => None,
    }
}

fn register_once(name: &str, disk: &Arc<Disk>, partition: Option<u32>, slice: Option<u8>) {
    if super::lookup(name).is_none() {
        super::register(name, Arc::new(Part { disk: disk.clone(), partition, slice, ops: Mutex::new(Vec::new()) }));
    }
}

/// Reads the partitions of drive (major, minor) and registers the drive,
/// its partitions and BSD slices as devices (`resetup_one_dev`). Thread
/// context.
pub fn rescan(major: u32, minor: u32) {
    let Some(info) = glue::disk_info(major, minor) else { return };
    let floppy = major == FLOPPY_MAJOR;
    let sd = major == SCSI_DISK_MAJOR;
    let Some(base) = hd_base(major).or((floppy || sd).then_some(0)) else { return };
    let record = u64::from(info.sector_size);
    if info.sectors == 0 || (record != RECORD && record != CD_RECORD) {
        return;
    }
    // GNU Mach names an IDE CD-ROM `wcdN` (its `hdN` reaches the same drive).
    let kind = if floppy {
        "fd"
    } else if sd {
        "sd"
    } else if record == CD_RECORD {
        "wcd"
    } else {
        "hd"
    };
    let name = format!("{}{}", kind, base + info.unit);
    let disk = cpu::without_interrupts(|| {
        let mut disks = DISKS.lock();
        if let Some(d) = disks.iter().find(|d| d.major == major && d.minor == minor) {
            return d.clone();
        }
        let d = Arc::new(Disk {
            name: name.clone(),
            major,
            minor,
            sectors: AtomicU64::new(info.sectors),
            removable: floppy || record == CD_RECORD,
            record,
            read_only: info.read_only,
            max_sectors: info.max_sectors,
            max_partitions: info.max_partitions,
            table: Mutex::new(None),
        });
        disks.push(d.clone());
        d
    });
    if floppy {
        // A floppy: one device, no partitions (GNU Mach reads none either).
        crate::kprintln!("{}: {} sectors ({} KiB)", disk.name, disk.sectors(), disk.sectors() / 2);
        register_once(&disk.name, &disk, None, None);
        return;
    }
    if record != RECORD {
        // A CD-ROM: one device, no partition table of ours to read.
        crate::kprintln!("{}: {} records of {} bytes, read-only", disk.name, disk.sectors() / disk.spr(), record);
        register_once(&disk.name, &disk, None, None);
        register_once(&format!("hd{}", base + info.unit), &disk, None, None);
        return;
    }
    let table = match partition::scan(&mut Source(&disk)) {
        Ok(t) => t,
        Err(e) => {
            crate::kprintln!("{}: partition table unreadable ({:?})", disk.name, e);
            register_once(&disk.name, &disk, None, None);
            return;
        }
    };
    let mut line = format!("{}: {} sectors ({} MiB), {:?}", disk.name, disk.sectors(), disk.sectors() >> 11, table.scheme);
    for p in &table.partitions {
        if p.number <= disk.max_partitions {
            glue::set_partition(major, minor + p.number, p.extent.start_lba, p.extent.length_lba);
        }
        line.push_str(&format!(" s{}={}+{}", p.number, p.extent.start_lba, p.extent.length_lba));
    }
    crate::kprintln!("{}", line);
    for n in &table.notes {
        crate::kprintln!("{}: partition table: {:?}", disk.name, n);
    }
    let parts: Vec<(u32, Vec<u8>)> =
        table.partitions.iter().map(|p| (p.number, p.bsd.as_ref().map(|l| l.slices.iter().map(|s| s.letter).collect()).unwrap_or_default())).collect();
    cpu::without_interrupts(|| *disk.table.lock() = Some(table));
    register_once(&disk.name, &disk, None, None);
    for (number, letters) in parts {
        register_once(&format!("{}s{}", disk.name, number), &disk, Some(number), None);
        for l in letters {
            register_once(&format!("{}s{}{}", disk.name, number, char::from(b'a' + l)), &disk, Some(number), Some(l));
        }
    }
}

/// Starts the Linux glue, probes the disk drivers and registers the disks
/// found with their partitions. Thread context, interrupts on.
pub fn init() {
    if let Err(e) = crate::glue::init() {
        crate::kprintln!("block: Linux glue not started: {}", e);
        return;
    }
    for &(name, value) in crate::kern::bootinfo::get().args.vars.as_slice() {
        if name.starts_with("hd") || name.starts_with("ide") {
            glue::setup(&format!("{name}={value}"));
        }
    }
    let controllers = glue::init();
    let disks = cpu::without_interrupts(|| DISKS.lock().len());
    crate::kprintln!("block: {} IDE channel(s) with drives, {} disk(s)", controllers, disks);
}

/// In-kernel test `block-ops` (a disk as `hd0` whose record i begins with
/// the number i): reads submitted and let go of by every caller while the
/// driver still has them stay alive until their completion (their request
/// holds them), land their data, and are freed afterwards. Before
/// [`IN_FLIGHT_OPS`], such an op (a read dropped from its device's list of
/// kept reads while still queued, as under the 32-task `mix` load) was
/// freed under the driver. Thread context, devices started.
///
/// # Errors
/// What went wrong, in words.
pub fn selftest() -> Result<(), String> {
    const N: u64 = 8;
    let disk = cpu::without_interrupts(|| DISKS.lock().iter().find(|d| d.name == "hd0").cloned()).ok_or("no hd0")?;
    let mut ops = Vec::new();
    for i in 0..N {
        let buf = kalloc::try_zeroed_box(PAGE).ok_or("no memory")?;
        ops.push(Op::new(false, &disk, 64 + 8 * i, 8, (0, 0, false), Buf::Heap(buf)).ok_or("no memory")?);
    }
    // Submitted and let go of with interrupts off: none can have completed
    // yet, so each must still be alive, held by its request alone.
    let (weak, alive) = cpu::without_interrupts(|| -> Result<(Vec<alloc::sync::Weak<Op>>, Vec<Arc<Op>>), String> {
        let mut weak = Vec::new();
        for op in ops.drain(..) {
            match op.advance() {
                Ok(Progress::Pending) => {}
                _ => return Err(format!("op at {} did not go to the driver", op.lba)),
            }
            weak.push(Arc::downgrade(&op));
        }
        let mut alive = Vec::new();
        for (i, w) in weak.iter().enumerate() {
            alive.push(w.upgrade().ok_or_else(|| format!("read {i} was freed while its request was with the driver"))?);
        }
        Ok((weak, alive))
    })?;
    for (i, op) in alive.iter().enumerate() {
        op.wait().map_err(|e| format!("read {i}: {e:?}"))?;
        let Buf::Heap(data) = op.take() else { return Err(format!("read {i}: no data")) };
        for (k, rec) in data.chunks_exact(RECORD as usize).enumerate() {
            let want = (op.lba + k as u64) as u32;
            let got = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
            if got != want {
                return Err(format!("read {i}: record {want} begins with {got}"));
            }
        }
    }
    drop(alive);
    release_finished();
    if let Some(i) = weak.iter().position(|w| w.upgrade().is_some()) {
        return Err(format!("read {i} still held after its completion"));
    }
    crate::kprintln!("block-ops: {} reads let go of in flight kept until done, data right, then freed", N);
    Ok(())
}
