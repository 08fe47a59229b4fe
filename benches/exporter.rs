//! The exporter over 100,000 licenses: how long a scrape takes when it is answered from the
//! last read (the text format and OpenMetrics, one scraper and four at once), and the exporter
//! process's peak memory next to that of the same exporter watching ten licenses.
//!
//! `cargo bench --all-features --locked --bench exporter`; the tables go to benches/RESULTS.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
const LICENSES: usize = 100_000;
const SCRAPES: usize = 10;
const OPENMETRICS: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

/// A child process that prints one line (its URL) first; killed on drop.
struct Process {
    child: Child,
    first_line: String,
}

impl Process {
    fn start(args: &[&str]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vspc-licensing"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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

/// GET over HTTP/1.0: the body's size and its sample lines.
fn get(address: &str, path: &str, accept: Option<&str>) -> (usize, usize, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{accept}\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let start = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let body = &answer[start..];
    let samples = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .count();
    let small = if body.len() < 4096 {
        String::from_utf8_lossy(body).into_owned()
    } else {
        String::new()
    };
    (body.len(), samples, small)
}

/// An exporter over a simulator with `backup_servers` servers, after its first good read.
fn exporter_over(backup_servers: usize) -> (Process, Process, String) {
    let count = backup_servers.to_string();
    let server = Process::start(&[
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
    ]);
    let url = server.first_line.trim_end_matches("/api/v3").to_owned();
    let exporter = Process::start(&[
        "exporter",
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1h",
        "--url",
        &url,
        "--api-key",
        KEY,
    ]);
    let address = exporter
        .first_line
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_owned();
    let started = Instant::now();
    while !get(&address, "/", None).2.contains("default: up") {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no good read in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "- first read of {backup_servers} licenses: {:.2?} (to the first `up`)",
        started.elapsed()
    );
    (server, exporter, address)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    println!("## Exporter: scrapes from the last read, {LICENSES} licenses\n");
    let (_small_server, small, small_address) = exporter_over(10);
    let _ = get(&small_address, "/metrics", None);
    let small_peak = small.peak_mib();
    drop(small);

    let (_server, exporter, address) = exporter_over(LICENSES);
    let after_read = exporter.peak_mib();
    println!("\n| format | scrapers at once | median scrape | slowest | body | samples |");
    println!("|---|---|---|---|---|---|");
    for (name, accept) in [("text 0.0.4", None), ("OpenMetrics", Some(OPENMETRICS))] {
        let mut times = Vec::new();
        let (mut bytes, mut samples) = (0, 0);
        for _ in 0..SCRAPES {
            let started = Instant::now();
            (bytes, samples, _) = get(&address, "/metrics", accept);
            times.push(started.elapsed());
        }
        let slowest = *times.iter().max().unwrap();
        println!(
            "| {name} | 1 | {:.0?} | {:.0?} | {:.1} MiB | {samples} |",
            median(times),
            slowest,
            bytes as f64 / 1048576.0
        );
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let scrapers: Vec<_> = (0..4)
            .map(|_| {
                let address = address.clone();
                std::thread::spawn(move || get(&address, "/metrics", None).1)
            })
            .collect();
        for scraper in scrapers {
            scraper.join().unwrap();
        }
        times.push(started.elapsed());
    }
    println!(
        "| text 0.0.4 | 4 | {:.0?} (all four done) | {:.0?} | | |",
        median(times.clone()),
        times.iter().max().unwrap()
    );
    let peak = exporter.peak_mib();
    println!(
        "\nPeak RSS of the exporter: **{peak:.1} MiB** after {} scrapes ({after_read:.1} MiB after the first read, before any scrape); watching 10 licenses: {small_peak:.1} MiB. \
         The {LICENSES} licenses' series cost {:.0} bytes each in memory.",
        SCRAPES * 2 + 12,
        (peak - small_peak) * 1048576.0 / LICENSES as f64
    );
}
