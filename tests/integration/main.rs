//! Integration tests: the real library and binary against the built-in fake
//! Slack on 127.0.0.1 and real sled stores in temporary folders.

// A failed measurement or test is its own report: unwrapping is fine here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acknowledge_first;
mod allies_and_team;
mod backups;
mod bad_input;
mod browser;
mod calendars;
mod circles;
mod cli;
mod delivery;
mod demo_flow;
mod deploy;
mod digest_picture;
mod forget_me;
mod front_door_http;
mod front_door_socket;
mod helpers;
mod history_import;
mod http_hygiene;
mod insights;
mod leaders;
mod leaders_home;
mod lonely_leaders;
mod manifest;
mod mind_changed_mid_dispatch;
mod operations;
mod partnerships;
mod refusals;
mod replicas;
mod served;
mod slack_client;
mod tick;
mod uninstall;
mod workspace_life;
mod your_export;
