//! Base64 (RFC 4648, standard alphabet, padded) decoding of the license files VCSP Pulse hands
//! out (`DownloadPulseLicense` answers the file's bytes as Base64 text in `data`), and the
//! encoding the simulator answers them with; a few lines keep a dependency out of the crate.

/// Why a text is not Base64.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Base64Error {
    /// A character outside the alphabet (whitespace, which some servers wrap lines with, is
    /// skipped before).
    #[error("{character:?} at byte {at} is not a Base64 character")]
    Character { character: char, at: usize },
    /// The text does not end where a Base64 text can (its length, without whitespace, is not a
    /// multiple of four, or padding appears before the end).
    #[error(
        "the text is cut short or padded in the middle (Base64 comes in groups of four characters)"
    )]
    Length,
}

fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `text`; ASCII whitespace is ignored.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let symbols: Vec<(usize, u8)> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| !b.is_ascii_whitespace())
        .collect();
    if !symbols.len().is_multiple_of(4) {
        return Err(Base64Error::Length);
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let groups = symbols.len() / 4;
    for (index, group) in symbols.chunks(4).enumerate() {
        let padding = group.iter().rev().take_while(|(_, b)| *b == b'=').count();
        if padding > 2 || (padding > 0 && index + 1 != groups) {
            return Err(Base64Error::Length);
        }
        let mut bits: u32 = 0;
        for &(at, byte) in &group[..4 - padding] {
            let value = sextet(byte).ok_or_else(|| Base64Error::Character {
                character: text[at..].chars().next().unwrap_or('?'),
                at,
            })?;
            bits = bits << 6 | u32::from(value);
        }
        bits <<= 6 * padding as u32;
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Ok(out)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bytes`, padded, on one line.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let mut bits = [0u8; 3];
        bits[..group.len()].copy_from_slice(group);
        let bits = u32::from_be_bytes([0, bits[0], bits[1], bits[2]]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(bits >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_4648_test_vectors_encode_and_round_trip() {
        for (text, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(encode(plain.as_bytes()), text, "{plain}");
        }
        let every: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&every)).unwrap(), every);
    }

    #[test]
    fn the_rfc_4648_test_vectors_decode() {
        for (text, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode(text).unwrap(), plain.as_bytes(), "{text}");
        }
    }

    #[test]
    fn line_breaks_are_skipped_and_every_byte_value_comes_through() {
        assert_eq!(decode("Zm9v\r\nYmFy\n").unwrap(), b"foobar");
        assert_eq!(decode("/+8A").unwrap(), [0xff, 0xef, 0x00]);
    }

    #[test]
    fn text_that_is_not_base64_is_a_typed_error() {
        assert_eq!(
            decode("Zm9*"),
            Err(Base64Error::Character {
                character: '*',
                at: 3
            })
        );
        assert_eq!(decode("Zm9"), Err(Base64Error::Length));
        assert_eq!(decode("Zg==Zm9v"), Err(Base64Error::Length));
        assert_eq!(decode("Z==="), Err(Base64Error::Length));
        assert!(matches!(
            decode("Zm9é"),
            Err(Base64Error::Character { .. }) | Err(Base64Error::Length)
        ));
    }
}
