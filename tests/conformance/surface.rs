//! A snapshot of the generated client's public surface: operations (builder methods, their
//! parameter setters with types, what `send()` returns) and every generated type with its
//! fields or variants. A change to the spec or to the build script that changes what users of the
//! crate see shows up here as a reviewed snapshot diff.

use crate::support;

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::{Fields, FnArg, ImplItem, Item, ReturnType, Type, Visibility, WherePredicate};

/// Tokens printed compactly, with the paths that only add noise shortened.
fn show(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string().replace(' ', "");
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::num::",
        "std::convert::",
        "::serde_json::",
        "::chrono::offset::",
        "::chrono::",
        "::uuid::",
        "crate::enums::",
        "types::",
        "super::",
    ] {
        text = text.replace(prefix, "");
    }
    text.replace(",>", ">")
}

fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// `name: Type` lines of a struct or the variants of an enum.
fn describe_type(item: &Item) -> Option<(String, Vec<String>)> {
    match item {
        Item::Struct(s) if is_public(&s.vis) => {
            let lines = match &s.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .map(|f| {
                        let name = f
                            .ident
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let wire = serde_rename(&f.attrs)
                            .map(|w| format!(" (\"{w}\")"))
                            .unwrap_or_default();
                        format!("{name}{wire}: {}", show(&f.ty))
                    })
                    .collect(),
                Fields::Unnamed(unnamed) => unnamed
                    .unnamed
                    .iter()
                    .map(|f| format!("0: {}", show(&f.ty)))
                    .collect(),
                Fields::Unit => Vec::new(),
            };
            Some((format!("struct {}", s.ident), lines))
        }
        Item::Enum(e) if is_public(&e.vis) => {
            let lines = e
                .variants
                .iter()
                .map(|v| format!("{}{}", v.ident, show(&v.fields)))
                .collect();
            Some((format!("enum {}", e.ident), lines))
        }
        _ => None,
    }
}

/// The `T` a generic setter accepts (`where V: TryInto<T>`), or its plain parameter type.
fn setter_type(method: &syn::ImplItemFn) -> String {
    if let Some(clause) = &method.sig.generics.where_clause {
        for predicate in &clause.predicates {
            if let WherePredicate::Type(bound) = predicate {
                return show(&bound.bounds);
            }
        }
    }
    method
        .sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(t) => Some(show(&t.ty)),
            FnArg::Receiver(_) => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn builder_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn surface(source: &str) -> String {
    let file = syn::parse_file(source).expect("the generated client parses");
    let mut client_methods: BTreeMap<String, String> = BTreeMap::new(); // builder -> method
    let mut builders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut types: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in &file.items {
        match item {
            Item::Impl(block) if block.trait_.is_none() && show(&block.self_ty) == "Client" => {
                for item in &block.items {
                    let ImplItem::Fn(method) = item else { continue };
                    if !is_public(&method.vis) {
                        continue;
                    }
                    if let ReturnType::Type(_, ty) = &method.sig.output {
                        if let Some(builder) =
                            builder_name(ty).filter(|_| show(ty).starts_with("builder::"))
                        {
                            client_methods.insert(builder, method.sig.ident.to_string());
                        }
                    }
                }
            }
            Item::Mod(module) if module.ident == "builder" => {
                for item in module.content.iter().flat_map(|(_, items)| items) {
                    let Item::Impl(block) = item else { continue };
                    if block.trait_.is_some() {
                        continue;
                    }
                    let Some(name) = builder_name(&block.self_ty) else {
                        continue;
                    };
                    let lines = builders.entry(name).or_default();
                    for item in &block.items {
                        let ImplItem::Fn(method) = item else { continue };
                        let ident = method.sig.ident.to_string();
                        if !is_public(&method.vis) || ident == "new" {
                            continue;
                        }
                        if ident == "send" {
                            let returns = match &method.sig.output {
                                ReturnType::Type(_, ty) => show(ty),
                                ReturnType::Default => "()".into(),
                            };
                            lines.push(format!("send() -> {returns}"));
                        } else {
                            lines.push(format!(".{ident}({})", setter_type(method)));
                        }
                    }
                }
            }
            Item::Mod(module) if module.ident == "types" => {
                for item in module.content.iter().flat_map(|(_, items)| items) {
                    if let Some((name, mut lines)) = describe_type(item) {
                        lines.sort();
                        types.insert(name, lines);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = String::from("# Operations\n");
    let mut operations: Vec<(String, Vec<String>)> = builders
        .into_iter()
        .map(|(builder, mut lines)| {
            lines.sort();
            let method = client_methods
                .get(&builder)
                .cloned()
                .unwrap_or_else(|| format!("<no Client method for {builder}>"));
            (method, lines)
        })
        .collect();
    operations.sort();
    for (method, lines) in &operations {
        out.push_str(&format!("\nClient::{method}()\n"));
        for line in lines {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str("\n# Types\n");
    for (name, lines) in &types {
        out.push_str(&format!("\n{name}\n"));
        for line in lines {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

#[test]
fn the_generated_public_surface_is_as_reviewed() {
    let mut surface = surface(vspc_licensing::GENERATED_SOURCE);
    surface.push_str("\n# Forward-compatible enums (vspc_licensing::enums), values listed\n\n");
    for name in support::typed::ENUMS {
        let listed = support::typed::listed(name).unwrap();
        surface.push_str(&format!("{name}: {}\n", listed.join(", ")));
    }
    // Every generated operation has a Client method and a send(); the multipart installs are
    // written by hand and are not part of the generated surface.
    let operations = surface.matches("\nClient::").count();
    assert_eq!(
        operations,
        support::spec().operations().len() - 5,
        "{surface}"
    );
    assert!(!surface.contains("<no Client method"), "{surface}");
    assert_eq!(surface.matches("send() -> ").count(), operations);
    support::snapshot_settings("conformance_surface").bind(|| {
        insta::assert_snapshot!("generated_public_surface", surface);
    });
}

#[test]
fn the_surface_printer_sees_a_change() {
    let before = surface(vspc_licensing::GENERATED_SOURCE);
    let edited = vspc_licensing::GENERATED_SOURCE.replacen(
        "pub auto_update_enabled: bool",
        "pub auto_update_enabled: i32",
        1,
    );
    assert_ne!(edited, vspc_licensing::GENERATED_SOURCE);
    let after = surface(&edited);
    assert_ne!(before, after);
    assert!(
        after.contains("auto_update_enabled (\"autoUpdateEnabled\"): i32"),
        "{after}"
    );
}
