//! What a trained network is saved with: the model of a run's fold or of a refit (file names
//! are `store::layout`'s).

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
