//! Dispatch by traffic class before any app's parser runs.
//!
//! Each app keeps its own parser (run as a sub-parser into its own member of the merged
//! headers), so the merged parser must pick the app from the raw packet. An app's
//! `@exo_traffic_class` is written over the headers its own parser produces (`hdr.ipv4.dstAddr`,
//! `hdr.ipv4.isValid()`); this module turns it into an expression over a *probe*: a header
//! type laid out like the headers that parser extracts before (and including) the ones the
//! class reads, filled with `pkt.lookahead` (which does not move the cursor) when the packet
//! is long enough. Validity of a header becomes "the probe was read and the parser would have
//! taken the path that extracts it": the select conditions and `verify` checks along the way,
//! derived from the app's IR by walking its parser symbolically.
//!
//! Supported: headers at fixed offsets (extracts of fixed-size headers and constant
//! `advance`s before them), select keys over earlier headers, standard_metadata and metadata
//! assigned from those in the parser, keysets of values, masks and ranges. Anything else on
//! the way to a header the class reads (value sets, sub-parsers, variable-size headers,
//! header stacks, loops, or a class over metadata) is reported with the reason.

use exo_p4::ast;
use exo_p4::ir::{self, Ty, TypeKind};
use exo_p4::printer::{print_expr, print_type};
use num_bigint::BigInt;
use std::collections::HashMap;

/// A condition or value over probes and standard metadata, printed as P4 source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CExpr {
    /// A probe field; `probe: None` inside a header's path conditions, bound to that header's
    /// probe when the class uses it.
    Field {
        probe: Option<usize>,
        name: String,
    },
    /// The probe was read (the packet is long enough).
    Valid {
        probe: Option<usize>,
    },
    /// `standard_metadata.<field>` of the merged parser.
    Sm(String),
    /// Source text that needs no rewriting (a literal, a renamed constant, `error.X`).
    Lit(String),
    Bool(bool),
    Un(&'static str, Box<CExpr>),
    Bin(&'static str, Box<CExpr>, Box<CExpr>),
    Slice(Box<CExpr>, String, String),
    Cast(String, Box<CExpr>),
    Mux(Box<CExpr>, Box<CExpr>, Box<CExpr>),
}

impl CExpr {
    fn and(a: CExpr, b: CExpr) -> CExpr {
        match (a, b) {
            (CExpr::Bool(true), x) | (x, CExpr::Bool(true)) => x,
            (CExpr::Bool(false), _) | (_, CExpr::Bool(false)) => CExpr::Bool(false),
            (a, b) => CExpr::Bin("&&", Box::new(a), Box::new(b)),
        }
    }

    fn or(a: CExpr, b: CExpr) -> CExpr {
        match (a, b) {
            (CExpr::Bool(false), x) | (x, CExpr::Bool(false)) => x,
            (CExpr::Bool(true), _) | (_, CExpr::Bool(true)) => CExpr::Bool(true),
            (a, b) => CExpr::Bin("||", Box::new(a), Box::new(b)),
        }
    }

    fn not(a: CExpr) -> CExpr {
        match a {
            CExpr::Bool(b) => CExpr::Bool(!b),
            a => CExpr::Un("!", Box::new(a)),
        }
    }

    /// Binds the unbound probe references to `probe`.
    fn bind(&self, probe: usize) -> CExpr {
        let b = |e: &CExpr| Box::new(e.bind(probe));
        match self {
            CExpr::Field { probe: None, name } => CExpr::Field {
                probe: Some(probe),
                name: name.clone(),
            },
            CExpr::Valid { probe: None } => CExpr::Valid { probe: Some(probe) },
            CExpr::Un(o, a) => CExpr::Un(o, b(a)),
            CExpr::Bin(o, x, y) => CExpr::Bin(o, b(x), b(y)),
            CExpr::Slice(x, h, l) => CExpr::Slice(b(x), h.clone(), l.clone()),
            CExpr::Cast(t, x) => CExpr::Cast(t.clone(), b(x)),
            CExpr::Mux(c, t, e) => CExpr::Mux(b(c), b(t), b(e)),
            other => other.clone(),
        }
    }

    /// P4 source; `probe(i)` names probe `i`'s variable.
    pub(crate) fn render(&self, probe: &dyn Fn(usize) -> String, sm: &str) -> String {
        let r = |e: &CExpr| e.render(probe, sm);
        match self {
            CExpr::Field { probe: p, name } => format!("{}.{name}", probe(p.unwrap_or(0))),
            CExpr::Valid { probe: p } => format!("{}.isValid()", probe(p.unwrap_or(0))),
            CExpr::Sm(f) => format!("{sm}.{f}"),
            CExpr::Lit(t) => t.clone(),
            CExpr::Bool(b) => b.to_string(),
            CExpr::Un(o, a) => format!("({o}{})", r(a)),
            CExpr::Bin(o, a, b) => format!("({} {o} {})", r(a), r(b)),
            CExpr::Slice(a, h, l) => format!("{}[{h}:{l}]", r(a)),
            CExpr::Cast(t, a) => format!("(({t}){})", r(a)),
            CExpr::Mux(c, t, e) => format!("({} ? {} : {})", r(c), r(t), r(e)),
        }
    }
}

/// A probe header type: fields in packet order, `(name, type, width)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    pub fields: Vec<(String, String, u32)>,
}

impl Probe {
    pub(crate) fn bits(&self) -> u32 {
        self.fields.iter().map(|f| f.2).sum()
    }
}

/// An app's traffic class over probes.
pub(crate) struct Classifier {
    pub probes: Vec<Probe>,
    /// Probe references are indices into `probes`.
    pub cond: CExpr,
}

/// A header extracted on a parser path.
#[derive(Clone, Debug, PartialEq)]
struct Placed {
    member: Vec<String>,
    ty: ir::TypeId,
    /// Bit offset from the start of the packet; `None` after a variable-size header.
    offset: Option<u32>,
}

#[derive(Clone, Debug)]
struct Occurrence {
    /// Headers on the path, this one last.
    layout: Vec<Placed>,
    cond: CExpr,
    poison: Option<String>,
}

#[derive(Clone)]
struct Walk {
    offset: Option<u32>,
    extracted: Vec<Placed>,
    cond: CExpr,
    subst: HashMap<String, Result<CExpr, String>>,
    poison: Option<String>,
    states: Vec<String>,
}

struct Analysis<'a> {
    ir: &'a ir::Program,
    pkt: String,
    hdr: String,
    sm: String,
    found: Vec<(Vec<String>, Occurrence)>,
    visits: usize,
}

/// Most parser states visited (over all paths) before giving up.
const MAX_VISITS: usize = 20_000;
/// Longest parser path followed.
const MAX_DEPTH: usize = 64;

fn lit(value: &BigInt, ty: &Ty) -> Result<String, String> {
    match ty {
        Ty::Bool => Ok(if value == &BigInt::from(0) {
            "false".into()
        } else {
            "true".into()
        }),
        Ty::Bits {
            width,
            signed: false,
        } if value > &BigInt::from(9) => Ok(format!("{width}w0x{}", value.to_str_radix(16))),
        Ty::Bits {
            width,
            signed: false,
        } => Ok(format!("{width}w{value}")),
        Ty::Bits {
            width,
            signed: true,
        } => {
            if value < &BigInt::from(0) {
                Ok(format!("(-{width}s{})", -value))
            } else {
                Ok(format!("{width}s{value}"))
            }
        }
        Ty::Int => Ok(value.to_string()),
        other => Err(format!("uses a constant of type {other:?}")),
    }
}

fn ty_text(ty: &Ty, ir: &ir::Program) -> Result<(String, u32), String> {
    match ty {
        Ty::Bool => Ok(("bool".into(), 1)),
        Ty::Bits { width, signed } => Ok((
            format!("{}<{width}>", if *signed { "int" } else { "bit" }),
            *width,
        )),
        Ty::Named { id } => match ir.type_decl(*id).map(|t| &t.kind) {
            Some(TypeKind::SerEnum { width, signed, .. }) => Ok((
                format!("{}<{width}>", if *signed { "int" } else { "bit" }),
                *width,
            )),
            _ => Err("a header field of a non-bit type".into()),
        },
        _ => Err("a header field of a non-bit type".into()),
    }
}

/// `base.f.g` rooted at variable `root`: `[f, g]`.
fn member_path(e: &ir::Expr, root: &str) -> Option<Vec<String>> {
    match &e.kind {
        ir::ExprKind::Var { name } if name == root => Some(Vec::new()),
        ir::ExprKind::Field { base, field } => {
            let mut p = member_path(base, root)?;
            p.push(field.clone());
            Some(p)
        }
        _ => None,
    }
}

/// A variable or field path, as the key of parser assignments.
fn lvalue_key(e: &ir::Expr) -> Option<String> {
    match &e.kind {
        ir::ExprKind::Var { name } => Some(name.clone()),
        ir::ExprKind::Field { base, field } => Some(format!("{}.{field}", lvalue_key(base)?)),
        _ => None,
    }
}

fn is_header(ir: &ir::Program, ty: &Ty) -> Option<ir::TypeId> {
    match ty {
        Ty::Named { id } => match ir.type_decl(*id).map(|t| &t.kind) {
            Some(TypeKind::Header { .. }) => Some(*id),
            _ => None,
        },
        _ => None,
    }
}

fn field_name(member: &[String], field: &str) -> String {
    format!("{}_{field}", member.join("_"))
}

impl Analysis<'_> {
    /// An IR expression of the parser as a condition over the current path's probe.
    fn conv(&self, e: &ir::Expr, w: &Walk) -> Result<CExpr, String> {
        if let Some(k) = lvalue_key(e) {
            if let Some(v) = w.subst.get(&k) {
                return v.clone();
            }
        }
        let b = |x: &ir::Expr| self.conv(x, w).map(Box::new);
        Ok(match &e.kind {
            ir::ExprKind::Const { value } => CExpr::Lit(lit(value, &e.ty)?),
            ir::ExprKind::Bool { value } => CExpr::Bool(*value),
            ir::ExprKind::ErrorConst { name } => CExpr::Lit(format!("error.{name}")),
            ir::ExprKind::Field { base, field } => {
                if let Some(p) = member_path(base, &self.sm) {
                    if p.is_empty() {
                        return Ok(CExpr::Sm(field.clone()));
                    }
                }
                let Some(member) = member_path(base, &self.hdr) else {
                    return Err(format!(
                        "reads `{}`, which the parser does not assign before",
                        lvalue_key(e).unwrap_or_else(|| field.clone())
                    ));
                };
                let Some(h) = w.extracted.iter().find(|x| x.member == member) else {
                    return Err(format!(
                        "reads `{}.{}.{field}` on a path that does not extract it",
                        self.hdr,
                        member.join(".")
                    ));
                };
                if h.offset.is_none() {
                    return Err(format!(
                        "reads `{}.{}` after a variable-size header",
                        self.hdr,
                        member.join(".")
                    ));
                }
                CExpr::Field {
                    probe: None,
                    name: field_name(&member, field),
                }
            }
            ir::ExprKind::Slice { base, hi, lo } => {
                CExpr::Slice(b(base)?, hi.to_string(), lo.to_string())
            }
            ir::ExprKind::Unary { op, arg } => {
                let o = match op {
                    ir::UnOp::Not => "!",
                    ir::UnOp::BitNot => "~",
                    ir::UnOp::Neg => "-",
                };
                CExpr::Un(o, b(arg)?)
            }
            ir::ExprKind::Binary { op, lhs, rhs } => {
                use ir::BinOp::*;
                let o = match op {
                    Mul => "*",
                    Div => "/",
                    Mod => "%",
                    Add => "+",
                    Sub => "-",
                    SatAdd => "|+|",
                    SatSub => "|-|",
                    Shl => "<<",
                    Shr => ">>",
                    BitAnd => "&",
                    BitXor => "^",
                    BitOr => "|",
                    Lt => "<",
                    Le => "<=",
                    Gt => ">",
                    Ge => ">=",
                    Eq => "==",
                    Ne => "!=",
                    And => "&&",
                    Or => "||",
                    Concat => "++",
                };
                CExpr::Bin(o, b(lhs)?, b(rhs)?)
            }
            ir::ExprKind::Mux { cond, then, els } => CExpr::Mux(b(cond)?, b(then)?, b(els)?),
            ir::ExprKind::Cast { arg } => CExpr::Cast(
                ty_text(&e.ty, self.ir)
                    .map_err(|_| "casts to a non-bit type".to_string())?
                    .0,
                b(arg)?,
            ),
            ir::ExprKind::Call(c) => match (&c.target, &c.receiver) {
                (ir::CallTarget::Builtin { method }, Some(r)) if method == "isValid" => {
                    match member_path(r, &self.hdr) {
                        Some(m) => CExpr::Bool(w.extracted.iter().any(|x| x.member == m)),
                        None => {
                            return Err("uses `isValid` of something other than a header".into())
                        }
                    }
                }
                _ => return Err("calls a function or method".into()),
            },
            _ => {
                return Err(
                    "uses an expression the dispatcher cannot evaluate ahead of parsing".into(),
                )
            }
        })
    }

    fn keyset(&self, key: &CExpr, ty: &Ty, k: &ir::KeysetElem) -> Result<CExpr, String> {
        let l = |v: &BigInt| lit(v, ty).map(CExpr::Lit);
        let bx = Box::new;
        Ok(match k {
            ir::KeysetElem::Default => CExpr::Bool(true),
            ir::KeysetElem::Value { value } => CExpr::Bin("==", bx(key.clone()), bx(l(value)?)),
            ir::KeysetElem::Mask { value, mask } => CExpr::Bin(
                "==",
                bx(CExpr::Bin("&", bx(key.clone()), bx(l(mask)?))),
                bx(l(&(value & mask))?),
            ),
            ir::KeysetElem::Range { lo, hi } => CExpr::and(
                CExpr::Bin(">=", bx(key.clone()), bx(l(lo)?)),
                CExpr::Bin("<=", bx(key.clone()), bx(l(hi)?)),
            ),
            ir::KeysetElem::ValueSet { name } => return Err(format!("uses value set `{name}`")),
        })
    }

    fn stmt(&mut self, s: &ir::Stmt, w: &mut Walk) {
        let poison = |w: &mut Walk, why: String| {
            if w.poison.is_none() {
                w.poison = Some(why);
            }
        };
        match s {
            ir::Stmt::Call(c) => match &c.target {
                ir::CallTarget::Method {
                    extern_type,
                    method,
                } if extern_type == "packet_in" => match method.as_str() {
                    "extract" => {
                        let Some(arg) = c.args.first() else { return };
                        let (Some(member), Some(ty)) =
                            (member_path(arg, &self.hdr), is_header(self.ir, &arg.ty))
                        else {
                            poison(
                                w,
                                "extracts into something other than a header of the parser's output (a stack element?)".into(),
                            );
                            w.offset = None;
                            return;
                        };
                        let placed = Placed {
                            member: member.clone(),
                            ty,
                            offset: w.offset,
                        };
                        let mut layout = w.extracted.clone();
                        layout.push(placed.clone());
                        self.found.push((
                            member,
                            Occurrence {
                                layout,
                                cond: w.cond.clone(),
                                poison: w.poison.clone(),
                            },
                        ));
                        w.extracted.push(placed);
                        let bits = match self.ir.type_decl(ty).map(|t| &t.kind) {
                            Some(TypeKind::Header { bit_width, fields }) => {
                                if c.args.len() > 1
                                    || fields.iter().any(|f| matches!(f.ty, Ty::Varbit { .. }))
                                {
                                    None
                                } else {
                                    Some(*bit_width)
                                }
                            }
                            _ => None,
                        };
                        w.offset = match (w.offset, bits) {
                            (Some(o), Some(b)) => Some(o + b),
                            _ => None,
                        };
                    }
                    "advance" => {
                        let n = c.args.first().and_then(|a| match &a.kind {
                            ir::ExprKind::Const { value } => u32::try_from(value).ok(),
                            _ => None,
                        });
                        w.offset = match (w.offset, n) {
                            (Some(o), Some(n)) => Some(o + n),
                            _ => None,
                        };
                    }
                    // `lookahead` as a statement has no effect.
                    "lookahead" => {}
                    other => poison(w, format!("calls `{}.{other}`", self.pkt)),
                },
                ir::CallTarget::ExternFunction { name } if name == "verify" => {
                    match c.args.first().map(|a| self.conv(a, w)) {
                        Some(Ok(cond)) => w.cond = CExpr::and(w.cond.clone(), cond),
                        Some(Err(e)) => poison(w, format!("has a `verify` that {e}")),
                        None => {}
                    }
                }
                ir::CallTarget::ApplyBlock { name } => {
                    poison(w, format!("applies sub-parser `{name}`"));
                    w.offset = None;
                }
                _ => poison(w, "calls a function or extern".into()),
            },
            ir::Stmt::Assign { lhs, rhs } => {
                if let Some(k) = lvalue_key(lhs) {
                    let v = self.conv(rhs, w);
                    w.subst.insert(k, v);
                } else {
                    poison(w, "assigns to a computed location".into());
                }
            }
            ir::Stmt::Block { stmts } => {
                for s in stmts {
                    self.stmt(s, w);
                }
            }
            _ => poison(w, "has a conditional statement".into()),
        }
    }

    fn visit(&mut self, p: &ir::Parser, state: &str, mut w: Walk) {
        if state == "accept" || state == "reject" {
            return;
        }
        self.visits += 1;
        if self.visits > MAX_VISITS
            || w.states.len() > MAX_DEPTH
            || w.states.iter().any(|s| s == state)
        {
            // A loop (header stacks) or an enormous state graph: headers past here are
            // recorded as unsupported by the poison below, if anything reads them.
            w.poison.get_or_insert_with(|| {
                format!("loops through state `{state}` (or its state graph is too large)")
            });
            w.offset = None;
            // Still record what the state extracts, without following transitions.
            if let Some(s) = p.states.iter().find(|s| s.name == state) {
                for st in &s.stmts {
                    self.stmt(st, &mut w);
                }
            }
            return;
        }
        let Some(s) = p.states.iter().find(|s| s.name == state) else {
            return;
        };
        w.states.push(state.to_string());
        for st in &s.stmts {
            self.stmt(st, &mut w);
        }
        match &s.transition {
            ir::Transition::Goto { state } => self.visit(p, state, w),
            ir::Transition::Select { keys, cases } => {
                let ks: Vec<Result<CExpr, String>> =
                    keys.iter().map(|k| self.conv(k, &w)).collect();
                // Conditions of the cases before this one, all false.
                let mut earlier: Result<CExpr, String> = Ok(CExpr::Bool(true));
                for c in cases {
                    let mut m: Result<CExpr, String> = Ok(CExpr::Bool(true));
                    for ((k, e), ty) in ks.iter().zip(&c.keyset).zip(keys.iter().map(|k| &k.ty)) {
                        m = match (m, k) {
                            (Ok(acc), Ok(k)) => self.keyset(k, ty, e).map(|x| CExpr::and(acc, x)),
                            (Err(x), _) => Err(x),
                            (_, Err(x)) => Err(x.clone()),
                        };
                    }
                    let mut next = w.clone();
                    match (&earlier, &m) {
                        (Ok(before), Ok(m)) => {
                            next.cond =
                                CExpr::and(next.cond, CExpr::and(before.clone(), m.clone()));
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            next.poison
                                .get_or_insert_with(|| format!("selects on something that {e}"));
                        }
                    }
                    earlier = match (earlier, m) {
                        (Ok(b), Ok(m)) => Ok(CExpr::and(b, CExpr::not(m))),
                        (Err(e), _) | (_, Err(e)) => Err(e),
                    };
                    self.visit(p, &c.next, next);
                }
            }
        }
    }
}

/// Header fields as probe fields, for the headers of `layout` (in packet order).
fn probe_of(ir: &ir::Program, layout: &[Placed]) -> Result<Probe, String> {
    let mut fields: Vec<(String, String, u32)> = Vec::new();
    let mut at = 0u32;
    for h in layout {
        let Some(off) = h.offset else {
            return Err(format!(
                "`{}` follows a variable-size header",
                h.member.join(".")
            ));
        };
        if off > at {
            fields.push((
                format!("exo_skip{at}"),
                format!("bit<{}>", off - at),
                off - at,
            ));
        }
        let Some(TypeKind::Header { fields: hf, .. }) = ir.type_decl(h.ty).map(|t| &t.kind) else {
            return Err(format!("`{}` is not a header", h.member.join(".")));
        };
        for f in hf {
            let (t, w) = ty_text(&f.ty, ir)
                .map_err(|e| format!("`{}.{}` is {e}", h.member.join("."), f.name))?;
            let name = field_name(&h.member, &f.name);
            if fields.iter().any(|x| x.0 == name) {
                return Err(format!("two probe fields would be named `{name}`"));
            }
            fields.push((name, t, w));
            at = off + f.offset + w;
        }
        at = at.max(off);
    }
    if !at.is_multiple_of(8) {
        let pad = 8 - at % 8;
        fields.push((format!("exo_skip{at}"), format!("bit<{pad}>"), pad));
    }
    Ok(Probe { fields })
}

/// What a member chain of the class resolves to.
enum Resolved {
    Header(Vec<String>),
    Field(Vec<String>, String),
}

fn resolve(ir: &ir::Program, ty: &Ty, members: &[String]) -> Result<Resolved, String> {
    let mut ty = ty.clone();
    let mut path: Vec<String> = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let Ty::Named { id } = &ty else {
            return Err(format!("`{m}` is not a member of a struct"));
        };
        let Some(decl) = ir.type_decl(*id) else {
            return Err(format!("unknown type for `{m}`"));
        };
        match &decl.kind {
            TypeKind::Header { .. } => {
                if i + 1 != members.len() || !decl.fields().iter().any(|f| &f.name == m) {
                    return Err(format!(
                        "no field `{}` in header `{}`",
                        members[i..].join("."),
                        decl.name
                    ));
                }
                return Ok(Resolved::Field(path, m.clone()));
            }
            TypeKind::Struct { fields } => {
                let Some(f) = fields.iter().find(|f| &f.name == m) else {
                    return Err(format!("no member `{m}` in struct `{}`", decl.name));
                };
                path.push(m.clone());
                ty = f.ty.clone();
            }
            _ => return Err(format!("`{m}`: header unions and stacks are not supported")),
        }
    }
    match is_header(ir, &ty) {
        Some(_) => Ok(Resolved::Header(path)),
        None => Err(format!("`{}` is not a header", members.join("."))),
    }
}

/// `a.b.c` as (`a`, [`b`, `c`]).
fn chain(e: &ast::Expr) -> Option<(String, Vec<String>)> {
    match &e.kind {
        ast::ExprKind::Path(p) if !p.absolute => Some((p.name.name.clone(), Vec::new())),
        ast::ExprKind::Member { base, member } => {
            let (r, mut m) = chain(base)?;
            m.push(member.name.clone());
            Some((r, m))
        }
        _ => None,
    }
}

struct ClassConv<'a> {
    ir: &'a ir::Program,
    hdr: String,
    meta: String,
    sm: String,
    hdr_ty: Ty,
    found: &'a [(Vec<String>, Occurrence)],
    probes: Vec<Probe>,
    /// header member -> (probe, validity condition bound to it)
    headers: HashMap<Vec<String>, (usize, CExpr)>,
}

impl ClassConv<'_> {
    fn header(&mut self, member: &[String]) -> Result<(usize, CExpr), String> {
        if let Some(h) = self.headers.get(member) {
            return Ok(h.clone());
        }
        let occ: Vec<&Occurrence> = self
            .found
            .iter()
            .filter(|(m, _)| m == member)
            .map(|(_, o)| o)
            .collect();
        let name = format!("{}.{}", self.hdr, member.join("."));
        let Some(first) = occ.first() else {
            return Err(format!("its parser never extracts `{name}`"));
        };
        if let Some(p) = occ.iter().find_map(|o| o.poison.as_ref()) {
            return Err(format!("its parser {p} before extracting `{name}`"));
        }
        if occ.iter().any(|o| o.layout != first.layout) {
            return Err(format!(
                "its parser reaches `{name}` along paths with different header layouts"
            ));
        }
        let probe =
            probe_of(self.ir, &first.layout).map_err(|e| format!("to reach `{name}`: {e}"))?;
        let idx = match self.probes.iter().position(|p| *p == probe) {
            Some(i) => i,
            None => {
                self.probes.push(probe);
                self.probes.len() - 1
            }
        };
        let cond = occ
            .iter()
            .fold(CExpr::Bool(false), |acc, o| CExpr::or(acc, o.cond.clone()));
        let valid = CExpr::and(CExpr::Valid { probe: Some(idx) }, cond.bind(idx));
        self.headers.insert(member.to_vec(), (idx, valid.clone()));
        Ok((idx, valid))
    }

    fn conv(&mut self, e: &ast::Expr) -> Result<CExpr, String> {
        use ast::ExprKind as K;
        Ok(match &e.kind {
            K::Bool(b) => CExpr::Bool(*b),
            K::Int(_) => CExpr::Lit(print_expr(e)),
            K::Path(_) | K::Member { .. } => {
                let Some((root, members)) = chain(e) else {
                    return Ok(CExpr::Lit(print_expr(e)));
                };
                if root == self.hdr {
                    match resolve(self.ir, &self.hdr_ty.clone(), &members)? {
                        Resolved::Field(h, f) => {
                            let (idx, _) = self.header(&h)?;
                            CExpr::Field {
                                probe: Some(idx),
                                name: field_name(&h, &f),
                            }
                        }
                        Resolved::Header(_) => {
                            return Err(format!("uses header `{}` as a value", print_expr(e)))
                        }
                    }
                } else if root == self.sm {
                    if members.is_empty() {
                        return Err(format!("uses `{}` as a value", self.sm));
                    }
                    CExpr::Sm(members.join("."))
                } else if root == self.meta {
                    return Err(format!(
                        "reads metadata (`{}`): the merged parser picks the app from the packet before the app's parser fills its metadata; write the class over headers and standard_metadata",
                        print_expr(e)
                    ));
                } else {
                    CExpr::Lit(print_expr(e))
                }
            }
            K::Call { callee, args, .. } => match &callee.kind {
                K::Member { base, member } if member.name == "isValid" && args.is_empty() => {
                    let Some((root, members)) = chain(base) else {
                        return Err(format!("`{}`", print_expr(e)));
                    };
                    if root != self.hdr {
                        return Err(format!("`{}` is not a header of the app", print_expr(base)));
                    }
                    match resolve(self.ir, &self.hdr_ty.clone(), &members)? {
                        Resolved::Header(h) => self.header(&h)?.1,
                        Resolved::Field(..) => {
                            return Err(format!("`{}` is not a header", print_expr(base)))
                        }
                    }
                }
                _ => return Err(format!("calls `{}`", print_expr(callee))),
            },
            K::Unary { op, expr } => {
                let x = self.conv(expr)?;
                match op {
                    ast::UnOp::Not => CExpr::not(x),
                    o => CExpr::Un(o.as_str(), Box::new(x)),
                }
            }
            K::Binary { op, lhs, rhs } => {
                let (a, b) = (self.conv(lhs)?, self.conv(rhs)?);
                match op {
                    ast::BinOp::And => CExpr::and(a, b),
                    ast::BinOp::Or => CExpr::or(a, b),
                    o => CExpr::Bin(o.as_str(), Box::new(a), Box::new(b)),
                }
            }
            K::Ternary { cond, then, els } => CExpr::Mux(
                Box::new(self.conv(cond)?),
                Box::new(self.conv(then)?),
                Box::new(self.conv(els)?),
            ),
            K::Cast { ty, expr } => CExpr::Cast(print_type(ty), Box::new(self.conv(expr)?)),
            K::Slice { base, hi, lo } => {
                CExpr::Slice(Box::new(self.conv(base)?), print_expr(hi), print_expr(lo))
            }
            _ => {
                return Err(format!(
                    "`{}` is not supported in a traffic class",
                    print_expr(e)
                ))
            }
        })
    }
}

/// The class of an app (`class`: its `@exo_traffic_class` expression, names already renamed)
/// as a condition over probes. `parser`, `ingress`: the app's block names in its IR.
pub(crate) fn classify(
    ir: &ir::Program,
    parser: &str,
    ingress: &str,
    class: &ast::Expr,
) -> Result<Classifier, String> {
    let p = ir
        .parsers
        .iter()
        .find(|p| p.name == parser)
        .ok_or_else(|| format!("parser `{parser}` not found"))?;
    let ig = ir
        .controls
        .iter()
        .find(|c| c.name == ingress)
        .ok_or_else(|| format!("ingress control `{ingress}` not found"))?;
    if p.params.len() != 4 || ig.params.len() != 3 {
        return Err("the parser and ingress must have the v1model parameters".into());
    }
    if p.params[1].ty != ig.params[0].ty {
        return Err("its parser and ingress control use different header types".into());
    }
    let mut a = Analysis {
        ir,
        pkt: p.params[0].name.clone(),
        hdr: p.params[1].name.clone(),
        sm: p.params[3].name.clone(),
        found: Vec::new(),
        visits: 0,
    };
    let mut w = Walk {
        offset: Some(0),
        extracted: Vec::new(),
        cond: CExpr::Bool(true),
        subst: HashMap::new(),
        poison: None,
        states: Vec::new(),
    };
    for s in &p.init {
        a.stmt(s, &mut w);
    }
    a.visit(p, "start", w);
    // The class is read after the whole parser ran: a header field written by the parser
    // after its extraction would differ from the probe.
    let hdr = a.hdr.clone();
    let mut written: Vec<Vec<String>> = Vec::new();
    for s in &p.states {
        for st in &s.stmts {
            if let ir::Stmt::Assign { lhs, .. } = st {
                if let Some(m) = member_path(lhs, &hdr) {
                    written.push(m);
                }
            }
        }
    }
    let mut cc = ClassConv {
        ir,
        hdr: ig.params[0].name.clone(),
        meta: ig.params[1].name.clone(),
        sm: ig.params[2].name.clone(),
        hdr_ty: ig.params[0].ty.clone(),
        found: &a.found,
        probes: Vec::new(),
        headers: HashMap::new(),
    };
    let cond = cc.conv(class)?;
    for h in cc.headers.keys() {
        if let Some(m) = written.iter().find(|m| m.starts_with(h)) {
            return Err(format!(
                "its parser writes `{}.{}`, which the class reads",
                hdr,
                m.join(".")
            ));
        }
    }
    Ok(Classifier {
        probes: cc.probes,
        cond,
    })
}
