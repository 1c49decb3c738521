//! The application merger (§5, Appendix C, Fig. 16): one v1model program per device role.
//!
//! Apps are merged as their operators wrote them; nothing needs to be shared:
//!
//! - **Names** ([`rename`]): every top-level declaration that would clash is renamed
//!   `<app>_<name>` on the AST (types, constants, actions, functions, instances, parsers and
//!   controls); declarations identical in every app that declares them are emitted once.
//! - **Headers and metadata**: `exo_headers_t` has one member per app holding that app's own
//!   header struct (`hdr.<app>`), and `exo_metadata_t` likewise (`meta.<app>`) beside the
//!   merger's `exo_app` (which app the packet belongs to) and `exo_here` (whether that app
//!   ran on this device).
//! - **Parser** ([`dispatch`]): traffic classes are disjoint (§3.3), so the merged parser picks
//!   the app first, from a `lookahead` probe of the packet, and then runs that app's parser as
//!   a sub-parser into `hdr.<app>`. The deparser applies every app's deparser as a sub-control
//!   (only the packet's app has valid headers); the checksum controls, ingress and egress
//!   dispatch on `meta.exo_app`.
//! - **Ingress**: a wrapper `exo_<app>_Ingress` per app, with the app's own ingress
//!   parameters (so the union-key paths apply unchanged), runs the app's renamed and resized
//!   ingress; on the switch it first looks the union key up in the app's flow manager `exo_fm`
//!   (`support_timeout = true`): hit -> the app runs here; miss -> the packet goes unchanged to
//!   the external device owning `hash(UK)`. Egress and checksum update run only where the app
//!   ran. Packets no app claims are dropped.
//!
//! Misses and failover (§4.4, §4.5): `exo_device_map` maps (app, logical bucket) to a primary
//! and a replica port (control-plane-updatable). Port liveness is a register `exo_port_down`
//! written by the data plane: the switch's packet generator emits, on port-down, a packet on
//! port `EXO_PKTGEN_PORT` carrying an `exo_pktgen_t` header {port, down}; the merged parser
//! extracts it and the merged ingress writes the register and drops it. v1model has no packet
//! generator, so the rack (or a test) injects that packet; on Tofino the same program shape is
//! driven by the pktgen's port-down trigger. No control plane is in that loop.

mod dispatch;
mod rename;

use exo_p4::ast::{self, Decl, TablePropKind};
use exo_p4::diag::{Diagnostics, SourceMap};
use exo_p4::printer::{print_decl, print_type};
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// Logical device buckets per app (the device map's second key).
pub const BUCKETS: u32 = 64;
/// v1model port on which packet-generator packets arrive (Tofino-1 pipe 0's pktgen port).
pub const PKTGEN_PORT: u32 = 68;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("apps `{a}` and `{b}` both declare {kind} `{name}` differently; the target implements it by name, so the merger cannot rename it")]
    Conflict {
        a: String,
        b: String,
        kind: String,
        name: String,
    },
    #[error("app `{app}`: {message}")]
    App { app: String, message: String },
    #[error("app `{app}`: its traffic class cannot be decided before its parser runs: {message}")]
    Dispatch { app: String, message: String },
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
    /// Also the prefix of its renamed declarations and its member of the merged structs.
    pub name: &'a str,
    pub ast: &'a ast::Program,
    pub ir: &'a exo_p4::ir::Program,
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

fn parse_expr(src: &str) -> Option<ast::Expr> {
    let mut d = Diagnostics::default();
    let toks = exo_p4::lexer::lex(src, &mut d);
    let e = exo_p4::parser::parse_expr_tokens(toks, &mut d);
    if d.has_errors() {
        None
    } else {
        e
    }
}

/// Parses declarations the merger generated; a syntax error there is a merger bug.
fn parse_generated(role: Role, src: &str) -> Result<Vec<Decl>, MergeError> {
    let mut d = Diagnostics::default();
    let p = exo_p4::parser::parse(src, &mut d);
    if d.has_errors() {
        return Err(MergeError::Check {
            role: role.as_str().into(),
            diags: d.render(&SourceMap::single("<generated>", src)),
        });
    }
    Ok(p.decls)
}

/// The architecture's declarations (`core.p4`, `v1model.p4`), dropped from the apps.
fn arch_decls() -> &'static [Decl] {
    static ARCH: OnceLock<Vec<Decl>> = OnceLock::new();
    ARCH.get_or_init(|| {
        exo_p4::compile_str(
            "<arch>",
            "#include <core.p4>\n#include <v1model.p4>\n",
            &exo_p4::CompileOptions::default(),
        )
        .ast
        .decls
    })
}

/// Extern types whose first constructor argument is the object's size.
const SIZED_EXTERNS: &[&str] = &[
    "register",
    "counter",
    "meter",
    "action_profile",
    "direct_counter",
];

/// Sets `size` of table decls and the size argument of instantiations in a control's locals.
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
                    let mut diags = Diagnostics::default();
                    let extra =
                        exo_p4::parser::parse(&format!("table x {{ size = {n}; }}"), &mut diags);
                    if let Some(Decl::Table(x)) = extra.decls.into_iter().next() {
                        t.props.extend(x.props);
                    }
                }
            }
            Decl::Instantiation(i) => {
                let sized = matches!(&i.ty, ast::Type::Named { path, .. } if SIZED_EXTERNS.contains(&path.name.name.as_str()));
                if !sized {
                    continue;
                }
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

/// Annotations the planner reads; the merged program implements them itself.
const PLANNER_ANNOTATIONS: &[&str] = &["exo_traffic_class", "exo_union_key", "exo_features"];

/// Names the generated code declares or relies on at top level.
fn reserved(name: &str) -> bool {
    name.starts_with("exo_")
        || name.starts_with("Exo")
        || name.starts_with("EXO_")
        || matches!(name, "hdr" | "meta" | "standard_metadata" | "pkt" | "main")
}

/// Names the per-app ingress wrapper declares beside the app's ingress parameters.
const WRAPPER_NAMES: &[&str] = &[
    "app",
    "exo_here",
    "exo_miss",
    "exo_bucket",
    "exo_fm",
    "exo_fm_hit",
    "exo_fm_miss",
];

/// An app after renaming: its declarations and the names the generated code needs.
struct Renamed<'a> {
    app: &'a MergeApp<'a>,
    /// Renamed names of the six package slots.
    blocks: [String; 6],
    /// Header and metadata struct types (printed), from the parser's parameters.
    h_ty: String,
    m_ty: String,
    /// The renamed ingress control's parameters.
    ingress_params: Vec<ast::Param>,
}

fn find_parser<'a>(decls: &'a [Decl], name: &str) -> Option<&'a ast::ParserDecl> {
    decls.iter().find_map(|d| match d {
        Decl::Parser(p) if p.sig.name.name == name => Some(p),
        _ => None,
    })
}

fn find_control<'a>(decls: &'a [Decl], name: &str) -> Option<&'a ast::ControlDecl> {
    decls.iter().find_map(|d| match d {
        Decl::Control(c) if c.sig.name.name == name => Some(c),
        _ => None,
    })
}

/// Produces the merged program for `role`. Every app is classified on every role; apps not
/// `present` on the role have their traffic sent to external devices (switch) or dropped
/// (external devices, which never receive it).
pub fn merge(apps: &[MergeApp<'_>], role: Role) -> Result<String, MergeError> {
    if apps.is_empty() {
        return Err(MergeError::App {
            app: "-".into(),
            message: "no apps to merge".into(),
        });
    }
    let app_err = |app: &str, message: String| MergeError::App {
        app: app.to_string(),
        message,
    };
    let mut untyped = None;
    for app in apps {
        if ast::is_reserved(app.name) || app.name == "exo_pktgen" || reserved(app.name) {
            return Err(app_err(
                app.name,
                "the app name is a P4 keyword or a name the merger uses; rename the app in the scenario".into(),
            ));
        }
        if app.slots.iter().any(|s| s.is_empty()) {
            return Err(app_err(
                app.name,
                "its `main` is not a V1Switch package with all six blocks".into(),
            ));
        }
        if app.traffic_class.is_none() {
            if let Some(first) = untyped {
                return Err(app_err(
                    app.name,
                    format!("only one app may omit @exo_traffic_class (it gets the traffic no other app claims); `{first}` omits it too"),
                ));
            }
            untyped = Some(app.name);
        }
    }
    let arch = arch_decls();

    // Each app's own top-level declarations, resized; blocks the role does not run dropped.
    let mut own: Vec<Vec<Decl>> = Vec::with_capacity(apps.len());
    for app in apps {
        let [_, _, ig, eg, ck, _] = &app.slots;
        let mut v = Vec::new();
        for d in &app.ast.decls {
            if arch.contains(d) {
                continue;
            }
            match d {
                Decl::Instantiation(i) if i.name.name == "main" => continue,
                Decl::Control(c) => {
                    let n = &c.sig.name.name;
                    if !app.present && (n == ig || n == eg || n == ck) {
                        continue;
                    }
                    let mut c = c.clone();
                    resize_locals(&mut c, n, &app.sizes);
                    if n == ig {
                        c.sig
                            .annotations
                            .retain(|a| !PLANNER_ANNOTATIONS.contains(&a.name.name.as_str()));
                    }
                    v.push(Decl::Control(c));
                }
                d => v.push(d.clone()),
            }
        }
        own.push(v);
    }
    let arch_names: HashSet<&str> = arch
        .iter()
        .filter_map(|d| d.name().map(|n| n.name.as_str()))
        .collect();
    let inputs: Vec<rename::AppDecls<'_>> = apps
        .iter()
        .zip(&own)
        .map(|(a, ds)| rename::AppDecls {
            prefix: a.name,
            decls: ds
                .iter()
                .filter(|d| !matches!(d, Decl::Error(..) | Decl::MatchKind(..)))
                .collect(),
        })
        .collect();
    let maps = rename::plan(&inputs, &|n| reserved(n) || arch_names.contains(n))?;

    // Renamed declarations, shared ones once, in the apps' order.
    let mut decls: Vec<Decl> = Vec::new();
    let mut emitted: HashSet<String> = HashSet::new();
    let mut errors: HashSet<String> = HashSet::new();
    let mut match_kinds: HashSet<String> = HashSet::new();
    let mut renamed_apps: Vec<Renamed<'_>> = Vec::with_capacity(apps.len());
    for ((app, ds), map) in apps.iter().zip(&own).zip(&maps) {
        let mut mine = Vec::with_capacity(ds.len());
        for d in ds {
            match d {
                Decl::Error(ms, span) | Decl::MatchKind(ms, span) => {
                    let seen = if matches!(d, Decl::Error(..)) {
                        &mut errors
                    } else {
                        &mut match_kinds
                    };
                    let fresh: Vec<ast::Ident> = ms
                        .iter()
                        .filter(|m| seen.insert(m.name.clone()))
                        .cloned()
                        .collect();
                    if !fresh.is_empty() {
                        decls.push(if matches!(d, Decl::Error(..)) {
                            Decl::Error(fresh, *span)
                        } else {
                            Decl::MatchKind(fresh, *span)
                        });
                    }
                }
                d => {
                    let r = rename::apply(d, map);
                    let name = d.name().map(|n| n.name.clone()).unwrap_or_default();
                    // A kept name is emitted by the first app declaring it; later apps'
                    // copies are equal (overloads of one name are not, and stay).
                    if map.contains_key(&name) || emitted.insert(name) || !decls.contains(&r) {
                        decls.push(r.clone());
                    }
                    mine.push(r);
                }
            }
        }
        let name_of = |s: &str| map.get(s).cloned().unwrap_or_else(|| s.to_string());
        let blocks = app.slots.clone().map(|s| name_of(&s));
        let parser = find_parser(&mine, &blocks[0])
            .ok_or_else(|| app_err(app.name, format!("parser `{}` not found", app.slots[0])))?;
        if parser.sig.params.len() != 4 {
            return Err(app_err(
                app.name,
                "its parser must have the v1model parameters (packet_in, out H, inout M, inout standard_metadata_t)".into(),
            ));
        }
        let h_ty = print_type(&parser.sig.params[1].ty);
        let m_ty = print_type(&parser.sig.params[2].ty);
        let ingress_params = match find_control(&mine, &blocks[2]) {
            Some(c) => c.sig.params.clone(),
            None if !app.present => {
                // Not run here; the wrapper still needs the parameters (union key, drop).
                let c = find_control(&app.ast.decls, &app.slots[2]).ok_or_else(|| {
                    app_err(app.name, format!("ingress `{}` not found", app.slots[2]))
                })?;
                match rename::apply(&Decl::Control(c.clone()), map) {
                    Decl::Control(c) => c.sig.params,
                    _ => Vec::new(),
                }
            }
            None => {
                return Err(app_err(
                    app.name,
                    format!("ingress `{}` not found", app.slots[2]),
                ))
            }
        };
        if let Some(p) = ingress_params
            .iter()
            .find(|p| WRAPPER_NAMES.contains(&p.name.name.as_str()))
        {
            return Err(app_err(
                app.name,
                format!(
                    "its ingress parameter `{}` clashes with a name of the merger's wrapper; rename the parameter",
                    p.name.name
                ),
            ));
        }
        if ingress_params.len() != 3 {
            return Err(app_err(
                app.name,
                "its ingress must have the v1model parameters (inout H, inout M, inout standard_metadata_t)".into(),
            ));
        }
        renamed_apps.push(Renamed {
            app,
            blocks,
            h_ty,
            m_ty,
            ingress_params,
        });
    }

    // Classifiers, with probes shared between apps that read the same layout.
    let mut probes: Vec<dispatch::Probe> = Vec::new();
    let mut classes: Vec<Option<dispatch::CExpr>> = Vec::with_capacity(apps.len());
    for (app, map) in apps.iter().zip(&maps) {
        let Some(text) = &app.traffic_class else {
            classes.push(None);
            continue;
        };
        let dispatch_err = |message: String| MergeError::Dispatch {
            app: app.name.to_string(),
            message,
        };
        let mut e = parse_expr(text).ok_or_else(|| {
            dispatch_err(format!(
                "@exo_traffic_class(\"{text}\") is not a P4 expression"
            ))
        })?;
        rename::visit_expr_refs(&mut e, &mut |id| {
            if let Some(n) = map.get(&id.name) {
                id.name = n.clone();
            }
        });
        let c =
            dispatch::classify(app.ir, &app.slots[0], &app.slots[2], &e).map_err(dispatch_err)?;
        let global: Vec<usize> = c
            .probes
            .into_iter()
            .map(|p| match probes.iter().position(|x| *x == p) {
                Some(i) => i,
                None => {
                    probes.push(p);
                    probes.len() - 1
                }
            })
            .collect();
        classes.push(Some(remap(&c.cond, &global)));
    }

    let generated = generate(role, &renamed_apps, &probes, &classes)?;
    let mut out = format!(
        "// Generated by exoplane: merged {} program for {} app(s). Do not edit.\n#include <core.p4>\n#include <v1model.p4>\n",
        role.as_str(),
        apps.len()
    );
    let (pre, post) = generated;
    for d in pre.iter().chain(&decls).chain(&post) {
        out.push('\n');
        out.push_str(&print_decl(d, 0));
    }
    Ok(out)
}

/// Rebinds a classifier's probe indices to the merged program's probes.
fn remap(e: &dispatch::CExpr, to: &[usize]) -> dispatch::CExpr {
    use dispatch::CExpr as C;
    let r = |x: &C| Box::new(remap(x, to));
    let p = |i: &Option<usize>| i.and_then(|i| to.get(i).copied());
    match e {
        C::Field { probe, name } => C::Field {
            probe: p(probe),
            name: name.clone(),
        },
        C::Valid { probe } => C::Valid { probe: p(probe) },
        C::Un(o, a) => C::Un(o, r(a)),
        C::Bin(o, a, b) => C::Bin(o, r(a), r(b)),
        C::Slice(a, h, l) => C::Slice(r(a), h.clone(), l.clone()),
        C::Cast(t, a) => C::Cast(t.clone(), r(a)),
        C::Mux(c, t, x) => C::Mux(r(c), r(t), r(x)),
        other => other.clone(),
    }
}

/// The merger's own declarations: those before the apps' (pktgen header) and after them
/// (probes, merged structs, wrappers, the six merged blocks, `main`).
fn generate(
    role: Role,
    apps: &[Renamed<'_>],
    probes: &[dispatch::Probe],
    classes: &[Option<dispatch::CExpr>],
) -> Result<(Vec<Decl>, Vec<Decl>), MergeError> {
    let sw = role == Role::Switch;
    let mut pre = String::new();
    if sw {
        pre.push_str(&format!(
            "const bit<9> EXO_PKTGEN_PORT = {PKTGEN_PORT};
header exo_pktgen_t {{
    bit<16> port;
    bit<8> down;
    bit<8> reserved;
}}
"
        ));
    }
    let mut g = String::new();
    for (i, p) in probes.iter().enumerate() {
        g.push_str(&format!("header exo_probe{i}_t {{\n"));
        for (n, t, _) in &p.fields {
            g.push_str(&format!("    {t} {n};\n"));
        }
        g.push_str("}\n");
    }
    g.push_str("struct exo_headers_t {\n");
    if sw {
        g.push_str("    exo_pktgen_t exo_pktgen;\n");
    }
    for a in apps {
        g.push_str(&format!("    {} {};\n", a.h_ty, a.app.name));
    }
    g.push_str("}\nstruct exo_metadata_t {\n    bit<8> exo_app;\n    bool exo_here;\n");
    for a in apps {
        g.push_str(&format!("    {} {};\n", a.m_ty, a.app.name));
    }
    g.push_str("}\n");

    // Per-app ingress wrappers.
    for a in apps {
        let app = a.app;
        let ps = &a.ingress_params;
        let args: Vec<&str> = ps.iter().map(|p| p.name.name.as_str()).collect();
        let sm = args[2];
        g.push_str(&format!(
            "control exo_{}_Ingress({}, inout bool exo_here, inout bool exo_miss, inout bit<16> exo_bucket) {{\n",
            app.name,
            params_text(ps)
        ));
        if app.present {
            g.push_str(&format!("    {}() app;\n", a.blocks[2]));
        }
        let fm = sw && app.present && app.flow_manager.is_some();
        if (fm || (sw && !app.present)) && app.union_key.is_empty() {
            return Err(MergeError::App {
                app: app.name.to_string(),
                message: "it has no union key, so its flows cannot be split between the switch and external devices".into(),
            });
        }
        if fm {
            let keys: String = app
                .union_key
                .iter()
                .map(|k| format!("            {k}: exact;\n"))
                .collect();
            g.push_str(&format!(
                "    action exo_fm_hit() {{ }}
    action exo_fm_miss() {{ }}
    table exo_fm {{
        key = {{
{keys}        }}
        actions = {{ exo_fm_hit; exo_fm_miss; }}
        default_action = exo_fm_miss();
        size = {};
        support_timeout = true;
    }}
",
                app.flow_manager.unwrap_or(1).max(1)
            ));
        }
        let run = format!(
            "exo_here = true;\n            app.apply({});",
            args.join(", ")
        );
        let to_external = format!(
            "exo_miss = true;\n            hash(exo_bucket, HashAlgorithm.crc32, 16w0, {{ {} }}, 32w{BUCKETS});",
            app.union_key.join(", ")
        );
        let body = match (role, app.present, fm) {
            (Role::Switch, true, true) => format!(
                "if (exo_fm.apply().hit) {{\n            {run}\n        }} else {{\n            {to_external}\n        }}"
            ),
            (_, true, _) => run,
            (Role::Switch, false, _) => to_external,
            // External devices never receive it (the switch runs it or sends it elsewhere).
            (Role::External, false, _) => format!("mark_to_drop({sm});"),
        };
        g.push_str(&format!("    apply {{\n        {body}\n    }}\n}}\n"));
    }

    // Parser.
    let first_probe = |i: usize| {
        if i < probes.len() {
            format!("exo_probe{i}")
        } else {
            "exo_dispatch".to_string()
        }
    };
    g.push_str("parser ExoParser(packet_in pkt, out exo_headers_t hdr, inout exo_metadata_t meta, inout standard_metadata_t standard_metadata) {\n");
    for a in apps {
        g.push_str(&format!(
            "    {}() exo_{}_parser;\n",
            a.blocks[0], a.app.name
        ));
    }
    for i in 0..probes.len() {
        g.push_str(&format!("    exo_probe{i}_t exo_probe{i};\n"));
    }
    if sw {
        g.push_str(&format!(
            "    state start {{
        transition select(standard_metadata.ingress_port) {{
            EXO_PKTGEN_PORT: exo_parse_pktgen;
            default: {};
        }}
    }}
    state exo_parse_pktgen {{
        pkt.extract(hdr.exo_pktgen);
        transition accept;
    }}
",
            first_probe(0)
        ));
    } else {
        g.push_str(&format!(
            "    state start {{\n        transition {};\n    }}\n",
            first_probe(0)
        ));
    }
    for (i, p) in probes.iter().enumerate() {
        // Read only what the packet holds: a lookahead past its end would reject it.
        let bytes = p.bits().div_ceil(8);
        g.push_str(&format!(
            "    state exo_probe{i} {{
        transition select(standard_metadata.packet_length) {{
            32w0 .. 32w{}: {next};
            default: exo_probe{i}_read;
        }}
    }}
    state exo_probe{i}_read {{
        exo_probe{i} = pkt.lookahead<exo_probe{i}_t>();
        transition {next};
    }}
",
            bytes.saturating_sub(1),
            next = first_probe(i + 1)
        ));
    }
    // Classes in scenario order (the app without one last), then the app's own parser.
    let mut order: Vec<usize> = (0..apps.len()).collect();
    order.sort_by_key(|&i| classes[i].is_none());
    let state_of = |k: usize| -> String {
        match order.get(k) {
            Some(&i) if classes[i].is_some() => format!("exo_class_{}", apps[i].app.name),
            Some(&i) => format!("exo_parse_{}", apps[i].app.name),
            None => "accept".into(),
        }
    };
    g.push_str(&format!(
        "    state exo_dispatch {{\n        transition {};\n    }}\n",
        state_of(0)
    ));
    let probe_var = |i: usize| format!("exo_probe{i}");
    for (k, &i) in order.iter().enumerate() {
        let name = apps[i].app.name;
        if let Some(c) = &classes[i] {
            g.push_str(&format!(
                "    state exo_class_{name} {{
        transition select({}) {{
            true: exo_parse_{name};
            default: {};
        }}
    }}
",
                c.render(&probe_var, "standard_metadata"),
                state_of(k + 1)
            ));
        }
        g.push_str(&format!(
            "    state exo_parse_{name} {{
        meta.exo_app = {};
        exo_{name}_parser.apply(pkt, hdr.{name}, meta.{name}, standard_metadata);
        transition accept;
    }}
",
            i + 1
        ));
    }
    g.push_str("}\n");

    // Dispatch on the packet's app, with the app's own arguments.
    let dispatch = |g: &mut String, slot: usize, only_here: bool, args: &dyn Fn(&str) -> String| {
        let chosen: Vec<(usize, &Renamed<'_>)> = apps
            .iter()
            .enumerate()
            .filter(|(_, a)| !only_here || a.app.present)
            .collect();
        for (_, a) in &chosen {
            g.push_str(&format!(
                "    {}() exo_{}_{};\n",
                a.blocks[slot],
                a.app.name,
                ["parser", "verify", "ingress", "egress", "compute", "deparser"][slot]
            ));
        }
        g.push_str("    apply {\n");
        if chosen.is_empty() {
            g.push_str("    }\n}\n");
            return;
        }
        let indent = if only_here {
            g.push_str("        if (meta.exo_here) {\n");
            "            "
        } else {
            "        "
        };
        for (n, (i, a)) in chosen.iter().enumerate() {
            g.push_str(&format!(
                "{indent}{}if (meta.exo_app == {}) {{\n{indent}    exo_{}_{}.apply({});\n{indent}}}",
                if n == 0 { "" } else { " else " },
                i + 1,
                a.app.name,
                ["parser", "verify", "ingress", "egress", "compute", "deparser"][slot],
                args(a.app.name)
            ));
        }
        g.push('\n');
        if only_here {
            g.push_str("        }\n");
        }
        g.push_str("    }\n}\n");
    };
    g.push_str("control ExoVerifyChecksum(inout exo_headers_t hdr, inout exo_metadata_t meta) {\n");
    dispatch(&mut g, 1, false, &|n| format!("hdr.{n}, meta.{n}"));

    // Ingress.
    g.push_str("control ExoIngress(inout exo_headers_t hdr, inout exo_metadata_t meta, inout standard_metadata_t standard_metadata) {\n");
    for a in apps {
        g.push_str(&format!("    exo_{0}_Ingress() exo_{0};\n", a.app.name));
    }
    g.push_str("    bool exo_miss = false;\n    bit<16> exo_bucket = 0;\n");
    if sw {
        g.push_str(&format!(
            "    bit<1> exo_down = 0;
    bit<9> exo_primary = 0;
    bit<9> exo_replica = 0;
    register<bit<1>>(512) exo_port_down;
    action exo_to_device(bit<9> primary, bit<9> replica) {{
        exo_primary = primary;
        exo_replica = replica;
    }}
    action exo_no_device() {{
        mark_to_drop(standard_metadata);
    }}
    table exo_device_map {{
        key = {{
            meta.exo_app: exact @name(\"exo_app\");
            exo_bucket: exact @name(\"exo_bucket\");
        }}
        actions = {{ exo_to_device; exo_no_device; }}
        default_action = exo_no_device();
        size = {};
    }}
",
            (apps.len() as u32 * BUCKETS).max(1)
        ));
    }
    g.push_str("    apply {\n");
    if sw {
        g.push_str(
            "        if (hdr.exo_pktgen.isValid()) {
            exo_port_down.write((bit<32>)hdr.exo_pktgen.port, hdr.exo_pktgen.down[0:0]);
            mark_to_drop(standard_metadata);
            exit;
        }
",
        );
    }
    for (i, a) in apps.iter().enumerate() {
        let n = a.app.name;
        g.push_str(&format!(
            "        {}if (meta.exo_app == {}) {{\n            exo_{n}.apply(hdr.{n}, meta.{n}, standard_metadata, meta.exo_here, exo_miss, exo_bucket);\n        }}",
            if i == 0 { "" } else { " else " },
            i + 1
        ));
    }
    // Traffic no app claims.
    g.push_str(" else {\n            mark_to_drop(standard_metadata);\n        }\n");
    if sw {
        g.push_str(
            "        if (exo_miss) {
            exo_device_map.apply();
            exo_port_down.read(exo_down, (bit<32>)exo_primary);
            if (exo_down == 0) {
                standard_metadata.egress_spec = exo_primary;
            } else {
                standard_metadata.egress_spec = exo_replica;
            }
        }
",
        );
    }
    g.push_str("    }\n}\n");

    g.push_str("control ExoEgress(inout exo_headers_t hdr, inout exo_metadata_t meta, inout standard_metadata_t standard_metadata) {\n");
    dispatch(&mut g, 3, true, &|n| {
        format!("hdr.{n}, meta.{n}, standard_metadata")
    });
    g.push_str(
        "control ExoComputeChecksum(inout exo_headers_t hdr, inout exo_metadata_t meta) {\n",
    );
    dispatch(&mut g, 4, true, &|n| format!("hdr.{n}, meta.{n}"));

    // Deparser: only the packet's app has valid headers, so every app's deparser runs.
    g.push_str("control ExoDeparser(packet_out pkt, in exo_headers_t hdr) {\n");
    for a in apps {
        g.push_str(&format!(
            "    {}() exo_{}_deparser;\n",
            a.blocks[5], a.app.name
        ));
    }
    g.push_str("    apply {\n");
    if sw {
        g.push_str("        pkt.emit(hdr.exo_pktgen);\n");
    }
    for a in apps {
        g.push_str(&format!(
            "        exo_{0}_deparser.apply(pkt, hdr.{0});\n",
            a.app.name
        ));
    }
    g.push_str("    }\n}\n");
    g.push_str("V1Switch(ExoParser(), ExoVerifyChecksum(), ExoIngress(), ExoEgress(), ExoComputeChecksum(), ExoDeparser()) main;\n");
    Ok((parse_generated(role, &pre)?, parse_generated(role, &g)?))
}

/// Where an app's blocks live in the merged program's IR (instance paths, as the frontend
/// names tables, registers and actions of sub-instantiated blocks): for each package slot
/// (parser, verify, ingress, egress, compute, deparser), the path that replaces the app's
/// block name in its objects' qualified names (`NatIngress.nat_inbound` becomes
/// `ExoIngress.exo_nat.app.nat_inbound`).
pub fn instance_paths(app: &str) -> [String; 6] {
    [
        format!("ExoParser.exo_{app}_parser"),
        format!("ExoVerifyChecksum.exo_{app}_verify"),
        format!("ExoIngress.exo_{app}.app"),
        format!("ExoEgress.exo_{app}_egress"),
        format!("ExoComputeChecksum.exo_{app}_compute"),
        format!("ExoDeparser.exo_{app}_deparser"),
    ]
}

/// The IR name of an app's flow manager in the merged switch program.
pub fn flow_manager_table(app: &str) -> String {
    format!("ExoIngress.exo_{app}.exo_fm")
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

#[cfg(test)]
mod tests;
