//! Resource guards: what a run will hold in memory and how much training a plan asks for,
//! estimated from the experiment alone (before any series is generated or any buffer
//! allocated), and the limits `run` holds them to.
//!
//! - **Memory.** A run is refused (exit 2, with its estimate) when the data sets of the
//!   sweep plus the run's own buffers exceed the limit: `RUNNER_MEMORY_LIMIT` (bytes, or
//!   with a `K`/`M`/`G`/`T` suffix, powers of 1024) when set, else `MemAvailable` from
//!   `/proc/meminfo`, else 4 GiB. Runs trained at once (`-j`) each hold their own buffers;
//!   the check is per run, as the estimate is an upper bound.
//! - **Work.** A plan of more than 10 000 runs to train, or more than 2·10^8 sample-epochs
//!   (training windows × epochs, summed over runs and folds; the default 50×50 LSTM trains
//!   about 18 000 a second on one core, so about three hours of one core; the largest of
//!   the bundled experiments asks for 3·10^6), is started only with `--yes`: cached runs
//!   do not count. `RUNNER_MAX_RUNS` and `RUNNER_MAX_SAMPLE_EPOCHS` change the limits.

use std::collections::BTreeMap;

use crate::data::source::inspect_csv;
use crate::spec::{Cell, Experiment, Optimizer, RunSpec, Sweep};

use super::Error;

/// Memory limit when neither the variable nor `/proc/meminfo` gives one.
pub const DEFAULT_MEMORY: u64 = 4 << 30;
/// Runs to train above which `run` asks for `--yes`.
pub const DEFAULT_MAX_RUNS: u64 = 10_000;
/// Sample-epochs above which `run` asks for `--yes`.
pub const DEFAULT_MAX_SAMPLE_EPOCHS: u64 = 200_000_000;
pub const MEMORY_VAR: &str = "RUNNER_MEMORY_LIMIT";
pub const RUNS_VAR: &str = "RUNNER_MAX_RUNS";
pub const SAMPLE_EPOCHS_VAR: &str = "RUNNER_MAX_SAMPLE_EPOCHS";

/// The limits of this invocation and where the memory limit came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub memory: u64,
    /// `RUNNER_MEMORY_LIMIT`, `MemAvailable in /proc/meminfo` or `default`.
    pub memory_from: String,
    pub runs: u64,
    pub sample_epochs: u64,
}

impl Limits {
    /// The limits from the environment and the machine; a variable that does not parse is
    /// bad input naming it.
    pub fn from_env() -> Result<Limits, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (memory, memory_from) = match var(MEMORY_VAR) {
            Some(v) => (parse_bytes(MEMORY_VAR, &v)?, MEMORY_VAR.to_string()),
            None => match std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|t| mem_available(&t))
            {
                Some(bytes) => (bytes, "MemAvailable in /proc/meminfo".to_string()),
                None => (DEFAULT_MEMORY, "the default".to_string()),
            },
        };
        let count = |name: &str, default: u64| match var(name) {
            Some(v) => v.trim().parse::<u64>().map_err(|_| {
                Error::BadInput(format!(
                    "{name} = {v:?}: expected a whole number, e.g. {name}={default}"
                ))
            }),
            None => Ok(default),
        };
        Ok(Limits {
            memory,
            memory_from,
            runs: count(RUNS_VAR, DEFAULT_MAX_RUNS)?,
            sample_epochs: count(SAMPLE_EPOCHS_VAR, DEFAULT_MAX_SAMPLE_EPOCHS)?,
        })
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// `8G`, `512M`, `1000000`: bytes, suffixes in powers of 1024 (`KiB`, `GB` read alike).
fn parse_bytes(name: &str, text: &str) -> Result<u64, Error> {
    let t = text.trim();
    let unit = t.trim_start_matches(|c: char| c.is_ascii_digit());
    let digits = &t[..t.len() - unit.len()];
    let shift = match unit
        .trim()
        .trim_end_matches(['B', 'b'])
        .trim_end_matches('i')
    {
        "" => Some(0),
        "K" | "k" => Some(10),
        "M" | "m" => Some(20),
        "G" | "g" => Some(30),
        "T" | "t" => Some(40),
        _ => None,
    };
    match (digits.parse::<u64>(), shift) {
        (Ok(n), Some(s)) => n.checked_mul(1 << s),
        _ => None,
    }
    .ok_or_else(|| {
        Error::BadInput(format!(
            "{name} = {text:?}: expected bytes, e.g. {name}=8G (K, M, G, T: powers of 1024)"
        ))
    })
}

/// What a run holds at its peak, in bytes, as an upper bound; each part saturates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMemory {
    /// Weights of the network (a count, not bytes).
    pub parameters: u64,
    /// Weights, gradients, the optimizer's two moment buffers, the best epoch's weights
    /// and the initialiser's scratch.
    pub weights: u64,
    /// Activations and their gradients for one batch: batch × lookback × units per layer.
    pub activations: u64,
    /// History (per epoch) and predictions (per window and step) of every fold.
    pub records: u64,
    /// The run's data set: its series and windows, per backtest fold. Shared by the runs
    /// with the same data stages.
    pub data: u64,
}

impl RunMemory {
    /// The run's own buffers, without its (shared) data set.
    pub fn own(&self) -> u64 {
        self.weights
            .saturating_add(self.activations)
            .saturating_add(self.records)
    }
}

/// Bytes of one f32, the engine's type.
const F32: u128 = 4;

/// The memory of a run of `e` over a series of `points` points. Counted in u128 and
/// saturated, so absurd sizes give a huge estimate, never an overflow.
pub fn run_memory(e: &Experiment, points: u64) -> RunMemory {
    let points = u128::from(points);
    let lookback = e.window.lookback as u128;
    let horizon = e.window.horizon as u128;
    let folds = e.backtest.folds.max(1) as u128;
    let gates: u128 = match e.model.cell {
        Cell::Lstm => 4,
        Cell::Gru => 3,
    };
    let mut parameters: u128 = 0;
    let mut input: u128 = 1;
    let mut largest_matrix: u128 = 0;
    let mut per_step_units: u128 = 0;
    // the backward pass's transposed copy of each recurrent kernel
    let mut transposed: u128 = 0;
    for &u in &e.model.units {
        let u = u as u128;
        // kernel + recurrent kernel + bias (+ the GRU's recurrent bias)
        let g = gates * u;
        parameters += input * g + u * g + g + if e.model.cell == Cell::Gru { g } else { 0 };
        largest_matrix = largest_matrix.max((input.max(u)) * g);
        transposed += u * g;
        // LSTM: gates and their gradients (2·4u), cell, tanh(cell), hidden and its
        // gradient (4u); GRU: gates, recurrent parts and their gradients (4·3u), hidden
        // and its gradient (2u).
        per_step_units += match e.model.cell {
            Cell::Lstm => 12 * u,
            Cell::Gru => 14 * u,
        };
        input = u;
    }
    parameters += input * horizon + horizon;
    // the linear skip: [horizon, lookback · 1 feature]
    if e.model.linear_skip {
        parameters += horizon * lookback;
    }
    // weights, gradients, two moment buffers (allocated for every optimizer), best weights
    let copies: u128 = match e.train.optimizer {
        Optimizer::Adam | Optimizer::Sgd | Optimizer::Rmsprop => 5,
    };
    // the orthogonal initialiser works in f64 on one layer's largest matrix, twice
    let weights = copies * F32 * parameters + F32 * transposed + 16 * largest_matrix;
    let batch = (e.train.batch_size as u128).min(points.max(1));
    let steps = lookback * batch;
    let activations = F32 * (steps * (per_step_units + 2) + 3 * batch * horizon);
    // per epoch: its statistics and its history row (~96 bytes); per predicted value: its
    // prediction row with the run id and split names (~128 bytes)
    let records = folds * (96 * e.train.epochs as u128 + 128 * points * horizon);
    // per point: the value, its label, its scaled value (~64 bytes); per window (at most
    // one per point): inputs and targets in f32, target index and last input
    let data = folds * points * (64 + F32 * (lookback + horizon) + 16);
    let sat = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
    RunMemory {
        parameters: sat(parameters),
        weights: sat(weights),
        activations: sat(activations),
        records: sat(records),
        data: sat(data),
    }
}

/// The memory estimates of a sweep: every distinct data set, and the largest run.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// All distinct data sets of the sweep, held at once by the plan.
    pub data: u64,
    /// The run to train with the most memory of its own, and its estimate.
    pub largest: Option<(String, RunMemory)>,
}

impl Estimate {
    /// Peak of the largest run: every data set plus its own buffers.
    pub fn peak(&self) -> u64 {
        self.largest
            .as_ref()
            .map_or(self.data, |(_, m)| self.data.saturating_add(m.own()))
    }
}

/// Estimates the sweep's data sets and the largest of `runs` (the runs to train), before
/// anything is generated: a generator's points are in the file, a CSV file's rows are
/// counted (once per file).
pub fn estimate(sweep: &Sweep, runs: &[&RunSpec]) -> Result<Estimate, Error> {
    let mut rows: BTreeMap<std::path::PathBuf, u64> = BTreeMap::new();
    let mut points = |e: &Experiment| -> Result<u64, Error> {
        if let Some(n) = e.data.generated_points() {
            return Ok(n as u64);
        }
        let path = e.csv_path().expect("a source is a generator or a CSV file");
        if let Some(&n) = rows.get(&path) {
            return Ok(n);
        }
        let n = inspect_csv(&path).map_err(Error::bad_input)?.rows as u64;
        rows.insert(path, n);
        Ok(n)
    };
    let mut datasets: BTreeMap<String, u64> = BTreeMap::new();
    for r in &sweep.runs {
        let hash = r.experiment.data_hash();
        if let std::collections::btree_map::Entry::Vacant(slot) = datasets.entry(hash) {
            let n = points(&r.experiment)?;
            slot.insert(run_memory(&r.experiment, n).data);
        }
    }
    let mut largest: Option<(String, RunMemory)> = None;
    for r in runs {
        let m = run_memory(&r.experiment, points(&r.experiment)?);
        if largest.as_ref().is_none_or(|(_, l)| m.own() > l.own()) {
            largest = Some((r.display_label(), m));
        }
    }
    Ok(Estimate {
        data: datasets.values().fold(0u64, |a, &b| a.saturating_add(b)),
        largest,
    })
}

/// Refuses a plan whose data sets alone would not fit: they are built before any run, by
/// `validate` as well as `run`.
pub fn check_data(est: &Estimate, limits: &Limits) -> Result<(), Error> {
    if est.data <= limits.memory {
        return Ok(());
    }
    Err(Error::BadInput(format!(
        "the data sets of this experiment need about {} of memory (series and windows), more \
         than the limit of {} ({}); shorten the series or the lookback, or set {MEMORY_VAR}",
        bytes(est.data),
        bytes(limits.memory),
        limits.memory_from
    )))
}

/// Refuses a run whose buffers would not fit, with its estimate.
pub fn check_memory(est: &Estimate, limits: &Limits) -> Result<(), Error> {
    check_data(est, limits)?;
    match &est.largest {
        Some((label, m)) if est.peak() > limits.memory => Err(Error::BadInput(format!(
            "run `{label}` would need about {} of memory ({}), more than the limit of {} ({}); \
             make the model or the series smaller, or set {MEMORY_VAR} if the estimate is wrong",
            bytes(est.peak()),
            breakdown(m, est.data),
            bytes(limits.memory),
            limits.memory_from
        ))),
        _ => Ok(()),
    }
}

/// Refuses a plan over the work limits unless `yes`.
pub fn check_work(runs: u64, sample_epochs: u64, limits: &Limits, yes: bool) -> Result<(), Error> {
    if yes || (runs <= limits.runs && sample_epochs <= limits.sample_epochs) {
        return Ok(());
    }
    Err(Error::BadInput(format!(
        "this plan trains {}, {sample_epochs} sample-epochs, more than the {} runs or \
         {} sample-epochs runner starts unasked ({RUNS_VAR}, {SAMPLE_EPOCHS_VAR}); \
         pass --yes to start it, or shrink the sweep",
        count(runs, "run"),
        limits.runs,
        limits.sample_epochs
    )))
}

/// The parts of a run's estimate, for messages.
fn breakdown(m: &RunMemory, data: u64) -> String {
    format!(
        "{} parameters: weights, gradients and optimizer state {}, activations {}, \
         history and predictions {}, data sets {}",
        m.parameters,
        bytes(m.weights),
        bytes(m.activations),
        bytes(m.records),
        bytes(data)
    )
}

/// What `validate` prints about resources.
pub fn describe(est: &Estimate, runs: u64, sample_epochs: u64, limits: &Limits) -> String {
    let mut out = String::new();
    if let Some((label, m)) = &est.largest {
        out.push_str(&format!(
            "# memory: largest run `{label}` about {} ({})\n",
            bytes(est.peak()),
            breakdown(m, est.data)
        ));
    }
    let fits = if est.peak() <= limits.memory {
        "fits".to_string()
    } else {
        "does NOT fit: `run` refuses it".to_string()
    };
    out.push_str(&format!(
        "# memory limit: {} ({}); {fits}\n",
        bytes(limits.memory),
        limits.memory_from
    ));
    let asks = if runs > limits.runs || sample_epochs > limits.sample_epochs {
        "over the limit: `run` starts it only with --yes"
    } else {
        "within the limit"
    };
    out.push_str(&format!(
        "# work: {} to train, {sample_epochs} sample-epochs; limit {} runs, {} sample-epochs: {asks}\n",
        count(runs, "run"),
        limits.runs,
        limits.sample_epochs
    ));
    out
}

/// `1 run`, `3 runs`.
fn count(n: u64, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// Bytes in binary units: `512 B`, `3.2 MiB`, `745.1 GiB`.
pub fn bytes(n: u64) -> String {
    if n == u64::MAX {
        return "more than 16 EiB".to_string();
    }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests;
