//! The floating-point type the network computes in.
//!
//! Training runs in `f32` (speed: half the memory traffic, twice the SIMD lanes); the
//! gradient check runs the very same code in `f64`, where central finite differences are
//! accurate enough to expose a wrong term. Everything in `nn` is generic over [`Real`].

use ndarray::LinalgScalar;
use num_traits::{Float, FromPrimitive, ToPrimitive};
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

use super::activation;

/// A float the network can compute in: `f32` (training) or `f64` (gradient checks).
pub trait Real:
    LinalgScalar
    + Float
    + FromPrimitive
    + ToPrimitive
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Debug
    + Send
    + Sync
    + 'static
{
    /// In place: `x = 1 / (1 + exp(-x))`.
    fn sigmoid_slice(x: &mut [Self]);
    /// In place: `x = tanh(x)`.
    fn tanh_slice(x: &mut [Self]);

    /// Converts from `f64`; every value used here is representable (no NaN from conversion).
    #[inline]
    fn of(v: f64) -> Self {
        Self::from_f64(v).expect("f64 converts to every Real")
    }
}

impl Real for f32 {
    #[inline]
    fn sigmoid_slice(x: &mut [f32]) {
        activation::sigmoid_slice_f32(x);
    }
    #[inline]
    fn tanh_slice(x: &mut [f32]) {
        activation::tanh_slice_f32(x);
    }
}

impl Real for f64 {
    // f64 is only used to check gradients, so the exact library functions are the right choice.
    fn sigmoid_slice(x: &mut [f64]) {
        for v in x.iter_mut() {
            *v = 1.0 / (1.0 + (-*v).exp());
        }
    }
    fn tanh_slice(x: &mut [f64]) {
        for v in x.iter_mut() {
            *v = v.tanh();
        }
    }
}
