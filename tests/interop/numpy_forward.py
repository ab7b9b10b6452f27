#!/usr/bin/env python3
"""Interoperability proof for runner's model files (docs/model_format.md).

Reads the safetensors files runner writes with nothing but `safetensors` and `numpy`, runs
the documented preprocessing and forward pass in numpy (float64), and checks the result
against runner's own predictions to 1e-5 (absolute, original units):

  1. writes a CSV series (`time,value`, 300 monthly points of a noisy sine with a trend) and
     four small experiments into a temporary folder: LSTM and GRU, one and two layers, horizon
     1 to 3, minmax / standard / no scaling, the linear skip, window normalisation, log with
     first and seasonal differencing, first differencing of order 2, a 2-fold backtest;
  2. runs `runner <experiment> --out <dir> -q` on each;
  3. for every `runs/*/model*.safetensors` (every fold's model):
     - checks its metadata and its tensors' names, shapes and dtype against the documented
       layout;
     - recomputes every prediction of its fold in the run's `predictions.csv` (train,
       validation and test rows; a window of horizon H gives H consecutive rows) from the
       raw series;
     - runs `runner predict --model FILE --data CSV` with the network's horizon and with
       2H+1 steps (recursive beyond H) and recomputes both forecasts and their time labels;
  4. on the first model, checks that a file re-written by Python is read by runner with the
     same forecast, and that runner refuses one of another `format_version` and one whose
     weights no longer match `params_blake3`.

Prints the largest difference per model and `OK`; exits 1 on any mismatch, naming it.

    python3 tests/interop/numpy_forward.py --runner target/release/runner [--keep]

Only the standard library, numpy and safetensors are used (`params_blake3` is also checked
when the optional `blake3` module happens to be installed).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

TOLERANCE = 1e-5
FORMAT = "runner-model"
FORMAT_VERSION = "1"
METADATA_KEYS = [
    "format", "format_version", "runner_version", "run_id", "label", "trained_on", "points",
    "best_epoch", "epochs", "cell", "units", "input", "lookback", "horizon", "linear_skip",
    "transform", "scaler", "window_normalise", "column", "time_column", "params_blake3",
]


class Mismatch(Exception):
    """runner and this reading of the format disagree."""


# ----------------------------------------------------------------------------------------------
# The model file, exactly as docs/model_format.md describes it


class RunnerModel:
    """A runner model file: tensors, metadata, preprocessing and the forward pass in numpy."""

    def __init__(self, path: Path):
        self.path = path
        self.tensors = load_file(str(path))
        with safe_open(str(path), framework="numpy") as f:
            self.meta = f.metadata() or {}
        m = self.meta
        if m.get("format") != FORMAT:
            raise Mismatch(f"{path}: metadata `format` is {m.get('format')!r}, not {FORMAT!r}")
        if m.get("format_version") != FORMAT_VERSION:
            raise Mismatch(f"{path}: format_version {m.get('format_version')!r}; this script "
                           f"reads version {FORMAT_VERSION}")
        missing = [k for k in METADATA_KEYS if k not in m]
        if missing:
            raise Mismatch(f"{path}: metadata lacks {missing}")
        self.cell = m["cell"]
        if self.cell not in ("lstm", "gru"):
            raise Mismatch(f"{path}: cell {self.cell!r}")
        self.units = [int(u) for u in json.loads(m["units"])]
        self.input = int(m["input"])
        self.lookback = int(m["lookback"])
        self.horizon = int(m["horizon"])
        self.linear_skip = parse_bool(m["linear_skip"], "linear_skip")
        self.window_normalise = parse_bool(m["window_normalise"], "window_normalise")
        t = json.loads(m["transform"])
        if set(t) != {"log", "difference", "seasonal_difference"}:
            raise Mismatch(f"{path}: transform {t}")
        self.log = bool(t["log"])
        self.difference = int(t["difference"])
        self.seasonal = int(t["seasonal_difference"])
        self.scaler = json.loads(m["scaler"])
        self.points = int(m["points"])
        self.coef = backshift_coefficients(self.difference, self.seasonal)
        self.check_tensors()

    # -- layout ------------------------------------------------------------------------------

    def layout(self) -> list[tuple[str, tuple[int, ...]]]:
        """(name, shape) of every tensor, in layout order (the order params_blake3 hashes)."""
        out = []
        gates = 4 if self.cell == "lstm" else 3
        width = self.input
        for k, u in enumerate(self.units):
            name = self.cell if k == 0 else f"{self.cell}_{k}"
            out.append((f"{name}/kernel", (width, gates * u)))
            out.append((f"{name}/recurrent_kernel", (u, gates * u)))
            out.append((f"{name}/bias", (gates * u,) if self.cell == "lstm" else (2, gates * u)))
            width = u
        out.append(("dense/kernel", (width, self.horizon)))
        out.append(("dense/bias", (self.horizon,)))
        if self.linear_skip:
            out.append(("linear_skip/kernel", (self.horizon, self.lookback * self.input)))
        return out

    def check_tensors(self) -> None:
        layout = self.layout()
        expected = {n for n, _ in layout}
        if set(self.tensors) != expected:
            raise Mismatch(f"{self.path}: tensors {sorted(self.tensors)}, expected {sorted(expected)}")
        for name, shape in layout:
            t = self.tensors[name]
            if t.dtype != np.float32 or tuple(t.shape) != shape:
                raise Mismatch(f"{self.path}: tensor {name} is {t.dtype} {t.shape}, "
                               f"expected float32 {shape}")
        try:  # optional: the blake3 module is not part of the requirements
            import blake3  # type: ignore
        except ImportError:
            self.blake3_checked = False
            return
        data = b"".join(self.tensors[n].astype("<f4").tobytes() for n, _ in layout)
        if blake3.blake3(data).hexdigest() != self.meta["params_blake3"]:
            raise Mismatch(f"{self.path}: params_blake3 does not match the tensors in layout order")
        self.blake3_checked = True

    # -- forward pass ------------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Network outputs [n, horizon] for inputs x [n, lookback, input] (float64)."""
        n, steps, _ = x.shape
        seq = x
        for k, u in enumerate(self.units):
            name = self.cell if k == 0 else f"{self.cell}_{k}"
            W = self.tensors[f"{name}/kernel"].astype(np.float64)
            U = self.tensors[f"{name}/recurrent_kernel"].astype(np.float64)
            b = self.tensors[f"{name}/bias"].astype(np.float64)
            h = np.zeros((n, u))
            out = np.empty((n, steps, u))
            if self.cell == "lstm":
                c = np.zeros((n, u))
                for t in range(steps):
                    z = seq[:, t, :] @ W + h @ U + b
                    i, f = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u])
                    g, o = np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
                    c = f * c + i * g
                    h = o * np.tanh(c)
                    out[:, t, :] = h
            else:  # GRU, Keras reset_after=True: bias[0] input bias, bias[1] recurrent bias
                for t in range(steps):
                    a = seq[:, t, :] @ W + b[0]
                    q = h @ U + b[1]
                    z = sigmoid(a[:, :u] + q[:, :u])
                    r = sigmoid(a[:, u:2 * u] + q[:, u:2 * u])
                    cand = np.tanh(a[:, 2 * u:] + r * q[:, 2 * u:])
                    h = z * h + (1.0 - z) * cand
                    out[:, t, :] = h
            seq = out
        y = seq[:, -1, :] @ self.tensors["dense/kernel"].astype(np.float64)
        y = y + self.tensors["dense/bias"].astype(np.float64)
        if self.linear_skip:
            window = x[:, steps - self.lookback:, :].reshape(n, self.lookback * self.input)
            y = y + window @ self.tensors["linear_skip/kernel"].astype(np.float64).T
        return y

    # -- preprocessing and its inversion -----------------------------------------------------

    def scale(self, v: np.ndarray) -> np.ndarray:
        s = self.scaler
        if s["kind"] == "minmax":
            return v * s["scale"] + s["offset"]
        if s["kind"] == "standard":
            return (v - s["mean"]) / s["std"]
        if s["kind"] == "none":
            return v
        raise Mismatch(f"{self.path}: scaler {s}")

    def unscale(self, y: np.ndarray) -> np.ndarray:
        s = self.scaler
        if s["kind"] == "minmax":
            return (y - s["offset"]) / s["scale"]
        if s["kind"] == "standard":
            return y * s["std"] + s["mean"]
        return y

    def network_series(self, values: np.ndarray) -> np.ndarray:
        """Transformed then scaled, same indices as values; the first d+m entries are NaN."""
        a = np.log(values) if self.log else values.astype(np.float64)
        u = np.full(len(a), np.nan)
        lost = len(self.coef)
        for t in range(lost, len(a)):
            u[t] = a[t] + sum(c * a[t - 1 - k] for k, c in enumerate(self.coef))
        return self.scale(u)

    def predict_at(self, values: np.ndarray, origin: int) -> np.ndarray:
        """The horizon values at origin, origin+1, ... from values[:origin] alone."""
        if self.input != 1:
            raise Mismatch(f"{self.path}: {self.input} input features; runner series have 1")
        if origin < self.lookback + len(self.coef):
            raise Mismatch(f"origin {origin} has too little history")
        scaled = self.network_series(values[:origin])
        level = scaled[origin - 1] if self.window_normalise else 0.0
        window = scaled[origin - self.lookback:origin] - level
        # The network is F32: its inputs are the window rounded to f32.
        x = window.astype(np.float32).astype(np.float64).reshape(1, self.lookback, 1)
        outputs = self.forward(x)[0]
        transformed = self.unscale(outputs + level)
        return self.invert(values, origin, transformed)

    def invert(self, values: np.ndarray, origin: int, predicted: np.ndarray) -> np.ndarray:
        """Undo differencing (chaining the predicted steps) and the log, from values[:origin]."""
        lost = len(self.coef)
        if not self.log and lost == 0:
            return predicted
        a = list(np.log(values[origin - lost:origin]) if self.log else values[origin - lost:origin])
        out = []
        for u in predicted:
            t = len(a)
            level = u - sum(c * a[t - 1 - k] for k, c in enumerate(self.coef))
            a.append(level)
            out.append(math.exp(level) if self.log else level)
        return np.array(out)

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        """`steps` values after the series: direct up to the horizon, then recursive (each
        block of predictions appended to the history the next window reads)."""
        path = np.asarray(values, dtype=np.float64)
        out: list[float] = []
        while len(out) < steps:
            block = self.predict_at(path, len(path))[: steps - len(out)]
            out.extend(block)
            path = np.concatenate([path, block])
        return np.array(out)


def parse_bool(text: str, key: str) -> bool:
    if text not in ("true", "false"):
        raise Mismatch(f"metadata {key} = {text!r} is not true or false")
    return text == "true"


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow warnings


def backshift_coefficients(d: int, m: int) -> list[float]:
    """c_1..c_L of (1 - B)^d (1 - B^m): u_t = a_t + sum_k c_k a_{t-k}."""
    poly = [1.0]
    factors = [[(0, 1.0), (1, -1.0)]] * d + ([[(0, 1.0), (m, -1.0)]] if m > 0 else [])
    for factor in factors:
        top = max(p for p, _ in factor)
        out = [0.0] * (len(poly) + top)
        for i, a in enumerate(poly):
            for p, b in factor:
                out[i + p] += a * b
        poly = out
    return poly[1:]


# ----------------------------------------------------------------------------------------------
# The experiments


def write_series(path: Path, points: int = 300) -> None:
    """Monthly 2000-01-01 ...: a trend, a yearly and a slower cycle, Gaussian noise; > 0."""
    rng = random.Random(7)
    with path.open("w") as f:
        f.write("time,value\n")
        for t in range(points):
            year, month = 2000 + t // 12, t % 12 + 1
            v = (3.0 + 0.006 * t + 0.8 * math.sin(2 * math.pi * t / 12)
                 + 0.3 * math.sin(2 * math.pi * t / 37) + 0.05 * rng.gauss(0.0, 1.0))
            f.write(f"{year:04d}-{month:02d}-01,{v:.6f}\n")


COMMON = """seed = {seed}
[data]
kind = "csv"
path = "{csv}"
column = "value"
time_column = "time"
season = 12
[train]
epochs = 3
batch_size = 16
learning_rate = 0.02
"""

EXPERIMENTS = {
    # LSTM [6, 4] -> Dense(1), minmax, a validation part, no transform.
    "a_lstm_minmax": """
[split]
train = 0.8
validation = 0.1
[scale]
kind = "minmax"
[window]
lookback = 8
[model]
cell = "lstm"
units = [6, 4]
""",
    # LSTM [5] -> Dense(3) + linear skip, standard scaling, window normalisation.
    "b_lstm_skip_h3": """
[split]
test = 36
[transform]
window_normalise = true
[scale]
kind = "standard"
[window]
lookback = 10
horizon = 3
lookback_from = "history"
[model]
cell = "lstm"
units = [5]
linear_skip = true
""",
    # GRU [4, 3] -> Dense(2), log + first + seasonal differencing, a 2-fold backtest.
    "c_gru_log_diff_backtest": """
[split]
test = 24
[transform]
log = true
difference = 1
seasonal_difference = 12
[scale]
kind = "standard"
[window]
lookback = 12
horizon = 2
lookback_from = "history"
[model]
cell = "gru"
units = [4, 3]
[backtest]
folds = 2
""",
    # GRU [3] -> Dense(1) + linear skip, second differences, no scaler, window normalisation.
    "d_gru_diff2_noscale": """
[split]
train = 0.8
[transform]
difference = 2
window_normalise = true
[scale]
kind = "none"
[window]
lookback = 6
[model]
cell = "gru"
units = [3]
linear_skip = true
""",
}


def run(cmd: list[str], ok_codes=(0,)) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in ok_codes:
        raise Mismatch(f"`{' '.join(cmd)}` exited {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def read_series(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    return [r["time"] for r in rows], np.array([float(r["value"]) for r in rows])


def next_months(label: str, n: int) -> list[str]:
    year, month, day = (int(p) for p in label.split("-"))
    out = []
    for _ in range(n):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        out.append(f"{year:04d}-{month:02d}-{day:02d}")
    return out


# ----------------------------------------------------------------------------------------------
# The checks


def check_run_predictions(model: RunnerModel, fold: int, run_dir: Path, values: np.ndarray) -> tuple[float, int]:
    """Every row of `fold` in the run's predictions.csv against the numpy forward pass."""
    with (run_dir / "predictions.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if int(r["fold"]) == fold]
    # The point's position in the series; older run folders call it `index`.
    for r in rows:
        r.setdefault("position", r.get("index"))
    if not rows:
        raise Mismatch(f"{run_dir}/predictions.csv has no rows of fold {fold}")
    H = model.horizon
    worst, checked, splits = 0.0, 0, set()
    for split in ("train", "validation", "test"):
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue
        splits.add(split)
        if len(part) % H:
            raise Mismatch(f"{run_dir}: {len(part)} {split} rows of fold {fold}, not a multiple of H={H}")
        for w in range(0, len(part), H):
            window_rows = part[w:w + H]
            origin = int(window_rows[0]["position"])
            for h, r in enumerate(window_rows):
                if int(r["position"]) != origin + h:
                    raise Mismatch(f"{run_dir}: window at {origin}: row {h} has position {r['position']}")
                if float(r["actual"]) != values[origin + h]:
                    raise Mismatch(f"{run_dir}: actual {r['actual']} at {origin + h} is not the "
                                   f"CSV's {values[origin + h]!r}")
            if origin + H > model.points:
                raise Mismatch(f"{run_dir}: fold {fold} predicts index {origin + H - 1}, but its "
                               f"model saw only {model.points} points")
            ours = model.predict_at(values, origin)
            theirs = np.array([float(r["predicted"]) for r in window_rows])
            diff = float(np.max(np.abs(ours - theirs)))
            if not diff <= TOLERANCE:
                raise Mismatch(f"{model.path.name} ({model.meta['trained_on']}): {split} window at "
                               f"origin {origin}: numpy {ours.tolist()} vs runner {theirs.tolist()} "
                               f"(difference {diff:.3g} > {TOLERANCE})")
            worst = max(worst, diff)
            checked += H
    if "test" not in splits:
        raise Mismatch(f"{run_dir}: no test rows for fold {fold}")
    return worst, checked


def runner_predict(runner: str, model_path: Path, data: Path, out: Path, steps: int | None) -> tuple[list[str], np.ndarray]:
    cmd = [runner, "predict", "--model", str(model_path), "--data", str(data), "--out", str(out)]
    if steps is not None:
        cmd += ["--horizon", str(steps)]
    run(cmd)
    with out.open() as f:
        rows = list(csv.DictReader(f))
    if [int(r["step"]) for r in rows] != list(range(1, len(rows) + 1)):
        raise Mismatch(f"{out}: steps {[r['step'] for r in rows]}")
    return [r["time"] for r in rows], np.array([float(r["forecast"]) for r in rows])


def check_predict(runner: str, model: RunnerModel, data: Path, times: list[str], values: np.ndarray, tmp: Path) -> tuple[float, float]:
    """`runner predict` with the network's horizon and with 2H+1 steps (recursive)."""
    worst = []
    for steps in (None, 2 * model.horizon + 1):
        n = model.horizon if steps is None else steps
        out = tmp / f"predict_{model.meta['run_id']}_{model.path.stem}_{n}.csv"
        labels, theirs = runner_predict(runner, model.path, data, out, steps)
        if len(theirs) != n:
            raise Mismatch(f"runner predict gave {len(theirs)} forecasts, expected {n}")
        if labels != next_months(times[-1], n):
            raise Mismatch(f"runner predict labelled its forecasts {labels}, expected "
                           f"{next_months(times[-1], n)}")
        ours = model.forecast(values, n)
        diff = float(np.max(np.abs(ours - theirs)))
        if not diff <= TOLERANCE:
            raise Mismatch(f"{model.path}: runner predict ({n} steps) {theirs.tolist()} vs numpy "
                           f"{ours.tolist()} (difference {diff:.3g} > {TOLERANCE})")
        worst.append(diff)
    return worst[0], worst[1]


def check_round_trip_and_refusals(runner: str, model: RunnerModel, data: Path, tmp: Path) -> None:
    """A file written back by Python reads the same; another format_version and damaged
    weights are refused (exit 2)."""
    _, original = runner_predict(runner, model.path, data, tmp / "rt_original.csv", None)

    same = tmp / "rewritten.safetensors"
    save_file(dict(model.tensors), str(same), metadata=dict(model.meta))
    _, again = runner_predict(runner, same, data, tmp / "rt_rewritten.csv", None)
    if not np.array_equal(original, again):
        raise Mismatch(f"a file re-written by safetensors.numpy forecasts {again.tolist()}, "
                       f"the original {original.tolist()}")

    version = tmp / "version2.safetensors"
    save_file(dict(model.tensors), str(version), metadata={**model.meta, "format_version": "2"})
    p = run([runner, "predict", "--model", str(version), "--data", str(data)], ok_codes=(2,))
    if "version 2" not in p.stderr:
        raise Mismatch(f"refusal of format_version 2 does not say so: {p.stderr.strip()}")

    damaged = tmp / "damaged.safetensors"
    tensors = {k: v.copy() for k, v in model.tensors.items()}
    tensors["dense/bias"][0] += np.float32(1e-3)
    save_file(tensors, str(damaged), metadata=dict(model.meta))
    p = run([runner, "predict", "--model", str(damaged), "--data", str(data)], ok_codes=(2,))
    if "params_blake3" not in p.stderr:
        raise Mismatch(f"refusal of changed weights does not name params_blake3: {p.stderr.strip()}")


def fold_of(model: RunnerModel) -> tuple[int, int]:
    m = re.fullmatch(r"fold (\d+) of (\d+)", model.meta["trained_on"])
    if not m:
        raise Mismatch(f"{model.path}: trained_on {model.meta['trained_on']!r} is not `fold j of k`")
    fold, folds = int(m.group(1)), int(m.group(2))
    expected = "model.safetensors" if fold == folds else f"model.fold{fold}.safetensors"
    if model.path.name != expected:
        raise Mismatch(f"{model.path}: trained on fold {fold} of {folds}, so it should be named {expected}")
    return fold, folds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runner", default=str(Path(__file__).resolve().parents[2] / "target/release/runner"),
                    help="the runner binary (default: target/release/runner of this repository)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = ap.parse_args()
    runner = str(Path(args.runner).resolve()) if Path(args.runner).exists() else args.runner
    if shutil.which(runner) is None:
        print(f"error: no runner binary at {args.runner}", file=sys.stderr)
        return 2

    start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="runner-interop-"))
    try:
        data = tmp / "series.csv"
        write_series(data)
        times, values = read_series(data)
        models = 0
        blake3_checked = None
        for x, (name, body) in enumerate(EXPERIMENTS.items()):
            exp = tmp / f"{name}.toml"
            exp.write_text(f'name = "{name}"\n' + COMMON.format(seed=x + 1, csv=data) + body)
            results = tmp / f"results_{name}"
            t0 = time.monotonic()
            run([runner, str(exp), "--out", str(results), "-q"])
            files = sorted(results.glob("runs/*/model*.safetensors"))
            if not files:
                raise Mismatch(f"{name}: runner wrote no model file under {results}/runs")
            print(f"{name}: trained in {time.monotonic() - t0:.1f} s, {len(files)} model file(s)")
            for path in files:
                model = RunnerModel(path)
                fold, folds = fold_of(model)
                worst_run, rows = check_run_predictions(model, fold, path.parent, values)
                worst_direct, worst_recursive = check_predict(runner, model, data, times, values, tmp)
                if models == 0:
                    check_round_trip_and_refusals(runner, model, data, tmp)
                models += 1
                blake3_checked = model.blake3_checked
                arch = f"{model.cell.upper()} {model.units} -> Dense({model.horizon})" + (
                    " + skip" if model.linear_skip else "")
                print(f"  {path.parent.name[:12]}/{path.name} ({model.meta['trained_on']}, {arch}): "
                      f"{rows} predictions.csv values max |diff| {worst_run:.2e}; "
                      f"predict H={model.horizon} {worst_direct:.2e}, "
                      f"{2 * model.horizon + 1} steps {worst_recursive:.2e}")
        print(f"{models} models: names, shapes and metadata as documented; a Python-written file "
              f"is read alike; format_version 2 and changed weights are refused"
              + ("" if blake3_checked else " (params_blake3 not recomputed: no blake3 module)"))
        print(f"OK (tolerance {TOLERANCE}, {time.monotonic() - start:.1f} s)")
        return 0
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
