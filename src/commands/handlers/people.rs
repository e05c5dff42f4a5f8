//! Resolving the people named in a command to people the bot knows.

use super::{HandlerError, user_error};
use crate::commands::Mention;
use crate::domain::{Person, UserId};
use crate::store::Store;
use std::collections::HashMap;

/// Names compare without case, spaces, dots, dashes or underscores, so that
/// `@alice.moreau`, `@AliceMoreau` and "Alice Moreau" are one person.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The person a mention names. Escaped mentions carry the id; a plain
/// `@name` is looked up among the people the bot knows.
pub async fn resolve(
    store: &Store,
    mention: &Mention,
    example: &str,
) -> Result<Person, HandlerError> {
    Resolver::new(store).resolve(mention, example).await
}

/// Resolves the mentions of one command. Escaped mentions are point reads;
/// the first plain `@name` reads the store's people once into an index by
/// folded name, which every later name of the command uses, so a command
/// naming ten people by name costs one scan, not ten.
pub struct Resolver<'a> {
    store: &'a Store,
    /// Active people by folded name, once a name was asked for.
    by_name: Option<HashMap<String, Vec<Person>>>,
}

impl<'a> Resolver<'a> {
    /// A resolver over `store`'s people.
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            by_name: None,
        }
    }

    /// The person `mention` names; `example` goes with the sentence for a
    /// name nobody has, or many have.
    pub async fn resolve(
        &mut self,
        mention: &Mention,
        example: &str,
    ) -> Result<Person, HandlerError> {
        match mention {
            Mention::Id(id) => known(self.store, id, example).await,
            Mention::Name(name) => {
                let index = match &mut self.by_name {
                    Some(index) => index,
                    None => self.by_name.insert(index_by_name(self.store).await?),
                };
                match index.get(&folded(name)).map(Vec::as_slice) {
                    Some([one]) => Ok(one.clone()),
                    None | Some([]) => Err(user_error(
                        format!(
                            "I don't know anyone called @{name} in this workspace. Pick them from Slack's @ menu so the name is linked."
                        ),
                        example,
                    )),
                    Some(many) => Err(user_error(
                        format!(
                            "{} people are called @{name}. Pick the right one from Slack's @ menu.",
                            many.len()
                        ),
                        example,
                    )),
                }
            }
        }
    }
}

/// The people who have not left, by folded name.
async fn index_by_name(store: &Store) -> Result<HashMap<String, Vec<Person>>, HandlerError> {
    let mut index: HashMap<String, Vec<Person>> = HashMap::new();
    for person in store.people().await?.into_iter().filter(|p| !p.deactivated) {
        index.entry(folded(&person.name)).or_default().push(person);
    }
    Ok(index)
}

async fn known(store: &Store, id: &UserId, example: &str) -> Result<Person, HandlerError> {
    store.person(id).await?.ok_or_else(|| {
        user_error(
            format!("I don't know <@{id}> yet: they may have just joined, or be a bot. Try again tomorrow, after my daily look at the workspace."),
            example,
        )
    })
}

/// Whether others may log a meeting with `person`: not with someone who
/// left, nor with someone who opted out (who is never logged by others).
/// The refusal reads the same for both, so that it does not tell who opted
/// out.
pub fn may_be_logged_with(person: &Person, example: &str) -> Result<(), HandlerError> {
    if !person.reachable() {
        return Err(user_error(
            format!(
                "I can't log meetings with that person (<@{}>), so nothing was logged. Log it again without them.",
                person.id
            ),
            example,
        ));
    }
    Ok(())
}
