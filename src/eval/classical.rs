//! Classical benchmarks and accuracy measures of the forecasting competitions (M3, M4,
//! Tourism): naive, seasonal naive, Naive2, simple exponential smoothing, the Theta method,
//! and sMAPE, MASE and OWA.
//!
//! Every function works on one series. `y` is its training part in original units, oldest
//! first (`y[0]` .. `y[n - 1]`); forecasts are `Vec<f64>` of length `h` for the points
//! `n .. n + h - 1` (forecast `k`, 1-based, is at index `k - 1`). `m` is the number of
//! points per seasonal cycle (4 quarterly, 12 monthly; 0 or 1 means no season). The module
//! is pure: no I/O, no randomness, no state.

/// One-sided 90% critical value of the standard normal: the M4 guide's seasonality test
/// rejects "no seasonality" when `|r_m|` exceeds this many standard errors.
const Z90: f64 = 1.645;

/// Search interval of the SES smoothing parameter (see [`ses_alpha`]). The lower bound keeps
/// `1 / alpha` in the Theta drift term moderate; the upper bound follows statsforecast's
/// Theta, which also bounds alpha to `[0.1, 0.99]`.
pub const ALPHA_MIN: f64 = 0.1;
/// Upper end of the SES smoothing parameter's search interval; see [`ALPHA_MIN`].
pub const ALPHA_MAX: f64 = 0.99;

/// Naive forecast: the last observation repeated `h` times. Empty `y` gives NaNs.
pub fn naive(y: &[f64], h: usize) -> Vec<f64> {
    let last = y.last().copied().unwrap_or(f64::NAN);
    vec![last; h]
}

/// Seasonal naive forecast: forecast `k` (1-based) is the observation one season before
/// its position, `y[n - m + (k - 1) % m]`. With `m <= 1` or fewer than `m` points there is
/// no full season to repeat, so it falls back to [`naive`].
pub fn seasonal_naive(y: &[f64], h: usize, m: usize) -> Vec<f64> {
    let n = y.len();
    if m <= 1 || n < m {
        return naive(y, h);
    }
    (0..h).map(|k| y[n - m + k % m]).collect()
}

/// Sample autocorrelation at lag `k` about the mean of all of `y`:
/// `r_k = sum_{t=k}^{n-1} (y_t - mean)(y_{t-k} - mean) / sum_t (y_t - mean)^2`.
/// 0 for a constant series (no variance, so nothing can correlate).
fn acf(y: &[f64], k: usize) -> f64 {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let den: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if den == 0.0 || k >= n {
        return 0.0;
    }
    let num: f64 = (k..n).map(|t| (y[t] - mean) * (y[t - k] - mean)).sum();
    num / den
}

/// Seasonality test of the M4 competitor's guide (90% level): `true` when `m > 1`,
/// `n >= 3 m`, and the lag-`m` autocorrelation `r_m` of `y` satisfies
/// `|r_m| > 1.645 * sqrt((1 + 2 * sum_{k=1}^{m-1} r_k^2) / n)` — Bartlett's standard error of
/// `r_m` under the hypothesis that autocorrelations beyond lag `m - 1` are 0. Shorter series
/// are never called seasonal: too few cycles to estimate indices reliably.
pub fn seasonality_test(y: &[f64], m: usize) -> bool {
    let n = y.len();
    if m <= 1 || n < 3 * m {
        return false;
    }
    let s: f64 = (1..m).map(|k| acf(y, k).powi(2)).sum();
    let limit = Z90 * ((1.0 + 2.0 * s) / n as f64).sqrt();
    acf(y, m).abs() > limit
}

/// Seasonal indices of the classical multiplicative decomposition (as statsmodels'
/// `seasonal_decompose(model="multiplicative")`): the trend is the centred moving average of
/// order `m` (for even `m` the 2×m MA, weights `[1/2, 1, .., 1, 1/2] / m`), defined only
/// where the whole window fits; the ratios `y_t / trend_t` are averaged per season position
/// `t % m`, and the averages are scaled to mean 1.
///
/// Returns `m` indices; index `i` applies to every position `t` of `y` (and beyond, to the
/// forecasts) with `t % m == i`, so position `t` is deseasonalised as `y_t / s[t % m]`.
/// A position without any ratio (series shorter than `2 m`) gets 1 before scaling. With
/// `m <= 1` there is no season: `vec![1.0; m.max(1)]`.
pub fn seasonal_indices(y: &[f64], m: usize) -> Vec<f64> {
    if m <= 1 {
        return vec![1.0; m.max(1)];
    }
    let n = y.len();
    // Window of the centred MA: m + 1 points with half-weight ends for even m, m for odd.
    let half = m / 2;
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    if n > 2 * half {
        for t in half..n - half {
            let trend = if m.is_multiple_of(2) {
                let inner: f64 = y[t + 1 - half..t + half].iter().sum();
                (inner + 0.5 * (y[t - half] + y[t + half])) / m as f64
            } else {
                y[t - half..=t + half].iter().sum::<f64>() / m as f64
            };
            // A zero trend (a run of zeros) gives no ratio: left out rather than NaN.
            let ratio = y[t] / trend;
            if ratio.is_finite() {
                sums[t % m] += ratio;
                counts[t % m] += 1;
            }
        }
    }
    let raw: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c == 0 { 1.0 } else { s / c as f64 })
        .collect();
    let mean = raw.iter().sum::<f64>() / m as f64;
    raw.iter().map(|v| v / mean).collect()
}

/// Seasonal indices to divide `y` by, or `None` when [`seasonality_test`] finds no season
/// (then M4's benchmarks use the data as they are).
fn indices_if_seasonal(y: &[f64], m: usize) -> Option<Vec<f64>> {
    // Indices that cannot be divided by (a season of zeros) leave the data as it is.
    seasonality_test(y, m)
        .then(|| seasonal_indices(y, m))
        .filter(|s| s.iter().all(|v| v.is_finite() && *v > 0.0))
}

/// `y_t / s[t % m]`: the seasonally adjusted series.
fn deseasonalise(y: &[f64], s: &[f64]) -> Vec<f64> {
    let m = s.len();
    y.iter().enumerate().map(|(t, v)| v / s[t % m]).collect()
}

/// Multiplies forecast `k` (1-based, at position `n + k - 1`) by its position's index.
fn reseasonalise(f: &mut [f64], n: usize, s: &[f64]) {
    let m = s.len();
    for (k, v) in f.iter_mut().enumerate() {
        *v *= s[(n + k) % m];
    }
}

/// Naive2 of the M4 competition: when [`seasonality_test`] finds a season, the naive forecast
/// of the multiplicatively deseasonalised series ([`seasonal_indices`]) times the indices of
/// the forecast positions; otherwise [`naive`].
pub fn naive2(y: &[f64], h: usize, m: usize) -> Vec<f64> {
    match indices_if_seasonal(y, m) {
        Some(s) => {
            let mut f = naive(&deseasonalise(y, &s), h);
            reseasonalise(&mut f, y.len(), &s);
            f
        }
        None => naive(y, h),
    }
}

/// Final level of simple exponential smoothing with parameter `alpha`, started at
/// `level = y[0]`, and the in-sample sum of squared one-step errors
/// `sum_{t=1}^{n-1} (y_t - level_{t-1})^2` (the error at `t = 0` is 0 by construction).
/// Returns `(level_n, sse)`; NaN level for an empty `y`.
pub fn ses_fit(y: &[f64], alpha: f64) -> (f64, f64) {
    let Some(&first) = y.first() else {
        return (f64::NAN, 0.0);
    };
    let mut level = first;
    let mut sse = 0.0;
    for &v in &y[1..] {
        let e = v - level;
        sse += e * e;
        level += alpha * e;
    }
    (level, sse)
}

/// SES smoothing parameter minimising the in-sample one-step SSE of [`ses_fit`] over
/// `[ALPHA_MIN, ALPHA_MAX]`: a grid of step 0.01 finds the best bracket (the SSE need not be
/// unimodal, so a grid first avoids a local minimum), then golden-section search refines
/// inside the two grid cells around it to about 1e-6. Ties go to the smaller alpha.
pub fn ses_alpha(y: &[f64]) -> f64 {
    let sse = |a: f64| ses_fit(y, a).1;
    let steps = ((ALPHA_MAX - ALPHA_MIN) / 0.01).round() as usize;
    let grid = |i: usize| ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * i as f64 / steps as f64;
    let mut best = 0;
    let mut best_sse = f64::INFINITY;
    for i in 0..=steps {
        let e = sse(grid(i));
        if e < best_sse {
            best_sse = e;
            best = i;
        }
    }
    let (mut lo, mut hi) = (grid(best.saturating_sub(1)), grid((best + 1).min(steps)));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = hi - ratio * (hi - lo);
    let mut d = lo + ratio * (hi - lo);
    let (mut fc, mut fd) = (sse(c), sse(d));
    while hi - lo > 1e-6 {
        if fc <= fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - ratio * (hi - lo);
            fc = sse(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + ratio * (hi - lo);
            fd = sse(d);
        }
    }
    let refined = 0.5 * (lo + hi);
    // Keep the grid point if refinement (on a non-unimodal stretch) did worse.
    if sse(refined) < best_sse {
        refined
    } else {
        grid(best)
    }
}

/// Simple exponential smoothing with alpha from [`ses_alpha`] and initial level `y[0]`:
/// the flat forecast of the final level.
pub fn ses(y: &[f64], h: usize) -> Vec<f64> {
    let (level, _) = ses_fit(y, ses_alpha(y));
    vec![level; h]
}

/// OLS slope of `y` on time `t = 0, 1, .., n - 1` (0 for fewer than 2 points).
fn ols_slope(y: &[f64]) -> f64 {
    let n = y.len();
    if n < 2 {
        return 0.0;
    }
    let tm = (n - 1) as f64 / 2.0;
    let ym = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in y.iter().enumerate() {
        let dt = t as f64 - tm;
        sxy += dt * (v - ym);
        sxx += dt * dt;
    }
    sxy / sxx
}

/// The classical Theta method of the M3 competition (Assimakopoulos & Nikolopoulos 2000,
/// IJF 16), in the closed form Hyndman & Billah (2003, "Unmasking the Theta method", IJF 19)
/// derive for the equal-weight combination of the theta = 0 line (the OLS trend) and the
/// SES forecast of the theta = 2 line; statsforecast's standard Theta model (STM) is the same
/// forecast function:
///
/// 1. when [`seasonality_test`] finds a season, divide by the multiplicative
///    [`seasonal_indices`];
/// 2. fit SES ([`ses_alpha`], initial level `x[0]`) to the adjusted series `x` of length
///    `n`, final level `l_n`;
/// 3. `b` = OLS slope of `x` on time; forecast `k = 1..h` is
///    `f_{n+k} = l_n + (b / 2) * ((k - 1) + 1/alpha - (1 - alpha)^n / alpha)`
///    (half the trend line's slope per step; the `1/alpha - (1 - alpha)^n / alpha` term
///    makes up for SES's level lagging behind a trending series: one step plus the
///    steady-state lag `(1 - alpha) / alpha`, less what a start `n` steps back has not yet
///    built up);
/// 4. multiply by the indices of the forecast positions.
///
/// Known differences from statsforecast's `Theta` (so forecasts agree only closely, not
/// exactly): it estimates the initial level jointly with alpha (Nelder-Mead on the in-sample
/// MSE of the theta model, not of plain SES), here it is `x[0]`; its seasonality test needs
/// only `n >= 2 m` (this module keeps the M4 guide's `n >= 3 m` throughout); and it switches
/// to an additive decomposition for series with a value <= 0 or an index below 0.01.
pub fn theta(y: &[f64], h: usize, m: usize) -> Vec<f64> {
    let n = y.len();
    let s = indices_if_seasonal(y, m);
    let x = match &s {
        Some(s) => deseasonalise(y, s),
        None => y.to_vec(),
    };
    let alpha = ses_alpha(&x);
    let (level, _) = ses_fit(&x, alpha);
    let b = ols_slope(&x);
    let tail = 1.0 / alpha - (1.0 - alpha).powi(n as i32) / alpha;
    let mut f: Vec<f64> = (0..h)
        .map(|k| level + 0.5 * b * (k as f64 + tail))
        .collect();
    if let Some(s) = &s {
        reseasonalise(&mut f, n, s);
    }
    f
}

/// Symmetric MAPE, percent on the 0..200 scale: the mean over the horizon of
/// `200 |y - f| / (|y| + |f|)`, a term being 0 when `y = f = 0` (a perfect forecast).
/// `actual` and `forecast` have the same length (the horizon); NaN when empty.
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    assert_eq!(actual.len(), forecast.len(), "smape: lengths differ");
    let total: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| {
            let den = y.abs() + f.abs();
            if den == 0.0 {
                0.0
            } else {
                200.0 * (y - f).abs() / den
            }
        })
        .sum();
    total / actual.len() as f64
}

/// Mean absolute scaled error: the forecast's MAE over the horizon divided by the in-sample
/// MAE of the seasonal naive one-step forecast, `mean_{t=m}^{n-1} |y_t - y_{t-m}|` over
/// `insample` (lag 1 when `m <= 1`). Unit-free; below 1 beats in-sample seasonal naive.
/// Infinite or NaN when the scale is 0 or `insample` has no more than `m` points.
pub fn mase(actual: &[f64], forecast: &[f64], insample: &[f64], m: usize) -> f64 {
    assert_eq!(actual.len(), forecast.len(), "mase: lengths differ");
    mae(actual, forecast) / mase_scale(insample, m)
}

/// Mean absolute error of `forecast` over the horizon; NaN when empty.
pub fn mae(actual: &[f64], forecast: &[f64]) -> f64 {
    actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f).abs())
        .sum::<f64>()
        / actual.len() as f64
}

/// The denominator of [`mase`]: the in-sample MAE of the seasonal naive one-step forecast,
/// `mean_{t=m}^{n-1} |y_t - y_{t-m}|` (lag 1 when `m <= 1`); NaN with no more than `m` points.
pub fn mase_scale(insample: &[f64], m: usize) -> f64 {
    let lag = m.max(1);
    let n = insample.len();
    if n <= lag {
        return f64::NAN;
    }
    (lag..n)
        .map(|t| (insample[t] - insample[t - lag]).abs())
        .sum::<f64>()
        / (n - lag) as f64
}

/// Overall weighted average of the M4 competition: `(smape / smape_naive2 + mase /
/// mase_naive2) / 2`, each accuracy relative to Naive2's on the same data (1 = Naive2's
/// accuracy). The M4 applies it to sMAPE and MASE already averaged over the series.
pub fn owa(smape: f64, mase: f64, smape_naive2: f64, mase_naive2: f64) -> f64 {
    0.5 * (smape / smape_naive2 + mase / mase_naive2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn assert_all_close(a: &[f64], b: &[f64], tol: f64) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(close(*x, *y, tol), "{a:?} vs {b:?}");
        }
    }

    /// Season pattern (mean 1) times a linear level: exactly multiplicative, m = 4.
    const PATTERN: [f64; 4] = [0.8, 1.2, 1.1, 0.9];

    fn multiplicative(n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| (100.0 + t as f64) * PATTERN[t % 4])
            .collect()
    }

    #[test]
    fn naive_and_seasonal_naive() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(naive(&y, 3), vec![6.0; 3]);
        // n = 6, m = 4: the last season is y[2..6] = 3, 4, 5, 6, repeated.
        assert_eq!(seasonal_naive(&y, 6, 4), vec![3.0, 4.0, 5.0, 6.0, 3.0, 4.0]);
        assert_eq!(seasonal_naive(&y, 2, 1), vec![6.0; 2]);
        assert_eq!(seasonal_naive(&y[..3], 2, 4), vec![3.0; 2]);
    }

    #[test]
    fn acf_by_hand() {
        // y = 1, 2, 3, 4: mean 2.5, deviations -1.5, -0.5, 0.5, 1.5, sum of squares 5.
        // Lag 1: (-0.5)(-1.5) + (0.5)(-0.5) + (1.5)(0.5) = 0.75 - 0.25 + 0.75 = 1.25.
        assert!(close(acf(&[1.0, 2.0, 3.0, 4.0], 1), 0.25, 1e-12));
        // Lag 2: (0.5)(-1.5) + (1.5)(-0.5) = -1.5.
        assert!(close(acf(&[1.0, 2.0, 3.0, 4.0], 2), -0.3, 1e-12));
    }

    #[test]
    fn seasonality_test_on_seasonal_and_trend() {
        // 1, 2, 3, 4 repeated 3 times (n = 12 = 3m): mean 2.5, sum of squares 15.
        // Lag 4: 8 products, each a deviation squared: 2 * (2.25 + 0.25 + 0.25 + 2.25) = 10,
        // r_4 = 2/3. Lag 1: within cycles 3 * (0.75 - 0.25 + 0.75) = 3.75, across the two
        // cycle joins 2 * (1.5)(-1.5) = -4.5, r_1 = -0.75 / 15 = -0.05. Likewise
        // r_2 = (-4.5 - 3) / 15 = -0.5 and r_3 = (-6.75 + 1.5 - 0.5 + 1.5) / 15 = -17/60.
        // limit = 1.645 sqrt((1 + 2 (0.0025 + 0.25 + 0.0802778)) / 12) = 0.61285 < 2/3.
        let y: Vec<f64> = (0..12).map(|t| (t % 4 + 1) as f64).collect();
        assert!(close(acf(&y, 4), 2.0 / 3.0, 1e-12));
        assert!(close(acf(&y, 1), -0.05, 1e-12));
        assert!(close(acf(&y, 2), -0.5, 1e-12));
        assert!(close(acf(&y, 3), -17.0 / 60.0, 1e-12));
        let s = 0.05f64.powi(2) + 0.25 + (17.0f64 / 60.0).powi(2);
        let limit = 1.645 * ((1.0 + 2.0 * s) / 12.0f64).sqrt();
        assert!(close(limit, 0.612851, 1e-6));
        assert!(seasonality_test(&y, 4));
        // Too short (n = 11 < 3m), no season (m = 1): never seasonal.
        assert!(!seasonality_test(&y[..11], 4));
        assert!(!seasonality_test(&y, 1));
        // A straight line: r_k decays slowly and the limit grows with it, so not seasonal.
        let line: Vec<f64> = (0..16).map(|t| t as f64).collect();
        assert!(!seasonality_test(&line, 4));
    }

    #[test]
    fn seasonal_indices_of_multiplicative_series() {
        // Over a whole cycle the 2x4 MA of (100 + t) * pattern is not exactly 100 + t (the
        // level moves under the pattern), so test on a constant level first: exact recovery.
        let y: Vec<f64> = (0..16).map(|t| 50.0 * PATTERN[t % 4]).collect();
        assert_all_close(&seasonal_indices(&y, 4), &PATTERN, 1e-12);
        // With a trend the ratios are still close to the pattern (within 0.5%).
        assert_all_close(&seasonal_indices(&multiplicative(16), 4), &PATTERN, 5e-3);
        // Odd m = 3: plain centred MA of 3.
        let p3 = [0.5, 1.0, 1.5];
        let y3: Vec<f64> = (0..12).map(|t| 10.0 * p3[t % 3]).collect();
        assert_all_close(&seasonal_indices(&y3, 3), &p3, 1e-12);
        assert_eq!(seasonal_indices(&y, 1), vec![1.0]);
    }

    #[test]
    fn seasonal_indices_by_hand() {
        // y = 1, 2, 3, 4, 5, 6, 7, 8 (n = 8, m = 4): 2x4 MA at t = 2..5 equals y_t (a line),
        // ratios 1 everywhere they exist, indices all 1.
        let y: Vec<f64> = (1..=8).map(|t| t as f64).collect();
        assert_all_close(&seasonal_indices(&y, 4), &[1.0; 4], 1e-12);
        // y = 4, 2, 4, 2, 4, 2, 4, 2 (n = 8, m = 4): the MA is 3 at t = 2..5; ratios 4/3 at
        // even t, 2/3 at odd t; the mean is already 1.
        let y: Vec<f64> = (0..8).map(|t| if t % 2 == 0 { 4.0 } else { 2.0 }).collect();
        assert_all_close(
            &seasonal_indices(&y, 4),
            &[4.0 / 3.0, 2.0 / 3.0, 4.0 / 3.0, 2.0 / 3.0],
            1e-12,
        );
    }

    #[test]
    fn naive2_reseasonalises() {
        // Constant level 50 times the pattern, n = 14 (ends at position 13, 13 % 4 = 1):
        // deseasonalised series is 50 everywhere, forecasts are 50 * pattern[(14 + k) % 4].
        let y: Vec<f64> = (0..14).map(|t| 50.0 * PATTERN[t % 4]).collect();
        let f = naive2(&y, 5, 4);
        assert_all_close(&f, &[55.0, 45.0, 40.0, 60.0, 55.0], 1e-9);
        // Without a season it is naive.
        let line: Vec<f64> = (0..16).map(|t| t as f64).collect();
        assert_eq!(naive2(&line, 3, 4), vec![15.0; 3]);
    }

    #[test]
    fn ses_by_hand() {
        // alpha = 0.5, y = 2, 4, 3: level 2 -> 3 (error 2) -> 3 (error 0); SSE = 4.
        assert_eq!(ses_fit(&[2.0, 4.0, 3.0], 0.5), (3.0, 4.0));
        // alpha = 1 is naive: the level is the last observation.
        let y = [3.0, 7.0, 1.0, 8.0];
        assert_eq!(ses_fit(&y, 1.0).0, naive(&y, 1)[0]);
    }

    #[test]
    fn ses_alpha_on_random_walk_and_noise() {
        // A random walk (fixed steps from a small LCG): the best one-step forecast is the
        // last value, so alpha should sit at the upper bound.
        let mut state: u64 = 12345;
        let mut step = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        let mut v = 0.0;
        let walk: Vec<f64> = (0..200)
            .map(|_| {
                v += step();
                v
            })
            .collect();
        assert!(ses_alpha(&walk) > 0.9, "alpha {}", ses_alpha(&walk));
        // Alternating noise about 0, starting at 0: the level follows the last point by
        // about alpha / (2 - alpha) on its side, and every next point is on the other side,
        // so each error is 1 plus that swing and grows with alpha: alpha at the floor.
        let noise: Vec<f64> = (0..40)
            .map(|t| match t {
                0 => 0.0,
                _ if t % 2 == 0 => 1.0,
                _ => -1.0,
            })
            .collect();
        assert!(close(ses_alpha(&noise), ALPHA_MIN, 1e-6));
        // The chosen alpha beats its neighbours on the grid.
        let a = ses_alpha(&walk);
        let e = ses_fit(&walk, a).1;
        for other in [a - 0.01, (a + 0.01).min(ALPHA_MAX)] {
            assert!(e <= ses_fit(&walk, other.max(ALPHA_MIN)).1 + 1e-12);
        }
        assert_eq!(ses(&walk, 2), vec![ses_fit(&walk, a).0; 2]);
    }

    #[test]
    fn theta_on_a_line() {
        // y = 10 + 2 t, t = 0..11 (n = 12, m = 1). One-step SES errors all shrink with a
        // larger alpha (a line is best tracked by following it), so alpha = ALPHA_MAX = 0.99.
        // Level recursion from l_0 = 10 with constant slope 2: the lag is
        // d_t = y_t - l_t, d_0 = 0, d_t = (1 - alpha)(d_{t-1} + 2), so
        // d_11 = 2 (1 - a)(1 - (1 - a)^11) / a  and l_11 = 32 - d_11.
        let y: Vec<f64> = (0..12).map(|t| 10.0 + 2.0 * t as f64).collect();
        let a: f64 = 0.99;
        assert!(close(ses_alpha(&y), a, 1e-6));
        let q = 1.0 - a;
        let d = 2.0 * q * (1.0 - q.powi(11)) / a;
        let level = 32.0 - d;
        assert!(close(ses_fit(&y, a).0, level, 1e-12));
        // b = 2: forecast k = level + 1 * ((k - 1) + 1/a - q^12 / a).
        let expected: Vec<f64> = (1..=3)
            .map(|k| level + (k as f64 - 1.0) + 1.0 / a - q.powi(12) / a)
            .collect();
        let f = theta(&y, 3, 1);
        assert_all_close(&f, &expected, 1e-9);
        // Numerically: level = 31.979798, 1/a = 1.010101 => 32.989899, 33.989899, 34.989899,
        // below the line's 34, 36, 38: only half the slope is extrapolated.
        assert_all_close(&f, &[32.98989899, 33.98989899, 34.98989899], 1e-6);
    }

    #[test]
    fn theta_reseasonalises() {
        // Constant level times the pattern: adjusted series is constant, slope 0, SES level
        // 50 whatever alpha; forecasts are 50 times the forecast positions' indices.
        let y: Vec<f64> = (0..16).map(|t| 50.0 * PATTERN[t % 4]).collect();
        assert_all_close(&theta(&y, 4, 4), &[40.0, 60.0, 55.0, 45.0], 1e-9);
    }

    #[test]
    fn metrics_by_hand() {
        // |100 - 110| -> 200 * 10 / 210 = 9.5238; |0 - 0| -> 0; |50 - 0| -> 200.
        let s = smape(&[100.0, 0.0, 50.0], &[110.0, 0.0, 0.0]);
        assert!(close(s, (2000.0 / 210.0 + 0.0 + 200.0) / 3.0, 1e-12));
        // In-sample 1, 3, 2, 6 with m = 1: scale (2 + 1 + 4) / 3 = 7/3; MAE (1 + 3) / 2 = 2.
        let insample = [1.0, 3.0, 2.0, 6.0];
        let q = mase(&[5.0, 7.0], &[6.0, 4.0], &insample, 1);
        assert!(close(q, 2.0 / (7.0 / 3.0), 1e-12));
        // m = 2: scale (|2 - 1| + |6 - 3|) / 2 = 2, MASE = 1.
        assert!(close(
            mase(&[5.0, 7.0], &[6.0, 4.0], &insample, 2),
            1.0,
            1e-12
        ));
        // m = 0 behaves as lag 1.
        assert_eq!(
            mase(&[5.0], &[6.0], &insample, 0),
            mase(&[5.0], &[6.0], &insample, 1)
        );
        assert!(mase(&[5.0], &[6.0], &insample[..1], 1).is_nan());
        assert!(close(owa(10.0, 1.5, 20.0, 1.0), (0.5 + 1.5) / 2.0, 1e-12));
        assert!(close(owa(7.0, 3.0, 7.0, 3.0), 1.0, 1e-12));
    }
}
