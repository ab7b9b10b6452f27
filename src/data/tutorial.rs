//! The classic Keras tutorial's data, in code: what `experiments/seed.toml` describes, for the
//! engine's accuracy test and the training-speed benchmark, which must not depend on files.

use super::prepare::{prepare, PrepareParams, Prepared};
use super::scale::{FitOn, ScaleKind};
use super::source::{sine, SineParams};
use super::split::SplitSizes;
use super::transform::TransformParams;
use super::window::LookbackFrom;

/// sin over linspace(0, 100, 1000), MinMax to [0, 1] fitted on ALL points (the tutorial's
/// leak), first 800 points train / last 200 test, windows of 10 predicting the next value:
/// 790 training and 190 test windows.
pub fn tutorial() -> Prepared {
    let series = sine(&SineParams::tutorial(), 0);
    let params = PrepareParams {
        split: SplitSizes::train_fraction(0.8, 0.0),
        transform: TransformParams::default(),
        window_normalise: false,
        scale: ScaleKind::MinMax,
        range: [0.0, 1.0],
        fit_on: FitOn::All,
        lookback: 10,
        horizon: 1,
        lookback_from: LookbackFrom::Part,
    };
    prepare(series, &params).expect("the tutorial's spans are long enough")
}
