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
        Process::start_exe(env!("CARGO_BIN_EXE_vspc-licensing"), args, log)
    }

    fn start_exe(exe: &str, args: &[&str], log: Option<&Path>) -> Process {
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
            None => Stdio::null(),
        };
        let mut child = Command::new(exe)
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
    get_with(address, path, accept, "")
}

/// The same, asking for gzip as Prometheus does: the body as it arrived (gzip, if the exporter
/// takes that).
fn get_gzip(address: &str, path: &str, accept: Option<&str>) -> (Duration, Vec<u8>) {
    get_with(address, path, accept, "Accept-Encoding: gzip\r\n")
}

fn get_with(
    address: &str,
    path: &str,
    accept: Option<&str>,
    encoding: &str,
) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{accept}{encoding}\r\n"
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
    exporter_of(env!("CARGO_BIN_EXE_vspc-licensing"), url, refresh, log)
}

/// The same with the exporter of the program `exe`.
fn exporter_of(exe: &str, url: &str, refresh: &str, log: &Path) -> (Process, String, Duration) {
    let exporter = Process::start_exe(
        exe,
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

/// A body as text: inflated when it came gzip-encoded.
fn inflated(body: Vec<u8>) -> Vec<u8> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return body;
    }
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut text)
        .expect("one gzip stream");
    text
}

/// From the exporter's log line for its read: how long encoding took, the cache's size, and
/// the size of the text it holds (the same as the cache where the log does not say).
fn encoding_of(log: &Path) -> (Duration, f64, f64) {
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
    let text: f64 = line
        .split("text_bytes=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(bytes);
    (took, bytes, text)
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
    let (encoding, cache_bytes, text_bytes) = encoding_of(&log);
    let (_, body) = get(&address, "/metrics", None);
    let read = value_of(&body, "vspc_read_duration_seconds{console=\"default\"}");
    println!(
        "- refresh (first read of {LICENSES} licenses, to the first `up`): {first_up:.2?}: \
         the read {read:.2} s (`vspc_read_duration_seconds`), encoding both formats {encoding:.2?}"
    );
    println!(
        "- cache: {:.1} MiB holding {:.1} MiB of text (the gauge families' lines serve both formats)",
        cache_bytes / 1048576.0,
        text_bytes / 1048576.0
    );
    println!("\n| format | scrapers at once | median scrape | slowest | body | samples | encoding ÷ median scrape |");
    println!("|---|---|---|---|---|---|---|");
    let mut slowest_single = Duration::ZERO;
    for (name, accept, gzip) in [
        ("text 0.0.4", None, false),
        ("OpenMetrics", Some(OPENMETRICS), false),
        ("text 0.0.4, gzip", None, true),
        (
            "OpenMetrics, gzip (as Prometheus asks)",
            Some(OPENMETRICS),
            true,
        ),
    ] {
        let mut times = Vec::new();
        let mut body = Vec::new();
        for _ in 0..SCRAPES {
            let took;
            (took, body) = if gzip {
                get_gzip(&address, "/metrics", accept)
            } else {
                get(&address, "/metrics", accept)
            };
            times.push(took);
        }
        let sent = body.len();
        let body = inflated(body);
        let slowest = *times.iter().max().unwrap();
        slowest_single = slowest_single.max(slowest);
        let median = median(times);
        println!(
            "| {name} | 1 | {median:.1?} | {slowest:.1?} | {:.1} MiB sent, {:.1} MiB of text | {} | {:.1}× |",
            sent as f64 / 1048576.0,
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
        4 * SCRAPES + 21,
        peak - after_read,
        peak / small_peak,
        (peak - small_peak) * 1048576.0 / LICENSES as f64,
        cache_bytes / LICENSES as f64
    );
    println!("Slowest single scrape: {slowest_single:.1?}.");
    drop(exporter);

    // A refresh encodes the new read while the last encoding is still being served: the peak
    // of an exporter that has refreshed is higher than that of its first read.
    let (after_first, refreshed) = refreshed_peak(
        env!("CARGO_BIN_EXE_vspc-licensing"),
        &url,
        &logs.path().join("refreshing"),
    );
    println!(
        "Peak RSS of an exporter that has read the {LICENSES} licenses three times (`--refresh 1s`, \
         scraped twice a second meanwhile): **{refreshed:.1} MiB**; the target, 64 MiB plus the \
         series ({:.1} MiB of text), is {:.1} MiB: peak ÷ target {:.2}.",
        text_bytes / 1048576.0,
        64.0 + text_bytes / 1048576.0,
        refreshed / (64.0 + text_bytes / 1048576.0)
    );
    // The same exporter as another build has it (e.g. main before a change), side by side.
    if let Ok(baseline) = std::env::var("VSPC_BENCH_BASELINE_EXE") {
        let (base_first, base_refreshed) =
            refreshed_peak(&baseline, &url, &logs.path().join("baseline"));
        println!(
            "\n| exporter | peak after the first read | peak after three reads |\n|---|---|---|\n\
             | baseline (`VSPC_BENCH_BASELINE_EXE`) | {base_first:.1} MiB | {base_refreshed:.1} MiB |\n\
             | this build | {after_first:.1} MiB | {refreshed:.1} MiB |\n\
             | this build ÷ baseline | {:.2}× | {:.2}× |",
            after_first / base_first,
            refreshed / base_refreshed
        );
    }
}

/// An exporter of `exe` over `url` refreshing every second and scraped twice a second: its
/// peak after the first read, and after the third.
fn refreshed_peak(exe: &str, url: &str, log: &Path) -> (f64, f64) {
    let (refreshing, address, _) = exporter_of(exe, url, "1s", log);
    let after_first = refreshing.peak_mib();
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
    (after_first, refreshing.peak_mib())
}
