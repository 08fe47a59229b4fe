//! License installs: `PUT` with a `multipart/form-data` body whose part `license` is the file.
//!
//! progenitor 0.15 cannot encode multipart bodies, so these five operations are written here, on
//! the generated client: the request goes through the same hooks (`X-Request-id`, auth, retries,
//! async actions) and the answer decodes into the same envelope types as the generated
//! operations return. The body is encoded in memory rather than streamed, so that a retry can
//! send it again; license files are a few kilobytes.

use std::path::Path;

use bytes::Bytes;
use uuid::Uuid;

use crate::api::product::Product;
use crate::client::direct_call::{json, read_body, RequestBody};
use crate::client::error::Error;
use crate::model::generated::types::{
    BackupServerLicenseResponse, ConsoleLicenseResponse, SiteLicenseResponse,
    VOneServerLicenseResponse, Vb365ServerLicenseResponse,
};
use crate::model::generated::Client;

/// The multipart part VSPC reads the license from.
pub const LICENSE_PART: &str = "license";

/// A license file to install.
#[derive(Clone, PartialEq, Eq)]
pub struct LicenseFile {
    file_name: String,
    contents: Bytes,
}

impl std::fmt::Debug for LicenseFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicenseFile")
            .field("file_name", &self.file_name)
            .field("bytes", &self.contents.len())
            .finish()
    }
}

/// The largest license file [`LicenseFile::from_path`] reads: real ones are a few KB, so this
/// leaves ample room while keeping a wrong file from filling memory.
pub const MAX_LICENSE_FILE_BYTES: u64 = 1024 * 1024;

impl LicenseFile {
    /// A license file from memory; `file_name` is what the server is told it was called.
    pub fn from_bytes(file_name: impl Into<String>, contents: impl Into<Bytes>) -> Self {
        LicenseFile {
            file_name: file_name.into(),
            contents: contents.into(),
        }
    }

    /// Reads a license file from disk, refusing anything larger than [`MAX_LICENSE_FILE_BYTES`]
    /// as soon as that much has been read (a wrong path such as `/dev/zero` fails at once
    /// instead of filling memory).
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        use tokio::io::AsyncReadExt;
        let path = path.as_ref();
        let io_error = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(io_error)?;
        let mut contents = Vec::new();
        file.take(MAX_LICENSE_FILE_BYTES + 1)
            .read_to_end(&mut contents)
            .await
            .map_err(io_error)?;
        if contents.len() as u64 > MAX_LICENSE_FILE_BYTES {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "larger than {} KiB: not a license file (they are a few KB)",
                    MAX_LICENSE_FILE_BYTES / 1024
                ),
            )));
        }
        let file_name = path.file_name().map_or_else(
            || "license.lic".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(LicenseFile::from_bytes(file_name, contents))
    }

    /// The file name sent with the upload.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The file's bytes.
    pub fn contents(&self) -> &Bytes {
        &self.contents
    }

    /// The `multipart/form-data` body and its content type.
    pub(crate) fn multipart(&self) -> (String, Vec<u8>) {
        let boundary = format!("vspc-licensing-{}", Uuid::new_v4().simple());
        // Quotes and line breaks would end the header early; the name is informational only.
        let name: String = self
            .file_name
            .chars()
            .filter(|c| !matches!(c, '"' | '\r' | '\n' | '\\'))
            .collect();
        let mut body = Vec::with_capacity(self.contents.len() + 256);
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{LICENSE_PART}\"; filename=\"{name}\"\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(&self.contents);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

/// One typed install method per product: the product's install operation, its answer read as
/// the product's license envelope.
macro_rules! typed_installs {
    ($($(#[doc = $doc:literal])* $name:ident($($uid:ident)?) => $product:ident, $response:ty;)*) => {
        impl Client {
            $(
                $(#[doc = $doc])*
                pub async fn $name(
                    &self,
                    $($uid: Uuid,)?
                    file: &LicenseFile,
                ) -> Result<$response, Error> {
                    let uid: Option<Uuid> = None $(.or(Some($uid)))?;
                    self.upload(Product::$product, uid, file, json).await
                }
            )*
        }
    };
}

typed_installs! {
    /// Installs a license on a Veeam Backup & Replication server.
    install_backup_server_license(uid) => BackupServer, BackupServerLicenseResponse;
    /// Installs a license on a Veeam ONE server.
    install_v_one_server_license(uid) => VOneServer, VOneServerLicenseResponse;
    /// Installs a license on a Veeam Backup for Microsoft 365 server.
    install_vb365_server_license(uid) => Vb365Server, Vb365ServerLicenseResponse;
    /// Installs a license on a Cloud Connect site.
    install_site_license(uid) => Site, SiteLicenseResponse;
    /// Installs the console's own license.
    install_console_license() => Console, ConsoleLicenseResponse;
}

impl Client {
    /// Sends the product's install operation with the file as its multipart body; `uid` names
    /// the server or site (none for the console).
    pub(crate) async fn upload<T>(
        &self,
        product: Product,
        uid: Option<Uuid>,
        file: &LicenseFile,
        read: impl FnOnce(&[u8]) -> serde_json::Result<T>,
    ) -> Result<T, Error> {
        let operation = product.facts().install;
        if file.contents.is_empty() {
            return Err(Error::InvalidInput {
                operation: operation.id(),
                message: format!("the license file {:?} is empty", file.file_name),
            });
        }
        let (content_type, bytes) = file.multipart();
        let body = self
            .send_operation(
                operation,
                uid.as_slice(),
                &[],
                RequestBody::Encoded {
                    content_type,
                    bytes,
                },
            )
            .await?;
        read_body(operation.id(), body, read)
    }
}
