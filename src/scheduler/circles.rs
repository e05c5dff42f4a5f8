//! The leadership circles job: forms a new round when the last one is
//! `circles.every_weeks` old (or there is none), and asks each circle, a
//! week after it formed, whether they got together — once.
//!
//! A round and its prompts are queued in one write, and so are the
//! check-ins and the mark that they were asked (see `store::circles`): the
//! dispatcher opens each circle's group DM and posts. `tick --dry-run`
//! explains the round it would form ([`explain_round`]).

use crate::config::CircleSettings;
use crate::domain::{Circle, CircleKey, Policy, UserId, plural};
use crate::rules::{CircleRound, Snapshot, circle_eligible, circle_sizes, form_circles};
use crate::store::{CirclesSaved, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write as _;

/// Queues this run's check-ins and, when one is due, a new round with its
/// prompts (on disk before the job is recorded as run); a line saying what
/// it did.
pub async fn run(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
    settings: &CircleSettings,
) -> Result<String, StoreError> {
    let past = store.circles().await?;
    let check_ins: Vec<CircleKey> = past
        .iter()
        .filter(|c| c.check_in_due(now))
        .map(|c| c.key)
        .collect();
    let (new_round, waiting, not_due) = match next_round_on(&past, settings) {
        Some(on) if now.date_naive() < on => (Vec::new(), 0, Some(on)),
        _ => {
            let snapshot = circles_snapshot(store, now).await?;
            let round = form(&snapshot, &past, now, policy, settings);
            let members = round.circles.into_iter().map(|c| c.members).collect();
            (members, round.waiting.len(), None)
        }
    };
    let saved = if check_ins.is_empty() && new_round.is_empty() {
        CirclesSaved::default()
    } else {
        let saved = store
            .save_circles_and_enqueue(&check_ins, &new_round, now)
            .await?;
        store.flush().await?;
        saved
    };
    let mut summary = match not_due {
        Some(on) => format!("next round on {}", on.format("%a %-d %b")),
        None => round_summary(&saved.formed, waiting),
    };
    if saved.asked > 0 {
        let _ = write!(
            summary,
            "; {}",
            plural(saved.asked, "check-in", "check-ins")
        );
    }
    Ok(summary)
}

/// What a round of circles formed at `now` reads: everyone, and the ties
/// among those it may seat. The rule weighs no other tie, so the leaders'
/// ties are read by key, not every tie.
pub async fn circles_snapshot(store: &Store, now: DateTime<Utc>) -> Result<Snapshot, StoreError> {
    let people = store.people_by_id().await?;
    let mut leaders: Vec<UserId> = people
        .values()
        .filter(|p| circle_eligible(p, now))
        .map(|p| p.id.clone())
        .collect();
    leaders.sort_unstable();
    let among = store.ties_among(&leaders).await?;
    Ok(Snapshot::of_shared(people, among, Vec::new()))
}

/// The round the settings form at `now` from `snapshot`, knowing `past`.
fn form(
    snapshot: &Snapshot,
    past: &[Circle],
    now: DateTime<Utc>,
    policy: &Policy,
    settings: &CircleSettings,
) -> CircleRound {
    form_circles(
        snapshot,
        past,
        now,
        policy,
        settings.size.get(),
        settings.repeat_after(),
    )
}

/// The day from which a new round is due: `every_weeks` after the last
/// one formed, by calendar day (UTC), so that a weekly job a few seconds
/// early still forms it; `None` before the first round.
fn next_round_on(past: &[Circle], settings: &CircleSettings) -> Option<NaiveDate> {
    let last = past.iter().map(|c| c.formed_at).max()?;
    let weeks = chrono::Duration::weeks(i64::from(settings.every_weeks.get()));
    Some(last.date_naive() + weeks)
}

/// What forming a round did: the circles `formed`, and how many leaders
/// are `waiting` for the next.
fn round_summary(formed: &[Circle], waiting: usize) -> String {
    let Some(first) = formed.first() else {
        return match waiting {
            n @ 0..3 => format!("no round: fewer than 3 leaders may be asked ({n})"),
            n => format!(
                "no round: no circle of 3 of the {n} leaders who may be asked keeps to \
                 different teams without repeating a recent circle"
            ),
        };
    };
    let seated: usize = formed.iter().map(|c| c.members.len()).sum();
    let mut line = format!(
        "formed round {}: {} of {}",
        first.key.round,
        plural(formed.len(), "circle", "circles"),
        plural(seated, "leader", "leaders")
    );
    if waiting > 0 {
        let _ = write!(line, ", {waiting} waiting");
    }
    line
}

/// For `tick --dry-run`: the round the job would form at `now` (whether or
/// not one is due), who with whom and why, and the check-ins it would ask;
/// nothing in a workspace without leaders or circles.
pub fn explain_round(
    snapshot: &Snapshot,
    past: &[Circle],
    now: DateTime<Utc>,
    policy: &Policy,
    settings: &CircleSettings,
    name: impl Fn(&UserId) -> String,
) -> String {
    let mut out = String::new();
    let round = form(snapshot, past, now, policy, settings);
    let asked = past.iter().filter(|c| c.check_in_due(now)).count();
    // A workspace without leaders has no circles to speak of.
    if round.circles.is_empty() && round.waiting.is_empty() && asked == 0 {
        return out;
    }
    let when = match next_round_on(past, settings) {
        Some(on) if now.date_naive() < on => format!(
            "next round due on {}; if it were formed now",
            on.format("%a %-d %b")
        ),
        Some(_) => "a round is due".to_owned(),
        None => "no round yet, so one is due".to_owned(),
    };
    let _ = writeln!(
        out,
        "\nLeadership circles ({when}): {}.",
        plural(round.circles.len(), "circle", "circles")
    );
    for (index, circle) in round.circles.iter().enumerate() {
        let members: Vec<String> = circle.members.iter().map(&name).collect();
        let ties = if circle.tie_strength == 0.0 {
            "none of them has met another".to_owned()
        } else {
            format!(
                "their ties sum to {:.1}, the weakest the rules allow",
                circle.tie_strength
            )
        };
        let _ = writeln!(
            out,
            "  circle {}: {}\n      why: {} teams, one leader each; {ties}; no two of them shared a circle in the last {} days.",
            index + 1,
            members.join(", "),
            circle.members.len(),
            settings.repeat_after_days
        );
    }
    if !round.waiting.is_empty() {
        let seated: usize = round.circles.iter().map(|c| c.members.len()).sum();
        let eligible = seated + round.waiting.len();
        let why = why_waiting(eligible, settings.size.get(), round.waiting.len());
        let waiting: Vec<String> = round.waiting.iter().map(&name).collect();
        let _ = writeln!(
            out,
            "  waiting for the next round: {}\n      why: {why}",
            waiting.join(", ")
        );
    }
    if asked > 0 {
        let _ = writeln!(
            out,
            "  check-ins to ask (\"Did you get together?\"): {asked}"
        );
    }
    out
}

/// Why `waiting` of the `eligible` leaders wait when circles of `size` are
/// formed, in a sentence: too few for any circle, more than the circles'
/// sizes seat (five with circles of three), or no room in a circle
/// without a teammate or a recent circle-mate (see `rules::circles`).
fn why_waiting(eligible: usize, size: usize, waiting: usize) -> String {
    if eligible < 3 {
        return format!(
            "only {} may be asked, and a circle needs three.",
            plural(eligible, "leader", "leaders")
        );
    }
    let no_room =
        "no circle has room without a teammate or someone they shared a circle with lately";
    let seats: usize = circle_sizes(eligible, size).iter().sum();
    let over = eligible.saturating_sub(seats);
    if over == 0 {
        return format!("{no_room}.");
    }
    let left_over = format!(
        "circles of {size} seat at most {seats} of the {eligible} leaders who may be asked: \
         a circle holds at most {}, and {} left over cannot make a circle of three",
        size + 1,
        plural(over, "leader", "leaders")
    );
    if waiting > over {
        format!("{left_over}; for the others, {no_room}.")
    } else {
        format!("{left_over}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::domain::{CircleStage, Outgoing, Person, TeamId};
    use crate::store::StoreOptions;
    use chrono::{Duration, TimeZone};

    fn leader(id: &str, name: &str, team: &str) -> Person {
        let mut p = Person::new(UserId::parse(id).unwrap(), name);
        p.team = Some(TeamId::parse(team).unwrap());
        p.roles.leader = true;
        p
    }

    #[tokio::test]
    async fn a_dry_run_explains_the_round_it_would_form_and_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let mut snoozed = leader("U5", "Eve Martin", "Legal");
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
        snoozed.snoozed_until = Some(now + Duration::days(3));
        store
            .put_people(&[
                leader("U1", "Ada Lovelace", "Payments"),
                leader("U2", "Bilal Haddad", "Platform"),
                leader("U3", "Chen Park", "Design"),
                leader("U4", "Dara Okafor", "Payments"),
                snoozed,
            ])
            .await
            .unwrap();
        let report = crate::scheduler::dry_run(&store, &Settings::default(), now)
            .await
            .unwrap();
        let circles = &report[report.find("Leadership circles").unwrap()..];
        insta::assert_snapshot!(circles);
        assert!(store.circles().await.unwrap().is_empty(), "nothing formed");
        assert!(
            store.pending_outbox().await.unwrap().is_empty(),
            "nothing queued"
        );
    }

    #[test]
    fn a_dry_run_says_whether_leaders_wait_for_too_few_one_left_over_or_no_room() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
        let explain = |size: u32, teams: &[&str]| {
            let people = teams.iter().enumerate().map(|(i, team)| {
                let id = format!("U{}", i + 1);
                leader(&id, &id, team)
            });
            let settings = CircleSettings {
                size: crate::config::CircleSize::try_from(size).unwrap(),
                ..CircleSettings::default()
            };
            let snapshot = Snapshot::new(people, Vec::new(), Vec::new());
            let report = explain_round(&snapshot, &[], now, &Policy::default(), &settings, |id| {
                id.to_string()
            });
            format!("circles of {size}, teams {teams:?}:{report}")
        };
        let reports = [
            explain(4, &["A", "B"]),
            explain(3, &["A", "B", "C", "D", "E"]),
            explain(3, &["A", "A", "A", "B", "C"]),
        ];
        insta::assert_snapshot!(reports.join("\n"));
    }

    #[tokio::test]
    async fn a_round_forms_once_every_few_weeks_and_each_circle_is_asked_once_a_week_later() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        store
            .put_people(&[
                leader("U1", "Ada Lovelace", "Payments"),
                leader("U2", "Bilal Haddad", "Platform"),
                leader("U3", "Chen Park", "Design"),
            ])
            .await
            .unwrap();
        let settings = CircleSettings::default();
        let policy = Policy::default();
        let monday = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 3).unwrap();
        let run = async |at| run(&store, at, &policy, &settings).await.unwrap();
        assert_eq!(run(monday).await, "formed round 1: 1 circle of 3 leaders");
        let next = monday + Duration::weeks(1) - Duration::seconds(5);
        assert_eq!(run(next).await, "next round on Mon 29 Jun; 1 check-in");
        assert_eq!(
            run(next + Duration::weeks(1)).await,
            "next round on Mon 29 Jun"
        );
        let stages: Vec<CircleStage> = store
            .pending_outbox()
            .await
            .unwrap()
            .into_iter()
            .filter_map(|item| match item.outgoing {
                Outgoing::Circle(message) => Some(message.stage),
                _ => None,
            })
            .collect();
        assert_eq!(stages, [CircleStage::Prompt, CircleStage::CheckIn]);
        assert!(
            run(monday + Duration::weeks(4))
                .await
                .starts_with("no round: no circle of 3"),
            "the same three shared a circle lately"
        );
        store
            .put_person(&leader("U4", "Dara Okafor", "Legal"))
            .await
            .unwrap();
        assert_eq!(
            run(monday + Duration::weeks(5)).await,
            "no round: no circle of 3 of the 4 leaders who may be asked keeps to different \
             teams without repeating a recent circle"
        );
    }
}
