//! `build/defaults.rs`: `Default` on the generated structs that can have it, so hand-written
//! literals survive an overlay that adds a property.

use crate::defaults::derive_default_where_every_field_can;

fn derives_of(file: &syn::File, name: &str) -> Vec<String> {
    let syn::Item::Mod(module) = &file.items[0] else {
        panic!("a types module")
    };
    let items = &module.content.as_ref().unwrap().1;
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
        .unwrap()
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .map(|a| quote::ToTokens::to_token_stream(a).to_string())
        .collect()
}

#[test]
fn structs_whose_fields_all_default_get_default_and_the_others_do_not() {
    let mut file: syn::File = syn::parse_quote! {
        pub mod types {
            #[derive(Clone, Debug)]
            pub struct License {
                pub auto_update_enabled: bool,
                pub company: Option<String>,
                pub license_ids: Vec<uuid::Uuid>,
            }
            #[derive(Clone, Debug, Default)]
            pub struct About {
                pub server_version: Option<String>,
            }
            #[derive(Clone, Debug)]
            pub struct Report {
                pub status: ReportStatus,
            }
        }
    };
    derive_default_where_every_field_can(&mut file);
    assert!(derives_of(&file, "License")[0].contains("Default"));
    // Already there: not added twice.
    assert_eq!(derives_of(&file, "About")[0].matches("Default").count(), 1);
    // A required enum has no natural default.
    assert!(!derives_of(&file, "Report")[0].contains("Default"));
}
