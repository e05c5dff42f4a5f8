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

/// `n` of something, in words: "1 new alliance", "3 new alliances".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
