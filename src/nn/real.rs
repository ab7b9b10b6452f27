//! The floating-point type the network computes in.
//!
//! Training runs in `f32` (speed: half the memory traffic, twice the SIMD lanes); the
//! gradient check runs the very same code in `f64`, where central finite differences are
//! accurate enough to expose a wrong term. Everything in `nn` is generic over [`Real`].

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, LinalgScalar};
use num_traits::{Float, FromPrimitive, ToPrimitive};
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

use super::{activation, kernel};

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
    /// `c = a · b` (`accumulate` false) or `c += a · b` (true).
    fn gemm(
        a: ArrayView2<Self>,
        b: ArrayView2<Self>,
        accumulate: bool,
        c: &mut ArrayViewMut2<Self>,
    );

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
    #[inline]
    fn gemm(a: ArrayView2<f32>, b: ArrayView2<f32>, accumulate: bool, c: &mut ArrayViewMut2<f32>) {
        kernel::sgemm(a, b, accumulate, c);
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
    // Only the gradient checks run in f64: matrixmultiply is fast enough and independent.
    fn gemm(a: ArrayView2<f64>, b: ArrayView2<f64>, accumulate: bool, c: &mut ArrayViewMut2<f64>) {
        general_mat_mul(1.0, &a, &b, if accumulate { 1.0 } else { 0.0 }, c);
    }
}
