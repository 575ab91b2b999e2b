//! A stand-alone `pgtls probe` built from the very same argument file as
//! the real CLI (`src/cli/probe.rs`), for benchmarking and testing this
//! crate when the root binary is not at hand:
//! `cargo run --release -p pgtls-probe --example pgtls -- probe HOST`.

/// Output format (the root CLI's `Format`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[path = "../../../src/cli/probe.rs"]
mod probe;

use clap::Parser;

#[derive(clap::Parser, Debug)]
#[command(name = "pgtls")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Probe servers on the wire.
    Probe(probe::ProbeArgs),
}

fn main() -> std::process::ExitCode {
    let Command::Probe(a) = Cli::parse().command;
    match probe::run(a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pgtls: error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
