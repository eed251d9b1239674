//! Property tests of the parsers of boot-time data from outside the kernel (issue 16):
//! ELF images ([`crate::elf::parse`]), boot scripts ([`crate::bootscript::plan`]) and
//! the kernel command line ([`crate::cmdline::KernelArgs::parse`]).
//!
//! Each property runs 100,000 or more generated cases from a seeded generator. No
//! case may panic (an out-of-bounds read is a panic here) or loop forever, and what
//! the parsers accept must satisfy the rules their modules document.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::bootscript::{self, Mode, Right};
use crate::cmdline::KernelArgs;
use crate::elf::{self, ElfError, MAX_LOAD, PAGE_SIZE, USER_END};

/// Cases per property.
const CASES: u64 = 100_000;

/// xorshift64*: the seeded generator of these tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// A valid static executable like the user programs' (text, rodata, data+bss),
/// followed by a PT_INTERP and a PT_DYNAMIC header; `0x3040` bytes.
fn elf_base() -> Vec<u8> {
    let mut b = vec![0u8; 0x3040];
    b[0..4].copy_from_slice(b"\x7FELF");
    b[4] = 1;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&3u16.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..28].copy_from_slice(&0x0804_8074u32.to_le_bytes());
    b[28..32].copy_from_slice(&52u32.to_le_bytes());
    b[40..42].copy_from_slice(&52u16.to_le_bytes());
    b[42..44].copy_from_slice(&32u16.to_le_bytes());
    let phs: [[u32; 8]; 5] = [
        [1, 0, 0x0804_8000, 0x0804_8000, 0x1200, 0x1200, 5, 0x1000],
        [1, 0x2000, 0x0804_A000, 0x0804_A000, 0x300, 0x300, 4, 0x1000],
        [1, 0x3000, 0x0804_B000, 0x0804_B000, 0x40, 0x2000, 6, 0x1000],
        [3, 0x200, 0, 0, 0x13, 0x13, 4, 1],
        [2, 0x3000, 0x0804_B000, 0x0804_B000, 0x40, 0x40, 6, 4],
    ];
    // Three headers in use; the mutations raise the count to reach the others.
    b[44..46].copy_from_slice(&3u16.to_le_bytes());
    for (i, ph) in phs.iter().enumerate() {
        for (k, w) in ph.iter().enumerate() {
            let at = 52 + 32 * i + 4 * k;
            b[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
    b
}

fn edge_u32(rng: &mut Rng) -> u32 {
    match rng.below(10) {
        0 => 0,
        1 => u32::MAX,
        2 => 0xC000_0000 - rng.below(0x3000) as u32,
        3 => 0xBFFF_F000,
        4 => 0x0804_8000 + rng.below(0x4000) as u32,
        5 => rng.below(0x3100) as u32,
        6 => 1 << rng.below(32),
        _ => rng.next() as u32,
    }
}

/// Everything an accepted image promises the loader.
fn check_executable(exe: &elf::Executable, len: usize) {
    let segs = exe.segments.as_slice();
    assert!(!segs.is_empty() && segs.len() <= MAX_LOAD);
    for (i, s) in segs.iter().enumerate() {
        assert!(s.filesz <= s.memsz && s.memsz > 0, "{:?}", s);
        assert!(
            u64::from(s.offset) + u64::from(s.filesz) <= len as u64,
            "{:?}",
            s
        );
        assert!(
            u64::from(s.vaddr) + u64::from(s.memsz) <= USER_END,
            "{:?}",
            s
        );
        let (start, end) = s.page_range();
        assert!(start % PAGE_SIZE as u32 == 0 && u64::from(end) <= USER_END && start < end);
        for t in &segs[..i] {
            let (os, oe) = t.page_range();
            assert!(end <= os || oe <= start, "{:?} and {:?} share a page", s, t);
        }
    }
    assert!(segs
        .iter()
        .any(|s| exe.entry >= s.vaddr && exe.entry < s.end()));
}

#[test]
fn elf_base_image_is_valid() {
    let base = elf_base();
    let exe = elf::parse(&base).unwrap();
    assert_eq!(exe.segments.len(), 3);
    check_executable(&exe, base.len());
}

#[test]
fn hostile_elf_images() {
    let base = elf_base();
    let mut img = base.clone();
    let mut rng = Rng(0x5eed_0016_0000_0021);
    let (mut ok, mut deep) = (0, 0);
    for _ in 0..CASES {
        // Restore the headers (all that the mutations touch) from the base.
        img[..52 + 32 * 8].copy_from_slice(&base[..52 + 32 * 8]);
        for _ in 0..1 + rng.below(4) {
            match rng.below(6) {
                0 => {
                    // A bit flip in the file header or the program headers.
                    let at = rng.below(52 + 32 * 6) as usize;
                    img[at] ^= 1 << rng.below(8);
                }
                1 => {
                    // A program header field set to an edge value.
                    let at = 52 + 32 * rng.below(6) as usize + 4 * rng.below(8) as usize;
                    img[at..at + 4].copy_from_slice(&edge_u32(&mut rng).to_le_bytes());
                }
                2 => {
                    // The entry point, the header table's offset, size or count.
                    let (at, w) =
                        rng.pick(&[(24usize, 4usize), (28, 4), (40, 2), (42, 2), (44, 2)]);
                    let v = match rng.below(3) {
                        0 => rng.below(8) as u32,
                        1 => rng.pick(&[32, 52, 64, 65, 0x3040, 0xffff]),
                        _ => edge_u32(&mut rng),
                    };
                    img[at..at + w].copy_from_slice(&v.to_le_bytes()[..w]);
                }
                3 => {
                    // Program headers pointed into the file's tail (zeros) or
                    // duplicated, so the same segment appears twice.
                    let n = 1 + rng.below(8) as u16;
                    img[44..46].copy_from_slice(&n.to_le_bytes());
                    if rng.below(2) == 0 {
                        let from = 52 + 32 * rng.below(3) as usize;
                        let to = 52 + 32 * rng.below(8) as usize;
                        let ph: Vec<u8> = img[from..from + 32].to_vec();
                        img[to..to + 32].copy_from_slice(&ph);
                    }
                }
                4 => {
                    // A PT_LOAD spread with many small segments (too many to keep).
                    let n = 17 + rng.below(3) as u16;
                    img[28..32].copy_from_slice(&0x100u32.to_le_bytes());
                    img[44..46].copy_from_slice(&n.to_le_bytes());
                    for i in 0..n as usize {
                        let at = 0x100 + 32 * i;
                        let v = [1u32, 0, 0x0804_8000 + 0x1000 * i as u32, 0, 0, 0x10, 5, 0];
                        for (k, w) in v.iter().enumerate() {
                            img[at + 4 * k..at + 4 * k + 4].copy_from_slice(&w.to_le_bytes());
                        }
                    }
                }
                _ => {
                    // Random bytes over a header.
                    let at = 52 + 32 * rng.below(6) as usize;
                    for b in &mut img[at..at + 32] {
                        *b = rng.next() as u8;
                    }
                }
            }
        }
        let len = match rng.below(6) {
            0 => rng.below(img.len() as u64 + 1) as usize,
            1 => rng.below(64 + 32 * 8) as usize,
            _ => img.len(),
        };
        match elf::parse(&img[..len]) {
            Ok(exe) => {
                ok += 1;
                check_executable(&exe, len);
            }
            Err(e) => {
                deep += matches!(
                    e,
                    ElfError::SegmentsOverlap { .. }
                        | ElfError::SegmentOutsideFile { .. }
                        | ElfError::SegmentInKernelSpace { .. }
                        | ElfError::TooManySegments
                        | ElfError::EntryOutsideSegments(_)
                ) as u64;
            }
        }
        // Mutation 4 writes past the restored area: put that back too.
        img[0x100..0x100 + 32 * 20].copy_from_slice(&base[0x100..0x100 + 32 * 20]);
    }
    assert!(ok > CASES / 20 && deep > CASES / 10, "{} {}", ok, deep);
}

#[test]
fn random_bytes_as_elf() {
    let mut rng = Rng(0x5eed_0016_0000_0022);
    let mut img = vec![0u8; 1024];
    for _ in 0..CASES {
        let len = rng.below(1024) as usize;
        for b in &mut img[..len] {
            *b = rng.next() as u8;
        }
        if len >= 20 && rng.below(2) == 0 {
            img[..20].copy_from_slice(b"\x7FELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x03\0");
        }
        if let Ok(exe) = elf::parse(&img[..len]) {
            check_executable(&exe, len);
        }
    }
}

/// A random boot-script line from the language's own pieces.
fn script_line(rng: &mut Rng, vars: &[&str]) -> String {
    const PIECES: [&str; 30] = [
        "ext2fs",
        "/hurd/exec",
        "--host-priv-port=",
        "${",
        "}",
        "$(",
        ")",
        "=",
        "task-create",
        "task-resume",
        "prompt-task-resume",
        "vm-object-create",
        "host-port",
        "device-port",
        "kernel-task",
        "kernel-command-line",
        "boot-args",
        "root-device",
        " ",
        " ",
        "\t",
        "\n",
        "\0",
        "#",
        "'",
        "\\",
        "é",
        "\u{10348}",
        "$",
        "{",
    ];
    let mut s = String::new();
    for _ in 0..rng.below(24) {
        match rng.below(10) {
            0 => {
                let v = rng.pick(vars);
                s.push_str(rng.pick(&["${", "$("]));
                s.push_str(v);
                if rng.below(3) == 0 {
                    s.push('=');
                    s.push_str(rng.pick(vars));
                }
                s.push(rng.pick(&['}', ')', ' ']));
            }
            1 => {
                s.push_str("$(");
                if rng.below(2) == 0 {
                    s.push_str(rng.pick(vars));
                    s.push('=');
                }
                s.push_str(rng.pick(&["task-create", "task-resume", "prompt-task-resume"]));
                s.push(')');
            }
            2 => s.push(char::from(rng.below(128) as u8)),
            _ => s.push_str(rng.pick(&PIECES)),
        }
    }
    s
}

#[test]
fn random_boot_scripts() {
    let mut rng = Rng(0x5eed_0016_0000_0023);
    let vars = [
        "a",
        "b",
        "c",
        "exec-task",
        "host-port",
        "task-create",
        "",
        "x y",
        "root",
    ];
    let (mut ok, mut failed) = (0u64, 0u64);
    for _ in 0..CASES {
        let n = rng.below(6) as usize;
        let lines: Vec<String> = (0..n).map(|_| script_line(&mut rng, &vars)).collect();
        let modules: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
        let cmdline = script_line(&mut rng, &["a=1", "b=${a}", "-s", "root=device:hd0"]);
        let plan = bootscript::plan(&modules, &cmdline);
        // Each module is accounted for exactly once, in compat and script mode.
        if modules.is_empty() {
            assert!(!plan.is_ok());
            continue;
        }
        if plan.mode == Mode::Compat {
            assert_eq!(plan.commands.len(), 1);
            assert!(plan.is_ok());
        } else {
            let mut seen = vec![0u32; n];
            for c in &plan.commands {
                seen[c.module] += 1;
            }
            for &(m, _) in &plan.skipped {
                seen[m] += 1;
            }
            for e in &plan.errors {
                seen[e.module] += 1;
            }
            assert!(seen.iter().all(|&k| k == 1), "{:?} {:?}", modules, plan);
        }
        if plan.is_ok() {
            ok += 1;
            // Every task right names a module whose task is created.
            for c in &plan.commands {
                assert!(!c.name.is_empty());
                for a in &c.argv {
                    if let Some(Right::Task(m)) = a.right {
                        assert!(plan.command_for(m).is_some(), "{:?} {:?}", modules, plan);
                    }
                }
            }
        } else {
            failed += 1;
        }
        let _ = bootscript::compat_boot_args(&cmdline);
        let _ = bootscript::compat_root_device(&cmdline);
    }
    assert!(ok > CASES / 20 && failed > CASES / 20, "{} {}", ok, failed);
}

#[test]
fn random_kernel_command_lines() {
    let mut rng = Rng(0x5eed_0016_0000_0024);
    let pieces = [
        "console=", "com0", "com9", "test=", "a,b", ",", "bench", "-s", "-", "=", "x=y", " ", "\t",
        "é",
    ];
    let mut line = String::new();
    for _ in 0..CASES {
        line.clear();
        let most = if rng.below(20) == 0 { 200 } else { 12 };
        for _ in 0..rng.below(most) {
            match rng.below(4) {
                0 => line.push(char::from(rng.below(128) as u8)),
                _ => line.push_str(rng.pick(&pieces)),
            }
        }
        let args = KernelArgs::parse(&line);
        let _ = args.var("x");
        let _ = args.var("");
    }
}
