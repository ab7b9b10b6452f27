//! The linear skip (LSTNet's "highway"): a linear map from the window's last `steps` inputs
//! straight to the output, `y += W · vec(x_{T-steps..T})`, added to the Dense head's output.
//! With it the network contains the linear autoregressive model on its inputs as a special
//! case (recurrent head weights zero, W the AR coefficients).
//!
//! No bias: the Dense head already adds one to the same outputs, and a second would only be
//! a redundant parameter (two biases whose sum alone matters).

use std::ops::Range;

use ndarray::s;

use super::matrix::{gemm, view, view_mut};
use super::Real;

/// Where the skip's kernel sits inside the network's flat parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkipSlots {
    /// Features per time step.
    pub input: usize,
    /// Final steps of the window the skip reads (the lookback).
    pub steps: usize,
    /// Outputs (the horizon).
    pub output: usize,
    /// Kernel W, row-major [output, steps · input]: column `t · input + k` weighs feature k
    /// of the t-th of the last `steps` steps (oldest first), so row h is the AR coefficients
    /// of output h, oldest lag first.
    pub kernel: Range<usize>,
}

impl SkipSlots {
    pub fn at(offset: usize, input: usize, steps: usize, output: usize) -> (Self, usize) {
        let kernel = offset..offset + output * steps * input;
        let end = kernel.end;
        (
            SkipSlots {
                input,
                steps,
                output,
                kernel,
            },
            end,
        )
    }

    /// Width of the flattened window, `steps · input`.
    pub fn width(&self) -> usize {
        self.steps * self.input
    }
}

/// `out [b, output] += vec(x) · W^T` for the time-major input `x` [T·b, input] of a batch of
/// `batch` samples over `steps_total` steps (at least `slots.steps`). One small GEMM per step
/// read: step t's rows are contiguous [b, input], the matching columns of W a strided view.
pub fn forward<F: Real>(
    slots: &SkipSlots,
    params: &[F],
    x: &[F],
    steps_total: usize,
    batch: usize,
    out: &mut [F],
) {
    let (i, o) = (slots.input, slots.output);
    let first = steps_total - slots.steps;
    let w = view(&params[slots.kernel.clone()], o, slots.width());
    let mut out = view_mut(out, batch, o);
    for t in 0..slots.steps {
        let x_t = view(&x[(first + t) * batch * i..], batch, i);
        let w_t = w.slice(s![.., t * i..(t + 1) * i]);
        gemm(x_t, w_t.t(), F::one(), &mut out);
    }
}

/// Given dL/dout [b, output]: writes dW into `grads` and, when `d_x` is given, ADDS dL/dx to
/// the time-major input gradient [T·b, input] (the bottom recurrent layer wrote its part).
#[allow(clippy::too_many_arguments)]
pub fn backward<F: Real>(
    slots: &SkipSlots,
    params: &[F],
    x: &[F],
    steps_total: usize,
    batch: usize,
    d_out: &[F],
    grads: &mut [F],
    d_x: Option<&mut [F]>,
) {
    let (i, o) = (slots.input, slots.output);
    let first = steps_total - slots.steps;
    let d_out = view(d_out, batch, o);
    let mut d_w = view_mut(&mut grads[slots.kernel.clone()], o, slots.width());
    for t in 0..slots.steps {
        let x_t = view(&x[(first + t) * batch * i..], batch, i);
        // dW[:, block t] = d_out^T · x_t
        let mut d_w_t = d_w.slice_mut(s![.., t * i..(t + 1) * i]);
        gemm(d_out.t(), x_t, F::zero(), &mut d_w_t);
    }
    if let Some(d_x) = d_x {
        let w = view(&params[slots.kernel.clone()], o, slots.width());
        for t in 0..slots.steps {
            // dx_t += d_out · W[:, block t]
            let w_t = w.slice(s![.., t * i..(t + 1) * i]);
            let mut d_x_t = view_mut(&mut d_x[(first + t) * batch * i..], batch, i);
            gemm(d_out, w_t, F::one(), &mut d_x_t);
        }
    }
}
