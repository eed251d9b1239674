//! An in-memory disk and table builders for the partition tests.

use alloc::collections::BTreeSet;
use alloc::vec;
use alloc::vec::Vec;

use super::crc32::crc32;
use super::{IoError, SectorSource};

pub struct MemDisk {
    pub ss: u32,
    pub data: Vec<u8>,
    pub bad: BTreeSet<u64>,
    pub reads: usize,
}

impl MemDisk {
    pub fn new(ss: u32, sectors: u64) -> MemDisk {
        MemDisk {
            ss,
            data: vec![0; (ss as u64 * sectors) as usize],
            bad: BTreeSet::new(),
            reads: 0,
        }
    }

    pub fn sector_mut(&mut self, lba: u64) -> &mut [u8] {
        let ss = self.ss as usize;
        let at = lba as usize * ss;
        &mut self.data[at..at + ss]
    }

    pub fn set_signature(&mut self, lba: u64) {
        let s = self.sector_mut(lba);
        s[510] = 0x55;
        s[511] = 0xAA;
    }

    /// Write MBR/EBR slot `slot` of sector `lba` (and the signature).
    pub fn set_entry(&mut self, lba: u64, slot: usize, boot: u8, ty: u8, start: u32, len: u32) {
        let s = self.sector_mut(lba);
        let e = &mut s[446 + 16 * slot..446 + 16 * (slot + 1)];
        e.fill(0);
        e[0] = boot;
        e[4] = ty;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&len.to_le_bytes());
        self.set_signature(lba);
    }

    /// A BSD label at `lba` with `(size, offset, fstype)` partitions.
    pub fn set_bsd_label(&mut self, lba: u64, parts: &[(u32, u32, u8)], npartitions: u16) {
        let s = self.sector_mut(lba);
        s[..512].fill(0);
        s[0..4].copy_from_slice(&0x8256_4557u32.to_le_bytes());
        s[132..136].copy_from_slice(&0x8256_4557u32.to_le_bytes());
        s[138..140].copy_from_slice(&npartitions.to_le_bytes());
        for (i, &(size, offset, fstype)) in parts.iter().enumerate() {
            let at = 148 + 16 * i;
            s[at..at + 4].copy_from_slice(&size.to_le_bytes());
            s[at + 4..at + 8].copy_from_slice(&offset.to_le_bytes());
            s[at + 12] = fstype;
        }
        let end = (148 + 16 * npartitions as usize).min(512);
        let x = s[..end]
            .chunks_exact(2)
            .fold(0u16, |x, w| x ^ u16::from_le_bytes([w[0], w[1]]));
        let c = u16::from_le_bytes([s[136], s[137]]) ^ x;
        s[136..138].copy_from_slice(&c.to_le_bytes());
    }
}

impl SectorSource for MemDisk {
    fn sector_size(&self) -> u32 {
        self.ss
    }
    fn sectors(&self) -> u64 {
        self.data.len() as u64 / self.ss as u64
    }
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.reads += 1;
        if self.bad.contains(&lba) || lba >= self.sectors() || buf.len() != self.ss as usize {
            return Err(IoError);
        }
        let at = lba as usize * self.ss as usize;
        buf.copy_from_slice(&self.data[at..at + self.ss as usize]);
        Ok(())
    }
}

pub const LINUX_FS: [u8; 16] = [
    0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4,
];

#[derive(Clone, Copy)]
pub struct GptEntry {
    pub type_guid: [u8; 16],
    pub first: u64,
    pub last: u64,
    pub name: &'static str,
}

pub fn gpt_entry_bytes(e: &Option<GptEntry>, index: usize, size: usize) -> Vec<u8> {
    let mut b = vec![0u8; size];
    if let Some(e) = e {
        b[0..16].copy_from_slice(&e.type_guid);
        b[16] = index as u8 + 1;
        b[31] = 0x55;
        b[32..40].copy_from_slice(&e.first.to_le_bytes());
        b[40..48].copy_from_slice(&e.last.to_le_bytes());
        b[48..56].copy_from_slice(&(index as u64).to_le_bytes());
        for (i, u) in e.name.encode_utf16().take(36).enumerate() {
            b[56 + 2 * i..58 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
    }
    b
}

pub struct GptLayout {
    pub num_entries: u32,
    pub entry_size: u32,
}

/// Write a complete GPT disk: protective MBR, primary header + array at LBA 1/2,
/// backup array before the backup header at the last LBA.
pub fn write_gpt(disk: &mut MemDisk, entries: &[Option<GptEntry>], layout: &GptLayout) {
    let n = disk.sectors();
    disk.set_entry(0, 0, 0, 0xEE, 1, (n - 1).min(u32::MAX as u64) as u32);
    let mut array = Vec::new();
    for i in 0..layout.num_entries as usize {
        let e = entries.get(i).copied().flatten();
        array.extend(gpt_entry_bytes(&e, i, layout.entry_size as usize));
    }
    let array_crc = crc32(&array);
    let ss = disk.ss as u64;
    let array_sectors = (array.len() as u64).div_ceil(ss);
    let backup_array = n - 1 - array_sectors;
    for (base, _) in [(2u64, 0), (backup_array, 1)] {
        for (i, chunk) in array.chunks(ss as usize).enumerate() {
            let s = disk.sector_mut(base + i as u64);
            s.fill(0);
            s[..chunk.len()].copy_from_slice(chunk);
        }
    }
    let first_usable = 2 + array_sectors;
    let last_usable = backup_array - 1;
    write_gpt_header(
        disk,
        1,
        n - 1,
        2,
        first_usable,
        last_usable,
        layout,
        array_crc,
    );
    write_gpt_header(
        disk,
        n - 1,
        1,
        backup_array,
        first_usable,
        last_usable,
        layout,
        array_crc,
    );
}

#[allow(clippy::too_many_arguments)]
pub fn write_gpt_header(
    disk: &mut MemDisk,
    lba: u64,
    alt: u64,
    entries_lba: u64,
    first_usable: u64,
    last_usable: u64,
    layout: &GptLayout,
    array_crc: u32,
) {
    let s = disk.sector_mut(lba);
    s.fill(0);
    s[0..8].copy_from_slice(b"EFI PART");
    s[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
    s[12..16].copy_from_slice(&92u32.to_le_bytes());
    s[24..32].copy_from_slice(&lba.to_le_bytes());
    s[32..40].copy_from_slice(&alt.to_le_bytes());
    s[40..48].copy_from_slice(&first_usable.to_le_bytes());
    s[48..56].copy_from_slice(&last_usable.to_le_bytes());
    s[56..72].copy_from_slice(&[0x11; 16]);
    s[72..80].copy_from_slice(&entries_lba.to_le_bytes());
    s[80..84].copy_from_slice(&layout.num_entries.to_le_bytes());
    s[84..88].copy_from_slice(&layout.entry_size.to_le_bytes());
    s[88..92].copy_from_slice(&array_crc.to_le_bytes());
    let crc = crc32(&s[..92]);
    s[16..20].copy_from_slice(&crc.to_le_bytes());
}

/// Recompute the header CRC of the GPT header at `lba` after a test edited it.
pub fn reseal_gpt_header(disk: &mut MemDisk, lba: u64) {
    let s = disk.sector_mut(lba);
    s[16..20].fill(0);
    let size = (u32::from_le_bytes([s[12], s[13], s[14], s[15]]) as usize).min(s.len());
    let crc = crc32(&s[..size]);
    s[16..20].copy_from_slice(&crc.to_le_bytes());
}
