//! How often does `runner check` catch a regression, and how often does it cry wolf?
//!
//! ```text
//! cargo run --release --example gate_power                # 10 000 draws per scenario
//! cargo run --release --example gate_power -- --draws 1000 --seed 7 --population FILE
//! ```
//!
//! The population is real: `experiments/ci_sine.seeds.csv` holds the `test_rmse` of
//! `experiments/ci_sine.toml`'s two configurations on seeds 1 to 30, from the runs table of
//! one run of the binary (the command is at the top of that file). Each draw picks three of
//! those seeds as a configuration's baseline and makes "now" from them by a scenario:
//!
//! - (a) unchanged: the same seeds' values, each times `1 + 1e-6 z` (another machine's float
//!   noise; z standard normal);
//! - (b) a 20% regression that keeps each seed's trajectory: the same seeds' values times
//!   `1.2 (1 + 1e-6 z)`;
//! - (b2) the same, but the regression varies by seed: times `1.2 exp(0.1 z)`;
//! - (c) a 20% regression that reshuffles the randomness (a change to training alters every
//!   seed's trajectory): three OTHER seeds' values times 1.2, under the baseline's seed
//!   numbers;
//! - (c2) the same with a 100% regression (times 2);
//! - (d) a harmless change that reshuffles the randomness: three other seeds' values, as
//!   they are.
//!
//! Each draw goes through the real gate ([`runner::analysis::gate::check`], tolerance 5%)
//! twice: with a baseline row as written before per-seed values (the old gate: Welch's test
//! on 3 + 3 seeds) and with the per-seed values (the new gate: the paired t-test on log
//! ratios or Welch's, either significant). Two more columns show the designs not chosen: the
//! paired test alone (the new gate's paired p, without Welch's), and the paired test alone
//! on differences instead of log ratios. Each rate is the fraction of draws failed as
//! "regressed". The RNG is seeded (ChaCha8), so the figures repeat exactly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use runner::analysis::gate::{check, CheckRow, Verdict, DEFAULT_TOLERANCE, SIGNIFICANCE_LEVEL};
use runner::analysis::paired::{paired_t, Paired, Scale};
use runner::analysis::stats::mean_and_std;
use runner::analysis::{ConfigSummary, Metric, MetricSummary};
use runner::store::GateRow;

/// Seeds per side, as in `experiments/ci_sine.toml`.
const SEEDS: usize = 3;
/// The injected regression.
const REGRESSION: f64 = 1.2;
/// Another machine's float noise, relative.
const FLOAT_NOISE: f64 = 1e-6;
/// The seed-to-seed spread of the regression in (b2), on the log scale.
const REGRESSION_SPREAD: f64 = 0.1;

/// How "now" is made from a baseline draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Unchanged,
    Regression,
    RegressionBySeed,
    ReshuffledRegression,
    ReshuffledBigRegression,
    Reshuffled,
}

impl Scenario {
    const ALL: [Scenario; 6] = [
        Scenario::Unchanged,
        Scenario::Regression,
        Scenario::RegressionBySeed,
        Scenario::ReshuffledRegression,
        Scenario::ReshuffledBigRegression,
        Scenario::Reshuffled,
    ];

    fn label(self) -> &'static str {
        match self {
            Scenario::Unchanged => "(a) unchanged, same seeds x (1 + 1e-6 noise): false alarms",
            Scenario::Regression => "(b) 20% worse, same seeds: detected",
            Scenario::RegressionBySeed => "(b2) 20% worse, same seeds, x exp(0.1 z) each: detected",
            Scenario::ReshuffledRegression => "(c) 20% worse, 3 other seeds: detected",
            Scenario::ReshuffledBigRegression => "(c2) 100% worse, 3 other seeds: detected",
            Scenario::Reshuffled => "(d) unchanged, 3 other seeds: false alarms",
        }
    }

    /// Whether "now" comes from other seeds than the baseline.
    fn reshuffles(self) -> bool {
        matches!(
            self,
            Scenario::ReshuffledRegression
                | Scenario::ReshuffledBigRegression
                | Scenario::Reshuffled
        )
    }
}

/// One configuration's baseline and current values, by (baseline) seed number.
#[derive(Debug, Clone, PartialEq)]
struct Draw {
    base: Vec<(u64, f64)>,
    now: Vec<(u64, f64)>,
}

/// A standard normal deviate (Box-Muller on two uniforms in (0, 1]).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let uniform =
        |rng: &mut ChaCha8Rng| ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let (u, v) = (uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// `k` distinct indices below `n` (a partial Fisher-Yates shuffle), in draw order.
fn distinct(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + (rng.next_u64() % (n - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

/// Makes one draw of `scenario` from the population `(seed, value)`.
fn draw(population: &[(u64, f64)], scenario: Scenario, rng: &mut ChaCha8Rng) -> Draw {
    let picked = distinct(population.len(), 2 * SEEDS, rng);
    let base: Vec<(u64, f64)> = picked[..SEEDS].iter().map(|&i| population[i]).collect();
    // The baseline's seed numbers; the values of the same seeds, or of three others.
    let source: Vec<f64> = if scenario.reshuffles() {
        picked[SEEDS..].iter().map(|&i| population[i].1).collect()
    } else {
        base.iter().map(|&(_, v)| v).collect()
    };
    let now = base
        .iter()
        .zip(source)
        .map(|(&(seed, _), v)| {
            let factor = match scenario {
                Scenario::Unchanged => 1.0 + FLOAT_NOISE * normal(rng),
                Scenario::Regression => REGRESSION * (1.0 + FLOAT_NOISE * normal(rng)),
                Scenario::RegressionBySeed => REGRESSION * (REGRESSION_SPREAD * normal(rng)).exp(),
                Scenario::ReshuffledRegression => REGRESSION,
                Scenario::ReshuffledBigRegression => 2.0,
                Scenario::Reshuffled => 1.0,
            };
            (seed, v * factor)
        })
        .collect();
    Draw { base, now }
}

/// The summary a sweep of these runs would have (test_rmse only).
fn summary(values: &[(u64, f64)]) -> ConfigSummary {
    let plain: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
    let (mean, std) = mean_and_std(&plain);
    ConfigSummary {
        rank: 1,
        config: "c".into(),
        params: vec![],
        n: values.len(),
        n_failed: 0,
        run_ids: vec![],
        metrics: vec![MetricSummary {
            name: Metric::TEST_RMSE.column(),
            mean,
            std,
            by_seed: values.to_vec(),
        }],
        p_values: Vec::new(),
    }
}

/// The baseline row `check --update` would write, with or without the per-seed values.
fn baseline(values: &[(u64, f64)], with_seeds: bool) -> GateRow {
    let plain: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
    let (mean, std) = mean_and_std(&plain);
    GateRow {
        config: "c".into(),
        metric: Metric::TEST_RMSE.column(),
        mean: mean.unwrap(),
        std,
        n: values.len(),
        runner_version: String::new(),
        experiment_hash: "h".into(),
        seeds: if with_seeds { values.to_vec() } else { vec![] },
    }
}

/// The real gate's row for the draw, with a baseline written with or without the per-seed
/// values.
fn gate_row(d: &Draw, with_seeds: bool) -> CheckRow {
    let report = check(
        &[summary(&d.now)],
        &[baseline(&d.base, with_seeds)],
        Metric::TEST_RMSE,
        DEFAULT_TOLERANCE,
        "h",
    )
    .expect("a well-formed check");
    report.rows.into_iter().next().expect("one configuration")
}

/// Whether each design fails the draw as regressed: the old gate (Welch), the new gate
/// (paired on log ratios, or Welch), the paired test on log ratios alone, on differences
/// alone. The last two apply the gate's rule: worse beyond the tolerance, significant, and
/// the seeds moved the way the means did.
fn verdicts(d: &Draw) -> [bool; 4] {
    let old = gate_row(d, false);
    let new = gate_row(d, true);
    let worse = new.change.expect("both sides") > DEFAULT_TOLERANCE;
    let alone = |p: Option<Paired>| {
        let p = p.expect("three shared seeds");
        worse && p.significant(SIGNIFICANCE_LEVEL) && p.mean > 0.0
    };
    let now: Vec<f64> = d.now.iter().map(|&(_, v)| v).collect();
    let base: Vec<f64> = d.base.iter().map(|&(_, v)| v).collect();
    [
        old.verdict == Verdict::Regressed,
        new.verdict == Verdict::Regressed,
        alone(new.paired),
        alone(paired_t(&now, &base, Scale::Difference)),
    ]
}

/// Regressed counts over `draws` draws, per design of [`verdicts`].
fn rates(population: &[(u64, f64)], scenario: Scenario, draws: usize, seed: u64) -> [usize; 4] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = [0; 4];
    for _ in 0..draws {
        let d = draw(population, scenario, &mut rng);
        for (count, fail) in counts.iter_mut().zip(verdicts(&d)) {
            *count += usize::from(fail);
        }
    }
    counts
}

/// One configuration's `(seed, test_rmse)` values.
type Population = (String, Vec<(u64, f64)>);

/// `(config, [(seed, test_rmse)])` in file order, from a CSV `config,seed,test_rmse` whose
/// `#` lines are comments.
fn read_population(path: &Path) -> Result<Vec<Population>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: Vec<Population> = Vec::new();
    let lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    for (i, line) in lines.enumerate().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let parsed = match cells[..] {
            [config, seed, value] => seed
                .parse::<u64>()
                .ok()
                .zip(value.parse::<f64>().ok())
                .map(|p| (config, p)),
            _ => None,
        };
        let Some((config, (seed, value))) = parsed else {
            return Err(format!(
                "{}: row {i}: not config,seed,value: {line}",
                path.display()
            ));
        };
        match out.iter_mut().find(|(c, _)| c == config) {
            Some((_, values)) => values.push((seed, value)),
            None => out.push((config.to_string(), vec![(seed, value)])),
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let mut draws = 10_000;
    let mut seed = 2024;
    let mut population =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments/ci_sine.seeds.csv");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--draws", Some(v)) => draws = v.parse().expect("--draws N"),
            ("--seed", Some(v)) => seed = v.parse().expect("--seed N"),
            ("--population", Some(v)) => population = PathBuf::from(v),
            _ => {
                eprintln!("usage: gate_power [--draws N] [--seed N] [--population FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let configs = match read_population(&population) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "Gate power: {draws} draws of {SEEDS} seeds per scenario, tolerance {}%, RNG seed {seed}, \
         population {}",
        DEFAULT_TOLERANCE * 100.0,
        population.display()
    );
    for (config, values) in &configs {
        let plain: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
        let (mean, std) = mean_and_std(&plain);
        println!(
            "\n{config}: {} seeds, test_rmse {:.5} ± {:.5} (cv {:.0}%)\n",
            values.len(),
            mean.unwrap(),
            std.unwrap_or(0.0),
            100.0 * std.unwrap_or(0.0) / mean.unwrap()
        );
        println!(
            "| scenario | old: Welch | new: paired (log ratios) or Welch | paired alone | \
             paired alone, differences |"
        );
        println!("|:---|---:|---:|---:|---:|");
        for scenario in Scenario::ALL {
            let counts = rates(values, scenario, draws, seed);
            let cells: Vec<String> = counts
                .iter()
                .map(|&c| format!("{:.1}%", 100.0 * c as f64 / draws as f64))
                .collect();
            println!("| {} | {} |", scenario.label(), cells.join(" | "));
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    const POPULATION: [(u64, f64); 6] =
        [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (5, 5.0), (6, 6.0)];

    #[test]
    fn draws_keep_or_reshuffle_the_seeds_as_the_scenario_says() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = draw(&POPULATION, Scenario::Regression, &mut rng);
        assert_eq!(d.base.len(), SEEDS);
        for (&(bs, bv), &(ns, nv)) in d.base.iter().zip(&d.now) {
            // The same seed's value, 20% worse, to the float noise.
            assert_eq!(bs, ns);
            assert_eq!(POPULATION[bs as usize - 1].1, bv);
            assert!((nv / bv - 1.2).abs() < 1e-4, "{d:?}");
        }
        let d = draw(&POPULATION, Scenario::Reshuffled, &mut rng);
        // Same seed numbers, but the values of the three seeds not drawn for the baseline:
        // with six seeds, exactly the other three.
        let base_seeds: Vec<u64> = d.base.iter().map(|&(s, _)| s).collect();
        assert_eq!(
            base_seeds,
            d.now.iter().map(|&(s, _)| s).collect::<Vec<_>>()
        );
        let mut all: Vec<f64> = d.base.iter().chain(&d.now).map(|&(_, v)| v).collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(all, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn the_gates_on_fixed_draws() {
        // A constant 20% on the same seeds: Welch on 1,2,3 vs 1.2,2.4,3.6 sees nothing
        // (t = 0.52), the paired log ratios see a shift with no spread, differences 0.2, 0.4,
        // 0.6 (scipy ttest_rel: p = 0.074) miss it.
        let worse = Draw {
            base: vec![(1, 1.0), (2, 2.0), (3, 3.0)],
            now: vec![(1, 1.2), (2, 2.4), (3, 3.6)],
        };
        assert_eq!(verdicts(&worse), [false, true, true, false]);
        // Unchanged: no design fails it.
        let same = Draw {
            base: worse.base.clone(),
            now: worse.base.clone(),
        };
        assert_eq!(verdicts(&same), [false; 4]);
        // Three times worse on other seeds' trajectories (ci_sine's lookback=5 with a learning
        // rate ten times lower): Welch p = 0.022 catches it, the paired log ratios (p = 0.068)
        // do not (the differences, 0.156, 0.154, 0.091, happen to).
        let reshuffled = Draw {
            base: vec![(1, 0.0587), (2, 0.0343), (3, 0.1156)],
            now: vec![(1, 0.2150), (2, 0.1880), (3, 0.2066)],
        };
        assert_eq!(verdicts(&reshuffled), [true, true, false, true]);
        // Counting: in a population of equal values every draw is alike: none of 5 draws of
        // (a) fails, all 5 of (b) do, for the new gate.
        let flat: Vec<(u64, f64)> = (1..=6).map(|seed| (seed, 2.0)).collect();
        assert_eq!(rates(&flat, Scenario::Unchanged, 5, 3), [0; 4]);
        assert_eq!(rates(&flat, Scenario::Regression, 5, 3)[1..3], [5, 5]);
    }
}
