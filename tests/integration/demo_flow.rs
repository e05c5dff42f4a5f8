//! The core loop end to end, as the demo runs it: history in sled → rules →
//! the real Slack client over HTTP → the fake Slack.

use alliances::demo::{Demo, DemoOptions};
use alliances::domain::{NudgeReason, Person, UserId};
use chrono::Duration;
use std::collections::HashMap;

/// The default cadences: a strong tie is neglected after 30 days, a weak one after 90.
const CADENCES: std::ops::RangeInclusive<u32> = 30..=90;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_nudged_about_neglected_peers_in_other_teams_and_the_opted_out_are_left_alone() {
    let mut demo = Demo::start(DemoOptions {
        seed: 13,
        weeks: 3,
        pictures: None,
    })
    .await
    .unwrap();
    let summary = demo.run(&mut std::io::sink()).await.unwrap();

    let store = demo.app.store();
    let people: HashMap<UserId, Person> = store
        .people()
        .unwrap()
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let interactions = store.interactions().unwrap();
    let sent = store
        .nudges_sent_since(demo.start - Duration::days(1))
        .unwrap();
    let messages = demo.fake.messages();
    let dms: Vec<_> = messages.iter().filter(|m| m.dm_user.is_some()).collect();

    assert!(
        dms.len() >= 5,
        "a company with fading ties gets nudges; got {}",
        dms.len()
    );
    assert_eq!(
        dms.len(),
        sent.len(),
        "every DM Slack accepted is recorded, and only those"
    );
    assert_eq!(summary.nudges_sent, dms.len());

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

    let digests: Vec<_> = messages.iter().filter(|m| m.dm_user.is_none()).collect();
    assert!(!digests.is_empty(), "three weeks bring at least one digest");
    assert!(
        digests
            .iter()
            .all(|d| demo.fake.channel_named("alliances") == Some(d.channel.clone()))
    );
    assert!(summary.new_alliances > 0);
    demo.fake.stop().await;
}
