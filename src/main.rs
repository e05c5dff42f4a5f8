//! The `alliances` binary: parse the command line, run, and turn any error
//! into a one-line reason and a non-zero exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    alliances::cli::main()
}
