//! One LSTM layer: forward over a whole sequence (keeping what backward needs) and
//! backpropagation through time.
//!
//! Equations (Keras / PyTorch, gate order i, f, g, o):
//!
//! ```text
//! z_t = x_t · W + h_{t-1} · U + b          W [in, 4u], U [u, 4u], b [4u]
//! i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
//! c_t = f ⊙ c_{t-1} + i ⊙ g               h_t = o ⊙ tanh(c_t)        h_{-1} = c_{-1} = 0
//! ```
//!
//! Layout: every sequence buffer is *time-major*, `[steps, batch, features]` flattened to
//! `[steps·batch, features]`, so step t of the batch is the contiguous row block
//! `t·batch .. (t+1)·batch`. That makes the input projection of all steps one GEMM
//! (`[T·b, in] · [in, 4u]`), and the weight gradients one GEMM each over all steps.

use ndarray::ArrayView2;

use super::matrix::{column_sums, gemm, transpose_into, view, view_mut};
use super::Real;

/// Where an LSTM layer's parameters sit inside the network's flat parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LstmSlots {
    pub input: usize,
    pub units: usize,
    /// Input kernel W, row-major [input, 4·units].
    pub kernel: std::ops::Range<usize>,
    /// Recurrent kernel U, row-major [units, 4·units].
    pub recurrent: std::ops::Range<usize>,
    /// Bias b [4·units].
    pub bias: std::ops::Range<usize>,
}

impl LstmSlots {
    /// Lays the layer's tensors out from `offset`; returns the slots and the next free offset.
    pub fn at(offset: usize, input: usize, units: usize) -> (Self, usize) {
        let g = 4 * units;
        let kernel = offset..offset + input * g;
        let recurrent = kernel.end..kernel.end + units * g;
        let bias = recurrent.end..recurrent.end + g;
        let end = bias.end;
        let slots = LstmSlots {
            input,
            units,
            kernel,
            recurrent,
            bias,
        };
        (slots, end)
    }
}

/// Per-layer activations of one batch (the forward cache) and the backward scratch,
/// allocated once for the largest batch and sequence length.
pub struct LstmBuffers<F> {
    /// Activated gates [T·b, 4u]: i, f, g, o per row.
    pub gates: Vec<F>,
    /// Cell states c_t [T·b, u].
    pub cell: Vec<F>,
    /// tanh(c_t) [T·b, u], kept so backward needs no transcendental.
    pub tanh_cell: Vec<F>,
    /// Outputs h_t [T·b, u]: the next layer's input sequence.
    pub hidden: Vec<F>,
    /// dL/dz_t [T·b, 4u].
    pub d_gates: Vec<F>,
    /// dL/dh_t [T·b, u]: on entry the gradient arriving from above; during backward it also
    /// accumulates the recurrent contribution.
    pub d_hidden: Vec<F>,
    /// dL/dc carried from step t+1 to t [b, u].
    pub d_cell: Vec<F>,
    /// U^T row-major [4u, u], rebuilt by each backward pass for its per-step products.
    pub rec_t: Vec<F>,
    /// [u] zeros: c_{-1}, so the first step runs the same branch-free loop as the others.
    zeros: Vec<F>,
}

impl<F: Real> LstmBuffers<F> {
    pub fn new(units: usize, steps: usize, batch: usize) -> Self {
        let n = steps * batch;
        let z = || vec![F::zero(); n * units];
        LstmBuffers {
            gates: vec![F::zero(); n * 4 * units],
            cell: z(),
            tanh_cell: z(),
            hidden: z(),
            d_gates: vec![F::zero(); n * 4 * units],
            d_hidden: z(),
            d_cell: vec![F::zero(); batch * units],
            rec_t: vec![F::zero(); 4 * units * units],
            zeros: vec![F::zero(); units],
        }
    }
}

/// Forward pass of one layer over `steps` steps of a batch of `batch` sequences.
///
/// * `params`: the network's flat parameters (read through `slots`).
/// * `x`: input sequence, time-major [T·b, in].
/// * writes `buf.gates`, `buf.cell`, `buf.tanh_cell`, `buf.hidden` ([T·b, ·]).
pub fn forward<F: Real>(
    slots: &LstmSlots,
    params: &[F],
    x: ArrayView2<F>,
    steps: usize,
    batch: usize,
    buf: &mut LstmBuffers<F>,
) {
    let (u, g4) = (slots.units, 4 * slots.units);
    let rows = steps * batch;
    let w = view(&params[slots.kernel.clone()], slots.input, g4);
    let rec = view(&params[slots.recurrent.clone()], u, g4);
    let bias = &params[slots.bias.clone()];

    // z = x · W + b for all steps at once: rows start as the bias, then one GEMM adds x · W.
    let gates = &mut buf.gates[..rows * g4];
    for row in gates.chunks_exact_mut(g4) {
        row.copy_from_slice(bias);
    }
    gemm(x, w, F::one(), &mut view_mut(gates, rows, g4));

    for t in 0..steps {
        let (r0, r1) = (t * batch, (t + 1) * batch);
        if t > 0 {
            // z_t += h_{t-1} · U
            let h_prev = view(&buf.hidden[(r0 - batch) * u..], batch, u);
            let mut z_t = view_mut(&mut buf.gates[r0 * g4..], batch, g4);
            gemm(h_prev, rec, F::one(), &mut z_t);
        }
        for r in r0..r1 {
            let z = &mut buf.gates[r * g4..(r + 1) * g4];
            let (ifg, o) = z.split_at_mut(3 * u);
            let (if_, g) = ifg.split_at_mut(2 * u);
            F::sigmoid_slice(if_);
            F::tanh_slice(g);
            F::sigmoid_slice(o);
            let (i, f) = if_.split_at(u);

            // c_{t-1}, zero before the first step.
            let (before, now) = buf.cell.split_at_mut(r * u);
            let c_prev = if t > 0 {
                &before[(r - batch) * u..(r - batch + 1) * u]
            } else {
                &buf.zeros[..u]
            };
            let c = &mut now[..u];
            for j in 0..u {
                c[j] = f[j] * c_prev[j] + i[j] * g[j];
            }
            let c = &buf.cell[r * u..(r + 1) * u];
            let tc = &mut buf.tanh_cell[r * u..(r + 1) * u];
            tc.copy_from_slice(c);
            F::tanh_slice(tc);
            let h = &mut buf.hidden[r * u..(r + 1) * u];
            for j in 0..u {
                h[j] = o[j] * tc[j];
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
    slots: &LstmSlots,
    params: &[F],
    x: ArrayView2<F>,
    steps: usize,
    batch: usize,
    buf: &mut LstmBuffers<F>,
    grads: &mut [F],
    dx: Option<&mut [F]>,
) {
    let (u, g4) = (slots.units, 4 * slots.units);
    let rows = steps * batch;
    // Every step below multiplies by U^T: transposed once here, each product reads it
    // row-major in place.
    transpose_into(
        view(&params[slots.recurrent.clone()], u, g4),
        &mut buf.rec_t,
    );
    let rec_t = view(&buf.rec_t, g4, u);
    let one = F::one();
    buf.d_cell[..batch * u]
        .iter_mut()
        .for_each(|v| *v = F::zero());

    for t in (0..steps).rev() {
        let (r0, r1) = (t * batch, (t + 1) * batch);
        if t + 1 < steps {
            // dL/dh_t += dz_{t+1} · U^T  (h_t feeds step t+1 through U)
            let dz_next = view(&buf.d_gates[r1 * g4..], batch, g4);
            let mut dh_t = view_mut(&mut buf.d_hidden[r0 * u..], batch, u);
            gemm(dz_next, rec_t, one, &mut dh_t);
        }
        for r in r0..r1 {
            let s = r - r0;
            let z = &buf.gates[r * g4..(r + 1) * g4];
            let (i, f, g, o) = (&z[..u], &z[u..2 * u], &z[2 * u..3 * u], &z[3 * u..]);
            let tc = &buf.tanh_cell[r * u..(r + 1) * u];
            let dh = &buf.d_hidden[r * u..(r + 1) * u];
            let dc_carry = &mut buf.d_cell[s * u..(s + 1) * u];
            let dz = &mut buf.d_gates[r * g4..(r + 1) * g4];
            let (dzi, rest) = dz.split_at_mut(u);
            let (dzf, rest) = rest.split_at_mut(u);
            let (dzg, dzo) = rest.split_at_mut(u);
            let c_prev = if t > 0 {
                &buf.cell[(r - batch) * u..(r - batch + 1) * u]
            } else {
                &buf.zeros[..u]
            };
            for j in 0..u {
                let dc = dc_carry[j] + dh[j] * o[j] * (one - tc[j] * tc[j]);
                dzo[j] = dh[j] * tc[j] * o[j] * (one - o[j]);
                dzi[j] = dc * g[j] * i[j] * (one - i[j]);
                dzf[j] = dc * c_prev[j] * f[j] * (one - f[j]);
                dzg[j] = dc * i[j] * (one - g[j] * g[j]);
                dc_carry[j] = dc * f[j];
            }
        }
    }

    let dz_all = view(&buf.d_gates, rows, g4);
    // dW = Σ_t x_t^T · dz_t: one GEMM over the time-major rows.
    gemm(
        x.t(),
        dz_all,
        F::zero(),
        &mut view_mut(&mut grads[slots.kernel.clone()], slots.input, g4),
    );
    // dU = Σ_{t>=1} h_{t-1}^T · dz_t (h_{-1} = 0): hidden rows 0..T-1 against dz rows 1..T.
    let mut d_rec = view_mut(&mut grads[slots.recurrent.clone()], u, g4);
    if steps > 1 {
        let h_prev = view(&buf.hidden, rows - batch, u);
        let dz_later = view(&buf.d_gates[batch * g4..], rows - batch, g4);
        gemm(h_prev.t(), dz_later, F::zero(), &mut d_rec);
    } else {
        d_rec.fill(F::zero());
    }
    column_sums(dz_all, &mut grads[slots.bias.clone()]);
    if let Some(dx) = dx {
        let w = view(&params[slots.kernel.clone()], slots.input, g4);
        gemm(
            dz_all,
            w.t(),
            F::zero(),
            &mut view_mut(dx, rows, slots.input),
        );
    }
}
