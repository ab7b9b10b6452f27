//! A series' time column, understood well enough to continue it past the series' end.
//!
//! A forecast is a list of values for time steps the CSV has no labels for yet. This module
//! reads the time column, works out how far apart its labels are, and writes the labels that
//! come next in the column's own format, so forecasts can be shown against dates rather than
//! step numbers.
//!
//! # Formats
//!
//! Every label of a column must have the same format (surrounding whitespace is ignored):
//!
//! | format       | example      | steps it can have       | written back as   |
//! |--------------|--------------|-------------------------|-------------------|
//! | `YYYY-MM-DD` | `1949-01-01` | days, months, years     | `YYYY-MM-DD`      |
//! | `YYYY-MM`    | `2000-04`    | months, years           | `YYYY-MM`         |
//! | `YYYY`       | `1821`       | years                   | 4 digits          |
//! | integer      | `10`, `-3`   | a constant difference   | plain decimal     |
//!
//! **Years or integers?** A column of integers is read as years only when *every* label is
//! written with exactly four digits and lies in 1000..=2999 (`1949, 1950`). Any other integer
//! column is a plain index: `1, 2, 3`, `10, 20, 30`, `998, 999, 1000` and `1000, 2000, 3000`
//! all continue by integer steps. Times of day (`YYYY-MM-DD HH:MM:SS`) are not supported:
//! such labels are reported as a format that is not understood.
//!
//! # Steps
//!
//! Every consecutive pair of labels must be the same step apart; otherwise inference fails
//! and names the first pair where the step changes. Calendar steps win over day counts,
//! because a monthly series has months of 28 to 31 days:
//!
//! - **Months or years**: if every label falls on the same day of the month, or every label is
//!   the last day of its month, and consecutive labels are a constant `n` months apart, the
//!   step is `Years(n / 12)` when `n` is a multiple of 12 and `Months(n)` otherwise.
//! - **Days**: otherwise (`YYYY-MM-DD` only) a constant difference of `n` days is `Days(n)`;
//!   weekly is `Days(7)`.
//!
//! # Which day of the month calendar steps land on
//!
//! - A column whose labels are all month ends (`1961-01-31, 1961-02-28, 1961-03-31`)
//!   continues at month ends. This rule wins even when those month ends share a day
//!   (`2000-06-30, 2000-09-30` continues `2000-12-31`), since quarter- and month-end data are
//!   far more common than data on the 30th that happens to hit only 30-day months.
//! - Otherwise the labels' common day is kept, clamped to the length of shorter months: a
//!   monthly series on the 30th gives `…-02-28` (or `-29`) in February and is back on the 30th
//!   in March. The day is taken from the column, not from the previous label, so clamping
//!   never drifts.
//! - **February 29.** A yearly series on Feb 29 (`2000-02-29, 2004-02-29`) is a month-end
//!   series: it continues on Feb 29 in leap years and on Feb 28 in common ones
//!   (`2096-02-29` → `2100-02-28` → `2104-02-29`). So does a yearly series of February ends
//!   (`2003-02-28, 2004-02-29, 2005-02-28` → `2006-02-28, 2007-02-28, 2008-02-29`).
//!
//! Dates follow the proleptic Gregorian calendar (a year divisible by 4 is a leap year, except
//! centuries not divisible by 400), converted to and from day numbers with Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms.

/// How far apart consecutive time labels are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A constant number of days (weekly is `Days(7)`).
    Days(u32),
    /// A constant number of calendar months; never a multiple of 12 (that is `Years`).
    Months(u32),
    /// A constant number of calendar years.
    Years(u32),
    /// A constant, positive difference between integer labels.
    Integer(i64),
}

/// A series' time column, understood: its step and the last label, so labels can be continued.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    step: Step,
    kind: Kind,
}

/// What the labels are, with what is needed to write the next ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dates {
        format: DateFormat,
        last: Date,
        /// Where `Months` and `Years` steps land in a month; unused by `Days`.
        anchor: Anchor,
    },
    Integers {
        last: i64,
    },
}

/// The textual shape of date-like labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFormat {
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM` (read as the 1st of the month)
    Month,
    /// `YYYY` (read as January 1st)
    Year,
}

impl DateFormat {
    fn pattern(self) -> &'static str {
        match self {
            DateFormat::Day => "YYYY-MM-DD",
            DateFormat::Month => "YYYY-MM",
            DateFormat::Year => "YYYY",
        }
    }

    fn write(self, date: Date) -> String {
        match self {
            DateFormat::Day => format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
            DateFormat::Month => format!("{:04}-{:02}", date.year, date.month),
            DateFormat::Year => format!("{:04}", date.year),
        }
    }
}

/// The day of the month calendar steps land on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// This day, or the month's last day if the month is shorter.
    Day(u32),
    /// The month's last day.
    MonthEnd,
}

/// A valid Gregorian date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Date {
    year: i64,
    month: u32,
    day: u32,
}

impl Date {
    /// Months since year 0, so month differences are plain subtraction.
    fn month_index(self) -> i64 {
        self.year * 12 + i64::from(self.month) - 1
    }

    /// The date in month `index` (see [`Date::month_index`]) where `anchor` lands.
    fn at_month(index: i64, anchor: Anchor) -> Date {
        let year = index.div_euclid(12);
        // rem_euclid(12) is in 0..12, so the cast cannot truncate.
        let month = index.rem_euclid(12) as u32 + 1;
        let last = days_in_month(year, month);
        let day = match anchor {
            Anchor::Day(day) => day.min(last),
            Anchor::MonthEnd => last,
        };
        Date { year, month, day }
    }

    fn is_month_end(self) -> bool {
        self.day == days_in_month(self.year, self.month)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Hinnant's `days_from_civil`).
fn days_from_civil(date: Date) -> i64 {
    let (m, d) = (i64::from(date.month), i64::from(date.day));
    let y = if m <= 2 { date.year - 1 } else { date.year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// `2026-12-03`: the date `days` days after 1970-01-01 (days within any clock's range).
pub(crate) fn iso_date(days: i64) -> String {
    match civil_from_days(days) {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        None => "(date out of range)".to_string(),
    }
}

/// The date `days` days after 1970-01-01 (Hinnant's `civil_from_days`); `None` only for day
/// numbers so large that the arithmetic would overflow.
fn civil_from_days(days: i64) -> Option<Date> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day and month are within the ranges noted above, so the casts cannot truncate.
    Some(Date {
        year,
        month: month as u32,
        day: day as u32,
    })
}

/// Whether `text` is a non-empty run of ASCII digits (no sign, no separators).
fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a non-empty run of ASCII digits, if it fits an i64.
fn digits(text: &str) -> Option<i64> {
    all_digits(text).then(|| text.parse().ok()).flatten()
}

/// An optionally negative decimal integer that fits an i64; `+5` or `1_000` are not integers.
fn integer(text: &str) -> Option<i64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    all_digits(unsigned).then(|| text.parse().ok()).flatten()
}

/// Whether an integer label reads as a year: exactly four digits, in 1000..=2999.
fn is_year_like(text: &str) -> bool {
    text.len() == 4 && matches!(digits(text), Some(1000..=2999))
}

/// The date format `text` is shaped like (digits and dashes in the right places), whether or
/// not it is a real date: `2001-02-29` is a `YYYY-MM-DD` label that is not a valid date.
fn date_shape(text: &str) -> Option<DateFormat> {
    let shaped = |dashes: &[usize]| {
        text.bytes().enumerate().all(|(i, b)| {
            if dashes.contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    };
    match text.len() {
        10 if shaped(&[4, 7]) => Some(DateFormat::Day),
        7 if shaped(&[4]) => Some(DateFormat::Month),
        _ => None,
    }
}

/// Reads `text` as a date of `format`; the error names the label and its 1-based `position`.
fn parse_date(
    text: &str,
    format: DateFormat,
    position: usize,
    first: &str,
) -> Result<Date, String> {
    let shaped = match format {
        DateFormat::Year => is_year_like(text),
        _ => date_shape(text) == Some(format),
    };
    if !shaped {
        return Err(format!(
            "time label {position} (\"{text}\") does not have the format of the first label \
             (\"{first}\", {})",
            format.pattern()
        ));
    }
    // The shape guarantees digits in these places, so only the ranges remain to be checked.
    let field = |range: std::ops::Range<usize>| text.get(range).and_then(digits);
    let date = match format {
        DateFormat::Day => field(0..4)
            .zip(field(5..7))
            .zip(field(8..10))
            .map(|((y, m), d)| (y, m, d)),
        DateFormat::Month => field(0..4).zip(field(5..7)).map(|(y, m)| (y, m, 1)),
        DateFormat::Year => field(0..4).map(|y| (y, 1, 1)),
    }
    .and_then(|(year, month, day)| {
        let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        let day = u32::try_from(day)
            .ok()
            .filter(|d| (1..=days_in_month(year, month)).contains(d))?;
        Some(Date { year, month, day })
    });
    date.ok_or_else(|| format!("time label {position} (\"{text}\") is not a valid date"))
}

/// The step from `a` to `b` seen on its own, preferring calendar steps as the column does;
/// `None` if `b` is not after `a`.
fn pair_step(a: Date, b: Date) -> Option<Step> {
    let days = days_from_civil(b) - days_from_civil(a);
    if days <= 0 {
        return None;
    }
    let months = b.month_index() - a.month_index();
    let same_day = a.day == b.day || (a.is_month_end() && b.is_month_end());
    if months > 0 && same_day {
        let months = u32::try_from(months).ok()?;
        Some(if months % 12 == 0 {
            Step::Years(months / 12)
        } else {
            Step::Months(months)
        })
    } else {
        u32::try_from(days).ok().map(Step::Days)
    }
}

/// Where calendar steps land, if every label agrees: all month ends, else all one day.
fn anchor_of(dates: &[Date]) -> Option<Anchor> {
    let first = dates.first()?;
    if dates.iter().all(|d| d.is_month_end()) {
        Some(Anchor::MonthEnd)
    } else if dates.iter().all(|d| d.day == first.day) {
        Some(Anchor::Day(first.day))
    } else {
        None
    }
}

/// The length of `step`, for error messages ("1 month", "7 days", "5").
fn span(step: Step) -> String {
    let plural = |n: u32, unit: &str| match n {
        1 => format!("1 {unit}"),
        n => format!("{n} {unit}s"),
    };
    match step {
        Step::Days(n) => plural(n, "day"),
        Step::Months(n) => plural(n, "month"),
        Step::Years(n) => plural(n, "year"),
        Step::Integer(n) => n.to_string(),
    }
}

fn not_increasing(a: &str, b: &str) -> String {
    format!("time labels must increase, but \"{a}\" is followed by \"{b}\"")
}

/// The error for the first pair whose step differs from the first pair's.
fn irregular<T: PartialEq + Copy>(
    labels: &[&str],
    steps: &[T],
    show: impl Fn(T) -> String,
) -> Option<String> {
    let first = *steps.first()?;
    let i = steps.iter().position(|s| *s != first)?;
    Some(format!(
        "irregular time steps: \"{}\" to \"{}\" is a step of {}, but \"{}\" to \"{}\" is a step \
         of {}",
        labels[i],
        labels[i + 1],
        show(steps[i]),
        labels[0],
        labels[1],
        show(first)
    ))
}

fn infer_dates(labels: &[&str], format: DateFormat) -> Result<Calendar, String> {
    let first = labels.first().copied().unwrap_or_default();
    let dates = labels
        .iter()
        .enumerate()
        .map(|(i, text)| parse_date(text, format, i + 1, first))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = dates
        .windows(2)
        .zip(labels.windows(2))
        .map(|(d, l)| pair_step(d[0], d[1]).ok_or_else(|| not_increasing(l[0], l[1])))
        .collect::<Result<Vec<_>, _>>()?;
    let (Some(&last), Some(&step)) = (dates.last(), steps.first()) else {
        return Err("at least two time labels are needed to tell the step".to_string());
    };
    let calendar = |step, anchor| Calendar {
        step,
        kind: Kind::Dates {
            format,
            last,
            anchor,
        },
    };

    // Months and years first: their lengths in days vary, so a day count cannot see them.
    if let Some(anchor) = anchor_of(&dates) {
        if steps.iter().all(|s| *s == step) {
            return Ok(calendar(step, anchor));
        }
    }
    if format == DateFormat::Day {
        let days: Vec<i64> = dates.iter().map(|d| days_from_civil(*d)).collect();
        let gap = days[1] - days[0];
        if days.windows(2).all(|w| w[1] - w[0] == gap) {
            if let Ok(gap) = u32::try_from(gap) {
                return Ok(calendar(Step::Days(gap), Anchor::Day(last.day)));
            }
        }
    }

    if let Some(message) = irregular(labels, &steps, span) {
        return Err(message);
    }
    // Every pair is the same number of months apart, each keeping its day or its month end,
    // but not the whole column: find the first label that breaks the day of the labels before.
    let k = (2..=dates.len())
        .find(|&k| anchor_of(&dates[..k]).is_none())
        .unwrap_or(dates.len())
        - 1;
    Err(format!(
        "irregular time steps: \"{}\" (after \"{}\") does not fall on the day of the month the \
         labels before it fall on",
        labels[k],
        labels[k - 1]
    ))
}

fn infer_integers(labels: &[&str], values: &[i64]) -> Result<Calendar, String> {
    let steps = values
        .windows(2)
        .zip(labels.windows(2))
        .map(|(v, l)| match v[1].checked_sub(v[0]) {
            Some(step) if step > 0 => Ok(step),
            Some(_) => Err(not_increasing(l[0], l[1])),
            None => Err(format!(
                "time labels \"{}\" and \"{}\" are too far apart",
                l[0], l[1]
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(message) = irregular(labels, &steps, |s: i64| s.to_string()) {
        return Err(message);
    }
    match (values.last(), steps.first()) {
        (Some(&last), Some(&step)) => Ok(Calendar {
            step: Step::Integer(step),
            kind: Kind::Integers { last },
        }),
        _ => Err("at least two time labels are needed to tell the step".to_string()),
    }
}

impl Calendar {
    /// Infers the calendar of `labels` (the series' time column, as written in its CSV), or an
    /// Err(String) saying why it cannot (fewer than 2 labels, a label that does not parse,
    /// irregular steps: name the first two labels where the step changes).
    pub fn infer(labels: &[String]) -> Result<Calendar, String> {
        let labels: Vec<&str> = labels.iter().map(|l| l.trim()).collect();
        let first = match labels.as_slice() {
            [] => return Err("no time labels: at least two are needed to tell the step".into()),
            [one] => {
                return Err(format!(
                    "only one time label (\"{one}\"): at least two are needed to tell the step"
                ))
            }
            [first, ..] => *first,
        };
        if let Some(format) = date_shape(first) {
            return infer_dates(&labels, format);
        }
        if integer(first).is_none() {
            return Err(format!(
                "time label 1 (\"{first}\") is in a format that is not understood; expected \
                 YYYY-MM-DD, YYYY-MM, YYYY or an integer"
            ));
        }
        let values = labels
            .iter()
            .enumerate()
            .map(|(i, text)| {
                integer(text).ok_or_else(|| {
                    format!(
                        "time label {} (\"{text}\") is not an integer like the first label \
                         (\"{first}\")",
                        i + 1
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if labels.iter().all(|l| is_year_like(l)) {
            infer_dates(&labels, DateFormat::Year)
        } else {
            infer_integers(&labels, &values)
        }
    }

    /// How far apart consecutive labels are.
    pub fn step(&self) -> Step {
        self.step
    }

    /// "daily", "weekly", "monthly", "quarterly", "yearly", "every 2 days", "every 3 months", "every 5" (integers) ...
    pub fn describe(&self) -> String {
        match self.step {
            Step::Days(1) => "daily".into(),
            Step::Days(7) => "weekly".into(),
            Step::Days(n) if n % 7 == 0 => format!("every {} weeks", n / 7),
            Step::Days(n) => format!("every {n} days"),
            Step::Months(1) => "monthly".into(),
            Step::Months(3) => "quarterly".into(),
            Step::Months(n) => format!("every {n} months"),
            Step::Years(1) => "yearly".into(),
            Step::Years(n) => format!("every {n} years"),
            Step::Integer(n) => format!("every {n}"),
        }
    }

    /// The `n` labels after the last one, in the same textual format as the input.
    ///
    /// Fewer than `n` only if the labels would leave the range of an `i64` (integer labels,
    /// or day numbers), which no real forecast horizon reaches.
    pub fn next_labels(&self, n: usize) -> Vec<String> {
        (1..=n).map_while(|k| self.label_after(k)).collect()
    }

    /// The label `k` steps after the last one; `None` on arithmetic overflow.
    fn label_after(&self, k: usize) -> Option<String> {
        let k = i64::try_from(k).ok()?;
        match (self.kind, self.step) {
            (Kind::Integers { last }, Step::Integer(step)) => {
                Some(last.checked_add(step.checked_mul(k)?)?.to_string())
            }
            (Kind::Dates { format, last, .. }, Step::Days(step)) => {
                let days = days_from_civil(last).checked_add(i64::from(step).checked_mul(k)?)?;
                Some(format.write(civil_from_days(days)?))
            }
            (
                Kind::Dates {
                    format,
                    last,
                    anchor,
                },
                Step::Months(_) | Step::Years(_),
            ) => {
                let months = match self.step {
                    Step::Years(years) => i64::from(years) * 12,
                    Step::Months(months) => i64::from(months),
                    _ => return None,
                };
                let index = last.month_index().checked_add(months.checked_mul(k)?)?;
                Some(format.write(Date::at_month(index, anchor)))
            }
            // `infer` pairs integer labels with integer steps and dates with calendar steps.
            (Kind::Integers { .. }, _) | (Kind::Dates { .. }, Step::Integer(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| l.to_string()).collect()
    }

    fn infer(labels: &[&str]) -> Result<Calendar, String> {
        Calendar::infer(&strings(labels))
    }

    fn next(labels: &[&str], n: usize) -> Vec<String> {
        match infer(labels) {
            Ok(calendar) => calendar.next_labels(n),
            Err(e) => panic!("{labels:?} should be understood: {e}"),
        }
    }

    fn error(labels: &[&str]) -> String {
        match infer(labels) {
            Ok(calendar) => panic!("{labels:?} should be refused, got {calendar:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn airline_series_continues_monthly_for_two_years() {
        let labels: Vec<String> = (1949..=1960)
            .flat_map(|y| (1..=12).map(move |m| format!("{y}-{m:02}-01")))
            .collect();
        assert_eq!(labels.len(), 144);
        let calendar = Calendar::infer(&labels).unwrap();
        assert_eq!(calendar.step(), Step::Months(1));
        assert_eq!(calendar.describe(), "monthly");
        let next = calendar.next_labels(24);
        assert_eq!(next.len(), 24);
        assert_eq!(next[0], "1961-01-01");
        assert_eq!(next[11], "1961-12-01");
        assert_eq!(next[23], "1962-12-01");
    }

    #[test]
    fn weekly_series_continues_by_seven_days() {
        let calendar = infer(&["1958-03-29", "1958-04-05"]).unwrap();
        assert_eq!(calendar.step(), Step::Days(7));
        assert_eq!(calendar.describe(), "weekly");
        assert_eq!(calendar.next_labels(1), ["1958-04-12"]);
    }

    #[test]
    fn weekly_series_crosses_the_year_end() {
        assert_eq!(
            next(&["2001-12-15", "2001-12-22", "2001-12-29"], 2),
            ["2002-01-05", "2002-01-12"]
        );
    }

    #[test]
    fn weekly_series_crosses_february_of_leap_and_common_years() {
        assert_eq!(
            next(&["2024-02-15", "2024-02-22"], 2),
            ["2024-02-29", "2024-03-07"]
        );
        assert_eq!(next(&["2023-02-16", "2023-02-23"], 1), ["2023-03-02"]);
        // 2000 is a leap year (divisible by 400), 1900 is not (a century).
        assert_eq!(next(&["2000-02-15", "2000-02-22"], 1), ["2000-02-29"]);
        assert_eq!(next(&["1900-02-15", "1900-02-22"], 1), ["1900-03-01"]);
    }

    #[test]
    fn daily_series_counts_february_29() {
        let calendar = infer(&["2024-02-27", "2024-02-28"]).unwrap();
        assert_eq!(calendar.step(), Step::Days(1));
        assert_eq!(calendar.describe(), "daily");
        assert_eq!(calendar.next_labels(2), ["2024-02-29", "2024-03-01"]);
        // Daily labels that pass a month end are daily, not month-end monthly.
        assert_eq!(
            infer(&["2024-01-30", "2024-01-31", "2024-02-01"])
                .unwrap()
                .step(),
            Step::Days(1)
        );
    }

    #[test]
    fn lynx_series_continues_yearly() {
        let labels: Vec<String> = (1821..=1934).map(|y| format!("{y}-01-01")).collect();
        let calendar = Calendar::infer(&labels).unwrap();
        assert_eq!(calendar.step(), Step::Years(1));
        assert_eq!(calendar.describe(), "yearly");
        assert_eq!(calendar.next_labels(2), ["1935-01-01", "1936-01-01"]);
    }

    #[test]
    fn yearly_takes_precedence_over_twelve_months_and_day_counts() {
        // 366 days apart (2000 is a leap year), yet yearly.
        let calendar = infer(&["2000-01-15", "2001-01-15", "2002-01-15"]).unwrap();
        assert_eq!(calendar.step(), Step::Years(1));
        assert_eq!(calendar.next_labels(1), ["2003-01-15"]);
        assert_eq!(
            infer(&["2000-06", "2001-06"]).unwrap().step(),
            Step::Years(1)
        );
    }

    #[test]
    fn monthly_takes_precedence_over_day_counts() {
        // Two month ends 28 days apart: monthly, not every 4 weeks.
        let calendar = infer(&["2001-01-31", "2001-02-28"]).unwrap();
        assert_eq!(calendar.step(), Step::Months(1));
        assert_eq!(calendar.next_labels(1), ["2001-03-31"]);
    }

    #[test]
    fn month_end_series_continues_at_month_ends() {
        let calendar = infer(&["1960-10-31", "1960-11-30", "1960-12-31"]).unwrap();
        assert_eq!(calendar.step(), Step::Months(1));
        assert_eq!(calendar.describe(), "monthly");
        assert_eq!(
            calendar.next_labels(4),
            ["1961-01-31", "1961-02-28", "1961-03-31", "1961-04-30"]
        );
        assert_eq!(
            next(&["1963-12-31", "1964-01-31"], 2),
            ["1964-02-29", "1964-03-31"]
        );
    }

    #[test]
    fn quarter_ends_continue_at_month_ends_even_on_a_shared_day() {
        let calendar = infer(&["2000-06-30", "2000-09-30"]).unwrap();
        assert_eq!(calendar.step(), Step::Months(3));
        assert_eq!(calendar.describe(), "quarterly");
        assert_eq!(calendar.next_labels(2), ["2000-12-31", "2001-03-31"]);
    }

    #[test]
    fn a_late_day_of_month_is_clamped_in_short_months_without_drifting() {
        assert_eq!(
            next(&["2001-11-30", "2001-12-30"], 3),
            ["2002-01-30", "2002-02-28", "2002-03-30"]
        );
        let calendar = infer(&["1949-01-31", "1949-03-31"]).unwrap();
        assert_eq!(calendar.step(), Step::Months(2));
        assert_eq!(calendar.describe(), "every 2 months");
        assert_eq!(
            calendar.next_labels(5),
            [
                "1949-05-31",
                "1949-07-31",
                "1949-09-30",
                "1949-11-30",
                "1950-01-31"
            ]
        );
    }

    #[test]
    fn february_29_yearly_series_continues_at_the_end_of_february() {
        let calendar = infer(&["2000-02-29", "2004-02-29"]).unwrap();
        assert_eq!(calendar.step(), Step::Years(4));
        assert_eq!(calendar.describe(), "every 4 years");
        assert_eq!(calendar.next_labels(2), ["2008-02-29", "2012-02-29"]);
        // 2100 is not a leap year.
        assert_eq!(
            next(&["2092-02-29", "2096-02-29"], 2),
            ["2100-02-28", "2104-02-29"]
        );
        let calendar = infer(&["2003-02-28", "2004-02-29", "2005-02-28"]).unwrap();
        assert_eq!(calendar.step(), Step::Years(1));
        assert_eq!(
            calendar.next_labels(3),
            ["2006-02-28", "2007-02-28", "2008-02-29"]
        );
    }

    #[test]
    fn year_month_labels_continue_in_their_format() {
        let calendar = infer(&["2000-01", "2000-04"]).unwrap();
        assert_eq!(calendar.step(), Step::Months(3));
        assert_eq!(calendar.describe(), "quarterly");
        assert_eq!(calendar.next_labels(3), ["2000-07", "2000-10", "2001-01"]);
        assert_eq!(next(&["1999-11", "1999-12"], 2), ["2000-01", "2000-02"]);
        assert_eq!(
            infer(&["2000-01", "2000-07"]).unwrap().describe(),
            "every 6 months"
        );
    }

    #[test]
    fn four_digit_integers_in_1000_to_2999_are_years() {
        let calendar = infer(&["1949", "1950", "1951"]).unwrap();
        assert_eq!(calendar.step(), Step::Years(1));
        assert_eq!(calendar.describe(), "yearly");
        assert_eq!(calendar.next_labels(2), ["1952", "1953"]);
        let calendar = infer(&["1990", "2000"]).unwrap();
        assert_eq!(calendar.step(), Step::Years(10));
        assert_eq!(calendar.describe(), "every 10 years");
        assert_eq!(calendar.next_labels(2), ["2010", "2020"]);
    }

    #[test]
    fn other_integers_are_an_integer_index() {
        let calendar = infer(&["1", "2", "3"]).unwrap();
        assert_eq!(calendar.step(), Step::Integer(1));
        assert_eq!(calendar.describe(), "every 1");
        assert_eq!(calendar.next_labels(2), ["4", "5"]);
        let calendar = infer(&["10", "20", "30"]).unwrap();
        assert_eq!(calendar.step(), Step::Integer(10));
        assert_eq!(calendar.describe(), "every 10");
        assert_eq!(calendar.next_labels(1), ["40"]);
        assert_eq!(next(&["-2", "-1", "0"], 2), ["1", "2"]);
        // Not every label is a 4-digit year in 1000..=2999.
        assert_eq!(
            infer(&["998", "999", "1000"]).unwrap().step(),
            Step::Integer(1)
        );
        assert_eq!(next(&["1000", "2000", "3000"], 1), ["4000"]);
        assert_eq!(next(&["0998", "0999"], 1), ["1000"]);
    }

    #[test]
    fn integer_labels_stop_rather_than_overflow() {
        let max = i64::MAX.to_string();
        let before = (i64::MAX - 1).to_string();
        let calendar = infer(&[before.as_str(), max.as_str()]).unwrap();
        assert!(calendar.next_labels(3).is_empty());
        let min = i64::MIN.to_string();
        assert!(error(&[min.as_str(), max.as_str()]).contains("too far apart"));
    }

    #[test]
    fn describe_names_common_steps() {
        assert_eq!(
            infer(&["2000-01-01", "2000-01-03"]).unwrap().describe(),
            "every 2 days"
        );
        assert_eq!(
            infer(&["2000-01-01", "2000-01-15"]).unwrap().describe(),
            "every 2 weeks"
        );
        assert_eq!(
            infer(&["2000-01-01", "2000-04-01", "2000-07-01"])
                .unwrap()
                .describe(),
            "quarterly"
        );
        assert_eq!(infer(&["5", "10"]).unwrap().describe(), "every 5");
    }

    #[test]
    fn irregular_steps_name_the_pair_where_the_step_changes() {
        let e = error(&["2000-01-01", "2000-02-01", "2000-04-01"]);
        assert!(e.contains("\"2000-02-01\" to \"2000-04-01\""), "{e}");
        assert!(e.contains("2 months") && e.contains("1 month"), "{e}");
        let e = error(&["2000-01-01", "2000-01-08", "2000-01-15", "2000-01-23"]);
        assert!(e.contains("\"2000-01-15\" to \"2000-01-23\""), "{e}");
        let e = error(&["1", "2", "4"]);
        assert!(e.contains("\"2\" to \"4\""), "{e}");
    }

    #[test]
    fn mixing_month_ends_and_a_fixed_day_is_irregular() {
        // Each pair is one month apart, but the column is neither all month ends nor all the 28th.
        let e = error(&["1949-01-31", "1949-02-28", "1949-03-28", "1949-04-28"]);
        assert!(e.contains("\"1949-03-28\" (after \"1949-02-28\")"), "{e}");
    }

    #[test]
    fn labels_must_increase() {
        let e = error(&["2000-01-01", "2000-01-01"]);
        assert!(e.contains("must increase"), "{e}");
        let e = error(&["3", "2"]);
        assert!(e.contains("\"3\" is followed by \"2\""), "{e}");
    }

    #[test]
    fn labels_that_do_not_parse_are_named() {
        let e = error(&["1949-01-01", "1949-02-01", "n/a"]);
        assert!(e.contains("\"n/a\"") && e.contains("YYYY-MM-DD"), "{e}");
        let e = error(&["January", "February"]);
        assert!(
            e.contains("\"January\"") && e.contains("not understood"),
            "{e}"
        );
        let e = error(&["2000-01", "2000-02-01"]);
        assert!(e.contains("\"2000-02-01\"") && e.contains("YYYY-MM"), "{e}");
        let e = error(&["1", "2", "x"]);
        assert!(e.contains("\"x\""), "{e}");
        let e = error(&["1949", "1950-01-01"]);
        assert!(e.contains("\"1950-01-01\""), "{e}");
    }

    #[test]
    fn invalid_dates_are_named() {
        let e = error(&["2001-02-28", "2001-02-29"]);
        assert!(e.contains("(\"2001-02-29\") is not a valid date"), "{e}");
        let e = error(&["2001-13", "2002-01"]);
        assert!(e.contains("(\"2001-13\") is not a valid date"), "{e}");
    }

    #[test]
    fn times_of_day_are_not_understood() {
        let e = error(&["2000-01-01 00:00:00", "2000-01-01 01:00:00"]);
        assert!(e.contains("not understood"), "{e}");
    }

    #[test]
    fn fewer_than_two_labels_is_an_error() {
        assert!(error(&["1949-01-01"]).contains("only one time label"));
        assert!(error(&[]).contains("no time labels"));
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(next(&[" 2000-01 ", "2000-02\t"], 1), ["2000-03"]);
    }

    #[test]
    fn day_numbers_round_trip_through_the_gregorian_calendar() {
        let date = |year, month, day| Date { year, month, day };
        assert_eq!(days_from_civil(date(1970, 1, 1)), 0);
        assert_eq!(days_from_civil(date(2000, 3, 1)), 11_017);
        assert_eq!(days_from_civil(date(1969, 12, 31)), -1);
        let mut expected = date(1, 1, 1);
        for days in days_from_civil(expected)..=days_from_civil(date(3000, 12, 31)) {
            let civil = civil_from_days(days).unwrap();
            assert_eq!(civil, expected);
            assert_eq!(days_from_civil(civil), days);
            expected = if expected.is_month_end() {
                Date::at_month(expected.month_index() + 1, Anchor::Day(1))
            } else {
                date(expected.year, expected.month, expected.day + 1)
            };
        }
    }
}
