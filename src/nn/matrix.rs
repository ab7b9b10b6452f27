//! Thin helpers over flat buffers: views with a shape, and the one GEMM everything goes through.
//!
//! Activations and gradients live in flat `Vec`s allocated once per fit (see
//! [`crate::nn::Workspace`]); a batch smaller than the workspace uses a prefix of each buffer,
//! so every matrix handed to the GEMM is contiguous and row-major.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Real;

/// Row-major view of the first `rows * cols` values of `buf`.
#[inline]
pub fn view<F: Real>(buf: &[F], rows: usize, cols: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape((rows, cols), &buf[..rows * cols]).expect("buffer holds rows*cols")
}

/// Mutable row-major view of the first `rows * cols` values of `buf`.
#[inline]
pub fn view_mut<F: Real>(buf: &mut [F], rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    ArrayViewMut2::from_shape((rows, cols), &mut buf[..rows * cols])
        .expect("buffer holds rows*cols")
}

/// `c = a · b + beta · c`, `beta` 0 (overwrite: C is not read) or 1 (accumulate); transposed
/// operands are strided views. `f32` runs [`super::kernel`], `f64` matrixmultiply.
#[inline]
pub fn gemm<F: Real>(a: ArrayView2<F>, b: ArrayView2<F>, beta: F, c: &mut ArrayViewMut2<F>) {
    debug_assert!(beta == F::zero() || beta == F::one(), "beta is 0 or 1");
    F::gemm(a, b, beta == F::one(), c);
}

/// Writes `m^T` row-major into the first `rows·cols` values of `out` (`m` is `[rows, cols]`).
///
/// Backpropagation through time multiplies by the recurrent kernel's transpose once per step:
/// transposing it once per sequence lets every one of those products read a row-major B in
/// place instead of each copying the strided view (see [`super::kernel`]).
pub fn transpose_into<F: Real>(m: ArrayView2<F>, out: &mut [F]) {
    let (rows, cols) = m.dim();
    let mut t = view_mut(out, cols, rows);
    t.assign(&m.t());
}

/// `out[j] = Σ_r m[r, j]`: the bias gradient, summed over the rows (samples × steps).
pub fn column_sums<F: Real>(m: ArrayView2<F>, out: &mut [F]) {
    out.iter_mut().for_each(|v| *v = F::zero());
    for row in m.rows() {
        let row = row.to_slice().expect("contiguous rows");
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}
