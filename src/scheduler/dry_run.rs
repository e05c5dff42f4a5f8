//! `alliances tick --dry-run`: the whole plan — who would be nudged about
//! whom, which leaders would get an early warning with which steps, when
//! (at their next local delivery window) and why, what the digest would
//! say, and the leadership circles a round would form — without sending
//! anything.

use crate::config::Settings;
use crate::domain::{Quoting, TeamId, UserId, WarningStep, plural};
use crate::rules::plan_digest;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;

/// The plan at `now` from what `store` holds, as lines for a person to read.
pub async fn dry_run(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let policy = settings.rules;
    let mut snapshot = super::nudge_snapshot(store, now, &policy)
        .await?
        .with_partnerships(settings.partnerships.clone())
        .with_floor(settings.commands.k_anonymity_floor);
    // Everyone who is due, whenever their window opens.
    let (warnings, plan) = super::plan_messages(
        &mut snapshot,
        now,
        &policy.any_time(),
        settings.leaders.min_teams,
    );
    let names = &snapshot.people;
    // A person's name, or their id when unknown.
    let plain_name = |id: &UserId| {
        names
            .get(id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    };
    // A name, with a team when there is one to show.
    let with_team = |id: &UserId, team: Option<&TeamId>| match team {
        Some(team) => format!("{} ({team})", plain_name(id)),
        None => plain_name(id),
    };
    let name = |id: &UserId| with_team(id, names.get(id).and_then(|p| p.team.as_ref()));
    let next_window = |to: &UserId| {
        let tz = names.get(to).and_then(|p| p.tz.as_deref());
        match policy.window.next_opening(tz, now) {
            Some(at) if at == now => "now".to_owned(),
            Some(at) => at.format("%a %-d %b %H:%M UTC").to_string(),
            None => "never (no working day)".to_owned(),
        }
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Dry run at {} — nothing is sent.",
        now.format("%a %-d %b %Y %H:%M UTC")
    );
    let _ = writeln!(out, "\nNudges ({}):", plan.len());
    for nudge in &plan {
        let when = next_window(&nudge.to);
        let kind = nudge.reason.kind();
        let about = plain_name(&nudge.about);
        let _ = writeln!(
            out,
            "  {when} · {kind} to {} about {}\n      why: {}",
            name(&nudge.to),
            name(&nudge.about),
            nudge
                .reason
                .explain(&about, &nudge.about_team, name, Quoting::AS_IS)
        );
    }

    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "\nEarly warnings to leaders ({}), each in place of that leader's nudge:",
            warnings.len()
        );
    }
    for warning in &warnings {
        let steps: Vec<String> = warning
            .steps
            .iter()
            .map(|step| match step {
                WarningStep::Revive { peer, last_met, .. } => format!(
                    "catch up with {} (last met {})",
                    name(peer),
                    last_met.format("%a %-d %b %Y")
                ),
                WarningStep::Meet { peer, .. } => format!("meet {}", name(peer)),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} · early warning to {}\n      why: {}\n      steps: {}",
            next_window(&warning.to),
            name(&warning.to),
            warning.explain(),
            steps.join("; ")
        );
    }

    let since = store
        .last_run("digest")
        .await?
        .map(|run| run.scheduled_for)
        .unwrap_or(now - Duration::days(7));
    let digest = plan_digest(&snapshot, since, now, &settings.digest_policy());
    let _ = writeln!(
        out,
        "\nDigest since {}: {} new alliances ({} of them between people who may not be named), {} first bridges, {} team pairs still without a tie.",
        since.format("%a %-d %b"),
        digest.new_alliances.len() + digest.unnamed_new_alliances,
        digest.unnamed_new_alliances,
        digest.bridges.len(),
        digest.unconnected_team_pairs.len()
    );
    // People as the digest shows them: a team under the floor left out.
    for alliance in &digest.new_alliances {
        let _ = writeln!(
            out,
            "  {} and {}",
            with_team(&alliance.a.0, alliance.a.1.as_ref()),
            with_team(&alliance.b.0, alliance.b.1.as_ref())
        );
    }
    for bridge in &digest.bridges {
        let _ = writeln!(
            out,
            "  first bridge: {} ↔ {}",
            bridge.teams.0, bridge.teams.1
        );
    }
    for builder in &digest.bridge_builders {
        let _ = writeln!(
            out,
            "  bridge-builder (shout-outs on): {}, {}",
            with_team(&builder.person, builder.team.as_ref()),
            plural(builder.new_alliances, "new alliance", "new alliances")
        );
    }
    for figures in &digest.team_figures {
        let _ = writeln!(
            out,
            "  team {}: {} with {}",
            figures.team,
            plural(figures.new_alliances, "new alliance", "new alliances"),
            plural(figures.with_teams, "team", "teams")
        );
    }
    for standing in &digest.partnerships {
        let _ = writeln!(
            out,
            "  partnership {} ↔ {}: {} of {} bound ({}) with a live alliance",
            standing.teams.0,
            standing.teams.1,
            standing.live,
            standing.bound,
            standing.binds.whom(standing.teams.0.as_str(), None)
        );
    }
    if !digest.is_quiet() {
        let _ = writeln!(
            out,
            "  team figures and pairs without a tie only for teams of at least {} active people; held back: {}",
            settings.commands.k_anonymity_floor,
            plural(
                digest.small_teams_held_back,
                "smaller team with new alliances",
                "smaller teams with new alliances"
            )
        );
    }
    out.push_str(&super::circles::explain_round(
        &snapshot,
        &store.circles().await?,
        now,
        &policy,
        &settings.circles,
        name,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionKind, Person};
    use crate::store::StoreOptions;
    use chrono::TimeZone;

    #[tokio::test]
    async fn a_dry_run_names_who_would_be_nudged_about_whom_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let person = |id: &str, name: &str, team: &str| Person {
            team: Some(TeamId::parse(team).unwrap()),
            ..Person::new(UserId::parse(id).unwrap(), name)
        };
        store
            .put_people(&[
                person("U1", "Dana Ito", "Platform"),
                person("U2", "Alice Moreau", "Payments"),
            ])
            .await
            .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let met = Interaction::new(
            now - Duration::days(94),
            InteractionKind::Meeting,
            [UserId::parse("U1").unwrap(), UserId::parse("U2").unwrap()],
            None,
            Some("coffee about the roadmap".into()),
        )
        .unwrap();
        store.log_interaction(&met).await.unwrap();

        let report = dry_run(&store, &Settings::default(), now).await.unwrap();
        insta::assert_snapshot!(report);
        assert!(
            store
                .nudges_sent_since(now - Duration::days(365))
                .await
                .unwrap()
                .is_empty(),
            "nothing recorded"
        );
    }

    #[tokio::test]
    async fn a_dry_run_explains_a_leader_s_early_warning_with_its_steps() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let mut dana = Person {
            team: Some(TeamId::parse("Platform").unwrap()),
            ..Person::new(UserId::parse("U1").unwrap(), "Dana Ito")
        };
        dana.roles.leader = true;
        let alice = Person {
            team: Some(TeamId::parse("Payments").unwrap()),
            ..Person::new(UserId::parse("U2").unwrap(), "Alice Moreau")
        };
        let bo = Person {
            team: Some(TeamId::parse("Design").unwrap()),
            ..Person::new(UserId::parse("U3").unwrap(), "Bo Lind")
        };
        store.put_people(&[dana, alice, bo]).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        for peer in ["U2", "U3"] {
            let met = Interaction::new(
                now - Duration::days(120),
                InteractionKind::Meeting,
                [UserId::parse("U1").unwrap(), UserId::parse(peer).unwrap()],
                None,
                None,
            )
            .unwrap();
            store.log_interaction(&met).await.unwrap();
        }

        let report = dry_run(&store, &Settings::default(), now).await.unwrap();
        assert!(
            report.contains(
                "Early warnings to leaders (1), each in place of that leader's nudge:\n  \
                 Mon 1 Jun 10:00 UTC · early warning to Dana Ito (Platform)\n      \
                 why: their live alliances reach 0 other teams, fewer than the 2 a leader is expected to keep up (2 steps suggested)\n      \
                 steps: catch up with Alice Moreau (Payments) (last met Sun 1 Feb 2026); \
                 catch up with Bo Lind (Design) (last met Sun 1 Feb 2026)"
            ),
            "{report}"
        );
        assert!(
            report.contains("Nudges (2):"),
            "Alice's and Bo's own nudges stay: {report}"
        );
    }

    #[tokio::test]
    async fn a_dry_run_says_whom_the_digest_would_thank_and_which_teams_it_would_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let mut people = Vec::new();
        for (team, prefix, size) in [
            ("Platform", "UPLA", 5),
            ("Payments", "UPAY", 5),
            ("Legal", "ULEG", 1),
        ] {
            for i in 1..=size {
                let id = UserId::parse(&format!("{prefix}{i}")).unwrap();
                people.push(Person {
                    team: Some(TeamId::parse(team).unwrap()),
                    shoutouts: id.as_str() == "UPLA1",
                    ..Person::new(id, format!("{team} {i}"))
                });
            }
        }
        store.put_people(&people).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        for peer in ["UPAY1", "ULEG1"] {
            let met = Interaction::new(
                now - Duration::days(2),
                InteractionKind::Meeting,
                [
                    UserId::parse("UPLA1").unwrap(),
                    UserId::parse(peer).unwrap(),
                ],
                None,
                None,
            )
            .unwrap();
            store.log_interaction(&met).await.unwrap();
        }

        let report = dry_run(&store, &Settings::default(), now).await.unwrap();
        let digest = &report[report.find("Digest since").unwrap()..];
        insta::assert_snapshot!(digest);
    }
}
