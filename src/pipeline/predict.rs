//! `runner predict`: a saved model applied to a CSV series with its stored preprocessing,
//! forecasting the values after the series' last window. No experiment file, no training.

use std::path::PathBuf;

use crate::data::calendar::Calendar;
use crate::data::source::{inspect_csv, read_csv};
use crate::data::Missing;
use crate::saved::{self, forecast_paths, ModelMeta};

use super::Error;

pub struct PredictOptions {
    pub model: PathBuf,
    pub data: PathBuf,
    /// The value column; the model's own column (else `value`) when not given.
    pub column: Option<String>,
    /// Values to forecast; the network's horizon when not given.
    pub horizon: Option<usize>,
}

/// The forecast of one saved model for the values after a series.
pub struct Prediction {
    pub meta: ModelMeta,
    pub column: String,
    /// Values in the series read.
    pub points: usize,
    /// `(step, time label, forecast)`, step 1 first.
    pub rows: Vec<(usize, Option<String>, f64)>,
}

pub fn predict(opts: &PredictOptions) -> Result<Prediction, Error> {
    let model = saved::load(&opts.model).map_err(Error::bad_input)?;
    let column = opts
        .column
        .clone()
        .or_else(|| model.meta.column.clone())
        .unwrap_or_else(|| "value".to_string());
    // The model's time column labels the forecast when the file has it.
    let shape = inspect_csv(&opts.data).map_err(Error::bad_input)?;
    let time_column = model
        .meta
        .time_column
        .clone()
        .filter(|t| shape.columns.contains(t));
    let series = read_csv(&opts.data, &column, time_column.as_deref(), Missing::Error)
        .map_err(Error::bad_input)?;
    let pre = &model.meta.preprocessing;
    let need = pre.history_needed();
    if series.len() < need {
        return Err(Error::BadInput(format!(
            "{}: column `{column}` has {} values; the model needs at least {need} (lookback {} \
             plus {} consumed by differencing)",
            opts.data.display(),
            series.len(),
            pre.lookback,
            pre.transform.lost()
        )));
    }
    let steps = opts.horizon.unwrap_or(pre.horizon);
    let n = series.len();
    let forecast = forecast_paths(&model, &series.values, &[n], steps)
        .map_err(|e| Error::BadInput(format!("{}: {e}", opts.data.display())))?;
    let times = series
        .time
        .as_ref()
        .and_then(|t| Calendar::infer(t).ok())
        .map(|c| c.next_labels(steps));
    let rows = (0..steps)
        .map(|k| {
            (
                k + 1,
                times.as_ref().and_then(|t| t.get(k).cloned()),
                forecast[[0, k]],
            )
        })
        .collect();
    Ok(Prediction {
        meta: model.meta,
        column,
        points: n,
        rows,
    })
}
