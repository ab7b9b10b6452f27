use ndarray::{Array2, ArrayView2};

use super::preprocess::{
    network_input, network_target, output_to_original, window_level, Preprocessing,
};
use super::scale::{FitOn, ScaleKind, Scaler};
use super::source::Series;
use super::split::{split, Split, SplitSizes};
use super::transform::{Transform, TransformParams};
use super::window::{windows, LookbackFrom, Windows};
use super::DataError;

/// Everything [`prepare`] needs besides the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareParams {
    /// Sizes of the train (validation included), validation and test parts.
    pub split: SplitSizes,
    /// Log and differencing, applied before scaling.
    pub transform: TransformParams,
    /// Subtract each window's last input (scaled units) from its inputs and targets.
    pub window_normalise: bool,
    pub scale: ScaleKind,
    /// MinMax feature range `[lo, hi]`.
    pub range: [f64; 2],
    pub fit_on: FitOn,
    pub lookback: usize,
    pub horizon: usize,
    /// Whether validation and test windows may take their inputs from the parts before.
    pub lookback_from: LookbackFrom,
}

/// A series split, transformed, scaled and windowed: what a training run consumes.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The series in original units.
    pub series: Series,
    /// The whole series transformed then scaled, same indices as `series`; the first
    /// `transform.lost()` entries are NaN (differencing has no value there).
    pub scaled: Vec<f64>,
    pub split: Split,
    pub transform: Transform,
    /// Fitted on the transformed values of the fit span.
    pub scaler: Scaler,
    /// Whether window inputs and targets are relative to the window's last input.
    pub window_normalise: bool,
    pub train: Windows,
    /// `None` when there is no validation part.
    pub validation: Option<Windows>,
    pub test: Windows,
}

/// Split `series`, transform it, fit the scaler on the transformed training span (or on
/// all of it with `FitOn::All`), scale the whole series and window each part. Windows
/// start only where the transformed series has values, so with differencing the training
/// part loses its first `d + m` points as inputs (they still feed the inversion). Targets
/// always lie inside their part; inputs too with `LookbackFrom::Part`, while with
/// `LookbackFrom::History` validation and test windows read up to `lookback` points before
/// their part, so that every point of the part is predicted.
///
/// Errors when lookback or horizon is 0, the split cannot be made, `log` meets a value
/// <= 0, or when the training or test part (or a non-empty validation part) is too short
/// for one window.
pub fn prepare(series: Series, p: &PrepareParams) -> Result<Prepared, DataError> {
    prepare_checked(series, p, true)
}

/// [`prepare`] for a series whose training part may hold no window: what a network trained
/// on other series (a panel's global network) can still forecast, when the validation and
/// test windows can be cut. The training windows may be empty; the scaler is still fitted
/// on the training part, which must hold at least one transformed value.
pub fn prepare_forecast_only(series: Series, p: &PrepareParams) -> Result<Prepared, DataError> {
    prepare_checked(series, p, false)
}

fn prepare_checked(
    series: Series,
    p: &PrepareParams,
    require_training: bool,
) -> Result<Prepared, DataError> {
    if p.lookback == 0 || p.horizon == 0 {
        return Err(DataError::EmptyWindow {
            lookback: p.lookback,
            horizon: p.horizon,
        });
    }
    let split = split(series.len(), &p.split)?;
    let transform = Transform::new(p.transform);
    let lost = transform.lost();
    // The span each part's windows are cut from, where the transformed series is defined.
    // The training part has nothing before it to look back into.
    let usable = |part: &std::ops::Range<usize>| LookbackFrom::Part.span(part, p.lookback, lost);
    let window_span = |part: &std::ops::Range<usize>| p.lookback_from.span(part, p.lookback, lost);
    let needed = p.lookback + p.horizon;
    let check = |part: &'static str, span: std::ops::Range<usize>| {
        let len = span.len();
        if Windows::count(len, p.lookback, p.horizon) == 0 {
            Err(DataError::TooShort { part, len, needed })
        } else {
            Ok(())
        }
    };
    if require_training {
        check("training", usable(&split.train))?;
    } else if usable(&split.train).is_empty() {
        return Err(DataError::TooShort {
            part: "training",
            len: 0,
            needed: 1,
        });
    }
    if !split.validation.is_empty() {
        check("validation", window_span(&split.validation))?;
    }
    check("test", window_span(&split.test))?;

    let transformed = transform.apply(&series.values)?;
    let fit_span = match p.fit_on {
        FitOn::Train => usable(&split.train),
        FitOn::All => lost.min(series.len())..series.len(),
    };
    let scaler = Scaler::fit(p.scale, p.range, &transformed[fit_span]);
    let scaled = scaler.transform_all(&transformed);
    let cut = |span: std::ops::Range<usize>| {
        let mut w = windows(&scaled, &series.values, span, p.lookback, p.horizon);
        if p.window_normalise {
            normalise(&mut w, &scaled);
        }
        w
    };
    let train = cut(usable(&split.train));
    let validation = (!split.validation.is_empty()).then(|| cut(window_span(&split.validation)));
    let test = cut(window_span(&split.test));
    Ok(Prepared {
        series,
        scaled,
        split,
        transform,
        scaler,
        window_normalise: p.window_normalise,
        train,
        validation,
        test,
    })
}

/// The data of a refit on everything: the whole series is the training part (its transform
/// and scaler fitted on all of it, every window of it a training window), with no validation
/// and an empty test part at the end. What a forecast past the end of the series is trained
/// on. `p.split`, `p.fit_on` and `p.lookback_from` do not apply.
///
/// Errors when lookback or horizon is 0, `log` meets a value <= 0, or the series is too
/// short for one window.
pub fn prepare_whole(series: Series, p: &PrepareParams) -> Result<Prepared, DataError> {
    if p.lookback == 0 || p.horizon == 0 {
        return Err(DataError::EmptyWindow {
            lookback: p.lookback,
            horizon: p.horizon,
        });
    }
    let n = series.len();
    let transform = Transform::new(p.transform);
    let span = LookbackFrom::Part.span(&(0..n), p.lookback, transform.lost());
    if Windows::count(span.len(), p.lookback, p.horizon) == 0 {
        return Err(DataError::TooShort {
            part: "whole-series training",
            len: span.len(),
            needed: p.lookback + p.horizon,
        });
    }
    let transformed = transform.apply(&series.values)?;
    let scaler = Scaler::fit(p.scale, p.range, &transformed[span.clone()]);
    let scaled = scaler.transform_all(&transformed);
    let mut train = windows(&scaled, &series.values, span, p.lookback, p.horizon);
    if p.window_normalise {
        normalise(&mut train, &scaled);
    }
    let test = windows(&scaled, &series.values, n..n, p.lookback, p.horizon);
    Ok(Prepared {
        series,
        scaled,
        split: Split {
            train: 0..n,
            validation: n..n,
            test: n..n,
        },
        transform,
        scaler,
        window_normalise: p.window_normalise,
        train,
        validation: None,
        test,
    })
}

/// Inputs and targets minus the window's last input, in scaled units (subtracted in f64
/// before the cast, so the f32 values carry the small differences at full precision).
fn normalise(w: &mut Windows, scaled: &[f64]) {
    let lookback = w.x.shape()[1];
    for (i, &t) in w.target_index.iter().enumerate() {
        let level = window_level(scaled, t, true);
        for k in 0..lookback {
            w.x[[i, k, 0]] = network_input(scaled, t, lookback, k, level) as f32;
        }
        for h in 0..w.y.ncols() {
            w.y[[i, h]] = network_target(scaled, t, h, level) as f32;
        }
    }
}

impl Prepared {
    /// The fitted transform, scaler and window shape: what a saved model needs to be applied
    /// to raw values.
    pub fn preprocessing(&self) -> Preprocessing {
        Preprocessing {
            transform: self.transform.clone(),
            scaler: self.scaler,
            window_normalise: self.window_normalise,
            lookback: self.train.x.shape()[1],
            horizon: self.train.y.ncols(),
        }
    }

    /// The targets of `w` in original units, shape `[n, horizon]`.
    pub fn actual(&self, w: &Windows) -> Array2<f64> {
        let horizon = w.y.ncols();
        Array2::from_shape_fn((w.len(), horizon), |(i, h)| {
            self.series.values[w.target_index[i] + h]
        })
    }

    /// The naive last-value forecast for the targets of `w`, original units,
    /// shape `[n, horizon]`: every step repeats the window's last input.
    pub fn naive(&self, w: &Windows) -> Array2<f64> {
        let horizon = w.y.ncols();
        Array2::from_shape_fn((w.len(), horizon), |(i, _)| w.last_input[i])
    }

    /// Network outputs in scaled units back through the scaler only: TRANSFORMED units,
    /// which are original units only when no transform is configured. Use
    /// [`Self::to_original`] for predictions.
    pub fn inverse(&self, scaled: ArrayView2<f32>) -> Array2<f64> {
        scaled.mapv(|y| self.scaler.inverse(y as f64))
    }

    /// The inputs of the windows `w` in the network's space, shape `[n, lookback]`, in f64:
    /// what `w.x` holds as f32 (scaled and, with `window_normalise`, minus the window's last
    /// input), computed from the f64 scaled series. `w` must be a window set of `self`.
    pub fn network_inputs(&self, w: &Windows) -> Array2<f64> {
        let lookback = w.x.shape()[1];
        Array2::from_shape_fn((w.len(), lookback), |(i, k)| {
            let origin = w.target_index[i];
            let level = window_level(&self.scaled, origin, self.window_normalise);
            network_input(&self.scaled, origin, lookback, k, level)
        })
    }

    /// The targets of the windows `w` in the network's space, shape `[n, horizon]`, in f64:
    /// what `w.y` holds as f32, and what the network's Dense head is trained to output.
    pub fn network_targets(&self, w: &Windows) -> Array2<f64> {
        Array2::from_shape_fn((w.len(), w.y.ncols()), |(i, h)| {
            let origin = w.target_index[i];
            let level = window_level(&self.scaled, origin, self.window_normalise);
            network_target(&self.scaled, origin, h, level)
        })
    }

    /// Network outputs for the windows `w`, shape `[n, horizon]` in scaled (and, with
    /// `window_normalise`, window-relative) units, back to ORIGINAL units: add back the
    /// window's last input, undo the scaler, then invert the transform from the window's
    /// origin with the actual values before it (see [`Transform::invert`]).
    ///
    /// Takes the network's f32 outputs, or f64 forecasts made in the same space (the
    /// transformed baselines); an f32 is widened first, exactly as `as f64`.
    ///
    /// # Panics
    /// If `scaled` does not have one row per window of `w`.
    pub fn to_original<T: Copy + Into<f64>>(
        &self,
        w: &Windows,
        scaled: ArrayView2<T>,
    ) -> Array2<f64> {
        assert_eq!(scaled.nrows(), w.len(), "one prediction row per window");
        let mut out = Array2::zeros(scaled.raw_dim());
        for (i, row) in scaled.outer_iter().enumerate() {
            let original = output_to_original(
                &self.transform,
                &self.scaler,
                self.window_normalise,
                &self.series.values,
                &self.scaled,
                w.target_index[i],
                row.iter().map(|&y| y.into()),
            );
            out.row_mut(i).assign(&ndarray::ArrayView1::from(&original));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::{sine, SineParams};

    fn tutorial_series() -> Series {
        sine(&SineParams::tutorial(), 42)
    }

    fn tutorial_params() -> PrepareParams {
        PrepareParams {
            split: SplitSizes::train_fraction(0.8, 0.0),
            transform: TransformParams::default(),
            window_normalise: false,
            scale: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::All,
            lookback: 10,
            horizon: 1,
            lookback_from: LookbackFrom::Part,
        }
    }

    #[test]
    fn tutorial_shapes_and_first_window() {
        let p = prepare(tutorial_series(), &tutorial_params()).unwrap();
        assert_eq!(p.train.x.shape(), &[790, 10, 1]);
        assert_eq!(p.train.y.shape(), &[790, 1]);
        assert!(p.validation.is_none());
        assert_eq!(p.test.x.shape(), &[190, 10, 1]);
        assert_eq!(p.test.target_index[0], 810);
        assert_eq!(p.test.target_index[189], 999);

        // fit on all: the sampled sine's min and max are its smallest and largest samples
        let v = &p.series.values;
        let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let scaled = |x: f64| (x * (1.0 / (hi - lo)) + (0.0 - lo * (1.0 / (hi - lo)))) as f32;
        // x[0] = scaled sin(t_0..t_9), y[0] = scaled sin(t_10), t_k = k * 100 / 999
        for t in 0..10 {
            assert_eq!(
                p.train.x[[0, t, 0]],
                scaled((t as f64 * (100.0 / 999.0)).sin())
            );
        }
        assert_eq!(p.train.y[[0, 0]], scaled((10.0 * (100.0f64 / 999.0)).sin()));
        // first test window reads points 800..810 and predicts point 810
        assert_eq!(p.test.x[[0, 0, 0]], scaled(v[800]));
        assert_eq!(p.test.y[[0, 0]], scaled(v[810]));
        assert_eq!(p.test.last_input[0], v[809]);
    }

    #[test]
    fn fit_on_train_uses_only_the_training_span() {
        // series 0..10: train = 0..8 -> min 0, max 7; test values 8, 9 scale above 1
        let series = Series {
            values: (0..10).map(f64::from).collect(),
            time: None,
        };
        let params = PrepareParams {
            lookback: 1,
            fit_on: FitOn::Train,
            ..tutorial_params()
        };
        let p = prepare(series, &params).unwrap();
        assert_eq!(p.scaled[7], 1.0);
        assert!((p.scaled[9] - 9.0 / 7.0).abs() < 1e-15);
        assert_eq!(p.test.len(), 1);
        assert_eq!(p.actual(&p.test), Array2::from_elem((1, 1), 9.0));
        assert_eq!(p.naive(&p.test), Array2::from_elem((1, 1), 8.0));
        let back = p.inverse(p.test.y.view());
        assert!((back[[0, 0]] - 9.0).abs() < 1e-5);
    }

    #[test]
    fn validation_windows_stay_inside_their_span() {
        // 1000 points, 0.8 / 0.1 -> spans 0..700, 700..800, 800..1000
        let params = PrepareParams {
            split: SplitSizes::train_fraction(0.8, 0.1),
            ..tutorial_params()
        };
        let p = prepare(tutorial_series(), &params).unwrap();
        assert_eq!(p.train.len(), 690);
        let val = p.validation.as_ref().unwrap();
        assert_eq!(val.len(), 90);
        assert_eq!(val.target_index[0], 710);
        assert_eq!(*val.target_index.last().unwrap(), 799);
        assert_eq!(p.test.len(), 190);
    }

    #[test]
    fn history_windows_predict_every_validation_and_test_point() {
        // 1000 points, 0.8 / 0.1 -> parts 0..700, 700..800, 800..1000
        let params = PrepareParams {
            split: SplitSizes::train_fraction(0.8, 0.1),
            lookback_from: LookbackFrom::History,
            ..tutorial_params()
        };
        let p = prepare(tutorial_series(), &params).unwrap();
        assert_eq!(p.train.len(), 690, "the training part is unchanged");
        let val = p.validation.as_ref().unwrap();
        assert_eq!(val.target_index, (700..800).collect::<Vec<_>>());
        assert_eq!(p.test.target_index, (800..1000).collect::<Vec<_>>());
        // the first test window reads the last 10 validation points
        assert_eq!(p.test.x[[0, 0, 0]], p.scaled[790] as f32);
        assert_eq!(p.test.last_input[0], p.series.values[799]);
        // with differencing, windows still start where the transformed series has values
        let mut short = transformed_params(1, false);
        short.lookback_from = LookbackFrom::History;
        let p = prepare(seasonal_series(), &short).unwrap();
        assert_eq!(p.test.target_index, (48..60).collect::<Vec<_>>());
    }

    #[test]
    fn a_part_shorter_than_the_horizon_is_too_short_even_with_history() {
        let params = PrepareParams {
            split: SplitSizes {
                train: None,
                validation: crate::data::Size::Count(0),
                test: Some(crate::data::Size::Count(2)),
            },
            horizon: 3,
            lookback_from: LookbackFrom::History,
            ..tutorial_params()
        };
        let err = prepare(tutorial_series(), &params).unwrap_err();
        assert!(err.to_string().contains("test part"), "{err}");
    }

    #[test]
    fn too_short_spans_are_errors() {
        let params = PrepareParams {
            lookback: 200,
            ..tutorial_params()
        };
        let err = prepare(tutorial_series(), &params).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the test part has 200 points but a window needs lookback + horizon = 201"
        );
        let params = PrepareParams {
            lookback: 0,
            ..tutorial_params()
        };
        assert!(matches!(
            prepare(tutorial_series(), &params),
            Err(DataError::EmptyWindow {
                lookback: 0,
                horizon: 1
            })
        ));
    }

    /// Airline-like: positive, trending, seasonal with period 4; 60 points.
    fn seasonal_series() -> Series {
        Series {
            values: (0..60)
                .map(|i| 100.0 * 1.02f64.powi(i) * (1.0 + 0.2 * ((i % 4) as f64 - 1.5)))
                .collect(),
            time: None,
        }
    }

    fn transformed_params(horizon: usize, window_normalise: bool) -> PrepareParams {
        PrepareParams {
            split: SplitSizes {
                train: None,
                validation: crate::data::Size::Count(10),
                test: Some(crate::data::Size::Count(12)),
            },
            transform: TransformParams {
                log: true,
                difference: 1,
                seasonal_difference: 4,
            },
            window_normalise,
            fit_on: FitOn::Train,
            lookback: 3,
            horizon,
            ..tutorial_params()
        }
    }

    #[test]
    fn transformed_windows_start_where_the_transform_has_values() {
        let p = prepare(seasonal_series(), &transformed_params(1, false)).unwrap();
        // 60 points, test 12, validation 10 -> spans 0..38, 38..48, 48..60
        assert_eq!(
            (p.split.train.clone(), p.split.test.clone()),
            (0..38, 48..60)
        );
        // d + m = 5 points lost: the first window reads 5..8 and predicts point 8
        assert_eq!(p.train.target_index[0], 8);
        assert_eq!(p.train.len(), 38 - 5 - 3);
        assert!(p.scaled[..5].iter().all(|x| x.is_nan()));
        // MinMax fitted on the transformed training values 5..38 maps them onto [0, 1]
        let fitted = &p.scaled[5..38];
        let lo = fitted.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = fitted.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!(lo.abs() < 1e-12 && (hi - 1.0).abs() < 1e-12, "{lo} {hi}");
        // actual and naive stay in original units
        let v = &seasonal_series().values;
        assert_eq!(p.actual(&p.test)[[0, 0]], v[51]);
        assert_eq!(p.naive(&p.test)[[0, 0]], v[50]);
    }

    #[test]
    fn true_targets_invert_to_the_original_for_horizons_1_and_3() {
        let v = seasonal_series().values;
        for (horizon, normalise, lookback_from) in [1, 3]
            .into_iter()
            .flat_map(|h| [(h, false), (h, true)])
            .flat_map(|(h, n)| [(h, n, LookbackFrom::Part), (h, n, LookbackFrom::History)])
        {
            let params = PrepareParams {
                lookback_from,
                ..transformed_params(horizon, normalise)
            };
            let p = prepare(seasonal_series(), &params).unwrap();
            for w in [&p.train, p.validation.as_ref().unwrap(), &p.test] {
                let back = p.to_original(w, w.y.view());
                let actual = p.actual(w);
                assert_eq!(back.shape(), &[w.len(), horizon]);
                // targets are f32 in scaled units: agreement to f32 precision
                // (relative 1e-6 of values near 100..300), chained over 3 steps
                for (b, a) in back.iter().zip(actual.iter()) {
                    assert!((b - a).abs() < 1e-6 * a.abs() * 10.0, "{b} vs {a}");
                }
                // the last test target is the series' last point
                if std::ptr::eq(w, &p.test) {
                    assert!((back[[w.len() - 1, horizon - 1]] - v[59]).abs() < 1e-3);
                }
            }
        }
    }

    #[test]
    fn window_normalise_makes_the_last_input_zero() {
        let p = prepare(
            tutorial_series(),
            &PrepareParams {
                window_normalise: true,
                ..tutorial_params()
            },
        )
        .unwrap();
        assert!(p
            .train
            .x
            .index_axis(ndarray::Axis(1), 9)
            .iter()
            .all(|&x| x == 0.0));
        // target 810 relative to input 809, scaled units
        let want = (p.scaled[810] - p.scaled[809]) as f32;
        assert_eq!(p.test.y[[0, 0]], want);
        // a prediction of "no change" (0) is the naive forecast in original units
        let zeros = Array2::<f32>::zeros((p.test.len(), 1));
        let back = p.to_original(&p.test, zeros.view());
        for (b, n) in back.iter().zip(p.naive(&p.test).iter()) {
            assert!((b - n).abs() < 1e-12);
        }
    }

    #[test]
    fn network_space_in_f64_is_what_the_windows_hold_in_f32() {
        for (horizon, normalise, lookback_from) in [1, 3]
            .into_iter()
            .flat_map(|h| [(h, false), (h, true)])
            .flat_map(|(h, n)| [(h, n, LookbackFrom::Part), (h, n, LookbackFrom::History)])
        {
            let params = PrepareParams {
                lookback_from,
                ..transformed_params(horizon, normalise)
            };
            let p = prepare(seasonal_series(), &params).unwrap();
            for w in [&p.train, p.validation.as_ref().unwrap(), &p.test] {
                let (x, y) = (p.network_inputs(w), p.network_targets(w));
                assert_eq!(x.shape(), &[w.len(), 3]);
                assert_eq!(x.mapv(|v| v as f32), w.x.index_axis(ndarray::Axis(2), 0));
                assert_eq!(y.mapv(|v| v as f32), w.y);
                if normalise {
                    // relative to the window's last input, which is therefore exactly 0
                    assert!(x.column(2).iter().all(|&v| v == 0.0));
                }
                // f64 targets invert to the actual values to f64 precision
                let back = p.to_original(w, y.view());
                for (b, a) in back.iter().zip(p.actual(w).iter()) {
                    assert!((b - a).abs() < 1e-12 * a.abs(), "{b} vs {a}");
                }
            }
        }
    }

    #[test]
    fn log_of_a_non_positive_series_is_an_error() {
        let params = PrepareParams {
            transform: TransformParams {
                log: true,
                ..TransformParams::default()
            },
            ..tutorial_params()
        };
        // the sine's first value is sin(0) = 0
        let err = prepare(tutorial_series(), &params).unwrap_err();
        assert!(
            err.to_string()
                .contains("value at index 0 (data row 1) is 0"),
            "{err}"
        );
    }

    #[test]
    fn the_whole_series_is_the_training_part_of_a_refit() {
        let p = prepare_whole(seasonal_series(), &transformed_params(2, true)).unwrap();
        // 60 points, lost 1 + 4, lookback 3, horizon 2: windows from 5, 60 - 5 - 5 + 1 = 51
        assert_eq!(p.train.len(), 51);
        assert_eq!(p.train.target_index[0], 8);
        assert_eq!(*p.train.target_index.last().unwrap(), 58);
        assert!(p.validation.is_none() && p.test.is_empty());
        // the scaler saw every transformed value: MinMax over 5..60 spans exactly [0, 1]
        let lo = p.scaled[5..].iter().copied().fold(f64::INFINITY, f64::min);
        let hi = p.scaled[5..]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(lo.abs() < 1e-12 && (hi - 1.0).abs() < 1e-12, "{lo} {hi}");
        let short = Series {
            values: vec![1.0; 9],
            time: None,
        };
        let err = prepare_whole(short, &transformed_params(2, false)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the whole-series training part has 4 points but a window needs lookback + horizon = 5"
        );
    }
}
