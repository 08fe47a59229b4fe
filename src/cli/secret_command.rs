//! The commands a profile names for its secret (`api_key_command`, `password_command`): which
//! configuration files may name one, and how it runs.
//!
//! A command in the configuration file runs with the user's rights on every call, so the file
//! must be the user's own, as ssh and gh require of theirs: a file another user owns, or one
//! that its group or everyone may write, is refused (exit 2) before anything runs. And the
//! command runs without a shell: it is split into a program and its arguments (quotes and
//! backslashes as a POSIX shell reads them), so nothing in it is expanded, substituted or piped.

use std::path::Path;

use super::Failure;

/// Refuses a configuration file that names a secret command when anyone but its owner (the
/// user, or root) may change what runs.
pub(crate) fn check_file_is_trusted(path: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(path)
            .map_err(|e| Failure::Exit(2, format!("cannot read {}: {e}", path.display())))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if let Some(why) = untrusted(metadata.uid(), me, metadata.mode(), path) {
            return Err(Failure::Exit(
                2,
                format!(
                    "{}: the file names a command to run for a secret, but {why}",
                    path.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Why a file of `owner` and `mode` must not run commands for the user `me`, with the fix.
#[cfg_attr(not(unix), allow(dead_code))]
fn untrusted(owner: u32, me: u32, mode: u32, path: &Path) -> Option<String> {
    if owner != me && owner != 0 {
        return Some(format!(
            "it belongs to another user (uid {owner}): refusing to run it; use a configuration file of your own (--config, VSPC_CONFIG)"
        ));
    }
    let mode = mode & 0o777;
    if mode & 0o022 != 0 {
        return Some(format!(
            "others may change it (mode {mode:03o}): refusing to run it; run chmod go-w {}",
            path.display()
        ));
    }
    None
}

/// Characters a shell would act on; without a shell they would be passed on as they are, which
/// is never what was meant.
const SHELL_SYNTAX: &[char] = &['|', '&', ';', '<', '>', '$', '`', '(', ')', '*', '?'];

/// Splits `command` into a program and its arguments: words separated by blanks, `'...'`
/// taken literally, `"..."` with `\"`, `\\`, `\$` and `` \` `` escaped, `\` escaping the next
/// character elsewhere (except on Windows, where it separates a path). Shell syntax outside
/// quotes (a pipe, a redirection, a variable, a glob, a leading `~`) is refused with a message
/// rather than passed on as an argument.
pub(crate) fn split(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err("a ' quote is not closed".into()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => return Err("a \" quote is not closed".into()),
                        },
                        Some(c) => current.push(c),
                        None => return Err("a \" quote is not closed".into()),
                    }
                }
            }
            // A Windows path's separators are not escapes.
            '\\' if !cfg!(windows) => match chars.next() {
                Some('\n') => {}
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("it ends with a lone \\".into()),
            },
            '~' if word.is_none() => {
                return Err(
                    "`~` is not expanded, as the command runs without a shell; write the full path"
                        .into(),
                );
            }
            c if SHELL_SYNTAX.contains(&c) => {
                return Err(format!(
                    "`{c}` is shell syntax, and the command runs without a shell; quote it if it is meant literally, or put the pipeline in a script (or write sh -c '...' yourself)"
                ));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err("it is empty".into());
    }
    Ok(words)
}

/// What a secret command printed on standard output, its standard error passed through.
pub(crate) fn run(command: &str) -> Result<std::process::Output, String> {
    let words = split(command)?;
    let (program, arguments) = words.split_first().ok_or("it is empty")?;
    std::process::Command::new(program)
        .args(arguments)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_of_the_users_own_that_nobody_else_may_write_runs_commands() {
        let path = Path::new("/home/me/.config/vspc-licensing/config.toml");
        for (owner, mode) in [(1000, 0o600), (1000, 0o644), (1000, 0o100_600), (0, 0o644)] {
            assert_eq!(untrusted(owner, 1000, mode, path), None, "{owner} {mode:o}");
        }
        for (owner, mode, named) in [
            (1001, 0o600, "another user (uid 1001)"),
            (1000, 0o664, "mode 664"),
            (
                1000,
                0o646,
                "chmod go-w /home/me/.config/vspc-licensing/config.toml",
            ),
            (0, 0o666, "mode 666"),
        ] {
            let why = untrusted(owner, 1000, mode, path).expect("refused");
            assert!(why.contains(named), "{owner} {mode:o}: {why}");
        }
    }

    #[test]
    fn commands_split_as_a_shell_would_without_running_one() {
        for (command, words) in [
            ("pass show vspc/prod", vec!["pass", "show", "vspc/prod"]),
            ("  echo   a  ", vec!["echo", "a"]),
            ("printf '%s' 'two words'", vec!["printf", "%s", "two words"]),
            (
                r#"echo "a \"quoted\" \$HOME" x\ y"#,
                vec!["echo", r#"a "quoted" $HOME"#, "x y"],
            ),
            (
                "op read 'op://vault/item | x'",
                vec!["op", "read", "op://vault/item | x"],
            ),
            ("a''b \"\"", vec!["ab", ""]),
        ] {
            assert_eq!(split(command).unwrap(), words, "{command}");
        }
    }

    #[test]
    fn shell_syntax_and_broken_quoting_are_refused() {
        for (command, named) in [
            ("pass show x | head -1", "`|`"),
            ("cat key > /tmp/leak", "`>`"),
            ("echo $SECRET", "`$`"),
            ("echo `id`", "is shell syntax"),
            ("cat ~/.vspc-key", "`~` is not expanded"),
            ("echo a; rm -rf ~", "`;`"),
            ("echo 'open", "not closed"),
            ("echo \"open", "not closed"),
            ("echo \\", "lone"),
            ("   ", "empty"),
        ] {
            let refused = split(command).unwrap_err();
            assert!(refused.contains(named), "{command}: {refused}");
        }
    }

    proptest::proptest! {
        /// Any text splits or is refused, never a panic; a split never yields zero words.
        #[test]
        fn any_text_splits_or_is_refused(text in "\\PC{0,40}") {
            if let Ok(words) = split(&text) {
                proptest::prop_assert!(!words.is_empty());
            }
        }
    }
}
