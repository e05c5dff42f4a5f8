//! New alliances per week: one bar a week, the bridges among them (first
//! ties between two teams) in a second colour at the bar's foot.

use super::{Svg, count_f64};
use crate::domain::{WeekOfAlliances, plural};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 300.0;
/// Room around the plot: left for the axis' figures, below for the dates,
/// above for the legend.
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 44.0;
const ALLIANCES: &str = "#2b8a7e";
const BRIDGES: &str = "#e0a030";

/// The weekly chart as an SVG document (`id="weekly-chart"`).
pub fn weekly_svg(weeks: &[WeekOfAlliances]) -> String {
    let mut svg = Svg::new("weekly-chart", WIDTH, HEIGHT, "New alliances per week");
    let style = r##"font-size="12" fill="#52606d""##;
    svg.raw(&format!(
        r#"<rect x="{LEFT}" y="12" width="14" height="14" fill="{ALLIANCES}"/>"#
    ));
    svg.text(LEFT + 20.0, 24.0, style, "new alliances");
    svg.raw(&format!(
        r#"<rect x="{}" y="12" width="14" height="14" fill="{BRIDGES}"/>"#,
        LEFT + 130.0
    ));
    svg.text(
        LEFT + 150.0,
        24.0,
        style,
        "of which bridges: the first tie between two teams",
    );

    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_height;
    let top = nice_ceiling(weeks.iter().map(|w| w.new_alliances).max().unwrap_or(0));
    let y_of = |value: u32| base - plot_height * f64::from(value) / f64::from(top);

    // The axis: a few round figures, with faint lines across.
    let step = (top / 4).max(1);
    for value in (0..=top).step_by(step as usize) {
        let y = y_of(value);
        svg.raw(&format!(
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e4e7eb"/>"##,
            WIDTH - RIGHT
        ));
        svg.text(
            LEFT - 8.0,
            y + 4.0,
            r##"class="axis" font-size="11" text-anchor="end" fill="#7b8794""##,
            &value.to_string(),
        );
    }

    let slot = plot_width / count_f64(weeks.len().max(1));
    let bar = (slot * 0.72).max(1.0);
    // Date labels every few weeks, so that they never overlap (each needs
    // about 48 px).
    let every = ((48.0 / slot).ceil() as usize).max(1);
    for (i, week) in weeks.iter().enumerate() {
        let x = LEFT + count_f64(i) * slot + (slot - bar) / 2.0;
        let tip = format!(
            "Week of {}: {}, {}",
            week.monday.format("%-d %b %Y"),
            plural(week.new_alliances as usize, "new alliance", "new alliances"),
            plural(week.bridges as usize, "bridge", "bridges")
        );
        svg.raw(&format!(
            r#"<g class="week" data-week="{}" data-new-alliances="{}"><title>{}</title>"#,
            week.monday,
            week.new_alliances,
            super::escape(&tip)
        ));
        if week.new_alliances > 0 {
            let y = y_of(week.new_alliances);
            svg.raw(&format!(
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{:.1}" fill="{ALLIANCES}"/>"#,
                base - y
            ));
        }
        if week.bridges > 0 {
            let y = y_of(week.bridges);
            svg.raw(&format!(
                r#"<rect class="bridges" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{:.1}" fill="{BRIDGES}"/>"#,
                base - y
            ));
        }
        svg.raw("</g>");
        if i % every == 0 {
            svg.text(
                x + bar / 2.0,
                base + 18.0,
                r##"class="axis" font-size="11" text-anchor="middle" fill="#7b8794""##,
                &week.monday.format("%-d %b").to_string(),
            );
        }
    }
    svg.raw(&format!(
        r##"<line x1="{LEFT}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="#9aa5b1"/>"##,
        WIDTH - RIGHT
    ));
    svg.finish()
}

/// The axis' top: the largest value rounded up to a figure that divides
/// into four round steps (4, 8, 12, 16, 20, 40, 80, 120, …), at least 4.
fn nice_ceiling(max: u32) -> u32 {
    let mut unit = 1;
    loop {
        for step in 1..=5 {
            let top = 4 * step * unit;
            if top >= max {
                return top;
            }
        }
        unit *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn weeks(counts: &[(u32, u32)]) -> Vec<WeekOfAlliances> {
        let first = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap();
        counts
            .iter()
            .enumerate()
            .map(|(i, (new_alliances, bridges))| WeekOfAlliances {
                monday: first + chrono::Duration::weeks(i as i64),
                new_alliances: *new_alliances,
                bridges: *bridges,
            })
            .collect()
    }

    #[test]
    fn each_week_with_new_alliances_gets_a_bar_and_bridges_their_own_colour() {
        let svg = weekly_svg(&weeks(&[(3, 1), (0, 0), (7, 0), (2, 2)]));
        assert_eq!(svg.matches(r#"class="week""#).count(), 4);
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3);
        assert_eq!(svg.matches(r#"class="bridges""#).count(), 2);
        assert!(svg.contains("Week of 21 Sep 2026: 7 new alliances, 0 bridges"));
        assert!(svg.contains(">7 Sep</text>"));
    }

    #[test]
    fn the_axis_tops_out_at_a_round_figure() {
        assert_eq!(nice_ceiling(0), 4);
        assert_eq!(nice_ceiling(7), 8);
        assert_eq!(nice_ceiling(9), 12);
        assert_eq!(nice_ceiling(10), 12);
        assert_eq!(nice_ceiling(21), 40);
        assert_eq!(nice_ceiling(41), 80);
        assert_eq!(nice_ceiling(120), 120);
        assert_eq!(nice_ceiling(121), 160);
    }

    #[test]
    fn an_empty_history_draws_an_empty_axis() {
        let svg = weekly_svg(&[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains(r#"class="bar""#));
    }
}
