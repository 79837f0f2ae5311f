use std::process::ExitCode;

/// mimalloc rather than the system allocator: each password hash takes a
/// 19 MiB working area, and glibc's malloc keeps such areas in the arena of
/// every blocking-pool thread that hashed once (a login flood left the
/// server at 460 MiB); mimalloc gives them back. docs/DECISIONS.md,
/// "The allocator".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options, numbered as in `enum mi_option_e` of the
/// `mimalloc.h` that libmimalloc-sys (0.1.49, mimalloc 3) builds.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory a thread frees goes back to the system at once, rather than
/// after a delay that only the thread's next allocation would notice (an
/// idle thread never does), and arenas are committed as they are used
/// rather than up front: an idle server holds 35 MiB instead of 55–68
/// (docs/DECISIONS.md, "The allocator").
#[allow(unsafe_code)]
fn tune_allocator() {
    // SAFETY: `mi_option_set` only stores a number in mimalloc's option
    // table (atomically); both options are read when memory is purged or
    // an arena is reserved, and any value is valid for them.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    gatehouse_api::cli::main()
}
