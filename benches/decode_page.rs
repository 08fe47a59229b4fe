//! Decoding one 500-license page, quickly: the typed model against `serde_json::Value` in the
//! same run, timed in CPU time of the decoding thread (Linux `schedstat`), so the figures stay
//! comparable between two builds on a busy machine.
//!
//!     cargo bench --locked --bench decode_page
//!
//! Used to measure what the null policy (`build/postprocess.rs`, `null_lists_read_as_empty`) costs: run it
//! on the commit before the policy and after it, alternately (benches/RESULTS.md, section 2).
//! The page is built here (500 licenses shaped like the simulator's), so both builds read the
//! same bytes. With the policy, a second page whose list members are all `null` is measured too.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vspc_licensing::types::BackupServerLicenseCollection;

const ROUNDS: usize = 7;

fn license(i: u128, null_lists: bool) -> Value {
    let list = |values: Value| if null_lists { Value::Null } else { values };
    json!({
        "backupServerUid": uuid::Uuid::from_u128(0x6f1c_2e8a_0b4d_4c3e_9a7f_0000_0000_0000 + i),
        "autoUpdateEnabled": i.is_multiple_of(3),
        "edition": "Enterprise Plus",
        "monitoring": false,
        "packages": list(json!(["Backup"])),
        "company": format!("Company {i}"),
        "email": format!("licensing{i}@example.com"),
        "contactPerson": format!("Contact {i}"),
        "expirationDate": "2027-01-31T01:00:00.0000000+01:00",
        "supportExpirationDate": "2027-01-31T01:00:00.0000000+01:00",
        "licenseIds": list(json!([uuid::Uuid::from_u128(i)])),
        "supportIds": list(json!([format!("{:08}", i)])),
        "sectionTypes": list(json!(["Instance"])),
        "status": "Valid",
        "cloudConnect": "No",
        "sockets": 0,
        "usedSockets": 0,
        "capacity": 0,
        "usedCapacity": 0,
        "units": 1000,
        "usedUnits": (i % 1000) as f64,
        "unitType": "Instances",
        "type": "Rental"
    })
}

fn page(null_lists: bool) -> Vec<u8> {
    let data: Vec<Value> = (0..500).map(|i| license(i, null_lists)).collect();
    serde_json::to_vec(&json!({
        "meta": { "pagingInfo": { "total": 100000, "count": 500, "offset": 0 } },
        "data": data,
        "errors": []
    }))
    .unwrap()
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds): unlike wall
/// time it does not grow while other tenants of the machine hold the cores.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// Median CPU time per page over [`ROUNDS`] rounds of about 400 ms of wall time each.
fn per_page(page: &[u8], decode: &dyn Fn(&[u8])) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let cpu = thread_cpu();
        let mut iterations = 0u32;
        while start.elapsed() < Duration::from_millis(400) {
            decode(page);
            iterations += 1;
        }
        samples.push((thread_cpu() - cpu) / iterations);
    }
    samples.sort();
    samples[samples.len() / 2]
}

fn report(name: &str, page: &[u8]) {
    let typed = per_page(page, &|b| {
        std::hint::black_box(serde_json::from_slice::<BackupServerLicenseCollection>(b).unwrap());
    });
    let value = per_page(page, &|b| {
        std::hint::black_box(serde_json::from_slice::<Value>(b).unwrap());
    });
    let mb = page.len() as f64 / 1e6;
    println!(
        "| {name} ({:.0} KiB) | {typed:.2?} | {:.0} | {:.0} | {:.2} |",
        page.len() as f64 / 1024.0,
        mb / typed.as_secs_f64(),
        mb / value.as_secs_f64(),
        value.as_secs_f64() / typed.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    println!("| page | typed, CPU per page | typed MB/s | Value MB/s | typed ÷ Value throughput |");
    println!("|---|---|---|---|---|");
    report("500 licenses, lists filled", &page(false));
    let with_nulls = page(true);
    if serde_json::from_slice::<BackupServerLicenseCollection>(&with_nulls).is_ok() {
        report("500 licenses, every list null", &with_nulls);
    } else {
        println!("| 500 licenses, every list null | does not decode | | | |");
    }
}
