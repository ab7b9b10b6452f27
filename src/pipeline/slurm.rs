//! `runner slurm`: an sbatch array script that runs the sweep's shards, and a merge job that
//! starts when every shard succeeded (`--dependency=afterok`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Error;

/// Slurm's default `MaxArraySize` is 1001: array indices above 1000 are refused.
pub const MAX_ARRAY_TASKS: usize = 1000;

#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    /// At most this many array tasks at once (`--array=0-N%K`).
    pub throttle: Option<usize>,
    /// Time limit per task, `HH:MM:SS`.
    pub time: Option<String>,
    /// Runs per array task (more runs per task, fewer tasks).
    pub runs_per_task: usize,
}

/// The scripts `runner slurm` writes, with absolute paths so they run from any directory.
pub struct SlurmScripts {
    pub tasks: usize,
    pub runs_per_task: usize,
    pub array: String,
    pub merge: String,
    pub submit: String,
}

/// Builds the scripts for `runs` runs of `file` with `sets`, writing results into `out`.
pub fn scripts(
    runner: &Path,
    file: &Path,
    sets: &[String],
    out: &Path,
    runs: usize,
    opts: &SlurmOptions,
) -> SlurmScripts {
    // Cap the task count at Slurm's array limit by packing more runs into each task.
    let per_task = opts
        .runs_per_task
        .max(1)
        .max(runs.div_ceil(MAX_ARRAY_TASKS));
    let tasks = runs.div_ceil(per_task).max(1);
    let name = file
        .file_stem()
        .map_or("runner".to_string(), |s| s.to_string_lossy().into_owned());
    let logs = out.join("slurm").join("logs");
    let mut header = format!("#!/bin/bash\n#SBATCH --job-name=runner-{name}\n");
    if let Some(p) = &opts.partition {
        header += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(t) = &opts.time {
        header += &format!("#SBATCH --time={t}\n");
    }
    let set_args: String = sets
        .iter()
        .map(|s| format!(" --set {}", shell_quote(s)))
        .collect();
    let throttle = opts.throttle.map(|k| format!("%{k}")).unwrap_or_default();
    let array = format!(
        "{header}#SBATCH --array=0-{last}{throttle}\n#SBATCH --cpus-per-task=1\n\
         #SBATCH --output={logs}/%A_%a.out\n\
         # Task i runs the grid positions p with p mod {tasks} == i (about {per_task} runs).\n\
         set -euo pipefail\n\
         exec {runner} run {file} --out {out} --shard \"$SLURM_ARRAY_TASK_ID/{tasks}\" --jobs 1 --quiet{set_args}\n",
        last = tasks - 1,
        logs = shell_quote_path(&logs),
        runner = shell_quote_path(runner),
        file = shell_quote_path(file),
        out = shell_quote_path(out),
    );
    let merge = format!(
        "{header}#SBATCH --cpus-per-task=1\n#SBATCH --output={logs}/merge_%j.out\n\
         # Builds the tables, summary, plots and report from every shard's run folders.\n\
         set -euo pipefail\n\
         exec {runner} merge {out}\n",
        logs = shell_quote_path(&logs),
        runner = shell_quote_path(runner),
        out = shell_quote_path(out),
    );
    let dir = shell_quote_path(&out.join("slurm"));
    let submit = format!(
        "#!/bin/bash\n# Submits the shard array, then the merge job once every shard succeeded.\n\
         set -euo pipefail\n\
         array=$(sbatch --parsable {dir}/array.sbatch)\n\
         merge=$(sbatch --parsable --dependency=afterok:${{array%%;*}} {dir}/merge.sbatch)\n\
         echo \"array job ${{array%%;*}} ({tasks} tasks), merge job ${{merge%%;*}}\"\n"
    );
    SlurmScripts {
        tasks,
        runs_per_task: per_task,
        array,
        merge,
        submit,
    }
}

/// Writes the scripts to `<out>/slurm/`; returns that folder.
pub fn write_scripts(out: &Path, s: &SlurmScripts) -> Result<PathBuf, Error> {
    let dir = out.join("slurm");
    std::fs::create_dir_all(dir.join("logs"))
        .map_err(|e| Error::failed(format!("{}: {e}", dir.display())))?;
    for (name, text) in [
        ("array.sbatch", &s.array),
        ("merge.sbatch", &s.merge),
        ("submit.sh", &s.submit),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::failed(format!("{}: {e}", p.display())))?;
    }
    Ok(dir)
}

/// Submits the array, then the merge job depending on it; returns (array id, merge id).
pub fn submit(dir: &Path) -> Result<(String, String), Error> {
    let sbatch = |args: &[&str]| -> Result<String, Error> {
        let out = Command::new("sbatch")
            .arg("--parsable")
            .args(args)
            .output()
            .map_err(|e| Error::failed(format!("cannot run sbatch: {e}; is Slurm installed?")))?;
        if !out.status.success() {
            return Err(Error::failed(format!(
                "sbatch {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        // --parsable prints "id" or "id;cluster".
        Ok(id.split(';').next().unwrap_or_default().to_string())
    };
    let array = sbatch(&[&dir.join("array.sbatch").to_string_lossy()])?;
    let merge = sbatch(&[
        &format!("--dependency=afterok:{array}"),
        &dir.join("merge.sbatch").to_string_lossy(),
    ])?;
    Ok((array, merge))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn shell_quote_path(p: &Path) -> String {
    shell_quote(&p.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(runs: usize, opts: &SlurmOptions) -> SlurmScripts {
        scripts(
            Path::new("/opt/runner"),
            Path::new("/exp/grid.toml"),
            &["train.epochs=5".to_string()],
            Path::new("/res/grid"),
            runs,
            opts,
        )
    }

    #[test]
    fn one_task_per_run_by_default_with_throttle_partition_and_time() {
        let opts = SlurmOptions {
            partition: Some("debug".into()),
            throttle: Some(2),
            time: Some("00:10:00".into()),
            runs_per_task: 1,
        };
        let s = make(36, &opts);
        assert_eq!(s.tasks, 36);
        assert!(s.array.contains("#SBATCH --array=0-35%2\n"), "{}", s.array);
        assert!(s.array.contains("#SBATCH --partition=debug\n"));
        assert!(s.array.contains("#SBATCH --time=00:10:00\n"));
        assert!(s.array.contains("--shard \"$SLURM_ARRAY_TASK_ID/36\""));
        assert!(s.array.contains("--set 'train.epochs=5'"));
        assert!(s.merge.contains("'/opt/runner' merge '/res/grid'"));
        assert!(s.submit.contains("--dependency=afterok:"));
    }

    #[test]
    fn runs_per_task_and_the_array_limit_shrink_the_array() {
        let s = make(
            36,
            &SlurmOptions {
                runs_per_task: 5,
                ..Default::default()
            },
        );
        assert_eq!((s.tasks, s.runs_per_task), (8, 5)); // ceil(36 / 5)
        assert!(s.array.contains("#SBATCH --array=0-7\n"));
        // 2500 runs would need 2500 tasks: capped at 1000 by packing 3 runs per task.
        let s = make(
            2500,
            &SlurmOptions {
                runs_per_task: 1,
                ..Default::default()
            },
        );
        assert_eq!((s.tasks, s.runs_per_task), (834, 3));
    }
}
