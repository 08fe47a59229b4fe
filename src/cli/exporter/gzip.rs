//! The cache's pieces, kept deflated and put together into one gzip stream per scrape.
//!
//! The exposition of a 100,000-license console is some 85 MiB of text, and a refresh has to
//! build the next one while the last is still served, so holding it as text meant two of them
//! at once (about 255 MiB at the peak). Metric text deflates to a tenth of that, and
//! Prometheus scrapes with `Accept-Encoding: gzip`, so the cache holds each piece deflated and a
//! scrape that takes gzip gets those bytes as they are, no compression per scrape.
//!
//! Each piece is a raw deflate segment of its own, ended by a sync flush (byte-aligned, not
//! final), compressed without a dictionary shared with any other piece. Such segments can be
//! concatenated in any order and still be one valid deflate stream (the technique of `pigz`),
//! so an answer is a gzip header, the pieces in order, a final empty block, and a trailer
//! whose CRC-32 is combined from the pieces' own. A scraper that does not take gzip gets each
//! piece inflated as it is sent, a piece at a time.

use std::io::Write;

use bytes::Bytes;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};

/// A piece of the exposition, deflated.
#[derive(Clone, Debug)]
pub(crate) struct Deflated {
    bytes: Bytes,
    /// The CRC-32 of the text.
    crc: u32,
    /// The text's length.
    len: u64,
}

/// A gzip header: deflate, no name, no time, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// The final, empty block with fixed codes that closes the concatenated segments.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

impl Deflated {
    /// Deflates `text` at the fast level: a refresh compresses the whole exposition, and the
    /// fast level already takes metric text to about a tenth.
    pub(crate) fn of(text: &[u8]) -> Deflated {
        let mut encoder =
            DeflateEncoder::new(Vec::with_capacity(text.len() / 8), Compression::fast());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(text);
        // A sync flush ends the segment on a byte boundary without a final block; the encoder
        // is dropped without finishing, so none is written.
        let _ = encoder.flush();
        let bytes = std::mem::take(encoder.get_mut());
        let mut crc = crc32fast::Hasher::new();
        crc.update(text);
        Deflated {
            bytes: Bytes::from(bytes),
            crc: crc.finalize(),
            len: text.len() as u64,
        }
    }

    /// The deflated bytes themselves.
    #[cfg(test)]
    pub(crate) fn deflated(&self) -> &Bytes {
        &self.bytes
    }

    /// The deflated bytes held.
    pub(crate) fn held_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The text's length.
    pub(crate) fn text_len(&self) -> u64 {
        self.len
    }

    /// The text again, for a scraper that does not take gzip.
    pub(crate) fn inflate(&self) -> Result<Bytes, InflateError> {
        let len = usize::try_from(self.len).map_err(|_| InflateError)?;
        let mut text = Vec::with_capacity(len);
        let mut inflater = Decompress::new(false);
        while (inflater.total_in() as usize) < self.bytes.len() {
            let consumed = inflater.total_in() as usize;
            let status = inflater
                .decompress_vec(&self.bytes[consumed..], &mut text, FlushDecompress::Sync)
                .map_err(|_| InflateError)?;
            let stuck = inflater.total_in() as usize == consumed;
            if status == Status::StreamEnd || (stuck && text.len() == text.capacity()) {
                break;
            }
            if stuck {
                return Err(InflateError);
            }
        }
        if text.len() != len {
            return Err(InflateError);
        }
        Ok(Bytes::from(text))
    }
}

/// A cached piece did not inflate to its own text: memory corruption, or a bug here.
#[derive(Debug, thiserror::Error)]
#[error("a cached piece of the metrics did not inflate to its text")]
pub(crate) struct InflateError;

/// `pieces` as one gzip stream, as chunks to send in order (the pieces' bytes are not copied).
pub(crate) fn gzip(pieces: &[Deflated]) -> Vec<Bytes> {
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    let mut chunks = Vec::with_capacity(pieces.len() + 2);
    chunks.push(Bytes::from_static(&HEADER));
    for piece in pieces {
        crc.combine(&crc32fast::Hasher::new_with_initial_len(
            piece.crc, piece.len,
        ));
        len += piece.len;
        chunks.push(piece.bytes.clone());
    }
    let mut trailer = Vec::with_capacity(10);
    trailer.extend_from_slice(&FINAL_BLOCK);
    trailer.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32, as RFC 1952 says.
    trailer.extend_from_slice(&(len as u32).to_le_bytes());
    chunks.push(Bytes::from(trailer));
    chunks
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(chunks: &[Bytes]) -> Vec<u8> {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&chunks.concat()[..])
            .read_to_end(&mut text)
            .expect("one valid gzip stream");
        text
    }

    #[test]
    fn pieces_deflated_apart_make_one_gzip_stream_of_their_text() {
        let texts: Vec<Vec<u8>> = vec![
            b"# TYPE a gauge\n".to_vec(),
            Vec::new(),
            (0..20_000)
                .flat_map(|i| format!("a{{uid=\"{i}\"}} {i}\n").into_bytes())
                .collect(),
            b"b 1\n".to_vec(),
        ];
        let pieces: Vec<Deflated> = texts.iter().map(|t| Deflated::of(t)).collect();
        assert_eq!(gunzip(&gzip(&pieces)), texts.concat());
        assert!(
            pieces[2].held_bytes() * 4 < texts[2].len(),
            "metric text deflates"
        );
        for (piece, text) in pieces.iter().zip(&texts) {
            assert_eq!(&piece.inflate().unwrap()[..], &text[..]);
            assert_eq!(piece.text_len(), text.len() as u64);
        }
        // Any order, any repetition: still one stream.
        let reordered = [pieces[3].clone(), pieces[2].clone(), pieces[3].clone()];
        let expected = [&texts[3][..], &texts[2], &texts[3]].concat();
        assert_eq!(gunzip(&gzip(&reordered)), expected);
        assert_eq!(gunzip(&gzip(&[])), b"");
    }

    #[test]
    fn a_damaged_piece_is_an_error_not_a_short_text() {
        let mut piece = Deflated::of(b"vspc_up{console=\"a\"} 1\n");
        piece.len += 1;
        assert!(piece.inflate().is_err());
    }
}
