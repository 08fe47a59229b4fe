//! The spec's facts as typed values: every operation with its method and path, the base path,
//! the paging bounds.
//!
//! The build script (`build/spec_facts.rs`) writes them from `spec/vspc-licensing.yaml` into `vspc_spec_facts.rs`, included
//! here; hand-written code takes operationIds, methods and paths from [`SpecOperation`] instead
//! of typing them again.
//!
//! How a change in the spec surfaces: each operation is a variant of [`SpecOperation`] named by
//! its operationId. Renaming an operation (or removing it) in the spec removes the variant, so
//! every use of `SpecOperation::OldName` in the crate stops compiling: the build names each place
//! to change. A changed path or method needs no change in code: it is read from the variant. The
//! tests below check, from the spec as the `contract` module reads it, that the variants are
//! exactly the spec's operations.

// Some facts are read only by the simulator or the CLI, which are optional features.
#![allow(dead_code)]

use std::fmt;

use crate::model::api_version::ApiVersion;

include!(concat!(env!("OUT_DIR"), "/vspc_spec_facts.rs"));

// Paging relies on these; a spec whose bounds contradict each other fails the build.
const _: () = assert!(
    PAGE_SIZE_MIN >= 1 && PAGE_SIZE_MIN <= PAGE_SIZE_DEFAULT && PAGE_SIZE_DEFAULT <= PAGE_SIZE_MAX,
    "the spec's paging limit bounds contradict each other"
);

impl SpecOperation {
    /// The operation whose operationId is `id`.
    pub fn from_id(id: &str) -> Option<SpecOperation> {
        SpecOperation::ALL.iter().copied().find(|op| op.id() == id)
    }

    /// The operation progenitor generated as `name` (its
    /// [`generated_name`](Self::generated_name), the `operation_id` the client's hooks see).
    pub fn from_generated_name(name: &str) -> Option<SpecOperation> {
        SpecOperation::ALL
            .iter()
            .copied()
            .find(|op| op.generated_name() == name)
    }

    /// The path with its parameters filled in order (`/licensing/sites/{siteUid}` with a UID
    /// gives `/licensing/sites/<uid>`); each value is percent-encoded as a path segment.
    pub fn fill_path(self, values: &[&dyn fmt::Display]) -> String {
        let mut values = values.iter();
        self.path()
            .split('/')
            .map(
                |segment| match is_parameter(segment).then(|| values.next()).flatten() {
                    Some(value) => progenitor_client::encode_path(&value.to_string()),
                    None => segment.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The path up to its first parameter (`/asyncActions/` for `/asyncActions/{actionId}`),
    /// the whole path when it has none.
    pub fn path_prefix(self) -> &'static str {
        let path = self.path();
        path.find('{').map_or(path, |at| &path[..at])
    }

    /// The names of the path parameters, in order.
    pub fn path_parameters(self) -> impl Iterator<Item = &'static str> {
        self.path()
            .split('/')
            .filter(|segment| is_parameter(segment))
            .map(|segment| &segment[1..segment.len() - 1])
    }

    /// The path parameters' values when `relative` (a path below [`API_BASE_PATH`], without
    /// query) is an instance of this operation's path template; `None` when it is not.
    pub fn match_path<'a>(self, relative: &'a str) -> Option<Vec<(&'static str, &'a str)>> {
        let template: Vec<&'static str> = self.path().split('/').collect();
        let actual: Vec<&'a str> = relative.trim_end_matches('/').split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut values = Vec::new();
        for (expected, given) in template.into_iter().zip(actual) {
            if is_parameter(expected) {
                if given.is_empty() {
                    return None;
                }
                values.push((&expected[1..expected.len() - 1], given));
            } else if expected != given {
                return None;
            }
        }
        Some(values)
    }
}

impl fmt::Display for SpecOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

fn is_parameter(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pulse_usage_preview_is_limited_to_newer_versions() {
        let limited: Vec<_> = SpecOperation::ALL
            .iter()
            .filter_map(|op| Some((*op, op.since()?)))
            .collect();
        assert_eq!(
            limited,
            [(SpecOperation::GetPulseVdcMonthlyUsages, ApiVersion::V3_7)]
        );
    }

    #[cfg(feature = "contract")]
    #[test]
    fn the_variants_are_exactly_the_specs_operations() {
        let spec = crate::contract::Spec::embedded();
        let mut declared: Vec<(String, String, String)> = spec
            .operations()
            .iter()
            .map(|op| (op.operation_id.clone(), op.method.clone(), op.path.clone()))
            .collect();
        declared.sort();
        let generated: Vec<(String, String, String)> = SpecOperation::ALL
            .iter()
            .map(|op| (op.id().into(), op.method().to_string(), op.path().into()))
            .collect();
        assert_eq!(generated, declared);
        let paged: Vec<&str> = SpecOperation::ALL
            .iter()
            .filter(|op| op.is_paged())
            .map(|op| op.id())
            .collect();
        let declared_paged: Vec<&str> = SpecOperation::ALL
            .iter()
            .map(|op| op.id())
            .filter(|id| {
                spec.operation(id)
                    .is_some_and(|op| op.parameters.iter().any(|p| p.name == "limit"))
            })
            .collect();
        assert_eq!(paged, declared_paged);
    }

    #[cfg(feature = "contract")]
    #[test]
    fn the_multipart_operations_are_the_license_installs() {
        let multipart: Vec<&str> = SpecOperation::ALL
            .iter()
            .filter(|op| op.is_multipart())
            .map(|op| op.id())
            .collect();
        let spec = crate::contract::Spec::embedded();
        let declared: Vec<&str> = spec
            .operations()
            .iter()
            .filter(|op| {
                op.request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("multipart/form-data"))
            })
            .map(|op| op.operation_id.as_str())
            .collect();
        let mut declared = declared;
        declared.sort();
        assert_eq!(multipart, declared);
        assert!(multipart.iter().all(|id| id.starts_with("Install")));
    }

    #[test]
    fn paths_fill_and_match_their_parameters() {
        let uid = uuid::Uuid::nil();
        let path = SpecOperation::GetSiteLicense.fill_path(&[&uid]);
        assert_eq!(path, format!("/licensing/sites/{uid}"));
        assert_eq!(
            SpecOperation::GetSiteLicense.match_path(&path),
            Some(vec![("siteUid", uid.to_string().as_str())])
        );
        assert_eq!(
            SpecOperation::GetSiteLicense.match_path("/licensing/sites"),
            None
        );
        assert_eq!(
            SpecOperation::GetSiteLicense.match_path("/licensing/sites/"),
            None
        );
        assert_eq!(
            SpecOperation::GetAsyncActionResult.path_prefix(),
            "/asyncActions/"
        );
        assert_eq!(
            SpecOperation::GetAsyncActionResult
                .path_parameters()
                .collect::<Vec<_>>(),
            ["actionId"]
        );
        assert_eq!(
            SpecOperation::from_id("GetSiteLicense"),
            Some(SpecOperation::GetSiteLicense)
        );
        assert_eq!(
            SpecOperation::from_generated_name("o_auth2_issue_token"),
            Some(SpecOperation::OAuth2IssueToken)
        );
        assert_eq!(
            SpecOperation::from_generated_name("get_v_one_server_license"),
            Some(SpecOperation::GetVOneServerLicense)
        );
        assert_eq!(SpecOperation::from_generated_name("GetSiteLicense"), None);
        assert!(SpecOperation::GetBackupServersLicenses.is_paged());
        assert!(!SpecOperation::GetSiteLicenses.is_paged());
        assert!(!SpecOperation::GetBackupServerLicense.is_paged());
        assert!(API_BASE_PATH.starts_with('/'));
    }
}
