//! Why runs that were cached are trained again. A CSV file's contents are part of a run's
//! id (see `spec::identity`), so an edited file gives its runs new ids: the folders of the
//! old contents no longer match and the runs retrain. This finds those folders, so that
//! the user is told why nothing was cached: a run folder of the old contents has the same
//! *configuration id* (the run id computed without the contents) as a run to train now.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::spec::{identity, DataSpec, Experiment, RunSpec};

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
            Some((configuration_id(&r.experiment), (r.run_id.as_str(), file)))
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
        // Any run folder counts, verified or not (a folder from before manifests has none):
        // this only explains why runs retrain.
        let is_run = entry.path().join("record.json").is_file();
        if name.starts_with('.') || current.contains(name.as_str()) || !is_run {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::sweep::parse_sweep_str;

    const TEXT: &str = "[data]\nkind = \"csv\"\npath = \"d.csv\"\n[window]\nlookback = 3\n\
                        [sweep]\nseed = [1, 2]\n";

    /// A finished run folder of `run` named `name`: its record and its resolved experiment.
    fn folder(runs_dir: &Path, name: &str, run: &RunSpec) {
        let dir = runs_dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("record.json"), "{}").unwrap();
        std::fs::write(dir.join("config.toml"), run.experiment.to_toml_string()).unwrap();
    }

    #[test]
    fn folders_of_other_contents_or_from_before_hashing_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = (dir.path().join("e.toml"), dir.path().join("d.csv"));
        let values: String = (0..40).map(|i| format!("{}\n", i % 5)).collect();
        std::fs::write(&data, format!("value\n{values}")).unwrap();
        let old = parse_sweep_str(TEXT, &file, &[]).unwrap();
        std::fs::write(&data, format!("value\n{values}9\n")).unwrap();
        let new = parse_sweep_str(TEXT, &file, &[]).unwrap();
        let runs_dir = dir.path().join("runs");
        let todo: Vec<&RunSpec> = new.runs.iter().collect();
        let current: HashSet<&str> = new.runs.iter().map(|r| r.run_id.as_str()).collect();

        // nothing cached: nothing to explain
        assert_eq!(data_changes(&runs_dir, &todo, &current), vec![]);
        // the old contents' folders of both runs, and a folder of the current grid
        for run in &old.runs {
            folder(&runs_dir, &run.run_id, run);
        }
        folder(&runs_dir, &new.runs[0].run_id, &new.runs[0]);
        let changed = DataChanged {
            file: data.clone(),
            runs: 2,
            predates_hashing: false,
        };
        assert_eq!(
            data_changes(&runs_dir, &todo, &current),
            vec![changed.clone()]
        );
        assert_eq!(
            changed.message(),
            format!(
                "data of {} changed since the cached runs: retraining 2 runs",
                data.display()
            )
        );
        // only the runs to train are explained
        assert_eq!(data_changes(&runs_dir, &todo[1..], &current)[0].runs, 1);

        // a folder named by the configuration alone was written before contents were hashed
        let runs_dir = dir.path().join("old-runs");
        folder(
            &runs_dir,
            &configuration_id(&old.runs[1].experiment),
            &old.runs[1],
        );
        let found = data_changes(&runs_dir, &todo, &current);
        assert_eq!(found.len(), 1);
        assert!(found[0].predates_hashing);
        assert_eq!(found[0].runs, 1);
        assert_eq!(
            found[0].message(),
            format!(
                "the cached runs of {} were written before data files' contents were part of a \
                 run's identity: retraining 1 run",
                data.display()
            )
        );
    }
}
