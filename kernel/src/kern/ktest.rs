//! In-kernel tests, selected by name with `test=NAME[,NAME..]` on the command
//! line and run in QEMU by `cargo xtask test`. Each prints `ktest: NAME ok` or
//! `ktest: NAME FAILED: why`; the run ends with the `isa-debug-exit` verdict.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::arch::asm;

use crate::i386::{clock, cpu, pic, trap};
use crate::kern::sched_prim::{self as sched, Policy, WaitResult};
use crate::platform::{acpi, pci};
use crate::vm::{kalloc, pmap, vm_page};

type TestFn = fn() -> Result<(), String>;

const TESTS: &[(&str, TestFn)] = &[
    ("boot", test_boot),
    ("timer", test_timer),
    ("pagefault", test_pagefault),
    ("divide", test_divide),
    ("fatal-pagefault", test_fatal_pagefault),
    ("heap", test_heap),
    ("pages", test_pages),
    ("panic", test_panic),
    ("glue", test_glue),
    ("pci", test_pci),
    ("poweroff", test_poweroff),
    ("threads", test_threads),
    ("sleep", test_sleep),
    ("preempt", test_preempt),
    ("usermode", test_usermode),
    ("vga", test_vga),
    ("linux-glue", crate::glue::selftest),
    ("bootstrap", test_bootstrap),
    ("block-ops", crate::device::block::selftest),
    // These two end badly on purpose: they prove the harness sees a triple
    // fault and a hang as failures.
    ("triple-fault", test_triple_fault),
    ("hang", test_hang),
];

/// Tests that run before the devices start ([`run_before_devices`]), while
/// no driver holds anything: the Linux glue's self-test drives the NE2000's
/// interrupt line itself, and a Linux 2.0 driver may hold its card's line
/// from its probe on (Linux 2.0's `ne.c` calls `request_irq` in
/// `ne_probe1`, not in `ne_open`).
const BEFORE_DEVICES: &[&str] = &["linux-glue"];

/// False once a test run by [`run_before_devices`] failed.
static BEFORE_DEVICES_OK: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(true);

/// Runs those of the named tests that must precede device start-up
/// ([`BEFORE_DEVICES`]), in order; [`run`] counts their verdicts.
pub fn run_before_devices(names: &[&str]) {
    for name in names.iter().filter(|n| BEFORE_DEVICES.contains(n)) {
        if !run_one(name) {
            BEFORE_DEVICES_OK.store(false, core::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Runs the named tests in order (those of [`BEFORE_DEVICES`] ran already);
/// true when all passed, the earlier ones included.
pub fn run(names: &[&str]) -> bool {
    let mut ok = BEFORE_DEVICES_OK.load(core::sync::atomic::Ordering::Relaxed);
    for name in names.iter().filter(|n| !BEFORE_DEVICES.contains(n)) {
        ok &= run_one(name);
    }
    crate::kprintln!("ktest: {}", if ok { "all passed" } else { "some FAILED" });
    ok
}

/// Runs one test by name and prints its verdict; true when it passed.
fn run_one(name: &str) -> bool {
    let Some((_, f)) = TESTS.iter().find(|(n, _)| *n == name) else {
        crate::kprintln!("ktest: {} FAILED: no such test", name);
        return false;
    };
    crate::kprintln!("ktest: {} ...", name);
    match f() {
        Ok(()) => {
            crate::kprintln!("ktest: {} ok", name);
            true
        }
        Err(why) => {
            crate::kprintln!("ktest: {} FAILED: {}", name, why);
            false
        }
    }
}

fn check(cond: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(why()) }
}

/// Start-up itself is the test; the harness reads the memory line.
fn test_boot() -> Result<(), String> {
    let (_, free) = vm_page::free_counts();
    check(free > 0, || "no free pages after start-up".into())
}

fn test_timer() -> Result<(), String> {
    check(cpu::interrupts_enabled(), || "interrupts are off".into())?;
    let (t0, irq0, tsc0) = (clock::ticks(), pic::count(0), cpu::rdtsc());
    let deadline = clock::tsc_deadline(5000);
    while clock::ticks() < t0 + 10 {
        if cpu::rdtsc() > deadline {
            return Err(format!("ticks stuck at {} after 5 s", clock::ticks()));
        }
        cpu::enable_and_halt();
    }
    let ms = clock::cycles_to_ms(cpu::rdtsc() - tsc0);
    crate::kprintln!("timer: ticks {} -> {}, irq0 {} -> {}, 10 ticks in {} ms", t0, clock::ticks(), irq0, pic::count(0), ms);
    check(pic::count(0) >= irq0 + 10, || "IRQ 0 count did not advance with the ticks".into())?;
    // 10 ticks at 100 Hz are 100 ms; emulation is allowed a wide margin.
    check((20..=2000).contains(&ms), || format!("10 ticks took {} ms", ms))
}

/// Reads `addr` with a fix-up: returns the value, or `None` if it faulted.
fn probe_read(addr: usize) -> Option<u32> {
    let mut v: u32 = 0;
    let mut faulted: u32 = 1;
    // SAFETY: a single read whose fault (if any) resumes at label 3 through
    // the exception table; no memory is written.
    unsafe {
        asm!(
            "2: mov {v}, dword ptr [{a}]",
            "xor {f}, {f}",
            "3:",
            ".pushsection .ex_table, \"a\"",
            ".long 2b, 3b",
            ".popsection",
            a = in(reg) addr,
            v = inout(reg) v,
            f = inout(reg) faulted,
            options(nostack),
        );
    }
    (faulted == 0).then_some(v)
}

fn test_pagefault() -> Result<(), String> {
    let _ = trap::take_recovered_fault();
    // User space has nothing mapped yet, and the boot identity map is gone.
    let r = probe_read(0x1000);
    check(r.is_none(), || format!("read of 0x1000 gave {:?}", r))?;
    let f = trap::take_recovered_fault().ok_or("page fault handler did not record the fault")?;
    crate::kprintln!("pagefault: handler saw vector {} at eip {:#x}, cr2 {:#x}", f.vector, f.eip, f.cr2);
    check(f.vector == trap::VEC_PAGE_FAULT && f.cr2 == 0x1000, || format!("unexpected fault {:?}", f))?;
    // And a mapped address reads fine through the same path.
    let ok = probe_read(pmap::phys_to_virt(0x1000));
    check(ok.is_some() && trap::take_recovered_fault().is_none(), || "mapped read faulted".into())
}

fn test_divide() -> Result<(), String> {
    let _ = trap::take_recovered_fault();
    let divisor = core::hint::black_box(0u32);
    let mut done: u32 = 0;
    // SAFETY: `div` by zero raises #DE, which resumes at label 3 through the
    // exception table; only registers are touched.
    unsafe {
        asm!(
            "2: div {d}",
            "mov {done}, 1",
            "3:",
            ".pushsection .ex_table, \"a\"",
            ".long 2b, 3b",
            ".popsection",
            d = in(reg) divisor,
            done = inout(reg) done,
            inout("eax") 1u32 => _,
            inout("edx") 0u32 => _,
            options(nostack),
        );
    }
    check(done == 0, || "division by zero completed".into())?;
    let f = trap::take_recovered_fault().ok_or("divide error handler did not record the fault")?;
    crate::kprintln!("divide: handler saw vector {} at eip {:#x}", f.vector, f.eip);
    check(f.vector == trap::VEC_DIVIDE, || format!("unexpected fault {:?}", f))
}

/// A kernel page fault with no fix-up: register dump, then panic. The
/// address is in the top 4 MiB, which the kernel never maps (the device
/// window below it holds whatever drivers map, e.g. the e1000 of QEMU's
/// default NIC).
fn test_fatal_pagefault() -> Result<(), String> {
    let p = core::hint::black_box(0xFFF0_0000usize as *const u32);
    // SAFETY: not sound on purpose: this read faults, and the fault is fatal.
    let v = unsafe { p.read_volatile() };
    Err(format!("read of {:p} returned {:#x}", p, v))
}

fn test_heap() -> Result<(), String> {
    // Let the kernel's service threads reach their waits first: the figures
    // below count every allocation in the kernel.
    sched::sleep_ticks(2);
    let (base_bytes, _) = kalloc::stats();
    let (_, free0) = vm_page::free_counts();
    let mut live: Vec<(Box<[u8]>, u8)> = Vec::with_capacity(600);
    let mut seed = 0x2545_F491u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut allocated = 0u64;
    for round in 0..20_000u32 {
        let r = next();
        if live.len() < 512 && (r % 3 != 0 || live.is_empty()) {
            let size = match r % 16 {
                0 => 4096 + (r >> 8) as usize % 60_000, // page runs
                1..=3 => 2049 + (r >> 8) as usize % 2048,
                _ => 1 + (r >> 8) as usize % 2048,
            };
            let tag = (round % 251) as u8;
            live.push((alloc::vec![tag; size].into_boxed_slice(), tag));
            allocated += size as u64;
        } else {
            let (b, tag) = live.swap_remove((r >> 4) as usize % live.len());
            if let Some(bad) = b.iter().position(|&x| x != tag) {
                return Err(format!("block of {} bytes corrupted at {}", b.len(), bad));
            }
        }
    }
    for (b, tag) in &live {
        check(b.iter().all(|x| x == tag), || "live block corrupted".into())?;
    }
    drop(live);
    let (end_bytes, carved) = kalloc::stats();
    crate::kprintln!("heap: {} MiB allocated in 20000 steps; in use {} -> {} bytes; {} class pages", allocated >> 20, base_bytes, end_bytes, carved);
    check(end_bytes == base_bytes, || format!("heap leaked: {} -> {} bytes", base_bytes, end_bytes))?;
    vm_page::check().map_err(String::from)?;
    let (_, free1) = vm_page::free_counts();
    // Large blocks went back to the page allocator; only class pages stay carved.
    check(free0 - free1 <= carved, || format!("pages lost: {} -> {} free", free0, free1))
}

fn test_pages() -> Result<(), String> {
    sched::sleep_ticks(2);
    let (dma0, all0) = vm_page::free_counts();
    let p = vm_page::alloc_page(vm_page::Zone::Dma).ok_or("no DMA page")?;
    check(p < vm_page::DMA_LIMIT, || format!("DMA page at {:#x}", p))?;
    let runs = [
        (37, vm_page::Zone::Any),
        (16, vm_page::Zone::Dma), // 64 KiB: an ISA DMA buffer
        (300, vm_page::Zone::Any),
    ];
    let mut got = Vec::new();
    for (n, zone) in runs {
        let pa = vm_page::alloc_contig(n, zone).ok_or_else(|| format!("no run of {} pages", n))?;
        if zone == vm_page::Zone::Dma {
            check(pa + n as u32 * 4096 <= vm_page::DMA_LIMIT, || format!("DMA run at {:#x}", pa))?;
            check(pa / 0x10000 == (pa + n as u32 * 4096 - 1) / 0x10000, || "DMA run crosses 64 KiB".into())?;
        }
        // Write every page through the linear map, then read it back.
        let bytes = n * 4096;
        // SAFETY: the run was just allocated to this test and lies in the linear map.
        let s = unsafe { core::slice::from_raw_parts_mut(pmap::phys_to_virt(pa) as *mut u32, bytes / 4) };
        for (i, w) in s.iter_mut().enumerate() {
            *w = pa + i as u32 * 4;
        }
        check(s.iter().enumerate().all(|(i, &w)| w == pa + i as u32 * 4), || "run contents lost".into())?;
        got.push((pa, n));
    }
    for (pa, n) in got {
        vm_page::free_contig(pa, n).map_err(|e| format!("free_contig: {:?}", e))?;
    }
    vm_page::free_pages(p, 0).map_err(|e| format!("free_pages: {:?}", e))?;
    check(vm_page::free_pages(p, 0).is_err(), || "double free accepted".into())?;
    vm_page::check().map_err(String::from)?;
    let (dma1, all1) = vm_page::free_counts();
    crate::kprintln!("pages: DMA page {:#x}; free {} / {} before and after", p, all0, all1);
    check((dma0, all0) == (dma1, all1), || format!("free counts {:?} -> {:?}", (dma0, all0), (dma1, all1)))
}

fn test_panic() -> Result<(), String> {
    panic!("deliberate panic requested by test=panic");
}

fn test_glue() -> Result<(), String> {
    let v = crate::glue::linux_version_code();
    check(v == 0x02_00_24, || format!("glue emulates version {:#x}", v))?;
    let r = crate::glue::seam_selftest(3, 4);
    crate::kprintln!("glue: C returned {} (Rust half gave 3004)", r);
    check(r == 3004 * 2 + 1, || format!("seam self-test returned {}", r))
}

fn test_pci() -> Result<(), String> {
    let devs = pci::devices();
    check(devs.iter().any(|d| d.class == 0x06 && d.subclass == 0x00), || "no host bridge found".into())?;
    crate::kprintln!("pci: {} functions", devs.len());
    Ok(())
}

fn test_poweroff() -> Result<(), String> {
    acpi::poweroff();
    Err("still running after the ACPI power-off".into())
}

fn test_triple_fault() -> Result<(), String> {
    cpu::disable_interrupts();
    let empty: [u16; 3] = [0; 3];
    // SAFETY: not sound on purpose: with an empty IDT the breakpoint cannot be
    // delivered, the double fault neither, and the CPU resets.
    unsafe { asm!("lidt [{}]", "int3", in(reg) &empty, options(nostack)) };
    Err("survived a breakpoint with an empty IDT".into())
}

fn test_hang() -> Result<(), String> {
    loop {
        cpu::enable_and_halt();
    }
}

/// Ping-pong between two kernel threads through events: each round one
/// thread waits for the other's wake-up, so the counters must interleave.
static PING: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
static PONG: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
const ROUNDS: u32 = 1000;

fn ev(x: &'static core::sync::atomic::AtomicU32) -> usize {
    x as *const _ as usize
}

extern "C" fn pinger(_: usize) {
    use core::sync::atomic::Ordering::SeqCst;
    for i in 0..ROUNDS {
        // Wait until pong caught up with us, then advance.
        cpu::without_interrupts(|| {
            while PONG.load(SeqCst) != i {
                sched::assert_wait(ev(&PONG), None);
                cpu::enable_interrupts();
                sched::thread_block();
                cpu::disable_interrupts();
            }
        });
        PING.store(i + 1, SeqCst);
        sched::thread_wakeup(ev(&PING));
    }
}

extern "C" fn ponger(_: usize) {
    use core::sync::atomic::Ordering::SeqCst;
    for i in 0..ROUNDS {
        cpu::without_interrupts(|| {
            while PING.load(SeqCst) != i + 1 {
                sched::assert_wait(ev(&PING), None);
                cpu::enable_interrupts();
                sched::thread_block();
                cpu::disable_interrupts();
            }
        });
        PONG.store(i + 1, SeqCst);
        sched::thread_wakeup(ev(&PONG));
    }
}

fn test_threads() -> Result<(), String> {
    use core::sync::atomic::Ordering::SeqCst;
    let (before, _, _) = sched::stats();
    let a = sched::spawn("pinger", pinger, 0, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    let b = sched::spawn("ponger", ponger, 0, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    let deadline = clock::ticks() + 1000;
    while PONG.load(SeqCst) < ROUNDS && clock::ticks() < deadline {
        sched::sleep_ticks(1);
    }
    crate::kprintln!("threads: {} and {} ran {} rounds", a, b, PONG.load(SeqCst));
    check(PING.load(SeqCst) == ROUNDS && PONG.load(SeqCst) == ROUNDS, || format!("ping {} pong {}", PING.load(SeqCst), PONG.load(SeqCst)))?;
    // Both bodies returned: their records and stacks are reclaimed once we run.
    sched::sleep_ticks(2);
    let (after, _, _) = sched::stats();
    check(after == before, || format!("{} threads before, {} after", before, after))
}

fn test_sleep() -> Result<(), String> {
    let t0 = clock::ticks();
    sched::assert_wait(0x5EE9, Some(5));
    let r = sched::thread_block();
    let dt = clock::ticks() - t0;
    check(r == WaitResult::TimedOut && dt >= 5, || format!("timed wait gave {:?} after {} ticks", r, dt))?;
    // A wake-up before the timeout: another thread wakes us.
    extern "C" fn waker(_: usize) {
        sched::sleep_ticks(2);
        sched::thread_wakeup(0x5EEA);
    }
    sched::spawn("waker", waker, 0, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    let t1 = clock::ticks();
    sched::assert_wait(0x5EEA, Some(200));
    let r = sched::thread_block();
    let dt = clock::ticks() - t1;
    crate::kprintln!("sleep: timed out after {} ticks; woken after {} ticks", clock::ticks() - t0 - dt, dt);
    check(r == WaitResult::Awakened && dt < 200, || format!("wake-up gave {:?} after {} ticks", r, dt))?;
    // A wake-up between assert_wait and thread_block: no block at all.
    sched::assert_wait(0x5EEB, None);
    sched::thread_wakeup(0x5EEB);
    let r = sched::thread_block();
    check(r == WaitResult::Awakened, || format!("early wake-up gave {:?}", r))
}

static SPIN: [core::sync::atomic::AtomicU32; 2] = [core::sync::atomic::AtomicU32::new(0), core::sync::atomic::AtomicU32::new(0)];
static STOP: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

extern "C" fn spinner(i: usize) {
    use core::sync::atomic::Ordering::Relaxed;
    // Never blocks or yields: only the clock can take the CPU away.
    while !STOP.load(Relaxed) {
        SPIN[i].fetch_add(1, Relaxed);
    }
}

static WAITER_DONE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

extern "C" fn asserted_spinner(_: usize) {
    use core::sync::atomic::Ordering::Relaxed;
    // Asserts a wait nobody will ever wake, then computes for longer than a
    // quantum among the spinners: the clock preempts it, and it must come
    // back to finish (a preempted thread is not blocked until `thread_block`).
    sched::assert_wait(&WAITER_DONE as *const _ as usize, None);
    let start = sched::stats().2;
    while sched::stats().2 < start + 30 {
        core::hint::spin_loop();
    }
    sched::clear_wait(sched::current(), sched::WaitResult::Awakened);
    WAITER_DONE.store(true, Relaxed);
}

fn test_preempt() -> Result<(), String> {
    use core::sync::atomic::Ordering::Relaxed;
    sched::spawn("spin0", spinner, 0, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    sched::spawn("spin1", spinner, 1, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    // The startup thread has higher priority: sleeping lets the spinners run.
    let (before, _, _) = sched::stats();
    sched::sleep_ticks(40);
    let (a, b) = (SPIN[0].load(Relaxed), SPIN[1].load(Relaxed));
    sched::sleep_ticks(40);
    let (a2, b2) = (SPIN[0].load(Relaxed), SPIN[1].load(Relaxed));
    sched::spawn("asserted", asserted_spinner, 0, sched::BASEPRI_USER, Policy::Timeshare).ok_or("spawn")?;
    for _ in 0..40 {
        if WAITER_DONE.load(Relaxed) {
            break;
        }
        sched::sleep_ticks(5);
    }
    STOP.store(true, Relaxed);
    sched::sleep_ticks(10);
    crate::kprintln!("preempt: spinner counts {} / {} then {} / {}", a, b, a2, b2);
    check(a > 0 && b > 0 && a2 > a && b2 > b, || "a spinner never got the CPU back".into())?;
    check(WAITER_DONE.load(Relaxed), || "a thread preempted between assert_wait and thread_block never ran again".into())?;
    let (after, _, _) = sched::stats();
    check(after == before - 2, || format!("spinners not reclaimed: {} threads before, {} after", before, after))
}

// A user-mode program, position independent, copied into a test task: it
// prints through mach_print, yields, checks that a kernel pointer is refused,
// then ends itself with an unknown trap (which terminates the task), or, in
// its second variant, touches kernel memory (a user page fault).
core::arch::global_asm!(
    r#"
    .section .rodata.userblob, "a"
    .global user_blob_start, user_blob_end, user_blob_fault
user_blob_start:
    call .Lblob_base
.Lblob_base:
    pop ebx
    lea eax, [ebx + .Lhello_off]
    push eax
    push 0
    mov eax, -30
    .byte 0x9a
    .long 0
    .short 7
    add esp, 8
    mov eax, -60
    .byte 0x9a
    .long 0
    .short 7
    push 0xC0001000
    push 0
    mov eax, -30
    .byte 0x9a
    .long 0
    .short 7
    add esp, 8
    cmp eax, 1
    jne 3f
    lea eax, [ebx + .Lrefused_off]
    push eax
    push 0
    mov eax, -30
    .byte 0x9a
    .long 0
    .short 7
    add esp, 8
3:  mov eax, -130
    .byte 0x9a
    .long 0
    .short 7
    ud2
user_blob_fault:
    mov eax, [0xC0100000]
    ud2
.Lhello:
    .asciz "hello from user mode\n"
.Lrefused:
    .asciz "user: kernel pointer refused\n"
user_blob_end:
    .set .Lhello_off, .Lhello - .Lblob_base
    .set .Lrefused_off, .Lrefused - .Lblob_base
"#
);

extern "C" {
    static user_blob_start: u8;
    static user_blob_end: u8;
    static user_blob_fault: u8;
}

/// Runs the user blob in a new task from `entry_offset`; waits for the task to end.
fn run_blob(name: &str, entry_offset: u32) -> Result<(), String> {
    use crate::kern::task;
    let blob = {
        let start = core::ptr::addr_of!(user_blob_start);
        let len = core::ptr::addr_of!(user_blob_end) as usize - start as usize;
        // SAFETY: the two symbols bracket the blob in .rodata.
        unsafe { core::slice::from_raw_parts(start, len) }
    };
    let t = task::create(name).map_err(|e| format!("task_create: {}", e))?;
    const TEXT: u32 = 0x0804_8000;
    const STACK_TOP: u32 = 0xBFFF_0000;
    task::with_task(t, |tk| -> Result<(), String> {
        tk.map.allocate(TEXT, 4096, false).map_err(|e| format!("vm_allocate text: {}", e))?;
        tk.map.write_kernel(TEXT, blob).map_err(|e| format!("loading: {}", e))?;
        tk.map.protect(TEXT, 4096, false, kerncore::vm_entries::VM_PROT_READ | kerncore::vm_entries::VM_PROT_EXECUTE).map_err(|e| format!("vm_protect: {}", e))?;
        tk.map.allocate(STACK_TOP - 0x4000, 0x4000, false).map_err(|e| format!("vm_allocate stack: {}", e))?;
        Ok(())
    })
    .ok_or("task vanished")??;
    task::create_user_thread(t, TEXT + entry_offset, STACK_TOP - 16, true).map_err(|e| format!("thread: {}", e))?;
    let deadline = clock::ticks() + 500;
    while task::with_task(t, |_| ()).is_some() {
        if clock::ticks() > deadline {
            return Err("user task still alive after 5 s".into());
        }
        sched::sleep_ticks(1);
    }
    Ok(())
}

fn test_usermode() -> Result<(), String> {
    let (threads0, _, _) = sched::stats();
    sched::sleep_ticks(1);
    let (_, free0) = vm_page::free_counts();
    run_blob("blob", 0)?;
    let fault = (core::ptr::addr_of!(user_blob_fault) as usize - core::ptr::addr_of!(user_blob_start) as usize) as u32;
    run_blob("faulter", fault)?;
    sched::sleep_ticks(2);
    let (threads1, _, _) = sched::stats();
    let (_, free1) = vm_page::free_counts();
    crate::kprintln!("usermode: threads {} -> {}, free pages {} -> {}", threads0, threads1, free0, free1);
    check(threads1 == threads0, || "user threads not reclaimed".into())?;
    // Pages of the two tasks (text, stack, page tables, directories, kernel
    // stacks) all came back; the heap may keep a few class pages.
    check(free0.abs_diff(free1) <= 4, || format!("pages lost: {} -> {}", free0, free1))
}

/// The VGA console holds what the log printed (read back from text memory).
fn test_vga() -> Result<(), String> {
    let line = format!("vga check {:#x}", clock::ticks() * 7919 + 13);
    crate::kprintln!("{}", line);
    check(crate::kern::log::vga_shows(&line), || "line not on the VGA screen (console=vga?)".into())?;
    check(!crate::kern::log::vga_shows("vga check never printed"), || "VGA read-back matches anything".into())
}

/// Seconds `test=bootstrap` waits for the boot tasks.
pub static BOOTSTRAP_DEADLINE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(50);

/// Runs the boot script over the modules and waits for every boot task to end.
fn test_bootstrap() -> Result<(), String> {
    let (ports0, spaces0) = crate::ipc::check()?;
    let started = crate::kern::bootstrap::run();
    check(!started.is_empty(), || "no boot task started".into())?;
    // Long enough for a disk driver's timeouts (irq_test waits out 4 x 5 s);
    // `bootstrap-deadline=SECONDS` on the command line for longer runs.
    let secs = BOOTSTRAP_DEADLINE.load(core::sync::atomic::Ordering::Relaxed);
    let deadline = clock::ticks() + u64::from(secs) * u64::from(clock::HZ);
    while started.iter().any(|&t| crate::kern::task::with_task(t, |_| ()).is_some()) {
        if clock::ticks() > deadline {
            return Err(format!("boot tasks still running after {} s", secs));
        }
        sched::sleep_ticks(2);
    }
    crate::kprintln!("bootstrap: {} boot task(s) ran and ended", started.len());
    // Every page of the dead tasks went back (shared ones included), and
    // memory objects whose mappings are gone were terminated. A task leaves
    // the task table before its last thread has freed its memory, and the
    // page-out thread may still hold a batch of an object's pages on their
    // way to a pager that died: give those threads a moment.
    let until = clock::ticks() + 2 * u64::from(clock::HZ);
    let settled = || (crate::vm::vm_map::page_counts(), crate::vm::vm_object::counts());
    let ((mut held, mut shared), (mut objects, mut pages)) = settled();
    while (held, shared, objects, pages) != (0, 0, 0, 0) && clock::ticks() < until {
        sched::sleep_ticks(1);
        ((held, shared), (objects, pages)) = settled();
    }
    check(held == 0 && shared == 0, || format!("task pages left: {} held, {} shared", held, shared))?;
    let parked = crate::kern::gsync::parked();
    check(parked == 0, || format!("gsync waits left parked: {}", parked))?;
    check(objects == 0 && pages == 0, || format!("memory objects left: {} objects, {} pages", objects, pages))?;
    // Every right of the dead tasks is gone: only the kernel's own ports remain.
    let (ports1, spaces1) = crate::ipc::check()?;
    crate::kprintln!("bootstrap: ipc consistent; ports {} -> {}, spaces {} -> {}", ports0, ports1, spaces0, spaces1);
    if ports1 != ports0 || spaces1 != spaces0 {
        crate::ipc::report_ports();
        return Err("ports or spaces leaked".into());
    }
    Ok(())
}
