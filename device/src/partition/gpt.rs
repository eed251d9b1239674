//! GUID partition tables.
//!
//! Layout (facts, UEFI spec; all little-endian): the header is at LBA 1 and a backup
//! at the last LBA. Header: signature `EFI PART` (0..8), revision (8), header size
//! u32 (12, at least 92), header CRC-32 u32 (16, computed over `header size` bytes
//! with this field zeroed), reserved (20), my LBA u64 (24), alternate LBA u64 (32),
//! first usable LBA u64 (40), last usable LBA u64 (48), disk GUID (56..72), entry
//! array LBA u64 (72), entry count u32 (80), entry size u32 (84, 128 * 2^n), entry
//! array CRC-32 u32 (88, over count * size bytes). Entry: type GUID (0..16, all zero
//! = unused), unique GUID (16..32), first LBA u64 (32), last LBA u64 (40, inclusive),
//! attributes u64 (48), name (56..128, UTF-16LE, NUL-padded).
//!
//! Like Linux, a partition is numbered by entry index + 1 and an entry that ends
//! before it starts or past the last LBA is dropped (not clipped).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::crc32::{crc32, Crc32};
use super::{
    Extent, GptFault, Guid, Note, Partition, PartitionKind, PartitionTable, Scheme, SectorSource,
    MAX_GPT_ARRAY_BYTES, MAX_GPT_ENTRY_SIZE,
};

const SIGNATURE: &[u8; 8] = b"EFI PART";
const MIN_HEADER_SIZE: u32 = 92;
const MIN_ENTRY_SIZE: u32 = 128;
const PRIMARY_LBA: u64 = 1;

#[derive(Clone, Copy, Debug)]
struct Header {
    alternate_lba: u64,
    entries_lba: u64,
    num_entries: u32,
    entry_size: u32,
    entries_crc: u32,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

fn read_header<S: SectorSource + ?Sized>(
    src: &mut S,
    lba: u64,
    disk: u64,
    buf: &mut [u8],
) -> Result<Header, GptFault> {
    if lba >= disk {
        return Err(GptFault::Io);
    }
    src.read(lba, buf).map_err(|_| GptFault::Io)?;
    if &buf[..8] != SIGNATURE {
        return Err(GptFault::Signature);
    }
    let size = le32(buf, 12);
    if size < MIN_HEADER_SIZE || size as usize > buf.len() {
        return Err(GptFault::HeaderSize);
    }
    let mut crc = Crc32::new();
    crc.update(&buf[..16]);
    crc.update(&[0; 4]);
    crc.update(&buf[20..size as usize]);
    if crc.finish() != le32(buf, 16) {
        return Err(GptFault::HeaderCrc);
    }
    if le64(buf, 24) != lba {
        return Err(GptFault::MyLba);
    }
    let (first_usable, last_usable) = (le64(buf, 40), le64(buf, 48));
    if first_usable > last_usable || last_usable >= disk {
        return Err(GptFault::UsableRange);
    }
    let header = Header {
        alternate_lba: le64(buf, 32),
        entries_lba: le64(buf, 72),
        num_entries: le32(buf, 80),
        entry_size: le32(buf, 84),
        entries_crc: le32(buf, 88),
    };
    let es = header.entry_size;
    if es < MIN_ENTRY_SIZE || !es.is_power_of_two() || es > MAX_GPT_ENTRY_SIZE {
        return Err(GptFault::EntrySize);
    }
    if u64::from(header.num_entries) * u64::from(es) > MAX_GPT_ARRAY_BYTES {
        return Err(GptFault::EntryCount);
    }
    Ok(header)
}

/// Read and check the entry array a header describes.
fn read_entries<S: SectorSource + ?Sized>(
    src: &mut S,
    header: &Header,
    header_lba: u64,
    disk: u64,
    ss: u32,
) -> Result<Vec<u8>, GptFault> {
    let bytes = u64::from(header.num_entries) * u64::from(header.entry_size);
    let sectors = bytes.div_ceil(u64::from(ss));
    let start = header.entries_lba;
    let end = start
        .checked_add(sectors)
        .ok_or(GptFault::EntriesLocation)?;
    let covers_header = start <= header_lba && header_lba < end;
    if start == 0 || end > disk || covers_header {
        return Err(GptFault::EntriesLocation);
    }
    // bytes <= MAX_GPT_ARRAY_BYTES, so this allocation is bounded.
    let mut array = vec![0u8; (sectors * u64::from(ss)) as usize];
    for (i, chunk) in array.chunks_exact_mut(ss as usize).enumerate() {
        src.read(start + i as u64, chunk)
            .map_err(|_| GptFault::Io)?;
    }
    array.truncate(bytes as usize);
    if crc32(&array) != header.entries_crc {
        return Err(GptFault::EntriesCrc);
    }
    Ok(array)
}

fn load<S: SectorSource + ?Sized>(
    src: &mut S,
    lba: u64,
    disk: u64,
    buf: &mut [u8],
) -> Result<(Header, Vec<u8>), GptFault> {
    let ss = buf.len() as u32;
    let header = read_header(src, lba, disk, buf)?;
    let array = read_entries(src, &header, lba, disk, ss)?;
    Ok((header, array))
}

/// Scan a disk whose MBR is protective: primary header, else backup at the last LBA.
pub(super) fn scan_gpt<S: SectorSource + ?Sized>(src: &mut S, table: &mut PartitionTable) {
    let disk = table.disk_sectors;
    let mut buf = vec![0u8; table.sector_size as usize];
    let last = disk.saturating_sub(1);
    let (header, array, used_backup) = match load(src, PRIMARY_LBA, disk, &mut buf) {
        Ok((h, a)) => {
            // Check the backup too, for diagnostics only (Linux warns the same way).
            let backup = if h.alternate_lba == PRIMARY_LBA {
                Err(GptFault::MyLba)
            } else {
                load(src, h.alternate_lba, disk, &mut buf).map(|_| ())
            };
            if let Err(f) = backup {
                table.notes.push(Note::GptBackupBad(f));
            }
            (h, a, false)
        }
        Err(f) => {
            table.notes.push(Note::GptPrimaryBad(f));
            match load(src, last, disk, &mut buf) {
                Ok((h, a)) => (h, a, true),
                Err(g) => {
                    table.notes.push(Note::GptBackupBad(g));
                    table.scheme = Scheme::CorruptGpt;
                    return;
                }
            }
        }
    };
    table.scheme = Scheme::Gpt { used_backup };
    let es = header.entry_size as usize;
    for (i, e) in array.chunks_exact(es).enumerate() {
        let number = i as u32 + 1;
        let type_guid = Guid(e[0..16].try_into().unwrap_or([0; 16]));
        if type_guid == Guid::ZERO {
            continue;
        }
        let (first, last_lba) = (le64(e, 32), le64(e, 40));
        if first > last_lba || last_lba >= disk {
            table.notes.push(Note::GptEntryDropped { number });
            continue;
        }
        let units = e[56..128]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0);
        let name: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        table.partitions.push(Partition {
            number,
            extent: Extent {
                start_lba: first,
                length_lba: last_lba - first + 1,
            },
            kind: PartitionKind::Gpt {
                type_guid,
                unique_guid: Guid(e[16..32].try_into().unwrap_or([0; 16])),
                attributes: le64(e, 48),
                name,
            },
            bsd: None,
            clipped: false,
        });
    }
}
