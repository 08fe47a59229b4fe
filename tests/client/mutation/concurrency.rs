//! How the pages and changes in flight shrink (mutation testing of
//! `src/client/concurrency.rs`, beside its unit tests).

use super::logs::logs_while;
use vspc_licensing::AdaptiveLimit;

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
