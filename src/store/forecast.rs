//! A forecast past the end of the series, on disk: `forecast/` in the results folder, written
//! by `runner forecast` and read back by every assembly (the report's forecast section,
//! `plots/future.png`). Not part of the assembled generation: a sweep re-run keeps it, and
//! the report says when it no longer matches the sweep's choice.
//!
//! ```text
//! forecast/
//!   forecast.json        the record below: what was forecast, how, the coverage on the backtest
//!   forecast.csv         step, time, mean, lower_80, upper_80, ..., seed_<s> per seed
//!   forecast.parquet     the same, typed
//!   models/<run_id>.safetensors   each seed's network refitted on the whole series
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars_core::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::atomic::TempFolder;
use super::layout::{
    refit_model_file_name, FORECAST_CSV, FORECAST_DIR, FORECAST_JSON, FORECAST_PARQUET, MODELS_DIR,
};
use super::tables::{write_csv, write_json, write_parquet};

/// What `forecast/forecast.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastRecord {
    /// The configuration forecast (its swept values without the seed).
    pub config: String,
    /// Whether it is the selection's choice (`false`: named with `--config`).
    pub chosen: bool,
    /// When the sweep's answer was a baseline rather than a network: that baseline's name
    /// (the forecast is then of the best network all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_answer: Option<String>,
    /// The runs of its seeds that were refitted, with their seeds, in grid order.
    pub run_ids: Vec<String>,
    /// The master seed of each of those runs.
    pub seeds: Vec<u64>,
    /// Epochs of each seed's refit (with early stopping, the mean best epoch of its folds).
    pub refit_epochs: Vec<usize>,
    /// Why the refits of other seeds of the configuration were left out (they diverged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// Values forecast past the last observation.
    pub steps: usize,
    /// Nominal levels of the intervals, e.g. `[0.8, 0.95]`.
    pub levels: Vec<f64>,
    /// How the values were forecast from the network's windows, in words (direct, recursive,
    /// or direct in blocks fed back).
    pub method: String,
    /// How the time labels continue (`monthly`), or why there are none.
    pub calendar: String,
    /// The intervals' calibration; `None` without a backtest (see `intervals_note`).
    pub calibration: Option<Calibration>,
    /// Why there are no intervals, when there are none.
    pub intervals_note: Option<String>,
    /// The last observations, for the plot: `(time label, value)`.
    pub history: Vec<(Option<String>, f64)>,
    pub rows: Vec<ForecastRow>,
    /// Wall time of `runner forecast`, seconds.
    pub seconds: f64,
    /// The runner that made it.
    pub runner_version: String,
}

/// Where the intervals come from and how well they held on the backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Backtest folds whose held-out forecasts gave errors.
    pub folds: u32,
    /// The scale the errors were measured on.
    pub score: Score,
    /// Held-out errors per step ahead (step 1 first).
    pub errors_per_step: Vec<usize>,
    /// Per level, in the order of `levels`.
    pub coverage: Vec<LevelCoverage>,
}

/// The scale conformal errors are measured on (`analysis::conformal` computes with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    /// `|y - ŷ|`, intervals `ŷ ± w`.
    Absolute,
    /// `|ln y - ln ŷ|`, intervals `[ŷ e^-w, ŷ e^w]`: for a series modelled in logs, whose
    /// errors grow with its level.
    LogRatio,
}

/// How often one level's intervals covered the backtest's held-out values (forward in time:
/// each fold calibrated on what the folds before it knew).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCoverage {
    pub level: f64,
    pub covered: usize,
    pub checked: usize,
    /// Values whose (step, level) had too few calibration errors for a finite interval.
    pub unchecked: usize,
    /// The folds checked (all but the first).
    pub folds: Vec<u32>,
}

impl LevelCoverage {
    /// `covered / checked`; NaN when nothing could be checked.
    pub fn rate(&self) -> f64 {
        if self.checked == 0 {
            f64::NAN
        } else {
            self.covered as f64 / self.checked as f64
        }
    }
}

/// One forecast value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastRow {
    /// 1 = the value right after the last observation.
    pub step: usize,
    pub time: Option<String>,
    /// The mean of the seeds' forecasts.
    pub mean: f64,
    /// Per level: `(lower, upper)`, `None` when the calibration had too few errors at this
    /// step for the level.
    pub intervals: Vec<Option<(f64, f64)>>,
    /// Each seed's forecast, in the order of the record's `seeds`.
    pub seeds: Vec<f64>,
}

/// `80` for 0.8, `97.5` for 0.975: how a level is written in column names and text.
pub fn level_percent(level: f64) -> String {
    let p = (level * 1000.0).round() / 10.0;
    format!("{p}")
}

/// Writes `folder/forecast/` atomically (replacing an older one): the record, the table as
/// CSV and Parquet, and the refitted models (`(run_id, safetensors bytes)`).
pub fn write_forecast(
    folder: &Path,
    record: &ForecastRecord,
    models: &[(String, Vec<u8>)],
) -> Result<PathBuf> {
    let temp = TempFolder::beside(&folder.join(FORECAST_DIR))?;
    let dir = temp.path();
    let mut df = forecast_frame(record)?;
    write_csv(&dir.join(FORECAST_CSV), &mut df)?;
    write_parquet(&dir.join(FORECAST_PARQUET), &mut df)?;
    let models_dir = dir.join(MODELS_DIR);
    std::fs::create_dir_all(&models_dir)
        .with_context(|| format!("cannot create {}", models_dir.display()))?;
    for (run_id, bytes) in models {
        let path = models_dir.join(refit_model_file_name(run_id));
        // Synced with the folder, by its commit.
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Last: its presence is what makes the folder a forecast to readers.
    write_json(&dir.join(FORECAST_JSON), record)?;
    temp.commit()
}

/// The forecast record of `folder`, `None` when it has no forecast. A record that does not
/// parse, or whose rows do not have one interval per level and one value per seed, is an
/// error naming the file.
pub fn read_forecast(folder: &Path) -> Result<Option<ForecastRecord>> {
    let path = folder.join(FORECAST_DIR).join(FORECAST_JSON);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let record: ForecastRecord = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a forecast record", path.display()))?;
    let consistent = record.rows.len() == record.steps
        && record.rows.iter().all(|r| {
            r.intervals.len() == record.levels.len() && r.seeds.len() == record.seeds.len()
        });
    if !consistent {
        anyhow::bail!(
            "{}: its rows do not match its steps, levels and seeds",
            path.display()
        );
    }
    Ok(Some(record))
}

/// The forecast table: `step: UInt32, time: String (nullable), mean: Float64`, then
/// `lower_<p>, upper_<p>: Float64` per level (null where the interval is unknown), then
/// `seed_<s>: Float64` per seed.
pub fn forecast_frame(r: &ForecastRecord) -> Result<DataFrame> {
    let rows = &r.rows;
    let mut columns = vec![
        Column::new(
            "step".into(),
            rows.iter().map(|x| x.step as u32).collect::<Vec<u32>>(),
        ),
        Column::new(
            "time".into(),
            rows.iter()
                .map(|x| x.time.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        Column::new(
            "mean".into(),
            rows.iter().map(|x| x.mean).collect::<Vec<f64>>(),
        ),
    ];
    for (j, &level) in r.levels.iter().enumerate() {
        let p = level_percent(level);
        let bound = |pick: fn((f64, f64)) -> f64| -> Vec<Option<f64>> {
            rows.iter()
                .map(|x| x.intervals.get(j).copied().flatten().map(pick))
                .collect()
        };
        columns.push(Column::new(format!("lower_{p}").into(), bound(|b| b.0)));
        columns.push(Column::new(format!("upper_{p}").into(), bound(|b| b.1)));
    }
    for (j, seed) in r.seeds.iter().enumerate() {
        columns.push(Column::new(
            format!("seed_{seed}").into(),
            rows.iter().map(|x| x.seeds[j]).collect::<Vec<f64>>(),
        ));
    }
    Ok(DataFrame::new(rows.len(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::forecast_record as record;

    #[test]
    fn a_forecast_is_written_as_a_table_a_record_and_models() {
        let dir = tempfile::tempdir().unwrap();
        let r = record();
        write_forecast(dir.path(), &r, &[("a1".into(), vec![1, 2, 3])]).unwrap();
        let f = dir.path().join(FORECAST_DIR);
        let csv = std::fs::read_to_string(f.join(FORECAST_CSV)).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "step,time,mean,lower_80,upper_80,lower_95,upper_95,seed_1,seed_2"
        );
        assert_eq!(
            lines.next().unwrap(),
            "1,1961-01-01,401.0,390.0,411.0,,,399.0,401.0"
        );
        assert_eq!(lines.count(), 2);
        assert_eq!(
            std::fs::read(f.join("models/a1.safetensors")).unwrap(),
            [1, 2, 3]
        );
        assert_eq!(read_forecast(dir.path()).unwrap(), Some(r.clone()));
        // written again: replaced whole
        write_forecast(dir.path(), &r, &[]).unwrap();
        assert!(!f.join("models/a1.safetensors").exists());
        assert_eq!(read_forecast(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn levels_are_written_as_percentages() {
        assert_eq!(level_percent(0.8), "80");
        assert_eq!(level_percent(0.95), "95");
        assert_eq!(level_percent(0.975), "97.5");
    }
}
