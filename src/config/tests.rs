use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn the_built_in_defaults_load_without_a_file() {
    let settings = Settings::load(None, no_env).unwrap();
    assert_eq!(settings.rules.cadence.weak_days(), 90);
    assert_eq!(settings.schedule.nudges.expression(), "0 */15 * * * *");
    assert_eq!(settings.slack.api_url.as_str(), SLACK_API_URL);
    assert_eq!(settings.rules, Settings::default().rules);
    assert_eq!(settings.teams, Teams::default());
}

#[test]
fn the_example_config_is_valid_and_matches_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/alliances.example.toml");
    let settings = Settings::load(Some(&path), no_env).unwrap();
    let defaults = Settings::default();
    assert_eq!(settings.rules, defaults.rules);
    assert_eq!(
        settings.schedule.digest.expression(),
        defaults.schedule.digest.expression()
    );
    assert_eq!(settings.digest.channel, defaults.digest.channel);
    assert_eq!(
        settings.schedule.catch_up_hours,
        defaults.schedule.catch_up_hours
    );
    assert_eq!(settings.delivery, defaults.delivery);
    assert_eq!(settings.health, defaults.health);
    assert_eq!(settings.backup, defaults.backup);
    assert_eq!(settings.purge, defaults.purge);
    assert_eq!(settings.circles, defaults.circles);
    assert_eq!(settings.calendars, defaults.calendars);
    assert_eq!(
        settings.schedule.circles.expression(),
        defaults.schedule.circles.expression()
    );
    assert_eq!(
        settings.commands.k_anonymity_floor,
        defaults.commands.k_anonymity_floor
    );
}

#[test]
fn an_invalid_cron_expression_names_the_setting() {
    let file = write("[schedule]\nnudges = \"0 10 * * Mon\"\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("schedule.nudges") || err.contains("nudges"),
        "{err}"
    );
    assert!(err.contains("seconds first"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn an_unknown_setting_is_refused_by_name() {
    let file = write("[rules]\ncadense_days = 30\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("setting `rules.cadense_days`: unknown field"),
        "{err}"
    );
    assert!(err.contains("expected one of `half_life_days`"), "{err}");
}

#[test]
fn broken_toml_names_the_line() {
    let file = write("[rules]\ncadence_weak_days = 30\n[schedule\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 3"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn a_delivery_window_that_never_opens_is_refused() {
    let file = write("[rules]\nwindow_start_hour = 11\nwindow_end_hour = 10\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("rules.window_start_hour"), "{err}");
    let file = write("[rules]\nworking_days = []\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("rules.working_days"), "{err}");
}

#[test]
fn cadences_half_lives_and_weights_that_make_no_sense_are_refused() {
    let refused = |toml: &str| {
        Settings::load(Some(write(toml).path()), no_env)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused("[rules]\ncadence_strong_days = 0\n"),
        "setting `rules.cadence_strong_days`: must be at least 1 day and at most \
         `cadence_weak_days`, e.g. 30 and 90"
    );
    assert!(refused("[rules]\ncadence_strong_days = 100\n").contains("cadence_strong_days"));
    assert!(refused("[rules]\nhalf_life_days = 0.0\n").contains("rules.half_life_days"));
    assert!(refused("[rules]\nstrong_tie = 1.0\n").contains("rules.strong_tie"));
    assert!(refused("[rules.weights]\npassive = -1.0\n").contains("rules.weights"));
    assert!(refused("[rules]\ngap_boost = -0.5\n").contains("rules.gap_boost"));
    assert!(refused("[backup]\nkeep = 0\n").starts_with("setting `backup.keep`"));
    let off = write("[backup]\nevery_hours = 0\nkeep = 0\n");
    assert_eq!(
        Settings::load(Some(off.path()), no_env)
            .unwrap()
            .backup
            .every_hours,
        0
    );
    let err = refused("[rules.weights]\nlike = 1.0\n");
    assert!(err.contains("rules.weights.like"), "{err}");
}

#[test]
fn the_environment_overrides_the_file_and_holds_the_token() {
    let env = |name: &str| match name {
        "ALLIANCES_SLACK_API_URL" => Some("http://127.0.0.1:9/api".to_owned()),
        BOT_TOKEN_VAR => Some("xoxb-secret".to_owned()),
        _ => None,
    };
    let settings = Settings::load(None, env).unwrap();
    assert_eq!(settings.slack.api_url.as_str(), "http://127.0.0.1:9/api");
    let secrets = Secrets::from_env(env);
    assert!(secrets.bot_token.is_some());
    assert!(!format!("{secrets:?}").contains("xoxb-secret"));
}

#[test]
fn an_override_from_the_environment_is_checked_and_names_its_variable() {
    let env = |name: &str| (name == "ALLIANCES_SLACK_API_URL").then(|| "slack.com/api".to_owned());
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(
        err.starts_with("setting `ALLIANCES_SLACK_API_URL`: must be an http:// or https:// URL"),
        "{err}"
    );
    let env = |name: &str| (name == "ALLIANCES_DIGEST_CHANNEL").then(|| "#".to_owned());
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(
        err.starts_with("setting `ALLIANCES_DIGEST_CHANNEL`"),
        "{err}"
    );
}

#[test]
fn values_that_cannot_work_name_the_setting_and_the_file() {
    let file = write("[delivery]\nspeedup = 0.5\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&file.path().display().to_string()), "{err}");
    assert!(
        err.ends_with("setting `delivery.speedup`: must be a number of at least 1 (1 for Slack; more only for the built-in fake Slack)"),
        "{err}"
    );
    for (toml, setting) in [
        (
            "[delivery]\ngive_up_after_minutes = 0\n",
            "delivery.give_up_after_minutes",
        ),
        (
            "[commands]\nhistory_window_days = 0\n",
            "commands.history_window_days",
        ),
        (
            "[store]\ncache_capacity_mb = 0\n",
            "store.cache_capacity_mb",
        ),
        ("[digest]\nchannel = \"# \"\n", "digest.channel"),
        ("[slack]\napi_url = \"slack.com/api\"\n", "slack.api_url"),
    ] {
        let err = Settings::load(Some(write(toml).path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("setting `{setting}`: must ")),
            "{err}"
        );
    }
    let err = Settings::load(Some(write("[teams]\nsource = \"file\"\n").path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("setting `teams.file`: must name a teams file"),
        "{err}"
    );
}

#[test]
fn the_store_is_sled_unless_a_database_is_named() {
    assert!(Settings::load(None, no_env).unwrap().store.url.is_none());
    let file = write("[store]\nurl = \"postgres://alliances@db.internal:5432/alliances\"\n");
    let settings = Settings::load(Some(file.path()), no_env).unwrap();
    assert_eq!(
        settings.store.url.unwrap().expose(),
        "postgres://alliances@db.internal:5432/alliances"
    );
}

#[test]
fn the_environment_names_the_database_with_its_password_never_shown() {
    let env = |name: &str| {
        (name == DATABASE_URL_VAR).then(|| "postgres://bot:hunter2@db:5432/alliances\n".to_owned())
    };
    let settings = Settings::load(None, env).unwrap();
    let url = settings.store.url.as_ref().unwrap();
    assert_eq!(url.expose(), "postgres://bot:hunter2@db:5432/alliances");
    assert!(!format!("{settings:?}").contains("hunter2"));
}

#[test]
fn a_password_in_the_config_file_is_refused_with_where_it_belongs() {
    for url in [
        "postgres://bot:hunter2@db:5432/alliances",
        "postgresql://bot:p%40ss@db/alliances?sslmode=require",
        "host=db user=bot password=hunter2 dbname=alliances",
        "postgres://bot@db/alliances?sslmode=require&password=hunter2",
        "postgres://bot@db/alliances?pass%77ord=hunter2",
        "postgres://bot:hun/ter2@db/alliances",
    ] {
        let file = write(&format!("[store]\nurl = \"{url}\"\n"));
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("store.url"), "{err}");
        assert!(err.contains(DATABASE_URL_VAR), "{err}");
        assert!(!err.contains("hunter2") && !err.contains("p%40ss"), "{err}");
    }
    // An `@` in a path or query is no password.
    let file = write("[store]\nurl = \"postgres://bot@db/alliances?application_name=a:b@c\"\n");
    assert!(Settings::load(Some(file.path()), no_env).is_ok());
}

#[test]
fn a_database_url_that_is_no_connection_string_is_refused() {
    let file = write("[store]\nurl = \"mysql://db/alliances\"\n");
    let err = Settings::load(Some(file.path()), no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("store.url"), "{err}");
    assert!(err.contains("postgres://"), "{err}");
    let env = |name: &str| (name == DATABASE_URL_VAR).then(|| "db.internal".to_owned());
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(err.contains(DATABASE_URL_VAR), "{err}");
}
