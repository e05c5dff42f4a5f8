//! alliances: a Slack bot that keeps a company's cross-team ties alive.
//!
//! It reminds people to reach a peer in another team they have neglected,
//! lets them log meetings, and posts channel digests of the new alliances
//! that form. Its shape is the product's: **a scheduler triggers a rules
//! engine that inspects the interaction history in sled and posts prompts
//! through a Slack client adapter.**
//!
//! Reading order:
//!
//! - [`domain`]: the plain types — people, interactions, ties, nudges,
//!   digests — and the [`domain::Clock`] every decision reads time from.
//! - [`config`]: settings from TOML and `ALLIANCES_*` variables; secrets from
//!   the environment only.
//! - [`store`]: everything persistent, behind [`store::Store`], whose
//!   methods are async so that a networked backend can stand behind it.
//!   Its sled backend holds people, interactions, the tie index, nudges
//!   sent, job runs, the tombstones of people forgotten, the schema
//!   version, and rewrites its files to erase a forget. The only module
//!   that names sled.
//! - [`rules`]: pure functions from a history snapshot, a time and the policy
//!   to a plan: whom to nudge about whom, what goes in the digest.
//! - [`slack`]: the concrete Slack client (slack-morphism over HTTP) and the
//!   Block Kit rendering of what people read.
//! - [`calendars`]: people's calendars, read with their consent for who
//!   met whom and when: an iCalendar feed fetched from public HTTPS
//!   addresses, its meetings with recurrences expanded, the attendees found
//!   by their email's keyed hash, never a title; the address sealed.
//!   Uses `store`; the consent modal (`inbound`) and the daily job
//!   (`scheduler`) call it.
//! - [`charts`]: pictures of the network (the team map, new alliances per
//!   week) as SVG, and the team map as PNG for the digest; pure drawing.
//! - [`scheduler`]: cron jobs from config (the calendars job among them);
//!   runs rules → outbox, and the
//!   dispatcher that sends the outbox through Slack; remembers each job's
//!   last run.
//! - [`commands`]: the slash-command grammar (pure) and the handlers of
//!   commands and buttons: store writes and an answer.
//! - [`inbound`]: the transports that bring Slack's requests in — Socket
//!   Mode and HTTP (signature check, body limit) — and the events; both call
//!   the same front door. Beside them, the operator's routes: health,
//!   metrics and the admins' insights page.
//! - [`metrics`]: the counters the app owns and the Slack client, the
//!   scheduler and the front door count into, rendered for Prometheus.
//! - [`synthetic`]: a seeded synthetic company (people, teams, history).
//! - [`app`]: wiring of the above from the settings, and `serve` with its
//!   tasks supervised under one cancellation token; [`data_dir`] opens the
//!   store alike for the bot and the commands; [`demo`] runs it all against
//!   the fake Slack; [`doctor`] checks an installation; [`seed`] fills a
//!   store with a synthetic company; [`backups`] keeps periodic backups and
//!   runs `export`, `import` and `restore`; [`history`] loads past meetings
//!   from a CSV export (`history import`), for a cold start; [`cli`] is the
//!   command line.
//! - [`fake_slack`], a crate of its own in `crates/fake-slack`: a local Slack
//!   workspace on 127.0.0.1 for the demo, the tests and the benchmarks,
//!   sharing no type with the bot or slack-morphism.
//!
//! Arrows point one way: `rules` never calls `store`; the scheduler hands it
//! a snapshot. Nothing but `store` knows sled; nothing but `slack`,
//! `inbound` and the fake Slack speak Slack's wire format.

pub mod app;
pub mod backups;
pub mod calendars;
pub mod charts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod data_dir;
pub mod demo;
pub mod doctor;
pub mod domain;
#[cfg(test)]
mod floor_properties;
pub mod history;
pub mod inbound;
pub mod metrics;
pub mod rules;
pub mod scheduler;
pub mod seed;
pub mod slack;
pub mod store;
pub mod synthetic;
