//! `com0`..`com3`: 16550 UARTs as character devices. Writes go out polled;
//! received bytes are taken by the UART's interrupt into a ring that reads
//! drain (waiting for at least one byte unless `D_NOWAIT`). `TTY_STATUS`
//! gives and sets the speed (and keeps the other fields).

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use ::device::codes::{DeviceError, D_NOWAIT};
use ::device::emul::Device;

use crate::i386::io::{inb, outb};
use crate::i386::serial::COM_PORTS;
use crate::i386::{cpu, pic};
use crate::kern::sched_prim as sched;

/// `TTY_STATUS` flavor: ('t' << 16) + 1; four words.
pub const TTY_STATUS: u32 = ((b't' as u32) << 16) + 1;
const IRQS: [u8; 4] = [4, 3, 4, 3];
const RING: usize = 4096;
/// `B115200` and the divisors of the speed codes GNU Mach's tty_status.h names.
const SPEED_115200: u32 = 17;
const DIVISORS: [u16; 18] = [0, 2304, 1536, 1047, 857, 768, 576, 384, 192, 96, 64, 48, 24, 12, 6, 3, 2, 1];

pub struct Com {
    unit: usize,
    base: u16,
    state: Mutex<State>,
}

struct State {
    input: VecDeque<u8>,
    tty: [u32; 4],
    overruns: u32,
}

static UNITS: Mutex<[Option<Arc<Com>>; 4]> = Mutex::new([None, None, None, None]);

impl Com {
    /// The UART `unit` if it is there (COM1 is already set up by the log).
    pub fn probe(unit: usize) -> Option<Arc<dyn Device>> {
        let base = COM_PORTS[unit];
        // SAFETY: the scratch register of a standard PC UART port; no side effect.
        let present = unsafe {
            outb(base + 7, 0xA5);
            inb(base + 7) == 0xA5
        };
        if !present {
            return None;
        }
        // The line is ours, not the Linux drivers' (autoirq must not take it).
        crate::glue::irq::reserve_native(IRQS[unit]);
        let com = Arc::new(Com {
            unit,
            base,
            state: Mutex::new(State { input: VecDeque::with_capacity(RING), tty: [SPEED_115200, SPEED_115200, 0, 0], overruns: 0 }),
        });
        cpu::without_interrupts(|| UNITS.lock()[unit] = Some(com.clone()));
        Some(com)
    }

    fn event(&self) -> usize {
        &self.state as *const _ as usize
    }

    fn put(&self, b: u8) {
        // SAFETY: this UART's data and line-status registers.
        unsafe {
            for _ in 0..100_000 {
                if inb(self.base + 5) & 0x20 != 0 {
                    break;
                }
            }
            outb(self.base, b);
        }
    }
}

/// The UART interrupt: moves received bytes into the ring of every unit on the line.
fn interrupt(irq: u8) {
    let units: Vec<Arc<Com>> = UNITS.lock().iter().flatten().filter(|c| IRQS[c.unit] == irq).cloned().collect();
    for c in units {
        let mut got = false;
        {
            let mut st = c.state.lock();
            // SAFETY: reading this UART's line status and receive registers.
            unsafe {
                while inb(c.base + 5) & 1 != 0 {
                    let b = inb(c.base);
                    if st.input.len() < RING {
                        st.input.push_back(b);
                    } else {
                        st.overruns += 1;
                    }
                    got = true;
                }
            }
        }
        if got {
            sched::thread_wakeup(c.event());
            super::io_done();
        }
    }
}

impl Device for Com {
    fn open(&self, _mode: u32) -> Result<(), DeviceError> {
        // Receive interrupts on (IER bit 0), OUT2 lets them reach the PIC.
        // SAFETY: this UART's interrupt-enable and modem-control registers.
        unsafe {
            outb(self.base + 4, 0x0B);
            outb(self.base + 1, 0x01);
        }
        pic::register(IRQS[self.unit], interrupt);
        Ok(())
    }

    fn close(&self) {
        // SAFETY: as in `open`.
        unsafe { outb(self.base + 1, 0x00) };
    }

    fn read(&self, mode: u32, _recnum: u64, bytes: u32) -> Result<Vec<u8>, DeviceError> {
        loop {
            let got = cpu::without_interrupts(|| {
                let mut st = self.state.lock();
                if st.input.is_empty() {
                    if mode & D_NOWAIT == 0 {
                        sched::assert_wait(self.event(), None);
                    }
                    return None;
                }
                let n = (bytes as usize).min(st.input.len());
                Some(st.input.drain(..n).collect::<Vec<u8>>())
            });
            match got {
                Some(v) => return Ok(v),
                None if mode & D_NOWAIT != 0 => return Err(DeviceError::WouldBlock),
                None => {
                    if sched::thread_block() == sched::WaitResult::Interrupted {
                        return Err(DeviceError::IoError);
                    }
                }
            }
        }
    }

    fn write(&self, _mode: u32, _recnum: u64, data: &[u8]) -> Result<u32, DeviceError> {
        if self.unit == 0 {
            // COM1 also carries the kernel log: go through its lock.
            crate::kern::log::write_bytes(data);
        } else {
            for &b in data {
                self.put(b);
            }
        }
        Ok(data.len() as u32)
    }

    fn get_status(&self, flavor: u32, max: u32) -> Result<Vec<u32>, DeviceError> {
        if flavor != TTY_STATUS || max < 4 {
            return Err(DeviceError::InvalidOperation);
        }
        Ok(cpu::without_interrupts(|| self.state.lock().tty.to_vec()))
    }

    fn set_status(&self, flavor: u32, status: &[u32]) -> Result<(), DeviceError> {
        if flavor != TTY_STATUS || status.len() < 4 {
            return Err(DeviceError::InvalidOperation);
        }
        let speed = status[1];
        let divisor = *DIVISORS.get(speed as usize).filter(|&&d| d != 0).ok_or(DeviceError::InvalidOperation)?;
        // SAFETY: the divisor latch sequence of this UART (8N1 kept).
        unsafe {
            outb(self.base + 3, 0x80);
            outb(self.base, divisor as u8);
            outb(self.base + 1, (divisor >> 8) as u8);
            outb(self.base + 3, 0x03);
        }
        cpu::without_interrupts(|| self.state.lock().tty.copy_from_slice(&status[..4]));
        Ok(())
    }
}
