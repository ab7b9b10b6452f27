//! Panels scored as the forecasting competitions score them, and the answer of a panel
//! sweep chosen without the test part.
//!
//! - per series: sMAPE (`200 |y - f| / (|y| + |f|)` averaged over the horizon) and MASE (the
//!   forecast's MAE over the in-sample seasonal naive MAE before the origin), computed in
//!   `eval::competition` and stored per run in [`SeriesRow`]s;
//! - over series ([`PanelScore`]): the mean sMAPE, the mean MASE, and OWA = (sMAPE / Naive2's
//!   sMAPE + MASE / Naive2's MASE) / 2 of those means (the M4's definition), Naive2 scored
//!   on the same series;
//! - per configuration: its seeds' forecasts averaged point by point (the seed ensemble) and
//!   scored the same way on the validation part (what the configurations are ranked by) and
//!   on the test part (what the chosen one is judged on), beside the benchmarks;
//! - how sure a win over a benchmark is: a paired t-test over series of the per-series
//!   sMAPE differences.

use std::collections::BTreeMap;

use super::paired::{paired_t, Paired, Scale};
use super::selection::{Protocol, SelectOn};
use super::stats::{mean, mean_and_std};
use super::Measure;
use crate::store::{FinishedRun, RunStatus, SeriesAccuracy, SeriesRow};

/// A forecast of every series of a panel, scored over the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanelScore {
    /// Mean over series of the per-series sMAPE (0..200).
    pub smape: f64,
    /// Mean over series of the per-series MASE, over the series whose MASE is defined.
    pub mase: f64,
    /// `(smape / naive2.smape + mase / naive2.mase) / 2`, Naive2 on the same series.
    pub owa: f64,
    /// Series scored.
    pub series: usize,
    /// Series left out of the MASE mean: a constant history gives a scale of 0 (or a history
    /// of no more than a season, none).
    pub mase_undefined: usize,
}

impl PanelScore {
    /// The score's value of `measure` (sMAPE, MASE or OWA; NaN for another).
    pub fn get(&self, measure: Measure) -> f64 {
        match measure {
            Measure::Smape => self.smape,
            Measure::Mase => self.mase,
            Measure::Owa => self.owa,
            _ => f64::NAN,
        }
    }
}

/// Scores `pairs` of (a forecast's accuracy, Naive2's accuracy) on the same series. MASE
/// means leave out the series where either MASE is not finite, on both sides alike.
pub fn score(pairs: &[(SeriesAccuracy, SeriesAccuracy)]) -> PanelScore {
    let n = pairs.len();
    let smape = mean(pairs.iter().map(|(f, _)| f.smape));
    let naive2_smape = mean(pairs.iter().map(|(_, b)| b.smape));
    let defined: Vec<&(SeriesAccuracy, SeriesAccuracy)> = pairs
        .iter()
        .filter(|(f, b)| f.mase.is_finite() && b.mase.is_finite())
        .collect();
    let mase = mean(defined.iter().map(|(f, _)| f.mase));
    let naive2_mase = mean(defined.iter().map(|(_, b)| b.mase));
    PanelScore {
        smape,
        mase,
        owa: 0.5 * (smape / naive2_smape + mase / naive2_mase),
        series: n,
        mase_undefined: n - defined.len(),
    }
}

/// The rows of one split (`validation` or `test`) scored over series: the run's forecast
/// (`benchmark` `None`) or benchmark `benchmark` (an index of [`SeriesRow::BENCHMARKS`]).
pub fn score_rows<'a>(
    rows: impl Iterator<Item = &'a SeriesRow>,
    split: &str,
    benchmark: Option<usize>,
) -> PanelScore {
    let pairs: Vec<(SeriesAccuracy, SeriesAccuracy)> = rows
        .filter(|r| r.split == split)
        .map(|r| {
            let own = benchmark.map_or(r.accuracy, |b| r.benchmarks[b]);
            (own, r.naive2())
        })
        .collect();
    score(&pairs)
}

/// One configuration of a panel sweep, its seeds averaged.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelConfig {
    /// The swept values without the seed (`""` when only seeds are swept).
    pub config: String,
    /// Runs of the configuration, and how many ended `ok` (only those are averaged).
    pub runs: usize,
    pub ok: usize,
    /// The seed ensemble on the validation part (`None` without one).
    pub validation: Option<PanelScore>,
    /// The seed ensemble on the test part.
    pub test: PanelScore,
    /// Each seed's own test OWA: its mean and sample standard deviation over seeds (the
    /// figure a single seed would give, and its spread); `None` without runs, or spread
    /// below two seeds.
    pub seed_test_owa: (Option<f64>, Option<f64>),
    /// What the configuration is ranked by (the protocol's measure of `validation`, or of
    /// `test` when ranking on the test part).
    pub selection: f64,
    /// Per series, the ensemble's test accuracy beside the benchmarks' on the same series
    /// (for the tests against the benchmarks).
    per_series_test: Vec<(SeriesAccuracy, [SeriesAccuracy; 5])>,
}

/// A panel sweep's answer: configurations ranked on the selection data, the chosen one's
/// test figures beside the benchmarks', and how sure its wins are.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelAnalysis {
    pub protocol: Protocol,
    /// Best first by `selection`; configurations without an `ok` run last.
    pub configs: Vec<PanelConfig>,
    /// [`SeriesRow::BENCHMARKS`] order: each benchmark on the validation part (when there is
    /// one) and on the test part.
    pub benchmarks: Vec<(&'static str, Option<PanelScore>, PanelScore)>,
    /// Paired t-tests over series of the chosen ensemble's test sMAPE minus each
    /// benchmark's (negative mean: the network is better), [`SeriesRow::BENCHMARKS`] order.
    pub tests: Vec<(&'static str, Option<Paired>)>,
    /// Series in the panel, and how many a fallback (Naive2) forecast in any seed of the
    /// chosen configuration: (part, kind of reason, count of series).
    pub series: usize,
    pub fallbacks: Vec<(String, String, usize)>,
    /// Runs that did not end `ok`: (label, status, reason).
    pub failed: Vec<(String, RunStatus, String)>,
}

impl PanelAnalysis {
    /// The chosen configuration: the best on the selection data, if any ran.
    pub fn chosen(&self) -> Option<&PanelConfig> {
        self.configs.first().filter(|c| c.ok > 0)
    }

    /// Analyses a panel sweep's runs (in grid order) under `protocol`.
    pub fn from_runs(runs: &[FinishedRun], protocol: Protocol) -> PanelAnalysis {
        let mut by_config: BTreeMap<&str, Vec<&FinishedRun>> = BTreeMap::new();
        let mut order: Vec<&str> = Vec::new();
        for r in runs {
            let key = r.record.config.as_str();
            if !by_config.contains_key(key) {
                order.push(key);
            }
            by_config.entry(key).or_default().push(r);
        }
        let mut configs: Vec<PanelConfig> = order
            .iter()
            .filter_map(|c| config_score(c, &by_config[c], protocol))
            .collect();
        // Stable: ties keep grid order.
        configs.sort_by(|a, b| {
            (a.ok == 0)
                .cmp(&(b.ok == 0))
                .then(a.selection.total_cmp(&b.selection))
        });
        let reference = runs.iter().find(|r| !r.series.is_empty());
        let benchmarks = SeriesRow::BENCHMARKS
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let rows = || reference.into_iter().flat_map(|r| r.series.iter());
                let validation = rows()
                    .any(|r| r.split == "validation")
                    .then(|| score_rows(rows(), "validation", Some(i)));
                (*key, validation, score_rows(rows(), "test", Some(i)))
            })
            .collect();
        let mut analysis = PanelAnalysis {
            protocol,
            configs,
            benchmarks,
            tests: Vec::new(),
            series: reference.map_or(0, |r| r.series.iter().filter(|s| s.split == "test").count()),
            fallbacks: Vec::new(),
            failed: runs
                .iter()
                .filter(|r| r.record.status != RunStatus::Ok)
                .map(|r| {
                    (
                        r.record.label.clone(),
                        r.record.status,
                        r.record.reason.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        };
        if let Some(chosen) = analysis.chosen() {
            let chosen_config = chosen.config.clone();
            let ensemble: Vec<f64> = chosen
                .per_series_test
                .iter()
                .map(|(a, _)| a.smape)
                .collect();
            analysis.tests = SeriesRow::BENCHMARKS
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let base: Vec<f64> = chosen
                        .per_series_test
                        .iter()
                        .map(|(_, b)| b[i].smape)
                        .collect();
                    (*key, paired_t(&ensemble, &base, Scale::Difference))
                })
                .collect();
            // Series counted once per part and kind of reason (the text before its details),
            // over every seed of the chosen configuration.
            let mut seen: std::collections::BTreeSet<(String, String, String)> = Default::default();
            for run in by_config[chosen_config.as_str()]
                .iter()
                .filter(|r| r.record.status == RunStatus::Ok)
            {
                for row in run.series.iter().filter(|r| r.forecaster != "network") {
                    let reason = row.reason.as_deref().unwrap_or("no reason recorded");
                    let kind = reason.split(':').next().unwrap_or(reason).to_string();
                    seen.insert((row.split.clone(), kind, row.series.clone()));
                }
            }
            let mut reasons: BTreeMap<(String, String), usize> = BTreeMap::new();
            for (split, kind, _) in seen {
                *reasons.entry((split, kind)).or_default() += 1;
            }
            analysis.fallbacks = reasons
                .into_iter()
                .map(|((split, kind), n)| (split, kind, n))
                .collect();
        }
        analysis
    }
}

/// One configuration's ensemble scores; `None` when none of its runs has series rows.
fn config_score(config: &str, runs: &[&FinishedRun], protocol: Protocol) -> Option<PanelConfig> {
    let ok: Vec<&FinishedRun> = runs
        .iter()
        .copied()
        .filter(|r| r.record.status == RunStatus::Ok && !r.series.is_empty())
        .collect();
    type PerSeries = Vec<(SeriesAccuracy, [SeriesAccuracy; 5])>;
    let ensemble = |split: &str| -> Option<(PanelScore, PerSeries)> {
        let first = ok.first()?;
        let rows: Vec<&SeriesRow> = first.series.iter().filter(|r| r.split == split).collect();
        if rows.is_empty() {
            return None;
        }
        // Each run's forecast of each series on this split, in its row order (every run
        // of a panel writes its series in the panel's order).
        let forecasts: Vec<BTreeMap<&str, Vec<(f64, f64)>>> = ok
            .iter()
            .map(|r| {
                let mut m: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
                for p in r.predictions.iter().filter(|p| p.split == split) {
                    if let Some(s) = &p.series {
                        m.entry(s.as_str())
                            .or_default()
                            .push((p.actual, p.predicted));
                    }
                }
                m
            })
            .collect();
        let mut pairs = Vec::with_capacity(rows.len());
        let mut per_series = Vec::with_capacity(rows.len());
        for row in rows {
            let paths: Vec<&Vec<(f64, f64)>> = forecasts
                .iter()
                .filter_map(|m| m.get(row.series.as_str()))
                .collect();
            let Some(first) = paths.first() else {
                continue;
            };
            let actual: Vec<f64> = first.iter().map(|(a, _)| *a).collect();
            let mean: Vec<f64> = (0..actual.len())
                .map(|k| paths.iter().map(|p| p[k].1).sum::<f64>() / paths.len() as f64)
                .collect();
            let acc = accuracy(&actual, &mean, row.mase_scale);
            pairs.push((acc, row.naive2()));
            per_series.push((acc, row.benchmarks));
        }
        Some((score(&pairs), per_series))
    };
    let (test, per_series_test) = match ensemble("test") {
        Some(t) => t,
        None if runs.is_empty() => return None,
        None => (score(&[]), Vec::new()),
    };
    let validation = ensemble("validation").map(|(s, _)| s);
    let selection = match protocol.on {
        SelectOn::Test => test.get(protocol.measure),
        _ => validation.map_or(f64::NAN, |v| v.get(protocol.measure)),
    };
    Some(PanelConfig {
        config: config.to_string(),
        runs: runs.len(),
        ok: ok.len(),
        validation,
        test,
        seed_test_owa: mean_and_std(
            &ok.iter()
                .map(|r| score_rows(r.series.iter(), "test", None).owa)
                .collect::<Vec<f64>>(),
        ),
        selection: if selection.is_finite() {
            selection
        } else {
            f64::INFINITY
        },
        per_series_test,
    })
}

/// sMAPE and MASE of `forecast` against `actual`, MASE divided by `scale`: the formulas
/// every run's per-series figures come from, applied here to seed-averaged forecasts.
fn accuracy(actual: &[f64], forecast: &[f64], scale: f64) -> SeriesAccuracy {
    let a = crate::eval::competition::Accuracy::of(actual, forecast, scale);
    SeriesAccuracy {
        smape: a.smape,
        mase: a.mase,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::selection::SelectOn;
    use crate::store::{PredictionRow, RunRecord};

    fn acc(smape: f64, mase: f64) -> SeriesAccuracy {
        SeriesAccuracy { smape, mase }
    }

    #[test]
    fn scores_average_over_series_and_owa_is_taken_from_the_means() {
        // sMAPE means 15 vs Naive2's 20; MASE over the two defined series: 1.5 vs 2.0.
        let pairs = [
            (acc(10.0, 1.0), acc(20.0, 2.0)),
            (acc(20.0, 2.0), acc(30.0, 2.0)),
            (acc(15.0, f64::NAN), acc(10.0, 5.0)),
        ];
        let s = score(&pairs);
        assert_eq!(s.smape, 15.0);
        assert_eq!(s.mase, 1.5);
        assert_eq!(s.mase_undefined, 1);
        assert_eq!(s.series, 3);
        assert!((s.owa - 0.5 * (15.0 / 20.0 + 1.5 / 2.0)).abs() < 1e-12);
        assert!(score(&[]).smape.is_nan());
    }

    /// One run of configuration `config` forecasting series a and b (2 points each) on the
    /// validation and test parts; `predicted[split][series]`.
    fn run(id: &str, config: &str, predicted: [[[f64; 2]; 2]; 2]) -> FinishedRun {
        let actual = [
            [[100.0, 110.0], [10.0, 12.0]],
            [[120.0, 130.0], [14.0, 16.0]],
        ];
        let mut series = Vec::new();
        let mut predictions = Vec::new();
        for (s, split) in ["validation", "test"].into_iter().enumerate() {
            for (k, name) in ["a", "b"].into_iter().enumerate() {
                let scale = if name == "a" { 10.0 } else { 1.0 };
                let own =
                    crate::eval::competition::Accuracy::of(&actual[s][k], &predicted[s][k], scale);
                series.push(SeriesRow {
                    run_id: id.into(),
                    series: name.into(),
                    split: split.into(),
                    origin: 10,
                    forecaster: "network".into(),
                    reason: None,
                    mase_scale: scale,
                    accuracy: acc(own.smape, own.mase),
                    benchmarks: [
                        acc(30.0, 3.0),
                        acc(20.0, 2.0),
                        acc(25.0, 2.5),
                        acc(22.0, 2.2),
                        acc(18.0, 1.8),
                    ],
                });
                for h in 0..2 {
                    predictions.push(PredictionRow {
                        run_id: id.into(),
                        fold: 1,
                        split: split.into(),
                        index: 10 + h as u32,
                        actual: actual[s][k][h],
                        predicted: predicted[s][k][h],
                        series: Some(name.into()),
                        ..PredictionRow::default()
                    });
                }
            }
        }
        FinishedRun {
            record: RunRecord {
                provenance: None,
                run_id: id.into(),
                label: format!("{config} seed={id}"),
                config: config.into(),
                seed: 1,
                params: Vec::new(),
                status: RunStatus::Ok,
                reason: None,
                metrics: Vec::new(),
                train_seconds: 0.0,
                epochs: 1,
            },
            history: Vec::new(),
            predictions,
            folds: Vec::new(),
            series,
        }
    }

    const OWA_ON_VALIDATION: Protocol = Protocol {
        measure: Measure::Owa,
        on: SelectOn::Validation,
    };

    #[test]
    fn seeds_are_averaged_point_by_point_and_the_choice_reads_the_validation_part_only() {
        // Config "good": two seeds whose errors cancel on validation (mean = actual).
        let good = [
            run(
                "g1",
                "good",
                [[[90.0, 100.0], [9.0, 11.0]], [[100.0, 100.0], [10.0, 10.0]]],
            ),
            run(
                "g2",
                "good",
                [
                    [[110.0, 120.0], [11.0, 13.0]],
                    [[100.0, 100.0], [10.0, 10.0]],
                ],
            ),
        ];
        // Config "bad": worse on validation, perfect on the test part (which must not count).
        let bad = run(
            "b1",
            "bad",
            [[[50.0, 50.0], [5.0, 5.0]], [[120.0, 130.0], [14.0, 16.0]]],
        );
        let runs = vec![bad, good[0].clone(), good[1].clone()];
        let a = PanelAnalysis::from_runs(&runs, OWA_ON_VALIDATION);
        let chosen = a.chosen().unwrap();
        assert_eq!(chosen.config, "good");
        assert_eq!((chosen.runs, chosen.ok), (2, 2));
        // The ensemble is exact on validation: sMAPE 0.
        let v = chosen.validation.unwrap();
        assert_eq!((v.smape, v.mase), (0.0, 0.0));
        // Test: ensemble 100, 100 for a (actual 120, 130) and 10, 10 for b (14, 16).
        let smape = |y: f64, f: f64| 200.0 * (y - f).abs() / (y + f);
        let a_smape = (smape(120.0, 100.0) + smape(130.0, 100.0)) / 2.0;
        let b_smape = (smape(14.0, 10.0) + smape(16.0, 10.0)) / 2.0;
        assert!((chosen.test.smape - (a_smape + b_smape) / 2.0).abs() < 1e-12);
        let mase = ((25.0 / 10.0) + 5.0) / 2.0;
        assert!((chosen.test.mase - mase).abs() < 1e-12);
        // OWA against Naive2 (benchmark 2: sMAPE 25, MASE 2.5 on every series).
        let owa = 0.5 * (chosen.test.smape / 25.0 + mase / 2.5);
        assert!((chosen.test.owa - owa).abs() < 1e-12);
        // The runner-up is the one that was perfect on the test part.
        assert_eq!(a.configs[1].config, "bad");
        assert_eq!(a.configs[1].test.smape, 0.0);
        // Benchmarks over series and the paired tests against them, one per benchmark.
        assert_eq!(a.benchmarks.len(), 5);
        assert_eq!(a.benchmarks[4].2.smape, 18.0);
        let theta = a.tests[4].1.unwrap();
        assert_eq!(theta.n, 2);
        let diffs = [a_smape - 18.0, b_smape - 18.0];
        assert!((theta.mean - (diffs[0] + diffs[1]) / 2.0).abs() < 1e-12);
        assert_eq!(a.series, 2);
    }

    #[test]
    fn ranking_on_the_test_part_is_said_and_failed_runs_are_listed() {
        let good = run(
            "g1",
            "good",
            [[[90.0, 100.0], [9.0, 11.0]], [[100.0, 100.0], [10.0, 10.0]]],
        );
        let mut failed = run(
            "f1",
            "broken",
            [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]],
        );
        failed.record.status = RunStatus::Diverged;
        failed.record.reason = Some("loss is NaN".into());
        failed.series.clear();
        let on_test = Protocol {
            measure: Measure::Smape,
            on: SelectOn::Test,
        };
        let a = PanelAnalysis::from_runs(&[failed, good], on_test);
        assert_eq!(a.chosen().unwrap().config, "good");
        assert_eq!(
            a.chosen().unwrap().selection,
            a.chosen().unwrap().test.smape
        );
        assert_eq!(a.configs.last().unwrap().ok, 0);
        assert_eq!(a.failed.len(), 1);
        assert_eq!(a.failed[0].1, RunStatus::Diverged);
    }
}
