//! A signal's chart: the asset's recent prices (from `POST /api/prices`) as a line, the signal's
//! entry, target and stop as labelled horizontal lines, the moment it was issued as a dashed
//! vertical line, and the time axis in UTC. Words and price texts come in the spec, already in
//! the reader's language and the asset's precision.

use chrono::{DateTime, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

use super::{ChartError, FAMILY, content_key, draw_error, png_of, time_label, time_unit};

/// What a horizontal line stands for; it decides the colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelRole {
    Entry,
    Target,
    Stop,
}

impl LevelRole {
    fn color(self) -> RGBColor {
        match self {
            Self::Entry => RGBColor(71, 85, 105),
            Self::Target => RGBColor(22, 163, 74),
            Self::Stop => RGBColor(220, 38, 38),
        }
    }
}

/// One horizontal line: its price and its label (`Target 46,500`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceLevel {
    pub role: LevelRole,
    pub value: f64,
    pub label: String,
}

/// Everything a signal's chart shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceChartSpec {
    /// `BTC/USD · Buy · 1H`.
    pub title: String,
    /// Under the time axis: `Time (UTC)`.
    pub time_axis: String,
    /// Quoted prices, oldest first; at least one.
    pub points: Vec<(DateTime<Utc>, f64)>,
    pub levels: Vec<PriceLevel>,
    /// The latest price as text (`$45,227`), tagged at its height.
    pub last_label: Option<String>,
    /// When the signal was issued, and the label of that line.
    pub issued: Option<(DateTime<Utc>, String)>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl PriceChartSpec {
    /// A name for the picture: equal specs draw equal charts.
    pub fn key(&self) -> String {
        content_key(self)
    }
}

/// The price line's colour.
const PRICE: RGBColor = RGBColor(37, 99, 235);
/// Room right of the plot for the levels' tags (`Objetivo $46,500.25`).
const TAG_AREA: u32 = 170;

/// Draws the chart and encodes it as PNG.
pub fn render_price_png(spec: &PriceChartSpec) -> Result<Vec<u8>, ChartError> {
    png_of(|root| draw(root, spec))
}

/// Axis prices: as many decimals as the visible range needs (4 ticks apart), thousands grouped.
fn axis_price(value: f64, range: f64) -> String {
    let step = (range / 5.0).abs().max(f64::MIN_POSITIVE);
    let decimals = (-step.log10().floor()).clamp(0.0, 8.0) as usize;
    let text = format!("{value:.decimals$}");
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    spec: &PriceChartSpec,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (unit_secs, time_format) = time_unit(spec.from, spec.until);
    let x_of = |at: DateTime<Utc>| at.timestamp() as f64 / unit_secs;
    let x_min = x_of(spec.from);
    let x_max = x_of(spec.until).max(x_min + 60.0 / unit_secs);
    let values = spec
        .points
        .iter()
        .map(|(_, price)| *price)
        .chain(spec.levels.iter().map(|level| level.value));
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !low.is_finite() || !high.is_finite() {
        return Err(ChartError::Draw("nothing to draw".into()));
    }
    // Air above and below, so the top and bottom labels stay inside; a flat line gets a band.
    let pad = ((high - low) * 0.08).max(high.abs() * 0.002).max(1e-9);
    let (y_min, y_max) = (low - pad, high + pad);

    let mut chart = ChartBuilder::on(root)
        .caption(&spec.title, (FAMILY, 22))
        .margin(16)
        .margin_right(TAG_AREA)
        .x_label_area_size(44)
        .y_label_area_size(84)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(6)
        .y_labels(6)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 13))
        .x_desc(spec.time_axis.as_str())
        .x_label_formatter(&|x| time_label(*x, unit_secs, time_format))
        .y_label_formatter(&|y| axis_price(*y, y_max - y_min))
        .draw()
        .map_err(draw_error)?;

    if let Some((at, label)) = &spec.issued {
        let x = x_of(*at);
        if (x_min..=x_max).contains(&x) {
            let grey = RGBColor(148, 163, 184);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, y_min), (x, y_max)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(draw_error)?;
            let style = TextStyle::from((FAMILY, 12).into_font())
                .color(&grey)
                .pos(Pos::new(HPos::Left, VPos::Top));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" {label}"),
                    (x, y_max),
                    style,
                )))
                .map_err(draw_error)?;
        }
    }
    for level in &spec.levels {
        chart
            .draw_series(DashedLineSeries::new(
                [(x_min, level.value), (x_max, level.value)],
                10,
                5,
                level.role.color().stroke_width(2),
            ))
            .map_err(draw_error)?;
    }
    let line: Vec<(f64, f64)> = spec
        .points
        .iter()
        .map(|(at, price)| (x_of(*at), *price))
        .collect();
    chart
        .draw_series(LineSeries::new(line.iter().copied(), PRICE.stroke_width(2)))
        .map_err(draw_error)?;
    if let Some(last) = line.last() {
        chart
            .draw_series(std::iter::once(Circle::new(*last, 4, PRICE.filled())))
            .map_err(draw_error)?;
    }
    // Each level's tag in the right margin, in its colour, at its height, and the latest
    // price's: where a trading terminal puts them, and where no price is ever hidden.
    let last_tag = line
        .last()
        .zip(spec.last_label.as_ref())
        .map(|(point, label)| (point.1, label.as_str(), PRICE));
    let style = TextStyle::from((FAMILY, 13).into_font())
        .color(&WHITE)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut tags = Vec::new();
    for (value, label, color) in spec
        .levels
        .iter()
        .map(|level| (level.value, level.label.as_str(), level.role.color()))
        .chain(last_tag)
    {
        let (w, h) = root.estimate_text_size(label, &style).map_err(draw_error)?;
        let (x, y) = chart.backend_coord(&(x_max, value));
        tags.push((x, y, w as i32, h as i32, label, color));
    }
    // Tags of nearby prices are stacked rather than drawn over one another.
    tags.sort_by_key(|tag| tag.1);
    let mut below = i32::MIN;
    for tag in &mut tags {
        tag.1 = tag.1.max(below);
        below = tag.1 + tag.3 + 10;
    }
    for (x, y, w, h, label, color) in tags {
        root.draw(&Rectangle::new(
            [(x + 2, y - h / 2 - 4), (x + 12 + w, y + h / 2 + 4)],
            color.filled(),
        ))
        .map_err(draw_error)?;
        root.draw(&Text::new(label, (x + 7, y), style.clone()))
            .map_err(draw_error)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::charts::{HEIGHT, WIDTH};
    use chrono::{Duration, TimeZone};

    fn spec(points: usize) -> PriceChartSpec {
        let start = Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap();
        PriceChartSpec {
            title: "BTC/USD · Buy · 1H".into(),
            time_axis: "Time (UTC)".into(),
            points: (0..points)
                .map(|i| {
                    let wiggle = if i % 2 == 0 { 40.0 } else { -25.0 };
                    (
                        start + Duration::minutes(i as i64 * 5),
                        45_000.0 + i as f64 * 8.0 + wiggle,
                    )
                })
                .collect(),
            levels: vec![
                PriceLevel {
                    role: LevelRole::Target,
                    value: 46_500.0,
                    label: "Target 46,500".into(),
                },
                PriceLevel {
                    role: LevelRole::Entry,
                    value: 45_250.0,
                    label: "Entry 45,250".into(),
                },
                PriceLevel {
                    role: LevelRole::Stop,
                    value: 44_500.0,
                    label: "Stop 44,500".into(),
                },
            ],
            last_label: Some("$45,400".into()),
            issued: Some((start + Duration::hours(3), "Signal".into())),
            from: start,
            until: start + Duration::hours(4),
        }
    }

    #[test]
    fn a_price_chart_is_a_png_with_every_level_in_its_colour() {
        for points in [1, 48] {
            let png = render_price_png(&spec(points)).unwrap();
            if let Ok(dir) = std::env::var("HERALD_CHART_DUMP") {
                std::fs::write(format!("{dir}/prices-{points}.png"), &png).unwrap();
            }
            let rgb = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
                .unwrap()
                .to_rgb8();
            assert_eq!((rgb.width(), rgb.height()), (WIDTH, HEIGHT));
            for role in [LevelRole::Entry, LevelRole::Target, LevelRole::Stop] {
                let RGBColor(r, g, b) = role.color();
                assert!(
                    rgb.pixels().any(|p| p.0 == [r, g, b]),
                    "{role:?} line with {points} points"
                );
            }
            let RGBColor(r, g, b) = PRICE;
            assert!(rgb.pixels().any(|p| p.0 == [r, g, b]), "the price line");
        }
    }

    #[test]
    fn keys_follow_content() {
        assert_eq!(spec(10).key(), spec(10).key());
        assert_ne!(spec(10).key(), spec(11).key());
        let mut spanish = spec(10);
        spanish.levels[0].label = "Objetivo 46.500".into();
        assert_ne!(spanish.key(), spec(10).key());
    }

    #[test]
    fn axis_prices_show_the_decimals_the_range_needs() {
        assert_eq!(axis_price(45_250.0, 2_000.0), "45,250");
        assert_eq!(axis_price(1_234_567.5, 100_000.0), "1,234,568");
        assert_eq!(axis_price(1.08523, 0.004), "1.0852");
        assert_eq!(axis_price(0.000123, 0.00001), "0.000123");
        assert_eq!(axis_price(-1_500.0, 5_000.0), "-1,500");
    }
}
