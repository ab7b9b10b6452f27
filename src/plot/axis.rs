//! Value axes for the sweep plots: linear or log10, with the tick positions chosen here so
//! that labels are short and land on round values (or on the swept values themselves).
//!
//! Charts are built in *axis coordinates*: the value itself on a linear axis, its log10 on a
//! log axis. [`ValueAxis::coord`] maps a data value there (or rejects it), and
//! [`ValueAxis::label`] maps a tick back to text in data units.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::font::FAMILY;
use super::frame::{draw_err, format_sci, format_tick, padded_range, Area, AXIS_DESC_PX, TICK_PX};
use super::text::GlyphTextBackend;

/// Values spanning at least this ratio (max / min, all positive) get a log axis.
///
/// Below one decade a log axis gains nothing and has too few round ticks to read; with a
/// zero or negative value it cannot be drawn at all.
pub(super) const LOG_AXIS_MIN_RATIO: f64 = 10.0;

/// One axis: its extent in axis coordinates, whether it is log10, and its ticks.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ValueAxis {
    /// Extent in axis coordinates (log10 of the value on a log axis), `lo < hi`.
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    /// Labelled ticks (bold grid lines), in axis coordinates, ascending.
    pub ticks: Vec<f64>,
    /// Unlabelled fine grid lines, in axis coordinates.
    pub minor: Vec<f64>,
}

impl ValueAxis {
    /// An axis over the finite values of `values`: log10 when `allow_log`, all values are
    /// positive and they span [`LOG_AXIS_MIN_RATIO`] or more; linear otherwise. The extent is
    /// padded by 5% each side (of the log span on a log axis). `integer` keeps linear ticks
    /// on whole numbers (epochs, indices). About `max_ticks` labelled ticks.
    pub(super) fn fit(
        values: impl IntoIterator<Item = f64>,
        allow_log: bool,
        integer: bool,
        max_ticks: usize,
    ) -> Self {
        let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if allow_log && lo > 0.0 && hi / lo >= LOG_AXIS_MIN_RATIO {
            Self::log(lo, hi)
        } else {
            let (lo, hi) = padded_range(finite);
            Self::linear(lo, hi, integer, max_ticks)
        }
    }

    /// A linear axis over exactly `[lo, hi]` (`lo < hi`) with round ticks: steps of 1, 2 or
    /// 5 × 10^k, at most `max_ticks` of them, whole numbers when `integer`.
    pub(super) fn linear(lo: f64, hi: f64, integer: bool, max_ticks: usize) -> Self {
        let step = nice_step((hi - lo) / max_ticks.max(1) as f64, integer);
        Self {
            lo,
            hi,
            log: false,
            ticks: multiples_in(step, lo, hi),
            minor: multiples_in(step / 5.0, lo, hi),
        }
    }

    /// A log10 axis over the positive values `[min, max]` (`max / min >= 10`), padded by 5%
    /// of the log span each side. Ticks on the decades, plus 2 and 5 × 10^k when the axis
    /// shows fewer than four decades; minor grid lines on 2..9 × 10^k.
    pub(super) fn log(min: f64, max: f64) -> Self {
        let (a, b) = (min.log10(), max.log10());
        let pad = 0.05 * (b - a);
        let (lo, hi) = (a - pad, b + pad);
        let decades = (lo.floor() as i32)..=(hi.ceil() as i32);
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        let whole_decades = (hi.floor() - lo.ceil()) as i32 + 1;
        // Thin the decades on a very wide axis so labels never crowd.
        let every = (whole_decades / 10).max(1);
        for k in decades {
            for m in 1..10 {
                let c = (f64::from(m) * 10f64.powi(k)).log10();
                if c < lo || c > hi {
                    continue;
                }
                minor.push(c);
                let labelled = (m == 1 && k.rem_euclid(every) == 0)
                    || (whole_decades < 4 && (m == 2 || m == 5));
                if labelled {
                    ticks.push(c);
                }
            }
        }
        Self {
            lo,
            hi,
            log: true,
            ticks,
            minor,
        }
    }

    /// Replaces the labelled ticks by the given data values (e.g. the swept values
    /// themselves), keeping those that are on the axis.
    pub(super) fn with_ticks_at(mut self, values: &[f64]) -> Self {
        let mut ticks: Vec<f64> = values
            .iter()
            .filter_map(|&v| self.coord(v))
            .filter(|c| (self.lo..=self.hi).contains(c))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        self.ticks = ticks;
        self
    }

    /// Where the data value `v` lies in axis coordinates; `None` when it cannot be drawn
    /// (non-finite, or not positive on a log axis).
    pub(super) fn coord(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        if self.log {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    }

    /// As [`Self::coord`], but a value below the axis (e.g. mean − std ≤ 0 on a log axis)
    /// is pinned to the axis start instead of dropped: for bars that run off the chart.
    pub(super) fn coord_clamped(&self, v: f64) -> Option<f64> {
        if self.log && v <= 0.0 {
            return Some(self.lo);
        }
        self.coord(v).map(|c| c.clamp(self.lo, self.hi))
    }

    /// Tick text for the axis coordinate `c`, in data units. A log axis is written in
    /// plain decimals (`0.01`, `0.5`) when all its ticks are in [`format_tick`]'s plain range,
    /// and in scientific notation (`1e-5`) otherwise, so one axis never mixes the two.
    pub(super) fn label(&self, c: f64) -> String {
        if !self.log {
            return format_tick(c, self.hi - self.lo);
        }
        let v = unlog(c);
        let plain = self.ticks.iter().all(|&t| (1e-3..1e7).contains(&unlog(t)));
        if plain {
            format_tick(v, v)
        } else {
            format_sci(v)
        }
    }

    /// The axis description with " (log scale)" appended on a log axis.
    pub(super) fn describe(&self, desc: &str) -> String {
        if self.log {
            format!("{desc} (log scale)")
        } else {
            desc.to_string()
        }
    }

    /// The plotters coordinate for this axis.
    pub(super) fn ranged(&self) -> TickedRange {
        TickedRange {
            lo: self.lo,
            hi: self.hi,
            ticks: self.ticks.clone(),
            minor: self.minor.clone(),
        }
    }
}

/// A linear plotters coordinate over `[lo, hi]` whose key points are given, not computed:
/// `ticks` for labels and bold grid lines, `minor` for light grid lines.
#[derive(Clone, Debug)]
pub(super) struct TickedRange {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub minor: Vec<f64>,
}

impl Ranged for TickedRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let pixels = f64::from(limit.1 - limit.0);
        if self.hi == self.lo {
            return limit.0 + (pixels / 2.0) as i32;
        }
        let t = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (pixels * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// `10^c`, rounded to 10 significant digits: a tick at `log10(0.001)` comes back as
/// `0.0009999999999999998`, which must read (and compare) as 0.001.
fn unlog(c: f64) -> f64 {
    let v = 10f64.powf(c);
    format!("{v:.9e}").parse().unwrap_or(v)
}

/// A chart whose axes are both [`TickedRange`]s.
pub(super) type TickedChart<'a, 'b> =
    ChartContext<'a, GlyphTextBackend<BitMapBackend<'b>>, Cartesian2d<TickedRange, TickedRange>>;

/// One side of a [`ticked_chart`]: its coordinate, description, tick text and the room
/// (pixels) reserved for its tick labels and description.
pub(super) struct AxisSpec<'f> {
    pub range: TickedRange,
    pub desc: String,
    pub label: &'f dyn Fn(&f64) -> String,
    pub label_area: u32,
}

impl<'f> AxisSpec<'f> {
    /// The spec of a [`ValueAxis`] labelled with `label` (usually [`ValueAxis::label`]).
    pub(super) fn of(
        axis: &ValueAxis,
        desc: &str,
        label: &'f dyn Fn(&f64) -> String,
        label_area: u32,
    ) -> Self {
        Self {
            range: axis.ranged(),
            desc: axis.describe(desc),
            label,
            label_area,
        }
    }
}

/// Builds a chart on `area` with the sweep plots' margins and mesh style: labelled ticks on
/// bold grid lines, faint minor grid lines, the embedded font everywhere.
pub(super) fn ticked_chart<'a, 'b>(
    area: &Area<'b>,
    x: AxisSpec<'_>,
    y: AxisSpec<'_>,
) -> Result<TickedChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(30)
        .margin_top(10)
        .margin_bottom(10)
        .x_label_area_size(x.label_area)
        .y_label_area_size(y.label_area)
        .build_cartesian_2d(x.range, y.range)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(x.desc)
        .y_desc(y.desc)
        .axis_desc_style((FAMILY, AXIS_DESC_PX))
        .label_style((FAMILY, TICK_PX))
        .x_label_formatter(x.label)
        .y_label_formatter(y.label)
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

/// The smallest 1, 2 or 5 × 10^k at least `raw` (at least 1 when `integer`).
fn nice_step(raw: f64, integer: bool) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        // Floating noise in `decade` must not push an exact 1/2/5 × 10^k a step up.
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade);
    if integer {
        step.max(1.0)
    } else {
        step
    }
}

/// Every `k × step` in `[lo, hi]`, computed from the integer `k` so that errors do not add
/// up along the axis.
fn multiples_in(step: f64, lo: f64, hi: f64) -> Vec<f64> {
    if !(step > 0.0 && lo.is_finite() && hi.is_finite()) || (hi - lo) / step > 10_000.0 {
        return Vec::new();
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_step_rounds_up_to_1_2_5() {
        assert_eq!(nice_step(0.13, false), 0.2);
        assert_eq!(nice_step(3.0, false), 5.0);
        assert_eq!(nice_step(7.0, false), 10.0);
        assert_eq!(nice_step(0.001, false), 0.001);
        // Epochs 1..50 in at most 10 ticks: 4.9 per tick, so 5.
        assert_eq!(nice_step(4.9, true), 5.0);
        // An integer axis never steps by less than 1.
        assert_eq!(nice_step(0.3, true), 1.0);
        assert_eq!(nice_step(0.0, false), 1.0);
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        // [-0.05, 1.05] in at most 8 ticks: step 0.2 (0.1375 rounded up), 0 ..= 1.
        let axis = ValueAxis::linear(-0.05, 1.05, false, 8);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert!(!axis.log);
        // Epochs 1..=50: ticks 5, 10, ..., 50.
        let axis = ValueAxis::linear(1.0, 50.0, true, 10);
        assert_eq!(axis.ticks.first(), Some(&5.0));
        assert_eq!(axis.ticks.last(), Some(&50.0));
        assert_eq!(axis.ticks.len(), 10);
    }

    #[test]
    fn fit_chooses_log_only_for_positive_values_spanning_a_decade() {
        // 1e-4 .. 1e-2: two decades, log.
        let axis = ValueAxis::fit([1e-4, 3e-4, 1e-3, f64::NAN, 1e-2], true, false, 8);
        assert!(axis.log);
        // log10 span [-4, -2] padded by 0.1 each side.
        assert!((axis.lo + 4.1).abs() < 1e-12 && (axis.hi + 1.9).abs() < 1e-12);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        // Three whole decades are shown, so 2 and 5 ticks too; 1e-4 is below the plain
        // range, so the whole axis is scientific.
        assert_eq!(
            labels,
            ["1e-4", "2e-4", "5e-4", "1e-3", "2e-3", "5e-3", "1e-2"]
        );
        // Six decades: only the decades are labelled.
        assert_eq!(ValueAxis::fit([1e-6, 1.0], true, false, 8).ticks.len(), 7);
        // Only 9x: linear. A zero: linear. Log not allowed: linear.
        assert!(!ValueAxis::fit([1.0, 9.0], true, false, 8).log);
        assert!(!ValueAxis::fit([0.0, 100.0], true, false, 8).log);
        assert!(!ValueAxis::fit([1.0, 100.0], false, false, 8).log);
        // Empty input still gives an axis with extent.
        let empty = ValueAxis::fit([], true, false, 8);
        assert!(empty.lo < empty.hi);
    }

    #[test]
    fn narrow_log_axis_adds_2_and_5_ticks_in_plain_decimals() {
        // 0.002 .. 0.03: fewer than three whole decades, so 2 and 5 × 10^k are labelled.
        let axis = ValueAxis::log(0.002, 0.03);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        // All ticks are at least 1e-3, so plain decimals.
        assert_eq!(labels, ["0.002", "0.005", "0.01", "0.02"]);
    }

    #[test]
    fn coord_rejects_what_cannot_be_drawn_and_ticks_at_values_work() {
        let axis = ValueAxis::log(1e-3, 1e-1);
        assert_eq!(axis.coord(0.01), Some(-2.0));
        assert_eq!(axis.coord(0.0), None);
        assert_eq!(axis.coord(f64::NAN), None);
        assert_eq!(axis.coord_clamped(-1.0), Some(axis.lo));
        let axis = axis.with_ticks_at(&[0.003, 0.001, 0.003, 0.0]);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(labels, ["0.001", "0.003"]);
        assert_eq!(axis.describe("learning rate"), "learning rate (log scale)");
    }

    #[test]
    fn ticked_range_maps_linearly_and_returns_its_key_points() {
        let r = TickedRange {
            lo: 0.0,
            hi: 10.0,
            ticks: vec![0.0, 5.0, 10.0],
            minor: vec![1.0],
        };
        assert_eq!(r.map(&5.0, (100, 300)), 200);
        assert_eq!(r.map(&0.0, (300, 100)), 300);
        assert_eq!(
            r.key_points(plotters::coord::ranged1d::BoldPoints(3)).len(),
            3
        );
        assert_eq!(r.key_points(4usize), vec![1.0]);
    }
}
