//! A drawing backend that renders text itself, with the embedded font and correct glyph
//! placement, and forwards every other call to the backend it wraps.
//!
//! Why: plotters 0.3.7's ab_glyph text path draws each glyph from its ink box but advances by
//! the full advance width, dropping the glyph's left side bearing. Glyphs with a wide bearing
//! then sit visibly apart ("1. 05", "RM SE" at our sizes). Here each glyph's outline is
//! placed where ab_glyph puts it (`px_bounds` includes the bearing), with kerning.
//!
//! Text metrics follow plotters' convention: a style of size `s` is drawn with
//! `PxScale(s)`, i.e. ascent − descent = `s` pixels, and the text box is the advance width
//! by that height, anchored as the style's `anchor()` says and rotated by its `transform()`.

use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// `B` with text drawn from `font`.
pub(super) struct GlyphTextBackend<B> {
    inner: B,
    font: &'static FontRef<'static>,
}

impl<B> GlyphTextBackend<B> {
    pub(super) fn new(inner: B, font: &'static FontRef<'static>) -> Self {
        Self { inner, font }
    }
}

/// Glyphs of one line of text positioned in a box whose top-left corner is (0, 0), in
/// pixels; `width` is the advance width, `height` is ascent − descent.
struct Layout {
    glyphs: Vec<Glyph>,
    width: f32,
    height: f32,
}

fn layout(font: &FontRef<'static>, size: f64, text: &str) -> Layout {
    let scale = PxScale::from(size as f32);
    let scaled = font.as_scaled(scale);
    let ascent = scaled.ascent();
    let mut caret = 0.0f32;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(caret, ascent)));
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    Layout {
        glyphs,
        width: caret,
        height: ascent - scaled.descent(),
    }
}

impl<B: DrawingBackend> DrawingBackend for GlyphTextBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let Layout {
            glyphs,
            width,
            height,
        } = layout(self.font, style.size(), text);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let mut result = Ok(());
        for glyph in glyphs {
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let (x0, y0) = (
                (bounds.min.x + dx).round() as i32,
                (bounds.min.y + dy).round() as i32,
            );
            outline.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (tx, ty) = transform.transform(x0 + x as i32, y0 + y as i32);
                let pixel = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                // The inner backend ignores pixels outside its canvas.
                result = self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), pixel);
            });
            if result.is_err() {
                break;
            }
        }
        result
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let Layout { width, height, .. } = layout(self.font, style.size(), text);
        Ok((width.ceil() as u32, height.ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::font::embedded_font;

    /// Glyph origins advance by the advance widths (plus kerning), not by ink widths: in
    /// "1.05" the "0" starts one "1" advance plus one "." advance after the "1".
    #[test]
    fn layout_advances_by_advance_width() {
        let font = embedded_font().unwrap();
        let scaled = font.as_scaled(PxScale::from(20.0));
        let adv = |c| scaled.h_advance(scaled.glyph_id(c));
        let l = layout(font, 20.0, "1.05");
        assert_eq!(l.glyphs.len(), 4);
        let x: Vec<f32> = l.glyphs.iter().map(|g| g.position.x).collect();
        assert_eq!(x[0], 0.0);
        assert!((x[2] - (adv('1') + adv('.'))).abs() < 0.5, "{x:?}");
        let total = adv('1') + adv('.') + adv('0') + adv('5');
        assert!((l.width - total).abs() < 0.5, "{} vs {total}", l.width);
        // PxScale(20) means ascent − descent = 20 px.
        assert!((l.height - 20.0).abs() < 0.01, "{}", l.height);
    }

    /// The left side bearing is kept: the ink of "." starts to the right of its origin.
    #[test]
    fn outlines_keep_the_left_side_bearing() {
        let font = embedded_font().unwrap();
        let l = layout(font, 40.0, "1.");
        let dot = &l.glyphs[1];
        let ink = font.outline_glyph(dot.clone()).unwrap().px_bounds();
        assert!(
            ink.min.x > dot.position.x + 1.0,
            "{ink:?} vs {:?}",
            dot.position
        );
    }
}
