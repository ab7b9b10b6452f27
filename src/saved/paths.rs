//! Forecasts of a saved model from a history of raw values: `steps` values after each of
//! several origins, direct up to the network's horizon and recursive beyond it (each block of
//! `horizon` predicted values is appended to the history the next window reads).
//!
//! Each origin's path keeps only the tail of its history a window needs
//! ([`Preprocessing::history_needed`] points, its own predictions among them); the transform and
//! scaler act point by point on that tail exactly as on the whole series, so a one-block
//! forecast equals, to the bit, the run's prediction of the same window.

use ndarray::{Array2, Array3};

use super::SavedModel;
use crate::data::DataError;
use crate::nn::Workspace;

/// The forecasts of `model` for `steps` values after each origin, `[origins, steps]`, in
/// original units. Origin `o` reads `values[..o]` (the values before it, at least
/// `history_needed()` of them) and nothing after.
///
/// Errors when the history meets the transform's domain (`log` of a value <= 0, which a
/// recursive path can also reach through its own predictions).
///
/// # Panics
/// If an origin has too little history or lies past the values.
pub fn forecast_paths(
    model: &SavedModel,
    values: &[f64],
    origins: &[usize],
    steps: usize,
) -> Result<Array2<f64>, DataError> {
    let pre = &model.meta.preprocessing;
    let need = pre.history_needed();
    let horizon = pre.horizon;
    // Each path: the history tail it reads, then its own predictions appended.
    let mut paths: Vec<Vec<f64>> = origins
        .iter()
        .map(|&o| {
            assert!(
                o >= need && o <= values.len(),
                "origin {o} needs {need} points of history in a series of {}",
                values.len()
            );
            values[o - need..o].to_vec()
        })
        .collect();
    let mut out = Array2::zeros((origins.len(), steps));
    // One workspace for every block: each block is a batch of the same windows' size.
    let mut ws = Workspace::new(model.net.shape(), pre.lookback, origins.len().clamp(1, 256));
    let mut done = 0;
    while done < steps {
        let scaled: Vec<Vec<f64>> = paths
            .iter()
            .map(|p| pre.network_series(p))
            .collect::<Result<_, _>>()?;
        let inputs: Vec<Vec<f32>> = scaled
            .iter()
            .map(|s| pre.window_input(s, s.len()))
            .collect();
        let x = Array3::from_shape_fn((paths.len(), pre.lookback, 1), |(i, k, _)| inputs[i][k]);
        let y = model.net.predict_with(&mut ws, x.view());
        let take = horizon.min(steps - done);
        for (i, path) in paths.iter_mut().enumerate() {
            let origin = path.len();
            let block =
                pre.to_original(path, &scaled[i], origin, y.row(i).iter().map(|&v| v as f64));
            for (h, &v) in block.iter().take(take).enumerate() {
                out[[i, done + h]] = v;
            }
            path.extend_from_slice(&block[..take]);
            // A window reads only the last `need` points: the path stays that long, so each
            // block costs the same however far ahead it is.
            path.drain(..path.len() - need);
        }
        done += take;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Preprocessing, Scaler, Transform, TransformParams};
    use crate::nn::{Network, NetworkShape};
    use crate::saved::ModelMeta;

    /// A linear "network": one GRU unit whose output is ignored (zero head kernel) plus a
    /// linear skip, so the forecast is an AR model we can compute by hand.
    fn ar_model(
        coefs: &[f32],
        bias: f32,
        horizon: usize,
        transform: TransformParams,
    ) -> SavedModel {
        let lookback = coefs.len();
        let shape = NetworkShape::gru(1, vec![1], horizon).with_linear_skip(lookback);
        let mut net = Network::<f32>::zeros(shape);
        let tensors = net.tensors();
        let find = |name: &str| {
            tensors
                .iter()
                .find(|t| t.name == name)
                .unwrap()
                .range
                .clone()
        };
        for h in 0..horizon {
            let skip = find("linear_skip/kernel");
            for (k, &c) in coefs.iter().enumerate() {
                net.params[skip.start + h * lookback + k] = c;
            }
            net.params[find("dense/bias").start + h] = bias;
        }
        SavedModel {
            meta: ModelMeta {
                run_id: "r".into(),
                label: "l".into(),
                runner_version: "0".into(),
                trained_on: "whole series".into(),
                points: 0,
                best_epoch: 1,
                epochs: 1,
                column: None,
                time_column: None,
                preprocessing: Preprocessing {
                    transform: Transform::new(transform),
                    scaler: Scaler::None,
                    window_normalise: false,
                    lookback,
                    horizon,
                },
            },
            net,
        }
    }

    #[test]
    fn a_one_step_model_forecasts_recursively_from_its_own_predictions() {
        // y_t = 0.5 y_{t-2} + 0.25 y_{t-1} + 1 (oldest lag first)
        let m = ar_model(&[0.5, 0.25], 1.0, 1, TransformParams::default());
        let values = [2.0, 4.0, 8.0, 100.0];
        let f = forecast_paths(&m, &values, &[3, 4], 3).unwrap();
        // from origin 3 (history 2, 4, 8): 0.5·4 + 0.25·8 + 1 = 5; then 0.5·8 + 0.25·5 + 1 = 6.25
        assert_eq!(
            f.row(0).to_vec(),
            vec![5.0, 6.25, 0.5 * 5.0 + 0.25 * 6.25 + 1.0]
        );
        // origin 4 reads the actual 100 and not origin 3's prediction of it
        assert_eq!(f[[1, 0]], 0.5 * 8.0 + 0.25 * 100.0 + 1.0);
    }

    #[test]
    fn a_multi_step_head_is_direct_within_its_horizon_then_chains_blocks() {
        // every output step: y = x_{t-1} + 1 (only the last input weighs)
        let m = ar_model(&[0.0, 1.0], 1.0, 2, TransformParams::default());
        let f = forecast_paths(&m, &[0.0, 10.0], &[2], 5).unwrap();
        // block 1 (direct): both steps see 10 → 11, 11; block 2 reads 11 → 12, 12; then 13
        assert_eq!(f.row(0).to_vec(), vec![11.0, 11.0, 12.0, 12.0, 13.0]);
    }

    #[test]
    fn differencing_is_inverted_along_the_path() {
        // on first differences, predict the last difference again: a straight line continues
        let m = ar_model(
            &[0.0, 1.0],
            0.0,
            1,
            TransformParams {
                difference: 1,
                ..TransformParams::default()
            },
        );
        let f = forecast_paths(&m, &[1.0, 3.0, 5.0], &[3], 3).unwrap();
        assert_eq!(f.row(0).to_vec(), vec![7.0, 9.0, 11.0]);
    }
}
