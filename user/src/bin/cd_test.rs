//! `cd_test`: an ATAPI CD-ROM through device ports. argv[1] is the device
//! master port (`${device-port}`), argv[2] the drive's name (`wcd2`, GNU
//! Mach's name for an IDE CD-ROM: wcdN with N = 2 * channel + unit), argv[3]
//! the disc's size in 2048-byte blocks. The disc is the harness's CD image
//! (`mach_tests::cd`): block `b` holds `cd_pattern(b, i)` at byte `i`.
//!
//! Checks: opening for writing answers D_READ_ONLY; DEV_GET_SIZE and
//! DEV_GET_RECORDS give 2048-byte records; every block read back in
//! records of 1 to 64 blocks (128 KiB: one READ(10)); a read over the end
//! is short, one past it D_INVALID_SIZE; a write answers D_READ_ONLY.
//!
//! Boot-script line: `/cd_test ${device-port} wcd2 BLOCKS $(task-create) $(task-resume)`.
//! Last line: `user-test: cd_test ok` or `user-test: cd_test FAILED: <why>`.
#![no_std]
#![no_main]

use mach_user::abi::{DEV_GET_RECORDS, DEV_GET_SIZE, D_INVALID_SIZE, D_READ, D_READ_ONLY, D_WRITE};
use mach_user::mig::{device as ds, mach, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "cd_test";
const BLOCK: u32 = 2048;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

/// Byte `i` of block `b` (as `mach_tests::cd::pattern`).
fn cd_pattern(b: u32, i: usize) -> u8 {
    if i < 4 {
        return b.to_le_bytes()[i];
    }
    (b.wrapping_mul(17).wrapping_add(i as u32 * 3) ^ (i as u32 >> 8)) as u8
}

/// device_read of `bytes` at record `rec`, checked against the pattern;
/// the byte count read.
fn read_check(m: &mut Mach, task: u32, dev: u32, rec: u32, bytes: u32) -> Result<usize, &'static str> {
    let r = ds::device_read(m, dev, 0, rec, bytes).map_err(|_| "device_read")?;
    let n = r.data.count as usize;
    if n == 0 {
        return Ok(0);
    }
    // SAFETY: the kernel mapped `n` bytes of out-of-line data at `addr`.
    let data = unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, n) };
    let ok = data.iter().enumerate().all(|(k, &v)| v == cd_pattern(rec + (k / BLOCK as usize) as u32, k % BLOCK as usize));
    let _ = mach::vm_deallocate(m, task, r.data.addr, n as u32);
    if !ok {
        uprintln!("{}: {} bytes at block {} differ", NAME, bytes, rec);
        return Err("data differs from the pattern");
    }
    Ok(n)
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let name = args.arg_str(2).ok_or("argv[2]: the drive's name")?;
    let blocks = args.number(3).ok_or("argv[3]: the disc's blocks")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let dname = mach_user::device_name(name);

    expect(ds::device_open(&mut m, master, D_READ | D_WRITE, &dname).err() == Some(D_READ_ONLY), "open for writing not D_READ_ONLY")?;
    let dev = ds::device_open(&mut m, master, D_READ, &dname).map_err(|_| "open for reading")?.device;

    let s = ds::device_get_status(&mut m, dev, DEV_GET_SIZE, 2).map_err(|_| "DEV_GET_SIZE")?;
    let r = ds::device_get_status(&mut m, dev, DEV_GET_RECORDS, 2).map_err(|_| "DEV_GET_RECORDS")?;
    expect(s.status_cnt == 2 && s.status[0] == blocks * BLOCK && s.status[1] == BLOCK, "DEV_GET_SIZE")?;
    expect(r.status_cnt == 2 && r.status[0] == blocks && r.status[1] == BLOCK, "DEV_GET_RECORDS")?;
    uprintln!("{}: {} is {} records of {} bytes", NAME, name, blocks, BLOCK);

    const SIZES: [u32; 5] = [1, 64, 3, 32, 7];
    let (mut b, mut i) = (0u32, 0usize);
    while b < blocks {
        let n = SIZES[i % SIZES.len()].min(blocks - b);
        i += 1;
        expect(read_check(&mut m, task, dev, b, n * BLOCK)? == (n * BLOCK) as usize, "short read inside the disc")?;
        b += n;
    }
    // A read of part of a record, and reads at and over the end.
    expect(read_check(&mut m, task, dev, 5, 1000)? == 1000, "a 1000-byte read")?;
    expect(read_check(&mut m, task, dev, blocks - 1, 4 * BLOCK)? == BLOCK as usize, "a read over the end")?;
    expect(ds::device_read(&mut m, dev, 0, blocks + 1, BLOCK).err() == Some(D_INVALID_SIZE), "a read past the end")?;
    uprintln!("{}: every block read back ({} reads)", NAME, i);

    let w = [0u8; BLOCK as usize];
    let wr = ds::device_write(&mut m, dev, 0, 0, rt::Ool { addr: w.as_ptr() as u32, count: BLOCK, dealloc: false });
    expect(wr.err() == Some(D_READ_ONLY), "a write not D_READ_ONLY")?;
    uprintln!("{}: writes refused with D_READ_ONLY", NAME);
    let _ = ds::device_close(&mut m, dev);
    Ok(())
}

entry!(main);
