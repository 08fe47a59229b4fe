//! `alk endpoints | check`: where automatic license updates must be able to connect.

use super::args::{AlkCommand, Format, Global};
use super::output::{print, print_object};
use super::writer::reader_may_leave;
use super::{Failure, Outcome};
use crate::alk::{
    check, endpoints_for, AlkEndpoint, CheckOptions, CheckSummary, EndpointCheck, ResolveOverrides,
};

pub(crate) async fn run(global: &Global, command: AlkCommand) -> Outcome {
    match command {
        AlkCommand::Endpoints { products } => {
            let endpoints = endpoints_for(&products);
            let rows: Vec<Vec<String>> = endpoints.iter().map(|e| e.table_row().to_vec()).collect();
            print(global.output, &AlkEndpoint::TABLE_HEADER, &rows, &endpoints)?;
            if global.output == Format::Table {
                for product in crate::alk::AlkProduct::ALL
                    .iter()
                    .filter(|p| products.is_empty() || products.contains(p))
                {
                    if let Some(note) = product.note() {
                        eprintln!("note: {}: {note}", product.full_name());
                    }
                }
            }
            Ok(())
        }
        AlkCommand::Check {
            products,
            resolve,
            concurrency,
            connect_timeout,
        } => {
            let overrides = ResolveOverrides::parse_all(&resolve)
                .map_err(|e| Failure::Exit(2, e.to_string()))?;
            let options = CheckOptions {
                timeout: connect_timeout,
                concurrency,
                overrides,
            };
            let checks: Vec<EndpointCheck> = check(endpoints_for(&products), &options).await;
            let summary = CheckSummary::of(&checks);
            if global.output == Format::Json {
                reader_may_leave(print_object(
                    Format::Json,
                    &serde_json::json!({ "checks": checks, "summary": summary }),
                ))?;
            } else {
                let rows: Vec<Vec<String>> =
                    checks.iter().map(|c| c.table_row().to_vec()).collect();
                reader_may_leave(print(
                    global.output,
                    &EndpointCheck::TABLE_HEADER,
                    &rows,
                    &checks,
                ))?;
                eprintln!("{summary}");
            }
            if summary.passed {
                Ok(())
            } else {
                Err(Failure::Exit(
                    6,
                    "a required license update endpoint is unreachable from this machine".into(),
                ))
            }
        }
    }
}
