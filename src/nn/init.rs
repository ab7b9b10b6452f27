//! Keras' default initialisers, computed in f64 and rounded once to the network's float type.

use super::rng::Rng;

/// Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), as Keras'
/// `glorot_uniform` for a kernel of shape [fan_in, fan_out]. Row-major [fan_in, fan_out].
pub fn glorot_uniform(fan_in: usize, fan_out: usize, rng: &mut Rng) -> Vec<f64> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    (0..fan_in * fan_out)
        .map(|_| (2.0 * rng.uniform() - 1.0) * limit)
        .collect()
}

/// Orthogonal, as Keras' `Orthogonal(gain=1)`: a Gaussian matrix of shape
/// [max(r, c), min(r, c)] is QR-factorised with the signs fixed so that diag(R) > 0, and Q
/// (transposed when r < c) is the result. Row-major [rows, cols]; for the recurrent kernel
/// [units, 4·units] the rows are orthonormal.
pub fn orthogonal(rows: usize, cols: usize, rng: &mut Rng) -> Vec<f64> {
    let (tall, narrow) = (rows.max(cols), rows.min(cols));
    // Column-major storage of the [tall, narrow] matrix: column j is a[j*tall..(j+1)*tall].
    let mut a: Vec<f64> = (0..tall * narrow).map(|_| rng.normal()).collect();
    // Modified Gram-Schmidt, run twice per column ("twice is enough") for orthogonality to
    // rounding error; it yields Q with a positive diag(R), the same Q as Keras' sign fix.
    for j in 0..narrow {
        for _pass in 0..2 {
            for k in 0..j {
                let dot: f64 = (0..tall).map(|i| a[k * tall + i] * a[j * tall + i]).sum();
                for i in 0..tall {
                    a[j * tall + i] -= dot * a[k * tall + i];
                }
            }
        }
        let norm = (0..tall)
            .map(|i| a[j * tall + i].powi(2))
            .sum::<f64>()
            .sqrt();
        for i in 0..tall {
            a[j * tall + i] /= norm;
        }
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // Q[i, j] = a[j*tall + i]; the result is Q when rows >= cols, else Q^T.
            out[r * cols + c] = if rows >= cols {
                a[c * tall + r]
            } else {
                a[r * tall + c]
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Stream;

    #[test]
    fn glorot_bounds_and_spread() {
        let mut rng = Rng::new(1, Stream::Init);
        let w = glorot_uniform(50, 200, &mut rng);
        let limit = (6.0f64 / 250.0).sqrt(); // 0.1549
        assert!(w.iter().all(|v| v.abs() <= limit));
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        // Variance of U(-l, l) is l²/3 = 0.008.
        assert!((var - limit * limit / 3.0).abs() < 0.0008, "var {var}");
    }

    #[test]
    fn orthogonal_rows_of_a_wide_kernel_are_orthonormal() {
        let (rows, cols) = (5, 20);
        let w = orthogonal(rows, cols, &mut Rng::new(2, Stream::Init));
        for a in 0..rows {
            for b in 0..rows {
                let dot: f64 = (0..cols).map(|c| w[a * cols + c] * w[b * cols + c]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12, "W W^T[{a},{b}] = {dot}");
            }
        }
    }

    #[test]
    fn orthogonal_columns_of_a_tall_matrix_are_orthonormal() {
        let (rows, cols) = (7, 3);
        let w = orthogonal(rows, cols, &mut Rng::new(3, Stream::Init));
        for a in 0..cols {
            for b in 0..cols {
                let dot: f64 = (0..rows).map(|r| w[r * cols + a] * w[r * cols + b]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12);
            }
        }
    }
}
