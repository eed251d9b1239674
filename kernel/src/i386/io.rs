//! x86 I/O port access.
//!
//! Port I/O cannot break Rust's memory rules by itself, but a write to the wrong
//! port (a DMA controller, a disk) can; the functions are `unsafe` so each
//! caller states which device it owns.

/// Reads a byte from `port`.
///
/// # Safety
/// The caller owns the device behind `port` and knows the read has no harmful side effect.
#[inline]
pub unsafe fn inb(port: u16) -> u8 {
    // SAFETY: forwarded contract.
    unsafe { x86::io::inb(port) }
}

/// Writes a byte to `port`.
///
/// # Safety
/// As [`inb`], for a write.
#[inline]
pub unsafe fn outb(port: u16, value: u8) {
    // SAFETY: forwarded contract.
    unsafe { x86::io::outb(port, value) }
}

/// Reads 16 bits from `port`.
///
/// # Safety
/// As [`inb`].
#[inline]
pub unsafe fn inw(port: u16) -> u16 {
    // SAFETY: forwarded contract.
    unsafe { x86::io::inw(port) }
}

/// Writes 16 bits to `port`.
///
/// # Safety
/// As [`outb`].
#[inline]
pub unsafe fn outw(port: u16, value: u16) {
    // SAFETY: forwarded contract.
    unsafe { x86::io::outw(port, value) }
}

/// Reads 32 bits from `port`.
///
/// # Safety
/// As [`inb`].
#[inline]
pub unsafe fn inl(port: u16) -> u32 {
    // SAFETY: forwarded contract.
    unsafe { x86::io::inl(port) }
}

/// Writes 32 bits to `port`.
///
/// # Safety
/// As [`outb`].
#[inline]
pub unsafe fn outl(port: u16, value: u32) {
    // SAFETY: forwarded contract.
    unsafe { x86::io::outl(port, value) }
}
