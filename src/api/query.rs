//! Typed `filter`, `sort` and `select` for collection operations.
//!
//! VSPC takes these query parameters as JSON text (`?filter=[{"property":...}]`). The builders
//! here produce the spec's own types ([`FilterExpression`], [`SortExpression`],
//! [`SelectExpression`]) and turn into that JSON text, so they can be handed straight to a
//! generated builder's `.filter(...)`, `.sort(...)`, `.select(...)`, or to [`ListQuery`].
//!
//! ```
//! use vspc_licensing::{Filter, Sort};
//! let expiring = Filter::less_than("expirationDate", "2026-12-31T00:00:00Z")
//!     .and(Filter::equals("autoUpdateEnabled", false));
//! assert_eq!(
//!     String::from(expiring),
//!     r#"[{"operation":"lessThan","property":"expirationDate","value":"2026-12-31T00:00:00Z"},{"operation":"equals","property":"autoUpdateEnabled","value":false}]"#
//! );
//! let by_company = Sort::ascending("company").then_descending("expirationDate");
//! assert!(String::from(by_company).contains(r#""direction":"descending""#));
//! ```

use serde_json::Value;

use crate::model::enums::{FilterCollation, FilterOperation, SortDirection};
use crate::model::generated::types::{FilterExpression, SelectExpression, SortExpression};

/// A `filter`: conditions that all hold (a list of [`FilterExpression`]s, joined by "and").
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Filter(Vec<FilterExpression>);

impl Filter {
    /// One comparison of `property` (`.`-separated for nested properties) with `value`.
    pub fn compare(
        property: impl Into<String>,
        operation: FilterOperation,
        value: impl Into<Value>,
    ) -> Self {
        Filter(vec![FilterExpression {
            collation: None,
            items: Vec::new(),
            operation,
            property: Some(property.into()),
            value: Some(value.into()),
        }])
    }

    /// `property == value`.
    pub fn equals(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::Equals, value)
    }

    /// `property != value`.
    pub fn not_equals(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::NotEquals, value)
    }

    /// `property < value` (dates compare as instants).
    pub fn less_than(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::LessThan, value)
    }

    /// `property <= value`.
    pub fn less_than_or_equal(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::LessThanOrEqual, value)
    }

    /// `property > value`.
    pub fn greater_than(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::GreaterThan, value)
    }

    /// `property >= value`.
    pub fn greater_than_or_equal(property: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(property, FilterOperation::GreaterThanOrEqual, value)
    }

    /// `property` contains the text `value`.
    pub fn contains(property: impl Into<String>, value: impl Into<String>) -> Self {
        Self::compare(
            property,
            FilterOperation::Contains,
            Value::String(value.into()),
        )
    }

    /// `property` is one of `values`.
    pub fn is_in<V: Into<Value>>(
        property: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Self::compare(
            property,
            FilterOperation::In,
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }

    /// Any of `alternatives` holds. Each alternative stays one operand of the `or`: an
    /// alternative made of several conditions (`a.and(b)`) is sent as `and(a, b)`.
    pub fn any_of(alternatives: impl IntoIterator<Item = Filter>) -> Self {
        Self::logical(
            FilterOperation::Or,
            alternatives.into_iter().map(Filter::into_one).collect(),
        )
    }

    /// `self` does not hold. VSPC's `not` takes one operand, so a filter of several conditions
    /// is negated as `not(and(...))`.
    pub fn negate(self) -> Self {
        Self::logical(FilterOperation::Not, vec![self.into_one()])
    }

    /// Both `self` and `other` hold.
    pub fn and(mut self, other: Filter) -> Self {
        self.0.extend(other.0);
        self
    }

    /// Compare strings with `collation` in every comparison of this filter, nested ones
    /// included.
    pub fn collation(mut self, collation: FilterCollation) -> Self {
        fn apply(expressions: &mut [FilterExpression], collation: &FilterCollation) {
            for expression in expressions {
                if expression.items.is_empty() {
                    expression.collation = Some(collation.clone());
                } else {
                    apply(&mut expression.items, collation);
                }
            }
        }
        apply(&mut self.0, &collation);
        self
    }

    /// The expressions, as the spec's type.
    pub fn expressions(&self) -> &[FilterExpression] {
        &self.0
    }

    /// The filter as a single expression: its one condition, or `and` of its conditions.
    fn into_one(self) -> FilterExpression {
        let mut expressions = self.0;
        if expressions.len() == 1 {
            expressions.remove(0)
        } else {
            Self::logical(FilterOperation::And, expressions).0.remove(0)
        }
    }

    fn logical(operation: FilterOperation, items: Vec<FilterExpression>) -> Self {
        Filter(vec![FilterExpression {
            collation: None,
            items,
            operation,
            property: None,
            value: None,
        }])
    }
}

/// A `sort`: keys, most significant first.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Sort(Vec<SortExpression>);

impl Sort {
    /// Sort by `property`, ascending.
    pub fn ascending(property: impl Into<String>) -> Self {
        Sort::default().then(property, SortDirection::Ascending)
    }

    /// Sort by `property`, descending.
    pub fn descending(property: impl Into<String>) -> Self {
        Sort::default().then(property, SortDirection::Descending)
    }

    /// Then by `property`, ascending.
    pub fn then_ascending(self, property: impl Into<String>) -> Self {
        self.then(property, SortDirection::Ascending)
    }

    /// Then by `property`, descending.
    pub fn then_descending(self, property: impl Into<String>) -> Self {
        self.then(property, SortDirection::Descending)
    }

    fn then(mut self, property: impl Into<String>, direction: SortDirection) -> Self {
        self.0.push(SortExpression {
            collation: None,
            direction: Some(direction),
            property: property.into(),
        });
        self
    }

    /// The keys, as the spec's type.
    pub fn expressions(&self) -> &[SortExpression] {
        &self.0
    }
}

/// A `select`: the properties to return.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Select(Vec<SelectExpression>);

impl Select {
    /// Return only these properties (required ones always come back).
    pub fn properties<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> Self {
        Select(
            paths
                .into_iter()
                .map(|p| SelectExpression {
                    property_path: p.into(),
                })
                .collect(),
        )
    }

    /// The properties, as the spec's type.
    pub fn expressions(&self) -> &[SelectExpression] {
        &self.0
    }
}

macro_rules! json_text {
    ($($name:ident),*) => {$(
        impl From<$name> for String {
            fn from(value: $name) -> String {
                serde_json::to_string(&value.0).expect("query expressions always serialise")
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&serde_json::to_string(&self.0).map_err(|_| std::fmt::Error)?)
            }
        }
    )*};
}
json_text!(Filter, Sort, Select);

/// Largest page VSPC serves (`limit` maximum).
pub const MAX_PAGE_SIZE: u32 = crate::model::spec_facts::PAGE_SIZE_MAX;

/// The number of requests an adaptive pool starts with (and the pages a walk has in flight
/// before the client has learnt anything about the console): the fixed number walks used
/// before they adapted, so no console sees more at first than it did then.
pub const DEFAULT_PAGES_IN_FLIGHT: usize = 4;

/// What to ask of a collection: filter, sort, select, page size and where to start.
///
/// ```
/// use vspc_licensing::{Filter, ListQuery};
/// let query = ListQuery::new().filter(Filter::equals("status", "Expired")).page_size(500);
/// assert_eq!(query.page_size_or_default(), 500);
/// assert!(ListQuery::new().page_size(0).validate().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct ListQuery {
    pub(crate) filter: Option<Filter>,
    pub(crate) sort: Option<Sort>,
    pub(crate) select: Option<Select>,
    pub(crate) page_size: Option<u32>,
    pub(crate) offset: u32,
    pub(crate) pages_in_flight: Option<usize>,
    pub(crate) expected_total: Option<u64>,
}

impl ListQuery {
    /// Everything, in the server's order, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only resources matching `filter`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// In this order.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Only these properties.
    pub fn select(mut self, select: Select) -> Self {
        self.select = Some(select);
        self
    }

    /// Resources per request, 1 to [`MAX_PAGE_SIZE`] (VSPC's default is 100).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Skip the first `offset` resources.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }

    /// Request exactly this many pages at once (at least one; halved after a `429`), instead
    /// of as many as the client finds the console takes
    /// ([`Client::in_flight_limit`](crate::Client::in_flight_limit)); memory grows with it.
    pub fn pages_in_flight(mut self, pages: usize) -> Self {
        self.pages_in_flight = Some(pages.max(1));
        self
    }

    /// How many resources the walk expects to find, such as what the last walk of the same
    /// listing found. Without it, a walk asks for its first page and at most three more
    /// before the first answer says how many there are
    /// ([`DEFAULT_PAGES_IN_FLIGHT`] in all), so that a short listing is not sent a burst of
    /// requests past its end; with it, the first wave asks for every page up to
    /// `resources` together, as many as the client's limit allows at that moment (a client
    /// that starts at a limit it learned earlier, see
    /// [`ClientBuilder::initial_in_flight`](crate::ClientBuilder::initial_in_flight), then
    /// needs no round trip to find out). It is only a hint. The first page's total still
    /// decides what the walk reads. A guess that is too high costs empty pages (never
    /// more of them than the limit). A guess that is too low costs only the round trips
    /// the walk would have spent anyway.
    ///
    /// ```
    /// use vspc_licensing::ListQuery;
    /// // Last time this listing held 20,000 licenses: 40 pages of 500.
    /// let query = ListQuery::new().page_size(500).expected_total(20_000);
    /// assert_eq!(query.expected_pages(), Some(40));
    /// assert_eq!(ListQuery::new().expected_total(0).expected_pages(), Some(1));
    /// assert_eq!(ListQuery::new().expected_pages(), None);
    /// ```
    pub fn expected_total(mut self, resources: u64) -> Self {
        self.expected_total = Some(resources);
        self
    }

    /// The pages from [`offset`](Self::offset) to the [`expected_total`](Self::expected_total),
    /// at least one (the first page is always asked for); `None` without an expected total.
    pub fn expected_pages(&self) -> Option<usize> {
        let total = self.expected_total?;
        let remaining = total.saturating_sub(u64::from(self.offset));
        let pages = remaining.div_ceil(u64::from(self.page_size_or_default().max(1)));
        Some(usize::try_from(pages).unwrap_or(usize::MAX).max(1))
    }

    /// What makes two walks the same listing for [`expected_total`](Self::expected_total):
    /// the filter, sort and select (not the page size, offset or pages in flight).
    pub(crate) fn listing_key(&self) -> String {
        let part = |name: &str, value: Option<String>| {
            value
                .map(|value| format!("{name}={value}"))
                .unwrap_or_default()
        };
        [
            part("filter", self.filter.as_ref().map(ToString::to_string)),
            part("sort", self.sort.as_ref().map(ToString::to_string)),
            part("select", self.select.as_ref().map(ToString::to_string)),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The fixed number of pages asked for with [`pages_in_flight`](Self::pages_in_flight);
    /// `None` when the walk adapts.
    pub fn fixed_pages_in_flight(&self) -> Option<usize> {
        self.pages_in_flight.map(|pages| pages.max(1))
    }

    /// The fixed number of pages asked for, else [`DEFAULT_PAGES_IN_FLIGHT`], where an
    /// adaptive walk starts.
    pub fn pages_in_flight_or_default(&self) -> usize {
        self.fixed_pages_in_flight()
            .unwrap_or(DEFAULT_PAGES_IN_FLIGHT)
    }

    /// The page size in effect.
    pub fn page_size_or_default(&self) -> u32 {
        self.page_size
            .unwrap_or(crate::model::spec_facts::PAGE_SIZE_DEFAULT)
    }

    /// Checks the page size and offset against the spec's limits.
    pub fn validate(&self) -> Result<(), String> {
        let size = self.page_size_or_default();
        let smallest = crate::model::spec_facts::PAGE_SIZE_MIN;
        if !(smallest..=MAX_PAGE_SIZE).contains(&size) {
            return Err(format!(
                "page size {size} is out of range: VSPC serves {smallest} to {MAX_PAGE_SIZE} per page"
            ));
        }
        if self.offset > crate::model::spec_facts::OFFSET_MAX {
            return Err(format!(
                "offset {} is out of range: at most {}",
                self.offset,
                crate::model::spec_facts::OFFSET_MAX
            ));
        }
        Ok(())
    }
}
