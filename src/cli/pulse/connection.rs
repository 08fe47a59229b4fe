//! `pulse tenants`, `pulse sync`, `pulse config` and `pulse licenses download`: the console's
//! side of VCSP Pulse, and a Pulse license as a file.

use std::path::PathBuf;

use uuid::Uuid;

use super::super::args::{Global, PulseConfigCommand, PulseTenantsCommand};
use super::super::output::{print_object, stream_listing};
use super::super::{Failure, Outcome};
use super::{text, word};
use crate::model::generated::types::{JsonPatches, PulseTenant};
use crate::{Client, ListQuery, Patch, MAX_PAGE_SIZE};

const TENANT_COLUMNS: [&str; 4] = ["tenant", "name", "company", "mapping status"];

/// The configuration's switches, by the `config set` option that sets each.
const SWITCHES: [(&str, &str); 3] = [
    ("company_mapping", "/isCompanyMappingEnabled"),
    ("license_management", "/isLicenseManagementEnabled"),
    ("push_new_companies", "/isPushingNewCompaniesToPulseEnabled"),
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
    let mut patch = Patch::new();
    for ((_, path), asked) in
        SWITCHES
            .iter()
            .zip([company_mapping, license_management, push_new_companies])
    {
        if let Some(switch) = asked {
            patch = patch.replace(*path, switch == "on");
        }
    }
    if patch.operations().is_empty() {
        let options: Vec<String> = SWITCHES
            .iter()
            .map(|(option, _)| format!("--{}", option.replace('_', "-")))
            .collect();
        return Err(Failure::Exit(
            2,
            format!("nothing to change: give {}", options.join(", ")),
        ));
    }
    if dry_run {
        eprintln!("would send: PATCH /pulse");
        return print_object(global.output, &patch.operations());
    }
    let changed = client
        .patch_pulse_configuration()
        .body(JsonPatches::from(patch))
        .send()
        .await
        .map_err(crate::Error::from)?
        .into_inner()
        .data;
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
