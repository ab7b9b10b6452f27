//! A panel: many series in one experiment, every stage per series. The test part is the last
//! `h` points of every series and the validation part the `h` before it. Like a two-fold
//! backtest, each part has its own fold: the validation fold is the series cut before the
//! test part, forecasting its last `h` points (the validation part) from a network trained on
//! what precedes them; the test fold is the whole series, forecasting the test part from a
//! network trained on everything before it, validation part included. In each fold every
//! series is transformed, scaled (its scaler fitted on its own training part) and windowed by
//! [`prepare()`] exactly as a single series is. A series too short for one training window
//! in a fold keeps its values (the benchmarks and a fallback forecast still apply) but no
//! [`Prepared`] there: the reason is kept, and counted in the report.
//!
//! Pooled series differ in level, so a global network can also see each window divided by
//! its own scale ([`scaled_windows`] with `by_mean`: the mean absolute input of the window
//! after the series' scaler, DeepAR's scale), multiplied back exactly on its outputs.

use ndarray::{Array2, Array3, Axis};

use super::prepare::{prepare, PrepareParams, Prepared};
use super::source::{NamedSeries, Series};
use super::split::Size;
use super::window::{LookbackFrom, Windows};
use super::DataError;

/// One series of a panel.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    /// The whole series, original units.
    pub series: Series,
    /// Per fold (the validation fold first when there is a validation part, then the test
    /// fold): prepared for a network, or why it could not be (too short for one training
    /// window). Each fold's `test` windows hold the one window it forecasts.
    pub folds: Vec<Result<Prepared, String>>,
}

/// Every series of a panel, in file order.
#[derive(Debug, Clone)]
pub struct Panel {
    pub members: Vec<Member>,
    /// Points of every series' test part (the forecast horizon h).
    pub test: usize,
    /// Points of every series' validation part, just before the test part (h or 0).
    pub validation: usize,
}

impl Panel {
    /// The members without a network's data in the test fold (too short), by name.
    pub fn short(&self) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .filter(|m| m.folds.last().is_none_or(|f| f.is_err()))
    }

    /// Folds per member: 2 with a validation part, else 1.
    pub fn folds(&self) -> usize {
        if self.validation > 0 {
            2
        } else {
            1
        }
    }
}

/// Prepares each series' folds with `p` (its `split` must give `test` as a count, and
/// `validation` 0 or the same count; each fold's forecast window reads its inputs from the
/// history before it). A series that leaves no point before its validation and test parts is
/// refused, naming it: nothing could forecast it.
pub fn prepare_panel(series: Vec<NamedSeries>, p: &PrepareParams) -> Result<Panel, DataError> {
    let test = match p.split.test {
        Some(Size::Count(h)) => h,
        _ => {
            return Err(DataError::Panel(
                "a panel's `split.test` must be a count of points".into(),
            ))
        }
    };
    let validation = match p.split.validation {
        Size::Count(v) => v,
        Size::Fraction(_) => 0,
    };
    if validation != 0 && validation != test {
        return Err(DataError::Panel(format!(
            "a panel's validation part is the {test} points before its test part, or nothing; \
             found {validation}"
        )));
    }
    // Each fold: the series up to its forecast part's end, that part its test part.
    let params = PrepareParams {
        split: super::SplitSizes {
            train: None,
            validation: Size::Count(0),
            test: Some(Size::Count(test)),
        },
        lookback_from: LookbackFrom::History,
        ..*p
    };
    let members = series
        .into_iter()
        .map(|NamedSeries { name, series }| {
            let n = series.len();
            if n <= test + validation {
                return Err(DataError::Panel(format!(
                    "series `{name}` has {n} points, but its test and validation parts take \
                     {}: nothing is left to forecast from",
                    test + validation
                )));
            }
            let ends = if validation > 0 {
                vec![n - test, n]
            } else {
                vec![n]
            };
            let folds = ends
                .into_iter()
                .map(|end| {
                    let cut = Series {
                        values: series.values[..end].to_vec(),
                        time: series.time.as_ref().map(|t| t[..end].to_vec()),
                    };
                    prepare(cut, &params).map_err(|e| e.to_string())
                })
                .collect();
            Ok(Member {
                name,
                series,
                folds,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Panel {
        members,
        test,
        validation,
    })
}

/// Windows of one series as a pooled network reads them: inputs `x` [n, lookback, 1] and
/// targets `y` [n, horizon] in the network's space, each window divided by its `scale`.
#[derive(Debug, Clone)]
pub struct ScaledWindows {
    pub x: Array3<f32>,
    pub y: Array2<f32>,
    /// One per window: 1 without per-window scaling.
    pub scale: Vec<f64>,
}

/// The windows `w` of `p`, divided by each window's mean absolute input when `by_mean`
/// (1 when that mean is 0), computed in f64 before the cast to f32.
pub fn scaled_windows(p: &Prepared, w: &Windows, by_mean: bool) -> ScaledWindows {
    if !by_mean {
        return ScaledWindows {
            x: w.x.clone(),
            y: w.y.clone(),
            scale: vec![1.0; w.len()],
        };
    }
    let inputs = p.network_inputs(w);
    let targets = p.network_targets(w);
    let scale: Vec<f64> = inputs
        .outer_iter()
        .map(|row| {
            let s = row.iter().map(|v| v.abs()).sum::<f64>() / row.len() as f64;
            if s > 0.0 && s.is_finite() {
                s
            } else {
                1.0
            }
        })
        .collect();
    let (n, lookback) = inputs.dim();
    let x = Array3::from_shape_fn((n, lookback, 1), |(i, k, _)| {
        (inputs[[i, k]] / scale[i]) as f32
    });
    let y = Array2::from_shape_fn(targets.dim(), |(i, h)| (targets[[i, h]] / scale[i]) as f32);
    ScaledWindows { x, y, scale }
}

/// Network outputs for windows scaled by `scale` (one per row) back to original units:
/// multiplied by the scale, then through `p`'s inversion. [n, horizon].
pub fn unscale_outputs(
    p: &Prepared,
    w: &Windows,
    outputs: &Array2<f32>,
    scale: &[f64],
) -> Array2<f64> {
    let back = Array2::from_shape_fn(outputs.dim(), |(i, h)| outputs[[i, h]] as f64 * scale[i]);
    p.to_original(w, back.view())
}

/// The windows of many series stacked in one set (batches of a global fit mix series).
pub fn pool<'a>(parts: impl IntoIterator<Item = &'a ScaledWindows>) -> ScaledWindows {
    let parts: Vec<&ScaledWindows> = parts.into_iter().collect();
    let xs: Vec<_> = parts.iter().map(|p| p.x.view()).collect();
    let ys: Vec<_> = parts.iter().map(|p| p.y.view()).collect();
    ScaledWindows {
        x: ndarray::concatenate(Axis(0), &xs).expect("windows of one panel share a shape"),
        y: ndarray::concatenate(Axis(0), &ys).expect("windows of one panel share a shape"),
        scale: parts.iter().flat_map(|p| p.scale.iter().copied()).collect(),
    }
}
