//! The experiment file as typed structs. Defaults follow Keras (and the tutorial the
//! project grew from) for everything except `[data]`, which the user must describe.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::source::{self, SineParams};
use crate::data::{DataError, FitOn, Missing, PrepareParams, ScaleKind, Series};

/// One experiment, fully resolved: every default filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Names the results folder `results/<name>/`; defaults to the file's stem.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Master seed: every random draw of a run derives from it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub data: DataSpec,
    #[serde(default)]
    pub split: SplitSpec,
    #[serde(default)]
    pub scale: ScaleSpec,
    #[serde(default)]
    pub window: WindowSpec,
    #[serde(default)]
    pub model: ModelSpec,
    #[serde(default)]
    pub train: TrainSpec,
    /// Folder of the experiment file, which a CSV `path` is relative to.
    /// Not part of the file, the TOML output or the hashes.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

pub(crate) fn default_seed() -> u64 {
    42
}

/// Where the series comes from, chosen by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DataSpec {
    Sine(SineSpec),
    Csv(CsvSpec),
}

/// `value_i = amplitude * sin(frequency * t_i + phase) + noise * N(0, 1)`,
/// `t = linspace(start, stop, points)` with both ends included (numpy's linspace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SineSpec {
    pub points: usize,
    #[serde(default)]
    pub start: f64,
    #[serde(default = "default_stop")]
    pub stop: f64,
    #[serde(default = "one")]
    pub amplitude: f64,
    /// Radians per unit of t.
    #[serde(default = "one")]
    pub frequency: f64,
    /// Radians.
    #[serde(default)]
    pub phase: f64,
    /// Standard deviation of the added Gaussian noise (seeded from the master seed).
    #[serde(default)]
    pub noise: f64,
    /// Season length in steps for the seasonal baselines (seasonal naive, the MASE scale);
    /// 0 = no season. Omitted from the resolved TOML when 0, so configurations without a
    /// season keep their identities.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub season: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl DataSpec {
    /// `data.season`: season length in steps, 0 when the series has none.
    pub fn season(&self) -> usize {
        match self {
            DataSpec::Sine(s) => s.season,
            DataSpec::Csv(c) => c.season,
        }
    }
}

fn default_stop() -> f64 {
    100.0
}

fn one() -> f64 {
    1.0
}

/// A column of a CSV file with a header row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSpec {
    /// Relative to the experiment file's folder (or absolute).
    pub path: String,
    /// Header name of the value column.
    #[serde(default = "default_column")]
    pub column: String,
    /// Header name of a time column, kept as labels for tables and plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_column: Option<String>,
    #[serde(default)]
    pub missing: Missing,
    /// Season length in steps for the seasonal baselines (seasonal naive, the MASE scale);
    /// 0 = no season. Omitted from the resolved TOML when 0, so configurations without a
    /// season keep their identities.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub season: usize,
}

fn default_column() -> String {
    "value".to_string()
}

/// Chronological fractions of the whole series. The test part is what follows the
/// training part; validation is carved from the end of the training part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitSpec {
    pub train: f64,
    pub validation: f64,
}

impl Default for SplitSpec {
    fn default() -> Self {
        Self {
            train: 0.8,
            validation: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleSpec {
    pub kind: ScaleKind,
    /// MinMax feature range `[lo, hi]`.
    pub range: [f64; 2],
    /// `all` reproduces the tutorial, which fits the scaler on test data too.
    pub fit_on: FitOn,
}

impl Default for ScaleSpec {
    fn default() -> Self {
        Self {
            kind: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowSpec {
    /// Input steps per window.
    pub lookback: usize,
    /// Steps predicted at once.
    pub horizon: usize,
}

impl Default for WindowSpec {
    fn default() -> Self {
        Self {
            lookback: 10,
            horizon: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    #[default]
    Lstm,
    /// Keras' default GRU (reset_after, gate order z, r, h).
    Gru,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSpec {
    pub cell: Cell,
    /// Hidden units of each stacked recurrent layer, input side first; a
    /// Dense(horizon) head follows.
    pub units: Vec<usize>,
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self {
            cell: Cell::Lstm,
            units: vec![50, 50],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    #[default]
    Adam,
    Sgd,
    Rmsprop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    #[default]
    Mse,
    Mae,
    Huber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSpec {
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    /// Used by `sgd` only.
    pub momentum: f64,
    pub loss: Loss,
    /// Used by `huber` only: where the loss turns from quadratic to linear.
    pub huber_delta: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// Reshuffle the training windows every epoch.
    pub shuffle: bool,
    /// Rescale the gradient when its global L2 norm exceeds this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip_norm: Option<f64>,
    /// Stop when the validation loss has not improved for `patience` epochs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<EarlyStopping>,
    /// Reduce the learning rate when the loss plateaus (validation loss when there is a
    /// validation part, else training loss).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce_lr: Option<ReduceLr>,
}

impl Default for TrainSpec {
    fn default() -> Self {
        Self {
            optimizer: Optimizer::Adam,
            learning_rate: 0.001,
            momentum: 0.0,
            loss: Loss::Mse,
            huber_delta: 1.0,
            epochs: 50,
            batch_size: 32,
            shuffle: true,
            clip_norm: None,
            early_stopping: None,
            reduce_lr: None,
        }
    }
}

/// Keras' ReduceLROnPlateau: lr *= factor after `patience` epochs without improvement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReduceLr {
    pub factor: f64,
    pub patience: usize,
    pub min_lr: f64,
    pub min_delta: f64,
}

impl Default for ReduceLr {
    fn default() -> Self {
        Self {
            factor: 0.5,
            patience: 5,
            min_lr: 0.0,
            min_delta: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Smallest decrease of the validation loss that counts as an improvement.
    #[serde(default)]
    pub min_delta: f64,
}

impl Experiment {
    /// The resolved experiment as TOML, every default written out. Loading this text
    /// again gives an equal `Experiment`.
    pub fn to_toml_string(&self) -> String {
        // Only a seed above i64::MAX could fail, and seeds come from TOML integers.
        toml::to_string(self).expect("an Experiment always serializes to TOML")
    }

    /// Identity of the whole configuration: blake3 of the resolved TOML without the
    /// description (prose does not change results), first 12 hex digits.
    pub fn canonical_hash(&self) -> String {
        let mut canonical = self.clone();
        canonical.description.clear();
        short_hash(&canonical.to_toml_string())
    }

    /// Identity of the data stages only (source, split, scale, window, and the seed when
    /// the source draws noise): runs with equal hashes can share one [`crate::data::Prepared`].
    /// A CSV source is identified by its path, not its contents.
    pub fn data_hash(&self) -> String {
        #[derive(Serialize)]
        struct DataStages<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            seed: Option<u64>,
            data: &'a DataSpec,
            split: &'a SplitSpec,
            scale: &'a ScaleSpec,
            window: &'a WindowSpec,
        }
        let noisy = matches!(&self.data, DataSpec::Sine(s) if s.noise != 0.0);
        let stages = DataStages {
            seed: noisy.then_some(self.seed),
            data: &self.data,
            split: &self.split,
            scale: &self.scale,
            window: &self.window,
        };
        short_hash(&toml::to_string(&stages).expect("data stages serialize to TOML"))
    }

    /// The parameters of [`crate::data::prepare`].
    pub fn prepare_params(&self) -> PrepareParams {
        PrepareParams {
            train: self.split.train,
            validation: self.split.validation,
            scale: self.scale.kind,
            range: self.scale.range,
            fit_on: self.scale.fit_on,
            lookback: self.window.lookback,
            horizon: self.window.horizon,
        }
    }

    /// The CSV file's path resolved against the experiment file's folder.
    pub fn csv_path(&self) -> Option<PathBuf> {
        match &self.data {
            DataSpec::Csv(c) => Some(resolve(&self.base_dir, &c.path)),
            DataSpec::Sine(_) => None,
        }
    }

    /// Generate or read the series (sine noise is seeded from the master seed).
    pub fn load_series(&self) -> Result<Series, DataError> {
        match &self.data {
            DataSpec::Sine(s) => Ok(source::sine(&s.params(), self.seed)),
            DataSpec::Csv(c) => source::read_csv(
                &resolve(&self.base_dir, &c.path),
                &c.column,
                c.time_column.as_deref(),
                c.missing,
            ),
        }
    }
}

impl SineSpec {
    pub fn params(&self) -> SineParams {
        SineParams {
            points: self.points,
            start: self.start,
            stop: self.stop,
            amplitude: self.amplitude,
            frequency: self.frequency,
            phase: self.phase,
            noise: self.noise,
        }
    }
}

pub(crate) fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    base_dir.join(path)
}

fn short_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..12].to_string()
}
