//! Requests in flight at a console's latency (issue 29): `licenses list` and `auto-update
//! enable --all`, run as users run them (the CLI as a child process), against the embedded
//! simulator at 100 ms a request, on consoles that take 1, 2, 4, 16 and 64 requests at once,
//! either refusing beyond that (`429`, `SimulatorConfig::max_concurrent_requests`) or queueing
//! (`SimulatorConfig::capacity`). `--in-flight auto` runs next to `--in-flight 4` (the fixed
//! number walks kept before they adapted), in alternating order, and each time is printed as a
//! ratio to the floor: the requests the work needs × the latency ÷ what the client may use of
//! the capacity (at most the client's maximum of 16). The simulator's own counters give the
//! `429`s, the requests that queued and the most it saw in flight at once. Listings run `auto` a
//! second time against the same console (`auto, 2nd run`), sharing the first run's
//! `VSPC_CACHE_DIR`: it starts at the limit the first learned.
//!
//!     cargo bench --all-features --locked --bench in_flight            # both, about 5 min
//!     cargo bench --all-features --locked --bench in_flight -- list    # the listings only
//!     cargo bench --all-features --locked --bench in_flight -- long    # 200 pages at 16 and 64
//!     cargo bench --all-features --locked --bench in_flight -- bulk    # the bulk change only
//!     VSPC_BENCH_ROUNDS=3 cargo bench --all-features --locked --bench in_flight   # medians of 3
//!
//! The tables go to benches/RESULTS.md (section 9). `VSPC_BENCH_LOGS=DIR` keeps every run's
//! `-v` log (how the limit moved, each `429` and retry) in DIR.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, Load, RouteMatch, Simulator, SimulatorConfig, SimulatorHandle,
};
use vspc_licensing::DEFAULT_MAX_IN_FLIGHT;

const KEY: &str = "bench-key";
/// What a real console takes for a page (100 ms to a second); the simulator waits this long in
/// every answer, after its place among the requests served at once.
const LATENCY: Duration = Duration::from_millis(100);
/// The listing of the figures: 40 pages of 500.
const LICENSES: usize = 20_000;
/// The bulk change of the figures: about half of them have auto-update off.
const BULK_SERVERS: usize = 400;
/// A listing long enough for the limit's climb to matter little: 200 pages.
const LONG_LISTING: usize = 100_000;
const CAPACITIES: [usize; 5] = [1, 2, 4, 16, 64];
/// The goal of issue 29: within this many times the floor at every capacity.
const GOAL: f64 = 1.5;

/// How the console behaves beyond its capacity.
#[derive(Clone, Copy, PartialEq)]
enum Console {
    /// Answers `429` to the requests over the limit, as VSPC's throttling does.
    Refusing,
    /// Serves `capacity` at once and queues the rest: every answer comes later.
    Queueing,
}

impl Console {
    fn name(self) -> &'static str {
        match self {
            Console::Refusing => "429 beyond",
            Console::Queueing => "queues beyond",
        }
    }
}

/// The two contenders, as `--in-flight` values.
const CONTENDERS: [&str; 2] = ["auto", "4"];
/// `auto` again against the same console, starting at the limit the last first run learned.
const REMEMBERED: &str = "auto, 2nd run";

/// A simulator with `servers` backup servers that takes [`LATENCY`] for every answer and
/// behaves as `console` beyond `capacity` requests at once.
fn start_console(
    runtime: &tokio::runtime::Runtime,
    servers: usize,
    console: Console,
    capacity: usize,
) -> SimulatorHandle {
    let config = console_config(servers).fault(FaultRule {
        route: RouteMatch::Any,
        firing: Firing::Always,
        kind: FaultKind::Delay(LATENCY),
    });
    let config = match console {
        Console::Refusing => config.max_concurrent_requests(capacity),
        Console::Queueing => config.capacity(capacity),
    };
    runtime.block_on(Simulator::start(config)).unwrap()
}

fn console_config(servers: usize) -> SimulatorConfig {
    SimulatorConfig::default()
        .api_key(KEY)
        .backup_servers(servers)
        .vone_servers(0)
        .vb365_servers(0)
        .sites(0)
}

/// One run of the CLI against a console.
struct Run {
    time: Duration,
    load: Load,
    /// The limit the client ended with, from its `-v` log.
    end_limit: Option<usize>,
    /// The standard output (the listing or the bulk report).
    stdout: String,
}

impl Run {
    /// Requests the console answered other than with a `429`: the work itself.
    fn answered(&self) -> u64 {
        self.load.requests - self.load.throttled
    }
}

/// Runs `vspc-licensing -v --in-flight IN_FLIGHT ARGS` against `sim`, from a fresh count.
/// `cache` is its `VSPC_CACHE_DIR`: where it finds (and leaves) the limit learned of `sim`.
fn run_cli(sim: &SimulatorHandle, in_flight: &str, args: &[&str], dir: &Path, cache: &Path) -> Run {
    let (out, log) = (dir.join("out"), dir.join("log"));
    sim.reset_load();
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_vspc-licensing"))
        .env("VSPC_URL", sim.root_url())
        .env("VSPC_API_KEY", KEY)
        .env_remove("VSPC_USERNAME")
        .env_remove("VSPC_PROFILE")
        .env("NO_COLOR", "1")
        .env("VSPC_CACHE_DIR", cache)
        .args(["-v", "--in-flight", in_flight])
        .args(args)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .stdin(Stdio::null())
        .status()
        .expect("vspc-licensing starts");
    let time = started.elapsed();
    let load = sim.load();
    let log = std::fs::read_to_string(&log).unwrap();
    if let Some(keep) = std::env::var_os("VSPC_BENCH_LOGS") {
        let name = format!(
            "{}-{in_flight}-{}.log",
            args.join("_"),
            sim.address().port()
        );
        std::fs::write(Path::new(&keep).join(name.replace(['/', ' '], "_")), &log).unwrap();
    }
    assert!(
        status.success(),
        "{args:?} --in-flight {in_flight} failed:\n{log}"
    );
    let mut stdout = String::new();
    std::fs::File::open(&out)
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    Run {
        time,
        load,
        end_limit: end_limit(&log),
        stdout,
    }
}

/// `now=` of the last "requests in flight" line of the `-v` log.
fn end_limit(log: &str) -> Option<usize> {
    log.lines()
        .rev()
        .find(|l| l.contains("requests in flight"))
        .and_then(|l| l.split("now=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// What the client may use of a console's capacity: never more than its maximum.
fn usable(capacity: usize) -> usize {
    capacity.min(DEFAULT_MAX_IN_FLIGHT)
}

/// The floor: every request the work needs, `usable(capacity)` at a time, with no gap.
fn floor(requests: u64, capacity: usize) -> Duration {
    LATENCY.mul_f64(requests as f64 / usable(capacity) as f64)
}

/// The floor of a client that has to read the first page before it knows what else to ask
/// for: that request alone, then the rest `usable(capacity)` at a time.
fn first_page_floor(requests: u64, capacity: usize) -> Duration {
    let rest = requests.saturating_sub(1).div_ceil(usable(capacity) as u64);
    LATENCY * (1 + rest as u32)
}

/// The floor of a client that knows the whole walk in advance (a second run: the limit and
/// the listing's size remembered): `usable(capacity)` requests at a time from the start, so
/// whole round trips, the last one perhaps part-full.
fn round_trip_floor(requests: u64, capacity: usize) -> Duration {
    LATENCY * requests.div_ceil(usable(capacity) as u64) as u32
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Every round of one contender on one console.
#[derive(Default)]
struct Rounds {
    times: Vec<Duration>,
    answered: u64,
    throttled: Vec<u64>,
    queued: Vec<u64>,
    most_in_flight: usize,
    end_limits: Vec<Option<usize>>,
}

impl Rounds {
    fn add(&mut self, run: &Run) {
        self.times.push(run.time);
        // The same work every round; the largest count covers a run that read a page twice.
        self.answered = self.answered.max(run.answered());
        self.throttled.push(run.load.throttled);
        self.queued.push(run.load.queued);
        self.most_in_flight = self.most_in_flight.max(run.load.most_in_flight);
        self.end_limits.push(run.end_limit);
    }
}

fn list(values: &[impl ToString]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Runs the contenders `rounds` times each on every console and prints the table. `fresh`
/// says whether each run needs a console of its own (a bulk change changes it).
fn compare(
    runtime: &tokio::runtime::Runtime,
    servers: usize,
    capacities: &[usize],
    args: &[&str],
    rounds: usize,
    fresh: bool,
    check: impl Fn(&Run),
) -> AutoRatios {
    let dir = tempfile::tempdir().unwrap();
    // What the work costs this machine: the client's decoding and writing and the simulator's
    // pages, with no latency to wait for. No walk at a console's latency beats it either.
    let idle = runtime
        .block_on(Simulator::start(console_config(servers)))
        .unwrap();
    let own = run_cli(
        &idle,
        "auto",
        args,
        dir.path(),
        &dir.path().join("idle-cache"),
    );
    check(&own);
    println!(
        "Against a console with no latency and no limit (this machine's own time for the work, CLI and simulator): {:.2?}, {} requests.\n",
        own.time,
        own.answered()
    );
    drop(idle);
    println!("| console | capacity | `--in-flight` | time | floor | ÷ floor | ÷ first-page floor | ÷ round-trip floor | requests answered | 429s | queued | most in flight at the console | limit at the end | within {GOAL}× |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut auto_ratios: AutoRatios = Default::default();
    for console in [Console::Refusing, Console::Queueing] {
        for &capacity in capacities {
            // A second `auto` run against the same console starts at the limit the last
            // first run learned; a console of its own per run (a bulk change) has another
            // address each time, so nothing is remembered for it.
            let contenders: &[&str] = if fresh {
                &CONTENDERS
            } else {
                &["auto", "4", REMEMBERED]
            };
            let cache = dir
                .path()
                .join(format!("cache-{}-{capacity}", console.name()));
            let mut results: Vec<Rounds> = contenders.iter().map(|_| Rounds::default()).collect();
            let mut shared = None;
            for round in 0..rounds {
                for k in 0..contenders.len() {
                    let k = (k + round) % contenders.len();
                    let own;
                    let sim = if fresh {
                        own = start_console(runtime, servers, console, capacity);
                        &own
                    } else {
                        shared.get_or_insert_with(|| {
                            start_console(runtime, servers, console, capacity)
                        })
                    };
                    let in_flight = match contenders[k] {
                        "auto" => {
                            // A first run: nothing learned yet.
                            let _ = std::fs::remove_dir_all(&cache);
                            "auto"
                        }
                        REMEMBERED => "auto",
                        fixed => fixed,
                    };
                    let run = run_cli(sim, in_flight, args, dir.path(), &cache);
                    check(&run);
                    results[k].add(&run);
                }
            }
            for (k, contender) in contenders.iter().enumerate() {
                let r = &results[k];
                let time = median(r.times.clone());
                let floor = floor(r.answered, capacity);
                let ratio = time.as_secs_f64() / floor.as_secs_f64();
                let first_page =
                    time.as_secs_f64() / first_page_floor(r.answered, capacity).as_secs_f64();
                let round_trips =
                    time.as_secs_f64() / round_trip_floor(r.answered, capacity).as_secs_f64();
                let limits: Vec<String> = r
                    .end_limits
                    .iter()
                    .map(|l| l.map_or("?".into(), |l| l.to_string()))
                    .collect();
                let verdict = if ratio <= GOAL { "yes" } else { "**no**" };
                println!(
                    "| {} {capacity} | {capacity} | {contender} | {time:.2?} | {floor:.2?} | **{ratio:.2}** | {first_page:.2} | {round_trips:.2} | {} | {} | {} | {} | {} | {verdict} |",
                    console.name(),
                    r.answered,
                    list(&r.throttled),
                    list(&r.queued),
                    r.most_in_flight,
                    list(&limits),
                );
                assert!(
                    r.most_in_flight <= DEFAULT_MAX_IN_FLIGHT,
                    "never more in flight than the maximum"
                );
                match *contender {
                    "auto" => auto_ratios.0.push((console, capacity, ratio)),
                    REMEMBERED => auto_ratios.1.push((console, capacity, ratio)),
                    _ => {}
                }
            }
            let speedup = median(results[1].times.clone()).as_secs_f64()
                / median(results[0].times.clone()).as_secs_f64();
            println!("| | | fixed 4 ÷ auto | **{speedup:.2}×** | | | | | | | | | | |");
        }
    }
    auto_ratios
}

/// The `auto` ratios of each first run and of each second run (none for bulk changes).
type AutoRatios = (Vec<(Console, usize, f64)>, Vec<(Console, usize, f64)>);

fn summary(what: &str, (first, second): &AutoRatios) {
    summary_of(what, "`auto`", first);
    if !second.is_empty() {
        summary_of(what, "`auto, 2nd run`", second);
    }
}

fn summary_of(what: &str, contender: &str, ratios: &[(Console, usize, f64)]) {
    let worst = ratios
        .iter()
        .copied()
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .unwrap();
    let missed: Vec<String> = ratios
        .iter()
        .filter(|r| r.2 > GOAL)
        .map(|(console, capacity, ratio)| format!("{} {capacity}: {ratio:.2}×", console.name()))
        .collect();
    println!(
        "\n{what}, {contender}: worst {:.2}× the floor ({} {}); {}",
        worst.2,
        worst.0.name(),
        worst.1,
        if missed.is_empty() {
            format!("within {GOAL}× at every capacity")
        } else {
            format!("over {GOAL}× at: {}", missed.join(", "))
        }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wanted: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let runs = |section: &str| wanted.is_empty() || wanted.contains(&section);
    let rounds: usize = std::env::var("VSPC_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1)
        .max(1);
    // The simulators live in this process, on two threads of their own; the CLI runs as a
    // child process, as users run it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "# Requests in flight at {LATENCY:?} a request ({rounds} round(s); medians; 429s, queued and limits per round; the client's maximum is {DEFAULT_MAX_IN_FLIGHT})"
    );
    if runs("list") {
        println!(
            "\n## `licenses list --product vbr -o ndjson`: {LICENSES} licenses, 500 a page ({} pages)\n",
            LICENSES / 500
        );
        let ratios = compare(
            &runtime,
            LICENSES,
            &CAPACITIES,
            &["licenses", "list", "--product", "vbr", "-o", "ndjson"],
            rounds,
            false,
            |run| assert_eq!(run.stdout.lines().count(), LICENSES, "every license listed"),
        );
        summary("Listings", &ratios);
    }
    if runs("long") {
        // Where the console takes 16 or more, 40 pages are only five round trips: the first
        // page alone, then the climb from 4. A longer walk shows what is left once the limit
        // has found the console.
        println!(
            "\n## The same listing over {LONG_LISTING} licenses ({} pages), where the console takes 16 or more\n",
            LONG_LISTING / 500
        );
        let ratios = compare(
            &runtime,
            LONG_LISTING,
            &[16, 64],
            &["licenses", "list", "--product", "vbr", "-o", "ndjson"],
            rounds,
            false,
            |run| assert_eq!(run.stdout.lines().count(), LONG_LISTING),
        );
        summary("Long listings", &ratios);
    }
    if runs("bulk") {
        println!(
            "\n## `auto-update enable --all --product vbr -o ndjson`: {BULK_SERVERS} servers\n"
        );
        let changes = std::cell::Cell::new(0);
        let ratios = compare(
            &runtime,
            BULK_SERVERS,
            &CAPACITIES,
            &[
                "auto-update",
                "enable",
                "--all",
                "--product",
                "vbr",
                "-o",
                "ndjson",
            ],
            rounds,
            true,
            |run| {
                assert_eq!(
                    run.stdout.lines().count(),
                    BULK_SERVERS,
                    "one line per server"
                );
                assert!(
                    !run.stdout.contains("\"outcome\":\"failed\""),
                    "no change failed"
                );
                changes.set(run.stdout.matches("\"outcome\":\"changed\"").count());
            },
        );
        println!(
            "\nEach run switched {} of the {BULK_SERVERS} servers on (the rest were on already).",
            changes.get()
        );
        summary("Bulk change", &ratios);
    }
}
