//! The machine a benchmark ran on, for its report: figures mean little
//! without it.

/// The processor count and model, and the memory, from the OS.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim());
    let memory_kb = proc_kb("/proc/meminfo", "MemTotal").unwrap_or(0);
    format!(
        "{cpus} CPUs (nproc), {model}, {:.1} GiB RAM",
        memory_kb as f64 / 1024.0 / 1024.0
    )
}

/// The value of a `key:   N kB` line of a `/proc` file, in KiB.
pub fn proc_kb(file: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
