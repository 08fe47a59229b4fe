//! The simulator's license file format (documented in `spec/licenses/README.md`).
//!
//! Real Veeam license files are signed XML; the simulator only needs something a user can write
//! by hand and a parser that refuses anything off, so the format is a small `Key=Value` text.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::api::product::Product;
use crate::model::enums::{
    ForwardCompatibleEnum, LicensePackage, LicenseSectionType, LicenseType, LicenseUnitType,
};

/// The first line every license file starts with.
pub const MAGIC: &str = "VSPC-SIMULATOR-LICENSE 1";

/// A well-formed license file of the simulator's format, parsed: what installing it sets.
/// (The file a client sends is a [`crate::LicenseFile`].)
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatorLicense {
    /// Which product the license is for. The file names it `BackupServer`, `CloudConnectSite`,
    /// `VeeamOne`, `Vb365` or `Console` (the product's word in the file format).
    pub product: Product,
    /// The license ID.
    pub license_id: Uuid,
    /// The licensee.
    pub company: String,
    /// The licensee's e-mail.
    pub email: Option<String>,
    /// The licensee's contact.
    pub contact_person: Option<String>,
    /// The edition, e.g. `Enterprise Plus`.
    pub edition: Option<String>,
    /// The license type.
    pub license_type: LicenseType,
    /// How units are counted.
    pub unit_type: LicenseUnitType,
    /// Licensed units (users for Veeam Backup for Microsoft 365).
    pub units: f64,
    /// Licensed sockets, if the license has a socket section.
    pub sockets: Option<f64>,
    /// Expiry.
    pub expiration_date: DateTime<Utc>,
    /// Support expiry.
    pub support_expiration_date: Option<DateTime<Utc>>,
    /// Support ID.
    pub support_id: Option<String>,
    /// Packages.
    pub packages: Vec<LicensePackage>,
    /// License sections.
    pub section_types: Vec<LicenseSectionType>,
}

/// Why a license file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the license file is not valid: {0}")]
pub struct ParseSimulatorLicenseError(pub String);

fn bad(message: impl Into<String>) -> ParseSimulatorLicenseError {
    ParseSimulatorLicenseError(message.into())
}

fn parse_date(key: &str, value: &str) -> Result<DateTime<Utc>, ParseSimulatorLicenseError> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| bad(format!("{key} must be a date written YYYY-MM-DD")))?;
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| bad(format!("{key} is out of range")))
}

/// The keys a license file may hold.
const KEYS: &[&str] = &[
    "Product",
    "LicenseId",
    "Company",
    "Email",
    "ContactPerson",
    "Edition",
    "Type",
    "UnitType",
    "Units",
    "Sockets",
    "ExpirationDate",
    "SupportExpirationDate",
    "SupportId",
    "Packages",
    "Sections",
];

/// The product a license file's `Product` word names.
fn product_named(word: &str) -> Option<Product> {
    Product::ALL
        .into_iter()
        .find(|product| product.facts().license_file_product == word)
}

/// The `Key=Value` lines of a file after its first line, each key known and given once.
struct Fields(std::collections::BTreeMap<String, String>);

impl Fields {
    /// Reads the text of a file: the magic first line, then `Key=Value` lines; blank lines and
    /// `#` comments are skipped.
    fn read(bytes: &[u8]) -> Result<Fields, ParseSimulatorLicenseError> {
        if bytes.is_empty() {
            return Err(bad("the file is empty"));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("the file is not UTF-8 text"))?;
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        if lines.next() != Some(MAGIC) {
            return Err(bad(format!("the first line must be `{MAGIC}`")));
        }
        let mut fields = std::collections::BTreeMap::new();
        for line in lines {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| bad(format!("`{line}` is not Key=Value")))?;
            let (key, value) = (key.trim(), value.trim());
            if !KEYS.contains(&key) {
                return Err(bad(format!("unknown key `{key}`")));
            }
            if fields.insert(key.to_owned(), value.to_owned()).is_some() {
                return Err(bad(format!("`{key}` appears twice")));
            }
        }
        Ok(Fields(fields))
    }

    /// The value of `key`; an empty value counts as absent.
    fn optional(&self, key: &str) -> Option<String> {
        self.0.get(key).filter(|v| !v.is_empty()).cloned()
    }

    fn required(&self, key: &str) -> Result<String, ParseSimulatorLicenseError> {
        self.optional(key)
            .ok_or_else(|| bad(format!("`{key}` is missing")))
    }

    /// The value of `key`, one of the values `T` lists.
    fn one_of<T: ForwardCompatibleEnum>(
        &self,
        key: &str,
    ) -> Result<Option<T>, ParseSimulatorLicenseError> {
        self.optional(key)
            .map(|value| listed_value(key, &value))
            .transpose()
    }

    /// The comma-separated values of `key`, each one of the values `T` lists.
    fn list_of<T: ForwardCompatibleEnum>(
        &self,
        key: &str,
    ) -> Result<Option<Vec<T>>, ParseSimulatorLicenseError> {
        self.optional(key)
            .map(|value| {
                value
                    .split(',')
                    .map(|item| listed_value(key, item.trim()))
                    .collect()
            })
            .transpose()
    }

    /// A number of zero or more.
    fn count(&self, key: &str) -> Result<Option<f64>, ParseSimulatorLicenseError> {
        self.optional(key)
            .map(|text| {
                text.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| bad(format!("{key} must be a number of zero or more")))
            })
            .transpose()
    }

    fn date(&self, key: &str) -> Result<Option<DateTime<Utc>>, ParseSimulatorLicenseError> {
        self.optional(key).map(|v| parse_date(key, &v)).transpose()
    }
}

/// The value of `key`: one the spec lists for `T`, in any case; the spec's own `Unknown` is
/// not one, since a license file says what it is.
fn listed_value<T: ForwardCompatibleEnum>(
    key: &str,
    value: &str,
) -> Result<T, ParseSimulatorLicenseError> {
    match T::parse_listed(value) {
        Ok(value) if !value.is_unknown() => Ok(value),
        _ => {
            let words: Vec<&str> = T::LISTED
                .iter()
                .copied()
                .filter(|word| *word != "Unknown")
                .collect();
            Err(bad(format!("{key} must be one of {}", words.join(", "))))
        }
    }
}

impl SimulatorLicense {
    /// Parses a license file of the simulator's format.
    pub fn parse(bytes: &[u8]) -> Result<SimulatorLicense, ParseSimulatorLicenseError> {
        parse(bytes)
    }

    /// The license as a file of the simulator's format, which [`parse`](Self::parse) reads
    /// back to the same license (dates are written as days, so a time of day is dropped).
    pub fn to_file_text(&self) -> String {
        let mut lines = vec![
            MAGIC.to_owned(),
            format!("Product={}", self.product_word()),
            format!("LicenseId={}", self.license_id),
            format!("Company={}", self.company),
            format!("Type={}", self.license_type.as_str()),
            format!("UnitType={}", self.unit_type.as_str()),
            format!("Units={}", self.units),
            format!("ExpirationDate={}", self.expiration_date.format("%Y-%m-%d")),
        ];
        let optional = [
            ("Email", self.email.clone()),
            ("ContactPerson", self.contact_person.clone()),
            ("Edition", self.edition.clone()),
            ("Sockets", self.sockets.map(|s| s.to_string())),
            (
                "SupportExpirationDate",
                self.support_expiration_date
                    .map(|d| d.format("%Y-%m-%d").to_string()),
            ),
            ("SupportId", self.support_id.clone()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                lines.push(format!("{key}={value}"));
            }
        }
        let words = |values: Vec<&str>| values.join(",");
        if !self.packages.is_empty() {
            lines.push(format!(
                "Packages={}",
                words(self.packages.iter().map(|p| p.as_str()).collect())
            ));
        }
        lines.push(format!(
            "Sections={}",
            words(self.section_types.iter().map(|s| s.as_str()).collect())
        ));
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// The product's word in the file format (`BackupServer`, `CloudConnectSite`, ...).
    pub fn product_word(&self) -> &'static str {
        self.product.facts().license_file_product
    }
}

fn parse(bytes: &[u8]) -> Result<SimulatorLicense, ParseSimulatorLicenseError> {
    let fields = Fields::read(bytes)?;
    // Checked in this order, so a file with several faults is refused for the same one always.
    let product = product_named(&fields.required("Product")?).ok_or_else(|| {
        let words: Vec<&str> = Product::ALL
            .iter()
            .map(|p| p.facts().license_file_product)
            .collect();
        bad(format!("Product must be one of {}", words.join(", ")))
    })?;
    let license_id = Uuid::parse_str(&fields.required("LicenseId")?)
        .map_err(|_| bad("LicenseId must be a UUID"))?;
    let units: f64 = fields
        .required("Units")?
        .parse()
        .map_err(|_| bad("Units must be a number"))?;
    if !units.is_finite() || units < 0.0 {
        return Err(bad("Units must be a number of zero or more"));
    }
    let sockets = fields.count("Sockets")?;
    let license_type: LicenseType = listed_value("Type", &fields.required("Type")?)?;
    let unit_type = fields
        .one_of::<LicenseUnitType>("UnitType")?
        .unwrap_or(LicenseUnitType::Instances);
    let packages = fields
        .list_of::<LicensePackage>("Packages")?
        .unwrap_or_default();
    let section_types = fields
        .list_of::<LicenseSectionType>("Sections")?
        .unwrap_or_else(|| vec![LicenseSectionType::Instance]);
    let email = fields.optional("Email");
    if email.as_ref().is_some_and(|email| !email.contains('@')) {
        return Err(bad("Email must be an e-mail address"));
    }
    Ok(SimulatorLicense {
        product,
        license_id,
        company: fields.required("Company")?,
        email,
        contact_person: fields.optional("ContactPerson"),
        edition: fields.optional("Edition"),
        license_type,
        unit_type,
        units,
        sockets,
        expiration_date: parse_date("ExpirationDate", &fields.required("ExpirationDate")?)?,
        support_expiration_date: fields.date("SupportExpirationDate")?,
        support_id: fields.optional("SupportId"),
        packages,
        section_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "VSPC-SIMULATOR-LICENSE 1\nProduct=BackupServer\nLicenseId=514c45eb-9543-4799-8003-1e59385b774c\nCompany=Alpha\nType=Rental\nUnits=100\nExpirationDate=2030-01-31\n";

    #[test]
    fn a_minimal_file_parses() {
        let file = parse(GOOD.as_bytes()).unwrap();
        assert_eq!(file.company, "Alpha");
        assert_eq!(file.units, 100.0);
        assert_eq!(file.license_type, LicenseType::Rental);
    }

    #[test]
    fn a_license_written_as_a_file_parses_back_to_itself() {
        let mut license = parse(GOOD.as_bytes()).unwrap();
        license.email = Some("it@example.com".into());
        license.sockets = Some(4.0);
        license.packages = vec![LicensePackage::Suite, LicensePackage::Backup];
        license.section_types = vec![LicenseSectionType::Instance, LicenseSectionType::Socket];
        license.support_expiration_date = Some(license.expiration_date);
        assert_eq!(parse(license.to_file_text().as_bytes()).unwrap(), license);
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(parse(b"").is_err());
        assert!(parse(
            GOOD.replace("VSPC-SIMULATOR-LICENSE 1", "LICENSE")
                .as_bytes()
        )
        .is_err());
        assert!(parse(GOOD.replace("Units=100", "Units=many").as_bytes()).is_err());
        assert!(parse(GOOD.replace("Type=Rental", "Type=Metered").as_bytes()).is_err());
        assert!(parse(GOOD.replace("Company=Alpha\n", "").as_bytes()).is_err());
        assert!(parse(format!("{GOOD}Colour=blue\n").as_bytes()).is_err());
    }

    #[test]
    fn listed_values_read_in_any_case_and_unknown_is_not_one() {
        let file =
            parse(format!("{GOOD}Packages=suite, backup\nUnitType=points\n").as_bytes()).unwrap();
        assert_eq!(
            file.packages,
            [LicensePackage::Suite, LicensePackage::Backup]
        );
        assert_eq!(file.unit_type, LicenseUnitType::Points);
        let refused = parse(GOOD.replace("Type=Rental", "Type=Unknown").as_bytes()).unwrap_err();
        assert!(
            refused.0.starts_with("Type must be one of Rental, "),
            "{refused}"
        );
        assert!(!refused.0.contains("Unknown"), "{refused}");
    }
}
