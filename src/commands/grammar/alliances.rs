//! `/alliances <sub>`: everything but logging a meeting.
//!
//! The first word picks the subcommand, in any case. An unknown word is not
//! an error but a request for help, with the closest subcommand suggested,
//! because someone who mistyped wants the right command, not a scolding.
//! Subcommands that take nothing refuse extra words: `forget-me @bob` must
//! never quietly forget the person who typed it.

use super::mention::{ChannelRef, Mention, read_channel, read_mention};
use super::snooze::{SnoozeSpan, read_snooze};
use super::suggestion::closest_subcommand;
use super::{SlashText, read_note, split_first_word};
use crate::commands::UserError;

/// Every subcommand's first word, in the order help lists them; suggestions
/// for a mistyped word are taken from here.
pub(super) const SUBCOMMANDS: [&str; 17] = [
    "help",
    "status",
    "snooze",
    "pause",
    "unpause",
    "optout",
    "optin",
    "shoutouts",
    "export",
    "forget-me",
    "intro",
    "stats",
    "allies",
    "team",
    "calendar",
    "digest",
    "tick",
];

/// What a slash command is, in a word or two, for counting: "met",
/// "alliances status", "alliances help" (for no or an unknown word), or
/// "other". Bounded, whatever people type.
pub fn command_kind(command: &str, text: &str) -> String {
    match command {
        "/met" => "met".to_owned(),
        "/alliances" => {
            let word = text
                .split_whitespace()
                .next()
                .unwrap_or("help")
                .to_lowercase();
            let known = SUBCOMMANDS.iter().find(|s| **s == word).unwrap_or(&"help");
            format!("alliances {known}")
        }
        _ => "other".to_owned(),
    }
}

/// `/alliances <sub>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlliancesRequest {
    /// No argument, `help`, or an unknown word: then `unknown` is the word
    /// as typed and `suggestion` the closest subcommand, if one is close.
    Help {
        /// The word that was not a subcommand.
        unknown: Option<String>,
        /// The subcommand it was probably meant to be.
        suggestion: Option<&'static str>,
    },
    /// `status`: your alliances, overdue first.
    Status,
    /// `snooze 2w`: no nudges for a while.
    Snooze(SnoozeSpan),
    /// `snooze off`: nudges again.
    SnoozeOff,
    /// `pause @bob`: never nudge me about Bob.
    Pause(Mention),
    /// `unpause @bob`: nudges about Bob again.
    Unpause(Mention),
    /// `optout`: no nudges, and left out of digests.
    OptOut,
    /// `optin`: back in.
    OptIn,
    /// `shoutouts on` / `shoutouts off`: whether the digest may thank you by
    /// name as one of the people who built the most new alliances.
    Shoutouts {
        /// `on`: yes, name me; `off`: leave me out of the shout-outs.
        on: bool,
    },
    /// `export`: your data as JSON.
    Export,
    /// `forget-me`: delete everything about you, after a confirm button.
    ForgetMe,
    /// `intro @a @b [note]`: open a group DM introducing two people.
    Intro {
        /// The first person introduced.
        a: Mention,
        /// The second person introduced.
        b: Mention,
        /// Why they should meet, as typed.
        note: Option<String>,
    },
    /// `stats`: team-level figures only.
    Stats,
    /// `allies Sales [Marketing …]`: your ties and warm paths into those
    /// teams, for an initiative. The names as typed: which teams they are
    /// is for the handler, who knows the workspace's teams, to read (see
    /// [`read_team_names`](super::read_team_names)).
    Allies {
        /// The text after `allies`, never blank.
        teams: String,
    },
    /// `team`: a lead's view of their team's reach, aggregated.
    Team,
    /// `calendar`: a modal to give your calendar's iCal address.
    Calendar,
    /// `calendar off`: stop reading your calendar, and delete its address.
    CalendarOff,
    /// Admins only: `digest now [#channel]`.
    DigestNow {
        /// Where to post it; the configured digest channel when absent.
        channel: Option<ChannelRef>,
    },
    /// Admins only: `tick dry-run`, what the next run would send.
    TickDryRun,
}

/// Reads the text after `/alliances`.
pub fn parse_alliances(text: &SlashText) -> Result<AlliancesRequest, UserError> {
    use AlliancesRequest as Request;
    let Some((word, rest)) = split_first_word(text.as_str()) else {
        return Ok(Request::Help {
            unknown: None,
            suggestion: None,
        });
    };
    let request = match word.to_lowercase().as_str() {
        "help" => Request::Help {
            unknown: None,
            suggestion: None,
        },
        "status" => nothing_after("status", rest, Request::Status)?,
        "snooze" => match read_snooze(rest)? {
            Some(span) => Request::Snooze(span),
            None => Request::SnoozeOff,
        },
        "pause" => Request::Pause(one_person("pause", rest)?),
        "unpause" => Request::Unpause(one_person("unpause", rest)?),
        "optout" => nothing_after("optout", rest, Request::OptOut)?,
        "optin" => nothing_after("optin", rest, Request::OptIn)?,
        "shoutouts" => parse_shoutouts(rest)?,
        "export" => nothing_after("export", rest, Request::Export)?,
        "forget-me" => nothing_after("forget-me", rest, Request::ForgetMe)?,
        "intro" => parse_intro(rest)?,
        "stats" => nothing_after("stats", rest, Request::Stats)?,
        "allies" => parse_allies(rest)?,
        "team" => nothing_after("team", rest, Request::Team)?,
        "calendar" => parse_calendar(rest)?,
        "digest" => parse_digest(rest)?,
        "tick" => parse_tick(rest)?,
        _ => Request::Help {
            unknown: Some(word.to_owned()),
            suggestion: closest_subcommand(word, rest, &SUBCOMMANDS),
        },
    };
    Ok(request)
}

/// The help text: every subcommand with a one-line description and example
/// (admin ones marked "admins only").
pub fn help_text() -> &'static str {
    "Here is what `/alliances` can do:\n\
     • `/alliances status`: your alliances, the overdue ones first.\n\
     • `/alliances snooze 2w`: no nudges for a while, from 1 day to 26 weeks; `/alliances snooze off` ends it.\n\
     • `/alliances pause @bob`: never nudge you about Bob; `/alliances unpause @bob` undoes it.\n\
     • `/alliances optout`: no nudges, and your name stays out of digests; `/alliances optin` brings you back.\n\
     • `/alliances shoutouts on`: the digest may thank you by name when you build the most new alliances; `/alliances shoutouts off` stops it.\n\
     • `/alliances export`: everything the bot keeps about you, as JSON.\n\
     • `/alliances forget-me`: delete everything about you, after you confirm.\n\
     • `/alliances intro @alice @bob you both work on onboarding`: open a group DM introducing two people.\n\
     • `/alliances stats`: how the teams are connected, team figures only.\n\
     • `/alliances allies Sales Marketing`: for an initiative, your alliances in those teams and who could open a door.\n\
     • `/alliances team`: for a team's lead, how far the team reaches across the company.\n\
     • `/alliances calendar`: let me count the meetings in your calendar (who and when, never titles); `/alliances calendar off` stops it.\n\
     • `/alliances digest now #general`: post the digest of new alliances now (admins only).\n\
     • `/alliances tick dry-run`: show whom the next run would nudge, sending nothing (admins only).\n\
     To log a meeting: `/met @alice yesterday coffee about the roadmap`."
}

/// `calendar` or `calendar off`. An address typed here is refused, not
/// read: it would sit in Slack's command log, and it belongs in the modal.
fn parse_calendar(rest: &str) -> Result<AlliancesRequest, UserError> {
    match rest.trim().to_lowercase().as_str() {
        "" => Ok(AlliancesRequest::Calendar),
        "off" => Ok(AlliancesRequest::CalendarOff),
        _ => Err(UserError::new(
            "`calendar` opens a form where you paste your calendar's address, so type it \
             alone; `calendar off` stops it.",
            "/alliances calendar",
        )),
    }
}

/// `request`, provided nothing follows the subcommand.
fn nothing_after(
    subcommand: &str,
    rest: &str,
    request: AlliancesRequest,
) -> Result<AlliancesRequest, UserError> {
    if rest.trim().is_empty() {
        Ok(request)
    } else {
        Err(UserError::new(
            format!("`{subcommand}` takes nothing after it, so I did nothing."),
            format!("/alliances {subcommand}"),
        ))
    }
}

/// Exactly one person after `pause` or `unpause`.
fn one_person(subcommand: &str, rest: &str) -> Result<Mention, UserError> {
    let example = format!("/alliances {subcommand} @bob");
    let question = if subcommand == "pause" {
        "Who should I stop nudging you about? Name them with @."
    } else {
        "Who should I nudge you about again? Name them with @."
    };
    let (person, after) = first_person(rest, question, &example)?;
    if !after.trim().is_empty() {
        return Err(UserError::new(
            format!("`{subcommand}` takes one person at a time."),
            example,
        ));
    }
    Ok(person)
}

fn parse_intro(rest: &str) -> Result<AlliancesRequest, UserError> {
    const EXAMPLE: &str = "/alliances intro @alice @bob you both work on onboarding";
    let (a, rest) = first_person(
        rest,
        "Whom should I introduce? Name two people with @.",
        EXAMPLE,
    )?;
    let (b, rest) = first_person(
        rest,
        "Whom should I introduce them to? Name a second person with @.",
        EXAMPLE,
    )?;
    if a.is_same_as(&b) {
        return Err(UserError::new(
            "An introduction needs two different people.",
            EXAMPLE,
        ));
    }
    let note = read_note(rest, EXAMPLE)?;
    Ok(AlliancesRequest::Intro { a, b, note })
}

/// The person named by the first word of `rest`, and what follows; without
/// one, `question` asks for them.
fn first_person<'a>(
    rest: &'a str,
    question: &str,
    example: &str,
) -> Result<(Mention, &'a str), UserError> {
    let Some((word, after)) = split_first_word(rest) else {
        return Err(UserError::new(question, example));
    };
    let person = read_mention(word)
        .map_err(|problem| UserError::new(problem, example))?
        .ok_or_else(|| UserError::new(question, example))?;
    Ok((person, after))
}

/// `on` or `off`, and nothing else: a consent is said plainly, never guessed.
fn parse_shoutouts(rest: &str) -> Result<AlliancesRequest, UserError> {
    const EXAMPLE: &str = "/alliances shoutouts on";
    let Some((word, after)) = split_first_word(rest) else {
        return Err(UserError::new(
            "Say `on` to let the digest thank you by name for the alliances you build, or `off` to stay out of it.",
            EXAMPLE,
        ));
    };
    let on = match word.to_lowercase().as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(UserError::new(
                format!("`shoutouts` takes `on` or `off`, not `{word}`."),
                EXAMPLE,
            ));
        }
    };
    let subcommand = if on { "shoutouts on" } else { "shoutouts off" };
    nothing_after(subcommand, after, AlliancesRequest::Shoutouts { on })
}

/// One or more team names after `allies`, read against the workspace's
/// teams by the handler.
fn parse_allies(rest: &str) -> Result<AlliancesRequest, UserError> {
    let teams = rest.trim();
    if teams.is_empty() {
        return Err(UserError::new(
            "Which teams does your initiative need? Name one or more.",
            "/alliances allies Sales Marketing",
        ));
    }
    Ok(AlliancesRequest::Allies {
        teams: teams.to_owned(),
    })
}

fn parse_digest(rest: &str) -> Result<AlliancesRequest, UserError> {
    const EXAMPLE: &str = "/alliances digest now #general";
    let now_and_after = split_first_word(rest).filter(|(now, _)| now.eq_ignore_ascii_case("now"));
    let Some((_, after_now)) = now_and_after else {
        return Err(UserError::new(
            "`digest` needs `now`: I post the digest straight away.",
            EXAMPLE,
        ));
    };
    let Some((word, after_channel)) = split_first_word(after_now) else {
        return Ok(AlliancesRequest::DigestNow { channel: None });
    };
    let channel = read_channel(word)
        .map_err(|problem| UserError::new(problem, EXAMPLE))?
        .ok_or_else(|| {
            UserError::new(
                format!("`{word}` is not a channel; name it with #."),
                EXAMPLE,
            )
        })?;
    if !after_channel.trim().is_empty() {
        return Err(UserError::new(
            "`digest now` posts to one channel at a time.",
            EXAMPLE,
        ));
    }
    Ok(AlliancesRequest::DigestNow {
        channel: Some(channel),
    })
}

fn parse_tick(rest: &str) -> Result<AlliancesRequest, UserError> {
    match split_first_word(rest) {
        Some((word, after)) if word.eq_ignore_ascii_case("dry-run") => {
            nothing_after("tick dry-run", after, AlliancesRequest::TickDryRun)
        }
        _ => Err(UserError::new(
            "From Slack I only rehearse a run, sending nothing: say `tick dry-run`.",
            "/alliances tick dry-run",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChannelId, UserId};

    fn alliances(text: &str) -> Result<AlliancesRequest, UserError> {
        parse_alliances(&SlashText::parse(text).unwrap())
    }

    fn help(unknown: Option<&str>, suggestion: Option<&'static str>) -> AlliancesRequest {
        AlliancesRequest::Help {
            unknown: unknown.map(str::to_owned),
            suggestion,
        }
    }

    fn id(value: &str) -> Mention {
        Mention::Id(UserId::parse(value).unwrap())
    }

    fn name(value: &str) -> Mention {
        Mention::Name(value.to_owned())
    }

    #[test]
    fn no_argument_and_help_both_ask_for_help() {
        assert_eq!(alliances(""), Ok(help(None, None)));
        assert_eq!(alliances("help"), Ok(help(None, None)));
        assert_eq!(alliances("HELP snooze"), Ok(help(None, None)));
    }

    #[test]
    fn an_unknown_word_asks_for_help_with_the_closest_subcommand() {
        assert_eq!(
            alliances("stauts"),
            Ok(help(Some("stauts"), Some("status")))
        );
        assert_eq!(
            alliances("snoze 2w"),
            Ok(help(Some("snoze"), Some("snooze")))
        );
        assert_eq!(
            alliances("forgetme"),
            Ok(help(Some("forgetme"), Some("forget-me")))
        );
        assert_eq!(alliances("Banana"), Ok(help(Some("Banana"), None)));
    }

    #[test]
    fn subcommands_without_arguments_read_in_any_case() {
        use AlliancesRequest::*;
        for (typed, expected) in [
            ("status", Status),
            ("STATUS", Status),
            ("optout", OptOut),
            ("optin", OptIn),
            ("export", Export),
            ("forget-me", ForgetMe),
            ("stats", Stats),
            ("Team", Team),
            ("Tick Dry-Run", TickDryRun),
        ] {
            assert_eq!(alliances(typed), Ok(expected), "for {typed}");
        }
    }

    #[test]
    fn words_after_a_subcommand_that_takes_none_are_refused() {
        let error = alliances("forget-me @bob").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`forget-me` takes nothing after it, so I did nothing. Try: `/alliances forget-me`");
        assert!(alliances("status please").is_err());
        assert!(alliances("tick dry-run twice").is_err());
    }

    #[test]
    fn snooze_takes_a_length_or_off() {
        assert_eq!(
            alliances("Snooze 2w"),
            Ok(AlliancesRequest::Snooze(SnoozeSpan { days: 14 }))
        );
        assert_eq!(alliances("snooze off"), Ok(AlliancesRequest::SnoozeOff));
        assert!(alliances("snooze").is_err());
    }

    #[test]
    fn pause_and_unpause_name_one_person() {
        assert_eq!(
            alliances("pause <@U7|bob>"),
            Ok(AlliancesRequest::Pause(id("U7")))
        );
        assert_eq!(
            alliances("unpause @bob"),
            Ok(AlliancesRequest::Unpause(name("bob")))
        );
    }

    #[test]
    fn pause_without_exactly_one_person_is_refused() {
        let error = alliances("pause").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Who should I stop nudging you about? Name them with @. Try: `/alliances pause @bob`");
        assert!(alliances("pause bob").is_err());
        assert!(alliances("pause @bob @carol").is_err());
        assert!(alliances("unpause <@nope>").is_err());
    }

    #[test]
    fn intro_names_two_people_and_an_optional_note() {
        assert_eq!(
            alliances("intro @alice <@U2|bob> you both work on onboarding"),
            Ok(AlliancesRequest::Intro {
                a: name("alice"),
                b: id("U2"),
                note: Some("you both work on onboarding".to_owned()),
            })
        );
        assert_eq!(
            alliances("intro @alice @bob"),
            Ok(AlliancesRequest::Intro {
                a: name("alice"),
                b: name("bob"),
                note: None,
            })
        );
    }

    #[test]
    fn intro_needs_two_different_people() {
        assert!(alliances("intro").is_err());
        let error = alliances("intro @alice hello").unwrap_err();
        assert_eq!(
            error.problem,
            "Whom should I introduce them to? Name a second person with @."
        );
        assert!(alliances("intro @alice @ALICE").is_err());
        assert!(alliances(&format!("intro @a @b {}", "n".repeat(301))).is_err());
    }

    #[test]
    fn shoutouts_are_turned_on_or_off_in_any_case() {
        assert_eq!(
            alliances("shoutouts on"),
            Ok(AlliancesRequest::Shoutouts { on: true })
        );
        assert_eq!(
            alliances("Shoutouts OFF"),
            Ok(AlliancesRequest::Shoutouts { on: false })
        );
    }

    #[test]
    fn shoutouts_without_on_or_off_are_refused_and_change_nothing() {
        let error = alliances("shoutouts").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Say `on` to let the digest thank you by name for the alliances you build, or `off` to stay out of it. Try: `/alliances shoutouts on`");
        let error = alliances("shoutouts yes").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`shoutouts` takes `on` or `off`, not `yes`. Try: `/alliances shoutouts on`");
        assert!(alliances("shoutouts on please").is_err());
    }

    #[test]
    fn a_misspelt_shoutouts_suggests_it() {
        assert_eq!(
            alliances("shoutout on"),
            Ok(help(Some("shoutout"), Some("shoutouts")))
        );
        assert_eq!(
            alliances("shout-outs on"),
            Ok(help(Some("shout-outs"), Some("shoutouts")))
        );
        assert_eq!(
            alliances("shout outs"),
            Ok(help(Some("shout"), Some("shoutouts")))
        );
    }

    #[test]
    fn digest_now_posts_to_an_optional_channel() {
        let general = ChannelId::parse("C123").unwrap();
        assert_eq!(
            alliances("digest now"),
            Ok(AlliancesRequest::DigestNow { channel: None })
        );
        assert_eq!(
            alliances("digest NOW <#C123|general>"),
            Ok(AlliancesRequest::DigestNow {
                channel: Some(ChannelRef::Id(general))
            })
        );
        assert_eq!(
            alliances("digest now #general"),
            Ok(AlliancesRequest::DigestNow {
                channel: Some(ChannelRef::Name("general".to_owned()))
            })
        );
    }

    #[test]
    fn digest_without_now_or_with_a_stray_word_is_refused() {
        let error = alliances("digest").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`digest` needs `now`: I post the digest straight away. Try: `/alliances digest now #general`");
        assert!(alliances("digest now general").is_err());
        assert!(alliances("digest now #a #b").is_err());
        assert!(alliances("digest now <#c1>").is_err());
    }

    #[test]
    fn allies_takes_the_team_names_as_typed_and_asks_for_one_when_none() {
        assert_eq!(
            alliances("Allies sales  Customer Success"),
            Ok(AlliancesRequest::Allies {
                teams: "sales  Customer Success".to_owned()
            })
        );
        let error = alliances("allies").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Which teams does your initiative need? Name one or more. Try: `/alliances allies Sales Marketing`");
        assert_eq!(
            alliances("alies Sales"),
            Ok(help(Some("alies"), Some("allies")))
        );
        assert!(alliances("team Payments").is_err());
    }

    #[test]
    fn tick_only_rehearses() {
        assert!(alliances("tick").is_err());
        assert!(alliances("tick now").is_err());
    }

    #[test]
    fn help_lists_every_subcommand_and_marks_the_admin_ones() {
        insta::assert_snapshot!(help_text(), @r"
        Here is what `/alliances` can do:
        • `/alliances status`: your alliances, the overdue ones first.
        • `/alliances snooze 2w`: no nudges for a while, from 1 day to 26 weeks; `/alliances snooze off` ends it.
        • `/alliances pause @bob`: never nudge you about Bob; `/alliances unpause @bob` undoes it.
        • `/alliances optout`: no nudges, and your name stays out of digests; `/alliances optin` brings you back.
        • `/alliances shoutouts on`: the digest may thank you by name when you build the most new alliances; `/alliances shoutouts off` stops it.
        • `/alliances export`: everything the bot keeps about you, as JSON.
        • `/alliances forget-me`: delete everything about you, after you confirm.
        • `/alliances intro @alice @bob you both work on onboarding`: open a group DM introducing two people.
        • `/alliances stats`: how the teams are connected, team figures only.
        • `/alliances allies Sales Marketing`: for an initiative, your alliances in those teams and who could open a door.
        • `/alliances team`: for a team's lead, how far the team reaches across the company.
        • `/alliances calendar`: let me count the meetings in your calendar (who and when, never titles); `/alliances calendar off` stops it.
        • `/alliances digest now #general`: post the digest of new alliances now (admins only).
        • `/alliances tick dry-run`: show whom the next run would nudge, sending nothing (admins only).
        To log a meeting: `/met @alice yesterday coffee about the roadmap`.
        ");
        for subcommand in SUBCOMMANDS.iter().filter(|&&s| s != "help") {
            assert!(
                help_text().contains(&format!("`/alliances {subcommand}")),
                "{subcommand}"
            );
        }
    }
}
