//! The `vitrine` binary.

fn main() -> std::process::ExitCode {
    vitrine_server::cli::main()
}
