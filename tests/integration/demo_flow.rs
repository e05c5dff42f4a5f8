//! The core loop end to end, as the demo runs it: history in sled → rules →
//! the real Slack client over HTTP → the fake Slack.

use alliances::demo::{Demo, DemoOptions};
use alliances::domain::{InteractionKind, NudgeReason, Person, UserId};
use chrono::Duration;
use std::collections::HashMap;

/// The default cadences: a strong tie is neglected after 30 days, a weak one after 90.
const CADENCES: std::ops::RangeInclusive<u32> = 30..=90;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_nudged_about_neglected_peers_in_other_teams_and_the_opted_out_are_left_alone() {
    let mut demo = Demo::start(DemoOptions {
        seed: 13,
        weeks: 3,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let summary = demo.run(&mut std::io::sink()).await.unwrap();

    let store = demo.app.store();
    let people: HashMap<UserId, Person> = store
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let interactions = store.interactions().await.unwrap();
    // The introductions an early warning suggested are kept beside the
    // nudges, so that no one is introduced twice; they are not messages.
    let sent: Vec<_> = store
        .nudges_sent_since(demo.start - Duration::days(1))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| !s.warning_step)
        .collect();
    let messages = demo.fake.messages();
    // Leaders' early warnings are DMs too, without a nudge's buttons.
    let (dms, warnings): (Vec<_>, Vec<_>) = messages
        .iter()
        .filter(|m| m.dm_user.is_some())
        .partition(|m| m.blocks.to_string().contains("\"action_id\""));

    assert!(
        dms.len() >= 5,
        "a company with fading ties gets nudges; got {}",
        dms.len()
    );
    assert_eq!(
        dms.len(),
        sent.len(),
        "every nudge Slack accepted is recorded, and only those"
    );
    assert_eq!(summary.nudges_sent, dms.len());
    assert_eq!(summary.early_warnings, warnings.len());
    // Some people gave their calendar through the modal; what was read
    // from them is counted, and only from them.
    assert!(summary.calendars >= 3, "{summary:?}");
    let from_calendars = interactions
        .iter()
        .filter(|(_, i)| i.kind == alliances::domain::InteractionKind::Calendar)
        .count();
    assert!(from_calendars > 100, "{from_calendars}");
    assert_eq!(summary.from_calendars, from_calendars);
    for (_, meeting) in &interactions {
        if meeting.kind == alliances::domain::InteractionKind::Calendar {
            let mut an_owner = false;
            for p in &meeting.participants {
                an_owner |= store.calendar(p).await.unwrap().is_some();
            }
            assert!(an_owner, "a calendar meeting is its owner's: {meeting:?}");
        }
    }
    for warning in &warnings {
        let to = UserId::parse(warning.dm_user.as_deref().unwrap()).unwrap();
        assert!(people[&to].roles.leader, "only leaders are warned");
    }

    let (mut reminders, mut intros) = (0, 0);
    for dm in &dms {
        let to = UserId::parse(dm.dm_user.as_deref().unwrap()).unwrap();
        let value = dm.blocks.to_string();
        let record = sent
            .iter()
            .find(|s| s.to == to && value.contains(&format!("{}:{}", s.to, s.about)))
            .unwrap_or_else(|| panic!("the DM to {to} matches a recorded nudge"));
        let about = &record.about;
        assert!(
            dm.text.contains(&format!("<@{about}>")),
            "the DM names the peer: {}",
            dm.text
        );

        let (to_team, about_team) = (&people[&to].team, &people[about].team);
        assert!(to_team.is_some() && about_team.is_some());
        assert_ne!(
            to_team, about_team,
            "{to} and {about} are in different teams"
        );
        assert!(
            dm.text.contains(about_team.as_ref().unwrap().as_str()),
            "the DM says the peer's team: {}",
            dm.text
        );

        let last_met = interactions
            .iter()
            .map(|(_, i)| i)
            .filter(|i| {
                i.at <= record.at && i.participants.contains(&to) && i.participants.contains(about)
            })
            .map(|i| i.at)
            .max();
        match record
            .reason
            .as_ref()
            .expect("every nudge keeps its reason")
        {
            NudgeReason::Neglected(reason) => {
                let last_met = last_met.expect("they met before");
                assert_eq!(reason.last_met, last_met);
                assert!(CADENCES.contains(&reason.cadence_days), "{reason:?}");
                assert!(
                    record.at - last_met > Duration::days(i64::from(reason.cadence_days)),
                    "{to} and {about} last met {last_met}, more than {} days before the nudge at {}",
                    reason.cadence_days,
                    record.at
                );
                reminders += 1;
            }
            NudgeReason::Intro(intro) => {
                assert_eq!(
                    last_met, None,
                    "{to} is introduced to {about}, whom they never met"
                );
                assert!(
                    intro
                        .last_alliance_at
                        .is_none_or(|at| record.at - at > Duration::days(90)),
                    "{to} had no active alliance: {intro:?}"
                );
                assert!(dm.text.starts_with("Someone worth knowing"), "{}", dm.text);
                intros += 1;
            }
            NudgeReason::Partnership(partnership) => match &partnership.fading {
                Some(fading) => {
                    assert_eq!(Some(fading.last_met), last_met);
                    assert!(
                        record.at - fading.last_met
                            > Duration::days(i64::from(partnership.cadence_days)),
                        "{to} and {about} met within the partnership's cadence: {partnership:?}"
                    );
                    reminders += 1;
                }
                None => {
                    assert_eq!(last_met, None, "{to} is introduced to {about}");
                    intros += 1;
                }
            },
        }
    }
    assert!(
        reminders > 0 && intros > 0,
        "{reminders} reminders, {intros} introductions"
    );

    for (i, a) in sent.iter().enumerate() {
        let same_week = sent[i + 1..]
            .iter()
            .filter(|b| b.to == a.to && b.at - a.at < Duration::days(7))
            .count();
        assert_eq!(same_week, 0, "{} got two nudges within a week", a.to);
    }

    let opted_out: Vec<&UserId> = people
        .values()
        .filter(|p| p.opted_out)
        .map(|p| &p.id)
        .collect();
    assert!(
        !opted_out.is_empty(),
        "the demo company has people who opted out"
    );
    for id in opted_out {
        for message in &messages {
            assert_ne!(
                message.dm_user.as_deref(),
                Some(id.as_str()),
                "{id} opted out but received a DM"
            );
            let everything = format!("{} {}", message.text, message.blocks);
            assert!(
                !everything.contains(id.as_str()),
                "{id} opted out but is named: {everything}"
            );
        }
    }

    let channel = demo.fake.channel_named("alliances");
    let digests = messages
        .iter()
        .filter(|m| Some(&m.channel) == channel.as_ref())
        .count();
    assert!(digests > 0, "three weeks bring at least one digest");
    assert_eq!(summary.digests_posted, digests);
    let circles = store.circles().await.unwrap();
    for message in messages.iter().filter(|m| m.dm_user.is_none()) {
        let in_a_circle = circles
            .iter()
            .any(|c| c.channel.as_ref().map(|c| c.as_str()) == Some(message.channel.as_str()));
        assert!(
            Some(&message.channel) == channel.as_ref() || in_a_circle,
            "a message outside a DM goes to the digest's channel or a circle's group DM"
        );
    }
    assert!(summary.new_alliances > 0);
    demo.fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_a_circle_and_its_check_in_a_partnership_nudge_first_a_warning_and_allies() {
    let mut demo = Demo::start(DemoOptions {
        seed: 7,
        weeks: 2,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let lead = demo
        .company
        .people
        .iter()
        .find(|p| {
            p.roles
                .leads
                .as_ref()
                .is_some_and(|t| t.as_str() == "Engineering")
        })
        .expect("Engineering has a lead")
        .clone();

    // Before the weeks run, a dry run explains each of them. The bot knows
    // people by their Slack display name, which the fake Slack fills with
    // their handle.
    let plan = demo.dry_run(demo.start).await.unwrap();
    for explained in [
        format!(
            "partnership reminder to {} (Engineering) about ",
            lead.handle
        ),
        "      why: Engineering ↔ Product is a key partnership".to_owned(),
        "early warning to ".to_owned(),
        "      steps: ".to_owned(),
        "Leadership circles (no round yet, so one is due): ".to_owned(),
        "  circle 1: ".to_owned(),
    ] {
        assert!(plan.contains(&explained), "{explained:?} in {plan}");
    }

    let mut out = Vec::new();
    let summary = demo.run(&mut out).await.unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    // The step marked above the first line that contains `heading`, and
    // what the bot sent under it.
    let step = |heading: &str| {
        let at = lines
            .iter()
            .position(|l| l.contains(heading))
            .unwrap_or_else(|| panic!("{heading:?} in {out}"));
        let body: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("       "))
            .map(|l| l.trim_start())
            .collect();
        (lines[at - 1], body)
    };
    // The step marked above the message whose text starts with the first
    // line that contains `text`, and that message's lines.
    let message = |text: &str| {
        let at = lines
            .iter()
            .position(|l| l.starts_with("       ") && l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} in {out}"));
        assert!(lines[at - 1].contains(" UTC  "), "a heading above {text:?}");
        let body: Vec<&str> = lines[at..]
            .iter()
            .take_while(|l| l.starts_with("       "))
            .map(|l| l.trim_start())
            .collect();
        (lines[at - 2], body)
    };

    // A circle is formed in its group DM, and checked in with a week later.
    let (marked, prompt) = step("UTC  group DM to ");
    assert_eq!(
        marked,
        "★ Leaders first — a leadership circle is formed, in a group DM of its leaders:"
    );
    assert!(
        prompt[0].contains("this is your leadership circle"),
        "{prompt:?}"
    );
    assert!(
        prompt[0].contains("And what is hard right now?"),
        "{prompt:?}"
    );
    let (marked, check_in) = message("— did you get together?");
    assert_eq!(
        marked,
        "★ Leaders first — a week later, the circle's check-in:"
    );
    assert!(
        check_in.contains(&"[We met] [Not yet] [Skip this round]"),
        "{check_in:?}"
    );
    let (marked, pressed) = step("presses [We met] in their circle's group DM");
    assert_eq!(marked, "★ Leaders first — the circle answers its check-in:");
    assert!(
        pressed[0].contains("You met — logged for all of you by @"),
        "{pressed:?}"
    );
    assert!(
        pressed[1].starts_with("(logged: one meeting of all "),
        "{pressed:?}"
    );
    assert!(summary.circles_formed >= 2, "{summary:?}");
    let store = demo.app.store();
    let circle_met = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, i)| i.kind == InteractionKind::WeMet && i.participants.len() >= 3)
        .count();
    assert!(
        circle_met >= 1,
        "a circle's *We met* is logged for all of it"
    );

    // The Engineering lead's first nudge is the partnership's.
    let sent = store
        .nudges_sent_since(demo.start - Duration::days(1))
        .await
        .unwrap();
    let first = sent
        .iter()
        .find(|s| s.to == lead.id && !s.warning_step)
        .expect("the lead is nudged");
    assert!(
        matches!(&first.reason, Some(NudgeReason::Partnership(p)) if p.fading.is_some()),
        "{first:?}"
    );
    let (marked, nudge) = step(&format!("UTC  DM to {} (Engineering)", lead.real_name));
    assert_eq!(
        marked,
        "★ Leaders first — the key partnership's nudge, ranked before any other nudge:"
    );
    assert!(
        nudge[0].starts_with("Engineering and Product work best joined at the hip."),
        "{nudge:?}"
    );

    // A lonely leader is warned, kindly.
    assert!(summary.early_warnings > 0, "{summary:?}");
    let (marked, warning) = message("Your alliances have gone quiet in a few places");
    assert_eq!(
        marked,
        "★ Leaders first — an early warning to a leader whose alliances have gone quiet:"
    );
    assert!(warning[1].starts_with("1. "), "its steps: {warning:?}");

    // The lead asks for allies for an initiative.
    let (marked, allies) = step(&format!(
        "{} (Engineering) types `/alliances allies Sales Marketing`; only they see the answer:",
        lead.real_name
    ));
    assert_eq!(
        marked,
        "★ Leaders first — a lead asks who their allies are for an initiative:"
    );
    assert_eq!(allies[0], "*Your allies for Sales and Marketing*");
    assert!(allies.len() > 1, "{allies:?}");
    demo.fake.stop().await;
}
