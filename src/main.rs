//! The `pgtls` command. All the work is in the library; this only hands
//! over to the CLI module.

/// mimalloc: measured in the pgtls-hba benchmark, glibc malloc cost about as
/// much as the reachability analysis itself on large files.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    pgtls::cli::main()
}
