//! The plan of a sweep: which data stages are distinct (computed once, shared by every run
//! that uses them) and how much training work the runs add up to.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::data::{self, Prepared};
use crate::spec::Sweep;

use super::panel_data::PanelData;

use super::Error;

pub struct Plan {
    /// Prepared data per data-stage hash: one per backtest fold, oldest first; the last
    /// (the only one without a backtest) is the experiment's own split.
    datasets: BTreeMap<String, Arc<Vec<Prepared>>>,
    /// Prepared panels per data-stage hash (experiments with `data.series_column`).
    panels: BTreeMap<String, Arc<PanelData>>,
}

impl Plan {
    /// Runs the data stages of every distinct dataset of the sweep. Bad data (a CSV cell,
    /// a part too short for a window) is bad input: reported before anything is written.
    pub fn build(sweep: &Sweep) -> Result<Plan, Error> {
        let mut datasets = BTreeMap::new();
        let mut panels = BTreeMap::new();
        for run in &sweep.runs {
            let exp = &run.experiment;
            let hash = exp.data_hash();
            if datasets.contains_key(&hash) || panels.contains_key(&hash) {
                continue;
            }
            if exp.is_panel() {
                let series = exp.load_panel().map_err(Error::bad_input)?;
                let data = PanelData::build(series, &exp.prepare_params(), exp.data.season())
                    .map_err(Error::bad_input)?;
                panels.insert(hash, Arc::new(data));
                continue;
            }
            let series = exp.load_series().map_err(Error::bad_input)?;
            let folds = data::prepare_folds(series, &exp.prepare_params(), exp.backtest.params())
                .map_err(Error::bad_input)?;
            datasets.insert(hash, Arc::new(folds));
        }
        Ok(Plan { datasets, panels })
    }

    pub fn dataset_count(&self) -> usize {
        self.datasets.len() + self.panels.len()
    }

    /// The prepared panel of a run of the sweep; `None` for one series.
    pub fn panel_for(&self, exp: &crate::spec::Experiment) -> Option<Arc<PanelData>> {
        self.panels.get(&exp.data_hash()).map(Arc::clone)
    }

    /// The prepared data of a run of the sweep, one per backtest fold (oldest first).
    pub fn folds_for(&self, exp: &crate::spec::Experiment) -> Arc<Vec<Prepared>> {
        Arc::clone(&self.datasets[&exp.data_hash()])
    }

    /// The experiment's own split of the whole series: the last fold.
    pub fn data_for(&self, exp: &crate::spec::Experiment) -> &Prepared {
        self.datasets[&exp.data_hash()]
            .last()
            .expect("a dataset has at least one fold")
    }
}

/// Training work of the sweep: Σ over runs and backtest folds of training windows × epochs
/// (an upper bound when early stopping ends runs sooner).
pub fn sample_epochs(sweep: &Sweep, plan: &Plan) -> u64 {
    runs_sample_epochs(sweep.runs.iter(), plan)
}

/// [`sample_epochs`] of some runs of the sweep (those to train).
pub fn runs_sample_epochs<'a>(
    runs: impl Iterator<Item = &'a crate::spec::RunSpec>,
    plan: &Plan,
) -> u64 {
    runs.map(|r| {
        let n: u64 = match plan.panel_for(&r.experiment) {
            Some(panel) => panel.training_windows() as u64,
            None => plan
                .folds_for(&r.experiment)
                .iter()
                .map(|f| f.train.len() as u64)
                .sum(),
        };
        n.saturating_mul(r.experiment.train.epochs as u64)
    })
    .fold(0, u64::saturating_add)
}

/// The planned training time of one run, in the relative units of
/// [`NetworkShape::window_cost`](crate::nn::NetworkShape::window_cost): its sample-epochs
/// times the cost of one window. Runs start longest first by it, and progress counts it.
pub fn run_work(run: &crate::spec::RunSpec, plan: &Plan) -> u64 {
    let window = super::train_run::network_shape(&run.experiment)
        .window_cost(run.experiment.window.lookback);
    runs_sample_epochs(std::iter::once(run), plan).saturating_mul(window)
}

/// What `runner validate` prints: the file's own values resolved (every default written
/// out, the backtest's default step too, swept keys marked), its `[sweep]` as the file writes
/// it, the plan's size and, with a backtest, where each fold cuts.
pub fn describe(file: &std::path::Path, sweep: &Sweep, plan: &Plan) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut out = format!("# {}: valid; resolved configuration:\n", file.display());
    let swept: Vec<&str> = sweep.axes.iter().map(|a| a.key.as_str()).collect();
    let (shown, whose) = match &sweep.base {
        Some(base) => (base, "the file's"),
        None => (&sweep.runs[0].experiment, "the first run's"),
    };
    let step = default_step(shown, plan, sweep);
    out.push_str(&annotate(&shown.to_toml_string(), &swept, step));
    if !sweep.axes.is_empty() {
        out.push_str(&format!(
            "\n# {} runs: every combination of these candidates (the values above are {whose}; \
             `# swept` marks those the sweep replaces)\n[sweep]\n",
            sweep.runs.len()
        ));
        for axis in &sweep.axes {
            let values: Vec<String> = axis.values.iter().map(|v| v.to_string()).collect();
            out.push_str(&format!("{} = [{}]\n", axis.key, values.join(", ")));
        }
    }
    out.push_str(&format!(
        "\n# plan: {} run{}, {} distinct dataset{}, {} sample-epochs of training\n",
        sweep.runs.len(),
        plural(sweep.runs.len()),
        plan.dataset_count(),
        plural(plan.dataset_count()),
        sample_epochs(sweep, plan)
    ));
    if let Some(panel) = plan.panel_for(&sweep.runs[0].experiment) {
        let p = &panel.panel;
        let short: Vec<String> = (0..p.folds())
            .map(|j| {
                format!(
                    "{} fold: {} without a training window, {} shorter than the lookback",
                    p.part(j),
                    p.short(j).count(),
                    p.unforecastable(j).count()
                )
            })
            .collect();
        out.push_str(&format!(
            "# panel (first run): {} series, test = last {} points of each, validation = the \
             {} before. Series without a training window are forecast by a global network \
             trained on the others, or by Naive2 with local networks; series shorter than the \
             lookback by Naive2. {}\n",
            p.members.len(),
            p.test,
            p.validation,
            short.join("; ")
        ));
        return out;
    }
    let folds = plan.folds_for(&sweep.runs[0].experiment);
    if folds.len() > 1 {
        let cuts: Vec<String> = folds
            .iter()
            .map(|f| {
                let s = &f.split;
                let validation = if s.validation.is_empty() {
                    String::new()
                } else {
                    format!(" validation {:?}", s.validation)
                };
                format!("train {:?}{validation} test {:?}", s.train, s.test)
            })
            .collect();
        out.push_str(&format!(
            "# backtest (first run): {} folds, oldest first: {}\n",
            folds.len(),
            cuts.join("; ")
        ));
    }
    out
}

/// The backtest's step when the file leaves it to its default (the test part's length), as
/// the first run's folds cut it; `None` without a backtest or with a step written.
fn default_step(shown: &crate::spec::Experiment, plan: &Plan, sweep: &Sweep) -> Option<usize> {
    if shown.backtest.folds < 2 || shown.backtest.step.is_some() || shown.is_panel() {
        return None;
    }
    let folds = plan.datasets.get(&sweep.runs[0].experiment.data_hash())?;
    match folds.as_slice() {
        [a, b, ..] => Some(b.split.test.start - a.split.test.start),
        _ => None,
    }
}

/// The resolved TOML with `# swept` after each key the sweep replaces, and the backtest's
/// default `step` written out after its `folds`.
fn annotate(toml: &str, swept: &[&str], step: Option<usize>) -> String {
    let mut out = String::new();
    let mut section = String::new();
    for line in toml.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            section = name.trim_matches('[').trim_matches(']').to_string();
        }
        let key = trimmed.split_once(" = ").map(|(k, _)| {
            if section.is_empty() {
                k.to_string()
            } else {
                format!("{section}.{k}")
            }
        });
        out.push_str(line);
        if key.as_deref().is_some_and(|k| swept.contains(&k)) {
            out.push_str("  # swept");
        }
        out.push('\n');
        if let (Some("backtest.folds"), Some(step)) = (key.as_deref(), step) {
            out.push_str(&format!(
                "step = {step}  # the default: the test part's length\n"
            ));
        }
    }
    out
}
