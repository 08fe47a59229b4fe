//! `completions` and `man`: generated from the same clap definitions as the parser.

use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

use super::{Failure, Outcome};

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    shell: Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write vspc-licensing.1 and one page per subcommand (vspc-licensing-licenses.1, ...)
    /// into this directory instead of printing the main page
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// The completion script for `command` (the tool's whole command tree).
pub(crate) fn completions(mut command: clap::Command, args: CompletionsArgs) -> Outcome {
    let name = command.get_name().to_owned();
    // Into a buffer first: clap_complete panics on a failed write (a closed pipe, say).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_stdout(&script)
}

fn write_stdout(bytes: &[u8]) -> Outcome {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // The reader went away (`| head`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Exit(1, format!("cannot write: {e}"))),
    }
}

/// The manual of `command` (the tool's whole command tree).
pub(crate) fn man(command: clap::Command, args: ManArgs) -> Outcome {
    let failed = |e: std::io::Error| Failure::Exit(1, format!("cannot write the manual: {e}"));
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(failed)?;
            clap_mangen::generate_to(command, &dir).map_err(failed)?;
            println!("{}", dir.display());
            Ok(())
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(failed)?;
            write_stdout(&page)
        }
    }
}
