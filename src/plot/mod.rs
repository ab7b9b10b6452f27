//! PNG plots of finished runs (plotters, bitmap backend, embedded font).
//!
//! Plots read records and plain numbers only; they never see a model or a config.

mod axis;
mod best;
mod font;
mod forecast;
mod frame;
mod loss;
mod losses;
mod param;
mod ranking;
mod text;

pub use best::best_png;
pub use forecast::forecast_png;
pub use loss::loss_png;
pub use losses::losses_png;
pub use param::{param_png, ParamAxis, ParamPoint};
pub use ranking::{ranking_png, RankEntry, MAX_RANKED};

#[cfg(test)]
mod test_support {
    use std::path::{Path, PathBuf};

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
}
