//! The data stage of a panel, computed once per distinct dataset of a sweep: every series
//! prepared on its own (see [`crate::data::panel`]) and the competitions' benchmarks fitted
//! on each series before each forecast origin (the validation part's and the test part's).

use rayon::prelude::*;

use crate::data::{prepare_panel, DataError, NamedSeries, Panel, PrepareParams};
use crate::eval::competition::Origin;

/// A prepared panel with its benchmarks.
pub struct PanelData {
    pub panel: Panel,
    /// Per member (same order), per fold (as [`crate::data::Member::folds`]): the benchmarks
    /// at the origin the fold forecasts from.
    pub origins: Vec<Vec<Origin>>,
    /// Points per season (`data.season`; 0 or 1 without).
    pub season: usize,
}

impl PanelData {
    /// Prepares every series with `p` and scores the benchmarks at both origins (in
    /// parallel over series; each series' numbers do not depend on the thread count).
    pub fn build(
        series: Vec<NamedSeries>,
        p: &PrepareParams,
        season: usize,
    ) -> Result<PanelData, DataError> {
        let panel = prepare_panel(series, p)?;
        let (h, v) = (panel.test, panel.validation);
        let origins = panel
            .members
            .par_iter()
            .map(|m| {
                let values = &m.series.values;
                let n = values.len();
                (0..panel.folds())
                    .map(|j| Origin::new(values, n - h - v + j * v, h, season))
                    .collect()
            })
            .collect();
        Ok(PanelData {
            panel,
            origins,
            season,
        })
    }

    /// Training windows of all series in all folds (sample-epochs per epoch of a run).
    pub fn training_windows(&self) -> usize {
        self.panel
            .members
            .iter()
            .flat_map(|m| m.folds.iter())
            .filter_map(|f| f.as_ref().ok())
            .map(|p| p.train.len())
            .sum()
    }
}
