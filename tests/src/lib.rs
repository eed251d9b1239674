//! The QEMU test harness: boots a kernel image with a chosen set of QEMU
//! devices, modules and command line, captures the serial console to a file,
//! enforces a timeout, and turns the way QEMU ended into a [`Verdict`].
//!
//! The kernel ends a test run through `isa-debug-exit` (port 0xF4): writing
//! 0x10 makes QEMU exit with 33 (pass), 0x11 with 35 (fail). QEMU exiting 0
//! means the guest powered off or reset (with `-no-reboot` a triple fault is
//! a reset); only a power-off the kernel announced (`acpi: powering off`)
//! counts as one. Anything else — another status, a timeout — is a failure,
//! and every failure message carries the tail of the serial log.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a QEMU run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The kernel reported success through `isa-debug-exit`.
    Pass,
    /// The kernel reported failure (a failed test or a panic).
    Fail,
    /// The guest powered off after announcing it.
    PoweredOff,
    /// QEMU exited 0 with no power-off announced: a reset or triple fault.
    ResetOrTripleFault,
    /// QEMU itself failed (bad option, missing file) with this status.
    QemuError(i32),
    /// The run did not end in time and was killed.
    Timeout,
}

/// Marker the kernel prints just before an ACPI power-off.
pub const POWEROFF_MARKER: &str = "acpi: powering off";

/// Maps QEMU's exit status (None: killed by a signal) to a verdict.
pub fn classify(status: Option<i32>, timed_out: bool, log: &str) -> Verdict {
    if timed_out {
        return Verdict::Timeout;
    }
    match status {
        Some(33) => Verdict::Pass,
        Some(35) => Verdict::Fail,
        Some(0) if log.contains(POWEROFF_MARKER) => Verdict::PoweredOff,
        Some(0) => Verdict::ResetOrTripleFault,
        Some(s) => Verdict::QemuError(s),
        None => Verdict::QemuError(-1),
    }
}

/// One QEMU boot to run.
#[derive(Clone, Debug)]
pub struct Boot {
    pub name: String,
    pub kernel: Option<PathBuf>,
    pub cdrom: Option<PathBuf>,
    pub memory_mib: u32,
    pub append: String,
    /// Module lines (`file arg arg`), passed with `-initrd` comma-separated.
    pub modules: Vec<String>,
    /// Extra QEMU arguments (`-device ne2k_pci`, `-drive ...`).
    pub qemu_args: Vec<String>,
    pub timeout: Duration,
    /// Bytes typed into the second serial port (com1), if it is wanted.
    pub com1_input: Option<Vec<u8>>,
    /// QEMU monitor commands, each sent once the serial log holds its
    /// text (in order: a command waits for the ones before it).
    pub monitor: Vec<(String, String)>,
}

impl Boot {
    /// A boot of `kernel` with 128 MiB, no devices, a 60 s timeout.
    pub fn kernel(name: &str, kernel: &Path) -> Self {
        Boot {
            name: name.into(),
            kernel: Some(kernel.into()),
            cdrom: None,
            memory_mib: 128,
            append: String::new(),
            modules: Vec::new(),
            qemu_args: Vec::new(),
            timeout: Duration::from_secs(60),
            com1_input: None,
            monitor: Vec::new(),
        }
    }

    /// Gives the machine a second serial port (com1) on which `input` is
    /// typed; what the guest writes there comes back in [`Outcome::com1`].
    pub fn com1(mut self, input: &[u8]) -> Self {
        self.com1_input = Some(input.to_vec());
        self
    }

    /// Sends the QEMU monitor command `command` (`set_link net0 off`) once
    /// the serial log contains `text`, after the earlier such commands: a
    /// fault injected at the moment the guest says it is ready for it.
    pub fn monitor_on(mut self, text: &str, command: &str) -> Self {
        self.monitor.push((text.into(), command.into()));
        self
    }

    /// A boot from an ISO image through its boot loader.
    pub fn cdrom(name: &str, iso: &Path) -> Self {
        Boot { kernel: None, cdrom: Some(iso.into()), ..Boot::kernel(name, Path::new("")) }
    }

    pub fn memory(mut self, mib: u32) -> Self {
        self.memory_mib = mib;
        self
    }

    pub fn append(mut self, cmdline: &str) -> Self {
        self.append = cmdline.into();
        self
    }

    pub fn module(mut self, line: &str) -> Self {
        self.modules.push(line.into());
        self
    }

    pub fn qemu(mut self, args: &[&str]) -> Self {
        self.qemu_args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The QEMU command line for this boot, serial going to `serial_log`
    /// (and com1, when wanted, to the named pipes `<serial_log>.com1.{in,out}`).
    pub fn command(&self, serial_log: &Path) -> Command {
        let mut c = Command::new(std::env::var("QEMU").unwrap_or_else(|_| "qemu-system-i386".into()));
        let accel = std::env::var("QEMU_ACCEL").unwrap_or_else(|_| "tcg".into());
        c.args(["-accel", &accel, "-m", &self.memory_mib.to_string()]);
        c.args(["-display", "none", "-no-reboot", "-monitor"]);
        if self.monitor.is_empty() {
            c.arg("none");
        } else {
            c.arg(format!("pipe:{}", monitor_base(serial_log).display()));
        }
        c.arg("-serial").arg(format!("file:{}", serial_log.display()));
        c.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        if self.com1_input.is_some() {
            c.arg("-serial").arg(format!("pipe:{}", com1_base(serial_log).display()));
        }
        if let Some(k) = &self.kernel {
            c.arg("-kernel").arg(k);
            if !self.append.is_empty() {
                c.arg("-append").arg(&self.append);
            }
            if !self.modules.is_empty() {
                c.arg("-initrd").arg(self.modules.join(","));
            }
        }
        if let Some(iso) = &self.cdrom {
            c.arg("-cdrom").arg(iso).args(["-boot", "d"]);
        }
        c.args(&self.qemu_args);
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }
}

/// Base path of the com1 named pipes of a run.
fn com1_base(serial_log: &Path) -> PathBuf {
    serial_log.with_extension("com1")
}

/// Base path of the monitor's named pipes of a run.
fn monitor_base(serial_log: &Path) -> PathBuf {
    serial_log.with_extension("monitor")
}

/// Makes a pair of named pipes `<base>.in` and `<base>.out` (QEMU's `pipe:`
/// character device) and opens the host ends read-write, which never blocks
/// on Linux, so a QEMU that fails to start cannot hang the harness. The
/// output end does not block on reads.
fn make_pipes(base: &Path) -> (std::fs::File, std::fs::File) {
    use std::os::unix::fs::OpenOptionsExt;
    const O_NONBLOCK: i32 = 0o4000;
    let ext = base.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    let (inp, out) = (base.with_extension(format!("{ext}.in")), base.with_extension(format!("{ext}.out")));
    for p in [&inp, &out] {
        let _ = std::fs::remove_file(p);
        let ok = Command::new("mkfifo").arg(p).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "mkfifo {} failed", p.display());
    }
    let input = std::fs::OpenOptions::new().read(true).write(true).open(&inp).expect("opening an input pipe");
    let output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_NONBLOCK)
        .open(&out)
        .expect("opening an output pipe");
    (input, output)
}

/// The host end of the QEMU monitor: commands still to send, each with the
/// serial log text that releases it.
struct Monitor {
    input: std::fs::File,
    output: std::fs::File,
    pending: std::collections::VecDeque<(String, String)>,
}

impl Monitor {
    /// Sends the next command once the serial log at `log` holds its text.
    fn poll(&mut self, log: &Path) {
        use std::io::{Read, Write};
        let mut sink = [0u8; 4096];
        // Keep QEMU's answers from filling the pipe.
        while matches!(self.output.read(&mut sink), Ok(n) if n > 0) {}
        let Some((text, _)) = self.pending.front() else { return };
        let seen = std::fs::read(log).map(|b| String::from_utf8_lossy(&b).contains(text.as_str())).unwrap_or(false);
        if seen {
            let (_, cmd) = self.pending.pop_front().unwrap();
            self.input.write_all(format!("{cmd}\n").as_bytes()).expect("writing to the QEMU monitor");
        }
    }
}

/// The host ends of com1's named pipes.
struct Com1 {
    _input: std::fs::File,
    output: std::fs::File,
}

/// Makes the com1 pipes and types `input` into them; the typed bytes wait
/// in the pipe until read.
fn start_com1(serial_log: &Path, input: &[u8]) -> Com1 {
    use std::io::Write;
    let (mut input_end, output) = make_pipes(&com1_base(serial_log));
    input_end.write_all(input).expect("typing into com1");
    Com1 { _input: input_end, output }
}

impl Com1 {
    /// What QEMU wrote (call after it exited).
    fn drain(mut self) -> Vec<u8> {
        use std::io::Read;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.output.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        got
    }
}

/// The result of a run: its verdict, the serial log, QEMU's own output.
pub struct Outcome {
    pub name: String,
    pub verdict: Verdict,
    pub log: String,
    /// What the guest wrote to com1 (when the boot asked for it).
    pub com1: Vec<u8>,
    pub qemu_output: String,
    pub log_path: PathBuf,
}

impl Outcome {
    /// The last `n` lines of the serial log.
    pub fn tail(&self, n: usize) -> String {
        let lines: Vec<&str> = self.log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Panics unless the verdict is `want`, showing the log's tail.
    pub fn expect(&self, want: Verdict) -> &Self {
        if self.verdict != want {
            panic!("{}", self.failure(&format!("expected {:?}", want)));
        }
        self
    }

    /// Panics unless the serial log contains `text`.
    pub fn expect_log(&self, text: &str) -> &Self {
        if !self.log.contains(text) {
            panic!("{}", self.failure(&format!("serial log lacks {:?}", text)));
        }
        self
    }

    /// Panics if the serial log contains `text`.
    pub fn expect_no_log(&self, text: &str) -> &Self {
        if self.log.contains(text) {
            panic!("{}", self.failure(&format!("serial log has {:?}", text)));
        }
        self
    }

    /// A failure message: what was wrong, the verdict, the log's tail.
    pub fn failure(&self, what: &str) -> String {
        format!(
            "QEMU run '{}': {}; verdict {:?}\nQEMU said: {}\n--- serial log tail ({}) ---\n{}\n---",
            self.name,
            what,
            self.verdict,
            self.qemu_output.trim(),
            self.log_path.display(),
            self.tail(40)
        )
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Outcome({}, {:?})", self.name, self.verdict)
    }
}

/// Where serial logs go: `$MACH_TEST_LOGS` or `target/qemu-logs`.
pub fn log_dir() -> PathBuf {
    let d = std::env::var_os("MACH_TEST_LOGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/qemu-logs"));
    std::fs::create_dir_all(&d).expect("creating the QEMU log directory");
    d
}

/// Boots, waits for the end or the timeout, and classifies the run.
pub fn run(boot: &Boot) -> Outcome {
    let log_path = log_dir().join(format!("{}.log", boot.name));
    let _ = std::fs::remove_file(&log_path);
    let com1 = boot.com1_input.as_ref().map(|input| start_com1(&log_path, input));
    let mut monitor = (!boot.monitor.is_empty()).then(|| {
        let (input, output) = make_pipes(&monitor_base(&log_path));
        Monitor { input, output, pending: boot.monitor.iter().cloned().collect() }
    });
    let mut child = boot.command(&log_path).spawn().unwrap_or_else(|e| {
        panic!("cannot start QEMU ({e}); `cargo xtask test` installs qemu-system-x86")
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait().expect("waiting for QEMU") {
            Some(s) => break s.code(),
            None if start.elapsed() > boot.timeout => {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => {
                if let Some(m) = monitor.as_mut() {
                    m.poll(&log_path);
                }
                std::thread::sleep(Duration::from_millis(20))
            }
        }
    };
    let out = child.wait_with_output().map(|o| {
        let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
        s.push_str(&String::from_utf8_lossy(&o.stderr));
        s
    });
    // The kernel writes \r\n to the UART; tests match on \n.
    let log = std::fs::read(&log_path)
        .map(|b| String::from_utf8_lossy(&b).replace("\r\n", "\n"))
        .unwrap_or_default();
    Outcome {
        name: boot.name.clone(),
        verdict: classify(status, timed_out, &log),
        log,
        com1: com1.map(Com1::drain).unwrap_or_default(),
        qemu_output: out.unwrap_or_default(),
        log_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_writes_stay_in_s1_and_s5_and_vary() {
        let mut sizes = std::collections::BTreeSet::new();
        for k in 0..disk::SWEEP_WRITES {
            let (lba, n) = disk::sweep_write(k);
            let inside = |p: (u64, u64)| lba >= p.0 && lba + n <= p.0 + p.1;
            assert!(inside(disk::S1) || inside(disk::S5), "write {k} at {lba}+{n}");
            sizes.insert(n);
        }
        assert!(sizes.contains(&256) && sizes.iter().any(|&n| n < 8) && sizes.len() > 10, "{sizes:?}");
    }

    #[test]
    fn exit_statuses_map_to_verdicts() {
        assert_eq!(classify(Some(33), false, ""), Verdict::Pass);
        assert_eq!(classify(Some(35), false, ""), Verdict::Fail);
        assert_eq!(classify(Some(0), false, "x\nacpi: powering off\n"), Verdict::PoweredOff);
        assert_eq!(classify(Some(0), false, "booting\n"), Verdict::ResetOrTripleFault);
        assert_eq!(classify(Some(1), false, ""), Verdict::QemuError(1));
        assert_eq!(classify(None, false, ""), Verdict::QemuError(-1));
        assert_eq!(classify(Some(33), true, ""), Verdict::Timeout);
    }

    #[test]
    fn command_carries_devices_modules_and_serial_file() {
        let b = Boot::kernel("t", Path::new("/k"))
            .memory(64)
            .append("test=boot")
            .module("/m1 a b")
            .module("/m2")
            .qemu(&["-device", "ne2k_pci"]);
        let c = b.command(Path::new("/tmp/s.log"));
        let args: Vec<String> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let joined = args.join(" ");
        assert!(joined.contains("-m 64"), "{joined}");
        assert!(joined.contains("-kernel /k -append test=boot -initrd /m1 a b,/m2"), "{joined}");
        assert!(joined.contains("-serial file:/tmp/s.log"), "{joined}");
        assert!(joined.contains("isa-debug-exit,iobase=0xf4,iosize=0x04"), "{joined}");
        assert!(joined.ends_with("-device ne2k_pci"), "{joined}");
        assert!(joined.contains("-monitor none"), "{joined}");
        let m = b.monitor_on("ready", "set_link nic0 off").command(Path::new("/tmp/s.log"));
        let joined: Vec<String> = m.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert!(joined.join(" ").contains("-monitor pipe:/tmp/s.monitor "), "{joined:?}");
    }

    #[test]
    fn failure_message_shows_the_log_tail() {
        let o = Outcome {
            name: "x".into(),
            com1: Vec::new(),
            verdict: Verdict::Fail,
            log: (0..100).map(|i| format!("line {i}\n")).collect(),
            qemu_output: String::new(),
            log_path: "/tmp/x.log".into(),
        };
        let m = o.failure("boom");
        assert!(m.contains("line 99") && m.contains("line 60") && !m.contains("line 59\n"), "{m}");
    }
}

/// A test CD image: raw 2048-byte blocks, block `b` holding [`cd::pattern`]
/// (`user/src/bin/cd_test.rs` knows the same pattern).
pub mod cd {
    /// Bytes per block.
    pub const BLOCK: usize = 2048;

    /// Byte `i` of block `b`.
    pub fn pattern(b: u32, i: usize) -> u8 {
        if i < 4 {
            return b.to_le_bytes()[i];
        }
        (b.wrapping_mul(17).wrapping_add(i as u32 * 3) ^ (i as u32 >> 8)) as u8
    }

    /// Writes an image of `blocks` blocks to `path`.
    pub fn write_image(path: &std::path::Path, blocks: u32) {
        let mut img = Vec::with_capacity(blocks as usize * BLOCK);
        for b in 0..blocks {
            img.extend((0..BLOCK).map(|i| pattern(b, i)));
        }
        std::fs::write(path, img).expect("writing the test CD image");
    }
}

/// A test disk: 16 MiB, an MBR with two primary partitions and an extended
/// one holding one logical partition, every other sector filled with
/// [`disk_sector_pattern`] of its LBA. `user/src/bin/disk_test.rs` knows
/// the same layout and pattern.
pub mod disk {
    /// Sectors on the disk (16 MiB).
    pub const SECTORS: u64 = 32768;
    /// (first sector, sectors) of hd0s1, hd0s2, hd0s3 (extended), hd0s5.
    pub const S1: (u64, u64) = (2048, 8192);
    pub const S2: (u64, u64) = (10240, 8192);
    pub const S3: (u64, u64) = (18432, 14336);
    pub const S5: (u64, u64) = (20480, 8192);

    /// What sector `lba` holds (except the MBR and the EBR).
    pub fn sector_pattern(lba: u64) -> [u8; 512] {
        let mut s = [0u8; 512];
        for (i, b) in s.iter_mut().enumerate() {
            *b = (lba as u32).wrapping_mul(31).wrapping_add(i as u32 * 7) as u8;
        }
        s[..8].copy_from_slice(&lba.to_le_bytes());
        s
    }

    fn entry(ty: u8, start: u64, len: u64) -> [u8; 16] {
        let mut e = [0u8; 16];
        e[4] = ty;
        // CHS fields: "use LBA" (1023/254/63).
        e[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
        e[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
        e[8..12].copy_from_slice(&(start as u32).to_le_bytes());
        e[12..16].copy_from_slice(&(len as u32).to_le_bytes());
        e
    }

    /// The whole image.
    pub fn image() -> Vec<u8> {
        let mut img = Vec::with_capacity((SECTORS * 512) as usize);
        for lba in 0..SECTORS {
            img.extend_from_slice(&sector_pattern(lba));
        }
        let mbr = &mut img[..512];
        mbr.fill(0);
        mbr[446..462].copy_from_slice(&entry(0x83, S1.0, S1.1));
        mbr[462..478].copy_from_slice(&entry(0x83, S2.0, S2.1));
        mbr[478..494].copy_from_slice(&entry(0x05, S3.0, S3.1));
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        let at = (S3.0 * 512) as usize;
        let ebr = &mut img[at..at + 512];
        ebr.fill(0);
        ebr[446..462].copy_from_slice(&entry(0x83, S5.0 - S3.0, S5.1));
        ebr[510] = 0x55;
        ebr[511] = 0xAA;
        img
    }

    /// Writes the image to `path`.
    pub fn write_image(path: &std::path::Path) {
        std::fs::write(path, image()).expect("writing the test disk image");
    }

    /// Sector `lba` of an image file's bytes.
    pub fn sector(img: &[u8], lba: u64) -> &[u8] {
        &img[(lba * 512) as usize..(lba * 512 + 512) as usize]
    }

    /// The bytes disk_test writes at byte `i` of its test write.
    pub fn written_byte(i: usize) -> u8 {
        (i as u32).wrapping_mul(13).wrapping_add(7) as u8 ^ 0x5a
    }

    /// Writes of `disk_test sweep` (as `SWEEP_WRITES` there).
    pub const SWEEP_WRITES: u32 = 40;

    /// The `k`th write of `disk_test sweep`: (first sector, sectors), from
    /// the same xorshift generator as `sweep_write` in `user/src/bin/disk_test.rs`.
    pub fn sweep_write(k: u32) -> (u64, u64) {
        let mut x = k.wrapping_mul(2654435761).wrapping_add(12345);
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let len = match next() % 4 {
            0 => 1 + next() % 8,
            1 => 120 + next() % 17,
            2 => 256,
            _ => 1 + next() % 256,
        };
        let (start, size) = if next() % 2 == 0 { S1 } else { S5 };
        (start + u64::from(next() % (size as u32 - len + 1)), u64::from(len))
    }

    /// Byte `i` of write `k` of `disk_test sweep`.
    pub fn sweep_byte(k: u32, i: usize) -> u8 {
        ((i as u32).wrapping_mul(7).wrapping_add(k.wrapping_mul(13)).wrapping_add((i >> 9) as u32) as u8) ^ (k as u8)
    }

    /// The image after `disk_test sweep`: the pristine one with every
    /// sweep write replayed in order.
    pub fn image_after_sweep() -> Vec<u8> {
        let mut img = image();
        for k in 0..SWEEP_WRITES {
            let (lba, n) = sweep_write(k);
            let at = (lba * 512) as usize;
            for i in 0..(n * 512) as usize {
                img[at + i] = sweep_byte(k, i);
            }
        }
        img
    }
}

/// Load runs (issue 16): the host side of `user/src/bin/diskload.rs`, a
/// disk of four partitions (two primary, two logical in an extended one)
/// with gaps between them, and the replay of the guest's seeded random
/// writes, so that the host can count bytes wrong inside the written ranges
/// and bytes changed outside them.
pub mod load {
    /// Largest write, in records (as `MAX_RECORDS` in diskload).
    pub const MAX_RECORDS: u32 = 256;

    /// xorshift32, as `next` in diskload.
    pub fn next(x: &mut u32) -> u32 {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        *x
    }

    /// Word `j` of write `k`, as `word` in diskload.
    pub fn word(seed: u32, k: u32, j: u32) -> u32 {
        seed ^ k.wrapping_mul(0x9E37_79B1) ^ j.wrapping_mul(0x85EB_CA6B)
    }

    /// The partitions of a disk of `sectors` sectors: (partition number,
    /// first sector, sectors) of hd0s1, hd0s2, hd0s5, hd0s6, and the
    /// extended partition (first sector, sectors).
    pub fn layout(sectors: u64) -> ([(u32, u64, u64); 4], (u64, u64)) {
        let q = sectors / 4;
        let ext = (2 * q, 2 * q - 2048);
        ([(1, 2048, q - 2048 - 64), (2, q, q - 100), (5, 2 * q + 63, q - 200), (6, 3 * q + 63, q - 2048 - 63 - 100)], ext)
    }

    fn entry(ty: u8, start: u64, len: u64) -> [u8; 16] {
        let mut e = [0u8; 16];
        e[4] = ty;
        e[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
        e[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
        e[8..12].copy_from_slice(&(start as u32).to_le_bytes());
        e[12..16].copy_from_slice(&(len as u32).to_le_bytes());
        e
    }

    /// The pristine image of `mib` MiB: every sector holds
    /// [`crate::disk::sector_pattern`] of its number, except the MBR and
    /// the two EBRs.
    pub fn image(mib: u64) -> Vec<u8> {
        let sectors = mib << 11;
        let mut img = Vec::with_capacity((sectors * 512) as usize);
        for lba in 0..sectors {
            img.extend_from_slice(&crate::disk::sector_pattern(lba));
        }
        let (parts, ext) = layout(sectors);
        let table = |img: &mut Vec<u8>, at: u64, entries: &[[u8; 16]]| {
            let s = &mut img[(at * 512) as usize..(at * 512 + 512) as usize];
            s.fill(0);
            for (i, e) in entries.iter().enumerate() {
                s[446 + 16 * i..462 + 16 * i].copy_from_slice(e);
            }
            s[510] = 0x55;
            s[511] = 0xAA;
        };
        let [p1, p2, p5, p6] = parts;
        table(&mut img, 0, &[entry(0x83, p1.1, p1.2), entry(0x83, p2.1, p2.2), entry(0x05, ext.0, ext.1)]);
        // Logical partitions: data entries relative to their EBR, the link
        // relative to the extended partition.
        let (ebr1, ebr2) = (ext.0, p6.1 - 63);
        table(&mut img, ebr1, &[entry(0x83, p5.1 - ebr1, p5.2), entry(0x05, ebr2 - ext.0, p6.2 + 63)]);
        table(&mut img, ebr2, &[entry(0x83, p6.1 - ebr2, p6.2)]);
        img
    }

    /// What the host found: writes replayed, bytes written, bytes wrong in
    /// the written ranges, bytes changed outside them.
    #[derive(Debug, PartialEq)]
    pub struct Check {
        pub writes: u32,
        pub bytes: u64,
        pub wrong_inside: u64,
        pub changed_outside: u64,
    }

    /// Replays diskload's writes (seed, at least `total` bytes) on the
    /// pristine image of `mib` MiB and compares the result with `disk`.
    pub fn check(mib: u64, seed: u32, total: u64, disk: &[u8]) -> Check {
        let mut want = image(mib);
        let sectors = mib << 11;
        let (parts, _) = layout(sectors);
        let mut written = vec![false; sectors as usize];
        let mut x = seed;
        let (mut k, mut bytes) = (0u32, 0u64);
        while bytes < total {
            let p = next(&mut x) % parts.len() as u32;
            let (_, start, records) = parts[p as usize];
            let records = records as u32;
            let len = 1 + next(&mut x) % MAX_RECORDS.min(records);
            let at = next(&mut x) % (records - len + 1);
            let lba = start + u64::from(at);
            for j in 0..len * 128 {
                let o = (lba * 512) as usize + 4 * j as usize;
                want[o..o + 4].copy_from_slice(&word(seed, k, j).to_le_bytes());
            }
            for s in lba..lba + u64::from(len) {
                written[s as usize] = true;
            }
            k += 1;
            bytes += u64::from(len) * 512;
        }
        let (mut wrong_inside, mut changed_outside) = (0, 0);
        for (s, (a, b)) in disk.chunks(512).zip(want.chunks(512)).enumerate() {
            let d = a.iter().zip(b).filter(|(x, y)| x != y).count() as u64;
            if written[s] {
                wrong_inside += d;
            } else {
                changed_outside += d;
            }
        }
        if disk.len() != want.len() {
            changed_outside += disk.len().abs_diff(want.len()) as u64;
        }
        Check { writes: k, bytes, wrong_inside, changed_outside }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_layout_leaves_gaps_and_the_check_sees_a_stray_byte() {
            let (parts, ext) = super::layout(32768);
            let mut end = 1;
            for &(_, start, len) in &parts {
                assert!(start > end, "partitions touch: {parts:?}");
                end = start + len;
            }
            assert!(end < ext.0 + ext.1 && ext.0 + ext.1 <= 32768);
            // Nothing written: a pristine disk checks clean, one stray byte
            // in a gap counts outside.
            let mut img = super::image(16);
            assert_eq!(super::check(16, 7, 0, &img).changed_outside, 0);
            img[(parts[1].1 as usize - 3) * 512] ^= 1;
            assert_eq!(super::check(16, 7, 0, &img).changed_outside, 1);
        }
    }
}
