//! `cow`: task_create with inherited memory is copy-on-write: the child sees
//! the parent's data, and a write on either side stays on that side
//! (checked through vm_read / vm_write on the child's task port), the copies
//! are counted (vm_statistics cow_faults), and VM_INHERIT_NONE memory is not
//! inherited. VM_INHERIT_SHARE memory is shared for good: writes on either
//! side show on the other, to pages touched before the fork or after.
//! A 1 MiB out-of-line message copies no page until someone writes, and
//! then only the page written.
//!
//! Boot-script line: `/cow $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::message::*;
use mach_user::mig::{mach, mach_port, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::{KERN_INVALID_ADDRESS, VM_INHERIT_NONE};

const VM_INHERIT_SHARE: u32 = 0;

const NAME: &str = "cow";
const PAGE: u32 = 4096;

fn main(_args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    match run().and_then(|_| ool_copy_on_write()) {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

fn read(m: &mut Mach, task: u32, addr: u32, len: u32) -> Result<&'static [u8], &'static str> {
    let r = mach::vm_read(m, task, addr, len).map_err(|_| "vm_read")?;
    // SAFETY: the kernel mapped the data into our space; it is never freed here.
    Ok(unsafe { core::slice::from_raw_parts(r.data.addr as *const u8, r.data.count as usize) })
}

fn run() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let r = mach::vm_allocate(&mut m, task, 0, 3 * PAGE, 1).map_err(|_| "vm_allocate")?.address;
    let private = mach::vm_allocate(&mut m, task, 0, PAGE, 1).map_err(|_| "vm_allocate private")?.address;
    // SAFETY: our own pages.
    let mem = unsafe { core::slice::from_raw_parts_mut(r as *mut u8, 3 * PAGE as usize) };
    mem.fill(b'A');
    // SAFETY: our own page.
    unsafe { core::ptr::write_volatile(private as *mut u8, b'P') };
    mach::vm_inherit(&mut m, task, private, PAGE, VM_INHERIT_NONE).map_err(|_| "vm_inherit")?;
    let shared = mach::vm_allocate(&mut m, task, 0, 2 * PAGE, 1).map_err(|_| "vm_allocate shared")?.address;
    // SAFETY: our own page.
    unsafe { core::ptr::write_volatile(shared as *mut u8, b'S') };
    mach::vm_inherit(&mut m, task, shared, 2 * PAGE, VM_INHERIT_SHARE).map_err(|_| "vm_inherit share")?;
    let cows = |m: &mut Mach| mach::vm_statistics(m, task).map(|s| s.vm_stats[10]).unwrap_or(0);
    let c0 = cows(&mut m);

    let child = mach::task_create(&mut m, task, 1).map_err(|_| "task_create")?.child_task;
    expect(read(&mut m, child, r, 3 * PAGE)?.iter().all(|&b| b == b'A'), "the child does not see the parent's data")?;
    expect(mach::vm_read(&mut m, child, private, PAGE).err() == Some(KERN_INVALID_ADDRESS), "VM_INHERIT_NONE memory was inherited")?;

    // The parent writes page 0: the child keeps 'A'.
    mem[..PAGE as usize].fill(b'B');
    expect(read(&mut m, child, r, PAGE)?.iter().all(|&b| b == b'A'), "the parent's write reached the child")?;
    // The child gets page 1 written: the parent keeps 'A'.
    let c = [b'C'; 16];
    mach::vm_write(&mut m, child, r + PAGE, rt::Ool { addr: c.as_ptr() as u32, count: 16, dealloc: false }).map_err(|_| "vm_write child")?;
    expect(mem[PAGE as usize..PAGE as usize + 16].iter().all(|&b| b == b'A'), "the child's write reached the parent")?;
    expect(read(&mut m, child, r + PAGE, 16)? == &c, "the child's write is lost")?;
    // Page 2, never written: both still read 'A'.
    expect(read(&mut m, child, r + 2 * PAGE, PAGE)?.iter().all(|&b| b == b'A'), "the untouched page changed")?;
    // Shared memory: the parent's write to the page touched before the fork
    // shows in the child; the child's to the page nobody touched, in the parent.
    // SAFETY: our own shared pages.
    unsafe { core::ptr::write_volatile(shared as *mut u8, b'X') };
    expect(read(&mut m, child, shared, 1)? == b"X", "the parent's write to shared memory is not in the child")?;
    let y = [b'Y'; 8];
    mach::vm_write(&mut m, child, shared + PAGE, rt::Ool { addr: y.as_ptr() as u32, count: 8, dealloc: false }).map_err(|_| "vm_write shared")?;
    // SAFETY: our own shared page.
    let seen = unsafe { core::ptr::read_volatile((shared + PAGE + 7) as *const u8) };
    expect(seen == b'Y', "the child's write to shared memory is not in the parent")?;
    let region = mach::vm_region(&mut m, task, shared).map_err(|_| "vm_region shared")?;
    expect(region.is_shared == 1 && region.size == 2 * PAGE, "vm_region does not call the memory shared")?;
    uprintln!("{}: shared memory is shared both ways", NAME);
    let c1 = cows(&mut m);
    uprintln!("{}: copy-on-write copies: {}", NAME, c1 - c0);
    expect(c1 - c0 >= 2, "no copy-on-write copies counted")?;
    mach::task_terminate(&mut m, child).map_err(|_| "task_terminate child")?;
    // After the child is gone, the parent's pages are its own again.
    mem[2 * PAGE as usize] = b'D';
    expect(mem[2 * PAGE as usize] == b'D' && mem[PAGE as usize] == b'A', "parent memory after the child's end")?;
    Ok(())
}

/// A 1 MiB message to ourselves: sent and received without copying a page;
/// a write on either side copies that page only, and stays on its side.
fn ool_copy_on_write() -> Result<(), &'static str> {
    const SIZE: u32 = 1 << 20;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let src = mach::vm_allocate(&mut m, task, 0, SIZE, 1).map_err(|_| "vm_allocate")?.address;
    // SAFETY: our own fresh pages.
    let s = unsafe { core::slice::from_raw_parts_mut(src as *mut u8, SIZE as usize) };
    for (i, x) in s.iter_mut().enumerate() {
        *x = (i / 4096) as u8;
    }
    let stats = |m: &mut Mach| mach::vm_statistics(m, task).map(|s| (s.vm_stats[1], s.vm_stats[10])).unwrap_or((0, 0));
    let port = mach_port::mach_port_allocate(&mut m, task, 1).map(|r| r.name).map_err(|_| "allocate")?;
    let (free0, cow0) = stats(&mut m);
    let mut msg = [0u32; 16];
    msg[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 9, 1 << 29, MACH_MSG_TYPE_INTEGER_8 | (8 << 16), SIZE, src]);
    // SAFETY: a 64-byte buffer for the send and the receive.
    let r = unsafe { mach_msg_trap(msg.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 40, 64, port, 0, 0) };
    expect(r == 0 && msg[8] == SIZE, "1 MiB OOL round trip")?;
    let dst = msg[9];
    let (free1, cow1) = stats(&mut m);
    // SAFETY: the kernel mapped the received region here.
    let d = unsafe { core::slice::from_raw_parts_mut(dst as *mut u8, SIZE as usize) };
    expect(d.iter().enumerate().all(|(i, &x)| x == (i / 4096) as u8), "received data differs")?;
    uprintln!("{}: 1 MiB OOL sent and received; free pages {} -> {}, copies {}", NAME, free0, free1, cow1 - cow0);
    expect(cow1 == cow0 && free0.saturating_sub(free1) < 16, "sending copied pages")?;
    d[5] = 0xEE;
    s[4096 + 5] = 0xDD;
    expect(s[5] == 0 && d[4096 + 5] == 1, "a write crossed to the other side")?;
    let (_, cow2) = stats(&mut m);
    expect(cow2 - cow1 == 2, "not one copy per written page")?;
    mach::vm_deallocate(&mut m, task, dst, SIZE).map_err(|_| "vm_deallocate dst")?;
    mach::vm_deallocate(&mut m, task, src, SIZE).map_err(|_| "vm_deallocate src")?;
    mach_port::mach_port_destroy(&mut m, task, port).map_err(|_| "destroy")?;
    Ok(())
}

entry!(main);
