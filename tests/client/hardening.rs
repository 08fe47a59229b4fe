//! What real consoles and proxies do to the client (issue 18), over real HTTP on loopback:
//! VSPC's throttling answer, a busy token endpoint, short pages, absurd or shifting paging
//! information, failed async actions with their own status, huge timeouts, multi-factor
//! sign-in and oversized license files.

use crate::support::recorder;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, RouteMatch, Simulator, SimulatorConfig, DEFAULT_API_KEY,
    MFA_TEST_CODE,
};
use vspc_licensing::ListQuery;
use vspc_licensing::MfaCodeProvider;
use vspc_licensing::{
    AsyncActionPolicy, Client, Error, LicenseFile, Product, RetryPolicy, MAX_LICENSE_FILE_BYTES,
};

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;

fn license(i: usize) -> Value {
    json!({"backupServerUid": Uuid::from_u128(i as u128 + 1), "autoUpdateEnabled": false, "company": format!("Tenant {i}")})
}

fn number(request: &Recorded, name: &str) -> Option<usize> {
    request
        .query_pairs()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.parse().unwrap())
}

/// A collection of `total` licenses that serves at most `cap` a page, whatever `limit` asks.
fn capped_pages(total: usize, cap: usize) -> Responder {
    Arc::new(move |r: &Recorded| {
        let limit = number(r, "limit").unwrap_or(100).min(cap);
        let offset = number(r, "offset").unwrap_or(0);
        let data: Vec<Value> = (offset..total.min(offset + limit)).map(license).collect();
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": total, "count": count, "offset": offset}}}),
        )
    })
}

fn client(url: String) -> Client {
    Client::builder(url)
        .api_key("k")
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

async fn walk(client: &Client, query: ListQuery) -> (Vec<Uuid>, Option<Error>) {
    let mut stream = client.backup_server_licenses(query);
    let mut uids = Vec::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(license) => uids.push(license.backup_server_uid.unwrap()),
            Err(e) => error = Some(e),
        }
    }
    (uids, error)
}

// Item 4: a server that serves fewer than `limit` lost 900 of 1,200 licenses without a word.
#[tokio::test]
async fn short_pages_lose_nothing_and_repeat_nothing() {
    for pages_in_flight in [1, 4] {
        let recorder = Recorder::with_fallback(capped_pages(1200, 100)).await;
        let client = client(recorder.url());
        let (uids, error) = walk(
            &client,
            ListQuery::new()
                .page_size(500)
                .pages_in_flight(pages_in_flight),
        )
        .await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            uids.len(),
            1200,
            "every license, with {pages_in_flight} in flight"
        );
        assert_eq!(uids.iter().collect::<HashSet<_>>().len(), 1200, "each once");
        // With 4 in flight the first wave also asked for 500, 1000 and 1500: the first two
        // are read as the pages of 100 there, 1500 is one request past the end.
        assert_eq!(
            recorder.requests().len(),
            if pages_in_flight == 1 { 12 } else { 13 },
            "the server's own page size is learnt from the first page"
        );
    }
}

#[tokio::test]
async fn a_page_cut_short_in_the_middle_is_completed_from_where_it_ended() {
    let served = capped_pages(1000, 100);
    let responder: Responder = Arc::new(move |r: &Recorded| {
        // Only the page at offset 300 comes back short (a proxy hiccup): 40 of 100.
        if number(r, "offset") == Some(300) && number(r, "limit") == Some(100) {
            let data: Vec<Value> = (300..340).map(license).collect();
            return Canned::json(
                200,
                json!({"data": data, "meta": {"pagingInfo": {"total": 1000, "count": 40, "offset": 300}}}),
            );
        }
        served(r)
    });
    let recorder = Recorder::with_fallback(responder).await;
    let (uids, error) = walk(&client(recorder.url()), ListQuery::new().page_size(100)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(uids.len(), 1000);
    assert_eq!(uids.iter().collect::<HashSet<_>>().len(), 1000);
}

// Item 4: this answer kept `licenses list` walking 450 pages a second until it was killed.
#[tokio::test]
async fn absurd_paging_information_is_a_protocol_error_at_once() {
    let absurd: Responder = Arc::new(|_: &Recorded| {
        Canned::json(
            200,
            json!({"data": [license(0), license(1)], "meta": {"pagingInfo": {"offset": -605246014, "count": -1519985609, "total": 2113859491}}}),
        )
    });
    let recorder = Recorder::with_fallback(absurd).await;
    let (uids, error) = walk(&client(recorder.url()), ListQuery::new()).await;
    let error = error.expect("the walk stops");
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    assert!(uids.is_empty(), "nothing from a page that makes no sense");
    // The first wave (the first page and the three after it, asked for together), nothing
    // after the first answer.
    assert_eq!(recorder.requests().len(), 4);

    for paging in [
        json!({"offset": 0, "count": 5, "total": 100}), // count is not what was sent
        json!({"offset": 0, "count": 2, "total": 1}),   // ends past the total
        json!({"offset": 0, "count": -2, "total": 100}), // negative
    ] {
        let responder: Responder = Arc::new(move |_: &Recorded| {
            Canned::json(
                200,
                json!({"data": [license(0), license(1)], "meta": {"pagingInfo": paging}}),
            )
        });
        let recorder = Recorder::with_fallback(responder).await;
        let (_, error) = walk(&client(recorder.url()), ListQuery::new()).await;
        assert!(matches!(error, Some(Error::Protocol { .. })), "{error:?}");
    }
}

#[tokio::test]
async fn a_page_repeating_the_previous_one_or_an_empty_page_before_the_end_stops_the_walk() {
    // Claims the right offsets but sends the first page every time.
    let liar: Responder = Arc::new(|r: &Recorded| {
        let offset = number(r, "offset").unwrap_or(0);
        let data: Vec<Value> = (0..100).map(license).collect();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": 1000, "count": 100, "offset": offset}}}),
        )
    });
    let recorder = Recorder::with_fallback(liar).await;
    let (uids, error) = walk(&client(recorder.url()), ListQuery::new().page_size(100)).await;
    assert!(matches!(error, Some(Error::Protocol { .. })), "{error:?}");
    assert_eq!(uids.len(), 100, "the first page only, once");

    let hollow: Responder = Arc::new(|r: &Recorded| {
        let offset = number(r, "offset").unwrap_or(0);
        let data: Vec<Value> = if offset == 0 {
            (0..100).map(license).collect()
        } else {
            Vec::new()
        };
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": 1000, "count": count, "offset": offset}}}),
        )
    });
    let recorder = Recorder::with_fallback(hollow).await;
    let (_, error) = walk(&client(recorder.url()), ListQuery::new().page_size(100)).await;
    let error = error.expect("no progress is an error");
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    assert!(error.to_string().contains("no progress"), "{error}");
}

// Item 4: the module promised nothing is ever yielded twice, which a shifting collection breaks.
#[tokio::test]
async fn a_collection_that_changes_size_during_the_walk_is_reported() {
    let responder: Responder = Arc::new(|r: &Recorded| {
        let offset = number(r, "offset").unwrap_or(0);
        let limit = number(r, "limit").unwrap_or(100);
        // A server is added after the first page was read.
        let total = if offset == 0 { 300 } else { 301 };
        let data: Vec<Value> = (offset..total.min(offset + limit)).map(license).collect();
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": total, "count": count, "offset": offset}}}),
        )
    });
    let recorder = Recorder::with_fallback(responder).await;
    let (_, error) = walk(
        &client(recorder.url()),
        ListQuery::new().page_size(100).pages_in_flight(1),
    )
    .await;
    match error {
        Some(Error::CollectionChanged { before, now, .. }) => {
            assert_eq!((before, now), (300, 301));
        }
        other => panic!("{other:?}"),
    }
}

// Item 7: a server ignoring `offset` was reported as invalid input (CLI exit 2).
#[tokio::test]
async fn a_server_ignoring_offset_is_a_protocol_error_not_invalid_input() {
    let responder: Responder = Arc::new(|_: &Recorded| {
        let data: Vec<Value> = (0..100).map(license).collect();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": 1000, "count": 100, "offset": 0}}}),
        )
    });
    let recorder = Recorder::with_fallback(responder).await;
    let (_, error) = walk(&client(recorder.url()), ListQuery::new().page_size(100)).await;
    let error = error.unwrap();
    assert!(
        matches!(&error, Error::Protocol { operation, .. } if *operation == "GetBackupServersLicenses"),
        "{error:?}"
    );
    assert!(error.to_string().contains("ignores `offset`"), "{error}");
}

// Item 2: the client waited 0.16 s where the console asked for 2 s, and the body did not parse.
#[tokio::test]
async fn vspc_throttling_body_is_honoured_and_parsed() {
    let answered = Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    let responder: Responder = Arc::new(move |r: &Recorded| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            return Canned::json(
                429,
                json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 1}]}),
            );
        }
        spec_example_answer(r)
    });
    let recorder = Recorder::with_fallback(responder).await;
    let client = client(recorder.url());
    let started = Instant::now();
    client.license(Product::Console, None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(client.throttled_answers(), 1);

    // When retries run out, the 429 is a typed API error with the console's wait in it.
    let always: Responder = Arc::new(|_: &Recorded| {
        Canned::json(
            429,
            json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 0}]}),
        )
    });
    let recorder = Recorder::with_fallback(always).await;
    let error = client_with(recorder.url(), RetryPolicy::none())
        .license(Product::Console, None)
        .await
        .unwrap_err();
    match &error {
        Error::Api { status, errors, .. } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(errors[0].retry_after, Some(0));
            assert_eq!(errors[0].message, "");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("too many requests"), "{error}");
}

fn client_with(url: String, retry: RetryPolicy) -> Client {
    Client::builder(url)
        .api_key("k")
        .retry_policy(retry)
        .build()
        .unwrap()
}

// Item 3: one 503 from /token was a refused sign-in (exit 3).
#[tokio::test]
async fn transient_token_endpoint_failures_are_retried_and_only_oauth_errors_refuse() {
    let grants = Arc::new(Mutex::new(Vec::<u16>::new()));
    let log = grants.clone();
    let responder: Responder = Arc::new(move |r: &Recorded| {
        if r.path == "/api/v3/token" {
            let mut log = log.lock().unwrap();
            let answer = match log.len() {
                0 => Canned::json(
                    503,
                    json!({"errors": [{"message": "busy", "type": "transport", "code": 503}]}),
                ),
                1 => Canned::json(
                    429,
                    json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 0}]}),
                ),
                2 => Canned::json(
                    520,
                    json!({"errors": [{"message": "later", "type": "retryableLogical", "code": 1}]}),
                ),
                _ => Canned::json(
                    200,
                    json!({"access_token": "t1", "token_type": "bearer", "refresh_token": "r1", "expires_in": 3600}),
                ),
            };
            log.push(answer.status);
            return answer;
        }
        spec_example_answer(r)
    });
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(5)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(*grants.lock().unwrap(), [503, 429, 520, 200]);

    let refusing: Responder = Arc::new(|r: &Recorded| {
        if r.path == "/api/v3/token" {
            return Canned::json(
                400,
                json!({"error": "invalid_client", "error_description": "no"}),
            );
        }
        spec_example_answer(r)
    });
    let recorder = Recorder::with_fallback(refusing).await;
    let error = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Authentication { .. }), "{error:?}");
    assert_eq!(recorder.requests().len(), 1, "a refusal is not retried");

    // Busy for longer than the retries last: the caller gets the 503, not a refused sign-in.
    let busy: Responder = Arc::new(|_: &Recorded| {
        Canned::json(
            503,
            json!({"errors": [{"message": "busy", "type": "transport", "code": 503}]}),
        )
    });
    let recorder = Recorder::with_fallback(busy).await;
    let error = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(!error.is_auth(), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:?}");
    assert_eq!(recorder.requests().len(), 4);
}

fn failing_action(result_status: u16) -> Responder {
    Arc::new(move |r: &Recorded| {
        let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
        if r.method == "PATCH" {
            return Canned::raw(202, "application/json", b"").header(
                "location",
                &format!("http://vspc.invalid/api/v3/asyncActions/{id}"),
            );
        }
        if r.path.ends_with("/result") {
            return Canned::json(
                result_status,
                json!({"errors": [{"message": "gone or refused", "type": "logical", "code": result_status}]}),
            );
        }
        Canned::json(
            200,
            json!({"data": {"id": id, "initiatorUid": Uuid::nil(), "actionName": "PatchBackupServerLicense", "status": "failed", "queryParameters": {}}}),
        )
    })
}

// Item 7: a failed async action lost its status: a 404 was no longer not-found, a 401 exit 1.
#[tokio::test]
async fn a_failed_async_action_keeps_its_results_status_and_errors() {
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(5), Duration::from_millis(10));
    for (status, not_found, auth) in [(404, true, false), (401, false, true)] {
        let recorder = Recorder::with_fallback(failing_action(status)).await;
        let client = Client::builder(recorder.url())
            .api_key("k")
            .async_actions(policy.clone())
            .build()
            .unwrap();
        let error = client
            .enable_auto_update(Product::BackupServer, Uuid::nil())
            .await
            .unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(status),
            "{error:?}"
        );
        assert_eq!(error.is_not_found(), not_found, "{error:?}");
        assert_eq!(error.is_auth(), auth, "{error:?}");
        match &error {
            Error::AsyncAction {
                action_id, errors, ..
            } => {
                assert_eq!(action_id, "97431954-0dd7-472a-8cb7-d0cb0fbccaf7");
                assert_eq!(errors[0].message, "gone or refused");
            }
            other => panic!("{other:?}"),
        }
    }
}

// Item 6: `AsyncActionPolicy::timeout(Duration::MAX)` panicked on the first 202.
#[tokio::test]
async fn an_unbounded_async_timeout_waits_instead_of_panicking() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .async_operations(vspc_licensing::simulator::AsyncOperations::All)
            .async_delay(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .async_actions(
            AsyncActionPolicy::default()
                .timeout(Duration::MAX)
                .poll_interval(Duration::from_millis(20), Duration::MAX),
        )
        .build()
        .unwrap();
    let uid = sim.state().backup_server_uids()[0];
    let license = client
        .enable_auto_update(Product::BackupServer, uid)
        .await
        .unwrap();
    assert_eq!(license.auto_update_enabled(), Some(true));
    sim.shutdown().await;
}

// Item 8: a password sign-in on an account with MFA could not be completed.
#[tokio::test]
async fn a_multi_factor_sign_in_is_completed_with_the_callers_code() {
    let sim = Simulator::start(SimulatorConfig::default().mfa_user("mfa-ops", "pw"))
        .await
        .unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let client = Client::builder(sim.base_url())
        .credentials("mfa-ops", "pw")
        .mfa_code(MfaCodeProvider::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
            async { Some(MFA_TEST_CODE.into()) }
        }))
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1, "one code per sign-in");

    for provider in [
        None,
        Some(MfaCodeProvider::new(|| async { Some("000000".into()) })),
        Some(MfaCodeProvider::new(|| async { None })),
    ] {
        let mut builder = Client::builder(sim.base_url()).credentials("mfa-ops", "pw");
        if let Some(provider) = provider {
            builder = builder.mfa_code(provider);
        }
        let error = builder
            .build()
            .unwrap()
            .license(Product::Console, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Authentication { .. }), "{error:?}");
    }
    sim.shutdown().await;
}

// Item 9: `--file /dev/zero` read until memory ran out.
#[tokio::test]
async fn an_endless_or_oversized_license_file_is_refused_quickly() {
    let started = Instant::now();
    let error = LicenseFile::from_path("/dev/zero").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(error.to_string().contains("not a license file"), "{error}");
    let big = std::env::temp_dir().join(format!("big-{}.lic", Uuid::new_v4()));
    std::fs::write(&big, vec![b'x'; 2 * 1024 * 1024]).unwrap();
    assert!(LicenseFile::from_path(&big).await.is_err());
    std::fs::remove_file(&big).unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/vbr-rental-1000.lic"
    );
    assert!(LicenseFile::from_path(sample).await.is_ok());
}

#[tokio::test]
async fn files_up_to_the_limit_are_read_and_one_byte_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Real license files are a few KB; one with many sections is still far below 512 KiB.
    let large = dir.path().join("large.lic");
    std::fs::write(&large, vec![b'x'; 512 * 1024]).unwrap();
    let read = LicenseFile::from_path(&large).await.unwrap();
    assert_eq!(read.contents().len(), 512 * 1024);
    assert_eq!(read.file_name(), "large.lic");

    let limit = usize::try_from(MAX_LICENSE_FILE_BYTES).unwrap();
    let at_limit = dir.path().join("at-limit.lic");
    std::fs::write(&at_limit, vec![b'x'; limit]).unwrap();
    assert!(LicenseFile::from_path(&at_limit).await.is_ok());
    let over = dir.path().join("over.lic");
    std::fs::write(&over, vec![b'x'; limit + 1]).unwrap();
    assert!(LicenseFile::from_path(&over).await.is_err());
}

// Item 2: a 429 halves the pages in flight for the rest of the walk; against a console
// limiting simultaneous requests the walk still reads everything once.
#[tokio::test]
async fn a_console_limiting_simultaneous_requests_gets_fewer_pages_in_flight() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .backup_servers(2000)
            .max_concurrent_requests(2)
            .fault(FaultRule {
                route: RouteMatch::Any,
                firing: Firing::Always,
                kind: FaultKind::Delay(Duration::from_millis(10)),
            }),
    )
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(10)
                .initial_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let limit = client.adaptive_limit(8);
    let uids: Vec<Uuid> = client
        .backup_server_licenses(ListQuery::new().page_size(50).pages_in_flight(8))
        .map_ok(|l| l.backup_server_uid.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uids.len(), 2000);
    assert_eq!(uids.iter().collect::<HashSet<_>>().len(), 2000);
    assert!(client.throttled_answers() > 0, "the console did throttle");
    assert!(limit.limit() < 8, "a pool made before the walk shrank too");
    sim.shutdown().await;
}

fn always_busy() -> Responder {
    Arc::new(|_: &Recorded| {
        Canned::json(
            503,
            json!({"errors": [{"message": "busy", "type": "transport", "code": 503}]}),
        )
    })
}

// Item 13: `RetryPolicy::none` could be replaced by the default unnoticed.
#[tokio::test]
async fn retry_policy_none_sends_once() {
    let recorder = Recorder::with_fallback(always_busy()).await;
    let error = client_with(recorder.url(), RetryPolicy::none())
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(recorder.requests().len(), 1);
    assert_eq!(RetryPolicy::none().attempts(), 1);
}

// Item 13: no test reached the overall deadline; here it, not the attempts, ends the call.
#[tokio::test]
async fn the_overall_deadline_ends_retries_before_the_attempts_run_out() {
    let recorder = Recorder::with_fallback(always_busy()).await;
    let policy = RetryPolicy::default()
        .max_attempts(1000)
        .initial_backoff(Duration::from_millis(40))
        .max_backoff(Duration::from_millis(40))
        .deadline(Duration::from_millis(400));
    assert_eq!(policy.overall_deadline(), Duration::from_millis(400));
    let started = Instant::now();
    let error = client_with(recorder.url(), policy)
        .license(Product::Console, None)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let sent = recorder.requests().len();
    assert!(
        (3..=25).contains(&sent),
        "{sent} attempts in {elapsed:?}: the deadline, not the attempt count, ended the call"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

// Item 13: dropping a walk must abort its page tasks, not leave them fetching. Pages after the
// first come back short after a pause, so a task left running would ask for the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn dropping_a_walk_stops_its_pages_in_flight() {
    let responder: Responder = Arc::new(move |r: &Recorded| {
        let offset = number(r, "offset").unwrap_or(0);
        let limit = number(r, "limit").unwrap_or(100);
        let served = if offset == 0 {
            limit
        } else {
            std::thread::sleep(Duration::from_millis(600));
            limit / 2
        };
        let data: Vec<Value> = (offset..offset + served).map(license).collect();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": 10_000, "count": served, "offset": offset}}}),
        )
    });
    let recorder = Recorder::with_fallback(responder).await;
    let client = client(recorder.url());
    let mut stream =
        client.backup_server_licenses(ListQuery::new().page_size(100).pages_in_flight(3));
    for _ in 0..100 {
        stream.next().await.unwrap().unwrap();
    }
    // Asking for the 101st sends the next pages (600 ms each); drop the walk while they are
    // in flight.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), stream.next())
            .await
            .is_err(),
        "the next page takes 600 ms"
    );
    drop(stream);
    // Requests already on their way when the walk was dropped still arrive; give them well
    // under the 600 ms a page takes, so a task left running has not asked again yet.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_drop = recorder.requests().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(after_drop > 1, "pages were in flight");
    assert_eq!(
        recorder.requests().len(),
        after_drop,
        "no page is requested after the walk was dropped"
    );
}

// Item 4: without paging information a capped page looked like the last one.
#[tokio::test]
async fn capped_pages_without_paging_information_lose_nothing() {
    let responder: Responder = Arc::new(|r: &Recorded| {
        let limit = number(r, "limit").unwrap_or(100).min(70);
        let offset = number(r, "offset").unwrap_or(0);
        let data: Vec<Value> = (offset..1000.min(offset + limit)).map(license).collect();
        Canned::json(200, json!({ "data": data }))
    });
    let recorder = Recorder::with_fallback(responder).await;
    let (uids, error) = walk(&client(recorder.url()), ListQuery::new().page_size(500)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(uids.len(), 1000);
    assert_eq!(uids.iter().collect::<HashSet<_>>().len(), 1000);
}
