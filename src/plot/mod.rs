//! PNG plots of finished runs (plotters, bitmap backend, embedded font).
//!
//! Plots read records and plain numbers only; they never see a model or a config.

mod axis;
mod best;
mod font;
mod forecast;
mod frame;
mod future;
mod lines;
mod loss_curves;
mod param;
#[cfg(test)]
mod pixels;
mod ranking;
mod run_loss;
mod text;
mod time_axis;

pub use best::{best_png, BestInput};
pub use forecast::{forecast_png, ForecastInput};
pub use future::{future_png, Band, FutureInput, MAX_BANDS};
pub use loss_curves::losses_png;
pub use param::{param_png, ParamAxis, ParamPoint};
pub use ranking::{ranking_png, RankEntry, MAX_RANKED};
pub use run_loss::loss_png;
