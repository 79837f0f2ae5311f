use std::process::ExitCode;

fn main() -> ExitCode {
    gatehouse_api::cli::main()
}
