//! The hostile values, one table for every backend: the SQLite tests
//! (generated/tests/hostile_values.rs) store each row in a
//! `vault.Specimen` and expect it back exactly; a PostgreSQL test reuses
//! the same table (`#[path = "hostile/values.rs"] mod values;`).

use modelgen_runtime::Decimal;

/// One row of hostile values: what `vault.Specimen` stores.
#[derive(Debug, Clone)]
pub struct Hostile {
    /// What the row is about (in assertion messages).
    pub name: &'static str,
    pub text: String,
    pub data: Vec<u8>,
    pub big: i64,
    pub ratio: f64,
    /// Within `max_digits: 12, decimal_places: 4`.
    pub amount: Decimal,
}

/// Several megabytes of text: ASCII, a multi-byte and an astral character
/// repeated, so a truncation at a byte or a character count shows.
pub const HUGE_TEXT_BYTES: usize = 6 * 1024 * 1024;

fn huge_text() -> String {
    let unit = "0123456789 'quoted' ; é 😀\n";
    let mut text = String::with_capacity(HUGE_TEXT_BYTES + unit.len());
    while text.len() < HUGE_TEXT_BYTES {
        text.push_str(unit);
    }
    text
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// Every byte value 0..=255, in order.
pub fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

/// The table. Every value must come back exactly (floats bit for bit,
/// except that SQLite and Django store `-0.0` as `0.0`).
pub fn hostile_values() -> Vec<Hostile> {
    let row = |name, text: &str, data: &[u8], big, ratio, amount: &str| Hostile {
        name,
        text: text.to_owned(),
        data: data.to_vec(),
        big,
        ratio,
        amount: decimal(amount),
    };
    vec![
        row("empty", "", b"", 0, 0.0, "0"),
        row("single quote", "it's", b"'", 1, 0.1, "0.0001"),
        row("double quotes and backslashes", "\"x\" \\ \\' \\\\", b"\\", -1, -0.1, "-0.0001"),
        row("semicolons", "a;b;;c;", b";", 42, 1e-300, "1.5"),
        row("sql injection", "'; DROP TABLE vault_specimen; --", b"'; DROP TABLE vault_locker; --", 7, 3.5, "2"),
        row("like wildcards", "100% _match_ [a-z]", b"%_", 8, 2.5, "3"),
        row("nul byte inside text", "a\0b", b"a\0b", 9, 4.5, "4"),
        row("only a nul byte", "\0", b"\0", 10, 5.5, "5"),
        row("invalid utf-8 blob", "blob", &[0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80], 11, 6.5, "6"),
        row("every byte value", "bytes", &all_bytes(), 12, 7.5, "7"),
        row("i64 max", "max", b"", i64::MAX, f64::MAX, "99999999.9999"),
        row("i64 min", "min", b"", i64::MIN, f64::MIN, "-99999999.9999"),
        row("smallest floats", "tiny", b"", 13, f64::MIN_POSITIVE, "0.0001"),
        row("subnormal float", "subnormal", b"", 14, 5e-324, "-0.0001"),
        row("infinity", "inf", b"", 15, f64::INFINITY, "12345678.9"),
        row("minus infinity", "-inf", b"", 16, f64::NEG_INFINITY, "-12345678.9"),
        row("astral plane", "😀 𝄞 𐍈 \u{10FFFF}", "😀".as_bytes(), 17, 1.0, "1"),
        row("combining characters", "e\u{301} n\u{303} a\u{30a}\u{301}", b"", 18, 2.0, "2"),
        row("bidi and zero width", "\u{202e}abc\u{200b}\u{feff}", b"", 19, 3.0, "3"),
        row("newlines and tabs", "line1\r\nline2\n\tend\r", b"\r\n", 20, 4.0, "4"),
        row("scripts", "日本語 Ελληνικά العربية עברית", b"", 21, 5.0, "5"),
        Hostile {
            name: "huge text and blob",
            text: huge_text(),
            data: all_bytes().repeat(12 * 1024),
            big: 22,
            ratio: 6.0,
            amount: decimal("6"),
        },
    ]
}
