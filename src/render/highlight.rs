//! Server-side syntax highlighting for fenced code blocks in lessons.
//!
//! Lessons are rendered once at import time and the site ships no client
//! JavaScript, so highlighting happens here. The Content-Security-Policy
//! forbids inline styles, so tokens are marked with `hl-*` CSS classes only.
//!
//! Each language family gets a small single-pass lexer: a generic one for
//! C-like languages (parametrized by a [`Spec`]) and line-oriented ones for
//! shell, HTTP, YAML, TOML, Dockerfile, markup and CSS. They only *classify*
//! byte ranges; [`Lexer`] owns escaping and output, which is what guarantees
//! that no character is lost or duplicated and that spans never nest.
//! Every loop consumes at least one character per step and lookaheads are
//! bounded, so highlighting untrusted editor input stays linear-time.

const KW: &str = "hl-kw";
const STR: &str = "hl-str";
const NUM: &str = "hl-num";
const COM: &str = "hl-com";
const LIT: &str = "hl-lit";
const TY: &str = "hl-ty";
const KEY: &str = "hl-key";
const META: &str = "hl-meta";
const VAR: &str = "hl-var";
const FN: &str = "hl-fn";

/// Highlights `code` written in `language` (the fence's info string, e.g. "rust", "ts", "sh").
/// Returns HTML: the code HTML-escaped (&, <, >, ", ' escaped), with tokens wrapped in
/// <span class="hl-…">…</span>. Returns None for languages it does not know (and for
/// "text"/"plain"), so the caller can emit the escaped plain text.
pub fn highlight(code: &str, language: &str) -> Option<String> {
    let lang = Lang::from_info(language)?;
    let mut out = String::with_capacity(code.len() + code.len() / 2);
    let mut lx = Lexer {
        src: code,
        pos: 0,
        plain: 0,
        out: &mut out,
    };
    lang.run(&mut lx);
    lx.finish();
    Some(out)
}

/// A language family, resolved from the fence's info string.
#[derive(Clone, Copy)]
enum Lang {
    Code(&'static Spec),
    Shell,
    Console,
    Http,
    Yaml,
    Toml,
    Dockerfile,
    Markup { html: bool },
    Css,
}

impl Lang {
    /// Case-insensitive; anything after the first space or comma (`rust,ignore`) is ignored.
    fn from_info(info: &str) -> Option<Lang> {
        let name = info
            .trim()
            .split([' ', ',', '\t'])
            .next()?
            .to_ascii_lowercase();
        Some(match name.as_str() {
            "rust" | "rs" => Lang::Code(&RUST),
            "javascript" | "js" | "jsx" | "mjs" | "cjs" => Lang::Code(&JAVASCRIPT),
            "typescript" | "ts" | "tsx" | "mts" => Lang::Code(&TYPESCRIPT),
            "python" | "py" | "python3" => Lang::Code(&PYTHON),
            "go" | "golang" => Lang::Code(&GO),
            "java" => Lang::Code(&JAVA),
            "kotlin" | "kt" | "kts" => Lang::Code(&KOTLIN),
            "c" | "h" | "cpp" | "c++" | "cc" | "cxx" | "hpp" => Lang::Code(&C),
            "sql" | "postgresql" | "postgres" | "psql" | "sqlite" | "mysql" => Lang::Code(&SQL),
            "json" | "jsonc" | "json5" => Lang::Code(&JSON),
            "shell" | "sh" | "bash" | "zsh" => Lang::Shell,
            "console" | "shell-session" | "terminal" => Lang::Console,
            "http" => Lang::Http,
            "yaml" | "yml" => Lang::Yaml,
            "toml" => Lang::Toml,
            "dockerfile" | "docker" | "containerfile" => Lang::Dockerfile,
            "html" | "htm" | "xhtml" => Lang::Markup { html: true },
            "xml" | "svg" => Lang::Markup { html: false },
            "css" => Lang::Css,
            _ => return None,
        })
    }

    fn run(self, lx: &mut Lexer<'_, '_>) {
        match self {
            Lang::Code(spec) => lex_code(lx, spec),
            Lang::Shell => lex_shell(lx, true),
            Lang::Console => lex_console(lx),
            Lang::Http => lex_http(lx),
            Lang::Yaml => lex_yaml(lx),
            Lang::Toml => lex_toml(lx),
            Lang::Dockerfile => lex_dockerfile(lx),
            Lang::Markup { html } => lex_markup(lx, html),
            Lang::Css => lex_css(lx),
        }
    }
}

/// Cursor over the source plus the HTML being written.
///
/// Text between `plain` and the next emitted span is written escaped and
/// unstyled, so lexers only ever report "this range has that class".
struct Lexer<'s, 'o> {
    src: &'s str,
    pos: usize,
    /// Start of the pending unstyled text.
    plain: usize,
    out: &'o mut String,
}

impl<'s> Lexer<'s, '_> {
    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    /// Whether the character after the current one is an ASCII digit.
    fn next_is_digit(&self) -> bool {
        self.byte_at(1).is_some_and(|b| b.is_ascii_digit())
    }

    fn prev_byte(&self) -> Option<u8> {
        self.pos.checked_sub(1).map(|i| self.src.as_bytes()[i])
    }

    fn at(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        while let Some(c) = self.peek().filter(|&c| keep(c)) {
            self.pos += c.len_utf8();
        }
    }

    /// End of the current line (the index of its `\n`, or the end of input).
    fn line_end(&self) -> usize {
        self.rest()
            .find('\n')
            .map_or(self.src.len(), |i| self.pos + i)
    }

    fn skip_line(&mut self) {
        self.pos = self.line_end();
    }

    fn next_line(&mut self) {
        if self.at("\n") {
            self.pos += 1;
        }
    }

    /// Only spaces or tabs between the previous newline and the cursor.
    fn at_line_start(&self) -> bool {
        let before = self.src.as_bytes()[..self.pos].iter().rev();
        before
            .copied()
            .find(|&b| b != b' ' && b != b'\t')
            .is_none_or(|b| b == b'\n')
    }

    /// Writes the pending plain text up to `end`.
    fn flush(&mut self, end: usize) {
        if end > self.plain {
            escape_into(self.out, &self.src[self.plain..end]);
            self.plain = end;
        }
    }

    /// Marks `start..end` with `class`. Ranges must come in order, never overlapping.
    fn span(&mut self, class: &str, start: usize, end: usize) {
        debug_assert!(start >= self.plain, "span overlaps text already written");
        let start = start.max(self.plain);
        if end <= start {
            return;
        }
        self.flush(start);
        self.out.push_str("<span class=\"");
        self.out.push_str(class);
        self.out.push_str("\">");
        escape_into(self.out, &self.src[start..end]);
        self.out.push_str("</span>");
        self.plain = end;
    }

    /// Marks everything from `start` to the cursor.
    fn emit(&mut self, class: &str, start: usize) {
        self.span(class, start, self.pos);
    }

    fn finish(&mut self) {
        self.flush(self.src.len());
    }

    /// Runs another lexer on `pos..end`, e.g. a JSON body inside HTTP. The
    /// inner lexer sees the preceding text too, so line-start checks still work.
    fn sub(&mut self, end: usize, lex: impl FnOnce(&mut Lexer<'_, '_>)) {
        let src = self.src;
        let end = end.max(self.pos);
        self.flush(self.pos);
        let mut inner = Lexer {
            src: &src[..end],
            pos: self.pos,
            plain: self.pos,
            out: &mut *self.out,
        };
        lex(&mut inner);
        inner.finish();
        self.pos = end;
        self.plain = end;
    }

    /// Consumes `open`, then up to and including `close` (or to the end if unterminated).
    fn delimited(&mut self, open: &str, close: &str, nested: bool) {
        self.pos += open.len();
        if !nested {
            self.pos = self
                .rest()
                .find(close)
                .map_or(self.src.len(), |i| self.pos + i + close.len());
            return;
        }
        let mut depth = 1;
        while self.pos < self.src.len() {
            if self.at(close) {
                self.pos += close.len();
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if self.at(open) {
                self.pos += open.len();
                depth += 1;
            } else {
                self.bump();
            }
        }
    }

    fn scan_quote(&mut self, q: &Quote) {
        self.pos += q.delim.len();
        while let Some(c) = self.peek() {
            if self.at(q.delim) {
                self.pos += q.delim.len();
                return;
            }
            match c {
                '\\' if q.escapes => {
                    self.bump();
                    self.bump();
                }
                '\n' if !q.multiline => return,
                _ => self.bump(),
            }
        }
    }

    /// Digits, radix prefixes, suffixes (`10u8`, `1.5e-3f32`) and separators.
    fn number(&mut self) {
        let hex = self.at("0x") || self.at("0X");
        self.bump();
        while let Some(c) = self.peek() {
            let next_is_digit = self.next_is_digit();
            let after_exponent = !hex && matches!(self.prev_byte(), Some(b'e' | b'E'));
            let part_of_number = c.is_ascii_alphanumeric()
                || c == '_'
                || (c == '.' && next_is_digit)
                || (matches!(c, '+' | '-') && after_exponent && next_is_digit);
            if !part_of_number {
                break;
            }
            self.bump();
        }
    }

    /// `#!...` on the very first line is an interpreter line, not a comment
    /// (but `#![...]` is a Rust inner attribute).
    fn shebang(&mut self) {
        if self.pos == 0 && self.at("#!") && !self.at("#![") {
            self.skip_line();
            self.emit(META, 0);
        }
    }

    /// Guarantees progress (and so termination) whatever a lexer's match missed.
    fn ensure_progress(&mut self, start: usize) {
        if self.pos == start {
            self.bump();
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// A string delimiter; the same text opens and closes it.
struct Quote {
    delim: &'static str,
    escapes: bool,
    multiline: bool,
}

const fn quote(delim: &'static str, escapes: bool, multiline: bool) -> Quote {
    Quote {
        delim,
        escapes,
        multiline,
    }
}

const DQ: Quote = quote("\"", true, false);
const SQ: Quote = quote("'", true, false);
/// Single quotes without backslash escapes (YAML, TOML literal strings).
const RAW_SQ: Quote = quote("'", false, false);

/// What differs between the C-like languages handled by [`lex_code`].
///
/// Word lists are slices of space-separated groups: compact to write, easy to
/// share (TypeScript extends JavaScript), and rustfmt leaves them alone.
struct Spec {
    keywords: &'static [&'static str],
    types: &'static [&'static str],
    literals: &'static [&'static str],
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    /// Checked in order, so triple quotes must come before single ones.
    quotes: &'static [Quote],
    case_insensitive: bool,
    /// `Capitalized` identifiers are types (Rust, Java, TypeScript...).
    cap_types: bool,
    /// `@name` is an annotation or decorator.
    decorators: bool,
    /// `#include` and friends at line start.
    preprocessor: bool,
    dollar_idents: bool,
    /// Python's `r"..."`, `f'...'`, `rb"..."`.
    string_prefixes: bool,
    /// A string followed by `:` is an object key.
    json_keys: bool,
    /// Raw strings, char literals vs lifetimes, `#[attributes]`, macros, nested comments.
    rust: bool,
}

/// Whether `word` is in the space-separated `list`.
fn has_word(list: &str, word: &str, ignore_case: bool) -> bool {
    list.split_ascii_whitespace()
        .any(|w| w == word || (ignore_case && w.eq_ignore_ascii_case(word)))
}

const BASE: Spec = Spec {
    keywords: &[],
    types: &[],
    literals: &["true false null"],
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: &[DQ, SQ],
    case_insensitive: false,
    cap_types: false,
    decorators: false,
    preprocessor: false,
    dollar_idents: false,
    string_prefixes: false,
    json_keys: false,
    rust: false,
};

const RUST: Spec = Spec {
    keywords: &[
        "as async await break const continue crate dyn else enum extern fn for if impl in \
        let loop match mod move mut pub ref return self Self static struct super trait type \
        unsafe use where while yield",
    ],
    types: &["i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str"],
    literals: &["true false None"],
    quotes: &[quote("\"", true, true)],
    cap_types: true,
    rust: true,
    ..BASE
};

const JS_KEYWORDS: &str = "async await break case catch class const continue debugger default \
    delete do else export extends finally for from function if import in instanceof let new of \
    return static super switch this throw try typeof var void while with yield";

const JAVASCRIPT: Spec = Spec {
    keywords: &[JS_KEYWORDS],
    literals: &["true false null undefined NaN Infinity"],
    quotes: &[DQ, SQ, quote("`", true, true)],
    cap_types: true,
    decorators: true,
    dollar_idents: true,
    ..BASE
};

const TYPESCRIPT: Spec = Spec {
    keywords: &[
        JS_KEYWORDS,
        "abstract as declare enum implements infer interface is keyof namespace override private \
        protected public readonly satisfies type",
    ],
    types: &["string number boolean any unknown never object bigint symbol"],
    ..JAVASCRIPT
};

const PYTHON: Spec = Spec {
    keywords: &[
        "and as assert async await break case class continue def del elif else except \
        finally for from global if import in is lambda match nonlocal not or pass raise return \
        try while with yield",
    ],
    types: &["int float complex str bytes bool list dict set frozenset tuple object"],
    literals: &["True False None"],
    line_comments: &["#"],
    block_comment: None,
    quotes: &[
        quote("\"\"\"", true, true),
        quote("'''", true, true),
        DQ,
        SQ,
    ],
    cap_types: true,
    decorators: true,
    string_prefixes: true,
    ..BASE
};

const GO: Spec = Spec {
    keywords: &[
        "break case chan const continue default defer else fallthrough for func go goto \
        if import interface map package range return select struct switch type var",
    ],
    types: &[
        "any bool byte comparable complex64 complex128 error float32 float64 int int8 int16 \
        int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr",
    ],
    literals: &["true false nil iota"],
    quotes: &[DQ, SQ, quote("`", false, true)],
    ..BASE
};

const JAVA: Spec = Spec {
    keywords: &[
        "abstract assert break case catch class const continue default do else enum \
        extends final finally for goto if implements import instanceof interface native new \
        package permits private protected public record return sealed static strictfp super \
        switch synchronized this throw throws transient try var volatile while yield",
    ],
    types: &["boolean byte char double float int long short void"],
    quotes: &[quote("\"\"\"", true, true), DQ, SQ],
    cap_types: true,
    decorators: true,
    ..BASE
};

const KOTLIN: Spec = Spec {
    keywords: &[
        "abstract annotation as break by catch class companion const constructor \
        continue data do else enum final finally for fun get if import in init inline inner \
        interface internal is lateinit object open operator out override package private \
        protected public return sealed set super suspend this throw try typealias val var \
        vararg when while",
    ],
    quotes: &[quote("\"\"\"", false, true), DQ, SQ],
    cap_types: true,
    decorators: true,
    ..BASE
};

/// C and C++ share one list: C code rarely uses C++ keywords as names.
const C: Spec = Spec {
    keywords: &[
        "auto break case catch class const constexpr continue default delete do else \
        enum explicit extern for friend goto if inline namespace new noexcept operator override \
        private protected public register return sizeof static struct switch template this \
        throw try typedef typename union using virtual volatile while",
    ],
    types: &[
        "bool char double float int long short signed unsigned void size_t int8_t int16_t \
        int32_t int64_t uint8_t uint16_t uint32_t uint64_t",
    ],
    literals: &["true false NULL nullptr"],
    preprocessor: true,
    ..BASE
};

const SQL: Spec = Spec {
    keywords: &[
        "add all alter analyze and as asc begin between by cascade case check column \
        commit conflict constraint create cross default delete desc distinct do drop else end \
        exists explain foreign from full grant group having if in index inner insert into is \
        join key left like limit not nothing offset on or order outer primary recursive \
        references returning revoke right rollback select set table then transaction trigger \
        union unique update using values view when where with",
    ],
    types: &[
        "bigint bigserial blob bool boolean bytea char date decimal double float int \
        integer interval json jsonb numeric real serial smallint text time timestamp timestamptz \
        uuid varchar",
    ],
    line_comments: &["--"],
    quotes: &[quote("'", false, true)],
    case_insensitive: true,
    ..BASE
};

const JSON: Spec = Spec {
    quotes: &[DQ],
    json_keys: true,
    ..BASE
};

/// The generic lexer for everything configured by a [`Spec`].
fn lex_code(lx: &mut Lexer<'_, '_>, spec: &Spec) {
    lx.shebang();
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        if spec.line_comments.iter().any(|m| lx.at(m)) {
            lx.skip_line();
            lx.emit(COM, start);
        } else if let Some((open, close)) = spec.block_comment.filter(|(open, _)| lx.at(open)) {
            lx.delimited(open, close, spec.rust);
            lx.emit(COM, start);
        } else if let Some(q) = spec.quotes.iter().find(|q| lx.at(q.delim)) {
            lx.scan_quote(q);
            let is_key = spec.json_keys && lx.rest().trim_start().starts_with(':');
            lx.emit(if is_key { KEY } else { STR }, start);
        } else if c == '#' && spec.rust && (lx.at("#[") || lx.at("#![")) {
            rust_attribute(lx);
            lx.emit(META, start);
        } else if c == '#' && spec.preprocessor && lx.at_line_start() {
            lx.bump();
            lx.eat_while(|c| c == ' ' || c == '\t');
            lx.eat_while(is_ident_continue);
            lx.emit(META, start);
        } else if c == '@' && spec.decorators && lx.rest()[1..].starts_with(is_ident_start) {
            lx.bump();
            lx.eat_while(|c| is_ident_continue(c) || c == '.');
            lx.emit(META, start);
        } else if c == '\'' && spec.rust {
            if rust_char(lx) {
                lx.emit(STR, start);
            } else {
                // A lifetime or loop label: unstyled, and `'static` must not become a keyword.
                lx.bump();
                lx.eat_while(is_ident_continue);
            }
        } else if c.is_ascii_digit() || (spec.json_keys && c == '-' && lx.next_is_digit()) {
            // JSON has no subtraction, so there a `-` before a digit is the number's sign.
            lx.number();
            lx.emit(NUM, start);
        } else if is_ident_start(c) || (spec.dollar_idents && c == '$') {
            lex_word(lx, spec);
        } else {
            lx.bump();
        }
    }
}

fn lex_word(lx: &mut Lexer<'_, '_>, spec: &Spec) {
    let src = lx.src;
    let start = lx.pos;
    lx.eat_while(|c| is_ident_continue(c) || (spec.dollar_idents && c == '$'));
    let word = &src[start..lx.pos];
    if spec.rust && rust_prefixed_string(lx, word) {
        lx.emit(STR, start);
        return;
    }
    if spec.string_prefixes
        && word.len() <= 2
        && word.chars().all(|c| "rbfuRBFU".contains(c))
        && let Some(q) = spec.quotes.iter().find(|q| lx.at(q.delim))
    {
        lx.scan_quote(q);
        lx.emit(STR, start);
        return;
    }
    let listed = |groups: &[&str]| {
        groups
            .iter()
            .any(|g| has_word(g, word, spec.case_insensitive))
    };
    let class = if listed(spec.keywords) {
        Some(KW)
    } else if listed(spec.literals) {
        Some(LIT)
    } else if listed(spec.types) || (spec.cap_types && looks_like_type(word)) {
        Some(TY)
    } else if spec.rust && lx.at("!") && !lx.at("!=") {
        lx.bump(); // a macro call: include the `!`
        Some(FN)
    } else if lx.at("(") {
        Some(FN)
    } else {
        None
    };
    if let Some(class) = class {
        lx.emit(class, start);
    }
}

/// `Vec`, `T`, `HttpServer` are types; `MAX_LEN` reads as a constant, so it is not.
fn looks_like_type(word: &str) -> bool {
    word.starts_with(|c: char| c.is_uppercase())
        && (word.chars().count() == 1 || word.chars().any(char::is_lowercase))
}

/// After a `r`, `br`, `cr`, `b` or `c` prefix: consumes a Rust raw/byte string or byte char
/// if one starts here.
fn rust_prefixed_string(lx: &mut Lexer<'_, '_>, prefix: &str) -> bool {
    match prefix {
        "r" | "br" | "cr" => {
            let hashes = lx.rest().bytes().take_while(|&b| b == b'#').count();
            if lx.byte_at(hashes) != Some(b'"') {
                return false;
            }
            lx.pos += hashes + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            lx.pos = lx
                .rest()
                .find(&close)
                .map_or(lx.src.len(), |i| lx.pos + i + close.len());
            true
        }
        "b" | "c" if lx.at("\"") => {
            lx.scan_quote(&RUST.quotes[0]);
            true
        }
        "b" if lx.at("'") => rust_char(lx),
        _ => false,
    }
}

/// At a `'`: consumes a char literal (`'a'`, `'\n'`, `'\u{1F600}'`) and returns
/// true, or returns false without moving for a lifetime like `'a`.
fn rust_char(lx: &mut Lexer<'_, '_>) -> bool {
    let mut next = lx.rest()[1..].chars();
    match (next.next(), next.next()) {
        (Some('\\'), _) => {
            lx.pos += 2;
            lx.bump();
            // The longest escape, `\u{10FFFF}`, has 8 more characters.
            for _ in 0..8 {
                if matches!(lx.peek(), None | Some('\'' | '\n')) {
                    break;
                }
                lx.bump();
            }
            if lx.at("'") {
                lx.bump();
            }
            true
        }
        (Some(c), Some('\'')) if c != '\n' && c != '\'' => {
            lx.pos += 2 + c.len_utf8();
            true
        }
        _ => false,
    }
}

/// `#[...]` or `#![...]`, across lines, counting brackets and skipping strings.
fn rust_attribute(lx: &mut Lexer<'_, '_>) {
    lx.bump();
    if lx.at("!") {
        lx.bump();
    }
    let mut depth = 0usize;
    while let Some(c) = lx.peek() {
        match c {
            '"' => {
                lx.scan_quote(&RUST.quotes[0]);
                continue;
            }
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    lx.bump();
                    return;
                }
            }
            _ => {}
        }
        lx.bump();
    }
}

const SHELL_KEYWORDS: &str = "if then else elif fi for while until do done case esac function \
    select time return exit break continue ! { }";
/// After these, the next word is again a command name.
const SHELL_COMMAND_STARTERS: &str = "if then else elif while until do time ! {";
/// After these, `NAME=value` words are assignments.
const SHELL_DECLARATIONS: &str = "export local readonly declare typeset";

/// Bash-like shells. `cmd` says whether the first word is a command name (hl-fn).
fn lex_shell(lx: &mut Lexer<'_, '_>, mut cmd: bool) {
    lx.shebang();
    let src = lx.src;
    let mut decl = false;
    let mut heredoc: Option<(&str, bool)> = None;
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        match c {
            '\n' => {
                lx.bump();
                (cmd, decl) = (true, false);
                if let Some((delim, strip_tabs)) = heredoc.take() {
                    heredoc_body(lx, delim, strip_tabs);
                }
            }
            ' ' | '\t' | '\r' => lx.bump(),
            '#' if matches!(
                lx.prev_byte(),
                None | Some(b' ' | b'\t' | b'\n' | b';' | b'|' | b'&' | b'(')
            ) =>
            {
                lx.skip_line();
                lx.emit(COM, start);
            }
            '\\' => {
                lx.bump();
                lx.bump(); // the escaped character, including a line continuation
            }
            '\'' => {
                lx.delimited("'", "'", false);
                lx.emit(STR, start);
                cmd = false;
            }
            '"' => {
                shell_double_quoted(lx);
                cmd = false;
            }
            '$' => {
                if shell_var(lx) {
                    lx.emit(VAR, start);
                } else {
                    lx.bump();
                }
                cmd = false;
            }
            '<' if lx.at("<<<") => lx.pos += 3, // a here-string, not a heredoc
            '<' if lx.at("<<") => {
                lx.pos += 2;
                let strip_tabs = lx.at("-");
                if strip_tabs {
                    lx.bump();
                }
                lx.eat_while(|c| c == ' ' || c == '\t');
                let quoted = matches!(lx.peek(), Some('\'' | '"'));
                if quoted {
                    lx.bump();
                }
                let word_start = lx.pos;
                lx.eat_while(|c| is_ident_continue(c) || c == '-');
                let delim = &src[word_start..lx.pos];
                if quoted && matches!(lx.peek(), Some('\'' | '"')) {
                    lx.bump();
                }
                if delim.is_empty() {
                    lx.pos = start + 2; // just a `<<` operator
                } else {
                    heredoc = Some((delim, strip_tabs));
                    lx.emit(META, start);
                }
            }
            '&' if matches!(lx.prev_byte(), Some(b'>' | b'<')) => lx.bump(), // `2>&1`
            ';' | '|' | '&' | '(' | '`' => {
                lx.bump();
                (cmd, decl) = (true, false);
            }
            ')' | '<' | '>' => {
                lx.bump();
                cmd = false;
            }
            _ => {
                lx.eat_while(|c| {
                    !matches!(c, ' ' | '\t' | '\r' | '\n' | ';' | '|' | '&' | '(' | ')')
                        && !matches!(c, '<' | '>' | '"' | '\'' | '$' | '`' | '\\')
                });
                let word = &src[start..lx.pos];
                if let Some(name_len) = assignment_name_len(word).filter(|_| cmd || decl) {
                    lx.span(VAR, start, start + name_len);
                } else if cmd && has_word(SHELL_KEYWORDS, word, false) {
                    lx.emit(KW, start);
                    cmd = has_word(SHELL_COMMAND_STARTERS, word, false);
                } else if cmd && has_word(SHELL_DECLARATIONS, word, false) {
                    lx.emit(KW, start);
                    (cmd, decl) = (false, true);
                } else if cmd {
                    lx.emit(FN, start);
                    cmd = false;
                } else if word == "in" {
                    lx.emit(KW, start); // `for x in ...`, `case $x in`
                } else if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
                    lx.emit(NUM, start);
                }
            }
        }
        lx.ensure_progress(start);
    }
}

/// Length of `NAME` in a `NAME=value` (or `NAME+=value`) word.
fn assignment_name_len(word: &str) -> Option<usize> {
    let name = &word[..word.find('=')?];
    let name = name.strip_suffix('+').unwrap_or(name);
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some(name.len())
}

/// At a `$`: consumes `$NAME`, `${...}`, `$1`, `$?`... and says whether it did.
fn shell_var(lx: &mut Lexer<'_, '_>) -> bool {
    let rest = &lx.rest()[1..];
    let len = if rest.starts_with('{') {
        rest.find(['}', '\n'])
            .map_or(rest.len(), |i| i + usize::from(rest.as_bytes()[i] == b'}'))
    } else if rest.starts_with(|c: char| c.is_ascii_digit() || "@*#?$!-".contains(c)) {
        1
    } else {
        rest.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count()
    };
    if len == 0 {
        return false;
    }
    lx.pos += 1 + len;
    true
}

/// `"..."` with the variables inside it highlighted as variables, not string.
fn shell_double_quoted(lx: &mut Lexer<'_, '_>) {
    let mut segment = lx.pos;
    lx.bump();
    while let Some(c) = lx.peek() {
        match c {
            '"' => {
                lx.bump();
                break;
            }
            '\\' => {
                lx.bump();
                lx.bump();
            }
            '$' => {
                let var = lx.pos;
                if shell_var(lx) {
                    lx.span(STR, segment, var);
                    lx.emit(VAR, var);
                    segment = lx.pos;
                } else {
                    lx.bump();
                }
            }
            _ => lx.bump(),
        }
    }
    lx.emit(STR, segment);
}

/// The lines after `<<EOF`, up to the terminator line.
fn heredoc_body(lx: &mut Lexer<'_, '_>, delim: &str, strip_tabs: bool) {
    let src = lx.src;
    let body = lx.pos;
    while lx.pos < src.len() {
        let end = lx.line_end();
        let line = src[lx.pos..end].trim_end_matches('\r');
        let line = if strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == delim {
            let terminator = lx.pos;
            lx.span(STR, body, terminator);
            lx.pos = end;
            lx.emit(META, terminator);
            return;
        }
        lx.pos = end;
        lx.next_line();
    }
    lx.emit(STR, body);
}

/// A terminal transcript: `$ ` lines are commands, the rest is output. Without
/// any prompt it is just a script.
fn lex_console(lx: &mut Lexer<'_, '_>) {
    let src = lx.src;
    let is_prompt = |line: &str| line.starts_with("$ ") || line.trim_end() == "$";
    if !src.lines().any(is_prompt) {
        return lex_shell(lx, true);
    }
    let mut continued = false;
    while lx.pos < src.len() {
        let end = lx.line_end();
        let line = &src[lx.pos..end];
        if continued || is_prompt(line) {
            if !continued {
                let prompt = lx.pos;
                lx.bump();
                lx.emit(META, prompt);
            }
            lx.sub(end, |l| lex_shell(l, !continued));
            continued = line.trim_end().ends_with('\\');
        }
        lx.pos = end;
        lx.next_line();
    }
}

const HTTP_METHODS: &str = "GET POST PUT PATCH DELETE HEAD OPTIONS CONNECT TRACE";

/// One or more HTTP messages: start line, headers, blank line, body. JSON bodies are
/// highlighted as JSON.
fn lex_http(lx: &mut Lexer<'_, '_>) {
    let src = lx.src;
    let mut in_headers = true;
    while lx.pos < src.len() {
        let end = lx.line_end();
        let line = &src[lx.pos..end];
        if is_http_start_line(line) {
            let mut word_start = lx.pos;
            for (i, word) in line.split(' ').enumerate() {
                let status = i == 1 && word.trim_end().bytes().all(|b| b.is_ascii_digit());
                let class = if i == 0 || word.starts_with("HTTP/") {
                    META
                } else {
                    NUM
                };
                if i == 0 || word.starts_with("HTTP/") || status {
                    lx.span(class, word_start, word_start + word.trim_end().len());
                }
                word_start += word.len() + 1;
            }
            in_headers = true;
        } else if line.trim().is_empty() {
            in_headers = false;
        } else if let Some(name_len) = header_name_len(line).filter(|_| in_headers) {
            lx.span(KEY, lx.pos, lx.pos + name_len);
        } else {
            // A body runs until the next message's start line.
            let mut body_end = end;
            while body_end < src.len() {
                let next = body_end + 1;
                let next_end = src[next..].find('\n').map_or(src.len(), |i| next + i);
                if is_http_start_line(&src[next..next_end]) {
                    break;
                }
                body_end = next_end;
            }
            if line.trim_start().starts_with(['{', '[']) {
                lx.sub(body_end, |l| lex_code(l, &JSON));
            }
            lx.pos = body_end;
            lx.next_line();
            continue;
        }
        lx.pos = end;
        lx.next_line();
    }
}

fn is_http_start_line(line: &str) -> bool {
    if let Some(version) = line.strip_prefix("HTTP/") {
        return version.starts_with(|c: char| c.is_ascii_digit());
    }
    line.split_once(' ')
        .is_some_and(|(method, _)| has_word(HTTP_METHODS, method, false))
}

fn header_name_len(line: &str) -> Option<usize> {
    let colon = line.find(':')?;
    let name = &line[..colon];
    let token = |b: u8| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b);
    (!name.is_empty() && name.bytes().all(token)).then_some(colon)
}

/// Line by line: keys, scalars, comments, anchors/tags, and `|`/`>` block scalars.
fn lex_yaml(lx: &mut Lexer<'_, '_>) {
    let src = lx.src;
    let mut block_parent: Option<usize> = None;
    while lx.pos < src.len() {
        let end = lx.line_end();
        let line = &src[lx.pos..end];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(parent) = block_parent {
            if line.trim().is_empty() || indent > parent {
                let text = lx.pos + indent;
                lx.pos = end;
                lx.emit(STR, text);
                lx.next_line();
                continue;
            }
            block_parent = None;
        }
        lx.sub(end, |l| block_parent = yaml_line(l, indent));
        lx.next_line();
    }
}

/// If the line opens a `|`/`>` block scalar, returns the indentation its content must exceed:
/// the key's column (`- run: |` nests under `run`), else the line's indentation.
fn yaml_line(lx: &mut Lexer<'_, '_>, indent: usize) -> Option<usize> {
    let line_start = lx.pos;
    lx.eat_while(|c| c == ' ' || c == '\t');
    let marker_end = matches!(lx.byte_at(3), None | Some(b' ' | b'\t' | b'\r'));
    if (lx.at("---") || lx.at("...")) && marker_end && lx.at_line_start() {
        let start = lx.pos;
        lx.pos += 3;
        lx.emit(META, start);
    }
    while lx.at("-") && matches!(lx.byte_at(1), None | Some(b' ' | b'\t' | b'\r')) {
        lx.bump();
        lx.eat_while(|c| c == ' ' || c == '\t');
    }
    let column = lx.pos - line_start;
    let parent = if yaml_key(lx) { column } else { indent };
    yaml_value(lx).then_some(parent)
}

/// `key:`, `"quoted key":` or, failing that, a quoted scalar value. Returns whether it was a key.
fn yaml_key(lx: &mut Lexer<'_, '_>) -> bool {
    let start = lx.pos;
    let rest = lx.rest();
    let colon_ends = |b: Option<&u8>| matches!(b, None | Some(b' ' | b'\t' | b'\r'));
    if rest.starts_with(['"', '\'']) {
        lx.scan_quote(if rest.starts_with('"') { &DQ } else { &RAW_SQ });
        let after = lx.rest().trim_start_matches([' ', '\t']);
        let is_key = after.starts_with(':') && colon_ends(after.as_bytes().get(1));
        lx.emit(if is_key { KEY } else { STR }, start);
        if is_key {
            lx.pos = lx.src.len() - after.len() + 1; // past the colon
        }
        return is_key;
    }
    if rest.is_empty() || rest.starts_with(['#', '{', '[', '&', '*', '!', '|', '>', '%', '@', '`'])
    {
        return false;
    }
    let bytes = rest.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' && colon_ends(bytes.get(i + 1)) {
            lx.span(KEY, start, start + rest[..i].trim_end().len());
            lx.pos = start + i + 1;
            return true;
        }
        if b == b'#' && i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            return false; // a comment starts before any key colon
        }
    }
    false
}

/// The rest of a YAML line after any key. Returns whether it opens a block scalar.
fn yaml_value(lx: &mut Lexer<'_, '_>) -> bool {
    let src = lx.src;
    let mut first = true;
    let mut flow = 0usize;
    let mut block = false;
    let at_comment = |lx: &Lexer<'_, '_>| {
        lx.at("#") && matches!(lx.prev_byte(), None | Some(b' ' | b'\t' | b'\n'))
    };
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        match c {
            ' ' | '\t' | '\r' => lx.bump(),
            '#' if at_comment(lx) => {
                lx.skip_line();
                lx.emit(COM, start);
            }
            '"' | '\'' => {
                lx.scan_quote(if c == '"' { &DQ } else { &RAW_SQ });
                lx.emit(STR, start);
            }
            '&' | '*' | '!' => {
                lx.bump();
                lx.eat_while(|c| !c.is_whitespace() && !",[]{}".contains(c));
                lx.emit(META, start);
            }
            '|' | '>' if first => {
                lx.bump();
                lx.eat_while(|c| matches!(c, '-' | '+' | '0'..='9'));
                lx.emit(META, start);
                block = true;
            }
            '{' | '[' => {
                flow += 1;
                lx.bump();
            }
            '}' | ']' => {
                flow = flow.saturating_sub(1);
                lx.bump();
            }
            ',' => lx.bump(),
            _ => {
                // A plain scalar may contain spaces; it ends at a comment (or a flow delimiter).
                while let Some(c) = lx.peek() {
                    if at_comment(lx) || (flow > 0 && matches!(c, ',' | ']' | '}')) {
                        break;
                    }
                    lx.bump();
                }
                let text = src[start..lx.pos].trim_end();
                if let Some(class) = scalar_class(text) {
                    lx.span(class, start, start + text.len());
                }
            }
        }
        if !c.is_whitespace() {
            first = false;
        }
        lx.ensure_progress(start);
    }
    block
}

/// YAML 1.1/1.2 booleans and nulls, and anything number-like (including dates and versions).
fn scalar_class(text: &str) -> Option<&'static str> {
    if has_word("true false yes no on off null ~", text, true) {
        return Some(LIT);
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let numeric = unsigned.starts_with(|c: char| c.is_ascii_digit())
        && unsigned
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "._:xXoO+-".contains(c));
    let special = [".inf", ".nan"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(unsigned));
    (numeric || special).then_some(NUM)
}

const TOML_QUOTES: &[Quote] = &[
    quote("\"\"\"", true, true),
    quote("'''", false, true),
    DQ,
    RAW_SQ,
];

/// Keys (bare, quoted, dotted, and inside inline tables), `[table]` headers and values.
fn lex_toml(lx: &mut Lexer<'_, '_>) {
    let src = lx.src;
    let mut open: Vec<char> = Vec::new();
    let mut expect_key = true;
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        match c {
            '\n' => {
                lx.bump();
                expect_key |= open.is_empty();
            }
            '#' => {
                lx.skip_line();
                lx.emit(COM, start);
            }
            '[' if open.is_empty() && expect_key => {
                lx.eat_while(|c| c != ']' && c != '\n');
                lx.eat_while(|c| c == ']');
                lx.emit(META, start);
                expect_key = false;
            }
            '"' | '\'' => {
                let q = TOML_QUOTES.iter().find(|q| lx.at(q.delim)).unwrap_or(&DQ);
                lx.scan_quote(q);
                lx.emit(if expect_key { KEY } else { STR }, start);
            }
            '=' => {
                lx.bump();
                expect_key = false;
            }
            '[' | '{' => {
                open.push(c);
                lx.bump();
                expect_key = c == '{';
            }
            ']' | '}' => {
                open.pop();
                lx.bump();
                expect_key = false;
            }
            ',' => {
                lx.bump();
                expect_key = open.last() == Some(&'{');
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+') => {
                if expect_key {
                    lx.eat_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
                    lx.emit(KEY, start);
                } else {
                    lx.eat_while(|c| c.is_ascii_alphanumeric() || "_-+:.".contains(c));
                    let word = &src[start..lx.pos];
                    let unsigned = word.trim_start_matches(['+', '-']);
                    if word == "true" || word == "false" {
                        lx.emit(LIT, start);
                    } else if unsigned.starts_with(|c: char| c.is_ascii_digit())
                        || matches!(unsigned, "inf" | "nan")
                    {
                        lx.emit(NUM, start);
                    }
                }
            }
            _ => lx.bump(),
        }
        lx.ensure_progress(start);
    }
}

const DOCKER_INSTRUCTIONS: &str = "add arg cmd copy entrypoint env expose from healthcheck label \
    maintainer onbuild run shell stopsignal user volume workdir";

/// Instructions as keywords; their arguments (with `\` continuations) go through the shell lexer.
fn lex_dockerfile(lx: &mut Lexer<'_, '_>) {
    let src = lx.src;
    while lx.pos < src.len() {
        lx.eat_while(|c| c == ' ' || c == '\t');
        let start = lx.pos;
        let end = lx.line_end();
        if lx.at("#") {
            lx.pos = end;
            lx.emit(COM, start);
        } else {
            lx.eat_while(|c| c.is_ascii_alphabetic());
            let word = &src[start..lx.pos];
            if has_word(DOCKER_INSTRUCTIONS, word, true) {
                lx.emit(KW, start);
                let stmt_end = continued_line_end(src, lx.pos);
                let args = &src[lx.pos..stmt_end];
                let shell_form = has_word("run cmd entrypoint", word, true)
                    && !args.trim_start().starts_with('[');
                let stage_alias = word
                    .eq_ignore_ascii_case("from")
                    .then(|| word_offset_ci(args, "as"))
                    .flatten();
                if let Some(offset) = stage_alias {
                    let alias = lx.pos + offset;
                    lx.sub(alias, |l| lex_shell(l, false));
                    lx.pos = alias + 2;
                    lx.emit(KW, alias);
                }
                lx.sub(stmt_end, |l| lex_shell(l, shell_form));
            } else {
                lx.pos = start;
                lx.sub(end, |l| lex_shell(l, false));
            }
        }
        lx.next_line();
    }
}

/// End of a logical line: `\` continues it, and comment lines inside it are skipped, as
/// Docker does.
fn continued_line_end(src: &str, from: usize) -> usize {
    let mut line_start = from;
    loop {
        let end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |i| line_start + i);
        let line = src[line_start..end].trim();
        let continues = line.ends_with('\\') || (line_start > from && line.starts_with('#'));
        if !continues || end == src.len() {
            return end;
        }
        line_start = end + 1;
    }
}

/// Byte offset of `word` as a whole whitespace-separated word, ignoring ASCII case.
fn word_offset_ci(text: &str, word: &str) -> Option<usize> {
    let mut offset = 0;
    for part in text.split(|c: char| c.is_ascii_whitespace()) {
        if part.eq_ignore_ascii_case(word) {
            return Some(offset);
        }
        offset += part.len() + 1;
    }
    None
}

/// HTML and XML: tags, attributes, comments, doctype; in HTML also `<script>`/`<style>`
/// bodies and Askama/Jinja `{{ }}`, `{% %}`, `{# #}` template syntax.
fn lex_markup(lx: &mut Lexer<'_, '_>, html: bool) {
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        if lx.at("<!--") {
            lx.delimited("<!--", "-->", false);
            lx.emit(COM, start);
        } else if lx.at("<![CDATA[") {
            lx.delimited("<![CDATA[", "]]>", false);
            lx.emit(STR, start);
        } else if lx.at("<!") || lx.at("<?") {
            lx.delimited("<", ">", false);
            lx.emit(META, start);
        } else if c == '<'
            && lx.rest()[1..].starts_with(|c: char| c == '/' || c.is_ascii_alphabetic())
        {
            markup_tag(lx, html);
        } else if html && lx.at("{#") {
            lx.delimited("{#", "#}", false);
            lx.emit(COM, start);
        } else if html && (lx.at("{{") || lx.at("{%")) {
            lx.delimited("{", if lx.at("{{") { "}}" } else { "%}" }, false);
            lx.emit(META, start);
        } else {
            lx.bump();
        }
    }
}

fn markup_tag(lx: &mut Lexer<'_, '_>, html: bool) {
    let src = lx.src;
    lx.bump();
    let closing = lx.at("/");
    if closing {
        lx.bump();
    }
    let name_start = lx.pos;
    lx.eat_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
    let name = &src[name_start..lx.pos];
    lx.emit(KW, name_start);
    let (mut self_closing, mut after_eq) = (false, false);
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        match c {
            '>' => {
                lx.bump();
                break;
            }
            '<' => return, // a broken tag: let the caller resynchronize
            '"' | '\'' => {
                lx.scan_quote(&quote(if c == '"' { "\"" } else { "'" }, false, true));
                lx.emit(STR, start);
            }
            '/' => {
                lx.bump();
                self_closing = lx.at(">");
            }
            '=' => lx.bump(),
            c if c.is_whitespace() => lx.bump(),
            _ => {
                lx.eat_while(|c| {
                    !c.is_whitespace() && !matches!(c, '=' | '>' | '/' | '<' | '"' | '\'')
                });
                lx.emit(if after_eq { STR } else { KEY }, start);
            }
        }
        if !c.is_whitespace() {
            after_eq = c == '=';
        }
        lx.ensure_progress(start);
    }
    let embedded = if name.eq_ignore_ascii_case("script") {
        Lang::Code(&JAVASCRIPT)
    } else if name.eq_ignore_ascii_case("style") {
        Lang::Css
    } else {
        return;
    };
    if html && !closing && !self_closing {
        let end = find_ascii_ci(src, lx.pos, &format!("</{name}"));
        lx.sub(end, |l| embedded.run(l));
    }
}

/// Index of `needle` in `hay[from..]` ignoring ASCII case, or the end of `hay`.
fn find_ascii_ci(hay: &str, from: usize, needle: &str) -> usize {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    (from..hay.len())
        .find(|&i| {
            hay.get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        })
        .unwrap_or(hay.len())
}

/// CSS: at-rules, property names, numbers with units, colors, functions, comments.
fn lex_css(lx: &mut Lexer<'_, '_>) {
    let is_css_ident = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut depth = 0usize;
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        match c {
            '/' if lx.at("/*") => {
                lx.delimited("/*", "*/", false);
                lx.emit(COM, start);
            }
            '"' | '\'' => {
                lx.scan_quote(if c == '"' { &DQ } else { &SQ });
                lx.emit(STR, start);
            }
            '@' => {
                lx.bump();
                lx.eat_while(is_css_ident);
                lx.emit(KW, start);
            }
            '{' => {
                depth += 1;
                lx.bump();
            }
            '}' => {
                depth = depth.saturating_sub(1);
                lx.bump();
            }
            '!' if lx.at("!important") => {
                lx.pos += "!important".len();
                lx.emit(KW, start);
            }
            '#' if depth > 0 => {
                lx.bump();
                lx.eat_while(is_css_ident);
                if matches!(lx.pos - start - 1, 3 | 4 | 6 | 8)
                    && lx.src[start + 1..lx.pos]
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit())
                {
                    lx.emit(NUM, start);
                }
            }
            c if c.is_ascii_digit() || (c == '.' && lx.next_is_digit()) => {
                lx.bump();
                lx.eat_while(|c| c.is_ascii_alphanumeric() || c == '.' || c == '%');
                lx.emit(NUM, start);
            }
            c if c.is_alphabetic() || c == '-' || c == '_' => {
                lx.eat_while(is_css_ident);
                if depth > 0 && css_property_follows(lx.rest()) {
                    lx.emit(KEY, start);
                } else if lx.at("(") {
                    lx.emit(FN, start);
                }
            }
            _ => lx.bump(),
        }
    }
}

/// `color:` is a property unless a `{` comes first (then it was a selector like
/// `a:hover {`). The lookahead is bounded to keep the lexer linear.
fn css_property_follows(rest: &str) -> bool {
    let Some(after) = rest.trim_start().strip_prefix(':') else {
        return false;
    };
    let window = &after.as_bytes()[..after.len().min(256)];
    window.iter().find(|b| matches!(b, b';' | b'{' | b'}')) != Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(code: &str, lang: &str) -> String {
        highlight(code, lang).unwrap_or_else(|| panic!("{lang} should be supported"))
    }

    /// The HTML for one token; `text` is already escaped.
    fn tok(class: &str, text: &str) -> String {
        format!("<span class=\"hl-{class}\">{text}</span>")
    }

    fn assert_has(html: &str, class: &str, text: &str) {
        let expected = tok(class, text);
        assert!(html.contains(&expected), "expected {expected} in:\n{html}");
    }

    /// Strips the tags and unescapes, checking on the way that spans are flat and balanced.
    fn plain_text(html: &str) -> String {
        let mut text = String::new();
        let mut open = false;
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            text.push_str(&rest[..i]);
            let end = rest[i..].find('>').expect("unclosed tag") + i;
            let tag = &rest[i..=end];
            if tag == "</span>" {
                assert!(open, "closing a span that is not open: {html}");
                open = false;
            } else {
                assert!(tag.starts_with("<span class=\"hl-"), "unexpected tag {tag}");
                assert!(!open, "nested span in: {html}");
                open = true;
            }
            rest = &rest[end + 1..];
        }
        assert!(!open, "unclosed span in: {html}");
        assert!(!html.contains("\"></span>"), "empty span in: {html}");
        text.push_str(rest);
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn all_languages() -> impl Iterator<Item = &'static str> {
        let languages = "rust js ts python go java kotlin c sql sh console http json yaml toml \
            dockerfile html xml css";
        languages.split_ascii_whitespace()
    }

    const TRICKY: &[&str] = &[
        "",
        "\"unterminated",
        "'",
        "`",
        "/* never closed",
        "<!-- never closed",
        "r#\"raw",
        "#[attr",
        "'\\",
        "\\",
        "a \\\n b",
        "é ü 日本語 🚀 \"ß\" // ü\n'😀' x",
        "$",
        "${",
        "$ ",
        "cat <<EOF\nbody",
        "---\n- a: |\n  x",
        "[table",
        "key = '''",
        "GET / HTTP/1.1\nHost: x\n\n{\"a\": 1",
        "FROM x AS y\nRUN echo \\\n  hi",
        "\r\n\t\u{a0}\u{0}\u{feff}",
        "0x 1e 1e+ 1.",
        "@ # #! b' 'a <",
        "\"\"\"",
        "`${x}`",
        "{{ x {% {#",
        "<a href=x",
        "<script>",
        "<style>a{",
        "'\\u{1F600}'",
        "#!/bin/sh\necho \"$HOME\" 'x' # c",
        "a:\n  - \"k\": v # c\n  b: &x *y !!str",
        "x = { a = 1, b = [1, 2] }\n[[t]]",
    ];

    #[test]
    fn rust_snippet_gets_keywords_strings_and_comments() {
        let html = hl("fn main() { let x = \"hi\"; // c\n}", "rust");
        assert_has(&html, "kw", "fn");
        assert_has(&html, "kw", "let");
        assert_has(&html, "str", "&quot;hi&quot;");
        assert_has(&html, "com", "// c");
        assert_has(&html, "fn", "main");
    }

    #[test]
    fn rust_raw_strings_chars_lifetimes_attributes_and_macros_are_told_apart() {
        let code = concat!(
            "#[derive(Debug)]\n",
            "struct S<'a> { s: &'a str, c: char }\n",
            "let r = r#\"a \"q\" b\"#;\n",
            "let c = '\\n'; let d = 'x';\n",
            "println!(\"{}\", 42u32); /* a /* nested */ still */ let n: Vec<i32> = None;",
        );
        let html = hl(code, "rs");
        assert_has(&html, "meta", "#[derive(Debug)]");
        assert_has(&html, "str", "r#&quot;a &quot;q&quot; b&quot;#");
        assert_has(&html, "str", "&#39;\\n&#39;");
        assert_has(&html, "str", "&#39;x&#39;");
        assert!(
            !html.contains(&tok("str", "&#39;a")),
            "a lifetime is not a char: {html}"
        );
        assert_has(&html, "fn", "println!");
        assert_has(&html, "num", "42u32");
        assert_has(&html, "com", "/* a /* nested */ still */");
        assert_has(&html, "ty", "Vec");
        assert_has(&html, "ty", "i32");
        assert_has(&html, "ty", "str");
        assert_has(&html, "lit", "None");
    }

    #[test]
    fn javascript_template_literals_and_typescript_types_are_highlighted() {
        let js = hl(
            "const s = `a ${b}`; // x\nif (x === undefined) return null;",
            "js",
        );
        assert_has(&js, "kw", "const");
        assert_has(&js, "str", "`a ${b}`");
        assert_has(&js, "lit", "undefined");
        assert_has(&js, "com", "// x");
        let ts = hl(
            "@Component()\ninterface User { name: string; age: number }",
            "ts",
        );
        assert_has(&ts, "meta", "@Component");
        assert_has(&ts, "kw", "interface");
        assert_has(&ts, "ty", "User");
        assert_has(&ts, "ty", "string");
    }

    #[test]
    fn python_triple_quotes_prefixes_decorators_and_none_are_highlighted() {
        let html = hl(
            concat!(
                "@app.route('/')\n",
                "def f(x: int) -> None:\n",
                "    \"\"\"Doc\n",
                "    string\"\"\"\n",
                "    return f'{x}' # c",
            ),
            "py",
        );
        assert_has(&html, "meta", "@app.route");
        assert_has(&html, "kw", "def");
        assert_has(&html, "ty", "int");
        assert_has(&html, "lit", "None");
        assert_has(
            &html,
            "str",
            "&quot;&quot;&quot;Doc\n    string&quot;&quot;&quot;",
        );
        assert_has(&html, "str", "f&#39;{x}&#39;");
        assert_has(&html, "com", "# c");
    }

    #[test]
    fn go_java_kotlin_and_c_get_their_keywords_and_types() {
        let go = hl("func main() { var s string = `raw` ; x := nil }", "golang");
        assert_has(&go, "kw", "func");
        assert_has(&go, "ty", "string");
        assert_has(&go, "str", "`raw`");
        assert_has(&go, "lit", "nil");
        let java = hl(
            "@Override public String toString() { return \"x\"; }",
            "java",
        );
        assert_has(&java, "meta", "@Override");
        assert_has(&java, "kw", "public");
        assert_has(&java, "ty", "String");
        assert_has(&java, "fn", "toString");
        let kotlin = hl("fun main() { val x: Int = 1 }", "kt");
        assert_has(&kotlin, "kw", "fun");
        assert_has(&kotlin, "kw", "val");
        assert_has(&kotlin, "ty", "Int");
        let c = hl("#include <stdio.h>\nint main(void) { return 0; }", "c");
        assert_has(&c, "meta", "#include");
        assert_has(&c, "ty", "int");
    }

    #[test]
    fn sql_keywords_are_case_insensitive() {
        let upper = hl("SELECT id FROM users WHERE name = 'it''s' -- c", "sql");
        let lower = hl(
            "select count(*) from users where active is null",
            "postgresql",
        );
        assert_has(&upper, "kw", "SELECT");
        assert_has(&upper, "kw", "FROM");
        assert_has(&upper, "str", "&#39;it&#39;");
        assert_has(&upper, "com", "-- c");
        assert_has(&lower, "kw", "select");
        assert_has(&lower, "kw", "where");
        assert_has(&lower, "lit", "null");
        assert_has(&lower, "fn", "count");
    }

    #[test]
    fn shell_variables_strings_comments_and_commands_are_highlighted() {
        let html = hl(
            "export PATH=\"$HOME/bin:${PATH}\" # c\nif [ -f x ]; then cargo build --release; fi",
            "bash",
        );
        assert_has(&html, "kw", "export");
        assert_has(&html, "var", "PATH");
        assert_has(&html, "var", "$HOME");
        assert_has(&html, "var", "${PATH}");
        assert_has(&html, "str", "&quot;");
        assert_has(&html, "str", "/bin:");
        assert_has(&html, "com", "# c");
        assert_has(&html, "kw", "then");
        assert_has(&html, "fn", "cargo");
        assert_has(&html, "kw", "fi");
        let heredoc = hl("cat <<'EOF' > f\nhello $x\nEOF\necho done", "sh");
        assert_has(&heredoc, "meta", "&lt;&lt;&#39;EOF&#39;");
        assert_has(&heredoc, "str", "hello $x\n");
        assert_has(&heredoc, "meta", "EOF");
        assert_has(&heredoc, "fn", "echo");
    }

    #[test]
    fn console_prompts_are_meta_and_output_stays_plain() {
        let html = hl("$ cargo run\n   Compiling groundwork\n$ echo hi", "console");
        assert_has(&html, "meta", "$");
        assert_has(&html, "fn", "cargo");
        assert_has(&html, "fn", "echo");
        assert!(html.contains("\n   Compiling groundwork\n"), "{html}");
    }

    #[test]
    fn http_start_lines_headers_and_json_bodies_are_highlighted() {
        let html = hl(
            concat!(
                "POST /api HTTP/1.1\n",
                "Content-Type: application/json\n",
                "\n",
                "{\"a\": true}\n",
                "\n",
                "HTTP/1.1 201 Created\n",
                "Location: /x\n",
            ),
            "http",
        );
        assert_has(&html, "meta", "POST");
        assert_has(&html, "meta", "HTTP/1.1");
        assert_has(&html, "key", "Content-Type");
        assert_has(&html, "key", "&quot;a&quot;");
        assert_has(&html, "lit", "true");
        assert_has(&html, "num", "201");
        assert_has(&html, "key", "Location");
    }

    #[test]
    fn json_keys_and_values_get_different_classes() {
        let html = hl(
            "{\"name\": \"Ada\", \"age\": 36, \"admin\": false, \"x\": null, \"d\": -1.5e3}",
            "json",
        );
        assert_has(&html, "key", "&quot;name&quot;");
        assert_has(&html, "str", "&quot;Ada&quot;");
        assert_has(&html, "num", "36");
        assert_has(&html, "num", "-1.5e3");
        assert_has(&html, "lit", "false");
        assert_has(&html, "lit", "null");
    }

    #[test]
    fn yaml_keys_values_comments_and_block_scalars_are_highlighted() {
        let html = hl(
            concat!(
                "---\n",
                "name: app # c\n",
                "on:\n",
                "  - push\n",
                "steps:\n",
                "  - run: |\n",
                "      cargo test\n",
                "    with: {a: 1}\n",
                "  \"q\": yes\n",
                "  n: 3.5\n",
            ),
            "yml",
        );
        assert_has(&html, "meta", "---");
        assert_has(&html, "key", "name");
        assert_has(&html, "com", "# c");
        assert_has(&html, "key", "run");
        assert_has(&html, "meta", "|");
        assert_has(&html, "str", "cargo test");
        assert_has(&html, "key", "with");
        assert_has(&html, "key", "&quot;q&quot;");
        assert_has(&html, "lit", "yes");
        assert_has(&html, "num", "3.5");
    }

    #[test]
    fn toml_keys_tables_and_values_are_highlighted() {
        let html = hl(
            concat!(
                "[package]\n",
                "name = \"groundwork\" # c\n",
                "edition.workspace = true\n",
                "serde = { version = \"1\", features = [\"derive\"] }\n",
                "n = 1_000\n",
            ),
            "toml",
        );
        assert_has(&html, "meta", "[package]");
        assert_has(&html, "key", "name");
        assert_has(&html, "str", "&quot;groundwork&quot;");
        assert_has(&html, "com", "# c");
        assert_has(&html, "key", "workspace");
        assert_has(&html, "lit", "true");
        assert_has(&html, "key", "version");
        assert_has(&html, "key", "features");
        assert_has(&html, "str", "&quot;derive&quot;");
        assert_has(&html, "num", "1_000");
    }

    #[test]
    fn dockerfile_instructions_are_case_insensitive_keywords() {
        let html = hl(
            concat!(
                "# build\n",
                "FROM rust:1.89 AS build\n",
                "run cargo build \\\n",
                "    && echo $OUT\n",
                "COPY --from=build /a /b\n",
                "CMD [\"app\"]",
            ),
            "Dockerfile",
        );
        assert_has(&html, "com", "# build");
        assert_has(&html, "kw", "FROM");
        assert_has(&html, "kw", "AS");
        assert_has(&html, "kw", "run");
        assert_has(&html, "fn", "cargo");
        assert_has(&html, "var", "$OUT");
        assert_has(&html, "kw", "COPY");
        assert_has(&html, "str", "&quot;app&quot;");
    }

    #[test]
    fn html_tags_attributes_templates_and_embedded_code_are_highlighted() {
        let html = hl(
            concat!(
                "<!-- c -->\n",
                "<a href=\"/x\" hidden>{{ user.name }}</a>\n",
                "<script>let x = 1;</script>\n",
                "<style>p { color: #fff; }</style>",
            ),
            "html",
        );
        assert_has(&html, "com", "&lt;!-- c --&gt;");
        assert_has(&html, "kw", "a");
        assert_has(&html, "key", "href");
        assert_has(&html, "str", "&quot;/x&quot;");
        assert_has(&html, "key", "hidden");
        assert_has(&html, "meta", "{{ user.name }}");
        assert_has(&html, "kw", "let");
        assert_has(&html, "key", "color");
        assert_has(&html, "num", "#fff");
    }

    #[test]
    fn css_properties_units_and_at_rules_are_highlighted() {
        let html = hl(
            concat!(
                "@media (min-width: 40em) {\n",
                "  a:hover { margin: 0 .5rem !important; color: rgb(0 0 0); }\n",
                "} /* c */",
            ),
            "css",
        );
        assert_has(&html, "kw", "@media");
        assert_has(&html, "key", "margin");
        assert!(
            !html.contains(&tok("key", "a")),
            "a selector is not a property: {html}"
        );
        assert_has(&html, "num", ".5rem");
        assert_has(&html, "kw", "!important");
        assert_has(&html, "fn", "rgb");
        assert_has(&html, "com", "/* c */");
    }

    #[test]
    fn html_special_characters_in_code_are_escaped() {
        for lang in all_languages() {
            let html = hl("<script>alert('x' & \"y\")</script>", lang);
            assert!(!html.contains("<script"), "{lang}: {html}");
            assert!(
                html.contains("&lt;") && html.contains("&amp;") && html.contains("&quot;"),
                "{lang}: {html}"
            );
        }
        assert_eq!(hl("a < b", "rust"), "a &lt; b");
    }

    #[test]
    fn unknown_languages_and_plain_text_return_none() {
        for lang in ["", "text", "plain", "brainfuck", "mermaid", " "] {
            assert_eq!(highlight("x", lang), None, "{lang}");
        }
    }

    #[test]
    fn aliases_case_and_info_string_suffixes_are_understood() {
        for (alias, canonical) in [
            ("RS", "rust"),
            ("rust,ignore", "rust"),
            ("rust no_run", "rust"),
            ("JSX", "javascript"),
            ("mjs", "javascript"),
            ("tsx", "typescript"),
            ("zsh", "shell"),
            ("SHELL", "sh"),
            ("yml", "yaml"),
            ("docker", "dockerfile"),
            ("golang", "go"),
        ] {
            let code = "fn x() { let y = 'a'; } // $Z: 1";
            assert_eq!(
                highlight(code, alias),
                highlight(code, canonical),
                "{alias}"
            );
            assert!(highlight(code, alias).is_some(), "{alias}");
        }
    }

    #[test]
    fn stripping_tags_and_unescaping_gives_back_the_input_for_every_language() {
        let kitchen_sink = TRICKY.concat();
        for lang in all_languages() {
            for input in TRICKY.iter().copied().chain([kitchen_sink.as_str()]) {
                assert_eq!(plain_text(&hl(input, lang)), input, "{lang}: {input:?}");
            }
            // Every prefix cuts some construct short.
            for (i, _) in kitchen_sink.char_indices() {
                let input = &kitchen_sink[..i];
                assert_eq!(plain_text(&hl(input, lang)), input, "{lang}: {input:?}");
            }
        }
    }

    #[test]
    fn random_inputs_round_trip_without_panicking() {
        // Single characters, plus a few longer pieces that open constructs.
        let mut alphabet: Vec<String> = "\"'`\\/*#[]{}<>!-:=$@|\n \trbx0e.é🚀%,&();"
            .chars()
            .map(String::from)
            .collect();
        alphabet
            .extend(["<<", "EOF", "AS", "RUN", "GET ", "HTTP/1.1", "---", "'''"].map(String::from));
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..400 {
            let mut input = String::new();
            for _ in 0..(round % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                input.push_str(&alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            for lang in all_languages() {
                assert_eq!(plain_text(&hl(&input, lang)), input, "{lang}: {input:?}");
            }
        }
    }

    #[test]
    fn large_pathological_inputs_are_handled_in_linear_time() {
        let inputs = [
            "\"'`/*<!--{{#[".repeat(20_000),
            "a:".repeat(50_000),
            "r".to_owned() + &"#".repeat(100_000),
            "<script>".repeat(20_000),
            "$ <<x\n".repeat(20_000),
            "@".repeat(100_000),
        ];
        let started = std::time::Instant::now();
        for input in &inputs {
            for lang in all_languages() {
                assert_eq!(plain_text(&hl(input, lang)).len(), input.len(), "{lang}");
            }
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn empty_input_gives_empty_output() {
        for lang in all_languages() {
            assert_eq!(hl("", lang), "", "{lang}");
        }
    }
}
