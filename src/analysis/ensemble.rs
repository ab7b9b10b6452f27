//! Seed ensembles: a configuration's forecast as the mean of its seeds' forecasts.
//!
//! Seeds of one configuration differ only in their initial weights and shuffling, so their
//! errors are partly independent and their average forecast is usually better than the
//! typical seed's (the cheapest variance reduction a sweep already paid for). The ensemble is
//! scored on exactly the points each seed is scored on.

use crate::analysis::metric::{Measure, Split};
use crate::store::records::{PredictionRow, RunStatus};
use crate::store::run_folder::FinishedRun;

/// One point of a seed ensemble's forecast, original units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Position of the predicted point in the series.
    pub index: u32,
    pub actual: f64,
    /// The mean of the seeds' forecasts of it.
    pub predicted: f64,
}

/// The successful runs' prediction rows of one fold and split, each run's in its order.
fn rows_of<'a>(runs: &[&'a FinishedRun], fold: u32, split: Split) -> Vec<Vec<&'a PredictionRow>> {
    runs.iter()
        .filter(|r| r.record.status == RunStatus::Ok)
        .map(|r| {
            r.predictions
                .iter()
                .filter(|p| p.fold == fold && p.split == split.as_str())
                .collect()
        })
        .collect()
}

/// The mean of `runs`' forecasts for one fold and split, point by point, in the rows'
/// order (window by window, step by step with a multi-step head). One successful run gives
/// its own forecast.
///
/// `None` without a successful run or a predicted point, or when the runs' predictions do
/// not line up point for point (the same target indices and actual values in the same
/// order: seeds whose data differ, such as a noisy generator seeded by the run's seed, have
/// no common target).
pub fn ensemble_forecast(runs: &[&FinishedRun], fold: u32, split: Split) -> Option<Vec<Point>> {
    let rows = rows_of(runs, fold, split);
    let first = rows.first()?;
    let aligned = rows.iter().all(|r| {
        r.len() == first.len()
            && r.iter()
                .zip(first)
                .all(|(a, b)| a.index == b.index && a.actual.to_bits() == b.actual.to_bits())
    });
    if first.is_empty() || !aligned {
        return None;
    }
    let seeds = rows.len() as f64;
    Some(
        (0..first.len())
            .map(|i| Point {
                index: first[i].index,
                actual: first[i].actual,
                predicted: rows.iter().map(|r| r[i].predicted).sum::<f64>() / seeds,
            })
            .collect(),
    )
}

/// `measure` (RMSE or MAE) of a forecast's points.
pub fn score(points: &[Point], measure: Measure) -> f64 {
    let n = points.len() as f64;
    match measure {
        Measure::Mae => {
            points
                .iter()
                .map(|p| (p.predicted - p.actual).abs())
                .sum::<f64>()
                / n
        }
        _ => (points
            .iter()
            .map(|p| (p.predicted - p.actual).powi(2))
            .sum::<f64>()
            / n)
            .sqrt(),
    }
}

/// The ensemble's `measure` on the test part (the last backtest fold): the held-out figure
/// beside the seeds' mean. `None` with fewer than two successful seeds.
pub fn ensemble_score(runs: &[&FinishedRun], measure: Measure) -> Option<f64> {
    // The test part's fold, from a seed that has folds: a failed run may have none.
    let fold = runs
        .iter()
        .find(|r| r.record.status == RunStatus::Ok)?
        .final_fold();
    seeds_score(runs, fold, Split::Test, measure)
}

/// `measure` of the ensemble of two or more successful seeds on one fold and split, original
/// units; `None` with fewer, or without an [`ensemble_forecast`].
fn seeds_score(runs: &[&FinishedRun], fold: u32, split: Split, measure: Measure) -> Option<f64> {
    if rows_of(runs, fold, split).len() < 2 {
        return None;
    }
    Some(score(&ensemble_forecast(runs, fold, split)?, measure))
}

/// The seed ensemble of `runs` (one configuration's seeds) as a run of its own, for plots
/// that show "the configuration's forecast": every fold's and split's predictions are the
/// mean of the successful seeds' (the baselines' forecasts those of the first seed), each
/// fold's `test_rmse` and the record's test RMSE the ensemble's, the label
/// `<config> (mean of N seeds)`. The first successful seed's history and other fields.
///
/// `None` without a successful seed or when the seeds' predictions do not line up.
pub fn ensemble_run(runs: &[&FinishedRun]) -> Option<FinishedRun> {
    let ok: Vec<&FinishedRun> = runs
        .iter()
        .copied()
        .filter(|r| r.record.status == RunStatus::Ok)
        .collect();
    let first = *ok.first()?;
    let mut out = first.clone();
    if ok.len() == 1 {
        return Some(out);
    }
    let mut predictions = Vec::with_capacity(first.predictions.len());
    let mut folds: Vec<u32> = first.predictions.iter().map(|p| p.fold).collect();
    folds.dedup();
    let rmse = Measure::Rmse;
    let test_rmse = crate::analysis::metric::Metric::TEST_RMSE.column();
    for fold in folds {
        for split in [Split::Train, Split::Validation, Split::Test] {
            let rows: Vec<&PredictionRow> = first
                .predictions
                .iter()
                .filter(|p| p.fold == fold && p.split == split.as_str())
                .collect();
            if rows.is_empty() {
                continue;
            }
            let points = ensemble_forecast(&ok, fold, split)?;
            if split == Split::Test {
                let value = score(&points, rmse);
                if let Some(f) = out.folds.iter_mut().find(|f| f.fold == fold) {
                    set_metric(&mut f.metrics, &test_rmse, value);
                }
                if fold == first.final_fold() {
                    set_metric(&mut out.record.metrics, &test_rmse, value);
                }
            }
            predictions.extend(rows.iter().zip(&points).map(|(row, p)| PredictionRow {
                predicted: p.predicted,
                ..(*row).clone()
            }));
        }
    }
    out.predictions = predictions;
    out.record.label = format!(
        "{} (mean of {} seeds)",
        if first.record.config.is_empty() {
            "base configuration"
        } else {
            &first.record.config
        },
        ok.len()
    );
    Some(out)
}

fn set_metric(metrics: &mut [(String, f64)], name: &str, value: f64) {
    if let Some(m) = metrics.iter_mut().find(|(n, _)| n == name) {
        m.1 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::run;

    /// A run predicting `predicted` for the test targets 10, 11, 12 (actual 1, 2, 3).
    fn seed(seed: u64, predicted: [f64; 3]) -> FinishedRun {
        let record = run(10, seed, RunStatus::Ok, &[("test_rmse", 0.0)]);
        let predictions = predicted
            .iter()
            .enumerate()
            .map(|(i, &p)| PredictionRow {
                run_id: record.run_id.clone(),
                fold: 1,
                split: "test".into(),
                index: 10 + i as u32,
                actual: 1.0 + i as f64,
                predicted: p,
                ..PredictionRow::default()
            })
            .collect();
        FinishedRun {
            record,
            history: Vec::new(),
            predictions,
            folds: Vec::new(),
            series: Vec::new(),
        }
    }

    #[test]
    fn opposite_errors_cancel_in_the_mean() {
        // errors +1, -1 and +0.5, -0.5: each seed's rmse is 1 or 0.5, their mean's ...
        let a = seed(1, [2.0, 1.0, 3.5]);
        let b = seed(2, [0.0, 3.0, 2.5]);
        // ... mean predictions 1, 2, 3: exact
        assert_eq!(
            seeds_score(&[&a, &b], 1, Split::Test, Measure::Rmse),
            Some(0.0)
        );
        // with a third seed off by 3 at one point: mean errors 1, 0, 0 -> rmse sqrt(1/3)
        let c = seed(3, [4.0, 2.0, 3.0]);
        let got = seeds_score(&[&a, &b, &c], 1, Split::Test, Measure::Rmse).unwrap();
        assert!((got - (1.0f64 / 3.0).sqrt()).abs() < 1e-15, "{got}");
        assert_eq!(ensemble_score(&[&a, &b, &c], Measure::Rmse), Some(got));
        // MAE of mean errors 1, 0, 0.
        assert_eq!(ensemble_score(&[&a, &b, &c], Measure::Mae), Some(1.0 / 3.0));
    }

    #[test]
    fn one_seed_failed_runs_and_misaligned_data_have_no_ensemble() {
        let a = seed(1, [1.0, 2.0, 3.0]);
        assert_eq!(seeds_score(&[&a], 1, Split::Test, Measure::Rmse), None);
        let mut failed = seed(2, [9.0, 9.0, 9.0]);
        failed.record.status = RunStatus::Diverged;
        assert_eq!(
            seeds_score(&[&a, &failed], 1, Split::Test, Measure::Rmse),
            None
        );
        // another seed drew other data: its actual values differ
        let mut other = seed(3, [1.0, 2.0, 3.0]);
        other.predictions[1].actual = 2.5;
        assert_eq!(
            seeds_score(&[&a, &other], 1, Split::Test, Measure::Rmse),
            None
        );
        // no such split
        assert_eq!(
            seeds_score(
                &[&a, &seed(4, [1.0; 3])],
                1,
                Split::Validation,
                Measure::Rmse
            ),
            None
        );
    }

    #[test]
    fn the_ensemble_as_a_run_forecasts_the_mean_and_scores_it() {
        let mut a = seed(1, [2.0, 1.0, 3.5]);
        a.record.metrics = vec![("test_rmse".into(), 1.0)];
        let b = seed(2, [0.0, 3.0, 2.5]);
        let run = ensemble_run(&[&a, &b]).unwrap();
        let predicted: Vec<f64> = run.predictions.iter().map(|p| p.predicted).collect();
        assert_eq!(predicted, [1.0, 2.0, 3.0]);
        assert_eq!(run.record.metric("test_rmse"), Some(0.0));
        assert_eq!(run.record.label, "lookback=10 (mean of 2 seeds)");
        // One seed is itself; none is nothing.
        assert_eq!(ensemble_run(&[&a]).unwrap(), a);
        let mut failed = a.clone();
        failed.record.status = RunStatus::Failed;
        assert_eq!(ensemble_run(&[&failed]), None);
    }

    #[test]
    fn the_held_out_fold_comes_from_a_successful_seed() {
        // Two seeds with a test part in fold 3 (exact) and in fold 1 (off by 100); a failed
        // first run without folds must not make fold 1 the test part.
        let fold = |f: u32, off: f64, id: &str| PredictionRow {
            run_id: id.into(),
            fold: f,
            split: "test".into(),
            index: 10,
            actual: 1.0,
            predicted: 1.0 + off,
            ..PredictionRow::default()
        };
        let with_folds = |seed: u64| {
            let mut r = seed_run(seed);
            r.predictions = vec![fold(1, 100.0, "x"), fold(3, 0.0, "x")];
            r.folds = [1, 2, 3]
                .iter()
                .map(|&f| crate::store::records::FoldRecord {
                    fold: f,
                    origin: 0,
                    end: 0,
                    status: RunStatus::Ok,
                    reason: None,
                    metrics: Vec::new(),
                    train_seconds: 0.0,
                    epochs: 1,
                    best_epoch: 1,
                })
                .collect();
            r
        };
        let mut failed = seed_run(1);
        failed.record.status = RunStatus::Failed;
        let (a, b) = (with_folds(2), with_folds(3));
        assert_eq!(ensemble_score(&[&failed, &a, &b], Measure::Rmse), Some(0.0));
    }

    fn seed_run(seed: u64) -> FinishedRun {
        FinishedRun {
            record: run(10, seed, RunStatus::Ok, &[]),
            history: Vec::new(),
            predictions: Vec::new(),
            folds: Vec::new(),
            series: Vec::new(),
        }
    }
}
