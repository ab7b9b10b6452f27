//! One GRU layer: forward over a whole sequence (keeping what backward needs) and
//! backpropagation through time.
//!
//! Equations (Keras' default `reset_after = True`, gate order z, r, h; two biases):
//!
//! ```text
//! a_t = x_t · W + b                        W [in, 3u], b [3u]   (input part)
//! q_t = h_{t-1} · U + rb                   U [u, 3u], rb [3u]   (recurrent part)
//! z = σ(a_z + q_z)   r = σ(a_r + q_r)   n = tanh(a_h + r ⊙ q_h)
//! h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n                               h_{-1} = 0
//! ```
//!
//! Layout as in [`super::lstm`]: every sequence buffer is time-major `[steps·batch, features]`,
//! so the input projection of all steps is one GEMM and each weight gradient is one GEMM over
//! all steps. The recurrent part q is kept separately from the input part because the reset
//! gate multiplies only its candidate third (that is what "reset after" means).

use ndarray::ArrayView2;

use super::matrix::{column_sums, gemm, transpose_into, view, view_mut};
use super::Real;

/// Where a GRU layer's parameters sit inside the network's flat parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GruSlots {
    pub input: usize,
    pub units: usize,
    /// Input kernel W, row-major [input, 3·units], column blocks z, r, h.
    pub kernel: std::ops::Range<usize>,
    /// Recurrent kernel U, row-major [units, 3·units].
    pub recurrent: std::ops::Range<usize>,
    /// Input bias b [3·units] (Keras' `bias[0]`).
    pub bias: std::ops::Range<usize>,
    /// Recurrent bias rb [3·units] (Keras' `bias[1]`), added to h·U inside the reset product.
    pub recurrent_bias: std::ops::Range<usize>,
}

impl GruSlots {
    /// Lays the layer's tensors out from `offset`; returns the slots and the next free offset.
    pub fn at(offset: usize, input: usize, units: usize) -> (Self, usize) {
        let g = 3 * units;
        let kernel = offset..offset + input * g;
        let recurrent = kernel.end..kernel.end + units * g;
        let bias = recurrent.end..recurrent.end + g;
        let recurrent_bias = bias.end..bias.end + g;
        let end = recurrent_bias.end;
        let slots = GruSlots {
            input,
            units,
            kernel,
            recurrent,
            bias,
            recurrent_bias,
        };
        (slots, end)
    }
}

/// Per-layer activations of one batch (the forward cache) and the backward scratch,
/// allocated once for the largest batch and sequence length.
pub struct GruBuffers<F> {
    /// Activated gates [T·b, 3u]: z, r, n per row.
    pub gates: Vec<F>,
    /// Recurrent part q_t = h_{t-1} · U + rb [T·b, 3u] (only its h third is read by backward,
    /// but the GEMM writes all three).
    pub recurrent: Vec<F>,
    /// Outputs h_t [T·b, u]: the next layer's input sequence.
    pub hidden: Vec<F>,
    /// dL/da_t, the input part's pre-activations [T·b, 3u].
    pub d_gates: Vec<F>,
    /// dL/dq_t, the recurrent part's pre-activations [T·b, 3u].
    pub d_recurrent: Vec<F>,
    /// dL/dh_t [T·b, u]: on entry the gradient arriving from above; used as scratch.
    pub d_hidden: Vec<F>,
    /// The direct term z ⊙ dL/dh_t carried from step t to t-1 [b, u].
    pub d_carry: Vec<F>,
    /// U^T row-major [3u, u], rebuilt by each backward pass for its per-step products.
    pub rec_t: Vec<F>,
    /// [u] zeros: h_{-1}, so the first step runs the same loop as the others.
    zeros: Vec<F>,
}

impl<F: Real> GruBuffers<F> {
    pub fn new(units: usize, steps: usize, batch: usize) -> Self {
        let n = steps * batch;
        let g = || vec![F::zero(); n * 3 * units];
        GruBuffers {
            gates: g(),
            recurrent: g(),
            hidden: vec![F::zero(); n * units],
            d_gates: g(),
            d_recurrent: g(),
            d_hidden: vec![F::zero(); n * units],
            d_carry: vec![F::zero(); batch * units],
            rec_t: vec![F::zero(); 3 * units * units],
            zeros: vec![F::zero(); units],
        }
    }
}

/// Forward pass of one layer over `steps` steps of a batch of `batch` sequences.
///
/// * `params`: the network's flat parameters (read through `slots`).
/// * `x`: input sequence, time-major [T·b, in].
/// * writes `buf.gates`, `buf.recurrent`, `buf.hidden` ([T·b, ·]).
pub fn forward<F: Real>(
    slots: &GruSlots,
    params: &[F],
    x: ArrayView2<F>,
    steps: usize,
    batch: usize,
    buf: &mut GruBuffers<F>,
) {
    let (u, g3) = (slots.units, 3 * slots.units);
    let rows = steps * batch;
    let w = view(&params[slots.kernel.clone()], slots.input, g3);
    let rec = view(&params[slots.recurrent.clone()], u, g3);
    let bias = &params[slots.bias.clone()];
    let rbias = &params[slots.recurrent_bias.clone()];

    // a = x · W + b for all steps at once: rows start as the bias, then one GEMM adds x · W.
    let gates = &mut buf.gates[..rows * g3];
    for row in gates.chunks_exact_mut(g3) {
        row.copy_from_slice(bias);
    }
    gemm(x, w, F::one(), &mut view_mut(gates, rows, g3));

    for t in 0..steps {
        let (r0, r1) = (t * batch, (t + 1) * batch);
        // q_t = rb + h_{t-1} · U (h_{-1} = 0: the bias alone).
        let q_t = &mut buf.recurrent[r0 * g3..r1 * g3];
        for row in q_t.chunks_exact_mut(g3) {
            row.copy_from_slice(rbias);
        }
        if t > 0 {
            let h_prev = view(&buf.hidden[(r0 - batch) * u..], batch, u);
            gemm(h_prev, rec, F::one(), &mut view_mut(q_t, batch, g3));
        }
        for r in r0..r1 {
            let a = &mut buf.gates[r * g3..(r + 1) * g3];
            let q = &buf.recurrent[r * g3..(r + 1) * g3];
            let (zr, n) = a.split_at_mut(2 * u);
            for (v, &qv) in zr.iter_mut().zip(&q[..2 * u]) {
                *v += qv;
            }
            F::sigmoid_slice(zr);
            let (z, rg) = zr.split_at(u);
            let qh = &q[2 * u..];
            for j in 0..u {
                n[j] += rg[j] * qh[j];
            }
            F::tanh_slice(n);

            let (before, now) = buf.hidden.split_at_mut(r * u);
            let h_prev = if t > 0 {
                &before[(r - batch) * u..(r - batch + 1) * u]
            } else {
                &buf.zeros[..u]
            };
            let h = &mut now[..u];
            for j in 0..u {
                // z·h_prev + (1 - z)·n, written as n + z·(h_prev - n).
                h[j] = n[j] + z[j] * (h_prev[j] - n[j]);
            }
        }
    }
}

/// Backpropagation through time for one layer, after [`forward`] on the same batch.
///
/// * on entry `buf.d_hidden` [T·b, u] holds dL/dh_t from above (the next layer or the head);
///   it is used as scratch.
/// * writes the layer's gradients into `grads` (same layout as `params`), overwriting them.
/// * if `dx` is given, writes dL/dx [T·b, in] into it (the gradient for the layer below).
#[allow(clippy::too_many_arguments)]
pub fn backward<F: Real>(
    slots: &GruSlots,
    params: &[F],
    x: ArrayView2<F>,
    steps: usize,
    batch: usize,
    buf: &mut GruBuffers<F>,
    grads: &mut [F],
    dx: Option<&mut [F]>,
) {
    let (u, g3) = (slots.units, 3 * slots.units);
    let rows = steps * batch;
    // Every step below multiplies by U^T: transposed once here, each product reads it
    // row-major in place.
    transpose_into(
        view(&params[slots.recurrent.clone()], u, g3),
        &mut buf.rec_t,
    );
    let rec_t = view(&buf.rec_t, g3, u);
    let one = F::one();
    buf.d_carry[..batch * u]
        .iter_mut()
        .for_each(|v| *v = F::zero());

    for t in (0..steps).rev() {
        let (r0, r1) = (t * batch, (t + 1) * batch);
        if t + 1 < steps {
            // dL/dh_t += dq_{t+1} · U^T  (h_t feeds step t+1 through U)
            let dq_next = view(&buf.d_recurrent[r1 * g3..], batch, g3);
            let mut dh_t = view_mut(&mut buf.d_hidden[r0 * u..], batch, u);
            gemm(dq_next, rec_t, one, &mut dh_t);
        }
        for r in r0..r1 {
            let s = r - r0;
            let gt = &buf.gates[r * g3..(r + 1) * g3];
            let (z, rg, n) = (&gt[..u], &gt[u..2 * u], &gt[2 * u..]);
            let qh = &buf.recurrent[r * g3 + 2 * u..(r + 1) * g3];
            let h_prev = if t > 0 {
                &buf.hidden[(r - batch) * u..(r - batch + 1) * u]
            } else {
                &buf.zeros[..u]
            };
            let dh_above = &buf.d_hidden[r * u..(r + 1) * u];
            let carry = &mut buf.d_carry[s * u..(s + 1) * u];
            let da = &mut buf.d_gates[r * g3..(r + 1) * g3];
            let (daz, rest) = da.split_at_mut(u);
            let (dar, dah) = rest.split_at_mut(u);
            let dq = &mut buf.d_recurrent[r * g3..(r + 1) * g3];
            let (dqz, rest) = dq.split_at_mut(u);
            let (dqr, dqh) = rest.split_at_mut(u);
            for j in 0..u {
                let dh = dh_above[j] + carry[j];
                let dn = dh * (one - z[j]) * (one - n[j] * n[j]);
                let dz = dh * (h_prev[j] - n[j]) * z[j] * (one - z[j]);
                let dr = dn * qh[j] * rg[j] * (one - rg[j]);
                daz[j] = dz;
                dar[j] = dr;
                dah[j] = dn;
                dqz[j] = dz;
                dqr[j] = dr;
                dqh[j] = dn * rg[j];
                carry[j] = dh * z[j];
            }
        }
    }

    let da_all = view(&buf.d_gates, rows, g3);
    let dq_all = view(&buf.d_recurrent, rows, g3);
    // dW = Σ_t x_t^T · da_t: one GEMM over the time-major rows.
    gemm(
        x.t(),
        da_all,
        F::zero(),
        &mut view_mut(&mut grads[slots.kernel.clone()], slots.input, g3),
    );
    // dU = Σ_{t>=1} h_{t-1}^T · dq_t (h_{-1} = 0): hidden rows 0..T-1 against dq rows 1..T.
    let mut d_rec = view_mut(&mut grads[slots.recurrent.clone()], u, g3);
    if steps > 1 {
        let h_prev = view(&buf.hidden, rows - batch, u);
        let dq_later = view(&buf.d_recurrent[batch * g3..], rows - batch, g3);
        gemm(h_prev.t(), dq_later, F::zero(), &mut d_rec);
    } else {
        d_rec.fill(F::zero());
    }
    column_sums(da_all, &mut grads[slots.bias.clone()]);
    // rb enters every step, the first included.
    column_sums(dq_all, &mut grads[slots.recurrent_bias.clone()]);
    if let Some(dx) = dx {
        let w = view(&params[slots.kernel.clone()], slots.input, g3);
        gemm(
            da_all,
            w.t(),
            F::zero(),
            &mut view_mut(dx, rows, slots.input),
        );
    }
}
