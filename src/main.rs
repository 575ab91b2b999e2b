//! The `pgtls` command. All the work is in the library; this only hands
//! over to the CLI module.

fn main() -> std::process::ExitCode {
    pgtls::cli::main()
}
