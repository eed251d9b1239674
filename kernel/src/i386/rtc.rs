//! The MC146818 real-time clock (CMOS): the wall-clock time at boot, from
//! which `host_get_time` counts on with the PIT.

use core::sync::atomic::Ordering;

use crate::i386::atomic64::AtomicU64;

use super::io::{inb, outb};

static BOOT_EPOCH: AtomicU64 = AtomicU64::new(0);

fn cmos(reg: u8) -> u8 {
    // SAFETY: CMOS index/data ports belong to the kernel; NMI stays enabled (bit 7 clear).
    unsafe {
        outb(0x70, reg & 0x7F);
        inb(0x71)
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads the RTC (waiting out an update in progress) and remembers the time.
/// Returns seconds since the Unix epoch.
pub fn init() -> u64 {
    let read = || {
        let mut spins = 0;
        while cmos(0x0A) & 0x80 != 0 && spins < 100_000 {
            spins += 1;
        }
        [cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x07), cmos(0x08), cmos(0x09), cmos(0x32)]
    };
    // Read until two reads agree, so no update slipped in between.
    let mut v = read();
    for _ in 0..5 {
        let w = read();
        if w == v {
            break;
        }
        v = w;
    }
    let status_b = cmos(0x0B);
    let bcd = status_b & 0x04 == 0;
    let conv = |x: u8| if bcd { (x & 0x0F) + (x >> 4) * 10 } else { x };
    let (sec, min) = (conv(v[0]), conv(v[1]));
    let mut hour = conv(v[2] & 0x7F);
    if status_b & 0x02 == 0 && v[2] & 0x80 != 0 {
        hour = (hour % 12) + 12; // 12-hour clock, PM
    }
    let (day, month, year) = (conv(v[3]), conv(v[4]), conv(v[5]));
    let century = match conv(v[6]) {
        19..=21 => u64::from(conv(v[6])),
        _ => 20,
    };
    let full_year = century * 100 + u64::from(year);
    let days = days_from_civil(full_year as i64, u32::from(month.clamp(1, 12)), u32::from(day.clamp(1, 31)));
    let secs = (days.max(0) as u64) * 86_400 + u64::from(hour) * 3600 + u64::from(min) * 60 + u64::from(sec);
    BOOT_EPOCH.store(secs, Ordering::Relaxed);
    secs
}

/// Wall-clock time now: (seconds, microseconds) since the Unix epoch.
pub fn now() -> (u64, u32) {
    let ticks = super::clock::ticks();
    let hz = u64::from(super::clock::HZ);
    (BOOT_EPOCH.load(Ordering::Relaxed) + ticks / hz, ((ticks % hz) * (1_000_000 / hz)) as u32)
}
