//! The model files of a run (one per backtest fold) and of a refit: what a trained network
//! is saved with, and the names its files take in a run folder.

use crate::data::Prepared;
use crate::saved::{ModelMeta, SavedModel, RUNNER_VERSION};
use crate::spec::{DataSpec, RunSpec};

use super::train_run::Trained;

/// The network `trained` of `run`, fitted on `data`, with everything needed to apply it to
/// raw values. `trained_on` says which fit it is (`fold 2 of 3`, `whole series`).
pub fn saved_model(
    run: &RunSpec,
    data: &Prepared,
    trained: &Trained,
    trained_on: String,
) -> SavedModel {
    let (column, time_column) = match &run.experiment.data {
        DataSpec::Csv(c) => (Some(c.column.clone()), c.time_column.clone()),
        _ => (None, None),
    };
    SavedModel {
        meta: ModelMeta {
            run_id: run.run_id.clone(),
            label: run.display_label(),
            runner_version: RUNNER_VERSION.to_string(),
            trained_on,
            points: data.series.len(),
            best_epoch: trained.report.best_epoch,
            epochs: trained.report.history.len(),
            column,
            time_column,
            preprocessing: data.preprocessing(),
        },
        net: trained.net.clone(),
    }
}

/// The file name of a run's model of fold `fold` of `folds`: `model.safetensors` for the last
/// (the experiment's own split, whose test predictions the run's tables hold),
/// `model.fold1.safetensors`, ... for the earlier folds of a backtest.
pub fn model_file_name(fold: u32, folds: u32) -> String {
    if fold == folds {
        "model.safetensors".to_string()
    } else {
        format!("model.fold{fold}.safetensors")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_fold_is_the_runs_model() {
        assert_eq!(model_file_name(1, 1), "model.safetensors");
        assert_eq!(model_file_name(3, 3), "model.safetensors");
        assert_eq!(model_file_name(1, 3), "model.fold1.safetensors");
    }
}
