//! Several runners on one results folder, through the real binary: the folder's lock (one
//! full run at a time, shards together), the experiment a folder belongs to, and a sweep
//! killed while it assembles its tables.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::{
    command, listing, read_parquet, runner, scratch_dir, stderr, tables, text, write, GRID,
};

/// Another experiment with the same name: 3 runs.
const OTHER: &str = r#"
name = "grid"
[data]
kind = "sine"
points = 200
stop = 20.0
[model]
units = [4]
[train]
epochs = 2
[sweep]
seed = [1, 2, 3]
"#;

/// The binary started in the background in `dir`, output captured, with `env` added.
fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    command(dir, args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runner starts")
}

/// A clean run's tables, for comparison.
fn clean(dir: &Path, file: &Path) -> PathBuf {
    let out = runner(dir, &[file.to_str().unwrap(), "-q", "--out", "clean"]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join("clean")
}

fn assert_same_tables(a: &Path, b: &Path) {
    for (x, y) in tables(a).iter().zip(&tables(b)) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }
    let (x, y) = (
        read_parquet(&a.join("summary.parquet")),
        read_parquet(&b.join("summary.parquet")),
    );
    assert!(x.equals_missing(&y), "summaries differ:\n{x}\n{y}");
}

/// Names in the results folder that a finished invocation must not leave: temporaries, and
/// generations of the tables beyond the current one.
fn temporaries(dir: &Path) -> Vec<String> {
    let names = listing(dir);
    let generations = names.iter().filter(|n| n.starts_with(".tables-")).count();
    names
        .into_iter()
        .filter(|n| {
            n.contains(".tmp-")
                || n.contains(".link-")
                || n.starts_with(".assemble-")
                || (generations > 1 && n.starts_with(".tables-"))
        })
        .collect()
}

/// Waits until the staging folder of an assembly appears in `dir`.
fn wait_for_assembly(dir: &Path, child: &mut Child) {
    let start = Instant::now();
    while !listing_or_empty(dir)
        .iter()
        .any(|n| n.starts_with(".tables.tmp-"))
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before assembling"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no assembly");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn listing_or_empty(dir: &Path) -> Vec<String> {
    if dir.is_dir() {
        listing(dir)
    } else {
        Vec::new()
    }
}

#[test]
fn two_runners_started_at_once_end_with_the_tables_of_a_clean_run() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    let clean = clean(s.path(), &file);

    // Without --wait: both succeed (the second found everything cached) or one is refused
    // with exit 2 naming the holder. Never exit 1, never a half-built folder.
    let mut refused = 0;
    for round in 0..4 {
        let out = format!("nowait{round}");
        let args = [f, "-q", "-j", "1", "--out", out.as_str()];
        let (a, b) = (spawn(s.path(), &args, &[]), spawn(s.path(), &args, &[]));
        let pids = [a.id(), b.id()];
        let results: Vec<Output> = [a, b]
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for (i, r) in results.iter().enumerate() {
            match r.status.code() {
                Some(0) => {}
                Some(2) => {
                    refused += 1;
                    let err = stderr(r);
                    let other = pids[1 - i];
                    assert!(
                        err.contains(&format!("{out} is in use by another runner"))
                            && err.contains(&format!("pid {other} on "))
                            && err.contains("--out nowait")
                            && err.contains("--wait"),
                        "{err}"
                    );
                }
                code => panic!("exit {code:?}: {}", stderr(r)),
            }
        }
        assert!(results.iter().any(|r| r.status.success()));
        assert_same_tables(&clean, &s.path().join(&out));
        assert_eq!(temporaries(&s.path().join(&out)), Vec::<String>::new());
    }
    // 8 runs on one thread take far longer than starting a process: they overlapped.
    assert!(refused > 0, "no runner was ever refused");

    // With --wait: the second waits, says so, then finds every run cached.
    let args = [f, "-j", "1", "--out", "waited", "--wait"];
    let (a, b) = (spawn(s.path(), &args, &[]), spawn(s.path(), &args, &[]));
    let results: Vec<Output> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for r in &results {
        assert!(r.status.success(), "{}", stderr(r));
    }
    let waited: Vec<&Output> = results
        .iter()
        .filter(|r| stderr(r).contains("waiting for "))
        .collect();
    assert_eq!(waited.len(), 1, "exactly one waited");
    let err = stderr(waited[0]);
    assert!(
        err.contains("waited/.runner.lock: in use by pid ") && err.contains("8 cached, 0 to run"),
        "{err}"
    );
    assert_same_tables(&clean, &s.path().join("waited"));
}

#[test]
fn shards_share_a_folder_at_once_and_a_full_run_waits_for_none_of_them() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    let clean = clean(s.path(), &file);
    let shards: Vec<Child> = (0..2)
        .map(|k| {
            let shard = format!("{k}/2");
            spawn(
                s.path(),
                &[f, "-q", "-j", "1", "--out", "sharded", "--shard", &shard],
                &[],
            )
        })
        .collect();
    for c in shards {
        let r = c.wait_with_output().unwrap();
        assert!(r.status.success(), "{}", stderr(&r));
    }
    let merged = runner(s.path(), &["merge", "sharded"]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert_same_tables(&clean, &s.path().join("sharded"));
}

#[test]
fn a_shard_or_a_merge_is_refused_while_a_full_run_holds_the_folder() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    let dir = s.path().join("held");
    let mut holder = spawn(
        s.path(),
        &[f, "-q", "--out", "held"],
        &[("RUNNER_TEST_ASSEMBLY_PAUSE_MS", "400")],
    );
    wait_for_assembly(&dir, &mut holder);
    for args in [
        vec![f, "-q", "--out", "held", "--shard", "0/2"],
        vec!["merge", "held"],
    ] {
        let r = runner(s.path(), &args);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(
            stderr(&r).contains(&format!("held/.runner.lock: pid {} on ", holder.id())),
            "{}",
            stderr(&r)
        );
    }
    assert!(holder.wait().unwrap().success());
}

#[test]
fn another_experiment_with_the_same_name_is_refused_unless_forced() {
    let s = scratch_dir();
    let a = write(s.path(), "a.toml", GRID);
    let b = write(s.path(), "b.toml", OTHER);
    let (fa, fb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let dir = s.path().join("results/grid");
    assert!(runner(s.path(), &[fa, "-q"]).status.success());
    let before = std::fs::read(dir.join("runs.csv")).unwrap();

    let refused = runner(s.path(), &[fb, "-q"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let (ca, cb) = (a.canonicalize().unwrap(), b.canonicalize().unwrap());
    let err = stderr(&refused);
    assert!(
        err.contains(&format!(
            "results/grid holds the results of {} (recorded in results/grid/source.json), \
             another experiment than {}",
            ca.display(),
            cb.display()
        )) && err.contains("--force"),
        "{err}"
    );
    // Nothing was touched: a's tables and 8 run folders, a's source.
    assert_eq!(std::fs::read(dir.join("runs.csv")).unwrap(), before);
    assert_eq!(listing(&dir.join("runs")).len(), 8);
    // check refuses it too, and merge refuses to write a's runs into b's folder.
    assert!(runner(s.path(), &[fb, "-q", "--out", "b_alone"])
        .status
        .success());
    let merged = runner(s.path(), &["merge", "results/grid", "--out", "b_alone"]);
    assert_eq!(merged.status.code(), Some(2), "{}", stderr(&merged));
    assert!(
        stderr(&merged).contains(&format!("b_alone holds the results of {}", cb.display())),
        "{}",
        stderr(&merged)
    );
    let check = runner(
        s.path(),
        &["check", fb, "-q", "--baseline", "b.csv", "--update"],
    );
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    assert!(!s.path().join("b.csv").exists());

    // --force: a's run folders and tables go, b's are built as by a clean run.
    let forced = runner(s.path(), &[fb, "-q", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(listing(&dir.join("runs")).len(), 3, "only b's run folders");
    assert!(text(&std::fs::read(dir.join("source.json")).unwrap()).contains(cb.to_str().unwrap()));
    let clean = runner(s.path(), &[fb, "-q", "--out", "clean_b"]);
    assert!(clean.status.success());
    assert_same_tables(&s.path().join("clean_b"), &dir);
    // Now a is the other one.
    let back = runner(s.path(), &[fa, "-q"]);
    assert_eq!(back.status.code(), Some(2), "{}", stderr(&back));
    // The same file again is the same experiment: its runs are the cache.
    let again = runner(s.path(), &[fb]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("3 cached, 0 to run"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_sweep_killed_while_assembling_leaves_nothing_the_next_run_does_not_clean() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    let clean = clean(s.path(), &file);
    let dir = s.path().join("killed");
    // The runs once, so that every attempt below only assembles.
    assert!(runner(s.path(), &[f, "-q", "--out", "killed"])
        .status
        .success());
    // What runner versions before the lock left: a staging folder without a lock file.
    std::fs::create_dir_all(dir.join(".assemble-4999999/plots")).unwrap();
    std::fs::write(dir.join(".assemble-4999999/runs.csv"), "half").unwrap();

    // Killed while the staging folder is written, before and after it becomes a generation,
    // around the switch of `.tables` and while links are made: three pauses of 250 ms
    // after the tables are written.
    for delay_ms in [0, 250, 500, 750, 1000, 1250] {
        let mut child = spawn(
            s.path(),
            &[f, "-q", "--out", "killed"],
            &[("RUNNER_TEST_ASSEMBLY_PAUSE_MS", "250")],
        );
        wait_for_assembly(&dir, &mut child);
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever the moment, the visible tables are one assembly's, whole: those of the
        // same runs as the clean run's.
        assert!(dir.join("plots").is_dir(), "plots/ is never missing");
        assert_same_tables(&clean, &dir);

        let next = runner(s.path(), &[f, "-q", "--out", "killed"]);
        assert!(next.status.success(), "{}", stderr(&next));
        assert_eq!(temporaries(&dir), Vec::<String>::new(), "{delay_ms} ms");
        assert_same_tables(&clean, &dir);
        let mut plots = listing(&dir.join("plots"));
        plots.retain(|p| p == "forecast.png" || p == "loss.png");
        assert_eq!(plots, ["forecast.png", "loss.png"]);
    }
}

#[test]
fn an_assembly_removes_the_outputs_of_an_older_one_that_it_does_not_write() {
    let s = scratch_dir();
    let single = GRID.split("[sweep]").next().unwrap();
    let file = write(s.path(), "exp.toml", single);
    let f = file.to_str().unwrap();
    assert!(runner(s.path(), &[f, "-q", "--out", "out"])
        .status
        .success());
    let dir = s.path().join("out");
    assert!(
        dir.join("metrics.json").is_file(),
        "a single run's metrics.json"
    );
    // The same file, now a sweep: metrics.json belonged to the single run's tables.
    write(
        s.path(),
        "exp.toml",
        &format!("{single}[sweep]\nseed = [1, 2]\n"),
    );
    let out = runner(s.path(), &[f, "-q", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.join("metrics.json").exists(), "{:?}", listing(&dir));
    assert_eq!(read_parquet(&dir.join("runs.parquet")).height(), 2);
}

/// `(runs.parquet rows, summary.parquet's n of its first row)` read through the visible names,
/// when `.tables` pointed at the same generation before and after both reads (a reader that
/// straddles a switch proves nothing about the writer); `None` otherwise.
fn consistent_sample(dir: &Path) -> Option<(usize, u32)> {
    use polars_io::prelude::{ParquetReader, SerReader};
    let read = |name: &str| {
        let file = std::fs::File::open(dir.join(name)).ok()?;
        ParquetReader::new(file).finish().ok()
    };
    let before = std::fs::read_link(dir.join(".tables")).ok()?;
    let runs = read("runs.parquet")?;
    let summary = read("summary.parquet")?;
    let after = std::fs::read_link(dir.join(".tables")).ok()?;
    let n = summary.column("n").ok()?.u32().ok()?.get(0)?;
    (before == after).then_some((runs.height(), n))
}

#[test]
fn tables_seen_at_any_moment_of_an_assembly_belong_to_one_assembly() {
    let s = scratch_dir();
    let base = GRID.split("[sweep]").next().unwrap();
    let file = write(
        s.path(),
        "exp.toml",
        &format!("{base}[sweep]\nseed = [1, 2]\n"),
    );
    let f = file.to_str().unwrap();
    assert!(runner(s.path(), &[f, "-q", "--out", "out"])
        .status
        .success());
    let dir = s.path().join("out");
    // A third seed: the new tables have 3 runs and n = 3, the old ones 2 and 2. Sampled all
    // through the next invocation, the two tables always come from one assembly.
    write(
        s.path(),
        "exp.toml",
        &format!("{base}[sweep]\nseed = [1, 2, 3]\n"),
    );
    let mut child = spawn(
        s.path(),
        &[f, "-q", "--out", "out"],
        &[("RUNNER_TEST_ASSEMBLY_PAUSE_MS", "100")],
    );
    let mut seen = std::collections::BTreeSet::new();
    while child.try_wait().unwrap().is_none() {
        seen.extend(consistent_sample(&dir));
        std::thread::sleep(Duration::from_millis(5));
    }
    seen.extend(consistent_sample(&dir));
    assert!(child.wait().unwrap().success());
    assert!(
        seen.iter().all(|&(runs, n)| runs == n as usize),
        "a runs table and a summary of different assemblies were visible together: {seen:?}"
    );
    assert_eq!(seen.first(), Some(&(2, 2)), "the old tables were seen");
    assert_eq!(seen.last(), Some(&(3, 3)), "the new tables were seen");
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}
