//! Test helpers: plots rendered into memory and questions about their pixels (is a series'
//! colour inside the plot area, and where), plus the PNG files' header checks.
//!
//! A plot test asks what a reader of the picture would see, so that a plot which still
//! writes a valid PNG but lost a series, its axes or its place fails the test.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Result;
use plotters::style::RGBColor;

use super::frame::{render_rgb, Area};

/// A fresh folder for one test's PNGs under the system temp dir. It is left in place
/// after the test so the pictures can be looked at.
pub fn out_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("runner-plot-tests").join(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `path` is a 1200×600 PNG of at least `min_bytes` bytes.
pub fn assert_png(path: &Path, min_bytes: usize) {
    assert_png_size(path, (1200, 600), min_bytes);
}

/// `path` is a PNG of `size` (width, height) pixels and at least `min_bytes` bytes.
pub fn assert_png_size(path: &Path, size: (u32, u32), min_bytes: usize) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    // IHDR follows the signature: length, "IHDR", width, height (big-endian u32).
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), size, "{}", path.display());
    assert!(
        bytes.len() >= min_bytes,
        "{}: {} bytes, expected at least {min_bytes}",
        path.display(),
        bytes.len()
    );
}

/// A rectangle of pixels: columns `x`, rows `y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: Range<usize>,
    pub y: Range<usize>,
}

/// A rendered plot: RGB pixels, row by row.
pub struct Pixels {
    buf: Vec<u8>,
    width: usize,
    height: usize,
}

impl Pixels {
    /// Runs `draw` (a plot's drawing function) on a white in-memory canvas of `size`.
    pub fn render(size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Self {
        Self {
            buf: render_rgb(size, draw).unwrap(),
            width: size.0 as usize,
            height: size.1 as usize,
        }
    }

    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.buf[i], self.buf[i + 1], self.buf[i + 2]]
    }

    /// Pixels in `rect` within `tolerance` (per channel) of `color`.
    pub fn count(&self, color: RGBColor, tolerance: u8, rect: &Rect) -> usize {
        self.matching(color, tolerance, rect).count()
    }

    /// The smallest rectangle holding every pixel of `color` (within `tolerance`) in `rect`.
    pub fn bounds(&self, color: RGBColor, tolerance: u8, rect: &Rect) -> Option<Rect> {
        self.matching(color, tolerance, rect)
            .fold(None, |acc: Option<Rect>, (x, y)| {
                Some(match acc {
                    None => Rect {
                        x: x..x + 1,
                        y: y..y + 1,
                    },
                    Some(r) => Rect {
                        x: r.x.start.min(x)..r.x.end.max(x + 1),
                        y: r.y.start.min(y)..r.y.end.max(y + 1),
                    },
                })
            })
    }

    fn matching<'p>(
        &'p self,
        color: RGBColor,
        tolerance: u8,
        rect: &Rect,
    ) -> impl Iterator<Item = (usize, usize)> + 'p {
        let want = [color.0, color.1, color.2];
        let rows = rect.y.start..rect.y.end.min(self.height);
        let cols = rect.x.start..rect.x.end.min(self.width);
        rows.flat_map(move |y| cols.clone().map(move |x| (x, y)))
            .filter(move |&(x, y)| {
                self.at(x, y)
                    .iter()
                    .zip(want)
                    .all(|(&a, b)| a.abs_diff(b) <= tolerance)
            })
    }

    /// The plot area: the part inside the axis lines (plotters draws them pure black, one
    /// pixel wide, along the left and bottom of the plot area). Panics when a plot has no
    /// axes, which is itself a broken plot.
    pub fn plot_area(&self) -> Rect {
        // Lines crossing an axis cover parts of it, so an axis is told by how many of its
        // pixels are black (at least 40% of the canvas), not by one unbroken run.
        let black = |x: usize, y: usize| self.at(x, y) == [0, 0, 0];
        // The axis is the longest black run with gaps under 20 px: text in line with it
        // (a legend above the y axis) is not part of it.
        let span = |cells: Vec<bool>| -> Option<Range<usize>> {
            if cells.iter().filter(|&&b| b).count() * 5 < cells.len() * 2 {
                return None;
            }
            runs(&cells, 20).into_iter().max_by_key(|r| r.len())
        };
        let (axis_x, rows) = (0..self.width)
            .find_map(|x| Some((x, span((0..self.height).map(|y| black(x, y)).collect())?)))
            .expect("no y axis line");
        let (axis_y, cols) = (0..self.height)
            .rev()
            .find_map(|y| Some((y, span((0..self.width).map(|x| black(x, y)).collect())?)))
            .expect("no x axis line");
        Rect {
            x: axis_x + 1..cols.end,
            y: rows.start..axis_y,
        }
    }

    /// Every plot area of a picture of panels stacked one above the other (all sharing
    /// one y axis column), top to bottom: each panel's y axis is a black run of at least
    /// 60 rows (gaps under 30 px, where a line runs along it, bridged) in the first column
    /// where axes are, closed at its bottom by an x axis: a black row run of at least 40%
    /// of the width.
    pub fn plot_areas(&self) -> Vec<Rect> {
        let black = |x: usize, y: usize| self.at(x, y) == [0, 0, 0];
        let column = |x: usize| -> Vec<Range<usize>> {
            let col: Vec<bool> = (0..self.height).map(|y| black(x, y)).collect();
            runs(&col, 30)
                .into_iter()
                .filter(|r| r.len() >= 60)
                .collect()
        };
        let row_run = |y: usize| -> Option<Range<usize>> {
            let row: Vec<bool> = (0..self.width).map(|x| black(x, y)).collect();
            runs(&row, 20)
                .into_iter()
                .max_by_key(|c| c.len())
                .filter(|c| c.len() * 5 >= self.width * 2)
        };
        // The first column with such runs (text written vertically has none: no x axis).
        (0..self.width)
            .map(|axis_x| {
                column(axis_x)
                    .into_iter()
                    .filter_map(|r| {
                        let (axis_y, cols) = (r.end.saturating_sub(4)
                            ..(r.end + 3).min(self.height))
                            .rev()
                            .find_map(|y| Some((y, row_run(y)?)))?;
                        Some(Rect {
                            x: axis_x + 1..cols.end,
                            y: r.start..axis_y,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .find(|areas| !areas.is_empty())
            .unwrap_or_default()
    }

    /// Those of `colors` with at least `min` pixels (exactly that colour) in the plot area,
    /// in the given order: which series were drawn.
    pub fn drawn(&self, colors: &[RGBColor], min: usize) -> Vec<RGBColor> {
        let area = self.plot_area();
        colors
            .iter()
            .copied()
            .filter(|&c| self.count(c, 0, &area) >= min)
            .collect()
    }

    /// The runs of consecutive columns of `rect` holding `color` (within `tolerance`), left
    /// to right: the separate groups a series was drawn in (one per x value, say). Runs
    /// less than `join` pixels apart are one group, so that a mark drawn over a line (a dot
    /// on a bar) does not split it.
    pub fn column_groups(
        &self,
        color: RGBColor,
        tolerance: u8,
        rect: &Rect,
        join: usize,
    ) -> Vec<Range<usize>> {
        let mut on = vec![false; self.width];
        for (x, _) in self.matching(color, tolerance, rect) {
            on[x] = true;
        }
        runs(&on, join)
    }

    /// As [`Self::column_groups`], for rows, top to bottom (one per ranking row, say).
    pub fn row_groups(
        &self,
        color: RGBColor,
        tolerance: u8,
        rect: &Rect,
        join: usize,
    ) -> Vec<Range<usize>> {
        let mut on = vec![false; self.height];
        for (_, y) in self.matching(color, tolerance, rect) {
            on[y] = true;
        }
        runs(&on, join)
    }

    /// The header strip above the plot area (title and legend).
    pub fn header(&self) -> Rect {
        Rect {
            x: 0..self.width,
            y: 0..self.plot_area().y.start.saturating_sub(10),
        }
    }
}

/// The pixel `t` of the way from `range.start` to `range.end`: "the right fifth of the plot
/// area" is `at_fraction(&area.x, 0.8)..area.x.end`.
pub fn at_fraction(range: &Range<usize>, t: f64) -> usize {
    range.start + ((range.end - range.start) as f64 * t).round() as usize
}

/// The index ranges of the runs of `true` in `on`, runs less than `join` apart joined.
fn runs(on: &[bool], join: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut start = None;
    for (i, &v) in on.iter().chain([&false]).enumerate() {
        match (v, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                match out.last_mut() {
                    Some(last) if s - last.end < join => last.end = i,
                    _ => out.push(s..i),
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The middle pixel of `range`.
pub fn centre(range: &Range<usize>) -> usize {
    (range.start + range.end) / 2
}
