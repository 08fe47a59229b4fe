//! `pulse tenants`, `pulse sync`, `pulse config` and `pulse licenses download`: the console's
//! side of VCSP Pulse, and a Pulse license as a file.

use std::path::PathBuf;

use uuid::Uuid;

use super::super::args::{Global, PulseConfigCommand, PulseTenantsCommand};
use super::super::output::{print_object, stream_listing};
use super::super::{Failure, Outcome};
use super::{text, word};
use crate::model::generated::types::PulseTenant;
use crate::{Client, ListQuery, Patch, MAX_PAGE_SIZE};

const TENANT_COLUMNS: [&str; 4] = ["tenant", "name", "company", "mapping status"];

/// The `config set` options, as the refusal of an empty change lists them.
const SWITCHES: [&str; 3] = [
    "--company-mapping",
    "--license-management",
    "--push-new-companies",
];

pub(crate) async fn tenants(
    global: &Global,
    client: &Client,
    command: Option<PulseTenantsCommand>,
) -> Outcome {
    match command.unwrap_or(PulseTenantsCommand::List) {
        PulseTenantsCommand::List => {
            stream_listing(
                global.output,
                &TENANT_COLUMNS,
                "reading Pulse tenants",
                client
                    .pulse()
                    .tenants(ListQuery::new().page_size(MAX_PAGE_SIZE)),
                |tenant| vec![tenant_row(tenant)],
            )
            .await
        }
        PulseTenantsCommand::Show { id } => {
            print_object(global.output, &client.pulse().tenant(&id).await?)
        }
    }
}

fn tenant_row(tenant: &PulseTenant) -> Vec<String> {
    vec![
        text(tenant.instance_uid.as_deref()),
        text(tenant.name.as_deref()),
        tenant
            .mapped_master_organization_uid
            .map_or_else(|| "-".into(), |uid| uid.to_string()),
        tenant
            .mapping_status
            .as_ref()
            .map_or_else(|| "-".into(), word),
    ]
}

pub(crate) async fn sync(client: &Client) -> Outcome {
    client.pulse().sync().await?;
    eprintln!("the console is synchronising with VCSP Pulse");
    Ok(())
}

pub(crate) async fn config(
    global: &Global,
    client: &Client,
    command: Option<PulseConfigCommand>,
) -> Outcome {
    let (company_mapping, license_management, push_new_companies, dry_run) =
        match command.unwrap_or(PulseConfigCommand::Show) {
            PulseConfigCommand::Show => {
                return print_object(global.output, &client.pulse().configuration().await?)
            }
            PulseConfigCommand::Set {
                company_mapping,
                license_management,
                push_new_companies,
                dry_run,
            } => (
                company_mapping,
                license_management,
                push_new_companies,
                dry_run,
            ),
        };
    let on = |switch: &Option<String>| switch.as_deref().map(|s| s == "on");
    let mut patch = Patch::new();
    if let Some(enabled) = on(&company_mapping) {
        patch = patch.pulse_company_mapping(enabled);
    }
    if let Some(enabled) = on(&license_management) {
        patch = patch.pulse_license_management(enabled);
    }
    if let Some(enabled) = on(&push_new_companies) {
        patch = patch.pulse_pushing_new_companies(enabled);
    }
    if patch.operations().is_empty() {
        return Err(Failure::Exit(
            2,
            format!("nothing to change: give {}", SWITCHES.join(", ")),
        ));
    }
    if dry_run {
        eprintln!("would send: PATCH /pulse");
        return print_object(global.output, &patch.operations());
    }
    let changed = client.pulse().change_configuration(patch).await?;
    print_object(global.output, &changed)
}

/// Writes the license file where asked, or as `<UID>.lic` here; says where on standard error.
pub(crate) async fn download(client: &Client, uid: Uuid, to: Option<PathBuf>) -> Outcome {
    let file = client.pulse().download(uid).await?;
    let path = to.unwrap_or_else(|| PathBuf::from(file.file_name()));
    std::fs::write(&path, file.contents())
        .map_err(|e| Failure::Exit(1, format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "wrote the license file of Pulse license {uid} to {} ({} bytes); install it with \
         `license install --product PRODUCT SERVER_UID --file {}`",
        path.display(),
        file.contents().len(),
        path.display()
    );
    Ok(())
}
