#!/usr/bin/env python3
"""Reference values for src/analysis/diebold_mariano.rs, computed independently.

Run: python3 tests/reference/diebold_mariano.py   (needs numpy and scipy)

Written from the definitions, not from the Rust code:
  Diebold & Mariano (1995): d_t = g(e1_t) - g(e2_t), DM = mean(d) / sqrt(V / n) with
    V = gamma_0 + 2 * sum_{k=1}^{h-1} gamma_k and the biased (1/n) autocovariances that
    R's acf(type = "covariance") returns;
  Harvey, Leybourne & Newbold (1997): DM* = DM * sqrt((n + 1 - 2h + h(h-1)/n) / n),
    compared with Student's t on n - 1 degrees of freedom;
  R forecast::dm.test (R/DM2.R): when V <= 0 with h > 1 the whole test is redone with h = 1.
Prints statistic and two-sided p-value to 17 significant digits.
"""
import numpy as np
from scipy import stats


def autocovariance(d, k):
    """R's acf(d, type = "covariance") at lag k: sum over t of (d[t+k]-m)(d[t]-m), over n."""
    x = np.asarray(d, dtype=float) - np.mean(d)
    n = len(x)
    if k == 0:
        return float(np.dot(x, x)) / n
    return float(np.dot(x[k:], x[:-k])) / n


def hln_dm(d, h):
    d = np.asarray(d, dtype=float)
    n = len(d)
    v = autocovariance(d, 0) + 2.0 * sum(autocovariance(d, k) for k in range(1, h))
    if v <= 0.0 and h > 1:
        return hln_dm(d, 1) + ("fallback to h=1",)
    dm = np.mean(d) / np.sqrt(v / n)
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    stat = dm * correction
    p = 2.0 * stats.t.sf(abs(stat), df=n - 1)
    return float(stat), float(p), float(dm), float(v)


def squared_differential(errors_a, errors_b):
    return np.asarray(errors_a, dtype=float) ** 2 - np.asarray(errors_b, dtype=float) ** 2


# Published example (README of the Python package `dieboldmariano`, E. Annunziata):
# actual T, forecasts F and G; dm_test(T, F, G, one_sided=True) = (-2.2229922805746782,
# 0.04515565862099125), so the two-sided p is twice that.
T = [10, 20, 30, 40, 50]
F = [11, 21, 29, 42, 53]
G = [13, 26, 24, 40, 59]
PUB_A = [t - f for t, f in zip(T, F)]
PUB_B = [t - g for t, g in zip(T, G)]

# Forecast errors of two forecasts on 20 points (numpy normal draws, rounded).
C_A = [0.0, 0.3, -0.27, -0.89, -0.45, -0.99, 0.06, 1.34, -0.49, -0.62,
       0.49, 0.36, 0.11, -0.93, -0.03, 0.7, -1.34, -0.46, -1.9, -1.29]
C_B = [-2.21, -0.28, -1.52, 0.33, 0.19, -0.22, -3.02, -0.65, -0.06, 0.14,
       -1.84, -0.57, -1.17, -0.97, 1.27, -0.97, -0.04, 1.06, -0.7, -0.13]

# Loss differentials alternating in sign: gamma_1 ~ -gamma_0, so V < 0 at h = 2.
D = [1.15, -0.79, 1.08, -0.86, 1.18, -0.71, 1.31, -0.93,
     1.12, -0.74, 1.0, -0.85, 1.19, -0.67, 1.27, -0.83]

# Loss differentials with strong positive lag-1 correlation (MA(1), theta = 0.9, mean 0.4;
# sample lag-1 autocorrelation 0.62, lag 2 about 0).
E = [1.44, 2.08, 1.79, 2.67, 0.65, -1.31, -1.48, -0.9, 1.3, 1.28,
     0.88, -1.06, -1.17, -0.37, 1.36, 2.88, 2.15, 1.2, 0.96, 1.61]


def show(name, result):
    stat, p, dm, v = result[:4]
    extra = " " + result[4] if len(result) > 4 else ""
    print(f"{name}: statistic {stat!r} p {p!r} (DM {dm!r}, V {v!r}){extra}")


show("published h=1", hln_dm(squared_differential(PUB_A, PUB_B), 1))
print(f"  published two-sided p = 2 * 0.04515565862099125 = {2 * 0.04515565862099125!r}")
show("C h=1", hln_dm(squared_differential(C_A, C_B), 1))
show("C h=3", hln_dm(squared_differential(C_A, C_B), 3))
print(f"  C mean difference {float(np.mean(squared_differential(C_A, C_B)))!r}")
show("D h=2", hln_dm(D, 2))
print(f"  D V at h=2 {autocovariance(D, 0) + 2 * autocovariance(D, 1)!r}")
show("E h=1", hln_dm(E, 1))
show("E h=2", hln_dm(E, 2))
print(f"  E gamma_0 {autocovariance(E, 0)!r} gamma_1 {autocovariance(E, 1)!r} gamma_2 {autocovariance(E, 2)!r}")
