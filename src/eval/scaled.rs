//! Means and sums of squares that neither overflow nor underflow.
//!
//! Squaring an error of 1e300 overflows f64 and squaring one of 1e-300 underflows to 0, so a
//! direct `sqrt(sum(e²) / n)` reports an RMSE of inf or 0 for such series. As hypot and BLAS
//! `nrm2` do, the values are divided by a scale near their largest magnitude before they are
//! squared and the scale is multiplied back afterwards. The scale is a power of two, so the
//! division and the multiplication are exact: whenever the direct formula neither overflows nor
//! underflows, these functions return the very same bits (existing results do not move).

/// A sum of squares kept as `scaled · 4^exp`: the true sum is `scaled · 2^(2·exp)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SumOfSquares {
    /// The sum of `(v · 2^-exp)²`.
    pub scaled: f64,
    /// The power of two the values were divided by.
    pub exp: i32,
}

impl SumOfSquares {
    /// Sums the squares of `values` (iterated twice: once for the scale, once for the sum).
    pub fn of<I: Iterator<Item = f64> + Clone>(values: I) -> SumOfSquares {
        let exp = exponent_of(max_abs(values.clone()));
        let scaled = values
            .map(|v| {
                let s = mul_pow2(v, -exp);
                s * s
            })
            .sum();
        SumOfSquares { scaled, exp }
    }

    /// `sqrt(sum / n)`, the root mean square of the `n` values summed.
    pub fn root_mean(&self, n: usize) -> f64 {
        mul_pow2((self.scaled / n as f64).sqrt(), self.exp)
    }

    /// `self / other`, the ratio of the two true sums.
    pub fn ratio(&self, other: &SumOfSquares) -> f64 {
        mul_pow2(self.scaled / other.scaled, 2 * (self.exp - other.exp))
    }

    /// Whether the sum is exactly 0 (every value was 0).
    pub fn is_zero(&self) -> bool {
        self.scaled == 0.0
    }
}

/// The mean of `values` (iterated twice); NaN when there are none.
pub fn mean<I: Iterator<Item = f64> + Clone>(values: I) -> f64 {
    let exp = exponent_of(max_abs(values.clone()));
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + mul_pow2(v, -exp), n + 1));
    mul_pow2(sum / n as f64, exp)
}

/// The largest magnitude, NaNs skipped (a NaN still makes the sum NaN).
fn max_abs(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0f64, |m, v| m.max(v.abs()))
}

/// An exponent `e` with `max · 2^-e` in [2^-0.5, 2^0.5], so that a sum of n squares of the
/// scaled values stays below 2n; 0 for 0, inf or NaN (nothing to rescale, the result is
/// inf or NaN anyway).
fn exponent_of(max: f64) -> i32 {
    if max == 0.0 || !max.is_finite() {
        0
    } else {
        max.log2().round() as i32
    }
}

/// `x · 2^e`, exact unless the result overflows or is subnormal. Applied in steps of at most
/// 2^1000 so that each factor is a normal number (2^±1074 is not).
fn mul_pow2(mut x: f64, mut e: i32) -> f64 {
    const STEP: i32 = 1000;
    while e > STEP {
        x *= pow2(STEP);
        e -= STEP;
    }
    while e < -STEP {
        x *= pow2(-STEP);
        e += STEP;
    }
    x * pow2(e)
}

/// 2^e for e in the normal range [-1022, 1023], built from its bits (exact).
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_two_are_exact() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(-3), 0.125);
        assert_eq!(pow2(1023), 2f64.powi(1023));
        assert_eq!(mul_pow2(3.0, 2000), 3.0 * 2f64.powi(1000) * 2f64.powi(1000));
        // 2^-1074 is the smallest subnormal: reached in steps, not from an unrepresentable factor
        assert_eq!(mul_pow2(1.0, -1074), f64::from_bits(1));
        assert_eq!(mul_pow2(f64::from_bits(1), 1074), 1.0);
    }

    #[test]
    fn same_bits_as_the_direct_formula_in_range() {
        let v = [0.3, -1.7, 2.9, 1e-3, 12.5];
        let direct = (v.iter().map(|x| x * x).sum::<f64>() / 5.0).sqrt();
        assert_eq!(SumOfSquares::of(v.iter().copied()).root_mean(5), direct);
        assert_eq!(mean(v.iter().copied()), v.iter().sum::<f64>() / 5.0);
    }

    #[test]
    fn huge_and_tiny_values_neither_overflow_nor_underflow() {
        // sqrt(fl(x²)) = x for binary floating point, and x + x is exact: the RMS of [x, x] is x
        for x in [1e300, -1e300, 1e-300, 1e-320, f64::MAX] {
            let s = SumOfSquares::of([x, x].into_iter());
            assert_eq!(s.root_mean(2), x.abs(), "{x}");
        }
        assert_eq!(mean([1e308, 1e308].into_iter()), 1e308);
        assert_eq!(mean([1e-320, 3e-320].into_iter()), 2e-320);
        // (x/2)² / x² = 1/4 exactly, at any scale
        let half = SumOfSquares::of([5e299].into_iter());
        assert_eq!(half.ratio(&SumOfSquares::of([1e300].into_iter())), 0.25);
    }

    #[test]
    fn zero_nan_and_empty() {
        assert!(SumOfSquares::of([0.0, 0.0].into_iter()).is_zero());
        assert_eq!(SumOfSquares::of([0.0, 0.0].into_iter()).root_mean(2), 0.0);
        assert!(SumOfSquares::of([1.0, f64::NAN].into_iter())
            .root_mean(2)
            .is_nan());
        assert!(mean(std::iter::empty()).is_nan());
        assert_eq!(
            SumOfSquares::of([f64::INFINITY].into_iter()).root_mean(1),
            f64::INFINITY
        );
    }
}
