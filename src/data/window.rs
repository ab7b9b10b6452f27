use std::ops::Range;

use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};

/// Where the inputs of a validation or test window may come from (`window.lookback_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LookbackFrom {
    /// Inside the window's own part: the first `lookback` points of the validation and test
    /// parts are inputs only, never targets (the Keras tutorial, which splits and then windows).
    #[default]
    Part,
    /// Also from the parts before, which are known at forecast time: every point of the
    /// validation and test parts is a target (rolling-origin evaluation, as Darts and most
    /// forecasting protocols score "the last 24 months").
    History,
}

impl LookbackFrom {
    pub fn is_part(&self) -> bool {
        *self == LookbackFrom::Part
    }

    /// The span to cut windows from for the part `part`: the part itself, or the part with
    /// `lookback` points before it (no earlier than `first`, where the series has values).
    pub fn span(self, part: &Range<usize>, lookback: usize, first: usize) -> Range<usize> {
        let start = match self {
            LookbackFrom::Part => part.start,
            LookbackFrom::History => part.start.saturating_sub(lookback),
        };
        start.max(first).min(part.end)..part.end
    }
}

/// Supervised windows cut from one span of a series.
///
/// Window `i` reads the `lookback` scaled values starting at `span.start + i` and
/// predicts the `horizon` values right after them.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// Scaled inputs, shape `[n, lookback, 1]` (one feature).
    pub x: Array3<f32>,
    /// Scaled targets, shape `[n, horizon]`.
    pub y: Array2<f32>,
    /// Index in the whole series of each window's first target, length `n`;
    /// target `h` of window `i` is at `target_index[i] + h`.
    pub target_index: Vec<usize>,
    /// Each window's last input value in ORIGINAL units, length `n`: the naive
    /// last-value forecast for every step of the horizon.
    pub last_input: Vec<f64>,
}

impl Windows {
    /// Number of windows.
    pub fn len(&self) -> usize {
        self.target_index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.target_index.is_empty()
    }

    /// Number of windows a span of `len` points yields: `len - lookback - horizon + 1`,
    /// or 0 when the span is shorter than `lookback + horizon`.
    pub fn count(len: usize, lookback: usize, horizon: usize) -> usize {
        (len + 1).saturating_sub(lookback + horizon)
    }
}

/// Cut all windows lying entirely inside `span` (windows never cross a split boundary).
/// `scaled` and `original` are the whole series in scaled and original units.
///
/// # Panics
/// If `lookback` is 0 (a window needs an input; [`crate::data::prepare()`] checks this)
/// or `span` reaches past the series.
pub fn windows(
    scaled: &[f64],
    original: &[f64],
    span: Range<usize>,
    lookback: usize,
    horizon: usize,
) -> Windows {
    let n = Windows::count(span.len(), lookback, horizon);
    let x = Array3::from_shape_fn((n, lookback, 1), |(i, t, _)| {
        scaled[span.start + i + t] as f32
    });
    let y = Array2::from_shape_fn((n, horizon), |(i, h)| {
        scaled[span.start + i + lookback + h] as f32
    });
    let target_index: Vec<usize> = (0..n).map(|i| span.start + i + lookback).collect();
    let last_input = target_index.iter().map(|&t| original[t - 1]).collect();
    Windows {
        x,
        y,
        target_index,
        last_input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_tutorial() {
        // 800 training points, lookback 10, horizon 1 -> 800 - 10 - 1 + 1 = 790
        assert_eq!(Windows::count(800, 10, 1), 790);
        assert_eq!(Windows::count(200, 10, 1), 190);
        assert_eq!(Windows::count(11, 10, 1), 1);
        assert_eq!(Windows::count(10, 10, 1), 0);
        assert_eq!(Windows::count(0, 10, 1), 0);
    }

    #[test]
    fn windows_read_the_right_values() {
        // series 0, 10, 20, ..., 90; scaled = value / 10; span 2..9 (values 20..80)
        let original: Vec<f64> = (0..10).map(|i| 10.0 * i as f64).collect();
        let scaled: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let w = windows(&scaled, &original, 2..9, 3, 2);
        // 7 points, lookback 3, horizon 2 -> 3 windows
        assert_eq!(w.len(), 3);
        assert_eq!(w.x.shape(), &[3, 3, 1]);
        assert_eq!(w.y.shape(), &[3, 2]);
        assert_eq!(
            w.x.slice(ndarray::s![0, .., 0]).to_vec(),
            vec![2.0, 3.0, 4.0]
        );
        assert_eq!(
            w.x.slice(ndarray::s![2, .., 0]).to_vec(),
            vec![4.0, 5.0, 6.0]
        );
        assert_eq!(w.y.row(0).to_vec(), vec![5.0, 6.0]);
        // the last window's targets end at index 8, the span's last point
        assert_eq!(w.y.row(2).to_vec(), vec![7.0, 8.0]);
        assert_eq!(w.target_index, vec![5, 6, 7]);
        assert_eq!(w.last_input, vec![40.0, 50.0, 60.0]);
    }

    #[test]
    fn history_spans_reach_back_one_lookback_but_not_before_the_first_value() {
        let test = 80..100;
        assert_eq!(LookbackFrom::Part.span(&test, 12, 0), 80..100);
        assert_eq!(LookbackFrom::History.span(&test, 12, 0), 68..100);
        // differencing left no value before 75
        assert_eq!(LookbackFrom::History.span(&test, 12, 75), 75..100);
        assert_eq!(LookbackFrom::Part.span(&(0..50), 12, 13), 13..50);
        // windows of a history span predict every point of the part
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let w = windows(&v, &v, LookbackFrom::History.span(&test, 12, 0), 12, 1);
        assert_eq!(w.target_index, (80..100).collect::<Vec<_>>());
    }

    #[test]
    fn short_span_gives_no_windows() {
        let v = vec![0.0; 5];
        let w = windows(&v, &v, 0..3, 3, 1);
        assert!(w.is_empty());
        assert_eq!(w.x.shape(), &[0, 3, 1]);
        assert_eq!(w.y.shape(), &[0, 1]);
    }
}
