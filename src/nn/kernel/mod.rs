//! The `f32` matrix product every layer goes through: `C = A · B` or `C += A · B`.
//!
//! Shapes: `A [m, k]`, `B [k, n]`, `C [m, n]`. The engine's products are small (the tutorial's
//! largest is `[320, 200] · [200, 50]`, its most frequent `[32, 50] · [50, 200]`: a few µs
//! each), so what matters is the register tile and the absence of per-call work, not cache
//! blocking: A and B are read in place (packing A per call, tried first, took a third of
//! the time of a `[32, 50] · [50, 200]` product), and B's column panel (`k × 48` floats, 10 kB for k = 50) stays in L1 while every
//! row block of A runs over it. Large products work too, only without the cache blocking
//! that would keep them near peak.
//!
//! A may have any strides (the engine passes `h.t()` and `x.t()`): a tile broadcasts
//! `A[i, p]` from `a + i·rs + p·cs`. B is read in place when its rows are contiguous; a
//! transposed B is first copied row-major into per-thread scratch. A caller that multiplies by
//! the same transposed matrix many times (the recurrent kernel in backpropagation through
//! time) transposes it once itself and passes the row-major copy.
//!
//! Every element of C is one sequential chain over `p = 0..k`: `c ← c + A[i, p]·B[p, j]`,
//! starting from C's value (accumulate) or 0 (overwrite). The SIMD paths round each step once
//! (FMA), the portable path twice (multiply, then add). So a result depends only on the path,
//! never on the tile shape, the edge handling, the thread or the call's place in a run: the
//! AVX2 and AVX-512 paths give the same bits, and the portable path is deterministic too,
//! different only in the last bits.
//!
//! The path is chosen once per process from the CPU's features (`is_x86_feature_detected!`),
//! widest first; [`sgemm_on`] runs a given path, for the tests and the benchmark.

use std::cell::RefCell;
use std::sync::OnceLock;

use ndarray::{ArrayView2, ArrayViewMut2};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;

/// An instruction-set path of the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Plain Rust the compiler vectorises for the baseline target (SSE2 on x86-64).
    Portable,
    /// 8-lane AVX2 with FMA: a 6 × 16 register tile.
    Avx2,
    /// 16-lane AVX-512F: an 8 × 48 register tile, masked loads and stores at the edges.
    Avx512,
}

impl Path {
    /// Whether this CPU can run the path.
    pub fn available(self) -> bool {
        match self {
            Path::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU runs, detected once per process.
    pub fn detected() -> Path {
        static PATH: OnceLock<Path> = OnceLock::new();
        *PATH.get_or_init(|| {
            [Path::Avx512, Path::Avx2]
                .into_iter()
                .find(|p| p.available())
                .unwrap_or(Path::Portable)
        })
    }
}

/// `c = a · b` (`accumulate` false: C is not read, so it may hold anything) or
/// `c += a · b` (`accumulate` true), on the widest path the CPU has.
///
/// `a [m, k]`, `b [k, n]`, `c [m, n]`, any strides. Single-threaded.
pub fn sgemm(a: ArrayView2<f32>, b: ArrayView2<f32>, accumulate: bool, c: &mut ArrayViewMut2<f32>) {
    run_on(Path::detected(), a, b, accumulate, c);
}

/// [`sgemm`] on a given path.
///
/// # Panics
/// If the shapes do not match or the CPU cannot run `path`.
pub fn sgemm_on(
    path: Path,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    accumulate: bool,
    c: &mut ArrayViewMut2<f32>,
) {
    assert!(path.available(), "sgemm: this CPU cannot run {path:?}");
    run_on(path, a, b, accumulate, c);
}

/// [`sgemm_on`] for a path known to be available.
fn run_on(
    path: Path,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    accumulate: bool,
    c: &mut ArrayViewMut2<f32>,
) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n),
        "sgemm: [{m}, {k}] · [{k2}, {n}] into {:?}",
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    // A stride along an axis of length 1 is never used (ndarray may set it to anything).
    let stride = |strides: &[isize], axis: usize, len: usize| {
        if len == 1 {
            None
        } else {
            Some(strides[axis])
        }
    };
    let (c_rs, c_cs) = (stride(c.strides(), 0, m), stride(c.strides(), 1, n));
    if !matches!(c_cs, None | Some(1)) || c_rs.is_some_and(|rs| rs < n as isize) {
        // Never the case in the engine (every C is a row block of a row-major buffer); a
        // row-major copy keeps one code path below.
        let mut tmp = if accumulate {
            c.as_standard_layout().into_owned()
        } else {
            ndarray::Array2::zeros((m, n))
        };
        run_on(path, a, b, accumulate, &mut tmp.view_mut());
        c.assign(&tmp);
        return;
    }
    let ldc = c_rs.map_or(n, |rs| rs as usize);
    let (b_rs, b_cs) = (stride(b.strides(), 0, k), stride(b.strides(), 1, n));
    if matches!(b_cs, None | Some(1)) && b_rs.is_none_or(|rs| rs >= 0) {
        let ldb = b_rs.map_or(n, |rs| rs as usize);
        // SAFETY: B's rows p < k hold n values from `b + p·ldb` (the view's own elements).
        unsafe { run_job(path, &a, b.as_ptr(), ldb, c, ldc, accumulate) };
    } else {
        SCRATCH.with(|scratch| {
            let mut b_rows = scratch.borrow_mut();
            copy_row_major(b, &mut b_rows);
            // SAFETY: `b_rows` holds B row-major, k rows of n values.
            unsafe { run_job(path, &a, b_rows.as_ptr(), n, c, ldc, accumulate) };
        });
    }
}

/// Builds the job and runs it on `path`.
///
/// # Safety
/// `path` is available; `b + p·ldb + j` is B[p, j] for p < k, j < n; C has unit column
/// stride and row stride `ldc >= n`.
unsafe fn run_job(
    path: Path,
    a: &ArrayView2<f32>,
    b: *const f32,
    ldb: usize,
    c: &mut ArrayViewMut2<f32>,
    ldc: usize,
    accumulate: bool,
) {
    let ((m, k), n) = (a.dim(), c.dim().1);
    let job = Job {
        m,
        n,
        k,
        a: a.as_ptr(),
        a_rs: a.strides()[0],
        a_cs: a.strides()[1],
        b,
        ldb,
        c: c.as_mut_ptr(),
        ldc,
        accumulate,
    };
    // SAFETY: A[i, p] is at `a + i·a_rs + p·a_cs` (the view's own strides); the rest is the
    // caller's promise.
    match path {
        Path::Portable => portable::run(&job),
        #[cfg(target_arch = "x86_64")]
        Path::Avx2 => avx2::run(&job),
        #[cfg(target_arch = "x86_64")]
        Path::Avx512 => avx512::run(&job),
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("only x86-64 has SIMD paths"),
    }
}

thread_local! {
    /// Per-thread scratch for a transposed B, reused across calls so that a product allocates
    /// nothing once warm.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Copies `b [k, n]` into `out` row-major: `out[p·n + j] = B[p, j]`.
fn copy_row_major(b: ArrayView2<f32>, out: &mut Vec<f32>) {
    let (k, n) = b.dim();
    let (rs, cs) = (b.strides()[0], b.strides()[1]);
    out.clear();
    out.resize(k * n, 0.0);
    let src = b.as_ptr();
    // Blocks of 16 × 16, so the source's cache lines are used up before they leave L1 (a
    // transposed B is read down its contiguous columns).
    const BLOCK: usize = 16;
    for p0 in (0..k).step_by(BLOCK) {
        for j0 in (0..n).step_by(BLOCK) {
            for j in j0..(j0 + BLOCK).min(n) {
                for p in p0..(p0 + BLOCK).min(k) {
                    // SAFETY: p < k and j < n index the view's own elements.
                    out[p * n + j] = unsafe { *src.offset(p as isize * rs + j as isize * cs) };
                }
            }
        }
    }
}

/// The row blocks `(first row, rows)` of an `m`-row product: full tiles of `mr` rows, then
/// the rest in blocks of 8, 4, 2, 1 rows (each has its own compiled tile), so that no row is
/// computed twice or padded.
struct RowBlocks {
    next: usize,
    m: usize,
    mr: usize,
}

impl Iterator for RowBlocks {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let left = self.m - self.next;
        if left == 0 {
            return None;
        }
        let h = if left >= self.mr {
            self.mr
        } else {
            [8, 4, 2, 1].into_iter().find(|&h| h <= left)?
        };
        let block = (self.next, h);
        self.next += h;
        Some(block)
    }
}

/// One product handed to a path's driver (raw pointers that [`run_job`] vouches for), and
/// one register tile's share of it: the same fields moved to the tile's corner, `m` its rows
/// and `n` its valid columns (the lanes past them are masked).
struct Job {
    m: usize,
    n: usize,
    k: usize,
    /// `A[i, p]` at `a + i·a_rs + p·a_cs`.
    a: *const f32,
    a_rs: isize,
    a_cs: isize,
    /// `B[p, j]` at `b + p·ldb + j`.
    b: *const f32,
    ldb: usize,
    /// `C[i, j]` at `c + i·ldc + j`.
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
}

/// A path's register tiles.
trait Tiles {
    /// Rows of the full tile.
    const MR: usize;
    /// Lanes of one vector.
    const LANES: usize;
    /// Vectors across the widest tile.
    const NV: usize;
    /// Runs the tile of `h = t.m` rows (`MR` or a power of two below it) over `t.n` columns
    /// (at most `NV·LANES`).
    ///
    /// # Safety
    /// The CPU supports the path; `t` addresses `h` rows of A over `k` columns, `k` rows of B
    /// and `h` rows of C over `n` columns.
    unsafe fn tile(h: usize, t: &Job);
}

/// The loop over tiles: column panels of B outside (one panel stays in L1 while every row
/// block runs over it), row blocks inside.
///
/// The `⌈n / LANES⌉` vectors of a row are dealt out evenly to the fewest panels of at most
/// `NV` vectors: n = 50 on 16 lanes is 2 + 2 vectors, not 3 + 1, since a one-vector tile
/// loads as many values as it multiplies and runs at half speed.
///
/// # Safety
/// As for [`Tiles::tile`], for the whole job. Inlined into each path's `run`, which enables
/// the path's target features, so that the tiles inline into it.
#[inline(always)]
unsafe fn drive<T: Tiles>(job: &Job) {
    let vectors = job.n.div_ceil(T::LANES);
    let panels = vectors.div_ceil(T::NV);
    let mut j0 = 0;
    for panel in 0..panels {
        let width = vectors / panels + usize::from(panel < vectors % panels);
        let cols = (width * T::LANES).min(job.n - j0);
        let blocks = RowBlocks {
            next: 0,
            m: job.m,
            mr: T::MR,
        };
        for (r0, h) in blocks {
            let tile = Job {
                m: h,
                n: cols,
                k: job.k,
                a: job.a.offset(r0 as isize * job.a_rs),
                a_rs: job.a_rs,
                a_cs: job.a_cs,
                b: job.b.add(j0),
                ldb: job.ldb,
                c: job.c.add(r0 * job.ldc + j0),
                ldc: job.ldc,
                accumulate: job.accumulate,
            };
            T::tile(h, &tile);
        }
        j0 += cols;
    }
}

#[cfg(test)]
mod tests;
