//! Training speed of the tutorial's model (LSTM(50) → LSTM(50) → Dense(1), 790 windows of
//! 10 steps, batch 32, Adam, MSE), against this machine's own GEMM rate on the same shapes.
//!
//! `cargo bench --bench train_speed` (add `-- --epochs 10 --repeats 1` for a quick look).
//!
//! Reports seconds per epoch and per 50 epochs, the achieved GFLOP/s (matrix FLOPs of forward
//! and backward actually performed), and the time the same sequence of matrix products takes
//! alone, measured in the same process: the ratio of the two is the fraction of the GEMM bound
//! reached, which travels between machines where absolute seconds do not.

use std::time::Instant;

use ndarray::linalg::general_mat_mul;
use ndarray::Array2;
use runner::data::tutorial::tutorial;
use runner::nn::{Network, NetworkShape};
use runner::train::{fit, Dataset, FitConfig};

const STEPS: usize = 10;
const UNITS: [usize; 2] = [50, 50];
const BATCH: usize = 32;

/// One matrix product of the training step: [m, k] · [k, n], with either operand transposed.
#[derive(Clone, Copy)]
struct Product {
    m: usize,
    k: usize,
    n: usize,
    a_transposed: bool,
    b_transposed: bool,
}

/// The products one training batch of `b` samples performs, mirroring `nn::lstm` and
/// `nn::dense` (the first step's recurrent product is skipped there since h_{-1} = 0).
fn batch_products(b: usize) -> Vec<Product> {
    let p = |m, k, n, a_transposed, b_transposed| Product {
        m,
        k,
        n,
        a_transposed,
        b_transposed,
    };
    let mut v = Vec::new();
    let mut input = 1;
    for (l, &u) in UNITS.iter().enumerate() {
        let g = 4 * u;
        v.push(p(STEPS * b, input, g, false, false)); // x · W, all steps
        for _ in 1..STEPS {
            v.push(p(b, u, g, false, false)); // h_{t-1} · U
        }
        for _ in 1..STEPS {
            v.push(p(b, g, u, false, true)); // dz_{t+1} · U^T
        }
        v.push(p(input, STEPS * b, g, true, false)); // dW = x^T · dz
        v.push(p(u, (STEPS - 1) * b, g, true, false)); // dU = h^T · dz
        if l > 0 {
            v.push(p(STEPS * b, g, input, false, true)); // dx = dz · W^T
        }
        input = u;
    }
    v.push(p(b, input, 1, false, false)); // head forward
    v.push(p(input, b, 1, true, false)); // dW_head
    v.push(p(b, 1, input, false, true)); // dh from the head
    v
}

fn epoch_products(n: usize) -> Vec<Product> {
    let mut all = Vec::new();
    let mut left = n;
    while left > 0 {
        let b = left.min(BATCH);
        all.extend(batch_products(b));
        left -= b;
    }
    all
}

fn flops(products: &[Product]) -> f64 {
    products
        .iter()
        .map(|p| 2.0 * (p.m * p.k * p.n) as f64)
        .sum()
}

/// Runs the products alone on preallocated operands; returns the best seconds of `repeats`.
fn time_products(products: &[Product], repeats: usize) -> f64 {
    let biggest = products
        .iter()
        .map(|p| p.m.max(p.k).max(p.n))
        .max()
        .unwrap();
    let a = Array2::<f32>::from_elem((biggest, biggest), 0.5);
    let b = Array2::<f32>::from_elem((biggest, biggest), 0.25);
    let mut c = Array2::<f32>::zeros((biggest, biggest));
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let start = Instant::now();
        for p in products {
            use ndarray::s;
            let av = if p.a_transposed {
                a.slice(s![..p.k, ..p.m]).reversed_axes()
            } else {
                a.slice(s![..p.m, ..p.k])
            };
            let bv = if p.b_transposed {
                b.slice(s![..p.n, ..p.k]).reversed_axes()
            } else {
                b.slice(s![..p.k, ..p.n])
            };
            let mut cv = c.slice_mut(s![..p.m, ..p.n]);
            general_mat_mul(1.0, &av, &bv, 1.0, &mut cv);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    best
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let epochs = arg("--epochs", 50);
    let repeats = arg("--repeats", 3);
    let data = tutorial();
    let (x, y) = (&data.train.x, &data.train.y);
    let shape = NetworkShape::lstm(1, UNITS.to_vec(), 1);
    let cfg = FitConfig {
        epochs,
        seed: 1,
        ..FitConfig::default()
    };
    let train = Dataset {
        x: x.view(),
        y: y.view(),
    };

    // Warm-up: page in code and data.
    let mut net = Network::<f32>::init(shape.clone(), 1);
    fit(
        &mut net,
        train,
        None,
        &FitConfig {
            epochs: 1,
            ..cfg.clone()
        },
        &mut |_| {},
    );

    let mut fit_times = Vec::new();
    for _ in 0..repeats {
        let mut net = Network::<f32>::init(shape.clone(), 1);
        let start = Instant::now();
        fit(&mut net, train, None, &cfg, &mut |_| {});
        fit_times.push(start.elapsed().as_secs_f64());
    }
    fit_times.sort_by(f64::total_cmp);
    let fit_s = fit_times[fit_times.len() / 2];

    let products = epoch_products(x.dim().0);
    let epoch_flops = flops(&products);
    let gemm_epoch_s = time_products(&products, 5 * repeats);
    let per_epoch = fit_s / epochs as f64;

    println!("tutorial model: units {UNITS:?}, {} windows x {STEPS} steps, batch {BATCH}, {epochs} epochs, median of {repeats}", x.dim().0);
    println!(
        "fit:                 {fit_s:.3} s  ({:.2} ms/epoch; {:.3} s per 50 epochs)",
        per_epoch * 1e3,
        per_epoch * 50.0
    );
    println!(
        "matrix work:         {:.3} GFLOP/epoch ({} products)",
        epoch_flops / 1e9,
        products.len()
    );
    println!(
        "achieved:            {:.1} GFLOP/s",
        epoch_flops / per_epoch / 1e9
    );
    println!(
        "GEMM alone, same shapes: {:.2} ms/epoch = {:.1} GFLOP/s  (bound for 50 epochs: {:.3} s)",
        gemm_epoch_s * 1e3,
        epoch_flops / gemm_epoch_s / 1e9,
        gemm_epoch_s * 50.0
    );
    println!(
        "fraction of GEMM bound: {:.0}%",
        100.0 * gemm_epoch_s / per_epoch
    );
}
