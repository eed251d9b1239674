//! `ram0`: a RAM-backed block device of 512-byte records, for tests and for
//! measuring the device RPC path apart from any driver (`cargo xtask
//! bench`). Present only when the command line says `ramdisk=KIB`.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use ::device::codes::{DeviceError, DEV_GET_RECORDS, DEV_GET_SIZE};
use ::device::emul::Device;
use ::device::partition::Extent;
use spin::Mutex;

use crate::i386::cpu;

const RECORD: u32 = 512;

struct Ram {
    data: Mutex<Vec<u8>>,
    records: u64,
}

impl Ram {
    fn extent(&self) -> Extent {
        Extent { start_lba: 0, length_lba: self.records }
    }
}

impl Device for Ram {
    fn open(&self, _mode: u32) -> Result<(), DeviceError> {
        Ok(())
    }

    fn close(&self) {}

    fn read(&self, _mode: u32, recnum: u64, bytes: u32) -> Result<Vec<u8>, DeviceError> {
        let span = self.extent().check_bytes(recnum, u64::from(bytes), RECORD)?;
        let at = (span.lba * u64::from(RECORD)) as usize;
        let mut out = crate::vm::kalloc::try_zeroed(span.bytes as usize).ok_or(DeviceError::NoMemory)?;
        cpu::without_interrupts(|| out.copy_from_slice(&self.data.lock()[at..at + span.bytes as usize]));
        Ok(out)
    }

    fn write(&self, _mode: u32, recnum: u64, data: &[u8]) -> Result<u32, DeviceError> {
        let span = self.extent().check_bytes(recnum, data.len() as u64, RECORD)?;
        let at = (span.lba * u64::from(RECORD)) as usize;
        let n = span.bytes as usize;
        cpu::without_interrupts(|| self.data.lock()[at..at + n].copy_from_slice(&data[..n]));
        Ok(n as u32)
    }

    fn get_status(&self, flavor: u32, _max: u32) -> Result<Vec<u32>, DeviceError> {
        match flavor {
            DEV_GET_SIZE => Ok(vec![(self.records * u64::from(RECORD)) as u32, RECORD]),
            DEV_GET_RECORDS => Ok(vec![self.records as u32, RECORD]),
            _ => Err(DeviceError::InvalidOperation),
        }
    }

    fn set_status(&self, _flavor: u32, _status: &[u32]) -> Result<(), DeviceError> {
        Err(DeviceError::InvalidOperation)
    }

    fn record_size(&self) -> u32 {
        RECORD
    }

    fn records(&self) -> Option<u64> {
        Some(self.records)
    }
}

/// Registers `ram0` with `kib` KiB (nothing for 0; at most 64 MiB).
pub fn init(kib: u32) {
    if kib == 0 || kib > 64 * 1024 {
        return;
    }
    let bytes = kib as usize * 1024;
    let dev = Ram { data: Mutex::new(vec![0u8; bytes]), records: (bytes / RECORD as usize) as u64 };
    super::register("ram0", Arc::new(dev));
    crate::kprintln!("ram0: {} KiB RAM disk", kib);
}
