//! How the demo prints what people saw: who a message went to (a person's
//! DM with their local time, a circle's group DM, or the digest's
//! channel), its text as Slack shows it, and a line above each
//! leaders-first step saying which step it is. It reads the demo's world
//! and changes nothing in it.

use super::pictures::describe_png;
use super::{DEMO_CHANNEL, Demo};
use crate::slack::readable_text;
use crate::synthetic::SyntheticPerson;
use chrono::{DateTime, Utc};
use fake_slack::PostedMessage;
use serde_json::Value;
use std::collections::HashMap;

/// Each person of the company by the id Slack's messages name them by.
pub(super) type People = HashMap<String, SyntheticPerson>;

impl Demo {
    /// What people saw of `message`, posted at `now`: which leaders-first
    /// step it is, if one, who it went to, and its text as Slack shows it.
    pub(super) async fn describe(
        &self,
        message: &PostedMessage,
        people: &People,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let circle = self.circle_in(&message.channel).await?;
        let heading = match (message.dm_user.as_deref(), &circle) {
            (Some(user), _) => {
                let person = people.get(user);
                format!(
                    "DM to {} ({}), {} in {}",
                    person.map_or(user, |p| p.real_name.as_str()),
                    person.map_or("no team", |p| p.team.as_str()),
                    local_time(person.map(|p| &p.tz), now),
                    person.map_or("UTC", |p| p.tz.as_str()),
                )
            }
            (None, Some(circle)) => {
                let members: Vec<String> = circle
                    .members
                    .iter()
                    .map(|m| named(people, m.as_str()))
                    .collect();
                format!("group DM to {}", members.join(", "))
            }
            (None, None) => format!("#{}", self.channel_name(&message.channel)),
        };
        let mut text = match self
            .leaders_first_step(message, circle.as_ref(), people, now)
            .await?
        {
            Some(step) => step_line(step),
            None => String::new(),
        };
        text.push_str(&format!("{} UTC  {heading}\n", now.format("%H:%M")));
        let body = readable_text(&message.text, &message.blocks, |id| {
            people.get(id).map(|p| p.real_name.clone())
        });
        push_indented(&mut text, &body);
        for file in &message.files {
            text.push_str(&format!(
                "       [picture: {}, {}]\n",
                file.title,
                describe_png(&file.bytes)
            ));
        }
        Ok(text)
    }

    /// The digest's channel by name; any other channel by its id.
    fn channel_name(&self, id: &str) -> String {
        if self.fake.channel_named(DEMO_CHANNEL).as_deref() == Some(id) {
            DEMO_CHANNEL.to_owned()
        } else {
            id.to_owned()
        }
    }
}

/// What starts the line that marks a leaders-first step.
pub(super) const STEP_MARK: char = '★';

/// The line that marks a leaders-first step, above what the bot sent.
pub(super) fn step_line(step: &str) -> String {
    format!("{STEP_MARK} Leaders first — {step}:\n")
}

/// `now` on the wall clock of time zone `tz` (UTC when unknown).
fn local_time(tz: Option<&String>, now: DateTime<Utc>) -> String {
    let tz = crate::domain::zone(tz.map(String::as_str));
    now.with_timezone(&tz).format("%H:%M").to_string()
}

/// "Dana Ito (Engineering)" for a person of the company, by id.
pub(super) fn named(people: &People, id: &str) -> String {
    people.get(id).map_or_else(
        || id.to_owned(),
        |p| format!("{} ({})", p.real_name, p.team),
    )
}

/// Appends the bot's `answer` (a reply's JSON) to `text`, as Slack shows it.
pub(super) fn push_answer(text: &mut String, answer: &Value, people: &People) {
    let body = readable_text(
        answer["text"].as_str().unwrap_or_default(),
        &answer["blocks"],
        |id| people.get(id).map(|p| p.real_name.clone()),
    );
    push_indented(text, &body);
}

/// Appends `body` to `text`, each line indented under its heading.
fn push_indented(text: &mut String, body: &str) {
    for line in body.lines() {
        text.push_str(&format!("       {line}\n"));
    }
}
