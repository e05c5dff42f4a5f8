//! Team names as people type them after `/alliances allies`: matched to the
//! workspace's teams without regard to case, a name of several words
//! included (`customer success`), and a mistyped one answered with the
//! closest team, as a mistyped subcommand is (see `suggestion`).
//!
//! Pure: the handler hands in the teams the workspace has.

use super::suggestion::closest_of;
use crate::domain::TeamId;

/// Nobody's initiative needs more teams than this at once; a longer list is
/// likely a paste, and would make a reply too long to read.
pub const MAX_TEAMS_ASKED: usize = 8;

/// Why typed team names could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamNamesError {
    /// No team was named.
    Missing,
    /// A word (or words) that is no team of the workspace, as typed, with
    /// the closest team if one is close.
    Unknown {
        /// The word as typed.
        typed: String,
        /// The team it was probably meant to be.
        suggestion: Option<TeamId>,
    },
    /// More teams than [`MAX_TEAMS_ASKED`].
    TooMany,
}

/// The teams of `known` named in `typed`, in the order typed, each once.
/// A team whose name has several words is matched by its longest run of
/// words first, so `Customer Success Sales` reads as two teams when the
/// workspace has both. Slack's escapes of `&`, `<` and `>` are read back.
///
/// A run is never longer than the longest team name, in words: typed text
/// of any length (Slack allows 4,000 characters) is read in time linear in
/// its words, not cubic.
pub fn read_team_names(typed: &str, known: &[TeamId]) -> Result<Vec<TeamId>, TeamNamesError> {
    let typed = typed
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let words: Vec<&str> = typed.split_whitespace().collect();
    if words.is_empty() {
        return Err(TeamNamesError::Missing);
    }
    let lowered: Vec<(String, &TeamId)> = known
        .iter()
        .map(|team| (spaced_lowercase(team.as_str()), team))
        .collect();
    let longest = lowered
        .iter()
        .map(|(name, _)| name.split(' ').count())
        .max()
        .unwrap_or(1);
    let mut teams: Vec<TeamId> = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let last = words.len().min(at + longest);
        let found = (at + 1..=last).rev().find_map(|end| {
            let phrase = words[at..end].join(" ").to_lowercase();
            lowered
                .iter()
                .find(|(name, _)| *name == phrase)
                .map(|(_, team)| (end, *team))
        });
        let Some((end, team)) = found else {
            let names: Vec<&str> = known.iter().map(TeamId::as_str).collect();
            // The suggestion looks at the next word only.
            let next = words.get(at + 1).copied().unwrap_or_default();
            let suggestion = closest_of(words[at], &format!(" {next}"), &names)
                .and_then(|name| known.iter().find(|team| team.as_str() == name))
                .cloned();
            return Err(TeamNamesError::Unknown {
                typed: words[at].to_owned(),
                suggestion,
            });
        };
        if !teams.contains(team) {
            teams.push(team.clone());
        }
        at = end;
    }
    if teams.len() > MAX_TEAMS_ASKED {
        return Err(TeamNamesError::TooMany);
    }
    Ok(teams)
}

/// A name in lower case with its words one space apart, as typed words are
/// joined.
fn spaced_lowercase(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn teams(names: &[&str]) -> Vec<TeamId> {
        names.iter().map(|n| TeamId::parse(n).unwrap()).collect()
    }

    fn known() -> Vec<TeamId> {
        teams(&["Sales", "Marketing", "Customer Success", "R&D", "Customer"])
    }

    #[test]
    fn teams_are_matched_in_any_case_each_once_in_the_order_typed() {
        assert_eq!(
            read_team_names("marketing SALES Sales", &known()),
            Ok(teams(&["Marketing", "Sales"]))
        );
    }

    #[test]
    fn a_name_of_several_words_is_matched_before_a_shorter_one() {
        assert_eq!(
            read_team_names("customer  success sales", &known()),
            Ok(teams(&["Customer Success", "Sales"]))
        );
        assert_eq!(
            read_team_names("Customer Sales", &known()),
            Ok(teams(&["Customer", "Sales"]))
        );
    }

    #[test]
    fn slack_s_escapes_are_read_back() {
        assert_eq!(read_team_names("r&amp;d", &known()), Ok(teams(&["R&D"])));
    }

    #[test]
    fn a_mistyped_team_suggests_the_closest_one() {
        assert_eq!(
            read_team_names("Sales Marketng", &known()),
            Err(TeamNamesError::Unknown {
                typed: "Marketng".into(),
                suggestion: Some(TeamId::parse("Marketing").unwrap()),
            })
        );
        assert_eq!(
            read_team_names("Bananas", &known()),
            Err(TeamNamesError::Unknown {
                typed: "Bananas".into(),
                suggestion: None,
            })
        );
        assert_eq!(
            read_team_names("  ", &known()),
            Err(TeamNamesError::Missing)
        );
    }

    #[test]
    fn too_many_teams_at_once_are_refused() {
        let many: Vec<String> = (0..=MAX_TEAMS_ASKED).map(|i| format!("T{i}")).collect();
        let known: Vec<TeamId> = many.iter().map(|n| TeamId::parse(n).unwrap()).collect();
        assert_eq!(
            read_team_names(&many.join(" "), &known),
            Err(TeamNamesError::TooMany)
        );
    }

    #[test]
    fn a_very_long_list_of_short_words_is_read_without_delay() {
        // The longest text Slack sends: 4,000 characters of two-letter words.
        let known = teams(&["Ux", "Customer Success"]);
        let typed = "ux ".repeat(4_000 / 3);
        assert_eq!(read_team_names(&typed, &known), Ok(teams(&["Ux"])));
        let mistyped = format!("{typed} uz");
        assert_eq!(
            read_team_names(&mistyped, &known),
            Err(TeamNamesError::Unknown {
                typed: "uz".into(),
                suggestion: Some(TeamId::parse("Ux").unwrap()),
            })
        );
    }

    proptest! {
        /// Whatever is typed, every team read is a known one, and a known
        /// team's own name, in any case, reads as that team.
        #[test]
        fn only_known_teams_are_read(typed in "[a-zA-Z& ]{0,40}", pick in 0_usize..5) {
            let known = known();
            if let Ok(read) = read_team_names(&typed, &known) {
                prop_assert!(read.iter().all(|team| known.contains(team)));
            }
            let name = known[pick].as_str().to_uppercase();
            prop_assert_eq!(read_team_names(&name, &known), Ok(vec![known[pick].clone()]));
        }
    }
}
