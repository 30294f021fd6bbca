//! The measurement behind keeping our own highlighter (issue 16): `src/render/highlight.rs`
//! against syntect 5.3 with two-face's syntax set (fancy-regex, class-only spans), on every code
//! block of the bundled lessons and on the pathological inputs of the highlighter's own test.
//! Run from the repository root: `cargo run --release --manifest-path bench/highlighter/Cargo.toml`.
//! Its own crate, so the application never depends on syntect.
#[allow(dead_code)]
#[path = "../../../src/render/highlight.rs"]
mod old;

use std::{sync::LazyLock, time::Instant};

use syntect::{
    html::{ClassStyle, ClassedHTMLGenerator},
    parsing::SyntaxSet,
    util::LinesWithEndings,
};

static SET: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

fn token(language: &str) -> &str {
    match language {
        "typescript" => "ts",
        "javascript" => "js",
        "python" => "py",
        "shell" | "bash" | "console" => "sh",
        "dockerfile" => "Dockerfile",
        other => other,
    }
}

fn new(code: &str, language: &str) -> Option<String> {
    let syntax = SET.find_syntax_by_token(token(language))?;
    let mut html =
        ClassedHTMLGenerator::new_with_class_style(syntax, &SET, ClassStyle::SpacedPrefixed { prefix: "hl-" });
    for line in LinesWithEndings::from(code) {
        html.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(html.finalize())
}

fn blocks() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walk(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../content"))) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let mut open: Option<(String, String)> = None;
        for line in text.lines() {
            match open.take() {
                None => {
                    if let Some(info) = line.strip_prefix("```") {
                        open = Some((info.split_whitespace().next().unwrap_or("").to_owned(), String::new()));
                    }
                }
                Some(b) if line == "```" => out.push(b),
                Some((l, mut c)) => { c.push_str(line); c.push('\n'); open = Some((l, c)); }
            }
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { v.extend(walk(&p)); } else if p.extension().is_some_and(|e| e == "md") { v.push(p); }
    }
    v
}

fn main() {
    let blocks = blocks();
    let bytes: usize = blocks.iter().map(|(_, c)| c.len()).sum();
    println!("{} blocks, {} bytes", blocks.len(), bytes);
    let t = Instant::now();
    LazyLock::force(&SET);
    println!("syntax set load: {:?}", t.elapsed());
    let mut langs: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
    langs.sort(); langs.dedup();
    for l in &langs {
        let o = old::highlight("x", l).is_some();
        let n = SET.find_syntax_by_token(token(l)).map(|s| s.name.clone());
        println!("{l:12} old:{o} new:{n:?}");
    }
    for round in 0..3 {
        let t = Instant::now();
        let mut out = 0;
        for (l, c) in &blocks { out += old::highlight(c, l).map_or(0, |h| h.len()); }
        let old_time = t.elapsed();
        let t = Instant::now();
        let mut out2 = 0;
        for (l, c) in &blocks { out2 += new(c, l).map_or(0, |h| h.len()); }
        println!("round {round}: old {old_time:?} ({out} B html), new {:?} ({out2} B html)", t.elapsed());
    }
    let inputs = [
        "\"'`/*<!--{{#[".repeat(20_000),
        "a:".repeat(50_000),
        "r".to_owned() + &"#".repeat(100_000),
        "<script>".repeat(20_000),
        "$ <<x\n".repeat(20_000),
        "@".repeat(100_000),
    ];
    for (i, input) in inputs.iter().enumerate() {
        for l in ["rust", "typescript", "python", "sh", "sql", "http", "yaml", "json", "toml", "dockerfile", "go", "java"] {
            let t = Instant::now();
            let _ = old::highlight(input, l);
            let o = t.elapsed();
            let t = Instant::now();
            let r = std::panic::catch_unwind(|| new(input, l).map(|h| h.len()));
            println!("pathological {i} {l:10}: old {o:?}, new {:?} {:?}", t.elapsed(), r.map(|x| x.is_some()));
        }
    }
}
