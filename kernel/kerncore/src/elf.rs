//! ELF32 i386 executables, validated before the kernel loads one from a boot module.
//!
//! [`parse`] reads only the file header and the program headers, checks every
//! number against the file's size and the user address space, and returns what the
//! loader needs: the entry point and the `PT_LOAD` segments. Nothing is trusted:
//! a corrupt or hostile image yields an [`ElfError`], never a panic or an overflow.
//!
//! Rules (GNU Mach's loader allocates each segment's pages with
//! `vm_allocate(anywhere = FALSE)`, so segments that share a page do not load there;
//! they are refused here too):
//! - `ELFCLASS32`, `ELFDATA2LSB`, `EV_CURRENT`, `ET_EXEC`, `EM_386`;
//! - program headers of 32 bytes, at most [`MAX_PHDRS`], inside the file;
//! - each `PT_LOAD`: `filesz <= memsz`, file bytes inside the file, memory inside
//!   user space (below [`USER_END`]), no two segments on a common page; a
//!   `PT_LOAD` with `memsz == 0` is ignored; at most [`MAX_LOAD`] of them, at
//!   least one;
//! - the entry point lies inside a loaded segment.
//!
//! `PT_INTERP` and `PT_DYNAMIC` are reported, not refused: GNU Mach ignores them
//! (the Hurd boots the dynamic `exec` server by loading `ld.so` itself as the
//! module), and the caller decides.

use crate::fixedvec::FixedVec;

/// The first address above user space (the kernel's linear map starts here).
pub const USER_END: u64 = 0xC000_0000;
/// Page size used for the "no shared page" rule.
pub const PAGE_SIZE: u64 = 4096;
/// Most program headers accepted (real executables have fewer than 16).
pub const MAX_PHDRS: usize = 64;
/// Most non-empty `PT_LOAD` segments accepted.
pub const MAX_LOAD: usize = 16;

const EHDR_SIZE: usize = 52;
const PHDR_SIZE: usize = 32;
const ET_EXEC: u16 = 2;
const EM_386: u16 = 3;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;

/// Segment permission bits, as in `p_flags`.
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

/// One `PT_LOAD` segment: `filesz` bytes from file offset `offset` go to `vaddr`,
/// and the rest up to `memsz` is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u32,
    pub memsz: u32,
    pub filesz: u32,
    pub offset: u32,
    /// `PF_R | PF_W | PF_X` bits (other bits dropped).
    pub flags: u32,
}

impl Segment {
    pub fn readable(&self) -> bool {
        self.flags & PF_R != 0
    }
    pub fn writable(&self) -> bool {
        self.flags & PF_W != 0
    }
    pub fn executable(&self) -> bool {
        self.flags & PF_X != 0
    }
    /// First byte past the segment in memory (fits: checked by [`parse`]).
    pub fn end(&self) -> u32 {
        self.vaddr + self.memsz
    }
    /// The page-aligned range `[start, end)` the segment occupies.
    pub fn page_range(&self) -> (u32, u32) {
        let start = self.vaddr & !(PAGE_SIZE as u32 - 1);
        let end = (u64::from(self.end()) + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        (start, end as u32)
    }
}

/// A validated executable.
#[derive(Clone, Default)]
pub struct Executable {
    pub entry: u32,
    /// Non-empty `PT_LOAD` segments, in file order.
    pub segments: FixedVec<Segment, MAX_LOAD>,
    /// A `PT_INTERP` header is present (a dynamically linked program).
    pub interp: bool,
    /// A `PT_DYNAMIC` header is present.
    pub dynamic: bool,
}

impl PartialEq for Executable {
    fn eq(&self, o: &Self) -> bool {
        self.entry == o.entry
            && self.segments.as_slice() == o.segments.as_slice()
            && self.interp == o.interp
            && self.dynamic == o.dynamic
    }
}

impl Eq for Executable {}

impl core::fmt::Debug for Executable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Executable")
            .field("entry", &self.entry)
            .field("segments", &self.segments.as_slice())
            .field("interp", &self.interp)
            .field("dynamic", &self.dynamic)
            .finish()
    }
}

impl Executable {
    /// True for a statically linked program (no interpreter, no dynamic section).
    pub fn is_static(&self) -> bool {
        !self.interp && !self.dynamic
    }
}

/// Why an image was refused. `index` is the program header's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// Shorter than the 52-byte file header.
    TooShort,
    BadMagic,
    /// Not `ELFCLASS32`.
    NotElf32,
    /// Not little-endian.
    NotLittleEndian,
    /// `EI_VERSION` or `e_version` not 1.
    BadVersion,
    /// `e_type` is not `ET_EXEC` (2).
    NotExecutable(u16),
    /// `e_machine` is not `EM_386` (3).
    NotI386(u16),
    /// `e_ehsize` below 52 or `e_phentsize` not 32.
    BadHeaderSize,
    /// More than [`MAX_PHDRS`] program headers (or `PN_XNUM`).
    TooManyPhdrs(u16),
    /// The program header table is not inside the file.
    PhdrsOutsideFile,
    /// `p_filesz > p_memsz`.
    FileszExceedsMemsz {
        index: usize,
    },
    /// The file bytes of a segment are not inside the file.
    SegmentOutsideFile {
        index: usize,
    },
    /// The segment reaches [`USER_END`] or beyond (or wraps around).
    SegmentInKernelSpace {
        index: usize,
    },
    /// Two segments overlap or share a page.
    SegmentsOverlap {
        first: usize,
        second: usize,
    },
    /// More than [`MAX_LOAD`] non-empty `PT_LOAD` segments.
    TooManySegments,
    /// No non-empty `PT_LOAD` segment.
    NoSegments,
    /// The entry point is in no loaded segment.
    EntryOutsideSegments(u32),
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Validates `image` (the whole file) and returns its entry point and segments.
///
/// # Errors
/// The first rule the image breaks, see [`ElfError`].
pub fn parse(image: &[u8]) -> Result<Executable, ElfError> {
    if image.len() < EHDR_SIZE {
        return Err(ElfError::TooShort);
    }
    if image[0..4] != [0x7F, b'E', b'L', b'F'] {
        return Err(ElfError::BadMagic);
    }
    if image[4] != 1 {
        return Err(ElfError::NotElf32);
    }
    if image[5] != 1 {
        return Err(ElfError::NotLittleEndian);
    }
    if image[6] != 1 || u32_at(image, 20) != 1 {
        return Err(ElfError::BadVersion);
    }
    let e_type = u16_at(image, 16);
    if e_type != ET_EXEC {
        return Err(ElfError::NotExecutable(e_type));
    }
    let machine = u16_at(image, 18);
    if machine != EM_386 {
        return Err(ElfError::NotI386(machine));
    }
    let entry = u32_at(image, 24);
    let phoff = u64::from(u32_at(image, 28));
    let ehsize = u16_at(image, 40);
    let phentsize = u16_at(image, 42);
    let phnum = u16_at(image, 44);
    if usize::from(ehsize) < EHDR_SIZE || usize::from(phentsize) != PHDR_SIZE {
        return Err(ElfError::BadHeaderSize);
    }
    if usize::from(phnum) > MAX_PHDRS {
        return Err(ElfError::TooManyPhdrs(phnum));
    }
    let table_end = phoff + u64::from(phnum) * PHDR_SIZE as u64;
    if table_end > image.len() as u64 {
        return Err(ElfError::PhdrsOutsideFile);
    }

    let mut exe = Executable { entry, ..Default::default() };
    // Program-header index of each kept segment, for error reports.
    let mut indices: FixedVec<usize, MAX_LOAD> = FixedVec::default();
    for index in 0..usize::from(phnum) {
        let ph = &image[phoff as usize + index * PHDR_SIZE..][..PHDR_SIZE];
        match u32_at(ph, 0) {
            PT_INTERP => exe.interp = true,
            PT_DYNAMIC => exe.dynamic = true,
            PT_LOAD => {
                let seg = Segment {
                    offset: u32_at(ph, 4),
                    vaddr: u32_at(ph, 8),
                    filesz: u32_at(ph, 16),
                    memsz: u32_at(ph, 20),
                    flags: u32_at(ph, 24) & (PF_R | PF_W | PF_X),
                };
                if seg.filesz > seg.memsz {
                    return Err(ElfError::FileszExceedsMemsz { index });
                }
                if seg.memsz == 0 {
                    continue;
                }
                if u64::from(seg.offset) + u64::from(seg.filesz) > image.len() as u64 {
                    return Err(ElfError::SegmentOutsideFile { index });
                }
                if u64::from(seg.vaddr) + u64::from(seg.memsz) > USER_END {
                    return Err(ElfError::SegmentInKernelSpace { index });
                }
                let (start, end) = seg.page_range();
                for (k, other) in exe.segments.as_slice().iter().enumerate() {
                    let (os, oe) = other.page_range();
                    if start < oe && os < end {
                        return Err(ElfError::SegmentsOverlap { first: indices.as_slice()[k], second: index });
                    }
                }
                if exe.segments.push(seg).is_err() || indices.push(index).is_err() {
                    return Err(ElfError::TooManySegments);
                }
            }
            _ => {}
        }
    }
    if exe.segments.is_empty() {
        return Err(ElfError::NoSegments);
    }
    if !exe.segments.as_slice().iter().any(|s| entry >= s.vaddr && entry < s.end()) {
        return Err(ElfError::EntryOutsideSegments(entry));
    }
    Ok(exe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A program header for the test images.
    #[derive(Clone, Copy)]
    struct Ph {
        kind: u32,
        offset: u32,
        vaddr: u32,
        filesz: u32,
        memsz: u32,
        flags: u32,
    }

    fn load(offset: u32, vaddr: u32, filesz: u32, memsz: u32, flags: u32) -> Ph {
        Ph { kind: PT_LOAD, offset, vaddr, filesz, memsz, flags }
    }

    /// An image like the user programs' (`user/link.ld`): headers and text in the
    /// first page at 0x08048000, rodata and data+bss on their own pages.
    fn typical() -> Vec<Ph> {
        vec![
            load(0, 0x0804_8000, 0x1200, 0x1200, PF_R | PF_X),
            load(0x2000, 0x0804_A000, 0x300, 0x300, PF_R),
            load(0x3000, 0x0804_B000, 0x40, 0x2000, PF_R | PF_W),
        ]
    }

    fn build(phs: &[Ph], entry: u32) -> Vec<u8> {
        let mut b = vec![0u8; 0x3040];
        b[0..4].copy_from_slice(b"\x7FELF");
        b[4] = 1; // ELFCLASS32
        b[5] = 1; // little-endian
        b[6] = 1; // EV_CURRENT
        b[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        b[18..20].copy_from_slice(&EM_386.to_le_bytes());
        b[20..24].copy_from_slice(&1u32.to_le_bytes());
        b[24..28].copy_from_slice(&entry.to_le_bytes());
        b[28..32].copy_from_slice(&52u32.to_le_bytes());
        b[40..42].copy_from_slice(&52u16.to_le_bytes());
        b[42..44].copy_from_slice(&32u16.to_le_bytes());
        b[44..46].copy_from_slice(&(phs.len() as u16).to_le_bytes());
        for (i, ph) in phs.iter().enumerate() {
            let at = 52 + i * 32;
            let words = [ph.kind, ph.offset, ph.vaddr, ph.vaddr, ph.filesz, ph.memsz, ph.flags, 0x1000];
            for (k, w) in words.iter().enumerate() {
                b[at + 4 * k..at + 4 * k + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
        b
    }

    #[test]
    fn typical_static_program() {
        let exe = parse(&build(&typical(), 0x0804_8074)).unwrap();
        assert_eq!(exe.entry, 0x0804_8074);
        assert_eq!(exe.segments.len(), 3);
        let s = exe.segments.as_slice();
        assert!(s[0].readable() && s[0].executable() && !s[0].writable());
        assert_eq!(
            s[2],
            Segment { vaddr: 0x0804_B000, memsz: 0x2000, filesz: 0x40, offset: 0x3000, flags: PF_R | PF_W }
        );
        assert_eq!(s[2].page_range(), (0x0804_B000, 0x0804_D000));
        assert!(exe.is_static());
    }

    #[test]
    fn interp_and_dynamic_reported() {
        let mut phs = typical();
        phs.push(Ph { kind: PT_INTERP, offset: 0x100, vaddr: 0x0804_8100, filesz: 0x13, memsz: 0x13, flags: PF_R });
        phs.push(Ph { kind: PT_DYNAMIC, offset: 0x3000, vaddr: 0x0804_B000, filesz: 0x40, memsz: 0x40, flags: PF_R });
        phs.push(Ph { kind: 0x6474_E551, offset: 0, vaddr: 0, filesz: 0, memsz: 0, flags: 6 }); // PT_GNU_STACK
        let exe = parse(&build(&phs, 0x0804_8074)).unwrap();
        assert!(exe.interp && exe.dynamic && !exe.is_static());
        assert_eq!(exe.segments.len(), 3);
    }

    #[test]
    fn header_checks() {
        let good = build(&typical(), 0x0804_8074);
        assert_eq!(parse(&good[..51]), Err(ElfError::TooShort));
        let cases: [(usize, u8, ElfError); 7] = [
            (0, 0x7E, ElfError::BadMagic),
            (4, 2, ElfError::NotElf32),
            (5, 2, ElfError::NotLittleEndian),
            (6, 0, ElfError::BadVersion),
            (20, 2, ElfError::BadVersion),
            (16, 3, ElfError::NotExecutable(3)),
            (18, 62, ElfError::NotI386(62)),
        ];
        for (at, v, want) in cases {
            let mut b = good.clone();
            b[at] = v;
            assert_eq!(parse(&b), Err(want), "byte {}", at);
        }
        let mut b = good.clone();
        b[42] = 40;
        assert_eq!(parse(&b), Err(ElfError::BadHeaderSize));
        let mut b = good.clone();
        b[40] = 20;
        assert_eq!(parse(&b), Err(ElfError::BadHeaderSize));
        let mut b = good.clone();
        b[44..46].copy_from_slice(&0xFFFFu16.to_le_bytes());
        assert_eq!(parse(&b), Err(ElfError::TooManyPhdrs(0xFFFF)));
        let mut b = good.clone();
        b[28..32].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        assert_eq!(parse(&b), Err(ElfError::PhdrsOutsideFile));
        let mut b = good.clone();
        b[28..32].copy_from_slice(&(good.len() as u32 - 40).to_le_bytes());
        assert_eq!(parse(&b), Err(ElfError::PhdrsOutsideFile));
    }

    #[test]
    fn segment_checks() {
        let entry = 0x0804_8074;
        let with = |i: usize, ph: Ph| {
            let mut phs = typical();
            phs[i] = ph;
            parse(&build(&phs, entry))
        };
        assert_eq!(
            with(1, load(0x2000, 0x0804_A000, 0x301, 0x300, PF_R)),
            Err(ElfError::FileszExceedsMemsz { index: 1 })
        );
        assert_eq!(
            with(1, load(0x3000, 0x0804_A000, 0x41, 0x300, PF_R)),
            Err(ElfError::SegmentOutsideFile { index: 1 })
        );
        assert_eq!(
            with(1, load(0xFFFF_FFFF, 0x0804_A000, 0x10, 0x300, PF_R)),
            Err(ElfError::SegmentOutsideFile { index: 1 })
        );
        assert_eq!(
            with(2, load(0x3000, 0xBFFF_F000, 0x40, 0x1001, 6)),
            Err(ElfError::SegmentInKernelSpace { index: 2 })
        );
        assert_eq!(with(2, load(0x3000, 0xC000_0000, 0x40, 0x40, 6)), Err(ElfError::SegmentInKernelSpace { index: 2 }));
        assert_eq!(
            with(2, load(0x3000, 0xFFFF_F000, 0x40, 0x2000, 6)),
            Err(ElfError::SegmentInKernelSpace { index: 2 })
        );
        // Ending exactly at the top of user space is fine.
        assert!(with(2, load(0x3000, 0xBFFF_F000, 0x40, 0x1000, 6)).is_ok());
        // Byte overlap, and page sharing without byte overlap.
        assert_eq!(
            with(1, load(0x2000, 0x0804_9000, 0x300, 0x300, PF_R)),
            Err(ElfError::SegmentsOverlap { first: 0, second: 1 })
        );
        assert_eq!(
            with(1, load(0x2000, 0x0804_9200, 0x300, 0x300, PF_R)),
            Err(ElfError::SegmentsOverlap { first: 0, second: 1 })
        );
        assert_eq!(
            with(2, load(0x3000, 0x0804_A400, 0x40, 0x40, 6)),
            Err(ElfError::SegmentsOverlap { first: 1, second: 2 })
        );
        // Empty PT_LOADs are skipped, even where they would overlap.
        assert!(with(1, load(0, 0x0804_8000, 0, 0, PF_R)).is_ok());
    }

    #[test]
    fn counts_and_entry() {
        assert_eq!(parse(&build(&[], 0)), Err(ElfError::NoSegments));
        let many: Vec<Ph> = (0..17).map(|i| load(0, 0x1000_0000 + i * 0x1000, 0x10, 0x10, PF_R)).collect();
        assert_eq!(parse(&build(&many, 0x1000_0000)), Err(ElfError::TooManySegments));
        assert!(parse(&build(&many[..16], 0x1000_0000)).is_ok());
        assert_eq!(parse(&build(&typical(), 0x0804_9200)), Err(ElfError::EntryOutsideSegments(0x0804_9200)));
        assert_eq!(parse(&build(&typical(), 0)), Err(ElfError::EntryOutsideSegments(0)));
    }

    #[test]
    fn corrupt_bytes_never_panic() {
        let good = build(&typical(), 0x0804_8074);
        for at in 0..good.len().min(52 + 3 * 32) {
            for v in [0u8, 1, 0x7F, 0x80, 0xFF] {
                let mut b = good.clone();
                b[at] = v;
                let _ = parse(&b);
                let _ = parse(&b[..b.len() / 2]);
            }
        }
    }
}
