//! A person's own data, gathered from every tree that names people, for
//! `/alliances export`: the counterpart of [`Store::forget_person`], and
//! looking in the same places.

use super::{Store, StoreError, trees};
use crate::domain::{Interaction, Person, SentNudge, Tie, UserId};
use serde::Serialize;

/// Everything the store holds about one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonExport {
    /// Their record, if they are known.
    pub person: Option<Person>,
    /// Every interaction they took part in or logged, in log order.
    pub interactions: Vec<Interaction>,
    /// Every tie of a pair they are in, sorted by pair.
    pub ties: Vec<Tie>,
    /// The nudges they received, oldest first.
    pub nudges_received: Vec<SentNudge>,
    /// The nudges others received about them, oldest first.
    pub nudges_about: Vec<SentNudge>,
}

impl Store {
    /// Everything the store holds about `id`. Scans the log, the ties and
    /// the nudges: a cold scan of a million entries took 0.8 s (see
    /// DESIGN.md), so a large workspace's history is a second or two of
    /// reading and decoding, fine for a command someone runs once in a while.
    ///
    /// Others' `paused` sets that name them are left out: that someone
    /// asked not to be nudged about them is the other person's choice, and
    /// their data.
    pub fn export_person(&self, id: &UserId) -> Result<PersonExport, StoreError> {
        let mut interactions = Vec::new();
        for entry in self.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction: Interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            if involves(&interaction, id) {
                interactions.push(interaction);
            }
        }
        let (mut nudges_received, mut nudges_about) = (Vec::new(), Vec::new());
        for entry in self.nudges.iter() {
            let (key, bytes) = entry?;
            let nudge: SentNudge = self.decode(trees::NUDGES, &key, &bytes)?;
            if &nudge.to == id {
                nudges_received.push(nudge);
            } else if &nudge.about == id {
                nudges_about.push(nudge);
            }
        }
        Ok(PersonExport {
            person: self.person(id)?,
            interactions,
            ties: self.ties_of(id)?,
            nudges_received,
            nudges_about,
        })
    }
}

/// Whether `id` took part in `interaction` or logged it.
pub(super) fn involves(interaction: &Interaction, id: &UserId) -> bool {
    interaction.participants.contains(id) || interaction.logged_by.as_ref() == Some(id)
}

#[cfg(test)]
mod tests {
    use crate::domain::{Interaction, InteractionKind};
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, sent, user};

    #[test]
    fn an_export_holds_exactly_the_records_of_its_person() {
        let (_dir, store) = open_temp();
        let mut ada = person("UADA", "Ada", Some("Payments"));
        ada.paused.insert(user("UBOB"));
        store
            .put_people(&[ada.clone(), person("UBOB", "Bob", None)])
            .unwrap();
        let with_bob = meeting(at_minute(0), &["UADA", "UBOB"], Some("coffee"));
        let without_her = meeting(at_minute(1), &["UBOB", "UCY"], None);
        let group = meeting(at_minute(2), &["UCY", "UADA", "UDEE"], None);
        // Logged by her for two others: her words, so hers to see.
        let for_others = Interaction::new(
            at_minute(3),
            InteractionKind::Meeting,
            [user("UBOB"), user("UDEE")],
            Some(user("UADA")),
            Some("intro".into()),
        )
        .unwrap();
        for interaction in [&with_bob, &without_her, &group, &for_others] {
            store.log_interaction(interaction).unwrap();
        }
        let (to_her, about_her, neither) = (
            sent("UADA", "UCY", 10),
            sent("UBOB", "UADA", 11),
            sent("UBOB", "UCY", 12),
        );
        for nudge in [&to_her, &about_her, &neither] {
            store.record_nudge_sent(nudge).unwrap();
        }

        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(export.person, Some(ada));
        assert_eq!(export.interactions, [with_bob, group, for_others]);
        let pairs: Vec<String> = export
            .ties
            .iter()
            .map(|tie| format!("{}-{}", tie.pair.low(), tie.pair.high()))
            .collect();
        assert_eq!(pairs, ["UADA-UBOB", "UADA-UCY", "UADA-UDEE"]);
        assert_eq!(export.ties, store.ties_of(&user("UADA")).unwrap());
        assert_eq!(export.nudges_received, [to_her]);
        assert_eq!(export.nudges_about, [about_her]);

        let json = serde_json::to_value(&export).unwrap();
        assert_eq!(json["interactions"][0]["note"], "coffee");
    }

    #[test]
    fn the_export_of_someone_unknown_is_empty() {
        let (_dir, store) = open_temp();
        store
            .log_interaction(&meeting(at_minute(0), &["UBOB", "UCY"], None))
            .unwrap();
        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(export.person, None);
        assert!(export.interactions.is_empty() && export.ties.is_empty());
        assert!(export.nudges_received.is_empty() && export.nudges_about.is_empty());
    }
}
