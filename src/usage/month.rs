//! A calendar month, written `YYYY-MM` as VSPC's report endpoints take it.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month such as `2026-10`.
///
/// ```
/// use vspc_licensing::usage::Month;
/// let october: Month = "2026-10".parse().unwrap();
/// assert_eq!(october.next().to_string(), "2026-11");
/// assert_eq!(october.previous().to_string(), "2026-09");
/// assert!("2026-13".parse::<Month>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    // Months since year 0, so that ordering and stepping are plain integer arithmetic.
    index: i32,
}

impl Month {
    /// The month `month` (1–12) of `year`; `None` when `month` is out of range.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then(|| Month {
            index: year * 12 + month as i32 - 1,
        })
    }

    /// The month a day falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            index: date.year() * 12 + date.month0() as i32,
        }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }

    /// The month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.index.rem_euclid(12) as u32 + 1
    }

    /// The month after this one.
    #[must_use]
    pub fn next(self) -> Month {
        Month {
            index: self.index + 1,
        }
    }

    /// The month before this one.
    #[must_use]
    pub fn previous(self) -> Month {
        Month {
            index: self.index - 1,
        }
    }

    /// The month `count` months before this one.
    #[must_use]
    pub fn months_before(self, count: u32) -> Month {
        Month {
            index: self.index - count.min(i32::MAX as u32) as i32,
        }
    }

    /// Every month from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.index..=last.index).map(|index| Month { index })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// A month that is not written `YYYY-MM`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month; write it YYYY-MM, e.g. 2026-10")]
pub struct ParseMonthError(pub String);

impl FromStr for Month {
    type Err = ParseMonthError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || ParseMonthError(text.to_owned());
        let (year, month) = text.trim().split_once('-').ok_or_else(fail)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(fail());
        }
        let year: i32 = year.parse().map_err(|_| fail())?;
        let month: u32 = month.parse().map_err(|_| fail())?;
        Month::new(year, month).ok_or_else(fail)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_across_years() {
        let january: Month = "2027-01".parse().unwrap();
        assert_eq!(january.previous().to_string(), "2026-12");
        assert_eq!(january.months_before(13).to_string(), "2025-12");
        let months: Vec<String> = january
            .months_before(2)
            .through(january)
            .map(|m| m.to_string())
            .collect();
        assert_eq!(months, ["2026-11", "2026-12", "2027-01"]);
    }

    #[test]
    fn only_yyyy_mm_parses() {
        for bad in [
            "2026-1",
            "202610",
            "2026-00",
            "26-10",
            "2026-10-01",
            "octo-ber",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        assert_eq!(
            Month::of(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()),
            Month::new(2026, 2).unwrap()
        );
    }
}
