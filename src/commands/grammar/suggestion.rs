//! The subcommand a mistyped word was probably meant to be: `stauts` →
//! `status`, `snoze` → `snooze`, `forgetme` → `forget-me`.
//!
//! Only the spelling is compared; this module knows nothing of what the
//! subcommands do, and is handed their names by the grammar that owns them.

use super::split_first_word;

/// Which of `subcommands` `word` was probably meant to be. The word is also
/// tried joined with the next one, so that `opt out` suggests `optout` and
/// `forget me` suggests `forget-me`.
pub(super) fn closest_subcommand(
    word: &str,
    rest: &str,
    subcommands: &[&'static str],
) -> Option<&'static str> {
    closest_of(word, rest, subcommands)
}

/// Which of `candidates` `word` (or `word` joined with the next word of
/// `rest`) was probably meant to be, without regard to case: what
/// [`closest_subcommand`] does for subcommands, for any list of names
/// (the teams of `/alliances allies`).
pub(super) fn closest_of<'a>(word: &str, rest: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    let mut typed = vec![word.clone()];
    if let Some((next, _)) = split_first_word(rest) {
        typed.push(format!("{word}{}", next.to_lowercase()));
    }
    typed
        .iter()
        .flat_map(|typed| {
            candidates.iter().filter_map(move |&candidate| {
                let lowered = candidate.to_lowercase();
                let typed_len = typed.chars().count();
                let candidate_len = lowered.chars().count();
                // Roughly one slip per three letters still reads as the word.
                let tolerance = (candidate_len / 3).max(1);
                if typed_len.abs_diff(candidate_len) > tolerance {
                    return None;
                }
                let distance = edit_distance(typed, &lowered);
                // A tie goes to the candidate of the typed length: `stauts` is
                // one swap from `status` and one letter from `stats`, and a
                // swap is the likelier slip. Any tie left is settled
                // alphabetically, so the answer never depends on list order.
                (distance <= tolerance).then_some((
                    distance,
                    typed_len.abs_diff(candidate_len),
                    candidate,
                ))
            })
        })
        .min()
        .map(|(_, _, candidate)| candidate)
}

/// The optimal-string-alignment distance: insertions, deletions,
/// substitutions and swaps of neighbours each count one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j] is the distance between the first i of `a` and first j of `b`.
    let mut rows: Vec<Vec<usize>> = (0..=a.len())
        .map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect())
        .collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::alliances::SUBCOMMANDS;
    use super::*;

    /// The subcommand of `/alliances` that `word` was probably meant to be.
    fn closest(word: &str, rest: &str) -> Option<&'static str> {
        closest_subcommand(word, rest, &SUBCOMMANDS)
    }

    #[test]
    fn a_swap_of_two_letters_suggests_the_word_of_the_same_length() {
        assert_eq!(closest("stauts", ""), Some("status"));
    }

    #[test]
    fn a_missing_letter_suggests_the_word() {
        assert_eq!(closest("snoze", ""), Some("snooze"));
        assert_eq!(closest("forgetme", ""), Some("forget-me"));
        assert_eq!(closest("stat", ""), Some("stats"));
    }

    #[test]
    fn the_case_typed_does_not_matter() {
        assert_eq!(closest("EXPROT", ""), Some("export"));
    }

    #[test]
    fn two_words_that_make_a_subcommand_suggest_it() {
        assert_eq!(closest("opt", " out please"), Some("optout"));
        assert_eq!(closest("opt", " in"), Some("optin"));
        assert_eq!(closest("forget", " me"), Some("forget-me"));
    }

    #[test]
    fn a_word_far_from_every_subcommand_suggests_nothing() {
        assert_eq!(closest("banana", ""), None);
        assert_eq!(closest("x", ""), None);
        assert_eq!(closest(&"status".repeat(500), ""), None);
    }

    #[test]
    fn the_edit_distance_counts_each_slip_once() {
        assert_eq!(edit_distance("status", "status"), 0);
        assert_eq!(edit_distance("stauts", "status"), 1);
        assert_eq!(edit_distance("stauts", "stats"), 1);
        assert_eq!(edit_distance("", "tick"), 4);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
