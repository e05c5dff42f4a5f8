//! Property tests of the whole grammar: no text makes it panic, every valid
//! `/met` reads back to what was meant, and every single word given to
//! `/alliances` is either a subcommand or a request for help.

use super::alliances::SUBCOMMANDS;
use super::*;
use crate::domain::UserId;
use chrono::{NaiveDate, Weekday};
use proptest::prelude::*;

/// Fragments of the grammar, so that random texts reach past the first word.
const FRAGMENTS: [&str; 24] = [
    "@alice",
    "<@U1|alice>",
    "<@U2>",
    "<@lower>",
    "<@",
    ">",
    "@",
    "#general",
    "<#C1|x>",
    "yesterday",
    "today",
    "3d",
    "ago",
    "days",
    "weeks",
    "last",
    "fri",
    "2026-13-45",
    "2026-11-20",
    "0",
    "99999999999",
    "snooze",
    "digest",
    "now",
];

fn grammar_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(FRAGMENTS.to_vec()).prop_map(str::to_owned),
        any::<String>(),
        prop::sample::select(vec![" ", "\n", "\t", "\u{0}", "\u{202e}", "é"])
            .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.join(" "))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), grammar_soup()]
}

/// A person as typed and as read; names carry their index so they never repeat.
fn person(index: usize) -> impl Strategy<Value = (String, Mention)> {
    prop_oneof![
        "[UW][A-Z0-9]{1,8}".prop_map(move |id| {
            let id = format!("{id}X{index}");
            (format!("<@{id}>"), Mention::Id(UserId::parse(&id).unwrap()))
        }),
        ("[UW][A-Z0-9]{1,8}", "[a-z][a-z .]{0,12}").prop_map(move |(id, label)| {
            let id = format!("{id}X{index}");
            (
                format!("<@{id}|{label}>"),
                Mention::Id(UserId::parse(&id).unwrap()),
            )
        }),
        "[a-zA-Z][a-zA-Z0-9._-]{0,10}".prop_map(move |name| {
            let name = format!("{name}{index}");
            (format!("@{name}"), Mention::Name(name))
        }),
    ]
}

fn people() -> impl Strategy<Value = Vec<(String, Mention)>> {
    (1_usize..5).prop_flat_map(|count| (0..count).map(person).collect::<Vec<_>>())
}

fn in_some_case(word: String) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(word.clone()),
        Just(word.to_uppercase()),
        Just(
            word.chars()
                .enumerate()
                .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
                .collect()
        ),
    ]
}

fn weekday() -> impl Strategy<Value = Weekday> {
    (0_u8..7).prop_map(|n| Weekday::try_from(n).unwrap())
}

/// A `when` and one of the ways of typing it.
fn when() -> impl Strategy<Value = (String, When)> {
    let typed = prop_oneof![
        Just(("today".to_owned(), When::Today)),
        Just(("yesterday".to_owned(), When::Yesterday)),
        (1_u32..=3650, prop::bool::ANY).prop_map(|(n, short)| {
            let typed = if short {
                format!("{n}d ago")
            } else {
                format!("{n} days ago")
            };
            (typed, When::DaysAgo(n))
        }),
        (1_u32..=3650, prop::bool::ANY).prop_map(|(n, short)| {
            let typed = if short {
                format!("{n}w ago")
            } else {
                format!("{n} weeks ago")
            };
            (typed, When::WeeksAgo(n))
        }),
        (weekday(), prop::bool::ANY).prop_map(|(day, short)| {
            // chrono writes a weekday as its three-letter abbreviation.
            let abbreviation = format!("{day:?}");
            let name = if short {
                abbreviation
            } else {
                long_name(day).to_owned()
            };
            (format!("last {}", name.to_lowercase()), When::Last(day))
        }),
        (1970_i32..2100, 1_u32..=12, 1_u32..=28).prop_map(|(y, m, d)| {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            (date.format("%Y-%m-%d").to_string(), When::On(date))
        }),
    ];
    typed.prop_flat_map(|(typed, when)| in_some_case(typed).prop_map(move |typed| (typed, when)))
}

fn long_name(day: Weekday) -> &'static str {
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][day.num_days_from_monday() as usize]
}

/// A note whose first word cannot be read as a person or a `when`; the rest
/// may hold anything people type, mentions included.
fn note() -> impl Strategy<Value = String> {
    let first = "[a-z]{1,10}".prop_filter("not a when word", |word| {
        !matches!(word.as_str(), "today" | "yesterday" | "last")
    });
    (first, "[a-zA-Z0-9 @<>|.,!?'\n-]{0,200}").prop_map(|(first, rest)| format!("{first} {rest}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_met_never_panics_on_any_text(raw in any_text()) {
        if let Ok(text) = SlashText::parse(&raw) {
            let _ = parse_met(&text);
        }
    }

    #[test]
    fn parse_alliances_never_panics_on_any_text(raw in any_text()) {
        if let Ok(text) = SlashText::parse(&raw) {
            let _ = parse_alliances(&text);
        }
    }

    #[test]
    fn a_valid_met_text_reads_back_to_its_people_when_and_note(
        people in people(),
        when in prop::option::of(when()),
        note in prop::option::of(note()),
        spaces in prop::sample::select(vec![" ", "  ", "\t", "\n"]),
    ) {
        let mut words: Vec<String> = people.iter().map(|(typed, _)| typed.clone()).collect();
        words.extend(when.iter().map(|(typed, _)| typed.clone()));
        words.extend(note.clone());
        let text = SlashText::parse(&words.join(spaces)).unwrap();

        let request = parse_met(&text).unwrap();

        let expected_people: Vec<Mention> = people.into_iter().map(|(_, mention)| mention).collect();
        prop_assert_eq!(request.people, expected_people);
        prop_assert_eq!(request.when, when.map_or(When::Today, |(_, when)| when));
        let expected_note = note.map(|note| note.trim().to_owned()).filter(|note| !note.is_empty());
        prop_assert_eq!(request.note, expected_note);
    }

    #[test]
    fn one_word_to_alliances_is_a_subcommand_or_help_naming_the_word(
        word in prop_oneof![
            prop::sample::select(SUBCOMMANDS.to_vec()).prop_flat_map(|w| in_some_case(w.to_owned())),
            "[a-zA-Z-]{1,12}",
            // Any word at all, but for control characters, which `SlashText`
            // refuses before the grammar sees them.
            "[^\\s\\p{Cc}]{1,12}",
        ]
    ) {
        let text = SlashText::parse(&word).unwrap();
        let known = SUBCOMMANDS.contains(&word.to_lowercase().as_str());
        match parse_alliances(&text) {
            Ok(AlliancesRequest::Help { unknown: Some(unknown), suggestion }) => {
                prop_assert!(!known, "`{}` is a subcommand, yet read as unknown", word);
                prop_assert_eq!(unknown, word);
                prop_assert!(suggestion.is_none_or(|s| SUBCOMMANDS.contains(&s)));
            }
            // A known subcommand may still want an argument (`snooze`).
            Ok(_) | Err(_) => prop_assert!(known, "`{}` is not a subcommand, yet not read as unknown", word),
        }
    }
}
