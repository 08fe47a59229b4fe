//! `Default` on every generated struct whose fields can all default, so that hand-written code
//! that builds the API's objects (the simulator's seed data) writes `..Default::default()` and
//! keeps compiling when an overlay (`VSPC_LICENSING_OVERLAYS`) adds a property to a schema.
//!
//! progenitor derives `Default` only when no property is required; a required `bool` or list
//! (`autoUpdateEnabled`) is enough to leave it out. A field whose type has no natural default (a
//! required enum or object) keeps its struct without one.

/// The outer type names whose `Default` is the empty or zero value.
const DEFAULTABLE: &[&str] = &[
    "bool", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "String", "Option",
    "Vec", "HashMap", "BTreeMap", "Map", "Value",
];

/// Adds `Default` to the derives of the `types` module's structs that lack it and can have it.
pub fn derive_default_where_every_field_can(file: &mut syn::File) {
    for item in file.items.iter_mut() {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        for item in items.iter_mut() {
            let syn::Item::Struct(structure) = item else {
                continue;
            };
            if every_field_can_default(structure) {
                add_default_derive(structure);
            }
        }
    }
}

fn every_field_can_default(structure: &syn::ItemStruct) -> bool {
    structure.fields.iter().all(|field| match &field.ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| DEFAULTABLE.contains(&s.ident.to_string().as_str())),
        _ => false,
    })
}

fn add_default_derive(structure: &mut syn::ItemStruct) {
    for attribute in structure.attrs.iter_mut() {
        if !attribute.path().is_ident("derive") {
            continue;
        }
        let Ok(list) = attribute.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            return;
        };
        if list.iter().any(|p| p.is_ident("Default")) {
            return;
        }
        let mut list = list;
        list.push(syn::parse_quote!(Default));
        *attribute = syn::parse_quote!(#[derive(#list)]);
        return;
    }
}
