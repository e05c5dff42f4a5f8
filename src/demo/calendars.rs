//! The demo's calendars: a few people give theirs as anyone would, with
//! `/alliances calendar` and the modal, and the fake Slack serves them as
//! Google and Outlook publish calendars. From then on the calendars job
//! reads them every morning, and the summary counts what came from them.

use super::Demo;
use crate::domain::InteractionKind;
use crate::synthetic::SyntheticPerson;
use anyhow::Context as _;
use fake_slack::{CalendarShape, EMAIL_DOMAIN, FakeCalendar};

/// How many people give their calendar.
const GIVING: usize = 5;
/// How many colleagues in other teams each calendar has meetings with.
const COLLEAGUES: usize = 12;
/// How far back the synthetic calendars go: the bot's look-back.
const CALENDAR_DAYS: i64 = 180;

impl Demo {
    /// Publishes a calendar for a few people, one in every few of the
    /// company and never one who opted out, and has each give it through
    /// the modal; a line for each, saying what the bot found. Their
    /// meetings are with people who lead nothing: the leaders whose
    /// alliances went quiet, whom the leaders-first steps show, stay so.
    pub(super) async fn give_calendars(&self) -> anyhow::Result<Vec<String>> {
        let people = &self.company.people;
        let step = (people.len() / GIVING).max(1);
        let giving: Vec<&SyntheticPerson> = people
            .iter()
            .step_by(step)
            .filter(|p| !p.opted_out && p.roles.is_none())
            .take(GIVING)
            .collect();
        let mut lines = Vec::new();
        for (i, person) in giving.into_iter().enumerate() {
            let colleagues: Vec<String> = people
                .iter()
                .filter(|other| other.team != person.team && other.roles.is_none())
                .skip(i * 3)
                .take(COLLEAGUES)
                .map(|other| format!("{}@{EMAIL_DOMAIN}", other.handle))
                .collect();
            let shape = match i % 2 {
                0 => CalendarShape::Google,
                _ => CalendarShape::Outlook,
            };
            let calendar = FakeCalendar::synthetic(
                &format!("{}@{EMAIL_DOMAIN}", person.handle),
                &colleagues,
                self.options.seed + i as u64,
                self.start,
                CALENDAR_DAYS,
                shape,
            );
            let address = self.fake.publish_calendar(person.id.as_str(), calendar);
            let said = self
                .front_door
                .give_calendar(&self.fake, &person.id, &address)
                .await
                .with_context(|| format!("{} giving their calendar", person.real_name))?;
            lines.push(format!(
                "📅 {} ({}) gave their {} calendar: {said}\n",
                person.real_name,
                person.team,
                match shape {
                    CalendarShape::Google => "Google",
                    CalendarShape::Outlook => "Outlook",
                }
            ));
        }
        Ok(lines)
    }

    /// How many calendars were given, and the interactions read from them.
    pub(super) async fn calendar_figures(&self) -> anyhow::Result<(usize, usize)> {
        let store = self.app.store();
        let given = store.calendars().await?.len();
        let read = store
            .interactions()
            .await?
            .iter()
            .filter(|(_, i)| i.kind == InteractionKind::Calendar)
            .count();
        Ok((given, read))
    }
}
