//! Which exposition format a scraper asked for, from its `Accept` header.
//!
//! Prometheus asks for OpenMetrics first and the classic text format as a fallback
//! (`application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`);
//! curl and a browser ask for anything. The classic text format is the answer unless
//! OpenMetrics is preferred at least as much as the alternatives.

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exposition {
    /// The Prometheus text format, version 0.0.4.
    Text,
    /// OpenMetrics 1.0.0 text.
    OpenMetrics,
}

impl Exposition {
    /// The `Content-Type` of an answer in this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an `Accept` header prefers (none: the text format).
    pub(crate) fn from_accept(accept: Option<&str>) -> Exposition {
        let Some(accept) = accept else {
            return Exposition::Text;
        };
        let (mut openmetrics, mut other) = (0.0_f64, 0.0_f64);
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f64>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(quality),
                "text/plain" | "text/*" | "*/*" => other = other.max(quality),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= other {
            Exposition::OpenMetrics
        } else {
            Exposition::Text
        }
    }
}

/// Whether an `Accept-Encoding` header takes gzip (`gzip` or `*` with a quality above 0).
pub(crate) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(header) = accept_encoding else {
        return false;
    };
    let (mut gzip, mut any) = (None, None);
    for coding in header.split(',') {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("").to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.split_once('='))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f64>().ok())
            .filter(|q| (0.0..=1.0).contains(q))
            .unwrap_or(0.0);
        match name.as_str() {
            "gzip" | "x-gzip" => gzip = Some(quality),
            "*" => any = Some(quality),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

#[cfg(test)]
mod tests {
    use super::Exposition::{OpenMetrics, Text};
    use super::*;

    #[test]
    fn gzip_only_when_the_scraper_takes_it() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("br, *")));
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("gzip;q=nonsense")));
    }

    #[test]
    fn prometheus_gets_openmetrics_and_everyone_else_text() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Exposition::from_accept(Some(prometheus)), OpenMetrics);
        assert_eq!(Exposition::from_accept(None), Text);
        assert_eq!(Exposition::from_accept(Some("*/*")), Text);
        assert_eq!(
            Exposition::from_accept(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Text
        );
        assert_eq!(
            Exposition::from_accept(Some(
                "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"
            )),
            Text
        );
        assert_eq!(
            Exposition::from_accept(Some("application/openmetrics-text; q=0")),
            Text
        );
    }
}
