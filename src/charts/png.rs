//! SVG to PNG, by resvg, with the fonts this binary carries.

use std::sync::{Arc, LazyLock};

/// Why a drawing could not be turned into a PNG. Each is a bug in the
/// drawing, not in its data: the markup is built here, and data is escaped.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The SVG did not parse.
    #[error("the chart's SVG does not parse: {0}")]
    Svg(#[from] resvg::usvg::Error),
    /// The picture has no area, or is too large to allocate.
    #[error("the chart has an impossible size: {width} × {height}")]
    Size {
        /// Its width in pixels.
        width: f32,
        /// Its height in pixels.
        height: f32,
    },
    /// PNG encoding failed.
    #[error("the chart could not be encoded as PNG: {0}")]
    Encode(String),
}

/// The fonts: DejaVu Sans, regular and bold, loaded once.
static FONTS: LazyLock<Arc<resvg::usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_font_data(dejavu::sans::regular().to_vec());
    fonts.load_font_data(dejavu::sans::bold().to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    Arc::new(fonts)
});

/// A PNG's width and height from its header; `None` for what is not a PNG.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !png.starts_with(SIGNATURE) || png.get(12..16) != Some(b"IHDR".as_slice()) {
        return None;
    }
    let side = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((side(16)?, side(20)?))
}

/// `svg` rendered at `scale` times its size, as PNG bytes.
pub fn to_png(svg: &str, scale: f32) -> Result<Vec<u8>, ChartError> {
    let options = resvg::usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        fontdb: Arc::clone(&FONTS),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options)?;
    let size = tree.size();
    let (width, height) = (size.width() * scale, size.height() * scale);
    let impossible = ChartError::Size { width, height };
    let Some(mut pixmap) = resvg::tiny_skia::Pixmap::new(width.ceil() as u32, height.ceil() as u32)
    else {
        return Err(impossible);
    };
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|err| ChartError::Encode(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_becomes_a_png_of_its_size_times_the_scale() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="24" font-size="16">Payments</text></svg>"##;
        let png = to_png(svg, 2.0).unwrap();
        assert_eq!(png_size(&png), Some((240, 80)));
        assert_eq!(png_size(b"<svg/>"), None);
        assert_eq!(png_size(&png[..20]), None, "cut inside the header");
    }

    #[test]
    fn text_is_drawn_with_the_carried_font_whatever_the_system_has() {
        let with_text = |text: &str| {
            let svg = format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="#fff"/><text x="4" y="28" font-size="20" font-family="Helvetica, sans-serif">{text}</text></svg>"##
            );
            to_png(&svg, 1.0).unwrap()
        };
        // Text changes the pixels: glyphs were found and drawn.
        assert_ne!(with_text("Payments"), with_text(""));
    }

    #[test]
    fn a_broken_drawing_is_an_error_not_a_panic() {
        assert!(matches!(to_png("<svg", 1.0), Err(ChartError::Svg(_))));
        let empty = r#"<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"></svg>"#;
        assert!(to_png(empty, 1.0).is_err());
    }
}
