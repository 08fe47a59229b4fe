//! A reviewed snapshot of the hand-written VCSP Pulse surface (`src/api/pulse.rs`): its public
//! types and the signature of every public method, `Client::pulse`, the `Pulse` calls, the
//! `NewPulseLicense` builder and the `Patch::pulse_*` helpers. The generated operations and
//! types are in `generated_public_surface.snap`; a change to what users of the Pulse API call
//! shows up here as a snapshot diff (`snapshots/conformance_surface/pulse_public_surface.snap`).

use crate::support;

use quote::ToTokens;
use syn::{ImplItem, Item, Visibility};

fn compact(tokens: &impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace(" :: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("& ", "&")
        .replace(" :", ":")
        .replace("' _", "'_")
        .replace(",)", ")")
        .replace("=(", "= (")
}

fn surface(source: &str) -> String {
    let file = syn::parse_file(source).expect("src/api/pulse.rs parses");
    let mut out = String::new();
    for item in &file.items {
        match item {
            Item::Struct(s) if matches!(s.vis, Visibility::Public(_)) => {
                out.push_str(&format!("pub struct {}{}\n", s.ident, compact(&s.generics)));
            }
            Item::Impl(block) if block.trait_.is_none() => {
                let methods: Vec<String> = block
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        ImplItem::Fn(f) if matches!(f.vis, Visibility::Public(_)) => {
                            Some(format!("    pub {}\n", compact(&f.sig)))
                        }
                        _ => None,
                    })
                    .collect();
                if !methods.is_empty() {
                    out.push_str(&format!("impl {}\n", compact(&block.self_ty)));
                    out.extend(methods);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_hand_written_pulse_surface_is_as_reviewed() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/pulse.rs");
    let surface = surface(&std::fs::read_to_string(path).unwrap());
    // Every lifecycle step of issue 25 has its call.
    for call in [
        "fn licenses(",
        "fn contracts(",
        "fn products(",
        "fn tenants(",
        "fn configuration(",
        "fn create(",
        "fn change(",
        "fn copy(",
        "fn install(",
        "fn revoke(",
        "fn download(",
        "fn delete(",
        "fn sync(",
        "fn pulse_workload_counts",
        "fn pulse_expiration(",
        "fn pulse_description(",
        "fn pulse_automatic_extension(",
        "fn change_configuration(",
        "fn create_tenant_for_company(",
        "fn change_tenant(",
        "fn create_company_from_tenant(",
        "fn vdc_monthly_usages(",
    ] {
        assert!(surface.contains(call), "{call} is missing:\n{surface}");
    }
    support::snapshot_settings("conformance_surface").bind(|| {
        insta::assert_snapshot!("pulse_public_surface", surface);
    });
}
