//! The team map: a team × team grid. Each cell holds the number of active
//! alliances between the two teams, shaded by their summed strength; a pair
//! that never had a tie is hatched and marked "none", so a gap is seen at a
//! glance without reading numbers.

use super::{Svg, count_f64, escape, shorten, text_width};
use crate::domain::{TeamMap, TeamPair, plural};
use std::fmt::Write;

/// The page's margin, and the room for the title and subtitle.
const MARGIN: f64 = 24.0;
const HEADER: f64 = 64.0;
/// Team labels: size, and the longest name drawn whole.
const LABEL_SIZE: f64 = 13.0;
const LABEL_CHARS: usize = 24;
/// A cell's side: the grid aims at this width, within these bounds.
const GRID_WIDTH: f64 = 560.0;
const CELL_MIN: f64 = 30.0;
const CELL_MAX: f64 = 64.0;
/// Room under the grid for the legend.
const LEGEND: f64 = 78.0;
/// The shades: from a faint to a deep teal, as strength grows; white text
/// from this share of the scale up.
const LIGHT: (f64, f64, f64) = (224.0, 242.0, 241.0);
const DEEP: (f64, f64, f64) = (0.0, 105.0, 92.0);
const WHITE_TEXT_FROM: f64 = 0.55;
/// The share of the scale the weakest active pair is drawn at.
const WEAKEST_SHADE: f64 = 0.15;

/// The team map as an SVG document (`id="team-map"`).
pub fn team_map_svg(map: &TeamMap) -> String {
    let n = map.teams.len();
    let labels: Vec<String> = map
        .teams
        .iter()
        .map(|t| shorten(t.as_str(), LABEL_CHARS).into_owned())
        .collect();
    let label_width = labels
        .iter()
        .map(|l| text_width(l, LABEL_SIZE))
        .fold(40.0, f64::max)
        + 12.0;
    let cell = (GRID_WIDTH / count_f64(n.max(1))).clamp(CELL_MIN, CELL_MAX);
    // Column labels are turned 45°: they need about 0.71 of their length.
    let column_labels = label_width * 0.71 + 8.0;
    let x0 = MARGIN + label_width;
    let y0 = MARGIN + HEADER + column_labels;
    let grid = cell * count_f64(n);
    let width = (x0 + grid + MARGIN).max(MARGIN + legend_width() + MARGIN);
    let height = y0 + grid + LEGEND + MARGIN;

    let title = "Alliances between teams";
    let mut svg = Svg::new("team-map", width, height, title);
    svg.raw(DEFS);
    svg.text(
        MARGIN,
        MARGIN + 18.0,
        r##"font-size="20" font-weight="bold" fill="#1f2933""##,
        title,
    );
    let subtitle = format!(
        "{} · the number is alliances active in the last {} days",
        map.as_of.format("%-d %B %Y"),
        map.active_days
    );
    svg.text(
        MARGIN,
        MARGIN + 42.0,
        r##"font-size="13" fill="#52606d""##,
        &subtitle,
    );

    if n < 2 {
        svg.text(
            MARGIN,
            MARGIN + HEADER + 20.0,
            r##"font-size="14" fill="#52606d""##,
            "Not enough teams to draw yet: the map needs two teams at or above the privacy floor.",
        );
        return svg.finish();
    }

    for (i, label) in labels.iter().enumerate() {
        let middle = count_f64(i) * cell + cell / 2.0;
        // Row label, right-aligned against the grid.
        svg.text(
            x0 - 8.0,
            y0 + middle + LABEL_SIZE * 0.35,
            &format!(
                r##"class="team-label" font-size="{LABEL_SIZE}" text-anchor="end" fill="#1f2933""##
            ),
            label,
        );
        // Column label, turned so that long names fit.
        let (x, y) = (x0 + middle, y0 - 8.0);
        svg.text(
            x,
            y,
            &format!(
                r##"class="team-label" font-size="{LABEL_SIZE}" fill="#1f2933" transform="rotate(-45 {x:.1} {y:.1})""##
            ),
            label,
        );
    }

    let range = map.strength_range();
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (x0 + count_f64(j) * cell, y0 + count_f64(i) * cell);
            match map.pair(i, j) {
                None => svg.raw(&format!(
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="#e4e7eb" stroke="#ffffff" stroke-width="2"/>"##
                )),
                Some(pair) => draw_cell(&mut svg, pair, (x, y), cell, range),
            }
        }
    }

    legend(&mut svg, MARGIN, y0 + grid + 28.0, map);
    svg.finish()
}

/// Slack reads at most this many characters of a picture's alt text.
const ALT_TEXT_MAX: usize = 1000;

/// The team map in words, for screen readers: the teams it leaves out,
/// the pairs with active alliances, most first, then the pairs that never
/// had a tie.
pub fn team_map_alt_text(map: &TeamMap) -> String {
    let mut active: Vec<&TeamPair> = map
        .pairs
        .iter()
        .filter(|p| p.active_alliances > 0)
        .collect();
    active.sort_by(|x, y| {
        y.active_alliances
            .cmp(&x.active_alliances)
            .then_with(|| x.teams.cmp(&y.teams))
    });
    let mut parts = vec![format!(
        "Alliances between {} as of {}.",
        plural(map.teams.len(), "team", "teams"),
        map.as_of.format("%-d %B %Y")
    )];
    // Before the pairs: a long list is cut at the end.
    parts.extend(teams_not_shown(map));
    if !active.is_empty() {
        let pairs: Vec<String> = active
            .iter()
            .map(|p| format!("{} and {}: {}", p.teams.0, p.teams.1, p.active_alliances))
            .collect();
        parts.push(format!("Active alliances: {}.", pairs.join("; ")));
    }
    let never: Vec<String> = map
        .pairs
        .iter()
        .filter(|p| p.never_connected())
        .map(|p| format!("{} and {}", p.teams.0, p.teams.1))
        .collect();
    if !never.is_empty() {
        parts.push(format!("Never a tie: {}.", never.join("; ")));
    }
    shorten(&parts.join(" "), ALT_TEXT_MAX).into_owned()
}

/// Patterns: the hatching of pairs that never had a tie.
const DEFS: &str = r##"<defs><pattern id="never" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fbeae5"/><line x1="0" y1="0" x2="0" y2="8" stroke="#e8a598" stroke-width="3"/></pattern></defs>"##;

/// Draws one cell; `(weakest, strongest)` is the range of the active pairs'
/// strengths, which the shades spread over.
fn draw_cell(
    svg: &mut Svg,
    pair: &TeamPair,
    (x, y): (f64, f64),
    cell: f64,
    (weakest, strongest): (f64, f64),
) {
    let (a, b) = (&pair.teams.0, &pair.teams.1);
    let (fill, label, ink, tip) = if pair.never_connected() {
        (
            "url(#never)".to_owned(),
            "none",
            "#9b2c1f".to_owned(),
            format!("{a} – {b}: never a tie"),
        )
    } else if pair.active_alliances == 0 {
        (
            "#f5f7fa".to_owned(),
            "0",
            "#7b8794".to_owned(),
            format!(
                "{a} – {b}: no active alliance ({} ever)",
                pair.alliances_ever
            ),
        )
    } else {
        // Spread over the map's own range, so that a company where every
        // pair is connected still shows which are closest; the weakest
        // active pair keeps a visible shade, it is a tie all the same.
        let spread = if strongest > weakest {
            ((pair.strength - weakest) / (strongest - weakest)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let share = WEAKEST_SHADE + (1.0 - WEAKEST_SHADE) * spread;
        let ink = if share >= WHITE_TEXT_FROM {
            "#ffffff"
        } else {
            "#102a43"
        };
        (
            shade(share),
            "",
            ink.to_owned(),
            format!(
                "{a} – {b}: {} ({} ever)",
                plural(
                    pair.active_alliances as usize,
                    "active alliance",
                    "active alliances"
                ),
                pair.alliances_ever
            ),
        )
    };
    let mut markup = String::new();
    let _ = write!(
        markup,
        r##"<g class="cell" data-teams="{}|{}"><title>{}</title><rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>"##,
        escape(a.as_str()),
        escape(b.as_str()),
        escape(&tip),
    );
    svg.raw(&markup);
    let count = pair.active_alliances.to_string();
    let text = if label.is_empty() { &count } else { label };
    let size = if text.len() > 3 {
        (cell / 3.6).min(12.0)
    } else {
        (cell / 2.6).min(16.0)
    };
    svg.text(
        x + cell / 2.0,
        y + cell / 2.0 + size * 0.35,
        &format!(r#"font-size="{size:.1}" text-anchor="middle" fill="{ink}""#),
        text,
    );
    svg.raw("</g>");
}

/// The colour at `share` of the scale: faint (0) to deep (1).
fn shade(share: f64) -> String {
    let mix = |from: f64, to: f64| (from + (to - from) * share).round();
    format!(
        "rgb({:.0},{:.0},{:.0})",
        mix(LIGHT.0, DEEP.0),
        mix(LIGHT.1, DEEP.1),
        mix(LIGHT.2, DEEP.2)
    )
}

/// The legend's three keys: a swatch (or three) and a few words each.
const KEYS: [&str; 3] = [
    "weaker → stronger",
    "0: met before, not lately",
    "never a tie",
];
/// Room for a swatch and the space after it; between two keys.
const SWATCH: f64 = 24.0;
const KEY_GAP: f64 = 24.0;

fn legend_width() -> f64 {
    let words: f64 = KEYS.iter().map(|k| text_width(k, 12.0)).sum();
    3.0 * 20.0 + 4.0 + 2.0 * SWATCH + words + 2.0 * KEY_GAP
}

fn legend(svg: &mut Svg, x: f64, y: f64, map: &TeamMap) {
    let swatch = |svg: &mut Svg, x: f64, fill: &str| {
        svg.raw(&format!(
            r##"<rect x="{x:.1}" y="{:.1}" width="18" height="18" fill="{fill}" stroke="#cbd2d9"/>"##,
            y - 13.0
        ));
    };
    let style = r##"font-size="12" fill="#52606d""##;
    let mut at = x;
    for share in [WEAKEST_SHADE, 0.55, 1.0] {
        swatch(svg, at, &shade(share));
        at += 20.0;
    }
    svg.text(at + 4.0, y, style, KEYS[0]);
    at += 4.0 + text_width(KEYS[0], 12.0) + KEY_GAP;
    swatch(svg, at, "#f5f7fa");
    svg.text(at + SWATCH, y, style, KEYS[1]);
    at += SWATCH + text_width(KEYS[1], 12.0) + KEY_GAP;
    swatch(svg, at, "url(#never)");
    svg.text(at + SWATCH, y, style, KEYS[2]);
    if let Some(note) = teams_not_shown(map) {
        svg.text(x, y + 26.0, style, &note);
    }
}

/// A sentence on the teams the map does not show, if any: those left out
/// to keep it readable, and those under the privacy floor.
fn teams_not_shown(map: &TeamMap) -> Option<String> {
    let mut parts = Vec::new();
    if map.teams_left_out > 0 {
        parts.push(format!(
            "{} with fewer alliances left out",
            plural(map.teams_left_out, "team", "teams")
        ));
    }
    if map.small_teams_held_back > 0 {
        parts.push(format!(
            "{} under the privacy floor not shown",
            plural(map.small_teams_held_back, "team", "teams")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("{}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeamId;
    use chrono::{TimeZone, Utc};

    fn pair(a: &str, b: &str, active: u32, ever: u32, strength: f64) -> TeamPair {
        TeamPair {
            teams: (TeamId::parse(a).unwrap(), TeamId::parse(b).unwrap()),
            active_alliances: active,
            alliances_ever: ever,
            strength,
        }
    }

    pub(crate) fn sample() -> TeamMap {
        TeamMap {
            as_of: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
            active_days: 90,
            teams: ["Design", "Payments", "R&D <Labs>"]
                .map(|t| TeamId::parse(t).unwrap())
                .to_vec(),
            pairs: vec![
                pair("Design", "Payments", 3, 4, 2.5),
                pair("Design", "R&D <Labs>", 0, 0, 0.0),
                pair("Payments", "R&D <Labs>", 0, 2, 0.1),
            ],
            small_teams_held_back: 2,
            teams_left_out: 0,
        }
    }

    #[test]
    fn every_team_is_labelled_on_both_axes_and_names_are_escaped() {
        let svg = team_map_svg(&sample());
        assert_eq!(svg.matches(r#"class="team-label""#).count(), 6);
        assert_eq!(svg.matches(">Design</text>").count(), 2);
        assert_eq!(svg.matches(">R&amp;D &lt;Labs&gt;</text>").count(), 2);
        assert!(!svg.contains("<Labs>"));
    }

    #[test]
    fn each_pair_is_drawn_twice_with_its_count_and_a_pair_never_connected_is_marked() {
        let svg = team_map_svg(&sample());
        assert_eq!(svg.matches(r#"class="cell""#).count(), 6);
        assert_eq!(svg.matches(">3</text>").count(), 2);
        assert_eq!(
            svg.matches("Design – R&amp;D &lt;Labs&gt;: never a tie")
                .count(),
            2
        );
        assert_eq!(svg.matches(">none</text>").count(), 2);
        assert!(svg.contains("2 teams under the privacy floor not shown."));
        assert!(svg.contains("23 November 2026"));
    }

    #[test]
    fn the_alt_text_reads_the_map_strongest_first_then_the_gaps() {
        assert_eq!(
            team_map_alt_text(&sample()),
            "Alliances between 3 teams as of 23 November 2026. \
             2 teams under the privacy floor not shown. \
             Active alliances: Design and Payments: 3. \
             Never a tie: Design and R&D <Labs>."
        );
    }

    #[test]
    fn a_company_of_two_hundred_teams_gets_a_map_of_forty_that_says_so() {
        let teams: Vec<TeamId> = (0..200)
            .map(|i| TeamId::parse(&format!("Team {i:03}")).unwrap())
            .collect();
        let mut pairs = Vec::new();
        for (i, low) in teams.iter().enumerate() {
            for (j, high) in teams.iter().enumerate().skip(i + 1) {
                pairs.push(pair(
                    low.as_str(),
                    high.as_str(),
                    u32::from((i * j) % 7 == 0),
                    1,
                    1.0,
                ));
            }
        }
        let map = TeamMap {
            teams,
            pairs,
            ..sample()
        }
        .most_connected(TeamMap::MOST_TEAMS_DRAWN);

        let svg = team_map_svg(&map);
        assert_eq!(svg.matches(r#"class="team-label""#).count(), 2 * 40);
        let width: f64 = attribute(&svg, "width").parse().unwrap();
        let height: f64 = attribute(&svg, "height").parse().unwrap();
        // Drawn at 2×, the picture is under 3,000 px a side.
        assert!(width < 1500.0 && height < 1500.0, "{width} × {height}");
        let note = "160 teams with fewer alliances left out; \
                    2 teams under the privacy floor not shown.";
        assert!(svg.contains(note));
        let alt_text = team_map_alt_text(&map);
        assert!(alt_text.starts_with(&format!(
            "Alliances between 40 teams as of 23 November 2026. {note} Active alliances: "
        )));
        assert!(alt_text.chars().count() <= ALT_TEXT_MAX, "{alt_text}");
    }

    /// The value of the first `name="…"` in `svg`.
    fn attribute<'a>(svg: &'a str, name: &str) -> &'a str {
        let start = svg.find(&format!(r#"{name}=""#)).unwrap() + name.len() + 2;
        let end = start + svg[start..].find('"').unwrap();
        &svg[start..end]
    }

    #[test]
    fn the_stronger_pair_is_the_deeper_shade() {
        assert_eq!(shade(0.0), "rgb(224,242,241)");
        assert_eq!(shade(1.0), "rgb(0,105,92)");
    }

    #[test]
    fn a_map_of_one_team_says_why_it_is_empty() {
        let mut map = sample();
        map.teams.truncate(1);
        map.pairs.clear();
        let svg = team_map_svg(&map);
        assert!(svg.contains("Not enough teams to draw yet"));
        assert!(!svg.contains(r#"class="cell""#));
    }
}
