//! `contig`: `vm_allocate_contiguous` (gnumach.defs), as user-level drivers
//! use it: physically contiguous memory below 16 MiB with an alignment, for
//! the holder of the privileged host port (argv[1], `${host-port}`) only.
//!
//! Boot-script line: `/contig ${host-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use mach_user::mig::{gnumach, mach, Mach};
use mach_user::trap::{mach_host_self, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};
use mach_user::abi::KERN_INVALID_HOST;

const NAME: &str = "contig";

fn main(args: &Args) -> i32 {
    mach_user::test_main(NAME, || run(args))
}

fn run(args: &Args) -> Result<(), &'static str> {
    let host_priv = args.number(1).ok_or("argv[1] is not the host-privilege port")?;
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let (task, host) = unsafe { (mach_task_self(), mach_host_self()) };
    let r = gnumach::vm_allocate_contiguous(&mut m, host_priv, task, 3 * 4096, 0, 16 << 20, 0x4000).map_err(|_| "vm_allocate_contiguous")?;
    uprintln!("{}: 3 pages at {:#x}, physical {:#x}", NAME, r.vaddr, r.paddr);
    expect(r.paddr + 3 * 4096 <= 16 << 20 && r.paddr % 0x4000 == 0, "physical range or alignment")?;
    // SAFETY: the three pages are ours.
    unsafe {
        let s = core::slice::from_raw_parts_mut(r.vaddr as *mut u32, 3 * 1024);
        expect(s.iter().all(|&w| w == 0), "not zeroed")?;
        s[3000] = 7;
    }
    mach::vm_deallocate(&mut m, task, r.vaddr, 3 * 4096).map_err(|_| "vm_deallocate")?;
    let refused = gnumach::vm_allocate_contiguous(&mut m, host, task, 4096, 0, 16 << 20, 0);
    expect(refused.err() == Some(KERN_INVALID_HOST), "the unprivileged host port was not refused")?;
    Ok(())
}

entry!(main);
