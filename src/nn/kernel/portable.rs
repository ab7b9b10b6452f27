//! The fallback tiles in plain Rust: 4 rows × 8 columns of scalar accumulators that the
//! compiler keeps in vector registers of the baseline target (two SSE2 vectors per row).
//!
//! A multiply and an add per step, each rounded: Rust never contracts them into an FMA, so
//! this path gives the same bits on every x86-64 (and differs from the FMA paths only in
//! the last bits).

use super::{drive, Job, Tiles};

/// Rows of the full tile.
const MR: usize = 4;
const NR: usize = 8;

struct Portable;

impl Tiles for Portable {
    const MR: usize = MR;
    const LANES: usize = NR;
    const NV: usize = 1;

    #[inline(always)]
    unsafe fn tile(h: usize, t: &Job) {
        // SAFETY (all arms): forwarded from the caller.
        match h {
            4 => tile::<4>(t),
            2 => tile::<2>(t),
            1 => tile::<1>(t),
            _ => unreachable!("row blocks are 4, 2 or 1 rows"),
        }
    }
}

/// Runs a job on the portable tiles.
///
/// # Safety
/// `job` is valid as [`super::sgemm_on`] builds it.
pub(super) unsafe fn run(job: &Job) {
    drive::<Portable>(job);
}

/// `C[H, NR] (+)= A[H, k] · B[k, NR]`; a narrower last panel goes to [`edge`].
///
/// # Safety
/// As for [`Tiles::tile`].
#[inline]
unsafe fn tile<const H: usize>(t: &Job) {
    if t.n < NR {
        return edge::<H>(t);
    }
    let mut acc = [[0.0f32; NR]; H];
    if t.accumulate {
        for (r, acc_r) in acc.iter_mut().enumerate() {
            *acc_r = *(t.c.add(r * t.ldc) as *const [f32; NR]);
        }
    }
    let (mut a, mut b) = (t.a, t.b);
    for _ in 0..t.k {
        let b_row = *(b as *const [f32; NR]);
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let av = *a.offset(r as isize * t.a_rs);
            for (x, &bj) in acc_r.iter_mut().zip(&b_row) {
                *x += av * bj;
            }
        }
        a = a.wrapping_offset(t.a_cs);
        b = b.wrapping_add(t.ldb);
    }
    for (r, acc_r) in acc.iter().enumerate() {
        *(t.c.add(r * t.ldc) as *mut [f32; NR]) = *acc_r;
    }
}

/// The last panel of a row, `n < NR`: element by element, the same chain over `p`.
///
/// # Safety
/// As for [`Tiles::tile`].
unsafe fn edge<const H: usize>(t: &Job) {
    for r in 0..H {
        for j in 0..t.n {
            let c = t.c.add(r * t.ldc + j);
            let mut acc = if t.accumulate { *c } else { 0.0 };
            for p in 0..t.k {
                acc += *t.a.offset(r as isize * t.a_rs + p as isize * t.a_cs)
                    * *t.b.add(p * t.ldb + j);
            }
            *c = acc;
        }
    }
}
