//! Integration tests: each boots the kernel (or the GRUB ISO) in QEMU and
//! checks what it printed and how it ended. Run by `cargo xtask test`, which
//! builds the images and sets `MACH_KERNEL` and `MACH_TEST_ISO`.

use std::path::PathBuf;
use std::time::Duration;

use mach_tests::{run, Boot, Verdict};

fn kernel() -> PathBuf {
    PathBuf::from(std::env::var("MACH_KERNEL").expect("MACH_KERNEL unset: run the QEMU tests with `cargo xtask test`"))
}

fn boot(name: &str, cmdline: &str) -> Boot {
    Boot::kernel(name, &kernel()).append(cmdline)
}

/// The MiB figure of the kernel's `memory:` line.
fn reported_mib(log: &str) -> u64 {
    let line = log.lines().find(|l| l.starts_with("memory: ")).expect("no memory line");
    let open = line.find('(').unwrap();
    line[open + 1..].split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn reports_memory_size_64m() {
    let o = run(&boot("memory-64m", "test=boot").memory(64));
    o.expect(Verdict::Pass);
    assert_eq!(reported_mib(&o.log), 64, "{}", o.failure("memory size"));
}

#[test]
fn reports_memory_size_384m() {
    let o = run(&boot("memory-384m", "test=boot").memory(384));
    o.expect(Verdict::Pass);
    assert_eq!(reported_mib(&o.log), 384, "{}", o.failure("memory size"));
}

#[test]
fn timer_interrupts_advance_ticks() {
    run(&boot("timer", "test=timer")).expect(Verdict::Pass).expect_log("ktest: timer ok");
}

#[test]
fn page_fault_and_divide_error_reach_their_handlers() {
    run(&boot("kernel-exceptions", "test=pagefault,divide"))
        .expect(Verdict::Pass)
        .expect_log("pagefault: handler saw vector 14")
        .expect_log("cr2 0x1000")
        .expect_log("divide: handler saw vector 0");
}

#[test]
fn fatal_kernel_page_fault_dumps_registers_and_fails() {
    run(&boot("fatal-pagefault", "test=fatal-pagefault"))
        .expect(Verdict::Fail)
        .expect_log("trap 14 (page fault) err=0x0 cr2=0xfff00000 (read, not present, kernel)")
        .expect_log("eax=0x")
        .expect_log("panic: unhandled page fault in kernel mode")
        .expect_log("backtrace:\n  0xc0");
}

#[test]
fn heap_and_page_allocator_survive_churn() {
    run(&boot("heap", "test=heap,pages"))
        .expect(Verdict::Pass)
        .expect_log("ktest: heap ok")
        .expect_log("ktest: pages ok");
}

#[test]
fn panic_fails_the_run_with_message_location_and_backtrace() {
    run(&boot("panic", "test=panic"))
        .expect(Verdict::Fail)
        .expect_log("panic: deliberate panic requested by test=panic at kernel/src/kern/ktest.rs:")
        .expect_log("backtrace:\n  0xc0")
        .expect_no_log("ktest: all passed");
}

#[test]
fn c_glue_and_rust_call_each_other() {
    run(&boot("glue", "test=glue"))
        .expect(Verdict::Pass)
        .expect_log("linux-glue: seam self-test called from Rust")
        .expect_log("glue: C returned 6009");
}

#[test]
fn pci_scan_lists_an_added_nic() {
    run(&boot("pci", "test=pci").qemu(&["-device", "ne2k_pci"]))
        .expect(Verdict::Pass)
        // The NE2000 PCI clone: Realtek 10ec:8029, class network/ethernet, an I/O BAR.
        .expect_log("10ec:8029 class 02.00.00")
        .expect_log("bar0=io:0x");
}

#[test]
fn acpi_power_off_ends_qemu() {
    run(&boot("poweroff", "test=poweroff")).expect(Verdict::PoweredOff).expect_no_log("FAILED");
}

#[test]
fn modules_and_command_line_words_are_kept_or_reported() {
    let dir = mach_tests::log_dir();
    let (m1, m2) = (dir.join("module-one.bin"), dir.join("module-two.bin"));
    std::fs::write(&m1, vec![0xA5u8; 5000]).unwrap();
    std::fs::write(&m2, b"second").unwrap();
    let o = run(&boot("modules", "frobnicate console=lpt9 root=device:hd0s1 test=boot")
        .module(&format!("{} --host-port=${{host-port}} x", m1.display()))
        .module(&m2.display().to_string()));
    o.expect(Verdict::Pass)
        .expect_log(&format!("'{} --host-port=${{host-port}} x'", m1.display()))
        .expect_log(&format!("'{}'", m2.display()))
        .expect_log("unknown word 'frobnicate' ignored")
        .expect_log("bad value in 'console=lpt9' ignored");
    // Module 0 spans its 5000 bytes.
    let line = o.log.lines().find(|l| l.starts_with("module 0: ")).unwrap();
    let range = line.split_whitespace().nth(2).unwrap();
    let (a, b) = range.split_once("..").unwrap();
    let (a, b) = (u32::from_str_radix(&a[2..], 16).unwrap(), u32::from_str_radix(&b[2..], 16).unwrap());
    assert_eq!(b - a, 5000, "{}", o.failure("module size"));
}

#[test]
fn unknown_test_name_fails() {
    run(&boot("unknown-test", "test=no-such-test")).expect(Verdict::Fail).expect_log("no-such-test FAILED");
}

#[test]
fn triple_fault_is_a_failure() {
    run(&boot("triple-fault", "test=triple-fault")).expect(Verdict::ResetOrTripleFault);
}

#[test]
fn hang_is_a_timeout() {
    run(&boot("hang", "test=hang").timeout(Duration::from_secs(4))).expect(Verdict::Timeout).expect_log("ktest: hang ...");
}

#[test]
fn grub_iso_boots_the_kernel() {
    let iso = PathBuf::from(std::env::var("MACH_TEST_ISO").expect("MACH_TEST_ISO unset: run with `cargo xtask test`"));
    run(&Boot::cdrom("grub-iso", &iso).timeout(Duration::from_secs(120)))
        .expect(Verdict::Pass)
        // GRUB passes the words after the image name (QEMU passes the name too).
        .expect_log("command line: console=com0 test=boot")
        .expect_log("ktest: boot ok");
}

#[test]
fn threads_block_wake_time_out_and_are_preempted() {
    run(&boot("threads", "test=threads,sleep,preempt"))
        .expect(Verdict::Pass)
        .expect_log(" ran 1000 rounds")
        .expect_log("ktest: sleep ok")
        .expect_log("ktest: preempt ok");
}

#[test]
fn user_mode_traps_and_faults_end_only_the_task() {
    run(&boot("usermode", "test=usermode"))
        .expect(Verdict::Pass)
        .expect_log("hello from user mode")
        .expect_log("user: kernel pointer refused")
        .expect_log("unknown Mach trap -130 (invalid opcode)")
        .expect_log("trap 14 (page fault) err=0x5 cr2=0xc0100000 (read, protection, user)")
        .expect_log("task 2 (faulter) terminated")
        .expect_log("ktest: usermode ok");
}

#[test]
fn vga_text_console_shows_the_log() {
    // No console= word: the console is the VGA text screen.
    run(&boot("vga", "test=vga")).expect(Verdict::Pass).expect_log("ktest: vga ok");
}

#[test]
fn rtc_gives_wall_clock_time() {
    // 2001-02-03T04:05:06Z is 981173106 s after the epoch. QEMU's clock
    // runs from its start, so a slow (loaded) start-up reads a second or
    // two later.
    let o = run(&boot("rtc", "test=boot").qemu(&["-rtc", "base=2001-02-03T04:05:06"]));
    o.expect(Verdict::Pass);
    let read = o.log.lines().find_map(|l| l.split("RTC ").nth(1)?.split_whitespace().next()?.parse::<u64>().ok());
    assert!(read.is_some_and(|s| (981_173_106..=981_173_109).contains(&s)), "{}", o.failure("RTC time"));
}

#[test]
fn linux_glue_services_work() {
    run(&boot("linux-glue", "test=linux-glue").qemu(&["-device", "ne2k_pci"]))
        .expect(Verdict::Pass)
        .expect_log("ktest: linux-glue ok");
}

/// A user program built by `cargo xtask test` (`user/src/bin/NAME.rs`).
fn user_program(name: &str) -> PathBuf {
    let dir = std::env::var("MACH_USER_DIR").expect("MACH_USER_DIR unset: run with `cargo xtask test`");
    PathBuf::from(dir).join(name)
}

#[test]
fn boot_script_loads_and_starts_an_elf_module() {
    let hello = user_program("hello");
    let o = run(&boot("bootstrap-hello", "test=bootstrap")
        .module(&format!("{} one two $(task-create) $(task-resume)", hello.display())));
    o.expect(Verdict::Pass)
        .expect_log(&format!("task loaded: {} one two", hello.display()))
        .expect_log(&format!("start {}:", hello.display()))
        .expect_log("hello from user space")
        .expect_log("hello: argc = 3")
        .expect_log("hello: argv[2] = \"two\"")
        .expect_log("bootstrap: 1 boot task(s) ran and ended");
}

#[test]
fn boot_tasks_get_rights_at_gnu_mach_names_and_exchange_messages() {
    let (hello, rt) = (user_program("hello"), user_program("ipc_roundtrip"));
    let o = run(&boot("bootstrap-ipc", "test=bootstrap")
        .module(&format!("{} ${{host-port}} ${{device-port}} $(task-create) $(task-resume)", hello.display()))
        .module(&format!("{} $(task-create) $(task-resume)", rt.display())));
    o.expect(Verdict::Pass)
        // Rights inserted at the lowest free names, as GNU Mach does.
        .expect_log(&format!("task loaded: {} 1 2", hello.display()))
        .expect_log("hello: mach_task_self() = 3 (again 3), mach_reply_port() = 4")
        .expect_log("user-test: hello ok")
        .expect_log("user-test: ipc_roundtrip ok")
        .expect_log("bootstrap: 2 boot task(s) ran and ended")
        .expect_no_log("FAILED");
}

#[test]
fn boot_script_errors_are_reported_not_fatal() {
    let hello = user_program("hello");
    run(&boot("bootstrap-bad", "test=boot")
        .module(&format!("{} ${{no-such-variable}} $(task-create)", hello.display())))
        .expect(Verdict::Pass);
    // The script itself is checked when the bootstrap runs:
    run(&boot("bootstrap-bad-run", "test=bootstrap")
        .module(&format!("{} ${{no-such-variable}} $(task-create)", hello.display())))
        .expect(Verdict::Fail)
        .expect_log("boot script: module 0: undefined variable no-such-variable")
        .expect_log("no boot task started");
}

#[test]
fn kernel_rpcs_from_gnu_mach_defs_work_and_leak_nothing() {
    let rpc = user_program("rpc");
    run(&boot("rpc", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", rpc.display())))
        .expect(Verdict::Pass)
        .expect_log("rpc: host_info basic: cpus 1")
        .expect_log("rpc: user reference limits as GNU Mach")
        .expect_log("rpc: 64 MiB allocated, 16 touched")
        .expect_log("rpc: user heap ok")
        .expect_log("rpc: task_threads: 2 threads")
        .expect_log("rpc: message from the child thread received")
        .expect_log("user-test: rpc ok")
        .expect_log("bootstrap: ipc consistent")
        .expect_no_log("FAILED");
}

#[test]
fn ipc_semantics_sets_limits_blocking_ool_moves_every_notification() {
    let prog = user_program("ipc_tests");
    run(&boot("ipc-tests", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("ipc_tests: port set ok")
        .expect_log("ipc_tests: qlimit ok")
        .expect_log("ipc_tests: too large ok")
        .expect_log("ipc_tests: protected payload ok")
        .expect_log("ipc_tests: out-of-line ok")
        .expect_log("ipc_tests: out-of-line copy-on-write ok")
        .expect_log("ipc_tests: receive right moved ok")
        .expect_log("ipc_tests: no-senders: code 0x0 id 70 mscount 1")
        .expect_log("ipc_tests: notifications ok")
        .expect_log("ipc_tests: blocked sender ok")
        .expect_log("ipc_tests: aborted receive returned 0x10004005")
        .expect_log("ipc_tests: hand-off ok")
        .expect_log("ipc_tests: landed through thread_set_self_state")
        .expect_log("user-test: ipc_tests ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

#[test]
fn hostile_task_is_refused_and_others_lose_nothing() {
    let (hostile, rt) = (user_program("hostile"), user_program("ipc_roundtrip"));
    run(&boot("hostile", "test=bootstrap")
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", hostile.display()))
        .module(&format!("{} $(task-create) $(task-resume)", rt.display())))
        .expect(Verdict::Pass)
        .expect_log("hostile: dies holding the time device")
        .expect_log("hostile: the kernel refused everything")
        .expect_log("user-test: hostile ok")
        .expect_log("page fault (cr2 0xc0100000)")
        // The task died with the device open: no-senders closed it.
        .expect_log("device time: closed (its last send right went)")
        .expect_log("user-test: ipc_roundtrip ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
        .expect_no_log("FAILED");
}

/// The inputs that once panicked or hung the kernel (issue 16), each kept
/// by `crashers`, with the leak check after them. The disk holds 24 MiB
/// whose records start with their numbers, for a 20 MiB `device_read`.
#[test]
fn crashers_of_issue_16_are_refused_and_nothing_leaks() {
    let img = mach_tests::log_dir().join("crashers-disk.img");
    let mut data = vec![0u8; 24 << 20];
    for (i, rec) in data.chunks_exact_mut(512).enumerate() {
        rec[..4].copy_from_slice(&(i as u32).to_le_bytes());
    }
    std::fs::write(&img, &data).unwrap();
    let crashers = user_program("crashers");
    // About 10 s on an idle machine; a 20 MiB read, a 64 MiB vm_read and
    // 40 tasks of random states take much longer on a loaded one (a CI run
    // beside other builds once stopped at 50 s).
    run(&boot("crashers", "test=bootstrap bootstrap-deadline=200")
        .module(&format!("{} ${{device-port}} ${{host-port}} $(task-create) $(task-resume)", crashers.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())])
        .timeout(Duration::from_secs(260)))
    .expect(Verdict::Pass)
    .expect_log("crashers: huge out-of-line port arrays refused")
    .expect_log("crashers: device_read of 20 MiB returned the data")
    .expect_log("crashers: device_read of 2 MiB returned the data")
    .expect_log("crashers: vm_read of 1.5 GiB: ")
    .expect_log("crashers: vm_read of 64 MiB returned the data")
    .expect_log("crashers: depressed yields return")
    .expect_log("crashers: depressed yields return behind a fixed-priority thread")
    .expect_log("crashers: trap with TF set: exception 6 code 1")
    .expect_log("crashers: trap 0 returned 0x4")
    .expect_log("crashers: trap -130: exception 2")
    .expect_log("crashers: 40 tasks of random thread states came and went")
    .expect_log("user-test: crashers ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
    .expect_no_log("FAILED");
}

/// A 24 MiB disk image whose records start with their numbers.
fn numbered_disk(name: &str) -> PathBuf {
    let img = mach_tests::log_dir().join(name);
    let mut data = vec![0u8; 24 << 20];
    for (i, rec) in data.chunks_exact_mut(512).enumerate() {
        rec[..4].copy_from_slice(&(i as u32).to_le_bytes());
    }
    std::fs::write(&img, &data).unwrap();
    img
}

/// Faults (issue 16): tasks waiting on a pager that never answers (silent,
/// ready then silent, dead at the first request) and tasks killed in the
/// middle of device requests (sync and asynchronous reads and writes) are
/// terminated; the disk goes on and nothing leaks. The host checks that
/// the disk's first 16 MiB are unchanged.
#[test]
fn tasks_waiting_on_silent_pagers_or_killed_mid_request_end_cleanly() {
    let img = numbered_disk("faults-disk.img");
    let prog = user_program("faults");
    let o = run(&boot("faults", "test=bootstrap")
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]));
    o.expect(Verdict::Pass)
        .expect_log("faults: pager Silent: 0 data requests; task with 3 waiting threads terminated; terminate 1")
        .expect_log("faults: pager ReadyThenSilent: ")
        .expect_log("faults: pager Dies: ")
        .expect_log("faults: device_read: 4 tasks killed")
        .expect_log("faults: device_write_request: 4 tasks killed")
        .expect_log("faults: 16 tasks killed mid-request (")
        .expect_log("user-test: faults ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
        .expect_no_log("FAILED");
    let data = std::fs::read(&img).unwrap();
    let changed = data[..16 << 20].chunks_exact(512).enumerate().filter(|(i, r)| r[..4] != (*i as u32).to_le_bytes() || r[4..].iter().any(|&b| b != 0)).count();
    assert_eq!(changed, 0, "{}", o.failure("records changed outside the written area"));
}

/// Isolation (issue 16): every privileged routine refused with GNU Mach's
/// codes for the wrong ports (and working with the right ones), no kernel
/// address reachable through any VM call, message buffer, out-of-line
/// descriptor or trap argument, and a task without our task port unable to
/// reach our memory, registers or ports.
#[test]
fn privileged_routines_kernel_addresses_and_other_tasks_are_out_of_reach() {
    let prog = user_program("isolation");
    run(&boot("isolation", "test=bootstrap")
        .module(&format!("{} ${{host-port}} ${{device-port}} $(task-create) $(task-resume)", prog.display())))
    .expect(Verdict::Pass)
    .expect_log("privileged calls with wrong ports refused as GNU Mach refuses them")
    .expect_log("isolation: with the right ports the same routines work")
    .expect_log("calls at kernel addresses refused")
    .expect_log("isolation: a task without our task port tried 509 names: 0 calls succeeded, secret seen 0, registers through our thread port 1")
    .expect_log("user-test: isolation ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
    .expect_no_log("FAILED");
}

/// Boots `diskload` on a disk of `mib` MiB (four partitions with gaps,
/// see `mach_tests::load`) to write `total_mib` MiB at random places of
/// random lengths, then replays the writes on the host and checks the
/// image byte by byte. Prints the figures.
fn disk_load(name: &str, mib: u64, total_mib: u64, seed: u32, timeout: u64) {
    let img = mach_tests::log_dir().join(format!("{name}.img"));
    std::fs::write(&img, mach_tests::load::image(mib)).unwrap();
    let prog = user_program("diskload");
    let started = std::time::Instant::now();
    let o = run(&boot(name, &format!("test=bootstrap bootstrap-deadline={timeout}"))
        .timeout(Duration::from_secs(timeout + 60))
        .module(&format!("{} ${{device-port}} {seed} {} 1+2+5+6 $(task-create) $(task-resume)", prog.display(), total_mib << 10))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]));
    o.expect(Verdict::Pass).expect_log("user-test: diskload ok").expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
    let disk = std::fs::read(&img).unwrap();
    let c = mach_tests::load::check(mib, seed, total_mib << 20, &disk);
    println!(
        "{name}: {} random writes, {} bytes across 4 partitions of a {mib} MiB disk in {:.1} s; {} bytes wrong, {} bytes changed outside the written ranges",
        c.writes,
        c.bytes,
        started.elapsed().as_secs_f64(),
        c.wrong_inside,
        c.changed_outside
    );
    assert!(o.log.contains(&format!("diskload: 4 partitions, {} writes, {} bytes", c.writes, c.bytes)), "{}", o.failure("the guest's count"));
    assert_eq!((c.wrong_inside, c.changed_outside), (0, 0), "{}", o.failure("disk contents"));
}

/// Load (issue 16), CI-sized: 4 MiB of random writes of 1 to 256 records
/// across the four partitions of a 16 MiB disk; the host replays them and
/// finds every byte where it belongs. `cargo xtask bench --stress` writes
/// 1 GiB ([`stress_disk_random_writes_1_gib`]).
#[test]
fn random_writes_across_all_partitions_land_exactly() {
    disk_load("diskload", 16, 4, 1605, 60);
}

/// `cargo xtask bench --stress`: 1 GiB of random writes over a 256 MiB disk.
#[test]
#[ignore]
fn stress_disk_random_writes_1_gib() {
    disk_load("stress-diskload", 256, 1024, 2026, 3000);
}

/// Boots `cycles` for `n` task create/terminate cycles on a numbered disk.
fn task_cycles(name: &str, n: u32, timeout: u64) {
    let img = numbered_disk(&format!("{name}.img"));
    let prog = user_program("cycles");
    let started = std::time::Instant::now();
    let o = run(&boot(name, &format!("test=bootstrap bootstrap-deadline={timeout}"))
        .timeout(Duration::from_secs(timeout + 60))
        .module(&format!("{} ${{device-port}} {n} $(task-create) $(task-resume)", prog.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]));
    o.expect(Verdict::Pass)
        .expect_log(&format!("cycles: {n} cycles ("))
        .expect_log("user-test: cycles ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
        .expect_no_log("FAILED");
    let line = o.log.lines().find(|l| l.starts_with(&format!("cycles: {n} cycles ("))).unwrap_or_default();
    println!("{name}: {line} in {:.1} s", started.elapsed().as_secs_f64());
}

/// Load (issue 16), CI-sized: 100 cycles of a task with three threads,
/// nine ports, memory and an open disk, created and terminated; free pages
/// and names back to the baseline, and the leak check after. `cargo xtask
/// bench --stress` runs 1000 ([`stress_task_cycles_1000`]).
#[test]
fn task_create_terminate_cycles_return_to_the_baseline() {
    task_cycles("cycles", 100, 60);
}

/// `cargo xtask bench --stress`: 1000 cycles.
#[test]
#[ignore]
fn stress_task_cycles_1000() {
    task_cycles("stress-cycles", 1000, 1200);
}

/// Boots `mix` (32 tasks in pairs: IPC and disk, each result checked)
/// beside `net_echo` on an e1000 exchanging frames with the host, then
/// checks the disk on the host: records outside the tasks' regions
/// unchanged, records inside either unchanged or tagged by their owner.
fn mix_load(name: &str, tasks: u32, rounds: u32, frames: usize, secs: u64) {
    let img = numbered_disk(&format!("{name}.img"));
    let prog = user_program("mix");
    let started = std::time::Instant::now();
    let o = exchange_frames_beside(name, &["e1000"], &format!("test=bootstrap bootstrap-deadline={secs}"), frames, |b| {
        b.timeout(Duration::from_secs(secs + 60))
            .module(&format!("{} ${{device-port}} {rounds} {tasks} $(task-create) $(task-resume)", prog.display()))
            .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())])
    });
    o.expect_log(&format!("mix: {tasks} tasks, {} rounds checked", tasks * rounds))
        .expect_log("user-test: mix ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
        .expect_no_log("FAILED");
    let disk = std::fs::read(&img).unwrap();
    let (mut outside, mut foreign, mut written) = (0, 0, 0);
    for (rec, r) in disk.chunks_exact(512).enumerate() {
        let w0 = u32::from_le_bytes(r[..4].try_into().unwrap());
        let w1 = u32::from_le_bytes(r[4..8].try_into().unwrap());
        let pristine = w0 == rec as u32 && r[4..].iter().all(|&b| b == 0);
        let region = (rec as u32).checked_sub(256).map(|x| x / 256).filter(|&t| t < tasks);
        match region {
            _ if pristine => {}
            None => outside += 1,
            Some(t) if w0 >> 28 == 0xA && (w0 >> 20) & 0xFF == t && w1 == rec as u32 => written += 1,
            Some(_) => foreign += 1,
        }
    }
    let line = o.log.lines().find(|l| l.starts_with("mix: ")).unwrap_or_default();
    println!("{name}: {line}; beside it {frames} frames each way echoed; {written} records written, {outside} changed outside the regions, {foreign} wrong inside, in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!((outside, foreign), (0, 0), "{}", o.failure("disk records"));
    assert!(written > 0, "{}", o.failure("nothing written"));
}

/// Load (issue 16), CI-sized: 32 tasks doing IPC and disk I/O (16 rounds
/// each) while the network exchange with the host runs. `cargo xtask
/// bench --stress` runs [`stress_mix_32_tasks`] for minutes.
#[test]
fn thirty_two_tasks_do_ipc_disk_and_network_at_once() {
    mix_load("mix", 32, 16, 2910, 120);
}

/// Issue 16 (the stress mix lost data): reads on `hd0` whose every caller
/// let go of them while the driver still had them are kept alive until
/// their completion, land their data (checked against the host's numbered
/// image) and are freed then (`block-ops`, in the kernel).
#[test]
fn block_reads_let_go_of_in_flight_live_until_their_completion() {
    let img = numbered_disk("block-ops.img");
    run(&boot("block-ops", "test=block-ops").qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]))
        .expect(Verdict::Pass)
        .expect_log("ktest: block-ops ok");
}

/// Regression test of the block bridge's reads (issue 16: the stress mix
/// lost data in two of four runs): 64 tasks, more reads waiting at once
/// than `hd0` has request slots and than its device kept reads, beside
/// the network exchange. A read op dropped from that list while its
/// request was still queued was freed under the driver; the next op took
/// its memory and address, and the stale request then wrote one task's
/// data on another's sectors or finished a read without its data.
#[test]
fn sixty_four_tasks_read_and_write_one_disk_while_frames_flow() {
    mix_load("mix64", 64, 48, 3000, 150);
}

/// `cargo xtask bench --stress`: 32 tasks, 8000 rounds each (minutes),
/// beside 300,000 frames each way.
#[test]
#[ignore]
fn stress_mix_32_tasks() {
    mix_load("stress-mix", 32, 8000, 300_000, 1500);
}

/// Boots `net_echo` on an e1000 against a host peer echoing `frames`
/// frames in lock step (each frame of 60 to 1514 bytes sent by the host,
/// echoed by the guest, every byte compared; a frame lost either way is a
/// timeout, so the count of lost frames is exact: it must be 0).
fn frame_load(name: &str, frames: usize, secs: u64) {
    use std::net::UdpSocket;
    let prog = user_program("net_echo");
    let host = UdpSocket::bind("127.0.0.1:0").unwrap();
    let hport = host.local_addr().unwrap().port();
    let gport = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let guest: std::net::SocketAddr = format!("127.0.0.1:{gport}").parse().unwrap();
    let mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    let started = std::time::Instant::now();
    let peer = std::thread::spawn(move || net_echo_host_n(host, guest, mac, frames, false));
    let netdev = format!("dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={gport},remote.type=inet,remote.host=127.0.0.1,remote.port={hport}");
    let o = run(&boot(name, &format!("test=bootstrap bootstrap-deadline={secs}"))
        .timeout(Duration::from_secs(secs + 60))
        .qemu(&["-nic", "none", "-netdev", &netdev, "-device", "e1000,netdev=n0,mac=52:54:00:12:34:56"])
        .module(&format!("{} ${{device-port}} eth0 $(task-create) $(task-resume)", prog.display())));
    let wire = peer.join().unwrap();
    o.expect(Verdict::Pass).expect_log(&format!("net_echo eth0: {frames} frames echoed")).expect_log("user-test: net_echo ok");
    if let Err(e) = wire {
        panic!("{}", o.failure(&e));
    }
    println!("{name}: {frames} frames each way (60..1514 bytes, lock step) on an e1000, 0 corrupted, 0 lost, in {:.1} s", started.elapsed().as_secs_f64());
}

/// Load (issue 16), CI-sized: 6000 frames each way, every byte checked.
/// `cargo xtask bench --stress` runs 1,000,000 ([`stress_frames_1_million`]).
#[test]
fn six_thousand_frames_each_way_arrive_intact() {
    frame_load("frames", 6000, 120);
}

/// `cargo xtask bench --stress`: 1,000,000 frames each way.
#[test]
#[ignore]
fn stress_frames_1_million() {
    frame_load("stress-frames", 1_000_000, 7200);
}

/// `fuzz` (what `cargo xtask fuzz` runs): 200,000 seeded random and
/// malformed messages and traps at the kernel's ports (the issue's figure),
/// liveness checks (a disk record reads back unchanged), then the leak check.
#[test]
fn fuzz_messages_and_traps_leave_the_kernel_alive_and_nothing_leaks() {
    let img = mach_tests::log_dir().join("fuzz-disk.img");
    std::fs::write(&img, (0..1u32 << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>()).unwrap();
    let fuzz = user_program("fuzz");
    // About 40-60 s on an idle 2-core machine; the deadline leaves room for a loaded one.
    run(&boot("fuzz", "test=bootstrap bootstrap-deadline=900")
        .module(&format!("{} 200000 16 ${{device-port}} ${{host-port}} $(task-create) $(task-resume)", fuzz.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())])
        .timeout(Duration::from_secs(960)))
    .expect(Verdict::Pass)
    .expect_log("fuzz: 200000 messages, alive")
    .expect_log("fuzz: histogram of 200000 return codes")
    .expect_log("fuzz: 0 stray messages on the stubs' reply port")
    .expect_log("fuzz: 200000 messages and traps, the kernel is alive")
    .expect_log("user-test: fuzz ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
    .expect_no_log("FAILED");
}

#[test]
fn two_tasks_rpc_through_generated_stubs_with_every_disposition() {
    let (srv, cli) = (user_program("echo_server"), user_program("echo_client"));
    run(&boot("echo", "test=bootstrap")
        .module(&format!("{} $(srv=task-create) $(task-resume)", srv.display()))
        .module(&format!("{} ${{srv}} $(task-create) $(task-resume)", cli.display())))
        .expect(Verdict::Pass)
        .expect_log("echo_server: serving on 100")
        .expect_log("echo_client: every disposition crossed")
        .expect_log("echo_client: out-of-line data crossed")
        // The server's death: no-senders (70) and dead-name (72) notifications.
        .expect_log("echo_client: notifications 70 and 72 after the server died")
        .expect_log("user-test: echo_client ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

#[test]
fn compat_mode_single_module_gets_bootstrap_argv_and_env() {
    let hello = user_program("hello");
    run(&boot("compat", "root=device:hd0s1 -s test=bootstrap").module(&hello.display().to_string()))
        .expect(Verdict::Pass)
        // GNU Mach's old convention: bootstrap -<flags> <host> <device> <root>.
        .expect_log("task loaded: bootstrap -s 1 2 device:hd0s1")
        .expect_log("hello: env \"MULTIBOOT_CMDLINE=")
        .expect_log("user-test: hello ok");
}

#[test]
fn device_ports_serve_console_and_com1_through_device_defs() {
    let prog = user_program("devices");
    let o = run(&boot("devices", "console=com0 test=bootstrap ramdisk=64")
        .com1(b"ping\nasync-in\n")
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("devices: written through the console device")
        .expect_log("devices: big ====")
        .expect_log("devices: com1 read \"ping\\n\"")
        .expect_log("devices: asynchronous requests ok")
        .expect_log("devices: ram0 ok")
        .expect_log("user-test: devices ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
    let com1 = String::from_utf8_lossy(&o.com1);
    assert!(com1.contains("pong\n") && com1.contains("async\n") && com1.contains("open\n") && com1.contains("again\n") && !com1.contains('x'), "{}", o.failure(&format!("com1 got {com1:?}")));
}

#[test]
fn user_faults_become_mach_exceptions_for_the_handler() {
    let prog = user_program("exceptions");
    run(&boot("exceptions", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        // EXC_BAD_ACCESS (1), KERN_PROTECTION_FAILURE (2), the address.
        .expect_log("exceptions: handler saw exception 1 code 2 subcode 0xc0001000")
        .expect_log("exceptions: resumed after the fault with eax 0x600d")
        .expect_log("user-test: exceptions ok")
        // EXC_ARITHMETIC (3), EXC_I386_DIV (1): refused, so the task ends.
        .expect_log("exceptions: handler saw exception 3 code 1 subcode 0x0")
        .expect_log("task 1: divide error")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

#[test]
fn contiguous_memory_for_the_privileged_host_port_only() {
    let prog = user_program("contig");
    run(&boot("contig", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("contig: 3 pages at 0x")
        .expect_log("user-test: contig ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// `host_reboot` as the Hurd's `halt` and `reboot` call it: the
/// unprivileged host port and `RB_DEBUGGER` are refused, then `RB_HALT`
/// powers the machine off through ACPI and 0 resets it (QEMU runs with
/// `-no-reboot`, so a reset ends it).
#[test]
fn host_reboot_halts_or_resets_for_the_privileged_port_only() {
    let prog = user_program("reboot");
    for (what, verdict, line) in [("halt", Verdict::PoweredOff, "host_reboot: halting"), ("reboot", Verdict::ResetOrTripleFault, "host_reboot: rebooting")] {
        run(&boot(&format!("host-reboot-{what}"), "test=bootstrap")
            .module(&format!("{} ${{host-port}} {what} $(task-create) $(task-resume)", prog.display())))
            .expect(verdict)
            .expect_log("reboot: refusals ok")
            .expect_log(line)
            .expect_no_log("FAILED");
    }
}

/// On a normal boot (no test mode), a CPU-bound boot task alone on the
/// machine gets at least 97% of the CPU: only the idle thread halts, and
/// only when nothing else can run. The task halts the machine itself.
#[test]
fn a_cpu_bound_task_alone_gets_the_cpu() {
    let prog = user_program("cpushare");
    run(&boot("cpushare", "console=com0").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::PoweredOff)
        .expect_log("of the CPU over")
        .expect_log("user-test: cpushare ok")
        .expect_no_log("FAILED");
}

/// Kernel RPCs served in the caller's context look exactly like queued
/// ones: headers, sequence numbers, counts, queued messages first, small
/// buffers, port sets and refusals (`rpc_inplace`).
#[test]
fn kernel_rpcs_served_in_place_look_like_queued_ones() {
    let prog = user_program("rpc_inplace");
    run(&boot("rpc-inplace", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("rpc_inplace: 200 replies as GNU Mach's, counts unchanged")
        .expect_log("rpc_inplace: queued messages first, small buffers as GNU Mach")
        .expect_log("rpc_inplace: sets and refusals as GNU Mach")
        .expect_log("user-test: rpc_inplace ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// `gsync_wait`/`gsync_wake`/`gsync_requeue` (gnumach.defs), what glibc's
/// locks use on the Hurd: refusals, timeout, wake order, broadcast with
/// mutate, two-word compare, requeue; nothing left parked or leaked.
#[test]
fn gsync_waits_wake_in_order_and_requeue() {
    let prog = user_program("gsync");
    run(&boot("gsync", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("gsync: refusals and timeout ok")
        .expect_log("gsync: wake ends the first wait, broadcast with mutate ends all")
        .expect_log("gsync: requeue moves a waiter, wake_one wakes")
        .expect_log("gsync: thread_abort interrupts a wait")
        .expect_log("user-test: gsync ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// Processor sets and processors (mach_host.defs), as the Hurd's proc
/// server uses them: the default set's name and control ports, task and
/// thread lists for the privileged host port's holder only, set and
/// processor info; every right handed out comes back (leak check).
#[test]
fn processor_set_lists_tasks_and_threads_for_the_privileged_port() {
    let prog = user_program("psets");
    run(&boot("psets", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("psets: default set: 1 processor, 1 tasks, 1 threads")
        .expect_log("psets: control port lists 1 tasks and 1 threads")
        .expect_log("psets: processor type")
        .expect_log("user-test: psets ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// host_set_time, host_adjust_time (gradual), host_set_time64 for the
/// privileged host port only; host_get_time64, host_get_uptime64,
/// host_get_kernel_version; task_set_name, vm_cache_statistics,
/// task_set_essential.
#[test]
fn host_time_boot_info_and_task_names() {
    let prog = user_program("hostctl");
    run(&boot("hostctl", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("hostctl: time set to 1000000000.")
        .expect_log("hostctl: adjustment pending 3599.99")
        .expect_log("hostctl: time64 set to 2000000000; uptime ").expect_log("; version 'Rust Mach ")
        .expect_log("user-test: hostctl ok")
        .expect_log("hostctl: vm_cache_statistics: ")
        .expect_log("(renamed-task!) was essential")
        .expect_log("(renamed-task!) terminated")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// What GNU Mach of 2026 (Debian unstable's gnumach-dev 1.8+git20261028)
/// adds: vm_pages_phys against vm_allocate_contiguous's physical run,
/// thread names, size limits (vm_allocate past the limit: KERN_NO_SPACE),
/// the 64-bit times of task_info/thread_info and their old counts.
#[test]
fn gnumach_2026_routines_and_flavours() {
    let prog = user_program("gnumach26");
    run(&boot("gnumach26", "test=bootstrap").module(&format!("{} ${{host-port}} ${{device-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("gnumach26: vm_pages_phys 0x")
        .expect_log("gnumach26: touched page at 0x")
        .expect_log("gnumach26: thread name 'a-thread-name-longer-than-thirt'")
        .expect_log("gnumach26: vm_allocate past the limit: KERN_NO_SPACE")
        .expect_log("gnumach26: TASK_BASIC_INFO 22 words")
        .expect_log("gnumach26: old counts 10, 4, 13 answered")
        .expect_log("gnumach26: device_open_new opened time")
        .expect_log("user-test: gnumach26 ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// register_new_task_notification: privileged and once only; task_create
/// then sends mach_notify_new_task with the child and the parent.
#[test]
fn new_tasks_are_announced_to_the_registered_port() {
    let prog = user_program("newtask");
    run(&boot("newtask", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("newtask: mach_notify_new_task for task")
        .expect_log("user-test: newtask ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// thread_wire and vm_wire_all (what a default pager asks), and
/// thread_terminate_release (glibc's thread exit): the thread, its reply
/// port and its stack go in one call.
#[test]
fn wiring_and_thread_terminate_release() {
    let prog = user_program("wiring");
    run(&boot("wiring", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("wiring: vm_wire_all: 256 KiB resident at once, then demand-zero again")
        .expect_log("wiring: thread_terminate_release ended the thread with its reply port and stack")
        .expect_log("user-test: wiring ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// Thread and task priorities, maxima and processor-set assignment
/// (mach_host.defs), checked through thread_info.
#[test]
fn priorities_respect_maxima_and_reach_new_threads() {
    let prog = user_program("prio");
    run(&boot("prio", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("prio: thread priorities and maxima hold")
        .expect_log("prio: task priority and set maximum reach new threads")
        .expect_log("prio: everything is assigned to the default set")
        .expect_log("prio: fixed priority when the set allows it")
        .expect_log("user-test: prio ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// mach_ports_register / mach_ports_lookup: at most four, looked up again,
/// inherited by task_create; nothing leaks.
#[test]
fn registered_ports_are_looked_up_and_inherited() {
    let prog = user_program("regports");
    run(&boot("regports", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("regports: registered two ports")
        .expect_log("regports: the child inherited them")
        .expect_log("user-test: regports ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// A user-level pager serves a mapped memory object (memory_object.defs):
/// init/ready, one data_request per page answered by data_supply,
/// data_unavailable and data_error, dirty pages back by lock_request and at
/// termination, terminate with the control and name receive rights. Then the
/// `time` device through device_map, and anonymous vm_map.
#[test]
fn a_user_pager_serves_mapped_memory_and_gets_dirty_pages_back() {
    let prog = user_program("pager");
    run(&boot("pager", "test=bootstrap").module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("pager: pages 0 and 1 read 'A' 'B'")
        .expect_log("pager: data_request page 2 length 4096 access 1")
        .expect_log("pager: send from the data_error page: 0x10000002")
        .expect_log("pager: data_return page 1 dirty 1 byte 'Z'")
        .expect_log("pager: flushed page 0 came back as 'a'")
        .expect_log("pager: vm_msync returned the dirty page, then invalidated it")
        .expect_log("pager: vm_object_sync returned the dirty page")
        .expect_log("pager: OOL from the mapping carried 'a' (request 3)")
        .expect_log("pager: data_unlock page 16 access 3")
        .expect_log("pager: write-locked page unlocked by the pager")
        .expect_log("pager: data_return page 0 dirty 1 byte 'T'")
        .expect_log("pager: terminate (control and name receive rights: true)")
        .expect_log("pager: mapped time ")
        .expect_log("user-test: pager ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// Memory pressure in a 32 MiB machine: memhog fills 8 MiB more than is
/// free; the kernel pages out to the user-level default pager and back,
/// and every page reads back right.
#[test]
fn memory_pressure_pages_out_to_a_user_default_pager() {
    let (pager, hog) = (user_program("defpager"), user_program("memhog"));
    run(&boot("pageout", "test=bootstrap")
        .memory(32)
        .module(&format!("{} ${{host-port}} $(pager=task-create) $(task-resume)", pager.display()))
        .module(&format!("{} ${{host-port}} ${{pager}} $(task-create) $(task-resume)", hog.display())))
    .expect(Verdict::Pass)
    .expect_log("defpager: registered (previous manager 0)")
    .expect_log("defpager: object 1 created (size 0xc0000000, page size 4096)")
    // The memory shared with memhog's child went to the pager as well.
    .expect_log("defpager: object 2 created")
    .expect_log("memhog: shared memory checked, 0 pages wrong")
    .expect_log(" wrong; ")
    .expect_log(", 0 wrong; ")
    .expect_log("user-test: memhog ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// The default pager is terminated in the middle of page-out (issue 16,
/// faults): the task whose pages went to it is terminated whatever it
/// waits for, memory still works, and nothing leaks.
#[test]
fn a_default_pager_killed_during_pageout_leaves_the_kernel_working() {
    let (pager, hog) = (user_program("defpager"), user_program("memhog"));
    run(&boot("pageout-kill", "test=bootstrap")
        .memory(32)
        .module(&format!("{} ${{host-port}} $(pager=task-create) $(task-resume)", pager.display()))
        .module(&format!("{} ${{host-port}} ${{pager}} killpager $(task-create) $(task-resume)", hog.display())))
    .expect(Verdict::Pass)
    .expect_log("defpager: registered (previous manager 0)")
    .expect_log("memhog: default pager terminated after ")
    .expect_log("memhog: after the pager's death 4 MiB read back, 0 pages wrong")
    .expect_log("user-test: memhog ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0")
    .expect_no_log("FAILED");
}

/// With no default pager, running out of memory is a Mach exception
/// (KERN_RESOURCE_SHORTAGE) for the task, never a kernel panic or a hang.
#[test]
fn memory_exhaustion_without_a_pager_is_an_exception_not_a_panic() {
    let hog = user_program("memhog");
    run(&boot("exhaust", "test=bootstrap").memory(32).module(&format!("{} ${{host-port}} nopager $(task-create) $(task-resume)", hog.display())))
        .expect(Verdict::Pass)
        .expect_log("memhog: touching memory until it runs out")
        .expect_log("memhog: exception 1 code 6 after ")
        .expect_log("user-test: memhog ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

#[test]
fn inherited_memory_is_copy_on_write() {
    let prog = user_program("cow");
    run(&boot("cow", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("cow: copy-on-write copies: ")
        .expect_log("cow: shared memory is shared both ways")
        .expect_log(", copies 0")
        .expect_log("user-test: cow ok")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// The NE2000 through the Linux glue and `net_io`: `net_test` reads the MAC
/// and status of `eth0`, is refused invalid filters, sends an ARP request
/// for QEMU's user-mode gateway and gets the reply through its BPF filter.
fn net_test_boot(name: &str, nic: &[&str]) -> mach_tests::Outcome {
    let prog = user_program("net_test");
    run(&boot(name, "console=com0 test=bootstrap")
        .qemu(nic)
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())))
}

fn expect_net_test(o: &mach_tests::Outcome) {
    o.expect(Verdict::Pass)
        .expect_log("net: eth0 at ")
        .expect_log("net_test: NET_ADDRESS 0x52540012 0x34560000")
        .expect_log("net_test: invalid filters refused")
        .expect_log("net_test: ARP reply: 10.0.2.2 is at 52:55:0a:00:02:02")
        // Back-to-back writes lose nothing; a slow receiver's port queue
        // holds its limit (5) and the kernel drops and counts the rest.
        .expect_log("net_test: burst of 5 requests, 5 replies")
        .expect_log("net_test: burst of 8 requests to a slow receiver, 5 replies queued")
        .expect_log("net_test: ping 10.0.2.2: echo reply, 32 bytes of data")
        .expect_log("net_test: statistics: rx ")
        .expect_log("net_test: NET_FLAGS 0x")
        .expect_log("user-test: net_test ok")
        .expect_log(", 3 dropped")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// `net_test` on QEMU's NIC `model` (a `-device` name) behind its user
/// network, as `eth0` with the test's MAC. The link is never reported
/// down; our driver, known by its start-up line `ours` (a genuine Linux
/// driver built with LINUX_DRIVERS_SRC prints its own, and may have no MII
/// controls), must report it up (`NET_LINK`).
fn net_test_on(name: &str, model: &str, ours: Option<&str>) -> mach_tests::Outcome {
    let o = net_test_boot(name, &["-nic", &format!("user,model={model},mac=52:54:00:12:34:56")]);
    expect_net_test(&o);
    assert!(!o.log.contains("net_test: link down"), "{}", o.failure("link reported down"));
    if ours.is_some_and(|l| o.log.contains(l)) {
        o.expect_log("net_test: link up");
    }
    // The glue's line, whichever driver probed (ours or Linux's own).
    o.expect_log("address 52:54:00:12:34:56");
    o
}

/// `net_test flap` on QEMU's NIC `model`: the test's QEMU monitor drops
/// the NIC's link (`set_link nic0 off`) when the guest has seen it up and
/// raises it when the guest has seen it down (`NET_LINK`, read through the
/// driver's MII controls). An ARP request sent while it is down gets no
/// reply; then the whole ARP/ICMP/burst run with the gateway proves the
/// NIC carries traffic again.
fn net_link_flap(name: &str, model: &str) {
    let prog = user_program("net_test");
    let o = run(&boot(name, "console=com0 test=bootstrap")
        .qemu(&["-netdev", "user,id=n0", "-device", &format!("{model},netdev=n0,id=nic0,mac=52:54:00:12:34:56")])
        .monitor_on("net_test: flap: link up, drop it", "set_link nic0 off")
        .monitor_on("net_test: flap: link down, raise it", "set_link nic0 on")
        .module(&format!("{} ${{device-port}} flap $(task-create) $(task-resume)", prog.display())));
    expect_net_test(&o);
    o.expect_log("net_test: flap: no reply while the link is down")
        .expect_log("net_test: flap: link back up")
        .expect_log("net_test: link up");
}

#[test]
fn e1000_link_drops_and_returns() {
    net_link_flap("net-flap-e1000", "e1000");
}

#[test]
fn rtl8139_link_drops_and_returns() {
    net_link_flap("net-flap-rtl8139", "rtl8139");
}

#[test]
fn pcnet_link_drops_and_returns() {
    net_link_flap("net-flap-pcnet", "pcnet");
}

#[test]
fn ne2000_pci_sends_arp_and_filters_the_reply() {
    // Probed the way ne2k-pci.c does (our linux-drivers/ne2k-pci.c; a
    // genuine ne.c finds it through its own PCI probe).
    net_test_on("net-ne2k-pci", "ne2k_pci", None).expect_log("irq 11 address 52:54:00:12:34:56");
}

#[test]
fn rtl8139_sends_arp_and_filters_the_reply() {
    net_test_on("net-rtl8139", "rtl8139", Some("eth0: RTL8139 at"));
}

#[test]
fn pcnet_sends_arp_and_filters_the_reply() {
    net_test_on("net-pcnet", "pcnet", Some("eth0: PCnet-PCI at"));
}

#[test]
fn e1000_sends_arp_and_filters_the_reply() {
    net_test_on("net-e1000", "e1000", Some("eth0: Intel PRO/1000 at"));
}

#[test]
fn eepro100_sends_arp_and_filters_the_reply() {
    net_test_on("net-eepro100", "i82557b", Some("eth0: Intel EtherExpress Pro/100 at"));
}

#[test]
fn ne2000_isa_sends_arp_and_filters_the_reply() {
    let o = net_test_boot(
        "net-ne2k-isa",
        &["-nic", "none", "-netdev", "user,id=n0", "-device", "ne2k_isa,iobase=0x300,irq=9,netdev=n0,mac=52:54:00:12:34:56"],
    );
    expect_net_test(&o);
    o.expect_log("net: eth0 at 0x300 irq 9 address 52:54:00:12:34:56");
}

/// What `cargo xtask run` shows: the `demo` task reads the partition table
/// of an IDE disk and pings QEMU's gateway through the device ports.
#[test]
fn demo_reads_the_partition_table_and_pings_the_gateway() {
    let prog = user_program("demo");
    let img = mach_tests::log_dir().join("demo.img");
    mach_tests::disk::write_image(&img);
    let o = run(&boot("demo", "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display()), "-nic", "user,model=ne2k_pci"])
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("demo: hd0 holds 16777216 bytes in records of 512")
        .expect_log("demo: hd0 partition 1: type 0x83, sectors 2048..10240")
        .expect_log("demo: hd0 partition 2: type 0x83, sectors 10240..18432")
        .expect_log("demo: hd0 partition 3: type 0x05, sectors 18432..32768")
        .expect_log("demo: hd0s1 holds 4194304 bytes")
        .expect_log("demo: ARP reply from [52, 55, 0a, 00, 02, 02] (10.0.2.2)")
        .expect_log("demo: ping 10.0.2.2 seq 1: echo reply, 32 bytes of data")
        .expect_log("demo: ping 10.0.2.2 seq 3: echo reply, 32 bytes of data")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// The host end of `net_echo`: waits for the guest's READY frame, then
/// sends `frames` frames of the sizes from 60 to 1514 bytes over and over
/// (2910: every size twice), each with its own pattern, and checks each
/// echo byte for byte; ends with STOP, after which the guest writes 64
/// full-size frames back to back, which must all arrive, in order; then
/// the receive-mode rounds (see `net_echo`). Returns every frame on the
/// wire in order (READY, then frame and echo pairs, STOP and its echo, the
/// burst, the mode rounds; without `keep` the pairs are left out, for long
/// runs), or why it failed.
fn net_echo_host_n(sock: std::net::UdpSocket, guest: std::net::SocketAddr, guest_mac: [u8; 6], frames: usize, keep: bool) -> Result<Vec<Vec<u8>>, String> {
    const HOST: [u8; 6] = [0x02, 0, 0, 0, 0, 1];
    sock.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
    let mut wire = Vec::new();
    let mut buf = vec![0u8; 2048];
    let n = sock.recv(&mut buf).map_err(|e| format!("no READY frame: {e}"))?;
    if n < 19 || buf[14..19] != *b"READY" {
        return Err(format!("first frame is not READY ({n} bytes)"));
    }
    wire.push(buf[..n].to_vec());
    let frame = |i: usize, size: usize, stop: bool| {
        let mut f = vec![0u8; size];
        f[..6].copy_from_slice(&guest_mac);
        f[6..12].copy_from_slice(&HOST);
        f[12..14].copy_from_slice(&[0x88, 0xB5]);
        for (k, b) in f[14..].iter_mut().enumerate() {
            *b = (i * 7 + k * 13 + size) as u8;
        }
        if stop {
            f[14..18].copy_from_slice(b"STOP");
        }
        f
    };
    let sizes: Vec<usize> = (60..=1514).cycle().take(frames).collect();
    for (i, &size) in sizes.iter().enumerate().chain([(sizes.len(), &60)]) {
        let stop = i == sizes.len();
        let f = frame(i, size, stop);
        sock.send_to(&f, guest).map_err(|e| e.to_string())?;
        let n = sock.recv(&mut buf).map_err(|e| format!("no echo of frame {i} ({size} bytes): {e}"))?;
        let e = &buf[..n];
        if n != size || e[..6] != HOST || e[6..12] != guest_mac || e[12..] != f[12..] {
            return Err(format!("echo of frame {i} ({size} bytes) differs: {n} bytes back"));
        }
        if keep {
            wire.push(f);
            wire.push(e.to_vec());
        }
    }
    for seq in 0..64u32 {
        let n = sock.recv(&mut buf).map_err(|e| format!("burst frame {seq} missing: {e}"))?;
        let f = &buf[..n];
        let pattern_ok = f[22..].iter().enumerate().all(|(k, &b)| b == (seq as usize * 3 + k) as u8);
        if n != 1514 || f[..6] != HOST || f[14..18] != *b"BRST" || f[18..22] != seq.to_le_bytes() || !pattern_ok {
            return Err(format!("burst frame {seq} differs ({n} bytes)"));
        }
        wire.push(f.to_vec());
    }
    // The receive modes: for each MODE frame, a frame for a foreign unicast
    // address, one for a multicast group and DONE for the guest.
    for k in 0..3u8 {
        let n = sock.recv(&mut buf).map_err(|e| format!("MODE frame {k} missing: {e}"))?;
        if n != 60 || buf[..6] != HOST || buf[14..18] != *b"MODE" || buf[18] != b'0' + k {
            return Err(format!("MODE frame {k} differs ({n} bytes)"));
        }
        wire.push(buf[..n].to_vec());
        for (dst, tag) in [([0x02, 0, 0, 0, 0, 0x99], b"FORN"), ([0x01, 0x00, 0x5e, 0, 0, 0xfb], b"MCST"), (guest_mac, b"DONE")] {
            let mut f = vec![0u8; 60];
            f[..6].copy_from_slice(&dst);
            f[6..12].copy_from_slice(&HOST);
            f[12..14].copy_from_slice(&[0x88, 0xB5]);
            f[14..18].copy_from_slice(tag);
            f[18] = b'0' + k;
            sock.send_to(&f, guest).map_err(|e| e.to_string())?;
            wire.push(f);
        }
    }
    Ok(wire)
}

/// The frames of a pcap file (`filter-dump` writes one).
fn pcap_frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let rd = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize;
    assert_eq!(rd(0), 0xa1b2_c3d4, "not a little-endian pcap file");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let len = rd(at + 8);
        out.push(bytes[at + 16..at + 16 + len].to_vec());
        at += 16 + len;
    }
    out
}

/// Thousands of frames of every size between the host and the guest over a
/// QEMU `dgram` netdev and the NIC `model` (a `-device` name): every byte
/// and the count checked on the host, a back-to-back burst loses nothing,
/// the receive modes pass what they should, and QEMU's own pcap of the NIC
/// (`filter-dump`) shows exactly those frames in that order. `name` names
/// the log and the pcap.
fn exchange_frames_with_the_host(name: &str, model: &str) {
    exchange_frames_on(name, &[model]);
}

/// [`exchange_frames_with_the_host`] on several NICs at once: NIC `i` is
/// `models[i]` with MAC 52:54:00:12:34:(56 + i), its own netdev, host
/// socket, pcap (`NAME-i.pcap`, or `NAME.pcap` for one) and `net_echo`
/// task, and the probe order (Space.c) must make it `eth{i}`.
fn exchange_frames_on(name: &str, models: &[&str]) {
    exchange_frames_beside(name, models, "test=bootstrap", 2910, |b| b);
}

/// As [`exchange_frames_on`], with the boot (command line `cmdline`) given
/// to `more` first, to add modules and devices that run beside the
/// exchange; returns the outcome for their checks.
/// With `frames` other than 2910 the host echoes that many frames (see
/// [`net_echo_host_n`]) and the wire and the pcap are not compared.
fn exchange_frames_beside(name: &str, models: &[&str], cmdline: &str, frames: usize, more: impl FnOnce(Boot) -> Boot) -> mach_tests::Outcome {
    use std::net::UdpSocket;
    let prog = user_program("net_echo");
    let mut qemu: Vec<String> = vec!["-nic".into(), "none".into()];
    let mut b = more(boot(name, cmdline).timeout(Duration::from_secs(180)));
    let mut peers = Vec::new();
    let mut pcaps = Vec::new();
    for (i, model) in models.iter().enumerate() {
        let mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + i as u8];
        let host = UdpSocket::bind("127.0.0.1:0").unwrap();
        let hport = host.local_addr().unwrap().port();
        let gport = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pcap = mach_tests::log_dir().join(if models.len() == 1 { format!("{name}.pcap") } else { format!("{name}-{i}.pcap") });
        let _ = std::fs::remove_file(&pcap);
        qemu.push("-netdev".into());
        qemu.push(format!("dgram,id=n{i},local.type=inet,local.host=127.0.0.1,local.port={gport},remote.type=inet,remote.host=127.0.0.1,remote.port={hport}"));
        qemu.push("-device".into());
        qemu.push(format!("{model},netdev=n{i},mac=52:54:00:12:34:{:02x}", mac[5]));
        qemu.push("-object".into());
        qemu.push(format!("filter-dump,id=d{i},netdev=n{i},file={}", pcap.display()));
        let guest: std::net::SocketAddr = format!("127.0.0.1:{gport}").parse().unwrap();
        let keep = frames == 2910;
        peers.push(std::thread::spawn(move || net_echo_host_n(host, guest, mac, frames, keep)));
        pcaps.push(pcap);
        b = b.module(&format!("{} ${{device-port}} eth{i} $(task-create) $(task-resume)", prog.display()));
    }
    let args: Vec<&str> = qemu.iter().map(String::as_str).collect();
    let o = run(&b.qemu(&args));
    let wires: Vec<_> = peers.into_iter().map(|p| p.join().unwrap()).collect();
    o.expect(Verdict::Pass);
    for (i, (wire, pcap)) in wires.into_iter().zip(&pcaps).enumerate() {
        let tag = format!("net_echo eth{i}");
        o.expect_log(&format!("{tag}: 64 frames of 1514 bytes written back to back"))
            .expect_log(&format!("{tag}: plain mode: foreign unicast out, multicast out"))
            .expect_log(&format!("{tag}: promiscuous mode: foreign unicast in, multicast in"))
            .expect_log(&format!("{tag}: all-multicast mode: foreign unicast out, multicast in"))
            .expect_log(&format!("{tag}: {frames} frames echoed"));
        let wire = wire.unwrap_or_else(|e| panic!("{}", o.failure(&format!("eth{i}: {e}"))));
        if frames != 2910 {
            continue;
        }
        assert_eq!(wire.len(), 1 + 2 * 2911 + 64 + 3 * 4);
        let dumped = pcap_frames(&std::fs::read(pcap).expect("reading the pcap"));
        assert_eq!(dumped.len(), wire.len(), "{}", o.failure(&format!("eth{i}: pcap frame count")));
        for (k, (d, w)) in dumped.iter().zip(&wire).enumerate() {
            assert_eq!(d, w, "{}", o.failure(&format!("eth{i}: pcap frame {k} differs")));
        }
    }
    let oks = o.log.matches("user-test: net_echo ok").count();
    assert_eq!(oks, models.len(), "{}", o.failure("a net_echo task did not pass"));
    o
}

#[test]
fn ne2000_exchanges_frames_of_every_size_with_the_host() {
    exchange_frames_with_the_host("net-echo", "ne2k_pci");
}

#[test]
fn rtl8139_exchanges_frames_of_every_size_with_the_host() {
    exchange_frames_with_the_host("net-echo-rtl8139", "rtl8139");
}
#[test]
fn eepro100_exchanges_frames_of_every_size_with_the_host() {
    exchange_frames_with_the_host("net-echo-eepro100", "i82557b");
}

/// Two NICs of different kinds at once, each with its own frames, host
/// peer and pcap: an RTL8139 as `eth0` and an e1000 as `eth1`.
#[test]
fn two_nics_of_different_kinds_exchange_frames_at_once() {
    exchange_frames_on("net-echo-two", &["rtl8139", "e1000"]);
}

#[test]
fn pcnet_exchanges_frames_of_every_size_with_the_host() {
    exchange_frames_with_the_host("net-echo-pcnet", "pcnet");
}
#[test]
fn e1000_exchanges_frames_of_every_size_with_the_host() {
    exchange_frames_with_the_host("net-echo-e1000", "e1000");
}

/// A user-level driver's interrupts through the `irq` device: IRQ 14,
/// shared with the kernel's IDE driver, is notified and acknowledged.
#[test]
fn irq_device_delivers_interrupts_to_a_user_driver() {
    use mach_tests::disk;
    let prog = user_program("irq_test");
    let img = mach_tests::log_dir().join("irq.img");
    disk::write_image(&img);
    run(&boot("irq", "test=bootstrap")
        .timeout(std::time::Duration::from_secs(90))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())])
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())))
    .expect(Verdict::Pass)
    .expect_log("irq_test: round 3: IRQ 14 notified and acknowledged")
    // An interrupt held back by the user driver: the IDE driver's timeout
    // path fails the read instead of hanging, and the disk recovers.
    .expect_log("hda: timeout: status=")
    .expect_log("irq_test: the read timed out with D_IO_ERROR")
    .expect_log("irq_test: the disk works again after the driver went")
    .expect_log("user-test: irq_test ok")
    .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

/// Boots `disk_test` against the harness's disk image attached with
/// `drive` (QEMU `-drive` options after `file=`), then checks the image.
fn disk_test(name: &str, drive: &str, disk: &str) -> mach_tests::Outcome {
    disk_test_with(name, drive, disk, "", "", None)
}

/// Boots `disk_test` with its third argument `extra` (a mode) on a fresh
/// test image, `cmdline` added to the kernel's command line; `blkdebug` (a
/// blkdebug configuration) puts QEMU's error injection under the disk.
/// Returns the outcome and the image's path, unchecked.
fn disk_test_boot(name: &str, drive: &str, disk: &str, extra: &str, cmdline: &str, blkdebug: Option<&str>) -> (mach_tests::Outcome, PathBuf) {
    disk_test_boot_on(name, drive, &[], disk, extra, cmdline, blkdebug)
}

/// As [`disk_test_boot`], with `devices` (QEMU arguments, e.g. an AHCI
/// controller and the `ide-hd` on it) after the `-drive`.
fn disk_test_boot_on(name: &str, drive: &str, devices: &[&str], disk: &str, extra: &str, cmdline: &str, blkdebug: Option<&str>) -> (mach_tests::Outcome, PathBuf) {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join(format!("{name}.img"));
    disk::write_image(&img);
    let file = match blkdebug {
        Some(conf) => {
            let c = mach_tests::log_dir().join(format!("{name}.blkdebug"));
            std::fs::write(&c, conf).unwrap();
            format!("blkdebug:{}:{}", c.display(), img.display())
        }
        None => img.display().to_string(),
    };
    let o = run(&boot(name, &format!("console=com0 test=bootstrap {cmdline}"))
        .qemu(&["-drive", &format!("file={file},{drive}")])
        .qemu(devices)
        .module(&format!("{} ${{device-port}} {disk} {extra} $(task-create) $(task-resume)", prog.display())));
    (o, img)
}

/// As [`disk_test`], with disk_test's third argument `extra`, and
/// `cmdline` and `blkdebug` as [`disk_test_boot`] takes them.
fn disk_test_with(name: &str, drive: &str, disk: &str, extra: &str, cmdline: &str, blkdebug: Option<&str>) -> mach_tests::Outcome {
    disk_test_with_on(name, drive, &[], disk, extra, cmdline, blkdebug)
}

/// As [`disk_test_with`], with `devices` as [`disk_test_boot_on`] takes them.
fn disk_test_with_on(name: &str, drive: &str, devices: &[&str], disk: &str, extra: &str, cmdline: &str, blkdebug: Option<&str>) -> mach_tests::Outcome {
    let (o, img) = disk_test_boot_on(name, drive, devices, disk, extra, cmdline, blkdebug);
    o.expect(Verdict::Pass)
        .expect_log(&format!("{disk}: 32768 sectors (16 MiB), Mbr s1=2048+8192 s2=10240+8192 s3=18432+2 s5=20480+8192"))
        .expect_log("disk_test: patterns read back")
        .expect_log("disk_test: partition ends enforced")
        .expect_log("disk_test: writes read back")
        .expect_log("user-test: disk_test ok")
        .expect_no_log("FAILED");
    check_disk_test_image(&img, &o);
    o
}

/// `disk_test sweep`: every sector read and checked in the guest, then
/// pseudo-random writes (1 to 256 sectors, so many DMA commands whose
/// buffers cross a 64 KiB physical boundary) that the host replays on the
/// pristine image: the image must equal the replay, byte for byte.
fn disk_sweep(name: &str, cmdline: &str) -> mach_tests::Outcome {
    use mach_tests::disk;
    let (o, img) = disk_test_boot(name, "format=raw,if=ide,index=0", "hd0", "sweep", cmdline, None);
    o.expect(Verdict::Pass)
        .expect_log("disk_test: every sector read back")
        .expect_log(&format!("disk_test: {} random writes done", disk::SWEEP_WRITES))
        .expect_log("user-test: disk_test ok")
        .expect_no_log("FAILED");
    let bytes = std::fs::read(&img).expect("reading the disk image back");
    let want = disk::image_after_sweep();
    if let Some(lba) = (0..disk::SECTORS).find(|&l| disk::sector(&bytes, l) != disk::sector(&want, l)) {
        panic!("{}", o.failure(&format!("sector {lba} differs from the replayed writes")));
    }
    o
}

/// The image `disk_test` worked on holds what it wrote to s2, and nothing
/// else changed.
fn check_disk_test_image(img: &std::path::Path, o: &mach_tests::Outcome) {
    use mach_tests::disk;
    let bytes = std::fs::read(img).expect("reading the disk image back");
    let s2 = disk::S2.0;
    for k in 0..3 * 512 + 100 {
        let at = (s2 * 512) as usize + k;
        assert_eq!(bytes[at], disk::written_byte(k), "{}", o.failure(&format!("byte {k} of s2")));
    }
    assert_eq!(&disk::sector(&bytes, s2 + 3)[100..], &disk::sector_pattern(s2 + 3)[100..], "{}", o.failure("partial sector's tail"));
    assert!(disk::sector(&bytes, s2 + disk::S2.1 - 1).iter().all(|&b| b == 0xA5), "{}", o.failure("last sector of s2"));
    let pristine = disk::image();
    for lba in [s2 - 1, s2 + 4, disk::S3.0, disk::S3.0 + 1, disk::S5.0] {
        assert_eq!(disk::sector(&bytes, lba), disk::sector(&pristine, lba), "{}", o.failure(&format!("sector {lba} changed")));
    }
    let changed = (0..disk::SECTORS).filter(|&l| disk::sector(&bytes, l) != disk::sector(&pristine, l)).count();
    assert_eq!(changed, 5, "{}", o.failure("sectors changed outside the writes"));
}

/// Two disks at once, one on each IDE channel (IRQ 14 and 15), each with
/// its own disk_test task running at the same time; the host checks both
/// images.
#[test]
fn ide_disks_on_both_channels_at_once() {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let dir = mach_tests::log_dir();
    let (a, b) = (dir.join("disk-both-hd0.img"), dir.join("disk-both-hd3.img"));
    disk::write_image(&a);
    disk::write_image(&b);
    let o = run(&boot("disk-both", "console=com0 test=bootstrap")
        .qemu(&[
            "-drive",
            &format!("file={},format=raw,if=ide,index=0", a.display()),
            "-drive",
            &format!("file={},format=raw,if=ide,index=3", b.display()),
        ])
        .module(&format!("{} ${{device-port}} hd0 $(task-create) $(task-resume)", prog.display()))
        .module(&format!("{} ${{device-port}} hd3 $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("hd0: 32768 sectors (16 MiB), Mbr s1=2048+8192 s2=10240+8192 s3=18432+2 s5=20480+8192")
        .expect_log("hd3: 32768 sectors (16 MiB), Mbr s1=2048+8192 s2=10240+8192 s3=18432+2 s5=20480+8192")
        .expect_log("bootstrap: 2 boot task(s) ran and ended")
        .expect_no_log("FAILED");
    assert_eq!(o.log.matches("user-test: disk_test ok").count(), 2, "{}", o.failure("both disk_test tasks"));
    check_disk_test_image(&a, &o);
    check_disk_test_image(&b, &o);
}

#[test]
fn ide_disk_master_on_the_first_channel_serves_partitions() {
    disk_test("disk-ide0-master", "format=raw,if=ide,index=0", "hd0")
        .expect_log("ide: Intel PIIX3 bus-master DMA at 0x")
        .expect_log("hda: bus-master DMA, multiword DMA mode 2");
}

/// The same checks by PIO (`hda=nodma`, Linux 2.0's option): 32-bit data
/// port accesses and multiple-sector commands.
#[test]
fn ide_disk_by_pio_serves_partitions() {
    disk_test_with("disk-ide0-pio", "format=raw,if=ide,index=0", "hd0", "", "hda=nodma", None)
        .expect_log("hda: QEMU HARDDISK, 16 MiB, 32768 sectors, LBA LBA48, multiple 16")
        .expect_log("hda: PIO, 32-bit")
        .expect_no_log("hda: bus-master DMA");
}

/// Every sector read, random writes checked by the host, by DMA on the
/// PIIX3 (QEMU's `pc` machine). Reads of 128 KiB are one 256-sector
/// command whose physically contiguous buffer necessarily crosses a 64 KiB
/// boundary, so the PRD table has to split it.
#[test]
fn ide_dma_reads_every_sector_and_random_writes_land() {
    disk_sweep("disk-sweep-dma", "").expect_log("hda: bus-master DMA, multiword DMA mode 2");
}

/// The same on a PIIX4 (`-device piix4-ide`): Ultra DMA mode 2, with the
/// PIIX4's Ultra DMA registers set for the drive.
#[test]
fn ide_piix4_udma_reads_every_sector_and_random_writes_land() {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join("disk-sweep-piix4.img");
    disk::write_image(&img);
    let o = run(&boot("disk-sweep-piix4", "console=com0 test=bootstrap")
        .qemu(&[
            "-device",
            "piix4-ide,id=piix4",
            "-drive",
            &format!("file={},format=raw,if=none,id=d0", img.display()),
            "-device",
            "ide-hd,drive=d0,bus=piix4.0",
        ])
        .module(&format!("{} ${{device-port}} hd0 sweep $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass).expect_log("disk_test: every sector read back").expect_log("user-test: disk_test ok");
    let bytes = std::fs::read(&img).expect("reading the disk image back");
    let want = disk::image_after_sweep();
    if let Some(lba) = (0..disk::SECTORS).find(|&l| disk::sector(&bytes, l) != disk::sector(&want, l)) {
        panic!("{}", o.failure(&format!("sector {lba} differs from the replayed writes")));
    }
    // Our driver's own words (a genuine Linux 2.0 ide.c says others).
    o.expect_log("ide: Intel PIIX4 bus-master DMA at 0x").expect_log("hda: bus-master DMA, Ultra DMA mode 2");
}

/// The same by 16-bit PIO (`hda=nodma hda=noio32`).
#[test]
fn ide_pio16_reads_every_sector_and_random_writes_land() {
    disk_sweep("disk-sweep-pio16", "hda=nodma hda=noio32").expect_log("hda: PIO, 16-bit");
}

#[test]
fn ide_disk_slave_on_the_second_channel_serves_partitions() {
    // index=3: the second channel's slave (QEMU's CD-ROM is its master), hd3.
    disk_test("disk-ide1-slave", "format=raw,if=ide,index=3", "hd3");
}

#[test]
fn ide_read_error_fails_the_request_and_the_disk_goes_on() {
    disk_test_with("disk-ioerror", "format=raw,if=ide,index=0", "hd0", "ioerror", "", Some(IOERROR_CONF))
        .expect_log("hda: bus-master DMA, multiword DMA mode 2")
        .expect_log("disk_test: I/O error reported, disk still works")
        .expect_log("disk_test: 64 KiB read over the bad sector failed, the next one works")
        .expect_log("hda: dma_intr: status=0x");
}

/// The same errors on an AHCI disk: a one-sector read of the bad sector,
/// then a 64 KiB command with it in the middle, end with D_IO_ERROR (the
/// port's task file error), and the next commands work.
#[test]
fn ahci_read_error_fails_the_request_and_the_disk_goes_on() {
    disk_test_with_on(
        "disk-ahci-ioerror",
        "format=raw,if=none,id=d0",
        &["-device", "ahci,id=ahci", "-device", "ide-hd,drive=d0,bus=ahci.0"],
        "sd0",
        "ioerror",
        "",
        Some(IOERROR_CONF),
    )
    .expect_log("sda: AHCI port 0: QEMU HARDDISK")
    .expect_log("disk_test: I/O error reported, disk still works")
    .expect_log("disk_test: 64 KiB read over the bad sector failed, the next one works");
}

/// QEMU's blkdebug fails every read of sector 10300 (record 60 of hd0s2).
const IOERROR_CONF: &str = "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\nsector = \"10300\"\nonce = \"off\"\n";

/// The same error met by PIO.
#[test]
fn ide_pio_read_error_fails_the_request_and_the_disk_goes_on() {
    disk_test_with("disk-ioerror-pio", "format=raw,if=ide,index=0", "hd0", "ioerror", "hda=nodma", Some(IOERROR_CONF))
        .expect_log("disk_test: I/O error reported, disk still works")
        .expect_log("disk_test: 64 KiB read over the bad sector failed, the next one works")
        .expect_log("hda: read_intr: status=0x");
}

/// Blocks on the test CD (2 MiB: QEMU's CD-ROM takes any raw file).
const CD_BLOCKS: u32 = 1000;

/// An ATAPI CD-ROM as the second channel's master (`wcd2`, GNU Mach's name): 2048-byte
/// records, every block read back, writes refused with `D_READ_ONLY`; by
/// DMA through the PIIX3, then by PIO (`hdc=nodma`).
#[test]
fn atapi_cdrom_reads_2048_byte_records_and_is_read_only() {
    let prog = user_program("cd_test");
    let iso = mach_tests::log_dir().join("cdrom.img");
    mach_tests::cd::write_image(&iso, CD_BLOCKS);
    for (name, cmdline, dma) in [("cdrom", "", true), ("cdrom-pio", "hdc=nodma", false)] {
        let o = run(&boot(name, &format!("console=com0 test=bootstrap {cmdline}"))
            .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=2,media=cdrom", iso.display())])
            .module(&format!("{} ${{device-port}} wcd2 {CD_BLOCKS} $(task-create) $(task-resume)", prog.display())));
        o.expect(Verdict::Pass)
            .expect_log(&format!("wcd2: {CD_BLOCKS} records of 2048 bytes, read-only"))
            .expect_log("cd_test: every block read back")
            .expect_log("cd_test: writes refused with D_READ_ONLY")
            .expect_log("user-test: cd_test ok")
            .expect_no_log("FAILED");
        o.expect_log(&format!("hdc: ATAPI CD-ROM QEMU DVD-ROM, {CD_BLOCKS} blocks of 2048 bytes"));
        if dma {
            o.expect_log("hdc: bus-master DMA, multiword DMA mode 2");
        } else {
            o.expect_no_log("hdc: bus-master DMA");
        }
    }
}

/// A disk (master, `hd0`) and a CD-ROM (slave, `wcd1`) on the first
/// channel at once, each with its own test task running at the same time;
/// the host checks the disk image.
/// `bigio`'s image: byte i of sector L (as `bigio`'s `pattern`).
fn bigio_pattern(lba: u32, i: u32) -> u8 {
    if i < 4 {
        return lba.to_le_bytes()[i as usize];
    }
    (lba.wrapping_mul(31).wrapping_add(i.wrapping_mul(7)) ^ (lba >> 8)) as u8
}

/// Byte i of `bigio`'s write k.
fn bigio_wbyte(k: u32, i: u32) -> u8 {
    (i.wrapping_mul(13).wrapping_add(k.wrapping_mul(101)).wrapping_add(i >> 12) as u8) ^ 0xa5
}

/// Block I/O without copies (issue 13), by DMA on the PIIX3 and on AHCI:
/// `device_read`s of 1, 4 and 20 MiB and of odd sizes land in the reply's
/// pages byte-exact, and `device_write`s from buffers of every shape
/// (sector-misaligned, mid-page, multi-page, with an untouched page, 6 MiB)
/// go out from the request's pages: `bigio` reads each back, the host
/// replays them on the image and compares every byte, and the leak check
/// holds (no page left behind).
#[test]
fn block_io_lands_in_and_leaves_from_the_callers_pages() {
    // (record, bytes, untouched after this many bytes) of bigio's WRITES.
    const WRITES: [(u32, u32, u32); 6] =
        [(42900, 5000, 5000), (43009, 20000, 20000), (43100, 3 * 4096 + 512, 3 * 4096 + 512), (44000, 300 * 1024, 300 * 1024), (45000, 8192, 4096), (51200, 6 << 20, 6 << 20)];
    let ahci: &[&str] = &["-device", "ahci,id=ahci", "-device", "ide-hd,drive=d0,bus=ahci.0"];
    for (name, drive, devices, disk) in [("bigio-ide", "if=ide,index=0", &[][..], "hd0"), ("bigio-ahci", "if=none,id=d0", ahci, "sd0")] {
        let img = mach_tests::log_dir().join(format!("{name}.img"));
        let mut data = vec![0u8; 32 << 20];
        for (lba, sec) in data.chunks_exact_mut(512).enumerate() {
            for (i, b) in sec.iter_mut().enumerate() {
                *b = bigio_pattern(lba as u32, i as u32);
            }
        }
        std::fs::write(&img, &data).unwrap();
        let o = run(&boot(name, "console=com0 test=bootstrap")
            .memory(256)
            .qemu(&["-drive", &format!("file={},format=raw,{drive}", img.display())])
            .qemu(devices)
            .module(&format!("{} ${{device-port}} {disk} $(task-create) $(task-resume)", user_program("bigio").display())));
        o.expect(Verdict::Pass)
            .expect_log("bigio: device_read of 20 MiB at record 100: every byte right")
            .expect_log("bigio: reads of odd sizes: counts, bytes and zeroed page ends right")
            .expect_log("bigio: write 5 (6291456 bytes from page offset 0x0) read back")
            .expect_log("user-test: bigio ok")
            .expect_log("bootstrap: ipc consistent")
            .expect_no_log("FAILED");
        for (k, &(rec, bytes, touched)) in WRITES.iter().enumerate() {
            let at = rec as usize * 512;
            for i in 0..bytes {
                data[at + i as usize] = if i < touched { bigio_wbyte(k as u32, i) } else { 0 };
            }
        }
        let got = std::fs::read(&img).unwrap();
        assert_eq!(got.len(), data.len());
        if let Some(i) = (0..data.len()).find(|&i| got[i] != data[i]) {
            panic!("{name}: image byte {i} (sector {}) is {:#x}, expected {:#x}", i / 512, got[i], data[i]);
        }
    }
}

#[test]
fn ide_disk_and_cdrom_share_a_channel() {
    use mach_tests::disk;
    let (dt, ct) = (user_program("disk_test"), user_program("cd_test"));
    let dir = mach_tests::log_dir();
    let (img, iso) = (dir.join("disk-cd-hd0.img"), dir.join("disk-cd-hd1.iso"));
    disk::write_image(&img);
    mach_tests::cd::write_image(&iso, CD_BLOCKS);
    let o = run(&boot("disk-cd", "console=com0 test=bootstrap")
        .qemu(&[
            "-drive",
            &format!("file={},format=raw,if=ide,index=0", img.display()),
            "-drive",
            &format!("file={},format=raw,if=ide,index=1,media=cdrom", iso.display()),
        ])
        .module(&format!("{} ${{device-port}} hd0 $(task-create) $(task-resume)", dt.display()))
        .module(&format!("{} ${{device-port}} wcd1 {CD_BLOCKS} $(task-create) $(task-resume)", ct.display())));
    o.expect(Verdict::Pass)
        .expect_log("hd0: 32768 sectors (16 MiB), Mbr s1=2048+8192 s2=10240+8192 s3=18432+2 s5=20480+8192")
        .expect_log(&format!("wcd1: {CD_BLOCKS} records of 2048 bytes, read-only"))
        .expect_log("user-test: disk_test ok")
        .expect_log("user-test: cd_test ok")
        .expect_log("bootstrap: 2 boot task(s) ran and ended")
        .expect_no_log("FAILED");
    check_disk_test_image(&img, &o);
}

/// A 1.44 MB floppy (`fd0`, QEMU's isa-fdc, ISA DMA channel 2): every
/// sector read in records of 1 to 128 sectors, writes across track and
/// cylinder boundaries read back, and the host finds exactly them on the
/// image (`disk_test floppy`'s FLOPPY_WRITES, replayed here).
#[test]
fn floppy_reads_every_sector_and_writes_land() {
    use mach_tests::disk;
    const SECTORS: u64 = 2880;
    const WRITES: [(u64, u64); 4] = [(5, 1), (30, 20), (700, 100), (SECTORS - 3, 3)];
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join("floppy.img");
    let pristine: Vec<u8> = (0..SECTORS).flat_map(disk::sector_pattern).collect();
    std::fs::write(&img, &pristine).unwrap();
    let o = run(&boot("floppy", "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={},format=raw,if=floppy,index=0", img.display())])
        .module(&format!("{} ${{device-port}} fd0 floppy $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("fd0: 2880 sectors (1440 KiB)")
        .expect_log("disk_test: every floppy sector read back")
        .expect_log("disk_test: floppy writes read back")
        .expect_log("user-test: disk_test ok")
        .expect_no_log("FAILED");
    // Our floppy.c names the drive so; Linux 2.0.40's own floppy.c, built
    // instead (README), says it its way.
    if !o.log.contains("fd0: 1.44 MB drive at 0x3f0, irq 6, dma 2") && !o.log.contains("Floppy drive(s): fd0 is 1.44M") {
        panic!("{}", o.failure("no driver named the 1.44 MB drive"));
    }
    let mut want = pristine;
    for (k, &(lba, n)) in WRITES.iter().enumerate() {
        for j in 0..(n * 512) as usize {
            want[(lba * 512) as usize + j] = disk::sweep_byte(k as u32, j);
        }
    }
    let bytes = std::fs::read(&img).unwrap();
    if let Some(lba) = (0..SECTORS).find(|&l| disk::sector(&bytes, l) != disk::sector(&want, l)) {
        panic!("{}", o.failure(&format!("floppy sector {lba} differs from the writes")));
    }
}

/// The first 16 bytes of `img` as `media_change` logs them.
fn first_bytes(img: &[u8]) -> String {
    img[..16].iter().map(|b| format!(" {b:02x}")).collect()
}

/// A floppy changed under an open `fd0` (QEMU's monitor `change`): the next
/// read fails with D_IO_ERROR (2500), as GNU Mach's Linux floppy driver
/// fails requests after the disk-change line rose; a new device_open sees
/// the new disk, whose first bytes the host checks. Then `eject`: a read
/// fails, and an open answers D_NO_SUCH_DEVICE (2502; Linux's ENXIO).
#[test]
fn floppy_medium_change_fails_a_read_and_the_next_open_reads_the_new_disk() {
    use mach_tests::disk;
    const SECTORS: u64 = 2880;
    let prog = user_program("media_change");
    let dir = mach_tests::log_dir();
    let (a, b) = (dir.join("floppy-change-a.img"), dir.join("floppy-change-b.img"));
    let first: Vec<u8> = (0..SECTORS).flat_map(disk::sector_pattern).collect();
    let second: Vec<u8> = first.iter().map(|v| !v).collect();
    std::fs::write(&a, &first).unwrap();
    std::fs::write(&b, &second).unwrap();
    let o = run(&boot("floppy-change", "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={},format=raw,if=floppy,index=0", a.display())])
        .monitor_on("media_change: change the medium now", &format!("change floppy0 {} raw", b.display()))
        .monitor_on("media_change: take the medium out now", "eject floppy0")
        .module(&format!("{} ${{device-port}} fd0 $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("media_change: fd0 opened: 1474560 bytes in records of 512")
        .expect_log(&format!("media_change: first medium record 0:{}", first_bytes(&first)))
        .expect_log("media_change: read after the change failed: 2500")
        .expect_log("media_change: fd0 reopened: 1474560 bytes in records of 512")
        .expect_log(&format!("media_change: second medium record 0:{}", first_bytes(&second)))
        .expect_log("media_change: read after the eject failed: 2500")
        .expect_log("media_change: open with no medium failed: 2502")
        .expect_log("user-test: media_change ok")
        .expect_no_log("FAILED");
}

/// A CD changed under an open `wcd2` for a smaller one: the next read fails
/// with D_IO_ERROR (the drive's UNIT ATTENTION, as Linux 2.0's ide-cd
/// fails it), and a new device_open reports the new disc's size. Then
/// `eject`: a read fails, and an open answers D_NO_SUCH_DEVICE.
#[test]
fn cdrom_medium_change_fails_a_read_and_the_next_open_has_the_new_size() {
    let prog = user_program("media_change");
    let dir = mach_tests::log_dir();
    let (a, b) = (dir.join("cd-change-a.img"), dir.join("cd-change-b.img"));
    mach_tests::cd::write_image(&a, CD_BLOCKS);
    mach_tests::cd::write_image(&b, 600);
    let o = run(&boot("cdrom-change", "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=2,media=cdrom", a.display())])
        .monitor_on("media_change: change the medium now", &format!("change ide1-cd0 {} raw", b.display()))
        .monitor_on("media_change: take the medium out now", "eject ide1-cd0")
        .module(&format!("{} ${{device-port}} wcd2 $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log(&format!("media_change: wcd2 opened: {} bytes in records of 2048", CD_BLOCKS * 2048))
        .expect_log("media_change: read after the change failed: 2500")
        .expect_log("media_change: wcd2 reopened: 1228800 bytes in records of 2048")
        .expect_log("wcd2: new medium, 2400 sectors")
        .expect_log("media_change: read after the eject failed: 2500")
        .expect_log("media_change: open with no medium failed: 2502")
        .expect_log("user-test: media_change ok")
        .expect_no_log("FAILED");
}

/// An AHCI SATA disk (QEMU's ICH9 `ahci`, port 0) as `sd0`, GNU Mach's
/// name: the partition checks and host-checked writes of `disk_test`.
#[test]
fn ahci_disk_serves_partitions() {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join("disk-ahci.img");
    disk::write_image(&img);
    let o = run(&boot("disk-ahci", "console=com0 test=bootstrap")
        .qemu(&[
            "-device",
            "ahci,id=ahci",
            "-drive",
            &format!("file={},format=raw,if=none,id=d0", img.display()),
            "-device",
            "ide-hd,drive=d0,bus=ahci.0",
        ])
        .module(&format!("{} ${{device-port}} sd0 $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("sda: AHCI port 0: QEMU HARDDISK, 16 MiB, 32768 sectors")
        .expect_log("sd0: 32768 sectors (16 MiB), Mbr s1=2048+8192 s2=10240+8192 s3=18432+2 s5=20480+8192")
        .expect_log("disk_test: patterns read back")
        .expect_log("disk_test: writes read back")
        .expect_log("user-test: disk_test ok")
        .expect_no_log("FAILED");
    check_disk_test_image(&img, &o);
}

/// Every sector of an AHCI disk read (records of 1 to 256 sectors, one
/// command each), random writes replayed and compared by the host.
#[test]
fn ahci_reads_every_sector_and_random_writes_land() {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join("disk-ahci-sweep.img");
    disk::write_image(&img);
    let o = run(&boot("disk-ahci-sweep", "console=com0 test=bootstrap")
        .qemu(&[
            "-device",
            "ahci,id=ahci",
            "-drive",
            &format!("file={},format=raw,if=none,id=d0", img.display()),
            "-device",
            "ide-hd,drive=d0,bus=ahci.0",
        ])
        .module(&format!("{} ${{device-port}} sd0 sweep $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("disk_test: every sector read back")
        .expect_log(&format!("disk_test: {} random writes done", disk::SWEEP_WRITES))
        .expect_log("user-test: disk_test ok")
        .expect_no_log("FAILED");
    let bytes = std::fs::read(&img).expect("reading the disk image back");
    let want = disk::image_after_sweep();
    if let Some(lba) = (0..disk::SECTORS).find(|&l| disk::sector(&bytes, l) != disk::sector(&want, l)) {
        panic!("{}", o.failure(&format!("sector {lba} differs from the replayed writes")));
    }
}

#[test]
fn ide_lba48_reaches_past_128_gib() {
    use mach_tests::disk;
    let prog = user_program("disk_test");
    let img = mach_tests::log_dir().join("disk-lba48.img");
    disk::write_image(&img);
    // 200 GiB, sparse; the pattern at a sector LBA28 cannot address.
    let high: u64 = 0x1000_0000 + 5;
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&img).unwrap();
        f.set_len(200 << 30).unwrap();
        f.seek(SeekFrom::Start(high * 512)).unwrap();
        f.write_all(&disk::sector_pattern(high)).unwrap();
    }
    let o = run(&boot("disk-lba48", "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())])
        .module(&format!("{} ${{device-port}} hd0 lba48 $(task-create) $(task-resume)", prog.display())));
    o.expect(Verdict::Pass)
        .expect_log("hda: QEMU HARDDISK, 204800 MiB, 419430400 sectors, LBA LBA48")
        .expect_log("disk_test: LBA48 sectors read and written")
        .expect_log("user-test: disk_test ok");
    let mut got = vec![0u8; 1024];
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(&img).unwrap();
        f.seek(SeekFrom::Start((high + 1) * 512)).unwrap();
        f.read_exact(&mut got).unwrap();
    }
    assert!(got.iter().enumerate().all(|(i, &b)| b == disk::written_byte(i)), "{}", o.failure("LBA48 write not on the image"));
    let _ = std::fs::remove_file(&img);
}

// ---------------------------------------------------------------------------
// Real GNU Hurd programs (`../shared/hurd`, beside the repository; see its
// README), run unchanged as a Hurd boot runs them on GNU Mach.

/// A program of `../shared/hurd`, or `None` (and a notice) when that folder
/// is absent, as in a fresh clone: these binaries are test data kept
/// outside the repository.
fn hurd_program(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/hurd");
    let p = dir.join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent (the real Hurd programs live in ../shared/hurd beside the repository, not in it)", p.display());
        None
    }
}

/// Boots Hurd program `prog` as the only boot-script module with the line
/// a Hurd boot uses, on the IDE disk `image` (`hd0`).
fn hurd_boot(name: &str, prog: &std::path::Path, image: &std::path::Path) -> mach_tests::Outcome {
    run(&boot(name, "console=com0 test=bootstrap")
        .memory(512)
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", image.display())])
        .module(&format!(
            "{} --multiboot-command-line=${{kernel-command-line}} --host-priv-port=${{host-port}} --device-master-port=${{device-port}} -T typed device:hd0 $(task-create) $(task-resume)",
            prog.display()
        )))
}

/// A small directory tree for file-system images.
fn hurd_tree(name: &str) -> PathBuf {
    let dir = mach_tests::log_dir().join(format!("{name}.tree"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("hello.txt"), b"hello from the host\n").unwrap();
    std::fs::write(dir.join("sub/data.bin"), vec![0x5Au8; 10000]).unwrap();
    dir
}

/// An ISO 9660 image (Rock Ridge) of a small tree, made with xorriso.
fn iso_image(name: &str) -> PathBuf {
    let tree = hurd_tree(name);
    let img = mach_tests::log_dir().join(format!("{name}.iso"));
    let _ = std::fs::remove_file(&img);
    let st = std::process::Command::new("xorriso")
        .args(["-as", "mkisofs", "-R", "-quiet", "-o"])
        .arg(&img)
        .arg(&tree)
        .status()
        .expect("running xorriso");
    assert!(st.success(), "xorriso failed");
    img
}

/// `iso9660fs.static` reads the disk's volume descriptors and root
/// directory through `hd0`, then stops where GNU Mach 1.8 stops it too: no
/// exec server was given, so `diskfs_start_bootstrap` asserts. Its glibc
/// start-up needs `i386_set_gdt` (TLS through `%gs`), the FPU, the
/// `syscall_vm_map` trap on the `time` device's memory object.
#[test]
fn hurd_iso9660fs_reads_an_iso_image_up_to_its_bootstrap() {
    let Some(prog) = hurd_program("iso9660fs.static") else { return };
    let img = iso_image("hurd-iso9660fs");
    hurd_boot("hurd-iso9660fs", &prog, &img)
        .expect(Verdict::Pass)
        .expect_log("diskfs_start_bootstrap: Assertion `_hurd_ports' failed.")
        .expect_no_log("Could not find valid superblock")
        .expect_log("bootstrap: ipc consistent");
}

/// With the primary volume descriptor zeroed, `iso9660fs.static` finds no
/// file system, as on GNU Mach 1.8.
#[test]
fn hurd_iso9660fs_refuses_an_image_without_volume_descriptor() {
    let Some(prog) = hurd_program("iso9660fs.static") else { return };
    let img = iso_image("hurd-iso9660fs-zeroed");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&img).unwrap();
        f.seek(SeekFrom::Start(32768)).unwrap();
        f.write_all(&[0u8; 2048]).unwrap();
    }
    hurd_boot("hurd-iso9660fs-zeroed", &prog, &img)
        .expect(Verdict::Pass)
        .expect_log("Could not find valid superblock")
        .expect_no_log("diskfs_start_bootstrap")
        .expect_log("bootstrap: ipc consistent");
}

/// `ufs.static` on an FFS image made with `makefs` (Debian package
/// `makefs`) reaches the same bootstrap assertion.
#[test]
fn hurd_ufs_reads_an_ffs_image_up_to_its_bootstrap() {
    let Some(prog) = hurd_program("ufs.static") else { return };
    if std::process::Command::new("makefs").arg("-h").output().is_err() {
        eprintln!("SKIPPED: makefs is not installed (Debian package makefs; `cargo xtask test` installs it as root)");
        return;
    }
    let tree = hurd_tree("hurd-ufs");
    let img = mach_tests::log_dir().join("hurd-ufs.img");
    let _ = std::fs::remove_file(&img);
    let st = std::process::Command::new("makefs")
        .args(["-t", "ffs", "-o", "version=1", "-s", "32m"])
        .arg(&img)
        .arg(&tree)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("running makefs");
    assert!(st.success(), "makefs failed");
    hurd_boot("hurd-ufs", &prog, &img)
        .expect(Verdict::Pass)
        .expect_log("diskfs_start_bootstrap: Assertion `_hurd_ports' failed.")
        .expect_log("bootstrap: ipc consistent");
    let _ = std::fs::remove_file(&img);
}

/// Per-thread user descriptors (`mach_i386.defs`): two threads with the
/// same selectors read their own words through `%gs` (a GDT slot) and
/// `%fs` (an LDT entry) across many switches; GNU Mach's checks.
#[test]
fn tls_and_ldt_descriptors_are_per_thread() {
    let prog = user_program("segments");
    run(&boot("segments", "test=bootstrap").module(&format!("{} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("segments: two threads read their own %gs and %fs words 400 times each")
        .expect_log("segments: i386_set_ldt with an in-line list of 2 entries")
        .expect_log("segments: i386_REGS_SEGS_STATE: B's %gs 0x4b -> 0x53 (a free slot) -> null")
        .expect_log("user-test: segments ok")
        .expect_log("bootstrap: ipc consistent");
}

/// The x87 per thread: two tasks sum 3 x 3,000,000 numbers in all eight
/// x87 registers with different control words at the same time (many
/// preemptions) and check the sums bit for bit; `i386_FLOAT_STATE` reads
/// and writes a thread's registers; an unmasked x87 exception is
/// `EXC_ARITHMETIC`; `thread_get_state` on the caller is refused.
#[test]
fn fpu_state_is_per_thread_and_readable() {
    let prog = user_program("fpu");
    run(&boot("fpu", "test=bootstrap")
        .module(&format!("{} 1 895 state $(task-create) $(task-resume)", prog.display()))
        .module(&format!("{} 2 3711 $(task-create) $(task-resume)", prog.display())))
    .expect(Verdict::Pass)
    .expect_log("fpu: a new thread's control word is 0xb7f (its creator's 0xb7f)")
    .expect_log("fpu: i386_FLOAT_STATE read 1.0 and pi, and the 2.0 written came back")
    // EXC_ARITHMETIC (3), EXC_I386_EXTERR (5), the status word with ZE.
    .expect_log("fpu: division by zero: exception 3 code 5")
    .expect_log("fpu: seed 1: 3 x 3000000 x87 additions exact, control word 0x37f kept")
    .expect_log("fpu: seed 2: 3 x 3000000 x87 additions exact, control word 0xe7f kept")
    .expect_no_log("FAILED")
    .expect_log("bootstrap: ipc consistent");
}

/// I/O permissions: a task granted COM1's ports 0x3f8-0x3ff
/// (`i386_io_perm_create` on the device master port, then
/// `i386_io_perm_modify`) reads the UART's scratch register back; once
/// withdrawn, and in a task never granted it, `in` is an exception
/// (EXC_BAD_INSTRUCTION, general protection); the permission object goes
/// with its last send right (no leak).
#[test]
fn io_ports_are_granted_per_task() {
    let prog = user_program("io_perm");
    run(&boot("io_perm", "test=bootstrap")
        .module(&format!("{} ${{device-port}} grant $(task-create) $(task-resume)", prog.display()))
        .module(&format!("{} ${{device-port}} deny $(task-create) $(task-resume)", prog.display())))
    .expect(Verdict::Pass)
    .expect_log("io_perm: granted 0x3f8-0x3ff: the UART scratch register reads back what was written")
    .expect_log("io_perm: withdrawn: in from 0x3ff raised exception 2 code 13")
    .expect_log("io_perm: not granted: in from 0x3ff raised exception 2 code 13")
    .expect_no_log("FAILED")
    .expect_log("bootstrap: ipc consistent");
}

/// The kernel leaves the FPU to user threads (it is switched lazily, so a
/// kernel FPU instruction would change a user thread's registers): its
/// image holds no x87 or SSE computation, only the save, restore and reset
/// instructions of `i386/fpu.rs`. (LLVM turns 64-bit atomic loads and
/// stores on i586 into `fild`/`fistp`; `i386/atomic64.rs` avoids them.)
#[test]
fn kernel_image_executes_no_fpu_arithmetic() {
    let out = std::process::Command::new("objdump").args(["-d", "--no-show-raw-insn"]).arg(kernel()).output().expect("running objdump (binutils)");
    assert!(out.status.success(), "objdump failed");
    let text = String::from_utf8_lossy(&out.stdout);
    const ALLOWED: &[&str] = &["fxsave", "fxrstor", "fnsave", "frstor", "fninit", "fnstcw", "fldcw"];
    let mut func = "";
    let mut bad = Vec::new();
    for line in text.lines() {
        if line.ends_with(">:") {
            func = line;
            continue;
        }
        let Some(insn) = line.split('\t').nth(1) else { continue };
        let m = insn.split_whitespace().next().unwrap_or("");
        let x87 = m.starts_with('f') && !ALLOWED.contains(&m);
        let sse = ["movs", "movap", "movup", "movq", "movd", "xorp", "addsd", "addss", "cvt", "pxor"].iter().any(|p| m.starts_with(p)) && insn.contains("%xmm");
        if x87 || sse {
            bad.push(format!("{func} {insn}"));
        }
    }
    assert!(bad.is_empty(), "FPU instructions in the kernel:\n{}", bad[..bad.len().min(20)].join("\n"));
}
