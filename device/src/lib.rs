//! Pure logic of the device subsystem: no hardware, no `unsafe`, host-testable.
//!
//! The kernel's device server answers GNU Mach's `device.defs` on Mach ports. The
//! parts of that job that need no hardware live here, so they run under a plain
//! `cargo test -p device`:
//!
//! - [`codes`]: the `D_*` return codes, open modes and status flavors of the ABI, and
//!   [`codes::DeviceError`], the one error type the server turns into replies.
//! - [`names`]: device names as users type them (`hd0s1a`, `eth0`, `console`).
//! - [`partition`]: MBR/EBR, BSD disklabel and GPT parsing over a
//!   [`partition::SectorSource`], name-to-extent resolution, and the range check for
//!   every block read and write.
//! - [`net_filter`]: `device_set_filter` programs (CSPF and BPF), their validators
//!   and interpreters, and the per-interface filter set that delivers frames.
//!
//! Design principles:
//! - Everything the device server receives from a user (names, packet filters,
//!   record numbers) and from a disk (partition tables) is untrusted: every parser is
//!   total, bounded in time and memory, and reports failure as a value that maps onto
//!   a `D_*` code.
//! - Behaviour follows GNU Mach where Hurd programs can observe it; where GNU Mach is
//!   lax or buggy, we are strict and say so in the module documentation.
//! - No `unsafe` (`forbid`), no dependencies, `no_std` + `alloc`.
//!
//! How the server uses it for a disk read:
//!
//! ```
//! use device::codes::DeviceError;
//! use device::names::{self, DeviceName};
//! use device::partition::{self, IoError, SectorSource, Span};
//!
//! struct Disk(Vec<u8>);
//! impl SectorSource for Disk {
//!     fn sector_size(&self) -> u32 { 512 }
//!     fn sectors(&self) -> u64 { self.0.len() as u64 / 512 }
//!     fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
//!         let at = usize::try_from(lba).map_err(|_| IoError)? * 512;
//!         buf.copy_from_slice(self.0.get(at..at + 512).ok_or(IoError)?);
//!         Ok(())
//!     }
//! }
//!
//! // One Linux partition at LBA 2048, 1000 sectors long.
//! let mut img = vec![0u8; 4096 * 512];
//! img[446 + 4] = 0x83;
//! img[446 + 8..446 + 12].copy_from_slice(&2048u32.to_le_bytes());
//! img[446 + 12..446 + 16].copy_from_slice(&1000u32.to_le_bytes());
//! img[510] = 0x55;
//! img[511] = 0xAA;
//! let table = partition::scan(&mut Disk(img)).unwrap();
//!
//! let DeviceName::Disk(d) = names::parse(b"hd0s1\0").unwrap() else { unreachable!() };
//! let extent = table.resolve(d.partition, d.slice).unwrap();
//! // device_read(recnum 990, 20 records): shortened to the 10 that remain.
//! assert_eq!(extent.check(990, 20), Ok(Span { lba: 3038, count: 10 }));
//! assert_eq!(extent.check(1001, 1), Err(DeviceError::InvalidRecnum));
//! assert_eq!(table.resolve(Some(2), None), Err(DeviceError::NoSuchDevice));
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod codes;
pub mod emul;
pub mod names;
pub mod net_filter;
pub mod partition;
#[cfg(test)]
mod testrng;
