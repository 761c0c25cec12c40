//! How values print: Python's `str()` for `Display` / `str` templates, and
//! Django's `iri_to_uri` for `get_absolute_url`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// A value as Python's `str()` shows it, so `str: "{name} ({pub_date})"`
/// renders as Django's `__str__` would.
pub trait PyStr {
    fn py_str(&self) -> String;
}

impl PyStr for String {
    fn py_str(&self) -> String {
        self.clone()
    }
}

impl PyStr for str {
    fn py_str(&self) -> String {
        self.to_string()
    }
}

macro_rules! py_str_display {
    ($($t:ty),*) => {$(
        impl PyStr for $t {
            fn py_str(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
py_str_display!(i16, i32, i64, u16, u32, u64, rust_decimal::Decimal);

impl PyStr for f64 {
    /// Python's float repr: `1.0`, `0.5`, `1e+20`.
    fn py_str(&self) -> String {
        if self.is_finite() && self.fract() == 0.0 && self.abs() < 1e16 {
            format!("{self:.1}")
        } else if self.is_nan() {
            "nan".into()
        } else if self.is_infinite() {
            if *self > 0.0 {
                "inf".into()
            } else {
                "-inf".into()
            }
        } else {
            self.to_string()
        }
    }
}

impl PyStr for bool {
    fn py_str(&self) -> String {
        if *self {
            "True".into()
        } else {
            "False".into()
        }
    }
}

impl PyStr for NaiveDate {
    fn py_str(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

fn micros_suffix(nanos: u32) -> String {
    let micros = nanos / 1_000;
    if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    }
}

impl PyStr for NaiveTime {
    fn py_str(&self) -> String {
        format!("{}{}", self.format("%H:%M:%S"), micros_suffix(self.nanosecond() % 1_000_000_000))
    }
}

impl PyStr for DateTime<Utc> {
    /// An aware datetime: `2024-05-01 12:30:00+00:00`.
    fn py_str(&self) -> String {
        format!("{}{}+00:00", self.format("%Y-%m-%d %H:%M:%S"), micros_suffix(self.nanosecond() % 1_000_000_000))
    }
}

impl PyStr for TimeDelta {
    /// Python's `str(timedelta)`: `1 day, 2:03:04.500000`, `-1 day, 23:59:59`.
    fn py_str(&self) -> String {
        let total_micros = self.num_microseconds().unwrap_or(i64::MAX);
        let days = total_micros.div_euclid(86_400_000_000);
        let rest = total_micros.rem_euclid(86_400_000_000);
        let (secs, micros) = (rest / 1_000_000, rest % 1_000_000);
        let clock = format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
        let clock = if micros == 0 { clock } else { format!("{clock}.{micros:06}") };
        match days {
            0 => clock,
            1 | -1 => format!("{days} day, {clock}"),
            _ => format!("{days} days, {clock}"),
        }
    }
}

impl PyStr for uuid::Uuid {
    /// Python's `str(uuid)`: hyphenated lowercase.
    fn py_str(&self) -> String {
        self.hyphenated().to_string()
    }
}

impl PyStr for Vec<u8> {
    /// Python's `str(bytes)`: `b'...'` with non-printable bytes escaped.
    fn py_str(&self) -> String {
        let mut out = String::from("b'");
        for &b in self {
            match b {
                b'\\' => out.push_str("\\\\"),
                b'\'' => out.push_str("\\'"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out.push('\'');
        out
    }
}

impl<T: PyStr> PyStr for Option<T> {
    fn py_str(&self) -> String {
        match self {
            Some(value) => value.py_str(),
            None => "None".into(),
        }
    }
}

/// What Django's `iri_to_uri` leaves alone besides letters and digits:
/// `quote(iri, safe="/#%[]=:;$&()+,!?*@'~")` plus `quote`'s own `_.-~`.
const IRI_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'#')
    .remove(b'%')
    .remove(b'[')
    .remove(b']')
    .remove(b'=')
    .remove(b':')
    .remove(b';')
    .remove(b'$')
    .remove(b'&')
    .remove(b'(')
    .remove(b')')
    .remove(b'+')
    .remove(b',')
    .remove(b'!')
    .remove(b'?')
    .remove(b'*')
    .remove(b'@')
    .remove(b'\'')
    .remove(b'~')
    .remove(b'_')
    .remove(b'.')
    .remove(b'-');

/// Django's `django.utils.encoding.iri_to_uri`: an ASCII URL, non-ASCII and
/// unsafe characters percent-encoded as UTF-8.
pub fn iri_to_uri(iri: &str) -> String {
    utf8_percent_encode(iri, IRI_SAFE).to_string()
}

/// The current time at the microsecond precision Django stores, so a value
/// set on save reads back equal.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.with_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iri_to_uri_matches_django() {
        // Django: iri_to_uri('/blog/for/Jürgen Münster/') == '/blog/for/J%C3%BCrgen%20M%C3%BCnster/'
        assert_eq!(iri_to_uri("/blog/for/Jürgen Münster/"), "/blog/for/J%C3%BCrgen%20M%C3%BCnster/");
        // Reserved characters Django keeps.
        assert_eq!(iri_to_uri("/a?b=c&d=e#f"), "/a?b=c&d=e#f");
        assert_eq!(iri_to_uri("/%20already/"), "/%20already/");
    }

    #[test]
    fn py_str_matches_python() {
        assert_eq!(1.0_f64.py_str(), "1.0");
        assert_eq!(true.py_str(), "True");
        assert_eq!(None::<i32>.py_str(), "None");
        assert_eq!(TimeDelta::seconds(90061).py_str(), "1 day, 1:01:01");
        assert_eq!(TimeDelta::seconds(-1).py_str(), "-1 day, 23:59:59");
        assert_eq!(TimeDelta::milliseconds(1500).py_str(), "0:00:01.500000");
        let dt = DateTime::parse_from_rfc3339("2024-05-01T12:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(dt.py_str(), "2024-05-01 12:30:00+00:00");
    }
}

/// Python's `repr()` of a choice value, for "Value 'x' is not a valid choice."
pub trait PyRepr {
    fn py_repr(&self) -> String;
}

impl PyRepr for &str {
    fn py_repr(&self) -> String {
        let quote = if self.contains('\'') && !self.contains('"') { '"' } else { '\'' };
        let mut out = String::new();
        out.push(quote);
        for c in self.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(quote);
        out
    }
}

impl PyRepr for i64 {
    fn py_repr(&self) -> String {
        self.to_string()
    }
}

/// What `full_clean`'s choice check needs of a value with choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceState {
    /// `None`, or `""` for text choices: the blank check applies instead.
    pub empty: bool,
    /// One of the declared choices.
    pub known: bool,
    /// Python's `repr()` of the stored value, for the message.
    pub repr: String,
}
