//! Semantic checks and lowering: name resolution in nested scopes, type checking with width
//! inference, compile-time constant evaluation, direction and l-value checks, and references
//! from tables to actions and externs. The same walk builds the [`ir::Program`].
//!
//! The checker reports what it is sure of and stays quiet otherwise: an expression whose type
//! could not be determined gets [`T::Unknown`], which is compatible with everything, so one
//! mistake gives one diagnostic and unusual-but-valid programs are not rejected.

mod decls;
mod expr;
mod instantiate;
mod stmt;
mod table;
pub(crate) mod types;

use crate::ast::{self, Direction};
use crate::diag::{Diagnostics, Span};
use crate::ir;
use std::collections::{HashMap, HashSet};
use types::T;

/// Checks `prog` and lowers it. Returns the IR only if there were no errors.
pub fn check(prog: &ast::Program, diags: &mut Diagnostics) -> Option<ir::Program> {
    crate::on_big_stack(|| {
        let before = diags.error_count();
        let mut c = Checker::new(diags);
        c.program(prog);
        let mut ir = c.finish();
        if diags.error_count() != before {
            return None;
        }
        instantiate::instantiate(&mut ir);
        Some(ir)
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Parser,
    Control,
    Package,
}

/// What a name refers to.
#[derive(Clone, Debug)]
pub(crate) enum Sym<'a> {
    Type(T),
    ExternType(&'a ast::ExternDecl),
    /// `parser P(...);`, `control C(...);`, `package Pkg(...);`
    BlockType(BlockKind, &'a ast::TypeDeclSig),
    /// A parser or control declaration.
    BlockDecl(BlockKind, &'a ast::TypeDeclSig, Option<&'a [ast::Param]>),
    Const(T, ir::Expr),
    Var {
        ty: T,
        ir_name: String,
        dir: Option<Direction>,
        /// Constructor parameters and action data are read-only.
        readonly: bool,
    },
    Instance {
        ty: T,
        ir_name: String,
    },
    Action(String),
    Function(String),
    ExternFunction(String),
    Table(String),
    ValueSet(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Entry<'a> {
    pub sym: Sym<'a>,
    pub span: Span,
}

/// Signature of an action or function, for calls.
#[derive(Clone, Debug)]
pub(crate) struct Signature {
    pub params: Vec<(String, T, Option<Direction>, bool)>,
    pub ret: T,
}

/// The block (control, parser, function) whose body is being checked.
#[derive(Default)]
pub(crate) struct BlockCtx {
    pub locals: Vec<ir::Local>,
    pub used: HashSet<String>,
    /// Return type when inside a function; `None` in actions and blocks.
    pub ret: Option<T>,
    pub in_action: bool,
    pub in_parser: bool,
    pub in_function: bool,
    /// The parser or control whose body this is (empty in functions and actions).
    pub owner: String,
    /// Direct invocations (`T.apply()`) so far, by type: they name their instances.
    pub direct: HashMap<String, u32>,
}

pub(crate) struct Checker<'a, 'd> {
    pub diags: &'d mut Diagnostics,
    pub ir: ir::Program,
    pub scopes: Vec<HashMap<String, Entry<'a>>>,
    pub extern_fns: HashMap<String, Vec<&'a ast::FunctionProto>>,
    pub signatures: HashMap<String, Signature>,
    /// Parser/control declarations by name.
    pub blocks: HashMap<String, (BlockKind, &'a ast::TypeDeclSig, Option<&'a [ast::Param]>)>,
    pub block: Option<BlockCtx>,
    /// Type parameters in scope (bound or not).
    pub tparams: Vec<HashMap<String, T>>,
    pub ids: HashSet<u32>,
    /// Tables of the current control: name -> action names, for `switch (t.apply().action_run)`.
    pub table_actions: HashMap<String, Vec<String>>,
    /// Type parameter names of generic functions, for calls with explicit type arguments.
    pub fn_type_params: HashMap<String, Vec<String>>,
    /// The table being checked: action -> its directional arguments in the actions list.
    pub table_bindings: HashMap<String, Vec<String>>,
    /// How many loops enclose the statement being checked (`break` and `continue` need one).
    pub loop_depth: u32,
}

impl<'a, 'd> Checker<'a, 'd> {
    fn new(diags: &'d mut Diagnostics) -> Self {
        Checker {
            diags,
            ir: ir::Program {
                version: ir::IR_VERSION,
                arch: None,
                types: Vec::new(),
                errors: Vec::new(),
                match_kinds: Vec::new(),
                instances: Vec::new(),
                sub_instances: Vec::new(),
                value_sets: Vec::new(),
                parsers: Vec::new(),
                controls: Vec::new(),
                actions: Vec::new(),
                tables: Vec::new(),
                functions: Vec::new(),
                package: None,
            },
            scopes: vec![HashMap::new()],
            extern_fns: HashMap::new(),
            signatures: HashMap::new(),
            blocks: HashMap::new(),
            block: None,
            tparams: Vec::new(),
            ids: HashSet::new(),
            table_actions: HashMap::new(),
            fn_type_params: HashMap::new(),
            table_bindings: HashMap::new(),
            loop_depth: 0,
        }
    }

    fn finish(self) -> ir::Program {
        self.ir
    }

    // ---- diagnostics ----

    pub(crate) fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.error(span, msg);
    }

    pub(crate) fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.warning(span, msg);
    }

    // ---- scopes ----

    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub(crate) fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// Declares `name` in the innermost scope, reporting a redeclaration there.
    pub(crate) fn declare(&mut self, id: &ast::Ident, sym: Sym<'a>) {
        let scope = self.scopes.last_mut().expect("at least the global scope");
        if let Some(prev) = scope.get(&id.name) {
            // Extern functions may be overloaded.
            let overload = matches!(
                (&prev.sym, &sym),
                (Sym::ExternFunction(_), Sym::ExternFunction(_))
            );
            if !overload {
                let prev_span = prev.span;
                self.diags.push(
                    crate::diag::Diagnostic::error(
                        id.span,
                        format!("redeclaration of '{}'", id.name),
                    )
                    .with_note(prev_span, "previously declared here"),
                );
                return;
            }
        }
        scope.insert(id.name.clone(), Entry { sym, span: id.span });
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Entry<'a>> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    pub(crate) fn lookup_global(&self, name: &str) -> Option<&Entry<'a>> {
        self.scopes.first().and_then(|s| s.get(name))
    }

    pub(crate) fn lookup_path(&self, p: &ast::Path) -> Option<&Entry<'a>> {
        if p.absolute {
            self.lookup_global(&p.name.name)
        } else {
            self.lookup(&p.name.name)
        }
    }

    /// A unique IR name for a local of the current block.
    pub(crate) fn fresh_local(&mut self, base: &str, ty: &T) -> String {
        let Some(b) = self.block.as_mut() else {
            return base.to_string();
        };
        let mut name = base.to_string();
        let mut n = 0;
        while b.used.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        b.used.insert(name.clone());
        b.locals.push(ir::Local {
            name: name.clone(),
            ty: ty.to_ir(),
        });
        name
    }

    /// A unique P4Runtime-style id.
    pub(crate) fn alloc_id(&mut self, prefix: u8, name: &str) -> u32 {
        let mut id = ir::entity_id(prefix, name);
        while !self.ids.insert(id) {
            let low = (id & 0x00ff_ffff).wrapping_add(1) & 0x00ff_ffff;
            id = (u32::from(prefix) << 24) | low.max(1);
        }
        id
    }

    // ---- types ----

    /// Resolves a type written in the source.
    pub(crate) fn resolve_type(&mut self, t: &ast::Type) -> T {
        match t {
            ast::Type::Bool => T::Bool,
            ast::Type::Error => T::Error,
            ast::Type::MatchKind => T::MatchKind,
            ast::Type::String => T::Str,
            ast::Type::Void => T::Void,
            ast::Type::DontCare => T::Unknown,
            ast::Type::Int => T::Int,
            ast::Type::Bits { signed, width } => match self.const_width(width) {
                Some(w) => T::Bits { w, s: *signed },
                None => T::Unknown,
            },
            ast::Type::Varbit(width) => match self.const_width(width) {
                Some(w) => T::Varbit(w),
                None => T::Unknown,
            },
            ast::Type::Tuple(ts) => T::Tuple(ts.iter().map(|t| self.resolve_type(t)).collect()),
            // Variable-length lists only occur in extern signatures; their elements are not
            // checked.
            ast::Type::List(_) => T::Unknown,
            ast::Type::Stack { elem, size } => {
                let et = self.resolve_type(elem);
                let n = self.const_u32(size, "header stack size");
                match (et, n) {
                    (T::Named(id), Some(n)) => {
                        let is_header = matches!(
                            self.ir.types.get(id as usize).map(|t| &t.kind),
                            Some(ir::TypeKind::Header { .. } | ir::TypeKind::HeaderUnion { .. })
                        );
                        if !is_header {
                            self.err(
                                elem_span(elem),
                                "header stack elements must be headers or header unions",
                            );
                            return T::Unknown;
                        }
                        T::Stack(id, n)
                    }
                    (T::Unknown, _) | (_, None) => T::Unknown,
                    _ => {
                        self.err(
                            elem_span(elem),
                            "header stack elements must be headers or header unions",
                        );
                        T::Unknown
                    }
                }
            }
            ast::Type::Named { path, args } => {
                let name = &path.name.name;
                if args.iter().any(|a| matches!(a, ast::Type::Void)) {
                    self.err(
                        path.name.span,
                        format!("'void' cannot be a type argument of '{name}'"),
                    );
                    return T::Unknown;
                }
                if !path.absolute {
                    for m in self.tparams.iter().rev() {
                        if let Some(t) = m.get(name) {
                            return t.clone();
                        }
                    }
                }
                let Some(entry) = self.lookup_path(path) else {
                    self.err(path.name.span, format!("undeclared type '{name}'"));
                    return T::Unknown;
                };
                match entry.sym.clone() {
                    Sym::Type(t) => t,
                    Sym::ExternType(decl) => {
                        // Fewer are filled in (v1model's `register<T>` leaves the index
                        // type to its default); more is an error.
                        if args.len() > decl.type_params.len() {
                            self.err(
                                path.name.span,
                                format!(
                                    "wrong number of type arguments to extern '{name}': expected {}, got {}",
                                    decl.type_params.len(),
                                    args.len()
                                ),
                            );
                            return T::Unknown;
                        }
                        let targs = args.iter().map(|a| self.resolve_type(a)).collect();
                        T::Extern(name.clone(), targs)
                    }
                    Sym::BlockDecl(..) | Sym::BlockType(..) => T::Block(name.clone()),
                    _ => {
                        self.err(path.name.span, format!("'{name}' is not a type"));
                        T::Unknown
                    }
                }
            }
        }
    }

    pub(crate) fn type_name(&self, t: &T) -> String {
        match t {
            T::Unknown => "<unknown>".into(),
            T::Bool => "bool".into(),
            T::Bits { w, s: false } => format!("bit<{w}>"),
            T::Bits { w, s: true } => format!("int<{w}>"),
            T::Varbit(m) => format!("varbit<{m}>"),
            T::Int => "int".into(),
            T::Str => "string".into(),
            T::Error => "error".into(),
            T::MatchKind => "match_kind".into(),
            T::Void => "void".into(),
            T::Named(id) => self
                .ir
                .types
                .get(*id as usize)
                .map_or("<type>".into(), |t| t.name.clone()),
            T::Stack(id, n) => format!("{}[{n}]", self.type_name(&T::Named(*id))),
            T::Tuple(v) => format!(
                "tuple<{}>",
                v.iter()
                    .map(|t| self.type_name(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            T::Extern(n, a) if a.is_empty() => n.clone(),
            T::Extern(n, a) => format!(
                "{n}<{}>",
                a.iter()
                    .map(|t| self.type_name(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            T::Param(n) => n.clone(),
            T::TableResult(_) => "table apply result".into(),
            T::ActionEnum(_) => "action_list".into(),
            T::Block(n) => n.clone(),
            T::TypeName(t) => format!("type {}", self.type_name(t)),
        }
    }

    pub(crate) fn type_kind(&self, t: &T) -> Option<&ir::TypeKind> {
        match t {
            T::Named(id) => self.ir.types.get(*id as usize).map(|d| &d.kind),
            _ => None,
        }
    }

    pub(crate) fn is_header(&self, t: &T) -> bool {
        matches!(self.type_kind(t), Some(ir::TypeKind::Header { .. }))
    }

    pub(crate) fn is_union(&self, t: &T) -> bool {
        matches!(self.type_kind(t), Some(ir::TypeKind::HeaderUnion { .. }))
    }

    /// Width of a serializable enum, if `t` is one.
    pub(crate) fn ser_enum(&self, t: &T) -> Option<(u32, bool)> {
        match self.type_kind(t) {
            Some(ir::TypeKind::SerEnum { width, signed, .. }) => Some((*width, *signed)),
            _ => None,
        }
    }

    /// Width in bits of a struct that may be a header field (P4-16 7.2.2): its fields are
    /// bit<W>, int<W>, bool, serializable enums or such structs, recursively. `None` for any
    /// other type.
    pub(crate) fn header_struct_width(&self, t: &T) -> Option<u32> {
        self.header_struct_width_at(t, 0)
    }

    fn header_struct_width_at(&self, t: &T, depth: u32) -> Option<u32> {
        let Some(ir::TypeKind::Struct { fields }) = self.type_kind(t) else {
            return None;
        };
        if depth > 64 {
            return None;
        }
        let mut total = 0u32;
        for f in fields {
            let ft = ty_from_ir(&f.ty);
            let w = match &ft {
                T::Bits { w, .. } => *w,
                T::Bool => 1,
                other => match self.ser_enum(other) {
                    Some((w, _)) => w,
                    None => self.header_struct_width_at(other, depth + 1)?,
                },
            };
            total = total.saturating_add(w);
        }
        Some(total)
    }

    /// Fields of a struct-like type.
    pub(crate) fn fields_of(&self, t: &T) -> Option<Vec<(String, T)>> {
        let kind = self.type_kind(t)?;
        let fields = match kind {
            ir::TypeKind::Header { fields, .. }
            | ir::TypeKind::HeaderUnion { fields }
            | ir::TypeKind::Struct { fields } => fields,
            _ => return None,
        };
        Some(
            fields
                .iter()
                .map(|f| (f.name.clone(), field_ty(&ty_from_ir(&f.ty))))
                .collect(),
        )
    }

    /// Whether a value of type `src` may be used where `dst` is expected (after untyped integer
    /// literals have been given a width).
    pub(crate) fn assignable(&self, dst: &T, src: &T) -> bool {
        if dst == src || dst.is_unknown() || src.is_unknown() {
            return true;
        }
        match (dst, src) {
            (T::Bits { .. } | T::Int, T::Int) => true,
            (T::Param(_), _) | (_, T::Param(_)) => true,
            (T::Tuple(a), T::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| self.assignable(x, y))
            }
            // A list value initialises a struct or header with matching field types.
            (T::Named(_), T::Tuple(b)) => match self.fields_of(dst) {
                Some(fs) => {
                    fs.len() == b.len() && fs.iter().zip(b).all(|((_, x), y)| self.assignable(x, y))
                }
                None => false,
            },
            (T::Extern(a, x), T::Extern(b, y)) => {
                a == b && x.iter().zip(y).all(|(x, y)| self.assignable(x, y))
            }
            (T::Varbit(_), T::Varbit(_)) => true,
            _ => false,
        }
    }
}

/// Converts an IR type back (for field types stored in the IR type table).
pub(crate) fn ty_from_ir(t: &ir::Ty) -> T {
    match t {
        ir::Ty::Bool => T::Bool,
        ir::Ty::Bits { width, signed } => T::Bits {
            w: *width,
            s: *signed,
        },
        ir::Ty::Varbit { max } => T::Varbit(*max),
        ir::Ty::Int => T::Int,
        ir::Ty::String => T::Str,
        ir::Ty::Error => T::Error,
        ir::Ty::MatchKind => T::MatchKind,
        ir::Ty::Void => T::Void,
        ir::Ty::Named { id } => T::Named(*id),
        ir::Ty::Stack { elem, size } => T::Stack(*elem, *size),
        ir::Ty::Tuple { elems } => T::Tuple(elems.iter().map(ty_from_ir).collect()),
        ir::Ty::Extern { name, args } => {
            T::Extern(name.clone(), args.iter().map(ty_from_ir).collect())
        }
        ir::Ty::TableResult { table } => T::TableResult(table.clone()),
        ir::Ty::ActionEnum { table } => T::ActionEnum(table.clone()),
    }
}

/// A field type as the checker sees it. Fields of generic structs that mention the struct's
/// type parameters are stored without them (as `void`, which no field can have); they are
/// not checked.
fn field_ty(t: &T) -> T {
    match t {
        T::Void => T::Unknown,
        T::Tuple(v) => T::Tuple(v.iter().map(field_ty).collect()),
        other => other.clone(),
    }
}

fn elem_span(t: &ast::Type) -> Span {
    match t {
        ast::Type::Named { path, .. } => path.name.span,
        ast::Type::Bits { width, .. } => width.span,
        _ => Span::DUMMY,
    }
}

/// Converts the annotations of a declaration for the IR.
pub(crate) fn ir_annotations(anns: &[ast::Annotation]) -> Vec<ir::Annotation> {
    anns.iter()
        .map(|a| ir::Annotation {
            name: a.name.name.clone(),
            values: match &a.body {
                ast::AnnotationBody::Empty => Vec::new(),
                ast::AnnotationBody::Unparsed(toks) => toks
                    .iter()
                    .filter(|t| !matches!(t.tok, crate::lexer::Tok::P(crate::lexer::Punct::Comma)))
                    .map(|t| t.tok.to_string())
                    .collect(),
                ast::AnnotationBody::Expressions(es) => {
                    es.iter().map(crate::printer::print_expr).collect()
                }
                ast::AnnotationBody::KeyValue(kvs) => kvs
                    .iter()
                    .map(|(k, v)| format!("{}={}", k.name, crate::printer::print_expr(v)))
                    .collect(),
            },
        })
        .collect()
}

/// The `@name("...")` of a declaration, if any.
pub(crate) fn name_annotation(anns: &[ast::Annotation]) -> Option<String> {
    anns.iter()
        .find(|a| a.name.name == "name")
        .and_then(|a| match &a.body {
            ast::AnnotationBody::Unparsed(toks) => toks.iter().find_map(|t| match &t.tok {
                crate::lexer::Tok::Str(s) => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        })
}

pub(crate) fn has_annotation(anns: &[ast::Annotation], name: &str) -> bool {
    anns.iter().any(|a| a.name.name == name)
}
