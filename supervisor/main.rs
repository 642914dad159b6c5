//! The `phase1-supervise` binary: a thin wrapper over the library.

fn main() -> anyhow::Result<()> {
    let code = phase1_supervise::cli::main();
    std::process::exit(code)
}
