//! Engine-level checks: hand-derived forward values, gradients against finite differences,
//! batch independence.

use ndarray::{Array2, Array3};

use super::rng::{Rng, Stream};
use super::{LayerSlots, Loss, Network, NetworkShape, Workspace};

/// LSTM(1 unit) → Dense(1) on x = [1, 2] with hand-set weights, in f64 and f32.
///
/// W = [0.5, 0.5, 0.5, 0.5] (i, f, g, o), U = [0.1, 0.2, 0.3, 0.4], b = [0, 1, 0, 0],
/// head: y = 2·h_1 + 0.5.
///
/// ```text
/// t=0: z = 1·W + b            = [0.5, 1.5, 0.5, 0.5]
///      i = σ(0.5) = 0.6224593, f = σ(1.5) = 0.8175745, g = tanh(0.5) = 0.4621172, o = 0.6224593
///      c0 = i·g = 0.2876491          h0 = o·tanh(c0) = 0.6224593 · 0.2799680 = 0.1742697
/// t=1: z = 2·W + h0·U + b     = [1 + 0.0174270, 2 + 0.0348539, 1 + 0.0522809, 1 + 0.0697079]
///      i = σ(1.0174270) = 0.7344711, f = σ(2.0348539) = 0.8844082
///      g = tanh(1.0522809) = 0.7826915, o = σ(1.0697079) = 0.7445414
///      c1 = f·c0 + i·g = 0.2543993 + 0.5748643 = 0.8292636
///      h1 = o·tanh(c1) = 0.7445414 · 0.6800814 = 0.5063480
/// y = 2·0.5063480 + 0.5 = 1.5126960
/// ```
#[test]
fn forward_of_a_one_unit_lstm_matches_hand_derivation() {
    fn build<F: super::Real>() -> Network<F> {
        let shape = NetworkShape::lstm(1, vec![1], 1);
        let mut net = Network::<F>::zeros(shape);
        let l = net.lstm_slots()[0].clone();
        let h = net.head_slots().clone();
        let set = |p: &mut Vec<F>, r: std::ops::Range<usize>, v: &[f64]| {
            for (d, &s) in p[r].iter_mut().zip(v) {
                *d = F::of(s);
            }
        };
        set(&mut net.params, l.kernel, &[0.5, 0.5, 0.5, 0.5]);
        set(&mut net.params, l.recurrent, &[0.1, 0.2, 0.3, 0.4]);
        set(&mut net.params, l.bias, &[0.0, 1.0, 0.0, 0.0]);
        set(&mut net.params, h.kernel, &[2.0]);
        set(&mut net.params, h.bias, &[0.5]);
        net
    }
    let x64 = Array3::from_shape_vec((1, 2, 1), vec![1.0f64, 2.0]).unwrap();
    let y64 = build::<f64>().predict(x64.view())[[0, 0]];
    assert!((y64 - 1.512_696_0).abs() < 1e-7, "f64: {y64}");
    let x32 = x64.mapv(|v| v as f32);
    let y32 = build::<f32>().predict(x32.view())[[0, 0]];
    assert!((y32 as f64 - 1.512_696_0).abs() < 2e-6, "f32: {y32}");
}

/// Two independent units: the same single-unit weights placed on the diagonal give each unit
/// the hand-derived h1 = 0.5063480 above, and a head summing them gives 2·h1.
#[test]
fn two_units_with_block_diagonal_weights_reproduce_the_single_unit() {
    let shape = NetworkShape::lstm(1, vec![2], 1);
    let mut net = Network::<f64>::zeros(shape);
    let l = net.lstm_slots()[0].clone();
    let h = net.head_slots().clone();
    // Kernel [1, 8]: column block k holds gate k for units 0 and 1.
    let w = &mut net.params[l.kernel];
    w.copy_from_slice(&[0.5; 8]);
    // Recurrent [2, 8]: unit j only feeds itself (row j, column k·2 + j).
    let u = [0.1, 0.2, 0.3, 0.4];
    for (k, &uk) in u.iter().enumerate() {
        for j in 0..2 {
            net.params[l.recurrent.start + j * 8 + k * 2 + j] = uk;
        }
    }
    net.params[l.bias.start + 2] = 1.0; // forget gate of unit 0
    net.params[l.bias.start + 3] = 1.0; // forget gate of unit 1
    net.params[h.kernel].copy_from_slice(&[1.0, 1.0]);
    let x = Array3::from_shape_vec((1, 2, 1), vec![1.0, 2.0]).unwrap();
    let y = net.predict(x.view())[[0, 0]];
    assert!((y - 2.0 * 0.506_348_0).abs() < 1e-7, "{y}");
}

/// GRU(1 unit) → Dense(1) on x = [1, 2] with hand-set weights, in f64 and f32. Both biases
/// are non-zero and differ, so putting rb outside the reset product (reset_after = false)
/// or swapping the two would change the value.
///
/// W = [0.5, -0.5, 0.4] (z, r, h), U = [0.3, 0.2, -0.6], b = [0, 0, 0.1], rb = [0.1, 0.2, 0.3],
/// head: y = 2·h_1 + 0.5.
///
/// ```text
/// t=0: h_{-1} = 0, so q = rb = [0.1, 0.2, 0.3];  a = 1·W + b = [0.5, -0.5, 0.5]
///      z = σ(0.5 + 0.1) = 0.6456563     r = σ(-0.5 + 0.2) = 0.4255575
///      n = tanh(0.5 + r·0.3) = tanh(0.6276672) = 0.5564438
///      h0 = z·0 + (1 - z)·n = 0.3543437 · 0.5564438 = 0.1971724
/// t=1: q = h0·U + rb = [0.1591517, 0.2394345, 0.1816966];  a = 2·W + b = [1.0, -1.0, 0.9]
///      z = σ(1.1591517) = 0.7611785     r = σ(-0.7605655) = 0.3185235
///      n = tanh(0.9 + r·0.1816966) = tanh(0.9578746) = 0.7433273
///      h1 = z·h0 + (1 - z)·n = 0.1500834 + 0.1775225 = 0.3276059
/// y = 2·0.3276059 + 0.5 = 1.1552118
/// ```
#[test]
fn forward_of_a_one_unit_gru_matches_hand_derivation() {
    fn build<F: super::Real>() -> Network<F> {
        let mut net = Network::<F>::zeros(NetworkShape::gru(1, vec![1], 1));
        assert!(net.lstm_slots().is_empty());
        let l = net.gru_slots()[0].clone();
        let h = net.head_slots().clone();
        let set = |p: &mut Vec<F>, r: std::ops::Range<usize>, v: &[f64]| {
            assert_eq!(r.len(), v.len());
            for (d, &s) in p[r].iter_mut().zip(v) {
                *d = F::of(s);
            }
        };
        set(&mut net.params, l.kernel, &[0.5, -0.5, 0.4]);
        set(&mut net.params, l.recurrent, &[0.3, 0.2, -0.6]);
        set(&mut net.params, l.bias, &[0.0, 0.0, 0.1]);
        set(&mut net.params, l.recurrent_bias, &[0.1, 0.2, 0.3]);
        set(&mut net.params, h.kernel, &[2.0]);
        set(&mut net.params, h.bias, &[0.5]);
        // 3 + 3 + 3 + 3 GRU values and 2 head values: the layout holds nothing else.
        assert_eq!(net.params.len(), 14);
        net
    }
    let x64 = Array3::from_shape_vec((1, 2, 1), vec![1.0f64, 2.0]).unwrap();
    let y64 = build::<f64>().predict(x64.view())[[0, 0]];
    assert!((y64 - 1.155_211_8).abs() < 1e-7, "f64: {y64}");
    let x32 = x64.mapv(|v| v as f32);
    let y32 = build::<f32>().predict(x32.view())[[0, 0]];
    assert!((y32 as f64 - 1.155_211_8).abs() < 2e-6, "f32: {y32}");
}

/// A random network with every parameter non-zero (the Keras init has zero biases, which
/// would hide a bias term's bug in the input gradient).
fn random_network(shape: NetworkShape, seed: u64) -> Network<f64> {
    let mut net = Network::<f64>::init(shape, seed);
    let mut rng = Rng::new(seed + 100, Stream::Noise);
    for p in net.params.iter_mut() {
        *p += 0.3 * rng.normal();
    }
    net
}

fn random_array(dims: &[usize], seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed, Stream::Noise);
    (0..dims.iter().product()).map(|_| rng.normal()).collect()
}

struct GradCheck {
    worst_per_tensor: Vec<(String, f64)>,
}

impl GradCheck {
    fn worst(&self) -> f64 {
        self.worst_per_tensor
            .iter()
            .map(|(_, e)| *e)
            .fold(0.0, f64::max)
    }
}

/// Analytic gradients of every tensor and of the input against central differences.
/// Relative error |a - n| / max(|a|, |n|, 1e-6): the floor keeps gradients that are zero up
/// to rounding from producing meaningless ratios.
fn gradient_check(loss: Loss) -> GradCheck {
    gradient_check_of(NetworkShape::lstm(2, vec![5, 4], 3), loss)
}

/// The check on data [b = 3, T = 6, shape.input] → [b, shape.horizon].
fn gradient_check_of(shape: NetworkShape, loss: Loss) -> GradCheck {
    let (batch, steps, features, horizon) = (3, 6, shape.input, shape.horizon);
    let mut net = random_network(shape.clone(), 11);
    let x = Array3::from_shape_vec(
        (batch, steps, features),
        random_array(&[batch, steps, features], 1),
    )
    .unwrap();
    let y = Array2::from_shape_vec((batch, horizon), random_array(&[batch, horizon], 2)).unwrap();
    let y = y.as_slice().unwrap().to_vec();
    let idx: Vec<usize> = (0..batch).collect();
    let mut ws = Workspace::new(&shape, steps, batch);

    ws.load(x.view(), &idx);
    let pred = net.forward(&mut ws).to_vec();
    let mut d_out = vec![0.0; pred.len()];
    loss.value_and_grad(&pred, &y, &mut d_out);
    let mut grads = vec![0.0; net.params.len()];
    net.backward(&mut ws, &d_out, &mut grads, true);
    let d_input = ws.input_gradient().to_vec();

    let eps = 1e-6;
    let rel = |a: f64, n: f64| (a - n).abs() / a.abs().max(n.abs()).max(1e-6);
    let mut tensors: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for (l, layer) in net.layer_slots().iter().enumerate() {
        match layer {
            LayerSlots::Lstm(s) => {
                tensors.push((format!("lstm{l}.kernel"), s.kernel.clone()));
                tensors.push((format!("lstm{l}.recurrent"), s.recurrent.clone()));
                tensors.push((format!("lstm{l}.bias"), s.bias.clone()));
            }
            LayerSlots::Gru(s) => {
                tensors.push((format!("gru{l}.kernel"), s.kernel.clone()));
                tensors.push((format!("gru{l}.recurrent"), s.recurrent.clone()));
                tensors.push((format!("gru{l}.bias"), s.bias.clone()));
                tensors.push((format!("gru{l}.recurrent_bias"), s.recurrent_bias.clone()));
            }
        }
    }
    tensors.push(("dense.kernel".into(), net.head_slots().kernel.clone()));
    tensors.push(("dense.bias".into(), net.head_slots().bias.clone()));
    if let Some(s) = net.skip_slots() {
        tensors.push(("skip.kernel".into(), s.kernel.clone()));
    }

    let mut report = Vec::new();
    for (name, range) in tensors {
        let mut worst = 0.0f64;
        for k in range {
            let orig = net.params[k];
            net.params[k] = orig + eps;
            ws.load(x.view(), &idx);
            let up = loss.value(net.forward(&mut ws), &y);
            net.params[k] = orig - eps;
            ws.load(x.view(), &idx);
            let down = loss.value(net.forward(&mut ws), &y);
            net.params[k] = orig;
            worst = worst.max(rel(grads[k], (up - down) / (2.0 * eps)));
        }
        report.push((name, worst));
    }
    // Input gradient: perturb x[s, t, k]; the workspace holds it time-major at
    // (t·b + s)·features + k.
    let mut worst = 0.0f64;
    for s in 0..batch {
        for t in 0..steps {
            for k in 0..features {
                let mut xp = x.clone();
                xp[[s, t, k]] += eps;
                ws.load(xp.view(), &idx);
                let up = loss.value(net.forward(&mut ws), &y);
                xp[[s, t, k]] -= 2.0 * eps;
                ws.load(xp.view(), &idx);
                let down = loss.value(net.forward(&mut ws), &y);
                let analytic = d_input[(t * batch + s) * features + k];
                worst = worst.max(rel(analytic, (up - down) / (2.0 * eps)));
            }
        }
    }
    report.push(("input".into(), worst));
    GradCheck {
        worst_per_tensor: report,
    }
}

#[test]
fn gradients_match_finite_differences_with_mse() {
    let check = gradient_check(Loss::Mse);
    assert!(check.worst() < 1e-3, "{:?}", check.worst_per_tensor);
    // Every tensor was checked (3 per layer × 2 layers, the head's 2, the input).
    assert_eq!(check.worst_per_tensor.len(), 9);
}

#[test]
fn gradients_match_finite_differences_with_huber() {
    let check = gradient_check(Loss::Huber { delta: 0.5 });
    assert!(check.worst() < 1e-3, "{:?}", check.worst_per_tensor);
}

#[test]
fn gradients_match_finite_differences_with_mae() {
    let check = gradient_check(Loss::Mae);
    assert!(check.worst() < 1e-3, "{:?}", check.worst_per_tensor);
}

#[test]
fn gru_gradients_match_finite_differences_with_mse() {
    let check = gradient_check_of(NetworkShape::gru(2, vec![5, 4], 3), Loss::Mse);
    eprintln!("GRU, MSE: {:?}", check.worst_per_tensor);
    assert!(check.worst() < 1e-3, "{:?}", check.worst_per_tensor);
    // Every tensor was checked (4 per layer × 2 layers, the head's 2, the input).
    assert_eq!(check.worst_per_tensor.len(), 11);
}

#[test]
fn gru_gradients_match_finite_differences_with_huber() {
    let check = gradient_check_of(
        NetworkShape::gru(2, vec![5, 4], 3),
        Loss::Huber { delta: 0.5 },
    );
    eprintln!("GRU, Huber: {:?}", check.worst_per_tensor);
    assert!(check.worst() < 1e-3, "{:?}", check.worst_per_tensor);
}

/// The same gradients in f32, where every product goes through [`super::kernel`] (f64 runs
/// matrixmultiply): on the tutorial's shapes and on odd ones whose tiles all have edges, for
/// both cells with a linear skip. Each tensor within 1e-4 of its largest f64 gradient.
#[test]
fn f32_gradients_through_the_kernel_match_the_f64_ones() {
    // (cell, input, units, batch, steps)
    let cases = [
        (super::Cell::Lstm, 1, vec![50, 50], 32, 10),
        (super::Cell::Lstm, 3, vec![5, 7], 3, 6),
        (super::Cell::Gru, 1, vec![50, 50], 32, 10),
        (super::Cell::Gru, 2, vec![9, 4], 5, 4),
    ];
    for (cell, input, units, batch, steps) in cases {
        let shape = NetworkShape {
            cell,
            ..NetworkShape::lstm(input, units.clone(), 2)
        }
        .with_linear_skip(steps);
        let net64 = random_network(shape.clone(), 21);
        let params32 = net64.params.iter().map(|&p| p as f32).collect();
        let net32 = Network::<f32>::from_params(shape.clone(), params32).unwrap();
        let x = random_array(&[batch, steps, input], 3);
        let y = random_array(&[batch, 2], 4);
        let x64 = Array3::from_shape_vec((batch, steps, input), x).unwrap();
        let x32 = x64.mapv(|v| v as f32);
        let idx: Vec<usize> = (0..batch).collect();

        let mut ws64 = Workspace::new(&shape, steps, batch);
        ws64.load(x64.view(), &idx);
        let pred64 = net64.forward(&mut ws64).to_vec();
        let mut d64 = vec![0.0; pred64.len()];
        Loss::Mse.value_and_grad(&pred64, &y, &mut d64);
        let mut g64 = vec![0.0; net64.params.len()];
        net64.backward(&mut ws64, &d64, &mut g64, true);

        let mut ws32 = Workspace::new(&shape, steps, batch);
        ws32.load(x32.view(), &idx);
        let pred32 = net32.forward(&mut ws32).to_vec();
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let mut d32 = vec![0.0; pred32.len()];
        Loss::Mse.value_and_grad(&pred32, &y32, &mut d32);
        let mut g32 = vec![0.0; net32.params.len()];
        net32.backward(&mut ws32, &d32, &mut g32, true);

        let what = format!("{cell:?} {units:?} batch {batch}");
        for (p32, p64) in pred32.iter().zip(&pred64) {
            assert!(
                (*p32 as f64 - p64).abs() < 1e-5,
                "{what}: prediction {p32} vs {p64}"
            );
        }
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for layer in net64.layer_slots() {
            match layer {
                LayerSlots::Lstm(s) => {
                    ranges.extend([s.kernel.clone(), s.recurrent.clone(), s.bias.clone()])
                }
                LayerSlots::Gru(s) => ranges.extend([
                    s.kernel.clone(),
                    s.recurrent.clone(),
                    s.bias.clone(),
                    s.recurrent_bias.clone(),
                ]),
            }
        }
        ranges.extend([
            net64.head_slots().kernel.clone(),
            net64.head_slots().bias.clone(),
        ]);
        ranges.push(net64.skip_slots().unwrap().kernel.clone());
        let slices: Vec<(&[f32], &[f64])> = ranges
            .into_iter()
            .map(|r| (&g32[r.clone()], &g64[r]))
            .chain(std::iter::once((
                ws32.input_gradient(),
                ws64.input_gradient(),
            )))
            .collect();
        for (t, (a, b)) in slices.into_iter().enumerate() {
            let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = a
                .iter()
                .zip(b)
                .fold(0.0f64, |m, (x, y)| m.max((*x as f64 - y).abs()));
            assert!(
                worst <= 1e-4 * scale,
                "{what}: tensor {t}: off by {worst:e}, largest {scale:e}"
            );
        }
    }
}

/// The linear skip's gradient (and its part of the input gradient) for both cells and
/// horizons 1 and 3, reading the whole window (6 steps) or its last 4 steps.
#[test]
fn linear_skip_gradients_match_finite_differences() {
    // (cell, tensors per recurrent layer)
    for (cell, per_layer) in [(super::Cell::Lstm, 3), (super::Cell::Gru, 4)] {
        for (horizon, lookback) in [(1, 6), (3, 6), (3, 4), (1, 1)] {
            let shape = NetworkShape {
                cell,
                ..NetworkShape::lstm(2, vec![5, 4], horizon)
            }
            .with_linear_skip(lookback);
            for loss in [Loss::Mse, Loss::Huber { delta: 0.5 }] {
                let check = gradient_check_of(shape.clone(), loss);
                let what = format!("{cell:?}, horizon {horizon}, lookback {lookback}, {loss:?}");
                eprintln!("{what}: {:?}", check.worst_per_tensor);
                assert!(check.worst() < 1e-3, "{what}: {:?}", check.worst_per_tensor);
                // every tensor of the recurrent layers and the head, the skip, the input
                assert_eq!(
                    check.worst_per_tensor.len(),
                    2 * per_layer + 2 + 1 + 1,
                    "{what}"
                );
                assert!(check
                    .worst_per_tensor
                    .iter()
                    .any(|(n, _)| n == "skip.kernel"));
            }
        }
    }
}

/// Without the skip the layout, the draws and so the results are those of before it
/// existed; with it the same parameters come first, the skip's [horizon, lookback·input]
/// kernel last, initialised to zero: at initialisation it predicts what the network
/// without it predicts.
#[test]
fn the_linear_skip_appends_a_zero_kernel_and_changes_nothing_else() {
    for plain in [
        NetworkShape::lstm(2, vec![5, 4], 3),
        NetworkShape::gru(2, vec![5], 1),
    ] {
        let with = plain.clone().with_linear_skip(4);
        let a = Network::<f32>::init(plain.clone(), 9);
        let b = Network::<f32>::init(with, 9);
        assert!(a.skip_slots().is_none());
        let skip = b.skip_slots().unwrap().clone();
        assert_eq!(
            skip.kernel,
            a.params.len()..a.params.len() + plain.horizon * 4 * 2
        );
        assert_eq!(b.params.len(), a.params.len() + plain.horizon * 4 * 2);
        assert_eq!(&b.params[..a.params.len()], &a.params[..]);
        assert!(b.params[skip.kernel].iter().all(|&w| w == 0.0));
        let x = Array3::from_shape_vec((5, 6, 2), random_array(&[5, 6, 2], 4))
            .unwrap()
            .mapv(|v| v as f32);
        assert_eq!(a.predict(x.view()), b.predict(x.view()));
    }
}

/// The skip by hand on a network whose recurrent layer and head kernel are zero (so the
/// head outputs its bias): 2 features, a window of 4 steps of which the skip reads the
/// last 3, horizon 2.
///
/// ```text
/// x (steps × features) = [[9, 9], [1, 2], [3, 4], [5, 6]]   (step 0 is not read)
/// W row 0 = [1, 0, 0, 0, 0, 0]     → x[1, 0]            = 1
/// W row 1 = [0, 0, 0, 1, 0.5, -1]  → x[2, 1] + 0.5·x[3, 0] - x[3, 1] = 4 + 2.5 - 6 = 0.5
/// y = bias + W · vec(x[1..4]) = [0.25 + 1, -1 + 0.5] = [1.25, -0.5]
/// ```
#[test]
fn the_linear_skip_adds_w_times_the_flattened_window_to_the_head() {
    let mut net = Network::<f64>::zeros(NetworkShape::lstm(2, vec![3], 2).with_linear_skip(3));
    let head = net.head_slots().clone();
    net.params[head.bias].copy_from_slice(&[0.25, -1.0]);
    let skip = net.skip_slots().unwrap().clone();
    assert_eq!((skip.output, skip.width()), (2, 6));
    net.params[skip.kernel].copy_from_slice(&[
        1.0, 0.0, 0.0, 0.0, 0.0, 0.0, //
        0.0, 0.0, 0.0, 1.0, 0.5, -1.0,
    ]);
    let x =
        Array3::from_shape_vec((1, 4, 2), vec![9.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let y = net.predict(x.view());
    assert!((y[[0, 0]] - 1.25).abs() < 1e-12, "{y}");
    assert!((y[[0, 1]] + 0.5).abs() < 1e-12, "{y}");
}

#[test]
#[should_panic(expected = "the linear skip reads the last 5 steps, the sequences have 4")]
fn a_window_shorter_than_the_skip_is_refused() {
    let net = Network::<f32>::init(NetworkShape::lstm(1, vec![2], 1).with_linear_skip(5), 1);
    net.predict(Array3::zeros((1, 4, 1)).view());
}

/// A sample's prediction must not depend on which other samples share its batch, nor on the
/// chunking inside `predict` (300 samples cross its 256-sample chunk boundary).
#[test]
fn predictions_are_independent_of_batch_composition() {
    assert_batch_independent(NetworkShape::lstm(1, vec![6, 3], 2));
}

#[test]
fn gru_predictions_are_independent_of_batch_composition() {
    assert_batch_independent(NetworkShape::gru(1, vec![6, 3], 2));
}

#[test]
fn predictions_with_a_linear_skip_are_independent_of_batch_composition() {
    assert_batch_independent(NetworkShape::lstm(1, vec![6, 3], 2).with_linear_skip(7));
    assert_batch_independent(NetworkShape::gru(1, vec![4], 1).with_linear_skip(3));
}

fn assert_batch_independent(shape: NetworkShape) {
    let mut net = Network::<f32>::init(shape, 5);
    // The skip starts at zero: give it weights that count.
    if let Some(s) = net.skip_slots().cloned() {
        let w = random_array(&[s.kernel.len()], 6);
        for (p, v) in net.params[s.kernel].iter_mut().zip(w) {
            *p = v as f32;
        }
    }
    let n = 300;
    let x = Array3::from_shape_vec((n, 7, 1), random_array(&[n, 7, 1], 9))
        .unwrap()
        .mapv(|v| v as f32);
    let all = net.predict(x.view());
    for s in [0, 1, 255, 256, 299] {
        let one = net.predict(x.slice(ndarray::s![s..s + 1, .., ..]));
        assert_eq!(one.row(0), all.row(s), "sample {s}");
    }
}

#[test]
fn named_tensors_tile_the_parameters_with_keras_names_and_shapes() {
    let net = Network::<f32>::init(NetworkShape::lstm(1, vec![3, 2], 4).with_linear_skip(5), 1);
    let t = net.tensors();
    let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "lstm/kernel",
            "lstm/recurrent_kernel",
            "lstm/bias",
            "lstm_1/kernel",
            "lstm_1/recurrent_kernel",
            "lstm_1/bias",
            "dense/kernel",
            "dense/bias",
            "linear_skip/kernel"
        ]
    );
    let dims: Vec<Vec<usize>> = t.iter().map(|t| t.dims.clone()).collect();
    assert_eq!(
        dims,
        [
            vec![1, 12],
            vec![3, 12],
            vec![12],
            vec![3, 8],
            vec![2, 8],
            vec![8],
            vec![2, 4],
            vec![4],
            vec![4, 5]
        ]
    );
    // consecutive, covering every parameter, each as long as its shape
    let mut next = 0;
    for slot in &t {
        assert_eq!(slot.range.start, next, "{}", slot.name);
        assert_eq!(slot.range.len(), slot.dims.iter().product::<usize>());
        next = slot.range.end;
    }
    assert_eq!(next, net.params.len());

    let gru = Network::<f32>::init(NetworkShape::gru(1, vec![4], 1), 1);
    let bias = gru
        .tensors()
        .into_iter()
        .find(|t| t.name == "gru/bias")
        .unwrap();
    assert_eq!(
        bias.dims,
        vec![2, 12],
        "Keras' reset_after bias: input row, recurrent row"
    );
}

#[test]
fn a_network_rebuilt_from_its_parameters_predicts_the_same_bits() {
    let shape = NetworkShape::gru(1, vec![5, 3], 2).with_linear_skip(4);
    let net = Network::<f32>::init(shape.clone(), 9);
    let copy = Network::from_params(shape.clone(), net.params.clone()).unwrap();
    let x = ndarray::Array3::from_shape_fn((7, 6, 1), |(i, t, _)| ((i * 6 + t) as f32).sin());
    assert_eq!(net.predict(x.view()), copy.predict(x.view()));
    let short = Network::<f32>::from_params(shape.clone(), vec![0.0; 3]).unwrap_err();
    assert!(short.contains("3 parameters given"), "{short}");
    let empty = NetworkShape {
        units: vec![],
        ..shape
    };
    assert!(Network::<f32>::from_params(empty, vec![]).is_err());
}
