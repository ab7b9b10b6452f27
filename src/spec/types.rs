//! The experiment file as typed structs. Defaults follow Keras (and the tutorial the
//! project grew from) for everything except `[data]`, which the user must describe.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::source::{self, ArParams, RandomWalkParams, SinesParams, TrendSeasonParams};
use crate::data::{
    limits, BacktestParams, DataError, FitOn, LookbackFrom, PrepareParams, ScaleKind, Series, Size,
    SplitSizes, TransformParams,
};

pub use super::data_spec::{
    ArSpec, CsvSpec, DataSpec, RandomWalkSpec, SineSpec, SinesSpec, TrendSeasonSpec,
};

/// One experiment, fully resolved: every default filled in.
///
/// The serde derives read the file and write the human-readable resolved TOML
/// (`experiment.toml`); they do not decide a run's identity. A new field must also be
/// placed in [`super::identity`] (the build fails until it is): see there.
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
    /// Left out of the resolved TOML when all off, which keeps `experiment.toml` short.
    /// (Identity is decided in [`super::identity`], not by what serde writes.)
    #[serde(default, skip_serializing_if = "TransformSpec::is_off")]
    pub transform: TransformSpec,
    #[serde(default)]
    pub scale: ScaleSpec,
    #[serde(default)]
    pub window: WindowSpec,
    #[serde(default)]
    pub model: ModelSpec,
    #[serde(default)]
    pub train: TrainSpec,
    /// Left out of the resolved TOML when off, which keeps `experiment.toml` short.
    #[serde(default, skip_serializing_if = "BacktestSpec::is_off")]
    pub backtest: BacktestSpec,
    /// How configurations are ranked; resolved (`on` filled in) once the file is read.
    #[serde(default)]
    pub select: SelectSpec,
    /// Folder of the experiment file, which a CSV `path` is relative to.
    /// Not part of the file, the TOML output or the identity.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

pub(crate) fn default_seed() -> u64 {
    42
}

/// Chronological parts of the series, each a count of points (integer) or a fraction of
/// the whole series (float). `train` is the part before the test part, validation
/// included; give it or `test` (the last points): `test = 24` means train = n - 24, both
/// given must add up to n, neither means `train = 0.8`. Validation is carved from the end
/// of the training part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "SplitFile")]
pub struct SplitSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<Size>,
    pub validation: Size,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Size>,
}

/// `[split]` as written; the default `train = 0.8` applies only when `test` is absent too.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitFile {
    #[serde(default)]
    train: Option<Size>,
    #[serde(default = "no_validation")]
    validation: Size,
    #[serde(default)]
    test: Option<Size>,
}

fn no_validation() -> Size {
    Size::Fraction(0.0)
}

impl From<SplitFile> for SplitSpec {
    fn from(f: SplitFile) -> Self {
        let train = match (f.train, f.test) {
            (None, None) => Some(Size::Fraction(0.8)),
            (train, _) => train,
        };
        Self {
            train,
            validation: f.validation,
            test: f.test,
        }
    }
}

impl Default for SplitSpec {
    fn default() -> Self {
        Self {
            train: Some(Size::Fraction(0.8)),
            validation: no_validation(),
            test: None,
        }
    }
}

impl SplitSpec {
    pub fn sizes(&self) -> SplitSizes {
        SplitSizes {
            train: self.train,
            validation: self.validation,
            test: self.test,
        }
    }

    /// Whether a validation part is asked for.
    pub fn has_validation(&self) -> bool {
        match self.validation {
            Size::Count(c) => c > 0,
            Size::Fraction(f) => f > 0.0,
        }
    }
}

/// Transforms applied before scaling and inverted exactly on predictions; metrics are
/// always in original units. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformSpec {
    /// Natural logarithm first; every value must be positive.
    pub log: bool,
    /// Order of ordinary differencing (0 = off).
    pub difference: usize,
    /// Lag of one seasonal difference, in points (0 = off).
    pub seasonal_difference: usize,
    /// Subtract each window's last input from its inputs and targets (scaled units) and
    /// add it back to the predictions.
    pub window_normalise: bool,
}

impl TransformSpec {
    pub fn is_off(&self) -> bool {
        *self == TransformSpec::default()
    }

    pub fn params(&self) -> TransformParams {
        TransformParams {
            log: self.log,
            difference: self.difference,
            seasonal_difference: self.seasonal_difference,
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
    /// A second scale per window, after the series' scaler, for pooled series: `mean`
    /// divides each window's inputs and targets by the mean of its inputs (DeepAR's scale)
    /// and multiplies the predictions back. Panels only. Omitted from the resolved TOML
    /// when `none`.
    #[serde(skip_serializing_if = "WindowScale::is_none")]
    pub window: WindowScale,
}

/// `scale.window`: see [`ScaleSpec::window`]. (Subtracting the window's last value is
/// `transform.window_normalise`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowScale {
    #[default]
    None,
    Mean,
}

impl WindowScale {
    pub fn is_none(&self) -> bool {
        *self == WindowScale::None
    }
}

impl Default for ScaleSpec {
    fn default() -> Self {
        Self {
            kind: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            window: WindowScale::None,
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
    /// Where the inputs of validation and test windows may come from. Omitted from the
    /// resolved TOML at its default.
    #[serde(skip_serializing_if = "LookbackFrom::is_part")]
    pub lookback_from: LookbackFrom,
}

impl Default for WindowSpec {
    fn default() -> Self {
        Self {
            lookback: 10,
            horizon: 1,
            lookback_from: LookbackFrom::Part,
        }
    }
}

/// Rolling-origin backtest: `folds` forecast origins `step` points apart, the last one at
/// the `[split]`'s test part. Each fold sees the series up to the end of its test part,
/// which has as many points as the experiment's; its transforms and scaler are fitted on
/// its own training part, and it trains its own network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacktestSpec {
    /// 1 = no backtest: the split alone.
    pub folds: usize,
    /// Points between consecutive origins; the test part's length when not given, so that
    /// the folds' test parts tile the end of the series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

impl Default for BacktestSpec {
    fn default() -> Self {
        Self {
            folds: 1,
            step: None,
        }
    }
}

impl BacktestSpec {
    pub fn is_off(&self) -> bool {
        *self == BacktestSpec::default()
    }

    pub fn params(&self) -> BacktestParams {
        BacktestParams {
            folds: self.folds,
            step: self.step,
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
    /// Add a linear map from the window's `lookback` inputs straight to the `horizon`
    /// outputs (LSTNet's highway), trained with the rest: the linear AR model on the
    /// network's inputs becomes a special case of the network.
    pub linear_skip: bool,
    /// On a panel (`data.series_column`): `global` trains one network on the pooled
    /// windows of every series, `local` one network per series. One series: `global`.
    /// Omitted from the resolved TOML when `global`.
    #[serde(skip_serializing_if = "Scope::is_global")]
    pub scope: Scope,
}

/// `model.scope`: see [`ModelSpec::scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Global,
    Local,
}

impl Scope {
    pub fn is_global(&self) -> bool {
        *self == Scope::Global
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Local => "local",
        }
    }
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self {
            cell: Cell::Lstm,
            units: vec![50, 50],
            linear_skip: false,
            scope: Scope::Global,
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

impl Loss {
    /// How plots name it: "MSE", "MAE", "Huber loss".
    pub fn display_name(self) -> &'static str {
        match self {
            Loss::Mse => "MSE",
            Loss::Mae => "MAE",
            Loss::Huber => "Huber loss",
        }
    }
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

    /// Identity of the run: its id, the first 12 hex digits of a blake3 over the fields
    /// listed in [`super::identity::run_text`] (everything but the description and the
    /// file's folder). To add a field to the experiment, see [`super::identity`].
    pub fn canonical_hash(&self) -> String {
        super::identity::run_id(self)
    }

    /// Identity of the data stages only (source, split, transforms, scale, window,
    /// backtest, and the seed when the source draws noise), listed in
    /// [`super::identity::data_text`]: runs with equal hashes can share one
    /// [`crate::data::Prepared`]. A CSV source is identified by its path and its contents.
    pub fn data_hash(&self) -> String {
        super::identity::data_hash(self)
    }

    /// The parameters of [`crate::data::prepare`].
    pub fn prepare_params(&self) -> PrepareParams {
        PrepareParams {
            split: self.split.sizes(),
            transform: self.transform.params(),
            window_normalise: self.transform.window_normalise,
            scale: self.scale.kind,
            range: self.scale.range,
            fit_on: self.scale.fit_on,
            lookback: self.window.lookback,
            horizon: self.window.horizon,
            lookback_from: self.window.lookback_from,
        }
    }

    /// The CSV file's path resolved against the experiment file's folder.
    pub fn csv_path(&self) -> Option<PathBuf> {
        match &self.data {
            DataSpec::Csv(c) => Some(resolve(&self.base_dir, &c.path)),
            _ => None,
        }
    }

    /// Generate or read the series (a generator's noise is seeded from `data.seed`, or else
    /// from the master seed).
    ///
    /// A generated series outside what the engine can represent ([`crate::data::limits`]) is
    /// refused, naming the generator and the keys that set its size (a CSV file's cells and
    /// range are checked by the reader, which names the file, column and row).
    pub fn load_series(&self) -> Result<Series, DataError> {
        let series = self.read_or_generate()?;
        if let Some((kind, keys)) = self.data.generator_keys() {
            limits::check_series(&series.values).map_err(|problem| DataError::OutOfRange {
                origin: format!("data.kind = \"{kind}\" (sized by {keys})"),
                problem,
            })?;
        }
        Ok(series)
    }

    /// Whether the data is a panel of many series (`data.series_column`).
    pub fn is_panel(&self) -> bool {
        self.data.series_column().is_some()
    }

    /// Read the panel's series (`data.series_column` of a CSV file), checked like
    /// [`Self::load_series`]'s file.
    pub fn load_panel(&self) -> Result<Vec<source::NamedSeries>, DataError> {
        let DataSpec::Csv(c) = &self.data else {
            unreachable!("only a CSV file holds a panel (validated)");
        };
        let series_column = c
            .series_column
            .as_deref()
            .expect("load_panel is called on panels only");
        let (path, bytes) = self.csv_bytes(c)?;
        source::read_panel_from(
            bytes.as_slice(),
            &path,
            series_column,
            &c.column,
            c.time_column.as_deref(),
            c.missing,
        )
    }

    /// The CSV file's path and bytes. The series must be the data the run ids name: bytes
    /// hashed at load and bytes read now must agree, or results would be filed under another id.
    fn csv_bytes(&self, c: &CsvSpec) -> Result<(PathBuf, Vec<u8>), DataError> {
        let path = resolve(&self.base_dir, &c.path);
        let bytes = std::fs::read(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        if c.contents
            .as_ref()
            .is_some_and(|d| *d != super::contents::bytes_digest(&bytes))
        {
            return Err(DataError::Changed { path });
        }
        Ok((path, bytes))
    }

    fn read_or_generate(&self) -> Result<Series, DataError> {
        let noise_seed = self.data.seed().unwrap_or(self.seed);
        match &self.data {
            DataSpec::Sine(s) => Ok(source::sine(&s.params(), noise_seed)),
            DataSpec::Sines(s) => Ok(source::sines(
                &SinesParams {
                    points: s.points,
                    amplitudes: s.amplitudes.clone(),
                    periods: s.periods.clone(),
                    noise: s.noise,
                },
                noise_seed,
            )),
            DataSpec::TrendSeason(s) => Ok(source::trend_season(
                &TrendSeasonParams {
                    points: s.points,
                    level: s.level,
                    slope: s.slope,
                    period: s.period,
                    amplitude: s.amplitude,
                    noise: s.noise,
                },
                noise_seed,
            )),
            DataSpec::Ar(s) => Ok(source::ar(
                &ArParams {
                    points: s.points,
                    coefficients: s.coefficients.clone(),
                    noise: s.noise,
                    burn_in: s.burn_in,
                },
                noise_seed,
            )),
            DataSpec::RandomWalk(s) => Ok(source::random_walk(
                &RandomWalkParams {
                    points: s.points,
                    start: s.start,
                    step: s.step,
                    drift: s.drift,
                },
                noise_seed,
            )),
            DataSpec::Csv(c) => {
                let (path, bytes) = self.csv_bytes(c)?;
                source::read_csv_from(
                    bytes.as_slice(),
                    &path,
                    &c.column,
                    c.time_column.as_deref(),
                    c.missing,
                )
            }
        }
    }
}

pub(crate) fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    base_dir.join(path)
}

/// `[select]`: how the sweep's configurations are ranked and the answer chosen. Never on the
/// test part unless asked: the held-out figure is only honest when the choice did not see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectSpec {
    /// What the configurations are ranked by on the selection data; `None` until resolved
    /// by [`SelectSpec::resolved`] (`owa` on a panel, else `rmse`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<SelectMetric>,
    /// Where the ranking is scored; `None` until resolved by [`SelectSpec::resolved`]
    /// (folds with a backtest of 2 or more, else the validation part when there is one,
    /// else the test part).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<SelectOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelectMetric {
    #[default]
    Rmse,
    Mae,
    /// Symmetric MAPE, the competitions' 200|y - f| / (|y| + |f|).
    Smape,
    /// Mean absolute scaled error (in-sample seasonal naive scale).
    Mase,
    /// The M4 competition's overall weighted average of sMAPE and MASE relative to Naive2;
    /// panels only.
    Owa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelectOn {
    /// The mean over the backtest's folds before the last; the last (the test part) is held
    /// out.
    Folds,
    /// The validation part (the mean over folds' validation parts with a backtest).
    Validation,
    /// The test part itself: the choice has seen the figure it reports (optimistic).
    Test,
}

impl SelectOn {
    pub fn as_str(self) -> &'static str {
        match self {
            SelectOn::Folds => "folds",
            SelectOn::Validation => "validation",
            SelectOn::Test => "test",
        }
    }
}

impl SelectSpec {
    /// `on` and `metric` filled in with the defaults for this backtest, split and data.
    pub fn resolved(self, backtest: &BacktestSpec, split: &SplitSpec, panel: bool) -> SelectSpec {
        let metric = self.metric.unwrap_or(if panel {
            SelectMetric::Owa
        } else {
            SelectMetric::Rmse
        });
        let on = self.on.unwrap_or(if backtest.folds >= 2 {
            SelectOn::Folds
        } else if split.has_validation() {
            SelectOn::Validation
        } else {
            SelectOn::Test
        });
        SelectSpec {
            on: Some(on),
            metric: Some(metric),
        }
    }

    /// What the ranking is by (the default resolution for one series when not resolved yet).
    pub fn metric(&self) -> SelectMetric {
        self.metric.unwrap_or_default()
    }

    /// Where the ranking is scored (the default resolution when not resolved yet).
    pub fn on(&self) -> SelectOn {
        self.on.unwrap_or(SelectOn::Test)
    }
}
