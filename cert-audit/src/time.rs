//! Unix seconds to RFC 3339 text, without a clock and without a date crate.

/// Formats unix seconds as an RFC 3339 UTC timestamp (`2025-06-01T00:00:00Z`).
///
/// Works for the whole range X.509 can express (years 0000-9999); outside it the year is
/// printed with more digits or a sign, never panicking.
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe.saturating_add(era.saturating_mul(400));
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y.saturating_add(1) } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_748_736_000), "2025-06-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    /// Every day from 1600-01-01 to 2400-12-31 (centuries that are and are not leap years, both
    /// 400-year era boundaries) against a calendar that counts one day at a time.
    #[test]
    fn every_day_of_eight_centuries_matches_a_day_by_day_calendar() {
        fn leap(y: i64) -> bool {
            (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        }
        fn month_len(y: i64, m: i64) -> i64 {
            match m {
                2 if leap(y) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        }
        // 1600-01-01 is 135,140 days before 1970-01-01.
        let (mut y, mut m, mut d) = (1600, 1, 1);
        let mut days = -135_140_i64;
        while y <= 2400 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            days += 1;
            d += 1;
            if d > month_len(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!(days, 157_420, "2401-01-01 is day 157,420");
    }

    #[test]
    fn time_of_day_fields() {
        assert_eq!(rfc3339(3_600 + 2 * 60 + 3), "1970-01-01T01:02:03Z");
        assert_eq!(
            rfc3339(86_400 + 12 * 3_600 + 59 * 60),
            "1970-01-02T12:59:00Z"
        );
        assert_eq!(rfc3339(-86_400), "1969-12-31T00:00:00Z");
    }

    #[test]
    fn extremes_do_not_panic() {
        let _ = rfc3339(i64::MAX);
        let _ = rfc3339(i64::MIN);
    }
}
