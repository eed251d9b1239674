//! Return codes and open modes of GNU Mach's device interface (`device.defs`).
//!
//! Every value here is part of the ABI that Hurd servers and libraries were built
//! against (see `shared/gnumach-abi.md`); the numbers must never change. The rest of
//! the crate reports failures as [`DeviceError`], which maps one-to-one onto the
//! `D_*` codes with [`DeviceError::code`].

/// `io_return_t`: the result of a device RPC as it travels in a reply message.
pub type IoReturn = i32;

/// The operation completed.
pub const D_SUCCESS: IoReturn = 0;
/// The operation was queued; the reply comes later (kernel-internal, never sent).
pub const D_IO_QUEUED: IoReturn = -1;
/// Hardware or medium error.
pub const D_IO_ERROR: IoReturn = 2500;
/// The operation would block and the caller asked not to wait.
pub const D_WOULD_BLOCK: IoReturn = 2501;
/// No device of that name (also: a malformed name).
pub const D_NO_SUCH_DEVICE: IoReturn = 2502;
/// The device is open exclusively elsewhere.
pub const D_ALREADY_OPEN: IoReturn = 2503;
/// The device is down (e.g. a network interface that is not running).
pub const D_DEVICE_DOWN: IoReturn = 2504;
/// The device does not support the operation, or its arguments are invalid
/// (e.g. a packet filter that fails validation).
pub const D_INVALID_OPERATION: IoReturn = 2505;
/// The record number lies outside the device.
pub const D_INVALID_RECNUM: IoReturn = 2506;
/// The transfer size is invalid.
pub const D_INVALID_SIZE: IoReturn = 2507;
/// Out of memory.
pub const D_NO_MEMORY: IoReturn = 2508;
/// The device is read-only.
pub const D_READ_ONLY: IoReturn = 2509;

/// `dev_mode_t` bit: open for reading.
pub const D_READ: u32 = 1;
/// `dev_mode_t` bit: open for writing.
pub const D_WRITE: u32 = 2;
/// `dev_mode_t` bit: do not wait for carrier or similar (serial lines).
pub const D_NODELAY: u32 = 4;
/// `dev_mode_t` bit: do not wait if the operation would block.
pub const D_NOWAIT: u32 = 8;

/// `DEV_GET_SIZE` status flavor: `{device size in bytes, record size}`.
pub const DEV_GET_SIZE: u32 = 0;
/// Index of the device size (bytes) in a `DEV_GET_SIZE` reply.
pub const DEV_GET_SIZE_DEVICE_SIZE: usize = 0;
/// Index of the record size in a `DEV_GET_SIZE` reply.
pub const DEV_GET_SIZE_RECORD_SIZE: usize = 1;
/// Number of integers in a `DEV_GET_SIZE` reply.
pub const DEV_GET_SIZE_COUNT: usize = 2;
/// This kernel's own status flavor (not GNU Mach's) for block devices past
/// 2^32 records: `device_set_status` with `{base_lo, base_hi}` sets the
/// device's 64-bit *record base*, which every later `recnum` is added to;
/// `device_get_status` answers `{base_lo, base_hi, records_lo, records_hi}`
/// (the device's 64-bit size in records). See `partition`'s "Records past 2^32".
pub const DEV_RECORD_BASE: u32 = ((b'R' as u32) << 16) | 1;

/// `DEV_GET_RECORDS` status flavor: `{device size in records, record size}`.
pub const DEV_GET_RECORDS: u32 = 1;
/// Index of the record count in a `DEV_GET_RECORDS` reply.
pub const DEV_GET_RECORDS_DEVICE_RECORDS: usize = 0;
/// Index of the record size in a `DEV_GET_RECORDS` reply.
pub const DEV_GET_RECORDS_RECORD_SIZE: usize = 1;
/// Number of integers in a `DEV_GET_RECORDS` reply.
pub const DEV_GET_RECORDS_COUNT: usize = 2;

/// A device failure, one variant per `D_*` error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceError {
    /// [`D_IO_ERROR`]
    IoError,
    /// [`D_WOULD_BLOCK`]
    WouldBlock,
    /// [`D_NO_SUCH_DEVICE`]
    NoSuchDevice,
    /// [`D_ALREADY_OPEN`]
    AlreadyOpen,
    /// [`D_DEVICE_DOWN`]
    DeviceDown,
    /// [`D_INVALID_OPERATION`]
    InvalidOperation,
    /// [`D_INVALID_RECNUM`]
    InvalidRecnum,
    /// [`D_INVALID_SIZE`]
    InvalidSize,
    /// [`D_NO_MEMORY`]
    NoMemory,
    /// [`D_READ_ONLY`]
    ReadOnly,
}

impl DeviceError {
    /// The `D_*` code that goes into the reply message.
    pub const fn code(self) -> IoReturn {
        match self {
            DeviceError::IoError => D_IO_ERROR,
            DeviceError::WouldBlock => D_WOULD_BLOCK,
            DeviceError::NoSuchDevice => D_NO_SUCH_DEVICE,
            DeviceError::AlreadyOpen => D_ALREADY_OPEN,
            DeviceError::DeviceDown => D_DEVICE_DOWN,
            DeviceError::InvalidOperation => D_INVALID_OPERATION,
            DeviceError::InvalidRecnum => D_INVALID_RECNUM,
            DeviceError::InvalidSize => D_INVALID_SIZE,
            DeviceError::NoMemory => D_NO_MEMORY,
            DeviceError::ReadOnly => D_READ_ONLY,
        }
    }

    /// The error for a `D_*` code; `None` for success, `D_IO_QUEUED` and unknown codes.
    pub const fn from_code(code: IoReturn) -> Option<DeviceError> {
        Some(match code {
            D_IO_ERROR => DeviceError::IoError,
            D_WOULD_BLOCK => DeviceError::WouldBlock,
            D_NO_SUCH_DEVICE => DeviceError::NoSuchDevice,
            D_ALREADY_OPEN => DeviceError::AlreadyOpen,
            D_DEVICE_DOWN => DeviceError::DeviceDown,
            D_INVALID_OPERATION => DeviceError::InvalidOperation,
            D_INVALID_RECNUM => DeviceError::InvalidRecnum,
            D_INVALID_SIZE => DeviceError::InvalidSize,
            D_NO_MEMORY => DeviceError::NoMemory,
            D_READ_ONLY => DeviceError::ReadOnly,
            _ => return None,
        })
    }
}

/// Turn a device result into the `io_return_t` of a reply.
pub fn to_io_return<T>(result: &Result<T, DeviceError>) -> IoReturn {
    match result {
        Ok(_) => D_SUCCESS,
        Err(e) => e.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_abi() {
        assert_eq!(D_IO_ERROR, 2500);
        assert_eq!(D_WOULD_BLOCK, 2501);
        assert_eq!(D_NO_SUCH_DEVICE, 2502);
        assert_eq!(D_ALREADY_OPEN, 2503);
        assert_eq!(D_DEVICE_DOWN, 2504);
        assert_eq!(D_INVALID_OPERATION, 2505);
        assert_eq!(D_INVALID_RECNUM, 2506);
        assert_eq!(D_INVALID_SIZE, 2507);
        assert_eq!(D_NO_MEMORY, 2508);
        assert_eq!(D_READ_ONLY, 2509);
        assert_eq!((D_READ, D_WRITE, D_NODELAY, D_NOWAIT), (1, 2, 4, 8));
        assert_eq!((DEV_GET_SIZE, DEV_GET_RECORDS), (0, 1));
    }

    #[test]
    fn every_error_round_trips_through_its_code() {
        for code in 2500..=2509 {
            let e = DeviceError::from_code(code).expect("known code");
            assert_eq!(e.code(), code);
        }
        assert_eq!(DeviceError::from_code(D_SUCCESS), None);
        assert_eq!(DeviceError::from_code(D_IO_QUEUED), None);
        assert_eq!(DeviceError::from_code(2510), None);
        assert_eq!(to_io_return::<()>(&Ok(())), D_SUCCESS);
        assert_eq!(to_io_return::<()>(&Err(DeviceError::ReadOnly)), D_READ_ONLY);
    }
}
