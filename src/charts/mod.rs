//! Pictures of the network: the team map and the weekly growth chart, drawn
//! as SVG text, and the team map rasterised to PNG for the digest.
//!
//! One drawing serves both places: the insights page inlines the SVG, and
//! the digest uploads the same SVG rendered by resvg with the fonts this
//! binary carries (DejaVu Sans), so the picture in Slack does not depend on
//! what fonts the server happens to have. Pure functions of domain types,
//! except [`to_png`], which only computes.
//!
//! Team names come from Slack profiles, which anyone can edit: every piece
//! of text goes through [`escape`] before it enters the markup.

mod png;
mod team_map;
mod weekly;

pub use png::{ChartError, png_size, to_png};
pub use team_map::{team_map_alt_text, team_map_svg};
pub use weekly::weekly_svg;

use crate::domain::TeamMap;
use std::borrow::Cow;
use std::fmt::Write;

/// The fonts a drawing asks for: DejaVu Sans, which the PNG renderer
/// carries, then what a browser has.
pub const FONT_FAMILY: &str = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

/// The team map as the digest shows it: a PNG twice the drawing's size, so
/// that it stays sharp on high-density screens.
pub fn team_map_png(map: &TeamMap) -> Result<Vec<u8>, ChartError> {
    to_png(&team_map_svg(map), 2.0)
}

/// `text` made safe inside XML or HTML text and attribute values.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max` characters, with an ellipsis when cut: a
/// label must not run over its neighbours.
fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        Cow::Borrowed(text)
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        Cow::Owned(format!("{kept}…"))
    }
}

/// About how wide `text` is at `font_size` in DejaVu Sans: for laying out
/// labels before any font is at hand (its average advance is a little
/// over 0.6 em; erring wide keeps labels inside the picture).
fn text_width(text: &str, font_size: f64) -> f64 {
    count_f64(text.chars().count()) * font_size * 0.64
}

/// A count as a coordinate. Counts drawn here are far below 2^52.
#[allow(clippy::cast_precision_loss)]
fn count_f64(n: usize) -> f64 {
    n as f64
}

/// An SVG document being written: the opening tag is written by `new`, the
/// closing one by `finish`.
struct Svg {
    out: String,
}

impl Svg {
    fn new(id: &str, width: f64, height: f64, label: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{label}" font-family="{FONT_FAMILY}">"#,
            label = escape(label),
            FONT_FAMILY = escape(FONT_FAMILY),
        );
        let _ = write!(
            out,
            r##"<rect width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
        );
        Self { out }
    }

    /// Text at (x, y); `attributes` are written as they are.
    fn text(&mut self, x: f64, y: f64, attributes: &str, text: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" {attributes}>{}</text>"#,
            escape(text)
        );
    }

    /// Markup written as it is: only for what this module builds itself.
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_name_is_escaped() {
        assert_eq!(
            escape(r#"<script>"R&D's"</script>"#),
            "&lt;script&gt;&quot;R&amp;D&#39;s&quot;&lt;/script&gt;"
        );
        assert!(matches!(escape("Payments"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_long_label_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("Payments", 8), "Payments");
        assert_eq!(shorten("Customer Success", 8), "Custome…");
    }
}
