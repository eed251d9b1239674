//! The device emulation interface: what every device behind a device port
//! implements (the counterpart of GNU Mach's `device_emul.h`). Native Rust
//! devices and, later, the Linux glue register implementations of [`Device`]
//! with the kernel's device server, which does the Mach side (ports, messages,
//! user memory) and calls these with plain values.

use alloc::vec::Vec;

use crate::codes::DeviceError;

/// The receive port of a packet filter as the kernel holds it (a send
/// right of the kernel's IPC), opaque to this crate.
pub type FilterPort = alloc::boxed::Box<dyn core::any::Any + Send>;

/// Bytes a `device_read_inband` / `device_write_inband` carries at most.
pub const INBAND_MAX: usize = 128;

/// A device. Every method has the semantics of the `device.defs` routine of
/// the same name; `mode` carries the caller's `D_NOWAIT`, record numbers are
/// 64-bit (see "Records past 2^32" in [`crate::partition`]).
///
/// # Errors
/// Each method answers a [`DeviceError`], sent to the caller as its `D_*` code.
pub trait Device: Send + Sync {
    /// Opens the device (`mode`: `D_READ`, `D_WRITE`, `D_NODELAY`).
    fn open(&self, mode: u32) -> Result<(), DeviceError>;

    /// Closes it (last close, or the last send right to its port died).
    fn close(&self);

    /// The last send right to its port died, after an explicit close too
    /// (then [`Device::close`] is not called again): state kept for its
    /// clients (a network interface's filters whose ports died) can go.
    fn port_released(&self) {}

    /// Reads up to `bytes` bytes at record `recnum`. With `D_NOWAIT` in
    /// `mode` it must not wait: no data yet is `WouldBlock` (the kernel's
    /// server always reads this way and keeps the request until the device
    /// has news).
    fn read(&self, mode: u32, recnum: u64, bytes: u32) -> Result<Vec<u8>, DeviceError>;

    /// Writes `data` at record `recnum`; answers the bytes written.
    fn write(&self, mode: u32, recnum: u64, data: &[u8]) -> Result<u32, DeviceError>;

    /// Status words of `flavor`, at most `max` of them.
    fn get_status(&self, flavor: u32, max: u32) -> Result<Vec<u32>, DeviceError>;

    /// Sets status `flavor`.
    fn set_status(&self, flavor: u32, status: &[u32]) -> Result<(), DeviceError>;

    /// `device_set_filter`: installs packet filter `filter` (CSPF or BPF
    /// words, see [`crate::net_filter`]) at `priority`, delivering to
    /// `port` (the kernel's send right, opaque here). Devices that filter
    /// nothing answer `InvalidOperation`; on any error the port comes back
    /// for the kernel to release.
    ///
    /// # Errors
    /// `(error, port)`.
    fn set_filter(
        &self,
        port: FilterPort,
        _priority: i32,
        _filter: &[u16],
    ) -> Result<(), (DeviceError, FilterPort)> {
        Err((DeviceError::InvalidOperation, port))
    }

    /// `device_map`: the physical memory a mapping of the device shows, as
    /// (physical base, bytes, writable). `prot` is the access asked for;
    /// devices without such memory answer `InvalidOperation`.
    fn map(&self, _prot: u32) -> Result<(u32, u32, bool), DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    /// Size in records, 64-bit, for block devices (`None` for others): what
    /// `DEV_RECORD_BASE` reports.
    fn records(&self) -> Option<u64> {
        None
    }

    /// Record size in bytes (1 for character devices).
    fn record_size(&self) -> u32 {
        1
    }

    /// The device itself, for the kernel paths that serve one kind of
    /// device in its own way (block devices read into and write from the
    /// caller's pages); `None` for the rest.
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }
}
