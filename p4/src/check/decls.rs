//! Declarations: types, constants, externs, parsers, controls, actions, functions, instances.

use super::types::T;
use super::{
    has_annotation, ir_annotations, name_annotation, BlockCtx, BlockKind, Checker, Signature, Sym,
};
use crate::ast::{self, Decl, Direction};
use crate::ir;
use std::collections::{HashMap, HashSet};

/// The IR's view of a parameter direction (directionless = `None`).
pub(crate) fn ir_dir(d: Option<Direction>) -> ir::Direction {
    match d {
        Some(Direction::In) => ir::Direction::In,
        Some(Direction::Out) => ir::Direction::Out,
        Some(Direction::InOut) => ir::Direction::InOut,
        None => ir::Direction::None,
    }
}

/// Qualified control-plane name: `@name(".x")` is absolute, `@name("x")` replaces the local
/// name, otherwise `prefix.local`.
pub(crate) fn qualified(prefix: &str, local: &str, anns: &[ast::Annotation]) -> String {
    let base = name_annotation(anns).unwrap_or_else(|| local.to_string());
    if let Some(abs) = base.strip_prefix('.') {
        abs.to_string()
    } else if prefix.is_empty() {
        base
    } else {
        format!("{prefix}.{base}")
    }
}

impl<'a> Checker<'a, '_> {
    pub(crate) fn program(&mut self, prog: &'a ast::Program) {
        for d in &prog.decls {
            self.top_decl(d);
        }
    }

    fn top_decl(&mut self, d: &'a Decl) {
        match d {
            Decl::Const(c) => self.const_decl(c),
            Decl::Struct(s) => self.struct_decl(s),
            Decl::Enum(e) => self.enum_decl(e),
            Decl::Typedef(t) => {
                let ty = self.resolve_type(&t.ty);
                if t.newtype {
                    self.newtype_target_check(t, &ty);
                } else {
                    self.no_dont_care_in(&t.ty, "a typedef");
                }
                self.declare(&t.name, Sym::Type(ty));
            }
            Decl::Error(ids, _) => {
                for id in ids {
                    if self.ir.errors.contains(&id.name) {
                        self.err(id.span, format!("redeclaration of error.{}", id.name));
                    } else {
                        self.ir.errors.push(id.name.clone());
                    }
                }
            }
            Decl::MatchKind(ids, _) => {
                for id in ids {
                    if self.ir.match_kinds.contains(&id.name) {
                        self.err(
                            id.span,
                            format!("redeclaration of match kind '{}'", id.name),
                        );
                    } else {
                        self.ir.match_kinds.push(id.name.clone());
                    }
                }
            }
            Decl::Extern(e) => {
                self.extern_decl_checks(e);
                self.declare(&e.name, Sym::ExternType(e));
            }
            Decl::ExternFunction(f) => {
                self.check_param_list(&f.type_params, &[&f.params], ParamsOf::Declaration);
                self.extern_fns
                    .entry(f.name.name.clone())
                    .or_default()
                    .push(f);
                self.declare(&f.name, Sym::ExternFunction(f.name.name.clone()));
            }
            Decl::ParserType(s) => {
                self.check_param_list(&s.type_params, &[&s.params], ParamsOf::Declaration);
                self.declare(&s.name, Sym::BlockType(BlockKind::Parser, s));
            }
            Decl::ControlType(s) => {
                self.check_param_list(&s.type_params, &[&s.params], ParamsOf::Declaration);
                self.declare(&s.name, Sym::BlockType(BlockKind::Control, s));
            }
            Decl::Package(s) => {
                self.check_param_list(&s.type_params, &[&s.params], ParamsOf::Declaration);
                self.declare(&s.name, Sym::BlockType(BlockKind::Package, s));
            }
            Decl::Parser(p) => self.parser_decl(p),
            Decl::Control(c) => self.control_decl(c),
            Decl::Action(a) => self.action_decl(a, ""),
            Decl::Function(f) => self.function_decl(f),
            Decl::Instantiation(i) => self.instantiation(i, ""),
            Decl::Var(v) => self.err(
                v.name.span,
                "variables cannot be declared at the top level (use 'const')",
            ),
            Decl::Table(t) => self.err(t.name.span, "a table must be declared inside a control"),
            Decl::ValueSet(v) => {
                self.err(v.name.span, "a value_set must be declared inside a parser")
            }
        }
    }

    pub(crate) fn const_decl(&mut self, c: &'a ast::ConstDecl) {
        self.no_dont_care_in(&c.ty, "the type of a constant");
        let ty = self.resolve_type(&c.ty);
        let v = self.expr(&c.value, Some(&ty));
        let v = self.coerce(v, &ty, c.value.span);
        if !ty.is_unknown() && !v.t.is_unknown() && !super::expr::is_constant(&v.e) {
            self.err(
                c.value.span,
                format!(
                    "the value of constant '{}' is not a compile-time constant",
                    c.name.name
                ),
            );
        }
        self.declare(&c.name, Sym::Const(ty, v.e));
    }

    fn struct_decl(&mut self, s: &'a ast::StructDecl) {
        self.tparams.push(
            s.type_params
                .iter()
                .map(|p| (p.name.clone(), T::Unknown))
                .collect(),
        );
        let mut fields = Vec::new();
        let mut seen: HashMap<&str, crate::diag::Span> = HashMap::new();
        let mut offset = 0u32;
        for f in &s.fields {
            if dont_care_span(&f.ty).is_some() {
                self.err(
                    f.name.span,
                    format!(
                        "'_' cannot be used in the type of field '{}': fields need a complete type",
                        f.name.name
                    ),
                );
            }
            let ty = self.resolve_type(&f.ty);
            if let Some(prev) = seen.insert(&f.name.name, f.name.span) {
                self.diags.push(
                    crate::diag::Diagnostic::error(
                        f.name.span,
                        format!(
                            "duplicate field '{}' in {} '{}'",
                            f.name.name,
                            s.kind.keyword(),
                            s.name.name
                        ),
                    )
                    .with_note(prev, "first declared here"),
                );
                continue;
            }
            match s.kind {
                ast::StructKind::Header => {
                    let ok = matches!(ty, T::Bits { .. } | T::Varbit(_) | T::Bool | T::Unknown)
                        || self.ser_enum(&ty).is_some()
                        || self.header_struct_width(&ty).is_some();
                    if !ok {
                        self.err(
                            f.name.span,
                            format!(
                                "header field '{}' has type {}: header fields must be bit<W>, int<W>, varbit<W>, bool, a serializable enum or a struct of these",
                                f.name.name,
                                self.type_name(&ty)
                            ),
                        );
                    }
                }
                ast::StructKind::HeaderUnion => {
                    if !self.is_header(&ty) && !ty.is_unknown() {
                        self.err(
                            f.name.span,
                            format!("header union member '{}' must be a header", f.name.name),
                        );
                    }
                }
                ast::StructKind::Struct => {}
            }
            let width = match &ty {
                T::Bits { w, .. } => *w,
                T::Varbit(m) => *m,
                T::Bool => 1,
                t => self
                    .ser_enum(t)
                    .map(|(w, _)| w)
                    .or_else(|| self.header_struct_width(t))
                    .unwrap_or(0),
            };
            fields.push(ir::FieldDef {
                name: f.name.name.clone(),
                ty: ty.to_ir(),
                offset: if s.kind == ast::StructKind::Header {
                    offset
                } else {
                    0
                },
                annotations: ir_annotations(&f.annotations),
            });
            offset = offset.saturating_add(width);
        }
        self.tparams.pop();
        let kind = match s.kind {
            ast::StructKind::Header => ir::TypeKind::Header {
                fields,
                bit_width: offset,
            },
            ast::StructKind::HeaderUnion => ir::TypeKind::HeaderUnion { fields },
            ast::StructKind::Struct => ir::TypeKind::Struct { fields },
        };
        let id = self.ir.types.len() as u32;
        self.ir.types.push(ir::TypeDecl {
            name: s.name.name.clone(),
            kind,
            annotations: ir_annotations(&s.annotations),
        });
        self.declare(&s.name, Sym::Type(T::Named(id)));
    }

    fn enum_decl(&mut self, e: &'a ast::EnumDecl) {
        let mut seen = HashSet::new();
        let kind = match &e.underlying {
            None => {
                let mut members = Vec::new();
                for (m, _) in &e.members {
                    if !seen.insert(m.name.clone()) {
                        self.err(m.span, format!("duplicate enum member '{}'", m.name));
                        continue;
                    }
                    members.push(m.name.clone());
                }
                ir::TypeKind::Enum { members }
            }
            Some(u) => {
                let ut = self.resolve_type(u);
                let ut = if matches!(u, ast::Type::List(_) | ast::Type::DontCare) {
                    T::Tuple(Vec::new())
                } else {
                    ut
                };
                let (w, s) = match ut {
                    T::Bits { w, s } => (w, s),
                    T::Unknown => (32, false),
                    other => {
                        self.err(
                            e.name.span,
                            format!(
                                "a serializable enum needs a bit<W> or int<W> type, not {}",
                                self.type_name(&other)
                            ),
                        );
                        (32, false)
                    }
                };
                let mut members = Vec::new();
                let mut next = num_bigint::BigInt::from(0);
                for (m, v) in &e.members {
                    if !seen.insert(m.name.clone()) {
                        self.err(m.span, format!("duplicate enum member '{}'", m.name));
                        continue;
                    }
                    let value = match v {
                        Some(v) => {
                            let x = self.expr(v, Some(&T::Bits { w, s }));
                            match super::expr::const_int(&x.e) {
                                Some(n) => {
                                    if !super::types::fits(&n, w, s) {
                                        self.err(v.span, format!("enum value {n} does not fit in the enum's width {w}"));
                                    }
                                    n
                                }
                                None => {
                                    self.err(
                                        v.span,
                                        "enum member value is not a compile-time constant",
                                    );
                                    next.clone()
                                }
                            }
                        }
                        None => next.clone(),
                    };
                    next = &value + 1;
                    members.push(ir::EnumMember {
                        name: m.name.clone(),
                        value,
                    });
                }
                ir::TypeKind::SerEnum {
                    width: w,
                    signed: s,
                    members,
                }
            }
        };
        let id = self.ir.types.len() as u32;
        self.ir.types.push(ir::TypeDecl {
            name: e.name.name.clone(),
            kind,
            annotations: ir_annotations(&e.annotations),
        });
        self.declare(&e.name, Sym::Type(T::Named(id)));
    }

    /// Declares parameters in the current scope and returns them for the IR.
    fn params(&mut self, ps: &'a [ast::Param], action_data_readonly: bool) -> Vec<(ir::Param, T)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for p in ps {
            let ty = self.resolve_type(&p.ty);
            if !seen.insert(p.name.name.clone()) {
                self.err(
                    p.name.span,
                    format!("duplicate parameter '{}'", p.name.name),
                );
                continue;
            }
            if matches!(ty, T::Extern(..)) && p.direction.is_some() {
                self.err(
                    p.name.span,
                    format!(
                        "parameter '{}' has extern type {}: extern parameters cannot have a direction",
                        p.name.name,
                        self.type_name(&ty)
                    ),
                );
            }

            let readonly = matches!(p.direction, Some(Direction::In))
                || (p.direction.is_none() && action_data_readonly);
            self.declare(
                &p.name,
                Sym::Var {
                    ty: ty.clone(),
                    ir_name: p.name.name.clone(),
                    dir: p.direction,
                    readonly,
                },
            );
            if let Some(b) = self.block.as_mut() {
                b.used.insert(p.name.name.clone());
            }
            out.push((
                ir::Param {
                    name: p.name.name.clone(),
                    direction: ir_dir(p.direction),
                    ty: ty.to_ir(),
                    annotations: ir_annotations(&p.annotations),
                },
                ty,
            ));
        }
        out
    }

    /// Starts a new block context; returns the enclosing one to restore afterwards.
    fn begin_block(&mut self) -> Option<BlockCtx> {
        self.block.replace(BlockCtx::default())
    }

    /// Type-checks a method that an extern instance's initializer block implements (P4-16
    /// 11.3.1): its parameters, its body and its return value. Targets call such methods
    /// themselves, so nothing goes to the IR.
    fn initializer_method(&mut self, f: &'a ast::FunctionDecl) {
        self.check_param_list(&f.proto.type_params, &[&f.proto.params], ParamsOf::Body);
        self.tparams.push(
            f.proto
                .type_params
                .iter()
                .map(|p| (p.name.clone(), T::Param(p.name.clone())))
                .collect(),
        );
        let ret = f
            .proto
            .ret
            .as_ref()
            .map_or(T::Void, |t| self.resolve_type(t));
        let saved = self.begin_block();
        if let Some(b) = self.block.as_mut() {
            b.ret = Some(ret.clone());
            b.in_function = true;
        }
        self.push_scope();
        self.params(&f.proto.params, false);
        let body = self.block_stmts(&f.body.stmts);
        if ret != T::Void && !ret.is_unknown() && !super::stmt::always_returns(&body) {
            self.err(
                f.proto.name.span,
                format!(
                    "method '{}' does not return a value on every path (missing return)",
                    f.proto.name.name
                ),
            );
        }
        self.pop_scope();
        self.tparams.pop();
        self.block = saved;
    }

    pub(crate) fn action_decl(&mut self, a: &'a ast::ActionDecl, control: &str) {
        self.check_param_list(&[], &[&a.params], ParamsOf::Action);
        let qname = qualified(control, &a.name.name, &a.annotations);
        self.declare(&a.name, Sym::Action(qname.clone()));
        // Actions see their control's names; their own locals are kept with the action.
        let parent_used = self
            .block
            .as_ref()
            .map(|b| b.used.clone())
            .unwrap_or_default();
        let saved = self.block.replace(BlockCtx {
            used: parent_used,
            in_action: true,
            ..Default::default()
        });
        self.push_scope();
        let params = self.params(&a.params, true);
        for ((_, t), ap) in params.iter().zip(&a.params) {
            if *t == T::Int {
                self.err(
                    ap.name.span,
                    format!(
                        "action parameter '{}' cannot have type int: only compile-time values \
                         have type int (use bit<W> or int<W>)",
                        ap.name.name
                    ),
                );
            }
        }
        self.signatures.insert(
            qname.clone(),
            Signature {
                params: params
                    .iter()
                    .zip(&a.params)
                    .map(|((p, t), ap)| {
                        (
                            p.name.clone(),
                            t.clone(),
                            ap.direction,
                            ap.default.is_some(),
                        )
                    })
                    .collect(),
                ret: T::Void,
            },
        );
        let body = self.block_stmts(&a.body.stmts);
        self.pop_scope();
        let ctx = std::mem::replace(&mut self.block, saved).unwrap_or_default();
        let id = self.alloc_id(ir::id_prefix::ACTION, &qname);
        self.ir.actions.push(ir::Action {
            id,
            name: qname,
            control: control.to_string(),
            params: params.into_iter().map(|(p, _)| p).collect(),
            locals: ctx.locals,
            body,
            annotations: ir_annotations(&a.annotations),
        });
    }

    fn function_decl(&mut self, f: &'a ast::FunctionDecl) {
        let name = f.proto.name.name.clone();
        self.check_param_list(&f.proto.type_params, &[&f.proto.params], ParamsOf::Body);
        self.tparams.push(
            f.proto
                .type_params
                .iter()
                .map(|p| (p.name.clone(), T::Param(p.name.clone())))
                .collect(),
        );
        let ret = f
            .proto
            .ret
            .as_ref()
            .map_or(T::Void, |t| self.resolve_type(t));
        self.declare(&f.proto.name, Sym::Function(name.clone()));
        self.fn_type_params.insert(
            name.clone(),
            f.proto.type_params.iter().map(|p| p.name.clone()).collect(),
        );
        let saved = self.begin_block();
        if let Some(b) = self.block.as_mut() {
            b.ret = Some(ret.clone());
            b.in_function = true;
        }
        self.push_scope();
        let params = self.params(&f.proto.params, false);
        self.signatures.insert(
            name.clone(),
            Signature {
                params: params
                    .iter()
                    .zip(&f.proto.params)
                    .map(|((p, t), ap)| {
                        (
                            p.name.clone(),
                            t.clone(),
                            ap.direction,
                            ap.default.is_some(),
                        )
                    })
                    .collect(),
                ret: ret.clone(),
            },
        );
        let body = self.block_stmts(&f.body.stmts);
        if ret != T::Void && !ret.is_unknown() && !super::stmt::always_returns(&body) {
            self.err(
                f.proto.name.span,
                format!("function '{name}' does not return a value on every path (missing return)"),
            );
        }
        self.pop_scope();
        self.tparams.pop();
        let ctx = std::mem::replace(&mut self.block, saved).unwrap_or_default();
        self.ir.functions.push(ir::Function {
            name,
            ret: ret.to_ir(),
            params: params.into_iter().map(|(p, _)| p).collect(),
            locals: ctx.locals,
            body,
        });
    }

    fn control_decl(&mut self, c: &'a ast::ControlDecl) {
        let name = c.sig.name.name.clone();
        self.declare(
            &c.sig.name,
            Sym::BlockDecl(BlockKind::Control, &c.sig, c.ctor_params.as_deref()),
        );
        self.blocks.insert(
            name.clone(),
            (BlockKind::Control, &c.sig, c.ctor_params.as_deref()),
        );
        self.check_param_list(
            &c.sig.type_params,
            &[&c.sig.params, c.ctor_params.as_deref().unwrap_or(&[])],
            ParamsOf::Body,
        );
        self.tparams.push(
            c.sig
                .type_params
                .iter()
                .map(|p| (p.name.clone(), T::Unknown))
                .collect(),
        );
        let saved = self.begin_block();
        if let Some(b) = self.block.as_mut() {
            b.owner = name.clone();
        }
        let saved_tables = std::mem::take(&mut self.table_actions);
        self.push_scope();
        let params = self.params(&c.sig.params, false);
        let ctor = match &c.ctor_params {
            Some(ps) => self.params(ps, true),
            None => Vec::new(),
        };
        let mut body = Vec::new();
        for l in &c.locals {
            self.local_decl(l, &name, &mut body, false);
        }
        body.extend(self.block_stmts(&c.body.stmts));
        self.pop_scope();
        self.table_actions = saved_tables;
        self.tparams.pop();
        let ctx = std::mem::replace(&mut self.block, saved).unwrap_or_default();
        self.ir.controls.push(ir::Control {
            name,
            params: params.into_iter().map(|(p, _)| p).collect(),
            ctor_params: ctor.into_iter().map(|(p, _)| p).collect(),
            locals: ctx.locals,
            body,
            annotations: ir_annotations(&c.sig.annotations),
        });
    }

    /// A declaration inside a control or parser.
    fn local_decl(&mut self, d: &'a Decl, block: &str, init: &mut Vec<ir::Stmt>, in_parser: bool) {
        match d {
            Decl::Const(c) => self.const_decl(c),
            Decl::Var(v) => {
                if let Some(s) = self.var_decl(v) {
                    init.push(s);
                }
            }
            Decl::Instantiation(i) => self.instantiation(i, block),
            Decl::Action(a) if !in_parser => self.action_decl(a, block),
            Decl::Table(t) if !in_parser => self.table_decl(t, block),
            Decl::ValueSet(v) if in_parser => self.value_set_decl(v, block),
            other => {
                let span = other.name().map_or(other.span(), |n| n.span);
                self.err(
                    span,
                    format!(
                        "this declaration is not allowed inside a {}",
                        if in_parser { "parser" } else { "control" }
                    ),
                );
            }
        }
    }

    /// Declares a local variable (hoisted into the current block) and returns its initialiser.
    pub(crate) fn var_decl(&mut self, v: &'a ast::VarDecl) -> Option<ir::Stmt> {
        self.no_dont_care_in(&v.ty, "the type of a variable");
        let ty = self.resolve_type(&v.ty);
        if ty == T::Int {
            self.err(
                v.name.span,
                format!(
                    "variable '{}' cannot have type int: only compile-time constants have type \
                     int (use bit<W> or int<W>, or a const)",
                    v.name.name
                ),
            );
        }
        if matches!(ty, T::Extern(..) | T::Block(_)) {
            self.err(
                v.name.span,
                format!(
                    "variables cannot have type {}; instantiate it instead",
                    self.type_name(&ty)
                ),
            );
        }
        let init = v.init.as_ref().map(|e| {
            let x = self.expr(e, Some(&ty));
            self.coerce(x, &ty, e.span)
        });
        let ir_name = self.fresh_local(&v.name.name, &ty);
        self.declare(
            &v.name,
            Sym::Var {
                ty: ty.clone(),
                ir_name: ir_name.clone(),
                dir: None,
                readonly: false,
            },
        );
        init.map(|x| ir::Stmt::Assign {
            lhs: ir::Expr {
                ty: ty.to_ir(),
                kind: ir::ExprKind::Var { name: ir_name },
            },
            rhs: x.e,
        })
    }

    fn parser_decl(&mut self, p: &'a ast::ParserDecl) {
        let name = p.sig.name.name.clone();
        self.declare(
            &p.sig.name,
            Sym::BlockDecl(BlockKind::Parser, &p.sig, p.ctor_params.as_deref()),
        );
        self.blocks.insert(
            name.clone(),
            (BlockKind::Parser, &p.sig, p.ctor_params.as_deref()),
        );
        self.check_param_list(
            &p.sig.type_params,
            &[&p.sig.params, p.ctor_params.as_deref().unwrap_or(&[])],
            ParamsOf::Body,
        );
        self.tparams.push(
            p.sig
                .type_params
                .iter()
                .map(|p| (p.name.clone(), T::Unknown))
                .collect(),
        );
        let saved = self.begin_block();
        if let Some(b) = self.block.as_mut() {
            b.in_parser = true;
            b.owner = p.sig.name.name.clone();
        }
        self.push_scope();
        let params = self.params(&p.sig.params, false);
        let ctor = match &p.ctor_params {
            Some(ps) => self.params(ps, true),
            None => Vec::new(),
        };
        let mut init = Vec::new();
        for l in &p.locals {
            self.local_decl(l, &name, &mut init, true);
        }
        // State names first, so transitions may refer forward.
        let mut names: HashMap<String, crate::diag::Span> = HashMap::new();
        for s in &p.states {
            if matches!(s.name.name.as_str(), "accept" | "reject") {
                self.err(
                    s.name.span,
                    format!(
                        "state '{}' is predefined and cannot be declared",
                        s.name.name
                    ),
                );
                continue;
            }
            if let Some(prev) = names.insert(s.name.name.clone(), s.name.span) {
                self.diags.push(
                    crate::diag::Diagnostic::error(
                        s.name.span,
                        format!("duplicate state '{}' (redeclaration)", s.name.name),
                    )
                    .with_note(prev, "first declared here"),
                );
            }
        }
        if !names.contains_key("start") {
            self.err(
                p.sig.name.span,
                format!("parser '{name}' has no 'start' state"),
            );
        }
        let mut states = Vec::new();
        for s in &p.states {
            self.push_scope();
            let stmts = self.block_stmts(&s.body);
            let transition = match &s.transition {
                None => ir::Transition::Goto {
                    state: "reject".into(),
                },
                Some(ast::Transition::Direct(path)) => {
                    self.check_state_ref(&path.name, &names);
                    ir::Transition::Goto {
                        state: path.name.name.clone(),
                    }
                }
                Some(ast::Transition::Select { exprs, cases, .. }) => {
                    self.select_transition(exprs, cases, &names)
                }
            };
            self.pop_scope();
            states.push(ir::ParserState {
                name: s.name.name.clone(),
                stmts,
                transition,
                annotations: ir_annotations(&s.annotations),
            });
        }
        self.pop_scope();
        self.tparams.pop();
        let ctx = std::mem::replace(&mut self.block, saved).unwrap_or_default();
        self.ir.parsers.push(ir::Parser {
            name,
            params: params.into_iter().map(|(p, _)| p).collect(),
            ctor_params: ctor.into_iter().map(|(p, _)| p).collect(),
            locals: ctx.locals,
            init,
            states,
            annotations: ir_annotations(&p.sig.annotations),
        });
    }

    pub(crate) fn check_state_ref(
        &mut self,
        id: &ast::Ident,
        names: &HashMap<String, crate::diag::Span>,
    ) {
        if !matches!(id.name.as_str(), "accept" | "reject") && !names.contains_key(&id.name) {
            self.err(
                id.span,
                format!("transition to undeclared state '{}'", id.name),
            );
        }
    }

    fn value_set_decl(&mut self, v: &'a ast::ValueSetDecl, block: &str) {
        let elem = self.resolve_type(&v.elem);
        let size = self.const_u32(&v.size, "value_set size").unwrap_or(0);
        let qname = qualified(block, &v.name.name, &v.annotations);
        let id = self.alloc_id(ir::id_prefix::VALUE_SET, &qname);
        self.ir.value_sets.push(ir::ValueSet {
            id,
            name: qname.clone(),
            elem: elem.to_ir(),
            size,
        });
        self.declare(&v.name, Sym::ValueSet(qname));
    }

    /// An instance of an extern, a parser/control, or the top-level package.
    pub(crate) fn instantiation(&mut self, i: &'a ast::Instantiation, block: &str) {
        let ty = self.resolve_type(&i.ty);
        let qname = qualified(block, &i.name.name, &i.annotations);
        // `= { ... }` implements abstract methods, which only externs have (P4-16 11.3.1).
        if i.initializer.is_some() && !matches!(ty, T::Extern(..) | T::Unknown) {
            self.err(
                i.name.span,
                format!(
                    "'{}' is not an extern instance: only extern instantiations can have an initializer block implementing abstract methods",
                    i.name.name
                ),
            );
        }
        if let (Some(decls), T::Extern(..)) = (&i.initializer, &ty) {
            for d in decls {
                if let ast::Decl::Function(f) = d {
                    self.initializer_method(f);
                }
            }
        }
        match ty.clone() {
            T::Extern(ext, targs) => {
                let Some(Sym::ExternType(decl)) = self.lookup(&ext).map(|e| e.sym.clone()) else {
                    return;
                };
                let mut subst: HashMap<String, T> = HashMap::new();
                for (k, p) in decl.type_params.iter().enumerate() {
                    subst.insert(p.name.clone(), targs.get(k).cloned().unwrap_or(T::Unknown));
                }
                if targs.len() > decl.type_params.len() {
                    self.err(
                        i.name.span,
                        format!(
                            "too many type arguments for '{ext}': expected {}, got {}",
                            decl.type_params.len(),
                            targs.len()
                        ),
                    );
                }
                if targs.is_empty() && !decl.type_params.is_empty() && i.args.is_empty() {
                    self.err(
                        i.name.span,
                        format!(
                            "cannot infer the type arguments of '{ext}': no constructor argument \
                             gives them (write {ext}<...>)"
                        ),
                    );
                }
                // Missing type arguments are inferred from use (p4c accepts `counter(8, ...)`).
                let ctors: Vec<&'a ast::FunctionProto> = decl
                    .methods
                    .iter()
                    .filter(|m| m.ret.is_none() && m.name.name == ext)
                    .collect();
                let mut args_ir = Vec::new();
                if ctors.is_empty() {
                    if !i.args.is_empty() {
                        self.err(
                            i.name.span,
                            format!(
                                "wrong number of arguments: '{ext}' has no constructor parameters"
                            ),
                        );
                    }
                } else {
                    let chosen = ctors
                        .iter()
                        .find(|c| arity_ok(&c.params, i.args.len()))
                        .copied();
                    match chosen {
                        None => {
                            let counts: Vec<String> =
                                ctors.iter().map(|c| c.params.len().to_string()).collect();
                            self.err(
                                i.name.span,
                                format!(
                                    "wrong number of arguments to the constructor of '{ext}': expected {}, got {}",
                                    counts.join(" or "),
                                    i.args.len()
                                ),
                            );
                        }
                        Some(c) => {
                            // The parameter types with these type arguments must be
                            // well-formed too.
                            let written: HashMap<&str, &ast::Type> = match &i.ty {
                                ast::Type::Named { args, .. } => decl
                                    .type_params
                                    .iter()
                                    .map(|p| p.name.as_str())
                                    .zip(args.iter())
                                    .collect(),
                                _ => HashMap::new(),
                            };
                            for p in &c.params {
                                // (An ill-formed declaration is reported where it is.)
                                if bad_tuple_element(&p.ty, &HashMap::new(), false).is_some() {
                                    continue;
                                }
                                if let Some(what) = bad_tuple_element(&p.ty, &written, false) {
                                    self.err(
                                        i.name.span,
                                        format!(
                                            "constructor parameter '{}' of '{ext}' has an \
                                             ill-formed type with these type arguments: a tuple \
                                             element cannot be a {what}",
                                            p.name.name
                                        ),
                                    );
                                }
                            }
                            self.tparams.push(subst.clone());
                            let ordered = self.order_args(&c.params, &i.args, i.name.span);
                            for (p, a) in c.params.iter().zip(ordered) {
                                let pty = self.resolve_type(&p.ty);
                                let Some(a) = a else { continue };
                                let x = self.expr(a, Some(&pty));
                                let x = self.coerce(x, &pty, a.span);
                                args_ir.push(self.ctor_arg(&x, a));
                            }
                            self.tparams.pop();
                        }
                    }
                }
                let prefix = match ext.as_str() {
                    "counter" | "Counter" => ir::id_prefix::COUNTER,
                    "direct_counter" | "DirectCounter" => ir::id_prefix::DIRECT_COUNTER,
                    "meter" | "Meter" => ir::id_prefix::METER,
                    "direct_meter" | "DirectMeter" => ir::id_prefix::DIRECT_METER,
                    "register" | "Register" => ir::id_prefix::REGISTER,
                    "action_profile" | "action_selector" | "ActionProfile" | "ActionSelector" => {
                        ir::id_prefix::ACTION_PROFILE
                    }
                    _ => ir::id_prefix::OTHER_EXTERN,
                };
                let id = self.alloc_id(prefix, &qname);
                self.ir.instances.push(ir::ExternInstance {
                    id,
                    name: qname.clone(),
                    extern_type: ext.clone(),
                    type_args: targs.iter().map(T::to_ir).collect(),
                    args: args_ir,
                    annotations: ir_annotations(&i.annotations),
                });
                self.declare(&i.name, Sym::Instance { ty, ir_name: qname });
            }
            T::Block(bname) => {
                let sym = self.lookup(&bname).map(|e| e.sym.clone());
                match sym {
                    Some(Sym::BlockType(BlockKind::Package, sig)) => {
                        self.package_instance(i, sig);
                    }
                    Some(Sym::BlockDecl(kind, sig, ctor)) => {
                        let nctor = ctor.map_or(0, |c| c.len());
                        if ctor.is_some_and(|c| !arity_ok(c, i.args.len()))
                            || (ctor.is_none() && !i.args.is_empty())
                        {
                            self.err(
                                i.name.span,
                                format!(
                                    "wrong number of arguments to '{}': expected {nctor}, got {}",
                                    sig.name.name,
                                    i.args.len()
                                ),
                            );
                        }
                        let mut args_ir = Vec::new();
                        let ctor_params = ctor.unwrap_or(&[]);
                        for (k, a) in i.args.iter().enumerate() {
                            let pty = match ctor_params.get(k) {
                                Some(p) => self.resolve_type(&p.ty),
                                None => T::Unknown,
                            };
                            let x = self.expr(&a.value, Some(&pty));
                            let x = self.coerce(x, &pty, a.value.span);
                            args_ir.push(self.ctor_arg(&x, &a.value));
                        }
                        let _ = kind;
                        self.ir.sub_instances.push(ir::SubInstance {
                            args: args_ir,
                            name: qname.clone(),
                            block: bname.clone(),
                        });
                        self.declare(&i.name, Sym::Instance { ty, ir_name: qname });
                    }
                    Some(Sym::BlockType(..)) => {
                        self.err(i.name.span, format!("'{bname}' is a type declaration without a body and cannot be instantiated"));
                    }
                    _ => {}
                }
            }
            T::Unknown => {}
            other => {
                let n = self.type_name(&other);
                self.err(i.name.span, format!("cannot instantiate type {n}"));
            }
        }
    }

    fn ctor_arg(&self, x: &super::expr::Typed, a: &ast::Expr) -> ir::CtorArg {
        match &x.e.kind {
            ir::ExprKind::Const { value } => ir::CtorArg::Int {
                value: value.clone(),
                ty: x.e.ty.clone(),
            },
            ir::ExprKind::Bool { value } => ir::CtorArg::Bool { value: *value },
            ir::ExprKind::Str { value } => ir::CtorArg::Str {
                value: value.clone(),
            },
            ir::ExprKind::EnumMember { name } => ir::CtorArg::Enum {
                ty: self.type_name(&x.t),
                member: name.clone(),
            },
            ir::ExprKind::Instance { name } => ir::CtorArg::Instance { name: name.clone() },
            _ => ir::CtorArg::Other {
                text: crate::printer::print_expr(a),
            },
        }
    }

    fn package_instance(&mut self, i: &'a ast::Instantiation, sig: &'a ast::TypeDeclSig) {
        if i.args.len() != sig.params.len() {
            self.err(
                i.name.span,
                format!(
                    "wrong number of arguments to package '{}': expected {}, got {}",
                    sig.name.name,
                    sig.params.len(),
                    i.args.len()
                ),
            );
        }
        let mut slots = Vec::new();
        // Bindings of the package's type parameters, shared by all its arguments.
        let mut pkg_bind: HashMap<String, T> = HashMap::new();
        if let ast::Type::Named { args, .. } = &i.ty {
            for (tp, ta) in sig.type_params.iter().zip(args) {
                let t = self.resolve_type(ta);
                pkg_bind.insert(tp.name.clone(), t);
            }
        }
        for (p, a) in sig.params.iter().zip(&i.args) {
            let want = match &p.ty {
                ast::Type::Named { path, .. } => {
                    match self.lookup_path(path).map(|e| e.sym.clone()) {
                        Some(Sym::BlockType(k, s)) => Some((k, s.params.len())),
                        _ => None,
                    }
                }
                _ => None,
            };
            let block = match &a.value.kind {
                ast::ExprKind::Call { callee, args, .. } => match &callee.kind {
                    ast::ExprKind::Path(path) => {
                        for a in args {
                            self.expr(&a.value, None);
                        }
                        Some(path.name.clone())
                    }
                    _ => None,
                },
                ast::ExprKind::Path(path) => Some(path.name.clone()),
                _ => None,
            };
            let Some(block) = block else {
                self.err(
                    a.value.span,
                    format!(
                        "argument for '{}' must instantiate a parser or control",
                        p.name.name
                    ),
                );
                continue;
            };
            let info = self
                .blocks
                .get(&block.name)
                .map(|(k, s, _)| (*k, s.params.len()));
            let inst = self.lookup(&block.name).map(|e| e.sym.clone());
            let info = match (info, inst) {
                (Some(i), _) => Some(i),
                (
                    None,
                    Some(Sym::Instance {
                        ty: T::Block(b), ..
                    }),
                ) => self.blocks.get(&b).map(|(k, s, _)| (*k, s.params.len())),
                (None, Some(_)) => {
                    self.err(
                        block.span,
                        format!("'{}' is not a parser or control", block.name),
                    );
                    continue;
                }
                (None, None) => {
                    self.err(
                        block.span,
                        format!("undeclared parser or control '{}'", block.name),
                    );
                    continue;
                }
            };
            if let (Some((wk, wn)), Some((gk, gn))) = (want, info) {
                let kname = |k: BlockKind| match k {
                    BlockKind::Parser => "parser",
                    BlockKind::Control => "control",
                    BlockKind::Package => "package",
                };
                if wk != gk {
                    self.err(
                        block.span,
                        format!(
                            "type mismatch: package parameter '{}' expects a {}, but '{}' is a {}",
                            p.name.name,
                            kname(wk),
                            block.name,
                            kname(gk)
                        ),
                    );
                } else if wn != gn {
                    self.err(
                        block.span,
                        format!(
                            "type mismatch: '{}' has {gn} parameters but package parameter '{}' expects a {} with {wn}",
                            block.name,
                            p.name.name,
                            kname(wk)
                        ),
                    );
                } else {
                    self.package_arg_params(sig, p, &block, &mut pkg_bind);
                }
            } else if want.is_none() && info.is_some() {
                // A parser or control given for a parameter whose type is not a block type.
                let pt = self.package_param_type(sig, &p.ty);
                if !matches!(pt, T::Unknown | T::Param(_) | T::Block(_)) {
                    self.err(
                        block.span,
                        format!(
                            "type mismatch: package parameter '{}' has type {}, but '{}' is a parser or control",
                            p.name.name,
                            self.type_name(&pt),
                            block.name
                        ),
                    );
                }
            }
            slots.push((p.name.name.clone(), block.name.clone()));
        }
        let pkg_type = sig.name.name.clone();
        if pkg_type == "V1Switch" {
            self.ir.arch = Some("v1model".into());
        } else {
            self.ir.arch = Some(pkg_type.clone());
        }
        if self.ir.package.is_some() {
            self.err(
                i.name.span,
                "a program can instantiate only one top-level package",
            );
        }
        self.ir.package = Some(ir::Package {
            name: i.name.name.clone(),
            package_type: pkg_type,
            slots,
        });
        let _ = has_annotation;
    }
}

impl<'a> Checker<'a, '_> {
    /// The type of a package parameter, with the package's type parameters left open.
    fn package_param_type(&mut self, pkg: &ast::TypeDeclSig, t: &ast::Type) -> T {
        self.tparams.push(
            pkg.type_params
                .iter()
                .map(|tp| (tp.name.clone(), T::Param(tp.name.clone())))
                .collect(),
        );
        let t = self.resolve_type(t);
        self.tparams.pop();
        t
    }

    /// Checks the parameters of the parser or control `block` given for package parameter `p`
    /// against the parameters of `p`'s parser/control type: same directions, and types that
    /// agree once the type parameters are bound (consistently across the package's arguments).
    fn package_arg_params(
        &mut self,
        pkg: &'a ast::TypeDeclSig,
        p: &ast::Param,
        block: &ast::Ident,
        pkg_bind: &mut HashMap<String, T>,
    ) {
        let ast::Type::Named { path, args: targs } = &p.ty else {
            return;
        };
        let Some(Sym::BlockType(_, bt)) = self.lookup_path(path).map(|e| e.sym.clone()) else {
            return;
        };
        let Some((_, decl, _)) = self.blocks.get(&block.name).cloned() else {
            return;
        };
        if !decl.type_params.is_empty() || bt.params.len() != decl.params.len() {
            return;
        }
        // The block type's type parameters, bound to the package parameter's type arguments
        // (which may mention the package's own type parameters).
        let mut inner: HashMap<String, T> = HashMap::new();
        for (k, tp) in bt.type_params.iter().enumerate() {
            let t = match targs.get(k) {
                Some(a) => self.package_param_type(pkg, a),
                None => T::Param(format!("{}::{}", bt.name.name, tp.name)),
            };
            inner.insert(tp.name.clone(), t);
        }
        for (want, got) in bt.params.iter().zip(&decl.params) {
            if want.direction == Some(Direction::InOut) && got.direction == Some(Direction::In) {
                // Older v1model programs declare `VerifyChecksum(in H hdr, ...)`. A block that
                // only reads a parameter behaves the same whether it is `in` or `inout` (the
                // copy-out writes back the value copied in), so this is accepted.
                self.warn(
                    got.name.span,
                    format!(
                        "parameter '{}' of '{}' is in, but type '{}' expects inout for '{}': accepted (the block cannot write it)",
                        got.name.name, block.name, bt.name.name, want.name.name
                    ),
                );
            } else if want.direction != got.direction {
                let dn = |d: Option<Direction>| match d {
                    None => "directionless",
                    Some(Direction::In) => "in",
                    Some(Direction::Out) => "out",
                    Some(Direction::InOut) => "inout",
                };
                self.err(
                    got.name.span,
                    format!(
                        "type mismatch: parameter '{}' of '{}' is {}, but {} '{}' expects {} for '{}'",
                        got.name.name,
                        block.name,
                        dn(got.direction),
                        "type",
                        bt.name.name,
                        dn(want.direction),
                        want.name.name
                    ),
                );
                continue;
            }
            self.tparams.push(inner.clone());
            let wt = self.resolve_type(&want.ty);
            self.tparams.pop();
            let gt = self.resolve_type(&got.ty);
            let before = pkg_bind.clone();
            let ok = super::types::unify(&wt, &gt, pkg_bind) && {
                let w = wt.subst(pkg_bind, false);
                w.contains_param()
                    || w.is_unknown()
                    || gt.is_unknown()
                    || matches!(w, T::Tuple(_))
                    || (self.assignable(&w, &gt) && self.assignable(&gt, &w))
            };
            if !ok {
                *pkg_bind = before;
                let w = wt.subst(pkg_bind, false);
                self.err(
                    got.name.span,
                    format!(
                        "type mismatch: parameter '{}' of '{}' has type {}, but '{}' expects {} for '{}'",
                        got.name.name,
                        block.name,
                        self.type_name(&gt),
                        bt.name.name,
                        self.type_name(&w),
                        want.name.name
                    ),
                );
            }
        }
    }
}

/// Which declaration a parameter list belongs to, for [`Checker::check_param_list`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamsOf {
    /// A declaration without a body (parser/control/package type, extern function or method):
    /// duplicate names are reported here, as nothing else declares these parameters.
    Declaration,
    /// A parser, control or function with a body (duplicates are reported when the parameters
    /// are declared in its scope).
    Body,
    /// An action: as `Body`, and directionless parameters must come last.
    Action,
}

impl<'a> Checker<'a, '_> {
    /// Checks a declaration's type parameters and parameter lists (P4-16 6.8 and 14.1):
    /// distinct type parameter names, parameters not named like a type parameter, no default
    /// value for `out`/`inout` or `@optional` parameters, and directionless action parameters
    /// after the directional ones.
    pub(crate) fn check_param_list(
        &mut self,
        type_params: &[ast::Ident],
        lists: &[&[ast::Param]],
        of: ParamsOf,
    ) {
        let mut tseen = HashSet::new();
        for tp in type_params {
            if !tseen.insert(tp.name.as_str()) {
                self.err(tp.span, format!("duplicate type parameter '{}'", tp.name));
            }
        }
        let mut seen = HashSet::new();
        let mut directionless_seen = false;
        for list in lists {
            for p in list.iter() {
                if tseen.contains(p.name.name.as_str()) {
                    self.err(
                        p.name.span,
                        format!(
                            "parameter '{}' has the same name as a type parameter",
                            p.name.name
                        ),
                    );
                }
                if of == ParamsOf::Declaration && !seen.insert(p.name.name.as_str()) {
                    self.err(
                        p.name.span,
                        format!("duplicate parameter '{}'", p.name.name),
                    );
                }
                if let Some(d) = &p.default {
                    if matches!(p.direction, Some(Direction::Out | Direction::InOut)) {
                        self.err(
                            d.span,
                            format!(
                                "'{}' parameter '{}' cannot have a default value",
                                if p.direction == Some(Direction::Out) {
                                    "out"
                                } else {
                                    "inout"
                                },
                                p.name.name
                            ),
                        );
                    } else if has_annotation(&p.annotations, "optional") {
                        self.err(
                            d.span,
                            format!(
                                "optional parameter '{}' cannot have a default value",
                                p.name.name
                            ),
                        );
                    }
                }
                if let Some(what) = bad_tuple_element(&p.ty, &HashMap::new(), false) {
                    self.err(
                        p.name.span,
                        format!(
                            "the type of parameter '{}' is ill-formed: a tuple element cannot be \
                             a {what}",
                            p.name.name
                        ),
                    );
                }
                if of == ParamsOf::Action {
                    if p.direction.is_none() {
                        directionless_seen = true;
                    } else if directionless_seen {
                        self.err(
                            p.name.span,
                            format!(
                                "action parameter '{}' has a direction but follows a directionless one (directionless action parameters must come last)",
                                p.name.name
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Checks an extern declaration's methods: parameter lists, constructors without a return
    /// type, and no two methods with the same name and the same number of parameters.
    fn extern_decl_checks(&mut self, e: &ast::ExternDecl) {
        self.check_param_list(&e.type_params, &[], ParamsOf::Declaration);
        let mut arities: HashMap<(&str, usize), crate::diag::Span> = HashMap::new();
        for m in &e.methods {
            self.check_param_list(&m.type_params, &[&m.params], ParamsOf::Declaration);
            if m.name.name == e.name.name && m.ret.is_some() {
                self.err(
                    m.name.span,
                    format!("constructor '{}' cannot have a return type", m.name.name),
                );
            }
            if let Some(prev) = arities.insert((m.name.name.as_str(), m.params.len()), m.name.span)
            {
                self.diags.push(
                    crate::diag::Diagnostic::error(
                        m.name.span,
                        format!(
                            "duplicate method '{}' with {} parameter(s) in extern '{}' (overloads must differ in their number of parameters)",
                            m.name.name,
                            m.params.len(),
                            e.name.name
                        ),
                    )
                    .with_note(prev, "previously declared here"),
                );
            }
        }
    }
}

impl<'a> Checker<'a, '_> {
    /// `_` stands for "any type" only in extern and function signatures; a declared
    /// constant, variable or typedef needs a complete type.
    pub(crate) fn no_dont_care_in(&mut self, t: &ast::Type, what: &str) {
        if let Some(span) = dont_care_span(t) {
            self.err(span, format!("'_' cannot be used in {what}"));
        }
    }

    /// `type T N;` introduces a new type only for bit<W>, int<W>, bool, a serializable enum or
    /// another new type (typedef'd names of these included) (P4-16 7.6).
    fn newtype_target_check(&mut self, t: &ast::TypedefDecl, ty: &T) {
        let ok = match &t.ty {
            ast::Type::List(_) | ast::Type::DontCare | ast::Type::Tuple(_) => false,
            _ => matches!(ty, T::Bits { .. } | T::Bool | T::Unknown) || self.ser_enum(ty).is_some(),
        };
        if !ok {
            self.err(
                t.name.span,
                format!(
                    "'type' cannot introduce a new type for {}: only bit<W>, int<W>, bool and serializable enums are allowed",
                    crate::printer::print_type(&t.ty)
                ),
            );
        }
    }
}

/// What makes a written type ill-formed as (or inside) a tuple element, with type parameters
/// replaced by `subst`: tuple elements take the types a struct field may have, so neither a
/// `string` nor a `list` (as p4c, which turns tuples into structs).
fn bad_tuple_element(
    t: &ast::Type,
    subst: &HashMap<&str, &ast::Type>,
    in_tuple: bool,
) -> Option<&'static str> {
    match t {
        ast::Type::Named { path, args } if args.is_empty() => subst
            .get(path.name.name.as_str())
            .and_then(|s| bad_tuple_element(s, &HashMap::new(), in_tuple)),
        ast::Type::String if in_tuple => Some("string"),
        ast::Type::List(_) if in_tuple => Some("list"),
        ast::Type::List(e) => bad_tuple_element(e, subst, false),
        ast::Type::Tuple(ts) => ts.iter().find_map(|e| bad_tuple_element(e, subst, true)),
        ast::Type::Stack { elem, .. } => bad_tuple_element(elem, subst, false),
        ast::Type::Named { args, .. } => {
            args.iter().find_map(|a| bad_tuple_element(a, subst, false))
        }
        _ => None,
    }
}

/// The span of a `_` inside a written type, if any.
fn dont_care_span(t: &ast::Type) -> Option<crate::diag::Span> {
    match t {
        ast::Type::DontCare => Some(crate::diag::Span::DUMMY),
        ast::Type::Tuple(ts) => ts.iter().find_map(dont_care_span),
        ast::Type::List(e) => dont_care_span(e),
        ast::Type::Stack { elem, .. } => dont_care_span(elem),
        ast::Type::Named { path, args } => args.iter().find_map(dont_care_span).map(|s| {
            if s == crate::diag::Span::DUMMY {
                path.name.span
            } else {
                s
            }
        }),
        _ => None,
    }
}

/// Whether a parameter may be left without an argument: it has a default value or is
/// `@optional` (P4-16 6.8.2).
pub(crate) fn param_optional(p: &ast::Param) -> bool {
    p.default.is_some() || has_annotation(&p.annotations, "optional")
}

/// Whether `n` arguments can be given to these parameters (those with defaults are optional).
pub(crate) fn arity_ok(params: &[ast::Param], n: usize) -> bool {
    let required = params.iter().filter(|p| !param_optional(p)).count();
    n >= required && n <= params.len()
}
