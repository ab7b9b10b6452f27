//! Synthetic series beyond the sine, for sweeping difficulty. Time is the point index
//! `i = 0..points` (periods are in points, so a season of 12 is `seasonal_difference = 12`).
//! Noise is drawn from [`GaussianNoise`] seeded by the caller, like the sine's; with a zero
//! noise std no numbers are drawn.

use std::f64::consts::TAU;

use super::{GaussianNoise, Series};

/// `value_i = sum_k amplitudes[k] * sin(2 pi i / periods[k]) + noise * N(0, 1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SinesParams {
    pub points: usize,
    /// One per component, series units.
    pub amplitudes: Vec<f64>,
    /// One per component, in points (> 0).
    pub periods: Vec<f64>,
    /// Standard deviation of the added Gaussian noise.
    pub noise: f64,
}

pub fn sines(p: &SinesParams, seed: u64) -> Series {
    let values = (0..p.points)
        .map(|i| {
            p.amplitudes
                .iter()
                .zip(&p.periods)
                .map(|(a, period)| a * (TAU * i as f64 / period).sin())
                .sum()
        })
        .collect();
    with_noise(values, p.noise, seed)
}

/// `value_i = level + slope * i + amplitude * sin(2 pi i / period) + noise * N(0, 1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendSeasonParams {
    pub points: usize,
    /// Value of the trend at i = 0.
    pub level: f64,
    /// Trend per point.
    pub slope: f64,
    /// Season length in points (> 0).
    pub period: f64,
    pub amplitude: f64,
    pub noise: f64,
}

pub fn trend_season(p: &TrendSeasonParams, seed: u64) -> Series {
    let values = (0..p.points)
        .map(|i| {
            let t = i as f64;
            p.level + p.slope * t + p.amplitude * (TAU * t / p.period).sin()
        })
        .collect();
    with_noise(values, p.noise, seed)
}

/// AR(p): `x_t = sum_k coefficients[k] * x_{t-1-k} + noise * e_t`, `e_t ~ N(0, 1)`, started
/// from zeros; the first `burn_in` values are generated and dropped so the series starts
/// near its stationary distribution (when the coefficients are stationary).
#[derive(Debug, Clone, PartialEq)]
pub struct ArParams {
    pub points: usize,
    /// `phi_1..phi_p`.
    pub coefficients: Vec<f64>,
    /// Standard deviation of the innovations.
    pub noise: f64,
    pub burn_in: usize,
}

pub fn ar(p: &ArParams, seed: u64) -> Series {
    let mut gauss = GaussianNoise::new(seed);
    let total = p.burn_in + p.points;
    let mut x: Vec<f64> = Vec::with_capacity(total);
    for t in 0..total {
        let past: f64 = p
            .coefficients
            .iter()
            .enumerate()
            .filter(|(k, _)| t > *k)
            .map(|(k, phi)| phi * x[t - 1 - k])
            .sum();
        let e = if p.noise != 0.0 { gauss.sample() } else { 0.0 };
        x.push(past + p.noise * e);
    }
    Series {
        values: x.split_off(p.burn_in),
        time: None,
    }
}

/// `x_0 = start`, `x_t = x_{t-1} + drift + step * e_t`, `e_t ~ N(0, 1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomWalkParams {
    pub points: usize,
    pub start: f64,
    /// Standard deviation of a step.
    pub step: f64,
    /// Mean of a step.
    pub drift: f64,
}

pub fn random_walk(p: &RandomWalkParams, seed: u64) -> Series {
    let mut gauss = GaussianNoise::new(seed);
    let mut values = Vec::with_capacity(p.points);
    let mut x = p.start;
    for i in 0..p.points {
        if i > 0 {
            let e = if p.step != 0.0 { gauss.sample() } else { 0.0 };
            x += p.drift + p.step * e;
        }
        values.push(x);
    }
    Series { values, time: None }
}

fn with_noise(mut values: Vec<f64>, noise: f64, seed: u64) -> Series {
    if noise != 0.0 {
        let mut gauss = GaussianNoise::new(seed);
        for v in &mut values {
            *v += noise * gauss.sample();
        }
    }
    Series { values, time: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(seed: u64, n: usize) -> Vec<f64> {
        let mut g = GaussianNoise::new(seed);
        (0..n).map(|_| g.sample()).collect()
    }

    #[test]
    fn sines_by_hand() {
        let p = SinesParams {
            points: 13,
            amplitudes: vec![2.0, 1.0],
            periods: vec![12.0, 4.0],
            noise: 0.0,
        };
        let v = sines(&p, 0).values;
        assert_eq!(v.len(), 13);
        // i = 3: 2 sin(pi / 2) + sin(3 pi / 2) = 2 - 1 = 1
        assert!((v[3] - 1.0).abs() < 1e-12);
        // i = 1: 2 sin(pi / 6) + sin(pi / 2) = 1 + 1 = 2
        assert!((v[1] - 2.0).abs() < 1e-12);
        // period 12 repeats
        assert!((v[12] - v[0]).abs() < 1e-12);
    }

    #[test]
    fn trend_season_by_hand_and_seeded_noise() {
        let p = TrendSeasonParams {
            points: 24,
            level: 1.0,
            slope: 2.0,
            period: 12.0,
            amplitude: 5.0,
            noise: 0.0,
        };
        let clean = trend_season(&p, 0).values;
        // i = 3: 1 + 2 * 3 + 5 sin(pi / 2) = 12
        assert!((clean[3] - 12.0).abs() < 1e-12);
        // i = 6: 1 + 12 + 5 sin(pi) = 13
        assert!((clean[6] - 13.0).abs() < 1e-12);
        let noisy = |seed| trend_season(&TrendSeasonParams { noise: 0.5, ..p }, seed).values;
        assert_eq!(noisy(7), noisy(7));
        assert_ne!(noisy(7), noisy(8));
        // the noise is the seeded stream, scaled
        let e = draws(7, 24);
        assert!((noisy(7)[5] - (clean[5] + 0.5 * e[5])).abs() < 1e-12);
    }

    #[test]
    fn ar_follows_its_recursion() {
        let p = ArParams {
            points: 50,
            coefficients: vec![0.5, -0.2],
            noise: 1.0,
            burn_in: 0,
        };
        let x = ar(&p, 3).values;
        let e = draws(3, 50);
        assert_eq!(x.len(), 50);
        // x_0 = e_0, x_1 = 0.5 x_0 + e_1, x_2 = 0.5 x_1 - 0.2 x_0 + e_2
        assert_eq!(x[0], e[0]);
        assert!((x[1] - (0.5 * e[0] + e[1])).abs() < 1e-12);
        assert!((x[2] - (0.5 * x[1] - 0.2 * x[0] + e[2])).abs() < 1e-12);
        // burn-in drops the first values of the same stream
        let burnt = ar(
            &ArParams {
                burn_in: 10,
                ..p.clone()
            },
            3,
        )
        .values;
        assert_eq!(burnt.len(), 50);
        assert_eq!(
            burnt[..40],
            ar(&ArParams { points: 60, ..p }, 3).values[10..50]
        );
    }

    #[test]
    fn random_walk_sums_its_steps() {
        let p = RandomWalkParams {
            points: 5,
            start: 10.0,
            step: 2.0,
            drift: 0.5,
        };
        let x = random_walk(&p, 11).values;
        let e = draws(11, 4);
        assert_eq!(x[0], 10.0);
        // x_2 = 10 + 2 * 0.5 + 2 (e_0 + e_1)
        assert!((x[2] - (11.0 + 2.0 * (e[0] + e[1]))).abs() < 1e-12);
        assert_eq!(x.len(), 5);
        // no noise: a straight line of slope drift
        let line = random_walk(&RandomWalkParams { step: 0.0, ..p }, 11).values;
        assert_eq!(line, vec![10.0, 10.5, 11.0, 11.5, 12.0]);
        assert_ne!(random_walk(&p, 12).values, x);
    }
}
