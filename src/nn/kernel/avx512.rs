//! AVX-512F tiles: 8 rows × 48 columns (three 16-lane vectors), 24 accumulators.
//!
//! Per step `p` a tile loads three vectors of B's row `p`, broadcasts 8 values of A's column
//! and issues 24 independent FMAs: three times the FMA latency × pipes (4 × 2), in 28 of the 32
//! registers. Measured on the tutorial's shapes (Zen 5) 8 × 48 beat 8 × 32 and 12 × 32 by
//! 5-10%. Lanes past `n` are masked, never read or written, so the last panel of a row
//! needs no padding or copy; the masked loads cost nothing on full panels.

use std::arch::x86_64::*;

use super::{drive, Job, Tiles};

/// Rows of the full tile (the tutorial's batch of 32 is four of them).
const MR: usize = 8;
const LANES: usize = 16;
const NV: usize = 3;

struct Avx512;

impl Tiles for Avx512 {
    const MR: usize = MR;
    const LANES: usize = LANES;
    const NV: usize = NV;

    #[inline(always)]
    unsafe fn tile(h: usize, t: &Job) {
        // SAFETY (all arms): forwarded from the caller; `run` enabled AVX-512F.
        match (h, t.n.div_ceil(LANES)) {
            (MR, 3) => tile::<MR, 3>(t),
            (MR, 2) => tile::<MR, 2>(t),
            (MR, 1) => tile::<MR, 1>(t),
            (4, 3) => tile::<4, 3>(t),
            (4, 2) => tile::<4, 2>(t),
            (4, 1) => tile::<4, 1>(t),
            (2, 3) => tile::<2, 3>(t),
            (2, 2) => tile::<2, 2>(t),
            (2, 1) => tile::<2, 1>(t),
            (1, 3) => tile::<1, 3>(t),
            (1, 2) => tile::<1, 2>(t),
            (1, 1) => tile::<1, 1>(t),
            _ => unreachable!("row blocks are 8, 4, 2 or 1 rows"),
        }
    }
}

/// Runs a job on the AVX-512 tiles.
///
/// # Safety
/// The CPU supports AVX-512F; `job` is valid as [`super::sgemm_on`] builds it.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn run(job: &Job) {
    drive::<Avx512>(job);
}

/// `C[H, n] (+)= A[H, k] · B[k, n]` with `n` in `(V-1)·16 ..= V·16`.
///
/// # Safety
/// As for [`Tiles::tile`].
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn tile<const H: usize, const V: usize>(t: &Job) {
    // The last vector covers 1..=16 columns.
    let tail = t.n - (V - 1) * LANES;
    let mask: __mmask16 = if tail >= LANES {
        !0
    } else {
        (1u16 << tail) - 1
    };
    let mut acc = [[_mm512_setzero_ps(); V]; H];
    if t.accumulate {
        for (r, acc_r) in acc.iter_mut().enumerate() {
            for (v, acc_rv) in acc_r.iter_mut().enumerate() {
                let p = t.c.wrapping_add(r * t.ldc + v * LANES);
                *acc_rv = if v + 1 == V {
                    _mm512_maskz_loadu_ps(mask, p)
                } else {
                    _mm512_loadu_ps(p)
                };
            }
        }
    }
    let (mut a, mut b) = (t.a, t.b);
    for _ in 0..t.k {
        let mut bv = [_mm512_setzero_ps(); V];
        for (v, bv_v) in bv.iter_mut().enumerate() {
            *bv_v = if v + 1 == V {
                _mm512_maskz_loadu_ps(mask, b.wrapping_add(v * LANES))
            } else {
                _mm512_loadu_ps(b.wrapping_add(v * LANES))
            };
        }
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let av = _mm512_set1_ps(*a.offset(r as isize * t.a_rs));
            for (acc_rv, &bv_v) in acc_r.iter_mut().zip(&bv) {
                *acc_rv = _mm512_fmadd_ps(av, bv_v, *acc_rv);
            }
        }
        a = a.wrapping_offset(t.a_cs);
        b = b.wrapping_add(t.ldb);
    }
    for (r, acc_r) in acc.iter().enumerate() {
        for (v, &acc_rv) in acc_r.iter().enumerate() {
            let p = t.c.wrapping_add(r * t.ldc + v * LANES);
            if v + 1 == V {
                _mm512_mask_storeu_ps(p, mask, acc_rv);
            } else {
                _mm512_storeu_ps(p, acc_rv);
            }
        }
    }
}
