//! Expressions, with the precedence and associativity of the P4-16 grammar.

use super::{Failed, PResult, Parser};
use crate::ast::*;
use crate::lexer::{Punct, Tok};

impl Parser<'_> {
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.ternary();
        self.leave();
        r
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let cond = self.binary(TERNARY_PRECEDENCE + 1)?;
        if self.eat_punct(Punct::Question) {
            let then = self.expr()?;
            self.expect_punct(Punct::Colon)?;
            self.enter()?;
            let els = self.ternary();
            self.leave();
            let els = els?;
            let span = cond.span.to(els.span);
            return Ok(Expr::new(
                ExprKind::Ternary {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    els: Box::new(els),
                },
                span,
            ));
        }
        Ok(cond)
    }

    /// A keyset element: an expression, optionally `&&& mask` or `.. hi`; or `default` / `_`.
    pub(crate) fn keyset_expr(&mut self) -> PResult<Expr> {
        let t = self.peek().clone();
        if self.eat_word("default") {
            return Ok(Expr::new(ExprKind::Default, t.span));
        }
        if self.is_word("_") {
            self.bump();
            return Ok(Expr::new(ExprKind::DontCare, t.span));
        }
        let lhs = self.expr()?;
        let op = if self.eat_punct(Punct::Mask) {
            BinOp::Mask
        } else if self.eat_punct(Punct::DotDot) {
            BinOp::Range
        } else {
            return Ok(lhs);
        };
        let rhs = self.expr()?;
        let span = lhs.span.to(rhs.span);
        Ok(Expr::new(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        ))
    }

    /// The binary operator at the cursor and how many tokens it spans.
    fn peek_binop(&self) -> Option<(BinOp, usize)> {
        let Tok::P(p) = self.peek().tok else {
            return None;
        };
        Some(match p {
            Punct::Star => (BinOp::Mul, 1),
            Punct::Slash => (BinOp::Div, 1),
            Punct::Percent => (BinOp::Mod, 1),
            Punct::Plus => (BinOp::Add, 1),
            Punct::Minus => (BinOp::Sub, 1),
            Punct::SatAdd => (BinOp::SatAdd, 1),
            Punct::SatSub => (BinOp::SatSub, 1),
            Punct::PlusPlus => (BinOp::Concat, 1),
            Punct::Shl => (BinOp::Shl, 1),
            Punct::Gt => {
                // Two adjacent '>' form a right shift (the lexer never merges them).
                let a = self.peek().span;
                let b = self.peek_at(1);
                if b.tok == Tok::P(Punct::Gt) && a.hi == b.span.lo {
                    (BinOp::Shr, 2)
                } else if b.tok == Tok::P(Punct::Ge) && a.hi == b.span.lo {
                    // `>>=` is a compound assignment, not an operator here.
                    return None;
                } else {
                    (BinOp::Gt, 1)
                }
            }
            Punct::Lt => (BinOp::Lt, 1),
            Punct::Le => (BinOp::Le, 1),
            Punct::Ge => (BinOp::Ge, 1),
            Punct::EqEq => (BinOp::Eq, 1),
            Punct::Ne => (BinOp::Ne, 1),
            Punct::Amp => (BinOp::BitAnd, 1),
            Punct::Caret => (BinOp::BitXor, 1),
            Punct::Pipe => (BinOp::BitOr, 1),
            Punct::AndAnd => (BinOp::And, 1),
            Punct::OrOr => (BinOp::Or, 1),
            _ => return None,
        })
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.prefix()?;
        while let Some((op, ntoks)) = self.peek_binop() {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            for _ in 0..ntoks {
                self.bump();
            }
            self.enter()?;
            let rhs = self.binary(prec + 1);
            self.leave();
            let rhs = rhs?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr::new(
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            );
        }
        Ok(lhs)
    }

    fn prefix(&mut self) -> PResult<Expr> {
        let t = self.peek().clone();
        let op = match t.tok {
            Tok::P(Punct::Not) => Some(UnOp::Not),
            Tok::P(Punct::Tilde) => Some(UnOp::BitNot),
            Tok::P(Punct::Minus) => Some(UnOp::Neg),
            Tok::P(Punct::Plus) => Some(UnOp::Plus),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            self.enter()?;
            let e = self.prefix();
            self.leave();
            let e = e?;
            let span = t.span.to(e.span);
            return Ok(Expr::new(
                ExprKind::Unary {
                    op,
                    expr: Box::new(e),
                },
                span,
            ));
        }
        if self.is_punct(Punct::LParen) && self.at_cast() {
            self.bump();
            let ty = self.ty()?;
            self.expect_punct(Punct::RParen)?;
            self.enter()?;
            let e = self.prefix();
            self.leave();
            let e = e?;
            let span = t.span.to(e.span);
            return Ok(Expr::new(
                ExprKind::Cast {
                    ty,
                    expr: Box::new(e),
                },
                span,
            ));
        }
        self.postfix()
    }

    /// At `(`: is this a cast? Casts name a keyword type, a known type name, or a type with
    /// arguments, followed by `)`.
    fn at_cast(&mut self) -> bool {
        let keyword_type = match &self.peek_at(1).tok {
            Tok::Ident(s) => match s.as_str() {
                "bit" | "int" | "varbit" | "bool" | "error" | "string" | "tuple" | "match_kind" => {
                    true
                }
                "list" => self.is_punct_at(2, Punct::Lt),
                s => {
                    if !self.is_type_name(s) {
                        return false;
                    }
                    false
                }
            },
            Tok::P(Punct::Dot) => {
                if !matches!(&self.peek_at(2).tok, Tok::Ident(s) if self.is_type_name(s)) {
                    return false;
                }
                false
            }
            _ => return false,
        };
        // `( type )` followed by something that can start an operand. `(T).x`, `(T)` alone or a
        // parenthesised expression that merely starts with a type (`(bit<8>.minSizeInBits())`)
        // are not casts.
        let _ = keyword_type;
        self.probe(|p| {
            p.bump();
            p.ty()?;
            if !p.is_punct(Punct::RParen) {
                return Err(Failed);
            }
            p.bump();
            match p.peek().tok {
                Tok::P(Punct::Dot)
                | Tok::P(Punct::RParen)
                | Tok::P(Punct::Semi)
                | Tok::P(Punct::Comma)
                | Tok::P(Punct::RBrace)
                | Tok::P(Punct::RBracket)
                | Tok::P(Punct::Colon)
                | Tok::Eof => Err(Failed),
                _ => Ok(()),
            }
        })
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let mut steps = 0u32;
        loop {
            steps += 1;
            if steps > super::MAX_DEPTH {
                let span = self.peek().span;
                self.error_at(span, "expression is too long (too many postfix operations)");
                return Err(Failed);
            }
            if self.is_punct(Punct::Dot) {
                self.bump();
                let member = self.member_name()?;
                let span = e.span.to(member.span);
                e = Expr::new(
                    ExprKind::Member {
                        base: Box::new(e),
                        member,
                    },
                    span,
                );
            } else if self.is_punct(Punct::LBracket) {
                self.bump();
                let first = self.expr()?;
                if self.eat_punct(Punct::Colon) {
                    let lo = self.expr()?;
                    let close = self.expect_punct(Punct::RBracket)?;
                    let span = e.span.to(close);
                    e = Expr::new(
                        ExprKind::Slice {
                            base: Box::new(e),
                            hi: Box::new(first),
                            lo: Box::new(lo),
                        },
                        span,
                    );
                } else {
                    let close = self.expect_punct(Punct::RBracket)?;
                    let span = e.span.to(close);
                    e = Expr::new(
                        ExprKind::Index {
                            base: Box::new(e),
                            index: Box::new(first),
                        },
                        span,
                    );
                }
            } else if self.is_punct(Punct::LParen) {
                let args = self.args()?;
                let span = e.span.to(self.prev_span());
                e = Expr::new(
                    ExprKind::Call {
                        callee: Box::new(e),
                        type_args: Vec::new(),
                        args,
                    },
                    span,
                );
            } else if self.is_punct(Punct::Lt)
                && matches!(e.kind, ExprKind::Path(_) | ExprKind::Member { .. })
                && self.type_arg_start_at(1)
            {
                // Explicit type arguments of a call: `f<bit<8>>(x)`.
                let r = self.speculate(|p| {
                    let ta = p.type_args()?;
                    if !p.is_punct(Punct::LParen) {
                        return Err(Failed);
                    }
                    let args = p.args()?;
                    Ok((ta, args))
                });
                match r {
                    Some((type_args, args)) => {
                        let span = e.span.to(self.prev_span());
                        e = Expr::new(
                            ExprKind::Call {
                                callee: Box::new(e),
                                type_args,
                                args,
                            },
                            span,
                        );
                    }
                    None => break,
                }
            } else {
                break;
            }
        }
        Ok(e)
    }

    fn type_arg_start_at(&self, n: usize) -> bool {
        match &self.peek_at(n).tok {
            Tok::Ident(s) => match s.as_str() {
                "bit" | "int" | "varbit" | "bool" | "error" | "string" | "tuple" | "void" | "_"
                | "match_kind" => true,
                "list" => self.is_punct_at(n + 1, Punct::Lt),
                s => self.is_type_name(s),
            },
            Tok::P(Punct::Dot) => {
                matches!(&self.peek_at(n + 1).tok, Tok::Ident(s) if self.is_type_name(s))
            }
            _ => false,
        }
    }

    pub(crate) fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Int(i) => {
                self.bump();
                Ok(Expr::new(ExprKind::Int(i.clone()), t.span))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::new(ExprKind::Str(s.clone()), t.span))
            }
            Tok::P(Punct::LParen) => {
                self.bump();
                let e = self.expr()?;
                let close = self.expect_punct(Punct::RParen)?;
                // Parentheses are not kept; widen the span to cover them.
                Ok(Expr::new(e.kind, t.span.to(close)))
            }
            Tok::P(Punct::LBrace) => self.brace_init(),
            Tok::P(Punct::Dot) => {
                self.bump();
                let name = self.ident()?;
                let span = t.span.to(name.span);
                Ok(Expr::new(
                    ExprKind::Path(Path {
                        absolute: true,
                        name,
                    }),
                    span,
                ))
            }
            Tok::P(Punct::Ellipsis) => {
                self.bump();
                Ok(Expr::new(ExprKind::Dots, t.span))
            }
            Tok::Ident(w) => match w.as_str() {
                "true" => {
                    self.bump();
                    Ok(Expr::new(ExprKind::Bool(true), t.span))
                }
                "false" => {
                    self.bump();
                    Ok(Expr::new(ExprKind::Bool(false), t.span))
                }
                "this" => {
                    self.bump();
                    Ok(Expr::new(ExprKind::This, t.span))
                }
                "_" => {
                    self.bump();
                    Ok(Expr::new(ExprKind::DontCare, t.span))
                }
                "default" => {
                    self.bump();
                    Ok(Expr::new(ExprKind::Default, t.span))
                }
                "error" => {
                    // `error.Foo`: the error namespace is an ordinary path here.
                    self.bump();
                    Ok(Expr::new(
                        ExprKind::Path(Path {
                            absolute: false,
                            name: Ident::new("error", t.span),
                        }),
                        t.span,
                    ))
                }
                "bit" | "int" | "varbit" | "bool" | "string" | "tuple" => {
                    let ty = self.ty()?;
                    Ok(Expr::new(
                        ExprKind::TypeExpr(ty),
                        t.span.to(self.prev_span()),
                    ))
                }
                w if crate::ast::is_reserved(w) => self.expected("an expression"),
                w => {
                    // A type name followed by `{ name =` is a typed initialiser.
                    if self.is_type_name(w)
                        && self.is_punct_at(1, Punct::LBrace)
                        && matches!(self.peek_at(2).tok, Tok::Ident(_))
                        && self.is_punct_at(3, Punct::Assign)
                    {
                        let ty = self.ty()?;
                        let Expr { kind, span } = self.brace_init()?;
                        let fields = match kind {
                            ExprKind::StructInit { fields, .. } => fields,
                            _ => Vec::new(),
                        };
                        return Ok(Expr::new(
                            ExprKind::TypedInit { ty, fields },
                            t.span.to(span),
                        ));
                    }
                    let name = self.ident()?;
                    let span = name.span;
                    Ok(Expr::new(
                        ExprKind::Path(Path {
                            absolute: false,
                            name,
                        }),
                        span,
                    ))
                }
            },
            _ => self.expected("an expression"),
        }
    }

    /// `{ a, b }` or `{ f = a, g = b }`, either possibly ending in `...`.
    fn brace_init(&mut self) -> PResult<Expr> {
        let open = self.expect_punct(Punct::LBrace)?;
        let is_kv = matches!(self.peek().tok, Tok::Ident(_)) && self.is_punct_at(1, Punct::Assign);
        if is_kv {
            let mut fields = Vec::new();
            let mut has_dots = false;
            while !self.is_punct(Punct::RBrace) {
                if self.eat_punct(Punct::Ellipsis) {
                    has_dots = true;
                    break;
                }
                let k = self.member_name()?;
                self.expect_punct(Punct::Assign)?;
                let v = self.expr()?;
                fields.push((k, v));
                if !self.eat_punct(Punct::Comma) {
                    break;
                }
            }
            let close = self.expect_punct(Punct::RBrace)?;
            return Ok(Expr::new(
                ExprKind::StructInit { fields, has_dots },
                open.to(close),
            ));
        }
        let mut items = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            items.push(self.expr()?);
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Expr::new(ExprKind::List(items), open.to(close)))
    }

    pub(crate) fn path_expr(&mut self) -> PResult<Path> {
        let absolute = self.eat_punct(Punct::Dot);
        let name = self.ident()?;
        Ok(Path { absolute, name })
    }
}
