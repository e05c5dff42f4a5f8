//! The synthetic company's names: one per person, never two alike, so that
//! a dry run over a seeded company of 100,000 people can tell who is who.
//!
//! A name is a first name and a last name. A company of up to
//! `FIRST_NAMES × LAST_NAMES` (10,000) people draws its names from those
//! pairs; a larger one uses every pair and then double-barrelled last
//! names (`Alice Moreau-Ito`), a million names in all, which is the most
//! people `alliances seed` generates. Past that, a number tells repeats
//! apart. Which person gets which name is drawn from the company's seed.

use rand::Rng;
use rand::seq::SliceRandom;

const FIRST_NAMES: [&str; 100] = [
    "Alice", "Bilal", "Chen", "Dana", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Luca", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tomas", "Uma", "Victor",
    "Wen", "Yara", "Zoe", "Aaron", "Abebe", "Adele", "Aiko", "Amara", "Anders", "Anika", "Arjun",
    "Astrid", "Ayesha", "Bruno", "Camille", "Carlos", "Chidi", "Clara", "Daniel", "Dev", "Diego",
    "Eitan", "Elena", "Emeka", "Emil", "Esther", "Farah", "Felix", "Freya", "Gabriel", "Hana",
    "Hassan", "Helga", "Ibrahim", "Ingrid", "Isla", "Ivan", "Jamal", "Jana", "Javier", "Jin",
    "Joon", "Kai", "Kamala", "Kenji", "Lars", "Leila", "Lena", "Leon", "Lina", "Malik", "Marco",
    "Mateo", "Mei", "Mira", "Nia", "Nico", "Noor", "Olga", "Oscar", "Paolo", "Pedro", "Rafael",
    "Ravi", "Rhea", "Ruth", "Sade", "Sara", "Sven", "Tariq", "Tess", "Theo", "Ana", "Valeria",
    "Vikram", "Wanjiru", "Yusuf", "Zara",
];

const LAST_NAMES: [&str; 100] = [
    "Moreau",
    "Ito",
    "Okafor",
    "Park",
    "Schmidt",
    "Novak",
    "Haddad",
    "Silva",
    "Larsen",
    "Nakamura",
    "Reyes",
    "Kowalski",
    "Mensah",
    "Dubois",
    "Fischer",
    "Rossi",
    "Abara",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bauer",
    "Becker",
    "Bianchi",
    "Brennan",
    "Castro",
    "Chowdhury",
    "Costa",
    "Dahl",
    "Diallo",
    "Eriksson",
    "Esposito",
    "Ferreira",
    "Garcia",
    "Gupta",
    "Hansen",
    "Hartmann",
    "Hoffmann",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Jensen",
    "Joshi",
    "Kaur",
    "Keller",
    "Khan",
    "Kim",
    "Koch",
    "Kovac",
    "Kruger",
    "Lambert",
    "Lee",
    "Lindqvist",
    "Lopez",
    "Marino",
    "Martin",
    "Mehta",
    "Meyer",
    "Molina",
    "Morales",
    "Murphy",
    "Nair",
    "Nguyen",
    "Nielsen",
    "Nowak",
    "Obi",
    "Oliveira",
    "Ortiz",
    "Osei",
    "Patel",
    "Pereira",
    "Petrov",
    "Popescu",
    "Quispe",
    "Rahman",
    "Ramos",
    "Rao",
    "Richter",
    "Romano",
    "Santos",
    "Sato",
    "Schneider",
    "Sharma",
    "Singh",
    "Sokolov",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Torres",
    "Vargas",
    "Varga",
    "Vogel",
    "Wagner",
    "Walsh",
    "Weber",
    "Yamamoto",
    "Yilmaz",
    "Zhang",
    "Zhou",
    "Ziegler",
    "Zimmermann",
];

/// First and last names: the pairs a company of up to this many draws from.
const SIMPLE: usize = FIRST_NAMES.len() * LAST_NAMES.len();
/// First names with two different last names.
const DOUBLE: usize = FIRST_NAMES.len() * LAST_NAMES.len() * (LAST_NAMES.len() - 1);

/// `count` different full names in the order `rng` draws them.
pub(super) fn unique_names(rng: &mut impl Rng, count: usize) -> Vec<String> {
    let mut names: Vec<String> = rand::seq::index::sample(rng, SIMPLE, count.min(SIMPLE))
        .into_iter()
        .map(simple_name)
        .collect();
    if count > SIMPLE {
        let doubles = (count - SIMPLE).min(DOUBLE);
        names.extend(
            rand::seq::index::sample(rng, DOUBLE, doubles)
                .into_iter()
                .map(double_barrelled_name),
        );
        // Beyond a million: the same names again, told apart by a number.
        let capacity = SIMPLE + DOUBLE;
        for n in capacity..count {
            let name = format!("{} {}", names[n % capacity], n / capacity + 1);
            names.push(name);
        }
        // Double-barrelled names last would all land in the last teams.
        names.shuffle(rng);
    }
    names
}

/// The `index`th pair of a first and a last name.
fn simple_name(index: usize) -> String {
    let (first, last) = (index / LAST_NAMES.len(), index % LAST_NAMES.len());
    format!("{} {}", FIRST_NAMES[first], LAST_NAMES[last])
}

/// The `index`th first name with two different last names.
fn double_barrelled_name(index: usize) -> String {
    let per_first = LAST_NAMES.len() * (LAST_NAMES.len() - 1);
    let (first, rest) = (index / per_first, index % per_first);
    let (one, other) = (rest / (LAST_NAMES.len() - 1), rest % (LAST_NAMES.len() - 1));
    // The second last name skips the first, so the two always differ.
    let two = if other >= one { other + 1 } else { other };
    format!(
        "{} {}-{}",
        FIRST_NAMES[first], LAST_NAMES[one], LAST_NAMES[two]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashSet;

    #[test]
    fn the_name_lists_hold_no_name_twice() {
        let firsts: HashSet<_> = FIRST_NAMES.iter().collect();
        let lasts: HashSet<_> = LAST_NAMES.iter().collect();
        assert_eq!(firsts.len(), FIRST_NAMES.len());
        assert_eq!(lasts.len(), LAST_NAMES.len());
        assert!(
            FIRST_NAMES
                .iter()
                .chain(&LAST_NAMES)
                .all(|n| n.chars().all(|c| c.is_ascii_alphabetic())),
            "a name makes a Slack handle as it is"
        );
    }

    #[test]
    fn a_company_of_100_000_people_has_100_000_different_names() {
        let names = unique_names(&mut StdRng::seed_from_u64(7), 100_000);
        assert_eq!(names.len(), 100_000);
        let different: HashSet<&String> = names.iter().collect();
        assert_eq!(different.len(), 100_000);
        let handles: HashSet<String> = names
            .iter()
            .map(|n| n.to_lowercase().replace(' ', "."))
            .collect();
        assert_eq!(handles.len(), 100_000, "and as many handles");
        assert!(
            names.iter().any(|n| n.contains('-')),
            "double-barrelled too"
        );
    }

    #[test]
    fn a_small_company_has_plain_names_and_the_same_seed_gives_the_same() {
        let names = unique_names(&mut StdRng::seed_from_u64(3), 80);
        assert_eq!(names, unique_names(&mut StdRng::seed_from_u64(3), 80));
        assert_ne!(names, unique_names(&mut StdRng::seed_from_u64(4), 80));
        assert!(
            names
                .iter()
                .all(|n| n.split(' ').count() == 2 && !n.contains('-'))
        );
        assert_eq!(names.iter().collect::<HashSet<_>>().len(), 80);
    }

    #[test]
    fn past_a_million_people_a_number_tells_the_repeats_apart() {
        // One first name's double-barrelled names are all different.
        let per_first = DOUBLE / FIRST_NAMES.len();
        let alices: HashSet<String> = (0..per_first).map(double_barrelled_name).collect();
        assert_eq!(alices.len(), per_first);
        assert!(alices.iter().all(|n| n.starts_with("Alice ")));
        assert!(double_barrelled_name(per_first).starts_with("Bilal "));
        assert_eq!(
            unique_names(&mut StdRng::seed_from_u64(1), SIMPLE + DOUBLE + 5)
                .iter()
                .filter(|n| n.ends_with(" 2"))
                .count(),
            5
        );
    }
}
