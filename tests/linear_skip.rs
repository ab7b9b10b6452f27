//! `model.linear_skip`: the linear AR model is a special case of a network with the skip, a
//! short fit finds it on an AR series, and the real binary trains and identifies such runs.

mod common;

use common::{runner, scratch_dir, stderr, stdout, write};
use ndarray::{Array2, Array3};
use runner::eval::LinearAr;
use runner::nn::rng::{Rng, Stream};
use runner::nn::{Network, NetworkShape};
use runner::train::{fit, Dataset, FitConfig};

/// A noise-free AR(2) process driven by a small sinusoid:
/// `y_t = 1.5 y_{t-1} - 0.75 y_{t-2} + 0.1 sin(0.3 t)`. The sinusoid obeys a recurrence of
/// order 2 itself, so the series obeys one of order 4: a linear AR with a lookback of 4 or
/// more forecasts it exactly. Values stay within about ±0.6.
fn ar_series(points: usize) -> Vec<f64> {
    let mut y = vec![0.0; points];
    for t in 2..points {
        y[t] = 1.5 * y[t - 1] - 0.75 * y[t - 2] + 0.1 * (0.3 * t as f64).sin();
    }
    y
}

/// Every window of `values`: inputs [n, lookback, 1] and the next `horizon` values [n, horizon].
fn windows(values: &[f64], lookback: usize, horizon: usize) -> (Array3<f32>, Array2<f32>) {
    let n = values.len() - lookback - horizon + 1;
    let x = Array3::from_shape_fn((n, lookback, 1), |(i, t, _)| values[i + t] as f32);
    let y = Array2::from_shape_fn((n, horizon), |(i, h)| values[i + lookback + h] as f32);
    (x, y)
}

/// The iterated AR forecast `horizon` steps ahead is affine in the last `p` values:
/// `forecast[h] = c[h] + Σ_j a[h][j] · history[j]` (oldest first). Read off by forecasting
/// from the zero history (c) and from each unit history (c + a[·][j]).
fn affine_forecast(ar: &LinearAr, horizon: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = ar.coef.len();
    let c = ar.forecast(&vec![0.0; p], horizon);
    let a = (0..horizon)
        .map(|h| {
            (0..p)
                .map(|j| {
                    let mut unit = vec![0.0; p];
                    unit[j] = 1.0;
                    ar.forecast(&unit, horizon)[h] - c[h]
                })
                .collect()
        })
        .collect();
    (c, a)
}

/// With the head's kernel zeroed (the recurrent layers keep their random weights, which
/// then reach nothing), the head's bias set to the AR intercepts and the skip's kernel to
/// the AR coefficients, the network's prediction is the least-squares AR forecast (the
/// linear AR baseline of `eval`), iterated over the horizon, to 1e-5 in f32.
#[test]
fn the_ar_forecast_is_a_special_case_of_a_network_with_the_skip() {
    let values = ar_series(300);
    let lookback = 4;
    let ar = LinearAr::fit(&values[..240], lookback).unwrap();
    for horizon in [1, 3] {
        for plain in [
            NetworkShape::lstm(1, vec![6, 4], horizon),
            NetworkShape::gru(1, vec![5], horizon),
        ] {
            let mut net = Network::<f32>::init(plain.clone().with_linear_skip(lookback), 3);
            let head = net.head_slots().clone();
            let skip = net.skip_slots().unwrap().clone();
            let (c, a) = affine_forecast(&ar, horizon);
            net.params[head.kernel].iter_mut().for_each(|w| *w = 0.0);
            for (b, &ch) in net.params[head.bias].iter_mut().zip(&c) {
                *b = ch as f32;
            }
            // the kernel is row-major [horizon, lookback], oldest step first, like `a`
            let flat: Vec<f32> = a.iter().flatten().map(|&v| v as f32).collect();
            net.params[skip.kernel].copy_from_slice(&flat);

            let (x, _) = windows(&values, lookback, horizon);
            let predicted = net.predict(x.view());
            let mut worst = 0.0f64;
            for i in 0..x.dim().0 {
                let expected = ar.forecast(&values[i..i + lookback], horizon);
                for (h, e) in expected.iter().enumerate() {
                    worst = worst.max((predicted[[i, h]] as f64 - e).abs());
                }
            }
            assert!(worst < 1e-5, "{:?} horizon {horizon}: {worst}", plain.cell);
        }
    }
    // and the AR forecast is exact on this series: the special case is the right answer
    let (x, y) = windows(&values[240..], lookback, 1);
    for i in 0..x.dim().0 {
        let history: Vec<f64> = (0..lookback).map(|t| x[[i, t, 0]] as f64).collect();
        let f = ar.forecast(&history, 1)[0];
        assert!((f - y[[i, 0]] as f64).abs() < 1e-4, "window {i}: {f}");
    }
}

/// How the skip starts, for [`ar_fit`]: absent, as `Network::init` sets it (zero), or a
/// glorot-uniform draw (the alternative `Network::init` documents it measured against).
#[derive(Clone, Copy, Debug)]
enum Skip {
    Without,
    Zero,
    Glorot,
}

/// Test RMSEs of a short fit on the AR series (lookback 8, horizon 1, Adam), trained on the
/// windows of the first 300 points: on the windows of the last 100 points, and on the same
/// points at 3 times the amplitude. The series is noise-free and linear, so the scaled
/// points are another trajectory of the same process, which the AR(8) forecasts exactly;
/// they lie outside the range the network was trained on.
fn ar_fit(skip: Skip, seed: u64, units: Vec<usize>, epochs: usize, lr: f64) -> (f64, f64) {
    let values = ar_series(400);
    let lookback = 8;
    let (x, y) = windows(&values[..300], lookback, 1);
    let mut shape = NetworkShape::lstm(1, units, 1);
    if !matches!(skip, Skip::Without) {
        shape = shape.with_linear_skip(lookback);
    }
    let mut net = Network::<f32>::init(shape, seed);
    if let Skip::Glorot = skip {
        let kernel = net.skip_slots().unwrap().kernel.clone();
        let mut rng = Rng::new(seed, Stream::Noise);
        let w = runner::nn::init::glorot_uniform(lookback, 1, &mut rng);
        for (p, v) in net.params[kernel].iter_mut().zip(w) {
            *p = v as f32;
        }
    }
    let cfg = FitConfig {
        epochs,
        learning_rate: lr,
        seed,
        ..FitConfig::default()
    };
    let train = Dataset {
        x: x.view(),
        y: y.view(),
    };
    fit(&mut net, train, None, &cfg, &mut |_| {});
    let rmse = |scale: f64| {
        let part: Vec<f64> = values[300..].iter().map(|v| v * scale).collect();
        let (xt, yt) = windows(&part, lookback, 1);
        let p = net.predict(xt.view());
        let sq: f64 = p
            .iter()
            .zip(yt.iter())
            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
            .sum();
        (sq / p.len() as f64).sqrt()
    };
    (rmse(1.0), rmse(3.0))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Medians over seeds 1..=seeds of [`ar_fit`]'s two RMSEs, the seeds fitted in parallel.
fn ar_medians(skip: Skip, seeds: u64, units: &[usize], epochs: usize, lr: f64) -> (f64, f64) {
    let (inside, scaled): (Vec<f64>, Vec<f64>) = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=seeds)
            .map(|seed| scope.spawn(move || ar_fit(skip, seed, units.to_vec(), epochs, lr)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).unzip()
    });
    eprintln!("{skip:?} {units:?} {epochs} epochs lr {lr}: in range {inside:.4?}, x3 {scaled:.4?}");
    (median(inside), median(scaled))
}

/// LSTM(8), 30 epochs of Adam at 0.01, medians of 3 seeds. In the training range both fit
/// the smooth series well (measured: 0.0041 with the skip, 0.0071 without); at 3 times the
/// amplitude the network without the skip cannot follow (its output is bounded by its
/// tanh units: 0.32), while the one with it forecasts like the AR model it contains (0.042).
#[test]
fn a_short_fit_with_the_skip_extrapolates_an_ar_series_like_the_ar_model() {
    let (with_inside, with_scaled) = ar_medians(Skip::Zero, 3, &[8], 30, 0.01);
    let (without_inside, without_scaled) = ar_medians(Skip::Without, 3, &[8], 30, 0.01);
    assert!(with_inside < 0.01, "in range, with the skip: {with_inside}");
    assert!(
        with_inside <= without_inside,
        "in range: {with_inside} with the skip, {without_inside} without"
    );
    assert!(with_scaled < 0.1, "x3, with the skip: {with_scaled}");
    assert!(
        with_scaled < without_scaled / 4.0,
        "x3: {with_scaled} with the skip, {without_scaled} without"
    );
}

/// The measurement behind the skip's zero initialisation (`Network::init`): medians of 5
/// seeds without the skip, with it at zero and with a glorot-uniform draw, on the AR series.
/// `cargo test --release --test linear_skip -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check"]
fn measure_the_skip_initialisation() {
    for (units, epochs, lr) in [
        (&[8][..], 15, 0.01),
        (&[8], 30, 0.01),
        (&[8], 15, 0.001),
        (&[8], 50, 0.001),
        (&[50, 50], 5, 0.001),
    ] {
        for skip in [Skip::Without, Skip::Zero, Skip::Glorot] {
            let (inside, scaled) = ar_medians(skip, 5, units, epochs, lr);
            eprintln!("  median: in range {inside:.4}, x3 {scaled:.4}");
        }
    }
}

/// A small sine over two lookbacks: each run's skip reads its own lookback.
const SMALL: &str = r#"
name = "small"
seed = 3
[data]
kind = "sine"
points = 200
stop = 20.0
[model]
units = [4]
[train]
epochs = 3
[sweep]
window.lookback = [4, 6]
"#;

/// (run_id, test_rmse) of each run in `folder/runs.csv`, in order.
fn runs(folder: &std::path::Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(folder.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, rmse) = (col("run_id"), col("test_rmse"));
    lines
        .map(|line| {
            let row: Vec<&str> = line.split(',').collect();
            (row[id].to_string(), row[rmse].parse().unwrap())
        })
        .collect()
}

#[test]
fn runner_trains_with_the_skip_under_its_own_run_ids() {
    let dir = scratch_dir();
    let file = write(dir.path(), "small.toml", SMALL);
    let file = file.to_str().unwrap();
    let plain = runner(dir.path(), &["run", file, "--out", "plain", "-q"]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let skip = runner(
        dir.path(),
        &[
            "run",
            file,
            "--out",
            "skip",
            "-q",
            "--set",
            "model.linear_skip=true",
        ],
    );
    assert_eq!(skip.status.code(), Some(0), "{}", stderr(&skip));
    let plain = runs(&dir.path().join("plain"));
    let skip = runs(&dir.path().join("skip"));
    assert_eq!((plain.len(), skip.len()), (2, 2));
    for ((plain_id, plain_rmse), (skip_id, skip_rmse)) in plain.iter().zip(&skip) {
        assert!(skip_rmse.is_finite() && plain_rmse.is_finite());
        assert_ne!(skip_id, plain_id);
        assert_ne!(skip_rmse, plain_rmse, "the skip changes the fit");
    }
    // `false` is the default: the same runs, served from the plain folder's cache
    let off = runner(
        dir.path(),
        &[
            "run",
            file,
            "--out",
            "plain",
            "--set",
            "model.linear_skip=false",
        ],
    );
    assert!(
        stderr(&off).contains("(2 cached, 0 to run)"),
        "{}",
        stderr(&off)
    );

    // swept: a boolean column in runs.csv, and the same four runs as the two folders
    let both = runner(
        dir.path(),
        &[
            "run",
            file,
            "--out",
            "both",
            "-q",
            "--set",
            "sweep.model.linear_skip=[false, true]",
        ],
    );
    assert_eq!(both.status.code(), Some(0), "{}", stderr(&both));
    let text = std::fs::read_to_string(dir.path().join("both/runs.csv")).unwrap();
    assert!(
        text.lines().next().unwrap().contains("linear_skip"),
        "{text}"
    );
    let mut swept: Vec<String> = runs(&dir.path().join("both"))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut separate: Vec<String> = plain
        .iter()
        .chain(&skip)
        .map(|(id, _)| id.clone())
        .collect();
    swept.sort();
    separate.sort();
    assert_eq!(swept, separate);

    // validate prints the key with the model, and refuses a non-boolean
    let shown = runner(
        dir.path(),
        &["validate", file, "--set", "model.linear_skip=true"],
    );
    assert!(
        stdout(&shown).contains("[model]\ncell = \"lstm\"\nunits = [4]\nlinear_skip = true\n"),
        "{}",
        stdout(&shown)
    );
    let bad = runner(
        dir.path(),
        &["validate", file, "--set", "model.linear_skip=\"yes\""],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("`model.linear_skip` must be true or false, found string \"yes\""),
        "{}",
        stderr(&bad)
    );
}
