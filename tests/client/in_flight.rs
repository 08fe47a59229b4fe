//! How many requests walks keep in flight (issue 29), counted by the simulator itself: the
//! client's adaptive limit rises on a console that keeps its latency, falls on one that
//! queues and after a `429`, never passes its maximum, and a fixed `pages_in_flight` is kept
//! exactly. A halving is logged when it changes the limit, and only then.

use std::time::Duration;

use crate::logs::logs_while;
use crate::support::waves::{first_wave, settled_journal};

use futures::TryStreamExt;
use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, RouteMatch, Simulator, SimulatorConfig, SimulatorHandle,
    DEFAULT_API_KEY,
};
use vspc_licensing::{AdaptiveLimit, Client, ClientBuilder, ListQuery, DEFAULT_PAGES_IN_FLIGHT};

/// Server time per request: long beside what a 5-license page costs this machine (the
/// simulator's answer and the client's decoding, in a debug build, on shared cores), so that
/// the latency the client sees is the console's. Where that cost showed, the rule rightly
/// read the machine as a console that queues.
const LATENCY: Duration = Duration::from_millis(100);
const PAGE: u32 = 5;

/// A simulator with `servers` backup servers that takes `latency` for every answer.
async fn console(servers: usize, latency: Duration, config: SimulatorConfig) -> SimulatorHandle {
    Simulator::start(config.backup_servers(servers).fault(FaultRule {
        route: RouteMatch::Any,
        firing: Firing::Always,
        kind: FaultKind::Delay(latency),
    }))
    .await
    .unwrap()
}

fn builder(sim: &SimulatorHandle) -> ClientBuilder {
    Client::builder(sim.base_url()).api_key(DEFAULT_API_KEY)
}

/// Walks the backup-server licenses `query` asks for and checks that all `expected` came.
async fn walk(client: &Client, query: ListQuery, expected: usize) {
    let licenses: Vec<_> = client
        .backup_server_licenses(query.page_size(PAGE))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(licenses.len(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_console_that_keeps_its_latency_the_limit_rises_to_the_maximum_and_no_further() {
    let sim = console(200, LATENCY, SimulatorConfig::default()).await;
    let client = builder(&sim).max_in_flight(6).build().unwrap();
    walk(&client, ListQuery::new(), 200).await;
    let load = sim.load();
    assert_eq!(
        load.most_in_flight, 6,
        "from {DEFAULT_PAGES_IN_FLIGHT} up to the maximum, never past it: {load:?}"
    );
    assert_eq!(client.in_flight_limit().limit(), 6);
    assert_eq!(client.in_flight_limit().most_in_flight(), 6);

    let client = builder(&sim).build().unwrap();
    sim.reset_load();
    walk(&client, ListQuery::new(), 200).await;
    let load = sim.load();
    assert!(
        load.most_in_flight > DEFAULT_PAGES_IN_FLIGHT && load.most_in_flight <= 16,
        "the default maximum is 16: {load:?}"
    );
    assert_eq!(load.throttled + load.queued, 0, "{load:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_console_starts_queueing_the_limit_falls() {
    let sim = console(500, LATENCY, SimulatorConfig::default()).await;
    let client = builder(&sim).build().unwrap();
    walk(&client, ListQuery::new(), 500).await;
    let fast = sim.load();
    let risen = client.in_flight_limit().limit();
    assert!(risen > 8, "{risen}, {fast:?}");

    // The console gets busy: two requests served at once, the rest wait their turn.
    sim.set_capacity(Some(2));
    walk(&client, ListQuery::new().offset(350), 150).await;
    let fallen = client.in_flight_limit().limit();
    assert!(fallen < risen, "{fallen} after {risen}");
    assert!(fallen > 2, "it keeps the console busy: {fallen}");

    // The next walk starts from the lower limit: the console sees fewer at once.
    sim.reset_load();
    walk(&client, ListQuery::new().offset(400), 100).await;
    let busy = sim.load();
    assert!(busy.queued > 0, "{busy:?}");
    assert!(
        busy.most_in_flight < fast.most_in_flight,
        "{busy:?} against {fast:?} before the console queued"
    );
    assert!(busy.most_in_flight <= fallen + 1, "{busy:?}, {fallen}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_the_limit_falls_below_what_drew_it_and_429s_stay_rare() {
    let config = SimulatorConfig::default().max_concurrent_requests(3);
    let sim = console(200, LATENCY, config).await;
    let client = builder(&sim).build().unwrap();
    walk(&client, ListQuery::new(), 200).await;
    let first = sim.load();
    assert!(first.throttled > 0, "the console refused some: {first:?}");
    assert!(first.throttled <= 6, "but no storm: {first:?}");
    assert!(client.in_flight_limit().limit() <= 3);

    // What the first walk learnt holds for the next: at most one probe past the three.
    sim.reset_load();
    walk(&client, ListQuery::new(), 200).await;
    let second = sim.load();
    assert!(second.most_in_flight <= 4, "{second:?}");
    assert!(second.throttled <= 1, "{second:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_number_of_pages_in_flight_is_kept_exactly_even_on_a_queueing_console() {
    // On this console an adaptive walk would settle near 8; the fixed one keeps its 12 (and
    // never 13, with 13 pages after the first). The console's time is long enough for all 12
    // to arrive before the first two are answered.
    let config = SimulatorConfig::default().capacity(2);
    let sim = console(70, Duration::from_millis(150), config).await;
    let client = builder(&sim).build().unwrap();
    walk(&client, ListQuery::new().pages_in_flight(12), 70).await;
    let load = sim.load();
    assert_eq!(load.most_in_flight, 12, "{load:?}");
    assert!(load.queued > 0, "{load:?}");
    assert_eq!(
        client.in_flight_limit().most_in_flight(),
        0,
        "the client's own pool was not used"
    );
    sim.shutdown().await;
}

#[test]
fn a_halving_is_logged_when_it_changes_the_limit_and_only_then() {
    let limit = AdaptiveLimit::new(2);
    let logs = logs_while(tracing::Level::INFO, || {
        limit.reduce();
        limit.reduce();
        limit.reduce();
    });
    assert_eq!(limit.limit(), 1);
    assert_eq!(
        logs.matches("fewer requests in flight").count(),
        1,
        "2 to 1 once; at 1 it stays 1 and says nothing: {logs}"
    );
    assert!(logs.contains("from=2") && logs.contains("to=1"), "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_counts_against_what_was_in_flight_when_it_came_so_the_limit_climbs_back_to_the_capacity(
) {
    // A console that takes two at once, sent three: one is refused (and keeps its place while
    // it waits to be retried), the other two are served, and the pool first looks at the
    // refusal when one of those is answered. The number it remembers as refused must be the
    // three that drew the 429, not the two left once that answer is counted out: remembering
    // two kept the limit at one (just below it) for 32 round trips, half of what the console
    // takes; remembering three, the limit halves to one and climbs straight back to two.
    let config = SimulatorConfig::default().max_concurrent_requests(2);
    let sim = console(100, Duration::from_millis(50), config).await;
    let client = builder(&sim).build().unwrap();
    let limit = client.in_flight_limit();
    let calls = (0..3).map(|_| {
        let (client, limit) = (client.clone(), limit.clone());
        async move {
            let _place = limit.acquire_for("GetAboutInformation").await;
            client.get_about_information().send().await.map(|_| ())
        }
    });
    for answer in futures::future::join_all(calls).await {
        answer.unwrap();
    }
    let three = sim.load();
    assert_eq!(
        three.throttled, 1,
        "one of the three was refused: {three:?}"
    );

    // 20 pages, one at a time at first: fewer than the 32 round trips before a probe.
    sim.reset_load();
    walk(&client, ListQuery::new(), 100).await;
    let load = sim.load();
    assert_eq!(
        load.most_in_flight, 2,
        "both of the console's places in use again: {load:?}"
    );
    assert_eq!(load.throttled, 0, "and never a third: {load:?}");
    assert_eq!(limit.limit(), 2);
    sim.shutdown().await;
}

/// The `offset`s the journal shows the backup-server license walk asked for, in the order they arrived.
fn offsets_asked(sim: &SimulatorHandle) -> Vec<u32> {
    sim.journal()
        .expect("the journal is on")
        .iter()
        .filter(|entry| entry.path.starts_with("/api/v3/licensing/backupServers"))
        .filter_map(|entry| {
            let query = entry.query.as_deref()?;
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("offset="))
                .and_then(|offset| offset.parse().ok())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_wave_asks_for_the_next_pages_alongside_the_first_and_reads_none_twice() {
    // 4 pages, the adaptive limit's start: the whole listing is one wave of requests.
    let sim = console(20, LATENCY, SimulatorConfig::default().journal(true)).await;
    let client = builder(&sim).build().unwrap();
    walk(&client, ListQuery::new(), 20).await;
    let load = sim.load();
    assert_eq!(
        load.most_in_flight, DEFAULT_PAGES_IN_FLIGHT,
        "the first page was not read alone: {load:?}"
    );
    assert_eq!(
        load.requests, 4,
        "no page past the end, none twice: {load:?}"
    );
    let mut offsets = offsets_asked(&sim);
    offsets.sort_unstable();
    assert_eq!(offsets, [0, 5, 10, 15]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_shorter_than_the_first_wave_costs_one_empty_answer_a_page_past_its_end() {
    let sim = console(7, LATENCY, SimulatorConfig::default().journal(true)).await;
    let client = builder(&sim).build().unwrap();
    let licenses: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(PAGE))
        .try_collect()
        .await
        .unwrap();
    let mut uids: Vec<_> = licenses.iter().map(|l| format!("{l:?}")).collect();
    uids.sort();
    uids.dedup();
    assert_eq!((licenses.len(), uids.len()), (7, 7), "every license once");
    let mut offsets = offsets_asked(&sim);
    offsets.sort_unstable();
    assert_eq!(offsets, [0, 5, 10, 15], "the wave of four, each once");
    assert_eq!(sim.load().requests, 4);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_number_of_pages_in_flight_is_also_the_first_wave() {
    for pages in [1, 3] {
        let sim = console(50, LATENCY, SimulatorConfig::default()).await;
        let client = builder(&sim).build().unwrap();
        walk(&client, ListQuery::new().pages_in_flight(pages), 50).await;
        let load = sim.load();
        assert_eq!(load.most_in_flight, pages, "{pages}: {load:?}");
        assert_eq!(load.requests, 10, "{pages}: {load:?}");
        sim.shutdown().await;
    }
}

/// A client that has learned a high limit on a long walk still asks for at most the first
/// wave of a fresh client (four pages) before it knows a walk's total: a short listing after a
/// long one costs at most three empty answers, not fifteen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_listing_after_a_long_one_asks_for_no_more_than_four_pages_at_first() {
    let sim = console(400, LATENCY, SimulatorConfig::default().journal(true)).await;
    let client = builder(&sim).build().unwrap();
    walk(&client, ListQuery::new(), 400).await;
    let learned = client.in_flight_limit().limit();
    assert!(
        learned > DEFAULT_PAGES_IN_FLIGHT,
        "the limit climbed: {learned}"
    );
    let before = sim.load().requests;
    // The last page alone: one page holds licenses, everything after it is past the end.
    walk(&client, ListQuery::new().offset(395), 5).await;
    let asked = sim.load().requests - before;
    assert_eq!(
        asked, DEFAULT_PAGES_IN_FLIGHT as u64,
        "the last page and three past the end (limit {learned})"
    );
    sim.shutdown().await;
}

/// The latency of the first-wave tests: long enough to tell the requests sent before the
/// first answer from those sent after it, on a loaded machine too.
const SLOW: Duration = Duration::from_millis(300);

/// The backup-server licenses' collection.
const PAGES: &str = "/api/v3/licensing/backupServers";

/// With the listing's expected size and a limit learned before, the first wave is the whole
/// of what the limit allows (no climb from four, no round trip for the total); a listing
/// expected to be short is asked for exactly its pages, none past its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_total_sizes_the_first_wave_to_the_listing_within_the_limit() {
    // (licenses, expected total, pages asked together, requests in all)
    for (licenses, expected, wave, requests) in [
        (200, 200, 16, 40),
        (20, 20, 4, 4),
        (5, 5, 1, 1),
        // The listing grew: the first page's total decides, the rest follows as ever.
        (60, 30, 6, 12),
        // It shrank: pages past the end cost empty answers, never more than expected.
        (10, 40, 8, 8),
    ] {
        let sim = console(licenses, SLOW, SimulatorConfig::default().journal(true)).await;
        let client = builder(&sim).initial_in_flight(16).build().unwrap();
        walk(
            &client,
            ListQuery::new().expected_total(expected as u64),
            licenses,
        )
        .await;
        let load = sim.load();
        assert_eq!(
            first_wave(&sim, PAGES, 0, SLOW).await,
            wave,
            "{licenses} expecting {expected}: {load:?}"
        );
        assert_eq!(
            load.requests, requests,
            "{licenses} expecting {expected}: {load:?}"
        );
        assert!(load.most_in_flight <= 16, "{load:?}");
        settled_journal(&sim).await;
        let mut offsets = offsets_asked(&sim);
        offsets.sort_unstable();
        offsets.dedup();
        assert_eq!(
            offsets.len() as u64,
            requests,
            "none asked twice: {offsets:?}"
        );
        sim.shutdown().await;
    }
}

/// A fixed number of pages in flight stays the most a walk asks for at once, whatever the
/// expected total; an expected total of fewer pages makes the first wave smaller still.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_number_of_pages_in_flight_bounds_a_first_wave_sized_by_an_expected_total() {
    for (pages, expected, wave) in [(3, 200, 3), (8, 10, 2)] {
        let sim = console(200, SLOW, SimulatorConfig::default().journal(true)).await;
        let client = builder(&sim).build().unwrap();
        let query = ListQuery::new()
            .pages_in_flight(pages)
            .expected_total(expected);
        walk(&client, query, 200).await;
        let load = sim.load();
        assert_eq!(
            first_wave(&sim, PAGES, 0, SLOW).await,
            wave,
            "{pages} pages, expecting {expected}: {load:?}"
        );
        assert_eq!(load.most_in_flight, pages, "{pages}: {load:?}");
        assert_eq!(load.requests, 40, "{pages}: {load:?}");
        sim.shutdown().await;
    }
}
