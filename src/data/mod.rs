//! Data stages: a series comes from a [`source`], is cut chronologically by [`split`],
//! scaled by a [`scale::Scaler`] fitted on one part, and cut into supervised
//! [`window`]s. [`prepare()`] chains them. A series must fit the f32 engine ([`limits`]). Nothing here knows about the network, the
//! experiment file or plots: every stage is a plain function of plain values.

pub mod backtest;
pub mod calendar;
pub mod error;
pub mod limits;
pub mod panel;
pub mod prepare;
pub mod preprocess;
pub mod scale;
pub mod source;
pub mod split;
pub mod transform;
pub mod tutorial;
pub mod window;

pub use backtest::{fold_cuts, prepare_folds, BacktestParams, FoldCut};
pub use error::DataError;
pub use panel::{prepare_panel, Member, Panel};
pub use prepare::{prepare, prepare_forecast_only, prepare_whole, PrepareParams, Prepared};
pub use preprocess::Preprocessing;
pub use scale::{FitOn, ScaleKind, Scaler};
pub use source::{Missing, NamedSeries, Series};
pub use split::{Size, Split, SplitError, SplitSizes};
pub use transform::{Transform, TransformParams};
pub use window::{LookbackFrom, Windows};
