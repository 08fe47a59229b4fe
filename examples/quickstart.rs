//! The quick start of the README and docs/library.md, runnable without a VSPC: it starts the
//! embedded simulator and drives it with the client exactly as it would drive a real server.
//!
//!     cargo run --example quickstart --features simulator

use futures::TryStreamExt;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};
use vspc_licensing::{Client, Product};
use vspc_licensing::{Filter, ListQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(SimulatorConfig::default().api_key("quickstart-key")).await?;
    let client = Client::builder(sim.root_url())
        .api_key("quickstart-key")
        .build()?;

    let off: Vec<_> = client
        .backup_server_licenses(
            ListQuery::new()
                .filter(Filter::equals("autoUpdateEnabled", false))
                .page_size(500),
        )
        .try_collect()
        .await?;
    println!(
        "{} backup server license(s) with auto-update off",
        off.len()
    );
    for license in &off {
        if let Some(uid) = license.backup_server_uid {
            client
                .enable_auto_update(Product::BackupServer, uid)
                .await?;
            println!("enabled auto-update on {uid}");
        }
    }
    let still_off: Vec<_> = client
        .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)))
        .try_collect()
        .await?;
    println!("now {} with auto-update off", still_off.len());
    sim.shutdown().await;
    Ok(())
}
