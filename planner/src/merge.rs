//! The application merger (§5, Appendix C, Fig. 16): one v1model program per device role.
//!
//! For each app: its ingress and egress controls are renamed `<app>_<Name>` and its objects
//! resized; a wrapper control `exo_<app>_Ingress` (with the app's own ingress parameters, so
//! the app's `@exo_traffic_class` and `@exo_union_key` text applies unchanged) claims the
//! packets of the app's traffic class and, on the switch, looks the union key up in the app's
//! flow manager `exo_fm` (`support_timeout = true`): hit -> the app runs here; miss -> the
//! packet goes to the external device owning `hash(UK)`.
//!
//! Shared parts: declarations with the same name must be equal, except structs (their fields
//! are united) and the parser, deparser and checksum controls, which are united state by state
//! and statement by statement (the apps must agree on their parameter names).
//!
//! Misses and failover (§4.4, §4.5): `exo_device_map` maps (app, logical bucket) to a primary
//! and a replica port (control-plane-updatable). Port liveness is a register `exo_port_down`
//! written by the data plane: the switch's packet generator emits, on port-down, a packet on
//! port `EXO_PKTGEN_PORT` carrying an `exo_pktgen_t` header {port, down}; the merged parser
//! extracts it and the merged ingress writes the register and drops it. v1model has no packet
//! generator, so the rack (or a test) injects that packet; on Tofino the same program shape is
//! driven by the pktgen's port-down trigger. No control plane is in that loop.

use exo_p4::ast::{self, Decl, StmtKind, StructKind, TablePropKind, Transition};
use exo_p4::printer::{print_decl, print_type};
use std::collections::{BTreeMap, HashMap};

/// Logical device buckets per app (the device map's second key).
pub const BUCKETS: u32 = 64;
/// v1model port on which packet-generator packets arrive (Tofino-1 pipe 0's pktgen port).
pub const PKTGEN_PORT: u32 = 68;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("apps `{a}` and `{b}` both declare `{name}` differently; rename it in one of them")]
    Conflict { a: String, b: String, name: String },
    #[error("app `{app}`: {message}")]
    App { app: String, message: String },
    #[error("apps `{a}` and `{b}`: {message}")]
    Pair {
        a: String,
        b: String,
        message: String,
    },
    #[error("the merged {role} program does not check (a merger bug or an unsupported construct):\n{diags}")]
    Check { role: String, diags: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Switch,
    External,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Switch => "switch",
            Role::External => "external",
        }
    }
}

/// One app as the merger needs it.
pub struct MergeApp<'a> {
    pub name: &'a str,
    pub ast: &'a ast::Program,
    /// Package slots from the IR: parser, verify, ingress, egress, compute, deparser.
    pub slots: [String; 6],
    pub traffic_class: Option<String>,
    pub union_key: Vec<String>,
    /// Entries per object (qualified IR name) on this role's device.
    pub sizes: BTreeMap<String, u64>,
    /// Whether the app runs on this role's device (switch: `k > 0`).
    pub present: bool,
    /// Switch only: flow-manager entries, or `None` when all flows are on the switch.
    pub flow_manager: Option<u64>,
}

fn parse_decls(src: &str) -> Vec<Decl> {
    let mut d = exo_p4::diag::Diagnostics::default();
    exo_p4::parser::parse(src, &mut d).decls
}

fn parse_expr(src: &str) -> Option<ast::Expr> {
    let mut d = exo_p4::diag::Diagnostics::default();
    let toks = exo_p4::lexer::lex(src, &mut d);
    let e = exo_p4::parser::parse_expr_tokens(toks, &mut d);
    if d.has_errors() {
        None
    } else {
        e
    }
}

/// The architecture's declarations (`core.p4`, `v1model.p4`), dropped from the apps.
fn arch_decls() -> Vec<Decl> {
    let c = exo_p4::compile_str(
        "<arch>",
        "#include <core.p4>\n#include <v1model.p4>\n",
        &exo_p4::CompileOptions::default(),
    );
    c.ast.decls
}

/// Sets `size` of table decls and the first argument of instantiations in a control's locals.
fn resize_locals(ctrl: &mut ast::ControlDecl, qual: &str, sizes: &BTreeMap<String, u64>) {
    for d in &mut ctrl.locals {
        match d {
            Decl::Table(t) => {
                let Some(&n) = sizes.get(&format!("{qual}.{}", t.name.name)) else {
                    continue;
                };
                let Some(e) = parse_expr(&n.to_string()) else {
                    continue;
                };
                let mut done = false;
                for p in &mut t.props {
                    if let TablePropKind::Custom { name, value } = &mut p.kind {
                        if name.name == "size" {
                            *value = e.clone();
                            done = true;
                        }
                    }
                }
                if !done {
                    let extra = parse_decls(&format!("table x {{ size = {n}; }}"));
                    if let Some(Decl::Table(x)) = extra.into_iter().next() {
                        t.props.extend(x.props);
                    }
                }
            }
            Decl::Instantiation(i) => {
                if let (Some(&n), Some(a)) = (
                    sizes.get(&format!("{qual}.{}", i.name.name)),
                    i.args.first_mut(),
                ) {
                    if let Some(e) = parse_expr(&format!("32w{n}")) {
                        a.value = e;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Inserts the items of `other` missing from `base`, each after its predecessor in `other`.
fn merge_sequence<T: PartialEq + Clone>(base: &mut Vec<T>, other: &[T]) {
    let mut pos = 0usize;
    for s in other {
        if let Some(i) = base.iter().position(|b| b == s) {
            pos = i + 1;
        } else {
            base.insert(pos, s.clone());
            pos += 1;
        }
    }
}

fn params_text(ps: &[ast::Param]) -> String {
    ps.iter()
        .map(|p| {
            format!(
                "{}{} {}",
                p.direction
                    .map(|d| format!("{} ", d.as_str()))
                    .unwrap_or_default(),
                print_type(&p.ty),
                p.name.name
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

struct Shared {
    /// Output order of declarations.
    decls: Vec<Decl>,
    /// name -> (index in decls, app that declared it first)
    by_name: HashMap<String, (usize, String)>,
    error_members: Vec<String>,
}

impl Shared {
    fn add(&mut self, app: &str, d: Decl) -> Result<(), MergeError> {
        if let Decl::Error(members, span) = &d {
            let fresh: Vec<ast::Ident> = members
                .iter()
                .filter(|m| !self.error_members.contains(&m.name))
                .cloned()
                .collect();
            if fresh.is_empty() {
                return Ok(());
            }
            self.error_members
                .extend(fresh.iter().map(|m| m.name.clone()));
            self.decls.push(Decl::Error(fresh, *span));
            return Ok(());
        }
        let Some(name) = d.name().map(|n| n.name.clone()) else {
            if !self.decls.contains(&d) {
                self.decls.push(d);
            }
            return Ok(());
        };
        match self.by_name.get(&name) {
            None => {
                self.by_name
                    .insert(name, (self.decls.len(), app.to_string()));
                self.decls.push(d);
                Ok(())
            }
            Some((i, first)) => {
                let i = *i;
                if self.decls[i] == d {
                    return Ok(());
                }
                if let (Decl::Struct(a), Decl::Struct(b)) = (&mut self.decls[i], &d) {
                    if a.kind == StructKind::Struct && b.kind == StructKind::Struct {
                        for f in &b.fields {
                            match a.fields.iter().find(|x| x.name.name == f.name.name) {
                                Some(x) if x.ty == f.ty => {}
                                Some(_) => {
                                    return Err(MergeError::Pair {
                                        a: first.clone(),
                                        b: app.to_string(),
                                        message: format!(
                                            "struct `{name}` field `{}` has different types",
                                            f.name.name
                                        ),
                                    })
                                }
                                None => a.fields.push(f.clone()),
                            }
                        }
                        return Ok(());
                    }
                }
                Err(MergeError::Conflict {
                    a: first.clone(),
                    b: app.to_string(),
                    name,
                })
            }
        }
    }
}

/// Unites two parsers' states (same parameters required).
fn merge_parser(
    base: &mut ast::ParserDecl,
    other: &ast::ParserDecl,
    a: &str,
    b: &str,
) -> Result<(), MergeError> {
    let pair = |message: String| MergeError::Pair {
        a: a.to_string(),
        b: b.to_string(),
        message,
    };
    if base.sig.params != other.sig.params {
        return Err(pair(format!(
            "their parsers take different parameters ({}) vs ({}); the merged parser needs the same header and metadata types and parameter names",
            params_text(&base.sig.params),
            params_text(&other.sig.params)
        )));
    }
    for l in &other.locals {
        match base.locals.iter().find(|x| x.name() == l.name()) {
            Some(x) if x == l => {}
            Some(_) => {
                return Err(pair(format!(
                    "parser local `{}` differs",
                    l.name().map(|n| n.name.as_str()).unwrap_or("?")
                )))
            }
            None => base.locals.push(l.clone()),
        }
    }
    for s in &other.states {
        let Some(bs) = base.states.iter_mut().find(|x| x.name.name == s.name.name) else {
            base.states.push(s.clone());
            continue;
        };
        if *bs == *s {
            continue;
        }
        if bs.body != s.body {
            // Bodies that extract the same headers in the same order may differ in what else
            // they compute (metadata): unite those statements.
            let extracts = |b: &[ast::Stmt]| -> Vec<ast::Stmt> {
                b.iter()
                    .filter(|st| {
                        matches!(&st.kind, StmtKind::Call(ast::Expr { kind: ast::ExprKind::Call { callee, .. }, .. })
                            if matches!(&callee.kind, ast::ExprKind::Member { member, .. } if member.name == "extract" || member.name == "advance"))
                    })
                    .cloned()
                    .collect()
            };
            if extracts(&bs.body) != extracts(&s.body) {
                return Err(pair(format!(
                    "parser state `{}` extracts different headers; apps merged onto one device must share their parser's header layout (see docs/planner.md)",
                    s.name.name
                )));
            }
            let mut body = bs.body.clone();
            merge_sequence(&mut body, &s.body);
            bs.body = body;
        }
        let is_accept = |t: &Option<Transition>| match t {
            None => true,
            Some(Transition::Direct(p)) => p.name.name == "accept",
            _ => false,
        };
        match (&mut bs.transition, &s.transition) {
            (
                Some(Transition::Select {
                    exprs: e1,
                    cases: c1,
                    ..
                }),
                Some(Transition::Select {
                    exprs: e2,
                    cases: c2,
                    ..
                }),
            ) if e1 == e2 => {
                let is_default = |c: &ast::SelectCase| {
                    c.keys.len() == 1
                        && matches!(
                            c.keys[0].kind,
                            ast::ExprKind::Default | ast::ExprKind::DontCare
                        )
                };
                let d1 = c1.iter().find(|c| is_default(c)).cloned();
                let d2 = c2.iter().find(|c| is_default(c)).cloned();
                if let (Some(x), Some(y)) = (&d1, &d2) {
                    if x.state.name.name != y.state.name.name {
                        return Err(pair(format!(
                            "parser state `{}` has different default transitions",
                            s.name.name
                        )));
                    }
                }
                let mut cases: Vec<ast::SelectCase> =
                    c1.iter().filter(|c| !is_default(c)).cloned().collect();
                for c in c2.iter().filter(|c| !is_default(c)) {
                    match cases.iter().find(|x| x.keys == c.keys) {
                        Some(x) if x.state.name.name == c.state.name.name => {}
                        Some(_) => {
                            return Err(pair(format!(
                                "parser state `{}` sends the same keyset to different states",
                                s.name.name
                            )))
                        }
                        None => cases.push(c.clone()),
                    }
                }
                if let Some(d) = d1.or(d2) {
                    cases.push(d);
                }
                *c1 = cases;
            }
            (t1, t2) if is_accept(t1) && matches!(t2, Some(Transition::Select { .. })) => {
                *t1 = t2.clone();
            }
            (Some(Transition::Select { .. }), t2) if is_accept(t2) => {}
            _ => {
                return Err(pair(format!(
                    "parser state `{}` has transitions that cannot be united",
                    s.name.name
                )))
            }
        }
    }
    Ok(())
}

fn merge_control_body(
    base: &mut ast::ControlDecl,
    other: &ast::ControlDecl,
    a: &str,
    b: &str,
) -> Result<(), MergeError> {
    if base.sig.params != other.sig.params {
        return Err(MergeError::Pair {
            a: a.to_string(),
            b: b.to_string(),
            message: format!(
                "`{}` and `{}` take different parameters",
                base.sig.name.name, other.sig.name.name
            ),
        });
    }
    for l in &other.locals {
        if !base.locals.contains(l) {
            base.locals.push(l.clone());
        }
    }
    merge_sequence(&mut base.body.stmts, &other.body.stmts);
    Ok(())
}

fn find_control<'a>(p: &'a ast::Program, name: &str) -> Option<&'a ast::ControlDecl> {
    p.decls.iter().find_map(|d| match d {
        Decl::Control(c) if c.sig.name.name == name => Some(c),
        _ => None,
    })
}

fn find_parser<'a>(p: &'a ast::Program, name: &str) -> Option<&'a ast::ParserDecl> {
    p.decls.iter().find_map(|d| match d {
        Decl::Parser(c) if c.sig.name.name == name => Some(c),
        _ => None,
    })
}

/// Renames every reference to state `from` (and the state itself) to `to`.
fn rename_state(p: &mut ast::ParserDecl, from: &str, to: &str) {
    for s in &mut p.states {
        if s.name.name == from {
            s.name.name = to.to_string();
        }
        match &mut s.transition {
            Some(Transition::Direct(path)) if path.name.name == from => {
                path.name.name = to.to_string()
            }
            Some(Transition::Select { cases, .. }) => {
                for c in cases {
                    if c.state.name.name == from {
                        c.state.name.name = to.to_string();
                    }
                }
            }
            _ => {}
        }
    }
}

/// Produces the merged program for `role`. Apps not `present` on the role are still
/// dispatched on the switch (their traffic class goes to external devices).
pub fn merge(apps: &[MergeApp<'_>], role: Role) -> Result<String, MergeError> {
    let arch = arch_decls();
    let mut shared = Shared {
        decls: Vec::new(),
        by_name: HashMap::new(),
        error_members: Vec::new(),
    };
    let mut parser: Option<(ast::ParserDecl, String)> = None;
    let mut controls: [Option<(ast::ControlDecl, String)>; 3] = [None, None, None];
    let mut untyped = 0;
    for app in apps {
        let [ps, vs, is, es, cs, ds] = &app.slots;
        if app.traffic_class.is_none() {
            untyped += 1;
            if untyped > 1 {
                return Err(MergeError::App {
                    app: app.name.to_string(),
                    message: "only one app may omit @exo_traffic_class (it gets the traffic no other app claims)".into(),
                });
            }
        }
        let app_err = |message: String| MergeError::App {
            app: app.name.to_string(),
            message,
        };
        let p =
            find_parser(app.ast, ps).ok_or_else(|| app_err(format!("parser `{ps}` not found")))?;
        match &mut parser {
            None => parser = Some((p.clone(), app.name.to_string())),
            Some((base, first)) => merge_parser(base, p, first, app.name)?,
        }
        for (slot, name) in [(0usize, vs), (1, cs), (2, ds)] {
            let c = find_control(app.ast, name)
                .ok_or_else(|| app_err(format!("control `{name}` not found")))?;
            match &mut controls[slot] {
                None => controls[slot] = Some((c.clone(), app.name.to_string())),
                Some((base, first)) => merge_control_body(base, c, first, app.name)?,
            }
        }
        let skip = [ps, vs, cs, ds];
        for d in &app.ast.decls {
            if arch.contains(d) {
                continue;
            }
            match d {
                Decl::Instantiation(i) if i.name.name == "main" => continue,
                Decl::Parser(x) if skip.contains(&&x.sig.name.name) => continue,
                Decl::Control(x) if skip.contains(&&x.sig.name.name) => continue,
                Decl::Control(x) if &x.sig.name.name == is || &x.sig.name.name == es => {
                    if !app.present && &x.sig.name.name == is {
                        continue;
                    }
                    let mut c = x.clone();
                    let qual = c.sig.name.name.clone();
                    c.sig.name.name = format!("{}_{}", app.name, qual);
                    // Annotations are read by the planner; the merged control is plain.
                    c.sig.annotations.clear();
                    resize_locals(&mut c, &qual, &app.sizes);
                    shared.decls.push(Decl::Control(c));
                }
                _ => shared.add(app.name, d.clone())?,
            }
        }
    }
    let Some((mut parser, _)) = parser else {
        return Err(MergeError::App {
            app: "-".into(),
            message: "no apps to merge".into(),
        });
    };
    let [Some((mut verify, _)), Some((mut compute, _)), Some((mut deparser, _))] = controls else {
        return Err(MergeError::App {
            app: "-".into(),
            message: "missing checksum or deparser controls".into(),
        });
    };
    // Parameter names and types of the merged blocks.
    let pp = &parser.sig.params;
    if pp.len() != 4 {
        return Err(MergeError::App {
            app: apps[0].name.to_string(),
            message: "the parser must have the v1model parameters (packet_in, out H, inout M, inout standard_metadata_t)".into(),
        });
    }
    let (pkt, hdr, meta, sm) = (
        pp[0].name.name.clone(),
        pp[1].name.name.clone(),
        pp[2].name.name.clone(),
        pp[3].name.name.clone(),
    );
    let h_ty = print_type(&pp[1].ty);
    let m_ty = print_type(&pp[2].ty);

    // Merger additions to H (pktgen header) and M (dispatch id for egress).
    let mut extra = String::new();
    extra.push_str("const bit<9> EXO_PKTGEN_PORT = ");
    extra.push_str(&format!("{PKTGEN_PORT};\n"));
    extra.push_str(
        "header exo_pktgen_t {\n    bit<16> port;\n    bit<8> down;\n    bit<8> reserved;\n}\n",
    );
    let mut extra_fields = vec![("exo_app".to_string(), "bit<8>".to_string(), m_ty.clone())];
    if role == Role::Switch {
        extra_fields.push(("exo_pktgen".into(), "exo_pktgen_t".into(), h_ty.clone()));
    }
    for (fname, fty, owner) in &extra_fields {
        let Some(&(i, _)) = shared.by_name.get(owner.as_str()) else {
            return Err(MergeError::App {
                app: apps[0].name.to_string(),
                message: format!("struct `{owner}` (a parser parameter type) not found"),
            });
        };
        if let Decl::Struct(s) = &mut shared.decls[i] {
            if let Some(Decl::Struct(x)) = parse_decls(&format!("struct X {{ {fty} {fname}; }}"))
                .into_iter()
                .next()
            {
                s.fields.extend(x.fields);
            }
        }
    }
    if role == Role::Switch {
        rename_state(&mut parser, "start", "exo_app_start");
        let add = parse_decls(&format!(
            "parser X() {{
    state start {{
        transition select({sm}.ingress_port) {{
            EXO_PKTGEN_PORT: exo_parse_pktgen;
            default: exo_app_start;
        }}
    }}
    state exo_parse_pktgen {{
        {pkt}.extract({hdr}.exo_pktgen);
        transition accept;
    }}
}}"
        ));
        if let Some(Decl::Parser(x)) = add.into_iter().next() {
            parser.states.extend(x.states);
        }
    }
    parser.sig.name.name = "ExoParser".into();
    parser.sig.annotations.clear();
    verify.sig.name.name = "ExoVerifyChecksum".into();
    compute.sig.name.name = "ExoComputeChecksum".into();
    deparser.sig.name.name = "ExoDeparser".into();

    let mut out = String::new();
    out.push_str(&format!(
        "// Generated by exoplane: merged {} program for {} app(s). Do not edit.\n#include <core.p4>\n#include <v1model.p4>\n\n",
        role.as_str(),
        apps.len()
    ));
    out.push_str(&extra);
    out.push('\n');
    // Controls that the renamed app controls refer to come first in `decls` already.
    for d in &shared.decls {
        out.push_str(&print_decl(d, 0));
        out.push('\n');
    }
    out.push_str(&print_decl(&Decl::Parser(parser), 0));
    out.push('\n');
    out.push_str(&print_decl(&Decl::Control(verify), 0));
    out.push('\n');

    // Per-app wrappers.
    let mut order: Vec<usize> = (0..apps.len()).collect();
    order.sort_by_key(|&i| apps[i].traffic_class.is_none());
    for (idx, app) in apps.iter().enumerate() {
        let id = idx + 1;
        let ing = find_control(app.ast, &app.slots[2]).ok_or_else(|| MergeError::App {
            app: app.name.to_string(),
            message: format!("ingress control `{}` not found", app.slots[2]),
        })?;
        let params = params_text(&ing.sig.params);
        let args: Vec<String> = ing.sig.params.iter().map(|p| p.name.name.clone()).collect();
        let tc = app.traffic_class.clone().unwrap_or_else(|| "true".into());
        let mut w = String::new();
        w.push_str(&format!(
            "control exo_{name}_Ingress({params}, inout bit<8> exo_app, inout bool exo_miss, inout bit<16> exo_bucket) {{\n",
            name = app.name
        ));
        if app.present {
            w.push_str(&format!("    {}_{}() app;\n", app.name, app.slots[2]));
        }
        let uk = app.union_key.join(", ");
        let fm = role == Role::Switch && app.present && app.flow_manager.is_some();
        if fm {
            let keys: String = app
                .union_key
                .iter()
                .map(|k| format!("            {k}: exact;\n"))
                .collect();
            w.push_str(&format!(
                "    action exo_fm_hit() {{ }}\n    action exo_fm_miss() {{ }}\n    table exo_fm {{\n        key = {{\n{keys}        }}\n        actions = {{ exo_fm_hit; exo_fm_miss; }}\n        default_action = exo_fm_miss();\n        size = {};\n        support_timeout = true;\n    }}\n",
                app.flow_manager.unwrap_or(1).max(1)
            ));
        }
        let to_external = format!(
            "exo_miss = true;\n                hash(exo_bucket, HashAlgorithm.crc32, 16w0, {{ {uk} }}, 16w{BUCKETS});"
        );
        let body = match (role, app.present, fm) {
            (Role::Switch, true, true) => format!(
                "if (exo_fm.apply().hit) {{\n                app.apply({a});\n            }} else {{\n                {to_external}\n            }}",
                a = args.join(", ")
            ),
            (_, true, _) => format!("app.apply({});", args.join(", ")),
            (Role::Switch, false, _) => to_external,
            (Role::External, false, _) => "exo_miss = true;".into(),
        };
        w.push_str(&format!(
            "    apply {{\n        if (exo_app == 0 && ({tc})) {{\n            exo_app = {id};\n            {body}\n        }}\n    }}\n}}\n\n"
        ));
        out.push_str(&w);
    }

    // Merged ingress.
    let mut ig = format!(
        "control ExoIngress(inout {h_ty} {hdr}, inout {m_ty} {meta}, inout standard_metadata_t {sm}) {{\n"
    );
    for app in apps {
        ig.push_str(&format!("    exo_{0}_Ingress() exo_{0};\n", app.name));
    }
    ig.push_str(
        "    bit<8> exo_app = 0;\n    bool exo_miss = false;\n    bit<16> exo_bucket = 0;\n",
    );
    if role == Role::Switch {
        ig.push_str(&format!(
            "    bit<1> exo_down = 0;
    bit<9> exo_primary = 0;
    bit<9> exo_replica = 0;
    register<bit<1>>(512) exo_port_down;
    action exo_to_device(bit<9> primary, bit<9> replica) {{
        exo_primary = primary;
        exo_replica = replica;
    }}
    action exo_no_device() {{
        mark_to_drop({sm});
    }}
    table exo_device_map {{
        key = {{
            exo_app: exact;
            exo_bucket: exact;
        }}
        actions = {{ exo_to_device; exo_no_device; }}
        default_action = exo_no_device();
        size = {};
    }}
",
            (apps.len() as u32 * BUCKETS).max(1)
        ));
    }
    ig.push_str("    apply {\n");
    if role == Role::Switch {
        ig.push_str(&format!(
            "        if ({hdr}.exo_pktgen.isValid()) {{
            exo_port_down.write((bit<32>){hdr}.exo_pktgen.port, {hdr}.exo_pktgen.down[0:0]);
            mark_to_drop({sm});
            exit;
        }}
"
        ));
    }
    for &i in &order {
        let app = &apps[i];
        ig.push_str(&format!(
            "        exo_{}.apply({hdr}, {meta}, {sm}, exo_app, exo_miss, exo_bucket);\n",
            app.name
        ));
    }
    if role == Role::Switch {
        ig.push_str(&format!(
            "        if (exo_miss) {{
            exo_device_map.apply();
            exo_port_down.read(exo_down, (bit<32>)exo_primary);
            if (exo_down == 0) {{
                {sm}.egress_spec = exo_primary;
            }} else {{
                {sm}.egress_spec = exo_replica;
            }}
        }}
"
        ));
    }
    ig.push_str(&format!(
        "        {meta}.exo_app = exo_app;\n    }}\n}}\n\n"
    ));
    out.push_str(&ig);

    // Merged egress: dispatch on the id the ingress recorded.
    let mut eg = format!(
        "control ExoEgress(inout {h_ty} {hdr}, inout {m_ty} {meta}, inout standard_metadata_t {sm}) {{\n"
    );
    for app in apps {
        eg.push_str(&format!("    {0}_{1}() {0}_eg;\n", app.name, app.slots[3]));
    }
    eg.push_str("    apply {\n");
    for (idx, app) in apps.iter().enumerate() {
        eg.push_str(&format!(
            "        {}if ({meta}.exo_app == {}) {{\n            {}_eg.apply({hdr}, {meta}, {sm});\n        }}\n",
            if idx == 0 { "" } else { "else " },
            idx + 1,
            app.name
        ));
    }
    eg.push_str("    }\n}\n\n");
    out.push_str(&eg);
    out.push_str(&print_decl(&Decl::Control(compute), 0));
    out.push('\n');
    out.push_str(&print_decl(&Decl::Control(deparser), 0));
    out.push('\n');
    out.push_str("V1Switch(ExoParser(), ExoVerifyChecksum(), ExoIngress(), ExoEgress(), ExoComputeChecksum(), ExoDeparser()) main;\n");
    Ok(out)
}

/// Checks a merged program with the frontend; returns its IR.
pub fn check(role: Role, text: &str) -> Result<exo_p4::ir::Program, MergeError> {
    let c = exo_p4::compile_str(
        &format!("merged_{}.p4", role.as_str()),
        text,
        &exo_p4::CompileOptions::default(),
    );
    match c.ir {
        Some(ir) if !c.has_errors() => Ok(ir),
        _ => Err(MergeError::Check {
            role: role.as_str().into(),
            diags: c.render_diagnostics(),
        }),
    }
}

/// One app alone with its objects resized (for `--compiler`).
pub fn resize_program(ast: &ast::Program, sizes: &BTreeMap<String, u64>) -> String {
    let mut p = ast.clone();
    for d in &mut p.decls {
        if let Decl::Control(c) = d {
            let qual = c.sig.name.name.clone();
            resize_locals(c, &qual, sizes);
        }
    }
    let arch = arch_decls();
    let mut out = String::from("#include <core.p4>\n#include <v1model.p4>\n\n");
    for d in &p.decls {
        if !arch.contains(d) {
            out.push_str(&print_decl(d, 0));
            out.push('\n');
        }
    }
    out
}
