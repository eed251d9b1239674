//! `cargo xtask`: the project's commands.
//!
//! - `build`  builds the kernel image and prints its path as the last line.
//! - `run`    builds and boots it in QEMU, serial console on this terminal.
//! - `test`   host unit tests, then the QEMU integration tests.
//! - `bench`  boots several times and prints start-up figures (medians);
//!   with `--against gnumach`, Mach's primitives on this kernel and on GNU Mach;
//!   with `--against linux`, the device figures on this kernel and Linux 6.1.
//! - `profile` boots a program and prints where the kernel's time goes.
//! - `iso`    a GRUB rescue ISO with the kernel (and modules) for real hardware.
//!
//! Every command first installs what it lacks (the rustup target and the
//! Debian packages), or, without root, prints the command that would.

mod against;
mod debian;
mod linux;
mod profile;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TARGET: &str = "i586-unknown-linux-gnu";

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <command>\n\
         \n  build [--debug]                 build the kernel; prints the image path last\
         \n  run [--mem MIB] [--append ARGS] [--module 'FILE ARGS']... [-- QEMU-ARGS]\
         \n                                  boot in QEMU with the serial console here\
         \n  test [FILTER]                   host unit tests, then QEMU integration tests\
         \n  bench [--boots N] [--disk-mib M] [--devices] [--nic MODEL]\
         \n                                  start-up (N boots, median), IPC/VM and device figures\
         \n                                  (an M MiB disk, 256 by default); --devices: devices only;\
         \n                                  --nic: one NIC model (default ne2k_pci, rtl8139, pcnet, i82557b, e1000)\
         \n  bench --against gnumach [--boots N] [--gnumach-image PATH] [--icount]\
         \n                                  Mach's primitives on this kernel and GNU Mach 1.8\
         \n  bench --against linux [--boots N] [--disk-mib M] [--nic MODEL]\
         \n                                  device figures on this kernel and a Linux 6.1 guest\
         \n  bench --stress [--only NAME] [--fuzz-messages N] [--seed S]\
         \n                                  full-size load runs: 1 GiB of random disk writes, 1000 task\
         \n                                  cycles, 32 busy tasks, 1M frames each way, then N fuzz\
         \n                                  messages (10,000,000; 0 skips)\
         \n  profile [--seconds N] [--delay S] [--callers] -- BOOT-SCRIPT-LINE\
         \n                                  where kernel time goes (PC samples)\
         \n  fuzz [--messages N] [--seed S]  N seeded random messages and traps at the kernel's\
         \n                                  ports from a user task (20000, seed 1), then the leak check\
         \n  iso [--cmdline ARGS] [--module 'FILE ARGS']... [--out PATH]\
         \n                                  GRUB rescue ISO; prints its path last\
         \n\nQEMU_ACCEL=kvm selects KVM (the default is TCG)."
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { return usage() };
    let rest = &args[1..];
    let result = match cmd.as_str() {
        "build" => cmd_build(rest),
        "run" => cmd_run(rest),
        "test" => cmd_test(rest),
        "bench" => cmd_bench(rest),
        "profile" => profile::run(rest),
        "fuzz" => cmd_fuzz(rest),
        "iso" => cmd_iso(rest),
        "mig" => cmd_mig(rest),
        "-h" | "--help" | "help" => return usage(),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Runs `c`, failing with its description when it does not succeed.
fn status(mut c: Command, what: &str) -> Result {
    let s = c.status().map_err(|e| format!("{what}: cannot start: {e}"))?;
    if s.success() { Ok(()) } else { Err(format!("{what} failed ({s})")) }
}

/// Takes the value after option `name` out of `args`.
fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != name);
    args.len() != before
}

fn take_opt(args: &mut Vec<String>, name: &str) -> Result<Option<String>> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) if i + 1 < args.len() => {
            let v = args.remove(i + 1);
            args.remove(i);
            Ok(Some(v))
        }
        Some(_) => Err(format!("{name} needs a value")),
    }
}

fn take_all(args: &mut Vec<String>, name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    while let Some(v) = take_opt(args, name)? {
        out.push(v);
    }
    Ok(out)
}

/// Builds the kernel image; returns its path.
fn build_kernel(release: bool) -> Result<PathBuf> {
    setup::ensure()?;
    let mut c = cargo();
    c.args(["build", "--package", "mach-kernel", "--bin", "mach", "--target", TARGET]);
    if release {
        c.arg("--release");
    }
    status(c, "building the kernel")?;
    let image = target_dir().join(TARGET).join(if release { "release" } else { "debug" }).join("mach");
    if !image.exists() {
        return Err(format!("{} was not produced", image.display()));
    }
    Ok(image)
}

/// Builds the user programs (`user/`, test programs run as boot modules);
/// returns the directory holding them.
fn build_user() -> Result<PathBuf> {
    let mut c = cargo();
    c.args(["build", "--package", "mach-user", "--bins", "--target", TARGET, "--release"]);
    status(c, "building the user programs")?;
    Ok(target_dir().join(TARGET).join("release"))
}

fn cmd_build(args: &[String]) -> Result {
    let debug = args.iter().any(|a| a == "--debug");
    let image = build_kernel(!debug)?;
    println!("{}", image.display());
    Ok(())
}

fn cmd_run(args: &[String]) -> Result {
    let mut args = args.to_vec();
    let qemu_extra: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => {
            let extra = args[i + 1..].to_vec();
            args.truncate(i);
            extra
        }
        None => Vec::new(),
    };
    let mem = take_opt(&mut args, "--mem")?.unwrap_or_else(|| "256".into());
    let append = take_opt(&mut args, "--append")?.unwrap_or_else(|| "console=com0".into());
    let mut modules = take_all(&mut args, "--module")?;
    if let Some(a) = args.first() {
        return Err(format!("unknown argument {a}"));
    }
    let image = build_kernel(true)?;
    if modules.is_empty() {
        // The demonstration boot tasks: rights from the boot script, RPCs,
        // then the disk and the network through device ports.
        let user = build_user()?;
        modules.push(format!("{} ${{host-port}} ${{device-port}} $(task-create) $(task-resume)", user.join("hello").display()));
        modules.push(format!("{} $(task-create) $(task-resume)", user.join("rpc").display()));
        modules.push(format!("{} ${{device-port}} $(task-create) $(task-resume)", user.join("demo").display()));
    }
    // A scratch IDE disk and an NE2000 PCI NIC on QEMU's user network, the
    // devices the Linux drivers serve.
    let disk = target_dir().join("run-disk.img");
    run_disk(&disk)?;
    let mut c = Command::new("qemu-system-i386");
    c.args(["-accel", &std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into())]);
    c.args(["-m", &mem, "-display", "none", "-serial", "mon:stdio", "-no-reboot"]);
    c.arg("-drive").arg(format!("file={},format=raw,if=ide,index=0", disk.display()));
    c.args(["-nic", "user,model=ne2k_pci"]);
    c.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    c.arg("-kernel").arg(&image).arg("-append").arg(&append);
    if !modules.is_empty() {
        c.arg("-initrd").arg(modules.join(","));
    }
    c.args(&qemu_extra);
    eprintln!("xtask run: booting {} (Ctrl-A X quits QEMU)", image.display());
    let s = c.status().map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    // 33 is the kernel's success status through isa-debug-exit.
    if s.success() || s.code() == Some(33) { Ok(()) } else { Err(format!("QEMU ended with {s}")) }
}

/// `cargo xtask fuzz`: boots the `fuzz` program (see
/// `user/src/bin/fuzz.rs`) with `test=bootstrap`, so that the kernel's leak
/// check runs after it, on a 1 MiB scratch disk for its liveness reads;
/// the serial log goes to `target/fuzz.log`, its summary to the terminal.
/// Passes when the program reports success and the kernel's checks hold.
fn cmd_fuzz(args: &[String]) -> Result {
    let mut args = args.to_vec();
    let messages = take_opt(&mut args, "--messages")?.unwrap_or_else(|| "20000".into());
    let messages: u32 = messages.parse().map_err(|_| "--messages wants a number below 2^32")?;
    let seed = take_opt(&mut args, "--seed")?.unwrap_or_else(|| "1".into());
    let seed: u32 = seed.parse().map_err(|_| "--seed wants a number below 2^32")?;
    // `--trace`: the program prints each message and trap before it goes.
    let trace = args.iter().position(|a| a == "--trace").map(|i| args.remove(i)).is_some();
    if let Some(a) = args.first() {
        return Err(format!("unknown argument {a}"));
    }
    let image = build_kernel(true)?;
    let user = build_user()?;
    let disk = target_dir().join("fuzz-disk.img");
    let pattern: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&disk, pattern).map_err(|e| format!("writing {}: {e}", disk.display()))?;
    let log = target_dir().join("fuzz.log");
    // TCG runs several hundred messages a second; the deadline leaves room.
    let deadline = 120 + u64::from(messages) / 100;
    let mut c = Command::new("qemu-system-i386");
    c.args(["-accel", &std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into())]);
    c.args(["-m", "128", "-display", "none", "-monitor", "none", "-no-reboot"]);
    c.arg("-serial").arg(format!("file:{}", log.display()));
    c.arg("-drive").arg(format!("file={},format=raw,if=ide,index=0", disk.display()));
    c.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    c.arg("-kernel").arg(&image);
    c.arg("-append").arg(format!("console=com0 test=bootstrap bootstrap-deadline={deadline}"));
    let trace = if trace { " trace" } else { "" };
    c.arg("-initrd").arg(format!("{} {messages} {seed} ${{device-port}} ${{host-port}}{trace} $(task-create) $(task-resume)", user.join("fuzz").display()));
    eprintln!("xtask fuzz: {messages} messages, seed {seed}; log in {}", log.display());
    let s = c.status().map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let summary = |l: &str| ["fuzz:", "user-test:", "bootstrap:", "ktest:"].iter().any(|p| l.starts_with(p)) || l.contains("panic");
    for line in text.lines().filter(|l| summary(l)) {
        println!("{line}");
    }
    // 33 is the kernel's success status through isa-debug-exit.
    if s.code() == Some(33) && text.contains("user-test: fuzz ok") {
        Ok(())
    } else {
        Err(format!("the fuzz run failed (QEMU: {s}); see {}", log.display()))
    }
}

/// The scratch disk of `cargo xtask run`: 32 MiB with an MBR of two
/// partitions (Linux, 16 MiB from sector 2048; swap, the rest), made when
/// missing; an existing image keeps its contents and only gets the table
/// if its first sector has none.
fn run_disk(disk: &Path) -> Result {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(disk)
        .map_err(|e| format!("opening {}: {e}", disk.display()))?;
    const SECTORS: u32 = 32 << 11;
    if f.metadata().map_err(|e| e.to_string())?.len() < u64::from(SECTORS) * 512 {
        f.set_len(u64::from(SECTORS) * 512).map_err(|e| e.to_string())?;
    }
    let mut mbr = [0u8; 512];
    f.read_exact(&mut mbr).map_err(|e| e.to_string())?;
    if mbr[510..] == [0x55, 0xaa] {
        return Ok(());
    }
    for (i, (kind, start, count)) in [(0x83u8, 2048u32, 32768u32), (0x82, 34816, SECTORS - 34816)].into_iter().enumerate() {
        let e = &mut mbr[446 + 16 * i..462 + 16 * i];
        e[4] = kind;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
    }
    mbr[510..].copy_from_slice(&[0x55, 0xaa]);
    f.seek(SeekFrom::Start(0)).and_then(|_| f.write_all(&mbr)).map_err(|e| format!("writing {}: {e}", disk.display()))
}

fn cmd_test(args: &[String]) -> Result {
    setup::ensure()?;
    eprintln!("== host unit tests");
    let mut c = cargo();
    c.args(["test", "--workspace", "--exclude", "mach-kernel", "--exclude", "mach-user"]);
    status(c, "host unit tests")?;

    eprintln!("== kernel image and test ISO");
    let image = build_kernel(true)?;
    let user = build_user()?;
    let iso = target_dir().join("mach-test.iso");
    make_iso(&image, "console=com0 test=boot", &[], &iso, 0)?;

    eprintln!("== QEMU integration tests ({})", std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into()));
    let mut c = cargo();
    c.args(["test", "--package", "mach-tests", "--features", "qemu", "--test", "qemu", "--"]);
    c.args(args);
    c.env("MACH_KERNEL", &image).env("MACH_TEST_ISO", &iso).env("MACH_USER_DIR", &user);
    status(c, "QEMU integration tests")
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// QEMU for a bench run: 128 MiB, no display, the serial log to `log`, and
/// `isa-debug-exit` for the verdict.
fn bench_qemu(log: &Path) -> Command {
    let mut c = Command::new("qemu-system-i386");
    c.args(["-accel", &std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into())])
        .args(["-m", "128", "-display", "none", "-monitor", "none", "-no-reboot"])
        .arg("-serial")
        .arg(format!("file:{}", log.display()))
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    c
}

/// QEMU booting `kernel` as users boot it: a normal boot (`console=com0`,
/// no test mode) with the boot-script line(s) `modules` (commas between
/// modules), 512 MiB, the IDE disk `disk`, the serial log to `log`. The line
/// of `cargo xtask bench --against gnumach` and `cargo xtask profile`.
fn user_qemu(kernel: &Path, disk: &Path, log: &Path, modules: &str) -> Command {
    let mut c = Command::new("qemu-system-i386");
    c.args(["-accel", &std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into())]);
    if ICOUNT.load(std::sync::atomic::Ordering::Relaxed) {
        // One instruction per nanosecond of guest time: the TSC counts
        // instructions, whatever else the host is doing.
        c.args(["-icount", "shift=0"]);
    }
    c
        .args(["-cpu", "qemu32", "-m", "512", "-display", "none", "-monitor", "none", "-no-reboot"])
        .arg("-serial")
        .arg(format!("file:{}", log.display()))
        .arg("-drive")
        .arg(format!("file={},format=raw,if=ide,index=0", disk.display()))
        .arg("-kernel")
        .arg(kernel)
        .args(["-append", "console=com0"])
        .arg("-initrd")
        .arg(modules);
    c
}

/// `bench --against gnumach --icount`: figures in guest instructions.
static ICOUNT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn cmd_bench(args: &[String]) -> Result {
    let mut args = args.to_vec();
    if let Some(against) = take_opt(&mut args, "--against")? {
        ICOUNT.store(take_flag(&mut args, "--icount"), std::sync::atomic::Ordering::Relaxed);
        if against == "linux" {
            let boots: usize = take_opt(&mut args, "--boots")?.map_or(Ok(1), |v| v.parse().map_err(|_| "bad --boots"))?;
            let disk_mib: u64 = take_opt(&mut args, "--disk-mib")?.map_or(Ok(256), |v| v.parse().map_err(|_| "bad --disk-mib"))?;
            let nics: Vec<String> = match take_opt(&mut args, "--nic")? {
                Some(n) => vec![n],
                None => BENCH_NICS.iter().map(|s| s.to_string()).collect(),
            };
            if let Some(a) = args.first() {
                return Err(format!("unknown argument {a}"));
            }
            let image = build_kernel(true)?;
            let user = build_user()?;
            return linux::run(&image, &user, boots, disk_mib, &nics);
        }
        if against != "gnumach" {
            return Err(format!("--against {against}: gnumach or linux"));
        }
        let boots: usize = take_opt(&mut args, "--boots")?.map_or(Ok(3), |v| v.parse().map_err(|_| "bad --boots"))?;
        let gnumach = take_opt(&mut args, "--gnumach-image")?.map(PathBuf::from);
        if let Some(a) = args.first() {
            return Err(format!("unknown argument {a}"));
        }
        let image = build_kernel(true)?;
        let user = build_user()?;
        return against::run(&image, &user, boots, gnumach);
    }
    if take_flag(&mut args, "--stress") {
        return bench_stress(&mut args);
    }
    let boots: usize = take_opt(&mut args, "--boots")?.map_or(Ok(7), |v| v.parse().map_err(|_| "bad --boots"))?;
    let disk_mib: u64 = take_opt(&mut args, "--disk-mib")?.map_or(Ok(256), |v| v.parse().map_err(|_| "bad --disk-mib"))?;
    let only_dev = take_flag(&mut args, "--devices");
    let nics: Vec<String> = match take_opt(&mut args, "--nic")? {
        Some(n) => vec![n],
        None => BENCH_NICS.iter().map(|s| s.to_string()).collect(),
    };
    let image = build_kernel(true)?;
    if only_dev {
        return bench_devices(&image, disk_mib, &nics);
    }
    let log = target_dir().join("bench-serial.log");
    let (mut cycles, mut ms, mut wall) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..boots.max(1) {
        let _ = std::fs::remove_file(&log);
        let t = std::time::Instant::now();
        let s = bench_qemu(&log)
            .arg("-kernel")
            .arg(&image)
            .args(["-append", "bench"])
            .status()
            .map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
        let elapsed = t.elapsed().as_millis() as u64;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let line = text.lines().find(|l| l.starts_with("bench: ")).ok_or_else(|| {
            format!("boot {i}: no bench line (QEMU {s}); serial log {}", log.display())
        })?;
        let field = |name: &str| -> Result<u64> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("bench line lacks {name}: {line}"))
        };
        let (c, khz) = (field("startup_cycles=")?, field("tsc_khz=")?);
        cycles.push(c);
        ms.push(c * 1000 / khz.max(1));
        wall.push(elapsed);
    }
    println!("kernel start-up, entry to end of start-up, {} boots (median):", cycles.len());
    println!("  cycles: {}", median(&mut cycles));
    println!("  time:   {}.{:03} ms", median(&mut ms) / 1000, median(&mut ms) % 1000);
    println!("  QEMU process, launch to exit: {} ms", median(&mut wall));
    bench_ipc(&image)?;
    bench_devices(&image, disk_mib, &nics)
}

/// `cargo xtask bench --stress [--only NAME] [--fuzz-messages N] [--seed S]`:
/// the full-size load runs of issue 16. The QEMU tests marked `#[ignore]`
/// whose names start with `stress_` (NAME narrows them: e.g. `disk`), each
/// printing its figures (1 GiB of random disk writes, 1000 task cycles,
/// 32 tasks of IPC and disk I/O beside the network, 1,000,000 frames),
/// then `cargo xtask fuzz` with N messages (10,000,000 by default; 0 skips
/// it).
fn bench_stress(args: &mut Vec<String>) -> Result {
    let only = take_opt(args, "--only")?.unwrap_or_default();
    let messages = take_opt(args, "--fuzz-messages")?.unwrap_or_else(|| "10000000".into());
    let seed = take_opt(args, "--seed")?.unwrap_or_else(|| "1".into());
    if let Some(a) = args.first() {
        return Err(format!("unknown argument {a}"));
    }
    setup::ensure()?;
    let image = build_kernel(true)?;
    let user = build_user()?;
    let mut c = cargo();
    c.args(["test", "--package", "mach-tests", "--features", "qemu", "--test", "qemu", "--"]);
    c.args(["--ignored", "--nocapture", "--test-threads=1"]);
    c.arg(format!("stress_{only}"));
    c.env("MACH_KERNEL", &image).env("MACH_USER_DIR", &user);
    status(c, "stress runs")?;
    if messages != "0" {
        cmd_fuzz(&["--messages".into(), messages, "--seed".into(), seed])?;
    }
    Ok(())
}

/// The NICs `cargo xtask bench` measures by default (QEMU `-device` names):
/// NE2000 PCI, RTL8139, PCnet-PCI, EtherExpress Pro/100, e1000.
const BENCH_NICS: &[&str] = &["ne2k_pci", "rtl8139", "pcnet", "i82557b", "e1000"];

/// [`bench_dev`] for each NIC model in turn; the disk is measured in the
/// first run only.
fn bench_devices(image: &Path, disk_mib: u64, nics: &[String]) -> Result {
    for (i, nic) in nics.iter().enumerate() {
        bench_dev(image, disk_mib, nic, i == 0)?;
    }
    Ok(())
}

/// IPC costs measured by the `bench_ipc` user program (against `echo_server`).
fn bench_ipc(image: &Path) -> Result {
    let user = build_user()?;
    let log = target_dir().join("bench-ipc-serial.log");
    let _ = std::fs::remove_file(&log);
    let modules = format!(
        "{} $(srv=task-create) $(task-resume),{} ${{srv}} ${{device-port}} $(task-create) $(task-resume)",
        user.join("echo_server").display(),
        user.join("bench_ipc").display()
    );
    let s = bench_qemu(&log)
        .arg("-kernel")
        .arg(image)
        .args(["-append", "test=bootstrap ramdisk=1024"])
        .arg("-initrd")
        .arg(modules)
        .status()
        .map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("bench: ") && l.contains("median_cycles=")).collect();
    if lines.is_empty() {
        return Err(format!("no IPC figures (QEMU {s}); serial log {}", log.display()));
    }
    println!("IPC and VM, TSC cycles per operation (median; TCG figures are emulation costs):");
    // The kernel logs "clock: TSC N kHz": out-of-line figures in MiB/s too.
    let khz: Option<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("clock: TSC ").and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()));
    for l in lines {
        let l = l.trim_start_matches("bench: ").trim_end();
        if let Some((name, v)) = l.split_once(" median_cycles=") {
            let mib = match name {
                "ool_1mib_self" => Some(1.0),
                "ool_64mib_self" => Some(64.0),
                _ => None,
            };
            match (mib, khz, v.parse::<f64>()) {
                (Some(mib), Some(khz), Ok(c)) if c > 0.0 => println!("  {name:<26} {v}  ({:.0} MiB/s)", mib / (c / (khz * 1000.0))),
                _ => println!("  {name:<26} {v}"),
            }
        }
    }
    Ok(())
}

/// How a bench machine's NIC is attached: to the bench's host peer (a
/// `dgram` netdev, frames to and from [`bench_peer`]) or to QEMU's user
/// network (the gateway 10.0.2.2 answers pings).
pub(crate) enum BenchNet {
    Peer,
    User,
}

/// The machine of the device figures, without its kernel: `bench_qemu`
/// with an IDE disk of `disk_mib` MiB, a 64 MiB disc in the second
/// channel's CD-ROM drive, a 1.44 MB floppy, a 64 MiB AHCI disk (all sparse
/// files, removed when the returned guard goes) and the NIC `nic` (a QEMU
/// `-device` name) on `net`; for [`BenchNet::Peer`] the host peer runs
/// until QEMU goes. The same line boots this kernel (`cargo xtask bench`)
/// and Linux (`--against linux`).
pub(crate) fn dev_qemu(log: &Path, disk_mib: u64, nic: &str, net: &BenchNet) -> Result<(Command, ScratchFiles)> {
    let mut files = ScratchFiles(Vec::new());
    let mut scratch = |name: &str, bytes: u64| -> Result<PathBuf> {
        let p = target_dir().join(name);
        std::fs::File::create(&p).and_then(|f| f.set_len(bytes)).map_err(|e| format!("creating {}: {e}", p.display()))?;
        files.0.push(p.clone());
        Ok(p)
    };
    let disk = scratch("bench-disk.img", disk_mib << 20)?;
    let cd = scratch("bench-cd.img", 64 << 20)?;
    let sd = scratch("bench-ahci.img", 64 << 20)?;
    let fd = scratch("bench-fd.img", 1440 << 10)?;
    let mut c = bench_qemu(log);
    c.arg("-drive")
        .arg(format!("file={},format=raw,if=ide,index=0", disk.display()))
        .arg("-drive")
        .arg(format!("file={},format=raw,if=ide,index=2,media=cdrom", cd.display()))
        .arg("-drive")
        .arg(format!("file={},format=raw,if=floppy,index=0", fd.display()))
        .args(["-device", "ahci,id=ahci", "-drive"])
        .arg(format!("file={},format=raw,if=none,id=ahcidisk", sd.display()))
        .args(["-device", "ide-hd,drive=ahcidisk,bus=ahci.0"]);
    match net {
        BenchNet::Peer => {
            let peer = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            grow_receive_buffer(&peer);
            let pport = peer.local_addr().map_err(|e| e.to_string())?.port();
            let gport = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).map_err(|e| e.to_string())?.port();
            let guest: std::net::SocketAddr = ([127, 0, 0, 1], gport).into();
            std::thread::spawn(move || bench_peer(&peer, guest));
            c.args(["-nic", "none", "-netdev"])
                .arg(format!(
                    "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={gport},remote.type=inet,remote.host=127.0.0.1,remote.port={pport}"
                ))
                .args(["-device", &format!("{nic},netdev=n0")]);
        }
        BenchNet::User => {
            c.args(["-nic", &format!("user,model={nic}")]);
        }
    }
    Ok((c, files))
}

/// Scratch files removed when dropped.
pub(crate) struct ScratchFiles(Vec<PathBuf>);

impl Drop for ScratchFiles {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// One `bench: NAME ops=N bytes=B cycles=C [lost=L]` line of a device
/// bench (`bench_dev` here, the Linux guest's `/init`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DevFigure {
    pub name: String,
    pub ops: f64,
    pub bytes: f64,
    /// Seconds over all operations (cycles over the TSC rate).
    pub secs: f64,
    /// TSC cycles over all operations (nanoseconds for Linux).
    pub cycles: f64,
    pub lost: Option<f64>,
}

/// The device figures of a serial log: its `clock: TSC N kHz` line (the
/// kernel's, or the Linux guest's, whose "cycles" are nanoseconds) and its
/// figure lines. None without the clock line.
pub(crate) fn dev_figures(text: &str) -> Option<Vec<DevFigure>> {
    let khz: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("clock: TSC ").and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()))?;
    let mut out = Vec::new();
    for l in text.lines().filter_map(|l| l.find("bench: ").map(|i| &l[i + 7..])).filter(|l| l.contains(" ops=")) {
        let field = |k: &str| l.split_whitespace().find_map(|w| w.strip_prefix(k)).and_then(|v| v.parse::<f64>().ok());
        let name = l.split_whitespace().next().unwrap_or("?").to_string();
        let cycles = field("cycles=").unwrap_or(0.0);
        let secs = cycles / (khz * 1000.0);
        out.push(DevFigure { name, ops: field("ops=").unwrap_or(0.0), bytes: field("bytes=").unwrap_or(0.0), secs, cycles, lost: field("lost=") });
    }
    Some(out)
}

/// Runs `c` (QEMU) until it exits, or until `log` shows `done` and QEMU has
/// had `grace` to exit by itself, or `limit` has passed; returns the log.
pub(crate) fn run_until(mut c: Command, log: &Path, done: &str, grace: std::time::Duration, limit: std::time::Duration) -> Result<String> {
    use std::time::Instant;
    let mut child = c.stdin(std::process::Stdio::null()).spawn().map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    let start = Instant::now();
    let mut done_at: Option<Instant> = None;
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        let text = std::fs::read(log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        if done_at.is_none() && text.contains(done) {
            done_at = Some(Instant::now());
        }
        if done_at.is_some_and(|t| t.elapsed() > grace) || start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(std::fs::read(log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default())
}

/// Boots this kernel with `bench_dev` in mode `mode` (`all`: disks and
/// network, `net`, or `ping`: the gateway over QEMU's user network) on the
/// [`dev_qemu`] machine; returns the serial log.
pub(crate) fn boot_bench_dev(image: &Path, user: &Path, disk_mib: u64, nic: &str, mode: &str) -> Result<String> {
    let log = target_dir().join("bench-dev-serial.log");
    let _ = std::fs::remove_file(&log);
    let net = if mode == "ping" { BenchNet::User } else { BenchNet::Peer };
    let (mut c, _files) = dev_qemu(&log, disk_mib, nic, &net)?;
    c.arg("-kernel")
        .arg(image)
        .args(["-append", "test=bootstrap bootstrap-deadline=600"])
        .arg("-initrd")
        .arg(format!("{} ${{device-port}} {mode} $(task-create) $(task-resume)", user.join("bench_dev").display()));
    let text = run_until(c, &log, "bench_dev: done", std::time::Duration::from_secs(30), std::time::Duration::from_secs(900))?;
    if !text.contains("bench_dev: done") {
        return Err(format!("bench_dev did not finish; serial log {}", log.display()));
    }
    Ok(text)
}

/// Disk and network figures measured by the `bench_dev` user program on
/// the [`dev_qemu`] machine (disks only when `with_disk`), then the
/// gateway ping in a second boot on QEMU's user network.
fn bench_dev(image: &Path, disk_mib: u64, nic: &str, with_disk: bool) -> Result {
    let user = build_user()?;
    let mut figures = Vec::new();
    for mode in [if with_disk { "all" } else { "net" }, "ping"] {
        let text = boot_bench_dev(image, &user, disk_mib, nic, mode)?;
        figures.extend(dev_figures(&text).ok_or("no clock line in bench_dev's log")?);
    }
    if with_disk {
        println!("Devices through device ports (IDE disk, ATAPI CD-ROM, floppy, AHCI disk, then each NIC; TCG figures are emulation costs):");
    }
    for f in figures {
        let name = if f.name.starts_with("net_") || f.name.starts_with("ping_") { format!("{nic} {}", f.name) } else { f.name.clone() };
        if f.ops == 0.0 || f.secs == 0.0 {
            println!("  {name:<24} no operations completed");
            continue;
        }
        let lost = f.lost.map(|l| format!(", {l} lost"));
        println!(
            "  {name:<24} {:>6} ops  {:>10.0} ops/s  {:>8.2} MiB/s  {:>10.0} cycles/op  {:>8.1} us/op{}",
            f.ops,
            f.ops / f.secs,
            f.bytes / f.secs / 1048576.0,
            f.cycles / f.ops,
            f.secs / f.ops * 1e6,
            lost.unwrap_or_default()
        );
    }
    Ok(())
}

/// Asks for a 4 MiB receive buffer on the bench's host peer: the default
/// (about 208 KiB, 140 full-size frames) overflows when a loaded host
/// schedules the peer late while QEMU sends, and those drops would count
/// as frames the guest lost. Best effort (the kernel caps it at rmem_max).
fn grow_receive_buffer(sock: &std::net::UdpSocket) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 4 << 20;
    // SAFETY: a valid socket descriptor and an int-sized option value that
    // outlives the call.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// The host end of `bench_dev`'s network figures (frames of type 0x88B5
/// whose payload starts with a tag): counts "SINK" frames, answers "CNT?"
/// with "CNT=", how many it has counted and the question's number, "PING"
/// with "PONG" and its number, and answers "BRST" (count, size) with
/// that many "DATA" frames back to back. Runs until QEMU goes.
fn bench_peer(sock: &std::net::UdpSocket, guest: std::net::SocketAddr) {
    let mut buf = [0u8; 2048];
    let mut sunk: u32 = 0;
    let reply = |src: &[u8], size: usize, tag: &[u8; 4], word: u32| {
        let mut f = vec![0u8; size];
        f[..6].copy_from_slice(&src[6..12]);
        f[6..12].copy_from_slice(&src[..6]);
        f[12..14].copy_from_slice(&[0x88, 0xB5]);
        f[14..18].copy_from_slice(tag);
        f[18..22].copy_from_slice(&word.to_le_bytes());
        f
    };
    while let Ok(n) = sock.recv(&mut buf) {
        if n < 26 || buf[12..14] != [0x88, 0xB5] {
            continue;
        }
        let word = |i: usize| u32::from_le_bytes([buf[18 + 4 * i], buf[19 + 4 * i], buf[20 + 4 * i], buf[21 + 4 * i]]);
        match &buf[14..18] {
            b"SINK" => sunk += 1,
            b"CNT?" => {
                let mut f = reply(&buf, 64, b"CNT=", sunk);
                f[22..26].copy_from_slice(&buf[18..22]); // the question's number
                let _ = sock.send_to(&f, guest);
            }
            b"PING" => {
                let _ = sock.send_to(&reply(&buf, 64, b"PONG", word(0)), guest);
            }
            b"BRST" => {
                let (count, size) = (word(0), (word(1) as usize).clamp(60, 1514));
                for i in 0..count {
                    let _ = sock.send_to(&reply(&buf, size, b"DATA", i), guest);
                }
            }
            _ => {}
        }
    }
}

/// Writes a GRUB rescue ISO booting `image` with `cmdline` and `modules`.
fn make_iso(image: &Path, cmdline: &str, modules: &[String], out: &Path, timeout: u32) -> Result {
    let stage = target_dir().join(format!("iso-{}", out.file_stem().unwrap().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&stage);
    let boot = stage.join("boot");
    std::fs::create_dir_all(boot.join("grub")).map_err(|e| e.to_string())?;
    std::fs::copy(image, boot.join("mach")).map_err(|e| format!("copying the kernel: {e}"))?;
    let mut entry = format!("    multiboot /boot/mach {cmdline}\n");
    for m in modules {
        let (file, margs) = m.split_once(' ').unwrap_or((m.as_str(), ""));
        let name = Path::new(file).file_name().ok_or_else(|| format!("bad module {file}"))?;
        std::fs::copy(file, boot.join(name)).map_err(|e| format!("copying module {file}: {e}"))?;
        let name = name.to_string_lossy();
        entry.push_str(&format!("    module /boot/{name} {name} {margs}\n"));
    }
    let cfg = format!(
        "set timeout={timeout}\nset default=0\n\
         serial --unit=0 --speed=115200\nterminal_input --append serial\nterminal_output --append serial\n\
         menuentry \"Mach (Rust kernel)\" {{\n{entry}    boot\n}}\n"
    );
    std::fs::write(boot.join("grub/grub.cfg"), cfg).map_err(|e| e.to_string())?;
    let mut c = Command::new("grub-mkrescue");
    c.arg("-o").arg(out).arg(&stage);
    let o = c.output().map_err(|e| format!("cannot start grub-mkrescue: {e}"))?;
    if !o.status.success() {
        return Err(format!("grub-mkrescue failed: {}", String::from_utf8_lossy(&o.stderr)));
    }
    Ok(())
}

/// Prints what goes on the wire for every routine of a `.defs` file (a path,
/// or a name under GNU Mach's include directory such as `device/device.defs`).
fn cmd_mig(args: &[String]) -> Result {
    let mut args = args.to_vec();
    let user = args.iter().position(|a| a == "--user").map(|i| args.remove(i)).is_some();
    let [defs] = args.as_slice() else { return Err("usage: cargo xtask mig FILE.defs [--user]".into()) };
    setup::ensure()?;
    let opts = if user { mig::Options::user() } else { mig::Options::kernel_server() };
    let text = mig::summarize(defs, &opts).map_err(|e| e.to_string())?;
    print!("{text}");
    Ok(())
}

fn cmd_iso(args: &[String]) -> Result {
    let mut args = args.to_vec();
    let cmdline = take_opt(&mut args, "--cmdline")?.unwrap_or_default();
    let out = take_opt(&mut args, "--out")?.map(PathBuf::from).unwrap_or_else(|| target_dir().join("mach.iso"));
    let modules = take_all(&mut args, "--module")?;
    if let Some(a) = args.first() {
        return Err(format!("unknown argument {a}"));
    }
    let image = build_kernel(true)?;
    make_iso(&image, &cmdline, &modules, &out, 3)?;
    println!("{}", out.display());
    Ok(())
}
