use std::process::ExitCode;

/// mimalloc rather than the system allocator: each password hash takes a
/// 19 MiB working area, and glibc's malloc keeps such areas in the arena of
/// every blocking-pool thread that hashed once (a login flood left the
/// server at 460 MiB); mimalloc gives them back. docs/DECISIONS.md,
/// "The allocator".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    gatehouse_api::cli::main()
}
