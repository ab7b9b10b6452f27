//! Seed ensembles: a configuration's forecast as the mean of its seeds' forecasts.
//!
//! Seeds of one configuration differ only in their initial weights and shuffling, so their
//! errors are partly independent and their average forecast is usually better than the
//! typical seed's (the cheapest variance reduction a sweep already paid for). The ensemble is
//! scored on exactly the points each seed is scored on.

use crate::analysis::metric::Split;
use crate::store::records::{PredictionRow, RunStatus};
use crate::store::run_folder::FinishedRun;

/// RMSE of the mean of `runs`' predictions for one fold and split, original units.
///
/// `None` with fewer than two successful runs, or when their predictions do not line up
/// point for point (the same target indices and actual values in the same order: seeds whose
/// data differ, such as a noisy generator seeded by the run's seed, have no common target).
pub fn ensemble_rmse(runs: &[&FinishedRun], fold: u32, split: Split) -> Option<f64> {
    let rows: Vec<Vec<&PredictionRow>> = runs
        .iter()
        .filter(|r| r.record.status == RunStatus::Ok)
        .map(|r| {
            r.predictions
                .iter()
                .filter(|p| p.fold == fold && p.split == split.as_str())
                .collect()
        })
        .collect();
    let first = rows.first()?;
    let aligned = rows.iter().all(|r| {
        r.len() == first.len()
            && r.iter()
                .zip(first)
                .all(|(a, b)| a.index == b.index && a.actual.to_bits() == b.actual.to_bits())
    });
    if rows.len() < 2 || first.is_empty() || !aligned {
        return None;
    }
    let seeds = rows.len() as f64;
    let squared: f64 = (0..first.len())
        .map(|i| {
            let mean = rows.iter().map(|r| r[i].predicted).sum::<f64>() / seeds;
            (mean - first[i].actual).powi(2)
        })
        .sum();
    Some((squared / first.len() as f64).sqrt())
}

/// The ensemble's test RMSE averaged over the backtest folds, like every metric of the runs
/// table (the test split alone without a backtest). `None` when any fold has none.
pub fn ensemble_test_rmse(runs: &[&FinishedRun]) -> Option<f64> {
    let folds = runs.first()?.final_fold();
    let per_fold: Option<Vec<f64>> = (1..=folds)
        .map(|fold| ensemble_rmse(runs, fold, Split::Test))
        .collect();
    let per_fold = per_fold?;
    Some(per_fold.iter().sum::<f64>() / per_fold.len() as f64)
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
        }
    }

    #[test]
    fn opposite_errors_cancel_in_the_mean() {
        // errors +1, -1 and +0.5, -0.5: each seed's rmse is 1 or 0.5, their mean's ...
        let a = seed(1, [2.0, 1.0, 3.5]);
        let b = seed(2, [0.0, 3.0, 2.5]);
        // ... mean predictions 1, 2, 3: exact
        assert_eq!(ensemble_rmse(&[&a, &b], 1, Split::Test), Some(0.0));
        // with a third seed off by 3 at one point: mean errors 1, 0, 0 -> rmse sqrt(1/3)
        let c = seed(3, [4.0, 2.0, 3.0]);
        let got = ensemble_rmse(&[&a, &b, &c], 1, Split::Test).unwrap();
        assert!((got - (1.0f64 / 3.0).sqrt()).abs() < 1e-15, "{got}");
        assert_eq!(ensemble_test_rmse(&[&a, &b, &c]), Some(got));
    }

    #[test]
    fn one_seed_failed_runs_and_misaligned_data_have_no_ensemble() {
        let a = seed(1, [1.0, 2.0, 3.0]);
        assert_eq!(ensemble_rmse(&[&a], 1, Split::Test), None);
        let mut failed = seed(2, [9.0, 9.0, 9.0]);
        failed.record.status = RunStatus::Diverged;
        assert_eq!(ensemble_rmse(&[&a, &failed], 1, Split::Test), None);
        // another seed drew other data: its actual values differ
        let mut other = seed(3, [1.0, 2.0, 3.0]);
        other.predictions[1].actual = 2.5;
        assert_eq!(ensemble_rmse(&[&a, &other], 1, Split::Test), None);
        // no such split
        assert_eq!(
            ensemble_rmse(&[&a, &seed(4, [1.0; 3])], 1, Split::Validation),
            None
        );
    }
}
