//! Numbers and tables as text, shared by the report and `runner compare`.

/// `v` with 4 significant digits, no exponent for the magnitudes metrics take
/// (`0.012345` → `0.01235`, `112.34` → `112.3`, `123456.0` → `123456`); below 1e-6 in
/// scientific notation (`1.2e-11`: an exact forecast's rounding error); `-` for a
/// non-finite value.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() < 1e-6 {
        return format!("{v:.1e}");
    }
    const SIGNIFICANT: i32 = 4;
    let magnitude = v.abs().log10().floor() as i32;
    // Tiny values would need dozens of zeros; 10 decimals is where readability ends.
    let decimals = (SIGNIFICANT - 1 - magnitude).clamp(0, 10) as usize;
    format!("{v:.decimals$}")
}

/// `mean ± std`, `mean` alone when there is no spread (fewer than two values), `-` when
/// there is no mean. The spread is given to two significant digits and the mean to the same
/// decimal place (`12.44 ± 0.17`, `0.070 ± 0.042`): digits beyond the spread are noise.
pub fn mean_std(mean: Option<f64>, std: Option<f64>) -> String {
    match (mean, std) {
        (Some(m), Some(s)) if s > 0.0 && s.is_finite() && m.is_finite() && s >= 1e-6 => {
            let decimals = (1 - s.log10().floor() as i32).clamp(0, 10) as usize;
            format!("{m:.decimals$} ± {s:.decimals$}")
        }
        (Some(m), Some(s)) => format!("{} ± {}", num(m), num(s)),
        (Some(m), None) => num(m),
        (None, _) => "-".to_string(),
    }
}

/// Signed percentage with one decimal: `-12.3%`, `+4.0%`.
pub fn percent(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

/// Wall time for people: `0.84 s`, `12.3 s`, `4 min 05 s`, `1 h 02 min`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".to_string();
    }
    if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else if seconds < 3600.0 {
        let s = seconds.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        let m = (seconds / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

/// A p-value as every output writes it: `p = 0.034`, `p = 0.41`, `p = 1`, `p < 0.001`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {}", significant2(p))
    }
}

/// Two significant digits, at most three decimals: `0.034`, `0.41`, `1`.
fn significant2(p: f64) -> String {
    let decimals = if p >= 0.1 { 2 } else { 3 };
    let text = format!("{p:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// Text safe inside a markdown table cell: on one line, `|` escaped.
pub fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// A config label for display; the empty label of an unswept experiment reads as such.
pub fn config_name(config: &str) -> String {
    if config.is_empty() {
        "(base configuration)".to_string()
    } else {
        config.to_string()
    }
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A plain-text table: a header row, then one line per row, columns padded to their widest
/// cell and separated by two spaces; no trailing spaces. Width counts characters, so `±`
/// takes one column.
pub fn text_table(headers: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate().take(columns) {
            if i > 0 {
                out.push_str("  ");
            }
            let pad = widths[i].saturating_sub(cell.chars().count());
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                }
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(num(0.012345), "0.01235");
        assert_eq!(num(0.1), "0.1000");
        assert_eq!(num(2.0), "2.000");
        assert_eq!(num(112.34), "112.3");
        assert_eq!(num(-0.5), "-0.5000");
        assert_eq!(num(123456.0), "123456");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "-");
        assert_eq!(num(1e-12), "1.0e-12");
        assert_eq!(num(1.23e-11), "1.2e-11");
    }

    #[test]
    fn mean_std_percent_and_duration_read_as_written() {
        assert_eq!(mean_std(Some(2.0), Some(1.0)), "2.0 ± 1.0");
        // Rounded to the precision of the spread.
        assert_eq!(mean_std(Some(12.4412), Some(0.1734)), "12.44 ± 0.17");
        assert_eq!(mean_std(Some(0.06952), Some(0.04170)), "0.070 ± 0.042");
        assert_eq!(mean_std(Some(123.4), Some(12.3)), "123 ± 12");
        assert_eq!(mean_std(Some(2.0), Some(0.0)), "2.000 ± 0");
        assert_eq!(mean_std(Some(2.0), None), "2.000");
        assert_eq!(mean_std(None, Some(1.0)), "-");
        assert_eq!(percent(-0.8), "-80.0%");
        assert_eq!(percent(0.04), "+4.0%");
        assert_eq!(duration(0.844), "0.84 s");
        assert_eq!(duration(12.34), "12.3 s");
        assert_eq!(duration(245.4), "4 min 05 s");
        assert_eq!(duration(3725.0), "1 h 02 min");
    }

    #[test]
    fn text_table_pads_columns_and_trims_line_ends() {
        let rows = vec![
            vec!["1".to_string(), "a".to_string(), "0.5 ± 0.1".to_string()],
            vec!["10".to_string(), "long name".to_string(), "2".to_string()],
        ];
        let table = text_table(
            &["rank", "config", "rmse"],
            &[Align::Right, Align::Left, Align::Right],
            &rows,
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines,
            [
                "rank  config          rmse",
                "   1  a          0.5 ± 0.1",
                "  10  long name          2",
            ]
        );
        // The left-aligned last column does not leave trailing spaces.
        let table = text_table(
            &["a", "b"],
            &[Align::Left, Align::Left],
            &[vec!["xyz".into(), "1".into()]],
        );
        assert_eq!(table, "a    b\nxyz  1\n");
    }
}
