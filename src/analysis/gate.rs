//! The regression gate's verdicts: each configuration's metric now against the baseline.
//!
//! A configuration regresses when its mean is worse than the baseline's by more than the
//! tolerance (a fraction of the baseline) AND, when both sides have at least two seeds, the
//! difference is significant by Welch's t-test (two-sided, 95%): a seed-noise wobble beyond
//! the tolerance is not a regression. With one seed on either side there is no spread to test
//! against, and the tolerance alone decides. Improvements are judged the same way.
//!
//! This module only decides: the baseline rows a finished sweep would record
//! ([`baseline_rows`]) and the verdicts against a recorded baseline ([`check`]). Reading and
//! writing the baseline file is `store::gate_file`'s, rendering the verdicts
//! `render::gate`'s, mapping [`CheckReport::passed`] to an exit code the caller's.

use std::fmt;

use anyhow::{bail, Result};

use super::metric::Metric;
use super::stats::relative_change;
use super::summary::ConfigSummary;
use super::welch::{welch_from_stats, Welch};
use crate::store::gate_file::BaselineRow;

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
    pub metric: Metric,
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
/// compared, and flagged by [`CheckReport::hash_mismatch`].
///
/// Errors (bad input, not a verdict): a negative or non-finite tolerance; a metric that the
/// current results do not have; a non-empty baseline without a row of `metric` (every
/// configuration would be "new" and the gate would pass on nothing).
pub fn check(
    now: &[ConfigSummary],
    baseline: &[BaselineRow],
    metric: Metric,
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
                "no metric \"{metric}\" in the current results (metrics there: {})",
                list_or_none(&names)
            );
        }
    }
    let column = metric.column();
    let base_rows: Vec<&BaselineRow> = baseline.iter().filter(|r| r.metric == column).collect();
    if base_rows.is_empty() && !baseline.is_empty() {
        let names = distinct(baseline.iter().map(|r| r.metric.as_str()));
        bail!(
            "the baseline has no rows for metric \"{metric}\" (it has {}): check one of those \
             with --metric, or rewrite the baseline with --update",
            names.join(", ")
        );
    }

    let lower_better = !metric.higher_is_better();
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
        metric,
        tolerance,
        experiment_hash: experiment_hash.to_string(),
        baseline_hashes: distinct(base_rows.iter().map(|r| r.experiment_hash.as_str())),
        baseline_versions: distinct(base_rows.iter().map(|r| r.runner_version.as_str())),
        rows,
    })
}

/// Baseline rows of `metric` from the summaries of a finished experiment, sorted by config
/// label so that a rewritten baseline diffs cleanly.
///
/// A configuration without a mean of `metric` (every run failed, or no finite value) has
/// nothing to record and is left out: compare the length with `summaries` to warn about it.
/// `n` counts the values behind the mean, as [`check`] counts them now.
pub fn baseline_rows(
    summaries: &[ConfigSummary],
    metric: Metric,
    runner_version: &str,
    experiment_hash: &str,
) -> Vec<BaselineRow> {
    let mut rows: Vec<BaselineRow> = summaries
        .iter()
        .filter_map(|s| {
            let stat = stat_now(s, metric)?;
            Some(BaselineRow {
                config: s.config.clone(),
                metric: metric.column(),
                mean: stat.mean,
                std: stat.std,
                n: stat.n,
                runner_version: runner_version.to_string(),
                experiment_hash: experiment_hash.to_string(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.config.cmp(&b.config));
    rows
}

/// The verdict for a configuration present on both sides.
fn compare(config: &str, base: Stat, now: Stat, lower_better: bool, tolerance: f64) -> CheckRow {
    let change = relative_change(base.mean, now.mean);
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
fn stat_now(s: &ConfigSummary, metric: Metric) -> Option<Stat> {
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
}

#[cfg(test)]
pub(crate) mod test_fixtures {
    use super::*;
    use crate::analysis::summary::MetricSummary;

    pub const HASH: &str = "h1";

    /// A summary of config `config` with `test_rmse` and `test_r2` values over `n` runs.
    pub fn summary(
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

    pub fn stat(mean: f64, std: Option<f64>, n: usize) -> Stat {
        Stat { mean, std, n }
    }

    pub fn now(config: &str, mean: f64, std: Option<f64>, n: usize) -> ConfigSummary {
        summary(config, n, 0, stat(mean, std, n), None)
    }

    pub fn base(config: &str, mean: f64, std: Option<f64>, n: usize) -> BaselineRow {
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
}

#[cfg(test)]
mod tests {
    use super::test_fixtures::*;
    use super::*;
    use crate::analysis::summary::summarize;
    // The verdicts' wording is checked here too, where each case is set up.
    use crate::analysis::metric::{Measure, Split};
    use crate::render::gate::{counts, render_markdown, render_text, warnings};
    use crate::store::records::RunStatus;
    use crate::store::test_support::{ok, run};

    const RMSE: Metric = Metric::TEST_RMSE;
    const R2: Metric = Metric::network(Split::Test, Measure::R2);

    #[test]
    fn rows_come_from_summaries_sorted_by_config() {
        let runs = vec![
            // lookback=5: rmse 1, 2, 3 -> 2 ± 1 over 3.
            ok(5, 1, 1.0, 0.5),
            ok(5, 2, 2.0, 0.6),
            ok(5, 3, 3.0, 0.7),
            // lookback=10: one seed, 0.5.
            ok(10, 1, 0.5, 0.9),
            // lookback=20: every run failed, so no row.
            run(20, 1, RunStatus::Failed, &[]),
        ];
        let summaries = summarize(&runs, RMSE);
        let rows = baseline_rows(&summaries, RMSE, "0.1.0", HASH);
        assert_eq!(
            rows,
            [
                base("lookback=10", 0.5, None, 1),
                base("lookback=5", 2.0, Some(1.0), 3)
            ]
        );
        let r2 = baseline_rows(&summaries, R2, "0.1.0", HASH);
        assert_eq!(r2.len(), 2);
        assert_eq!(r2[1].metric, "test_r2");
        assert!((r2[1].mean - 0.6).abs() < 1e-12);
        assert!(baseline_rows(
            &summaries,
            Metric::network(Split::Test, Measure::Mae),
            "0.1.0",
            HASH
        )
        .is_empty());
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
            RMSE,
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
        assert!(warnings(&report).is_empty());
    }

    #[test]
    fn within_tolerance_is_unchanged_even_when_significant() {
        // 3% worse with tiny spread: t = 0.03 / sqrt(2 * 0.001² / 3) = 36.7, p < 0.001, yet
        // within the 5% tolerance.
        let report = check(
            &[now("a", 1.03, Some(0.001), 3), now("b", 1.03, Some(0.2), 3)],
            &[base("a", 1.0, Some(0.001), 3), base("b", 1.0, Some(0.2), 3)],
            RMSE,
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
            RMSE,
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
            RMSE,
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
            RMSE,
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
            R2,
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
            RMSE,
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
            counts(&report),
            "1 regressed, 2 missing, 0 improved, 2 unchanged, 1 new"
        );

        // A config whose runs succeeded without a finite value of the metric is missing too.
        let no_value = check(
            &[summary("nan", 2, 0, stat(0.0, None, 0), None)],
            &[BaselineRow {
                metric: "test_r2".to_string(),
                ..base("nan", 0.5, None, 1)
            }],
            R2,
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
            RMSE,
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
            warnings(&only_new),
            ["the baseline has no rows for test_rmse: every configuration is new"]
        );
    }

    #[test]
    fn another_experiment_hash_is_compared_and_flagged() {
        let report = check(
            &[now("a", 1.0, None, 1)],
            &[base("a", 1.0, None, 1)],
            RMSE,
            DEFAULT_TOLERANCE,
            "h2",
        )
        .unwrap();
        assert!(report.hash_mismatch());
        assert_eq!(report.rows[0].verdict, Verdict::Unchanged);
        assert!(report.passed());
        let warnings = warnings(&report);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "the baseline was written for experiment hash h1, this experiment's hash is h2"
            ),
            "{}",
            warnings[0]
        );
        assert!(render_text(&report).contains(&format!("warning: {}", warnings[0])));
        assert!(render_markdown(&report).contains("> **Warning:** the baseline was written"));
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
            RMSE,
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
        assert!(render_text(&report).contains("+inf"));
    }

    #[test]
    fn bad_tolerance_metric_or_baseline_is_an_error() {
        let now_rows = [now("a", 1.0, None, 1)];
        let base_rows = [base("a", 1.0, None, 1)];
        for tol in [-0.1, f64::NAN, f64::INFINITY] {
            let err = check(&now_rows, &base_rows, RMSE, tol, HASH).unwrap_err();
            assert!(
                err.to_string()
                    .contains("the tolerance must be a fraction >= 0"),
                "{err}"
            );
        }
        let mae = Metric::network(Split::Test, Measure::Mae);
        let err = check(&now_rows, &base_rows, mae, 0.05, HASH).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no metric \"test_mae\" in the current results (metrics there: test_rmse, test_r2)"
        );
        let err = check(&now_rows, &base_rows, R2, 0.05, HASH).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the baseline has no rows for metric \"test_r2\" (it has test_rmse)"),
            "{err}"
        );
    }

    #[test]
    fn verdict_names() {
        let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            ["regressed", "missing", "improved", "unchanged", "new"]
        );
        assert!(Verdict::Regressed.fails() && Verdict::Missing.fails());
        assert!(!Verdict::Improved.fails() && !Verdict::New.fails() && !Verdict::Unchanged.fails());
    }
}
