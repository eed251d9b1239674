//! Formatted output through the `mach_print` trap, with no heap: text is
//! gathered in a fixed buffer and handed to the kernel one NUL-terminated chunk
//! at a time (at most [`Printer::CAPACITY`] bytes per trap).

use core::fmt;

/// A fixed buffer flushed to `mach_print` when full and when dropped.
pub struct Printer {
    buf: [u8; Printer::CAPACITY + 1],
    len: usize,
}

impl Printer {
    /// Bytes gathered before a flush (the buffer keeps one more for the NUL).
    pub const CAPACITY: usize = 255;

    pub const fn new() -> Self {
        Printer { buf: [0; Printer::CAPACITY + 1], len: 0 }
    }

    /// Prints what is buffered (nothing when empty).
    pub fn flush(&mut self) {
        if self.len == 0 {
            return;
        }
        self.buf[self.len] = 0;
        emit(&self.buf[..=self.len]);
        self.len = 0;
    }
}

impl Default for Printer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Printer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == Self::CAPACITY {
                self.flush();
            }
            // A NUL would end the kernel's string early.
            self.buf[self.len] = if b == 0 { b'?' } else { b };
            self.len += 1;
        }
        Ok(())
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Hands one NUL-terminated chunk to the kernel.
#[cfg(target_arch = "x86")]
fn emit(chunk: &[u8]) {
    debug_assert_eq!(chunk.last(), Some(&0));
    // SAFETY: `chunk` ends with a NUL; the kernel only reads it.
    unsafe { crate::trap::mach_print(chunk.as_ptr()) }
}

/// Other architectures have no trap; output is dropped (the crate only runs on i386).
#[cfg(not(target_arch = "x86"))]
fn emit(_chunk: &[u8]) {}

/// Formats `args` and prints them (used by [`uprint!`] and [`uprintln!`]).
pub fn print_fmt(args: fmt::Arguments<'_>) {
    let mut p = Printer::new();
    let _ = fmt::Write::write_fmt(&mut p, args);
    p.flush();
}

/// Prints formatted text on the kernel console through `mach_print`.
#[macro_export]
macro_rules! uprint {
    ($($arg:tt)*) => {
        $crate::print::print_fmt(format_args!($($arg)*))
    };
}

/// Like [`uprint!`], with a newline.
#[macro_export]
macro_rules! uprintln {
    () => {
        $crate::print::print_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::print::print_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}
