//! The summary across seeds: one row per configuration, each metric's mean and spread over
//! the configuration's successful runs, ranked best first.
//!
//! Written as `summary.csv` (for people) and `summary.parquet` (for tools).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{Column, DataFrame};

use super::layout::{SUMMARY_CSV, SUMMARY_PARQUET};
use super::param_columns::{param_columns, param_keys};
use super::records::{ParamValue, RunRecord, RunStatus};
use super::tables::{metric_names, write_csv, write_parquet};

/// One metric of one configuration over its successful runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    /// Mean of the finite values; `None` when there is none.
    pub mean: Option<f64>,
    /// Sample standard deviation (ddof = 1) of the finite values; `None` below two values.
    pub std: Option<f64>,
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
}

impl ConfigSummary {
    pub fn metric(&self, name: &str) -> Option<&MetricSummary> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// Mean of metric `name`, `None` when absent or without a finite value.
    pub fn mean(&self, name: &str) -> Option<f64> {
        self.metric(name).and_then(|m| m.mean)
    }

    /// Spread of metric `name` over seeds, `None` with fewer than two values.
    pub fn std(&self, name: &str) -> Option<f64> {
        self.metric(name).and_then(|m| m.std)
    }
}

/// Whether a larger value of `metric` is better: the coefficient of determination (`r2`,
/// `test_r2`, ...). Every error metric (rmse, mae, mape, smape, mase) is lower-is-better.
pub fn higher_is_better(metric: &str) -> bool {
    // Skill = 1 - rmse_model / rmse_baseline: higher is better, like r2.
    metric == "r2" || metric.ends_with("_r2") || metric.contains("skill")
}

/// Folds the seeds of each configuration and ranks the configurations by the mean of
/// `rank_by` (ascending, or descending when [`higher_is_better`]).
///
/// Configurations without a mean of `rank_by` (every run failed, or the metric is missing)
/// come last. Ties, and the order among those last, go by config label, so the ranking does
/// not depend on the order of `runs`.
pub fn summarize(runs: &[RunRecord], rank_by: &str) -> Vec<ConfigSummary> {
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
                    let values: Vec<f64> = ok
                        .iter()
                        .filter_map(|r| r.metric(name))
                        .filter(|v| v.is_finite())
                        .collect();
                    let (mean, std) = mean_and_std(&values);
                    MetricSummary {
                        name: name.clone(),
                        mean,
                        std,
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
            }
        })
        .collect();

    let descending = higher_is_better(rank_by);
    summaries.sort_by(|a, b| {
        let (ma, mb) = (a.mean(rank_by), b.mean(rank_by));
        let by_mean = match (ma, mb) {
            (Some(x), Some(y)) if descending => y.total_cmp(&x),
            (Some(x), Some(y)) => x.total_cmp(&y),
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

/// Mean of metric `metric` over the successful runs that have a finite value of it, e.g.
/// the naive baseline's `test_naive_rmse` for the report.
pub fn mean_over_ok_runs(runs: &[RunRecord], metric: &str) -> Option<f64> {
    let values: Vec<f64> = runs
        .iter()
        .filter(|r| r.status == RunStatus::Ok)
        .filter_map(|r| r.metric(metric))
        .filter(|v| v.is_finite())
        .collect();
    mean_and_std(&values).0
}

/// Mean and sample standard deviation (ddof = 1) of `values`; two passes, so a spread that
/// is small next to the mean does not cancel out.
fn mean_and_std(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (Some(mean), None);
    }
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (Some(mean), Some((squares / (n - 1.0)).sqrt()))
}

/// Columns of the summary table before the parameter columns, and after them.
const SUMMARY_LEADING: [&str; 2] = ["rank", "config"];
const SUMMARY_COUNTS: [&str; 2] = ["n", "n_failed"];

/// The summary table as a frame: `rank: UInt32, config: String`, one typed column per swept
/// key (as in the runs table), `n: UInt32, n_failed: UInt32`, then `<metric>_mean: Float64`
/// and `<metric>_std: Float64` (nullable) for each metric, in rank order.
pub fn summary_frame(summaries: &[ConfigSummary]) -> Result<DataFrame> {
    let names: Vec<String> = summaries
        .first()
        .map(|s| s.metrics.iter().map(|m| m.name.clone()).collect())
        .unwrap_or_default();
    let stat_columns: Vec<String> = names
        .iter()
        .flat_map(|n| [format!("{n}_mean"), format!("{n}_std")])
        .collect();
    let mut reserved: Vec<&str> = SUMMARY_LEADING
        .iter()
        .chain(&SUMMARY_COUNTS)
        .copied()
        .collect();
    reserved.extend(stat_columns.iter().map(String::as_str));
    let keys = param_keys(
        summaries
            .iter()
            .map(|s| (format!("config {:?}", s.config), s.params.as_slice())),
        &reserved,
    )?;
    let param_rows: Vec<&[(String, ParamValue)]> =
        summaries.iter().map(|s| s.params.as_slice()).collect();
    let count = |v: usize, what: &str| {
        u32::try_from(v).with_context(|| format!("{what} = {v} does not fit u32"))
    };

    let mut columns = vec![
        Column::new(
            "rank".into(),
            summaries
                .iter()
                .map(|s| count(s.rank, "rank"))
                .collect::<Result<Vec<u32>>>()?,
        ),
        Column::new(
            "config".into(),
            summaries
                .iter()
                .map(|s| s.config.as_str())
                .collect::<Vec<_>>(),
        ),
    ];
    columns.extend(param_columns(&keys, &param_rows));
    columns.push(Column::new(
        "n".into(),
        summaries
            .iter()
            .map(|s| count(s.n, "n"))
            .collect::<Result<Vec<u32>>>()?,
    ));
    columns.push(Column::new(
        "n_failed".into(),
        summaries
            .iter()
            .map(|s| count(s.n_failed, "n_failed"))
            .collect::<Result<Vec<u32>>>()?,
    ));
    for name in &names {
        let stat = |pick: fn(&MetricSummary) -> Option<f64>| -> Vec<Option<f64>> {
            summaries
                .iter()
                .map(|s| s.metric(name).and_then(pick))
                .collect()
        };
        columns.push(Column::new(format!("{name}_mean").into(), stat(|m| m.mean)));
        columns.push(Column::new(format!("{name}_std").into(), stat(|m| m.std)));
    }
    Ok(DataFrame::new(summaries.len(), columns)?)
}

/// Writes `dir/summary.csv` and `dir/summary.parquet`; see [`summary_frame`] for the columns.
pub fn write_summary(dir: &Path, summaries: &[ConfigSummary]) -> Result<()> {
    let mut df = summary_frame(summaries)?;
    write_csv(&dir.join(SUMMARY_CSV), &mut df)?;
    write_parquet(&dir.join(SUMMARY_PARQUET), &mut df)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::test_support::{ok, run, tempdir};
    use polars::prelude::{DataType, ParquetReader, SerReader};

    fn sweep() -> Vec<RunRecord> {
        vec![
            // lookback=5: rmse 1, 2, 3 -> mean 2, std sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1.
            ok(5, 1, 1.0, 0.5),
            ok(5, 2, 2.0, 0.6),
            ok(5, 3, 3.0, 0.7),
            // lookback=10: rmse 0.5 and 1.5 ok (mean 1, std sqrt(0.5)), one diverged.
            ok(10, 1, 0.5, 0.9),
            run(10, 2, RunStatus::Diverged, &[("test_rmse", f64::NAN)]),
            ok(10, 3, 1.5, 0.8),
            // lookback=20: every run failed.
            run(20, 1, RunStatus::Failed, &[]),
            run(20, 2, RunStatus::Failed, &[]),
            // lookback=40: one run, so a mean and no spread.
            ok(40, 1, 4.0, 0.1),
        ]
    }

    #[test]
    fn seeds_fold_into_mean_and_sample_std() {
        let s = summarize(&sweep(), "test_rmse");
        let configs: Vec<&str> = s.iter().map(|c| c.config.as_str()).collect();
        assert_eq!(
            configs,
            ["lookback=10", "lookback=5", "lookback=40", "lookback=20"]
        );
        assert_eq!(s.iter().map(|c| c.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);

        let five = &s[1];
        assert_eq!((five.n, five.n_failed), (3, 0));
        assert_eq!(five.mean("test_rmse"), Some(2.0));
        assert_eq!(five.std("test_rmse"), Some(1.0));
        // r2 0.5, 0.6, 0.7: mean 0.6, std 0.1.
        assert!((five.mean("test_r2").unwrap() - 0.6).abs() < 1e-12);
        assert!((five.std("test_r2").unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(
            five.params,
            [("window.lookback".to_string(), ParamValue::Int(5))]
        );
        assert_eq!(five.run_ids, ["l5s1", "l5s2", "l5s3"]);

        let ten = &s[0];
        assert_eq!((ten.n, ten.n_failed), (2, 1));
        assert_eq!(ten.mean("test_rmse"), Some(1.0));
        assert!((ten.std("test_rmse").unwrap() - 0.5f64.sqrt()).abs() < 1e-15);

        let forty = &s[2];
        assert_eq!(forty.mean("test_rmse"), Some(4.0));
        assert_eq!(forty.std("test_rmse"), None);

        let twenty = &s[3];
        assert_eq!((twenty.n, twenty.n_failed), (0, 2));
        assert_eq!(twenty.mean("test_rmse"), None);
        // Every configuration lists every metric, in the runs table's order.
        let names: Vec<&str> = twenty.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["test_rmse", "test_r2"]);
    }

    #[test]
    fn skill_is_better_when_higher() {
        assert!(higher_is_better("test_skill_vs_ar"));
        assert!(higher_is_better("test_r2"));
        assert!(!higher_is_better("test_rmse"));
    }

    #[test]
    fn r2_ranks_higher_first_and_failed_configs_stay_last() {
        assert!(higher_is_better("test_r2") && higher_is_better("r2"));
        assert!(!higher_is_better("test_rmse") && !higher_is_better("test_mase"));
        let s = summarize(&sweep(), "test_r2");
        let configs: Vec<&str> = s.iter().map(|c| c.config.as_str()).collect();
        // Means: lookback=10 0.85, lookback=5 0.6, lookback=40 0.1, lookback=20 none.
        assert_eq!(
            configs,
            ["lookback=10", "lookback=5", "lookback=40", "lookback=20"]
        );
        let s = summarize(&sweep()[..3], "test_r2");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn ranking_does_not_depend_on_run_order_and_ties_go_by_config() {
        let mut runs = sweep();
        runs.push(ok(7, 1, 2.0, 0.0));
        let forward = summarize(&runs, "test_rmse");
        runs.reverse();
        let backward = summarize(&runs, "test_rmse");
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

    #[test]
    fn mean_over_ok_runs_skips_failed_and_non_finite() {
        // ok rmse values: 1, 2, 3, 0.5, 1.5, 4 -> 12 / 6 = 2.
        assert_eq!(mean_over_ok_runs(&sweep(), "test_rmse"), Some(2.0));
        assert_eq!(mean_over_ok_runs(&sweep(), "test_naive_rmse"), None);
        assert_eq!(mean_over_ok_runs(&[], "test_rmse"), None);
    }

    #[test]
    fn summary_tables_have_typed_columns_in_rank_order() {
        let tmp = tempdir();
        write_summary(tmp.path(), &summarize(&sweep(), "test_rmse")).unwrap();

        let text = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "rank,config,window.lookback,n,n_failed,test_rmse_mean,test_rmse_std,test_r2_mean,test_r2_std"
        );
        assert_eq!(lines.len(), 5);
        assert!(
            lines[2].starts_with("2,lookback=5,5,3,0,2.0,1.0,"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[4], "4,lookback=20,20,0,2,,,,");

        let file = std::fs::File::open(tmp.path().join("summary.parquet")).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();
        assert_eq!(df.height(), 4);
        let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
        assert_eq!(dtype("rank"), DataType::UInt32);
        assert_eq!(dtype("config"), DataType::String);
        assert_eq!(dtype("window.lookback"), DataType::Int64);
        assert_eq!(dtype("n"), DataType::UInt32);
        assert_eq!(dtype("n_failed"), DataType::UInt32);
        for c in [
            "test_rmse_mean",
            "test_rmse_std",
            "test_r2_mean",
            "test_r2_std",
        ] {
            assert_eq!(dtype(c), DataType::Float64, "{c}");
        }
        let f = |c: &str, row: usize| df.column(c).unwrap().f64().unwrap().get(row);
        assert_eq!(f("test_rmse_mean", 0), Some(1.0));
        assert_eq!(f("test_rmse_std", 2), None);
        assert_eq!(f("test_rmse_mean", 3), None);
        assert_eq!(df.column("n").unwrap().u32().unwrap().get(0), Some(2));
        assert_eq!(
            df.column("window.lookback").unwrap().i64().unwrap().get(0),
            Some(10)
        );
    }

    #[test]
    fn empty_summary_writes_the_fixed_columns() {
        let tmp = tempdir();
        write_summary(tmp.path(), &[]).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
        assert_eq!(text.lines().next(), Some("rank,config,n,n_failed"));
    }
}
