//! 16550 UART output (polled), used by the kernel log and the console.
//!
//! Interrupt-driven reads and `TTY_STATUS` come with the `com` devices of the
//! device subsystem.

use super::io::{inb, outb};

/// I/O bases of com0..com3.
pub const COM_PORTS: [u16; 4] = [0x3F8, 0x2F8, 0x3E8, 0x2E8];

const THR: u16 = 0; // transmit holding register
const IER: u16 = 1;
const FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const SCR: u16 = 7;
const LSR_THR_EMPTY: u8 = 0x20;

/// One UART.
pub struct Uart {
    base: u16,
    present: bool,
}

impl Uart {
    /// A UART not yet probed: writes go nowhere until [`Uart::init`].
    pub const fn new(unit: usize) -> Self {
        Uart { base: COM_PORTS[unit], present: false }
    }

    /// Probes and programs the UART for 115200 baud, 8N1, FIFOs on.
    /// Returns whether it is there.
    pub fn init(&mut self) -> bool {
        let b = self.base;
        // SAFETY: the kernel owns the PC's standard UART ports; the scratch
        // register probe has no side effect on a missing or present 16550.
        unsafe {
            outb(b + SCR, 0x5A);
            if inb(b + SCR) != 0x5A {
                self.present = false;
                return false;
            }
            outb(b + IER, 0x00);
            outb(b + LCR, 0x80); // DLAB
            outb(b, 1); // divisor 1: 115200 baud
            outb(b + 1, 0);
            outb(b + LCR, 0x03); // 8N1
            outb(b + FCR, 0xC7); // FIFOs on, cleared, 14-byte threshold
            outb(b + MCR, 0x0B); // DTR, RTS, OUT2
        }
        self.present = true;
        true
    }

    /// Writes one byte, waiting (boundedly) for room in the transmitter.
    pub fn put(&self, byte: u8) {
        if !self.present {
            return;
        }
        // SAFETY: as in `init`: reading LSR and writing THR of our own UART.
        unsafe {
            for _ in 0..100_000 {
                if inb(self.base + LSR) & LSR_THR_EMPTY != 0 {
                    break;
                }
            }
            outb(self.base + THR, byte);
        }
    }

    /// Writes `bytes`, turning `\n` into `\r\n`.
    pub fn write(&self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.put(b'\r');
            }
            self.put(b);
        }
    }
}
