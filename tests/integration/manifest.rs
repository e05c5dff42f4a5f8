//! The Slack app manifest in `deploy/`: it validates against Slack's
//! published schema, and it declares exactly the scopes, events and slash
//! commands the bot uses, so that widening them is a deliberate change to
//! this file as well as to the manifest.
//!
//! The schema is not in the repository: the tests that need it read it from
//! `ALLIANCES_SLACK_MANIFEST_SCHEMA`, or else from the shared folder beside
//! the repository, and on a clone with neither they say so in one line and
//! skip, as the browser tests do without Chromium.

use crate::helpers::{read_repository_file, repository_path};
use serde_json::{Value, json};

/// Every bot scope, least privilege: the bot's own list.
const BOT_SCOPES: [&str; 14] = alliances::slack::BOT_SCOPES;

/// Every bot event; each needs one of the scopes above, or none.
const BOT_EVENTS: [&str; 8] = [
    "app_home_opened",
    "app_mention",
    "message.channels",
    "message.groups",
    "team_join",
    "user_change",
    "app_uninstalled",
    "tokens_revoked",
];

/// The manifest, parsed from YAML into the JSON data model the schema speaks.
fn manifest() -> Value {
    let path = "deploy/slack-app-manifest.yml";
    serde_norway::from_str(&read_repository_file(path))
        .unwrap_or_else(|error| panic!("{path} is not valid YAML: {error}"))
}

/// The environment variable that gives the path of Slack's manifest schema,
/// for a machine that keeps it elsewhere than beside the repository.
const SCHEMA_VAR: &str = "ALLIANCES_SLACK_MANIFEST_SCHEMA";

/// Where Slack's manifest schema is looked for when [`SCHEMA_VAR`] is not
/// set: Slack publishes it under its own licence, so it is kept in a shared
/// folder beside the repository rather than in it.
const SCHEMA_BESIDE_THE_REPOSITORY: &str = "../shared/slack/manifest.schema.1.0.0.json";

/// Slack's manifest schema, from [`SCHEMA_VAR`] or else beside the
/// repository; `None`, with one line saying so, when that default file is
/// absent (a fresh clone on its own), so that the tests needing it skip. A
/// path named in the variable must exist: whoever set it expects the check.
fn slack_schema() -> Option<Value> {
    let path = match std::env::var_os(SCHEMA_VAR) {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let path = repository_path(SCHEMA_BESIDE_THE_REPOSITORY);
            if !path.exists() {
                eprintln!(
                    "skipped: Slack's manifest schema is not at {}; set {SCHEMA_VAR} to its path",
                    path.display()
                );
                return None;
            }
            path
        }
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "Slack's manifest schema is missing: {SCHEMA_VAR} names {} ({error})",
            path.display()
        )
    });
    let schema = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid JSON: {error}", path.display()));
    Some(schema)
}

/// Every way `manifest` breaks `schema`, one line each, led by its JSON path.
fn schema_errors(schema: &Value, manifest: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|error| panic!("Slack's manifest schema does not compile: {error}"));
    validator
        .iter_errors(manifest)
        .map(|error| {
            let path = error.instance_path().to_string();
            let at = if path.is_empty() {
                "(top level)"
            } else {
                &path
            };
            format!("  at {at}: {error}")
        })
        .collect()
}

/// The strings of the array at `pointer`, sorted, so that a comparison
/// shows what is missing and what is extra.
fn sorted_strings_at(manifest: &Value, pointer: &str) -> Vec<String> {
    let Some(Value::Array(items)) = manifest.pointer(pointer) else {
        panic!("the manifest has no list at {pointer}");
    };
    let mut strings: Vec<String> = items
        .iter()
        .map(|item| match item {
            Value::String(text) => text.clone(),
            other => panic!("{pointer} holds {other}, not a string"),
        })
        .collect();
    strings.sort();
    strings
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    names.sort();
    names
}

#[test]
fn the_manifest_is_valid_against_slacks_published_schema() {
    let Some(schema) = slack_schema() else {
        return;
    };
    let errors = schema_errors(&schema, &manifest());
    assert!(
        errors.is_empty(),
        "deploy/slack-app-manifest.yml breaks Slack's manifest schema ({} error(s)):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn a_broken_manifest_fails_with_each_schema_error_at_its_path() {
    let Some(schema) = slack_schema() else {
        return;
    };
    let broken = json!({
        "display_information": { "name": "alliances" },
        "features": { "bot_user": { "display_name": "alliances", "always_online": "no" } },
        "colour": "#8c3b2b",
    });

    let errors = schema_errors(&schema, &broken);

    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|line| line.starts_with("  at /features/bot_user/always_online: ")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|line| line.starts_with("  at (top level): ") && line.contains("colour")),
        "{errors:#?}"
    );
}

#[test]
fn the_manifest_asks_for_exactly_the_bot_scopes_the_features_need() {
    let manifest = manifest();
    assert_eq!(
        sorted_strings_at(&manifest, "/oauth_config/scopes/bot"),
        sorted(&BOT_SCOPES),
        "a scope was added or removed: change BOT_SCOPES too, on purpose"
    );
    let kinds: Vec<&String> = manifest["oauth_config"]["scopes"]
        .as_object()
        .expect("oauth_config.scopes is a map")
        .keys()
        .collect();
    assert_eq!(kinds, ["bot"], "no user-token or optional scopes");
}

#[test]
fn the_manifest_subscribes_to_exactly_the_bot_events_the_bot_handles() {
    let manifest = manifest();
    assert_eq!(
        sorted_strings_at(&manifest, "/settings/event_subscriptions/bot_events"),
        sorted(&BOT_EVENTS),
        "an event was added or removed: change BOT_EVENTS too, on purpose"
    );
    assert_eq!(
        manifest.pointer("/settings/event_subscriptions/user_events"),
        None,
        "no events on a person's behalf"
    );
}

#[test]
fn both_slash_commands_are_declared_with_mentions_escaped_and_no_url() {
    let manifest = manifest();
    let commands = manifest["features"]["slash_commands"]
        .as_array()
        .expect("features.slash_commands is a list");
    let names: Vec<&str> = commands
        .iter()
        .map(|command| command["command"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["/met", "/alliances"]);
    for command in commands {
        assert_eq!(command["should_escape"], json!(true), "{command}");
        // Socket Mode delivers commands over the socket: a URL would be unused.
        assert_eq!(command.get("url"), None, "{command}");
    }
    assert_eq!(manifest["settings"]["socket_mode_enabled"], json!(true));
}

#[test]
fn the_background_colour_is_a_hex_colour_as_slack_requires() {
    // The schema states this with a nonstandard `regex` keyword, which no
    // validator applies, so it is checked here.
    let manifest = manifest();
    let colour = manifest["display_information"]["background_color"]
        .as_str()
        .expect("display_information.background_color is a string");
    let digits = colour.strip_prefix('#').unwrap_or_default();
    assert!(
        matches!(digits.len(), 3 | 6) && digits.chars().all(|c| c.is_ascii_hexdigit()),
        "{colour:?} is not #rgb or #rrggbb"
    );
}
