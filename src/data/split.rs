use std::ops::Range;

use serde::{Deserialize, Serialize};

/// Chronological index ranges into a series: `train`, then `validation` (carved from
/// the end of the training part), then `test`. Together they cover `0..n` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    pub train: Range<usize>,
    pub validation: Range<usize>,
    pub test: Range<usize>,
}

/// The size of a part: a count of points (a TOML integer) or a fraction of the whole
/// series (a TOML float). `0.8` and `24` read naturally; `24.0` is a fraction (and out of range).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Count(usize),
    Fraction(f64),
}

impl Size {
    /// Points of a series of `n`: the count, or `floor(n * fraction)` like the tutorial's
    /// `int(len(data) * 0.8)`, clamped to `0..=n`.
    pub fn points(self, n: usize) -> usize {
        match self {
            Size::Count(c) => c.min(n),
            Size::Fraction(f) => ((n as f64 * f).floor().max(0.0) as usize).min(n),
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Size::Count(c) => write!(f, "{c}"),
            Size::Fraction(x) => write!(f, "{x:?}"),
        }
    }
}

/// How to cut a series, as the `[split]` table says it.
///
/// - `train` is the part before the test part, validation included; `test` is the part
///   after it. Give one of them: `test` given means `train = n - test`; both given is an
///   error unless they add up to `n`; neither means `train = 0.8`.
/// - `validation` is carved from the end of the training part (0 = none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitSizes {
    pub train: Option<Size>,
    pub validation: Size,
    pub test: Option<Size>,
}

impl SplitSizes {
    /// `train` as a fraction, no validation: the tutorial's `0.8` split.
    pub fn train_fraction(train: f64, validation: f64) -> Self {
        Self {
            train: Some(Size::Fraction(train)),
            validation: Size::Fraction(validation),
            test: None,
        }
    }
}

/// A split that cannot be made, naming the `[split]` key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SplitError {
    /// Dotted key, e.g. `split.test`.
    pub key: &'static str,
    /// A full sentence naming the key.
    pub message: String,
}

/// Problems with one size that need no series length: a fraction outside its range.
/// `validation` may be 0; `train` and `test` fractions must lie in (0, 1).
pub fn check_size(key: &'static str, size: Size) -> Result<(), SplitError> {
    let Size::Fraction(f) = size else {
        return Ok(());
    };
    let ok = if key == "split.validation" {
        (0.0..1.0).contains(&f)
    } else {
        f > 0.0 && f < 1.0
    };
    if ok {
        return Ok(());
    }
    let range = if key == "split.validation" {
        "at least 0 and below 1"
    } else {
        "between 0 and 1 (exclusive)"
    };
    let mut message =
        format!("`{key}` is a fraction of the series and must be {range}, found {f:?}");
    if f >= 1.0 && f.fract() == 0.0 {
        message.push_str(&format!(
            "; write an integer ({}) for a count of points",
            f as u64
        ));
    }
    Err(SplitError { key, message })
}

/// Cut `n` points as `sizes` says (see [`SplitSizes`]). Errors name the key: a fraction
/// out of range, a count that leaves no room for the other part, `train` and `test` that
/// do not add up to `n`, validation not smaller than the training part.
pub fn split(n: usize, sizes: &SplitSizes) -> Result<Split, SplitError> {
    for (key, size) in [
        ("split.train", sizes.train),
        ("split.validation", Some(sizes.validation)),
        ("split.test", sizes.test),
    ] {
        if let Some(size) = size {
            check_size(key, size)?;
            if let Size::Count(c) = size {
                if c >= n && !(key == "split.validation" && c == 0) {
                    return Err(SplitError {
                        key,
                        message: format!(
                            "`{key}` = {c} points leaves nothing for the other parts: the series has {n} points"
                        ),
                    });
                }
            }
        }
    }
    let train_end = match (sizes.train, sizes.test) {
        (Some(train), None) => train.points(n),
        (None, Some(test)) => n - test.points(n),
        (None, None) => Size::Fraction(0.8).points(n),
        (Some(train), Some(test)) => {
            let (p, q) = (train.points(n), test.points(n));
            if p + q != n {
                return Err(SplitError {
                    key: "split.test",
                    message: format!(
                        "`split.train` = {train} ({p} points) and `split.test` = {test} ({q} points) \
                         must add up to the series' {n} points; give only one of them"
                    ),
                });
            }
            p
        }
    };
    let val_len = sizes.validation.points(n);
    if val_len > 0 && val_len >= train_end {
        return Err(SplitError {
            key: "split.validation",
            message: format!(
                "`split.validation` = {} ({val_len} points) must be smaller than the training part \
                 ({train_end} points): validation is carved from the end of the training part",
                sizes.validation
            ),
        });
    }
    Ok(Split {
        train: 0..train_end - val_len,
        validation: train_end - val_len..train_end,
        test: train_end..n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_split_is_800_0_200() {
        let s = frac(1000, 0.8, 0.0);
        assert_eq!(s.train, 0..800);
        assert!(s.validation.is_empty());
        assert_eq!(s.validation.start, 800);
        assert_eq!(s.test, 800..1000);
    }

    #[test]
    fn validation_is_carved_from_the_end_of_train() {
        // floor(1000 * 0.8) = 800, floor(1000 * 0.1) = 100 -> 700 / 100 / 200
        let s = frac(1000, 0.8, 0.1);
        assert_eq!(
            (s.train, s.validation, s.test),
            (0..700, 700..800, 800..1000)
        );
    }

    #[test]
    fn rounds_down_like_python_int() {
        // 144 * 0.67 = 96.48 -> 96; 144 * 0.1 = 14.4 -> 14
        let s = frac(144, 0.67, 0.1);
        assert_eq!((s.train, s.validation, s.test), (0..82, 82..96, 96..144));
        // 100 * 0.29 = 28.999999999999996 in f64 -> 28, as in Python
        assert_eq!(frac(100, 0.29, 0.0).test, 28..100);
    }

    fn frac(n: usize, train: f64, validation: f64) -> Split {
        split(n, &SplitSizes::train_fraction(train, validation)).unwrap()
    }

    fn sizes(train: Option<Size>, validation: Size, test: Option<Size>) -> SplitSizes {
        SplitSizes {
            train,
            validation,
            test,
        }
    }

    #[test]
    fn test_as_a_count_takes_the_last_points() {
        // airline: 144 months, test = 24 -> train 0..120, test 120..144
        let s = split(144, &sizes(None, Size::Count(0), Some(Size::Count(24)))).unwrap();
        assert_eq!(
            (s.train, s.validation, s.test),
            (0..120, 120..120, 120..144)
        );
        // validation as a count: 12 points carved from the end of the 120
        let s = split(144, &sizes(None, Size::Count(12), Some(Size::Count(24)))).unwrap();
        assert_eq!(
            (s.train, s.validation, s.test),
            (0..108, 108..120, 120..144)
        );
        // test as a fraction: floor(144 * 0.2) = 28 -> train 116
        let s = split(
            144,
            &sizes(None, Size::Fraction(0.0), Some(Size::Fraction(0.2))),
        )
        .unwrap();
        assert_eq!(s.test, 116..144);
        // train as a count
        let s = split(144, &sizes(Some(Size::Count(100)), Size::Count(0), None)).unwrap();
        assert_eq!(s.test, 100..144);
        // neither: the default 0.8 -> floor(115.2) = 115
        assert_eq!(
            split(144, &sizes(None, Size::Count(0), None)).unwrap().test,
            115..144
        );
    }

    #[test]
    fn both_train_and_test_must_add_up() {
        let ok = split(
            144,
            &sizes(
                Some(Size::Count(120)),
                Size::Count(0),
                Some(Size::Count(24)),
            ),
        );
        assert_eq!(ok.unwrap().test, 120..144);
        let err = split(
            144,
            &sizes(
                Some(Size::Fraction(0.8)),
                Size::Count(0),
                Some(Size::Count(24)),
            ),
        )
        .unwrap_err();
        assert_eq!(err.key, "split.test");
        assert_eq!(
            err.message,
            "`split.train` = 0.8 (115 points) and `split.test` = 24 (24 points) must add up to \
             the series' 144 points; give only one of them"
        );
    }

    #[test]
    fn bad_sizes_name_their_key() {
        let err = split(100, &sizes(None, Size::Count(0), Some(Size::Count(100)))).unwrap_err();
        assert_eq!(err.key, "split.test");
        assert!(
            err.message
                .contains("`split.test` = 100 points leaves nothing"),
            "{}",
            err.message
        );
        let err = split(100, &sizes(None, Size::Count(30), Some(Size::Count(70)))).unwrap_err();
        assert_eq!(err.key, "split.validation");
        assert!(err
            .message
            .contains("(30 points) must be smaller than the training part (30 points)"));
        let err = split(
            100,
            &sizes(None, Size::Count(0), Some(Size::Fraction(24.0))),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "`split.test` is a fraction of the series and must be between 0 and 1 (exclusive), \
             found 24.0; write an integer (24) for a count of points"
        );
        assert_eq!(
            check_size("split.validation", Size::Fraction(-0.1))
                .unwrap_err()
                .key,
            "split.validation"
        );
        assert!(check_size("split.validation", Size::Fraction(0.0)).is_ok());
        assert!(check_size("split.train", Size::Fraction(0.0)).is_err());
    }
}
