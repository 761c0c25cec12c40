//! Django's `USE_TZ` and `TIME_ZONE` settings, as options of a database
//! handle ([`crate::Database::with_time_zone`]).
//!
//! A DateTimeField is a `DateTime<Utc>` in Rust: an instant. What the
//! database holds depends on the settings of the Django project that
//! shares it:
//!
//! - `USE_TZ = True` (Django's default): the instant as UTC text. No
//!   conversion at all, the runtime's default.
//! - `USE_TZ = False`: the naive wall-clock time in `TIME_ZONE`. Writing
//!   converts the instant to that wall-clock time, reading converts back,
//!   so a database written by either setting reads back as the same
//!   instants.
//!
//! `TIME_ZONE` also decides what `auto_now` gives a DateField and a
//! TimeField, under either `USE_TZ`: Django 5.2 takes `date.today()` and
//! `datetime.now().time()`, the process's local time, which Django sets to
//! `TIME_ZONE`.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};

pub use chrono_tz::Tz;

/// Django's `USE_TZ` and `TIME_ZONE`, as one database handle applies them.
///
/// The default is `USE_TZ = True` with `TIME_ZONE = 'UTC'`, what Django's
/// `startproject` writes in a new project's settings (Django's own global
/// default `TIME_ZONE` is `'America/Chicago'`, which a project without the
/// setting gets: say so here too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneSettings {
    /// `USE_TZ`: true stores datetimes as UTC, false as wall-clock time in
    /// `time_zone`.
    pub use_tz: bool,
    /// `TIME_ZONE`: the zone of stored wall-clock datetimes when `use_tz`
    /// is false, and of the date and time `auto_now` gives DateField and
    /// TimeField.
    pub time_zone: Tz,
}

impl TimeZoneSettings {
    /// `USE_TZ = True`, `TIME_ZONE = 'UTC'` (the default).
    pub const UTC: TimeZoneSettings = TimeZoneSettings { use_tz: true, time_zone: Tz::UTC };

    /// `USE_TZ = True` with `TIME_ZONE = time_zone`: datetimes stored as
    /// UTC, `auto_now` dates and times in `time_zone`.
    pub const fn aware(time_zone: Tz) -> Self {
        TimeZoneSettings { use_tz: true, time_zone }
    }

    /// `USE_TZ = False` with `TIME_ZONE = time_zone`: datetimes stored as
    /// wall-clock time in `time_zone`.
    pub const fn naive(time_zone: Tz) -> Self {
        TimeZoneSettings { use_tz: false, time_zone }
    }

    /// The zone stored datetimes are wall-clock time in, when it is not
    /// UTC (`None`: stored as UTC, nothing to convert).
    pub fn storage_zone(&self) -> Option<Tz> {
        (!self.use_tz && self.time_zone != Tz::UTC).then_some(self.time_zone)
    }

    /// The time of a save at `instant`, for `auto_now`.
    pub fn now_at(&self, instant: DateTime<Utc>) -> Now {
        let local = if self.time_zone == Tz::UTC {
            Some(instant.naive_utc())
        } else {
            wall_clock(instant.naive_utc(), self.time_zone)
        };
        Now { instant, local: local.unwrap_or(instant.naive_utc()) }
    }
}

impl Default for TimeZoneSettings {
    fn default() -> Self {
        TimeZoneSettings::UTC
    }
}

/// The time of one save, as `auto_now` and `auto_now_add` use it: the
/// instant (a DateTimeField's value) and its wall-clock time in
/// `TIME_ZONE` (the date of a DateField, the time of a TimeField).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub instant: DateTime<Utc>,
    pub local: NaiveDateTime,
}

impl Now {
    /// `instant` with UTC as the local zone.
    pub fn utc(instant: DateTime<Utc>) -> Now {
        Now { instant, local: instant.naive_utc() }
    }
}

/// The wall-clock time in `zone` of the UTC time `utc` (always one: an
/// instant has one local time); `None` past chrono's range.
pub(crate) fn wall_clock(utc: NaiveDateTime, zone: Tz) -> Option<NaiveDateTime> {
    let offset = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
}

/// The UTC time of the wall-clock time `local` in `zone`, as Python's
/// `zoneinfo` reads it with `fold=0`, which is what Django 5.2's
/// `make_aware` (`value.replace(tzinfo=zone)`) does:
///
/// - a time that occurs twice (the hour repeated when clocks go back) is
///   its first occurrence: Paris `2024-10-27 02:30` is 00:30 UTC;
/// - a time that never occurs (the hour skipped when clocks go forward)
///   takes the offset in force before the change: Paris
///   `2024-03-31 02:30` is 01:30 UTC (03:30 Paris time).
///
/// `None` past chrono's range.
pub(crate) fn from_wall_clock(local: NaiveDateTime, zone: Tz) -> Option<NaiveDateTime> {
    let offset = match zone.offset_from_local_datetime(&local).earliest() {
        Some(offset) => offset.fix().local_minus_utc(),
        // In a gap: the offset of a day before is the one in force before
        // the change (no zone changes its offset twice within a day).
        None => zone.offset_from_utc_datetime(&local.checked_sub_signed(TimeDelta::days(1))?).fix().local_minus_utc(),
    };
    local.checked_sub_signed(TimeDelta::seconds(i64::from(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    #[test]
    fn wall_clock_times_read_as_zoneinfo_reads_them_with_fold_0() {
        let paris = chrono_tz::Europe::Paris;
        // Python 3 / zoneinfo (Django 5.2's make_aware):
        // datetime(2024,10,27,2,30, tzinfo=ZoneInfo("Europe/Paris")).astimezone(utc) == 00:30 UTC
        assert_eq!(from_wall_clock(at(2024, 10, 27, 2, 30), paris), Some(at(2024, 10, 27, 0, 30)));
        // datetime(2024,3,31,2,30, tzinfo=ZoneInfo("Europe/Paris")).astimezone(utc) == 01:30 UTC
        assert_eq!(from_wall_clock(at(2024, 3, 31, 2, 30), paris), Some(at(2024, 3, 31, 1, 30)));
        assert_eq!(from_wall_clock(at(2024, 7, 1, 14, 0), paris), Some(at(2024, 7, 1, 12, 0)));
        assert_eq!(wall_clock(at(2024, 10, 27, 1, 30), paris), Some(at(2024, 10, 27, 2, 30)));
        assert_eq!(wall_clock(at(2024, 3, 31, 1, 30), paris), Some(at(2024, 3, 31, 3, 30)));
        // The ends of chrono's range give None, never a panic.
        assert_eq!(from_wall_clock(NaiveDateTime::MIN, paris), None);
        assert_eq!(wall_clock(NaiveDateTime::MAX, paris), None);
    }
}
