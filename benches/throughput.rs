//! Side-by-side performance figures, printed as a table with ratios (see benches/RESULTS.md).
//!
//!     cargo bench --all-features --bench throughput            # everything
//!     cargo bench --all-features --bench throughput -- paging  # one section: paging, decode,
//!                                                              # memory, simulator, python, cli
//!     VSPC_BENCH_ROUNDS=1 cargo bench --all-features --bench throughput -- cli  # the CLI alone, quick
//!
//! Each comparison runs its contenders alternately in the same process and reports medians, so
//! that the shared, noisy machine affects both sides alike. The simulator runs as a separate
//! process (`vspc-licensing serve`), as users run it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use vspc_licensing::types::BackupServerLicenseCollection;
use vspc_licensing::Client;
use vspc_licensing::ListQuery;

const KEY: &str = "bench-key";
const ROUNDS: usize = 3;
/// The paging walks are short (about half a second), so more pairs are cheap and steady the
/// median against the shared machine's noise.
const PAGING_ROUNDS: usize = 9;

/// A simulator process; killed on drop.
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start(backup_servers: usize) -> Server {
        Server::start_with(backup_servers, &[])
    }

    fn start_with(backup_servers: usize, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vspc-licensing"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--api-key",
                KEY,
                "--backup-servers",
                &backup_servers.to_string(),
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vspc-licensing serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("the simulator prints its URL");
        Server {
            child,
            base_url: first.trim().to_owned(),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) a process has used so far, from /proc/PID/stat (Linux, in clock
/// ticks of 10 ms). Unlike wall time it barely moves with other tenants' load, so it shows what
/// each side itself costs.
fn process_cpu(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0);
    Duration::from_millis(ticks * 10)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn client(base_url: &str) -> Client {
    Client::builder(base_url)
        .api_key(KEY)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

async fn crate_walk(client: &Client, in_flight: usize) -> usize {
    let query = ListQuery::new().page_size(500).pages_in_flight(in_flight);
    client
        .backup_server_licenses(query)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap()
}

/// The baseline: the same pages with plain reqwest and serde_json into the same types.
async fn raw_walk(http: &reqwest::Client, base_url: &str, in_flight: usize) -> usize {
    let page = |offset: usize| {
        let http = http.clone();
        let url = format!("{base_url}/licensing/backupServers?limit=500&offset={offset}");
        async move {
            let bytes = http
                .get(url)
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            serde_json::from_slice::<BackupServerLicenseCollection>(&bytes).unwrap()
        }
    };
    let first = page(0).await;
    let total = first
        .meta
        .as_ref()
        .and_then(|m| m.0.as_ref())
        .and_then(|m| m.paging_info.as_ref())
        .unwrap()
        .total as usize;
    let mut count = first.data.len();
    let rest: Vec<usize> = futures::stream::iter((500..total).step_by(500))
        .map(page)
        .buffered(in_flight)
        .map(|p| p.data.len())
        .collect()
        .await;
    count += rest.iter().sum::<usize>();
    count
}

async fn paging() {
    const N: usize = 100_000;
    let server = Server::start(N);
    let client = client(&server.base_url);
    let http = reqwest::Client::builder().build().unwrap();
    println!("\n## Paging {N} backup-server licenses, 500 per page ({PAGING_ROUNDS} rounds; each round runs the four walks in rotating order; medians; ratios are medians of the rounds' ratios)");
    println!(
        "| contender | pages in flight | time | licenses/s | CPU per walk: client + simulator | raw ÷ crate |"
    );
    println!("|---|---|---|---|---|---|");
    // walks[k]: raw 1, crate 1, raw 8, crate 8. Running all four in each round, in an order
    // that rotates, spreads the shared machine's bursts of load over every contender, and the
    // ratios are taken within a round.
    const WALKS: [(bool, usize); 4] = [(false, 1), (true, 1), (false, 8), (true, 8)];
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut cpu = [Duration::ZERO; 4];
    let mut server_cpu = [Duration::ZERO; 4];
    let server_pid = server.pid().to_string();
    for round in 0..PAGING_ROUNDS {
        for k in 0..4 {
            let walk = (k + round) % 4;
            let (ours, in_flight) = WALKS[walk];
            let (start, cpu_before, server_before) = (
                Instant::now(),
                process_cpu("self"),
                process_cpu(&server_pid),
            );
            let count = if ours {
                crate_walk(&client, in_flight).await
            } else {
                raw_walk(&http, &server.base_url, in_flight).await
            };
            assert_eq!(count, N);
            times[walk].push(start.elapsed());
            cpu[walk] += process_cpu("self").saturating_sub(cpu_before);
            server_cpu[walk] += process_cpu(&server_pid).saturating_sub(server_before);
        }
    }
    let ratio = |a: usize, b: usize| {
        let mut ratios: Vec<f64> = times[a]
            .iter()
            .zip(&times[b])
            .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    let rate = |d: Duration| N as f64 / d.as_secs_f64();
    for (raw, ours) in [(0, 1), (2, 3)] {
        let in_flight = WALKS[raw].1;
        let (raw_time, our_time) = (median(times[raw].clone()), median(times[ours].clone()));
        let per_walk = |k: usize| {
            let rounds = PAGING_ROUNDS as u32;
            format!("{:.0?} + {:.0?}", cpu[k] / rounds, server_cpu[k] / rounds)
        };
        println!(
            "| raw reqwest + serde_json | {in_flight} | {raw_time:.2?} | {:.0} | {} | |",
            rate(raw_time),
            per_walk(raw)
        );
        println!(
            "| vspc-licensing stream | {in_flight} | {our_time:.2?} | {:.0} | {} | **{:.2}** (target >= 0.90) |",
            rate(our_time),
            per_walk(ours),
            ratio(raw, ours)
        );
    }
    println!(
        "\n8 pages in flight vs 1 (crate): **{:.2}x** faster (target >= 2x); raw baseline: {:.2}x",
        ratio(1, 3),
        ratio(0, 2)
    );
    // Client and simulator share the machine's cores: no walk can beat their CPU time spread
    // over all cores, which caps what pages in flight can gain here.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let floor = (cpu[3] + server_cpu[3]) / PAGING_ROUNDS as u32 / cores;
    let one = median(times[1].clone());
    println!(
        "Ceiling on this machine: the crate's 8-page walk needs {:.0?} of CPU (client + simulator), at least {floor:.0?} on {cores} cores, so 8 pages in flight can be at most {:.2}x faster than 1 page ({one:.0?}) here.",
        (cpu[3] + server_cpu[3]) / PAGING_ROUNDS as u32,
        one.as_secs_f64() / floor.as_secs_f64()
    );
    drop(server);

    // On loopback the simulator and the client share the same two cores, so pages in flight
    // can at best use both of them. A real VSPC spends most of a page's time in its database,
    // on another machine; `serve --latency` stands in for that wait.
    const LATENCY: &str = "5ms";
    let server = Server::start_with(N, &["--latency", LATENCY]);
    let client = self::client(&server.base_url);
    let (mut one, mut eight) = (Vec::new(), Vec::new());
    for _ in 0..PAGING_ROUNDS {
        let start = Instant::now();
        assert_eq!(crate_walk(&client, 1).await, N);
        one.push(start.elapsed());
        let start = Instant::now();
        assert_eq!(crate_walk(&client, 8).await, N);
        eight.push(start.elapsed());
    }
    let (one, eight) = (median(one), median(eight));
    println!(
        "\nWith {LATENCY} of server latency per request (`serve --latency {LATENCY}`): 1 page in flight {one:.2?}, 8 pages in flight {eight:.2?}: **{:.2}x** faster",
        one.as_secs_f64() / eight.as_secs_f64()
    );
}

fn decode() {
    // One page as the simulator serves it, captured once.
    let server = Server::start(500);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let page = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{}/licensing/backupServers?limit=500",
                server.base_url
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    drop(server);
    let measure = |f: &dyn Fn(&[u8])| {
        let mut samples = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let mut iterations = 0u32;
            while start.elapsed() < Duration::from_millis(700) {
                f(&page);
                iterations += 1;
            }
            samples.push(start.elapsed() / iterations);
        }
        median(samples)
    };
    let mut typed_samples = Vec::new();
    let mut value_samples = Vec::new();
    for _ in 0..ROUNDS {
        typed_samples.push(measure(&|b| {
            std::hint::black_box(
                serde_json::from_slice::<BackupServerLicenseCollection>(b).unwrap(),
            );
        }));
        value_samples.push(measure(&|b| {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(b).unwrap());
        }));
    }
    let (typed, value) = (median(typed_samples), median(value_samples));
    let mb = page.len() as f64 / 1e6;
    println!(
        "\n## Decoding one 500-license page ({:.0} KiB)",
        page.len() as f64 / 1024.0
    );
    println!("| into | time per page | MB/s |");
    println!("|---|---|---|");
    println!(
        "| typed model (BackupServerLicenseCollection) | {typed:.2?} | {:.0} |",
        mb / typed.as_secs_f64()
    );
    println!(
        "| serde_json::Value | {value:.2?} | {:.0} |",
        mb / value.as_secs_f64()
    );
    println!(
        "\ntyped ÷ Value throughput: **{:.2}**",
        value.as_secs_f64() / typed.as_secs_f64()
    );
}

/// Streams every license in a child process and reports that process's peak resident memory.
fn memory() {
    const N: usize = 1_000_000;
    let server = Server::start(N);
    println!("\n## Memory: streaming {N} licenses, 500 per page, 1 and 8 pages in flight");
    for in_flight in [1usize, 8] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--memory-child", &server.base_url, &in_flight.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        println!("{}", text.trim());
    }
    println!(
        "(simulator process {} holds the {N} licenses; it is not counted)",
        server.pid()
    );
}

fn memory_child(base_url: &str, in_flight: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let count = runtime.block_on(crate_walk(&client(base_url), in_flight));
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: ? kB")
        .trim()
        .to_owned();
    let kib: f64 = peak
        .split_whitespace()
        .nth(1)
        .and_then(|k| k.parse().ok())
        .unwrap_or(f64::NAN);
    println!(
        "- pages in flight {in_flight}: {count} licenses in {:.1?}; peak RSS of the client process **{:.1} MiB** (target < 64 MiB)",
        start.elapsed(),
        kib / 1024.0
    );
}

/// Requests per second for one license, 64 keep-alive connections, from a separate process.
fn simulator() {
    let server = Server::start(1_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let uid = runtime.block_on(async {
        let page: BackupServerLicenseCollection = reqwest::Client::new()
            .get(format!(
                "{}/licensing/backupServers?limit=1",
                server.base_url
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page.data[0].backup_server_uid.unwrap()
    });
    let url = format!("{}/licensing/backupServers/{uid}", server.base_url);
    println!(
        "\n## Simulator: GET one license, 64 keep-alive connections, load from a second process"
    );
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--load-child", &url, "64", "5"])
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&output.stdout).trim());

    // The simulator's own cost per page, from the client side: time to first byte of a
    // 500-license page over keep-alive, against a 1-license page.
    let page_cost = runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut samples = Vec::new();
        for _ in 0..50 {
            let start = Instant::now();
            let response = http
                .get(format!(
                    "{}/licensing/backupServers?limit=500",
                    server.base_url
                ))
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap();
            let ttfb = start.elapsed();
            let _ = response.bytes().await.unwrap();
            samples.push(ttfb);
        }
        median(samples)
    });
    println!(
        "\nSimulator time to first byte of a 500-license page (median of 50): {page_cost:.2?}"
    );
}

/// A minimal load generator: each connection sends the same keep-alive GET and reads the
/// answer by its Content-Length. Lighter than any HTTP client, so the server is what is measured.
fn load_child(url: &str, connections: usize, seconds: u64) {
    let url = url::Url::parse(url).unwrap();
    let addr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let request =
        format!("GET {} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {KEY}\r\nx-client-version: 3.6.1\r\n\r\n", url.path());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            std::thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(&addr).unwrap();
                stream.set_nodelay(true).unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut done = 0u64;
                let mut line = String::new();
                while Instant::now() < deadline {
                    stream.write_all(request.as_bytes()).unwrap();
                    let mut length = 0usize;
                    let mut status_ok = false;
                    loop {
                        line.clear();
                        reader.read_line(&mut line).unwrap();
                        if line.starts_with("HTTP/1.1 200") {
                            status_ok = true;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap();
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    assert!(status_ok, "the simulator answered an error");
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    println!(
        "{total} requests in {seconds} s over {connections} connections: **{:.0} requests/s** (target >= 20000)",
        total as f64 / seconds as f64
    );
}

/// The Python client users would otherwise pick, on the same 100,000 licenses.
fn python() {
    const N: usize = 100_000;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/bench.sh");
    let server = Server::start(N);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client(&server.base_url);
    // Alternate the two clients, as the other sections do, so that load from other builds on the
    // shared machine falls on both.
    let (mut ours, mut theirs, mut failure) = (Vec::new(), Vec::new(), None);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        assert_eq!(runtime.block_on(crate_walk(&client, 1)), N);
        ours.push(start.elapsed());
        let output = Command::new("bash")
            .args([script, &server.base_url, KEY])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let field = |name: &str| -> Option<f64> {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|s| s.trim().parse().ok())
        };
        match (field("licenses="), field("seconds=")) {
            (Some(seen), Some(seconds)) if seen as usize == N => {
                theirs.push(Duration::from_secs_f64(seconds))
            }
            _ => {
                failure = Some(format!(
                    "{stdout}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
                break;
            }
        }
    }
    let ours = median(ours);
    let python_seconds = (failure.is_none()).then(|| median(theirs).as_secs_f64());
    println!("\n## The Python client (veeam-spc, pinned) vs this crate: {N} licenses, 500 per page, one page at a time (medians of {ROUNDS} alternating rounds)");
    match python_seconds {
        Some(seconds) => {
            println!("| client | time | licenses/s |");
            println!("|---|---|---|");
            println!(
                "| veeam-spc (Python) | {seconds:.2} s | {:.0} |",
                N as f64 / seconds
            );
            println!(
                "| vspc-licensing | {ours:.2?} | {:.0} |",
                N as f64 / ours.as_secs_f64()
            );
            println!(
                "\nvspc-licensing is **{:.1}x** faster",
                seconds / ours.as_secs_f64()
            );
        }
        None => println!(
            "the Python benchmark did not run:\n{}",
            failure.unwrap_or_default()
        ),
    }
}

/// A CLI run as a child process: its wall time and peak resident memory (from `wait4`).
struct Measured {
    time: Duration,
    /// User plus system CPU time: unlike wall time, it barely moves with other tenants' load.
    cpu: Duration,
    peak_kib: u64,
    success: bool,
}

/// Runs `command` to completion, its standard output into `out`, and measures it.
// The child is reaped by `wait4`, which std's `Child::wait` does not offer (it drops the
// resource usage).
#[allow(clippy::zombie_processes)]
fn measured(mut command: Command, out: &std::path::Path) -> Measured {
    let file = std::fs::File::create(out).unwrap();
    let start = Instant::now();
    let child = command
        .stdout(file)
        .stderr(Stdio::null())
        .spawn()
        .expect("start vspc-licensing");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let time = start.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 on the CLI child");
    let cpu = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Measured {
        time,
        cpu: cpu(usage.ru_utime) + cpu(usage.ru_stime),
        // ru_maxrss is in KiB on Linux.
        peak_kib: usage.ru_maxrss as u64,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

fn cli_command(base_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vspc-licensing"));
    command
        .env("VSPC_URL", base_url.trim_end_matches("/api/v3"))
        .env("VSPC_API_KEY", KEY)
        .env_remove("VSPC_USERNAME")
        .args(args);
    command
}

/// Lines in a file, to check that a run wrote every license.
fn lines_in(path: &std::path::Path) -> usize {
    let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
    let mut buffer = vec![0u8; 1 << 20];
    let mut lines = 0;
    loop {
        let n = reader.read(&mut buffer).unwrap();
        if n == 0 {
            return lines;
        }
        lines += buffer[..n].iter().filter(|b| **b == b'\n').count();
    }
}

/// Lines a listing of `n` licenses takes in each format: JSON has the brackets, CSV a header,
/// a table three border lines and a header.
fn expected_lines(format: &str, n: usize) -> usize {
    match format {
        "json" => n + 2,
        "ndjson" => n,
        "csv" => n + 1,
        _ => n + 4,
    }
}

const CLI_FORMATS: [&str; 4] = ["json", "ndjson", "csv", "table"];

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The Python client on the simulator's backup-server licenses: its own timing of the walk
/// (imports and start-up left out) and the process's CPU time, or why it did not run.
fn python_walk(
    base_url: &str,
    n: usize,
    out: &std::path::Path,
) -> Result<(Duration, Duration), String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/bench.sh");
    let mut command = Command::new("bash");
    command.args([script, base_url, KEY]);
    let run = measured(command, out);
    let stdout = std::fs::read_to_string(out).unwrap_or_default();
    let field = |name: &str| -> Option<f64> {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|s| s.trim().parse().ok())
    };
    match (run.success, field("licenses="), field("seconds=")) {
        (true, Some(seen), Some(seconds)) if seen as usize == n => {
            Ok((Duration::from_secs_f64(seconds), run.cpu))
        }
        _ => Err(stdout),
    }
}

/// The command-line tool end to end, next to the crate's stream and the Python client in the
/// same rounds: `licenses list --product vbr -o FORMAT > file` over 100,000 licenses (time and
/// peak RSS of the CLI process), every format again over 1,000,000 (peak RSS), and
/// `auto-update enable --all` over 10,000 servers. `VSPC_BENCH_ROUNDS` sets the rounds.
fn cli() {
    const N: usize = 100_000;
    const MILLION: usize = 1_000_000;
    const BULK: usize = 10_000;
    let rounds: usize = std::env::var("VSPC_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let server = Server::start(N);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client(&server.base_url);
    // Per round: the crate's stream (4 pages in flight, as the CLI), the Python client, then the
    // CLI in each format, in an order that rotates.
    let mut stream_times = Vec::new();
    let mut python_times = Vec::new();
    let mut python_cpu = Vec::new();
    let mut python_failure = None;
    let mut cli_times: [Vec<Duration>; 4] = Default::default();
    let mut cli_cpu: [Vec<Duration>; 4] = Default::default();
    let mut python_over_json_cpu = Vec::new();
    let mut cli_peaks = [0u64; 4];
    let mut python_over_json = Vec::new();
    let mut json_over_stream = Vec::new();
    for round in 0..rounds {
        let start = Instant::now();
        assert_eq!(runtime.block_on(crate_walk(&client, 4)), N);
        let stream_time = start.elapsed();
        stream_times.push(stream_time);
        let python = if python_failure.is_none() {
            match python_walk(&server.base_url, N, &out) {
                Ok(time) => Some(time),
                Err(why) => {
                    python_failure = Some(why);
                    None
                }
            }
        } else {
            None
        };
        for k in 0..CLI_FORMATS.len() {
            let k = (k + round) % CLI_FORMATS.len();
            let format = CLI_FORMATS[k];
            let run = measured(
                cli_command(
                    &server.base_url,
                    &["licenses", "list", "--product", "vbr", "-o", format],
                ),
                &out,
            );
            assert!(run.success, "-o {format} failed");
            assert_eq!(lines_in(&out), expected_lines(format, N), "-o {format}");
            cli_times[k].push(run.time);
            cli_cpu[k].push(run.cpu);
            cli_peaks[k] = cli_peaks[k].max(run.peak_kib);
            if format == "json" {
                json_over_stream.push(run.time.as_secs_f64() / stream_time.as_secs_f64());
                if let Some((python, cpu)) = python {
                    python_times.push(python);
                    python_cpu.push(cpu);
                    python_over_json.push(python.as_secs_f64() / run.time.as_secs_f64());
                    python_over_json_cpu.push(cpu.as_secs_f64() / run.cpu.as_secs_f64());
                }
            }
        }
    }
    let median_ratio = |mut ratios: Vec<f64>| {
        ratios.sort_by(f64::total_cmp);
        ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
    };
    println!("\n## The command-line tool: `licenses list --product vbr -o FORMAT > file`, {N} licenses ({rounds} rounds, each runs every contender; medians; peak RSS is the largest of the rounds)");
    println!("| contender | time | licenses/s | CPU (user + system) | peak RSS |");
    println!("|---|---|---|---|---|");
    let stream = median(stream_times);
    println!(
        "| crate stream, in process (4 pages in flight, counting only) | {stream:.2?} | {:.0} | | |",
        N as f64 / stream.as_secs_f64()
    );
    for (k, format) in CLI_FORMATS.iter().enumerate() {
        let time = median(cli_times[k].clone());
        println!(
            "| CLI `-o {format}` | {time:.2?} | {:.0} | {:.2?} | {:.1} MiB (target <= 64) |",
            N as f64 / time.as_secs_f64(),
            median(cli_cpu[k].clone()),
            mib(cli_peaks[k])
        );
    }
    match &python_failure {
        None => {
            let python = median(python_times);
            println!(
                "| veeam-spc (Python), same listing, no output (its own timing of the walk; CPU of the whole process) | {:.2} s | {:.0} | {:.2?} | |",
                python.as_secs_f64(),
                N as f64 / python.as_secs_f64(),
                median(python_cpu)
            );
            println!(
                "\nCLI `-o json` vs the Python client: **{:.1}x** faster in wall time (target >= 10x, aim 20x), **{:.1}x** less CPU; CLI `-o json` takes {:.2}x the crate's bare stream's wall time",
                median_ratio(python_over_json),
                median_ratio(python_over_json_cpu),
                median_ratio(json_over_stream)
            );
        }
        Some(why) => println!("\nthe Python client did not run:\n{why}"),
    }
    drop(server);

    let server = Server::start(MILLION);
    println!(
        "\n## The command-line tool over {MILLION} licenses: peak RSS per format (one run each)"
    );
    println!("| format | time | CPU | peak RSS |");
    println!("|---|---|---|---|");
    for format in CLI_FORMATS {
        let run = measured(
            cli_command(
                &server.base_url,
                &["licenses", "list", "--product", "vbr", "-o", format],
            ),
            &out,
        );
        assert!(run.success, "-o {format} failed");
        assert_eq!(
            lines_in(&out),
            expected_lines(format, MILLION),
            "-o {format}"
        );
        println!(
            "| `-o {format}` | {:.2?} | {:.2?} | **{:.1} MiB** (target <= 64) |",
            run.time,
            run.cpu,
            mib(run.peak_kib)
        );
    }
    drop(server);

    let server = Server::start(BULK);
    let run = measured(
        cli_command(
            &server.base_url,
            &[
                "auto-update",
                "enable",
                "--all",
                "--product",
                "vbr",
                "-o",
                "ndjson",
            ],
        ),
        &out,
    );
    assert!(run.success, "the bulk enable failed");
    let report = std::fs::read_to_string(&out).unwrap();
    let changed = report.matches("\"outcome\":\"changed\"").count();
    assert_eq!(report.lines().count(), BULK, "one report line per server");
    println!(
        "\n## Bulk: `auto-update enable --all --product vbr -o ndjson` over {BULK} servers ({changed} switched on, 8 changes at a time)\n\n{:.2?} ({:.2?} CPU), {:.0} changes/s, peak RSS **{:.1} MiB** (target <= 64)",
        run.time,
        run.cpu,
        changed as f64 / run.time.as_secs_f64(),
        mib(run.peak_kib)
    );
}

fn main() {
    // The crate's client installs the ring provider when it is built; the raw reqwest clients
    // here may be built before any crate client, so install it first (reqwest is built with
    // `rustls-no-provider`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--memory-child") {
        return memory_child(&args[2], args[3].parse().unwrap());
    }
    if args.get(1).map(String::as_str) == Some("--load-child") {
        return load_child(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap());
    }
    // `cargo bench` passes `--bench`; anything else selects sections.
    let wanted: Vec<&str> = args[1..]
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run = |section: &str| wanted.is_empty() || wanted.contains(&section);
    println!(
        "# vspc-licensing benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if run("paging") {
        tokio::runtime::Runtime::new().unwrap().block_on(paging());
    }
    if run("decode") {
        decode();
    }
    if run("memory") {
        memory();
    }
    if run("simulator") {
        simulator();
    }
    if run("python") {
        python();
    }
    if run("cli") {
        cli();
    }
}
