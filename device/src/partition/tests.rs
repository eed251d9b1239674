use alloc::vec;
use alloc::vec::Vec;

use super::testdisk::*;
use super::*;
use crate::codes::DeviceError;

fn numbers(t: &PartitionTable) -> Vec<u32> {
    t.partitions.iter().map(|p| p.number).collect()
}

fn ext(start: u64, len: u64) -> Extent {
    Extent {
        start_lba: start,
        length_lba: len,
    }
}

fn mbr_ty(p: &Partition) -> u8 {
    match p.kind {
        PartitionKind::Mbr { ty, .. } => ty,
        _ => panic!("not MBR"),
    }
}

#[test]
fn blank_disk_has_no_table() {
    let mut d = MemDisk::new(512, 100);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::None);
    assert!(t.partitions.is_empty());
    assert_eq!(t.resolve(None, None), Ok(ext(0, 100)));
    assert_eq!(t.resolve(Some(1), None), Err(DeviceError::NoSuchDevice));
    assert_eq!(t.resolve(None, Some(0)), Err(DeviceError::NoSuchDevice));
}

#[test]
fn boot_sector_without_partition_table_is_not_an_mbr() {
    let mut d = MemDisk::new(512, 100);
    d.set_entry(0, 0, 0, 0x83, 1, 10);
    d.sector_mut(0)[446 + 16] = 0x12; // boot indicator of slot 2: neither 0 nor 0x80
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::None);
    assert!(t.partitions.is_empty());
}

#[test]
fn scan_errors() {
    let mut d = MemDisk::new(512, 100);
    d.bad.insert(0);
    assert_eq!(scan(&mut d), Err(ScanError::Io));
    let mut d = MemDisk::new(520, 10);
    assert_eq!(scan(&mut d), Err(ScanError::BadSectorSize));
    let mut d = MemDisk::new(256, 10);
    assert_eq!(scan(&mut d), Err(ScanError::BadSectorSize));
}

#[test]
fn primaries_are_numbered_by_slot() {
    let mut d = MemDisk::new(512, 1000);
    d.set_entry(0, 0, 0x80, 0x83, 63, 100);
    d.set_entry(0, 2, 0, 0x82, 200, 50);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Mbr);
    assert_eq!(numbers(&t), vec![1, 3]);
    assert_eq!(t.partitions[0].extent, ext(63, 100));
    assert_eq!(
        t.partitions[0].kind,
        PartitionKind::Mbr {
            ty: 0x83,
            bootable: true,
            logical: false
        }
    );
    assert_eq!(t.partitions[1].extent, ext(200, 50));
    assert_eq!(t.resolve(Some(3), None), Ok(ext(200, 50)));
    assert_eq!(t.resolve(Some(2), None), Err(DeviceError::NoSuchDevice));
    assert!(t.notes.is_empty());
}

#[test]
fn zero_length_entries_are_ignored() {
    let mut d = MemDisk::new(512, 1000);
    d.set_entry(0, 0, 0, 0x83, 63, 0);
    d.set_entry(0, 1, 0, 0x83, 100, 10);
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![2]);
}

#[test]
fn primaries_past_the_disk_end_are_clipped_or_dropped() {
    let mut d = MemDisk::new(512, 1000);
    d.set_entry(0, 0, 0, 0x83, 900, 500); // runs over: clipped to 100 sectors
    d.set_entry(0, 1, 0, 0x83, 1000, 10); // starts at the end: dropped
    d.set_entry(0, 2, 0, 0x83, u32::MAX, u32::MAX); // absurd: dropped
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1]);
    assert_eq!(t.partitions[0].extent, ext(900, 100));
    assert!(t.partitions[0].clipped);
    assert_eq!(
        t.notes,
        vec![
            Note::Clipped { number: 1 },
            Note::Dropped { number: 2 },
            Note::Dropped { number: 3 }
        ]
    );
}

/// Extended partition at 100..1100 holding logicals at EBRs 100, 300, 600.
fn disk_with_logicals() -> MemDisk {
    let mut d = MemDisk::new(512, 2000);
    d.set_entry(0, 0, 0, 0x83, 1, 99);
    d.set_entry(0, 1, 0, 0x0F, 100, 1000);
    // EBR 100: logical at 100+1 (150 sectors), link to 100+200.
    d.set_entry(100, 0, 0, 0x83, 1, 150);
    d.set_entry(100, 1, 0, 0x05, 200, 300);
    // EBR 300: logical at 300+63, link to 100+500.
    d.set_entry(300, 0, 0, 0x82, 63, 100);
    d.set_entry(300, 1, 0, 0x05, 500, 400);
    // EBR 600: last logical, no link.
    d.set_entry(600, 0, 0, 0x83, 2, 400);
    d
}

#[test]
fn logical_partitions_from_5_in_chain_order() {
    let mut d = disk_with_logicals();
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5, 6, 7]);
    assert_eq!(t.partition(5).unwrap().extent, ext(101, 150));
    assert_eq!(t.partition(6).unwrap().extent, ext(363, 100));
    assert_eq!(mbr_ty(t.partition(6).unwrap()), 0x82);
    assert_eq!(t.partition(7).unwrap().extent, ext(602, 400));
    assert_eq!(
        t.partition(7).unwrap().kind,
        PartitionKind::Mbr {
            ty: 0x83,
            bootable: false,
            logical: true
        }
    );
    // The extended partition itself is exposed with 2 sectors, like Linux 2.0.
    assert_eq!(t.partition(2).unwrap().extent, ext(100, 2));
    assert!(t.notes.is_empty(), "{:?}", t.notes);
}

#[test]
fn ebr_pointing_at_itself_ends_the_chain() {
    let mut d = disk_with_logicals();
    d.set_entry(100, 1, 0, 0x05, 0, 300); // link to the extended start = itself
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5]);
    assert_eq!(t.notes, vec![Note::EbrLoop { lba: 100 }]);
}

#[test]
fn ebr_cycle_between_two_ebrs_ends_the_chain() {
    let mut d = disk_with_logicals();
    d.set_entry(300, 1, 0, 0x05, 0, 400); // 300 links back to 100
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5, 6]);
    assert_eq!(t.notes, vec![Note::EbrLoop { lba: 100 }]);
}

#[test]
fn ebr_link_outside_the_extended_partition_ends_the_chain() {
    let mut d = disk_with_logicals();
    d.set_entry(300, 1, 0, 0x05, 1000, 10); // 100 + 1000 = 1100: just past the end
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5, 6]);
    assert_eq!(t.notes, vec![Note::EbrOutOfRange { lba: 1100 }]);
}

#[test]
fn unreadable_or_unsigned_ebr_ends_the_chain() {
    let mut d = disk_with_logicals();
    d.bad.insert(600);
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5, 6]);
    assert_eq!(t.notes, vec![Note::EbrReadError { lba: 600 }]);

    let mut d = disk_with_logicals();
    d.sector_mut(300)[511] = 0;
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5]);
    assert_eq!(t.notes, vec![Note::EbrBadSignature { lba: 300 }]);
}

#[test]
fn logicals_never_leave_their_extended_partition() {
    let mut d = disk_with_logicals();
    // Logical 6 would run to 300+63+2000: clipped at the extended end (1100).
    d.set_entry(300, 0, 0, 0x83, 63, 2000);
    // Logical 7 starts past the extended end: dropped, number 7 stays unused.
    d.set_entry(600, 0, 0, 0x83, 600, 10);
    d.set_entry(600, 1, 0, 0x05, 800, 100);
    // EBR 900: logical 8 starting at its own EBR (relative 0): dropped. Slot 3 holds
    // garbage past the extended end: skipped without a number. Slot 4 is fine.
    d.set_entry(900, 0, 0, 0x83, 0, 10);
    d.set_entry(900, 2, 0, 0x83, 150, 100);
    d.set_entry(900, 3, 0, 0x83, 5, 10);
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 2, 5, 6, 9]);
    assert_eq!(t.partition(6).unwrap().extent, ext(363, 1100 - 363));
    assert!(t.partition(6).unwrap().clipped);
    assert_eq!(t.partition(9).unwrap().extent, ext(905, 10));
    assert_eq!(
        t.notes,
        vec![
            Note::Clipped { number: 6 },
            Note::Dropped { number: 7 },
            Note::LogicalOverlapsEbr { number: 8 },
            Note::EbrGarbageEntry { lba: 900, slot: 2 },
        ]
    );
    for p in &t.partitions {
        if let PartitionKind::Mbr { logical: true, .. } = p.kind {
            assert!(p.extent.start_lba >= 100 && p.extent.end() <= 1100);
        }
    }
}

#[test]
fn very_long_ebr_chains_are_cut() {
    let n = MAX_EBR_CHAIN as u64 + 50;
    let mut d = MemDisk::new(512, 10 * n + 100);
    d.set_entry(0, 0, 0, 0x05, 10, (10 * n) as u32);
    for i in 0..n {
        let ebr = 10 + 10 * i;
        d.set_entry(ebr, 0, 0, 0x83, 1, 5);
        d.set_entry(ebr, 1, 0, 0x05, (10 * (i + 1)) as u32, 10);
    }
    let t = scan(&mut d).unwrap();
    assert_eq!(t.partitions.len(), 1 + MAX_EBR_CHAIN);
    assert_eq!(
        t.partitions.last().unwrap().number,
        4 + MAX_EBR_CHAIN as u32
    );
    assert!(t.notes.contains(&Note::EbrChainTooLong));
    assert!(d.reads < MAX_EBR_CHAIN + 10);
}

#[test]
fn bsd_label_in_a_freebsd_slice() {
    let mut d = MemDisk::new(512, 4000);
    d.set_entry(0, 0, 0, 0x83, 63, 937); // 63..1000, Linux: never probed
    d.set_entry(0, 1, 0, 0xA5, 1000, 2000); // 1000..3000
    d.set_bsd_label(64, &[(100, 63, 7)], 1); // a label in the Linux slice is ignored
    d.set_bsd_label(
        1001,
        &[
            (500, 1000, 7),  // a
            (300, 1500, 1),  // b
            (2000, 1000, 0), // c: the whole slice
            (0, 0, 0),       // d: unused
            (100, 500, 7),   // e: before the slice: dropped
            (700, 2500, 7),  // f: runs over: clipped to 500
        ],
        8,
    );
    let t = scan(&mut d).unwrap();
    assert_eq!(t.partition(1).unwrap().bsd, None);
    let label = t.partition(2).unwrap().bsd.as_ref().unwrap();
    assert!(label.checksum_ok);
    let letters: Vec<u8> = label.slices.iter().map(|s| s.letter).collect();
    assert_eq!(letters, vec![0, 1, 2, 5]);
    assert_eq!(label.slice(1).unwrap().fstype, 1);
    assert_eq!(t.resolve(Some(2), Some(0)), Ok(ext(1000, 500)));
    assert_eq!(t.resolve(Some(2), Some(2)), Ok(ext(1000, 2000)));
    assert_eq!(t.resolve(Some(2), Some(5)), Ok(ext(2500, 500)));
    assert_eq!(t.resolve(Some(2), Some(3)), Err(DeviceError::NoSuchDevice));
    assert_eq!(t.resolve(Some(2), Some(4)), Err(DeviceError::NoSuchDevice));
    assert_eq!(t.resolve(Some(1), Some(0)), Err(DeviceError::NoSuchDevice));
    // Old-style `hd0a`: the default slice is the first one with a label.
    assert_eq!(t.default_bsd_partition().unwrap().number, 2);
    assert_eq!(t.resolve(None, Some(1)), Ok(ext(1500, 300)));
    assert_eq!(
        t.notes,
        vec![
            Note::BsdSliceDropped {
                number: 2,
                letter: 4
            },
            Note::BsdSliceClipped {
                number: 2,
                letter: 5
            }
        ]
    );
}

#[test]
fn bsd_label_checksum_and_garbage() {
    let mut d = MemDisk::new(512, 4000);
    d.set_entry(0, 0, 0, 0xA9, 100, 1000);
    d.set_bsd_label(101, &[(50, 100, 7)], 1);
    d.sector_mut(101)[40] ^= 1; // break d_checksum only
    let t = scan(&mut d).unwrap();
    let label = t.partition(1).unwrap().bsd.as_ref().unwrap();
    assert!(!label.checksum_ok);
    assert_eq!(label.slices.len(), 1);

    // Second magic missing: no label.
    d.sector_mut(101)[132] = 0;
    let t = scan(&mut d).unwrap();
    assert_eq!(t.partition(1).unwrap().bsd, None);

    // An absurd partition count reads at most 16 entries.
    d.set_bsd_label(101, &[(50, 100, 7)], 0xFFFF);
    let t = scan(&mut d).unwrap();
    assert_eq!(
        t.partition(1).unwrap().bsd.as_ref().unwrap().slices.len(),
        1
    );

    // Unreadable label sector.
    d.bad.insert(101);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.partition(1).unwrap().bsd, None);
    assert_eq!(t.notes, vec![Note::BsdReadError { number: 1 }]);
}

#[test]
fn bsd_label_in_a_logical_partition() {
    let mut d = disk_with_logicals();
    d.set_entry(300, 0, 0, 0xA6, 63, 100); // logical 6 becomes OpenBSD, 363..463
    d.set_bsd_label(364, &[(100, 363, 7)], 1);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.resolve(Some(6), Some(0)), Ok(ext(363, 100)));
    assert_eq!(t.resolve(None, Some(0)), Ok(ext(363, 100)));
}

fn entry(first: u64, last: u64, name: &'static str) -> Option<GptEntry> {
    Some(GptEntry {
        type_guid: LINUX_FS,
        first,
        last,
        name,
    })
}

fn gpt_disk(ss: u32, sectors: u64) -> MemDisk {
    let mut d = MemDisk::new(ss, sectors);
    let entries = [
        entry(40, 139, "root"),
        None,
        entry(200, 299, "swap"),
        entry(300, 300, ""),
    ];
    write_gpt(
        &mut d,
        &entries,
        &GptLayout {
            num_entries: 128,
            entry_size: 128,
        },
    );
    d
}

#[test]
fn gpt_numbers_by_entry_index() {
    let mut d = gpt_disk(512, 2048);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: false });
    assert_eq!(numbers(&t), vec![1, 3, 4]);
    assert_eq!(t.partition(1).unwrap().extent, ext(40, 100));
    assert_eq!(t.partition(3).unwrap().extent, ext(200, 100));
    assert_eq!(t.partition(4).unwrap().extent, ext(300, 1));
    match &t.partition(3).unwrap().kind {
        PartitionKind::Gpt {
            type_guid,
            name,
            attributes,
            unique_guid,
        } => {
            assert_eq!(type_guid.0, LINUX_FS);
            assert_eq!(
                alloc::format!("{}", type_guid),
                "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
            );
            assert_eq!(name, "swap");
            assert_eq!(*attributes, 2);
            assert_eq!(unique_guid.0[16 - 16], 3);
        }
        k => panic!("{:?}", k),
    }
    assert!(t.notes.is_empty(), "{:?}", t.notes);
}

#[test]
fn gpt_with_bad_primary_header_crc_uses_the_backup() {
    let mut d = gpt_disk(512, 2048);
    d.sector_mut(1)[40] ^= 0xFF; // first usable LBA changed, CRC not updated
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: true });
    assert_eq!(numbers(&t), vec![1, 3, 4]);
    assert_eq!(t.notes, vec![Note::GptPrimaryBad(GptFault::HeaderCrc)]);
}

#[test]
fn gpt_with_bad_primary_array_crc_uses_the_backup() {
    let mut d = gpt_disk(512, 2048);
    d.sector_mut(2)[32] ^= 1; // primary entry 1's first LBA
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: true });
    assert_eq!(t.partition(1).unwrap().extent, ext(40, 100));
    assert_eq!(t.notes, vec![Note::GptPrimaryBad(GptFault::EntriesCrc)]);
}

#[test]
fn gpt_with_bad_backup_only_notes_it() {
    let mut d = gpt_disk(512, 2048);
    d.sector_mut(2047)[0] = b'X';
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: false });
    assert_eq!(numbers(&t), vec![1, 3, 4]);
    assert_eq!(t.notes, vec![Note::GptBackupBad(GptFault::Signature)]);
}

#[test]
fn gpt_with_both_headers_bad_exposes_no_partitions() {
    let mut d = gpt_disk(512, 2048);
    d.sector_mut(1)[40] ^= 0xFF;
    d.sector_mut(2047)[40] ^= 0xFF;
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::CorruptGpt);
    assert!(t.partitions.is_empty());
    assert_eq!(
        t.notes,
        vec![
            Note::GptPrimaryBad(GptFault::HeaderCrc),
            Note::GptBackupBad(GptFault::HeaderCrc)
        ]
    );
    assert_eq!(t.resolve(None, None), Ok(ext(0, 2048)));
    assert_eq!(t.resolve(Some(1), None), Err(DeviceError::NoSuchDevice));
}

#[test]
fn gpt_header_field_checks() {
    // Each edit is resealed with a correct header CRC, so the field check must catch it.
    let cases: &[(usize, &[u8], GptFault)] = &[
        (12, &91u32.to_le_bytes(), GptFault::HeaderSize),
        (12, &600u32.to_le_bytes(), GptFault::HeaderSize),
        (24, &5u64.to_le_bytes(), GptFault::MyLba),
        (48, &5000u64.to_le_bytes(), GptFault::UsableRange),
        (40, &2020u64.to_le_bytes(), GptFault::UsableRange),
        (84, &100u32.to_le_bytes(), GptFault::EntrySize),
        (84, &8192u32.to_le_bytes(), GptFault::EntrySize),
        (80, &u32::MAX.to_le_bytes(), GptFault::EntryCount),
        (72, &0u64.to_le_bytes(), GptFault::EntriesLocation),
        (72, &1u64.to_le_bytes(), GptFault::EntriesLocation),
        (72, &2040u64.to_le_bytes(), GptFault::EntriesLocation),
        (72, &u64::MAX.to_le_bytes(), GptFault::EntriesLocation),
        (80, &129u32.to_le_bytes(), GptFault::EntriesCrc),
    ];
    for (at, bytes, fault) in cases {
        let mut d = gpt_disk(512, 2048);
        d.sector_mut(1)[*at..*at + bytes.len()].copy_from_slice(bytes);
        reseal_gpt_header(&mut d, 1);
        let t = scan(&mut d).unwrap();
        assert_eq!(t.notes, vec![Note::GptPrimaryBad(*fault)], "edit at {}", at);
        assert_eq!(t.scheme, Scheme::Gpt { used_backup: true });
        assert_eq!(numbers(&t), vec![1, 3, 4]);
    }
}

#[test]
fn gpt_entries_outside_the_disk_are_dropped() {
    let mut d = MemDisk::new(512, 2048);
    let entries = [
        entry(40, 139, "ok"),
        entry(100, 50, "backwards"),
        entry(1000, 2048, "past end"),
        entry(2000, 2047, "to the end"),
    ];
    write_gpt(
        &mut d,
        &entries,
        &GptLayout {
            num_entries: 4,
            entry_size: 128,
        },
    );
    let t = scan(&mut d).unwrap();
    assert_eq!(numbers(&t), vec![1, 4]);
    assert_eq!(t.partition(4).unwrap().extent, ext(2000, 48));
    assert_eq!(
        t.notes,
        vec![
            Note::GptEntryDropped { number: 2 },
            Note::GptEntryDropped { number: 3 }
        ]
    );
}

#[test]
fn gpt_on_4k_sectors_and_large_entries() {
    let mut d = MemDisk::new(4096, 512);
    let entries = [entry(10, 19, "a"), entry(20, 29, "b")];
    write_gpt(
        &mut d,
        &entries,
        &GptLayout {
            num_entries: 64,
            entry_size: 256,
        },
    );
    let t = scan(&mut d).unwrap();
    assert_eq!(t.sector_size, 4096);
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: false });
    assert_eq!(numbers(&t), vec![1, 2]);
    assert_eq!(t.partition(2).unwrap().extent, ext(20, 10));
}

#[test]
fn extent_range_checks() {
    let e = ext(1000, 100);
    assert_eq!(
        e.check(0, 10),
        Ok(Span {
            lba: 1000,
            count: 10
        })
    );
    assert_eq!(
        e.check(95, 10),
        Ok(Span {
            lba: 1095,
            count: 5
        })
    );
    assert_eq!(
        e.check(99, 1),
        Ok(Span {
            lba: 1099,
            count: 1
        })
    );
    assert_eq!(
        e.check(100, 1),
        Ok(Span {
            lba: 1100,
            count: 0
        })
    );
    assert_eq!(e.check(101, 1), Err(DeviceError::InvalidRecnum));
    assert_eq!(e.check(u64::MAX, u64::MAX), Err(DeviceError::InvalidRecnum));
    assert_eq!(
        e.check(0, 0),
        Ok(Span {
            lba: 1000,
            count: 0
        })
    );
    assert_eq!(
        e.check(50, u64::MAX),
        Ok(Span {
            lba: 1050,
            count: 50
        })
    );

    assert_eq!(
        e.check_bytes(0, 1024, 512),
        Ok(ByteSpan {
            lba: 1000,
            bytes: 1024
        })
    );
    assert_eq!(
        e.check_bytes(98, 4096, 512),
        Ok(ByteSpan {
            lba: 1098,
            bytes: 1024
        })
    );
    assert_eq!(
        e.check_bytes(99, 100, 512),
        Ok(ByteSpan {
            lba: 1099,
            bytes: 100
        })
    );
    assert_eq!(
        e.check_bytes(100, 512, 512),
        Ok(ByteSpan {
            lba: 1100,
            bytes: 0
        })
    );
    assert_eq!(
        e.check_bytes(101, 512, 512),
        Err(DeviceError::InvalidRecnum)
    );
    assert_eq!(e.check_bytes(0, 512, 0), Err(DeviceError::InvalidSize));
}

#[test]
fn records_beyond_lba28_and_32_bits() {
    // A 16 TiB disk region: LBAs far past 2^28 (LBA48) and 2^32 (GNU Mach's recnum_t).
    let big = ext(1 << 33, 1 << 35);
    assert_eq!(
        big.check(1 << 34, 8),
        Ok(Span {
            lba: (1 << 33) + (1 << 34),
            count: 8
        })
    );
    assert_eq!(
        big.check((1 << 35) - 2, 8),
        Ok(Span {
            lba: (1 << 33) + (1 << 35) - 2,
            count: 2
        })
    );
    let lba48 = ext(0, 1 << 29);
    assert_eq!(
        lba48.check((1 << 28) + 5, 1),
        Ok(Span {
            lba: (1 << 28) + 5,
            count: 1
        })
    );
    // A hand-made extent at the very top of u64 cannot overflow.
    let top = ext(u64::MAX - 10, 100);
    assert_eq!(top.end(), u64::MAX);
}

#[test]
fn record_base_for_wire_recnums() {
    let base = RecordBase(5 << 32);
    assert_eq!(base.absolute(7), Ok((5 << 32) + 7));
    assert_eq!(
        RecordBase::default().absolute(u32::MAX),
        Ok(u64::from(u32::MAX))
    );
    assert_eq!(
        RecordBase(u64::MAX).absolute(1),
        Err(DeviceError::InvalidRecnum)
    );
    assert_eq!(base.to_status(), [0, 5]);
    assert_eq!(RecordBase::from_status([7, 5]), RecordBase((5 << 32) + 7));
    // Resolved partitions past 2 TiB still range-check with the base applied.
    let part = ext(1 << 33, 1 << 33);
    let rec = RecordBase(1 << 32).absolute(10).unwrap();
    assert_eq!(
        part.check(rec, 1),
        Ok(Span {
            lba: (1 << 33) + (1 << 32) + 10,
            count: 1
        })
    );
}

#[test]
fn protective_mbr_with_garbage_is_never_read_as_mbr() {
    // 0xEE but no GPT at all: corrupt GPT, not a single MBR partition.
    let mut d = MemDisk::new(512, 100);
    d.set_entry(0, 0, 0, 0xEE, 1, 99);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::CorruptGpt);
    assert!(t.partitions.is_empty());
    assert_eq!(
        t.notes,
        vec![
            Note::GptPrimaryBad(GptFault::Signature),
            Note::GptBackupBad(GptFault::Signature)
        ]
    );
}

#[test]
fn extents_in_smaller_records() {
    let e = ext(10, 20);
    assert_eq!(e.in_records(4096, 512), Some(ext(80, 160)));
    assert_eq!(e.in_records(512, 512), Some(e));
    assert_eq!(e.in_records(512, 4096), None);
    assert_eq!(e.in_records(512, 0), None);
    assert_eq!(ext(u64::MAX, 1).in_records(4096, 512), None);
}

/// xorshift64*: a small deterministic generator for the robustness tests.
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
}

fn check_invariants(t: &PartitionTable) {
    let disk = t.disk_sectors;
    let mut last = 0;
    for p in &t.partitions {
        assert!(p.number > last, "numbers increase: {:?}", numbers(t));
        last = p.number;
        assert!(p.extent.length_lba > 0);
        assert!(p.extent.end() <= disk, "{:?} inside the disk", p);
        if let Some(label) = &p.bsd {
            for s in &label.slices {
                assert!(
                    s.extent.start_lba >= p.extent.start_lba && s.extent.end() <= p.extent.end()
                );
            }
        }
    }
    if t.scheme == Scheme::Mbr {
        let extended: Vec<Extent> = t
            .partitions
            .iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    PartitionKind::Mbr {
                        ty: 0x05 | 0x0F | 0x85,
                        logical: false,
                        ..
                    }
                )
            })
            .map(|p| p.extent)
            .collect();
        for p in &t.partitions {
            if let PartitionKind::Mbr { logical: true, .. } = p.kind {
                assert!(p.number >= 5);
                // Every logical lies after the start of some extended partition.
                assert!(extended.iter().any(|e| p.extent.start_lba > e.start_lba));
            }
        }
    }
}

#[test]
fn random_tables_never_escape_the_disk() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let types = [0x00, 0x05, 0x0F, 0x85, 0x83, 0xA5, 0xA6, 0xA9, 0xEE, 0x07];
    for round in 0..3000 {
        let sectors = 16 + rng.below(400);
        let mut d = MemDisk::new(512, sectors);
        // A handful of tables with small, mostly plausible numbers.
        let tables = 1 + rng.below(12);
        for _ in 0..tables {
            let lba = if rng.below(3) == 0 {
                0
            } else {
                rng.below(sectors)
            };
            for slot in 0..4 {
                if rng.below(3) == 0 {
                    continue;
                }
                let ty = types[rng.below(types.len() as u64) as usize];
                let start = rng.below(sectors + 20) as u32;
                let len = if rng.below(10) == 0 {
                    rng.next() as u32
                } else {
                    rng.below(sectors) as u32
                };
                d.set_entry(lba, slot, 0, ty, start, len);
            }
            if rng.below(4) == 0 {
                let l = rng.below(sectors);
                let parts: Vec<(u32, u32, u8)> = (0..rng.below(18))
                    .map(|_| (rng.below(sectors) as u32, rng.below(sectors + 10) as u32, 7))
                    .collect();
                d.set_bsd_label(l, &parts, rng.below(40) as u16);
            }
        }
        if round % 7 == 0 {
            // Random bytes over a random sector, GPT signature included sometimes.
            let l = rng.below(sectors);
            let s = d.sector_mut(l);
            for b in s.iter_mut() {
                *b = rng.next() as u8;
            }
            if rng.below(2) == 0 {
                s[..8].copy_from_slice(b"EFI PART");
            }
        }
        if rng.below(5) == 0 {
            d.bad.insert(rng.below(sectors));
        }
        d.bad.remove(&0);
        let t = scan(&mut d).unwrap();
        check_invariants(&t);
        assert!(
            d.reads <= 4 * MAX_EBR_CHAIN + 64,
            "bounded reads: {}",
            d.reads
        );
    }
}

#[test]
fn random_gpt_corruption_falls_back_or_refuses() {
    let mut rng = Rng(0xfeed_beef_0bad_cafe);
    for _ in 0..500 {
        let mut d = gpt_disk(512, 2048);
        for _ in 0..1 + rng.below(4) {
            // Flip a byte in the primary header, the primary array, or the backup.
            let lba = [1, 2, 2 + rng.below(32), 2047, 2015][rng.below(5) as usize];
            let at = rng.below(128) as usize;
            d.sector_mut(lba)[at] ^= 1 << rng.below(8);
        }
        let t = scan(&mut d).unwrap();
        check_invariants(&t);
        match t.scheme {
            Scheme::Gpt { .. } => {
                // Whatever copy was used passed its CRCs, so it is the original table.
                assert_eq!(numbers(&t), vec![1, 3, 4]);
                assert_eq!(t.partition(3).unwrap().extent, ext(200, 100));
            }
            Scheme::CorruptGpt => assert!(t.partitions.is_empty()),
            s => panic!("{:?}", s),
        }
    }
}

#[test]
fn gpt_primary_naming_itself_as_backup_is_noted() {
    let mut d = gpt_disk(512, 2048);
    d.sector_mut(1)[32..40].copy_from_slice(&1u64.to_le_bytes());
    reseal_gpt_header(&mut d, 1);
    let t = scan(&mut d).unwrap();
    assert_eq!(t.scheme, Scheme::Gpt { used_backup: false });
    assert_eq!(t.notes, vec![Note::GptBackupBad(GptFault::MyLba)]);
}
