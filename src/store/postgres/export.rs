//! A person's own data from the PostgreSQL store, for `/alliances export`:
//! what the sled store's `export_person` gathers, from the same tables a
//! forget empties, found through their indexes rather than by scans, and
//! reduced by the same `Names`.

use super::super::export::Names;
use super::super::{NudgeAbout, NudgeReceived, PersonExport, StoreError};
use super::{PgStore, decoded};
use crate::domain::{Interaction, SentNudge, UserId};

impl PgStore {
    /// Everything the store holds about `id` that is theirs (see the sled
    /// store's `export_person`).
    pub async fn export_person(&self, id: &UserId) -> Result<PersonExport, StoreError> {
        let names = Names::for_person(id, self.people().await?);
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, interaction FROM interactions \
                 WHERE interaction -> 'participants' ? $1 OR interaction ->> 'logged_by' = $1 \
                 ORDER BY id",
                &[&id.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let interactions = rows
            .iter()
            .map(|row| {
                decoded::<Interaction>(row, "interaction", "interactions", || {
                    row.get::<_, i64>("id").to_string()
                })
                .map(|interaction| names.interaction(interaction))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rows = client
            .query(
                "SELECT to_id, about, nudge FROM nudges WHERE to_id = $1 OR about = $1 \
                 ORDER BY at_ns, to_id COLLATE \"C\", about COLLATE \"C\"",
                &[&id.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let (mut nudges_received, mut nudges_about) = (Vec::new(), Vec::new());
        for row in &rows {
            let nudge: SentNudge = decoded(row, "nudge", "nudges", || {
                format!(
                    "to {} about {}",
                    row.get::<_, &str>("to_id"),
                    row.get::<_, &str>("about")
                )
            })?;
            if &nudge.to == id {
                nudges_received.push(NudgeReceived::of(nudge, &names));
            } else {
                nudges_about.push(NudgeAbout::of(&nudge));
            }
        }
        drop(client);
        let (ties, unnamed_ties) = names.ties(self.ties_of(id).await?);
        Ok(PersonExport {
            person: self.person(id).await?,
            interactions,
            ties,
            unnamed_ties,
            nudges_received,
            nudges_about,
            circles: self
                .circles()
                .await?
                .into_iter()
                .filter(|circle| circle.has_member(id))
                .map(|circle| names.circle(circle))
                .collect(),
            calendar: self.calendar(id).await?,
        })
    }
}
