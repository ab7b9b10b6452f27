//! The kernel against a naive triple loop in f64, on every path this CPU runs.

use ndarray::{s, Array2, ArrayView2};

use super::{sgemm, sgemm_on, Path};

fn paths() -> Vec<Path> {
    [Path::Portable, Path::Avx2, Path::Avx512]
        .into_iter()
        .filter(|p| p.available())
        .collect()
}

/// Deterministic values in [-1, 1) with every mantissa bit in play.
fn filled(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array2::from_shape_fn((rows, cols), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    })
}

/// Checks `c` (the result) against `c0 (+) a · b` computed in f64, element by element, within
/// the bound of a sequential f32 sum of k products: `(k + 2)·ε·(|c0| + Σ_p |a_ip·b_pj|)`.
fn check(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c0: ArrayView2<f32>,
    accumulate: bool,
    c: ArrayView2<f32>,
    what: &str,
) {
    let ((m, k), n) = (a.dim(), b.dim().1);
    for i in 0..m {
        for j in 0..n {
            let start = if accumulate { c0[[i, j]] as f64 } else { 0.0 };
            let (mut exact, mut magnitude) = (start, start.abs());
            for p in 0..k {
                let t = a[[i, p]] as f64 * b[[p, j]] as f64;
                exact += t;
                magnitude += t.abs();
            }
            let bound = (k + 2) as f64 * f32::EPSILON as f64 * magnitude;
            let got = c[[i, j]] as f64;
            assert!(
                (got - exact).abs() <= bound,
                "{what}: C[{i}, {j}] = {got}, exact {exact}, bound {bound}"
            );
        }
    }
}

/// Runs every (m, k, n) on every path with A and B plain or transposed, overwrite and
/// accumulate; C is a block inside a larger matrix whose border must stay untouched.
fn run_shapes(shapes: &[(usize, usize, usize)]) {
    for path in paths() {
        for &(m, k, n) in shapes {
            for (a_t, b_t, accumulate) in (0..8).map(|f| (f & 1 != 0, f & 2 != 0, f & 4 != 0)) {
                let what = format!(
                    "{path:?} [{m}x{k}]{}·[{k}x{n}]{} acc {accumulate}",
                    if a_t { "ᵀ" } else { "" },
                    if b_t { "ᵀ" } else { "" }
                );
                let seed = (m * 1000 + k * 100 + n) as u64;
                let a_store = if a_t {
                    filled(k, m, seed)
                } else {
                    filled(m, k, seed)
                };
                let b_store = if b_t {
                    filled(n, k, seed + 1)
                } else {
                    filled(k, n, seed + 1)
                };
                let a = if a_t { a_store.t() } else { a_store.view() };
                let b = if b_t { b_store.t() } else { b_store.view() };
                // C sits at [1.., 2..] of a larger matrix: rows strided past n, a border around.
                let mut big = filled(m + 2, n + 5, seed + 2);
                if !accumulate {
                    // Overwrite must not read C: NaN in it must not leak into the result.
                    big.slice_mut(s![1..m + 1, 2..n + 2]).fill(f32::NAN);
                }
                let before = big.clone();
                sgemm_on(
                    path,
                    a,
                    b,
                    accumulate,
                    &mut big.slice_mut(s![1..m + 1, 2..n + 2]),
                );
                check(
                    a,
                    b,
                    before.slice(s![1..m + 1, 2..n + 2]),
                    accumulate,
                    big.slice(s![1..m + 1, 2..n + 2]),
                    &what,
                );
                for ((i, j), &v) in big.indexed_iter() {
                    let inside = (1..m + 1).contains(&i) && (2..n + 2).contains(&j);
                    if !inside {
                        assert_eq!(
                            v.to_bits(),
                            before[[i, j]].to_bits(),
                            "{what}: wrote C's border at [{i}, {j}]"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn small_and_odd_shapes_match_the_f64_reference() {
    let mut shapes = vec![
        (1, 1, 1),
        (1, 7, 1),
        (7, 13, 5),
        (5, 3, 7),
        (3, 1, 9),
        (2, 2, 2),
    ];
    // Every row remainder of every path's tile (8, 6 or 4 rows) and every column split of
    // its vectors (8 or 16 lanes, panels of up to 3, 2 or 1 vectors), masked lanes or not.
    for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 16, 17] {
        for n in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 65, 97, 113] {
            shapes.push((m, 3, n));
        }
    }
    run_shapes(&shapes);
}

#[test]
fn row_and_column_vectors_match_the_f64_reference() {
    run_shapes(&[
        (1, 50, 200),
        (200, 50, 1),
        (1, 320, 1),
        (32, 1, 50),
        (50, 32, 1),
        (1, 1, 33),
    ]);
}

#[test]
fn the_tutorial_shapes_match_the_f64_reference() {
    // The products of one batch of the tutorial's LSTM(50) → LSTM(50) → Dense(1).
    run_shapes(&[
        (32, 50, 200),
        (32, 200, 50),
        (320, 1, 200),
        (320, 50, 200),
        (50, 288, 200),
        (320, 200, 50),
        (50, 320, 200),
    ]);
}

#[test]
fn k_zero_overwrites_with_zeros_or_leaves_c() {
    let a = Array2::<f32>::zeros((3, 0));
    let b = Array2::<f32>::zeros((0, 4));
    for path in paths() {
        let mut c = filled(3, 4, 9);
        let before = c.clone();
        sgemm_on(path, a.view(), b.view(), true, &mut c.view_mut());
        assert_eq!(c, before, "{path:?}: accumulate with k = 0 leaves C");
        sgemm_on(path, a.view(), b.view(), false, &mut c.view_mut());
        assert!(
            c.iter().all(|&v| v == 0.0),
            "{path:?}: overwrite with k = 0 zeroes C"
        );
    }
    // Empty C: nothing to do, nothing read.
    let mut empty = Array2::<f32>::zeros((0, 4));
    sgemm(
        Array2::<f32>::zeros((0, 3)).view(),
        filled(3, 4, 1).view(),
        false,
        &mut empty.view_mut(),
    );
}

#[test]
fn a_c_with_columns_strided_goes_through_a_copy() {
    let (a, b) = (filled(5, 6, 3), filled(6, 7, 4));
    for path in paths() {
        let mut store = filled(7, 5, 5);
        let before = store.clone();
        // C = store^T: unit stride between rows, not along them.
        sgemm_on(
            path,
            a.view(),
            b.view(),
            true,
            &mut store.view_mut().reversed_axes(),
        );
        check(
            a.view(),
            b.view(),
            before.t(),
            true,
            store.t(),
            &format!("{path:?} strided C"),
        );
    }
}

#[test]
fn reversed_views_with_negative_strides_are_read_as_indexed() {
    let (a_store, b_store) = (filled(9, 11, 6), filled(11, 20, 7));
    let a = a_store.slice(s![..;-1, ..]);
    for b in [b_store.slice(s![..;-1, ..]), b_store.slice(s![.., ..;-1])] {
        for path in paths() {
            let mut c = filled(9, 20, 8);
            let before = c.clone();
            sgemm_on(path, a, b, true, &mut c.view_mut());
            check(
                a,
                b,
                before.view(),
                true,
                c.view(),
                &format!("{path:?} reversed"),
            );
        }
    }
}

/// `c0 (+) a · b` summed as the kernel promises: per element one chain over p in order,
/// starting from c0 (accumulate) or 0, each step fused (`mul_add`: the FMA paths) or a
/// rounded product then a rounded sum (the portable path).
fn chain(a: ArrayView2<f32>, b: ArrayView2<f32>, c0: ArrayView2<f32>, fused: bool) -> Array2<f32> {
    Array2::from_shape_fn((a.dim().0, b.dim().1), |(i, j)| {
        (0..a.dim().1).fold(c0[[i, j]], |acc, p| {
            if fused {
                a[[i, p]].mul_add(b[[p, j]], acc)
            } else {
                acc + a[[i, p]] * b[[p, j]]
            }
        })
    })
}

#[test]
fn every_path_sums_each_element_in_one_fixed_chain_bit_for_bit() {
    // A plain product, then one whose B is a transposed view (the scratch-copy path), both
    // accumulating: each path gives exactly the bits of its scalar chain, so the AVX2 and
    // AVX-512 paths agree with each other on any CPU that has them, and a call repeats.
    let (a, b) = (filled(37, 50, 11), filled(50, 83, 12));
    let run = |path| {
        let mut c = filled(37, 83, 13);
        sgemm_on(path, a.view(), b.view(), true, &mut c.view_mut());
        let mut d = filled(37, 50, 14);
        sgemm_on(path, c.view(), b.t(), true, &mut d.view_mut());
        (c, d)
    };
    let bits = |m: &Array2<f32>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for path in paths() {
        let fused = path != Path::Portable;
        let (c, d) = run(path);
        let c_expected = chain(a.view(), b.view(), filled(37, 83, 13).view(), fused);
        let d_expected = chain(c.view(), b.t(), filled(37, 50, 14).view(), fused);
        assert_eq!(bits(&c), bits(&c_expected), "{path:?}: A·B");
        assert_eq!(bits(&d), bits(&d_expected), "{path:?}: C·Bᵀ");
        let (c2, d2) = run(path);
        assert_eq!(
            (bits(&c2), bits(&d2)),
            (bits(&c), bits(&d)),
            "{path:?} repeats"
        );
    }
}

#[test]
fn the_detected_path_is_the_widest_available() {
    let expected = if Path::Avx512.available() {
        Path::Avx512
    } else if Path::Avx2.available() {
        Path::Avx2
    } else {
        Path::Portable
    };
    assert_eq!(Path::detected(), expected);
}
