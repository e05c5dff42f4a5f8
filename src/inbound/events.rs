//! Events API callbacks, once read into an [`InboundEvent`]: the App Home,
//! people joining or changing, passive signals, the app uninstalled and its
//! token revoked.
//!
//! Slack retries an event up to 3 times, the last about 5 minutes after the
//! first, and does not promise to deliver each once: every event is handled
//! once per `event_id` (the store remembers ids; the scheduler's loop prunes
//! those older than [`DEDUPE_WINDOW_MINUTES`]).

use super::FrontDoor;
use super::event_callback::{EventCallback, InboundEvent, SeenMessage};
use super::passive::signal_of;
use crate::config::BOT_TOKEN_VAR;
use crate::domain::{Interaction, LeaderHome, Reach, UserId, alliances_of, days_ago, zone_of};
use crate::slack::{HomeAlliance, HomeCalendar, HomeContent};
use crate::store::{StoreError, off_the_workers};

/// How long event ids are remembered: twice Slack's last retry (about 5
/// minutes after the first delivery).
pub const DEDUPE_WINDOW_MINUTES: i64 = 10;

/// Handles `callback`'s event, unless its id says it was handled already.
pub(super) async fn handle(front: &FrontDoor, callback: EventCallback) {
    let EventCallback { event_id, event } = callback;
    if let Some(event_id) = event_id {
        match front
            .store
            .first_delivery(&format!("event:{event_id}"), front.clock.now())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                front.metrics.event_deduplicated();
                tracing::debug!(
                    event_id,
                    kind = event.kind(),
                    "a retried event, already handled"
                );
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot check an event id; handling it anyway");
            }
        }
    }
    match event {
        InboundEvent::AppHomeOpened {
            user,
            messages_tab: false,
        } => front.publish_home(&user).await,
        InboundEvent::TeamJoin { user: member } | InboundEvent::MemberChanged { user: member } => {
            let user = member.id.clone();
            if let Err(err) = front.scheduler.record_member(member).await {
                tracing::error!(error = %err, %user, "could not record a change to a person");
            }
        }
        InboundEvent::Message(message) if front.settings.events.passive_signals => {
            passive_signal(front, &message).await
        }
        InboundEvent::AppUninstalled => uninstalled(front).await,
        // Only the bot's own tokens matter: this app holds no user tokens.
        InboundEvent::TokensRevoked { bot_token: true } => token_revoked(front),
        other if other.unreadable() => tracing::warn!(
            kind = other.kind(),
            "an event the bot acts on, in a shape it cannot read"
        ),
        other => tracing::debug!(kind = other.kind(), "an event the bot does not act on"),
    }
}

/// Logs a passive signal between people of different teams. Within a team
/// it would only add noise to ties the bot never nudges about. Nobody is
/// logged who opted out or left: they are dropped from the signal, and an
/// author who opted out or left makes no signal at all.
async fn passive_signal(front: &FrontDoor, message: &SeenMessage) {
    let Some(signal) = signal_of(message) else {
        return;
    };
    match log_passive(front, &signal, message.author.as_ref()).await {
        Ok(Some(people)) => tracing::debug!(people, "a passive signal"),
        Ok(None) => {}
        Err(err) => tracing::error!(error = %err, "could not log a passive signal"),
    }
}

/// Logs `signal` less anyone who opted out or left, if it still joins
/// people of different teams; says how many people it joined.
async fn log_passive(
    front: &FrontDoor,
    signal: &Interaction,
    author: Option<&UserId>,
) -> Result<Option<usize>, StoreError> {
    let mut people = Vec::with_capacity(signal.participants.len());
    for id in &signal.participants {
        match front.store.person(id).await? {
            Some(person) if person.reachable() => people.push(person),
            // Someone the bot does not know yet: their team is unknown, so
            // whether this crosses teams is too.
            None => return Ok(None),
            Some(_) if author == Some(id) => return Ok(None),
            Some(_) => {}
        }
    }
    let teams: Vec<_> = people.iter().map(|p| p.team.as_ref()).collect();
    let across_teams =
        teams.iter().all(Option::is_some) && teams.windows(2).any(|pair| pair[0] != pair[1]);
    let kept = Interaction::new(
        signal.at,
        signal.kind,
        people.into_iter().map(|p| p.id),
        None,
        None,
    );
    match kept {
        Some(kept) if across_teams => {
            front.store.log_interaction(&kept).await?;
            Ok(Some(kept.participants.len()))
        }
        _ => Ok(None),
    }
}

/// Slack revoked the bot token: routine incident response after a leak,
/// not an uninstall, so nothing is deleted. The bot is not ready (see
/// `health`) until its check finds a token working again.
fn token_revoked(front: &FrontDoor) {
    front.slack.note_token_revoked();
    tracing::warn!(
        "Slack revoked the bot token; nothing is deleted. /readyz fails until a working \
         token is set in {BOT_TOKEN_VAR} and alliances restarted"
    );
}

/// The app left the workspace: purge everything, if the settings say so,
/// but the newest backup for `purge.grace_days`, so that an uninstall by
/// mistake can be undone with `alliances restore`.
async fn uninstalled(front: &FrontDoor) {
    if !front.settings.events.purge_on_uninstall {
        tracing::warn!(
            "the app was uninstalled; keeping the data (events.purge_on_uninstall = false)"
        );
        return;
    }
    let purged = match front.settings.purge.grace_days {
        0 => front.store.purge_everything().await.map(|()| None),
        days => {
            let until = front.clock.now() + chrono::Duration::days(days.into());
            front.store.purge_keeping_newest_backup(until).await
        }
    };
    match purged {
        Ok(None) => tracing::warn!(
            "the app was uninstalled: every record is deleted, with the bot's own backups \
             (a database's are its operator's)"
        ),
        Ok(Some(kept)) => tracing::warn!(
            backup = %kept.path.display(),
            until = %kept.until,
            "the app was uninstalled: every record is deleted; the newest backup is kept \
             until then for `alliances restore`, then deleted"
        ),
        Err(err) => {
            tracing::error!(error = %err, "the app was uninstalled but the purge failed")
        }
    }
}

impl FrontDoor {
    /// Publishes `user`'s App Home: for someone who leads, their key
    /// partnerships and circle; their reach, then their alliances, overdue
    /// first.
    ///
    /// The content is read on tokio's blocking pool: it reads every person,
    /// which would hold up the other requests on an async worker.
    pub(super) async fn publish_home(&self, user: &UserId) {
        let (front, reader) = (self.clone(), user.clone());
        let read = off_the_workers(move || async move { front.home_content(&reader).await }).await;
        let content = match read {
            Ok(Ok(content)) => content,
            Ok(Err(err)) => {
                tracing::error!(error = %err, %user, "cannot read the App Home's content");
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, %user, "reading the App Home's content panicked");
                return;
            }
        };
        if let Err(err) = self.slack.publish_home(user, &content).await {
            tracing::warn!(error = %err, %user, "cannot publish the App Home");
        }
    }

    /// Where `user`'s calendar stands, for their App Home.
    async fn home_calendar(&self, user: &UserId) -> Result<HomeCalendar, crate::store::StoreError> {
        if self.scheduler.calendar_key().is_none() {
            return Ok(HomeCalendar::Unavailable);
        }
        Ok(match self.store.calendar(user).await? {
            None => HomeCalendar::NotGiven,
            Some(feed) => match feed.failing_since {
                Some(since) => HomeCalendar::FailingSince(since),
                None => HomeCalendar::ReadSince(feed.since),
            },
        })
    }

    async fn home_content(&self, user: &UserId) -> Result<HomeContent, crate::store::StoreError> {
        let now = self.clock.now();
        let policy = &self.settings.rules;
        let people = self.store.people().await?;
        let ties = self.store.ties_of(user).await?;
        let me = people.iter().find(|p| p.id == *user);
        let mut content = HomeContent {
            reach: Reach::of(user, &people, &ties, now, policy),
            snoozed_until: me
                .and_then(|m| m.snoozed_until)
                .filter(|until| *until > now),
            opted_out: me.is_some_and(|m| m.opted_out),
            shoutouts: me.is_some_and(|m| m.shoutouts),
            calendar: self.home_calendar(user).await?,
            ..HomeContent::default()
        };
        // Circles are read only for someone who leads: nobody else is in one.
        if me.is_some_and(|m| !m.roles.is_none()) {
            content.leader = LeaderHome::of(
                user,
                &people,
                &ties,
                &self.settings.partnerships,
                &self.store.circles().await?,
                now,
                policy,
            );
        }
        let tz = zone_of(me);
        for (tie, peer, team) in alliances_of(user, &people, &ties) {
            let alliance = HomeAlliance {
                peer: peer.id.clone(),
                team: team.clone(),
                days_since: days_ago(tie.last_at, now, tz),
                times_met: tie.count,
            };
            if policy.overdue(tie, now) {
                content.overdue.push(alliance);
            } else {
                content.recent.push(alliance);
            }
        }
        content
            .overdue
            .sort_by_key(|a| std::cmp::Reverse(a.days_since));
        content.recent.sort_by_key(|a| a.days_since);
        Ok(content)
    }
}
