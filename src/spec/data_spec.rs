//! `[data]` of the experiment file: where the series comes from (a generator or a CSV file),
//! as typed structs with their defaults.

use serde::{Deserialize, Serialize};

use crate::data::source::SineParams;
use crate::data::Missing;

/// Where the series comes from, chosen by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataSpec {
    Sine(SineSpec),
    Csv(CsvSpec),
    Sines(SinesSpec),
    TrendSeason(TrendSeasonSpec),
    Ar(ArSpec),
    RandomWalk(RandomWalkSpec),
}

/// Sum of sines over the point index: `sum_k amplitudes[k] * sin(2 pi i / periods[k])
/// + noise * N(0, 1)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinesSpec {
    pub points: usize,
    /// One per component.
    pub amplitudes: Vec<f64>,
    /// One per component, in points.
    pub periods: Vec<f64>,
    #[serde(default)]
    pub noise: f64,
    /// Seed of the noise; the run's master seed when not given, so that a `seed` sweep
    /// redraws the data too. Give it to keep one series across seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// `level + slope * i + amplitude * sin(2 pi i / period) + noise * N(0, 1)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendSeasonSpec {
    pub points: usize,
    #[serde(default)]
    pub level: f64,
    /// Trend per point.
    #[serde(default)]
    pub slope: f64,
    /// Season length in points.
    #[serde(default = "default_period")]
    pub period: f64,
    #[serde(default = "one")]
    pub amplitude: f64,
    #[serde(default)]
    pub noise: f64,
    /// Seed of the noise; the run's master seed when not given, so that a `seed` sweep
    /// redraws the data too. Give it to keep one series across seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

fn default_period() -> f64 {
    12.0
}

/// AR(p) `x_t = sum_k coefficients[k] * x_{t-1-k} + noise * N(0, 1)`, from zeros, with the
/// first `burn_in` values dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArSpec {
    pub points: usize,
    /// `phi_1..phi_p`.
    pub coefficients: Vec<f64>,
    /// Standard deviation of the innovations.
    #[serde(default = "one")]
    pub noise: f64,
    #[serde(default = "default_burn_in")]
    pub burn_in: usize,
    /// Seed of the noise; the run's master seed when not given, so that a `seed` sweep
    /// redraws the data too. Give it to keep one series across seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

fn default_burn_in() -> usize {
    100
}

/// `x_0 = start`, `x_t = x_{t-1} + drift + step * N(0, 1)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomWalkSpec {
    pub points: usize,
    #[serde(default)]
    pub start: f64,
    /// Standard deviation of a step.
    #[serde(default = "one")]
    pub step: f64,
    /// Mean of a step.
    #[serde(default)]
    pub drift: f64,
    /// Seed of the noise; the run's master seed when not given, so that a `seed` sweep
    /// redraws the data too. Give it to keep one series across seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl DataSpec {
    /// Whether generating the series draws random numbers (then the seed is part of the
    /// data's identity).
    pub fn draws_noise(&self) -> bool {
        match self {
            DataSpec::Sine(s) => s.noise != 0.0,
            DataSpec::Csv(_) => false,
            DataSpec::Sines(s) => s.noise != 0.0,
            DataSpec::TrendSeason(s) => s.noise != 0.0,
            DataSpec::Ar(s) => s.noise != 0.0,
            DataSpec::RandomWalk(s) => s.step != 0.0,
        }
    }

    /// `data.seed` of a generator, when given.
    pub fn seed(&self) -> Option<u64> {
        match self {
            DataSpec::Sine(s) => s.seed,
            DataSpec::Csv(_) => None,
            DataSpec::Sines(s) => s.seed,
            DataSpec::TrendSeason(s) => s.seed,
            DataSpec::Ar(s) => s.seed,
            DataSpec::RandomWalk(s) => s.seed,
        }
    }

    /// A generator's `kind` and the keys that set the size of its values, named when the
    /// series it generates does not fit the engine; `None` for a CSV file.
    pub fn generator_keys(&self) -> Option<(&'static str, &'static str)> {
        match self {
            DataSpec::Sine(_) => Some(("sine", "data.amplitude, data.noise")),
            DataSpec::Csv(_) => None,
            DataSpec::Sines(_) => Some(("sines", "data.amplitudes, data.noise")),
            DataSpec::TrendSeason(_) => Some((
                "trend_season",
                "data.level, data.slope, data.amplitude, data.noise",
            )),
            DataSpec::Ar(_) => Some(("ar", "data.coefficients, data.noise")),
            DataSpec::RandomWalk(_) => Some(("random_walk", "data.start, data.step, data.drift")),
        }
    }

    /// Number of points of a generator; `None` for a CSV file.
    pub fn generated_points(&self) -> Option<usize> {
        match self {
            DataSpec::Sine(s) => Some(s.points),
            DataSpec::Csv(_) => None,
            DataSpec::Sines(s) => Some(s.points),
            DataSpec::TrendSeason(s) => Some(s.points),
            DataSpec::Ar(s) => Some(s.points),
            DataSpec::RandomWalk(s) => Some(s.points),
        }
    }
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
    /// 0 = no season. Omitted from the resolved TOML when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub season: usize,
    /// Seed of the noise; the run's master seed when not given, so that a `seed` sweep
    /// redraws the data too. Give it to keep one series across seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl DataSpec {
    /// What the values are, for plot axes: `data.value_label`, else a CSV's column name,
    /// else "value" (a generated series).
    pub fn value_name(&self) -> &str {
        match self {
            DataSpec::Csv(c) => c.value_label.as_deref().unwrap_or(&c.column),
            _ => "value",
        }
    }

    /// `data.series_column` of a panel CSV; `None` for one series.
    pub fn series_column(&self) -> Option<&str> {
        match self {
            DataSpec::Csv(c) => c.series_column.as_deref(),
            _ => None,
        }
    }

    /// `data.season`: season length in steps, 0 when the series has none.
    pub fn season(&self) -> usize {
        match self {
            DataSpec::Sine(s) => s.season,
            DataSpec::Csv(c) => c.season,
            // A whole-numbered period is the generated series' season.
            DataSpec::TrendSeason(t) if t.period >= 1.0 && t.period.fract() == 0.0 => {
                t.period as usize
            }
            // The other generators have no `season` key (yet): no seasonal baseline.
            _ => 0,
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
    /// What the values are, with their unit ("passengers, thousands"): the value axes of
    /// the plots. `None`: the column's name. Words only, not part of a run's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_label: Option<String>,
    /// Header name of a series column: the file is a panel in long form (one row per
    /// series and point, each series' rows in time order), and every stage works per
    /// series. `None`: the file holds one series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_column: Option<String>,
    #[serde(default)]
    pub missing: Missing,
    /// Season length in steps for the seasonal baselines (seasonal naive, the MASE scale);
    /// 0 = no season. Omitted from the resolved TOML when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub season: usize,
    /// blake3 of the file's bytes (hex), filled in by the loader when it reads the
    /// experiment (once per distinct file): part of the run's identity, so that an edited
    /// file retrains. Not a key of the experiment file, nor of the resolved TOML; `None`
    /// only for an experiment that was not loaded through `spec` (its id is then that of
    /// the configuration alone, as before contents were hashed).
    #[serde(skip)]
    pub contents: Option<String>,
}

fn default_column() -> String {
    "value".to_string()
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
