//! The `vspc-licensing` command-line tool; everything lives in `vspc_licensing::cli`.

fn main() -> std::process::ExitCode {
    vspc_licensing::cli::main()
}
