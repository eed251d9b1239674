//! `disk_test`: an IDE disk through device ports. argv[1] is the device
//! master port (`${device-port}`), argv[2] the disk's name (default `hd0`).
//! The disk is the harness's test image (`mach_tests::disk`): 16 MiB, hd0s1
//! at 2048 and hd0s2 at 10240 (8192 sectors each), an extended partition
//! at 18432 holding hd0s5 at 20480 (8192 sectors); every other sector holds
//! a pattern of its LBA.
//!
//! Checks: DEV_GET_SIZE / DEV_GET_RECORDS of the disk and partitions, reads
//! (out of line and inband, one sector and many), reads and writes that run
//! over the end of a partition (short counts) or start past it
//! (D_INVALID_SIZE), then writes to hd0s2 (whole sectors, a partial one,
//! its last sector) and reads them back. The host then checks the image.
//!
//! A third argument adds a check: `ioerror` (the host made reads of sector
//! IOERROR_LBA fail: that read, and a 64 KiB read with that sector in its
//! middle, must answer D_IO_ERROR and the disk must go on working),
//! `lba48` (the disk is 200 GiB, sparse: a sector past LBA28's reach is
//! read and written; the partition checks are skipped), `sweep`
//! (every sector of the disk is read and checked, in records of sizes from
//! 512 bytes to 128 KiB, then SWEEP_WRITES writes of pseudo-random places
//! and lengths (up to 128 KiB) land in s1 and s5, which the host replays on
//! the pristine image and compares; see `sweep_writes`), `floppy` (argv[2]
//! is `fd0`, a 1.44 MB floppy whose 2880 sectors all hold the pattern:
//! every sector read, FLOPPY_WRITES written and read back; the partition
//! checks are skipped).
//!
//! Boot-script line: `/disk_test ${device-port} [hdN [ioerror|lba48]] $(task-create) $(task-resume)`.
//! Last line: `user-test: disk_test ok` or `user-test: disk_test FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::mig::{device as ds, mach, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{DEV_GET_RECORDS, DEV_GET_SIZE, D_INVALID_SIZE, D_IO_ERROR, D_NO_SUCH_DEVICE, D_READ, D_WRITE};

const NAME: &str = "disk_test";
/// The sector the `ioerror` run cannot read (record 60 of s2).
const IOERROR_LBA: u32 = 10300;
/// The sectors of the `lba48` run's disk (200 GiB) and the sector it reads.
const LBA48_SECTORS: u32 = 200 * 1024 * 1024 * 2;
const LBA48_LBA: u32 = 0x1000_0000 + 5;

const SECTORS: u32 = 32768;
const S1: (u32, u32) = (2048, 8192);
const S2: (u32, u32) = (10240, 8192);
const S5: (u32, u32) = (20480, 8192);

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// What sector `lba` of the image holds (as `mach_tests::disk::sector_pattern`).
fn pattern(lba: u32, i: usize) -> u8 {
    if i < 8 {
        return (u64::from(lba).to_le_bytes())[i];
    }
    lba.wrapping_mul(31).wrapping_add(i as u32 * 7) as u8
}

/// What the test writes at byte `i` (as `mach_tests::disk::written_byte`).
fn written(i: usize) -> u8 {
    (i as u32).wrapping_mul(13).wrapping_add(7) as u8 ^ 0x5a
}

struct Disk<'a> {
    m: &'a mut Mach,
    task: u32,
}

impl Disk<'_> {
    /// device_read: the data, copied into `out`; returns the byte count.
    fn read(&mut self, dev: u32, recnum: u32, bytes: u32, out: &mut [u8]) -> Result<usize, i32> {
        let r = ds::device_read(self.m, dev, 0, recnum, bytes)?;
        let n = r.data.count as usize;
        if n > 0 {
            // SAFETY: the kernel mapped `n` bytes of out-of-line data at `addr` for us.
            let data = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, n) };
            let k = n.min(out.len());
            out[..k].copy_from_slice(&data[..k]);
            let _ = mach::vm_deallocate(self.m, self.task, r.data.addr, n as u32);
        }
        Ok(n)
    }

    fn write(&mut self, dev: u32, recnum: u32, data: &[u8]) -> Result<u32, i32> {
        ds::device_write(self.m, dev, 0, recnum, rt::Ool { addr: data.as_ptr() as u32, count: data.len() as u32, dealloc: false })
            .map(|r| r.bytes_written)
    }

    fn size(&mut self, dev: u32) -> Result<(u32, u32, u32), &'static str> {
        let s = ds::device_get_status(self.m, dev, DEV_GET_SIZE, 2).map_err(|_| "DEV_GET_SIZE")?;
        let r = ds::device_get_status(self.m, dev, DEV_GET_RECORDS, 2).map_err(|_| "DEV_GET_RECORDS")?;
        if s.status_cnt != 2 || r.status_cnt != 2 || s.status[1] != 512 || r.status[1] != 512 {
            return Err("status counts or record size");
        }
        Ok((s.status[0], r.status[0], s.status[1]))
    }
}

/// Checks `buf` against the pattern of the sectors from `lba`.
fn check(buf: &[u8], lba: u32) -> bool {
    buf.iter().enumerate().all(|(k, &b)| b == pattern(lba + (k / 512) as u32, k % 512))
}

static mut BIG: [u8; 128 * 1024] = [0; 128 * 1024];

/// Writes of the `sweep` run, as `mach_tests::disk::sweep_writes`.
const SWEEP_WRITES: u32 = 40;

/// The `k`th write of the `sweep` run: (first sector on the disk,
/// sectors). A 32-bit xorshift generator drives places and lengths;
/// every write stays inside s1 or s5.
fn sweep_write(k: u32) -> (u32, u32) {
    let mut x = k.wrapping_mul(2654435761).wrapping_add(12345);
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let len = match next() % 4 {
        0 => 1 + next() % 8,
        1 => 120 + next() % 17,
        2 => 256,
        _ => 1 + next() % 256,
    };
    let (start, size) = if next() % 2 == 0 { S1 } else { S5 };
    (start + next() % (size - len + 1), len)
}

/// Byte `i` of write `k` of the `sweep` run.
fn sweep_byte(k: u32, i: usize) -> u8 {
    ((i as u32).wrapping_mul(7).wrapping_add(k.wrapping_mul(13)).wrapping_add((i >> 9) as u32) as u8) ^ (k as u8)
}

/// Sectors of a 1.44 MB floppy.
const FD_SECTORS: u32 = 2880;
/// The `floppy` run's writes: (first sector, sectors), across track and
/// cylinder boundaries (18 sectors a track side, 36 a cylinder).
const FLOPPY_WRITES: [(u32, u32); 4] = [(5, 1), (30, 20), (700, 100), (FD_SECTORS - 3, 3)];

/// The `floppy` run: every sector read and checked (the harness's disk
/// pattern, `mach_tests::disk::sector_pattern`), then FLOPPY_WRITES of
/// `sweep_byte` data read back; the host checks the image.
fn floppy(d: &mut Disk, master: u32, name: &str) -> Result<(), &'static str> {
    let dev = ds::device_open(d.m, master, D_READ | D_WRITE, &mach_user::device_name(name)).map_err(|_| "open the floppy")?.device;
    let r = ds::device_get_status(d.m, dev, DEV_GET_RECORDS, 2).map_err(|_| "DEV_GET_RECORDS")?;
    expect(r.status_cnt == 2 && r.status[0] == FD_SECTORS && r.status[1] == 512, "floppy DEV_GET_RECORDS")?;
    // SAFETY: the only user of BIG, one thread.
    let big = unsafe { &mut *core::ptr::addr_of_mut!(BIG) };
    const SIZES: [u32; 5] = [1, 18, 37, 128, 7];
    let (mut lba, mut i) = (0u32, 0usize);
    while lba < FD_SECTORS {
        let n = SIZES[i % SIZES.len()].min(FD_SECTORS - lba);
        i += 1;
        let bytes = (n * 512) as usize;
        expect(d.read(dev, lba, bytes as u32, big) == Ok(bytes), "floppy read")?;
        if !check(&big[..bytes], lba) {
            uprintln!("{}: floppy read of {} sectors at {} wrong", NAME, n, lba);
            return Err("floppy data");
        }
        lba += n;
    }
    uprintln!("{}: every floppy sector read back ({} reads)", NAME, i);
    for (k, &(at, n)) in FLOPPY_WRITES.iter().enumerate() {
        let bytes = (n * 512) as usize;
        for (j, b) in big[..bytes].iter_mut().enumerate() {
            *b = sweep_byte(k as u32, j);
        }
        expect(d.write(dev, at, &big[..bytes]) == Ok(bytes as u32), "floppy write")?;
    }
    for (k, &(at, n)) in FLOPPY_WRITES.iter().enumerate() {
        let bytes = (n * 512) as usize;
        expect(d.read(dev, at, bytes as u32, big) == Ok(bytes), "floppy read back")?;
        expect(big[..bytes].iter().enumerate().all(|(j, &b)| b == sweep_byte(k as u32, j)), "floppy data read back")?;
    }
    expect(d.read(dev, FD_SECTORS, 512, big) == Ok(0), "floppy read at the end")?;
    uprintln!("{}: floppy writes read back", NAME);
    let _ = ds::device_close(d.m, dev);
    Ok(())
}

/// The `sweep` run: whole-disk pattern reads, then random writes.
fn sweep(d: &mut Disk, whole: u32) -> Result<(), &'static str> {
    // Reads over the whole disk in record sizes that cycle through one
    // sector, odd counts, 64 KiB and 128 KiB (one command each with DMA).
    const SIZES: [u32; 6] = [256, 128, 1, 37, 255, 3];
    let (mut lba, mut i) = (0u32, 0usize);
    while lba < SECTORS {
        let n = SIZES[i % SIZES.len()].min(SECTORS - lba);
        i += 1;
        let r = ds::device_read(d.m, whole, 0, lba, n * 512).map_err(|_| "sweep read")?;
        let got = r.data.count as usize;
        // SAFETY: the kernel mapped `got` bytes of out-of-line data at `addr`.
        let data = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, got) };
        let ok = got == (n * 512) as usize
            && (0..n).all(|s| {
                let at = lba + s;
                // The MBR and the EBR hold tables, not the pattern.
                at == 0 || at == 18432 || check(&data[(s * 512) as usize..(s * 512 + 512) as usize], at)
            });
        if got > 0 {
            let _ = mach::vm_deallocate(d.m, d.task, r.data.addr, got as u32);
        }
        if !ok {
            uprintln!("{}: sweep read of {} sectors at {} wrong", NAME, n, lba);
            return Err("sweep read data");
        }
        lba += n;
    }
    uprintln!("{}: every sector read back ({} reads)", NAME, i);
    // SAFETY: the only user of BIG, one thread.
    let big = unsafe { &mut *core::ptr::addr_of_mut!(BIG) };
    for k in 0..SWEEP_WRITES {
        let (at, n) = sweep_write(k);
        let bytes = (n * 512) as usize;
        for (i, b) in big[..bytes].iter_mut().enumerate() {
            *b = sweep_byte(k, i);
        }
        expect(d.write(whole, at, &big[..bytes]) == Ok(bytes as u32), "sweep write")?;
    }
    // The last write reads back.
    let (at, n) = sweep_write(SWEEP_WRITES - 1);
    let bytes = (n * 512) as usize;
    expect(d.read(whole, at, bytes as u32, big) == Ok(bytes), "sweep read back")?;
    expect(big[..bytes].iter().enumerate().all(|(i, &b)| b == sweep_byte(SWEEP_WRITES - 1, i)), "sweep last write")?;
    uprintln!("{}: {} random writes done", NAME, SWEEP_WRITES);
    Ok(())
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let disk_name = args.arg_str(2).filter(|s| s.starts_with("hd") || s.starts_with("fd") || s.starts_with("sd")).unwrap_or("hd0");
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    if args.arg_str(3) == Some("floppy") {
        return floppy(&mut Disk { m: &mut m, task }, master, disk_name);
    }
    let mut pname = [0u8; 16];
    let part = |n: u32, buf: &mut [u8; 16]| -> [u8; 128] {
        let mut w = 0;
        for &b in disk_name.as_bytes() {
            buf[w] = b;
            w += 1;
        }
        buf[w] = b's';
        buf[w + 1] = b'0' + n as u8;
        mach_user::device_name(core::str::from_utf8(&buf[..w + 2]).unwrap_or("?"))
    };
    let open = |m: &mut Mach, n: &[u8; 128]| ds::device_open(m, master, D_READ | D_WRITE, n).map(|r| r.device);
    let whole = open(&mut m, &mach_user::device_name(disk_name)).map_err(|_| "open the disk")?;
    let s1 = open(&mut m, &part(1, &mut pname)).map_err(|_| "open s1")?;
    let s2 = open(&mut m, &part(2, &mut pname)).map_err(|_| "open s2")?;
    let s5 = open(&mut m, &part(5, &mut pname)).map_err(|_| "open s5")?;
    expect(open(&mut m, &part(4, &mut pname)).err() == Some(D_NO_SUCH_DEVICE), "an empty slot opened")?;
    let mut d = Disk { m: &mut m, task };
    let mode = args.arg_str(3).unwrap_or("");
    let mut sec = [0u8; 1024];

    if mode == "lba48" {
        expect(d.size(whole)?.1 == LBA48_SECTORS, "200 GiB disk DEV_GET_RECORDS")?;
        expect(d.read(whole, LBA48_LBA, 512, &mut sec) == Ok(512) && check(&sec[..512], LBA48_LBA), "read past LBA28")?;
        let mut w = [0u8; 1024];
        for (i, b) in w.iter_mut().enumerate() {
            *b = written(i);
        }
        expect(d.write(whole, LBA48_LBA + 1, &w) == Ok(1024), "write past LBA28")?;
        expect(d.read(whole, LBA48_LBA + 1, 1024, &mut sec) == Ok(1024) && sec == w, "read back past LBA28")?;
        expect(d.read(whole, LBA48_SECTORS - 1, 1024, &mut sec) == Ok(512), "last sector of the disk")?;
        uprintln!("{}: LBA48 sectors read and written", NAME);
        return Ok(());
    }

    if mode == "sweep" {
        return sweep(&mut d, whole);
    }

    // Sizes.
    expect(d.size(whole)? == (SECTORS * 512, SECTORS, 512), "disk DEV_GET_SIZE")?;
    expect(d.size(s1)? == (S1.1 * 512, S1.1, 512), "s1 DEV_GET_SIZE")?;
    expect(d.size(s5)? == (S5.1 * 512, S5.1, 512), "s5 DEV_GET_SIZE")?;
    uprintln!("{}: {} is {} bytes, s1 {} bytes", NAME, disk_name, SECTORS * 512, S1.1 * 512);

    // Reads.
    expect(d.read(whole, 100, 512, &mut sec) == Ok(512) && check(&sec[..512], 100), "disk record 100")?;
    expect(d.read(s1, 0, 512, &mut sec) == Ok(512) && check(&sec[..512], S1.0), "s1 record 0")?;
    expect(d.read(s5, 7, 512, &mut sec) == Ok(512) && check(&sec[..512], S5.0 + 7), "s5 record 7")?;
    // SAFETY: the only user of BIG, one thread.
    let big = unsafe { &mut *core::ptr::addr_of_mut!(BIG) };
    expect(d.read(s1, 1000, 80 * 1024, big) == Ok(80 * 1024) && check(&big[..80 * 1024], S1.0 + 1000), "s1 80 KiB at record 1000")?;
    let r = ds::device_read_inband(d.m, s5, 0, 3, 100).map_err(|_| "inband read")?;
    expect(r.data_cnt == 100 && check(&r.data[..100], S5.0 + 3), "s5 inband record 3")?;
    uprintln!("{}: patterns read back", NAME);

    // The end of a partition: short counts, D_INVALID_SIZE, nothing beyond.
    expect(d.read(s1, S1.1 - 1, 1024, &mut sec) == Ok(512) && check(&sec[..512], S1.0 + S1.1 - 1), "s1 read over the end")?;
    expect(d.read(s1, S1.1, 512, &mut sec) == Ok(0), "s1 read at the end")?;
    expect(d.read(s1, S1.1 + 1, 512, &mut sec) == Err(D_INVALID_SIZE), "s1 read past the end")?;
    expect(d.read(whole, SECTORS + 5, 512, &mut sec) == Err(D_INVALID_SIZE), "disk read past the end")?;
    uprintln!("{}: partition ends enforced", NAME);

    // Writes to s2: three sectors and 100 bytes at record 0, then over the end.
    let mut w = [0u8; 3 * 512 + 100];
    for (i, b) in w.iter_mut().enumerate() {
        *b = written(i);
    }
    expect(d.write(s2, 0, &w) == Ok(w.len() as u32), "s2 write at record 0")?;
    let mut back = [0u8; 4 * 512];
    expect(d.read(s2, 0, 4 * 512, &mut back) == Ok(4 * 512), "s2 read back")?;
    expect(back[..w.len()] == w[..], "s2 data read back differs")?;
    expect(back[w.len()..].iter().enumerate().all(|(k, &b)| b == pattern(S2.0 + 3, 100 + k)), "partial sector lost its tail")?;
    let tail = [0xA5u8; 1024];
    expect(d.write(s2, S2.1 - 1, &tail) == Ok(512), "s2 write over the end not shortened")?;
    expect(d.write(s2, S2.1 + 1, &tail) == Err(D_INVALID_SIZE), "s2 write past the end")?;
    expect(d.read(s2, S2.1 - 1, 512, &mut sec) == Ok(512) && sec[..512].iter().all(|&b| b == 0xA5), "s2 last record read back")?;
    expect(d.read(whole, S2.0 + S2.1, 512, &mut sec) == Ok(512) && sec[510] == 0x55 && sec[511] == 0xAA, "the EBR after s2 changed")?;
    uprintln!("{}: writes read back", NAME);

    if mode == "ioerror" {
        expect(d.read(s2, IOERROR_LBA - S2.0, 512, &mut sec) == Err(D_IO_ERROR), "a failing sector did not answer D_IO_ERROR")?;
        expect(d.read(s2, IOERROR_LBA - S2.0 + 1, 512, &mut sec) == Ok(512) && check(&sec[..512], IOERROR_LBA + 1), "the disk after an error")?;
        uprintln!("{}: I/O error reported, disk still works", NAME);
        // A 64 KiB request (one DMA command) with the bad sector in its
        // middle fails as a whole; the next 64 KiB request works.
        // SAFETY: the only user of BIG, one thread.
        let big = unsafe { &mut *core::ptr::addr_of_mut!(BIG) };
        expect(d.read(whole, IOERROR_LBA - 64, 64 * 1024, big) == Err(D_IO_ERROR), "a 64 KiB read over the failing sector did not answer D_IO_ERROR")?;
        expect(d.read(whole, IOERROR_LBA + 1, 64 * 1024, big) == Ok(64 * 1024) && check(&big[..64 * 1024], IOERROR_LBA + 1), "a 64 KiB read after the error")?;
        uprintln!("{}: 64 KiB read over the bad sector failed, the next one works", NAME);
    }

    for dev in [whole, s1, s2, s5] {
        let _ = ds::device_close(d.m, dev);
    }
    Ok(())
}

entry!(main);
