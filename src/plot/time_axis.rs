//! The position axis of a series (forecast, best, backtest, future plots): its indices,
//! labelled with the series' time column when there is one, ticked on round calendar units.
//!
//! Ticks at plotters' round *indices* (every 20 points) fall on arbitrary dates when the
//! points are months (every 20 months); a reader of a monthly series wants a tick at each
//! January, of a weekly one at each year or fifth year. So the ticks are put where the
//! labels' calendar period changes: the first point of each year (or quarter, month, decade),
//! the coarsest unit that keeps at most `max_ticks` of them. Labels this module does not
//! read as dates (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`) keep the index ticks, each showing the
//! label of its point.

use super::axis::ValueAxis;

/// A calendar unit ticks can fall on: every `n` months (n dividing 12) or `n` years.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Months(i64),
    Years(i64),
}

/// From the finest to the coarsest; the finest with at most `max_ticks` ticks is used.
const UNITS: [Unit; 15] = [
    Unit::Months(1),
    Unit::Months(2),
    Unit::Months(3),
    Unit::Months(6),
    Unit::Years(1),
    Unit::Years(2),
    Unit::Years(5),
    Unit::Years(10),
    Unit::Years(20),
    Unit::Years(25),
    Unit::Years(50),
    Unit::Years(100),
    Unit::Years(200),
    Unit::Years(500),
    Unit::Years(1000),
];

/// A date read from a time label: year, month (1..=12), day (1..=31).
type Ymd = (i64, i64, i64);

/// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (surrounding whitespace ignored); anything else `None`.
fn parse(label: &str) -> Option<Ymd> {
    let parts: Vec<&str> = label.trim().split('-').collect();
    let number = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        [y] => (number(y, 4)?, 1, 1),
        [y, m] => (number(y, 4)?, number(m, 2)?, 1),
        [y, m, d] => (number(y, 4)?, number(m, 2)?, number(d, 2)?),
        _ => return None,
    };
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

impl Unit {
    /// The period a date lies in (months or years since year 0).
    fn period(self, (y, m, _): Ymd) -> i64 {
        match self {
            Unit::Months(_) => y * 12 + m - 1,
            Unit::Years(_) => y,
        }
    }

    /// Whether a period starts a tick (multiples of `n`, so quarters start in January).
    fn ticks_at(self, period: i64) -> bool {
        let n = match self {
            Unit::Months(n) | Unit::Years(n) => n,
        };
        period.rem_euclid(n) == 0
    }

    /// Whether `date` is the very start of its period (so the first point may be ticked).
    fn starts(self, (_, m, d): Ymd) -> bool {
        match self {
            Unit::Months(_) => d == 1,
            Unit::Years(_) => m == 1 && d == 1,
        }
    }

    fn text(self, (y, m, _): Ymd) -> String {
        match self {
            Unit::Months(_) => format!("{y}-{m:02}"),
            Unit::Years(_) => format!("{y}"),
        }
    }
}

/// Ticks for the points `first..=last` of a series with time `labels`: `(index, text)` at
/// the first point of each period of the finest [`UNITS`] entry giving 2 to `max_ticks`
/// of them. `None` when a label is not a date or no unit fits (a few days of data).
pub(super) fn calendar_ticks(
    labels: &[String],
    first: usize,
    last: usize,
    max_ticks: usize,
) -> Option<Vec<(usize, String)>> {
    let last = last.min(labels.len().checked_sub(1)?);
    if first > last {
        return None;
    }
    // One point before the range tells whether its first point starts a period.
    let from = first.saturating_sub(1);
    let dates: Vec<Ymd> = labels[from..=last]
        .iter()
        .map(|l| parse(l))
        .collect::<Option<_>>()?;
    let offset = first - from;
    UNITS.iter().find_map(|&unit| {
        let mut ticks = Vec::new();
        for (k, &date) in dates.iter().enumerate().skip(offset) {
            let period = unit.period(date);
            let new = if k == 0 {
                unit.starts(date)
            } else {
                period != unit.period(dates[k - 1])
            };
            if new && unit.ticks_at(period) {
                ticks.push((from + k, unit.text(date)));
                if ticks.len() > max_ticks {
                    return None;
                }
            }
        }
        (ticks.len() >= 2).then_some(ticks)
    })
}

/// A position axis over the indices `[lo, hi]` and how its ticks read.
pub(super) struct PositionAxis<'l> {
    pub axis: ValueAxis,
    /// Tick texts by index when ticked on the calendar.
    calendar: Option<Vec<(usize, String)>>,
    labels: Option<&'l [String]>,
}

impl<'l> PositionAxis<'l> {
    /// Indices `lo..=hi` (`lo < hi`), ticked on the calendar when `labels` (one per series
    /// point) are dates, else at round indices (showing a label's text when there are
    /// labels). At most `max_ticks` ticks.
    pub(super) fn new(lo: f64, hi: f64, labels: Option<&'l [String]>, max_ticks: usize) -> Self {
        let first = lo.max(0.0).ceil() as usize;
        let last = hi.max(0.0).floor() as usize;
        let calendar = labels.and_then(|l| calendar_ticks(l, first, last, max_ticks));
        let mut axis = ValueAxis::linear(lo, hi, true, max_ticks);
        if let Some(ticks) = &calendar {
            axis.ticks = ticks.iter().map(|&(i, _)| i as f64).collect();
            axis.minor = Vec::new();
        }
        Self {
            axis,
            calendar,
            labels,
        }
    }

    /// The tick text at axis coordinate `c`.
    pub(super) fn label(&self, c: f64) -> String {
        if let Some(ticks) = &self.calendar {
            return ticks
                .iter()
                .find(|&&(i, _)| (i as f64 - c).abs() < 1e-6)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
        }
        match self.labels {
            Some(labels) => super::forecast::label_at(labels, c),
            None => self.axis.label(c),
        }
    }

    /// "time" with labels, "index" without.
    pub(super) fn desc(&self) -> &'static str {
        if self.labels.is_some() {
            "time"
        } else {
            "index"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(start_year: i64, n: usize) -> Vec<String> {
        (0..n as i64)
            .map(|i| format!("{}-{:02}-01", start_year + i / 12, i % 12 + 1))
            .collect()
    }

    #[test]
    fn parse_reads_three_date_formats_only() {
        assert_eq!(parse("1949-03-01"), Some((1949, 3, 1)));
        assert_eq!(parse(" 2000-04 "), Some((2000, 4, 1)));
        assert_eq!(parse("1821"), Some((1821, 1, 1)));
        assert_eq!(parse("10"), None);
        assert_eq!(parse("1949-13-01"), None);
        assert_eq!(parse("1949-01-01 12:00"), None);
    }

    /// The airline: 144 months from 1949-01. Every 20 months would be plotters' choice;
    /// here each January, 12 ticks "1949" .. "1960" at indices 0, 12, ..., 132.
    #[test]
    fn monthly_series_is_ticked_on_years() {
        let labels = monthly(1949, 144);
        let ticks = calendar_ticks(&labels, 0, 143, 12).unwrap();
        let at: Vec<usize> = ticks.iter().map(|t| t.0).collect();
        assert_eq!(at, (0..12).map(|y| y * 12).collect::<Vec<_>>());
        assert_eq!(ticks[0].1, "1949");
        assert_eq!(ticks[11].1, "1960");
        // Its 24-month test part (1959-01 .. 1960-12): quarters, "1959-01" .. "1960-10".
        let test = calendar_ticks(&labels, 120, 143, 8).unwrap();
        let texts: Vec<&str> = test.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            texts,
            [
                "1959-01", "1959-04", "1959-07", "1959-10", "1960-01", "1960-04", "1960-07",
                "1960-10"
            ]
        );
        assert_eq!(test[1].0, 123);
    }

    /// Weekly dates over 44 years: every fifth year, at the first week of that year; the
    /// first point (a Saturday in March) starts no year, so it gets no tick. Annual data
    /// from 1821: decades. Integers and a few days: no calendar ticks.
    #[test]
    fn weekly_annual_and_unreadable_labels() {
        // 1958-03-29 plus 7 days at a time, written with a simple day counter per month.
        let mut labels = Vec::new();
        let (mut y, mut m, mut d) = (1958i64, 3i64, 29i64);
        let days = |y: i64, m: i64| match m {
            2 if y % 4 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        for _ in 0..2284 {
            labels.push(format!("{y}-{m:02}-{d:02}"));
            d += 7;
            while d > days(y, m) {
                d -= days(y, m);
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        let ticks = calendar_ticks(&labels, 0, labels.len() - 1, 12).unwrap();
        let texts: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            texts,
            ["1960", "1965", "1970", "1975", "1980", "1985", "1990", "1995", "2000"]
        );
        assert!(labels[ticks[0].0].starts_with("1960-01-"));
        assert!(labels[ticks[0].0 - 1].starts_with("1959-12-"));

        let annual: Vec<String> = (1821..=1934).map(|y| format!("{y}-01-01")).collect();
        let ticks = calendar_ticks(&annual, 0, 113, 12).unwrap();
        assert_eq!(ticks.first().unwrap().1, "1830");
        assert_eq!(ticks.len(), 11);

        let integers: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(calendar_ticks(&integers, 0, 49, 12), None);
        let days: Vec<String> = (1..=5).map(|d| format!("2000-01-{d:02}")).collect();
        assert_eq!(calendar_ticks(&days, 0, 4, 12), None);
    }

    #[test]
    fn position_axis_labels_ticks_by_calendar_or_index() {
        let labels = monthly(1949, 144);
        let axis = PositionAxis::new(0.0, 143.0, Some(&labels), 12);
        assert_eq!(axis.axis.ticks.len(), 12);
        assert_eq!(axis.label(12.0), "1950");
        assert_eq!(axis.label(13.0), "");
        assert_eq!(axis.desc(), "time");
        let plain = PositionAxis::new(0.0, 999.0, None, 12);
        assert_eq!(plain.label(200.0), "200");
        assert_eq!(plain.desc(), "index");
    }
}
