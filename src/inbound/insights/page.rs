//! The insights page's HTML: a few figures, the team map, the weekly chart,
//! and two lists. Every name goes through [`escape`]; the charts escape
//! their own.

use crate::charts::{escape, team_map_svg, weekly_svg};
use crate::domain::{Insights, TeamMap, plural};
use std::fmt::Write;

/// How many bridges the list shows, the newest first.
const BRIDGES_SHOWN: usize = 20;
/// How many pairs without a tie the list shows, in name order.
const UNCONNECTED_SHOWN: usize = 50;
/// How many of the recent weeks the "lately" figure adds up.
const LATELY_WEEKS: usize = 4;

/// The whole page.
pub fn render(insights: &Insights, floor: u32) -> String {
    let map = &insights.map;
    let pairs = map.pairs.len();
    let connected = map.pairs.iter().filter(|p| p.active_alliances > 0).count();
    let active: u32 = map.pairs.iter().map(|p| p.active_alliances).sum();
    let lately: u32 = insights
        .weeks
        .iter()
        .rev()
        .take(LATELY_WEEKS)
        .map(|w| w.new_alliances)
        .sum();

    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Alliances · insights</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Alliances between teams</h1>
<p class="lead">As of {as_of} · {people} · {teams} shown</p>
</header>
<section class="figures">
<div class="figure"><strong id="active-alliances">{active}</strong><span>active alliances (met in the last {active_days} days)</span></div>
<div class="figure"><strong id="connected-pairs">{connected} of {pairs}</strong><span>team pairs with an active alliance</span></div>
<div class="figure"><strong id="new-lately">{lately}</strong><span>new alliances in the last {LATELY_WEEKS} weeks</span></div>
<div class="figure"><strong id="bridges-count">{bridges}</strong><span>bridges: teams that met for the first time</span></div>
</section>
<section>
<h2>Team map</h2>
<p class="hint">Each cell: alliances active between two teams; darker is stronger. Hatched: the two teams never had a tie. Hover a cell for its figures.</p>
<div class="chart">{map_svg}</div>
</section>
<section>
<h2>New alliances per week</h2>
<p class="hint">First meetings between people of different teams, company-wide, over the last {weeks}.</p>
<div class="chart">{weekly_svg}</div>
</section>
{partnerships}<section class="lists">
<div>
<h2>Bridges formed</h2>
{bridges_list}
</div>
<div>
<h2>Still without a tie</h2>
{unconnected_list}
</div>
</section>
{lonely_leaders}<footer>
<p>Team-level figures only: no person is named here. Teams with fewer than {floor} active people are not shown{held_back}.</p>
</footer>
</body>
</html>
"#,
        as_of = map.as_of.format("%-d %B %Y, %H:%M UTC"),
        people = plural(insights.people, "person", "people"),
        teams = plural(map.teams.len(), "team", "teams"),
        active_days = map.active_days,
        bridges = insights.bridges.len(),
        map_svg = team_map_svg(&map.most_connected(TeamMap::MOST_TEAMS_DRAWN)),
        weeks = plural(insights.weeks.len(), "week", "weeks"),
        weekly_svg = weekly_svg(&insights.weeks),
        partnerships = super::partnerships::partnerships_section(insights),
        bridges_list = bridges_list(insights),
        unconnected_list = unconnected_list(insights),
        lonely_leaders = match &insights.lonely_leaders {
            Some(leaders) => format!(
                "<section>\n<h2>Leaders</h2>\n<p id=\"lonely-leaders\">{}{}</p>\n</section>\n",
                escape(&leaders.sentence()),
                match leaders.under {
                    Some(_) =>
                        " Each of them gets a private, kind note at most once a month; who they are is never shown.",
                    None => "",
                }
            ),
            None => String::new(),
        },
        held_back = match map.small_teams_held_back {
            0 => String::new(),
            n => format!(" ({} held back)", plural(n, "team", "teams")),
        },
    )
}

fn bridges_list(insights: &Insights) -> String {
    if insights.bridges.is_empty() {
        return r#"<p class="empty">No two teams have met yet: the first meeting across teams will be the first bridge.</p>"#.to_owned();
    }
    let mut list = String::from(r#"<ol id="bridges">"#);
    for bridge in insights.bridges.iter().take(BRIDGES_SHOWN) {
        let _ = write!(
            list,
            "<li><span>{} – {}</span><time datetime=\"{}\">{}</time></li>",
            escape(bridge.teams.0.as_str()),
            escape(bridge.teams.1.as_str()),
            bridge.at.date_naive(),
            bridge.at.format("%-d %b %Y"),
        );
    }
    list.push_str("</ol>");
    let more = insights.bridges.len().saturating_sub(BRIDGES_SHOWN);
    and_more(&mut list, more, "bridge earlier", "bridges earlier");
    list
}

fn unconnected_list(insights: &Insights) -> String {
    if insights.unconnected.is_empty() {
        return r#"<p class="empty">Every pair of teams shown has had a tie.</p>"#.to_owned();
    }
    let mut list = String::from(r#"<ul id="unconnected">"#);
    for (a, b) in insights.unconnected.iter().take(UNCONNECTED_SHOWN) {
        let _ = write!(
            list,
            "<li>{} – {}</li>",
            escape(a.as_str()),
            escape(b.as_str())
        );
    }
    list.push_str("</ul>");
    let more = insights.unconnected.len().saturating_sub(UNCONNECTED_SHOWN);
    and_more(&mut list, more, "pair", "pairs");
    list
}

/// Under a list cut short: how many `more` items it leaves out, as in
/// "and 3 bridges earlier."
fn and_more(list: &mut String, more: usize, one: &str, many: &str) {
    if more > 0 {
        let _ = write!(
            list,
            r#"<p class="hint">and {}.</p>"#,
            plural(more, one, many)
        );
    }
}

/// The page's look: system fonts, a calm palette matching the charts.
const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; padding: 24px 32px 48px; max-width: 1180px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; }
.lead { color: #52606d; margin: 0 0 20px; }
.hint { color: #616e7c; font-size: 13px; margin: 0 0 10px; }
section { background: #fff; border: 1px solid #e4e7eb; border-radius: 10px; padding: 18px 20px; margin-bottom: 18px; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; background: none; border: none; padding: 0; }
.figure { background: #fff; border: 1px solid #e4e7eb; border-radius: 10px; padding: 14px 16px; }
.figure strong { display: block; font-size: 26px; color: #00695c; }
.figure span { color: #52606d; font-size: 13px; }
.chart { overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; }
.lists { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.lists ol, .lists ul { margin: 0; padding-left: 20px; }
.lists li { padding: 3px 0; }
.lists time { color: #7b8794; font-size: 13px; margin-left: 8px; }
.empty { color: #52606d; }
#partnerships { border-collapse: collapse; font-size: 12px; }
#partnerships th, #partnerships td { padding: 3px 5px; text-align: center; white-space: nowrap; }
#partnerships th[scope=row] { text-align: left; }
#partnerships td { color: #00695c; }
#partnerships .held-back { color: #9aa5b1; }
footer { color: #7b8794; font-size: 13px; }
";

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::{BridgeFormed, TeamId, TeamMap, TeamPair, WeekOfAlliances};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    pub(in crate::inbound::insights) fn sample() -> Insights {
        let as_of = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        let teams = ["Design", "Payments", "<b>Ops</b>"].map(team).to_vec();
        let pair = |a: usize, b: usize, active, ever| TeamPair {
            teams: (teams[a].clone(), teams[b].clone()),
            active_alliances: active,
            alliances_ever: ever,
            strength: f64::from(active),
        };
        let pairs = vec![pair(0, 1, 3, 3), pair(0, 2, 0, 0), pair(1, 2, 1, 2)];
        Insights {
            map: TeamMap {
                as_of,
                active_days: 90,
                teams: teams.clone(),
                pairs,
                small_teams_held_back: 1,
                teams_left_out: 0,
            },
            weeks: vec![WeekOfAlliances {
                monday: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                new_alliances: 2,
                bridges: 1,
            }],
            bridges: vec![BridgeFormed {
                teams: (teams[1].clone(), teams[2].clone()),
                at: as_of,
            }],
            unconnected: vec![(teams[0].clone(), teams[2].clone())],
            people: 42,
            partnerships: vec![],
            partnerships_as_of: None,
            lonely_leaders: None,
        }
    }

    #[test]
    fn how_many_leaders_are_short_of_alliances_is_shown_only_when_it_may_be() {
        let mut insights = sample();
        assert!(!render(&insights, 5).contains("lonely-leaders"));
        insights.lonely_leaders = Some(crate::domain::LonelyLeaders {
            under: Some(5),
            leaders: 12,
            min_teams: 3,
        });
        assert!(render(&insights, 5).contains(
            r#"<p id="lonely-leaders">5 of 12 leaders have live alliances in fewer than 3 other teams."#
        ));
        insights.lonely_leaders = Some(crate::domain::LonelyLeaders {
            under: None,
            leaders: 8,
            min_teams: 3,
        });
        let held_back = render(&insights, 5);
        assert!(held_back.contains(
            "how many of the 8 leaders have live alliances in fewer than 3 other teams right now"
        ));
        assert!(!held_back.contains("Each of them"));
    }

    #[test]
    fn the_page_has_the_figures_both_charts_and_both_lists() {
        let html = render(&sample(), 5);
        assert!(html.contains(r#"<strong id="active-alliances">4</strong>"#));
        assert!(html.contains(r#"<strong id="connected-pairs">2 of 3</strong>"#));
        assert!(html.contains(r#"id="team-map""#));
        assert!(html.contains(r#"id="weekly-chart""#));
        assert!(html.contains("42 people · 3 teams shown"));
        assert!(html.contains("fewer than 5 active people are not shown (1 team held back)"));
    }

    #[test]
    fn a_team_name_with_markup_is_shown_as_text_everywhere() {
        let html = render(&sample(), 5);
        assert!(!html.contains("<b>Ops</b>"));
        assert!(html.contains("<li>Design – &lt;b&gt;Ops&lt;/b&gt;</li>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn a_company_of_many_teams_gets_a_readable_map_and_lists_cut_short() {
        let teams: Vec<TeamId> = (0..60).map(|i| team(&format!("Team {i:02}"))).collect();
        let mut insights = sample();
        insights.map.teams.clone_from(&teams);
        insights.map.pairs.clear();
        insights.unconnected.clear();
        for (i, low) in teams.iter().enumerate() {
            for high in &teams[i + 1..] {
                insights.map.pairs.push(TeamPair {
                    teams: (low.clone(), high.clone()),
                    active_alliances: 0,
                    alliances_ever: 0,
                    strength: 0.0,
                });
                insights.unconnected.push((low.clone(), high.clone()));
            }
        }
        let bridge = insights.bridges[0].clone();
        insights.bridges = vec![bridge; 25];

        let html = render(&insights, 5);
        assert!(html.contains("42 people · 60 teams shown"));
        assert_eq!(html.matches(r#"class="team-label""#).count(), 2 * 40);
        assert!(html.contains("20 teams with fewer alliances left out"));
        let unconnected = &html[html.find(r#"<ul id="unconnected">"#).unwrap()..];
        assert_eq!(unconnected.matches("<li>").count(), 50);
        assert!(html.contains(r#"<p class="hint">and 1,720 pairs.</p>"#));
        assert!(html.contains(r#"<p class="hint">and 5 bridges earlier.</p>"#));
    }
}
