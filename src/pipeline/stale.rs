//! Why runs that were cached are trained again. A CSV file's contents are part of a run's
//! id (see `spec::identity`), so an edited file gives its runs new ids: the folders of the
//! old contents no longer match and the runs retrain. This finds those folders, so that
//! the user is told why nothing was cached: a run folder of the old contents has the same
//! *configuration id* (the run id computed without the contents) as a run to train now.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::spec::{identity, DataSpec, Experiment, RunSpec};
use crate::store::is_finished;

/// Runs of one data file retrained because the file is not the one their cached folders
/// were trained on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChanged {
    /// The file as the experiment resolves it.
    pub file: PathBuf,
    /// Runs to train whose configuration has a cached folder of other contents.
    pub runs: usize,
    /// The cached folders were written before contents were hashed (their id is the
    /// configuration's): the file may be unchanged, but they cannot tell.
    pub predates_hashing: bool,
}

impl DataChanged {
    /// The line the user reads.
    pub fn message(&self) -> String {
        let runs = match self.runs {
            1 => "1 run".to_string(),
            n => format!("{n} runs"),
        };
        if self.predates_hashing {
            format!(
                "the cached runs of {} were written before data files' contents were part of a \
                 run's identity: retraining {runs}",
                self.file.display()
            )
        } else {
            format!(
                "data of {} changed since the cached runs: retraining {runs}",
                self.file.display()
            )
        }
    }
}

/// The run id without the data file's contents: equal for runs that differ only in them.
fn configuration_id(e: &Experiment) -> String {
    let mut e = e.clone();
    if let DataSpec::Csv(c) = &mut e.data {
        c.contents = None;
    }
    identity::run_id(&e)
}

/// For the runs about to be trained (`todo`), the data files whose cached folders under
/// `runs_dir` hold the same configurations trained on other contents. `current` holds the
/// ids of the whole grid, whose folders are not stale. Unreadable folders are skipped:
/// this only explains, it decides nothing.
pub fn data_changes(
    runs_dir: &Path,
    todo: &[&RunSpec],
    current: &HashSet<&str>,
) -> Vec<DataChanged> {
    let wanted: HashMap<String, (&str, PathBuf)> = todo
        .iter()
        .filter_map(|r| {
            let file = r.experiment.csv_path()?;
            Some((
                configuration_id(&r.experiment),
                (r.run_id.as_str(), file),
            ))
        })
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(runs_dir) else {
        return Vec::new();
    };
    // file -> (runs to train that have an older folder, whether one predates hashing)
    let mut found: BTreeMap<PathBuf, (HashSet<&str>, bool)> = BTreeMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || current.contains(name.as_str()) || !is_finished(runs_dir, &name)
        {
            continue;
        }
        // `config.toml`: the run's resolved experiment, as `store::write_run` writes it.
        let Ok(text) = std::fs::read_to_string(entry.path().join("config.toml")) else {
            continue;
        };
        // The resolved TOML carries no contents: its id is the configuration's.
        let Ok(old) = toml::from_str::<Experiment>(&text) else {
            continue;
        };
        let old_configuration = identity::run_id(&old);
        if let Some((run_id, file)) = wanted.get(&old_configuration) {
            let slot = found.entry(file.clone()).or_default();
            slot.0.insert(run_id);
            slot.1 |= name == old_configuration;
        }
    }
    found
        .into_iter()
        .map(|(file, (runs, predates_hashing))| DataChanged {
            file,
            runs: runs.len(),
            predates_hashing,
        })
        .collect()
}
