//! The regression gate's verdicts: each configuration's metric now against the baseline.
//!
//! A configuration regresses when its mean is worse than the baseline's by more than the
//! tolerance (a fraction of the baseline) AND, when both sides have at least two seeds, the
//! difference is significant by Welch's t-test (two-sided, 95%): a seed-noise wobble beyond
//! the tolerance is not a regression. With one seed on either side there is no spread to test
//! against, and the tolerance alone decides. Improvements are judged the same way.
//!
//! This module only compares and renders; running the experiment, reading the baseline file
//! and mapping [`CheckReport::passed`] to an exit code belong to the caller.

use std::fmt;

use anyhow::{bail, Result};

use super::baseline::BaselineRow;
use super::format::{config_name, mean_std, percent, text_table, Align};
use super::summary::{higher_is_better, ConfigSummary};
use super::welch::{welch_from_stats, Welch};

/// The default tolerance: 5% of the baseline's mean.
pub const DEFAULT_TOLERANCE: f64 = 0.05;
/// The significance level of the test: 95% confidence.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;
/// The test, as `--help`, the README and the report name it.
pub const TEST_NAME: &str = "Welch's t-test, two-sided, 95%";

/// What happened to one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Worse than the baseline beyond the tolerance (and significantly so when testable).
    Regressed,
    /// In the baseline, but not in the current results or without a value there.
    Missing,
    /// Better than the baseline beyond the tolerance (and significantly so when testable).
    Improved,
    /// Neither of the above.
    Unchanged,
    /// In the current results but not in the baseline.
    New,
}

impl Verdict {
    /// Every verdict, in the order the counts are reported.
    pub const ALL: [Verdict; 5] = [
        Verdict::Regressed,
        Verdict::Missing,
        Verdict::Improved,
        Verdict::Unchanged,
        Verdict::New,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Missing => "missing",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::New => "new",
        }
    }

    /// Whether this verdict fails the gate.
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Regressed | Verdict::Missing)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A metric over seeds: mean, sample std (ddof = 1, `None` below two values) and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub std: Option<f64>,
    pub n: usize,
}

/// One configuration of the check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub config: String,
    /// The baseline's value; `None` for a new configuration.
    pub baseline: Option<Stat>,
    /// The value now; `None` when missing (absent, every run failed, or no finite value).
    pub now: Option<Stat>,
    /// `(now - baseline) / |baseline|`: positive when the metric went up, whichever direction
    /// is better. `±inf` when the baseline is 0 and now is not. `None` without both values.
    pub change: Option<f64>,
    /// Welch's test of now against the baseline, when both sides have two or more seeds.
    pub welch: Option<Welch>,
    pub verdict: Verdict,
    /// Why, when the verdict needs explaining (empty otherwise): tolerance alone, beyond the
    /// tolerance but not significant, which kind of missing, failed runs.
    pub note: String,
}

/// The whole check: one row per configuration in the baseline or now, in the baseline's
/// order, then the new configurations in the order of `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub metric: String,
    /// Fraction of the baseline's mean, e.g. `0.05`.
    pub tolerance: f64,
    /// The current experiment's hash.
    pub experiment_hash: String,
    /// Distinct experiment hashes of the baseline's rows of `metric`, in file order.
    pub baseline_hashes: Vec<String>,
    /// Distinct runner versions of the baseline's rows of `metric`, in file order.
    pub baseline_versions: Vec<String>,
    pub rows: Vec<CheckRow>,
}

/// Compares the summaries of the current results with the baseline's rows of `metric`.
///
/// `tolerance` is a fraction of the baseline mean ([`DEFAULT_TOLERANCE`] = 5%). Baseline rows
/// of other metrics are ignored. A baseline written for another experiment hash is still
/// compared, and flagged in [`CheckReport::warnings`].
///
/// Errors (bad input, not a verdict): a negative or non-finite tolerance; a metric that the
/// current results do not have; a non-empty baseline without a row of `metric` (every
/// configuration would be "new" and the gate would pass on nothing).
pub fn check(
    now: &[ConfigSummary],
    baseline: &[BaselineRow],
    metric: &str,
    tolerance: f64,
    experiment_hash: &str,
) -> Result<CheckReport> {
    if !tolerance.is_finite() || tolerance < 0.0 {
        bail!("the tolerance must be a fraction >= 0 (0.05 is 5%), not {tolerance}");
    }
    if let Some(first) = now.first() {
        if first.metric(metric).is_none() {
            let names: Vec<&str> = first.metrics.iter().map(|m| m.name.as_str()).collect();
            bail!(
                "no metric {metric:?} in the current results (metrics there: {})",
                list_or_none(&names)
            );
        }
    }
    let base_rows: Vec<&BaselineRow> = baseline.iter().filter(|r| r.metric == metric).collect();
    if base_rows.is_empty() && !baseline.is_empty() {
        let names = distinct(baseline.iter().map(|r| r.metric.as_str()));
        bail!(
            "the baseline has no rows for metric {metric:?} (it has {}): check one of those \
             with --metric, or rewrite the baseline with --update",
            names.join(", ")
        );
    }

    let lower_better = !higher_is_better(metric);
    let mut rows = Vec::new();
    for base in &base_rows {
        let base_stat = Stat {
            mean: base.mean,
            std: base.std,
            n: base.n,
        };
        let row = match now.iter().find(|s| s.config == base.config) {
            None => missing(base, base_stat, "not in the current results".to_string()),
            Some(s) if s.n == 0 => missing(
                base,
                base_stat,
                format!("every run failed ({} of {})", s.n_failed, s.n_failed),
            ),
            Some(s) => match stat_now(s, metric) {
                None => missing(
                    base,
                    base_stat,
                    format!("no finite {metric} in {}", plural(s.n, "successful run")),
                ),
                Some(now_stat) => {
                    let mut row =
                        compare(&base.config, base_stat, now_stat, lower_better, tolerance);
                    add_note(&mut row.note, &failed_note(s));
                    // Seeds that trained in the baseline and fail now are a regression of
                    // their own, whatever the surviving seeds score.
                    if s.n_failed > 0 && s.n < base.n {
                        row.verdict = Verdict::Regressed;
                        add_note(
                            &mut row.note,
                            &format!("the baseline had {} successful", base.n),
                        );
                    }
                    row
                }
            },
        };
        rows.push(row);
    }
    for s in now
        .iter()
        .filter(|s| !base_rows.iter().any(|b| b.config == s.config))
    {
        let mut note = "not in the baseline".to_string();
        if s.n == 0 {
            add_note(&mut note, "every run failed");
        } else {
            add_note(&mut note, &failed_note(s));
        }
        rows.push(CheckRow {
            config: s.config.clone(),
            baseline: None,
            now: stat_now(s, metric),
            change: None,
            welch: None,
            verdict: Verdict::New,
            note,
        });
    }

    Ok(CheckReport {
        metric: metric.to_string(),
        tolerance,
        experiment_hash: experiment_hash.to_string(),
        baseline_hashes: distinct(base_rows.iter().map(|r| r.experiment_hash.as_str())),
        baseline_versions: distinct(base_rows.iter().map(|r| r.runner_version.as_str())),
        rows,
    })
}

/// The verdict for a configuration present on both sides.
fn compare(config: &str, base: Stat, now: Stat, lower_better: bool, tolerance: f64) -> CheckRow {
    let change = if base.mean != 0.0 {
        (now.mean - base.mean) / base.mean.abs()
    } else if now.mean == base.mean {
        0.0
    } else {
        (now.mean - base.mean).signum() * f64::INFINITY
    };
    // Positive when now is worse, in fractions of the baseline.
    let worse_by = if lower_better { change } else { -change };
    let welch = match (base.std, now.std) {
        (Some(base_std), Some(now_std)) => {
            welch_from_stats(now.mean, now_std, now.n, base.mean, base_std, base.n)
        }
        _ => None,
    };

    let beyond = if worse_by > tolerance {
        Some(Verdict::Regressed)
    } else if worse_by < -tolerance {
        Some(Verdict::Improved)
    } else {
        None
    };
    let mut note = String::new();
    let verdict = match (beyond, welch) {
        (None, Some(w)) if w.significant(SIGNIFICANCE_LEVEL) => {
            note.push_str("significant, but within the tolerance");
            Verdict::Unchanged
        }
        (None, _) => Verdict::Unchanged,
        (Some(v), Some(w)) if w.significant(SIGNIFICANCE_LEVEL) => v,
        (Some(v), Some(_)) => {
            let way = if v == Verdict::Regressed {
                "worse"
            } else {
                "better"
            };
            note.push_str(&format!(
                "{way} beyond the tolerance, but not significant (p >= {SIGNIFICANCE_LEVEL})"
            ));
            Verdict::Unchanged
        }
        (Some(v), None) => v,
    };
    if welch.is_none() {
        add_note(&mut note, &tolerance_alone_note(base, now));
    }
    CheckRow {
        config: config.to_string(),
        baseline: Some(base),
        now: Some(now),
        change: Some(change),
        welch,
        verdict,
        note,
    }
}

fn missing(base: &BaselineRow, base_stat: Stat, note: String) -> CheckRow {
    CheckRow {
        config: base.config.clone(),
        baseline: Some(base_stat),
        now: None,
        change: None,
        welch: None,
        verdict: Verdict::Missing,
        note,
    }
}

/// The configuration's value of `metric` now. `n` counts the values behind the mean: the
/// successful runs, or 1 when the summary has a mean but no spread (one finite value), as in
/// [`baseline_rows`](super::baseline::baseline_rows).
fn stat_now(s: &ConfigSummary, metric: &str) -> Option<Stat> {
    let mean = s.mean(metric)?;
    let std = s.std(metric);
    let n = if std.is_some() { s.n.max(2) } else { 1 };
    Some(Stat { mean, std, n })
}

fn tolerance_alone_note(base: Stat, now: Stat) -> String {
    let which = match (base.n < 2, now.n < 2) {
        (true, true) => "one seed on each side",
        (true, false) => "one seed in the baseline",
        (false, true) => "one seed now",
        // Both have two or more values, yet no test: a statistic was not finite.
        (false, false) => "no test possible",
    };
    format!("tolerance alone ({which})")
}

fn failed_note(s: &ConfigSummary) -> String {
    if s.n_failed == 0 {
        return String::new();
    }
    let total = s.n + s.n_failed;
    format!("{} of {total} runs failed", s.n_failed)
}

fn add_note(note: &mut String, more: &str) {
    if more.is_empty() {
        return;
    }
    if !note.is_empty() {
        note.push_str("; ");
    }
    note.push_str(more);
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

const HEADERS: [&str; 7] = [
    "config", "baseline", "now", "change", "p", "verdict", "note",
];

impl CheckReport {
    /// Nothing regressed and nothing is missing.
    pub fn passed(&self) -> bool {
        !self.rows.iter().any(|r| r.verdict.fails())
    }

    /// How many rows have verdict `v`.
    pub fn count(&self, v: Verdict) -> usize {
        self.rows.iter().filter(|r| r.verdict == v).count()
    }

    /// Whether a baseline row of the metric was written for another experiment hash.
    pub fn hash_mismatch(&self) -> bool {
        self.baseline_hashes
            .iter()
            .any(|h| *h != self.experiment_hash)
    }

    /// Things the reader must know before trusting the verdicts: a baseline from another
    /// experiment hash, an empty baseline.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.hash_mismatch() {
            out.push(format!(
                "the baseline was written for experiment hash {}, this experiment's hash is {}: \
                 the experiment changed since, so the configurations may not be comparable \
                 (compared anyway; rewrite the baseline with --update if the change is intended)",
                self.baseline_hashes.join(", "),
                self.experiment_hash
            ));
        }
        if self.rows.iter().all(|r| r.baseline.is_none()) {
            out.push(format!(
                "the baseline has no rows for {}: every configuration is new",
                self.metric
            ));
        }
        out
    }

    /// `1 regressed, 0 missing, 2 improved, 3 unchanged, 1 new`.
    pub fn counts(&self) -> String {
        Verdict::ALL
            .iter()
            .map(|&v| format!("{} {v}", self.count(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn outcome(&self) -> &'static str {
        if self.passed() {
            "PASSED"
        } else {
            "FAILED"
        }
    }

    /// One line saying what was compared and how.
    fn method(&self) -> String {
        let direction = if higher_is_better(&self.metric) {
            "higher is better"
        } else {
            "lower is better"
        };
        format!(
            "{} ({direction}), mean ± std (n) over seeds; {TEST_NAME}; tolerance {}",
            self.metric,
            tolerance_percent(self.tolerance)
        )
    }

    fn baseline_origin(&self) -> String {
        let or_unknown = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        format!(
            "Baseline from runner {}, experiment hash {}; now experiment hash {}",
            or_unknown(&self.baseline_versions),
            or_unknown(&self.baseline_hashes),
            self.experiment_hash
        )
    }

    fn cells(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                vec![
                    config_name(&r.config),
                    stat_cell(r.baseline),
                    stat_cell(r.now),
                    r.change.map_or("-".to_string(), change_cell),
                    r.welch.map_or("-".to_string(), |w| p_cell(w.p)),
                    r.verdict.to_string(),
                    r.note.clone(),
                ]
            })
            .collect()
    }

    /// The check as aligned text for a terminal or CI log: what was compared, warnings, the
    /// table, the counts and PASSED or FAILED.
    pub fn render_text(&self) -> String {
        let mut out = format!("Regression check: {}\n", self.method());
        out.push_str(&self.baseline_origin());
        out.push('\n');
        for w in self.warnings() {
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
                Align::Right,
                Align::Left,
                Align::Left,
            ],
            &self.cells(),
        ));
        out.push_str(&format!("\n{}: {}\n", self.counts(), self.outcome()));
        out
    }

    /// The check as markdown (for `check.md` and `$GITHUB_STEP_SUMMARY`): a heading, the
    /// warnings as a quote, the table, the outcome with the verdict counts, the test and the
    /// tolerance.
    pub fn render_markdown(&self) -> String {
        let mut out = format!("## Regression check: `{}`\n\n", self.metric);
        for w in self.warnings() {
            out.push_str(&format!("> **Warning:** {}\n\n", md_cell(&w)));
        }
        out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
        out.push_str("|:---|---:|---:|---:|---:|:---|:---|\n");
        for (row, cells) in self.rows.iter().zip(self.cells()) {
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
            self.outcome(),
            self.counts(),
            self.method(),
            self.baseline_origin()
        ));
        out
    }
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

/// `0.034`, `<0.001`.
fn p_cell(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
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
    use crate::results::summary::MetricSummary;

    const HASH: &str = "h1";

    /// A summary of config `config` with `test_rmse` and `test_r2` values over `n` runs.
    fn summary(
        config: &str,
        n: usize,
        n_failed: usize,
        rmse: Stat,
        r2: Option<Stat>,
    ) -> ConfigSummary {
        let metric = |name: &str, s: Option<Stat>| MetricSummary {
            name: name.to_string(),
            mean: s.map(|s| s.mean),
            std: s.and_then(|s| s.std),
        };
        let has_rmse = n > 0;
        ConfigSummary {
            rank: 1,
            config: config.to_string(),
            params: vec![],
            n,
            n_failed,
            run_ids: vec![],
            metrics: vec![
                metric("test_rmse", has_rmse.then_some(rmse)),
                metric("test_r2", r2),
            ],
        }
    }

    fn stat(mean: f64, std: Option<f64>, n: usize) -> Stat {
        Stat { mean, std, n }
    }

    fn now(config: &str, mean: f64, std: Option<f64>, n: usize) -> ConfigSummary {
        summary(config, n, 0, stat(mean, std, n), None)
    }

    fn base(config: &str, mean: f64, std: Option<f64>, n: usize) -> BaselineRow {
        BaselineRow {
            config: config.to_string(),
            metric: "test_rmse".to_string(),
            mean,
            std,
            n,
            runner_version: "0.1.0".to_string(),
            experiment_hash: HASH.to_string(),
        }
    }

    fn row<'a>(report: &'a CheckReport, config: &str) -> &'a CheckRow {
        report
            .rows
            .iter()
            .find(|r| r.config == config)
            .unwrap_or_else(|| panic!("no row {config}"))
    }

    #[test]
    fn ten_times_worse_over_three_seeds_regresses() {
        // Baseline 1.0 ± 0.1 (3), now 10 ± 1 (3): change +900%. se² = 1/3 + 0.01/3 = 0.33667,
        // t = 9 / 0.58023 = 15.511; df = 0.33667² / ((1/3)²/2 + (0.01/3)²/2) = 2.04 -> p ≈ 0.004.
        let report = check(
            &[now("lr", 10.0, Some(1.0), 3)],
            &[base("lr", 1.0, Some(0.1), 3)],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let r = &report.rows[0];
        assert_eq!(r.verdict, Verdict::Regressed);
        assert!((r.change.unwrap() - 9.0).abs() < 1e-12);
        let w = r.welch.unwrap();
        assert!((w.t - 15.511).abs() < 1e-3, "{w:?}");
        assert!((w.df - 2.0398).abs() < 1e-3, "{w:?}");
        assert!(w.p < 0.01, "{w:?}");
        assert_eq!(r.note, "");
        assert!(!report.passed());
        assert!(report.warnings().is_empty());
    }

    #[test]
    fn within_tolerance_is_unchanged_even_when_significant() {
        // 3% worse with tiny spread: t = 0.03 / sqrt(2 * 0.001² / 3) = 36.7, p < 0.001, yet
        // within the 5% tolerance.
        let report = check(
            &[now("a", 1.03, Some(0.001), 3), now("b", 1.03, Some(0.2), 3)],
            &[base("a", 1.0, Some(0.001), 3), base("b", 1.0, Some(0.2), 3)],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let a = row(&report, "a");
        assert_eq!(a.verdict, Verdict::Unchanged);
        assert!(a.welch.unwrap().p < 0.001);
        assert_eq!(a.note, "significant, but within the tolerance");
        let b = row(&report, "b");
        assert_eq!(b.verdict, Verdict::Unchanged);
        assert_eq!(b.note, "");
        assert!(report.passed());
    }

    #[test]
    fn beyond_tolerance_but_within_noise_is_unchanged_with_a_note() {
        // 20% worse, spread 0.5 on 3 seeds each: se = sqrt(2 * 0.25 / 3) = 0.40825,
        // t = 0.2 / 0.40825 = 0.4899, df = 4, p (t table, df 4) ≈ 0.65.
        let report = check(
            &[
                now("noisy", 1.2, Some(0.5), 3),
                now("better", 0.7, Some(0.5), 3),
            ],
            &[
                base("noisy", 1.0, Some(0.5), 3),
                base("better", 1.0, Some(0.5), 3),
            ],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let r = row(&report, "noisy");
        assert_eq!(r.verdict, Verdict::Unchanged);
        assert!((r.change.unwrap() - 0.2).abs() < 1e-12);
        let w = r.welch.unwrap();
        assert!((w.t - 0.489_898).abs() < 1e-6 && (w.df - 4.0).abs() < 1e-12);
        assert!((w.p - 0.6497).abs() < 1e-3, "{w:?}");
        assert_eq!(
            r.note,
            "worse beyond the tolerance, but not significant (p >= 0.05)"
        );
        // 30% better, equally noisy: not an improvement either.
        let b = row(&report, "better");
        assert_eq!(b.verdict, Verdict::Unchanged);
        assert!(b
            .note
            .starts_with("better beyond the tolerance, but not significant"));
        assert!(report.passed());
    }

    #[test]
    fn one_seed_configs_go_by_the_tolerance_alone() {
        let report = check(
            &[
                // 6% worse, one seed each: regressed.
                now("six", 1.06, None, 1),
                // 4% worse: unchanged.
                now("four", 1.04, None, 1),
                // 20% better, one seed now against three in the baseline: improved.
                now("better", 0.8, None, 1),
                // 10% worse with three seeds now, one in the baseline: regressed.
                now("ten", 1.1, Some(0.3), 3),
            ],
            &[
                base("six", 1.0, None, 1),
                base("four", 1.0, None, 1),
                base("better", 1.0, Some(0.5), 3),
                base("ten", 1.0, None, 1),
            ],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let verdicts: Vec<(Verdict, &str)> = report
            .rows
            .iter()
            .map(|r| (r.verdict, r.note.as_str()))
            .collect();
        assert_eq!(
            verdicts,
            [
                (
                    Verdict::Regressed,
                    "tolerance alone (one seed on each side)"
                ),
                (
                    Verdict::Unchanged,
                    "tolerance alone (one seed on each side)"
                ),
                (Verdict::Improved, "tolerance alone (one seed now)"),
                (
                    Verdict::Regressed,
                    "tolerance alone (one seed in the baseline)"
                ),
            ]
        );
        assert!(report.rows.iter().all(|r| r.welch.is_none()));
        assert_eq!(report.count(Verdict::Regressed), 2);
        assert!(!report.passed());
        // A wider tolerance lets 6% through.
        let loose = check(
            &[now("six", 1.06, None, 1)],
            &[base("six", 1.0, None, 1)],
            "test_rmse",
            0.1,
            HASH,
        )
        .unwrap();
        assert_eq!(loose.rows[0].verdict, Verdict::Unchanged);
        assert!(loose.passed());
    }

    #[test]
    fn r2_is_better_when_higher() {
        let r2_now = |config: &str, v: f64| {
            summary(config, 1, 0, stat(1.0, None, 1), Some(stat(v, None, 1)))
        };
        let r2_base = |config: &str, v: f64| BaselineRow {
            metric: "test_r2".to_string(),
            ..base(config, v, None, 1)
        };
        // 0.9 -> 0.8: change (0.8 - 0.9) / 0.9 = -11.1%, worse for r2. 0.9 -> 0.99: +10%,
        // better. A negative baseline -0.5 -> -0.4: change +20% of |-0.5|, better.
        let report = check(
            &[r2_now("down", 0.8), r2_now("up", 0.99), r2_now("neg", -0.4)],
            &[
                r2_base("down", 0.9),
                r2_base("up", 0.9),
                r2_base("neg", -0.5),
            ],
            "test_r2",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let down = row(&report, "down");
        assert_eq!(down.verdict, Verdict::Regressed);
        assert!((down.change.unwrap() + 0.1 / 0.9).abs() < 1e-12);
        assert_eq!(row(&report, "up").verdict, Verdict::Improved);
        let neg = row(&report, "neg");
        assert_eq!(neg.verdict, Verdict::Improved);
        assert!((neg.change.unwrap() - 0.2).abs() < 1e-12);
        // The rmse baseline rows of the same file are ignored for r2, and vice versa.
        assert_eq!(report.rows.len(), 3);
    }

    #[test]
    fn new_and_missing_configs_say_why() {
        let report = check(
            &[
                now("kept", 1.0, None, 1),
                now("added", 2.0, None, 1),
                // Every run of a baseline config failed.
                summary("broken", 0, 3, stat(0.0, None, 0), None),
                // Two of three runs ok, one failed, where the baseline had three: regressed.
                summary("flaky", 2, 1, stat(1.0, Some(0.1), 2), None),
                // Two ok and one failed, as in the baseline: compared, and noted.
                summary("steady", 2, 1, stat(1.0, Some(0.1), 2), None),
            ],
            &[
                base("kept", 1.0, None, 1),
                base("gone", 1.0, None, 1),
                base("broken", 1.0, None, 1),
                base("flaky", 1.0, Some(0.1), 3),
                base("steady", 1.0, Some(0.1), 2),
            ],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let seen: Vec<(&str, Verdict, &str)> = report
            .rows
            .iter()
            .map(|r| (r.config.as_str(), r.verdict, r.note.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "kept",
                    Verdict::Unchanged,
                    "tolerance alone (one seed on each side)"
                ),
                ("gone", Verdict::Missing, "not in the current results"),
                ("broken", Verdict::Missing, "every run failed (3 of 3)"),
                (
                    "flaky",
                    Verdict::Regressed,
                    "1 of 3 runs failed; the baseline had 3 successful"
                ),
                ("steady", Verdict::Unchanged, "1 of 3 runs failed"),
                ("added", Verdict::New, "not in the baseline"),
            ]
        );
        assert_eq!(row(&report, "gone").baseline, Some(stat(1.0, None, 1)));
        assert_eq!(row(&report, "gone").now, None);
        assert_eq!(row(&report, "added").now, Some(stat(2.0, None, 1)));
        assert_eq!(
            (report.count(Verdict::Missing), report.count(Verdict::New)),
            (2, 1)
        );
        assert!(!report.passed());
        assert_eq!(
            report.counts(),
            "1 regressed, 2 missing, 0 improved, 2 unchanged, 1 new"
        );

        // A config whose runs succeeded without a finite value of the metric is missing too.
        let no_value = check(
            &[summary("nan", 2, 0, stat(0.0, None, 0), None)],
            &[BaselineRow {
                metric: "test_r2".to_string(),
                ..base("nan", 0.5, None, 1)
            }],
            "test_r2",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        assert_eq!(no_value.rows[0].verdict, Verdict::Missing);
        assert_eq!(
            no_value.rows[0].note,
            "no finite test_r2 in 2 successful runs"
        );

        // New configs alone pass; an all-failed new config is still only new.
        let only_new = check(
            &[summary("fresh", 0, 2, stat(0.0, None, 0), None)],
            &[],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        assert_eq!(
            only_new.rows[0].note,
            "not in the baseline; every run failed"
        );
        assert!(only_new.passed());
        assert_eq!(
            only_new.warnings(),
            ["the baseline has no rows for test_rmse: every configuration is new"]
        );
    }

    #[test]
    fn another_experiment_hash_is_compared_and_flagged() {
        let report = check(
            &[now("a", 1.0, None, 1)],
            &[base("a", 1.0, None, 1)],
            "test_rmse",
            DEFAULT_TOLERANCE,
            "h2",
        )
        .unwrap();
        assert!(report.hash_mismatch());
        assert_eq!(report.rows[0].verdict, Verdict::Unchanged);
        assert!(report.passed());
        let warnings = report.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "the baseline was written for experiment hash h1, this experiment's hash is h2"
            ),
            "{}",
            warnings[0]
        );
        assert!(report
            .render_text()
            .contains(&format!("warning: {}", warnings[0])));
        assert!(report
            .render_markdown()
            .contains("> **Warning:** the baseline was written"));
    }

    #[test]
    fn zero_baseline_and_constant_seeds() {
        let report = check(
            &[
                now("zero", 0.1, None, 1),
                now("still_zero", 0.0, None, 1),
                // Identical constants over seeds (a fully deterministic run): not different.
                now("same", 2.0, Some(0.0), 3),
                // Different constants: significant, and 10% worse.
                now("shifted", 2.2, Some(0.0), 3),
            ],
            &[
                base("zero", 0.0, None, 1),
                base("still_zero", 0.0, None, 1),
                base("same", 2.0, Some(0.0), 3),
                base("shifted", 2.0, Some(0.0), 3),
            ],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap();
        let zero = row(&report, "zero");
        assert_eq!(
            (zero.verdict, zero.change),
            (Verdict::Regressed, Some(f64::INFINITY))
        );
        let still = row(&report, "still_zero");
        assert_eq!(
            (still.verdict, still.change),
            (Verdict::Unchanged, Some(0.0))
        );
        let same = row(&report, "same");
        assert_eq!(
            (same.verdict, same.welch.unwrap().p),
            (Verdict::Unchanged, 1.0)
        );
        let shifted = row(&report, "shifted");
        assert_eq!(
            (shifted.verdict, shifted.welch.unwrap().p),
            (Verdict::Regressed, 0.0)
        );
        assert!(report.render_text().contains("+inf"));
    }

    #[test]
    fn bad_tolerance_metric_or_baseline_is_an_error() {
        let now_rows = [now("a", 1.0, None, 1)];
        let base_rows = [base("a", 1.0, None, 1)];
        for tol in [-0.1, f64::NAN, f64::INFINITY] {
            let err = check(&now_rows, &base_rows, "test_rmse", tol, HASH).unwrap_err();
            assert!(
                err.to_string()
                    .contains("the tolerance must be a fraction >= 0"),
                "{err}"
            );
        }
        let err = check(&now_rows, &base_rows, "test_rmsee", 0.05, HASH).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no metric \"test_rmsee\" in the current results (metrics there: test_rmse, test_r2)"
        );
        let err = check(&now_rows, &base_rows, "test_r2", 0.05, HASH).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the baseline has no rows for metric \"test_r2\" (it has test_rmse)"),
            "{err}"
        );
    }

    fn mixed_report() -> CheckReport {
        check(
            &[
                now("lookback=5", 10.0, Some(1.0), 3),
                now("lookback=10", 1.02, None, 1),
                now("a|b", 0.5, None, 1),
            ],
            &[
                base("lookback=5", 1.0, Some(0.1), 3),
                base("lookback=10", 1.0, None, 1),
                base("lookback=20", 0.25, Some(0.05), 2),
            ],
            "test_rmse",
            DEFAULT_TOLERANCE,
            HASH,
        )
        .unwrap()
    }

    #[test]
    fn text_rendering_lines_up() {
        let text = mixed_report().render_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Regression check: test_rmse (lower is better), mean ± std (n) over seeds; \
             Welch's t-test, two-sided, 95%; tolerance 5%"
        );
        assert_eq!(
            lines[1],
            "Baseline from runner 0.1.0, experiment hash h1; now experiment hash h1"
        );
        assert_eq!(
            lines[3..8],
            [
                "config                     baseline                  now   change      p  verdict    note",
                "lookback=5     1.000 ± 0.1000 (n=3)  10.00 ± 1.000 (n=3)  +900.0%  0.004  regressed",
                "lookback=10             1.000 (n=1)          1.020 (n=1)    +2.0%      -  unchanged  tolerance alone (one seed on each side)",
                "lookback=20  0.2500 ± 0.05000 (n=2)                    -        -      -  missing    not in the current results",
                "a|b                               -         0.5000 (n=1)        -      -  new        not in the baseline",
            ]
        );
        assert_eq!(
            lines[9],
            "1 regressed, 1 missing, 0 improved, 1 unchanged, 1 new: FAILED"
        );
    }

    #[test]
    fn markdown_has_the_table_counts_test_and_tolerance() {
        let md = mixed_report().render_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "## Regression check: `test_rmse`");
        assert_eq!(
            lines[2],
            "| config | baseline | now | change | p | verdict | note |"
        );
        assert_eq!(lines[3], "|:---|---:|---:|---:|---:|:---|:---|");
        assert_eq!(
            lines[4],
            "| lookback=5 | 1.000 ± 0.1000 (n=3) | 10.00 ± 1.000 (n=3) | +900.0% | 0.004 | **regressed** |  |"
        );
        // The pipe in a config label is escaped so the table keeps its columns.
        assert_eq!(
            lines[7],
            "| a\\|b | - | 0.5000 (n=1) | - | - | new | not in the baseline |"
        );
        assert!(md.contains("**FAILED**: 1 regressed, 1 missing, 0 improved, 1 unchanged, 1 new."));
        assert!(md.contains("Welch's t-test, two-sided, 95%; tolerance 5%"));
        assert!(!md.contains("Warning"));

        let pass = check(
            &[now("a", 1.0, None, 1)],
            &[base("a", 1.0, None, 1)],
            "test_rmse",
            0.025,
            HASH,
        )
        .unwrap();
        let md = pass.render_markdown();
        assert!(md.contains("**PASSED**: 0 regressed, 0 missing, 0 improved, 1 unchanged, 0 new."));
        assert!(md.contains("tolerance 2.5%"));
    }

    #[test]
    fn verdict_names_and_p_cells() {
        let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            ["regressed", "missing", "improved", "unchanged", "new"]
        );
        assert!(Verdict::Regressed.fails() && Verdict::Missing.fails());
        assert!(!Verdict::Improved.fails() && !Verdict::New.fails() && !Verdict::Unchanged.fails());
        assert_eq!(p_cell(0.0004), "<0.001");
        assert_eq!(p_cell(0.0492), "0.049");
        assert_eq!(tolerance_percent(0.05), "5%");
        assert_eq!(tolerance_percent(0.1), "10%");
        assert_eq!(tolerance_percent(0.0), "0%");
    }
}
