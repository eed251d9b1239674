//! MBR and EBR chains.
//!
//! Layout (facts): the table is at byte 446 of the sector, four 16-byte entries of
//! `{boot indicator u8, CHS start [u8; 3], type u8, CHS end [u8; 3], start LBA u32 LE,
//! sector count u32 LE}`, and bytes 510..512 hold 0x55 0xAA. In an EBR, a data entry's
//! start is relative to that EBR; a link entry's start is relative to the start of
//! the outermost extended partition.

use alloc::collections::BTreeSet;
use alloc::vec;
use alloc::vec::Vec;

use super::{
    fit, Extent, Note, Partition, PartitionKind, PartitionTable, SectorSource, MAX_EBR_CHAIN,
};

/// Protective-MBR type of a GPT disk.
pub(super) const TYPE_GPT_PROTECTIVE: u8 = 0xEE;
const TABLE_OFFSET: usize = 446;
/// Linux 2.0 exposes an extended partition with at most this many sectors.
const EXTENDED_EXPOSED_SECTORS: u64 = 2;
/// First logical partition number.
const FIRST_LOGICAL: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct MbrEntry {
    pub boot: u8,
    pub ty: u8,
    pub start: u64,
    pub length: u64,
}

/// DOS (0x05), Windows LBA (0x0F) and Linux (0x85) extended partition types.
pub(super) fn is_extended(ty: u8) -> bool {
    matches!(ty, 0x05 | 0x0F | 0x85)
}

fn has_signature(sector: &[u8]) -> bool {
    sector.len() >= 512 && sector[510] == 0x55 && sector[511] == 0xAA
}

fn parse_entries(sector: &[u8]) -> [MbrEntry; 4] {
    core::array::from_fn(|i| {
        let e = &sector[TABLE_OFFSET + 16 * i..TABLE_OFFSET + 16 * (i + 1)];
        MbrEntry {
            boot: e[0],
            ty: e[4],
            start: u64::from(u32::from_le_bytes([e[8], e[9], e[10], e[11]])),
            length: u64::from(u32::from_le_bytes([e[12], e[13], e[14], e[15]])),
        }
    })
}

/// The four entries of a sector 0, or `None` if it is not a plausible MBR: no
/// signature, or a boot indicator other than 0x00/0x80 (a FAT or other boot sector
/// without a partition table; modern Linux applies the same test, GNU Mach's Linux
/// 2.0 code does not).
pub(super) fn parse_mbr_sector(sector: &[u8]) -> Option<[MbrEntry; 4]> {
    if !has_signature(sector) {
        return None;
    }
    let entries = parse_entries(sector);
    if entries.iter().any(|e| e.boot != 0 && e.boot != 0x80) {
        return None;
    }
    Some(entries)
}

/// Primaries by slot, then the logicals of each extended partition.
pub(super) fn scan_mbr<S: SectorSource + ?Sized>(
    src: &mut S,
    entries: &[MbrEntry; 4],
    table: &mut PartitionTable,
) {
    let disk = table.disk_sectors;
    let mut extended = Vec::new();
    for (slot, e) in entries.iter().enumerate() {
        let number = slot as u32 + 1;
        if e.length == 0 {
            continue;
        }
        let Some((len, clipped)) = fit(e.start, e.length, 0, disk) else {
            table.notes.push(Note::Dropped { number });
            continue;
        };
        if clipped {
            table.notes.push(Note::Clipped { number });
        }
        let exposed = if is_extended(e.ty) {
            extended.push(Extent {
                start_lba: e.start,
                length_lba: len,
            });
            len.min(EXTENDED_EXPOSED_SECTORS)
        } else {
            len
        };
        table.partitions.push(Partition {
            number,
            extent: Extent {
                start_lba: e.start,
                length_lba: exposed,
            },
            kind: PartitionKind::Mbr {
                ty: e.ty,
                bootable: e.boot == 0x80,
                logical: false,
            },
            bsd: None,
            clipped,
        });
    }
    let mut next = FIRST_LOGICAL;
    let mut visited = BTreeSet::new();
    for ext in extended {
        walk_chain(src, ext, &mut next, &mut visited, table);
    }
}

/// Follow one EBR chain, adding its logical partitions from number `*next` on.
/// `visited` is shared by all chains of the disk, so two extended partitions cannot
/// list the same logicals twice.
fn walk_chain<S: SectorSource + ?Sized>(
    src: &mut S,
    ext: Extent,
    next: &mut u32,
    visited: &mut BTreeSet<u64>,
    table: &mut PartitionTable,
) {
    let ext_end = ext.end();
    let mut buf = vec![0u8; table.sector_size as usize];
    let mut ebr = ext.start_lba;
    let mut hops = 0;
    loop {
        if hops == MAX_EBR_CHAIN {
            table.notes.push(Note::EbrChainTooLong);
            return;
        }
        hops += 1;
        if !visited.insert(ebr) {
            table.notes.push(Note::EbrLoop { lba: ebr });
            return;
        }
        if src.read(ebr, &mut buf).is_err() {
            table.notes.push(Note::EbrReadError { lba: ebr });
            return;
        }
        if !has_signature(&buf) {
            table.notes.push(Note::EbrBadSignature { lba: ebr });
            return;
        }
        let entries = parse_entries(&buf);
        for (slot, e) in entries.iter().enumerate() {
            if e.length == 0 || is_extended(e.ty) {
                continue;
            }
            // ebr < 2^64 - 2^32 always holds for a real disk; saturate anyway.
            let start = ebr.saturating_add(e.start);
            // Slots 3 and 4 of an EBR often hold garbage: like Linux 2.0, skip them
            // without using a number unless they lie inside the extended partition.
            if slot >= 2 && (start <= ebr || start.saturating_add(e.length) > ext_end) {
                table.notes.push(Note::EbrGarbageEntry {
                    lba: ebr,
                    slot: slot as u8,
                });
                continue;
            }
            let number = *next;
            *next += 1;
            if start <= ebr {
                table.notes.push(Note::LogicalOverlapsEbr { number });
                continue;
            }
            let Some((len, clipped)) = fit(start, e.length, ebr + 1, ext_end) else {
                table.notes.push(Note::Dropped { number });
                continue;
            };
            if clipped {
                table.notes.push(Note::Clipped { number });
            }
            table.partitions.push(Partition {
                number,
                extent: Extent {
                    start_lba: start,
                    length_lba: len,
                },
                kind: PartitionKind::Mbr {
                    ty: e.ty,
                    bootable: e.boot == 0x80,
                    logical: true,
                },
                bsd: None,
                clipped,
            });
        }
        let Some(link) = entries.iter().find(|e| e.length != 0 && is_extended(e.ty)) else {
            return;
        };
        let target = ext.start_lba.saturating_add(link.start);
        if target >= ext_end {
            table.notes.push(Note::EbrOutOfRange { lba: target });
            return;
        }
        ebr = target;
    }
}
