//! `cargo xtask bench --against gnumach`: the `bench_mach` user program
//! booted the way users boot (a normal boot, the program as the only
//! boot-script task, no `test=` on the command line) on this kernel and on
//! Debian's GNU Mach 1.8, with the same QEMU line, and the figures side by
//! side.
//!
//! GNU Mach comes from Debian's i386 archive (`gnumach-image-1.8-486`, the
//! bookworm kernel), fetched with `apt-get download` into a private apt
//! state under `target/gnumach/` (the machine's own apt state is never
//! touched), from the Debian mirror the machine's apt sources name.
//!
//! GNU Mach does not power off on `host_reboot(RB_HALT)` (it loops after
//! "Shutdown completed"), so a boot ends when the program's last line,
//! `bench: done`, is on the serial log and QEMU has had a moment to exit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{target_dir, Result};

/// The Debian package and the kernel file inside it.
const GNUMACH_PACKAGE: &str = "gnumach-image-1.8-486";
const GNUMACH_FILE: &str = "boot/gnumach-1.8-486.gz";
/// The Debian release whose i386 archive has the package.
const DEBIAN_SUITE: &str = "bookworm";
/// The size of the IDE disk both kernels get.
const DISK_MIB: u64 = 64;
/// The longest one boot may take (TCG on a loaded machine).
const BOOT_LIMIT: Duration = Duration::from_secs(900);

/// How a figure reads and compares.
enum Kind {
    /// `bench: NAME median=N`: TSC cycles per operation.
    Cycles,
    /// `bench: NAME ops= bytes= cycles=`: throughput in MiB/s.
    Throughput,
}

/// The figures, in print order: the program's name for each, what it is, how it reads.
const FIGURES: &[(&str, &str, Kind)] = &[
    ("task_self_trap", "mach_task_self() trap (cycles)", Kind::Cycles),
    ("msg_self_32", "mach_msg SEND|RCV to own port, 32-byte body (cycles)", Kind::Cycles),
    ("null_rpc", "kernel RPC mach_port_type(task_self, name) (cycles)", Kind::Cycles),
    ("rpc_two_tasks", "RPC round trip between two tasks (cycles)", Kind::Cycles),
    ("page_fault", "first-touch page fault (cycles)", Kind::Cycles),
    ("ool_1mib", "1 MiB out-of-line message to self (cycles)", Kind::Cycles),
    ("ool_64mib", "64 MiB out-of-line message to self (cycles)", Kind::Cycles),
    ("disk_seq_64k", "device_read 64 KiB records, hd0 (MiB/s)", Kind::Throughput),
    ("disk_rand_512", "device_read 512 bytes, random record, hd0 (cycles)", Kind::Cycles),
];

/// The figures of one boot: name to value (cycles per op, or MiB/s).
type Figures = BTreeMap<String, f64>;

/// Runs the comparison: `boots` boots of each kernel, alternating, and the
/// median of each figure over them.
pub fn run(image: &Path, user: &Path, boots: usize, gnumach: Option<PathBuf>) -> Result {
    let gnumach = match gnumach {
        Some(p) => p,
        None => fetch_gnumach()?,
    };
    let program = user.join("bench_mach");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..boots.max(1) {
        for (kernel, label, out) in [(image, "this kernel", &mut ours), (gnumach.as_path(), "GNU Mach", &mut theirs)] {
            eprintln!("xtask bench: boot {} of {} on {label}", i + 1, boots.max(1));
            out.push(boot(kernel, &program, label)?);
        }
    }
    print_table(&ours, &theirs, boots.max(1), &gnumach);
    Ok(())
}

/// Boots `kernel` with `program` as its only boot-script task and returns
/// the figures it printed.
fn boot(kernel: &Path, program: &Path, label: &str) -> Result<Figures> {
    let slug: String = label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let log = target_dir().join(format!("bench-against-{slug}.log"));
    let disk = target_dir().join(format!("bench-against-{slug}.img"));
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_file(&disk);
    std::fs::File::create(&disk)
        .and_then(|f| f.set_len(DISK_MIB << 20))
        .map_err(|e| format!("creating {}: {e}", disk.display()))?;
    let mut qemu = crate::user_qemu(kernel, &disk, &log, &format!("{} ${{host-port}} ${{device-port}} $(task-create) $(task-resume)", program.display()));
    let mut child = qemu.stdin(Stdio::null()).spawn().map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    let start = Instant::now();
    let mut done_at: Option<Instant> = None;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(s);
        }
        let text = std::fs::read(&log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        if done_at.is_none() && text.contains("bench: done") {
            done_at = Some(Instant::now());
        }
        // GNU Mach loops after a halt; this kernel powers off by itself.
        let halted = text.contains("Shutdown completed");
        if done_at.is_some_and(|t| halted || t.elapsed() > Duration::from_secs(10)) || start.elapsed() > BOOT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = std::fs::remove_file(&disk);
    let text = std::fs::read(&log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    if !text.contains("bench: done") {
        let how = match status {
            Some(s) => format!("QEMU ended ({s})"),
            None => format!("no end after {} s", BOOT_LIMIT.as_secs()),
        };
        return Err(format!("{label}: bench_mach did not finish: {how}; serial log {}", log.display()));
    }
    let figures = parse(&text);
    for l in bench_lines(&text).filter(|l| l.contains(" failed")) {
        eprintln!("xtask bench: {label}: {l}");
    }
    Ok(figures)
}

/// The `bench: ...` parts of the serial log (a kernel may print something
/// before them on the same line).
fn bench_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|l| l.find("bench: ").map(|i| l[i + 7..].trim_end()))
}

/// The figures of one serial log.
fn parse(text: &str) -> Figures {
    let mut f = Figures::new();
    let field = |l: &str, k: &str| l.split_whitespace().find_map(|w| w.strip_prefix(k)).and_then(|v| v.parse::<f64>().ok());
    let khz = bench_lines(text).find_map(|l| l.strip_prefix("tsc_khz=")).and_then(|v| v.parse::<f64>().ok());
    for l in bench_lines(text) {
        let Some(name) = l.split_whitespace().next() else { continue };
        if let Some(v) = field(l, "median=") {
            f.insert(name.to_string(), v);
            if let Some(m) = field(l, "p99=") {
                f.insert(format!("{name}:p99"), m);
            }
        } else if let (Some(bytes), Some(cycles), Some(khz)) = (field(l, "bytes="), field(l, "cycles="), khz) {
            if cycles > 0.0 {
                f.insert(name.to_string(), bytes / (cycles / (khz * 1000.0)) / 1048576.0);
            }
        }
    }
    f
}

fn median_of(runs: &[Figures], name: &str) -> Option<f64> {
    let mut v: Vec<f64> = runs.iter().filter_map(|f| f.get(name).copied()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn print_table(ours: &[Figures], theirs: &[Figures], boots: usize, gnumach: &Path) {
    let unit = if crate::ICOUNT.load(std::sync::atomic::Ordering::Relaxed) {
        "-icount shift=0: \"cycles\" are guest instructions, MiB/s per guest second"
    } else {
        "TCG: emulation costs"
    };
    println!(
        "bench_mach on a normal boot, {boots} boot(s) of each kernel, medians ({unit})\n\
         GNU Mach: {}\n\
         ratio: this kernel's time per operation over GNU Mach's (below 1: faster)\n",
        gnumach.display()
    );
    println!("  {:<54} {:>14} {:>14} {:>7}   {:>12} {:>12}", "figure", "GNU Mach 1.8", "this kernel", "ratio", "p99: GNU", "this");
    let show = |v: Option<f64>, kind: &Kind| match (v, kind) {
        (None, _) => "-".to_string(),
        (Some(v), Kind::Cycles) => group(v.round() as u64),
        (Some(v), Kind::Throughput) => format!("{v:.1}"),
    };
    for (name, what, kind) in FIGURES {
        let (g, o) = (median_of(theirs, name), median_of(ours, name));
        let ratio = match (g, o, kind) {
            (Some(g), Some(o), Kind::Cycles) if g > 0.0 => format!("{:.2}", o / g),
            (Some(g), Some(o), Kind::Throughput) if o > 0.0 => format!("{:.2}", g / o),
            _ => "-".to_string(),
        };
        let p99 = |runs: &[Figures]| match kind {
            Kind::Cycles => show(median_of(runs, &format!("{name}:p99")), kind),
            Kind::Throughput => String::new(),
        };
        println!("  {:<54} {:>14} {:>14} {:>7}   {:>12} {:>12}", what, show(g, kind), show(o, kind), ratio, p99(theirs), p99(ours));
    }
    println!("\n  p99: the 99th percentile of the same operations (median over the boots); far above the median, it shows stalls");
}

/// `n` with thousands separators.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// GNU Mach's kernel, unpacked and gunzipped under `target/gnumach/`
/// (fetched once).
fn fetch_gnumach() -> Result<PathBuf> {
    let dir = target_dir().join("gnumach");
    let kernel = dir.join("gnumach-1.8-486");
    if kernel.exists() {
        return Ok(kernel);
    }
    let unpacked = dir.join("unpacked");
    crate::debian::fetch(&dir, DEBIAN_SUITE, GNUMACH_PACKAGE, &unpacked)
        .map_err(|e| format!("{e}; give a GNU Mach image with --gnumach-image PATH"))?;
    let gz = unpacked.join(GNUMACH_FILE);
    let out = Command::new("gzip").arg("-dc").arg(&gz).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() || out.stdout.len() < 4 || out.stdout[..4] != *b"\x7fELF" {
        return Err(format!("{} did not unpack to an ELF kernel", gz.display()));
    }
    let part = kernel.with_extension("part");
    std::fs::write(&part, &out.stdout).and_then(|_| std::fs::rename(&part, &kernel)).map_err(|e| e.to_string())?;
    Ok(kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_from_a_serial_log() {
        // GNU Mach prints its own "start NAME: " before the program's first line.
        let log = "start /x/bench_mach: bench: tsc_khz=2000000\r\n\
                   bench: task_self_trap median=1872 mean=2000 p90=1900 p99=2100 max=9999 runs=5000\n\
                   bench: disk_seq_64k ops=2 bytes=2097152 cycles=2000000000\n\
                   bench: ool_1mib failed: vm_allocate\n\
                   bench: done";
        let f = parse(log);
        assert_eq!(f.get("task_self_trap"), Some(&1872.0));
        assert_eq!(f.get("task_self_trap:p99"), Some(&2100.0));
        // 2 MiB in 2e9 cycles at 2e9 Hz: 2 MiB/s.
        assert_eq!(f.get("disk_seq_64k"), Some(&2.0));
        assert!(!f.contains_key("ool_1mib"));
    }

    #[test]
    fn medians_and_grouping() {
        let runs: Vec<Figures> = [3.0, 1.0, 2.0].iter().map(|&v| Figures::from([("x".to_string(), v)])).collect();
        assert_eq!(median_of(&runs, "x"), Some(2.0));
        assert_eq!(median_of(&runs, "y"), None);
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(999), "999");
    }
}
