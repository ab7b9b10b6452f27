//! The regression gate's verdicts: each configuration's metric now against the baseline.
//!
//! A configuration regresses when its mean is worse than the baseline's by more than the
//! tolerance (a fraction of the baseline) AND the change is significant (two-sided, 95%): a
//! seed-noise wobble beyond the tolerance is not a regression. Improvements are judged the
//! same way. Significant means by either of two tests:
//!
//! - the **paired** t-test, when the baseline recorded its per-seed values and at least two
//!   of its seeds have a value now: a run and its baseline with the same seed share data,
//!   split and initial weights, so the test is on the per-seed changes
//!   ([`paired`](super::paired)), as log ratios `ln(now / base)` for an error metric whose
//!   values are all positive (a 20% regression is the same shift on every seed, whatever its
//!   level), as differences otherwise (R², skill, a zero error). It counts only when the
//!   seeds moved the way the means did;
//! - **Welch's** two-sample test on the means and spreads, when both sides have at least two
//!   seeds. A change to training reshuffles every seed's trajectory: the pairs then share
//!   nothing, and the paired test, with `n - 1` degrees of freedom where Welch's has up to
//!   `2n - 2`, catches less than Welch's (`examples/gate_power.rs` measures both and the
//!   union: it costs a little in false alarms).
//!
//! With one seed on either side there is no spread to test against, and the tolerance alone
//! decides.
//!
//! This module only decides: the baseline rows a finished sweep would record
//! ([`gate_rows`]) and the verdicts against a recorded baseline ([`check`]). Reading and
//! writing the baseline file is `store::gate_file`'s, rendering the verdicts
//! `render::check_text`'s, mapping [`CheckReport::passed`] to an exit code the caller's.

use std::fmt;

use anyhow::{bail, Result};

use super::metric::Metric;
use super::paired::{paired_t, Paired, Scale};
use super::stats::{mean_and_std, relative_change};
use super::summary::ConfigSummary;
use super::welch::{welch_from_stats, Welch};
use crate::store::gate_file::GateRow;

/// The default tolerance: 5% of the baseline's mean.
pub const DEFAULT_TOLERANCE: f64 = 0.05;
/// The significance level of each test: 95% confidence.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;
/// The test, as the README and the report name it.
pub const TEST_NAME: &str = "significant by a paired t-test on the shared seeds (log ratios, or \
     differences if higher is better or a value is <= 0) or by Welch's t-test; two-sided, 95%";

/// How far a baseline row's mean and std may be from those of its per-seed values, relative
/// to the larger (0.01%): a file written by `--update` agrees exactly, one written by hand
/// from figures rounded to 6 digits nearly, one with a hand-edited mean but not its seeds
/// does not.
const SEEDS_AGREE: f64 = 1e-4;

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

/// Which test made a change beyond the tolerance a regression or an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    Paired,
    Welch,
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
    /// The paired test on the seeds both sides have values of, when there are two or more.
    pub paired: Option<Paired>,
    /// Welch's test on the two sides' statistics, when both have two or more seeds.
    pub welch: Option<Welch>,
    /// The test whose significance made the verdict `Regressed` or `Improved`; `None` for
    /// other verdicts and when the tolerance alone decided.
    pub decided_by: Option<TestKind>,
    pub verdict: Verdict,
    /// Why, when the verdict needs explaining (empty otherwise): tolerance alone, beyond the
    /// tolerance but not significant, which kind of missing, failed runs.
    pub note: String,
}

/// Why the verdicts may not mean what they seem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// The baseline was written for another experiment hash: the configurations may differ.
    OtherExperiment,
    /// No baseline row of the metric: every configuration is new and the gate checks nothing.
    EveryConfigurationNew,
    /// Baseline rows of two or more seeds without per-seed values (written before runner
    /// recorded them): Welch's test alone decided where the paired one could have helped.
    BaselineWithoutSeeds,
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
    /// Configurations with two or more seeds on both sides whose baseline row has no per-seed
    /// values: Welch's test alone decided where the paired one could have helped.
    pub without_seeds: usize,
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
/// configuration would be "new" and the gate would pass on nothing); a baseline row whose
/// per-seed values do not have its mean or std (edited by hand on one side only).
pub fn check(
    now: &[ConfigSummary],
    baseline: &[GateRow],
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
    // Against nothing, every configuration would be "new" and the gate would pass unchecked.
    if baseline.is_empty() {
        bail!("the baseline has no rows: it would check nothing; write one with --update");
    }
    let base_rows: Vec<&GateRow> = baseline.iter().filter(|r| r.metric == column).collect();
    if base_rows.is_empty() {
        let names = distinct(baseline.iter().map(|r| r.metric.as_str()));
        bail!(
            "the baseline has no rows for metric \"{metric}\" (it has {}): check one of those \
             with --metric, or rewrite the baseline with --update",
            names.join(", ")
        );
    }
    for base in &base_rows {
        seeds_agree(base)?;
    }

    let lower_better = !metric.higher_is_better();
    let mut rows = Vec::new();
    let mut without_seeds = 0;
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
                    let by_seed = s.metric(metric).map_or(&[][..], |m| &m.by_seed[..]);
                    if base.seeds.is_empty() && base.n >= 2 && now_stat.n >= 2 {
                        without_seeds += 1;
                    }
                    let sides = Sides {
                        base: base_stat,
                        now: now_stat,
                        pairs: pairs(&base.seeds, by_seed),
                    };
                    let mut row = compare(&base.config, sides, lower_better, tolerance);
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
            paired: None,
            welch: None,
            decided_by: None,
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
        without_seeds,
        rows,
    })
}

/// Baseline rows of `metric` from the summaries of a finished experiment, sorted by config
/// label so that a rewritten baseline diffs cleanly.
///
/// A configuration without a mean of `metric` (every run failed, or no finite value) has
/// nothing to record and is left out: compare the length with `summaries` to warn about it.
/// `n` counts the values behind the mean, as [`check`] counts them now.
pub fn gate_rows(
    summaries: &[ConfigSummary],
    metric: Metric,
    runner_version: &str,
    experiment_hash: &str,
) -> Vec<GateRow> {
    let mut rows: Vec<GateRow> = summaries
        .iter()
        .filter_map(|s| {
            let stat = stat_now(s, metric)?;
            Some(GateRow {
                config: s.config.clone(),
                metric: metric.column(),
                mean: stat.mean,
                std: stat.std,
                n: stat.n,
                runner_version: runner_version.to_string(),
                experiment_hash: experiment_hash.to_string(),
                seeds: seeds_of(s, metric, stat.n),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.config.cmp(&b.config));
    rows
}

/// A configuration's two sides: the baseline's and the current figures, and the values of
/// the seeds both have.
struct Sides {
    base: Stat,
    now: Stat,
    /// `(now, base)` values of the shared seeds, in seed order; empty when the baseline has
    /// no per-seed values or the seeds cannot be matched.
    pairs: Vec<(f64, f64)>,
}

/// The verdict for a configuration present on both sides.
fn compare(config: &str, sides: Sides, lower_better: bool, tolerance: f64) -> CheckRow {
    let Sides { base, now, pairs } = sides;
    let change = relative_change(base.mean, now.mean);
    // Positive when now is worse, in fractions of the baseline.
    let worse_by = if lower_better { change } else { -change };
    let paired = paired_test(&pairs, lower_better);
    let welch = match (base.std, now.std) {
        (Some(base_std), Some(now_std)) => {
            welch_from_stats(now.mean, now_std, now.n, base.mean, base_std, base.n)
        }
        _ => None,
    };
    let paired_significant = paired.is_some_and(|p| p.significant(SIGNIFICANCE_LEVEL));
    let welch_significant = welch.is_some_and(|w| w.significant(SIGNIFICANCE_LEVEL));
    let tested = paired.is_some() || welch.is_some();

    let beyond = if worse_by > tolerance {
        Some(Verdict::Regressed)
    } else if worse_by < -tolerance {
        Some(Verdict::Improved)
    } else {
        None
    };
    let mut note = String::new();
    let mut decided_by = None;
    let verdict = match beyond {
        None => {
            if paired_significant || welch_significant {
                note.push_str("significant, but within the tolerance");
            }
            Verdict::Unchanged
        }
        Some(v) => {
            let (way, other) = if v == Verdict::Regressed {
                ("worse", "better")
            } else {
                ("better", "worse")
            };
            // The means went up exactly when now is worse for a lower-is-better metric; the
            // seeds, on average, when the paired changes' mean is positive.
            let means_went_up = (v == Verdict::Regressed) == lower_better;
            let seeds_agree = paired.is_some_and(|p| (p.mean > 0.0) == means_went_up);
            if paired_significant && seeds_agree {
                decided_by = Some(TestKind::Paired);
                v
            } else if welch_significant {
                // Welch's t has the sign of the change of means: it always agrees.
                decided_by = Some(TestKind::Welch);
                v
            } else if paired_significant {
                // Only seed by seed: a few seeds far off move the means one way while the
                // typical seed moved the other.
                note.push_str(&format!(
                    "{way} beyond the tolerance in the mean, but {other} seed by seed"
                ));
                Verdict::Unchanged
            } else if tested {
                note.push_str(&format!(
                    "{way} beyond the tolerance, but not significant (p >= {SIGNIFICANCE_LEVEL})"
                ));
                Verdict::Unchanged
            } else {
                v
            }
        }
    };
    if !tested {
        add_note(&mut note, &tolerance_alone_note(base, now));
    }
    CheckRow {
        config: config.to_string(),
        baseline: Some(base),
        now: Some(now),
        change: Some(change),
        paired,
        welch,
        decided_by,
        verdict,
        note,
    }
}

/// The paired test on the shared seeds' `(now, base)` values, when there are two or more:
/// on log ratios for an error (lower is better, never below 0) when no value is 0; on
/// differences for R² and skill, which can be 0 or negative, or a zero error.
fn paired_test(pairs: &[(f64, f64)], lower_better: bool) -> Option<Paired> {
    if pairs.len() < 2 {
        return None;
    }
    let (now, base): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let positive = pairs.iter().all(|&(a, b)| a > 0.0 && b > 0.0);
    let scale = if lower_better && positive {
        Scale::LogRatio
    } else {
        Scale::Difference
    };
    paired_t(&now, &base, scale)
}

/// The `(now, base)` values of the seeds in both `base` and `now`, in the baseline's (seed)
/// order; empty when a seed appears twice now (the runs cannot be matched to the baseline's).
fn pairs(base: &[(u64, f64)], now: &[(u64, f64)]) -> Vec<(f64, f64)> {
    let mut seen: Vec<u64> = now.iter().map(|&(seed, _)| seed).collect();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Vec::new();
    }
    base.iter()
        .filter_map(|&(seed, b)| {
            let &(_, a) = now.iter().find(|&&(s, _)| s == seed)?;
            Some((a, b))
        })
        .collect()
}

/// The per-seed values to record for a configuration: its finite values of `metric` sorted
/// by seed, when they are the `n` values behind the recorded mean, one per seed; none
/// otherwise (the baseline then has no pairing to offer).
fn seeds_of(s: &ConfigSummary, metric: Metric, n: usize) -> Vec<(u64, f64)> {
    let Some(m) = s.metric(metric) else {
        return Vec::new();
    };
    let mut seeds = m.by_seed.clone();
    seeds.sort_by_key(|&(seed, _)| seed);
    let distinct = seeds.windows(2).all(|w| w[0].0 != w[1].0);
    if seeds.len() == n && distinct {
        seeds
    } else {
        Vec::new()
    }
}

/// Whether a baseline row's per-seed values have its mean and std (see [`SEEDS_AGREE`]).
fn seeds_agree(row: &GateRow) -> Result<()> {
    if row.seeds.is_empty() {
        return Ok(());
    }
    let values: Vec<f64> = row.seeds.iter().map(|&(_, v)| v).collect();
    let (mean, std) = mean_and_std(&values);
    let differ = |a: f64, b: f64| (a - b).abs() > SEEDS_AGREE * a.abs().max(b.abs());
    let label = config_label(&row.config);
    if let Some(m) = mean.filter(|&m| differ(m, row.mean)) {
        bail!(
            "the baseline's {label} {}: the mean of its seeds is {m}, its mean column {} \
             (edited by hand? rewrite it with --update)",
            row.metric,
            row.mean
        );
    }
    if let (Some(a), Some(b)) = (std, row.std) {
        if differ(a, b) {
            bail!(
                "the baseline's {label} {}: the std of its seeds is {a}, its std column {b} \
                 (edited by hand? rewrite it with --update)",
                row.metric
            );
        }
    }
    Ok(())
}

fn config_label(config: &str) -> String {
    if config.is_empty() {
        "configuration".to_string()
    } else {
        format!("configuration {config}")
    }
}

fn missing(base: &GateRow, base_stat: Stat, note: String) -> CheckRow {
    CheckRow {
        config: base.config.clone(),
        baseline: Some(base_stat),
        now: None,
        change: None,
        paired: None,
        welch: None,
        decided_by: None,
        verdict: Verdict::Missing,
        note,
    }
}

/// The configuration's value of `metric` now. `n` counts the values behind the mean: the
/// successful runs, or 1 when the summary has a mean but no spread (one finite value), as in
/// [`gate_rows`](super::baseline::gate_rows).
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

    /// What the reader must know before trusting the verdicts.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if self.hash_mismatch() {
            out.push(Warning::OtherExperiment);
        }
        if self.rows.iter().all(|r| r.baseline.is_none()) {
            out.push(Warning::EveryConfigurationNew);
        }
        if self.without_seeds > 0 {
            out.push(Warning::BaselineWithoutSeeds);
        }
        out
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

    pub const HASH: &str = crate::store::test_support::GATE_HASH;

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
            by_seed: Vec::new(),
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
            p_values: Vec::new(),
        }
    }

    pub fn stat(mean: f64, std: Option<f64>, n: usize) -> Stat {
        Stat { mean, std, n }
    }

    pub fn now(config: &str, mean: f64, std: Option<f64>, n: usize) -> ConfigSummary {
        summary(config, n, 0, stat(mean, std, n), None)
    }

    pub fn base(config: &str, mean: f64, std: Option<f64>, n: usize) -> GateRow {
        crate::store::test_support::gate_row(config, mean, std, n)
    }

    /// The statistics of `values`, as a summary computes them.
    fn stat_of(values: &[(u64, f64)]) -> Stat {
        let plain: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
        let (mean, std) = mean_and_std(&plain);
        stat(mean.unwrap(), std, values.len())
    }

    /// A configuration now with these `test_rmse` values by seed.
    pub fn now_seeds(config: &str, values: &[(u64, f64)]) -> ConfigSummary {
        let mut s = summary(config, values.len(), 0, stat_of(values), None);
        s.metrics[0].by_seed = values.to_vec();
        s
    }

    /// A baseline row of `test_rmse` with these values by seed (as `--update` writes it).
    pub fn base_seeds(config: &str, values: &[(u64, f64)]) -> GateRow {
        let s = stat_of(values);
        GateRow {
            seeds: values.to_vec(),
            ..base(config, s.mean, s.std, s.n)
        }
    }

    /// `values` paired with seeds 1, 2, 3, ...
    pub fn seeded(values: &[f64]) -> Vec<(u64, f64)> {
        (1..).zip(values.iter().copied()).collect()
    }
}

#[cfg(test)]
mod tests;
