//! `kernel_main`: the order of start-up, from the boot stack to the idle loop.

use alloc::vec::Vec;

use kerncore::cmdline::{KernelArgs, Rejected};
use kerncore::multiboot::{BootInfo, Problem, BOOTLOADER_MAGIC};

use super::bootinfo::{self, Boot, BootModule, LinearReader};
use crate::i386::{clock, cpu, gdt, pic, qemu, trap};
use crate::platform::{acpi, pci};
use crate::vm::{pmap, vm_page};

extern "C" {
    static boot_stack_top: u8;
}

/// TSC at the kernel's first instruction in Rust.
static mut START_TSC: u64 = 0;

/// Start-up cost: TSC cycles from entry to the end of start-up.
pub fn startup_cycles(end: u64) -> u64 {
    // SAFETY: START_TSC is written once, first thing in `kernel_main`, before any reader.
    end - unsafe { START_TSC }
}

fn report_problem(p: &Problem) {
    crate::kwarn!("multiboot: {:?} (skipped)", p);
}

fn report_rejected(r: &Rejected) {
    match r {
        Rejected::Unknown(w) => crate::kwarn!("command line: unknown word '{}' ignored", w),
        Rejected::BadValue(w) => crate::kwarn!("command line: bad value in '{}' ignored", w),
        Rejected::TooMany(w) => crate::kwarn!("command line: too many words, '{}' ignored", w),
        Rejected::None => {}
    }
}

/// Physical ranges holding boot data, kept from the page allocator.
fn boot_reserved(bi: &BootInfo) -> vm_page::Reserved {
    let mut r = vm_page::Reserved::default();
    let (ks, ke) = pmap::kernel_image();
    let _ = r.push((u64::from(ks), u64::from(ke)));
    let _ = r.push((u64::from(bi.info_addr), u64::from(bi.info_addr) + 88));
    for &(a, b) in [bi.mmap_range, bi.mods_range].iter().flatten() {
        let _ = r.push((u64::from(a), u64::from(b)));
    }
    for s in [bi.cmdline, bi.loader_name].iter().flatten() {
        let _ = r.push((u64::from(s.addr), u64::from(s.addr) + u64::from(s.len) + 1));
    }
    for m in bi.modules.as_slice() {
        let _ = r.push((u64::from(m.start), u64::from(m.end)));
        if let Some(s) = m.cmdline {
            let _ = r.push((u64::from(s.addr), u64::from(s.addr) + u64::from(s.len) + 1));
        }
    }
    r
}

/// Highest physical address the linear map must cover: the end of every
/// memory-map region that starts below the linear map's limit (RAM and the
/// ACPI tables and BIOS areas that sit between).
fn linear_top(bi: &BootInfo) -> u64 {
    let from_map = bi.regions.as_slice().iter().filter(|r| r.base < u64::from(pmap::LINEAR_MAX)).map(|r| r.end()).max();
    from_map.unwrap_or_else(|| bi.usable_ram().as_slice().iter().map(|r| r.end()).max().unwrap_or(16 << 20))
}

/// Entered from `boot.rs` on the boot stack with paging on and interrupts off.
#[no_mangle]
pub extern "C" fn kernel_main(magic: u32, info_addr: u32) -> ! {
    // SAFETY: first statement of the kernel; nothing else runs.
    unsafe { START_TSC = cpu::rdtsc() };
    super::log::init_early();
    crate::kprintln!("mach: {} {} (i386) starting", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));

    // SAFETY: taking the address of the boot stack's end symbol.
    gdt::init(core::ptr::addr_of!(boot_stack_top) as u32);
    trap::init();
    pic::init();

    if magic != BOOTLOADER_MAGIC {
        panic!("not started by a multiboot loader (magic {:#x})", magic);
    }
    let info = BootInfo::parse(&LinearReader, info_addr);
    let cmdline = bootinfo::copy_cmdline(&info);
    let args = KernelArgs::parse(cmdline);
    super::panic::exit_on_panic(!args.tests.is_empty() || args.bench);
    super::log::set_console(args.console);
    crate::kprintln!("command line: {}", cmdline);
    info.problems.as_slice().iter().for_each(report_problem);
    args.rejected.as_slice().iter().for_each(report_rejected);

    // Memory.
    let mapped = pmap::init(linear_top(&info));
    let (total, free) = vm_page::init(&info, boot_reserved(&info));
    let usable = info.usable_bytes();
    crate::kprintln!(
        "memory: {} KiB usable ({} MiB), {} pages managed, {} free, linear map {} MiB",
        usable / 1024,
        usable.div_ceil(1 << 20),
        total,
        free,
        mapped >> 20
    );
    for r in info.regions.as_slice() {
        crate::kprintln!("  e820 {:#011x}..{:#011x} type {}", r.base, r.end(), r.kind);
    }

    // The heap works from here on.
    let modules: Vec<BootModule> = info
        .modules
        .as_slice()
        .iter()
        .map(|m| BootModule { start: m.start, end: m.end, cmdline: m.cmdline.map(bootinfo::read_string).unwrap_or_default() })
        .collect();
    for (i, m) in modules.iter().enumerate() {
        crate::kprintln!("module {}: {:#x}..{:#x} '{}'", i, m.start, m.end, m.cmdline);
    }
    let boot = bootinfo::set(Boot { info, cmdline, args, modules });

    // CPU and time.
    let f = cpu::features();
    crate::kprintln!(
        "cpu: {} family {} model {} stepping {}{}{}{}{}{}",
        core::str::from_utf8(&f.vendor).unwrap_or("?"),
        f.family,
        f.model,
        f.stepping,
        if f.fpu { " fpu" } else { "" },
        if f.tsc { " tsc" } else { "" },
        if f.pse { " pse" } else { "" },
        if f.pge { " pge" } else { "" },
        if f.apic { " apic" } else { "" },
    );
    if !f.tsc || !f.pse {
        panic!("this kernel needs a CPU with TSC and 4 MiB pages (Pentium or later)");
    }
    if !f.fpu {
        panic!("this kernel needs a CPU with an FPU (the Hurd's programs use the x87)");
    }
    crate::i386::fpu::init(f.fxsr);
    let khz = clock::calibrate_tsc();
    let epoch = crate::i386::rtc::init();
    crate::kprintln!("clock: TSC {} kHz, PIT at {} Hz, RTC {} s since 1970", khz, clock::HZ, epoch);
    crate::kern::sched_prim::init();
    crate::ipc::init();
    clock::start();
    cpu::enable_interrupts();

    // Platform.
    pci::init();
    acpi::init();
    // `ramdisk=KIB` (a boot-script variable to GNU Mach) asks for `ram0`.
    let ramdisk = boot.args.vars.as_slice().iter().find(|(k, _)| *k == "ramdisk").and_then(|(_, v)| v.parse::<u32>().ok()).unwrap_or(0);
    // Tests that need the machine before any driver probed it.
    crate::kern::ktest::run_before_devices(boot.args.tests.as_slice());
    crate::device::init(boot.args.console, ramdisk);
    crate::vm::pageout::init();

    let cycles = startup_cycles(cpu::rdtsc());
    crate::kprintln!("startup: done in {} cycles ({} ms)", cycles, clock::cycles_to_ms(cycles));

    if boot.args.bench {
        crate::kprintln!("bench: startup_cycles={} tsc_khz={}", cycles, clock::tsc_khz());
        qemu::exit(qemu::SUCCESS);
    }
    if !boot.args.tests.is_empty() {
        if let Some(secs) = boot.args.vars.as_slice().iter().find(|(k, _)| *k == "bootstrap-deadline").and_then(|(_, v)| v.parse::<u32>().ok()) {
            crate::kern::ktest::BOOTSTRAP_DEADLINE.store(secs, core::sync::atomic::Ordering::Relaxed);
        }
        let ok = crate::kern::ktest::run(boot.args.tests.as_slice());
        qemu::exit(if ok { qemu::SUCCESS } else { qemu::FAILURE });
        cpu::halt_forever();
    }
    let started = crate::kern::bootstrap::run();
    crate::kprintln!("mach: {} boot task(s) started", started.len());
    // Start-up is over: this thread ends, so that only the idle thread ever
    // halts the CPU, and only when nothing else can run.
    crate::kern::sched_prim::thread_exit_current()
}
