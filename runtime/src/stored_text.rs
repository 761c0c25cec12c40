//! The text Django's SQLite backend stores dates and times as (Python's
//! `isoformat()` / `str()`), written into stack buffers: the one place
//! both the values bound on SQLite ([`crate::value`]) and the PostgreSQL
//! columns read back into that storage form (`backend::pg`) format them.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

/// The two ASCII digits of `n % 100`.
#[inline]
fn two_digits(n: u32) -> [u8; 2] {
    [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}

/// `YYYY-MM-DD`, as Python's `date.isoformat()`; `None` for a year
/// outside 1-9999, which Python's `date` cannot hold.
#[inline]
pub(crate) fn date_ascii(date: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(date.year()).ok().filter(|year| (1..=9999).contains(year))?;
    let [y1, y2] = two_digits(year / 100);
    let [y3, y4] = two_digits(year);
    let [m1, m2] = two_digits(date.month());
    let [d1, d2] = two_digits(date.day());
    Some([y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2])
}

/// Python's `str(time)`: `HH:MM:SS`, plus `.ffffff` when the microseconds
/// are not zero (the bytes, and how many of them: 8 or 15).
/// Sub-microsecond precision is dropped, as Python has none.
#[inline]
pub(crate) fn time_ascii(time: NaiveTime) -> ([u8; 15], usize) {
    let [h1, h2] = two_digits(time.hour());
    let [m1, m2] = two_digits(time.minute());
    let [s1, s2] = two_digits(time.second());
    // A leap second's nanoseconds are >= 1e9.
    let micros = (time.nanosecond() % 1_000_000_000) / 1_000;
    let [f1, f2] = two_digits(micros / 10_000);
    let [f3, f4] = two_digits(micros / 100);
    let [f5, f6] = two_digits(micros);
    let ascii = [h1, h2, b':', m1, m2, b':', s1, s2, b'.', f1, f2, f3, f4, f5, f6];
    (ascii, if micros == 0 { 8 } else { 15 })
}
