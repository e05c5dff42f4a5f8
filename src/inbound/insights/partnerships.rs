//! The insights page's section on the key partnerships: for each, of the
//! people it binds, how many had a live partnership tie at the end of each
//! week shown. A figure the floor holds back is shown as a dash, never as
//! a number. Every name goes through [`escape`].

use crate::charts::escape;
use crate::domain::{Insights, PartnershipHealth, plural};
use crate::scheduler::PARTNERSHIP_WEEKS_KEPT_FOR as KEPT_FOR;
use chrono::SecondsFormat;
use std::fmt::Write;

/// The section, or nothing when the settings name no partnership.
pub(super) fn partnerships_section(insights: &Insights) -> String {
    let Some(first) = insights.partnerships.first() else {
        return String::new();
    };
    // The weeks are kept a while (they read the interaction log): say
    // from when, so that a meeting just logged is not looked for in vain.
    let as_of = insights
        .partnerships_as_of
        .map(|at| {
            format!(
                r#" Worked out at <time datetime="{}">{} UTC</time>: a meeting logged since counts from the first visit {} minutes after, or the next day."#,
                at.to_rfc3339_opts(SecondsFormat::Secs, true),
                at.format("%H:%M"),
                KEPT_FOR.num_minutes()
            )
        })
        .unwrap_or_default();
    let mut html = format!(
        r#"<section>
<h2>Key partnerships</h2>
<p class="hint">Of the people each partnership binds, how many had a live alliance across it (met within its cadence) at the end of each week. A dash: too few people to show.{as_of}</p>
<div class="chart"><table id="partnerships"><thead><tr><th>Partnership</th>"#,
    );
    for week in &first.weeks {
        let _ = write!(
            html,
            r#"<th scope="col"><time datetime="{}">{}</time></th>"#,
            week.monday,
            week.monday.format("%-d %b")
        );
    }
    html.push_str("</tr></thead><tbody>");
    for partnership in &insights.partnerships {
        html.push_str(&row(partnership));
    }
    html.push_str("</tbody></table></div>\n</section>\n");
    html
}

/// One partnership's row: its name and whom it binds, then a cell a week.
fn row(partnership: &PartnershipHealth) -> String {
    let (a, b) = (
        escape(partnership.teams.0.as_str()),
        escape(partnership.teams.1.as_str()),
    );
    let who = partnership.binds.whom(&a, None);
    let mut row = format!(
        r#"<tr class="partnership"><th scope="row">{a} ↔ {b}<span class="hint"> · {who}, every {}</span></th>"#,
        plural(partnership.cadence_days as usize, "day", "days")
    );
    for week in &partnership.weeks {
        match week.live_of_bound {
            Some((live, bound)) => {
                let _ = write!(
                    row,
                    r#"<td title="Week of {}: {live} of {bound} with a live alliance">{live}/{bound}</td>"#,
                    week.monday.format("%-d %b %Y")
                );
            }
            None => row.push_str(r#"<td class="held-back" title="Too few people to show">–</td>"#),
        }
    }
    row.push_str("</tr>");
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Binds, PartnershipWeek, TeamId};
    use chrono::NaiveDate;

    fn health(binds: Binds, weeks: &[Option<(usize, usize)>]) -> PartnershipHealth {
        PartnershipHealth {
            teams: (
                TeamId::parse("Engineering").unwrap(),
                TeamId::parse("<i>Product</i>").unwrap(),
            ),
            binds,
            cadence_days: 14,
            weeks: weeks
                .iter()
                .enumerate()
                .map(|(i, figure)| PartnershipWeek {
                    monday: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
                        + chrono::Duration::weeks(i as i64),
                    live_of_bound: *figure,
                })
                .collect(),
        }
    }

    #[test]
    fn each_week_shows_how_many_had_a_live_alliance_or_a_dash_under_the_floor() {
        let insights = Insights {
            partnerships: vec![
                health(Binds::Leads, &[Some((5, 9)), Some((7, 9))]),
                health(Binds::Everyone, &[None, None]),
            ],
            partnerships_as_of: Some(
                NaiveDate::from_ymd_opt(2026, 11, 10)
                    .unwrap()
                    .and_hms_opt(9, 5, 0)
                    .unwrap()
                    .and_utc(),
            ),
            ..crate::inbound::insights::page::tests::sample()
        };
        let html = partnerships_section(&insights);
        assert!(
            html.contains(r#"Worked out at <time datetime="2026-11-10T09:05:00Z">09:05 UTC</time>: a meeting logged since counts from the first visit 15 minutes after"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<time datetime="2026-11-09">9 Nov</time>"#),
            "{html}"
        );
        assert!(
            html.contains(">5/9</td>") && html.contains(">7/9</td>"),
            "{html}"
        );
        assert!(html.contains("Week of 9 Nov 2026: 7 of 9 with a live alliance"));
        assert_eq!(html.matches(r#"class="held-back""#).count(), 2);
        assert!(
            html.contains("Engineering ↔ &lt;i&gt;Product&lt;/i&gt;"),
            "{html}"
        );
        assert!(!html.contains("<i>"));
    }

    #[test]
    fn without_partnerships_there_is_no_section() {
        assert_eq!(
            partnerships_section(&crate::inbound::insights::page::tests::sample()),
            ""
        );
    }
}
