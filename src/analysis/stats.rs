//! The elementary statistics every other analysis is built from.

/// Mean and sample standard deviation (ddof = 1) of `values`; `(None, None)` when empty, no
/// spread below two values. Two passes, so a spread that is small next to the mean does not
/// cancel out.
pub fn mean_and_std(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (Some(mean), None);
    }
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (Some(mean), Some((squares / (n - 1.0)).sqrt()))
}

/// Plain mean; NaN for no values (so that a missing figure shows as such, not as 0).
pub fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.into_iter().collect();
    values.iter().sum::<f64>() / values.len() as f64
}

/// The mean of the finite values of each key, keys in order of first appearance (a key
/// whose values are all non-finite is left out). E.g. the mean metric of the runs at each
/// value of a swept parameter.
pub fn mean_by_key<K: PartialEq + Clone>(
    pairs: impl IntoIterator<Item = (K, f64)>,
) -> Vec<(K, f64)> {
    let mut groups: Vec<(K, Vec<f64>)> = Vec::new();
    for (key, value) in pairs.into_iter().filter(|(_, v)| v.is_finite()) {
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    groups
        .into_iter()
        .map(|(key, values)| (key, mean(values)))
        .collect()
}

/// `(now - before) / |before|`: the relative change, positive when the value went up
/// whichever direction is better. `±inf` when `before` is 0 and `now` is not, 0 when both are.
pub fn relative_change(before: f64, now: f64) -> f64 {
    if before != 0.0 {
        (now - before) / before.abs()
    } else if now == before {
        0.0
    } else {
        (now - before).signum() * f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std_by_hand() {
        // 1, 2, 3: mean 2, squares 1 + 0 + 1 = 2, / (3 - 1) = 1, std 1.
        assert_eq!(mean_and_std(&[1.0, 2.0, 3.0]), (Some(2.0), Some(1.0)));
        // 0.5, 1.5: mean 1, squares 0.25 + 0.25 = 0.5, / 1, std sqrt(0.5).
        let (m, s) = mean_and_std(&[0.5, 1.5]);
        assert_eq!(m, Some(1.0));
        assert!((s.unwrap() - 0.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(mean_and_std(&[4.0]), (Some(4.0), None));
        assert_eq!(mean_and_std(&[]), (None, None));
        // A spread of 1e-3 around 1e9 survives: a one-pass formula (sum of squares minus
        // n·mean²) would subtract numbers near 2e18 whose rounding alone is about 256.
        let (_, s) = mean_and_std(&[1e9 - 1e-3, 1e9 + 1e-3]);
        assert!((s.unwrap() - 2f64.sqrt() * 1e-3).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn plain_mean_and_relative_change() {
        assert_eq!(mean([1.0, 2.0, 6.0]), 3.0);
        assert!(mean([]).is_nan());
        assert_eq!(relative_change(2.0, 3.0), 0.5);
        assert_eq!(relative_change(-2.0, -3.0), -0.5);
        assert_eq!(relative_change(0.0, 0.0), 0.0);
        assert_eq!(relative_change(0.0, -1.0), f64::NEG_INFINITY);
    }

    #[test]
    fn means_by_key_in_order_of_first_appearance() {
        // "b": (1 + 2) / 2 = 1.5; "a": 4 (its NaN left out); "c": only NaN, left out.
        let pairs = [
            ("b", 1.0),
            ("a", 4.0),
            ("b", 2.0),
            ("a", f64::NAN),
            ("c", f64::NAN),
        ];
        assert_eq!(mean_by_key(pairs), [("b", 1.5), ("a", 4.0)]);
    }
}
