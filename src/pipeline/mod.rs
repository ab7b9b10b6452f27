//! The executor: the only place that knows the order of the stages.

mod error;
mod experiment;
mod progress;
mod train_run;
mod write;

pub use error::Error;
pub use experiment::{run, Outcome, RunOptions};
pub use progress::EpochProgress;
pub use train_run::{fit_config, network_shape};
