//! Property tests of [`scan`](super::scan) on hostile disks (issue 16).
//!
//! Each case starts from one of a few valid images (MBR with an extended chain and
//! a BSD slice, GPT, BSD label in a primary), then applies a few random mutations:
//! byte flips where the tables live, table fields set to edge values (0, 1, the disk
//! size, `u32::MAX`, random), EBR links bent back into loops, GPT header and entry
//! fields set to huge counts and sizes (with the CRCs recomputed so the deeper checks
//! are reached, or left stale), random sectors of noise, unreadable sectors and a
//! disk cut short. Every case must scan without panicking, with a bounded number of
//! sector reads, and every partition and BSD slice found must lie inside the disk
//! (and slices inside their partition).
//!
//! The mutated disk is an overlay over a shared base image, so a case costs only the
//! sectors it changes and the sectors the scan reads.

use alloc::collections::BTreeMap;
use alloc::collections::BTreeSet;
use alloc::vec;
use alloc::vec::Vec;

use super::crc32::crc32;
use super::testdisk::*;
use super::*;

/// Cases per property.
const CASES: u64 = 100_000;

use crate::testrng::Rng;

/// A base image with some sectors replaced, some unreadable, and maybe cut short.
struct Overlay<'a> {
    base: &'a MemDisk,
    sectors: u64,
    changed: BTreeMap<u64, Vec<u8>>,
    bad: BTreeSet<u64>,
    reads: usize,
}

/// Reads after which [`Overlay`] panics: a scan that loops fails the case at
/// once instead of hanging the test.
const READ_LIMIT: usize = 100_000;

impl<'a> Overlay<'a> {
    fn new(base: &'a MemDisk) -> Overlay<'a> {
        Overlay {
            base,
            sectors: base.sectors(),
            changed: BTreeMap::new(),
            bad: BTreeSet::new(),
            reads: 0,
        }
    }

    /// Sector `lba` for writing (`lba` below the base image's size).
    fn sector(&mut self, lba: u64) -> &mut [u8] {
        let ss = self.base.ss as usize;
        let base = self.base;
        self.changed.entry(lba).or_insert_with(|| {
            let at = lba as usize * ss;
            base.data[at..at + ss].to_vec()
        })
    }

    fn read_copy(&mut self, lba: u64) -> Vec<u8> {
        self.sector(lba).to_vec()
    }
}

impl SectorSource for Overlay<'_> {
    fn sector_size(&self) -> u32 {
        self.base.ss
    }
    fn sectors(&self) -> u64 {
        self.sectors
    }
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.reads += 1;
        assert!(
            self.reads <= READ_LIMIT,
            "{} reads: the scan loops",
            self.reads
        );
        if self.bad.contains(&lba) || lba >= self.sectors || buf.len() != self.base.ss as usize {
            return Err(IoError);
        }
        match self.changed.get(&lba) {
            Some(s) => buf.copy_from_slice(s),
            None => {
                let at = lba as usize * buf.len();
                buf.copy_from_slice(&self.base.data[at..at + buf.len()]);
            }
        }
        Ok(())
    }
}

/// Every partition inside the disk, every BSD slice inside its partition, numbers
/// strictly increasing, no empty extent.
fn check_table(t: &PartitionTable, disk: u64) {
    assert_eq!(t.disk_sectors, disk);
    let mut last = 0;
    for p in &t.partitions {
        assert!(p.number > last, "numbers increase: {:?}", t.partitions);
        last = p.number;
        assert!(p.extent.length_lba > 0, "{:?}", p);
        assert!(
            p.extent.start_lba < disk && p.extent.end() <= disk,
            "{:?} inside a disk of {} sectors",
            p,
            disk
        );
        if let Some(label) = &p.bsd {
            assert!(label.slices.len() <= 16);
            for s in &label.slices {
                assert!(s.extent.length_lba > 0);
                assert!(
                    s.extent.start_lba >= p.extent.start_lba && s.extent.end() <= p.extent.end(),
                    "{:?} inside {:?}",
                    s,
                    p
                );
            }
        }
    }
    if matches!(t.scheme, Scheme::CorruptGpt | Scheme::None) {
        assert!(t.partitions.is_empty());
    }
}

/// Every logical partition lies inside an extended partition of the MBR in
/// `sector0`, after that extended partition's first sector (its first EBR).
fn check_logicals(t: &PartitionTable, sector0: &[u8]) {
    let extended: Vec<(u64, u64)> = (0..4)
        .map(|slot| &sector0[446 + 16 * slot..446 + 16 * (slot + 1)])
        .filter(|e| matches!(e[4], 0x05 | 0x0F | 0x85))
        .map(|e| {
            let start = u32::from_le_bytes(e[8..12].try_into().unwrap()) as u64;
            let len = u32::from_le_bytes(e[12..16].try_into().unwrap()) as u64;
            (start, start + len)
        })
        .collect();
    for p in &t.partitions {
        if let PartitionKind::Mbr { logical: true, .. } = p.kind {
            assert!(p.number >= 5);
            assert!(
                extended
                    .iter()
                    .any(|&(s, e)| p.extent.start_lba > s && p.extent.end() <= e),
                "{:?} outside every extended partition {:?}",
                p,
                extended
            );
        }
    }
}

/// Most sector reads one scan may do: the EBR chains of up to four extended
/// partitions, the GPT headers and entry arrays, and a BSD label per partition.
fn read_budget(ss: u32) -> usize {
    4 * (MAX_EBR_CHAIN + 1) + 8 + 2 * (MAX_GPT_ARRAY_BYTES as usize / ss as usize + 2) + 256
}

/// MBR base: primaries 1 (Linux), 2 (extended with logicals at EBRs 100, 300, 600),
/// 3 (FreeBSD slice with a label); 2000 sectors.
fn mbr_base() -> (MemDisk, Vec<u64>) {
    let mut d = MemDisk::new(512, 2000);
    d.set_entry(0, 0, 0x80, 0x83, 1, 99);
    d.set_entry(0, 1, 0, 0x0F, 100, 1000);
    d.set_entry(0, 2, 0, 0xA5, 1200, 700);
    d.set_entry(100, 0, 0, 0x83, 1, 150);
    d.set_entry(100, 1, 0, 0x05, 200, 300);
    d.set_entry(300, 0, 0, 0xA5, 63, 100);
    d.set_entry(300, 1, 0, 0x05, 500, 400);
    d.set_entry(600, 0, 0, 0x83, 2, 400);
    d.set_bsd_label(
        1201,
        &[(100, 1200, 7), (200, 1300, 1), (0, 0, 0), (700, 1200, 0)],
        4,
    );
    d.set_bsd_label(364, &[(50, 363, 7), (40, 413, 7)], 2);
    (d, vec![0, 100, 300, 600, 1201, 364])
}

/// GPT base: 16 entries of 128 bytes (4 sectors), 96 sectors.
fn gpt_base(ss: u32, sectors: u64) -> MemDisk {
    let mut d = MemDisk::new(ss, sectors);
    let e = |first, last, name| {
        Some(GptEntry {
            type_guid: LINUX_FS,
            first,
            last,
            name,
        })
    };
    write_gpt(
        &mut d,
        &[e(8, 20, "root"), None, e(21, 60, "home"), e(61, 61, "")],
        &GptLayout {
            num_entries: 16,
            entry_size: 128,
        },
    );
    d
}

/// Recompute the entry-array CRC from the header's own fields (when they are sane)
/// and then the header CRC, so a mutation reaches the checks behind the CRCs.
fn reseal(o: &mut Overlay<'_>, header_lba: u64) {
    let h = o.read_copy(header_lba);
    let entries_lba = u64::from_le_bytes(h[72..80].try_into().unwrap());
    let count = u32::from_le_bytes(h[80..84].try_into().unwrap()) as u64;
    let size = u32::from_le_bytes(h[84..88].try_into().unwrap()) as u64;
    let ss = o.base.ss as u64;
    let bytes = count.saturating_mul(size);
    if bytes <= 64 * 1024 && entries_lba < o.base.sectors() {
        let nsec = bytes.div_ceil(ss);
        if entries_lba + nsec <= o.base.sectors() {
            let mut array = Vec::new();
            for i in 0..nsec {
                array.extend(o.read_copy(entries_lba + i));
            }
            let crc = crc32(&array[..bytes as usize]);
            o.sector(header_lba)[88..92].copy_from_slice(&crc.to_le_bytes());
        }
    }
    let s = o.sector(header_lba);
    s[16..20].fill(0);
    let size = (u32::from_le_bytes(s[12..16].try_into().unwrap()) as usize).min(s.len());
    let crc = crc32(&s[..size]);
    s[16..20].copy_from_slice(&crc.to_le_bytes());
}

fn edge_u32(rng: &mut Rng, disk: u64) -> u32 {
    match rng.below(8) {
        0 => 0,
        1 => 1,
        2 => u32::MAX,
        3 => disk as u32,
        4 => disk.saturating_sub(1) as u32,
        5 => rng.next() as u32,
        _ => rng.below(disk + 64) as u32,
    }
}

fn edge_u64(rng: &mut Rng, disk: u64) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => 1,
        2 => u64::MAX,
        3 => disk,
        4 => disk - 1,
        5 => rng.next(),
        6 => u64::MAX - rng.below(4),
        _ => rng.below(disk + 64),
    }
}

/// One random MBR-side mutation.
fn mutate_mbr(rng: &mut Rng, o: &mut Overlay<'_>, tables: &[u64]) {
    let disk = o.base.sectors();
    let lba = if rng.below(4) == 0 {
        rng.below(disk)
    } else {
        rng.pick(tables)
    };
    match rng.below(7) {
        0 => {
            // Flip a bit in the partition table area (or the BSD label area).
            let at = if rng.below(2) == 0 {
                446 + rng.below(66) as usize
            } else {
                rng.below(512) as usize
            };
            o.sector(lba)[at] ^= 1 << rng.below(8);
        }
        1 => {
            // Set an entry's start or length to an edge value.
            let slot = rng.below(4) as usize;
            let at = 446 + 16 * slot + if rng.below(2) == 0 { 8 } else { 12 };
            let v = edge_u32(rng, disk);
            o.sector(lba)[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        2 => {
            // Retype an entry: extended, BSD, GPT protective, garbage.
            let slot = rng.below(4) as usize;
            let ty = rng.pick(&[0x05, 0x0F, 0x85, 0xA5, 0xA6, 0xA9, 0xEE, 0x00, 0x83]);
            o.sector(lba)[446 + 16 * slot + 4] = ty;
        }
        3 => {
            // Bend an EBR link back to an EBR (or the MBR, or the extended start).
            let ebr = rng.pick(&tables[1..4]);
            let any = rng.below(disk);
            let target = rng.pick(&[0u64, 100, 300, 600, ebr, any]);
            let rel = target.wrapping_sub(100) as u32;
            let s = o.sector(ebr);
            s[446 + 16 + 4] = rng.pick(&[0x05, 0x0F, 0x85]);
            s[446 + 16 + 8..446 + 16 + 12].copy_from_slice(&rel.to_le_bytes());
            s[446 + 16 + 12..446 + 16 + 16].copy_from_slice(&1000u32.to_le_bytes());
        }
        4 => {
            // A BSD label field: partition count, a slice's size or offset.
            let l = rng.pick(&[1201u64, 364]);
            let v = edge_u32(rng, disk);
            let s = o.sector(l);
            match rng.below(3) {
                0 => s[138..140].copy_from_slice(&(v as u16).to_le_bytes()),
                _ => {
                    let at = 148 + 16 * rng.below(16) as usize + 4 * rng.below(2) as usize;
                    s[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
        }
        5 => {
            // A sector of noise, with a boot signature or a BSD magic sometimes.
            let s = o.sector(lba);
            for b in s.iter_mut() {
                *b = rng.next() as u8;
            }
            if rng.below(2) == 0 {
                s[510] = 0x55;
                s[511] = 0xAA;
            }
        }
        _ => {
            o.bad.insert(rng.below(disk));
        }
    }
}

/// One random GPT-side mutation of the header at `h` (1 or the last LBA).
fn mutate_gpt(rng: &mut Rng, o: &mut Overlay<'_>) {
    let disk = o.base.sectors();
    let h = if rng.below(2) == 0 { 1 } else { disk - 1 };
    let seal = rng.below(4) != 0;
    match rng.below(6) {
        0 => {
            // Header fields: sizes, counts, locations.
            let (at, width) = rng.pick(&[
                (12usize, 4usize),
                (24, 8),
                (32, 8),
                (40, 8),
                (48, 8),
                (72, 8),
                (80, 4),
                (84, 4),
            ]);
            let s = o.sector(h);
            if width == 4 {
                let v = match rng.below(4) {
                    0 => rng.pick(&[128u32, 256, 4096, 8192, 92, 512, 0x8000_0000]),
                    1 => rng.below(1 << 20) as u32,
                    _ => edge_u32(rng, disk),
                };
                s[at..at + 4].copy_from_slice(&v.to_le_bytes());
            } else {
                let v = edge_u64(rng, disk);
                s[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
        }
        1 => {
            // An entry's first or last LBA.
            let array = if h == 1 { 2 } else { disk - 1 - 4 };
            let i = rng.below(16);
            let lba = array + i / 4;
            let at = (i % 4) as usize * 128 + if rng.below(2) == 0 { 32 } else { 40 };
            let v = edge_u64(rng, disk);
            o.sector(lba)[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        2 => {
            // A bit flip anywhere in the header or the arrays.
            let lba = rng.pick(&[1, 2, 3, 4, 5, disk - 1, disk - 5, disk - 2]);
            let at = rng.below(o.base.ss as u64) as usize;
            o.sector(lba)[at] ^= 1 << rng.below(8);
        }
        3 => {
            // The protective MBR entry.
            let v = edge_u32(rng, disk);
            let at = 446 + if rng.below(2) == 0 { 8 } else { 12 };
            o.sector(0)[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        4 => {
            let any = rng.below(disk);
            o.bad.insert(rng.pick(&[1, 2, 3, disk - 1, disk - 2, any]));
        }
        _ => {
            // The disk is shorter than the table says (the backup is gone).
            o.sectors = 1 + rng.below(disk);
        }
    }
    if seal {
        reseal(o, h);
    }
}

#[test]
fn hostile_mbr_ebr_and_bsd_disks() {
    let (base, tables) = mbr_base();
    let mut rng = Rng(0x5eed_0016_0000_0001);
    let budget = read_budget(512);
    let (mut loops, mut logicals) = (0, 0);
    for case in 0..CASES {
        let mut o = Overlay::new(&base);
        for _ in 0..1 + rng.below(4) {
            mutate_mbr(&mut rng, &mut o, &tables);
        }
        if rng.below(8) == 0 {
            o.sectors = 1 + rng.below(o.sectors);
        }
        o.bad.remove(&0);
        let t = scan(&mut o).unwrap_or_else(|e| panic!("case {}: {:?}", case, e));
        check_table(&t, o.sectors);
        check_logicals(&t, &o.read_copy(0));
        assert!(o.reads <= budget, "case {}: {} reads", case, o.reads);
        loops += t.notes.iter().any(|n| matches!(n, Note::EbrLoop { .. })) as u64;
        logicals += t.partition(5).is_some() as u64;
    }
    // The mutations reach the EBR walk and its loop check, not just sector 0.
    assert!(
        loops > CASES / 50 && logicals > CASES / 4,
        "{} {}",
        loops,
        logicals
    );
}

#[test]
fn hostile_gpt_disks() {
    let bases = [gpt_base(512, 96), gpt_base(4096, 80)];
    let mut rng = Rng(0x5eed_0016_0000_0002);
    let (mut good, mut corrupt, mut backup) = (0, 0, 0);
    for case in 0..CASES {
        let base = &bases[(case % 8 == 0) as usize];
        let mut o = Overlay::new(base);
        for _ in 0..1 + rng.below(3) {
            mutate_gpt(&mut rng, &mut o);
        }
        o.bad.remove(&0);
        let t = scan(&mut o).unwrap_or_else(|e| panic!("case {}: {:?}", case, e));
        check_table(&t, o.sectors);
        assert!(
            o.reads <= read_budget(base.ss),
            "case {}: {} reads",
            case,
            o.reads
        );
        match t.scheme {
            Scheme::Gpt { used_backup: false } => good += 1,
            Scheme::Gpt { used_backup: true } => backup += 1,
            _ => corrupt += 1,
        }
    }
    // Both headers, the fallback and the refusal are all exercised.
    assert!(
        good > CASES / 10 && backup > CASES / 20 && corrupt > CASES / 50,
        "{} {} {}",
        good,
        backup,
        corrupt
    );
}

#[test]
fn random_sector_zero_and_tables() {
    // Pure noise: random sector 0 (often signed), random sectors behind it.
    let mut rng = Rng(0x5eed_0016_0000_0003);
    let base = MemDisk::new(512, 64);
    for case in 0..CASES {
        let mut o = Overlay::new(&base);
        for _ in 0..1 + rng.below(4) {
            let lba = if rng.below(2) == 0 { 0 } else { rng.below(64) };
            let s = o.sector(lba);
            for b in s.iter_mut() {
                *b = rng.next() as u8;
            }
            if rng.below(2) == 0 {
                s[510] = 0x55;
                s[511] = 0xAA;
                for slot in 0..4 {
                    let e = 446 + 16 * slot;
                    if rng.below(2) == 0 {
                        s[e] = 0;
                        s[e + 4] = rng.pick(&[0x05, 0x0F, 0x85, 0xA5, 0xEE, 0x83]);
                        let start = rng.below(80) as u32;
                        s[e + 8..e + 12].copy_from_slice(&start.to_le_bytes());
                    }
                }
            }
            if rng.below(4) == 0 {
                s[..8].copy_from_slice(b"EFI PART");
            }
        }
        o.sectors = 1 + rng.below(64);
        let t = scan(&mut o).unwrap_or_else(|e| panic!("case {}: {:?}", case, e));
        check_table(&t, o.sectors);
        check_logicals(&t, &o.read_copy(0));
        assert!(
            o.reads <= read_budget(512),
            "case {}: {} reads",
            case,
            o.reads
        );
    }
}

#[test]
fn the_property_bases_are_valid() {
    // The images the mutations start from parse as intended, so the cases above
    // start deep in the parsers rather than at their first check.
    let (mut d, _) = mbr_base();
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Mbr);
    let numbers: Vec<u32> = t.partitions.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 5, 6, 7]);
    assert!(t.partition(3).unwrap().bsd.is_some());
    assert!(t.partition(6).unwrap().bsd.is_some());
    for mut g in [gpt_base(512, 96), gpt_base(4096, 80)] {
        let t = scan(&mut g).unwrap();
        assert_eq!(t.scheme, Scheme::Gpt { used_backup: false });
        assert!(t.notes.is_empty(), "{:?}", t.notes);
        let numbers: Vec<u32> = t.partitions.iter().map(|p| p.number).collect();
        assert_eq!(numbers, vec![1, 3, 4]);
    }
}
