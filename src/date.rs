//! Dates at the precision an editor wrote them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.

use std::fmt;

/// A calendar date that may stop at the year or the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    /// 1–12, or `None` for a year-only date.
    pub month: Option<u8>,
    /// 1–31, or `None` for a year or year-month date.
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the day exists.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let bad = || {
            format!(
                "`{s}` is not a date: write `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (e.g. 2014, 2018-06, 2025-11-24)"
            )
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [y] if digits(y, 4) => Ok(PartialDate {
                year: y.parse().map_err(|_| bad())?,
                month: None,
                day: None,
            }),
            [y, m] if digits(y, 4) && digits(m, 2) => {
                let month: u8 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(format!("`{s}`: month {month} does not exist"));
                }
                Ok(PartialDate {
                    year: y.parse().map_err(|_| bad())?,
                    month: Some(month),
                    day: None,
                })
            }
            [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                let year: i32 = y.parse().map_err(|_| bad())?;
                let month: u8 = m.parse().map_err(|_| bad())?;
                let day: u8 = d.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(format!("`{s}`: month {month} does not exist"));
                }
                if day == 0 || day > days_in_month(year, month) {
                    return Err(format!(
                        "`{s}`: day {day} does not exist in {year}-{month:02}"
                    ));
                }
                Ok(PartialDate {
                    year,
                    month: Some(month),
                    day: Some(day),
                })
            }
            _ => Err(bad()),
        }
    }

    /// The first day this date can mean, as (year, month, day).
    pub fn earliest(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day this date can mean, as (year, month, day).
    pub fn latest(&self) -> (i32, u8, u8) {
        let month = self.month.unwrap_or(12);
        (
            self.year,
            month,
            self.day.unwrap_or(days_in_month(self.year, month)),
        )
    }

    /// RFC 3339 timestamp of the earliest day, for feeds.
    pub fn rfc3339(&self) -> String {
        let (y, m, d) = self.earliest();
        format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
    }

    /// The date in the words of a language, at its precision. `patterns` gives the
    /// `{y}`, `{m}`, `{d}`, `{month}` patterns for year, year-month and full dates,
    /// replaced in that order.
    pub fn localised(&self, patterns: &DatePatterns) -> String {
        let pattern = match (self.month, self.day) {
            (None, _) => &patterns.y,
            (Some(_), None) => &patterns.ym,
            (Some(_), Some(_)) => &patterns.ymd,
        };
        let month_name = self
            .month
            .and_then(|m| patterns.months.get(usize::from(m) - 1))
            .map_or("", String::as_str);
        // One pass over the pattern gives what the four replacements in turn give,
        // unless a replacement can make a new placeholder: only the month's name can,
        // with a brace of its own or one just before `{month}`.
        if pattern.contains("{{") || month_name.contains(['{', '}']) {
            return self.replaced_in_turn(pattern, month_name);
        }
        let mut out = String::with_capacity(pattern.len() + month_name.len() + 8);
        let mut rest = pattern.as_str();
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let number = |n: Option<u8>, out: &mut String| {
                if let Some(n) = n {
                    out.push_str(itoa_u8(n, &mut [0; 3]));
                }
            };
            let taken = if rest.starts_with("{y}") {
                out.push_str(&self.year.to_string());
                3
            } else if rest.starts_with("{month}") {
                out.push_str(month_name);
                7
            } else if rest.starts_with("{m}") {
                number(self.month, &mut out);
                3
            } else if rest.starts_with("{d}") {
                number(self.day, &mut out);
                3
            } else {
                out.push('{');
                1
            };
            rest = &rest[taken..];
        }
        out.push_str(rest);
        out
    }

    /// The pattern's placeholders replaced in turn: `{y}`, `{month}`, `{m}`, `{d}`.
    fn replaced_in_turn(&self, pattern: &str, month_name: &str) -> String {
        pattern
            .replace("{y}", &self.year.to_string())
            .replace("{month}", month_name)
            .replace(
                "{m}",
                &self.month.map(|m| m.to_string()).unwrap_or_default(),
            )
            .replace("{d}", &self.day.map(|d| d.to_string()).unwrap_or_default())
    }
}

/// `n` in decimal digits, written into `buf`.
fn itoa_u8(n: u8, buf: &mut [u8; 3]) -> &str {
    let mut start = 3;
    let mut n = n;
    loop {
        start -= 1;
        buf[start] = b'0' + n % 10;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[start..]).expect("digits are ASCII")
}

/// Today's date in UTC.
pub fn today_utc() -> PartialDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    day_of(secs as i64)
}

/// The day of the build, against which a program's `status` is checked (see
/// `facts`): the day of `SOURCE_DATE_EPOCH` (seconds since 1970) when that is set,
/// as for a reproducible build, else today (UTC).
pub fn build_day() -> PartialDate {
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    match epoch.and_then(|s| s.trim().parse::<i64>().ok()) {
        Some(secs) => day_of(secs),
        None => today_utc(),
    }
}

/// The day (UTC) of a time in seconds since 1970.
pub fn day_of(secs: i64) -> PartialDate {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    PartialDate {
        year,
        month: Some(month),
        day: Some(day),
    }
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// How dates are written in one language.
#[derive(Debug, Clone, Default)]
pub struct DatePatterns {
    pub y: String,
    pub ym: String,
    pub ymd: String,
    pub months: Vec<String>,
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(day_of(1_529_000_000).to_string(), "2018-06-14");
    }

    #[test]
    fn precision_is_kept() {
        assert_eq!(PartialDate::parse("2014").unwrap().to_string(), "2014");
        assert_eq!(
            PartialDate::parse("2018-06").unwrap().to_string(),
            "2018-06"
        );
        assert_eq!(
            PartialDate::parse("2025-11-24").unwrap().to_string(),
            "2025-11-24"
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(PartialDate::parse("2023-02-29").is_err());
        assert!(PartialDate::parse("2024-02-29").is_ok());
        assert!(PartialDate::parse("2014-13").is_err());
        assert!(PartialDate::parse("14-05").is_err());
        assert!(PartialDate::parse("2014/05/01").is_err());
    }

    #[test]
    fn localised_text_is_the_four_replacements_in_turn() {
        let replaced = |p: &str, d: &PartialDate, month: &str| d.replaced_in_turn(p, month);
        let patterns = [
            "{y}-{m}-{d}",
            "{d} {month} {y}",
            "{month}{m}{d}{y}{",
            "{y}년 {m}월 {d}일 {x} {",
            "{{month}d}",
            "{{y}}",
            "}{m}{}",
        ];
        for months in [
            vec![],
            vec!["m".to_string(); 12],
            vec!["{d}".to_string(); 12],
        ] {
            for pattern in patterns {
                let p = DatePatterns {
                    y: pattern.into(),
                    ym: pattern.into(),
                    ymd: pattern.into(),
                    months: months.clone(),
                };
                for date in ["2018-06-09", "2018-12", "1987"] {
                    let d = PartialDate::parse(date).unwrap();
                    let month = d
                        .month
                        .and_then(|m| months.get(usize::from(m) - 1))
                        .map_or("", String::as_str);
                    assert_eq!(d.localised(&p), replaced(pattern, &d, month), "{pattern}");
                }
            }
        }
    }

    #[test]
    fn localised_text_follows_the_precision() {
        let ko = DatePatterns {
            y: "{y}년".into(),
            ym: "{y}년 {m}월".into(),
            ymd: "{y}년 {m}월 {d}일".into(),
            months: vec![],
        };
        assert_eq!(
            PartialDate::parse("2018-06").unwrap().localised(&ko),
            "2018년 6월"
        );
        assert_eq!(PartialDate::parse("2014").unwrap().localised(&ko), "2014년");
    }
}
