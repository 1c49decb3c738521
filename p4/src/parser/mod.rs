//! Recursive-descent parser for P4-16 (spec 1.2.x).
//!
//! Like p4c, the parser tracks which names denote types (declared so far, including type
//! parameters) to resolve the grammar's ambiguities: casts `(T) e`, declarations `T x;` versus
//! expressions, and explicit type arguments `f<T>(..)`. Recursion is bounded ([`MAX_DEPTH`]) so
//! that hostile input produces a diagnostic instead of a stack overflow. Errors are collected;
//! after one, the parser skips to the end of the statement or declaration and continues.

mod decl;
mod expr;
mod stmt;

use crate::ast::*;
use crate::diag::{Diagnostics, Span};
use crate::lexer::{self, Punct, Tok, Token};
use std::collections::HashSet;

/// Deepest nesting of expressions, statements and types accepted.
pub const MAX_DEPTH: u32 = 160;

/// Parses preprocessed source text into a [`Program`]. Problems are added to `diags`; the
/// returned program holds every declaration that could be parsed.
pub fn parse(src: &str, diags: &mut Diagnostics) -> Program {
    crate::on_big_stack(|| {
        let toks = lexer::lex(src, diags);
        Parser::new(toks, diags).program()
    })
}

/// Parses already-lexed tokens.
pub fn parse_tokens(toks: Vec<Token>, diags: &mut Diagnostics) -> Program {
    crate::on_big_stack(|| Parser::new(toks, diags).program())
}

/// Parses a single expression (used for annotation bodies and tests).
pub fn parse_expr_tokens(toks: Vec<Token>, diags: &mut Diagnostics) -> Option<Expr> {
    crate::on_big_stack(|| parse_expr_inner(toks, diags))
}

fn parse_expr_inner(toks: Vec<Token>, diags: &mut Diagnostics) -> Option<Expr> {
    let mut p = Parser::new(toks, diags);
    let e = p.expr().ok()?;
    if !p.at_eof() {
        let t = p.peek().clone();
        p.error_at(
            t.span,
            format!("expected end of expression, found '{}'", t.tok),
        );
        return None;
    }
    Some(e)
}

/// Marker for "a diagnostic has been emitted"; the caller recovers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failed;
pub(crate) type PResult<T> = Result<T, Failed>;

pub(crate) struct Parser<'d> {
    toks: Vec<Token>,
    pos: usize,
    diags: &'d mut Diagnostics,
    type_names: HashSet<String>,
    depth: u32,
    /// While speculating, errors are dropped on backtrack.
    speculating: u32,
}

impl<'d> Parser<'d> {
    fn new(mut toks: Vec<Token>, diags: &'d mut Diagnostics) -> Parser<'d> {
        if !matches!(toks.last().map(|t| &t.tok), Some(Tok::Eof)) {
            let end = toks.last().map_or(0, |t| t.span.hi as usize);
            toks.push(Token {
                tok: Tok::Eof,
                span: Span::new(end, end),
            });
        }
        let mut type_names = HashSet::new();
        // Types every program may name even without core.p4.
        for t in ["packet_in", "packet_out"] {
            type_names.insert(t.to_string());
        }
        Parser {
            toks,
            pos: 0,
            diags,
            type_names,
            depth: 0,
            speculating: 0,
        }
    }

    // ---- token cursor ----

    pub(crate) fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    pub(crate) fn peek_at(&self, n: usize) -> &Token {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }

    pub(crate) fn at_eof(&self) -> bool {
        matches!(self.peek().tok, Tok::Eof)
    }

    pub(crate) fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    pub(crate) fn prev_span(&self) -> Span {
        if self.pos == 0 {
            Span::DUMMY
        } else {
            self.toks[self.pos - 1].span
        }
    }

    pub(crate) fn is_punct(&self, p: Punct) -> bool {
        self.peek().tok == Tok::P(p)
    }

    pub(crate) fn is_punct_at(&self, n: usize, p: Punct) -> bool {
        self.peek_at(n).tok == Tok::P(p)
    }

    pub(crate) fn eat_punct(&mut self, p: Punct) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    pub(crate) fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == w)
    }

    pub(crate) fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.bump();
            true
        } else {
            false
        }
    }

    pub(crate) fn describe(t: &Token) -> String {
        match &t.tok {
            Tok::Eof => "end of input".to_string(),
            Tok::Str(_) => "a string literal".to_string(),
            other => format!("'{other}'"),
        }
    }

    pub(crate) fn error_at(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.error(span, msg);
    }

    pub(crate) fn expected<T>(&mut self, what: &str) -> PResult<T> {
        let t = self.peek().clone();
        self.error_at(
            t.span,
            format!("expected {what}, found {}", Self::describe(&t)),
        );
        Err(Failed)
    }

    pub(crate) fn expect_punct(&mut self, p: Punct) -> PResult<Span> {
        if self.is_punct(p) {
            Ok(self.bump().span)
        } else {
            self.expected(&format!("'{}'", p.as_str()))
        }
    }

    pub(crate) fn expect_word(&mut self, w: &str) -> PResult<Span> {
        if self.is_word(w) {
            Ok(self.bump().span)
        } else {
            self.expected(&format!("'{w}'"))
        }
    }

    /// An identifier that is not a reserved word (soft keywords such as `key` are allowed).
    pub(crate) fn ident(&mut self) -> PResult<Ident> {
        match &self.peek().tok {
            Tok::Ident(s) if !is_reserved(s) => {
                let t = self.bump();
                match t.tok {
                    Tok::Ident(s) => Ok(Ident::new(s, t.span)),
                    _ => Err(Failed),
                }
            }
            _ => self.expected("an identifier"),
        }
    }

    /// A member name after `.`: any word except a few that can never be members.
    pub(crate) fn member_name(&mut self) -> PResult<Ident> {
        match &self.peek().tok {
            Tok::Ident(s) if s != "_" => {
                let t = self.bump();
                match t.tok {
                    Tok::Ident(s) => Ok(Ident::new(s, t.span)),
                    _ => Err(Failed),
                }
            }
            _ => self.expected("a member name"),
        }
    }

    pub(crate) fn is_type_name(&self, name: &str) -> bool {
        self.type_names.contains(name)
    }

    pub(crate) fn declare_type(&mut self, name: &str) {
        self.type_names.insert(name.to_string());
    }

    pub(crate) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.peek().span;
            self.depth -= 1;
            self.error_at(
                span,
                format!("nesting is too deep (more than {MAX_DEPTH} levels)"),
            );
            return Err(Failed);
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `f`; if it fails, rewinds the cursor and discards its diagnostics.
    pub(crate) fn speculate<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> Option<T> {
        let pos = self.pos;
        let ndiag = self.diags.items.len();
        let depth = self.depth;
        self.speculating += 1;
        let r = f(self);
        self.speculating -= 1;
        match r {
            Ok(v) if self.diags.items.len() == ndiag => Some(v),
            _ => {
                self.pos = pos;
                self.depth = depth;
                self.diags.items.truncate(ndiag);
                None
            }
        }
    }

    /// Whether `f` would succeed here; never moves the cursor or leaves diagnostics.
    pub(crate) fn probe<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> bool {
        let pos = self.pos;
        let r = self.speculate(f).is_some();
        self.pos = pos;
        r
    }

    // ---- recovery ----

    /// Top-level recovery: like [`Parser::recover`], but also stops before a word that starts a
    /// new declaration, so one bad declaration does not swallow the next.
    fn recover_top(&mut self, decl_start: usize) {
        let mut depth = 0usize;
        loop {
            if depth == 0 && self.pos != decl_start {
                if let Tok::Ident(w) = &self.peek().tok {
                    if matches!(
                        w.as_str(),
                        "header"
                            | "header_union"
                            | "struct"
                            | "enum"
                            | "typedef"
                            | "const"
                            | "extern"
                            | "parser"
                            | "control"
                            | "package"
                            | "action"
                            | "match_kind"
                    ) {
                        return;
                    }
                }
            }
            match &self.peek().tok {
                Tok::Eof => return,
                Tok::P(Punct::LBrace) | Tok::P(Punct::LParen) | Tok::P(Punct::LBracket) => {
                    depth += 1
                }
                Tok::P(Punct::RBrace) | Tok::P(Punct::RParen) | Tok::P(Punct::RBracket) => {
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                    depth -= 1;
                    if depth == 0 && self.is_punct(Punct::RBrace) {
                        self.bump();
                        self.eat_punct(Punct::Semi);
                        return;
                    }
                }
                Tok::P(Punct::Semi) if depth == 0 => {
                    self.bump();
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Skips to just after the next `;` or balanced `}` at nesting level 0, or to a `}` that
    /// closes an enclosing block (not consumed).
    pub(crate) fn recover(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        loop {
            match &self.peek().tok {
                Tok::Eof => return,
                Tok::P(Punct::LBrace) | Tok::P(Punct::LParen) | Tok::P(Punct::LBracket) => {
                    depth += 1
                }
                Tok::P(Punct::RBrace) | Tok::P(Punct::RParen) | Tok::P(Punct::RBracket) => {
                    if depth == 0 {
                        // Never stall: a stray closer at the start is consumed.
                        if self.pos == start {
                            self.bump();
                        }
                        return;
                    }
                    depth -= 1;
                    if depth == 0 && self.is_punct(Punct::RBrace) {
                        self.bump();
                        if self.is_punct(Punct::Semi) {
                            self.bump();
                        }
                        return;
                    }
                }
                Tok::P(Punct::Semi) if depth == 0 => {
                    self.bump();
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    // ---- shared small productions ----

    pub(crate) fn annotations(&mut self) -> PResult<Vec<Annotation>> {
        let mut out = Vec::new();
        while self.is_punct(Punct::At) {
            out.push(self.annotation()?);
        }
        Ok(out)
    }

    fn annotation(&mut self) -> PResult<Annotation> {
        let at = self.expect_punct(Punct::At)?;
        let name = self.member_name()?;
        let body = if self.is_punct(Punct::LParen) {
            let open = self.bump();
            let mut depth = 0usize;
            let mut toks = Vec::new();
            loop {
                let t = self.peek().clone();
                match &t.tok {
                    Tok::Eof => {
                        self.error_at(open.span, "unterminated annotation: expected ')'");
                        return Err(Failed);
                    }
                    Tok::P(Punct::LParen) => depth += 1,
                    Tok::P(Punct::RParen) => {
                        if depth == 0 {
                            self.bump();
                            break;
                        }
                        depth -= 1;
                    }
                    _ => {}
                }
                toks.push(self.bump());
            }
            AnnotationBody::Unparsed(toks)
        } else if self.is_punct(Punct::LBracket) {
            self.bump();
            // Key-value list if it starts with `name =`.
            let is_kv =
                matches!(self.peek().tok, Tok::Ident(_)) && self.is_punct_at(1, Punct::Assign);
            if is_kv {
                let mut kvs = Vec::new();
                while !self.is_punct(Punct::RBracket) {
                    let k = self.member_name()?;
                    self.expect_punct(Punct::Assign)?;
                    let v = self.expr()?;
                    kvs.push((k, v));
                    if !self.eat_punct(Punct::Comma) {
                        break;
                    }
                }
                self.expect_punct(Punct::RBracket)?;
                AnnotationBody::KeyValue(kvs)
            } else {
                let mut es = Vec::new();
                while !self.is_punct(Punct::RBracket) {
                    es.push(self.expr()?);
                    if !self.eat_punct(Punct::Comma) {
                        break;
                    }
                }
                self.expect_punct(Punct::RBracket)?;
                AnnotationBody::Expressions(es)
            }
        } else {
            AnnotationBody::Empty
        };
        Ok(Annotation {
            name,
            body,
            span: at.to(self.prev_span()),
        })
    }

    /// `<T, U>` after a declared name; the names become type names.
    pub(crate) fn opt_type_params(&mut self) -> PResult<Vec<Ident>> {
        let mut out = Vec::new();
        if self.eat_punct(Punct::Lt) {
            loop {
                let id = self.ident()?;
                self.declare_type(&id.name);
                out.push(id);
                if !self.eat_punct(Punct::Comma) {
                    break;
                }
            }
            self.expect_punct(Punct::Gt)?;
        }
        Ok(out)
    }

    pub(crate) fn params(&mut self) -> PResult<Vec<Param>> {
        self.expect_punct(Punct::LParen)?;
        let mut out = Vec::new();
        while !self.is_punct(Punct::RParen) {
            let annotations = self.annotations()?;
            let direction = if self.eat_word("in") {
                Some(Direction::In)
            } else if self.eat_word("out") {
                Some(Direction::Out)
            } else if self.eat_word("inout") {
                Some(Direction::InOut)
            } else {
                None
            };
            let ty = self.ty()?;
            let name = self.ident()?;
            let default = if self.eat_punct(Punct::Assign) {
                Some(self.expr()?)
            } else {
                None
            };
            out.push(Param {
                annotations,
                direction,
                ty,
                name,
                default,
            });
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::RParen)?;
        Ok(out)
    }

    pub(crate) fn args(&mut self) -> PResult<Vec<Arg>> {
        self.expect_punct(Punct::LParen)?;
        let mut out = Vec::new();
        while !self.is_punct(Punct::RParen) {
            let named = matches!(&self.peek().tok, Tok::Ident(s) if s != "_")
                && self.is_punct_at(1, Punct::Assign);
            let name = if named {
                let n = self.member_name()?;
                self.bump();
                Some(n)
            } else {
                None
            };
            let value = self.expr()?;
            out.push(Arg { name, value });
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::RParen)?;
        Ok(out)
    }

    // ---- types ----

    /// A type reference, including header stacks `T[N]`.
    pub(crate) fn ty(&mut self) -> PResult<Type> {
        self.enter()?;
        let r = self.ty_inner();
        self.leave();
        r
    }

    fn ty_inner(&mut self) -> PResult<Type> {
        let mut t = self.base_type()?;
        while self.is_punct(Punct::LBracket) {
            self.bump();
            let size = self.expr()?;
            self.expect_punct(Punct::RBracket)?;
            t = Type::Stack {
                elem: Box::new(t),
                size: Box::new(size),
            };
        }
        Ok(t)
    }

    fn base_type(&mut self) -> PResult<Type> {
        let t = self.peek().clone();
        let word = match &t.tok {
            Tok::Ident(s) => s.clone(),
            Tok::P(Punct::Dot) => {
                self.bump();
                let name = self.ident()?;
                let args = self.opt_type_args()?;
                return Ok(Type::Named {
                    path: Path {
                        absolute: true,
                        name,
                    },
                    args,
                });
            }
            _ => return self.expected("a type"),
        };
        match word.as_str() {
            "bool" => {
                self.bump();
                Ok(Type::Bool)
            }
            "error" => {
                self.bump();
                Ok(Type::Error)
            }
            "match_kind" => {
                self.bump();
                Ok(Type::MatchKind)
            }
            "string" => {
                self.bump();
                Ok(Type::String)
            }
            "void" => {
                self.bump();
                Ok(Type::Void)
            }
            "_" => {
                self.bump();
                Ok(Type::DontCare)
            }
            "bit" | "int" => {
                self.bump();
                let signed = word == "int";
                if self.is_punct(Punct::Lt) {
                    self.bump();
                    let width = self.width_expr()?;
                    self.expect_punct(Punct::Gt)?;
                    Ok(Type::Bits {
                        signed,
                        width: Box::new(width),
                    })
                } else if signed {
                    Ok(Type::Int)
                } else {
                    Ok(Type::Bits {
                        signed: false,
                        width: Box::new(Expr::new(
                            ExprKind::Int(lexer::IntLit {
                                value: 1u32.into(),
                                negative: false,
                                width: None,
                                radix: 10,
                            }),
                            t.span,
                        )),
                    })
                }
            }
            "varbit" => {
                self.bump();
                self.expect_punct(Punct::Lt)?;
                let width = self.width_expr()?;
                self.expect_punct(Punct::Gt)?;
                Ok(Type::Varbit(Box::new(width)))
            }
            "tuple" => {
                self.bump();
                let args = self.type_args()?;
                Ok(Type::Tuple(args))
            }
            "list" if self.is_punct_at(1, Punct::Lt) => {
                self.bump();
                let mut args = self.type_args()?;
                if args.len() != 1 {
                    self.error_at(t.span, "list<T> takes exactly one type argument");
                    return Err(Failed);
                }
                Ok(Type::List(Box::new(args.remove(0))))
            }
            _ => {
                let name = self.ident()?;
                let args = self.opt_type_args()?;
                Ok(Type::Named {
                    path: Path {
                        absolute: false,
                        name,
                    },
                    args,
                })
            }
        }
    }

    /// The width inside `bit<...>`: an integer, a parenthesised expression or a constant name.
    fn width_expr(&mut self) -> PResult<Expr> {
        match &self.peek().tok {
            Tok::Int(_) => self.primary(),
            Tok::P(Punct::LParen) => {
                self.bump();
                let e = self.expr()?;
                self.expect_punct(Punct::RParen)?;
                Ok(e)
            }
            Tok::Ident(_) => {
                let id = self.ident()?;
                let span = id.span;
                Ok(Expr::new(
                    ExprKind::Path(Path {
                        absolute: false,
                        name: id,
                    }),
                    span,
                ))
            }
            _ => self.expected("a width"),
        }
    }

    fn opt_type_args(&mut self) -> PResult<Vec<Type>> {
        if self.is_punct(Punct::Lt) {
            self.type_args()
        } else {
            Ok(Vec::new())
        }
    }

    pub(crate) fn type_args(&mut self) -> PResult<Vec<Type>> {
        self.expect_punct(Punct::Lt)?;
        let mut out = Vec::new();
        while !self.is_punct(Punct::Gt) {
            out.push(self.ty()?);
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        self.expect_punct(Punct::Gt)?;
        Ok(out)
    }

    // ---- program ----

    fn program(&mut self) -> Program {
        let mut decls = Vec::new();
        while !self.at_eof() {
            if self.eat_punct(Punct::Semi) {
                continue;
            }
            let before = self.pos;
            match self.top_decl() {
                Ok(d) => decls.push(d),
                Err(Failed) => {
                    self.recover_top(before);
                    if self.pos == before {
                        self.bump();
                    }
                }
            }
        }
        Program { decls }
    }
}

#[cfg(test)]
mod tests;
