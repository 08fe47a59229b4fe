//! `--in-flight auto|N` (issue 29), as a process against the simulator, which counts what it
//! was sent at once: the adaptive default rises and stays within 16 for a bulk change and its
//! walk together, and says so with `-v`; a fixed number (or `--concurrency`, its alias for
//! bulk changes) is kept exactly; the limit a run ends with starts the next run against the
//! same console (kept in `VSPC_CACHE_DIR`), unless the number is fixed.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, RouteMatch, Simulator, SimulatorConfig, SimulatorHandle,
};

use crate::support::cli::{output, tool_process};
use crate::support::waves;

const KEY: &str = "cli-in-flight-key";

/// Only backup servers, each answer taking `latency`.
async fn console(servers: usize, latency: Duration, config: SimulatorConfig) -> SimulatorHandle {
    console_with_vone(servers, 0, latency, config).await
}

/// `servers` backup servers and `vone` Veeam ONE servers, each answer taking `latency`.
async fn console_with_vone(
    servers: usize,
    vone: usize,
    latency: Duration,
    config: SimulatorConfig,
) -> SimulatorHandle {
    let config = config
        .seed(29)
        .backup_servers(servers)
        .vone_servers(vone)
        .vb365_servers(0)
        .sites(0)
        .api_key(KEY)
        .fault(FaultRule {
            route: RouteMatch::Any,
            firing: Firing::Always,
            kind: FaultKind::Delay(latency),
        });
    Simulator::start(config).await.unwrap()
}

async fn run(sim: &SimulatorHandle, args: &[&str]) -> Output {
    run_caching(sim, &crate::support::cli::fresh_cache_dir(), args).await
}

/// [`run`] with this cache directory, which runs can share.
async fn run_caching(sim: &SimulatorHandle, cache: &Path, args: &[&str]) -> Output {
    let mut command = tool_process();
    command
        .env("VSPC_CACHE_DIR", cache)
        .env("VSPC_URL", sim.root_url())
        .env("VSPC_API_KEY", KEY)
        .env_remove("VSPC_LOG")
        .args(args);
    output(assert_cmd::Command::from_std(command)).await
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: &Output) {
    assert!(output.status.success(), "{}", stderr(output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_change_and_its_walk_together_rise_but_never_pass_sixteen_and_v_shows_it() {
    let sim = console(300, Duration::from_millis(100), SimulatorConfig::default()).await;
    let switched = run(
        &sim,
        &[
            "auto-update",
            "enable",
            "--all",
            "--product",
            "vbr",
            "-o",
            "ndjson",
            "-v",
        ],
    )
    .await;
    succeeded(&switched);
    let load = sim.load();
    assert!(
        load.requests > 100,
        "a change per server that was off: {load:?}"
    );
    assert!(
        (5..=16).contains(&load.most_in_flight),
        "more than the 4 it starts with, at most the maximum: {load:?}"
    );
    let log = stderr(&switched);
    assert!(log.contains("more requests in flight"), "{log}");
    assert!(log.contains("requests in flight most="), "{log}");
    assert!(log.contains("adaptive=true"), "{log}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_number_in_flight_is_kept_exactly_for_listings_and_bulk_changes() {
    // Ten pages on a console that serves one request at a time: the adaptive default would
    // settle elsewhere; three stay three.
    let config = SimulatorConfig::default().capacity(1);
    let sim = console(4_600, Duration::from_millis(80), config).await;
    let listed = run(
        &sim,
        &[
            "licenses",
            "list",
            "--product",
            "vbr",
            "-o",
            "ndjson",
            "--in-flight",
            "3",
        ],
    )
    .await;
    succeeded(&listed);
    assert_eq!(listed.stdout.iter().filter(|b| **b == b'\n').count(), 4_600);
    let load = sim.load();
    assert_eq!(load.most_in_flight, 3, "{load:?}");
    assert!(load.queued > 0, "{load:?}");
    sim.shutdown().await;

    let sim = console(60, Duration::from_millis(20), SimulatorConfig::default()).await;
    let switched = run(
        &sim,
        &[
            "auto-update",
            "enable",
            "--all",
            "--product",
            "vbr",
            "--concurrency",
            "2",
        ],
    )
    .await;
    succeeded(&switched);
    let load = sim.load();
    assert_eq!(load.most_in_flight, 2, "{load:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_in_flight_that_is_neither_auto_nor_a_number_from_one_is_refused() {
    let sim = console(1, Duration::ZERO, SimulatorConfig::default()).await;
    for wrong in ["0", "many", "2.5"] {
        let refused = run(&sim, &["licenses", "list", "--in-flight", wrong]).await;
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{wrong}: {}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).contains("write auto or a whole number from 1"),
            "{wrong}: {}",
            stderr(&refused)
        );
    }
    assert_eq!(sim.load().requests, 0, "nothing was sent");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_asks_for_its_first_pages_together_and_lists_each_license_once() {
    // Three pages of 500: the first wave of four asks for all of them and one past the end
    // before the first answer; `--in-flight 1` asks for one page at a time.
    for (in_flight, asked, together) in [("auto", 4, 4), ("1", 3, 1)] {
        let config = SimulatorConfig::default().journal(true);
        let sim = console(1_200, Duration::from_millis(100), config).await;
        let listed = run(
            &sim,
            &[
                "licenses",
                "list",
                "--product",
                "vbr",
                "-o",
                "ndjson",
                "--in-flight",
                in_flight,
            ],
        )
        .await;
        succeeded(&listed);
        let mut lines: Vec<&[u8]> = listed.stdout.split(|b| *b == b'\n').collect();
        lines.retain(|line| !line.is_empty());
        let listed_lines = lines.len();
        lines.sort_unstable();
        lines.dedup();
        assert_eq!((listed_lines, lines.len()), (1_200, 1_200), "each once");
        let pages = sim
            .journal()
            .unwrap()
            .into_iter()
            .filter(|entry| entry.path == "/api/v3/licensing/backupServers")
            .count();
        assert_eq!(pages, asked, "--in-flight {in_flight}");
        let load = sim.load();
        assert_eq!(
            load.most_in_flight, together,
            "--in-flight {in_flight}: {load:?}"
        );
        sim.shutdown().await;
    }
}

const PAGES: &str = "/api/v3/licensing/backupServers";

/// The console's latency in the tests of what a run remembers: long enough to tell the
/// requests of a first wave (sent before any answer) from those an answer set off, with the
/// other tests on the same two cores.
const SLOW: Duration = Duration::from_millis(300);

/// `licenses list` of the backup servers, adaptive, with `-v`.
const LIST: &[&str] = &["licenses", "list", "--product", "vbr", "-o", "ndjson", "-v"];

async fn first_wave(sim: &SimulatorHandle, skip: usize) -> usize {
    waves::first_wave(sim, PAGES, skip, SLOW).await
}

fn listed_once_each(output: &Output, licenses: usize) {
    succeeded(output);
    let mut lines: Vec<&[u8]> = output.stdout.split(|b| *b == b'\n').collect();
    lines.retain(|line| !line.is_empty());
    let listed = lines.len();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!((listed, lines.len()), (licenses, licenses), "each once");
}

/// What the cache keeps of the console at `sim`.
fn learned(cache: &Path, sim: &SimulatorHandle) -> serde_json::Value {
    let text = std::fs::read_to_string(cache.join("in-flight.json")).unwrap();
    let consoles: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    consoles[sim.root_url().as_str()].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_starts_at_the_limit_the_first_learned_and_asks_for_the_listing_at_once() {
    // Twenty pages on a console that takes 16 at once: the first run starts at four and
    // climbs; the second knows the limit and the listing's size, so its first wave is as
    // many pages as the limit kept, before any answer.
    let config = SimulatorConfig::default().capacity(16).journal(true);
    let sim = console(10_000, SLOW, config).await;
    let cache = tempfile::tempdir().unwrap();
    let first = run_caching(&sim, cache.path(), LIST).await;
    listed_once_each(&first, 10_000);
    assert_eq!(first_wave(&sim, 0).await, 4, "the first run starts at four");
    let kept = learned(cache.path(), &sim);
    let limit = kept["in_flight"].as_u64().unwrap() as usize;
    assert!((5..=16).contains(&limit), "learned more than four: {kept}");
    assert_eq!(kept["listings"]["vbr"], 10_000, "{kept}");

    let before = waves::requests_to(&sim, PAGES).await;
    let second = run_caching(&sim, cache.path(), LIST).await;
    listed_once_each(&second, 10_000);
    assert!(
        stderr(&second).contains("learned last time"),
        "{}",
        stderr(&second)
    );
    assert_eq!(first_wave(&sim, before).await, limit, "{}", stderr(&second));
    assert_eq!(
        waves::requests_to(&sim, PAGES).await - before,
        20,
        "no page past the end"
    );
    assert!(sim.load().most_in_flight <= 16, "{:?}", sim.load());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_listing_after_a_long_one_is_asked_for_its_own_pages_not_the_limit() {
    // A console of 10,000 backup-server licenses and 600 Veeam ONE ones (two pages): after
    // the long listing taught 16, the short one's first walk asks for at most four pages
    // before it knows its size, and its second for exactly its two.
    let config = SimulatorConfig::default().capacity(16).journal(true);
    let sim = console_with_vone(10_000, 600, SLOW, config).await;
    let cache = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        listed_once_each(&run_caching(&sim, cache.path(), LIST).await, 10_000);
    }
    let limit = learned(cache.path(), &sim)["in_flight"].as_u64().unwrap();
    assert!(limit > 4, "learned {limit}");
    const VONE: &str = "/api/v3/licensing/voneServers";
    let short: Vec<&str> = LIST
        .iter()
        .map(|a| if *a == "vbr" { "vone" } else { a })
        .collect();
    let first = run_caching(&sim, cache.path(), &short).await;
    listed_once_each(&first, 600);
    assert_eq!(
        waves::first_wave(&sim, VONE, 0, SLOW).await,
        4,
        "a fresh walk's four"
    );
    assert_eq!(learned(cache.path(), &sim)["listings"]["vone"], 600);
    let before = waves::requests_to(&sim, VONE).await;
    let second = run_caching(&sim, cache.path(), &short).await;
    listed_once_each(&second, 600);
    assert_eq!(
        waves::requests_to(&sim, VONE).await - before,
        2,
        "its two pages, none past the end"
    );
    assert_eq!(waves::first_wave(&sim, VONE, before, SLOW).await, 2);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_cut_short_by_an_error_does_not_teach_the_listing_size() {
    let config = SimulatorConfig::default().journal(true).fault(FaultRule {
        route: RouteMatch::Any,
        firing: Firing::Attempt(3),
        kind: FaultKind::LogicalError,
    });
    let sim = console(10_000, Duration::from_millis(50), config).await;
    let cache = tempfile::tempdir().unwrap();
    let failed = run_caching(&sim, cache.path(), LIST).await;
    assert!(!failed.status.success(), "{}", stderr(&failed));
    let text = std::fs::read_to_string(cache.path().join("in-flight.json")).unwrap_or_default();
    assert!(
        !text.contains("\"vbr\""),
        "no size from a broken walk: {text}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_file_of_learned_limits_is_ignored_and_replaced() {
    let config = SimulatorConfig::default().journal(true);
    let sim = console(1_200, SLOW, config).await;
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(cache.path().join("in-flight.json"), "{\"http://").unwrap();
    let listed = run_caching(&sim, cache.path(), LIST).await;
    listed_once_each(&listed, 1_200);
    assert!(
        stderr(&listed).contains("is ignored"),
        "{}",
        stderr(&listed)
    );
    assert_eq!(
        first_wave(&sim, 0).await,
        4,
        "starts at four as if there were no file"
    );
    let kept = learned(cache.path(), &sim);
    assert!(kept["in_flight"].as_u64().is_some(), "{kept}");
    assert_eq!(kept["listings"]["vbr"], 1_200, "{kept}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_number_in_flight_neither_reads_nor_writes_the_learned_limit() {
    let config = SimulatorConfig::default().journal(true);
    let sim = console(4_000, SLOW, config).await;
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("in-flight.json");
    let kept = format!(
        "{{\"{}\": {{\"in_flight\": 16, \"listings\": {{\"vbr\": 4000}}}}}}",
        sim.root_url()
    );
    std::fs::write(&file, &kept).unwrap();
    let mut args = LIST.to_vec();
    args.extend(["--in-flight", "4"]);
    let listed = run_caching(&sim, cache.path(), &args).await;
    listed_once_each(&listed, 4_000);
    assert_eq!(first_wave(&sim, 0).await, 4, "four, not the 16 kept");
    assert_eq!(sim.load().most_in_flight, 4, "{:?}", sim.load());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), kept, "untouched");

    let empty = tempfile::tempdir().unwrap();
    let listed = run_caching(&sim, empty.path(), &args).await;
    listed_once_each(&listed, 4_000);
    assert!(
        !empty.path().join("in-flight.json").exists(),
        "nothing written"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_over_several_consoles_gives_each_only_what_it_taught() {
    // `check --all-profiles` reads console a (20 pages of backup-server licenses) and then
    // console b (one page). The cache knows a's listing and that both take 16 at once; b's
    // walk must not expect a's 10,000 licenses (it failed before: 16 requests, 15 of them
    // past b's end).
    let config = SimulatorConfig::default().journal(true);
    let a = console(10_000, SLOW, config.clone()).await;
    let b = console(300, SLOW, config).await;
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(
        cache.path().join("in-flight.json"),
        format!(
            "{{\"{}\": {{\"in_flight\": 16, \"listings\": {{\"vbr\": 10000}}}}, \"{}\": {{\"in_flight\": 16}}}}",
            a.root_url().as_str().trim_end_matches('/'),
            b.root_url().as_str().trim_end_matches('/')
        ),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("config.toml");
    std::fs::write(
        &profiles,
        format!(
            "[profiles.a]\nurl = \"{}\"\napi_key_env = \"KEY_A\"\n\n[profiles.b]\nurl = \"{}\"\napi_key_env = \"KEY_B\"\n",
            a.root_url(),
            b.root_url()
        ),
    )
    .unwrap();
    let mut command = tool_process();
    command
        .env("VSPC_CACHE_DIR", cache.path())
        .env("KEY_A", KEY)
        .env("KEY_B", KEY)
        .env_remove("VSPC_URL")
        .env_remove("VSPC_API_KEY")
        .env_remove("VSPC_LOG")
        .args(["--config", profiles.to_str().unwrap()])
        .args(["check", "--all-profiles", "--product", "vbr"]);
    let checked = output(assert_cmd::Command::from_std(command)).await;
    assert!(
        checked.status.code().is_some_and(|code| code <= 2),
        "a Nagios status: {}",
        stderr(&checked)
    );
    assert_eq!(first_wave(&a, 0).await, 16, "a expects its own listing");
    assert_eq!(waves::requests_to(&a, PAGES).await, 20);
    assert_eq!(
        waves::requests_to(&b, PAGES).await,
        4,
        "b: a fresh walk's four, not a's sixteen"
    );
    // The check keeps what it learned of a, for the next check, and nothing of b under a.
    assert_eq!(learned(cache.path(), &a)["listings"]["vbr"], 10_000);
    let of_b = learned(cache.path(), &b);
    assert!(of_b.get("listings").is_none(), "{of_b}");
    a.shutdown().await;
    b.shutdown().await;
}
