//! The executor: the only place that knows the order of the stages.
//!
//! `experiment file → Sweep (spec) → Plan (distinct data stages, prepared once) → runs in
//! parallel (execute, one run folder each) → tables, summary, plots, report (assemble)`.

mod assemble;
pub mod budget;
mod check;
pub mod compare;
mod error;
mod execute;
mod fold;
mod forecast;
pub mod interrupt;
mod model_files;
mod ownership;
mod panel_data;
mod panel_run;
mod plan;
mod predict;
mod progress;
mod provenance;
mod refit;
mod schedule;
pub mod shard;
pub mod slurm;
mod stale;
mod sweep;
mod train_run;
mod work;

pub use check::{check, CheckOptions, CheckOutcome};
pub use error::Error;
pub use forecast::{forecast, ForecastOptions, ForecastOutcome};
pub use plan::{describe, runs_sample_epochs, sample_epochs, Plan};
pub use predict::{predict, PredictOptions, Prediction};
pub use shard::Shard;
pub use stale::DataChanged;
pub use sweep::{
    merge, read_source, results_folder, run, writable_folder, Merged, Outcome, RunOptions, Source,
    SOURCE_FILE,
};
pub use train_run::{fit_config, network_shape};
