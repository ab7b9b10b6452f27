//! The summary table: one row per configuration, `summary.csv` for people and
//! `summary.parquet` for tools, written from the analysis' [`ConfigSummary`] rows.

use std::path::Path;

use anyhow::{Context, Result};
use polars_core::prelude::{Column, DataFrame};

use crate::analysis::summary::{ConfigSummary, MetricSummary};
use crate::store::layout::{SUMMARY_CSV, SUMMARY_PARQUET};
use crate::store::param_columns::{param_columns, param_keys};
use crate::store::records::ParamValue;
use crate::store::tables::{write_csv, write_parquet};

/// Columns of the summary table before the parameter columns, and after them.
const SUMMARY_LEADING: [&str; 2] = ["rank", "config"];
const SUMMARY_COUNTS: [&str; 2] = ["n", "n_failed"];

/// The summary table as a frame: `rank: UInt32, config: String`, one typed column per swept
/// key (as in the runs table), `n: UInt32, n_failed: UInt32`, then `<metric>_mean: Float64`
/// and `<metric>_std: Float64` (nullable) for each metric, then one nullable `Float64` per
/// test of the configuration's forecast (`dm_p_vs_ar`, ..., `dm_p_vs_chosen`), in rank order.
/// A figure or test column that is null in every row is left out (a `_std` with one seed
/// each, and always the seed ensemble's: one figure per configuration).
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
    // Figures and tests follow; one no configuration has (a `_std` with one seed each, the
    // seed ensemble's figures without two seeds) is left out rather than written as nulls.
    let fixed = columns.len();
    for name in &names {
        let stat = |pick: fn(&MetricSummary) -> Option<f64>| -> Vec<Option<f64>> {
            summaries
                .iter()
                .map(|s| s.metrics.iter().find(|m| m.name == *name).and_then(pick))
                .collect()
        };
        columns.push(Column::new(format!("{name}_mean").into(), stat(|m| m.mean)));
        columns.push(Column::new(format!("{name}_std").into(), stat(|m| m.std)));
    }
    let tests: Vec<String> = summaries
        .first()
        .map(|s| s.p_values.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    for name in &tests {
        let values: Vec<Option<f64>> = summaries
            .iter()
            .map(|s| {
                s.p_values
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, v)| *v)
            })
            .collect();
        columns.push(Column::new(name.as_str().into(), values));
    }
    let figures = columns.split_off(fixed);
    columns.extend(
        figures
            .into_iter()
            .filter(|c| summaries.is_empty() || c.null_count() < c.len()),
    );
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
    use crate::analysis::metric::Metric;
    use crate::analysis::summary::summarize;
    use crate::store::records::RunRecord;
    use crate::store::test_support::{lookback_sweep, tempdir};
    use polars_core::prelude::DataType;
    use polars_io::prelude::{ParquetReader, SerReader};

    fn sweep() -> Vec<RunRecord> {
        lookback_sweep()
    }

    #[test]
    fn summary_tables_have_typed_columns_in_rank_order() {
        let tmp = tempdir();
        write_summary(tmp.path(), &summarize(&sweep(), Metric::TEST_RMSE)).unwrap();

        let text = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "rank,config,window_lookback,n,n_failed,test_rmse_mean,test_rmse_std,test_r2_mean,test_r2_std"
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
        assert_eq!(dtype("window_lookback"), DataType::Int64);
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
            df.column("window_lookback").unwrap().i64().unwrap().get(0),
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

    #[test]
    fn the_seed_ensemble_has_a_mean_column_and_no_always_null_std() {
        let metric = |name: &str, mean: f64, std: Option<f64>| MetricSummary {
            name: name.to_string(),
            mean: Some(mean),
            std,
            by_seed: Vec::new(),
        };
        let summary = ConfigSummary {
            rank: 1,
            config: "units=50x50".into(),
            params: vec![("model.units".into(), ParamValue::Str("50x50".into()))],
            n: 3,
            n_failed: 0,
            run_ids: vec!["a".into(), "b".into(), "c".into()],
            metrics: vec![
                metric("test_rmse", 0.5, Some(0.25)),
                metric("ensemble_test_rmse", 0.375, None),
            ],
            p_values: Vec::new(),
        };
        let df = summary_frame(&[summary]).unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "rank",
                "config",
                "model_units",
                "model_width",
                "model_depth",
                "n",
                "n_failed",
                "test_rmse_mean",
                "test_rmse_std",
                "ensemble_test_rmse_mean"
            ]
        );
        let f = |c: &str| df.column(c).unwrap().f64().unwrap().get(0);
        assert_eq!(f("test_rmse_std"), Some(0.25));
        assert_eq!(f("ensemble_test_rmse_mean"), Some(0.375));
        assert_eq!(
            df.column("model_width").unwrap().i64().unwrap().get(0),
            Some(50)
        );
        assert_eq!(
            df.column("model_depth").unwrap().i64().unwrap().get(0),
            Some(2)
        );
    }
}
