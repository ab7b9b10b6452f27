//! Saved models: a trained network and the fitted preprocessing that makes it usable on raw
//! values, in one [safetensors](https://github.com/huggingface/safetensors) file, and the
//! forecasts such a file makes from a history of values.
//!
//! A file holds one little-endian F32 tensor per weight, named and shaped as
//! [`crate::nn::Network::tensors`] lists them (`lstm/kernel` [input, 4·units], ...,
//! `dense/kernel` [units, horizon], `dense/bias` [horizon]), and string metadata:
//!
//! | key | value |
//! |---|---|
//! | `format`, `format_version` | `runner-model`, [`FORMAT_VERSION`] |
//! | `runner_version` | the version of runner that wrote it |
//! | `run_id`, `label` | the run it was trained in |
//! | `trained_on` | `fold 2 of 3`, or `whole series` for a refit |
//! | `points` | how many points of the series the fit saw (its fold's end) |
//! | `best_epoch`, `epochs` | of its fit |
//! | `cell`, `units`, `input`, `lookback`, `horizon`, `linear_skip` | the network's shape |
//! | `transform` | JSON `{"log", "difference", "seasonal_difference"}` |
//! | `scaler` | JSON: `{"kind": "minmax", "data_min", "data_max", "scale", "offset"}`, `{"kind": "standard", "mean", "std"}` or `{"kind": "none"}` |
//! | `window_normalise` | `true`: inputs and outputs are relative to the window's last input |
//! | `column`, `time_column` | the CSV columns it was trained on (empty for a generator) |
//! | `params_blake3` | BLAKE3 of the tensors' bytes in layout order: damage is refused |
//! | `metadata_blake3` | BLAKE3 of the other entries as compact sorted JSON: edits are refused |
//!
//! See docs/model_format.md for the forward pass in equations, which
//! tests/interop/numpy_forward.py implements with numpy alone.

mod file;
mod paths;

pub use file::{decode, encode, load, ModelFileError, FORMAT, FORMAT_VERSION};
pub use paths::forecast_paths;

use crate::data::Preprocessing;
use crate::nn::Network;

/// A trained network with everything needed to apply it to raw values.
#[derive(Debug, Clone)]
pub struct SavedModel {
    pub meta: ModelMeta,
    pub net: Network<f32>,
}

/// What a model file says about its network besides the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMeta {
    /// The run it was trained in.
    pub run_id: String,
    /// The run's label (its swept values).
    pub label: String,
    /// The runner version that wrote the file.
    pub runner_version: String,
    /// Which fit: `fold 2 of 3`, `whole series`.
    pub trained_on: String,
    /// Points of the series the fit saw: the first `points` values.
    pub points: usize,
    /// The epoch whose weights these are (the last, or the best with early stopping).
    pub best_epoch: usize,
    /// Epochs the fit ran.
    pub epochs: usize,
    /// The CSV column of the series; `None` for a generated series.
    pub column: Option<String>,
    /// The CSV's time column, whose labels a forecast continues; `None` without one.
    pub time_column: Option<String>,
    /// How raw values become the network's inputs and its outputs values again.
    pub preprocessing: Preprocessing,
}

/// This build's version, written into every model file.
pub const RUNNER_VERSION: &str = env!("CARGO_PKG_VERSION");
