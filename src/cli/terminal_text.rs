//! Text from a server made safe to show on a terminal: the one place every table, CSV file,
//! message and chart legend passes untrusted text through.
//!
//! Company names come from license files, error messages and the legacy v2 error body from the
//! server, conform's pointers from the keys of the server's JSON. A terminal obeys the control
//! characters such text may hold: `ESC [1A ESC [2K` erases the line above (a table row
//! vanishes), OSC 52 writes the clipboard, a bidi override makes `exe.txt` read as `txt.exe`.
//! So every such character is shown escaped (`\x1b`, `\u{202e}`) instead of being sent, and the
//! text is cut to a length a person can read. JSON output is not passed through here: it is the
//! API's own data, exact (and its encoder escapes C0 controls itself).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters of one table cell or CSV field at most, escapes included.
pub(crate) const CELL_LIMIT: usize = 1_000;

/// Characters of a chart's legend entry or title part at most, escapes included.
pub(crate) const LABEL_LIMIT: usize = 100;

/// Characters of one message on standard error at most, escapes included.
pub(crate) const MESSAGE_LIMIT: usize = 4_000;

/// Whether a terminal could act on `c` rather than print it: the C0 controls and DEL, the C1
/// controls (`U+009B` is an 8-bit CSI), the bidirectional formatting characters (Trojan
/// Source, CVE-2021-42574) and the Unicode line and paragraph separators.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `text` with every character a terminal could act on shown escaped, and cut after `limit`
/// characters with a note of how many were left out. Text that needs neither is borrowed.
pub(crate) fn terminal_safe(text: &str, limit: usize) -> Cow<'_, str> {
    let clean = !text.chars().any(is_unsafe);
    if clean && (text.len() <= limit || text.chars().count() <= limit) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len().min(limit + 32));
    let mut written = 0usize;
    for (at, c) in text.char_indices() {
        let before = safe.len();
        push_shown(&mut safe, c);
        written += safe[before..].chars().count();
        if written > limit {
            safe.truncate(before);
            let left = text[at..].chars().count();
            let _ = write!(safe, "… ({left} more characters)");
            break;
        }
    }
    Cow::Owned(safe)
}

/// A table cell or CSV field from untrusted text.
pub(crate) fn cell(text: String) -> String {
    match terminal_safe(&text, CELL_LIMIT) {
        Cow::Borrowed(_) => text,
        Cow::Owned(safe) => safe,
    }
}

/// A chart's legend entry (or a name in its title) from untrusted text.
pub(crate) fn label(text: &str) -> String {
    terminal_safe(text, LABEL_LIMIT).into_owned()
}

/// One line on standard error, made safe; a closed standard error is not worth failing for.
pub(crate) fn eprint_line(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{}", terminal_safe(text, MESSAGE_LIMIT));
}

fn push_shown(out: &mut String, c: char) {
    if !is_unsafe(c) {
        out.push(c);
        return;
    }
    let _ = match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if u32::from(c) < 0x80 => write!(out, "\\x{:02x}", u32::from(c)),
        c => write!(out, "\\u{{{:x}}}", u32::from(c)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_escaped() {
        for (text, shown) in [
            ("Fabrikam", "Fabrikam"),
            ("Ünïcödé 名前 ✓", "Ünïcödé 名前 ✓"),
            ("row\x1b[1A\x1b[2K", "row\\x1b[1A\\x1b[2K"),
            ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
            ("two\nlines\r\tand\x7f", "two\\nlines\\r\\tand\\x7f"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("invoice\u{202e}fdp.exe", "invoice\\u{202e}fdp.exe"),
            (
                "\u{2066}\u{2069}\u{200f}\u{61c}\u{2028}",
                "\\u{2066}\\u{2069}\\u{200f}\\u{61c}\\u{2028}",
            ),
        ] {
            assert_eq!(terminal_safe(text, CELL_LIMIT), shown, "{text:?}");
        }
        assert!(matches!(terminal_safe("plain", 10), Cow::Borrowed(_)));
    }

    #[test]
    fn long_text_is_cut_with_what_was_left_out() {
        let long = "x".repeat(50);
        assert_eq!(terminal_safe(&long, 10), "xxxxxxxxxx… (40 more characters)");
        assert_eq!(terminal_safe(&long, 50), long);
        // An escape is never cut in half: it counts with its full length.
        assert_eq!(terminal_safe("ab\x1bcd", 5), "ab… (3 more characters)");
    }

    proptest::proptest! {
        /// Whatever the text, what is shown holds no character a terminal acts on and is no
        /// longer than the limit and the note.
        #[test]
        fn nothing_unsafe_gets_through(text in "\\PC*|[\\x00-\\x{9f}\\x{202a}-\\x{202e}a]{0,64}", limit in 1usize..80) {
            let shown = terminal_safe(&text, limit);
            proptest::prop_assert!(!shown.chars().any(is_unsafe), "{shown:?}");
            let kept = shown.split("… (").next().unwrap_or("");
            proptest::prop_assert!(kept.chars().count() <= limit);
        }
    }
}
