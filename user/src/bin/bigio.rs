//! `bigio`: the block devices' paths without copies (issue 13), on `hd0`
//! (or the disk argv[2] names),
//! a 32 MiB disk whose every byte the host made from its place
//! (`pattern`: byte i of sector L). `device_read`'s data comes as the pages
//! the driver's DMA filled, `device_write`'s goes out from the request's
//! pages; what those paths can get wrong is checked here:
//!
//! - reads of 1, 4 and 20 MiB (20 MiB once panicked the kernel) at odd
//!   records, every byte checked; the data starts on a page;
//! - reads of sizes that are not whole pages or sectors (700, 4097, 1537
//!   bytes): the count, the bytes, and zeros after them to the page's end
//!   (nothing of an earlier user of the page shows);
//! - in-band reads into buffers at odd addresses;
//! - `device_write`s from a small buffer (copied in the message), from a
//!   large one that starts at no sector (0x123 into a page: the kernel
//!   copies it into pages that do), from one that starts on a sector inside a
//!   page (0x200: DMA from the pages, a partial first page), a multi-page
//!   one (300 KiB, three driver requests), one with a page never touched
//!   (a hole: zeros), and 6 MiB (more than the kernel heap holds: pages
//!   only); each read back here, and the buffer changed after each write
//!   (the disk keeps what was sent). The host checks the image after.
//!
//! Boot-script line: `/bigio ${device-port} [DISK] $(task-create) $(task-resume)`,
//! with `test=bootstrap`: the leak check after it holds the kernel to its
//! pages. Last line: `user-test: bigio ok` or `user-test: bigio FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::abi::{D_READ, D_WRITE};
use mach_user::mig::{device as ds, mach, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "bigio";
const PAGE: u32 = 4096;

/// Byte `i` of sector `lba` of the host's image (as the QEMU test makes it).
fn pattern(lba: u32, i: u32) -> u8 {
    if i < 4 {
        return lba.to_le_bytes()[i as usize];
    }
    (lba.wrapping_mul(31).wrapping_add(i.wrapping_mul(7)) ^ (lba >> 8)) as u8
}

/// Byte `i` of write `k` (as the QEMU test replays it).
fn wbyte(k: u32, i: u32) -> u8 {
    (i.wrapping_mul(13).wrapping_add(k.wrapping_mul(101)).wrapping_add(i >> 12) as u8) ^ 0xa5
}

/// A write: `bytes` at record `rec` from a buffer starting `offset` bytes
/// into a fresh page; with `hole_after` Some(p) only the buffer's first p
/// pages are ever touched (the rest reads as zeros).
struct W {
    rec: u32,
    bytes: u32,
    offset: u32,
    hole_after: Option<u32>,
}

const WRITES: [W; 6] = [
    W { rec: 42900, bytes: 5000, offset: 0x123, hole_after: None },
    W { rec: 43009, bytes: 20000, offset: 0x123, hole_after: None },
    W { rec: 43100, bytes: 3 * 4096 + 512, offset: 0x200, hole_after: None },
    W { rec: 44000, bytes: 300 * 1024, offset: 0, hole_after: None },
    W { rec: 45000, bytes: 8192, offset: 0, hole_after: Some(1) },
    W { rec: 51200, bytes: 6 << 20, offset: 0, hole_after: None },
];

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// Checks `n` bytes at `addr` against the image from record `rec`.
fn check_pattern(addr: u32, rec: u32, n: u32) -> Result<(), &'static str> {
    // SAFETY: the kernel mapped at least `n` bytes of out-of-line data at `addr`.
    let data = unsafe { core::slice::from_raw_parts(addr as *const u8, n as usize) };
    for (k, &b) in data.iter().enumerate() {
        let k = k as u32;
        if b != pattern(rec + k / 512, k % 512) {
            uprintln!("{}: byte {} of a read at record {} is {:#x}", NAME, k, rec, b);
            return Err("read data differs from the image");
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let disk = args.arg_str(2).filter(|s| s.starts_with("hd") || s.starts_with("sd")).unwrap_or("hd0");
    let hd = ds::device_open(&mut m, master, D_READ | D_WRITE, &mach_user::device_name(disk)).map_err(|_| "open the disk")?.device;

    // Large reads.
    for (rec, bytes) in [(3u32, 1u32 << 20), (2049, 4 << 20), (100, 20 << 20)] {
        let r = ds::device_read(&mut m, hd, 0, rec, bytes).map_err(|_| "large device_read")?;
        expect(r.data.count == bytes, "large read count")?;
        expect(r.data.addr % PAGE == 0, "large read data not on a page")?;
        check_pattern(r.data.addr, rec, bytes)?;
        mach::vm_deallocate(&mut m, task, r.data.addr, bytes).map_err(|_| "vm_deallocate")?;
        uprintln!("{}: device_read of {} MiB at record {}: every byte right", NAME, bytes >> 20, rec);
    }

    // Odd sizes: the count, the data, zeros to the end of the last page.
    for (rec, bytes) in [(0u32, 700u32), (5, 4097), (7, 1537), (9, 512)] {
        let r = ds::device_read(&mut m, hd, 0, rec, bytes).map_err(|_| "odd-size device_read")?;
        expect(r.data.count == bytes, "odd-size read count")?;
        check_pattern(r.data.addr, rec, bytes)?;
        let end = bytes.div_ceil(PAGE) * PAGE;
        // SAFETY: the kernel mapped the reply's whole pages at `addr`.
        let rest = unsafe { core::slice::from_raw_parts((r.data.addr + bytes) as *const u8, (end - bytes) as usize) };
        expect(rest.iter().all(|&b| b == 0), "bytes past a read's count are not zero")?;
        mach::vm_deallocate(&mut m, task, r.data.addr, bytes).map_err(|_| "vm_deallocate")?;
    }
    uprintln!("{}: reads of odd sizes: counts, bytes and zeroed page ends right", NAME);

    // In-band reads into buffers at odd addresses.
    let mut buf = [0u8; 300];
    for (off, rec, n) in [(1usize, 11u32, 100u32), (3, 12, 128), (7, 13, 33)] {
        let r = ds::device_read_inband(&mut m, hd, 0, rec, n).map_err(|_| "device_read_inband")?;
        expect(r.data_cnt == n, "in-band count")?;
        buf[off..off + n as usize].copy_from_slice(&r.data[..n as usize]);
        expect(buf[off..off + n as usize].iter().enumerate().all(|(k, &b)| b == pattern(rec, k as u32)), "in-band data")?;
    }
    uprintln!("{}: in-band reads into odd addresses right", NAME);

    // Writes from buffers of every shape.
    for (k, w) in WRITES.iter().enumerate() {
        let k = k as u32;
        let size = (w.offset + w.bytes).div_ceil(PAGE) * PAGE;
        let base = mach::vm_allocate(&mut m, task, 0, size, 1).map_err(|_| "vm_allocate")?.address;
        let at = base + w.offset;
        let touched = w.hole_after.map_or(w.bytes, |p| (p * PAGE - w.offset).min(w.bytes));
        // SAFETY: freshly allocated memory of ours, `size` bytes from `base`.
        let data = unsafe { core::slice::from_raw_parts_mut(at as *mut u8, touched as usize) };
        for (i, b) in data.iter_mut().enumerate() {
            *b = wbyte(k, i as u32);
        }
        let r = ds::device_write(&mut m, hd, 0, w.rec, rt::Ool { addr: at, count: w.bytes, dealloc: false }).map_err(|e| {
            uprintln!("{}: write {}: {}", NAME, k, e);
            "device_write"
        })?;
        expect(r.bytes_written == w.bytes, "device_write count")?;
        // Changed after the write: the disk has what was sent.
        data.fill(0xee);
        let r = ds::device_read(&mut m, hd, 0, w.rec, w.bytes).map_err(|_| "read back")?;
        expect(r.data.count == w.bytes, "read back count")?;
        // SAFETY: the kernel mapped `count` bytes at `addr`.
        let back = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, w.bytes as usize) };
        for (i, &b) in back.iter().enumerate() {
            let want = if (i as u32) < touched { wbyte(k, i as u32) } else { 0 };
            if b != want {
                uprintln!("{}: write {} byte {} reads back {:#x}, not {:#x}", NAME, k, i, b, want);
                return Err("written data does not read back");
            }
        }
        mach::vm_deallocate(&mut m, task, r.data.addr, w.bytes).map_err(|_| "vm_deallocate")?;
        mach::vm_deallocate(&mut m, task, base, size).map_err(|_| "vm_deallocate")?;
        uprintln!("{}: write {} ({} bytes from page offset {:#x}) read back", NAME, k, w.bytes, w.offset);
    }
    ds::device_close(&mut m, hd).map_err(|_| "device_close")?;
    let _ = mach_user::mig::mach_port::mach_port_deallocate(&mut m, task, hd);
    Ok(())
}

entry!(main);
