//! The summary across seeds: one row per configuration, each metric's mean and spread over
//! the configuration's successful runs, ranked best first.
//!
//! Rendered as `summary.csv` / `summary.parquet` by `render::summary_table`.

use std::collections::HashMap;

use super::metric::Metric;
use super::stats::mean_and_std;
use crate::store::records::{ParamValue, RunRecord, RunStatus};
use crate::store::tables::metric_names;

/// One metric of one configuration over its successful runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    /// Mean of the finite values; `None` when there is none.
    pub mean: Option<f64>,
    /// Sample standard deviation (ddof = 1) of the finite values; `None` below two values.
    pub std: Option<f64>,
    /// The finite values by seed, `(seed, value)` in run order: what the regression gate
    /// pairs seed by seed. Empty for a figure not taken per run (the seed ensemble's).
    pub by_seed: Vec<(u64, f64)>,
}

/// One configuration (the runs sharing a `config` label, i.e. differing only in seed).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSummary {
    /// 1-based position in the ranking.
    pub rank: usize,
    pub config: String,
    /// The swept values of the configuration (those of its first run).
    pub params: Vec<(String, ParamValue)>,
    /// Runs with status `ok`: the ones the statistics are taken over.
    pub n: usize,
    /// Runs that diverged or failed.
    pub n_failed: usize,
    /// Every run of the configuration, in input order.
    pub run_ids: Vec<String>,
    /// One entry per metric of the runs table, in its column order (the same list for every
    /// configuration, so the entries line up as table columns).
    pub metrics: Vec<MetricSummary>,
    /// Tests of the configuration's forecast, one value each (Diebold-Mariano p-values
    /// against each baseline and the chosen configuration: `dm_p_vs_ar`, ...); filled in by
    /// the sweep's analysis, empty from [`summarize`].
    pub p_values: Vec<(String, Option<f64>)>,
}

impl ConfigSummary {
    /// The summary of `metric`, `None` when the runs have no such column.
    pub fn metric(&self, metric: Metric) -> Option<&MetricSummary> {
        let column = metric.column();
        self.metrics.iter().find(|m| m.name == column)
    }

    /// Mean of `metric`, `None` when absent or without a finite value.
    pub fn mean(&self, metric: Metric) -> Option<f64> {
        self.metric(metric).and_then(|m| m.mean)
    }

    /// Spread of `metric` over seeds, `None` with fewer than two values.
    pub fn std(&self, metric: Metric) -> Option<f64> {
        self.metric(metric).and_then(|m| m.std)
    }
}

/// Folds the seeds of each configuration and ranks the configurations by the mean of
/// `rank_by`, best first in its [direction](Metric::direction).
///
/// Configurations without a mean of `rank_by` (every run failed, or the metric is missing)
/// come last. Ties, and the order among those last, go by config label, so the ranking does
/// not depend on the order of `runs`.
pub fn summarize(runs: &[RunRecord], rank_by: Metric) -> Vec<ConfigSummary> {
    let names = metric_names(runs);
    let mut groups: Vec<(&str, Vec<&RunRecord>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for run in runs {
        let i = *index.entry(run.config.as_str()).or_insert_with(|| {
            groups.push((run.config.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(run);
    }

    let mut summaries: Vec<ConfigSummary> = groups
        .into_iter()
        .map(|(config, members)| {
            let ok: Vec<&RunRecord> = members
                .iter()
                .copied()
                .filter(|r| r.status == RunStatus::Ok)
                .collect();
            let metrics = names
                .iter()
                .map(|name| {
                    let by_seed: Vec<(u64, f64)> = ok
                        .iter()
                        .filter_map(|r| Some((r.seed, r.metric(name)?)))
                        .filter(|(_, v)| v.is_finite())
                        .collect();
                    let values: Vec<f64> = by_seed.iter().map(|&(_, v)| v).collect();
                    let (mean, std) = mean_and_std(&values);
                    MetricSummary {
                        name: name.clone(),
                        mean,
                        std,
                        by_seed,
                    }
                })
                .collect();
            ConfigSummary {
                rank: 0,
                config: config.to_string(),
                params: members[0].params.clone(),
                n: ok.len(),
                n_failed: members.len() - ok.len(),
                run_ids: members.iter().map(|r| r.run_id.clone()).collect(),
                metrics,
                p_values: Vec::new(),
            }
        })
        .collect();

    let direction = rank_by.direction();
    summaries.sort_by(|a, b| {
        let (ma, mb) = (a.mean(rank_by), b.mean(rank_by));
        let by_mean = match (ma, mb) {
            (Some(x), Some(y)) => direction.best_first(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            // Both unranked: configurations with successful runs before all-failed ones.
            (None, None) => (a.n == 0).cmp(&(b.n == 0)),
        };
        by_mean.then_with(|| a.config.cmp(&b.config))
    });
    for (i, s) in summaries.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    summaries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::{Measure, Split};
    use crate::store::test_support::{lookback_sweep, ok};

    const RMSE: Metric = Metric::TEST_RMSE;
    const R2: Metric = Metric::network(Split::Test, Measure::R2);

    /// See [`lookback_sweep`]: the means and spreads below are worked out there.
    fn sweep() -> Vec<RunRecord> {
        lookback_sweep()
    }

    #[test]
    fn seeds_fold_into_mean_and_sample_std() {
        let s = summarize(&sweep(), RMSE);
        let configs: Vec<&str> = s.iter().map(|c| c.config.as_str()).collect();
        assert_eq!(
            configs,
            ["lookback=10", "lookback=5", "lookback=40", "lookback=20"]
        );
        assert_eq!(s.iter().map(|c| c.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);

        let five = &s[1];
        assert_eq!((five.n, five.n_failed), (3, 0));
        assert_eq!(five.mean(RMSE), Some(2.0));
        assert_eq!(five.std(RMSE), Some(1.0));
        // r2 0.5, 0.6, 0.7: mean 0.6, std 0.1.
        assert!((five.mean(R2).unwrap() - 0.6).abs() < 1e-12);
        assert!((five.std(R2).unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(
            five.params,
            [("window.lookback".to_string(), ParamValue::Int(5))]
        );
        assert_eq!(five.run_ids, ["l5s1", "l5s2", "l5s3"]);
        // The values behind the mean, by seed, for the gate's pairing.
        assert_eq!(
            five.metric(RMSE).unwrap().by_seed,
            [(1, 1.0), (2, 2.0), (3, 3.0)]
        );

        let ten = &s[0];
        assert_eq!((ten.n, ten.n_failed), (2, 1));
        assert_eq!(ten.mean(RMSE), Some(1.0));
        assert!((ten.std(RMSE).unwrap() - 0.5f64.sqrt()).abs() < 1e-15);
        // Seed 2 diverged: no value of its own.
        assert_eq!(ten.metric(RMSE).unwrap().by_seed, [(1, 0.5), (3, 1.5)]);

        let forty = &s[2];
        assert_eq!(forty.mean(RMSE), Some(4.0));
        assert_eq!(forty.std(RMSE), None);

        let twenty = &s[3];
        assert_eq!((twenty.n, twenty.n_failed), (0, 2));
        assert_eq!(twenty.mean(RMSE), None);
        // Every configuration lists every metric, in the runs table's order.
        let names: Vec<&str> = twenty.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["test_rmse", "test_r2"]);
    }

    #[test]
    fn r2_ranks_higher_first_and_failed_configs_stay_last() {
        let s = summarize(&sweep(), R2);
        let configs: Vec<&str> = s.iter().map(|c| c.config.as_str()).collect();
        // Means: lookback=10 0.85, lookback=5 0.6, lookback=40 0.1, lookback=20 none.
        assert_eq!(
            configs,
            ["lookback=10", "lookback=5", "lookback=40", "lookback=20"]
        );
        let s = summarize(&sweep()[..3], R2);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn ranking_does_not_depend_on_run_order_and_ties_go_by_config() {
        let mut runs = sweep();
        runs.push(ok(7, 1, 2.0, 0.0));
        let forward = summarize(&runs, RMSE);
        runs.reverse();
        let backward = summarize(&runs, RMSE);
        let order =
            |s: &[ConfigSummary]| -> Vec<String> { s.iter().map(|c| c.config.clone()).collect() };
        // lookback=5 and lookback=7 tie at mean 2: "lookback=5" < "lookback=7".
        assert_eq!(
            order(&forward),
            [
                "lookback=10",
                "lookback=5",
                "lookback=7",
                "lookback=40",
                "lookback=20"
            ]
        );
        assert_eq!(order(&forward), order(&backward));
    }
}
