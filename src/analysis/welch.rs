//! Welch's two-sample t-test: are two means different, without assuming equal variances?
//!
//! The regression gate uses it to tell a change in a metric from seed noise. The Student t
//! distribution is computed here (regularized incomplete beta function by Lentz's continued
//! fraction, ln-gamma by Lanczos) rather than pulled in from a statistics crate: it is 100
//! lines and the only distribution the gate needs.

/// The outcome of Welch's test of `mean_a == mean_b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// `(mean_a - mean_b) / sqrt(var_a / n_a + var_b / n_b)`; `0` when both samples are the
    /// same constant, `±inf` when they are different constants.
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom,
    /// `(va/na + vb/nb)² / ((va/na)² / (na-1) + (vb/nb)² / (nb-1))`; `na + nb - 2` when both
    /// variances are zero (where the formula is 0/0).
    pub df: f64,
    /// Two-sided p-value: `P(|T| >= |t|)` for `T ~ Student t(df)`, in `[0, 1]`.
    pub p: f64,
}

impl Welch {
    /// Whether the difference is significant at level `alpha` (`0.05` for 95%).
    pub fn significant(&self, alpha: f64) -> bool {
        self.p < alpha
    }
}

/// Welch's test on two samples. `None` when either has fewer than two values or any value is
/// not finite (a NaN sample has no mean to test).
pub fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    let (mean_a, std_a) = mean_std(a)?;
    let (mean_b, std_b) = mean_std(b)?;
    welch_from_stats(mean_a, std_a, a.len(), mean_b, std_b, b.len())
}

/// Welch's test from summary statistics: means, sample standard deviations (ddof = 1) and
/// sizes, as a baseline file stores them. `None` when `n_a` or `n_b` is below two, a mean or
/// std is not finite, or a std is negative.
pub fn welch_from_stats(
    mean_a: f64,
    std_a: f64,
    n_a: usize,
    mean_b: f64,
    std_b: f64,
    n_b: usize,
) -> Option<Welch> {
    let finite = [mean_a, std_a, mean_b, std_b].iter().all(|v| v.is_finite());
    if n_a < 2 || n_b < 2 || !finite || std_a < 0.0 || std_b < 0.0 {
        return None;
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    // Squared standard errors of the two means.
    let se2_a = std_a * std_a / na;
    let se2_b = std_b * std_b / nb;
    let se2 = se2_a + se2_b;
    let diff = mean_a - mean_b;
    if se2 == 0.0 {
        // Two constants: equal ones are the same, different ones differ beyond any doubt.
        let df = na + nb - 2.0;
        return Some(if diff == 0.0 {
            Welch { t: 0.0, df, p: 1.0 }
        } else {
            Welch {
                t: diff.signum() * f64::INFINITY,
                df,
                p: 0.0,
            }
        });
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (se2_a * se2_a / (na - 1.0) + se2_b * se2_b / (nb - 1.0));
    Some(Welch {
        t,
        df,
        p: student_t_two_sided_p(t, df),
    })
}

/// Beyond this many degrees of freedom the t distribution is taken as the one at this value:
/// it differs from the normal by under 1e-7 there, and the continued fraction needs about
/// `sqrt(df)` steps.
const DF_CAP: f64 = 1e7;

/// `P(|T| >= |t|)` for `T ~ Student t(df)`, `df > 0`: `I_x(df/2, 1/2)` with
/// `x = df / (df + t²)`. NaN for a NaN `t` or a `df` that is not positive.
pub fn student_t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let df = df.min(DF_CAP);
    let x = df / (df + t * t);
    regularized_incomplete_beta(df / 2.0, 0.5, x).clamp(0.0, 1.0)
}

/// `P(T <= t)` for `T ~ Student t(df)`.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = student_t_two_sided_p(t, df) / 2.0;
    if t > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// Mean and sample standard deviation (ddof = 1); `None` below two values or with a value
/// that is not finite.
fn mean_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    Some((mean, (squares / (n - 1.0)).sqrt()))
}

/// The regularized incomplete beta function `I_x(a, b)` for `a, b > 0`, `x` in `[0, 1]`
/// (Numerical Recipes' `betai`): the continued fraction converges fast for
/// `x < (a + 1) / (a + b + 2)`; above it the symmetry `I_x(a, b) = 1 - I_{1-x}(b, a)` is used.
fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    // ln of x^a (1-x)^b / B(a, b); ln_1p keeps (1-x) exact when x is tiny.
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function by the modified Lentz method
/// (Numerical Recipes' `betacf`). Steps grow like `sqrt(max(a, b))`; the cap is far above
/// what `a = DF_CAP / 2` needs.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const MAX_STEPS: usize = 100_000;
    const EPS: f64 = 1e-15;
    // Stands in for an exact zero of a denominator, which Lentz's method cannot divide by.
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };

    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_STEPS {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step of the fraction.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + aa * d);
        c = nonzero(1.0 + aa / c);
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + aa * d);
        c = nonzero(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` by the Lanczos approximation (g = 7, 9 coefficients; relative error
/// around 1e-15), with the reflection formula below 1/2.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    #[allow(clippy::excessive_precision)]
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_93,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_13,
        -176.615_029_162_140_59,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_571_6e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
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

    #[test]
    fn ln_gamma_matches_factorials_and_sqrt_pi() {
        // Γ(1/2) = sqrt(π): ln = 0.5723649429247001; Γ(10) = 9! = 362880.
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13);
        close(ln_gamma(10.0), 362_880f64.ln(), 1e-12);
        close(ln_gamma(1.0), 0.0, 1e-13);
        close(ln_gamma(2.0), 0.0, 1e-13);
        // Γ(0.1) = 9.513507698668732 (reflection branch).
        close(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-12);
        // ln Γ(100.5) = 361.4355404677776 (mpmath.loggamma).
        close(ln_gamma(100.5), 361.435_540_467_777_6, 1e-9);
    }

    #[test]
    fn incomplete_beta_closed_forms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1-x)^b.
        close(regularized_incomplete_beta(1.0, 1.0, 0.3), 0.3, 1e-14);
        close(regularized_incomplete_beta(3.0, 1.0, 0.5), 0.125, 1e-14);
        close(regularized_incomplete_beta(1.0, 2.0, 0.5), 0.75, 1e-14);
        // Symmetric parameters: I_{1/2}(a, a) = 1/2 (takes the 1 - I_{1-x}(b, a) branch).
        close(regularized_incomplete_beta(4.5, 4.5, 0.5), 0.5, 1e-14);
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 0.0), 0.0);
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 1.0), 1.0);
    }

    #[test]
    fn t_distribution_matches_tables() {
        // Critical values from a t table: two-sided 5% at df = 10 is t = 2.228
        // (p = 0.0500118 exactly); t = 2.0 at df = 10 gives p = 0.0733880.
        close(student_t_two_sided_p(2.228, 10.0), 0.050_011_8, 1e-7);
        close(student_t_two_sided_p(2.0, 10.0), 0.073_388_0, 1e-7);
        close(student_t_two_sided_p(-2.0, 10.0), 0.073_388_0, 1e-7);
        // df = 1 is the Cauchy distribution: P(|T| >= 1) = 1 - 2 atan(1) / π = 1/2.
        close(student_t_two_sided_p(1.0, 1.0), 0.5, 1e-13);
        // df = 2 has the closed form p = 1 - |t| / sqrt(2 + t²): t = 1 -> 1 - 1/sqrt(3).
        close(
            student_t_two_sided_p(1.0, 2.0),
            1.0 - 1.0 / 3f64.sqrt(),
            1e-13,
        );
        // Non-integer df and far tails (mpmath: betainc(df/2, 1/2, 0, df/(df+t²))).
        close(
            student_t_two_sided_p(3.0, 2.5),
            0.072_576_095_549_031_8,
            1e-12,
        );
        close(
            student_t_two_sided_p(10.0, 5.0),
            1.709_475_757_429_636e-4,
            1e-14,
        );
        close(
            student_t_two_sided_p(0.5, 30.0),
            0.620_723_004_885_127_3,
            1e-12,
        );
        assert_eq!(student_t_two_sided_p(0.0, 7.0), 1.0);
        assert_eq!(student_t_two_sided_p(f64::INFINITY, 7.0), 0.0);
        assert!(student_t_two_sided_p(f64::NAN, 7.0).is_nan());
        assert!(student_t_two_sided_p(1.0, 0.0).is_nan());
    }

    #[test]
    fn large_df_approaches_the_normal() {
        // Normal: P(|Z| >= 1.96) = erfc(1.96 / sqrt 2) = 0.0499958; t(1e6): 0.0499961.
        close(
            student_t_two_sided_p(1.96, 1e6),
            0.049_996_067_585_27,
            1e-10,
        );
        close(
            student_t_two_sided_p(1.96, 1e12),
            0.049_995_790_296_44,
            1e-7,
        );
        close(
            student_t_two_sided_p(1.96, f64::INFINITY),
            0.049_995_790_296_44,
            1e-7,
        );
    }

    #[test]
    fn cdf_is_symmetric_around_zero() {
        close(student_t_cdf(0.0, 4.0), 0.5, 1e-15);
        // One-sided 97.5% point at df = 10 is 2.228.
        close(student_t_cdf(2.228, 10.0), 1.0 - 0.050_011_8 / 2.0, 1e-7);
        close(student_t_cdf(-2.228, 10.0), 0.050_011_8 / 2.0, 1e-7);
    }

    #[test]
    fn welch_by_hand() {
        // a = 1..5: mean 3, var = (4+1+0+1+4)/4 = 2.5, var/n = 0.5.
        // b = 2, 4, .., 12: mean 7, var = (25+9+1+1+9+25)/5 = 14, var/n = 14/6 = 7/3.
        // se² = 0.5 + 7/3 = 17/6, t = (3 - 7) / sqrt(17/6) = -2.376354103.
        // df = (17/6)² / (0.5²/4 + (7/3)²/5) = 8.027778 / 1.151389 = 6.972256.
        // p (t table between df 6 and 7 at ~2.37: just under 0.05; mpmath) = 0.0492843.
        let w = welch(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
        )
        .unwrap();
        close(w.t, -2.376_354_103_144_018, 1e-12);
        close(w.df, 6.972_255_729_794_934, 1e-12);
        close(w.p, 0.049_284_338_206_730_5, 1e-10);
        assert!(w.significant(0.05));
        assert!(!w.significant(0.01));
        // Swapping the samples flips t only.
        let s = welch(
            &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap();
        close(s.t, -w.t, 1e-15);
        close(s.p, w.p, 1e-15);
        // The same numbers as summary statistics: std_a = sqrt(2.5), std_b = sqrt(14).
        let f = welch_from_stats(3.0, 2.5f64.sqrt(), 5, 7.0, 14f64.sqrt(), 6).unwrap();
        close(f.t, w.t, 1e-12);
        close(f.df, w.df, 1e-12);
        close(f.p, w.p, 1e-12);
    }

    #[test]
    fn equal_variances_and_sizes_give_the_pooled_df() {
        // na = nb = n and equal variances: df = 2(n - 1) = 8 for n = 5.
        // a = 1..5, b = a + 2: t = -2 / sqrt(0.5 + 0.5) = -2.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = a.map(|v| v + 2.0);
        let w = welch(&a, &b).unwrap();
        close(w.df, 8.0, 1e-12);
        close(w.t, -2.0, 1e-12);
        close(w.p, student_t_two_sided_p(2.0, 8.0), 1e-15);
    }

    #[test]
    fn constants_and_degenerate_inputs() {
        // Identical constants: no difference at all.
        let same = welch(&[2.0, 2.0, 2.0], &[2.0, 2.0]).unwrap();
        assert_eq!((same.t, same.df, same.p), (0.0, 3.0, 1.0));
        assert!(!same.significant(0.05));
        // Different constants: a difference no noise explains.
        let differ = welch(&[2.0, 2.0, 2.0], &[3.0, 3.0]).unwrap();
        assert_eq!((differ.t, differ.p), (f64::NEG_INFINITY, 0.0));
        assert!(differ.significant(0.05));
        // One constant side: df = nb - 1 (the constant side adds nothing), here 2.
        let one = welch(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).unwrap();
        close(one.df, 2.0, 1e-12);
        // Too few values or NaN: no test.
        assert_eq!(welch(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(welch(&[1.0, 2.0], &[]), None);
        assert_eq!(welch(&[1.0, f64::NAN], &[1.0, 2.0]), None);
        assert_eq!(welch_from_stats(f64::NAN, 1.0, 3, 1.0, 1.0, 3), None);
        assert_eq!(welch_from_stats(1.0, -1.0, 3, 1.0, 1.0, 3), None);
        assert_eq!(welch_from_stats(1.0, 1.0, 1, 1.0, 1.0, 3), None);
    }
}
