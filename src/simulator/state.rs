//! The simulator's data, in memory, as the generated types; and what tests may read of it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::enums::{LicenseStatus, LicenseUpdateStatus};
use crate::types::{
    BackupServerLicense, ConsoleLicense, LicenseSettings, OrganizationCurrentLicenseUsage,
    SingleLicenseReport, SingleLicenseReportSettings, SiteLicense, VOneServerLicense,
    Vb365ServerLicense,
};

use super::license_file::LicenseFile;

/// The four kinds of per-server licenses the API manages the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Veeam Backup & Replication servers (`/licensing/backupServers`).
    BackupServer,
    /// Veeam Cloud Connect sites (`/licensing/sites`).
    Site,
    /// Veeam ONE servers (`/licensing/voneServers`).
    VOne,
    /// Veeam Backup for Microsoft 365 servers (`/licensing/vb365Servers`).
    Vb365,
}

impl Kind {
    /// The collection's path segment under `/licensing`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::BackupServer => "backupServers",
            Kind::Site => "sites",
            Kind::VOne => "voneServers",
            Kind::Vb365 => "vb365Servers",
        }
    }

    /// The spec's name of the resource, as used in operationIds (`Get{}License`).
    pub fn noun(self) -> &'static str {
        match self {
            Kind::BackupServer => "BackupServer",
            Kind::Site => "Site",
            Kind::VOne => "VOneServer",
            Kind::Vb365 => "Vb365Server",
        }
    }

    /// The operationId of the collection read.
    pub fn list_operation(self) -> &'static str {
        match self {
            Kind::BackupServer => "GetBackupServersLicenses",
            Kind::Site => "GetSiteLicenses",
            Kind::VOne => "GetVOneServersLicenses",
            Kind::Vb365 => "GetVb365ServersLicenses",
        }
    }

    /// The product name a license file names for this kind.
    pub fn product(self) -> &'static str {
        match self {
            Kind::BackupServer => "BackupServer",
            Kind::Site => "CloudConnectSite",
            Kind::VOne => "VeeamOne",
            Kind::Vb365 => "Vb365",
        }
    }

    /// Whether the spec has a delete operation for this kind.
    pub fn deletable(self) -> bool {
        matches!(self, Kind::BackupServer | Kind::VOne)
    }
}

/// What the four per-server license types have in common for the simulator.
pub(crate) trait LicenseResource:
    Serialize + DeserializeOwned + Clone + Send + Sync + 'static
{
    const KIND: Kind;
    fn uid(&self) -> Option<Uuid>;
    fn store(state: &State) -> &Store<Self>;
    fn store_mut(state: &mut State) -> &mut Store<Self>;
    /// What an online update from Veeam's license server does: a fresh expiry a year out.
    fn renew(&mut self, now: DateTime<Utc>);
    /// Replaces the license with the one in the file, keeping the server it is installed on.
    fn install(&mut self, file: &LicenseFile, now: DateTime<Utc>);
}

/// One collection: the items in seed order and an index by UID.
#[derive(Clone, Debug, Default)]
pub(crate) struct Store<T> {
    pub(crate) items: Vec<T>,
    index: HashMap<Uuid, usize>,
}

impl<T: LicenseResource> Store<T> {
    pub(crate) fn new(items: Vec<T>) -> Self {
        let mut store = Store {
            items,
            index: HashMap::new(),
        };
        store.reindex();
        store
    }

    fn reindex(&mut self) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.uid().map(|uid| (uid, i)))
            .collect();
    }

    pub(crate) fn get(&self, uid: &Uuid) -> Option<&T> {
        self.index.get(uid).map(|&i| &self.items[i])
    }

    pub(crate) fn get_mut(&mut self, uid: &Uuid) -> Option<&mut T> {
        self.index
            .get(uid)
            .copied()
            .map(move |i| &mut self.items[i])
    }

    pub(crate) fn remove(&mut self, uid: &Uuid) -> Option<T> {
        let i = self.index.remove(uid)?;
        let removed = self.items.remove(i);
        // Deletes are rare; re-indexing keeps lookups O(1) for the common reads.
        self.reindex();
        Some(removed)
    }

    pub(crate) fn uids(&self) -> Vec<Uuid> {
        self.items.iter().filter_map(LicenseResource::uid).collect()
    }
}

/// One organization of the seeded world.
#[derive(Clone, Debug)]
pub(crate) struct Organization {
    pub(crate) uid: Uuid,
    pub(crate) name: String,
    pub(crate) kind: crate::enums::OrganizationType,
}

/// Everything the simulator serves.
pub(crate) struct State {
    pub(crate) now: DateTime<Utc>,
    pub(crate) backup_servers: Store<BackupServerLicense>,
    pub(crate) sites: Store<SiteLicense>,
    pub(crate) vone_servers: Store<VOneServerLicense>,
    pub(crate) vb365_servers: Store<Vb365ServerLicense>,
    pub(crate) console: ConsoleLicense,
    pub(crate) console_settings: LicenseSettings,
    pub(crate) organizations: Vec<Organization>,
    /// Newest month first.
    pub(crate) reports: Vec<SingleLicenseReport>,
    pub(crate) report_settings: SingleLicenseReportSettings,
    pub(crate) usage: Vec<OrganizationCurrentLicenseUsage>,
    /// How many changes were applied to each resource, by its path (e.g. `backupServers/{uid}`).
    pub(crate) changes: HashMap<String, u64>,
}

impl State {
    pub(crate) fn count_change(&mut self, resource: String) {
        *self.changes.entry(resource).or_insert(0) += 1;
    }
}

/// The status and message a license with this expiry has at `now`.
pub(crate) fn status_for(
    expiry: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (LicenseStatus, String) {
    match expiry {
        None => (
            LicenseStatus::Valid,
            "The license does not expire.".to_owned(),
        ),
        Some(expiry) if expiry <= now => (
            LicenseStatus::Expired,
            "The license has expired.".to_owned(),
        ),
        Some(expiry) if expiry - now <= ChronoDuration::days(30) => (
            LicenseStatus::Warning,
            format!(
                "The license expires in {} days.",
                (expiry - now).num_days().max(1)
            ),
        ),
        Some(_) => (LicenseStatus::Valid, "The license is valid.".to_owned()),
    }
}

fn renewed_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + ChronoDuration::days(365)
}

impl LicenseResource for BackupServerLicense {
    const KIND: Kind = Kind::BackupServer;
    fn uid(&self) -> Option<Uuid> {
        self.backup_server_uid
    }
    fn store(state: &State) -> &Store<Self> {
        &state.backup_servers
    }
    fn store_mut(state: &mut State) -> &mut Store<Self> {
        &mut state.backup_servers
    }
    fn renew(&mut self, now: DateTime<Utc>) {
        self.expiration_date = Some(renewed_expiry(now));
        self.support_expiration_date = Some(renewed_expiry(now));
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &LicenseFile, now: DateTime<Utc>) {
        self.company = Some(file.company.clone());
        self.email = file.email.clone();
        self.contact_person = file.contact_person.clone();
        self.edition = file.edition.clone();
        self.expiration_date = Some(file.expiration_date);
        self.support_expiration_date = file.support_expiration_date;
        self.license_ids = vec![file.license_id];
        self.support_ids = file.support_id.iter().cloned().collect();
        self.packages = file.packages.clone();
        self.type_ = Some(file.license_type.clone());
        self.unit_type = Some(file.unit_type.clone());
        self.units = Some(file.units);
        self.used_units = Some(self.used_units.unwrap_or(0.0).min(file.units));
        self.section_types = file.section_types.clone();
        self.sockets = file.sockets;
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }
}

impl LicenseResource for SiteLicense {
    const KIND: Kind = Kind::Site;
    fn uid(&self) -> Option<Uuid> {
        self.site_uid
    }
    fn store(state: &State) -> &Store<Self> {
        &state.sites
    }
    fn store_mut(state: &mut State) -> &mut Store<Self> {
        &mut state.sites
    }
    fn renew(&mut self, now: DateTime<Utc>) {
        self.expiration_date = Some(renewed_expiry(now));
        self.support_expiration_date = Some(renewed_expiry(now));
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &LicenseFile, now: DateTime<Utc>) {
        self.company = Some(file.company.clone());
        self.email = file.email.clone();
        self.contact_person = file.contact_person.clone();
        self.edition = file.edition.clone();
        self.expiration_date = Some(file.expiration_date);
        self.support_expiration_date = file.support_expiration_date;
        self.license_ids = vec![file.license_id];
        self.support_ids = file.support_id.iter().cloned().collect();
        self.packages = file.packages.clone();
        self.type_ = Some(file.license_type.clone());
        self.unit_type = Some(file.unit_type.clone());
        self.units = Some(file.units);
        self.section_types = file.section_types.clone();
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }
}

impl LicenseResource for VOneServerLicense {
    const KIND: Kind = Kind::VOne;
    fn uid(&self) -> Option<Uuid> {
        self.v_one_server_uid
    }
    fn store(state: &State) -> &Store<Self> {
        &state.vone_servers
    }
    fn store_mut(state: &mut State) -> &mut Store<Self> {
        &mut state.vone_servers
    }
    fn renew(&mut self, now: DateTime<Utc>) {
        self.expiration_date = Some(renewed_expiry(now));
        self.support_expiration_date = Some(renewed_expiry(now));
        let (status, message) = status_for(self.expiration_date, now);
        self.status = Some(status);
        self.status_message = Some(message);
    }
    fn install(&mut self, file: &LicenseFile, now: DateTime<Utc>) {
        self.company = Some(file.company.clone());
        self.email = file.email.clone();
        self.expiration_date = Some(file.expiration_date);
        self.support_expiration_date = file.support_expiration_date;
        self.license_id = Some(file.license_id);
        self.support_id = file.support_id.clone();
        self.type_ = Some(file.license_type.clone());
        self.unit_type = Some(file.unit_type.clone());
        self.units = Some(file.units);
        let (status, message) = status_for(Some(file.expiration_date), now);
        self.status = Some(status);
        self.status_message = Some(message);
    }
}

impl LicenseResource for Vb365ServerLicense {
    const KIND: Kind = Kind::Vb365;
    fn uid(&self) -> Option<Uuid> {
        self.vb365_server_uid
    }
    fn store(state: &State) -> &Store<Self> {
        &state.vb365_servers
    }
    fn store_mut(state: &mut State) -> &mut Store<Self> {
        &mut state.vb365_servers
    }
    fn renew(&mut self, now: DateTime<Utc>) {
        self.expiration_date = Some(renewed_expiry(now));
        self.support_expiration_date = Some(renewed_expiry(now));
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &LicenseFile, now: DateTime<Utc>) {
        self.company = Some(file.company.clone());
        self.email = file.email.clone();
        self.expiration_date = Some(file.expiration_date);
        self.support_expiration_date = file.support_expiration_date;
        self.license_id = Some(file.license_id);
        self.support_id = file.support_id.clone();
        self.type_ = Some(file.license_type.clone());
        self.licensed_users = Some(file.units.round() as i32);
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }
}

/// Renews the console license online.
pub(crate) fn renew_console(console: &mut ConsoleLicense, now: DateTime<Utc>) {
    console.expiration_date = Some(renewed_expiry(now));
    console.support_expiration_date = Some(renewed_expiry(now));
    console.status = Some(crate::enums::ConsoleLicenseStatus::Valid);
    console.status_message = Some("The license is valid.".to_owned());
    console.last_update_date = Some(now);
    console.last_update_status = Some(LicenseUpdateStatus::Success);
    console.last_update_message = Some("The license was updated.".to_owned());
}

/// Access to a running simulator's data, for tests and tools.
#[derive(Clone)]
pub struct SimulatorState {
    pub(crate) inner: Arc<RwLock<State>>,
}

impl SimulatorState {
    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let state = self
            .inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&state)
    }

    /// The backup server license of this server, if the server has one.
    pub fn backup_server_license(&self, uid: Uuid) -> Option<BackupServerLicense> {
        self.read(|s| s.backup_servers.get(&uid).cloned())
    }
    /// UIDs of all backup servers with a license, in collection order.
    pub fn backup_server_uids(&self) -> Vec<Uuid> {
        self.read(|s| s.backup_servers.uids())
    }
    /// The site license of this site.
    pub fn site_license(&self, uid: Uuid) -> Option<SiteLicense> {
        self.read(|s| s.sites.get(&uid).cloned())
    }
    /// UIDs of all sites, in collection order.
    pub fn site_uids(&self) -> Vec<Uuid> {
        self.read(|s| s.sites.uids())
    }
    /// The Veeam ONE license of this server.
    pub fn vone_server_license(&self, uid: Uuid) -> Option<VOneServerLicense> {
        self.read(|s| s.vone_servers.get(&uid).cloned())
    }
    /// UIDs of all Veeam ONE servers with a license.
    pub fn vone_server_uids(&self) -> Vec<Uuid> {
        self.read(|s| s.vone_servers.uids())
    }
    /// The Veeam Backup for Microsoft 365 license of this server.
    pub fn vb365_server_license(&self, uid: Uuid) -> Option<Vb365ServerLicense> {
        self.read(|s| s.vb365_servers.get(&uid).cloned())
    }
    /// UIDs of all Veeam Backup for Microsoft 365 servers.
    pub fn vb365_server_uids(&self) -> Vec<Uuid> {
        self.read(|s| s.vb365_servers.uids())
    }
    /// Number of backup server licenses.
    pub fn backup_server_count(&self) -> usize {
        self.read(|s| s.backup_servers.items.len())
    }
    /// UIDs of the seeded organizations; the first is the provider.
    pub fn organization_uids(&self) -> Vec<Uuid> {
        self.read(|s| s.organizations.iter().map(|o| o.uid).collect())
    }
    /// The console license.
    pub fn console_license(&self) -> ConsoleLicense {
        self.read(|s| s.console.clone())
    }
    /// The report settings.
    pub fn report_settings(&self) -> SingleLicenseReportSettings {
        self.read(|s| s.report_settings.clone())
    }
    /// All license usage reports, newest month first.
    pub fn reports(&self) -> Vec<SingleLicenseReport> {
        self.read(|s| s.reports.clone())
    }
    /// Replaces the license usage reports the simulator serves, to try a view on data the seed
    /// does not make (a month without reports, an organization that leaves or joins).
    pub fn replace_reports(&self, reports: Vec<SingleLicenseReport>) {
        let mut state = self
            .inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.reports = reports;
    }
    /// How many changes were applied to a resource, named by its path under `/licensing`
    /// without the leading slash: `backupServers/{uid}`, `sites/{uid}`, `voneServers/{uid}`,
    /// `vb365Servers/{uid}`, `console`, `reports/settings`, `reports/finalization`.
    pub fn changes_applied(&self, resource: &str) -> u64 {
        self.read(|s| s.changes.get(resource).copied().unwrap_or(0))
    }
    /// Total number of changes applied to any resource.
    pub fn total_changes_applied(&self) -> u64 {
        self.read(|s| s.changes.values().sum())
    }
}
