//! Training speed of the tutorial's model (LSTM(50) → LSTM(50) → Dense(1), 790 windows of
//! 10 steps, batch 32, Adam, MSE), against this machine's own GEMM rate on the same shapes.
//!
//! `cargo bench --bench train_speed` (add `-- --epochs 10 --repeats 1` for a quick look).
//!
//! First a table: GFLOP/s of each distinct product of a batch, matrixmultiply against every
//! path of the engine's kernel this CPU runs (median of rounds that interleave them).
//!
//! Reports seconds per epoch and per 50 epochs, the achieved GFLOP/s (matrix FLOPs of forward
//! and backward actually performed), and the time the same sequence of matrix products takes
//! alone, measured in the same process with the engine's kernel and with matrixmultiply: the
//! ratio of fit to products is the fraction of the GEMM bound reached, which travels between
//! machines where absolute seconds do not. The core's peak FMA rate, measured by a loop of
//! independent FMA chains, puts both in proportion.

mod common;
use common::{arg, median};

use std::time::Instant;

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2};
use runner::data::tutorial::tutorial;
use runner::nn::kernel::{sgemm_on, Path};
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
            v.push(p(b, g, u, false, false)); // dz_{t+1} · U^T (U^T transposed once per batch)
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

/// Who computes the products in [`time_products`].
#[derive(Clone, Copy)]
enum Gemm {
    Matrixmultiply,
    Kernel(Path),
}

impl Gemm {
    fn name(self) -> String {
        match self {
            Gemm::Matrixmultiply => "matrixmultiply".into(),
            Gemm::Kernel(path) => format!("{path:?}"),
        }
    }
}

/// Operands for the products, large enough for every shape; the values are irrelevant to
/// the speed but kept away from denormals.
fn operands(products: &[Product]) -> (Array2<f32>, Array2<f32>, Array2<f32>) {
    let biggest = products
        .iter()
        .map(|p| p.m.max(p.k).max(p.n))
        .max()
        .unwrap();
    let a = Array2::<f32>::from_shape_fn((biggest, biggest), |(i, j)| {
        ((i * 7 + j * 13) % 17) as f32 / 17.0 - 0.5
    });
    let b = Array2::<f32>::from_shape_fn((biggest, biggest), |(i, j)| {
        ((i * 5 + j * 11) % 19) as f32 / 19.0 - 0.5
    });
    (a, b, Array2::zeros((biggest, biggest)))
}

/// `c[..m, ..n] += a · b` for product `p` with views laid out as the engine's: a transposed
/// operand is a strided view of a row-major matrix.
fn multiply(p: &Product, a: &Array2<f32>, b: &Array2<f32>, c: &mut Array2<f32>, gemm: Gemm) {
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
    match gemm {
        Gemm::Matrixmultiply => general_mat_mul(1.0, &av, &bv, 1.0, &mut cv),
        Gemm::Kernel(path) => sgemm_on(path, av, bv, true, &mut cv),
    }
}

/// Prints GFLOP/s per distinct product of one batch for each of `gemms`.
fn shape_table(gemms: &[Gemm], rounds: usize) {
    let mut distinct: Vec<(Product, usize)> = Vec::new();
    for p in batch_products(BATCH) {
        let key = |q: &Product| (q.m, q.k, q.n, q.a_transposed, q.b_transposed);
        match distinct.iter_mut().find(|(q, _)| key(q) == key(&p)) {
            Some((_, count)) => *count += 1,
            None => distinct.push((p, 1)),
        }
    }
    let (a, b, mut c) = operands(&batch_products(BATCH));
    let names: String = gemms.iter().map(|g| format!("{:>15}", g.name())).collect();
    println!("GFLOP/s per product of a batch of {BATCH} (median of {rounds} rounds):");
    println!("{:<30}{names}", "[m x k]·[k x n] (per batch)");
    for (p, count) in distinct {
        let flops = 2.0 * (p.m * p.k * p.n) as f64;
        // About 20 MFLOP per timing, so even the smallest product runs for ~0.1 ms.
        let calls = ((2e7 / flops) as usize).clamp(10, 100_000);
        let mut times = vec![Vec::new(); gemms.len()];
        for _ in 0..rounds {
            for (&gemm, t) in gemms.iter().zip(&mut times) {
                c.fill(0.0);
                let start = Instant::now();
                for _ in 0..calls {
                    multiply(&p, &a, &b, &mut c, gemm);
                }
                t.push(start.elapsed().as_secs_f64() / calls as f64);
            }
        }
        let t = |x: bool| if x { "ᵀ" } else { "" };
        let label = format!(
            "[{}x{}]{}·[{}x{}]{} ({count})",
            p.m,
            p.k,
            t(p.a_transposed),
            p.k,
            p.n,
            t(p.b_transposed)
        );
        let cells: String = times
            .into_iter()
            .map(|t| format!("{:>15.1}", flops / median(t) / 1e9))
            .collect();
        println!("{label:<30}{cells}");
    }
    std::hint::black_box(&c);
}

/// Runs the products alone on preallocated operands; returns the median seconds of `repeats`.
fn time_products(products: &[Product], repeats: usize, gemm: Gemm) -> f64 {
    let (a, b, mut c) = operands(products);
    let mut times = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        for p in products {
            multiply(p, &a, &b, &mut c, gemm);
        }
        times.push(start.elapsed().as_secs_f64());
        // Keeps the accumulated values bounded.
        c.fill(0.0);
    }
    std::hint::black_box(&c);
    median(times)
}

/// The core's peak f32 FMA rate in GFLOP/s: 12 independent chains of `acc = acc·m + a` (more
/// than latency × throughput, 4 × 2 on current cores), each FMA 2 FLOPs per lane. `None`
/// where the CPU lacks the instructions.
#[cfg(target_arch = "x86_64")]
mod peak {
    use std::arch::x86_64::*;
    use std::hint::black_box;
    use std::time::Instant;

    const CHAINS: usize = 12;
    const ITERS: usize = 2_000_000;

    /// Best of 3 runs of [`ITERS`] rounds (a few ms each).
    fn best(lanes: usize, run: impl Fn() -> f32) -> f64 {
        let flops = (ITERS * CHAINS * lanes * 2) as f64;
        (0..3)
            .map(|_| {
                let start = Instant::now();
                black_box(run());
                flops / start.elapsed().as_secs_f64() / 1e9
            })
            .fold(0.0, f64::max)
    }

    pub fn avx2() -> Option<f64> {
        let ok = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        ok.then(|| best(8, || unsafe { avx2_chains(black_box(ITERS)) }))
    }

    pub fn avx512() -> Option<f64> {
        let ok = is_x86_feature_detected!("avx512f");
        // SAFETY: the CPU has AVX-512F, checked just above.
        ok.then(|| best(16, || unsafe { avx512_chains(black_box(ITERS)) }))
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2_chains(iters: usize) -> f32 {
        let (m, a) = (
            _mm256_set1_ps(black_box(0.999)),
            _mm256_set1_ps(black_box(0.001)),
        );
        let mut acc = [_mm256_set1_ps(1.0); CHAINS];
        for _ in 0..iters {
            for x in acc.iter_mut() {
                *x = _mm256_fmadd_ps(*x, m, a);
            }
        }
        let mut out = [0.0f32; 8];
        _mm256_storeu_ps(
            out.as_mut_ptr(),
            acc.iter()
                .fold(_mm256_setzero_ps(), |s, &x| _mm256_add_ps(s, x)),
        );
        out.iter().sum()
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn avx512_chains(iters: usize) -> f32 {
        let (m, a) = (
            _mm512_set1_ps(black_box(0.999)),
            _mm512_set1_ps(black_box(0.001)),
        );
        let mut acc = [_mm512_set1_ps(1.0); CHAINS];
        for _ in 0..iters {
            for x in acc.iter_mut() {
                *x = _mm512_fmadd_ps(*x, m, a);
            }
        }
        _mm512_reduce_add_ps(
            acc.iter()
                .fold(_mm512_setzero_ps(), |s, &x| _mm512_add_ps(s, x)),
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod peak {
    pub fn avx2() -> Option<f64> {
        None
    }
    pub fn avx512() -> Option<f64> {
        None
    }
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

    let mut gemms = vec![Gemm::Matrixmultiply];
    gemms.extend(
        [Path::Portable, Path::Avx2, Path::Avx512]
            .into_iter()
            .filter(|p| p.available())
            .map(Gemm::Kernel),
    );
    shape_table(&gemms, 2 * repeats + 1);

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

    let products = epoch_products(x.dim().0);
    let epoch_flops = flops(&products);
    let path = Path::detected();
    // Fits and the products alone interleaved, so that load from other processes hits both alike.
    let (mut fit_times, mut kernel_times, mut mm_times) = (Vec::new(), Vec::new(), Vec::new());
    // The peak is the best of every round: another process can only slow a measurement down.
    let (mut peak_avx2, mut peak_avx512) = (None, None);
    let best = |best: Option<f64>, now: Option<f64>| now.map(|n| best.map_or(n, |b: f64| b.max(n)));
    for _ in 0..repeats {
        peak_avx2 = best(peak_avx2, peak::avx2());
        peak_avx512 = best(peak_avx512, peak::avx512());
        let mut net = Network::<f32>::init(shape.clone(), 1);
        let start = Instant::now();
        fit(&mut net, train, None, &cfg, &mut |_| {});
        fit_times.push(start.elapsed().as_secs_f64());
        kernel_times.push(time_products(&products, 5, Gemm::Kernel(path)));
        mm_times.push(time_products(&products, 5, Gemm::Matrixmultiply));
    }
    let fit_s = median(fit_times);
    let kernel_epoch_s = median(kernel_times);
    let mm_epoch_s = median(mm_times);
    let per_epoch = fit_s / epochs as f64;
    let achieved = epoch_flops / per_epoch / 1e9;

    println!("tutorial model: units {UNITS:?}, {} windows x {STEPS} steps, batch {BATCH}, {epochs} epochs, median of {repeats}", x.dim().0);
    match peak_avx2 {
        Some(g) => println!("peak FMA: {g:.1} GFLOP/s (AVX2, 8 lanes)"),
        None => println!("peak FMA: no AVX2 + FMA on this CPU"),
    }
    if let Some(g) = peak_avx512 {
        println!("peak FMA: {g:.1} GFLOP/s (AVX-512, 16 lanes)");
    }
    println!(
        "fit:                 {fit_s:.3} s  ({:.2} ms/epoch; {:.3} s per 50 epochs), kernel path {path:?}",
        per_epoch * 1e3,
        per_epoch * 50.0
    );
    println!(
        "matrix work:         {:.3} GFLOP/epoch ({} products)",
        epoch_flops / 1e9,
        products.len()
    );
    println!("achieved:            {achieved:.1} GFLOP/s");
    for (name, s) in [("kernel", kernel_epoch_s), ("matrixmultiply", mm_epoch_s)] {
        println!(
            "GEMM alone ({name}), same shapes: {:.2} ms/epoch = {:.1} GFLOP/s  (bound for 50 epochs: {:.3} s)",
            s * 1e3,
            epoch_flops / s / 1e9,
            s * 50.0
        );
    }
    println!(
        "fraction of GEMM bound: {:.0}% (kernel), {:.0}% (matrixmultiply)",
        100.0 * kernel_epoch_s / per_epoch,
        100.0 * mm_epoch_s / per_epoch
    );
    for (name, peak) in [("AVX2", peak_avx2), ("AVX-512", peak_avx512)] {
        if let Some(peak) = peak {
            println!(
                "fraction of {name} peak: fit {:.0}%, kernel alone {:.0}%",
                100.0 * achieved / peak,
                100.0 * epoch_flops / kernel_epoch_s / 1e9 / peak
            );
        }
    }
}
