//! What a replica hears from its database: the notifications that the
//! triggers of migrations V3 and V4 send at the commit of every change to
//! the people and of every tie formed, whoever made it. They keep what
//! each replica keeps in memory (`kept_people`, `team_ties`) as the
//! database has it.
//!
//! The listener holds a connection of its own (named "alliances
//! listener" in `pg_stat_activity`), sends itself a notification every
//! [`HEARTBEAT`] that must come back within as long, and connects again
//! when it does not (what is kept is used only while an echo came back
//! in the last two beats and a half): a listener that hears nothing cannot otherwise tell
//! a quiet database from a lost one, or from a pooler that hands its
//! statements to other sessions. Each start and each
//! loss forgets everything kept, since changes may have gone unheard
//! meanwhile; while it is not listening, the people are read afresh and
//! the tied teams kept only briefly.

use super::super::StoreError;
use super::kept_people::KeptPeople;
use super::team_ties::TeamTies;
use super::{PgStore, unreachable_reason};
use crate::domain::TeamId;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Config};
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_util::sync::CancellationToken;

/// The channel the trigger on `people` notifies: something about the
/// people changed.
const PEOPLE: &str = "alliances_people";

/// The channel the trigger on `ties` notifies, with the pairs of teams the
/// new ties join as a JSON array of `[team, team]`, or nothing when they
/// were too many to tell.
const TEAM_TIES: &str = "alliances_team_ties";

/// How often the listener sends itself a notification, and how long it
/// waits for it to come back. What is kept is used only while an echo
/// came back lately (`kept_people::HEARD_WITHIN`, two beats and a half).
const HEARTBEAT: Duration = Duration::from_secs(1);

/// How long a lost listener waits before connecting again, doubled after
/// each failure in a row up to [`RECONNECT_AT_MOST`].
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The longest wait between two attempts to connect again.
const RECONNECT_AT_MOST: Duration = Duration::from_secs(30);

/// Stops the listener when the last handle of a store is dropped.
pub(super) struct Listener {
    _stop: tokio_util::sync::DropGuard,
}

/// What the listener's task holds: not the store, whose last handle
/// dropped must stop it.
struct Hearing {
    config: Config,
    tls: MakeRustlsConnect,
    people: Arc<KeptPeople>,
    team_ties: Arc<TeamTies>,
    place: String,
}

impl PgStore {
    /// How full the database's notification queue is, from 0 to 1. It is
    /// the cluster's, shared by every listener: one that stops reading (a
    /// replica frozen while connected) holds it, and once it is full, the
    /// writes that notify fail.
    pub async fn notification_queue_usage(&self) -> Result<f64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT pg_notification_queue_usage()", &[])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.get(0))
    }

    /// Starts this replica's listener: it keeps what this store keeps
    /// told of every change until the returned guard is dropped.
    pub(super) fn start_listening(&self) -> Arc<Listener> {
        let stop = CancellationToken::new();
        let mut config = (*self.config).clone();
        config.application_name("alliances listener");
        let hearing = Hearing {
            config,
            tls: self.tls.clone(),
            people: self.kept_people.clone(),
            team_ties: self.team_ties.clone(),
            place: self.place.clone(),
        };
        let stopped = stop.clone();
        tokio::spawn(async move {
            // Failures since the listener last heard its echo: the first
            // is told, the others only counted, and waited out longer.
            let mut failures: u32 = 0;
            while !stopped.is_cancelled() {
                let heard = tokio::select! {
                    heard = hearing.listen() => heard,
                    () = stopped.cancelled() => Ok(()),
                };
                let was_hearing = hearing.people.has_heard();
                hearing.listening(false);
                if was_hearing {
                    failures = 0;
                }
                if let Err(error) = heard {
                    match failures {
                        0 => {
                            tracing::warn!(%error, "lost the listener for changes; reading the people from the database until it hears again")
                        }
                        _ => {
                            tracing::debug!(%error, failures, "the listener for changes is still lost")
                        }
                    }
                }
                let wait = RECONNECT_AFTER
                    .saturating_mul(2_u32.saturating_pow(failures))
                    .min(RECONNECT_AT_MOST);
                failures = failures.saturating_add(1);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = stopped.cancelled() => {}
                }
            }
        });
        Arc::new(Listener {
            _stop: stop.drop_guard(),
        })
    }
}

impl Hearing {
    /// Listens until the connection fails, stops answering, or stops
    /// hearing its own notifications.
    async fn listen(&self) -> Result<(), StoreError> {
        let (client, mut connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.failed(&unreachable_reason(&e)))?;
        // The channel this connection alone listens on for its own echo.
        let echo_channel = std::sync::OnceLock::<String>::new();
        let (echoed, mut echoes_heard) = tokio::sync::watch::channel(0_u64);
        let heard = async {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n)))
                        if echo_channel.get().is_some_and(|echo| echo == n.channel()) =>
                    {
                        echoed.send_replace(n.payload().parse().unwrap_or(0));
                    }
                    Some(Ok(AsyncMessage::Notification(n))) => self.heard(n.channel(), n.payload()),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(self.failed(&unreachable_reason(&error))),
                    None => return Err(self.failed("the listener's connection closed")),
                }
            }
        };
        let asked = async {
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .map_err(|e| self.failed(&unreachable_reason(&e)))?
                .get(0);
            let echo = echo_channel.get_or_init(|| format!("alliances_echo_{pid}"));
            client
                .batch_execute(&format!(
                    "LISTEN {PEOPLE}; LISTEN {TEAM_TIES}; LISTEN {echo}"
                ))
                .await
                .map_err(|e| self.failed(&unreachable_reason(&e)))?;
            // Each beat, a notification to itself that must come back: a
            // connection that answers but hears nothing (through a pooler
            // that hands its statements to other sessions, say) is as
            // good as lost. Only once one came back is anything kept.
            for beat in 1_u64.. {
                let sent = std::time::Instant::now();
                let echo_back = async {
                    client
                        .batch_execute(&format!("NOTIFY {echo}, '{beat}'"))
                        .await
                        .map_err(|e| self.failed(&unreachable_reason(&e)))?;
                    echoes_heard
                        .wait_for(|heard| *heard >= beat)
                        .await
                        .map_err(|_| self.failed("the listener stopped"))?;
                    Ok::<(), StoreError>(())
                };
                match tokio::time::timeout(HEARTBEAT, echo_back).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => return Err(error),
                    Err(_) => {
                        return Err(self.failed(
                            "the listener's database stopped answering, or its notifications stopped coming back",
                        ));
                    }
                }
                match beat {
                    1 => self.listening(true),
                    _ => self.people.echoed(sent),
                }
                tokio::time::sleep(HEARTBEAT).await;
            }
            Ok(())
        };
        tokio::select! {
            heard = heard => heard,
            asked = asked => asked,
        }
    }

    /// Passes on what was heard on `channel`.
    fn heard(&self, channel: &str, payload: &str) {
        match channel {
            // People changed: who they are, and the teams they are in.
            PEOPLE => {
                self.people.forget();
                self.team_ties.forget();
            }
            TEAM_TIES => match team_pairs(payload) {
                Some(pairs) => self.team_ties.learn(&pairs),
                None => self.team_ties.forget(),
            },
            _ => {}
        }
    }

    /// Notes that the listener started or stopped listening: what was
    /// kept is forgotten either way.
    fn listening(&self, listening: bool) {
        self.people.listening(listening);
        self.team_ties.forget();
    }

    fn failed(&self, problem: &str) -> StoreError {
        StoreError::Database {
            place: self.place.clone(),
            problem: problem.to_owned(),
        }
    }
}

/// The pairs of teams a notification of ties formed names; `None` when it
/// names none that can be read (too many to tell, or not understood).
fn team_pairs(payload: &str) -> Option<Vec<(TeamId, TeamId)>> {
    let pairs: Vec<(String, String)> = serde_json::from_str(payload).ok()?;
    pairs
        .iter()
        .map(|(a, b)| Some((TeamId::parse(a).ok()?, TeamId::parse(b).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_of_ties_names_its_pairs_or_asks_for_a_read_again() {
        let team = |name: &str| TeamId::parse(name).unwrap();
        assert_eq!(
            team_pairs(r#"[["Payments", "Search"], ["Legal", "Payments"]]"#),
            Some(vec![
                (team("Payments"), team("Search")),
                (team("Legal"), team("Payments"))
            ])
        );
        // Too many to tell, or not understood: read again.
        assert_eq!(team_pairs(""), None);
        assert_eq!(team_pairs(r#"[["Payments"]]"#), None);
        assert_eq!(team_pairs(r#"[["Payments", ""]]"#), None);
    }
}
