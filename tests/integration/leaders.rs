//! Who leads: the company's leaders and each team's leads, from Slack's
//! user groups and the teams file, kept current by the people sync and
//! never lost to a profile change between syncs.

use crate::helpers::{TOKEN, fake_user, user, workspace};
use alliances::app::App;
use alliances::config::{Secrets, Settings, Teams};
use alliances::domain::{Roles, SystemClock, TeamId};
use alliances::scheduler::JobKind;
use alliances::slack::SlackPerson;
use fake_slack::{FakeSlack, FakeUserGroup};
use secrecy::SecretString;
use std::sync::Arc;

/// Ada leads Payments by the teams file; Bilal and Chen are in the
/// leadership group; Dara is in Platform's leads group.
const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\"]\nleads = [\"U0000001\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\", \"U0000004\"]\n\
                     [[team]]\nname = \"Design\"\nmembers = [\"U0000003\", \"U0000005\"]\n";

fn group(id: &str, handle: &str, members: &[&str]) -> FakeUserGroup {
    FakeUserGroup {
        id: id.into(),
        handle: handle.into(),
        name: handle.into(),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// The settings of a bot against `fake`, with the teams file above and
/// `leaders` as its `[leaders]` section (TOML), and its secrets.
fn settings_for(fake: &FakeSlack, leaders: &str) -> (Settings, Secrets) {
    let mut settings = Settings::default();
    settings.slack.api_url = fake.api_url().try_into().expect("the fake Slack's URL");
    settings.teams = Teams::parse(TEAMS).unwrap();
    settings.leaders = toml::from_str(leaders).unwrap();
    let secrets = Secrets {
        bot_token: Some(SecretString::from(TOKEN.to_owned())),
        ..Secrets::default()
    };
    (settings, secrets)
}

async fn roles_of(app: &App, id: &str) -> Roles {
    app.store().person(&user(id)).await.unwrap().unwrap().roles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaders_and_leads_come_from_user_groups_and_the_teams_file_and_stay_current() {
    let mut space = workspace(vec![
        fake_user("U0000001", "Ada Lovelace"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
        fake_user("U0000004", "Dara Okafor"),
        fake_user("U0000005", "Eve Martin"),
    ]);
    space.usergroups = vec![
        group("S01", "leadership", &["U0000002", "U0000003"]),
        group("S02", "platform-leads", &["U0000004"]),
    ];
    let fake = FakeSlack::start(space).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let (settings, secrets) = settings_for(
        &fake,
        "usergroup = \"@leadership\"\n[lead_usergroups]\nPlatform = \"platform-leads\"\n",
    );
    let app = App::build(&settings, &secrets, data.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    let sync = || async {
        app.scheduler()
            .run(JobKind::People, chrono::Utc::now())
            .await
            .unwrap()
            .summary
    };

    let summary = sync().await;
    assert!(
        summary.ends_with("; 2 leaders, 2 leads of a team"),
        "{summary}"
    );
    let leads = |team: &str| Roles {
        leader: false,
        leads: Some(TeamId::parse(team).unwrap()),
    };
    let leader = Roles {
        leader: true,
        leads: None,
    };
    assert_eq!(
        roles_of(&app, "U0000001").await,
        leads("Payments"),
        "by the file"
    );
    assert_eq!(roles_of(&app, "U0000002").await, leader);
    assert_eq!(roles_of(&app, "U0000003").await, leader);
    assert_eq!(
        roles_of(&app, "U0000004").await,
        leads("Platform"),
        "by its group"
    );
    assert_eq!(roles_of(&app, "U0000005").await, Roles::default());

    // Chen leaves the leadership group and Eve joins it.
    fake.set_usergroup_members("leadership", &["U0000002", "U0000005"])
        .unwrap();
    sync().await;
    assert_eq!(roles_of(&app, "U0000003").await, Roles::default());
    assert_eq!(roles_of(&app, "U0000005").await, leader);
    assert_eq!(roles_of(&app, "U0000002").await, leader);
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leadership_group_the_workspace_lacks_leaves_nobody_leading_and_the_sync_goes_on() {
    let fake = FakeSlack::start(workspace(vec![fake_user("U0000001", "Ada Lovelace")]))
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (settings, secrets) = settings_for(&fake, "usergroup = \"leadership\"");
    let app = App::build(&settings, &secrets, data.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    let report = app
        .scheduler()
        .run(JobKind::People, chrono::Utc::now())
        .await
        .unwrap();

    assert_eq!(
        report.summary,
        "synced 1 people; 0 leaders, 1 lead of a team"
    );
    assert_eq!(
        roles_of(&app, "U0000001").await.leads,
        Some(TeamId::parse("Payments").unwrap())
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_whose_profile_changes_after_a_restart_keeps_the_role_before_the_next_sync() {
    let mut space = workspace(vec![
        fake_user("U0000001", "Ada Lovelace"),
        fake_user("U0000002", "Bilal Haddad"),
    ]);
    space.usergroups = vec![group("S01", "leadership", &["U0000002"])];
    let fake = FakeSlack::start(space).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let (settings, secrets) = settings_for(&fake, "usergroup = \"leadership\"");
    let build = async || {
        App::build(&settings, &secrets, data.path(), Arc::new(SystemClock))
            .await
            .unwrap()
    };
    let app = build().await;
    app.scheduler()
        .run(JobKind::People, chrono::Utc::now())
        .await
        .unwrap();
    assert!(roles_of(&app, "U0000002").await.leader);
    drop(app);

    // The bot restarts; the day's sync already ran, so the next is hours
    // away when Bilal changes his display name.
    let app = build().await;
    app.scheduler()
        .record_member(SlackPerson {
            id: user("U0000002"),
            handle: "bilal".to_owned(),
            name: "Bilal H.".to_owned(),
            tz: Some("Europe/Paris".to_owned()),
            is_bot: false,
            deleted: false,
            email: None,
        })
        .await
        .unwrap();

    let bilal = app
        .store()
        .person(&user("U0000002"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bilal.name, "Bilal H.");
    assert!(bilal.roles.leader, "still one of the leaders: {bilal:?}");
    assert_eq!(
        roles_of(&app, "U0000001").await.leads,
        Some(TeamId::parse("Payments").unwrap()),
        "Ada still leads Payments, by the teams file"
    );

    // When Bilal leaves the group, the next sync has the last word.
    fake.set_usergroup_members("leadership", &[]).unwrap();
    app.scheduler()
        .run(JobKind::People, chrono::Utc::now())
        .await
        .unwrap();
    assert!(!roles_of(&app, "U0000002").await.leader);
    fake.stop().await;
}
