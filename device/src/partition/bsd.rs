//! BSD disklabels inside BSD-type MBR partitions.
//!
//! Layout (facts, 4.4BSD `struct disklabel` as GNU Mach's `disk_status.h` has it;
//! all fields little-endian on i386): the label sits at the start of sector 1 of the
//! slice (GNU Mach's `LBLLOC`); `d_magic` at byte 0 and `d_magic2` at byte 132 both
//! hold 0x82564557; `d_checksum` (u16) at 136 makes the XOR of all 16-bit words of
//! the label, partitions included, zero; `d_npartitions` (u16) at 138; the partition
//! array starts at 148, 16 bytes each: `{p_size u32, p_offset u32, p_fsize u32,
//! p_fstype u8, p_frag u8, p_cpg u16}`. `p_offset` is an absolute disk sector (GNU
//! Mach computes I/O offsets that way).
//!
//! Differences from GNU Mach: it probes every slice for a label, we probe only slices
//! of BSD types ([`BSD_MBR_TYPES`]); it reads at most 8 partitions (`MAXPARTITIONS`),
//! we read up to 16 (`a`..`p`); it clips a BSD partition's size to the slice size
//! but not its position, we require the partition to lie inside the slice.

use alloc::vec;
use alloc::vec::Vec;

use super::{fit, BsdLabel, BsdSlice, Extent, Note, PartitionKind, PartitionTable, SectorSource};
use crate::names::MAX_BSD_SLICES;

/// `DISKMAGIC`.
pub const BSD_LABEL_MAGIC: u32 = 0x8256_4557;
/// MBR types that carry a BSD label: FreeBSD (0xA5), OpenBSD (0xA6), NetBSD (0xA9).
pub const BSD_MBR_TYPES: [u8; 3] = [0xA5, 0xA6, 0xA9];
const LABEL_SECTOR: u64 = 1;
const MAGIC2_OFFSET: usize = 132;
const NPARTITIONS_OFFSET: usize = 138;
const PARTITIONS_OFFSET: usize = 148;
const PARTITION_SIZE: usize = 16;

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Read the label of every BSD-type MBR partition that has one.
pub(super) fn scan_labels<S: SectorSource + ?Sized>(src: &mut S, table: &mut PartitionTable) {
    let mut buf = vec![0u8; table.sector_size as usize];
    for i in 0..table.partitions.len() {
        let p = &table.partitions[i];
        let PartitionKind::Mbr { ty, .. } = p.kind else {
            continue;
        };
        if !BSD_MBR_TYPES.contains(&ty) || p.extent.length_lba <= LABEL_SECTOR {
            continue;
        }
        let (number, extent) = (p.number, p.extent);
        if src.read(extent.start_lba + LABEL_SECTOR, &mut buf).is_err() {
            table.notes.push(Note::BsdReadError { number });
            continue;
        }
        table.partitions[i].bsd = parse_label(&buf, number, extent, &mut table.notes);
    }
}

/// Parse a label sector for MBR partition `number` occupying `slice`.
pub(super) fn parse_label(
    sector: &[u8],
    number: u32,
    slice: Extent,
    notes: &mut Vec<Note>,
) -> Option<BsdLabel> {
    if sector.len() < PARTITIONS_OFFSET
        || le32(sector, 0) != BSD_LABEL_MAGIC
        || le32(sector, MAGIC2_OFFSET) != BSD_LABEL_MAGIC
    {
        return None;
    }
    let on_disk = usize::from(u16::from_le_bytes([
        sector[NPARTITIONS_OFFSET],
        sector[NPARTITIONS_OFFSET + 1],
    ]));
    let label_end = (PARTITIONS_OFFSET + PARTITION_SIZE * on_disk).min(sector.len()) & !1;
    let checksum_ok = sector[..label_end]
        .chunks_exact(2)
        .fold(0u16, |x, w| x ^ u16::from_le_bytes([w[0], w[1]]))
        == 0;
    let fits = (sector.len() - PARTITIONS_OFFSET) / PARTITION_SIZE;
    let count = on_disk.min(usize::from(MAX_BSD_SLICES)).min(fits);
    let mut slices = Vec::new();
    for i in 0..count {
        let at = PARTITIONS_OFFSET + PARTITION_SIZE * i;
        let size = u64::from(le32(sector, at));
        let offset = u64::from(le32(sector, at + 4));
        let fstype = sector[at + 12];
        let letter = i as u8;
        if size == 0 {
            continue;
        }
        match fit(offset, size, slice.start_lba, slice.end()) {
            None => notes.push(Note::BsdSliceDropped { number, letter }),
            Some((len, clipped)) => {
                if clipped {
                    notes.push(Note::BsdSliceClipped { number, letter });
                }
                slices.push(BsdSlice {
                    letter,
                    extent: Extent {
                        start_lba: offset,
                        length_lba: len,
                    },
                    fstype,
                });
            }
        }
    }
    Some(BsdLabel {
        slices,
        checksum_ok,
    })
}
