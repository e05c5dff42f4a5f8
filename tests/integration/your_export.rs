//! `/alliances export` as a person asks for it: their own data, and nothing
//! of anyone else's contacts, counts or activity.

use crate::helpers::{
    eventually, fake_user, on_both_stores, spawn_bot_configured, spawn_bot_on, user, workspace,
};
use alliances::domain::{ChannelId, Interaction, InteractionKind};
use alliances::scheduler::JobKind;
use chrono::{Duration, Utc};
use fake_slack::FakeSlack;

/// Alice and Chen in Payments; Bilal, Dana in Platform; Frank in Payments.
const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\", \"U0000003\", \"U0000006\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\", \"U0000004\"]\n";

on_both_stores! {
async fn an_export_after_an_introduction_holds_neither_its_contact_nor_the_recipients_dates(
    backend: Backend,
) {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
        fake_user("U0000004", "Dana Ito"),
        fake_user("U0000006", "Frank Osei"),
    ]))
    .await
    .unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |settings| {
        settings.rules = settings.rules.any_time();
        backend.configure(settings);
    })
    .await;
    let store = bot.app.store();
    let now = Utc::now();
    // Alice's last alliance, with Dana, was 200 days ago: she has none
    // active, so she is introduced to someone, Bilal. Chen, her teammate, works
    // with Dana in Platform: the warm contact the introduction names.
    // Bilal met Frank lately, so he gets no introduction of his own.
    let alices_last_alliance = now - Duration::days(200);
    for (a, b, at) in [
        ("U0000001", "U0000004", alices_last_alliance),
        ("U0000001", "U0000003", now - Duration::days(5)),
        ("U0000003", "U0000004", now - Duration::days(4)),
        ("U0000002", "U0000006", now - Duration::days(3)),
    ] {
        let met = Interaction::new(
            at,
            InteractionKind::Meeting,
            [user(a), user(b)],
            Some(user(a)),
            None,
        )
        .unwrap();
        store.log_interaction(&met).await.unwrap();
    }
    // Alice and Dana asked never to be reminded of each other.
    for (who, peer) in [("U0000001", "U0000004"), ("U0000004", "U0000001")] {
        let mut person = store.person(&user(who)).await.unwrap().unwrap();
        person.paused.insert(user(peer));
        store.put_person(&person).await.unwrap();
    }
    let report = bot.app.scheduler().run(JobKind::Nudges, now).await.unwrap();
    assert_eq!(report.summary, "queued 1 (1 introduction)");
    eventually("the introduction is sent and recorded", async || {
        store
            .nudges_sent_since(now - Duration::days(1))
            .await
            .is_ok_and(|sent| !sent.is_empty())
    })
    .await;
    // The introduction is Alice's one DM; whatever else the bot posted on
    // starting (a scheduled digest, say) is not this story's.
    let to_alice: Vec<_> = fake
        .messages()
        .into_iter()
        .filter(|m| m.dm_user.as_deref() == Some("U0000001"))
        .collect();
    assert_eq!(to_alice.len(), 1, "{to_alice:?}");
    let intro = &to_alice[0];
    assert!(
        intro
            .blocks
            .to_string()
            .contains("<@U0000003> works with people in Platform"),
        "{}",
        intro.blocks
    );

    let export = fake.slash_command(
        "/alliances",
        "export",
        user("U0000002"),
        ChannelId::parse("C0ALLIANCE").unwrap(),
    );
    let answer = fake.deliver_over_socket(&export).await.unwrap();
    let text = answer.body["text"].as_str().unwrap_or_default();

    // Not Alice's contact, nor that Alice was the one introduced, nor when
    // she last met anyone, nor her team's figures.
    for theirs in [
        "U0000003".to_owned(),
        "Chen Park".to_owned(),
        "U0000001".to_owned(),
        alices_last_alliance.format("%Y-%m-%d").to_string(),
        "Payments".to_owned(),
    ] {
        assert!(
            !text.contains(&theirs),
            "the export holds {theirs}:\n{text}"
        );
    }
    // Bilal's own: his meeting with Frank, and that someone was introduced
    // to him.
    assert!(
        text.starts_with("Here is everything I hold about you"),
        "{text}"
    );
    assert!(text.contains("U0000006"), "{text}");
    assert!(text.contains("\"introduction\""), "{text}");
    bot.stop().await;
}
}

on_both_stores! {
async fn an_export_counts_the_people_who_opted_out_but_never_names_them(backend: Backend) {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000004", "Dana Ito"),
    ]))
    .await
    .unwrap();
    let bot = spawn_bot_on(&fake, TEAMS, &backend).await;
    let store = bot.app.store();
    let now = Utc::now();
    // Dana logged a coffee with Alice, in her words; Alice logged a
    // meeting of the three, in hers.
    for (at, participants, by, note) in [
        (now - Duration::days(9), vec!["U0000001", "U0000004"], "U0000004", "dana's roadmap"),
        (now - Duration::days(2), vec!["U0000001", "U0000002", "U0000004"], "U0000001", "offsite plans"),
    ] {
        let met = Interaction::new(
            at,
            InteractionKind::Meeting,
            participants.into_iter().map(user),
            Some(user(by)),
            Some(note.to_owned()),
        )
        .unwrap();
        store.log_interaction(&met).await.unwrap();
    }
    assert!(bot.alliances("optout", "U0000004").await.contains("opted out"));

    let text = bot.alliances("export", "U0000001").await;

    assert!(text.starts_with("Here is everything I hold about you"), "{text}");
    for hers in ["U0000004", "Dana", "dana's roadmap"] {
        assert!(!text.contains(hers), "the export holds {hers}:\n{text}");
    }
    // Alice's own: whom else she met, her note, and that she met someone
    // twice whom she is not told of.
    for own in ["U0000002", "offsite plans", "\"unnamed\": 1", "\"count\": 2"] {
        assert!(text.contains(own), "the export lacks {own}:\n{text}");
    }
    bot.stop().await;
}
}
