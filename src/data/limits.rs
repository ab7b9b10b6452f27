//! The magnitudes a series may have: what the f32 engine can represent.
//!
//! The scaler is fitted and applied in f64, but the network trains in f32 on what it returns,
//! and with `scale.kind = "none"` that is the series itself. Rather than train on infinities
//! or on numbers rounded to 0 (and report an RMSE of inf or 0), a series outside these limits
//! is refused when it is loaded, with the file, column and row (or the generator) named.

use std::fmt;

/// The largest magnitude a value may have. f32 ends at 3.4e38: a value within ±1e38 stays
/// finite in f32 even after a first difference (at most 2e38), so unscaled or differenced
/// data cannot overflow the engine.
pub const MAX_ABS: f64 = 1e38;

/// The smallest non-zero range (max - min) a series may have. f32 keeps about 7 significant
/// digits and its smallest normal number is 1.2e-38: over a range of 1e-30, errors down to a
/// 10^-7-th of the range (1e-37) are still normal f32 numbers when the series reaches the
/// network unscaled, while a narrower range would train on rounded-away or subnormal errors.
/// A range of exactly 0 (a constant series) is allowed, as the scalers handle it.
pub const MIN_RANGE: f64 = 1e-30;

/// Why a series is outside the limits; indices are 0-based positions in the series.
#[derive(Debug, Clone, PartialEq)]
pub enum OutOfRange {
    /// A value is infinite, NaN or beyond ±[`MAX_ABS`].
    Value { index: usize, value: f64 },
    /// The values span a non-zero range below [`MIN_RANGE`].
    Range {
        min: (usize, f64),
        max: (usize, f64),
    },
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OutOfRange::Value { index, value } => write!(
                f,
                "the value at data row {} is {value:e}, beyond ±{MAX_ABS:e}, the largest \
                 magnitude runner takes (the network trains in f32, which ends at 3.4e38)",
                index + 1
            ),
            OutOfRange::Range { min, max } => write!(
                f,
                "the values span only {:e} (from {:e} at data row {} to {:e} at data row {}), \
                 below {MIN_RANGE:e}, the smallest non-zero range runner takes (the network \
                 trains in f32); rescale the series",
                max.1 - min.1,
                min.1,
                min.0 + 1,
                max.1,
                max.0 + 1
            ),
        }
    }
}

/// Whether `x` is a value runner takes: finite and within ±[`MAX_ABS`].
pub fn value_fits(x: f64) -> bool {
    x.is_finite() && x.abs() <= MAX_ABS
}

/// Checks every value, then the range of the whole series. The first value that does not
/// fit is reported.
pub fn check_series(values: &[f64]) -> Result<(), OutOfRange> {
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, x)| !value_fits(**x)) {
        return Err(OutOfRange::Value { index, value });
    }
    check_range(values)
}

/// Checks the range of values already known to fit (see [`value_fits`]).
pub fn check_range(values: &[f64]) -> Result<(), OutOfRange> {
    let Some(&first) = values.first() else {
        return Ok(());
    };
    let (mut min, mut max) = ((0, first), (0, first));
    for (i, &x) in values.iter().enumerate() {
        if x < min.1 {
            min = (i, x);
        }
        if x > max.1 {
            max = (i, x);
        }
    }
    // Both ends are within ±1e38, so the difference cannot overflow.
    let range = max.1 - min.1;
    if range != 0.0 && range < MIN_RANGE {
        return Err(OutOfRange::Range { min, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_beyond_the_limit_or_not_finite_are_refused() {
        assert_eq!(check_series(&[1.0, -1e38, 1e38]), Ok(()));
        assert_eq!(
            check_series(&[1.0, 2e38, 3e300]),
            Err(OutOfRange::Value {
                index: 1,
                value: 2e38
            })
        );
        assert_eq!(
            check_series(&[-1e300]),
            Err(OutOfRange::Value {
                index: 0,
                value: -1e300
            })
        );
        assert!(!value_fits(f64::INFINITY) && !value_fits(f64::NAN));
        let e = check_series(&[0.0, 1e300]).unwrap_err().to_string();
        assert!(e.contains("data row 2 is 1e300"), "{e}");
    }

    #[test]
    fn a_tiny_non_zero_range_is_refused_but_constant_and_empty_series_pass() {
        assert_eq!(check_series(&[]), Ok(()));
        assert_eq!(check_series(&[5e-300, 5e-300]), Ok(()));
        assert_eq!(check_series(&[0.0, 1e-30]), Ok(()));
        let e = check_series(&[2e-300, 1e-300, 3e-300]).unwrap_err();
        assert_eq!(
            e,
            OutOfRange::Range {
                min: (1, 1e-300),
                max: (2, 3e-300)
            }
        );
        let text = e.to_string();
        assert!(
            text.contains("from 1e-300 at data row 2 to 3e-300 at data row 3"),
            "{text}"
        );
    }
}
