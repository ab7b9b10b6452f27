//! Branch-free `exp`, `sigmoid` and `tanh` for `f32` that the compiler turns into SIMD loops.
//!
//! The standard library's `f32::exp` is a call into libm per element, which the
//! auto-vectoriser cannot widen. An LSTM step evaluates 4·units·batch gate activations
//! (6,400 for the tutorial's layer and batch), so these functions are on the hot path.
//! They use only arithmetic, min/max and bit casts, all of which have SSE2 forms.

const LOG2_E: f32 = std::f32::consts::LOG2_E;
// ln 2 split into a high part with few significant bits (355/512, so k·LN2_HI is exact for
// the |k| <= 127 that occur) and a low correction: Cody-Waite reduction, Cephes' constants.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
// 1.5·2^23: adding and subtracting it rounds any |t| < 2^22 to the nearest integer without
// SSE4.1's `roundps`.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// `e^x` with a relative error below 3e-7 on [-87, 88]; inputs outside are clamped there,
/// which saturates sigmoid and tanh exactly as the true functions do in f32.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // After adding ROUND_MAGIC the float's low mantissa bits hold k = round(x·log2 e) as an
    // integer: reading k from the bits, not with `as i32`, keeps the loop in SIMD registers
    // (a float-to-int cast is scalar on SSE2 because of Rust's saturating semantics).
    let shifted = x * LOG2_E + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    let r = (x - k * LN2_HI) - k * LN2_LO; // |r| <= ln2/2
                                           // Taylor polynomial of degree 6: truncation error r^7/7! < 1.3e-7 relative for |r| <= 0.347.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^k built from its exponent bits; k + 127 lies in [1, 254], a normal float.
    let k_bits = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits());
    let two_k = f32::from_bits(k_bits.wrapping_add(127) << 23);
    p * two_k
}

/// `1 / (1 + e^-x)`; absolute error below 1e-7.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + exp_f32(-x))
}

/// `tanh x = 1 - 2 / (1 + e^{2x})`; absolute error below 3e-7 (the relative error near 0 is
/// larger, which does not matter for an activation whose output is added to O(1) values).
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp_f32(2.0 * x))
}

/// In place `x = σ(x)` over a slice, on the widest SIMD the CPU has.
pub fn sigmoid_slice_f32(x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { avx2::sigmoid(x) };
        return;
    }
    x.iter_mut().for_each(|v| *v = sigmoid_f32(*v));
}

/// In place `x = tanh(x)` over a slice, on the widest SIMD the CPU has.
pub fn tanh_slice_f32(x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { avx2::tanh(x) };
        return;
    }
    x.iter_mut().for_each(|v| *v = tanh_f32(*v));
}

/// The same loops compiled for 8-lane AVX2. Only AVX2 is enabled, not FMA, so every
/// operation rounds exactly as in the SSE2 build: results are bit-identical on machines with
/// and without AVX2.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{sigmoid_f32, tanh_f32};

    #[target_feature(enable = "avx2")]
    pub unsafe fn sigmoid(x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = sigmoid_f32(*v));
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn tanh(x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = tanh_f32(*v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 1/1000 over the range where the functions are not saturated, plus the tails.
    fn grid() -> impl Iterator<Item = f32> {
        (-20_000..=20_000).map(|i| i as f32 * 1e-3)
    }

    #[test]
    fn exp_matches_libm_to_a_few_ulp() {
        let mut worst = 0.0f64;
        // Above 88 the input is clamped by design; below -80 the result nears f32's
        // subnormal range, where no float has full relative precision.
        for x in (-80_000..=87_900).map(|i| i as f32 * 1e-3) {
            let exact = (x as f64).exp();
            let rel = ((exp_f32(x) as f64 - exact) / exact).abs();
            worst = worst.max(rel);
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
    }

    #[test]
    fn sigmoid_and_tanh_match_f64_reference() {
        let (mut ws, mut wt) = (0.0f64, 0.0f64);
        for x in grid() {
            let xd = x as f64;
            ws = ws.max((sigmoid_f32(x) as f64 - 1.0 / (1.0 + (-xd).exp())).abs());
            wt = wt.max((tanh_f32(x) as f64 - xd.tanh()).abs());
        }
        assert!(ws < 1e-7, "sigmoid worst abs error {ws}");
        assert!(wt < 3e-7, "tanh worst abs error {wt}");
    }

    #[test]
    fn slice_versions_equal_the_scalar_functions_bit_for_bit() {
        let xs: Vec<f32> = grid().step_by(7).collect();
        let (mut s, mut t) = (xs.clone(), xs.clone());
        sigmoid_slice_f32(&mut s);
        tanh_slice_f32(&mut t);
        for (i, &x) in xs.iter().enumerate() {
            assert_eq!(s[i].to_bits(), sigmoid_f32(x).to_bits(), "sigmoid({x})");
            assert_eq!(t[i].to_bits(), tanh_f32(x).to_bits(), "tanh({x})");
        }
    }

    #[test]
    fn saturation_and_non_finite_inputs() {
        assert_eq!(sigmoid_f32(1000.0), 1.0);
        assert!(sigmoid_f32(-1000.0) < 1e-37);
        assert_eq!(tanh_f32(50.0), 1.0);
        assert_eq!(tanh_f32(-50.0), -1.0);
        assert_eq!(tanh_f32(0.0), 0.0);
        assert_eq!(sigmoid_f32(0.0), 0.5);
    }
}
