//! The kernel log: every message goes to COM1 (when present) and to the
//! console the command line chose (VGA text by default, or a UART with
//! `console=comN`).

use core::fmt::{self, Write};
use spin::Mutex;

use crate::i386::cpu;
use crate::i386::serial::Uart;
use crate::i386::vga::Vga;
use kerncore::cmdline::Console;

struct Sinks {
    log_uart: Uart,
    console_uart: Option<Uart>,
    vga: Option<Vga>,
}

static SINKS: Mutex<Sinks> = Mutex::new(Sinks { log_uart: Uart::new(0), console_uart: None, vga: None });

impl Write for Sinks {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.log_uart.write(s.as_bytes());
        if let Some(u) = &self.console_uart {
            u.write(s.as_bytes());
        }
        if let Some(v) = &mut self.vga {
            v.write(s.as_bytes());
        }
        Ok(())
    }
}

/// Brings up COM1 for the log; the console follows in [`set_console`].
pub fn init_early() {
    SINKS.lock().log_uart.init();
}

/// Directs console output to `console` (COM1 already carries the log).
pub fn set_console(console: Console) {
    let mut s = SINKS.lock();
    match console {
        Console::Vga => {
            let mut v = Vga::new();
            v.clear();
            s.vga = Some(v);
            s.console_uart = None;
        }
        Console::Com(0) => {
            s.vga = None;
            s.console_uart = None;
        }
        Console::Com(n) => {
            let mut u = Uart::new(usize::from(n));
            let present = u.init();
            s.vga = None;
            s.console_uart = present.then_some(u);
        }
    }
}

/// Writes formatted text to every sink, with interrupts off so an interrupt
/// handler that logs cannot deadlock on the sink lock.
pub fn write_fmt(args: fmt::Arguments) {
    cpu::without_interrupts(|| {
        let _ = SINKS.lock().write_fmt(args);
    });
}

/// Whether the VGA console shows a row starting with `text` (false without VGA console).
pub fn vga_shows(text: &str) -> bool {
    cpu::without_interrupts(|| SINKS.lock().vga.as_ref().is_some_and(|v| v.row_starts_with(text)))
}

/// Writes raw bytes (from C's printk), replacing invalid UTF-8.
pub fn write_bytes(bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        write_fmt(format_args!("{}", chunk.valid()));
        if !chunk.invalid().is_empty() {
            write_fmt(format_args!("\u{FFFD}"));
        }
    }
}

/// For the panic path: takes the sink lock even if the panicking code held it.
pub fn force_unlock() {
    // SAFETY: called only on the panic path with interrupts off; the holder
    // will never run again, so breaking its lock cannot cause a data race.
    unsafe { SINKS.force_unlock() };
}

/// Prints to the kernel log.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::kern::log::write_fmt(format_args!($($arg)*)) };
}

/// Prints a line to the kernel log.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprint!("\n") };
    ($($arg:tt)*) => { $crate::kern::log::write_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Logs a warning: something was wrong and was skipped.
#[macro_export]
macro_rules! kwarn {
    ($($arg:tt)*) => { $crate::kprintln!("warning: {}", format_args!($($arg)*)) };
}
