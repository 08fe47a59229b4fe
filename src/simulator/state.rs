//! The simulator's data, in memory, as the generated types; and what tests may read of it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::model::enums::{
    LicenseSectionType, LicenseStatus, LicenseUpdateStatus, SectionForDelete,
};
use crate::types::{
    BackupServerLicense, ConsoleLicense, LicenseSettings, OrganizationCurrentLicenseUsage,
    PulseLicense, PulseTenant, SingleLicenseReport, SingleLicenseReportSettings, SiteLicense,
    VOneServerLicense, Vb365ServerLicense,
};

use super::license_file::SimulatorLicense;
use crate::api::product::Product;

/// What the four per-server license types have in common for the simulator.
pub(crate) trait LicenseResource:
    Serialize + DeserializeOwned + Clone + Send + Sync + 'static
{
    /// The product it licenses.
    const PRODUCT: Product;
    fn uid(&self) -> Option<Uuid>;
    fn store(state: &State) -> &Store<Self>;
    fn store_mut(state: &mut State) -> &mut Store<Self>;
    /// What an online update from Veeam's license server does: a fresh expiry a year out.
    fn renew(&mut self, now: DateTime<Utc>);
    /// Replaces the license with the one in the file, keeping the server it is installed on.
    fn install(&mut self, file: &SimulatorLicense, now: DateTime<Utc>);
    /// Removes one section (instance or socket) of the license; the number of sections left,
    /// or why it cannot. Only products whose delete takes a section have sections.
    fn remove_section(&mut self, section: &SectionForDelete) -> Result<usize, String> {
        Err(format!("The license has no {section} section."))
    }
    /// Whether the server updates its license automatically (ALK).
    fn auto_update(&self) -> bool;
    /// What a revoked rental license becomes on the server at its next update.
    fn invalidate(&mut self);
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
    pub(crate) kind: crate::model::enums::OrganizationType,
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
    /// VCSP Pulse: contracts, products and the licenses issued under them.
    pub(crate) pulse: super::pulse::PulseState,
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

// The generated license types are distinct structs that share many field names; these macros
// write what they have in common once (a function cannot name a field of several types).

/// What an online update from Veeam's license server does to the dates: a year more.
macro_rules! renew_dates {
    ($license:expr, $now:expr) => {{
        $license.expiration_date = Some(renewed_expiry($now));
        $license.support_expiration_date = Some(renewed_expiry($now));
    }};
}

/// What every product license takes from an installed license file.
macro_rules! install_common {
    ($license:expr, $file:expr) => {{
        $license.company = Some($file.company.clone());
        $license.email = $file.email.clone();
        $license.expiration_date = Some($file.expiration_date);
        $license.support_expiration_date = $file.support_expiration_date;
        $license.type_ = Some($file.license_type.clone());
    }};
}

/// What the licenses with packages and sections (backup servers, sites) also take from a file.
macro_rules! install_sectioned {
    ($license:expr, $file:expr) => {{
        install_common!($license, $file);
        $license.contact_person = $file.contact_person.clone();
        $license.edition = $file.edition.clone();
        $license.license_ids = vec![$file.license_id];
        $license.support_ids = $file.support_id.iter().cloned().collect();
        $license.packages = $file.packages.clone();
        $license.unit_type = Some($file.unit_type.clone());
        $license.units = Some($file.units);
        $license.section_types = $file.section_types.clone();
    }};
}

impl LicenseResource for BackupServerLicense {
    fn auto_update(&self) -> bool {
        self.auto_update_enabled
    }
    fn invalidate(&mut self) {
        self.status = Some(LicenseStatus::Error);
    }
    const PRODUCT: Product = Product::BackupServer;
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
        renew_dates!(self, now);
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &SimulatorLicense, now: DateTime<Utc>) {
        install_sectioned!(self, file);
        self.used_units = Some(self.used_units.unwrap_or(0.0).min(file.units));
        self.sockets = file.sockets;
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }

    fn remove_section(&mut self, section: &SectionForDelete) -> Result<usize, String> {
        let wanted = if *section == SectionForDelete::Socket {
            LicenseSectionType::Socket
        } else {
            LicenseSectionType::Instance
        };
        if !self.section_types.contains(&wanted) {
            return Err(format!("The license has no {wanted} section."));
        }
        self.section_types.retain(|s| *s != wanted);
        if wanted == LicenseSectionType::Socket {
            self.sockets = Some(0.0);
            self.used_sockets = Some(0.0);
        } else {
            self.units = Some(0.0);
            self.used_units = Some(0.0);
        }
        Ok(self.section_types.len())
    }
}

impl LicenseResource for SiteLicense {
    fn auto_update(&self) -> bool {
        self.auto_update_enabled
    }
    fn invalidate(&mut self) {
        self.status = Some(LicenseStatus::Error);
    }
    const PRODUCT: Product = Product::Site;
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
        renew_dates!(self, now);
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &SimulatorLicense, now: DateTime<Utc>) {
        install_sectioned!(self, file);
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }
}

impl LicenseResource for VOneServerLicense {
    fn auto_update(&self) -> bool {
        self.auto_update_enabled
    }
    fn invalidate(&mut self) {
        self.status = Some(LicenseStatus::Error);
    }
    const PRODUCT: Product = Product::VOneServer;
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
        renew_dates!(self, now);
        let (status, message) = status_for(self.expiration_date, now);
        self.status = Some(status);
        self.status_message = Some(message);
    }
    fn install(&mut self, file: &SimulatorLicense, now: DateTime<Utc>) {
        install_common!(self, file);
        self.license_id = Some(file.license_id);
        self.support_id = file.support_id.clone();
        self.unit_type = Some(file.unit_type.clone());
        self.units = Some(file.units);
        let (status, message) = status_for(Some(file.expiration_date), now);
        self.status = Some(status);
        self.status_message = Some(message);
    }
}

impl LicenseResource for Vb365ServerLicense {
    fn auto_update(&self) -> bool {
        self.auto_update_enabled
    }
    fn invalidate(&mut self) {
        self.status = Some(LicenseStatus::Error);
    }
    const PRODUCT: Product = Product::Vb365Server;
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
        renew_dates!(self, now);
        self.status = Some(LicenseStatus::Valid);
    }
    fn install(&mut self, file: &SimulatorLicense, now: DateTime<Utc>) {
        install_common!(self, file);
        self.license_id = Some(file.license_id);
        self.support_id = file.support_id.clone();
        self.licensed_users = Some(file.units.round() as i32);
        self.status = Some(status_for(Some(file.expiration_date), now).0);
    }
}

/// Renews the console license online.
pub(crate) fn renew_console(console: &mut ConsoleLicense, now: DateTime<Utc>) {
    renew_dates!(console, now);
    console.status = Some(crate::model::enums::ConsoleLicenseStatus::Valid);
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
    /// The VCSP Pulse licenses, in the order issued (none until issued, unless a scenario
    /// lists some).
    pub fn pulse_licenses(&self) -> Vec<PulseLicense> {
        self.read(|s| s.pulse.licenses.clone())
    }
    /// The VCSP Pulse tenants, each with the company it is mapped to, if any.
    pub fn pulse_tenants(&self) -> Vec<PulseTenant> {
        self.read(|s| s.pulse.tenants.clone())
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
