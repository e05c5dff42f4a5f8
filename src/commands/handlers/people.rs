//! Resolving the people named in a command to people the bot knows.

use super::{HandlerError, user_error};
use crate::commands::Mention;
use crate::domain::{Person, UserId};
use crate::store::Store;

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
pub fn resolve(store: &Store, mention: &Mention, example: &str) -> Result<Person, HandlerError> {
    match mention {
        Mention::Id(id) => known(store, id, example),
        Mention::Name(name) => {
            let wanted = folded(name);
            let mut matches: Vec<Person> = store
                .people()?
                .into_iter()
                .filter(|p| !p.deactivated && folded(&p.name) == wanted)
                .collect();
            match matches.len() {
                1 => Ok(matches.remove(0)),
                0 => Err(user_error(
                    format!(
                        "I don't know anyone called @{name} in this workspace. Pick them from Slack's @ menu so the name is linked."
                    ),
                    example,
                )),
                n => Err(user_error(
                    format!(
                        "{n} people are called @{name}. Pick the right one from Slack's @ menu."
                    ),
                    example,
                )),
            }
        }
    }
}

fn known(store: &Store, id: &UserId, example: &str) -> Result<Person, HandlerError> {
    store.person(id)?.ok_or_else(|| {
        user_error(
            format!("I don't know <@{id}> yet: they may have just joined, or be a bot. Try again tomorrow, after my daily look at the workspace."),
            example,
        )
    })
}
