//! The report: the figures, the machine and the verdict, as printed.

use crate::seeded::Seeded;
use crate::support::machine;
use crate::{DEFAULT, Measured, TARGET_PEAK_MB, TARGET_RATIO, TARGET_TICK_SECONDS, TEAMS};
use alliances::domain::number;
use std::fmt::Write as _;

/// The median and the least of `values`.
fn median_and_min(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let middle = values.len() / 2;
    let median = if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    };
    (median, values[0])
}

/// The figures, the machine and the verdict, as printed.
pub(crate) fn report(
    seeded: &Seeded,
    disk: u64,
    load: [String; 2],
    cold_scan: &Measured,
    cold_tick: &Measured,
    scans: &[Measured],
    ticks: &[Measured],
) -> String {
    let warm = |runs: &[Measured], name: &str| {
        median_and_min(runs.iter().map(|m| m.number(name)).collect())
    };
    let mb = |kb: f64| kb / 1024.0;
    let tick = &ticks[0];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan_tick: one nudge-planning tick (open the store, snapshot, plan_nudges; every \
         window open) next to a plain scan of the ties tree, each in a fresh process"
    );
    let _ = writeln!(out, "machine:   {}", machine());
    let _ = writeln!(
        out,
        "load:      {} before the runs, {} after (1-minute load average: other \
         work on the machine slows every figure)",
        load[0], load[1]
    );
    let _ = writeln!(
        out,
        "company:   {} people in {TEAMS} teams, {} interactions over {} days, {} ties \
         ({:.1} MB of keys and values in the ties tree); store {:.0} MB on disk",
        number(seeded.size.people as usize),
        number(seeded.interactions as usize),
        seeded.size.days,
        tick.count("ties"),
        cold_scan.number("bytes") / 1e6,
        disk as f64 / 1e6,
    );
    let _ = writeln!(
        out,
        "seeded:    {} in {:.0} s (peak {:.0} MB), {}",
        seeded.at.format("%Y-%m-%d %H:%M UTC"),
        seeded.seconds,
        mb(seeded.peak_kb as f64),
        if seeded.now {
            "by this run"
        } else {
            "by an earlier run, reused"
        }
    );
    let _ = writeln!(
        out,
        "plan:      {} nudges ({} introductions) for {} people, at the instant seeding finished",
        tick.count("nudges"),
        tick.count("intros"),
        tick.count("people"),
    );
    let _ = writeln!(
        out,
        "runs:      1 cold (the store's files dropped from the page cache first), {} warm",
        ticks.len()
    );
    let (scan_median, _) = warm(scans, "total");
    let (tick_median, _) = warm(ticks, "total");
    let _ = writeln!(out, "{}", timing("scan", cold_scan, scans));
    let _ = writeln!(out, "{}", timing("tick", cold_tick, ticks));
    let phase = |runs: &[Measured], name: &str| warm(runs, name).0 * 1e3;
    let _ = writeln!(
        out,
        "phases:    scan = open {:.1} + read {:.1} ms; tick = open {:.1} + snapshot {:.1} + \
         plan {:.1} ms (warm medians)",
        phase(scans, "open"),
        phase(scans, "read"),
        phase(ticks, "open"),
        phase(ticks, "snapshot"),
        phase(ticks, "plan"),
    );
    let ratio = tick_median / scan_median;
    let _ = writeln!(
        out,
        "ratio:     tick / scan = {ratio:.2}x warm (medians), {:.2}x cold",
        cold_tick.number("total") / cold_scan.number("total"),
    );
    let peak = |runs: &[Measured], cold: &Measured| {
        runs.iter()
            .chain([cold])
            .map(|m| m.number("peak_kb"))
            .fold(0.0, f64::max)
    };
    let tick_peak = mb(peak(ticks, cold_tick));
    let _ = writeln!(
        out,
        "memory:    tick peak {tick_peak:.1} MB, scan peak {:.1} MB (VmHWM of the child, \
         the largest of its runs)",
        mb(peak(scans, cold_scan)),
    );
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    // The targets are set for the default company; a larger one is held to
    // them only for comparison.
    let of_size = if seeded.size.people > DEFAULT.people {
        format!("(set for {} people) ", number(DEFAULT.people as usize))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "target:    {of_size}tick < {TARGET_TICK_SECONDS:.0} s: {}; tick <= {TARGET_RATIO:.0}x scan: {}; \
         peak < {TARGET_PEAK_MB:.0} MB: {}",
        verdict(tick_median < TARGET_TICK_SECONDS),
        verdict(ratio <= TARGET_RATIO),
        verdict(tick_peak < TARGET_PEAK_MB),
    );
    out
}

/// A line of the warm runs' median and fastest and the cold run, in ms.
fn timing(name: &str, cold: &Measured, runs: &[Measured]) -> String {
    let (median, fastest) = median_and_min(runs.iter().map(|m| m.number("total")).collect());
    let (process, _) = median_and_min(runs.iter().map(|m| m.process_seconds).collect());
    format!(
        "{:<10} warm median {:>7.1} ms, fastest {:>7.1} ms; cold {:>7.1} ms \
         (whole process, warm median {:.0} ms)",
        format!("{name}:"),
        median * 1e3,
        fastest * 1e3,
        cold.number("total") * 1e3,
        process * 1e3,
    )
}

/// The insights page's and the team map's costs: the warm runs' medians.
pub(crate) fn insights(runs: &[Measured]) -> String {
    let median = |name: &str| median_and_min(runs.iter().map(|m| m.number(name)).collect()).0;
    let Some(first) = runs.first() else {
        return String::new();
    };
    format!(
        "insights:  warm median {:>7.1} ms (open {:.1}, read {:.1}, figures {:.1}, SVG {:.1}, \
         team map PNG {:.1}); {} teams, {} KB of SVG, a {} KB PNG; peak {:.0} MB\n",
        median("total") * 1e3,
        median("open") * 1e3,
        median("read") * 1e3,
        median("figures") * 1e3,
        median("svg") * 1e3,
        median("png") * 1e3,
        first.count("teams"),
        first.number("svg_bytes") as u64 / 1024,
        first.number("png_bytes") as u64 / 1024,
        median("peak_kb") / 1024.0,
    )
}

/// The machine's 1-minute load average, from the OS.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
