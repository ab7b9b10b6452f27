//! The two model computations of a forecast, per seed run of the forecast configuration:
//! refit its network on the whole series and forecast past the end; and replay its backtest
//! folds' saved networks from every origin of their test parts, forecasting as the final
//! forecast does, so that their errors calibrate the intervals.

use std::path::Path;

use ndarray::Array2;

use crate::analysis::conformal::HeldOutPath;
use crate::data::{prepare_whole, Series};
use crate::saved::{self, forecast_paths, SavedModel};
use crate::spec::RunSpec;
use crate::store::FoldRecord;
use crate::train::EpochStats;

use super::model_files::saved_model;
use super::train_run;
use super::Error;
use crate::store::layout::model_file_name;

/// A seed's networks from its run folder: one per backtest fold, oldest first (the run's
/// own model alone without a backtest).
pub fn fold_models(run_dir: &Path, folds: u32) -> Result<Vec<SavedModel>, Error> {
    (1..=folds.max(1))
        .map(|fold| {
            let path = run_dir.join(model_file_name(fold, folds.max(1)));
            if !path.is_file() {
                return Err(Error::BadInput(format!(
                    "{} is missing: the run was trained before runner saved its models; \
                     retrain it (run the experiment with --force)",
                    path.display()
                )));
            }
            saved::load(&path).map_err(Error::bad_input)
        })
        .collect()
}

/// The epochs to refit for: the configured epochs, or with early stopping the mean (rounded,
/// at least 1) of the best epochs its folds stopped at, since the refit has no validation
/// part to stop on.
pub fn refit_epochs(run: &RunSpec, folds: &[SavedModel]) -> usize {
    if run.experiment.train.early_stopping.is_none() || folds.is_empty() {
        return run.experiment.train.epochs;
    }
    let mean = folds.iter().map(|m| m.meta.best_epoch as f64).sum::<f64>() / folds.len() as f64;
    (mean.round() as usize).max(1)
}

/// Refits `run`'s network on the whole series for `epochs` (no early stopping; a learning-
/// rate schedule watches the training loss) and forecasts `steps` values past the end.
/// Returns the forecast and the refitted model.
pub fn refit_and_forecast(
    run: &RunSpec,
    series: &Series,
    epochs: usize,
    steps: usize,
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> Result<(Vec<f64>, SavedModel), Error> {
    let mut exp = run.experiment.clone();
    exp.train.epochs = epochs;
    exp.train.early_stopping = None;
    let data = prepare_whole(series.clone(), &exp.prepare_params()).map_err(Error::bad_input)?;
    let trained = train_run::fit(&exp, &data, on_epoch);
    if let crate::train::Stop::Diverged { reason, .. } = &trained.report.stop {
        return Err(Error::Failed(format!(
            "the refit of {} on the whole series diverged: {reason}",
            run.display_label()
        )));
    }
    let model = saved_model(run, &data, &trained, "whole series".into());
    let n = series.len();
    let path = forecast_paths(&model, &series.values, &[n], steps).map_err(Error::failed)?;
    Ok((path.row(0).to_vec(), model))
}

/// The held-out forecasts of one seed's fold networks: from every origin of each fold's test
/// part (with enough history), `steps` values ahead but not past the series' end.
/// `[fold][origin]`.
pub fn fold_paths(
    models: &[SavedModel],
    folds: &[FoldRecord],
    series: &Series,
    steps: usize,
) -> Result<Vec<Vec<HeldOutPath>>, Error> {
    let n = series.len();
    models
        .iter()
        .zip(folds)
        .map(|(model, fold)| {
            let need = model.meta.preprocessing.history_needed();
            let origins: Vec<usize> = (fold.origin as usize..fold.end as usize)
                .filter(|&o| o >= need)
                .collect();
            // No step past the series' end has an actual to judge it by.
            let reach = origins.first().map_or(0, |&o| steps.min(n - o));
            let paths: Array2<f64> =
                forecast_paths(model, &series.values, &origins, reach).map_err(Error::failed)?;
            Ok(origins
                .iter()
                .enumerate()
                .map(|(i, &o)| {
                    let known = reach.min(n - o);
                    HeldOutPath {
                        origin: o,
                        forecast: paths.row(i).iter().take(known).copied().collect(),
                    }
                })
                .collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::sweep::parse_sweep_str;

    /// A tiny run of `text`'s `[train]` on a short sine, fitted on its whole series, with
    /// its model's best epoch set to `best`.
    fn run_and_model(train: &str, best: usize) -> (RunSpec, SavedModel) {
        let text = format!(
            "[data]\nkind = \"sine\"\npoints = 60\nstop = 6.0\n[split]\nvalidation = 0.2\n[window]\nlookback = 4\n\
             [model]\nunits = [2]\n[train]\n{train}\n"
        );
        let run = parse_sweep_str(&text, Path::new("e.toml"), &[])
            .unwrap()
            .runs[0]
            .clone();
        let exp = &run.experiment;
        let data = prepare_whole(exp.load_series().unwrap(), &exp.prepare_params()).unwrap();
        let trained = train_run::fit(exp, &data, &mut |_| {});
        let mut model = saved_model(&run, &data, &trained, "fold 1 of 1".into());
        model.meta.best_epoch = best;
        (run, model)
    }

    #[test]
    fn the_refit_trains_the_configured_epochs_or_the_folds_mean_best_epoch() {
        let (plain, m) = run_and_model("epochs = 9", 3);
        assert_eq!(
            refit_epochs(&plain, &[m]),
            9,
            "no early stopping: the epochs given"
        );
        let stopping = "epochs = 50\nearly_stopping = { patience = 2 }";
        let (run, a) = run_and_model(stopping, 7);
        let (_, b) = run_and_model(stopping, 10);
        // (7 + 10) / 2 = 8.5, rounded half away from zero
        assert_eq!(refit_epochs(&run, &[a.clone(), b]), 9);
        let (_, zero) = run_and_model(stopping, 0);
        assert_eq!(refit_epochs(&run, &[zero]), 1, "at least one epoch");
        assert_eq!(refit_epochs(&run, &[a]), 7);
    }
}
