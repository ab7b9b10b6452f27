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

use ndarray::{s, Array2, Array3};

use super::prepare::{prepare, prepare_forecast_only, PrepareParams, Prepared};
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
    /// fold): prepared for a network (its training windows possibly empty: too short for
    /// one), or why not even its forecast window can be cut. Each fold's `test` windows hold
    /// the one window it forecasts.
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
    /// The members without a training window in fold `fold`: a global network trained on
    /// the others still forecasts those with a forecast window, local networks fall back.
    pub fn short(&self, fold: usize) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .filter(move |m| m.folds[fold].as_ref().map_or(true, |p| p.train.is_empty()))
    }

    /// The members whose forecast window cannot even be cut in fold `fold` (fewer points
    /// before it than the lookback): every scope falls back for them.
    pub fn unforecastable(&self, fold: usize) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(move |m| m.folds[fold].is_err())
    }

    /// The part fold `fold` forecasts: `validation` for the first of two folds, else `test`.
    pub fn part(&self, fold: usize) -> &'static str {
        if fold + 1 < self.folds() {
            "validation"
        } else {
            "test"
        }
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
    if p.horizon != test {
        return Err(DataError::Panel(format!(
            "a panel's network forecasts its test part at once: the horizon ({}) must be the \
             test part's {test} points",
            p.horizon
        )));
    }
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
                    prepare_fold(&name, cut, &params)
                })
                .collect::<Result<Vec<_>, DataError>>()?;
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

/// One fold of series `name`: prepared with training windows; without any (a global network
/// trained on the other series forecasts it) when its training part is too short for one;
/// or, when even its forecast window cannot be cut, the reason (it falls back to a
/// benchmark). Any other problem (a `log` of a value <= 0) is refused, naming the series.
fn prepare_fold(
    name: &str,
    cut: Series,
    params: &PrepareParams,
) -> Result<Result<Prepared, String>, DataError> {
    let named = |e: DataError| DataError::Panel(format!("series `{name}`: {e}"));
    match prepare(cut.clone(), params) {
        Ok(p) => Ok(Ok(p)),
        Err(DataError::TooShort { .. }) => match prepare_forecast_only(cut, params) {
            Ok(p) => Ok(Ok(p)),
            Err(e @ DataError::TooShort { .. }) => Ok(Err(e.to_string())),
            Err(e) => Err(named(e)),
        },
        Err(e) => Err(named(e)),
    }
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

/// The windows of one or more series (`(series, its windows)`), stacked in one set in that
/// order (batches of a global fit mix series), each window divided by its mean absolute input
/// when `by_mean` (1 when that mean is 0; computed in f64 before the cast to f32). Written
/// straight into the stacked arrays: no copy per series.
pub fn scaled_windows(parts: &[(&Prepared, &Windows)], by_mean: bool) -> ScaledWindows {
    let n: usize = parts.iter().map(|(_, w)| w.len()).sum();
    let (lookback, horizon) = parts
        .first()
        .map_or((0, 0), |(_, w)| (w.x.dim().1, w.y.ncols()));
    let mut x = Array3::zeros((n, lookback, 1));
    let mut y = Array2::zeros((n, horizon));
    let mut scale = Vec::with_capacity(n);
    let mut at = 0;
    for &(p, w) in parts {
        let rows = at..at + w.len();
        at = rows.end;
        if !by_mean {
            x.slice_mut(s![rows.clone(), .., ..]).assign(&w.x);
            y.slice_mut(s![rows, ..]).assign(&w.y);
            scale.extend(std::iter::repeat_n(1.0, w.len()));
            continue;
        }
        let inputs = p.network_inputs(w);
        let targets = p.network_targets(w);
        for (i, row) in rows.enumerate() {
            let mean = inputs.row(i).iter().map(|v| v.abs()).sum::<f64>() / lookback as f64;
            let sc = if mean > 0.0 && mean.is_finite() {
                mean
            } else {
                1.0
            };
            for k in 0..lookback {
                x[[row, k, 0]] = (inputs[[i, k]] / sc) as f32;
            }
            for h in 0..horizon {
                y[[row, h]] = (targets[[i, h]] / sc) as f32;
            }
            scale.push(sc);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{FitOn, ScaleKind, SplitSizes, TransformParams};

    fn params(log: bool, window_normalise: bool) -> PrepareParams {
        PrepareParams {
            split: SplitSizes {
                train: None,
                validation: Size::Count(3),
                test: Some(Size::Count(3)),
            },
            transform: TransformParams {
                log,
                difference: usize::from(log),
                seasonal_difference: 0,
            },
            window_normalise,
            scale: ScaleKind::Standard,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback: 4,
            horizon: 3,
            lookback_from: LookbackFrom::Part,
        }
    }

    fn named(name: &str, values: Vec<f64>) -> NamedSeries {
        NamedSeries {
            name: name.into(),
            series: Series { values, time: None },
        }
    }

    fn wavy(n: usize, level: f64) -> Vec<f64> {
        (0..n)
            .map(|t| level * (1.0 + 0.1 * (t as f64).sin() + 0.01 * t as f64))
            .collect()
    }

    #[test]
    fn each_series_gets_a_validation_fold_and_a_test_fold_fitted_on_its_own_past() {
        let panel = prepare_panel(
            vec![named("a", wavy(20, 1.0)), named("b", wavy(20, 1000.0))],
            &params(false, false),
        )
        .unwrap();
        assert_eq!((panel.test, panel.validation, panel.folds()), (3, 3, 2));
        for m in &panel.members {
            let [validation, test] = [&m.folds[0], &m.folds[1]].map(|f| f.as_ref().unwrap());
            // The validation fold ends before the test part and forecasts the 3 points
            // before it, from the 4 before them.
            assert_eq!(validation.series.len(), 17);
            assert_eq!(validation.test.target_index, vec![14]);
            assert_eq!(validation.train.len(), 14 - 4 - 3 + 1);
            // The test fold trains on everything before the test part.
            assert_eq!(test.test.target_index, vec![17]);
            assert_eq!(test.train.len(), 17 - 4 - 3 + 1);
            // Windows never reach the part they forecast.
            let last_target = |p: &Prepared| p.train.target_index.last().unwrap() + 3;
            assert_eq!(last_target(validation), 14);
            assert_eq!(last_target(test), 17);
        }
        // Each series' scaler is its own: the scaled copies look alike.
        let scaled = |m: &Member| m.folds[1].as_ref().unwrap().scaled.clone();
        let (a, b) = (scaled(&panel.members[0]), scaled(&panel.members[1]));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-9, "{x} vs {y}");
        }
    }

    #[test]
    fn short_series_keep_what_can_be_forecast_and_bad_ones_are_refused_by_name() {
        // 12 points: the validation fold's training part (6) holds no window of 4 + 3, but
        // its forecast window (4 points before it) can be cut; 7 points: the validation
        // fold has 1 point before its forecast, fewer than the lookback.
        let panel = prepare_panel(
            vec![
                named("long", wavy(30, 5.0)),
                named("short", wavy(12, 5.0)),
                named("tiny", wavy(7, 5.0)),
            ],
            &params(false, false),
        )
        .unwrap();
        let short = &panel.members[1];
        let v = short.folds[0].as_ref().unwrap();
        assert!(v.train.is_empty());
        assert_eq!(v.test.target_index, vec![6]);
        assert!(short.folds[1].as_ref().unwrap().train.len() == 3);
        let tiny = &panel.members[2];
        assert!(tiny.folds[0]
            .as_ref()
            .unwrap_err()
            .contains("needs lookback + horizon"));
        assert_eq!(panel.short(0).count(), 2);
        assert_eq!(panel.unforecastable(0).count(), 1);
        assert_eq!(panel.short(1).count(), 1);
        // Nothing before the validation and test parts: refused.
        let err = prepare_panel(vec![named("none", wavy(6, 5.0))], &params(false, false))
            .unwrap_err()
            .to_string();
        assert!(err.contains("series `none` has 6 points"), "{err}");
        // A log of a value <= 0 is not a short series: refused, naming the series.
        let mut zero = wavy(30, 5.0);
        zero[3] = 0.0;
        let err = prepare_panel(vec![named("zero", zero)], &params(true, false))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("series `zero`") && err.contains("positive"),
            "{err}"
        );
        // The network's horizon must be the test part.
        let p = PrepareParams {
            horizon: 2,
            ..params(false, false)
        };
        assert!(prepare_panel(vec![named("a", wavy(30, 5.0))], &p).is_err());
    }

    #[test]
    fn mean_scaling_divides_by_the_mean_absolute_input_and_inverts_exactly() {
        for (log, normalise) in [(false, false), (true, false), (false, true), (true, true)] {
            let panel =
                prepare_panel(vec![named("a", wavy(40, 50.0))], &params(log, normalise)).unwrap();
            let p = panel.members[0].folds[1].as_ref().unwrap();
            let w = scaled_windows(&[(p, &p.train)], true);
            let inputs = p.network_inputs(&p.train);
            for i in 0..p.train.len() {
                let mean = inputs.row(i).iter().map(|v| v.abs()).sum::<f64>() / 4.0;
                assert_eq!(w.scale[i], mean);
                assert_eq!(w.x[[i, 2, 0]], (inputs[[i, 2]] / mean) as f32);
            }
            // The scaled targets taken as outputs come back as the actual values.
            let back = unscale_outputs(p, &p.train, &w.y, &w.scale);
            let actual = p.actual(&p.train);
            for (b, a) in back.iter().zip(actual.iter()) {
                assert!(
                    (b / a - 1.0).abs() < 1e-5,
                    "log {log} normalise {normalise}: {b} vs {a}"
                );
            }
            // Without mean scaling the windows are the fold's own.
            let plain = scaled_windows(&[(p, &p.train)], false);
            assert_eq!(plain.x, p.train.x);
            assert_eq!(plain.scale, vec![1.0; p.train.len()]);
        }
    }

    #[test]
    fn pooling_stacks_the_windows_of_every_series_in_order() {
        let panel = prepare_panel(
            vec![named("a", wavy(20, 1.0)), named("b", wavy(25, 2.0))],
            &params(false, false),
        )
        .unwrap();
        let folds: Vec<&Prepared> = panel
            .members
            .iter()
            .map(|m| m.folds[1].as_ref().unwrap())
            .collect();
        for by_mean in [false, true] {
            let single: Vec<ScaledWindows> = folds
                .iter()
                .map(|p| scaled_windows(&[(p, &p.train)], by_mean))
                .collect();
            let parts: Vec<(&Prepared, &Windows)> = folds.iter().map(|p| (*p, &p.train)).collect();
            let pooled = scaled_windows(&parts, by_mean);
            let n0 = single[0].x.dim().0;
            assert_eq!(pooled.x.dim().0, n0 + single[1].x.dim().0);
            assert_eq!(pooled.x.slice(s![..n0, .., ..]), single[0].x);
            assert_eq!(pooled.x.slice(s![n0.., .., ..]), single[1].x);
            assert_eq!(pooled.y.slice(s![n0.., ..]), single[1].y);
            assert_eq!(
                pooled.scale,
                [single[0].scale.clone(), single[1].scale.clone()].concat()
            );
        }
        assert_eq!(scaled_windows(&[], true).x.dim(), (0, 0, 1));
    }
}
