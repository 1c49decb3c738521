//! Statements.

use super::expr::{const_int, Typed};
use super::types::T;
use super::{Checker, Sym};
use crate::ast::{self, ExprKind as A, StmtKind as S};
use crate::ir;

/// Whether every path through `body` ends in `return` or `exit`.
pub(crate) fn always_returns(body: &[ir::Stmt]) -> bool {
    body.iter().any(|s| match s {
        ir::Stmt::Return { .. } | ir::Stmt::Exit => true,
        ir::Stmt::Block { stmts } => always_returns(stmts),
        ir::Stmt::If { then, els, .. } => always_returns(then) && always_returns(els),
        ir::Stmt::Switch { cases, .. } => {
            cases.iter().any(|c| c.labels.is_empty())
                && cases.iter().all(|c| always_returns(&c.body))
        }
        _ => false,
    })
}

fn bool_const(value: bool) -> ir::Expr {
    ir::Expr {
        ty: ir::Ty::Bool,
        kind: ir::ExprKind::Bool { value },
    }
}

impl<'a> Checker<'a, '_> {
    pub(crate) fn block_stmts(&mut self, stmts: &'a [ast::Stmt]) -> Vec<ir::Stmt> {
        let mut out = Vec::new();
        for s in stmts {
            self.stmt(s, &mut out);
        }
        out
    }

    fn stmt(&mut self, s: &'a ast::Stmt, out: &mut Vec<ir::Stmt>) {
        match &s.kind {
            S::Empty => {}
            S::Annotated(_, inner) => self.stmt(inner, out),
            S::Block(b) => {
                self.push_scope();
                let stmts = self.block_stmts(&b.stmts);
                self.pop_scope();
                out.push(ir::Stmt::Block { stmts });
            }
            S::Var(v) => {
                if let Some(init) = self.var_decl(v) {
                    out.push(init);
                }
            }
            S::Const(c) => self.const_decl(c),
            S::Assign { lhs, rhs } => {
                if let Err(why) = self.lvalue(lhs) {
                    self.err(lhs.span, format!("cannot assign: {why}"));
                }
                let l = self.expr(lhs, None);
                let r = self.expr(rhs, Some(&l.t));
                let r = self.coerce(r, &l.t, rhs.span);
                out.push(ir::Stmt::Assign { lhs: l.e, rhs: r.e });
            }
            S::CompoundAssign { op, lhs, rhs } => {
                if let Err(why) = self.lvalue(lhs) {
                    self.err(lhs.span, format!("cannot assign: {why}"));
                }
                let l = self.expr(lhs, None);
                let combined = ast::Expr::new(
                    A::Binary {
                        op: *op,
                        lhs: Box::new(lhs.clone()),
                        rhs: Box::new(rhs.clone()),
                    },
                    s.span,
                );
                let r = self.expr(&combined, Some(&l.t));
                let r = self.coerce(r, &l.t, s.span);
                out.push(ir::Stmt::Assign { lhs: l.e, rhs: r.e });
            }
            S::Call(e) => {
                let x = self.expr(e, None);
                match x.e.kind {
                    ir::ExprKind::Call(c) => out.push(ir::Stmt::Call(*c)),
                    _ if x.t.is_unknown() => {}
                    _ => self.err(e.span, "this expression is not a call"),
                }
            }
            S::If { cond, then, els } => {
                let c = self.expr(cond, Some(&T::Bool));
                self.expect_bool(&c, cond.span, "an if condition");
                let then_ir = self.branch(then);
                let els_ir = els.as_ref().map(|e| self.branch(e)).unwrap_or_default();
                out.push(ir::Stmt::If {
                    cond: c.e,
                    then: then_ir,
                    els: els_ir,
                });
            }
            S::Exit => {
                let b = self.block.as_ref();
                if b.is_some_and(|b| b.in_parser) {
                    self.err(s.span, "'exit' is not allowed in a parser");
                }
                out.push(ir::Stmt::Exit);
            }
            S::Return(v) => self.return_stmt(v.as_ref(), s, out),
            S::For {
                init,
                cond,
                update,
                body,
            } => self.for_stmt(init, cond.as_ref(), update, body, out),
            S::ForIn {
                ty,
                name,
                coll,
                body,
                ..
            } => self.for_in_stmt(ty, name, coll, body, out),
            S::Break | S::Continue => {
                let word = if matches!(s.kind, S::Break) {
                    "break"
                } else {
                    "continue"
                };
                if self.loop_depth == 0 {
                    self.err(s.span, format!("'{word}' is only allowed inside a loop"));
                } else if matches!(s.kind, S::Break) {
                    out.push(ir::Stmt::Break);
                } else {
                    out.push(ir::Stmt::Continue);
                }
            }
            S::Switch { expr, cases } => self.switch_stmt(expr, cases, s, out),
        }
    }

    /// A loop body: its own scope, inside one more loop.
    fn loop_body(&mut self, s: &'a ast::Stmt) -> Vec<ir::Stmt> {
        self.loop_depth += 1;
        let body = self.branch(s);
        self.loop_depth -= 1;
        body
    }

    /// `for (init; cond; update) body`: the header's declarations are visible in the
    /// condition, the update and the body.
    fn for_stmt(
        &mut self,
        init: &'a [ast::Stmt],
        cond: Option<&'a ast::Expr>,
        update: &'a [ast::Stmt],
        body: &'a ast::Stmt,
        out: &mut Vec<ir::Stmt>,
    ) {
        self.push_scope();
        let mut init_ir = Vec::new();
        for s in init {
            self.stmt(s, &mut init_ir);
        }
        let cond = match cond {
            Some(c) => {
                let x = self.expr(c, Some(&T::Bool));
                self.expect_bool(&x, c.span, "a loop condition");
                x.e
            }
            None => bool_const(true),
        };
        let mut update_ir = Vec::new();
        for s in update {
            self.stmt(s, &mut update_ir);
        }
        let body = self.loop_body(body);
        self.pop_scope();
        out.push(ir::Stmt::For {
            init: init_ir,
            cond,
            update: update_ir,
            body,
        });
    }

    /// `for (T x in lo .. hi) body` and `for (T x in stack) body`, lowered to [`ir::Stmt::For`]
    /// over a hidden index, so that the range's bounds are evaluated once and a range that
    /// ends at the type's largest value still ends. `x` is a copy of the current value or
    /// element; assigning to it does not change the iteration.
    fn for_in_stmt(
        &mut self,
        ty: &'a ast::Type,
        name: &'a ast::Ident,
        coll: &'a ast::Expr,
        body: &'a ast::Stmt,
        out: &mut Vec<ir::Stmt>,
    ) {
        let t = self.resolve_type(ty);
        let var = |name: &str, t: &T| ir::Expr {
            ty: t.to_ir(),
            kind: ir::ExprKind::Var {
                name: name.to_string(),
            },
        };
        let bin = |op: ir::BinOp, t: &T, a: ir::Expr, b: ir::Expr| ir::Expr {
            ty: t.to_ir(),
            kind: ir::ExprKind::Binary {
                op,
                lhs: Box::new(a),
                rhs: Box::new(b),
            },
        };
        let assign = |lhs: ir::Expr, rhs: ir::Expr| ir::Stmt::Assign { lhs, rhs };
        let one = |t: &T| ir::Expr {
            ty: t.to_ir(),
            kind: ir::ExprKind::Const {
                value: num_bigint::BigInt::from(1),
            },
        };
        self.push_scope();
        let (init, cond, update, first) = match &coll.kind {
            A::Binary {
                op: ast::BinOp::Range,
                lhs,
                rhs,
            } => {
                if !matches!(t, T::Bits { .. } | T::Unknown) {
                    self.err(
                        name.span,
                        format!(
                            "the variable of a loop over a range must have type bit<W> or \
                             int<W>, not {}",
                            self.type_name(&t)
                        ),
                    );
                }
                let lo = self.expr(lhs, Some(&t));
                let lo = self.coerce(lo, &t, lhs.span);
                let hi = self.expr(rhs, Some(&t));
                let hi = self.coerce(hi, &t, rhs.span);
                let i = self.fresh_local(&format!("{}_index", name.name), &t);
                let end = self.fresh_local(&format!("{}_last", name.name), &t);
                let go = self.fresh_local(&format!("{}_more", name.name), &T::Bool);
                let init = vec![
                    assign(var(&i, &t), lo.e),
                    assign(var(&end, &t), hi.e),
                    assign(
                        var(&go, &T::Bool),
                        bin(ir::BinOp::Le, &T::Bool, var(&i, &t), var(&end, &t)),
                    ),
                ];
                let update = vec![
                    assign(
                        var(&go, &T::Bool),
                        bin(ir::BinOp::Ne, &T::Bool, var(&i, &t), var(&end, &t)),
                    ),
                    assign(var(&i, &t), bin(ir::BinOp::Add, &t, var(&i, &t), one(&t))),
                ];
                (init, var(&go, &T::Bool), update, var(&i, &t))
            }
            _ => {
                let c = self.expr(coll, None);
                let (elem, size) = match &c.t {
                    T::Stack(e, n) => (T::Named(*e), *n),
                    T::Unknown => (T::Unknown, 0),
                    other => {
                        self.err(
                            coll.span,
                            format!(
                                "a loop can go over a range 'lo .. hi' or a header stack, \
                                 not {}",
                                self.type_name(other)
                            ),
                        );
                        (T::Unknown, 0)
                    }
                };
                if !elem.is_unknown() && !t.is_unknown() && elem != t {
                    self.err(
                        name.span,
                        format!(
                            "type mismatch: the loop variable has type {} but the stack holds {}",
                            self.type_name(&t),
                            self.type_name(&elem)
                        ),
                    );
                }
                let it = T::Bits { w: 32, s: false };
                let i = self.fresh_local(&format!("{}_index", name.name), &it);
                let init = vec![assign(
                    var(&i, &it),
                    ir::Expr {
                        ty: it.to_ir(),
                        kind: ir::ExprKind::Const {
                            value: num_bigint::BigInt::from(0),
                        },
                    },
                )];
                let cond = bin(
                    ir::BinOp::Lt,
                    &T::Bool,
                    var(&i, &it),
                    ir::Expr {
                        ty: it.to_ir(),
                        kind: ir::ExprKind::Const {
                            value: num_bigint::BigInt::from(size),
                        },
                    },
                );
                let update = vec![assign(
                    var(&i, &it),
                    bin(ir::BinOp::Add, &it, var(&i, &it), one(&it)),
                )];
                let element = ir::Expr {
                    ty: elem.to_ir(),
                    kind: ir::ExprKind::Index {
                        base: Box::new(c.e),
                        index: Box::new(var(&i, &it)),
                    },
                };
                (init, cond, update, element)
            }
        };
        let x = self.fresh_local(&name.name, &t);
        self.declare(
            name,
            Sym::Var {
                ty: t.clone(),
                ir_name: x.clone(),
                dir: None,
                readonly: false,
            },
        );
        let mut body_ir = vec![assign(var(&x, &t), first)];
        body_ir.extend(self.loop_body(body));
        self.pop_scope();
        out.push(ir::Stmt::For {
            init,
            cond,
            update,
            body: body_ir,
        });
    }

    fn branch(&mut self, s: &'a ast::Stmt) -> Vec<ir::Stmt> {
        self.push_scope();
        let mut v = Vec::new();
        self.stmt(s, &mut v);
        self.pop_scope();
        // A block branch is flattened one level.
        if let [ir::Stmt::Block { .. }] = v.as_slice() {
            if let Some(ir::Stmt::Block { stmts }) = v.pop() {
                return stmts;
            }
        }
        v
    }

    fn return_stmt(&mut self, v: Option<&'a ast::Expr>, s: &ast::Stmt, out: &mut Vec<ir::Stmt>) {
        let ret = self.block.as_ref().and_then(|b| b.ret.clone());
        match (ret, v) {
            (Some(rt), Some(e)) if rt != T::Void => {
                self.no_default_init(e, "a return statement");
                let x = self.expr(e, Some(&rt));
                let x = self.coerce(x, &rt, e.span);
                out.push(ir::Stmt::Return { value: Some(x.e) });
            }
            (Some(rt), None) if rt != T::Void && !rt.is_unknown() => {
                self.err(
                    s.span,
                    format!(
                        "return without a value in a function that returns {}",
                        self.type_name(&rt)
                    ),
                );
            }
            (_, Some(e)) => {
                self.err(
                    e.span,
                    "return with a value is only allowed in a function that returns one",
                );
            }
            (_, None) => {
                if self.block.as_ref().is_some_and(|b| b.in_parser) {
                    self.err(s.span, "'return' is not allowed in a parser state");
                }
                out.push(ir::Stmt::Return { value: None });
            }
        }
    }

    fn switch_stmt(
        &mut self,
        on: &'a ast::Expr,
        cases: &'a [ast::SwitchCase],
        s: &ast::Stmt,
        out: &mut Vec<ir::Stmt>,
    ) {
        let x = self.expr(on, None);
        let table = match &x.t {
            T::ActionEnum(t) => Some(t.clone()),
            _ => None,
        };
        if table.is_none()
            && !matches!(x.t, T::Bits { .. } | T::Unknown)
            && self.ser_enum(&x.t).is_none()
            && !matches!(x.t, T::Named(_) | T::Error)
        {
            self.err(
                on.span,
                format!(
                    "type mismatch: cannot switch on a value of type {}",
                    self.type_name(&x.t)
                ),
            );
        }
        let table_actions = table
            .as_ref()
            .and_then(|t| self.table_actions.get(t).cloned());
        let mut seen: Vec<String> = Vec::new();
        let mut ir_cases = Vec::new();
        let mut pending: Vec<ir::Expr> = Vec::new();
        let mut saw_default = false;
        for (i, c) in cases.iter().enumerate() {
            let is_default = matches!(c.label.kind, A::Default);
            if saw_default {
                self.err(
                    c.label.span,
                    "switch label after 'default' (default must be last)",
                );
            }
            if is_default {
                saw_default = true;
                if c.body.is_none() && i + 1 == cases.len() {
                    self.err(c.label.span, "the last switch label needs a body");
                }
            } else if let Some(tname) = &table {
                let label = match &c.label.kind {
                    A::Path(p) => match self.lookup_path(p).map(|e| e.sym.clone()) {
                        Some(Sym::Action(q)) => Some(q),
                        _ => None,
                    },
                    _ => None,
                };
                match label {
                    Some(q) => {
                        if table_actions
                            .as_ref()
                            .is_some_and(|acts| !acts.contains(&q))
                        {
                            self.err(
                                c.label.span,
                                format!("switch label '{q}' is not an action of table '{tname}'"),
                            );
                        }
                        if seen.contains(&q) {
                            self.err(c.label.span, format!("duplicate switch label '{q}'"));
                        }
                        seen.push(q.clone());
                        pending.push(
                            super::expr::mk(
                                T::ActionEnum(tname.clone()),
                                ir::ExprKind::Str { value: q },
                            )
                            .e,
                        );
                    }
                    None => {
                        self.err(
                            c.label.span,
                            format!("switch label must be an action of table '{tname}'"),
                        );
                    }
                }
            } else {
                let l: Typed = self.expr(&c.label, Some(&x.t));
                let l = self.coerce(l, &x.t, c.label.span);
                if !super::expr::is_constant(&l.e) && !l.t.is_unknown() {
                    self.err(c.label.span, "switch label must be a compile-time constant");
                }
                let key = format!(
                    "{:?}",
                    const_int(&l.e)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| format!("{:?}", l.e.kind))
                );
                if seen.contains(&key) {
                    self.err(c.label.span, "duplicate switch label");
                }
                seen.push(key);
                pending.push(l.e);
            }
            if let Some(b) = &c.body {
                self.push_scope();
                let body = self.block_stmts(&b.stmts);
                self.pop_scope();
                let labels = if is_default {
                    Vec::new()
                } else {
                    std::mem::take(&mut pending)
                };
                if is_default {
                    pending.clear();
                }
                ir_cases.push(ir::SwitchCase { labels, body });
            } else if is_default {
                pending.clear();
            }
        }
        let _ = s;
        out.push(ir::Stmt::Switch {
            on: x.e,
            cases: ir_cases,
        });
    }
}
