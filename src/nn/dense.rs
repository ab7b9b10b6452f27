//! The Dense head: `y = h · W + b` on the last LSTM layer's final output.

use std::ops::Range;

use ndarray::ArrayView2;

use super::matrix::{column_sums, gemm, view, view_mut};
use super::Real;

/// Where the head's parameters sit inside the network's flat parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenseSlots {
    pub input: usize,
    pub output: usize,
    /// Kernel W, row-major [input, output].
    pub kernel: Range<usize>,
    /// Bias b [output].
    pub bias: Range<usize>,
}

impl DenseSlots {
    pub fn at(offset: usize, input: usize, output: usize) -> (Self, usize) {
        let kernel = offset..offset + input * output;
        let bias = kernel.end..kernel.end + output;
        let end = bias.end;
        (
            DenseSlots {
                input,
                output,
                kernel,
                bias,
            },
            end,
        )
    }
}

/// `out [b, output] = h [b, input] · W + b`.
pub fn forward<F: Real>(slots: &DenseSlots, params: &[F], h: ArrayView2<F>, out: &mut [F]) {
    let batch = h.nrows();
    let bias = &params[slots.bias.clone()];
    for row in out[..batch * slots.output].chunks_exact_mut(slots.output) {
        row.copy_from_slice(bias);
    }
    let w = view(&params[slots.kernel.clone()], slots.input, slots.output);
    gemm(h, w, F::one(), &mut view_mut(out, batch, slots.output));
}

/// Given dL/dout [b, output]: writes dW and db into `grads` and dL/dh [b, input] into `d_h`.
pub fn backward<F: Real>(
    slots: &DenseSlots,
    params: &[F],
    h: ArrayView2<F>,
    d_out: ArrayView2<F>,
    grads: &mut [F],
    d_h: &mut [F],
) {
    let batch = h.nrows();
    let (i, o) = (slots.input, slots.output);
    gemm(
        h.t(),
        d_out,
        F::zero(),
        &mut view_mut(&mut grads[slots.kernel.clone()], i, o),
    );
    column_sums(d_out, &mut grads[slots.bias.clone()]);
    let w = view(&params[slots.kernel.clone()], i, o);
    gemm(d_out, w.t(), F::zero(), &mut view_mut(d_h, batch, i));
}
