use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::Series;

/// Parameters of the sine generator; `value_i = amplitude * sin(frequency * t_i + phase)
/// + noise * N(0, 1)` with `t = linspace(start, stop, points)` (both ends included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SineParams {
    pub points: usize,
    pub start: f64,
    pub stop: f64,
    pub amplitude: f64,
    /// Angular frequency in radians per unit of `t`.
    pub frequency: f64,
    /// Radians.
    pub phase: f64,
    /// Standard deviation of the added Gaussian noise, in the series' units.
    pub noise: f64,
}

/// `n` evenly spaced points from `start` to `stop` inclusive, computed like
impl SineParams {
    /// The Keras tutorial's wave: sin over linspace(0, 100, 1000), no noise.
    pub fn tutorial() -> Self {
        SineParams {
            points: 1000,
            start: 0.0,
            stop: 100.0,
            amplitude: 1.0,
            frequency: 1.0,
            phase: 0.0,
            noise: 0.0,
        }
    }
}

/// `numpy.linspace` (`start + i * step`, last point exactly `stop`) so that a
/// series generated here matches the Python tutorial bit for bit.
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut t: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
            t[n - 1] = stop;
            t
        }
    }
}

/// The sine series of `p`; the noise stream is seeded from `seed` alone, so the same
/// parameters and seed give the same values on every platform. With `noise = 0` no
/// random numbers are drawn and the values are the exact sine.
pub fn sine(p: &SineParams, seed: u64) -> Series {
    let mut values: Vec<f64> = linspace(p.start, p.stop, p.points)
        .into_iter()
        .map(|t| p.amplitude * (p.frequency * t + p.phase).sin())
        .collect();
    if p.noise != 0.0 {
        let mut gauss = GaussianNoise::new(seed);
        for v in &mut values {
            *v += p.noise * gauss.sample();
        }
    }
    Series { values, time: None }
}

/// Standard normal draws from a seeded ChaCha8 stream by the Box–Muller transform.
/// Portable: depends only on the seed, not on the platform or thread.
pub struct GaussianNoise {
    rng: ChaCha8Rng,
}

impl GaussianNoise {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// One N(0, 1) draw (the second Box–Muller value is discarded for simplicity).
    pub fn sample(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tutorial() -> SineParams {
        SineParams::tutorial()
    }

    #[test]
    fn linspace_matches_numpy_endpoints_and_step() {
        let t = linspace(0.0, 100.0, 1000);
        assert_eq!(t.len(), 1000);
        assert_eq!(t[0], 0.0);
        assert_eq!(t[999], 100.0);
        // numpy: step = 100 / 999, t[1] = 1 * step + 0
        assert_eq!(t[1], 100.0 / 999.0);
        assert_eq!(t[500], 500.0 * (100.0 / 999.0));
        assert_eq!(linspace(3.0, 7.0, 1), vec![3.0]);
        assert!(linspace(3.0, 7.0, 0).is_empty());
        assert_eq!(linspace(1.0, 2.0, 3), vec![1.0, 1.5, 2.0]);
    }

    #[test]
    fn tutorial_sine_values() {
        let s = sine(&tutorial(), 42);
        assert_eq!(s.values.len(), 1000);
        assert_eq!(s.values[0], 0.0);
        // t[999] is exactly 100, so value 999 is sin(100) = -0.50636564110975879
        assert_eq!(s.values[999], 100f64.sin());
        assert!((s.values[999] - -0.506_365_641_109_758_8).abs() < 1e-15);
        assert_eq!(s.values[1], (100.0f64 / 999.0).sin());
        assert!(s.time.is_none());
    }

    #[test]
    fn amplitude_frequency_phase() {
        let p = SineParams {
            points: 3,
            start: 0.0,
            stop: 1.0,
            amplitude: 2.0,
            frequency: std::f64::consts::PI,
            phase: std::f64::consts::FRAC_PI_2,
            noise: 0.0,
        };
        // t = 0, 0.5, 1 -> 2 sin(pi t + pi/2) = 2 cos(pi t) = 2, 0, -2
        let v = sine(&p, 0).values;
        assert!((v[0] - 2.0).abs() < 1e-12);
        assert!(v[1].abs() < 1e-12);
        assert!((v[2] + 2.0).abs() < 1e-12);
    }

    #[test]
    fn noise_is_deterministic_per_seed() {
        let p = SineParams {
            noise: 0.1,
            ..tutorial()
        };
        let a = sine(&p, 7).values;
        let b = sine(&p, 7).values;
        let c = sine(&p, 8).values;
        assert_eq!(a, b);
        assert_ne!(a, c);
        let clean = sine(&tutorial(), 7).values;
        let resid: Vec<f64> = a.iter().zip(&clean).map(|(x, y)| x - y).collect();
        // 1000 draws of N(0, 0.1^2): the sample std is within 10% of 0.1 with
        // overwhelming probability, and the mean within 4 standard errors (0.0126) of 0.
        let mean = resid.iter().sum::<f64>() / 1000.0;
        let std = (resid.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 1000.0).sqrt();
        assert!(mean.abs() < 0.0126, "mean {mean}");
        assert!((std - 0.1).abs() < 0.01, "std {std}");
    }
}
