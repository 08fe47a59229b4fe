//! The response envelope: what every JSON success body of the licensing API looks like.
//!
//! VSPC wraps each result in `{ "data": ..., "meta": { "pagingInfo": ... }, "errors": [...] }`.
//! The build script (`build/envelopes.rs`) names one envelope type per resource (`BackupServerLicenseResponse` for one
//! license, `BackupServerLicenseCollection` for a page of them) and this module gives them a
//! common face, so that paging and the CLI work on any of them.

use crate::model::generated::types::{PagingInformation, ResponseError};

/// A response envelope around one resource or a page of resources.
pub trait Envelope {
    /// What `data` holds: the resource, or a `Vec` of them.
    type Data;
    /// Takes the payload out of the envelope.
    fn into_data(self) -> Self::Data;
    /// The paging information, when the server sent it.
    fn paging(&self) -> Option<&PagingInformation>;
    /// Warnings the server sent alongside a successful result.
    fn warnings(&self) -> &[ResponseError];
}

/// An envelope around a page of a collection.
pub trait Collection: Envelope<Data = Vec<Self::Item>> {
    /// One resource of the collection.
    type Item;
}

macro_rules! envelope {
    (single $name:ident => $item:ident) => {
        envelope!(@envelope $name => crate::model::generated::types::$item);
    };
    (collection $name:ident => $item:ident) => {
        envelope!(@envelope $name => Vec<crate::model::generated::types::$item>);
        impl Collection for crate::model::generated::types::$name {
            type Item = crate::model::generated::types::$item;
        }
    };
    (@envelope $name:ident => $data:ty) => {
        impl Envelope for crate::model::generated::types::$name {
            type Data = $data;
            fn into_data(self) -> Self::Data {
                self.data
            }
            fn paging(&self) -> Option<&PagingInformation> {
                self.meta.as_ref().and_then(|meta| meta.0.as_ref()).and_then(|meta| meta.paging_info.as_ref())
            }
            fn warnings(&self) -> &[ResponseError] {
                self.errors.as_ref().and_then(|errors| errors.0.as_deref()).unwrap_or(&[])
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/vspc_envelopes.rs"));
