//! The paired t-test: did a metric move, seed by seed?
//!
//! A baseline and a current run of one configuration with the same seed share their data,
//! their split and their initial weights, so most of the seed-to-seed spread is common to
//! both. Testing the per-seed changes (one sample of `n` differences, `n - 1` degrees of
//! freedom) removes that common spread, which Welch's test on two samples of `n` counts as
//! noise.
//!
//! The changes are taken on one of two [`Scale`]s: log ratios `ln(now / base)` for a
//! positive metric (scale-free: a 20% regression is a shift of `ln 1.2` whatever the seed's
//! level), differences `now - base` otherwise (a metric that can be 0 or negative, e.g. R²).

use super::welch::student_t_two_sided_p;

/// What the per-seed changes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// `ln(now / base)`: every value is positive.
    LogRatio,
    /// `now - base`.
    Difference,
}

impl Scale {
    /// `log ratios`, `differences`: as the check's output names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::LogRatio => "log ratios",
            Scale::Difference => "differences",
        }
    }
}

/// The outcome of a paired t-test of "the mean per-seed change is 0".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub scale: Scale,
    /// Number of pairs (seeds present on both sides).
    pub n: usize,
    /// Mean of the per-seed changes: positive when the metric went up.
    pub mean: f64,
    /// `mean / (sd / sqrt(n))`, sd the sample standard deviation (ddof = 1) of the changes;
    /// `0` when every change is 0, `±inf` when every change is the same nonzero value.
    pub t: f64,
    /// `n - 1`.
    pub df: f64,
    /// Two-sided p-value: `P(|T| >= |t|)` for `T ~ Student t(df)`, in `[0, 1]`.
    pub p: f64,
}

impl Paired {
    /// Whether the change is significant at level `alpha` (`0.05` for 95%).
    pub fn significant(&self, alpha: f64) -> bool {
        self.p < alpha
    }
}

/// The paired t-test on the per-seed changes from `base[i]` to `now[i]` on `scale`.
///
/// `None` when there are fewer than two pairs, the slices differ in length, a value is not
/// finite, or [`Scale::LogRatio`] is asked for with a value that is not positive.
pub fn paired_t(now: &[f64], base: &[f64], scale: Scale) -> Option<Paired> {
    if now.len() != base.len() || now.len() < 2 {
        return None;
    }
    if now.iter().chain(base).any(|v| !v.is_finite()) {
        return None;
    }
    let changes: Vec<f64> = match scale {
        Scale::LogRatio => {
            if now.iter().chain(base).any(|&v| v <= 0.0) {
                return None;
            }
            // ln(now) - ln(base) rather than ln(now / base): the same to rounding, and
            // equal values give exactly 0.
            now.iter().zip(base).map(|(a, b)| a.ln() - b.ln()).collect()
        }
        Scale::Difference => now.iter().zip(base).map(|(a, b)| a - b).collect(),
    };
    let n = changes.len() as f64;
    let mean = changes.iter().sum::<f64>() / n;
    let squares: f64 = changes.iter().map(|c| (c - mean) * (c - mean)).sum();
    let sd = (squares / (n - 1.0)).sqrt();
    let df = n - 1.0;
    let (t, p) = if sd == 0.0 {
        // No spread of the changes: none at all is no change; the same nonzero change on
        // every seed is one that no noise explains.
        if mean == 0.0 {
            (0.0, 1.0)
        } else {
            (mean.signum() * f64::INFINITY, 0.0)
        }
    } else {
        let t = mean / (sd / n.sqrt());
        (t, student_t_two_sided_p(t, df))
    };
    Some(Paired {
        scale,
        n: changes.len(),
        mean,
        t,
        df,
        p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tol: f64) {
        assert!(
            (actual - expected).abs() <= tol * expected.abs().max(1e-300),
            "{actual} differs from {expected} by more than {tol} (relative)"
        );
    }

    // The expected values come from scipy 1.17.1, independently of this code:
    //
    //   from scipy import stats; import numpy as np
    //   r = stats.ttest_rel(np.log(now), np.log(base))    # Scale::LogRatio
    //   r = stats.ttest_rel(now, base)                    # Scale::Difference
    //   print(repr(r.statistic), repr(r.pvalue), r.df, repr(np.mean(np.log(now / base))))

    #[test]
    fn differences_match_scipy_ttest_rel() {
        // ttest_rel([1.2, 2.5, 3.1, 4.8, 5.0], [1.0, 2.0, 3.0, 4.0, 5.5]):
        // t = 1.0104934667841758, p = 0.3694194617988159, df = 4; mean 0.22.
        let p = paired_t(
            &[1.2, 2.5, 3.1, 4.8, 5.0],
            &[1.0, 2.0, 3.0, 4.0, 5.5],
            Scale::Difference,
        )
        .unwrap();
        close(p.t, 1.010_493_466_784_175_8, 1e-12);
        close(p.p, 0.369_419_461_798_815_9, 1e-10);
        assert_eq!((p.df, p.n, p.scale), (4.0, 5, Scale::Difference));
        close(p.mean, 0.22, 1e-12);
        assert!(!p.significant(0.05));

        // Values around and below 0, as an R² can be: ttest_rel([0.8, -0.2, 0.5, 0.61],
        // [0.9, -0.1, 0.55, 0.7]): t = -7.1414284285428575, p = 0.005652993346948473, df = 3.
        let r2 = paired_t(
            &[0.8, -0.2, 0.5, 0.61],
            &[0.9, -0.1, 0.55, 0.7],
            Scale::Difference,
        )
        .unwrap();
        close(r2.t, -7.141_428_428_542_857_5, 1e-10);
        close(r2.p, 0.005_652_993_346_948_473, 1e-8);
        assert!(r2.significant(0.05));
    }

    #[test]
    fn log_ratios_match_scipy_ttest_rel_on_logs() {
        // A configuration 67% worse on three seeds (the case):
        // ttest_rel(log([0.0229, 0.0172, 0.0274]), log([0.0135, 0.0110, 0.0160])):
        // t = 17.48016622387784, p = 0.003256741337232242, df = 2, mean 0.5044718757636968.
        let p = paired_t(
            &[0.0229, 0.0172, 0.0274],
            &[0.0135, 0.0110, 0.0160],
            Scale::LogRatio,
        )
        .unwrap();
        close(p.t, 17.480_166_223_877_84, 1e-10);
        close(p.p, 0.003_256_741_337_232_242, 1e-8);
        close(p.mean, 0.504_471_875_763_696_8, 1e-12);
        assert_eq!((p.df, p.n), (2.0, 3));
        // The same numbers as differences: ttest_rel([0.0229, 0.0172, 0.0274],
        // [0.0135, 0.0110, 0.0160]): t = 5.9430436176979615, p = 0.027164403411171843. The
        // seeds' levels differ, so their changes do too: less significant than the ratios.
        let d = paired_t(
            &[0.0229, 0.0172, 0.0274],
            &[0.0135, 0.0110, 0.0160],
            Scale::Difference,
        )
        .unwrap();
        close(d.t, 5.943_043_617_697_961_5, 1e-10);
        close(d.p, 0.027_164_403_411_171_843, 1e-8);
        close(d.mean, 0.009, 1e-12);
        // Two seeds, df = 1: ttest_rel(log([1.1, 2.3]), log([1.0, 2.0])):
        // t = 5.288251996867329, p = 0.11897889939184118.
        let two = paired_t(&[1.1, 2.3], &[1.0, 2.0], Scale::LogRatio).unwrap();
        close(two.t, 5.288_251_996_867_329, 1e-10);
        close(two.p, 0.118_978_899_391_841_18, 1e-9);
        assert_eq!(two.df, 1.0);
    }

    #[test]
    fn identical_and_constant_changes() {
        // A deterministic re-run: every change exactly 0, no division by zero.
        let same = paired_t(&[0.5, 0.25, 2.0], &[0.5, 0.25, 2.0], Scale::LogRatio).unwrap();
        assert_eq!((same.t, same.p, same.mean), (0.0, 1.0, 0.0));
        assert!(!same.significant(0.05));
        // The same change on every seed: zero spread, a change no noise explains.
        let shift = paired_t(&[1.5, 2.5, 3.5], &[1.0, 2.0, 3.0], Scale::Difference).unwrap();
        assert_eq!((shift.t, shift.p), (f64::INFINITY, 0.0));
        assert!(shift.significant(0.05));
        let down = paired_t(&[0.5, 1.5, 2.5], &[1.0, 2.0, 3.0], Scale::Difference).unwrap();
        assert_eq!((down.t, down.p), (f64::NEG_INFINITY, 0.0));
        // A constant ratio 1.2 (the logs differ by ln 1.2 to the last bit or nearly): p ~ 0.
        let ratio = paired_t(&[1.2, 2.4, 3.6], &[1.0, 2.0, 3.0], Scale::LogRatio).unwrap();
        assert!(ratio.p < 1e-10 && ratio.t > 0.0, "{ratio:?}");
        close(ratio.mean, 1.2f64.ln(), 1e-12);
        // On differences the same runs are 0.2, 0.4, 0.6 worse: ttest_rel([1.2, 2.4, 3.6],
        // [1.0, 2.0, 3.0]): t = 3.464101615137753, p = 0.0741799002274486, not significant.
        let diff = paired_t(&[1.2, 2.4, 3.6], &[1.0, 2.0, 3.0], Scale::Difference).unwrap();
        close(diff.t, 3.464_101_615_137_753, 1e-10);
        close(diff.p, 0.074_179_900_227_448_6, 1e-8);
    }

    #[test]
    fn too_few_pairs_or_bad_values_give_no_test() {
        assert_eq!(paired_t(&[1.0], &[1.0], Scale::Difference), None);
        assert_eq!(paired_t(&[1.0, 2.0], &[1.0], Scale::Difference), None);
        assert_eq!(
            paired_t(&[1.0, f64::NAN], &[1.0, 2.0], Scale::Difference),
            None
        );
        assert_eq!(
            paired_t(&[1.0, f64::INFINITY], &[1.0, 2.0], Scale::Difference),
            None
        );
        // Logs need positive values; differences do not.
        assert_eq!(paired_t(&[1.0, 0.0], &[1.0, 2.0], Scale::LogRatio), None);
        assert_eq!(paired_t(&[1.0, 2.0], &[-1.0, 2.0], Scale::LogRatio), None);
        assert!(paired_t(&[1.0, 0.0], &[1.0, 2.0], Scale::Difference).is_some());
    }
}
