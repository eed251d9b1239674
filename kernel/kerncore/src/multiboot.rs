//! Multiboot v1 boot information, read defensively.
//!
//! The loader hands the kernel a physical address; everything behind it (the
//! memory map, the module list, the strings) is read through [`PhysRead`], and
//! every malformed piece is recorded as a [`Problem`] and skipped, never trusted.

use crate::fixedvec::FixedVec;

/// Value of `%eax` when a multiboot v1 loader enters the kernel.
pub const BOOTLOADER_MAGIC: u32 = 0x2BAD_B002;

const FLAG_MEM: u32 = 1 << 0;
const FLAG_CMDLINE: u32 = 1 << 2;
const FLAG_MODS: u32 = 1 << 3;
const FLAG_MMAP: u32 = 1 << 6;
const FLAG_LOADER_NAME: u32 = 1 << 9;

/// The memory-map type of RAM the kernel may use.
pub const REGION_AVAILABLE: u32 = 1;
/// Longest string (command line, module line) the kernel keeps.
pub const MAX_STRING: u32 = 4096;
/// Most memory-map entries kept; further ones are reported and dropped.
pub const MAX_REGIONS: usize = 64;
/// Most modules kept; further ones are reported and dropped.
pub const MAX_MODULES: usize = 32;

/// Reads physical memory for the parser.
pub trait PhysRead {
    /// Fills `buf` from physical address `addr`; false when that memory cannot be read.
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool;
}

/// A physical memory range `[base, base + len)` with its multiboot type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemRegion {
    pub base: u64,
    pub len: u64,
    pub kind: u32,
}

impl MemRegion {
    pub fn end(&self) -> u64 {
        self.base + self.len
    }
}

/// A NUL-terminated string in physical memory: where it starts and its length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhysStr {
    pub addr: u32,
    pub len: u32,
}

/// One boot module: its physical range and its command line (file name first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Module {
    pub start: u32,
    pub end: u32,
    pub cmdline: Option<PhysStr>,
}

/// Something wrong in the boot information, reported on the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Problem {
    #[default]
    None,
    /// The info structure itself could not be read.
    UnreadableInfo,
    /// A memory-map entry with a `size` field too small to hold an entry; the rest of the map is dropped.
    MmapEntryTooSmall { index: usize, size: u32 },
    /// A memory-map entry that could not be read or ran past the map's length.
    MmapTruncated { index: usize },
    /// A region whose end overflows 64 bits; dropped.
    MmapRegionOverflow { index: usize },
    /// More regions than [`MAX_REGIONS`]; the rest are dropped.
    TooManyRegions,
    /// More modules than [`MAX_MODULES`] (or an unreadable list); the rest are dropped.
    TooManyModules { count: u32 },
    /// A module entry that could not be read.
    ModuleUnreadable { index: usize },
    /// A module whose end lies before its start; dropped.
    ModuleBadRange { index: usize, start: u32, end: u32 },
    /// A string with no NUL within [`MAX_STRING`] bytes, or unreadable; dropped.
    BadString { addr: u32 },
}

/// What the kernel keeps of the multiboot information.
#[derive(Clone, Default)]
pub struct BootInfo {
    /// Physical address of the info structure.
    pub info_addr: u32,
    pub flags: u32,
    /// KiB of memory below 1 MiB and above 1 MiB (the BIOS figures), if given.
    pub mem_lower_kib: Option<u32>,
    pub mem_upper_kib: Option<u32>,
    /// The memory map as given (sane entries only).
    pub regions: FixedVec<MemRegion, MAX_REGIONS>,
    /// The memory map's own location, to keep it from the page allocator.
    pub mmap_range: Option<(u32, u32)>,
    pub cmdline: Option<PhysStr>,
    pub loader_name: Option<PhysStr>,
    pub modules: FixedVec<Module, MAX_MODULES>,
    /// The module list's own location.
    pub mods_range: Option<(u32, u32)>,
    pub problems: FixedVec<Problem, 16>,
}

fn read_u32<R: PhysRead + ?Sized>(r: &R, addr: u64) -> Option<u32> {
    let mut b = [0u8; 4];
    r.read(addr, &mut b).then(|| u32::from_le_bytes(b))
}

fn read_u64<R: PhysRead + ?Sized>(r: &R, addr: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    r.read(addr, &mut b).then(|| u64::from_le_bytes(b))
}

/// Finds the NUL-terminated string at `addr` (at most [`MAX_STRING`] bytes).
pub fn read_cstr<R: PhysRead + ?Sized>(r: &R, addr: u32) -> Option<PhysStr> {
    let mut chunk = [0u8; 64];
    let mut len = 0u32;
    while len < MAX_STRING {
        let at = u64::from(addr) + u64::from(len);
        let n = chunk.len().min((MAX_STRING - len) as usize);
        // Read byte by byte near the end of readable memory.
        if !r.read(at, &mut chunk[..n]) {
            let mut one = [0u8; 1];
            if !r.read(at, &mut one) {
                return None;
            }
            if one[0] == 0 {
                return Some(PhysStr { addr, len });
            }
            len += 1;
            continue;
        }
        if let Some(pos) = chunk[..n].iter().position(|&b| b == 0) {
            return Some(PhysStr { addr, len: len + pos as u32 });
        }
        len += n as u32;
    }
    None
}

impl BootInfo {
    fn problem(&mut self, p: Problem) {
        // Past 16 problems the rest are not worth keeping.
        let _ = self.problems.push(p);
    }

    fn string(&mut self, r: &(impl PhysRead + ?Sized), addr: u32) -> Option<PhysStr> {
        let s = read_cstr(r, addr);
        if s.is_none() {
            self.problem(Problem::BadString { addr });
        }
        s
    }

    /// Reads the information structure at physical `info_addr`.
    ///
    /// Never fails: whatever cannot be trusted is left out and listed in `problems`.
    pub fn parse(r: &(impl PhysRead + ?Sized), info_addr: u32) -> BootInfo {
        let mut bi = BootInfo { info_addr, ..BootInfo::default() };
        let mut raw = [0u8; 88];
        if !r.read(u64::from(info_addr), &mut raw) {
            bi.problem(Problem::UnreadableInfo);
            return bi;
        }
        let word = |off: usize| u32::from_le_bytes(raw[off..off + 4].try_into().unwrap());
        bi.flags = word(0);
        if bi.flags & FLAG_MEM != 0 {
            bi.mem_lower_kib = Some(word(4));
            bi.mem_upper_kib = Some(word(8));
        }
        if bi.flags & FLAG_CMDLINE != 0 {
            bi.cmdline = bi.string(r, word(16));
        }
        if bi.flags & FLAG_LOADER_NAME != 0 {
            bi.loader_name = bi.string(r, word(64));
        }
        if bi.flags & FLAG_MODS != 0 {
            bi.parse_modules(r, word(20), word(24));
        }
        if bi.flags & FLAG_MMAP != 0 {
            bi.parse_mmap(r, word(44), word(48));
        }
        bi
    }

    fn parse_modules(&mut self, r: &(impl PhysRead + ?Sized), count: u32, addr: u32) {
        if count as usize > MAX_MODULES {
            self.problem(Problem::TooManyModules { count });
        }
        let kept = count.min(MAX_MODULES as u32);
        self.mods_range = Some((addr, addr.saturating_add(kept * 16)));
        for index in 0..kept as usize {
            let at = u64::from(addr) + 16 * index as u64;
            let (Some(start), Some(end), Some(string)) =
                (read_u32(r, at), read_u32(r, at + 4), read_u32(r, at + 8))
            else {
                self.problem(Problem::ModuleUnreadable { index });
                break;
            };
            if end < start {
                self.problem(Problem::ModuleBadRange { index, start, end });
                continue;
            }
            let cmdline = if string == 0 { None } else { self.string(r, string) };
            let _ = self.modules.push(Module { start, end, cmdline });
        }
    }

    fn parse_mmap(&mut self, r: &(impl PhysRead + ?Sized), length: u32, addr: u32) {
        self.mmap_range = Some((addr, addr.saturating_add(length)));
        let end = u64::from(addr) + u64::from(length);
        let mut at = u64::from(addr);
        let mut index = 0;
        while at < end {
            let Some(size) = read_u32(r, at) else {
                self.problem(Problem::MmapTruncated { index });
                return;
            };
            if size < 20 {
                self.problem(Problem::MmapEntryTooSmall { index, size });
                return;
            }
            if at + 4 + 20 > end {
                self.problem(Problem::MmapTruncated { index });
                return;
            }
            let (Some(base), Some(len), Some(kind)) =
                (read_u64(r, at + 4), read_u64(r, at + 12), read_u32(r, at + 20))
            else {
                self.problem(Problem::MmapTruncated { index });
                return;
            };
            if base.checked_add(len).is_none() {
                self.problem(Problem::MmapRegionOverflow { index });
            } else if len > 0 && self.regions.push(MemRegion { base, len, kind }).is_err() {
                self.problem(Problem::TooManyRegions);
                return;
            }
            at += 4 + u64::from(size);
            index += 1;
        }
    }

    /// RAM the kernel may use: the available regions minus every reserved region
    /// that overlaps them, sorted and merged. Without a memory map, the BIOS
    /// figures (`mem_lower`, `mem_upper`) give the two classic ranges.
    pub fn usable_ram(&self) -> FixedVec<MemRegion, MAX_REGIONS> {
        let mut out: FixedVec<MemRegion, MAX_REGIONS> = FixedVec::default();
        if self.regions.is_empty() {
            if let (Some(lo), Some(hi)) = (self.mem_lower_kib, self.mem_upper_kib) {
                let lo = u64::from(lo.min(640)) * 1024;
                let _ = out.push(MemRegion { base: 0, len: lo, kind: REGION_AVAILABLE });
                let hi = u64::from(hi) * 1024;
                if hi > 0 {
                    let _ = out.push(MemRegion { base: 0x10_0000, len: hi, kind: REGION_AVAILABLE });
                }
            }
            return out;
        }
        for reg in self.regions.as_slice().iter().filter(|r| r.kind == REGION_AVAILABLE) {
            let _ = out.push(*reg);
        }
        for hole in self.regions.as_slice().iter().filter(|r| r.kind != REGION_AVAILABLE) {
            out = subtract(&out, hole.base, hole.end());
        }
        sort_merge(&mut out);
        out
    }

    /// Total bytes of usable RAM.
    pub fn usable_bytes(&self) -> u64 {
        self.usable_ram().as_slice().iter().map(|r| r.len).sum()
    }
}

/// `regions` with `[lo, hi)` taken out.
fn subtract(regions: &FixedVec<MemRegion, MAX_REGIONS>, lo: u64, hi: u64) -> FixedVec<MemRegion, MAX_REGIONS> {
    let mut out: FixedVec<MemRegion, MAX_REGIONS> = FixedVec::default();
    for r in regions.as_slice() {
        if r.end() <= lo || r.base >= hi {
            let _ = out.push(*r);
            continue;
        }
        if r.base < lo {
            let _ = out.push(MemRegion { base: r.base, len: lo - r.base, kind: r.kind });
        }
        if r.end() > hi {
            let _ = out.push(MemRegion { base: hi, len: r.end() - hi, kind: r.kind });
        }
    }
    out
}

/// Sorts by base and merges overlapping or touching ranges.
fn sort_merge(v: &mut FixedVec<MemRegion, MAX_REGIONS>) {
    let s = v.as_mut_slice();
    s.sort_unstable_by_key(|r| r.base);
    let mut i = 1;
    while i < v.len() {
        let (prev, cur) = (v.as_slice()[i - 1], v.as_slice()[i]);
        if cur.base <= prev.end() {
            let end = prev.end().max(cur.end());
            v.as_mut_slice()[i - 1].len = end - prev.base;
            v.remove(i);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake physical memory: one buffer at address 0.
    struct Mem(Vec<u8>);

    impl PhysRead for Mem {
        fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
            let a = addr as usize;
            match self.0.get(a..a + buf.len()) {
                Some(src) => {
                    buf.copy_from_slice(src);
                    true
                }
                None => false,
            }
        }
    }

    impl Mem {
        fn put32(&mut self, at: usize, v: u32) {
            self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        fn put64(&mut self, at: usize, v: u64) {
            self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        fn put_str(&mut self, at: usize, s: &str) {
            self.0[at..at + s.len()].copy_from_slice(s.as_bytes());
            self.0[at + s.len()] = 0;
        }
        /// Writes mmap entries at `at`; returns the map length.
        fn mmap(&mut self, at: usize, entries: &[(u32, u64, u64, u32)]) -> u32 {
            let mut p = at;
            for &(size, base, len, kind) in entries {
                self.put32(p, size);
                self.put64(p + 4, base);
                self.put64(p + 12, len);
                self.put32(p + 20, kind);
                p += 4 + size as usize;
            }
            (p - at) as u32
        }
    }

    const INFO: usize = 0x100;

    fn qemu_like(mem_mib: u64) -> Mem {
        let mut m = Mem(vec![0; 0x4000]);
        m.put32(INFO, FLAG_MEM | FLAG_CMDLINE | FLAG_MODS | FLAG_MMAP);
        m.put32(INFO + 4, 639);
        m.put32(INFO + 8, (mem_mib as u32 - 1) * 1024);
        m.put_str(0x1000, "console=com0 test=boot");
        m.put32(INFO + 16, 0x1000);
        let len = m.mmap(
            0x2000,
            &[
                (20, 0, 0x9fc00, 1),
                (20, 0x9fc00, 0x400, 2),
                (20, 0xf0000, 0x10000, 2),
                (20, 0x10_0000, (mem_mib << 20) - 0x10_0000 - 0x20000, 1),
                (20, (mem_mib << 20) - 0x20000, 0x20000, 2),
                (20, 0xfffc_0000, 0x40000, 2),
            ],
        );
        m.put32(INFO + 44, len);
        m.put32(INFO + 48, 0x2000);
        // Two modules.
        m.put32(0x3000, 0x20_0000);
        m.put32(0x3004, 0x20_1000);
        m.put32(0x3008, 0x3100);
        m.put32(0x3010, 0x20_1000);
        m.put32(0x3014, 0x20_3000);
        m.put32(0x3018, 0x3200);
        m.put_str(0x3100, "ext2fs.static --host-priv-port=${host-port}");
        m.put_str(0x3200, "exec.static");
        m.put32(INFO + 20, 2);
        m.put32(INFO + 24, 0x3000);
        m
    }

    #[test]
    fn reads_a_well_formed_info() {
        let m = qemu_like(128);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert!(bi.problems.is_empty(), "{:?}", bi.problems.as_slice());
        assert_eq!(bi.regions.len(), 6);
        assert_eq!(bi.cmdline, Some(PhysStr { addr: 0x1000, len: 22 }));
        assert_eq!(bi.modules.len(), 2);
        assert_eq!(bi.modules.as_slice()[1].cmdline, Some(PhysStr { addr: 0x3200, len: 11 }));
        let usable = bi.usable_ram();
        assert_eq!(usable.len(), 2);
        assert_eq!(usable.as_slice()[1].base, 0x10_0000);
        // 128 MiB minus the hole below 1 MiB's reserved parts and the top 128 KiB.
        assert_eq!(bi.usable_bytes(), 0x9fc00 + (128 << 20) - 0x10_0000 - 0x20000);
    }

    #[test]
    fn too_small_mmap_entry_stops_the_map() {
        let mut m = qemu_like(64);
        let len = m.mmap(0x2000, &[(20, 0x10_0000, 0x100_0000, 1), (8, 0, 0, 1), (20, 0x200_0000, 0x1000, 1)]);
        m.put32(INFO + 44, len);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert_eq!(bi.regions.len(), 1);
        assert_eq!(bi.problems.as_slice(), &[Problem::MmapEntryTooSmall { index: 1, size: 8 }]);
    }

    #[test]
    fn mmap_length_cutting_an_entry_is_reported() {
        let mut m = qemu_like(64);
        m.put32(INFO + 44, 24 + 10);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert_eq!(bi.regions.len(), 1);
        assert_eq!(bi.problems.as_slice(), &[Problem::MmapTruncated { index: 1 }]);
    }

    #[test]
    fn overflowing_region_is_dropped_and_overlaps_are_resolved() {
        let mut m = qemu_like(64);
        let len = m.mmap(
            0x2000,
            &[
                (20, u64::MAX - 10, 100, 1),
                (20, 0x10_0000, 0x100_0000, 1),
                (20, 0x80_0000, 0x100_0000, 1),
                (20, 0x40_0000, 0x1000, 2),
            ],
        );
        m.put32(INFO + 44, len);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert_eq!(bi.problems.as_slice(), &[Problem::MmapRegionOverflow { index: 0 }]);
        let u = bi.usable_ram();
        assert_eq!(
            u.as_slice(),
            &[
                MemRegion { base: 0x10_0000, len: 0x30_0000, kind: 1 },
                MemRegion { base: 0x40_1000, len: 0x180_0000 - 0x40_1000, kind: 1 },
            ]
        );
    }

    #[test]
    fn bad_modules_are_skipped() {
        let mut m = qemu_like(64);
        m.put32(0x3010, 0x30_0000); // start after end
        m.put32(INFO + 20, 1000); // absurd count: list runs off memory
        let bi = BootInfo::parse(&m, INFO as u32);
        assert!(bi.modules.len() < MAX_MODULES);
        assert_eq!(bi.modules.as_slice()[0].start, 0x20_0000);
        assert_ne!(bi.modules.as_slice()[1].start, 0x30_0000);
        assert!(bi.problems.as_slice().contains(&Problem::TooManyModules { count: 1000 }));
        assert!(bi.problems.as_slice().contains(&Problem::ModuleBadRange { index: 1, start: 0x30_0000, end: 0x20_3000 }));
    }

    #[test]
    fn unterminated_string_is_dropped() {
        let mut m = qemu_like(64);
        let at = m.0.len() - 16;
        m.0[at..].fill(b'x');
        m.put32(INFO + 16, at as u32);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert_eq!(bi.cmdline, None);
        assert_eq!(bi.problems.as_slice(), &[Problem::BadString { addr: at as u32 }]);
    }

    #[test]
    fn no_mmap_falls_back_to_bios_figures() {
        let mut m = qemu_like(32);
        m.put32(INFO, FLAG_MEM);
        let bi = BootInfo::parse(&m, INFO as u32);
        assert_eq!(bi.usable_bytes(), 639 * 1024 + 31 * 1024 * 1024);
    }

    #[test]
    fn unreadable_info_is_reported() {
        let m = Mem(vec![0; 16]);
        let bi = BootInfo::parse(&m, 0x1000);
        assert_eq!(bi.problems.as_slice(), &[Problem::UnreadableInfo]);
    }
}
