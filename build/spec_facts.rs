//! `vspc_spec_facts.rs`: the facts of the spec that hand-written code needs as values
//! (`src/model/spec_facts.rs`). Every operation becomes a variant of `SpecOperation` named by
//! its operationId, so renaming or removing an operation in the spec removes the variant and
//! fails the build wherever the crate uses it.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::openapi::{for_each_operation, is_multipart, resolve};
use crate::version_notes::NotedVersion;

/// One operation as the spec declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredOperation {
    /// The operationId, which names a Rust variant (checked).
    pub id: String,
    /// Lower case, as the spec's path item writes it.
    pub method: String,
    pub path: String,
    pub multipart: bool,
    pub paged: bool,
    /// The first API version that has it (`x-vspc-versions: {since: ...}` on the operation);
    /// `None` for every version the crate speaks.
    pub since: Option<NotedVersion>,
}

/// A constant the paging bounds give, from a shared parameter marked `marker`.
struct PagingBound {
    constant: &'static str,
    marker: &'static str,
    /// The schema keyword that holds the value.
    key: &'static str,
    doc: &'static str,
}

const PAGING_BOUNDS: [PagingBound; 4] = [
    PagingBound {
        constant: "PAGE_SIZE_MIN",
        marker: "x-veeam-pagination-limit",
        key: "minimum",
        doc: " The smallest page (`limit`) a collection serves.",
    },
    PagingBound {
        constant: "PAGE_SIZE_MAX",
        marker: "x-veeam-pagination-limit",
        key: "maximum",
        doc: " The largest page (`limit`) a collection serves.",
    },
    PagingBound {
        constant: "PAGE_SIZE_DEFAULT",
        marker: "x-veeam-pagination-limit",
        key: "default",
        doc: " The page size (`limit`) the server uses when none is asked for.",
    },
    PagingBound {
        constant: "OFFSET_MAX",
        marker: "x-veeam-pagination-offset",
        key: "maximum",
        doc: " The largest `offset` a collection accepts.",
    },
];

/// `vspc_spec_facts.rs`, from the unadapted spec.
pub fn spec_facts(spec: &Value) -> TokenStream {
    let operations = operation_enum(&declared_operations(spec));
    let base_path = base_path(spec);
    let paging = paging_bounds(spec);
    let pulse = pulse_workload_count_max(spec);
    quote! {
        #operations
        #base_path
        #paging
        #pulse
    }
}

/// `SpecOperation` with its accessors.
pub fn operation_enum(operations: &[DeclaredOperation]) -> TokenStream {
    let variants: Vec<_> = operations
        .iter()
        .map(|op| format_ident!("{}", op.id))
        .collect();
    let variant_docs = operations
        .iter()
        .map(|op| format!(" `{} {}`", op.method.to_uppercase(), op.path));
    let accessor = |doc: &str,
                    name: &str,
                    ty: TokenStream,
                    value: &dyn Fn(&DeclaredOperation) -> TokenStream| {
        let doc = format!(" {doc}");
        let name = format_ident!("{}", name);
        let values = operations.iter().map(value);
        quote! {
            #[doc = #doc]
            pub const fn #name(self) -> #ty {
                match self {
                    #(SpecOperation::#variants => #values,)*
                }
            }
        }
    };
    let accessors = [
        accessor("The operationId.", "id", quote!(&'static str), &|op| {
            let id = &op.id;
            quote!(#id)
        }),
        accessor(
            "The name progenitor gives the operation: the generated client's method, and the \
             `operation_id` that [`progenitor_client::OperationInfo`] carries into the client's hooks.",
            "generated_name",
            quote!(&'static str),
            &|op| {
                let name = generated_name(&op.id);
                quote!(#name)
            },
        ),
        accessor("The HTTP method.", "method", quote!(http::Method), &|op| {
            let method = format_ident!("{}", op.method.to_uppercase());
            quote!(http::Method::#method)
        }),
        accessor(
            "The path template below the API's base path (`/licensing/sites/{siteUid}`).",
            "path",
            quote!(&'static str),
            &|op| {
                let path = &op.path;
                quote!(#path)
            },
        ),
        accessor(
            "Whether the request body is `multipart/form-data` (the license installs), which the \
             generated client leaves to hand-written code.",
            "is_multipart",
            quote!(bool),
            &|op| {
                let multipart = op.multipart;
                quote!(#multipart)
            },
        ),
        accessor(
            "The first API version that has the operation (the spec's `x-vspc-versions` \
             `since` on it); `None` when every version the crate speaks has it. A console of an \
             older version answers it `404`.",
            "since",
            quote!(Option<ApiVersion>),
            &|op| match &op.since {
                Some(version) => quote!(Some(#version)),
                None => quote!(None),
            },
        ),
        accessor(
            "Whether it reads a collection page by page (it takes the paging `limit` parameter).",
            "is_paged",
            quote!(bool),
            &|op| {
                let paged = op.paged;
                quote!(#paged)
            },
        ),
    ];
    quote! {
        /// Every operation of the spec, named by its operationId.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SpecOperation {
            #(#[doc = #variant_docs] #variants,)*
        }

        impl SpecOperation {
            /// Every operation, ordered by operationId.
            pub const ALL: &'static [SpecOperation] = &[#(SpecOperation::#variants),*];

            #(#accessors)*
        }
    }
}

/// The method name progenitor derives from an operationId (snake case, as its `sanitize` does for
/// the operationIds this spec uses: ASCII letters and digits). [`check_generated_names`] holds
/// the result to what progenitor actually wrote.
pub fn generated_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    operation_id.to_snake_case()
}

/// Fails the build when progenitor named a generated operation other than [`generated_name`] says: the
/// client's hooks recognise operations by that name.
pub fn check_generated_names(operations: &[DeclaredOperation], generated_code: &str) {
    // The multipart installs are left out of generation (hand-written in `src/api/upload.rs`).
    for op in operations.iter().filter(|op| !op.multipart) {
        let name = generated_name(&op.id);
        assert!(
            generated_code.contains(&format!("operation_id: \"{name}\"")),
            "progenitor did not name operation {} `{name}`; update generated_name in build/spec_facts.rs",
            op.id
        );
    }
}

/// `API_BASE_PATH`: the path of the spec's first server URL.
pub fn base_path(spec: &Value) -> TokenStream {
    let base_path = spec
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .and_then(|url| url.split("://").nth(1))
        .and_then(|rest| {
            rest.find('/')
                .map(|at| rest[at..].trim_end_matches('/').to_owned())
        })
        .expect("the spec's first server has a URL with a path");
    quote! {
        /// The path every operation's path is relative to (from the spec's `servers`).
        pub const API_BASE_PATH: &str = #base_path;
    }
}

/// The paging bounds, from the shared parameters marked as the paging `limit` and `offset`.
pub fn paging_bounds(spec: &Value) -> TokenStream {
    let parameters = spec
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .expect("the spec has shared parameters");
    let constants = PAGING_BOUNDS.iter().map(|bound| {
        let PagingBound {
            constant,
            marker,
            key,
            doc,
        } = bound;
        let parameter = parameters
            .values()
            .find(|p| p.get(*marker) == Some(&Value::Bool(true)))
            .unwrap_or_else(|| panic!("no shared parameter is marked {marker}"));
        let value = parameter
            .pointer(&format!("/schema/{key}"))
            .and_then(Value::as_i64)
            .unwrap_or_else(|| panic!("the parameter marked {marker} has no {key}"));
        let value = u32::try_from(value)
            .unwrap_or_else(|_| panic!("{marker} {key} {value} does not fit a u32"));
        let (constant, value) = (
            format_ident!("{}", constant),
            Literal::u32_unsuffixed(value),
        );
        quote! {
            #[doc = #doc]
            pub const #constant: u32 = #value;
        }
    });
    quote!(#(#constants)*)
}

/// `PULSE_WORKLOAD_COUNT_MAX`: the most units one workload of a new Pulse license may count
/// (`PulseLicenseWorkloadInput.count`'s `maximum`), which the license builders check before
/// sending.
pub fn pulse_workload_count_max(spec: &Value) -> TokenStream {
    let pointer = "/components/schemas/PulseLicenseWorkloadInput/properties/count/maximum";
    let value = spec
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("the spec has no whole number at {pointer}"));
    let value =
        u32::try_from(value).unwrap_or_else(|_| panic!("{pointer} {value} does not fit a u32"));
    let value = Literal::u32_unsuffixed(value);
    quote! {
        /// The most units one workload of a new VCSP Pulse license may count.
        pub const PULSE_WORKLOAD_COUNT_MAX: u32 = #value;
    }
}

/// Every operation of the (unadapted) spec, ordered by operationId.
pub fn declared_operations(spec: &Value) -> Vec<DeclaredOperation> {
    let bodies = spec
        .pointer("/components/requestBodies")
        .cloned()
        .unwrap_or(Value::Null);
    let parameters = spec
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let mut copy = spec.clone();
    let mut operations = Vec::new();
    for_each_operation(&mut copy, |path, method, op| {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            .to_owned();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric())
                && id.starts_with(|c: char| c.is_ascii_uppercase()),
            "operationId {id:?} cannot name a Rust variant"
        );
        operations.push(DeclaredOperation {
            id,
            method: method.to_owned(),
            path: path.to_owned(),
            multipart: is_multipart(op, &bodies),
            paged: op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| resolve(p, &parameters, "#/components/parameters/"))
                .any(|p| p.get("x-veeam-pagination-limit") == Some(&Value::Bool(true))),
            since: op
                .pointer("/x-vspc-versions/since")
                .map(|v| NotedVersion::read(v, &format!("`since` of {method} {path}"))),
        });
    });
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    operations
}
