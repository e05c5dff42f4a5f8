//! Counted words, said the same way in every message, page and report.

/// How often two people met, in words: "once", "twice", "5 times". Every
/// message, page and report says it the same way.
pub fn times(count: u32) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// `n` of something, in words: "1 new alliance", "3 new alliances",
/// "2,691,948 new interactions".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", number(n))
    }
}

/// A list in a sentence: "a", "a and b", "a, b and c"; nothing for none.
pub fn in_a_sentence(items: &[String]) -> String {
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, others)) => format!("{} and {last}", others.join(", ")),
        None => String::new(),
    }
}

/// The count `n` (a whole number, of any integer type) with its thousands
/// set apart, as people write one: "950", "4,650", "2,691,948".
pub fn number(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// How long ago, in words a person would say: "today", "yesterday",
/// "4 days ago", "7 weeks ago", "5 months ago", "2 years ago". Days up to
/// two weeks, weeks up to two months, months up to two years: past each
/// step the smaller unit is more precise than anyone needs.
pub fn ago(days: i64) -> String {
    match days {
        ..=0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        2..14 => format!("{days} days ago"),
        14..60 => format!("{} weeks ago", days / 7),
        60..730 => format!("{} months ago", days / 30),
        _ => format!("{} years ago", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_as_a_sentence() {
        let said = |items: &[&str]| {
            let items: Vec<String> = items.iter().map(|&item| item.to_owned()).collect();
            in_a_sentence(&items)
        };
        assert_eq!(said(&[]), "");
        assert_eq!(said(&["Sales"]), "Sales");
        assert_eq!(said(&["Sales", "Legal"]), "Sales and Legal");
        assert_eq!(said(&["Sales", "Legal", "Data"]), "Sales, Legal and Data");
    }

    #[test]
    fn a_count_sets_its_thousands_apart() {
        let said: Vec<String> = [0, 7, 999, 1_000, 4_650, 99_999, 100_000, 2_691_948]
            .into_iter()
            .map(number)
            .collect();
        assert_eq!(
            said,
            [
                "0",
                "7",
                "999",
                "1,000",
                "4,650",
                "99,999",
                "100,000",
                "2,691,948"
            ]
        );
        assert_eq!(
            plural(2_691_948, "new interaction", "new interactions"),
            "2,691,948 new interactions"
        );
        assert_eq!(
            plural(1, "new interaction", "new interactions"),
            "1 new interaction"
        );
    }

    #[test]
    fn how_long_ago_is_said_in_the_unit_a_person_would_use() {
        let said: Vec<String> = [0, 1, 4, 13, 14, 49, 59, 60, 100, 729, 800]
            .into_iter()
            .map(ago)
            .collect();
        assert_eq!(
            said,
            [
                "today",
                "yesterday",
                "4 days ago",
                "13 days ago",
                "2 weeks ago",
                "7 weeks ago",
                "8 weeks ago",
                "2 months ago",
                "3 months ago",
                "24 months ago",
                "2 years ago"
            ]
        );
    }
}
