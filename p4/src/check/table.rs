//! Tables (keys, actions, default action, entries, properties) and parser select keysets.

use super::decls::qualified;
use super::expr::{const_int, is_constant};
use super::types::{wrap, T};
use super::{has_annotation, ir_annotations, name_annotation, Checker, Sym};
use crate::ast::{self, BinOp, ExprKind as A, TablePropKind};
use crate::diag::Span;
use crate::ir;
use num_bigint::BigInt;
use num_traits::{One, ToPrimitive, Zero};
use std::collections::HashMap;

/// How a table entry states its priority.
#[derive(Clone, Copy, Debug)]
enum EntryPriority {
    Implicit,
    /// `priority = N:`
    Explicit(u64),
    /// `@priority(N)`
    Annotation(u64),
}

/// Table properties a v1model (or PSA/PNA) program may set besides key, actions and entries.
const KNOWN_PROPERTIES: &[&str] = &[
    "default_action",
    "size",
    "counters",
    "meters",
    "implementation",
    "support_timeout",
    "idle_timeout_with_auto_delete",
    "psa_direct_counter",
    "psa_direct_meter",
    "psa_implementation",
    "psa_idle_timeout",
    "psa_empty_group_action",
    "add_on_miss",
    "pna_direct_counter",
    "pna_direct_meter",
    "pna_implementation",
    "pna_idle_timeout",
    "largest_priority_wins",
    "priority_delta",
];

impl<'a> Checker<'a, '_> {
    pub(crate) fn table_decl(&mut self, t: &'a ast::TableDecl, control: &str) {
        let qname = qualified(control, &t.name.name, &t.annotations);
        self.declare(&t.name, Sym::Table(qname.clone()));
        self.table_bindings.clear();
        let mut keys = Vec::new();
        let mut actions: Vec<ir::TableAction> = Vec::new();
        let mut action_locals: Vec<String> = Vec::new();
        let mut default_action = None;
        let mut default_const = false;
        let mut entries = Vec::new();
        let mut entry_priorities = Vec::new();
        let mut entries_const = false;
        let mut largest_priority_wins = true;
        let mut priority_delta = 1u64;
        let mut size = None;
        let mut support_timeout = false;
        let mut direct_counter = None;
        let mut direct_meter = None;
        let mut implementation = None;
        let mut seen_props: HashMap<String, Span> = HashMap::new();
        let mut key_types: Vec<(String, T)> = Vec::new();

        // Keys and actions first: default_action and entries refer to them.
        let mut order: Vec<&'a ast::TableProp> = t.props.iter().collect();
        order.sort_by_key(|p| match p.kind {
            TablePropKind::Key(_) => 0,
            TablePropKind::Actions(_) => 1,
            _ => 2,
        });
        for p in order {
            let pname = match &p.kind {
                TablePropKind::Key(_) => "key".to_string(),
                TablePropKind::Actions(_) => "actions".to_string(),
                TablePropKind::Entries(_) => "entries".to_string(),
                TablePropKind::Custom { name, .. } => name.name.clone(),
            };
            if seen_props.insert(pname.clone(), p.span).is_some() {
                self.err(
                    p.span,
                    format!(
                        "duplicate table property '{pname}' in table '{}'",
                        t.name.name
                    ),
                );
                continue;
            }
            match &p.kind {
                TablePropKind::Key(elems) => {
                    for k in elems {
                        let x = self.expr(&k.expr, None);
                        let mk = k.match_kind.name.clone();
                        if !self.ir.match_kinds.contains(&mk) {
                            self.err(
                                k.match_kind.span,
                                format!(
                                    "unknown match kind '{mk}' (declared match kinds: {})",
                                    self.ir.match_kinds.join(", ")
                                ),
                            );
                        } else {
                            let ok = match mk.as_str() {
                                "lpm" | "ternary" | "range" => {
                                    matches!(x.t, T::Bits { .. } | T::Unknown)
                                        || self.ser_enum(&x.t).is_some()
                                }
                                _ => {
                                    matches!(
                                        x.t,
                                        T::Bits { .. }
                                            | T::Bool
                                            | T::Error
                                            | T::Unknown
                                            | T::Varbit(_)
                                    ) || matches!(
                                        self.type_kind(&x.t),
                                        Some(
                                            ir::TypeKind::SerEnum { .. }
                                                | ir::TypeKind::Enum { .. }
                                        )
                                    )
                                }
                            };
                            if !ok {
                                self.err(
                                    k.expr.span,
                                    format!(
                                        "type mismatch: a '{mk}' key cannot have type {}",
                                        self.type_name(&x.t)
                                    ),
                                );
                            }
                        }
                        let name = name_annotation(&k.annotations)
                            .unwrap_or_else(|| crate::printer::print_expr(&k.expr));
                        key_types.push((mk.clone(), x.t.clone()));
                        keys.push(ir::TableKey {
                            name,
                            expr: x.e,
                            match_kind: mk,
                            annotations: ir_annotations(&k.annotations),
                        });
                    }
                }
                TablePropKind::Actions(list) => {
                    for a in list {
                        let Some(q) = self.action_ref_name(&a.name) else {
                            continue;
                        };
                        if actions.iter().any(|x| x.action == q) {
                            self.err(
                                a.span,
                                format!(
                                    "action '{}' appears twice in table '{}'",
                                    a.name.name.name, t.name.name
                                ),
                            );
                            continue;
                        }
                        // The actions list binds exactly the action's directional parameters;
                        // its directionless ones are action data (P4-16 14.2.1.2).
                        let mut bound = Vec::new();
                        if let Some(sig) = self.signatures.get(&q).cloned() {
                            let directional: Vec<_> =
                                sig.params.iter().filter(|p| p.2.is_some()).collect();
                            let args: &[ast::Arg] = a.args.as_deref().unwrap_or(&[]);
                            if args.len() != directional.len() {
                                self.err(
                                    a.span,
                                    format!(
                                        "action '{}' in the actions list of table '{}' must bind its {} directional parameter(s), got {} argument(s)",
                                        a.name.name.name,
                                        t.name.name,
                                        directional.len(),
                                        args.len()
                                    ),
                                );
                            }
                            for (arg, p) in args.iter().zip(&directional) {
                                let x = self.expr(&arg.value, Some(&p.1));
                                bound.push(self.coerce(x, &p.1, arg.value.span).e);
                            }
                            self.table_bindings.insert(
                                q.clone(),
                                args.iter()
                                    .map(|x| crate::printer::print_expr(&x.value))
                                    .collect(),
                            );
                        }
                        let scope = if has_annotation(&a.annotations, "defaultonly") {
                            ir::ActionScope::DefaultOnly
                        } else if has_annotation(&a.annotations, "tableonly") {
                            ir::ActionScope::TableOnly
                        } else {
                            ir::ActionScope::TableAndDefault
                        };
                        action_locals.push(a.name.name.name.clone());
                        actions.push(ir::TableAction {
                            action: q,
                            scope,
                            annotations: ir_annotations(&a.annotations),
                            args: bound,
                        });
                    }
                }
                TablePropKind::Entries(list) => {
                    entries_const = p.is_const;
                    for en in list {
                        if let Some((e, p)) =
                            self.table_entry(en, &key_types, &actions, &t.name.name)
                        {
                            entries.push(e);
                            entry_priorities.push((p, en.span));
                        }
                    }
                }
                TablePropKind::Custom { name, value } => match name.name.as_str() {
                    "default_action" => {
                        default_const = p.is_const;
                        default_action = self.action_call(value, &actions, &t.name.name, true);
                    }
                    "size" => {
                        let x = self.expr(value, None);
                        match const_int(&x.e).and_then(|v| v.to_u64()) {
                            Some(n) => size = Some(n),
                            None if x.t.is_unknown() => {}
                            None => self.err(
                                value.span,
                                "table size must be a non-negative compile-time constant",
                            ),
                        }
                    }
                    "support_timeout" | "idle_timeout_with_auto_delete" => {
                        let x = self.expr(value, Some(&T::Bool));
                        match &x.e.kind {
                            ir::ExprKind::Bool { value } => support_timeout |= *value,
                            _ => self
                                .err(value.span, format!("'{}' must be true or false", name.name)),
                        }
                    }
                    "counters" | "psa_direct_counter" | "pna_direct_counter" => {
                        direct_counter =
                            self.instance_ref(value, &["direct_counter", "DirectCounter"])
                    }
                    "meters" | "psa_direct_meter" | "pna_direct_meter" => {
                        direct_meter = self.instance_ref(value, &["direct_meter", "DirectMeter"])
                    }
                    "implementation" | "psa_implementation" | "pna_implementation" => {
                        implementation = self.instance_ref(
                            value,
                            &[
                                "action_profile",
                                "action_selector",
                                "ActionProfile",
                                "ActionSelector",
                            ],
                        )
                    }
                    "largest_priority_wins" => {
                        let x = self.expr(value, Some(&T::Bool));
                        match &x.e.kind {
                            ir::ExprKind::Bool { value } => largest_priority_wins = *value,
                            _ => self
                                .err(value.span, "'largest_priority_wins' must be true or false"),
                        }
                    }
                    "priority_delta" => {
                        let x = self.expr(value, None);
                        match const_int(&x.e).and_then(|v| v.to_u64()) {
                            Some(d) if d > 0 => priority_delta = d,
                            _ => self.err(
                                value.span,
                                "'priority_delta' must be a positive compile-time constant",
                            ),
                        }
                    }
                    other if KNOWN_PROPERTIES.contains(&other) => {
                        self.expr(value, None);
                    }
                    other => {
                        self.err(
                            name.span,
                            format!(
                                "unknown table property '{other}' in table '{}'",
                                t.name.name
                            ),
                        );
                    }
                },
            }
        }
        if !seen_props.contains_key("actions") {
            self.err(
                t.name.span,
                format!("table '{}' has no 'actions' property", t.name.name),
            );
        }
        if let Some(dc) = &direct_counter {
            if self
                .ir
                .tables
                .iter()
                .any(|x| x.direct_counter.as_deref() == Some(dc))
            {
                self.err(
                    t.name.span,
                    format!("direct counter '{dc}' is already attached to another table"),
                );
            }
        }
        let default_action = default_action.or_else(|| {
            // Like p4c: a table without default_action gets NoAction if it lists it.
            actions
                .iter()
                .find(|a| a.action == "NoAction")
                .map(|_| ir::ActionCall {
                    action: "NoAction".into(),
                    args: vec![],
                })
        });
        self.table_actions.insert(
            qname.clone(),
            actions.iter().map(|a| a.action.clone()).collect(),
        );
        let _ = action_locals;
        // Priorities order the entries of tables with ternary, range or optional fields; an
        // exact/lpm table has no use for them (p4c rejects them).
        let prioritised = keys
            .iter()
            .any(|k| matches!(k.match_kind.as_str(), "ternary" | "range" | "optional"));
        if !prioritised && !keys.is_empty() {
            if let Some((_, span)) = entry_priorities
                .iter()
                .find(|(p, _)| matches!(p, EntryPriority::Explicit(_)))
            {
                self.err(
                    *span,
                    format!(
                        "table '{}' has no ternary, range or optional key field: its entries \
                         cannot have priorities",
                        t.name.name
                    ),
                );
            }
        }
        self.entry_priorities(
            &mut entries,
            &entry_priorities,
            largest_priority_wins,
            priority_delta,
        );
        let id = self.alloc_id(ir::id_prefix::TABLE, &qname);
        self.ir.tables.push(ir::Table {
            id,
            name: qname,
            control: control.to_string(),
            keys,
            actions,
            default_action,
            default_action_const: default_const,
            entries,
            entries_const,
            size,
            support_timeout,
            direct_counter,
            direct_meter,
            implementation,
            annotations: ir_annotations(&t.annotations),
        });
    }

    fn action_ref_name(&mut self, p: &ast::Path) -> Option<String> {
        match self.lookup_path(p).map(|e| e.sym.clone()) {
            Some(Sym::Action(q)) => Some(q),
            Some(_) => {
                self.err(p.name.span, format!("'{}' is not an action", p.name.name));
                None
            }
            None => {
                self.err(p.name.span, format!("undeclared action '{}'", p.name.name));
                None
            }
        }
    }

    fn instance_ref(&mut self, value: &ast::Expr, kinds: &[&str]) -> Option<String> {
        let x = self.expr(value, None);
        match (&x.t, &x.e.kind) {
            (T::Extern(ext, _), ir::ExprKind::Instance { name }) => {
                if !kinds.contains(&ext.as_str()) {
                    self.err(
                        value.span,
                        format!(
                            "type mismatch: expected an instance of {}, got {ext}",
                            kinds[0]
                        ),
                    );
                }
                Some(name.clone())
            }
            (T::Unknown, _) => None,
            _ => {
                self.err(value.span, format!("expected an instance of {}", kinds[0]));
                None
            }
        }
    }

    /// `a(1, 2)` or `a` naming one of the table's actions, with constant action data.
    fn action_call(
        &mut self,
        value: &ast::Expr,
        actions: &[ir::TableAction],
        table: &str,
        is_default: bool,
    ) -> Option<ir::ActionCall> {
        let (path, args): (&ast::Path, &[ast::Arg]) = match &value.kind {
            A::Call { callee, args, .. } => match &callee.kind {
                A::Path(p) => (p, args),
                _ => {
                    self.err(value.span, "expected an action call");
                    return None;
                }
            },
            A::Path(p) => (p, &[]),
            _ => {
                self.err(value.span, "expected an action call");
                return None;
            }
        };
        self.action_call_parts(path, args, value.span, actions, table, is_default)
    }

    fn action_call_parts(
        &mut self,
        path: &ast::Path,
        args: &[ast::Arg],
        span: Span,
        actions: &[ir::TableAction],
        table: &str,
        is_default: bool,
    ) -> Option<ir::ActionCall> {
        let q = self.action_ref_name(path)?;
        if !actions.iter().any(|a| a.action == q) {
            let what = if is_default {
                "default action"
            } else {
                "entry action"
            };
            self.err(
                path.name.span,
                format!(
                    "{what} '{}' is not in the actions list of table '{table}'",
                    path.name.name
                ),
            );
            return None;
        }
        if !is_default
            && actions
                .iter()
                .any(|a| a.action == q && a.scope == ir::ActionScope::DefaultOnly)
        {
            self.err(
                path.name.span,
                format!(
                    "action '{}' is @defaultonly and cannot be used in an entry",
                    path.name.name
                ),
            );
        }
        let sig = self.signatures.get(&q).cloned()?;
        let data: Vec<_> = sig
            .params
            .iter()
            .filter(|p| p.2.is_none())
            .cloned()
            .collect();
        let expected = if args.len() == sig.params.len() {
            sig.params.clone()
        } else {
            data
        };
        if args.len() != expected.len() {
            self.err(
                span,
                format!(
                    "wrong number of arguments for action '{}': expected {}, got {}",
                    path.name.name,
                    expected.len(),
                    args.len()
                ),
            );
            return None;
        }
        // Arguments for the directional parameters must be those bound in the actions list.
        if args.len() == sig.params.len() {
            if let Some(bound) = self.table_bindings.get(&q).cloned() {
                let given = args
                    .iter()
                    .zip(&sig.params)
                    .filter(|(_, p)| p.2.is_some())
                    .map(|(a, _)| a);
                for (a, b) in given.zip(&bound) {
                    if crate::printer::print_expr(&a.value) != *b {
                        self.err(
                            a.value.span,
                            format!(
                                "argument '{}' of action '{}' differs from '{b}', bound in the actions list of table '{table}'",
                                crate::printer::print_expr(&a.value),
                                path.name.name
                            ),
                        );
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (a, p) in args.iter().zip(&expected) {
            let x = self.expr(&a.value, Some(&p.1));
            let x = self.coerce(x, &p.1, a.value.span);
            if p.2.is_none() && !is_constant(&x.e) && !x.t.is_unknown() {
                self.err(
                    a.value.span,
                    format!("action data for '{}' is not a compile-time constant", p.0),
                );
            }
            out.push(x.e);
        }
        Some(ir::ActionCall {
            action: q,
            args: out,
        })
    }

    fn table_entry(
        &mut self,
        en: &'a ast::TableEntry,
        key_types: &[(String, T)],
        actions: &[ir::TableAction],
        table: &str,
    ) -> Option<(ir::ConstEntry, EntryPriority)> {
        let n = key_types.len();
        if n == 0 {
            self.err(
                en.span,
                format!("table '{table}' has no key, so it cannot have entries"),
            );
            return None;
        }
        let keys_ast: Vec<&ast::Expr> = if !en.tuple
            && en.keys.len() == 1
            && n != 1
            && matches!(en.keys[0].kind, A::Default | A::DontCare)
        {
            vec![&en.keys[0]; n]
        } else {
            en.keys.iter().collect()
        };
        if keys_ast.len() != n {
            self.err(
                en.span,
                format!(
                    "entry keyset has {} element(s) but table '{table}' has {n} key field(s)",
                    keys_ast.len()
                ),
            );
            return None;
        }
        let mut keys = Vec::new();
        for (e, (mk, t)) in keys_ast.iter().zip(key_types) {
            keys.push(self.key_match(e, mk, t)?);
        }
        let no_args = Vec::new();
        let args = en.action.args.as_ref().unwrap_or(&no_args);
        let action =
            self.action_call_parts(&en.action.name, args, en.action.span, actions, table, false)?;
        let mut priority = EntryPriority::Implicit;
        if let Some(p) = &en.priority {
            let x = self.expr(p, None);
            match const_int(&x.e).and_then(|v| v.to_u64()) {
                Some(v) => priority = EntryPriority::Explicit(v),
                None => self.err(
                    p.span,
                    "entry priority must be a non-negative compile-time constant",
                ),
            }
        } else if let Some(a) = en.annotations.iter().find(|a| a.name.name == "priority") {
            let value = match &a.body {
                ast::AnnotationBody::Unparsed(toks) if toks.len() == 1 => match &toks[0].tok {
                    crate::lexer::Tok::Int(i) => i.value.to_u64(),
                    _ => None,
                },
                _ => None,
            };
            match value {
                Some(v) => priority = EntryPriority::Annotation(v),
                None => self.err(a.span, "@priority takes one non-negative integer literal"),
            }
        }
        Some((
            ir::ConstEntry {
                keys,
                action,
                priority: None,
                is_const: en.is_const,
            },
            priority,
        ))
    }

    /// Gives the entries of a table their priorities in the IR's convention (a larger number
    /// wins; `None` everywhere when no entry states one, and then earlier entries win).
    ///
    /// - `priority = N` (P4-16 1.2.4 "entries"): an entry without one takes the previous
    ///   entry's priority minus `priority_delta` (plus it when `largest_priority_wins` is
    ///   false, when the smaller number wins); the first entry must state one.
    /// - `@priority(N)` only (BMv2's convention for `const entries`, as p4c's BMv2 back end
    ///   hands them over): the smaller number wins and an entry without the annotation takes
    ///   its position in the list, counting from 1.
    fn entry_priorities(
        &mut self,
        entries: &mut [ir::ConstEntry],
        given: &[(EntryPriority, Span)],
        largest_wins: bool,
        delta: u64,
    ) {
        use EntryPriority as P;
        if given.iter().all(|(p, _)| matches!(p, P::Implicit)) {
            return;
        }
        let spec = given.iter().any(|(p, _)| matches!(p, P::Explicit(_)));
        let mut stated: Vec<u64> = Vec::with_capacity(given.len());
        let smaller_wins = if spec {
            let mut prev: Option<u64> = None;
            for (p, span) in given {
                let v = match (p, prev) {
                    (P::Explicit(v) | P::Annotation(v), _) => Some(*v),
                    (P::Implicit, None) => {
                        self.err(
                            *span,
                            "the first entry must state a priority when other entries do",
                        );
                        return;
                    }
                    (P::Implicit, Some(q)) if largest_wins => q.checked_sub(delta),
                    (P::Implicit, Some(q)) => q.checked_add(delta),
                };
                let Some(v) = v else {
                    self.err(*span, "entry priority out of range (priority_delta)");
                    return;
                };
                stated.push(v);
                prev = Some(v);
            }
            !largest_wins
        } else {
            for (i, (p, _)) in given.iter().enumerate() {
                stated.push(match p {
                    P::Annotation(v) | P::Explicit(v) => *v,
                    P::Implicit => i as u64 + 1,
                });
            }
            true
        };
        let top = stated.iter().copied().max().unwrap_or(0);
        for (e, v) in entries.iter_mut().zip(stated) {
            e.priority = Some(if smaller_wins {
                // Reverse the order, keeping every value positive.
                (top - v).saturating_add(1)
            } else {
                v
            });
        }
    }

    fn key_value(&mut self, e: &ast::Expr, t: &T) -> Option<BigInt> {
        let want = match (t, self.ser_enum(t)) {
            (_, Some((w, s))) => T::Bits { w, s },
            _ => t.clone(),
        };
        let x = self.expr(e, Some(&want));
        let x = if matches!(x.t, T::Named(_)) && self.ser_enum(&x.t).is_some() {
            x
        } else {
            self.coerce(x, &want, e.span)
        };
        if let ir::ExprKind::EnumMember { name } = &x.e.kind {
            if let Some(ir::TypeKind::SerEnum { members, .. }) = self.type_kind(&x.t) {
                return members
                    .iter()
                    .find(|m| &m.name == name)
                    .map(|m| m.value.clone());
            }
        }
        match const_int(&x.e) {
            Some(v) => Some(v),
            None => {
                if !x.t.is_unknown() {
                    self.err(e.span, "table entry key is not a compile-time constant");
                }
                None
            }
        }
    }

    fn key_match(&mut self, e: &ast::Expr, mk: &str, t: &T) -> Option<ir::KeyMatch> {
        let width = match (t, self.ser_enum(t)) {
            (T::Bits { w, .. }, _) => *w,
            (_, Some((w, _))) => w,
            (T::Bool, _) => 1,
            _ => 0,
        };
        let all_ones = (BigInt::one() << width) - 1;
        match &e.kind {
            A::Default | A::DontCare => Some(ir::KeyMatch::DontCare),
            A::Binary {
                op: BinOp::Mask,
                lhs,
                rhs,
            } => {
                let v = self.key_value(lhs, t)?;
                let m = self.key_value(rhs, t)?;
                match mk {
                    "ternary" => Some(ir::KeyMatch::Ternary { value: v, mask: m }),
                    "lpm" => {
                        let m = wrap(&m, width, false);
                        let ones = m.magnitude().count_ones() as u32;
                        let prefix_mask = if ones == 0 {
                            BigInt::zero()
                        } else {
                            ((BigInt::one() << ones) - 1) << (width - ones)
                        };
                        if m != prefix_mask {
                            self.err(rhs.span, format!("lpm mask {m:#x} is not a prefix mask"));
                            return None;
                        }
                        Some(ir::KeyMatch::Lpm {
                            value: v,
                            prefix_len: ones,
                        })
                    }
                    _ => {
                        self.err(
                            e.span,
                            format!("a mask '&&&' cannot be used for a '{mk}' key"),
                        );
                        None
                    }
                }
            }
            A::Binary {
                op: BinOp::Range,
                lhs,
                rhs,
            } => {
                let lo = self.key_value(lhs, t)?;
                let hi = self.key_value(rhs, t)?;
                if mk != "range" {
                    self.err(
                        e.span,
                        format!("a range '..' cannot be used for a '{mk}' key"),
                    );
                    return None;
                }
                Some(ir::KeyMatch::Range { lo, hi })
            }
            _ => {
                let v = self.key_value(e, t)?;
                Some(match mk {
                    "lpm" => ir::KeyMatch::Lpm {
                        value: v,
                        prefix_len: width,
                    },
                    "ternary" => ir::KeyMatch::Ternary {
                        value: v,
                        mask: all_ones,
                    },
                    "range" => ir::KeyMatch::Range {
                        lo: v.clone(),
                        hi: v,
                    },
                    _ => ir::KeyMatch::Exact { value: v },
                })
            }
        }
    }

    /// `transition select(...) { ... }`
    pub(crate) fn select_transition(
        &mut self,
        exprs: &'a [ast::Expr],
        cases: &'a [ast::SelectCase],
        names: &HashMap<String, Span>,
    ) -> ir::Transition {
        let keys: Vec<_> = exprs.iter().map(|e| self.expr(e, None)).collect();
        for (k, e) in keys.iter().zip(exprs) {
            if !matches!(k.t, T::Bits { .. } | T::Bool | T::Unknown | T::Int)
                && self.ser_enum(&k.t).is_none()
                && !matches!(self.type_kind(&k.t), Some(ir::TypeKind::Enum { .. }))
                && !matches!(k.t, T::Error)
            {
                self.err(
                    e.span,
                    format!(
                        "type mismatch: cannot select on a value of type {}",
                        self.type_name(&k.t)
                    ),
                );
            }
        }
        let key_types: Vec<T> = keys.iter().map(|k| k.t.clone()).collect();
        let mut out_cases = Vec::new();
        for c in cases {
            self.check_state_ref(&c.state.name, names);
            // `default`/`_` and a value_set (of a struct with one field per expression) each
            // cover all the select expressions.
            let is_value_set = |k: &ast::Expr, me: &Self| match &k.kind {
                A::Path(p) => matches!(me.lookup_path(p).map(|x| &x.sym), Some(Sym::ValueSet(_))),
                _ => false,
            };
            let elems: Vec<&ast::Expr> = if c.keys.len() == 1
                && key_types.len() != 1
                && (matches!(c.keys[0].kind, A::Default | A::DontCare)
                    || is_value_set(&c.keys[0], self))
            {
                vec![&c.keys[0]; key_types.len()]
            } else {
                c.keys.iter().collect()
            };
            if elems.len() != key_types.len() {
                self.err(
                    c.span,
                    format!(
                        "keyset has {} element(s) but the select has {} expression(s)",
                        elems.len(),
                        key_types.len()
                    ),
                );
                continue;
            }
            let mut keyset = Vec::new();
            for (e, t) in elems.iter().zip(&key_types) {
                match self.keyset_elem(e, t) {
                    Some(k) => keyset.push(k),
                    None => break,
                }
            }
            if keyset.len() == key_types.len() {
                out_cases.push(ir::SelectCase {
                    keyset,
                    next: c.state.name.name.clone(),
                });
            }
        }
        ir::Transition::Select {
            keys: keys.into_iter().map(|k| k.e).collect(),
            cases: out_cases,
        }
    }

    fn keyset_elem(&mut self, e: &ast::Expr, t: &T) -> Option<ir::KeysetElem> {
        match &e.kind {
            A::Default | A::DontCare => Some(ir::KeysetElem::Default),
            A::Path(p) => {
                if let Some(Sym::ValueSet(name)) = self.lookup_path(p).map(|x| x.sym.clone()) {
                    return Some(ir::KeysetElem::ValueSet { name });
                }
                let v = self.key_value(e, t)?;
                Some(ir::KeysetElem::Value { value: v })
            }
            A::Binary {
                op: BinOp::Mask,
                lhs,
                rhs,
            } => {
                let value = self.key_value(lhs, t)?;
                let mask = self.key_value(rhs, t)?;
                Some(ir::KeysetElem::Mask { value, mask })
            }
            A::Binary {
                op: BinOp::Range,
                lhs,
                rhs,
            } => {
                let lo = self.key_value(lhs, t)?;
                let hi = self.key_value(rhs, t)?;
                Some(ir::KeysetElem::Range { lo, hi })
            }
            _ => {
                let v = self.key_value(e, t)?;
                Some(ir::KeysetElem::Value { value: v })
            }
        }
    }
}
