//! A forecast as people read it: the console text of `runner forecast` and `runner predict`,
//! and the report's forecast section. Everything shown is in the forecast record; nothing is
//! computed here but formatting.

use crate::store::forecast::{level_percent, ForecastRecord, LevelCoverage, Score};

use super::format::{cell, config_name, duration, num, text_table, Align};

/// The table of forecast values: step, time (when labelled), mean, then `[lower, upper]` per
/// level. `rows` at most, the rest summarised in a last line.
pub fn forecast_table(r: &ForecastRecord, rows: usize) -> String {
    let has_time = r.rows.iter().any(|x| x.time.is_some());
    let mut headers: Vec<String> = vec!["step".into()];
    if has_time {
        headers.push("time".into());
    }
    headers.push("mean".into());
    for &level in &r.levels {
        headers.push(format!("{}% interval", level_percent(level)));
    }
    let body: Vec<Vec<String>> = r
        .rows
        .iter()
        .take(rows)
        .map(|x| {
            let mut row = vec![x.step.to_string()];
            if has_time {
                row.push(x.time.clone().unwrap_or_default());
            }
            row.push(num(x.mean));
            for b in &x.intervals {
                row.push(match b {
                    Some((lo, hi)) => format!("[{}, {}]", num(*lo), num(*hi)),
                    None => "-".into(),
                });
            }
            row
        })
        .collect();
    let mut align = vec![Align::Right];
    if has_time {
        align.push(Align::Left);
    }
    align.extend(std::iter::repeat_n(Align::Right, 1 + r.levels.len()));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut text = text_table(&header_refs, &align, &body);
    if r.rows.len() > rows {
        text.push_str(&format!(
            "... {} more in forecast.csv\n",
            r.rows.len() - rows
        ));
    }
    text
}

/// `80%: 87.0% of 300 held-out values (folds 2-3)`, or why it could not be checked.
pub fn coverage_line(c: &LevelCoverage) -> String {
    let folds = match (c.folds.first(), c.folds.last()) {
        (Some(a), Some(b)) if a == b => format!("fold {a}"),
        (Some(a), Some(b)) => format!("folds {a}-{b}"),
        _ => "no fold".into(),
    };
    let level = level_percent(c.level);
    if c.checked == 0 {
        return format!(
            "{level}%: not checkable ({} held-out values, each with too few earlier errors for a finite interval)",
            c.unchecked
        );
    }
    let rate = 100.0 * c.rate();
    let mut text = format!(
        "{level}%: {rate:.1}% of {} held-out values covered ({folds})",
        c.checked
    );
    if c.unchecked > 0 {
        text.push_str(&format!(
            "; {} more had too few earlier errors at their step to be checked",
            c.unchecked
        ));
    }
    text
}

/// What was forecast and how, one sentence (two when the sweep's answer was a baseline).
fn headline(r: &ForecastRecord) -> String {
    let which = if r.chosen {
        "the chosen configuration"
    } else {
        "the configuration named with --config (not the selection's choice)"
    };
    let epochs = match (r.refit_epochs.iter().min(), r.refit_epochs.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} epochs"),
        (Some(a), Some(b)) => format!("{a}-{b} epochs"),
        _ => "no epochs".into(),
    };
    let from = r
        .rows
        .first()
        .and_then(|x| x.time.as_ref())
        .map(|t| format!(" from {t}"))
        .unwrap_or_default();
    let mut text = format!(
        "{} values past the end ({}){from} by {which} `{}`: {} refitted on the whole \
         series ({epochs}); {}.",
        r.steps,
        r.calendar,
        config_name(&r.config),
        match r.seeds.len() {
            1 => "its one seed".to_string(),
            n => format!("the mean of {n} seeds, each"),
        },
        r.method
    );
    if !r.dropped.is_empty() {
        text.push_str(&format!(
            " Left out, their refits having failed: {}.",
            r.dropped.join("; ")
        ));
    }
    if let Some(baseline) = &r.baseline_answer {
        text.push_str(&format!(
            " The sweep's answer is a baseline, {baseline}, which forecast the held-out data \
             better than any network: this is the best network's forecast all the same."
        ));
    }
    text
}

/// How the intervals were made, and their coverage lines.
fn interval_lines(r: &ForecastRecord) -> Vec<String> {
    match (&r.calibration, &r.intervals_note) {
        (Some(c), _) => {
            let steps = &c.errors_per_step;
            let (lo, hi) = (
                steps.iter().min().copied().unwrap_or(0),
                steps.iter().max().copied().unwrap_or(0),
            );
            let errors = if c.score == Score::LogRatio {
                "log ratios |ln y - ln ŷ| (the series is modelled in logs: intervals ŷ·e^(±w) \
                 widen with its level)"
            } else {
                "absolute errors |y - ŷ|"
            };
            let mut lines = vec![format!(
                "Intervals: split conformal per step ahead, from the {errors} of the seed mean's \
                 held-out forecasts on {} backtest folds ({hi} errors at step 1 down to {lo} at \
                 step {}). Coverage on the backtest, each fold calibrated only on what the folds \
                 before it knew:",
                c.folds,
                steps.len()
            )];
            lines.extend(c.coverage.iter().map(coverage_line));
            lines
        }
        (None, Some(note)) => vec![format!("No intervals: {note}.")],
        (None, None) => vec!["Intervals: none.".into()],
    }
}

/// The console text of `runner forecast`.
pub fn forecast_console(name: &str, r: &ForecastRecord, dir: &str, plot: Option<&str>) -> String {
    let mut out = format!("{name}: {}\n\n", headline(r));
    out.push_str(&forecast_table(r, 24));
    out.push('\n');
    for line in interval_lines(r) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(
        "\nwrote {dir}/forecast.csv, forecast.parquet, forecast.json and models/ ({} refitted \
         network{})",
        r.run_ids.len(),
        if r.run_ids.len() == 1 { "" } else { "s" }
    ));
    if let Some(plot) = plot {
        out.push_str(&format!(", {plot}"));
    }
    out.push_str(&format!(" in {}\n", duration(r.seconds)));
    out
}

/// The report's forecast section (markdown, without its heading). `chosen_now` is the
/// configuration the sweep chooses today; a forecast of another one, or of runs the sweep no
/// longer has, is marked stale.
pub fn forecast_section(
    r: &ForecastRecord,
    chosen_now: Option<&str>,
    current_runs: &[&str],
) -> Vec<String> {
    let mut lines = Vec::new();
    let gone = r
        .run_ids
        .iter()
        .any(|id| !current_runs.contains(&id.as_str()));
    if gone {
        lines.push(
            "**Stale:** this forecast was made from runs the sweep no longer has (the \
             experiment changed since); run `runner forecast` again."
                .to_string(),
        );
        lines.push(String::new());
    } else if r.chosen && chosen_now != Some(r.config.as_str()) {
        lines.push(format!(
            "**Stale:** this forecast uses `{}`, but the sweep now chooses `{}`; run `runner \
             forecast` again.",
            cell(&config_name(&r.config)),
            cell(&config_name(chosen_now.unwrap_or("")))
        ));
        lines.push(String::new());
    }
    lines.push(headline(r));
    lines.push(String::new());
    lines.push("```text".into());
    lines.extend(forecast_table(r, 12).lines().map(str::to_string));
    lines.push("```".into());
    lines.push(String::new());
    for l in interval_lines(r) {
        let bullet = l.starts_with(|c: char| c.is_ascii_digit());
        lines.push(if bullet { format!("- {l}") } else { l });
    }
    lines.push(String::new());
    lines.push(
        "Every value, interval and seed is in `forecast/forecast.csv`; the refitted networks \
         are in `forecast/models/` (apply one to new data with `runner predict`)."
            .into(),
    );
    lines
}

/// `step,time,forecast` rows, floats in shortest round-trip form.
pub fn prediction_csv(rows: &[(usize, Option<String>, f64)]) -> String {
    let mut text = String::from("step,time,forecast\n");
    for (step, time, value) in rows {
        text.push_str(&format!(
            "{step},{},{value}\n",
            time.as_deref().unwrap_or_default()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::forecast_record as record;

    #[test]
    fn the_table_shows_times_means_and_bands_and_counts_the_rest() {
        let t = forecast_table(&record(), 2);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "step  time         mean    80% interval  95% interval"
        );
        assert_eq!(
            lines[1],
            "   1  1961-01-01  401.0  [390.0, 411.0]             -"
        );
        assert_eq!(lines[3], "... 1 more in forecast.csv");
    }

    #[test]
    fn the_headline_names_what_was_forecast_and_what_was_left_out() {
        let mut r = record();
        let h = headline(&r);
        assert!(h.starts_with("3 values past the end (monthly) from 1961-01-01 by the chosen configuration `units=8`: the mean of 2 seeds, each refitted"), "{h}");
        assert!(!h.contains("Left out") && !h.contains("baseline"), "{h}");
        r.dropped =
            vec!["the refit of units=8 seed=3 on the whole series diverged: loss is NaN".into()];
        r.baseline_answer = Some("linear AR".into());
        let h = headline(&r);
        assert!(
            h.contains("Left out, their refits having failed: the refit of units=8 seed=3"),
            "{h}"
        );
        assert!(
            h.contains("The sweep's answer is a baseline, linear AR"),
            "{h}"
        );
    }

    #[test]
    fn predictions_are_csv_with_exact_floats() {
        let rows = vec![
            (1, Some("1961-01-01".to_string()), 0.1 + 0.2),
            (2, None, 450.0),
        ];
        assert_eq!(
            prediction_csv(&rows),
            "step,time,forecast\n1,1961-01-01,0.30000000000000004\n2,,450\n"
        );
    }

    #[test]
    fn coverage_says_what_was_checked() {
        let r = record();
        let c = &r.calibration.as_ref().unwrap().coverage;
        assert_eq!(
            coverage_line(&c[0]),
            "80%: 80.0% of 50 held-out values covered (folds 2-3)"
        );
        assert!(coverage_line(&c[1]).starts_with("95%: not checkable (50 held-out values"));
    }

    #[test]
    fn a_forecast_of_a_configuration_no_longer_chosen_is_marked_stale() {
        let r = record();
        let fresh = forecast_section(&r, Some("units=8"), &["a", "b"]);
        assert!(!fresh.iter().any(|l| l.contains("Stale")), "{fresh:?}");
        let moved = forecast_section(&r, Some("units=16"), &["a", "b"]);
        assert!(
            moved[0].contains("the sweep now chooses `units=16`"),
            "{moved:?}"
        );
        let gone = forecast_section(&r, Some("units=8"), &["a"]);
        assert!(gone[0].contains("runs the sweep no longer has"), "{gone:?}");
    }
}
