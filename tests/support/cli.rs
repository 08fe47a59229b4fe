//! The `vspc-licensing` tool as a process, started without the settings of the shell that runs
//! the tests: a developer's `VSPC_URL`, `VSPC_API_KEY`, `VSPC_PROFILE`, ... (or `NO_COLOR`)
//! would otherwise change what the tool does and make a test pass or fail by accident.

use std::process::Command;

/// The path of the tool Cargo built for the tests.
pub const TOOL: &str = env!("CARGO_BIN_EXE_vspc-licensing");

/// Whether the tool's behaviour can depend on the environment variable `name`: every `VSPC_*`
/// variable (settings, log filter, lab key) and `NO_COLOR`.
fn read_by_the_tool(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|name| name.starts_with("VSPC_") || name == "NO_COLOR")
}

/// Removes from `command` every variable of this process's environment that the tool reads;
/// what the test sets afterwards (`.env(...)`) is what the tool sees.
pub fn without_tool_settings(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if read_by_the_tool(&name) {
            command.env_remove(name);
        }
    }
    command
}

/// The tool as a `std::process::Command` (for `spawn`), with none of the shell's settings.
pub fn tool_process() -> Command {
    let mut command = Command::new(TOOL);
    without_tool_settings(&mut command);
    command.env("VSPC_CACHE_DIR", fresh_cache_dir());
    command
}

/// A cache directory of its own for each run of the tool (under Cargo's temporary directory
/// for the tests): what one run learned of a console (its limit of requests in flight) must not
/// start another test's run, nor come from the developer's own cache. A test that means to
/// share one sets `VSPC_CACHE_DIR` itself.
pub fn fresh_cache_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("tool-cache")
        .join(format!("{}-{run}", std::process::id()))
}

/// The tool as an `assert_cmd::Command` (for `output`, `assert`, timeouts), with none of the
/// shell's settings.
pub fn tool() -> assert_cmd::Command {
    assert_cmd::Command::from_std(tool_process())
}

/// The tool run with `args` against the console at `url` with the API key `key`: its exit code,
/// standard output and standard error.
pub fn run_against(url: &str, key: &str, args: &[&str]) -> (i32, String, String) {
    let output = tool()
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", key)
        .args(args)
        .output()
        .expect("the tool runs");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
        String::from_utf8(output.stderr).expect("UTF-8 errors"),
    )
}

/// The tool's standard error, as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `command` to its end on a blocking thread, so that a simulator served by the test's own
/// runtime keeps answering meanwhile.
pub async fn output(mut command: assert_cmd::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().expect("the tool runs"))
        .await
        .expect("the tool's thread ends")
}
