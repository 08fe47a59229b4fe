//! The exposition, encoded once per read and shared by every scrape until the next one.
//!
//! A read of a console is encoded once ([`EncodedReading`]): for each data family, that
//! console's sample lines as a list of deflated chunks ([`Deflated`]), the descriptors (written once
//! per answer, not once per console) left out. Those lines read the same in the text format
//! and in OpenMetrics (a test checks it); only the descriptors differ, and they are encoded
//! once per format for the life of the process. A scrape ([`answer`]) only puts chunks in
//! order: the status families encoded for it (a few lines per console), then each family's
//! descriptor in the scraper's format followed by every console's chunks of it. No series is
//! encoded by a scrape, and a chunk is never copied, only handed to the connection (inflated
//! on the way for a scraper that does not take gzip); the memory this costs is the deflated
//! text, one format's worth (why deflated: [`super::gzip`]).

use std::fmt;
use std::sync::{Arc, LazyLock};

use super::console::ConsoleStatus;
use super::gzip::Deflated;
use super::metrics::{encode, DataFamily, FamilyOfConsole, StatusFamilies};
use super::negotiation::Exposition;
use super::reading::Reading;

/// The size of text deflated into one chunk: large enough that an answer is a few hundred
/// chunks and deflate finds its repeats, small enough that inflating one for a scraper without
/// gzip holds little.
const CHUNK_BYTES: usize = 256 * 1024;

/// One chunk list per data family, indexed by [`DataFamily::index`].
type Families = [Vec<Deflated>; DataFamily::ALL.len()];

/// One console's read, encoded: its sample lines, the same in both formats.
pub(crate) struct EncodedReading {
    series: Families,
    /// Server licenses in the read (for the log).
    pub(crate) licenses: usize,
}

impl fmt::Debug for EncodedReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedReading")
            .field("licenses", &self.licenses)
            .field("held_bytes", &self.held_bytes())
            .finish_non_exhaustive()
    }
}

/// Encoding failed: the encoder's output did not begin with the family's descriptor as
/// encoded alone, which only a change in prometheus-client could bring about.
#[derive(Debug, thiserror::Error)]
#[error("encoding the metrics failed: prometheus-client wrote {0:?} in a way this exporter does not expect")]
pub(crate) struct EncodingError(DataFamily);

impl EncodedReading {
    /// Encodes `console`'s `reading`: CPU work (most of a second for 100,000 licenses), so
    /// for a blocking thread.
    pub(crate) fn of(
        console: &Arc<str>,
        reading: Reading,
    ) -> Result<EncodedReading, EncodingError> {
        let licenses = reading.licenses.len();
        let reading = Arc::new(reading);
        let mut series = Families::default();
        for family in DataFamily::ALL {
            series[family.index()] = lines_of(family, Exposition::Text, console, &reading)
                .ok_or(EncodingError(family))?;
        }
        Ok(EncodedReading { series, licenses })
    }

    /// One family's sample lines (none: the console has no series of it).
    fn series(&self, family: DataFamily) -> &[Deflated] {
        &self.series[family.index()]
    }

    /// The bytes it holds (deflated).
    pub(crate) fn held_bytes(&self) -> usize {
        self.series.iter().flatten().map(Deflated::held_bytes).sum()
    }

    /// The length of the text it holds, inflated.
    pub(crate) fn text_bytes(&self) -> u64 {
        self.series.iter().flatten().map(Deflated::text_len).sum()
    }
}

/// `family`'s sample lines of `console`'s `reading` as `format` encodes them, without its
/// descriptor; none if the encoder wrote anything else first.
fn lines_of(
    family: DataFamily,
    format: Exposition,
    console: &Arc<str>,
    reading: &Arc<Reading>,
) -> Option<Vec<Deflated>> {
    let collector = FamilyOfConsole {
        family,
        series: Some((Arc::clone(console), Arc::clone(reading))),
    };
    let mut lines = Lines::after(descriptor_text(format, family));
    encode(format, collector, &mut lines).ok()?;
    lines.finish()
}

/// Every data family's descriptor in each format, encoded once by prometheus-client.
static DESCRIPTOR_TEXTS: LazyLock<[[String; DataFamily::ALL.len()]; 2]> = LazyLock::new(|| {
    [Exposition::Text, Exposition::OpenMetrics].map(|format| {
        DataFamily::ALL.map(|family| {
            let mut text = String::new();
            // Writing to a String cannot fail, and a descriptor is a few fixed lines.
            let _ = encode(
                format,
                FamilyOfConsole {
                    family,
                    series: None,
                },
                &mut text,
            );
            text
        })
    })
});

/// The same, deflated, as answers send them.
static DESCRIPTORS: LazyLock<[[Deflated; DataFamily::ALL.len()]; 2]> = LazyLock::new(|| {
    DESCRIPTOR_TEXTS
        .each_ref()
        .map(|texts| texts.each_ref().map(|t| Deflated::of(t.as_bytes())))
});

/// The line that ends an OpenMetrics exposition.
static EOF: LazyLock<Deflated> = LazyLock::new(|| Deflated::of(b"# EOF\n"));

fn format_index(format: Exposition) -> usize {
    match format {
        Exposition::Text => 0,
        Exposition::OpenMetrics => 1,
    }
}

fn descriptor_text(format: Exposition, family: DataFamily) -> &'static [u8] {
    DESCRIPTOR_TEXTS[format_index(format)][family.index()].as_bytes()
}

fn descriptor(format: Exposition, family: DataFamily) -> &'static Deflated {
    &DESCRIPTORS[format_index(format)][family.index()]
}

/// The answer to a scrape in `format`, as chunks to send in order: the status families,
/// encoded now, and each data family with any series, from the cache.
pub(crate) fn answer(
    format: Exposition,
    consoles: Vec<(Arc<str>, ConsoleStatus)>,
) -> Vec<Deflated> {
    let encoded: Vec<Arc<EncodedReading>> = consoles
        .iter()
        .filter_map(|(_, status)| status.encoded.clone())
        .collect();
    let mut status = String::new();
    // Writing to a String cannot fail: an error here could only be the encoder's own, and an
    // answer without the status families is still every cached series.
    let _ = encode(format, StatusFamilies { consoles }, &mut status);
    let mut chunks = vec![Deflated::of(status.as_bytes())];
    for family in DataFamily::ALL {
        let mut series = encoded
            .iter()
            .flat_map(|reading| reading.series(family))
            .peekable();
        if series.peek().is_none() {
            continue;
        }
        chunks.push(descriptor(format, family).clone());
        chunks.extend(series.cloned());
    }
    if format == Exposition::OpenMetrics {
        chunks.push(EOF.clone());
    }
    chunks
}

/// Collects an encoder's output after the descriptor it begins with (checked, then dropped)
/// and deflates it [`CHUNK_BYTES`] at a time.
struct Lines<'a> {
    /// What is left of the descriptor to skip.
    descriptor: &'a [u8],
    filling: Vec<u8>,
    chunks: Vec<Deflated>,
}

impl<'a> Lines<'a> {
    fn after(descriptor: &'a [u8]) -> Lines<'a> {
        Lines {
            descriptor,
            filling: Vec::new(),
            chunks: Vec::new(),
        }
    }

    fn seal(&mut self) {
        if !self.filling.is_empty() {
            self.chunks.push(Deflated::of(&self.filling));
            // The buffer is reused: the text is only held until it is deflated.
            self.filling.clear();
        }
    }

    /// The chunks, or none if the output was shorter than the descriptor.
    fn finish(mut self) -> Option<Vec<Deflated>> {
        if !self.descriptor.is_empty() {
            return None;
        }
        self.seal();
        Some(self.chunks)
    }
}

impl fmt::Write for Lines<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut s = s.as_bytes();
        if !self.descriptor.is_empty() {
            let n = self.descriptor.len().min(s.len());
            if s[..n] != self.descriptor[..n] {
                return Err(fmt::Error);
            }
            self.descriptor = &self.descriptor[n..];
            s = &s[n..];
        }
        if s.is_empty() {
            return Ok(());
        }
        if self.filling.len() + s.len() > self.filling.capacity() {
            self.seal();
            if s.len() > CHUNK_BYTES {
                self.chunks.push(Deflated::of(s));
                return Ok(());
            }
            self.filling.reserve_exact(CHUNK_BYTES);
        }
        self.filling.extend_from_slice(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use prometheus_client::registry::Registry;

    use super::*;
    use crate::cli::exporter::reading::{LicenseSeries, OrganizationPoints};
    use crate::Product;

    /// `licenses` licenses with every kind of value, some absent; enough of them fill several
    /// chunks per family.
    fn reading(licenses: usize, company: &str) -> Reading {
        let company: Arc<str> = company.into();
        Reading {
            licenses: (0..licenses)
                .map(|i| LicenseSeries {
                    product: [Product::BackupServer, Product::Site][i % 2],
                    uid: uuid::Uuid::from_u128(i as u128 + 1),
                    company: Arc::clone(&company),
                    status: "Valid".into(),
                    license_type: "Rental".into(),
                    edition: "Enterprise Plus".into(),
                    units: Some(10.0 + i as f64),
                    used_units: (i % 3 != 0).then_some(2.5),
                    expiration: Some(1_800_000_000 + i as i64),
                    support_expiration: (i % 2 == 0).then_some(1_900_000_000),
                    auto_update: Some(i % 4 != 0),
                })
                .collect(),
            console_license_expiration: Some(1_850_000_000),
            organizations: vec![OrganizationPoints {
                uid: Some(uuid::Uuid::from_u128(7)),
                name: company,
                points: 12.5,
            }],
            reports: vec![OrganizationPoints {
                uid: None,
                name: "".into(),
                points: 3.0,
            }],
        }
    }

    fn console(name: &str, licenses: usize, company: &str) -> (Arc<str>, ConsoleStatus) {
        let name: Arc<str> = name.into();
        let encoded = EncodedReading::of(&name, reading(licenses, company)).unwrap();
        let status = ConsoleStatus {
            encoded: Some(Arc::new(encoded)),
            up: true,
            read_duration: Some(Duration::from_millis(1500)),
            last_success: Some(1_700_000_000.25),
            read_errors: 2,
        };
        (name, status)
    }

    fn text(chunks: &[Deflated]) -> String {
        let inflated: Vec<_> = chunks.iter().map(|c| c.inflate().unwrap()).collect();
        String::from_utf8(inflated.concat()).unwrap()
    }

    const FORMATS: [Exposition; 2] = [Exposition::Text, Exposition::OpenMetrics];

    #[test]
    fn the_answer_is_what_one_encoding_of_everything_writes() {
        let (name, status) = console("default", 3000, "Quote \"Q\" \\ back\nslash");
        for format in FORMATS {
            // The whole exposition encoded at once, as a scrape did before there was a cache.
            let mut registry = Registry::default();
            registry.register_collector(Box::new(StatusFamilies {
                consoles: vec![(Arc::clone(&name), status.clone())],
            }));
            for family in DataFamily::ALL {
                let series = Some((
                    Arc::clone(&name),
                    Arc::new(reading(3000, "Quote \"Q\" \\ back\nslash")),
                ));
                registry.register_collector(Box::new(FamilyOfConsole { family, series }));
            }
            let mut whole = String::new();
            match format {
                Exposition::Text => {
                    prometheus_client::encoding::prometheus_text::encode(&mut whole, &registry)
                }
                Exposition::OpenMetrics => {
                    prometheus_client::encoding::text::encode(&mut whole, &registry)
                }
            }
            .unwrap();
            let answer = answer(format, vec![(Arc::clone(&name), status.clone())]);
            assert!(
                answer.len() > 2 * DataFamily::ALL.len(),
                "families of several chunks"
            );
            assert!(text(&answer) == whole, "{format:?} differs");
        }
    }

    #[test]
    fn a_scrape_encodes_no_series_it_hands_out_the_cached_chunks() {
        let consoles = vec![console("a", 3000, "Acme"), console("b", 10, "Beta")];
        let cached: Vec<*const u8> = consoles
            .iter()
            .flat_map(|(_, s)| {
                let encoded = s.encoded.as_ref().unwrap();
                DataFamily::ALL
                    .into_iter()
                    .flat_map(move |f| encoded.series(f).iter().map(|c| c.deflated().as_ptr()))
            })
            .collect();
        assert!(cached.len() > 2 * DataFamily::ALL.len());
        for format in FORMATS {
            let first = answer(format, consoles.clone());
            let second = answer(format, consoles.clone());
            assert_eq!(first.len(), second.len());
            // The status families (the first chunk) are encoded per scrape; every other chunk
            // is the same memory in both answers, and the series' chunks are the cache's own,
            // in either format.
            for (a, b) in first.iter().zip(&second).skip(1) {
                assert_eq!(a.deflated().as_ptr(), b.deflated().as_ptr());
            }
            let served: Vec<*const u8> = first.iter().map(|c| c.deflated().as_ptr()).collect();
            assert!(cached.iter().all(|c| served.contains(c)), "{format:?}");
        }
    }

    #[test]
    fn several_consoles_share_one_descriptor_per_family() {
        let a = console("a", 3000, "Acme");
        let b = console("b", 10, "Beta");
        for format in FORMATS {
            let both = text(&answer(format, vec![a.clone(), b.clone()]));
            let types: Vec<&str> = both.lines().filter(|l| l.starts_with("# TYPE")).collect();
            let mut unique = types.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(types.len(), unique.len(), "one TYPE line per family");
            assert_eq!(types.len(), 4 + DataFamily::ALL.len());
            let samples = |text: &str| {
                let mut lines: Vec<String> = text
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect();
                lines.sort();
                lines
            };
            let mut alone = samples(&text(&answer(format, vec![a.clone()])));
            alone.extend(samples(&text(&answer(format, vec![b.clone()]))));
            alone.sort();
            assert_eq!(samples(&both), alone);
        }
    }

    #[test]
    fn every_family_reads_the_same_in_both_formats_but_for_its_descriptor() {
        // What lets one encoding serve both formats; the descriptors differ (OpenMetrics has
        // an info type and UNIT lines), and each format has its own.
        let name: Arc<str> = "default".into();
        let reading = Arc::new(reading(50, "Quote \"Q\" \\ back\nslash"));
        for family in DataFamily::ALL {
            let [text, openmetrics] =
                FORMATS.map(|format| text(&lines_of(family, format, &name, &reading).unwrap()));
            assert!(!text.is_empty(), "{family:?}");
            assert!(text == openmetrics, "{family:?}");
        }
    }
}
