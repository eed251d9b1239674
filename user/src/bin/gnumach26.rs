//! `gnumach26`: what GNU Mach as the Hurd runs it in 2026 adds to
//! `gnumach.defs` and the info flavours (Debian unstable's gnumach-dev
//! 1.8+git20261028), checked through the MIG stubs of those `.defs`:
//! - `vm_pages_phys` answers the physical address of each resident page
//!   (checked against `vm_allocate_contiguous`'s), 0 for pages never
//!   touched; privileged host port only; page-aligned ranges only.
//! - `thread_set_name` / `thread_get_name` (31 bytes kept).
//! - `vm_set_size_limit` / `vm_get_size_limit`: the machine's memory by
//!   default; `vm_allocate` past the current limit fails with
//!   `KERN_NO_SPACE`; only the privileged host port raises the maximum.
//! - `task_info` / `thread_info` with the 64-bit times (`TASK_BASIC_INFO`
//!   22 words, `TASK_THREAD_TIMES_INFO` 12, `THREAD_BASIC_INFO` 25), and
//!   the older, shorter counts still answered.
//! - `device_open_new` (the device name as a C string) opens as
//!   `device_open` does.
//!
//! Boot-script line: `/gnumach26 ${host-port} ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::abi::{KERN_INVALID_ARGUMENT, KERN_INVALID_HOST, KERN_NO_ACCESS, KERN_NO_SPACE};
use mach_user::abi::{D_NO_SUCH_DEVICE, D_READ};
use mach_user::mig::{device as ds, gnumach, mach, mach_host, Mach};
use mach_user::trap::{mach_host_self, mach_task_self, mach_thread_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "gnumach26";
const PAGE: u32 = 4096;

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host, thread) = unsafe { (mach_task_self(), mach_host_self(), mach_thread_self()) };
    pages_phys(&mut m, task, host, host_priv)?;
    names(&mut m, task, thread)?;
    size_limits(&mut m, task, host, host_priv)?;
    times(&mut m, task, host, thread)?;
    let master = args.number(2).ok_or("argv[2] is not the device master port")?;
    let d = ds::device_open_new(&mut m, master, D_READ, &mach_user::device_name("time")).map_err(|_| "device_open_new time")?.device;
    expect(d != 0, "device_open_new gave no port")?;
    let bad = ds::device_open_new(&mut m, master, D_READ, &mach_user::device_name("nosuch9"));
    expect(bad.err() == Some(D_NO_SUCH_DEVICE), "device_open_new of an unknown name")?;
    ds::device_close(&mut m, d).map_err(|_| "device_close")?;
    mach_user::mig::mach_port::mach_port_deallocate(&mut m, task, d).map_err(|_| "mach_port_deallocate")?;
    uprintln!("{}: device_open_new opened time", NAME);
    Ok(())
}

/// The 64-bit physical addresses of a `vm_pages_phys` reply.
fn phys_of(m: &mut Mach, host_priv: u32, task: u32, addr: u32, size: u32) -> Result<[u64; 4], i32> {
    let r = gnumach::vm_pages_phys(m, host_priv, task, addr, size)?.pages;
    let mut out = [u64::MAX; 4];
    // SAFETY: the kernel mapped `count` 8-byte elements at `addr`.
    let words = unsafe { core::slice::from_raw_parts(r.addr as *const u64, r.count as usize) };
    for (o, w) in out.iter_mut().zip(words) {
        *o = *w;
    }
    // SAFETY: a region the reply gave us.
    unsafe { mach_user::trap::syscall_vm_deallocate(task, r.addr, (r.count * 8).next_multiple_of(PAGE)) };
    if r.count as usize != (size / PAGE) as usize { Err(-1) } else { Ok(out) }
}

fn pages_phys(m: &mut Mach, task: u32, host: u32, host_priv: u32) -> Result<(), &'static str> {
    let c = gnumach::vm_allocate_contiguous(m, host_priv, task, 3 * PAGE, 0, 16 << 20, 0).map_err(|_| "vm_allocate_contiguous")?;
    let p = phys_of(m, host_priv, task, c.vaddr, 3 * PAGE).map_err(|_| "vm_pages_phys on contiguous memory")?;
    expect(p[..3] == [c.paddr, c.paddr + 4096, c.paddr + 8192], "vm_pages_phys disagrees with vm_allocate_contiguous")?;
    uprintln!("{}: vm_pages_phys {:#x} {:#x} {:#x} = contiguous run at {:#x}", NAME, p[0], p[1], p[2], c.paddr);
    mach::vm_deallocate(m, task, c.vaddr, 3 * PAGE).map_err(|_| "vm_deallocate")?;

    let a = mach::vm_allocate(m, task, 0, 2 * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    // SAFETY: our page.
    unsafe { core::ptr::write_volatile(a as *mut u32, 0x2026) };
    let p = phys_of(m, host_priv, task, a, 2 * PAGE).map_err(|_| "vm_pages_phys")?;
    expect(p[0] != 0 && p[0] % 4096 == 0, "a touched page has no physical address")?;
    expect(p[1] == 0, "a page never touched has a physical address")?;
    uprintln!("{}: touched page at {:#x}, untouched 0", NAME, p[0]);
    expect(gnumach::vm_pages_phys(m, host, task, a, PAGE).err() == Some(KERN_INVALID_HOST), "the ordinary host port was served")?;
    expect(gnumach::vm_pages_phys(m, host_priv, task, a + 8, PAGE).err() == Some(KERN_INVALID_ARGUMENT), "an unaligned address was accepted")?;
    expect(gnumach::vm_pages_phys(m, host_priv, task, a, 100).err() == Some(KERN_INVALID_ARGUMENT), "an unaligned size was accepted")?;
    mach::vm_deallocate(m, task, a, 2 * PAGE).map_err(|_| "vm_deallocate")?;
    Ok(())
}

fn names(m: &mut Mach, task: u32, thread: u32) -> Result<(), &'static str> {
    let n = gnumach::thread_get_name(m, thread).map_err(|_| "thread_get_name")?;
    expect(n.name_cnt >= 1 && n.name[0] == 0, "an unnamed thread has a name")?;
    gnumach::thread_set_name(m, thread, b"gnumach26-main\0").map_err(|_| "thread_set_name")?;
    let n = gnumach::thread_get_name(m, thread).map_err(|_| "thread_get_name")?;
    expect(&n.name[..15] == b"gnumach26-main\0", "thread_get_name does not give the name set")?;
    let long = b"a-thread-name-longer-than-thirty-one-bytes\0";
    gnumach::thread_set_name(m, thread, long).map_err(|_| "thread_set_name")?;
    let n = gnumach::thread_get_name(m, thread).map_err(|_| "thread_get_name")?;
    let end = n.name.iter().position(|&c| c == 0).unwrap_or(64);
    expect(end == 31 && n.name[..31] == long[..31], "a long name is not cut to 31 bytes")?;
    uprintln!("{}: thread name '{}'", NAME, core::str::from_utf8(&n.name[..end]).unwrap_or("?"));
    expect(gnumach::thread_get_name(m, task).is_err(), "thread_get_name on a task port")?;
    Ok(())
}

fn size_limits(m: &mut Mach, task: u32, host: u32, host_priv: u32) -> Result<(), &'static str> {
    let mem = mach_host::host_info(m, host, 1, 5).map_err(|_| "host_info")?.host_info_out[2];
    let l = gnumach::vm_get_size_limit(m, task).map_err(|_| "vm_get_size_limit")?;
    expect(l.current_limit == mem && l.max_limit == mem, "the default limits are not the machine's memory")?;
    uprintln!("{}: size limits {} / {} bytes (memory {})", NAME, l.current_limit, l.max_limit, mem);
    let virt = mach::task_info(m, task, 1, 10).map_err(|_| "task_info")?.task_info_out[2];
    expect(gnumach::vm_set_size_limit(m, host, task, 2 * PAGE, PAGE).err() == Some(KERN_INVALID_ARGUMENT), "current above max accepted")?;
    expect(gnumach::vm_set_size_limit(m, host, task, mem, mem + PAGE).err() == Some(KERN_NO_ACCESS), "the ordinary host port raised the maximum")?;
    gnumach::vm_set_size_limit(m, host, task, virt + 4 * PAGE, mem).map_err(|_| "vm_set_size_limit (lower)")?;
    let a = mach::vm_allocate(m, task, 0, 4 * PAGE, 1).map_err(|_| "vm_allocate under the limit")?.address;
    let over = mach::vm_allocate(m, task, 0, PAGE, 1);
    expect(over.err() == Some(KERN_NO_SPACE), "vm_allocate past the limit did not fail with KERN_NO_SPACE")?;
    mach::vm_deallocate(m, task, a, PAGE).map_err(|_| "vm_deallocate")?;
    let b = mach::vm_allocate(m, task, 0, PAGE, 1).map_err(|_| "vm_allocate after freeing")?.address;
    uprintln!("{}: vm_allocate past the limit: KERN_NO_SPACE", NAME);
    mach::vm_deallocate(m, task, a + PAGE, 3 * PAGE).map_err(|_| "vm_deallocate")?;
    mach::vm_deallocate(m, task, b, PAGE).map_err(|_| "vm_deallocate")?;
    gnumach::vm_set_size_limit(m, host, task, PAGE, PAGE).map_err(|_| "vm_set_size_limit (max lower)")?;
    expect(gnumach::vm_set_size_limit(m, host, task, mem, mem).err() == Some(KERN_NO_ACCESS), "a lowered maximum rose again")?;
    gnumach::vm_set_size_limit(m, host_priv, task, 2 * mem, 2 * mem).map_err(|_| "vm_set_size_limit (privileged raise)")?;
    let l = gnumach::vm_get_size_limit(m, task).map_err(|_| "vm_get_size_limit")?;
    expect(l.current_limit == 2 * mem && l.max_limit == 2 * mem, "the privileged raise did not hold")?;
    Ok(())
}

/// A `time_value_t` at `w[i..]` against the `time_value64_t` at `w[j..]`.
fn same_time(w: &[u32], i: usize, j: usize) -> bool {
    w[j] == w[i] && w[j + 1] == 0 && w[j + 2] == w[i + 1] * 1000 && w[j + 3] == 0
}

fn times(m: &mut Mach, task: u32, host: u32, thread: u32) -> Result<(), &'static str> {
    // Run for a few ticks, so the user time is not zero.
    let start = mach_host::host_get_time(m, host).map_err(|_| "host_get_time")?.current_time;
    loop {
        let now = mach_host::host_get_time(m, host).map_err(|_| "host_get_time")?.current_time;
        if (now[0] - start[0]) * 1_000_000 + now[1] - start[1] > 60_000 {
            break;
        }
    }
    let r = mach::task_info(m, task, 1, 1024).map_err(|_| "task_info TASK_BASIC_INFO")?;
    let w = &r.task_info_out;
    expect(r.task_info_out_cnt == 22, "TASK_BASIC_INFO is not 22 words")?;
    expect(same_time(w, 4, 10) && same_time(w, 6, 14) && same_time(w, 8, 18), "64-bit task times differ from the 32-bit ones")?;
    expect(w[8] > 1_000_000_000 && (w[4] > 0 || w[5] > 0), "no creation stamp or no user time")?;
    uprintln!("{}: TASK_BASIC_INFO 22 words: user {}.{:09} s, created {}", NAME, w[10], w[12], w[18]);
    let r = mach::task_info(m, task, 1, 10).map_err(|_| "task_info with the old count")?;
    expect(r.task_info_out_cnt == 10 && r.task_info_out[8] > 1_000_000_000, "the old count of TASK_BASIC_INFO")?;
    expect(mach::task_info(m, task, 1, 9).err() == Some(KERN_INVALID_ARGUMENT), "TASK_BASIC_INFO below the old count")?;
    let r = mach::task_info(m, task, 3, 12).map_err(|_| "TASK_THREAD_TIMES_INFO")?;
    expect(r.task_info_out_cnt == 12 && same_time(&r.task_info_out, 0, 4), "TASK_THREAD_TIMES_INFO is not 12 words with 64-bit times")?;
    let r = mach::task_info(m, task, 3, 4).map_err(|_| "TASK_THREAD_TIMES_INFO old count")?;
    expect(r.task_info_out_cnt == 4, "the old count of TASK_THREAD_TIMES_INFO")?;
    expect(mach::task_info(m, task, 3, 3).err() == Some(KERN_INVALID_ARGUMENT), "TASK_THREAD_TIMES_INFO below the old count")?;
    let r = mach::thread_info(m, thread, 1, 1024).map_err(|_| "THREAD_BASIC_INFO")?;
    expect(r.thread_info_out_cnt == 25 && same_time(&r.thread_info_out, 0, 13), "THREAD_BASIC_INFO is not 25 words with 64-bit times")?;
    let r = mach::thread_info(m, thread, 1, 13).map_err(|_| "THREAD_BASIC_INFO old count")?;
    expect(r.thread_info_out_cnt == 13, "the old count of THREAD_BASIC_INFO")?;
    expect(mach::thread_info(m, thread, 1, 12).err() == Some(KERN_INVALID_ARGUMENT), "THREAD_BASIC_INFO below the old count")?;
    uprintln!("{}: old counts 10, 4, 13 answered", NAME);
    Ok(())
}

entry!(main);
