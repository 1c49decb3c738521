//! Statements and blocks.

use super::{Failed, PResult, Parser};
use crate::ast::*;
use crate::lexer::{Punct, Tok};

impl Parser<'_> {
    /// `{ stmt* }`, with statement-level error recovery.
    pub(crate) fn block(&mut self, annotations: Vec<Annotation>) -> PResult<Block> {
        let open = self.expect_punct(Punct::LBrace)?;
        let mut stmts = Vec::new();
        loop {
            if self.is_punct(Punct::RBrace) {
                break;
            }
            if self.at_eof() {
                self.error_at(open, "expected '}' to close this block, found end of input");
                return Err(Failed);
            }
            let before = self.pos;
            match self.stmt() {
                Ok(s) => stmts.push(s),
                Err(Failed) => {
                    self.recover();
                    if self.pos == before {
                        self.bump();
                    }
                }
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Block {
            annotations,
            stmts,
            span: open.to(close),
        })
    }

    pub(crate) fn stmt(&mut self) -> PResult<Stmt> {
        self.enter()?;
        let r = self.stmt_inner();
        self.leave();
        r
    }

    fn stmt_inner(&mut self) -> PResult<Stmt> {
        let start = self.peek().span;
        let annotations = self.annotations()?;
        if self.is_punct(Punct::LBrace) {
            let b = self.block(annotations)?;
            let span = b.span;
            return Ok(Stmt {
                kind: StmtKind::Block(b),
                span,
            });
        }
        let s = self.unannotated_stmt()?;
        if annotations.is_empty() {
            return Ok(s);
        }
        // Declarations keep their own annotations.
        match s.kind {
            StmtKind::Var(mut v) => {
                v.annotations = annotations;
                let span = start.to(v.span);
                Ok(Stmt {
                    kind: StmtKind::Var(v),
                    span,
                })
            }
            StmtKind::Const(mut c) => {
                c.annotations = annotations;
                let span = start.to(c.span);
                Ok(Stmt {
                    kind: StmtKind::Const(c),
                    span,
                })
            }
            kind => {
                let span = start.to(s.span);
                Ok(Stmt {
                    kind: StmtKind::Annotated(annotations, Box::new(Stmt { kind, span: s.span })),
                    span,
                })
            }
        }
    }

    fn unannotated_stmt(&mut self) -> PResult<Stmt> {
        let t = self.peek().clone();
        let start = t.span;
        let kind = match &t.tok {
            Tok::P(Punct::Semi) => {
                self.bump();
                StmtKind::Empty
            }
            Tok::P(Punct::LBrace) => StmtKind::Block(self.block(Vec::new())?),
            Tok::Ident(w) => match w.as_str() {
                "if" => {
                    self.bump();
                    self.expect_punct(Punct::LParen)?;
                    let cond = self.expr()?;
                    self.expect_punct(Punct::RParen)?;
                    let then = Box::new(self.stmt()?);
                    let els = if self.eat_word("else") {
                        Some(Box::new(self.stmt()?))
                    } else {
                        None
                    };
                    StmtKind::If { cond, then, els }
                }
                "switch" => self.switch_stmt()?,
                "exit" => {
                    self.bump();
                    self.expect_punct(Punct::Semi)?;
                    StmtKind::Exit
                }
                "return" => {
                    self.bump();
                    if self.eat_punct(Punct::Semi) {
                        StmtKind::Return(None)
                    } else {
                        let e = self.expr()?;
                        self.expect_punct(Punct::Semi)?;
                        StmtKind::Return(Some(e))
                    }
                }
                "const" => StmtKind::Const(self.const_decl(Vec::new())?),
                "for" => self.for_stmt()?,
                "break" | "continue" => {
                    self.bump();
                    self.expect_punct(Punct::Semi)?;
                    if w == "break" {
                        StmtKind::Break
                    } else {
                        StmtKind::Continue
                    }
                }
                "transition" => {
                    self.error_at(t.span, "a transition statement may only end a parser state");
                    return Err(Failed);
                }
                _ => {
                    if self.at_var_decl() {
                        StmtKind::Var(self.var_decl(Vec::new())?)
                    } else {
                        self.expr_stmt()?
                    }
                }
            },
            Tok::P(Punct::Dot) if self.at_var_decl() => StmtKind::Var(self.var_decl(Vec::new())?),
            _ => self.expr_stmt()?,
        };
        Ok(Stmt {
            kind,
            span: start.to(self.prev_span()),
        })
    }

    /// Whether a declaration `T name ...` starts here (decided by type names, then by trying).
    pub(crate) fn at_var_decl(&mut self) -> bool {
        // `T x`, `T<..> x`, `T[4] x`, `.T x`, `error x`: try to read a type followed by a name.
        self.probe(|p| {
            p.ty()?;
            match &p.peek().tok {
                Tok::Ident(s) if !is_reserved(s) => Ok(()),
                _ => Err(Failed),
            }
        })
    }

    pub(crate) fn var_decl(&mut self, annotations: Vec<Annotation>) -> PResult<VarDecl> {
        let start = self.peek().span;
        let ty = self.ty()?;
        let name = self.ident()?;
        let init = if self.eat_punct(Punct::Assign) {
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_punct(Punct::Semi)?;
        Ok(VarDecl {
            annotations,
            ty,
            name,
            init,
            span: start.to(self.prev_span()),
        })
    }

    pub(crate) fn const_decl(&mut self, annotations: Vec<Annotation>) -> PResult<ConstDecl> {
        let start = self.expect_word("const")?;
        let ty = self.ty()?;
        let name = self.ident()?;
        self.expect_punct(Punct::Assign)?;
        let value = self.expr()?;
        self.expect_punct(Punct::Semi)?;
        Ok(ConstDecl {
            annotations,
            ty,
            name,
            value,
            span: start.to(self.prev_span()),
        })
    }

    fn expr_stmt(&mut self) -> PResult<StmtKind> {
        let kind = self.assign_or_call(Punct::Semi)?;
        self.expect_punct(Punct::Semi)?;
        Ok(kind)
    }

    /// An assignment, compound assignment or call, up to (not including) `end`.
    fn assign_or_call(&mut self, end: Punct) -> PResult<StmtKind> {
        let lhs = self.expr()?;
        if self.eat_punct(Punct::Assign) {
            let rhs = self.expr()?;
            return Ok(StmtKind::Assign { lhs, rhs });
        }
        if let Tok::P(Punct::OpAssign(op)) = self.peek().tok {
            self.bump();
            let rhs = self.expr()?;
            return Ok(StmtKind::CompoundAssign {
                op: BinOp::from_assign(op),
                lhs,
                rhs,
            });
        }
        // `>>=` arrives as '>' followed by '>='.
        if self.is_punct(Punct::Gt)
            && self.is_punct_at(1, Punct::Ge)
            && self.peek().span.hi == self.peek_at(1).span.lo
        {
            self.bump();
            self.bump();
            let rhs = self.expr()?;
            return Ok(StmtKind::CompoundAssign {
                op: BinOp::Shr,
                lhs,
                rhs,
            });
        }
        if !self.is_punct(end) && (end == Punct::Semi || !self.is_punct(Punct::Comma)) {
            return self.expected(if end == Punct::Semi {
                "';', '=' or a call"
            } else {
                "')', ',', '=' or a call"
            });
        }
        if !matches!(lhs.kind, ExprKind::Call { .. }) {
            self.error_at(
                lhs.span,
                "expected an assignment or a call: an expression alone is not a statement",
            );
            return Err(Failed);
        }
        Ok(StmtKind::Call(lhs))
    }

    /// `for (init; cond; update) stmt` or `for ([annotations] T x in coll) stmt`, after `for`.
    fn for_stmt(&mut self) -> PResult<StmtKind> {
        self.expect_word("for")?;
        self.expect_punct(Punct::LParen)?;
        let is_for_in = self.probe(|p| {
            p.annotations()?;
            p.ty()?;
            p.ident()?;
            if p.is_word("in") {
                Ok(())
            } else {
                Err(Failed)
            }
        });
        if is_for_in {
            let annotations = self.annotations()?;
            let ty = self.ty()?;
            let name = self.ident()?;
            self.expect_word("in")?;
            let lo = self.expr()?;
            let coll = if self.eat_punct(Punct::DotDot) {
                let hi = self.expr()?;
                let span = lo.span.to(hi.span);
                Expr::new(
                    ExprKind::Binary {
                        op: BinOp::Range,
                        lhs: Box::new(lo),
                        rhs: Box::new(hi),
                    },
                    span,
                )
            } else {
                lo
            };
            self.expect_punct(Punct::RParen)?;
            let body = Box::new(self.stmt()?);
            return Ok(StmtKind::ForIn {
                annotations,
                ty,
                name,
                coll,
                body,
            });
        }
        let init = self.for_clauses(Punct::Semi, true)?;
        self.expect_punct(Punct::Semi)?;
        let cond = if self.is_punct(Punct::Semi) {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_punct(Punct::Semi)?;
        let update = self.for_clauses(Punct::RParen, false)?;
        self.expect_punct(Punct::RParen)?;
        let body = Box::new(self.stmt()?);
        Ok(StmtKind::For {
            init,
            cond,
            update,
            body,
        })
    }

    /// The comma-separated statements of a `for` header, up to `end`; declarations only in
    /// the initialization part.
    fn for_clauses(&mut self, end: Punct, decls: bool) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        if self.is_punct(end) {
            return Ok(out);
        }
        loop {
            let start = self.peek().span;
            let kind = if decls && self.at_var_decl() {
                let ty = self.ty()?;
                let name = self.ident()?;
                let init = if self.eat_punct(Punct::Assign) {
                    Some(self.expr()?)
                } else {
                    None
                };
                StmtKind::Var(VarDecl {
                    annotations: Vec::new(),
                    ty,
                    name,
                    init,
                    span: start.to(self.prev_span()),
                })
            } else {
                self.assign_or_call(end)?
            };
            out.push(Stmt {
                kind,
                span: start.to(self.prev_span()),
            });
            if !self.eat_punct(Punct::Comma) {
                return Ok(out);
            }
        }
    }

    fn switch_stmt(&mut self) -> PResult<StmtKind> {
        self.expect_word("switch")?;
        self.expect_punct(Punct::LParen)?;
        let expr = self.expr()?;
        self.expect_punct(Punct::RParen)?;
        self.expect_punct(Punct::LBrace)?;
        let mut cases = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            let start = self.peek().span;
            let label = if self.is_word("default") {
                let t = self.bump();
                Expr::new(ExprKind::Default, t.span)
            } else {
                self.expr()?
            };
            self.expect_punct(Punct::Colon)?;
            let body = if self.is_punct(Punct::LBrace) {
                Some(self.block(Vec::new())?)
            } else {
                None
            };
            cases.push(SwitchCase {
                label,
                body,
                span: start.to(self.prev_span()),
            });
        }
        self.expect_punct(Punct::RBrace)?;
        Ok(StmtKind::Switch { expr, cases })
    }
}
