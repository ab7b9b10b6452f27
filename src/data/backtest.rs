//! Rolling-origin backtest: the experiment's split repeated at earlier forecast origins.
//!
//! ```text
//! series  |-------------------------------------------------------------|
//! fold 3  |train ······························|val·|test·····|          (the [split])
//! fold 2  |train ·····················|val·|test·····|                    end = n - step
//! fold 1  |train ············|val·|test·····|                             end = n - 2 step
//! ```
//!
//! Fold `j` sees only the first `end_j` points: its test part is their last `test` points
//! (as many as the experiment's), its validation part (as many points too) lies before it,
//! and everything earlier is its training part. Each fold is prepared on its own, so its
//! transforms and scaler are fitted on its training part only and nothing after its origin
//! reaches it.

use super::error::DataError;
use super::prepare::{prepare, PrepareParams, Prepared};
use super::source::Series;
use super::split::{split, Size, SplitError, SplitSizes};

/// `[backtest]`: how many folds and how far apart their origins are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestParams {
    /// 1 = the split alone.
    pub folds: usize,
    /// Points between consecutive origins; `None` = the test part's length.
    pub step: Option<usize>,
}

/// Where one fold cuts the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldCut {
    /// The fold sees points `0..end`.
    pub end: usize,
    /// The split of those `end` points.
    pub sizes: SplitSizes,
}

/// The folds' cuts, oldest first; the last one is the experiment's own split of all `n`
/// points. With one fold, the split as given (fractions stay fractions).
///
/// Errors when the split cannot be made, or the folds reach back past the series' start.
pub fn fold_cuts(
    n: usize,
    sizes: &SplitSizes,
    b: BacktestParams,
) -> Result<Vec<FoldCut>, SplitError> {
    let whole = split(n, sizes)?;
    if b.folds <= 1 {
        return Ok(vec![FoldCut {
            end: n,
            sizes: *sizes,
        }]);
    }
    let test = whole.test.len();
    let step = b.step.unwrap_or(test);
    let back = (b.folds - 1) * step;
    if back + test >= n {
        return Err(SplitError {
            key: "backtest.folds",
            message: format!(
                "`backtest.folds` = {} with a step of {step} moves the earliest origin back {back} \
                 points, but the series has {n} and the test part {test}: nothing is left to train on",
                b.folds
            ),
        });
    }
    let fold_sizes = SplitSizes {
        train: None,
        validation: Size::Count(whole.validation.len()),
        test: Some(Size::Count(test)),
    };
    Ok((0..b.folds)
        .map(|j| FoldCut {
            end: n - (b.folds - 1 - j) * step,
            sizes: fold_sizes,
        })
        .collect())
}

/// A backtest failure names its fold: `fold 1 of 4 (the first 96 points): ...`.
fn in_fold(j: usize, folds: usize, end: usize, e: DataError) -> DataError {
    if folds == 1 {
        return e;
    }
    DataError::Fold {
        fold: j + 1,
        folds,
        end,
        source: Box::new(e),
    }
}

/// Prepares every fold of the backtest, oldest first; the last is exactly
/// `prepare(series, p)`. Each fold is split, transformed, scaled (fitted on its own training
/// part when `p.fit_on` is `Train`) and windowed on its own.
pub fn prepare_folds(
    series: Series,
    p: &PrepareParams,
    b: BacktestParams,
) -> Result<Vec<Prepared>, DataError> {
    let cuts = fold_cuts(series.len(), &p.split, b)?;
    let folds = cuts.len();
    cuts.iter()
        .enumerate()
        .map(|(j, cut)| {
            let seen = Series {
                values: series.values[..cut.end].to_vec(),
                time: series.time.as_ref().map(|t| t[..cut.end].to_vec()),
            };
            let params = PrepareParams {
                split: cut.sizes,
                ..*p
            };
            prepare(seen, &params).map_err(|e| in_fold(j, folds, cut.end, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{FitOn, LookbackFrom, ScaleKind, TransformParams};

    fn params() -> PrepareParams {
        PrepareParams {
            split: SplitSizes {
                train: None,
                validation: Size::Count(6),
                test: Some(Size::Count(12)),
            },
            transform: TransformParams {
                log: true,
                difference: 1,
                seasonal_difference: 0,
            },
            window_normalise: false,
            scale: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback: 4,
            horizon: 1,
            lookback_from: LookbackFrom::History,
        }
    }

    /// 100 points of a rising, wiggling exponential: each fold's training part has a
    /// different range.
    fn rising() -> Series {
        Series {
            values: (0..100)
                .map(|i| 10.0 * 1.03f64.powi(i) * (1.0 + 0.1 * (i as f64).sin()) + i as f64)
                .collect(),
            time: Some((0..100).map(|i| format!("t{i}")).collect()),
        }
    }

    #[test]
    fn folds_end_one_step_apart_and_the_last_is_the_split() {
        let b = BacktestParams {
            folds: 3,
            step: None,
        };
        let cuts = fold_cuts(100, &params().split, b).unwrap();
        assert_eq!(
            cuts.iter().map(|c| c.end).collect::<Vec<_>>(),
            vec![76, 88, 100]
        );
        let b = BacktestParams {
            folds: 3,
            step: Some(5),
        };
        let ends: Vec<_> = fold_cuts(100, &params().split, b)
            .unwrap()
            .iter()
            .map(|c| c.end)
            .collect();
        assert_eq!(ends, vec![90, 95, 100]);
        // one fold: the split as written, a fraction stays a fraction
        let tutorial = SplitSizes::train_fraction(0.8, 0.0);
        let one = BacktestParams {
            folds: 1,
            step: None,
        };
        assert_eq!(
            fold_cuts(1000, &tutorial, one).unwrap(),
            vec![FoldCut {
                end: 1000,
                sizes: tutorial
            }]
        );
    }

    #[test]
    fn each_fold_is_prepared_on_its_own_past() {
        let b = BacktestParams {
            folds: 3,
            step: None,
        };
        let folds = prepare_folds(rising(), &params(), b).unwrap();
        assert_eq!(folds.len(), 3);
        let whole = prepare(rising(), &params()).unwrap();
        let last = &folds[2];
        assert_eq!(last.test.target_index, whole.test.target_index);
        assert!(last.scaled[0].is_nan() && whole.scaled[0].is_nan());
        assert_eq!(last.scaled[1..], whole.scaled[1..]);
        for (j, f) in folds.iter().enumerate() {
            let end = 76 + 12 * j;
            assert_eq!(f.series.len(), end);
            assert_eq!(f.series.time.as_ref().unwrap().len(), end);
            // test targets: the fold's last 12 points; validation: the 6 before
            assert_eq!(f.test.target_index, (end - 12..end).collect::<Vec<_>>());
            assert_eq!(f.split.validation, end - 18..end - 12);
            // the scaler saw only the fold's training part: its transformed training values
            // span [0, 1] exactly, whatever comes after
            let train = &f.scaled[1..end - 18];
            let hi = train.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lo = train.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!((hi - 1.0).abs() < 1e-12 && lo.abs() < 1e-12, "{lo} {hi}");
        }
        // and folds differ in their scalers (different training parts)
        assert_ne!(folds[0].scaled[10], folds[2].scaled[10]);
    }

    #[test]
    fn folds_reaching_past_the_start_or_too_short_are_errors() {
        let b = BacktestParams {
            folds: 9,
            step: None,
        };
        let err = prepare_folds(rising(), &params(), b).unwrap_err();
        assert!(err.to_string().contains("`backtest.folds` = 9"), "{err}");
        // 6 folds of 12: the earliest sees 40 points, 22 for training; lookback 20 does
        // not fit once differencing takes one
        let b = BacktestParams {
            folds: 6,
            step: None,
        };
        let long = PrepareParams {
            lookback: 21,
            ..params()
        };
        let err = prepare_folds(rising(), &long, b).unwrap_err().to_string();
        assert!(
            err.starts_with("backtest fold 1 of 6 (the first 40 points): the training part"),
            "{err}"
        );
    }
}
