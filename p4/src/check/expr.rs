//! Expressions: typing, width inference for untyped integers, constant folding, calls.

use super::types::{fits, unify, wrap, T};
use super::{decls::arity_ok, Checker, Sym};
use crate::ast::{self, BinOp, Direction, ExprKind as A, UnOp};
use crate::diag::Span;
use crate::ir::{self, ExprKind as K};
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::HashMap;

/// An expression with its checker type and its IR form.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub t: T,
    pub e: ir::Expr,
}

pub(crate) fn mk(t: T, kind: K) -> Typed {
    Typed {
        e: ir::Expr {
            ty: t.to_ir(),
            kind,
        },
        t,
    }
}

fn unknown() -> Typed {
    mk(T::Unknown, K::DontCare)
}

/// Whether an IR expression is a compile-time constant.
pub(crate) fn is_constant(e: &ir::Expr) -> bool {
    match &e.kind {
        K::Const { .. }
        | K::Bool { .. }
        | K::Str { .. }
        | K::ErrorConst { .. }
        | K::EnumMember { .. } => true,
        K::List { elems } => elems.iter().all(is_constant),
        _ => false,
    }
}

/// The integer value of a constant expression.
pub(crate) fn const_int(e: &ir::Expr) -> Option<BigInt> {
    match &e.kind {
        K::Const { value } => Some(value.clone()),
        K::Bool { value } => Some(BigInt::from(u8::from(*value))),
        _ => None,
    }
}

fn ir_binop(op: BinOp) -> Option<ir::BinOp> {
    Some(match op {
        BinOp::Mul => ir::BinOp::Mul,
        BinOp::Div => ir::BinOp::Div,
        BinOp::Mod => ir::BinOp::Mod,
        BinOp::Add => ir::BinOp::Add,
        BinOp::Sub => ir::BinOp::Sub,
        BinOp::SatAdd => ir::BinOp::SatAdd,
        BinOp::SatSub => ir::BinOp::SatSub,
        BinOp::Concat => ir::BinOp::Concat,
        BinOp::Shl => ir::BinOp::Shl,
        BinOp::Shr => ir::BinOp::Shr,
        BinOp::BitAnd => ir::BinOp::BitAnd,
        BinOp::BitXor => ir::BinOp::BitXor,
        BinOp::BitOr => ir::BinOp::BitOr,
        BinOp::Lt => ir::BinOp::Lt,
        BinOp::Le => ir::BinOp::Le,
        BinOp::Gt => ir::BinOp::Gt,
        BinOp::Ge => ir::BinOp::Ge,
        BinOp::Eq => ir::BinOp::Eq,
        BinOp::Ne => ir::BinOp::Ne,
        BinOp::And => ir::BinOp::And,
        BinOp::Or => ir::BinOp::Or,
        BinOp::Mask | BinOp::Range => return None,
    })
}

/// Largest shift amount folded at compile time.
const MAX_FOLD_SHIFT: u64 = 1 << 16;

impl<'a> Checker<'a, '_> {
    // ---- constants ----

    /// A positive width for `bit<W>`.
    pub(crate) fn const_width(&mut self, e: &ast::Expr) -> Option<u32> {
        let x = self.expr(e, None);
        match const_int(&x.e) {
            Some(v) if v.is_negative() => {
                self.err(e.span, format!("width {v} is negative"));
                None
            }
            Some(v) => match v.to_u32() {
                Some(w) if w <= crate::lexer::MAX_WIDTH => Some(w),
                _ => {
                    self.err(e.span, format!("width {v} is too large"));
                    None
                }
            },
            None => {
                if !x.t.is_unknown() {
                    self.err(e.span, "width is not a compile-time constant");
                }
                None
            }
        }
    }

    pub(crate) fn const_u32(&mut self, e: &ast::Expr, what: &str) -> Option<u32> {
        let x = self.expr(e, None);
        match const_int(&x.e) {
            Some(v) => match v.to_u32() {
                Some(n) => Some(n),
                None => {
                    self.err(e.span, format!("{what} {v} is out of range"));
                    None
                }
            },
            None => {
                if !x.t.is_unknown() {
                    self.err(e.span, format!("{what} is not a compile-time constant"));
                }
                None
            }
        }
    }

    /// Initializers closed by `...` only initialize variables and constants, or are assigned
    /// (P4-16 8.26); p4c rejects them as operands, arguments and return values.
    pub(crate) fn no_default_init(&mut self, e: &ast::Expr, ctx: &str) {
        let dots = match &e.kind {
            A::List(items) => items.iter().any(|x| matches!(x.kind, A::Dots)),
            A::StructInit { has_dots, .. } => *has_dots,
            _ => false,
        };
        if dots {
            self.err(
                e.span,
                format!("an initializer with '...' (default values) cannot be used in {ctx}"),
            );
        }
    }

    /// P4-16 8.11.2: a value of a serializable enum converts implicitly to the enum's
    /// underlying type. Returns `x` unchanged when it is not of a serializable enum type;
    /// enum members fold to their values.
    pub(crate) fn enum_to_underlying(&mut self, x: Typed) -> Typed {
        let Some((w, s)) = self.ser_enum(&x.t) else {
            return x;
        };
        let u = T::Bits { w, s };
        if let (K::EnumMember { name }, T::Named(id)) = (&x.e.kind, &x.t) {
            if let Some(ir::TypeKind::SerEnum { members, .. }) =
                self.ir.types.get(*id as usize).map(|d| &d.kind)
            {
                if let Some(m) = members.iter().find(|m| &m.name == name) {
                    return mk(
                        u,
                        K::Const {
                            value: wrap(&m.value, w, s),
                        },
                    );
                }
            }
        }
        mk(u, K::Cast { arg: Box::new(x.e) })
    }

    /// Gives an untyped integer the type `target` and checks that `x` fits where `target` is
    /// expected.
    /// Whether the parser or control declared as `block` has the type declared (without a
    /// body) as `ty`: the same kind, and parameters of the same directions and types.
    fn block_implements(&mut self, block: &str, ty: &str) -> bool {
        let Some(Sym::BlockType(want_kind, want)) = self.lookup(ty).map(|e| e.sym.clone()) else {
            return false;
        };
        let Some((got_kind, got, _)) = self.blocks.get(block).cloned() else {
            return false;
        };
        if want_kind != got_kind
            || !want.type_params.is_empty()
            || !got.type_params.is_empty()
            || want.params.len() != got.params.len()
        {
            return false;
        }
        want.params.iter().zip(&got.params).all(|(w, g)| {
            w.direction == g.direction && {
                let (wt, gt) = (self.resolve_type(&w.ty), self.resolve_type(&g.ty));
                wt == gt
            }
        })
    }

    /// `inst.apply(args)` for an instance of parser or control `bname` (a type with a body,
    /// or one declared without: a constructor parameter).
    fn apply_block_call(
        &mut self,
        bname: &str,
        inst: String,
        args: &[ast::Arg],
        span: Span,
    ) -> Typed {
        let sig = match self.blocks.get(bname) {
            Some((_, sig, _)) => *sig,
            None => match self.lookup(bname).map(|e| e.sym.clone()) {
                Some(Sym::BlockType(_, sig)) => sig,
                _ => return unknown(),
            },
        };
        let sigp = super::Signature {
            params: sig
                .params
                .iter()
                .map(|p| {
                    let t = self.resolve_type(&p.ty);
                    (p.name.name.clone(), t, p.direction, p.default.is_some())
                })
                .collect(),
            ret: T::Void,
        };
        let args_ir = self.call_sig(bname, Some(&sigp), args, span);
        mk(
            T::Void,
            K::Call(Box::new(ir::Call {
                target: ir::CallTarget::ApplyBlock { name: inst },
                receiver: None,
                type_args: vec![],
                args: args_ir,
            })),
        )
    }

    /// `T.apply(args)` on a parser or control type (direct type invocation, P4-16 15.1): an
    /// instance of `T` of its own for this call, declared in the enclosing block and named
    /// after the type (`T`, then `T_1`, ... for further invocations in the same block).
    fn direct_apply(&mut self, bname: &str, args: &[ast::Arg], span: Span) -> Typed {
        let Some((_, _, ctor)) = self.blocks.get(bname).cloned() else {
            self.err(span, format!("'{bname}' has no body and cannot be applied"));
            return unknown();
        };
        if ctor.is_some_and(|c| !c.is_empty()) {
            self.err(
                span,
                format!("'{bname}' has constructor parameters: instantiate it to apply it"),
            );
            return unknown();
        }
        let Some(owner) = self
            .block
            .as_ref()
            .filter(|b| !b.owner.is_empty() && !b.in_action && !b.in_function)
            .map(|b| b.owner.clone())
        else {
            self.err(
                span,
                format!("'{bname}' can only be applied inside a parser or control"),
            );
            return unknown();
        };
        let n = self.block.as_mut().map_or(0, |b| {
            let c = b.direct.entry(bname.to_string()).or_insert(0);
            *c += 1;
            *c - 1
        });
        let local = if n == 0 {
            bname.to_string()
        } else {
            format!("{bname}_{n}")
        };
        let name = format!("{owner}.{local}");
        self.ir.sub_instances.push(ir::SubInstance {
            args: Vec::new(),
            name: name.clone(),
            block: bname.to_string(),
        });
        self.apply_block_call(bname, name, args, span)
    }

    pub(crate) fn coerce(&mut self, x: Typed, target: &T, span: Span) -> Typed {
        if target.is_unknown() || x.t.is_unknown() {
            return x;
        }
        if let (T::Int, T::Bits { w, s }) = (&x.t, target) {
            if let Some(v) = const_int(&x.e) {
                if !(fits(&v, *w, *s) || (v.is_negative() && fits(&(-&v), *w, false))) {
                    self.warn(
                        span,
                        format!(
                            "value {v} does not fit in {} and is truncated",
                            self.type_name(target)
                        ),
                    );
                }
                return mk(
                    target.clone(),
                    K::Const {
                        value: wrap(&v, *w, *s),
                    },
                );
            }
            return mk(target.clone(), K::Cast { arg: Box::new(x.e) });
        }
        if matches!(target, T::Bits { .. }) && self.ser_enum(&x.t).is_some() {
            let x = self.enum_to_underlying(x);
            return self.coerce(x, target, span);
        }
        if let (T::Block(want), T::Block(got)) = (target, &x.t) {
            if want != got && self.block_implements(got, want) {
                // A control or parser instance where its type is expected (a constructor
                // argument): the instance itself is passed.
                return x;
            }
        }
        if let (T::Tuple(_), T::Named(_)) = (&x.t, target) {
            if !matches!(x.e.kind, K::List { .. }) && self.fields_of(target).is_some() {
                // A list expression initialises a struct or header; a value of tuple type
                // (a variable, a field) does not convert to one.
                self.err(
                    span,
                    format!(
                        "type mismatch: a value of type {} is not a {}: only a list expression \
                         {{ ... }} converts to a struct or header",
                        self.type_name(&x.t),
                        self.type_name(target)
                    ),
                );
                return unknown();
            }
            if self.assignable(target, &x.t) {
                let mut e = x.e;
                e.ty = target.to_ir();
                // Coerce the elements to the field types.
                if let (K::List { elems }, Some(fields)) = (&mut e.kind, self.fields_of(target)) {
                    for (el, (_, ft)) in elems.iter_mut().zip(fields) {
                        let tx = Typed {
                            t: super::ty_from_ir(&el.ty),
                            e: el.clone(),
                        };
                        *el = self.coerce(tx, &ft, span).e;
                    }
                }
                return Typed {
                    t: target.clone(),
                    e,
                };
            }
        }
        if !self.assignable(target, &x.t) {
            self.err(
                span,
                format!(
                    "type mismatch: expected {}, got {}",
                    self.type_name(target),
                    self.type_name(&x.t)
                ),
            );
            return Typed {
                t: T::Unknown,
                e: x.e,
            };
        }
        x
    }

    // ---- expressions ----

    pub(crate) fn expr(&mut self, e: &ast::Expr, expect: Option<&T>) -> Typed {
        match &e.kind {
            A::Bool(b) => mk(T::Bool, K::Bool { value: *b }),
            A::Str(s) => mk(T::Str, K::Str { value: s.clone() }),
            A::Int(lit) => {
                let mut v = BigInt::from(lit.value.clone());
                if lit.negative {
                    v = -v;
                }
                match lit.width {
                    Some((w, s)) => {
                        if w == 0 && !v.is_zero() {
                            self.err(e.span, "a literal of width 0 can only be 0");
                        } else if !fits(&v, w, s) {
                            self.err(
                                e.span,
                                format!(
                                    "value {v} does not fit in width {w} ({}<{w}>)",
                                    if s { "int" } else { "bit" }
                                ),
                            );
                        }
                        mk(
                            T::Bits { w, s },
                            K::Const {
                                value: wrap(&v, w, s),
                            },
                        )
                    }
                    None => mk(T::Int, K::Const { value: v }),
                }
            }
            A::Path(p) => self.path_expr(p, e.span),
            A::Member { base, member } => self.member(base, member, e.span),
            A::Index { base, index } => {
                let b = self.expr(base, None);
                let i = self.expr(index, None);
                match b.t.clone() {
                    T::Stack(elem, n) => {
                        if !matches!(i.t, T::Bits { .. } | T::Int | T::Unknown) {
                            self.err(
                                index.span,
                                format!(
                                    "type mismatch: a stack index must be an integer, got {}",
                                    self.type_name(&i.t)
                                ),
                            );
                        }
                        if let Some(v) = const_int(&i.e) {
                            if v.is_negative() || v >= BigInt::from(n) {
                                self.err(
                                    index.span,
                                    format!("index {v} is out of bounds for a stack of size {n}"),
                                );
                            }
                        }
                        let i = if matches!(i.t, T::Int) {
                            self.coerce(i, &T::Bits { w: 32, s: false }, index.span)
                        } else {
                            i
                        };
                        mk(
                            T::Named(elem),
                            K::Index {
                                base: Box::new(b.e),
                                index: Box::new(i.e),
                            },
                        )
                    }
                    // P4-16 8.12: a tuple element is selected with a compile-time constant.
                    T::Tuple(ts) => match const_int(&i.e) {
                        Some(v) => match v.to_usize().filter(|k| *k < ts.len()) {
                            Some(k) => {
                                let idx = mk(T::Bits { w: 32, s: false }, K::Const { value: v });
                                mk(
                                    ts[k].clone(),
                                    K::Index {
                                        base: Box::new(b.e),
                                        index: Box::new(idx.e),
                                    },
                                )
                            }
                            None => {
                                self.err(
                                    index.span,
                                    format!(
                                        "index {v} is out of bounds for a tuple of {} elements",
                                        ts.len()
                                    ),
                                );
                                unknown()
                            }
                        },
                        None => {
                            if !i.t.is_unknown() {
                                self.err(
                                    index.span,
                                    "a tuple index must be a compile-time constant",
                                );
                            }
                            unknown()
                        }
                    },
                    T::Unknown => unknown(),
                    other => {
                        self.err(
                            e.span,
                            format!(
                                "type mismatch: cannot index a value of type {}",
                                self.type_name(&other)
                            ),
                        );
                        unknown()
                    }
                }
            }
            A::Slice { base, hi, lo } => {
                let b = self.expr(base, None);
                let h = self.const_u32(hi, "slice bound");
                let l = self.const_u32(lo, "slice bound");
                let (Some(h), Some(l)) = (h, l) else {
                    return unknown();
                };
                let w = match &b.t {
                    T::Bits { w, .. } => *w,
                    T::Int => {
                        if let Some(v) = const_int(&b.e) {
                            let v = (v >> l) & ((BigInt::one() << (h.saturating_sub(l) + 1)) - 1);
                            return mk(
                                T::Bits {
                                    w: h - l + 1,
                                    s: false,
                                },
                                K::Const { value: v },
                            );
                        }
                        u32::MAX
                    }
                    T::Unknown => return unknown(),
                    other => {
                        self.err(
                            e.span,
                            format!(
                                "type mismatch: cannot slice a value of type {}",
                                self.type_name(other)
                            ),
                        );
                        return unknown();
                    }
                };
                if l > h || h >= w {
                    self.err(
                        e.span,
                        format!(
                            "slice [{h}:{l}] is out of range for {} (width {w})",
                            self.type_name(&b.t)
                        ),
                    );
                    return unknown();
                }
                let t = T::Bits {
                    w: h - l + 1,
                    s: false,
                };
                if let Some(v) = const_int(&b.e) {
                    let v = wrap(&v, w, false);
                    let v = (v >> l) & ((BigInt::one() << (h - l + 1)) - 1);
                    return mk(t, K::Const { value: v });
                }
                mk(
                    t,
                    K::Slice {
                        base: Box::new(b.e),
                        hi: h,
                        lo: l,
                    },
                )
            }
            A::Call {
                callee,
                type_args,
                args,
            } => self.call(callee, type_args, args, e.span),
            A::Unary { op, expr } => self.unary(*op, expr, e.span, expect),
            A::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, expect),
            A::Ternary { cond, then, els } => {
                if let Some(dc) = [&**cond, &**then, &**els]
                    .into_iter()
                    .find(|x| matches!(x.kind, A::DontCare))
                {
                    self.err(dc.span, "'_' is not a value: '?:' needs values");
                    return unknown();
                }
                let c = self.expr(cond, Some(&T::Bool));
                self.expect_bool(&c, cond.span, "the condition of '?:'");
                let a = self.expr(then, expect);
                let b = self.expr(els, Some(&a.t).filter(|t| !matches!(t, T::Int)).or(expect));
                let (a, b) = self.unify_operands(a, b, then.span, els.span, expect);
                if !self.assignable(&a.t, &b.t) && !self.assignable(&b.t, &a.t) {
                    self.err(
                        e.span,
                        format!(
                            "type mismatch: the branches of '?:' have types {} and {}",
                            self.type_name(&a.t),
                            self.type_name(&b.t)
                        ),
                    );
                    return unknown();
                }
                if let Some(cv) = const_int(&c.e) {
                    return if cv.is_zero() { b } else { a };
                }
                let t = a.t.clone();
                mk(
                    t,
                    K::Mux {
                        cond: Box::new(c.e),
                        then: Box::new(a.e),
                        els: Box::new(b.e),
                    },
                )
            }
            A::Cast { ty, expr } => {
                let target = self.resolve_type(ty);
                let x = self.expr(expr, Some(&target));
                self.cast(x, &target, e.span)
            }
            A::List(items) => self.list(items, expect, e.span),
            A::StructInit { fields, has_dots } => {
                self.struct_init(fields, *has_dots, expect, e.span)
            }
            A::TypedInit { ty, fields } => {
                let t = self.resolve_type(ty);
                self.struct_init(fields, false, Some(&t), e.span)
            }
            A::DontCare => mk(T::Unknown, K::DontCare),
            A::Default => {
                self.err(
                    e.span,
                    "'default' is only allowed in keysets and switch labels",
                );
                unknown()
            }
            A::Dots => unknown(),
            A::This => unknown(),
            A::TypeExpr(ty) => {
                let t = self.resolve_type(ty);
                mk(T::TypeName(Box::new(t)), K::DontCare)
            }
        }
    }

    pub(crate) fn expect_bool(&mut self, x: &Typed, span: Span, what: &str) {
        if !matches!(x.t, T::Bool | T::Unknown) {
            self.err(
                span,
                format!(
                    "type mismatch: {what} must be bool, got {}",
                    self.type_name(&x.t)
                ),
            );
        }
    }

    fn path_expr(&mut self, p: &ast::Path, span: Span) -> Typed {
        let name = &p.name.name;
        let Some(entry) = self.lookup_path(p).cloned() else {
            if name == "error" {
                return mk(T::TypeName(Box::new(T::Error)), K::DontCare);
            }
            self.err(span, format!("undeclared identifier '{name}'"));
            return unknown();
        };
        match entry.sym {
            Sym::Var { ty, ir_name, .. } => mk(ty, K::Var { name: ir_name }),
            Sym::Const(ty, e) => Typed {
                t: if ty.is_unknown() {
                    super::ty_from_ir(&e.ty)
                } else {
                    ty
                },
                e,
            },
            Sym::Instance { ty, ir_name } => mk(ty, K::Instance { name: ir_name }),
            Sym::Type(t) => mk(T::TypeName(Box::new(t)), K::DontCare),
            Sym::ValueSet(n) => {
                self.err(
                    span,
                    format!("value set '{n}' can only be used in a select keyset"),
                );
                unknown()
            }
            Sym::Action(_) | Sym::Function(_) | Sym::ExternFunction(_) => {
                self.err(span, format!("'{name}' must be called"));
                unknown()
            }
            Sym::Table(_) => {
                self.err(
                    span,
                    format!("table '{name}' cannot be used as a value (call '{name}.apply()')"),
                );
                unknown()
            }
            Sym::ExternType(_) | Sym::BlockType(..) | Sym::BlockDecl(..) => {
                mk(T::TypeName(Box::new(T::Block(name.clone()))), K::DontCare)
            }
        }
    }

    fn member(&mut self, base: &ast::Expr, member: &ast::Ident, span: Span) -> Typed {
        let b = self.expr(base, None);
        let m = member.name.as_str();
        match b.t.clone() {
            T::Unknown => unknown(),
            T::TypeName(inner) => match *inner {
                T::Error => {
                    if self.ir.errors.iter().any(|x| x == m) {
                        mk(
                            T::Error,
                            K::ErrorConst {
                                name: m.to_string(),
                            },
                        )
                    } else {
                        self.err(member.span, format!("undeclared error 'error.{m}'"));
                        unknown()
                    }
                }
                t @ T::Named(id) => {
                    let kind = self.ir.types.get(id as usize).map(|d| d.kind.clone());
                    match kind {
                        Some(ir::TypeKind::Enum { members }) => {
                            if members.iter().any(|x| x == m) {
                                mk(
                                    t,
                                    K::EnumMember {
                                        name: m.to_string(),
                                    },
                                )
                            } else {
                                self.err(
                                    member.span,
                                    format!("enum '{}' has no member '{m}'", self.type_name(&t)),
                                );
                                unknown()
                            }
                        }
                        Some(ir::TypeKind::SerEnum { members, .. }) => {
                            if members.iter().any(|x| x.name == m) {
                                mk(
                                    t,
                                    K::EnumMember {
                                        name: m.to_string(),
                                    },
                                )
                            } else {
                                self.err(
                                    member.span,
                                    format!("enum '{}' has no member '{m}'", self.type_name(&t)),
                                );
                                unknown()
                            }
                        }
                        _ => {
                            self.err(
                                member.span,
                                format!("type '{}' has no member '{m}'", self.type_name(&t)),
                            );
                            unknown()
                        }
                    }
                }
                other => {
                    self.err(
                        member.span,
                        format!("type '{}' has no member '{m}'", self.type_name(&other)),
                    );
                    unknown()
                }
            },
            T::Stack(elem, n) => match m {
                "next" | "last" => mk(
                    T::Named(elem),
                    K::StackProp {
                        base: Box::new(b.e),
                        prop: m.to_string(),
                    },
                ),
                "lastIndex" => mk(
                    T::Bits { w: 32, s: false },
                    K::StackProp {
                        base: Box::new(b.e),
                        prop: m.to_string(),
                    },
                ),
                "size" => mk(
                    T::Bits { w: 32, s: false },
                    K::Const {
                        value: BigInt::from(n),
                    },
                ),
                _ => {
                    self.err(member.span, format!("a header stack has no field '{m}'"));
                    unknown()
                }
            },
            T::TableResult(table) => {
                match m {
                    "hit" | "miss" => mk(
                        T::Bool,
                        K::TableHit {
                            table,
                            hit: m == "hit",
                        },
                    ),
                    "action_run" => mk(T::ActionEnum(table.clone()), K::ActionRun { table }),
                    _ => {
                        self.err(member.span, format!("a table apply result has no field '{m}' (use hit, miss or action_run)"));
                        unknown()
                    }
                }
            }
            t @ T::Named(_) => {
                let Some(fields) = self.fields_of(&t) else {
                    self.err(
                        member.span,
                        format!("type {} has no field '{m}'", self.type_name(&t)),
                    );
                    return unknown();
                };
                match fields.into_iter().find(|(n, _)| n == m) {
                    Some((_, ft)) => mk(
                        ft,
                        K::Field {
                            base: Box::new(b.e),
                            field: m.to_string(),
                        },
                    ),
                    None => {
                        let what = if self.is_header(&t) {
                            "header"
                        } else {
                            "struct"
                        };
                        self.err(
                            member.span,
                            format!("{what} '{}' has no field '{m}'", self.type_name(&t)),
                        );
                        unknown()
                    }
                }
            }
            other => {
                let _ = span;
                self.err(
                    member.span,
                    format!("type {} has no field '{m}'", self.type_name(&other)),
                );
                unknown()
            }
        }
    }

    /// Types both operands of a binary operator, giving an untyped integer the other's type.
    fn unify_operands(
        &mut self,
        a: Typed,
        b: Typed,
        sa: Span,
        sb: Span,
        expect: Option<&T>,
    ) -> (Typed, Typed) {
        match (&a.t, &b.t) {
            (T::Int, T::Int) => {
                if let Some(t @ T::Bits { .. }) = expect {
                    if !(is_constant(&a.e) && is_constant(&b.e)) {
                        let t = t.clone();
                        let a = self.coerce(a, &t, sa);
                        let b = self.coerce(b, &t, sb);
                        return (a, b);
                    }
                }
                (a, b)
            }
            (T::Int, t) if !t.is_unknown() => {
                let t = t.clone();
                (self.coerce(a, &t, sa), b)
            }
            (t, T::Int) if !t.is_unknown() => {
                let t = t.clone();
                (a, self.coerce(b, &t, sb))
            }
            _ => (a, b),
        }
    }

    /// Reports an operand that is a call yielding no value (an action, a `void` function).
    fn void_operand(&mut self, xs: &[(&Typed, Span)], op: BinOp) -> bool {
        match xs.iter().find(|(x, _)| x.t == T::Void) {
            Some((_, sp)) => {
                self.err(
                    *sp,
                    format!(
                        "type mismatch: an operand of '{}' yields no value (void)",
                        op.as_str()
                    ),
                );
                true
            }
            None => false,
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        expect: Option<&T>,
    ) -> Typed {
        let Some(iop) = ir_binop(op) else {
            self.err(
                span,
                format!(
                    "operator '{}' is only allowed in keysets (select cases and table entries)",
                    op.as_str()
                ),
            );
            return unknown();
        };
        if let Some(dc) = [lhs, rhs]
            .into_iter()
            .find(|x| matches!(x.kind, A::DontCare))
        {
            self.err(
                dc.span,
                format!(
                    "'_' is not a value: operator '{}' needs two values ('_' may only be an out \
                     argument or match anything in a keyset)",
                    op.as_str()
                ),
            );
            return unknown();
        }
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.expr(lhs, Some(&T::Bool));
                let b = self.expr(rhs, Some(&T::Bool));
                for (x, s) in [(&a, lhs.span), (&b, rhs.span)] {
                    if !matches!(x.t, T::Bool | T::Unknown) {
                        self.err(
                            s,
                            format!(
                                "type mismatch: operator '{}' needs bool operands, got {}",
                                op.as_str(),
                                self.type_name(&x.t)
                            ),
                        );
                        return unknown();
                    }
                }
                if let (Some(x), Some(y)) = (const_int(&a.e), const_int(&b.e)) {
                    let v = if op == BinOp::And {
                        !x.is_zero() && !y.is_zero()
                    } else {
                        !x.is_zero() || !y.is_zero()
                    };
                    return mk(T::Bool, K::Bool { value: v });
                }
                mk(
                    T::Bool,
                    K::Binary {
                        op: iop,
                        lhs: Box::new(a.e),
                        rhs: Box::new(b.e),
                    },
                )
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.no_default_init(lhs, "a comparison");
                self.no_default_init(rhs, "a comparison");
                let a = self.expr(lhs, None);
                let b = self.expr(rhs, Some(&a.t).filter(|t| !matches!(t, T::Int)));
                if self.void_operand(&[(&a, lhs.span), (&b, rhs.span)], op) {
                    return unknown();
                }
                // Serializable enums compare with their own type; against anything else (and
                // in ordered comparisons) they convert to their underlying type.
                let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
                let (a, b) = if ordered || a.t != b.t {
                    (self.enum_to_underlying(a), self.enum_to_underlying(b))
                } else {
                    (a, b)
                };
                let (a, b) = self.unify_operands(a, b, lhs.span, rhs.span, None);
                if a.t.is_unknown() || b.t.is_unknown() {
                    return mk(
                        T::Bool,
                        K::Binary {
                            op: iop,
                            lhs: Box::new(a.e),
                            rhs: Box::new(b.e),
                        },
                    );
                }
                if ordered && !matches!(a.t, T::Bits { .. } | T::Int) {
                    self.err(
                        span,
                        format!(
                            "type mismatch: operator '{}' needs integer operands, got {}",
                            op.as_str(),
                            self.type_name(&a.t)
                        ),
                    );
                    return unknown();
                }
                if !(self.assignable(&a.t, &b.t) && self.assignable(&b.t, &a.t)) {
                    self.err(
                        span,
                        format!(
                            "type mismatch: cannot compare {} with {} using '{}'",
                            self.type_name(&a.t),
                            self.type_name(&b.t),
                            op.as_str()
                        ),
                    );
                    return unknown();
                }
                // Enum members and error codes compare at compile time.
                let names = match (&a.e.kind, &b.e.kind) {
                    (K::EnumMember { name: x }, K::EnumMember { name: y })
                    | (K::ErrorConst { name: x }, K::ErrorConst { name: y }) => Some(x == y),
                    _ => None,
                };
                if let (Some(same), BinOp::Eq | BinOp::Ne) = (names, op) {
                    return mk(
                        T::Bool,
                        K::Bool {
                            value: same == (op == BinOp::Eq),
                        },
                    );
                }
                if let (Some(x), Some(y)) = (const_int(&a.e), const_int(&b.e)) {
                    let v = match op {
                        BinOp::Eq => x == y,
                        BinOp::Ne => x != y,
                        BinOp::Lt => x < y,
                        BinOp::Le => x <= y,
                        BinOp::Gt => x > y,
                        _ => x >= y,
                    };
                    return mk(T::Bool, K::Bool { value: v });
                }
                mk(
                    T::Bool,
                    K::Binary {
                        op: iop,
                        lhs: Box::new(a.e),
                        rhs: Box::new(b.e),
                    },
                )
            }
            BinOp::Shl | BinOp::Shr => {
                let a = self.expr(lhs, expect);
                let a = self.enum_to_underlying(a);
                let b = self.expr(rhs, None);
                let b = self.enum_to_underlying(b);
                if matches!(a.t, T::Int) && !is_constant(&b.e) && !b.t.is_unknown() {
                    // As p4c: the context's width does not apply; an integer literal shifted
                    // by a run-time amount has no width.
                    self.err(lhs.span, "the width of a shifted integer must be known when the shift amount is not a constant (add a cast)");
                    return unknown();
                }
                if !matches!(a.t, T::Bits { .. } | T::Int | T::Unknown) {
                    self.err(
                        lhs.span,
                        format!(
                            "type mismatch: operator '{}' needs an integer, got {}",
                            op.as_str(),
                            self.type_name(&a.t)
                        ),
                    );
                    return unknown();
                }
                match &b.t {
                    T::Bits { s: true, .. } => {
                        self.err(rhs.span, "type mismatch: a shift amount must be unsigned");
                        return unknown();
                    }
                    T::Bits { .. } | T::Int | T::Unknown => {}
                    other => {
                        self.err(
                            rhs.span,
                            format!(
                                "type mismatch: a shift amount must be an integer, got {}",
                                self.type_name(other)
                            ),
                        );
                        return unknown();
                    }
                }
                if let Some(y) = const_int(&b.e) {
                    if y.is_negative() {
                        self.err(rhs.span, "a shift amount must not be negative");
                        return unknown();
                    }
                }
                let t = a.t.clone();
                if let (Some(x), Some(y)) = (const_int(&a.e), const_int(&b.e)) {
                    if let Some(sh) = y.to_u64().filter(|s| *s <= MAX_FOLD_SHIFT) {
                        let v = if op == BinOp::Shl { x << sh } else { x >> sh };
                        return mk(
                            t.clone(),
                            K::Const {
                                value: self.wrap_for(&t, v),
                            },
                        );
                    }
                }
                let b = if matches!(b.t, T::Int) {
                    let v = const_int(&b.e).unwrap_or_default();
                    let w = (v.bits() as u32).max(1);
                    mk(T::Bits { w, s: false }, K::Const { value: v })
                } else {
                    b
                };
                mk(
                    t,
                    K::Binary {
                        op: iop,
                        lhs: Box::new(a.e),
                        rhs: Box::new(b.e),
                    },
                )
            }
            BinOp::Concat => {
                let a = self.expr(lhs, None);
                let a = self.enum_to_underlying(a);
                let b = self.expr(rhs, None);
                let b = self.enum_to_underlying(b);
                let (wa, sa) = match &a.t {
                    T::Bits { w, s } => (*w, *s),
                    T::Unknown => return unknown(),
                    other => {
                        self.err(lhs.span, format!("type mismatch: '++' needs operands of known width (bit<W>/int<W>), got {}", self.type_name(other)));
                        return unknown();
                    }
                };
                let wb = match &b.t {
                    T::Bits { w, .. } => *w,
                    T::Unknown => return unknown(),
                    other => {
                        self.err(rhs.span, format!("type mismatch: '++' needs operands of known width (bit<W>/int<W>), got {}", self.type_name(other)));
                        return unknown();
                    }
                };
                let t = T::Bits {
                    w: wa.saturating_add(wb),
                    s: sa,
                };
                if let (Some(x), Some(y)) = (const_int(&a.e), const_int(&b.e)) {
                    let v = (wrap(&x, wa, false) << wb) | wrap(&y, wb, false);
                    return mk(
                        t.clone(),
                        K::Const {
                            value: self.wrap_for(&t, v),
                        },
                    );
                }
                mk(
                    t,
                    K::Binary {
                        op: iop,
                        lhs: Box::new(a.e),
                        rhs: Box::new(b.e),
                    },
                )
            }
            _ => {
                // Arithmetic and bitwise operators (serializable enums convert to their
                // underlying type).
                let a = self.expr(lhs, expect);
                let a = self.enum_to_underlying(a);
                let b = self.expr(rhs, Some(&a.t).filter(|t| !matches!(t, T::Int)).or(expect));
                let b = self.enum_to_underlying(b);
                if self.void_operand(&[(&a, lhs.span), (&b, rhs.span)], op) {
                    return unknown();
                }
                // `/` and `%` are only defined between positive compile-time known values
                // (P4-16 8.8 on `int`; the operations on bit<W> and int<W> do not include
                // them), so they must fold here; see below.
                if matches!(op, BinOp::Div | BinOp::Mod) {
                    for (x, sp) in [(&a, lhs.span), (&b, rhs.span)] {
                        if const_int(&x.e).is_some_and(|v| v.is_negative()) {
                            self.err(
                                sp,
                                format!(
                                    "operator '{}' is not defined for negative values",
                                    op.as_str()
                                ),
                            );
                            return unknown();
                        }
                    }
                }
                let (a, b) = self.unify_operands(a, b, lhs.span, rhs.span, expect);
                if a.t.is_unknown() || b.t.is_unknown() {
                    return unknown();
                }
                let sat = matches!(op, BinOp::SatAdd | BinOp::SatSub);
                let ok = match (&a.t, &b.t) {
                    (T::Bits { .. }, T::Bits { .. }) => a.t == b.t,
                    (T::Int, T::Int) => !sat,
                    _ => false,
                };
                if !ok {
                    self.err(
                        span,
                        format!(
                            "type mismatch: operator '{}' cannot be applied to {} and {}",
                            op.as_str(),
                            self.type_name(&a.t),
                            self.type_name(&b.t)
                        ),
                    );
                    return unknown();
                }
                let t = a.t.clone();
                if let (Some(x), Some(y)) = (const_int(&a.e), const_int(&b.e)) {
                    if matches!(op, BinOp::Div | BinOp::Mod) && y.is_zero() {
                        self.err(rhs.span, "division by zero");
                        return unknown();
                    }
                    let v = match op {
                        BinOp::Mul => x * y,
                        BinOp::Div => x / y,
                        BinOp::Mod => x % y,
                        BinOp::Add => x + y,
                        BinOp::Sub => x - y,
                        BinOp::BitAnd => x & y,
                        BinOp::BitOr => x | y,
                        BinOp::BitXor => x ^ y,
                        BinOp::SatAdd | BinOp::SatSub => {
                            let r = if op == BinOp::SatAdd { x + y } else { x - y };
                            let T::Bits { w, s } = t else {
                                return unknown();
                            };
                            let (lo, hi) = if s {
                                (
                                    -(BigInt::one() << (w.max(1) - 1)),
                                    (BigInt::one() << (w.max(1) - 1)) - 1,
                                )
                            } else {
                                (BigInt::zero(), (BigInt::one() << w) - 1)
                            };
                            r.clamp(lo, hi)
                        }
                        _ => return unknown(),
                    };
                    return mk(
                        t.clone(),
                        K::Const {
                            value: self.wrap_for(&t, v),
                        },
                    );
                }
                if matches!(op, BinOp::Div | BinOp::Mod) {
                    if const_int(&b.e).is_some_and(|y| y.is_zero()) {
                        self.err(rhs.span, "division by zero");
                        return unknown();
                    }
                    // Like p4c: what constant folding and strength reduction leave is an
                    // error ("could not evaluate at compilation time"). An unsigned value
                    // divided by (or modulo) a constant power of two reduces to a shift (a
                    // mask), so it stays; any other division needs both operands known.
                    let pow2_divisor = matches!(t, T::Bits { s: false, .. })
                        && const_int(&b.e).is_some_and(|y| {
                            y.is_positive() && (&y & (&y - BigInt::one())).is_zero()
                        });
                    if pow2_divisor {
                        return mk(
                            t,
                            K::Binary {
                                op: iop,
                                lhs: Box::new(a.e),
                                rhs: Box::new(b.e),
                            },
                        );
                    }
                    let (which, sp) = if const_int(&b.e).is_none() {
                        ("right", rhs.span)
                    } else {
                        ("left", lhs.span)
                    };
                    self.err(
                        sp,
                        format!(
                            "operator '{}' needs compile-time known operands: its {which} operand \
                             is not one (P4-16 defines division and modulo only between \
                             compile-time known positive values; an unsigned value may be \
                             divided by a constant power of two)",
                            op.as_str()
                        ),
                    );
                    return unknown();
                }
                mk(
                    t,
                    K::Binary {
                        op: iop,
                        lhs: Box::new(a.e),
                        rhs: Box::new(b.e),
                    },
                )
            }
        }
    }

    fn wrap_for(&self, t: &T, v: BigInt) -> BigInt {
        match t {
            T::Bits { w, s } => wrap(&v, *w, *s),
            _ => v,
        }
    }

    fn unary(&mut self, op: UnOp, arg: &ast::Expr, span: Span, expect: Option<&T>) -> Typed {
        let x = self.expr(arg, expect);
        if x.t.is_unknown() {
            return unknown();
        }
        match op {
            UnOp::Not => {
                if !matches!(x.t, T::Bool) {
                    self.err(
                        span,
                        format!(
                            "type mismatch: operator '!' needs a bool, got {}",
                            self.type_name(&x.t)
                        ),
                    );
                    return unknown();
                }
                if let Some(v) = const_int(&x.e) {
                    return mk(T::Bool, K::Bool { value: v.is_zero() });
                }
                mk(
                    T::Bool,
                    K::Unary {
                        op: ir::UnOp::Not,
                        arg: Box::new(x.e),
                    },
                )
            }
            UnOp::BitNot | UnOp::Neg | UnOp::Plus => {
                let x = self.enum_to_underlying(x);
                let x = match (&x.t, expect) {
                    (T::Int, Some(t @ T::Bits { .. })) if op == UnOp::BitNot => {
                        let t = t.clone();
                        self.coerce(x, &t, arg.span)
                    }
                    _ => x,
                };
                if !matches!(x.t, T::Bits { .. } | T::Int) {
                    self.err(
                        span,
                        format!(
                            "type mismatch: operator '{}' needs an integer, got {}",
                            op.as_str(),
                            self.type_name(&x.t)
                        ),
                    );
                    return unknown();
                }
                if op == UnOp::Plus {
                    return x;
                }
                if op == UnOp::BitNot && matches!(x.t, T::Int) {
                    self.err(
                        span,
                        "operator '~' needs an operand of known width (add a cast)",
                    );
                    return unknown();
                }
                let t = x.t.clone();
                if let Some(v) = const_int(&x.e) {
                    let r = if op == UnOp::Neg { -v } else { -v - 1 };
                    return mk(
                        t.clone(),
                        K::Const {
                            value: self.wrap_for(&t, r),
                        },
                    );
                }
                let iop = if op == UnOp::Neg {
                    ir::UnOp::Neg
                } else {
                    ir::UnOp::BitNot
                };
                mk(
                    t,
                    K::Unary {
                        op: iop,
                        arg: Box::new(x.e),
                    },
                )
            }
        }
    }

    fn cast(&mut self, x: Typed, target: &T, span: Span) -> Typed {
        if target.is_unknown() || x.t.is_unknown() {
            return unknown();
        }
        if &x.t == target {
            return x;
        }
        let ser_t = self.ser_enum(target);
        let ser_x = self.ser_enum(&x.t);
        let ok = match (&x.t, target) {
            (T::Bits { .. }, T::Bits { .. }) | (T::Int, T::Bits { .. }) => true,
            (T::Bits { w: 1, s: false }, T::Bool) | (T::Bool, T::Bits { w: 1, s: false }) => true,
            (T::Int, T::Bool) => true,
            (T::Bits { .. }, T::Int) => true,
            (T::Tuple(_), T::Named(_)) => self.assignable(target, &x.t),
            _ if ser_t.is_some() && matches!(x.t, T::Bits { .. } | T::Int) => true,
            _ if ser_x.is_some() && matches!(target, T::Bits { .. }) => true,
            _ => false,
        };
        if !ok {
            self.err(
                span,
                format!(
                    "type mismatch: cannot cast {} to {}",
                    self.type_name(&x.t),
                    self.type_name(target)
                ),
            );
            return unknown();
        }
        // A serializable enum member is its constant value: `(bit<16>)E.M` folds.
        let x = if ser_x.is_some()
            && matches!(target, T::Bits { .. })
            && matches!(x.e.kind, K::EnumMember { .. })
        {
            self.enum_to_underlying(x)
        } else {
            x
        };
        if let Some(v) = const_int(&x.e) {
            match target {
                T::Bits { w, s } => {
                    let v = match &x.t {
                        T::Bits { w: xw, .. } => wrap(&v, *xw, false),
                        _ => v,
                    };
                    let v = match &x.t {
                        T::Bits { s: true, w: xw } => wrap(&wrap(&v, *xw, true), *w, *s),
                        _ => wrap(&v, *w, *s),
                    };
                    return mk(target.clone(), K::Const { value: v });
                }
                T::Bool => {
                    return mk(
                        T::Bool,
                        K::Bool {
                            value: !v.is_zero(),
                        },
                    )
                }
                T::Int => return mk(T::Int, K::Const { value: v }),
                _ => {}
            }
        }
        if let (T::Tuple(_), T::Named(_)) = (&x.t, target) {
            return self.coerce(x, target, span);
        }
        mk(target.clone(), K::Cast { arg: Box::new(x.e) })
    }

    /// The default value of a type (P4-16 7.3), for fields left to `...` in an initializer.
    /// Headers, header unions and stacks default to invalid, which the IR cannot write as a
    /// value; they are left as `_`.
    pub(crate) fn default_value(&self, t: &T) -> ir::Expr {
        let kind = match t {
            T::Bits { .. } | T::Int => K::Const {
                value: BigInt::zero(),
            },
            T::Bool => K::Bool { value: false },
            T::Error => K::ErrorConst {
                name: "NoError".into(),
            },
            T::Str => K::Str {
                value: String::new(),
            },
            T::Tuple(ts) => K::List {
                elems: ts.iter().map(|t| self.default_value(t)).collect(),
            },
            T::Named(id) => match self.ir.types.get(*id as usize).map(|d| &d.kind) {
                Some(ir::TypeKind::Struct { fields }) => K::List {
                    elems: fields
                        .iter()
                        .map(|f| self.default_value(&super::ty_from_ir(&f.ty)))
                        .collect(),
                },
                Some(ir::TypeKind::SerEnum { .. }) => K::Const {
                    value: BigInt::zero(),
                },
                Some(ir::TypeKind::Enum { members }) => match members.first() {
                    Some(m) => K::EnumMember { name: m.clone() },
                    None => K::DontCare,
                },
                _ => K::DontCare,
            },
            _ => K::DontCare,
        };
        ir::Expr {
            ty: t.to_ir(),
            kind,
        }
    }

    fn list(&mut self, items: &[ast::Expr], expect: Option<&T>, span: Span) -> Typed {
        let field_types: Option<Vec<T>> = match expect {
            Some(T::Tuple(ts)) => Some(ts.clone()),
            Some(t @ T::Named(_)) => self
                .fields_of(t)
                .map(|f| f.into_iter().map(|(_, t)| t).collect()),
            _ => None,
        };
        if let Some(fts) = &field_types {
            let real: Vec<&ast::Expr> = items
                .iter()
                .filter(|e| !matches!(e.kind, A::Dots))
                .collect();
            if real.len() != fts.len() && !items.iter().any(|e| matches!(e.kind, A::Dots)) {
                let tn = expect.map(|t| self.type_name(t)).unwrap_or_default();
                self.err(
                    span,
                    format!(
                        "type mismatch: {tn} has {} fields but the list has {} elements",
                        fts.len(),
                        real.len()
                    ),
                );
                return unknown();
            }
            if real.len() > fts.len() {
                let tn = expect.map(|t| self.type_name(t)).unwrap_or_default();
                self.err(
                    span,
                    format!(
                        "type mismatch: {tn} has {} fields but the list has {} elements",
                        fts.len(),
                        real.len()
                    ),
                );
                return unknown();
            }
            let mut elems = Vec::new();
            for (e, ft) in real.iter().zip(fts) {
                let x = self.expr(e, Some(ft));
                elems.push(self.coerce(x, ft, e.span).e);
            }
            // `...` gives the remaining fields their default values.
            for ft in &fts[real.len()..] {
                elems.push(self.default_value(ft));
            }
            let t = expect.cloned().unwrap_or(T::Unknown);
            return mk(t, K::List { elems });
        }
        let mut ts = Vec::new();
        let mut elems = Vec::new();
        for e in items {
            if matches!(e.kind, A::Dots) {
                continue;
            }
            let x = self.expr(e, None);
            ts.push(x.t);
            elems.push(x.e);
        }
        mk(T::Tuple(ts), K::List { elems })
    }

    fn struct_init(
        &mut self,
        fields: &[(ast::Ident, ast::Expr)],
        has_dots: bool,
        expect: Option<&T>,
        span: Span,
    ) -> Typed {
        let target = expect.cloned().unwrap_or(T::Unknown);
        let mut seen = std::collections::HashSet::new();
        for (k, _) in fields {
            if !seen.insert(k.name.clone()) {
                self.err(
                    k.span,
                    format!("duplicate field '{}' in initializer", k.name),
                );
                return unknown();
            }
        }
        let Some(decl_fields) = self.fields_of(&target) else {
            if !target.is_unknown() {
                self.err(
                    span,
                    format!(
                        "type mismatch: a struct initializer cannot have type {}",
                        self.type_name(&target)
                    ),
                );
                return unknown();
            }
            let mut ts = Vec::new();
            let mut elems = Vec::new();
            for (_, v) in fields {
                let x = self.expr(v, None);
                ts.push(x.t);
                elems.push(x.e);
            }
            return mk(T::Tuple(ts), K::List { elems });
        };
        for (k, _) in fields {
            if !decl_fields.iter().any(|(n, _)| *n == k.name) {
                self.err(
                    k.span,
                    format!("{} has no field '{}'", self.type_name(&target), k.name),
                );
                return unknown();
            }
        }
        let mut elems = Vec::new();
        for (n, ft) in &decl_fields {
            match fields.iter().find(|(k, _)| k.name == *n) {
                Some((_, v)) => {
                    let x = self.expr(v, Some(ft));
                    elems.push(self.coerce(x, ft, v.span).e);
                }
                // `...` gives the fields not mentioned their default values.
                None if has_dots => elems.push(self.default_value(ft)),
                None => {
                    self.err(
                        span,
                        format!(
                            "initializer for {} is missing field '{n}'",
                            self.type_name(&target)
                        ),
                    );
                    return unknown();
                }
            }
        }
        mk(target, K::List { elems })
    }

    // ---- calls ----

    /// Matches arguments to parameters (positional or by name).
    pub(crate) fn order_args<'e>(
        &mut self,
        params: &[ast::Param],
        args: &'e [ast::Arg],
        span: Span,
    ) -> Vec<Option<&'e ast::Expr>> {
        let mut out: Vec<Option<&ast::Expr>> = vec![None; params.len()];
        for (i, a) in args.iter().enumerate() {
            match &a.name {
                None => {
                    if i < out.len() {
                        out[i] = Some(&a.value);
                    }
                }
                Some(n) => match params.iter().position(|p| p.name.name == n.name) {
                    Some(k) => out[k] = Some(&a.value),
                    None => self.err(
                        n.span,
                        format!("no parameter named '{}' (argument)", n.name),
                    ),
                },
            }
        }
        for (p, a) in params.iter().zip(&out) {
            if a.is_none()
                && !super::decls::param_optional(p)
                && args.iter().any(|a| a.name.is_some())
            {
                self.err(
                    span,
                    format!("missing argument for parameter '{}'", p.name.name),
                );
            }
        }
        out
    }

    /// Checks that an argument for an `out`/`inout` parameter can be written.
    pub(crate) fn check_out_arg(&mut self, e: &ast::Expr, dir: Option<Direction>, pname: &str) {
        if matches!(dir, Some(Direction::Out) | Some(Direction::InOut)) {
            if matches!(e.kind, A::DontCare) && dir == Some(Direction::Out) {
                return;
            }
            if let Err(why) = self.lvalue(e) {
                self.err(
                    e.span,
                    format!(
                        "argument for {} parameter '{pname}' must be writable: {why} (direction)",
                        if dir == Some(Direction::Out) {
                            "out"
                        } else {
                            "inout"
                        }
                    ),
                );
            }
        }
    }

    /// Whether `e` may be assigned to; the reason if not.
    pub(crate) fn lvalue(&mut self, e: &ast::Expr) -> Result<(), String> {
        match &e.kind {
            A::Path(p) => match self.lookup_path(p).map(|x| x.sym.clone()) {
                Some(Sym::Var {
                    readonly: false, ..
                }) => Ok(()),
                Some(Sym::Var {
                    dir: Some(Direction::In),
                    ..
                }) => Err(format!(
                    "'{}' is an 'in' parameter (direction) and cannot be assigned",
                    p.name.name
                )),
                Some(Sym::Var { .. }) => Err(format!(
                    "'{}' is read-only (action data or constructor parameter)",
                    p.name.name
                )),
                Some(Sym::Const(..)) => Err(format!(
                    "cannot assign to constant '{}' (not an lvalue)",
                    p.name.name
                )),
                None => Ok(()), // reported as undeclared elsewhere
                _ => Err(format!("'{}' is not an lvalue", p.name.name)),
            },
            A::Member { base, member } => {
                if matches!(
                    member.name.as_str(),
                    "lastIndex" | "size" | "hit" | "miss" | "action_run"
                ) {
                    return Err(format!("'{}' is not an lvalue", member.name));
                }
                self.lvalue(base)
            }
            A::Index { base, .. } | A::Slice { base, .. } => self.lvalue(base),
            A::DontCare => Ok(()),
            _ => Err("this expression is not an lvalue".into()),
        }
    }

    fn call(
        &mut self,
        callee: &ast::Expr,
        type_args: &[ast::Type],
        args: &[ast::Arg],
        span: Span,
    ) -> Typed {
        match &callee.kind {
            A::Member { base, member } => self.method_call(base, member, type_args, args, span),
            A::Path(p) => {
                let name = p.name.name.clone();
                match self.lookup_path(p).map(|e| e.sym.clone()) {
                    Some(Sym::Action(q)) => {
                        if self.block.as_ref().is_some_and(|b| b.in_parser) {
                            self.err(span, "actions cannot be called from a parser");
                        }
                        if self.block.as_ref().is_some_and(|b| b.in_function) {
                            self.err(span, "actions cannot be called from a function");
                        }
                        let sig = self.signatures.get(&q).cloned();
                        let args_ir = self.call_sig(&name, sig.as_ref(), args, span);
                        mk(
                            T::Void,
                            K::Call(Box::new(ir::Call {
                                target: ir::CallTarget::Action { name: q },
                                receiver: None,
                                type_args: vec![],
                                args: args_ir,
                            })),
                        )
                    }
                    Some(Sym::Function(f)) => {
                        let mut sig = self.signatures.get(&f).cloned();
                        // Explicit type arguments replace the function's type parameters.
                        if !type_args.is_empty() {
                            let names = self.fn_type_params.get(&f).cloned().unwrap_or_default();
                            if names.len() != type_args.len() {
                                self.err(
                                    span,
                                    format!(
                                        "wrong number of type arguments to '{name}': expected {}, got {}",
                                        names.len(),
                                        type_args.len()
                                    ),
                                );
                            } else if let Some(sg) = sig.as_mut() {
                                let m: HashMap<String, T> = names
                                    .into_iter()
                                    .zip(type_args.iter().map(|t| self.resolve_type(t)))
                                    .collect();
                                for p in &mut sg.params {
                                    p.1 = p.1.subst(&m, false);
                                }
                                sg.ret = sg.ret.subst(&m, false);
                            }
                        }
                        let ret = sig.as_ref().map_or(T::Unknown, |s| s.ret.clone());
                        let args_ir = self.call_sig(&name, sig.as_ref(), args, span);
                        // A type parameter bound by an argument needs a type with a known
                        // width and values: not an integer literal, not an instance.
                        let positional = args.iter().all(|a| a.name.is_none());
                        if let Some(sg) =
                            sig.as_ref().filter(|_| type_args.is_empty() && positional)
                        {
                            for (((pname, pty, _, _), x), a) in
                                sg.params.iter().zip(&args_ir).zip(args)
                            {
                                let T::Param(tp) = pty else { continue };
                                let instance = match &a.value.kind {
                                    A::Path(ap) => matches!(
                                        self.lookup_path(ap).map(|e| &e.sym),
                                        Some(Sym::Instance { .. })
                                    ),
                                    _ => false,
                                };
                                let at = if instance {
                                    T::Block(String::new())
                                } else {
                                    super::ty_from_ir(&x.ty)
                                };
                                let why = match at {
                                    T::Int => "an integer literal has no width (add a cast, e.g. (bit<8>)1)",
                                    T::Block(_) | T::Extern(..) => {
                                        "an instance is not a value"
                                    }
                                    _ => continue,
                                };
                                self.err(
                                    span,
                                    format!(
                                        "cannot infer type parameter '{tp}' of '{name}' from argument '{pname}': {why}"
                                    ),
                                );
                            }
                        }
                        let ret = if ret.contains_param() {
                            T::Unknown
                        } else {
                            ret
                        };
                        mk(
                            ret,
                            K::Call(Box::new(ir::Call {
                                target: ir::CallTarget::Function { name: f },
                                receiver: None,
                                type_args: vec![],
                                args: args_ir,
                            })),
                        )
                    }
                    Some(Sym::ExternFunction(f)) => {
                        if f == "verify" && !self.block.as_ref().is_some_and(|b| b.in_parser) {
                            self.err(span, "verify() can only be called in a parser");
                        }
                        let protos = self.extern_fns.get(&f).cloned().unwrap_or_default();
                        match self.call_proto(&f, &protos, HashMap::new(), type_args, args, span) {
                            Some((ret, targs, args_ir)) => mk(
                                ret,
                                K::Call(Box::new(ir::Call {
                                    target: ir::CallTarget::ExternFunction { name: f },
                                    receiver: None,
                                    type_args: targs,
                                    args: args_ir,
                                })),
                            ),
                            None => unknown(),
                        }
                    }
                    None => {
                        self.err(
                            p.name.span,
                            format!("undeclared function or action '{name}'"),
                        );
                        for a in args {
                            self.expr(&a.value, None);
                        }
                        unknown()
                    }
                    Some(_) => {
                        self.err(
                            callee.span,
                            format!("'{name}' is not callable (cannot call it)"),
                        );
                        unknown()
                    }
                }
            }
            _ => {
                self.err(
                    callee.span,
                    "this expression is not callable (cannot call it)",
                );
                unknown()
            }
        }
    }

    /// Checks arguments against an action or function signature; returns them in order.
    fn call_sig(
        &mut self,
        name: &str,
        sig: Option<&super::Signature>,
        args: &[ast::Arg],
        span: Span,
    ) -> Vec<ir::Expr> {
        let Some(sig) = sig else {
            for a in args {
                self.expr(&a.value, None);
            }
            return Vec::new();
        };
        let required = sig.params.iter().filter(|p| !p.3).count();
        if args.len() < required || args.len() > sig.params.len() {
            self.err(
                span,
                format!(
                    "wrong number of arguments to '{name}': expected {}, got {}",
                    sig.params.len(),
                    args.len()
                ),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        let positional = args.iter().all(|a| a.name.is_none());
        for (i, (pname, pty, dir, _)) in sig.params.iter().enumerate() {
            let a = if positional {
                args.get(i)
            } else {
                args.iter()
                    .find(|a| a.name.as_ref().is_some_and(|n| n.name == *pname))
            };
            let Some(a) = a else { continue };
            self.no_default_init(&a.value, "an argument");
            let x = self.expr(&a.value, Some(pty));
            let x = self.coerce(x, pty, a.value.span);
            self.check_out_arg(&a.value, *dir, pname);
            out.push(x.e);
        }
        out
    }

    /// Resolves an overloaded, possibly generic extern function or method call.
    /// `subst` binds the extern's own type parameters.
    pub(crate) fn call_proto(
        &mut self,
        name: &str,
        protos: &[&'a ast::FunctionProto],
        subst: HashMap<String, T>,
        type_args: &[ast::Type],
        args: &[ast::Arg],
        span: Span,
    ) -> Option<(T, Vec<ir::Ty>, Vec<ir::Expr>)> {
        let cands: Vec<&&ast::FunctionProto> = protos
            .iter()
            .filter(|p| arity_ok(&p.params, args.len()))
            .collect();
        let proto = match cands.as_slice() {
            [] => {
                let mut counts: Vec<usize> = protos.iter().map(|p| p.params.len()).collect();
                counts.sort_unstable();
                counts.dedup();
                let c: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
                self.err(
                    span,
                    format!(
                        "wrong number of arguments to '{name}': expected {}, got {}",
                        c.join(" or "),
                        args.len()
                    ),
                );
                for a in args {
                    self.expr(&a.value, None);
                }
                return None;
            }
            [p, ..] => **p,
        };
        let mut bind = subst;
        if !type_args.is_empty() && type_args.len() != proto.type_params.len() {
            self.err(
                span,
                format!(
                    "wrong number of type arguments to '{name}': expected {}, got {}",
                    proto.type_params.len(),
                    type_args.len()
                ),
            );
        }
        for (k, tp) in proto.type_params.iter().enumerate() {
            let t = match type_args.get(k) {
                Some(t) => self.resolve_type(t),
                None => T::Param(tp.name.clone()),
            };
            bind.insert(tp.name.clone(), t);
        }
        // Parameter types with the generic parameters left open.
        self.tparams.push(bind.clone());
        let ptys: Vec<T> = proto
            .params
            .iter()
            .map(|p| self.resolve_type(&p.ty))
            .collect();
        self.tparams.pop();
        let mut inferred: HashMap<String, T> = bind
            .iter()
            .filter(|(_, v)| !matches!(v, T::Param(_)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let ordered = self.order_args(&proto.params, args, span);
        let mut out = Vec::new();
        for ((p, pty), a) in proto.params.iter().zip(&ptys).zip(ordered) {
            let Some(a) = a else { continue };
            self.no_default_init(a, "an argument");
            let pty_now = pty.subst(&inferred, false);
            let x = if pty_now.contains_param() {
                let x = self.expr(a, None);
                if !unify(&pty_now, &x.t, &mut inferred) {
                    self.err(
                        a.span,
                        format!(
                            "type mismatch: argument '{}' of '{name}' has type {}",
                            p.name.name,
                            self.type_name(&x.t)
                        ),
                    );
                }
                x
            } else {
                let x = self.expr(a, Some(&pty_now));
                self.coerce(x, &pty_now, a.span)
            };
            self.check_out_arg(a, p.direction, &p.name.name);
            out.push(x.e);
        }
        // An integer literal has no width; a type parameter of the callee cannot be bound
        // to it (p4c: "could not infer a width").
        if type_args.is_empty() {
            for tp in &proto.type_params {
                if matches!(inferred.get(&tp.name), Some(T::Int)) {
                    self.err(
                        span,
                        format!(
                            "could not infer a width for type parameter '{}' of '{name}': it is only given integer literals (add a cast, e.g. (bit<16>)0)",
                            tp.name
                        ),
                    );
                }
            }
        }
        let ret = match &proto.ret {
            Some(r) => {
                self.tparams.push(bind.clone());
                let rt = self.resolve_type(r);
                self.tparams.pop();
                rt.subst(&inferred, true)
            }
            None => T::Void,
        };
        let targs = proto
            .type_params
            .iter()
            .map(|tp| {
                inferred
                    .get(&tp.name)
                    .cloned()
                    .unwrap_or(T::Unknown)
                    .to_ir()
            })
            .collect();
        Some((ret, targs, out))
    }

    /// Reports a call of something that is not a method of `t` (a field, or nothing).
    fn no_method(&mut self, t: &T, m: &str, span: Span) {
        let is_field = self
            .fields_of(t)
            .is_some_and(|f| f.iter().any(|(n, _)| n == m));
        if is_field {
            self.err(
                span,
                format!("field '{m}' of {} is not callable", self.type_name(t)),
            );
        } else {
            self.err(span, format!("no method '{m}' on {}", self.type_name(t)));
        }
    }

    fn method_call(
        &mut self,
        base: &ast::Expr,
        member: &ast::Ident,
        type_args: &[ast::Type],
        args: &[ast::Arg],
        span: Span,
    ) -> Typed {
        let m = member.name.as_str();
        // `t.apply()` on a table.
        if let A::Path(p) = &base.kind {
            if let Some(Sym::Table(q)) = self.lookup_path(p).map(|e| e.sym.clone()) {
                if m != "apply" {
                    self.err(
                        member.span,
                        format!("a table has no method '{m}' (only apply)"),
                    );
                    return unknown();
                }
                if !args.is_empty() {
                    self.err(
                        span,
                        "wrong number of arguments: table apply() takes no arguments",
                    );
                }
                if self.block.as_ref().is_some_and(|b| b.in_action) {
                    self.err(span, "tables cannot be applied inside an action");
                }
                return mk(
                    T::TableResult(q.clone()),
                    K::Call(Box::new(ir::Call {
                        target: ir::CallTarget::TableApply { table: q },
                        receiver: None,
                        type_args: vec![],
                        args: vec![],
                    })),
                );
            }
        }
        let b = self.expr(base, None);
        let builtin = |this: &mut Self, b: Typed, ret: T, args_ir: Vec<ir::Expr>| {
            let _ = this;
            mk(
                ret,
                K::Call(Box::new(ir::Call {
                    target: ir::CallTarget::Builtin {
                        method: m.to_string(),
                    },
                    receiver: Some(b.e),
                    type_args: vec![],
                    args: args_ir,
                })),
            )
        };
        match b.t.clone() {
            T::Unknown => {
                for a in args {
                    self.expr(&a.value, None);
                }
                unknown()
            }
            t if self.is_header(&t) || self.is_union(&t) => {
                let ret = match m {
                    "isValid" => T::Bool,
                    "setValid" | "setInvalid" if self.is_header(&t) => T::Void,
                    "minSizeInBits" | "minSizeInBytes" | "maxSizeInBits" | "maxSizeInBytes" => {
                        T::Int
                    }
                    _ => {
                        self.no_method(&t, m, member.span);
                        return unknown();
                    }
                };
                if !args.is_empty() {
                    self.err(
                        span,
                        format!("wrong number of arguments: '{m}' takes no arguments"),
                    );
                }
                if matches!(m, "setValid" | "setInvalid") {
                    if let Err(why) = self.lvalue(base) {
                        self.err(base.span, format!("cannot call '{m}': {why}"));
                    }
                }
                if ret == T::Int {
                    let w = self.ir.bit_width(&t.to_ir()).unwrap_or(0);
                    let v = if m.ends_with("Bytes") {
                        w.div_ceil(8)
                    } else {
                        w
                    };
                    return mk(
                        T::Int,
                        K::Const {
                            value: BigInt::from(v),
                        },
                    );
                }
                builtin(self, b, ret, vec![])
            }
            T::Stack(..) => match m {
                "push_front" | "pop_front" => {
                    if args.len() != 1 {
                        self.err(
                            span,
                            format!("wrong number of arguments: '{m}' takes one argument"),
                        );
                        return unknown();
                    }
                    let x = self.expr(&args[0].value, None);
                    if const_int(&x.e).is_none() && !x.t.is_unknown() {
                        self.err(
                            args[0].value.span,
                            format!("the argument of '{m}' must be a compile-time constant"),
                        );
                    }
                    if let Err(why) = self.lvalue(base) {
                        self.err(base.span, format!("cannot call '{m}': {why}"));
                    }
                    let x = self.coerce(x, &T::Int, args[0].value.span);
                    builtin(self, b, T::Void, vec![x.e])
                }
                _ => {
                    self.err(member.span, format!("no method '{m}' on a header stack"));
                    unknown()
                }
            },
            T::Extern(ext, targs) => {
                let Some(Sym::ExternType(decl)) = self.lookup(&ext).map(|e| e.sym.clone()) else {
                    return unknown();
                };
                let protos: Vec<&'a ast::FunctionProto> = decl
                    .methods
                    .iter()
                    .filter(|p| p.ret.is_some() && p.name.name == m)
                    .collect();
                if protos.is_empty() {
                    self.err(member.span, format!("extern '{ext}' has no method '{m}'"));
                    for a in args {
                        self.expr(&a.value, None);
                    }
                    return unknown();
                }
                let mut subst = HashMap::new();
                for (k, p) in decl.type_params.iter().enumerate() {
                    subst.insert(p.name.clone(), targs.get(k).cloned().unwrap_or(T::Unknown));
                }
                let qual = format!("{ext}.{m}");
                match self.call_proto(&qual, &protos, subst, type_args, args, span) {
                    Some((ret, targs_ir, args_ir)) => {
                        if ext == "packet_in" && m == "extract" && args_ir.len() == 2 {
                            let t = super::ty_from_ir(&args_ir[0].ty);
                            let varbit = self.fields_of(&t).is_some_and(|fs| {
                                fs.iter().any(|(_, f)| matches!(f, T::Varbit(_)))
                            });
                            if self.is_header(&t) && !varbit {
                                self.err(
                                    args[0].value.span,
                                    format!(
                                        "extract with a size needs a header with a varbit field; {} has none",
                                        self.type_name(&t)
                                    ),
                                );
                            }
                        }
                        mk(
                            ret,
                            K::Call(Box::new(ir::Call {
                                target: ir::CallTarget::Method {
                                    extern_type: ext,
                                    method: m.to_string(),
                                },
                                receiver: Some(b.e),
                                type_args: targs_ir,
                                args: args_ir,
                            })),
                        )
                    }
                    None => unknown(),
                }
            }
            T::Block(bname) => {
                if m != "apply" {
                    self.err(
                        member.span,
                        format!("'{bname}' has no method '{m}' (only apply)"),
                    );
                    return unknown();
                }
                let inst = match &b.e.kind {
                    K::Instance { name } => name.clone(),
                    K::Var { name } => format!("{}{name}", ir::CTOR_BLOCK_PREFIX),
                    _ => bname.clone(),
                };
                self.apply_block_call(&bname, inst, args, span)
            }
            T::TypeName(inner) if m == "apply" && matches!(*inner, T::Block(_)) => {
                let T::Block(bname) = *inner else {
                    return unknown();
                };
                self.direct_apply(&bname, args, span)
            }
            T::TypeName(inner) => match m {
                "minSizeInBits" | "minSizeInBytes" | "maxSizeInBits" | "maxSizeInBytes" => {
                    let w = self.ir.bit_width(&inner.to_ir()).unwrap_or(0);
                    let v = if m.ends_with("Bytes") {
                        w.div_ceil(8)
                    } else {
                        w
                    };
                    mk(
                        T::Int,
                        K::Const {
                            value: BigInt::from(v),
                        },
                    )
                }
                _ => {
                    self.err(
                        member.span,
                        format!("no method '{m}' on type {}", self.type_name(&inner)),
                    );
                    unknown()
                }
            },
            other => {
                if matches!(m, "minSizeInBits" | "minSizeInBytes") {
                    let w = self.ir.bit_width(&other.to_ir()).unwrap_or(0);
                    let v = if m.ends_with("Bytes") {
                        w.div_ceil(8)
                    } else {
                        w
                    };
                    return mk(
                        T::Int,
                        K::Const {
                            value: BigInt::from(v),
                        },
                    );
                }
                self.no_method(&other, m, member.span);
                unknown()
            }
        }
    }
}
