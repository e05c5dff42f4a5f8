//! Which teams each team is tied to, as a replica keeps the answers:
//! `/met` asks it of every meeting that forms a tie, to tell a first
//! bridge between two teams, and the database answers it by reading every
//! tie of the team's people.
//!
//! How the kept answers stay right to say "the first bridge ever":
//!
//! - the ties this replica forms are added to its answers as they commit;
//!   the ties another replica forms, when its notification arrives (see
//!   `listener`: a trigger names the teams each statement's new ties
//!   join);
//! - ties between teams only grow while the people stay as they are, so
//!   an answer read while more formed is the read joined with what was
//!   learned meanwhile;
//! - a change to the people (teams, a forget, a purge), here or heard of,
//!   forgets every answer, and an answer read before it is not kept;
//! - while the listener is not listening, an answer is kept only
//!   [`FRESH_UNHEARD`], and a tie formed on another replica meanwhile may
//!   be called a first bridge once more (the digest counts from the log,
//!   not from this); while it listens, [`FRESH_HEARD`], in case a change
//!   went by in a way no trigger sees;
//! - an answer grown old is read again in the background, one team at a
//!   time, and every request answers from the old one until it lands. A
//!   burst's requests all reading it at once, each read outrun by the
//!   writes before it could be kept, made its slowest answers.

use super::super::{Logged, StoreError};
use super::PgStore;
use super::kept_people::Kept;
use crate::domain::{PairKey, TeamId};
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How long a replica answers from its last read while it hears of the
/// ties the others form.
const FRESH_HEARD: Duration = Duration::from_secs(600);

/// How long a replica answers from its last read while it does not.
const FRESH_UNHEARD: Duration = Duration::from_secs(10);

/// How long a request's read may take before another reads too: a read
/// cancelled with its request never says it ended; this bounds how long
/// that is waited for.
const ONE_READ_AT_MOST: Duration = Duration::from_secs(5);

/// The answers a replica keeps, shared by its handles.
pub(super) struct TeamTies {
    kept: parking_lot::Mutex<KeptTeamTies>,
    /// Lets one read in the background run at a time: answers that grew
    /// old together are read one after another, not all at once.
    background: tokio::sync::Semaphore,
}

impl Default for TeamTies {
    fn default() -> Self {
        TeamTies {
            kept: parking_lot::Mutex::default(),
            background: tokio::sync::Semaphore::new(1),
        }
    }
}

impl TeamTies {
    /// Adds to the answers kept, and to the reads under way, that the
    /// teams of each of `pairs` are tied.
    pub(super) fn learn(&self, pairs: &[(TeamId, TeamId)]) {
        let mut kept = self.kept.lock();
        for (a, b) in pairs {
            for (team, other) in [(a, b), (b, a)] {
                if let Some((_, tied)) = kept.answers.get_mut(team) {
                    tied.insert(other.clone());
                }
                if let Some(reading) = kept.reading.get_mut(team) {
                    reading.learned.insert(other.clone());
                }
            }
        }
    }

    /// Forgets every answer kept, and keeps none read before: people
    /// changed teams, or ties went.
    pub(super) fn forget(&self) {
        let mut kept = self.kept.lock();
        kept.answers.clear();
        kept.forgotten += 1;
    }
}

/// The answers [`PgStore::teams_tied_to`] keeps.
#[derive(Default)]
pub(super) struct KeptTeamTies {
    /// Each team's tied teams, and when they were read.
    answers: HashMap<TeamId, (Instant, BTreeSet<TeamId>)>,
    /// The teams one request is reading, with what this replica learned of
    /// them meanwhile.
    reading: HashMap<TeamId, Reading>,
    /// Counts every forgetting: a read begun before one is not kept, or
    /// it would put back what the change took away.
    forgotten: u64,
}

/// One read of a team's tied teams.
struct Reading {
    since: Instant,
    /// Whether it runs in the background: such a read is never cancelled
    /// with a request, so it is never taken for gone, however long it
    /// waits its turn.
    background: bool,
    /// The teams this replica tied to it while the read was under way.
    learned: BTreeSet<TeamId>,
}

impl Reading {
    fn since(since: Instant) -> Self {
        Reading {
            since,
            background: false,
            learned: BTreeSet::new(),
        }
    }

    fn in_background(since: Instant) -> Self {
        Reading {
            background: true,
            ..Reading::since(since)
        }
    }

    /// Whether a read begun at `since` may still end, seen at `now`.
    fn under_way(&self, now: Instant) -> bool {
        self.background || now.duration_since(self.since) < ONE_READ_AT_MOST
    }
}

impl PgStore {
    /// The teams that people of `team` have a tie with, by the teams
    /// people are in now (`team` itself if two of its people are tied),
    /// as this replica keeps them (see `team_ties`).
    pub async fn teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        let now = Instant::now();
        let fresh_for = match self.kept_people.is_listening() {
            true => FRESH_HEARD,
            false => FRESH_UNHEARD,
        };
        let (forgotten, mine) = {
            let mut kept = self.team_ties.kept.lock();
            let another_reads = kept
                .reading
                .get(team)
                .is_some_and(|reading| reading.under_way(now));
            let forgotten = kept.forgotten;
            if let Some((at, tied)) = kept.answers.get(team) {
                let tied = tied.clone();
                if now.duration_since(*at) >= fresh_for && !another_reads {
                    kept.reading
                        .insert(team.clone(), Reading::in_background(now));
                    self.read_in_background(team.clone(), now, forgotten);
                }
                return Ok(tied);
            }
            // Nothing kept: this request reads. One another is reading for
            // reads too, and keeps nothing.
            if !another_reads {
                kept.reading.insert(team.clone(), Reading::since(now));
            }
            (forgotten, !another_reads)
        };
        let read = self.read_teams_tied_to(team).await;
        match mine {
            true => self.keep_read(team, now, forgotten, read),
            false => read,
        }
    }

    /// Reads `team`'s answer again in a task of its own, after any other
    /// such read of this replica, and keeps it as [`PgStore::keep_read`]
    /// does.
    fn read_in_background(&self, team: TeamId, since: Instant, forgotten: u64) {
        let store = self.clone();
        tokio::spawn(async move {
            // The semaphore is never closed.
            let Ok(_one_at_a_time) = store.team_ties.background.acquire().await else {
                return;
            };
            // Never cancelled with a request, so bounded here: a read that
            // hangs would hold every other team's turn.
            let read = tokio::time::timeout(ONE_READ_AT_MOST, store.read_teams_tied_to(&team))
                .await
                .unwrap_or_else(|_| {
                    Err(StoreError::Database {
                        place: store.place.clone(),
                        problem: "a read of the teams tied to a team took too long".into(),
                    })
                });
            if let Err(error) = store.keep_read(&team, since, forgotten, read) {
                tracing::debug!(%error, "could not read again which teams a team is tied to");
            }
        });
    }

    /// Ends the read of `team` begun at `since`, when the people had been
    /// forgotten `forgotten` times: joins to what it read the ties this
    /// replica formed meanwhile, and keeps that unless the people changed
    /// since or another took the read over, thinking this one gone.
    fn keep_read(
        &self,
        team: &TeamId,
        since: Instant,
        forgotten: u64,
        read: Result<BTreeSet<TeamId>, StoreError>,
    ) -> Result<BTreeSet<TeamId>, StoreError> {
        let mut kept = self.team_ties.kept.lock();
        let reading = match kept.reading.entry(team.clone()) {
            Entry::Occupied(entry) if entry.get().since == since => Some(entry.remove()),
            _ => None,
        };
        let mut tied = read?;
        if let Some(reading) = reading {
            tied.extend(reading.learned);
            if kept.forgotten == forgotten {
                kept.answers.insert(team.clone(), (since, tied.clone()));
            }
        }
        Ok(tied)
    }

    /// Adds what the ties this replica just formed and committed, `logged`,
    /// tell of which teams are tied to the answers it keeps and the reads
    /// under way. When the people cannot be read, the answers are
    /// forgotten instead: the write stands either way.
    pub(super) async fn learn_team_ties(&self, logged: &[Option<Logged>]) {
        if let Err(error) = self.add_team_ties(logged).await {
            tracing::warn!(%error, "could not note the teams newly tied; reading them again");
            self.forget_team_ties();
        }
    }

    async fn add_team_ties(&self, logged: &[Option<Logged>]) -> Result<(), StoreError> {
        let pairs: Vec<&PairKey> = logged.iter().flatten().flat_map(|l| &l.new_ties).collect();
        let nothing_kept = {
            let kept = self.team_ties.kept.lock();
            kept.answers.is_empty() && kept.reading.is_empty()
        };
        if pairs.is_empty() || nothing_kept {
            return Ok(());
        }
        let team_of = self.teams_of(&pairs).await?;
        let team_pairs: Vec<(TeamId, TeamId)> = pairs
            .iter()
            .filter_map(|pair| {
                let a = team_of.get(pair.low().as_str())?;
                let b = team_of.get(pair.high().as_str())?;
                Some((a.clone(), b.clone()))
            })
            .collect();
        self.team_ties.learn(&team_pairs);
        Ok(())
    }

    /// The teams of the people in `pairs`, by id: from the people this
    /// replica keeps, and the others' from the database.
    async fn teams_of(&self, pairs: &[&PairKey]) -> Result<HashMap<String, TeamId>, StoreError> {
        let mut team_of = HashMap::new();
        let mut unkept: Vec<&str> = Vec::new();
        for id in pairs.iter().flat_map(|pair| [pair.low(), pair.high()]) {
            match self.kept_people.kept(id) {
                Kept::Person(person) => {
                    team_of.extend(person.team.clone().map(|team| (id.to_string(), team)));
                }
                Kept::Missing { .. } => unkept.push(id.as_str()),
            }
        }
        if unkept.is_empty() {
            return Ok(team_of);
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, person->>'team' FROM people WHERE id = ANY($1)",
                &[&unkept],
            )
            .await
            .map_err(|e| self.failed(e))?;
        team_of.extend(rows.iter().filter_map(|row| {
            let team = TeamId::parse(row.get::<_, Option<&str>>(1)?).ok()?;
            Some((row.get(0), team))
        }));
        Ok(team_of)
    }

    /// Forgets every answer kept, and keeps none read before: people
    /// changed teams, or ties went.
    pub(super) fn forget_team_ties(&self) {
        self.team_ties.forget();
    }

    /// [`PgStore::teams_tied_to`], from the database.
    async fn read_teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "WITH members AS (SELECT id FROM people WHERE person->>'team' = $1) \
                 SELECT DISTINCT p.person->>'team' AS team FROM ties t \
                 JOIN people p ON p.id = t.high WHERE t.low IN (SELECT id FROM members) \
                 UNION \
                 SELECT DISTINCT p.person->>'team' FROM ties t \
                 JOIN people p ON p.id = t.low WHERE t.high IN (SELECT id FROM members)",
                &[&team.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows
            .iter()
            .filter_map(|row| row.get::<_, Option<&str>>("team"))
            .filter_map(|name| TeamId::parse(name).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Person;
    use crate::store::fixtures::{
        at_minute, meeting, person_in, pg_replicas, three_teams, until, user,
    };

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    /// Ada met Bob, in a store that hears nothing from the database: what
    /// the tests keep changes only as they change it, not as a
    /// notification happens to arrive.
    async fn ada_met_bob() -> Option<PgStore> {
        let url = crate::store::fixtures::pg_cluster()?
            .create_database()
            .unwrap();
        let pg = PgStore::pool_for(&url, crate::domain::HalfLife::DEFAULT).unwrap();
        pg.migrate().await.unwrap();
        pg.put_people(&three_teams()).await.unwrap();
        pg.log_once_and_commit("k1", None, &meeting(at_minute(1), &["UADA", "UBOB"], None))
            .await
            .unwrap();
        Some(pg)
    }

    /// Keeps `tied` as Payments' answer, read long ago, and a read of it
    /// under way since `reading_since`.
    fn keep_old(pg: &PgStore, tied: &[&str], reading_since: Option<Instant>) {
        let mut kept = pg.team_ties.kept.lock();
        let long_ago = Instant::now() - FRESH_HEARD - Duration::from_secs(1);
        let tied = tied.iter().map(|name| team(name)).collect();
        kept.answers.insert(team("Payments"), (long_ago, tied));
        kept.reading.clear();
        if let Some(since) = reading_since {
            kept.reading.insert(team("Payments"), Reading::since(since));
        }
    }

    /// Payments' answer as kept once no read of it is under way.
    async fn kept_when_read(pg: &PgStore) -> Option<BTreeSet<TeamId>> {
        until("the read never ended", async || {
            pg.team_ties.kept.lock().reading.is_empty()
        })
        .await;
        let kept = pg.team_ties.kept.lock();
        kept.answers.get(&team("Payments")).map(|(_, t)| t.clone())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_old_answer_is_given_while_it_is_read_again_in_the_background() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        // An answer from before Ada met Bob, grown old, being read again
        // since a moment ago: requests answer from it.
        keep_old(&pg, &[], Some(Instant::now()));
        let payments = team("Payments");
        assert!(pg.teams_tied_to(&payments).await.unwrap().is_empty());
        // A read begun too long ago is taken for cancelled: the next
        // request still answers from the old answer, and starts a read of
        // its own, which keeps what it read.
        keep_old(&pg, &[], Some(Instant::now() - ONE_READ_AT_MOST));
        assert!(pg.teams_tied_to(&payments).await.unwrap().is_empty());
        let tied: BTreeSet<TeamId> = [team("Search")].into();
        assert_eq!(kept_when_read(&pg).await, Some(tied.clone()));
        assert_eq!(pg.teams_tied_to(&payments).await.unwrap(), tied);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tie_formed_here_during_a_read_joins_what_the_read_keeps() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        keep_old(&pg, &["Search"], None);
        // A read of Payments again, held up by a lock on the ties.
        let mut holder = pg.client().await.unwrap();
        let lock = holder.transaction().await.unwrap();
        lock.batch_execute("LOCK TABLE ties IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        let payments = team("Payments");
        assert_eq!(
            pg.teams_tied_to(&payments).await.unwrap(),
            [team("Search")].into()
        );
        assert!(!pg.team_ties.kept.lock().reading.is_empty());
        // Meanwhile this replica commits Ada's first meeting with Cy, of
        // Legal, and learns of it.
        let ada_cy = PairKey::new(&user("UADA"), &user("UCY")).unwrap();
        let logged = Logged {
            id: 2,
            new_ties: vec![ada_cy],
        };
        pg.learn_team_ties(&[Some(logged)]).await;
        lock.rollback().await.unwrap();
        // The read saw no such tie, but what it keeps has it.
        let both: BTreeSet<TeamId> = [team("Legal"), team("Search")].into();
        assert_eq!(kept_when_read(&pg).await, Some(both.clone()));
        assert_eq!(pg.teams_tied_to(&payments).await.unwrap(), both);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_begun_before_the_people_changed_is_not_kept() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        keep_old(&pg, &[], None);
        let payments = team("Payments");
        assert!(pg.teams_tied_to(&payments).await.unwrap().is_empty());
        // The people change while the read is under way.
        pg.forget_team_ties();
        assert_eq!(
            kept_when_read(&pg).await,
            None,
            "a read from before the change was kept"
        );
        // A request now reads, and keeps.
        let tied: BTreeSet<TeamId> = [team("Search")].into();
        assert_eq!(pg.teams_tied_to(&payments).await.unwrap(), tied);
        assert_eq!(kept_when_read(&pg).await, Some(tied));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replica_hears_of_the_bridges_another_forms_and_of_moves() {
        let Some((a, b)) = pg_replicas().await else {
            return;
        };
        a.put_people(&[person_in("UADA", "Payments"), person_in("UBOB", "Search")])
            .await
            .unwrap();
        let payments = team("Payments");
        let tied_to_payments = async |what: &str, wanted: &[&str]| {
            let wanted: BTreeSet<TeamId> = wanted.iter().map(|name| team(name)).collect();
            until(what, async || {
                b.teams_tied_to(&payments).await.unwrap() == wanted
            })
            .await;
        };
        tied_to_payments("B never saw Payments untied", &[]).await;
        until("B never listened", async || b.kept_people.is_listening()).await;
        // B keeps its answer: Payments is tied to no one.
        tied_to_payments("B never kept its answer", &[]).await;
        assert!(b.team_ties.kept.lock().answers.contains_key(&payments));
        // Ada and Bob meet on A: B hears of the bridge, and does not call
        // it a first one again, though its answer was still fresh.
        a.log_once_and_commit("k1", None, &meeting(at_minute(1), &["UADA", "UBOB"], None))
            .await
            .unwrap();
        tied_to_payments("B never heard of Payments' tie with Search", &["Search"]).await;
        // Bob moves to Legal on A: B forgets and reads again.
        a.put_person(&person_in("UBOB", "Legal")).await.unwrap();
        tied_to_payments("B never heard that Bob moved", &["Legal"]).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ties_too_many_to_tell_in_a_notification_make_every_replica_read_again() {
        let Some((a, b)) = pg_replicas().await else {
            return;
        };
        // Two hundred people, each alone in a team of their own.
        let people: Vec<Person> = (0..200)
            .map(|n| Person {
                team: Some(team(&format!("Team number {n:03}"))),
                ..Person::new(user(&format!("U{n:07}")), "someone")
            })
            .collect();
        a.put_people(&people).await.unwrap();
        let first = team("Team number 000");
        until("B never kept an answer", async || {
            b.kept_people.is_listening()
                && b.teams_tied_to(&first).await.unwrap().is_empty()
                && b.team_ties.kept.lock().answers.contains_key(&first)
        })
        .await;
        // One write ties them in a ring: two hundred pairs of teams, more
        // than a notification can name. It lands all the same, and B,
        // told only that ties formed, forgets what it kept.
        let ring: Vec<crate::domain::Interaction> = (0..200)
            .map(|n| {
                let pair = [format!("U{n:07}"), format!("U{:07}", (n + 1) % 200)];
                meeting(at_minute(1), &[pair[0].as_str(), pair[1].as_str()], None)
            })
            .collect();
        assert_eq!(a.log_interactions(&ring).await.unwrap(), 200);
        until("B kept its answer", async || {
            !b.team_ties.kept.lock().answers.contains_key(&first)
        })
        .await;
        let tied: BTreeSet<TeamId> = [team("Team number 001"), team("Team number 199")].into();
        assert_eq!(b.teams_tied_to(&first).await.unwrap(), tied);
    }
}
