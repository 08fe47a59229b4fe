//! Month-over-month change of each organization's points.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::history::{OrganizationKey, OrganizationUsage, UsageHistory};
use super::month::Month;
use super::{tidy, UsageError};
use crate::model::enums::ProductType;

/// In which of the two months an organization has reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Presence {
    /// In both months.
    Both,
    /// Only in the earlier month: its points went to zero (or it left).
    BeforeOnly,
    /// Only in the later month: a new consumer.
    AfterOnly,
}

/// The change of one product's points for one organization.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductChange {
    /// The product; `None` for points the reports do not split by product for this
    /// organization (see [`OrganizationUsage::unattributed_points`]).
    pub product_type: Option<ProductType>,
    /// Points in the earlier month.
    pub points_before: f64,
    /// Points in the later month.
    pub points_after: f64,
    /// `points_after - points_before`.
    pub change: f64,
}

/// The change of one organization's points between two months.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationChange {
    /// The organization's UID, when the reports give one.
    pub organization_uid: Option<Uuid>,
    /// Its name (in the later of the reports that name it).
    pub organization_name: String,
    /// Points in the earlier month (`0` when it has none there).
    pub points_before: f64,
    /// Points in the later month (`0` when it has none there).
    pub points_after: f64,
    /// `points_after - points_before`.
    pub change: f64,
    /// In which months the organization appears.
    pub presence: Presence,
    /// The change per product, largest change first.
    pub products: Vec<ProductChange>,
}

/// Every organization's change between two months, biggest movers first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageDiff {
    /// The earlier month.
    pub from: Month,
    /// The later month.
    pub to: Month,
    /// All points of the earlier month's reports.
    pub total_before: f64,
    /// All points of the later month's reports.
    pub total_after: f64,
    /// One entry per organization in either month, by size of change (largest first).
    pub organizations: Vec<OrganizationChange>,
}

impl UsageHistory {
    /// How each organization's points changed from `from` to `to`.
    ///
    /// Fails with [`UsageError::NoReportsForMonth`] when either month has no reports.
    pub fn diff(&self, from: Month, to: Month) -> Result<UsageDiff, UsageError> {
        let missing = |month| UsageError::NoReportsForMonth {
            month,
            available: self.months().iter().map(|m| m.month).collect(),
        };
        let before = self.month(from).ok_or_else(|| missing(from))?;
        let after = self.month(to).ok_or_else(|| missing(to))?;
        let mut pairs: BTreeMap<
            OrganizationKey,
            (Option<&OrganizationUsage>, Option<&OrganizationUsage>),
        > = BTreeMap::new();
        for usage in &before.organizations {
            pairs
                .entry(OrganizationKey::of(&usage.organization))
                .or_default()
                .0 = Some(usage);
        }
        for usage in &after.organizations {
            pairs
                .entry(OrganizationKey::of(&usage.organization))
                .or_default()
                .1 = Some(usage);
        }
        let mut organizations: Vec<OrganizationChange> = pairs
            .into_values()
            .filter_map(|(old, new)| {
                let named = new.or(old)?;
                let points = |u: Option<&OrganizationUsage>| u.map_or(0.0, |u| u.points);
                let (points_before, points_after) = (points(old), points(new));
                Some(OrganizationChange {
                    organization_uid: named.organization.uid,
                    organization_name: named.organization.name.clone(),
                    points_before,
                    points_after,
                    change: tidy(points_after - points_before),
                    presence: match (old, new) {
                        (Some(_), Some(_)) => Presence::Both,
                        (Some(_), None) => Presence::BeforeOnly,
                        _ => Presence::AfterOnly,
                    },
                    products: product_changes(old, new),
                })
            })
            .collect();
        organizations.sort_by(|a, b| {
            b.change
                .abs()
                .total_cmp(&a.change.abs())
                .then_with(|| a.organization_name.cmp(&b.organization_name))
        });
        Ok(UsageDiff {
            from,
            to,
            total_before: before.total_points,
            total_after: after.total_points,
            organizations,
        })
    }
}

fn product_changes(
    old: Option<&OrganizationUsage>,
    new: Option<&OrganizationUsage>,
) -> Vec<ProductChange> {
    type Split = BTreeMap<Option<ProductType>, (f64, f64)>;
    let mut split: Split = BTreeMap::new();
    let mut add = |usage: Option<&OrganizationUsage>, after: bool| {
        let Some(usage) = usage else { return };
        let unattributed =
            (usage.unattributed_points > 0.0).then_some((None, usage.unattributed_points));
        for (product, points) in usage
            .products
            .iter()
            .map(|p| (Some(p.product_type.clone()), p.points))
            .chain(unattributed)
        {
            let entry = split.entry(product).or_default();
            if after {
                entry.1 += points;
            } else {
                entry.0 += points;
            }
        }
    };
    add(old, false);
    add(new, true);
    let mut changes: Vec<ProductChange> = split
        .into_iter()
        .map(
            |(product_type, (points_before, points_after))| ProductChange {
                product_type,
                points_before,
                points_after,
                change: points_after - points_before,
            },
        )
        .collect();
    changes.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    changes
}
