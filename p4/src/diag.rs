//! Source positions and diagnostics.
//!
//! The preprocessor turns a tree of files into one expanded text and records, for every line of
//! that text, the file and line it came from ([`SourceMap`]). Every later stage works with byte
//! offsets into the expanded text ([`Span`]); a [`Diagnostic`] is rendered back to
//! `file:line:col` with the original source line.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A half-open byte range `[lo, hi)` in the expanded source.
///
/// Spans compare equal regardless of position so that ASTs built from differently formatted but
/// equivalent sources (the printer round trip) compare equal.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Span {
    pub lo: u32,
    pub hi: u32,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}
impl Eq for Span {}

impl std::hash::Hash for Span {
    /// Consistent with `PartialEq`: all spans are equal, so none contributes to a hash.
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

impl Span {
    pub const DUMMY: Span = Span { lo: 0, hi: 0 };

    pub fn new(lo: usize, hi: usize) -> Span {
        Span {
            lo: lo.min(u32::MAX as usize) as u32,
            hi: hi.min(u32::MAX as usize) as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
        }
    }
}

/// Identifies one original source file in a [`SourceMap`].
pub type FileId = u32;

/// Where one line of the expanded text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineOrigin {
    pub file: FileId,
    /// 1-based line number in the original file.
    pub line: u32,
}

/// The expanded text of a compilation unit together with the origin of each of its lines.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    /// Paths (as given or resolved) of the files, indexed by [`FileId`].
    pub files: Vec<String>,
    /// Original text of each file, for quoting source lines in diagnostics.
    pub file_texts: Vec<Arc<str>>,
    /// The expanded text the lexer reads.
    pub text: String,
    /// Byte offset in `text` at which each expanded line starts.
    line_starts: Vec<u32>,
    /// Origin of each expanded line (same length as `line_starts`).
    origins: Vec<LineOrigin>,
}

/// A resolved position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    /// 1-based column in the expanded line (equal to the original column unless a macro was
    /// expanded earlier on the line).
    pub col: u32,
    /// The original source line, when known.
    pub source_line: Option<String>,
}

impl SourceMap {
    /// A source map for a single in-memory text that was not preprocessed.
    pub fn single(name: &str, text: &str) -> SourceMap {
        let mut sm = SourceMap::default();
        let id = sm.add_file(name, text);
        for (i, line) in text.split_inclusive('\n').enumerate() {
            sm.push_line(line, id, i as u32 + 1);
        }
        if text.is_empty() {
            sm.line_starts.clear();
            sm.origins.clear();
        }
        sm
    }

    /// Registers an original file and returns its id.
    pub fn add_file(&mut self, path: &str, text: &str) -> FileId {
        self.files.push(path.to_string());
        self.file_texts.push(Arc::from(text));
        (self.files.len() - 1) as FileId
    }

    /// Appends one line (which should end in `\n`, except possibly the last) to the expanded text.
    pub fn push_line(&mut self, line: &str, file: FileId, orig_line: u32) {
        self.line_starts.push(self.text.len() as u32);
        self.origins.push(LineOrigin {
            file,
            line: orig_line,
        });
        self.text.push_str(line);
        if !line.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// Number of lines of expanded text.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Resolves a byte offset in the expanded text.
    pub fn locate(&self, offset: u32) -> Location {
        if self.line_starts.is_empty() {
            return Location {
                file: self.files.first().cloned().unwrap_or_default(),
                line: 1,
                col: 1,
                source_line: None,
            };
        }
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let origin = self.origins[idx];
        let start = self.line_starts[idx] as usize;
        let off = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..off)
            .map_or(1, |s| s.chars().count() + 1) as u32;
        let source_line = self
            .file_texts
            .get(origin.file as usize)
            .and_then(|t| t.lines().nth(origin.line.saturating_sub(1) as usize))
            .map(|s| s.to_string());
        Location {
            file: self
                .files
                .get(origin.file as usize)
                .cloned()
                .unwrap_or_default(),
            line: origin.line,
            col,
            source_line,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One message about the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Extra positions, e.g. the earlier declaration for a redeclaration.
    pub notes: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            notes: Vec::new(),
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span,
            notes: Vec::new(),
        }
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Diagnostic {
        self.notes.push((span, note.into()));
        self
    }

    /// Renders as `file:line:col: error: message`, the source line and a caret.
    pub fn render(&self, sm: &SourceMap) -> String {
        let mut out = String::new();
        render_one(&mut out, sm, self.span, self.severity, &self.message);
        for (span, note) in &self.notes {
            render_one(&mut out, sm, *span, Severity::Note, note);
        }
        out
    }
}

fn render_one(out: &mut String, sm: &SourceMap, span: Span, sev: Severity, msg: &str) {
    use std::fmt::Write;
    let loc = sm.locate(span.lo);
    let _ = writeln!(
        out,
        "{}:{}:{}: {}: {}",
        loc.file, loc.line, loc.col, sev, msg
    );
    if let Some(line) = loc.source_line {
        let _ = writeln!(out, "  {}", line);
        let width = (span.hi.saturating_sub(span.lo) as usize).clamp(1, 80);
        let pad: String = line
            .chars()
            .take(loc.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(out, "  {}{}", pad, "^".repeat(width));
    }
}

/// A collection of diagnostics, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.items.push(Diagnostic::error(span, msg));
    }
    pub fn warning(&mut self, span: Span, msg: impl Into<String>) {
        self.items.push(Diagnostic::warning(span, msg));
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
    pub fn render(&self, sm: &SourceMap) -> String {
        self.items.iter().map(|d| d.render(sm)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_maps_offsets_to_original_lines() {
        let mut sm = SourceMap::default();
        let a = sm.add_file("a.p4", "one\ntwo\n");
        let b = sm.add_file("b.p4", "x\ny\nzzz\n");
        sm.push_line("one\n", a, 1);
        sm.push_line("zzz\n", b, 3);
        sm.push_line("two\n", a, 2);
        let loc = sm.locate(6);
        assert_eq!((loc.file.as_str(), loc.line, loc.col), ("b.p4", 3, 3));
        assert_eq!(loc.source_line.as_deref(), Some("zzz"));
        let loc = sm.locate(8);
        assert_eq!((loc.file.as_str(), loc.line, loc.col), ("a.p4", 2, 1));
    }

    #[test]
    fn render_points_at_column() {
        let sm = SourceMap::single("t.p4", "const bit<8> x = y;\n");
        let d = Diagnostic::error(Span::new(17, 18), "undeclared name 'y'");
        let r = d.render(&sm);
        assert!(
            r.starts_with("t.p4:1:18: error: undeclared name 'y'\n"),
            "{r}"
        );
        assert!(r.contains("\n                   ^\n"), "{r}");
    }
}
