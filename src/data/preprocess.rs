//! The fitted preprocessing of one trained network: how raw values become its inputs and
//! how its outputs become values again. [`crate::data::prepare()`] fits it on a training
//! part; a saved model stores it, so that the model can be applied to raw values later,
//! without the experiment, and give the same bits as the run that trained it.
//!
//! ```text
//! values ─transform─▶ ─scale─▶ network series (NaN for the first `lost` points)
//! window at origin o: inputs network[o-lookback..o] (minus network[o-1] with window_normalise)
//! outputs [horizon] ─(+ level)─▶ ─unscale─▶ ─invert transform from o─▶ values at o, o+1, ...
//! ```

use serde::{Deserialize, Serialize};

use super::scale::Scaler;
use super::transform::Transform;
use super::DataError;

/// Everything fitted that stands between raw values and a network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Log and differencing, applied first.
    pub transform: Transform,
    /// Fitted on the transformed training part.
    pub scaler: Scaler,
    /// Inputs and outputs are relative to the window's last input (scaled units).
    pub window_normalise: bool,
    /// Inputs per window.
    pub lookback: usize,
    /// Outputs per window (steps predicted at once).
    pub horizon: usize,
}

impl Preprocessing {
    /// Points of history a window needs: its `lookback` inputs and the `lost` points before
    /// them that differencing consumes.
    pub fn history_needed(&self) -> usize {
        self.lookback + self.transform.lost()
    }

    /// The whole series in the network's units: transformed, then scaled. Same indices as
    /// `values`; the first `transform.lost()` entries are NaN. Errors as the transform does
    /// (`log` of a value <= 0).
    pub fn network_series(&self, values: &[f64]) -> Result<Vec<f64>, DataError> {
        let transformed = self.transform.apply(values)?;
        Ok(self.scaler.transform_all(&transformed))
    }

    /// The `lookback` inputs of the window whose first target is at `origin`, as the network
    /// reads them (what [`crate::data::Windows`]' `x` holds). `scaled` is
    /// [`Self::network_series`] of at least the `origin` first values.
    ///
    /// # Panics
    /// If `origin < history_needed()` or `origin > scaled.len()`.
    pub fn window_input(&self, scaled: &[f64], origin: usize) -> Vec<f32> {
        assert!(
            origin >= self.history_needed() && origin <= scaled.len(),
            "no window of {} inputs ends before {origin} in a series of {}",
            self.lookback,
            scaled.len()
        );
        let level = window_level(scaled, origin, self.window_normalise);
        (0..self.lookback)
            .map(|k| network_input(scaled, origin, self.lookback, k, level) as f32)
            .collect()
    }

    /// The network's outputs for the window at `origin` (one per step, network units) in
    /// original units: the window's level added back, unscaled, and the transform inverted
    /// from `values[..origin]` (see [`Transform::invert`]). `values` and `scaled` hold at least
    /// the `origin` first points.
    pub fn to_original(
        &self,
        values: &[f64],
        scaled: &[f64],
        origin: usize,
        outputs: impl IntoIterator<Item = f64>,
    ) -> Vec<f64> {
        output_to_original(
            &self.transform,
            &self.scaler,
            self.window_normalise,
            values,
            scaled,
            origin,
            outputs,
        )
    }
}

/// What the inputs and targets of the window whose first target is at `origin` are measured
/// from, in scaled units: its last input with `window_normalise`, else 0.
pub(super) fn window_level(scaled: &[f64], origin: usize, window_normalise: bool) -> f64 {
    if window_normalise {
        scaled[origin - 1]
    } else {
        0.0
    }
}

/// Input `k` (0 = oldest) of the window whose first target is at `origin`, in the network's
/// space (scaled, minus [`window_level`]), f64.
pub(super) fn network_input(
    scaled: &[f64],
    origin: usize,
    lookback: usize,
    k: usize,
    level: f64,
) -> f64 {
    scaled[origin - lookback + k] - level
}

/// Target `h` (0 = first step) of the window whose first target is at `origin`, in the
/// network's space, f64.
pub(super) fn network_target(scaled: &[f64], origin: usize, h: usize, level: f64) -> f64 {
    scaled[origin + h] - level
}

/// One window's outputs back to original units; the one inversion every prediction in
/// original units goes through (a run's, a saved model's, a forecast's), so they agree to
/// the bit.
pub(super) fn output_to_original(
    transform: &Transform,
    scaler: &Scaler,
    window_normalise: bool,
    values: &[f64],
    scaled: &[f64],
    origin: usize,
    outputs: impl IntoIterator<Item = f64>,
) -> Vec<f64> {
    let level = window_level(scaled, origin, window_normalise);
    let transformed: Vec<f64> = outputs
        .into_iter()
        .map(|y| scaler.inverse(y + level))
        .collect();
    if transform.is_identity() {
        transformed
    } else {
        transform.invert(values, origin, &transformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{prepare, FitOn, LookbackFrom, PrepareParams, ScaleKind, Series};
    use crate::data::{SplitSizes, TransformParams};

    fn seasonal() -> Series {
        Series {
            values: (0..60)
                .map(|i| 100.0 * 1.02f64.powi(i) * (1.0 + 0.2 * ((i % 4) as f64 - 1.5)))
                .collect(),
            time: None,
        }
    }

    fn params(window_normalise: bool) -> PrepareParams {
        PrepareParams {
            split: SplitSizes::train_fraction(0.8, 0.0),
            transform: TransformParams {
                log: true,
                difference: 1,
                seasonal_difference: 4,
            },
            window_normalise,
            scale: ScaleKind::Standard,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback: 3,
            horizon: 2,
            lookback_from: LookbackFrom::History,
        }
    }

    #[test]
    fn the_preprocessing_alone_rebuilds_a_prepared_series_windows_and_inversion_bit_for_bit() {
        for normalise in [false, true] {
            let p = prepare(seasonal(), &params(normalise)).unwrap();
            let pre = p.preprocessing();
            assert_eq!(pre.history_needed(), 3 + 5);
            let scaled = pre.network_series(&p.series.values).unwrap();
            assert_eq!(
                scaled.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                p.scaled.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
            let outputs = ndarray::Array2::from_shape_fn((p.test.len(), 2), |(i, h)| {
                0.1 * i as f32 - 0.05 * h as f32
            });
            let expected = p.to_original(&p.test, outputs.view());
            for (i, &origin) in p.test.target_index.iter().enumerate() {
                let x = pre.window_input(&scaled, origin);
                let from_windows: Vec<f32> = (0..3).map(|k| p.test.x[[i, k, 0]]).collect();
                assert_eq!(x, from_windows, "window {i}");
                let back = pre.to_original(
                    &p.series.values[..origin],
                    &scaled[..origin],
                    origin,
                    outputs.row(i).iter().map(|&y| y as f64),
                );
                assert_eq!(back, expected.row(i).to_vec(), "window {i}");
            }
        }
    }

    #[test]
    fn it_round_trips_through_json_exactly() {
        let pre = prepare(seasonal(), &params(true)).unwrap().preprocessing();
        let text = serde_json::to_string(&pre).unwrap();
        assert!(text.contains(r#""transform":{"log":true,"difference":1,"seasonal_difference":4}"#));
        let back: Preprocessing = serde_json::from_str(&text).unwrap();
        assert_eq!(back, pre);
    }
}
