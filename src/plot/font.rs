//! The embedded font: no fontconfig, freetype or installed font is needed to draw text.

use std::sync::OnceLock;

use ab_glyph::FontRef;
use anyhow::{bail, Result};
use plotters::style::{register_font, FontStyle};

/// DejaVu Sans (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name every plot asks for; it maps to the embedded font.
pub(super) const FAMILY: &str = "sans-serif";

/// The parsed embedded font, which [`super::text::GlyphTextBackend`] draws all text with.
///
/// Also registers it as plotters' `sans-serif` (once per process), so that any text that
/// reaches plotters' own ab_glyph path renders with the same font instead of failing.
pub(super) fn embedded_font() -> Result<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let font = FONT.get_or_init(|| {
        let font = FontRef::try_from_slice(DEJAVU_SANS).ok()?;
        register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).ok()?;
        Some(font)
    });
    match font {
        Some(font) => Ok(font),
        None => bail!("the embedded font assets/DejaVuSans.ttf could not be parsed"),
    }
}
