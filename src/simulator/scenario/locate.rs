//! Finding the line of a field in a block-style YAML file, for error messages.
//!
//! The YAML parser gives positions only for syntax errors; a schema error comes with a JSON
//! pointer. This walks the pointer down the file's indentation. It answers only when every
//! segment is found where block style puts it, so a line it gives is the field's own; for flow
//! style or JSON it answers nothing and the message names the field alone.

/// A line of the file with where its key (after any `- ` item markers) starts.
struct Line<'a> {
    /// Column of the first `- ` marker, or of the content when there is none.
    dash: Option<usize>,
    key_column: usize,
    content: &'a str,
}

fn parse_line(text: &str) -> Option<Line<'_>> {
    let trimmed = text.trim_start_matches(' ');
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let mut column = text.len() - trimmed.len();
    let mut content = trimmed;
    let mut dash = None;
    while let Some(rest) =
        content
            .strip_prefix("- ")
            .or(if content == "-" { Some("") } else { None })
    {
        dash.get_or_insert(column);
        let rest_trimmed = rest.trim_start_matches(' ');
        column += 2 + (rest.len() - rest_trimmed.len());
        content = rest_trimmed;
    }
    Some(Line {
        dash,
        key_column: column,
        content,
    })
}

fn key_of(content: &str) -> Option<&str> {
    let (key, _) = content.split_once(':')?;
    let key = key.trim_end();
    Some(
        key.strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
            .unwrap_or(key),
    )
}

/// The 1-based line of the node at `pointer` (`/backupServers/1/company`), if block style
/// makes it unambiguous.
pub(crate) fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let lines: Vec<Option<Line<'_>>> = text.lines().map(parse_line).collect();
    let first = lines.iter().flatten().next()?;
    if first.content.starts_with('{') || first.content.starts_with('[') {
        return None;
    }
    // The node being searched: lines [start, end) whose keys sit at `column`.
    let (mut start, mut end, mut column) = (0, lines.len(), first.key_column);
    let mut found = None;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if let Ok(index) = segment.parse::<usize>() {
            // The items of a block sequence: lines whose `- ` marker sits at the first one's.
            let dash = lines[start..end]
                .iter()
                .flatten()
                .next()
                .and_then(|l| l.dash)?;
            let items: Vec<usize> = (start..end)
                .filter(|&i| {
                    lines[i]
                        .as_ref()
                        .is_some_and(|l| l.dash == Some(dash) && l.key_column > dash)
                })
                .collect();
            let item = *items.get(index)?;
            let item_end = items.get(index + 1).copied().unwrap_or(end);
            found = Some(item);
            start = item;
            end = item_end;
            column = lines[item].as_ref()?.key_column;
        } else {
            let at = (start..end).find(|&i| {
                lines[i].as_ref().is_some_and(|l| {
                    l.key_column == column && key_of(l.content) == Some(segment.as_str())
                })
            })?;
            let value_end = (at + 1..end)
                .find(|&i| {
                    lines[i].as_ref().is_some_and(|l| {
                        l.dash.unwrap_or(l.key_column) <= column && l.key_column <= column
                    })
                })
                .unwrap_or(end);
            found = Some(at);
            start = at + 1;
            end = value_end;
            column = lines[start..end]
                .iter()
                .flatten()
                .next()
                .map(|l| l.dash.unwrap_or(l.key_column))
                .unwrap_or(usize::MAX);
            // A sequence item's keys sit after its marker.
            if let Some(l) = lines[start..end].iter().flatten().next() {
                if l.dash.is_none() {
                    column = l.key_column;
                }
            }
        }
    }
    found.map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::line_of;

    const TEXT: &str = "\
# comment
seed: none
backupServers:
  - backupServerUid: 6f1c2e8a-0b4d-4c3e-9a7f-1d2e3f4a5b6c
    company: Alpha
  - backupServerUid: 7f1c2e8a-0b4d-4c3e-9a7f-1d2e3f4a5b6c
    # the company
    company: Beta
    packages:
      - Backup
      - Suite
console:
  edition: x
";

    #[test]
    fn finds_keys_items_and_nested_items() {
        assert_eq!(line_of(TEXT, "/seed"), Some(2));
        assert_eq!(line_of(TEXT, "/backupServers"), Some(3));
        assert_eq!(line_of(TEXT, "/backupServers/0"), Some(4));
        assert_eq!(line_of(TEXT, "/backupServers/0/company"), Some(5));
        assert_eq!(line_of(TEXT, "/backupServers/1/company"), Some(8));
        assert_eq!(line_of(TEXT, "/backupServers/1/packages/1"), Some(11));
        assert_eq!(line_of(TEXT, "/console/edition"), Some(13));
    }

    #[test]
    fn answers_nothing_when_unsure() {
        assert_eq!(line_of(TEXT, "/backupServers/2"), None);
        assert_eq!(line_of(TEXT, "/backupServers/0/edition"), None);
        assert_eq!(line_of("{\"seed\": \"none\"}", "/seed"), None);
    }
}
