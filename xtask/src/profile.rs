//! `cargo xtask profile [--seconds N] [--delay S] [--top K] [--kernel PATH] -- BOOT-SCRIPT-LINE`:
//! where the time goes while a program runs, from PC samples.
//!
//! The kernel boots as users boot it (the QEMU line of `bench --against`:
//! `console=com0`, no test mode, a 64 MiB IDE disk) with the given
//! boot-script line as its module(s); a program named without a path is
//! taken from the user programs (`user/src/bin`). After `--delay` seconds
//! (the boot), the guest's registers are read through QEMU's QMP socket
//! (`info registers`) as fast as QEMU answers, for `--seconds` seconds, and
//! each sample is sorted out: user mode (CPL 3), halted (`HLT=1`, whoever
//! executed the `hlt`), or a kernel PC. Kernel PCs are symbolised with
//! `addr2line` against the kernel image (built with debug information):
//! hot functions (the function the code belongs to, inlined code counted in
//! its caller) and hot lines (the innermost source line). User PCs are
//! symbolised against the program when there is only one.
//!
//! With `--callers`, each kernel sample also reads 2 KiB of the stack
//! (`x/512xw` at `%esp`) and walks the frame-pointer chain in it (the
//! kernel is built with frame pointers): a function past its `push %ebp;
//! mov %esp,%ebp` prologue has its caller's return address at `%ebp + 4`;
//! in a function without that prologue (the assembly routines, `memset`...)
//! or before it has run, the caller is the first word from `%esp` up that is
//! a return address (just after a `call` in `.text`), then the chain goes
//! on from `%ebp`. The report then lists the hottest functions with their
//! callers, and the functions by inclusive share (the samples with the
//! function anywhere on the stack: the time spent under it). It lowers the
//! sampling rate.
//!
//! Under TCG the PC QEMU reports is where the guest's current block of
//! translated code began, so lines are near, not exact; functions are right.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{take_opt, target_dir, Result};

/// One sample: the PC, whether the CPU was halted, whether it was in user
/// mode, and (with `--callers`) the return addresses on the stack, the
/// caller's first.
struct Sample {
    pc: u32,
    halted: bool,
    user: bool,
    stack: Vec<u32>,
}

pub fn run(args: &[String]) -> Result {
    let mut args = args.to_vec();
    let line: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => {
            let l = args[i + 1..].to_vec();
            args.truncate(i);
            l
        }
        None => Vec::new(),
    };
    let parse = |v: Option<String>, name: &str, default: f64| -> Result<f64> {
        v.map_or(Ok(default), |v| v.parse().map_err(|_| format!("bad {name} {v}")))
    };
    let seconds = parse(take_opt(&mut args, "--seconds")?, "--seconds", 5.0)?;
    let delay = parse(take_opt(&mut args, "--delay")?, "--delay", 2.0)?;
    let top = parse(take_opt(&mut args, "--top")?, "--top", 25.0)? as usize;
    let kernel = take_opt(&mut args, "--kernel")?.map(PathBuf::from);
    let callers = crate::take_flag(&mut args, "--callers");
    if let Some(a) = args.first() {
        return Err(format!("unknown argument {a}"));
    }
    if line.is_empty() {
        return Err("usage: cargo xtask profile [--seconds N] [--delay S] [--top K] [--callers] [--kernel PATH] -- BOOT-SCRIPT-LINE\n\
             e.g. cargo xtask profile -- bench_mach '${host-port}' '${device-port}' '$(task-create)' '$(task-resume)'"
            .into());
    }
    let kernel = match kernel {
        Some(k) => k,
        None => crate::build_kernel(true)?,
    };
    let user = crate::build_user()?;
    // Each module's first word is its file: a bare name is a user program.
    let mut programs = Vec::new();
    let modules: Vec<String> = line
        .join(" ")
        .split(',')
        .map(|m| {
            let m = m.trim();
            let (file, rest) = m.split_once(' ').unwrap_or((m, ""));
            let path = if Path::new(file).exists() { PathBuf::from(file) } else { user.join(file.trim_start_matches('/')) };
            programs.push(path.clone());
            format!("{} {rest}", path.display()).trim_end().to_string()
        })
        .collect();
    if let Some(p) = programs.iter().find(|p| !p.exists()) {
        return Err(format!("{}: no such program", p.display()));
    }

    let sock = target_dir().join("profile-qmp.sock");
    let log = target_dir().join("profile-serial.log");
    let disk = target_dir().join("profile-disk.img");
    let _ = std::fs::remove_file(&sock);
    let _ = std::fs::remove_file(&log);
    std::fs::File::create(&disk).and_then(|f| f.set_len(64 << 20)).map_err(|e| format!("creating {}: {e}", disk.display()))?;
    let mut qemu = crate::user_qemu(&kernel, &disk, &log, &modules.join(","));
    qemu.arg("-qmp").arg(format!("unix:{},server=on,wait=off", sock.display()));
    eprintln!("xtask profile: booting {} with {}", kernel.display(), modules.join(","));
    let mut child = qemu.stdin(Stdio::null()).spawn().map_err(|e| format!("cannot start qemu-system-i386: {e}"))?;
    let text = if callers { Some(text_range(&kernel)?) } else { None };
    let samples = sample(&sock, delay, seconds, text);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&disk);
    let _ = std::fs::remove_file(&sock);
    let samples = samples?;
    report(&samples, &kernel, (programs.len() == 1).then(|| programs[0].as_path()), top, seconds)?;
    if callers {
        report_callers(&samples, &kernel, top.min(10))?;
    }
    eprintln!("xtask profile: serial log {}", log.display());
    Ok(())
}

/// The kernel's code: its address and bytes, to tell return addresses,
/// and the start of each function (from `nm`), sorted.
struct Text {
    base: u32,
    bytes: Vec<u8>,
    starts: Vec<u32>,
}

impl Text {
    /// Whether `pc` is past the `push %ebp; mov %esp,%ebp` prologue of a
    /// function that has one, so that `%ebp` is its own frame.
    fn in_frame(&self, pc: u32) -> bool {
        let i = self.starts.partition_point(|&s| s <= pc);
        let Some(&start) = i.checked_sub(1).and_then(|i| self.starts.get(i)) else { return false };
        let at = (start - self.base) as usize;
        pc >= start + 3 && self.bytes.get(at..at + 3) == Some(&[0x55, 0x89, 0xE5][..])
    }

    /// The return addresses of the frames on `stack` (words read at `esp`),
    /// innermost first, for a sample at `pc` with frame pointer `ebp`.
    fn walk(&self, pc: u32, esp: u32, ebp: u32, stack: &[u32]) -> Vec<u32> {
        let word = |a: u32| a.checked_sub(esp).filter(|o| o % 4 == 0).and_then(|o| stack.get(o as usize / 4)).copied();
        let mut out = Vec::new();
        if !self.in_frame(pc) {
            // A leaf without a frame: its return address is near the top.
            match stack.iter().take(16).find(|&&a| self.is_return_address(a)) {
                Some(&a) => out.push(a),
                None => return out,
            }
        }
        let mut fp = ebp;
        while out.len() < 64 {
            let (Some(next), Some(ret)) = (word(fp), word(fp.wrapping_add(4))) else { break };
            if !self.is_return_address(ret) {
                break;
            }
            out.push(ret);
            if next <= fp {
                break;
            }
            fp = next;
        }
        out
    }

    /// Whether `a` is in the code just after a `call`: `E8 rel32`, or
    /// `FF /2` with a 0-, 1- or 4-byte displacement.
    fn is_return_address(&self, a: u32) -> bool {
        let Some(i) = a.checked_sub(self.base).map(|i| i as usize).filter(|&i| i >= 7 && i <= self.bytes.len()) else {
            return false;
        };
        let b = |back: usize| self.bytes[i - back];
        let call_ind = |back: usize| b(back) == 0xFF && (b(back - 1) >> 3) & 7 == 2;
        b(5) == 0xE8 || call_ind(2) || call_ind(3) || call_ind(6) || call_ind(7)
    }
}

/// The kernel's `.text` (its range from `readelf`, its bytes from the file).
fn text_range(elf: &Path) -> Result<Text> {
    let out = Command::new("readelf").arg("-SW").arg(elf).output().map_err(|e| format!("cannot run readelf: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let words: Vec<&str> = text
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == ".text"))
        .ok_or_else(|| format!("{}: no .text section", elf.display()))?
        .split_whitespace()
        .collect();
    // `[ N] .text PROGBITS ADDR OFF SIZE ...`
    let at = words.iter().position(|w| *w == ".text").unwrap();
    let hex = |i: usize| words.get(i).and_then(|w| u32::from_str_radix(w, 16).ok());
    let (Some(base), Some(off), Some(size)) = (hex(at + 2), hex(at + 3), hex(at + 4)) else {
        return Err(format!("{}: cannot read the .text section's range", elf.display()));
    };
    let file = std::fs::read(elf).map_err(|e| format!("reading {}: {e}", elf.display()))?;
    let bytes = file.get(off as usize..(off + size) as usize).ok_or("the .text section is past the file's end")?.to_vec();
    let out = Command::new("nm").args(["-n", "--defined-only"]).arg(elf).output().map_err(|e| format!("cannot run nm: {e}"))?;
    let mut starts: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (a, t) = (w.next()?, w.next()?);
            matches!(t, "t" | "T" | "W" | "w").then(|| u32::from_str_radix(a, 16).ok()).flatten()
        })
        .filter(|&a| a >= base && a < base + size)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    Ok(Text { base, bytes, starts })
}

/// Samples the guest's registers through QMP at `sock` for `seconds`, after
/// `delay`; with `text` (the kernel's code range), a caller for kernel samples.
fn sample(sock: &Path, delay: f64, seconds: f64, text: Option<Text>) -> Result<Vec<Sample>> {
    let start = Instant::now();
    let stream = loop {
        match UnixStream::connect(sock) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < Duration::from_secs(20) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("cannot connect to QMP at {}: {e}", sock.display())),
        }
    };
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut writer = stream;
    // Reads lines until the answer to the last command (events are skipped).
    let answer = |reader: &mut BufReader<UnixStream>| -> Result<String> {
        let mut l = String::new();
        loop {
            l.clear();
            if reader.read_line(&mut l).map_err(|e| e.to_string())? == 0 {
                return Err("QMP closed (the guest ended)".into());
            }
            if l.contains("\"return\"") || l.contains("\"error\"") {
                return Ok(std::mem::take(&mut l));
            }
        }
    };
    let mut greeting = String::new();
    reader.read_line(&mut greeting).map_err(|e| e.to_string())?;
    writer.write_all(b"{\"execute\":\"qmp_capabilities\"}\n").map_err(|e| e.to_string())?;
    answer(&mut reader)?;
    std::thread::sleep(Duration::from_secs_f64(delay));
    let cmd = b"{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info registers\"}}\n";
    let mut samples = Vec::new();
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < end {
        if writer.write_all(cmd).is_err() {
            break;
        }
        let Ok(r) = answer(&mut reader) else { break };
        let hex_after = |key: &str| -> Option<u32> {
            let i = r.find(key)? + key.len();
            let digits: String = r[i..].chars().take_while(char::is_ascii_hexdigit).collect();
            u32::from_str_radix(&digits, 16).ok()
        };
        let Some(pc) = hex_after("EIP=") else { break };
        let user = match hex_after("CPL=") {
            Some(cpl) => cpl == 3,
            None => pc < 0xC000_0000,
        };
        let halted = r.contains("HLT=1");
        let mut stack = Vec::new();
        if let (Some(text), Some(esp), Some(ebp), false, false) = (&text, hex_after("ESP="), hex_after("EBP="), user, halted) {
            let x = format!("{{\"execute\":\"human-monitor-command\",\"arguments\":{{\"command-line\":\"x/512xw {esp:#x}\"}}}}\n");
            if writer.write_all(x.as_bytes()).is_err() {
                break;
            }
            let Ok(m) = answer(&mut reader) else { break };
            // `ADDR: 0xWORD 0xWORD 0xWORD 0xWORD` lines (newlines escaped in
            // the JSON string): the words after each colon.
            let words: Vec<u32> = m
                .split("\\r\\n")
                .flat_map(|l| l.split_once(": ").map_or("", |(_, w)| w).split_whitespace())
                .filter_map(|w| w.trim_matches('"').strip_prefix("0x").and_then(|h| u32::from_str_radix(h, 16).ok()))
                .collect();
            stack = text.walk(pc, esp, ebp, &words);
        }
        samples.push(Sample { pc, halted, user, stack });
    }
    if samples.is_empty() {
        return Err("no samples: did the guest run past --delay?".into());
    }
    Ok(samples)
}

/// For each PC: (the function it belongs to, inlining resolved to the outer
/// function; the innermost function and source line), from `addr2line`.
fn symbolise(elf: &Path, pcs: &[u32]) -> Result<HashMap<u32, (String, String)>> {
    let mut child = Command::new("addr2line")
        .args(["-a", "-f", "-C", "-i", "-e"])
        .arg(elf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run addr2line (binutils): {e}"))?;
    let input: String = pcs.iter().map(|pc| format!("{pc:#x}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = feeder.join();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = HashMap::new();
    // Groups: the address, then (function, file:line) pairs, innermost first.
    let mut lines = text.lines().peekable();
    while let Some(addr) = lines.next() {
        let Some(pc) = addr.strip_prefix("0x").and_then(|h| u32::from_str_radix(h, 16).ok()) else { continue };
        let mut frames = Vec::new();
        while lines.peek().is_some_and(|l| !l.starts_with("0x")) {
            let func = lines.next().unwrap_or("??").to_string();
            let at = lines.next().unwrap_or("??:0");
            frames.push((func, at.rsplit('/').next().unwrap_or(at).to_string()));
        }
        let outer = frames.last().map_or("??".to_string(), |f| f.0.clone());
        let inner = frames.first().map_or("??  ??:0".to_string(), |f| format!("{}  {}", short(&f.0), f.1));
        map.insert(pc, (outer, inner));
    }
    Ok(map)
}

/// The hottest kernel functions with their callers, and the functions by
/// inclusive share (on the stack at all).
fn report_callers(samples: &[Sample], kernel: &Path, top: usize) -> Result {
    let n = samples.len();
    let pct = |k: usize| format!("{:5.1}%", 100.0 * k as f64 / n as f64);
    let kernel_samples: Vec<&Sample> = samples.iter().filter(|s| !s.user && !s.halted).collect();
    // Return addresses are symbolised at the call instruction before them.
    let mut addrs: Vec<u32> = kernel_samples.iter().flat_map(|s| std::iter::once(s.pc).chain(s.stack.iter().map(|a| a - 1))).collect();
    addrs.sort_unstable();
    addrs.dedup();
    let sym = symbolise(kernel, &addrs)?;
    let func = |a: u32| sym.get(&a).map_or("??", |(f, _)| f.as_str());
    // Function: its samples, and its callers' samples.
    type Calls<'a> = (usize, HashMap<&'a str, usize>);
    let mut by_fn: HashMap<&str, Calls> = HashMap::new();
    let mut inclusive: HashMap<&str, usize> = HashMap::new();
    for s in &kernel_samples {
        let e = by_fn.entry(func(s.pc)).or_default();
        e.0 += 1;
        *e.1.entry(s.stack.first().map_or("(no caller found)", |&c| func(c - 1))).or_default() += 1;
        let mut on_stack: Vec<&str> = std::iter::once(func(s.pc)).chain(s.stack.iter().map(|&a| func(a - 1))).collect();
        on_stack.sort_unstable();
        on_stack.dedup();
        for f in on_stack {
            *inclusive.entry(f).or_default() += 1;
        }
    }
    let mut fns: Vec<(&str, Calls)> = by_fn.into_iter().collect();
    fns.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    println!("kernel functions and their callers (share of all samples):");
    for (f, (k, callers)) in fns.into_iter().take(top) {
        println!("  {} {}", pct(k), short(f));
        for (c, kc) in sorted(callers).into_iter().take(4) {
            println!("         {} from {}", pct(kc), short(c));
        }
    }
    println!("kernel functions, inclusive (the share of samples with the function on the stack):");
    for (f, k) in sorted(inclusive).into_iter().take(top * 2) {
        println!("  {} {}", pct(k), short(f));
    }
    Ok(())
}

/// The entries of `m`, the largest counts first.
fn sorted(m: HashMap<&str, usize>) -> Vec<(&str, usize)> {
    let mut v: Vec<(&str, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}

/// A function name without its generic arguments' paths, to fit a line.
fn short(f: &str) -> String {
    if f.len() <= 90 { f.to_string() } else { format!("{}...", &f[..87]) }
}

fn report(samples: &[Sample], kernel: &Path, program: Option<&Path>, top: usize, seconds: f64) -> Result {
    let n = samples.len();
    let pct = |k: usize| format!("{:5.1}%", 100.0 * k as f64 / n as f64);
    let (user, halted) = (samples.iter().filter(|s| s.user).count(), samples.iter().filter(|s| s.halted).count());
    let kernel_busy = n - user - samples.iter().filter(|s| s.halted && !s.user).count();
    println!("{n} samples in {seconds} s ({:.0}/s)", n as f64 / seconds);
    println!("  user mode {}   kernel, running {}   halted (hlt) {}", pct(user), pct(kernel_busy), pct(halted));
    let count = |pcs: &mut dyn Iterator<Item = u32>| {
        let mut c: BTreeMap<u32, usize> = BTreeMap::new();
        for pc in pcs {
            *c.entry(pc).or_default() += 1;
        }
        c
    };
    let mut sections = vec![("kernel", kernel, count(&mut samples.iter().filter(|s| !s.user && !s.halted).map(|s| s.pc)))];
    if let Some(p) = program {
        sections.push(("user", p, count(&mut samples.iter().filter(|s| s.user).map(|s| s.pc))));
    }
    for (what, elf, pcs) in sections {
        if pcs.is_empty() {
            continue;
        }
        let keys: Vec<u32> = pcs.keys().copied().collect();
        let sym = symbolise(elf, &keys)?;
        let (mut by_fn, mut by_line): (HashMap<&str, usize>, HashMap<&str, usize>) = (HashMap::new(), HashMap::new());
        for (pc, k) in &pcs {
            let (f, l) = sym.get(pc).map_or(("??", "??"), |(f, l)| (f.as_str(), l.as_str()));
            *by_fn.entry(f).or_default() += k;
            *by_line.entry(l).or_default() += k;
        }
        println!("{what} functions (share of all samples; {}):", elf.display());
        for (f, k) in sorted(by_fn).into_iter().take(top) {
            println!("  {} {}", pct(k), short(f));
        }
        println!("{what} lines:");
        for (l, k) in sorted(by_line).into_iter().take(top) {
            println!("  {} {}", pct(k), l);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code at 0x1000: f (a frame prologue, a direct call), g (no prologue, an
    /// indirect call through a register), then padding.
    fn text() -> Text {
        let mut bytes = vec![0x90u8; 64];
        // f at 0x1000: push %ebp; mov %esp,%ebp; call rel32 (returns to 0x1008).
        bytes[..8].copy_from_slice(&[0x55, 0x89, 0xE5, 0xE8, 0, 0, 0, 0]);
        // g at 0x1010: call *%eax (returns to 0x1012).
        bytes[0x10..0x12].copy_from_slice(&[0xFF, 0xD0]);
        Text { base: 0x1000, bytes, starts: vec![0x1000, 0x1010] }
    }

    #[test]
    fn return_addresses_follow_calls() {
        let t = text();
        assert!(t.is_return_address(0x1008));
        assert!(t.is_return_address(0x1012));
        assert!(!t.is_return_address(0x1009));
        assert!(!t.is_return_address(0x0fff));
        assert!(!t.is_return_address(0x2000));
    }

    #[test]
    fn frames_past_the_prologue_use_the_frame_pointer() {
        let t = text();
        assert!(t.in_frame(0x1005));
        assert!(!t.in_frame(0x1001));
        assert!(!t.in_frame(0x1011));
        // Stack at 0x8000: a stale return address in the locals, then the
        // frame at 0x8008 (saved %ebp 0x8010, return 0x1012), then the next
        // frame (saved %ebp 0, return 0x1008).
        let stack = [0x1008, 0, 0x8010, 0x1012, 0x0, 0x1008];
        assert_eq!(t.walk(0x1005, 0x8000, 0x8008, &stack), vec![0x1012, 0x1008]);
        // In g (no frame), the first return address on the stack is the caller.
        assert_eq!(t.walk(0x1011, 0x8000, 0x8008, &stack), vec![0x1008, 0x1012, 0x1008]);
    }
}
