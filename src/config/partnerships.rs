//! `[[partnerships]]`: the key partnerships, two teams each that must stay
//! joined, read into the domain's [`Partnership`].
//!
//! ```toml
//! [[partnerships]]
//! teams = ["Engineering", "Product"]
//! cadence_days = 14
//! binds = "leads"
//! ```
//!
//! Each value is checked as it is read, so a mistake is reported with its
//! place (`partnerships[0].teams`) and an example.

use crate::domain::{Binds, Partnership, TeamId, checked};
use serde::Deserialize;

/// One `[[partnerships]]` table, checked: the rest of the bot reads the
/// [`Partnership`] in it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "PartnershipTable")]
pub(super) struct PartnershipSetting(pub(super) Partnership);

/// A table as written: each field checked by its type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnershipTable {
    teams: TwoTeams,
    #[serde(default)]
    cadence_days: CadenceDays,
    #[serde(default)]
    binds: Binds,
}

impl TryFrom<PartnershipTable> for PartnershipSetting {
    type Error = &'static str;

    /// The two teams differ and the cadence is at least a day, as their
    /// types checked when they were read; the domain says so once more.
    fn try_from(table: PartnershipTable) -> Result<Self, Self::Error> {
        let TwoTeams(first, second) = table.teams;
        Partnership::new(first, second, table.cadence_days.0, table.binds)
            .map(Self)
            .ok_or("must join two different teams at a cadence of at least 1 day, e.g. teams = [\"Engineering\", \"Product\"]")
    }
}

/// Two different team names, not blank.
#[derive(Deserialize)]
#[serde(try_from = "Vec<String>")]
struct TwoTeams(TeamId, TeamId);

/// What the messages show as a correct value.
const TEAMS_EXAMPLE: &str = "e.g. teams = [\"Engineering\", \"Product\"]";

impl TryFrom<Vec<String>> for TwoTeams {
    type Error = String;

    fn try_from(names: Vec<String>) -> Result<Self, Self::Error> {
        let [first, second] = <[String; 2]>::try_from(names).map_err(|names| {
            format!(
                "names {} teams; a partnership joins exactly two, {TEAMS_EXAMPLE}",
                names.len()
            )
        })?;
        let team = |name: &str| {
            TeamId::parse(name).map_err(|_| {
                format!(
                    "has a blank or unusable team name {name:?}; name two teams, {TEAMS_EXAMPLE}"
                )
            })
        };
        let (first, second) = (team(&first)?, team(&second)?);
        if first == second {
            return Err(format!(
                "names {first} twice; a partnership joins two different teams, {TEAMS_EXAMPLE}"
            ));
        }
        Ok(Self(first, second))
    }
}

checked! {
    /// A partnership's cadence: at least a day.
    pub struct CadenceDays(u32) if |days| days >= 1;
    else "must be at least 1 day, e.g. cadence_days = 14"
}

impl Default for CadenceDays {
    fn default() -> Self {
        Self(Partnership::DEFAULT_CADENCE_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct File {
        partnerships: Vec<PartnershipSetting>,
    }

    fn read(toml: &str) -> Result<Vec<Partnership>, String> {
        crate::config::errors::parse_toml::<File>(toml)
            .map(|file| file.partnerships.into_iter().map(|p| p.0).collect())
    }

    #[test]
    fn a_partnership_needs_only_its_two_teams() {
        let read = read("[[partnerships]]\nteams = [\"Engineering\", \"Product\"]\n").unwrap();
        let engineering = TeamId::parse("Engineering").unwrap();
        let product = TeamId::parse("Product").unwrap();
        assert_eq!(
            read,
            [Partnership::new(engineering, product, 14, Binds::Leads).unwrap()]
        );
        let everyone = self::read(
            "[[partnerships]]\nteams = [\"Sales\", \"Legal\"]\ncadence_days = 30\nbinds = \"everyone\"\n",
        )
        .unwrap();
        assert_eq!(everyone[0].cadence_days(), 30);
        assert_eq!(everyone[0].binds(), Binds::Everyone);
    }

    #[test]
    fn the_example_config_s_partnership_loads_once_uncommented() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/alliances.example.toml");
        let example = std::fs::read_to_string(path).unwrap();
        let table = &example[example.find("# [[partnerships]]").unwrap()..];
        let uncommented: String = table
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| line.starts_with("[[") || line.contains(" = "))
            .map(|line| format!("{line}\n"))
            .collect();
        let read = read(&uncommented).unwrap();
        assert_eq!(read.len(), 1, "{uncommented}");
        assert_eq!(read[0].name(), "Engineering ↔ Product");
        assert_eq!(read[0].cadence_days(), Partnership::DEFAULT_CADENCE_DAYS);
    }

    #[test]
    fn each_mistake_names_its_setting_and_shows_a_correct_value() {
        for (toml, setting, says) in [
            (
                "teams = [\"Product\", \"Product\"]",
                "partnerships[0].teams",
                "names Product twice",
            ),
            (
                "teams = [\"Product\", \" \"]",
                "partnerships[0].teams",
                "blank",
            ),
            (
                "teams = [\"Product\"]",
                "partnerships[0].teams",
                "names 1 teams",
            ),
            (
                "teams = [\"Sales\", \"Legal\"]\ncadence_days = 0",
                "partnerships[0].cadence_days",
                "cadence_days = 14",
            ),
            (
                "teams = [\"Sales\", \"Legal\"]\nbinds = \"all\"",
                "partnerships[0].binds",
                "`leads`",
            ),
            (
                "team = [\"Sales\", \"Legal\"]",
                "partnerships[0].team",
                "unknown field",
            ),
        ] {
            let err = read(&format!("[[partnerships]]\n{toml}\n")).unwrap_err();
            assert!(err.contains(&format!("setting `{setting}`")), "{err}");
            assert!(err.contains(says), "{err}");
            if setting.ends_with("teams") {
                assert!(err.contains(TEAMS_EXAMPLE), "{err}");
            }
        }
    }
}
