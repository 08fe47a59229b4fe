//! What a license file shows, holds and accepts (mutation testing of `src/api/upload.rs`).

use vspc_licensing::{LicenseFile, MAX_LICENSE_FILE_BYTES};

#[test]
fn debug_names_the_file_and_its_size_never_its_contents() {
    let file = LicenseFile::from_bytes("site.lic", b"SECRET-LICENSE-TEXT".to_vec());
    let shown = format!("{file:?}");
    assert!(shown.contains("site.lic"), "{shown}");
    assert!(shown.contains("19"), "the size: {shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[test]
fn a_file_from_memory_keeps_its_name_and_bytes() {
    let file = LicenseFile::from_bytes("vbr.lic", b"<license/>".to_vec());
    assert_eq!(file.file_name(), "vbr.lic");
    assert_eq!(file.contents().as_ref(), b"<license/>");
}

#[tokio::test]
async fn files_up_to_the_limit_are_read_and_one_byte_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Real license files are a few KB; one with many sections is still far below 512 KiB.
    let large = dir.path().join("large.lic");
    std::fs::write(&large, vec![b'x'; 512 * 1024]).unwrap();
    let read = LicenseFile::from_path(&large).await.unwrap();
    assert_eq!(read.contents().len(), 512 * 1024);
    assert_eq!(read.file_name(), "large.lic");

    let limit = usize::try_from(MAX_LICENSE_FILE_BYTES).unwrap();
    let at_limit = dir.path().join("at-limit.lic");
    std::fs::write(&at_limit, vec![b'x'; limit]).unwrap();
    assert!(LicenseFile::from_path(&at_limit).await.is_ok());
    let over = dir.path().join("over.lic");
    std::fs::write(&over, vec![b'x'; limit + 1]).unwrap();
    assert!(LicenseFile::from_path(&over).await.is_err());
}
