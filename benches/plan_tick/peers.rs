//! What the peer index costs (`src/store/tie_peers.rs`): how long the
//! first read that needs it takes (it builds the index from the keys of
//! the `ties` tree), how much resident memory the index then holds, and
//! how long `/alliances allies` reads what it weighs — a person's ties and
//! their peers', by key — next to reading every tie, as it did before.
//!
//! Memory is the child's resident set (VmRSS) just before and just after
//! the index is built, once every key and value of the `ties` tree was
//! read, so that sled's cache of the tree is already in the first figure
//! and the difference is the index's.

use crate::Measured;
use crate::support;
use alliances::domain::UserId;
use alliances::store::Store;
use std::fmt::Write as _;
use std::time::Instant;

/// How many people's reads are timed once the index is built: spread
/// evenly over the company by id.
const SAMPLED: usize = 25;

/// The child role `peers`: the figures above, as `key=value` words.
pub(crate) async fn child(store: &Store, out: &mut String) -> anyhow::Result<()> {
    let mut people: Vec<UserId> = store.people().await?.into_iter().map(|p| p.id).collect();
    people.sort();
    anyhow::ensure!(!people.is_empty(), "the company has nobody");
    let step = people.len().div_ceil(SAMPLED).max(1);
    let sampled: Vec<&UserId> = people.iter().step_by(step).collect();
    // sled's cache of the tree in memory first (see the module doc).
    store
        .visit_tie_bytes(|key, value| {
            std::hint::black_box((key, value));
        })
        .await?;
    let before_kb = resident_kb();
    let from = Instant::now();
    let first = store.ties_around(sampled[0]).await?;
    let first_read = from.elapsed().as_secs_f64();
    let after_kb = resident_kb();
    std::hint::black_box(first);

    let mut reads = Vec::with_capacity(sampled.len());
    let mut read_ties = Vec::with_capacity(sampled.len());
    for person in &sampled {
        let from = Instant::now();
        let ties = store.ties_around(person).await?;
        reads.push(from.elapsed().as_secs_f64());
        read_ties.push(ties.len() as f64);
    }
    let from = Instant::now();
    let every = store.ties().await?;
    let every_read = from.elapsed().as_secs_f64();
    let _ = write!(
        out,
        " first_read={first_read:.6} index_kb={} around={:.6} around_ties={:.0} \
         every_tie={every_read:.6} ties={} people={} sampled={}",
        after_kb.saturating_sub(before_kb),
        median(reads),
        median(read_ties),
        every.len(),
        people.len(),
        sampled.len(),
    );
    Ok(())
}

/// The peer index's line of the report: the warm runs' medians.
pub(crate) fn report(runs: &[Measured]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let of = |name: &str| median(runs.iter().map(|m| m.number(name)).collect());
    format!(
        "peers:     the peer index of {} people's {} ties: built by the first read in {:.1} ms, \
         {:.1} MB resident (VmRSS before and after); then a person's ties and their peers' \
         ({:.0} ties, median of {} people) read in {:.2} ms, against {:.1} ms to read every \
         tie (warm medians)\n",
        first.count("people"),
        first.count("ties"),
        of("first_read") * 1e3,
        of("index_kb") / 1024.0,
        of("around_ties"),
        first.count("sampled"),
        of("around") * 1e3,
        of("every_tie") * 1e3,
    )
}

/// This process's resident memory now (VmRSS), in KiB.
fn resident_kb() -> u64 {
    support::proc_kb("/proc/self/status", "VmRSS").unwrap_or(0)
}

/// The middle of `values` (the upper middle of an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
