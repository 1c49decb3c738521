//! The profiler (§5): from an app's IR, its union key, objects (with key widths, sizes, bytes
//! per entry), the P4 features it uses, and its ExoPlane annotations.
//!
//! Annotations read (see `p4/apps/README.md`):
//! - on the ingress control: `@exo_union_key("hdr.ipv4.src_addr", ...)`,
//!   `@exo_traffic_class("<boolean expression over the control's parameters>")`,
//!   `@exo_features("registers", ...)`;
//! - on a table or extern instance: `@exo_dp_updatable("add"|"sub"|"or"|"max"|"min")`.

use exo_p4::ir::{self, CallTarget, Expr, ExprKind, Program, Stmt, Ty, TypeKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Every feature name the profiler reports and a catalog may list.
pub const FEATURES: &[&str] = &[
    "exact",
    "lpm",
    "ternary",
    "range",
    "optional",
    "registers",
    "counters",
    "meters",
    "direct_counters",
    "direct_meters",
    "hashing",
    "recirculate",
    "resubmit",
    "clone",
    "digest",
    "idle_timeout",
    "action_profile",
    "action_selector",
    "random",
    "header_stack",
    "checksum",
    "parser_value_set",
    "lookahead",
    "truncate",
    "pktgen",
    "varbit",
    "tunnel_encap",
    "tunnel_decap",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("app `{app}`: the program has no V1Switch `main` package (the planner merges v1model programs)")]
    NoPackage { app: String },
    #[error("app `{app}`: {message}")]
    Annotation { app: String, message: String },
    #[error("app `{app}`: scenario field `objects.{object}` names no table, register, counter or meter of the program (objects: {known})")]
    UnknownObject {
        app: String,
        object: String,
        known: String,
    },
    #[error("app `{app}`: union key field `{path}` does not resolve to a field of the ingress control `{control}`'s parameters")]
    UnionKeyField {
        app: String,
        path: String,
        control: String,
    },
}

/// Merge operator of a data-plane-updatable object (§4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MergeOp {
    Add,
    Sub,
    Or,
    Max,
    Min,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Table,
    Register,
    Counter,
    Meter,
    ActionProfile,
    ActionSelector,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectProfile {
    /// Qualified name as in the IR (`NatIngress.snat`).
    pub name: String,
    pub kind: ObjectKind,
    /// Entries (tables) or cells (arrays) for the whole key space.
    pub size: u64,
    /// Scales with the number of flows a device serves (a table keyed only by union-key fields).
    pub per_flow: bool,
    pub key_bits: u32,
    /// Widest action data (tables) or cell width (registers).
    pub data_bits: u32,
    pub actions: u32,
    pub match_kinds: Vec<String>,
    pub idle_timeout: bool,
    pub direct_counter: bool,
    pub direct_meter: bool,
    pub dp_updatable: Option<MergeOp>,
}

impl ObjectProfile {
    /// Whether the key needs TCAM (ternary, range, lpm, optional fields).
    pub fn ternary(&self) -> bool {
        self.match_kinds
            .iter()
            .any(|m| matches!(m.as_str(), "ternary" | "range" | "lpm" | "optional"))
    }

    /// Key bits as stored in TCAM: range fields roughly double (DirtCAM-style encoding).
    pub fn tcam_key_bits(&self) -> u32 {
        self.key_bits
            + if self.match_kinds.iter().any(|m| m == "range") {
                16
            } else {
                0
            }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnionKeyField {
    /// As written in the ingress control (`hdr.ipv4.src_addr`).
    pub path: String,
    pub bits: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppProfile {
    pub app: String,
    /// The ingress control's name in the app's program.
    pub ingress: String,
    pub union_key: Vec<UnionKeyField>,
    /// Whether the union key came from `@exo_union_key` (else derived from the table keys).
    pub union_key_annotated: bool,
    pub traffic_class: Option<String>,
    pub objects: Vec<ObjectProfile>,
    pub features: BTreeSet<String>,
    /// Bits of hash output computed by `hash()` calls per packet.
    pub hash_bits: u32,
}

impl AppProfile {
    pub fn union_key_bits(&self) -> u32 {
        self.union_key.iter().map(|f| f.bits).sum()
    }
}

fn annotation<'a>(anns: &'a [ir::Annotation], name: &str) -> Option<&'a ir::Annotation> {
    anns.iter().find(|a| a.name == name)
}

/// Profiles one checked program. `sizes` are the scenario's `objects` overrides (qualified or
/// short names).
pub fn profile(
    app: &str,
    prog: &Program,
    sizes: &std::collections::BTreeMap<String, u64>,
) -> Result<AppProfile, ProfileError> {
    let ingress = prog
        .package
        .as_ref()
        .filter(|p| p.package_type == "V1Switch")
        .and_then(|p| p.slots.iter().find(|(s, _)| s == "ig"))
        .map(|(_, b)| b.clone())
        .ok_or_else(|| ProfileError::NoPackage {
            app: app.to_string(),
        })?;
    let control = prog
        .controls
        .iter()
        .find(|c| c.name == ingress)
        .ok_or_else(|| ProfileError::NoPackage {
            app: app.to_string(),
        })?;
    let ann_err = |message: String| ProfileError::Annotation {
        app: app.to_string(),
        message,
    };

    // Features.
    let mut features = BTreeSet::new();
    let mut hash_bits = 0u32;
    if let Some(a) = annotation(&control.annotations, "exo_features") {
        for f in a.strings().iter().map(|f| f.replace('-', "_")) {
            if !FEATURES.contains(&f.as_str()) {
                return Err(ann_err(format!(
                    "@exo_features: unknown feature `{f}` (known: {})",
                    FEATURES.join(", ")
                )));
            }
            features.insert(f);
        }
    }
    for t in &prog.tables {
        for k in &t.keys {
            match k.match_kind.as_str() {
                "selector" => {
                    features.insert("action_selector".to_string());
                }
                m if FEATURES.contains(&m) => {
                    features.insert(m.to_string());
                }
                _ => {}
            }
        }
        if t.support_timeout {
            features.insert("idle_timeout".into());
        }
    }
    for i in &prog.instances {
        let f = match i.extern_type.as_str() {
            "register" => "registers",
            "counter" => "counters",
            "meter" => "meters",
            "direct_counter" => "direct_counters",
            "direct_meter" => "direct_meters",
            "action_profile" => "action_profile",
            "action_selector" => "action_selector",
            "Checksum16" => "checksum",
            _ => continue,
        };
        features.insert(f.to_string());
    }
    if !prog.value_sets.is_empty() {
        features.insert("parser_value_set".into());
    }
    for t in &prog.types {
        for f in t.fields() {
            match &f.ty {
                Ty::Varbit { .. } => {
                    features.insert("varbit".into());
                }
                Ty::Stack { .. } => {
                    features.insert("header_stack".into());
                }
                _ => {}
            }
        }
    }
    let mut on_call = |c: &ir::Call| match &c.target {
        CallTarget::ExternFunction { name } => {
            let f = match name.as_str() {
                "hash" => {
                    if let Some(w) = c.args.first().and_then(|a| prog.bit_width(&a.ty)) {
                        hash_bits = hash_bits.saturating_add(w);
                    }
                    "hashing"
                }
                n if n.starts_with("recirculate") => "recirculate",
                n if n.starts_with("resubmit") => "resubmit",
                n if n.starts_with("clone") => "clone",
                "digest" => "digest",
                "random" => "random",
                "truncate" => "truncate",
                n if n.contains("_checksum") => "checksum",
                _ => return,
            };
            features.insert(f.to_string());
        }
        CallTarget::Method { method, .. } if method == "lookahead" => {
            features.insert("lookahead".into());
        }
        _ => {}
    };
    for c in &prog.controls {
        walk_stmts(&c.body, &mut on_call);
    }
    for a in &prog.actions {
        walk_stmts(&a.body, &mut on_call);
    }
    for f in &prog.functions {
        walk_stmts(&f.body, &mut on_call);
    }
    for p in &prog.parsers {
        walk_stmts(&p.init, &mut on_call);
        for s in &p.states {
            walk_stmts(&s.stmts, &mut on_call);
        }
    }

    // Union key.
    let (union_key, union_key_annotated) = if let Some(a) =
        annotation(&control.annotations, "exo_union_key")
    {
        let mut fields = Vec::new();
        for path in a.strings() {
            let bits =
                path_width(prog, control, &path).ok_or_else(|| ProfileError::UnionKeyField {
                    app: app.to_string(),
                    path: path.clone(),
                    control: ingress.clone(),
                })?;
            fields.push(UnionKeyField { path, bits });
        }
        if fields.is_empty() {
            return Err(ann_err("@exo_union_key names no field".into()));
        }
        (fields, true)
    } else {
        let mut fields: Vec<UnionKeyField> = Vec::new();
        for t in prog.tables.iter().filter(|t| t.control == ingress) {
            for k in &t.keys {
                if let Some(path) = key_path(&k.expr) {
                    if !fields.iter().any(|f| f.path == path) {
                        let bits = path_width(prog, control, &path)
                            .or_else(|| prog.bit_width(&k.expr.ty))
                            .unwrap_or(0);
                        fields.push(UnionKeyField { path, bits });
                    }
                }
            }
        }
        (fields, false)
    };
    let uk_paths: BTreeSet<&str> = union_key.iter().map(|f| f.path.as_str()).collect();

    let traffic_class = annotation(&control.annotations, "exo_traffic_class")
        .map(|a| a.strings().join(" "))
        .filter(|s| !s.trim().is_empty());

    // Objects.
    let dp = |anns: &[ir::Annotation], name: &str| -> Result<Option<MergeOp>, ProfileError> {
        let Some(a) = annotation(anns, "exo_dp_updatable") else {
            return Ok(None);
        };
        let op = a.strings().first().cloned().unwrap_or_default();
        Ok(Some(match op.as_str() {
            "add" => MergeOp::Add,
            "sub" => MergeOp::Sub,
            "or" => MergeOp::Or,
            "max" => MergeOp::Max,
            "min" => MergeOp::Min,
            _ => {
                return Err(ann_err(format!(
                    "{name}: @exo_dp_updatable(\"{op}\"): the merge operator must be add, sub, or, max or min"
                )))
            }
        }))
    };
    let mut objects = Vec::new();
    for t in &prog.tables {
        let key_bits: u32 = t
            .keys
            .iter()
            .filter(|k| k.match_kind != "selector")
            .map(|k| prog.bit_width(&k.expr.ty).unwrap_or(0))
            .sum();
        let data_bits = t
            .actions
            .iter()
            .filter_map(|a| prog.action(&a.action))
            .map(|a| {
                a.params
                    .iter()
                    .filter(|p| p.direction == ir::Direction::None)
                    .map(|p| prog.bit_width(&p.ty).unwrap_or(0))
                    .sum::<u32>()
            })
            .max()
            .unwrap_or(0);
        let per_flow = !t.keys.is_empty()
            && t.control == ingress
            && t.keys
                .iter()
                .all(|k| key_path(&k.expr).is_some_and(|p| uk_paths.contains(p.as_str())));
        objects.push(ObjectProfile {
            name: t.name.clone(),
            kind: ObjectKind::Table,
            size: t.size.unwrap_or(1024).max(1),
            per_flow,
            key_bits,
            data_bits,
            actions: t.actions.len() as u32,
            match_kinds: t.keys.iter().map(|k| k.match_kind.clone()).collect(),
            idle_timeout: t.support_timeout,
            direct_counter: t.direct_counter.is_some(),
            direct_meter: t.direct_meter.is_some(),
            dp_updatable: dp(&t.annotations, &t.name)?,
        });
    }
    for i in &prog.instances {
        let kind = match i.extern_type.as_str() {
            "register" => ObjectKind::Register,
            "counter" => ObjectKind::Counter,
            "meter" => ObjectKind::Meter,
            "action_profile" => ObjectKind::ActionProfile,
            "action_selector" => ObjectKind::ActionSelector,
            _ => continue,
        };
        let size = i
            .args
            .iter()
            .find_map(|a| match a {
                ir::CtorArg::Int { value, .. } => u64::try_from(value).ok(),
                _ => None,
            })
            .unwrap_or(1)
            .max(1);
        let data_bits = match kind {
            ObjectKind::Register => i
                .type_args
                .first()
                .and_then(|t| prog.bit_width(t))
                .unwrap_or(32),
            ObjectKind::Counter => 64,
            ObjectKind::Meter => 128,
            _ => 32,
        };
        objects.push(ObjectProfile {
            name: i.name.clone(),
            kind,
            size,
            per_flow: false,
            key_bits: 0,
            data_bits,
            actions: 0,
            match_kinds: Vec::new(),
            idle_timeout: false,
            direct_counter: false,
            direct_meter: false,
            dp_updatable: dp(&i.annotations, &i.name)?,
        });
    }
    for (name, &n) in sizes {
        let mut hits = objects
            .iter_mut()
            .filter(|o| &o.name == name || o.name.rsplit('.').next() == Some(name.as_str()))
            .peekable();
        if hits.peek().is_none() {
            return Err(ProfileError::UnknownObject {
                app: app.to_string(),
                object: name.clone(),
                known: objects
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        for o in hits {
            o.size = n;
        }
    }
    Ok(AppProfile {
        app: app.to_string(),
        ingress,
        union_key,
        union_key_annotated,
        traffic_class,
        objects,
        features,
        hash_bits,
    })
}

/// `hdr.ipv4.src_addr` for a field chain rooted at a variable; slices give their base.
pub fn key_path(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Var { name } => Some(name.clone()),
        ExprKind::Field { base, field } => Some(format!("{}.{field}", key_path(base)?)),
        ExprKind::Slice { base, .. } | ExprKind::Cast { arg: base } => key_path(base),
        _ => None,
    }
}

/// Width of `a.b.c` where `a` is a parameter or local of `control`.
fn path_width(prog: &Program, control: &ir::Control, path: &str) -> Option<u32> {
    let mut parts = path.split('.').map(str::trim);
    let root = parts.next()?;
    let mut ty = control
        .params
        .iter()
        .find(|p| p.name == root)
        .map(|p| p.ty.clone())
        .or_else(|| {
            control
                .locals
                .iter()
                .find(|l| l.name == root)
                .map(|l| l.ty.clone())
        })?;
    for part in parts {
        let Ty::Named { id } = ty else { return None };
        let decl = prog.type_decl(id)?;
        if !matches!(
            decl.kind,
            TypeKind::Header { .. } | TypeKind::Struct { .. } | TypeKind::HeaderUnion { .. }
        ) {
            return None;
        }
        ty = decl.fields().iter().find(|f| f.name == part)?.ty.clone();
    }
    prog.bit_width(&ty)
}

/// Calls `f` on each call in the statements (including calls inside expressions).
pub fn walk_stmts(stmts: &[Stmt], f: &mut impl FnMut(&ir::Call)) {
    ir::walk_calls_in_stmts(stmts, f);
}
