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
        .expect_log("trap 14 (page fault) err=0x0 cr2=0xf00d0000 (read, not present, kernel)")
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
    // 2001-02-03T04:05:06Z is 981173106 s after the epoch.
    run(&boot("rtc", "test=boot").qemu(&["-rtc", "base=2001-02-03T04:05:06"]))
        .expect(Verdict::Pass)
        .expect_log("RTC 981173106 s since 1970");
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
        .expect_log("ipc_tests: receive right moved ok")
        .expect_log("ipc_tests: no-senders: code 0x0 id 70 mscount 1")
        .expect_log("ipc_tests: notifications ok")
        .expect_log("ipc_tests: blocked sender ok")
        .expect_log("ipc_tests: aborted receive returned 0x10004005")
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
    run(&boot("crashers", "test=bootstrap")
        .module(&format!("{} ${{device-port}} ${{host-port}} $(task-create) $(task-resume)", crashers.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]))
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

/// `fuzz` (what `cargo xtask fuzz` runs), CI-sized: 30,000 seeded random
/// and malformed messages and traps at the kernel's ports, liveness checks
/// (a disk record reads back unchanged), then the leak check.
#[test]
fn fuzz_messages_and_traps_leave_the_kernel_alive_and_nothing_leaks() {
    let img = mach_tests::log_dir().join("fuzz-disk.img");
    std::fs::write(&img, (0..1u32 << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>()).unwrap();
    let fuzz = user_program("fuzz");
    run(&boot("fuzz", "test=bootstrap")
        .module(&format!("{} 30000 16 ${{device-port}} ${{host-port}} $(task-create) $(task-resume)", fuzz.display()))
        .qemu(&["-drive", &format!("file={},format=raw,if=ide,index=0", img.display())]))
    .expect(Verdict::Pass)
    .expect_log("fuzz: 30000 messages, alive")
    .expect_log("fuzz: histogram of 30000 return codes")
    .expect_log("fuzz: 0 stray messages on the stubs' reply port")
    .expect_log("fuzz: 30000 messages and traps, the kernel is alive")
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
    assert!(com1.contains("pong\n") && com1.contains("async\n") && com1.contains("again\n"), "{}", o.failure(&format!("com1 got {com1:?}")));
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

/// host_set_time, host_adjust_time (gradual), host_get_boot_info for the
/// privileged host port only; task_set_name, vm_cache_statistics,
/// task_set_essential.
#[test]
fn host_time_boot_info_and_task_names() {
    let prog = user_program("hostctl");
    run(&boot("hostctl", "test=bootstrap").module(&format!("{} ${{host-port}} $(task-create) $(task-resume)", prog.display())))
        .expect(Verdict::Pass)
        .expect_log("hostctl: time set to 1000000000.")
        .expect_log("hostctl: adjustment pending 3599.99")
        .expect_log("hostctl: boot info '").expect_log(" test=bootstrap'")
        .expect_log("user-test: hostctl ok")
        .expect_log("hostctl: vm_cache_statistics: ")
        .expect_log("(renamed-task!) was essential")
        .expect_log("(renamed-task!) terminated")
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
        .expect_log("user-test: net_test ok")
        .expect_log(", 3 dropped")
        .expect_log("bootstrap: ipc consistent; ports 7 -> 7, spaces 0 -> 0");
}

#[test]
fn ne2000_pci_sends_arp_and_filters_the_reply() {
    let o = net_test_boot("net-ne2k-pci", &["-nic", "user,model=ne2k_pci,mac=52:54:00:12:34:56"]);
    expect_net_test(&o);
    // The glue's line, whichever ne.c probed (ours or Linux's own).
    o.expect_log("irq 11 address 52:54:00:12:34:56");
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
/// sends frames of every size from 60 to 1514 bytes (twice over), each
/// with its own pattern, and checks each echo byte for byte; ends with
/// STOP, after which the guest writes 64 full-size frames back to back,
/// which must all arrive, in order. Returns every frame on the wire in
/// order (READY, then frame and echo pairs, STOP and its echo, the burst),
/// or why it failed.
fn net_echo_host(sock: std::net::UdpSocket, guest: std::net::SocketAddr) -> Result<Vec<Vec<u8>>, String> {
    const GUEST: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
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
        f[..6].copy_from_slice(&GUEST);
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
    let sizes: Vec<usize> = (60..=1514).chain(60..=1514).collect();
    for (i, &size) in sizes.iter().enumerate().chain([(sizes.len(), &60)]) {
        let stop = i == sizes.len();
        let f = frame(i, size, stop);
        sock.send_to(&f, guest).map_err(|e| e.to_string())?;
        let n = sock.recv(&mut buf).map_err(|e| format!("no echo of frame {i} ({size} bytes): {e}"))?;
        let e = &buf[..n];
        if n != size || e[..6] != HOST || e[6..12] != GUEST || e[12..] != f[12..] {
            return Err(format!("echo of frame {i} ({size} bytes) differs: {n} bytes back"));
        }
        wire.push(f);
        wire.push(e.to_vec());
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
/// QEMU `dgram` netdev and an NE2000: every byte and the count checked on
/// the host, a back-to-back burst loses nothing, and QEMU's own pcap of the
/// NIC (`filter-dump`) shows exactly those frames in that order.
#[test]
fn ne2000_exchanges_frames_of_every_size_with_the_host() {
    use std::net::UdpSocket;
    let prog = user_program("net_echo");
    let host = UdpSocket::bind("127.0.0.1:0").unwrap();
    let hport = host.local_addr().unwrap().port();
    let gport = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let pcap = mach_tests::log_dir().join("net-echo.pcap");
    let _ = std::fs::remove_file(&pcap);
    let netdev = format!("dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={gport},remote.type=inet,remote.host=127.0.0.1,remote.port={hport}");
    let dump = format!("filter-dump,id=d0,netdev=n0,file={}", pcap.display());
    let guest: std::net::SocketAddr = format!("127.0.0.1:{gport}").parse().unwrap();
    let peer = std::thread::spawn(move || net_echo_host(host, guest));
    let o = run(&boot("net-echo", "test=bootstrap")
        .timeout(Duration::from_secs(180))
        .qemu(&["-nic", "none", "-netdev", &netdev, "-device", "ne2k_pci,netdev=n0,mac=52:54:00:12:34:56", "-object", &dump])
        .module(&format!("{} ${{device-port}} $(task-create) $(task-resume)", prog.display())));
    let wire = peer.join().unwrap();
    o.expect(Verdict::Pass)
        .expect_log("net_echo: 64 frames of 1514 bytes written back to back")
        .expect_log("net_echo: 2910 frames echoed")
        .expect_log("user-test: net_echo ok");
    let wire = wire.unwrap_or_else(|e| panic!("{}", o.failure(&e)));
    assert_eq!(wire.len(), 1 + 2 * 2911 + 64);
    let dumped = pcap_frames(&std::fs::read(&pcap).expect("reading the pcap"));
    assert_eq!(dumped.len(), wire.len(), "{}", o.failure("pcap frame count"));
    for (i, (d, w)) in dumped.iter().zip(&wire).enumerate() {
        assert_eq!(d, w, "{}", o.failure(&format!("pcap frame {i} differs")));
    }
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
fn disk_test(name: &str, drive: &str, disk: &str) {
    disk_test_with(name, drive, disk, "", None);
}

/// As [`disk_test`], with disk_test's third argument `extra`; `blkdebug`
/// (a blkdebug configuration) puts QEMU's error injection under the disk.
fn disk_test_with(name: &str, drive: &str, disk: &str, extra: &str, blkdebug: Option<&str>) -> mach_tests::Outcome {
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
    let o = run(&boot(name, "console=com0 test=bootstrap")
        .qemu(&["-drive", &format!("file={file},{drive}")])
        .module(&format!("{} ${{device-port}} {disk} {extra} $(task-create) $(task-resume)", prog.display())));
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
    disk_test("disk-ide0-master", "format=raw,if=ide,index=0", "hd0");
}

#[test]
fn ide_disk_slave_on_the_second_channel_serves_partitions() {
    // index=3: the second channel's slave (QEMU's CD-ROM is its master), hd3.
    disk_test("disk-ide1-slave", "format=raw,if=ide,index=3", "hd3");
}

#[test]
fn ide_read_error_fails_the_request_and_the_disk_goes_on() {
    // QEMU's blkdebug fails every read of sector 10300 (record 60 of hd0s2).
    let conf = "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\nsector = \"10300\"\nonce = \"off\"\n";
    disk_test_with("disk-ioerror", "format=raw,if=ide,index=0", "hd0", "ioerror", Some(conf))
        .expect_log("disk_test: I/O error reported, disk still works")
        .expect_log("hda: read_intr: status=0x");
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
