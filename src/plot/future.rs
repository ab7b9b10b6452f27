//! The forecast past the end of the series: the recent history, the forecast continuing it,
//! and its prediction-interval bands (the widest lightest, drawn first).

use std::path::Path;

use anyhow::{bail, Result};
use plotters::prelude::{Color, Polygon, RGBColor};

use super::axis::{ticked_chart, AxisSpec, ValueAxis};
use super::frame::{draw_err, header, write_png, Area, LegendEntry, Sample, BLUE, CANVAS, ORANGE};
use super::lines::draw_index_line;
use super::time_axis::PositionAxis;

/// How many interval bands one plot draws.
pub const MAX_BANDS: usize = BAND_COLORS.len();

/// Band fills, narrowest level first: orange lightened toward white, opaque so that the
/// picture does not depend on blending (and tests can find each band's pixels).
pub(super) const BAND_COLORS: [RGBColor; 3] = [
    RGBColor(255, 190, 130),
    RGBColor(255, 218, 186),
    RGBColor(255, 236, 220),
];

/// One interval level's band: its legend label (`80% interval`) and per forecast step
/// `(lower, upper)`, `None` where the interval is unknown.
pub struct Band {
    pub label: String,
    pub bounds: Vec<Option<(f64, f64)>>,
}

/// What [`future_png`] draws.
pub struct FutureInput<'a> {
    /// The last observations, original units.
    pub history: &'a [f64],
    /// The forecast of the values after them (step 1 first).
    pub forecast: &'a [f64],
    /// Per level, narrowest first.
    pub bands: &'a [Band],
    /// One time label per history point and forecast step, when the series has times.
    pub labels: Option<&'a [String]>,
    pub title: &'a str,
}

/// Draws `input` as a 1200×600 PNG at `path`: the history in blue, the forecast in orange
/// (joined to the last observation), the bands under it, a legend and the title on top.
/// Non-finite values are skipped.
pub fn future_png(path: &Path, input: &FutureInput) -> Result<()> {
    let points = input.history.len() + input.forecast.len();
    if let Some(labels) = input.labels {
        if labels.len() != points {
            bail!("future plot: {} labels for {points} points", labels.len());
        }
    }
    if input.bands.len() > BAND_COLORS.len() {
        bail!("future plot: at most {} interval levels", BAND_COLORS.len());
    }
    for band in input.bands {
        if band.bounds.len() != input.forecast.len() {
            bail!(
                "future plot: {} has {} steps, the forecast {}",
                band.label,
                band.bounds.len(),
                input.forecast.len()
            );
        }
    }
    write_png(path, CANVAS, |root| draw_future(root, input))
}

fn draw_future(root: &Area<'_>, input: &FutureInput) -> Result<()> {
    let start = input.history.len();
    let history: Vec<(usize, f64)> = input.history.iter().copied().enumerate().collect();
    // The forecast line starts at the last observation, so it reads as its continuation.
    let forecast: Vec<(usize, f64)> = history
        .last()
        .copied()
        .into_iter()
        .chain(
            input
                .forecast
                .iter()
                .enumerate()
                .map(|(k, &v)| (start + k, v)),
        )
        .collect();
    let mut legend = vec![
        LegendEntry::line("History", BLUE),
        LegendEntry::line("Forecast (mean of the seeds)", ORANGE),
    ];
    for (band, &color) in input.bands.iter().zip(&BAND_COLORS) {
        legend.push(LegendEntry {
            label: &band.label,
            color,
            sample: Sample::Band,
        });
    }
    let area = header(root, input.title, &legend)?;

    let bounds = input
        .bands
        .iter()
        .flat_map(|b| b.bounds.iter().flatten().flat_map(|&(lo, hi)| [lo, hi]));
    let values = history
        .iter()
        .chain(&forecast)
        .map(|&(_, v)| v)
        .chain(bounds);
    let y = ValueAxis::fit(values, false, false, 8);
    let x = PositionAxis::new(
        0.0,
        (points_of(input) as f64 - 1.0).max(1.0),
        input.labels,
        12,
    );
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let x_desc = if input.labels.is_some() {
        "time"
    } else {
        "step"
    };
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(&x.axis, x_desc, &x_label, 60),
        AxisSpec::of(&y, "value", &y_label, 90),
    )?;
    // Widest band first, so each narrower one lies on top of it.
    for (band, &color) in input.bands.iter().zip(&BAND_COLORS).rev() {
        for run in band_runs(&band.bounds, start) {
            chart
                .draw_series(std::iter::once(Polygon::new(run, color.filled())))
                .map_err(draw_err)?;
        }
    }
    draw_index_line(&mut chart, &history, BLUE, 3)?;
    draw_index_line(&mut chart, &forecast, ORANGE, 3)?;
    Ok(())
}

fn points_of(input: &FutureInput) -> usize {
    input.history.len() + input.forecast.len()
}

/// The band as polygons in chart coordinates, one per run of consecutive known steps: the
/// upper bounds left to right, then the lower ones back. A run of one step is widened by a
/// quarter of a step each side, so it still shows.
fn band_runs(band: &[Option<(f64, f64)>], start: usize) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, (f64, f64))>> = Vec::new();
    let mut current = Vec::new();
    for (k, b) in band.iter().enumerate() {
        match b {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() => {
                current.push(((start + k) as f64, (*lo, *hi)));
            }
            _ => {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs.into_iter()
        .map(|run| {
            let run = if run.len() == 1 {
                let (x, b) = run[0];
                vec![(x - 0.25, b), (x + 0.25, b)]
            } else {
                run
            };
            let upper = run.iter().map(|&(x, (_, hi))| (x, hi));
            let lower = run.iter().rev().map(|&(x, (lo, _))| (x, lo));
            upper.chain(lower).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::pixels::{at_fraction, Pixels};

    fn render(input: &FutureInput) -> Pixels {
        Pixels::render(CANVAS, |root| draw_future(root, input))
    }

    /// 48 points of history, 24 forecast steps: the history fills the left two thirds, the
    /// forecast and its bands the right third; the 95% band is wider than the 80% one and
    /// both are centred on the forecast.
    #[test]
    fn history_forecast_and_bands_are_drawn_where_they_belong() {
        let history: Vec<f64> = (0..48)
            .map(|i| 100.0 + 10.0 * (i as f64 * 0.5).sin())
            .collect();
        let forecast: Vec<f64> = (48..72)
            .map(|i| 100.0 + 10.0 * (i as f64 * 0.5).sin())
            .collect();
        let band = |w: f64| -> Vec<Option<(f64, f64)>> {
            forecast.iter().map(|&m| Some((m - w, m + w))).collect()
        };
        let bands = vec![
            Band {
                label: "80% interval".into(),
                bounds: band(4.0),
            },
            Band {
                label: "95% interval".into(),
                bounds: band(9.0),
            },
        ];
        let input = FutureInput {
            history: &history,
            forecast: &forecast,
            bands: &bands,
            labels: None,
            title: "airline: forecast",
        };
        let px = render(&input);
        let area = px.plot_area();
        let blue = px.bounds(BLUE, 0, &area).unwrap();
        let orange = px.bounds(ORANGE, 0, &area).unwrap();
        let inner = px.bounds(BAND_COLORS[0], 0, &area).unwrap();
        let outer = px.bounds(BAND_COLORS[1], 0, &area).unwrap();
        // step 47 of 71 is at 66% of the width
        let origin = at_fraction(&area.x, 47.0 / 71.0);
        assert!(blue.x.end <= origin + 3, "{blue:?} vs {origin}");
        assert!(
            orange.x.start + 3 >= origin && orange.x.end + 5 >= area.x.end,
            "{orange:?}"
        );
        assert!(
            inner.x.start + 3 >= at_fraction(&area.x, 48.0 / 71.0),
            "{inner:?}"
        );
        // the 95% band reaches further up and down than the 80% one
        assert!(
            outer.y.start + 5 < inner.y.start && outer.y.end > inner.y.end + 5,
            "{outer:?} {inner:?}"
        );
        assert!(px.count(BAND_COLORS[0], 0, &area) > 2000);
    }

    #[test]
    fn unknown_steps_leave_gaps_and_a_lone_step_still_shows() {
        let runs = band_runs(
            &[Some((1.0, 2.0)), None, Some((3.0, 5.0)), Some((2.0, 6.0))],
            10,
        );
        assert_eq!(runs.len(), 2);
        assert_eq!(
            runs[0],
            vec![(9.75, 2.0), (10.25, 2.0), (10.25, 1.0), (9.75, 1.0)]
        );
        assert_eq!(
            runs[1],
            vec![(12.0, 5.0), (13.0, 6.0), (13.0, 2.0), (12.0, 3.0)]
        );
    }

    #[test]
    fn labels_must_cover_history_and_forecast() {
        let labels = vec!["a".to_string(); 3];
        let input = FutureInput {
            history: &[1.0, 2.0],
            forecast: &[3.0, 4.0],
            bands: &[],
            labels: Some(&labels),
            title: "t",
        };
        let err = future_png(Path::new("/nonexistent/x.png"), &input).unwrap_err();
        assert!(err.to_string().contains("3 labels for 4 points"), "{err}");
    }
}
