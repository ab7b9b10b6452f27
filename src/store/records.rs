//! Finished-run records: the only input `analysis`, `render` and `plot` accept.
//!
//! The pipeline fills these after a run has ended; nothing here refers to a live model,
//! the experiment file or the network, so tables and plots can be rebuilt from records alone.

use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Trained and evaluated.
    Ok,
    /// The loss became NaN or infinite; metrics are absent.
    Diverged,
    /// Any other error (the reason says which).
    Failed,
}

impl RunStatus {
    /// The spelling used in tables and JSON: `ok`, `diverged`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Diverged => "diverged",
            RunStatus::Failed => "failed",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of one swept key in one run, typed as the experiment file wrote it.
///
/// Serialized untagged, as the bare value (`10`, `0.003`, `"50x50"`, `true`), so JSON and
/// TOML readers see what the user wrote. Lists such as `model.units = [50, 50]` arrive as
/// `Str("50x50")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Str(v) => f.write_str(v),
            ParamValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// One row of `runs.csv` / `runs.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    /// Human-readable description of the run: its swept values including the seed
    /// (`lookback=10 units=50x50 lr=0.003 seed=2`).
    pub label: String,
    /// The run's swept values without the seed (`lookback=10 units=50x50 lr=0.003`; `""` when
    /// only the seed is swept, or nothing): the runs of one configuration across seeds share it.
    pub config: String,
    /// The run's master seed.
    pub seed: u64,
    /// Swept keys (dotted paths such as `window.lookback`, without `seed`) and their values,
    /// in sweep order.
    pub params: Vec<(String, ParamValue)>,
    pub status: RunStatus,
    /// Why the run diverged or failed; `None` for `ok` runs.
    pub reason: Option<String>,
    /// Metrics in original units, in display order, e.g. `("test_rmse", 0.013)`.
    /// A NaN or infinite value, or a metric another run has and this one lacks, becomes a
    /// null cell in the tables.
    ///
    /// In JSON a non-finite value is written as `null` and read back as NaN (plain serde
    /// would write `null` and then refuse to read it as an `f64`).
    #[serde(with = "finite_or_null")]
    pub metrics: Vec<(String, f64)>,
    /// Wall time of the fit, seconds (of all folds' fits with a backtest).
    pub train_seconds: f64,
    /// Epochs actually run (fewer than configured after early stopping or divergence); the
    /// longest fold's with a backtest.
    pub epochs: usize,
    /// When, where and by which runner the run was made, and of which data; `None` in
    /// records written before provenance was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// Where a run's figures come from: kept beside them, never part of the run's identity
/// (a run made again elsewhere or later is the same run) nor of any figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// When the run started, UTC, RFC 3339 (`2026-12-03T09:35:24Z`).
    pub started_at: String,
    /// The runner that made it (its Cargo package version).
    pub runner_version: String,
    /// `git rev-parse HEAD` of the checkout runner was built from; `None` when it was not
    /// built from a git checkout.
    pub git_commit: Option<String>,
    /// Whether that checkout had uncommitted changes (`git status --porcelain`).
    pub git_dirty: Option<bool>,
    /// The host name of the machine it ran on.
    pub host: String,
    /// blake3 (64 hex digits) of the data: see `data_hashed`.
    pub data_hash: String,
    /// What `data_hash` hashes: `"file"` (the CSV's bytes), `"generator"` (a generated
    /// series' settings and noise seed), or `"settings"` (a CSV source's settings, for an
    /// experiment whose file was never read by the loader).
    pub data_hashed: String,
}

impl Provenance {
    /// The runs-table columns that hold it, after `epochs`.
    pub const COLUMNS: [&'static str; 7] = [
        "started_at",
        "runner_version",
        "git_commit",
        "git_dirty",
        "host",
        "data_hash",
        "data_hashed",
    ];
}

/// The value of metric `name` in a metric list, `None` when the list lacks it.
pub fn metric_value(metrics: &[(String, f64)], name: &str) -> Option<f64> {
    metrics.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
}

impl RunRecord {
    /// The run's metric `name` (with a backtest, a `test_*` column is the last fold's and a
    /// `selection_*` column the selection data's), `None` when absent.
    pub fn metric(&self, name: &str) -> Option<f64> {
        metric_value(&self.metrics, name)
    }
}

/// One row of `history.csv` / `history.parquet`: the losses after one epoch of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub run_id: String,
    /// 1-based backtest fold, oldest first; 1 for a run without a backtest.
    pub fold: u32,
    /// 1-based epoch number.
    pub epoch: u32,
    /// Mean training loss over the epoch's batches, in scaled units.
    pub train_loss: f64,
    /// Validation loss, when the split has a validation part.
    pub val_loss: Option<f64>,
}

/// One row of `predictions.parquet`: one predicted point, inverse-scaled to original units,
/// with each baseline's forecast of the same point (for tests of equal accuracy, point by
/// point).
///
/// The baselines' forecasts are `Some` on validation and test rows, `None` on training rows
/// and for a baseline that was not computed (seasonal naive without `data.season`, an AR
/// that could not be fitted). Rows written before they existed read back as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictionRow {
    pub run_id: String,
    /// 1-based backtest fold, oldest first; 1 for a run without a backtest.
    pub fold: u32,
    /// `"train"`, `"validation"` or `"test"`.
    pub split: String,
    /// Position of the predicted point in the original series (0-based).
    pub index: u32,
    pub actual: f64,
    pub predicted: f64,
    /// The window's last value.
    #[serde(default)]
    pub naive: Option<f64>,
    /// The value one season earlier.
    #[serde(default)]
    pub seasonal_naive: Option<f64>,
    /// The naive value plus the training span's slope per step.
    #[serde(default)]
    pub drift: Option<f64>,
    /// The linear AR(lookback) in original units.
    #[serde(default)]
    pub ar: Option<f64>,
    /// The network's preprocessing with the last input carried forward.
    #[serde(default)]
    pub transformed_naive: Option<f64>,
    /// The network's preprocessing with a linear map from inputs to targets.
    #[serde(default)]
    pub transformed_ar: Option<f64>,
    /// The series of a panel the point belongs to; `None` for one series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
}

impl PredictionRow {
    /// The baseline columns of the predictions tables, in field order: the baselines' keys
    /// (`analysis::metric::Baseline::key`, `eval::baselines`' names).
    pub const BASELINES: [&'static str; 6] = [
        "naive",
        "seasonal_naive",
        "drift",
        "ar",
        "transformed_naive",
        "transformed_ar",
    ];

    /// The baselines' forecasts in [`Self::BASELINES`] order.
    pub fn baselines(&self) -> [Option<f64>; 6] {
        [
            self.naive,
            self.seasonal_naive,
            self.drift,
            self.ar,
            self.transformed_naive,
            self.transformed_ar,
        ]
    }

    /// The field of baseline `key` (one of [`Self::BASELINES`]); `None` for another name.
    pub fn baseline_mut(&mut self, key: &str) -> Option<&mut Option<f64>> {
        Some(match key {
            "naive" => &mut self.naive,
            "seasonal_naive" => &mut self.seasonal_naive,
            "drift" => &mut self.drift,
            "ar" => &mut self.ar,
            "transformed_naive" => &mut self.transformed_naive,
            "transformed_ar" => &mut self.transformed_ar,
            _ => return None,
        })
    }
}

/// sMAPE (0..200) and MASE of one forecast of one series of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeriesAccuracy {
    pub smape: f64,
    pub mase: f64,
}

/// One series of a panel at one forecast origin, in one run: a row of `series.csv` /
/// `series.parquet`. The benchmarks' accuracy is the same in every run of a dataset; it is
/// repeated so that each row compares the network with them on the same points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    pub run_id: String,
    pub series: String,
    /// `"validation"` or `"test"`.
    pub split: String,
    /// Index of the first forecast point in the series (its length minus `h` for the test).
    pub origin: u32,
    /// Who forecast the series: `network`, or `naive2` when the series was too short for a
    /// training window or its local network diverged (see `reason`).
    pub forecaster: String,
    pub reason: Option<String>,
    /// MASE's denominator: the in-sample seasonal naive MAE before `origin`.
    pub mase_scale: f64,
    /// The run's forecast (the network's, or the fallback's).
    pub accuracy: SeriesAccuracy,
    /// Per benchmark, in [`SeriesRow::BENCHMARKS`] order.
    pub benchmarks: [SeriesAccuracy; 5],
}

impl SeriesRow {
    /// The benchmarks' keys, in the order of [`SeriesRow::benchmarks`] (the same as
    /// `eval::competition::Benchmark::ALL`).
    pub const BENCHMARKS: [&'static str; 5] = ["naive", "seasonal_naive", "naive2", "ses", "theta"];

    /// Naive2's accuracy: the OWA's reference.
    pub fn naive2(&self) -> SeriesAccuracy {
        self.benchmarks[2]
    }
}

/// One fold of a run's backtest: a row of `folds.csv` / `folds.parquet`. The run's record
/// holds the last fold's metrics and the selection columns made from the folds before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldRecord {
    /// 1-based, oldest first; the last fold is the experiment's own split.
    pub fold: u32,
    /// Index of the fold's first test point (its forecast origin).
    pub origin: u32,
    /// Points the fold sees: its test part ends here.
    pub end: u32,
    pub status: RunStatus,
    pub reason: Option<String>,
    /// The fold's metrics, same names as the run's.
    #[serde(with = "finite_or_null")]
    pub metrics: Vec<(String, f64)>,
    pub train_seconds: f64,
    pub epochs: usize,
    pub best_epoch: usize,
}

impl FoldRecord {
    /// The fold's metric `name`, `None` when absent.
    pub fn metric(&self, name: &str) -> Option<f64> {
        metric_value(&self.metrics, name)
    }
}

/// Serde for metric lists whose values may be NaN or infinite: `null` on the way out,
/// NaN on the way back.
mod finite_or_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(metrics: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
        let cells: Vec<(&str, Option<f64>)> = metrics
            .iter()
            .map(|(name, v)| (name.as_str(), v.is_finite().then_some(*v)))
            .collect();
        cells.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        let cells: Vec<(String, Option<f64>)> = Vec::deserialize(d)?;
        Ok(cells
            .into_iter()
            .map(|(name, v)| (name, v.unwrap_or(f64::NAN)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        RunRecord {
            provenance: None,
            run_id: "abc".into(),
            label: "lookback=10 units=50x50 lr=0.003 seed=2".into(),
            config: "lookback=10 units=50x50 lr=0.003".into(),
            seed: 2,
            params: vec![
                ("window.lookback".into(), ParamValue::Int(10)),
                ("model.units".into(), ParamValue::Str("50x50".into())),
                ("train.learning_rate".into(), ParamValue::Float(0.003)),
                ("train.shuffle".into(), ParamValue::Bool(false)),
            ],
            status: RunStatus::Diverged,
            reason: Some("loss is NaN at epoch 3".into()),
            metrics: vec![("test_rmse".into(), f64::NAN), ("test_r2".into(), -0.5)],
            train_seconds: 1.25,
            epochs: 3,
        }
    }

    #[test]
    fn json_writes_params_as_bare_values_and_non_finite_metrics_as_null() {
        let json = serde_json::to_value(record()).unwrap();
        assert_eq!(
            json["params"],
            serde_json::json!([
                ["window.lookback", 10],
                ["model.units", "50x50"],
                ["train.learning_rate", 0.003],
                ["train.shuffle", false]
            ])
        );
        assert_eq!(
            json["metrics"],
            serde_json::json!([["test_rmse", null], ["test_r2", -0.5]])
        );
        assert_eq!(json["status"], "diverged");
        assert_eq!(json["seed"], 2);
    }

    #[test]
    fn json_round_trip_keeps_param_types_and_reads_null_metrics_as_nan() {
        let text = serde_json::to_string(&record()).unwrap();
        let back: RunRecord = serde_json::from_str(&text).unwrap();
        // A float that happens to be whole stays a float (serde_json writes `1.0`).
        let whole: ParamValue =
            serde_json::from_str(&serde_json::to_string(&ParamValue::Float(1.0)).unwrap()).unwrap();
        assert_eq!(whole, ParamValue::Float(1.0));
        assert_eq!(back.params, record().params);
        assert!(back.metrics[0].1.is_nan());
        assert_eq!(back.metrics[1], ("test_r2".to_string(), -0.5));
        let mut expected = record();
        expected.metrics[0].1 = 0.0;
        let mut got = back;
        got.metrics[0].1 = 0.0;
        assert_eq!(got, expected);
    }

    #[test]
    fn prediction_rows_name_their_baselines_in_field_order() {
        let mut row = PredictionRow::default();
        for (i, key) in PredictionRow::BASELINES.iter().enumerate() {
            *row.baseline_mut(key).unwrap() = Some(i as f64);
        }
        let expected: Vec<Option<f64>> = (0..6).map(|i| Some(i as f64)).collect();
        assert_eq!(row.baselines().to_vec(), expected);
        assert!(row.baseline_mut("lstm").is_none());
        // JSON written before the baselines existed still reads, with `None` for them
        let old = r#"{"run_id":"a","fold":1,"split":"test","index":3,"actual":1.5,"predicted":2}"#;
        let back: PredictionRow = serde_json::from_str(old).unwrap();
        assert_eq!(back.baselines(), [None; 6]);
        assert_eq!((back.index, back.predicted), (3, 2.0));
    }

    #[test]
    fn param_values_display_as_written() {
        assert_eq!(ParamValue::Int(-5).to_string(), "-5");
        assert_eq!(ParamValue::Float(0.003).to_string(), "0.003");
        assert_eq!(ParamValue::Str("50x50".into()).to_string(), "50x50");
        assert_eq!(ParamValue::Bool(true).to_string(), "true");
    }
}
