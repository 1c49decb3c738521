//! C-style preprocessor for P4-16 sources.
//!
//! p4c runs the C preprocessor over its input before parsing. This module implements the part of
//! `cpp` that P4 programs use, directly on top of [`SourceMap`], so that every line of the
//! expanded text keeps pointing at the file and line it came from:
//!
//! * `#include "f"` / `#include <f>`, with the architecture files of `p4/include` built in
//!   ([`builtin_include`]), include guards, `#pragma once`, and checks for include cycles and
//!   nesting depth;
//! * `#define` (object-like and function-like, with `#`, `##` and `__VA_ARGS__`) and `#undef`;
//!   expansion uses hide sets, so a macro is never expanded inside its own expansion;
//! * `#if`, `#ifdef`, `#ifndef`, `#elif`, `#else`, `#endif` with C integer expressions;
//! * `#error`, `#warning`; `#pragma` (only `once` has an effect), `#line` and line markers
//!   (`# 12 "f"`) are accepted and ignored.
//!
//! The output is line for line: a normal line becomes one output line (macros expanded); a
//! directive line, a line skipped by a conditional and each continued physical line becomes an
//! empty output line with the same origin; an included file's lines follow its `#include` line.
//! Comments are kept on normal lines (the lexer skips them), so columns stay right unless a
//! macro was expanded earlier on the line.
//!
//! Known simplifications compared to `cpp`: a function-like macro invocation must end on the
//! line where it starts, `#line` does not renumber lines, arithmetic in `#if` is signed 64-bit
//! throughout, and there are no predefined macros (`__FILE__`, `__LINE__`, ...).
//!
//! All work is bounded: include depth, number of included files, total input, macro expansion
//! work per line and per compilation unit, argument and expression nesting. Exceeding a bound is
//! reported as an error; nothing panics, loops forever or recurses without bound.

use crate::diag::{Diagnostics, FileId, SourceMap, Span};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Deepest `#include` nesting (number of files open at once).
pub const MAX_INCLUDE_DEPTH: usize = 64;
/// Most `#include`s that open a file in one compilation unit.
const MAX_INCLUDES: usize = 100_000;
/// Most bytes of source read in one compilation unit (all files, counting repeats).
const MAX_TOTAL_INPUT: usize = 256 << 20;
/// Deepest nesting of macro invocations inside macro arguments.
const MAX_ARG_DEPTH: usize = 32;
/// Expansion work allowed for one line (roughly: tokens produced plus bytes / 4), or 8 units
/// per byte of the line if that is more.
const LINE_WORK_LIMIT: u64 = 4_000_000;
/// Expansion work allowed for a whole compilation unit.
const TOTAL_WORK_LIMIT: u64 = 32_000_000;
/// Deepest nesting of parentheses, unary operators and `?:` in an `#if` expression.
const MAX_EXPR_DEPTH: usize = 200;

/// Where the preprocessor gets file contents from.
pub trait SourceLoader {
    fn load(&self, path: &Path) -> io::Result<String>;
}

/// Reads real files. A file that is not valid UTF-8 is an [`io::ErrorKind::InvalidData`] error.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        let bytes = std::fs::read(path)?;
        String::from_utf8(bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "file is not valid UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

/// Serves files from memory, for tests and tools. Paths are compared after lexical
/// normalisation (`a/./b/../c` finds `a/c`).
#[derive(Clone, Debug, Default)]
pub struct MemLoader {
    pub files: HashMap<PathBuf, String>,
}

impl MemLoader {
    pub fn new() -> MemLoader {
        MemLoader::default()
    }

    /// Adds a file (builder style).
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> MemLoader {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl SourceLoader for MemLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        if let Some(text) = self.files.get(path) {
            return Ok(text.clone());
        }
        let want = normalize_path(path);
        self.files
            .iter()
            .find(|(k, _)| normalize_path(k) == want)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{}: no such file", path.display()),
                )
            })
    }
}

/// Options of one preprocessor run.
#[derive(Clone, Debug, Default)]
pub struct PreprocessOptions {
    /// Directories searched for `#include` files (after the including file's directory for the
    /// `"file"` form; after the built-in files for the `<file>` form).
    pub include_dirs: Vec<PathBuf>,
    /// Macros defined before the first line, like `-DNAME=VALUE`. `NAME` may be `F(a, b)` for a
    /// function-like macro. An empty value defines an empty macro (`cpp -DX` means `("X", "1")`).
    pub defines: Vec<(String, String)>,
}

/// The architecture files shipped in `p4/include`, for `#include <core.p4>` and friends.
pub fn builtin_include(name: &str) -> Option<&'static str> {
    match name {
        "core.p4" => Some(include_str!("../include/core.p4")),
        "v1model.p4" => Some(include_str!("../include/v1model.p4")),
        _ => None,
    }
}

/// Expands `path` (loaded through `loader`). Always returns a SourceMap (possibly partial) plus
/// diagnostics.
pub fn preprocess(
    path: &Path,
    opts: &PreprocessOptions,
    loader: &dyn SourceLoader,
) -> (SourceMap, Diagnostics) {
    let norm = normalize_path(path);
    let key = norm.to_string_lossy().into_owned();
    let mut pp = Pp::new(opts, loader);
    match loader.load(&norm) {
        Ok(text) => {
            let dir = norm.parent().map(Path::to_path_buf).unwrap_or_default();
            pp.run(key, dir, &text);
        }
        Err(e) => {
            pp.sm.add_file(&key, "");
            pp.diags
                .error(Span::DUMMY, format!("cannot read file '{key}': {e}"));
        }
    }
    (pp.sm, pp.diags)
}

/// Same as [`preprocess`], for a text already in memory (named `name` in diagnostics). Quoted
/// includes are resolved relative to the directory part of `name` (the current directory for a
/// plain name), then the include dirs.
pub fn preprocess_str(
    name: &str,
    text: &str,
    opts: &PreprocessOptions,
    loader: &dyn SourceLoader,
) -> (SourceMap, Diagnostics) {
    let norm = normalize_path(Path::new(name));
    let key = if name.is_empty() {
        String::from("<input>")
    } else {
        norm.to_string_lossy().into_owned()
    };
    let dir = norm.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut pp = Pp::new(opts, loader);
    pp.run(key, dir, text);
    (pp.sm, pp.diags)
}

/// Lexical path normalisation: drops `.` components and folds `dir/..`.
fn normalize_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let mut normals = 0usize;
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if normals > 0 {
                    out.pop();
                    normals -= 1;
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            Component::Normal(s) => {
                out.push(s);
                normals += 1;
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    Str,
    Punct,
    Ws,
    Comment,
    /// Zero-width marker around a macro expansion (for paste avoidance in the output).
    Mark,
    /// Placemarker for an empty argument next to `##`.
    Place,
}

type Range = (Kind, usize, usize);

/// Splits a text into preprocessing tokens `(kind, start, end)`, lazily.
struct Lexer<'a> {
    s: &'a str,
    i: usize,
    /// Whether the lexer is inside a block comment (at the end: whether the text ends in one).
    in_comment: bool,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str, in_comment: bool) -> Lexer<'a> {
        Lexer {
            s,
            i: 0,
            in_comment,
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Range;

    fn next(&mut self) -> Option<Range> {
        let s = self.s;
        let b = s.as_bytes();
        let n = b.len();
        let mut i = self.i;
        if i >= n {
            return None;
        }
        let start = i;
        if self.in_comment {
            match s.get(i..).and_then(|r| r.find("*/")) {
                Some(j) => {
                    i += j + 2;
                    self.in_comment = false;
                }
                None => i = n,
            }
            self.i = i;
            return Some((Kind::Comment, start, i));
        }
        let c = b[i];
        let next = b.get(i + 1).copied();
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => {
                while i < n && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
                    i += 1;
                }
                Kind::Ws
            }
            b'/' if next == Some(b'/') => {
                i = n;
                Kind::Comment
            }
            b'/' if next == Some(b'*') => {
                match s[i + 2..].find("*/") {
                    Some(j) => i += 2 + j + 2,
                    None => {
                        i = n;
                        self.in_comment = true;
                    }
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                while i < n {
                    match b[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                i = i.min(n);
                Kind::Str
            }
            b'0'..=b'9' => {
                i = scan_number(b, i);
                Kind::Number
            }
            b'.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                i = scan_number(b, i);
                Kind::Number
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            _ => {
                let rest = &s[i..];
                i += if rest.starts_with("...") {
                    3
                } else if [
                    "##", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "->", "::",
                ]
                .iter()
                .any(|op| rest.starts_with(op))
                {
                    2
                } else {
                    rest.chars().next().map_or(1, char::len_utf8)
                };
                Kind::Punct
            }
        };
        self.i = i;
        Some((kind, start, i))
    }
}

/// Appends the tokens of `s` to `out`; `in_comment` is the block-comment state before and after.
fn lex(s: &str, in_comment: &mut bool, out: &mut Vec<Range>) {
    let mut lx = Lexer::new(s, *in_comment);
    out.extend(&mut lx);
    *in_comment = lx.in_comment;
}

fn scan_number(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
        i += 1;
    }
    i
}

fn is_blank(k: Kind) -> bool {
    matches!(k, Kind::Ws | Kind::Comment | Kind::Mark)
}

fn lex_str(s: &str) -> Vec<Range> {
    let mut out = Vec::new();
    let mut ic = false;
    lex(s, &mut ic, &mut out);
    out
}

/// Whether `s`, starting inside a block comment or not, ends inside one.
fn ends_in_comment(s: &str, in_comment: bool) -> bool {
    let mut lx = Lexer::new(s, in_comment);
    lx.by_ref().for_each(drop);
    lx.in_comment
}

/// Whether `s` has anything but whitespace and comments.
fn has_tokens(s: &str) -> bool {
    lex_str(s).iter().any(|t| !is_blank(t.0))
}

/// If the line is a directive, the offset just after its `#`.
fn directive_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | 0x0b | 0x0c | b'\r') {
            i += 1;
        }
        if line[i..].starts_with("/*") {
            let close = line[i + 2..].find("*/")?;
            i += 2 + close + 2;
            continue;
        }
        break;
    }
    (b.get(i) == Some(&b'#') && b.get(i + 1) != Some(&b'#')).then_some(i + 1)
}

// ---------------------------------------------------------------------------------------------
// Tokens, macros and expansion
// ---------------------------------------------------------------------------------------------

/// The set of macros a token must not be expanded by: a linked list of names.
type Hide = Option<Rc<HideNode>>;

#[derive(Debug)]
struct HideNode {
    name: Rc<str>,
    next: Hide,
}

#[derive(Clone, Debug)]
struct Tok {
    kind: Kind,
    text: Rc<str>,
    hide: Hide,
}

impl Tok {
    fn new(kind: Kind, text: &str) -> Tok {
        Tok {
            kind,
            text: Rc::from(text),
            hide: None,
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        self.kind == Kind::Punct && &*self.text == p
    }
}

fn toks_from(s: &str, ranges: &[Range]) -> Vec<Tok> {
    ranges
        .iter()
        .filter_map(|&(k, a, b)| s.get(a..b).map(|t| Tok::new(k, t)))
        .collect()
}

#[derive(Debug)]
struct Macro {
    name: Rc<str>,
    /// `None` for object-like macros. A variadic macro's last parameter is `__VA_ARGS__`.
    params: Option<Vec<Rc<str>>>,
    variadic: bool,
    body: Vec<Tok>,
    /// For each body token, the index of the parameter it names (function-like macros).
    body_param: Vec<Option<usize>>,
}

impl Macro {
    fn same_definition(&self, other: &Macro) -> bool {
        self.params == other.params
            && self.variadic == other.variadic
            && self.body.len() == other.body.len()
            && self
                .body
                .iter()
                .zip(&other.body)
                .all(|(a, b)| a.kind == b.kind && a.text == b.text)
    }
}

/// Parses the part of a `#define` after the directive name.
fn parse_define(rest: &str) -> Result<Macro, String> {
    let rg = lex_str(rest);
    let text = |i: usize| {
        rg.get(i)
            .and_then(|&(_, a, b)| rest.get(a..b))
            .unwrap_or("")
    };
    let skip_ws = |mut i: usize| {
        while rg.get(i).is_some_and(|t| is_blank(t.0)) {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    let Some(&(kind, _, _)) = rg.get(i) else {
        return Err("no macro name given in #define directive".into());
    };
    if kind != Kind::Ident {
        return Err("macro names must be identifiers".into());
    }
    let name = text(i);
    if name == "defined" {
        return Err("\"defined\" cannot be used as a macro name".into());
    }
    i += 1;
    let mut params = None;
    let mut variadic = false;
    if rg.get(i).is_some_and(|t| t.0 == Kind::Punct) && text(i) == "(" {
        let mut ps: Vec<Rc<str>> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        i += 1;
        loop {
            i = skip_ws(i);
            let Some(&(k, _, _)) = rg.get(i) else {
                return Err("missing ')' in macro parameter list".into());
            };
            let t = text(i);
            if k == Kind::Punct && t == ")" && ps.is_empty() {
                i += 1;
                break;
            }
            if k == Kind::Ident {
                if t == "__VA_ARGS__" {
                    return Err("__VA_ARGS__ can only be used in a variadic macro".into());
                }
                if !seen.insert(t) {
                    return Err(format!("duplicate macro parameter '{t}'"));
                }
                ps.push(Rc::from(t));
            } else if k == Kind::Punct && t == "..." {
                variadic = true;
                ps.push(Rc::from("__VA_ARGS__"));
            } else {
                return Err(format!(
                    "expected parameter name in macro parameter list, found '{t}'"
                ));
            }
            i = skip_ws(i + 1);
            match (rg.get(i).map(|t| t.0), text(i)) {
                (Some(Kind::Punct), ")") => {
                    i += 1;
                    break;
                }
                (Some(Kind::Punct), ",") if !variadic => i += 1,
                _ => return Err("expected ',' or ')' in macro parameter list".into()),
            }
        }
        params = Some(ps);
    }
    let mut body: Vec<Tok> = Vec::new();
    for &(k, a, b) in rg.get(i..).unwrap_or(&[]) {
        if is_blank(k) {
            if body.last().is_some_and(|t| t.kind != Kind::Ws) {
                body.push(Tok::new(Kind::Ws, " "));
            }
        } else {
            body.push(Tok::new(k, rest.get(a..b).unwrap_or("")));
        }
    }
    while body.last().is_some_and(|t| t.kind == Kind::Ws) {
        body.pop();
    }
    let index: HashMap<&str, usize> = params
        .iter()
        .flatten()
        .enumerate()
        .map(|(k, p)| (&**p, k))
        .collect();
    let body_param = body
        .iter()
        .map(|t| {
            (t.kind == Kind::Ident)
                .then(|| index.get(&*t.text).copied())
                .flatten()
        })
        .collect();
    Ok(Macro {
        name: Rc::from(name),
        params,
        variadic,
        body,
        body_param,
    })
}

/// Tokens to expand: a queue (expansion results, lookahead) in front of a lazy source.
struct TokStream<'s> {
    q: VecDeque<Tok>,
    src: &'s mut dyn Iterator<Item = Tok>,
}

impl TokStream<'_> {
    fn get(&mut self, k: usize) -> Option<&Tok> {
        while self.q.len() <= k {
            let t = self.src.next()?;
            self.q.push_back(t);
        }
        self.q.get(k)
    }

    fn pop(&mut self) -> Option<Tok> {
        self.q.pop_front().or_else(|| self.src.next())
    }
}

/// Where expanded tokens go.
trait Sink {
    fn put(&mut self, t: Tok);
    /// Current output offset, for diagnostics (text sinks only).
    fn offset(&self) -> Option<usize> {
        None
    }
}

impl Sink for Vec<Tok> {
    fn put(&mut self, t: Tok) {
        self.push(t);
    }
}

/// Writes tokens back as text, adding a space where an expansion boundary would otherwise glue
/// two tokens into one.
#[derive(Default)]
struct Renderer {
    s: String,
    boundary: bool,
}

impl Sink for Renderer {
    fn put(&mut self, t: Tok) {
        if t.kind == Kind::Mark {
            self.boundary = true;
            return;
        }
        if t.text.is_empty() {
            return;
        }
        if self.boundary {
            if let (Some(a), Some(b)) = (self.s.chars().next_back(), t.text.chars().next()) {
                if would_paste(a, b) {
                    self.s.push(' ');
                }
            }
            self.boundary = false;
        }
        self.s.push_str(&t.text);
    }

    fn offset(&self) -> Option<usize> {
        Some(self.s.len())
    }
}

fn render(toks: Vec<Tok>) -> String {
    let mut r = Renderer::default();
    for t in toks {
        r.put(t);
    }
    r.s
}

/// Expands macros in token streams, within a work budget.
struct Expander<'m> {
    macros: &'m HashMap<String, Rc<Macro>>,
    total: &'m mut u64,
    line_work: u64,
    stopped: bool,
    /// Output offset (in the line being built) of the invocation being expanded.
    cur_off: usize,
    errors: Vec<(usize, String)>,
    /// Shared empty text for marker tokens.
    empty: Rc<str>,
}

impl Expander<'_> {
    fn mark(&self) -> Tok {
        Tok {
            kind: Kind::Mark,
            text: Rc::clone(&self.empty),
            hide: None,
        }
    }

    fn error(&mut self, msg: String) {
        self.errors.push((self.cur_off, msg));
    }

    /// Takes `units` of work from the budgets; on exhaustion stops expanding and reports it.
    fn charge(&mut self, units: u64) -> bool {
        if self.stopped {
            return false;
        }
        if units > *self.total {
            *self.total = 0;
            self.stopped = true;
            self.error(
                "macro expansion limit for this compilation unit exceeded; \
                 macros are no longer expanded"
                    .into(),
            );
            return false;
        }
        if units > self.line_work {
            self.stopped = true;
            self.error("macro expansion too large on this line; expansion stopped".into());
            return false;
        }
        *self.total -= units;
        self.line_work -= units;
        true
    }

    fn is_hidden(&mut self, hide: &Hide, name: &str) -> bool {
        let mut cur = hide.as_deref();
        let mut steps = 0u64;
        let mut found = false;
        while let Some(node) = cur {
            steps += 1;
            if &*node.name == name {
                found = true;
                break;
            }
            cur = node.next.as_deref();
        }
        // Walking the list is cheap; charge a quarter step per node. A token whose budget ran
        // out is treated as hidden: it is output unexpanded.
        !self.charge(steps / 4) || found
    }

    /// Fully expands `ts` into `sink`. `depth` counts argument pre-expansion nesting.
    fn expand(&mut self, ts: &mut TokStream<'_>, depth: usize, sink: &mut dyn Sink) {
        let macros = self.macros;
        while let Some(tok) = ts.pop() {
            if let Some(off) = sink.offset() {
                self.cur_off = off;
            }
            let m = if self.stopped || tok.kind != Kind::Ident {
                None
            } else {
                macros.get(&*tok.text)
            };
            let Some(m) = m else {
                sink.put(tok);
                continue;
            };
            let expansion = if self.is_hidden(&tok.hide, &m.name) {
                None
            } else {
                match &m.params {
                    None => self
                        .charge(1)
                        .then(|| self.substitute(m, &tok.hide, &[], depth)),
                    Some(params) => self.invoke(m, params.len(), &tok, ts, depth),
                }
            };
            match expansion {
                Some(res) => {
                    ts.q.push_front(self.mark());
                    for t in res.into_iter().rev() {
                        ts.q.push_front(t);
                    }
                    ts.q.push_front(self.mark());
                }
                None => sink.put(tok),
            }
        }
    }

    fn expand_vec(&mut self, toks: Vec<Tok>, depth: usize) -> Vec<Tok> {
        let mut src = toks.into_iter();
        let mut ts = TokStream {
            q: VecDeque::new(),
            src: &mut src,
        };
        let mut out = Vec::new();
        self.expand(&mut ts, depth, &mut out);
        out
    }

    /// Expands a function-like macro whose name `tok` was just taken from `q`. Returns `None`
    /// when it is not invoked (no `(` follows) or the invocation is invalid.
    fn invoke(
        &mut self,
        m: &Macro,
        nparams: usize,
        tok: &Tok,
        ts: &mut TokStream<'_>,
        depth: usize,
    ) -> Option<Vec<Tok>> {
        let mut j = 0;
        while ts.get(j).is_some_and(|t| is_blank(t.kind)) {
            j += 1;
        }
        if !ts.get(j).is_some_and(|t| t.is_punct("(")) {
            return None;
        }
        let mut args: Vec<Vec<Tok>> = vec![Vec::new()];
        let mut level = 0usize;
        let mut end = None;
        let mut k = j + 1;
        while let Some(t) = ts.get(k) {
            if t.kind == Kind::Punct {
                match &*t.text {
                    "(" => level += 1,
                    ")" if level == 0 => {
                        end = Some(k);
                        break;
                    }
                    ")" => level -= 1,
                    // A variadic macro's last argument takes the remaining commas.
                    "," if level == 0 && !(m.variadic && args.len() >= nparams) => {
                        args.push(Vec::new());
                        k += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            if let Some(a) = args.last_mut() {
                a.push(t.clone());
            }
            k += 1;
        }
        if !self.charge((k - j + 1) as u64) {
            return None;
        }
        let Some(end) = end else {
            self.error(format!(
                "unterminated argument list invoking macro '{}' (a macro invocation must end \
                 on the line where it starts)",
                m.name
            ));
            self.stopped = true;
            return None;
        };
        for a in &mut args {
            trim_blank(a);
        }
        if nparams == 0 && args.len() == 1 && args[0].is_empty() {
            args.clear();
        }
        if m.variadic && args.len() + 1 == nparams {
            args.push(Vec::new());
        }
        if args.len() != nparams {
            let expected = if m.variadic {
                format!("at least {}", nparams - 1)
            } else {
                nparams.to_string()
            };
            self.error(format!(
                "macro '{}' expects {} argument(s), but {} given",
                m.name,
                expected,
                args.len()
            ));
            return None;
        }
        let consumed: Vec<Tok> = ts.q.drain(..=end).collect();
        let res = self.substitute(m, &tok.hide, &args, depth);
        if self.stopped {
            // Give back the invocation unexpanded; the rest of the line is flushed as is.
            let mut orig = Vec::with_capacity(consumed.len() + 1);
            orig.push(tok.clone());
            orig.extend(consumed);
            return Some(orig);
        }
        Some(res)
    }

    /// The replacement list of `m` with arguments substituted, `#` and `##` applied, and hide
    /// sets extended by `m`.
    fn substitute(&mut self, m: &Macro, hide: &Hide, args: &[Vec<Tok>], depth: usize) -> Vec<Tok> {
        let is_fn = m.params.is_some();
        let param_index = |k: usize| -> Option<usize> {
            m.body_param
                .get(k)
                .copied()
                .flatten()
                .filter(|&p| p < args.len())
        };
        let body = &m.body;
        let next_sig = |i: usize| (i + 1..body.len()).find(|&k| body[k].kind != Kind::Ws);
        let raw_arg = |p: usize| -> Vec<Tok> {
            if args[p].is_empty() {
                vec![Tok::new(Kind::Place, "")]
            } else {
                args[p].clone()
            }
        };
        let mut expanded: Vec<Option<Vec<Tok>>> = vec![None; args.len()];
        let mut res: Vec<Tok> = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if is_fn && t.is_punct("#") {
                if let Some(k) = next_sig(i) {
                    if let Some(p) = param_index(k) {
                        res.push(stringize(&args[p]));
                        i = k + 1;
                        continue;
                    }
                }
            }
            if t.is_punct("##") {
                if let Some(k) = next_sig(i) {
                    while res.last().is_some_and(|t| t.kind == Kind::Ws) {
                        res.pop();
                    }
                    if let Some(lhs) = res.pop() {
                        let rhs = match param_index(k) {
                            Some(p) => raw_arg(p),
                            None => vec![body[k].clone()],
                        };
                        paste(lhs, rhs, &mut res);
                        i = k + 1;
                        continue;
                    }
                }
            }
            if let Some(p) = param_index(i) {
                if next_sig(i).is_some_and(|k| body[k].is_punct("##")) {
                    res.extend(raw_arg(p));
                } else {
                    if expanded[p].is_none() {
                        let e = if depth + 1 > MAX_ARG_DEPTH {
                            self.error(format!(
                                "macro invocations nested too deeply in arguments (more than \
                                 {MAX_ARG_DEPTH} levels)"
                            ));
                            self.stopped = true;
                            args[p].clone()
                        } else {
                            self.expand_vec(args[p].clone(), depth + 1)
                        };
                        expanded[p] = Some(e);
                    }
                    res.extend(expanded[p].iter().flatten().cloned());
                }
                i += 1;
                continue;
            }
            res.push(t.clone());
            i += 1;
        }
        res.retain(|t| t.kind != Kind::Place);
        let hs: Hide = Some(Rc::new(HideNode {
            name: Rc::clone(&m.name),
            next: hide.clone(),
        }));
        let mut cost = 0u64;
        for t in &mut res {
            cost += 1 + (t.text.len() / 4) as u64;
            t.hide = match t.hide.take() {
                None => hs.clone(),
                Some(h) => Some(Rc::new(HideNode {
                    name: Rc::clone(&m.name),
                    next: Some(h),
                })),
            };
        }
        self.charge(cost);
        res
    }
}

fn trim_blank(toks: &mut Vec<Tok>) {
    while toks.last().is_some_and(|t| is_blank(t.kind)) {
        toks.pop();
    }
    let lead = toks.iter().take_while(|t| is_blank(t.kind)).count();
    toks.drain(..lead);
}

/// `#arg`: the argument's spelling as a string literal.
fn stringize(arg: &[Tok]) -> Tok {
    let mut s = String::from("\"");
    let mut space = false;
    for t in arg {
        match t.kind {
            Kind::Ws | Kind::Comment => space = true,
            Kind::Mark | Kind::Place => {}
            _ => {
                if space && s.len() > 1 {
                    s.push(' ');
                }
                space = false;
                if t.kind == Kind::Str {
                    for c in t.text.chars() {
                        if c == '"' || c == '\\' {
                            s.push('\\');
                        }
                        s.push(c);
                    }
                } else {
                    s.push_str(&t.text);
                }
            }
        }
    }
    s.push('"');
    Tok::new(Kind::Str, &s)
}

/// `lhs ## rhs`: joins the last token of the left side with the first of the right.
fn paste(lhs: Tok, rhs: Vec<Tok>, res: &mut Vec<Tok>) {
    let mut rhs = rhs.into_iter();
    match rhs.next() {
        None => res.push(lhs),
        Some(r) if lhs.kind == Kind::Place => res.push(r),
        Some(r) if r.kind == Kind::Place => res.push(lhs),
        Some(r) => {
            let text = format!("{}{}", lhs.text, r.text);
            res.extend(toks_from(&text, &lex_str(&text)));
        }
    }
    res.extend(rhs);
}

/// Whether two characters would lex as one token when written next to each other.
fn would_paste(a: char, b: char) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let op = |c: char| "+-*/%<>=!&|^.#:".contains(c);
    (word(a) && word(b)) || (op(a) && op(b))
}

// ---------------------------------------------------------------------------------------------
// #if expressions
// ---------------------------------------------------------------------------------------------

fn parse_int(s: &str) -> Result<i64, String> {
    let t = s.trim_end_matches(['u', 'U', 'l', 'L']);
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("invalid integer constant '{s}' in #if expression"));
    }
    u64::from_str_radix(digits, radix)
        .map(|v| v as i64)
        .map_err(|_| format!("integer constant '{s}' is too large"))
}

fn binop_prec(op: &str) -> Option<u8> {
    Some(match op {
        "*" | "/" | "%" => 10,
        "+" | "-" => 9,
        "<<" | ">>" => 8,
        "<" | "<=" | ">" | ">=" => 7,
        "==" | "!=" => 6,
        "&" => 5,
        "^" => 4,
        "|" => 3,
        "&&" => 2,
        "||" => 1,
        _ => return None,
    })
}

fn shift_left(a: i64, b: i64) -> i64 {
    if b < 0 {
        shift_right(a, b.saturating_neg())
    } else if b >= 64 {
        0
    } else {
        a.wrapping_shl(b as u32)
    }
}

fn shift_right(a: i64, b: i64) -> i64 {
    if b < 0 {
        shift_left(a, b.saturating_neg())
    } else if b >= 64 {
        if a < 0 {
            -1
        } else {
            0
        }
    } else {
        a >> b
    }
}

fn apply_binop(op: &str, a: i64, b: i64, live: bool) -> Result<i64, String> {
    Ok(match op {
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => {
            if live {
                return Err("division by zero in #if expression".into());
            }
            0
        }
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "<<" => shift_left(a, b),
        ">>" => shift_right(a, b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "&" => a & b,
        "^" => a ^ b,
        "|" => a | b,
        "&&" => i64::from(a != 0 && b != 0),
        "||" => i64::from(a != 0 || b != 0),
        _ => return Err(format!("unknown operator '{op}' in #if expression")),
    })
}

/// Evaluates a fully expanded `#if` expression (identifiers left in it are 0).
struct ExprParser<'t> {
    toks: &'t [Tok],
    pos: usize,
    depth: usize,
}

impl<'t> ExprParser<'t> {
    fn peek_punct(&self) -> Option<&'t str> {
        let toks: &'t [Tok] = self.toks;
        toks.get(self.pos)
            .filter(|t| t.kind == Kind::Punct)
            .map(|t| &*t.text)
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            Err(format!(
                "#if expression nested too deeply (more than {MAX_EXPR_DEPTH} levels)"
            ))
        } else {
            Ok(())
        }
    }

    fn cond(&mut self, live: bool) -> Result<i64, String> {
        let c = self.binary(1, live)?;
        if self.peek_punct() != Some("?") {
            return Ok(c);
        }
        self.pos += 1;
        self.enter()?;
        let a = self.cond(live && c != 0)?;
        if self.peek_punct() != Some(":") {
            return Err("expected ':' in #if expression".into());
        }
        self.pos += 1;
        let b = self.cond(live && c == 0)?;
        self.depth -= 1;
        Ok(if c != 0 { a } else { b })
    }

    fn binary(&mut self, min: u8, live: bool) -> Result<i64, String> {
        let mut lhs = self.unary(live)?;
        while let Some(op) = self.peek_punct() {
            let Some(prec) = binop_prec(op) else { break };
            if prec < min {
                break;
            }
            self.pos += 1;
            let rhs_live = match op {
                "&&" => live && lhs != 0,
                "||" => live && lhs == 0,
                _ => live,
            };
            let rhs = self.binary(prec + 1, rhs_live)?;
            lhs = apply_binop(op, lhs, rhs, live)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self, live: bool) -> Result<i64, String> {
        let toks: &'t [Tok] = self.toks;
        let Some(t) = toks.get(self.pos) else {
            return Err("#if expression ends unexpectedly".into());
        };
        self.pos += 1;
        match t.kind {
            Kind::Number => parse_int(&t.text),
            Kind::Ident => Ok(0),
            Kind::Punct => {
                let op = &*t.text;
                self.enter()?;
                let v = match op {
                    "(" => {
                        let v = self.cond(live)?;
                        if self.peek_punct() != Some(")") {
                            return Err("missing ')' in #if expression".into());
                        }
                        self.pos += 1;
                        v
                    }
                    "!" => i64::from(self.unary(live)? == 0),
                    "~" => !self.unary(live)?,
                    "-" => self.unary(live)?.wrapping_neg(),
                    "+" => self.unary(live)?,
                    _ => {
                        return Err(format!(
                            "token '{op}' is not valid in preprocessor expressions"
                        ))
                    }
                };
                self.depth -= 1;
                Ok(v)
            }
            _ => Err(format!(
                "token '{}' is not valid in preprocessor expressions",
                t.text
            )),
        }
    }
}

fn eval_tokens(toks: &[Tok]) -> Result<i64, String> {
    if toks.is_empty() {
        return Err("#if with no expression".into());
    }
    let mut p = ExprParser {
        toks,
        pos: 0,
        depth: 0,
    };
    let v = p.cond(true)?;
    match toks.get(p.pos) {
        None => Ok(v),
        Some(t) => Err(format!(
            "missing binary operator before token '{}' in #if expression",
            t.text
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

struct Cond {
    /// Whether lines in the current branch are kept.
    active: bool,
    /// Whether the enclosing region is kept.
    parent_active: bool,
    /// Whether some branch was already taken (or none may be).
    taken: bool,
    seen_else: bool,
    /// The opening directive, for "missing #endif".
    span: Span,
}

/// Include-guard detection for a file: `#ifndef G` as the first thing, `#endif` as the last.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Guard {
    Unknown,
    Open(String),
    Closed(String),
    No,
}

struct Frame {
    file: FileId,
    /// Normalised path (or `<builtin>/name`), for cycle detection and file identity.
    key: String,
    /// Directory for quoted includes; `None` for built-in files.
    dir: Option<PathBuf>,
    text: Arc<str>,
    pos: usize,
    /// Physical lines consumed so far.
    line: u32,
    in_comment: bool,
    conds: Vec<Cond>,
    guard: Guard,
}

impl Frame {
    fn active(&self) -> bool {
        self.conds.last().is_none_or(|c| c.active)
    }
}

/// A logical line: physical lines joined at backslash-newline.
struct Logical<'a> {
    text: Cow<'a, str>,
    first_line: u32,
    count: u32,
}

fn next_physical<'a>(text: &'a str, pos: &mut usize) -> Option<&'a str> {
    let rest = text.get(*pos..).filter(|r| !r.is_empty())?;
    let (line, adv) = match rest.find('\n') {
        Some(i) => (&rest[..i], i + 1),
        None => (rest, rest.len()),
    };
    *pos += adv;
    Some(line.strip_suffix('\r').unwrap_or(line))
}

fn read_logical<'a>(text: &'a str, pos: &mut usize, line: &mut u32) -> Option<Logical<'a>> {
    let first = next_physical(text, pos)?;
    *line = line.saturating_add(1);
    let first_line = *line;
    let Some(head) = first.strip_suffix('\\') else {
        return Some(Logical {
            text: Cow::Borrowed(first),
            first_line,
            count: 1,
        });
    };
    let mut buf = head.to_string();
    let mut count = 1u32;
    while let Some(l) = next_physical(text, pos) {
        *line = line.saturating_add(1);
        count = count.saturating_add(1);
        match l.strip_suffix('\\') {
            Some(h) => buf.push_str(h),
            None => {
                buf.push_str(l);
                break;
            }
        }
    }
    Some(Logical {
        text: Cow::Owned(buf),
        first_line,
        count,
    })
}

/// A resolved include file.
struct Found {
    key: String,
    dir: Option<PathBuf>,
    /// The text, unless the file is already registered in the source map.
    text: Option<String>,
}

struct Pp<'a> {
    opts: &'a PreprocessOptions,
    loader: &'a dyn SourceLoader,
    sm: SourceMap,
    diags: Diagnostics,
    macros: HashMap<String, Rc<Macro>>,
    stack: Vec<Frame>,
    file_ids: HashMap<String, FileId>,
    /// Files with `#pragma once`.
    once: HashSet<String>,
    /// Files completely wrapped in an include guard, with the guard macro.
    guarded: HashMap<String, String>,
    work_left: u64,
    includes: usize,
    total_input: usize,
}

impl<'a> Pp<'a> {
    fn new(opts: &'a PreprocessOptions, loader: &'a dyn SourceLoader) -> Pp<'a> {
        Pp {
            opts,
            loader,
            sm: SourceMap::default(),
            diags: Diagnostics::default(),
            macros: HashMap::new(),
            stack: Vec::new(),
            file_ids: HashMap::new(),
            once: HashSet::new(),
            guarded: HashMap::new(),
            work_left: TOTAL_WORK_LIMIT,
            includes: 0,
            total_input: 0,
        }
    }

    fn run(&mut self, key: String, dir: PathBuf, text: &str) {
        let id = self.sm.add_file(&key, text);
        self.file_ids.insert(key.clone(), id);
        for (name, value) in &self.opts.defines {
            let def = format!("{name} {value}").replace(['\n', '\r'], " ");
            match parse_define(&def) {
                Ok(m) => {
                    self.macros.insert(m.name.to_string(), Rc::new(m));
                }
                Err(msg) => self.diags.error(
                    Span::DUMMY,
                    format!("invalid predefined macro '{name}': {msg}"),
                ),
            }
        }
        self.total_input = text.len();
        self.push_frame(id, key, Some(dir));
        while !self.stack.is_empty() {
            if !self.step() {
                self.finish_frame();
            }
        }
    }

    fn push_frame(&mut self, file: FileId, key: String, dir: Option<PathBuf>) {
        let text = self
            .sm
            .file_texts
            .get(file as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""));
        self.stack.push(Frame {
            file,
            key,
            dir,
            text,
            pos: 0,
            line: 0,
            in_comment: false,
            conds: Vec::new(),
            guard: Guard::Unknown,
        });
    }

    /// Appends one output line and returns its span.
    fn push(&mut self, text: &str, file: FileId, line: u32) -> Span {
        let lo = self.sm.text.len();
        self.sm.push_line(text, file, line);
        let hi = self.sm.text.len().saturating_sub(1).max(lo);
        Span::new(lo, hi)
    }

    fn push_empty(&mut self, file: FileId, first_line: u32, count: u32) -> Span {
        let span = self.push("", file, first_line);
        for k in 1..count {
            self.push("", file, first_line.saturating_add(k));
        }
        span
    }

    /// Processes one logical line of the innermost file; `false` at its end.
    fn step(&mut self) -> bool {
        let Some(frame) = self.stack.last_mut() else {
            return false;
        };
        let text = Arc::clone(&frame.text);
        let file = frame.file;
        let Some(logical) = read_logical(&text, &mut frame.pos, &mut frame.line) else {
            return false;
        };
        let hash = if frame.in_comment {
            None
        } else {
            directive_start(&logical.text)
        };
        match hash {
            Some(h) => self.directive_line(logical, h, &text, file),
            None => self.normal_line(logical, file),
        }
        true
    }

    fn directive_line(&mut self, logical: Logical<'_>, hash: usize, text: &str, file: FileId) {
        let mut dtext = logical.text;
        let mut count = logical.count;
        let mut in_comment = ends_in_comment(&dtext, false);
        // A block comment that starts in a directive is part of it (it is whitespace).
        let mut unterminated = false;
        while in_comment {
            let Some(frame) = self.stack.last_mut() else {
                break;
            };
            match read_logical(text, &mut frame.pos, &mut frame.line) {
                None => {
                    unterminated = true;
                    break;
                }
                Some(l) => {
                    count = count.saturating_add(l.count);
                    in_comment = ends_in_comment(&l.text, true);
                    let d = dtext.to_mut();
                    d.push('\n');
                    d.push_str(&l.text);
                }
            }
        }
        let span = self.push_empty(file, logical.first_line, count);
        if unterminated {
            self.diags.error(span, "unterminated comment");
        }
        self.directive(dtext.get(hash..).unwrap_or(""), span);
    }

    fn normal_line(&mut self, logical: Logical<'_>, file: FileId) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let active = frame.active();
        let start_in_comment = frame.in_comment;
        let line = &*logical.text;
        let mut lx = Lexer::new(line, start_in_comment);
        if !active {
            lx.by_ref().for_each(drop);
            frame.in_comment = lx.in_comment;
            self.push_empty(file, logical.first_line, logical.count);
            return;
        }
        let mut significant = false;
        let mut needs_expansion = false;
        let may_expand = self.work_left > 0 && !self.macros.is_empty();
        for (k, a, b) in lx.by_ref() {
            significant |= !is_blank(k);
            needs_expansion |= may_expand
                && k == Kind::Ident
                && line.get(a..b).is_some_and(|n| self.macros.contains_key(n));
        }
        frame.in_comment = lx.in_comment;
        if significant && matches!(frame.guard, Guard::Unknown | Guard::Closed(_)) {
            frame.guard = Guard::No;
        }
        if needs_expansion {
            let (text, errors) = self.expand_text(line, start_in_comment);
            let span = self.push(&text, file, logical.first_line);
            for (off, msg) in errors {
                let lo = (span.lo as usize + off).min(span.hi as usize);
                self.diags.error(Span::new(lo, lo + 1), msg);
            }
        } else {
            self.push(line, file, logical.first_line);
        }
        if logical.count > 1 {
            self.push_empty(
                file,
                logical.first_line.saturating_add(1),
                logical.count - 1,
            );
        }
    }

    fn expander(&mut self, line_work: u64) -> Expander<'_> {
        Expander {
            macros: &self.macros,
            total: &mut self.work_left,
            line_work,
            stopped: false,
            cur_off: 0,
            errors: Vec::new(),
            empty: Rc::from(""),
        }
    }

    /// Expands macros in a token list (directive operands).
    fn expand_line(&mut self, toks: Vec<Tok>) -> (Vec<Tok>, Vec<(usize, String)>) {
        let work = LINE_WORK_LIMIT.max(16 * toks.len() as u64);
        let mut ex = self.expander(work);
        let out = ex.expand_vec(toks, 0);
        (out, ex.errors)
    }

    /// Expands macros in a source line, lexing and rendering as it goes so that memory stays
    /// proportional to the line. Errors carry byte offsets into the result.
    fn expand_text(&mut self, line: &str, in_comment: bool) -> (String, Vec<(usize, String)>) {
        // Long lines get proportionally more: expanding every token of a line is fine.
        let work = LINE_WORK_LIMIT.max(8 * line.len() as u64);
        let mut ex = self.expander(work);
        let mut src =
            Lexer::new(line, in_comment).map(|(k, a, b)| Tok::new(k, line.get(a..b).unwrap_or("")));
        let mut ts = TokStream {
            q: VecDeque::new(),
            src: &mut src,
        };
        let mut out = Renderer::default();
        ex.expand(&mut ts, 0, &mut out);
        (out.s, ex.errors)
    }

    /// Ends the innermost file.
    fn finish_frame(&mut self) {
        let Some(f) = self.stack.pop() else {
            return;
        };
        if f.in_comment {
            let span = if f.active() {
                // Close the comment so that it does not swallow the including file.
                self.push("*/", f.file, f.line.max(1))
            } else {
                let len = self.sm.text.len().saturating_sub(1);
                Span::new(len, len)
            };
            self.diags.error(span, "unterminated comment");
        }
        for c in &f.conds {
            self.diags
                .error(c.span, "unterminated conditional directive: missing #endif");
        }
        if let Guard::Closed(g) = f.guard {
            self.guarded.insert(f.key, g);
        }
    }

    /// Handles a directive; `d` is its text after the `#`.
    fn directive(&mut self, d: &str, span: Span) {
        let rg = lex_str(d);
        let first = rg.iter().find(|t| !is_blank(t.0));
        let (name, rest) = match first {
            None => ("", ""),
            Some(&(Kind::Ident, a, b)) => (d.get(a..b).unwrap_or(""), d.get(b..).unwrap_or("")),
            Some(&(Kind::Number, _, _)) => ("#line-marker", ""),
            Some(&(_, a, b)) => ("#invalid", d.get(a..b).unwrap_or("")),
        };
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let active = frame.active();
        // Include-guard tracking: the guard must be the file's first and last directive.
        match &frame.guard {
            Guard::Unknown => {
                frame.guard = match (name, frame.conds.is_empty()) {
                    ("ifndef", true) => match ident_arg(rest) {
                        Some(g) => Guard::Open(g.to_string()),
                        None => Guard::No,
                    },
                    _ => Guard::No,
                };
            }
            Guard::Closed(_) => frame.guard = Guard::No,
            Guard::Open(_) if frame.conds.len() == 1 && matches!(name, "else" | "elif") => {
                frame.guard = Guard::No;
            }
            _ => {}
        }
        match name {
            "if" | "ifdef" | "ifndef" => self.open_cond(name, rest, span, active),
            "elif" => self.elif(rest, span),
            "else" => self.else_(rest, span),
            "endif" => self.endif(rest, span),
            _ if !active => {}
            "define" => match parse_define(rest) {
                Ok(m) => {
                    if let Some(old) = self.macros.get(&*m.name) {
                        if !old.same_definition(&m) {
                            self.diags.warning(span, format!("'{}' redefined", m.name));
                        }
                    }
                    self.macros.insert(m.name.to_string(), Rc::new(m));
                }
                Err(msg) => self.diags.error(span, msg),
            },
            "undef" => {
                if let Some(n) = self.macro_name_arg(rest, span, "#undef") {
                    self.macros.remove(&n);
                }
            }
            "include" => self.include(rest, span),
            "error" => self.diags.error(span, format!("#error {}", rest.trim())),
            "warning" => self
                .diags
                .warning(span, format!("#warning {}", rest.trim())),
            "pragma" => {
                if ident_arg(rest) == Some("once") {
                    if let Some(f) = self.stack.last() {
                        self.once.insert(f.key.clone());
                    }
                }
            }
            "line" | "#line-marker" | "" => {}
            "#invalid" => self.diags.error(
                span,
                format!("invalid preprocessing directive '#{}'", rest.trim()),
            ),
            _ => self
                .diags
                .error(span, format!("unknown preprocessor directive '#{name}'")),
        }
    }

    /// The identifier argument of `#ifdef`/`#ifndef`/`#undef`, with diagnostics.
    fn macro_name_arg(&mut self, rest: &str, span: Span, what: &str) -> Option<String> {
        let rg = lex_str(rest);
        let mut sig = rg.iter().filter(|t| !is_blank(t.0));
        match sig.next() {
            None => {
                self.diags
                    .error(span, format!("no macro name given in {what} directive"));
                None
            }
            Some(&(Kind::Ident, a, b)) => {
                if sig.next().is_some() {
                    self.diags
                        .warning(span, format!("extra tokens at end of {what} directive"));
                }
                rest.get(a..b).map(str::to_string)
            }
            Some(_) => {
                self.diags.error(span, "macro names must be identifiers");
                None
            }
        }
    }

    fn open_cond(&mut self, name: &str, rest: &str, span: Span, parent_active: bool) {
        let active = parent_active
            && match name {
                "ifdef" => self
                    .macro_name_arg(rest, span, "#ifdef")
                    .is_some_and(|n| self.macros.contains_key(&n)),
                "ifndef" => self
                    .macro_name_arg(rest, span, "#ifndef")
                    .is_some_and(|n| !self.macros.contains_key(&n)),
                _ => self.eval_if(rest, span),
            };
        if let Some(f) = self.stack.last_mut() {
            f.conds.push(Cond {
                active,
                parent_active,
                taken: active || !parent_active,
                seen_else: false,
                span,
            });
        }
    }

    fn elif(&mut self, rest: &str, span: Span) {
        let Some(c) = self.stack.last().and_then(|f| f.conds.last()) else {
            self.diags.error(span, "#elif without #if");
            return;
        };
        let (evaluate, seen_else) = (c.parent_active && !c.taken, c.seen_else);
        if seen_else {
            self.diags.error(span, "#elif after #else");
        }
        let v = evaluate && self.eval_if(rest, span);
        if let Some(c) = self.stack.last_mut().and_then(|f| f.conds.last_mut()) {
            c.active = v;
            c.taken |= v;
        }
    }

    fn else_(&mut self, rest: &str, span: Span) {
        let Some(c) = self.stack.last_mut().and_then(|f| f.conds.last_mut()) else {
            self.diags.error(span, "#else without #if");
            return;
        };
        let seen_else = c.seen_else;
        c.active = c.parent_active && !c.taken;
        c.taken = true;
        c.seen_else = true;
        let parent_active = c.parent_active;
        if seen_else {
            self.diags.error(span, "#else after #else");
        }
        if parent_active && has_tokens(rest) {
            self.diags
                .warning(span, "extra tokens at end of #else directive");
        }
    }

    fn endif(&mut self, rest: &str, span: Span) {
        let Some(f) = self.stack.last_mut() else {
            return;
        };
        let Some(c) = f.conds.pop() else {
            self.diags.error(span, "#endif without #if");
            return;
        };
        if f.conds.is_empty() {
            if let Guard::Open(g) = &f.guard {
                f.guard = Guard::Closed(g.clone());
            }
        }
        if c.parent_active && has_tokens(rest) {
            self.diags
                .warning(span, "extra tokens at end of #endif directive");
        }
    }

    /// Evaluates an `#if`/`#elif` condition; errors count as false.
    fn eval_if(&mut self, rest: &str, span: Span) -> bool {
        let rg = lex_str(rest);
        let toks: Vec<Tok> = toks_from(rest, &rg)
            .into_iter()
            .filter(|t| !is_blank(t.kind))
            .collect();
        let result = self.replace_defined(toks).and_then(|toks| {
            let (expanded, errors) = self.expand_line(toks);
            if let Some((_, msg)) = errors.into_iter().next() {
                return Err(msg);
            }
            let toks: Vec<Tok> = expanded.into_iter().filter(|t| !is_blank(t.kind)).collect();
            eval_tokens(&self.replace_defined(toks)?)
        });
        match result {
            Ok(v) => v != 0,
            Err(msg) => {
                self.diags.error(span, msg);
                false
            }
        }
    }

    /// Replaces `defined X` and `defined(X)` by `1` or `0`.
    fn replace_defined(&self, toks: Vec<Tok>) -> Result<Vec<Tok>, String> {
        let mut out = Vec::with_capacity(toks.len());
        let mut i = 0;
        while let Some(t) = toks.get(i) {
            if t.kind != Kind::Ident || &*t.text != "defined" {
                out.push(t.clone());
                i += 1;
                continue;
            }
            let (name, next) = match toks.get(i + 1) {
                Some(n) if n.kind == Kind::Ident => (&n.text, i + 2),
                Some(p) if p.is_punct("(") => match (toks.get(i + 2), toks.get(i + 3)) {
                    (Some(n), Some(c)) if n.kind == Kind::Ident && c.is_punct(")") => {
                        (&n.text, i + 4)
                    }
                    _ => return Err("missing ')' after \"defined\"".into()),
                },
                _ => return Err("operator \"defined\" requires an identifier".into()),
            };
            let v = if self.macros.contains_key(&**name) {
                "1"
            } else {
                "0"
            };
            out.push(Tok::new(Kind::Number, v));
            i = next;
        }
        Ok(out)
    }

    fn include(&mut self, rest: &str, span: Span) {
        let spec = parse_include_spec(rest).or_else(|| {
            // Computed include: expand macros and try again.
            let toks = toks_from(rest, &lex_str(rest));
            let (out, _) = self.expand_line(toks);
            let text = render(out);
            parse_include_spec(&text)
        });
        let Some((name, angled, extra)) = spec else {
            self.diags
                .error(span, "#include expects \"FILENAME\" or <FILENAME>");
            return;
        };
        if extra {
            self.diags
                .warning(span, "extra tokens at end of #include directive");
        }
        if name.is_empty() {
            self.diags.error(span, "empty filename in #include");
            return;
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.diags.error(
                span,
                format!(
                    "#include nested too deeply (more than {MAX_INCLUDE_DEPTH} levels) \
                     including '{name}'"
                ),
            );
            return;
        }
        let found = match self.resolve(&name, angled) {
            Ok(Some(f)) => f,
            Ok(None) => {
                self.diags
                    .error(span, format!("cannot find include file '{name}'"));
                return;
            }
            Err(msg) => {
                self.diags.error(span, msg);
                return;
            }
        };
        let key = found.key;
        if let Some(pos) = self.stack.iter().position(|f| f.key == key) {
            let open = &self.stack[pos];
            let harmless = self.once.contains(&key)
                || matches!(&open.guard, Guard::Open(g) | Guard::Closed(g)
                    if self.macros.contains_key(g));
            if !harmless {
                let chain: Vec<&str> = self.stack[pos..]
                    .iter()
                    .map(|f| f.key.as_str())
                    .chain([key.as_str()])
                    .collect();
                self.diags
                    .error(span, format!("include cycle: {}", chain.join(" -> ")));
            }
            return;
        }
        if self.once.contains(&key)
            || self
                .guarded
                .get(&key)
                .is_some_and(|g| self.macros.contains_key(g))
        {
            return;
        }
        self.includes += 1;
        if self.includes > MAX_INCLUDES {
            self.diags.error(
                span,
                format!("too many #include files (more than {MAX_INCLUDES})"),
            );
            return;
        }
        let id = match self.file_ids.get(&key) {
            Some(&id) => id,
            None => {
                let text = found.text.unwrap_or_default();
                let id = self.sm.add_file(&key, &text);
                self.file_ids.insert(key.clone(), id);
                id
            }
        };
        let len = self.sm.file_texts.get(id as usize).map_or(0, |t| t.len());
        self.total_input = self.total_input.saturating_add(len);
        if self.total_input > MAX_TOTAL_INPUT {
            self.diags.error(
                span,
                format!(
                    "preprocessor input too large (more than {MAX_TOTAL_INPUT} bytes in all \
                     included files)"
                ),
            );
            return;
        }
        self.push_frame(id, key, found.dir);
    }

    fn resolve(&self, name: &str, angled: bool) -> Result<Option<Found>, String> {
        // `None` stands for the built-in files.
        let mut candidates: Vec<Option<&Path>> = Vec::new();
        let current_dir = self.stack.last().map(|f| f.dir.as_deref());
        if angled {
            candidates.push(None);
        } else if let Some(dir) = current_dir {
            candidates.push(dir);
        }
        candidates.extend(self.opts.include_dirs.iter().map(|d| Some(d.as_path())));
        if !angled {
            candidates.push(None);
        }
        for cand in candidates {
            match cand {
                None => {
                    if let Some(text) = builtin_include(name) {
                        let key = format!("<builtin>/{name}");
                        let text = (!self.file_ids.contains_key(&key)).then(|| text.to_string());
                        return Ok(Some(Found {
                            key,
                            dir: None,
                            text,
                        }));
                    }
                }
                Some(dir) => {
                    let path = normalize_path(&dir.join(name));
                    let key = path.to_string_lossy().into_owned();
                    let dir = Some(path.parent().map(Path::to_path_buf).unwrap_or_default());
                    if self.file_ids.contains_key(&key) {
                        return Ok(Some(Found {
                            key,
                            dir,
                            text: None,
                        }));
                    }
                    match self.loader.load(&path) {
                        Ok(text) => {
                            return Ok(Some(Found {
                                key,
                                dir,
                                text: Some(text),
                            }))
                        }
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::NotFound
                                    | io::ErrorKind::IsADirectory
                                    | io::ErrorKind::NotADirectory
                            ) => {}
                        Err(e) => {
                            return Err(format!("cannot read include file '{key}': {e}"));
                        }
                    }
                }
            }
        }
        Ok(None)
    }
}

/// The first identifier of `rest`, if that is its first token.
fn ident_arg(rest: &str) -> Option<&str> {
    let rg = lex_str(rest);
    match rg.iter().find(|t| !is_blank(t.0)) {
        Some(&(Kind::Ident, a, b)) => rest.get(a..b),
        _ => None,
    }
}

/// Parses `"file"` or `<file>` at the start of `rest` (after blanks). Returns the name, whether
/// it was the `<>` form and whether tokens follow it.
fn parse_include_spec(rest: &str) -> Option<(String, bool, bool)> {
    let rg = lex_str(rest);
    let &(_, start, _) = rg.iter().find(|t| !is_blank(t.0))?;
    let s = rest.get(start..)?;
    let (close, angled) = match s.chars().next()? {
        '"' => ('"', false),
        '<' => ('>', true),
        _ => return None,
    };
    let body = &s[1..];
    let end = body.find(close)?;
    let name = body[..end].to_string();
    let extra = has_tokens(&body[end + 1..]);
    Some((name, angled, extra))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn opts() -> PreprocessOptions {
        PreprocessOptions::default()
    }

    fn pp(text: &str) -> (SourceMap, Diagnostics) {
        preprocess_str("main.p4", text, &opts(), &MemLoader::new())
    }

    fn pp_with(text: &str, loader: &MemLoader) -> (SourceMap, Diagnostics) {
        preprocess_str("main.p4", text, &opts(), loader)
    }

    /// The non-empty output lines, trimmed.
    fn code(sm: &SourceMap) -> Vec<String> {
        sm.text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn errors(d: &Diagnostics) -> Vec<String> {
        d.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.clone())
            .collect()
    }

    fn has_error(d: &Diagnostics, needle: &str) -> bool {
        errors(d).iter().any(|m| m.contains(needle))
    }

    /// Where `needle` ended up: (file, line).
    fn where_is(sm: &SourceMap, needle: &str) -> (String, u32) {
        let off = sm.text.find(needle).expect("needle in output");
        let loc = sm.locate(off as u32);
        (loc.file, loc.line)
    }

    #[test]
    fn plain_text_passes_through_line_for_line() {
        let src = "header h_t {\n  bit<8> f; // c\n}\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(sm.text, src);
        assert_eq!(sm.line_count(), 3);
    }

    #[test]
    fn object_macros_expand_in_code_only() {
        let src = "#define W 8\n#define T bit<W>\nT x; // W\nstring s = \"W\"; /* W */ W\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        let lines: Vec<&str> = sm.text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "bit<8> x; // W");
        assert_eq!(lines[3], "string s = \"W\"; /* W */ 8");
    }

    #[test]
    fn function_like_macros_with_nested_parens_and_rescanning() {
        let src = "#define ADD(a, b) ((a) + (b))\n\
                   #define TWICE(x) ADD(x, x)\n\
                   #define F G\n\
                   #define G(y) [y]\n\
                   TWICE(f(1, 2));\n\
                   F(3);\n\
                   ADD;\n\
                   ADD ( 1 , (2,3) );\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(
            code(&sm),
            vec![
                "((f(1, 2)) + (f(1, 2)));",
                "[3];",
                "ADD;",
                "((1) + ((2,3)));"
            ]
        );
    }

    #[test]
    fn self_referential_macros_do_not_loop() {
        let src =
            "#define X X + 1\n#define A B\n#define B A\n#define f(x) x f(x)\nX; A; B; f(2);\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["X + 1; A; B; 2 f(2);"]);
    }

    #[test]
    fn exponential_macros_are_bounded() {
        let mut src = String::from("#define M0 x x\n");
        for i in 1..40 {
            src.push_str(&format!("#define M{i} M{} M{}\n", i - 1, i - 1));
        }
        src.push_str("M39\nM39\nok\n");
        let (sm, d) = pp(&src);
        assert!(has_error(&d, "macro expansion"), "{:?}", errors(&d));
        assert!(sm.text.ends_with("ok\n"));
    }

    #[test]
    fn stringize_paste_and_variadic() {
        let src = "#define S(x) #x\n#define CAT(a, b) a ## b\n#define V(f, ...) f(__VA_ARGS__)\n\
                   S(hi \"q\");\nCAT(foo, bar); CAT(, z); CAT(1,);\nV(g, 1, 2, 3); V(h);\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(
            code(&sm),
            vec!["\"hi \\\"q\\\"\";", "foobar; z; 1;", "g(1, 2, 3); h();"]
        );
    }

    #[test]
    fn wrong_argument_count_is_an_error() {
        let (sm, d) = pp("#define F(a, b) a b\nF(1);\nF(1, 2, 3);\nF(1, 2);\nF(1,\n");
        assert_eq!(
            errors(&d)
                .iter()
                .filter(|m| m.contains("expects 2 argument"))
                .count(),
            2,
            "{:?}",
            errors(&d)
        );
        assert!(has_error(&d, "unterminated argument list"));
        assert!(sm.text.contains("1 2;"));
        // The error points at the line of the bad invocation.
        let bad = d
            .items
            .iter()
            .find(|x| x.message.contains("but 1 given"))
            .expect("arity error");
        assert_eq!(sm.locate(bad.span.lo).line, 2);
    }

    #[test]
    fn expansion_boundaries_do_not_glue_tokens() {
        let (sm, d) = pp("#define NEG -1\n#define ID(x) x\nx = -NEG; y = ID(a)ID(b);\n");
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["x = - -1; y = a b;"]);
    }

    #[test]
    fn nested_conditionals_and_defined() {
        let src = "#define A\n#ifdef A\n#ifndef B\none\n#else\ntwo\n#endif\n#if defined(B) || defined A\nthree\n#endif\n#else\nfour\n#endif\n#undef A\n#ifdef A\nfive\n#endif\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["one", "three"]);
        assert_eq!(sm.line_count(), src.lines().count());
        assert_eq!(where_is(&sm, "three").1, 9);
    }

    #[test]
    fn elif_chains() {
        let src = |v: u32| {
            format!(
                "#define V {v}\n#if V == 1\na\n#elif V == 2\nb\n#elif V == 3\nc\n#else\nd\n#endif\n#if 0\n#if 1\nx\n#elif 1\ny\n#else\nz\n#endif\n#endif\n"
            )
        };
        for (v, want) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
            let (sm, d) = pp(&src(v));
            assert!(d.items.is_empty(), "{:?}", d.items);
            assert_eq!(code(&sm), vec![want]);
        }
    }

    #[test]
    fn if_arithmetic() {
        let cases = [
            ("1 + 2 * 3 == 7", true),
            ("(1 + 2) * 3 == 9", true),
            ("0x10 == 16 && 010 == 8", true),
            ("-1 < 0 && ~0 == -1 && !0", true),
            ("1 << 4 == 16 && 256 >> 4 == 16", true),
            ("7 % 4 == 3 && 7 / 2 == 3", true),
            ("(5 & 3) == 1 && (5 | 3) == 7 && (5 ^ 3) == 6", true),
            ("1 ? 0 : 1", false),
            ("0 ? 0 : 2 > 1", true),
            ("UNKNOWN", false),
            ("UNKNOWN == 0", true),
            ("VERSION >= 20200408", true),
            ("0 && (1 / 0)", false),
            ("1 || (1 % 0)", true),
            ("2 >= 2 && 2 <= 2 && 3 > 2 && 2 != 3", true),
        ];
        for (expr, want) in cases {
            let src = format!("#define VERSION 20200408\n#if {expr}\nyes\n#else\nno\n#endif\n");
            let (sm, d) = pp(&src);
            assert!(d.items.is_empty(), "{expr}: {:?}", d.items);
            assert_eq!(code(&sm), vec![if want { "yes" } else { "no" }], "{expr}");
        }
        for (expr, msg) in [
            ("1 / 0", "division by zero"),
            ("5 % (2 - 2)", "division by zero"),
            ("", "no expression"),
            ("(1", "missing ')'"),
            ("1 2", "missing binary operator"),
            ("defined", "requires an identifier"),
            ("\"s\"", "not valid"),
            ("99999999999999999999999", "too large"),
        ] {
            let (sm, d) = pp(&format!("#if {expr}\nyes\n#endif\n"));
            assert!(has_error(&d, msg), "{expr}: {:?}", errors(&d));
            assert!(code(&sm).is_empty());
        }
    }

    #[test]
    fn unbalanced_conditionals() {
        let (_, d) = pp("#endif\n#else\n#elif 1\n");
        assert_eq!(
            errors(&d)
                .iter()
                .filter(|m| m.contains("without #if"))
                .count(),
            3
        );
        let (sm, d) = pp("a\n#if 1\nb\n#ifdef X\nc\n");
        let e: Vec<_> = d
            .items
            .iter()
            .filter(|x| x.message.contains("missing #endif"))
            .collect();
        assert_eq!(e.len(), 2);
        assert_eq!(sm.locate(e[0].span.lo).line, 2);
        assert_eq!(sm.locate(e[1].span.lo).line, 4);
        let (_, d) = pp("#if 1\n#else\n#else\n#elif 1\n#endif\n");
        assert!(has_error(&d, "#else after #else"));
        assert!(has_error(&d, "#elif after #else"));
        // A conditional may not end in another file.
        let l = MemLoader::new().with("a.p4", "#if 1\n");
        let (_, d) = pp_with("#include \"a.p4\"\n#endif\n", &l);
        assert!(has_error(&d, "missing #endif"));
        assert!(has_error(&d, "#endif without #if"));
    }

    #[test]
    fn includes_quoted_angled_relative_and_include_dirs() {
        let l = MemLoader::new()
            .with(
                "src/main.p4",
                "#include \"lib/a.p4\"\n#include <b.p4>\nmain\n",
            )
            .with("src/lib/a.p4", "a1\n#include \"c.p4\"\n")
            .with("src/lib/c.p4", "c_in_lib\n")
            .with("inc/b.p4", "b1\n#include \"c.p4\"\n")
            .with("inc/c.p4", "c_in_inc\n");
        let o = PreprocessOptions {
            include_dirs: vec![PathBuf::from("inc")],
            defines: Vec::new(),
        };
        let (sm, d) = preprocess(Path::new("src/main.p4"), &o, &l);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["a1", "c_in_lib", "b1", "c_in_inc", "main"]);
        assert_eq!(where_is(&sm, "c_in_lib"), ("src/lib/c.p4".into(), 1));
        assert_eq!(where_is(&sm, "main"), ("src/main.p4".into(), 3));
        // `<>` does not look in the including file's directory.
        let (_, d) = preprocess_str("src/x.p4", "#include <lib/a.p4>\n", &o, &l);
        assert!(has_error(&d, "cannot find include file 'lib/a.p4'"));
    }

    #[test]
    fn builtin_architecture_files() {
        assert!(builtin_include("core.p4").is_some());
        assert!(builtin_include("v1model.p4").is_some());
        assert!(builtin_include("nope.p4").is_none());
        let (sm, d) =
            pp("#include <core.p4>\n#include \"v1model.p4\"\n#include <core.p4>\nafter\n");
        assert!(!d.has_errors(), "{}", d.render(&sm));
        assert_eq!(where_is(&sm, "after"), ("main.p4".into(), 4));
        // A file in the include dirs named like a builtin wins for the quoted form only.
        let l = MemLoader::new().with("core.p4", "mine\n");
        let (sm, _) = pp_with("#include \"core.p4\"\n", &l);
        assert_eq!(code(&sm), vec!["mine"]);
    }

    #[test]
    fn include_guards_and_pragma_once() {
        let l = MemLoader::new()
            .with(
                "g.p4",
                "// guarded\n#ifndef G_P4\n#define G_P4\nguarded\n#endif // G_P4\n",
            )
            .with("o.p4", "#pragma once\nonce\n")
            .with("u.p4", "unguarded\n");
        let (sm, d) = pp_with(
            "#include \"g.p4\"\n#include \"g.p4\"\n#include \"o.p4\"\n#include \"o.p4\"\n#include \"u.p4\"\n#include \"u.p4\"\n",
            &l,
        );
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(
            code(&sm),
            vec!["// guarded", "guarded", "once", "unguarded", "unguarded"]
        );
    }

    #[test]
    fn include_cycles() {
        let l = MemLoader::new()
            .with("a.p4", "#include \"b.p4\"\na\n")
            .with("b.p4", "#include \"a.p4\"\nb\n")
            .with("self.p4", "#include \"self.p4\"\n")
            .with(
                "ga.p4",
                "#ifndef GA\n#define GA\n#include \"gb.p4\"\n#endif\n",
            )
            .with(
                "gb.p4",
                "#ifndef GB\n#define GB\n#include \"ga.p4\"\ngb\n#endif\n",
            );
        let (sm, d) = pp_with("#include \"a.p4\"\n", &l);
        assert_eq!(errors(&d).len(), 1, "{:?}", errors(&d));
        assert!(has_error(&d, "include cycle: a.p4 -> b.p4 -> a.p4"));
        assert_eq!(code(&sm), vec!["b", "a"]);
        let cyc = &d.items[0];
        assert_eq!(sm.locate(cyc.span.lo).file, "b.p4");
        let (_, d) = pp_with("#include \"self.p4\"\n", &l);
        assert!(has_error(&d, "include cycle: self.p4 -> self.p4"));
        // The main file including itself.
        let (_, d) = pp_with("#include \"main.p4\"\n", &l);
        assert!(has_error(&d, "include cycle: main.p4 -> main.p4"));
        // Mutually including files with guards are fine, as with cpp.
        let (sm, d) = pp_with("#include \"ga.p4\"\n", &l);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["gb"]);
    }

    #[test]
    fn missing_include_and_bad_include_syntax() {
        let (sm, d) = pp("#include \"nope.p4\"\n#include <nada.p4>\n#include nope\n#define H \"x.p4\"\n#include H\nok\n");
        assert!(has_error(&d, "cannot find include file 'nope.p4'"));
        assert!(has_error(&d, "cannot find include file 'nada.p4'"));
        assert!(has_error(&d, "#include expects"));
        assert!(has_error(&d, "cannot find include file 'x.p4'"));
        let e = d
            .items
            .iter()
            .find(|x| x.message.contains("nada"))
            .expect("error");
        assert_eq!(sm.locate(e.span.lo).line, 2);
        assert_eq!(where_is(&sm, "ok"), ("main.p4".into(), 6));
    }

    #[test]
    fn include_depth_is_limited() {
        let mut l = MemLoader::new();
        for i in 0..100 {
            l.files.insert(
                PathBuf::from(format!("f{i}.p4")),
                format!("#include \"f{}.p4\"\n", i + 1),
            );
        }
        let (_, d) = pp_with("#include \"f0.p4\"\n", &l);
        assert_eq!(errors(&d).len(), 1, "{:?}", errors(&d));
        assert!(has_error(&d, "nested too deeply"));
    }

    #[test]
    fn line_mapping_through_includes() {
        let l = MemLoader::new().with(
            "dir/inc.p4",
            "// comment\n#define X 1\n\nconst bit<8> in_inc = X;\n",
        );
        let src = "line1\n#include \"dir/inc.p4\"\n#if 0\nskipped\n#endif\nafter_include = 1;\n";
        let (sm, d) = pp_with(src, &l);
        assert!(d.items.is_empty(), "{:?}", d.items);
        let off = sm.text.find("in_inc").expect("token");
        let loc = sm.locate(off as u32);
        assert_eq!(
            (loc.file.as_str(), loc.line, loc.col),
            ("dir/inc.p4", 4, 14)
        );
        assert_eq!(loc.source_line.as_deref(), Some("const bit<8> in_inc = X;"));
        assert_eq!(where_is(&sm, "after_include"), ("main.p4".into(), 6));
        assert_eq!(where_is(&sm, "line1"), ("main.p4".into(), 1));
        // Every input line of both files is present exactly once.
        assert_eq!(sm.line_count(), 6 + 4);
    }

    #[test]
    fn comments_hide_directives() {
        let src = "/* start\n#if 0\n#define X 1\n*/\nX\n/* a */ #define Y 2\nY\n#define Z 3 /* multi\nline */\nZ // #if 0\n\"#if\"\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        let lines: Vec<&str> = sm.text.lines().collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "/* start");
        assert_eq!(lines[1], "#if 0");
        assert_eq!(lines[4], "X");
        assert_eq!(lines[5], "");
        assert_eq!(lines[6], "2");
        assert_eq!(lines[7], "");
        assert_eq!(lines[8], "");
        assert_eq!(lines[9], "3 // #if 0");
        assert_eq!(lines[10], "\"#if\"");
    }

    #[test]
    fn skipped_regions_track_comments() {
        let src = "#if 0\n/*\n#endif\n*/\n#endif\nkept\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["kept"]);
        // An unterminated comment in an include is closed so it cannot swallow the includer.
        let l = MemLoader::new().with("c.p4", "x /* open\n");
        let (sm, d) = pp_with("#include \"c.p4\"\nafter\n", &l);
        assert!(has_error(&d, "unterminated comment"));
        assert_eq!(code(&sm), vec!["x /* open", "*/", "after"]);
    }

    #[test]
    fn continuation_lines() {
        let src = "#define LONG(a, b) \\\n   a + \\\n   b\nx = LONG(1, 2);\ny\n#if 1 && \\\n  0\nno\n#endif\nz\n";
        let (sm, d) = pp(src);
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(code(&sm), vec!["x = 1 + 2;", "y", "z"]);
        assert_eq!(where_is(&sm, "x ="), ("main.p4".into(), 4));
        assert_eq!(where_is(&sm, "y"), ("main.p4".into(), 5));
        assert_eq!(where_is(&sm, "z"), ("main.p4".into(), 10));
        assert_eq!(sm.line_count(), 10);
        // A continued normal line is joined, as cpp does.
        let (sm, _) = pp("a \\\nb\nc\n");
        assert_eq!(sm.text, "a b\n\nc\n");
    }

    #[test]
    fn error_warning_pragma_and_unknown_directives() {
        let (sm, d) = pp("#error stop here\n#warning careful\n#pragma foo bar\n#line 10\n#\n#frobnicate\n# 3 \"x\"\n#if 0\n#frobnicate\n#error no\n#endif\n");
        let msgs: Vec<(Severity, String)> = d
            .items
            .iter()
            .map(|x| (x.severity, x.message.clone()))
            .collect();
        assert_eq!(
            msgs,
            vec![
                (Severity::Error, "#error stop here".to_string()),
                (Severity::Warning, "#warning careful".to_string()),
                (
                    Severity::Error,
                    "unknown preprocessor directive '#frobnicate'".to_string()
                ),
            ]
        );
        assert_eq!(sm.locate(d.items[2].span.lo).line, 6);
        assert!(code(&sm).is_empty());
    }

    #[test]
    fn define_errors_and_redefinition() {
        let (_, d) = pp("#define\n#define 1x\n#define defined 1\n#define F(a, a) a\n#define G(a\n#define X 1\n#define X 1\n#define X 2\n");
        let e = errors(&d);
        assert!(has_error(&d, "no macro name"), "{e:?}");
        assert!(has_error(&d, "must be identifiers"), "{e:?}");
        assert!(has_error(&d, "\"defined\" cannot be used"), "{e:?}");
        assert!(has_error(&d, "duplicate macro parameter"), "{e:?}");
        assert!(has_error(&d, "parameter list"), "{e:?}");
        let w: Vec<_> = d
            .items
            .iter()
            .filter(|x| x.severity == Severity::Warning)
            .collect();
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("'X' redefined"));
    }

    #[test]
    fn predefined_macros_from_options() {
        let o = PreprocessOptions {
            include_dirs: Vec::new(),
            defines: vec![
                ("TARGET".into(), "2".into()),
                ("SQ(x)".into(), "((x) * (x))".into()),
                ("1bad".into(), "".into()),
            ],
        };
        let (sm, d) = preprocess_str(
            "m.p4",
            "#if TARGET == 2\nSQ(3)\n#endif\n",
            &o,
            &MemLoader::new(),
        );
        assert_eq!(code(&sm), vec!["((3) * (3))"]);
        assert_eq!(errors(&d).len(), 1);
    }

    #[test]
    fn fs_loader_reports_bad_files() {
        let dir = std::env::temp_dir().join(format!("exo-p4-pp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let bad = dir.join("bad.p4");
        std::fs::write(&bad, [0x66u8, 0xff, 0xfe, 0x0a]).expect("write");
        let good = dir.join("good.p4");
        std::fs::write(&good, "#include \"bad.p4\"\n#include \"none.p4\"\nok\n").expect("write");
        assert!(FsLoader.load(&bad).is_err());
        let (sm, d) = preprocess(&good, &opts(), &FsLoader);
        assert!(
            has_error(&d, "cannot read include file"),
            "{:?}",
            errors(&d)
        );
        assert!(has_error(&d, "cannot find include file 'none.p4'"));
        assert_eq!(code(&sm), vec!["ok"]);
        let (sm, d) = preprocess(&dir.join("missing.p4"), &opts(), &FsLoader);
        assert!(has_error(&d, "cannot read file"));
        assert!(sm.text.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn deep_and_large_inputs_are_bounded() {
        // Deeply nested conditionals.
        let n = 20_000;
        let src = format!("{}x\n{}", "#if 1\n".repeat(n), "#endif\n".repeat(n));
        let (sm, d) = pp(&src);
        assert!(d.items.is_empty());
        assert_eq!(code(&sm), vec!["x"]);
        // Deep parentheses in #if.
        let src = format!(
            "#if {}1{}\n#endif\n",
            "(".repeat(50_000),
            ")".repeat(50_000)
        );
        let (_, d) = pp(&src);
        assert!(has_error(&d, "nested too deeply"));
        let src = format!("#if {}1\n#endif\n", "!-".repeat(50_000));
        let (_, d) = pp(&src);
        assert!(has_error(&d, "nested too deeply"));
        // Deeply nested macro invocations in arguments.
        let src = format!(
            "#define F(x) x\n{}1{}\n",
            "F(".repeat(20_000),
            ")".repeat(20_000)
        );
        let (_, d) = pp(&src);
        assert!(has_error(&d, "nested too deeply"));
        // Unbalanced invocations on a long line stay linear.
        let src = format!("#define F(x, y) x\n{}\n", "F(F(".repeat(50_000));
        let (_, d) = pp(&src);
        assert!(has_error(&d, "unterminated argument list"));
        // Long chains of macros: expanded while within the work budget, then stopped.
        let chain = |n: usize, uses: usize| {
            let mut src = String::new();
            for i in 0..n {
                src.push_str(&format!("#define C{i} C{}\n", i + 1));
            }
            src.push_str(&"C0 ".repeat(uses));
            src.push('\n');
            pp(&src)
        };
        let (sm, d) = chain(1000, 10);
        assert!(d.items.is_empty());
        assert_eq!(sm.text.matches("C1000").count(), 10);
        let (sm, d) = chain(5000, 100);
        assert!(has_error(&d, "macro expansion"));
        assert!(sm.text.contains("C5000"));
        // Very long line, large file.
        let line = "a".repeat(1 << 20);
        let (sm, d) = pp(&line);
        assert!(d.items.is_empty());
        assert_eq!(sm.text.len(), line.len() + 1);
        let big = "#define W 32\nheader h { bit<W> f; } // comment\n".repeat(150_000);
        let (sm, d) = pp(&big);
        assert!(d.items.is_empty());
        assert_eq!(sm.line_count(), 300_000);
    }

    #[test]
    fn include_bombs_are_bounded() {
        // Each file includes the next twice: 2^40 inclusions without the limits.
        let mut l = MemLoader::new();
        for i in 0..40 {
            l.files.insert(
                PathBuf::from(format!("b{i}.p4")),
                format!("#include \"b{0}.p4\"\n#include \"b{0}.p4\"\n", i + 1),
            );
        }
        l.files.insert(PathBuf::from("b40.p4"), "x\n".into());
        let (_, d) = pp_with("#include \"b0.p4\"\n", &l);
        assert!(has_error(&d, "too many #include files"));
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn soup_loader() -> MemLoader {
            MemLoader::new()
                .with(
                    "a.p4",
                    "#include \"a.p4\"\n#ifndef A\n#define A 1\n#endif\n",
                )
                .with("b.p4", "#if X\n#include \"a.p4\"\n/* open\n")
                .with("c.p4", "#define F(x, y) x ## y #x\nF(1,2)\n")
        }

        fn fragment() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("#if ".to_string()),
                Just("#ifdef X".to_string()),
                Just("#ifndef A".to_string()),
                Just("#elif ".to_string()),
                Just("#else".to_string()),
                Just("#endif".to_string()),
                Just("#define ".to_string()),
                Just("#define X X Y".to_string()),
                Just("#define Y(a) X a Y(a)".to_string()),
                Just("#define F(a, ...) a ## __VA_ARGS__ #a".to_string()),
                Just("#undef X".to_string()),
                Just("#include \"a.p4\"".to_string()),
                Just("#include \"b.p4\"".to_string()),
                Just("#include <c.p4>".to_string()),
                Just("#include <core.p4>".to_string()),
                Just("#include".to_string()),
                Just("#error e".to_string()),
                Just("#pragma once".to_string()),
                Just("/*".to_string()),
                Just("*/".to_string()),
                Just("\\".to_string()),
                Just("\"".to_string()),
                Just("defined".to_string()),
                Just("(".to_string()),
                Just(")".to_string()),
                Just(",".to_string()),
                Just("##".to_string()),
                Just("\n".to_string()),
                "[ -~]{0,6}".prop_map(|s| s),
                "(X|Y|F|A|0x1|1|0|/|%|<<|\\?|:|!|-)".prop_map(|s| s),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let (sm, _) = preprocess_str("r.p4", &text, &PreprocessOptions::default(), &MemLoader::new());
                let n = text.split_inclusive('\n').count();
                let out = sm.line_count();
                prop_assert!(out == n || out == n + 1, "{} input lines, {} output lines", n, out);
            }

            #[test]
            fn directive_soup_never_panics(parts in proptest::collection::vec(fragment(), 0..60)) {
                let mut text = String::new();
                for p in &parts {
                    text.push_str(p);
                    if p.starts_with('#') {
                        text.push('\n');
                    } else {
                        text.push(' ');
                    }
                }
                let (sm, d) = preprocess_str("s.p4", &text, &PreprocessOptions::default(), &soup_loader());
                for diag in &d.items {
                    let _ = sm.locate(diag.span.lo);
                }
                let _ = d.render(&sm);
            }
        }
    }
}
