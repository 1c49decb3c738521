//! P4Runtime P4Info generation.
//!
//! Produces the `p4.config.v1.P4Info` message of a lowered program in the protobuf JSON mapping,
//! shaped the way protobuf's JSON printer writes it with default options:
//!
//! * field names are lowerCamelCase (`pkgInfo`, `matchFields`, `constDefaultActionId`, ...);
//! * enum values are their names (`"EXACT"`, `"DEFAULT_ONLY"`, `"PACKETS"`, ...);
//! * `int64`/`uint64` fields (`Table.size`, `ActionProfile.size`, `Counter.size`,
//!   `Meter.size`) are decimal strings, 32-bit ones are numbers, `bytes` are base64;
//! * fields holding their default value (0, `""`, `false`, an empty list, an enum's zero value
//!   such as `TABLE_AND_DEFAULT` or `NO_TIMEOUT`) are left out, while present sub-messages are
//!   written even when empty (`"typeInfo": {}`, `"sumOfWeights": {}`, `"bool": {}`).
//!
//! Conventions follow what p4c emits for v1model/BMv2: preamble names are fully qualified,
//! aliases are the shortest dot-separated suffix unique among entities of the same kind, match
//! field and parameter ids count from 1 in declaration order (an `@id(N)` on the element wins),
//! tables without a `size` get 1024 entries, `selector` keys are left out of `matchFields`,
//! entities annotated `@hidden` are left out, and each top-level list is sorted by name.
//! Annotations other than `@name`, `@id`, `@hidden` (and the ones P4Info has a field for:
//! `@brief`/`@description` become `doc`, the action-selector size annotations become fields)
//! are listed as strings such as `@foo("x")`.

use crate::ir::{
    self, id_prefix, Annotation, Call, CallTarget, CtorArg, Direction, ExternInstance, Program, Ty,
    TypeId, TypeKind,
};
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Entries of a table that does not declare `size` (p4c's default for BMv2).
pub const DEFAULT_TABLE_SIZE: i64 = 1024;

/// The P4Info of `p` as a JSON value (protobuf JSON mapping of `p4.config.v1.P4Info`).
pub fn p4info(p: &Program) -> Value {
    Gen::new(p).run()
}

/// [`p4info`] as pretty-printed JSON text, with a final newline.
pub fn p4info_json(p: &Program) -> String {
    let mut s = serde_json::to_string_pretty(&p4info(p)).unwrap_or_default();
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------------
// JSON object building with protobuf's "omit default values" rule.

#[derive(Default)]
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Self {
        Obj::default()
    }

    /// A string field; left out when empty.
    fn str(mut self, k: &str, v: &str) -> Self {
        if !v.is_empty() {
            self.0.insert(k.into(), Value::String(v.into()));
        }
        self
    }

    /// A 32-bit integer field (a JSON number); left out when zero.
    fn int(mut self, k: &str, v: i64) -> Self {
        if v != 0 {
            self.0.insert(k.into(), Value::from(v));
        }
        self
    }

    /// A 64-bit integer field (a JSON string); left out when zero.
    fn int64(mut self, k: &str, v: i64) -> Self {
        if v != 0 {
            self.0.insert(k.into(), Value::String(v.to_string()));
        }
        self
    }

    fn boolean(mut self, k: &str, v: bool) -> Self {
        if v {
            self.0.insert(k.into(), Value::Bool(true));
        }
        self
    }

    /// An enum field; `zero` is the enum's default value, which is left out.
    fn enumv(mut self, k: &str, v: &str, zero: &str) -> Self {
        if v != zero {
            self.0.insert(k.into(), Value::String(v.into()));
        }
        self
    }

    /// A repeated field; left out when empty.
    fn list(mut self, k: &str, v: Vec<Value>) -> Self {
        if !v.is_empty() {
            self.0.insert(k.into(), Value::Array(v));
        }
        self
    }

    /// A repeated string field; left out when empty.
    fn strs(self, k: &str, v: Vec<String>) -> Self {
        self.list(k, v.into_iter().map(Value::String).collect())
    }

    /// A sub-message: always written when present, even if empty.
    fn msg(mut self, k: &str, v: impl Into<Value>) -> Self {
        self.0.insert(k.into(), v.into());
        self
    }

    fn opt_msg(self, k: &str, v: Option<Value>) -> Self {
        match v {
            Some(v) => self.msg(k, v),
            None => self,
        }
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Value {
        Value::Object(o.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Annotations.

/// Annotations that never appear in P4Info's `annotations` lists.
const CONSUMED: &[&str] = &["name", "id", "hidden", "brief", "description"];

fn find_ann<'a>(anns: &'a [Annotation], name: &str) -> Option<&'a Annotation> {
    anns.iter().find(|a| a.name == name)
}

fn has_ann(anns: &[Annotation], name: &str) -> bool {
    find_ann(anns, name).is_some()
}

fn is_hidden(anns: &[Annotation]) -> bool {
    has_ann(anns, "hidden")
}

/// The annotation's body as one string (tokens joined by spaces).
fn ann_text(a: &Annotation) -> String {
    a.strings().join(" ")
}

/// The integer argument of `@NAME(N)`, if any.
fn ann_int(anns: &[Annotation], name: &str) -> Option<i64> {
    let a = find_ann(anns, name)?;
    parse_int_literal(a.values.first()?)
}

fn parse_int_literal(s: &str) -> Option<i64> {
    // Strip a width prefix such as `32w` / `8s`.
    let s = match s.find(['w', 's']) {
        Some(i) if i > 0 && s[..i].bytes().all(|b| b.is_ascii_digit()) => &s[i + 1..],
        _ => s,
    };
    let s = s.replace('_', "");
    let (digits, radix) = match s.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&s[2..], 16),
        Some("0b") => (&s[2..], 2),
        Some("0o") => (&s[2..], 8),
        Some("0d") => (&s[2..], 10),
        _ => (s.as_str(), 10),
    };
    i64::from_str_radix(digits, radix).ok()
}

/// `@foo`, `@foo("x")`, `@foo("x", 3)`.
fn fmt_annotation(a: &Annotation) -> String {
    if a.values.is_empty() {
        return format!("@{}", a.name);
    }
    format!("@{}({})", a.name, a.values.join(", "))
}

/// The annotation strings of an entity, without `@name`/`@id`/`@hidden`/doc and `skip`.
fn annotations(anns: &[Annotation], skip: &[&str]) -> Vec<String> {
    anns.iter()
        .filter(|a| !CONSUMED.contains(&a.name.as_str()) && !skip.contains(&a.name.as_str()))
        .map(fmt_annotation)
        .collect()
}

/// `Documentation` from `@brief` / `@description`.
fn doc(anns: &[Annotation]) -> Option<Value> {
    let brief = find_ann(anns, "brief").map(ann_text);
    let description = find_ann(anns, "description").map(ann_text);
    if brief.is_none() && description.is_none() {
        return None;
    }
    Some(
        Obj::new()
            .str("brief", brief.as_deref().unwrap_or(""))
            .str("description", description.as_deref().unwrap_or(""))
            .into(),
    )
}

/// The id of a sub-element (match field, parameter, metadata): `@id(N)` or its position.
fn element_id(anns: &[Annotation], index: usize) -> i64 {
    ann_int(anns, "id")
        .filter(|&v| v > 0 && v <= i64::from(u32::MAX))
        .unwrap_or(index as i64 + 1)
}

// ---------------------------------------------------------------------------------------------
// Names and aliases.

/// Control-plane name: the qualified name without a leading `.` (`@name(".x")`).
fn cp_name(name: &str) -> &str {
    name.strip_prefix('.').unwrap_or(name)
}

/// Shortest dot-separated suffix of each name that is not a suffix of any other name in the
/// set; the full name when there is none.
fn aliases<'a>(names: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    let names: BTreeSet<&str> = names.into_iter().map(cp_name).collect();
    let has_suffix = |other: &str, suffix: &str| {
        other == suffix
            || (other.len() > suffix.len()
                && other.ends_with(suffix)
                && other.as_bytes()[other.len() - suffix.len() - 1] == b'.')
    };
    let mut out = HashMap::new();
    for &name in &names {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(name.match_indices('.').map(|(i, _)| i + 1))
            .collect();
        let alias = starts
            .iter()
            .rev()
            .map(|&i| &name[i..])
            .find(|suffix| {
                names
                    .iter()
                    .all(|&other| other == name || !has_suffix(other, suffix))
            })
            .unwrap_or(name);
        out.insert(name.to_string(), alias.to_string());
    }
    out
}

fn preamble(id: u32, name: &str, aliases: &HashMap<String, String>, anns: &[Annotation]) -> Value {
    preamble_skip(id, name, aliases, anns, &[])
}

fn preamble_skip(
    id: u32,
    name: &str,
    aliases: &HashMap<String, String>,
    anns: &[Annotation],
    skip: &[&str],
) -> Value {
    let name = cp_name(name);
    let alias = aliases.get(name).map(String::as_str).unwrap_or(name);
    Obj::new()
        .int("id", i64::from(id))
        .str("name", name)
        .str("alias", alias)
        .strs("annotations", annotations(anns, skip))
        .opt_msg("doc", doc(anns))
        .into()
}

// ---------------------------------------------------------------------------------------------
// Statement walking (digests, direct action calls).

/// Every call in the program's statements (parsers, controls, actions, functions).
fn for_each_call(p: &Program, f: &mut dyn FnMut(&Call)) {
    for parser in &p.parsers {
        ir::walk_calls_in_stmts(&parser.init, f);
        for st in &parser.states {
            ir::walk_calls_in_stmts(&st.stmts, f);
            if let ir::Transition::Select { keys, .. } = &st.transition {
                keys.iter().for_each(|k| ir::walk_calls_in_expr(k, f));
            }
        }
    }
    for c in &p.controls {
        ir::walk_calls_in_stmts(&c.body, f);
    }
    for a in &p.actions {
        ir::walk_calls_in_stmts(&a.body, f);
    }
    for func in &p.functions {
        ir::walk_calls_in_stmts(&func.body, f);
    }
}

// ---------------------------------------------------------------------------------------------
// Extern constructor arguments.

fn first_int(args: &[CtorArg]) -> Option<i64> {
    args.iter().find_map(|a| match a {
        CtorArg::Int { value, .. } => value.to_i64(),
        _ => None,
    })
}

fn first_enum(args: &[CtorArg]) -> Option<String> {
    args.iter().find_map(|a| match a {
        CtorArg::Enum { member, .. } => Some(member.to_ascii_lowercase()),
        _ => None,
    })
}

fn counter_unit(args: &[CtorArg]) -> &'static str {
    match first_enum(args).as_deref() {
        Some("packets") => "PACKETS",
        Some("bytes") => "BYTES",
        Some("packets_and_bytes") => "BOTH",
        _ => "UNSPECIFIED",
    }
}

fn meter_unit(args: &[CtorArg]) -> &'static str {
    match first_enum(args).as_deref() {
        Some("packets") => "PACKETS",
        Some("bytes") => "BYTES",
        _ => "UNSPECIFIED",
    }
}

/// What an extern instance is to P4Info (v1model names and their PSA counterparts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    DirectCounter,
    Meter,
    DirectMeter,
    Register,
    ActionProfile,
    ActionSelector,
    Digest,
}

fn kind_of(extern_type: &str) -> Option<Kind> {
    Some(match extern_type {
        "counter" | "Counter" => Kind::Counter,
        "direct_counter" | "DirectCounter" => Kind::DirectCounter,
        "meter" | "Meter" => Kind::Meter,
        "direct_meter" | "DirectMeter" => Kind::DirectMeter,
        "register" | "Register" => Kind::Register,
        "action_profile" | "ActionProfile" => Kind::ActionProfile,
        "action_selector" | "ActionSelector" => Kind::ActionSelector,
        "Digest" => Kind::Digest,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Type specs and type info.

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `value` as `width` bits (two's complement), big-endian, in the fewest whole bytes.
fn int_bytes(value: &BigInt, width: u32) -> Vec<u8> {
    let modulus = BigInt::one() << width.max(1);
    let mut v = value % &modulus;
    if v.is_negative() {
        v += &modulus;
    }
    let len = width.max(1).div_ceil(8) as usize;
    let (_, mut bytes) = v.to_bytes_be();
    if v.is_zero() {
        bytes.clear();
    }
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend(bytes.iter().skip(bytes.len().saturating_sub(len)));
    out
}

struct Types<'p> {
    p: &'p Program,
    named: BTreeSet<TypeId>,
    error: bool,
}

impl<'p> Types<'p> {
    fn new(p: &'p Program) -> Self {
        Types {
            p,
            named: BTreeSet::new(),
            error: false,
        }
    }

    fn named_ref(&mut self, id: TypeId) -> Option<(&'p ir::TypeDecl, Value)> {
        let decl = self.p.type_decl(id)?;
        self.named.insert(id);
        Some((decl, Obj::new().str("name", &decl.name).into()))
    }

    fn bitstring(ty: &Ty) -> Option<Value> {
        let inner = match ty {
            Ty::Bits {
                width,
                signed: false,
            } => Obj::new().msg("bit", Obj::new().int("bitwidth", i64::from(*width))),
            Ty::Bits {
                width,
                signed: true,
            } => Obj::new().msg("int", Obj::new().int("bitwidth", i64::from(*width))),
            Ty::Varbit { max } => {
                Obj::new().msg("varbit", Obj::new().int("maxBitwidth", i64::from(*max)))
            }
            _ => return None,
        };
        Some(inner.into())
    }

    /// `P4DataTypeSpec` of `ty`, recording the named types it refers to.
    fn spec(&mut self, ty: &Ty) -> Option<Value> {
        let o = Obj::new();
        Some(
            match ty {
                Ty::Bits { .. } | Ty::Varbit { .. } => o.msg("bitstring", Self::bitstring(ty)?),
                Ty::Bool => o.msg("bool", Obj::new()),
                Ty::Error => {
                    self.error = true;
                    o.msg("error", Obj::new())
                }
                Ty::Tuple { elems } => {
                    let members = elems.iter().filter_map(|e| self.spec(e)).collect();
                    o.msg("tuple", Obj::new().list("members", members))
                }
                Ty::Named { id } => {
                    let (decl, r) = self.named_ref(*id)?;
                    let key = match decl.kind {
                        TypeKind::Header { .. } => "header",
                        TypeKind::HeaderUnion { .. } => "headerUnion",
                        TypeKind::Struct { .. } => "struct",
                        TypeKind::Enum { .. } => "enum",
                        TypeKind::SerEnum { .. } => "serializableEnum",
                    };
                    o.msg(key, r)
                }
                Ty::Stack { elem, size } => {
                    let (decl, r) = self.named_ref(*elem)?;
                    let (key, inner) = match decl.kind {
                        TypeKind::HeaderUnion { .. } => ("headerUnionStack", "headerUnion"),
                        _ => ("headerStack", "header"),
                    };
                    o.msg(key, Obj::new().msg(inner, r).int("size", i64::from(*size)))
                }
                _ => return None,
            }
            .into(),
        )
    }

    /// `P4TypeInfo` with every named type recorded so far and the ones they refer to.
    fn type_info(mut self) -> Value {
        let mut structs = Map::new();
        let mut headers = Map::new();
        let mut unions = Map::new();
        let mut enums = Map::new();
        let mut ser_enums = Map::new();
        let mut done = BTreeSet::new();
        while let Some(id) = self.named.iter().copied().find(|id| !done.contains(id)) {
            done.insert(id);
            let Some(decl) = self.p.type_decl(id) else {
                continue;
            };
            let anns = annotations(&decl.annotations, &[]);
            match &decl.kind {
                TypeKind::Struct { fields } => {
                    let members = fields
                        .iter()
                        .map(|f| {
                            Obj::new()
                                .str("name", &f.name)
                                .opt_msg("typeSpec", self.spec(&f.ty))
                                .into()
                        })
                        .collect();
                    let v = Obj::new()
                        .list("members", members)
                        .strs("annotations", anns);
                    structs.insert(decl.name.clone(), v.into());
                }
                TypeKind::Header { fields, .. } => {
                    let members = fields
                        .iter()
                        .map(|f| {
                            let spec = Self::bitstring(&f.ty).or_else(|| {
                                // Serializable enums and bools are laid out as plain bits.
                                let w = self.p.bit_width(&f.ty)?;
                                Self::bitstring(&Ty::Bits {
                                    width: w,
                                    signed: false,
                                })
                            });
                            Obj::new()
                                .str("name", &f.name)
                                .opt_msg("typeSpec", spec)
                                .into()
                        })
                        .collect();
                    let v = Obj::new()
                        .list("members", members)
                        .strs("annotations", anns);
                    headers.insert(decl.name.clone(), v.into());
                }
                TypeKind::HeaderUnion { fields } => {
                    let members = fields
                        .iter()
                        .map(|f| {
                            let h = match &f.ty {
                                Ty::Named { id } => self.named_ref(*id).map(|(_, r)| r),
                                _ => None,
                            };
                            Obj::new().str("name", &f.name).opt_msg("header", h).into()
                        })
                        .collect();
                    let v = Obj::new()
                        .list("members", members)
                        .strs("annotations", anns);
                    unions.insert(decl.name.clone(), v.into());
                }
                TypeKind::Enum { members } => {
                    let members = members
                        .iter()
                        .map(|m| Obj::new().str("name", m).into())
                        .collect();
                    let v = Obj::new()
                        .list("members", members)
                        .strs("annotations", anns);
                    enums.insert(decl.name.clone(), v.into());
                }
                TypeKind::SerEnum { width, members, .. } => {
                    let members = members
                        .iter()
                        .map(|m| {
                            Obj::new()
                                .str("name", &m.name)
                                .str("value", &base64(&int_bytes(&m.value, *width)))
                                .into()
                        })
                        .collect();
                    let v = Obj::new()
                        .msg(
                            "underlyingType",
                            Obj::new().int("bitwidth", i64::from(*width)),
                        )
                        .list("members", members)
                        .strs("annotations", anns);
                    ser_enums.insert(decl.name.clone(), v.into());
                }
            }
        }
        let mut o = Obj::new();
        for (k, m) in [
            ("structs", structs),
            ("headers", headers),
            ("headerUnions", unions),
            ("enums", enums),
            ("serializableEnums", ser_enums),
        ] {
            if !m.is_empty() {
                o = o.msg(k, Value::Object(m));
            }
        }
        if self.error {
            o = o.msg("error", Obj::new().strs("members", self.p.errors.clone()));
        }
        o.into()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

struct Gen<'p> {
    p: &'p Program,
    types: Types<'p>,
}

fn sorted_by_name(mut v: Vec<(String, Value)>) -> Vec<Value> {
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.into_iter().map(|(_, v)| v).collect()
}

fn match_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "exact" => "EXACT",
        "lpm" => "LPM",
        "ternary" => "TERNARY",
        "range" => "RANGE",
        "optional" => "OPTIONAL",
        _ => return None,
    })
}

/// `matchType` or `otherMatchType` for a match kind.
fn with_match_kind(o: Obj, kind: &str) -> Obj {
    match match_type(kind) {
        Some(t) => o.enumv("matchType", t, "UNSPECIFIED"),
        None => o.str("otherMatchType", kind),
    }
}

impl<'p> Gen<'p> {
    fn new(p: &'p Program) -> Self {
        Gen {
            p,
            types: Types::new(p),
        }
    }

    fn width(&self, ty: &Ty) -> i64 {
        self.p.bit_width(ty).map(i64::from).unwrap_or(0)
    }

    fn visible_tables(&self) -> impl Iterator<Item = &'p ir::Table> {
        self.p.tables.iter().filter(|t| !is_hidden(&t.annotations))
    }

    fn instances(&self, kinds: &[Kind]) -> Vec<&'p ExternInstance> {
        self.p
            .instances
            .iter()
            .filter(|i| !is_hidden(&i.annotations))
            .filter(|i| kind_of(&i.extern_type).is_some_and(|k| kinds.contains(&k)))
            .collect()
    }

    /// Id of a (visible) action.
    fn action_id(&self, name: &str) -> Option<u32> {
        self.p
            .action(name)
            .filter(|a| !is_hidden(&a.annotations))
            .map(|a| a.id)
    }

    fn instance_id(&self, name: &str) -> Option<u32> {
        self.p
            .instance(name)
            .filter(|i| !is_hidden(&i.annotations))
            .map(|i| i.id)
    }

    fn run(mut self) -> Value {
        let mut o = Obj::new();
        let pkg = Obj::new().str("arch", self.p.arch.as_deref().unwrap_or(""));
        o = o.msg("pkgInfo", pkg);
        o = o.list("tables", self.tables());
        o = o.list("actions", self.actions());
        o = o.list("actionProfiles", self.action_profiles());
        o = o.list("counters", self.counters(false));
        o = o.list("directCounters", self.counters(true));
        o = o.list("meters", self.meters(false));
        o = o.list("directMeters", self.meters(true));
        o = o.list("controllerPacketMetadata", self.controller_headers());
        o = o.list("valueSets", self.value_sets());
        o = o.list("registers", self.registers());
        o = o.list("digests", self.digests());
        let types = std::mem::replace(&mut self.types, Types::new(self.p));
        o = o.msg("typeInfo", types.type_info());
        o.into()
    }

    fn tables(&self) -> Vec<Value> {
        let aliases = aliases(self.visible_tables().map(|t| t.name.as_str()));
        let mut out = Vec::new();
        for t in self.visible_tables() {
            let fields: Vec<Value> = t
                .keys
                .iter()
                .filter(|k| k.match_kind != "selector" && !is_hidden(&k.annotations))
                .enumerate()
                .map(|(i, k)| {
                    let o = Obj::new()
                        .int("id", element_id(&k.annotations, i))
                        .str("name", &k.name)
                        .strs("annotations", annotations(&k.annotations, &[]))
                        .int("bitwidth", self.width(&k.expr.ty));
                    with_match_kind(o, &k.match_kind)
                        .opt_msg("doc", doc(&k.annotations))
                        .into()
                })
                .collect();
            let refs: Vec<Value> = t
                .actions
                .iter()
                .filter_map(|a| {
                    let id = self.action_id(&a.action)?;
                    let (scope, marker) = match a.scope {
                        ir::ActionScope::TableAndDefault => ("TABLE_AND_DEFAULT", None),
                        ir::ActionScope::TableOnly => ("TABLE_ONLY", Some("tableonly")),
                        ir::ActionScope::DefaultOnly => ("DEFAULT_ONLY", Some("defaultonly")),
                    };
                    let mut anns = annotations(&a.annotations, &["tableonly", "defaultonly"]);
                    if let Some(m) = marker {
                        anns.insert(0, format!("@{m}"));
                    }
                    Some(
                        Obj::new()
                            .int("id", i64::from(id))
                            .strs("annotations", anns)
                            .enumv("scope", scope, "TABLE_AND_DEFAULT")
                            .into(),
                    )
                })
                .collect();
            let const_default = if t.default_action_const {
                t.default_action
                    .as_ref()
                    .and_then(|d| self.action_id(&d.action))
                    .unwrap_or(0)
            } else {
                0
            };
            let implementation = t
                .implementation
                .as_deref()
                .and_then(|n| self.instance_id(n))
                .unwrap_or(0);
            let direct: Vec<Value> = [&t.direct_counter, &t.direct_meter]
                .into_iter()
                .filter_map(|n| self.instance_id(n.as_deref()?))
                .map(Value::from)
                .collect();
            let size = t
                .size
                .and_then(|s| i64::try_from(s).ok())
                .unwrap_or(DEFAULT_TABLE_SIZE);
            let v = Obj::new()
                .msg(
                    "preamble",
                    preamble(t.id, &t.name, &aliases, &t.annotations),
                )
                .list("matchFields", fields)
                .list("actionRefs", refs)
                .int("constDefaultActionId", i64::from(const_default))
                .int("implementationId", i64::from(implementation))
                .list("directResourceIds", direct)
                .int64("size", size)
                .enumv(
                    "idleTimeoutBehavior",
                    if t.support_timeout {
                        "NOTIFY_CONTROL"
                    } else {
                        "NO_TIMEOUT"
                    },
                    "NO_TIMEOUT",
                )
                .boolean("isConstTable", t.entries_const);
            out.push((cp_name(&t.name).to_string(), v.into()));
        }
        sorted_by_name(out)
    }

    /// Actions the control plane can refer to: those listed by (visible) tables, used as their
    /// default or in their entries, and those called directly.
    fn actions(&self) -> Vec<Value> {
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for t in self.visible_tables() {
            used.extend(t.actions.iter().map(|a| a.action.as_str()));
            used.extend(t.default_action.iter().map(|d| d.action.as_str()));
            used.extend(t.entries.iter().map(|e| e.action.action.as_str()));
        }
        let mut called = BTreeSet::new();
        for_each_call(self.p, &mut |c| {
            if let CallTarget::Action { name } = &c.target {
                called.insert(name.clone());
            }
        });
        let visible: Vec<&ir::Action> = self
            .p
            .actions
            .iter()
            .filter(|a| !is_hidden(&a.annotations))
            .filter(|a| used.contains(a.name.as_str()) || called.contains(&a.name))
            .collect();
        let aliases = aliases(visible.iter().map(|a| a.name.as_str()));
        let out = visible
            .iter()
            .map(|a| {
                let params: Vec<Value> = a
                    .params
                    .iter()
                    .filter(|p| p.direction == Direction::None)
                    .enumerate()
                    .map(|(i, prm)| {
                        Obj::new()
                            .int("id", element_id(&prm.annotations, i))
                            .str("name", &prm.name)
                            .strs("annotations", annotations(&prm.annotations, &[]))
                            .int("bitwidth", self.width(&prm.ty))
                            .opt_msg("doc", doc(&prm.annotations))
                            .into()
                    })
                    .collect();
                let v = Obj::new()
                    .msg(
                        "preamble",
                        preamble(a.id, &a.name, &aliases, &a.annotations),
                    )
                    .list("params", params);
                (cp_name(&a.name).to_string(), v.into())
            })
            .collect();
        sorted_by_name(out)
    }

    fn action_profiles(&self) -> Vec<Value> {
        let insts = self.instances(&[Kind::ActionProfile, Kind::ActionSelector]);
        let aliases = aliases(insts.iter().map(|i| i.name.as_str()));
        let skip = [
            "max_group_size",
            "selector_size_semantics",
            "max_member_weight",
        ];
        let out = insts
            .iter()
            .map(|i| {
                let with_selector = kind_of(&i.extern_type) == Some(Kind::ActionSelector);
                let mut tables: Vec<&ir::Table> = self
                    .visible_tables()
                    .filter(|t| t.implementation.as_deref() == Some(i.name.as_str()))
                    .collect();
                tables.sort_by(|a, b| a.name.cmp(&b.name));
                let table_ids = tables.iter().map(|t| Value::from(t.id)).collect();
                let mut o = Obj::new()
                    .msg(
                        "preamble",
                        preamble_skip(i.id, &i.name, &aliases, &i.annotations, &skip),
                    )
                    .list("tableIds", table_ids)
                    .boolean("withSelector", with_selector)
                    .int64("size", first_int(&i.args).unwrap_or(0));
                if with_selector {
                    o = o.int(
                        "maxGroupSize",
                        ann_int(&i.annotations, "max_group_size").unwrap_or(0),
                    );
                    let semantics = find_ann(&i.annotations, "selector_size_semantics")
                        .map(|a| ann_text(a).to_ascii_lowercase());
                    match semantics.as_deref() {
                        Some("sum_of_weights") => o = o.msg("sumOfWeights", Obj::new()),
                        Some("sum_of_members") => {
                            let w = ann_int(&i.annotations, "max_member_weight").unwrap_or(0);
                            o = o.msg("sumOfMembers", Obj::new().int("maxMemberWeight", w));
                        }
                        _ => {}
                    }
                }
                (cp_name(&i.name).to_string(), o.into())
            })
            .collect();
        sorted_by_name(out)
    }

    /// The (visible) table a direct resource is attached to, or 0.
    fn direct_table(&self, inst: &str, meter: bool) -> u32 {
        let mut tables: Vec<&ir::Table> = self
            .visible_tables()
            .filter(|t| {
                let r = if meter {
                    &t.direct_meter
                } else {
                    &t.direct_counter
                };
                r.as_deref() == Some(inst)
            })
            .collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        tables.first().map(|t| t.id).unwrap_or(0)
    }

    fn counters(&self, direct: bool) -> Vec<Value> {
        let kind = if direct {
            Kind::DirectCounter
        } else {
            Kind::Counter
        };
        let insts = self.instances(&[kind]);
        let aliases = aliases(insts.iter().map(|i| i.name.as_str()));
        let out = insts
            .iter()
            .map(|i| {
                let spec = Obj::new().enumv("unit", counter_unit(&i.args), "UNSPECIFIED");
                let o = Obj::new()
                    .msg(
                        "preamble",
                        preamble(i.id, &i.name, &aliases, &i.annotations),
                    )
                    .msg("spec", spec);
                let o = if direct {
                    o.int(
                        "directTableId",
                        i64::from(self.direct_table(&i.name, false)),
                    )
                } else {
                    o.int64("size", first_int(&i.args).unwrap_or(0))
                };
                (cp_name(&i.name).to_string(), o.into())
            })
            .collect();
        sorted_by_name(out)
    }

    fn meters(&self, direct: bool) -> Vec<Value> {
        let kind = if direct {
            Kind::DirectMeter
        } else {
            Kind::Meter
        };
        let insts = self.instances(&[kind]);
        let aliases = aliases(insts.iter().map(|i| i.name.as_str()));
        let out = insts
            .iter()
            .map(|i| {
                let spec = Obj::new().enumv("unit", meter_unit(&i.args), "UNSPECIFIED");
                let o = Obj::new()
                    .msg(
                        "preamble",
                        preamble(i.id, &i.name, &aliases, &i.annotations),
                    )
                    .msg("spec", spec);
                let o = if direct {
                    o.int("directTableId", i64::from(self.direct_table(&i.name, true)))
                } else {
                    o.int64("size", first_int(&i.args).unwrap_or(0))
                };
                (cp_name(&i.name).to_string(), o.into())
            })
            .collect();
        sorted_by_name(out)
    }

    fn registers(&mut self) -> Vec<Value> {
        let insts = self.instances(&[Kind::Register]);
        let aliases = aliases(insts.iter().map(|i| i.name.as_str()));
        let mut out = Vec::new();
        for i in insts {
            let spec = i.type_args.first().and_then(|t| self.types.spec(t));
            let o = Obj::new()
                .msg(
                    "preamble",
                    preamble(i.id, &i.name, &aliases, &i.annotations),
                )
                .opt_msg("typeSpec", spec)
                .int("size", first_int(&i.args).unwrap_or(0));
            out.push((cp_name(&i.name).to_string(), o.into()));
        }
        sorted_by_name(out)
    }

    /// Headers annotated `@controller_header("packet_in")` / `("packet_out")`.
    fn controller_headers(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for decl in &self.p.types {
            let TypeKind::Header { fields, .. } = &decl.kind else {
                continue;
            };
            let Some(a) = find_ann(&decl.annotations, "controller_header") else {
                continue;
            };
            let name = ann_text(a);
            if name.is_empty() || is_hidden(&decl.annotations) {
                continue;
            }
            let id = ir::entity_id(id_prefix::CONTROLLER_HEADER, &name);
            let metadata: Vec<Value> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    Obj::new()
                        .int("id", element_id(&f.annotations, i))
                        .str("name", &f.name)
                        .strs("annotations", annotations(&f.annotations, &[]))
                        .int("bitwidth", self.width(&f.ty))
                        .into()
                })
                .collect();
            let pre = Obj::new()
                .int("id", i64::from(id))
                .str("name", &name)
                .str("alias", &name)
                .strs("annotations", annotations(&decl.annotations, &[]))
                .opt_msg("doc", doc(&decl.annotations));
            let v = Obj::new().msg("preamble", pre).list("metadata", metadata);
            out.push((name, v.into()));
        }
        sorted_by_name(out)
    }

    fn value_sets(&self) -> Vec<Value> {
        let aliases = aliases(self.p.value_sets.iter().map(|v| v.name.as_str()));
        let out = self
            .p
            .value_sets
            .iter()
            .map(|vs| {
                let fields = match &vs.elem {
                    Ty::Named { id } => match self.p.type_decl(*id).map(|d| &d.kind) {
                        Some(TypeKind::Struct { fields }) => Some(fields),
                        _ => None,
                    },
                    _ => None,
                };
                let matches: Vec<Value> = match fields {
                    Some(fields) => fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let kind = find_ann(&f.annotations, "match")
                                .map(ann_text)
                                .unwrap_or_else(|| "exact".into());
                            let o = Obj::new()
                                .int("id", element_id(&f.annotations, i))
                                .str("name", &f.name)
                                .strs("annotations", annotations(&f.annotations, &["match"]))
                                .int("bitwidth", self.width(&f.ty));
                            with_match_kind(o, &kind).into()
                        })
                        .collect(),
                    None => vec![Obj::new()
                        .int("id", 1)
                        .int("bitwidth", self.width(&vs.elem))
                        .enumv("matchType", "EXACT", "UNSPECIFIED")
                        .into()],
                };
                let v = Obj::new()
                    .msg("preamble", preamble(vs.id, &vs.name, &aliases, &[]))
                    .list("match", matches)
                    .int("size", i64::from(vs.size));
                (cp_name(&vs.name).to_string(), v.into())
            })
            .collect();
        sorted_by_name(out)
    }

    /// v1model `digest<T>(receiver, data)` calls (named after `T`) and PSA `Digest<T>`
    /// instances (named after the instance).
    fn digests(&mut self) -> Vec<Value> {
        let mut found: BTreeMap<String, (u32, Ty, Vec<Annotation>)> = BTreeMap::new();
        for_each_call(self.p, &mut |c| {
            let CallTarget::ExternFunction { name } = &c.target else {
                return;
            };
            if name != "digest" {
                return;
            }
            let ty = c
                .type_args
                .first()
                .or_else(|| c.args.get(1).map(|a| &a.ty))
                .cloned();
            if let Some(ty @ Ty::Named { id }) = ty {
                if let Some(decl) = self.p.type_decl(id) {
                    let name = cp_name(&decl.name).to_string();
                    let id = ir::entity_id(id_prefix::DIGEST, &name);
                    found
                        .entry(name)
                        .or_insert((id, ty, decl.annotations.clone()));
                }
            }
        });
        for i in self.instances(&[Kind::Digest]) {
            if let Some(ty) = i.type_args.first() {
                let name = cp_name(&i.name).to_string();
                let id = ir::entity_id(id_prefix::DIGEST, &name);
                found
                    .entry(name)
                    .or_insert((id, ty.clone(), i.annotations.clone()));
            }
        }
        let aliases = aliases(found.keys().map(String::as_str));
        let mut out = Vec::new();
        for (name, (id, ty, anns)) in &found {
            let spec = self.types.spec(ty);
            let v = Obj::new()
                .msg("preamble", preamble(*id, name, &aliases, anns))
                .opt_msg("typeSpec", spec);
            out.push((name.clone(), v.into()));
        }
        sorted_by_name(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::*;
    use serde_json::json;

    fn bits(width: u32) -> Ty {
        Ty::Bits {
            width,
            signed: false,
        }
    }

    /// An annotation as the lowering records it: string literals keep their quotes.
    fn ann(name: &str, values: &[&str]) -> Annotation {
        Annotation {
            name: name.into(),
            values: values
                .iter()
                .map(|s| {
                    if parse_int_literal(s).is_some() || *s == "true" || *s == "false" {
                        s.to_string()
                    } else {
                        format!("\"{s}\"")
                    }
                })
                .collect(),
        }
    }

    fn field(name: &str, ty: Ty, anns: Vec<Annotation>) -> FieldDef {
        FieldDef {
            name: name.into(),
            ty,
            offset: 0,
            annotations: anns,
        }
    }

    fn var(name: &str, ty: Ty) -> Expr {
        Expr {
            ty,
            kind: ExprKind::Var { name: name.into() },
        }
    }

    fn param(name: &str, ty: Ty, direction: Direction) -> Param {
        Param {
            name: name.into(),
            direction,
            ty,
            annotations: vec![],
        }
    }

    fn action(name: &str, control: &str, params: Vec<Param>, anns: Vec<Annotation>) -> Action {
        Action {
            id: entity_id(id_prefix::ACTION, name),
            name: name.into(),
            control: control.into(),
            params,
            locals: vec![],
            body: vec![],
            annotations: anns,
        }
    }

    fn instance(name: &str, ty: &str, type_args: Vec<Ty>, args: Vec<CtorArg>) -> ExternInstance {
        let prefix = match ty {
            "direct_counter" => id_prefix::DIRECT_COUNTER,
            "register" => id_prefix::REGISTER,
            "counter" => id_prefix::COUNTER,
            "meter" => id_prefix::METER,
            "direct_meter" => id_prefix::DIRECT_METER,
            _ => id_prefix::ACTION_PROFILE,
        };
        ExternInstance {
            id: entity_id(prefix, name),
            name: name.into(),
            extern_type: ty.into(),
            type_args,
            args,
            annotations: vec![],
        }
    }

    fn int_arg(v: i64) -> CtorArg {
        CtorArg::Int {
            value: BigInt::from(v),
            ty: bits(32),
        }
    }

    fn enum_arg(ty: &str, member: &str) -> CtorArg {
        CtorArg::Enum {
            ty: ty.into(),
            member: member.into(),
        }
    }

    fn key(name: &str, ty: Ty, kind: &str) -> TableKey {
        TableKey {
            name: name.into(),
            expr: var(name, ty),
            match_kind: kind.into(),
            annotations: vec![],
        }
    }

    fn table_action(name: &str, scope: ActionScope) -> TableAction {
        TableAction {
            action: name.into(),
            scope,
            annotations: vec![],
            args: vec![],
        }
    }

    fn table(name: &str) -> Table {
        Table {
            id: entity_id(id_prefix::TABLE, name),
            name: name.into(),
            control: "MyIngress".into(),
            keys: vec![],
            actions: vec![],
            default_action: None,
            default_action_const: false,
            entries: vec![],
            entries_const: false,
            size: None,
            support_timeout: false,
            direct_counter: None,
            direct_meter: None,
            implementation: None,
            annotations: vec![],
        }
    }

    fn empty_program() -> Program {
        Program {
            version: IR_VERSION,
            arch: Some("v1model".into()),
            types: vec![],
            errors: vec!["NoError".into(), "PacketTooShort".into()],
            match_kinds: vec!["exact".into(), "lpm".into(), "ternary".into()],
            instances: vec![],
            sub_instances: vec![],
            value_sets: vec![],
            parsers: vec![],
            controls: vec![],
            actions: vec![],
            tables: vec![],
            functions: vec![],
            package: None,
        }
    }

    /// A v1model-like program with the entities the P4Info covers.
    fn sample() -> Program {
        let mut p = empty_program();
        // 0: packet_in controller header, 1: digest struct, 2: value-set struct
        p.types.push(TypeDecl {
            name: "packet_in_header_t".into(),
            kind: TypeKind::Header {
                fields: vec![
                    field("ingress_port", bits(9), vec![]),
                    field("_pad", bits(7), vec![]),
                ],
                bit_width: 16,
            },
            annotations: vec![ann("controller_header", &["packet_in"])],
        });
        p.types.push(TypeDecl {
            name: "learn_t".into(),
            kind: TypeKind::Struct {
                fields: vec![
                    field("src", bits(48), vec![]),
                    field("port", bits(9), vec![]),
                ],
            },
            annotations: vec![],
        });
        p.types.push(TypeDecl {
            name: "pvs_t".into(),
            kind: TypeKind::Struct {
                fields: vec![
                    field("proto", bits(8), vec![]),
                    field("port", bits(16), vec![ann("match", &["ternary"])]),
                ],
            },
            annotations: vec![],
        });
        p.actions.push(action(
            "NoAction",
            "",
            vec![],
            vec![ann("noWarn", &["unused"])],
        ));
        p.actions.push(action(
            "MyIngress.set_port",
            "MyIngress",
            vec![
                param("port", bits(9), Direction::None),
                param("smac", bits(48), Direction::None),
            ],
            vec![],
        ));
        p.actions.push(action(
            "MyIngress.drop",
            "MyIngress",
            vec![param("sm", bits(32), Direction::InOut)],
            vec![],
        ));
        p.actions.push(action(
            "MyIngress.secret",
            "MyIngress",
            vec![],
            vec![ann("hidden", &[])],
        ));
        p.actions
            .push(action("MyIngress.unused", "MyIngress", vec![], vec![]));
        p.instances.push(instance(
            "MyIngress.hits",
            "direct_counter",
            vec![],
            vec![enum_arg("CounterType", "packets_and_bytes")],
        ));
        p.instances.push(instance(
            "MyIngress.regs",
            "register",
            vec![bits(32), bits(32)],
            vec![int_arg(4096)],
        ));
        p.instances.push(instance(
            "MyIngress.ecmp",
            "action_selector",
            vec![],
            vec![
                enum_arg("HashAlgorithm", "crc16"),
                int_arg(512),
                int_arg(14),
            ],
        ));
        p.instances.push(instance(
            "MyEgress.port_count",
            "counter",
            vec![],
            vec![int_arg(512), enum_arg("CounterType", "bytes")],
        ));
        p.instances.push(instance(
            "MyIngress.policer",
            "meter",
            vec![],
            vec![int_arg(64), enum_arg("MeterType", "packets")],
        ));
        p.value_sets.push(ValueSet {
            id: entity_id(id_prefix::VALUE_SET, "MyParser.pvs"),
            name: "MyParser.pvs".into(),
            elem: Ty::Named { id: 2 },
            size: 4,
        });
        p.value_sets.push(ValueSet {
            id: entity_id(id_prefix::VALUE_SET, "MyParser.eth"),
            name: "MyParser.eth".into(),
            elem: bits(16),
            size: 8,
        });

        let mut t = table("MyIngress.ipv4_lpm");
        t.keys = vec![
            key("hdr.ipv4.dstAddr", bits(32), "lpm"),
            key("meta.vrf", bits(12), "exact"),
        ];
        t.keys[1].annotations = vec![ann("name", &["vrf"]), ann("brief", &["VRF id"])];
        t.actions = vec![
            table_action("MyIngress.set_port", ActionScope::TableAndDefault),
            table_action("MyIngress.drop", ActionScope::TableOnly),
            table_action("NoAction", ActionScope::DefaultOnly),
            table_action("MyIngress.secret", ActionScope::TableAndDefault),
        ];
        t.actions[2].annotations = vec![ann("defaultonly", &[])];
        t.default_action = Some(ActionCall {
            action: "NoAction".into(),
            args: vec![],
        });
        t.default_action_const = true;
        t.size = Some(2048);
        t.direct_counter = Some("MyIngress.hits".into());
        t.support_timeout = true;
        t.annotations = vec![
            ann("name", &["MyIngress.ipv4_lpm"]),
            ann("pragma", &["x", "7"]),
        ];
        p.tables.push(t);

        let mut t = table("MyIngress.ecmp_group");
        t.keys = vec![
            key("meta.group", bits(16), "exact"),
            key("hdr.ipv4.srcAddr", bits(32), "selector"),
        ];
        t.actions = vec![table_action(
            "MyIngress.set_port",
            ActionScope::TableAndDefault,
        )];
        t.implementation = Some("MyIngress.ecmp".into());
        t.entries_const = true;
        p.tables.push(t);

        let mut t = table("MyEgress.hidden_t");
        t.annotations = vec![ann("hidden", &[])];
        p.tables.push(t);

        let digest = Call {
            target: CallTarget::ExternFunction {
                name: "digest".into(),
            },
            receiver: None,
            type_args: vec![Ty::Named { id: 1 }],
            args: vec![
                Expr {
                    ty: bits(32),
                    kind: ExprKind::Const {
                        value: BigInt::from(1),
                    },
                },
                var("meta.learn", Ty::Named { id: 1 }),
            ],
        };
        p.controls.push(Control {
            name: "MyIngress".into(),
            params: vec![],
            ctor_params: vec![],
            locals: vec![],
            body: vec![Stmt::If {
                cond: Expr {
                    ty: Ty::Bool,
                    kind: ExprKind::Bool { value: true },
                },
                then: vec![Stmt::Call(digest)],
                els: vec![],
            }],
            annotations: vec![],
        });
        p
    }

    fn by_name<'a>(list: &'a Value, name: &str) -> &'a Value {
        list.as_array()
            .and_then(|l| l.iter().find(|e| e["preamble"]["name"] == name))
            .unwrap_or_else(|| panic!("no entity named {name} in {list}"))
    }

    fn prefix_of(id: &Value) -> u8 {
        (id.as_u64().expect("numeric id") >> 24) as u8
    }

    #[test]
    fn p4info_tables() {
        let p = sample();
        let info = p4info(&p);
        assert_eq!(info["pkgInfo"], json!({"arch": "v1model"}));
        let tables = info["tables"].as_array().unwrap();
        assert_eq!(tables.len(), 2, "hidden table is left out");
        // sorted by name
        assert_eq!(tables[0]["preamble"]["name"], "MyIngress.ecmp_group");

        let t = by_name(&info["tables"], "MyIngress.ipv4_lpm");
        assert_eq!(prefix_of(&t["preamble"]["id"]), id_prefix::TABLE);
        assert_eq!(t["preamble"]["id"], p.tables[0].id);
        assert_eq!(t["preamble"]["alias"], "ipv4_lpm");
        assert_eq!(t["preamble"]["annotations"], json!(["@pragma(\"x\", 7)"]));
        assert_eq!(
            t["matchFields"],
            json!([
                {"id": 1, "name": "hdr.ipv4.dstAddr", "bitwidth": 32, "matchType": "LPM"},
                {"id": 2, "name": "meta.vrf", "bitwidth": 12, "matchType": "EXACT",
                 "doc": {"brief": "VRF id"}},
            ])
        );
        let set_port = p.action("MyIngress.set_port").unwrap().id;
        let drop = p.action("MyIngress.drop").unwrap().id;
        let no_action = p.action("NoAction").unwrap().id;
        assert_eq!(
            t["actionRefs"],
            json!([
                {"id": set_port},
                {"id": drop, "annotations": ["@tableonly"], "scope": "TABLE_ONLY"},
                {"id": no_action, "annotations": ["@defaultonly"], "scope": "DEFAULT_ONLY"},
            ]),
            "hidden action left out, markers not duplicated"
        );
        assert_eq!(t["constDefaultActionId"], no_action);
        assert_eq!(t["directResourceIds"], json!([p.instances[0].id]));
        assert_eq!(
            prefix_of(&t["directResourceIds"][0]),
            id_prefix::DIRECT_COUNTER
        );
        assert_eq!(t["size"], "2048");
        assert_eq!(t["idleTimeoutBehavior"], "NOTIFY_CONTROL");
        assert!(t.get("isConstTable").is_none());
        assert!(t.get("implementationId").is_none());

        let t = by_name(&info["tables"], "MyIngress.ecmp_group");
        assert_eq!(
            t["matchFields"],
            json!([{"id": 1, "name": "meta.group", "bitwidth": 16, "matchType": "EXACT"}]),
            "selector keys are not match fields"
        );
        assert_eq!(t["implementationId"], p.instances[2].id);
        assert_eq!(prefix_of(&t["implementationId"]), id_prefix::ACTION_PROFILE);
        assert_eq!(t["size"], "1024");
        assert_eq!(t["isConstTable"], true);
        assert!(t.get("constDefaultActionId").is_none());
        assert!(t.get("idleTimeoutBehavior").is_none());
    }

    #[test]
    fn p4info_actions() {
        let p = sample();
        let info = p4info(&p);
        let names: Vec<&str> = info["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["preamble"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["MyIngress.drop", "MyIngress.set_port", "NoAction"],
            "sorted; hidden and unused actions left out"
        );
        let a = by_name(&info["actions"], "MyIngress.set_port");
        assert_eq!(prefix_of(&a["preamble"]["id"]), id_prefix::ACTION);
        assert_eq!(a["preamble"]["alias"], "set_port");
        assert_eq!(
            a["params"],
            json!([
                {"id": 1, "name": "port", "bitwidth": 9},
                {"id": 2, "name": "smac", "bitwidth": 48},
            ])
        );
        let a = by_name(&info["actions"], "MyIngress.drop");
        assert!(
            a.get("params").is_none(),
            "directional params are not action data"
        );
        let a = by_name(&info["actions"], "NoAction");
        assert_eq!(a["preamble"]["annotations"], json!(["@noWarn(\"unused\")"]));
    }

    #[test]
    fn p4info_externs() {
        let p = sample();
        let info = p4info(&p);
        let table_id = p.table("MyIngress.ipv4_lpm").unwrap().id;

        let dc = &info["directCounters"][0];
        assert_eq!(prefix_of(&dc["preamble"]["id"]), id_prefix::DIRECT_COUNTER);
        assert_eq!(dc["preamble"]["alias"], "hits");
        assert_eq!(dc["spec"], json!({"unit": "BOTH"}));
        assert_eq!(dc["directTableId"], table_id);

        let c = &info["counters"][0];
        assert_eq!(prefix_of(&c["preamble"]["id"]), id_prefix::COUNTER);
        assert_eq!(c["spec"], json!({"unit": "BYTES"}));
        assert_eq!(c["size"], "512");

        let m = &info["meters"][0];
        assert_eq!(prefix_of(&m["preamble"]["id"]), id_prefix::METER);
        assert_eq!(m["spec"], json!({"unit": "PACKETS"}));
        assert_eq!(m["size"], "64");

        let r = &info["registers"][0];
        assert_eq!(prefix_of(&r["preamble"]["id"]), id_prefix::REGISTER);
        assert_eq!(r["preamble"]["name"], "MyIngress.regs");
        assert_eq!(
            r["typeSpec"],
            json!({"bitstring": {"bit": {"bitwidth": 32}}})
        );
        assert_eq!(r["size"], 4096);

        let ap = &info["actionProfiles"][0];
        assert_eq!(prefix_of(&ap["preamble"]["id"]), id_prefix::ACTION_PROFILE);
        assert_eq!(ap["withSelector"], true);
        assert_eq!(ap["size"], "512");
        assert_eq!(
            ap["tableIds"],
            json!([p.table("MyIngress.ecmp_group").unwrap().id])
        );
    }

    #[test]
    fn p4info_value_sets_controller_headers_digests() {
        let p = sample();
        let info = p4info(&p);
        let vs = by_name(&info["valueSets"], "MyParser.pvs");
        assert_eq!(prefix_of(&vs["preamble"]["id"]), id_prefix::VALUE_SET);
        assert_eq!(vs["preamble"]["alias"], "pvs");
        assert_eq!(vs["size"], 4);
        assert_eq!(
            vs["match"],
            json!([
                {"id": 1, "name": "proto", "bitwidth": 8, "matchType": "EXACT"},
                {"id": 2, "name": "port", "bitwidth": 16, "matchType": "TERNARY"},
            ])
        );
        let vs = by_name(&info["valueSets"], "MyParser.eth");
        assert_eq!(
            vs["match"],
            json!([{"id": 1, "bitwidth": 16, "matchType": "EXACT"}])
        );

        let cpm = &info["controllerPacketMetadata"][0];
        assert_eq!(
            prefix_of(&cpm["preamble"]["id"]),
            id_prefix::CONTROLLER_HEADER
        );
        assert_eq!(cpm["preamble"]["name"], "packet_in");
        assert_eq!(
            cpm["preamble"]["annotations"],
            json!(["@controller_header(\"packet_in\")"])
        );
        assert_eq!(
            cpm["metadata"],
            json!([
                {"id": 1, "name": "ingress_port", "bitwidth": 9},
                {"id": 2, "name": "_pad", "bitwidth": 7},
            ])
        );

        let d = &info["digests"][0];
        assert_eq!(d["preamble"]["id"], entity_id(id_prefix::DIGEST, "learn_t"));
        assert_eq!(d["preamble"]["name"], "learn_t");
        assert_eq!(d["typeSpec"], json!({"struct": {"name": "learn_t"}}));
        assert_eq!(
            info["typeInfo"]["structs"]["learn_t"]["members"],
            json!([
                {"name": "src", "typeSpec": {"bitstring": {"bit": {"bitwidth": 48}}}},
                {"name": "port", "typeSpec": {"bitstring": {"bit": {"bitwidth": 9}}}},
            ])
        );
    }

    #[test]
    fn p4info_selector_annotations_and_empty_program() {
        let mut p = sample();
        p.instances[2].annotations = vec![
            ann("max_group_size", &["200"]),
            ann("selector_size_semantics", &["sum_of_members"]),
            ann("max_member_weight", &["4000"]),
        ];
        let info = p4info(&p);
        let ap = &info["actionProfiles"][0];
        assert_eq!(ap["maxGroupSize"], 200);
        assert_eq!(ap["sumOfMembers"], json!({"maxMemberWeight": 4000}));
        assert!(ap["preamble"].get("annotations").is_none());

        let info = p4info(&empty_program());
        assert_eq!(
            info,
            json!({"pkgInfo": {"arch": "v1model"}, "typeInfo": {}})
        );
        assert!(p4info_json(&empty_program()).ends_with("}\n"));
    }

    #[test]
    fn p4info_aliases() {
        let a = aliases(["s.c1.t", "s.c2.t", "x.u", ".top", "a.b", "b"]);
        assert_eq!(a["s.c1.t"], "c1.t");
        assert_eq!(a["s.c2.t"], "c2.t");
        assert_eq!(a["x.u"], "u");
        assert_eq!(a["top"], "top");
        assert_eq!(a["a.b"], "a.b");
        assert_eq!(a["b"], "b");
    }

    #[test]
    fn p4info_helpers() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(int_bytes(&BigInt::from(0x0800), 16), vec![0x08, 0x00]);
        assert_eq!(int_bytes(&BigInt::from(0), 9), vec![0, 0]);
        assert_eq!(int_bytes(&BigInt::from(-1), 12), vec![0x0f, 0xff]);
        assert_eq!(parse_int_literal("32w0x10"), Some(16));
        assert_eq!(
            fmt_annotation(&ann("foo", &["a b", "1", "true"])),
            "@foo(\"a b\", 1, true)"
        );
        assert_eq!(fmt_annotation(&ann("corelib", &[])), "@corelib");
    }

    #[test]
    fn p4info_is_deterministic() {
        let p = sample();
        assert_eq!(p4info_json(&p), p4info_json(&p.clone()));
        let mut q = p.clone();
        q.tables.reverse();
        q.actions.reverse();
        q.instances.reverse();
        assert_eq!(p4info(&p)["tables"], p4info(&q)["tables"]);
        assert_eq!(p4info(&p)["actions"], p4info(&q)["actions"]);
    }
}
