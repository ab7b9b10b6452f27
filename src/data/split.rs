use std::ops::Range;

use serde::Serialize;

/// Chronological index ranges into a series: `train`, then `validation` (carved from
/// the end of the training part), then `test`. Together they cover `0..n` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    pub train: Range<usize>,
    pub validation: Range<usize>,
    pub test: Range<usize>,
}

/// Split `n` points with fractions of the whole series, rounding down like the
/// tutorial's `int(len(data) * 0.8)`: the training part (before carving validation)
/// is `floor(n * train)` points, validation its last `floor(n * validation)` points,
/// and test the rest. Fractions outside [0, 1] are clamped.
pub fn split(n: usize, train: f64, validation: f64) -> Split {
    let train_end = floor_part(n, train);
    let val_len = floor_part(n, validation).min(train_end);
    Split {
        train: 0..train_end - val_len,
        validation: train_end - val_len..train_end,
        test: train_end..n,
    }
}

/// `floor(n * fraction)` clamped to `0..=n`.
fn floor_part(n: usize, fraction: f64) -> usize {
    ((n as f64 * fraction).floor().max(0.0) as usize).min(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_split_is_800_0_200() {
        let s = split(1000, 0.8, 0.0);
        assert_eq!(s.train, 0..800);
        assert!(s.validation.is_empty());
        assert_eq!(s.validation.start, 800);
        assert_eq!(s.test, 800..1000);
    }

    #[test]
    fn validation_is_carved_from_the_end_of_train() {
        // floor(1000 * 0.8) = 800, floor(1000 * 0.1) = 100 -> 700 / 100 / 200
        let s = split(1000, 0.8, 0.1);
        assert_eq!(
            (s.train, s.validation, s.test),
            (0..700, 700..800, 800..1000)
        );
    }

    #[test]
    fn rounds_down_like_python_int() {
        // 144 * 0.67 = 96.48 -> 96; 144 * 0.1 = 14.4 -> 14
        let s = split(144, 0.67, 0.1);
        assert_eq!((s.train, s.validation, s.test), (0..82, 82..96, 96..144));
        // 100 * 0.29 = 28.999999999999996 in f64 -> 28, as in Python
        assert_eq!(split(100, 0.29, 0.0).test, 28..100);
    }

    #[test]
    fn degenerate_fractions_are_clamped() {
        let s = split(10, 1.5, 2.0);
        assert_eq!((s.train, s.validation, s.test), (0..0, 0..10, 10..10));
        assert_eq!(split(0, 0.8, 0.1).test, 0..0);
    }
}
