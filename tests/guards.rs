//! Resource guards through the binary: sizes that cannot fit are refused with exit 2 and an
//! estimate before anything is generated, allocated or written; a plan over the work
//! limits starts only with `--yes`.

mod common;

use common::{runner, runner_env, scratch_dir, stderr, stdout, write};

/// A sine of 120 points and a tiny LSTM: `extra` is appended (keys of `[train]` last).
fn experiment(extra: &str) -> String {
    format!(
        "name = \"g\"\n[data]\nkind = \"sine\"\npoints = 120\nstop = 12.0\n\
         [window]\nlookback = 5\n{extra}"
    )
}

const TINY: &str = "[model]\nunits = [3]\n[train]\nepochs = 2\n";

#[test]
fn a_model_too_large_for_memory_is_refused_by_run_with_its_estimate() {
    let dir = scratch_dir();
    let file = write(
        dir.path(),
        "big.toml",
        &experiment("[model]\nunits = [100000]\n[train]\nepochs = 1\n"),
    );
    let file = file.to_str().unwrap();
    let env = [("RUNNER_MEMORY_LIMIT", "64G")];
    let o = runner_env(dir.path(), &["run", file, "--out", "out", "-q"], &env);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("run `g` would need about 1.5 TiB of memory (40000900001 parameters:"),
        "{err}"
    );
    assert!(
        err.contains("more than the limit of 64.0 GiB (RUNNER_MEMORY_LIMIT)"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
    // validate says so too, with the estimate, and does not build the model
    let o = runner_env(dir.path(), &["validate", file], &env);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.contains("# memory: largest run"), "{out}");
    assert!(out.contains("does NOT fit: `run` refuses it"), "{out}");
}

#[test]
fn the_memory_limit_comes_from_the_variable_and_a_bad_value_is_named() {
    let dir = scratch_dir();
    let file = write(dir.path(), "e.toml", &experiment(TINY));
    let file = file.to_str().unwrap();
    let o = runner_env(
        dir.path(),
        &["validate", file],
        &[("RUNNER_MEMORY_LIMIT", "1K")],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the data sets of this experiment need about"),
        "{err}"
    );
    assert!(
        err.contains("limit of 1.0 KiB (RUNNER_MEMORY_LIMIT)"),
        "{err}"
    );
    let o = runner_env(
        dir.path(),
        &["run", file, "--out", "out"],
        &[("RUNNER_MEMORY_LIMIT", "lots")],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("RUNNER_MEMORY_LIMIT = \"lots\""), "{err}");
    assert!(!dir.path().join("out").exists());
    // at a sane limit the same file validates and prints its estimates
    let o = runner_env(
        dir.path(),
        &["validate", file],
        &[("RUNNER_MEMORY_LIMIT", "1G")],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        out.contains("# memory limit: 1.0 GiB (RUNNER_MEMORY_LIMIT); fits"),
        "{out}"
    );
    assert!(out.contains("# work: 1 run to train, "), "{out}");
}

#[test]
fn absurd_sizes_are_refused_by_validate_without_a_panic() {
    let dir = scratch_dir();
    for (body, expected) in [
        (
            "[data]\nkind = \"sine\"\npoints = 9223372036854775807\n",
            "`data.points` must be at most 100000000 (the points runner generates), found 9223372036854775807",
        ),
        (
            "[data]\nkind = \"sine\"\npoints = 100\n[train]\nepochs = 1000000000\n",
            "`train.epochs` must be at most 10000000 (epochs of one run), found 1000000000",
        ),
        (
            "[data]\nkind = \"ar\"\npoints = 100\ncoefficients = [0.5]\nburn_in = 9223372036854775807\n",
            "`data.burn_in` must be at most 100000000",
        ),
        (
            "[data]\nkind = \"sine\"\npoints = 100\n[model]\nunits = [4, 9223372036854775807]\n",
            "`model.units[1]` must be at most 1000000 (units of one layer)",
        ),
    ] {
        let file = write(dir.path(), "absurd.toml", body);
        let file = file.to_str().unwrap();
        for args in [vec!["validate", file], vec!["run", file, "--out", "out"]] {
            let command = args[0];
            let o = runner(dir.path(), &args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {body}: {err}");
            assert!(err.contains(expected), "{command} {body}: {err}");
            assert!(err.contains("absurd.toml"), "{err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(!dir.path().join("out").exists());
        }
    }
}

#[test]
fn a_grid_too_large_to_expand_is_refused_before_expansion() {
    let dir = scratch_dir();
    let seeds: Vec<String> = (0..400).map(|s| s.to_string()).collect();
    let seeds = seeds.join(", ");
    let body = experiment(&format!(
        "{TINY}[sweep]\nseed = [{seeds}]\ntrain.learning_rate = [{}]\n",
        (1..=400)
            .map(|i| format!("{i}e-4"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let file = write(dir.path(), "huge.toml", &body);
    let start = std::time::Instant::now();
    let o = runner(dir.path(), &["validate", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`sweep` expands to 160000 runs (400 train.learning_rate x 400 seed), more than the 100000"),
        "{err}"
    );
    assert!(start.elapsed().as_secs() < 5, "refused before expansion");
}

#[test]
fn a_plan_over_the_work_limit_needs_yes() {
    let dir = scratch_dir();
    // over the default limit of 10000 runs: refused before anything is written
    let seeds: Vec<String> = (0..10_001).map(|s| s.to_string()).collect();
    let big = experiment(&format!("{TINY}[sweep]\nseed = [{}]\n", seeds.join(", ")));
    let file = write(dir.path(), "big.toml", &big);
    let o = runner(
        dir.path(),
        &["run", file.to_str().unwrap(), "--out", "out", "-q"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("this plan trains 10001 runs"), "{err}");
    assert!(err.contains("pass --yes to start it"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing is written");

    // a lowered limit, so that the accepted case is fast: 3 runs over a limit of 2
    let small = experiment(&format!("{TINY}[sweep]\nseed = [1, 2, 3]\n"));
    let file = write(dir.path(), "small.toml", &small);
    let file = file.to_str().unwrap();
    let env = [("RUNNER_MAX_RUNS", "2")];
    let o = runner_env(dir.path(), &["run", file, "--out", "small", "-q"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this plan trains 3 runs"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("small").exists());
    let o = runner_env(
        dir.path(),
        &["run", file, "--out", "small", "-q", "--yes"],
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let runs = std::fs::read_to_string(dir.path().join("small/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 4, "{runs}");
    // cached runs are not work: the same plan again needs no --yes
    let o = runner_env(dir.path(), &["run", file, "--out", "small", "-q"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // the sample-epochs limit likewise
    let env = [("RUNNER_MAX_SAMPLE_EPOCHS", "10")];
    let o = runner_env(dir.path(), &["run", file, "--out", "other", "-q"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("sample-epochs"), "{}", stderr(&o));
}
