//! Statistics over rolling-origin backtest folds: a configuration fold by fold. (The choice
//! made on the folds before the test part is `selection`'s and `choice`'s.)

use super::metric::{Baseline, Metric};
use super::stats::mean;
use super::summary::ConfigSummary;
use crate::store::records::{FoldRecord, RunStatus};
use crate::store::run_folder::FinishedRun;

/// One backtest fold of a configuration, each value a mean over its successful seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldSummary {
    pub fold: u32,
    /// Index of the fold's first test point.
    pub origin: u32,
    pub test_rmse: f64,
    pub ar_rmse: f64,
    pub seasonal_naive_rmse: f64,
}

const AR: Metric = Metric::baseline_test_rmse(Baseline::LinearAr);
const SEASONAL_NAIVE: Metric = Metric::baseline_test_rmse(Baseline::SeasonalNaive);

/// `config`'s successful runs among `runs`.
fn ok_seeds<'a>(config: &ConfigSummary, runs: &'a [FinishedRun]) -> Vec<&'a FinishedRun> {
    runs.iter()
        .filter(|r| config.run_ids.contains(&r.record.run_id) && r.record.status == RunStatus::Ok)
        .collect()
}

fn fold_metric(fold: &FoldRecord, metric: Metric) -> f64 {
    fold.metric(&metric.column()).unwrap_or(f64::NAN)
}

/// `config`'s backtest folds, oldest first, each metric the mean over its successful seeds;
/// empty without a backtest or without a successful seed.
pub fn config_folds(config: &ConfigSummary, runs: &[FinishedRun]) -> Vec<FoldSummary> {
    let seeds: Vec<&[FoldRecord]> = ok_seeds(config, runs)
        .iter()
        .map(|r| r.folds.as_slice())
        .collect();
    let Some(first) = seeds.first() else {
        return Vec::new();
    };
    let mean_at = |fold: usize, metric: Metric| {
        mean(
            seeds
                .iter()
                .filter_map(|folds| folds.get(fold))
                .map(|f| fold_metric(f, metric)),
        )
    };
    first
        .iter()
        .enumerate()
        .map(|(i, f)| FoldSummary {
            fold: f.fold,
            origin: f.origin,
            test_rmse: mean_at(i, Metric::TEST_RMSE),
            ar_rmse: mean_at(i, AR),
            seasonal_naive_rmse: mean_at(i, SEASONAL_NAIVE),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::summarize;
    use crate::store::records::PredictionRow;
    use crate::store::test_support::{fold, run};

    /// A run of `lookback=<lookback>` with one fold per entry of `rmse` (AR 2 and seasonal
    /// naive 4 on every fold), and last-fold test predictions `last` of actual values 2, 2.
    fn seed(
        lookback: i64,
        seed: u64,
        status: RunStatus,
        rmse: &[f64],
        last: [f64; 2],
    ) -> FinishedRun {
        let mut record = run(lookback, seed, status, &[]);
        let folds: Vec<FoldRecord> = rmse
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let metrics = [
                    ("test_rmse", r),
                    ("test_ar_rmse", 2.0),
                    ("test_seasonal_naive_rmse", 4.0),
                ];
                fold(i as u32 + 1, &metrics)
            })
            .collect();
        let final_fold = folds.len() as u32;
        record.metrics = folds.last().expect("folds").metrics.clone();
        let predictions = last
            .iter()
            .enumerate()
            .map(|(i, &p)| PredictionRow {
                run_id: record.run_id.clone(),
                fold: final_fold,
                split: "test".into(),
                index: 200 + i as u32,
                actual: 2.0,
                predicted: p,
                ..PredictionRow::default()
            })
            .collect();
        FinishedRun {
            record,
            history: Vec::new(),
            predictions,
            folds,
            series: Vec::new(),
        }
    }

    /// lookback=5: two seeds, folds 1, 2, 3 at (1, 3), (2, 4), (3, 5), and a diverged third
    /// seed that must not count; on the last fold the seeds predict (1, 3) and (3, 1) for
    /// actual values (2, 2), so their mean is exact. lookback=10: one seed at 5, 5, 1.
    fn sweep() -> Vec<FinishedRun> {
        vec![
            seed(5, 1, RunStatus::Ok, &[1.0, 2.0, 3.0], [1.0, 3.0]),
            seed(5, 2, RunStatus::Ok, &[3.0, 4.0, 5.0], [3.0, 1.0]),
            seed(
                5,
                3,
                RunStatus::Diverged,
                &[100.0, 100.0, 100.0],
                [9.0, 9.0],
            ),
            seed(10, 1, RunStatus::Ok, &[5.0, 5.0, 1.0], [1.0, 1.0]),
        ]
    }

    #[test]
    fn a_configuration_fold_by_fold_over_its_successful_seeds() {
        let runs = sweep();
        let records: Vec<_> = runs.iter().map(|r| r.record.clone()).collect();
        let configs = summarize(&records, Metric::TEST_RMSE);
        let five = configs.iter().find(|c| c.config == "lookback=5").unwrap();
        let folds = config_folds(five, &runs);
        // (1 + 3) / 2 = 2, (2 + 4) / 2 = 3, (3 + 5) / 2 = 4; AR 2 and seasonal naive 4.
        let rmse: Vec<f64> = folds.iter().map(|f| f.test_rmse).collect();
        assert_eq!(rmse, [2.0, 3.0, 4.0]);
        assert_eq!(folds[2].origin, 130);
        assert!(folds
            .iter()
            .all(|f| f.ar_rmse == 2.0 && f.seasonal_naive_rmse == 4.0));
    }
}
