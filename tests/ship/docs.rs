//! The README and the guides in `docs/` against what they describe: links that resolve, an index
//! that lists every guide, command lines the tool accepts, scenarios the simulator loads, and
//! every environment variable the sources read named somewhere. Their Rust blocks are doc tests
//! (`src/guides.rs`); this checks that every guide with one is included there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One Markdown file: where it is, its text outside code blocks, and its fenced blocks.
struct Page {
    /// Relative to the crate root, with `/` separators (`docs/cli.md`).
    path: String,
    /// The lines outside fenced blocks, with their line numbers.
    prose: Vec<(usize, String)>,
    blocks: Vec<Block>,
}

struct Block {
    /// The info string's words (`rust,no_run` is one word; `yaml scenario` two).
    info: Vec<String>,
    /// The line of the opening fence.
    line: usize,
    text: String,
}

impl Block {
    fn language(&self) -> &str {
        self.info
            .first()
            .map_or("", |word| word.split(',').next().unwrap_or(""))
    }
}

fn read_page(path: &str) -> Page {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let mut page = Page {
        path: path.to_owned(),
        prose: Vec::new(),
        blocks: Vec::new(),
    };
    let mut open: Option<(String, Block)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        match &mut open {
            Some((fence, block)) => {
                if trimmed.starts_with(fence.as_str()) && trimmed.trim_end() == fence.as_str() {
                    let (_, block) = open.take().unwrap();
                    page.blocks.push(block);
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            }
            None if trimmed.starts_with("```") || trimmed.starts_with("~~~") => {
                let marker = trimmed.chars().next().unwrap();
                let fence: String = trimmed.chars().take_while(|c| *c == marker).collect();
                let info = trimmed[fence.len()..]
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect();
                open = Some((
                    fence,
                    Block {
                        info,
                        line: number,
                        text: String::new(),
                    },
                ));
            }
            None => page.prose.push((number, line.to_owned())),
        }
    }
    assert!(open.is_none(), "{path}: a code block is never closed");
    page
}

/// The README and every guide.
fn pages() -> Vec<Page> {
    let mut paths = vec!["README.md".to_owned()];
    let mut guides: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("a docs/ folder")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    guides.sort();
    paths.extend(guides);
    paths.iter().map(|path| read_page(path)).collect()
}

/// A line without its inline code spans (`[a](b)` in backticks is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// The targets of the inline links and images of a page, with their lines.
fn links(page: &Page) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in &page.prose {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((*number, target.to_owned()));
            rest = &after[end..];
        }
        // Reference-style definitions: `[name]: target`.
        if let Some(definition) = line.trim_start().strip_prefix('[') {
            if let Some((_, target)) = definition.split_once("]: ") {
                found.push((*number, target.trim().to_owned()));
            }
        }
    }
    found
}

/// The anchors GitHub gives a page's headings.
fn anchors(page: &Page) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in &page.prose {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let count = seen.entry(slug.clone()).or_insert(0);
        anchors.insert(if *count == 0 {
            slug.clone()
        } else {
            format!("{slug}-{count}")
        });
        *count += 1;
    }
    anchors
}

/// `a/b/../c` → `a/c`, for paths relative to the crate root.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                assert!(out.pop(), "{} leaves the crate", path.display());
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_relative_link_of_the_readme_and_the_guides_resolves() {
    let pages = pages();
    let by_path: BTreeMap<&str, &Page> = pages.iter().map(|p| (p.path.as_str(), p)).collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let dir = Path::new(&page.path).parent().unwrap().to_path_buf();
        for (line, target) in links(page) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if file.is_empty() {
                PathBuf::from(&page.path)
            } else {
                normalise(&dir.join(file))
            };
            let where_ = format!("{}:{line}: {target}", page.path);
            if !root().join(&resolved).exists() {
                broken.push(format!("{where_} (no {})", resolved.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let key = resolved.to_string_lossy().replace('\\', "/");
                match by_path.get(key.as_str()) {
                    Some(linked) if anchors(linked).contains(anchor) => {}
                    Some(_) => broken.push(format!("{where_} (no heading #{anchor})")),
                    None => broken.push(format!("{where_} (an anchor into a file not checked)")),
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 30, "only {checked} relative links found");
}

#[test]
fn every_guide_is_linked_from_the_index() {
    let index = read_page("docs/README.md");
    let linked: BTreeSet<String> = links(&index)
        .into_iter()
        .map(|(_, target)| target.split('#').next().unwrap().to_owned())
        .collect();
    let unlisted: Vec<String> = pages()
        .into_iter()
        .filter(|p| p.path.starts_with("docs/") && p.path != "docs/README.md")
        .map(|p| p.path["docs/".len()..].to_owned())
        .filter(|name| !linked.contains(name))
        .collect();
    assert!(
        unlisted.is_empty(),
        "guides missing from docs/README.md: {unlisted:?}"
    );
}

#[test]
fn every_page_with_rust_examples_is_compiled_as_doc_tests() {
    let guides = std::fs::read_to_string(root().join("src/guides.rs")).unwrap();
    let mut missing = Vec::new();
    let mut included = 0;
    for page in pages() {
        if !page.blocks.iter().any(|b| b.language() == "rust") {
            continue;
        }
        if guides.contains(&format!("include_str!(\"../{}\")", page.path)) {
            included += 1;
        } else {
            missing.push(page.path);
        }
    }
    assert!(
        missing.is_empty(),
        "Rust blocks that no doc test compiles (add an item to src/guides.rs): {missing:?}"
    );
    assert!(included >= 3, "only {included} pages with Rust blocks");
}

#[test]
fn the_readme_is_a_front_door_with_the_commands_ci_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; move detail to docs/"
    );
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    let test_command = ci
        .lines()
        .find(|line| line.starts_with("cargo test"))
        .expect(".ci/run runs cargo test");
    assert!(
        readme.lines().any(|line| line == test_command),
        "the README's test command differs from .ci/run's: {test_command:?}"
    );
    assert!(readme.contains("cargo run --release --features cli -- demo"));
}

/// A name in `"..."` right after `needle`, if it looks like an environment variable.
fn quoted_names_after(source: &str, needle: &str, whole_word: bool) -> Vec<String> {
    let mut names = Vec::new();
    let mut from = 0;
    while let Some(at) = source[from..].find(needle) {
        let start = from + at;
        from = start + needle.len();
        if whole_word {
            let before = source[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
        }
        let name: String = source[from..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() && source[from + name.len()..].starts_with('"') {
            names.push(name);
        }
    }
    names
}

/// The variables a shell script reads with a default: `${NAME:-default}`.
fn shell_defaults(source: &str) -> Vec<String> {
    source
        .split("${")
        .skip(1)
        .filter_map(|after| {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            (!name.is_empty() && after[name.len()..].starts_with(":-")).then_some(name)
        })
        .collect()
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Every environment variable the crate's sources, tests, benchmarks and build script read.
fn variables_read() -> BTreeMap<String, String> {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples", "build"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut read = BTreeMap::new();
    // The project's scripts: a variable with a default, `${NAME:-...}`.
    if let Ok(entries) = std::fs::read_dir(root().join("scripts")) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "sh") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for name in shell_defaults(&source) {
                // The shell's and the platform's own.
                if !["HOME", "XDG_CACHE_HOME", "TMPDIR", "PATH"].contains(&name.as_str()) {
                    let relative = path.strip_prefix(root()).unwrap().display().to_string();
                    read.entry(name).or_insert(relative);
                }
            }
        }
    }
    for file in files {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let mut names = Vec::new();
        // clap's `#[arg(env = "...")]`, std's readers, tracing's filter, the compile-time macros.
        names.extend(quoted_names_after(&source, "env = \"", true));
        for reader in ["var(\"", "var_os(\"", "env!(\"", "option_env!(\""] {
            names.extend(quoted_names_after(&source, reader, true));
        }
        names.extend(quoted_names_after(&source, "from_env(\"", false));
        for name in names {
            // Cargo's own, set for every build.
            if name.starts_with("CARGO") || name == "OUT_DIR" {
                continue;
            }
            let relative = file.strip_prefix(root()).unwrap().display().to_string();
            read.entry(name).or_insert(relative);
        }
    }
    read
}

#[test]
fn every_environment_variable_the_sources_read_is_documented() {
    let read = variables_read();
    for known in [
        "VSPC_URL",
        "VSPC_MFA_CODE",
        "VSPC_LOG",
        "NO_COLOR",
        "VSPC_LIVE_URL",
    ] {
        assert!(
            read.contains_key(known),
            "the scan misses {known}: {read:?}"
        );
    }
    let documented: String = pages()
        .iter()
        .map(|page| std::fs::read_to_string(root().join(&page.path)).unwrap())
        .collect();
    let undocumented: Vec<String> = read
        .iter()
        .filter(|(name, _)| {
            !documented.contains(&format!("`{name}`")) && !documented.contains(&format!("{name}="))
        })
        .map(|(name, file)| format!("{name} (read in {file})"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "environment variables no guide names (add them to the table in docs/cli.md or \
         docs/contributing.md): {undocumented:?}"
    );
}

/// The words of one shell line, with `|`, `&&`, `;`, `&`, `>`... as separate words.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, started: &mut bool, words: &mut Vec<String>| {
        if *started {
            words.push(std::mem::take(word));
            *started = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                started = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                started = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        other => word.push(other),
                    }
                }
            }
            '#' if !started => break,
            c if c.is_whitespace() => flush(&mut word, &mut started, &mut words),
            '|' | '&' | ';' | '>' | '<' => {
                // `2>file`: the digits are the redirected descriptor, not a word.
                if started && word.chars().all(|d| d.is_ascii_digit()) && matches!(c, '>' | '<') {
                    word.clear();
                    started = false;
                }
                flush(&mut word, &mut started, &mut words);
                let mut operator = c.to_string();
                if chars.peek() == Some(&c) {
                    operator.push(chars.next().unwrap());
                }
                words.push(operator);
            }
            '\\' => {
                started = true;
                word.extend(chars.next());
            }
            other => {
                started = true;
                word.push(other);
            }
        }
    }
    flush(&mut word, &mut started, &mut words);
    words
}

/// The `vspc-licensing` invocations of a shell text (also `cargo run ... -- ARGS`), as argv.
fn tool_invocations(text: &str) -> Vec<Vec<String>> {
    let joined = text.replace("\\\n", " ");
    let mut invocations = Vec::new();
    for line in joined.lines() {
        let words = shell_words(line);
        for segment in words.split(|w| matches!(w.as_str(), "|" | "||" | "&&" | ";" | "&")) {
            let mut argv = Vec::new();
            let mut skip_next = false;
            for word in segment {
                if skip_next {
                    skip_next = false;
                } else if matches!(word.as_str(), ">" | ">>" | "<" | "<<") {
                    skip_next = true;
                } else {
                    argv.push(word.clone());
                }
            }
            let first = argv
                .iter()
                .position(|w| !(w.contains('=') && !w.starts_with('-')))
                .unwrap_or(argv.len());
            let argv = &argv[first..];
            match argv.first().map(String::as_str) {
                Some("vspc-licensing") => invocations.push(argv.to_vec()),
                Some("cargo") if argv.get(1).map(String::as_str) == Some("run") => {
                    if let Some(dashes) = argv.iter().position(|w| w == "--") {
                        let mut tool = vec!["vspc-licensing".to_owned()];
                        tool.extend(argv[dashes + 1..].iter().cloned());
                        invocations.push(tool);
                    }
                }
                _ => {}
            }
        }
    }
    invocations
}

/// The shell in a YAML block: CI steps (`run: ...`, `- ...`) are shell lines.
fn shell_of_yaml(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("- ").unwrap_or(line);
            line.strip_prefix("run: ").unwrap_or(line)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_shell_splitter_reads_pipes_redirections_and_quotes() {
    assert_eq!(
        tool_invocations(
            "VSPC_URL=http://x vspc-licensing a --b 'c d' \\\n  -o json | jq -r .x > out # note\n"
        ),
        vec![vec!["vspc-licensing", "a", "--b", "c d", "-o", "json"]]
    );
    assert_eq!(
        tool_invocations("vspc-licensing man | man -l -\nvspc-licensing x 2>/dev/null &\n"),
        vec![vec!["vspc-licensing", "man"], vec!["vspc-licensing", "x"]]
    );
    assert_eq!(
        tool_invocations("cargo run --release --features cli -- demo   # tour\ncargo test\n"),
        vec![vec!["vspc-licensing", "demo"]]
    );
}

#[test]
fn every_documented_command_line_is_one_the_tool_accepts() {
    use clap::{CommandFactory, FromArgMatches};
    use vspc_licensing::cli::Cli;

    // Without the `env` fallbacks: the shell's VSPC_* settings must not change the verdict.
    let parser = Cli::command().mut_args(|arg| arg.env(None::<&str>));
    let mut refused = Vec::new();
    let mut per_page: BTreeMap<String, usize> = BTreeMap::new();
    for page in pages() {
        for block in &page.blocks {
            let shell = match block.language() {
                "sh" | "bash" | "shell" | "console" => block.text.clone(),
                "yaml" | "yml" => shell_of_yaml(&block.text),
                _ => continue,
            };
            for argv in tool_invocations(&shell) {
                *per_page.entry(page.path.clone()).or_default() += 1;
                let verdict = parser
                    .clone()
                    .try_get_matches_from(&argv)
                    .and_then(|matches| Cli::from_arg_matches(&matches));
                match verdict {
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            clap::error::ErrorKind::DisplayHelp
                                | clap::error::ErrorKind::DisplayVersion
                        ) => {}
                    Err(e) => refused.push(format!(
                        "{} (block at line {}): {}\n{}",
                        page.path,
                        block.line,
                        argv.join(" "),
                        e.render()
                    )),
                }
            }
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    let total: usize = per_page.values().sum();
    assert!(
        total >= 40,
        "only {total} command lines found: {per_page:?}"
    );
    for page in [
        "README.md",
        "docs/cli.md",
        "docs/simulator.md",
        "docs/usage-charts.md",
    ] {
        assert!(
            per_page.contains_key(page),
            "no command line found in {page}"
        );
    }
}

#[test]
fn every_scenario_in_the_guides_loads() {
    use vspc_licensing::simulator::Scenario;
    let mut loaded = 0;
    for page in pages() {
        for block in page
            .blocks
            .iter()
            .filter(|b| b.info.iter().any(|w| w == "scenario"))
        {
            let origin = format!("{}:{}", page.path, block.line);
            if let Err(e) = Scenario::from_text(&block.text, &origin) {
                panic!("{e}");
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 1, "no block fenced as `yaml scenario`");
}
