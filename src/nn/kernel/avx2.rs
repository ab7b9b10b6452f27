//! AVX2 + FMA tiles: 6 rows × 16 columns (two 8-lane vectors), 12 accumulators.
//!
//! The classic Haswell shape: 12 accumulators + 2 vectors of B + 1 broadcast of A fill 15 of
//! the 16 registers, and 12 independent FMAs per step cover the FMA latency. Columns past
//! `n` go through `vmaskmovps`, which neither reads nor writes them.

use std::arch::x86_64::*;

use super::{drive, Job, Tiles};

/// Rows of the full tile.
const MR: usize = 6;
const LANES: usize = 8;
const NV: usize = 2;

struct Avx2;

impl Tiles for Avx2 {
    const MR: usize = MR;
    const LANES: usize = LANES;
    const NV: usize = NV;

    #[inline(always)]
    unsafe fn tile(h: usize, t: &Job) {
        // SAFETY (all arms): forwarded from the caller; `run` enabled AVX2 and FMA.
        match (h, t.n.div_ceil(LANES)) {
            (MR, 2) => tile::<MR, 2>(t),
            (MR, 1) => tile::<MR, 1>(t),
            (4, 2) => tile::<4, 2>(t),
            (4, 1) => tile::<4, 1>(t),
            (2, 2) => tile::<2, 2>(t),
            (2, 1) => tile::<2, 1>(t),
            (1, 2) => tile::<1, 2>(t),
            (1, 1) => tile::<1, 1>(t),
            _ => unreachable!("row blocks are 6, 4, 2 or 1 rows"),
        }
    }
}

/// Runs a job on the AVX2 tiles.
///
/// # Safety
/// The CPU supports AVX2 and FMA; `job` is valid as [`super::sgemm_on`] builds it.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn run(job: &Job) {
    drive::<Avx2>(job);
}

/// `C[H, n] (+)= A[H, k] · B[k, n]` with `n` in `(V-1)·8 ..= V·8`.
///
/// # Safety
/// As for [`Tiles::tile`].
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn tile<const H: usize, const V: usize>(t: &Job) {
    // Lane l of the last vector is live when l < tail (1..=8): the sign bit of each mask lane.
    let tail = (t.n - (V - 1) * LANES) as i32;
    let mask = _mm256_cmpgt_epi32(
        _mm256_set1_epi32(tail),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    );
    let full = tail == LANES as i32;
    let mut acc = [[_mm256_setzero_ps(); V]; H];
    if t.accumulate {
        for (r, acc_r) in acc.iter_mut().enumerate() {
            for (v, acc_rv) in acc_r.iter_mut().enumerate() {
                let p = t.c.wrapping_add(r * t.ldc + v * LANES);
                *acc_rv = if v + 1 == V && !full {
                    _mm256_maskload_ps(p, mask)
                } else {
                    _mm256_loadu_ps(p)
                };
            }
        }
    }
    let (mut a, mut b) = (t.a, t.b);
    if full {
        for _ in 0..t.k {
            let mut bv = [_mm256_setzero_ps(); V];
            for (v, bv_v) in bv.iter_mut().enumerate() {
                *bv_v = _mm256_loadu_ps(b.wrapping_add(v * LANES));
            }
            step::<H, V>(&mut acc, a, t.a_rs, &bv);
            a = a.wrapping_offset(t.a_cs);
            b = b.wrapping_add(t.ldb);
        }
    } else {
        for _ in 0..t.k {
            let mut bv = [_mm256_setzero_ps(); V];
            for (v, bv_v) in bv.iter_mut().enumerate() {
                *bv_v = if v + 1 == V {
                    _mm256_maskload_ps(b.wrapping_add(v * LANES), mask)
                } else {
                    _mm256_loadu_ps(b.wrapping_add(v * LANES))
                };
            }
            step::<H, V>(&mut acc, a, t.a_rs, &bv);
            a = a.wrapping_offset(t.a_cs);
            b = b.wrapping_add(t.ldb);
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        for (v, &acc_rv) in acc_r.iter().enumerate() {
            let p = t.c.wrapping_add(r * t.ldc + v * LANES);
            if v + 1 == V && !full {
                _mm256_maskstore_ps(p, mask, acc_rv);
            } else {
                _mm256_storeu_ps(p, acc_rv);
            }
        }
    }
}

/// One step `p`: `acc[r][v] += A[r, p] · B[p, v-th vector]`.
///
/// # Safety
/// `a + r·a_rs` is readable for r < H; AVX2 and FMA are enabled (the caller's features).
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn step<const H: usize, const V: usize>(
    acc: &mut [[__m256; V]; H],
    a: *const f32,
    a_rs: isize,
    bv: &[__m256; V],
) {
    for (r, acc_r) in acc.iter_mut().enumerate() {
        let av = _mm256_broadcast_ss(&*a.offset(r as isize * a_rs));
        for (acc_rv, &bv_v) in acc_r.iter_mut().zip(bv) {
            *acc_rv = _mm256_fmadd_ps(av, bv_v, *acc_rv);
        }
    }
}
