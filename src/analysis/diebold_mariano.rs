//! The Diebold-Mariano test with the Harvey-Leybourne-Newbold small-sample correction: do two
//! forecasts of the same points differ in accuracy, or only by the luck of these points?
//!
//! Unlike Welch's test over seeds, this compares two forecasts point by point: the loss
//! differentials `d_t = loss_a(t) - loss_b(t)` of one series are autocorrelated (an h-step
//! forecast's errors overlap for h - 1 steps), so their mean's variance is estimated from the
//! autocovariances up to lag h - 1. As in R's `forecast::dm.test` (Diebold & Mariano 1995;
//! Harvey, Leybourne & Newbold 1997):
//!
//! - `d̄ = mean(d)`, `γ_k = (1/n) Σ_{t=k+1..n} (d_t − d̄)(d_{t−k} − d̄)`;
//! - `V = γ_0 + 2 Σ_{k=1}^{h−1} γ_k`, `DM = d̄ / sqrt(V / n)`;
//! - `DM* = DM · sqrt((n + 1 − 2h + h(h−1)/n) / n)`, and `p = 2 P(T_{n−1} > |DM*|)`.
//!
//! For `h = 1` the statistic is exactly the paired t statistic of the differentials
//! (`d̄ / (s / sqrt(n))` with the ddof = 1 standard deviation `s`).

use super::welch::student_t_two_sided_p;

/// Result of a DM test of forecast A against forecast B on the same points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DieboldMariano {
    /// HLN-corrected statistic; negative when A's loss is lower (A better). `0` when the
    /// differentials are all zero, `±inf` when they are one non-zero constant.
    pub statistic: f64,
    /// Two-sided p-value from Student's t with n - 1 degrees of freedom.
    pub p_value: f64,
    /// Loss differentials used.
    pub n: usize,
    /// Mean of d_t = loss_a - loss_b.
    pub mean_difference: f64,
}

/// From loss differentials d_t (already averaged per forecast origin if the caller wants),
/// horizon h >= 1.
///
/// `None` when there are fewer than two differentials, `horizon` is 0, a differential is not
/// finite, their mean or variance overflows, or `n <= horizon`. The last covers the HLN
/// radicand `n + 1 − 2h + h(h−1)/n = (n − h)(n − h + 1) / n`, which is `<= 0` exactly at
/// `n = h` and `n = h − 1`; below that it turns positive again, but a horizon longer than the
/// sample leaves no test to make.
///
/// When `V <= 0` with `h > 1` (the lag sums can outweigh `γ_0`), the test is redone with
/// `h = 1`, in the variance and in the HLN factor alike, as `forecast::dm.test` does. When the
/// variance is still zero, the differentials are one constant: zero gives statistic 0 and
/// p 1 (no difference), anything else statistic `±inf` and p 0.
pub fn diebold_mariano_from_differences(d: &[f64], horizon: usize) -> Option<DieboldMariano> {
    let n = d.len();
    if n < 2 || horizon == 0 || n <= horizon || d.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let mean = d.iter().sum::<f64>() / nf;
    if !mean.is_finite() {
        return None;
    }
    // A constant's mean can miss it by an ulp (ten 0.1s sum to 0.9999999999999999), which
    // would leave a variance of 1e-34 and a huge finite statistic instead of ±inf.
    if d.iter().all(|&v| v == d[0]) {
        return Some(constant(d[0], n));
    }
    let autocovariance = |k: usize| -> f64 {
        d[k..]
            .iter()
            .zip(d)
            .map(|(late, early)| (late - mean) * (early - mean))
            .sum::<f64>()
            / nf
    };
    let gamma_0 = autocovariance(0);
    let mut h = horizon;
    let mut variance = gamma_0 + 2.0 * (1..h).map(autocovariance).sum::<f64>();
    // forecast::dm.test (R/DM2.R, robjhyndman/forecast at feb2bf10257d): when the variance
    // is not positive and h > 1 it warns "Variance is negative, using horizon h=1" and
    // returns dm.test(e1, e2, alternative, h = 1, power): V = γ_0 *and* the h = 1 HLN factor.
    // (Earlier versions took max(1e-8, V), or stopped with "Variance of DM statistic is
    // zero"; at h = 1 it still stops, where this returns the constant cases below.)
    if variance <= 0.0 && h > 1 {
        h = 1;
        variance = gamma_0;
    }
    if !variance.is_finite() {
        return None;
    }
    if variance <= 0.0 {
        // Non-constant differentials whose deviations underflow when squared.
        return Some(constant(mean, n));
    }
    let hf = h as f64;
    let dm = mean / (variance / nf).sqrt();
    // Positive: n > horizon >= h, and the radicand is (n - h)(n - h + 1) / n.
    let radicand = (nf + 1.0 - 2.0 * hf + hf * (hf - 1.0) / nf) / nf;
    let statistic = dm * radicand.sqrt();
    Some(DieboldMariano {
        statistic,
        p_value: student_t_two_sided_p(statistic, nf - 1.0),
        n,
        mean_difference: mean,
    })
}

/// Squared-error loss: d_t = e_a[t]^2 - e_b[t]^2 where e are forecast errors
/// (actual - forecast). `None` when the lengths differ, or as
/// [`diebold_mariano_from_differences`] (a non-finite error or square included).
pub fn diebold_mariano(
    errors_a: &[f64],
    errors_b: &[f64],
    horizon: usize,
) -> Option<DieboldMariano> {
    if errors_a.len() != errors_b.len() {
        return None;
    }
    let d: Vec<f64> = errors_a
        .iter()
        .zip(errors_b)
        .map(|(a, b)| a * a - b * b)
        .collect();
    diebold_mariano_from_differences(&d, horizon)
}

/// Differentials with no spread: equal to zero everywhere is no difference at all, any other
/// constant a difference no noise explains.
fn constant(value: f64, n: usize) -> DieboldMariano {
    let (statistic, p_value) = if value == 0.0 {
        (0.0, 1.0)
    } else {
        (value.signum() * f64::INFINITY, 0.0)
    };
    DieboldMariano {
        statistic,
        p_value,
        n,
        mean_difference: value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tol: f64) {
        assert!(
            (actual - expected).abs() <= tol,
            "{actual} differs from {expected} by more than {tol}"
        );
    }

    // Inputs of tests/reference/diebold_mariano.py (the same literals).
    /// Forecast errors of two forecasts on 20 points (normal draws, rounded).
    const C_A: [f64; 20] = [
        0.0, 0.3, -0.27, -0.89, -0.45, -0.99, 0.06, 1.34, -0.49, -0.62, 0.49, 0.36, 0.11, -0.93,
        -0.03, 0.7, -1.34, -0.46, -1.9, -1.29,
    ];
    const C_B: [f64; 20] = [
        -2.21, -0.28, -1.52, 0.33, 0.19, -0.22, -3.02, -0.65, -0.06, 0.14, -1.84, -0.57, -1.17,
        -0.97, 1.27, -0.97, -0.04, 1.06, -0.7, -0.13,
    ];
    /// Differentials alternating in sign: γ_1 ≈ −γ_0, so V < 0 at h = 2.
    const D: [f64; 16] = [
        1.15, -0.79, 1.08, -0.86, 1.18, -0.71, 1.31, -0.93, 1.12, -0.74, 1.0, -0.85, 1.19, -0.67,
        1.27, -0.83,
    ];
    /// Differentials with strong lag-1 correlation (MA(1), θ = 0.9): sample ρ_1 = 0.62,
    /// ρ_2 ≈ 0.02.
    const E: [f64; 20] = [
        1.44, 2.08, 1.79, 2.67, 0.65, -1.31, -1.48, -0.9, 1.3, 1.28, 0.88, -1.06, -1.17, -0.37,
        1.36, 2.88, 2.15, 1.2, 0.96, 1.61,
    ];

    #[test]
    fn identical_forecasts_show_no_difference() {
        let e = [0.3, -1.2, 0.7, 2.0, -0.4, 0.1];
        for h in [1, 3] {
            let r = diebold_mariano(&e, &e, h).unwrap();
            assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
            assert_eq!((r.n, r.mean_difference), (6, 0.0));
        }
    }

    #[test]
    fn a_uniformly_better_forecast_is_significant_either_way_round() {
        // B: a biased forecast, errors around 1 with deterministic noise; A halves them.
        let errors_b: Vec<f64> = (0..50)
            .map(|t| 1.0 + 0.3 * (1.7 * t as f64).sin() + 0.1 * (0.37 * t as f64).cos())
            .collect();
        let errors_a: Vec<f64> = errors_b.iter().map(|e| 0.5 * e).collect();
        let ab = diebold_mariano(&errors_a, &errors_b, 1).unwrap();
        assert!(ab.statistic < 0.0, "A better: {}", ab.statistic);
        assert!(ab.p_value < 1e-6, "p = {}", ab.p_value);
        assert!(ab.mean_difference < 0.0);
        let ba = diebold_mariano(&errors_b, &errors_a, 1).unwrap();
        close(ba.statistic, -ab.statistic, 1e-12);
        close(ba.p_value, ab.p_value, 1e-15);
        close(ba.mean_difference, -ab.mean_difference, 1e-15);
        // Also at h = 3.
        let ab3 = diebold_mariano(&errors_a, &errors_b, 3).unwrap();
        let ba3 = diebold_mariano(&errors_b, &errors_a, 3).unwrap();
        assert!(ab3.statistic < 0.0 && ab3.p_value < 1e-6);
        close(ba3.statistic, -ab3.statistic, 1e-12);
    }

    #[test]
    fn published_example() {
        // README of the Python package `dieboldmariano` (E. Annunziata): T = [10..50 by 10],
        // F = [11, 21, 29, 42, 53], G = [13, 26, 24, 40, 59];
        // dm_test(T, F, G, one_sided=True) = (-2.2229922805746782, 0.04515565862099125).
        // By hand: d = [-8, -35, -35, 4, -72], d̄ = -29.2, γ_0 = 690.16,
        // DM = -29.2 / sqrt(138.032) = -2.48538, times sqrt(4/5).
        let t = [10.0, 20.0, 30.0, 40.0, 50.0];
        let f = [11.0, 21.0, 29.0, 42.0, 53.0];
        let g = [13.0, 26.0, 24.0, 40.0, 59.0];
        let errors_f: Vec<f64> = t.iter().zip(&f).map(|(y, p)| y - p).collect();
        let errors_g: Vec<f64> = t.iter().zip(&g).map(|(y, p)| y - p).collect();
        let r = diebold_mariano(&errors_f, &errors_g, 1).unwrap();
        close(r.statistic, -2.222_992_280_574_678_2, 1e-12);
        close(r.p_value, 2.0 * 0.045_155_658_620_991_25, 1e-9);
        close(r.mean_difference, -29.2, 1e-12);
        assert_eq!(r.n, 5);
    }

    // The values below were printed by `python3 tests/reference/diebold_mariano.py` (numpy
    // 2 + scipy: the formula written out from the papers and R's dm.test, p from
    // scipy.stats.t.sf).

    #[test]
    fn matches_the_python_reference_at_h1_and_h3() {
        let h1 = diebold_mariano(&C_A, &C_B, 1).unwrap();
        close(h1.statistic, -1.136_684_394_452_845_3, 1e-9);
        close(h1.p_value, 0.269_803_857_377_410_4, 1e-9);
        close(h1.mean_difference, -0.68292, 1e-12);
        assert_eq!(h1.n, 20);
        let h3 = diebold_mariano(&C_A, &C_B, 3).unwrap();
        close(h3.statistic, -1.245_338_403_913_742_7, 1e-9);
        close(h3.p_value, 0.228_147_585_872_796_85, 1e-9);
    }

    #[test]
    fn negative_variance_falls_back_to_horizon_one_as_dm_test_does() {
        // V at h = 2 is -0.82866 (Python); dm.test redoes the test with h = 1:
        // V = γ_0 = 0.96803, DM = 0.741956, DM* = 0.7183958413166076 (the h = 1 factor
        // sqrt(15/16); the h = 2 factor would give 0.6720).
        let r = diebold_mariano_from_differences(&D, 2).unwrap();
        close(r.statistic, 0.718_395_841_316_607_6, 1e-9);
        close(r.p_value, 0.483_554_000_146_383_4, 1e-9);
        assert_eq!(r, diebold_mariano_from_differences(&D, 1).unwrap());
    }

    #[test]
    fn hln_factor_at_h1_is_sqrt_n_minus_1_over_n() {
        // E at h = 1: Python's uncorrected DM = 2.675340989550368, n = 20.
        let r = diebold_mariano_from_differences(&E, 1).unwrap();
        close(
            r.statistic,
            2.675_340_989_550_368 * (19.0f64 / 20.0).sqrt(),
            1e-9,
        );
        close(r.statistic, 2.607_599_842_738_514_5, 1e-9);
        close(r.p_value, 0.017_302_228_061_198_688, 1e-9);
        // By hand, d = [1, 2, 3, 4, 6]: d̄ = 3.2, γ_0 = 14.8 / 5 = 2.96,
        // DM = 3.2 / sqrt(2.96 / 5) = 4.159002; DM* = DM · sqrt(4/5), which is the paired
        // t statistic d̄ / (s / sqrt(5)) with s² = 14.8 / 4 = 3.7.
        let r = diebold_mariano_from_differences(&[1.0, 2.0, 3.0, 4.0, 6.0], 1).unwrap();
        let dm = 3.2 / (2.96f64 / 5.0).sqrt();
        close(r.statistic, dm * (4.0f64 / 5.0).sqrt(), 1e-12);
        close(r.statistic, 3.2 / (3.7f64 / 5.0).sqrt(), 1e-12);
        close(r.p_value, student_t_two_sided_p(r.statistic, 4.0), 1e-15);
    }

    #[test]
    fn lag_one_autocovariance_enters_at_h2() {
        // E has γ_0 = 1.779416, γ_1 = 1.097871, γ_2 = 0.032857 (Python). h = 2 must use
        // V = γ_0 + 2γ_1 = 3.975158 and the factor sqrt((n - 3 + 2/n) / n): 1.6550982169585506.
        // Lags shifted by one (γ_2 for γ_1: V ≈ γ_0) or γ_k over n - k would miss it.
        let r = diebold_mariano_from_differences(&E, 2).unwrap();
        close(r.statistic, 1.655_098_216_958_550_6, 1e-9);
        close(r.p_value, 0.114_329_183_102_086_06, 1e-9);
        // Significant at 5% at h = 1, not once the overlap is accounted for.
        assert!(diebold_mariano_from_differences(&E, 1).unwrap().p_value < 0.05);
        assert!(r.p_value > 0.05);
    }

    #[test]
    fn constant_differentials() {
        // A always better by the same amount: a difference no noise explains.
        let r = diebold_mariano_from_differences(&[-0.5; 6], 2).unwrap();
        assert_eq!((r.statistic, r.p_value), (f64::NEG_INFINITY, 0.0));
        assert_eq!(r.mean_difference, -0.5);
        let r = diebold_mariano_from_differences(&[2.0; 4], 1).unwrap();
        assert_eq!((r.statistic, r.p_value), (f64::INFINITY, 0.0));
        // Ten 0.1s average to 0.09999999999999999: still a constant, not a huge finite value.
        let r = diebold_mariano_from_differences(&[0.1; 10], 1).unwrap();
        assert_eq!((r.statistic, r.p_value), (f64::INFINITY, 0.0));
        // Errors of equal size and opposite sign: equal squared loss everywhere.
        let r = diebold_mariano(&[1.0, -2.0, 3.0], &[-1.0, 2.0, -3.0], 1).unwrap();
        assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
    }

    #[test]
    fn degenerate_inputs_give_no_test() {
        assert_eq!(diebold_mariano_from_differences(&[], 1), None);
        assert_eq!(diebold_mariano_from_differences(&[1.0], 1), None);
        assert_eq!(diebold_mariano_from_differences(&[1.0, 2.0, 3.0], 0), None);
        assert_eq!(diebold_mariano(&[1.0, 2.0, 3.0], &[1.0, 2.0], 1), None);
        assert_eq!(
            diebold_mariano(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 0.0], 1),
            None
        );
        assert_eq!(
            diebold_mariano_from_differences(&[1.0, f64::INFINITY, 3.0], 1),
            None
        );
        // Squares that overflow.
        assert_eq!(
            diebold_mariano(&[1e200, 1.0, 2.0], &[1.0, 2.0, 3.0], 1),
            None
        );
        // HLN radicand (n - h)(n - h + 1) / n: 0 at n = h and n = h - 1, positive again
        // below (n = 2, h = 5: 3), but no horizon longer than the sample is tested.
        let d = [0.5, -1.0, 2.0, 0.3, 1.1];
        assert_eq!(diebold_mariano_from_differences(&d[..3], 3), None);
        assert_eq!(diebold_mariano_from_differences(&d[..2], 3), None);
        assert_eq!(diebold_mariano_from_differences(&d[..2], 5), None);
        assert_eq!(diebold_mariano_from_differences(&d[..2], 2), None);
        // n = h + 1 is the shortest sample: radicand 2 / n.
        assert!(diebold_mariano_from_differences(&d[..4], 3).is_some());
        assert!(diebold_mariano_from_differences(&d[..2], 1).is_some());
    }
}
