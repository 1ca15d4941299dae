//! Charts: the pictures of the archive, drawn at build time as inline SVG so that they
//! show without JavaScript. Pure: data in, markup out; never reads the site model.
//!
//! - [`stacked_bars`]: one row per label (a year), a bar stacked by series (kinds);
//!   [`year_rows`] says which years make a row (a decade over a long span);
//! - [`bars`]: one bar per label (a city, a kind);
//! - [`map`]: places on country outlines ([`Outlines`], shipped by the theme).
//!
//! Colours are never written here: every shape carries a class (`series-program`,
//! `bar`, `land`, `place`, …) that the theme's CSS colours, so charts follow the
//! light, dark and print schemes. Each chart has a text alternative: the svg is a
//! labelled image (`role="img"`, `aria-label`) and [`Chart::table`] holds the same
//! numbers as an HTML table; on the map every place is a link named with its count.
//! All text is escaped; the same input always gives the same bytes.

use std::fmt::Write as _;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::escape::html as esc;

/// A chart: its title (text), the picture and a table with the same numbers (HTML).
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
    pub table: String,
}

/// One series of a stacked chart: `id` names its CSS class (`series-<id>`).
#[derive(Debug, Clone)]
pub struct Series {
    pub id: String,
    pub label: String,
}

/// One row of a stacked chart: a value per series, in the order of the series.
#[derive(Debug, Clone)]
pub struct StackedRow {
    pub label: String,
    /// Where the row's label links to in the table.
    pub href: Option<String>,
    pub values: Vec<f64>,
}

/// A chart's words: its title (the svg's name and the table's caption) and the
/// headers of the table's first and last columns.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    pub title: &'a str,
    pub label_header: &'a str,
    pub value_header: &'a str,
}

const WIDTH: f64 = 400.0;
const ROW: f64 = 24.0;
const BAR: f64 = 14.0;
const FONT: f64 = 13.0;
const LEGEND: f64 = 22.0;

/// Most rows of a chart over years: over a longer span a row is a decade (or a
/// century, a millennium), so that a chart stays small whatever the dates.
pub const MAX_YEAR_ROWS: i32 = 40;

/// The rows of a chart over the years `first..=last`, newest first: one per year or,
/// when that would be more than `MAX_YEAR_ROWS`, one per decade (`2010..=2019`),
/// century or millennium, the first and last cut to the span.
pub fn year_rows(first: i32, last: i32) -> Vec<RangeInclusive<i32>> {
    let start = |y: i32, step: i32| y.div_euclid(step) * step;
    // Years have four digits: a row per millennium always fits.
    let step = [1, 10, 100]
        .into_iter()
        .find(|&step| (start(last, step) - start(first, step)) / step < MAX_YEAR_ROWS)
        .unwrap_or(1000);
    (start(first, step)..=start(last, step))
        .rev()
        .step_by(step as usize)
        .map(|s| s.max(first)..=(s + step - 1).min(last))
        .collect()
}

/// Horizontal bars, one per row, each stacked by series, with the row's total at its
/// end and a legend on top.
pub fn stacked_bars(labels: &Labels, series: &[Series], rows: &[StackedRow]) -> Chart {
    let total = |r: &StackedRow| r.values.iter().sum::<f64>();
    let max = rows.iter().map(total).fold(0.0, f64::max);
    let label_w = label_column(rows.iter().map(|r| r.label.as_str()));
    let value_w = rows
        .iter()
        .map(|r| text_width(&format_amount(total(r)), FONT))
        .fold(0.0, f64::max)
        + 8.0;
    let (legend, legend_h) = legend(series);
    let height = legend_h + rows.len() as f64 * ROW + 4.0;
    let scale = scale(max, WIDTH - label_w - value_w);

    let mut svg = open_svg(WIDTH, height, "chart-stacked", labels.title);
    svg.push_str(&legend);
    for (i, row) in rows.iter().enumerate() {
        let y = legend_h + i as f64 * ROW;
        let _ = write!(
            svg,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            n(label_w - 6.0),
            n(y + ROW / 2.0 + FONT * 0.35),
            esc(&row.label)
        );
        let mut x = label_w;
        for (s, &v) in series.iter().zip(&row.values) {
            if v <= 0.0 {
                continue;
            }
            let w = v * scale;
            let _ = write!(
                svg,
                r#"<rect class="series-{}" x="{}" y="{}" width="{}" height="{}" data-value="{}"><title>{}: {}</title></rect>"#,
                esc(&s.id),
                n(x),
                n(y + (ROW - BAR) / 2.0),
                n(w),
                n(BAR),
                format_amount(v),
                esc(&s.label),
                format_amount(v)
            );
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text class="value" x="{}" y="{}" data-total="{}">{}</text>"#,
            n(x + 4.0),
            n(y + ROW / 2.0 + FONT * 0.35),
            format_amount(total(row)),
            format_amount(total(row))
        );
    }
    svg.push_str("</svg>");

    let mut table = open_table(labels.title);
    table.push_str("<thead><tr>");
    let _ = write!(
        table,
        r#"<th scope="col">{}</th>"#,
        esc(labels.label_header)
    );
    for s in series {
        let _ = write!(
            table,
            r#"<th scope="col" class="num">{}</th>"#,
            esc(&s.label)
        );
    }
    let _ = write!(
        table,
        r#"<th scope="col" class="num">{}</th></tr></thead><tbody>"#,
        esc(labels.value_header)
    );
    for row in rows {
        table.push_str("<tr>");
        row_header(&mut table, &row.label, row.href.as_deref());
        for v in &row.values {
            let _ = write!(table, r#"<td class="num">{}</td>"#, format_amount(*v));
        }
        let _ = write!(
            table,
            r#"<td class="num">{}</td></tr>"#,
            format_amount(total(row))
        );
    }
    table.push_str("</tbody></table>");
    Chart {
        title: labels.title.to_string(),
        svg,
        table,
    }
}

/// One bar of a bar chart. `class` names its CSS class (`bar`, `series-trip`, …).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub href: Option<String>,
    pub value: f64,
    pub class: String,
}

/// Horizontal bars, one per item, in the order given, each with its value.
pub fn bars(labels: &Labels, items: &[Bar]) -> Chart {
    let max = items.iter().map(|b| b.value).fold(0.0, f64::max);
    let label_w = label_column(items.iter().map(|b| b.label.as_str()));
    let value_w = items
        .iter()
        .map(|b| text_width(&format_amount(b.value), FONT))
        .fold(0.0, f64::max)
        + 8.0;
    let height = items.len() as f64 * ROW + 4.0;
    let scale = scale(max, WIDTH - label_w - value_w);
    let mut svg = open_svg(WIDTH, height, "chart-bars", labels.title);
    for (i, b) in items.iter().enumerate() {
        let y = i as f64 * ROW;
        let w = b.value.max(0.0) * scale;
        let _ = write!(
            svg,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text><rect class="{}" x="{}" y="{}" width="{}" height="{}" data-value="{}"><title>{}: {}</title></rect><text class="value" x="{}" y="{}">{}</text>"#,
            n(label_w - 6.0),
            n(y + ROW / 2.0 + FONT * 0.35),
            esc(&b.label),
            esc(&b.class),
            n(label_w),
            n(y + (ROW - BAR) / 2.0),
            n(w),
            n(BAR),
            format_amount(b.value),
            esc(&b.label),
            format_amount(b.value),
            n(label_w + w + 4.0),
            n(y + ROW / 2.0 + FONT * 0.35),
            format_amount(b.value)
        );
    }
    svg.push_str("</svg>");

    let mut table = open_table(labels.title);
    let _ = write!(
        table,
        r#"<thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th></tr></thead><tbody>"#,
        esc(labels.label_header),
        esc(labels.value_header)
    );
    for b in items {
        table.push_str("<tr>");
        row_header(&mut table, &b.label, b.href.as_deref());
        let _ = write!(
            table,
            r#"<td class="num">{}</td></tr>"#,
            format_amount(b.value)
        );
    }
    table.push_str("</tbody></table>");
    Chart {
        title: labels.title.to_string(),
        svg,
        table,
    }
}

/// Country outlines in longitude and latitude, as the theme ships them
/// (`themes/default/data/east-asia.json`, made by `scripts/east-asia-map.py`).
#[derive(Debug, Clone, Deserialize)]
pub struct Outlines {
    /// Where the data holds outlines: west, south, east, north.
    pub bounds: [f64; 4],
    pub countries: Vec<Country>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2 where known.
    pub id: String,
    pub name: String,
    /// Closed rings, each a flat list `[lon, lat, lon, lat, …]`.
    pub rings: Vec<Vec<f64>>,
}

impl Outlines {
    pub fn parse(json: &str) -> Result<Outlines, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// A place on the map: a link, sized by its count.
#[derive(Debug, Clone)]
pub struct Place {
    /// Shown beside the dot (for the places with the most records).
    pub label: String,
    /// The link's accessible name and tooltip: `Seoul: 4 records`.
    pub title: String,
    pub href: String,
    pub lat: f64,
    pub lon: f64,
    pub count: usize,
    /// ISO 3166-1 alpha-2: countries with places are drawn a shade darker.
    pub country: String,
    /// Part of another place (a district of a city): labelled after the others.
    pub minor: bool,
}

/// A line between two cooperating places (indexes of the map's places), as thick as
/// they have records together.
#[derive(Debug, Clone)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub records: usize,
    /// The line's tooltip: `Seoul – Tokyo: 3 records`.
    pub title: String,
}

const MAP_W: f64 = 640.0;
const MAP_MIN_H: f64 = 380.0;
const MAP_MAX_H: f64 = 560.0;
const MAP_LABELS: usize = 14;
/// The most lines between cooperating places a map draws.
const MAP_LINES: usize = 150;
/// The labels of a map shown on a narrow screen (the style sheet shows one set or
/// the other, and gives each its size: 13 and 22 px): fewer and larger, so that at
/// 390 px wide, where the 640-unit map is drawn about 350 px wide, they are at least
/// 11 px.
const NARROW_FONT: f64 = 22.0;
const NARROW_LABELS: usize = 8;

/// A map of the places, framed around them (with some margin), on the outlines, with
/// the lines between cooperating places under the dots. Every place is a link; dots
/// that would cover each other are moved apart, each with a thin line to where it
/// is; the biggest are labelled where labels do not collide.
pub fn map(title: &str, outlines: Option<&Outlines>, places: &[Place], links: &[Link]) -> String {
    let frame = Frame::around(places);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart chart-map" viewBox="0 0 {} {}" width="{}" height="{}" aria-label="{}">"#,
        n(MAP_W),
        n(frame.height),
        n(MAP_W),
        n(frame.height),
        esc(title)
    );
    let _ = write!(
        svg,
        r#"<rect class="sea" x="0" y="0" width="{}" height="{}"/>"#,
        n(MAP_W),
        n(frame.height)
    );
    if let Some(outlines) = outlines {
        svg.push_str(r#"<g class="countries" aria-hidden="true">"#);
        for c in &outlines.countries {
            let d = frame.path(&c.rings);
            if d.is_empty() {
                continue;
            }
            let active = places.iter().any(|p| p.country == c.id);
            let _ = write!(
                svg,
                r#"<path class="land{}" d="{}"><title>{}</title></path>"#,
                if active { " land-active" } else { "" },
                d,
                esc(&c.name)
            );
        }
        svg.push_str("</g>");
    }
    // Biggest first, so that small dots stay on top and clickable.
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&places[a], &places[b]);
        b.count
            .cmp(&a.count)
            .then(a.minor.cmp(&b.minor))
            .then(a.href.cmp(&b.href))
    });
    let at = spread(&frame, places, &order);
    pair_lines(&mut svg, links, &at);
    svg.push_str(r#"<g class="places">"#);
    for &i in &order {
        let p = &places[i];
        let (x, y) = at[i];
        let (tx, ty) = frame.project(p.lon, p.lat);
        if (x, y) != (tx, ty) {
            let _ = write!(
                svg,
                r#"<line class="place-leader" x1="{}" y1="{}" x2="{}" y2="{}" aria-hidden="true"/>"#,
                n(tx),
                n(ty),
                n(x),
                n(y)
            );
        }
        let _ = write!(
            svg,
            r#"<a href="{}"><circle class="place{}" cx="{}" cy="{}" r="{}" data-count="{}"/><title>{}</title></a>"#,
            esc(&p.href),
            if p.count > 0 { " place-active" } else { "" },
            n(x),
            n(y),
            n(radius(p.count)),
            p.count,
            esc(&p.title)
        );
    }
    svg.push_str("</g>");
    let labelled: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| places[i].count > 0)
        .collect();
    for (class, font, max) in [
        ("place-labels", FONT, MAP_LABELS),
        (
            "place-labels place-labels-narrow",
            NARROW_FONT,
            NARROW_LABELS,
        ),
    ] {
        let labels = map_labels(&frame, places, &labelled, &at, font, max);
        if !labels.is_empty() {
            let _ = write!(svg, r#"<g class="{class}" aria-hidden="true">{labels}</g>"#);
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The lines between cooperating places, from dot to dot (`at`), under the dots: the
/// `MAP_LINES` of most records (a map of every pair of a large archive would be a
/// grey web, and a heavy page), the strongest drawn last, on top.
fn pair_lines(svg: &mut String, links: &[Link], at: &[(f64, f64)]) {
    if links.is_empty() {
        return;
    }
    let mut strongest: Vec<&Link> = links.iter().collect();
    strongest.sort_by(|a, b| b.records.cmp(&a.records).then((a.a, a.b).cmp(&(b.a, b.b))));
    strongest.truncate(MAP_LINES);
    strongest.reverse();
    svg.push_str(r#"<g class="pair-lines" aria-hidden="true">"#);
    for l in strongest {
        let ((x1, y1), (x2, y2)) = (at[l.a], at[l.b]);
        let _ = write!(
            svg,
            r#"<line class="pair-line" x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="{}" data-records="{}"><title>{}</title></line>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            n((0.8 + 0.9 * (l.records as f64).sqrt()).min(7.0)),
            l.records,
            esc(&l.title)
        );
    }
    svg.push_str("</g>");
}

/// Where each place's dot is drawn: at the place, or, when it would overlap a dot
/// drawn before it (biggest first) by more than two thirds of the smaller radius,
/// moved out around that dot to the first spot where it overlaps none so much.
fn spread(frame: &Frame, places: &[Place], order: &[usize]) -> Vec<(f64, f64)> {
    let mut at: Vec<(f64, f64)> = places.iter().map(|p| frame.project(p.lon, p.lat)).collect();
    // The dots drawn so far: centre and radius.
    let mut drawn: Vec<(f64, f64, f64)> = Vec::new();
    for &i in order {
        let r = radius(places[i].count);
        let covered = |(x, y): (f64, f64), drawn: &[(f64, f64, f64)]| {
            drawn.iter().copied().find(|&(cx, cy, rj)| {
                let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
                d < (r + rj) - r.min(rj) * 2.0 / 3.0
            })
        };
        if let Some((cx, cy, rj)) = covered(at[i], &drawn) {
            let reach = rj + r + 1.0;
            // Eight directions, then farther out: the first spot that covers nothing.
            let spots = (1..=3).flat_map(|ring| {
                (0..8).map(move |k| {
                    let angle = std::f64::consts::FRAC_PI_4 * f64::from(k - 1);
                    let d = reach * f64::from(ring);
                    (cx + d * angle.cos(), cy + d * angle.sin())
                })
            });
            let inside =
                |&(x, y): &(f64, f64)| x > r && x < MAP_W - r && y > r && y < frame.height - r;
            if let Some(spot) = spots.filter(inside).find(|&s| covered(s, &drawn).is_none()) {
                at[i] = spot;
            }
        }
        drawn.push((at[i].0, at[i].1, r));
    }
    at
}

/// The labels of the places of `order` that have records, most first, at most `max`,
/// in `font`, skipped where they would overlap another label.
fn map_labels(
    frame: &Frame,
    places: &[Place],
    order: &[usize],
    at: &[(f64, f64)],
    font: f64,
    max: usize,
) -> String {
    let mut taken: Vec<[f64; 4]> = Vec::new();
    let mut labels = String::new();
    for &i in order.iter().take(max * 3) {
        if taken.len() == max {
            break;
        }
        let p = &places[i];
        let (x, y) = at[i];
        let r = radius(p.count);
        let w = text_width(&p.label, font);
        let right = x + r + 3.0 + w <= MAP_W - 2.0;
        let lx = if right { x + r + 3.0 } else { x - r - 3.0 - w };
        let bx = [lx - 1.0, y - font * 0.8, lx + w + 1.0, y + font * 0.4];
        let collides = taken
            .iter()
            .any(|t| bx[0] < t[2] && t[0] < bx[2] && bx[1] < t[3] && t[1] < bx[3]);
        if collides || bx[0] < 0.0 || bx[1] < 0.0 || bx[3] > frame.height {
            continue;
        }
        taken.push(bx);
        let _ = write!(
            labels,
            r#"<text class="place-label" x="{}" y="{}">{}</text>"#,
            n(lx),
            n(y + font * 0.35),
            esc(&p.label)
        );
    }
    labels
}

fn radius(count: usize) -> f64 {
    if count == 0 {
        3.0
    } else {
        (4.0 + 2.5 * (count as f64).sqrt()).min(24.0)
    }
}

/// The part of the world a map shows, in Web Mercator, scaled to `MAP_W` wide.
struct Frame {
    /// Projected west and north edges.
    x0: f64,
    y0: f64,
    /// Pixels per projected unit.
    k: f64,
    height: f64,
}

fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.0, 85.0).to_radians();
    (
        lon.to_radians(),
        (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln(),
    )
}

impl Frame {
    /// Frames the places with a margin of a few degrees; at least `MIN_SPAN` degrees
    /// of longitude; East Asia when there are no places.
    fn around(places: &[Place]) -> Frame {
        const MARGIN: f64 = 3.0;
        const MIN_SPAN: f64 = 24.0;
        let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in places {
            west = west.min(p.lon);
            east = east.max(p.lon);
            south = south.min(p.lat);
            north = north.max(p.lat);
        }
        if places.is_empty() {
            (west, south, east, north) = (100.0, 20.0, 145.0, 50.0);
        }
        west -= MARGIN;
        east += MARGIN;
        south -= MARGIN;
        north += MARGIN;
        if east - west < MIN_SPAN {
            let mid = (east + west) / 2.0;
            west = mid - MIN_SPAN / 2.0;
            east = mid + MIN_SPAN / 2.0;
        }
        let (x0, y_s) = mercator(west, south);
        let (x1, y_n) = mercator(east, north);
        let mut k = MAP_W / (x1 - x0);
        let mut height = (y_n - y_s) * k;
        let (mut x0, mut y0) = (x0, y_n);
        if height > MAP_MAX_H {
            // Too tall: fit the height, widen the longitudes around the middle.
            k = MAP_MAX_H / (y_n - y_s);
            let mid = (x0 + x1) / 2.0;
            x0 = mid - MAP_W / k / 2.0;
            height = MAP_MAX_H;
        } else if height < MAP_MIN_H {
            // Too flat: add latitudes above and below.
            let mid = (y_n + y_s) / 2.0;
            y0 = mid + MAP_MIN_H / k / 2.0;
            height = MAP_MIN_H;
        }
        Frame {
            x0,
            y0,
            k,
            height: height.round(),
        }
    }

    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = mercator(lon, lat);
        ((x - self.x0) * self.k, (self.y0 - y) * self.k)
    }

    /// An SVG path of the rings that reach into the frame; points closer than a
    /// pixel to the previous one are left out.
    fn path(&self, rings: &[Vec<f64>]) -> String {
        let mut d = String::new();
        for ring in rings {
            let pts: Vec<(f64, f64)> = ring
                .chunks_exact(2)
                .map(|c| self.project(c[0], c[1]))
                .collect();
            let inside = pts.iter().any(|&(x, y)| {
                (-50.0..=MAP_W + 50.0).contains(&x) && (-50.0..=self.height + 50.0).contains(&y)
            });
            let (min_x, max_x) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
            let (min_y, max_y) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
            let overlaps = max_x >= 0.0 && min_x <= MAP_W && max_y >= 0.0 && min_y <= self.height;
            if !(inside || overlaps) || (max_x - min_x < 1.5 && max_y - min_y < 1.5) {
                continue;
            }
            let mut last: Option<(f64, f64)> = None;
            let mut count = 0;
            let mut part = String::new();
            for &(x, y) in &pts {
                if let Some((lx, ly)) = last
                    && (x - lx).abs() < 1.0
                    && (y - ly).abs() < 1.0
                {
                    continue;
                }
                part.push(if last.is_none() { 'M' } else { 'L' });
                let _ = write!(part, "{},{}", n(x), n(y));
                last = Some((x, y));
                count += 1;
            }
            if count >= 3 {
                d.push_str(&part);
                d.push('Z');
            }
        }
        d
    }
}

fn open_svg(width: f64, height: f64, class: &str, title: &str) -> String {
    format!(
        r#"<svg class="chart {class}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">"#,
        n(width),
        n(height),
        n(width),
        n(height),
        esc(title)
    )
}

fn open_table(caption: &str) -> String {
    format!(
        r#"<table class="chart-table"><caption>{}</caption>"#,
        esc(caption)
    )
}

fn row_header(out: &mut String, label: &str, href: Option<&str>) {
    match href {
        Some(h) => {
            let _ = write!(
                out,
                r#"<th scope="row"><a href="{}">{}</a></th>"#,
                esc(h),
                esc(label)
            );
        }
        None => {
            let _ = write!(out, r#"<th scope="row">{}</th>"#, esc(label));
        }
    }
}

/// The legend of a stacked chart: a swatch and a label per series, wrapped to the
/// width. Returns the markup and its height.
fn legend(series: &[Series]) -> (String, f64) {
    let mut out = String::from(r#"<g class="legend">"#);
    let (mut x, mut y) = (0.0, 0.0);
    for s in series {
        let w = 14.0 + text_width(&s.label, FONT) + 14.0;
        if x > 0.0 && x + w > WIDTH {
            x = 0.0;
            y += LEGEND;
        }
        let _ = write!(
            out,
            r#"<rect class="series-{}" x="{}" y="{}" width="10" height="10"/><text class="legend-label" x="{}" y="{}">{}</text>"#,
            esc(&s.id),
            n(x),
            n(y + 4.0),
            n(x + 14.0),
            n(y + 4.0 + FONT * 0.75),
            esc(&s.label)
        );
        x += w;
    }
    out.push_str("</g>");
    (out, y + LEGEND + 4.0)
}

/// Width of the label column: the widest label, within limits.
fn label_column<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    (labels.map(|l| text_width(l, FONT)).fold(0.0, f64::max) + 10.0).clamp(40.0, 170.0)
}

fn scale(max: f64, room: f64) -> f64 {
    if max > 0.0 { room / max } else { 0.0 }
}

/// Rough width of a text: CJK and Hangul are square, other letters about half.
pub fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 1.0 } else { 0.58 }
        })
        .sum::<f64>()
        * font
}

/// A coordinate with at most one decimal, without a trailing `.0`.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// `1067` → `1,067`; fractions are kept as written.
pub fn format_amount(n: f64) -> String {
    if n.fract() != 0.0 || n.abs() >= 1e15 {
        return n.to_string();
    }
    let digits = (n.abs() as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_spans_of_years_are_charted_by_decade() {
        assert_eq!(
            year_rows(2014, 2016),
            [2016..=2016, 2015..=2015, 2014..=2014]
        );
        assert_eq!(year_rows(1980, 2019).len(), 40);
        assert_eq!(
            year_rows(1975, 2021),
            [
                2020..=2021,
                2010..=2019,
                2000..=2009,
                1990..=1999,
                1980..=1989,
                1975..=1979
            ]
        );
        assert_eq!(year_rows(1900, 2100).len(), 21);
        assert_eq!(year_rows(0, 9999).len(), 10);
        assert_eq!(year_rows(1, 1), [1..=1]);
    }

    #[test]
    fn amounts_get_thousands_separators() {
        assert_eq!(format_amount(475.0), "475");
        assert_eq!(format_amount(1067.0), "1,067");
        assert_eq!(format_amount(1234567.0), "1,234,567");
        assert_eq!(format_amount(2.5), "2.5");
    }

    fn labels() -> Labels<'static> {
        Labels {
            title: "Records per year",
            label_header: "Year",
            value_header: "Total",
        }
    }

    #[test]
    fn stacked_bars_are_proportional_and_show_their_totals() {
        let series = vec![
            Series {
                id: "program".into(),
                label: "Programs".into(),
            },
            Series {
                id: "trip".into(),
                label: "Trips".into(),
            },
        ];
        let rows = vec![
            StackedRow {
                label: "2016".into(),
                href: Some("/years/2016/".into()),
                values: vec![2.0, 2.0],
            },
            StackedRow {
                label: "2015".into(),
                href: None,
                values: vec![1.0, 0.0],
            },
        ];
        let c = stacked_bars(&labels(), &series, &rows);
        assert!(
            c.svg
                .contains(r#"role="img" aria-label="Records per year""#)
        );
        assert!(c.svg.contains(r#"data-total="4""#) && c.svg.contains(r#"data-total="1""#));
        // The longest bar spans the room; the others are in proportion to it.
        let widths: Vec<f64> = c
            .svg
            .split(r#"<rect class="series-"#)
            .skip(1)
            .filter(|r| r.contains("data-value"))
            .map(|r| {
                let w = r.split(r#"width=""#).nth(1).unwrap();
                w[..w.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 3, "no rect for a zero value");
        // 2016 is 2 + 2, 2015 is 1: a quarter of the longest bar.
        assert!((widths[0] - widths[1]).abs() < 0.11);
        assert!((widths[0] - 2.0 * widths[2]).abs() < 0.21, "{widths:?}");
        assert!(
            c.table
                .contains(r#"<th scope="row"><a href="/years/2016/">2016</a></th>"#)
        );
        assert!(c.table.contains(r#"<td class="num">4</td>"#));
    }

    #[test]
    fn chart_text_is_escaped() {
        let c = bars(
            &Labels {
                title: "a \"b\" <c>",
                label_header: "x",
                value_header: "y",
            },
            &[Bar {
                label: "</text><script>".into(),
                href: Some("/\"x".into()),
                value: 1234.0,
                class: "bar".into(),
            }],
        );
        for s in [&c.svg, &c.table] {
            assert!(!s.contains("<script>") && !s.contains("\"b\""), "{s}");
        }
        assert!(c.svg.contains(">1,234</text>"));
    }

    #[test]
    fn map_places_every_place_as_a_link_and_sizes_by_count() {
        let place = |label: &str, lat, lon, count| Place {
            label: label.into(),
            title: format!("{label}: {count}"),
            href: format!("/cities/{label}/"),
            lat,
            lon,
            count,
            country: "KR".into(),
            minor: false,
        };
        let places = [
            place("seoul", 37.57, 126.98, 9),
            place("busan", 35.18, 129.08, 1),
            place("beijing", 39.9, 116.4, 0),
        ];
        let outlines = Outlines::parse(
            r#"{"bounds":[60,-12,170,62],"countries":[{"id":"KR","name":"South Korea","rings":[[126,34,130,34,130,38.5,126,38.5]]}]}"#,
        )
        .unwrap();
        let links = [Link {
            a: 0,
            b: 2,
            records: 4,
            title: "Seoul – Beijing: 4 records".into(),
        }];
        let svg = map("Map", Some(&outlines), &places, &links);
        // The line of the pair, from Seoul's dot to Beijing's, as thick as 4 records.
        assert!(svg.contains(
            r#"stroke-width="2.6" data-records="4"><title>Seoul – Beijing: 4 records</title>"#
        ));
        for p in &places {
            assert!(svg.contains(&format!(r#"<a href="/cities/{}/">"#, p.label)));
        }
        assert!(svg.contains(r#"class="land land-active""#));
        let r = |label: &str| {
            let at = svg.find(&format!("/cities/{label}/")).unwrap();
            let rest = &svg[at..];
            let v = rest.split(r#" r=""#).nth(1).unwrap();
            v[..v.find('"').unwrap()].parse::<f64>().unwrap()
        };
        assert!(r("seoul") > r("busan") && r("busan") > r("beijing"));
        // Seoul lies east of Beijing and south of it.
        let pos = |label: &str| {
            let at = svg.find(&format!("/cities/{label}/")).unwrap();
            let rest = &svg[at..];
            let get = |a: &str| {
                let v = rest.split(&format!(r#" {a}=""#)).nth(1).unwrap();
                v[..v.find('"').unwrap()].parse::<f64>().unwrap()
            };
            (get("cx"), get("cy"))
        };
        assert!(pos("seoul").0 > pos("beijing").0 && pos("seoul").1 > pos("beijing").1);
    }

    #[test]
    fn dots_on_one_spot_are_moved_apart_with_a_line_to_the_place() {
        let place = |label: &str, count| Place {
            label: label.into(),
            title: label.into(),
            href: format!("/cities/{label}/"),
            lat: 37.5,
            lon: 127.0,
            count,
            country: "KR".into(),
            minor: count < 5,
        };
        let places = [
            place("seoul", 9),
            place("gangnam", 1),
            place("yangcheon", 1),
        ];
        let svg = map("Map", None, &places, &[]);
        let dots: Vec<(f64, f64, f64)> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| {
                let get = |a: &str| {
                    let v = c.split(&format!(r#" {a}=""#)).nth(1).unwrap();
                    v[..v.find('"').unwrap()].parse::<f64>().unwrap()
                };
                (get("cx"), get("cy"), get("r"))
            })
            .collect();
        assert_eq!(dots.len(), 3);
        for (i, a) in dots.iter().enumerate() {
            for b in &dots[i + 1..] {
                let d = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
                assert!(d >= a.2 + b.2 - a.2.min(b.2) * 2.0 / 3.0, "{dots:?}");
            }
        }
        // The biggest stays on its place; each moved dot has a line back to it.
        assert_eq!(svg.matches(r#"class="place-leader""#).count(), 2);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.34), "12.3");
        assert_eq!(n(-0.04), "0");
    }
}
