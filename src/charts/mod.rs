//! Equity-curve charts as PNG, drawn in pure Rust: plotters on an in-memory bitmap, text in
//! DejaVu Sans bundled in `assets/fonts` (no fontconfig or freetype at build or run time), PNG
//! encoding by the `image` crate.
//!
//! A chart is described by a spec (what it shows, words included): [`ChartSpec`] for the equity
//! curve of `/performance`, [`PriceChartSpec`] for a signal's prices with its levels. Its `key`
//! names the picture, so a chart many users ask for is drawn and uploaded once and then re-sent
//! by Telegram file_id.

mod prices;

pub use prices::{LevelRole, PriceChartSpec, PriceLevel, render_price_png};

use std::io::Cursor;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::performance::EquityPoint;

/// 800×400: sharp on phones, well inside Telegram's photo limits (width + height ≤ 10000,
/// ratio ≤ 20), and about 30 KB as PNG.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 400;

/// Bumped when the drawing changes, so cached file_ids of old pictures are not reused.
const DRAWING_VERSION: u32 = 1;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) const FAMILY: &str = "herald-sans";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the bundled font cannot be loaded")]
    Font,
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// Registers the bundled font once per process.
fn font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Everything a chart shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSpec {
    pub title: String,
    /// Shown instead of a curve when there are no points.
    pub empty_text: String,
    /// Where the curve starts at 0 (the window's start, or the first close for all time).
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub points: Vec<EquityPoint>,
}

impl ChartSpec {
    /// A name for the picture: equal specs draw equal charts.
    pub fn key(&self) -> String {
        content_key(self)
    }
}

/// A hash of what a spec shows and of the drawing code's version.
pub(crate) fn content_key(spec: &impl Serialize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DRAWING_VERSION.to_be_bytes());
    // Serializing a struct of strings, times and numbers cannot fail.
    hasher.update(serde_json::to_vec(spec).unwrap_or_default());
    hex::encode(hasher.finalize())
}

pub(crate) fn draw_error(err: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(err.to_string())
}

/// Draws the chart and encodes it as PNG.
pub fn render_png(spec: &ChartSpec) -> Result<Vec<u8>, ChartError> {
    png_of(|root| draw(root, spec))
}

type Canvas<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A white WIDTH×HEIGHT canvas with the bundled font, drawn on by `paint`, as PNG bytes.
pub(crate) fn png_of(
    paint: impl FnOnce(&Canvas<'_>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        paint(&root)?;
        root.present().map_err(draw_error)?;
    }
    let image = image::RgbImage::from_raw(WIDTH, HEIGHT, pixels)
        .ok_or_else(|| ChartError::Encode("buffer size".into()))?;
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageOutputFormat::Png)
        .map_err(|err| ChartError::Encode(err.to_string()))?;
    Ok(png.into_inner())
}

/// Axis time labels: days (`%m-%d`) for spans over two days, otherwise hours (`%H:%M`); x is in
/// that unit since the epoch, so the axis' round numbers fall on midnights or whole hours.
pub(crate) fn time_unit(from: DateTime<Utc>, until: DateTime<Utc>) -> (f64, &'static str) {
    let span_secs = (until - from).num_seconds().max(60) as f64;
    if span_secs > 2.0 * 86_400.0 {
        (86_400.0, "%m-%d")
    } else {
        (3_600.0, "%H:%M")
    }
}

pub(crate) fn time_label(x: f64, unit_secs: f64, format: &str) -> String {
    DateTime::<Utc>::from_timestamp((x * unit_secs).round() as i64, 0)
        .map(|at| at.format(format).to_string())
        .unwrap_or_default()
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    spec: &ChartSpec,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (unit_secs, time_format) = time_unit(spec.from, spec.until);
    let x_of = |at: DateTime<Utc>| at.timestamp() as f64 / unit_secs;
    let mut curve: Vec<(f64, f64)> = vec![(x_of(spec.from), 0.0)];
    curve.extend(spec.points.iter().map(|p| (x_of(p.at), p.total_pct)));
    let x_min = curve.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = x_of(spec.until).max(x_min + 60.0 / unit_secs);
    let (low, high) = curve
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    // Some air above and below, and a visible band even for a flat line.
    let pad = ((high - low) * 0.1).max(1.0);
    let (y_min, y_max) = (low - pad, high + pad);

    let mut chart = ChartBuilder::on(root)
        .caption(&spec.title, (FAMILY, 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(6)
        .y_labels(6)
        .label_style((FAMILY, 13))
        .x_label_formatter(&|x| time_label(*x, unit_secs, time_format))
        .y_label_formatter(&|y| {
            if y.abs() < 1e-9 {
                "0%".to_owned()
            } else {
                format!("{y:+.1}%")
            }
        })
        .draw()
        .map_err(draw_error)?;
    if spec.points.is_empty() {
        let style = TextStyle::from((FAMILY, 20).into_font())
            .color(&RGBColor(120, 120, 120))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        let (w, h) = root.dim_in_pixel();
        root.draw_text(&spec.empty_text, &style, (w as i32 / 2, h as i32 / 2))
            .map_err(draw_error)?;
        return Ok(());
    }
    let last = curve.last().map_or(0.0, |p| p.1);
    let color = if last >= 0.0 {
        RGBColor(22, 163, 74)
    } else {
        RGBColor(220, 38, 38)
    };
    chart
        .draw_series(
            AreaSeries::new(curve.iter().copied(), 0.0, color.mix(0.15))
                .border_style(color.stroke_width(2)),
        )
        .map_err(draw_error)?;
    chart
        .draw_series(LineSeries::new(
            [(x_min, 0.0), (x_max, 0.0)],
            RGBColor(150, 150, 150).stroke_width(1),
        ))
        .map_err(draw_error)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn spec(points: usize) -> ChartSpec {
        let from = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
        let mut total = 0.0;
        ChartSpec {
            title: "Cumulative return, % (last 7 days)".into(),
            empty_text: "No closed signals yet".into(),
            from,
            until: from + Duration::days(7),
            points: (0..points)
                .map(|i| {
                    total += if i % 3 == 0 { -1.5 } else { 2.25 };
                    EquityPoint {
                        at: from + Duration::hours(5 * i as i64 + 1),
                        total_pct: total,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn charts_decode_as_pngs_of_the_promised_size() {
        for points in [0, 1, 30] {
            let png = render_png(&spec(points)).unwrap();
            if let Ok(dir) = std::env::var("HERALD_CHART_DUMP") {
                std::fs::write(format!("{dir}/chart-{points}.png"), &png).unwrap();
            }
            let decoded =
                image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (WIDTH, HEIGHT));
            let rgb = decoded.to_rgb8();
            // Not a blank canvas: text and lines were drawn in more than one colour.
            let colours: std::collections::HashSet<_> = rgb.pixels().map(|p| p.0).collect();
            assert!(
                colours.len() > 10,
                "{points} points: {} colours",
                colours.len()
            );
        }
    }

    #[test]
    fn the_curve_is_green_when_up_and_keys_follow_content() {
        let png = render_png(&spec(30)).unwrap();
        let rgb = image::load_from_memory(&png).unwrap().to_rgb8();
        assert!(rgb.pixels().any(|p| p.0 == [22, 163, 74]));
        assert_eq!(spec(30).key(), spec(30).key());
        assert_ne!(spec(30).key(), spec(29).key());
        let mut other_words = spec(30);
        other_words.title = "Rentabilidad acumulada".into();
        assert_ne!(other_words.key(), spec(30).key());
    }
}
