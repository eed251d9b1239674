//! `diskload`: random writes of random lengths across every partition of
//! `hd0` (issue 16, load). Write `k` goes to a partition, a length of 1 to
//! 256 records and a start all drawn from a seeded xorshift32; its words
//! are `mach_tests::load::word(seed, k, j)`. It stops once the bytes
//! written reach the total; the host replays the same sequence on the
//! pristine image and compares it with the disk byte by byte: written
//! ranges must hold exactly the data, everything else must be unchanged
//! (see `mach_tests::load`, which this program mirrors).
//!
//! Boot-script line: `/diskload ${device-port} SEED TOTAL_KIB 1+2+5+6 $(task-create) $(task-resume)`
//! (the partitions to write, in the order the host replays them).
#![no_std]
#![no_main]

use mach_user::abi::*;
use mach_user::mig::{device as ds, mach, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "diskload";
/// Largest write, in records.
const MAX_RECORDS: u32 = 256;

/// xorshift32, as `mach_tests::load::next`.
fn next(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

/// Word `j` of write `k`, as `mach_tests::load::word`.
fn word(seed: u32, k: u32, j: u32) -> u32 {
    seed ^ k.wrapping_mul(0x9E37_79B1) ^ j.wrapping_mul(0x85EB_CA6B)
}

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let seed = args.number(2).filter(|&s| s != 0).ok_or("argv[2] is not a seed")?;
    let total = u64::from(args.number(3).ok_or("argv[3] is not a size in KiB")?) << 10;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    // The partitions named (hd0sN for each N of argv[4], in that order).
    let list = args.arg_str(4).ok_or("argv[4] is not a partition list")?;
    let mut parts = [(0u32, 0u32); 8];
    let mut n = 0;
    for num in list.split('+').take(parts.len()) {
        let mut name = [0u8; 8];
        name[..4].copy_from_slice(b"hd0s");
        name[4..4 + num.len().min(2)].copy_from_slice(&num.as_bytes()[..num.len().min(2)]);
        let name = core::str::from_utf8(&name[..4 + num.len().min(2)]).map_err(|_| "partition name")?;
        let r = ds::device_open(&mut m, master, D_READ | D_WRITE, &mach_user::device_name(name)).map_err(|_| "device_open of a partition")?;
        let s = ds::device_get_status(&mut m, r.device, DEV_GET_RECORDS, 2).map_err(|_| "DEV_GET_RECORDS")?;
        parts[n] = (r.device, s.status[0]);
        n += 1;
    }
    expect(n > 0, "no partition on hd0")?;
    let buf = mach::vm_allocate(&mut m, task, 0, MAX_RECORDS * 512, 1).map_err(|_| "vm_allocate")?.address;
    let mut x = seed;
    let (mut k, mut written) = (0u32, 0u64);
    while written < total {
        let p = next(&mut x) % n as u32;
        let (dev, records) = parts[p as usize];
        let len = 1 + next(&mut x) % MAX_RECORDS.min(records);
        let at = next(&mut x) % (records - len + 1);
        for j in 0..len * 128 {
            // SAFETY: our own buffer of MAX_RECORDS records.
            unsafe { core::ptr::write_volatile((buf + 4 * j) as *mut u32, word(seed, k, j)) };
        }
        let r = ds::device_write(&mut m, dev, 0, at, rt::Ool { addr: buf, count: len * 512, dealloc: false });
        match r {
            Ok(w) if w.bytes_written == len * 512 => {}
            Ok(w) => {
                uprintln!("{}: write {} of {} records at {} on partition {}: {} bytes", NAME, k, len, at, p + 1, w.bytes_written);
                return Err("short write");
            }
            Err(e) => {
                uprintln!("{}: write {} of {} records at {} on partition {}: {:#x}", NAME, k, len, at, p + 1, e);
                return Err("write failed");
            }
        }
        k += 1;
        written += u64::from(len) * 512;
        if k % 4096 == 0 {
            uprintln!("{}: {} writes, {} MiB", NAME, k, written >> 20);
        }
    }
    for &(dev, _) in &parts[..n] {
        ds::device_close(&mut m, dev).map_err(|_| "device_close")?;
        let _ = mach_user::mig::mach_port::mach_port_deallocate(&mut m, task, dev);
    }
    mach::vm_deallocate(&mut m, task, buf, MAX_RECORDS * 512).map_err(|_| "vm_deallocate")?;
    uprintln!("{}: {} partitions, {} writes, {} bytes", NAME, n, k, written);
    Ok(())
}

entry!(main);
