//! `runner check`, the regression gate, through the real binary.

mod common;

use std::path::PathBuf;

use common::{project, runner, runner_env, scratch_dir, text, write};
use runner::store::read_runs;

fn ci_sine() -> PathBuf {
    project().join("experiments/ci_sine.toml")
}

#[test]
fn the_gate_passes_unchanged_flags_a_worse_config_and_a_missing_one() {
    let s = scratch_dir();
    let exp = ci_sine();
    let exp = exp.to_str().unwrap();
    let base = s.path().join("baseline.csv");
    let base = base.to_str().unwrap();

    let update = runner(
        s.path(),
        &["check", exp, "--baseline", base, "--update", "-q"],
    );
    assert!(update.status.success(), "{}", text(&update.stderr));
    let csv = std::fs::read_to_string(base).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "config,metric,mean,std,n,runner_version,experiment_hash,seeds"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("lookback=10,test_rmse,") && lines[1].contains(",3,"),
        "{csv}"
    );
    // Each seed's value, for a paired check later.
    let seeds = lines[1].rsplit(',').next().unwrap();
    let seed_numbers: Vec<&str> = seeds
        .split(';')
        .map(|p| p.split(':').next().unwrap())
        .collect();
    assert_eq!(seed_numbers, ["1", "2", "3"], "{csv}");

    // Unchanged: the same runs (cached) against their own baseline.
    let summary = s.path().join("step_summary.md");
    let same = runner_env(
        s.path(),
        &["check", exp, "--baseline", base, "-q"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    assert!(text(&same.stdout)
        .contains("0 regressed, 0 missing, 0 improved, 2 unchanged, 0 new: PASSED"));
    // The same seeds, the same values: paired, every log ratio 0.
    assert_eq!(
        text(&same.stdout)
            .matches("paired t on log ratios, 3 seeds, p = 1;")
            .count(),
        2,
        "{}",
        text(&same.stdout)
    );
    let md = std::fs::read_to_string(s.path().join("results/ci_sine/check.md")).unwrap();
    assert!(
        md.contains("| lookback=10 |") && md.contains("unchanged"),
        "{md}"
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap().trim(), md.trim());

    // A learning rate ten times lower undertrains in 20 epochs: both configs regress.
    let worse = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            base,
            "-q",
            "--out",
            "worse",
            "--set",
            "train.learning_rate=0.001",
        ],
    );
    assert_eq!(worse.status.code(), Some(1), "{}", text(&worse.stdout));
    let out = text(&worse.stdout);
    assert!(
        out.contains("2 regressed") && out.contains("FAILED"),
        "{out}"
    );
    // Another learning rate changes every seed's trajectory: the pairs share nothing, and
    // for lookback=5 (spread out seeds) the paired test on 2 degrees of freedom misses the
    // change (p = 0.076) that Welch's test catches: it decides that row.
    let lookback5 = out.lines().find(|l| l.starts_with("lookback=5 ")).unwrap();
    assert!(
        lookback5.contains("Welch, 3 + 3 seeds, p = 0.0") && lookback5.contains("paired p = 0.076"),
        "{lookback5}"
    );
    assert!(
        text(&worse.stderr).contains("experiment hash"),
        "the changed experiment is reported"
    );

    // A configuration of the baseline that no longer runs is missing: exit 1.
    let narrowed = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            base,
            "-q",
            "--set",
            "sweep.window.lookback=[10]",
        ],
    );
    assert_eq!(
        narrowed.status.code(),
        Some(1),
        "{}",
        text(&narrowed.stdout)
    );
    assert!(
        text(&narrowed.stdout).contains("1 missing"),
        "{}",
        text(&narrowed.stdout)
    );
}

#[test]
fn a_missing_baseline_or_a_bad_tolerance_is_bad_input() {
    let s = scratch_dir();
    let exp = ci_sine();
    let out = runner(
        s.path(),
        &["check", exp.to_str().unwrap(), "--baseline", "nope.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nope.csv"),
        "{}",
        text(&out.stderr)
    );
    assert!(!s.path().join("results").exists(), "nothing ran");
    let out = runner(
        s.path(),
        &[
            "check",
            exp.to_str().unwrap(),
            "--baseline",
            "nope.csv",
            "--tolerance",
            "-1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// Mean and sample std (ddof = 1), worked out here rather than by the library under test.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[test]
fn a_baseline_better_on_every_seed_fails_the_paired_gate_where_welch_passed() {
    let s = scratch_dir();
    let exp = ci_sine();
    let exp = exp.to_str().unwrap();
    let recorded = s.path().join("recorded.csv");
    let update = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            recorded.to_str().unwrap(),
            "--update",
            "-q",
        ],
    );
    assert!(update.status.success(), "{}", text(&update.stderr));
    let hash = std::fs::read_to_string(&recorded)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(6)
        .unwrap()
        .to_string();

    // A baseline written by hand from the real runs (the runs table, not the gate's file):
    // each seed 1.45, 1.5 and 1.55 times better than it is now, so now is 50% worse, seed by
    // seed. (With these numbers Welch's p is 0.065 for lookback=10, the case.)
    let runs = read_runs(&s.path().join("results/ci_sine")).unwrap();
    let factors = [(1, 1.45), (2, 1.5), (3, 1.55)];
    let mut with_seeds =
        String::from("config,metric,mean,std,n,runner_version,experiment_hash,seeds\n");
    let mut without_seeds =
        String::from("config,metric,mean,std,n,runner_version,experiment_hash\n");
    for config in ["lookback=10", "lookback=5"] {
        let mut seeds = Vec::new();
        for (seed, factor) in factors {
            let run = runs
                .iter()
                .find(|r| r.config == config && r.seed == seed)
                .unwrap_or_else(|| panic!("no run {config} seed {seed}"));
            seeds.push((seed, run.metric("test_rmse").unwrap() / factor));
        }
        let values: Vec<f64> = seeds.iter().map(|&(_, v)| v).collect();
        let (mean, std) = mean_std(&values);
        let row = format!("{config},test_rmse,{mean:?},{std:?},3,0.1.0,{hash}");
        let cell: Vec<String> = seeds.iter().map(|(s, v)| format!("{s}:{v:?}")).collect();
        with_seeds.push_str(&format!("{row},{}\n", cell.join(";")));
        without_seeds.push_str(&format!("{row}\n"));
    }
    let paired_base = write(s.path(), "better.csv", &with_seeds);
    let welch_base = write(s.path(), "better_old.csv", &without_seeds);

    // Paired on the three seeds: both configurations regressed, exit 1.
    let paired = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            paired_base.to_str().unwrap(),
            "-q",
        ],
    );
    let out = text(&paired.stdout);
    assert_eq!(
        paired.status.code(),
        Some(1),
        "{out}{}",
        text(&paired.stderr)
    );
    let row = |out: &str, config: &str| -> String {
        out.lines()
            .find(|l| l.starts_with(&format!("{config} ")))
            .unwrap_or_else(|| panic!("no row {config} in {out}"))
            .to_string()
    };
    for config in ["lookback=10", "lookback=5"] {
        let line = row(&out, config);
        // ln 1.45, ln 1.5, ln 1.55: t = 21.0 on 2 degrees of freedom, p = 0.0023 (scipy).
        assert!(
            line.contains("  +5")
                && line.contains("paired t on log ratios, 3 seeds, p = 0.002")
                && line.contains("regressed"),
            "{line}"
        );
    }
    assert!(
        out.contains("2 regressed, 0 missing, 0 improved, 0 unchanged, 0 new: FAILED"),
        "{out}"
    );
    let md = std::fs::read_to_string(s.path().join("results/ci_sine/check.md")).unwrap();
    assert!(
        md.contains("paired t on log ratios, 3 seeds, p = 0.002; Welch p = 0.065 | **regressed**"),
        "{md}"
    );

    // The same baseline as written before per-seed values: Welch on 3 + 3 seeds lets both
    // through (p = 0.065 and 0.46), and says why it could not pair.
    let welch = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            welch_base.to_str().unwrap(),
            "-q",
        ],
    );
    let out = text(&welch.stdout);
    assert_eq!(welch.status.code(), Some(0), "{out}{}", text(&welch.stderr));
    let line = row(&out, "lookback=10");
    assert!(
        line.contains("Welch, 3 + 3 seeds, p = 0.065")
            && line.contains("unchanged")
            && line.contains("worse beyond the tolerance, but not significant"),
        "{line}"
    );
    assert!(
        text(&welch.stderr).contains("no per-seed values for 2 configurations"),
        "{}",
        text(&welch.stderr)
    );
}
