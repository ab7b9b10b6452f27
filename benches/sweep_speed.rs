//! Sweep throughput: many small runs, where per-run overhead (data preparation, allocation,
//! writing and reading run folders, the tables) rather than training decides the time.
//!
//! `cargo bench --bench sweep_speed` (add `-- --runs 200 --repeats 1` for a quick look).
//!
//! The sweep: `benches/many_small.toml`, 1000 LSTM(4) networks (2 lookbacks × 2 learning
//! rates × 250 seeds) of 20 epochs on a 120-point noisy sine, each run its own folder, as
//! `runner benches/many_small.toml` trains them (`--runs` keeps fewer seeds). Reports, median
//! of `--repeats`:
//! - runs per second trained from scratch with `-j 1` and with `-j N` (all cores), and their
//!   ratio;
//! - the time to read the finished runs back and assemble the tables, plots and report, on a
//!   rerun where every run is cached (what `runner FILE` does after a sweep, or `merge`);
//! - the process CPU time per run, to separate work from waiting.
//!
//! It writes in the system's temporary folder: where that is a tmpfs, syncs cost nothing and
//! the disk's share of the per-run overhead is not measured (set TMPDIR to a disk folder).

mod common;
use common::{arg, median};

use std::path::{Path, PathBuf};
use std::time::Instant;

use runner::pipeline::{run, RunOptions};
use runner::spec::load_sweep;

/// The bench's experiment: 1000 runs (2 lookbacks × 2 learning rates × 250 seeds).
const EXPERIMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/many_small.toml");

/// `--set` overrides that keep the first `runs` runs (a multiple of 4) of the experiment.
fn fewer_runs(runs: usize) -> Vec<String> {
    let seeds: Vec<String> = (1..=runs / 4).map(|s| s.to_string()).collect();
    vec![format!("sweep.seed=[{}]", seeds.join(", "))]
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the ')'.
    // SAFETY: sysconf only reads a system setting.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) if hz > 0.0 => (u + s) / hz,
        _ => f64::NAN,
    }
}

struct Timing {
    wall: f64,
    cpu: f64,
    assemble: f64,
}

/// Runs the sweep into `out` with `jobs` threads; `force` retrains every run.
fn sweep_once(sets: &[String], out: &Path, jobs: usize, force: bool) -> Timing {
    let sweep = load_sweep(Path::new(EXPERIMENT), sets).expect("the bench's experiment is valid");
    let opts = RunOptions {
        out: Some(out.to_path_buf()),
        quiet: true,
        jobs: Some(jobs),
        force,
        ..RunOptions::default()
    };
    // Dirty pages of earlier repeats written back now, not on this one's time.
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let (cpu0, start) = (cpu_seconds(), Instant::now());
    let outcome = run(&sweep, &opts).expect("the bench's sweep runs");
    Timing {
        wall: start.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - cpu0,
        assemble: outcome.assemble_seconds,
    }
}

fn main() {
    let runs = arg("--runs", 1000).max(4) / 4 * 4;
    let repeats = arg("--repeats", 3).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir: PathBuf =
        std::env::temp_dir().join(format!("runner-sweep-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    let sets = fewer_runs(runs);

    let mut report = Vec::new();
    for jobs in [1, cores] {
        // A new folder per repeat: removing the last one would put its deletion (and the
        // disk's discards) on this repeat's time.
        let timings: Vec<Timing> = (0..repeats)
            .map(|r| sweep_once(&sets, &dir.join(format!("j{jobs}-{r}")), jobs, false))
            .collect();
        let wall = median(timings.iter().map(|t| t.wall).collect());
        let cpu = median(timings.iter().map(|t| t.cpu).collect());
        println!(
            "{runs} runs, -j {jobs}: {wall:.2} s = {:.0} runs/s; CPU {:.2} ms per run (median of {repeats})",
            runs as f64 / wall,
            1e3 * cpu / runs as f64
        );
        report.push(wall);
    }
    if cores > 1 {
        println!("-j {cores} vs -j 1: {:.2}x", report[0] / report[1]);
    }

    // Every run cached: read back, then the tables, plots and report.
    let out = dir.join(format!("j{cores}-0"));
    let timings: Vec<Timing> = (0..repeats)
        .map(|_| sweep_once(&sets, &out, cores, false))
        .collect();
    println!(
        "rerun with {runs} runs cached, -j {cores}: {:.3} s in all, of which tables, plots and report {:.3} s (read back included)",
        median(timings.iter().map(|t| t.wall).collect()),
        median(timings.iter().map(|t| t.assemble).collect()),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
