//! VGA text console (80x25, colour text memory at physical 0xB8000).

use super::io::outb;
use crate::vm::pmap::phys_to_virt;

const COLS: usize = 80;
const ROWS: usize = 25;
const ATTR: u16 = 0x07 << 8; // light grey on black

/// The text screen and its cursor.
pub struct Vga {
    row: usize,
    col: usize,
}

impl Vga {
    pub const fn new() -> Self {
        Vga { row: 0, col: 0 }
    }

    fn cell(&self, row: usize, col: usize) -> *mut u16 {
        (phys_to_virt(0xB8000) as *mut u16).wrapping_add(row * COLS + col)
    }

    /// Clears the screen.
    pub fn clear(&mut self) {
        for r in 0..ROWS {
            for c in 0..COLS {
                // SAFETY: (r, c) is inside the 80x25 text buffer, which the linear map covers.
                unsafe { self.cell(r, c).write_volatile(ATTR | u16::from(b' ')) };
            }
        }
        self.row = 0;
        self.col = 0;
        self.move_cursor();
    }

    fn scroll(&mut self) {
        for r in 1..ROWS {
            for c in 0..COLS {
                // SAFETY: both cells are inside the text buffer.
                unsafe { self.cell(r - 1, c).write_volatile(self.cell(r, c).read_volatile()) };
            }
        }
        for c in 0..COLS {
            // SAFETY: the last row is inside the text buffer.
            unsafe { self.cell(ROWS - 1, c).write_volatile(ATTR | u16::from(b' ')) };
        }
        self.row = ROWS - 1;
    }

    fn put(&mut self, b: u8) {
        match b {
            b'\n' => {
                self.col = 0;
                self.row += 1;
            }
            b'\r' => self.col = 0,
            b'\t' => self.col = (self.col + 8) & !7,
            0x08 => self.col = self.col.saturating_sub(1),
            _ => {
                let ch = if (0x20..0x7F).contains(&b) { b } else { b'?' };
                // SAFETY: row < ROWS and col < COLS hold here (wrapped below).
                unsafe { self.cell(self.row, self.col).write_volatile(ATTR | u16::from(ch)) };
                self.col += 1;
            }
        }
        if self.col >= COLS {
            self.col = 0;
            self.row += 1;
        }
        if self.row >= ROWS {
            self.scroll();
        }
    }

    /// Writes `bytes` and moves the hardware cursor after them.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.put(b);
        }
        self.move_cursor();
    }

    /// Whether some row of the screen reads `text` (from its first column).
    pub fn row_starts_with(&self, text: &str) -> bool {
        (0..ROWS).any(|r| {
            text.bytes().enumerate().all(|(c, b)| {
                // SAFETY: (r, c) is inside the text buffer (c < COLS checked).
                c < COLS && unsafe { self.cell(r, c).read_volatile() } == ATTR | u16::from(b)
            })
        })
    }

    fn move_cursor(&self) {
        let pos = (self.row * COLS + self.col) as u16;
        // SAFETY: the CRTC index/data ports of the VGA controller belong to this console.
        unsafe {
            outb(0x3D4, 0x0F);
            outb(0x3D5, pos as u8);
            outb(0x3D4, 0x0E);
            outb(0x3D5, (pos >> 8) as u8);
        }
    }
}
