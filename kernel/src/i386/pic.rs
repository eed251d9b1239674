//! The two 8259A interrupt controllers, remapped to vectors 32..47, and the
//! table of IRQ handlers.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use super::io::{inb, outb};
use super::trap::IRQ_BASE;

const MASTER: u16 = 0x20;
const SLAVE: u16 = 0xA0;
const EOI: u8 = 0x20;

/// An IRQ handler: called with the IRQ line, interrupts off.
pub type Handler = fn(u8);

static HANDLERS: [AtomicUsize; 16] = [const { AtomicUsize::new(0) }; 16];
static COUNTS: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
static SPURIOUS: AtomicU32 = AtomicU32::new(0);

/// Remaps the PICs and masks every line but the cascade (IRQ 2).
pub fn init() {
    // SAFETY: the 8259 command/data ports belong to the kernel; this is the
    // standard ICW1..ICW4 sequence, run with interrupts off.
    unsafe {
        outb(MASTER, 0x11);
        outb(SLAVE, 0x11);
        outb(MASTER + 1, IRQ_BASE);
        outb(SLAVE + 1, IRQ_BASE + 8);
        outb(MASTER + 1, 0x04);
        outb(SLAVE + 1, 0x02);
        outb(MASTER + 1, 0x01);
        outb(SLAVE + 1, 0x01);
        outb(MASTER + 1, 0xFB);
        outb(SLAVE + 1, 0xFF);
    }
}

fn port_bit(irq: u8) -> (u16, u8) {
    if irq < 8 { (MASTER + 1, 1 << irq) } else { (SLAVE + 1, 1 << (irq - 8)) }
}

/// Lets IRQ `irq` through.
pub fn unmask(irq: u8) {
    let (port, bit) = port_bit(irq);
    super::cpu::without_interrupts(|| {
        // SAFETY: read-modify-write of our PIC's mask register with interrupts off.
        unsafe { outb(port, inb(port) & !bit) };
    });
}

/// Blocks IRQ `irq`.
pub fn mask(irq: u8) {
    let (port, bit) = port_bit(irq);
    super::cpu::without_interrupts(|| {
        // SAFETY: as in `unmask`.
        unsafe { outb(port, inb(port) | bit) };
    });
}

/// Installs `handler` for `irq` and unmasks it.
pub fn register(irq: u8, handler: Handler) {
    HANDLERS[usize::from(irq)].store(handler as usize, Ordering::SeqCst);
    unmask(irq);
}

/// How many times `irq` has fired.
pub fn count(irq: u8) -> u32 {
    COUNTS[usize::from(irq)].load(Ordering::Relaxed)
}

fn in_service(port: u16, bit: u8) -> bool {
    // SAFETY: OCW3 "read ISR" then a read of the same command port.
    unsafe {
        outb(port, 0x0B);
        inb(port) & bit != 0
    }
}

/// Runs the handler of `irq` and acknowledges it; called from `trap_dispatch`.
pub fn dispatch(irq: u8) {
    // A spurious IRQ 7/15 is not in service: acknowledge nothing (but the
    // master for a spurious slave IRQ).
    if irq == 7 && !in_service(MASTER, 0x80) {
        SPURIOUS.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if irq == 15 && !in_service(SLAVE, 0x80) {
        SPURIOUS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: EOI to the master for the cascade line.
        unsafe { outb(MASTER, EOI) };
        return;
    }
    COUNTS[usize::from(irq)].fetch_add(1, Ordering::Relaxed);
    let h = HANDLERS[usize::from(irq)].load(Ordering::Acquire);
    if h != 0 {
        // SAFETY: only `register` stores into HANDLERS, and it stores `Handler`s.
        let f: Handler = unsafe { core::mem::transmute::<usize, Handler>(h) };
        f(irq);
    }
    // User-level drivers listening to the line (the `irq` device).
    crate::device::intr::interrupt(irq);
    // SAFETY: end-of-interrupt to the PIC(s) that raised `irq`.
    unsafe {
        if irq >= 8 {
            outb(SLAVE, EOI);
        }
        outb(MASTER, EOI);
    }
}
