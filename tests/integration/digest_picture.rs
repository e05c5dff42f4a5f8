//! The digest's picture: a team map drawn to PNG, uploaded through Slack's
//! upload flow and shown in the digest message itself.

use crate::helpers::{first_channel_post, spawn_bot_configured, user, workspace};
use crate::workspace_life::{TEAMS, people};
use alliances::domain::ChannelId;
use alliances::slack::BOT_SCOPES;
use fake_slack::FakeSlack;

/// Alice (Payments) meets Bilal (Platform), and an admin posts the digest
/// now; the digest message it gives, once posted.
async fn digest_after_a_meeting(fake: &FakeSlack) -> fake_slack::PostedMessage {
    // Teams of one or two: with a floor of one, every team is on the map.
    let bot = spawn_bot_configured(fake, TEAMS, |settings| {
        settings.commands.k_anonymity_floor = 1;
    })
    .await;
    bot.first_scheduled_digest_has_run().await;
    let channel = ChannelId::parse("C0ALLIANCE").unwrap();
    let met = fake.slash_command(
        "/met",
        "<@U0000002> today coffee",
        user("U0000001"),
        &channel,
    );
    fake.deliver_over_socket(&met).await.unwrap();
    let now = fake.slash_command("/alliances", "digest now", user("U0000009"), &channel);
    fake.deliver_over_socket(&now).await.unwrap();
    let digest = first_channel_post(fake).await;
    bot.stop().await;
    digest
}

/// The digest names the new alliance of Alice and Bilal.
fn assert_celebrates_alice_and_bilal(digest: &fake_slack::PostedMessage) {
    let blocks = digest.blocks.to_string();
    assert!(
        blocks.contains("<@U0000001> (Payments) and <@U0000002> (Platform)"),
        "{blocks}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_shows_the_team_map_as_a_real_png_in_the_same_message() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let digest = digest_after_a_meeting(&fake).await;

    // One message: the digest's blocks with the picture shared in it.
    assert_celebrates_alice_and_bilal(&digest);
    assert_eq!(digest.files.len(), 1, "one picture");
    let picture = &digest.files[0];
    assert!(picture.name.starts_with("team-map-") && picture.name.ends_with(".png"));
    assert!(
        picture.title.starts_with("Alliances between teams, "),
        "{}",
        picture.title
    );
    let alt = picture.alt_text.as_deref().unwrap_or_default();
    assert!(alt.contains("Payments and Platform: 1"), "{alt}");
    assert!(
        alt.contains("Never a tie: Design and Payments; Design and Platform"),
        "{alt}"
    );

    // A real PNG of a sensible size, that decodes, with something drawn.
    let png = &picture.bytes;
    assert!(
        (20_000..2_000_000).contains(&png.len()),
        "{} bytes",
        png.len()
    );
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("a PNG that decodes");
    assert!(
        (800..=3000).contains(&pixmap.width()),
        "{} px wide",
        pixmap.width()
    );
    assert!(
        (800..=3000).contains(&pixmap.height()),
        "{} px high",
        pixmap.height()
    );
    let inked = pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count();
    let share = inked as f64 / pixmap.pixels().len() as f64;
    assert!(
        (0.05..0.9).contains(&share),
        "{:.0}% of the picture drawn",
        share * 100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_files_write_scope_the_digest_goes_out_without_its_picture() {
    let mut workspace = workspace(people());
    workspace.granted_scopes = Some(
        BOT_SCOPES
            .iter()
            .filter(|scope| **scope != "files:write")
            .map(|scope| (*scope).to_owned())
            .collect(),
    );
    let fake = FakeSlack::start(workspace).await.unwrap();
    let digest = digest_after_a_meeting(&fake).await;

    assert!(digest.files.is_empty());
    assert_celebrates_alice_and_bilal(&digest);
    assert_eq!(
        fake.messages()
            .iter()
            .filter(|m| m.dm_user.is_none())
            .count(),
        1,
        "posted once"
    );
}
