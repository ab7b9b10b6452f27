use ndarray::{Array2, ArrayView2};

use super::scale::{FitOn, ScaleKind, Scaler};
use super::source::Series;
use super::split::{split, Split};
use super::window::{windows, Windows};
use super::DataError;

/// Everything [`prepare`] needs besides the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareParams {
    /// Fraction of the series before the test part (validation included), in (0, 1).
    pub train: f64,
    /// Fraction of the whole series carved from the end of the training part, in [0, 1).
    pub validation: f64,
    pub scale: ScaleKind,
    /// MinMax feature range `[lo, hi]`.
    pub range: [f64; 2],
    pub fit_on: FitOn,
    pub lookback: usize,
    pub horizon: usize,
}

/// A series split, scaled and windowed: what a training run consumes.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The series in original units.
    pub series: Series,
    /// The whole series in scaled units.
    pub scaled: Vec<f64>,
    pub split: Split,
    pub scaler: Scaler,
    pub train: Windows,
    /// `None` when the validation fraction is 0.
    pub validation: Option<Windows>,
    pub test: Windows,
}

/// Split `series`, fit the scaler on the training span (or on all of it with
/// `FitOn::All`), scale the whole series and window each span separately.
///
/// Errors when lookback or horizon is 0, or when the training or test span (or a non-empty validation span) is too short
/// for one window of `lookback + horizon` points.
pub fn prepare(series: Series, p: &PrepareParams) -> Result<Prepared, DataError> {
    if p.lookback == 0 || p.horizon == 0 {
        return Err(DataError::EmptyWindow {
            lookback: p.lookback,
            horizon: p.horizon,
        });
    }
    let split = split(series.len(), p.train, p.validation);
    let needed = p.lookback + p.horizon;
    let check = |part: &'static str, len: usize| {
        if Windows::count(len, p.lookback, p.horizon) == 0 {
            Err(DataError::TooShort { part, len, needed })
        } else {
            Ok(())
        }
    };
    check("training", split.train.len())?;
    if !split.validation.is_empty() {
        check("validation", split.validation.len())?;
    }
    check("test", split.test.len())?;

    let fit_span = match p.fit_on {
        FitOn::Train => split.train.clone(),
        FitOn::All => 0..series.len(),
    };
    let scaler = Scaler::fit(p.scale, p.range, &series.values[fit_span]);
    let scaled = scaler.transform_all(&series.values);
    let cut = |span| windows(&scaled, &series.values, span, p.lookback, p.horizon);
    let train = cut(split.train.clone());
    let validation = (!split.validation.is_empty()).then(|| cut(split.validation.clone()));
    let test = cut(split.test.clone());
    Ok(Prepared {
        series,
        scaled,
        split,
        scaler,
        train,
        validation,
        test,
    })
}

impl Prepared {
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

    /// Network outputs in scaled units, any shape, back to original units.
    pub fn inverse(&self, scaled: ArrayView2<f32>) -> Array2<f64> {
        scaled.mapv(|y| self.scaler.inverse(y as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::{sine, SineParams};

    fn tutorial_series() -> Series {
        sine(
            &SineParams {
                points: 1000,
                start: 0.0,
                stop: 100.0,
                amplitude: 1.0,
                frequency: 1.0,
                phase: 0.0,
                noise: 0.0,
            },
            42,
        )
    }

    fn tutorial_params() -> PrepareParams {
        PrepareParams {
            train: 0.8,
            validation: 0.0,
            scale: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::All,
            lookback: 10,
            horizon: 1,
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
            validation: 0.1,
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
}
