//! The exporter over 100,000 licenses: how long a scrape takes when it is answered from the
//! cache (the text format and OpenMetrics, one scraper and four at once) next to what encoding
//! the series costs (what a scrape paid before the cache: the exporter's log says it), how long
//! a refresh takes, and the exporter process's peak memory next to that of the same exporter
//! watching ten licenses.
//!
//! `cargo bench --all-features --locked --bench exporter`; the tables go to benches/RESULTS.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
const LICENSES: usize = 100_000;
const SCRAPES: usize = 20;
const OPENMETRICS: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

/// A child process that prints one line (its URL) first; killed on drop.
struct Process {
    child: Child,
    first_line: String,
}

impl Process {
    fn start(args: &[&str], log: Option<&Path>) -> Process {
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
            None => Stdio::null(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_vspc-licensing"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .env("NO_COLOR", "1")
            .spawn()
            .expect("vspc-licensing starts");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first_line)
            .expect("it prints its URL");
        Process {
            child,
            first_line: first_line.trim().to_owned(),
        }
    }

    /// Peak resident memory so far, MiB (VmHWM).
    fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET over HTTP/1.0: the time to the answer's last byte, and its body.
fn get(address: &str, path: &str, accept: Option<&str>) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{accept}\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let took = started.elapsed();
    let start = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    answer.drain(..start);
    (took, answer)
}

fn sample_lines(body: &[u8]) -> usize {
    body.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .count()
}

/// The value of the sample line that starts with `series`.
fn value_of(body: &[u8], series: &str) -> f64 {
    String::from_utf8_lossy(body)
        .lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// A simulator with `backup_servers` servers, and its root URL.
fn simulator(backup_servers: usize) -> (Process, String) {
    let count = backup_servers.to_string();
    let server = Process::start(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            KEY,
            "--backup-servers",
            &count,
            "--vone-servers",
            "0",
            "--vb365-servers",
            "0",
            "--sites",
            "0",
        ],
        None,
    );
    let url = server.first_line.trim_end_matches("/api/v3").to_owned();
    (server, url)
}

/// An exporter reading `url` every `refresh`, after its first good read (and how long that
/// took); its log (-v) goes to `log`.
fn exporter_over(url: &str, refresh: &str, log: &Path) -> (Process, String, Duration) {
    let exporter = Process::start(
        &[
            "exporter",
            "-v",
            "--listen",
            "127.0.0.1:0",
            "--refresh",
            refresh,
            "--url",
            url,
            "--api-key",
            KEY,
        ],
        Some(log),
    );
    let address = exporter
        .first_line
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_owned();
    let started = Instant::now();
    while !String::from_utf8_lossy(&get(&address, "/", None).1).contains("default: up") {
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "no good read in 15 minutes"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (exporter, address, started.elapsed())
}

/// From the exporter's log line for its read: how long encoding took and the cache's size.
fn encoding_of(log: &Path) -> (Duration, f64) {
    let log = std::fs::read_to_string(log).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("encoded in "))
        .expect("the exporter logs its encoding");
    let took = line
        .split("encoded in ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(parse_debug_duration)
        .unwrap();
    let bytes: f64 = line
        .split("cache_bytes=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    (took, bytes)
}

/// `312.4ms`, `1.2s`, `850.0µs`: a `Duration` as `{:.1?}` writes it.
fn parse_debug_duration(text: &str) -> Duration {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap();
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap();
    let seconds = match unit {
        "s" => number,
        "ms" => number / 1e3,
        "µs" => number / 1e6,
        "ns" => number / 1e9,
        other => panic!("unknown unit {other}"),
    };
    Duration::from_secs_f64(seconds)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let logs = tempfile::tempdir().unwrap();
    println!("## Exporter: scrapes from the cache, {LICENSES} licenses\n");
    let (_small_server, small_url) = simulator(10);
    let (small, small_address, _) = exporter_over(&small_url, "1h", &logs.path().join("small"));
    let _ = get(&small_address, "/metrics", None);
    let _ = get(&small_address, "/metrics", Some(OPENMETRICS));
    let small_peak = small.peak_mib();
    drop(small);

    let log = logs.path().join("large");
    let (_server, url) = simulator(LICENSES);
    let (exporter, address, first_up) = exporter_over(&url, "1h", &log);
    let after_read = exporter.peak_mib();
    let (encoding, cache_bytes) = encoding_of(&log);
    let (_, body) = get(&address, "/metrics", None);
    let read = value_of(&body, "vspc_read_duration_seconds{console=\"default\"}");
    println!(
        "- refresh (first read of {LICENSES} licenses, to the first `up`): {first_up:.2?}: \
         the read {read:.2} s (`vspc_read_duration_seconds`), encoding both formats {encoding:.2?}"
    );
    println!(
        "- cache: {:.1} MiB (the encoded text; the gauge families' lines serve both formats)",
        cache_bytes / 1048576.0
    );
    println!("\n| format | scrapers at once | median scrape | slowest | body | samples | encoding ÷ median scrape |");
    println!("|---|---|---|---|---|---|---|");
    let mut slowest_single = Duration::ZERO;
    for (name, accept) in [("text 0.0.4", None), ("OpenMetrics", Some(OPENMETRICS))] {
        let mut times = Vec::new();
        let mut body = Vec::new();
        for _ in 0..SCRAPES {
            let took;
            (took, body) = get(&address, "/metrics", accept);
            times.push(took);
        }
        let slowest = *times.iter().max().unwrap();
        slowest_single = slowest_single.max(slowest);
        let median = median(times);
        println!(
            "| {name} | 1 | {median:.1?} | {slowest:.1?} | {:.1} MiB | {} | {:.1}× |",
            body.len() as f64 / 1048576.0,
            sample_lines(&body),
            encoding.as_secs_f64() / median.as_secs_f64()
        );
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let scrapers: Vec<_> = (0..4)
            .map(|_| {
                let address = address.clone();
                std::thread::spawn(move || get(&address, "/metrics", None).1.len())
            })
            .collect();
        for scraper in scrapers {
            scraper.join().unwrap();
        }
        times.push(started.elapsed());
    }
    let four = median(times.clone());
    println!(
        "| text 0.0.4 | 4 | {four:.1?} (all four done) | {:.1?} | | | {:.1}× |",
        times.iter().max().unwrap(),
        4.0 * encoding.as_secs_f64() / four.as_secs_f64()
    );
    let peak = exporter.peak_mib();
    println!(
        "\nPeak RSS of the exporter: **{peak:.1} MiB** after {} scrapes ({after_read:.1} MiB after \
         the first read and its encoding, before any scrape: scrapes add {:.1} MiB); watching 10 \
         licenses: {small_peak:.1} MiB, so the {LICENSES} licenses cost {:.2}× that, {:.0} bytes \
         each, of which the cache is {:.0}.",
        2 * SCRAPES + 21,
        peak - after_read,
        peak / small_peak,
        (peak - small_peak) * 1048576.0 / LICENSES as f64,
        cache_bytes / LICENSES as f64
    );
    println!("Slowest single scrape: {slowest_single:.1?}.");
    drop(exporter);

    // A refresh encodes the new read while the last encoding is still being served: the peak
    // of an exporter that has refreshed is higher than that of its first read.
    let (refreshing, address, _) = exporter_over(&url, "1s", &logs.path().join("refreshing"));
    let mut reads = Vec::new();
    let started = Instant::now();
    while reads.len() < 3 {
        let (_, body) = get(&address, "/metrics", None);
        let at = value_of(
            &body,
            "vspc_last_success_timestamp_seconds{console=\"default\"}",
        );
        if reads.last() != Some(&at) {
            reads.push(at);
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "no third read in 30 minutes"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "Peak RSS of an exporter that has read the {LICENSES} licenses three times (`--refresh 1s`, \
         scraped twice a second meanwhile): **{:.1} MiB**.",
        refreshing.peak_mib()
    );
}
