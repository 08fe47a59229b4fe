//! `license install | update | delete`.

use std::io::{BufRead, IsTerminal, Write};

use super::args::{Global, LicenseCommand};
use super::output::print_object;
use super::{Failure, Outcome};
use crate::{LicenseFile, Product};

pub(crate) async fn run(global: &Global, command: LicenseCommand) -> Outcome {
    match command {
        LicenseCommand::Install { product, uid, file } => {
            let product = product.single()?;
            let file = LicenseFile::from_path(&file).await?;
            let client = global.client()?;
            let license = client.install_license(product, uid, &file).await?;
            print_object(global.output, &license)
        }
        LicenseCommand::Update { product, uid } => {
            let client = global.client()?;
            let license = client.renew_license(product.single()?, uid).await?;
            print_object(global.output, &license)
        }
        LicenseCommand::Delete {
            product,
            uid,
            section,
            yes,
        } => {
            let product = product.single()?;
            if !product.can_delete() {
                return Err(Failure::Exit(
                    2,
                    format!(
                        "VSPC cannot delete {} licenses; only {}",
                        product.display_name(),
                        Product::deletable_names()
                    ),
                ));
            }
            if section.is_some() && !product.deletes_sections() {
                return Err(Failure::Exit(
                    2,
                    "--section applies to backup servers (vbr) only".into(),
                ));
            }
            confirmed(
                yes,
                &format!("Remove the license of {} {uid}?", product.display_name()),
                "nothing was removed",
            )?;
            let client = global.client()?;
            client.delete_license(product, uid, section).await?;
            eprintln!("removed the license of {product} {uid}");
            Ok(())
        }
    }
}

/// Goes on when `yes` (`--yes`) was given or the user answers yes to `question`; otherwise
/// stops with exit 1, saying that `nothing_done` (e.g. "nothing was removed").
pub(super) fn confirmed(yes: bool, question: &str, nothing_done: &str) -> Result<(), Failure> {
    if yes || confirm(question)? {
        Ok(())
    } else {
        Err(Failure::Exit(1, format!("not confirmed; {nothing_done}")))
    }
}

/// Asks on the terminal; without one, refuses (scripts pass `--yes`).
pub(super) fn confirm(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Exit(
            2,
            "refusing without confirmation (no terminal to ask): pass --yes".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Exit(1, format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
