//! Device names as users of GNU Mach type them in `device_open`.
//!
//! A `dev_name_t` is a 128-byte buffer holding a NUL-terminated string, so a name has
//! at most 127 bytes. [`parse`] turns it into a [`DeviceName`]; anything it does not
//! recognise is an error that the device server answers with `D_NO_SUCH_DEVICE`
//! (2502). Parsing is purely syntactic: whether `hd3` or `eth5` exists is the device
//! server's business.
//!
//! # Grammar
//!
//! ```text
//! name     = fixed | unitdev | disk
//! fixed    = "console" | "time" | "kbd" | "mouse" | "kd" | "kmsg" | "mem" | "irq"
//! unitdev  = ("eth" | "com" | "ram") unit
//! disk     = kind unit [ "s" digits ] [ letter ]
//! kind     = "hd" | "sd" | "fd" | "cd" | "wcd"
//! unit     = "0" | nonzero-digit *digit          ; no leading zeros
//! letter   = "a" .. "p"                           ; BSD disklabel partition
//! ```
//!
//! Facts this follows (GNU Mach's Linux block glue, `find_name`, and its native device
//! table `i386/i386at/conf.c`):
//! - Disk names are `<kind><unit>[s<slice>][<letter>]`: `hd0`, `hd0s1`, `hd0s5`,
//!   `hd0s1a`, and the old `hd0a` form, which names BSD partition `a` of the *default
//!   slice* (the first MBR partition that carries a BSD label; see
//!   [`crate::partition::PartitionTable::resolve`]).
//! - GNU Mach's disk kinds are `hd` (IDE disks), `wcd` (IDE CD-ROMs), `sd` (SCSI
//!   disks), `cd` (SCSI CD-ROMs) and `fd` (floppies). It has no `wd`.
//! - The unit is matched against a fixed table (`hd0`, `hd1`, ...), so `hd00` or
//!   `hd01` never match: leading zeros in the unit are rejected here too.
//! - The `s` number is read with `atoi`-like rules, so `hd0s01` is slice 1 and
//!   `hd0s0` is the whole disk. We accept both and normalise: `s0` becomes
//!   "no partition", `s01` becomes partition 1.
//! - Network interfaces take their Linux names (`eth0`, ...); serial lines are
//!   `com0`...; `console` is an alias the kernel resolves; `time`, `kbd`, `mouse`,
//!   `kd`, `kmsg`, `mem` and `irq` are GNU Mach's native devices. Recent GNU Mach
//!   device tables (`i386/i386at/conf.c`) have no `lpr` printer device (older ones
//!   did), so `lpr0` is not recognised.
//! - `ram<unit>` is this kernel's own: a RAM-backed block device for tests and
//!   benchmarks (present only when the command line asks for it).
//!
//! Where GNU Mach is lax we are strict: upper-case letters, trailing garbage (`com0x`),
//! BSD letters past `p`, a bare `com` without a unit, and units that overflow `u32`
//! are all rejected.
//!
//! Naming in this module follows the task brief: `partition` is the DOS/GPT partition
//! number (`s<N>`, which GNU Mach's sources call the *slice*), and `slice` is the BSD
//! disklabel letter (GNU Mach's *partition*).

use core::fmt;

use crate::codes::{DeviceError, IoReturn, D_NO_SUCH_DEVICE};

/// Size of a `dev_name_t` buffer, NUL included.
pub const DEV_NAME_SIZE: usize = 128;
/// Longest name that fits in a `dev_name_t` with its NUL.
pub const DEV_NAME_MAX_LEN: usize = DEV_NAME_SIZE - 1;
/// Number of BSD disklabel partitions a name can address (`a` to `p`).
pub const MAX_BSD_SLICES: u8 = 16;

/// Kind of disk, by GNU Mach's name prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiskKind {
    /// `hd`: IDE/ATA disk.
    Hd,
    /// `sd`: SCSI disk.
    Sd,
    /// `fd`: floppy disk.
    Fd,
    /// `cd`: SCSI CD-ROM.
    Cd,
    /// `wcd`: IDE (ATAPI) CD-ROM.
    Wcd,
}

impl DiskKind {
    /// The name prefix (`"hd"`, ...).
    pub const fn prefix(self) -> &'static str {
        match self {
            DiskKind::Hd => "hd",
            DiskKind::Sd => "sd",
            DiskKind::Fd => "fd",
            DiskKind::Cd => "cd",
            DiskKind::Wcd => "wcd",
        }
    }

    fn from_prefix(p: &str) -> Option<DiskKind> {
        Some(match p {
            "hd" => DiskKind::Hd,
            "sd" => DiskKind::Sd,
            "fd" => DiskKind::Fd,
            "cd" => DiskKind::Cd,
            "wcd" => DiskKind::Wcd,
            _ => return None,
        })
    }
}

/// A disk, a partition of it, or a BSD partition inside one of those.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DiskName {
    /// Which kind of disk.
    pub kind: DiskKind,
    /// Unit number (`hd1` is unit 1).
    pub unit: u32,
    /// DOS/GPT partition number (`s<N>`, N >= 1); `None` for the whole disk.
    pub partition: Option<u32>,
    /// BSD disklabel partition, 0 for `a` .. 15 for `p`.
    pub slice: Option<u8>,
}

/// A parsed device name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceName {
    /// A block device (disk, CD-ROM, floppy) or part of one.
    Disk(DiskName),
    /// Network interface `eth<unit>`.
    Net {
        /// Interface number.
        unit: u32,
    },
    /// Serial line `com<unit>`.
    Com {
        /// Line number.
        unit: u32,
    },
    /// RAM-backed block device `ram<unit>` (this kernel's test device).
    Ram {
        /// Device number.
        unit: u32,
    },
    /// `console`: alias for the console device the kernel chose.
    Console,
    /// `time`: the mappable clock.
    Time,
    /// `kbd`: keyboard event device.
    Kbd,
    /// `mouse`: mouse event device.
    Mouse,
    /// `kd`: the PC keyboard/display console.
    Kd,
    /// `kmsg`: kernel message buffer.
    Kmsg,
    /// `mem`: physical memory, for mapping.
    Mem,
    /// `irq`: interrupt delivery to user-space drivers.
    Irq,
}

/// Why a name was refused. Every variant maps to `D_NO_SUCH_DEVICE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name does not fit in a `dev_name_t` (127 bytes plus NUL).
    TooLong,
    /// The name has the wrong shape (bad characters, leading zeros, overflow,
    /// trailing garbage, BSD letter out of range...).
    Malformed,
    /// Well-formed, but no such kind of device.
    Unknown,
}

impl NameError {
    /// The reply code: always `D_NO_SUCH_DEVICE`.
    pub const fn code(self) -> IoReturn {
        D_NO_SUCH_DEVICE
    }
}

impl From<NameError> for DeviceError {
    fn from(_: NameError) -> DeviceError {
        DeviceError::NoSuchDevice
    }
}

/// Parse a name as received in a `dev_name_t` buffer.
///
/// The name ends at the first NUL byte, or at the end of `raw` if there is none.
///
/// # Errors
/// [`NameError::TooLong`] if the name (without NUL) is longer than
/// [`DEV_NAME_MAX_LEN`] bytes, including the case of a full 128-byte buffer with no
/// NUL; otherwise as [`parse_str`].
pub fn parse(raw: &[u8]) -> Result<DeviceName, NameError> {
    let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    if len > DEV_NAME_MAX_LEN {
        return Err(NameError::TooLong);
    }
    let s = core::str::from_utf8(&raw[..len]).map_err(|_| NameError::Malformed)?;
    parse_str(s)
}

/// Parse a device name given as a string (no NUL).
///
/// # Errors
/// - [`NameError::Empty`] for `""`.
/// - [`NameError::TooLong`] beyond [`DEV_NAME_MAX_LEN`] bytes.
/// - [`NameError::Malformed`] for anything but lower-case ASCII letters and digits in
///   the shapes of the module grammar.
/// - [`NameError::Unknown`] for a well-formed name of no known kind (`lpr0`, `wd0`).
pub fn parse_str(name: &str) -> Result<DeviceName, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > DEV_NAME_MAX_LEN {
        return Err(NameError::TooLong);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(NameError::Malformed);
    }
    let prefix_len = name.bytes().take_while(u8::is_ascii_lowercase).count();
    let (prefix, rest) = name.split_at(prefix_len);
    if prefix.is_empty() {
        return Err(NameError::Malformed);
    }
    if rest.is_empty() {
        return match prefix {
            "console" => Ok(DeviceName::Console),
            "time" => Ok(DeviceName::Time),
            "kbd" => Ok(DeviceName::Kbd),
            "mouse" => Ok(DeviceName::Mouse),
            "kd" => Ok(DeviceName::Kd),
            "kmsg" => Ok(DeviceName::Kmsg),
            "mem" => Ok(DeviceName::Mem),
            "irq" => Ok(DeviceName::Irq),
            _ if is_unit_prefix(prefix) => Err(NameError::Malformed),
            _ => Err(NameError::Unknown),
        };
    }
    let unit_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (unit_str, tail) = rest.split_at(unit_len);
    if unit_str.is_empty() {
        return Err(NameError::Malformed);
    }
    let unit = parse_unit(unit_str)?;
    match prefix {
        "eth" | "com" | "ram" => {
            if !tail.is_empty() {
                return Err(NameError::Malformed);
            }
            Ok(match prefix {
                "eth" => DeviceName::Net { unit },
                "com" => DeviceName::Com { unit },
                _ => DeviceName::Ram { unit },
            })
        }
        _ => match DiskKind::from_prefix(prefix) {
            Some(kind) => parse_disk_tail(kind, unit, tail),
            None => Err(NameError::Unknown),
        },
    }
}

fn is_unit_prefix(p: &str) -> bool {
    matches!(p, "eth" | "com" | "ram") || DiskKind::from_prefix(p).is_some()
}

/// A unit number: decimal, no leading zeros, fits `u32`.
fn parse_unit(s: &str) -> Result<u32, NameError> {
    if s.len() > 1 && s.starts_with('0') {
        return Err(NameError::Malformed);
    }
    parse_decimal(s)
}

fn parse_decimal(s: &str) -> Result<u32, NameError> {
    let mut v: u32 = 0;
    for b in s.bytes() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(b - b'0')))
            .ok_or(NameError::Malformed)?;
    }
    Ok(v)
}

fn parse_disk_tail(kind: DiskKind, unit: u32, tail: &str) -> Result<DeviceName, NameError> {
    let mut partition = None;
    let mut rest = tail;
    if let Some(after_s) = rest.strip_prefix('s') {
        let n = after_s.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 {
            let (digits, r) = after_s.split_at(n);
            let p = parse_decimal(digits)?;
            // `s0` is the whole disk in GNU Mach (minor number of the disk itself).
            partition = if p == 0 { None } else { Some(p) };
            rest = r;
        }
        // `s` with no digits is not a slice marker: it falls through to the letter
        // check below, where `s` is beyond `p` and is refused.
    }
    let slice = match rest.as_bytes() {
        [] => None,
        [l] if (b'a'..b'a' + MAX_BSD_SLICES).contains(l) => Some(l - b'a'),
        _ => return Err(NameError::Malformed),
    };
    Ok(DeviceName::Disk(DiskName {
        kind,
        unit,
        partition,
        slice,
    }))
}

impl fmt::Display for DiskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.prefix(), self.unit)?;
        if let Some(p) = self.partition {
            write!(f, "s{}", p)?;
        }
        if let Some(s) = self.slice {
            write!(f, "{}", char::from(b'a' + s))?;
        }
        Ok(())
    }
}

/// Formats the canonical spelling, which [`parse_str`] maps back to the same value
/// (for values [`parse_str`] can produce).
impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceName::Disk(d) => d.fmt(f),
            DeviceName::Net { unit } => write!(f, "eth{}", unit),
            DeviceName::Com { unit } => write!(f, "com{}", unit),
            DeviceName::Ram { unit } => write!(f, "ram{}", unit),
            DeviceName::Console => f.write_str("console"),
            DeviceName::Time => f.write_str("time"),
            DeviceName::Kbd => f.write_str("kbd"),
            DeviceName::Mouse => f.write_str("mouse"),
            DeviceName::Kd => f.write_str("kd"),
            DeviceName::Kmsg => f.write_str("kmsg"),
            DeviceName::Mem => f.write_str("mem"),
            DeviceName::Irq => f.write_str("irq"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn disk(kind: DiskKind, unit: u32, partition: Option<u32>, slice: Option<u8>) -> DeviceName {
        DeviceName::Disk(DiskName {
            kind,
            unit,
            partition,
            slice,
        })
    }

    #[test]
    fn whole_disks_of_every_kind() {
        assert_eq!(parse_str("hd0"), Ok(disk(DiskKind::Hd, 0, None, None)));
        assert_eq!(parse_str("hd7"), Ok(disk(DiskKind::Hd, 7, None, None)));
        assert_eq!(parse_str("sd3"), Ok(disk(DiskKind::Sd, 3, None, None)));
        assert_eq!(parse_str("fd1"), Ok(disk(DiskKind::Fd, 1, None, None)));
        assert_eq!(parse_str("cd0"), Ok(disk(DiskKind::Cd, 0, None, None)));
        assert_eq!(parse_str("wcd2"), Ok(disk(DiskKind::Wcd, 2, None, None)));
        assert_eq!(parse_str("hd12"), Ok(disk(DiskKind::Hd, 12, None, None)));
    }

    #[test]
    fn partitions_primary_logical_and_bsd() {
        for p in 1..=4 {
            let n = alloc::format!("hd0s{}", p);
            assert_eq!(parse_str(&n), Ok(disk(DiskKind::Hd, 0, Some(p), None)));
        }
        assert_eq!(parse_str("hd0s5"), Ok(disk(DiskKind::Hd, 0, Some(5), None)));
        assert_eq!(
            parse_str("hd1s17"),
            Ok(disk(DiskKind::Hd, 1, Some(17), None))
        );
        assert_eq!(
            parse_str("hd0s1a"),
            Ok(disk(DiskKind::Hd, 0, Some(1), Some(0)))
        );
        assert_eq!(
            parse_str("sd2s3p"),
            Ok(disk(DiskKind::Sd, 2, Some(3), Some(15)))
        );
        // Old form: BSD partition of the default slice.
        assert_eq!(parse_str("hd0a"), Ok(disk(DiskKind::Hd, 0, None, Some(0))));
        assert_eq!(parse_str("hd0e"), Ok(disk(DiskKind::Hd, 0, None, Some(4))));
    }

    #[test]
    fn slice_numbers_follow_gnumach_atoi_rules() {
        // GNU Mach reads the s-number with atoi-like rules: s01 is slice 1, s0 the disk.
        assert_eq!(
            parse_str("hd0s01"),
            Ok(disk(DiskKind::Hd, 0, Some(1), None))
        );
        assert_eq!(parse_str("hd0s0"), Ok(disk(DiskKind::Hd, 0, None, None)));
        assert_eq!(
            parse_str("hd0s0a"),
            Ok(disk(DiskKind::Hd, 0, None, Some(0)))
        );
        assert_eq!(
            parse_str("hd0s4294967295"),
            Ok(disk(DiskKind::Hd, 0, Some(u32::MAX), None))
        );
        assert_eq!(parse_str("hd0s4294967296"), Err(NameError::Malformed));
    }

    #[test]
    fn other_devices() {
        assert_eq!(parse_str("eth0"), Ok(DeviceName::Net { unit: 0 }));
        assert_eq!(parse_str("eth7"), Ok(DeviceName::Net { unit: 7 }));
        assert_eq!(parse_str("com0"), Ok(DeviceName::Com { unit: 0 }));
        assert_eq!(parse_str("com3"), Ok(DeviceName::Com { unit: 3 }));
        assert_eq!(parse_str("ram0"), Ok(DeviceName::Ram { unit: 0 }));
        assert_eq!(parse_str("ram"), Err(NameError::Malformed));
        assert_eq!(parse_str("ram0s1"), Err(NameError::Malformed));
        assert_eq!(parse_str("console"), Ok(DeviceName::Console));
        assert_eq!(parse_str("time"), Ok(DeviceName::Time));
        assert_eq!(parse_str("kbd"), Ok(DeviceName::Kbd));
        assert_eq!(parse_str("mouse"), Ok(DeviceName::Mouse));
        assert_eq!(parse_str("kd"), Ok(DeviceName::Kd));
        assert_eq!(parse_str("kmsg"), Ok(DeviceName::Kmsg));
        assert_eq!(parse_str("mem"), Ok(DeviceName::Mem));
        assert_eq!(parse_str("irq"), Ok(DeviceName::Irq));
    }

    #[test]
    fn malformed_and_unknown_names_are_refused() {
        use NameError::*;
        let cases: &[(&str, NameError)] = &[
            ("", Empty),
            ("hd", Malformed),
            ("eth", Malformed),
            ("com", Malformed),
            ("hd00", Malformed),
            ("hd01", Malformed),
            ("eth01", Malformed),
            ("HD0", Malformed),
            ("Hd0", Malformed),
            ("hd0A", Malformed),
            ("hd0s", Malformed),
            ("hd0s1q", Malformed),
            ("hd0z", Malformed),
            ("hd0s1ab", Malformed),
            ("hd0s1a1", Malformed),
            ("hd-1", Malformed),
            ("hd 0", Malformed),
            ("0hd", Malformed),
            ("123", Malformed),
            ("com0x", Malformed),
            ("eth0s1", Malformed),
            ("console0", Unknown),
            ("hd4294967296", Malformed),
            ("lpr0", Unknown),
            ("wd0", Unknown),
            ("foo", Unknown),
            ("xyz0", Unknown),
            ("hdd0", Unknown),
        ];
        for (name, err) in cases {
            assert_eq!(parse_str(name), Err(*err), "name {:?}", name);
            assert_eq!(err.code(), D_NO_SUCH_DEVICE);
        }
        assert_eq!(parse_str("hd\u{e9}0"), Err(Malformed));
        assert_eq!(DeviceError::from(Unknown), DeviceError::NoSuchDevice);
    }

    #[test]
    fn dev_name_t_buffers() {
        // A real 128-byte buffer with NUL padding.
        let mut buf = [0u8; DEV_NAME_SIZE];
        buf[..6].copy_from_slice(b"hd0s1a");
        assert_eq!(parse(&buf), Ok(disk(DiskKind::Hd, 0, Some(1), Some(0))));
        // Bytes after the NUL are ignored.
        buf[7] = b'x';
        assert!(parse(&buf).is_ok());
        // No NUL in the whole buffer: overlong.
        let full = [b'a'; DEV_NAME_SIZE];
        assert_eq!(parse(&full), Err(NameError::TooLong));
        // 127 characters fit (and are then judged on their shape).
        let mut long = vec![b'a'; DEV_NAME_MAX_LEN];
        long.push(0);
        assert_eq!(parse(&long), Err(NameError::Unknown));
        let s = "hd1".to_string() + &"0".repeat(200);
        assert_eq!(parse_str(&s), Err(NameError::TooLong));
        assert_eq!(parse(b"\0hd0"), Err(NameError::Empty));
        assert_eq!(parse(&[0xff, 0]), Err(NameError::Malformed));
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        for n in [
            "hd0", "hd0s1", "hd0s1a", "hd0a", "sd7s12p", "wcd1", "fd0", "cd1", "eth3", "com2",
            "console", "time", "kbd", "mouse", "kd", "kmsg", "mem", "irq",
        ] {
            let parsed = parse_str(n).unwrap();
            assert_eq!(parsed.to_string(), n);
            assert_eq!(parse_str(&parsed.to_string()), Ok(parsed));
        }
        assert_eq!(parse_str("hd0s01").unwrap().to_string(), "hd0s1");
        assert_eq!(parse_str("hd0s0").unwrap().to_string(), "hd0");
    }
}
