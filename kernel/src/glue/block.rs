//! Block devices through the Linux glue (`linux-glue/src/block.c`): the
//! seam's block section. Start-up runs the drivers' init and the partition
//! scans; transfers are queued as Linux requests of whole sectors and come
//! back through [`mach_block_done`]. The disks themselves, their partitions
//! and their `Device` implementation live in `crate::device::block`.

use core::ffi::{c_int, c_uint, c_ulong};

use super::sys;

/// Sectors one [`submit_sg`] carries at most.
pub const MAX_SECTORS: u64 = sys::GLUE_BLK_MAX_SECTORS as u64;

/// `-EBUSY` from the glue: every request slot is in use.
pub const EBUSY: i32 = -16;

/// What the glue knows of a disk.
#[derive(Clone, Copy, Debug)]
pub struct DiskInfo {
    pub sectors: u64,
    pub sector_size: u32,
    pub max_partitions: u32,
    pub unit: u32,
    pub read_only: bool,
    /// Sectors one [`submit_sg`] should carry at most for this device.
    pub max_sectors: u64,
}

/// The block half of the glue's device set-up: probes the drivers (IDE),
/// then asks for every disk's partitions ([`mach_block_rescan`] comes back
/// during the call). Thread context, with the glue started. Returns the
/// number of Linux gendisks (disk controllers with drives).
pub fn init() -> i32 {
    // SAFETY: thread context, glue started (the caller's contract).
    unsafe { sys::glue_blk_init() }
}

/// Hands a disk driver option (`hdX=...`, `ideN=...` from the kernel
/// command line) to the drivers, as Linux 2.0's `ide_setup`. Before [`init`].
pub fn setup(word: &str) {
    let mut buf = [0u8; 64];
    let n = word.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&word.as_bytes()[..n]);
    // SAFETY: `buf` is NUL-terminated; the glue copies it.
    unsafe { sys::glue_blk_setup(buf.as_ptr().cast()) }
}

/// The size of block device (major, minor).
pub fn disk_info(major: u32, minor: u32) -> Option<DiskInfo> {
    let mut d = sys::glue_blk_disk { sectors: 0, sector_size: 0, max_partitions: 0, unit: 0, read_only: 0, max_sectors: 0 };
    // SAFETY: `d` is a valid out-parameter.
    let rc = unsafe { sys::glue_blk_disk_info(major, minor, &mut d) };
    (rc == 0).then(|| DiskInfo {
        sectors: u64::from(d.sectors as u32),
        sector_size: d.sector_size,
        max_partitions: d.max_partitions,
        unit: d.unit,
        read_only: d.read_only != 0,
        max_sectors: u64::from(d.max_sectors).clamp(1, MAX_SECTORS),
    })
}

/// A device_open of removable drive (major, minor): the driver's open and
/// release run, so that it sees a medium change; [`disk_info`] then gives
/// the medium's size. Thread context.
///
/// # Errors
/// The open's negative errno (`-ENXIO`: no medium).
pub fn open(major: u32, minor: u32, write: bool) -> Result<(), i32> {
    // SAFETY: plain values; thread context is the caller's.
    let rc = unsafe { sys::glue_blk_open(major, minor, c_int::from(write)) };
    if rc == 0 {
        Ok(())
    } else {
        Err(rc)
    }
}

/// Records partition `minor` of a disk for the driver's own range checks.
pub fn set_partition(major: u32, minor: u32, start: u64, sectors: u64) -> bool {
    let (Ok(start), Ok(sectors)) = (u32::try_from(start), u32::try_from(sectors)) else { return false };
    // SAFETY: plain values.
    unsafe { sys::glue_blk_set_partition(major, minor, c_ulong::from(start), c_ulong::from(sectors)) == 0 }
}

/// A piece of kernel memory (linear map) of whole sectors, as
/// [`submit_sg`] takes them.
pub type Seg = sys::glue_blk_seg;

/// Pieces one [`submit_sg`] takes at most: a page each, plus a first one
/// that starts inside its page.
pub const MAX_SEGS: usize = (sys::GLUE_BLK_MAX_SECTORS as usize * 512 / 4096) + 1;

/// Queues a transfer of `count` sectors at `sector` of (major, minor)
/// between the device and the memory of `segs`, in order (the driver's DMA
/// reaches each piece where it is: no bounce through a kernel buffer);
/// [`mach_block_done`] reports with `cookie`.
///
/// # Errors
/// The glue's negative errno ([`EBUSY`]: try again after a completion;
/// `-EINVAL` for segments that are not whole sectors adding up to `count`).
///
/// # Safety
/// Every segment is kernel memory valid for its length (written for a
/// read) and stays so, untouched by Rust, until the completion for
/// `cookie` has come. The slice itself may go when this returns.
pub unsafe fn submit_sg(major: u32, minor: u32, write: bool, sector: u64, count: u64, segs: &[Seg], cookie: usize) -> Result<(), i32> {
    let sector = c_ulong::try_from(sector).map_err(|_| -22)?;
    if count == 0 || count > MAX_SECTORS || segs.is_empty() || segs.len() > MAX_SEGS {
        return Err(-22);
    }
    // SAFETY: the caller's contract on the segments' memory; the glue reads
    // the array during the call only.
    let rc = unsafe { sys::glue_blk_submit_sg(major, minor, c_int::from(write), sector, count as c_ulong, segs.as_ptr(), segs.len() as c_uint, cookie as c_ulong) };
    if rc == 0 {
        Ok(())
    } else {
        Err(rc)
    }
}

/// `mach_block_done`: a submitted transfer finished (interrupts off).
#[no_mangle]
pub extern "C" fn mach_block_done(cookie: c_ulong, ok: c_int) {
    crate::device::block::done(cookie as usize, ok != 0);
}

/// `mach_block_rescan`: read the partitions of disk (major, minor) again.
#[no_mangle]
pub extern "C" fn mach_block_rescan(major: c_uint, minor: c_uint) {
    crate::device::block::rescan(major, minor);
}
