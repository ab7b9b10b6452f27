//! The regression gate's verdicts as text for a terminal or CI log, and as markdown for
//! `check.md` and `$GITHUB_STEP_SUMMARY`. The verdicts themselves come from
//! [`analysis::gate`](crate::analysis::gate); nothing is decided here.

use crate::analysis::gate::{CheckReport, CheckRow, Stat, TestKind, Verdict, Warning, TEST_NAME};

use super::format::{config_name, mean_std, p_value, percent, text_table, Align};

const HEADERS: [&str; 7] = [
    "config", "baseline", "now", "change", "test", "verdict", "note",
];

/// The report's warnings (see [`CheckReport::warnings`]) as sentences.
pub fn warnings(report: &CheckReport) -> Vec<String> {
    report
        .warnings()
        .into_iter()
        .map(|w| match w {
            Warning::OtherExperiment => format!(
                "the baseline was written for experiment hash {}, this experiment's hash is {}: \
                 the experiment changed since, so the configurations may not be comparable \
                 (compared anyway; rewrite the baseline with --update if the change is intended)",
                report.baseline_hashes.join(", "),
                report.experiment_hash
            ),
            Warning::EveryConfigurationNew => format!(
                "the baseline has no rows for {}: every configuration is new",
                report.metric
            ),
            Warning::BaselineWithoutSeeds => format!(
                "the baseline has no per-seed values for {} (written before runner recorded \
                 them): only Welch's test on means and spreads can decide there, not the \
                 seed-by-seed test, which catches more; rewrite the baseline with --update",
                if report.without_seeds == 1 {
                    "1 configuration".to_string()
                } else {
                    format!("{} configurations", report.without_seeds)
                }
            ),
        })
        .collect()
}

/// `1 regressed, 0 missing, 2 improved, 3 unchanged, 1 new`.
pub fn counts(report: &CheckReport) -> String {
    Verdict::ALL
        .iter()
        .map(|&v| format!("{} {v}", report.count(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn outcome(report: &CheckReport) -> &'static str {
    if report.passed() {
        "PASSED"
    } else {
        "FAILED"
    }
}

/// One line saying what was compared and how.
fn method(report: &CheckReport) -> String {
    let direction = if report.metric.higher_is_better() {
        "higher is better"
    } else {
        "lower is better"
    };
    format!(
        "{} ({direction}), mean ± std (n) over seeds; {TEST_NAME}; tolerance {}",
        report.metric,
        tolerance_percent(report.tolerance)
    )
}

fn baseline_origin(report: &CheckReport) -> String {
    let or_unknown = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Baseline from runner {}, experiment hash {}; now experiment hash {}",
        or_unknown(&report.baseline_versions),
        or_unknown(&report.baseline_hashes),
        report.experiment_hash
    )
}

fn cells(report: &CheckReport) -> Vec<Vec<String>> {
    report
        .rows
        .iter()
        .map(|r| {
            vec![
                config_name(&r.config),
                stat_cell(r.baseline),
                stat_cell(r.now),
                r.change.map_or("-".to_string(), change_cell),
                test_cell(r),
                r.verdict.to_string(),
                r.note.clone(),
            ]
        })
        .collect()
}

/// The check as aligned text for a terminal or CI log: what was compared, warnings, the
/// table, the counts and PASSED or FAILED.
pub fn render_text(report: &CheckReport) -> String {
    let mut out = format!("Regression check: {}\n", method(report));
    out.push_str(&baseline_origin(report));
    out.push('\n');
    for w in warnings(report) {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push('\n');
    out.push_str(&text_table(
        &HEADERS,
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Left,
        ],
        &cells(report),
    ));
    out.push_str(&format!("\n{}: {}\n", counts(report), outcome(report)));
    out
}

/// The check as markdown (for `check.md` and `$GITHUB_STEP_SUMMARY`): a heading, the
/// warnings as a quote, the table, the outcome with the verdict counts, the test and the
/// tolerance.
pub fn render_markdown(report: &CheckReport) -> String {
    let mut out = format!("## Regression check: `{}`\n\n", report.metric);
    for w in warnings(report) {
        out.push_str(&format!("> **Warning:** {}\n\n", md_cell(&w)));
    }
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    out.push_str("|:---|---:|---:|---:|:---|:---|:---|\n");
    for (row, cells) in report.rows.iter().zip(cells(report)) {
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 && row.verdict.fails() {
                    format!("**{c}**")
                } else {
                    md_cell(c)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push_str(&format!(
        "\n**{}**: {}.\n\n{}.  \n{}.\n",
        outcome(report),
        counts(report),
        method(report),
        baseline_origin(report)
    ));
    out
}

/// `2.000 ± 1.000 (n=3)`, `0.5000 (n=1)`, `-` without a value.
fn stat_cell(stat: Option<Stat>) -> String {
    match stat {
        Some(s) => format!("{} (n={})", mean_std(Some(s.mean), s.std), s.n),
        None => "-".to_string(),
    }
}

fn change_cell(change: f64) -> String {
    if change.is_finite() {
        percent(change)
    } else if change > 0.0 {
        "+inf".to_string()
    } else {
        "-inf".to_string()
    }
}

/// The tests of the row, the one that decided it first (else the paired one):
/// `paired t on log ratios, 3 seeds, p = 0.003; Welch p = 0.074`,
/// `Welch, 3 + 3 seeds, p = 0.022; paired p = 0.068`, `-` without a test (tolerance alone,
/// or nothing to compare).
fn test_cell(row: &CheckRow) -> String {
    let paired = row.paired.map(|t| {
        (
            format!(
                "paired t on {}, {} seeds, {}",
                t.scale.as_str(),
                t.n,
                p_value(t.p)
            ),
            format!("paired {}", p_value(t.p)),
        )
    });
    let welch = row.welch.map(|t| {
        let seeds = match (row.baseline, row.now) {
            (Some(base), Some(now)) => format!(", {} + {} seeds", base.n, now.n),
            _ => String::new(),
        };
        (
            format!("Welch{seeds}, {}", p_value(t.p)),
            format!("Welch {}", p_value(t.p)),
        )
    });
    let (first, second) = if row.decided_by == Some(TestKind::Welch) {
        (welch, paired)
    } else {
        (paired, welch)
    };
    match (first, second) {
        (Some((long, _)), Some((_, short))) => format!("{long}; {short}"),
        (Some((long, _)), None) | (None, Some((long, _))) => long,
        (None, None) => "-".to_string(),
    }
}

/// `5%`, `2.5%`: the tolerance without float noise.
fn tolerance_percent(tolerance: f64) -> String {
    let text = format!("{:.4}", tolerance * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// A table cell that cannot break the markdown table.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::gate::test_fixtures::{base, base_seeds, now, now_seeds, seeded, HASH};
    use crate::analysis::gate::{check, DEFAULT_TOLERANCE};
    use crate::analysis::metric::Metric;

    /// Decided by the paired test, by Welch's with a paired test beside it (the seeds'
    /// trajectories changed), by Welch's alone (a baseline row without seeds), by the
    /// tolerance alone (one seed); missing and new.
    fn mixed_report() -> CheckReport {
        check(
            &[
                now_seeds("lookback=5", &seeded(&[0.0229, 0.0172, 0.0274])),
                now_seeds("lookback=80", &seeded(&[0.2150, 0.1880, 0.2066])),
                now("lookback=40", 10.0, Some(1.0), 3),
                now("lookback=10", 1.02, None, 1),
                now("a|b", 0.5, None, 1),
            ],
            &[
                base_seeds("lookback=5", &seeded(&[0.0135, 0.0110, 0.0160])),
                base_seeds("lookback=80", &seeded(&[0.0587, 0.0343, 0.1156])),
                base("lookback=40", 1.0, Some(0.1), 3),
                base("lookback=10", 1.0, None, 1),
                base("lookback=20", 0.25, Some(0.05), 2),
            ],
            Metric::TEST_RMSE,
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap()
    }

    #[test]
    fn text_rendering_lines_up() {
        let text = render_text(&mixed_report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "Regression check: test_rmse (lower is better), mean ± std (n) over seeds; \
                 {TEST_NAME}; tolerance 5%"
            )
        );
        assert!(lines[0].contains("paired t-test") && lines[0].contains("or by Welch's"));
        assert_eq!(
            lines[1],
            "Baseline from runner 0.1.0, experiment hash h1; now experiment hash h1"
        );
        // The row without per-seed values in the baseline is worth a warning.
        assert!(
            lines[2]
                .starts_with("warning: the baseline has no per-seed values for 1 configuration"),
            "{}",
            lines[2]
        );
        // Which test decided each row first, with its p; the other test's p after it.
        assert_eq!(
            lines[4..11],
            [
                "config                    baseline                    now   change  test                                                         verdict    note",
                "lookback=5   0.0135 ± 0.0025 (n=3)  0.0225 ± 0.0051 (n=3)   +66.7%  paired t on log ratios, 3 seeds, p = 0.003; Welch p = 0.074  regressed",
                "lookback=80    0.070 ± 0.042 (n=3)    0.203 ± 0.014 (n=3)  +192.2%  Welch, 3 + 3 seeds, p = 0.022; paired p = 0.068              regressed",
                "lookback=40      1.00 ± 0.10 (n=3)       10.0 ± 1.0 (n=3)  +900.0%  Welch, 3 + 3 seeds, p = 0.004                                regressed",
                "lookback=10            1.000 (n=1)            1.020 (n=1)    +2.0%  -                                                            unchanged  tolerance alone (one seed on each side)",
                "lookback=20    0.250 ± 0.050 (n=2)                      -        -  -                                                            missing    not in the current results",
                "a|b                              -           0.5000 (n=1)        -  -                                                            new        not in the baseline",
            ]
        );
        assert_eq!(
            lines[12],
            "3 regressed, 1 missing, 0 improved, 1 unchanged, 1 new: FAILED"
        );
    }

    #[test]
    fn markdown_has_the_table_counts_test_and_tolerance() {
        let md = render_markdown(&mixed_report());
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "## Regression check: `test_rmse`");
        assert!(
            lines[2].starts_with("> **Warning:** the baseline has no per-seed values"),
            "{md}"
        );
        assert_eq!(
            lines[4],
            "| config | baseline | now | change | test | verdict | note |"
        );
        assert_eq!(lines[5], "|:---|---:|---:|---:|:---|:---|:---|");
        assert_eq!(
            lines[6..9],
            [
                "| lookback=5 | 0.0135 ± 0.0025 (n=3) | 0.0225 ± 0.0051 (n=3) | +66.7% | paired t on log ratios, 3 seeds, p = 0.003; Welch p = 0.074 | **regressed** |  |",
                "| lookback=80 | 0.070 ± 0.042 (n=3) | 0.203 ± 0.014 (n=3) | +192.2% | Welch, 3 + 3 seeds, p = 0.022; paired p = 0.068 | **regressed** |  |",
                "| lookback=40 | 1.00 ± 0.10 (n=3) | 10.0 ± 1.0 (n=3) | +900.0% | Welch, 3 + 3 seeds, p = 0.004 | **regressed** |  |",
            ]
        );
        // The pipe in a config label is escaped so the table keeps its columns.
        assert_eq!(
            lines[11],
            "| a\\|b | - | 0.5000 (n=1) | - | - | new | not in the baseline |"
        );
        assert!(md.contains("**FAILED**: 3 regressed, 1 missing, 0 improved, 1 unchanged, 1 new."));
        assert!(md.contains(&format!("{TEST_NAME}; tolerance 5%")));

        let pass = check(
            &[now("a", 1.0, None, 1)],
            &[base("a", 1.0, None, 1)],
            Metric::TEST_RMSE,
            0.025,
            HASH,
        )
        .unwrap();
        let md = render_markdown(&pass);
        assert!(md.contains("**PASSED**: 0 regressed, 0 missing, 0 improved, 1 unchanged, 0 new."));
        assert!(md.contains("tolerance 2.5%"));
        assert!(
            !md.contains("Warning"),
            "one seed: nothing to pair, no warning"
        );
    }

    #[test]
    fn p_and_tolerance_cells() {
        assert_eq!(p_value(0.0004), "p < 0.001");
        assert_eq!(p_value(0.0492), "p = 0.049");
        let r = mixed_report();
        let cells: Vec<String> = r.rows.iter().map(test_cell).collect();
        assert_eq!(
            cells,
            [
                "paired t on log ratios, 3 seeds, p = 0.003; Welch p = 0.074",
                "Welch, 3 + 3 seeds, p = 0.022; paired p = 0.068",
                "Welch, 3 + 3 seeds, p = 0.004",
                "-",
                "-",
                "-"
            ]
        );
        assert_eq!(tolerance_percent(0.05), "5%");
        assert_eq!(tolerance_percent(0.1), "10%");
        assert_eq!(tolerance_percent(0.0), "0%");
    }

    #[test]
    fn warnings_and_infinite_changes_in_words() {
        let other = check(
            &[now("a", 1.0, None, 1)],
            &[base("a", 1.0, None, 1)],
            Metric::TEST_RMSE,
            DEFAULT_TOLERANCE,
            "h2",
        )
        .unwrap();
        let w = warnings(&other);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with(
                "the baseline was written for experiment hash h1, this experiment's hash is h2"
            ),
            "{}",
            w[0]
        );
        assert!(render_text(&other).contains(&format!("warning: {}", w[0])));
        assert!(render_markdown(&other).contains("> **Warning:** the baseline was written"));

        // `check` refuses an empty baseline; a report without baseline values (built by hand)
        // still gets its warning worded.
        let mut only_new = check(
            &[now("fresh", 1.0, None, 1)],
            &[base("fresh", 1.0, None, 1)],
            Metric::TEST_RMSE,
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        only_new.baseline_hashes.clear();
        for row in &mut only_new.rows {
            row.baseline = None;
        }
        assert_eq!(
            warnings(&only_new),
            ["the baseline has no rows for test_rmse: every configuration is new"]
        );

        let from_zero = check(
            &[now("zero", 0.1, None, 1)],
            &[base("zero", 0.0, None, 1)],
            Metric::TEST_RMSE,
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        assert!(render_text(&from_zero).contains("+inf"));
        assert_eq!(
            counts(&from_zero),
            "1 regressed, 0 missing, 0 improved, 0 unchanged, 0 new"
        );
    }
}
