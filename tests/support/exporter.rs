//! `vspc-licensing exporter` as a child process, plain HTTP GETs to it, and a reader of the
//! Prometheus exposition it serves (the sample lines: name, labels, value).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

/// What Prometheus 2.42 sends as `Accept` when it scrapes.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A running exporter, killed on drop.
pub struct Exporter {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Exporter {
    /// Starts `vspc-licensing exporter --listen 127.0.0.1:0 ARGS...` with `env`; panics with
    /// its standard error if it exits before printing its address.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Exporter {
        let mut child = super::cli::tool_process()
            .args(["exporter", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vspc-licensing exporter starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut first)
            .expect("the exporter prints its address");
        if first.trim().is_empty() {
            let output = child.wait_with_output().expect("the exporter exited");
            panic!(
                "the exporter exited with {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut log = child.stderr.take().expect("piped");
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        let address = first
            .trim()
            .trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .to_owned();
        Exporter { child, address }
    }

    /// `GET path` with `accept`: the response head and body.
    pub fn get(&self, path: &str, accept: Option<&str>) -> (String, String) {
        get(&self.address, path, accept)
    }

    /// `GET path` with `accept`, asking for gzip: the head and the body as it arrived.
    pub fn get_gzip(&self, path: &str, accept: Option<&str>) -> (String, Vec<u8>) {
        get_gzip(&self.address, path, accept)
    }

    /// `/metrics` in the text format.
    pub fn scrape(&self) -> Vec<Sample> {
        parse(&self.get("/metrics", None).1)
    }

    /// Scrapes until `ready` holds (at most 60 s, polling every 100 ms); panics with the last
    /// answer otherwise.
    pub fn scrape_until(&self, what: &str, ready: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
        let mut last = String::new();
        for _ in 0..600 {
            last = self.get("/metrics", None).1;
            let samples = parse(&last);
            if ready(&samples) {
                return samples;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the exporter never showed {what}; last answer:\n{last}");
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.0 GET (the answer ends with the connection, never chunked): head and body.
pub fn get(address: &str, path: &str, accept: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{accept}\r\n"
    )
    .expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let answer = String::from_utf8(answer).expect("UTF-8");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    (head.to_owned(), body.to_owned())
}

/// An HTTP/1.0 GET with `Accept-Encoding: gzip`: the head, and the body as it arrived.
pub fn get_gzip(address: &str, path: &str, accept: Option<&str>) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{accept}Accept-Encoding: gzip\r\n\r\n"
    )
    .expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head and a body");
    let head = String::from_utf8(answer[..end].to_vec()).expect("UTF-8 head");
    (head, answer[end + 4..].to_vec())
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    /// The value of label `name` ("" when absent).
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }
}

/// The samples of `/metrics` named `name` with label `label` equal to `value`.
pub fn find<'a>(samples: &'a [Sample], name: &str, label: &str, value: &str) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| s.name == name && s.label(label) == value)
        .collect()
}

/// The sample lines of an exposition (comments skipped); panics on a line it cannot read.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(line).unwrap_or_else(|| panic!("unreadable sample line: {line}")))
        .collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        loop {
            let (_, c) = chars.next()?;
            match c {
                '}' => break,
                ',' => continue,
                '=' => {
                    if chars.next()?.1 != '"' {
                        return None;
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next()?.1 {
                            '"' => break,
                            '\\' => match chars.next()?.1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                other => key.push(other),
            }
        }
        let consumed = chars.next().map_or(inner.len(), |(i, _)| i);
        rest = &inner[consumed..];
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}
