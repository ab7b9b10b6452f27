//! The plots the binary writes for a monthly series with a time column: the forecast's
//! zoom and residual panels, the best and backtest plots' error panels, read back from the
//! PNG files' pixels.

mod common;

use std::path::Path;

use common::{project, runner, scratch_dir, stderr, write};

/// Colours the plots draw with (src/plot/frame.rs, forecast.rs, best.rs).
const RED: [u8; 3] = [214, 39, 40];
const SPLIT: [u8; 3] = [90, 90, 90];
const GREEN: [u8; 3] = [44, 160, 44];
const ACTUAL_DOT: [u8; 3] = [60, 60, 60];

/// A decoded RGB(A) PNG.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<u8>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut data = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut data).unwrap();
        data.truncate(info.buffer_size());
        Image {
            width: info.width as usize,
            height: info.height as usize,
            channels: info.color_type.samples(),
            data,
        }
    }

    /// Pixels of exactly `color` in rows `rows`.
    fn count(&self, color: [u8; 3], rows: std::ops::Range<usize>) -> usize {
        rows.flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = (y * self.width + x) * self.channels;
                self.data[i..i + 3] == color
            })
            .count()
    }
}

/// 2 learning rates × 2 seeds of 3 epochs on the airline series, with a 2-fold backtest.
fn airline_like(dir: &Path) -> std::path::PathBuf {
    let data = project().join("data/airline_passengers.csv");
    write(
        dir,
        "air.toml",
        &format!(
            r#"
name = "air"
[data]
kind = "csv"
path = "{}"
column = "value"
value_label = "passengers (thousands)"
time_column = "time"
season = 12
[split]
test = 24
[window]
lookback = 12
[model]
units = [4]
[train]
epochs = 3
[backtest]
folds = 2
[sweep]
train.learning_rate = [0.001, 0.003]
seed = [1, 2]
"#,
            data.display()
        ),
    )
}

/// forecast.png is 1200×1000: the whole series on top with the split marked (a dashed grey
/// line), the test part zoomed in the middle (the green test prediction), the residuals as
/// red stems at the bottom and nowhere else. best.png and backtest.png are 1200×900 with
/// the actual values as dots. The experiment as run keeps `data.value_label`.
#[test]
fn monthly_plots_have_a_zoom_residuals_and_error_panels() {
    let dir = scratch_dir();
    let file = airline_like(dir.path());
    let out = runner(dir.path(), &[file.to_str().unwrap(), "--out", "res", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let res = dir.path().join("res");

    let forecast = Image::read(&res.join("plots/forecast.png"));
    assert_eq!((forecast.width, forecast.height), (1200, 1000));
    // Header (title, legend) above row 120; panels: whole series to ~470, zoom to ~790.
    assert!(forecast.count(SPLIT, 120..470) > 100, "no split marker");
    assert!(
        forecast.count(GREEN, 500..780) > 300,
        "no zoomed test prediction"
    );
    assert!(forecast.count(RED, 800..1000) > 100, "no residuals");
    assert_eq!(
        forecast.count(RED, 120..780),
        0,
        "residual colour above its panel"
    );

    for name in ["best.png", "backtest.png"] {
        let img = Image::read(&res.join("plots").join(name));
        assert_eq!((img.width, img.height), (1200, 900), "{name}");
        assert!(
            img.count(ACTUAL_DOT, 120..560) > 200,
            "{name}: no actual dots"
        );
    }
    assert!(res.join("plots/param_train_learning_rate.png").is_file());
    let toml = std::fs::read_to_string(res.join("experiment.toml")).unwrap();
    assert!(
        toml.contains("value_label = \"passengers (thousands)\""),
        "{toml}"
    );
}
