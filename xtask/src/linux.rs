//! `cargo xtask bench --against linux`: the device figures of `bench_dev`
//! on this kernel beside the same figures from a Linux 6.1 guest on the
//! same emulated machine (the QEMU line of [`crate::dev_qemu`]).
//!
//! Linux is Debian bookworm's i386 kernel (`linux-image-6.1.0-N-686`, the
//! package the `linux-image-686` metapackage names), fetched with
//! `apt-get download` into a private apt state under `target/linux/`, as
//! [`crate::against`] fetches GNU Mach. Its initramfs, written here as a
//! `newc` cpio archive, holds the modules the devices need (from the
//! package's `/lib/modules`, dependencies first, read from each module's
//! `.modinfo`; `.ko.xz` ones unpacked on the host) and `/init`, a
//! freestanding C program (`xtask/linux-init/init.c`, `gcc -m32 -static
//! -nostdlib`, raw `int $0x80` system calls) that measures what
//! `bench_dev` measures and prints it in `bench_dev`'s shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::debian::{apt_command, private_apt};
use crate::{target_dir, DevFigure, Result};

/// The metapackage naming bookworm's current 686 kernel.
const META_PACKAGE: &str = "linux-image-686";
/// What the kernel package's name starts with.
const KERNEL_PREFIX: &str = "linux-image-6.1";

/// The modules the guest loads, in this order (each after its own
/// dependencies): the PIIX IDE controller and SCSI disks first so the IDE
/// disk is `sda`, the CD-ROM `sr0`, then AHCI (`sdb`), the floppy, and
/// every NIC driver the bench measures (QEMU's `rtl8139` is an RTL8139C+,
/// which `8139too` leaves to `8139cp`). Names the package lacks are
/// built into the kernel.
const MODULES: &[&str] =
    &["ata_piix", "sd_mod", "sr_mod", "ahci", "floppy", "ne2k_pci", "8139cp", "8139too", "pcnet32", "e100", "e1000"];

/// How a figure reads.
#[derive(Clone, Copy)]
enum Unit {
    /// MiB/s (higher is better).
    MiBs,
    /// Operations per second (higher is better).
    PerSec,
    /// Microseconds per operation (lower is better).
    Micros,
}

/// The disk figures: program name, what it is, unit.
const DISK: &[(&str, &str, Unit)] = &[
    ("disk_seq_64k", "IDE disk, sequential 64 KiB reads (MiB/s)", Unit::MiBs),
    ("disk_rand_512", "IDE disk, 512 B random read (us)", Unit::Micros),
    ("cd_seq_64k", "ATAPI CD, sequential 64 KiB reads (MiB/s)", Unit::MiBs),
    ("fd_seq_9k", "floppy, sequential 9 KiB reads (MiB/s)", Unit::MiBs),
    ("ahci_seq_64k", "AHCI disk, sequential 64 KiB reads (MiB/s)", Unit::MiBs),
];

/// The figures of each NIC.
const NET: &[(&str, &str, Unit)] = &[
    ("net_tx_64", "frames sent/s, 64 B", Unit::PerSec),
    ("net_tx_1514", "frames sent/s, 1514 B", Unit::PerSec),
    ("net_rx_64", "frames received/s, 64 B", Unit::PerSec),
    ("net_rx_1514", "frames received/s, 1514 B", Unit::PerSec),
    ("net_rtt_64", "64 B round trip to the host peer (us)", Unit::Micros),
    ("ping_gw", "ICMP echo to gateway 10.0.2.2 (us)", Unit::Micros),
];

/// Boots both kernels on each NIC (`boots` times, alternating; the disks in
/// the first NIC's boots) and prints the figures side by side.
pub fn run(image: &Path, user: &Path, boots: usize, disk_mib: u64, nics: &[String]) -> Result {
    let guest = prepare()?;
    // (nic, figure name) -> values over the boots, per kernel.
    let mut ours: BTreeMap<(String, String), Vec<DevFigure>> = BTreeMap::new();
    let mut theirs = ours.clone();
    for i in 0..boots.max(1) {
        for (k, nic) in nics.iter().enumerate() {
            let modes: &[&str] = if k == 0 { &["all", "ping"] } else { &["net", "ping"] };
            for &mode in modes {
                eprintln!("xtask bench: boot {} of {}, {nic}, {mode}: this kernel", i + 1, boots.max(1));
                let text = crate::boot_bench_dev(image, user, disk_mib, nic, mode)?;
                collect(&mut ours, nic, &text, "this kernel")?;
                eprintln!("xtask bench: boot {} of {}, {nic}, {mode}: Linux", i + 1, boots.max(1));
                let text = boot_linux(&guest, disk_mib, nic, mode)?;
                collect(&mut theirs, nic, &text, "Linux")?;
            }
        }
    }
    print_table(&ours, &theirs, nics, boots.max(1), &guest);
    Ok(())
}

/// Adds the figures of one serial log under `nic`.
fn collect(into: &mut BTreeMap<(String, String), Vec<DevFigure>>, nic: &str, text: &str, who: &str) -> Result {
    let figures = crate::dev_figures(text).ok_or_else(|| format!("{who}: no clock line in the serial log"))?;
    for l in text.lines().filter(|l| l.contains("bench_dev: ") && l.contains("failed")) {
        eprintln!("xtask bench: {who}: {}", l.trim_end());
    }
    for f in figures {
        into.entry((nic.to_string(), f.name.clone())).or_default().push(f);
    }
    Ok(())
}

/// A figure's value in its unit; None when nothing completed.
fn value(f: &DevFigure, unit: Unit) -> Option<f64> {
    if f.ops == 0.0 || f.secs <= 0.0 {
        return None;
    }
    Some(match unit {
        Unit::MiBs => f.bytes / f.secs / 1048576.0,
        Unit::PerSec => f.ops / f.secs,
        Unit::Micros => f.secs / f.ops * 1e6,
    })
}

/// The median of a figure's values over the boots, and the median loss.
fn median(runs: Option<&Vec<DevFigure>>, unit: Unit) -> (Option<f64>, Option<f64>) {
    let Some(runs) = runs else { return (None, None) };
    let mid = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(v.len() / 2).copied()
    };
    (mid(runs.iter().filter_map(|f| value(f, unit)).collect()), mid(runs.iter().filter_map(|f| f.lost).collect()))
}

fn print_table(
    ours: &BTreeMap<(String, String), Vec<DevFigure>>,
    theirs: &BTreeMap<(String, String), Vec<DevFigure>>,
    nics: &[String],
    boots: usize,
    guest: &Guest,
) {
    println!(
        "bench_dev on this kernel and the Linux guest's /init on the same QEMU line, {boots} boot(s) of each, medians\n\
         Linux: {}\n\
         ratio: this kernel's time per operation over Linux's (below 1: faster); lost: frames the other end missed\n",
        guest.kernel.display()
    );
    println!("  {:<52} {:>12} {:>12} {:>7}   {:>10}", "figure", "Linux 6.1", "this kernel", "ratio", "lost L/us");
    let row = |what: &str, key: &(String, String), unit: Unit| {
        let ((l, ll), (o, ol)) = (median(theirs.get(key), unit), median(ours.get(key), unit));
        let show = |v: Option<f64>| match (v, unit) {
            (None, _) => "-".to_string(),
            (Some(v), Unit::Micros) => format!("{v:.1}"),
            (Some(v), Unit::MiBs) => format!("{v:.2}"),
            (Some(v), Unit::PerSec) => format!("{v:.0}"),
        };
        let ratio = match (l, o, unit) {
            (Some(l), Some(o), Unit::Micros) if l > 0.0 => format!("{:.2}", o / l),
            (Some(l), Some(o), _) if o > 0.0 => format!("{:.2}", l / o),
            _ => "-".to_string(),
        };
        let lost = match (ll, ol) {
            (None, None) => String::new(),
            (a, b) => format!("{}/{}", a.map_or("-".into(), |v| format!("{v:.0}")), b.map_or("-".into(), |v| format!("{v:.0}"))),
        };
        println!("  {what:<52} {:>12} {:>12} {ratio:>7}   {lost:>10}", show(l), show(o));
    };
    if let Some(first) = nics.first() {
        for (name, what, unit) in DISK {
            row(what, &(first.clone(), name.to_string()), *unit);
        }
    }
    for nic in nics {
        for (name, what, unit) in NET {
            row(&format!("{nic}: {what}"), &(nic.clone(), name.to_string()), *unit);
        }
    }
}

/// What boots the Linux guest.
struct Guest {
    kernel: PathBuf,
    initramfs: PathBuf,
}

/// Boots Linux with the guest's `/init` in `mode` on the machine of
/// [`crate::dev_qemu`]; returns the serial log.
fn boot_linux(guest: &Guest, disk_mib: u64, nic: &str, mode: &str) -> Result<String> {
    let log = target_dir().join("bench-linux-serial.log");
    let _ = std::fs::remove_file(&log);
    let net = if mode == "ping" { crate::BenchNet::User } else { crate::BenchNet::Peer };
    let (mut c, _files) = crate::dev_qemu(&log, disk_mib, nic, &net)?;
    c.arg("-kernel").arg(&guest.kernel).arg("-initrd").arg(&guest.initramfs);
    // No IPv6 chatter on the wire; SCSI scans finish inside the module
    // loads, so the disks are named in load order.
    c.arg("-append").arg(format!("console=ttyS0 quiet ipv6.disable=1 scsi_mod.scan=sync benchmode={mode}"));
    let text = crate::run_until(c, &log, "bench_dev: done", Duration::from_secs(10), Duration::from_secs(900))?;
    if !text.contains("bench_dev: done") {
        return Err(format!("the Linux guest did not finish; serial log {}", log.display()));
    }
    Ok(text)
}

/// The kernel (fetched once) and a fresh initramfs.
fn prepare() -> Result<Guest> {
    let dir = target_dir().join("linux");
    let unpacked = fetch(&dir)?;
    let boot = unpacked.join("boot");
    let kernel = std::fs::read_dir(&boot)
        .map_err(|e| format!("reading {}: {e}", boot.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-")))
        .ok_or_else(|| format!("no vmlinuz in {}", boot.display()))?;
    let init = dir.join("init");
    let src = crate::root().join("xtask/linux-init/init.c");
    let mut c = Command::new("gcc");
    c.args(["-m32", "-static", "-nostdlib", "-ffreestanding", "-fno-builtin", "-fno-pic", "-no-pie", "-fno-stack-protector"]);
    c.args(["-fno-asynchronous-unwind-tables", "-O2", "-Wall", "-o"]).arg(&init).arg(&src);
    crate::status(c, "building the Linux guest's /init (gcc -m32)")?;
    let moddir = std::fs::read_dir(unpacked.join("lib/modules"))
        .map_err(|e| format!("the package has no /lib/modules: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .next()
        .ok_or("the package has no /lib/modules/VERSION")?;
    let modules = load_order(&moddir, MODULES)?;
    let mut cpio = Cpio::default();
    for d in ["dev", "proc", "sys", "lib"] {
        cpio.dir(d);
    }
    cpio.char_device("dev/console", 5, 1);
    let mut list = String::new();
    for (i, (name, path)) in modules.iter().enumerate() {
        let file = format!("lib/{i:02}-{name}.ko");
        cpio.file(&file, 0o644, &module_bytes(path)?);
        list.push('/');
        list.push_str(&file);
        list.push('\n');
    }
    cpio.file("modules", 0o644, list.as_bytes());
    cpio.file("init", 0o755, &std::fs::read(&init).map_err(|e| e.to_string())?);
    let initramfs = dir.join("initramfs.cpio");
    std::fs::write(&initramfs, cpio.finish()).map_err(|e| format!("writing {}: {e}", initramfs.display()))?;
    Ok(Guest { kernel, initramfs })
}

/// The kernel package unpacked under `dir/unpacked` (fetched and unpacked once).
fn fetch(dir: &Path) -> Result<PathBuf> {
    let unpacked = dir.join("unpacked");
    if unpacked.join("boot").exists() {
        return Ok(unpacked);
    }
    let apt = dir.join("apt");
    private_apt(&apt, "bookworm")?;
    let deb_named = |p: &Path| {
        let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        n.starts_with(KERNEL_PREFIX) && n.contains("-686_") && n.ends_with(".deb")
    };
    let find = || -> Option<PathBuf> { std::fs::read_dir(apt.join("debs")).ok()?.filter_map(|e| e.ok().map(|e| e.path())).find(|p| deb_named(p)) };
    let deb = match find() {
        Some(d) => d,
        None => {
            eprintln!("xtask bench: fetching Debian's {KERNEL_PREFIX}*-686 (bookworm, i386) into {}", apt.display());
            crate::status(apt_command(&apt, "apt-get", &["update", "-qq"]), "apt-get update (private state)")?;
            let out = apt_command(&apt, "apt-cache", &["show", META_PACKAGE]).output().map_err(|e| format!("cannot run apt-cache: {e}"))?;
            let package = kernel_package(&String::from_utf8_lossy(&out.stdout))
                .ok_or_else(|| format!("apt-cache show {META_PACKAGE} names no {KERNEL_PREFIX}*-686 package"))?;
            crate::status(apt_command(&apt, "apt-get", &["download", "-qq", &package]), "apt-get download")?;
            find().ok_or("apt-get download left no .deb")?
        }
    };
    let part = dir.join("unpacked.part");
    let _ = std::fs::remove_dir_all(&part);
    let mut c = Command::new("dpkg-deb");
    c.arg("-x").arg(&deb).arg(&part);
    crate::status(c, "dpkg-deb -x")?;
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::rename(&part, &unpacked).map_err(|e| e.to_string())?;
    Ok(unpacked)
}

/// The kernel package a `Depends:` line of `apt-cache show` names.
fn kernel_package(show: &str) -> Option<String> {
    show.lines()
        .filter_map(|l| l.strip_prefix("Depends:"))
        .flat_map(|d| d.split([',', '|']))
        .filter_map(|d| d.split_whitespace().next())
        .find(|p| p.starts_with(KERNEL_PREFIX) && p.ends_with("-686"))
        .map(str::to_string)
}

/// A module's canonical name (dashes as underscores, no `.ko[.xz]`).
fn module_name(file: &str) -> Option<String> {
    let stem = file.strip_suffix(".ko").or_else(|| file.strip_suffix(".ko.xz"))?;
    Some(stem.replace('-', "_"))
}

/// The modules `wanted` need, each after its dependencies, as (name,
/// path) under `moddir`. Wanted names with no module file are built in
/// and skipped; a missing dependency is an error.
fn load_order(moddir: &Path, wanted: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![moddir.join("kernel")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("reading {}: {e}", d.display()))?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(n) = p.file_name().and_then(|n| module_name(&n.to_string_lossy())) {
                files.insert(n, p);
            }
        }
    }
    let depends = |name: &str| -> Result<Vec<String>> {
        let bytes = module_bytes(&files[name])?;
        Ok(modinfo(&bytes, "depends").map(|d| d.split(',').filter(|s| !s.is_empty()).map(|s| s.replace('-', "_")).collect()).unwrap_or_default())
    };
    let mut order: Vec<(String, PathBuf)> = Vec::new();
    let mut seen = BTreeSet::new();
    // Depth first, dependencies before their users.
    fn visit(
        n: &str,
        files: &BTreeMap<String, PathBuf>,
        depends: &dyn Fn(&str) -> Result<Vec<String>>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<(String, PathBuf)>,
    ) -> Result {
        if !seen.insert(n.to_string()) {
            return Ok(());
        }
        for d in depends(n)? {
            if !files.contains_key(&d) {
                return Err(format!("module {n} needs {d}, which the package lacks"));
            }
            visit(&d, files, depends, seen, order)?;
        }
        order.push((n.to_string(), files[n].clone()));
        Ok(())
    }
    for w in wanted {
        let w = w.replace('-', "_");
        if files.contains_key(&w) {
            visit(&w, &files, &depends, &mut seen, &mut order)?;
        }
    }
    Ok(order)
}

/// A module file's bytes (`.ko.xz` unpacked with `xz`).
fn module_bytes(path: &Path) -> Result<Vec<u8>> {
    if path.extension().is_some_and(|x| x == "xz") {
        let out = Command::new("xz").arg("-dc").arg(path).output().map_err(|e| format!("cannot run xz: {e}"))?;
        if !out.status.success() {
            return Err(format!("xz -dc {} failed", path.display()));
        }
        return Ok(out.stdout);
    }
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// The value of `key` in an ELF module's `.modinfo` section (NUL-separated
/// `key=value` strings). ELF32 and ELF64, little-endian.
fn modinfo(elf: &[u8], key: &str) -> Option<String> {
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |o: usize| elf.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let u64_at = |o: usize| elf.get(o..o + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()) as usize);
    if elf.get(..4) != Some(b"\x7fELF") {
        return None;
    }
    let wide = elf.get(4) == Some(&2);
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (u64_at(0x28)?, u16_at(0x3a)?, u16_at(0x3c)?, u16_at(0x3e)?)
    } else {
        (u32_at(0x20)?, u16_at(0x2e)?, u16_at(0x30)?, u16_at(0x32)?)
    };
    // (name offset, file offset, size) of section i.
    let section = |i: usize| -> Option<(usize, usize, usize)> {
        let h = shoff.checked_add(i.checked_mul(shentsize)?)?;
        if wide {
            Some((u32_at(h)?, u64_at(h + 0x18)?, u64_at(h + 0x20)?))
        } else {
            Some((u32_at(h)?, u32_at(h + 0x10)?, u32_at(h + 0x14)?))
        }
    };
    let (_, stroff, strsize) = section(shstrndx)?;
    let names = elf.get(stroff..stroff.checked_add(strsize)?)?;
    for i in 0..shnum {
        let (name, off, size) = section(i)?;
        let n = names.get(name..)?.split(|&b| b == 0).next()?;
        if n == b".modinfo" {
            let data = elf.get(off..off.checked_add(size)?)?;
            let prefix = format!("{key}=");
            return data
                .split(|&b| b == 0)
                .find_map(|s| s.strip_prefix(prefix.as_bytes()))
                .map(|v| String::from_utf8_lossy(v).into_owned());
        }
    }
    None
}

/// A `newc` (SVR4, no checksums) cpio archive, what Linux unpacks as an
/// initramfs.
#[derive(Default)]
struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    /// One entry: header, name, padding to 4 bytes, data, padding.
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.ino += 1;
        let nlink = if mode & 0o170000 == 0o040000 { 2 } else { 1 };
        let fields = [self.ino, mode, 0, 0, nlink, 0, data.len() as u32, 0, 0, rdev.0, rdev.1, name.len() as u32 + 1, 0];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, (0, 0), &[]);
    }

    fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, 0o100000 | perm, (0, 0), data);
    }

    fn char_device(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, 0o020600, (major, minor), &[]);
    }

    /// The archive with its `TRAILER!!!` entry.
    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a newc archive back: (name, mode, rdev major, minor, data).
    fn entries(mut a: &[u8]) -> Vec<(String, u32, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 0usize;
        loop {
            assert_eq!(&a[..6], b"070701", "magic at {at}");
            let field = |i: usize| u32::from_str_radix(std::str::from_utf8(&a[6 + 8 * i..14 + 8 * i]).unwrap(), 16).unwrap();
            let (mode, size, major, minor, namesize) = (field(1), field(6) as usize, field(9), field(10), field(11) as usize);
            let name = String::from_utf8(a[110..110 + namesize - 1].to_vec()).unwrap();
            assert_eq!(a[110 + namesize - 1], 0);
            let data_at = (110 + namesize).next_multiple_of(4);
            let data = a[data_at..data_at + size].to_vec();
            let next = (data_at + size).next_multiple_of(4);
            at += next;
            a = &a[next..];
            if name == "TRAILER!!!" {
                assert!(a.is_empty());
                return out;
            }
            out.push((name, mode, major, minor, data));
        }
    }

    #[test]
    fn cpio_newc_round_trip() {
        let mut c = Cpio::default();
        c.dir("dev");
        c.char_device("dev/console", 5, 1);
        c.file("init", 0o755, b"\x7fELF12345");
        c.file("modules", 0o644, b"");
        let a = c.finish();
        assert_eq!(a.len() % 4, 0);
        let e = entries(&a);
        assert_eq!(e.len(), 4);
        assert_eq!((e[0].0.as_str(), e[0].1), ("dev", 0o040755));
        assert_eq!((e[1].0.as_str(), e[1].1, e[1].2, e[1].3), ("dev/console", 0o020600, 5, 1));
        assert_eq!((e[2].0.as_str(), e[2].1, e[2].4.as_slice()), ("init", 0o100755, &b"\x7fELF12345"[..]));
        assert!(e[3].4.is_empty());
    }

    /// A minimal ELF32 object with a `.modinfo` section.
    fn elf32_with_modinfo(info: &[u8]) -> Vec<u8> {
        let strtab = b"\0.shstrtab\0.modinfo\0";
        let mut f = vec![0u8; 52];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 1;
        let info_off = f.len();
        f.extend_from_slice(info);
        let str_off = f.len();
        f.extend_from_slice(strtab);
        let shoff = f.len();
        f[0x20..0x24].copy_from_slice(&(shoff as u32).to_le_bytes());
        f[0x2e..0x30].copy_from_slice(&40u16.to_le_bytes());
        f[0x30..0x32].copy_from_slice(&3u16.to_le_bytes());
        f[0x32..0x34].copy_from_slice(&2u16.to_le_bytes());
        for (name, off, size) in [(0u32, 0usize, 0usize), (11, info_off, info.len()), (1, str_off, strtab.len())] {
            let mut h = [0u8; 40];
            h[..4].copy_from_slice(&name.to_le_bytes());
            h[0x10..0x14].copy_from_slice(&(off as u32).to_le_bytes());
            h[0x14..0x18].copy_from_slice(&(size as u32).to_le_bytes());
            f.extend_from_slice(&h);
        }
        f
    }

    #[test]
    fn modinfo_depends_from_elf32() {
        let elf = elf32_with_modinfo(b"license=GPL\0depends=libata,scsi_mod\0vermagic=6.1\0");
        assert_eq!(modinfo(&elf, "depends").as_deref(), Some("libata,scsi_mod"));
        assert_eq!(modinfo(&elf, "license").as_deref(), Some("GPL"));
        assert_eq!(modinfo(&elf, "alias"), None);
        assert_eq!(modinfo(&elf[..40], "depends"), None);
        assert_eq!(modinfo(b"not an elf", "depends"), None);
    }

    #[test]
    fn names_and_the_kernel_package() {
        assert_eq!(module_name("ne2k-pci.ko").as_deref(), Some("ne2k_pci"));
        assert_eq!(module_name("e1000.ko.xz").as_deref(), Some("e1000"));
        assert_eq!(module_name("modules.order"), None);
        let show = "Package: linux-image-686\nVersion: 6.1.176-1\nDepends: linux-image-6.1.0-50-686 (= 6.1.176-1)\n";
        assert_eq!(kernel_package(show).as_deref(), Some("linux-image-6.1.0-50-686"));
        assert_eq!(kernel_package("Depends: linux-image-6.1.0-50-686-pae (= 1)\n"), None);
    }
}
