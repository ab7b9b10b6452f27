//! Where things go in a results folder, and how the folder appears atomically.
//!
//! A results folder is assembled in a hidden sibling (`<parent>/.<name>.tmp-<pid>-<n>`) and
//! renamed into place only when complete, so a crash or Ctrl-C never leaves a half-written
//! folder under the final name, and an earlier complete folder survives until the new one is
//! ready. The sibling lives on the same filesystem as the final folder, which is what makes
//! the rename atomic.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};

pub const EXPERIMENT_TOML: &str = "experiment.toml";
pub const METRICS_JSON: &str = "metrics.json";
pub const RUNS_CSV: &str = "runs.csv";
pub const RUNS_PARQUET: &str = "runs.parquet";
pub const HISTORY_CSV: &str = "history.csv";
pub const HISTORY_PARQUET: &str = "history.parquet";
pub const PREDICTIONS_PARQUET: &str = "predictions.parquet";
pub const FOLDS_CSV: &str = "folds.csv";
pub const FOLDS_PARQUET: &str = "folds.parquet";
pub const SUMMARY_CSV: &str = "summary.csv";
pub const SUMMARY_PARQUET: &str = "summary.parquet";
pub const REPORT_MD: &str = "report.md";
pub const PLOTS_DIR: &str = "plots";
pub const FORECAST_PNG: &str = "forecast.png";
pub const LOSS_PNG: &str = "loss.png";

/// Folder that holds every experiment's results folder unless `--out` says otherwise.
pub const DEFAULT_RESULTS_ROOT: &str = "results";

/// `results/<name>`: the default results folder of the experiment called `name`.
///
/// The name becomes one path component, so separators, `.` and `..` are refused rather than
/// letting an experiment write outside `results/`.
pub fn default_results_dir(name: &str) -> Result<PathBuf> {
    let is_single_component = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.contains('\0');
    if !is_single_component {
        bail!(
            "experiment name {name:?} cannot be a folder name under {DEFAULT_RESULTS_ROOT}/ \
             (use letters, digits, '-', '_' or '.')"
        );
    }
    Ok(Path::new(DEFAULT_RESULTS_ROOT).join(name))
}

/// Paths of the files inside one results folder (the staging folder while it is being
/// written, the final folder afterwards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsLayout {
    root: PathBuf,
}

impl ResultsLayout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn experiment_toml(&self) -> PathBuf {
        self.root.join(EXPERIMENT_TOML)
    }
    pub fn metrics_json(&self) -> PathBuf {
        self.root.join(METRICS_JSON)
    }
    pub fn runs_csv(&self) -> PathBuf {
        self.root.join(RUNS_CSV)
    }
    pub fn runs_parquet(&self) -> PathBuf {
        self.root.join(RUNS_PARQUET)
    }
    pub fn history_csv(&self) -> PathBuf {
        self.root.join(HISTORY_CSV)
    }
    pub fn history_parquet(&self) -> PathBuf {
        self.root.join(HISTORY_PARQUET)
    }
    pub fn predictions_parquet(&self) -> PathBuf {
        self.root.join(PREDICTIONS_PARQUET)
    }
    pub fn summary_csv(&self) -> PathBuf {
        self.root.join(SUMMARY_CSV)
    }
    pub fn summary_parquet(&self) -> PathBuf {
        self.root.join(SUMMARY_PARQUET)
    }
    pub fn report_md(&self) -> PathBuf {
        self.root.join(REPORT_MD)
    }
    pub fn plots_dir(&self) -> PathBuf {
        self.root.join(PLOTS_DIR)
    }
    pub fn forecast_png(&self) -> PathBuf {
        self.plots_dir().join(FORECAST_PNG)
    }
    pub fn loss_png(&self) -> PathBuf {
        self.plots_dir().join(LOSS_PNG)
    }
}

/// Distinguishes staging folders made by one process for the same final folder.
static STAGING_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary sibling of a results folder; see the module doc.
///
/// Write into [`StagingDir::path`], then [`StagingDir::commit`]. Dropping it uncommitted
/// (an error, a panic) deletes the temporary folder and leaves the final folder untouched.
#[derive(Debug)]
pub struct StagingDir {
    staging: PathBuf,
    final_dir: PathBuf,
    committed: bool,
}

impl StagingDir {
    /// Creates the empty staging folder next to `final_dir` (creating `final_dir`'s parent
    /// if needed). `final_dir` itself is not touched until [`commit`](Self::commit).
    ///
    /// Fails if `final_dir` exists and is not a folder, so a user's file is never replaced.
    pub fn create(final_dir: impl Into<PathBuf>) -> Result<Self> {
        let final_dir: PathBuf = final_dir.into();
        let name = final_dir
            .file_name()
            .with_context(|| {
                format!(
                    "results folder {} has no final component to name it by",
                    final_dir.display()
                )
            })?
            .to_string_lossy()
            .into_owned();
        if final_dir.exists() && !final_dir.is_dir() {
            bail!(
                "results folder {} exists and is not a folder",
                final_dir.display()
            );
        }
        let parent = parent_of(&final_dir);
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;

        let n = STAGING_COUNTER.fetch_add(1, Ordering::Relaxed);
        let staging = parent.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        // A leftover with this exact name can only come from a crashed process that had our
        // pid; it is garbage by construction.
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| {
                format!("cannot remove stale staging folder {}", staging.display())
            })?;
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot create staging folder {}", staging.display()))?;
        Ok(Self {
            staging,
            final_dir,
            committed: false,
        })
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder the staging folder becomes on commit.
    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// Renames the staging folder to the final name and returns that path.
    ///
    /// An existing final folder is first renamed aside, then the new one is renamed in, then
    /// the old one is deleted; so at every instant the final name holds either the complete
    /// old folder, nothing (between two renames), or the complete new one. If the second
    /// rename fails the old folder is put back. Failing to delete the old folder after a
    /// successful swap is not an error (the results are in place); the aside copy is left as
    /// a hidden `.<name>.old-*` sibling.
    pub fn commit(mut self) -> Result<PathBuf> {
        let aside = if self.final_dir.exists() {
            let aside = self.sibling("old");
            fs::rename(&self.final_dir, &aside).with_context(|| {
                format!(
                    "cannot move the previous results folder {} aside",
                    self.final_dir.display()
                )
            })?;
            Some(aside)
        } else {
            None
        };
        if let Err(err) = fs::rename(&self.staging, &self.final_dir) {
            if let Some(aside) = &aside {
                let _ = fs::rename(aside, &self.final_dir);
            }
            return Err(err).with_context(|| {
                format!(
                    "cannot rename {} to {}",
                    self.staging.display(),
                    self.final_dir.display()
                )
            });
        }
        self.committed = true;
        if let Some(aside) = aside {
            let _ = fs::remove_dir_all(aside);
        }
        Ok(self.final_dir.clone())
    }

    fn sibling(&self, kind: &str) -> PathBuf {
        let name = self
            .final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let n = STAGING_COUNTER.fetch_add(1, Ordering::Relaxed);
        parent_of(&self.final_dir).join(format!(".{name}.{kind}-{}-{n}", std::process::id()))
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a leftover hidden folder is harmless and named as temporary.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// `dir`'s parent, with `.` for a bare relative name (whose `parent()` is `""`).
fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty folder under the system temp dir, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> Self {
            let n = STAGING_COUNTER.fetch_add(1, Ordering::Relaxed);
            let p = std::env::temp_dir()
                .join(format!("runner-layout-{tag}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_existing_folder_and_leaves_no_siblings() {
        let tmp = TempDir::new("replace");
        let final_dir = tmp.0.join("exp");
        fs::create_dir(&final_dir).unwrap();
        fs::write(final_dir.join("old.txt"), "old").unwrap();

        let staging = StagingDir::create(&final_dir).unwrap();
        assert_eq!(staging.path().parent().unwrap(), tmp.0);
        assert!(staging
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".exp.tmp-"));
        fs::write(staging.path().join("new.txt"), "new").unwrap();
        // Until commit, the old folder is intact.
        assert_eq!(entries(&final_dir), ["old.txt"]);

        let committed = staging.commit().unwrap();
        assert_eq!(committed, final_dir);
        assert_eq!(entries(&final_dir), ["new.txt"]);
        assert_eq!(
            fs::read_to_string(final_dir.join("new.txt")).unwrap(),
            "new"
        );
        // Neither the staging folder nor the old folder set aside remains.
        assert_eq!(entries(&tmp.0), ["exp"]);
    }

    #[test]
    fn commit_creates_missing_parent_and_folder() {
        let tmp = TempDir::new("fresh");
        let final_dir = tmp.0.join("results").join("exp");
        let staging = StagingDir::create(&final_dir).unwrap();
        fs::write(staging.path().join("a.txt"), "a").unwrap();
        staging.commit().unwrap();
        assert_eq!(entries(&final_dir), ["a.txt"]);
        assert_eq!(entries(&tmp.0.join("results")), ["exp"]);
    }

    #[test]
    fn drop_without_commit_removes_staging_and_keeps_old_folder() {
        let tmp = TempDir::new("drop");
        let final_dir = tmp.0.join("exp");
        fs::create_dir(&final_dir).unwrap();
        fs::write(final_dir.join("old.txt"), "old").unwrap();
        {
            let staging = StagingDir::create(&final_dir).unwrap();
            fs::create_dir(staging.path().join("plots")).unwrap();
            fs::write(staging.path().join("plots").join("x.png"), "x").unwrap();
            assert_eq!(entries(&tmp.0).len(), 2);
        }
        assert_eq!(entries(&tmp.0), ["exp"]);
        assert_eq!(entries(&final_dir), ["old.txt"]);
    }

    #[test]
    fn create_refuses_a_final_path_that_is_a_file() {
        let tmp = TempDir::new("file");
        let final_dir = tmp.0.join("exp");
        fs::write(&final_dir, "not a folder").unwrap();
        let err = StagingDir::create(&final_dir).unwrap_err().to_string();
        assert!(err.contains("exists and is not a folder"), "{err}");
        assert!(err.contains("exp"), "{err}");
        assert_eq!(entries(&tmp.0), ["exp"]);
    }

    #[test]
    fn two_staging_dirs_for_one_target_do_not_collide() {
        let tmp = TempDir::new("two");
        let final_dir = tmp.0.join("exp");
        let a = StagingDir::create(&final_dir).unwrap();
        let b = StagingDir::create(&final_dir).unwrap();
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn default_results_dir_is_results_slash_name_and_refuses_paths() {
        assert_eq!(
            default_results_dir("seed").unwrap(),
            Path::new("results").join("seed")
        );
        for bad in ["", ".", "..", "a/b", "..\\x"] {
            let err = default_results_dir(bad).unwrap_err().to_string();
            assert!(err.contains("cannot be a folder name"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn layout_names_the_issue_files() {
        let l = ResultsLayout::new("out");
        assert_eq!(l.runs_parquet(), Path::new("out/runs.parquet"));
        assert_eq!(l.forecast_png(), Path::new("out/plots/forecast.png"));
        assert_eq!(l.loss_png(), Path::new("out/plots/loss.png"));
        assert_eq!(l.history_csv(), Path::new("out/history.csv"));
        assert_eq!(l.summary_csv(), Path::new("out/summary.csv"));
        assert_eq!(l.summary_parquet(), Path::new("out/summary.parquet"));
        assert_eq!(l.report_md(), Path::new("out/report.md"));
    }
}
