//! The forecaster: stacked recurrent layers, all LSTM or all GRU (each but the last returning
//! its whole sequence), followed by a Dense(horizon) head on the last layer's final output,
//! plus, optionally, a linear skip from the window's inputs to the output (see [`super::skip`]).
//!
//! All parameters live in one flat vector (`params`), each layer reading its tensors through
//! [`LstmSlots`] / [`GruSlots`] / [`DenseSlots`] / [`SkipSlots`]; gradients use the same
//! layout. The optimizer, gradient clipping, early-stopping snapshots and determinism checks
//! are then plain slice operations.

use ndarray::{Array2, ArrayView2, ArrayView3};
use serde::{Deserialize, Serialize};

use super::dense::{self, DenseSlots};
use super::gru::{self, GruBuffers, GruSlots};
use super::init;
use super::lstm::{self, LstmBuffers, LstmSlots};
use super::matrix::view;
use super::rng::{Rng, Stream};
use super::skip::{self, SkipSlots};
use super::Real;

/// The recurrent cell of every stacked layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    /// See [`super::lstm`].
    #[default]
    Lstm,
    /// Keras' default GRU (`reset_after = True`), see [`super::gru`].
    Gru,
}

/// What the user chooses: `units = [50, 50]` with horizon 1 and the LSTM cell is the
/// tutorial's LSTM(50, return_sequences) → LSTM(50) → Dense(1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkShape {
    /// Features per time step (1 for a univariate series).
    pub input: usize,
    /// Units of each stacked recurrent layer, bottom first. Non-empty, no zeros.
    pub units: Vec<usize>,
    /// Values predicted at once (outputs of the Dense head).
    pub horizon: usize,
    /// The cell of every recurrent layer (LSTM when absent, as before the field existed).
    #[serde(default)]
    pub cell: Cell,
    /// `Some(lookback)`: a linear skip from the last `lookback` steps of the window to the
    /// output, added to the head's (see [`super::skip`]). The window must then have at least
    /// `lookback` steps. `None` (when absent) is the network without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_skip: Option<usize>,
}

impl NetworkShape {
    /// Stacked LSTM layers of `units` → Dense(horizon).
    pub fn lstm(input: usize, units: Vec<usize>, horizon: usize) -> Self {
        NetworkShape {
            input,
            units,
            horizon,
            cell: Cell::Lstm,
            linear_skip: None,
        }
    }

    /// Stacked GRU layers of `units` → Dense(horizon).
    pub fn gru(input: usize, units: Vec<usize>, horizon: usize) -> Self {
        NetworkShape {
            cell: Cell::Gru,
            ..Self::lstm(input, units, horizon)
        }
    }

    /// Relative time to train on one window of `steps` steps, forward and backward: per step
    /// and recurrent layer, the gate matrix products (`gates · units · (input + units)`
    /// multiply-adds) and the gates' elementwise work, plus a fixed per-step cost; then the
    /// head and the skip. The constants are rough: small layers are dominated by the fixed
    /// cost (measured on airline and lynx, lookback 12 and 10: a 4-unit LSTM run trains in
    /// 0.66 of a 16-unit one's time; these constants give 0.66). Only ratios between runs are
    /// used, to start the longest first and to weigh progress.
    pub fn window_cost(&self, steps: usize) -> u64 {
        /// Elementwise work per gate value, in multiply-adds.
        const PER_GATE: usize = 16;
        /// Work of a step that does not grow with the layer (loops, slicing, copies).
        const PER_STEP: usize = 3072;
        let gates = match self.cell {
            Cell::Lstm => 4,
            Cell::Gru => 3,
        };
        let mut input = self.input;
        let mut per_step = PER_STEP;
        for &u in &self.units {
            per_step += gates * u * (input + u + PER_GATE);
            input = u;
        }
        let head = input * self.horizon + self.linear_skip.unwrap_or(0) * self.horizon;
        (steps * per_step + head) as u64
    }

    /// The same network with a linear skip from the window's last `lookback` steps.
    pub fn with_linear_skip(self, lookback: usize) -> Self {
        NetworkShape {
            linear_skip: Some(lookback),
            ..self
        }
    }
}

/// Where one recurrent layer's parameters sit, by cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerSlots {
    Lstm(LstmSlots),
    Gru(GruSlots),
}

impl LayerSlots {
    fn at(cell: Cell, offset: usize, input: usize, units: usize) -> (Self, usize) {
        match cell {
            Cell::Lstm => {
                let (s, end) = LstmSlots::at(offset, input, units);
                (LayerSlots::Lstm(s), end)
            }
            Cell::Gru => {
                let (s, end) = GruSlots::at(offset, input, units);
                (LayerSlots::Gru(s), end)
            }
        }
    }

    pub fn units(&self) -> usize {
        match self {
            LayerSlots::Lstm(s) => s.units,
            LayerSlots::Gru(s) => s.units,
        }
    }
}

/// One layer's forward cache and backward scratch, by cell.
enum LayerBuffers<F> {
    Lstm(LstmBuffers<F>),
    Gru(GruBuffers<F>),
}

impl<F: Real> LayerBuffers<F> {
    fn new(cell: Cell, units: usize, steps: usize, capacity: usize) -> Self {
        match cell {
            Cell::Lstm => LayerBuffers::Lstm(LstmBuffers::new(units, steps, capacity)),
            Cell::Gru => LayerBuffers::Gru(GruBuffers::new(units, steps, capacity)),
        }
    }

    /// Outputs h_t [T·b, u].
    fn hidden(&self) -> &[F] {
        match self {
            LayerBuffers::Lstm(b) => &b.hidden,
            LayerBuffers::Gru(b) => &b.hidden,
        }
    }

    /// `hidden` and `d_hidden` at once (the head reads one and writes the other).
    fn hidden_and_d_hidden(&mut self) -> (&[F], &mut [F]) {
        match self {
            LayerBuffers::Lstm(b) => (&b.hidden, &mut b.d_hidden),
            LayerBuffers::Gru(b) => (&b.hidden, &mut b.d_hidden),
        }
    }
}

/// One weight tensor of a network: its name, row-major dimensions and place in the flat
/// parameter vector (see [`Network::tensors`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSlot {
    /// `lstm/kernel`, `dense/bias`, ...
    pub name: String,
    /// Row-major dimensions.
    pub dims: Vec<usize>,
    /// Where its values sit in the network's `params`.
    pub range: std::ops::Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Network<F> {
    shape: NetworkShape,
    layers: Vec<LayerSlots>,
    head: DenseSlots,
    /// After the head, so that the layout of a network without it is unchanged.
    skip: Option<SkipSlots>,
    /// Every weight and bias, in the order of `layers`, `head`, then `skip`.
    pub params: Vec<F>,
}

/// Activations and gradient scratch of one batch, allocated once for the largest batch.
pub struct Workspace<F> {
    steps: usize,
    capacity: usize,
    /// Batch size of the last [`Workspace::load`].
    batch: usize,
    /// The batch's input sequences, time-major [T·b, input].
    input: Vec<F>,
    layers: Vec<LayerBuffers<F>>,
    /// Head output [b, horizon].
    out: Vec<F>,
    /// dL/dinput [T·b, input], filled by backward when asked for.
    d_input: Vec<F>,
}

impl<F: Real> Workspace<F> {
    pub fn new(shape: &NetworkShape, steps: usize, capacity: usize) -> Self {
        if let Some(lookback) = shape.linear_skip {
            assert!(
                steps >= lookback,
                "the linear skip reads the last {lookback} steps, the sequences have {steps}"
            );
        }
        Workspace {
            steps,
            capacity,
            batch: 0,
            input: vec![F::zero(); steps * capacity * shape.input],
            layers: shape
                .units
                .iter()
                .map(|&u| LayerBuffers::new(shape.cell, u, steps, capacity))
                .collect(),
            out: vec![F::zero(); capacity * shape.horizon],
            d_input: vec![F::zero(); steps * capacity * shape.input],
        }
    }

    /// Copies the samples `indices` of `x` [n, T, input] into the time-major input buffer.
    pub fn load(&mut self, x: ArrayView3<F>, indices: &[usize]) {
        let (_, steps, features) = x.dim();
        assert_eq!(
            steps, self.steps,
            "sequence length differs from the workspace's"
        );
        assert!(
            indices.len() <= self.capacity,
            "batch larger than the workspace"
        );
        let b = indices.len();
        for (s, &n) in indices.iter().enumerate() {
            for t in 0..steps {
                let dst = &mut self.input[(t * b + s) * features..(t * b + s + 1) * features];
                for (k, d) in dst.iter_mut().enumerate() {
                    *d = x[[n, t, k]];
                }
            }
        }
        self.batch = b;
    }

    /// Network output of the last forward pass, [b, horizon] row-major.
    pub fn output(&self) -> &[F] {
        &self.out[..self.batch * (self.out.len() / self.capacity)]
    }

    /// dL/dinput of the last backward pass that asked for it: time-major [T·b, input].
    pub fn input_gradient(&self) -> &[F] {
        let features = self.input.len() / (self.steps * self.capacity);
        &self.d_input[..self.steps * self.batch * features]
    }
}

impl<F: Real> Network<F> {
    /// Keras' initialisation: glorot-uniform input and Dense kernels, orthogonal recurrent
    /// kernels, zero biases except the LSTM forget gates' (1, Keras' `unit_forget_bias`).
    /// Draws, per layer bottom first: input kernel, recurrent kernel; then the head's kernel.
    ///
    /// The linear skip starts at zero and draws nothing, so a network with it starts as the
    /// same network without it (same draws, same predictions) and existing layouts and
    /// results are untouched. Zero rather than glorot-uniform: the skip is linear, so there
    /// is no symmetry to break (dL/dW = d_outᵀ · x is non-zero from the first step), while
    /// a glorot draw (limit sqrt(6 / (lookback + horizon)), 0.74 for a lookback of 10) is a
    /// random AR model as large as the coefficients to be found, which Adam (about one
    /// learning rate per weight per step) must first unlearn while its errors also drive the
    /// head and recurrent layers. Measured on a noise-free AR series (`tests/linear_skip.rs`,
    /// `measure_the_skip_initialisation`, medians of 5 seeds): zero had the lower test error
    /// in 9 of 10 settings (the tenth 0.0065 against 0.0063) and a much smaller spread over
    /// seeds, e.g. LSTM(8), Adam 1e-3, 15 epochs: 0.077 at zero, 0.169 glorot, 0.205 without
    /// the skip.
    pub fn init(shape: NetworkShape, seed: u64) -> Self {
        let mut net = Self::zeros(shape);
        let mut rng = Rng::new(seed, Stream::Init);
        let fill = |params: &mut [F], range: std::ops::Range<usize>, vals: Vec<f64>| {
            for (p, v) in params[range].iter_mut().zip(vals) {
                *p = F::of(v);
            }
        };
        for layer in &net.layers {
            match layer {
                LayerSlots::Lstm(slots) => {
                    let (i, u) = (slots.input, slots.units);
                    fill(
                        &mut net.params,
                        slots.kernel.clone(),
                        init::glorot_uniform(i, 4 * u, &mut rng),
                    );
                    fill(
                        &mut net.params,
                        slots.recurrent.clone(),
                        init::orthogonal(u, 4 * u, &mut rng),
                    );
                    let forget = slots.bias.start + u..slots.bias.start + 2 * u;
                    net.params[forget].iter_mut().for_each(|b| *b = F::one());
                }
                LayerSlots::Gru(slots) => {
                    let (i, u) = (slots.input, slots.units);
                    fill(
                        &mut net.params,
                        slots.kernel.clone(),
                        init::glorot_uniform(i, 3 * u, &mut rng),
                    );
                    fill(
                        &mut net.params,
                        slots.recurrent.clone(),
                        init::orthogonal(u, 3 * u, &mut rng),
                    );
                }
            }
        }
        let h = &net.head;
        let kernel = init::glorot_uniform(h.input, h.output, &mut rng);
        fill(&mut net.params, h.kernel.clone(), kernel);
        net
    }

    /// All parameters zero: the layout alone (for tests that set weights by hand).
    /// Layout: each recurrent layer bottom first, the head, then the linear skip if any.
    pub fn zeros(shape: NetworkShape) -> Self {
        assert!(
            shape.input > 0 && shape.horizon > 0,
            "empty input or horizon"
        );
        assert!(
            !shape.units.is_empty() && shape.units.iter().all(|&u| u > 0),
            "units must be non-empty and positive"
        );
        let mut offset = 0;
        let mut width = shape.input;
        let mut layers = Vec::with_capacity(shape.units.len());
        for &u in &shape.units {
            let (slots, end) = LayerSlots::at(shape.cell, offset, width, u);
            layers.push(slots);
            offset = end;
            width = u;
        }
        let (head, mut end) = DenseSlots::at(offset, width, shape.horizon);
        let skip = shape.linear_skip.map(|lookback| {
            assert!(lookback > 0, "the linear skip reads at least one step");
            let (slots, skip_end) = SkipSlots::at(end, shape.input, lookback, shape.horizon);
            end = skip_end;
            slots
        });
        Network {
            shape,
            layers,
            head,
            skip,
            params: vec![F::zero(); end],
        }
    }

    pub fn shape(&self) -> &NetworkShape {
        &self.shape
    }

    /// Whether `shape` describes a network ([`Self::zeros`] panics on one that does not):
    /// positive input and horizon, one or more positive widths, a skip of at least one step.
    /// For shapes that come from a file.
    pub fn check_shape(shape: &NetworkShape) -> Result<(), String> {
        if shape.input == 0 || shape.horizon == 0 {
            return Err(format!(
                "input {} and horizon {} must be positive",
                shape.input, shape.horizon
            ));
        }
        if shape.units.is_empty() || shape.units.contains(&0) {
            return Err(format!(
                "units {:?} must be one or more positive widths",
                shape.units
            ));
        }
        if shape.linear_skip == Some(0) {
            return Err("the linear skip must read at least one step".into());
        }
        Ok(())
    }

    /// A network of `shape` with the given parameters (in the layout of [`Self::zeros`]).
    /// Errors, instead of panicking, when the shape is not a network or `params` has the
    /// wrong length: both may come from a file.
    pub fn from_params(shape: NetworkShape, params: Vec<F>) -> Result<Self, String> {
        Self::check_shape(&shape)?;
        let mut net = Self::zeros(shape);
        if params.len() != net.params.len() {
            return Err(format!(
                "{} parameters given, the network has {}",
                params.len(),
                net.params.len()
            ));
        }
        net.params = params;
        Ok(net)
    }

    /// Every weight tensor with its Keras-style name, its row-major dimensions and where it
    /// sits in `params`, in layout order: per recurrent layer (`lstm`, `lstm_1`, ... or `gru`,
    /// `gru_1`, ...) `kernel` [input, G·units], `recurrent_kernel` [units, G·units] (G = 4
    /// gates i, f, g, o for the LSTM, 3 gates z, r, h for the GRU) and `bias` ([4·units] for
    /// the LSTM; [2, 3·units] for the GRU, input bias then recurrent bias, as Keras stores
    /// it); then `dense/kernel` [units, horizon] and `dense/bias` [horizon]; then, with a
    /// linear skip, `linear_skip/kernel` [horizon, lookback·input]. The ranges tile `params`.
    pub fn tensors(&self) -> Vec<TensorSlot> {
        let mut out = Vec::new();
        for (k, layer) in self.layers.iter().enumerate() {
            let base = match layer {
                LayerSlots::Lstm(_) => "lstm",
                LayerSlots::Gru(_) => "gru",
            };
            let name = match k {
                0 => base.to_string(),
                k => format!("{base}_{k}"),
            };
            let slot = |part: &str, dims: Vec<usize>, range: std::ops::Range<usize>| TensorSlot {
                name: format!("{name}/{part}"),
                dims,
                range,
            };
            // (input, units, gate width, kernel, recurrent kernel, bias dims, bias range)
            let (input, units, g, kernel, recurrent, bias_dims, bias) = match layer {
                LayerSlots::Lstm(s) => {
                    let g = 4 * s.units;
                    (
                        s.input,
                        s.units,
                        g,
                        &s.kernel,
                        &s.recurrent,
                        vec![g],
                        s.bias.clone(),
                    )
                }
                LayerSlots::Gru(s) => {
                    // bias and recurrent bias are adjacent: one [2, 3u] tensor, as in Keras.
                    debug_assert_eq!(s.bias.end, s.recurrent_bias.start);
                    let g = 3 * s.units;
                    let bias = s.bias.start..s.recurrent_bias.end;
                    (
                        s.input,
                        s.units,
                        g,
                        &s.kernel,
                        &s.recurrent,
                        vec![2, g],
                        bias,
                    )
                }
            };
            out.push(slot("kernel", vec![input, g], kernel.clone()));
            out.push(slot("recurrent_kernel", vec![units, g], recurrent.clone()));
            out.push(slot("bias", bias_dims, bias));
        }
        let h = &self.head;
        out.push(TensorSlot {
            name: "dense/kernel".into(),
            dims: vec![h.input, h.output],
            range: h.kernel.clone(),
        });
        out.push(TensorSlot {
            name: "dense/bias".into(),
            dims: vec![h.output],
            range: h.bias.clone(),
        });
        if let Some(s) = &self.skip {
            out.push(TensorSlot {
                name: "linear_skip/kernel".into(),
                dims: vec![s.output, s.width()],
                range: s.kernel.clone(),
            });
        }
        out
    }

    /// Every recurrent layer's slots, bottom first.
    pub fn layer_slots(&self) -> &[LayerSlots] {
        &self.layers
    }

    /// The LSTM layers' slots, bottom first (empty for a GRU network).
    pub fn lstm_slots(&self) -> Vec<&LstmSlots> {
        self.layers
            .iter()
            .filter_map(|l| match l {
                LayerSlots::Lstm(s) => Some(s),
                LayerSlots::Gru(_) => None,
            })
            .collect()
    }

    /// The GRU layers' slots, bottom first (empty for an LSTM network).
    pub fn gru_slots(&self) -> Vec<&GruSlots> {
        self.layers
            .iter()
            .filter_map(|l| match l {
                LayerSlots::Gru(s) => Some(s),
                LayerSlots::Lstm(_) => None,
            })
            .collect()
    }

    pub fn head_slots(&self) -> &DenseSlots {
        &self.head
    }

    /// The linear skip's slots, when the network has one.
    pub fn skip_slots(&self) -> Option<&SkipSlots> {
        self.skip.as_ref()
    }

    /// Forward pass of the batch loaded in `ws`; returns the predictions [b, horizon].
    pub fn forward<'w>(&self, ws: &'w mut Workspace<F>) -> &'w [F] {
        let (steps, b) = (ws.steps, ws.batch);
        for l in 0..self.layers.len() {
            let (below, rest) = ws.layers.split_at_mut(l);
            let x = match below.last() {
                None => view(&ws.input, steps * b, self.shape.input),
                Some(prev) => view(prev.hidden(), steps * b, self.layers[l - 1].units()),
            };
            match (&self.layers[l], &mut rest[0]) {
                (LayerSlots::Lstm(s), LayerBuffers::Lstm(buf)) => {
                    lstm::forward(s, &self.params, x, steps, b, buf)
                }
                (LayerSlots::Gru(s), LayerBuffers::Gru(buf)) => {
                    gru::forward(s, &self.params, x, steps, b, buf)
                }
                _ => panic!("workspace built for another cell than the network's"),
            }
        }
        let top = ws.layers.last().expect("at least one layer");
        let last = self.last_step(top, steps, b);
        dense::forward(&self.head, &self.params, last, &mut ws.out);
        if let Some(s) = &self.skip {
            skip::forward(s, &self.params, &ws.input, steps, b, &mut ws.out);
        }
        ws.output()
    }

    /// Backward pass after [`Network::forward`] on the same workspace.
    ///
    /// * `d_out`: dL/dprediction [b, horizon].
    /// * `grads`: receives dL/dparams, same layout as `params` (overwritten, no need to zero).
    /// * `want_input_gradient`: also compute dL/dinput (see [`Workspace::input_gradient`]).
    pub fn backward(
        &self,
        ws: &mut Workspace<F>,
        d_out: &[F],
        grads: &mut [F],
        want_input_gradient: bool,
    ) {
        let (steps, b) = (ws.steps, ws.batch);
        let n_layers = self.layers.len();
        let d_out_rows = view(d_out, b, self.shape.horizon);
        {
            // Only h_{T-1} of the top layer feeds the head: the other steps get no gradient
            // from above.
            let (hidden, d_hidden) = ws.layers[n_layers - 1].hidden_and_d_hidden();
            let u = self.head.input;
            d_hidden[..(steps - 1) * b * u]
                .iter_mut()
                .for_each(|v| *v = F::zero());
            let last = view(&hidden[(steps - 1) * b * u..], b, u);
            let d_last = &mut d_hidden[(steps - 1) * b * u..steps * b * u];
            dense::backward(&self.head, &self.params, last, d_out_rows, grads, d_last);
        }
        for l in (0..n_layers).rev() {
            let (below, rest) = ws.layers.split_at_mut(l);
            let (x, dx) = match below.last_mut() {
                Some(prev) => {
                    let units = self.layers[l - 1].units();
                    let (hidden, d_hidden) = prev.hidden_and_d_hidden();
                    (view(hidden, steps * b, units), Some(d_hidden))
                }
                None => {
                    let x = view(&ws.input, steps * b, self.shape.input);
                    (x, want_input_gradient.then_some(&mut ws.d_input[..]))
                }
            };
            match (&self.layers[l], &mut rest[0]) {
                (LayerSlots::Lstm(s), LayerBuffers::Lstm(buf)) => {
                    lstm::backward(s, &self.params, x, steps, b, buf, grads, dx)
                }
                (LayerSlots::Gru(s), LayerBuffers::Gru(buf)) => {
                    gru::backward(s, &self.params, x, steps, b, buf, grads, dx)
                }
                _ => panic!("workspace built for another cell than the network's"),
            }
        }
        // The skip's part of dL/dinput is added to the bottom layer's, written just above.
        if let Some(s) = &self.skip {
            let d_x = want_input_gradient.then_some(&mut ws.d_input[..]);
            skip::backward(s, &self.params, &ws.input, steps, b, d_out, grads, d_x);
        }
    }

    /// Predictions for every sample of `x` [n, T, input] → [n, horizon], in chunks of at
    /// most 256 samples through one workspace.
    pub fn predict(&self, x: ArrayView3<F>) -> Array2<F> {
        let (n, steps, _) = x.dim();
        let mut ws = Workspace::new(&self.shape, steps, n.clamp(1, 256));
        self.predict_with(&mut ws, x)
    }

    /// [`Self::predict`] through a workspace the caller keeps (built for `x`'s steps), in
    /// chunks of its capacity: for callers predicting again and again, such as a recursive
    /// forecast, which would otherwise allocate and zero a workspace per call. The same
    /// capacity gives the same bits as [`Self::predict`].
    pub fn predict_with(&self, ws: &mut Workspace<F>, x: ArrayView3<F>) -> Array2<F> {
        let n = x.dim().0;
        let chunk = ws.capacity;
        let h = self.shape.horizon;
        let mut out = Array2::zeros((n, h));
        let indices: Vec<usize> = (0..n).collect();
        for (c, idx) in indices.chunks(chunk).enumerate() {
            ws.load(x, idx);
            let pred = self.forward(ws);
            let dst = out.as_slice_mut().expect("fresh array is contiguous");
            dst[c * chunk * h..c * chunk * h + pred.len()].copy_from_slice(pred);
        }
        out
    }

    /// The top layer's output at the final step, [b, units].
    fn last_step<'a>(&self, top: &'a LayerBuffers<F>, steps: usize, b: usize) -> ArrayView2<'a, F> {
        let u = self.head.input;
        view(&top.hidden()[(steps - 1) * b * u..], b, u)
    }
}
